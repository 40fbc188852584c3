/*
 * test_onebot.c - the QQ channel (adapters/qq.c) and its OneBot v11 half
 * (adapters/onebot.c): channels.qq, CQ codes and their escapes, events from
 * fixture files (tests/fixtures/onebot/), outbox payloads into segments and
 * action calls, the HTTP POST signature, access tokens, and every answer an
 * implementation gives into a verdict; a forward link against a host that
 * records what it is asked (heartbeats into a silence limit, actions and
 * their answers). The websockets, the relay and the sender are exercised
 * against tests/fake_onebot.py by tests/scenario/test_onebot.py.
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
#include "adapters/onebot.h"
#include "lib/config_read.h"

extern const struct adapter adapter_qq;

#define A    (&adapter_qq)
#define PATH "channels.qq"
#define FIX  "tests/fixtures/onebot/"
#define SELF "10001000"

#include "fakehost.h"

/* ---- helpers ---- */

static const struct ob_conf *conf(const struct loaded *l)
{
	return l->ch.conf;
}

/* Every problem recorded names one of WANT (each found at least once), and there are N. */
static void expect_problems(const struct loaded *l, const char *const *want, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!l->ld.buf || !strstr(l->ld.buf, want[i]))
			fail_msg("no problem \"%s\" in:\n%s", want[i], l->ld.buf ? l->ld.buf : "");
	if (l->ld.n != n)
		fail_msg("%d problems, expected %d:\n%s", l->ld.n, n, l->ld.buf ? l->ld.buf : "");
}

static void parse_fixture(const char *name, struct ob_event *ev)
{
	char path[256], err[128] = "";
	size_t len;
	char *json;

	snprintf(path, sizeof(path), FIX "%s", name);
	json = slurp_path(path, &len);
	if (ob_parse_event(json, len, ev, err, sizeof(err)) < 0)
		fail_msg("%s: %s", name, err);
	free(json);
}

#define GOOD                                                                                       \
	"{\"enabled\":true,\"access_token\":\"tok-123456\",\"secret\":\"onebot-secret\","          \
	"\"bots\":[{\"self_id\":10001000},{\"self_id\":\"10001001\","                              \
	"\"api_url\":\"http://127.0.0.1:5700/\"}],"                                                \
	"\"staff_group\":900900,\"resident_groups\":[123456789,\"223456789\"]}"

/* ---- configuration ---- */

static void test_config_good(void **state)
{
	struct loaded l;

	(void)state;
	load(&l, GOOD);
	expect_problems(&l, NULL, 0);
	assert_true(l.enabled);
	assert_string_equal(conf(&l)->access_token, "tok-123456");
	assert_string_equal(conf(&l)->secret, "onebot-secret");
	assert_int_equal(conf(&l)->nbots, 2);
	assert_string_equal(conf(&l)->bots[0].self_id, SELF);
	assert_null(conf(&l)->bots[0].api_url);
	assert_string_equal(conf(&l)->bots[1].self_id, "10001001");
	assert_string_equal(conf(&l)->bots[1].api_url, "http://127.0.0.1:5700");
	assert_string_equal(A->staff_chat(&l.ch), "group:900900");
	assert_int_equal(conf(&l)->ngroups, 2);
	assert_string_equal(conf(&l)->groups[1], "group:223456789");
	assert_true(ob_group_served(conf(&l), "group:123456789"));
	assert_true(ob_group_served(conf(&l), "group:900900"));
	assert_false(ob_group_served(conf(&l), "group:555"));
	/* the defaults */
	assert_true(conf(&l)->addressed_only);
	assert_int_equal(conf(&l)->action_timeout, 10);
	assert_int_equal(conf(&l)->per_chat_per_sec, 1);
	assert_int_equal(conf(&l)->per_chat_per_min, 20);
	assert_true(A->can_send(&l.ch));
	unload(&l);

	/* No resident groups listed: every group is served. */
	load(&l, "{\"enabled\":true,\"access_token\":\"tok-123456\",\"bots\":[{\"self_id\":1}],"
	         "\"addressed_only\":false}");
	expect_problems(&l, NULL, 0);
	assert_true(ob_group_served(conf(&l), "group:555"));
	assert_null(A->staff_chat(&l.ch));
	assert_false(conf(&l)->addressed_only);
	unload(&l);
}

