/*
 * server.h - the gateway's service thread, shared by server.c (HTTP, the
 * event loop, group commit), web.c (the web chat websocket) and hooks.c
 * (Telegram and the generic webhook). Other modules do not include it.
 *
 * Everything here lives on the libwebsockets service thread, except the
 * queue of polled Telegram batches, which the sender thread fills under
 * its mutex.
 */
#ifndef CONCIERGE_SERVER_H
#define CONCIERGE_SERVER_H

#include <libwebsockets.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>

#include "bot/msg.h"
#include "dialogs/buf.h"

struct cfg;
struct core;
struct store;
struct sender;
struct http_pss;

/*
 * One inbound message waiting for the next group commit, with owned copies
 * of its strings and whoever waits for the outcome.
 */
struct inbound {
	struct inbound *next;
	char *channel, *id, *chat, *user, *user_name, *lang, *text, *callback, *private_link;
	int is_group, addressed;
	char *answer_callback; /* Telegram: callback query to answer */
	char *migrate_old, *migrate_new;
	char *web_client_id;   /* web: the page's id for the ack and the transcript */
	int web_record;        /* web: record the text as the visitor's line */
	struct http_pss *http; /* an HTTP request waiting for its answer, or NULL */
	int64_t poll_offset;   /* > 0: the last of a polled batch; confirm this offset */
	int failed;
};

/* Per-connection data, for HTTP requests and web chat websockets alike. */
struct http_pss {
	struct lws *wsi;
	int route;
	struct buf body; /* request body, capped */
	int body_too_big;
	/* the response */
	int status;
	const char *ctype;
	unsigned char *resp; /* owned */
	size_t resp_len, resp_sent;
	const unsigned char *static_data; /* an embedded asset instead of resp */
	char set_cookie[160];
	char cache[48];
	int headers_sent;
	int closing; /* answered; hang up at the next writeable callback */
	int responding;
	struct inbound *waiting; /* our message in the batch, so it can forget us */
	/* websocket (web chat) */
	int is_ws;
	struct http_pss *ws_next;
	char visitor[64]; /* hashed cookie: "v…" */
	char user[96];    /* "v…" or "staff:ID" */
	char staff_id[64];
	char lang[8]; /* the page's language ("zh", "en"), a hint for the bot's */
	int greeted;
	int64_t say_window; /* start of the current rate window */
	int say_count;
	struct buf rx;
	int rx_skip; /* the message being received is too large: drop it to its end */
	struct ws_frame *tx_head, *tx_tail;
};

struct ws_frame {
	struct ws_frame *next;
	size_t len;
	unsigned char data[]; /* LWS_PRE bytes of room, then the text */
};

struct server {
	const struct cfg *cfg;
	struct store *store;
	struct core *core;
	struct sender *sender;
	struct lws_context *ctx;
	struct lws_vhost *vhost;
	int port;
	char bot_username[64];
	char bot_id[32];

	struct inbound *batch, *batch_tail;
	int nbatch;
	lws_sorted_usec_list_t sul_batch, sul_tick, sul_web;

	pthread_mutex_t lock; /* guards polled */
	struct polled *polled;

	struct http_pss *conns; /* open web chat websockets */
	int64_t handled, batches;
	int stopping;
};

struct polled {
	struct polled *next;
	char *json;
	size_t len;
};

/* server.c */
void server_queue(struct server *srv, struct inbound *in);
void inbound_free(struct inbound *in);
char *server_strdup(const char *s);
/* Sets the response of an HTTP request and asks to write it. Takes BODY (malloc'd, may be NULL). */
void server_respond(struct http_pss *p, int status, const char *ctype, char *body, size_t len);
void server_respond_json(struct http_pss *p, int status, const char *json_text);
/* Answers {"ok":false,"error":MESSAGE} with STATUS. */
void server_respond_error(struct http_pss *p, int status, const char *message);

/* web.c */
int web_callback(struct server *srv, struct lws *wsi, enum lws_callback_reasons reason,
                 struct http_pss *p, void *in, size_t len);
/* Pushes waiting web outbox rows to open sockets; inside its own transaction. */
void web_deliver(struct server *srv);
/* The visitor cookie for a page load: sets P->set_cookie when the visitor has none. */
void web_page_cookie(struct server *srv, struct http_pss *p);
/* After a batch commit: tell each waiting socket its message is stored (or not). */
void web_ack(struct server *srv, struct inbound *in);

/* hooks.c */
/* Called when the headers of a POST to /hooks/... are in; a refusal is answered here. Returns 0. */
int hooks_begin(struct server *srv, struct http_pss *p, const char *path);
/* The body is complete: authenticate again if needed, parse, queue. */
void hooks_complete(struct server *srv, struct http_pss *p);
/* The sender's polled Telegram batches, moved to the service thread. */
void hooks_take_polled(struct server *srv);
/* Telegram's identity for mentions, found with getMe at start when not configured. */
void hooks_telegram_identify(struct server *srv);

enum {
	ROUTE_NONE = 0,
	ROUTE_STATIC,
	ROUTE_HEALTH,
	ROUTE_TELEGRAM,
	ROUTE_GENERIC,
	ROUTE_WS,
};

#endif
