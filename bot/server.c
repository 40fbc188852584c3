/*
 * server.c - `concierge serve`: one libwebsockets context that serves the web
 * chat page, its websocket, the platform webhooks and /healthz.
 *
 * The pipeline of every inbound message: the route authenticates and parses
 * it and queues a struct inbound; a zero-delay timer then runs the whole
 * queue in ONE store transaction (group commit: de-duplication, dialog step,
 * order changes with events, outbox rows), and only after the commit are the
 * webhooks answered 2xx and the websocket messages acknowledged. If the batch
 * fails, each message is retried in its own transaction so one bad message
 * cannot hold back the others. The sender thread delivers the outbox.
 */
#include "bot/server.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/cli.h"
#include "bot/config.h"
#include "bot/core.h"
#include "bot/log.h"
#include "bot/sender.h"
#include "bot/web_assets.h"
#include "store/store.h"

#define BODY_MAX    (256 * 1024)
#define TICK_US     (30 * LWS_US_PER_SEC)
#define WEB_POLL_US (1 * LWS_US_PER_SEC)

static volatile sig_atomic_t got_signal;

char *server_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

void inbound_free(struct inbound *in)
{
	if (!in)
		return;
	free(in->channel);
	free(in->id);
	free(in->chat);
	free(in->user);
	free(in->user_name);
	free(in->lang);
	free(in->text);
	free(in->callback);
	free(in->private_link);
	free(in->answer_callback);
	free(in->migrate_old);
	free(in->migrate_new);
	free(in->web_client_id);
	free(in);
}

/* ---- responses --------------------------------------------------------------- */

void server_respond(struct http_pss *p, int status, const char *ctype, char *body, size_t len)
{
	free(p->resp);
	p->resp = (unsigned char *)body;
	p->resp_len = body ? len : 0;
	p->resp_sent = 0;
	p->static_data = NULL;
	p->status = status;
	p->ctype = ctype;
	p->responding = 1;
	lws_callback_on_writable(p->wsi);
}

void server_respond_json(struct http_pss *p, int status, const char *json_text)
{
	char *copy = strdup(json_text);

	server_respond(p, status, "application/json", copy, copy ? strlen(copy) : 0);
}

void server_respond_error(struct http_pss *p, int status, const char *message)
{
	json_t *o = json_pack("{s:b,s:s}", "ok", 0, "error", message);
	char *s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	server_respond(p, status, "application/json", s, s ? strlen(s) : 0);
}

/* The answer is written: close once it is flushed, or wait for the next request. */
static int finish_response(struct lws *wsi, struct http_pss *p, int close_after)
{
	if (!close_after)
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	p->closing = 1;
	lws_callback_on_writable(wsi); /* called back once lws has sent what it buffered */
	return 0;
}

static int write_response(struct lws *wsi, struct http_pss *p)
{
	static const char csp[] = "default-src 'self'; connect-src 'self' ws: wss:; "
	                          "img-src 'self' data:; frame-ancestors 'none'";
	unsigned char hb[LWS_PRE + 2048], *start = hb + LWS_PRE, *ptr = start,
	                                  *end = hb + sizeof(hb) - 1;
	unsigned char chunk[LWS_PRE + 16384];
	const unsigned char *data = p->static_data ? p->static_data : p->resp;
	/*
	 * HTTP/1 connections close after each answer: libwebsockets 4.1 spins on a
	 * pipelined request with a body behind an answered one. (An HTTP/2 stream
	 * has its own network connection, which stays.)
	 */
	int close_after = p->status == 411 || lws_get_network_wsi(wsi) == wsi;
	size_t n;
	int final;

	if (p->closing)
		return -1; /* the answer is flushed: hang up */
	if (!p->headers_sent) {
		if (lws_add_http_common_headers(wsi, (unsigned int)p->status,
		                                p->ctype ? p->ctype : "text/plain",
		                                (lws_filepos_t)p->resp_len, &ptr, end))
			return -1;
		if (lws_add_http_header_by_name(wsi,
		                                (const unsigned char *)"x-content-type-options:",
		                                (const unsigned char *)"nosniff", 7, &ptr, end))
			return -1;
		if (p->route == ROUTE_STATIC &&
		    lws_add_http_header_by_name(
		            wsi, (const unsigned char *)"content-security-policy:",
		            (const unsigned char *)csp, (int)strlen(csp), &ptr, end))
			return -1;
		if (p->set_cookie[0] &&
		    lws_add_http_header_by_name(wsi, (const unsigned char *)"set-cookie:",
		                                (const unsigned char *)p->set_cookie,
		                                (int)strlen(p->set_cookie), &ptr, end))
			return -1;
		if (lws_add_http_header_by_name(
		            wsi, (const unsigned char *)"cache-control:",
		            (const unsigned char *)(p->cache[0] ? p->cache : "no-store"),
		            (int)strlen(p->cache[0] ? p->cache : "no-store"), &ptr, end))
			return -1;
		/* 411: an unread chunked body follows; it must not be taken for a request. */
		if (close_after &&
		    lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:",
		                                (const unsigned char *)"close", 5, &ptr, end))
			return -1;
		if (lws_finalize_write_http_header(wsi, start, &ptr, end))
			return -1;
		p->headers_sent = 1;
		/* HEAD: the length of the body, but never the body (keep-alive clients would
		 * read it as the next answer). */
		if (!p->resp_len || lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0)
			return finish_response(wsi, p, close_after);
		lws_callback_on_writable(wsi);
		return 0;
	}
	n = p->resp_len - p->resp_sent;
	if (n > sizeof(chunk) - LWS_PRE)
		n = sizeof(chunk) - LWS_PRE;
	final = p->resp_sent + n == p->resp_len;
	memcpy(chunk + LWS_PRE, data + p->resp_sent, n);
	if (lws_write(wsi, chunk + LWS_PRE, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
	    (int)n)
		return -1;
	p->resp_sent += n;
	if (final)
		return finish_response(wsi, p, close_after);
	lws_callback_on_writable(wsi);
	return 0;
}

