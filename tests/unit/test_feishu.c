/*
 * test_feishu.c - Feishu custom bots (adapters/feishu.c with
 * adapters/robot.c) through the adapter table, as the host calls it: reading
 * channels.feishu, the signature against the vector in shared/channels.md
 * (the string is the HMAC key, over an empty message), outbox payloads into
 * webhook bodies (<at> mentions by user ID, no mention smuggled in by a
 * text, long texts split at character boundaries within the 20 KB body), and
 * Feishu's answers into verdicts. The sender is exercised against
 * tests/fake_feishu.py by tests/scenario/test_feishu.py.
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

#include "adapters/adapter.h"
#include "adapters/robot.h"
#include "lib/clock.h"
#include "lib/config_read.h"
#include "lib/ratelimit.h"

extern const struct adapter adapter_feishu;

#define ROBOT_ADAPTER adapter_feishu
#define ROBOT_PATH    "channels.feishu"
#include "robots.h"

#define HOOK_ID "2c7f6a3e-1b4d-4e8a-9f0c-5d6e7f8a9b0c"
#define BASE    "http://127.0.0.1:9/open-apis/bot/v2/hook/"
#define HOOK    BASE HOOK_ID
#define SECRET  "abc123"
/* shared/channels.md: timestamp 1599360473, secret abc123 */
#define VECTOR_S    1599360473LL
#define VECTOR_SIGN "HlCPO79Q9DEV0vueksRdi4YcZ8Z6keFaxRnxlpGYwWo="

static const char *const hidden[] = {HOOK_ID, SECRET, NULL};

/* The enabled channel used by the body and answer tests: bots "staff" and "night". */
static void robots(struct loaded *l)
{
	load(l, "{\"enabled\": true, \"robots\": ["
	        "{\"chat\": \"staff\", \"webhook\": \"" HOOK "\", \"secret\": \"" SECRET "\"},"
	        "{\"chat\": \"night\", \"webhook\": \"" BASE "n1ght\"}]}");
	if (l->ld.n)
		fail_msg("%s", problems(l));
}

static const char *text_of(const struct built *b)
{
	return json_string_value(json_object_get(json_object_get(b->body, "content"), "text"));
}

/* ---- the table ---- */

static void test_table(void **state)
{
	(void)state;
	assert_string_equal(A->name, "feishu");
	assert_int_equal(A->private_chats, 0);
	assert_int_equal(A->mention_phone, 0); /* a custom bot mentions by user ID only */
	assert_null(A->routes[0].path);
	assert_null(A->ws.path);
	assert_null(A->polls);
	assert_null(A->setup_build);
	assert_null(A->staff_reachable);
	assert_null(A->chatless);
	assert_non_null(A->staff_chat);
}

/* ---- the signature ---- */

static void test_sign_vector(void **state)
{
	char sign[ROBOT_SIGN_LEN];
	struct loaded l;
	struct built b;

	(void)state;
	/* key = timestamp "\n" secret, message = nothing */
	assert_int_equal(
	        robot_sign("1599360473\n" SECRET, strlen("1599360473\n" SECRET), "", 0, sign), 0);
	assert_string_equal(sign, VECTOR_SIGN);
	/* DingTalk's way round (key = secret) gives something else */
	assert_int_equal(robot_sign(SECRET, strlen(SECRET), "1599360473\n" SECRET,
	                            strlen("1599360473\n" SECRET), sign),
	                 0);
	assert_string_not_equal(sign, VECTOR_SIGN);

	/* the body carries it: timestamp in seconds, as a string */
	robots(&l);
	clock_at_ms(VECTOR_S * 1000 + 999);
	assert_int_equal(build(&l, "staff", "{\"text\":\"hi\"}", 0, &b), 1);
	assert_string_equal(b.call.url, HOOK);
	assert_field(&b, "timestamp", NULL, "\"1599360473\"");
	assert_field(&b, "sign", NULL, "\"" VECTOR_SIGN "\"");
	assert_field(&b, "msg_type", NULL, "\"text\"");
	assert_field(&b, "content", NULL, "{\"text\":\"hi\"}");
	assert_int_equal(json_object_size(b.body), 4);
	built_release(&b);
	/* a bot without a secret: no timestamp, no sign */
	assert_int_equal(build(&l, "night", "{\"text\":\"hi\"}", 0, &b), 1);
	assert_string_equal(b.call.url, BASE "n1ght");
	assert_field(&b, "sign", NULL, "absent");
	assert_field(&b, "timestamp", NULL, "absent");
	built_release(&b);
	clock_set_source(NULL);
	unload(&l);
}

