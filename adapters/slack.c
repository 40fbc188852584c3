/*
 * slack.c - the pure half of the Slack adapter; see slack.h.
 */
#include "adapters/slack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lib/buf.h"
#include "lib/msg.h"
#include "lib/photo.h"
#include "lib/secret.h"
#include "lib/utf8.h"

/* ---- the request signature ---------------------------------------------------------- */

int slack_signature(const char *secret, const char *ts, const char *body, size_t len,
                    char out[SLACK_SIG_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mlen = 0, i;
	size_t tl, n;
	unsigned char *msg;
	int ok;

	out[0] = '\0';
	if (!secret || !ts)
		return -1;
	/* "v0:" TS ":" BODY, signed in one go */
	tl = strlen(ts);
	n = 3 + tl + 1 + len;
	msg = malloc(n);
	if (!msg)
		return -1;
	memcpy(msg, "v0:", 3);
	memcpy(msg + 3, ts, tl);
	msg[3 + tl] = ':';
	if (len)
		memcpy(msg + 4 + tl, body, len);
	ok = HMAC(EVP_sha256(), secret, (int)strlen(secret), msg, n, mac, &mlen) != NULL;
	free(msg);
	if (!ok || mlen != 32)
		return -1;
	memcpy(out, "v0=", 3);
	for (i = 0; i < mlen; i++) {
		out[3 + 2 * i] = hex[mac[i] >> 4];
		out[4 + 2 * i] = hex[mac[i] & 15];
	}
	out[SLACK_SIG_LEN] = '\0';
	return 0;
}

enum slack_sig slack_check_ts(const char *ts, int64_t now)
{
	int64_t t = 0;
	size_t i, n = ts ? strlen(ts) : 0;

	if (n == 0 || n > 12)
		return SLACK_SIG_MISSING;
	for (i = 0; i < n; i++) {
		if (ts[i] < '0' || ts[i] > '9')
			return SLACK_SIG_MISSING;
		t = t * 10 + (ts[i] - '0');
	}
	return t > now + SLACK_TS_WINDOW || t < now - SLACK_TS_WINDOW ? SLACK_SIG_STALE
	                                                              : SLACK_SIG_OK;
}

enum slack_sig slack_verify(const char *secret, const char *ts, const char *sig, const char *body,
                            size_t len, int64_t now)
{
	char want[SLACK_SIG_LEN + 1];
	enum slack_sig r;

	if (!secret || !*secret || !sig)
		return SLACK_SIG_MISSING;
	r = slack_check_ts(ts, now);
	if (r != SLACK_SIG_OK)
		return r;
	if (slack_signature(secret, ts, body, len, want) < 0)
		return SLACK_SIG_BAD;
	if (!secret_equal(want, SLACK_SIG_LEN, sig, strlen(sig)))
		return SLACK_SIG_BAD;
	return SLACK_SIG_OK;
}

/* ---- helpers ---------------------------------------------------------------------------- */

void slack_item_release(struct slack_item *it)
{
	free(it->challenge);
	free(it->event_id);
	free(it->channel);
	free(it->channel_type);
	free(it->user);
	free(it->user_name);
	free(it->ts);
	free(it->thread_ts);
	free(it->text);
	free(it->callback);
	free(it->action_ts);
	free(it->trigger_id);
	free(it->photo_url);
	memset(it, 0, sizeof(*it));
}

static char *str_of(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && *s ? strdup(s) : NULL;
}

static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return -1;
}

/* A Slack ID: letters and digits, not too long. */
static int id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n < 40 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == n;
}

/* A message timestamp: digits, one dot, digits. */
static int ts_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0, d = s ? strspn(s, "0123456789") : 0;

	return n > 0 && n < 32 && d > 0 && s[d] == '.' &&
	       strspn(s + d + 1, "0123456789") == n - d - 1;
}

/* ---- text --------------------------------------------------------------------------------- */

static void add_decoded(struct buf *b, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (s[i] == '&' && n - i >= 5 && strncmp(s + i, "&amp;", 5) == 0) {
			buf_addc(b, '&');
			i += 5;
		} else if (s[i] == '&' && n - i >= 4 && strncmp(s + i, "&lt;", 4) == 0) {
			buf_addc(b, '<');
			i += 4;
		} else if (s[i] == '&' && n - i >= 4 && strncmp(s + i, "&gt;", 4) == 0) {
			buf_addc(b, '>');
			i += 4;
		} else {
			buf_addc(b, s[i++]);
		}
	}
}