static void test_config_problems(void **state)
{
	static const char *const want[] = {
	        "config.json: channels.qq.access_token: too short to guard the websocket",
	        "channels.qq.bots[0].self_id: expected a QQ number",
	        "channels.qq.bots[1].api_url: expected an http:// or https:// URL",
	        "channels.qq.bots[3].self_id: the bot 42 is listed twice",
	        "channels.qq.bots[1].self_id: missing (the bot's QQ number)",
	        "channels.qq.staff_group: expected a QQ group number",
	        "channels.qq.resident_groups[1]: expected a QQ group number",
	        "channels.qq.action_timeout: must be between 1 and 120",
	        "channels.qq.rate_limits.per_second: unknown key",
	        "channels.qq.colour: unknown key",
	};
	struct loaded l;

	(void)state;
	load(&l, "{\"enabled\":true,\"access_token\":\"short\",\"colour\":1,"
	         "\"bots\":[{\"self_id\":\"abc\"},{\"api_url\":\"ftp://x\"},{\"self_id\":42},"
	         "{\"self_id\":\"42\"}],"
	         "\"staff_group\":\"-5\",\"resident_groups\":[1,\"x\"],\"action_timeout\":0,"
	         "\"rate_limits\":{\"per_second\":3}}");
	expect_problems(&l, want, sizeof(want) / sizeof(want[0]));
	unload(&l);

	/* Switched on, the token and a bot are needed. */
	load(&l, "{\"enabled\":true}");
	{
		static const char *const need[] = {
		        "channels.qq.access_token: missing (required when enabled)",
		        "channels.qq.bots: missing (at least one bot (its self_id) is needed)",
		};
		expect_problems(&l, need, 2);
	}
	unload(&l);

	/* Switched off: unset variables and no bots are fine, and nothing is sent. */
	unsetenv("TEST_QQ_UNSET");
	load(&l, "{\"enabled\":false,\"access_token\":\"${TEST_QQ_UNSET}\","
	         "\"secret\":\"${TEST_QQ_UNSET}\"}");
	expect_problems(&l, NULL, 0);
	assert_false(A->can_send(&l.ch));
	unload(&l);
	load(&l, NULL);
	expect_problems(&l, NULL, 0);
	assert_false(l.enabled);
	unload(&l);
}

/* ---- the forward websocket ---- */

#define FORWARD(bots) "{\"enabled\":true,\"access_token\":\"tok-123456\",\"bots\":[" bots "]}"

static void test_config_forward(void **state)
{
	static const char *const want[] = {
	        "channels.qq.bots[0].ws_url: expected a ws:// or wss:// URL",
	        "channels.qq.bots[1].ws_url: plain ws:// only to this machine",
	        "channels.qq.bots[2].ws_url: plain ws:// only to this machine",
	        "channels.qq.bots[3].ws_url: plain ws:// only to this machine",
	        "channels.qq.bots[4].ws_url: expected a string",
	};
	struct adapter_wsc_target t;
	struct adapter_call call;
	struct loaded l;

	(void)state;
	load(&l, FORWARD("{\"self_id\":1,\"ws_url\":\"ws://127.0.0.1:3001\"},"
	                 "{\"self_id\":2},"
	                 "{\"self_id\":3,\"ws_url\":\"wss://bot.example.com/onebot\"},"
	                 "{\"self_id\":4,\"ws_url\":\"ws://localhost:6700/\"},"
	                 "{\"self_id\":5,\"ws_url\":\"ws://[::1]:6700\"}"));
	expect_problems(&l, NULL, 0);
	assert_int_equal(A->wsc.wanted(&l.ch), 4); /* one link per bot with a ws_url */
	memset(&t, 0, sizeof(t));
	memset(&call, 0, sizeof(call));
	assert_int_equal(A->wsc.locate(&l.ch, 1, &call, &t), 0); /* the second with one: bot 3 */
	assert_string_equal(t.url, "wss://bot.example.com/onebot");
	assert_int_equal(t.nheaders, 1);
	assert_string_equal(t.headers[0], "Authorization: Bearer tok-123456");
	assert_null(call.url); /* the URL is known: no call to make */
	assert_int_equal(A->wsc.locate(&l.ch, 3, &call, &t), 0);
	assert_string_equal(t.url, "ws://[::1]:6700");
	assert_int_equal(A->wsc.locate(&l.ch, 4, &call, &t), -1);
	l.ch.enabled = 0;
	assert_int_equal(A->wsc.wanted(&l.ch), 0);
	unload(&l);

	/* the token crosses the link: in the clear only on this machine */
	load(&l, FORWARD("{\"self_id\":1,\"ws_url\":\"http://127.0.0.1:3001\"},"
	                 "{\"self_id\":2,\"ws_url\":\"ws://192.168.1.5:3001\"},"
	                 "{\"self_id\":3,\"ws_url\":\"ws://127.example.com:3001\"},"
	                 "{\"self_id\":4,\"ws_url\":\"ws://localhost.example.com\"},"
	                 "{\"self_id\":5,\"ws_url\":3001}"));
	expect_problems(&l, want, sizeof(want) / sizeof(want[0]));
	unload(&l);

	/* without any: no link */
	load(&l, GOOD);
	assert_int_equal(A->wsc.wanted(&l.ch), 0);
	unload(&l);
}

