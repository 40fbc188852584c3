/*
 * sender_queue.c - what the sender knows of a channel's waiting messages,
 * kept in memory so that a round never reads the outbox's backlog again.
 *
 * A chat's messages go one at a time in order, so only each chat's first
 * pending row (its head) can be sent: the queue holds the heads, found by
 * chat through a hash table and walked in turn from a cursor, and the
 * answers to pressed buttons, which wait in no line. It learns of rows from
 * three reads that do not walk the history: rows added since the last one
 * it read (when a commit, its own fallback or the timer may have added
 * some), the chat's next head when a row's call ended, and
 * every second or so (SENDER_RESYNC_MS, longer when the backlog makes it
 * costly, and after a chat moved) every head again, for what changed under
 * it (a row revived from the command line, rows released for a chat).
 */
#include "bot/sender_internal.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "store/store.h"

#define NEW_ROWS_PAGE 512 /* rows read per page of new rows */

static size_t hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static struct sender_head *find(const struct sender_queue *q, const char *chat)
{
	struct sender_head *h;

	if (!q->nb)
		return NULL;
	for (h = q->buckets[hash(chat) & (q->nb - 1)]; h; h = h->hnext)
		if (strcmp(h->chat, chat) == 0)
			return h;
	return NULL;
}

/* Twice the buckets when the chains grow past two on average. */
static int grow(struct sender_queue *q)
{
	size_t nb = q->nb ? q->nb * 2 : 256, i;
	struct sender_head **b = calloc(nb, sizeof(struct sender_head *)), *h;

	if (!b)
		return -1;
	for (i = 0; i < q->n; i++) {
		h = q->v[i];
		h->hnext = b[hash(h->chat) & (nb - 1)];
		b[hash(h->chat) & (nb - 1)] = h;
	}
	free(q->buckets);
	q->buckets = b;
	q->nb = nb;
	return 0;
}

void sender_queue_fresh(struct sender_queue *q, const char *chat)
{
	if (q->nfresh < SENDER_FRESH)
		buf_copy(q->fresh[q->nfresh++], SENDER_CHAT_LEN, chat);
	else
		q->fresh_lost = 1; /* the next pass visits every head */
}

/* CHAT's head is row ID, due at NEXT_AT; -1 when out of memory. */
static int set_head(struct sender_queue *q, const char *chat, int64_t id, int64_t next_at)
{
	struct sender_head *h = find(q, chat), **v;
	size_t b;

	if (!h) {
		if ((q->n + 1 > q->nb * 2 && grow(q) < 0) || !(h = calloc(1, sizeof(*h))))
			return -1;
		if (q->n == q->cap) {
			size_t cap = q->cap ? q->cap * 2 : 64;

			if (!(v = realloc(q->v, cap * sizeof(struct sender_head *)))) {
				free(h);
				return -1;
			}
			q->v = v;
			q->cap = cap;
		}
		buf_copy(h->chat, sizeof(h->chat), chat);
		b = hash(h->chat) & (q->nb - 1);
		h->hnext = q->buckets[b];
		q->buckets[b] = h;
		h->at = q->n;
		q->v[q->n++] = h;
	}
	h->id = id;
	h->next_at = next_at;
	sender_queue_fresh(q, chat);
	return 0;
}

static void drop_head(struct sender_queue *q, const char *chat)
{
	struct sender_head *h = find(q, chat), **pp;

	if (!h)
		return;
	for (pp = &q->buckets[hash(chat) & (q->nb - 1)]; *pp != h; pp = &(*pp)->hnext)
		;
	*pp = h->hnext;
	q->v[h->at] = q->v[--q->n];
	q->v[h->at]->at = h->at;
	if (q->cursor >= q->n)
		q->cursor = 0;
	free(h);
}

static void clear(struct sender_queue *q)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		free(q->v[i]);
	q->n = q->nbtn = q->nfresh = q->cursor = q->pass = 0;
	if (q->nb)
		memset(q->buckets, 0, q->nb * sizeof(struct sender_head *));
}

void sender_queue_free(struct sender_queue *q)
{
	clear(q);
	free(q->v);
	free(q->buckets);
	free(q->btn);
	memset(q, 0, sizeof(*q));
}

struct sender_head *sender_queue_find(struct sender_queue *q, const char *chat)
{
	return find(q, chat);
}

/* ---- answers to pressed buttons -------------------------------------------------- */

static int add_button(struct sender_queue *q, int64_t id, const char *chat, int64_t next_at)
{
	struct sender_button *b;
	size_t i;

	for (i = 0; i < q->nbtn; i++)
		if (q->btn[i].id == id)
			return 0;
	if (q->nbtn == q->capbtn) {
		size_t cap = q->capbtn ? q->capbtn * 2 : 16;

		if (!(b = realloc(q->btn, cap * sizeof(*b))))
			return -1;
		q->btn = b;
		q->capbtn = cap;
	}
	b = &q->btn[q->nbtn++];
	b->id = id;
	b->next_at = next_at;
	buf_copy(b->chat, sizeof(b->chat), chat);
	return 0;
}

static void drop_button(struct sender_queue *q, int64_t id)
{
	size_t i;

	for (i = 0; i < q->nbtn; i++)
		if (q->btn[i].id == id) {
			q->btn[i] = q->btn[--q->nbtn];
			return;
		}
}

/* ---- reading the outbox ---------------------------------------------------------- */

struct reading {
	struct sender_chan *sc;
	int64_t last;
	size_t rows;
	int oom;
};