/* ---- configuration ---- */

static void test_config(void **state)
{
	struct ratelimit_limits lim;
	json_error_t jerr;
	json_t *root; /* owned */
	struct loaded l;
	char *text;

	(void)state;
	robots(&l);
	assert_string_equal(A->staff_chat(&l.ch), "staff");
	assert_true(A->can_send(&l.ch));
	A->limits(&l.ch, &lim);
	/* 100 a minute and 5 a second, for each bot */
	assert_int_equal(lim.per_chat_per_min, 100);
	assert_int_equal(lim.per_chat_per_sec, 5);
	assert_int_equal(lim.global_per_min, 0);
	assert_int_equal(lim.global_per_sec, 0);
	assert_true(lim.slack_ms >= 0 && lim.slack_ms < 1000);
	unload(&l);

	assert_clean("{\"enabled\": true, \"robots\": [{\"webhook\": "
	             "\"https://open.larksuite.com/open-apis/bot/v2/hook/" HOOK_ID "\"}], "
	             "\"per_minute\": 100}");
	assert_problem("{\"enabled\": true, \"robots\": [{\"webhook\": \"" HOOK "\"}], "
	               "\"per_minute\": 101}",
	               ROBOT_PATH ".per_minute: must be between 1 and 100");
	assert_problem_hiding("{\"enabled\": true, \"robots\": [{\"webhook\": \"" HOOK "?x=1\"}]}",
	                      ROBOT_PATH ".robots[0].webhook: must not have a query", HOOK_ID);
	assert_problem_hiding("{\"enabled\": true, \"robots\": [{\"webhook\": "
	                      "\"https://open.feishu.cn/open-apis/bot/hook/" HOOK_ID "\"}]}",
	                      "/open-apis/bot/v2/hook/ID", HOOK_ID);
	assert_problem("{\"enabled\": true, \"robots\": [{\"webhook\": \"" BASE "\"}]}",
	               "/open-apis/bot/v2/hook/ID");
	assert_problem("{\"enabled\": true, \"robots\": [{\"webhook\": \"" HOOK "/x\"}]}",
	               "the hook ID after /hook/");
	assert_problem_hiding("{\"enabled\": true, \"robots\": [{\"webhook\": \"" HOOK_ID "\"}]}",
	                      "expected the bot's webhook URL", HOOK_ID);
	assert_problem("{\"enabled\": true}", ROBOT_PATH ".robots: missing");
	assert_problem("{\"enabled\": true, \"hook_id\": \"x\"}",
	               ROBOT_PATH ".hook_id: unknown key");

	/* the example configuration's entry */
	unsetenv("FEISHU_WEBHOOK");
	unsetenv("FEISHU_SECRET");
	root = json_load_file("config.example.json", 0, &jerr);
	if (!root)
		fail_msg("config.example.json: %s", jerr.text);
	text = json_dumps(json_object_get(json_object_get(root, "channels"), A->name), 0);
	assert_non_null(text);
	load(&l, text);
	if (l.ld.n)
		fail_msg("%s", problems(&l));
	assert_int_equal(l.enabled, 0);
	assert_false(A->can_send(&l.ch));
	unload(&l);
	free(text);
	json_decref(root);
}

/* ---- building calls ---- */

