/*
 * sqlite_db.c - the SQLite backend of the statement layer (store_db.h).
 *
 * Opening sets the pragmas every connection needs (WAL so readers never block
 * the writer, foreign keys, a busy wait so several processes can share the
 * file) and lets sqlite_schema.c bring the schema up to date. Also here: the
 * prepared statement cache, binding from a format, stepping, the getters,
 * and what only SQLite has (sync settings, secure delete, checkpoints).
 */
#include "store/sqlite_db.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"

/* ---- errors --------------------------------------------------------------- */

static int sq_fail(struct store *s)
{
	sqlite3 *db = sqlite_of(s)->db;
	int code = sqlite3_errcode(db) & 0xff; /* the primary result code */

	snprintf(s->err, sizeof(s->err), "%s", sqlite3_errmsg(db));
	s->errclass = code == SQLITE_BUSY || code == SQLITE_LOCKED ? STORE_E_LOCKED
	              : code == SQLITE_FULL                        ? STORE_E_FULL
	                                                           : STORE_E_OTHER;
	return -1;
}

/* ---- the statement cache -------------------------------------------------- */

static inline struct sqlite_stmt *stmt_of(const struct store_q *q)
{
	return (struct sqlite_stmt *)(uintptr_t)q; /* NOLINT(performance-no-int-to-ptr) */
}

static inline sqlite3_stmt *st_of(const struct store_q *q)
{
	return stmt_of(q)->st;
}

static size_t slot_of(const char *sql, size_t nslots)
{
	return (size_t)((((uintptr_t)sql >> 3) * (uintptr_t)0x9e3779b97f4a7c15ULL) >> 7) &
	       (nslots - 1);
}

/* Index + 1 of SQL's statement in the cache, or 0. */
static size_t cache_find(const struct sqlite_store *q, const char *sql)
{
	size_t i, k;

	if (!q->nslots)
		return 0;
	for (i = slot_of(sql, q->nslots);; i = (i + 1) & (q->nslots - 1)) {
		k = q->slots[i];
		if (!k || q->stmts[k - 1]->sql == sql)
			return k;
	}
}

/* Adds E to the cache (grown as needed); -1 when out of memory. */
static int cache_add(struct sqlite_store *q, struct sqlite_stmt *e)
{
	struct sqlite_stmt **grown;
	size_t i, j;

	/* The slots are a power of two at least twice the statements: both grow together. */
	if ((q->nstmts + 1) * 2 > q->nslots) {
		size_t n = q->nslots ? q->nslots * 2 : 256, *slots = calloc(n, sizeof(*slots));

		grown = realloc(q->stmts, n / 2 * sizeof(struct sqlite_stmt *));
		if (!slots || !grown) {
			free(slots);
			if (grown)
				q->stmts = grown;
			return -1;
		}
		q->stmts = grown;
		free(q->slots);
		q->slots = slots;
		q->nslots = n;
		for (j = 0; j < q->nstmts; j++) {
			for (i = slot_of(q->stmts[j]->sql, n); slots[i]; i = (i + 1) & (n - 1))
				;
			slots[i] = j + 1;
		}
	}
	q->stmts[q->nstmts++] = e;
	for (i = slot_of(e->sql, q->nslots); q->slots[i]; i = (i + 1) & (q->nslots - 1))
		;
	q->slots[i] = q->nstmts;
	return 0;
}

/*
 * The statement for SQL with its bindings cleared, or NULL (the error is
 * recorded). Every statement obtained is given back with store_q_done().
 */
static struct sqlite_stmt *stmt_get(struct store *s, const char *sql)
{
	struct sqlite_store *q = sqlite_of(s);
	size_t k = cache_find(q, sql);
	struct sqlite_stmt *e;

