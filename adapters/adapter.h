/*
 * adapter.h - the table every channel fills in, and what the host gives it.
 *
 * A channel is one `const struct adapter` filled with designated
 * initialisers in its own file(s) under adapters/, listed once in
 * registry.c. A member left NULL means the channel has no such thing: a
 * send-only robot has no routes, the terminal has no HTTP at all. The host -
 * the configuration loader, the server, the sender, the core and the
 * commands in bot/ - walks the registry and calls what is there; it never
 * names a channel. What an adapter needs from the host comes through
 * struct host (in each struct chan), so a test can hand it a fake.
 *
 * Threads: config, start, routes, websockets (served and client), local
 * delivery, poll_parse, private_link, relay and health run on the service
 * thread (or in a command-line process); can_send, chatless, limits, build,
 * classify, poll_build, poll_result, setup_build and setup_result run on the
 * sender thread, fetch_attachment on the host's fetching thread, and
 * wsc.locate and wsc.located on a worker thread of the host: these may only
 * read the channel's configuration, and runtime state only where the adapter
 * guards it with a lock of its own (who last wrote to the bot from where).
 *
 * Adding a channel: see adapters/README.md.
 */
#ifndef CONCIERGE_ADAPTER_H
#define CONCIERGE_ADAPTER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lib/config_read.h"
#include "lib/http.h"
#include "lib/msg.h"
#include "lib/ratelimit.h"

struct adapter;
struct host;
struct host_conn; /* a websocket connection the server holds for an adapter */

/* One channel as configured: the adapter, its settings and its state. */
struct chan {
	const struct adapter *a;
	const char *name; /* a->name */
	int enabled;
	void *conf; /* the adapter's parsed configuration (a->config), freed by a->config_free */
	void *rt;   /* the adapter's runtime state (a->start), freed by a->stop; or NULL */
	const struct host *host;
	void *host_ud; /* the host's, for its own functions */
};

/* A staff member as an adapter may see them. */
struct adapter_person {
	const char *id;
	const char *name;
	const char *role;
	const char *token; /* personal link token, or NULL */
};

/* ---- outbound calls -------------------------------------------------------------- */

#define ADAPTER_MAX_HEADERS 4

/* One HTTP call the sender makes for a channel. Everything is owned. */
struct adapter_call {
	char *url; /* may hold a token: never logged */
	char *body;
	char *headers[ADAPTER_MAX_HEADERS]; /* "Name: value" */
	int nheaders;
	const char *ctype; /* static; NULL means application/json */
	int get;           /* a GET without a body (BODY ignored) */
	long timeout_s;    /* 0: the sender's default */
	size_t resp_max;   /* 0: the sender's default */
	int chatless;      /* not a message to the chat: the chat's pace does not apply */
	/*
	 * Not HTTP: the call goes over a connection the adapter holds (a
	 * websocket the platform opened to us). The sender hands it to the
	 * adapter's relay() on the service thread and waits TIMEOUT_S (its
	 * default when 0) for the answer; URL may be NULL.
	 */
	int relay;
};

/* Adds header LINE ("Name: value", copied). 0, or -1 when full or out of memory. */
int adapter_call_header(struct adapter_call *c, const char *line);
void adapter_call_release(struct adapter_call *c);

/*
 * config()'s first step for channels.NAME O (or NULL): O must be an object
 * (else a problem); its keys are checked against KEYS and "enabled" is read
 * into *ENABLED, and *LAX set when the channel is off (a switched-off channel
 * may name variables nobody set). O, or NULL when there is nothing to read.
 */
json_t *adapter_config_open(struct cfg_ld *ld, json_t *o, const char *path, const char *const *keys,
                            int *enabled, int *lax);

enum adapter_outcome {
	ADAPTER_SENT = 0,
	ADAPTER_RETRY,        /* network trouble or a server error: back off and try again */
	ADAPTER_RATE_LIMITED, /* wait RETRY_AFTER (or a backoff) and try again */
	ADAPTER_DEAD,         /* refused for good: keep it as a dead letter */
	ADAPTER_MOVED,        /* the chat has a new ID (MOVED_TO): send it there */
	ADAPTER_REFUSED,      /* our credentials were refused: hold the channel, keep the row */

	/* The chat takes nothing until it writes again (a closed service window):
	 * keep the row, due again at the chat's next message. */
	ADAPTER_HELD,
};