/* One <...> control sequence (without the brackets) as plain text. */
static void add_control(struct buf *b, const char *s, size_t n, const char *bot_user,
                        int *mentioned)
{
	const char *bar = memchr(s, '|', n);
	size_t id = bar ? (size_t)(bar - s) : n;
	const char *label = bar ? bar + 1 : NULL;
	size_t llen = bar ? n - id - 1 : 0;

	if (n > 1 && s[0] == '@') {
		if (bot_user && *bot_user && id - 1 == strlen(bot_user) &&
		    strncmp(s + 1, bot_user, id - 1) == 0) {
			*mentioned = 1;
			return;
		}
		buf_addc(b, '@');
		if (label && llen)
			add_decoded(b, label[0] == '@' ? label + 1 : label,
			            label[0] == '@' ? llen - 1 : llen);
		else
			buf_addn(b, s + 1, id - 1);
		return;
	}
	if (n > 1 && s[0] == '#') {
		buf_addc(b, '#');
		if (label && llen)
			add_decoded(b, label, llen);
		else
			buf_addn(b, s + 1, id - 1);
		return;
	}
	if (n > 1 && s[0] == '!') {
		/* <!here>, <!channel>, <!subteam^S1|@team>, <!date^...|fallback> */
		if (label && llen) {
			add_decoded(b, label, llen);
		} else {
			buf_addc(b, '@');
			buf_addn(b, s + 1, id - 1);
		}
		return;
	}
	if (label && llen)
		add_decoded(b, label, llen);
	else
		add_decoded(b, s, id);
}

char *slack_clean_text(const char *text, const char *bot_user, int *mentioned)
{
	struct buf b;
	const char *p = text ? text : "", *lt, *gt;
	char *out;
	size_t start, end;

	*mentioned = 0;
	buf_init(&b);
	while (*p) {
		lt = strchr(p, '<');
		gt = lt ? strchr(lt, '>') : NULL;
		if (!lt || !gt) {
			add_decoded(&b, p, strlen(p));
			break;
		}
		add_decoded(&b, p, (size_t)(lt - p));
		add_control(&b, lt + 1, (size_t)(gt - lt - 1), bot_user, mentioned);
		p = gt + 1;
	}
	if (b.failed) {
		buf_release(&b);
		return NULL;
	}
	out = buf_detach(&b);
	if (!out)
		return strdup("");
	start = strspn(out, " \t\r\n");
	end = strlen(out);
	while (end > start && strchr(" \t\r\n", out[end - 1]))
		end--;
	memmove(out, out + start, end - start);
	out[end - start] = '\0';
	return out;
}

char *slack_escape(const char *text)
{
	struct buf b;
	const char *p;

	buf_init(&b);
	for (p = text ? text : ""; *p; p++) {
		if (*p == '&')
			buf_add(&b, "&amp;");
		else if (*p == '<')
			buf_add(&b, "&lt;");
		else if (*p == '>')
			buf_add(&b, "&gt;");
		else
			buf_addc(&b, *p);
	}
	if (b.failed) {
		buf_release(&b);
		return NULL;
	}
	return b.len ? buf_detach(&b) : strdup("");
}

/* ---- events ------------------------------------------------------------------------------- */

/* The first image among FILES, for the message's photo. */
static void take_photo(json_t *files, struct slack_item *it)
{
	json_t *f;
	size_t i;
	const char *mime, *url;
	json_int_t size;

	json_array_foreach(files, i, f)
	{
		mime = json_string_value(json_object_get(f, "mimetype"));
		if (!mime || strncmp(mime, "image/", 6) != 0)
			continue;
		it->has_photo = 1;
		size = json_integer_value(json_object_get(f, "size"));
		if (size > (json_int_t)PHOTO_MAX_BYTES) {
			it->photo_too_big = 1;
			return;
		}
		url = json_string_value(json_object_get(f, "url_private_download"));
		if (!url)
			url = json_string_value(json_object_get(f, "url_private"));
		it->photo_url = url && *url ? strdup(url) : NULL;
		return;
	}
}

static int ignore(struct slack_item *it, const char *why)
{
	it->kind = SLACK_IGNORED;
	it->ignore = why;
	return 0;
}

