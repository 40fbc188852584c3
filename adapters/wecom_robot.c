/*
 * wecom_robot.c - the WeCom (企业微信) group robot: a send-only staff channel
 * for dispatch pings.
 *
 * A group robot is a webhook that posts into the one group it was added to:
 *   POST <api_base>/cgi-bin/webhook/send?key=KEY
 *   {"msgtype":"text","text":{"content","mentioned_list","mentioned_mobile_list"}}
 * answered {"errcode":0,"errmsg":"ok"} (HTTP 200 even for errors). It hears
 * nothing and writes to nobody privately, so its only chat is "group" and
 * the host mentions a person there instead of writing to them (private_chats
 * 0): a payload's "mention" names WeCom user IDs, mobile numbers (all
 * digits, or "tel:NUMBER" from a staff member's phone) or "@all". It has no
 * buttons either: each button becomes the command it stands for, on a line
 * of its own, for staff to copy. Content is at most 2048 bytes, so a longer
 * text goes as several messages. The robot may post 20 messages a minute,
 * whatever they say, so its pace is one window over the whole channel. What
 * the three webhook robots share is in robot.c.
 *
 * The key is the robot's only credential and it sits in the URL: nothing
 * here logs, and every error or state text is scrubbed of it, as a platform
 * message or a network error could quote the URL back.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/robot.h"
#include "lib/config_read.h"
#include "lib/ratelimit.h"

#define WR_CHAT         "group" /* the robot's one chat: its own group */
#define WR_CONTENT_MAX  2048    /* bytes of text.content */
#define WR_DEFAULT_BASE "https://qyapi.weixin.qq.com"
#define WR_SEND_PATH    "/cgi-bin/webhook/send?key="
#define WR_PER_MINUTE   20   /* the platform's limit, and the most we allow */
#define WR_MARGIN_MS    1000 /* the platform counts arrivals, which wander */
#define WR_WAIT_S       60   /* a full window, when a rate limit says no more */

/* channels.wecom_robot. Owned strings. */
struct wr_conf {
	char *key; /* NULL when unset (a switched-off channel) */
	char *api_base;
	int per_minute;
};

/* ---- configuration ------------------------------------------------------------------ */

/* The key goes into a query string as it is: nothing that would end or change it there. */
static int wr_key_ok(const char *key)
{
	const unsigned char *p;

	for (p = (const unsigned char *)key; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("/?#&%+", *p))
			return 0;
	return 1;
}

/* An API base that paths are appended to: a URL without a query of its own. */
static void wr_get_base(struct cfg_ld *ld, json_t *o, const char *path, int lax, char **out)
{
	char p[CFG_PATHLEN];

	cfg_get_base_url(ld, o, path, "api_base", lax, out);
	if (*out && cfg_is_url(*out) && strpbrk(*out, "?# \t\r\n")) {
		cfg_path_key(p, path, "api_base");
		cfg_problem(ld, p, "expected an http:// or https:// URL without a query");
	}
}

static void wr_config(struct cfg_ld *ld, json_t *o, const char *path, int *enabled, void **conf)
{
	static const char *const keys[] = {"enabled", "key", "api_base", "per_minute", NULL};
	struct wr_conf *c = cfg_calloc(ld, 1, sizeof(*c));
	char p[CFG_PATHLEN];
	int lax;

	*conf = c;
	*enabled = 0;
	if (!c)
		return;
	c->per_minute = WR_PER_MINUTE;
	o = adapter_config_open(ld, o, path, keys, enabled, &lax);
	if (o) {
		if (cfg_get_str(ld, o, path, "key",
		                *enabled ? "missing (required when enabled)" : NULL, lax,
		                &c->key) == 0 &&
		    c->key && !wr_key_ok(c->key)) {
			cfg_path_key(p, path, "key");
			cfg_problem(ld, p,
			            "must not contain spaces, '/', '?', '#', '&', '%%' or '+'");
		}
		wr_get_base(ld, o, path, lax, &c->api_base);
		cfg_get_int(ld, o, path, "per_minute", WR_PER_MINUTE, 1, WR_PER_MINUTE,
		            &c->per_minute);
	}
	cfg_default(ld, &c->api_base, WR_DEFAULT_BASE);
}

static void wr_config_free(void *conf)
{
	struct wr_conf *c = conf;

	if (!c)
		return;
	free(c->key);
	free(c->api_base);
	free(c);
}

static const char *wr_staff_chat(const struct chan *ch)
{
	return ch->enabled ? WR_CHAT : NULL;
}

static int wr_can_send(const struct chan *ch)
{
	const struct wr_conf *c = ch->conf;

	return ch->enabled && c->key && *c->key;
}

static const char *wr_base_state(const struct chan *ch)
{
	(void)ch;
	return "on";
}

static void wr_limits(const struct chan *ch, struct ratelimit_limits *l)
{
	const struct wr_conf *c = ch->conf;

	*l = (struct ratelimit_limits){
	        .global_per_min = c->per_minute,
	        .margin_ms = WR_MARGIN_MS,
	};
}

/* ---- building a call ------------------------------------------------------------------ */

static int wr_fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return -1;
}

