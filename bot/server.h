/*
 * server.h - the gateway's service thread, shared by its files:
 *   serve.c   start-up, the event loop, timers, stopping
 *   http.c    HTTP requests and websockets: routes to the adapters, the writer
 *   batch.c   group commit of inbound messages, delivery to present readers
 *   health.c  /healthz and /metrics (who may read it; metrics.c writes it)
 *   host.c    the host table the adapters call (also used by the CLI)
 *   fetch.c   attachments fetched off the loop, by a worker thread
 *   console.c the staff console at /console and the API under /api (with
 *             console_api.c, console_actions.c, console_files.c; their own
 *             header is console_internal.h)
 * Other modules do not include it.
 *
 * Everything here lives on the libwebsockets service thread, except the
 * queues of polled batches and relayed calls, which the sender thread fills
 * under its mutex, and the fetcher's queue (fetch.c).
 */
#ifndef CONCIERGE_SERVER_H
#define CONCIERGE_SERVER_H

#include <libwebsockets.h>
#include <pthread.h>
#include <stdint.h>

#include "adapters/adapter.h"
#include "lib/buf.h"
#include "lib/http.h"
#include "lib/msg.h"

struct cfg;
struct cfg_staff;
struct console;
struct core;
struct store;
struct sender;
struct metrics;
struct wsc;

/* What the host table's functions need; the host_ud of every struct chan. */
struct host_ctx {
	const struct cfg *cfg;
	struct store *store;
	struct core *core;
	const char *db_path; /* the database as messages show it (no password) */
	struct server *srv;  /* NULL outside `concierge serve` */
};

/* Points every channel of CFG at the host table and at CTX (which outlives their use). */
void host_init(struct host_ctx *ctx, const struct cfg *cfg);

struct ws_frame {
	struct ws_frame *next;
	size_t len;
	unsigned char data[]; /* LWS_PRE bytes of room, then the text */
};

/* Per-connection data, for HTTP requests and websockets alike. */
struct http_pss {
	struct lws *wsi;
	struct chan *ch;                   /* the channel whose route or endpoint it is, or NULL */
	const struct adapter_route *route; /* an adapter's route, or NULL */
	char path[256];                    /* the request's path */
	struct buf body;                   /* request body, capped */
	size_t body_max;                   /* the cap; 0: the server's */
	int body_too_big;
	int body_done;  /* the whole body came: reading waits until it is answered */
	int body_timed; /* a body is coming, within limits.body_seconds (http.c) */
	struct http_answer ans;
	size_t resp_sent;
	int headers_sent;
	int closing;    /* answered; hang up at the next writeable callback */
	int close_code; /* the websocket's close code then (host->ws_refuse); 0: normal */
	int responding;
	struct inbound *waiting; /* our message in the batch, so it can forget us */
	int64_t t0_us;           /* when the request came (clock_mono_us), for its latency */
	int rclass;              /* its enum metrics_route */
	int timed;               /* its latency is counted */
	/* websocket */
	int is_ws;
	void *conn; /* the adapter's state for it */
	struct buf rx;
	int rx_skip; /* the message being received is too large: drop it to its end */
	struct ws_frame *tx_head, *tx_tail;
	/* the staff console and the API (console.c) */
	int console;                   /* a request or websocket of theirs */
	const struct cfg_staff *staff; /* who it is authenticated as, or NULL */
	int by_session;                /* by the console's cookie (not a bearer token) */
	struct wsc *client;            /* a link we opened (wsclient.c), or NULL */
};

struct polled {
	struct polled *next;
	struct chan *ch;
	char *batch;
};

/* A call the sender relays through an adapter's connection (adapter_call.relay). */
struct relayed {
	struct relayed *next;
	struct chan *ch;
	struct adapter_call call;
	uint64_t ticket;
};

#define SERVER_EVICTING_MAX 16

struct server {
	const struct cfg *cfg;
	struct store *store;
	struct core *core;
	struct sender *sender;
	struct console *console;
	struct lws_context *ctx;
	struct lws_vhost *vhost;
	int port;
	int tls;

	struct inbound *batch, *batch_tail;
	int nbatch;
	lws_sorted_usec_list_t sul_batch, sul_tick, sul_deliver;
	int64_t tick_at;       /* the program's clock (clock_now) when the timers are due next */
	struct leases *leases; /* leases.c: NULL on a SQLite file (one server holds all) */
	int timers_held;       /* this server ran the timers at the last beat */

