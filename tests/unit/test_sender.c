/*
 * test_sender.c - the pure parts of the outbox sender: the rate limiter and
 * backoff (bot/ratelimit.c), the generic channel's signatures and bodies
 * (adapters/generic.c), and outbox payloads into Telegram calls and answers
 * into verdicts (adapters/telegram_out.c). The thread itself is exercised
 * against tests/fake_telegram.py by the integration tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "adapters/generic.h"
#include "adapters/telegram_out.h"
#include "lib/ratelimit.h"

/* ---- rate limiter ---- */

static struct ratelimit *tg_limits(void)
{
	struct ratelimit_limits l = {.per_chat_per_sec = 1,
	                             .per_group_per_min = 20,
	                             .global_per_sec = 30,
	                             .margin_ms = 0};
	struct ratelimit *rl = ratelimit_new(&l);

	assert_non_null(rl);
	return rl;
}

static void test_per_chat(void **state)
{
	struct ratelimit *rl = tg_limits();

	(void)state;
	assert_int_equal(ratelimit_wait(rl, "42", 1000), 0);
	assert_int_equal(ratelimit_take(rl, "42", 1000), 0);
	assert_int_equal(ratelimit_wait(rl, "42", 1000), 1000);
	assert_int_equal(ratelimit_wait(rl, "42", 1400), 600);
	assert_int_equal(ratelimit_wait(rl, "42", 2000), 0);
	/* another chat is not slowed by this one */
	assert_int_equal(ratelimit_wait(rl, "43", 1000), 0);
	ratelimit_free(rl);
}

static void test_per_group(void **state)
{
	struct ratelimit *rl = tg_limits();
	int64_t t = 0;
	int i;

	(void)state;
	/* 20 messages a second apart fill the group's minute */
	for (i = 0; i < 20; i++) {
		assert_int_equal(ratelimit_wait(rl, "-100123", t), 0);
		ratelimit_take(rl, "-100123", t);
		t += 1000;
	}
	/* the 21st waits until the first is a minute old */
	assert_int_equal(ratelimit_wait(rl, "-100123", t), 60000 - 20000);
	assert_int_equal(ratelimit_wait(rl, "-100123", 60000), 0);
	/* a private chat has no per-minute limit */
	for (i = 0, t = 0; i < 25; i++, t += 1000) {
		assert_int_equal(ratelimit_wait(rl, "77", t), 0);
		ratelimit_take(rl, "77", t);
	}
	ratelimit_free(rl);
}

static void test_global(void **state)
{
	struct ratelimit *rl = tg_limits();
	char chat[16];
	int i;

	(void)state;
	for (i = 0; i < 30; i++) {
		snprintf(chat, sizeof(chat), "%d", 1000 + i);
		assert_int_equal(ratelimit_wait(rl, chat, 5000 + i), 0);
		ratelimit_take(rl, chat, 5000 + i);
	}
	/* the 31st call within a second waits for the oldest to leave the window */
	assert_int_equal(ratelimit_wait(rl, "9999", 5100), 900);
	assert_int_equal(ratelimit_wait(rl, NULL, 5100), 900);
	assert_int_equal(ratelimit_wait(rl, "9999", 6000), 0);
	assert_int_equal(ratelimit_chats(rl), 30);
	ratelimit_prune(rl, 6100);
	assert_int_equal(ratelimit_chats(rl), 0);
	ratelimit_free(rl);
}

