/*
 * generic_chan.c - the generic webhook channel's table: an app or
 * mini-program POSTs signed messages to /hooks/generic, and every reply is
 * POSTed, signed the same way, to its callback URL.
 *
 * Signatures, bodies and the meaning of answers are the pure functions of
 * generic.c. The receiver is one endpoint, so a 429 holds back the whole
 * channel, not just the chat.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/generic.h"
#include "lib/log.h"
#include "lib/utf8.h"

#define FIELD_MAX 96
#define TEXT_MAX  4000

static void generic_config(struct cfg_ld *ld, json_t *o, const char *path, int *enabled,
                           void **conf)
{
	static const char *const keys[] = {"enabled", "secret", "callback_url", NULL};
	struct generic_conf *g = cfg_calloc(ld, 1, sizeof(*g));
	int lax;

	*conf = g;
	*enabled = 0;
	if (!o || !g)
		return;
	cfg_check_keys(ld, o, path, keys);
	cfg_get_bool(ld, o, path, "enabled", 0, enabled);
	lax = !*enabled;
	cfg_get_str(ld, o, path, "secret", *enabled ? "missing (required when enabled)" : NULL, lax,
	            &g->secret);
	cfg_get_url(ld, o, path, "callback_url", lax, &g->callback_url);
}

static void generic_config_free(void *conf)
{
	struct generic_conf *g = conf;

	if (!g)
		return;
	free(g->secret);
	free(g->callback_url);
	free(g);
}

/* ---- inbound ----------------------------------------------------------------------- */

static int generic_check(struct chan *ch, const struct http_req *req, struct http_answer *ans)
{
	const struct generic_conf *g = ch->conf;
	char type[128];
	int n;

	if (!g->secret) {
		http_answer_error(ans, 404, "no such hook");
		return -1;
	}
	/* A body the app says is something else is not read (no type said: JSON is taken). */
	n = req->header(req, "content-type:", type, sizeof(type));
	if (n == -2 || (n > 0 && (strncasecmp(type, "application/json", 16) != 0 ||
	                          (type[16] && type[16] != ';' && type[16] != ' ')))) {
		http_answer_error(ans, 415, "expected Content-Type: application/json");
		return -1;
	}
	return 0;
}

static const char *str_field(json_t *o, const char *key, char *tmp, size_t len)
{
	json_t *v = json_object_get(o, key); /* borrowed */

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(tmp, len, "%lld", (long long)json_integer_value(v));
		return tmp;
	}
	return NULL;
}

static void generic_hook(struct chan *ch, const struct http_req *req, struct http_answer *ans,
                         struct inbound **out)
{
	const struct generic_conf *g = ch->conf;
	char sig[128], idtmp[32], usertmp[32], chattmp[32];
	const char *id, *user, *chat, *text;
	struct inbound *in;
	json_error_t jerr;
	json_t *o;

	/* The signature is over the raw body: checked before anything is parsed. */
	if (req->header(req, "x-concierge-signature:", sig, sizeof(sig)) <= 0 ||
	    generic_verify(g->secret, req->body, req->len, sig) != 1) {
		log_warn("%s: request with a bad or missing signature refused", ch->name);
		http_answer_error(ans, 401, "bad signature");
		return;
	}
	o = json_loadb(req->body, req->len, 0, &jerr);
	if (!json_is_object(o)) {
		http_answer_error(ans, 400, "body must be a JSON object {id, user, chat, text}");
		json_decref(o);
		return;
	}
	id = str_field(o, "id", idtmp, sizeof(idtmp));
	user = str_field(o, "user", usertmp, sizeof(usertmp));
	chat = str_field(o, "chat", chattmp, sizeof(chattmp));
	text = json_string_value(json_object_get(o, "text"));
	if (!id || !*id || strlen(id) > FIELD_MAX || !user || !*user || strlen(user) > FIELD_MAX ||
	    !chat || !*chat || strlen(chat) > FIELD_MAX || !text || strlen(text) > TEXT_MAX) {
		http_answer_error(
		        ans, 400,
		        "id, user and chat (1-96 characters) and text (up to 4000) are required");
		json_decref(o);
		return;
	}
	in = inbound_new(ch->name);
	if (!in) {
		http_answer_error(ans, 503, "busy");
		json_decref(o);
		return;
	}
	in->id = strdup(id);
	in->user = strdup(user);
	in->chat = strdup(chat);
	in->text = strdup(text);
	in->user_name = msg_strdup(json_string_value(json_object_get(o, "name")));
	in->lang = msg_strdup(json_string_value(json_object_get(o, "lang")));
	in->callback = msg_strdup(json_string_value(json_object_get(o, "data")));
	in->is_group = json_is_true(json_object_get(o, "group"));
	in->addressed = !in->is_group || json_is_true(json_object_get(o, "addressed"));
	json_decref(o);
	*out = in;
}

