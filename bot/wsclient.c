/*
 * wsclient.c - client websockets: the links the gateway opens to a
 * platform's gateway for the channels that have one (adapter.h, struct
 * adapter_wsc), on the server's libwebsockets context.
 *
 * A channel keeps the links its adapter wants (wsc.wanted: Slack one, OneBot
 * one per bot account). Each is found through the adapter: a URL straight
 * from the configuration, or an HTTP call (made on a short-lived worker
 * thread through the sender's call machinery, so the loop never waits for
 * it) whose answer says where. Then the link is opened on a vhost of its own
 * that listens nowhere: TLS for wss://, plain ws:// only to a loopback
 * address. While it is up, idle links are pinged and hung up on when the
 * pongs stop, and a link whose adapter said how often messages come
 * (host->ws_silence) is closed when none came for that long: the far end's
 * application may be dead while its TCP still answers. When it is lost the
 * host connects again after a backoff (at once after a link that lived a
 * while); host->ws_renew opens a fresh link and closes the old one only once
 * the new one is up, so nothing said in between is lost.
 *
 * The waits are on lib/clock's monotonic clock, looked at twice a second,
 * so tests that move the clock move them too.
 */
#include "bot/server.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bot/config.h"
#include "bot/sender.h"
#include "bot/leases.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/ratelimit.h"

#define WSC_CHECK_US    (500 * 1000) /* how often a wait's end is looked for */
#define WSC_BACKOFF_CAP 60000        /* ms */
#define WSC_STEADY_MS   10000        /* a link that lived this long ends no failure streak */
#define WSC_CALL_S      10           /* the locating call, at most */
#define WSC_STATE_LEN   200
#define WSC_CLOSE_S     5 /* a silent link's close, at most (the library's own seconds) */

enum wsc_phase {
	WSC_IDLE,       /* a link is up, or nothing is due */
	WSC_WAITING,    /* until due_ms */
	WSC_LOCATING,   /* the worker runs */
	WSC_CONNECTING, /* the handshake runs */
};

/* One client link of a channel. */
struct wsc {
	struct server *srv;
	struct chan *ch;
	int link;   /* the channel's link number, for the adapter */
	int nlinks; /* how many the channel has */
	enum wsc_phase phase;
	int64_t due_ms;
	int errors;           /* failures in a row: the backoff */
	struct http_pss *cur; /* the link in use */
	struct lws *fresh;    /* a link being opened */
	int64_t up_since;
	int64_t silence_ms; /* the link in use is dead after this long silent; 0: never */
	int64_t last_rx_ms; /* when its last message (or the handshake) came */
	int silenced;       /* it was closed for its silence */
	int standby;        /* another server holds the link's lease (leases.h) */
	long long connects;
	char state[WSC_STATE_LEN];
	struct adapter_wsc_target target; /* where the fresh link goes */
	/* the worker: */
	pthread_t worker;
	int worker_running;
	/* its result, guarded by srv->lock: */
	int done;
	int rc;
	struct adapter_wsc_target found;
	struct adapter_poll poll;
};

static struct wsc *wsc_of(struct server *srv, const struct chan *ch, int link)
{
	size_t i;

	for (i = 0; i < srv->nwsc; i++)
		if (srv->wsc[i].ch == ch && srv->wsc[i].link == link)
			return &srv->wsc[i];
	return NULL;
}

/* How many links CH wants (0 when switched off or it has none). */
static int links_of(const struct chan *ch)
{
	int n;

	if (!ch->enabled || !ch->a->wsc.wanted)
		return 0;
	n = ch->a->wsc.wanted(ch);
	return n > 0 ? n : 0;
}

static void set_state(struct wsc *w, const char *state)
{
	char name[32] = "websocket";

	if (strcmp(w->state, state) == 0)
		return;
	buf_copy(w->state, sizeof(w->state), state);
	if (w->nlinks > 1)
		snprintf(name, sizeof(name), "websocket %d", w->link + 1);
	if (strncmp(state, "error", 5) == 0)
		log_warn("%s: %s: %s", w->ch->name, name, state);
	else
		log_info("%s: %s: %s", w->ch->name, name, state);
}