/* ---- group commit ------------------------------------------------------------------ */

static void batch_due(lws_sorted_usec_list_t *sul);

void server_queue(struct server *srv, struct inbound *in)
{
	if (srv->batch_tail)
		srv->batch_tail->next = in;
	else
		srv->batch = in;
	srv->batch_tail = in;
	in->next = NULL;
	if (in->http)
		in->http->waiting = in;
	/* Zero delay: everything that arrived in this turn of the loop shares one commit. */
	if (srv->nbatch++ == 0)
		lws_sul_schedule(srv->ctx, 0, &srv->sul_batch, batch_due, 1);
}

/* Applies one message inside the open transaction. */
static int apply(struct server *srv, struct inbound *in, int64_t now)
{
	struct msg_in m;
	char off[32];
	json_t *o;
	char *s;
	int rc = 0;

	/* A repeat of a committed update changes nothing, not even a press answer. */
	if (in->id) {
		rc = store_dedup_claim(srv->store, in->channel, in->id, now);
		if (rc < 0)
			return -1;
		if (rc == 0)
			goto offset;
		rc = 0;
	}
	if (in->migrate_old && in->migrate_new) {
		log_info("%s: group %s moved to %s", in->channel, in->migrate_old, in->migrate_new);
		rc = store_chat_migrate(srv->store, in->channel, in->migrate_old, in->migrate_new);
	}
	if (rc == 0 && in->answer_callback) {
		/* Answered through the outbox: a press must stop spinning even if we crash now. */
		o = json_pack("{s:s}", "answer_callback", in->answer_callback);
		s = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		rc = store_outbox_add(srv->store, in->channel, in->chat ? in->chat : "-",
		                      s ? s : "{}", now, NULL);
		free(s);
	}
	if (rc == 0 && in->web_record) {
		/* The page repeats a message it got no ack for: the same id is stored once. */
		char key[192];

		snprintf(key, sizeof(key), "%s:%s", in->user, in->web_client_id);
		rc = store_dedup_claim(srv->store, "web", key, now);
		if (rc == 1)
			rc = store_transcript_add(srv->store, "web", in->chat, "me", in->text, "",
			                          in->web_client_id, now);
		else if (rc == 0)
			goto offset; /* a repeat: acknowledge, do nothing again */
		if (rc == 1)
			rc = 0;
	}
	if (rc == 0 && in->text && (in->text[0] || (in->callback && in->callback[0]))) {
		memset(&m, 0, sizeof(m));
		m.channel = in->channel;
		m.id = NULL; /* claimed above */
		m.chat = in->chat;
		m.user = in->user;
		m.user_name = in->user_name;
		m.lang = in->lang;
		m.text = in->text;
		m.callback = in->callback;
		m.private_link = in->private_link;
		m.is_group = in->is_group;
		m.addressed = in->addressed;
		rc = core_handle(srv->core, &m, now);
	}
offset:
	if (rc == 0 && in->poll_offset > 0) {
		snprintf(off, sizeof(off), "%lld", (long long)in->poll_offset);
		rc = store_kv_set(srv->store, "telegram.offset", off);
	}
	return rc;
}

