/*
 * registry.h - every channel Concierge speaks, in one compile-time table.
 *
 * The core asks the registry, not a list of names, whether a channel is
 * switched on and how staff are reached on it. The protocol code itself
 * stays in each adapter's own files (telegram*.c, generic.c); the server
 * routes their webhooks and the sender delivers their outbox rows.
 */
#ifndef CONCIERGE_REGISTRY_H
#define CONCIERGE_REGISTRY_H

struct cfg;
struct cfg_staff;

struct adapter {
	const char *name; /* the channel's name in the store and the configuration */
	/* Is it switched on in this configuration? */
	int (*enabled)(const struct cfg *c);
	/*
	 * Channels whose people read their own queue (the terminal, the web page):
	 * each staff member has a personal chat "staff:ID" there, when
	 * staff_reachable says so, and a chat named "staff" stands for all of them.
	 * NULL for platforms, where chats are the platform's own and a person's
	 * private chat is their user ID.
	 */
	int (*staff_reachable)(const struct cfg *c, const struct cfg_staff *s);
};

/* The adapter named NAME, or NULL. */
const struct adapter *adapter_find(const char *name);
/* 1 when CHANNEL is known and switched on (or a configured stub that is on). */
int adapter_enabled(const struct cfg *c, const char *channel);

/* NULL-terminated. */
extern const struct adapter *const adapter_registry[];

#endif
