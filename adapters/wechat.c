/*
 * wechat.c - the WeChat Official Account (微信公众号) for residents.
 *
 * WeChat calls the account's server URL, /hooks/wechat:
 *   GET  ?signature=&timestamp=&nonce=&echostr=   the URL check: answer echostr
 *        (with msg_signature instead, echostr is encrypted: answer it decrypted)
 *   POST ?signature=&timestamp=&nonce=&openid=[&encrypt_type=aes&msg_signature=]
 *        an XML message: text, image, voice, an event (subscribe, a menu CLICK)
 * signature is the hex SHA-1 of token, timestamp and nonce sorted and joined,
 * checked from the query before the body is read; in safe mode (安全模式)
 * msg_signature covers the Encrypt text as well and is checked before the
 * message inside is decrypted (wx.h). In "compat" mode both kinds come.
 *
 * WeChat waits 5 seconds for the answer and then asks again, three times:
 * a message is stored (de-duplicated by MsgId, or FromUserName + CreateTime
 * for an event) and answered "success" at once, and every reply goes out
 * later through the customer-service API, message/custom/send, from the
 * outbox. That API only reaches someone who wrote within the last 48 hours
 * (errcode 45015 beyond, 45047 after too many messages): such a notice is
 * kept until the resident writes again (ADAPTER_HELD), or, when the account
 * has a template for progress notices, sent as a template message.
 *
 * Photos are downloaded with media/get (the fetching thread), voice messages
 * use WeChat's recognition when the account has it on, and the menu's CLICK
 * keys stand for commands. Replies are plain text: buttons become the
 * choices to reply with, and nothing in a text is taken for a link tag.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/wx.h"
#include "lib/buf.h"
#include "lib/config_read.h"
#include "lib/log.h"

#define MP_DEFAULT_BASE "https://api.weixin.qq.com"
#define MP_TOKEN_PATH   "/cgi-bin/token?"
#define MP_OPENID_MAX   64
#define MP_CLOSED_MAX   1024 /* chats remembered as past their window */
#define MP_TPL_MAX      600  /* bytes of a template message's text */

#define MP_PLEASE_TYPE "抱歉，暂时无法识别这条语音，请直接输入文字描述您的需求。"
#define MP_UNSUPPORTED "抱歉，暂不支持这类消息，请直接输入文字描述您的需求。"

enum mp_mode { MP_PLAIN, MP_SAFE, MP_COMPAT };

/* What changes while the channel runs, shared by its threads (see struct wx_token). */
struct mp_shared {
	struct wx_token tok;
	pthread_mutex_t mu; /* the rest */
	/* residents whose window was found closed (45015), until they write again */
	char closed[MP_CLOSED_MAX][MP_OPENID_MAX + 1];
	size_t nclosed, next;
};

/* channels.wechat. Owned strings. */
struct mp_conf {
	char *appid, *appsecret, *token, *encoding_aes_key, *api_base;
	enum mp_mode mode;
	char *tpl_progress; /* template ID for notices beyond the window, or NULL */
	char *tpl_field;    /* its data field for the text, "content" by default */
	json_t *menu;       /* EventKey -> command, or NULL */
	unsigned char key[32];
	int has_key;
	struct mp_shared *sh;
};

/* Codes of cgi-bin/token that mean the credentials are wrong. */
static const long mp_refused[] = {40002, 40013, 40125, 40164, 41002, 41004, 40243, 0};

static struct mp_conf *conf_of(const struct chan *ch)
{
	return ch->conf;
}

/* ---- configuration ------------------------------------------------------------------ */

static int appid_ok(const char *s)
{
	return strlen(s) == 18 && strncmp(s, "wx", 2) == 0 && wx_query_safe(s) && !strchr(s, '_') &&
	       !strchr(s, '-');
}

