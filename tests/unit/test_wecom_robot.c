/*
 * test_wecom_robot.c - the WeCom group robot channel (adapters/wecom_robot.c)
 * through its adapter table, as the host calls it: reading
 * channels.wecom_robot, outbox payloads into webhook calls (mentions, buttons
 * as commands, texts over 2048 bytes split at character boundaries) and the
 * platform's answers into verdicts. The sender itself is exercised against
 * tests/fake_wecom_robot.py by tests/scenario/test_wecom_robot.py.
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
#include "lib/config_read.h"
#include "lib/ratelimit.h"

extern const struct adapter adapter_wecom_robot;

#define A    (&adapter_wecom_robot)
#define PATH "channels.wecom_robot"
#define KEY  "693a91f6-7f0e-4bc4-97a0-0ec2a1fa5aaa"
#define BASE "http://127.0.0.1:9"
#define URL  BASE "/cgi-bin/webhook/send?key=" KEY

#include "fakehost.h"

/* ---- helpers ---- */

/* The enabled channel used by the body and answer tests. */
static void robot(struct loaded *l)
{
	load(l, "{\"enabled\": true, \"key\": \"" KEY "\", \"api_base\": \"" BASE "/\"}");
	assert_int_equal(l->ld.n, 0);
}

/* One built call: its parsed body and the number of parts. */
struct built {
	struct adapter_call call;
	json_t *body; /* owned */
	json_t *text; /* borrowed from BODY */
	int parts;
	char err[300];
};

static int build(const struct loaded *l, const char *chat, const char *payload, int part,
                 struct built *b)
{
	memset(b, 0, sizeof(*b));
	b->parts = A->build(&l->ch, 42, chat, payload, part, &b->call, b->err, sizeof(b->err));
	if (b->parts < 0) {
		assert_null(b->call.url);
		assert_null(b->call.body);
		assert_true(b->err[0] != '\0');
		assert_null(strstr(b->err, KEY));
		return -1;
	}
	assert_non_null(b->call.url);
	assert_non_null(b->call.body);
	b->body = json_loads(b->call.body, 0, NULL);
	assert_non_null(b->body);
	assert_string_equal(json_string_value(json_object_get(b->body, "msgtype")), "text");
	b->text = json_object_get(b->body, "text");
	assert_true(json_is_object(b->text));
	assert_true(json_is_string(json_object_get(b->text, "content")));
	return b->parts;
}

static void built_release(struct built *b)
{
	json_decref(b->body);
	adapter_call_release(&b->call);
}

static const char *content(const struct built *b)
{
	return json_string_value(json_object_get(b->text, "content"));
}

static size_t content_len(const struct built *b)
{
	return json_string_length(json_object_get(b->text, "content"));
}

/* The JSON text of list NAME in the body's text object, or "absent". */
static char *list(const struct built *b, const char *name)
{
	json_t *v = json_object_get(b->text, name); /* borrowed */

	return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("absent");
}