/* A host that records what the adapter asks of it. */
static struct {
	int64_t silence_ms;
	int silences, closes, sent, done;
	long done_status;
	char frame[1024], done_body[256], done_err[128];
	uint64_t done_ticket;
} rec;

static void f_ws_send(struct host_conn *hc, const char *text)
{
	(void)hc;
	rec.sent++;
	snprintf(rec.frame, sizeof(rec.frame), "%s", text);
}

static void f_ws_silence(struct host_conn *hc, int64_t ms)
{
	(void)hc;
	rec.silences++;
	rec.silence_ms = ms;
}

static void f_ws_close(struct host_conn *hc)
{
	(void)hc;
	rec.closes++;
}

static void f_relay_done(struct chan *ch, uint64_t ticket, long status, const char *body,
                         size_t len, const char *neterr)
{
	(void)ch;
	rec.done++;
	rec.done_ticket = ticket;
	rec.done_status = status;
	snprintf(rec.done_body, sizeof(rec.done_body), "%.*s", (int)len, body ? body : "");
	snprintf(rec.done_err, sizeof(rec.done_err), "%s", neterr ? neterr : "");
}

static int f_ws_state(struct chan *ch, int link, char *state, size_t len, long long *connects)
{
	(void)ch;
	snprintf(state, len, "%s", link == 0 ? "connected" : "error: connect: refused");
	*connects = link == 0 ? 2 : 0;
	return 0;
}

static const struct host fake_host = {
        .ws_send = f_ws_send,
        .ws_close = f_ws_close,
        .ws_silence = f_ws_silence,
        .ws_state = f_ws_state,
        .relay_done = f_relay_done,
};

static void frame(struct loaded *l, struct host_conn *hc, void *conn, const char *text)
{
	A->wsc.message(&l->ch, hc, conn, text, strlen(text));
}

static void test_forward_link(void **state)
{
	struct host_conn *hc = (struct host_conn *)(uintptr_t)0x1234;
	struct adapter_call call;
	struct loaded l;
	void *conn = NULL;
	json_t *h, *bots;
	char answer[128], err[200];

	(void)state;
	memset(&rec, 0, sizeof(rec));
	load(&l, FORWARD("{\"self_id\":10001000,\"ws_url\":\"ws://127.0.0.1:3001\"},"
	                 "{\"self_id\":10001001,\"ws_url\":\"ws://127.0.0.1:3002\"}"));
	l.ch.host = &fake_host;
	assert_int_equal(A->start(&l.ch), 0);

	/* no link yet: an action has nowhere to go, and says so at once */
	memset(&call, 0, sizeof(call));
	assert_int_equal(
	        A->build(&l.ch, 1, "10", "{\"text\":\"好的\"}", 0, &call, err, sizeof(err)), 1);
	assert_true(call.relay);
	A->relay(&l.ch, &call, 7);
	assert_int_equal(rec.done, 1);
	assert_int_equal(rec.done_status, 0);
	assert_string_equal(rec.done_err, "bot 10001000 has no websocket open");

	A->wsc.connected(&l.ch, hc, 0, &conn);
	assert_non_null(conn);
	/* heartbeats say how long silence may last: two intervals and a half */
	frame(&l, hc, conn,
	      "{\"post_type\":\"meta_event\",\"self_id\":10001000,"
	      "\"meta_event_type\":\"heartbeat\",\"interval\":5000}");
	assert_int_equal(rec.silences, 1);
	assert_int_equal(rec.silence_ms, 12500);
	frame(&l, hc, conn,
	      "{\"post_type\":\"meta_event\",\"self_id\":10001000,"
	      "\"meta_event_type\":\"heartbeat\",\"interval\":10}");
	assert_int_equal(rec.silence_ms, 2500); /* at least a second between heartbeats */
	/* another bot's heartbeat on this link changes nothing */
	frame(&l, hc, conn,
	      "{\"post_type\":\"meta_event\",\"self_id\":10001001,"
	      "\"meta_event_type\":\"heartbeat\",\"interval\":60000}");
	assert_int_equal(rec.silences, 2);

	/* an action goes over the link with an echo; its answer is matched by it */
	A->relay(&l.ch, &call, 8);
	assert_int_equal(rec.sent, 1);
	assert_non_null(strstr(rec.frame, "\"action\":\"send_private_msg\""));
	assert_non_null(strstr(rec.frame, "\"echo\":\"cc-8\""));
	snprintf(answer, sizeof(answer),
	         "{\"status\":\"ok\",\"retcode\":0,\"data\":{\"message_id\":5},\"echo\":\"cc-8\"}");
	frame(&l, hc, conn, answer);
	assert_int_equal(rec.done, 2);
	assert_int_equal(rec.done_ticket, 8);
	assert_int_equal(rec.done_status, 200);
	assert_string_equal(rec.done_body, answer);

	/* /healthz: each bot's forward link as the host sees it, and its heartbeat */
	h = json_object();
	A->health(&l.ch, h);
	bots = json_object_get(h, "bots");
	assert_string_equal(json_string_value(json_object_get(
	                            json_object_get(json_array_get(bots, 0), "forward"), "state")),
	                    "connected");
	assert_int_equal(
	        json_integer_value(json_object_get(
	                json_object_get(json_array_get(bots, 0), "forward"), "heartbeat_ms")),
	        1000);
	assert_string_equal(json_string_value(json_object_get(
	                            json_object_get(json_array_get(bots, 1), "forward"), "state")),
	                    "error: connect: refused");
	assert_null(json_object_get(json_array_get(bots, 0), "websocket")); /* no reverse one */
	json_decref(h);

	/* the link goes with an action unanswered: it is given up at once, to be tried again */
	A->relay(&l.ch, &call, 9);
	A->wsc.closed(&l.ch, hc, conn);
	assert_int_equal(rec.done, 3);
	assert_int_equal(rec.done_ticket, 9);
	assert_int_equal(rec.done_status, 0);
	adapter_call_release(&call);
	A->stop(&l.ch);
	unload(&l);
}

