/*
 * telegram_chan.c - the Telegram channel's table: its configuration, its
 * webhook route and long poll, and its outbox calls.
 *
 * The pure halves are elsewhere: telegram.c parses updates, telegram_text.c
 * splits and builds bodies, telegram_out.c turns outbox rows into calls and
 * answers into verdicts. This file is the glue the host calls.
 *
 * Runtime state (the bot's own username and ID, asked with getMe at start)
 * is read on the service thread only; the sender-thread functions read the
 * configuration and nothing else.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/telegram.h"
#include "adapters/telegram_out.h"
#include "lib/log.h"

#define POLL_RESP_MAX (64u << 20) /* answer of getUpdates */
#define CONFLICT_MS   5000        /* wait after 409 on getUpdates */
#define REFUSED_MS    60000       /* wait after a refused token */

struct tg_rt {
	char bot_username[64];
	char bot_id[32];
};

static const struct tg_conf *conf_of(const struct chan *ch)
{
	return ch->conf;
}

static int is_webhook(const struct tg_conf *t)
{
	return t->mode && strcmp(t->mode, "webhook") == 0;
}

/* ---- configuration ------------------------------------------------------------------ */

static void check_staff_chat(struct cfg_ld *ld, const char *path, const char *s)
{
	char p[CFG_PATHLEN];
	int ok;

	if (s[0] == '@') {
		ok = s[1] != '\0';
	} else {
		if (s[0] == '-')
			s++;
		ok = *s && strspn(s, "0123456789") == strlen(s);
	}
	if (!ok) {
		cfg_path_key(p, path, "staff_chat");
		cfg_problem(ld, p, "expected a chat ID (an integer) or @channelname");
	}
}

static void read_rate_limits(struct cfg_ld *ld, json_t *o, const char *path, struct tg_conf *t)
{
	static const char *const rkeys[] = {"per_chat_per_sec", "per_group_per_min",
	                                    "global_per_sec", NULL};
	char p[CFG_PATHLEN];
	json_t *rl = cfg_get_object(ld, o, path, "rate_limits", rkeys, p); /* borrowed */

	if (!rl)
		return;
	cfg_get_int(ld, rl, p, "per_chat_per_sec", 1, 1, INT_MAX, &t->per_chat_per_sec);
	cfg_get_int(ld, rl, p, "per_group_per_min", 20, 1, INT_MAX, &t->per_group_per_min);
	cfg_get_int(ld, rl, p, "global_per_sec", 30, 1, INT_MAX, &t->global_per_sec);
}

static void tg_config(struct cfg_ld *ld, json_t *o, const char *path, int *enabled, void **conf)
{
	static const char *const keys[] = {
	        "enabled",        "token",       "api_base",   "mode",
	        "webhook_secret", "public_url",  "staff_chat", "bot_username",
	        "poll_timeout",   "rate_limits", NULL};
	struct tg_conf *t = cfg_calloc(ld, 1, sizeof(*t));
	char p[CFG_PATHLEN];
	int lax;

	*conf = t;
	*enabled = 0;
	if (!t)
		return;
	t->poll_timeout = 30;
	t->per_chat_per_sec = 1;
	t->per_group_per_min = 20;
	t->global_per_sec = 30;
	if (o) {
		cfg_check_keys(ld, o, path, keys);
		cfg_get_bool(ld, o, path, "enabled", 0, enabled);
		lax = !*enabled; /* a switched-off channel may name variables nobody set */
		if (cfg_get_str(ld, o, path, "mode", NULL, lax, &t->mode) == 0 && t->mode &&
		    strcmp(t->mode, "webhook") && strcmp(t->mode, "polling")) {
			cfg_path_key(p, path, "mode");
			cfg_problem(ld, p, "must be \"webhook\" or \"polling\"");
		}
		if (cfg_get_str(ld, o, path, "token",
		                *enabled ? "missing (required when enabled)" : NULL, lax,
		                &t->token) == 0 &&
		    t->token && strpbrk(t->token, "/ \t\r\n?#")) {
			cfg_path_key(p, path, "token");
			cfg_problem(ld, p, "must not contain spaces, '/', '?' or '#'");
		}
		cfg_get_base_url(ld, o, path, "api_base", lax, &t->api_base);
		if (cfg_get_str(ld, o, path, "webhook_secret",
		                *enabled && is_webhook(t) ? "missing (required in webhook mode)"
		                                          : NULL,
		                lax, &t->webhook_secret) == 0 &&
		    t->webhook_secret && !tg_secret_valid(t->webhook_secret)) {
			cfg_path_key(p, path, "webhook_secret");
			cfg_problem(ld, p, "1-256 characters of A-Za-z0-9_-");
		}
		cfg_get_base_url(ld, o, path, "public_url", lax, &t->public_url);
		if (cfg_get_id(ld, o, path, "staff_chat", NULL, lax, &t->staff_chat) == 0 &&
		    t->staff_chat)
			check_staff_chat(ld, path, t->staff_chat);
		if (cfg_get_str(ld, o, path, "bot_username", NULL, lax, &t->bot_username) == 0 &&
		    t->bot_username && t->bot_username[0] == '@')
			memmove(t->bot_username, t->bot_username + 1, strlen(t->bot_username));
		cfg_get_int(ld, o, path, "poll_timeout", 30, 0, 50, &t->poll_timeout);
		read_rate_limits(ld, o, path, t);
	}
	cfg_default(ld, &t->mode, "polling");
	cfg_default(ld, &t->api_base, "https://api.telegram.org");
}

