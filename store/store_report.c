/*
 * store_report.c - the register read for reports and the archive, and
 * online backups; see store_report.h.
 *
 * The report rows come from one query that joins the latest fee, the latest
 * payment and the feedback as store_orders.c does, and the follow-up visit
 * (at most one per order), and asks the history once per order whether it
 * went back to rework, so a month of figures is one pass over the orders of
 * that month (orders_created index).
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

#define PERIOD_WHERE                                                                               \
	" WHERE (?1 IS NULL OR o.created_at >= ?1) AND (?2 IS NULL OR o.created_at < ?2)"          \
	" AND (?3 IS NULL OR o.community = ?3)"

static const char sql_report_rows[] =
        "SELECT o.id, o.number, o.community, o.status, o.category, o.item, o.assignee,"
        " o.urgent, o.promised_minutes, o.created_at, o.assigned_at, o.done_at, o.closed_at,"
        " COALESCE(fe.fen, -1), COALESCE(p.fen, -1), COALESCE(f.accepted, -1),"
        " COALESCE(f.rating, 0),"
        " EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id"
        "  AND e.action IN ('rework', 'reopened')),"
        " COALESCE(fu.status, ''), COALESCE(fu.asked_at, 0), COALESCE(fu.resolved, -1),"
        " COALESCE(fu.satisfied, -1), COALESCE(fu.reopened, 0)"
        " FROM orders o"
        " LEFT JOIN fees fe ON fe.id = (SELECT max(id) FROM fees WHERE order_id = o.id)"
        " LEFT JOIN payments p ON p.id = (SELECT max(id) FROM payments WHERE order_id = o.id)"
        " LEFT JOIN feedback f ON f.order_id = o.id"
        " LEFT JOIN followups fu ON fu.order_id = o.id" PERIOD_WHERE " ORDER BY o.created_at, o.id";
static const char sql_report_count[] = "SELECT count(*) FROM orders o" PERIOD_WHERE;
static const char sql_fees_list[] =
        "SELECT id, fen, '', \"by\", at FROM fees WHERE order_id = ?1 ORDER BY id";
static const char sql_payments_list[] =
        "SELECT id, fen, receipt, \"by\", at FROM payments WHERE order_id = ?1 ORDER BY id";

struct row_walk {
	store_report_cb cb;
	void *ud;
};

static int walk_row(struct store *s, sqlite3_stmt *st, void *ud)
{
	const struct row_walk *w = ud;
	struct store_report_row r;

	(void)s;
	memset(&r, 0, sizeof(r));
	r.id = sqlite3_column_int64(st, 0);
	store_col(st, 1, r.number, sizeof(r.number));
	store_col(st, 2, r.community, sizeof(r.community));
	store_col(st, 3, r.status, sizeof(r.status));
	store_col(st, 4, r.category, sizeof(r.category));
	store_col(st, 5, r.item, sizeof(r.item));
	store_col(st, 6, r.assignee, sizeof(r.assignee));
	r.urgent = sqlite3_column_int(st, 7);
	r.promised_minutes = sqlite3_column_int(st, 8);
	r.created_at = sqlite3_column_int64(st, 9);
	r.assigned_at = sqlite3_column_int64(st, 10);
	r.done_at = sqlite3_column_int64(st, 11);
	r.closed_at = sqlite3_column_int64(st, 12);
	r.fee = sqlite3_column_int64(st, 13);
	r.paid = sqlite3_column_int64(st, 14);
	r.accepted = sqlite3_column_int(st, 15);
	r.rating = sqlite3_column_int(st, 16);
	r.reworked = sqlite3_column_int(st, 17);
	store_col(st, 18, r.followup, sizeof(r.followup));
	r.fu_asked_at = sqlite3_column_int64(st, 19);
	r.fu_resolved = sqlite3_column_int(st, 20);
	r.fu_satisfied = sqlite3_column_int(st, 21);
	r.fu_reopened = sqlite3_column_int(st, 22);
	return w->cb(&r, w->ud) ? 1 : 0;
}

int store_report_rows(struct store *s, int64_t from, int64_t to, const char *community,
                      store_report_cb cb, void *ud)
{
	struct row_walk w = {cb, ud};

	return store_each(s, store_query(s, sql_report_rows, "nnT", from, to, community), walk_row,
	                  &w);
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
