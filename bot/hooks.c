/*
 * hooks.c - inbound platform traffic: the Telegram webhook and polled
 * batches, and the generic signed webhook for an app or mini-program.
 *
 * Every request is authenticated the platform's way before its body is
 * parsed: Telegram's secret header (compared in constant time), the generic
 * hook's HMAC-SHA256 of the raw body. A refused request gets a 4xx and
 * changes nothing. Accepted messages join the next group commit and are
 * answered 200 only after it.
 */
#include "bot/server.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/generic.h"
#include "adapters/telegram.h"
#include "bot/config.h"
#include "bot/log.h"
#include "bot/sender.h"
#include "dialogs/engine.h"

#define FIELD_MAX 96
#define TEXT_MAX  4000

static int has_body(struct lws *wsi)
{
	char v[32];

	return lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
	       strtol(v, NULL, 10) > 0;
}

static int custom_header(struct lws *wsi, const char *name, char *out, int len)
{
	int n = lws_hdr_custom_copy(wsi, out, len, name, (int)strlen(name));

	if (n < 0) {
		out[0] = '\0';
		return -1;
	}
	return n;
}

int hooks_begin(struct server *srv, struct http_pss *p, const char *path)
{
	const struct cfg_telegram *tg = &srv->cfg->telegram;
	char secret[300];

	if (strcmp(path, "/hooks/telegram") == 0 && tg->enabled && tg->mode &&
	    strcmp(tg->mode, "webhook") == 0) {
		p->route = ROUTE_TELEGRAM;
		custom_header(p->wsi, "x-telegram-bot-api-secret-token:", secret, sizeof(secret));
		if (!tg_secret_ok(tg->webhook_secret, secret)) {
			log_warn("telegram: webhook call with a wrong secret refused");
			p->status = 401; /* answered once the body is drained; nothing is parsed */
		}
	} else if (strcmp(path, "/hooks/generic") == 0 && srv->cfg->generic.enabled &&
	           srv->cfg->generic.secret) {
		p->route = ROUTE_GENERIC;
	} else {
		server_respond_error(p, 404, "no such hook");
		return 0;
	}
	if (lws_hdr_total_length(p->wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0 &&
	    lws_hdr_total_length(p->wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0) {
		/* libwebsockets does not decode a chunked request body: say so, not wait. */
		server_respond_error(p, 411, "send the body with a Content-Length");
		return 0;
	}
	if (!has_body(p->wsi))
		hooks_complete(srv, p);
	return 0;
}

/* ---- Telegram ---------------------------------------------------------------- */

static const char *start_payload(const char *text)
{
	const char *cat = NULL;

	if (!dlg_is_trigger(text, &cat) || !cat)
		return "help";
	if (strcmp(cat, "cleaning") == 0)
		return "clean";
	if (strcmp(cat, "inquiry") == 0)
		return "ask";
	return cat;
}

/* A queued message from a parsed update, or NULL when there is nothing to do. */
static struct inbound *from_update(struct server *srv, const struct tg_update *u)
{
	struct inbound *in;
	struct msg_in m;

	if (u->kind == TG_KIND_IGNORED && !u->callback_id)
		return NULL;
	in = calloc(1, sizeof(*in));
	if (!in)
		return NULL;
	in->channel = strdup("telegram");
	/* Every update is claimed once, so a redelivered press is not answered twice. */
	in->id = server_strdup(u->update_id);
	if (u->kind == TG_KIND_MIGRATE) {
		in->migrate_old = server_strdup(u->migrate_from_chat_id);
		in->migrate_new = server_strdup(u->migrate_to_chat_id);
		return in;
	}
	if (u->callback_id) {
		in->answer_callback = strdup(u->callback_id);
		in->chat = server_strdup(u->chat_id ? u->chat_id : u->from_id);
	}
	if (u->kind == TG_KIND_IGNORED || tg_update_to_msg_in(u, &m) < 0)
		return in;
	free(in->chat);
	in->chat = server_strdup(m.chat);
	in->user = server_strdup(m.user);
	in->user_name = server_strdup(m.user_name);
	in->lang = server_strdup(m.lang);
	in->text = server_strdup(m.text ? m.text : "");
	in->callback = server_strdup(m.callback);
	in->is_group = m.is_group;
	in->addressed = m.addressed;
	if (m.is_group && srv->bot_username[0])
		in->private_link = tg_start_link(srv->bot_username, start_payload(in->text));
	return in;
}

static void telegram_complete(struct server *srv, struct http_pss *p)
{
	struct tg_update u;
	struct inbound *in;
	char err[256];

	if (tg_parse_update(buf_str(&p->body), p->body.len, srv->bot_username, srv->bot_id, &u, err,
	                    sizeof(err)) < 0) {
		log_warn("telegram: malformed update refused: %s", err);
		server_respond_error(p, 400, err);
		return;
	}
	in = from_update(srv, &u);
	tg_update_release(&u);
	if (!in) {
		server_respond_json(p, 200, "{\"ok\":true}");
		return;
	}
	in->http = p;
	server_queue(srv, in);
}

void hooks_take_polled(struct server *srv)
{
	struct polled *list, *b, *next;
	struct tg_update u;
	struct inbound *in;
	json_t *arr, *v;
	json_int_t last = -1, id;
	char err[256];
	size_t i;

	pthread_mutex_lock(&srv->lock);
	list = srv->polled;
	srv->polled = NULL;
	pthread_mutex_unlock(&srv->lock);
	for (b = list; b; b = next) {
		next = b->next;
		arr = json_loadb(b->json, b->len, 0, NULL);
		json_array_foreach(arr, i, v)
		{
			id = json_integer_value(json_object_get(v, "update_id"));
			if (id > last)
				last = id;
			if (tg_parse_update_obj(v, srv->bot_username, srv->bot_id, &u, err,
			                        sizeof(err)) < 0) {
				log_warn("telegram: malformed update %lld skipped: %s",
				         (long long)id, err);
				continue;
			}
			in = from_update(srv, &u);
			tg_update_release(&u);
			if (in)
				server_queue(srv, in);
		}
		json_decref(arr);
		/* Confirms the batch once everything before it is committed. */
		in = last >= 0 ? calloc(1, sizeof(*in)) : NULL;
		if (in) {
			in->channel = strdup("telegram");
			in->poll_offset = (int64_t)last + 1;
			server_queue(srv, in);
		} else if (srv->sender) {
			sender_poll_done(srv->sender, 0); /* nothing to confirm: poll again */
		}
		free(b->json);
		free(b);
	}
}

/* ---- getMe: who the bot is, for mentions and start links ---------------------------- */

static size_t collect(char *ptr, size_t size, size_t n, void *ud)
{
	struct buf *b = ud;

	return buf_addn(b, ptr, size * n) < 0 ? 0 : size * n;
}

void hooks_telegram_identify(struct server *srv)
{
	const struct cfg_telegram *tg = &srv->cfg->telegram;
	struct buf url, body;
	struct tg_result r;
	json_t *res;
	CURL *h;
	long status = 0;

	if (tg->bot_username)
		snprintf(srv->bot_username, sizeof(srv->bot_username), "%s", tg->bot_username);
	if (!tg->token || !tg->api_base)
		return;
	buf_init(&url);
	buf_init(&body);
	buf_printf(&url, "%s/bot%s/getMe", tg->api_base, tg->token);
	h = curl_easy_init();
	if (!h)
		goto out;
	curl_easy_setopt(h, CURLOPT_URL, buf_str(&url));
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	if (tg_parse_result(status, buf_str(&body), body.len, &r) == 0 && r.ok) {
		res = r.result; /* borrowed from r */
		snprintf(srv->bot_id, sizeof(srv->bot_id), "%lld",
		         (long long)json_integer_value(json_object_get(res, "id")));
		if (!srv->bot_username[0] && json_string_value(json_object_get(res, "username")))
			snprintf(srv->bot_username, sizeof(srv->bot_username), "%s",
			         json_string_value(json_object_get(res, "username")));
		log_info("telegram: this bot is @%s", srv->bot_username);
	} else {
		log_warn("telegram: getMe failed (HTTP %ld); mentions need bot_username", status);
	}
	tg_result_release(&r);
out:
	buf_release(&url);
	buf_release(&body);
}

/* ---- the generic webhook ------------------------------------------------------------------ */

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

static void generic_complete(struct server *srv, struct http_pss *p)
{
	char sig[128], idtmp[32], usertmp[32], chattmp[32];
	const char *id, *user, *chat, *text;
	struct inbound *in;
	json_error_t jerr;
	json_t *o;

	custom_header(p->wsi, "x-concierge-signature:", sig, sizeof(sig));
	if (!sig[0] ||
	    generic_verify(srv->cfg->generic.secret, buf_str(&p->body), p->body.len, sig) != 1) {
		log_warn("generic: request with a bad or missing signature refused");
		server_respond_error(p, 401, "bad signature");
		return;
	}
	o = json_loadb(buf_str(&p->body), p->body.len, 0, &jerr);
	if (!json_is_object(o)) {
		server_respond_error(p, 400, "body must be a JSON object {id, user, chat, text}");
		json_decref(o);
		return;
	}
	id = str_field(o, "id", idtmp, sizeof(idtmp));
	user = str_field(o, "user", usertmp, sizeof(usertmp));
	chat = str_field(o, "chat", chattmp, sizeof(chattmp));
	text = json_string_value(json_object_get(o, "text"));
	if (!id || !*id || strlen(id) > FIELD_MAX || !user || !*user || strlen(user) > FIELD_MAX ||
	    !chat || !*chat || strlen(chat) > FIELD_MAX || !text || strlen(text) > TEXT_MAX) {
		server_respond_error(
		        p, 400,
		        "id, user and chat (1-96 characters) and text (up to 4000) are required");
		json_decref(o);
		return;
	}
	in = calloc(1, sizeof(*in));
	if (!in) {
		server_respond_error(p, 503, "busy");
		json_decref(o);
		return;
	}
	in->channel = strdup("generic");
	in->id = strdup(id);
	in->user = strdup(user);
	in->chat = strdup(chat);
	in->text = strdup(text);
	in->user_name = server_strdup(json_string_value(json_object_get(o, "name")));
	in->lang = server_strdup(json_string_value(json_object_get(o, "lang")));
	in->callback = server_strdup(json_string_value(json_object_get(o, "data")));
	in->is_group = json_is_true(json_object_get(o, "group"));
	in->addressed = !in->is_group || json_is_true(json_object_get(o, "addressed"));
	json_decref(o);
	in->http = p;
	server_queue(srv, in);
}

void hooks_complete(struct server *srv, struct http_pss *p)
{
	if (p->responding)
		return; /* refused at the headers (no such hook); answered once */
	if (p->status) {
		server_respond_error(p, p->status, p->status == 401 ? "wrong secret" : "refused");
		return;
	}
	if (p->route == ROUTE_TELEGRAM)
		telegram_complete(srv, p);
	else if (p->route == ROUTE_GENERIC)
		generic_complete(srv, p);
}