static void tg_config_free(void *conf)
{
	struct tg_conf *t = conf;

	if (!t)
		return;
	free(t->token);
	free(t->api_base);
	free(t->mode);
	free(t->webhook_secret);
	free(t->public_url);
	free(t->staff_chat);
	free(t->bot_username);
	free(t);
}

static const char *tg_staff_chat(const struct chan *ch)
{
	const struct tg_conf *t = conf_of(ch);

	return t && t->staff_chat && *t->staff_chat ? t->staff_chat : NULL;
}

/* ---- start: who the bot is, for mentions and start links ------------------------------ */

static struct tg_rt *rt_of(struct chan *ch)
{
	if (!ch->rt)
		ch->rt = calloc(1, sizeof(struct tg_rt));
	return ch->rt;
}

static int tg_start(struct chan *ch)
{
	const struct tg_conf *t = conf_of(ch);
	struct tg_rt *rt = rt_of(ch);
	struct adapter_call call;
	struct tg_result r;
	char *body = NULL;
	size_t len = 0;
	long status = 0;
	json_t *res;

	if (!rt)
		return -1;
	if (t->bot_username)
		snprintf(rt->bot_username, sizeof(rt->bot_username), "%s", t->bot_username);
	if (!t->token || !t->api_base)
		return 0;
	memset(&call, 0, sizeof(call));
	call.url = tg_out_url(t->api_base, t->token, "getMe");
	call.get = 1;
	call.timeout_s = 10;
	if (call.url && ch->host->call_now(ch, &call, &status, &body, &len) < 0)
		status = 0;
	adapter_call_release(&call);
	if (tg_parse_result(status, body, len, &r) == 0 && r.ok) {
		res = r.result; /* borrowed from r */
		snprintf(rt->bot_id, sizeof(rt->bot_id), "%lld",
		         (long long)json_integer_value(json_object_get(res, "id")));
		if (!rt->bot_username[0] && json_string_value(json_object_get(res, "username")))
			snprintf(rt->bot_username, sizeof(rt->bot_username), "%s",
			         json_string_value(json_object_get(res, "username")));
		log_info("%s: this bot is @%s", ch->name, rt->bot_username);
	} else {
		log_warn("%s: getMe failed (HTTP %ld); mentions need bot_username", ch->name,
		         status);
	}
	tg_result_release(&r);
	free(body);
	return 0;
}

static void tg_stop(struct chan *ch)
{
	free(ch->rt);
	ch->rt = NULL;
}

/* A group's link into the private chat, where COMMAND runs (the t.me start link). */
static char *tg_private_link(struct chan *ch, const char *command)
{
	struct tg_rt *rt = ch->rt;

	if (!rt || !rt->bot_username[0])
		return NULL;
	return tg_start_link(rt->bot_username, command);
}

/* ---- inbound ----------------------------------------------------------------------------- */

