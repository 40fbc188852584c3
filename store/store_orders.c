/*
 * store_orders.c - work orders, their append-only history, and the feedback,
 * fees and payments recorded against them.
 *
 * An order's number is the local date of its creation plus that day's
 * sequence ("261127-003"), taken from a per-day counter in the same
 * transaction as the insert, so two processes never hand out the same number
 * and numbers sort by date. Reads join the latest fee, the latest payment and
 * the feedback row, so callers see one plain struct.
 */
#include "store/store_internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"

/*
 * An order read inside a write transaction, on a database several servers
 * share, is locked until the commit: a resident's answer on one server and
 * a staff member's action on another then change it one after the other,
 * neither undoing the other. A SQLite file has one writer at a time anyway.
 */
static int locking(struct store *s)
{
	return store_shared(s) && store_in_tx(s);
}

/* A row reader (store_row_fn) filling the struct store_order at UD. */
static int read_order(struct store *s, const struct store_q *st, void *ud)
{
	struct store_order *o = ud;

	(void)s;
	memset(o, 0, sizeof(*o));
	o->id = store_int64(st, 0);
	store_col(st, 1, o->number, sizeof(o->number));
	store_col(st, 2, o->community, sizeof(o->community));
	store_col(st, 3, o->status, sizeof(o->status));
	store_col(st, 4, o->category, sizeof(o->category));
	store_col(st, 5, o->item, sizeof(o->item));
	store_col(st, 6, o->description, sizeof(o->description));
	store_col(st, 7, o->room, sizeof(o->room));
	store_col(st, 8, o->contact_name, sizeof(o->contact_name));
	store_col(st, 9, o->phone, sizeof(o->phone));
	store_col(st, 10, o->preferred_time, sizeof(o->preferred_time));
	o->preferred_at = store_int64(st, 11);
	o->resident_id = store_int64(st, 12);
	store_col(st, 13, o->channel, sizeof(o->channel));
	store_col(st, 14, o->chat, sizeof(o->chat));
	store_col(st, 15, o->user, sizeof(o->user));
	store_col(st, 16, o->assignee, sizeof(o->assignee));
	store_col(st, 17, o->eta, sizeof(o->eta));
	o->eta_at = store_int64(st, 18);
	o->promised_minutes = store_int(st, 19);
	store_col(st, 20, o->estimate, sizeof(o->estimate));
	store_col(st, 21, o->reason, sizeof(o->reason));
	o->created_at = store_int64(st, 22);
	o->assigned_at = store_int64(st, 23);
	o->started_at = store_int64(st, 24);
	o->done_at = store_int64(st, 25);
	o->closed_at = store_int64(st, 26);
	o->fee = store_int64(st, 27);
	store_col(st, 28, o->receipt, sizeof(o->receipt));
	o->paid_at = store_int64(st, 29);
	o->accepted = store_int(st, 30);
	o->rating = store_int(st, 31);
	store_col(st, 32, o->comment, sizeof(o->comment));
	o->urgent = store_int(st, 33);
	o->preferred_end = store_int64(st, 34);
	store_col(st, 35, o->intake, sizeof(o->intake));
	store_col(st, 36, o->source, sizeof(o->source));
	store_col(st, 37, o->taken_by, sizeof(o->taken_by));
	return 0;
}

/* Takes the next number of NOW's local day; must run inside a transaction. */
static int next_number(struct store *s, int64_t now, char *out, size_t outlen)
{
	int64_t next = 0;
	char day[40];
	time_t t = (time_t)now;
	struct tm tm;
	int n, rc;

	if (!localtime_r(&t, &tm))
		return store_failf(s, "cannot convert time %lld to a date", (long long)now);
	snprintf(day, sizeof(day), "%02d%02d%02d", (tm.tm_year + 1900) % 100, tm.tm_mon + 1,
	         tm.tm_mday);
	rc = store_first(s, store_query(s, SQL_COUNTER_NEXT, "t", day), store_row_int64, &next);
	if (rc <= 0)
		return rc < 0 ? -1 : store_failf(s, "no order number for %s", day);
	/* 3 digits, more after the 999th order of a day. */
	n = snprintf(out, outlen, "%s-%03lld", day, (long long)next);
	if (n < 0 || (size_t)n >= outlen)
		return store_failf(s, "order number too long");
	return 0;
}

