/*
 * storefx.h - the unit tests' store: a new database for each test, and its
 * removal. Included by one test file each: the definitions are static on
 * purpose. Needs <cmocka.h> and "store/store.h" first.
 *
 * By default the database is a real SQLite file in a temporary directory of
 * its own (the file, its WAL, shared memory and journal, and the directory
 * are removed). When the environment has CONCIERGE_TEST_PG, the URL of a
 * PostgreSQL server (tests/pg.sh start prints one; tests/run.sh runs the
 * store's tests a second time so), each store is a fresh database on that
 * server instead (template0, UTF8, C collation, named after the test, the
 * process and a counter), dropped again by storefx_remove(); the directory
 * is made all the same, for files a test puts beside the store. PATH is then
 * the database's URL. Cases that poke SQLite itself skip() on PostgreSQL
 * (storefx_pg()).
 */
#ifndef CONCIERGE_TEST_STOREFX_H
#define CONCIERGE_TEST_STOREFX_H

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#define STOREFX_DIRLEN  64
#define STOREFX_PATHLEN 160

/* The PostgreSQL server's URL when the tests run on PostgreSQL, else NULL. */
__attribute__((unused)) static const char *storefx_pg(void)
{
	const char *url = getenv("CONCIERGE_TEST_PG");

	return url && *url ? url : NULL;
}

/* 1 when PATH is a PostgreSQL URL (a store of storefx_open() in PostgreSQL mode). */
__attribute__((unused)) static int storefx_is_pg(const char *path)
{
	return strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0;
}

__attribute__((unused)) static void storefx_quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Runs SQL (no result wanted) on the server at URL; 0, or -1 after printing why. */
__attribute__((unused)) static int storefx_pg_exec(const char *url, const char *sql)
{
	PGconn *c = PQconnectdb(url);
	PGresult *r;
	int rc = -1;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "storefx: %s", PQerrorMessage(c));
	} else {
		PQsetNoticeProcessor(c, storefx_quiet, NULL);
		r = PQexec(c, sql);
		if (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
			rc = 0;
		PQclear(r);
	}
	PQfinish(c);
	return rc;
}

/* Runs SQL on the store at PATH from a connection of its own; 0 (SQLITE_OK), or nonzero. */
__attribute__((unused)) static int storefx_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	int rc;

	if (storefx_is_pg(path))
		return storefx_pg_exec(path, sql) < 0 ? 1 : 0;
	if (sqlite3_open(path, &db) != SQLITE_OK) {
		sqlite3_close(db);
		return 1;
	}
	sqlite3_busy_timeout(db, 5000);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/*
 * The first column of SQL's first row on the store at PATH, as text into OUT
 * ("" when NULL or no row). 0, or -1 when the statement failed.
 */
