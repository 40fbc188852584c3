/*
 * http.c - HTTP requests and websockets on the libwebsockets context: the
 * routes of the adapters, /healthz and /metrics, and the writer of every
 * answer (which also times it for the latency histogram).
 *
 * A request is matched against every channel's routes (an exact path first,
 * then the longest prefix), whether the channel is on or not, so that a
 * wrong method is a 405 and a switched-off channel's route a 404. The
 * adapter's check() sees the headers before any body is read; its handle()
 * sees the whole body. Messages it hands back join the next group commit and
 * the request is answered once they are stored (batch.c). The staff console
 * and the API (/console, /api) are the server's own, not a channel's:
 * console.c answers them. Every connection is counted against the caps and
 * time limits of the configuration's "limits" (connection limits, below).
 */
#include "bot/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bot/config.h"
#include "bot/conns.h"
#include "bot/metrics.h"
#include "lib/clock.h"
#include "lib/log.h"

#define BODY_MAX (256 * 1024)

/* ---- the request as adapters see it ------------------------------------------------ */

static const struct {
	const char *name;
	enum lws_token_indexes tok;
} known[] = {
        {"origin:", WSI_TOKEN_ORIGIN},
        {"host:", WSI_TOKEN_HOST},
        {"content-type:", WSI_TOKEN_HTTP_CONTENT_TYPE},
        {"content-length:", WSI_TOKEN_HTTP_CONTENT_LENGTH},
        {"user-agent:", WSI_TOKEN_HTTP_USER_AGENT},
        {"authorization:", WSI_TOKEN_HTTP_AUTHORIZATION},
        {"x-forwarded-for:", WSI_TOKEN_X_FORWARDED_FOR},
#if defined(LWS_WITH_HTTP_UNCOMMON_HEADERS)
        {"x-real-ip:", WSI_TOKEN_HTTP_X_REAL_IP},
        {"via:", WSI_TOKEN_HTTP_VIA},
#endif
};

/*
 * A header value with a NUL or another control byte is refused, never cut
 * short: -3 (its callers answer -2, "does not fit", and log it).
 */
static int clean_value(char *out, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f) {
			out[0] = '\0';
			return -3;
		}
	}
	return n;
}

static int req_header(const struct http_req *r, const char *name, char *out, size_t len)
{
	struct lws *wsi = r->impl;
	int n = -1, total;
	size_t i;

	if (out && len)
		out[0] = '\0';
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcmp(known[i].name, name) != 0)
			continue;
		total = lws_hdr_total_length(wsi, known[i].tok);
		if (total <= 0)
			return -1;
		if (!out || (size_t)total + 1 > len)
			return -2;
		n = lws_hdr_copy(wsi, out, (int)len, known[i].tok);
		n = n < 0 ? -2 : clean_value(out, n);
		goto checked;
	}
	total = lws_hdr_custom_length(wsi, name, (int)strlen(name));
	if (total < 0)
		return -1;
	if (!out || (size_t)total + 1 > len)
		return -2;
	n = lws_hdr_custom_copy(wsi, out, (int)len, name, (int)strlen(name));
	if (n < 0) {
		out[0] = '\0';
		return -2;
	}
	n = clean_value(out, n);
checked:
	/* The value is not logged: it may be a secret. */
	if (n == -3) {
		log_warn("http: a %.*s header with a control byte refused", (int)strlen(name) - 1,
		         name);
		n = -2;
	}
	return n;
}

static int req_cookie(const struct http_req *r, const char *name, char *out, size_t len)
{
	size_t max = len;

	if (!len || lws_http_cookie_get(r->impl, name, out, &max) != 0) {
		if (len)
			out[0] = '\0';
		return -1;
	}
	out[max < len ? max : len - 1] = '\0';
	return (int)strlen(out);
}