/* ---- CQ codes ---- */

static void assert_seg(json_t *arr, size_t i, const char *type, const char *key, const char *value)
{
	json_t *s = json_array_get(arr, i);

	assert_non_null(s);
	assert_string_equal(json_string_value(json_object_get(s, "type")), type);
	if (key)
		assert_string_equal(
		        json_string_value(json_object_get(json_object_get(s, "data"), key)), value);
}

static void test_cq_parse(void **state)
{
	const char *s = "前[CQ:face,id=178]看&#91;图&#93;&amp;[CQ:share,title=震惊&#44;小伙,"
	                "url=http://x/?a=1&amp;b=2][CQ:shake]后&#44;";
	json_t *arr;
	char *u;

	(void)state;
	arr = ob_cq_parse(s, strlen(s));
	assert_int_equal(json_array_size(arr), 6);
	assert_seg(arr, 0, "text", "text", "前");
	assert_seg(arr, 1, "face", "id", "178");
	assert_seg(arr, 2, "text", "text", "看[图]&");
	assert_seg(arr, 3, "share", "title", "震惊,小伙");
	assert_seg(arr, 3, "share", "url", "http://x/?a=1&b=2");
	assert_seg(arr, 4, "shake", NULL, NULL);
	assert_seg(arr, 5, "text", "text", "后,");
	json_decref(arr);

	/* An opening without its closing bracket is text; so is "[CQ" alone. */
	arr = ob_cq_parse("a[CQ:at,qq=1", 12);
	assert_int_equal(json_array_size(arr), 1);
	assert_seg(arr, 0, "text", "text", "a[CQ:at,qq=1");
	json_decref(arr);
	arr = ob_cq_parse("", 0);
	assert_int_equal(json_array_size(arr), 0);
	json_decref(arr);

	/* One pass: an escaped escape stays an escape. */
	u = ob_cq_unescape("&amp;#91;&#91;&amp;&#4", 22);
	assert_string_equal(u, "&#91;[&&#4");
	free(u);
}

/* ---- events ---- */

static void test_event_group_segments(void **state)
{
	struct ob_event ev;

	(void)state;
	parse_fixture("group_array.json", &ev);
	assert_int_equal(ev.kind, OB_MESSAGE);
	assert_null(ev.ignore);
	assert_string_equal(ev.self_id, SELF);
	assert_string_equal(ev.group_id, "123456789");
	assert_string_equal(ev.user_id, "20002000");
	assert_string_equal(ev.message_id, "-2147480001");
	assert_string_equal(ev.name, "3-2-501 李伟"); /* the group card before the nickname */
	assert_string_equal(ev.text, "/repair 厨房水管漏水");
	assert_true(ev.mentions_self);
	assert_string_equal(ev.reply_id, "55501");
	assert_int_equal(ev.nimages, 1);
	assert_string_equal(ev.images[0],
	                    "https://multimedia.nt.qq.com.cn/download?appid=1407&fileid=CgoxMjM0");
	ob_event_release(&ev);
}

