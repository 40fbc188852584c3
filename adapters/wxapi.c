/*
 * wxapi.c - what the WeChat Official Account and WeCom APIs share: the
 * access token every call carries, their answers ({"errcode", "errmsg"}),
 * and the plain texts sent through them; see wx.h.
 *
 * The token. Both platforms hand out a token valid for 7200 seconds from a
 * GET with the app's credentials; fetching another ends the last one (after
 * a short overlap), so one process keeps one. It is fetched at start, and
 * again when a call finds it missing or within WX_TOKEN_MARGIN seconds of
 * its end: the sender then makes the fetch as that row's call (on its
 * multi handle, never blocking) and sends the row with the new token next
 * time; the fetching thread, which may block, fetches it on the spot. A
 * call refused for its token (expired, or ended by a fetch elsewhere) drops
 * it; if the one fetched after that is refused as well, the credentials
 * are wrong and the channel waits for the operator.
 */
#include "adapters/wx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adapters/robot.h"
#include "lib/clock.h"
#include "lib/config_read.h"
#include "lib/log.h"

#define FETCH_TIMEOUT_MS 15000 /* a fetch in flight longer than this is given up */
#define RETRY_MS         5000  /* after a failed fetch */
#define REFUSED_RETRY_MS 60000 /* after refused credentials */
#define EXPIRES_MIN      60

/* ---- the token -------------------------------------------------------------------- */

void wx_token_init(struct wx_token *t)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->mu, NULL);
}

void wx_token_destroy(struct wx_token *t)
{
	pthread_mutex_destroy(&t->mu);
	memset(t->value, 0, sizeof(t->value));
}

enum wx_want wx_token_take(struct wx_token *t, char *out, size_t len)
{
	int64_t now = clock_now(), mono = clock_mono_ms();
	enum wx_want w = WX_USE;

	pthread_mutex_lock(&t->mu);
	if (!t->value[0] || now >= t->expires_at - WX_TOKEN_MARGIN) {
		if (t->fetching_since && mono - t->fetching_since > FETCH_TIMEOUT_MS)
			t->fetching_since = 0; /* its answer never came */
		if (!t->fetching_since && mono >= t->retry_at) {
			t->fetching_since = mono ? mono : 1;
			t->fetches++;
			w = WX_FETCH;
		}
	}
	snprintf(out, len, "%s", t->value);
	pthread_mutex_unlock(&t->mu);
	return w;
}

int wx_token_answer(struct wx_token *t, long status, const char *resp, size_t len,
                    const char *neterr, const long *refused_codes, char *err, size_t errlen,
                    int *refused)
{
	const char *tok = NULL;
	struct wx_answer a;
	json_int_t expires = 0;
	int rc = -1;
	size_t i;

	*refused = 0;
	wx_answer_read(resp, len, &a);
	if (a.root) {
		tok = json_string_value(json_object_get(a.root, "access_token"));
		expires = json_integer_value(json_object_get(a.root, "expires_in"));
	}
	if (status == 0) {
		snprintf(err, errlen, "access token: network: %s",
		         neterr && strstr(neterr, "imed out") ? "timed out" : "no answer");
	} else if (a.errcode) {
		for (i = 0; refused_codes && refused_codes[i]; i++)
			if (refused_codes[i] == a.errcode)
				*refused = 1;
		snprintf(err, errlen, "access token: %ld %s", a.errcode, a.errmsg);
	} else if (status < 200 || status > 299 || !tok || !*tok || !wx_query_safe(tok) ||
	           strlen(tok) >= sizeof(t->value)) {
		snprintf(err, errlen, "access token: HTTP %ld without a usable token", status);
	} else {
		rc = 0;
		err[0] = '\0';
	}
	pthread_mutex_lock(&t->mu);
	t->fetching_since = 0;
	if (rc == 0) {
		snprintf(t->value, sizeof(t->value), "%s", tok);
		t->expires_at =
		        clock_now() + (expires > EXPIRES_MIN ? (int64_t)expires : EXPIRES_MIN);
		t->fresh = t->next_fresh;
		t->next_fresh = 0;
		t->refused = 0;
		t->error[0] = '\0';
		t->retry_at = 0;
	} else {
		t->refused = *refused;
		snprintf(t->error, sizeof(t->error), "%s", err);
		t->retry_at = clock_mono_ms() + (*refused ? REFUSED_RETRY_MS : RETRY_MS);
	}
	pthread_mutex_unlock(&t->mu);
	wx_answer_release(&a);
	return rc;
}