static int req_query(const struct http_req *r, const char *name, char *out, size_t len)
{
	struct lws *wsi = r->impl;
	size_t nlen = strlen(name), vlen;
	char *frag;
	int i, n, got, rc;

	if (out && len)
		out[0] = '\0';
	/* Each argument is a fragment of its own, already percent-decoded: "name=value". */
	for (i = 0; (n = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i)) > 0; i++) {
		if ((size_t)n <= nlen || !(frag = malloc((size_t)n + 1)))
			continue;
		got = lws_hdr_copy_fragment(wsi, frag, n + 1, WSI_TOKEN_HTTP_URI_ARGS, i);
		if (got <= (int)nlen || strncmp(frag, name, nlen) != 0 || frag[nlen] != '=') {
			free(frag);
			continue;
		}
		/* The value's real length: a %00 inside does not end it. */
		vlen = (size_t)got - nlen - 1;
		if (!out || vlen + 1 > len) {
			rc = -2;
		} else {
			memcpy(out, frag + nlen + 1, vlen);
			out[vlen] = '\0';
			rc = clean_value(out, (int)vlen);
			if (rc == -3) {
				log_warn("http: a query argument %s with a control byte refused",
				         name);
				rc = -2;
			}
		}
		free(frag);
		return rc;
	}
	return -1;
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

static void req_init(struct http_req *r, struct server *srv, struct lws *wsi, const char *path,
                     const struct buf *body)
{
	memset(r, 0, sizeof(*r));
	r->method = is_post(wsi)                                        ? "POST"
	            : lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0 ? "HEAD"
	                                                                : "GET";
	r->path = path;
	r->body = body && body->len ? buf_str(body) : "";
	r->len = body ? body->len : 0;
	r->header = req_header;
	r->cookie = req_cookie;
	r->query = req_query;
	r->tls = srv->tls;
	r->impl = wsi;
}

/* ---- connection limits -------------------------------------------------------------------- */

/*
 * A connection is counted from its accept to its end against limits.connections
 * and limits.connections_per_address: one over a cap is answered 503 (over
 * plain HTTP) and closed at once, so the server never holds more sockets than
 * its open-file limit allows and accept() never fails for want of one. Each
 * connection has limits.header_seconds from its accept to the end of its
 * request's headers, and a request limits.body_seconds for its body, however
 * slowly the bytes trickle in; later requests on a kept connection get their
 * header time from libwebsockets (timeout_secs_ah_idle, set in serve.c).
 */
enum server_limit { LIMIT_FULL, LIMIT_ADDRESS, LIMIT_HEADERS, LIMIT_BODY, LIMIT_EVICTED };
_Static_assert(LIMIT_EVICTED + 1 == METRICS_NLIMITS, "metrics.c names each limit");

/* The state kept with a counted connection (conns.h: 0 is waiting). */
enum { CONN_HEADERS = 0, CONN_TALKING = 1 };
/* Descriptors always left free by connections, whatever else the program holds. */
#define FD_HEADROOM 16

#define LIMITS_LOG_MS 10000

void server_limits_report(struct server *srv, int force)
{
	const long long *n = srv->limits_refused;
	const struct cfg_limits *l = &srv->cfg->limits;
	int64_t now = clock_mono_ms();
	struct buf line;

	if (!n[LIMIT_FULL] && !n[LIMIT_ADDRESS] && !n[LIMIT_HEADERS] && !n[LIMIT_BODY] &&
	    !n[LIMIT_EVICTED])
		return;
	if (!force && srv->limits_logged_ms && now - srv->limits_logged_ms < LIMITS_LOG_MS)
		return;
	buf_init(&line);
	if (n[LIMIT_FULL])
		buf_printf(&line,
		           "; refused %lld at the cap of %zu connections (limits.connections)",
		           n[LIMIT_FULL], conns_max(srv->conns));
	if (n[LIMIT_ADDRESS])
		buf_printf(&line,
		           "; refused %lld from an address holding %zu "
		           "(limits.connections_per_address)",
		           n[LIMIT_ADDRESS], conns_max_per_addr(srv->conns));
	if (n[LIMIT_EVICTED])
		buf_printf(&line,
		           "; closed %lld waiting for a request to make room at the cap of %zu "
		           "(limits.connections)",
		           n[LIMIT_EVICTED], conns_max(srv->conns));
	if (n[LIMIT_HEADERS])
		buf_printf(&line,
		           "; closed %lld without their headers in %d s (limits.header_seconds)",
		           n[LIMIT_HEADERS], l->header_seconds);
	if (n[LIMIT_BODY])
		buf_printf(&line, "; closed %lld without their body in %d s (limits.body_seconds)",
		           n[LIMIT_BODY], l->body_seconds);
	log_fields(LOG_WARN,
	           (struct log_field[]){LOG_NUM("refused", n[LIMIT_FULL] + n[LIMIT_ADDRESS]),
	                                LOG_NUM("timed_out", n[LIMIT_HEADERS] + n[LIMIT_BODY] +
	                                                             n[LIMIT_EVICTED]),
	                                LOG_NUM("open", (long long)conns_count(srv->conns))},
	           3, "server: connection limits: %zu open%s", conns_count(srv->conns),
	           buf_str(&line));
	buf_release(&line);
	memset(srv->limits_refused, 0, sizeof(srv->limits_refused));
	srv->limits_logged_ms = now;
}

