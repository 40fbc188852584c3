/*
 * test_store_pg.c - what only the PostgreSQL backend has: a lock held by
 * another connection past lock_timeout and a connection the server cut both
 * count as "locked" (try later), and the next call outside a transaction
 * connects again; the schema runner refuses a database that is not ours and
 * one from a newer program; a URL's password appears in no message.
 *
 * The cases need a server (CONCIERGE_TEST_PG, as tests/run.sh sets it) and
 * skip without one, except the display name's, which need none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_internal.h" /* store_in_tx */
#include "storefx.h"

struct fx {
	char dir[STOREFX_DIRLEN];
	char path[STOREFX_PATHLEN];
	struct store *s;
	PGconn *other; /* another connection to the same database */
};

static int setup(void **state)
{
	struct fx *fx;

	if (!storefx_pg()) {
		fprintf(stderr, "[  SKIP    ] no PostgreSQL server (CONCIERGE_TEST_PG)\n");
		*state = NULL;
		return 0;
	}
	fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	fx->s = storefx_open("test_store_pg", fx->dir, fx->path);
	fx->other = PQconnectdb(fx->path);
	assert_int_equal(PQstatus(fx->other), CONNECTION_OK);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	if (!fx)
		return 0;
	PQfinish(fx->other);
	storefx_remove(fx->s, fx->dir, fx->path);
	free(fx);
	return 0;
}

/* Skips the case when there is no server. */
#define NEED_SERVER(fx)                                                                            \
	do {                                                                                       \
		if (!(fx))                                                                         \
			skip();                                                                    \
	} while (0)

static void other_ok(struct fx *fx, const char *sql)
{
	PGresult *r = PQexec(fx->other, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(fx->other));
	PQclear(r);
}

static int64_t real_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* A row another connection holds: the write waits for lock_timeout, then fails as "locked". */
static void test_lock_timeout_is_locked(void **state)
{
	struct fx *fx = *state;
	char v[32];
	int64_t t0;

	NEED_SERVER(fx);
	assert_int_equal(store_kv_set(fx->s, "k", "v1"), 0);
	other_ok(fx, "BEGIN");
	other_ok(fx, "UPDATE kv SET value = 'other' WHERE key = 'k'");

	store_set_busy_ms(fx->s, 200);
	t0 = real_ms();
	assert_true(store_kv_set(fx->s, "k", "v2") < 0);
	assert_true(real_ms() - t0 >= 150);
	assert_true(real_ms() - t0 < 3000);
	assert_true(store_locked(fx->s));
	assert_false(store_full(fx->s));
	assert_non_null(strstr(store_errmsg(fx->s), "lock"));

	/* 0: not at all (PostgreSQL's own 0 would wait for ever). */
	store_set_busy_ms(fx->s, 0);
	t0 = real_ms();
	assert_true(store_kv_set(fx->s, "k", "v2") < 0);
	assert_true(store_locked(fx->s));
	assert_true(real_ms() - t0 < 1000);

	/* Inside a transaction too; the caller rolls back and tries again later. */
	assert_int_equal(store_begin(fx->s), 0);
	assert_true(store_kv_set(fx->s, "k", "v2") < 0);
	assert_true(store_locked(fx->s));
	assert_int_equal(store_rollback(fx->s), 0);

	other_ok(fx, "ROLLBACK");
	assert_int_equal(store_kv_set(fx->s, "k", "v2"), 0);
	assert_int_equal(store_kv_get(fx->s, "k", v, sizeof(v)), 1);
	assert_string_equal(v, "v2");
	store_set_busy_ms(fx->s, -1);
}

/*
 * Other failures are not "locked" (a CHECK). A failed statement dooms the
 * transaction on PostgreSQL: what follows fails, and the commit does not
 * pretend to have committed.
 */
