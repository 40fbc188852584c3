/*
 * store_internal.h - what the files of store/ share and nobody else sees.
 *
 * The store is split by subject (store.c: connection, small tables;
 * store_schema.c: migrations; store_orders.c: orders and their history, feedback, fees, payments;
 * store_outbox.c: the outbox; store_transcript.c: the chat pages' transcript;
 * store_photos.c: photos sent with a request; store_stats.c: figures for /metrics;
 * store_desk.c: residents found by phone for desk intake, and staff duty;
 * store_dead.c: inbound messages that failed, and dead letters;
 * store_report.c: reading for reports and the archive, snapshots, backups).
 * They share the connection, the prepared statement cache, error reporting,
 * transactions that nest, the copying of text into fixed-size fields, and
 * (store_rows.c) the bind-step-read loop every query goes through.
 */
#ifndef CONCIERGE_STORE_INTERNAL_H
#define CONCIERGE_STORE_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store/store.h"

/*
 * A cached statement, keyed by the address of its SQL text (each SQL string
 * is a static array in the file that uses it, so the address is unique).
 * BUSY is set while a caller holds it, so a callback that re-enters the same
 * query (a list inside a list) gets a private statement instead of resetting
 * the one being iterated.
 */
struct store_stmt {
	const char *sql;
	sqlite3_stmt *st;
	int busy;
};

/* A statement's text assembled at run time (store_variant), kept for the store's life. */
struct store_variant {
	const char *family;
	unsigned mask;
	char *sql;
};

struct store {
	sqlite3 *db;
	struct store_stmt *stmts;
	size_t nstmts, capstmts;
	struct store_variant *variants;
	size_t nvariants, capvariants;
	char err[512];   /* the last failure, kept because cleanup may overwrite sqlite3_errmsg */
	char **tx_files; /* created for the open transaction (store_tx_file), owned */
	size_t ntx_files, captx_files;
	int errcode;             /* the primary SQLite result code of the last failure */
	int64_t busy_since_ms;   /* when the wait for another connection's lock began */
	int busy_ms;             /* how long to wait for it (store_set_busy_ms) */
	struct store_ckpt *ckpt; /* the checkpointer's thread (store_ckpt.c), or NULL */
};

/* Stops the checkpointer's thread, if any (store_close). */
void store_ckpt_stop(struct store *s);

/* Forgets the open transaction's files (committed), or removes them too (UNLINK). */
void store_tx_files_end(struct store *s, int unlink_them);

/*
 * Returns the statement for SQL with its bindings cleared, or NULL (the error
 * is recorded). Every statement obtained must be given back with
 * store_stmt_done(), which resets it so no read transaction stays open.
 */
sqlite3_stmt *store_stmt(struct store *s, const char *sql);
void store_stmt_done(struct store *s, sqlite3_stmt *st);

/*
 * A query whose filters are optional is written with only the conditions a
 * call has, so that SQLite's planner sees plain "column = ?" terms it can
 * answer from an index ("?1 IS NULL OR column = ?1" makes it read the whole
 * table). store_variant() returns the text of variant MASK of the query
 * FAMILY (the address of a static string of the file, naming it), written by
 * BUILD(B, MASK) the first time it is asked for and kept until the store
 * closes, so its address is stable and store_stmt() caches it like a static
 * one. Variants keep their parameter numbers, and a call binds them all with
 * store_query_some(). NULL when out of memory (recorded).
 */
struct buf;
const char *store_variant(struct store *s, const char *family, unsigned mask,
                          void (*build)(struct buf *b, unsigned mask));

/*
 * Binds parameters 1.. from a format: 't' text (NULL binds ""), 'T' text
 * (NULL binds NULL), 'i' int64_t, 'n' int64_t with 0 bound as NULL, 'd' int.
 * Varargs must have exactly those types. Returns 0 or -1.
 */
int store_bind(sqlite3_stmt *st, const char *fmt, ...);
/* store_bind() with a va_list. Returns 0 or -1. */
int store_vbind(sqlite3_stmt *st, const char *fmt, va_list ap);

/*
 * Runs a statement that returns no rows (INSERT, UPDATE, DELETE): prepares,
 * binds as store_bind(), steps once. Returns sqlite3_changes() (>= 0) or -1.
 */
int store_run(struct store *s, const char *sql, const char *fmt, ...);

/*
 * Reading rows (store_rows.c). Every read is the same dance: take the cached
 * statement, bind, step, copy the columns of each row out, give the
 * statement back, and record sqlite3_errmsg() if any of it failed. It is
 * written once there; a file supplies only what it does with a row.
 *
 * store_query() returns the statement for SQL with parameters bound as
 * store_bind(FMT, ...) does; NULL when that fails, the error then recorded
 * and the statement already given back.
 */
sqlite3_stmt *store_query(struct store *s, const char *sql, const char *fmt, ...);
/*
 * store_query() for a variant (store_variant) that may leave out conditions:
 * parameters numbered past the highest one SQL names are not bound (one it
 * skips below that is bound and unused, which SQLite allows).
 */
sqlite3_stmt *store_query_some(struct store *s, const char *sql, const char *fmt, ...);

/*
 * Reads the current row of ST. Returns 0 to go on, nonzero to stop
 * (store_each), or -1 after recording an error (store_fail, store_failf).
 */
typedef int (*store_row_fn)(struct store *s, sqlite3_stmt *st, void *ud);

/*
 * Steps ST (from store_query(); NULL counts as a failure already recorded)
 * once and gives it back: 1 when there was a row and ROW read it, 0 when
 * there was none, -1 on error.
 */
int store_first(struct store *s, sqlite3_stmt *st, store_row_fn row, void *ud);
/* A store_row_fn: the row's first column into the int64_t at UD. */
int store_row_int64(struct store *s, sqlite3_stmt *st, void *ud);

/*
 * Steps ST (as for store_first()) through its rows, handing each to ROW
 * until ROW returns nonzero, and gives ST back. Returns 0 (also when ROW
 * stopped early), or -1 on error.
 */
int store_each(struct store *s, sqlite3_stmt *st, store_row_fn row, void *ud);

/* Records sqlite3_errmsg() (or a message of ours) as the last error; return -1. */
int store_fail(struct store *s);
int store_failf(struct store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Multi-statement changes: opens BEGIN IMMEDIATE when no transaction is open
 * (so a read-then-write cannot lose a race with another process), else a
 * SAVEPOINT inside the caller's transaction. store_tx_leave commits/releases
 * when OK is nonzero and rolls back otherwise; it returns 0 or -1.
 */
int store_tx_enter(struct store *s, int *outer);
int store_tx_leave(struct store *s, int outer, int ok);

/* store_schema.c: applies missing migrations or refuses a newer file. */
int store_migrate(struct store *s);
/* Runs a PRAGMA (constant text) that returns one integer. */
int store_pragma_int(struct store *s, const char *sql, int *out);

/* The statuses of an order still being worked on (not closed, cancelled or declined). */
#define STORE_OPEN_STATUSES                                                                        \
	"('pending', 'assigned', 'scheduled', 'in_progress', 'awaiting_acceptance', 'rework')"

/* Bounded copy that never splits a UTF-8 sequence; DST is always terminated. */
void store_copy(char *dst, size_t dstlen, const char *src);
/* Copies column COL (NULL reads as "") with store_copy(). */
void store_col(sqlite3_stmt *st, int col, char *dst, size_t dstlen);

#endif