static void read_templates(struct cfg_ld *ld, json_t *o, const char *path, struct mp_conf *c)
{
	static const char *const keys[] = {"progress", "field", NULL};
	json_t *t = json_object_get(o, "templates"); /* borrowed */
	char p[CFG_PATHLEN];

	if (!t || json_is_null(t))
		return;
	cfg_path_key(p, path, "templates");
	if (!json_is_object(t)) {
		cfg_problem(ld, p, "expected an object, e.g. {\"progress\": \"TEMPLATE_ID\"}");
		return;
	}
	cfg_check_keys(ld, t, p, keys);
	if (cfg_get_str(ld, t, p, "progress", NULL, 1, &c->tpl_progress) == 0 && c->tpl_progress &&
	    (!wx_query_safe(c->tpl_progress) || strlen(c->tpl_progress) > 128))
		cfg_problem_at(ld, p, "progress",
		               "expected a template ID (letters, digits, '_', '-')");
	if (cfg_get_str(ld, t, p, "field", NULL, 0, &c->tpl_field) == 0 && c->tpl_field &&
	    (!wx_query_safe(c->tpl_field) || strlen(c->tpl_field) > 32))
		cfg_problem_at(ld, p, "field", "expected a template field name such as \"thing1\"");
}

static void read_menu(struct cfg_ld *ld, json_t *o, const char *path, struct mp_conf *c)
{
	json_t *m = json_object_get(o, "menu"); /* borrowed */
	char p[CFG_PATHLEN], q[CFG_PATHLEN];
	const char *k;
	json_t *v; /* borrowed */

	if (!m || json_is_null(m))
		return;
	cfg_path_key(p, path, "menu");
	if (!json_is_object(m)) {
		cfg_problem(ld, p, "expected an object of menu keys and commands");
		return;
	}
	json_object_foreach(m, k, v)
	{
		if (k[0] == '_')
			continue;
		cfg_path_key(q, p, k);
		if (!json_is_string(v) || json_string_value(v)[0] != '/' ||
		    json_string_length(v) > 64)
			cfg_problem(ld, q, "expected a command such as \"/repair\"");
	}
	c->menu = json_incref(m);
}

static void mp_config(struct cfg_ld *ld, json_t *o, const char *path, int *enabled, void **conf)
{
	static const char *const keys[] = {
	        "enabled", "app_id",   "app_secret", "token", "encoding_aes_key",
	        "mode",    "api_base", "templates",  "menu",  NULL};
	static const char *const modes[] = {"plain", "safe", "compat", NULL};
	struct mp_conf *c = cfg_calloc(ld, 1, sizeof(*c));
	const char *need;
	char *mode = NULL;
	int lax;

	*conf = c;
	*enabled = 0;
	if (!c)
		return;
	c->mode = MP_SAFE;
	c->sh = cfg_calloc(ld, 1, sizeof(*c->sh));
	if (c->sh) {
		wx_token_init(&c->sh->tok);
		pthread_mutex_init(&c->sh->mu, NULL);
	}
	o = adapter_config_open(ld, o, path, keys, enabled, &lax);
	if (o) {
		need = *enabled ? "missing (required when enabled)" : NULL;
		if (cfg_get_str(ld, o, path, "mode", NULL, lax, &mode) == 0 && mode) {
			if (!cfg_one_of(mode, modes))
				cfg_problem_at(ld, path, "mode",
				               "expected \"plain\", \"safe\" or \"compat\"");
			c->mode = strcmp(mode, "plain") == 0    ? MP_PLAIN
			          : strcmp(mode, "compat") == 0 ? MP_COMPAT
			                                        : MP_SAFE;
		} else {
			/* Safe mode when the account has an EncodingAESKey, plain text otherwise.
			 */
			json_t *k = json_object_get(o, "encoding_aes_key"); /* borrowed */

			c->mode = k && !json_is_null(k) ? MP_SAFE : MP_PLAIN;
		}
		free(mode);
		if (cfg_get_str(ld, o, path, "app_id", need, lax, &c->appid) == 0 && c->appid &&
		    !appid_ok(c->appid))
			cfg_problem_at(ld, path, "app_id",
			               "expected the AppID: \"wx\" and 16 letters or digits");
		if (cfg_get_str(ld, o, path, "app_secret", need, lax, &c->appsecret) == 0 &&
		    c->appsecret && (!wx_query_safe(c->appsecret) || strlen(c->appsecret) > 128))
			cfg_problem_at(ld, path, "app_secret",
			               "expected the AppSecret: letters and digits");
		wx_config_token(ld, o, path, need, lax, &c->token);
		wx_config_aes_key(ld, o, path,
		                  *enabled && c->mode != MP_PLAIN
		                          ? "missing (required in safe and compat mode)"
		                          : NULL,
		                  lax, &c->encoding_aes_key, c->key, &c->has_key);
		cfg_get_base_url(ld, o, path, "api_base", lax, &c->api_base);
		read_templates(ld, o, path, c);
		read_menu(ld, o, path, c);
	}
	cfg_default(ld, &c->api_base, MP_DEFAULT_BASE);
	cfg_default(ld, &c->tpl_field, "content");
}

