/*
 * test_dingtalk.c - DingTalk custom robots (adapters/dingtalk.c with
 * adapters/robot.c) through the adapter table, as the host calls it: reading
 * channels.dingtalk, the signature against the vector in shared/channels.md,
 * outbox payloads into webhook calls (mentions by mobile number and user ID,
 * buttons as commands, long texts split at character boundaries within the
 * 20000-byte message), and DingTalk's answers into verdicts. The sender is
 * exercised against tests/fake_dingtalk.py by tests/scenario/test_dingtalk.py.
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

extern const struct adapter adapter_dingtalk;

#define ROBOT_ADAPTER adapter_dingtalk
#define ROBOT_PATH    "channels.dingtalk"
#define ROBOT_CTYPE   "application/json; charset=utf-8"
#include "robots.h"

#define TOKEN  "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d1a2b"
#define BASE   "http://127.0.0.1:9/robot/send?access_token="
#define HOOK   BASE TOKEN
#define SECRET "SECabc123"
/* shared/channels.md: secret SECabc123, timestamp 1700000000000 */
#define VECTOR_MS   1700000000000LL
#define VECTOR_SIGN "N5P09a4+p1AMJIJWnIvQd2Yxw9+fu/oEBnPrjCcsLXk="
#define VECTOR_URL  "N5P09a4%2Bp1AMJIJWnIvQd2Yxw9%2Bfu%2FoEBnPrjCcsLXk%3D"

static const char *const hidden[] = {TOKEN, SECRET, NULL};

/* The enabled channel used by the body and answer tests: robots "staff" and "night". */
static void robots(struct loaded *l)
{
	load(l, "{\"enabled\": true, \"robots\": ["
	        "{\"chat\": \"staff\", \"webhook\": \"" HOOK "\", \"secret\": \"" SECRET "\"},"
	        "{\"chat\": \"night\", \"webhook\": \"" BASE "n1ght\"}]}");
	if (l->ld.n)
		fail_msg("%s", problems(l));
}

static const char *content(const struct built *b)
{
	return json_string_value(json_object_get(json_object_get(b->body, "text"), "content"));
}

/* ---- the table ---- */

static void test_table(void **state)
{
	(void)state;
	assert_string_equal(A->name, "dingtalk");
	assert_int_equal(A->private_chats, 0);
	assert_int_equal(A->mention_phone, 1); /* atMobiles */
	/* send only: no routes, no websocket, no polling, no set-up call */
	assert_null(A->routes[0].path);
	assert_null(A->ws.path);
	assert_null(A->polls);
	assert_null(A->setup_build);
	assert_null(A->staff_reachable);
	assert_null(A->chatless);
	assert_non_null(A->staff_chat);
	assert_non_null(A->limits);
}

/* ---- the signature ---- */

static void test_sign_vector(void **state)
{
	char sign[ROBOT_SIGN_LEN];
	struct buf b = {0};
	struct loaded l;
	struct built c;

	(void)state;
	/* key = secret, message = timestamp "\n" secret */
	assert_int_equal(robot_sign(SECRET, strlen(SECRET), "1700000000000\n" SECRET,
	                            strlen("1700000000000\n" SECRET), sign),
	                 0);
	assert_string_equal(sign, VECTOR_SIGN);
	robot_query_value(&b, sign);
	assert_string_equal(buf_str(&b), VECTOR_URL);
	buf_release(&b);

	/* the call carries it: timestamp in milliseconds, sign urlencoded */
	robots(&l);
	clock_at_ms(VECTOR_MS);
	assert_int_equal(build(&l, "staff", "{\"text\":\"hi\"}", 0, &c), 1);
	assert_string_equal(c.call.url, HOOK "&timestamp=1700000000000&sign=" VECTOR_URL);
	built_release(&c);
	/* each call is signed when it is built: a retry an hour later is signed afresh */
	clock_at_ms(VECTOR_MS + 3600 * 1000);
	assert_int_equal(build(&l, "staff", "{\"text\":\"hi\"}", 0, &c), 1);
	assert_non_null(strstr(c.call.url, "&timestamp=1700003600000&sign="));
	assert_null(strstr(c.call.url, VECTOR_URL));
	built_release(&c);
	/* a robot without a secret is not signed (it checks keywords or addresses instead) */
	assert_int_equal(build(&l, "night", "{\"text\":\"hi\"}", 0, &c), 1);
	assert_string_equal(c.call.url, BASE "n1ght");
	built_release(&c);
	clock_set_source(NULL);
	unload(&l);
}

