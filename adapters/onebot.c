/*
 * onebot.c - OneBot v11 as bytes and plain values; see onebot.h.
 */
#include "adapters/onebot.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "adapters/robot.h"
#include "lib/buf.h"
#include "lib/secret.h"

static int fail(char *err, size_t errlen, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", what);
	return -1;
}

/* ---- configuration ------------------------------------------------------------------- */

const struct ob_bot *ob_bot_find(const struct ob_conf *c, const char *self_id)
{
	size_t i;

	for (i = 0; c && self_id && i < c->nbots; i++)
		if (c->bots[i].self_id && strcmp(c->bots[i].self_id, self_id) == 0)
			return &c->bots[i];
	return NULL;
}

int ob_group_served(const struct ob_conf *c, const char *chat)
{
	size_t i;

	if (c->staff_group && strcmp(c->staff_group, chat) == 0)
		return 1;
	if (c->ngroups == 0)
		return 1;
	for (i = 0; i < c->ngroups; i++)
		if (strcmp(c->groups[i], chat) == 0)
			return 1;
	return 0;
}

/* ---- IDs ------------------------------------------------------------------------------- */

int ob_id_ok(const char *s)
{
	size_t n;

	if (!s)
		return 0;
	if (*s == '-')
		s++;
	n = strspn(s, "0123456789");
	return n >= 1 && n <= 20 && s[n] == '\0';
}

int ob_id_of(json_t *v, char out[OB_ID_MAX])
{
	out[0] = '\0';
	if (json_is_integer(v)) {
		snprintf(out, OB_ID_MAX, "%lld", (long long)json_integer_value(v));
		return 0;
	}
	if (json_is_string(v) && ob_id_ok(json_string_value(v))) {
		snprintf(out, OB_ID_MAX, "%s", json_string_value(v));
		return 0;
	}
	return -1;
}

/* ---- CQ codes -------------------------------------------------------------------------- */

char *ob_cq_unescape(const char *s, size_t len)
{
	static const struct {
		const char *from;
		char to;
	} esc[] = {{"&amp;", '&'}, {"&#91;", '['}, {"&#93;", ']'}, {"&#44;", ','}};
	char *out = malloc(len + 1), *o = out;
	size_t i = 0, k, n;

	if (!out)
		return NULL;
	while (i < len) {
		for (k = 0; k < sizeof(esc) / sizeof(esc[0]); k++) {
			n = strlen(esc[k].from);
			if (len - i >= n && memcmp(s + i, esc[k].from, n) == 0)
				break;
		}
		if (k < sizeof(esc) / sizeof(esc[0])) {
			*o++ = esc[k].to;
			i += strlen(esc[k].from);
		} else {
			*o++ = s[i++];
		}
	}
	*o = '\0';
	return out;
}

/* Appends plain text S[0..LEN) to ARR, joining it to a text segment just before. */
static int add_text(json_t *arr, const char *s, size_t len)
{
	json_t *last = json_array_get(arr, json_array_size(arr) - 1); /* borrowed */
	json_t *data = json_object_get(last, "data");                 /* borrowed */
	char *text, *joined;
	const char *prev;
	int rc;

	if (len == 0)
		return 0;
	text = ob_cq_unescape(s, len);
	if (!text)
		return -1;
	prev = json_string_value(json_object_get(data, "text"));
	if (prev && strcmp(json_string_value(json_object_get(last, "type")), "text") == 0) {
		joined = malloc(strlen(prev) + strlen(text) + 1);
		rc = -1;
		if (joined) {
			strcpy(joined, prev); // NOLINT(clang-analyzer-security.insecureAPI.strcpy)
			strcat(joined, text); // NOLINT(clang-analyzer-security.insecureAPI.strcpy)
			rc = json_object_set_new(data, "text", json_string(joined));
			free(joined);
		}
		free(text);
		return rc;
	}
	rc = json_array_append_new(
	        arr, json_pack("{s:s,s:{s:s}}", "type", "text", "data", "text", text));
	free(text);
	return rc;
}