static void finish(struct server *srv, struct inbound *in)
{
	struct http_pss *p = in->http;

	if (p) {
		p->waiting = NULL;
		if (in->failed)
			server_respond_error(p, 500, "could not store the message; please retry");
		else
			server_respond_json(p, 200, "{\"ok\":true}");
	}
	if (in->web_client_id)
		web_ack(srv, in);
	/* Failed: 0 keeps the old offset, so Telegram hands the batch over again now. */
	if (in->poll_offset > 0 && srv->sender)
		sender_poll_done(srv->sender, in->failed ? 0 : in->poll_offset);
}

static void run_batch(struct server *srv)
{
	struct inbound *list = srv->batch, *in, *next;
	int64_t now = cli_now();
	int ok = 1, n = srv->nbatch, poll_lost = 0;

	srv->batch = srv->batch_tail = NULL;
	srv->nbatch = 0;
	if (!list)
		return;
	if (store_begin(srv->store) < 0) {
		ok = 0;
	} else {
		for (in = list; in && ok; in = in->next)
			if (apply(srv, in, now) < 0)
				ok = 0;
		if (ok && store_commit(srv->store) < 0)
			ok = 0;
		if (!ok)
			store_rollback(srv->store);
	}
	if (!ok) {
		/* Find the culprit: each message alone, so the others still land. */
		log_warn("store: batch of %d failed (%s); retrying one by one", n,
		         store_errmsg(srv->store));
		for (in = list; in; in = in->next) {
			/*
			 * A polled message that failed must come again: its batch is
			 * not confirmed, so Telegram redelivers it (and the others,
			 * which the de-duplication drops).
			 */
			if (in->poll_offset > 0 && poll_lost) {
				in->failed = 1;
				poll_lost = 0;
				continue;
			}
			if (store_begin(srv->store) < 0 || apply(srv, in, now) < 0 ||
			    store_commit(srv->store) < 0) {
				if (!in->http && !in->web_client_id && !in->poll_offset)
					poll_lost = 1;
				log_error("store: message on %s not stored: %s", in->channel,
				          store_errmsg(srv->store));
				store_rollback(srv->store);
				in->failed = 1;
			}
		}
	}
	srv->batches++;
	for (in = list; in; in = next) {
		next = in->next;
		if (!in->failed)
			srv->handled++;
		finish(srv, in);
		inbound_free(in);
	}
	web_deliver(srv);
	if (srv->sender)
		sender_kick(srv->sender);
}

static struct server *server_of(lws_sorted_usec_list_t *sul, size_t offset)
{
	return (struct server *)(void *)((char *)sul - offset);
}

static void batch_due(lws_sorted_usec_list_t *sul)
{
	run_batch(server_of(sul, offsetof(struct server, sul_batch)));
}

static void tick_due(lws_sorted_usec_list_t *sul)
{
	struct server *srv = server_of(sul, offsetof(struct server, sul_tick));

	if (core_tick(srv->core, cli_now()) < 0)
		log_warn("store: periodic work failed: %s", store_errmsg(srv->store));
	if (srv->sender)
		sender_kick(srv->sender);
	web_deliver(srv);
	lws_sul_schedule(srv->ctx, 0, &srv->sul_tick, tick_due, TICK_US);
}

static void web_due(lws_sorted_usec_list_t *sul)
{
	struct server *srv = server_of(sul, offsetof(struct server, sul_web));

	/* Notices queued by other processes (staff at a desk) reach open pages too. */
	web_deliver(srv);
	lws_sul_schedule(srv->ctx, 0, &srv->sul_web, web_due, WEB_POLL_US);
}

static int add_count(const char *channel, int64_t pending, int64_t dead, void *ud)
{
	json_t *by = ud;

	json_object_set_new(
	        by, channel,
	        json_pack("{s:I,s:I}", "pending", (json_int_t)pending, "dead", (json_int_t)dead));
	return 0;
}

/*
 * Outbox depth, in all and per channel: terminal and web rows wait for their
 * reader to come back, so only the network channels' queues say whether
 * delivery keeps up.
 */
