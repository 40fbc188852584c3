/*
 * ratelimit.c - sliding-window pacing and retry backoff; see ratelimit.h.
 *
 * Each window is a ring of the start times of the last N calls, so a limit of
 * N calls per W ms is exact: a call may start when the N-th most recent one
 * is at least W old. A per-second and a per-minute limit over the same calls
 * share one ring. A ring grows with the calls inside its longest window, up
 * to the larger limit, and reuses the places of calls older than that: a
 * chat that writes now and then holds a few entries whatever its limit, and
 * a lifted limit (a million a second) costs what the traffic does. Chats are
 * kept in a small chained hash table and dropped by ratelimit_prune() once
 * idle, so memory follows the chats recently used.
 */
#include "lib/ratelimit.h"

#include <stdlib.h>
#include <string.h>

#define RL_BUCKETS   512
#define RL_MAX_LIMIT 1000000
#define RL_FIRST_CAP 4
#define SEC_MS       1000
#define MIN_MS       60000

/* The start times of the last N calls, oldest at HEAD once full. */
struct rl_ring {
	int64_t *t;
	int cap;
	int n;
	int head;     /* index of the oldest entry */
	int limit;    /* the most it ever holds: the larger limit */
	int64_t keep; /* ms: an entry older than this (the longest window) says nothing */
};

struct rl_chat {
	struct rl_chat *next;
	char *id;
	struct rl_ring ring; /* sized for the largest of the chat's limits */
	int64_t hold_until;
};

struct ratelimit {
	struct ratelimit_limits lim;
	struct rl_ring global; /* sized for the larger of the two global limits */
	int64_t hold_until;
	struct rl_chat *buckets[RL_BUCKETS];
	size_t nchats;
};

static int clamp_limit(int v)
{
	if (v <= 0)
		return 0;
	return v > RL_MAX_LIMIT ? RL_MAX_LIMIT : v;
}

static void ring_init(struct rl_ring *r, int limit, int64_t keep)
{
	memset(r, 0, sizeof(*r));
	r->limit = limit > 0 ? limit : 0;
	r->keep = keep;
}

/* Room for more calls: twice as many places, the oldest first. 0, or -1 when out of memory. */
static int ring_grow(struct rl_ring *r)
{
	int cap = r->cap ? r->cap * 2 : RL_FIRST_CAP, i;
	int64_t *t;

	if (cap > r->limit)
		cap = r->limit;
	t = malloc((size_t)cap * sizeof(*t));
	if (!t)
		return -1;
	for (i = 0; i < r->n; i++)
		t[i] = r->t[(r->head + i) % r->cap];
	free(r->t);
	r->t = t;
	r->cap = cap;
	r->head = 0;
	return 0;
}

static void ring_push(struct rl_ring *r, int64_t now)
{
	if (!r->limit)
		return;
	/* full: grow while the oldest call still counts, else take its place */
	if (r->n == r->cap && r->cap < r->limit && (!r->n || r->t[r->head] + r->keep > now))
		(void)ring_grow(r); /* out of memory: the oldest place is taken */
	if (!r->cap)
		return;
	if (r->n < r->cap) {
		r->t[(r->head + r->n) % r->cap] = now;
		r->n++;
		return;
	}
	r->t[r->head] = now;
	r->head = (r->head + 1) % r->cap;
}

/* Start time of the K-th most recent call (1 = newest), or -1 when fewer were made. */
static int64_t ring_recent(const struct rl_ring *r, int k)
{
	if (k <= 0 || k > r->n)
		return -1;
	return r->t[(r->head + r->n - k) % r->cap];
}

/* Wait until at most LIMIT - 1 calls lie within the last WINDOW ms. */
static int64_t window_wait(const struct rl_ring *r, int limit, int64_t window, int64_t now)
{
	int64_t t;

	if (limit <= 0)
		return 0;
	t = ring_recent(r, limit);
	if (t < 0 || t + window <= now)
		return 0;
	return t + window - now;
}

static int is_group(const char *chat)
{
	return chat && chat[0] == '-';
}

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % RL_BUCKETS;
}

static struct rl_chat *chat_find(struct ratelimit *rl, const char *id)
{
	struct rl_chat *c;

	for (c = rl->buckets[hash(id)]; c; c = c->next)
		if (strcmp(c->id, id) == 0)
			return c;
	return NULL;
}

/* How long a ring's entries count: its longest window. */
static int64_t keep_ms(const struct ratelimit *rl, int per_min)
{
	return (per_min ? MIN_MS : SEC_MS) + rl->lim.margin_ms;
}

static struct rl_chat *chat_get(struct ratelimit *rl, const char *id)
{
	struct rl_chat *c = chat_find(rl, id);
	unsigned h;
	int cap;

	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	cap = rl->lim.per_chat_per_sec;
	if (is_group(id) && rl->lim.per_group_per_min > cap)
		cap = rl->lim.per_group_per_min;
	if (rl->lim.per_chat_per_min > cap)
		cap = rl->lim.per_chat_per_min;
	c->id = strdup(id);
	if (!c->id) {
		free(c);
		return NULL;
	}
	ring_init(&c->ring, cap,
	          keep_ms(rl,
	                  (is_group(id) && rl->lim.per_group_per_min) || rl->lim.per_chat_per_min));
	h = hash(id);
	c->next = rl->buckets[h];
	rl->buckets[h] = c;
	rl->nchats++;
	return c;
}

