/*
 * sender_internal.h - what the files of the sender share: the thread's state
 * and its transfers. Only bot/sender*.c include it.
 *
 *   sender.c       the loop, scanning the outbox, what each answer does to a row
 *   sender_xfer.c  HTTP calls on the multi handle, the row memo, channel states
 *   sender_recv.c  long polls and start-up calls
 *   sender_queue.c the chats with messages waiting, in memory
 *
 * Everything outside the mutex-guarded fields belongs to the sender thread
 * alone (from sender_start() handing it over until the join).
 */
#ifndef CONCIERGE_SENDER_INTERNAL_H
#define CONCIERGE_SENDER_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "adapters/adapter.h"
#include "bot/sender.h"
#include "lib/log.h"

#define SENDER_RESYNC_MS       1000   /* every head read again, at least this far apart */
#define SENDER_FRESH           64     /* heads changed since the last round, visited first */
#define SENDER_MARKS           256    /* rows sent, written as such together */
#define SENDER_MARK_MS         20     /* at most this long after the first of them */
#define SENDER_MAX_INFLIGHT    8      /* deliveries in flight per channel */
#define SENDER_MAX_ATTEMPTS    12     /* network/5xx failures before a row is dead */
#define SENDER_MAX_RATE_LIMIT  48     /* answers of 429 (or refused credentials) before dead */
#define SENDER_BACKOFF_CAP_MS  300000 /* 5 min */
#define SENDER_POLL_CAP_MS     60000  /* long poll backoff cap */
#define SENDER_REFUSED_MS      60000  /* wait after refused credentials */
#define SENDER_DOWN_AFTER      8      /* failures in a row that mean the platform is down */
#define SENDER_DOWN_FIRST_MS   5000   /* then one call after this, doubling up to */
#define SENDER_DOWN_CAP_MS     30000
#define SENDER_HANDED_MS       60000      /* a batch not confirmed by then is asked for again */
#define SENDER_SEND_TIMEOUT    30         /* seconds, whole call */
#define SENDER_CONNECT_TIMEOUT 10         /* seconds */
#define SENDER_RESP_MAX        (1u << 20) /* answer of a send */
#define SENDER_MEMO            128
#define SENDER_STATE_LEN       200
#define SENDER_CHAT_LEN        96

enum sender_xkind {
	SENDER_X_SEND,  /* one outbox row (or one part of it) */
	SENDER_X_POLL,  /* a long poll */
	SENDER_X_SETUP, /* a start-up call */
};

enum sender_recv {
	SENDER_RECV_OFF,
	SENDER_RECV_READY,  /* start a call now */
	SENDER_RECV_BUSY,   /* one is in flight */
	SENDER_RECV_HANDED, /* a batch is with the receiver: wait for sender_poll_done() */
	SENDER_RECV_WAIT,   /* until at */
};

/* A receiver's state: a long poll, or a start-up call. */
struct sender_recv_state {
	enum sender_recv state;
	int64_t at;
	int errors;
};

struct sender_stats {
	char state[SENDER_STATE_LEN];
	long long sent, failed;
	long long retried; /* failed for now (network, 5xx): tried again */
	long long held;    /* held back by the platform's rate limit: tried again */
};

/* A chat's first pending row: the only one of the chat that may go. */
struct sender_head {
	struct sender_head *hnext; /* in its hash bucket */
	size_t at;                 /* its place in the queue's list */
	int64_t id, next_at;
	char chat[SENDER_CHAT_LEN];
};

/* An answer to a pressed button: it waits in no chat's line. */
struct sender_button {
	int64_t id, next_at;
	char chat[SENDER_CHAT_LEN];
};

/* A chat whose head changed, and that head's row. */
struct sender_fresh {
	int64_t id;
	char chat[SENDER_CHAT_LEN];
};

/* A channel's waiting messages as the sender knows them (sender_queue.c). */
struct sender_queue {
	struct sender_head **v; /* every head, walked in turn from CURSOR */
	size_t n, cap;
	struct sender_head **buckets; /* by chat */
	size_t nb;
	struct sender_button *btn;
	size_t nbtn, capbtn;
	char fresh[SENDER_FRESH][SENDER_CHAT_LEN]; /* chats whose head changed */
	size_t nfresh;
	int fresh_lost; /* more changed than FRESH holds */
	size_t cursor;
	size_t pass;       /* heads still to visit in this pass */
	int turn;          /* the pass goes first in this round */
	int64_t hw;        /* the last row read */
	int64_t resync_at; /* clock_mono_ms() of the next reading of every head */
	int synced, resync;
};

/* One channel that sends through the sender. */
struct sender_chan {
	struct chan *ch;
	int on; /* can deliver */
	struct ratelimit *rl;
	int inflight;
	int refused;     /* the state is refused credentials */
	int failures;    /* calls failed in a row (network, 5xx), none delivered since */
	int64_t down_ms; /* > 0: the platform is down; one call at a time, this far apart */
	char last429_chat[SENDER_CHAT_LEN]; /* tells a channel-wide 429 from a chat's */
	int64_t last429_until;
	struct sender_recv_state poll, setup;
	int64_t offset;
	int poll_held; /* this server holds the channel's polling lease (leases.h) */
	struct sender_queue q;
	/* guarded by the sender's mu: */
	struct sender_stats stats;
	int done_pending;
	int64_t done_offset;
};