enum adapter_scope {
	ADAPTER_SCOPE_CHAT = 0, /* a 429 about this chat */
	ADAPTER_SCOPE_CHANNEL,  /* about the whole channel (one endpoint, one robot) */
	ADAPTER_SCOPE_UNKNOWN,  /* not said: several chats held at once mean the channel */
};

/* What one answer of the platform means. */
struct adapter_verdict {
	enum adapter_outcome outcome;
	enum adapter_scope scope;
	int retry_after;   /* seconds the platform asked for; 0 when it did not say */
	char moved_to[96]; /* ADAPTER_MOVED */
	char error[300];   /* for the row and the log: "HTTP 400: chat not found" */
	char state[400];   /* the channel's new state for /healthz, or "" to keep it */
};

/* What a receiver's call (long poll, webhook registration) came back with. */
struct adapter_poll {
	char *batch;      /* a poll's updates (malloc'd text for poll_parse), or NULL */
	int64_t again_ms; /* when to call again: 0 at once; < 0 after a backoff */
	char state[400];  /* the channel's new state, or "" */
	int done;         /* setup: finished, no more calls */
};

/* ---- the host --------------------------------------------------------------------- */

/* A line of a chat's transcript, for history. */
typedef int (*host_line_fn)(const char *from, const char *text, const char *buttons_json,
                            const char *line_id, int64_t at, void *ud);
typedef int (*host_payload_fn)(const char *payload, void *ud);

struct host {
	/* Queues messages for the next group commit; takes LIST. Service thread. */
	void (*submit)(struct chan *ch, struct inbound *list);
	/* A websocket connection of the adapter's: send one text frame. */
	void (*ws_send)(struct host_conn *hc, const char *text);
	/* Delivers now what waits for CHAT, a reader who just came (a page opened). */
	void (*deliver_now)(struct chan *ch, const char *chat);
	/* The last MAX lines of CHAT's transcript on this channel, oldest first. */
	int (*history)(struct chan *ch, const char *chat, int max, host_line_fn each, void *ud);
	/*
	 * The staff member whose personal token is TOKEN (LEN bytes, all
	 * compared, in constant time), typed over HC (or NULL): 1 and *OUT, 0
	 * for a wrong token, -1 when HC's address gave too many wrong ones and
	 * must wait (nothing compared). The host counts and logs failures.
	 */
	int (*staff_by_token)(struct chan *ch, struct host_conn *hc, const char *token, size_t len,
	                      struct adapter_person *out);
	/* The staff member with ID, or 0. */
	int (*staff_by_id)(struct chan *ch, const char *id, struct adapter_person *out);
	/* The service centre's name, for a page's title. */
	const char *(*centre_name)(struct chan *ch);
	/* One HTTP call, made now and waited for (at start, or by fetch_attachment on
	 * the fetching thread). 0 and *STATUS, *BODY (malloc'd, NUL-terminated) when
	 * an answer came, -1 when none did. */
	int (*call_now)(struct chan *ch, const struct adapter_call *call, long *status, char **body,
	                size_t *len);
	/* For a channel that runs its own command (the terminal): */
	/* handles one message in its own transaction; 0, or -1 with ERR set */
	int (*handle)(struct chan *ch, const struct msg_in *in, char *err, size_t errlen);
	/* hands every row waiting for CHAT to EACH and marks them delivered */
	int (*take_waiting)(struct chan *ch, const char *chat, host_payload_fn each, void *ud);
	/* time-driven work that is due (closing, escalating) */
	int (*tick)(struct chan *ch);
	/* Where the configuration came from, for messages. */
	const char *(*config_path)(struct chan *ch);
	/*
	 * USER has a dialog under way in CHAT on this channel (a conversation
	 * that goes on in a thread without naming the bot each time). 1 or 0.
	 */
	int (*conversing)(struct chan *ch, const char *chat, const char *user);
	/*
	 * The channel's client websockets (wsc): open fresh connections (locate
	 * again). The one in use, if any, keeps working until the new one is up
	 * and is closed then. Service thread.
	 */
	void (*ws_renew)(struct chan *ch);
	/* Closes websocket HC (served or client); a client connects again after a backoff. */
	void (*ws_close)(struct host_conn *hc);
	/*
	 * Client link HC is dead when no message comes over it for MS
	 * milliseconds (0: never; pongs do not count): the host then closes it
	 * and connects again, as for a lost link. For a platform whose
	 * heartbeats say how often they come (a OneBot heartbeat's interval).
	 * Served websockets ignore it. Service thread.
	 */
	void (*ws_silence)(struct host_conn *hc, int64_t ms);
	/*
	 * The state of the channel's client link LINK (0 .. wsc.wanted() - 1):
	 * "connected", "connecting", "error: ..." into STATE and how often it
	 * connected into *CONNECTS; 0, or -1 when there is no such link. For
	 * health, where a channel with several links shows each. Service thread.
	 */
	int (*ws_state)(struct chan *ch, int link, char *state, size_t len, long long *connects);
	/*
	 * The answer to relayed call TICKET (see the adapter's relay), once:
	 * STATUS 200 and the platform's answer (BODY, LEN bytes, copied), or
	 * STATUS 0 and NETERR saying why none will come (no connection, the
	 * connection closed). Service thread.
	 */
	void (*relay_done)(struct chan *ch, uint64_t ticket, long status, const char *body,
	                   size_t len, const char *neterr);
	/*
	 * Served websockets (ws), service thread. ws_queued: the bytes of
	 * HC's frames not yet written (a reader that does not read lets them
	 * pile up). ws_refuse: closes HC with close CODE (RFC 6455: 1003 data
	 * it cannot take, 1008 policy, 1009 too big); what waits to be written
	 * is dropped and freed at once, and a peer that does not take the close
	 * frame is cut off a few seconds later (a frame that still comes before
	 * the end is the adapter's to ignore). ws_binary: the message being
	 * handed to ws.message came in binary frames. ws_peer: HC's client
	 * address as the socket says ("203.0.113.7", "2001:db8::1"); 0, or -1.
	 */
	size_t (*ws_queued)(struct host_conn *hc);
	void (*ws_refuse)(struct host_conn *hc, int code);
	int (*ws_binary)(struct host_conn *hc);
	int (*ws_peer)(struct host_conn *hc, char *out, size_t len);
};

