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
 * digits) or "@all". It has no buttons either: each button becomes the
 * command it stands for, on a line of its own, for staff to copy. Content is
 * at most 2048 bytes, so a longer text goes as several messages. The robot
 * may post 20 messages a minute, whatever they say, so its pace is one
 * window over the whole channel.
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
#include "lib/buf.h"
#include "lib/config_read.h"
#include "lib/ratelimit.h"
#include "lib/utf8.h"

#define WR_CHAT            "group" /* the robot's one chat: its own group */
#define WR_CONTENT_MAX     2048    /* bytes of text.content */
#define WR_DEFAULT_BASE    "https://qyapi.weixin.qq.com"
#define WR_SEND_PATH       "/cgi-bin/webhook/send?key="
#define WR_PER_MINUTE      20   /* the platform's limit, and the most we allow */
#define WR_MARGIN_MS       1000 /* the platform counts arrivals, which wander */
#define WR_WAIT_S          60   /* a full window, when a rate limit says no more */
#define WR_RETRY_AFTER_MAX 86400

/* WeCom's errcodes that matter here. */
#define WR_OK          0
#define WR_BUSY        (-1)  /* system busy: try again */
#define WR_FREQ_LIMIT  45009 /* api freq out of limit: over 20/min */
#define WR_CONCURRENCY 45033 /* too many calls at once: try again */

/* The robot itself is gone or its key is wrong: every message would fail alike. */
static const int wr_refusals[] = {
        93000, /* invalid webhook url: wrong key, or the robot was removed from the group */
        93004, /* the robot was disabled */
        93008, /* the robot is not in the group */
        40014, /* invalid credential */
};

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
	if (o && !json_is_object(o)) {
		cfg_problem(ld, path, "expected an object");
		o = NULL;
	}
	if (o) {
		cfg_check_keys(ld, o, path, keys);
		cfg_get_bool(ld, o, path, "enabled", 0, enabled);
		lax = !*enabled; /* a switched-off channel may name variables nobody set */
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

static int wr_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* 1 when WORD stands in TEXT on its own ("/accept 261127-001", not inside "...-0012"). */
static int wr_has_word(const char *text, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = strstr(text, word); n && p; p = strstr(p + 1, word))
		if ((p == text || !wr_word_char(p[-1]) || !wr_word_char(word[0])) &&
		    (!wr_word_char(p[n]) || !wr_word_char(word[n - 1])))
			return 1;
	return 0;
}

static int wr_blank(char c)
{
	return c == '\n' || c == '\r' || c == ' ' || c == '\t';
}

/*
 * The whole content: TEXT without blank lines around it, then a blank line
 * and each button's data (the command to type) on a line of its own, unless
 * the text already spells that command out. 0, or -1 with ERR.
 */
static int wr_content(json_t *root, struct buf *b, char *err, size_t errlen)
{
	json_t *text = json_object_get(root, "text");       /* borrowed */
	json_t *buttons = json_object_get(root, "buttons"); /* borrowed */
	json_t *btn, *data;                                 /* borrowed */
	const char *s, *d;
	size_t len, i;
	int first = 1;

	if (!json_is_string(text))
		return wr_fail(err, errlen, "payload: no text");
	if (buttons && !json_is_null(buttons) && !json_is_array(buttons))
		return wr_fail(err, errlen, "payload: buttons is not a list");
	s = json_string_value(text);
	len = json_string_length(text);
	while (len > 0 && wr_blank(s[len - 1]))
		len--;
	while (len > 0 && (s[0] == '\n' || s[0] == '\r')) {
		s++;
		len--;
	}
	buf_addn(b, s, len);
	json_array_foreach(buttons, i, btn)
	{
		data = json_object_get(btn, "data");
		d = json_string_value(data);
		if (!d || !*d || wr_has_word(buf_str(b), d))
			continue;
		if (b->len)
			buf_add(b, first ? "\n\n" : "\n");
		buf_add(b, d);
		first = 0;
	}
	if (b->failed)
		return wr_fail(err, errlen, "payload: text too long");
	if (!b->len)
		return wr_fail(err, errlen, "payload: empty text");
	return 0;
}

/*
 * Splits S (LEN bytes, valid UTF-8) into parts of at most MAX bytes, cut at
 * a character boundary, or at a line break when one falls in the second half
 * of the part (the breaks at a cut are dropped). Returns the number of
 * parts; part WANT is S[*FROM, *TO).
 */
