/*
 * store_dead.h - inbound messages that fail every time (store_dead.c).
 *
 * A message the gateway cannot store (its transaction fails while others
 * go through) is counted here, one row per (channel, message key), in a
 * transaction of its own after the failed one rolled back. After a bounded
 * number of tries it is set aside as a dead letter: the caller then answers
 * the platform as if it had been stored, so the platform stops sending it
 * and the messages after it flow. An operator lists dead letters and replays
 * them (`concierge dead-letters`). Same conventions as store.h: 0 or a
 * negative number, plain values owned by the caller.
 */
#ifndef CONCIERGE_STORE_DEAD_H
#define CONCIERGE_STORE_DEAD_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct store_dead {
	int64_t id;
	char channel[16];
	char msg_key[96];
	char chat[96];
	char reason[300];
	int attempts;
	int64_t first_at, last_at;
	int64_t dead_at;     /* when it was set aside; 0 while it is still retried */
	int64_t replayed_at; /* when an operator replayed it; 0 when not */
	char *raw;           /* the message as JSON: malloc'd by store_dead_get (free it),
	                      * borrowed for the callback of store_dead_list */
};

/*
 * One more failed try of message KEY on CHANNEL (said in CHAT), RAW being the
 * message as JSON and REASON why it failed. Once it has failed MAX_ATTEMPTS
 * times it is set aside. Returns 1 when it is set aside (now or before; its
 * row's ID in *ID), 0 when it was only counted, <0 on error. Rows counting a
 * message that stopped failing are forgotten after a week.
 */
int store_dead_fail(struct store *s, const char *channel, const char *key, const char *chat,
                    const char *raw, const char *reason, int max_attempts, int64_t now,
                    int64_t *id);
/* Message KEY on CHANNEL went through: its count of failed tries (if any) is dropped. */
int store_dead_forget(struct store *s, const char *channel, const char *key);

/* A dead letter to CB; nonzero stops. */
typedef int (*store_dead_cb)(const struct store_dead *d, void *ud);
/* Dead letters, oldest first: those not replayed, or ALL of them. */
int store_dead_list(struct store *s, int all, store_dead_cb cb, void *ud);
/* Dead letter ID into OUT (OUT->raw malloc'd). 1 found, 0 not a dead letter, <0 error. */
int store_dead_get(struct store *s, int64_t id, struct store_dead *out);
/* Dead letter ID was replayed at NOW. 1 marked, 0 none such, <0 error. */
int store_dead_replayed(struct store *s, int64_t id, int64_t now);
/* Dead letters waiting for an operator (not replayed). */
int store_dead_waiting(struct store *s, int64_t *n);

#endif
