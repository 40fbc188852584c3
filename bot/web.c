/*
 * web.c - the web chat: the resident page's websocket at /ws/chat.
 *
 * A visitor is known by a random token in an HttpOnly cookie set with the
 * page; the store only ever sees a hash of it, so a copied database does not
 * let anyone speak as a visitor. Staff open the same page with their
 * personal link (?staff=TOKEN) and act as themselves.
 *
 * Protocol (JSON text frames):
 *   page -> {"type":"hello","lang":"zh"|"en","staff":"TOKEN"?}
 *   us   -> {"type":"welcome","who":{"kind","name"},"title","history":[...]}
 *   page -> {"type":"say","id","text","data"?}        a line or a pressed button
 *   us   -> {"type":"ack","id"} once stored, or {"type":"error","id","message"}
 *   us   -> {"type":"message","text","buttons":[{"label","data"}],"at"}
 */
#include "bot/server.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/cli.h"
#include "bot/config.h"
#include "bot/log.h"
#include "store/store.h"

#define COOKIE     "cc_visitor"
#define RX_MAX     (16 * 1024)
#define HISTORY    200
#define SAY_WINDOW 10 /* seconds */
#define SAY_MAX    20 /* messages per window and connection */

/* ---- identity ------------------------------------------------------------------- */