/* ---- the table ---------------------------------------------------------------------- */

enum { ROUTE_GET = 1, ROUTE_POST = 2 };

/* An HTTP route a channel owns. */
struct adapter_route {
	const char *path; /* exact; ending in '/': every path under it */
	unsigned methods; /* ROUTE_GET | ROUTE_POST; others get 405 */
	/*
	 * The headers are in, the body is not: 0 to go on, or -1 with ANS filled
	 * to refuse before anything is read (a wrong secret). Optional; HANDLE is
	 * only called after it passed.
	 */
	int (*check)(struct chan *ch, const struct http_req *req, struct http_answer *ans);
	/*
	 * The whole request, authenticated here first (signature over the raw
	 * body) and then parsed: either answer in ANS, or hand back messages in
	 * *OUT (the host owns them) and leave ANS->status 0 to be answered after
	 * the commit.
	 */
	void (*handle)(struct chan *ch, const struct http_req *req, struct http_answer *ans,
	               struct inbound **out);
};

/* A websocket endpoint a channel serves. */
struct adapter_ws {
	const char *path;
	size_t max_message; /* a longer message is answered by too_big and dropped */
	/* A client asks to connect: 0 accepts (*CONN: the adapter's state for it), <0 refuses. */
	int (*open)(struct chan *ch, struct host_conn *hc, const struct http_req *req, void **conn);
	/* One whole message (text frame, reassembled). */
	void (*message)(struct chan *ch, struct host_conn *hc, void *conn, const char *data,
	                size_t len);
	void (*too_big)(struct chan *ch, struct host_conn *hc, void *conn);
	void (*closed)(struct chan *ch, struct host_conn *hc, void *conn);
};

/* Where a client websocket connects: filled by wsc.locate or wsc.located. */
struct adapter_wsc_target {
	char url[1024];                         /* ws:// (loopback only) or wss:// */
	char headers[ADAPTER_MAX_HEADERS][512]; /* "Name: value" lines for the upgrade */
	int nheaders;
};

/*
 * Websockets the host connects out to for the channel (a platform's
 * gateway: Slack's Socket Mode, a OneBot forward websocket per bot account).
 * The host owns the connections and the loop: for each link it finds the
 * URL through locate (and, when that needs an HTTP call, through the host's
 * call machinery and located), connects (TLS for wss://; plain ws:// only to
 * a loopback address), pings an idle link, and connects again after a
 * backoff whenever the link is lost or silent longer than host->ws_silence
 * allows. Frames go out with host->ws_send(hc, text); host->ws_renew asks
 * for fresh links, host->ws_close drops one. LINK numbers the channel's
 * links from 0.
 */
