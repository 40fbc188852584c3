/*
 * store_internal.h - what the files of store/ share and nobody else sees.
 *
 * The store is split by subject (store.c: small tables and transactions;
 * store_orders.c: orders and their history, feedback, fees, payments;
 * store_outbox.c: the outbox; store_transcript.c: the chat pages' transcript;
 * store_photos.c: photos sent with a request; store_stats.c: figures for /metrics;
 * store_desk.c: residents found by phone for desk intake, and staff duty;
 * store_dead.c: inbound messages that failed, and dead letters;
 * store_report.c: reading for reports and the archive, snapshots).
 * They share error reporting, transactions that nest, the copying of text
 * into fixed-size fields, and (store_rows.c) the step-read loop every query
 * goes through. They reach the database only through store_db.h; the SQLite
 * backend (sqlite_db.c: connection, statement cache, binding, pragmas;
 * sqlite_schema.c: migrations; sqlite_ckpt.c: checkpoints; sqlite_backup.c:
 * backups) is the only code that calls SQLite.
 */
#ifndef CONCIERGE_STORE_INTERNAL_H
#define CONCIERGE_STORE_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "store/store_db.h"

/* A statement's text assembled at run time (store_variant), kept for the store's life. */
struct store_variant {
	enum store_sql family;
	unsigned mask;
	char *sql;
};

/*
 * What every backend shares. A backend's connection (struct sqlite_store in
 * sqlite_db.h) begins with it, so the store files see only this part.
 */
struct buf;
struct store_backend;

/* The head of every backend's statement: its backend, for the getters. */
struct store_q {
	const struct store_backend *be;
};

struct store {
	const struct store_backend *be;
	const char *const *sql; /* the backend's texts, indexed by enum store_sql */
	/* Writes variant MASK of the statement family FAMILY (store_variant). */
	void (*build)(enum store_sql family, unsigned mask, struct buf *b);
	struct store_variant *variants;
	size_t nvariants, capvariants;
	char err[512];   /* the last failure, kept because cleanup may overwrite the library's */
	char **tx_files; /* created for the open transaction (store_tx_file), owned */
	size_t ntx_files, captx_files;
	enum store_err errclass; /* the kind of the last failure */
};

/*
 * A backend: what store_db.h's calls and the store's own (store.h) become on
 * its database. SOME: parameters past the highest one the text names are read
 * and not bound (store_query_some). RUN: *ID, when not NULL, gets the new
 * row's id (the first column the text returns, or the library's last insert
 * id). FAIL records the library's last error in S->err and S->errclass.
 */
struct store_backend {
	const char *name;
	struct store_q *(*query)(struct store *s, const char *sql, int some, const char *fmt,
	                         va_list ap);
	int (*run)(struct store *s, const char *sql, int64_t *id, const char *fmt, va_list ap);
	int (*step)(struct store *s, struct store_q *q);
	void (*done)(struct store *s, struct store_q *q);
	int64_t (*int64)(const struct store_q *q, int col);
	const char *(*text)(const struct store_q *q, int col); /* NULL for NULL */
	int (*null)(const struct store_q *q, int col);
	int (*in_tx)(struct store *s);
	int (*fail)(struct store *s);
	void (*close)(struct store *s);
	const char *(*path)(struct store *s);
	void (*set_busy_ms)(struct store *s, int ms);
	int (*sync_now)(struct store *s);
	int (*secure_on)(struct store *s, int *was);
	void (*secure_restore)(struct store *s, int was);
	int (*log_truncate)(struct store *s);
	int (*schema_version)(struct store *s);
	int (*checkpoint_apart)(struct store *s);
	long (*checkpoint_runs)(struct store *s);
	int (*backup)(struct store *s, const char *dest, int force, int *pages);
	/* store_copy.c: a row's width and column names; a statement bound from N texts (NULL: NULL)
	 */
	int (*ncols)(const struct store_q *q);
	const char *(*colname)(const struct store_q *q, int col);
	int (*run_texts)(struct store *s, const char *sql, int n, const char *const *v);
	/* after rows with their ids were copied into TABLE: new ids go on from the largest */
	int (*copied)(struct store *s, const char *table);
};