static void test_holds(void **state)
{
	struct ratelimit *rl = tg_limits();
	struct ratelimit_limits none = {0};
	struct ratelimit *free_rl = ratelimit_new(&none);

	(void)state;
	ratelimit_hold(rl, "42", 10000);
	assert_int_equal(ratelimit_wait(rl, "42", 4000), 6000);
	assert_int_equal(ratelimit_wait(rl, "43", 4000), 0);
	assert_int_equal(ratelimit_wait(rl, NULL, 4000), 0);
	/* a hold never shrinks */
	ratelimit_hold(rl, "42", 5000);
	assert_int_equal(ratelimit_wait(rl, "42", 4000), 6000);
	/* a held chat is remembered until the hold ends */
	ratelimit_prune(rl, 9000);
	assert_int_equal(ratelimit_chats(rl), 1);
	ratelimit_prune(rl, 10000);
	assert_int_equal(ratelimit_chats(rl), 0);
	/* the whole channel */
	ratelimit_hold(rl, NULL, 20000);
	assert_int_equal(ratelimit_wait(rl, "43", 15000), 5000);
	assert_int_equal(ratelimit_wait(rl, NULL, 15000), 5000);
	assert_int_equal(ratelimit_wait(rl, "43", 20000), 0);

	/* no limits: only holds apply */
	assert_non_null(free_rl);
	for (int i = 0; i < 100; i++)
		ratelimit_take(free_rl, "x", 0);
	assert_int_equal(ratelimit_wait(free_rl, "x", 0), 0);
	assert_int_equal(ratelimit_chats(free_rl), 0); /* no limit of its own: nothing kept */
	ratelimit_hold(free_rl, NULL, 3000);
	assert_int_equal(ratelimit_wait(free_rl, "y", 1000), 2000);
	ratelimit_free(free_rl);
	ratelimit_free(rl);
}

static void test_slack(void **state)
{
	struct ratelimit_limits l = {.per_chat_per_sec = 1,
	                             .per_group_per_min = 2,
	                             .global_per_sec = 0,
	                             .margin_ms = 100};
	struct ratelimit *rl = ratelimit_new(&l);

	(void)state;
	ratelimit_take(rl, "-5", 0);
	assert_int_equal(ratelimit_wait(rl, "-5", 1000), 100);
	ratelimit_take(rl, "-5", 1100);
	assert_int_equal(ratelimit_wait(rl, "-5", 2200), 60100 - 2200);
	ratelimit_prune(rl, 60099 + 1100);
	assert_int_equal(ratelimit_chats(rl), 1);
	ratelimit_prune(rl, 60100 + 1100);
	assert_int_equal(ratelimit_chats(rl), 0);
	ratelimit_free(rl);
}

static void test_backoff(void **state)
{
	(void)state;
	/* mid jitter (rnd = 2^31) is exactly the base delay */
	assert_int_equal(ratelimit_backoff_ms(0, 300000, 0x80000000u), 1000);
	assert_int_equal(ratelimit_backoff_ms(1, 300000, 0x80000000u), 2000);
	assert_int_equal(ratelimit_backoff_ms(5, 300000, 0x80000000u), 32000);
	assert_int_equal(ratelimit_backoff_ms(8, 300000, 0x80000000u), 256000);
	assert_int_equal(ratelimit_backoff_ms(9, 300000, 0x80000000u), 300000);
	assert_int_equal(ratelimit_backoff_ms(1000, 300000, 0x80000000u), 300000);
	assert_int_equal(ratelimit_backoff_ms(-3, 300000, 0x80000000u), 1000);
	/* +-50% */
	assert_int_equal(ratelimit_backoff_ms(0, 300000, 0), 500);
	assert_in_range(ratelimit_backoff_ms(0, 300000, 0xffffffffu), 1499, 1500);
	assert_in_range(ratelimit_backoff_ms(20, 300000, 0xffffffffu), 449999, 450000);
	assert_int_equal(ratelimit_backoff_ms(20, 300000, 0), 150000);
}

/* ---- generic channel ---- */

#define VEC_SECRET "s3cret-key"
#define VEC_BODY   "{\"id\":42,\"chat\":\"app-user-7\",\"text\":\"你好\",\"buttons\":[]}"
/* python3: hmac.new(b"s3cret-key", body, hashlib.sha256).hexdigest() */
#define VEC_SIG "sha256=2b6326aa6ed1aaa29820b358591bb3efc722863ed3147b6d1668781a0ce9d98c"