static json_t *outbox_counts(struct server *srv, int64_t depth)
{
	json_t *by = json_object();

	if (store_outbox_counts(srv->store, add_count, by) < 0)
		log_warn("store: outbox counts: %s", store_errmsg(srv->store));
	return json_pack("{s:I,s:o}", "pending", (json_int_t)depth, "by_channel", by);
}

/* ---- /healthz ------------------------------------------------------------------------ */

static void health(struct server *srv, struct http_pss *p)
{
	char senderjs[1024] = "{}";
	json_t *o = json_object(), *ch, *sj;
	struct http_pss *c;
	int64_t depth = -1;
	int web_clients = 0;
	int db_ok = store_outbox_depth(srv->store, &depth) == 0;
	char *s;

	if (srv->sender)
		sender_status_json(srv->sender, senderjs, sizeof(senderjs));
	sj = json_loads(senderjs, 0, NULL);
	ch = json_object();
	json_object_set_new(ch, "web",
	                    json_pack("{s:s}", "state", srv->cfg->web.enabled ? "on" : "off"));
	json_object_set_new(ch, "terminal", json_pack("{s:s}", "state", "on"));
	if (json_is_object(sj)) {
		const char *key;
		json_t *v;

		json_object_foreach(sj, key, v)
		        json_object_set(ch, key, v); /* borrowed v, set adds a reference */
	}
	if (!json_object_get(ch, "telegram"))
		json_object_set_new(ch, "telegram",
		                    json_pack("{s:s}", "state",
		                              srv->cfg->telegram.enabled ? "starting" : "off"));
	json_object_set_new(o, "status", json_string(db_ok ? "ok" : "degraded"));
	json_object_set_new(o, "database", json_string(db_ok ? "ok" : store_errmsg(srv->store)));
	json_object_set_new(o, "channels", ch);
	json_object_set_new(o, "outbox", outbox_counts(srv, depth));
	json_object_set_new(o, "handled", json_integer(srv->handled));
	json_object_set_new(o, "commits", json_integer(srv->batches));
	for (c = srv->conns; c; c = c->ws_next)
		web_clients++;
	json_object_set_new(o, "web_clients", json_integer(web_clients));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	json_decref(sj);
	server_respond(p, db_ok ? 200 : 503, "application/json", s, s ? strlen(s) : 0);
}

/* ---- HTTP ----------------------------------------------------------------------------- */

static const struct web_asset *asset_find(const char *path)
{
	const struct web_asset *a;

	if (strcmp(path, "/") == 0)
		path = "/index.html";
	for (a = web_assets; a->path; a++)
		if (strcmp(a->path, path) == 0)
			return a;
	return NULL;
}

static int is_post(struct lws *wsi)
{
	char m[16] = "";

	if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0)
		return 1;
#if defined(LWS_ROLE_H2)
	if (lws_hdr_copy(wsi, m, sizeof(m), WSI_TOKEN_HTTP_COLON_METHOD) > 0)
		return strcmp(m, "POST") == 0;
#endif
	return 0;
}

