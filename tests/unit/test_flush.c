/*
 * test_flush.c - the flusher (bot/flush.c): batches synced by its thread
 * when asked, or on the caller's thread when the thread has nothing to do;
 * a failed sync leaves the batch unconfirmed, and the counts stay in order
 * whichever thread synced.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bot/flush.h"

struct fx {
	char dir[64];
	char db[128];
	int wakes;
};

static void on_wake(void *ud)
{
	__atomic_add_fetch(&((struct fx *)ud)->wakes, 1, __ATOMIC_SEQ_CST);
}

static void put_file(const char *path)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs("frames", f);
	fclose(f);
}

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	char wal[160];

	assert_non_null(x);
	snprintf(x->dir, sizeof(x->dir), "/tmp/test_flush_XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	snprintf(x->db, sizeof(x->db), "%s/c.db", x->dir);
	snprintf(wal, sizeof(wal), "%s-wal", x->db);
	put_file(x->db);
	put_file(wal);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	char path[160];

	snprintf(path, sizeof(path), "%s-wal", x->db);
	unlink(path);
	unlink(x->db);
	rmdir(x->dir);
	free(x);
	return 0;
}

/* Waits (at most 5 s) until the thread has tried batch SEQ; returns what flusher_done says. */
static uint64_t settled(struct flusher *f, uint64_t seq, uint64_t *good)
{
	uint64_t done = 0;
	int i;

	for (i = 0; i < 500 && (done = flusher_done(f, good)) < seq; i++)
		usleep(10 * 1000);
	return done;
}

static void test_idle_thread_lets_the_caller_sync(void **state)
{
	struct fx *x = *state;
	struct flusher *f = flusher_start(x->db, on_wake, x);
	uint64_t good = 0;

	assert_non_null(f);
	assert_int_equal(flusher_sync_here(f, 1), 1);
	assert_int_equal(flusher_done(f, &good), 1);
	assert_int_equal(good, 1);
	/* the caller answers its own batch: the loop is not woken for it */
	assert_int_equal(x->wakes, 0);
	assert_int_equal(flusher_stop(f, &good), 1);
	assert_int_equal(good, 1);
}

static void test_thread_and_caller_take_turns(void **state)
{
	struct fx *x = *state;
	struct flusher *f = flusher_start(x->db, on_wake, x);
	uint64_t good = 0;

	assert_non_null(f);
	flusher_ask(f, 1);
	assert_int_equal(settled(f, 1, &good), 1);
	assert_int_equal(good, 1);
	assert_true(x->wakes >= 1);
	/* a batch the thread already had is not synced again, nor counted back */
	assert_int_equal(flusher_sync_here(f, 1), -1);
	assert_int_equal(flusher_sync_here(f, 2), 1);
	flusher_ask(f, 3);
	assert_int_equal(settled(f, 3, &good), 3);
	assert_int_equal(good, 3);
	assert_int_equal(flusher_stop(f, &good), 3);
	assert_int_equal(good, 3);
}

/*
 * The thread held in its sync: the WAL is a FIFO, whose opening waits for a
 * writer. Meanwhile the caller may not sync a later batch itself.
 */
static void test_busy_thread_keeps_the_batch(void **state)
{
	struct fx *x = *state;
	struct flusher *f = flusher_start(x->db, on_wake, x);
	uint64_t good = 0;
	char wal[160];
	int fd = -1, i;

	assert_non_null(f);
	alarm(30); /* a caller that syncs anyway would wait on the FIFO for ever: ends the run */
	snprintf(wal, sizeof(wal), "%s-wal", x->db);
	assert_int_equal(unlink(wal), 0);
	assert_int_equal(mkfifo(wal, 0600), 0);
	flusher_ask(f, 5);
	assert_int_equal(flusher_sync_here(f, 6), -1);
	assert_int_equal(flusher_done(f, &good), 0);
	/* let the thread's sync through: a writer for the FIFO, once it reads */
	for (i = 0; i < 500 && (fd = open(wal, O_WRONLY | O_NONBLOCK)) < 0; i++)
		usleep(10 * 1000);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(settled(f, 5, &good), 5);
	assert_int_equal(x->wakes, 1);
	/* a FIFO cannot be synced: batch 5 is not confirmed; a file again, batch 6 is */
	assert_int_equal(good, 0);
	assert_int_equal(unlink(wal), 0);
	put_file(wal);
	assert_int_equal(flusher_sync_here(f, 6), 1);
	assert_int_equal(flusher_stop(f, &good), 6);
	assert_int_equal(good, 6);
	alarm(0);
}

static void test_failed_sync_is_not_confirmed(void **state)
{
	struct flusher *f = flusher_start("/nonexistent/test_flush/c.db", NULL, NULL);
	uint64_t good = 7;

	(void)state;
	assert_non_null(f);
	assert_int_equal(flusher_sync_here(f, 1), 0);
	assert_int_equal(flusher_done(f, &good), 1);
	assert_int_equal(good, 0);
	flusher_ask(f, 2);
	assert_int_equal(settled(f, 2, &good), 2);
	assert_int_equal(good, 0);
	assert_int_equal(flusher_stop(f, &good), 2);
	assert_int_equal(good, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_idle_thread_lets_the_caller_sync, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_thread_and_caller_take_turns, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_busy_thread_keeps_the_batch, setup, teardown),
	        cmocka_unit_test(test_failed_sync_is_not_confirmed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