int wx_token_refused(struct wx_token *t, const char *used)
{
	int again = 0;

	pthread_mutex_lock(&t->mu);
	if (used && strcmp(used, t->value) == 0) {
		again = t->value[0] && t->fresh;
		t->value[0] = '\0';
		t->expires_at = 0;
		t->next_fresh = 1;
		t->retry_at = 0;
	}
	pthread_mutex_unlock(&t->mu);
	return again;
}

void wx_token_worked(struct wx_token *t, const char *used)
{
	pthread_mutex_lock(&t->mu);
	if (used && t->fresh && strcmp(used, t->value) == 0)
		t->fresh = 0;
	pthread_mutex_unlock(&t->mu);
}

int wx_token_now(struct wx_token *t, struct chan *ch, const struct adapter_call *call,
                 const long *refused_codes, char *out, size_t len)
{
	char err[256];
	char *body = NULL;
	long status = 0;
	size_t blen = 0;
	int refused, rc;

	if (wx_token_take(t, out, len) == WX_USE)
		return out[0] ? 0 : -1;
	if (ch->host->call_now(ch, call, &status, &body, &blen) < 0)
		status = 0;
	rc = wx_token_answer(t, status, body, blen, NULL, refused_codes, err, sizeof(err),
	                     &refused);
	free(body);
	if (rc < 0) {
		log_warn("%s: %s", ch->name, err);
		return -1;
	}
	pthread_mutex_lock(&t->mu);
	snprintf(out, len, "%s", t->value);
	pthread_mutex_unlock(&t->mu);
	return 0;
}

void wx_token_first(struct wx_token *t, struct chan *ch, struct adapter_call *call,
                    const long *refused_codes)
{
	char tok[WX_TOKEN_MAX];

	if (call->url)
		wx_token_now(t, ch, call, refused_codes, tok, sizeof(tok));
	adapter_call_release(call);
	memset(tok, 0, sizeof(tok));
}

void wx_token_health(struct wx_token *t, json_t *obj)
{
	const char *state;
	long fetches;

	pthread_mutex_lock(&t->mu);
	state = t->value[0] ? "ok" : t->refused ? "refused" : "none";
	fetches = t->fetches;
	pthread_mutex_unlock(&t->mu);
	json_object_set_new(obj, "token", json_string(state));
	json_object_set_new(obj, "token_fetches", json_integer(fetches));
}

/* ---- URLs ------------------------------------------------------------------------- */

void wx_url_arg(const char *url, const char *name, char *out, size_t len)
{
	size_t nl = strlen(name), n;
	const char *p = url ? strchr(url, '?') : NULL;

	if (len)
		out[0] = '\0';
	while (p && *p) {
		p++;
		if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
			p += nl + 1;
			n = strcspn(p, "&#");
			if (n < len) {
				memcpy(out, p, n);
				out[n] = '\0';
			}
			return;
		}
		p = strchr(p, '&');
	}
}

int wx_query_safe(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* ---- answers ------------------------------------------------------------------------ */

void wx_answer_read(const char *resp, size_t len, struct wx_answer *a)
{
	json_t *code, *msg;

	memset(a, 0, sizeof(*a));
	if (!resp || !len)
		return;
	a->root = json_loadb(resp, len, 0, NULL);
	if (!json_is_object(a->root)) {
		json_decref(a->root);
		a->root = NULL;
		return;
	}
	a->json = 1;
	code = json_object_get(a->root, "errcode");
	msg = json_object_get(a->root, "errmsg");
	if (json_is_integer(code))
		a->errcode = (long)json_integer_value(code);
	if (json_is_string(msg))
		snprintf(a->errmsg, sizeof(a->errmsg), "%s", json_string_value(msg));
}

void wx_answer_release(struct wx_answer *a)
{
	json_decref(a->root);
	memset(a, 0, sizeof(*a));
}

/* ---- texts -------------------------------------------------------------------------- */

/* Appends S with '<' and '>' as their full-width forms: a text, never a tag. */
static void add_plain(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			buf_add(b, "\xef\xbc\x9c"); /* U+FF1C */
		else if (*s == '>')
			buf_add(b, "\xef\xbc\x9e"); /* U+FF1E */
		else
			buf_addc(b, *s);
	}
}