static void limits_note(struct server *srv, enum server_limit what)
{
	srv->limits_refused[what]++;
	srv->limits_total[what]++;
	server_limits_report(srv, 0);
}

static int loopback(const unsigned char addr[CONNS_ADDR_LEN])
{
	static const unsigned char v6[CONNS_ADDR_LEN] = {[15] = 1},
	                           v4[12] = {[10] = 0xff, [11] = 0xff};

	return memcmp(addr, v6, sizeof(v6)) == 0 ||
	       (memcmp(addr, v4, sizeof(v4)) == 0 && addr[12] == 127);
}

/*
 * Whether ADDR's share is taken. The derived share (no
 * limits.connections_per_address) leaves loopback alone: a reverse proxy on
 * the same machine brings every client from there.
 */
static enum conns_verdict limits_check_address(struct server *srv,
                                               const unsigned char addr[CONNS_ADDR_LEN])
{
	if (!srv->cfg->limits.connections_per_address && loopback(addr))
		return CONNS_OK;
	return conns_count_addr(srv->conns, addr) >= conns_max_per_addr(srv->conns)
	               ? CONNS_ADDR_FULL
	               : CONNS_OK;
}

static enum conns_verdict limits_check(struct server *srv, const unsigned char addr[CONNS_ADDR_LEN])
{
	enum conns_verdict v = conns_check(srv->conns, addr);

	return v == CONNS_ADDR_FULL ? limits_check_address(srv, addr) : v;
}

/* LWS_CALLBACK_FILTER_NETWORK_CONNECTION: connection A was accepted; nonzero refuses it. */
static int limits_filter(struct server *srv, const struct lws_filter_network_conn_args *a)
{
	int fd = (int)a->accept_fd;
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
	                           "Content-Type: text/plain\r\n"
	                           "Content-Length: 12\r\n"
	                           "Retry-After: 5\r\n"
	                           "Connection: close\r\n\r\n"
	                           "server busy\n";
	unsigned char addr[CONNS_ADDR_LEN];
	char drain[2048];
	struct lws *oldest;
	enum conns_verdict v;

	srv->conn_pending = 0;
	if (!srv->conns ||
	    conns_addr_from((const struct sockaddr *)&a->cli_addr, a->clilen, addr) < 0)
		return 0;
	v = limits_check(srv, addr);
	/*
	 * Descriptors are handed out lowest first: one this high means fewer than
	 * FD_HEADROOM are left for the rest of the program (the reserve was not
	 * enough), and the next accept() could fail. Taken as full.
	 */
	if (fd >= srv->fd_limit - FD_HEADROOM)
		v = CONNS_FULL;
	if (v == CONNS_FULL && srv->conn_evicting < SERVER_EVICTING_MAX &&
	    (oldest = conns_oldest_waiting(srv->conns)) != NULL) {
		/*
		 * Full, and a connection has no request in progress (none whole
		 * yet, or none since its last answer): the one waiting longest makes
		 * room, so slow or idle clients holding every connection do not keep
		 * the next good request (a health check, a webhook) out.
		 */
		conns_remove(srv->conns, oldest); /* its place (and its address's) is free now */
		srv->conn_evicted[srv->conn_evicting++] = oldest;
		lws_set_timeout(oldest, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		limits_note(srv, LIMIT_EVICTED);
		v = limits_check_address(srv, addr);
	}
	if (v == CONNS_OK) {
		memcpy(srv->conn_pending_addr, addr, sizeof(addr));
		srv->conn_pending = 1;
		return 0;
	}
	/*
	 * Answered and hung up on before it costs more than this descriptor: what
	 * the client sent already is read off first, or closing would reset the
	 * connection and the client might never see the answer.
	 */
	if (!srv->tls && send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) > 0) {
		shutdown(fd, SHUT_WR);
		(void)recv(fd, drain, sizeof(drain), MSG_DONTWAIT);
	}
	limits_note(srv, v == CONNS_FULL ? LIMIT_FULL : LIMIT_ADDRESS);
	return 1;
}

/* LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED: the connection just let in is WSI. */
static void limits_count(struct server *srv, struct lws *wsi)
{
	if (!srv->conn_pending)
		return;
	srv->conn_pending = 0;
	if (conns_add(srv->conns, wsi, srv->conn_pending_addr) < 0)
		return;
	lws_set_timer_usecs(wsi, (lws_usec_t)srv->cfg->limits.header_seconds * LWS_US_PER_SEC);
}

/* The headers of a request (or a websocket's handshake) on WSI are in. */
static void limits_headers_in(struct server *srv, struct lws *wsi)
{
	struct lws *nwsi = lws_get_network_wsi(wsi);

	if (srv->conns && conns_state(srv->conns, nwsi) == CONN_HEADERS)
		conns_set_state(srv->conns, nwsi, CONN_TALKING);
}

/*
 * A request on WSI is answered and the connection kept for the next: until
 * that one's headers are in, it may make room at the cap like a newcomer
 * that has sent nothing yet. libwebsockets closes it when idle
 * (keepalive_timeout) or slow with those headers (timeout_secs_ah_idle);
 * the timer here only backs that up.
 */
static void limits_kept(struct server *srv, struct lws *wsi)
{
	if (!srv || !srv->conns || lws_get_network_wsi(wsi) != wsi ||
	    conns_state(srv->conns, wsi) != CONN_TALKING)
		return;
	conns_set_state(srv->conns, wsi, CONN_HEADERS);
	lws_set_timer_usecs(wsi, (lws_usec_t)(KEEPALIVE_S + srv->cfg->limits.header_seconds) *
	                                 LWS_US_PER_SEC);
}

/* LWS_CALLBACK_WSI_DESTROY: WSI is gone. */
static void limits_gone(struct server *srv, struct lws *wsi)
{
	int i;

	if (!srv->conns)
		return;
	if (conns_remove(srv->conns, wsi))
		return;
	for (i = 0; i < srv->conn_evicting; i++) {
		if (srv->conn_evicted[i] == wsi) {
			srv->conn_evicted[i] = srv->conn_evicted[--srv->conn_evicting];
			return;
		}
	}
}

/* A body is announced: it has limits.body_seconds to come whole. */
static void limits_body_start(struct server *srv, struct lws *wsi, struct http_pss *p)
{
	p->body_timed = 1;
	lws_set_timer_usecs(wsi, (lws_usec_t)srv->cfg->limits.body_seconds * LWS_US_PER_SEC);
}

/* LWS_CALLBACK_TIMER: nonzero closes WSI (its headers or its body did not come in time). */
static int limits_timer(struct server *srv, struct lws *wsi, struct http_pss *p)
{
	if (p && p->body_timed && !p->body_done) {
		limits_note(srv, LIMIT_BODY);
		return -1;
	}
	if (srv->conns && conns_state(srv->conns, wsi) == CONN_HEADERS) {
		limits_note(srv, LIMIT_HEADERS);
		return -1;
	}
	return 0;
}

/* ---- answers ---------------------------------------------------------------------- */

void server_respond(struct http_pss *p)
{
	p->resp_sent = 0;
	p->responding = 1;
	lws_callback_on_writable(p->wsi);
}

static void respond_error(struct http_pss *p, int status, const char *message)
{
	http_answer_error(&p->ans, status, message);
	server_respond(p);
}

static void forget(struct http_pss *p)
{
	if (p->waiting)
		p->waiting->waiter = NULL; /* the batch still commits; nobody to answer */
	p->waiting = NULL;
	http_answer_release(&p->ans);
	buf_release(&p->body);
}

/* The answer is written: close once it is flushed, or wait for the next request. */
static int finish_response(struct lws *wsi, struct http_pss *p, int close_after)
{
	struct server *srv = lws_context_user(lws_get_context(wsi));

	if (p->timed && srv) {
		metrics_http(srv->metrics, (enum metrics_route)p->rclass,
		             clock_mono_us() - p->t0_us);
		p->timed = 0;
	}
	if (!close_after) {
		limits_kept(srv, wsi);
		forget(p); /* the next request on the connection starts afresh */
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	}
	p->closing = 1;
	lws_callback_on_writable(wsi); /* called back once lws has sent what it buffered */
	return 0;
}