	if (k && !q->stmts[k - 1]->busy) {
		e = q->stmts[k - 1];
		e->busy = 1;
		return e;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		store_failf(s, "out of memory");
		return NULL;
	}
	e->q.be = &store_sqlite_backend;
	e->sql = sql;
	e->busy = 1;
	if (k) {
		/* Re-entered from a callback: a private statement, finalized when done. */
		e->private = 1;
		if (sqlite3_prepare_v2(q->db, sql, -1, &e->st, NULL) != SQLITE_OK) {
			store_fail(s);
			free(e);
			return NULL;
		}
		return e;
	}
	if (sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &e->st, NULL) !=
	    SQLITE_OK) {
		store_fail(s);
		free(e);
		return NULL;
	}
	if (cache_add(q, e) < 0) {
		sqlite3_finalize(e->st);
		free(e);
		store_failf(s, "out of memory");
		return NULL;
	}
	return e;
}

static void sq_done(struct store *s, struct store_q *q)
{
	struct sqlite_stmt *e = stmt_of(q);

	(void)s;
	if (!e)
		return;
	if (e->private) { /* a re-entered statement's own copy: nothing to keep */
		sqlite3_finalize(e->st);
		free(e);
		return;
	}
	sqlite3_reset(e->st);
	sqlite3_clear_bindings(e->st);
	e->busy = 0;
}

/* ---- binding -------------------------------------------------------------- */

/* Binds from FMT; parameters past LAST (-1: none skipped) are read and left out. */
static int vbind(sqlite3_stmt *st, int last, const char *fmt, va_list ap)
{
	int i, rc = SQLITE_OK;

	for (i = 0; fmt[i] && rc == SQLITE_OK; i++) {
		const char *t;
		int64_t v;

		if (last >= 0 && i + 1 > last) {
			if (fmt[i] == 't' || fmt[i] == 'T')
				(void)va_arg(ap, const char *);
			else if (fmt[i] == 'd')
				(void)va_arg(ap, int);
			else
				(void)va_arg(ap, int64_t);
			continue;
		}
		switch (fmt[i]) {
		case 't':
			t = va_arg(ap, const char *);
			rc = sqlite3_bind_text(st, i + 1, t ? t : "", -1, SQLITE_STATIC);
			break;
		case 'T':
			t = va_arg(ap, const char *);
			rc = t ? sqlite3_bind_text(st, i + 1, t, -1, SQLITE_STATIC)
			       : sqlite3_bind_null(st, i + 1);
			break;
		case 'i':
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 'n':
			v = va_arg(ap, int64_t);
			rc = v ? sqlite3_bind_int64(st, i + 1, v) : sqlite3_bind_null(st, i + 1);
			break;
		case 'd':
			rc = sqlite3_bind_int(st, i + 1, va_arg(ap, int));
			break;
		default:
			rc = SQLITE_MISUSE;
		}
	}
	return rc == SQLITE_OK ? 0 : -1;
}

/* A statement for SQL with its parameters bound (with SOME, those past the last the text names left
 * out). */
static struct store_q *sq_query(struct store *s, const char *sql, int some, const char *fmt,
                                va_list ap)
{
	struct sqlite_stmt *e = stmt_get(s, sql);

	if (!e)
		return NULL;
	if (vbind(e->st, some ? sqlite3_bind_parameter_count(e->st) : -1, fmt, ap) < 0) {
		store_fail(s);
		sq_done(s, &e->q);
		return NULL;
	}
	return &e->q;
}

static int sq_step(struct store *s, struct store_q *q)
{
	int rc = sqlite3_step(st_of(q));

	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_fail(s);
}

/* Binds and steps SQL once; the number of rows changed, or -1. */
static int sq_run(struct store *s, const char *sql, int64_t *id, const char *fmt, va_list ap)
{
	struct sqlite_stmt *e = stmt_get(s, sql);
	int rc;

	if (!e)
		return -1;
	if (vbind(e->st, -1, fmt, ap) < 0 || sqlite3_step(e->st) != SQLITE_DONE) {
		rc = store_fail(s);
	} else {
		rc = sqlite3_changes(sqlite_of(s)->db);
		if (id && rc > 0)
			*id = sqlite3_last_insert_rowid(sqlite_of(s)->db);
	}
	sq_done(s, &e->q);
	return rc;
}

/* ---- reading a row ---------------------------------------------------------- */

static int64_t sq_int64(const struct store_q *q, int col)
{
	return sqlite3_column_int64(st_of(q), col);
}