static void test_generic_sign(void **state)
{
	char sig[72];

	(void)state;
	assert_int_equal(generic_sign(VEC_SECRET, VEC_BODY, strlen(VEC_BODY), sig), 0);
	assert_string_equal(sig, VEC_SIG);
	assert_int_equal(strlen(sig), GENERIC_SIG_LEN);
	/* RFC 4231-style well-known vector */
	assert_int_equal(
	        generic_sign("key", "The quick brown fox jumps over the lazy dog", 43, sig), 0);
	assert_string_equal(sig, "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc"
	                         "2d1a3cd8");
	assert_int_equal(generic_sign(VEC_SECRET, "", 0, sig), 0);
	assert_string_equal(sig, "sha256=03b5d47de6f8548b83940d24f99f8345cb156d953238ce3a1b7cb6ece0"
	                         "90dcd5");
	assert_int_equal(generic_sign("", VEC_BODY, strlen(VEC_BODY), sig), -1);
	assert_int_equal(generic_sign(NULL, VEC_BODY, strlen(VEC_BODY), sig), -1);
}

static void test_generic_verify(void **state)
{
	char upper[80];
	size_t i;

	(void)state;
	assert_int_equal(generic_verify(VEC_SECRET, VEC_BODY, strlen(VEC_BODY), VEC_SIG), 1);
	snprintf(upper, sizeof(upper), "%s", VEC_SIG);
	for (i = 7; upper[i]; i++)
		if (upper[i] >= 'a' && upper[i] <= 'f')
			upper[i] = (char)(upper[i] - 'a' + 'A');
	assert_int_equal(generic_verify(VEC_SECRET, VEC_BODY, strlen(VEC_BODY), upper), 1);
	/* one byte of the body changed */
	assert_int_equal(generic_verify(VEC_SECRET, VEC_BODY, strlen(VEC_BODY) - 1, VEC_SIG), 0);
	/* wrong key, missing prefix, truncated, non-hex, empty, NULL */
	assert_int_equal(generic_verify("other", VEC_BODY, strlen(VEC_BODY), VEC_SIG), 0);
	assert_int_equal(generic_verify(VEC_SECRET, VEC_BODY, strlen(VEC_BODY), VEC_SIG + 7), 0);
	snprintf(upper, sizeof(upper), "%s", VEC_SIG);
	upper[70] = '\0';
	assert_int_equal(generic_verify(VEC_SECRET, VEC_BODY, strlen(VEC_BODY), upper), 0);
	snprintf(upper, sizeof(upper), "%s", VEC_SIG);
	upper[10] = 'g';
	assert_int_equal(generic_verify(VEC_SECRET, VEC_BODY, strlen(VEC_BODY), upper), 0);
	assert_int_equal(generic_verify(VEC_SECRET, VEC_BODY, strlen(VEC_BODY), ""), 0);
	assert_int_equal(generic_verify(VEC_SECRET, VEC_BODY, strlen(VEC_BODY), NULL), 0);
	/* an unkeyed channel trusts nothing */
	assert_int_equal(generic_verify("", VEC_BODY, strlen(VEC_BODY), VEC_SIG), 0);
	assert_int_equal(generic_verify(NULL, VEC_BODY, strlen(VEC_BODY), VEC_SIG), 0);
}

static void test_generic_body(void **state)
{
	char *b;

	(void)state;
	b = generic_build_body(42, "app-user-7", "{\"text\":\"你好\"}");
	assert_non_null(b);
	assert_string_equal(b, VEC_BODY);
	assert_int_equal(generic_verify(VEC_SECRET, b, strlen(b), VEC_SIG), 1);
	free(b);
	b = generic_build_body(7, "u1",
	                       "{\"text\":\"pick\",\"buttons\":[{\"label\":\"是\","
	                       "\"data\":\"yes\"},{\"label\":\"否\",\"data\":\"no\"}]}");
	assert_string_equal(b,
	                    "{\"id\":7,\"chat\":\"u1\",\"text\":\"pick\",\"buttons\":[{\"label\":"
	                    "\"是\",\"data\":\"yes\"},{\"label\":\"否\",\"data\":\"no\"}]}");
	free(b);
	/* 64-bit ids stay exact */
	b = generic_build_body(9007199254740993LL, "u", "{\"text\":\"x\"}");
	assert_non_null(strstr(b, "\"id\":9007199254740993,"));
	free(b);
	assert_null(generic_build_body(1, "u", "[1]"));
	assert_null(generic_build_body(1, "u", "not json"));
	assert_null(generic_build_body(1, "u", NULL));
}

