/*
 * wecom.c - a WeCom (企业微信) self-built app (自建应用) for staff.
 *
 * Staff write to the app in WeCom; WeCom calls its callback URL,
 * /hooks/wecom, always encrypted with the scheme of wx.h and the corp ID as
 * the receiver:
 *   GET  ?msg_signature=&timestamp=&nonce=&echostr=   the URL check: the
 *        signature covers the encrypted echostr; answer it decrypted
 *   POST ?msg_signature=&timestamp=&nonce=   <xml><ToUserName/><AgentID/>
 *        <Encrypt/></xml>, the message inside: text (a command), image, ...
 * A message is stored (de-duplicated by MsgId) and answered with an empty
 * body; answers and notices go out through message/send to the staff
 * member's WeCom user ID ({"channel": "wecom", "user": "zhangsan"} in their
 * identities), which is their private chat. The app shows no buttons: each
 * becomes the command to reply with, on a line of its own. Dispatch pings go
 * to the staff_chat the configuration names ("zhangsan|lisi", or "@all").
 *
 * This is not the group robot (wecom_robot.c), which only posts into a group.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/wx.h"
#include "lib/buf.h"
#include "lib/config_read.h"
#include "lib/log.h"

#define WC_DEFAULT_BASE "https://qyapi.weixin.qq.com"
#define WC_TOKEN_PATH   "/cgi-bin/gettoken?"
#define WC_USER_MAX     64
#define WC_TO_MAX       1000 /* "a|b|c": the users of one message */

#define WC_PLEASE_TYPE "暂不支持这类消息，请发文字（命令如 /orders、/accept 工单号）。"

/* channels.wecom. Owned strings. */
struct wc_conf {
	char *corp_id, *agent_id, *secret, *token, *encoding_aes_key, *api_base, *staff_chat;
	unsigned char key[32];
	int has_key;
	struct wx_token *tok; /* shared by the threads; see struct wx_token */
};

/* Codes of gettoken that mean the credentials are wrong (or not from this address). */
static const long wc_refused[] = {40001, 40013, 40091, 60020, 301002, 0};

static const struct wc_conf *conf_of(const struct chan *ch)
{
	return ch->conf;
}

/* ---- configuration ------------------------------------------------------------------ */

/* A WeCom user ID as touser takes it: letters, digits and . _ - @ (no '|'). */
static int user_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > WC_USER_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("._-@", s[i])))
			return 0;
	return 1;
}

/* "zhangsan|lisi" or "@all": who a message goes to. */
static int to_ok(const char *s)
{
	char one[WC_USER_MAX + 1];
	size_t n;

	if (!s || !*s || strlen(s) > WC_TO_MAX)
		return 0;
	if (strcmp(s, "@all") == 0)
		return 1;
	for (;;) {
		n = strcspn(s, "|");
		if (n == 0 || n > WC_USER_MAX)
			return 0;
		memcpy(one, s, n);
		one[n] = '\0';
		if (!user_ok(one) || one[0] == '@')
			return 0;
		if (!s[n])
			return 1;
		s += n + 1;
	}
}

static void wc_config(struct cfg_ld *ld, json_t *o, const char *path, int *enabled, void **conf)
{
	static const char *const keys[] = {"enabled",  "corp_id",    "agent_id",
	                                   "secret",   "token",      "encoding_aes_key",
	                                   "api_base", "staff_chat", NULL};
	struct wc_conf *c = cfg_calloc(ld, 1, sizeof(*c));
	const char *need;
	int lax;

	*conf = c;
	*enabled = 0;
	if (!c)
		return;
	c->tok = cfg_calloc(ld, 1, sizeof(*c->tok));
	if (c->tok)
		wx_token_init(c->tok);
	o = adapter_config_open(ld, o, path, keys, enabled, &lax);
	if (o) {
		need = *enabled ? "missing (required when enabled)" : NULL;
		if (cfg_get_str(ld, o, path, "corp_id", need, lax, &c->corp_id) == 0 &&
		    c->corp_id && (!wx_query_safe(c->corp_id) || strlen(c->corp_id) > 64))
			cfg_problem_at(ld, path, "corp_id",
			               "expected the corp ID (ww... letters and digits)");
		if (cfg_get_id(ld, o, path, "agent_id", need, lax, &c->agent_id) == 0 &&
		    c->agent_id &&
		    (strspn(c->agent_id, "0123456789") != strlen(c->agent_id) ||
		     strlen(c->agent_id) > 10))
			cfg_problem_at(ld, path, "agent_id",
			               "expected the app's AgentId, a number");
		if (cfg_get_str(ld, o, path, "secret", need, lax, &c->secret) == 0 && c->secret &&
		    (!wx_query_safe(c->secret) || strlen(c->secret) > 128))
			cfg_problem_at(ld, path, "secret",
			               "expected the app's Secret: letters, digits, '_' and '-'");
		wx_config_token(ld, o, path, need, lax, &c->token);
		wx_config_aes_key(ld, o, path, need, lax, &c->encoding_aes_key, c->key,
		                  &c->has_key);
		cfg_get_base_url(ld, o, path, "api_base", lax, &c->api_base);
		if (cfg_get_str(ld, o, path, "staff_chat", NULL, lax, &c->staff_chat) == 0 &&
		    c->staff_chat && !to_ok(c->staff_chat))
			cfg_problem_at(
			        ld, path, "staff_chat",
			        "expected WeCom user IDs joined by '|' (\"zhangsan|lisi\") or "
			        "\"@all\"");
	}
	cfg_default(ld, &c->api_base, WC_DEFAULT_BASE);
}

