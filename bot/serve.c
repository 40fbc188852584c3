/*
 * serve.c - `concierge serve`: one libwebsockets context that serves every
 * channel's routes and websockets, the timers, and the sender thread.
 *
 * Start-up: the channels start (a platform may be asked who the bot is),
 * the sender starts, and one line says "listening on ..." once connections
 * are accepted. SIGTERM (or SIGINT) stops taking work, commits what arrived,
 * lets the answers and the deliveries in flight go out, and exits 0.
 */
#include "bot/server.h"

#include <curl/curl.h>
#include <errno.h>
#include <arpa/inet.h>
#include <ev.h>
#include <malloc.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "bot/cli.h"
#include "bot/config.h"
#include "bot/conns.h"
#include "bot/core.h"
#include "bot/flood.h"
#include "bot/flush.h"
#include "bot/leases.h"
#include "bot/metrics.h"
#include "bot/sender.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "store/store.h"

#define TICK_US    (30 * LWS_US_PER_SEC)
#define DELIVER_US (1 * LWS_US_PER_SEC)
#define FD_WANTED  65536

static volatile sig_atomic_t got_signal;

static struct server *server_of(lws_sorted_usec_list_t *sul, size_t offset)
{
	return (struct server *)(void *)((char *)sul - offset);
}

static void tick_due(lws_sorted_usec_list_t *sul)
{
	struct server *srv = server_of(sul, offsetof(struct server, sul_tick));

	/* With several servers on one database, the holder of the timers' lease runs them. */
	srv->timers_held = leases_held(srv->leases, LEASE_TIMERS);
	if (srv->timers_held && core_tick(srv->core, clock_now()) < 0)
		log_warn("store: periodic work failed: %s", store_errmsg(srv->store));
	srv->tick_at = clock_now() + TICK_US / LWS_US_PER_SEC;
	if (srv->sender)
		sender_kick(srv->sender);
	server_deliver(srv);
	console_changed(srv->console);
	lws_sul_schedule(srv->ctx, 0, &srv->sul_tick, tick_due, TICK_US);
}

static void deliver_due(lws_sorted_usec_list_t *sul)
{
	struct server *srv = server_of(sul, offsetof(struct server, sul_deliver));

	leases_beat(srv->leases);
	/*
	 * The timers follow the program's clock: when it moved on (a test moving
	 * it, a corrected system clock), they run now rather than at the next beat.
	 * A server that has just taken the timers over runs now what the last
	 * holder may have left undone.
	 */
	if ((srv->tick_at && clock_now() >= srv->tick_at) ||
	    (!srv->timers_held && leases_held(srv->leases, LEASE_TIMERS))) {
		tick_due(&srv->sul_tick);
	} else {
		/* Notices queued by other processes (staff at a desk) reach open pages too, */
		server_deliver(srv);
		/* and their changes to orders the consoles' boards. */
		console_changed(srv->console);
	}
	server_limits_report(srv, 0);
	lws_sul_schedule(srv->ctx, 0, &srv->sul_deliver, deliver_due, DELIVER_US);
}

/* Called on the sender thread with one polled batch of CH (BATCH is ours now). */
static void on_polled(void *ud, struct chan *ch, char *batch)
{
	struct server *srv = ud;
	struct polled *p = calloc(1, sizeof(*p)), **tail;

	if (!p) {
		free(batch);
		return;
	}
	p->ch = ch;
	p->batch = batch;
	pthread_mutex_lock(&srv->lock);
	for (tail = &srv->polled; *tail; tail = &(*tail)->next)
		;
	*tail = p;
	pthread_mutex_unlock(&srv->lock);
	lws_cancel_service(srv->ctx);
}

/* Called on the sender thread with a call for CH's connection (CALL is ours now). */
static void on_relay(void *ud, struct chan *ch, struct adapter_call *call, uint64_t ticket)
{
	struct server *srv = ud;
	struct relayed *r = calloc(1, sizeof(*r)), **tail;

	if (!r) {
		adapter_call_release(call);
		sender_relay_done(srv->sender, ticket, 0, NULL, 0, "out of memory");
		return;
	}
	r->ch = ch;
	r->call = *call;
	r->ticket = ticket;
	pthread_mutex_lock(&srv->lock);
	for (tail = &srv->relayed; *tail; tail = &(*tail)->next)
		;
	*tail = r;
	pthread_mutex_unlock(&srv->lock);
	lws_cancel_service(srv->ctx);
}