static int parse_message(json_t *ev, const char *type, const char *bot_user, const char *bot_id,
                         struct slack_item *it, char *err, size_t errlen)
{
	const char *subtype = json_string_value(json_object_get(ev, "subtype"));
	const char *ebot = json_string_value(json_object_get(ev, "bot_id"));
	int mentioned = 0;

	if (ebot && *ebot)
		return ignore(it, bot_id && strcmp(ebot, bot_id) == 0 ? "our own message"
		                                                      : "a bot's message");
	if (subtype && strcmp(subtype, "file_share") != 0 &&
	    strcmp(subtype, "thread_broadcast") != 0)
		return ignore(it, "a message subtype we do not handle");
	it->channel = str_of(ev, "channel");
	it->user = str_of(ev, "user");
	it->ts = str_of(ev, "ts");
	it->thread_ts = str_of(ev, "thread_ts");
	it->channel_type = str_of(ev, "channel_type");
	if (!id_ok(it->channel) || !ts_ok(it->ts))
		return fail(err, errlen, "message without a channel or ts");
	if (!it->user)
		return ignore(it, "a message from nobody");
	if (!id_ok(it->user) || (it->thread_ts && !ts_ok(it->thread_ts)))
		return fail(err, errlen, "message with a malformed user or thread_ts");
	if (bot_user && strcmp(it->user, bot_user) == 0)
		return ignore(it, "our own message");
	it->text = slack_clean_text(json_string_value(json_object_get(ev, "text")), bot_user,
	                            &mentioned);
	if (!it->text)
		return fail(err, errlen, "out of memory");
	it->mentioned = mentioned || strcmp(type, "app_mention") == 0;
	take_photo(json_object_get(ev, "files"), it);
	if (!it->text[0] && !it->has_photo)
		return ignore(it, "an empty message");
	it->kind = SLACK_MESSAGE;
	return 0;
}

int slack_parse_event(json_t *body, const char *bot_user, const char *bot_id,
                      struct slack_item *out, char *err, size_t errlen)
{
	const char *type = json_string_value(json_object_get(body, "type")), *etype;
	json_t *ev;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(body) || !type)
		return fail(err, errlen, "not an Events API body");
	if (strcmp(type, "url_verification") == 0) {
		out->challenge = str_of(body, "challenge");
		if (!out->challenge || strlen(out->challenge) > 200)
			return fail(err, errlen, "url_verification without a challenge");
		out->kind = SLACK_CHALLENGE;
		return 0;
	}
	if (strcmp(type, "event_callback") != 0)
		return ignore(out, "not an event_callback");
	out->event_id = str_of(body, "event_id");
	ev = json_object_get(body, "event");
	etype = json_string_value(json_object_get(ev, "type"));
	if (!json_is_object(ev) || !etype)
		return fail(err, errlen, "event_callback without an event");
	if (strcmp(etype, "message") != 0 && strcmp(etype, "app_mention") != 0)
		return ignore(out, "an event type we do not handle");
	return parse_message(ev, etype, bot_user, bot_id, out, err, errlen);
}

int slack_parse_interactive(json_t *payload, struct slack_item *out, char *err, size_t errlen)
{
	const char *type = json_string_value(json_object_get(payload, "type"));
	json_t *action, *msg, *user, *container;
	const char *value;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(payload) || !type)
		return fail(err, errlen, "not an interactivity payload");
	if (strcmp(type, "block_actions") != 0)
		return ignore(out, "an interaction we do not handle");
	action = json_array_get(json_object_get(payload, "actions"), 0);
	user = json_object_get(payload, "user");
	msg = json_object_get(payload, "message");
	container = json_object_get(payload, "container");
	out->user = str_of(user, "id");
	out->user_name = str_of(user, "name");
	out->channel = str_of(json_object_get(payload, "channel"), "id");
	if (!out->channel)
		out->channel = str_of(container, "channel_id");
	out->ts = str_of(msg, "ts");
	if (!out->ts)
		out->ts = str_of(container, "message_ts");
	out->thread_ts = str_of(msg, "thread_ts");
	if (!out->thread_ts)
		out->thread_ts = str_of(container, "thread_ts");
	out->action_ts = str_of(action, "action_ts");
	if (!id_ok(out->user) || !id_ok(out->channel) || !ts_ok(out->ts) ||
	    (out->thread_ts && !ts_ok(out->thread_ts)))
		return fail(err, errlen, "block_actions without a user, channel or message");
	if (out->channel[0] == 'D')
		out->channel_type = strdup("im");
	value = json_string_value(json_object_get(action, "value"));
	if (!value || !*value || strlen(value) > SLACK_VALUE_MAX || !out->action_ts)
		return ignore(out, "an action without a value");
	out->callback = strdup(value);
	out->kind = SLACK_PRESS;
	return out->callback ? 0 : fail(err, errlen, "out of memory");
}