static void test_generic_classify(void **state)
{
	(void)state;
	assert_int_equal(generic_classify_status(200), GENERIC_OK);
	assert_int_equal(generic_classify_status(204), GENERIC_OK);
	assert_int_equal(generic_classify_status(0), GENERIC_RETRY);
	assert_int_equal(generic_classify_status(500), GENERIC_RETRY);
	assert_int_equal(generic_classify_status(503), GENERIC_RETRY);
	assert_int_equal(generic_classify_status(408), GENERIC_RETRY);
	assert_int_equal(generic_classify_status(429), GENERIC_RATE_LIMITED);
	assert_int_equal(generic_classify_status(400), GENERIC_FATAL);
	assert_int_equal(generic_classify_status(404), GENERIC_FATAL);
	assert_int_equal(generic_classify_status(301), GENERIC_FATAL);
}

/* ---- Telegram calls from outbox payloads ---- */

static json_t *body_json(const struct tg_out_call *c)
{
	json_t *j = json_loads(c->body, 0, NULL);

	assert_non_null(j);
	return j;
}

static void test_tg_calls_text(void **state)
{
	struct tg_out_call *calls;
	char err[256];
	json_t *j, *kb;
	int n;

	(void)state;
	n = tg_out_calls("-1001234567890123",
	                 "{\"text\":\"报修已登记\",\"buttons\":[{\"label\":\"接单\",\"data\":"
	                 "\"/accept 261127-001\"}]}",
	                 &calls, err, sizeof(err));
	assert_int_equal(n, 1);
	assert_string_equal(calls[0].method, "sendMessage");
	j = body_json(&calls[0]);
	/* 64-bit chat IDs go out as JSON integers */
	assert_true(json_is_integer(json_object_get(j, "chat_id")));
	assert_int_equal(json_integer_value(json_object_get(j, "chat_id")), -1001234567890123LL);
	assert_string_equal(json_string_value(json_object_get(j, "text")), "报修已登记");
	kb = json_object_get(json_object_get(j, "reply_markup"), "inline_keyboard");
	assert_string_equal(json_string_value(json_object_get(
	                            json_array_get(json_array_get(kb, 0), 0), "callback_data")),
	                    "/accept 261127-001");
	json_decref(j);
	tg_out_calls_free(calls, n);

	/* without buttons */
	n = tg_out_calls("42", "{\"text\":\"hi\"}", &calls, err, sizeof(err));
	assert_int_equal(n, 1);
	j = body_json(&calls[0]);
	assert_null(json_object_get(j, "reply_markup"));
	json_decref(j);
	tg_out_calls_free(calls, n);
}

static void test_tg_calls_split(void **state)
{
	struct tg_out_call *calls;
	char err[256], *text, *payload;
	json_t *p, *j;
	size_t i;
	int n;

	(void)state;
	/* 5000 CJK characters: two parts, buttons only under the last */
	text = malloc((size_t)5000 * 3 + 1);
	assert_non_null(text);
	for (i = 0; i < 5000; i++)
		memcpy(text + (size_t)3 * i, "修", 3);
	text[(size_t)5000 * 3] = '\0';
	p = json_pack("{s:s,s:[{s:s,s:s}]}", "text", text, "buttons", "label", "OK", "data", "ok");
	payload = json_dumps(p, JSON_COMPACT);
	n = tg_out_calls("42", payload, &calls, err, sizeof(err));
	assert_int_equal(n, 2);
	j = body_json(&calls[0]);
	assert_int_equal(tg_utf16_len(json_string_value(json_object_get(j, "text"))), 4096);
	assert_null(json_object_get(j, "reply_markup"));
	json_decref(j);
	j = body_json(&calls[1]);
	assert_int_equal(tg_utf16_len(json_string_value(json_object_get(j, "text"))), 5000 - 4096);
	assert_non_null(json_object_get(j, "reply_markup"));
	json_decref(j);
	tg_out_calls_free(calls, n);
	free(payload);
	json_decref(p);
	free(text);
}

