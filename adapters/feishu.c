/*
 * feishu.c - Feishu/Lark (飞书) custom bots: send-only staff channels for
 * dispatch pings and staff notices.
 *
 * A custom bot is a webhook that posts into the one group it was added to:
 *   POST https://open.feishu.cn/open-apis/bot/v2/hook/<id>
 *   {"timestamp":"<seconds>","sign":"...","msg_type":"text","content":{"text"}}
 * answered {"code":0,"msg":"success",...}; refusals come as other codes,
 * some with HTTP 400. Each bot in channels.feishu.robots is one chat (its
 * "chat" name); the first is the channel's own staff group. Nobody is
 * written to privately: a notice for one person is posted in the group and
 * mentions them by their identity on this channel (an open_id "ou_..." or a
 * user_id; a custom bot can mention no other way) as
 * <at user_id="ID">name</at>. A "<" that would open a tag in the text is
 * shown as "＜", so no text can mention anyone (<at user_id="all">).
 *
 * Signing (签名校验): with the bot's secret, timestamp = Unix seconds and
 * sign = base64(HMAC-SHA256(key = timestamp + "\n" + secret, message =
 * empty)) - the string is the key, not the message, unlike DingTalk; both
 * go in the body. Feishu refuses a timestamp more than an hour away (code
 * 19021). Each call is signed when it is built, so a retry is signed afresh.
 *
 * Limits: 100 messages a minute and 5 a second per bot (code 11232, or 9499
 * "too many request" with HTTP 400); a request body is at most 20 KB, so a
 * longer text goes as several messages, cut at character boundaries. The
 * shared parts (payload, split, configuration, answers) are in robot.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/robot.h"
#include "lib/buf.h"
#include "lib/clock.h"

#define FEISHU_HOOK_PATH   "/open-apis/bot/v2/hook/"
#define FEISHU_BODY_MAX    20480 /* bytes of a request body ("20 KB") */
#define FEISHU_CONTENT_MAX 17000 /* bytes of a part's text inside the body, mentions apart */
#define FEISHU_PER_MINUTE  100
#define FEISHU_PER_SECOND  5
#define FEISHU_LT          "\xef\xbc\x9c" /* U+FF1C FULLWIDTH LESS-THAN SIGN */

/* ---- configuration -------------------------------------------------------------------- */

static int feishu_fail(char *why, size_t len, const char *what)
{
	snprintf(why, len, "%s", what);
	return -1;
}

static int feishu_id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* The URL Feishu shows for the bot: http(s), .../open-apis/bot/v2/hook/<id>, no query. */
static int feishu_check_url(const char *url, char **token, char *why, size_t whylen)
{
	const char *id, *p;

	*token = NULL;
	if (!cfg_is_url(url))
		return feishu_fail(why, whylen, "expected the bot's webhook URL");
	if (strpbrk(url, "?#"))
		return feishu_fail(why, whylen, "must not have a query or '#'");
	id = strstr(url, FEISHU_HOOK_PATH);
	if (!id || !id[strlen(FEISHU_HOOK_PATH)])
		return feishu_fail(why, whylen,
		                   "expected a URL ending in /open-apis/bot/v2/hook/ID");
	id += strlen(FEISHU_HOOK_PATH);
	for (p = id; *p; p++)
		if (!feishu_id_char(*p))
			return feishu_fail(
			        why, whylen,
			        "the hook ID after /hook/ must be letters, digits, - or _");
	*token = strdup(id);
	if (!*token)
		return feishu_fail(why, whylen, "out of memory");
	return 0;
}

/* ---- building a call ------------------------------------------------------------------- */

/* TEXT with every "<" that could open a tag ("<at", "</") shown as "＜". */
static void feishu_plain(struct buf *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '<' && i + 1 < len &&
		    ((s[i + 1] >= 'a' && s[i + 1] <= 'z') || (s[i + 1] >= 'A' && s[i + 1] <= 'Z') ||
		     s[i + 1] == '/'))
			buf_add(out, FEISHU_LT);
		else
			buf_addc(out, s[i]);
	}
}

/* Part 0 opens with <at user_id="ID">name</at> for each person (a number is no Feishu user). */
static void feishu_at(const struct robot_msg *m, struct buf *content)
{
	const struct robot_mention *r;
	int i;

	for (i = 0; i < m->nmentions; i++) {
		r = &m->mentions[i];
		if (r->mobile)
			continue;
		buf_printf(content, "<at user_id=\"%s\">", r->all ? "all" : r->who);
		if (r->all)
			buf_add(content, "所有人");
		else if (r->name)
			feishu_plain(content, r->name, strlen(r->name));
		buf_add(content, "</at> ");
	}
}