/* ---- configuration ---- */

static void test_config_good(void **state)
{
	struct ratelimit_limits lim;
	json_t *h = json_object(); /* owned */
	struct loaded l;

	(void)state;
	robots(&l);
	assert_int_equal(l.enabled, 1);
	assert_string_equal(A->staff_chat(&l.ch), "staff"); /* the first robot */
	assert_true(A->can_send(&l.ch));
	assert_string_equal(A->base_state(&l.ch), "on");
	memset(&lim, 0x5a, sizeof(lim));
	A->limits(&l.ch, &lim);
	/* 20 a minute for each robot (chat), whatever the others post */
	assert_int_equal(lim.per_chat_per_min, 20);
	assert_int_equal(lim.global_per_min, 0);
	assert_int_equal(lim.per_chat_per_sec, 0);
	assert_int_equal(lim.per_group_per_min, 0);
	assert_int_equal(lim.global_per_sec, 0);
	assert_true(lim.slack_ms >= 0 && lim.slack_ms <= 5000);
	/* /healthz names the robots, never their URLs */
	A->health(&l.ch, h);
	assert_string_equal(json_string_value(json_array_get(json_object_get(h, "robots"), 1)),
	                    "night");
	json_decref(h);
	unload(&l);

	/* one robot needs no name; a slower pace may be asked for */
	load(&l, "{\"enabled\": true, \"robots\": [{\"webhook\": \"" HOOK "\"}], "
	         "\"per_minute\": 12, \"_comment\": \"x\"}");
	assert_int_equal(l.ld.n, 0);
	assert_string_equal(A->staff_chat(&l.ch), "group");
	A->limits(&l.ch, &lim);
	assert_int_equal(lim.per_chat_per_min, 12);
	unload(&l);

	/* from the environment, and the platform's own URL with more in its query */
	setenv("DT_TEST_HOOK", "https://oapi.dingtalk.com/robot/send?access_token=" TOKEN, 1);
	setenv("DT_TEST_SECRET", SECRET, 1);
	assert_clean("{\"enabled\": true, \"robots\": [{\"chat\": \"staff\", \"webhook\": "
	             "\"${DT_TEST_HOOK}\", \"secret\": \"${DT_TEST_SECRET}\"}]}");
	assert_clean("{\"enabled\": true, \"robots\": [{\"webhook\": "
	             "\"https://oapi.dingtalk.com/robot/send?x=1&access_token=t\"}]}");
	unsetenv("DT_TEST_HOOK");
	unsetenv("DT_TEST_SECRET");
	assert_clean("{\"enabled\": true, \"robots\": [{\"webhook\": \"" HOOK "\"}], "
	             "\"per_minute\": 1}");
}