/* ---- the sender's calls ------------------------------------------------------------------ */

static int generic_can_send(const struct chan *ch)
{
	const struct generic_conf *g = ch->conf;

	return ch->enabled && g->callback_url && *g->callback_url;
}

static const char *generic_base_state(const struct chan *ch)
{
	(void)ch;
	return "on";
}

static void generic_limits(const struct chan *ch, struct ratelimit_limits *l)
{
	(void)ch;
	memset(l, 0, sizeof(*l)); /* the app's endpoint says when it is too much (429) */
}

static int generic_build(const struct chan *ch, int64_t row_id, const char *chat,
                         const char *payload, int part, struct adapter_call *call, char *err,
                         size_t errlen)
{
	const struct generic_conf *g = ch->conf;
	char sig[72], header[sizeof(sig) + sizeof(GENERIC_SIG_HEADER) + 2];

	(void)part;
	call->body = generic_build_body(row_id, chat, payload);
	if (!call->body) {
		snprintf(err, errlen, "payload: not a JSON object");
		return -1;
	}
	if (generic_sign(g->secret, call->body, strlen(call->body), sig) < 0) {
		snprintf(err, errlen, "no secret to sign with");
		return -1;
	}
	snprintf(header, sizeof(header), "%s: %s", GENERIC_SIG_HEADER, sig);
	call->url = strdup(g->callback_url);
	if (!call->url || adapter_call_header(call, header) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 1;
}

static void generic_classify(const struct chan *ch, const struct adapter_call *call, long status,
                             const char *resp, size_t len, long retry_after, const char *neterr,
                             struct adapter_verdict *v)
{
	char snippet[160] = "";

	(void)ch;
	(void)call;
	(void)retry_after;
	if (!neterr && resp)
		utf8_clean(snippet, sizeof(snippet), resp, len);
	if (neterr)
		snprintf(v->error, sizeof(v->error), "network: %s", neterr);
	else if (snippet[0])
		snprintf(v->error, sizeof(v->error), "HTTP %ld: %s", status, snippet);
	else
		snprintf(v->error, sizeof(v->error), "HTTP %ld", status);

	switch (generic_classify_status(neterr ? 0 : status)) {
	case GENERIC_OK:
		v->outcome = ADAPTER_SENT;
		snprintf(v->state, sizeof(v->state), "on");
		break;
	case GENERIC_RATE_LIMITED:
		v->outcome = ADAPTER_RATE_LIMITED;
		v->scope = ADAPTER_SCOPE_CHANNEL;
		break;
	case GENERIC_RETRY:
		/* the state names the kind of trouble only, so it changes (and logs) rarely */
		v->outcome = ADAPTER_RETRY;
		if (neterr)
			snprintf(v->state, sizeof(v->state), "error: network");
		else
			snprintf(v->state, sizeof(v->state), "error: HTTP %ld", status);
		break;
	case GENERIC_FATAL:
		v->outcome = ADAPTER_DEAD;
		break;
	}
}

const struct adapter adapter_generic = {
        .name = "generic",
        .config = generic_config,
        .config_free = generic_config_free,
        .private_chats = 1,
        .routes = {{.path = "/hooks/generic",
                    .methods = ROUTE_POST,
                    .check = generic_check,
                    .handle = generic_hook}},
        .can_send = generic_can_send,
        .base_state = generic_base_state,
        .limits = generic_limits,
        .build = generic_build,
        .classify = generic_classify,
};
