/*
 * clock.h - the program's one clock.
 *
 * Every part of Concierge - the core, the timers, the sender's retries and
 * rate limits, the chat pages' pacing - reads time here, so a test can move
 * all of them at once. Two readings come from one source:
 *   clock_now()     wall time, Unix seconds, for what is stored and shown;
 *   clock_mono_ms() milliseconds on a scale that never goes backwards, for
 *                   waits, windows and backoff.
 *
 * CONCIERGE_NOW sets the source at the first reading:
 *   CONCIERGE_NOW=T      the wall clock stands still at T (Unix seconds), so a
 *                        scripted `concierge chat` stamps every line alike;
 *   CONCIERGE_NOW=@FILE  the wall clock starts at the time written in FILE
 *                        (Unix seconds, fractions allowed) and runs on; when
 *                        the file is rewritten it jumps to the new time. A
 *                        running server is moved forward this way, and the
 *                        monotonic clock jumps with it, so a 60-second
 *                        backoff is over the moment a test moves time on.
 * Without it, both are the system's clocks. Thread-safe.
 */
#ifndef CONCIERGE_CLOCK_H
#define CONCIERGE_CLOCK_H

#include <stdint.h>

enum clock_kind {
	CLOCK_WALL_MS, /* Unix time in milliseconds */
	CLOCK_MONO_MS, /* monotonic milliseconds */
};

/* A source of time: returns the reading of KIND. */
typedef int64_t (*clock_source_fn)(enum clock_kind kind);

/* Unix seconds. */
int64_t clock_now(void);
/* Unix milliseconds. */
int64_t clock_now_ms(void);
/* Monotonic milliseconds. */
int64_t clock_mono_ms(void);
/*
 * The machine's monotonic milliseconds, whatever source or CONCIERGE_NOW
 * says: for limits on real waiting (a lock's wait, a stalled loop), which a
 * test moving the program's clock must not end.
 */
int64_t clock_real_ms(void);
/*
 * Monotonic microseconds, on the scale of clock_mono_ms() (times 1000), for
 * measuring how long something took (request latency). A source set with
 * clock_set_source() only has milliseconds: its reading times 1000.
 */
int64_t clock_mono_us(void);

/*
 * Replaces the source (NULL: back to CONCIERGE_NOW or the system's clocks).
 * For unit tests; call it before any thread reads the clock.
 */
void clock_set_source(clock_source_fn fn);

#endif