void server_take_relayed(struct server *srv)
{
	struct relayed *list, *r;

	pthread_mutex_lock(&srv->lock);
	list = srv->relayed;
	srv->relayed = NULL;
	pthread_mutex_unlock(&srv->lock);
	while ((r = list)) {
		list = r->next;
		if (r->ch->a->relay)
			r->ch->a->relay(r->ch, &r->call, r->ticket);
		else
			sender_relay_done(srv->sender, r->ticket, 0, NULL, 0, "no relay");
		adapter_call_release(&r->call);
		free(r);
	}
}

static void free_relayed(struct server *srv)
{
	struct relayed *r;

	while ((r = srv->relayed)) {
		srv->relayed = r->next;
		adapter_call_release(&r->call);
		free(r);
	}
}

/*
 * libwebsockets 4.1's libev glue arms its timer only when it is idle: a
 * timer set from a socket's callback for earlier than the armed one waits
 * for that one. A wake-up every NUDGE_S bounds how late that makes it.
 */
#define NUDGE_S 0.1

static void nudge(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	lws_cancel_service(w->data);
}

/* Only sets a flag: the loop wakes at least once a second (the delivery poll). */
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

/*
 * Room for many open connections: the soft limit (often 1024) is raised
 * towards the hard one, up to FD_WANTED (libwebsockets keeps a table as
 * long as the limit), so a crowd of slow clients does not run the server out
 * of descriptors at a thousand. Returns the limit in force.
 */
static size_t raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	if (rl.rlim_cur < FD_WANTED && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < FD_WANTED ? rl.rlim_max : FD_WANTED;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			log_warn("server: cannot raise the open-file limit: %s", strerror(errno));
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > FD_WANTED ? FD_WANTED
	                                                               : (size_t)rl.rlim_cur;
}

/*
 * The connection caps for FDS open files. Descriptors are kept back for what
 * is not a client's connection - the database and its journal (opened by
 * several threads), the deliveries' and downloads' HTTP connections, the
 * links to platforms, the photos read - so that accept() never meets the
 * limit: a connection over the cap is taken and closed at once, not left to
 * make accept() fail again and again.
 */
static struct conns *plan_connections(const struct cfg_limits *l, size_t fds)
{
	size_t reserve = 64 + fds / 32, allowed, max, per;

	allowed = fds > 2 * reserve ? fds - reserve : fds / 2;
	max = l->connections ? (size_t)l->connections : allowed;
	if (max > allowed) {
		log_warn("server: limits.connections %d is more than %zu open files allow; "
		         "taking %zu",
		         l->connections, fds, allowed);
		max = allowed;
	}
	if (!max)
		max = 1;
	per = l->connections_per_address ? (size_t)l->connections_per_address : (max + 1) / 2;
	if (per > max)
		per = max;
	log_fields(LOG_INFO,
	           (struct log_field[]){LOG_NUM("open_files", (long long)fds),
	                                LOG_NUM("connections", (long long)max),
	                                LOG_NUM("per_address", (long long)per)},
	           3,
	           "server: up to %zu open files: at most %zu connections, %zu from one "
	           "address%s; requests get %d s for their headers and %d s for a body, "
	           "websockets are closed after %d s of silence",
	           fds, max, per, l->connections_per_address ? "" : " (loopback not counted)",
	           l->header_seconds, l->body_seconds, l->websocket_idle_seconds);
	return conns_new(max, per);
}

/*
 * libwebsockets' own complaints, as lines of our log (JSON lines stay JSON).
 * Some come once per hostile connection ("Ran out of header data space" for
 * each header flood) or as fast as a failing accept() is retried: a line
 * like the one before it within a second is counted, not written, and the
 * count goes with the next line written.
 */
static void lws_emit(int level, const char *line)
{
	static char last[96];
	static int64_t last_ms;
	static long quiet;
	size_t n = strlen(line);
	int64_t now = clock_mono_ms();

	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (last_ms && now - last_ms < 1000 && strncmp(line, last, sizeof(last) - 1) == 0) {
		quiet++;
		return;
	}
	snprintf(last, sizeof(last), "%s", line);
	last_ms = now;
	if (quiet)
		log_msg(level & LLL_ERR ? LOG_ERROR : LOG_WARN,
		        "libwebsockets: %.*s (after %ld lines like the one before)", (int)n, line,
		        quiet);
	else
		log_msg(level & LLL_ERR ? LOG_ERROR : LOG_WARN, "libwebsockets: %.*s", (int)n,
		        line);
	quiet = 0;
}