static int token_ok(const char *t)
{
	size_t i;

	for (i = 0; t[i]; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
			return 0;
	return i == 32;
}

/* The visitor's stored identity: "v" + 24 hex digits of SHA-256(token). */
static void visitor_id(const char *token, char *out, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int i;

	EVP_Digest(token, strlen(token), md, &mdlen, EVP_sha256(), NULL);
	if (len < 26)
		return;
	out[0] = 'v';
	for (i = 0; i < 12; i++)
		snprintf(out + 1 + 2 * i, 3, "%02x", md[i]);
}

static int cookie_token(struct lws *wsi, char *out, size_t len)
{
	size_t max = len;

	if (lws_http_cookie_get(wsi, COOKIE, out, &max) != 0)
		return -1;
	out[max < len ? max : len - 1] = '\0';
	return token_ok(out) ? 0 : -1;
}

void web_page_cookie(struct server *srv, struct http_pss *p)
{
	unsigned char raw[16];
	char token[40];
	int i;

	if (cookie_token(p->wsi, token, sizeof(token)) == 0)
		return;
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return;
	for (i = 0; i < 16; i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);
	snprintf(p->set_cookie, sizeof(p->set_cookie),
	         COOKIE "=%s; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax%s", token,
	         srv->cfg->tls_cert ? "; Secure" : "");
}

static const struct cfg_staff *staff_by_token(const struct cfg *c, const char *token)
{
	const struct cfg_staff *found = NULL;
	size_t i, n = strlen(token);

	/* Compare against every token in constant time per token. */
	for (i = 0; i < c->nstaff; i++) {
		const char *t = c->staff[i].token;

		if (t && strlen(t) == n && n > 0 && CRYPTO_memcmp(t, token, n) == 0)
			found = &c->staff[i];
	}
	return found;
}

/* ---- frames ------------------------------------------------------------------------ */

static void send_text(struct http_pss *p, const char *text)
{
	size_t n = strlen(text);
	struct ws_frame *f = malloc(sizeof(*f) + LWS_PRE + n);

	if (!f)
		return;
	f->next = NULL;
	f->len = n;
	/* A frame, not a string: no terminator. */
	memcpy(f->data + LWS_PRE, text, n); // NOLINT(bugprone-not-null-terminated-result)
	if (p->tx_tail)
		p->tx_tail->next = f;
	else
		p->tx_head = f;
	p->tx_tail = f;
	lws_callback_on_writable(p->wsi);
}

static void send_json(struct http_pss *p, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	if (s)
		send_text(p, s);
	free(s);
	json_decref(o);
}

static void send_error(struct http_pss *p, const char *id, const char *message)
{
	json_t *o = json_pack("{s:s,s:s}", "type", "error", "message", message);

	if (id)
		json_object_set_new(o, "id", json_string(id));
	send_json(p, o);
}

/* ---- history and delivery ------------------------------------------------------------- */

static int history_line(const struct store_line *l, void *ud)
{
	json_t *arr = ud, *o, *b;

	o = json_pack("{s:s,s:s,s:I}", "from", l->sender, "text", l->text, "at", (json_int_t)l->at);
	if (l->buttons[0] && (b = json_loads(l->buttons, 0, NULL)) != NULL)
		json_object_set_new(o, "buttons", b);
	if (l->client_id[0])
		json_object_set_new(o, "id", json_string(l->client_id));
	json_array_append_new(arr, o);
	return 0;
}

struct deliver_ctx {
	struct server *srv;
	int64_t now;
	int failed;
};

static int deliver_row(const struct store_outbox *m, void *ud)
{
	struct deliver_ctx *d = ud;
	json_t *payload = json_loads(m->payload, 0, NULL), *msg, *buttons;
	const char *text = json_string_value(json_object_get(payload, "text"));
	struct http_pss *c;
	char *bjs = NULL;

	buttons = json_object_get(payload, "buttons"); /* borrowed */
	if (json_array_size(buttons))
		bjs = json_dumps(buttons, JSON_COMPACT);
	if (store_transcript_add(d->srv->store, "web", m->chat, "bot", text ? text : "",
	                         bjs ? bjs : "", "", d->now) < 0 ||
	    store_outbox_sent(d->srv->store, m->id, d->now) < 0) {
		d->failed = 1;
	} else {
		for (c = d->srv->conns; c; c = c->ws_next) {
			if (!c->greeted || strcmp(c->user, m->chat) != 0)
				continue;
			msg = json_pack("{s:s,s:s,s:I}", "type", "message", "text",
			                text ? text : "", "at", (json_int_t)d->now);
			json_object_set_new(msg, "buttons",
			                    buttons ? json_incref(buttons) : json_array());
			send_json(c, msg);
		}
	}
	free(bjs);
	json_decref(payload);
	return d->failed;
}

/* Delivers what waits for CHAT (only called while a page for it is open). */
static int deliver_chat(struct server *srv, const char *chat)
{
	struct deliver_ctx d = {srv, cli_now(), 0};

	return store_outbox_for_chat(srv->store, "web", chat, deliver_row, &d) < 0 || d.failed ? -1
	                                                                                       : 0;
}

void web_deliver(struct server *srv)
{
	struct http_pss *c, *seen;
	int ok = 1;

	if (!srv->conns)
		return;
	if (store_begin(srv->store) < 0)
		return;
	for (c = srv->conns; c && ok; c = c->ws_next) {
		if (!c->greeted)
			continue;
		for (seen = srv->conns; seen != c; seen = seen->ws_next)
			if (seen->greeted && strcmp(seen->user, c->user) == 0)
				break;
		if (seen == c && deliver_chat(srv, c->user) < 0)
			ok = 0;
	}
	if (!ok || store_commit(srv->store) < 0) {
		log_warn("web: delivery failed: %s", store_errmsg(srv->store));
		store_rollback(srv->store);
	}
}

static void welcome(struct server *srv, struct http_pss *p)
{
	const struct cfg_community *com = &srv->cfg->communities[0];
	const struct cfg_staff *s = p->staff_id[0] ? cfg_staff_find(srv->cfg, p->staff_id) : NULL;
	json_t *o, *history = json_array();
	const char *title = "";

	if (store_transcript_list(srv->store, "web", p->user, HISTORY, history_line, history) < 0)
		log_warn("web: history unavailable: %s", store_errmsg(srv->store));
	/* The configured page title names the centre; the community's name otherwise. */
	if (srv->cfg->web.title && *srv->cfg->web.title)
		title = srv->cfg->web.title;
	else if (srv->cfg->ncommunities && com->name)
		title = com->name;
	o = json_pack("{s:s,s:{s:s,s:s},s:s,s:o}", "type", "welcome", "who", "kind",
	              s ? "staff" : "resident", "name", s ? s->name : "", "title", title, "history",
	              history);
	send_json(p, o);
	p->greeted = 1;
	/* Notices that waited for this visitor arrive now, after the history. */
	web_deliver(srv);
}

/* ---- messages from the page ----------------------------------------------------------------- */

static void on_hello(struct server *srv, struct http_pss *p, json_t *o)
{
	const char *staff = json_string_value(json_object_get(o, "staff"));
	const char *lang = json_string_value(json_object_get(o, "lang"));
	const struct cfg_staff *s;

	if (staff && *staff) {
		s = staff_by_token(srv->cfg, staff);
		if (!s) {
			send_error(p, NULL, "this staff link is not valid");
			return;
		}
		snprintf(p->staff_id, sizeof(p->staff_id), "%s", s->id);
		snprintf(p->user, sizeof(p->user), "staff:%s", s->id);
		log_info("web: staff %s connected", s->id);
	} else if (strcmp(p->visitor, "anonymous") == 0) {
		/* No cookie: someone who did not load the page. Staff links still work. */
		send_error(p, NULL, "open the chat page first (no visitor cookie)");
		return;
	} else {
		snprintf(p->user, sizeof(p->user), "%s", p->visitor);
	}
	/* The browser's language: the bot answers in it until the visitor says otherwise. */
	if (lang && (strncmp(lang, "zh", 2) == 0 || strncmp(lang, "en", 2) == 0))
		snprintf(p->lang, sizeof(p->lang), "%.2s", lang);
	welcome(srv, p);
}

static void on_say(struct server *srv, struct http_pss *p, json_t *o)
{
	const char *id = json_string_value(json_object_get(o, "id"));
	const char *text = json_string_value(json_object_get(o, "text"));
	const char *data = json_string_value(json_object_get(o, "data"));
	struct inbound *in;

	if (!p->greeted) {
		send_error(p, id, "say hello first");
		return;
	}
	/* A person types a few lines a minute; a script typing faster is slowed down. */
	if (cli_now() - p->say_window >= SAY_WINDOW) {
		p->say_window = cli_now();
		p->say_count = 0;
	}
	if (++p->say_count > SAY_MAX) {
		send_error(p, id, "too many messages, please wait a moment");
		return;
	}
	if (!id || !*id || strlen(id) > 64 || !text || strlen(text) > 4000 ||
	    (data && strlen(data) > 256)) {
		send_error(p, id, "message not understood");
		return;
	}
	in = calloc(1, sizeof(*in));
	if (!in) {
		send_error(p, id, "out of memory");
		return;
	}
	in->channel = strdup("web");
	in->chat = strdup(p->user);
	in->user = strdup(p->user);
	in->text = strdup(text);
	in->lang = p->lang[0] ? strdup(p->lang) : NULL;
	in->callback = data && *data ? strdup(data) : NULL;
	in->web_client_id = strdup(id);
	in->web_record = 1;
	if (!in->channel || !in->chat || !in->user || !in->text || !in->web_client_id) {
		inbound_free(in);
		send_error(p, id, "out of memory");
		return;
	}
	server_queue(srv, in);
}

void web_ack(struct server *srv, struct inbound *in)
{
	struct http_pss *c;

	for (c = srv->conns; c; c = c->ws_next) {
		if (strcmp(c->user, in->user) != 0)
			continue;
		if (in->failed)
			send_error(c, in->web_client_id, "not saved, please try again");
		else
			send_json(c,
			          json_pack("{s:s,s:s}", "type", "ack", "id", in->web_client_id));
	}
}

static void on_frame(struct server *srv, struct http_pss *p)
{
	json_t *o = json_loads(buf_str(&p->rx), 0, NULL);
	const char *type = json_string_value(json_object_get(o, "type"));

	if (!type)
		send_error(p, NULL, "expected a JSON object with a type");
	else if (strcmp(type, "hello") == 0)
		on_hello(srv, p, o);
	else if (strcmp(type, "say") == 0)
		on_say(srv, p, o);
	else
		send_error(p, NULL, "unknown message type");
	json_decref(o);
}

/* Same-origin check: a page from elsewhere must not speak for our visitor. */
static int origin_ok(struct lws *wsi)
{
	char origin[512], host[512];
	const char *o;

	if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0)
		return 1; /* not a browser */
	/* A header that does not fit is refused, never taken for a missing one. */
	if (lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) <= 0)
		return 0;
	if (lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) <= 0)
		return 0;
	o = strstr(origin, "://");
	return o && strcmp(o + 3, host) == 0;
}