/* Next try after MS (< 0: after the backoff of the failures so far). */
static void retry_later(struct wsc *w, int64_t ms)
{
	uint32_t rnd = (uint32_t)clock_mono_us() * 2654435761u;

	if (ms < 0)
		ms = ratelimit_backoff_ms(w->errors++, WSC_BACKOFF_CAP, rnd);
	w->phase = WSC_WAITING;
	w->due_ms = clock_mono_ms() + ms;
}

/* ---- locating, on a worker thread ------------------------------------------------------ */

static void *locate_run(void *arg)
{
	struct wsc *w = arg;
	const struct adapter_wsc *a = &w->ch->a->wsc;
	struct adapter_wsc_target t;
	struct adapter_call call;
	struct adapter_poll p;
	char *body = NULL;
	size_t len = 0;
	long status = 0;
	int rc;

	memset(&t, 0, sizeof(t));
	memset(&p, 0, sizeof(p));
	memset(&call, 0, sizeof(call));
	p.again_ms = -1;
	rc = a->locate(w->ch, w->link, &call, &t);
	if (rc == 1) {
		if (!call.timeout_s)
			call.timeout_s = WSC_CALL_S;
		call.chatless = 1;
		if (sender_call_now(&call, &status, &body, &len) < 0)
			status = 0;
		rc = a->located(w->ch, w->link, status, body, len, 0,
		                status ? NULL : "no answer (network)", &t, &p);
		free(body);
	} else if (rc < 0) {
		snprintf(p.state, sizeof(p.state), "error: nowhere to connect to");
		p.again_ms = WSC_BACKOFF_CAP;
	}
	adapter_call_release(&call);
	pthread_mutex_lock(&w->srv->lock);
	w->rc = rc;
	w->found = t;
	w->poll = p;
	w->done = 1;
	pthread_mutex_unlock(&w->srv->lock);
	lws_cancel_service(w->srv->ctx);
	return NULL;
}

static void locate(struct wsc *w)
{
	w->phase = WSC_LOCATING;
	if (pthread_create(&w->worker, NULL, locate_run, w) != 0) {
		log_warn("%s: websocket: cannot start a thread", w->ch->name);
		retry_later(w, -1);
		return;
	}
	w->worker_running = 1;
}

/* ---- connecting ----------------------------------------------------------------------------- */

static int loopback(const char *host)
{
	size_t i;

	if (strcmp(host, "::1") == 0 || strcmp(host, "[::1]") == 0 ||
	    strcmp(host, "localhost") == 0)
		return 1;
	if (strncmp(host, "127.", 4) != 0)
		return 0;
	for (i = 4; host[i]; i++) /* an IPv4 address, not a name like 127.example.com */
		if (host[i] != '.' && (host[i] < '0' || host[i] > '9'))
			return 0;
	return 1;
}

/* Pings an idle link; hangs up when nothing answers for a while. */
static const lws_retry_bo_t wsc_retry = {
        .secs_since_valid_ping = 30,
        .secs_since_valid_hangup = 70,
};

/* Opens the link to W->target. 0, or -1 with the state set. */
static int connect_to(struct wsc *w)
{
	struct lws_client_connect_info i;
	char url[sizeof(w->target.url)], state[WSC_STATE_LEN], path[sizeof(url) + 1];
	const char *prot = NULL, *host = NULL, *rest = NULL;
	int port = 0, tls;

	buf_copy(url, sizeof(url), w->target.url);
	if (lws_parse_uri(url, &prot, &host, &port, &rest) || !host || !*host) {
		set_state(w, "error: not a websocket URL");
		return -1;
	}
	tls = strcmp(prot, "wss") == 0;
	if (!tls && strcmp(prot, "ws") != 0) {
		set_state(w, "error: not a websocket URL (ws:// or wss://)");
		return -1;
	}
	if (!tls && !loopback(host)) {
		/* A token crosses this link: in the clear only on this machine. */
		snprintf(state, sizeof(state), "error: refusing plain ws:// to %.60s (use wss://)",
		         host);
		set_state(w, state);
		return -1;
	}
	snprintf(path, sizeof(path), "/%s", rest ? rest : "");
	memset(&i, 0, sizeof(i));
	i.context = w->srv->ctx;
	i.vhost = w->srv->client_vhost;
	i.address = host;
	i.port = port;
	i.path = path;
	i.host = host;
	i.origin = host;
	i.ssl_connection = tls ? LCCSCF_USE_SSL : 0;
	i.protocol = NULL;
	i.local_protocol_name = "concierge-wsc";
	i.opaque_user_data = w;
	i.retry_and_idle_policy = &wsc_retry;
	i.pwsi = &w->fresh;
	w->phase = WSC_CONNECTING;
	if (!lws_client_connect_via_info(&i)) {
		w->fresh = NULL;
		set_state(w, "error: cannot connect");
		return -1;
	}
	return 0;
}

