/*
 * store_query.c - the register as the staff console and the API read it:
 * orders by any mix of status, category, community, assignee and creation
 * date, a page at a time with the total; what changed since a given event
 * (for the live board); and the messages that went to a resident's chat.
 */
#include "store/store_internal.h"

#include <stdint.h>
#include <string.h>

#include "lib/buf.h"

struct ids {
	int64_t *ids;
	int n, max;
};

static int read_id(struct store *s, const struct store_q *st, void *ud)
{
	struct ids *x = ud;

	(void)s;
	if (x->n < x->max)
		x->ids[x->n++] = store_int64(st, 0);
	return 0;
}

/* Statement FAMILY (ids or count) for Q, its parameters bound; NULL on failure (recorded). */
static struct store_q *bind_query(struct store *s, enum store_sql family,
                                  const struct store_order_query *q)
{
	int open = q->status && strcmp(q->status, "open") == 0;
	const char *status = open ? NULL : q->status, *sql;
	unsigned m = 0;

	m |= status ? Q_STATUS : 0;
	m |= open ? Q_OPEN : 0;
	m |= q->category ? Q_CATEGORY : 0;
	m |= q->community ? Q_COMMUNITY : 0;
	m |= q->assignee ? Q_ASSIGNEE : 0;
	m |= q->from ? Q_FROM : 0;
	m |= q->to ? Q_TO : 0;
	sql = store_variant(s, family, m);
	if (!sql)
		return NULL;
	return store_query_some(s, sql, "TdTTTiidd", status, open, q->category, q->community,
	                        q->assignee, q->from, q->to, q->limit > 0 ? q->limit : -1,
	                        q->offset > 0 ? q->offset : 0);
}

int store_orders_query(struct store *s, const struct store_order_query *q, store_order_cb cb,
                       void *ud, int64_t *total)
{
	int64_t ids[STORE_QUERY_MAX];
	struct ids x = {ids, 0, STORE_QUERY_MAX};
	struct store_order o;
	int i, rc;

	if (q->limit <= 0 || q->limit > STORE_QUERY_MAX)
		return store_failf(s, "store_orders_query: limit must be 1-%d", STORE_QUERY_MAX);
	*total = 0;
	if (store_first(s, bind_query(s, SQL_QUERY_COUNT, q), store_row_int64, total) < 0)
		return -1;
	/* The page's IDs first: the callback may use the store while nothing is being read. */
	if (store_each(s, bind_query(s, SQL_QUERY_IDS, q), read_id, &x) < 0)
		return -1;
	for (i = 0; i < x.n; i++) {
		rc = store_order_get_id(s, ids[i], &o);
		if (rc < 0)
			return -1;
		if (rc > 0 && cb(&o, ud))
			break;
	}
	return 0;
}

struct change_walk {
	store_change_cb cb;
	void *ud;
};

static int walk_change(struct store *s, const struct store_q *st, void *ud)
{
	const struct change_walk *w = ud;
	char number[24], assignee[64];

	(void)s;
	store_col(st, 1, number, sizeof(number));
	store_col(st, 2, assignee, sizeof(assignee));
	return w->cb(store_int64(st, 0), number, assignee, w->ud) ? 1 : 0;
}

int store_events_after(struct store *s, int64_t after, int limit, store_change_cb cb, void *ud)
{
	struct change_walk w = {cb, ud};

	return store_each(s, store_query(s, SQL_EVENTS_AFTER, "id", after, limit > 0 ? limit : -1),
	                  walk_change, &w);
}

int store_events_last(struct store *s, int64_t *id)
{
	*id = 0;
	return store_first(s, store_query(s, SQL_EVENTS_LAST, ""), store_row_int64, id) < 0 ? -1
	                                                                                    : 0;
}

int store_order_last_event(struct store *s, int64_t order_id, int64_t *id)
{
	*id = 0;
	return store_first(s, store_query(s, SQL_ORDER_LAST_EVENT, "i", order_id), store_row_int64,
	                   id) < 0
	               ? -1
	               : 0;
}

struct chat_walk {
	store_outbox_cb cb;
	void *ud;
};

static int walk_row(struct store *s, const struct store_q *st, void *ud)
{
	const struct chat_walk *w = ud;
	const char *payload = store_text(st, 3);
	struct store_outbox m;

	(void)s;
	memset(&m, 0, sizeof(m));
	m.id = store_int64(st, 0);
	store_col(st, 1, m.channel, sizeof(m.channel));
	store_col(st, 2, m.chat, sizeof(m.chat));
	/* The struct's payload is not const; nobody writes through it. */
	m.payload = (char *)(uintptr_t)payload; /* NOLINT(performance-no-int-to-ptr) */
	m.attempts = store_int(st, 4);
	m.next_at = store_int64(st, 5);
	store_col(st, 6, m.status, sizeof(m.status));
	store_col(st, 7, m.last_error, sizeof(m.last_error));
	m.created_at = store_int64(st, 8);
	m.sent_at = store_int64(st, 9);
	return w->cb(&m, w->ud) ? 1 : 0;
}

int store_outbox_to_chat(struct store *s, const char *channel, const char *chat, int64_t since,
                         int limit, store_outbox_cb cb, void *ud)
{
	struct chat_walk w = {cb, ud};

	return store_each(
	        s,
	        store_query(s, SQL_TO_CHAT, "ttid", channel, chat, since, limit > 0 ? limit : -1),
	        walk_row, &w);
}
