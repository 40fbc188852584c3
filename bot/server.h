/*
 * server.h - the gateway's service thread, shared by its files:
 *   serve.c   start-up, the event loop, timers, stopping
 *   http.c    HTTP requests and websockets: routes to the adapters, the writer
 *   batch.c   group commit of inbound messages, delivery to present readers
 *   health.c  /healthz
 *   host.c    the host table the adapters call (also used by the CLI)
 * Other modules do not include it.
 *
 * Everything here lives on the libwebsockets service thread, except the
 * queue of polled batches, which the sender thread fills under its mutex.
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
struct core;
struct store;
struct sender;

/* What the host table's functions need; the host_ud of every struct chan. */
struct host_ctx {
	const struct cfg *cfg;
	struct store *store;
	struct core *core;
	const char *db_path;
	struct server *srv; /* NULL outside `concierge serve` */
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
	int body_too_big;
	struct http_answer ans;
	size_t resp_sent;
	int headers_sent;
	int closing; /* answered; hang up at the next writeable callback */
	int responding;
	struct inbound *waiting; /* our message in the batch, so it can forget us */
	/* websocket */
	int is_ws;
	void *conn; /* the adapter's state for it */
	struct buf rx;
	int rx_skip; /* the message being received is too large: drop it to its end */
	struct ws_frame *tx_head, *tx_tail;
};

struct polled {
	struct polled *next;
	struct chan *ch;
	char *batch;
};

struct server {
	const struct cfg *cfg;
	struct store *store;
	struct core *core;
	struct sender *sender;
	struct lws_context *ctx;
	struct lws_vhost *vhost;
	int port;
	int tls;

	struct inbound *batch, *batch_tail;
	int nbatch;
	lws_sorted_usec_list_t sul_batch, sul_tick, sul_deliver;
	int64_t tick_at; /* the program's clock (clock_now) when the timers are due next */

	pthread_mutex_t lock; /* guards polled */
	struct polled *polled;

	int64_t handled, batches;
	int stopping;
};

/* batch.c */
/*
 * Queues IN (a list of CH's messages) for the next group commit; P is the HTTP
 * request waiting, or NULL.
 */
void server_queue(struct server *srv, struct chan *ch, struct inbound *in, struct http_pss *p);
/* Commits what is queued now. */
void server_run_batch(struct server *srv);
/* Pushes waiting outbox rows to the readers that are present (all channels, or CH). */
void server_deliver(struct server *srv, struct chan *ch);
/* The sender's polled batches, moved to the service thread and parsed. */
void server_take_polled(struct server *srv);

/* http.c */
extern const struct lws_protocols server_protocols[];
/* Sets the answer of an HTTP request and asks to write it. */
void server_respond(struct http_pss *p);
/* Queues one text frame on a websocket. */
void server_ws_send(struct http_pss *p, const char *text);

/* health.c */
void server_health(struct server *srv, struct http_answer *ans);

#endif
