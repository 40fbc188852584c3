/*
 * test_store_query.c - the register as the console and the API read it
 * (store/store_query.c), against a real SQLite file: a page of orders by
 * status, category, community, assignee and day with the total, the events
 * after a given one, the counts of the report, and what was sent to a chat.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "storefx.h"

#define T_1127_1000 1795744800 /* 2026-11-27 10:00 Asia/Shanghai */
#define T_1128_0000 1795795200 /* 2026-11-28 00:00 */
#define T_1128_0900 1795827600 /* 2026-11-28 09:00 */

struct fx {
	char dir[STOREFX_DIRLEN];
	char path[STOREFX_PATHLEN];
	struct store *s;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	setenv("TZ", "Asia/Shanghai", 1);
	fx->s = storefx_open("test_store_query", fx->dir, fx->path);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	storefx_remove(fx->s, fx->dir, fx->path);
	free(fx);
	return 0;
}

/* An order of CATEGORY in COMMUNITY created at AT, held by ASSIGNEE in STATUS. */
static void add(struct store *s, const char *category, const char *community, int64_t at,
                const char *status, const char *assignee, char *number)
{
	struct store_order o;

	memset(&o, 0, sizeof(o));
	strcpy(o.category, category);
	strcpy(o.community, community);
	strcpy(o.description, "test");
	assert_int_equal(store_order_create(s, &o, at, "system", "web"), 0);
	if (strcmp(status, "pending") != 0 || *assignee) {
		strcpy(o.status, status);
		strcpy(o.assignee, assignee);
		assert_int_equal(store_order_update(s, &o), 0);
	}
	if (number)
		strcpy(number, o.number);
}

struct page {
	char numbers[10][24];
	int n, stop_after;
};

static int on_order(const struct store_order *o, void *ud)
{
	struct page *p = ud;

	strcpy(p->numbers[p->n++], o->number);
	return p->stop_after && p->n >= p->stop_after;
}

static int64_t query(struct store *s, const struct store_order_query *q, struct page *p)
{
	int64_t total = -1;

	memset(p, 0, sizeof(*p));
	assert_int_equal(store_orders_query(s, q, on_order, p, &total), 0);
	return total;
}

static void test_query(void **state)
{
	struct fx *fx = *state;
	struct store_order_query q;
	struct page p;

	add(fx->s, "repair", "demo", T_1127_1000, "pending", "", NULL);
	add(fx->s, "repair", "demo", T_1127_1000 + 60, "assigned", "wang", NULL);
	add(fx->s, "cleaning", "east", T_1127_1000 + 120, "closed", "liu", NULL);
	add(fx->s, "complaint", "demo", T_1128_0900, "assigned", "zhao", NULL);
	add(fx->s, "repair", "east", T_1128_0900 + 60, "cancelled", "", NULL);

	memset(&q, 0, sizeof(q));
	q.limit = 2;
	assert_int_equal(query(fx->s, &q, &p), 5);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.numbers[0], "261128-002"); /* newest first */
	assert_string_equal(p.numbers[1], "261128-001");
	q.offset = 4;
	assert_int_equal(query(fx->s, &q, &p), 5);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.numbers[0], "261127-001");
	q.offset = 5;
	assert_int_equal(query(fx->s, &q, &p), 5);
	assert_int_equal(p.n, 0);

	memset(&q, 0, sizeof(q));
	q.limit = 10;
	q.status = "open";
	assert_int_equal(query(fx->s, &q, &p), 3);
	q.category = "repair";
	assert_int_equal(query(fx->s, &q, &p), 2);
	q.community = "demo";
	q.assignee = "wang";
	assert_int_equal(query(fx->s, &q, &p), 1);
	assert_string_equal(p.numbers[0], "261127-002");
	q.assignee = ""; /* nobody holds it */
	assert_int_equal(query(fx->s, &q, &p), 1);
	assert_string_equal(p.numbers[0], "261127-001");

	memset(&q, 0, sizeof(q));
	q.limit = 10;
	q.status = "closed";
	assert_int_equal(query(fx->s, &q, &p), 1);
	q.status = NULL;
	q.from = T_1128_0000;
	assert_int_equal(query(fx->s, &q, &p), 2);
	q.from = 0;
	q.to = T_1128_0000;
	assert_int_equal(query(fx->s, &q, &p), 3);
	q.from = T_1127_1000 + 60;
	assert_int_equal(query(fx->s, &q, &p), 2);

	/* A callback may stop early; the total is still all that match. */
	memset(&q, 0, sizeof(q));
	q.limit = 10;
	memset(&p, 0, sizeof(p));
	p.stop_after = 1;
	{
		int64_t total = 0;

		assert_int_equal(store_orders_query(fx->s, &q, on_order, &p, &total), 0);
		assert_int_equal(total, 5);
		assert_int_equal(p.n, 1);
	}
	/* A page must be asked for. */
	q.limit = 0;
	{
		int64_t total = 0;

		assert_true(store_orders_query(fx->s, &q, on_order, &p, &total) < 0);
		q.limit = STORE_QUERY_MAX + 1;
		assert_true(store_orders_query(fx->s, &q, on_order, &p, &total) < 0);
	}
}