static void test_event_group_cq_string(void **state)
{
	struct ob_event ev;

	(void)state;
	/* IDs as strings, the message as a CQ string with its escapes */
	parse_fixture("group_cq.json", &ev);
	assert_int_equal(ev.kind, OB_MESSAGE);
	assert_string_equal(ev.message_id, "7002");
	assert_string_equal(ev.group_id, "123456789");
	assert_true(ev.mentions_self);
	/* an @all of the sender is no mention of the bot, and not text either */
	assert_string_equal(ev.text, "我家[厨房]漏水&渗水,是字");
	assert_string_equal(ev.reply_id, "");
	assert_int_equal(ev.nimages, 1);
	assert_string_equal(ev.images[0],
	                    "https://multimedia.nt.qq.com.cn/download?appid=1407&fileid=a,b");
	assert_string_equal(ev.name, "小李");
	ob_event_release(&ev);
}

static void test_event_others(void **state)
{
	struct ob_event ev;
	char err[128];

	(void)state;
	parse_fixture("private.json", &ev); /* the OneBot v11 documentation's own example */
	assert_int_equal(ev.kind, OB_MESSAGE);
	assert_null(ev.ignore);
	assert_string_equal(ev.group_id, "");
	assert_string_equal(ev.text, "你好～");
	assert_false(ev.mentions_self);
	ob_event_release(&ev);

	parse_fixture("own.json", &ev); /* message_sent: the bot's own */
	assert_string_equal(ev.ignore, "own message");
	ob_event_release(&ev);

	parse_fixture("anonymous.json", &ev); /* nobody to write to privately */
	assert_non_null(ev.ignore);
	assert_true(ev.mentions_self); /* "qq" as a number */
	ob_event_release(&ev);

	parse_fixture("heartbeat.json", &ev);
	assert_int_equal(ev.kind, OB_META);
	assert_string_equal(ev.meta, "heartbeat");
	assert_int_equal(ev.interval, 5000);
	ob_event_release(&ev);
	{
		const char *j = "{\"post_type\":\"meta_event\",\"self_id\":1,"
		                "\"meta_event_type\":\"lifecycle\",\"sub_type\":\"connect\","
		                "\"interval\":-5}";

		assert_int_equal(ob_parse_event(j, strlen(j), &ev, err, sizeof(err)), 0);
		assert_string_equal(ev.sub_type, "connect");
		assert_int_equal(ev.interval, 0); /* not a usable interval */
		ob_event_release(&ev);
	}

	parse_fixture("notice.json", &ev);
	assert_int_equal(ev.kind, OB_OTHER);
	ob_event_release(&ev);

	parse_fixture("answer_ok.json", &ev);
	assert_int_equal(ev.kind, OB_RESPONSE);
	assert_string_equal(ev.echo, "cc-7");
	ob_event_release(&ev);

	/* Not an event: refused with a reason, nothing kept. */
	assert_int_equal(ob_parse_event("[1]", 3, &ev, err, sizeof(err)), -1);
	assert_string_equal(err, "not a JSON object");
	{
		const char *j =
		        "{\"post_type\":\"message\",\"self_id\":1,\"message_type\":\"group\","
		        "\"user_id\":2,\"message_id\":3,\"message\":\"x\"}";

		assert_int_equal(ob_parse_event(j, strlen(j), &ev, err, sizeof(err)), -1);
	}
	assert_string_equal(err, "a group message without group_id");
	assert_null(ev.text);
}

/* ---- outbound messages ---- */

static json_t *build(const char *payload, int group, int part, int *n)
{
	char err[200] = "";
	json_t *arr = NULL;

	*n = ob_build_message(payload, group, part, &arr, err, sizeof(err));
	if (*n < 0)
		fail_msg("%s", err);
	return arr;
}

