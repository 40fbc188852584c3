/*
 * conns.h - the connections the server holds, counted in all and per client
 * address, so that a crowd of clients (or one client opening socket after
 * socket) is refused at a cap instead of running the process out of file
 * descriptors.
 *
 * A connection is known by an opaque key (the server uses its struct lws)
 * and carries one int of state for its owner; state 0 is "waiting" (for the
 * server: its request's headers are not in yet), and the waiting connections
 * are kept in the order they came, so that the oldest can make room for a
 * newcomer when the table is full. Addresses are 16 bytes: IPv6,
 * or IPv4 as an IPv4-mapped IPv6 address (conns_addr_from()). Not
 * thread-safe: the server's service thread owns it.
 */
#ifndef CONCIERGE_CONNS_H
#define CONCIERGE_CONNS_H

#include <stddef.h>
#include <sys/socket.h>

#define CONNS_ADDR_LEN 16

enum conns_verdict {
	CONNS_OK = 0,
	CONNS_FULL = 1,      /* the total cap is reached */
	CONNS_ADDR_FULL = 2, /* this address holds its share */
};

struct conns;

/* A table taking at most MAX connections, MAX_PER_ADDR from one address (both > 0). */
struct conns *conns_new(size_t max, size_t max_per_addr);
void conns_free(struct conns *c);

/*
 * The client address of SA (LEN bytes) as 16 bytes in OUT: 0, or -1 for a
 * family other than IPv4/IPv6. An IPv6 address stands for its /64 (what one
 * subscriber is given); IPv4 (mapped or not) and ::1 stand for themselves.
 */
int conns_addr_from(const struct sockaddr *sa, socklen_t len, unsigned char out[CONNS_ADDR_LEN]);

/* Whether one more connection from ADDR may be taken now. */
enum conns_verdict conns_check(const struct conns *c, const unsigned char addr[CONNS_ADDR_LEN]);
/*
 * Counts connection KEY from ADDR, with state 0 (the caller asked
 * conns_check() first; this does not refuse). 0, or -1 out of memory or KEY
 * already counted.
 */
int conns_add(struct conns *c, void *key, const unsigned char addr[CONNS_ADDR_LEN]);
/* Forgets KEY: 1, or 0 when it was not counted. */
int conns_remove(struct conns *c, const void *key);
/* KEY's state, or -1 when it is not counted. */
int conns_state(const struct conns *c, const void *key);
/* Sets KEY's state (>= 0); a connection that leaves state 0 is no longer waiting. */
void conns_set_state(struct conns *c, const void *key, int state);
/* The key of the connection waiting longest in state 0 (as conns_add() was given it), or NULL. */
void *conns_oldest_waiting(const struct conns *c);

size_t conns_count(const struct conns *c);
/* How many connections ADDR holds. */
size_t conns_count_addr(const struct conns *c, const unsigned char addr[CONNS_ADDR_LEN]);
size_t conns_max(const struct conns *c);
size_t conns_max_per_addr(const struct conns *c);

#endif