/*
 * "/start PAYLOAD" is how Telegram opens a private chat from a group's link:
 * the payload names the command the resident wanted there. A bare "/start"
 * asks for help. "/start 123" is left alone: staff start work on an order.
 */
static char *start_command(const char *text, int *from_link)
{
	const char *arg;
	char *out;
	size_t n;

	*from_link = 0;
	if (strncmp(text, "/start", 6) != 0 || (text[6] && text[6] != ' '))
		return strdup(text);
	arg = text + 6;
	while (*arg == ' ')
		arg++;
	n = strspn(arg, "abcdefghijklmnopqrstuvwxyz_");
	if (*arg && (arg[n] || !n))
		return strdup(text);
	*from_link = 1;
	if (!*arg)
		return strdup("/help");
	out = malloc(n + 2);
	if (out)
		snprintf(out, n + 2, "/%s", arg);
	return out;
}

/* A queued message from a parsed update, or NULL when there is nothing to do. */
static struct inbound *from_update(struct chan *ch, const struct tg_update *u)
{
	struct inbound *in;
	struct msg_in m;
	json_t *o;

	if (u->kind == TG_KIND_IGNORED && !u->callback_id)
		return NULL;
	in = inbound_new(ch->name);
	if (!in)
		return NULL;
	/* Every update is claimed once, so a redelivered press is not answered twice. */
	in->id = msg_strdup(u->update_id);
	if (u->kind == TG_KIND_MIGRATE) {
		in->moved_from = msg_strdup(u->migrate_from_chat_id);
		in->moved_to = msg_strdup(u->migrate_to_chat_id);
		return in;
	}
	if (u->callback_id) {
		/* Answered through the outbox: a press must stop spinning even if we crash now. */
		o = json_pack("{s:s}", "answer_callback", u->callback_id);
		in->side_payload = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		in->chat = msg_strdup(u->chat_id ? u->chat_id : u->from_id);
	}
	if (u->kind == TG_KIND_IGNORED || tg_update_to_msg_in(u, &m) < 0)
		return in;
	free(in->chat);
	in->chat = msg_strdup(m.chat);
	in->user = msg_strdup(m.user);
	in->user_name = msg_strdup(m.user_name);
	in->lang = msg_strdup(m.lang);
	in->text = m.callback ? msg_strdup(m.text ? m.text : "")
	                      : start_command(m.text ? m.text : "", &in->from_link);
	in->callback = msg_strdup(m.callback);
	in->is_group = m.is_group;
	in->addressed = m.addressed;
	if (m.att_kind) {
		in->att_kind = msg_strdup(m.att_kind);
		in->att_ref = msg_strdup(u->photo_file_id);
		in->att_too_big = m.att_too_big;
	}
	return in;
}

/*
 * A photo's bytes: getFile says where the file is, then the file is
 * downloaded from <api_base>/file/bot<token>/<file_path>. Both calls wait on
 * the host's fetching thread (never the event loop), 10 and 20 seconds at
 * most; only the configuration is read.
 */
static int tg_fetch_attachment(struct chan *ch, const char *ref, size_t max, unsigned char **data,
                               size_t *len)
{
	const struct tg_conf *t = conf_of(ch);
	struct adapter_call call;
	struct tg_result r;
	const char *path;
	char *body = NULL;
	json_t *req;
	json_int_t size;
	long status = 0;
	size_t blen = 0;
	int rc = -1;

	*data = NULL;
	*len = 0;
	memset(&r, 0, sizeof(r));
	if (!t->token || !t->api_base)
		return -1;
	memset(&call, 0, sizeof(call));
	call.url = tg_out_url(t->api_base, t->token, "getFile");
	req = json_pack("{s:s}", "file_id", ref);
	call.body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	call.timeout_s = 10;
	call.chatless = 1;
	if (!call.url || !call.body || ch->host->call_now(ch, &call, &status, &body, &blen) < 0)
		status = 0;
	adapter_call_release(&call);
	if (tg_parse_result(status, body, blen, &r) < 0 || !r.ok) {
		log_warn("%s: getFile failed (HTTP %ld)", ch->name, status);
		goto out;
	}
	path = json_string_value(json_object_get(r.result, "file_path"));
	size = json_integer_value(json_object_get(r.result, "file_size"));
	if (size > (json_int_t)max) {
		rc = 1;
		goto out;
	}
	if (!path || !*path || strstr(path, "..")) {
		log_warn("%s: getFile gave no usable file_path", ch->name);
		goto out;
	}
	free(body);
	body = NULL;
	memset(&call, 0, sizeof(call));
	call.url = tg_file_url(t->api_base, t->token, path);
	call.get = 1;
	call.timeout_s = 20;
	call.resp_max = max;
	call.chatless = 1;
	if (!call.url || ch->host->call_now(ch, &call, &status, &body, &blen) < 0 ||
	    status != 200) {
		log_warn("%s: photo download failed (HTTP %ld)", ch->name, status);
		adapter_call_release(&call);
		goto out;
	}
	adapter_call_release(&call);
	if (blen > max) {
		rc = 1;
		goto out;
	}
	*data = (unsigned char *)body;
	*len = blen;
	body = NULL;
	rc = 0;
out:
	tg_result_release(&r);
	free(body);
	return rc;
}