struct adapter_wsc {
	/* How many links the channel keeps in this configuration (0: none). NULL: never. */
	int (*wanted)(const struct chan *ch);
	size_t max_message; /* a longer message closes the link (it is not the platform's) */
	/*
	 * Where to connect (worker thread; ch->conf only): 0 with T filled (a URL
	 * from the configuration), 1 with CALL filled (an HTTP call whose answer
	 * says where, handed to located), -1 when it cannot (not configured).
	 */
	int (*locate)(const struct chan *ch, int link, struct adapter_call *call,
	              struct adapter_wsc_target *t);
	/*
	 * The answer to locate's call (worker thread): 0 with T filled, or -1
	 * with P->again_ms (< 0: after a backoff) and P->state (the channel's
	 * state for /healthz, e.g. "error: invalid_auth").
	 */
	int (*located)(const struct chan *ch, int link, long status, const char *resp, size_t len,
	               long retry_after, const char *neterr, struct adapter_wsc_target *t,
	               struct adapter_poll *p);
	/* Service thread. The link is up (handshake done): *CONN is the adapter's state for it. */
	void (*connected)(struct chan *ch, struct host_conn *hc, int link, void **conn);
	/* One whole text message (reassembled). */
	void (*message)(struct chan *ch, struct host_conn *hc, void *conn, const char *data,
	                size_t len);
	/* The link is gone, whoever closed it; CONN is forgotten after this. */
	void (*closed)(struct chan *ch, struct host_conn *hc, void *conn);
};

#define ADAPTER_MAX_ROUTES 4

struct adapter {
	const char *name; /* the key under "channels", and the channel's name in the store */

	/* -- configuration -- */
	/*
	 * Reads and checks channels.NAME (O, borrowed; NULL when absent) at PATH,
	 * recording every problem in LD. Sets *ENABLED and *CONF (owned by the
	 * caller, freed with config_free). A switched-off channel may leave
	 * variables unset (LAX readers). Required.
	 */
	void (*config)(struct cfg_ld *ld, json_t *o, const char *path, int *enabled, void **conf);
	void (*config_free)(void *conf);
	/* The channel's own staff group, from its configuration, or NULL. */
	const char *(*staff_chat)(const struct chan *ch);

	/* -- people -- */
	/*
	 * Channels whose people read their own queue (the terminal, the web page):
	 * a staff member is the chat "staff:ID" there when staff_reachable says
	 * so, and a chat named "staff" stands for all of them. NULL for platforms,
	 * where chats are the platform's own.
	 */
	int (*staff_reachable)(const struct chan *ch, const struct adapter_person *p);
	/* A person can be written to privately at their user ID (else: mentioned in the
	 * channel's staff chat). */
	int private_chats;
	/*
	 * The staff chat can mention a person by their mobile number: a staff
	 * member with a "phone" and no identity on this channel is mentioned as
	 * "tel:NUMBER" in the payload's mention list.
	 */
	int mention_phone;
	/* The link that opens a private chat with the bot to run COMMAND ("repair"); malloc'd, or
	 * NULL. */
	char *(*private_link)(struct chan *ch, const char *command);

	/* -- life -- */
	/* Before serving (service thread): e.g. ask the platform who the bot is. 0, or -1. */
	int (*start)(struct chan *ch);
	void (*stop)(struct chan *ch);
	/* A line for the operator at start ("web chat at URL/"), into OUT; 0 when none. */
	int (*banner)(struct chan *ch, const char *base_url, char *out, size_t len);
	/* Figures for /healthz, added to OBJ (the channel's object). */
	void (*health)(struct chan *ch, json_t *obj);
	/* A command of its own: `concierge COMMAND ARGS` (the terminal's "chat"). */
	const char *command;
	const char *command_usage; /* "chat --as resident:ID|staff:ID" */
	const char *command_help;  /* one line for `concierge help` */
	int (*run)(struct chan *ch, int argc, char **argv);