static void mp_config_free(void *conf)
{
	struct mp_conf *c = conf;

	if (!c)
		return;
	free(c->appid);
	free(c->appsecret);
	free(c->token);
	free(c->encoding_aes_key);
	free(c->api_base);
	free(c->tpl_progress);
	free(c->tpl_field);
	json_decref(c->menu);
	if (c->sh) {
		wx_token_destroy(&c->sh->tok);
		pthread_mutex_destroy(&c->sh->mu);
		free(c->sh);
	}
	memset(c->key, 0, sizeof(c->key));
	free(c);
}

/* ---- residents past their window ----------------------------------------------------------- */

static int closed_find(const struct mp_shared *sh, const char *chat)
{
	size_t i;

	for (i = 0; i < sh->nclosed; i++)
		if (strcmp(sh->closed[i], chat) == 0)
			return (int)i;
	return -1;
}

static int window_closed(struct mp_shared *sh, const char *chat)
{
	int found;

	pthread_mutex_lock(&sh->mu);
	found = closed_find(sh, chat) >= 0;
	pthread_mutex_unlock(&sh->mu);
	return found;
}

static void window_set(struct mp_shared *sh, const char *chat, int closed)
{
	int i;

	if (strlen(chat) > MP_OPENID_MAX)
		return;
	pthread_mutex_lock(&sh->mu);
	i = closed_find(sh, chat);
	if (closed && i < 0) {
		if (sh->nclosed < MP_CLOSED_MAX) {
			i = (int)sh->nclosed++;
		} else { /* the oldest goes: it costs one refused call */
			i = (int)sh->next;
			sh->next = (sh->next + 1) % MP_CLOSED_MAX;
		}
		snprintf(sh->closed[i], sizeof(sh->closed[i]), "%s", chat);
	} else if (!closed && i >= 0) {
		sh->nclosed--;
		if ((size_t)i != sh->nclosed)
			memcpy(sh->closed[i], sh->closed[sh->nclosed], sizeof(sh->closed[i]));
		if (sh->next >= sh->nclosed)
			sh->next = 0;
	}
	pthread_mutex_unlock(&sh->mu);
}

/* ---- life ---------------------------------------------------------------------------------- */

static char *token_url(const struct mp_conf *c)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "%s/cgi-bin/token?grant_type=client_credential&appid=%s&secret=%s",
	           c->api_base, c->appid ? c->appid : "", c->appsecret ? c->appsecret : "");
	if (b.failed) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static void token_call(const struct mp_conf *c, struct adapter_call *call)
{
	memset(call, 0, sizeof(*call));
	call->url = token_url(c);
	call->get = 1;
	call->timeout_s = 10;
	call->chatless = 1;
}

static int mp_can_send(const struct chan *ch)
{
	const struct mp_conf *c = conf_of(ch);

	return ch->enabled && c->appid && c->appsecret && c->api_base && c->sh;
}

static int mp_start(struct chan *ch)
{
	struct mp_conf *c = conf_of(ch);
	struct adapter_call call;

	if (!mp_can_send(ch))
		return 0;
	/* The first replies need not wait for it. */
	token_call(c, &call);
	wx_token_first(&c->sh->tok, ch, &call, mp_refused);
	return 0;
}

