/*
 * store_report.c - the register read for reports and the archive, and
 * online backups; see store_report.h.
 *
 * The report rows are the orders of the period (orders_created index) with
 * the latest fee, the latest payment, the feedback, the follow-up visit (at
 * most one per order) and whether the order ever went back to rework, each
 * read by a cursor over its table that moves along with the orders (they are
 * numbered in the order they were filed), so a month of figures is one pass
 * over that month's rows of each table rather than a lookup per order.
 */
#include "store/store_report.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_internal.h"

/*
 * Bounds the planner can answer from orders_created (an absent one is the
 * widest): a month reads that month's orders, not every order.
 */
#define PERIOD_WHERE                                                                               \
	" WHERE o.created_at >= COALESCE(?1, 0)"                                                   \
	" AND o.created_at < COALESCE(?2, 9223372036854775807) AND (?3 IS NULL OR o.community = "  \
	"?3)"

static const char sql_report_orders[] =
        "SELECT o.id, o.number, o.community, o.status, o.category, o.item, o.assignee,"
        " o.urgent, o.promised_minutes, o.created_at, o.assigned_at, o.done_at, o.closed_at"
        " FROM orders o" PERIOD_WHERE " ORDER BY o.created_at, o.id";
/* The ids of the first and the last order of the period, where the other tables are read. */
static const char sql_report_first[] =
        "SELECT o.id FROM orders o" PERIOD_WHERE " ORDER BY o.created_at, o.id LIMIT 1";
static const char sql_report_last[] =
        "SELECT o.id FROM orders o" PERIOD_WHERE " ORDER BY o.created_at DESC, o.id DESC LIMIT 1";
/*
 * What the figures want from the other tables, for the orders with ids in
 * ?1..?2, each in order_id order so that they are read side by side with the
 * orders (a merge: one pass over each, no lookup per order). The partial index
 * order_events_rework holds the few events that sent an order back to work.
 */
static const char sql_side_fees[] =
        "SELECT order_id, fen FROM fees WHERE order_id BETWEEN ?1 AND ?2 ORDER BY order_id, id";
static const char sql_side_payments[] = "SELECT order_id, fen FROM payments"
                                        " WHERE order_id BETWEEN ?1 AND ?2 ORDER BY order_id, id";
static const char sql_side_feedback[] =
        "SELECT order_id, COALESCE(accepted, -1), COALESCE(rating, 0) FROM feedback"
        " WHERE order_id BETWEEN ?1 AND ?2 ORDER BY order_id";
static const char sql_side_followups[] =
        "SELECT order_id, status, COALESCE(asked_at, 0), COALESCE(resolved, -1),"
        " COALESCE(satisfied, -1), reopened FROM followups"
        " WHERE order_id BETWEEN ?1 AND ?2 ORDER BY order_id";
static const char sql_side_rework[] =
        "SELECT DISTINCT order_id FROM order_events"
        " WHERE action IN ('rework', 'reopened') AND order_id BETWEEN ?1 AND ?2 ORDER BY order_id";
/* The same for one order out of id order (a clock set back): looked up on its own. */
static const char sql_report_extras[] =
        "SELECT COALESCE((SELECT fen FROM fees WHERE order_id = ?1 ORDER BY id DESC LIMIT 1), -1),"
        " COALESCE((SELECT fen FROM payments WHERE order_id = ?1 ORDER BY id DESC LIMIT 1), -1),"
        " COALESCE((SELECT accepted FROM feedback WHERE order_id = ?1), -1),"
        " COALESCE((SELECT rating FROM feedback WHERE order_id = ?1), 0),"
        " EXISTS (SELECT 1 FROM order_events WHERE order_id = ?1"
        "  AND action IN ('rework', 'reopened')),"
        " COALESCE((SELECT status FROM followups WHERE order_id = ?1), ''),"
        " COALESCE((SELECT asked_at FROM followups WHERE order_id = ?1), 0),"
        " COALESCE((SELECT resolved FROM followups WHERE order_id = ?1), -1),"
        " COALESCE((SELECT satisfied FROM followups WHERE order_id = ?1), -1),"
        " COALESCE((SELECT reopened FROM followups WHERE order_id = ?1), 0)";
