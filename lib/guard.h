/*
 * guard.h - failed token attempts per client address, as pure code.
 *
 * Someone guessing staff tokens gets GUARD_FREE wrong tries at full speed;
 * the GUARD_FREE-th and each further wrong one shut the address out for a
 * while that doubles with every failure (1 s, 2 s, 4 s ... up to
 * GUARD_MAX_MS), and nothing from there is even compared until the wait is
 * over. An address is forgotten
 * GUARD_FORGET_MS after its last failure. A right token does not wipe the
 * count, so one's own token does not buy more guesses at another's.
 *
 * The table is bounded: once it holds GUARD_KEYS addresses and none can be
 * forgotten yet, every new address shares one entry, so a crowd of
 * addresses is slowed together rather than let through. Nothing here reads
 * a clock: times are milliseconds on a monotonic scale, passed in. Not
 * thread-safe (the server's service thread owns it).
 */
#ifndef CONCIERGE_GUARD_H
#define CONCIERGE_GUARD_H

#include <stddef.h>
#include <stdint.h>

#define GUARD_FREE      5
#define GUARD_MAX_MS    (15 * 60 * 1000)
#define GUARD_FORGET_MS (60 * 60 * 1000)
#define GUARD_KEYS      4096

struct guard;

/* NULL when out of memory. */
struct guard *guard_new(void);
void guard_free(struct guard *g);

/* Milliseconds before KEY (a client address) may try a token at NOW; 0: now. */
int64_t guard_wait(struct guard *g, const char *key, int64_t now);

/*
 * KEY gave a wrong token at NOW. Returns how many failures it has now
 * (counted since it was last forgotten).
 */
int guard_fail(struct guard *g, const char *key, int64_t now);

/*
 * KEY was refused at NOW (guard_wait() said wait): counts it. Returns how
 * many times it was refused since its last failure, so a caller can log the
 * first refusal and not a flood of them.
 */
long guard_refused(struct guard *g, const char *key, int64_t now);

/* How many addresses are remembered (for tests). */
size_t guard_keys(const struct guard *g);

#endif