static int mp_banner(struct chan *ch, const char *base_url, char *out, size_t len)
{
	const struct mp_conf *c = conf_of(ch);

	snprintf(out, len, "WeChat Official Account server URL: %s/hooks/wechat (%s mode)",
	         base_url,
	         c->mode == MP_PLAIN    ? "plain"
	         : c->mode == MP_COMPAT ? "compat"
	                                : "safe");
	return 1;
}

static void mp_health(struct chan *ch, json_t *obj)
{
	struct mp_conf *c = conf_of(ch);
	size_t n;

	if (!c->sh)
		return;
	wx_token_health(&c->sh->tok, obj);
	pthread_mutex_lock(&c->sh->mu);
	n = c->sh->nclosed;
	pthread_mutex_unlock(&c->sh->mu);
	json_object_set_new(obj, "closed_windows", json_integer((json_int_t)n));
}

/* ---- inbound -------------------------------------------------------------------------------- */

static int check_args(const struct http_req *req, char *ts, char *nonce, size_t len)
{
	if (wx_req_arg(req, "timestamp", ts, len) < 0 || wx_req_arg(req, "nonce", nonce, len) < 0)
		return -1;
	return strspn(ts, "0123456789") == strlen(ts) && strlen(ts) <= 20 && strlen(nonce) <= 64
	               ? 0
	               : -1;
}

/*
 * The headers and the query are in: a body over the limit, a call without
 * the signature over token, timestamp and nonce, or a wrong one, is refused
 * before a byte of the body is read. (A GET with msg_signature instead, the
 * encrypted form of the URL check, is checked in full by mp_hook.)
 */
static int mp_check(struct chan *ch, const struct http_req *req, struct http_answer *ans)
{
	const struct mp_conf *c = conf_of(ch);
	char sig[WX_ARG_MAX], ts[WX_ARG_MAX], nonce[WX_ARG_MAX];
	const char *parts[3];

	if (wx_body_too_large(req, ans))
		return -1;
	if (!c->token || check_args(req, ts, nonce, sizeof(ts)) < 0) {
		log_warn("%s: a call without timestamp and nonce refused", ch->name);
		http_answer_error(ans, 401, "signature missing");
		return -1;
	}
	if (wx_req_arg(req, "signature", sig, sizeof(sig)) < 0) {
		if (strcmp(req->method, "POST") != 0 && c->mode != MP_PLAIN &&
		    wx_req_arg(req, "msg_signature", sig, sizeof(sig)) > 0)
			return 0;
		log_warn("%s: a call without a signature refused", ch->name);
		http_answer_error(ans, 401, "signature missing");
		return -1;
	}
	parts[0] = c->token;
	parts[1] = ts;
	parts[2] = nonce;
	if (!wx_signature_ok(sig, parts, 3)) {
		log_warn("%s: a call with a wrong signature refused", ch->name);
		http_answer_error(ans, 401, "wrong signature");
		return -1;
	}
	return 0;
}

/* The URL check: echostr back, decrypted when it came encrypted. */
static void url_check(struct chan *ch, const struct http_req *req, struct http_answer *ans)
{
	const struct mp_conf *c = conf_of(ch);
	char echo[WX_ARG_MAX], msig[WX_ARG_MAX], ts[WX_ARG_MAX], nonce[WX_ARG_MAX];

	if (wx_req_arg(req, "echostr", echo, sizeof(echo)) < 0) {
		http_answer_error(ans, 400, "echostr missing");
		return;
	}
	if (wx_req_arg(req, "msg_signature", msig, sizeof(msig)) < 0 || c->mode == MP_PLAIN) {
		/* signed in the query: mp_check checked it */
		http_answer_text(ans, 200, "text/plain", echo);
		return;
	}
	check_args(req, ts, nonce, sizeof(ts));
	wx_url_echo(ch, c->token, ts, nonce, msig, echo, c->has_key ? c->key : NULL, c->appid, ans);
}

