/*
 * store_rows.h - binding a query's parameters and reading its rows, shared by
 * the files of store/ (next to store_internal.h, which it extends).
 *
 * Every read in the store is the same dance: take the cached statement, bind
 * the parameters, step, copy the columns of each row out, give the statement
 * back, and record sqlite3_errmsg() if any of it failed. Here the dance is
 * written once; a file supplies only what it does with a row.
 */
#ifndef CONCIERGE_STORE_ROWS_H
#define CONCIERGE_STORE_ROWS_H

#include <stdarg.h>

#include <sqlite3.h>

#include "store/store_internal.h"

/* store_bind() with a va_list. Returns 0 or -1. */
int store_vbind(sqlite3_stmt *st, const char *fmt, va_list ap);

/*
 * The statement for SQL (see store_stmt()) with parameters bound as
 * store_bind(FMT, ...) does. NULL when that fails; the error is then
 * recorded and the statement already given back.
 */
sqlite3_stmt *store_query(struct store *s, const char *sql, const char *fmt, ...);

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

/*
 * Steps ST (as for store_first()) through its rows, handing each to ROW
 * until ROW returns nonzero, and gives ST back. Returns 0 (also when ROW
 * stopped early), or -1 on error.
 */
int store_each(struct store *s, sqlite3_stmt *st, store_row_fn row, void *ud);

#endif
