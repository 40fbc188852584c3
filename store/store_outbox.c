/*
 * store_outbox.c - messages waiting to go out, and chats that change their ID.
 *
 * Every outbound message is written here in the same transaction as the
 * change that caused it; the sender (possibly in another process) takes due
 * rows, calls the platform and marks each row sent, retried later or dead.
 * Due rows are read into memory before the callbacks run, so a callback may
 * update the rows it is given and no read transaction stays open while the
 * sender talks to the network.
 */
#include "store/store_internal.h"

#include "lib/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fills M from the current row; M->payload points into ST until it steps again. */
static void read_row(const struct store_q *st, struct store_outbox *m)
{
	const char *payload = store_text(st, 3);

	memset(m, 0, sizeof(*m));
	m->id = store_int64(st, 0);
	store_col(st, 1, m->channel, sizeof(m->channel));
	store_col(st, 2, m->chat, sizeof(m->chat));
	m->payload = (char *)(uintptr_t)payload; /* NOLINT(performance-no-int-to-ptr) */
	m->attempts = store_int(st, 4);
	m->next_at = store_int64(st, 5);
	store_col(st, 6, m->status, sizeof(m->status));
	store_col(st, 7, m->last_error, sizeof(m->last_error));
	m->created_at = store_int64(st, 8);
	m->sent_at = store_int64(st, 9);
}

/* A caller's callback for each row, and its argument. */
struct outbox_walk {
	store_outbox_cb cb;
	void *ud;
};

static int walk_row(struct store *s, const struct store_q *st, void *ud)
{
	const struct outbox_walk *w = ud;
	struct store_outbox m;

	(void)s;
	read_row(st, &m);
	return w->cb(&m, w->ud) ? 1 : 0;
}

/* Rows read so far, each with its own copy of the payload. */
struct outbox_rows {
	struct store_outbox *rows;
	size_t n, cap;
};

static int collect_row(struct store *s, const struct store_q *st, void *ud)
{
	struct outbox_rows *r = ud;

	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 16;
		struct store_outbox *grown = realloc(r->rows, ncap * sizeof(*grown));

		if (!grown)
			return store_failf(s, "out of memory");
		r->rows = grown;
		r->cap = ncap;
	}
	read_row(st, &r->rows[r->n]);
	r->rows[r->n].payload = strdup(r->rows[r->n].payload);
	if (!r->rows[r->n].payload)
		return store_failf(s, "out of memory");
	r->n++;
	return 0;
}

/* Reads every row of ST (from store_query), gives ST back, then calls CB for each. */
static int collect_rows(struct store *s, struct store_q *st, store_outbox_cb cb, void *ud)
{
	struct outbox_rows r = {NULL, 0, 0};
	size_t i;
	int rc = store_each(s, st, collect_row, &r);

	for (i = 0; rc == 0 && i < r.n; i++) {
		if (cb(&r.rows[i], ud))
			break;
	}
	for (i = 0; i < r.n; i++)
		free(r.rows[i].payload);
	free(r.rows);
	return rc;
}

int store_outbox_add_at(struct store *s, const char *channel, const char *chat, const char *payload,
                        int64_t now, int64_t next_at, int64_t *id)
{
	if (!channel || !*channel || !chat || !*chat || !payload)
		return store_failf(s, "store_outbox_add: channel, chat and payload are required");
	return store_run_id(s, SQL_OUTBOX_ADD, id, "tttii", channel, chat, payload, now,
	                    next_at > now ? next_at : now) < 0
	               ? -1
	               : 0;
}

int store_outbox_add(struct store *s, const char *channel, const char *chat, const char *payload,
                     int64_t now, int64_t *id)
{
	return store_outbox_add_at(s, channel, chat, payload, now, now, id);
}

int store_outbox_release(struct store *s, const char *channel, const char *chat, int64_t now)
{
	return store_run(s, SQL_OUTBOX_RELEASE, "tti", channel, chat, now);
}

int store_outbox_due_for_chat(struct store *s, const char *channel, const char *chat, int64_t now,
                              store_outbox_cb cb, void *ud)
{
	return collect_rows(s, store_query(s, SQL_OUTBOX_DUE_FOR_CHAT, "tti", channel, chat, now),
	                    cb, ud);
}

/* Chat names read so far. */
struct chat_names {
	char **v;
	size_t n, cap;
};

