/*
 * sender_internal.h - what the files of the sender share: the thread's state
 * and its transfers. Only bot/sender*.c include it.
 *
 * Everything outside the mutex block of struct sender belongs to the sender
 * thread alone (from sender_start() handing it over until the join).
 */
#ifndef CONCIERGE_SENDER_INTERNAL_H
#define CONCIERGE_SENDER_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "bot/log.h"
#include "bot/sender.h"

#define SENDER_SCAN_LIMIT      200    /* pending rows read per channel and round */
#define SENDER_MAX_INFLIGHT    8      /* deliveries in flight per channel */
#define SENDER_MAX_ATTEMPTS    12     /* network/5xx failures before a row is dead */
#define SENDER_MAX_RATE_LIMIT  48     /* answers of 429 (or a refused token) before dead */
#define SENDER_BACKOFF_CAP_MS  300000 /* 5 min */
#define SENDER_RATE_SLACK_MS   100    /* rate windows are this much longer than the platform's */
#define SENDER_POLL_CAP_MS     60000  /* long poll backoff cap */
#define SENDER_REFUSED_MS      60000  /* wait after a refused token */
#define SENDER_CONFLICT_MS     5000   /* wait after 409 on getUpdates */
#define SENDER_HANDED_MS       60000  /* a batch not confirmed by then is asked for again */
#define SENDER_SEND_TIMEOUT    30     /* seconds, whole call */
#define SENDER_CONNECT_TIMEOUT 10     /* seconds */
#define SENDER_RESP_MAX        (1u << 20)  /* answer of a send */
#define SENDER_POLL_RESP_MAX   (64u << 20) /* answer of getUpdates */
#define SENDER_MEMO            128
#define SENDER_STATE_LEN       200
#define SENDER_CHAT_LEN        96

enum sender_chan { SENDER_TELEGRAM = 0, SENDER_GENERIC, SENDER_NCHAN };

enum sender_xkind {
	SENDER_X_SEND,    /* one outbox row (or one part of it) */
	SENDER_X_POLL,    /* getUpdates */
	SENDER_X_WEBHOOK, /* setWebhook */
};

/* One HTTP call on the multi handle; CURLOPT_PRIVATE points back here. */
struct sender_xfer {
	struct sender_xfer *next;
	enum sender_xkind kind;
	enum sender_chan ch;
	CURL *easy;
	struct curl_slist *hdrs;
	char *url; /* may hold the token: never logged */
	char *body;
	char *resp; /* the answer so far, NUL-terminated when non-NULL */
	size_t resp_len, resp_cap, resp_max;
	int overflow;
	char errbuf[CURL_ERROR_SIZE];
	/* SENDER_X_SEND: */
	int64_t row_id;
	char chat[SENDER_CHAT_LEN];
	int attempts; /* the row's attempts before this call */
	int part, nparts;
	int chatless; /* not a message to the chat (answerCallbackQuery) */
};

/* What the thread remembers about a row between its calls (lost on restart). */
struct sender_memo {
	int64_t row_id;  /* 0: free */
	int parts_done;  /* parts of a split text already delivered */
	int rate_limits; /* 429s among the row's attempts: they do not count toward dead */
};

struct sender_stats {
	char state[SENDER_STATE_LEN];
	long long sent, failed, retried;
};

enum sender_poll {
	SENDER_POLL_OFF,
	SENDER_POLL_READY,  /* start a getUpdates now */
	SENDER_POLL_BUSY,   /* one is in flight */
	SENDER_POLL_HANDED, /* a batch is with the receiver: wait for sender_poll_done() */
	SENDER_POLL_WAIT,   /* after an error, until poll_at */
};

enum sender_hook {
	SENDER_HOOK_OFF,
	SENDER_HOOK_READY,
	SENDER_HOOK_BUSY,
	SENDER_HOOK_WAIT,
};

struct sender {
	const struct cfg *cfg;
	sender_updates_fn updates;
	void *ud;
	int poll_ms;
	struct store *store;
	CURLM *multi;
	pthread_t thread;
	int thread_started;

	pthread_mutex_t mu;
	/* guarded by mu: */
	int kicked, stopping, grace_ms, multi_alive, done_pending;
	int64_t done_offset;
	struct sender_stats stats[SENDER_NCHAN];