/* One HTTP call on the multi handle; CURLOPT_PRIVATE points back here. */
struct sender_xfer {
	struct sender_xfer *next;
	enum sender_xkind kind;
	struct sender_chan *sc;
	struct adapter_call call; /* owned: the URL may hold a token, never logged */
	CURL *easy;
	struct curl_slist *hdrs;
	char *resp; /* the answer so far, NUL-terminated when non-NULL */
	size_t resp_len, resp_cap, resp_max;
	int overflow;
	char errbuf[CURL_ERROR_SIZE];
	/* SENDER_X_SEND: */
	int64_t row_id;
	char chat[SENDER_CHAT_LEN];
	int attempts; /* the row's attempts before this call */
	int part, nparts;
	int chatless; /* not a message to the chat */
	/* A relayed call (adapter_call.relay): no easy handle, answered through TICKET. */
	uint64_t ticket;
	int64_t deadline; /* clock_mono_ms() when the sender stops waiting */
};

/* An answer to a relayed call, waiting for the sender thread. */
struct sender_answer {
	struct sender_answer *next;
	uint64_t ticket;
	long status;
	char *body;
	size_t len;
	char neterr[200];
};

/* What the thread remembers about a row between its calls (lost on restart). */
struct sender_memo {
	int64_t row_id;  /* 0: free */
	int parts_done;  /* parts of a split text already delivered */
	int rate_limits; /* 429s among the row's attempts: they do not count toward dead */
};

/* How long a server's claim on an outbox row holds others off (store_outbox_claim). */
#define SENDER_CLAIM_S 120
/* A row another server claimed is looked at again after this long. */
#define SENDER_CLAIM_RETRY_S 2

struct sender {
	const struct cfg *cfg;
	char owner[128]; /* this server's name in claims: the "instance" setting, or host:pid */
	char alive[140]; /* the lease it holds while it lives: "server:<owner>" */
	sender_polled_fn polled;
	sender_relay_fn relay;
	struct leases *leases;
	void *ud;
	int poll_ms;
	struct store *store;
	CURLM *multi;
	pthread_t thread;
	int thread_started;
	struct sender_chan *chans;
	size_t nchans;

	pthread_mutex_t mu;
	/* guarded by mu (with each channel's stats and done_*): */
	int kicked, stopping, grace_ms, multi_alive;
	struct sender_answer *answers; /* to relayed calls, oldest first */

	/* the thread's own: */
	struct sender_xfer *xfers;
	int64_t marks[SENDER_MARKS]; /* rows sent, not yet written so (sender_queue.c) */
	size_t nmarks;
	int64_t marks_due; /* clock_mono_ms() by when they are written */
	struct sender_memo memo[SENDER_MEMO];
	unsigned memo_next;
	int64_t scan_at, last_prune;
	int scan_now;
	int new_rows; /* rows may have come since the last read: a kick, a fallback */
	int store_failing;
	uint32_t rnd;
	uint64_t tickets; /* the last relayed call's */
};

/* sender_xfer.c: transfers, randomness, states, the memo */
uint32_t sender_random(struct sender *s);
/* A transfer of CALL (taken, even on failure); NULL when out of memory. A relayed
 * call (CALL->relay) has no easy handle: sender_xfer_start() hands it over. */
struct sender_xfer *sender_xfer_new(enum sender_xkind kind, struct sender_chan *sc,
                                    struct adapter_call *call);
/* Takes X: on failure it is freed. */
int sender_xfer_start(struct sender *s, struct sender_xfer *x);
void sender_xfer_free(struct sender *s, struct sender_xfer *x);
/* Sets the channel's status text; logs it when it changed (LEVEL < 0: silently). 1 when it
 * changed. */
int sender_set_state(struct sender *s, struct sender_chan *sc, int level, const char *state);
void sender_wake_at(struct sender *s, int64_t at_ms);
struct sender_memo *sender_memo_find(struct sender *s, int64_t row_id);
struct sender_memo *sender_memo_get(struct sender *s, int64_t row_id);
void sender_memo_forget(struct sender *s, int64_t row_id);
void sender_count(struct sender *s, long long *field);

/* sender_queue.c: the rows waiting, in memory */
/*
 * Every head again when due, else the rows added since the last read when
 * NEWS says some may have come. 0, or -1 (store error).
 */
int sender_queue_read(struct sender *s, struct sender_chan *sc, int64_t now, int news);
/* Row ID of CHAT had its call (whatever came of it): CHAT's head read again. */
int sender_queue_done(struct sender *s, struct sender_chan *sc, const char *chat, int64_t id);
/*
 * Row ID was sent: written so with others within SENDER_MARK_MS (one
 * transaction, and the service thread seldom waits for the sender's lock).
 * Until then the queue skips it. sender_marks_write() writes them now (when
 * DUE_ONLY, only once their time came); it is done before every head is read
 * again and when the thread stops.
 */
void sender_mark_sent(struct sender *s, int64_t id);
int sender_marked(const struct sender *s, int64_t id);
void sender_marks_write(struct sender *s, int due_only, int64_t now);
struct sender_head *sender_queue_find(struct sender_queue *q, const char *chat);
/* CHAT's head is visited first in the next round. */
void sender_queue_fresh(struct sender_queue *q, const char *chat);
void sender_queue_free(struct sender_queue *q);

/* sender_recv.c: long polls and start-up calls */
void sender_recv_init(struct sender *s, struct sender_chan *sc);
void sender_recv_round(struct sender *s, int64_t now);
void sender_recv_done(struct sender *s, struct sender_xfer *x, long status, long retry_after,
                      const char *neterr);
/* The receiver committed (NEXT > 0) or lost (0) the batch handed over. */
void sender_recv_confirmed(struct sender *s, struct sender_chan *sc, int64_t next);
/* How long the loop may sleep for the receivers, at most T. */
int64_t sender_recv_wait(struct sender *s, int64_t now, int64_t t);
/* Stops the receivers (they have nothing to lose). */
void sender_recv_drop(struct sender *s);

#endif
