/*
 * ratelimit.h - pacing of outbound platform calls, as pure code.
 *
 * Sliding-window limits per chat, per group chat and over the whole channel
 * (a bot platform's "1 message/s per chat, 20/min per group, 30/s overall",
 * a group robot's "20/min for the robot as a whole", webhook robots that
 * are one chat each with "100/min and 5/s per robot"), holds that stop a
 * chat or the whole channel until a time (after a 429), and the retry
 * backoff with jitter. Nothing here reads a clock: every time is passed in,
 * in milliseconds on any monotonic scale, and must not go backwards between
 * calls. The randomness of the jitter is passed in too.
 */
#ifndef CONCIERGE_RATELIMIT_H
#define CONCIERGE_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

/*
 * A value <= 0 means no limit of that kind. Fill it with designated
 * initialisers: fields are only ever added at the end.
 */
struct ratelimit_limits {
	int per_chat_per_sec;
	int per_group_per_min; /* a group is a chat whose ID starts with '-' */
	int global_per_sec;
	int margin_ms; /* added to every window: the platform counts arrivals, not our starts */
	int global_per_min;   /* over the whole channel, every chat and chatless call counted */
	int per_chat_per_min; /* each chat alone (a webhook robot per group: 20/min per robot) */
};

struct ratelimit;

/* NULL when out of memory. Limits above 1,000,000 are taken as 1,000,000. */
struct ratelimit *ratelimit_new(const struct ratelimit_limits *l);
void ratelimit_free(struct ratelimit *rl);

/*
 * Milliseconds to wait before a call to CHAT may start at NOW; 0 means it may
 * start now. CHAT NULL is a call that is not a message to a chat (answering a
 * button press): only the global windows and the channel hold apply.
 */
int64_t ratelimit_wait(struct ratelimit *rl, const char *chat, int64_t now);

/* A call to CHAT (or NULL, as above) starts at NOW. 0, or -1 out of memory. */
int ratelimit_take(struct ratelimit *rl, const char *chat, int64_t now);

/*
 * Nothing goes to CHAT before UNTIL; CHAT NULL holds the whole channel. A
 * hold only ever grows. 0, or -1 out of memory.
 */
int ratelimit_hold(struct ratelimit *rl, const char *chat, int64_t until);

/* Forgets the chats that have nothing left in their windows or holds at NOW. */
void ratelimit_prune(struct ratelimit *rl, int64_t now);

/* How many chats are remembered (for tests). */
size_t ratelimit_chats(const struct ratelimit *rl);

/*
 * Delay before retry number ATTEMPT (0 for the first retry): 1 s doubling up
 * to CAP_MS, then scaled by a jitter between 0.5 and 1.5 taken from RND
 * (uniform over 0..UINT32_MAX). Never less than 1 ms.
 */
int64_t ratelimit_backoff_ms(int attempt, int64_t cap_ms, uint32_t rnd);

#endif
