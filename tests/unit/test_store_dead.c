/*
 * test_store_dead.c - counting the failures of an inbound message and
 * setting it aside (store/store_dead.c), and the message's JSON for the
 * replay (bot/dead.c), on a real SQLite file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/dead.h"
#include "store/store.h"
#include "store/store_dead.h"
#include "storefx.h"

static int count_one(const struct store_dead *d, void *ud)
{
	(void)d;
	++*(int *)ud;
	return 0;
}

static void test_counted_then_set_aside(void **state)
{
	char dir[STOREFX_DIRLEN], path[STOREFX_PATHLEN];
	struct store *s = storefx_open("dead", dir, path);
	struct store_dead d;
	int64_t id = 0, n = -1;
	int i, listed = 0;

	(void)state;
	for (i = 1; i < 5; i++)
		assert_int_equal(store_dead_fail(s, "telegram", "id:9", "42", "{}", "boom", 5,
		                                 1000 + i, &id),
		                 0);
	assert_int_equal(store_dead_waiting(s, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_dead_fail(s, "telegram", "id:9", "42", "{\"text\":\"x\"}",
	                                 "still boom", 5, 1010, &id),
	                 1);
	assert_true(id > 0);
	/* Another try of a dead letter: still set aside, not counted on. */
	assert_int_equal(store_dead_fail(s, "telegram", "id:9", "42", "{}", "later", 5, 1020, &id),
	                 1);
	assert_int_equal(store_dead_get(s, id, &d), 1);
	assert_string_equal(d.channel, "telegram");
	assert_string_equal(d.chat, "42");
	assert_string_equal(d.reason, "still boom");
	assert_string_equal(d.raw, "{\"text\":\"x\"}");
	assert_int_equal(d.attempts, 5);
	assert_int_equal(d.dead_at, 1010);
	free(d.raw);
	assert_int_equal(store_dead_waiting(s, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_dead_list(s, 0, count_one, &listed), 0);
	assert_int_equal(listed, 1);

	/* Replayed: no longer waiting, still in the full list. */
	assert_int_equal(store_dead_replayed(s, id, 1100), 1);
	assert_int_equal(store_dead_waiting(s, &n), 0);
	assert_int_equal(n, 0);
	listed = 0;
	assert_int_equal(store_dead_list(s, 1, count_one, &listed), 0);
	assert_int_equal(listed, 1);
	assert_int_equal(store_dead_replayed(s, id + 100, 1100), 0);

	/* A message that went through after failing is forgotten. */
	assert_int_equal(store_dead_fail(s, "web", "id:1", "c", "{}", "x", 5, 2000, &id), 0);
	assert_int_equal(store_dead_forget(s, "web", "id:1"), 0);
	assert_int_equal(store_dead_fail(s, "web", "id:1", "c", "{}", "x", 5, 2001, &id), 0);
	assert_int_equal(store_dead_get(s, id, &d), 0); /* counting, not a dead letter */
	storefx_remove(s, dir, path);
}

static void test_encode_decode(void **state)
{
	struct inbound *in = inbound_new("telegram"), *out;
	char *raw, *big;

	(void)state;
	assert_non_null(in);
	in->id = strdup("77");
	in->chat = strdup("-100");
	in->user = strdup("5");
	in->text = strdup("'); DROP TABLE x; -- <b>\xe2\x80\xae");
	in->is_group = in->addressed = 1;
	raw = dead_encode(in);
	assert_non_null(raw);
	out = dead_decode(raw);
	assert_non_null(out);
	assert_string_equal(out->channel, "telegram");
	assert_string_equal(out->id, "77");
	assert_string_equal(out->chat, "-100");
	assert_string_equal(out->text, in->text);
	assert_int_equal(out->is_group, 1);
	assert_int_equal(out->addressed, 1);
	assert_int_equal(out->from_link, 0);
	assert_null(out->callback);
	inbound_free(out);
	free(raw);
	/* A huge text is kept up to DEAD_TEXT_MAX bytes, cut between characters. */
	big = malloc(DEAD_TEXT_MAX + 10);
	assert_non_null(big);
	memset(big, 'x', DEAD_TEXT_MAX - 1);
	memcpy(big + DEAD_TEXT_MAX - 1, "\xe6\xbc\x8f\xe6\xbc\x8f", 7);
	free(in->text);
	in->text = big;
	raw = dead_encode(in);
	out = dead_decode(raw);
	assert_non_null(out);
	assert_int_equal(strlen(out->text), DEAD_TEXT_MAX - 1);
	inbound_free(out);
	free(raw);
	inbound_free(in);
	assert_null(dead_decode("not json"));
	assert_null(dead_decode("{}"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_counted_then_set_aside),
	        cmocka_unit_test(test_encode_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
