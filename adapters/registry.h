/*
 * registry.h - every channel Concierge speaks, in one compile-time table.
 *
 * The host walks adapter_registry[] (in this order: configuration, routes,
 * health, delivery) and never names a channel. Adding one is a row in
 * registry.c; see adapters/README.md.
 */
#ifndef CONCIERGE_REGISTRY_H
#define CONCIERGE_REGISTRY_H

#include <stddef.h>

#include "adapters/adapter.h"

/* NULL-terminated, in a fixed order. */
extern const struct adapter *const adapter_registry[];

/* How many adapters there are. */
size_t adapter_count(void);

/* The adapter named NAME, or NULL. */
const struct adapter *adapter_find(const char *name);

#endif
