/*
 * dingtalk.c - DingTalk (钉钉) custom robots: send-only staff channels for
 * dispatch pings and staff notices.
 *
 * A custom robot is a webhook that posts into the one group it was added to:
 *   POST https://oapi.dingtalk.com/robot/send?access_token=T[&timestamp=MS&sign=S]
 *   {"msgtype":"text","text":{"content"},"at":{"atMobiles","atUserIds","isAtAll"}}
 * answered {"errcode":0,"errmsg":"ok"} (HTTP 200 even for errors). Each
 * robot in channels.dingtalk.robots is one chat (its "chat" name); the first
 * is the channel's own staff group. Nobody is written to privately: a notice
 * for one person is posted in the group and mentions them, by the mobile
 * number in their staff entry ("tel:NUMBER", mention_phone) or by their
 * identity on this channel (a mobile number, or a DingTalk user ID), with
 * "@WHO" in the text where DingTalk shows the mention.
 *
 * Signing (加签): with the robot's secret, timestamp = Unix milliseconds and
 * sign = urlencode(base64(HMAC-SHA256(key = secret, message = timestamp +
 * "\n" + secret))); DingTalk refuses a timestamp more than an hour away.
 * Each call is signed when it is built, so a retry is signed afresh.
 *
 * Limits: 20 messages a minute per robot, after which DingTalk refuses the
 * robot for 10 minutes (errcode 130101); a message is at most 20000 bytes,
 * so a longer text goes as several, cut at character boundaries. The shared
 * parts (payload, split, configuration, answers) are in robot.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/robot.h"
#include "lib/buf.h"
#include "lib/clock.h"

#define DINGTALK_PATH        "/robot/send"
#define DINGTALK_BODY_MAX    20000 /* bytes of a message (errcode 460101 beyond) */
#define DINGTALK_CONTENT_MAX 17000 /* bytes of a part's text inside the body, mentions apart */
#define DINGTALK_PER_MINUTE  20
#define DINGTALK_THROTTLE_S  600 /* over 20 a minute, the robot is refused for 10 minutes */

/* ---- configuration -------------------------------------------------------------------- */

static int dingtalk_fail(char *why, size_t len, const char *what)
{
	snprintf(why, len, "%s", what);
	return -1;
}

/*
 * The URL DingTalk shows for the robot: http(s), path ending in /robot/send,
 * a non-empty access_token in the query, nothing the call adds itself.
 */
static int dingtalk_check_url(const char *url, char **token, char *why, size_t whylen)
{
	const char *q, *p, *end, *v;
	size_t n;

	*token = NULL;
	if (!cfg_is_url(url))
		return dingtalk_fail(why, whylen, "expected the robot's webhook URL");
	for (p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '#')
			return dingtalk_fail(why, whylen, "must not contain spaces or '#'");
	q = strchr(url, '?');
	if (!q || (size_t)(q - url) < strlen(DINGTALK_PATH) ||
	    strncmp(q - strlen(DINGTALK_PATH), DINGTALK_PATH, strlen(DINGTALK_PATH)) != 0)
		return dingtalk_fail(why, whylen,
		                     "expected a URL ending in /robot/send?access_token=");
	for (p = q + 1; *p; p = *end ? end + 1 : end) {
		end = p + strcspn(p, "&");
		if (strncmp(p, "timestamp=", 10) == 0 || strncmp(p, "sign=", 5) == 0)
			return dingtalk_fail(
			        why, whylen,
			        "must not have timestamp or sign: each call adds its own");
		if (strncmp(p, "access_token=", 13) == 0 && !*token) {
			v = p + 13;
			n = (size_t)(end - v);
			if (n == 0)
				break;
			*token = strndup(v, n);
			if (!*token)
				return dingtalk_fail(why, whylen, "out of memory");
		}
	}
	if (!*token)
		return dingtalk_fail(why, whylen, "has no access_token");
	return 0;
}

/* A bare identity that is a mobile number: 11 digits from 1 (mainland), or +digits. */
static int dingtalk_mobile(const char *who)
{
	if (who[0] == '+')
		return robot_all_digits(who + 1);
	return strlen(who) == 11 && who[0] == '1' && robot_all_digits(who);
}

/* ---- building a call ------------------------------------------------------------------- */