static void wc_config_free(void *conf)
{
	struct wc_conf *c = conf;

	if (!c)
		return;
	free(c->corp_id);
	free(c->agent_id);
	free(c->secret);
	free(c->token);
	free(c->encoding_aes_key);
	free(c->api_base);
	free(c->staff_chat);
	if (c->tok) {
		wx_token_destroy(c->tok);
		free(c->tok);
	}
	memset(c->key, 0, sizeof(c->key));
	free(c);
}

static const char *wc_staff_chat(const struct chan *ch)
{
	return conf_of(ch)->staff_chat;
}

/* ---- life ---------------------------------------------------------------------------------- */

static void token_call(const struct wc_conf *c, struct adapter_call *call)
{
	struct buf b;

	memset(call, 0, sizeof(*call));
	buf_init(&b);
	buf_printf(&b, "%s/cgi-bin/gettoken?corpid=%s&corpsecret=%s", c->api_base,
	           c->corp_id ? c->corp_id : "", c->secret ? c->secret : "");
	call->url = b.failed ? NULL : buf_detach(&b);
	buf_release(&b);
	call->get = 1;
	call->timeout_s = 10;
	call->chatless = 1;
}

static int wc_can_send(const struct chan *ch)
{
	const struct wc_conf *c = conf_of(ch);

	return ch->enabled && c->corp_id && c->secret && c->agent_id && c->api_base && c->tok;
}

static int wc_start(struct chan *ch)
{
	const struct wc_conf *c = conf_of(ch);
	struct adapter_call call;

	if (!wc_can_send(ch))
		return 0;
	token_call(c, &call);
	wx_token_first(c->tok, ch, &call, wc_refused);
	return 0;
}

static int wc_banner(struct chan *ch, const char *base_url, char *out, size_t len)
{
	(void)ch;
	snprintf(out, len, "WeCom app callback URL: %s/hooks/wecom", base_url);
	return 1;
}

static void wc_health(struct chan *ch, json_t *obj)
{
	const struct wc_conf *c = conf_of(ch);

	if (c->tok)
		wx_token_health(c->tok, obj);
}

/* ---- inbound -------------------------------------------------------------------------------- */

/* The signed query: msg_signature, a numeric timestamp and a nonce. 0, or -1. */
static int signed_args(const struct http_req *req, char *sig, char *ts, char *nonce, size_t len)
{
	if (wx_req_arg(req, "msg_signature", sig, len) < 0 ||
	    wx_req_arg(req, "timestamp", ts, len) < 0 || wx_req_arg(req, "nonce", nonce, len) < 0)
		return -1;
	return strspn(ts, "0123456789") == strlen(ts) && strlen(ts) <= 20 && strlen(nonce) <= 64 &&
	                       strlen(sig) == 40
	               ? 0
	               : -1;
}

/* A body over the limit, or a call without its signature, is refused before the body is read. */
static int wc_check(struct chan *ch, const struct http_req *req, struct http_answer *ans)
{
	const struct wc_conf *c = conf_of(ch);
	char sig[WX_ARG_MAX], ts[WX_ARG_MAX], nonce[WX_ARG_MAX];

	if (wx_body_too_large(req, ans))
		return -1;
	if (!c->token || !c->has_key || signed_args(req, sig, ts, nonce, sizeof(sig)) < 0) {
		log_warn("%s: a call without msg_signature, timestamp and nonce refused", ch->name);
		http_answer_error(ans, 401, "signature missing");
		return -1;
	}
	return 0;
}