static int openid_ok(const char *s)
{
	return s && strlen(s) <= MP_OPENID_MAX && wx_query_safe(s);
}

/* The command a menu key stands for: the configuration's, else the resident's own commands. */
static const char *menu_command(const struct mp_conf *c, const char *key)
{
	static const char *const known[][2] = {
	        {"repair", "/repair"}, {"clean", "/clean"},   {"errand", "/errand"},
	        {"ask", "/ask"},       {"inquiry", "/ask"},   {"my", "/my"},
	        {"orders", "/my"},     {"prices", "/prices"}, {"help", "/help"},
	};
	const char *v = c->menu ? json_string_value(json_object_get(c->menu, key)) : NULL;
	size_t i;

	if (v)
		return v;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcasecmp(key, known[i][0]) == 0)
			return known[i][1];
	return NULL;
}

/*
 * The inbound message of callback X, or NULL when there is nothing to do
 * (*WHY says what it was). FromUserName is the resident's openid: their
 * private chat and their user.
 */
static struct inbound *from_xml(struct chan *ch, const struct wx_xml *x, const char **why)
{
	const struct mp_conf *c = conf_of(ch);
	const char *from = wx_xml_get(x, "FromUserName"), *type = wx_xml_get(x, "MsgType");
	const char *created = wx_xml_get(x, "CreateTime"), *msgid = wx_xml_get(x, "MsgId");
	const char *text = NULL, *side = NULL, *media = NULL, *v, *ev, *cmd;
	char key[160];

	*why = NULL;
	if (!openid_ok(from) || !type || !created || !*created ||
	    strspn(created, "0123456789") != strlen(created)) {
		*why = "FromUserName, MsgType and CreateTime are required";
		return NULL;
	}
	if (strcmp(type, "event") == 0) {
		ev = wx_xml_get(x, "Event");
		if (ev && strcmp(ev, "subscribe") == 0) {
			text = "/help"; /* a welcome, and what can be done */
		} else if (ev && strcmp(ev, "CLICK") == 0) {
			cmd = menu_command(c, (v = wx_xml_get(x, "EventKey")) ? v : "");
			if (!cmd) {
				log_warn("%s: a menu key that stands for no command", ch->name);
				return NULL;
			}
			text = cmd;
		} else {
			return NULL; /* unsubscribe, VIEW, location reports: nothing to answer */
		}
		snprintf(key, sizeof(key), "ev:%s:%s:%.32s", from, created, ev);
		msgid = key;
	} else if (!msgid || !*msgid || strlen(msgid) > 32) {
		*why = "MsgId is required";
		return NULL;
	} else if (strcmp(type, "text") == 0) {
		text = wx_xml_get(x, "Content");
		if (!text || !*text)
			return NULL;
	} else if (strcmp(type, "image") == 0) {
		media = wx_xml_get(x, "MediaId");
		if (!media || !wx_query_safe(media) || strlen(media) > 256) {
			*why = "an image without a MediaId";
			return NULL;
		}
		text = "";
	} else if (strcmp(type, "voice") == 0) {
		/* WeChat's recognition (when the account has it on) is what was said */
		text = wx_xml_get(x, "Recognition");
		if (!text || !*text) {
			text = NULL;
			side = MP_PLEASE_TYPE;
		}
	} else {
		side = MP_UNSUPPORTED; /* video, location, link, file */
	}
	return wx_inbound(ch->name, msgid, from, text, side, media);
}

static void mp_hook(struct chan *ch, const struct http_req *req, struct http_answer *ans,
                    struct inbound **out)
{
	struct mp_conf *c = conf_of(ch);
	char msig[WX_ARG_MAX], ts[WX_ARG_MAX], nonce[WX_ARG_MAX], enc[16], err[256];
	const char *why = NULL;
	struct wx_xml x;
	int encrypted;