static int is_button(const struct sender_chan *sc, const char *payload)
{
	return sc->ch->a->chatless && payload && sc->ch->a->chatless(payload);
}

static int new_row(const struct store_outbox *m, void *ud)
{
	struct reading *r = ud;
	struct sender_queue *q = &r->sc->q;

	r->last = m->id;
	r->rows++;
	if (is_button(r->sc, m->payload) && add_button(q, m->id, m->chat, m->next_at) < 0)
		r->oom = 1;
	/* a chat already known has its head before this row */
	if (!find(q, m->chat) && set_head(q, m->chat, m->id, m->next_at) < 0)
		r->oom = 1;
	return 0;
}

static int head_row(int64_t id, const char *chat, int64_t next_at, void *ud)
{
	struct reading *r = ud;

	if (set_head(&r->sc->q, chat, id, next_at) < 0)
		r->oom = 1;
	return 0;
}

static int button_row(int64_t id, const char *chat, int64_t next_at, void *ud)
{
	struct reading *r = ud;

	if (add_button(&r->sc->q, id, chat, next_at) < 0)
		r->oom = 1;
	return 0;
}

/* Every head read again; the answers to buttons too when FIRST (later ones are new rows). */
static int resync(struct sender *s, struct sender_chan *sc, int first)
{
	struct sender_queue *q = &sc->q;
	struct reading r = {.sc = sc};
	int64_t last = 0;

	sender_marks_write(s, 0, 0); /* every head as the file has it */
	if (s->nmarks)
		return 0; /* not written (the database locked or full): the file is behind */
	if (store_outbox_last(s->store, &last) < 0)
		return -1;
	clear(q);
	if (store_outbox_heads(s->store, sc->ch->name, head_row, &r) < 0 ||
	    (first && store_outbox_buttons(s->store, sc->ch->name, button_row, &r) < 0))
		return -1;
	/* rows added since LAST are read as new: a head seen twice is the same head */
	q->hw = last;
	q->nfresh = 0;
	q->fresh_lost = 0;
	q->pass = q->n;
	return r.oom ? -1 : 0;
}

int sender_queue_read(struct sender *s, struct sender_chan *sc, int64_t now, int news)
{
	struct sender_queue *q = &sc->q;
	struct reading r = {.sc = sc};

	if (!q->synced || q->resync || now >= q->resync_at) {
		int64_t took, t0 = clock_mono_us();

		if (resync(s, sc, !q->synced) < 0)
			return -1;
		/* at most about 2% of the thread's time, however long the backlog */
		took = (clock_mono_us() - t0) / 1000;
		q->resync_at = now + (took * 50 > SENDER_RESYNC_MS ? took * 50 : SENDER_RESYNC_MS);
		q->synced = 1;
		q->resync = 0;
		return 0;
	}
	if (!news)
		return 0;
	do {
		r.rows = 0;
		r.last = q->hw;
		if (store_outbox_after(s->store, sc->ch->name, q->hw, NEW_ROWS_PAGE, new_row, &r) <
		    0)
			return -1;
		q->hw = r.last;
	} while (r.rows == NEW_ROWS_PAGE);
	if (r.oom)
		q->resync = 1;
	return 0;
}

int sender_queue_done(struct sender *s, struct sender_chan *sc, const char *chat, int64_t id)
{
	struct sender_queue *q = &sc->q;
	struct reading r = {.sc = sc};
	struct sender_head *h;
	int64_t after = 0;

	drop_button(q, id);
	/* the first pending row that is not sent already (its mark not yet written) */
	do {
		if ((h = find(q, chat)) != NULL)
			h->id = 0; /* found again below, or gone */
		if (store_outbox_head(s->store, sc->ch->name, chat, after, head_row, &r) < 0) {
			q->resync = 1;
			return -1;
		}
		h = find(q, chat);
		after = h && h->id && sender_marked(s, h->id) ? h->id : 0;
	} while (after);
	if (h && h->id == 0)
		drop_head(q, chat);
	if (r.oom)
		q->resync = 1;
	return 0;
}

/* ---- rows sent, written together ----------------------------------------------- */

int sender_marked(const struct sender *s, int64_t id)
{
	size_t i;

	for (i = 0; i < s->nmarks; i++)
		if (s->marks[i] == id)
			return 1;
	return 0;
}

void sender_marks_write(struct sender *s, int due_only, int64_t now)
{
	if (!s->nmarks || (due_only && now < s->marks_due && s->nmarks < SENDER_MARKS))
		return;
	if (store_outbox_sent_many(s->store, s->marks, clock_now(), s->nmarks) < 0) {
		/*
		 * Another process holds the database, or its disk is full: the marks are kept
		 * (their rows stay skipped) and written once it lets go, so no resident gets a
		 * message twice. Only a full list gives them up.
		 */
		if ((store_locked(s->store) || store_full(s->store)) && s->nmarks < SENDER_MARKS) {
			s->marks_due = clock_mono_ms() + SENDER_MARK_MS;
			return;
		}
		log_error("sender: cannot record %zu messages as delivered: %s (they go again)",
		          s->nmarks, store_errmsg(s->store));
	}
	s->nmarks = 0;
}

void sender_mark_sent(struct sender *s, int64_t id)
{
	if (s->nmarks == SENDER_MARKS)
		sender_marks_write(s, 0, 0);
	if (!s->nmarks)
		s->marks_due = clock_mono_ms() + SENDER_MARK_MS;
	s->marks[s->nmarks++] = id;
}