int store_order_create(struct store *s, struct store_order *o, int64_t now, const char *actor,
                       const char *via)
{
	const char *status = o->status[0] ? o->status : "pending";
	char number[sizeof(o->number)];
	int64_t id = 0;
	int outer, rc;

	if (store_tx_enter(s, &outer) < 0)
		return -1;
	rc = next_number(s, now, number, sizeof(number));
	if (rc >= 0)
		rc = store_run_id(
		        s, SQL_ORDER_INSERT, &id,
		        "ttttttttttinttttti"
		        "dttiiiiidi"
		        "ttt",
		        number, o->community, status, o->category, o->item, o->description, o->room,
		        o->contact_name, o->phone, o->preferred_time, o->preferred_at,
		        o->resident_id, o->channel, o->chat, o->user, o->assignee, o->eta,
		        o->eta_at, o->promised_minutes, o->estimate, o->reason, now, o->assigned_at,
		        o->started_at, o->done_at, o->closed_at, o->urgent != 0, o->preferred_end,
		        o->intake[0] ? o->intake : o->channel, o->source, o->taken_by);
	if (rc >= 0)
		rc = store_event_add(s, id, now, actor, via, "created", "", status, "");
	if (store_tx_leave(s, outer, rc >= 0) < 0)
		return -1;
	o->id = id;
	store_copy(o->number, sizeof(o->number), number);
	if (status != o->status)
		store_copy(o->status, sizeof(o->status), status);
	o->created_at = now;
	return 0;
}

int store_order_get(struct store *s, const char *number, struct store_order *out)
{
	return store_first(s,
	                   store_query(s,
	                               locking(s) ? SQL_ORDER_BY_NUMBER_LOCK : SQL_ORDER_BY_NUMBER,
	                               "t", number),
	                   read_order, out);
}

int store_order_get_id(struct store *s, int64_t id, struct store_order *out)
{
	return store_first(
	        s, store_query(s, locking(s) ? SQL_ORDER_BY_ID_LOCK : SQL_ORDER_BY_ID, "i", id),
	        read_order, out);
}

int store_order_update(struct store *s, const struct store_order *o)
{
	int n = store_run(s, SQL_ORDER_UPDATE,
	                  "tttittdtt"
	                  "iiiii"
	                  "tttii",
	                  o->status, o->assignee, o->eta, o->eta_at, o->item, o->category,
	                  o->promised_minutes, o->estimate, o->reason, o->preferred_at,
	                  o->assigned_at, o->started_at, o->done_at, o->closed_at, o->channel,
	                  o->chat, o->user, o->id, o->preferred_end);

	if (n < 0)
		return -1;
	if (n == 0)
		return store_failf(s, "no order %lld", (long long)o->id);
	return 0;
}

/* A caller's callback for each order of a list, and its argument. */
struct order_walk {
	store_order_cb cb;
	void *ud;
};

static int walk_order(struct store *s, const struct store_q *st, void *ud)
{
	const struct order_walk *w = ud;
	struct store_order o;

	read_order(s, st, &o);
	return w->cb(&o, w->ud) ? 1 : 0;
}

