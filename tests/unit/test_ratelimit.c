/*
 * test_ratelimit.c - the per-minute window over a whole channel
 * (lib/ratelimit.c, global_per_min): a WeCom group robot may post 20
 * messages a minute whatever the chat, so every call counts, to any chat or
 * to none; and the per-minute window of each chat alone (per_chat_per_min),
 * for webhook robots that are one group each (a DingTalk robot: 20 a
 * minute; a Feishu bot: 100 a minute and 5 a second). The per-chat,
 * per-group and per-second windows, holds and backoff are covered in
 * test_sender.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lib/ratelimit.h"

#define MIN_MS 60000

static struct ratelimit *limiter(const struct ratelimit_limits *l)
{
	struct ratelimit *rl = ratelimit_new(l);

	assert_non_null(rl);
	return rl;
}

/* Takes a call to CHAT at T after checking that it may start then. */
static void take_now(struct ratelimit *rl, const char *chat, int64_t t)
{
	assert_int_equal(ratelimit_wait(rl, chat, t), 0);
	assert_int_equal(ratelimit_take(rl, chat, t), 0);
}

static void test_per_min_window(void **state)
{
	struct ratelimit_limits l = {.global_per_min = 20};
	struct ratelimit *rl = limiter(&l);
	int64_t t = 0;
	int i;

	(void)state;
	/* 20 messages a second apart fill the robot's minute */
	for (i = 0; i < 20; i++, t += 1000)
		take_now(rl, "group", t);
	/* the 21st waits until the first is a minute old, then one more may go */
	assert_int_equal(ratelimit_wait(rl, "group", t), MIN_MS - 20000);
	assert_int_equal(ratelimit_wait(rl, "group", 59999), 1);
	take_now(rl, "group", MIN_MS);
	/* the window slides: the next waits for the second message's minute */
	assert_int_equal(ratelimit_wait(rl, "group", MIN_MS), 1000);
	take_now(rl, "group", MIN_MS + 1000);
	ratelimit_free(rl);
}

static void test_per_min_burst(void **state)
{
	struct ratelimit_limits l = {.global_per_min = 20};
	struct ratelimit *rl = limiter(&l);
	int sent = 0, i;

	(void)state;
	/* 25 at once: 20 go, the rest wait the whole minute */
	for (i = 0; i < 25; i++) {
		if (ratelimit_wait(rl, "group", 5000) == 0) {
			ratelimit_take(rl, "group", 5000);
			sent++;
		}
	}
	assert_int_equal(sent, 20);
	assert_int_equal(ratelimit_wait(rl, "group", 5000), MIN_MS);
	assert_int_equal(ratelimit_wait(rl, "group", 5000 + MIN_MS), 0);
	/* a per-minute limit has no per-second pace: the next 20 go at once again */
	for (i = 0; i < 20; i++)
		take_now(rl, "group", 5000 + MIN_MS);
	assert_int_equal(ratelimit_wait(rl, "group", 5000 + MIN_MS), MIN_MS);
	ratelimit_free(rl);
}

static void test_per_min_whole_channel(void **state)
{
	struct ratelimit_limits l = {.global_per_min = 3};
	struct ratelimit *rl = limiter(&l);
	char chat[16];
	int i;

	(void)state;
	/* every chat counts, private ones (no '-') included ... */
	for (i = 0; i < 2; i++) {
		snprintf(chat, sizeof(chat), "%d", 100 + i);
		take_now(rl, chat, 1000 * i);
	}
	/* ... and so does a call that is not a message to a chat */
	take_now(rl, NULL, 2000);
	assert_int_equal(ratelimit_wait(rl, "999", 2000), MIN_MS - 2000);
	assert_int_equal(ratelimit_wait(rl, "-5", 2000), MIN_MS - 2000);
	assert_int_equal(ratelimit_wait(rl, NULL, 2000), MIN_MS - 2000);
	/* forgetting idle chats does not forget the channel's window */
	ratelimit_prune(rl, 30000);
	assert_int_equal(ratelimit_chats(rl), 0);
	assert_int_equal(ratelimit_wait(rl, "100", 30000), MIN_MS - 30000);
	assert_int_equal(ratelimit_wait(rl, "100", MIN_MS), 0);
	ratelimit_free(rl);
}