static int collect_chat(struct store *s, const struct store_q *st, void *ud)
{
	struct chat_names *c = ud;
	const char *chat = store_text(st, 0);

	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 16;
		char **grown = realloc(c->v, ncap * sizeof(*grown));

		if (!grown)
			return store_failf(s, "out of memory");
		c->v = grown;
		c->cap = ncap;
	}
	c->v[c->n] = strdup(chat);
	if (!c->v[c->n])
		return store_failf(s, "out of memory");
	c->n++;
	return 0;
}

int store_outbox_fresh_chats(struct store *s, const char *channel, int64_t after_id, int64_t since,
                             int64_t now, int64_t *last_id, store_chat_cb cb, void *ud)
{
	struct chat_names c = {NULL, 0, 0};
	size_t i;
	int rc;

	/* First the newest ID: a row added meanwhile is also seen next time, never missed. */
	if (store_outbox_last(s, last_id) < 0)
		return -1;
	rc = store_each(
	        s, store_query(s, SQL_OUTBOX_FRESH_CHATS, "tiii", channel, after_id, since, now),
	        collect_chat, &c);
	for (i = 0; rc == 0 && i < c.n; i++)
		if (cb(c.v[i], ud))
			break;
	for (i = 0; i < c.n; i++)
		free(c.v[i]);
	free(c.v);
	return rc;
}

int store_outbox_due(struct store *s, int64_t now, int limit, store_outbox_cb cb, void *ud)
{
	return collect_rows(s, store_query(s, SQL_OUTBOX_DUE, "id", now, limit > 0 ? limit : -1),
	                    cb, ud);
}

int store_outbox_after(struct store *s, const char *channel, int64_t after, int limit,
                       store_outbox_cb cb, void *ud)
{
	return collect_rows(s,
	                    store_query(s, SQL_OUTBOX_AFTER, "tii", channel, after,
	                                (int64_t)(limit > 0 ? limit : -1)),
	                    cb, ud);
}

int store_outbox_get(struct store *s, int64_t id, store_outbox_cb cb, void *ud)
{
	return collect_rows(s, store_query(s, SQL_OUTBOX_GET, "i", id), cb, ud);
}

/* The one figure SQL (no parameters) answers into *N. */
static int one_int64(struct store *s, enum store_sql sql, int64_t *n)
{
	return store_first(s, store_query(s, sql, ""), store_row_int64, n) == 1 ? 0 : -1;
}

int store_outbox_last(struct store *s, int64_t *id)
{
	return one_int64(s, SQL_OUTBOX_LAST, id);
}

/* Hands each (id, chat, next_at) row of ST to CB. */
struct head_walk {
	store_head_cb cb;
	void *ud;
};

static int head_row(struct store *s, const struct store_q *st, void *ud)
{
	const struct head_walk *w = ud;
	const char *chat = store_text(st, 1);

	(void)s;
	return w->cb(store_int64(st, 0), chat, store_int64(st, 2), w->ud) ? 1 : 0;
}

int store_outbox_heads(struct store *s, const char *channel, store_head_cb cb, void *ud)
{
	struct head_walk w = {cb, ud};

	return store_each(s, store_query(s, SQL_OUTBOX_HEADS, "t", channel), head_row, &w);
}

int store_outbox_buttons(struct store *s, const char *channel, store_head_cb cb, void *ud)
{
	struct head_walk w = {cb, ud};

	return store_each(s, store_query(s, SQL_OUTBOX_BUTTONS, "t", channel), head_row, &w);
}

int store_outbox_head(struct store *s, const char *channel, const char *chat, int64_t after,
                      store_head_cb cb, void *ud)
{
	struct head_walk w = {cb, ud};

	return store_each(s, store_query(s, SQL_OUTBOX_HEAD, "tti", channel, chat, after), head_row,
	                  &w);
}

int store_outbox_sent_many(struct store *s, const int64_t *ids, int64_t now, size_t n)
{
	struct buf b;
	size_t i;
	int rc;

	if (!n)
		return 0;
	buf_init(&b);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%c%lld", i ? ',' : '[', (long long)ids[i]);
	buf_add(&b, "]");
	rc = b.failed ? store_failf(s, "out of memory")
	              : (store_run(s, SQL_OUTBOX_SENT_MANY, "ti", b.s, now) < 0 ? -1 : 0);
	buf_release(&b);
	return rc;
}

int store_outbox_for_chat(struct store *s, const char *channel, const char *chat,
                          store_outbox_cb cb, void *ud)
{
	return collect_rows(s, store_query(s, SQL_OUTBOX_FOR_CHAT, "tt", channel, chat), cb, ud);
}