/* ?access_token=T, then this call's timestamp and signature when the robot signs. */
static char *dingtalk_url(const struct robot_hook *h)
{
	char stamp[32], sign[ROBOT_SIGN_LEN];
	struct buf b = {0}, msg = {0};
	int64_t ms = clock_now_ms();

	buf_add(&b, h->url);
	if (h->secret) {
		snprintf(stamp, sizeof(stamp), "%lld", (long long)ms);
		buf_printf(&msg, "%s\n%s", stamp, h->secret);
		if (msg.failed ||
		    robot_sign(h->secret, strlen(h->secret), msg.s, msg.len, sign) < 0)
			b.failed = 1;
		buf_printf(&b, "&timestamp=%s&sign=", stamp);
		robot_query_value(&b, sign);
		buf_release(&msg);
	}
	if (b.failed) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* Part 0 opens with "@WHO" for each person, where DingTalk shows the mention. */
static int dingtalk_at(const struct robot_msg *m, json_t *body, struct buf *content)
{
	json_t *at = json_object(), *mobiles = json_array(), *users = json_array(); /* owned */
	int i, rc = -1;

	if (!at || !mobiles || !users)
		goto done;
	for (i = 0; i < m->nmentions; i++) {
		const struct robot_mention *r = &m->mentions[i];

		if (r->all) {
			if (json_object_set_new(at, "isAtAll", json_true()) < 0)
				goto done;
			continue;
		}
		if (json_array_append_new(r->mobile ? mobiles : users, json_string(r->who)) < 0)
			goto done;
		buf_printf(content, "@%s ", r->who);
	}
	if ((json_array_size(mobiles) && json_object_set(at, "atMobiles", mobiles) < 0) ||
	    (json_array_size(users) && json_object_set(at, "atUserIds", users) < 0) ||
	    (json_object_size(at) && json_object_set(body, "at", at) < 0))
		goto done;
	rc = 0;
done:
	json_decref(at);
	json_decref(mobiles);
	json_decref(users);
	return rc;
}

static int dingtalk_build(const struct chan *ch, int64_t row_id, const char *chat,
                          const char *payload, int part, struct adapter_call *call, char *err,
                          size_t errlen)
{
	const struct robot_conf *c = ch->conf;
	const struct robot_hook *h = robot_hook_find(c, chat);
	json_t *body = NULL, *text; /* owned (TEXT: by BODY) */
	struct buf content = {0};
	struct robot_msg m;
	size_t from, to;
	char *url = NULL, *s = NULL;
	int n = -1, parts;

	(void)row_id;
	/* not a robot's chat: a private message would be posted where colleagues read */
	if (!h)
		return dingtalk_fail(err, errlen,
		                     "no robot in channels.dingtalk.robots has this chat");
	if (robot_msg_read(&m, payload, dingtalk_mobile, err, errlen) < 0)
		goto done;
	parts = robot_split(m.text.s, m.text.len, DINGTALK_CONTENT_MAX, 1, part, &from, &to);
	if (part < 0 || part >= parts) {
		snprintf(err, errlen, "no part %d of %d", part, parts);
		goto done;
	}
	body = json_pack("{s:s}", "msgtype", "text");
	text = json_object();
	if (!body || !text || json_object_set_new(body, "text", text) < 0 ||
	    (part == 0 && dingtalk_at(&m, body, &content) < 0)) {
		dingtalk_fail(err, errlen, "out of memory");
		goto done;
	}
	buf_addn(&content, m.text.s + from, to - from);
	if (content.failed ||
	    json_object_set_new(text, "content", json_stringn(content.s, content.len)) < 0 ||
	    !(s = json_dumps(body, JSON_COMPACT)) || !(url = dingtalk_url(h))) {
		dingtalk_fail(err, errlen, "out of memory");
		goto done;
	}
	if (strlen(s) > DINGTALK_BODY_MAX) {
		dingtalk_fail(err, errlen, "message over 20000 bytes");
		goto done;
	}
	call->url = url;
	call->body = s;
	call->ctype = "application/json; charset=utf-8"; /* DingTalk asks for UTF-8 said aloud */
	url = s = NULL;
	n = parts;
done:
	free(url);
	free(s);
	buf_release(&content);
	robot_msg_release(&m);
	json_decref(body);
	return n;
}

/* ---- the answer ------------------------------------------------------------------------- */

/* DingTalk's errcodes (HTTP 200 even for errors); any other is a refusal of the message. */
static const struct robot_code dingtalk_codes[] = {
        /* send too fast, exceed 20 times per minute: refused for 10 minutes */
        {130101, ADAPTER_RATE_LIMITED, NULL, DINGTALK_THROTTLE_S},
        {410100, ADAPTER_RATE_LIMITED, NULL, DINGTALK_THROTTLE_S}, /* 发送速度太快而限流 */
        {-1, ADAPTER_RETRY, NULL, 0},                              /* system busy */
        /*
         * The robot's security settings said no: "sign not match", "invalid
         * timestamp" (our clock), "keywords not in content", "ip ... not in
         * whitelist". Every message would fail alike until the operator acts.
         */
        {310000, ADAPTER_REFUSED, NULL, 0},
        {300001, ADAPTER_REFUSED, NULL, 0}, /* token is not exist */
        {300005, ADAPTER_REFUSED, NULL, 0}, /* token is not exist (not a robot of this group) */
        {400101, ADAPTER_REFUSED, NULL, 0}, /* access_token does not exist */
        {400102, ADAPTER_REFUSED, NULL, 0}, /* the robot was switched off */
        {400106, ADAPTER_REFUSED, NULL, 0}, /* the robot does not exist */
        {400013, ADAPTER_REFUSED, NULL, 0}, /* the group was dissolved */
};

static const struct robot_answers dingtalk_answers = {
        .code_key = "errcode",
        .msg_key = "errmsg",
        .codes = dingtalk_codes,
        .ncodes = sizeof(dingtalk_codes) / sizeof(dingtalk_codes[0]),
        .wait_s = 60,
        .scope = ADAPTER_SCOPE_CHAT, /* each robot has its own limit */
};

static const struct robot_platform dingtalk_platform = {
        .check_url = dingtalk_check_url,
        .url_example = "https://oapi.dingtalk.com/robot/send?access_token=...",
        .per_minute = DINGTALK_PER_MINUTE,
        .slack_ms = 1000,
        .answers = &dingtalk_answers,
};

static void dingtalk_config(struct cfg_ld *ld, json_t *o, const char *path, int *enabled,
                            void **conf)
{
	robot_config(ld, o, path, enabled, conf, &dingtalk_platform);
}

const struct adapter adapter_dingtalk = {
        .name = "dingtalk",
        .config = dingtalk_config,
        .config_free = robot_config_free,
        .staff_chat = robot_staff_chat,
        .private_chats = 0,
        .mention_phone = 1,
        .health = robot_health,
        .can_send = robot_can_send,
        .base_state = robot_base_state,
        .limits = robot_limits,
        .build = dingtalk_build,
        .classify = robot_conf_classify,
};