static int on_http(struct server *srv, struct lws *wsi, struct http_pss *p, const char *path)
{
	const struct web_asset *a;

	memset(p, 0, sizeof(*p));
	p->wsi = wsi;
	if (srv->stopping) {
		p->route = ROUTE_NONE;
		server_respond_error(p, 503, "shutting down");
		return 0;
	}
	if (strncmp(path, "/hooks/", 7) == 0) {
		if (!is_post(wsi)) {
			server_respond_error(p, 405, "use POST");
			return 0;
		}
		return hooks_begin(srv, p, path);
	}
	if (strcmp(path, "/healthz") == 0) {
		p->route = ROUTE_HEALTH;
		health(srv, p);
		return 0;
	}
	a = srv->cfg->web.enabled ? asset_find(path) : NULL;
	if (a && !is_post(wsi)) {
		p->route = ROUTE_STATIC;
		if (strcmp(a->path, "/index.html") == 0)
			web_page_cookie(srv, p);
		else
			snprintf(p->cache, sizeof(p->cache), "public, max-age=300");
		p->status = 200;
		p->ctype = a->type;
		p->static_data = a->data;
		p->resp_len = a->len;
		p->responding = 1;
		lws_callback_on_writable(wsi);
		return 0;
	}
	server_respond_error(p, 404, "not found");
	return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
	struct server *srv = lws_context_user(lws_get_context(wsi));
	struct http_pss *p = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return on_http(srv, wsi, p, (const char *)in);
	case LWS_CALLBACK_HTTP_BODY:
		/* Answered already, or refused (a wrong secret): drain, keep nothing. */
		if (p->responding || p->body_too_big || p->status)
			return 0;
		if (p->body.len + len > BODY_MAX) {
			p->body_too_big = 1;
			return 0;
		}
		buf_addn(&p->body, in, len);
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (p->responding)
			return 0; /* already answered (404, 405): the body was only drained */
		if (p->body_too_big) {
			server_respond_error(p, 413, "body too large");
			return 0;
		}
		hooks_complete(srv, p);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (!p || !p->responding)
			return 0;
		return write_response(wsi, p);
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (p) {
			if (p->waiting)
				p->waiting->http =
				        NULL; /* the batch still commits; nobody to answer */
			p->waiting = NULL;
			free(p->resp);
			p->resp = NULL;
			buf_release(&p->body);
		}
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (srv) {
			hooks_take_polled(srv);
			if (got_signal && !srv->stopping) {
				srv->stopping = 1;
				log_info("server: stopping (signal %d)", (int)got_signal);
			}
		}
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
	case LWS_CALLBACK_ESTABLISHED:
	case LWS_CALLBACK_RECEIVE:
	case LWS_CALLBACK_SERVER_WRITEABLE:
	case LWS_CALLBACK_CLOSED:
		return web_callback(srv, wsi, reason, p, in, len);
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
        {"http", callback, sizeof(struct http_pss), 4096, 0, NULL, 0},
        {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* Pings idle websockets so dead phones are noticed; hangs up after a minute of silence. */
static const lws_retry_bo_t retry = {
        .secs_since_valid_ping = 30,
        .secs_since_valid_hangup = 70,
};

/* ---- the sender's polled batches ------------------------------------------------------ */

static void on_updates(void *ud, char *json, size_t len)
{
	struct server *srv = ud;
	struct polled *p = calloc(1, sizeof(*p)), **tail;

	if (!p) {
		free(json);
		return;
	}
	p->json = json;
	p->len = len;
	pthread_mutex_lock(&srv->lock);
	for (tail = &srv->polled; *tail; tail = &(*tail)->next)
		;
	*tail = p;
	pthread_mutex_unlock(&srv->lock);
	lws_cancel_service(srv->ctx);
}

/* ---- serve ------------------------------------------------------------------------------- */

/* Only sets a flag: the loop wakes at least once a second (the outbox poll). */
static void on_signal(int sig)
{
	got_signal = sig;
}

static int parse_listen(const char *listen, char *host, size_t hostlen, int *port)
{
	const char *colon = strrchr(listen, ':');
	char *end;
	long v;

	if (!colon || colon[1] < '0' || colon[1] > '9')
		return -1; /* strtol would take "", " 80" and "-1" */
	errno = 0;
	v = strtol(colon + 1, &end, 10);
	if (*end || errno || v < 0 || v > 65535)
		return -1;
	if (listen[0] == '[' && colon > listen && colon[-1] == ']')
		snprintf(host, hostlen, "%.*s", (int)(colon - listen - 2), listen + 1);
	else
		snprintf(host, hostlen, "%.*s", (int)(colon - listen), listen);
	*port = (int)v;
	return 0;
}

int cli_serve(struct cli_env *env)
{
	struct lws_context_creation_info info;
	struct sender_opts so;
	struct server srv;
	const char *listen = env->cfg->listen;
	char host[256], shown[260], err[512];
	int i, port, rc = 1;

	for (i = 0; i < env->argc; i++) {
		if (strcmp(env->argv[i], "--listen") == 0 && i + 1 < env->argc)
			listen = env->argv[++i];
		else if (strncmp(env->argv[i], "--listen=", 9) == 0)
			listen = env->argv[i] + 9;
		else {
			fprintf(stderr, "usage: concierge serve [--listen HOST:PORT]\n");
			return 2;
		}
	}
	if (parse_listen(listen, host, sizeof(host), &port) < 0) {
		fprintf(stderr, "concierge: --listen %s: expected HOST:PORT\n", listen);
		return 2;
	}
	log_init_from_env();
	lws_set_log_level(LLL_ERR, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);

	memset(&srv, 0, sizeof(srv));
	srv.cfg = env->cfg;
	srv.store = env->store;
	pthread_mutex_init(&srv.lock, NULL);
	srv.core = core_new(env->cfg, env->store);
	if (!srv.core)
		goto out;

	memset(&info, 0, sizeof(info));
	info.port = port;
	info.iface = host[0] ? host : NULL;
	info.protocols = protocols;
	info.user = &srv;
	info.vhost_name = "concierge";
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.retry_and_idle_policy = &retry;
	info.timeout_secs = 20;
	info.keepalive_timeout = 30;
	info.pt_serv_buf_size = 32 * 1024;
	info.max_http_header_data = 8192;
	if (env->cfg->tls_cert) {
		/* HTTPS; browsers then get HTTP/2 through ALPN. */
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = env->cfg->tls_cert;
		info.ssl_private_key_filepath = env->cfg->tls_key;
	}
	srv.ctx = lws_create_context(&info);
	if (!srv.ctx) {
		fprintf(stderr, "concierge: cannot start the server\n");
		goto out;
	}
	srv.vhost = lws_create_vhost(srv.ctx, &info);
	if (!srv.vhost) {
		fprintf(stderr, "concierge: cannot listen on %s: %s\n", listen, strerror(errno));
		goto out;
	}
	srv.port = lws_get_vhost_listen_port(srv.vhost);

	if (env->cfg->telegram.enabled)
		hooks_telegram_identify(&srv);
	memset(&so, 0, sizeof(so));
	so.cfg = env->cfg;
	so.db_path = env->db_path;
	so.ud = &srv;
	if (env->cfg->telegram.enabled && env->cfg->telegram.mode &&
	    strcmp(env->cfg->telegram.mode, "polling") == 0)
		so.updates = on_updates;
	srv.sender = sender_start(&so, err, sizeof(err));
	if (!srv.sender) {
		fprintf(stderr, "concierge: %s\n", err);
		goto out;
	}

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	lws_sul_schedule(srv.ctx, 0, &srv.sul_tick, tick_due, 1);
	lws_sul_schedule(srv.ctx, 0, &srv.sul_web, web_due, WEB_POLL_US);

	/* IPv6 literals go in brackets; a wildcard address is visited on loopback. */
	if (strchr(host, ':'))
		snprintf(shown, sizeof(shown), "[%s]", host);
	else
		snprintf(shown, sizeof(shown), "%s", host[0] ? host : "0.0.0.0");
	printf("concierge: listening on %s://%s:%d\n", env->cfg->tls_cert ? "https" : "http", shown,
	       srv.port);
	if (!host[0] || strcmp(host, "0.0.0.0") == 0)
		snprintf(shown, sizeof(shown), "127.0.0.1");
	else if (strcmp(host, "::") == 0)
		snprintf(shown, sizeof(shown), "[::1]");
	if (env->cfg->web.enabled)
		printf("concierge: web chat at %s://%s:%d/\n",
		       env->cfg->tls_cert ? "https" : "http", shown, srv.port);
	fflush(stdout);
	log_info("server: listening on %s:%d (web %s, telegram %s, generic %s)",
	         host[0] ? host : "*", srv.port, env->cfg->web.enabled ? "on" : "off",
	         env->cfg->telegram.enabled ? env->cfg->telegram.mode : "off",
	         env->cfg->generic.enabled ? "on" : "off");

	while (!srv.stopping) {
		if (lws_service(srv.ctx, 0) < 0)
			break;
		if (got_signal && !srv.stopping) {
			srv.stopping = 1;
			log_info("server: stopping (signal %d)", (int)got_signal);
		}
	}
	/* Drain: commit what arrived, give the answers a moment to go out (longer while
	 * messages read meanwhile still wait for their commit). */
	run_batch(&srv);
	for (i = 0; i < 200 && (srv.nbatch > 0 || i < 20); i++) {
		lws_service(srv.ctx, -1); /* -1: do not wait, just move what is ready */
		usleep(5000);
	}
	sender_stop(srv.sender, 5000);
	srv.sender = NULL;
	log_info("server: stopped after %lld messages", (long long)srv.handled);
	rc = 0;
out:
	if (srv.sender)
		sender_stop(srv.sender, 1000);
	if (srv.ctx) {
		lws_sul_cancel(&srv.sul_tick);
		lws_sul_cancel(&srv.sul_web);
		lws_sul_cancel(&srv.sul_batch);
		lws_context_destroy(srv.ctx);
	}
	while (srv.batch) {
		struct inbound *next = srv.batch->next;

		inbound_free(srv.batch);
		srv.batch = next;
	}
	while (srv.polled) {
		struct polled *next = srv.polled->next;

		free(srv.polled->json);
		free(srv.polled);
		srv.polled = next;
	}
	core_free(srv.core);
	pthread_mutex_destroy(&srv.lock);
	curl_global_cleanup();
	return rc;
}