	/* -- inbound -- */
	struct adapter_route routes[ADAPTER_MAX_ROUTES]; /* ends at a NULL path */
	struct adapter_ws ws;                            /* ws.path NULL: none */
	struct adapter_wsc wsc;                          /* wsc.wanted NULL: none */
	/* After a commit: the messages the channel's own connections sent are stored (or not). */
	void (*committed)(struct chan *ch, const struct inbound *in);
	int transcript; /* keep a transcript: inbound lines with a record ID, delivered rows */

	/*
	 * -- delivery to readers that are present (web page) instead of the sender --
	 * chat_open: CHAT has a reader now (cheap: asked for every chat with a
	 * fresh outbox row after each commit). Rows wait while it is 0.
	 * CHAT NULL: any reader at all; while none is, the fresh rows are not
	 * even looked for (a reader who comes later gets theirs as it comes).
	 */
	int (*chat_open)(struct chan *ch, const char *chat);
	void (*deliver)(struct chan *ch, const char *chat, const char *payload, int64_t at);

	/* -- the sender: outbox rows as platform calls (sender thread) -- */
	/* Can deliver: switched on and the credentials to send are there. */
	int (*can_send)(const struct chan *ch);
	/* The channel's state when all is well ("polling", "on"). */
	const char *(*base_state)(const struct chan *ch);
	void (*limits)(const struct chan *ch, struct ratelimit_limits *l);
	/* The row is not a message to its chat (it need not wait for the chat's turn). */
	int (*chatless)(const char *payload);
	/* classify may answer ADAPTER_HELD: a message from the chat makes its held rows due. */
	int holds_rows;
	/*
	 * Its senders are paced by the adapter itself (the web chat's pages) or
	 * trusted (the desk's terminal): the host's inbound pace (bot/flood.c)
	 * leaves them alone.
	 */
	int paces_itself;
	/*
	 * The call for part PART of row ROW_ID (PAYLOAD to CHAT). Returns the
	 * number of parts (>= 1; long texts are split), or -1 with ERR when the
	 * row can never be sent.
	 */
	int (*build)(const struct chan *ch, int64_t row_id, const char *chat, const char *payload,
	             int part, struct adapter_call *call, char *err, size_t errlen);
	/* What the answer to a build()'s call means. STATUS 0: none (NETERR says why). */
	void (*classify)(const struct chan *ch, const struct adapter_call *call, long status,
	                 const char *resp, size_t len, long retry_after, const char *neterr,
	                 struct adapter_verdict *v);
	/*
	 * Service thread: makes CALL (a build()'s call with relay set; borrowed
	 * for the call) over a connection the adapter holds, and answers it
	 * later with host->relay_done(ch, TICKET, ...), exactly once, also when
	 * it cannot be made (status 0). The sender stops waiting after the
	 * call's timeout (the row is tried again) and drops a later answer.
	 */
	void (*relay)(struct chan *ch, const struct adapter_call *call, uint64_t ticket);

	/* -- a polling receiver (sender thread, parsed on the service thread) -- */
	/* 1 when the channel receives by polling in this configuration. */
	int (*polls)(const struct chan *ch);
	int (*poll_build)(const struct chan *ch, int64_t offset, struct adapter_call *call);
	void (*poll_result)(const struct chan *ch, long status, const char *resp, size_t len,
	                    long retry_after, const char *neterr, struct adapter_poll *p);
	/*
	 * Service thread: the messages in BATCH, in order, and the offset that
	 * confirms it (*NEXT > 0). Malformed updates are skipped and logged.
	 */
	int (*poll_parse)(struct chan *ch, const char *batch, struct inbound **out, int64_t *next);

	/* -- attachments the platform keeps (a photo's file ID) -- */
	/*
	 * The host's fetching thread, off the event loop, before the message's
	 * commit: the bytes of attachment REF (an inbound's att_ref), fetched
	 * through host->call_now (which may be called from that thread) with
	 * bounded timeouts. 0 with *DATA (malloc'd, the caller frees) and *LEN; 1
	 * when it is larger than MAX bytes (nothing fetched); -1 when it could
	 * not be had.
	 */
	int (*fetch_attachment)(struct chan *ch, const char *ref, size_t max, unsigned char **data,
	                        size_t *len);

	/* -- a call made at start until it succeeds (registering a webhook) -- */
	int (*setup_build)(const struct chan *ch, struct adapter_call *call);
	void (*setup_result)(const struct chan *ch, long status, const char *resp, size_t len,
	                     long retry_after, const char *neterr, struct adapter_poll *p);
};

#endif