	/* the thread's own: */
	int on[SENDER_NCHAN];
	struct ratelimit *rl[SENDER_NCHAN];
	int inflight[SENDER_NCHAN];
	struct sender_xfer *xfers;
	struct sender_memo memo[SENDER_MEMO];
	unsigned memo_next;
	char seen[SENDER_SCAN_LIMIT][SENDER_CHAT_LEN]; /* chats met in this scan */
	size_t nseen;
	char last429_chat[SENDER_CHAT_LEN]; /* telegram: tells a global 429 from a chat's */
	int64_t last429_until;
	int64_t scan_at, last_prune;
	int scan_now;
	int store_failing;
	int64_t fake_base, mono_base;
	uint32_t rnd;
	const char *tg_base_state; /* "polling", "webhook" or "send-only" */
	enum sender_poll poll;
	int64_t poll_at, offset, saved_offset;
	int poll_errors;
	enum sender_hook hook;
	int64_t hook_at;
	int hook_errors;
};

/* sender.c: clock, randomness, transfers, bookkeeping shared by the channels */
int64_t sender_mono_ms(void);
int64_t sender_wall(struct sender *s);
uint32_t sender_random(struct sender *s);
struct sender_xfer *sender_xfer_new(enum sender_xkind kind, enum sender_chan ch, char *url,
                                    char *body, long timeout_s, size_t resp_max);
int sender_xfer_header(struct sender_xfer *x, const char *header);
int sender_xfer_start(struct sender *s, struct sender_xfer *x);
void sender_xfer_free(struct sender *s, struct sender_xfer *x);
/* Sets the channel's status text; logs it at LEVEL when it changed (LEVEL < 0: silently).
 * 1 when it changed. */
int sender_set_state(struct sender *s, enum sender_chan ch, int level, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
int sender_state_is(struct sender *s, enum sender_chan ch, const char *state);
void sender_wake_at(struct sender *s, int64_t at_ms);
struct sender_memo *sender_memo_find(struct sender *s, int64_t row_id);
struct sender_memo *sender_memo_get(struct sender *s, int64_t row_id);
void sender_memo_forget(struct sender *s, int64_t row_id);
/* Outcomes of one delivery; each updates the store, the counters and the log. */
void sender_row_sent(struct sender *s, struct sender_xfer *x);
void sender_row_retry(struct sender *s, struct sender_xfer *x, const char *error);
/* How long row X waits after a 429: the platform's RETRY_AFTER (seconds) when it gave one,
 * else a backoff over the row's earlier 429s. */
int64_t sender_rate_limit_ms(struct sender *s, const struct sender_xfer *x, long retry_after);
void sender_row_wait(struct sender *s, struct sender_xfer *x, int seconds, const char *error);
void sender_row_dead(struct sender *s, enum sender_chan ch, int64_t id, const char *chat,
                     const char *error);
/* Copies at most N bytes of SRC, cut at a UTF-8 boundary, control characters as spaces. */
void sender_clean_text(char *dst, size_t dstlen, const char *src, size_t n);

/* sender_tg.c: Telegram */
int sender_tg_start_send(struct sender *s, const char *chat, int64_t id, int attempts,
                         const char *payload, int64_t now);
void sender_tg_send_done(struct sender *s, struct sender_xfer *x, long status, long retry_after,
                         const char *neterr);
void sender_tg_poll_start(struct sender *s, int64_t now);
/* The receiver could not commit the batch handed over: poll it again after a backoff. */
void sender_tg_poll_retry(struct sender *s);
void sender_tg_poll_done(struct sender *s, struct sender_xfer *x, long status, long retry_after,
                         const char *neterr);
void sender_tg_hook_start(struct sender *s, int64_t now);
void sender_tg_hook_done(struct sender *s, struct sender_xfer *x, long status, long retry_after,
                         const char *neterr);

/* sender_generic.c: the generic webhook channel */
int sender_gen_start_send(struct sender *s, const char *chat, int64_t id, int attempts,
                          const char *payload, int64_t now);
void sender_gen_send_done(struct sender *s, struct sender_xfer *x, long status, long retry_after,
                          const char *neterr);

#endif