/* One "[CQ:...]" without its brackets (BODY, LEN bytes after "[CQ:") as a segment. */
static json_t *cq_segment(const char *body, size_t len)
{
	json_t *seg, *data = json_object();
	const char *p = body, *end = body + len, *comma, *eq;
	char *type, *key, *val;

	comma = memchr(p, ',', len);
	type = ob_cq_unescape(p, (size_t)((comma ? comma : end) - p));
	seg = json_pack("{s:s,s:o}", "type", type ? type : "", "data", data);
	free(type);
	for (p = comma; seg && p && p < end; p = comma) {
		p++; /* past the comma */
		comma = memchr(p, ',', (size_t)(end - p));
		eq = memchr(p, '=', (size_t)((comma ? comma : end) - p));
		if (!eq)
			continue; /* a parameter without a value: nothing to keep */
		key = ob_cq_unescape(p, (size_t)(eq - p));
		val = ob_cq_unescape(eq + 1, (size_t)((comma ? comma : end) - eq - 1));
		if (key && val && *key)
			json_object_set_new(data, key, json_string(val));
		free(key);
		free(val);
	}
	return seg;
}

json_t *ob_cq_parse(const char *s, size_t len)
{
	json_t *arr = json_array(), *seg;
	size_t i = 0, start = 0;
	const char *close;

	while (arr && i < len) {
		if (len - i >= 4 && memcmp(s + i, "[CQ:", 4) == 0 &&
		    (close = memchr(s + i + 4, ']', len - i - 4)) != NULL) {
			if (add_text(arr, s + start, i - start) < 0)
				goto oom;
			seg = cq_segment(s + i + 4, (size_t)(close - (s + i + 4)));
			if (!seg || json_array_append_new(arr, seg) < 0)
				goto oom;
			i = (size_t)(close - s) + 1;
			start = i;
		} else {
			i++;
		}
	}
	if (arr && add_text(arr, s + start, len - start) < 0)
		goto oom;
	return arr;
oom:
	json_decref(arr);
	return NULL;
}

/* ---- events ---------------------------------------------------------------------------- */

void ob_event_release(struct ob_event *ev)
{
	int i;

	free(ev->name);
	free(ev->text);
	for (i = 0; i < ev->nimages; i++)
		free(ev->images[i]);
	memset(ev, 0, sizeof(*ev));
}

static int is_http_url(const char *s)
{
	return s && (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0);
}