int slack_parse_command(json_t *fields, const char *command, struct slack_item *out, char *err,
                        size_t errlen)
{
	const char *cmd = json_string_value(json_object_get(fields, "command"));
	const char *text = json_string_value(json_object_get(fields, "text"));
	size_t word;
	struct buf b;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(fields) || !cmd)
		return fail(err, errlen, "not a slash command");
	if (!command || strcmp(cmd, command) != 0)
		return ignore(out, "another slash command");
	out->user = str_of(fields, "user_id");
	out->user_name = str_of(fields, "user_name");
	out->channel = str_of(fields, "channel_id");
	out->trigger_id = str_of(fields, "trigger_id");
	if (!id_ok(out->user) || !id_ok(out->channel) || !out->trigger_id ||
	    strlen(out->trigger_id) > 100)
		return fail(err, errlen, "slash command without a user, channel or trigger_id");
	if (out->channel[0] == 'D')
		out->channel_type = strdup("im");
	text = text ? text + strspn(text, " \t") : "";
	word = strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
	buf_init(&b);
	if (!*text)
		buf_add(&b, "/help");
	else if (word && (!text[word] || text[word] == ' '))
		buf_printf(&b, "/%s", text);
	else
		buf_add(&b, text);
	if (b.failed) {
		buf_release(&b);
		return fail(err, errlen, "out of memory");
	}
	out->text = buf_detach(&b);
	out->kind = SLACK_COMMAND;
	return 0;
}

/* ---- forms ------------------------------------------------------------------------------------
 */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* S[0..N) decoded; NULL when it holds a broken escape or a NUL. */
static char *form_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t i, o = 0;
	int h, l;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			h = i + 2 < n ? hexval(s[i + 1]) : -1;
			l = i + 2 < n ? hexval(s[i + 2]) : -1;
			if (h < 0 || l < 0 || (h == 0 && l == 0)) {
				free(out);
				return NULL;
			}
			out[o++] = (char)(h * 16 + l);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

json_t *slack_form_object(const char *body, size_t len)
{
	json_t *o = json_object();
	const char *p = body, *end = body + len, *amp, *eq;
	char *k, *v;

	if (!o)
		return NULL;
	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (!amp)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq) {
			k = form_decode(p, (size_t)(eq - p));
			v = form_decode(eq + 1, (size_t)(amp - eq - 1));
			if (!k || !v) {
				free(k);
				free(v);
				json_decref(o);
				return NULL;
			}
			json_object_set_new(o, k, json_string(v));
			free(k);
			free(v);
		}
		p = amp + 1;
	}
	return o;
}

char *slack_form_get(const char *body, size_t len, const char *key)
{
	json_t *o = slack_form_object(body, len);
	const char *v = json_string_value(json_object_get(o, key));
	char *out = v ? strdup(v) : NULL;

	json_decref(o);
	return out;
}

/* ---- outbound ------------------------------------------------------------------------------- */

int slack_chat_split(const char *chat, char *channel, size_t clen, char *thread, size_t tlen)
{
	const char *slash = chat ? strchr(chat, '/') : NULL;
	size_t n = slash ? (size_t)(slash - chat) : (chat ? strlen(chat) : 0);

	if (n == 0 || n >= clen || n >= 40)
		return -1;
	memcpy(channel, chat, n);
	channel[n] = '\0';
	if (!id_ok(channel))
		return -1;
	thread[0] = '\0';
	if (slash) {
		if (!ts_ok(slash + 1) || strlen(slash + 1) >= tlen)
			return -1;
		snprintf(thread, tlen, "%s", slash + 1);
	}
	return 0;
}

/* Code points of S[0..N). */
static size_t chars(const char *s, size_t n)
{
	size_t i = 0, c = 0;
	uint32_t cp;

	while (i < n) {
		i += utf8_next(s + i, n - i, &cp);
		c++;
	}
	return c;
}

