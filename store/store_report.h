/*
 * store_report.h - the register read for the centre's reports, its archive
 * and its backups.
 *
 * Reports read one light row per order (no descriptions or personal
 * details), with what the figures need joined in: the latest fee and
 * payment, the feedback, whether the order ever went back to rework, and
 * its follow-up visit.
 * An export reads the orders themselves (store_orders_list with a period)
 * plus every fee and payment recorded against each. A snapshot makes all
 * the reads of one report or export see the same moment while the gateway
 * goes on writing. A backup is a consistent copy of the whole file taken
 * with SQLite's online backup API.
 *
 * Conventions as in store.h: 0 on success, negative on failure with
 * store_errmsg() saying why; callbacks return nonzero to stop.
 */
#ifndef CONCIERGE_STORE_REPORT_H
#define CONCIERGE_STORE_REPORT_H

#include <stdint.h>

#include "store/store.h"

/* One order as the figures see it. */
struct store_report_row {
	int64_t id;
	char number[24];
	char community[64];
	char status[24];
	char category[16];
	char item[64];
	char assignee[64]; /* "" when nobody took it */
	int urgent;
	int promised_minutes; /* the response promise made at creation */
	int64_t created_at, assigned_at, done_at, closed_at; /* 0 = not yet */
	int64_t fee;  /* the latest fee recorded, fen; -1 none */
	int64_t paid; /* the latest payment, fen; -1 none */
	int accepted; /* -1 no answer, 0 not fixed (last answer), 1 accepted */
	int rating;   /* 1-5, 0 none */
	int reworked; /* 1 when its history has "rework" or "reopened" */
	/* Its follow-up visit (回访), when it was sampled for one: */
	char followup[12];   /* status: "" not sampled, "sampled", "asked", "answered", ... */
	int64_t fu_asked_at; /* 0 = not asked */
	int fu_resolved;     /* 1 yes, 0 no, -1 no answer */
	int fu_satisfied;    /* likewise */
	int fu_reopened;     /* 1 when "not solved" sent it back to rework */
};
typedef int (*store_report_cb)(const struct store_report_row *r, void *ud);

/*
 * The orders created at FROM or later and before TO (0: unbounded), of
 * COMMUNITY (NULL: all), oldest first.
 */
int store_report_rows(struct store *s, int64_t from, int64_t to, const char *community,
                      store_report_cb cb, void *ud);
/* How many orders store_report_rows() would hand over, in *N. */
int store_report_count(struct store *s, int64_t from, int64_t to, const char *community,
                       int64_t *n);

/* A fee or a payment recorded against an order. */
struct store_money {
	int64_t id;
	int64_t fen;
	char receipt[64]; /* payments only; "" for a fee */
	char by[64];      /* staff id */
	int64_t at;
};
typedef int (*store_money_cb)(const struct store_money *m, void *ud);
/* Every fee (or payment) of ORDER_ID, oldest first. */
int store_fees_list(struct store *s, int64_t order_id, store_money_cb cb, void *ud);
int store_payments_list(struct store *s, int64_t order_id, store_money_cb cb, void *ud);

/*
 * A read transaction: every read until store_snapshot_end() sees the
 * database as it was at the first one. Writers (the gateway) are not held
 * up. Returns 1 when it began one (end it with store_snapshot_end()), 0 when
 * the caller is already inside a transaction (whose reads are consistent
 * already: nothing to end), <0 on error.
 */
int store_snapshot_begin(struct store *s);
int store_snapshot_end(struct store *s);

/*
 * Copies the whole database into a new file DEST with SQLite's online
 * backup API while others go on using it: the copy is one consistent
 * moment, checked (integrity_check) and made a plain single file (no
 * journal beside it) before it gets its name, so DEST never holds half a
 * backup. An existing DEST is an error unless FORCE; DEST may never be the
 * database itself. The copy is readable by its owner only (0600). On
 * success *PAGES (when not NULL) is the number of pages copied.
 */
int store_backup(struct store *s, const char *dest, int force, int *pages);

#endif