	if (strcmp(req->method, "POST") != 0) {
		url_check(ch, req, ans);
		return;
	}
	if (req->len > WX_BODY_MAX) {
		http_answer_error(ans, 413, "body too large");
		return;
	}
	/* mp_check checked the signature over token, timestamp and nonce */
	encrypted =
	        wx_req_arg(req, "encrypt_type", enc, sizeof(enc)) > 0 && strcmp(enc, "aes") == 0;
	if (c->mode == MP_SAFE && !encrypted) {
		log_warn("%s: a message in plain text refused (the account is in safe mode)",
		         ch->name);
		http_answer_error(ans, 400, "expected an encrypted message (encrypt_type=aes)");
		return;
	}
	if (c->mode != MP_PLAIN && encrypted) {
		check_args(req, ts, nonce, sizeof(ts));
		if (wx_req_arg(req, "msg_signature", msig, sizeof(msig)) < 0)
			msig[0] = '\0';
		if (wx_open_answer(ch, req, c->token, ts, nonce, msig, c->key, c->appid, &x, ans) <
		    0)
			return;
	} else if (wx_xml_parse(req->body, req->len, WX_VALUE_MAX, &x, err, sizeof(err)) < 0) {
		log_warn("%s: a message refused: %s", ch->name, err);
		http_answer_error(ans, 400, err);
		return;
	}
	*out = from_xml(ch, &x, &why);
	wx_xml_release(&x);
	/* "success": "received; the replies follow" */
	if (wx_hook_answer(ch, why, *out, "success", ans))
		window_set(c->sh, (*out)->chat, 0); /* they wrote: the window is open again */
}

static int mp_fetch_attachment(struct chan *ch, const char *ref, size_t max, unsigned char **data,
                               size_t *len)
{
	struct mp_conf *c = conf_of(ch);
	struct adapter_call call;
	int rc;

	*data = NULL;
	*len = 0;
	if (!mp_can_send(ch))
		return -1;
	token_call(c, &call);
	rc = !call.url ? -1
	               : wx_fetch_media(ch, &c->sh->tok, &call, mp_refused, c->api_base, ref, max,
	                                data, len);
	adapter_call_release(&call);
	return rc;
}

/* ---- the sender's calls ------------------------------------------------------------------------
 */

static const char *mp_base_state(const struct chan *ch)
{
	(void)ch;
	return "on";
}

static void mp_limits(const struct chan *ch, struct ratelimit_limits *l)
{
	(void)ch;
	memset(l, 0, sizeof(*l));
	l->per_chat_per_sec = 5;
	l->global_per_sec = 50;
}