static void chat_free(struct rl_chat *c)
{
	free(c->ring.t);
	free(c->id);
	free(c);
}

struct ratelimit *ratelimit_new(const struct ratelimit_limits *l)
{
	struct ratelimit *rl = calloc(1, sizeof(*rl));
	int cap;

	if (!rl)
		return NULL;
	rl->lim.per_chat_per_sec = clamp_limit(l->per_chat_per_sec);
	rl->lim.per_group_per_min = clamp_limit(l->per_group_per_min);
	rl->lim.global_per_sec = clamp_limit(l->global_per_sec);
	rl->lim.global_per_min = clamp_limit(l->global_per_min);
	rl->lim.per_chat_per_min = clamp_limit(l->per_chat_per_min);
	rl->lim.margin_ms = l->margin_ms > 0 ? l->margin_ms : 0;
	cap = rl->lim.global_per_sec;
	if (rl->lim.global_per_min > cap)
		cap = rl->lim.global_per_min;
	ring_init(&rl->global, cap, keep_ms(rl, rl->lim.global_per_min));
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	struct rl_chat *c, *next;
	size_t i;

	if (!rl)
		return;
	for (i = 0; i < RL_BUCKETS; i++) {
		for (c = rl->buckets[i]; c; c = next) {
			next = c->next;
			chat_free(c);
		}
	}
	free(rl->global.t);
	free(rl);
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

int64_t ratelimit_wait(struct ratelimit *rl, const char *chat, int64_t now)
{
	int64_t sec = SEC_MS + rl->lim.margin_ms, min = MIN_MS + rl->lim.margin_ms;
	int64_t w = window_wait(&rl->global, rl->lim.global_per_sec, sec, now);
	struct rl_chat *c;

	w = max64(w, window_wait(&rl->global, rl->lim.global_per_min, min, now));
	if (rl->hold_until > now)
		w = max64(w, rl->hold_until - now);
	if (!chat || !(c = chat_find(rl, chat)))
		return w;
	if (c->hold_until > now)
		w = max64(w, c->hold_until - now);
	w = max64(w, window_wait(&c->ring, rl->lim.per_chat_per_sec, sec, now));
	if (is_group(chat))
		w = max64(w, window_wait(&c->ring, rl->lim.per_group_per_min, min, now));
	w = max64(w, window_wait(&c->ring, rl->lim.per_chat_per_min, min, now));
	return w;
}

int ratelimit_take(struct ratelimit *rl, const char *chat, int64_t now)
{
	struct rl_chat *c;

	ring_push(&rl->global, now);
	/* Without a limit of its own a chat needs no entry: nothing would read it. */
	if (!chat || (rl->lim.per_chat_per_sec <= 0 && rl->lim.per_chat_per_min <= 0 &&
	              rl->lim.per_group_per_min <= 0))
		return 0;
	c = chat_get(rl, chat);
	if (!c)
		return -1;
	ring_push(&c->ring, now);
	return 0;
}

int ratelimit_hold(struct ratelimit *rl, const char *chat, int64_t until)
{
	struct rl_chat *c;

	if (!chat) {
		rl->hold_until = max64(rl->hold_until, until);
		return 0;
	}
	c = chat_get(rl, chat);
	if (!c)
		return -1;
	c->hold_until = max64(c->hold_until, until);
	return 0;
}

void ratelimit_prune(struct ratelimit *rl, int64_t now)
{
	struct rl_chat **pp, *c;
	int64_t newest, window;
	size_t i;

	for (i = 0; i < RL_BUCKETS; i++) {
		pp = &rl->buckets[i];
		while ((c = *pp)) {
			newest = ring_recent(&c->ring, 1);
			window = (is_group(c->id) && rl->lim.per_group_per_min) ||
			                         rl->lim.per_chat_per_min
			                 ? MIN_MS
			                 : SEC_MS;
			window += rl->lim.margin_ms;
			if (c->hold_until <= now && (newest < 0 || newest + window <= now)) {
				*pp = c->next;
				chat_free(c);
				rl->nchats--;
			} else {
				pp = &c->next;
			}
		}
	}
}

size_t ratelimit_chats(const struct ratelimit *rl)
{
	return rl->nchats;
}

int64_t ratelimit_backoff_ms(int attempt, int64_t cap_ms, uint32_t rnd)
{
	int64_t d = 1000;
	double jitter;

	if (cap_ms < 1)
		cap_ms = 1;
	if (attempt < 0)
		attempt = 0;
	while (attempt-- > 0 && d < cap_ms)
		d *= 2;
	if (d > cap_ms)
		d = cap_ms;
	/* +-50% keeps a crowd of failed rows from retrying in lock step */
	jitter = 0.5 + (double)rnd / 4294967296.0;
	d = (int64_t)((double)d * jitter);
	return d < 1 ? 1 : d;
}