static void test_build_message(void **state)
{
	const char *quoted = "{\"text\":\"已私信您，请在私聊中继续。\",\"reply_to\":{\"user\":"
	                     "\"20002000\",\"ref\":\"-2147480001\"}}";
	char err[200], *big;
	json_t *arr;
	int n;

	(void)state;
	/* In the group: a quote of the question, a mention of its author, then the text. */
	arr = build(quoted, 1, 0, &n);
	assert_int_equal(n, 1);
	assert_int_equal(json_array_size(arr), 3);
	assert_seg(arr, 0, "reply", "id", "-2147480001");
	assert_seg(arr, 1, "at", "qq", "20002000");
	assert_seg(arr, 2, "text", "text", " 已私信您，请在私聊中继续。");
	json_decref(arr);
	/* In private: the text alone. */
	arr = build(quoted, 0, 0, &n);
	assert_int_equal(json_array_size(arr), 1);
	assert_seg(arr, 0, "text", "text", "已私信您，请在私聊中继续。");
	json_decref(arr);

	/* Buttons are the commands to type; staff in "mention" are mentioned. */
	arr = build("{\"text\":\"【新工单】261127-001\",\"buttons\":[{\"label\":\"接单\",\"data\":"
	            "\"/take 261127-001\"}],\"mention\":[\"30003000\"]}",
	            1, 0, &n);
	assert_int_equal(json_array_size(arr), 2);
	assert_seg(arr, 0, "at", "qq", "30003000");
	assert_seg(arr, 1, "text", "text", " 【新工单】261127-001\n\n/take 261127-001");
	json_decref(arr);

	/* What a resident typed is text, whatever it looks like: no CQ code is made of it. */
	arr = build("{\"text\":\"描述：[CQ:at,qq=all] &#91;\"}", 1, 0, &n);
	assert_int_equal(json_array_size(arr), 1);
	assert_seg(arr, 0, "text", "text", "描述：[CQ:at,qq=all] &#91;");
	json_decref(arr);

	/* A long text in parts, at character boundaries; the quote on the first only. */
	big = malloc(3 * 2500 + 200);
	assert_non_null(big);
	strcpy(big, "{\"text\":\"");
	for (n = 0; n < 2500; n++)
		strcat(big, "水");
	strcat(big, "\",\"reply_to\":{\"user\":\"20002000\",\"ref\":\"1\"}}");
	arr = build(big, 1, 0, &n);
	assert_int_equal(n, 3);
	assert_int_equal(json_array_size(arr), 3);
	assert_int_equal(strlen(json_string_value(json_object_get(
	                         json_object_get(json_array_get(arr, 2), "data"), "text"))),
	                 1 + 1000 * 3);
	json_decref(arr);
	arr = build(big, 1, 2, &n);
	assert_int_equal(json_array_size(arr), 1);
	assert_int_equal(strlen(json_string_value(json_object_get(
	                         json_object_get(json_array_get(arr, 0), "data"), "text"))),
	                 500 * 3);
	json_decref(arr);
	free(big);

	/* A payload that can never be sent. */
	assert_int_equal(ob_build_message("{\"text\":\"\"}", 1, 0, &arr, err, sizeof(err)), -1);
	assert_null(arr);
	assert_int_equal(ob_build_message("nope", 0, 0, &arr, err, sizeof(err)), -1);
}

/* The call for PAYLOAD to CHAT, checked as JSON (the body, or the relayed action). */
static json_t *call_for(struct loaded *l, const char *chat, const char *payload,
                        struct adapter_call *call)
{
	char err[200] = "";
	json_t *o;

	memset(call, 0, sizeof(*call));
	if (A->build(&l->ch, 1, chat, payload, 0, call, err, sizeof(err)) != 1)
		fail_msg("build: %s", err);
	o = json_loads(call->body, 0, NULL);
	assert_non_null(o);
	return o;
}

