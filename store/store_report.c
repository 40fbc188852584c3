/*
 * store_report.c - the register read for reports and the archive, and
 * snapshots; see store_report.h (backups: sqlite_backup.c).
 *
 * The report rows are the orders of the period (orders_created index) with
 * the latest fee, the latest payment, the feedback, the follow-up visit (at
 * most one per order) and whether the order ever went back to rework, each
 * read by a cursor over its table that moves along with the orders (they are
 * numbered in the order they were filed), so a month of figures is one pass
 * over that month's rows of each table rather than a lookup per order.
 */
#include "store/store_report.h"

#include <stdint.h>
#include <string.h>

#include "store/store_internal.h"

enum { SIDE_FEES, SIDE_PAYMENTS, SIDE_FEEDBACK, SIDE_FOLLOWUPS, SIDE_REWORK, NSIDES };
static const enum store_sql side_sql[NSIDES] = {SQL_SIDE_FEES, SQL_SIDE_PAYMENTS, SQL_SIDE_FEEDBACK,
                                                SQL_SIDE_FOLLOWUPS, SQL_SIDE_REWORK};

/* A table read beside the orders: its statement, on a row of order AT (INT64_MAX: done). */
struct side {
	struct store_q *st;
	int64_t at;
};

/* Steps SIDE to its next row; -1 on error (recorded). */
static int side_step(struct store *s, struct side *d)
{
	int rc = store_step(s, d->st);

	if (rc > 0) {
		d->at = store_int64(d->st, 0);
		return 0;
	}
	d->at = INT64_MAX;
	return rc;
}

/*
 * Moves D past the rows of orders before ID; 1 when it is then on a row of
 * ID (whose columns the caller reads), 0 when ID has none, -1 on error.
 */
static int side_seek(struct store *s, struct side *d, int64_t id)
{
	while (d->at < id)
		if (side_step(s, d) < 0)
			return -1;
	return d->at == id;
}

/* The latest of several rows of ID (fees, payments: oldest first): its column 1 into *V. */
static int side_last(struct store *s, struct side *d, int64_t id, int64_t *v)
{
	int rc = side_seek(s, d, id);

	while (rc == 1) {
		*v = store_int64(d->st, 1);
		if (side_step(s, d) < 0)
			return -1;
		rc = d->at == id;
	}
	return rc;
}

/* Fills R's figures from the other tables, read in step with the orders. */
static int extras_merged(struct store *s, struct side *d, struct store_report_row *r)
{
	int rc;

	if (side_last(s, &d[SIDE_FEES], r->id, &r->fee) < 0 ||
	    side_last(s, &d[SIDE_PAYMENTS], r->id, &r->paid) < 0)
		return -1;
	rc = side_seek(s, &d[SIDE_FEEDBACK], r->id);
	if (rc == 1) {
		r->accepted = store_int(d[SIDE_FEEDBACK].st, 1);
		r->rating = store_int(d[SIDE_FEEDBACK].st, 2);
	}
	if (rc >= 0)
		rc = side_seek(s, &d[SIDE_FOLLOWUPS], r->id);
	if (rc == 1) {
		const struct store_q *st = d[SIDE_FOLLOWUPS].st;

		store_col(st, 1, r->followup, sizeof(r->followup));
		r->fu_asked_at = store_int64(st, 2);
		r->fu_resolved = store_int(st, 3);
		r->fu_satisfied = store_int(st, 4);
		r->fu_reopened = store_int(st, 5);
	}
	if (rc >= 0)
		rc = side_seek(s, &d[SIDE_REWORK], r->id);
	if (rc == 1)
		r->reworked = 1;
	return rc < 0 ? -1 : 0;
}

static int read_extras(struct store *s, const struct store_q *st, void *ud)
{
	struct store_report_row *r = ud;

	(void)s;
	r->fee = store_int64(st, 0);
	r->paid = store_int64(st, 1);
	r->accepted = store_int(st, 2);
	r->rating = store_int(st, 3);
	r->reworked = store_int(st, 4);
	store_col(st, 5, r->followup, sizeof(r->followup));
	r->fu_asked_at = store_int64(st, 6);
	r->fu_resolved = store_int(st, 7);
	r->fu_satisfied = store_int(st, 8);
	r->fu_reopened = store_int(st, 9);
	return 0;
}

/* The order of the current row of ST (SQL_REPORT_ORDERS), its own columns. */
static void read_order(const struct store_q *st, struct store_report_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = store_int64(st, 0);
	store_col(st, 1, r->number, sizeof(r->number));
	store_col(st, 2, r->community, sizeof(r->community));
	store_col(st, 3, r->status, sizeof(r->status));
	store_col(st, 4, r->category, sizeof(r->category));
	store_col(st, 5, r->item, sizeof(r->item));
	store_col(st, 6, r->assignee, sizeof(r->assignee));
	r->urgent = store_int(st, 7);
	r->promised_minutes = store_int(st, 8);
	r->created_at = store_int64(st, 9);
	r->assigned_at = store_int64(st, 10);
	r->done_at = store_int64(st, 11);
	r->closed_at = store_int64(st, 12);
	r->fee = r->paid = -1;
	r->accepted = r->fu_resolved = r->fu_satisfied = -1;
}

