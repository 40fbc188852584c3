/*
 * sqlite_db.h - the SQLite backend's connection, for its own files
 * (sqlite_db.c, sqlite_schema.c, sqlite_ckpt.c, sqlite_backup.c) and for
 * unit tests that read SQLite's counters.
 */
#ifndef CONCIERGE_SQLITE_DB_H
#define CONCIERGE_SQLITE_DB_H

#include <sqlite3.h>

#include "store/store_internal.h"

/*
 * A cached statement, keyed by the address of its SQL text (each SQL string
 * is a static array in the file that uses it, so the address is unique);
 * a struct store_q * is one of these. BUSY is set while a caller holds it,
 * so a callback that re-enters the same query (a list inside a list) gets a
 * private statement (PRIVATE, freed when given back) instead of resetting
 * the one being iterated.
 */
struct sqlite_stmt {
	struct store_q q; /* first: a struct store_q * is one of these */
	const char *sql;
	sqlite3_stmt *st;
	int busy, private;
};

/* The connection: the neutral part first, so a struct store * points at it. */
struct sqlite_store {
	struct store s;
	sqlite3 *db;
	struct sqlite_stmt **stmts; /* the cache, each allocated on its own (held by callers) */
	size_t nstmts;
	size_t *slots;           /* open addressing on the SQL's address: index + 1, 0 empty */
	size_t nslots;           /* a power of two, or 0 */
	int64_t busy_since_ms;   /* when the wait for another connection's lock began */
	int busy_ms;             /* how long to wait for it (store_set_busy_ms) */
	struct store_ckpt *ckpt; /* the checkpointer's thread (sqlite_ckpt.c), or NULL */
};

static inline struct sqlite_store *sqlite_of(struct store *s)
{
	return (struct sqlite_store *)s;
}

/* The SQLite connection of S (tests read its counters). */
static inline sqlite3 *store_sqlite_db(struct store *s)
{
	return sqlite_of(s)->db;
}

/* The texts of the statements (sqlite_sql_*.c), each file's part of the table T. */
void store_sqlite_sql_core(const char **t);
void store_sqlite_sql_orders(const char **t);
void store_sqlite_sql_outbox(const char **t);
/* Writes variant MASK of the statement family FAMILY (store_variant). */
void store_sqlite_build(enum store_sql family, unsigned mask, struct buf *b);

/* The backend's table (sqlite_db.c). */
extern const struct store_backend store_sqlite_backend;

/* Stops the checkpointer's thread, if any (store_close). */
void store_ckpt_stop(struct store *s);
/* The backend's checkpoints (sqlite_ckpt.c), schema (sqlite_schema.c), backups (sqlite_backup.c).
 */
int sqlite_checkpoint_apart(struct store *s);
long sqlite_checkpoint_runs(struct store *s);
int sqlite_schema_version(struct store *s);
int sqlite_backup(struct store *s, const char *dest, int force, int *pages);

/* Runs a PRAGMA (constant text) that returns one integer. */
int store_pragma_int(struct store *s, const char *sql, int *out);
/* Applies missing migrations or refuses a newer file (sqlite_schema.c). */
int store_migrate(struct store *s);

#endif