static int tg_check(struct chan *ch, const struct http_req *req, struct http_answer *ans)
{
	const struct tg_conf *t = conf_of(ch);
	char secret[300];

	if (!is_webhook(t)) {
		http_answer_error(ans, 404, "no such hook");
		return -1;
	}
	req->header(req, "x-telegram-bot-api-secret-token:", secret, sizeof(secret));
	if (!tg_secret_ok(t->webhook_secret, secret)) {
		log_warn("%s: webhook call with a wrong secret refused", ch->name);
		http_answer_error(ans, 401, "wrong secret");
		return -1;
	}
	return 0;
}

static void tg_hook(struct chan *ch, const struct http_req *req, struct http_answer *ans,
                    struct inbound **out)
{
	struct tg_rt *rt = rt_of(ch);
	struct tg_update u;
	char err[256];

	/* tg_check() passed with the headers: the secret is right. */
	if (!rt || tg_parse_update(req->body, req->len, rt->bot_username, rt->bot_id, &u, err,
	                           sizeof(err)) < 0) {
		log_warn("%s: malformed update refused: %s", ch->name, err);
		http_answer_error(ans, 400, rt ? err : "out of memory");
		return;
	}
	*out = from_update(ch, &u);
	tg_update_release(&u);
	if (!*out)
		http_answer_text(ans, 200, "application/json", "{\"ok\":true}");
}

static int tg_poll_parse(struct chan *ch, const char *batch, struct inbound **out, int64_t *next)
{
	struct tg_rt *rt = rt_of(ch);
	struct inbound **tail = out, *in;
	json_t *arr, *v;
	json_int_t last = -1, id;
	struct tg_update u;
	char err[256];
	size_t i;

	*out = NULL;
	*next = 0;
	arr = json_loads(batch, 0, NULL);
	if (!rt || !json_is_array(arr)) {
		json_decref(arr);
		return -1;
	}
	json_array_foreach(arr, i, v)
	{
		id = json_integer_value(json_object_get(v, "update_id"));
		if (id > last)
			last = id;
		if (tg_parse_update_obj(v, rt->bot_username, rt->bot_id, &u, err, sizeof(err)) <
		    0) {
			log_warn("%s: malformed update %lld skipped: %s", ch->name, (long long)id,
			         err);
			continue;
		}
		in = from_update(ch, &u);
		tg_update_release(&u);
		if (in) {
			*tail = in;
			tail = &in->next;
		}
	}
	json_decref(arr);
	*next = last >= 0 ? (int64_t)last + 1 : 0;
	return 0;
}

/* ---- the sender's calls --------------------------------------------------------------------- */

static int tg_can_send(const struct chan *ch)
{
	const struct tg_conf *t = conf_of(ch);

	return ch->enabled && t->token && *t->token && t->api_base;
}

static int tg_polls(const struct chan *ch)
{
	return tg_can_send(ch) && !is_webhook(conf_of(ch));
}

static const char *tg_base_state(const struct chan *ch)
{
	return is_webhook(conf_of(ch)) ? "webhook" : "polling";
}