static void test_per_min_slack(void **state)
{
	struct ratelimit_limits l = {.global_per_min = 2, .margin_ms = 1000};
	struct ratelimit *rl = limiter(&l);

	(void)state;
	take_now(rl, "group", 0);
	take_now(rl, "group", 10);
	/* the window is a minute and the slack long */
	assert_int_equal(ratelimit_wait(rl, "group", 60000), 1000);
	assert_int_equal(ratelimit_wait(rl, "group", 61000), 0);
	ratelimit_free(rl);
}

static void test_per_min_with_other_windows(void **state)
{
	/* one ring serves both global limits: sized for the larger either way */
	struct ratelimit_limits small_min = {.global_per_sec = 5, .global_per_min = 3};
	struct ratelimit_limits big_min = {.global_per_sec = 2, .global_per_min = 4};
	struct ratelimit_limits all = {.per_chat_per_sec = 1,
	                               .per_group_per_min = 20,
	                               .global_per_sec = 30,
	                               .global_per_min = 2};
	struct ratelimit *rl = limiter(&small_min);

	(void)state;
	take_now(rl, "a", 0);
	take_now(rl, "b", 0);
	take_now(rl, "c", 0);
	assert_int_equal(ratelimit_wait(rl, "d", 0), MIN_MS);
	ratelimit_free(rl);

	rl = limiter(&big_min);
	take_now(rl, "a", 0);
	take_now(rl, "b", 0);
	/* the per-second window first ... */
	assert_int_equal(ratelimit_wait(rl, "c", 0), 1000);
	take_now(rl, "c", 1000);
	take_now(rl, "d", 1000);
	/* ... then the minute, which the per-second window alone would allow */
	assert_int_equal(ratelimit_wait(rl, "e", 2000), MIN_MS - 2000);
	ratelimit_free(rl);

	/* with Telegram's windows too: each still applies, the strictest wins */
	rl = limiter(&all);
	take_now(rl, "-100", 0);
	assert_int_equal(ratelimit_wait(rl, "-100", 0), 1000); /* the chat's second */
	take_now(rl, "7", 0);
	assert_int_equal(ratelimit_wait(rl, "-100", 1000), MIN_MS - 1000);
	assert_int_equal(ratelimit_wait(rl, "8", 1000), MIN_MS - 1000);
	ratelimit_free(rl);
}

static void test_per_min_with_holds(void **state)
{
	struct ratelimit_limits l = {.global_per_min = 1};
	struct ratelimit *rl = limiter(&l);

	(void)state;
	take_now(rl, "group", 0);
	/* a platform's "wait 90 s" is longer than the window: it wins */
	ratelimit_hold(rl, NULL, 90000);
	assert_int_equal(ratelimit_wait(rl, "group", 1000), 89000);
	assert_int_equal(ratelimit_wait(rl, "group", 90000), 0);
	/* a shorter hold does not shorten the window */
	take_now(rl, "group", 90000);
	ratelimit_hold(rl, NULL, 91000);
	assert_int_equal(ratelimit_wait(rl, "group", 90500), MIN_MS - 500);
	ratelimit_free(rl);
}