	pthread_mutex_t lock; /* guards polled and relayed */
	struct polled *polled;
	struct relayed *relayed;
	struct fetcher *fetcher; /* fetch.c, started on first need; NULL before */

	int64_t handled, batches;
	int stopping;

	/* batches committed, waiting for the flusher to put them on the disk (flush.c) */
	struct flusher *flusher; /* NULL: each commit waits for the disk itself */
	struct flushing *flushing;
	uint64_t flush_seq;

	/* client websockets (wsclient.c) */
	struct lws_vhost *client_vhost;
	struct wsc *wsc;
	size_t nwsc;
	lws_sorted_usec_list_t sul_wsc;

	/* delivery to present readers (batch.c): the last round's newest outbox row, time */
	int64_t deliver_id, deliver_at;

	/*
	 * The database locked by another process (batch.c): the batch waits in the
	 * queue and is tried again from a timer, the loop never waits for the lock.
	 */
	int64_t db_locked_ms; /* clock_mono_ms() when a write first found it locked; 0: free */
	int64_t db_locked_at; /* clock_now() then */
	int db_locked_told;   /* logged, and shown in /healthz: it lasted a second */
	int db_full;          /* not a lock: the disk is full */
	int db_retries;       /* tries since, for the backoff */
	int64_t db_refused;   /* webhooks answered 503 meanwhile */

	struct flood
	        *flood;  /* inbound pace per person and chat (flood.c), made when first needed */
	int64_t flooded; /* messages over it, answered with a notice or dropped */

	struct metrics *metrics; /* counters and histograms for /metrics, or NULL */
	int64_t start_ms;        /* when serving started, Unix milliseconds */

	/* connection limits (http.c): the connections counted against the caps (NULL:
	 * none), the one just accepted and not yet counted, and what the caps and
	 * time limits turned away since the last line about it in the log */
	struct conns *conns;
	int fd_limit; /* the open-file limit in force */
	int conn_pending;
	unsigned char conn_pending_addr[16];
	/* closed to make room at the cap, not yet gone (no longer counted); at most
	 * SERVER_EVICTING_MAX at once, so the descriptors they still hold stay few */
	struct lws *conn_evicted[SERVER_EVICTING_MAX];
	int conn_evicting;
	int64_t limits_logged_ms;
	long long limits_refused[5]; /* by enum server_limit (http.c) */
	long long limits_total[5];   /* the same since the start, for /metrics */
};

/* batch.c */
/* How long the event loop's connection waits for another's write lock, in ms (store.h). */
#define SERVER_BUSY_MS 5
/*
 * /healthz: whether the database takes writes now (without waiting); 1 when
 * it has been locked by another process for a second or more.
 */
int server_db_locked(struct server *srv);
/*
 * Queues IN (a list of CH's messages) for the next group commit; P is the HTTP
 * request waiting, or NULL. A list with an attachment to fetch (and any later
 * list of CH while it waits) goes through the fetcher first.
 */
void server_queue(struct server *srv, struct chan *ch, struct inbound *in, struct http_pss *p);
/* Queues IN for the next group commit as it is (its waiter, if any, already set). */
void server_queue_now(struct server *srv, struct inbound *in);
/* Commits what is queued now. */
void server_run_batch(struct server *srv);
/* Answers the batches the flusher put on the disk (or could not). */
void server_take_flushed(struct server *srv);
/* Stops the flusher once it synced what is committed, and answers those batches. */
void server_flush_stop(struct server *srv);
/* Pushes fresh outbox rows to the readers that are present (a page open). */
void server_deliver(struct server *srv);
/* Pushes CH's waiting rows for CHAT, whose reader just came. */
void server_deliver_chat(struct server *srv, struct chan *ch, const char *chat);
/* The sender's polled batches, moved to the service thread and parsed. */
void server_take_polled(struct server *srv);

/* serve.c: hands the calls the sender relays to their adapters */
void server_take_relayed(struct server *srv);

/* fetch.c: attachments fetched off the loop */
struct fetcher;
/*
 * Takes IN (CH's list; P the HTTP request waiting, or NULL) when it has an
 * attachment to fetch, or a list of CH before it is still being fetched: 1,
 * else 0 (the caller queues it now).
 */