static void tg_limits(const struct chan *ch, struct ratelimit_limits *l)
{
	const struct tg_conf *t = conf_of(ch);

	memset(l, 0, sizeof(*l));
	l->per_chat_per_sec = t->per_chat_per_sec;
	l->per_group_per_min = t->per_group_per_min;
	l->global_per_sec = t->global_per_sec;
	l->margin_ms = 100; /* the platform counts arrivals, not our starts */
}

/* The answer to a button press is no message: it does not queue behind the chat's. */
static int tg_chatless(const char *payload)
{
	return payload && strstr(payload, "\"answer_callback\"") != NULL;
}

static int tg_build(const struct chan *ch, int64_t row_id, const char *chat, const char *payload,
                    int part, struct adapter_call *call, char *err, size_t errlen)
{
	const struct tg_conf *t = conf_of(ch);
	struct tg_out_call *calls = NULL;
	int n;

	(void)row_id;
	n = tg_out_calls(chat, payload, &calls, err, errlen);
	if (n < 0)
		return -1;
	if (part >= n)
		part = n - 1;
	call->body = calls[part].body;
	calls[part].body = NULL;
	call->url = tg_out_url(t->api_base, t->token, calls[part].method);
	call->chatless = strcmp(calls[part].method, "sendMessage") != 0;
	tg_out_calls_free(calls, n);
	return n;
}

/* 401, or 404 for a token the API cannot even parse: the channel, not the row, is wrong. */
static int token_refused(const struct tg_out_answer *a)
{
	return a->http_status == 401 || a->http_status == 404 || a->error_code == 401;
}

static void tgc_classify(const struct chan *ch, const struct adapter_call *call, long status,
                         const char *resp, size_t len, long retry_after, const char *neterr,
                         struct adapter_verdict *v)
{
	struct tg_out_answer a;

	(void)ch;
	tg_out_interpret(status, resp, len, retry_after, neterr, &a);
	snprintf(v->error, sizeof(v->error), "%s", a.error);
	v->retry_after = a.retry_after;
	switch (a.verdict) {
	case TG_OK:
		v->outcome = ADAPTER_SENT;
		break;
	case TG_MIGRATED:
		v->outcome = ADAPTER_MOVED;
		snprintf(v->moved_to, sizeof(v->moved_to), "%s", a.migrate_to);
		break;
	case TG_RATE_LIMITED:
		/* Telegram does not say whether a 429 is about the chat or the bot as a whole. */
		v->outcome = ADAPTER_RATE_LIMITED;
		v->scope = call->chatless ? ADAPTER_SCOPE_CHANNEL : ADAPTER_SCOPE_UNKNOWN;
		break;
	case TG_RETRY:
		v->outcome = ADAPTER_RETRY;
		break;
	case TG_FATAL:
		if (token_refused(&a)) {
			/* every row would die of it: wait for the operator instead */
			v->outcome = ADAPTER_REFUSED;
			snprintf(v->state, sizeof(v->state), "error: %d %s", a.error_code,
			         a.description);
		} else {
			v->outcome = ADAPTER_DEAD;
		}
		break;
	}
	tg_out_answer_release(&a);
}

/* ---- getUpdates ------------------------------------------------------------------------------ */

static int tg_poll_build(const struct chan *ch, int64_t offset, struct adapter_call *call)
{
	const struct tg_conf *t = conf_of(ch);
	int timeout = t->poll_timeout < 0 ? 0 : t->poll_timeout;

	call->body = tg_build_get_updates((json_int_t)offset, timeout, 100);
	call->url = tg_out_url(t->api_base, t->token, "getUpdates");
	call->timeout_s = (long)timeout + 10;
	call->resp_max = POLL_RESP_MAX;
	return call->body && call->url ? 0 : -1;
}

/*
 * What a receiver's call does after refused credentials or a rate limit with
 * a time: 1 when A was one of those (P filled), else 0.
 */
static int recv_held(const struct tg_out_answer *a, struct adapter_poll *p)
{
	if (token_refused(a)) {
		snprintf(p->state, sizeof(p->state), "error: %d %s", a->error_code, a->description);
		p->again_ms = REFUSED_MS;
		return 1;
	}
	if (a->verdict == TG_RATE_LIMITED && a->retry_after > 0) {
		p->again_ms = (int64_t)a->retry_after * 1000;
		return 1;
	}
	return 0;
}