static void test_build_mentions(void **state)
{
	struct loaded l;
	struct built b;

	(void)state;
	robots(&l);
	assert_int_equal(build(&l, "staff",
	                       "{\"text\":\"工单 261127-001 已派给您。\",\"buttons\":["
	                       "{\"label\":\"开工\",\"data\":\"/start 261127-001\"}],"
	                       "\"mention\":[\"ou_7d8a6e6df7621556ce0d21922b676706\"],"
	                       "\"names\":{\"ou_7d8a6e6df7621556ce0d21922b676706\":\"王师傅\"}}",
	                       0, &b),
	                 1);
	assert_string_equal(text_of(&b),
	                    "<at user_id=\"ou_7d8a6e6df7621556ce0d21922b676706\">王师傅</at> "
	                    "工单 261127-001 已派给您。\n\n/start 261127-001");
	built_release(&b);
	/* everyone; a number is no Feishu user (and no name: the tag alone) */
	assert_int_equal(build(&l, "staff",
	                       "{\"text\":\"t\",\"mention\":[\"@all\",\"tel:13800138000\",\"u1\"]}",
	                       0, &b),
	                 1);
	assert_string_equal(text_of(&b),
	                    "<at user_id=\"all\">所有人</at> <at user_id=\"u1\"></at> t");
	assert_null(strstr(b.call.body, "13800138000"));
	built_release(&b);
	unload(&l);
}

static void test_build_no_smuggled_tags(void **state)
{
	struct loaded l;
	struct built b;

	(void)state;
	robots(&l);
	/* a resident's words cannot mention anyone, nor close the name of a mention */
	assert_int_equal(
	        build(&l, "staff",
	              "{\"text\":\"厨房漏水 <at user_id=\\\"all\\\">所有人</at> a<b 1 < 2 <\","
	              "\"mention\":[\"u1\"],\"names\":{\"u1\":\"</at><at user_id=\\\"all\\\">\"}}",
	              0, &b),
	        1);
	assert_string_equal(text_of(&b), "<at user_id=\"u1\">＜/at>＜at user_id=\"all\">"
	                                 "</at> "
	                                 "厨房漏水 ＜at user_id=\"all\">所有人＜/at> a＜b 1 < 2 <");
	built_release(&b);
	unload(&l);
}

static void test_build_split(void **state)
{
	char *text = repeat("漏水\"", 4000), *payload; /* 28000 bytes, 32000 as sent */
	struct loaded l;
	struct built b;
	int n, i;

	(void)state;
	robots(&l);
	payload = text_payload(text, "{\"mention\":[\"u1\"]}");
	n = build(&l, "staff", payload, 0, &b);
	assert_int_equal(n, 2);
	built_release(&b);
	for (i = 0; i < n; i++) {
		assert_int_equal(build(&l, "staff", payload, i, &b), n);
		/* each body within Feishu's 20 KB, cut between characters */
		assert_true(strlen(b.call.body) <= 20480);
		assert_true((strstr(text_of(&b), "<at user_id=\"u1\">") != NULL) == (i == 0));
		built_release(&b);
	}
	free(payload);
	free(text);
	unload(&l);
}

static void test_build_refused(void **state)
{
	struct loaded l;
	struct built b;

	(void)state;
	robots(&l);
	assert_int_equal(build(&l, "staff", "{\"mention\":[\"u1\"]}", 0, &b), -1);
	assert_int_equal(build(&l, "staff", "{\"text\":\"t\",\"mention\":[\"u\\\"1\"]}", 0, &b),
	                 -1);
	assert_int_equal(build(&l, "ou_123", "{\"text\":\"t\"}", 0, &b), -1);
	assert_int_equal(build(&l, "staff", "{\"text\":\"t\"}", 1, &b), -1);
	unload(&l);
}

/* ---- answers ---- */