static void test_config_absent_or_off(void **state)
{
	json_error_t jerr;
	json_t *root; /* owned */
	struct loaded l;
	char *text;

	(void)state;
	load(&l, NULL);
	assert_int_equal(l.ld.n, 0);
	assert_int_equal(l.enabled, 0);
	assert_null(A->staff_chat(&l.ch));
	assert_false(A->can_send(&l.ch));
	unload(&l);
	/* switched off, its variables unset: fine */
	unsetenv("DT_UNSET_VAR");
	load(&l, "{\"enabled\": false, \"robots\": [{\"chat\": \"staff\", \"webhook\": "
	         "\"${DT_UNSET_VAR}\", \"secret\": \"${DT_UNSET_VAR}\"}]}");
	assert_int_equal(l.ld.n, 0);
	assert_false(A->can_send(&l.ch));
	assert_null(A->staff_chat(&l.ch));
	unload(&l);
	/* off is off: a robot does not switch it on */
	load(&l, "{\"robots\": [{\"webhook\": \"" HOOK "\"}]}");
	assert_int_equal(l.ld.n, 0);
	assert_false(A->can_send(&l.ch));
	unload(&l);
	/* switched off, but still wrong where it is written out */
	assert_problem("{\"enabled\": false, \"robots\": [{\"webhook\": \"ftp://x\"}]}",
	               ROBOT_PATH ".robots[0].webhook");
	assert_problem("{\"enabled\": false, \"per_minute\": 60}", ROBOT_PATH ".per_minute");

	/* the example configuration's entry */
	unsetenv("DINGTALK_WEBHOOK");
	unsetenv("DINGTALK_SECRET");
	root = json_load_file("config.example.json", 0, &jerr);
	if (!root)
		fail_msg("config.example.json: %s", jerr.text);
	text = json_dumps(json_object_get(json_object_get(root, "channels"), A->name), 0);
	assert_non_null(text);
	load(&l, text);
	if (l.ld.n)
		fail_msg("%s", problems(&l));
	assert_int_equal(l.enabled, 0);
	unload(&l);
	free(text);
	json_decref(root);
}

static void test_config_bad(void **state)
{
	struct loaded l;

	(void)state;
	assert_problem("{\"enabled\": true}", ROBOT_PATH ".robots: missing");
	assert_problem("{\"enabled\": true, \"robots\": []}", ROBOT_PATH ".robots: missing");
	assert_problem("{\"enabled\": true, \"robots\": [{\"chat\": \"staff\"}]}",
	               ROBOT_PATH ".robots[0].webhook: missing");
	assert_problem("{\"enabled\": true, \"robots\": {\"webhook\": \"" HOOK "\"}}",
	               ROBOT_PATH ".robots");
	unsetenv("DT_UNSET_VAR");
	assert_problem("{\"enabled\": true, \"robots\": [{\"webhook\": \"${DT_UNSET_VAR}\"}]}",
	               "environment variable DT_UNSET_VAR is not set");
	/* webhooks that are not a robot's: each problem says why, never quoting the token */
	assert_problem_hiding("{\"enabled\": true, \"robots\": [{\"webhook\": \"" TOKEN "\"}]}",
	                      ROBOT_PATH ".robots[0].webhook: expected the robot's webhook URL",
	                      TOKEN);
	assert_problem_hiding("{\"enabled\": true, \"robots\": [{\"webhook\": "
	                      "\"https://oapi.dingtalk.com/robot/send?token=" TOKEN "\"}]}",
	                      "has no access_token", TOKEN);
	assert_problem_hiding("{\"enabled\": true, \"robots\": [{\"webhook\": "
	                      "\"https://oapi.dingtalk.com/send?access_token=" TOKEN "\"}]}",
	                      "/robot/send?access_token=", TOKEN);
	assert_problem_hiding("{\"enabled\": true, \"robots\": [{\"webhook\": \"" HOOK
	                      "&timestamp=1&sign=x\"}]}",
	                      "each call adds its own", TOKEN);
	assert_problem("{\"enabled\": true, \"robots\": [{\"webhook\": \"" HOOK " \"}]}",
	               "must not contain spaces");
	assert_problem("{\"enabled\": true, \"robots\": [{\"webhook\": \"" HOOK "#x\"}]}",
	               "must not contain spaces or '#'");
	assert_problem("{\"enabled\": true, \"robots\": [{\"webhook\": \"" BASE "\"}]}",
	               "has no access_token");
	/* chats: plain names, one robot each */
	assert_problem("{\"enabled\": true, \"robots\": [{\"chat\": \"a b\", \"webhook\": \"" HOOK
	               "\"}]}",
	               ROBOT_PATH ".robots[0].chat: 1-64 characters");
	assert_problem("{\"enabled\": true, \"robots\": [{\"webhook\": \"" HOOK "\"}, "
	               "{\"webhook\": \"" BASE "x\"}]}",
	               ROBOT_PATH ".robots[1].chat: \"group\" already used by robots[0]");
	assert_problem("{\"enabled\": true, \"robots\": [{\"webhook\": \"" HOOK "\", \"secret\": "
	               "\"SEC abc\"}]}",
	               ROBOT_PATH ".robots[0].secret: must not contain spaces");
	assert_problem("{\"enabled\": true, \"robots\": [{\"webhook\": \"" HOOK "\", \"key\": 1}]}",
	               ROBOT_PATH ".robots[0].key: unknown key");
	assert_problem("{\"enabled\": true, \"robots\": [{\"webhook\": \"" HOOK "\"}], "
	               "\"per_minute\": 21}",
	               ROBOT_PATH ".per_minute: must be between 1 and 20");
	assert_problem("{\"enabled\": true, \"access_token\": \"x\"}",
	               ROBOT_PATH ".access_token: unknown key");
	assert_problem("[]", ROBOT_PATH ": expected an object");
	/* every problem at once */
	load(&l, "{\"enabled\": true, \"robots\": [{\"webhook\": \"x\"}], \"per_minute\": 0, "
	         "\"bogus\": 1}");
	assert_int_equal(l.ld.n, 3);
	unload(&l);
}