struct changes {
	int64_t last;
	char seen[8][48];
	int n;
};

static int on_change(int64_t id, const char *number, const char *assignee, void *ud)
{
	struct changes *c = ud;

	assert_true(id > c->last);
	c->last = id;
	snprintf(c->seen[c->n++], sizeof(c->seen[0]), "%s/%s", number, assignee);
	return 0;
}

static void test_events_after(void **state)
{
	struct fx *fx = *state;
	struct store_order o;
	struct changes c;
	int64_t last = -1, mine = -1;
	char a[24], b[24];

	assert_int_equal(store_events_last(fx->s, &last), 0);
	assert_int_equal(last, 0);
	add(fx->s, "repair", "demo", T_1127_1000, "pending", "", a);
	assert_int_equal(store_events_last(fx->s, &last), 0);
	add(fx->s, "repair", "demo", T_1127_1000, "pending", "", b);
	assert_int_equal(store_order_get(fx->s, a, &o), 1);
	strcpy(o.assignee, "wang");
	assert_int_equal(store_order_update(fx->s, &o), 0);
	assert_int_equal(store_event_add(fx->s, o.id, T_1127_1000 + 5, "staff:zhao", "console",
	                                 "assigned", "pending", "assigned", "wang"),
	                 0);

	/* After the first order's creation: the second's, then the first's assignment. */
	memset(&c, 0, sizeof(c));
	c.last = last;
	assert_int_equal(store_events_after(fx->s, last, 0, on_change, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(strcmp(c.seen[0], "261127-002/"), 0);
	assert_int_equal(strcmp(c.seen[1], "261127-001/wang"), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_events_after(fx->s, 0, 1, on_change, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(store_order_last_event(fx->s, o.id, &mine), 0);
	assert_int_equal(store_events_last(fx->s, &last), 0);
	assert_int_equal(mine, last);
}

struct rows {
	char text[8][64];
	int n;
};

static int on_row(const struct store_outbox *m, void *ud)
{
	struct rows *r = ud;

	snprintf(r->text[r->n++], sizeof(r->text[0]), "%s %s", m->status, m->payload);
	return 0;
}

static void test_outbox_to_chat(void **state)
{
	struct fx *fx = *state;
	struct rows r;
	int64_t id;

	assert_int_equal(store_outbox_add(fx->s, "web", "v1", "{\"text\":\"a\"}", 100, &id), 0);
	assert_int_equal(store_outbox_sent(fx->s, id, 101), 0);
	assert_int_equal(store_outbox_add(fx->s, "web", "v2", "{\"text\":\"other\"}", 102, NULL),
	                 0);
	assert_int_equal(store_outbox_add(fx->s, "web", "v1", "{\"text\":\"b\"}", 103, NULL), 0);
	assert_int_equal(store_outbox_add(fx->s, "web", "v1", "{\"text\":\"c\"}", 104, NULL), 0);

	memset(&r, 0, sizeof(r));
	assert_int_equal(store_outbox_to_chat(fx->s, "web", "v1", 0, 0, on_row, &r), 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.text[0], "sent {\"text\":\"a\"}");
	assert_string_equal(r.text[2], "pending {\"text\":\"c\"}");
	/* The newest LIMIT since SINCE, still oldest first. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_outbox_to_chat(fx->s, "web", "v1", 101, 1, on_row, &r), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.text[0], "pending {\"text\":\"c\"}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_query, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_events_after, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_outbox_to_chat, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