/*
 * The orders of the period in creation order; each order's figures from the
 * other tables come from cursors that move forward with it, since orders are
 * numbered in the order they are filed. One filed out of that order is looked
 * up on its own.
 */
static int report_rows(struct store *s, int64_t from, int64_t to, const char *community,
                       store_report_cb cb, void *ud)
{
	struct side d[NSIDES];
	struct store_report_row r;
	struct store_q *st = NULL;
	int64_t first = 0, last = 0, merged = 0;
	int i, rc, ret = -1;

	memset(d, 0, sizeof(d));
	rc = store_first(s, store_query(s, SQL_REPORT_FIRST, "nnT", from, to, community),
	                 store_row_int64, &first);
	if (rc > 0)
		rc = store_first(s, store_query(s, SQL_REPORT_LAST, "nnT", from, to, community),
		                 store_row_int64, &last);
	if (rc <= 0)
		return rc; /* no orders, or an error */
	for (i = 0; i < NSIDES; i++) {
		d[i].st = store_query(s, side_sql[i], "ii", first, last);
		if (!d[i].st || side_step(s, &d[i]) < 0)
			goto out;
	}
	st = store_query(s, SQL_REPORT_ORDERS, "nnT", from, to, community);
	if (!st)
		goto out;
	while ((rc = store_step(s, st)) > 0) {
		read_order(st, &r);
		if (r.id >= first && r.id <= last && r.id > merged) {
			if (extras_merged(s, d, &r) < 0)
				goto out;
			merged = r.id;
		} else if (store_first(s, store_query(s, SQL_REPORT_EXTRAS, "i", r.id), read_extras,
		                       &r) < 0) {
			goto out;
		}
		if (cb(&r, ud)) {
			rc = 0;
			break;
		}
	}
	if (rc < 0)
		goto out; /* recorded */
	ret = 0;
out:
	store_q_done(s, st);
	for (i = 0; i < NSIDES; i++)
		store_q_done(s, d[i].st);
	return ret;
}

int store_report_rows(struct store *s, int64_t from, int64_t to, const char *community,
                      store_report_cb cb, void *ud)
{
	/* The reads are several statements: one snapshot makes them agree. */
	int snap = store_snapshot_begin(s), rc;

	if (snap < 0)
		return -1;
	rc = report_rows(s, from, to, community, cb, ud);
	if (snap > 0 && store_snapshot_end(s) < 0)
		rc = -1;
	return rc;
}

int store_report_count(struct store *s, int64_t from, int64_t to, const char *community, int64_t *n)
{
	*n = 0;
	return store_first(s, store_query(s, SQL_REPORT_COUNT, "nnT", from, to, community),
	                   store_row_int64, n) < 0
	               ? -1
	               : 0;
}

struct money_walk {
	store_money_cb cb;
	void *ud;
};

static int walk_money(struct store *s, const struct store_q *st, void *ud)
{
	const struct money_walk *w = ud;
	struct store_money m;

	(void)s;
	memset(&m, 0, sizeof(m));
	m.id = store_int64(st, 0);
	m.fen = store_int64(st, 1);
	store_col(st, 2, m.receipt, sizeof(m.receipt));
	store_col(st, 3, m.by, sizeof(m.by));
	m.at = store_int64(st, 4);
	return w->cb(&m, w->ud) ? 1 : 0;
}

int store_fees_list(struct store *s, int64_t order_id, store_money_cb cb, void *ud)
{
	struct money_walk w = {cb, ud};

	return store_each(s, store_query(s, SQL_FEES_LIST, "i", order_id), walk_money, &w);
}

int store_payments_list(struct store *s, int64_t order_id, store_money_cb cb, void *ud)
{
	struct money_walk w = {cb, ud};

	return store_each(s, store_query(s, SQL_PAYMENTS_LIST, "i", order_id), walk_money, &w);
}

/* ---- snapshots ---------------------------------------------------------------- */

static int ignore_row(struct store *s, const struct store_q *st, void *ud)
{
	(void)s;
	(void)st;
	(void)ud;
	return 0;
}

int store_snapshot_begin(struct store *s)
{
	if (store_in_tx(s))
		return 0;
	if (store_run(s, SQL_READ_BEGIN, "") < 0)
		return -1;
	if (store_first(s, store_query(s, SQL_READ_MARK, ""), ignore_row, NULL) < 0) {
		store_run(s, SQL_READ_END, "");
		return -1;
	}
	return 1;
}

int store_snapshot_end(struct store *s)
{
	if (!store_in_tx(s))
		return 0;
	return store_run(s, SQL_READ_END, "") < 0 ? -1 : 0;
}