/*
 * Pings idle websockets so dead phones are noticed; hangs up after
 * limits.websocket_idle_seconds without a frame or a pong (set at start).
 */
static lws_retry_bo_t retry = {
        .secs_since_valid_ping = 30,
        .secs_since_valid_hangup = 70,
};

static void start_channels(struct server *srv)
{
	size_t i;

	for (i = 0; i < srv->cfg->nchans; i++) {
		struct chan *ch = &srv->cfg->chans[i];

		if (ch->enabled && ch->a->start && ch->a->start(ch) < 0)
			log_warn("%s: could not start", ch->name);
	}
}

static void stop_channels(struct server *srv)
{
	size_t i;

	for (i = 0; i < srv->cfg->nchans; i++)
		if (srv->cfg->chans[i].a->stop)
			srv->cfg->chans[i].a->stop(&srv->cfg->chans[i]);
}

/* The start-up lines: where we listen, what each channel says about itself, a log line. */
static void announce(struct server *srv, const char *host)
{
	char shown[260], base[300], line[512];
	const char *scheme = srv->tls ? "https" : "http";
	struct buf states;
	size_t i;

	/* IPv6 literals go in brackets; a wildcard address is visited on loopback. */
	if (strchr(host, ':'))
		snprintf(shown, sizeof(shown), "[%s]", host);
	else
		snprintf(shown, sizeof(shown), "%s", host[0] ? host : "0.0.0.0");
	printf("concierge: listening on %s://%s:%d\n", scheme, shown, srv->port);
	if (!host[0] || strcmp(host, "0.0.0.0") == 0)
		snprintf(shown, sizeof(shown), "127.0.0.1");
	else if (strcmp(host, "::") == 0)
		snprintf(shown, sizeof(shown), "[::1]");
	snprintf(base, sizeof(base), "%s://%s:%d", scheme, shown, srv->port);
	buf_init(&states);
	for (i = 0; i < srv->cfg->nchans; i++) {
		struct chan *ch = &srv->cfg->chans[i];

		if (ch->enabled && ch->a->banner && ch->a->banner(ch, base, line, sizeof(line)))
			printf("concierge: %s\n", line);
		buf_printf(&states, "%s%s %s", i ? ", " : "", ch->name,
		           !ch->enabled        ? "off"
		           : ch->a->base_state ? ch->a->base_state(ch)
		                               : "on");
	}
	fflush(stdout);
	log_fields(LOG_INFO,
	           (struct log_field[]){LOG_STR("host", host[0] ? host : "*"),
	                                LOG_NUM("port", srv->port)},
	           2, "server: listening on %s:%d (%s)", host[0] ? host : "*", srv->port,
	           buf_str(&states));
	buf_release(&states);
}

static int parse_args(struct cli_env *env, const char **listen)
{
	int i;

	*listen = env->cfg->listen;
	for (i = 0; i < env->argc; i++) {
		if (strcmp(env->argv[i], "--listen") == 0 && i + 1 < env->argc)
			*listen = env->argv[++i];
		else if (strncmp(env->argv[i], "--listen=", 9) == 0)
			*listen = env->argv[i] + 9;
		else {
			fprintf(stderr,
			        "concierge: serve: unexpected '%s'\nusage: concierge serve "
			        "[--listen HOST:PORT]\n",
			        env->argv[i]);
			return -1;
		}
	}
	return 0;
}

/* One turn of the event loop (libev's, else libwebsockets' own): WAIT for something, or not. */
static int turn(struct server *srv, struct ev_loop *loop, int wait)
{
	if (!loop)
		return lws_service(srv->ctx, wait ? 0 : -1);
	ev_run(loop, wait ? EVRUN_ONCE : EVRUN_NOWAIT);
	return 0;
}

/* Drain: commit what arrived, give the answers a moment to go out (longer while
 * messages read meanwhile still wait for their commit). */
/* The flusher synced a batch: the loop answers it (LWS_CALLBACK_EVENT_WAIT_CANCELLED). */
static void wake_loop(void *ud)
{
	struct server *srv = ud;

	lws_cancel_service(srv->ctx);
}

static void drain(struct server *srv, struct ev_loop *loop)
{
	int i;

	server_fetch_stop(srv);
	server_run_batch(srv);
	for (i = 0; i < 200 && (srv->nbatch > 0 || srv->flushing || i < 20); i++) {
		turn(srv, loop, 0); /* do not wait, just move what is ready */
		usleep(5000);
	}
	server_flush_stop(srv); /* nothing acknowledged stays off the disk */
}