static int add_header(struct lws *wsi, const char *name, const char *value, unsigned char **ptr,
                      unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
	                                   (const unsigned char *)value, (int)strlen(value), ptr,
	                                   end);
}

static int write_headers(struct lws *wsi, struct http_pss *p, int close_after)
{
	unsigned char hb[LWS_PRE + 2048], *start = hb + LWS_PRE, *ptr = start,
	                                  *end = hb + sizeof(hb) - 1;
	const struct http_answer *a = &p->ans;

	if (lws_add_http_common_headers(wsi, (unsigned int)a->status,
	                                a->ctype ? a->ctype : "text/plain", (lws_filepos_t)a->len,
	                                &ptr, end))
		return -1;
	if (add_header(wsi, "x-content-type-options:", "nosniff", &ptr, end))
		return -1;
	if (a->csp && add_header(wsi, "content-security-policy:", a->csp, &ptr, end))
		return -1;
	if (a->set_cookie[0] && add_header(wsi, "set-cookie:", a->set_cookie, &ptr, end))
		return -1;
	if (a->challenge && add_header(wsi, "www-authenticate:", a->challenge, &ptr, end))
		return -1;
	if (a->retry_after && add_header(wsi, "retry-after:", a->retry_after, &ptr, end))
		return -1;
	if (add_header(wsi, "cache-control:", a->cache[0] ? a->cache : "no-store", &ptr, end))
		return -1;
	/* 411: an unread chunked body follows; it must not be taken for a request. */
	if (close_after && add_header(wsi, "connection:", "close", &ptr, end))
		return -1;
	return lws_finalize_write_http_header(wsi, start, &ptr, end) ? -1 : 0;
}