/* Residents see the labels of their choices, in brackets, on one line after the text. */
static void add_choices(struct buf *b, json_t *buttons)
{
	const char *label, *data, *show;
	json_t *btn; /* borrowed */
	size_t i;
	int first = 1;

	json_array_foreach(buttons, i, btn)
	{
		label = json_string_value(json_object_get(btn, "label"));
		data = json_string_value(json_object_get(btn, "data"));
		/* a command is typed as it is; a choice by what it says */
		show = data && data[0] == '/' ? data : label && *label ? label : data;
		if (!show || !*show)
			continue;
		buf_add(b, first ? (b->len ? "\n\n" : "") : "");
		buf_add(b, "\xe3\x80\x90"); /* 【 */
		add_plain(b, show);
		buf_add(b, "\xe3\x80\x91"); /* 】 */
		first = 0;
	}
}

int wx_payload_text(const char *payload, int commands, struct buf *out, char *err, size_t errlen)
{
	struct robot_msg m;
	json_t *buttons;

	buf_reset(out);
	if (commands) {
		/* staff: the text, then each button's command on a line of its own */
		if (robot_msg_read(&m, payload, NULL, err, errlen) < 0) {
			robot_msg_release(&m);
			return -1;
		}
		add_plain(out, buf_str(&m.text));
		robot_msg_release(&m);
	} else {
		if (robot_msg_read(&m, payload, NULL, err, errlen) < 0) {
			robot_msg_release(&m);
			return -1;
		}
		/* robot_msg_read checked the payload; its text comes without the commands */
		add_plain(out, json_string_value(json_object_get(m.root, "text")));
		while (out->len && (out->s[out->len - 1] == '\n' || out->s[out->len - 1] == ' '))
			out->s[--out->len] = '\0';
		buttons = json_object_get(m.root, "buttons");
		if (json_is_array(buttons))
			add_choices(out, buttons);
		robot_msg_release(&m);
	}
	if (out->failed) {
		snprintf(err, errlen, "payload: out of memory");
		return -1;
	}
	if (!out->len) {
		snprintf(err, errlen, "payload: empty text");
		return -1;
	}
	return 0;
}

int wx_text_part(const char *text, int want, size_t *from, size_t *to)
{
	return robot_split(text, strlen(text), WX_CONTENT_MAX, 0, want, from, to);
}

/* ---- the callbacks ------------------------------------------------------------------ */

int wx_req_arg(const struct http_req *req, const char *name, char *out, size_t len)
{
	int n;
	char *p;

	if (len)
		out[0] = '\0';
	if (!req->query)
		return -1;
	n = req->query(req, name, out, len);
	if (n <= 0) {
		if (len)
			out[0] = '\0';
		return -1;
	}
	for (p = out; *p; p++)
		if (*p == ' ')
			*p = '+';
	return n;
}

enum wx_open_fail wx_open(const char *body, size_t len, const char *token, const char *ts,
                          const char *nonce, const char *msg_sig, const unsigned char key[32],
                          const char *receiver, struct wx_xml *inner, char *err, size_t errlen)
{
	struct wx_xml outer;
	const char *enc, *parts[4];
	char *plain = NULL;
	size_t plen = 0;
	enum wx_open_fail rc;

	memset(inner, 0, sizeof(*inner));
	if (wx_xml_parse(body, len, WX_BODY_MAX, &outer, err, errlen) < 0)
		return WX_OPEN_BAD;
	enc = wx_xml_get(&outer, "Encrypt");
	if (!enc || !*enc) {
		snprintf(err, errlen, "no Encrypt element");
		wx_xml_release(&outer);
		return WX_OPEN_BAD;
	}
	parts[0] = token;
	parts[1] = ts;
	parts[2] = nonce;
	parts[3] = enc;
	if (!wx_signature_ok(msg_sig, parts, 4)) {
		snprintf(err, errlen, "msg_signature does not match");
		rc = WX_OPEN_SIGNATURE;
	} else if (wx_decrypt(key, enc, strlen(enc), receiver, &plain, &plen, err, errlen) < 0) {
		rc = WX_OPEN_DECRYPT;
	} else if (wx_xml_parse(plain, plen, WX_VALUE_MAX, inner, err, errlen) < 0) {
		rc = WX_OPEN_DECRYPT;
	} else {
		rc = WX_OPEN_OK;
	}
	free(plain);
	wx_xml_release(&outer);
	return rc;
}

