/*
 * test_secret.c - the one comparison of secrets (lib/secret.c): lengths
 * first, then every byte, so a value with a NUL inside is not the part
 * before it; what a header value or a typed token may hold; when a
 * configured token is too weak; and the count of wrong tokens per client
 * address (lib/guard.c) that slows a guesser down.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/guard.h"
#include "lib/secret.h"

static void test_equal(void **state)
{
	(void)state;
	assert_true(secret_equal("s3cret", 6, "s3cret", 6));
	assert_true(secret_equal_str("demo-zhao-token-8265", "demo-zhao-token-8265"));
	assert_false(secret_equal("s3cret", 6, "s3creT", 6));
	assert_false(secret_equal_str("s3cret", "t3cret"));
}

static void test_different_length(void **state)
{
	(void)state;
	/* a prefix, or a value that goes on, is not the secret */
	assert_false(secret_equal("s3cret", 6, "s3cre", 5));
	assert_false(secret_equal("s3cret", 6, "s3cretX", 7));
	assert_false(secret_equal_str("s3cret", "s3cretX"));
	assert_false(secret_equal_str("s3cretX", "s3cret"));
}

static void test_nul_inside(void **state)
{
	static const char given[] = "s3cret\0tail"; /* 11 bytes as they came */

	(void)state;
	assert_int_equal(strlen(given), 6);
	assert_false(secret_equal("s3cret", 6, given, sizeof(given) - 1));
	assert_false(secret_equal(given, sizeof(given) - 1, "s3cret", 6));
	/* the same bytes, NUL and all, are equal: nothing is read as a C string */
	assert_true(secret_equal(given, sizeof(given) - 1, "s3cret\0tail", 11));
	assert_false(secret_equal(given, sizeof(given) - 1, "s3cret\0tai!", 11));
	assert_false(secret_clean(given, sizeof(given) - 1));
}

static void test_empty(void **state)
{
	(void)state;
	/* an empty value is never a credential, not even against another empty one */
	assert_false(secret_equal("", 0, "", 0));
	assert_false(secret_equal_str("", ""));
	assert_false(secret_equal("s3cret", 6, "", 0));
	assert_false(secret_equal(NULL, 0, NULL, 0));
	assert_false(secret_equal_str(NULL, "x"));
	assert_false(secret_equal_str("x", NULL));
}

static void test_clean(void **state)
{
	(void)state;
	assert_true(secret_clean("Bearer abc-DEF_123~", 19));
	assert_true(secret_clean("", 0));
	assert_false(secret_clean("abc\r", 4));
	assert_false(secret_clean("a\tb", 3));
	assert_false(secret_clean("a\x7f", 2));
	assert_false(secret_clean("\x1b[31m", 5));
	/* bytes of UTF-8 are no control bytes */
	assert_true(secret_clean("\xe7\xa7\x98", 3));
}

static void test_weak(void **state)
{
	(void)state;
	assert_null(secret_weak("0123456789abcdef", 16));
	assert_null(secret_weak("demo-zhao-token-8265", 20));
	assert_non_null(strstr(secret_weak("x", 1), "too short"));
	assert_non_null(strstr(secret_weak("demo-wang-token", 15), "at least 16"));
	assert_non_null(strstr(secret_weak("aaaaaaaaaaaaaaaaaaaaaaaa", 24), "different"));
	assert_non_null(strstr(secret_weak("abababababababab", 16), "different"));
	assert_non_null(secret_weak("0123456789 abcdef", 17));
	assert_non_null(secret_weak("0123456789\nabcdef", 17));
	assert_non_null(secret_weak("", 0));
	/* the reason never repeats the token */
	assert_null(strstr(secret_weak("zzzzzzzzzzzzzzzzzzzz", 20), "zzz"));
}

static void test_guard_slows_one_address(void **state)
{
	struct guard *g = guard_new();
	int64_t t = 1000000;
	int i;

	(void)state;
	assert_non_null(g);
	/* a few wrong tokens at full speed... */
	for (i = 1; i < GUARD_FREE; i++) {
		assert_int_equal(guard_wait(g, "10.0.0.9", t), 0);
		assert_int_equal(guard_fail(g, "10.0.0.9", t), i);
	}
	assert_int_equal(guard_fail(g, "10.0.0.9", t), GUARD_FREE);
	/* ...then a wait that doubles with each further one */
	assert_int_equal(guard_wait(g, "10.0.0.9", t), 1000);
	assert_int_equal(guard_refused(g, "10.0.0.9", t), 1);
	assert_int_equal(guard_refused(g, "10.0.0.9", t), 2);
	assert_int_equal(guard_refused(g, "10.0.0.8", t), 0);
	assert_int_equal(guard_wait(g, "10.0.0.9", t + 999), 1);
	assert_int_equal(guard_wait(g, "10.0.0.9", t + 1000), 0);
	t += 1000;
	guard_fail(g, "10.0.0.9", t);
	assert_int_equal(guard_wait(g, "10.0.0.9", t), 2000);
	assert_int_equal(guard_refused(g, "10.0.0.9", t), 1); /* counted afresh */
	t += 2000;
	guard_fail(g, "10.0.0.9", t);
	assert_int_equal(guard_wait(g, "10.0.0.9", t), 4000);
	for (i = 0; i < 40; i++)
		guard_fail(g, "10.0.0.9", t);
	assert_int_equal(guard_wait(g, "10.0.0.9", t), GUARD_MAX_MS);
	/* another address is not held */
	assert_int_equal(guard_wait(g, "10.0.0.10", t), 0);
	assert_int_equal(guard_keys(g), 1);
	/* an hour after its last failure (and the wait over) the address starts afresh */
	t += GUARD_FORGET_MS;
	assert_int_equal(guard_wait(g, "10.0.0.9", t), 0);
	assert_int_equal(guard_fail(g, "10.0.0.9", t), 1);
	assert_int_equal(guard_wait(g, "10.0.0.9", t), 0);
	guard_free(g);
}

static void test_guard_is_bounded(void **state)
{
	struct guard *g = guard_new();
	char key[32];
	int64_t t = 5000;
	int i;

	(void)state;
	assert_non_null(g);
	for (i = 0; i < GUARD_KEYS; i++) {
		snprintf(key, sizeof(key), "10.1.%d.%d", i / 256, i % 256);
		guard_fail(g, key, t);
	}
	assert_int_equal(guard_keys(g), GUARD_KEYS);
	/* a crowd of new addresses shares one count, and is slowed as one */
	for (i = 0; i < GUARD_FREE; i++) {
		snprintf(key, sizeof(key), "10.2.0.%d", i);
		guard_fail(g, key, t);
	}
	assert_int_equal(guard_keys(g), GUARD_KEYS + 1);
	assert_true(guard_wait(g, "10.3.3.3", t) > 0);
	assert_int_equal(guard_wait(g, "10.1.0.1", t), 0);
	/* once the old ones may be forgotten, a new address has its own count again */
	t += GUARD_FORGET_MS;
	guard_fail(g, "10.4.4.4", t);
	assert_true(guard_keys(g) <= 2);
	assert_int_equal(guard_wait(g, "10.4.4.4", t), 0);
	guard_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_equal),
	        cmocka_unit_test(test_different_length),
	        cmocka_unit_test(test_nul_inside),
	        cmocka_unit_test(test_empty),
	        cmocka_unit_test(test_clean),
	        cmocka_unit_test(test_weak),
	        cmocka_unit_test(test_guard_slows_one_address),
	        cmocka_unit_test(test_guard_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