static char *custom_body(const char *chat, const char *text, size_t from, size_t to)
{
	json_t *o = json_pack("{s:s,s:s,s:{s:s%}}", "touser", chat, "msgtype", "text", "text",
	                      "content", text + from, to - from);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

static char *template_body(const struct mp_conf *c, const char *chat, const char *text)
{
	size_t from, to;
	json_t *o, *data;
	char *s;

	/* a template's field takes a short text: the first part of it */
	wx_text_part(text, 0, &from, &to);
	if (to - from > MP_TPL_MAX) {
		to = from + MP_TPL_MAX;
		while (to > from && ((unsigned char)text[to] & 0xC0) == 0x80)
			to--;
	}
	data = json_object();
	json_object_set_new(data, c->tpl_field,
	                    json_pack("{s:s%}", "value", text + from, to - from));
	o = json_pack("{s:s,s:s,s:o}", "touser", chat, "template_id", c->tpl_progress, "data",
	              data);
	s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return s;
}

static int mp_build(const struct chan *ch, int64_t row_id, const char *chat, const char *payload,
                    int part, struct adapter_call *call, char *err, size_t errlen)
{
	const struct mp_conf *c = conf_of(ch);
	char token[WX_TOKEN_MAX];
	size_t from, to;
	struct buf text;
	int n, tpl;

	(void)row_id;
	if (!openid_ok(chat)) {
		snprintf(err, errlen, "not a WeChat openid: the chat cannot be written to");
		return -1;
	}
	buf_init(&text);
	if (wx_payload_text(payload, 0, &text, err, errlen) < 0) {
		buf_release(&text);
		return -1;
	}
	tpl = c->tpl_progress && window_closed(c->sh, chat);
	n = tpl ? 1 : wx_text_part(buf_str(&text), part, &from, &to);
	if (n < 1) {
		buf_release(&text);
		snprintf(err, errlen, "payload: empty text");
		return -1;
	}
	if (wx_token_take(&c->sh->tok, token, sizeof(token)) == WX_FETCH) {
		/* this row's turn fetches the token; it goes with it next time */
		buf_release(&text);
		token_call(c, call);
		return call->url ? n : -1;
	}
	if (tpl) {
		call->url = wx_api_url(c->api_base, "/cgi-bin/message/template/send", token);
		call->body = template_body(c, chat, buf_str(&text));
	} else {
		if (part >= n)
			wx_text_part(buf_str(&text), n - 1, &from, &to);
		call->url = wx_api_url(c->api_base, "/cgi-bin/message/custom/send", token);
		call->body = custom_body(chat, buf_str(&text), from, to);
	}
	buf_release(&text);
	memset(token, 0, sizeof(token));
	if (!call->url || !call->body) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return n;
}

static void mp_classify(const struct chan *ch, const struct adapter_call *call, long status,
                        const char *resp, size_t len, long retry_after, const char *neterr,
                        struct adapter_verdict *v)
{
	const struct mp_conf *c = conf_of(ch);
	char touser[MP_OPENID_MAX + 1] = "";
	struct wx_answer a;
	json_t *body;

	if (wx_classify_begin(&c->sh->tok, call, MP_TOKEN_PATH, mp_refused, status, resp, len,
	                      retry_after, neterr, &a, v))
		return;
	body = call->body ? json_loads(call->body, 0, NULL) : NULL;
	if (body && json_string_value(json_object_get(body, "touser")))
		snprintf(touser, sizeof(touser), "%s",
		         json_string_value(json_object_get(body, "touser")));
	json_decref(body);
	if (wx_classify_common(&c->sh->tok, call, &a, v)) {
		wx_answer_release(&a);
		return;
	}
	switch (a.errcode) {
	case 45015: /* more than 48 hours since they wrote, or they unsubscribed */
	case 45047: /* too many messages since they wrote */
		if (touser[0])
			window_set(c->sh, touser, 1);
		if (c->tpl_progress && !strstr(call->url, "/template/")) {
			/* the next try goes as a template message */
			v->outcome = ADAPTER_RETRY;
		} else {
			v->outcome = ADAPTER_HELD;
		}
		break;
	case 45009: /* the day's quota */
	case 45011: /* the minute's */
		v->outcome = ADAPTER_RATE_LIMITED;
		v->scope = ADAPTER_SCOPE_CHANNEL;
		v->retry_after = a.errcode == 45011 ? 60 : 600;
		break;
	case 48001: /* the account may not use this API */
	case 40013:
	case 40125:
	case 40164:
		v->outcome = ADAPTER_REFUSED;
		snprintf(v->state, sizeof(v->state), "error: %ld %s", a.errcode, a.errmsg);
		break;
	default: /* 40003 not a follower's openid, 43004 unsubscribed, 40037 no such template */
		v->outcome = ADAPTER_DEAD;
		break;
	}
	wx_answer_release(&a);
}

const struct adapter adapter_wechat = {
        .name = "wechat",
        .config = mp_config,
        .config_free = mp_config_free,
        .private_chats = 1,
        .start = mp_start,
        .banner = mp_banner,
        .health = mp_health,
        .routes = {{.path = "/hooks/wechat",
                    .methods = ROUTE_GET | ROUTE_POST,
                    .check = mp_check,
                    .handle = mp_hook}},
        .can_send = mp_can_send,
        .base_state = mp_base_state,
        .limits = mp_limits,
        .build = mp_build,
        .classify = mp_classify,
        .holds_rows = 1,
        .fetch_attachment = mp_fetch_attachment,
};