/* ---- the sender's side ------------------------------------------------------------------ */

int wx_classify_token(struct wx_token *t, const struct adapter_call *call, const char *token_path,
                      const long *refused_codes, long status, const char *resp, size_t len,
                      const char *neterr, struct adapter_verdict *v)
{
	char err[256];
	int refused;

	if (!call->url || !strstr(call->url, token_path))
		return 0;
	if (wx_token_answer(t, status, resp, len, neterr, refused_codes, err, sizeof(err),
	                    &refused) == 0) {
		v->outcome = ADAPTER_RETRY;
		snprintf(v->error, sizeof(v->error), "a new access token: sent again with it");
		return 1;
	}
	snprintf(v->error, sizeof(v->error), "%s", err);
	if (refused) {
		v->outcome = ADAPTER_REFUSED;
		snprintf(v->state, sizeof(v->state), "error: %s", err);
	} else {
		v->outcome = ADAPTER_RETRY;
	}
	return 1;
}

void wx_classify_stale(struct wx_token *t, const struct adapter_call *call,
                       const struct wx_answer *a, struct adapter_verdict *v)
{
	char used[WX_TOKEN_MAX];

	wx_url_arg(call->url, "access_token", used, sizeof(used));
	snprintf(v->error, sizeof(v->error), "%ld %s", a->errcode, a->errmsg);
	if (wx_token_refused(t, used)) {
		v->outcome = ADAPTER_REFUSED;
		snprintf(v->state, sizeof(v->state), "error: %ld %s (with a fresh access token)",
		         a->errcode, a->errmsg);
	} else {
		v->outcome = ADAPTER_RETRY; /* the next call fetches another */
	}
}

void wx_classify_missing(struct wx_token *t, const struct wx_answer *a, struct adapter_verdict *v)
{
	char why[200];
	int refused;

	pthread_mutex_lock(&t->mu);
	refused = t->refused;
	snprintf(why, sizeof(why), "%s", t->error[0] ? t->error : "no access token yet");
	pthread_mutex_unlock(&t->mu);
	snprintf(v->error, sizeof(v->error), "%ld %.80s (%.180s)", a->errcode, a->errmsg, why);
	if (refused) {
		v->outcome = ADAPTER_REFUSED;
		snprintf(v->state, sizeof(v->state), "error: %s", why);
	} else {
		v->outcome = ADAPTER_RETRY;
	}
}

int wx_classify_http(long status, const struct wx_answer *a, long retry_after, const char *neterr,
                     struct adapter_verdict *v)
{
	if (status == 0) {
		v->outcome = ADAPTER_RETRY;
		snprintf(v->error, sizeof(v->error), "network: %s",
		         neterr && strstr(neterr, "imed out") ? "timed out" : "no answer");
		return 1;
	}
	if (status == 429) {
		v->outcome = ADAPTER_RATE_LIMITED;
		v->scope = ADAPTER_SCOPE_CHANNEL;
		v->retry_after = (int)(retry_after > 0 && retry_after < 86400 ? retry_after : 0);
		snprintf(v->error, sizeof(v->error), "HTTP 429");
		return 1;
	}
	if (status >= 500 || (!a->json && status >= 200 && status < 300)) {
		v->outcome = ADAPTER_RETRY;
		snprintf(v->error, sizeof(v->error), "HTTP %ld%s", status,
		         a->json ? "" : " without the API's answer");
		return 1;
	}
	if (!a->json) {
		v->outcome = ADAPTER_DEAD;
		snprintf(v->error, sizeof(v->error), "HTTP %ld", status);
		return 1;
	}
	return 0;
}