static void assert_list(const struct built *b, const char *name, const char *want)
{
	char *got = list(b, name);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* The verdict on an answer from the robot of L. */
static void classify(const struct loaded *l, long status, const char *resp, long retry_after,
                     const char *neterr, struct adapter_verdict *v)
{
	memset(v, 0x5a, sizeof(*v)); /* classify fills every field */
	A->classify(&l->ch, NULL, status, resp, resp ? strlen(resp) : 0, retry_after, neterr, v);
	assert_true(v->error[0] != '\0');
	assert_non_null(memchr(v->error, '\0', sizeof(v->error)));
	assert_non_null(memchr(v->state, '\0', sizeof(v->state)));
	assert_null(strstr(v->error, KEY));
	assert_null(strstr(v->state, KEY));
	assert_int_equal(v->scope, ADAPTER_SCOPE_CHANNEL);
}

/* ---- the table ---- */

static void test_table(void **state)
{
	(void)state;
	assert_string_equal(A->name, "wecom_robot");
	assert_int_equal(A->private_chats, 0);
	assert_int_equal(A->mention_phone, 1); /* mentioned_mobile_list */
	/* send only: no routes, no websocket, no polling, no set-up call */
	assert_null(A->routes[0].path);
	assert_null(A->ws.path);
	assert_null(A->polls);
	assert_null(A->poll_build);
	assert_null(A->setup_build);
	assert_null(A->staff_reachable);
	assert_null(A->command);
	assert_null(A->chatless);
	assert_non_null(A->config);
	assert_non_null(A->config_free);
	assert_non_null(A->build);
	assert_non_null(A->classify);
	assert_non_null(A->limits);
}

/* ---- configuration ---- */

static void test_config_good(void **state)
{
	struct ratelimit_limits lim;
	struct loaded l;
	struct built b;

	(void)state;
	load(&l, "{\"_comment\": \"staff group\", \"enabled\": true, \"key\": \"" KEY "\", "
	         "\"api_base\": \"" BASE "//\", \"per_minute\": 12}");
	assert_int_equal(l.ld.n, 0);
	assert_int_equal(l.enabled, 1);
	assert_string_equal(A->staff_chat(&l.ch), "group");
	assert_true(A->can_send(&l.ch));
	assert_string_equal(A->base_state(&l.ch), "on");
	memset(&lim, 0x5a, sizeof(lim));
	A->limits(&l.ch, &lim);
	assert_int_equal(lim.global_per_min, 12);
	assert_true(lim.margin_ms >= 0 && lim.margin_ms <= 5000);
	assert_int_equal(lim.per_chat_per_sec, 0);
	assert_int_equal(lim.per_group_per_min, 0);
	assert_int_equal(lim.global_per_sec, 0);
	/* the trailing slashes are gone: paths are appended */
	assert_int_equal(build(&l, "group", "{\"text\":\"hi\"}", 0, &b), 1);
	assert_string_equal(b.call.url, URL);
	built_release(&b);
	unload(&l);

	/* defaults: the platform's address and its 20 a minute */
	load(&l, "{\"enabled\": true, \"key\": \"" KEY "\"}");
	assert_int_equal(l.ld.n, 0);
	A->limits(&l.ch, &lim);
	assert_int_equal(lim.global_per_min, 20);
	assert_int_equal(build(&l, "group", "{\"text\":\"hi\"}", 0, &b), 1);
	assert_string_equal(b.call.url,
	                    "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" KEY);
	built_release(&b);
	unload(&l);

	/* the key from the environment */
	setenv("WR_TEST_KEY", "from-env-key", 1);
	load(&l, "{\"enabled\": true, \"key\": \"${WR_TEST_KEY}\", \"api_base\": \"" BASE "\"}");
	assert_int_equal(l.ld.n, 0);
	assert_int_equal(build(&l, "group", "{\"text\":\"hi\"}", 0, &b), 1);
	assert_string_equal(b.call.url, BASE "/cgi-bin/webhook/send?key=from-env-key");
	built_release(&b);
	unload(&l);
	unsetenv("WR_TEST_KEY");

	/* the bounds of per_minute */
	assert_clean("{\"enabled\": true, \"key\": \"k\", \"per_minute\": 1}");
	assert_clean("{\"enabled\": true, \"key\": \"k\", \"per_minute\": 20}");
	assert_clean("{\"enabled\": true, \"key\": \"k\", \"api_base\": \"https://example.org\"}");
}

static void test_config_absent_or_off(void **state)
{
	struct loaded l;

	(void)state;
	/* no channels.wecom_robot at all */
	load(&l, NULL);
	assert_int_equal(l.ld.n, 0);
	assert_int_equal(l.enabled, 0);
	assert_non_null(l.ch.conf);
	assert_null(A->staff_chat(&l.ch));
	assert_false(A->can_send(&l.ch));
	unload(&l);

	/* switched off, its variables unset: fine */
	unsetenv("WR_UNSET_VAR");
	load(&l, "{\"enabled\": false, \"key\": \"${WR_UNSET_VAR}\", "
	         "\"api_base\": \"${WR_UNSET_VAR}\", \"per_minute\": 20}");
	assert_int_equal(l.ld.n, 0);
	assert_int_equal(l.enabled, 0);
	assert_null(A->staff_chat(&l.ch));
	assert_false(A->can_send(&l.ch));
	unload(&l);

	/* the example configuration's entry */
	assert_clean("{\"enabled\": false, \"key\": \"${WECOM_ROBOT_KEY_SURELY_UNSET}\", "
	             "\"api_base\": \"https://qyapi.weixin.qq.com\", \"per_minute\": 20}");
	/* off is off: a key does not switch it on */
	load(&l, "{\"key\": \"" KEY "\"}");
	assert_int_equal(l.ld.n, 0);
	assert_int_equal(l.enabled, 0);
	assert_false(A->can_send(&l.ch));
	assert_null(A->staff_chat(&l.ch));
	unload(&l);

	/* switched off, but still wrong where it is written out */
	assert_problem("{\"enabled\": false, \"api_base\": \"ftp://x\"}", PATH ".api_base");
	assert_problem("{\"enabled\": false, \"per_minute\": 60}", PATH ".per_minute");
}

/* The entry in config.example.json (the tests run from the top of the tree). */
static void test_config_example(void **state)
{
	json_error_t jerr;
	json_t *root, *o; /* root owned, o borrowed */
	struct loaded l;
	void *conf = NULL;

	(void)state;
	unsetenv("WECOM_ROBOT_KEY");
	root = json_load_file("config.example.json", 0, &jerr);
	if (!root)
		fail_msg("config.example.json: %s", jerr.text);
	o = json_object_get(json_object_get(root, "channels"), A->name);
	assert_true(json_is_object(o));
	memset(&l, 0, sizeof(l));
	l.ld.file = "config.example.json";
	A->config(&l.ld, o, PATH, &l.enabled, &conf);
	l.ch.conf = conf;
	l.ch.enabled = l.enabled;
	if (l.ld.n)
		fail_msg("%s", problems(&l));
	assert_int_equal(l.enabled, 0);
	assert_false(A->can_send(&l.ch));
	unload(&l);
	json_decref(root);
}

static void test_config_missing_key(void **state)
{
	(void)state;
	assert_problem("{\"enabled\": true}",
	               "config.json: " PATH ".key: missing (required when enabled)");
	assert_problem("{\"enabled\": true, \"key\": null}", PATH ".key: missing");
	assert_problem("{\"enabled\": true, \"key\": \"\"}", PATH ".key: must not be empty");
	unsetenv("WR_UNSET_VAR");
	assert_problem("{\"enabled\": true, \"key\": \"${WR_UNSET_VAR}\"}",
	               PATH ".key: environment variable WR_UNSET_VAR is not set");
	assert_problem("{\"enabled\": true, \"key\": 12345}", PATH ".key: expected a string");
}

static void test_config_bad_key(void **state)
{
	static const char *const bad[] = {
	        "abc/def", "abc?def", "abc#def",   "abc&def",   "abc def",
	        "abc%2F",  "abc+def", "abc\\tdef", "abc\\ndef", " abc",
	};
	char cfg[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(cfg, sizeof(cfg), "{\"enabled\": true, \"key\": \"%s\"}", bad[i]);
		assert_problem(cfg, PATH ".key: must not contain");
		/* switched off, a key that is written out is still checked */
		snprintf(cfg, sizeof(cfg), "{\"enabled\": false, \"key\": \"%s\"}", bad[i]);
		assert_problem(cfg, PATH ".key: must not contain");
	}
	assert_clean("{\"enabled\": true, \"key\": \"" KEY "\"}");
	assert_clean("{\"enabled\": true, \"key\": \"A-Za-z0-9_.~\"}");
}

static void test_config_per_minute(void **state)
{
	(void)state;
	assert_problem("{\"enabled\": true, \"key\": \"k\", \"per_minute\": 0}",
	               PATH ".per_minute: must be between 1 and 20");
	assert_problem("{\"enabled\": true, \"key\": \"k\", \"per_minute\": 21}",
	               PATH ".per_minute: must be between 1 and 20");
	assert_problem("{\"enabled\": true, \"key\": \"k\", \"per_minute\": -3}",
	               PATH ".per_minute: must be between 1 and 20");
	assert_problem("{\"enabled\": true, \"key\": \"k\", \"per_minute\": \"20\"}",
	               PATH ".per_minute: expected an integer");
	assert_problem("{\"enabled\": true, \"key\": \"k\", \"per_minute\": 2.5}",
	               PATH ".per_minute: expected an integer");
}

static void test_config_unknown_and_types(void **state)
{
	struct loaded l;

	(void)state;
	assert_problem("{\"enabled\": false, \"token\": \"x\"}", PATH ".token: unknown key");
	assert_problem("{\"enabled\": true, \"key\": \"k\", \"staff_chat\": \"g\"}",
	               PATH ".staff_chat: unknown key");
	assert_problem("{\"enabled\": \"yes\"}", PATH ".enabled: expected true or false");
	assert_problem("[]", PATH ": expected an object");
	assert_problem("{\"enabled\": true, \"key\": \"k\", \"api_base\": \"qyapi.weixin.qq.com\"}",
	               PATH ".api_base: expected an http:// or https:// URL");
	assert_problem("{\"enabled\": true, \"key\": \"k\", \"api_base\": \"https://\"}",
	               PATH ".api_base");
	assert_problem("{\"enabled\": true, \"key\": \"k\", \"api_base\": \"https://x/?a=1\"}",
	               PATH ".api_base");
	/* every problem at once, not only the first */
	load(&l, "{\"enabled\": true, \"key\": \"a/b\", \"per_minute\": 99, \"bogus\": 1}");
	assert_int_equal(l.ld.n, 3);
	assert_non_null(strstr(problems(&l), PATH ".key"));
	assert_non_null(strstr(problems(&l), PATH ".per_minute"));
	assert_non_null(strstr(problems(&l), PATH ".bogus"));
	unload(&l);
}

/* ---- building calls ---- */

static void test_build_text(void **state)
{
	struct loaded l;
	struct built b;

	(void)state;
	robot(&l);
	assert_int_equal(build(&l, "group",
	                       "{\"text\":\"【新工单】261127-001\\n联系人：李伟 "
	                       "138****8000\"}",
	                       0, &b),
	                 1);
	assert_string_equal(b.call.url, URL);
	assert_null(b.call.ctype); /* application/json */
	assert_false(b.call.get);
	assert_string_equal(content(&b), "【新工单】261127-001\n联系人：李伟 138****8000");
	/* nobody to mention: no lists at all */
	assert_list(&b, "mentioned_list", "absent");
	assert_list(&b, "mentioned_mobile_list", "absent");
	assert_int_equal(json_object_size(b.body), 2);
	built_release(&b);
	/* blank lines around the text are dropped; an empty mention list is no list */
	assert_int_equal(
	        build(&l, "group", "{\"text\":\"\\n\\nhello\\n \\n\",\"mention\":[]}", 0, &b), 1);
	assert_string_equal(content(&b), "hello");
	assert_list(&b, "mentioned_list", "absent");
	built_release(&b);
	unload(&l);
}

static void test_build_mentions(void **state)
{
	struct loaded l;
	struct built b;

	(void)state;
	robot(&l);
	assert_int_equal(
	        build(&l, "group",
	              "{\"text\":\"工单 261127-001 已派给您。\",\"mention\":"
	              "[\"13800138000\",\"wangwei\",\"@all\",\"18912345678\",\"zhao.li\"]}",
	              0, &b),
	        1);
	assert_list(&b, "mentioned_mobile_list", "[\"13800138000\",\"18912345678\"]");
	assert_list(&b, "mentioned_list", "[\"wangwei\",\"@all\",\"zhao.li\"]");
	/* a mention is a field, never spliced into the text */
	assert_string_equal(content(&b), "工单 261127-001 已派给您。");
	built_release(&b);

	/* a mobile number only: no empty user list beside it */
	assert_int_equal(
	        build(&l, "group", "{\"text\":\"t\",\"mention\":[\"13800138000\"]}", 0, &b), 1);
	assert_list(&b, "mentioned_mobile_list", "[\"13800138000\"]");
	assert_list(&b, "mentioned_list", "absent");
	built_release(&b);

	/* a staff entry's phone comes as "tel:NUMBER" */
	assert_int_equal(build(&l, "group",
	                       "{\"text\":\"t\",\"mention\":[\"tel:13912345678\"],"
	                       "\"names\":{\"tel:13912345678\":\"王师傅\"}}",
	                       0, &b),
	                 1);
	assert_list(&b, "mentioned_mobile_list", "[\"13912345678\"]");
	assert_list(&b, "mentioned_list", "absent");
	assert_string_equal(content(&b), "t");
	built_release(&b);

	/* digits and more is a user ID */
	assert_int_equal(
	        build(&l, "group", "{\"text\":\"t\",\"mention\":[\"138-0013\",\"+86138\"]}", 0, &b),
	        1);
	assert_list(&b, "mentioned_list", "[\"138-0013\",\"+86138\"]");
	assert_list(&b, "mentioned_mobile_list", "absent");
	built_release(&b);
	unload(&l);
}

static void test_build_buttons(void **state)
{
	struct loaded l;
	struct built b;

	(void)state;
	robot(&l);
	/* each button becomes the command to type, on a line of its own */
	assert_int_equal(build(&l, "group",
	                       "{\"text\":\"工单 261127-001 已派给您。\",\"buttons\":["
	                       "{\"label\":\"开工\",\"data\":\"/start 261127-001\"},"
	                       "{\"label\":\"完工（无费用）\",\"data\":\"/done 261127-001\"}]}",
	                       0, &b),
	                 1);
	assert_string_equal(content(&b),
	                    "工单 261127-001 已派给您。\n\n/start 261127-001\n/done 261127-001");
	built_release(&b);

	/* the replies a dialog takes show by their labels, all of them, on one line - even
	   where the text names some ("1 到 5 分") - and after the commands */
	assert_int_equal(build(&l, "group",
	                       "{\"text\":\"请打分：1 到 5 分。\",\"buttons\":["
	                       "{\"label\":\"1\",\"data\":\"1\"},{\"label\":\"3\",\"data\":\"3\"},"
	                       "{\"label\":\"5\",\"data\":\"5\"},{\"data\":\"skip\"},"
	                       "{\"label\":\"x\",\"data\":\"\"},"
	                       "{\"label\":\"我的工单\",\"data\":\"/my\"}]}",
	                       0, &b),
	                 1);
	assert_string_equal(content(&b), "请打分：1 到 5 分。\n\n/my\n【1】【3】【5】【skip】");
	built_release(&b);
	assert_int_equal(build(&l, "group",
	                       "{\"text\":\"请核对\",\"buttons\":["
	                       "{\"label\":\"确认提交\",\"data\":\"yes\"},"
	                       "{\"label\":\"取消\",\"data\":\"cancel\"}]}",
	                       0, &b),
	                 1);
	assert_string_equal(content(&b), "请核对\n\n【确认提交】【取消】");
	built_release(&b);

	/* a command the text already spells out is not repeated (the dispatch ping) */
	assert_int_equal(
	        build(&l, "group",
	              "{\"text\":\"【新工单】261127-001\\n接单请回复 /accept 261127-001\","
	              "\"buttons\":[{\"label\":\"接单\",\"data\":\"/accept 261127-001\"}]}",
	              0, &b),
	        1);
	assert_string_equal(content(&b), "【新工单】261127-001\n接单请回复 /accept 261127-001");
	built_release(&b);

	/* ... but a longer command that merely starts the same way is no repeat */
	assert_int_equal(build(&l, "group",
	                       "{\"text\":\"请回复 /accept 261127-0012\",\"buttons\":["
	                       "{\"label\":\"接单\",\"data\":\"/accept 261127-001\"},"
	                       "{\"label\":\"again\",\"data\":\"/accept 261127-001\"},"
	                       "{\"label\":\"no data\"},{\"label\":\"empty\",\"data\":\"\"}]}",
	                       0, &b),
	                 1);
	assert_string_equal(content(&b), "请回复 /accept 261127-0012\n\n/accept 261127-001");
	built_release(&b);

	/* buttons only */
	assert_int_equal(
	        build(&l, "group",
	              "{\"text\":\"\",\"buttons\":[{\"label\":\"x\",\"data\":\"/orders\"}]}", 0,
	              &b),
	        1);
	assert_string_equal(content(&b), "/orders");
	built_release(&b);
	unload(&l);
}

/* Builds every part of TEXT (a JSON string literal body) and checks the parts. */
static int build_all(const struct loaded *l, const char *text, const char *mention, char *joined,
                     size_t cap)
{
	char payload[16384];
	struct built b;
	int n, i, parts = 0;
	size_t used = 0;

	snprintf(payload, sizeof(payload), "{\"text\":\"%s\"%s%s}", text,
	         mention ? ",\"mention\":" : "", mention ? mention : "");
	n = build(l, "group", payload, 0, &b);
	built_release(&b);
	assert_true(n >= 1);
	for (i = 0; i < n; i++) {
		parts = build(l, "group", payload, i, &b);
		assert_int_equal(parts, n);
		assert_in_range(content_len(&b), 1, 2048);
		/* mentions only with the first part */
		if (mention && i == 0) {
			assert_true(json_object_get(b.text, "mentioned_list") ||
			            json_object_get(b.text, "mentioned_mobile_list"));
		} else {
			assert_list(&b, "mentioned_list", "absent");
			assert_list(&b, "mentioned_mobile_list", "absent");
		}
		assert_true(used + content_len(&b) + 2 <= cap);
		if (i)
			joined[used++] = '|';
		memcpy(joined + used, content(&b), content_len(&b));
		used += content_len(&b);
		joined[used] = '\0';
		built_release(&b);
	}
	/* one more is no part */
	assert_int_equal(build(l, "group", payload, n, &b), -1);
	return n;
}

static void test_build_split_chinese(void **state)
{
	char text[6000], joined[6000], payload[6100];
	struct loaded l;
	struct built b;
	size_t i, len = 0;

	(void)state;
	robot(&l);
	/* 1666 three-byte characters and two ASCII ones: 5000 bytes, no line break */
	for (i = 0; i < 1666; i++) {
		memcpy(text + len, "水", 3);
		len += 3;
	}
	memcpy(text + len, "ab", 3);
	assert_int_equal(strlen(text), 5000);
	assert_int_equal(
	        build_all(&l, text, "[\"13800138000\",\"wangwei\"]", joined, sizeof(joined)), 3);
	/* cut at character boundaries (each part is valid UTF-8, or jansson would
	 * have refused it), nothing lost, nothing added */
	assert_int_equal(strlen(joined), 5000 + 2);
	snprintf(payload, sizeof(payload),
	         "{\"text\":\"%s\",\"mention\":[\"13800138000\",\"wangwei\"]}", text);
	assert_int_equal(build(&l, "group", payload, 0, &b), 3);
	assert_int_equal(content_len(&b), 682 * 3); /* as many whole characters as fit */
	assert_list(&b, "mentioned_mobile_list", "[\"13800138000\"]");
	assert_list(&b, "mentioned_list", "[\"wangwei\"]");
	assert_int_equal(memcmp(content(&b), text, 682 * 3), 0);
	built_release(&b);
	assert_int_equal(build(&l, "group", payload, 1, &b), 3);
	assert_int_equal(content_len(&b), 682 * 3);
	assert_int_equal(memcmp(content(&b), text + 682 * 3, 682 * 3), 0);
	built_release(&b);
	assert_int_equal(build(&l, "group", payload, 2, &b), 3);
	assert_int_equal(content_len(&b), 5000 - 2 * 682 * 3);
	assert_string_equal(content(&b), text + 2 * 682 * 3);
	built_release(&b);
	/* four-byte characters: 600 emoji are 2400 bytes */
	for (i = 0, len = 0; i < 600; i++) {
		memcpy(text + len, "\xF0\x9F\x98\x80", 4);
		len += 4;
	}
	text[len] = '\0';
	assert_int_equal(build_all(&l, text, NULL, joined, sizeof(joined)), 2);
	assert_int_equal(strlen(joined), 2400 + 1);
	assert_int_equal(strchr(joined, '|') - joined, 2048);
	/* exactly 2048 bytes is one part */
	text[2048] = '\0';
	assert_int_equal(build_all(&l, text, NULL, joined, sizeof(joined)), 1);
	unload(&l);
}

static void test_build_split_lines(void **state)
{
	char text[8000], joined[8000];
	struct loaded l;

	(void)state;
	robot(&l);
	/* a line break in the second half of a part is where it is cut, and dropped */
	memset(text, 'A', 1500);
	memcpy(text + 1500, "\\n", 2);
	memset(text + 1502, 'B', 1000);
	text[2502] = '\0';
	assert_int_equal(build_all(&l, text, "[\"@all\"]", joined, sizeof(joined)), 2);
	assert_int_equal(strlen(joined), 1500 + 1 + 1000);
	assert_int_equal(strchr(joined, '|') - joined, 1500);
	assert_null(strchr(joined, '\n'));

	/* one early in the part is not: the part is filled instead */
	memset(text, 'A', 100);
	memcpy(text + 100, "\\n", 2);
	memset(text + 102, 'B', 3000);
	text[3102] = '\0';
	assert_int_equal(build_all(&l, text, NULL, joined, sizeof(joined)), 2);
	assert_int_equal(strchr(joined, '|') - joined, 2048);

	/* a break right after a full part; several breaks go together */
	memset(text, 'A', 2048);
	memcpy(text + 2048, "\\n\\r\\n\\nB", 10);
	assert_int_equal(build_all(&l, text, NULL, joined, sizeof(joined)), 2);
	assert_int_equal(strlen(joined), 2048 + 2);
	assert_string_equal(joined + 2048, "|B");

	/* Windows line ends: the \r goes with its \n */
	memset(text, 'A', 1800);
	memcpy(text + 1800, "\\r\\nCCC", 8);
	memset(text + 1807, 'D', 500);
	text[2307] = '\0';
	assert_int_equal(build_all(&l, text, NULL, joined, sizeof(joined)), 2);
	assert_int_equal(strchr(joined, '|') - joined, 1800);
	assert_null(strchr(joined, '\r'));

	/* buttons go with the last part */
	{
		char payload[8100];
		struct built b;

		memset(text, 'A', 2040);
		text[2040] = '\0';
		snprintf(payload, sizeof(payload),
		         "{\"text\":\"%s\",\"buttons\":[{\"label\":\"s\",\"data\":\"/start 1\"}]}",
		         text);
		assert_int_equal(build(&l, "group", payload, 1, &b), 2);
		assert_string_equal(content(&b), "/start 1");
		built_release(&b);
	}
	unload(&l);
}

static void test_build_refused(void **state)
{
	static const char *const bad[] = {
	        "not json",
	        "[\"text\"]",
	        "{}",
	        "{\"text\":5}",
	        "{\"text\":\"  \\n\\n \"}",
	        "{\"text\":\"t\",\"mention\":\"13800138000\"}",
	        "{\"text\":\"t\",\"mention\":[13800138000]}",
	        "{\"text\":\"t\",\"mention\":[\"\"]}",
	        "{\"text\":\"t\",\"buttons\":{\"label\":\"x\",\"data\":\"y\"}}",
	};
	struct loaded l;
	struct built b;
	size_t i;

	(void)state;
	robot(&l);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (build(&l, "group", bad[i], 0, &b) != -1)
			fail_msg("built a call for %s", bad[i]);
	assert_int_equal(build(&l, "group", NULL, 0, &b), -1);
	/* the robot has one chat: anything else would be a private message posted to the group */
	assert_int_equal(build(&l, "13800138000", "{\"text\":\"电话 13800138000\"}", 0, &b), -1);
	assert_null(strstr(b.err, "13800138000"));
	assert_int_equal(build(&l, NULL, "{\"text\":\"t\"}", 0, &b), -1);
	assert_int_equal(build(&l, "group", "{\"text\":\"t\"}", -1, &b), -1);
	assert_int_equal(build(&l, "group", "{\"text\":\"t\"}", 1, &b), -1);
	unload(&l);

	/* a robot without a key builds nothing */
	load(&l, "{\"enabled\": false}");
	assert_int_equal(build(&l, "group", "{\"text\":\"t\"}", 0, &b), -1);
	unload(&l);
}

/* ---- answers ---- */

/* An answer of the platform and what it must mean; NULL or -1: not checked. */
struct answer {
	long status;
	const char *resp;
	long retry_after; /* the Retry-After header */
	const char *neterr;
	enum adapter_outcome outcome;
	int retry;             /* v.retry_after */
	const char *error;     /* v.error, exactly */
	const char *error_has; /* ... or a part of it */
	const char *state;     /* v.state, exactly ("" when kept) */
};

static void check_answers(const struct answer *rows, size_t n)
{
	struct adapter_verdict v;
	struct loaded l;
	size_t i;

	robot(&l);
	for (i = 0; i < n; i++) {
		const struct answer *r = &rows[i];

		classify(&l, r->status, r->resp, r->retry_after, r->neterr, &v);
		if (v.outcome != r->outcome)
			fail_msg("row %zu (HTTP %ld %s): outcome %d, want %d", i, r->status,
			         r->resp ? r->resp : "", (int)v.outcome, (int)r->outcome);
		if (r->retry >= 0 && v.retry_after != r->retry)
			fail_msg("row %zu: retry_after %d, want %d", i, v.retry_after, r->retry);
		if (r->error && strcmp(v.error, r->error) != 0)
			fail_msg("row %zu: error \"%s\", want \"%s\"", i, v.error, r->error);
		if (r->error_has && !strstr(v.error, r->error_has))
			fail_msg("row %zu: error \"%s\" without \"%s\"", i, v.error, r->error_has);
		if (r->state && strcmp(v.state, r->state) != 0)
			fail_msg("row %zu: state \"%s\", want \"%s\"", i, v.state, r->state);
	}
	unload(&l);
}

#define CHECK_ANSWERS(rows) check_answers((rows), sizeof(rows) / sizeof((rows)[0]))

static void test_classify_sent(void **state)
{
	static const struct answer rows[] = {
	        {200, "{\"errcode\":0,\"errmsg\":\"ok\"}", 0, NULL, ADAPTER_SENT, 0, NULL, NULL,
	         "on"},
	};

	(void)state;
	CHECK_ANSWERS(rows);
}

static void test_classify_rate_limited(void **state)
{
	static const struct answer rows[] = {
	        /* over 20 a minute: the whole robot waits a minute ... */
	        {200,
	         "{\"errcode\":45009,\"errmsg\":\"api freq out of limit, hint: [1764400000_12_ab], "
	         "from ip: 1.2.3.4, more info at https://open.work.weixin.qq.com/devtool/"
	         "query?e=45009\"}",
	         0, NULL, ADAPTER_RATE_LIMITED, 60, "errcode 45009: api freq out of limit", NULL,
	         ""},
	        /* ... or as long as it was told */
	        {200, "{\"errcode\":45009,\"errmsg\":\"api freq out of limit\"}", 7, NULL,
	         ADAPTER_RATE_LIMITED, 7, NULL, NULL, NULL},
	        {200, "{\"errcode\":45009}", 999999999L, NULL, ADAPTER_RATE_LIMITED, 86400,
	         "errcode 45009: no errmsg", NULL, NULL},
	        /* HTTP 429, from the platform or a proxy in front of it */
	        {429, "", 30, NULL, ADAPTER_RATE_LIMITED, 30, NULL, "429", NULL},
	        {429, "<html>slow down</html>", 0, NULL, ADAPTER_RATE_LIMITED, 60, NULL, NULL,
	         NULL},
	};

	(void)state;
	CHECK_ANSWERS(rows);
}

static void test_classify_retry(void **state)
{
	static const struct answer rows[] = {
	        {200, "{\"errcode\":-1,\"errmsg\":\"system busy\"}", 0, NULL, ADAPTER_RETRY, -1,
	         "errcode -1: system busy", NULL, ""},
	        {500, "", 0, NULL, ADAPTER_RETRY, -1, "HTTP 500", NULL, NULL},
	        {502, "<html>Bad Gateway</html>", 0, NULL, ADAPTER_RETRY, -1, NULL, NULL, NULL},
	        {503, "{\"errcode\":-1,\"errmsg\":\"system busy\"}", 0, NULL, ADAPTER_RETRY, -1,
	         "HTTP 503: system busy", NULL, NULL},
	        {408, NULL, 0, NULL, ADAPTER_RETRY, -1, NULL, NULL, NULL},
	        /* no answer at all */
	        {0, NULL, 0, "Operation timed out after 10001 milliseconds", ADAPTER_RETRY, -1,
	         "network: Operation timed out after 10001 milliseconds", NULL, NULL},
	        {0, NULL, 0, NULL, ADAPTER_RETRY, -1, "network: no answer", NULL, NULL},
	        /* a 200 that is not the platform's JSON: nobody said no */
	        {200, "<html>portal</html>", 0, NULL, ADAPTER_RETRY, -1, NULL, "not JSON", NULL},
	        {200, "", 0, NULL, ADAPTER_RETRY, -1, NULL, NULL, NULL},
	        {200, "{\"errcode\":0", 0, NULL, ADAPTER_RETRY, -1, NULL, NULL,
	         NULL}, /* cut short */
	        {200, "{\"ok\":true}", 0, NULL, ADAPTER_RETRY, -1, NULL, NULL, NULL},
	        {200, "{\"errcode\":\"0\"}", 0, NULL, ADAPTER_RETRY, -1, NULL, NULL, NULL},
	};

	(void)state;
	CHECK_ANSWERS(rows);
}

static void test_classify_refused(void **state)
{
	static const struct answer rows[] = {
	        {200,
	         "{\"errcode\":93000,\"errmsg\":\"invalid webhook url, hint: [1764400000_7_cd], "
	         "from ip: 1.2.3.4, more info at https://open.work.weixin.qq.com/devtool/"
	         "query?e=93000\"}",
	         0, NULL, ADAPTER_REFUSED, -1, "errcode 93000: invalid webhook url", NULL,
	         "error: 93000 invalid webhook url"},
	        {200, "{\"errcode\":93000,\"errmsg\":\"nope\"}", 0, NULL, ADAPTER_REFUSED, -1, NULL,
	         NULL, "error: 93000 nope"},
	        {200, "{\"errcode\":93004,\"errmsg\":\"nope\"}", 0, NULL, ADAPTER_REFUSED, -1, NULL,
	         NULL, "error: 93004 nope"},
	        {200, "{\"errcode\":93008,\"errmsg\":\"nope\"}", 0, NULL, ADAPTER_REFUSED, -1, NULL,
	         NULL, "error: 93008 nope"},
	        {200, "{\"errcode\":40014,\"errmsg\":\"nope\"}", 0, NULL, ADAPTER_REFUSED, -1, NULL,
	         NULL, "error: 40014 nope"},
	};

	(void)state;
	CHECK_ANSWERS(rows);
}

static void test_classify_dead(void **state)
{
	static const struct answer rows[] = {
	        {200, "{\"errcode\":40008,\"errmsg\":\"invalid message type\"}", 0, NULL,
	         ADAPTER_DEAD, -1, "errcode 40008: invalid message type", NULL, ""},
	        {200, "{\"errcode\":44004,\"errmsg\":\"empty content\"}", 0, NULL, ADAPTER_DEAD, -1,
	         NULL, NULL, NULL},
	        {200, "{\"errcode\":45002,\"errmsg\":\"content size out of limit\"}", 0, NULL,
	         ADAPTER_DEAD, -1, NULL, NULL, NULL},
	        {400, "bad request", 0, NULL, ADAPTER_DEAD, -1, "HTTP 400", NULL, NULL},
	        {404, "{\"errcode\":404,\"errmsg\":\"not found\"}", 0, NULL, ADAPTER_DEAD, -1,
	         "HTTP 404: not found", NULL, NULL},
	        {301, "", 0, NULL, ADAPTER_DEAD, -1, NULL, NULL, NULL},
	};

	(void)state;
	CHECK_ANSWERS(rows);
}

static void test_classify_never_shows_the_key(void **state)
{
	/* a network error or a platform message that quotes the URL back */
	static const struct answer rows[] = {
	        {0, NULL, 0, "Failed to connect to " URL ": Connection refused", ADAPTER_RETRY, -1,
	         NULL, "key=<key>", NULL},
	        {200, "{\"errcode\":93000,\"errmsg\":\"invalid webhook url " KEY "\"}", 0, NULL,
	         ADAPTER_REFUSED, -1, NULL, NULL, "error: 93000 invalid webhook url <key>"},
	        {200, "{\"errcode\":40008,\"errmsg\":\"" KEY KEY "\"}", 0, NULL, ADAPTER_DEAD, -1,
	         "errcode 40008: <key><key>", NULL, NULL},
	};

	(void)state;
	CHECK_ANSWERS(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_table),
	        cmocka_unit_test(test_config_good),
	        cmocka_unit_test(test_config_absent_or_off),
	        cmocka_unit_test(test_config_example),
	        cmocka_unit_test(test_config_missing_key),
	        cmocka_unit_test(test_config_bad_key),
	        cmocka_unit_test(test_config_per_minute),
	        cmocka_unit_test(test_config_unknown_and_types),
	        cmocka_unit_test(test_build_text),
	        cmocka_unit_test(test_build_mentions),
	        cmocka_unit_test(test_build_buttons),
	        cmocka_unit_test(test_build_split_chinese),
	        cmocka_unit_test(test_build_split_lines),
	        cmocka_unit_test(test_build_refused),
	        cmocka_unit_test(test_classify_sent),
	        cmocka_unit_test(test_classify_rate_limited),
	        cmocka_unit_test(test_classify_retry),
	        cmocka_unit_test(test_classify_refused),
	        cmocka_unit_test(test_classify_dead),
	        cmocka_unit_test(test_classify_never_shows_the_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