static void url_check(struct chan *ch, const struct http_req *req, struct http_answer *ans)
{
	const struct wc_conf *c = conf_of(ch);
	char sig[WX_ARG_MAX], ts[WX_ARG_MAX], nonce[WX_ARG_MAX], echo[WX_ARG_MAX];

	if (signed_args(req, sig, ts, nonce, sizeof(sig)) < 0 ||
	    wx_req_arg(req, "echostr", echo, sizeof(echo)) < 0) {
		http_answer_error(ans, 400,
		                  "msg_signature, timestamp, nonce and echostr are required");
		return;
	}
	wx_url_echo(ch, c->token, ts, nonce, sig, echo, c->key, c->corp_id, ans);
}

/* The inbound message of X, or NULL (*WHY set when X is no message of this app). */
static struct inbound *from_xml(struct chan *ch, const struct wx_xml *x, const char **why)
{
	const struct wc_conf *c = conf_of(ch);
	const char *from = wx_xml_get(x, "FromUserName"), *type = wx_xml_get(x, "MsgType");
	const char *to = wx_xml_get(x, "ToUserName"), *agent = wx_xml_get(x, "AgentID");
	const char *msgid = wx_xml_get(x, "MsgId"), *text = NULL, *side = NULL, *media = NULL;

	*why = NULL;
	if (!to || !c->corp_id || strcmp(to, c->corp_id) != 0) {
		*why = "ToUserName is not this corp";
		return NULL;
	}
	if (agent && *agent && strcmp(agent, c->agent_id) != 0) {
		*why = "AgentID is not this app";
		return NULL;
	}
	if (!from || !user_ok(from) || !type) {
		*why = "FromUserName and MsgType are required";
		return NULL;
	}
	if (strcmp(type, "event") == 0)
		return NULL; /* entering the app, menu views: nothing to answer */
	if (!msgid || !*msgid || strlen(msgid) > 32) {
		*why = "MsgId is required";
		return NULL;
	}
	if (strcmp(type, "text") == 0) {
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
	} else {
		side = WC_PLEASE_TYPE; /* voice, video, location, link, file */
	}
	return wx_inbound(ch->name, msgid, from, text, side, media);
}

static void wc_hook(struct chan *ch, const struct http_req *req, struct http_answer *ans,
                    struct inbound **out)
{
	const struct wc_conf *c = conf_of(ch);
	char sig[WX_ARG_MAX], ts[WX_ARG_MAX], nonce[WX_ARG_MAX];
	const char *why = NULL;
	struct wx_xml x;

	if (strcmp(req->method, "POST") != 0) {
		url_check(ch, req, ans);
		return;
	}
	if (req->len > WX_BODY_MAX) {
		http_answer_error(ans, 413, "body too large");
		return;
	}
	signed_args(req, sig, ts, nonce, sizeof(sig)); /* wc_check saw them */
	if (wx_open_answer(ch, req, c->token, ts, nonce, sig, c->key, c->corp_id, &x, ans) < 0)
		return;
	*out = from_xml(ch, &x, &why);
	wx_xml_release(&x);
	/* received; an empty answer is no reply */
	wx_hook_answer(ch, why, *out, "", ans);
}

static int wc_fetch_attachment(struct chan *ch, const char *ref, size_t max, unsigned char **data,
                               size_t *len)
{
	const struct wc_conf *c = conf_of(ch);
	struct adapter_call call;
	int rc;

	*data = NULL;
	*len = 0;
	if (!wc_can_send(ch))
		return -1;
	token_call(c, &call);
	rc = !call.url ? -1
	               : wx_fetch_media(ch, c->tok, &call, wc_refused, c->api_base, ref, max, data,
	                                len);
	adapter_call_release(&call);
	return rc;
}

/* ---- the sender's calls ------------------------------------------------------------------------
 */

static const char *wc_base_state(const struct chan *ch)
{
	(void)ch;
	return "on";
}

/* 30 messages a minute to one person; the API itself takes far more. */
static void wc_limits(const struct chan *ch, struct ratelimit_limits *l)
{
	(void)ch;
	memset(l, 0, sizeof(*l));
	l->per_chat_per_min = 30;
	l->global_per_sec = 20;
	l->margin_ms = 500;
}