__attribute__((unused)) static int storefx_text(const char *path, const char *sql, char *out,
                                                size_t outlen)
{
	int rc = -1;

	out[0] = '\0';
	if (storefx_is_pg(path)) {
		PGconn *c = PQconnectdb(path);
		PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;

		if (PQresultStatus(r) == PGRES_TUPLES_OK) {
			if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
				snprintf(out, outlen, "%s", PQgetvalue(r, 0, 0));
			rc = 0;
		}
		PQclear(r);
		PQfinish(c);
	} else {
		sqlite3 *db;
		sqlite3_stmt *st = NULL;

		if (sqlite3_open(path, &db) == SQLITE_OK &&
		    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
			int step = sqlite3_step(st);

			if (step == SQLITE_ROW && sqlite3_column_text(st, 0))
				snprintf(out, outlen, "%s",
				         (const char *)sqlite3_column_text(st, 0));
			rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
		}
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	return rc;
}

/* The first column of SQL's first row on the store at PATH as an integer (0: none). */
__attribute__((unused)) static int64_t storefx_int(const char *path, const char *sql)
{
	char v[64];

	assert_int_equal(storefx_text(path, sql, v, sizeof(v)), 0);
	if (strcmp(v, "t") == 0) /* a PostgreSQL boolean */
		return 1;
	return strtoll(v, NULL, 10);
}

/*
 * A new database for test NAME on the PostgreSQL server at SERVER: its URL
 * into PATH.
 */
__attribute__((unused)) static void storefx_pg_create(const char *server, const char *name,
                                                      char path[STOREFX_PATHLEN])
{
	static unsigned counter;
	char db[64], sql[256];
	const char *slash = strrchr(server, '/');
	size_t i, n;

	snprintf(db, sizeof(db), "%.40s_%ld_%u", name, (long)getpid(), ++counter);
	for (i = 0; db[i]; i++)
		db[i] = isalnum((unsigned char)db[i]) ? (char)tolower((unsigned char)db[i]) : '_';
	snprintf(sql, sizeof(sql),
	         "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' "
	         "LC_CTYPE 'C'",
	         db);
	if (storefx_pg_exec(server, sql) < 0)
		fail_msg("storefx: could not create database %s on %s", db, server);
	/* The server's URL with the database's name in place of its own. */
	n = slash && slash > strstr(server, "://") + 2 ? (size_t)(slash - server) : strlen(server);
	if ((size_t)snprintf(path, STOREFX_PATHLEN, "%.*s/%s", (int)n, server, db) >=
	    STOREFX_PATHLEN)
		fail_msg("storefx: URL too long for %s", db);
}

/* Drops the database at URL (a storefx_pg_create one). */
__attribute__((unused)) static void storefx_pg_drop(const char *url)
{
	const char *server = storefx_pg(), *db = strrchr(url, '/');
	char sql[128];

	if (!server || !db)
		return;
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db + 1);
	if (storefx_pg_exec(server, sql) < 0)
		fprintf(stderr, "storefx: could not drop %s\n", db + 1);
}

/*
 * A new store for test NAME: its directory /tmp/NAME.XXXXXX into DIR, and
 * into PATH its file DIR/c.db, or on PostgreSQL its database's URL.
 */
__attribute__((unused)) static struct store *
storefx_open(const char *name, char dir[STOREFX_DIRLEN], char path[STOREFX_PATHLEN])
{
	struct store *s = NULL;
	const char *server = storefx_pg();
	char err[512];

	snprintf(dir, STOREFX_DIRLEN, "/tmp/%s.XXXXXX", name);
	assert_non_null(mkdtemp(dir));
	if (server)
		storefx_pg_create(server, name, path);
	else
		snprintf(path, STOREFX_PATHLEN, "%s/c.db", dir);
	if (store_open(path, &s, err, sizeof(err)) < 0)
		fail_msg("store_open: %s", err);
	return s;
}

/* Closes S and removes its file PATH (or database) and directory DIR. */
__attribute__((unused)) static void storefx_remove(struct store *s, const char *dir,
                                                   const char *path)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char p[STOREFX_PATHLEN + 32];
	size_t i;

	store_close(s);
	if (storefx_is_pg(path)) {
		storefx_pg_drop(path);
	} else {
		for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
			snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
			unlink(p);
		}
	}
	rmdir(dir);
}

/* Files the test order (a leaking tap in 3-2-501, from Telegram) at NOW into O. */
__attribute__((unused)) static void storefx_new_order(struct store *s, struct store_order *o,
                                                      int64_t now)
{
	memset(o, 0, sizeof(*o));
	strcpy(o->community, "demo");
	strcpy(o->category, "repair");
	strcpy(o->description, "厨房水龙头漏水");
	strcpy(o->room, "3-2-501");
	strcpy(o->contact_name, "李");
	strcpy(o->phone, "13800138000");
	strcpy(o->preferred_time, "明天上午");
	strcpy(o->channel, "telegram");
	strcpy(o->chat, "-100");
	strcpy(o->user, "42");
	o->promised_minutes = 30;
	if (store_order_create(s, o, now, "resident:1", "telegram") < 0)
		fail_msg("store_order_create: %s", store_errmsg(s));
}

/* Skips the running case on PostgreSQL, saying why. */
#define STOREFX_SQLITE_ONLY(why)                                                                   \
	do {                                                                                       \
		if (storefx_pg()) {                                                                \
			fprintf(stderr, "[  SKIP    ] on PostgreSQL: %s\n", why);                  \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

#endif