/* ---- building calls ---- */

static void test_build_text(void **state)
{
	struct loaded l;
	struct built b;

	(void)state;
	robots(&l);
	assert_int_equal(
	        build(&l, "staff",
	              "{\"text\":\"\\n【新工单】261127-001\\n联系人：李伟 138****8000\\n\","
	              "\"buttons\":[{\"label\":\"接单\",\"data\":\"/accept 261127-001\"}]}",
	              0, &b),
	        1);
	assert_field(&b, "msgtype", NULL, "\"text\"");
	/* no buttons on a robot: the command to type, on a line of its own */
	assert_string_equal(content(&b),
	                    "【新工单】261127-001\n联系人：李伟 138****8000\n\n/accept 261127-001");
	assert_field(&b, "at", NULL, "absent"); /* nobody to mention */
	assert_int_equal(json_object_size(b.body), 2);
	assert_non_null(strstr(b.call.url, HOOK "&timestamp="));
	built_release(&b);
	/* the other robot is the other group's */
	assert_int_equal(build(&l, "night", "{\"text\":\"t\"}", 0, &b), 1);
	assert_string_equal(b.call.url, BASE "n1ght");
	built_release(&b);
	unload(&l);
}

static void test_build_mentions(void **state)
{
	struct loaded l;
	struct built b;

	(void)state;
	robots(&l);
	/* the phone of a staff entry, a mobile identity, a user ID; "@WHO" where DingTalk shows it
	 */
	assert_int_equal(build(&l, "staff",
	                       "{\"text\":\"工单 261127-001 已派给您。\",\"mention\":"
	                       "[\"tel:13800138000\",\"18912345678\",\"manager4220\","
	                       "\"01234567890123\",\"+85298765432\"],"
	                       "\"names\":{\"tel:13800138000\":\"王师傅\"}}",
	                       0, &b),
	                 1);
	assert_field(&b, "at", "atMobiles", "[\"13800138000\",\"18912345678\",\"+85298765432\"]");
	assert_field(&b, "at", "atUserIds", "[\"manager4220\",\"01234567890123\"]");
	assert_field(&b, "at", "isAtAll", "absent");
	assert_string_equal(content(&b), "@13800138000 @18912345678 @manager4220 @01234567890123 "
	                                 "@+85298765432 工单 261127-001 已派给您。");
	built_release(&b);
	/* everyone */
	assert_int_equal(build(&l, "staff", "{\"text\":\"t\",\"mention\":[\"@all\"]}", 0, &b), 1);
	assert_field(&b, "at", NULL, "{\"isAtAll\":true}");
	assert_string_equal(content(&b), "t");
	built_release(&b);
	unload(&l);
}