static void test_failed_statement_dooms_transaction(void **state)
{
	struct fx *fx = *state;
	struct store_order o;
	char v[32];

	NEED_SERVER(fx);
	storefx_new_order(fx->s, &o, 1795744800);
	strcpy(o.status, "bogus");
	assert_true(store_order_update(fx->s, &o) < 0);
	assert_false(store_locked(fx->s));
	assert_false(store_in_tx(fx->s));

	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(store_kv_set(fx->s, "a", "1"), 0);
	assert_true(store_order_update(fx->s, &o) < 0);
	assert_false(store_locked(fx->s));
	assert_true(store_kv_set(fx->s, "b", "2") < 0);
	assert_false(store_locked(fx->s));
	assert_true(store_commit(fx->s) < 0);
	assert_non_null(strstr(store_errmsg(fx->s), "rolled back"));
	assert_false(store_in_tx(fx->s));
	assert_int_equal(store_rollback(fx->s), 0);
	assert_int_equal(store_kv_get(fx->s, "a", v, sizeof(v)), 0);
	assert_int_equal(store_kv_set(fx->s, "a", "1"), 0);
}

/* The store's own server process, ended from outside. */
static void kill_store_backend(struct fx *fx)
{
	other_ok(fx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
	             " WHERE datname = current_database() AND pid <> pg_backend_pid()"
	             " AND application_name = 'concierge'");
}

/* A connection the server cut: "locked", then the next call connects again. */
static void test_killed_backend_reconnects(void **state)
{
	struct fx *fx = *state;
	char v[32];

	NEED_SERVER(fx);
	assert_int_equal(store_kv_set(fx->s, "k", "v1"), 0);
	store_set_busy_ms(fx->s, 300);
	kill_store_backend(fx);
	assert_true(store_kv_get(fx->s, "k", v, sizeof(v)) < 0);
	assert_true(store_locked(fx->s));
	assert_false(store_in_tx(fx->s));
	/* The next call outside a transaction reconnects and works. */
	assert_int_equal(store_kv_get(fx->s, "k", v, sizeof(v)), 1);
	assert_string_equal(v, "v1");
	assert_int_equal(store_kv_set(fx->s, "k", "v2"), 0);

	/* Cut again at once: at most one reconnection every 500 ms. */
	kill_store_backend(fx);
	assert_true(store_kv_get(fx->s, "k", v, sizeof(v)) < 0);
	assert_true(store_kv_get(fx->s, "k", v, sizeof(v)) < 0);
	assert_true(store_locked(fx->s));
	assert_non_null(strstr(store_errmsg(fx->s), "reconnecting"));
	usleep(600 * 1000);
	assert_int_equal(store_kv_get(fx->s, "k", v, sizeof(v)), 1);
	assert_string_equal(v, "v2");

	/* The session settings come back with the connection: the lock wait is still short. */
	other_ok(fx, "BEGIN");
	other_ok(fx, "UPDATE kv SET value = 'other' WHERE key = 'k'");
	assert_true(store_kv_set(fx->s, "k", "v3") < 0);
	assert_true(store_locked(fx->s));
	other_ok(fx, "ROLLBACK");
	store_set_busy_ms(fx->s, -1);
}

/* Cut inside a transaction: every call fails until the caller rolls back; nothing half-done. */
static void test_killed_inside_transaction(void **state)
{
	struct fx *fx = *state;
	char v[32];

	NEED_SERVER(fx);
	assert_int_equal(store_kv_set(fx->s, "k", "v1"), 0);
	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(store_kv_set(fx->s, "k", "in-tx"), 0);
	kill_store_backend(fx);
	usleep(600 * 1000); /* so that only the transaction keeps it from reconnecting */
	assert_true(store_kv_set(fx->s, "a", "1") < 0);
	assert_true(store_locked(fx->s));
	assert_true(store_in_tx(fx->s));
	/* Not run outside the transaction on a new connection. */
	assert_true(store_kv_set(fx->s, "b", "2") < 0);
	assert_true(store_commit(fx->s) < 0);
	assert_true(store_in_tx(fx->s));
	assert_int_equal(store_rollback(fx->s), 0);
	assert_false(store_in_tx(fx->s));
	assert_int_equal(store_kv_get(fx->s, "k", v, sizeof(v)), 1);
	assert_string_equal(v, "v1");
	assert_int_equal(store_kv_get(fx->s, "a", v, sizeof(v)), 0);
	assert_int_equal(store_kv_get(fx->s, "b", v, sizeof(v)), 0);
}

