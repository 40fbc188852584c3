/*
 * dead.h - inbound messages that fail every time: counted, set aside as dead
 * letters after DEAD_ATTEMPTS tries, and replayed by an operator.
 *
 * A message whose own transaction fails while the store works (a constraint
 * its content breaks, a bug it alone reaches) would otherwise come back
 * forever: a webhook's platform retries what was answered 5xx, and a long
 * poll does not confirm its batch, so every update after it waits too. The
 * group commit (batch.c) calls dead_fail() after such a failure; once the
 * message failed DEAD_ATTEMPTS times it is kept in the store (channel, the
 * message as JSON, the reason, when) and answered as stored: the platform
 * stops, the poll's offset moves past it, the messages after it flow. The
 * count is written in a transaction of its own, so when the whole store is
 * failing (a full disk) nothing is counted and nothing is set aside.
 */
#ifndef CONCIERGE_DEAD_H
#define CONCIERGE_DEAD_H

#include <stddef.h>
#include <stdint.h>

#include "lib/msg.h"

struct core;
struct store;

#define DEAD_ATTEMPTS 5            /* tries before a message is set aside */
#define DEAD_TEXT_MAX (32u * 1024) /* bytes of text kept (cut on a character boundary) */

/*
 * IN failed (REASON) at NOW, outside any transaction: counts the try. 1 when
 * IN is set aside (logged; IN->dead set), 0 when it should be tried again,
 * <0 when not even the count could be stored.
 */
int dead_fail(struct store *s, struct inbound *in, const char *reason, int64_t now);
/* IN went through after a failure: forgets its count (best effort). */
void dead_forget(struct store *s, const struct inbound *in);

/*
 * Replays dead letter ID through CORE in a transaction of its own, as the
 * message would have been handled (de-duplication, a group's move, the
 * dialog); the running server delivers what it queued. 0 when it went
 * through (marked replayed), 1 when there is no such dead letter waiting,
 * <0 when it failed again (ERR says why; it stays a dead letter).
 */
int dead_replay(struct store *s, struct core *core, int64_t id, int64_t now, char *err,
                size_t errlen);

/* The message as JSON (malloc'd), at most about DEAD_TEXT_MAX of text; NULL when out of memory. */
char *dead_encode(const struct inbound *in);
/* The message JSON RAW stood for (inbound_free() it), or NULL. */
struct inbound *dead_decode(const char *raw);

#endif