int store_outbox_list(struct store *s, int which, store_outbox_cb cb, void *ud)
{
	struct outbox_walk w = {cb, ud};

	if (which == STORE_OUTBOX_ALL)
		return store_each(s, store_query(s, SQL_OUTBOX_LIST, ""), walk_row, &w);
	return store_each(s,
	                  store_query(s, SQL_OUTBOX_LIST_STATUS, "t",
	                              which == STORE_OUTBOX_DEAD ? "dead" : "pending"),
	                  walk_row, &w);
}

/* Runs an UPDATE of one row by id; no such row is an error. */
static int update_one(struct store *s, int64_t id, int n)
{
	if (n < 0)
		return -1;
	if (n == 0)
		return store_failf(s, "no outbox row %lld", (long long)id);
	return 0;
}

int store_outbox_sent(struct store *s, int64_t id, int64_t now)
{
	return update_one(s, id, store_run(s, SQL_OUTBOX_SENT, "ii", id, now));
}

int store_outbox_retry_later(struct store *s, int64_t id, int64_t next_at, const char *error)
{
	return update_one(s, id, store_run(s, SQL_OUTBOX_RETRY, "iit", id, next_at, error));
}

int store_outbox_hold(struct store *s, int64_t id, const char *error)
{
	return update_one(s, id,
	                  store_run(s, SQL_OUTBOX_HOLD, "iit", id, STORE_OUTBOX_HELD, error));
}

int store_outbox_wake(struct store *s, const char *channel, const char *chat, int64_t now)
{
	return store_run(s, SQL_OUTBOX_WAKE, "ttii", channel, chat, now, STORE_OUTBOX_HELD);
}

int store_outbox_dead(struct store *s, int64_t id, const char *error)
{
	return update_one(s, id, store_run(s, SQL_OUTBOX_DEAD, "it", id, error));
}

int store_outbox_revive(struct store *s, int64_t id, int64_t now)
{
	return store_run(s, SQL_OUTBOX_REVIVE, "ii", id < 0 ? (int64_t)-1 : id, now);
}

struct counts_ctx {
	store_count_cb cb;
	void *ud;
};

static int count_row(struct store *s, const struct store_q *st, void *ud)
{
	struct counts_ctx *c = ud;
	const char *channel = store_text(st, 0);
	int stop;

	(void)s;
	stop = c->cb(channel, store_int64(st, 1), store_int64(st, 2), c->ud);
	return stop ? 1 : 0; /* a callback's -1 is no error the store recorded */
}

int store_outbox_counts(struct store *s, store_count_cb cb, void *ud)
{
	struct counts_ctx c = {cb, ud};

	return store_each(s, store_query(s, SQL_OUTBOX_COUNTS, ""), count_row, &c);
}

int store_outbox_depth(struct store *s, int64_t *n)
{
	return one_int64(s, SQL_OUTBOX_DEPTH, n);
}

/* Where a migration is remembered: "<channel>.moved:<old>". */
static void moved_key(char *key, size_t len, const char *channel, const char *chat)
{
	snprintf(key, len, "%s.moved:%s", channel, chat);
}

int store_chat_current(struct store *s, const char *channel, const char *chat, char *out,
                       size_t outlen)
{
	char key[256];
	int rc;

	moved_key(key, sizeof(key), channel, chat);
	rc = store_kv_get(s, key, out, outlen);
	if (rc == 1 && out[0])
		return 1;
	store_copy(out, outlen, chat);
	return rc < 0 ? rc : 0;
}

int store_chat_migrate(struct store *s, const char *channel, const char *old_chat,
                       const char *new_chat)
{
	int outer, rc;

	if (!channel || !old_chat || !new_chat || !*new_chat)
		return store_failf(s, "store_chat_migrate: channel and both chats are required");
	if (store_tx_enter(s, &outer) < 0)
		return -1;
	rc = store_run(s, SQL_MIGRATE_OUTBOX, "ttt", channel, old_chat, new_chat);
	if (rc >= 0)
		rc = store_run(s, SQL_MIGRATE_ORDERS, "ttt", channel, old_chat, new_chat);
	if (rc >= 0)
		rc = store_run(s, SQL_MIGRATE_SESSIONS, "ttt", channel, old_chat, new_chat);
	if (rc >= 0) {
		/* Remembered, so a chat named in the configuration follows the group too. */
		char key[256];

		moved_key(key, sizeof(key), channel, old_chat);
		rc = store_kv_set(s, key, new_chat);
	}
	return store_tx_leave(s, outer, rc >= 0);
}

int store_outbox_claim(struct store *s, int64_t id, const char *owner, int64_t now, int64_t until)
{
	int n = store_run(s, SQL_OUTBOX_CLAIM, "itii", id, owner, now, until);

	return n < 0 ? -1 : n > 0;
}