static void tg_poll_result(const struct chan *ch, long status, const char *resp, size_t len,
                           long retry_after, const char *neterr, struct adapter_poll *p)
{
	const struct tg_conf *t = conf_of(ch);
	struct tg_out_answer a;

	tg_out_interpret(status, resp, len, retry_after, neterr, &a);
	p->again_ms = -1; /* after a backoff, unless said otherwise */
	if (a.verdict == TG_OK && json_is_array(a.result)) {
		snprintf(p->state, sizeof(p->state), "polling");
		if (json_array_size(a.result) == 0)
			p->again_ms =
			        t->poll_timeout > 0 ? 0 : 1000; /* a short poll must not spin */
		else if ((p->batch = json_dumps(a.result, JSON_COMPACT)) != NULL)
			p->again_ms = 0;
		else
			p->again_ms = 1000;
	} else if (a.verdict == TG_OK) {
		snprintf(p->state, sizeof(p->state),
		         "error: getUpdates answered without a result array");
	} else if (a.error_code == 409) {
		/* the description says which: another poller, or a webhook that is set */
		snprintf(p->state, sizeof(p->state),
		         "error: getUpdates refused (409 %s): another poller is running or a "
		         "webhook is set",
		         a.description);
		p->again_ms = CONFLICT_MS;
	} else if (!recv_held(&a, p)) {
		if (a.http_status == 0)
			snprintf(p->state, sizeof(p->state), "error: getUpdates: network: %s",
			         neterr && strstr(neterr, "imed out") ? "timed out" : "no answer");
		else
			snprintf(p->state, sizeof(p->state), "error: getUpdates: %s", a.error);
	}
	tg_out_answer_release(&a);
}

/* ---- setWebhook --------------------------------------------------------------------------------
 */

static int tg_setup_build(const struct chan *ch, struct adapter_call *call)
{
	const struct tg_conf *t = conf_of(ch);
	char hook[1024];

	if (!is_webhook(t) || !tg_can_send(ch))
		return 0;
	if (!t->public_url || !*t->public_url) {
		log_warn("%s: webhook mode without public_url: setWebhook is left to the operator",
		         ch->name);
		return 0;
	}
	snprintf(hook, sizeof(hook), "%s/hooks/%s", t->public_url, ch->name);
	call->body = tg_build_set_webhook(hook, t->webhook_secret, 0);
	call->url = tg_out_url(t->api_base, t->token, "setWebhook");
	return call->body && call->url ? 1 : -1;
}

static void tg_setup_result(const struct chan *ch, long status, const char *resp, size_t len,
                            long retry_after, const char *neterr, struct adapter_poll *p)
{
	const struct tg_conf *t = conf_of(ch);
	struct tg_out_answer a;

	tg_out_interpret(status, resp, len, retry_after, neterr, &a);
	p->again_ms = -1;
	if (a.verdict == TG_OK) {
		p->done = 1;
		/* public_url is no secret (and log_mask would take "https://bot..." for a token) */
		log_info("%s: webhook set to %s/hooks/%s", ch->name, t->public_url, ch->name);
		snprintf(p->state, sizeof(p->state), "webhook");
	} else if (!recv_held(&a, p)) {
		snprintf(p->state, sizeof(p->state), "error: setWebhook: %s",
		         a.http_status ? a.error : "network: no answer");
	}
	tg_out_answer_release(&a);
}

const struct adapter adapter_telegram = {
        .name = "telegram",
        .config = tg_config,
        .config_free = tg_config_free,
        .staff_chat = tg_staff_chat,
        .private_chats = 1,
        .private_link = tg_private_link,
        .start = tg_start,
        .stop = tg_stop,
        .routes = {{.path = "/hooks/telegram",
                    .methods = ROUTE_POST,
                    .check = tg_check,
                    .handle = tg_hook}},
        .can_send = tg_can_send,
        .base_state = tg_base_state,
        .limits = tg_limits,
        .chatless = tg_chatless,
        .build = tg_build,
        .classify = tgc_classify,
        .polls = tg_polls,
        .poll_build = tg_poll_build,
        .poll_result = tg_poll_result,
        .poll_parse = tg_poll_parse,
        .fetch_attachment = tg_fetch_attachment,
        .setup_build = tg_setup_build,
        .setup_result = tg_setup_result,
};
