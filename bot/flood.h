/*
 * flood.h - inbound pace per person and per chat (flood.c).
 */
#ifndef CONCIERGE_FLOOD_H
#define CONCIERGE_FLOOD_H

#include <stdint.h>

#define FLOOD_USER_PER_SEC 10  /* messages of one person on one channel, in any second */
#define FLOOD_USER_PER_MIN 60  /* ... in any minute */
#define FLOOD_CHAT_PER_MIN 200 /* of one chat (a group: everyone in it), in any minute */

enum { FLOOD_PASS, FLOOD_TELL, FLOOD_DROP };

struct flood;

/* NULL when out of memory. */
struct flood *flood_new(void);
void flood_free(struct flood *f);

/*
 * Counts a message of USER in CHAT on CHANNEL at NOW_MS (a monotonic clock):
 * FLOOD_PASS within the budgets (a message without a sender always), else
 * FLOOD_TELL for the first over them in a minute (answer it with a notice),
 * FLOOD_DROP for the others (acknowledge, do not store).
 */
int flood_check(struct flood *f, const char *channel, const char *chat, const char *user,
                int64_t now_ms);

/* The notice, in the language LANG hints at ("en...": English, else Chinese). */
const char *flood_notice(const char *lang);

#endif