static void test_per_min_off_and_clamped(void **state)
{
	struct ratelimit_limits off = {.global_per_min = 0};
	struct ratelimit_limits negative = {.global_per_min = -5};
	struct ratelimit_limits huge = {.global_per_min = 5000};
	/* the fields before it, as positional initialisers wrote them (and none after) */
	struct ratelimit_limits old = {1, 20, 30, 0, 0, 0};
	struct ratelimit *rl;
	int i;

	(void)state;
	rl = limiter(&off);
	for (i = 0; i < 5000; i++)
		ratelimit_take(rl, "group", 0);
	assert_int_equal(ratelimit_wait(rl, "group", 0), 0);
	ratelimit_free(rl);

	rl = limiter(&negative);
	for (i = 0; i < 50; i++)
		ratelimit_take(rl, "group", 0);
	assert_int_equal(ratelimit_wait(rl, "group", 0), 0);
	ratelimit_free(rl);

	/* a large limit is exact too (the ring grows with the calls in its window) */
	rl = limiter(&huge);
	for (i = 0; i < 4999; i++)
		ratelimit_take(rl, "group", 0);
	assert_int_equal(ratelimit_wait(rl, "group", 0), 0);
	ratelimit_take(rl, "group", 0);
	assert_int_equal(ratelimit_wait(rl, "group", 0), MIN_MS);
	/* calls older than the window make room for new ones: never a wait for them */
	for (i = 0; i < 4000; i++)
		ratelimit_take(rl, "group", MIN_MS + 10 * i);
	assert_int_equal(ratelimit_wait(rl, "group", MIN_MS + 40000), 0);
	ratelimit_free(rl);

	/* Telegram's limits with no per-minute one: 25 private chats in a minute go */
	rl = limiter(&old);
	for (i = 0; i < 25; i++) {
		char chat[16];

		snprintf(chat, sizeof(chat), "%d", 500 + i);
		take_now(rl, chat, 1000 * i);
	}
	ratelimit_free(rl);
}

static void test_per_chat_per_min(void **state)
{
	struct ratelimit_limits l = {.per_chat_per_min = 20, .margin_ms = 1000};
	struct ratelimit_limits both = {.per_chat_per_sec = 5, .per_chat_per_min = 100};
	struct ratelimit *rl = limiter(&l);
	int i;

	(void)state;
	/* each robot has its own 20: "staff" is full, "night" is not */
	for (i = 0; i < 20; i++)
		take_now(rl, "staff", 100 * i);
	assert_int_equal(ratelimit_wait(rl, "staff", 2000), MIN_MS + 1000 - 2000);
	for (i = 0; i < 20; i++)
		take_now(rl, "night", 2000);
	assert_int_equal(ratelimit_wait(rl, "night", 2000), MIN_MS + 1000);
	/* any chat's name: a robot's chat needs no '-' to count as a group */
	take_now(rl, "-100", 2000);
	/* the window slides per chat, and idle chats are forgotten only after it */
	assert_int_equal(ratelimit_wait(rl, "staff", MIN_MS + 1000), 0);
	ratelimit_prune(rl, MIN_MS);
	assert_int_equal(ratelimit_chats(rl), 3);
	ratelimit_prune(rl, 2000 + MIN_MS + 1000);
	assert_int_equal(ratelimit_chats(rl), 0);
	ratelimit_free(rl);

	/* 5 a second and 100 a minute: the second paces, the minute caps */
	rl = limiter(&both);
	for (i = 0; i < 100; i++) {
		int64_t t = (int64_t)(i / 5) * 1000;

		take_now(rl, "bot", t);
		if (i % 5 == 4 && i < 99)
			assert_int_equal(ratelimit_wait(rl, "bot", t), 1000);
	}
	/* 100 in 20 s: the 101st waits for the first one's minute */
	assert_int_equal(ratelimit_wait(rl, "bot", 20000), MIN_MS - 20000);
	assert_int_equal(ratelimit_wait(rl, "other", 20000), 0);
	ratelimit_free(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_per_min_window),
	        cmocka_unit_test(test_per_min_burst),
	        cmocka_unit_test(test_per_min_whole_channel),
	        cmocka_unit_test(test_per_min_slack),
	        cmocka_unit_test(test_per_min_with_other_windows),
	        cmocka_unit_test(test_per_min_with_holds),
	        cmocka_unit_test(test_per_min_off_and_clamped),
	        cmocka_unit_test(test_per_chat_per_min),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