static char *wr_url(const struct wr_conf *c)
{
	size_t len = strlen(c->api_base) + strlen(WR_SEND_PATH) + strlen(c->key) + 1;
	char *url = malloc(len);

	if (url)
		snprintf(url, len, "%s%s%s", c->api_base, WR_SEND_PATH, c->key);
	return url;
}

static int wr_build(const struct chan *ch, int64_t row_id, const char *chat, const char *payload,
                    int part, struct adapter_call *call, char *err, size_t errlen)
{
	const struct wr_conf *c = ch->conf;
	json_t *users = NULL, *mobiles = NULL, *body = NULL, *text; /* owned (TEXT: by BODY) */
	struct robot_msg m;
	size_t from, to;
	char *url = NULL, *s = NULL;
	int n = -1, parts, i;

	(void)row_id;
	if (!c->key)
		return wr_fail(err, errlen, "no key configured");
	/* Anything else would be a private message, and this group has readers. */
	if (!chat || strcmp(chat, WR_CHAT) != 0)
		return wr_fail(err, errlen,
		               "the robot posts only to its own group (chat \"" WR_CHAT "\")");
	if (robot_msg_read(&m, payload, robot_all_digits, err, errlen) < 0)
		goto done;
	parts = robot_split(m.text.s, m.text.len, WR_CONTENT_MAX, 0, part, &from, &to);
	if (part < 0 || part >= parts) {
		snprintf(err, errlen, "no part %d of %d", part, parts);
		goto done;
	}
	users = json_array();
	mobiles = json_array();
	body = json_object();
	text = json_object();
	if (!users || !mobiles || !body || !text ||
	    json_object_set_new(body, "msgtype", json_string("text")) < 0) {
		json_decref(text);
		wr_fail(err, errlen, "out of memory");
		goto done;
	}
	/* json_object_set_new steals TEXT, also when it fails; the lists stay ours */
	if (json_object_set_new(body, "text", text) < 0 ||
	    json_object_set_new(text, "content", json_stringn(m.text.s + from, to - from)) < 0) {
		wr_fail(err, errlen, "out of memory");
		goto done;
	}
	/* the mentions go with the first part only: one ping per message */
	for (i = 0; part == 0 && i < m.nmentions; i++)
		if (json_array_append_new(m.mentions[i].mobile ? mobiles : users,
		                          json_string(m.mentions[i].who)) < 0) {
			wr_fail(err, errlen, "out of memory");
			goto done;
		}
	if ((json_array_size(users) && json_object_set(text, "mentioned_list", users) < 0) ||
	    (json_array_size(mobiles) &&
	     json_object_set(text, "mentioned_mobile_list", mobiles) < 0)) {
		wr_fail(err, errlen, "out of memory");
		goto done;
	}
	s = json_dumps(body, JSON_COMPACT);
	url = wr_url(c);
	if (!s || !url) {
		wr_fail(err, errlen, "out of memory");
		goto done;
	}
	call->url = url;
	call->body = s;
	url = s = NULL;
	n = parts;
done:
	free(url);
	free(s);
	robot_msg_release(&m);
	json_decref(body);
	json_decref(users);
	json_decref(mobiles);
	return n;
}

/* ---- the answer ------------------------------------------------------------------------ */

/* WeCom's errcodes (HTTP 200 even for errors); any other is a refusal of the message. */
static const struct robot_code wr_codes[] = {
        {45009, ADAPTER_RATE_LIMITED, NULL, WR_WAIT_S}, /* api freq out of limit: over 20/min */
        {-1, ADAPTER_RETRY, NULL, 0},                   /* system busy */
        {45033, ADAPTER_RETRY, NULL, 0},                /* too many calls at once */
        /* the robot itself is gone or its key is wrong: every message would fail alike */
        {93000, ADAPTER_REFUSED, NULL, 0}, /* invalid webhook url: wrong key, or removed */
        {93004, ADAPTER_REFUSED, NULL, 0}, /* the robot was disabled */
        {93008, ADAPTER_REFUSED, NULL, 0}, /* the robot is not in the group */
        {40014, ADAPTER_REFUSED, NULL, 0}, /* invalid credential */
};

static const struct robot_answers wr_answers = {
        .code_key = "errcode",
        .msg_key = "errmsg",
        .codes = wr_codes,
        .ncodes = sizeof(wr_codes) / sizeof(wr_codes[0]),
        .wait_s = WR_WAIT_S,
        /* One robot, one group: whatever the answer is about, it is about all of it. */
        .scope = ADAPTER_SCOPE_CHANNEL,
};

static void wr_classify(const struct chan *ch, const struct adapter_call *call, long status,
                        const char *resp, size_t len, long retry_after, const char *neterr,
                        struct adapter_verdict *v)
{
	const struct wr_conf *c = ch->conf;
	const char *scrub[] = {c->key, NULL};

	(void)call;
	/* the key is in the URL, which a network error or the platform may quote back */
	robot_classify(&wr_answers, scrub, NULL, status, resp, len, retry_after, neterr, v);
}

const struct adapter adapter_wecom_robot = {
        .name = "wecom_robot",
        .config = wr_config,
        .config_free = wr_config_free,
        .staff_chat = wr_staff_chat,
        .private_chats = 0,
        .mention_phone = 1,
        .can_send = wr_can_send,
        .base_state = wr_base_state,
        .limits = wr_limits,
        .build = wr_build,
        .classify = wr_classify,
};