static void test_build_calls(void **state)
{
	struct adapter_call call;
	struct loaded l;
	char err[200];
	json_t *o, *p;

	(void)state;
	/* Over the first bot's websocket: the relayed action names the bot. */
	load(&l, GOOD);
	o = call_for(&l, "group:123456789", "{\"text\":\"好的\"}", &call);
	assert_true(call.relay);
	assert_int_equal(call.timeout_s, 10);
	assert_string_equal(json_string_value(json_object_get(o, "self_id")), SELF);
	assert_string_equal(json_string_value(json_object_get(o, "action")), "send_group_msg");
	p = json_object_get(o, "params");
	assert_int_equal(json_integer_value(json_object_get(p, "group_id")), 123456789);
	assert_seg(json_object_get(p, "message"), 0, "text", "text", "好的");
	json_decref(o);
	adapter_call_release(&call);

	o = call_for(&l, "20002000", "{\"text\":\"请问您的房号？\"}", &call);
	assert_string_equal(json_string_value(json_object_get(o, "action")), "send_private_msg");
	p = json_object_get(o, "params");
	assert_int_equal(json_integer_value(json_object_get(p, "user_id")), 20002000);
	assert_null(json_object_get(p, "group_id")); /* nobody heard of: no temporary session */
	json_decref(o);
	adapter_call_release(&call);

	/* Not a QQ chat: dead at once. */
	memset(&call, 0, sizeof(call));
	assert_int_equal(
	        A->build(&l.ch, 1, "staff:wang", "{\"text\":\"x\"}", 0, &call, err, sizeof(err)),
	        -1);
	adapter_call_release(&call);
	unload(&l);

	/* A bot with an api_url: its HTTP API, with the access token as bearer. */
	load(&l, "{\"enabled\":true,\"access_token\":\"tok-123456\",\"bots\":[{\"self_id\":7,"
	         "\"api_url\":\"https://onebot.example/api/\"}]}");
	o = call_for(&l, "group:5", "{\"text\":\"好的\"}", &call);
	assert_false(call.relay);
	assert_string_equal(call.url, "https://onebot.example/api/send_group_msg");
	assert_int_equal(call.nheaders, 1);
	assert_string_equal(call.headers[0], "Authorization: Bearer tok-123456");
	assert_int_equal(json_integer_value(json_object_get(o, "group_id")), 5);
	json_decref(o);
	adapter_call_release(&call);
	unload(&l);
}

/* ---- authentication ---- */

static void test_signature(void **state)
{
	size_t len;
	char *body = slurp_path(FIX "private.json", &len);
	/* hmac.new(b"onebot-secret", body, "sha1").hexdigest(), body without its newline */
	const char *sig = "sha1=10af2aca545bce9032f69b25d2bd9e2da4afa0e1";

	(void)state;
	len--; /* the fixture's last newline is not the body's */
	assert_true(ob_signature_ok("onebot-secret", body, len, sig));
	assert_true(ob_signature_ok("onebot-secret", body, len,
	                            "sha1=10AF2ACA545BCE9032F69B25D2BD9E2DA4AFA0E1"));
	assert_false(ob_signature_ok("onebot-secret", body, len + 1, sig));
	assert_false(ob_signature_ok("other", body, len, sig));
	assert_false(ob_signature_ok("onebot-secret", body, len,
	                             "sha1=10af2aca545bce9032f69b25d2bd9e2da4afa0e2"));
	assert_false(ob_signature_ok("onebot-secret", body, len, sig + 5)); /* no "sha1=" */
	assert_false(ob_signature_ok("onebot-secret", body, len,
	                             "sha1=10af2aca545bce9032f69b25d2bd9e2da4afa0e"));
	assert_false(ob_signature_ok("onebot-secret", body, len,
	                             "sha1=zzaf2aca545bce9032f69b25d2bd9e2da4afa0e1"));
	assert_false(ob_signature_ok(NULL, body, len, sig));
	assert_false(ob_signature_ok("", body, len, sig));
	free(body);

	assert_string_equal(ob_bearer("Bearer abc"), "abc");
	assert_string_equal(ob_bearer("bearer abc"), "abc");
	assert_string_equal(ob_bearer("Token abc"), "abc"); /* go-cqhttp's reverse websocket */
	assert_null(ob_bearer("Basic abc"));
	assert_null(ob_bearer(NULL));
	assert_true(ob_token_ok("tok-123456", "tok-123456"));
	assert_false(ob_token_ok("tok-123456", "tok-12345"));
	assert_false(ob_token_ok("tok-123456", "tok-123457"));
	assert_false(ob_token_ok("", ""));
	assert_false(ob_token_ok(NULL, "x"));
}

/* ---- answers ---- */

static enum adapter_outcome verdict(long status, const char *resp, struct adapter_verdict *v)
{
	ob_classify(status, resp, resp ? strlen(resp) : 0, 0, "Connection refused", v);
	return v->outcome;
}

