/*
 * store_internal.h - what the files of store/ share and nobody else sees.
 *
 * The store is split by subject (store.c: connection, small tables;
 * store_schema.c: migrations; store_orders.c: orders and their history, feedback, fees, payments;
 * store_outbox.c: the outbox). They share the connection, the prepared
 * statement cache, error reporting, transactions that nest, and the copying
 * of text into fixed-size fields.
 */
#ifndef CONCIERGE_STORE_INTERNAL_H
#define CONCIERGE_STORE_INTERNAL_H

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

struct store {
	sqlite3 *db;
	struct store_stmt *stmts;
	size_t nstmts, capstmts;
	char err[512]; /* the last failure, kept because cleanup may overwrite sqlite3_errmsg */
};

/*
 * Returns the statement for SQL with its bindings cleared, or NULL (the error
 * is recorded). Every statement obtained must be given back with
 * store_stmt_done(), which resets it so no read transaction stays open.
 */
sqlite3_stmt *store_stmt(struct store *s, const char *sql);
void store_stmt_done(struct store *s, sqlite3_stmt *st);

/*
 * Binds parameters 1.. from a format: 't' text (NULL binds ""), 'T' text
 * (NULL binds NULL), 'i' int64_t, 'n' int64_t with 0 bound as NULL, 'd' int.
 * Varargs must have exactly those types. Returns 0 or -1.
 */
int store_bind(sqlite3_stmt *st, const char *fmt, ...);

/*
 * Runs a statement that returns no rows (INSERT, UPDATE, DELETE): prepares,
 * binds as store_bind(), steps once. Returns sqlite3_changes() (>= 0) or -1.
 */
int store_run(struct store *s, const char *sql, const char *fmt, ...);

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

/* Bounded copy that never splits a UTF-8 sequence; DST is always terminated. */
void store_copy(char *dst, size_t dstlen, const char *src);
/* Copies column COL (NULL reads as "") with store_copy(). */
void store_col(sqlite3_stmt *st, int col, char *dst, size_t dstlen);

#endif
