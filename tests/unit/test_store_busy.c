/*
 * test_store_busy.c - a connection's wait for another's write lock: the
 * default few seconds, or the short budget the server's event loop sets
 * (store_set_busy_ms), and store_locked() telling a lock from other failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "store/store.h"
#include "storefx.h"

struct fx {
	char dir[STOREFX_DIRLEN];
	char path[STOREFX_PATHLEN];
	struct store *s;
	sqlite3 *other; /* another connection, holding the write lock */
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->s = storefx_open("test_store_busy", fx->dir, fx->path);
	assert_int_equal(sqlite3_open(fx->path, &fx->other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(fx->other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	sqlite3_close(fx->other); /* rolls back */
	storefx_remove(fx->s, fx->dir, fx->path);
	free(fx);
	return 0;
}

static int64_t real_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* A short budget: the write fails within it, and says the database is locked. */
static void test_short_budget(void **state)
{
	struct fx *fx = *state;
	char v[16];
	int64_t t0;

	store_set_busy_ms(fx->s, 5);
	t0 = real_ms();
	assert_int_equal(store_begin(fx->s), -1);
	assert_true(real_ms() - t0 < 500);
	assert_true(store_locked(fx->s));
	assert_non_null(strstr(store_errmsg(fx->s), "locked"));
	/* No wait at all: a write fails at once; reading still works (WAL). */
	store_set_busy_ms(fx->s, 0);
	t0 = real_ms();
	assert_int_equal(store_kv_set(fx->s, "k", "v"), -1);
	assert_true(real_ms() - t0 < 100);
	assert_true(store_locked(fx->s));
	assert_true(store_kv_get(fx->s, "k", v, sizeof(v)) >= 0);
}

/* The default waits its seconds, then fails the same way; once free, writes go through. */
static void test_default_budget_then_free(void **state)
{
	struct fx *fx = *state;
	int64_t t0;

	store_set_busy_ms(fx->s, -1);
	t0 = real_ms();
	assert_int_equal(store_begin(fx->s), -1);
	assert_true(real_ms() - t0 >= 4000);
	assert_true(store_locked(fx->s));
	assert_int_equal(sqlite3_exec(fx->other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(store_commit(fx->s), 0);
	/* A failure of another kind is not a lock. */
	assert_int_equal(store_commit(fx->s), -1);
	assert_false(store_locked(fx->s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_short_budget, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_default_budget_then_free, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