static void copy_word(char *out, size_t len, json_t *v)
{
	snprintf(out, len, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* Reads the segments of a message into EV (text, mention of the bot, reply, images). */
static int read_segments(json_t *segs, struct ob_event *ev)
{
	struct buf text;
	json_t *seg, *data;
	const char *type, *s, *url;
	char id[OB_ID_MAX];
	size_t i, a, b;

	buf_init(&text);
	json_array_foreach(segs, i, seg)
	{
		type = json_string_value(json_object_get(seg, "type"));
		data = json_object_get(seg, "data");
		if (!type)
			continue;
		if (strcmp(type, "text") == 0) {
			s = json_string_value(json_object_get(data, "text"));
			if (s)
				buf_add(&text, s);
		} else if (strcmp(type, "at") == 0) {
			/* "qq" may come as a string or a number */
			if (ob_id_of(json_object_get(data, "qq"), id) == 0 &&
			    strcmp(id, ev->self_id) == 0)
				ev->mentions_self = 1;
		} else if (strcmp(type, "reply") == 0) {
			ob_id_of(json_object_get(data, "id"), ev->reply_id);
		} else if (strcmp(type, "image") == 0 && ev->nimages < OB_MAX_IMAGES) {
			url = json_string_value(json_object_get(data, "url"));
			if (!is_http_url(url))
				url = json_string_value(json_object_get(data, "file"));
			if (is_http_url(url) && (ev->images[ev->nimages] = strdup(url)) != NULL)
				ev->nimages++;
		}
	}
	/* The space a client puts after a mention, and around the text, goes. */
	a = 0;
	b = text.len;
	s = buf_str(&text);
	while (a < b && isspace((unsigned char)s[a]))
		a++;
	while (b > a && isspace((unsigned char)s[b - 1]))
		b--;
	ev->text = text.failed ? NULL : strndup(s + a, b - a);
	buf_release(&text);
	return ev->text ? 0 : -1;
}

static int parse_message(json_t *o, struct ob_event *ev, char *err, size_t errlen)
{
	json_t *msg = json_object_get(o, "message"), *segs = NULL, *sender;
	const char *post = json_string_value(json_object_get(o, "post_type"));
	const char *mtype = json_string_value(json_object_get(o, "message_type"));
	const char *sub = json_string_value(json_object_get(o, "sub_type"));
	const char *card, *nick;
	int rc;

	ev->kind = OB_MESSAGE;
	if (ob_id_of(json_object_get(o, "user_id"), ev->user_id) < 0 ||
	    ob_id_of(json_object_get(o, "message_id"), ev->message_id) < 0 || !mtype)
		return fail(err, errlen, "a message without user_id, message_id or message_type");
	if (strcmp(mtype, "group") == 0 &&
	    ob_id_of(json_object_get(o, "group_id"), ev->group_id) < 0)
		return fail(err, errlen, "a group message without group_id");
	if (json_is_string(msg))
		segs = ob_cq_parse(json_string_value(msg), json_string_length(msg));
	else if (json_is_array(msg))
		segs = json_incref(msg);
	else if (json_is_string(json_object_get(o, "raw_message")))
		segs = ob_cq_parse(json_string_value(json_object_get(o, "raw_message")),
		                   json_string_length(json_object_get(o, "raw_message")));
	if (!segs)
		return fail(err, errlen, "a message without its message");
	rc = read_segments(segs, ev);
	json_decref(segs);
	if (rc < 0)
		return fail(err, errlen, "out of memory");
	sender = json_object_get(o, "sender");
	card = json_string_value(json_object_get(sender, "card"));
	nick = json_string_value(json_object_get(sender, "nickname"));
	if ((card && *card) || (nick && *nick))
		ev->name = strdup(card && *card ? card : nick);
	if (strcmp(post, "message_sent") == 0 || strcmp(ev->user_id, ev->self_id) == 0)
		ev->ignore = "own message";
	else if (strcmp(mtype, "group") != 0 && strcmp(mtype, "private") != 0)
		ev->ignore = "not a group or private message";
	else if (ev->group_id[0] && sub && strcmp(sub, "normal") != 0)
		ev->ignore = "anonymous or a notice"; /* nobody to answer privately */
	return 0;
}

int ob_parse_event(const char *json, size_t len, struct ob_event *ev, char *err, size_t errlen)
{
	json_t *o = json_loadb(json, len, 0, NULL), *echo, *v;
	const char *post;
	char *s;
	int rc = 0;

	memset(ev, 0, sizeof(*ev));
	if (!json_is_object(o)) {
		json_decref(o);
		return fail(err, errlen, "not a JSON object");
	}
	post = json_string_value(json_object_get(o, "post_type"));
	echo = json_object_get(o, "echo");
	ob_id_of(json_object_get(o, "self_id"), ev->self_id);
	if (!post && echo && (json_object_get(o, "status") || json_object_get(o, "retcode"))) {
		ev->kind = OB_RESPONSE;
		if (json_is_string(echo)) {
			copy_word(ev->echo, sizeof(ev->echo), echo);
		} else if ((s = json_dumps(echo, JSON_ENCODE_ANY | JSON_COMPACT)) != NULL) {
			snprintf(ev->echo, sizeof(ev->echo), "%s", s);
			free(s);
		}
	} else if (!post) {
		rc = fail(err, errlen, "neither an event nor an answer");
	} else if (!ev->self_id[0]) {
		rc = fail(err, errlen, "an event without self_id");
	} else if (strcmp(post, "message") == 0 || strcmp(post, "message_sent") == 0) {
		rc = parse_message(o, ev, err, errlen);
	} else if (strcmp(post, "meta_event") == 0) {
		ev->kind = OB_META;
		copy_word(ev->meta, sizeof(ev->meta), json_object_get(o, "meta_event_type"));
		copy_word(ev->sub_type, sizeof(ev->sub_type), json_object_get(o, "sub_type"));
		v = json_object_get(o, "interval");
		if (json_is_integer(v) && json_integer_value(v) > 0)
			ev->interval = (int64_t)json_integer_value(v);
	}
	json_decref(o);
	if (rc < 0)
		ob_event_release(ev);
	return rc;
}

/* ---- outbound messages ------------------------------------------------------------------ */

static json_t *seg(const char *type, const char *key, const char *value)
{
	return json_pack("{s:s,s:{s:s}}", "type", type, "data", key, value);
}

/* The quote and mentions that open a group message. */
static int opening(json_t *arr, const struct robot_msg *m)
{
	json_t *reply = json_object_get(m->root, "reply_to"); /* borrowed */
	const char *ref = json_string_value(json_object_get(reply, "ref"));
	const char *user = json_string_value(json_object_get(reply, "user"));
	int i, n = 0;

	if (ref && ob_id_ok(ref))
		json_array_append_new(arr, seg("reply", "id", ref));
	if (user && ob_id_ok(user) && user[0] != '-') {
		json_array_append_new(arr, seg("at", "qq", user));
		n++;
	}
	for (i = 0; i < m->nmentions; i++) {
		if (m->mentions[i].all) {
			json_array_append_new(arr, seg("at", "qq", "all"));
		} else if (!m->mentions[i].mobile && ob_id_ok(m->mentions[i].who) &&
		           m->mentions[i].who[0] != '-' &&
		           !(user && !strcmp(user, m->mentions[i].who))) {
			json_array_append_new(arr, seg("at", "qq", m->mentions[i].who));
		} else {
			continue;
		}
		n++;
	}
	return n;
}

int ob_build_message(const char *payload, int group, int part, json_t **out, char *err,
                     size_t errlen)
{
	struct robot_msg m;
	json_t *arr = NULL;
	struct buf line;
	size_t from, to;
	int n, mentions = 0;

	*out = NULL;
	if (robot_msg_read(&m, payload, NULL, err, errlen) < 0) {
		robot_msg_release(&m);
		return -1;
	}
	n = robot_split(buf_str(&m.text), m.text.len, OB_TEXT_MAX, 0, part, &from, &to);
	if (n < 1 || part < 0 || part >= n || !(arr = json_array())) {
		robot_msg_release(&m);
		return fail(err, errlen, n < 1 ? "payload: empty text" : "no such part");
	}
	if (group && part == 0)
		mentions = opening(arr, &m);
	buf_init(&line);
	/* The mentions show as "@name", then the text after a space. */
	if (mentions)
		buf_add(&line, " ");
	buf_addn(&line, buf_str(&m.text) + from, to - from);
	if (line.failed || json_array_append_new(arr, seg("text", "text", buf_str(&line))) < 0) {
		json_decref(arr);
		arr = NULL;
		n = fail(err, errlen, "out of memory");
	}
	buf_release(&line);
	robot_msg_release(&m);
	*out = arr;
	return n;
}

/* ---- authentication ------------------------------------------------------------------------ */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int ob_signature_ok(const char *secret, const char *body, size_t len, const char *header)
{
	unsigned char want[EVP_MAX_MD_SIZE], got[20];
	unsigned int wlen = 0;
	int i, hi, lo;

	if (!secret || !*secret || !header || strncmp(header, "sha1=", 5) != 0 ||
	    strlen(header + 5) != 40)
		return 0;
	for (i = 0; i < 20; i++) {
		hi = hexval(header[5 + 2 * i]);
		lo = hexval(header[6 + 2 * i]);
		if (hi < 0 || lo < 0)
			return 0;
		got[i] = (unsigned char)(hi << 4 | lo);
	}
	if (!HMAC(EVP_sha1(), secret, (int)strlen(secret), (const unsigned char *)body, len, want,
	          &wlen) ||
	    wlen != 20)
		return 0;
	return secret_equal(want, wlen, got, sizeof(got));
}

const char *ob_bearer(const char *authorization)
{
	static const char *const schemes[] = {"Bearer ", "Token "};
	size_t i, n;

	for (i = 0; authorization && i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		n = strlen(schemes[i]);
		if (strncasecmp(authorization, schemes[i], n) == 0)
			return authorization + n;
	}
	return NULL;
}

int ob_token_ok(const char *expected, const char *given)
{
	return secret_equal_str(expected, given);
}

/* ---- answers ----------------------------------------------------------------------------- */

int ob_answer_message_id(const char *resp, size_t len, char out[OB_ID_MAX])
{
	json_t *o = resp ? json_loadb(resp, len, 0, NULL) : NULL;
	int rc;

	out[0] = '\0';
	rc = ob_id_of(json_object_get(json_object_get(o, "data"), "message_id"), out);
	json_decref(o);
	return rc;
}

/* The answer's words: go-cqhttp's "msg" and "wording", NapCat's "message". */
static void answer_words(json_t *o, char *out, size_t len)
{
	const char *msg = json_string_value(json_object_get(o, "msg"));
	const char *wording = json_string_value(json_object_get(o, "wording"));
	const char *message = json_string_value(json_object_get(o, "message"));

	if (msg && wording && *wording && strcmp(msg, wording) != 0)
		snprintf(out, len, "%s (%s)", msg, wording);
	else
		snprintf(out, len, "%s",
		         msg && *msg           ? msg
		         : message && *message ? message
		         : wording             ? wording
		                               : "");
}

static void refused(struct adapter_verdict *v, const char *what)
{
	v->outcome = ADAPTER_REFUSED;
	snprintf(v->state, sizeof(v->state), "error: %s", what);
}

static void classify_retcode(json_t *o, long long retcode, struct adapter_verdict *v)
{
	char words[200];

	answer_words(o, words, sizeof(words));
	snprintf(v->error, sizeof(v->error), "retcode %lld%s%s", retcode, words[0] ? ": " : "",
	         words);
	if (retcode == 1400 || retcode == 102 ||
	    (retcode == 100 && !strstr(words, "SEND_MSG_API_ERROR"))) {
		v->outcome =
		        ADAPTER_DEAD; /* the parameters are wrong: sending again changes nothing */
	} else if (retcode == 1401 || retcode == 1403) {
		refused(v, "the access token was refused");
	} else if (retcode == 1404) {
		refused(v, "the implementation does not know the action");
	} else if (retcode == 100 || retcode == 1429 || retcode == 429) {
		/* QQ refused the message (mostly its risk control): wait, then try again */
		v->outcome = ADAPTER_RATE_LIMITED;
		v->scope = ADAPTER_SCOPE_UNKNOWN;
	} else {
		v->outcome = ADAPTER_RETRY;
	}
}

void ob_classify(long status, const char *resp, size_t len, long retry_after, const char *neterr,
                 struct adapter_verdict *v)
{
	json_t *o = NULL, *rc;
	const char *st;

	memset(v, 0, sizeof(*v));
	v->retry_after = retry_after > 0 ? (int)retry_after : 0;
	if (status == 0) {
		v->outcome = ADAPTER_RETRY;
		snprintf(v->error, sizeof(v->error), "no answer: %s", neterr ? neterr : "?");
		return;
	}
	snprintf(v->error, sizeof(v->error), "HTTP %ld", status);
	if (status == 401 || status == 403) {
		refused(v, "the access token was refused");
	} else if (status == 404) {
		refused(v, "the implementation does not know the action (api_url?)");
	} else if (status == 429) {
		v->outcome = ADAPTER_RATE_LIMITED;
		v->scope = ADAPTER_SCOPE_UNKNOWN;
	} else if (status >= 500 || status < 200 || status == 408) {
		v->outcome = ADAPTER_RETRY;
	} else if (status >= 300) {
		v->outcome = ADAPTER_DEAD; /* 400 bad request, 406 the body's type */
	} else if (!(o = resp ? json_loadb(resp, len, 0, NULL) : NULL) || !json_is_object(o)) {
		v->outcome = ADAPTER_RETRY;
		snprintf(v->error, sizeof(v->error), "HTTP %ld: an answer that is not JSON",
		         status);
	} else {
		st = json_string_value(json_object_get(o, "status"));
		rc = json_object_get(o, "retcode");
		if ((st && (strcmp(st, "ok") == 0 || strcmp(st, "async") == 0)) ||
		    (!st && json_is_integer(rc) &&
		     (json_integer_value(rc) == 0 || json_integer_value(rc) == 1))) {
			v->outcome = ADAPTER_SENT;
			v->error[0] = '\0';
		} else {
			classify_retcode(
			        o, json_is_integer(rc) ? (long long)json_integer_value(rc) : -1, v);
		}
	}
	json_decref(o);
}
