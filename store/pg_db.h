/*
 * pg_db.h - the PostgreSQL backend's connection, for its own files (pg_db.c,
 * pg_schema.c).
 */
#ifndef CONCIERGE_PG_DB_H
#define CONCIERGE_PG_DB_H

#include <libpq-fe.h>

#include "store/store_internal.h"

/* A statement prepared on the connection, keyed by the address of its text. */
struct pg_prepared {
	const char *sql;
	char *fmt;  /* the parameter types it was prepared with (the caller's format) */
	unsigned n; /* its name on the server: "s<n>" */
};

/* The connection: the neutral part first, so a struct store * points at it. */
struct pg_store {
	struct store s;
	PGconn *conn;
	char *target;             /* the URL as given (with its password: for reconnecting) */
	char name[256];           /* the URL without its password, for messages */
	struct pg_prepared *prep; /* open addressing on the text's address; sql NULL: empty */
	size_t nprep, capprep;    /* entries, slots (a power of two, or 0) */
	unsigned next_name;       /* the next "s<n>" */
	int64_t reset_at_ms;      /* the last reconnection attempt (monotonic, real time) */
	int busy_ms;              /* the lock wait wanted (store_set_busy_ms) */
	int lock_ms;              /* what the session has (-1: unknown) */
	int sync_off;             /* SET synchronous_commit = off is in effect */
	int was_in_tx;            /* a transaction was open after the last statement */
	int lost_in_tx;           /* the connection was lost with a transaction open */
};

static inline struct pg_store *pg_of(struct store *s)
{
	return (struct pg_store *)s;
}

/* The backend's table (pg_db.c). */
extern const struct store_backend store_pg_backend;

/*
 * Records the failure of RES (NULL: the connection's) as the store's error
 * and its class; returns -1. WHAT, when not NULL, prefixes the message.
 */
int pg_fail_res(struct store *s, const PGresult *res, const char *what);

/* Applies missing migrations or refuses a database that is not ours or newer (pg_schema.c). */
int pg_migrate(struct store *s);
/* The schema version (concierge_schema), or -1. */
int pg_schema_version(struct store *s);

#endif
