/*
 * test_clock.c - the one clock (lib/clock.c): a file moves wall and
 * monotonic time together, and a test's own source replaces both.
 *
 * CONCIERGE_NOW is read once per process, so this file sets it before the
 * first reading: "@FILE", the mode a running server is moved with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/clock.h"

static char path[] = "/tmp/test_clock_XXXXXX";

/* Writes T into the clock file the way tests do: a new file renamed over the old. */
static void set_file(double t)
{
	char tmp[64];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	assert_non_null(f);
	fprintf(f, "%.3f\n", t);
	fclose(f);
	assert_int_equal(rename(tmp, path), 0);
	usleep(30 * 1000); /* the clock looks at the file at most every 20 ms */
}

static void test_file_moves_both_clocks(void **state)
{
	int64_t wall, mono;

	(void)state;
	set_file(1764000000.0);
	wall = clock_now();
	assert_true(wall >= 1764000000 && wall <= 1764000001);
	mono = clock_mono_ms();
	/* an hour later, as far as every part of the program can tell */
	set_file(1764003600.0);
	assert_true(clock_now() >= 1764003600 && clock_now() <= 1764003601);
	assert_true(clock_mono_ms() - mono >=
	            3599 * 1000); /* to the millisecond it may round down */
	assert_true(clock_mono_ms() - mono < 3605 * 1000);
	/* and it runs on by itself */
	wall = clock_now_ms();
	usleep(60 * 1000);
	assert_true(clock_now_ms() - wall >= 50);
	/* back in time: the wall clock follows, the monotonic one never goes back */
	mono = clock_mono_ms();
	set_file(1764000000.0);
	assert_true(clock_now() <= 1764000001);
	assert_true(clock_mono_ms() >= mono);
}

static int64_t fixed(enum clock_kind kind)
{
	return kind == CLOCK_WALL_MS ? 42000 : 7;
}

static void test_source_replaced(void **state)
{
	(void)state;
	clock_set_source(fixed);
	assert_int_equal(clock_now(), 42);
	assert_int_equal(clock_now_ms(), 42000);
	assert_int_equal(clock_mono_ms(), 7);
	clock_set_source(NULL);
	assert_true(clock_now() > 1000000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_file_moves_both_clocks),
	        cmocka_unit_test(test_source_replaced),
	};
	char env[64];
	int fd, rc;

	fd = mkstemp(path);
	if (fd < 0)
		return 1;
	close(fd);
	snprintf(env, sizeof(env), "@%s", path);
	setenv("CONCIERGE_NOW", env, 1);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	return rc;
}