static void test_classify(void **state)
{
	static const struct answer rows[] = {
	        {200,
	         "{\"code\":0,\"msg\":\"success\",\"data\":{},\"Extra\":null,\"StatusCode\":0,"
	         "\"StatusMessage\":\"success\"}",
	         0, NULL, ADAPTER_SENT, 0, NULL, NULL, "on"},
	        /* too fast: with HTTP 200 or 400, the sender backs off unless told */
	        {200, "{\"code\":11232,\"msg\":\"frequency limited psm[lark.oapi]appID[1]\"}", 0,
	         NULL, ADAPTER_RATE_LIMITED, 0,
	         "code 11232: frequency limited psm[lark.oapi]appID[1] "
	         "(robot staff)",
	         NULL, ""},
	        {400, "{\"code\":9499,\"msg\":\"too many request\",\"data\":{}}", 0, NULL,
	         ADAPTER_RATE_LIMITED, 0, NULL, NULL, ""},
	        {400, "{\"code\":9499,\"msg\":\"Too Many Request\",\"data\":{}}", 5, NULL,
	         ADAPTER_RATE_LIMITED, 5, NULL, NULL, NULL},
	        {429, "", 3, NULL, ADAPTER_RATE_LIMITED, 3, NULL, NULL, NULL},
	        /* 9499 "Bad Request" is the shape or the size of this message: dead */
	        {400, "{\"code\":9499,\"msg\":\"Bad Request\",\"data\":{}}", 0, NULL, ADAPTER_DEAD,
	         -1, "HTTP 400: Bad Request", NULL, ""},
	        {200, "{\"code\":19002,\"msg\":\"params error, msg_type need\"}", 0, NULL,
	         ADAPTER_DEAD, -1, NULL, NULL, NULL},
	        /* the bot's security settings or its address: hold the channel */
	        {200,
	         "{\"code\":19021,\"msg\":\"sign match fail or timestamp is not within one hour "
	         "from current time\"}",
	         0, NULL, ADAPTER_REFUSED, -1, NULL, NULL,
	         "error: 19021 sign match fail or timestamp is not within one hour from current "
	         "time (robot staff)"},
	        {200, "{\"code\":19022,\"msg\":\"Ip Not Allowed\"}", 0, NULL, ADAPTER_REFUSED, -1,
	         NULL, NULL, NULL},
	        {200, "{\"code\":19024,\"msg\":\"Key Words Not Found\"}", 0, NULL, ADAPTER_REFUSED,
	         -1, NULL, NULL, NULL},
	        {200,
	         "{\"code\":19001,\"msg\":\"param invalid: incoming webhook access token "
	         "invalid\"}",
	         0, NULL, ADAPTER_REFUSED, -1, NULL, NULL, NULL},
	        {200, "{\"code\":19001,\"msg\":\"param invalid: text is empty\"}", 0, NULL,
	         ADAPTER_DEAD, -1, NULL, NULL, NULL},
	        /* trouble on the way */
	        {500, "", 0, NULL, ADAPTER_RETRY, -1, "HTTP 500", NULL, NULL},
	        {0, NULL, 0, NULL, ADAPTER_RETRY, -1, "network: no answer", NULL, NULL},
	        {200, "{\"StatusCode\":0}", 0, NULL, ADAPTER_RETRY, -1, NULL, "no code", NULL},
	        {0, NULL, 0, "Failed to connect to " HOOK, ADAPTER_RETRY, -1, NULL, "hook/<key>",
	         NULL},
	};
	struct adapter_call call = {0};
	struct loaded l;
	struct built b;

	(void)state;
	robots(&l);
	assert_int_equal(build(&l, "staff", "{\"text\":\"t\"}", 0, &b), 1);
	call.url = b.call.url;
	check_answers(&l, &call, rows, sizeof(rows) / sizeof(rows[0]), hidden);
	built_release(&b);
	unload(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_table),
	        cmocka_unit_test(test_sign_vector),
	        cmocka_unit_test(test_config),
	        cmocka_unit_test(test_build_mentions),
	        cmocka_unit_test(test_build_no_smuggled_tags),
	        cmocka_unit_test(test_build_split),
	        cmocka_unit_test(test_build_refused),
	        cmocka_unit_test(test_classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