static const char *sq_text(const struct store_q *q, int col)
{
	return (const char *)sqlite3_column_text(st_of(q), col);
}

static int sq_null(const struct store_q *q, int col)
{
	return sqlite3_column_type(st_of(q), col) == SQLITE_NULL;
}

static int sq_in_tx(struct store *s)
{
	return !sqlite3_get_autocommit(sqlite_of(s)->db);
}

/* ---- opening ------------------------------------------------------------ */

/*
 * Another connection holds the write lock (the sender marking rows, a
 * command-line process): wait for it in short steps at first, since most
 * holders let go within a millisecond (SQLite's own handler sleeps 1, 2, 5,
 * 10 ms ... between tries, which shows in every answer waiting behind the
 * lock), then in longer ones, for BUSY_WAIT_MS in all (or what
 * store_set_busy_ms() set: the server's event loop waits a few milliseconds
 * at most). The sender writes seldom (sender_marks.c), so waits are rare and
 * short.
 */
#define BUSY_WAIT_MS 5000

static int busy_wait(void *ud, int tries)
{
	struct sqlite_store *q = ud;
	int64_t now = clock_real_ms();

	if (tries == 0)
		q->busy_since_ms = now;
	if (now - q->busy_since_ms >= q->busy_ms)
		return 0;
	usleep(tries < 5 ? 200 : tries < 20 ? 1000 : 5000);
	return 1;
}