static const char sql_report_count[] = "SELECT count(*) FROM orders o" PERIOD_WHERE;
static const char sql_fees_list[] =
        "SELECT id, fen, '', \"by\", at FROM fees WHERE order_id = ?1 ORDER BY id";
static const char sql_payments_list[] =
        "SELECT id, fen, receipt, \"by\", at FROM payments WHERE order_id = ?1 ORDER BY id";

enum { SIDE_FEES, SIDE_PAYMENTS, SIDE_FEEDBACK, SIDE_FOLLOWUPS, SIDE_REWORK, NSIDES };
static const char *const side_sql[NSIDES] = {sql_side_fees, sql_side_payments, sql_side_feedback,
                                             sql_side_followups, sql_side_rework};

/* A table read beside the orders: its statement, on a row of order AT (INT64_MAX: done). */
struct side {
	sqlite3_stmt *st;
	int64_t at;
};

/* Steps SIDE to its next row; -1 on error (recorded). */
static int side_step(struct store *s, struct side *d)
{
	int rc = sqlite3_step(d->st);

	if (rc == SQLITE_ROW) {
		d->at = sqlite3_column_int64(d->st, 0);
		return 0;
	}
	d->at = INT64_MAX;
	return rc == SQLITE_DONE ? 0 : store_fail(s);
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
		*v = sqlite3_column_int64(d->st, 1);
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
		r->accepted = sqlite3_column_int(d[SIDE_FEEDBACK].st, 1);
		r->rating = sqlite3_column_int(d[SIDE_FEEDBACK].st, 2);
	}
	if (rc >= 0)
		rc = side_seek(s, &d[SIDE_FOLLOWUPS], r->id);
	if (rc == 1) {
		sqlite3_stmt *st = d[SIDE_FOLLOWUPS].st;

		store_col(st, 1, r->followup, sizeof(r->followup));
		r->fu_asked_at = sqlite3_column_int64(st, 2);
		r->fu_resolved = sqlite3_column_int(st, 3);
		r->fu_satisfied = sqlite3_column_int(st, 4);
		r->fu_reopened = sqlite3_column_int(st, 5);
	}
	if (rc >= 0)
		rc = side_seek(s, &d[SIDE_REWORK], r->id);
	if (rc == 1)
		r->reworked = 1;
	return rc < 0 ? -1 : 0;
}

static int read_extras(struct store *s, sqlite3_stmt *st, void *ud)
{
	struct store_report_row *r = ud;

	(void)s;
	r->fee = sqlite3_column_int64(st, 0);
	r->paid = sqlite3_column_int64(st, 1);
	r->accepted = sqlite3_column_int(st, 2);
	r->rating = sqlite3_column_int(st, 3);
	r->reworked = sqlite3_column_int(st, 4);
	store_col(st, 5, r->followup, sizeof(r->followup));
	r->fu_asked_at = sqlite3_column_int64(st, 6);
	r->fu_resolved = sqlite3_column_int(st, 7);
	r->fu_satisfied = sqlite3_column_int(st, 8);
	r->fu_reopened = sqlite3_column_int(st, 9);
	return 0;
}