/* An answer of media/get that is the API's JSON (an error), not the file. */
static int json_answer(const char *body, size_t len)
{
	size_t i = 0;

	while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t'))
		i++;
	return i < len && body[i] == '{';
}

int wx_fetch_media(struct chan *ch, struct wx_token *t, const struct adapter_call *token_call,
                   const long *refused_codes, const char *api_base, const char *media_id,
                   size_t max, unsigned char **data, size_t *len)
{
	char token[WX_TOKEN_MAX];
	struct adapter_call call;
	struct wx_answer a;
	struct buf url;
	char *body = NULL;
	long status = 0;
	size_t blen = 0;
	int attempt;

	*data = NULL;
	*len = 0;
	if (!wx_query_safe(media_id))
		return -1;
	for (attempt = 0; attempt < 2; attempt++) {
		if (wx_token_now(t, ch, token_call, refused_codes, token, sizeof(token)) < 0)
			return -1;
		buf_init(&url);
		buf_printf(&url, "%s/cgi-bin/media/get?access_token=%s&media_id=%s", api_base,
		           token, media_id);
		memset(&call, 0, sizeof(call));
		call.url = url.failed ? NULL : buf_detach(&url);
		buf_release(&url);
		call.get = 1;
		call.timeout_s = 4; /* the platform's 5 s wait for the callback's answer */
		call.resp_max = max + 1;
		call.chatless = 1;
		free(body);
		body = NULL;
		if (!call.url || ch->host->call_now(ch, &call, &status, &body, &blen) < 0)
			status = 0;
		adapter_call_release(&call);
		if (status != 200 || !body) {
			log_warn("%s: media download failed (HTTP %ld)", ch->name, status);
			break;
		}
		if (!json_answer(body, blen)) {
			if (blen > max) {
				free(body);
				return 1;
			}
			*data = (unsigned char *)body;
			*len = blen;
			return 0;
		}
		wx_answer_read(body, blen, &a);
		log_warn("%s: media download refused: %ld %s", ch->name, a.errcode, a.errmsg);
		if (a.errcode != 40001 && a.errcode != 40014 && a.errcode != 42001) {
			wx_answer_release(&a);
			break;
		}
		wx_answer_release(&a);
		wx_token_refused(t, token); /* once more, with a fresh token */
	}
	free(body);
	return -1;
}

/* ---- configuration ------------------------------------------------------------------ */

static int token_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 3 || n > 32)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

void wx_config_token(struct cfg_ld *ld, json_t *o, const char *path, const char *need, int lax,
                     char **token)
{
	if (cfg_get_str(ld, o, path, "token", need, lax, token) == 0 && *token && !token_ok(*token))
		cfg_problem_at(ld, path, "token", "expected 3 to 32 letters or digits");
}

void wx_config_aes_key(struct cfg_ld *ld, json_t *o, const char *path, const char *need, int lax,
                       char **s, unsigned char key[32], int *has_key)
{
	if (cfg_get_str(ld, o, path, "encoding_aes_key", need, lax, s) != 0 || !*s)
		return;
	if (wx_aes_key(*s, key) == 0)
		*has_key = 1;
	else
		cfg_problem_at(ld, path, "encoding_aes_key",
		               "expected 43 characters of base64 (A-Z, a-z, 0-9, + and /)");
}

/* ---- callbacks ---------------------------------------------------------------------- */

int wx_body_too_large(const struct http_req *req, struct http_answer *ans)
{
	char cl[32];

	if (req->header(req, "content-length:", cl, sizeof(cl)) > 0 &&
	    strtoul(cl, NULL, 10) > WX_BODY_MAX) {
		http_answer_error(ans, 413, "body too large");
		return 1;
	}
	return 0;
}

void wx_url_echo(struct chan *ch, const char *token, const char *ts, const char *nonce,
                 const char *sig, const char *echo, const unsigned char *key, const char *receiver,
                 struct http_answer *ans)
{
	const char *parts[4];
	char *plain = NULL, err[200];
	size_t plen = 0;