/* The worker's answer, on the service thread. */
static void take_result(struct wsc *w)
{
	int done;

	pthread_mutex_lock(&w->srv->lock);
	done = w->done;
	w->done = 0;
	pthread_mutex_unlock(&w->srv->lock);
	if (!done)
		return;
	pthread_join(w->worker, NULL);
	w->worker_running = 0;
	if (w->srv->stopping) {
		w->phase = WSC_IDLE;
		return;
	}
	if (w->poll.state[0])
		set_state(w, w->poll.state);
	if (w->rc != 0) {
		retry_later(w, w->poll.again_ms);
		return;
	}
	w->target = w->found;
	if (connect_to(w) < 0)
		retry_later(w, -1);
}

/* Closes W's link, silent longer than its adapter allows; on_closed connects again. */
static void hang_up_silent(struct wsc *w, int64_t now)
{
	char state[WSC_STATE_LEN];

	snprintf(state, sizeof(state), "error: silent for %llds; connecting again",
	         (long long)((now - w->last_rx_ms) / 1000));
	set_state(w, state);
	w->silence_ms = 0;
	w->silenced = 1;
	server_wsc_close(w->cur);
	/* a peer that reads nothing may never let the close frame out: then at once */
	lws_set_timeout(w->cur->wsi, PENDING_TIMEOUT_USER_OK, WSC_CLOSE_S);
}

/* ---- the timer --------------------------------------------------------------------------------
 */

#define WSC_STANDBY "standby: another server holds the link"

/*
 * 1 when this server may hold W's link: with several servers on one
 * database, one of them holds each link that must be single (a second
 * OneBot or Socket Mode connection would get every event twice). A server
 * that loses the lease closes its link; the holder connects within its
 * backoff.
 */
static int may_link(struct wsc *w)
{
	char name[LEASES_NAME_LEN];

	snprintf(name, sizeof(name), "link:%s:%d", w->ch->name, w->link);
	if (leases_held(w->srv->leases, name)) {
		w->standby = 0;
		return 1;
	}
	if (!w->standby) {
		w->standby = 1;
		set_state(w, WSC_STANDBY);
		if (w->cur && !w->cur->closing)
			server_wsc_close(w->cur);
	}
	return 0;
}

static void check_due(lws_sorted_usec_list_t *sul)
{
	struct server *srv =
	        (struct server *)(void *)((char *)sul - offsetof(struct server, sul_wsc));
	int64_t now = clock_mono_ms();
	size_t i;

	for (i = 0; i < srv->nwsc; i++) {
		struct wsc *w = &srv->wsc[i];

		if (!srv->stopping && w->phase == WSC_WAITING && now >= w->due_ms && may_link(w))
			locate(w);
		else if (!srv->stopping && w->cur && !w->standby && !may_link(w))
			continue;
		if (!srv->stopping && w->cur && !w->cur->closing && w->silence_ms > 0 &&
		    now - w->last_rx_ms > w->silence_ms)
			hang_up_silent(w, now);
	}
	lws_sul_schedule(srv->ctx, 0, &srv->sul_wsc, check_due, WSC_CHECK_US);
}

/* ---- the link ------------------------------------------------------------------------------- */

static void frames_free(struct http_pss *p)
{
	struct ws_frame *f;

	while (p->tx_head) {
		f = p->tx_head->next;
		free(p->tx_head);
		p->tx_head = f;
	}
	p->tx_tail = NULL;
	buf_release(&p->rx);
}

