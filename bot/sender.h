/*
 * sender.h - the outbox sender: one thread that owns a libcurl multi handle.
 *
 * It delivers the due outbox rows of every channel that sends through it
 * (an adapter with build/classify) within that channel's rate limits, keeps
 * the messages of one chat in order, retries network errors and 5xx with
 * exponential backoff and jitter, honours the platform's retry-after, moves
 * rows to a chat's new ID, and keeps other refusals as dead letters with the
 * platform's description. It looks at the outbox table now and then, so rows
 * written by other processes (`concierge chat` at a desk) go out too.
 *
 * For channels that receive by polling it runs the long poll and hands each
 * batch to the service thread, and it makes each channel's start-up call
 * (registering a webhook) until it succeeds.
 *
 * It has its own store connection (SQLite connections are not shared between
 * threads). Rows of channels whose readers are present (a desk console, an
 * open page) are not its business.
 */
#ifndef CONCIERGE_SENDER_H
#define CONCIERGE_SENDER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct adapter_call;
struct cfg;
struct chan;
struct sender;

/*
 * Called on the sender thread with one polled batch of CH (ownership of
 * BATCH passes to the callee: free() it). The receiver parses and commits
 * the batch, then calls sender_poll_done() with the offset that confirms
 * it; the next poll of CH waits for that.
 */
typedef void (*sender_polled_fn)(void *ud, struct chan *ch, char *batch);

/*
 * Called on the sender thread with a call of CH that goes over a connection
 * the adapter holds (adapter_call.relay; CALL is the callee's, released with
 * adapter_call_release()): the receiver hands it to CH's relay() on the
 * service thread with TICKET, and the answer comes back through
 * sender_relay_done().
 */
typedef void (*sender_relay_fn)(void *ud, struct chan *ch, struct adapter_call *call,
                                uint64_t ticket);

struct sender_opts {
	const struct cfg *cfg;   /* borrowed; outlives the sender */
	const char *db_path;     /* the store file */
	sender_polled_fn polled; /* NULL: no polling */
	sender_relay_fn relay;   /* NULL: relayed calls fail (and are tried again) */
	struct leases
	        *leases; /* leases.h: a channel's long poll runs where "poll:<channel>" is held */
	void *ud;
	int poll_ms; /* how often to look at the table; default 1000 */
};

/* Starts the thread. NULL on failure with ERR set. */
struct sender *sender_start(const struct sender_opts *o, char *err, size_t errlen);
/* Something was queued: look at the outbox now. Thread-safe; never blocks. */
void sender_kick(struct sender *s);
/* This server's name in outbox claims (the "instance" setting, or host:pid). */
const char *sender_owner(const struct sender *s);
/*
 * The batch of CHANNEL handed over was committed; confirm up to NEXT_OFFSET.
 * 0 means it was not: poll again from the old offset. Thread-safe.
 */
void sender_poll_done(struct sender *s, const char *channel, int64_t next_offset);
/*
 * The answer to relayed call TICKET: STATUS 200 and BODY (LEN bytes, copied),
 * or STATUS 0 and NETERR. An answer to a call the sender no longer waits for
 * (timed out, stopping) is dropped. Thread-safe.
 */
void sender_relay_done(struct sender *s, uint64_t ticket, long status, const char *body, size_t len,
                       const char *neterr);
/*
 * Stops taking new rows, lets the calls in flight finish (at most GRACE_MS),
 * joins the thread and frees everything.
 */
void sender_stop(struct sender *s, int grace_ms);

/*
 * A snapshot for /healthz: adds to CHANNELS one object per channel that
 * sends through the sender: {"state":S,"sent":N,"failed":N,"retried":N},
 * S being "off", "starting", the channel's state when all is well
 * ("polling", "webhook", "on") or "error: <what the platform said>".
 * Thread-safe.
 */
void sender_status(struct sender *s, json_t *channels);

/* What the sender did for one channel since it started. */
struct sender_figures {
	long long sent;    /* delivered */
	long long retried; /* a network error or 5xx: to be tried again */
	long long held;    /* held back by the platform's rate limit (429): tried again */
	long long dead;    /* given up on: dead letters */
};
/*
 * Calls FN once per channel that sends through the sender, with its
 * figures, under the sender's mutex (FN must not call the sender).
 * Thread-safe.
 */
typedef void (*sender_figures_fn)(const char *channel, const struct sender_figures *f, void *ud);
void sender_figures(struct sender *s, sender_figures_fn fn, void *ud);

/*
 * CALL made now on the calling thread and waited for, set up as the sender's
 * own calls are (same headers, caps and timeouts). 0 with *STATUS and *BODY
 * (malloc'd, NUL-terminated, or NULL when empty; the caller frees it) when an
 * answer came, -1 when none did. CALL stays the caller's.
 */
int sender_call_now(const struct adapter_call *call, long *status, char **body, size_t *len);
/*
 * From now on sender_call_now() fails, and calls in progress on any thread
 * give up within about a second. For stopping. Thread-safe.
 */
void sender_call_now_abort(void);

#endif