	parts[0] = token;
	parts[1] = ts;
	parts[2] = nonce;
	parts[3] = echo;
	if (!wx_signature_ok(sig, parts, 4)) {
		log_warn("%s: a URL check with a wrong msg_signature refused", ch->name);
		http_answer_error(ans, 401, "wrong signature");
		return;
	}
	if (!key ||
	    wx_decrypt(key, echo, strlen(echo), receiver, &plain, &plen, err, sizeof(err)) < 0) {
		log_warn("%s: URL check: %s", ch->name, key ? err : "no encoding_aes_key");
		http_answer_error(ans, 400, "echostr cannot be decrypted");
		return;
	}
	http_answer_text(ans, 200, "text/plain", plain);
	free(plain);
}

int wx_open_answer(struct chan *ch, const struct http_req *req, const char *token, const char *ts,
                   const char *nonce, const char *msg_sig, const unsigned char key[32],
                   const char *receiver, struct wx_xml *inner, struct http_answer *ans)
{
	char err[256];

	switch (wx_open(req->body, req->len, token, ts, nonce, msg_sig, key, receiver, inner, err,
	                sizeof(err))) {
	case WX_OPEN_OK:
		return 0;
	case WX_OPEN_SIGNATURE:
		log_warn("%s: a message with a wrong msg_signature refused", ch->name);
		http_answer_error(ans, 401, "wrong msg_signature");
		return -1;
	default:
		log_warn("%s: a message refused: %s", ch->name, err);
		http_answer_error(ans, 400, err);
		return -1;
	}
}

int wx_hook_answer(struct chan *ch, const char *why, const struct inbound *in, const char *ack,
                   struct http_answer *ans)
{
	if (why) {
		log_warn("%s: a message refused: %s", ch->name, why);
		http_answer_error(ans, 400, why);
		return 0;
	}
	if (!in) {
		http_answer_text(ans, 200, "text/plain", ack);
		return 0;
	}
	ans->after_commit = ack;
	return 1;
}

/* A fixed answer through the outbox, for a message the core cannot read. */
static char *plain_payload(const char *text)
{
	json_t *o = json_pack("{s:s}", "text", text);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

struct inbound *wx_inbound(const char *chan, const char *id, const char *from, const char *text,
                           const char *side, const char *media)
{
	struct inbound *in = inbound_new(chan);

	if (!in)
		return NULL;
	in->id = msg_strdup(id);
	in->chat = msg_strdup(from);
	in->user = msg_strdup(from);
	in->addressed = 1;
	if (text)
		in->text = msg_strdup(text);
	if (side)
		in->side_payload = plain_payload(side);
	if (media) {
		in->att_kind = msg_strdup("photo");
		in->att_ref = msg_strdup(media);
	}
	return in;
}

/* ---- the sender's side ---------------------------------------------------------------- */

char *wx_api_url(const char *api_base, const char *path, const char *token)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "%s%s?access_token=%s", api_base, path, token);
	if (b.failed) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

int wx_classify_begin(struct wx_token *t, const struct adapter_call *call, const char *token_path,
                      const long *refused_codes, long status, const char *resp, size_t len,
                      long retry_after, const char *neterr, struct wx_answer *a,
                      struct adapter_verdict *v)
{
	if (wx_classify_token(t, call, token_path, refused_codes, status, resp, len, neterr, v))
		return 1;
	wx_answer_read(resp, len, a);
	if (wx_classify_http(status, a, retry_after, neterr, v)) {
		wx_answer_release(a);
		return 1;
	}
	snprintf(v->error, sizeof(v->error), "%ld %s", a->errcode, a->errmsg);
	return 0;
}

int wx_classify_common(struct wx_token *t, const struct adapter_call *call,
                       const struct wx_answer *a, struct adapter_verdict *v)
{
	char used[WX_TOKEN_MAX];

	switch (a->errcode) {
	case 0:
		v->outcome = ADAPTER_SENT;
		v->error[0] = '\0';
		wx_url_arg(call->url, "access_token", used, sizeof(used));
		wx_token_worked(t, used);
		return 1;
	case -1: /* system busy */
		v->outcome = ADAPTER_RETRY;
		return 1;
	case 40001: /* invalid credential: once more with a new token, then the secret is wrong */
	case 40014: /* invalid access_token */
	case 42001: /* access_token expired */
		wx_classify_stale(t, call, a, v);
		return 1;
	case 41001: /* no token: its fetch failed */
		wx_classify_missing(t, a, v);
		return 1;
	default:
		return 0;
	}
}