static int set_pragmas(struct store *s)
{
	struct sqlite_store *q = sqlite_of(s);
	sqlite3_stmt *st = NULL;
	const char *mode;
	int rc = -1;

	if (sqlite3_busy_handler(q->db, busy_wait, q) != SQLITE_OK)
		return store_fail(s);
	if (sqlite3_prepare_v2(q->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		store_fail(s);
		goto out;
	}
	mode = (const char *)sqlite3_column_text(st, 0);
	/* An in-memory database (tests) cannot use WAL and needs no sharing. */
	if (!mode || (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0)) {
		store_failf(s, "cannot switch to WAL (journal mode is %s)", mode ? mode : "?");
		goto out;
	}
	/*
	 * FULL: a commit is on disk before the platform hears 2xx, so a power cut
	 * loses nothing it was told we have. Group commit pays for the sync.
	 */
	/*
	 * No memory-mapped reads, whatever the SQLite build's default: a mapped
	 * page counts towards the resident set once touched, and the kernel maps
	 * its neighbours with it, so ten thousand lookups among a million dialogs
	 * kept 266 MB resident with a 256 MB map (bench/README.md). The page
	 * cache stays SQLite's default (2 MB a connection): 16 MB made the same
	 * work no faster.
	 */
	if (sqlite3_exec(
	            q->db,
	            "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA mmap_size = 0",
	            NULL, NULL, NULL) != SQLITE_OK) {
		store_fail(s);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

static void sq_set_busy_ms(struct store *s, int ms)
{
	sqlite_of(s)->busy_ms = ms < 0 ? BUSY_WAIT_MS : ms;
}

static int sq_sync_now(struct store *s)
{
	/* a checkpoint syncs the WAL before it copies it */
	return sqlite3_exec(sqlite_of(s)->db, "PRAGMA wal_checkpoint(PASSIVE)", NULL, NULL, NULL) ==
	                       SQLITE_OK
	               ? 0
	               : store_fail(s);
}

/* The texts of the statements, indexed by enum store_sql, filled once. */
static const char *sqlite_sql[SQL__N];
static pthread_once_t sqlite_sql_once = PTHREAD_ONCE_INIT;

static void sqlite_sql_fill(void)
{
	store_sqlite_sql_core(sqlite_sql);
	store_sqlite_sql_orders(sqlite_sql);
	store_sqlite_sql_outbox(sqlite_sql);
}

int store_sqlite_open(const char *path, struct store **out, char *err, size_t errlen)
{
	struct sqlite_store *q;
	struct store *s;

	*out = NULL;
	q = calloc(1, sizeof(*q));
	if (!q) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	s = &q->s;
	s->be = &store_sqlite_backend;
	pthread_once(&sqlite_sql_once, sqlite_sql_fill);
	s->sql = sqlite_sql;
	s->build = store_sqlite_build;
	q->busy_ms = BUSY_WAIT_MS;
	if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		if (q->db)
			store_fail(s);
		else
			store_failf(s, "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(q->db, 1);
	if (set_pragmas(s) < 0 || store_migrate(s) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", path, s->err);
	store_close(s);
	return -1;
}

static void sq_close(struct store *s)
{
	struct sqlite_store *q = sqlite_of(s);
	size_t i;

	if (!s)
		return;
	store_ckpt_stop(s);
	for (i = 0; i < q->nstmts; i++) {
		sqlite3_finalize(q->stmts[i]->st);
		free(q->stmts[i]);
	}
	free(q->stmts);
	free(q->slots);
	/* Rolls back a transaction a caller left open, and with it its files. */
	store_common_free(s, q->db && !sqlite3_get_autocommit(q->db));
	sqlite3_close(q->db);
	free(q);
}

static const char *sq_path(struct store *s)
{
	const char *p = sqlite3_db_filename(sqlite_of(s)->db, "main");

	return p ? p : "";
}

/* ---- what only SQLite has ----------------------------------------------------- */

static int sq_secure_on(struct store *s, int *was)
{
	if (store_pragma_int(s, "PRAGMA secure_delete", was) < 0)
		return -1;
	return store_pragma_int(s, "PRAGMA secure_delete = 1", &(int){0});
}

static void sq_secure_restore(struct store *s, int was)
{
	if (!was)
		(void)store_pragma_int(s, "PRAGMA secure_delete = 0", &(int){0});
}

static int sq_log_truncate(struct store *s)
{
	int log = 0, done = 0;

	if (sqlite3_wal_checkpoint_v2(sqlite_of(s)->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log,
	                              &done) != SQLITE_OK)
		return store_fail(s);
	return log == done ? 0 : store_failf(s, "checkpoint: %d of %d frames copied", done, log);
}

static int sq_ncols(const struct store_q *q)
{
	return sqlite3_column_count(st_of(q));
}

static const char *sq_colname(const struct store_q *q, int col)
{
	return sqlite3_column_name(st_of(q), col);
}

static int sq_run_texts(struct store *s, const char *sql, int n, const char *const *v)
{
	struct sqlite_stmt *e = stmt_get(s, sql);
	int i, rc = SQLITE_OK;

	if (!e)
		return -1;
	for (i = 0; i < n && rc == SQLITE_OK; i++)
		rc = v[i] ? sqlite3_bind_text(e->st, i + 1, v[i], -1, SQLITE_STATIC)
		          : sqlite3_bind_null(e->st, i + 1);
	if (rc != SQLITE_OK || sqlite3_step(e->st) != SQLITE_DONE)
		rc = store_fail(s);
	else
		rc = sqlite3_changes(sqlite_of(s)->db);
	sq_done(s, &e->q);
	return rc;
}

static int sq_copied(struct store *s, const char *table)
{
	(void)s;
	(void)table; /* a rowid goes on from the largest by itself */
	return 0;
}

const struct store_backend store_sqlite_backend = {
        .name = "sqlite",
        .query = sq_query,
        .run = sq_run,
        .step = sq_step,
        .done = sq_done,
        .int64 = sq_int64,
        .text = sq_text,
        .null = sq_null,
        .in_tx = sq_in_tx,
        .fail = sq_fail,
        .close = sq_close,
        .path = sq_path,
        .set_busy_ms = sq_set_busy_ms,
        .sync_now = sq_sync_now,
        .secure_on = sq_secure_on,
        .secure_restore = sq_secure_restore,
        .log_truncate = sq_log_truncate,
        .schema_version = sqlite_schema_version,
        .checkpoint_apart = sqlite_checkpoint_apart,
        .checkpoint_runs = sqlite_checkpoint_runs,
        .backup = sqlite_backup,
        .ncols = sq_ncols,
        .colname = sq_colname,
        .run_texts = sq_run_texts,
        .copied = sq_copied,
};