int web_callback(struct server *srv, struct lws *wsi, enum lws_callback_reasons reason,
                 struct http_pss *p, void *in, size_t len)
{
	char uri[64], token[40];
	struct http_pss **pp;
	struct ws_frame *f;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		if (!srv->cfg->web.enabled || srv->stopping)
			return -1;
		if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0 ||
		    strcmp(uri, "/ws/chat") != 0)
			return -1;
		if (!origin_ok(wsi)) {
			log_warn("web: websocket from another origin refused");
			return -1;
		}
		memset(p, 0, sizeof(*p));
		if (cookie_token(wsi, token, sizeof(token)) == 0)
			visitor_id(token, p->visitor, sizeof(p->visitor));
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		p->wsi = wsi;
		p->is_ws = 1;
		p->route = ROUTE_WS;
		if (!p->visitor[0])
			snprintf(p->visitor, sizeof(p->visitor), "anonymous");
		p->ws_next = srv->conns;
		srv->conns = p;
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (!p->rx_skip && p->rx.len + len > RX_MAX) {
			/* One answer for the whole message, however many pieces it comes in. */
			send_error(p, NULL, "message too large");
			buf_reset(&p->rx);
			p->rx_skip = 1;
		}
		if (!p->rx_skip)
			buf_addn(&p->rx, in, len);
		if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
			return 0;
		if (!p->rx_skip)
			on_frame(srv, p);
		p->rx_skip = 0;
		buf_reset(&p->rx);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		f = p->tx_head;
		if (!f)
			return 0;
		if (lws_write(wsi, f->data + LWS_PRE, f->len, LWS_WRITE_TEXT) < (int)f->len)
			return -1;
		p->tx_head = f->next;
		if (!p->tx_head)
			p->tx_tail = NULL;
		free(f);
		if (p->tx_head)
			lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLOSED:
		for (pp = &srv->conns; *pp; pp = &(*pp)->ws_next)
			if (*pp == p) {
				*pp = p->ws_next;
				break;
			}
		while (p->tx_head) {
			f = p->tx_head->next;
			free(p->tx_head);
			p->tx_head = f;
		}
		buf_release(&p->rx);
		return 0;
	default:
		return 0;
	}
}
