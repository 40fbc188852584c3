/*
 * sender.h - the outbox sender: one thread that owns a libcurl multi handle.
 *
 * It delivers due outbox rows of the network channels (telegram, generic)
 * with per-channel rate limits, keeps the messages of one chat in order,
 * retries network errors and 5xx with exponential backoff and jitter,
 * honours retry_after / Retry-After on 429, and keeps other 4xx as dead
 * letters with the platform's description. It polls the outbox table now and
 * then, so rows written by other processes (`concierge chat` at a desk) go out
 * too. For Telegram in polling mode it also runs the getUpdates long poll and
 * hands every batch of updates to the service thread through a callback.
 *
 * It has its own store connection (SQLite connections are not shared between
 * threads). Rows on the terminal and web channels are not its business: the
 * terminal prints them, the web server pushes them to open websockets.
 */
#ifndef CONCIERGE_SENDER_H
#define CONCIERGE_SENDER_H

#include <stddef.h>
#include <stdint.h>

struct cfg;
struct sender;

/*
 * Called on the sender thread with one batch of raw Telegram updates (the
 * JSON array "result" of getUpdates, as text; ownership passes to the callee,
 * free() it). The receiver must process the batch and then call
 * sender_poll_done() with the offset to confirm (last update_id + 1) once the
 * batch is committed; the next getUpdates waits for that.
 */
typedef void (*sender_updates_fn)(void *ud, char *updates_json, size_t len);

struct sender_opts {
	const struct cfg *cfg;     /* borrowed; outlives the sender */
	const char *db_path;       /* the store file */
	sender_updates_fn updates; /* NULL unless Telegram polls */
	void *ud;
	int poll_ms; /* how often to look at the table; default 1000 */
};

/* Starts the thread. NULL on failure with ERR set. */
struct sender *sender_start(const struct sender_opts *o, char *err, size_t errlen);
/* Something was queued: look at the outbox now. Thread-safe; never blocks. */
void sender_kick(struct sender *s);
/*
 * The batch of updates handed over was committed; confirm up to NEXT_OFFSET.
 * 0 means it was not: poll again from the old offset. Thread-safe.
 */
void sender_poll_done(struct sender *s, int64_t next_offset);
/*
 * Stops taking new rows, lets the calls in flight finish (at most GRACE_MS),
 * joins the thread and frees everything.
 */
void sender_stop(struct sender *s, int grace_ms);

/*
 * A snapshot for /healthz, as a JSON object in OUT:
 *   {"telegram":{"state":S,"sent":N,"failed":N,"retried":N},"generic":{...}}
 * where S is "off", "starting", "polling", "webhook", "send-only", "on" or
 * "error: <what the platform said>". Thread-safe.
 */
void sender_status_json(struct sender *s, char *out, size_t outlen);

#endif