/*
 * Where the first part of S (N bytes) ends: at most MAX characters, at the
 * last line break that keeps a quarter of it, else the last space, else a
 * character boundary; never inside an &amp;-style entity.
 */
static size_t cut(const char *s, size_t n, size_t max)
{
	size_t i = 0, c = 0, nl = 0, sp = 0, amp = 0, k;
	uint32_t cp;

	while (i < n && c < max) {
		if (s[i] == '\n')
			nl = i;
		else if (s[i] == ' ')
			sp = i;
		i += utf8_next(s + i, n - i, &cp);
		c++;
	}
	if (i >= n)
		return n;
	if (nl && chars(s, nl) >= max / 4)
		i = nl;
	else if (sp && chars(s, sp) >= max / 4)
		i = sp;
	/* not inside "&amp;": an entity is at most 5 bytes long */
	for (k = i > 5 ? i - 5 : 0; k < i; k++)
		if (s[k] == '&' && !memchr(s + k, ';', i - k))
			amp = k + 1;
	if (amp)
		i = amp - 1;
	return i ? i : 1;
}

/* The parts of TEXT (escaped already), NULL-terminated, malloc'd; NULL when out of memory. */
static char **split(const char *text, size_t *nparts)
{
	size_t n = strlen(text), at = 0, k = 0, cap = n / SLACK_PART_MAX + 2, len;
	char **parts = calloc(cap + 1, sizeof(*parts));

	if (!parts)
		return NULL;
	do {
		len = cut(text + at, n - at, SLACK_PART_MAX);
		if (k == cap) {
			char **more = realloc(parts, (cap * 2 + 1) * sizeof(*parts));

			if (!more)
				break;
			parts = more;
			cap *= 2;
		}
		parts[k] = malloc(len + 1);
		if (!parts[k])
			break;
		memcpy(parts[k], text + at, len);
		parts[k][len] = '\0';
		k++;
		parts[k] = NULL;
		at += len;
		while (at < n && (text[at] == '\n' || text[at] == ' '))
			at++;
	} while (at < n);
	*nparts = k;
	if (at < n) {
		for (k = 0; parts[k]; k++)
			free(parts[k]);
		free(parts);
		return NULL;
	}
	return parts;
}

static void parts_free(char **parts)
{
	size_t i;

	for (i = 0; parts && parts[i]; i++)
		free(parts[i]);
	free(parts);
}

/* A button's label, cut to what Slack shows. */
static json_t *label_of(const char *label)
{
	size_t n = strlen(label), i = 0, c = 0;
	uint32_t cp;

	while (i < n && c < SLACK_LABEL_MAX) {
		i += utf8_next(label + i, n - i, &cp);
		c++;
	}
	return json_stringn(label, i);
}

static json_t *actions_block(json_t *buttons, char *err, size_t errlen)
{
	json_t *elements = json_array(), *b;
	const char *label, *data;
	char id[16];
	size_t i;

	json_array_foreach(buttons, i, b)
	{
		label = json_string_value(json_object_get(b, "label"));
		data = json_string_value(json_object_get(b, "data"));
		if (!data)
			data = label;
		if (!label || !*label || !data || !*data || strlen(data) > SLACK_VALUE_MAX ||
		    i >= 25) {
			json_decref(elements);
			fail(err, errlen,
			     "a button without a label, or with a value Slack refuses");
			return NULL;
		}
		snprintf(id, sizeof(id), "b%zu", i);
		json_array_append_new(elements, json_pack("{s:s,s:{s:s,s:o,s:b},s:s,s:s}", "type",
		                                          "button", "text", "type", "plain_text",
		                                          "text", label_of(label), "emoji", 1,
		                                          "action_id", id, "value", data));
	}
	return json_pack("{s:s,s:s,s:o}", "type", "actions", "block_id", "choices", "elements",
	                 elements);
}

/* The text of the message: the mentions, then the escaped text. */
static char *full_text(json_t *p)
{
	json_t *mention = json_object_get(p, "mention"), *m;
	const char *text = json_string_value(json_object_get(p, "text"));
	char *esc = slack_escape(text ? text : ""), *out;
	struct buf b;
	size_t i;

	if (!esc)
		return NULL;
	buf_init(&b);
	json_array_foreach(mention, i, m)
	{
		const char *u = json_string_value(m);

		if (u && id_ok(u))
			buf_printf(&b, "<@%s> ", u);
	}
	buf_add(&b, esc);
	free(esc);
	if (b.failed) {
		buf_release(&b);
		return NULL;
	}
	out = buf_detach(&b);
	return out ? out : strdup("");
}

