/*
 * pg_sql.h - the PostgreSQL texts of the store's statements (pg_sql_*.c), for
 * the PostgreSQL backend (pg_db.c) and the checker's dump (tests/tools/sql_dump.c).
 *
 * Each text has the meaning of its SQLite twin (sqlite_sql_*.c): the same
 * columns in the same order and the same parameters ($N for ?N), bound with
 * the types of the caller's format ('t'/'T' text, 'i'/'n' bigint, 'd' integer).
 * Where the text differs for a reason beyond spelling, a comment says why.
 */
#ifndef CONCIERGE_PG_SQL_H
#define CONCIERGE_PG_SQL_H

#include "store/store_internal.h"

/* Each file's part of the table T, indexed by enum store_sql. */
void store_pg_sql_core(const char **t);
void store_pg_sql_orders(const char **t);
void store_pg_sql_outbox(const char **t);
/* Writes variant MASK of the statement family FAMILY (store_variant) for PostgreSQL. */
void store_pg_build(enum store_sql family, unsigned mask, struct buf *b);

/* " LIMIT $N" where the caller binds -1 for "no limit" (SQLite's negative LIMIT). */
#define PG_LIMIT(n) " LIMIT NULLIF($" #n ", -1)"

#endif