int server_fetch_queue(struct server *srv, struct chan *ch, struct inbound *in, struct http_pss *p);
/* Moves the lists whose attachments are in, in order, into the next commit. */
void server_take_fetched(struct server *srv);
/*
 * Gives up the fetch in progress, stores what was fetched before, drops the
 * rest (a waiting request gets 503) and ends the worker. For stopping.
 */
void server_fetch_stop(struct server *srv);

/* http.c */
extern const struct lws_protocols server_protocols[];
/* How long a kept connection waits for its next request (serve.c sets it). */
#define KEEPALIVE_S 30
/* Sets the answer of an HTTP request and asks to write it. */
void server_respond(struct http_pss *p);
/* Queues one text frame on a websocket. */
void server_ws_send(struct http_pss *p, const char *text);
/* Logs what the connection limits turned away lately, at most every 10 s. FORCE: now. */
void server_limits_report(struct server *srv, int force);

/* wsclient.c: the links the gateway opens to platforms (adapter.h, struct adapter_wsc) */
/* 1 when a channel of CFG connects out (the context then needs TLS set up). */
int server_wsc_wanted(const struct cfg *cfg);
/* After the context is created: the client vhost and the first attempts. 0, or -1. */
int server_wsc_start(struct server *srv);
/* Before the context goes: waits for a locating call, closes the links. */
void server_wsc_stop(struct server *srv);
/* After the context is gone. */
void server_wsc_free(struct server *srv);
/* host->ws_renew: a fresh link for CH; the old one goes once it is up. */
void server_wsc_renew(struct server *srv, struct chan *ch);
/* host->ws_close: hangs up websocket P (served or client) at its next writeable. */
void server_wsc_close(struct http_pss *p);
/* The link's state for /healthz, into the channel's object OBJ. */
void server_wsc_health(struct server *srv, const struct chan *ch, json_t *obj);
/* host->ws_silence: client link P is dead after MS without a message (0: never). */
void server_wsc_silence(struct http_pss *p, int64_t ms);
/* host->ws_state: link LINK of CH's state and connects; 0, or -1 when there is none. */
int server_wsc_state(struct server *srv, const struct chan *ch, int link, char *state, size_t len,
                     long long *connects);
int server_wsc_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len);

/* health.c */
void server_health(struct server *srv, struct http_answer *ans);
/*
 * Says in the log, once at start, what /healthz lists under "warnings": who
 * hears complaints with no private place to read them (core_private_gap).
 */
void server_warn_start(struct server *srv);
/*
 * /metrics for REQ, whose client is on a loopback address (LOOPBACK) and came
 * through no proxy: the page, or 404 (switched off), 403 or 401 (see the
 * configuration's "metrics").
 */
void server_metrics(struct server *srv, const struct http_req *req, int loopback,
                    struct http_answer *ans);

/* console.c */
struct console *console_new(struct server *srv);
void console_free(struct console *con);
/* Is PATH the console's or the API's (/console, /console/..., /api/...)? */
int console_claims(const char *path);
/*
 * The headers of a request for PATH are in: authenticates it and answers at
 * once, or leaves P->console set to be called again with the body.
 */
void console_http(struct console *con, struct http_pss *p, const char *path);
/* The body of a request console_http() kept is in (P->body). */
void console_body(struct console *con, struct http_pss *p);
/* The live board's websocket: 0 accepted, <0 refused (no session, another origin). */
int console_ws_open(struct console *con, struct http_pss *p);
void console_ws_closed(struct console *con, struct http_pss *p);
/* After a commit: tells the open boards which orders changed. */
void console_changed(struct console *con);
/*
 * The staff member whose personal token is TOKEN (LEN bytes, every byte
 * counted), tried from WSI's client address (WSI may be NULL) by VIA
 * ("console", "API", "web chat": for the log). 1 and *OUT; 0 for a wrong
 * token, counted against the address; -1 when the address has to wait
 * *WAIT_MS first and nothing was compared. Logins (but not each API call),
 * failures and refusals are logged with the address, never the token.
 * Service thread.
 */
int console_token(struct console *con, struct lws *wsi, const char *token, size_t len,
                  const char *via, const struct cfg_staff **out, int64_t *wait_ms);

#endif