static int feishu_build(const struct chan *ch, int64_t row_id, const char *chat,
                        const char *payload, int part, struct adapter_call *call, char *err,
                        size_t errlen)
{
	const struct robot_conf *c = ch->conf;
	const struct robot_hook *h = robot_hook_find(c, chat);
	struct buf text = {0}, content = {0}, msg = {0};
	json_t *body = NULL; /* owned */
	char stamp[32], sign[ROBOT_SIGN_LEN];
	struct robot_msg m;
	size_t from, to;
	char *url = NULL, *s = NULL;
	int n = -1, parts;

	(void)row_id;
	/* not a bot's chat: a private message would be posted where colleagues read */
	if (!h)
		return feishu_fail(err, errlen, "no robot in channels.feishu.robots has this chat");
	if (robot_msg_read(&m, payload, NULL, err, errlen) < 0)
		goto done;
	feishu_plain(&text, m.text.s, m.text.len);
	parts = robot_split(text.s, text.len, FEISHU_CONTENT_MAX, 1, part, &from, &to);
	if (text.failed) {
		feishu_fail(err, errlen, "payload: text too long");
		goto done;
	}
	if (part < 0 || part >= parts) {
		snprintf(err, errlen, "no part %d of %d", part, parts);
		goto done;
	}
	if (part == 0)
		feishu_at(&m, &content);
	buf_addn(&content, text.s + from, to - from);
	body = json_object();
	if (!body || content.failed) {
		feishu_fail(err, errlen, "out of memory");
		goto done;
	}
	if (h->secret) {
		snprintf(stamp, sizeof(stamp), "%lld", (long long)clock_now());
		buf_printf(&msg, "%s\n%s", stamp, h->secret);
		/* the string is the key; the message is empty */
		if (msg.failed || robot_sign(msg.s, msg.len, "", 0, sign) < 0 ||
		    json_object_set_new(body, "timestamp", json_string(stamp)) < 0 ||
		    json_object_set_new(body, "sign", json_string(sign)) < 0) {
			feishu_fail(err, errlen, "cannot sign");
			goto done;
		}
	}
	if (json_object_set_new(body, "msg_type", json_string("text")) < 0 ||
	    json_object_set_new(body, "content",
	                        json_pack("{s:s%}", "text", content.s, content.len)) < 0 ||
	    !(s = json_dumps(body, JSON_COMPACT)) || !(url = strdup(h->url))) {
		feishu_fail(err, errlen, "out of memory");
		goto done;
	}
	if (strlen(s) > FEISHU_BODY_MAX) {
		feishu_fail(err, errlen, "message over 20 KB");
		goto done;
	}
	call->url = url;
	call->body = s;
	url = s = NULL;
	n = parts;
done:
	free(url);
	free(s);
	buf_release(&text);
	buf_release(&content);
	buf_release(&msg);
	robot_msg_release(&m);
	json_decref(body);
	return n;
}

/* ---- the answer ------------------------------------------------------------------------- */

/* Feishu's codes; any other is a refusal of the message (9499 "Bad Request": shape, size). */
static const struct robot_code feishu_codes[] = {
        {11232, ADAPTER_RATE_LIMITED, NULL, 0},      /* frequency limited */
        {9499, ADAPTER_RATE_LIMITED, "too many", 0}, /* "too many request", HTTP 400 */
        {19021, ADAPTER_REFUSED, NULL, 0},           /* sign match fail, or timestamp > 1 h */
        {19022, ADAPTER_REFUSED, NULL, 0},           /* Ip Not Allowed */
        {19024, ADAPTER_REFUSED, NULL, 0},           /* Key Words Not Found */
        {19001, ADAPTER_REFUSED, "access token", 0}, /* incoming webhook access token invalid */
};

static const struct robot_answers feishu_answers = {
        .code_key = "code",
        .msg_key = "msg",
        .codes = feishu_codes,
        .ncodes = sizeof(feishu_codes) / sizeof(feishu_codes[0]),
        .wait_s = 0,                 /* no window is said: the sender backs off, 1 s doubling */
        .scope = ADAPTER_SCOPE_CHAT, /* each bot has its own limit */
};

static const struct robot_platform feishu_platform = {
        .check_url = feishu_check_url,
        .url_example = "https://open.feishu.cn/open-apis/bot/v2/hook/...",
        .per_minute = FEISHU_PER_MINUTE,
        .per_second = FEISHU_PER_SECOND,
        .slack_ms = 250,
        .answers = &feishu_answers,
};

static void feishu_config(struct cfg_ld *ld, json_t *o, const char *path, int *enabled, void **conf)
{
	robot_config(ld, o, path, enabled, conf, &feishu_platform);
}

const struct adapter adapter_feishu = {
        .name = "feishu",
        .config = feishu_config,
        .config_free = robot_config_free,
        .staff_chat = robot_staff_chat,
        .private_chats = 0,
        .health = robot_health,
        .can_send = robot_can_send,
        .base_state = robot_base_state,
        .limits = robot_limits,
        .build = feishu_build,
        .classify = robot_conf_classify,
};