int store_orders_list(struct store *s, const struct store_order_filter *f, store_order_cb cb,
                      void *ud)
{
	static const struct store_order_filter all;
	struct order_walk w = {cb, ud};
	const char *act[STORE_FILTER_ACTIONS] = {NULL, NULL, NULL};
	const char *sql;
	unsigned m = 0;
	int i;

	if (!f)
		f = &all;
	for (i = 0; f->actions && f->actions[i]; i++) {
		if (i == STORE_FILTER_ACTIONS)
			return store_failf(s, "store_orders_list: more than %d actions",
			                   STORE_FILTER_ACTIONS);
		act[i] = f->actions[i];
	}
	m |= f->status ? LIST_STATUS : 0;
	m |= f->assignee ? LIST_ASSIGNEE : 0;
	m |= f->resident_id ? LIST_RESIDENT : 0;
	m |= f->open_only ? LIST_OPEN : 0;
	m |= act[0] ? LIST_ACTIONS : 0;
	m |= f->from ? LIST_FROM : 0;
	m |= f->to ? LIST_TO : 0;
	m |= f->community ? LIST_COMMUNITY : 0;
	m |= f->oldest_first ? LIST_OLDEST : 0;
	m |= f->rated_max > 0 ? LIST_RATED : 0;
	m |= f->oldest_first && f->after_id ? LIST_AFTER : 0;
	sql = store_variant(s, SQL_ORDERS_LIST, m);
	if (!sql)
		return -1;
	return store_each(s,
	                  store_query_some(s, sql, "TTiddTTTiiiTdiii", f->status, f->assignee,
	                                   f->resident_id, 0, f->limit > 0 ? f->limit : -1, act[0],
	                                   act[1], act[2], f->since, f->from, f->to, f->community,
	                                   f->rated_max, f->feedback_since, f->after_created,
	                                   f->after_id),
	                  walk_order, &w);
}

int store_event_add(struct store *s, int64_t order_id, int64_t at, const char *actor,
                    const char *via, const char *action, const char *old_status,
                    const char *new_status, const char *detail)
{
	if (!action || !*action)
		return store_failf(s, "store_event_add: no action");
	return store_run(s, SQL_EVENT_ADD, "iitttttt", order_id, at, actor, via, action, old_status,
	                 new_status, detail) < 0
	               ? -1
	               : 0;
}

struct event_walk {
	store_event_cb cb;
	void *ud;
};

static int walk_event(struct store *s, const struct store_q *st, void *ud)
{
	const struct event_walk *w = ud;
	struct store_event e;

	(void)s;
	memset(&e, 0, sizeof(e));
	e.id = store_int64(st, 0);
	e.at = store_int64(st, 1);
	store_col(st, 2, e.actor, sizeof(e.actor));
	store_col(st, 3, e.via, sizeof(e.via));
	store_col(st, 4, e.action, sizeof(e.action));
	store_col(st, 5, e.old_status, sizeof(e.old_status));
	store_col(st, 6, e.new_status, sizeof(e.new_status));
	store_col(st, 7, e.detail, sizeof(e.detail));
	return w->cb(&e, w->ud) ? 1 : 0;
}

int store_events_list(struct store *s, int64_t order_id, store_event_cb cb, void *ud)
{
	struct event_walk w = {cb, ud};

	return store_each(s, store_query(s, SQL_EVENTS_LIST, "i", order_id), walk_event, &w);
}

int store_feedback_accept(struct store *s, int64_t order_id, int accepted, int64_t now)
{
	return store_run(s, SQL_FEEDBACK_ACCEPT, "idi", order_id, accepted < 0 ? -1 : accepted,
	                 now) < 0
	               ? -1
	               : 0;
}

int store_feedback_rate(struct store *s, int64_t order_id, int rating, int64_t now)
{
	return store_run(s, SQL_FEEDBACK_RATE, "idi", order_id, rating, now) < 0 ? -1 : 0;
}

int store_feedback_comment(struct store *s, int64_t order_id, const char *comment, int64_t now)
{
	return store_run(s, SQL_FEEDBACK_COMMENT, "iti", order_id, comment, now) < 0 ? -1 : 0;
}

int store_fee_record(struct store *s, int64_t order_id, int64_t fen, const char *by, int64_t now)
{
	return store_run(s, SQL_FEE_RECORD, "iiti", order_id, fen, by, now) < 0 ? -1 : 0;
}

int store_payment_record(struct store *s, int64_t order_id, int64_t fen, const char *receipt,
                         const char *by, int64_t now)
{
	return store_run(s, SQL_PAYMENT_RECORD, "iitti", order_id, fen, receipt, by, now) < 0 ? -1
	                                                                                      : 0;
}