static void test_tg_calls_callback(void **state)
{
	struct tg_out_call *calls;
	char err[256];
	json_t *j;
	int n;

	(void)state;
	n = tg_out_calls("42", "{\"answer_callback\":\"9100000000000000001\",\"text\":\"已接单\"}",
	                 &calls, err, sizeof(err));
	assert_int_equal(n, 1);
	assert_string_equal(calls[0].method, "answerCallbackQuery");
	j = body_json(&calls[0]);
	assert_string_equal(json_string_value(json_object_get(j, "callback_query_id")),
	                    "9100000000000000001");
	assert_string_equal(json_string_value(json_object_get(j, "text")), "已接单");
	json_decref(j);
	tg_out_calls_free(calls, n);

	n = tg_out_calls("42", "{\"answer_callback\":\"abc\"}", &calls, err, sizeof(err));
	assert_int_equal(n, 1);
	j = body_json(&calls[0]);
	assert_null(json_object_get(j, "text"));
	json_decref(j);
	tg_out_calls_free(calls, n);
}

static void test_tg_calls_bad(void **state)
{
	struct tg_out_call *calls;
	char err[256];

	(void)state;
	assert_int_equal(tg_out_calls("42", "nope", &calls, err, sizeof(err)), -1);
	assert_null(calls);
	assert_string_equal(err, "payload: not a JSON object");
	assert_int_equal(tg_out_calls("42", "{\"buttons\":[]}", &calls, err, sizeof(err)), -1);
	assert_string_equal(err, "payload: no text");
	/* data over 64 bytes is never cut: the row is dead */
	assert_int_equal(
	        tg_out_calls("42",
	                     "{\"text\":\"x\",\"buttons\":[{\"label\":\"a\",\"data\":\""
	                     "0123456789012345678901234567890123456789012345678901234567890"
	                     "12345\"}]}",
	                     &calls, err, sizeof(err)),
	        -1);
	assert_non_null(strstr(err, "64 bytes"));
	assert_int_equal(tg_out_calls("42", "{\"text\":\"x\",\"buttons\":[{\"data\":\"d\"}]}",
	                              &calls, err, sizeof(err)),
	                 -1);
	assert_int_equal(tg_out_calls("42", "{\"answer_callback\":[]}", &calls, err, sizeof(err)),
	                 -1);
	assert_int_equal(tg_out_calls("", "{\"text\":\"x\"}", &calls, err, sizeof(err)), -1);
}

static void test_tg_url(void **state)
{
	char *u;

	(void)state;
	u = tg_out_url("http://127.0.0.1:8081", "123:ABC", "sendMessage");
	assert_string_equal(u, "http://127.0.0.1:8081/bot123:ABC/sendMessage");
	free(u);
	assert_null(tg_out_url(NULL, "t", "m"));
}

/* ---- answers ---- */

static void interpret(long status, const char *body, long ra, struct tg_out_answer *a)
{
	tg_out_interpret(status, body, body ? strlen(body) : 0, ra, NULL, a);
}