static void on_established(struct wsc *w, struct lws *wsi, struct http_pss *p)
{
	struct http_pss *old = w->cur;

	memset(p, 0, sizeof(*p));
	p->wsi = wsi;
	p->ch = w->ch;
	p->is_ws = 1;
	p->client = w;
	p->rx.limit = w->ch->a->wsc.max_message + 1;
	w->fresh = NULL;
	w->cur = p;
	w->phase = WSC_IDLE;
	w->up_since = w->last_rx_ms = clock_mono_ms();
	w->silence_ms = 0; /* until the adapter says again */
	w->silenced = 0;
	w->connects++;
	set_state(w, "connected");
	if (old) /* replaced: the old link is closed now that the new one is up */
		server_wsc_close(old);
	w->ch->a->wsc.connected(w->ch, (struct host_conn *)p, w->link, &p->conn);
}

static void on_receive(struct http_pss *p, const void *in, size_t len)
{
	const struct adapter_wsc *a = &p->ch->a->wsc;

	if (p->rx_skip)
		return;
	if (p == p->client->cur)
		p->client->last_rx_ms = clock_mono_ms();
	if (p->rx.len + len > a->max_message) {
		log_warn("%s: websocket: a message over %zu bytes; closing the link", p->ch->name,
		         a->max_message);
		p->rx_skip = 1;
		server_wsc_close(p);
		return;
	}
	buf_addn(&p->rx, in, len);
	if (!lws_is_final_fragment(p->wsi) || lws_remaining_packet_payload(p->wsi))
		return;
	a->message(p->ch, (struct host_conn *)p, p->conn, buf_str(&p->rx), p->rx.len);
	buf_reset(&p->rx);
}