/* concierge_schema: reopening keeps the data; a newer version is refused; ours is SQLite's. */
static void test_schema_versions(void **state)
{
	struct fx *fx = *state;
	struct store *s2 = NULL;
	char err[512], v[32], sql[128];

	NEED_SERVER(fx);
	assert_int_equal(store_schema_version(fx->s), STORE_STEPS);
	assert_int_equal(storefx_int(fx->path, "SELECT app FROM concierge_schema"), 0x436e6367);
	assert_int_equal(store_kv_set(fx->s, "k", "v1"), 0);
	store_close(fx->s);
	fx->s = NULL;
	assert_int_equal(store_open(fx->path, &fx->s, err, sizeof(err)), 0);
	assert_int_equal(store_kv_get(fx->s, "k", v, sizeof(v)), 1);
	store_close(fx->s);
	fx->s = NULL;

	snprintf(sql, sizeof(sql), "UPDATE concierge_schema SET version = %d", STORE_STEPS + 1);
	assert_int_equal(storefx_exec(fx->path, sql), 0);
	assert_int_equal(store_open(fx->path, &s2, err, sizeof(err)), -1);
	assert_null(s2);
	assert_non_null(strstr(err, "newer"));
	assert_non_null(strstr(err, strrchr(fx->path, '/') + 1)); /* names the database */

	snprintf(sql, sizeof(sql), "UPDATE concierge_schema SET app = 1234, version = %d",
	         STORE_STEPS);
	assert_int_equal(storefx_exec(fx->path, sql), 0);
	assert_int_equal(store_open(fx->path, &s2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a Concierge database"));

	assert_int_equal(storefx_exec(fx->path, "UPDATE concierge_schema SET app = 1131307879"), 0);
	assert_int_equal(store_open(fx->path, &fx->s, err, sizeof(err)), 0);
	store_close(fx->s);
	fx->s = NULL;

	/* A database an older program made (version 10, before the outbox claims) gets step 11. */
	assert_int_equal(storefx_exec(fx->path, "ALTER TABLE outbox DROP COLUMN claimed_by;"
	                                        " ALTER TABLE outbox DROP COLUMN claim_until;"
	                                        " UPDATE concierge_schema SET version = 10"),
	                 0);
	assert_int_equal(store_open(fx->path, &fx->s, err, sizeof(err)), 0);
	assert_int_equal(store_schema_version(fx->s), STORE_STEPS);
	assert_int_equal(storefx_int(fx->path, "SELECT count(*) FROM information_schema.columns"
	                                       " WHERE table_name = 'outbox' AND column_name IN"
	                                       " ('claimed_by', 'claim_until')"),
	                 2);
	assert_int_equal(store_kv_get(fx->s, "k", v, sizeof(v)), 1);
}

/* A database with tables of someone else's is left alone; an empty one gets the schema. */
static void test_foreign_database_refused(void **state)
{
	struct fx *fx = *state;
	struct store *s2 = NULL;
	char url[STOREFX_PATHLEN], err[512];

	NEED_SERVER(fx);
	storefx_pg_create(storefx_pg(), "test_store_pg_foreign", url);
	assert_int_equal(storefx_exec(url, "CREATE TABLE invoices (id bigint PRIMARY KEY)"), 0);
	assert_int_equal(store_open(url, &s2, err, sizeof(err)), -1);
	assert_null(s2);
	assert_non_null(strstr(err, "not a Concierge database"));
	/* and nothing of ours was made there */
	assert_int_equal(
	        storefx_int(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), 1);
	storefx_pg_drop(url);

	storefx_pg_create(storefx_pg(), "test_store_pg_empty", url);
	assert_int_equal(store_open(url, &s2, err, sizeof(err)), 0);
	assert_int_equal(store_schema_version(s2), STORE_STEPS);
	store_close(s2);
	storefx_pg_drop(url);
}

/* Two stores opening a new database at once: one makes the schema, the other waits and uses it. */
static void test_migration_once(void **state)
{
	struct fx *fx = *state;
	char url[STOREFX_PATHLEN], err[512];
	struct store *a = NULL;
	pid_t pid;
	int st;

	NEED_SERVER(fx);
	storefx_pg_create(storefx_pg(), "test_store_pg_race", url);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *b = NULL;
		int rc = store_open(url, &b, err, sizeof(err));

		if (rc < 0)
			fprintf(stderr, "child: %s\n", err);
		store_close(b);
		_exit(rc < 0 ? 1 : 0);
	}
	if (store_open(url, &a, err, sizeof(err)) < 0)
		fail_msg("store_open: %s", err);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(store_schema_version(a), STORE_STEPS);
	store_close(a);
	storefx_pg_drop(url);
}

/* No message shows a password, whether the server is there or not. */
static void test_password_never_shown(void **state)
{
	struct fx *fx = *state;
	struct store *s2 = NULL;
	char url[400], err[512];
	const char *server, *at;

	NEED_SERVER(fx);
	/* Nothing listens on port 1. */
	assert_int_equal(store_open("postgresql://concierge:hunter2@127.0.0.1:1/x?password=hunter3"
	                            "&connect_timeout=2",
	                            &s2, err, sizeof(err)),
	                 -1);
	assert_null(s2);
	assert_null(strstr(err, "hunter"));
	assert_non_null(strstr(err, "127.0.0.1:1/x"));
	/* The server is there, the database is not. */
	server = storefx_pg();
	at = strchr(server, '@');
	assert_non_null(at);
	snprintf(url, sizeof(url), "%.*s:hunter2%s", (int)(at - server), server, at);
	snprintf(strrchr(url, '/'), sizeof(url) - (size_t)(strrchr(url, '/') - url),
	         "/no_such_db?sslpassword=hunter4");
	assert_int_equal(store_open(url, &s2, err, sizeof(err)), -1);
	assert_null(strstr(err, "hunter"));
	assert_non_null(strstr(err, "no_such_db"));
	assert_non_null(strstr(err, "does not exist"));
}

/* The display name leaves passwords out and everything else in (no server needed). */
static void test_display_name(void **state)
{
	static const char *const cases[][2] = {
	        {"postgresql://u:p%40ss@h:5432/db", "postgresql://u@h:5432/db"},
	        {"postgres://u@h/db?password=x&sslmode=require",
	         "postgres://u@h/db?sslmode=require"},
	        {"postgresql://h1,h2/db?sslpassword=y&password=z", "postgresql://h1,h2/db"},
	        {"postgresql://u:pw@h?application_name=a", "postgresql://u@h?application_name=a"},
	        {"postgresql://:pw@h/db", "postgresql://@h/db"},
	        {"/var/lib/concierge/c.db", "/var/lib/concierge/c.db"},
	        {"sqlite:/tmp/c.db", "sqlite:/tmp/c.db"},
	};
	char out[128], tiny[12];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(store_display_name(cases[i][0], out, sizeof(out)), cases[i][1]);
	/* Cut short, never overrun, never the password. */
	assert_string_equal(store_display_name("postgresql://u:secret@host/db", tiny, sizeof(tiny)),
	                    "postgresql:");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_display_name),
	        cmocka_unit_test_setup_teardown(test_lock_timeout_is_locked, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_failed_statement_dooms_transaction, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_killed_backend_reconnects, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_killed_inside_transaction, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_schema_versions, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_foreign_database_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_migration_once, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_password_never_shown, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