static void test_tg_answers(void **state)
{
	struct tg_out_answer a;

	(void)state;
	interpret(200, "{\"ok\":true,\"result\":{\"message_id\":5}}", 0, &a);
	assert_int_equal(a.verdict, TG_OK);
	assert_true(json_is_object(a.result));
	tg_out_answer_release(&a);
	assert_null(a.result);

	interpret(
	        429,
	        "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many Requests: retry after "
	        "7\",\"parameters\":{\"retry_after\":7}}",
	        3, &a);
	assert_int_equal(a.verdict, TG_RATE_LIMITED);
	assert_int_equal(a.retry_after, 7); /* the body wins over the header */
	assert_string_equal(a.error, "HTTP 429: Too Many Requests: retry after 7");
	tg_out_answer_release(&a);

	/* a proxy's 429 with only a Retry-After header */
	interpret(429, "<html>slow down</html>", 12, &a);
	assert_int_equal(a.verdict, TG_RATE_LIMITED);
	assert_int_equal(a.retry_after, 12);
	tg_out_answer_release(&a);
	interpret(429, "", 0, &a);
	assert_int_equal(a.verdict, TG_RATE_LIMITED);
	assert_int_equal(a.retry_after, 0);
	tg_out_answer_release(&a);

	interpret(400,
	          "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: group chat was "
	          "upgraded to a supergroup chat\",\"parameters\":{\"migrate_to_chat_id\":"
	          "-1001234567890123}}",
	          0, &a);
	assert_int_equal(a.verdict, TG_MIGRATED);
	assert_string_equal(a.migrate_to, "-1001234567890123");
	tg_out_answer_release(&a);

	interpret(400,
	          "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: chat not "
	          "found\"}",
	          0, &a);
	assert_int_equal(a.verdict, TG_FATAL);
	assert_string_equal(a.error, "HTTP 400: Bad Request: chat not found");
	tg_out_answer_release(&a);

	interpret(403,
	          "{\"ok\":false,\"error_code\":403,\"description\":\"Forbidden: bot was "
	          "blocked by the user\"}",
	          0, &a);
	assert_int_equal(a.verdict, TG_FATAL);
	assert_string_equal(a.error, "HTTP 403: Forbidden: bot was blocked by the user");
	tg_out_answer_release(&a);

	interpret(500,
	          "{\"ok\":false,\"error_code\":500,\"description\":\"Internal Server "
	          "Error\"}",
	          0, &a);
	assert_int_equal(a.verdict, TG_RETRY);
	assert_string_equal(a.error, "HTTP 500: Internal Server Error");
	tg_out_answer_release(&a);

	interpret(502, "<html>bad gateway</html>", 0, &a);
	assert_int_equal(a.verdict, TG_RETRY);
	assert_non_null(strstr(a.error, "HTTP 502"));
	assert_null(strstr(a.error, "HTTP 502: HTTP 502"));
	tg_out_answer_release(&a);

	interpret(409,
	          "{\"ok\":false,\"error_code\":409,\"description\":\"Conflict: terminated by "
	          "other getUpdates request\"}",
	          0, &a);
	assert_int_equal(a.error_code, 409);
	assert_string_equal(a.description, "Conflict: terminated by other getUpdates request");
	tg_out_answer_release(&a);

	tg_out_interpret(0, NULL, 0, 0, "Couldn't connect to server", &a);
	assert_int_equal(a.verdict, TG_RETRY);
	assert_string_equal(a.error, "network: Couldn't connect to server");
	tg_out_answer_release(&a);
	tg_out_interpret(0, NULL, 0, 0, NULL, &a);
	assert_string_equal(a.error, "network: no answer");
	tg_out_answer_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_per_chat),
	        cmocka_unit_test(test_per_group),
	        cmocka_unit_test(test_global),
	        cmocka_unit_test(test_holds),
	        cmocka_unit_test(test_slack),
	        cmocka_unit_test(test_backoff),
	        cmocka_unit_test(test_generic_sign),
	        cmocka_unit_test(test_generic_verify),
	        cmocka_unit_test(test_generic_body),
	        cmocka_unit_test(test_generic_classify),
	        cmocka_unit_test(test_tg_calls_text),
	        cmocka_unit_test(test_tg_calls_split),
	        cmocka_unit_test(test_tg_calls_callback),
	        cmocka_unit_test(test_tg_calls_bad),
	        cmocka_unit_test(test_tg_url),
	        cmocka_unit_test(test_tg_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
