/*
 * store_db.h - the statement layer the store files are written against, so
 * that none of them but the backend's own (sqlite_*.c) touches the database
 * library. Included by store_internal.h only.
 *
 * A statement being run (struct store_q) is bound, stepped and read through
 * these calls; its current row is read with the typed getters. The backend
 * (sqlite_db.c) keeps prepared statements in a cache and implements the
 * connection, transactions' primitives and what is inherently its own
 * (checkpoints, secure delete, backups).
 */
#ifndef CONCIERGE_STORE_DB_H
#define CONCIERGE_STORE_DB_H

#include <stddef.h>
#include <stdint.h>

struct store;

/*
 * Every statement of the store, named (sql_list.h). Each backend gives each
 * name its text in its own files (sqlite_sql_*.c), so the store files hold
 * no SQL. Names of statements written at run time (store_variant) name the
 * family; the backend's builder writes them.
 */
enum store_sql {
#define X(name) SQL_##name,
#include "store/sql_list.h"
#undef X
	SQL__N
};

/* A statement being run: bound, stepped, its current row. Opaque. */
struct store_q;

/* The kind of the last failure, for store_locked() and store_full(). */
enum store_err {
	STORE_E_NONE,
	STORE_E_OTHER,
	STORE_E_LOCKED, /* another connection held a lock past the wait */
	STORE_E_FULL,   /* the disk (or the database) is full */
};

/*
 * Statements. Parameters 1.. are bound from a format: 't' text (NULL binds
 * ""), 'T' text (NULL binds NULL), 'i' int64_t, 'n' int64_t with 0 bound as
 * NULL, 'd' int. Varargs must have exactly those types.
 *
 * store_query() returns the statement for SQL with its parameters bound;
 * NULL when that fails, the error then recorded and the statement already
 * given back. Every statement obtained goes back through store_first(),
 * store_each() or store_q_done(), which reset it so no read transaction
 * stays open. A statement re-entered from a row callback (a list inside a
 * list) is a private one, so the outer iteration is not reset.
 */
struct store_q *store_query(struct store *s, enum store_sql sql, const char *fmt, ...);
/*
 * store_query() for the text of a variant (store_variant) that may leave out conditions:
 * parameters numbered past the highest one SQL names are not bound (one it
 * skips below that is bound and unused, which SQLite allows).
 */
struct store_q *store_query_some(struct store *s, const char *sql, const char *fmt, ...);
/* Steps Q: 1 on a row, 0 when done, -1 on error (recorded). */
int store_step(struct store *s, struct store_q *q);
/* Gives Q back (NULL: nothing). */
void store_q_done(struct store *s, struct store_q *q);

/*
 * Runs a statement that returns no rows (INSERT, UPDATE, DELETE): prepares,
 * binds, steps once. Returns the number of rows changed (>= 0) or -1.
 */
int store_run(struct store *s, enum store_sql sql, const char *fmt, ...);
/* store_run() of an INSERT; *ID the new row's id when it inserted one (n > 0). */
int store_run_id(struct store *s, enum store_sql sql, int64_t *id, const char *fmt, ...);

/*
 * Reads the current row of Q. Returns 0 to go on, nonzero to stop
 * (store_each), or -1 after recording an error (store_fail, store_failf).
 */
typedef int (*store_row_fn)(struct store *s, const struct store_q *q, void *ud);

/*
 * Steps Q (from store_query(); NULL counts as a failure already recorded)
 * once and gives it back: 1 when there was a row and ROW read it, 0 when
 * there was none, -1 on error.
 */
int store_first(struct store *s, struct store_q *q, store_row_fn row, void *ud);
/*
 * Steps Q (as for store_first()) through its rows, handing each to ROW
 * until ROW returns nonzero, and gives Q back. Returns 0 (also when ROW
 * stopped early), or -1 on error.
 */
int store_each(struct store *s, struct store_q *q, store_row_fn row, void *ud);
/* A store_row_fn: the row's first column into the int64_t at UD. */
int store_row_int64(struct store *s, const struct store_q *q, void *ud);

/* Column COL of Q's current row; NULL reads as 0 or "". */
int64_t store_int64(const struct store_q *q, int col);
int store_int(const struct store_q *q, int col);
/* Valid until Q steps again or is given back. */
const char *store_text(const struct store_q *q, int col);
/* 1 when column COL is NULL. */
int store_null(const struct store_q *q, int col);
/* Copies column COL (NULL reads as "") with store_copy(). */
void store_col(const struct store_q *q, int col, char *dst, size_t dstlen);

/* The number of columns of Q's rows, and the name of column COL. */
int store_ncols(const struct store_q *q);
const char *store_colname(const struct store_q *q, int col);
/* Runs SQL with its N parameters bound from texts V (NULL binds NULL); as store_run(). */
int store_run_texts(struct store *s, const char *sql, int n, const char *const *v);

/* 1 when a transaction is open on the connection. */
int store_in_tx(struct store *s);

/* Records the database's error (or a message of ours) as the last error; return -1. */
int store_fail(struct store *s);
int store_failf(struct store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- what only some backends have (sqlite_db.c) ----------------------------- */

/* Turns secure deletion on; *WAS its setting before, for store_db_secure_restore(). */
int store_db_secure_on(struct store *s, int *was);
void store_db_secure_restore(struct store *s, int was);
/* Copies the write-ahead log into the database and empties it; 0 or -1. */
int store_db_log_truncate(struct store *s);

#endif