/*
 * glibc hands freed memory at the top of the heap back to the kernel once
 * 128 KB are free, and takes it again page by page: SQLite's page cache and
 * the batches free and allocate that much all the time, so the service
 * thread took about two page faults a message (16,000 in a 7,000-message
 * run, 440 with this). A few megabytes kept is cheaper.
 */
static void keep_heap(void)
{
	mallopt(M_TRIM_THRESHOLD, 8 << 20);
	mallopt(M_TOP_PAD, 1 << 20);
}

int cli_serve(struct cli_env *env)
{
	struct lws_context_creation_info info;
	struct sender_opts so;
	struct server srv;
	struct host_ctx hctx;
	struct ev_loop *loop = NULL;
	ev_timer nudger;
	void *loops[1];
	const char *listen;
	char host_name[256], err[512];
	struct in_addr v4;
	int port, rc = 1;
	size_t fds;

	if (parse_args(env, &listen) < 0)
		return 2;
	if (parse_listen(listen, host_name, sizeof(host_name), &port) < 0) {
		fprintf(stderr, "concierge: --listen %s: expected HOST:PORT\n", listen);
		return 2;
	}
	log_init_from_env();
	keep_heap();
	fds = raise_fd_limit();
	lws_set_log_level(LLL_ERR, lws_emit);
	curl_global_init(CURL_GLOBAL_DEFAULT);

	memset(&srv, 0, sizeof(srv));
	srv.cfg = env->cfg;
	srv.store = env->store;
	store_set_busy_ms(srv.store, SERVER_BUSY_MS); /* the loop never waits long for a lock */
	srv.tls = env->cfg->tls_cert != NULL;
	srv.start_ms = clock_now_ms();
	pthread_mutex_init(&srv.lock, NULL);
	srv.metrics = metrics_new(env->cfg);
	if (!srv.metrics)
		goto out;
	srv.fd_limit = (int)fds;
	srv.conns = plan_connections(&env->cfg->limits, fds);
	if (!srv.conns) {
		fprintf(stderr, "concierge: cannot start the server: out of memory\n");
		goto out;
	}
	srv.core = core_new(env->cfg, env->store);
	if (!srv.core)
		goto out;
	memset(&hctx, 0, sizeof(hctx));
	hctx.cfg = env->cfg;
	hctx.store = env->store;
	hctx.core = srv.core;
	hctx.db_path = env->db_shown;
	hctx.srv = &srv;
	host_init(&hctx, env->cfg);

	/*
	 * The event loop: libev's (epoll). libwebsockets' own calls poll() over
	 * every socket at each turn, which costs a millisecond a turn with two
	 * thousand chat pages open; epoll costs what is ready.
	 */
	loop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
	loops[0] = loop;
	memset(&info, 0, sizeof(info));
	if (loop) {
		info.options = LWS_SERVER_OPTION_LIBEV;
		info.foreign_loops = loops;
	}
	info.port = port;
	info.iface = host_name[0] ? host_name : NULL;
	info.protocols = server_protocols;
	info.user = &srv;
	info.vhost_name = "concierge";
	info.options |= LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	/*
	 * An IPv4 address means that address only: with IPv6 on, libwebsockets
	 * would listen on every interface of both families instead.
	 */
	if (inet_pton(AF_INET, host_name, &v4) == 1)
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	retry.secs_since_valid_hangup = (uint16_t)env->cfg->limits.websocket_idle_seconds;
	retry.secs_since_valid_ping = (uint16_t)(env->cfg->limits.websocket_idle_seconds / 2);
	info.retry_and_idle_policy = &retry;
	info.timeout_secs = 20;
	/* The headers of a request after the first on a kept connection (the first's: http.c). */
	info.timeout_secs_ah_idle = (unsigned int)env->cfg->limits.header_seconds;
	info.keepalive_timeout = KEEPALIVE_S;
	info.pt_serv_buf_size = 32 * 1024;
	info.max_http_header_data = 8192;
	if (env->cfg->tls_cert) {
		/* HTTPS; browsers then get HTTP/2 through ALPN. */
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = env->cfg->tls_cert;
		info.ssl_private_key_filepath = env->cfg->tls_key;
	}
	if (server_wsc_wanted(env->cfg))
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT; /* wss:// links out */
	srv.ctx = lws_create_context(&info);
	if (!srv.ctx && loop) {
		/* Its libev plugin (libwebsockets-evlib-ev) missing: the library's own loop. */
		log_warn("server: libwebsockets' libev event loop is not available; "
		         "using poll(), slower with many pages open");
		ev_loop_destroy(loop);
		loop = NULL;
		info.options &= ~(uint64_t)LWS_SERVER_OPTION_LIBEV;
		info.foreign_loops = NULL;
		srv.ctx = lws_create_context(&info);
	}
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
	srv.console = console_new(&srv);
	if (!srv.console) {
		fprintf(stderr, "concierge: cannot start the staff console: out of memory\n");
		goto out;
	}

	srv.leases = leases_start(env->store, env->db_path, err, sizeof(err));
	if (!srv.leases && err[0]) {
		fprintf(stderr, "concierge: %s\n", err);
		goto out;
	}
	start_channels(&srv);
	if (server_wsc_start(&srv) < 0) {
		fprintf(stderr, "concierge: cannot set up client websockets\n");
		goto out;
	}
	memset(&so, 0, sizeof(so));
	so.cfg = env->cfg;
	so.db_path = env->db_path;
	so.polled = on_polled;
	so.relay = on_relay;
	so.leases = srv.leases;
	so.ud = &srv;
	/*
	 * A SQLite file is synced by the flusher while the next batch is made; a
	 * shared database flushes each batch's commit itself (still one flush
	 * for the messages that came together).
	 */
	srv.flusher =
	        store_shared(env->store) ? NULL : flusher_start(env->db_path, wake_loop, &srv);
	if (!srv.flusher && !store_shared(env->store))
		log_warn("server: no flusher thread: each commit waits for the disk itself");
	srv.sender = sender_start(&so, err, sizeof(err));
	if (!srv.sender) {
		fprintf(stderr, "concierge: %s\n", err);
		goto out;
	}

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (store_checkpoint_apart(env->store) < 0)
		log_warn("store: checkpoints stay in the commits: %s", store_errmsg(env->store));
	/* No page is open yet: delivery to readers starts with the rows that come next. */
	if (store_outbox_last(env->store, &srv.deliver_id) == 0)
		srv.deliver_at = clock_now();
	lws_sul_schedule(srv.ctx, 0, &srv.sul_tick, tick_due, 1);
	lws_sul_schedule(srv.ctx, 0, &srv.sul_deliver, deliver_due, DELIVER_US);
	server_warn_start(&srv);
	announce(&srv, host_name);
	if (loop) {
		ev_timer_init(&nudger, nudge, 0., NUDGE_S);
		nudger.data = srv.ctx;
		ev_timer_start(loop, &nudger);
	}

	while (!srv.stopping) {
		if (turn(&srv, loop, 1) < 0)
			break;
		if (got_signal && !srv.stopping) {
			srv.stopping = 1;
			log_info("server: stopping (signal %d)", (int)got_signal);
		}
	}
	drain(&srv, loop);
	server_limits_report(&srv, 1); /* what the last line did not say yet */
	if (loop)
		ev_timer_stop(loop, &nudger);
	sender_stop(srv.sender, 5000);
	srv.sender = NULL;
	log_fields(LOG_INFO, (struct log_field[]){LOG_NUM("messages", srv.handled)}, 1,
	           "server: stopped after %lld messages", (long long)srv.handled);
	rc = 0;
out:
	server_flush_stop(&srv);
	if (srv.sender)
		sender_stop(srv.sender, 1000);
	if (srv.ctx) {
		server_wsc_stop(&srv);
		lws_sul_cancel(&srv.sul_tick);
		lws_sul_cancel(&srv.sul_deliver);
		lws_sul_cancel(&srv.sul_batch);
		lws_context_destroy(srv.ctx);
	}
	if (loop)
		ev_loop_destroy(loop);
	server_wsc_free(&srv);
	inbound_free_list(srv.batch);
	free_relayed(&srv);
	while (srv.polled) {
		struct polled *next = srv.polled->next;

		free(srv.polled->batch);
		free(srv.polled);
		srv.polled = next;
	}
	stop_channels(&srv);
	leases_stop(srv.leases);
	console_free(srv.console);
	core_free(srv.core);
	metrics_free(srv.metrics);
	flood_free(srv.flood);
	conns_free(srv.conns); /* after the context: its connections are gone */
	pthread_mutex_destroy(&srv.lock);
	curl_global_cleanup();
	return rc;
}
