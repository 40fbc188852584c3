/*
 * conns.c - the server's connections in all and per client address (see
 * conns.h): two chained hash tables, one of connections by key, one of the
 * addresses holding at least one connection (an address is freed with its
 * last connection, so a scan of many addresses leaves nothing behind).
 */
#include "bot/conns.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct conns_addr {
	struct conns_addr *next;
	unsigned char addr[CONNS_ADDR_LEN];
	size_t n;
};

struct conns_conn {
	struct conns_conn *next;
	struct conns_conn *wprev, *wnext; /* the waiting list, while state is 0 */
	void *key;
	struct conns_addr *from;
	int state;
};

struct conns {
	size_t max, max_per_addr, n;
	size_t nbuckets; /* a power of two, for both tables */
	struct conns_conn **conn;
	struct conns_addr **addr;
	struct conns_conn *whead, *wtail; /* in state 0, oldest first */
};

static size_t hash_bytes(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29));
}

static size_t hash_key(const void *key)
{
	uint64_t v = (uint64_t)(uintptr_t)key;

	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdull;
	v ^= v >> 33;
	return (size_t)v;
}

struct conns *conns_new(size_t max, size_t max_per_addr)
{
	struct conns *c;
	size_t nb = 64;

	if (!max || !max_per_addr)
		return NULL;
	while (nb < max / 2 && nb < ((size_t)1 << 16))
		nb <<= 1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->max = max;
	c->max_per_addr = max_per_addr;
	c->nbuckets = nb;
	c->conn = calloc(nb, sizeof(struct conns_conn *));
	c->addr = calloc(nb, sizeof(struct conns_addr *));
	if (!c->conn || !c->addr) {
		conns_free(c);
		return NULL;
	}
	return c;
}

void conns_free(struct conns *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; c->conn && i < c->nbuckets; i++) {
		while (c->conn[i]) {
			struct conns_conn *next = c->conn[i]->next;

			free(c->conn[i]);
			c->conn[i] = next;
		}
	}
	for (i = 0; c->addr && i < c->nbuckets; i++) {
		while (c->addr[i]) {
			struct conns_addr *next = c->addr[i]->next;

			free(c->addr[i]);
			c->addr[i] = next;
		}
	}
	free(c->conn);
	free(c->addr);
	free(c);
}

int conns_addr_from(const struct sockaddr *sa, socklen_t len, unsigned char out[CONNS_ADDR_LEN])
{
	static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff},
	                           lo[CONNS_ADDR_LEN] = {[15] = 1};

	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		memcpy(out, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		       CONNS_ADDR_LEN);
		/* One IPv6 client holds a whole /64 (IPv4 inside IPv6 and ::1 stay whole). */
		if (memcmp(out, mapped, sizeof(mapped)) != 0 && memcmp(out, lo, sizeof(lo)) != 0)
			memset(out + 8, 0, 8);
		return 0;
	}
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return 0;
	}
	return -1;
}

static struct conns_addr **addr_slot(const struct conns *c, const unsigned char *addr)
{
	struct conns_addr **a = &c->addr[hash_bytes(addr, CONNS_ADDR_LEN) & (c->nbuckets - 1)];

	while (*a && memcmp((*a)->addr, addr, CONNS_ADDR_LEN) != 0)
		a = &(*a)->next;
	return a;
}

static struct conns_conn **conn_slot(const struct conns *c, const void *key)
{
	struct conns_conn **k = &c->conn[hash_key(key) & (c->nbuckets - 1)];

	while (*k && (*k)->key != key)
		k = &(*k)->next;
	return k;
}

enum conns_verdict conns_check(const struct conns *c, const unsigned char addr[CONNS_ADDR_LEN])
{
	const struct conns_addr *a;

	if (c->n >= c->max)
		return CONNS_FULL;
	a = *addr_slot(c, addr);
	return a && a->n >= c->max_per_addr ? CONNS_ADDR_FULL : CONNS_OK;
}

/* CONN waits for a request: the newest in the list (the oldest is closed first). */
static void wait_append(struct conns *c, struct conns_conn *conn)
{
	conn->wnext = NULL;
	conn->wprev = c->wtail;
	if (c->wtail)
		c->wtail->wnext = conn;
	else
		c->whead = conn;
	c->wtail = conn;
}

static void wait_unlink(struct conns *c, struct conns_conn *conn)
{
	if (conn->state != 0)
		return;
	if (conn->wprev)
		conn->wprev->wnext = conn->wnext;
	else
		c->whead = conn->wnext;
	if (conn->wnext)
		conn->wnext->wprev = conn->wprev;
	else
		c->wtail = conn->wprev;
	conn->wprev = conn->wnext = NULL;
}

int conns_add(struct conns *c, void *key, const unsigned char addr[CONNS_ADDR_LEN])
{
	struct conns_conn **k = conn_slot(c, key), *conn;
	struct conns_addr **a = addr_slot(c, addr);

	if (*k)
		return -1;
	conn = calloc(1, sizeof(*conn));
	if (!conn)
		return -1;
	if (!*a) {
		*a = calloc(1, sizeof(**a));
		if (!*a) {
			free(conn);
			return -1;
		}
		memcpy((*a)->addr, addr, CONNS_ADDR_LEN);
	}
	(*a)->n++;
	conn->key = key;
	conn->from = *a;
	wait_append(c, conn);
	*k = conn;
	c->n++;
	return 0;
}

int conns_remove(struct conns *c, const void *key)
{
	struct conns_conn **k = conn_slot(c, key), *conn = *k;
	struct conns_addr **a;

	if (!conn)
		return 0;
	*k = conn->next;
	wait_unlink(c, conn);
	if (--conn->from->n == 0) {
		a = addr_slot(c, conn->from->addr);
		*a = conn->from->next;
		free(conn->from);
	}
	free(conn);
	c->n--;
	return 1;
}

int conns_state(const struct conns *c, const void *key)
{
	const struct conns_conn *conn = *conn_slot(c, key);

	return conn ? conn->state : -1;
}

void conns_set_state(struct conns *c, const void *key, int state)
{
	struct conns_conn *conn = *conn_slot(c, key);

	if (!conn || state < 0 || state == conn->state)
		return;
	if (state == 0) { /* waiting again: the newest */
		conn->state = 0;
		wait_append(c, conn);
		return;
	}
	wait_unlink(c, conn);
	conn->state = state;
}

void *conns_oldest_waiting(const struct conns *c)
{
	return c->whead ? c->whead->key : NULL;
}

size_t conns_count(const struct conns *c)
{
	return c->n;
}

size_t conns_count_addr(const struct conns *c, const unsigned char addr[CONNS_ADDR_LEN])
{
	const struct conns_addr *a = *addr_slot(c, addr);

	return a ? a->n : 0;
}

size_t conns_max(const struct conns *c)
{
	return c->max;
}

size_t conns_max_per_addr(const struct conns *c)
{
	return c->max_per_addr;
}