static void test_build_split(void **state)
{
	char *text = repeat("水", 9000), *payload, *joined; /* 27000 bytes */
	struct loaded l;
	struct built b;
	size_t used = 0, len;
	int n, i;

	(void)state;
	robots(&l);
	payload = text_payload(text, "{\"mention\":[\"tel:13800138000\"]}");
	n = build(&l, "staff", payload, 0, &b);
	assert_int_equal(n, 2);
	built_release(&b);
	joined = malloc(strlen(text) + 1);
	assert_non_null(joined);
	for (i = 0; i < n; i++) {
		assert_int_equal(build(&l, "staff", payload, i, &b), n);
		/* each message within DingTalk's 20000 bytes, cut between characters */
		assert_true(strlen(b.call.body) <= 20000);
		len = strlen(content(&b));
		if (i == 0) {
			assert_int_equal(strncmp(content(&b), "@13800138000 ", 13), 0);
			assert_non_null(json_object_get(b.body, "at"));
			len -= 13;
			memcpy(joined + used, content(&b) + 13, len);
		} else {
			/* one ping per message: the mention goes with the first part */
			assert_field(&b, "at", NULL, "absent");
			memcpy(joined + used, content(&b), len);
		}
		assert_int_equal(len % 3, 0);
		used += len;
		built_release(&b);
	}
	joined[used] = '\0';
	assert_string_equal(joined, text); /* nothing lost, nothing added */
	assert_int_equal(build(&l, "staff", payload, n, &b), -1);
	free(payload);
	free(joined);
	free(text);

	/* measured as sent: quotes and line breaks take their escapes */
	text = repeat("\"\n", 6000);
	payload = text_payload(text, NULL);
	n = build(&l, "staff", payload, 0, &b);
	assert_true(n >= 2);
	assert_true(strlen(b.call.body) <= 20000);
	built_release(&b);
	free(payload);
	free(text);
	unload(&l);
}

static void test_build_refused(void **state)
{
	static const char *const bad[] = {
	        "not json",
	        "{}",
	        "{\"text\":5}",
	        "{\"text\":\" \\n \"}",
	        "{\"text\":\"t\",\"mention\":\"13800138000\"}",
	        "{\"text\":\"t\",\"mention\":[13800138000]}",
	        "{\"text\":\"t\",\"mention\":[\"\"]}",
	        "{\"text\":\"t\",\"mention\":[\"tel:\"]}",
	        "{\"text\":\"t\",\"mention\":[\"a\\\"b\"]}",
	        "{\"text\":\"t\",\"mention\":[\"a b\"]}",
	        "{\"text\":\"t\",\"mention\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\","
	        "\"9\","
	        "\"10\",\"11\"]}",
	        "{\"text\":\"t\",\"buttons\":{}}",
	};
	struct loaded l;
	struct built b;
	size_t i;

	(void)state;
	robots(&l);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (build(&l, "staff", bad[i], 0, &b) != -1)
			fail_msg("built a call for %s", bad[i]);
	/* no robot of that chat: a private message must not land in a group */
	assert_int_equal(build(&l, "13800138000", "{\"text\":\"t\"}", 0, &b), -1);
	assert_null(strstr(b.err, "13800138000"));
	assert_int_equal(build(&l, NULL, "{\"text\":\"t\"}", 0, &b), -1);
	assert_int_equal(build(&l, "staff", "{\"text\":\"t\"}", 1, &b), -1);
	assert_int_equal(build(&l, "staff", "{\"text\":\"t\"}", -1, &b), -1);
	unload(&l);
	/* switched off, no robot: nothing */
	load(&l, "{\"enabled\": false}");
	assert_int_equal(build(&l, "group", "{\"text\":\"t\"}", 0, &b), -1);
	unload(&l);
}

/* ---- answers ---- */