static void test_classify(void **state)
{
	struct adapter_verdict v;
	char id[OB_ID_MAX];

	(void)state;
	assert_int_equal(
	        verdict(200, "{\"status\":\"ok\",\"retcode\":0,\"data\":{\"message_id\":5}}", &v),
	        ADAPTER_SENT);
	assert_int_equal(verdict(200, "{\"status\":\"async\",\"retcode\":1,\"data\":null}", &v),
	                 ADAPTER_SENT);
	/* bad parameters: sending again changes nothing */
	assert_int_equal(verdict(200,
	                         "{\"status\":\"failed\",\"retcode\":1400,\"message\":\"Key: "
	                         "group_id\",\"echo\":\"cc-1\"}",
	                         &v),
	                 ADAPTER_DEAD);
	assert_string_equal(v.error, "retcode 1400: Key: group_id");
	assert_int_equal(verdict(200,
	                         "{\"status\":\"failed\",\"retcode\":100,\"msg\":\"GROUP_NOT_"
	                         "FOUND\",\"wording\":\"群聊不存在\"}",
	                         &v),
	                 ADAPTER_DEAD);
	assert_string_equal(v.error, "retcode 100: GROUP_NOT_FOUND (群聊不存在)");
	/* QQ refused the message (risk control): wait and try again */
	assert_int_equal(verdict(200,
	                         "{\"status\":\"failed\",\"retcode\":100,\"msg\":\"SEND_MSG_API_"
	                         "ERROR\",\"wording\":\"请参考 go-cqhttp 端输出\"}",
	                         &v),
	                 ADAPTER_RATE_LIMITED);
	/* NapCat's handler failures (a timeout inside the implementation): again */
	assert_int_equal(verdict(200,
	                         "{\"status\":\"failed\",\"retcode\":1200,\"message\":\"Timeout\"}",
	                         &v),
	                 ADAPTER_RETRY);
	assert_int_equal(verdict(200, "{\"status\":\"failed\",\"retcode\":200}", &v),
	                 ADAPTER_RETRY);
	/* the token, or the action unknown: every row would fail, the channel waits */
	assert_int_equal(verdict(200, "{\"status\":\"failed\",\"retcode\":1403}", &v),
	                 ADAPTER_REFUSED);
	assert_int_equal(verdict(200,
	                         "{\"status\":\"failed\",\"retcode\":1404,\"msg\":\"API_NOT_"
	                         "FOUND\"}",
	                         &v),
	                 ADAPTER_REFUSED);
	assert_non_null(strstr(v.state, "error: "));
	assert_int_equal(verdict(401, "", &v), ADAPTER_REFUSED);
	assert_int_equal(verdict(403, "", &v), ADAPTER_REFUSED);
	assert_int_equal(verdict(404, "", &v), ADAPTER_REFUSED);
	assert_int_equal(verdict(400, "", &v), ADAPTER_DEAD);
	assert_int_equal(verdict(406, "", &v), ADAPTER_DEAD);
	assert_int_equal(verdict(502, "<html>", &v), ADAPTER_RETRY);
	assert_int_equal(verdict(200, "<html>", &v), ADAPTER_RETRY);
	assert_int_equal(verdict(0, NULL, &v), ADAPTER_RETRY);
	assert_string_equal(v.error, "no answer: Connection refused");
	ob_classify(429, "", 0, 7, NULL, &v);
	assert_int_equal(v.outcome, ADAPTER_RATE_LIMITED);
	assert_int_equal(v.retry_after, 7);

	assert_int_equal(ob_answer_message_id(
	                         "{\"status\":\"ok\",\"data\":{\"message_id\":-12345}}", 44, id),
	                 0);
	assert_string_equal(id, "-12345");
	assert_int_equal(ob_answer_message_id("{\"status\":\"ok\",\"data\":null}", 28, id), -1);
	assert_string_equal(id, "");
}

static void test_ids(void **state)
{
	char id[OB_ID_MAX];
	json_t *v;

	(void)state;
	assert_true(ob_id_ok("123"));
	assert_true(ob_id_ok("-2147483648"));
	assert_false(ob_id_ok(""));
	assert_false(ob_id_ok("-"));
	assert_false(ob_id_ok("12a"));
	assert_false(ob_id_ok("123456789012345678901"));
	v = json_integer(9007199254740993LL); /* more than a double holds */
	assert_int_equal(ob_id_of(v, id), 0);
	assert_string_equal(id, "9007199254740993");
	json_decref(v);
	v = json_string("12 ");
	assert_int_equal(ob_id_of(v, id), -1);
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_config_good),
	        cmocka_unit_test(test_config_problems),
	        cmocka_unit_test(test_config_forward),
	        cmocka_unit_test(test_forward_link),
	        cmocka_unit_test(test_cq_parse),
	        cmocka_unit_test(test_event_group_segments),
	        cmocka_unit_test(test_event_group_cq_string),
	        cmocka_unit_test(test_event_others),
	        cmocka_unit_test(test_build_message),
	        cmocka_unit_test(test_build_calls),
	        cmocka_unit_test(test_signature),
	        cmocka_unit_test(test_classify),
	        cmocka_unit_test(test_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
