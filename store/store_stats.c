/*
 * store_stats.c - the figures an operator's scrape reads (/metrics): orders
 * per status and the dialogs in progress. Each is one prepared statement
 * that an index or a small table answers, because a scrape comes every few
 * seconds while the centre works.
 */
#include "store/store_internal.h"

struct tally_ctx {
	store_tally_cb cb;
	void *ud;
};

static int tally_row(struct store *s, const struct store_q *st, void *ud)
{
	struct tally_ctx *t = ud;
	const char *key = store_text(st, 0);

	(void)s;
	return t->cb(key, store_int64(st, 1), t->ud) ? 1 : 0;
}

int store_orders_by_status(struct store *s, store_tally_cb cb, void *ud)
{
	struct tally_ctx t = {cb, ud};

	return store_each(s, store_query(s, SQL_ORDERS_BY_STATUS, ""), tally_row, &t);
}

int store_sessions_active(struct store *s, int64_t since, int64_t *n)
{
	*n = 0;
	return store_first(s, store_query(s, SQL_SESSIONS_ACTIVE, "i", since), store_row_int64, n) <
	                       0
	               ? -1
	               : 0;
}