/* The order of the current row of ST (sql_report_orders), its own columns. */
static void read_order(sqlite3_stmt *st, struct store_report_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	store_col(st, 1, r->number, sizeof(r->number));
	store_col(st, 2, r->community, sizeof(r->community));
	store_col(st, 3, r->status, sizeof(r->status));
	store_col(st, 4, r->category, sizeof(r->category));
	store_col(st, 5, r->item, sizeof(r->item));
	store_col(st, 6, r->assignee, sizeof(r->assignee));
	r->urgent = sqlite3_column_int(st, 7);
	r->promised_minutes = sqlite3_column_int(st, 8);
	r->created_at = sqlite3_column_int64(st, 9);
	r->assigned_at = sqlite3_column_int64(st, 10);
	r->done_at = sqlite3_column_int64(st, 11);
	r->closed_at = sqlite3_column_int64(st, 12);
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
	sqlite3_stmt *st = NULL;
	int64_t first = 0, last = 0, merged = 0;
	int i, rc, ret = -1;

	memset(d, 0, sizeof(d));
	rc = store_first(s, store_query(s, sql_report_first, "nnT", from, to, community),
	                 store_row_int64, &first);
	if (rc > 0)
		rc = store_first(s, store_query(s, sql_report_last, "nnT", from, to, community),
		                 store_row_int64, &last);
	if (rc <= 0)
		return rc; /* no orders, or an error */
	for (i = 0; i < NSIDES; i++) {
		d[i].st = store_query(s, side_sql[i], "ii", first, last);
		if (!d[i].st || side_step(s, &d[i]) < 0)
			goto out;
	}
	st = store_query(s, sql_report_orders, "nnT", from, to, community);
	if (!st)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_order(st, &r);
		if (r.id >= first && r.id <= last && r.id > merged) {
			if (extras_merged(s, d, &r) < 0)
				goto out;
			merged = r.id;
		} else if (store_first(s, store_query(s, sql_report_extras, "i", r.id), read_extras,
		                       &r) < 0) {
			goto out;
		}
		if (cb(&r, ud)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		store_fail(s);
		goto out;
	}
	ret = 0;
out:
	store_stmt_done(s, st);
	for (i = 0; i < NSIDES; i++)
		store_stmt_done(s, d[i].st);
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

static int read_count(struct store *s, sqlite3_stmt *st, void *ud)
{
	(void)s;
	*(int64_t *)ud = sqlite3_column_int64(st, 0);
	return 0;
}

int store_report_count(struct store *s, int64_t from, int64_t to, const char *community, int64_t *n)
{
	*n = 0;
	return store_first(s, store_query(s, sql_report_count, "nnT", from, to, community),
	                   read_count, n) < 0
	               ? -1
	               : 0;
}

struct money_walk {
	store_money_cb cb;
	void *ud;
};

static int walk_money(struct store *s, sqlite3_stmt *st, void *ud)
{
	const struct money_walk *w = ud;
	struct store_money m;

	(void)s;
	memset(&m, 0, sizeof(m));
	m.id = sqlite3_column_int64(st, 0);
	m.fen = sqlite3_column_int64(st, 1);
	store_col(st, 2, m.receipt, sizeof(m.receipt));
	store_col(st, 3, m.by, sizeof(m.by));
	m.at = sqlite3_column_int64(st, 4);
	return w->cb(&m, w->ud) ? 1 : 0;
}

int store_fees_list(struct store *s, int64_t order_id, store_money_cb cb, void *ud)
{
	struct money_walk w = {cb, ud};

	return store_each(s, store_query(s, sql_fees_list, "i", order_id), walk_money, &w);
}

int store_payments_list(struct store *s, int64_t order_id, store_money_cb cb, void *ud)
{
	struct money_walk w = {cb, ud};

	return store_each(s, store_query(s, sql_payments_list, "i", order_id), walk_money, &w);
}

/* ---- snapshots ---------------------------------------------------------------- */

static const char sql_read_begin[] = "BEGIN DEFERRED";
/* A deferred transaction takes its snapshot at its first read: take it now. */
static const char sql_read_mark[] = "SELECT count(*) FROM sqlite_schema";
static const char sql_read_end[] = "COMMIT";

static int ignore_row(struct store *s, sqlite3_stmt *st, void *ud)
{
	(void)s;
	(void)st;
	(void)ud;
	return 0;
}

int store_snapshot_begin(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		return 0;
	if (store_run(s, sql_read_begin, "") < 0)
		return -1;
	if (store_first(s, store_query(s, sql_read_mark, ""), ignore_row, NULL) < 0) {
		store_run(s, sql_read_end, "");
		return -1;
	}
	return 1;
}

int store_snapshot_end(struct store *s)
{
	if (sqlite3_get_autocommit(s->db))
		return 0;
	return store_run(s, sql_read_end, "") < 0 ? -1 : 0;
}

/* ---- backups ------------------------------------------------------------------ */

/* How long a backup waits for a lock another connection holds, in all. */
#define BACKUP_BUSY_TRIES    100
#define BACKUP_BUSY_SLEEP_MS 50

/* 1 when PATH (existing) is the database file or one of the files beside it. */
static int is_our_file(struct store *s, const char *path)
{
	char real[PATH_MAX];
	const char *db = store_path(s);
	size_t n = strlen(db);

	if (!*db || !realpath(path, real))
		return 0;
	if (strncmp(real, db, n) != 0)
		return 0;
	return real[n] == '\0' || strcmp(real + n, "-wal") == 0 || strcmp(real + n, "-shm") == 0 ||
	       strcmp(real + n, "-journal") == 0;
}

/* Runs a PRAGMA on D that answers one text row; copies it to OUT. */
static int pragma_text(sqlite3 *d, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(d, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		store_copy(out, outlen, (const char *)sqlite3_column_text(st, 0));
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Copies the main database of S into the empty file TMP; checks and seals the copy. */
static int copy_into(struct store *s, const char *tmp, int *pages)
{
	sqlite3 *d = NULL;
	sqlite3_backup *b;
	char answer[64];
	int rc, tries = 0, ret = -1;

	if (sqlite3_open_v2(tmp, &d, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		store_failf(s, "%s: %s", tmp, d ? sqlite3_errmsg(d) : "cannot open");
		goto out;
	}
	b = sqlite3_backup_init(d, "main", s->db, "main");
	if (!b) {
		store_failf(s, "backup: %s", sqlite3_errmsg(d));
		goto out;
	}
	/*
	 * All pages in one step: one read transaction on the source, so the copy
	 * is one moment and writers in other processes (WAL) go on meanwhile.
	 * Only a lock held elsewhere makes it wait and try again.
	 */
	do {
		rc = sqlite3_backup_step(b, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(BACKUP_BUSY_SLEEP_MS);
	} while ((rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) &&
	         ++tries < BACKUP_BUSY_TRIES);
	if (pages)
		*pages = sqlite3_backup_pagecount(b);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		store_failf(s, "backup: %s",
		            rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? "the database stayed locked"
		                                                     : sqlite3_errmsg(d));
		goto out;
	}
	/* The source is in WAL mode and the copy says so: make it one plain file. */
	if (pragma_text(d, "PRAGMA journal_mode = DELETE", answer, sizeof(answer)) < 0 ||
	    strcmp(answer, "delete") != 0) {
		store_failf(s, "backup: cannot make the copy a single file: %s", sqlite3_errmsg(d));
		goto out;
	}
	if (pragma_text(d, "PRAGMA integrity_check", answer, sizeof(answer)) < 0 ||
	    strcmp(answer, "ok") != 0) {
		store_failf(s, "backup: the copy fails its integrity check: %s", answer);
		goto out;
	}
	ret = 0;
out:
	if (d && sqlite3_close(d) != SQLITE_OK && ret == 0)
		ret = store_failf(s, "backup: cannot close the copy");
	return ret;
}

/* Makes sure TMP's bytes are on disk before it is given its name. */
static int sync_file(const char *path)
{
	int fd = open(path, O_RDONLY), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int store_backup(struct store *s, const char *dest, int force, int *pages)
{
	char tmp[PATH_MAX];
	struct stat st;
	int fd, n, ret = -1;

	if (!dest || !*dest)
		return store_failf(s, "backup: no file named");
	if (lstat(dest, &st) == 0) {
		if (is_our_file(s, dest))
			return store_failf(s, "%s: that is the database itself", dest);
		if (!force)
			return store_failf(s, "%s: already exists (--force replaces it)", dest);
		if (S_ISDIR(st.st_mode))
			return store_failf(s, "%s: is a directory", dest);
	}
	n = snprintf(tmp, sizeof(tmp), "%s.partial-XXXXXX", dest);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return store_failf(s, "%s: name too long", dest);
	fd = mkstemp(tmp); /* 0600: a backup holds residents' details */
	if (fd < 0)
		return store_failf(s, "%s: %s", dest, strerror(errno));
	close(fd);
	if (copy_into(s, tmp, pages) < 0)
		goto out;
	if (sync_file(tmp) < 0) {
		store_failf(s, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (force) {
		if (rename(tmp, dest) != 0) {
			store_failf(s, "%s: %s", dest, strerror(errno));
			goto out;
		}
	} else if (link(tmp, dest) != 0) {
		/* link() fails rather than replace: a file that appeared meanwhile stays. */
		store_failf(s, "%s: %s", dest,
		            errno == EEXIST ? "already exists (--force replaces it)"
		                            : strerror(errno));
		goto out;
	}
	ret = 0;
out:
	unlink(tmp); /* after link() the copy has both names; after rename() none */
	return ret;
}