static void test_classify(void **state)
{
	static const struct answer rows[] = {
	        {200, "{\"errcode\":0,\"errmsg\":\"ok\"}", 0, NULL, ADAPTER_SENT, 0, NULL, NULL,
	         "on"},
	        /* over 20 a minute: DingTalk refuses the robot for 10 minutes */
	        {200,
	         "{\"errcode\":130101,\"errmsg\":\"send too fast, exceed 20 times per minute\"}", 0,
	         NULL, ADAPTER_RATE_LIMITED, 600,
	         "errcode 130101: send too fast, exceed 20 times per minute (robot staff)", NULL,
	         ""},
	        {200, "{\"errcode\":410100,\"errmsg\":\"too fast\"}", 0, NULL, ADAPTER_RATE_LIMITED,
	         600, NULL, NULL, ""},
	        {200, "{\"errcode\":130101}", 30, NULL, ADAPTER_RATE_LIMITED, 30, NULL, NULL, NULL},
	        {429, "", 0, NULL, ADAPTER_RATE_LIMITED, 60, NULL, "429", NULL},
	        /* the security settings said no: hold the channel, keep the messages */
	        {200,
	         "{\"errcode\":310000,\"errmsg\":\"sign not match, more: [https://ding-doc]\"}", 0,
	         NULL, ADAPTER_REFUSED, -1, NULL, NULL,
	         "error: 310000 sign not match, more: [https://ding-doc] (robot staff)"},
	        {200, "{\"errcode\":310000,\"errmsg\":\"keywords not in content\"}", 0, NULL,
	         ADAPTER_REFUSED, -1, NULL, NULL, NULL},
	        {200, "{\"errcode\":310000,\"errmsg\":\"invalid timestamp\"}", 0, NULL,
	         ADAPTER_REFUSED, -1, NULL, NULL, NULL},
	        {200, "{\"errcode\":300001,\"errmsg\":\"token is not exist\"}", 0, NULL,
	         ADAPTER_REFUSED, -1, NULL, NULL, "error: 300001 token is not exist (robot staff)"},
	        {200, "{\"errcode\":400102,\"errmsg\":\"robot stopped\"}", 0, NULL, ADAPTER_REFUSED,
	         -1, NULL, NULL, NULL},
	        /* trouble on the way: again later */
	        {200, "{\"errcode\":-1,\"errmsg\":\"系统繁忙\"}", 0, NULL, ADAPTER_RETRY, -1, NULL,
	         NULL, ""},
	        {502, "<html>bad gateway</html>", 0, NULL, ADAPTER_RETRY, -1, "HTTP 502", NULL,
	         NULL},
	        {0, NULL, 0, "Operation timed out after 30000 milliseconds", ADAPTER_RETRY, -1,
	         "network: Operation timed out after 30000 milliseconds", NULL, NULL},
	        {200, "<html>portal</html>", 0, NULL, ADAPTER_RETRY, -1, NULL, "not JSON", NULL},
	        {200, "{\"ok\":true}", 0, NULL, ADAPTER_RETRY, -1, NULL, "no errcode", NULL},
	        /* this message is refused, the next may not be */
	        {200, "{\"errcode\":460101,\"errmsg\":\"message too long, exceed 20000 bytes\"}", 0,
	         NULL, ADAPTER_DEAD, -1, NULL, NULL, ""},
	        {200, "{\"errcode\":40035,\"errmsg\":\"缺少参数 json\"}", 0, NULL, ADAPTER_DEAD, -1,
	         NULL, NULL, NULL},
	        {404, "", 0, NULL, ADAPTER_DEAD, -1, "HTTP 404", NULL, NULL},
	        /* the URL (with its token) or the secret quoted back */
	        {0, NULL, 0, "Could not connect to " HOOK, ADAPTER_RETRY, -1, NULL,
	         "access_token=<key>", NULL},
	        {200, "{\"errcode\":310000,\"errmsg\":\"sign not match " SECRET " " TOKEN "\"}", 0,
	         NULL, ADAPTER_REFUSED, -1, NULL, NULL,
	         "error: 310000 sign not match <key> <key> (robot staff)"},
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
	        cmocka_unit_test(test_table),          cmocka_unit_test(test_sign_vector),
	        cmocka_unit_test(test_config_good),    cmocka_unit_test(test_config_absent_or_off),
	        cmocka_unit_test(test_config_bad),     cmocka_unit_test(test_build_text),
	        cmocka_unit_test(test_build_mentions), cmocka_unit_test(test_build_split),
	        cmocka_unit_test(test_build_refused),  cmocka_unit_test(test_classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