int slack_build_post(const char *chat, const char *payload, int part, char **body, char *err,
                     size_t errlen)
{
	char channel[48], thread[40], *text = NULL, **parts = NULL;
	json_t *p = NULL, *o = NULL, *buttons, *actions = NULL;
	size_t nparts = 0;
	int rc = -1;

	*body = NULL;
	if (slack_chat_split(chat, channel, sizeof(channel), thread, sizeof(thread)) < 0)
		return fail(err, errlen, "not a Slack chat");
	p = json_loads(payload ? payload : "", 0, NULL);
	if (!json_is_object(p)) {
		fail(err, errlen, "payload is not a JSON object");
		goto out;
	}
	buttons = json_object_get(p, "buttons");
	if (json_array_size(buttons) && !(actions = actions_block(buttons, err, errlen)))
		goto out;
	text = full_text(p);
	parts = text ? split(text, &nparts) : NULL;
	if (!parts) {
		fail(err, errlen, "out of memory");
		goto out;
	}
	if (nparts == 0) {
		fail(err, errlen, "nothing to say");
		goto out;
	}
	if (part < 0 || (size_t)part >= nparts)
		part = (int)nparts - 1;
	o = json_pack("{s:s,s:s,s:b,s:b}", "channel", channel, "text", parts[part], "unfurl_links",
	              0, "unfurl_media", 0);
	if (o && thread[0])
		json_object_set_new(o, "thread_ts", json_string(thread));
	if (o && actions && (size_t)part == nparts - 1) {
		json_object_set_new(o, "blocks",
		                    json_pack("[{s:s,s:{s:s,s:s}},O]", "type", "section", "text",
		                              "type", "mrkdwn", "text", parts[part], actions));
	}
	*body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (!*body) {
		fail(err, errlen, "out of memory");
		goto out;
	}
	rc = (int)nparts;
out:
	json_decref(o);
	json_decref(actions);
	json_decref(p);
	parts_free(parts);
	free(text);
	return rc;
}

/* ---- answers -------------------------------------------------------------------------------- */

static int one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

enum slack_verdict slack_classify(long status, const char *body, size_t len, const char *neterr,
                                  char *error, size_t errlen)
{
	static const char *const refused[] = {"invalid_auth",
	                                      "not_authed",
	                                      "token_revoked",
	                                      "token_expired",
	                                      "account_inactive",
	                                      "no_permission",
	                                      "missing_scope",
	                                      "ekm_access_denied",
	                                      "not_allowed_token_type",
	                                      "team_access_not_granted",
	                                      NULL};
	static const char *const again[] = {"internal_error", "fatal_error", "service_unavailable",
	                                    "request_timeout", NULL};
	json_t *o;
	const char *e;
	char what[96];
	enum slack_verdict v;

	if (status == 0) {
		snprintf(error, errlen, "network: %s", neterr ? neterr : "no answer");
		return SLACK_RETRY;
	}
	o = body && len ? json_loadb(body, len, 0, NULL) : NULL;
	e = json_string_value(json_object_get(o, "error"));
	snprintf(what, sizeof(what), "%.80s", e ? e : "");
	if (status == 200 && json_is_true(json_object_get(o, "ok"))) {
		json_decref(o);
		error[0] = '\0';
		return SLACK_OK;
	}
	json_decref(o);
	if (!what[0])
		snprintf(what, sizeof(what), "%s",
		         status == 200 ? "an answer that is not Slack's" : "no error said");
	snprintf(error, errlen, "HTTP %ld: %s", status, what);
	if (status == 429 || strcmp(what, "ratelimited") == 0 || strcmp(what, "rate_limited") == 0)
		v = SLACK_RATE_LIMITED;
	else if (status >= 500 || one_of(what, again))
		v = SLACK_RETRY;
	else if (status == 401 || status == 403 || one_of(what, refused))
		v = SLACK_REFUSED;
	else if (status == 200 && !e)
		v = SLACK_RETRY; /* a garbled answer (a proxy's page): try again */
	else
		v = SLACK_DEAD;
	return v;
}
