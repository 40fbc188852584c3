/*
 * store_dead.c - the tries of inbound messages that failed, and the dead
 * letters among them (store_dead.h).
 */
#include "store/store_dead.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

#define FORGET_AFTER (7 * 86400) /* a count of tries nobody added to for a week */

struct dead_state {
	int64_t id;
	int dead;
};

static int read_state(struct store *s, const struct store_q *st, void *ud)
{
	struct dead_state *d = ud;

	(void)s;
	d->id = store_int64(st, 0);
	d->dead = store_int(st, 1);
	return 0;
}

int store_dead_fail(struct store *s, const char *channel, const char *key, const char *chat,
                    const char *raw, const char *reason, int max_attempts, int64_t now, int64_t *id)
{
	struct dead_state d = {0, 0};
	int outer, ok = 0;

	*id = 0;
	if (store_tx_enter(s, &outer) < 0)
		return -1;
	if (store_run(s, SQL_DEAD_PRUNE, "i", now - FORGET_AFTER) < 0 ||
	    store_run(s, SQL_DEAD_COUNT, "ttttti", channel, key, chat, raw, reason, now) < 0 ||
	    store_run(s, SQL_DEAD_MARK, "ttid", channel, key, now, max_attempts) < 0 ||
	    store_first(s, store_query(s, SQL_DEAD_STATE, "tt", channel, key), read_state, &d) < 1)
		goto out;
	ok = 1;
out:
	if (store_tx_leave(s, outer, ok) < 0 || !ok)
		return -1;
	*id = d.id;
	return d.dead;
}

int store_dead_forget(struct store *s, const char *channel, const char *key)
{
	return store_run(s, SQL_DEAD_FORGET, "tt", channel, key) < 0 ? -1 : 0;
}

struct dead_read {
	struct store_dead *out; /* store_dead_get: filled, RAW handed over */
	store_dead_cb cb;       /* store_dead_list: each row, RAW borrowed */
	void *ud;
};

static int read_dead(struct store *s, const struct store_q *st, void *ud)
{
	struct dead_read *r = ud;
	struct store_dead d;
	const char *raw;
	int rc = 0;

	memset(&d, 0, sizeof(d));
	d.id = store_int64(st, 0);
	store_col(st, 1, d.channel, sizeof(d.channel));
	store_col(st, 2, d.msg_key, sizeof(d.msg_key));
	store_col(st, 3, d.chat, sizeof(d.chat));
	store_col(st, 4, d.reason, sizeof(d.reason));
	d.attempts = store_int(st, 5);
	d.first_at = store_int64(st, 6);
	d.last_at = store_int64(st, 7);
	d.dead_at = store_int64(st, 8);
	d.replayed_at = store_int64(st, 9);
	raw = store_text(st, 10);
	d.raw = strdup(raw);
	if (!d.raw)
		return store_failf(s, "out of memory");
	if (r->cb) {
		rc = r->cb(&d, r->ud);
		free(d.raw);
	} else {
		*r->out = d; /* the caller owns RAW now */
	}
	return rc;
}

int store_dead_list(struct store *s, int all, store_dead_cb cb, void *ud)
{
	struct dead_read r = {NULL, cb, ud};

	return store_each(s, store_query(s, all ? SQL_DEAD_ALL : SQL_DEAD_LIST, ""), read_dead, &r);
}

int store_dead_get(struct store *s, int64_t id, struct store_dead *out)
{
	struct dead_read r = {out, NULL, NULL};

	memset(out, 0, sizeof(*out));
	return store_first(s, store_query(s, SQL_DEAD_GET, "i", id), read_dead, &r);
}

int store_dead_replayed(struct store *s, int64_t id, int64_t now)
{
	int n = store_run(s, SQL_DEAD_REPLAYED, "ii", id, now);

	return n < 0 ? -1 : n > 0;
}

int store_dead_waiting(struct store *s, int64_t *n)
{
	*n = 0;
	return store_first(s, store_query(s, SQL_DEAD_WAITING, ""), store_row_int64, n) < 0 ? -1
	                                                                                    : 0;
}
