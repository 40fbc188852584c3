/*
 * leases.h - what only one of several servers sharing a database may do at
 * a time: run the timers (follow-up sampling, auto-close, reminders), hold a
 * link that must be single (a client websocket, Telegram's long poll).
 *
 * A thread of its own holds each lease through its own connection (a lock
 * the database frees when that connection ends, store_lease_try), checks
 * every second that it still holds them and tries for those it lacks. So a
 * server killed outright gives its leases up at once and another takes them
 * within about a second. A server whose event loop stops turning
 * (leases_beat) for LEASES_FENCE_MS, or that cannot reach the database for
 * as long, stops counting on its leases and gives them up, so two servers
 * never both act as the holder for long.
 *
 * On a SQLite file (store_shared() is 0) there is one server: leases_start()
 * returns NULL, and leases_held(NULL, ...) is always 1.
 */
#ifndef CONCIERGE_LEASES_H
#define CONCIERGE_LEASES_H

#include <stddef.h>
#include <stdint.h>

struct store;

#define LEASES_MAX      64
#define LEASES_NAME_LEN 160
/* A loop silent this long, or a database unreachable this long, gives its leases up. */
#define LEASES_FENCE_MS 5000
/* How often the thread checks and tries. */
#define LEASES_EVERY_MS 1000

/* The lease of the timers (core_tick). */
#define LEASE_TIMERS "timers"

struct leases;

/*
 * Starts the lease thread on its own connection to TARGET (the database
 * S was opened on), or returns NULL with *ERR empty when S is not shared.
 * NULL with ERR set on failure.
 */
struct leases *leases_start(struct store *s, const char *target, char *err, size_t errlen);
void leases_stop(struct leases *l);

/*
 * 1 while this server holds lease NAME. The first call for a name asks for
 * it (the thread tries within LEASES_EVERY_MS); until then it is 0.
 * Thread-safe. L NULL (one server): 1.
 */
int leases_held(struct leases *l, const char *name);
/* Stops asking for NAME and gives it up if held. */
void leases_release(struct leases *l, const char *name);
/* The event loop turned: call at least every second while it runs. */
void leases_beat(struct leases *l);

/*
 * The database's role and replication lag as the thread last read them
 * (store_db_status, every round): 1 when known, 0 when not (yet, or the
 * database did not answer). Thread-safe.
 */
int leases_db_status(struct leases *l, int *standby, int64_t *lag_ms);

/* Up to MAX names of the leases held, for /healthz; the number written. */
size_t leases_list(struct leases *l, char names[][LEASES_NAME_LEN], size_t max);

#endif
