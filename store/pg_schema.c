/*
 * pg_schema.c - the schema on PostgreSQL, as numbered steps, and bringing a
 * database up to date when it opens.
 *
 * The steps are numbered as SQLite's migrations (sqlite_schema.c), so that a
 * version means the same on both backends. A new database gets the whole
 * schema as it stands after the last step (store/pg_schema.sql, compiled in
 * by scripts/embed.sh) and that version at once. A database an older
 * program made gets the steps after its version: steps 1 to 10 are the
 * first schema (PostgreSQL came with version 10), and each step after it
 * changes what its SQLite twin changes. The table
 * concierge_schema holds the version and our application id in one row.
 * Opening applies the missing steps in one transaction under an advisory
 * lock, so a crash leaves the old version intact (DDL is transactional) and
 * two instances opening a new database at the same moment do not both
 * create it. A database with tables but no concierge_schema is not ours and
 * is refused, and so is one from a newer program.
 */
#include "store/pg_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "Cncg", as SQLite's application_id. */
#define STORE_APPLICATION_ID 0x436e6367

/* store/pg_schema.sql (build/pg_schema_sql.c). */
extern const char store_pg_schema_sql[];

/* 11: outbox claims, for several servers (sqlite_schema.c). */
static const char step_11[] =
        "ALTER TABLE outbox ADD COLUMN claimed_by text NOT NULL DEFAULT '';"
        "ALTER TABLE outbox ADD COLUMN claim_until bigint NOT NULL DEFAULT 0;";

/* Step N brings the schema from version N-1 to N ("": nothing to do on PostgreSQL). */
static const char *const steps[STORE_STEPS] = {
        "", "", "", "", "", "", "", "", "", "", step_11,
};

/* What concierge_schema says: EXISTS 0 when there is no such table. */
struct schema_state {
	int exists, tables, version, app;
};

/* Runs SQL (ours, no parameters) for its first row; NULL with the error recorded. */
static PGresult *row_of(struct store *s, const char *sql)
{
	PGresult *res = PQexec(pg_of(s)->conn, sql);

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) < 1) {
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
			store_failf(s, "%s: no row", sql);
		else
			pg_fail_res(s, res, NULL);
		PQclear(res);
		return NULL;
	}
	return res;
}

static int command(struct store *s, const char *sql, const char *what)
{
	PGresult *res = PQexec(pg_of(s)->conn, sql);
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_fail_res(s, res, what);
	PQclear(res);
	return rc;
}

static int read_state(struct store *s, struct schema_state *st)
{
	PGresult *res;

	memset(st, 0, sizeof(*st));
	res = row_of(s, "SELECT to_regclass('concierge_schema') IS NOT NULL,"
	                " EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema())");
	if (!res)
		return -1;
	st->exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	st->tables = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	PQclear(res);
	if (!st->exists)
		return 0;
	res = PQexec(pg_of(s)->conn, "SELECT version, app FROM concierge_schema");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pg_fail_res(s, res, NULL);
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) > 0) {
		st->version = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
		st->app = (int)strtol(PQgetvalue(res, 0, 1), NULL, 10);
	}
	PQclear(res);
	return 0;
}

/* 0 when ST is a database we may use or migrate, else -1 with the reason. */
static int refuse(struct store *s, const struct schema_state *st)
{
	if (!st->exists && st->tables)
		return store_failf(s, "not a Concierge database (it has tables but no "
		                      "concierge_schema)");
	if (st->exists && st->app != 0 && st->app != STORE_APPLICATION_ID)
		return store_failf(s, "not a Concierge database (concierge_schema.app %d)",
		                   st->app);
	if (st->version > STORE_STEPS)
		return store_failf(s,
		                   "database schema version %d is newer than this program knows "
		                   "(%d); use a newer Concierge",
		                   st->version, STORE_STEPS);
	return 0;
}

int pg_migrate(struct store *s)
{
	struct schema_state st;
	char sql[256];
	int i, rc = -1;

	/* Up to date: nothing written, so a role without CREATE can use the database. */
	if (read_state(s, &st) < 0 || refuse(s, &st) < 0)
		return -1;
	if (st.exists && st.version == STORE_STEPS)
		return 0;
	if (command(s, "BEGIN", NULL) < 0)
		return -1;
	if (command(s, "SELECT pg_advisory_xact_lock(1131307879, 1)", NULL) < 0)
		goto out;
	/* Another instance may have migrated while we waited for the lock. */
	if (read_state(s, &st) < 0 || refuse(s, &st) < 0)
		goto out;
	/* A new database: the schema as it stands now, whole. */
	if (!st.exists && command(s, store_pg_schema_sql, "the schema") < 0)
		goto out;
	for (i = st.exists ? st.version : STORE_STEPS; i < STORE_STEPS; i++) {
		char what[32];

		if (!*steps[i])
			continue;
		snprintf(what, sizeof(what), "migration %d", i + 1);
		if (command(s, steps[i], what) < 0)
			goto out;
	}
	/* The numbers are ours, not data. */
	snprintf(sql, sizeof(sql),
	         "INSERT INTO concierge_schema (version, app) VALUES (%d, %d)"
	         " ON CONFLICT ((true)) DO UPDATE SET version = excluded.version, app = "
	         "excluded.app",
	         STORE_STEPS, STORE_APPLICATION_ID);
	if (command(s, sql, NULL) < 0 || command(s, "COMMIT", NULL) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0 && PQtransactionStatus(pg_of(s)->conn) != PQTRANS_IDLE) {
		PGresult *res = PQexec(pg_of(s)->conn, "ROLLBACK");

		PQclear(res);
	}
	return rc;
}

int pg_schema_version(struct store *s)
{
	PGresult *res = row_of(s, "SELECT version FROM concierge_schema");
	int v;

	if (!res)
		return -1;
	v = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return v;
}