static char *send_body(const struct wc_conf *c, const char *chat, const char *text, size_t from,
                       size_t to)
{
	json_t *o = json_pack("{s:s,s:s,s:I,s:{s:s%},s:i}", "touser", chat, "msgtype", "text",
	                      "agentid", (json_int_t)strtoll(c->agent_id, NULL, 10), "text",
	                      "content", text + from, to - from, "safe", 0);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

static int wc_build(const struct chan *ch, int64_t row_id, const char *chat, const char *payload,
                    int part, struct adapter_call *call, char *err, size_t errlen)
{
	const struct wc_conf *c = conf_of(ch);
	char token[WX_TOKEN_MAX];
	struct buf text;
	size_t from, to;
	int n;

	(void)row_id;
	if (!to_ok(chat)) {
		snprintf(err, errlen, "not a WeCom user ID: the chat cannot be written to");
		return -1;
	}
	buf_init(&text);
	if (wx_payload_text(payload, 1, &text, err, errlen) < 0) {
		buf_release(&text);
		return -1;
	}
	n = wx_text_part(buf_str(&text), part, &from, &to);
	if (n < 1) {
		buf_release(&text);
		snprintf(err, errlen, "payload: empty text");
		return -1;
	}
	if (part >= n)
		wx_text_part(buf_str(&text), n - 1, &from, &to);
	if (wx_token_take(c->tok, token, sizeof(token)) == WX_FETCH) {
		/* this row's turn fetches the token; it goes with it next time */
		buf_release(&text);
		token_call(c, call);
		return call->url ? n : -1;
	}
	call->url = wx_api_url(c->api_base, "/cgi-bin/message/send", token);
	call->body = send_body(c, chat, buf_str(&text), from, to);
	buf_release(&text);
	memset(token, 0, sizeof(token));
	if (!call->url || !call->body) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return n;
}

/* The touser of CALL's body was refused, every one of them (answered as "invaliduser"). */
static int all_invalid(const struct adapter_call *call, const char *invalid)
{
	json_t *body = call->body ? json_loads(call->body, 0, NULL) : NULL;
	const char *to = json_string_value(json_object_get(body, "touser"));
	int all = to && invalid && strcmp(to, invalid) == 0;

	json_decref(body);
	return all;
}

static void wc_classify(const struct chan *ch, const struct adapter_call *call, long status,
                        const char *resp, size_t len, long retry_after, const char *neterr,
                        struct adapter_verdict *v)
{
	const struct wc_conf *c = conf_of(ch);
	struct wx_answer a;
	const char *invalid;

	if (wx_classify_begin(c->tok, call, WC_TOKEN_PATH, wc_refused, status, resp, len,
	                      retry_after, neterr, &a, v))
		return;
	invalid = a.errcode == 0 ? json_string_value(json_object_get(a.root, "invaliduser")) : NULL;
	if (invalid && *invalid && all_invalid(call, invalid)) {
		v->outcome = ADAPTER_DEAD;
		snprintf(v->error, sizeof(v->error), "no such WeCom user (invaliduser)");
		wx_answer_release(&a);
		return;
	}
	if (wx_classify_common(c->tok, call, &a, v)) {
		wx_answer_release(&a);
		return;
	}
	switch (a.errcode) {
	case 45009: /* the API's frequency */
	case 45033: /* calls at once */
		v->outcome = ADAPTER_RATE_LIMITED;
		v->scope = ADAPTER_SCOPE_CHANNEL;
		v->retry_after = a.errcode == 45009 ? 60 : 5;
		break;
	case 60020:  /* not from an allowed IP address */
	case 301002: /* no right to this app */
	case 40056:  /* no such agentid */
	case 48002:  /* API forbidden */
		v->outcome = ADAPTER_REFUSED;
		snprintf(v->state, sizeof(v->state), "error: %ld %s", a.errcode, a.errmsg);
		break;
	case 81013: /* user, party and tag all invalid: no such person */
	default:
		v->outcome = ADAPTER_DEAD;
		break;
	}
	wx_answer_release(&a);
}

const struct adapter adapter_wecom = {
        .name = "wecom",
        .config = wc_config,
        .config_free = wc_config_free,
        .staff_chat = wc_staff_chat,
        .private_chats = 1,
        .start = wc_start,
        .banner = wc_banner,
        .health = wc_health,
        .routes = {{.path = "/hooks/wecom",
                    .methods = ROUTE_GET | ROUTE_POST,
                    .check = wc_check,
                    .handle = wc_hook}},
        .can_send = wc_can_send,
        .base_state = wc_base_state,
        .limits = wc_limits,
        .build = wc_build,
        .classify = wc_classify,
        .fetch_attachment = wc_fetch_attachment,
};
