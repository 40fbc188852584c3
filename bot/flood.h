/*
 * flood.h - inbound pace per person and per chat (flood.c).
 */
#ifndef CONCIERGE_FLOOD_H
#define CONCIERGE_FLOOD_H

#include <stdint.h>

enum { FLOOD_PASS, FLOOD_TELL, FLOOD_DROP };

struct flood;

/*
 * PER_SEC and PER_MIN messages of one sender on one channel in any second and
 * any minute, CHAT_PER_MIN of one chat (a group: everyone in it) in any
 * minute; 0 leaves that one out. NULL when out of memory.
 */
struct flood *flood_new(int per_sec, int per_min, int chat_per_min);
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