static int write_response(struct lws *wsi, struct http_pss *p)
{
	unsigned char chunk[LWS_PRE + 16384];
	const struct http_answer *a = &p->ans;
	const unsigned char *data = a->static_body ? a->static_body : (unsigned char *)a->body;
	/*
	 * Connections are kept for the next request (a platform's webhook calls
	 * come one after another on one), except after a 411: an unread chunked
	 * body follows. A pipelined request hangs up (LWS_CALLBACK_HTTP_BODY_COMPLETION).
	 */
	int close_after = a->status == 411;
	size_t n;
	int final;

	if (p->closing)
		return -1; /* the answer is flushed: hang up */
	if (!p->headers_sent) {
		if (write_headers(wsi, p, close_after) < 0)
			return -1;
		p->headers_sent = 1;
		/* HEAD: the length of the body, but never the body (keep-alive clients would
		 * read it as the next answer). */
		if (!a->len || lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0)
			return finish_response(wsi, p, close_after);
		lws_callback_on_writable(wsi);
		return 0;
	}
	n = a->len - p->resp_sent;
	if (n > sizeof(chunk) - LWS_PRE)
		n = sizeof(chunk) - LWS_PRE;
	final = p->resp_sent + n == a->len;
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

/* ---- routes --------------------------------------------------------------------------- */

/* The route for PATH over every channel: an exact one, else the longest prefix. */
static const struct adapter_route *route_find(const struct cfg *cfg, const char *path,
                                              struct chan **ch)
{
	const struct adapter_route *best = NULL, *r;
	size_t i, best_len = 0, n;
	int j;

	for (i = 0; i < cfg->nchans; i++) {
		for (j = 0; j < ADAPTER_MAX_ROUTES && cfg->chans[i].a->routes[j].path; j++) {
			r = &cfg->chans[i].a->routes[j];
			n = strlen(r->path);
			if (strcmp(r->path, path) == 0) {
				*ch = &cfg->chans[i];
				return r;
			}
			if (n && r->path[n - 1] == '/' && strncmp(r->path, path, n) == 0 &&
			    n > best_len) {
				best = r;
				best_len = n;
				*ch = &cfg->chans[i];
			}
		}
	}
	return best;
}

static void complete(struct server *srv, struct http_pss *p, const char *path)
{
	struct http_req req;
	struct inbound *out = NULL;

	req_init(&req, srv, p->wsi, path, &p->body);
	p->route->handle(p->ch, &req, &p->ans, &out);
	if (out) {
		server_queue(srv, p->ch, out, p);
		return;
	}
	if (!p->ans.status && p->ans.after_commit)
		http_answer_text(&p->ans, 200, "text/plain", p->ans.after_commit);
	else if (!p->ans.status)
		http_answer_text(&p->ans, 200, "application/json", "{\"ok\":true}");
	server_respond(p);
}

static int has_body(struct lws *wsi)
{
	char v[32];

	return lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
	       strtol(v, NULL, 10) > 0;
}

/*
 * The client is on a loopback address and no proxy speaks for it: a reverse
 * proxy on the same machine connects from loopback too, but says whom it
 * forwards (and what it forwards is not to be trusted as local).
 */
static int local_client(struct lws *wsi, const struct http_req *req)
{
	static const char *const proxied[] = {
	        "x-forwarded-for:", "forwarded:", "x-real-ip:", "via:"};
	char peer[64] = "", v[8];
	size_t i;

	lws_get_peer_simple(lws_get_network_wsi(wsi), peer, sizeof(peer));
	if (strncmp(peer, "::ffff:", 7) == 0)
		memmove(peer, peer + 7, strlen(peer + 7) + 1);
	if (strncmp(peer, "127.", 4) != 0 && strcmp(peer, "::1") != 0)
		return 0;
	for (i = 0; i < sizeof(proxied) / sizeof(proxied[0]); i++)
		if (req->header(req, proxied[i], v, sizeof(v)) != -1)
			return 0;
	return 1;
}

static int on_http(struct server *srv, struct lws *wsi, struct http_pss *p, const char *path)
{
	struct http_req req;
	int post;

	memset(p, 0, sizeof(*p));
	p->wsi = wsi;
	p->t0_us = clock_mono_us();
	p->rclass = METRICS_ROUTE_OTHER;
	p->timed = 1;
	snprintf(p->path, sizeof(p->path), "%s", path);
	limits_headers_in(srv, wsi);
	post = is_post(wsi);
	if (post && has_body(wsi))
		limits_body_start(srv, wsi, p);
	if (srv->stopping) {
		respond_error(p, 503, "shutting down");
		return 0;
	}
	if (strcmp(path, "/healthz") == 0 && !post) {
		p->rclass = METRICS_ROUTE_HEALTH;
		server_health(srv, &p->ans);
		server_respond(p);
		return 0;
	}
	if (strcmp(path, "/metrics") == 0) {
		p->rclass = METRICS_ROUTE_METRICS;
		if (post) {
			respond_error(p, 405, "use GET");
			return 0;
		}
		req_init(&req, srv, wsi, path, NULL);
		server_metrics(srv, &req, local_client(wsi, &req), &p->ans);
		server_respond(p);
		return 0;
	}
	if (console_claims(path)) {
		console_http(srv->console, p, path);
		return 0;
	}
	p->route = route_find(srv->cfg, path, &p->ch);
	if (!p->route) {
		respond_error(p, 404, "not found");
		return 0;
	}
	p->rclass = post ? METRICS_ROUTE_HOOK : METRICS_ROUTE_PAGE;
	if (!(p->route->methods & (post ? ROUTE_POST : ROUTE_GET))) {
		respond_error(p, 405, post ? "method not allowed" : "use POST");
		return 0;
	}
	if (!p->ch->enabled) {
		respond_error(p, 404, "not found");
		return 0;
	}
	if (post && lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0 &&
	    lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0) {
		/* libwebsockets does not decode a chunked request body: say so, not wait. */
		respond_error(p, 411, "send the body with a Content-Length");
		return 0;
	}
	if (p->route->check) {
		req_init(&req, srv, wsi, path, NULL);
		if (p->route->check(p->ch, &req, &p->ans) < 0) {
			server_respond(p); /* refused before a byte of the body is read */
			return 0;
		}
	}
	if (!post || !has_body(wsi))
		complete(srv, p, path);
	return 0;
}

/* ---- websockets ------------------------------------------------------------------------ */

void server_ws_send(struct http_pss *p, const char *text)
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

/* The channel serving websocket endpoint PATH, switched on, or NULL. */
static struct chan *ws_find(const struct cfg *cfg, const char *path)
{
	size_t i;

	for (i = 0; i < cfg->nchans; i++)
		if (cfg->chans[i].a->ws.path && strcmp(cfg->chans[i].a->ws.path, path) == 0)
			return cfg->chans[i].enabled ? &cfg->chans[i] : NULL;
	return NULL;
}

static int ws_event(struct server *srv, struct lws *wsi, enum lws_callback_reasons reason,
                    struct http_pss *p, void *in, size_t len)
{
	const struct adapter_ws *ws;
	struct http_req req;
	struct ws_frame *f;
	char uri[128];

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		memset(p, 0, sizeof(*p));
		limits_headers_in(srv, wsi);
		if (srv->stopping || lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0)
			return -1;
		if (console_claims(uri)) {
			p->wsi = wsi;
			p->is_ws = 1;
			p->console = 1;
			return console_ws_open(srv->console, p);
		}
		p->ch = ws_find(srv->cfg, uri);
		if (!p->ch)
			return -1;
		p->wsi = wsi;
		p->is_ws = 1;
		/* A message as large as the endpoint takes (a photo) fits in the buffer. */
		p->rx.limit = p->ch->a->ws.max_message + 1;
		req_init(&req, srv, wsi, uri, NULL);
		return p->ch->a->ws.open(p->ch, (struct host_conn *)p, &req, &p->conn) < 0 ? -1 : 0;
	case LWS_CALLBACK_ESTABLISHED:
		p->wsi = wsi;
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (p->console)
			return 0; /* the board only listens */
		ws = &p->ch->a->ws;
		if (!p->rx_skip && p->rx.len + len > ws->max_message) {
			/* One answer for the whole message, however many pieces it comes in. */
			if (ws->too_big)
				ws->too_big(p->ch, (struct host_conn *)p, p->conn);
			buf_reset(&p->rx);
			p->rx_skip = 1;
		}
		if (!p->rx_skip)
			buf_addn(&p->rx, in, len);
		if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
			return 0;
		if (!p->rx_skip)
			ws->message(p->ch, (struct host_conn *)p, p->conn, buf_str(&p->rx),
			            p->rx.len);
		p->rx_skip = 0;
		buf_reset(&p->rx);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (p->closing) { /* host->ws_close, ws_refuse */
			lws_close_reason(wsi,
			                 p->close_code ? (enum lws_close_status)p->close_code
			                               : LWS_CLOSE_STATUS_NORMAL,
			                 NULL, 0);
			return -1;
		}
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
		if (p->console)
			console_ws_closed(srv->console, p);
		if (p->ch && p->ch->a->ws.closed)
			p->ch->a->ws.closed(p->ch, (struct host_conn *)p, p->conn);
		p->conn = NULL;
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

/* ---- the callback ------------------------------------------------------------------------ */

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
		if (p->responding || p->body_too_big)
			return 0;
		if (p->body.len + len > (p->body_max ? p->body_max : BODY_MAX)) {
			p->body_too_big = 1;
			return 0;
		}
		buf_addn(&p->body, in, len);
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		/*
		 * Again for the same body: another request was pipelined behind
		 * it, which libwebsockets 4.1 would spin on. Hang up; the client
		 * asks again, and a message it sent twice is stored once.
		 */
		if (p->body_done)
			return -1;
		p->body_done = 1;
		if (p->responding || (!p->route && !p->console))
			return 0; /* already answered (404, 405, a refusal): the body was only
			             drained */
		if (p->body_too_big) {
			respond_error(p, 413, "body too large");
			return 0;
		}
		if (p->console)
			console_body(srv->console, p);
		else
			complete(srv, p, p->path);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (!p || !p->responding)
			return 0;
		return write_response(wsi, p);
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (p && !p->is_ws)
			forget(p);
		return 0;
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
		return srv && user ? limits_filter(srv, user) : 0;
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		if (srv)
			limits_count(srv, wsi);
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		if (srv)
			limits_gone(srv, wsi);
		break;
	case LWS_CALLBACK_TIMER:
		return srv ? limits_timer(srv, wsi, p) : 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (srv) {
			server_take_flushed(srv);
			server_take_polled(srv);
			server_take_relayed(srv);
			server_take_fetched(srv);
		}
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
	case LWS_CALLBACK_ESTABLISHED:
	case LWS_CALLBACK_RECEIVE:
	case LWS_CALLBACK_SERVER_WRITEABLE:
	case LWS_CALLBACK_CLOSED:
		return ws_event(srv, wsi, reason, p, in, len);
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

const struct lws_protocols server_protocols[] = {
        {"http", callback, sizeof(struct http_pss), 4096, 0, NULL, 0},
        {NULL, NULL, 0, 0, 0, NULL, 0},
};