/* Opens the SQLite database at PATH (sqlite_db.c); as store_open(). */
int store_sqlite_open(const char *path, struct store **out, char *err, size_t errlen);

/* Opens the PostgreSQL database at URL (pg_db.c); as store_open(). */
int store_pg_open(const char *url, struct store **out, char *err, size_t errlen);

/*
 * The number of schema steps (migrations) both backends have, so that a
 * version means the same on each (sqlite_schema.c, pg_schema.c).
 */
#define STORE_STEPS 11

/* Frees what store_open's neutral part holds (variants, tx_files) and rolls back IN_TX's files. */
void store_common_free(struct store *s, int in_tx);

/* Forgets the open transaction's files (committed), or removes them too (UNLINK). */
void store_tx_files_end(struct store *s, int unlink_them);

/*
 * A query whose filters are optional is written with only the conditions a
 * call has, so that the planner sees plain "column = ?" terms it can answer
 * from an index ("?1 IS NULL OR column = ?1" makes SQLite read the whole
 * table). store_variant() returns the text of variant MASK (the LIST_ or Q_
 * bits below) of the statement FAMILY, written by the backend's builder the
 * first time it is asked for and kept until the store closes, so its address
 * is stable and the statement cache keeps it like a fixed one. Variants keep
 * their parameter numbers, and a call binds them all with
 * store_query_some(). NULL when out of memory (recorded).
 */
const char *store_variant(struct store *s, enum store_sql family, unsigned mask);
/*
 * A statement written at run time from what only the database knows (the
 * columns of a table, for store_copy.c): TEXT kept as variant (FAMILY,
 * MASK) for the store's life, or the one kept before under those. Written
 * in SQL both backends read: "$N" parameters, quoted names.
 */
const char *store_variant_text(struct store *s, enum store_sql family, unsigned mask,
                               const char *text);

/* The conditions of the orders list (SQL_ORDERS_LIST). */
enum {
	LIST_STATUS = 1 << 0,
	LIST_ASSIGNEE = 1 << 1,
	LIST_RESIDENT = 1 << 2,
	LIST_OPEN = 1 << 3,
	LIST_ACTIONS = 1 << 4,
	LIST_FROM = 1 << 5,
	LIST_TO = 1 << 6,
	LIST_COMMUNITY = 1 << 7,
	LIST_OLDEST = 1 << 8,
	LIST_RATED = 1 << 9,
	LIST_AFTER = 1 << 10,
};

/* The conditions of the console's query (SQL_QUERY_IDS, SQL_QUERY_COUNT). */
enum {
	Q_STATUS = 1 << 0,
	Q_OPEN = 1 << 1,
	Q_CATEGORY = 1 << 2,
	Q_COMMUNITY = 1 << 3,
	Q_ASSIGNEE = 1 << 4,
	Q_FROM = 1 << 5,
	Q_TO = 1 << 6,
};

/*
 * Multi-statement changes: opens BEGIN IMMEDIATE when no transaction is open
 * (so a read-then-write cannot lose a race with another process), else a
 * SAVEPOINT inside the caller's transaction. store_tx_leave commits/releases
 * when OK is nonzero and rolls back otherwise; it returns 0 or -1.
 */
int store_tx_enter(struct store *s, int *outer);
int store_tx_leave(struct store *s, int outer, int ok);

/* The statuses of an order still being worked on (not closed, cancelled or declined). */
#define STORE_OPEN_STATUSES                                                                        \
	"('pending', 'assigned', 'scheduled', 'in_progress', 'awaiting_acceptance', 'rework')"

/* Bounded copy that never splits a UTF-8 sequence; DST is always terminated. */
void store_copy(char *dst, size_t dstlen, const char *src);

#endif