static int on_writeable(struct http_pss *p)
{
	struct ws_frame *f = p->tx_head;

	if (p->closing) {
		lws_close_reason(p->wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		return -1;
	}
	if (!f)
		return 0;
	if (lws_write(p->wsi, f->data + LWS_PRE, f->len, LWS_WRITE_TEXT) < (int)f->len)
		return -1;
	p->tx_head = f->next;
	if (!p->tx_head)
		p->tx_tail = NULL;
	free(f);
	if (p->tx_head)
		lws_callback_on_writable(p->wsi);
	return 0;
}

static void on_closed(struct wsc *w, struct http_pss *p)
{
	int64_t lived = clock_mono_ms() - w->up_since;

	w->ch->a->wsc.closed(w->ch, (struct host_conn *)p, p->conn);
	p->conn = NULL;
	frames_free(p);
	if (p != w->cur)
		return; /* a replaced link */
	w->cur = NULL;
	w->silence_ms = 0;
	if (w->srv->stopping)
		return;
	if (w->standby)
		set_state(w, WSC_STANDBY);
	else if (!w->silenced)
		set_state(w, "error: link lost; connecting again");
	if (w->phase != WSC_IDLE)
		return; /* a fresh link is on its way already */
	if (lived >= WSC_STEADY_MS) {
		w->errors = 0;
		retry_later(w, 0);
	} else {
		retry_later(w, -1);
	}
}

int server_wsc_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len)
{
	struct server *srv = lws_context_user(lws_get_context(wsi));
	struct wsc *w = lws_get_opaque_user_data(wsi);
	struct http_pss *p = user;
	const struct adapter_wsc_target *t;
	unsigned char **ptr, *end;
	char state[WSC_STATE_LEN], name[128];
	const char *colon;
	size_t i;
	int k;

	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		for (i = 0; srv && i < srv->nwsc; i++)
			take_result(&srv->wsc[i]);
		return 0;
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		if (!w)
			return 0;
		t = &w->target;
		ptr = (unsigned char **)in;
		end = *ptr + len;
		for (k = 0; k < t->nheaders; k++) {
			colon = strchr(t->headers[k], ':');
			if (!colon || (size_t)(colon - t->headers[k]) + 2 > sizeof(name))
				continue;
			snprintf(name, sizeof(name), "%.*s:", (int)(colon - t->headers[k]),
			         t->headers[k]);
			colon++;
			while (*colon == ' ')
				colon++;
			if (lws_add_http_header_by_name(wsi, (const unsigned char *)name,
			                                (const unsigned char *)colon,
			                                (int)strlen(colon), ptr, end))
				return -1;
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (!w)
			return 0;
		w->fresh = NULL;
		snprintf(state, sizeof(state), "error: connect: %.150s",
		         in ? (const char *)in : "failed");
		set_state(w, state);
		if (!srv->stopping)
			retry_later(w, -1);
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (w && p)
			on_established(w, wsi, p);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (p && p->client)
			on_receive(p, in, len);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return p && p->client ? on_writeable(p) : 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (w && p && p->client)
			on_closed(w, p);
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols wsc_protocols[] = {
        {"concierge-wsc", server_wsc_callback, sizeof(struct http_pss), 4096, 0, NULL, 0},
        {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- the server's side ---------------------------------------------------------------------- */

int server_wsc_wanted(const struct cfg *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nchans; i++)
		if (links_of(&cfg->chans[i]) > 0)
			return 1;
	return 0;
}

int server_wsc_start(struct server *srv)
{
	struct lws_context_creation_info info;
	size_t i, n = 0, total = 0;
	int k, links;

	for (i = 0; i < srv->cfg->nchans; i++)
		total += (size_t)links_of(&srv->cfg->chans[i]);
	if (total == 0)
		return 0;
	srv->wsc = calloc(total, sizeof(*srv->wsc));
	if (!srv->wsc)
		return -1;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = wsc_protocols;
	info.vhost_name = "concierge-client";
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.retry_and_idle_policy = &wsc_retry;
	srv->client_vhost = lws_create_vhost(srv->ctx, &info);
	if (!srv->client_vhost)
		return -1;
	for (i = 0; i < srv->cfg->nchans; i++) {
		struct chan *ch = &srv->cfg->chans[i];

		links = links_of(ch);
		for (k = 0; k < links && n < total; k++) {
			struct wsc *w = &srv->wsc[n++];

			w->srv = srv;
			w->ch = ch;
			w->link = k;
			w->nlinks = links;
			buf_copy(w->state, sizeof(w->state), "connecting");
			w->phase = WSC_WAITING;
			w->due_ms = 0;
		}
	}
	srv->nwsc = n;
	lws_sul_schedule(srv->ctx, 0, &srv->sul_wsc, check_due, 1);
	return 0;
}

void server_wsc_stop(struct server *srv)
{
	size_t i;

	for (i = 0; i < srv->nwsc; i++) {
		struct wsc *w = &srv->wsc[i];

		if (w->worker_running) {
			pthread_join(w->worker, NULL);
			w->worker_running = 0;
		}
		if (w->cur)
			server_wsc_close(w->cur);
	}
	if (srv->nwsc)
		lws_sul_cancel(&srv->sul_wsc);
}

void server_wsc_free(struct server *srv)
{
	free(srv->wsc);
	srv->wsc = NULL;
	srv->nwsc = 0;
}

void server_wsc_renew(struct server *srv, struct chan *ch)
{
	size_t i;

	for (i = 0; i < srv->nwsc; i++) {
		struct wsc *w = &srv->wsc[i];

		if (w->ch != ch || srv->stopping || w->phase == WSC_LOCATING ||
		    w->phase == WSC_CONNECTING || w->standby)
			continue;
		log_info("%s: websocket: opening a fresh link", ch->name);
		locate(w);
	}
}

void server_wsc_close(struct http_pss *p)
{
	p->closing = 1;
	lws_callback_on_writable(p->wsi);
}

void server_wsc_silence(struct http_pss *p, int64_t ms)
{
	struct wsc *w = p->client;

	if (!w || p != w->cur || p->closing)
		return; /* a served websocket, or a link on its way out */
	w->silence_ms = ms > 0 ? ms : 0;
}

int server_wsc_state(struct server *srv, const struct chan *ch, int link, char *state, size_t len,
                     long long *connects)
{
	struct wsc *w = wsc_of(srv, ch, link);

	if (!w)
		return -1;
	buf_copy(state, len, w->state);
	*connects = w->connects;
	return 0;
}

void server_wsc_health(struct server *srv, const struct chan *ch, json_t *obj)
{
	struct wsc *w = wsc_of(srv, ch, 0);

	/* a channel with several links shows each in its own health (host->ws_state) */
	if (w && !wsc_of(srv, ch, 1))
		json_object_set_new(obj, "websocket",
		                    json_pack("{s:s,s:I}", "state", w->state, "connects",
		                              (json_int_t)w->connects));
}