static int wr_split(const char *s, size_t len, size_t max, int want, size_t *from, size_t *to)
{
	size_t pos = 0, end, i, k, brk;
	int n = 0, have_brk;
	uint32_t cp;

	*from = *to = 0;
	while (pos < len) {
		if (len - pos <= max) {
			end = len;
		} else {
			have_brk = 0;
			brk = 0;
			for (i = pos; i < len; i += k) {
				k = utf8_next(s + i, len - i, &cp);
				if (i + k - pos > max)
					break;
				if (s[i] == '\n' && i - pos >= max / 2) {
					have_brk = 1;
					brk = i;
				}
			}
			if (i < len && s[i] == '\n') { /* the break right after a full part */
				have_brk = 1;
				brk = i;
			}
			end = have_brk ? brk : i;
			if (have_brk && end > pos && s[end - 1] == '\r')
				end--;
		}
		if (n == want) {
			*from = pos;
			*to = end;
		}
		n++;
		pos = end;
		while (pos < len && (s[pos] == '\n' || s[pos] == '\r'))
			pos++;
	}
	return n;
}

static int wr_all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* Mobile numbers to *MOBILES, user IDs and "@all" to *USERS (new arrays). 0, or -1 with ERR. */
static int wr_mentions(json_t *root, json_t **users, json_t **mobiles, char *err, size_t errlen)
{
	json_t *list = json_object_get(root, "mention"); /* borrowed */
	json_t *m;                                       /* borrowed */
	const char *who;
	size_t i;

	*users = json_array();
	*mobiles = json_array();
	if (!*users || !*mobiles)
		return wr_fail(err, errlen, "out of memory");
	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return wr_fail(err, errlen, "payload: mention is not a list of users");
	json_array_foreach(list, i, m)
	{
		who = json_string_value(m);
		if (!who || !*who)
			return wr_fail(err, errlen, "payload: mention is not a list of users");
		/* json_array_append_new steals the new string, also when it fails */
		if (json_array_append_new(wr_all_digits(who) ? *mobiles : *users,
		                          json_string(who)) < 0)
			return wr_fail(err, errlen, "out of memory");
	}
	return 0;
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
	json_t *root = NULL, *users = NULL, *mobiles = NULL, *body = NULL, *text; /* owned */
	struct buf content = {0};
	size_t from, to;
	char *url = NULL, *s = NULL;
	int n = -1, parts;

	(void)row_id;
	if (!c->key)
		return wr_fail(err, errlen, "no key configured");
	/* Anything else would be a private message, and this group has readers. */
	if (!chat || strcmp(chat, WR_CHAT) != 0)
		return wr_fail(err, errlen,
		               "the robot posts only to its own group (chat \"" WR_CHAT "\")");
	root = payload ? json_loads(payload, 0, NULL) : NULL;
	if (!json_is_object(root)) {
		wr_fail(err, errlen, "payload: not a JSON object");
		goto done;
	}
	if (wr_content(root, &content, err, errlen) < 0 ||
	    wr_mentions(root, &users, &mobiles, err, errlen) < 0)
		goto done;
	parts = wr_split(content.s, content.len, WR_CONTENT_MAX, part, &from, &to);
	if (part < 0 || part >= parts) {
		snprintf(err, errlen, "no part %d of %d", part, parts);
		goto done;
	}
	body = json_object();
	text = json_object();
	if (!body || !text || json_object_set_new(body, "msgtype", json_string("text")) < 0) {
		json_decref(text);
		wr_fail(err, errlen, "out of memory");
		goto done;
	}
	/* json_object_set_new steals TEXT, also when it fails; the lists stay ours */
	if (json_object_set_new(body, "text", text) < 0) {
		wr_fail(err, errlen, "out of memory");
		goto done;
	}
	if (json_object_set_new(text, "content", json_stringn(content.s + from, to - from)) < 0 ||
	    (part == 0 && json_array_size(users) &&
	     json_object_set(text, "mentioned_list", users) < 0) ||
	    (part == 0 && json_array_size(mobiles) &&
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
	buf_release(&content);
	json_decref(body);
	json_decref(users);
	json_decref(mobiles);
	json_decref(root);
	return n;
}

/* ---- the answer ------------------------------------------------------------------------ */

/* Copies SRC into DST (SIZE bytes) with every occurrence of KEY replaced by "<key>". */
static void wr_scrubbed(char *dst, size_t size, const char *src, const char *key)
{
	struct buf b = {0};
	size_t klen = key ? strlen(key) : 0;
	const char *p, *hit;

	for (p = src; klen && (hit = strstr(p, key)); p = hit + klen) {
		if (hit > p)
			buf_addn(&b, p, (size_t)(hit - p));
		buf_add(&b, "<key>");
	}
	if (*p)
		buf_add(&b, p);
	buf_copy(dst, size, b.failed ? "" : buf_str(&b));
	buf_release(&b);
}

static void wr_say(char *dst, size_t size, const struct wr_conf *c, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void wr_say(char *dst, size_t size, const struct wr_conf *c, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	wr_scrubbed(dst, size, tmp, c->key);
}

/* The platform's message without its tail (", hint: [...], from ip: ..., more info at ..."). */
static void wr_errmsg(json_t *root, char *out, size_t len)
{
	const char *msg = json_string_value(json_object_get(root, "errmsg"));
	const char *hint;

	buf_copy(out, len, msg);
	hint = strstr(out, ", hint:");
	if (hint)
		out[hint - out] = '\0';
}

static int wr_refused(json_int_t code)
{
	size_t i;

	for (i = 0; i < sizeof(wr_refusals) / sizeof(wr_refusals[0]); i++)
		if (code == wr_refusals[i])
			return 1;
	return 0;
}

static int wr_wait(long retry_after)
{
	if (retry_after <= 0)
		return WR_WAIT_S;
	return retry_after > WR_RETRY_AFTER_MAX ? WR_RETRY_AFTER_MAX : (int)retry_after;
}

static void wr_classify(const struct chan *ch, const struct adapter_call *call, long status,
                        const char *resp, size_t len, long retry_after, const char *neterr,
                        struct adapter_verdict *v)
{
	const struct wr_conf *c = ch->conf;
	json_t *root = NULL, *ec; /* root owned, ec borrowed */
	json_int_t code;
	char msg[160];

	(void)call;
	memset(v, 0, sizeof(*v));
	/* One robot, one group: whatever the answer is about, it is about all of it. */
	v->scope = ADAPTER_SCOPE_CHANNEL;
	if (status <= 0) {
		v->outcome = ADAPTER_RETRY;
		wr_say(v->error, sizeof(v->error), c, "network: %s",
		       neterr && *neterr ? neterr : "no answer");
		return;
	}
	root = resp && len ? json_loadb(resp, len, 0, NULL) : NULL;
	if (!json_is_object(root)) {
		json_decref(root);
		root = NULL;
	}
	wr_errmsg(root, msg, sizeof(msg));
	if (status == 429) {
		v->outcome = ADAPTER_RATE_LIMITED;
		v->retry_after = wr_wait(retry_after);
		wr_say(v->error, sizeof(v->error), c, "HTTP 429: %s",
		       *msg ? msg : "too many requests");
		goto done;
	}
	if (status >= 500 || status == 408) {
		v->outcome = ADAPTER_RETRY;
		wr_say(v->error, sizeof(v->error), c, "HTTP %ld%s%s", status, *msg ? ": " : "",
		       msg);
		goto done;
	}
	if (status < 200 || status >= 300) {
		v->outcome = ADAPTER_DEAD;
		wr_say(v->error, sizeof(v->error), c, "HTTP %ld%s%s", status, *msg ? ": " : "",
		       msg);
		goto done;
	}
	ec = json_object_get(root, "errcode");
	if (!json_is_integer(ec)) {
		/* a proxy's page, or a cut answer: the platform did not say no */
		v->outcome = ADAPTER_RETRY;
		wr_say(v->error, sizeof(v->error), c, "HTTP %ld: %s", status,
		       root ? "the answer has no errcode" : "the answer is not JSON");
		goto done;
	}
	code = json_integer_value(ec);
	if (!*msg)
		buf_copy(msg, sizeof(msg), "no errmsg");
	if (code == WR_OK) {
		v->outcome = ADAPTER_SENT;
		wr_say(v->error, sizeof(v->error), c, "HTTP %ld", status);
		buf_copy(v->state, sizeof(v->state), "on");
	} else if (code == WR_FREQ_LIMIT) {
		v->outcome = ADAPTER_RATE_LIMITED;
		v->retry_after = wr_wait(retry_after);
	} else if (code == WR_BUSY || code == WR_CONCURRENCY) {
		v->outcome = ADAPTER_RETRY;
	} else if (wr_refused(code)) {
		v->outcome = ADAPTER_REFUSED;
		wr_say(v->state, sizeof(v->state), c, "error: %" JSON_INTEGER_FORMAT " %s", code,
		       msg);
	} else {
		v->outcome = ADAPTER_DEAD;
	}
	if (code != WR_OK)
		wr_say(v->error, sizeof(v->error), c, "errcode %" JSON_INTEGER_FORMAT ": %s", code,
		       msg);
done:
	json_decref(root);
}

const struct adapter adapter_wecom_robot = {
        .name = "wecom_robot",
        .config = wr_config,
        .config_free = wr_config_free,
        .staff_chat = wr_staff_chat,
        .private_chats = 0,
        .can_send = wr_can_send,
        .base_state = wr_base_state,
        .limits = wr_limits,
        .build = wr_build,
        .classify = wr_classify,
};
