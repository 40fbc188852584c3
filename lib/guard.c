/*
 * guard.c - failed token attempts per client address; see guard.h.
 *
 * A small chained hash table of addresses, each with its failure count, the
 * time of its last failure and the time until which it is shut out.
 */
#include "lib/guard.h"

#include <stdlib.h>
#include <string.h>

#define BUCKETS  512
#define OVERFLOW "*"

struct guard_key {
	struct guard_key *next;
	int fails;
	long refused;  /* since the last failure */
	int64_t last;  /* the last failure */
	int64_t until; /* no try before this */
	char id[];
};

struct guard {
	struct guard_key *b[BUCKETS];
	size_t n;
};

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % BUCKETS;
}

struct guard *guard_new(void)
{
	return calloc(1, sizeof(struct guard));
}

void guard_free(struct guard *g)
{
	struct guard_key *k, *next;
	size_t i;

	if (!g)
		return;
	for (i = 0; i < BUCKETS; i++) {
		for (k = g->b[i]; k; k = next) {
			next = k->next;
			free(k);
		}
	}
	free(g);
}

/* Drops the addresses whose last failure is GUARD_FORGET_MS old (and not shut out). */
static void prune(struct guard *g, int64_t now)
{
	struct guard_key **pp, *k;
	size_t i;

	for (i = 0; i < BUCKETS; i++) {
		for (pp = &g->b[i]; (k = *pp);) {
			if (now - k->last >= GUARD_FORGET_MS && k->until <= now) {
				*pp = k->next;
				free(k);
				g->n--;
			} else {
				pp = &k->next;
			}
		}
	}
}

static struct guard_key *find(const struct guard *g, const char *key)
{
	struct guard_key *k;

	for (k = g->b[hash(key)]; k; k = k->next)
		if (strcmp(k->id, key) == 0)
			return k;
	return NULL;
}

static struct guard_key *add(struct guard *g, const char *key)
{
	size_t len = strlen(key);
	struct guard_key *k = calloc(1, sizeof(*k) + len + 1);
	unsigned h = hash(key);

	if (!k)
		return NULL;
	memcpy(k->id, key, len + 1);
	k->next = g->b[h];
	g->b[h] = k;
	g->n++;
	return k;
}

/* KEY's entry; when it has none, the shared one's (if it is in use, or the table full). */
static struct guard_key *entry(const struct guard *g, const char *key)
{
	struct guard_key *k = find(g, key);

	return k ? k : g->n >= GUARD_KEYS ? find(g, OVERFLOW) : NULL;
}

int64_t guard_wait(struct guard *g, const char *key, int64_t now)
{
	struct guard_key *k = entry(g, key);

	if (!k || now - k->last >= GUARD_FORGET_MS)
		return 0;
	return k->until > now ? k->until - now : 0;
}

int guard_fail(struct guard *g, const char *key, int64_t now)
{
	struct guard_key *k = find(g, key);
	int64_t wait;

	if (!k) {
		if (g->n >= GUARD_KEYS)
			prune(g, now);
		if (g->n >= GUARD_KEYS)
			key = OVERFLOW;
		k = find(g, key);
		if (!k)
			k = add(g, key);
		/* Out of memory: the shared entry, made when the table was still small. */
		if (!k && !(k = find(g, OVERFLOW)))
			return GUARD_FREE + 1;
	}
	if (now - k->last >= GUARD_FORGET_MS && k->until <= now)
		k->fails = 0;
	k->fails++;
	k->refused = 0;
	k->last = now;
	if (k->fails >= GUARD_FREE) {
		int shift = k->fails - GUARD_FREE;

		wait = shift >= 20 ? GUARD_MAX_MS : (int64_t)1000 << shift;
		if (wait > GUARD_MAX_MS)
			wait = GUARD_MAX_MS;
		k->until = now + wait;
	}
	return k->fails;
}

long guard_refused(struct guard *g, const char *key, int64_t now)
{
	struct guard_key *k = entry(g, key);

	if (!k || now - k->last >= GUARD_FORGET_MS)
		return 0;
	return ++k->refused;
}

size_t guard_keys(const struct guard *g)
{
	return g->n;
}
