/*
 * store_desk.c - what desk intake and duty keep: the chats residents are
 * reached in, found by the phone number they gave, and what staff said of
 * their own duty (/on, /off), one row per staff member.
 */
#include "store/store_internal.h"

#include <string.h>

struct reach_walk {
	store_reach_cb cb;
	void *ud;
};

static int walk_reach(struct store *s, const struct store_q *st, void *ud)
{
	const struct reach_walk *w = ud;
	char channel[16], chat[96], user[96];

	(void)s;
	store_col(st, 1, channel, sizeof(channel));
	store_col(st, 2, chat, sizeof(chat));
	store_col(st, 3, user, sizeof(user));
	return w->cb(store_int64(st, 0), channel, chat, user, w->ud) ? 1 : 0;
}

int store_residents_by_phone(struct store *s, const char *phone, store_reach_cb cb, void *ud)
{
	struct reach_walk w = {cb, ud};

	if (!phone || !*phone)
		return 0;
	return store_each(s, store_query(s, SQL_BY_PHONE, "t", phone), walk_reach, &w);
}

static int read_duty(struct store *s, const struct store_q *st, void *ud)
{
	struct store_duty *d = ud;

	(void)s;
	memset(d, 0, sizeof(*d));
	d->on = store_int(st, 0) != 0;
	d->at = store_int64(st, 1);
	d->until = store_int64(st, 2);
	store_col(st, 3, d->by, sizeof(d->by));
	return 0;
}

int store_duty_get(struct store *s, const char *staff_id, struct store_duty *out)
{
	return store_first(s, store_query(s, SQL_DUTY_GET, "t", staff_id), read_duty, out);
}

int store_duty_set(struct store *s, const char *staff_id, const struct store_duty *d)
{
	if (!staff_id || !*staff_id)
		return store_failf(s, "store_duty_set: no staff id");
	return store_run(s, SQL_DUTY_SET, "tdiit", staff_id, d->on ? 1 : 0, d->at, d->until,
	                 d->by) < 0
	               ? -1
	               : 0;
}
