/*
 * test_store.c - the SQLite store against a real file in a temporary folder:
 * migrations, order numbers, the append-only history, the outbox, the web
 * chat's transcript, and two processes writing at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store.h"
#include "storefx.h"

/* Local (Asia/Shanghai) times. */
#define T_1127_1000 1795744800 /* 2026-11-27 10:00 */
#define T_1127_2330 1795793400 /* 2026-11-27 23:30 */
#define T_1128_0010 1795795800 /* 2026-11-28 00:10, still the 27th in UTC */
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
	tzset();
	fx->s = storefx_open("test_store", fx->dir, fx->path);
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

/* Runs SQL on the store through a separate connection; 0 (SQLITE_OK) or nonzero. */
static int raw_exec(const struct fx *fx, const char *sql)
{
	return storefx_exec(fx->path, sql);
}

static int64_t raw_int(const struct fx *fx, const char *sql)
{
	return storefx_int(fx->path, sql);
}

/* ---- schema --------------------------------------------------------------- */

static void test_migrations(void **state)
{
	struct fx *fx = *state;
	struct store *s2 = NULL;
	char err[256], v[32], sql[64];
	int version;

	STOREFX_SQLITE_ONLY("PRAGMA user_version; test_store_pg covers concierge_schema");
	version = store_schema_version(fx->s);
	assert_true(version >= 1);
	assert_int_equal(raw_int(fx, "PRAGMA user_version"), version);
	assert_int_equal(raw_int(fx, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
	assert_int_equal(store_kv_set(fx->s, "k", "v1"), 0);

	/* Reopening is a no-op that keeps the data. */
	store_close(fx->s);
	fx->s = NULL;
	assert_int_equal(store_open(fx->path, &fx->s, err, sizeof(err)), 0);
	assert_int_equal(store_schema_version(fx->s), version);
	assert_int_equal(store_kv_get(fx->s, "k", v, sizeof(v)), 1);
	assert_string_equal(v, "v1");
	store_close(fx->s);
	fx->s = NULL;

	/* A file from a newer program is refused. */
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
	assert_int_equal(raw_exec(fx, sql), SQLITE_OK);
	assert_int_equal(store_open(fx->path, &s2, err, sizeof(err)), -1);
	assert_null(s2);
	assert_non_null(strstr(err, "newer"));
	assert_non_null(strstr(err, fx->path));

	/* Put it back so teardown has a store to close. */
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
	assert_int_equal(raw_exec(fx, sql), SQLITE_OK);
	assert_int_equal(store_open(fx->path, &fx->s, err, sizeof(err)), 0);
}

static void test_foreign_file_refused(void **state)
{
	struct fx *fx = *state;
	struct store *s2 = NULL;
	char path[160], err[256];
	sqlite3 *db;

	STOREFX_SQLITE_ONLY("application_id; test_store_pg covers a foreign database");
	snprintf(path, sizeof(path), "%s/other.db", fx->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA application_id = 1234", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(path, &s2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a Concierge database"));
	unlink(path);
}

/* ---- orders --------------------------------------------------------------- */

static void test_order_numbers(void **state)
{
	struct fx *fx = *state;
	struct store_order o;

	storefx_new_order(fx->s, &o, T_1127_1000);
	assert_string_equal(o.number, "261127-001");
	assert_true(o.id > 0);
	assert_int_equal(o.created_at, T_1127_1000);
	assert_string_equal(o.status, "pending");
	storefx_new_order(fx->s, &o, T_1127_2330);
	assert_string_equal(o.number, "261127-002");
	/* The local date counts, not the UTC one. */
	storefx_new_order(fx->s, &o, T_1128_0010);
	assert_string_equal(o.number, "261128-001");
	storefx_new_order(fx->s, &o, T_1128_0900);
	assert_string_equal(o.number, "261128-002");
	storefx_new_order(fx->s, &o, T_1127_2330);
	assert_string_equal(o.number, "261127-003");
}

static void test_order_number_past_999(void **state)
{
	struct fx *fx = *state;
	struct store_order o;

	assert_int_equal(raw_exec(fx, "INSERT INTO order_counters VALUES ('261127', 998)"),
	                 SQLITE_OK);
	storefx_new_order(fx->s, &o, T_1127_1000);
	assert_string_equal(o.number, "261127-999");
	storefx_new_order(fx->s, &o, T_1127_1000);
	assert_string_equal(o.number, "261127-1000");
}

static void test_order_round_trip(void **state)
{
	struct fx *fx = *state;
	struct store_order o, g;

	storefx_new_order(fx->s, &o, T_1127_1000);
	assert_int_equal(store_order_get(fx->s, o.number, &g), 1);
	assert_int_equal(g.id, o.id);
	assert_string_equal(g.description, "厨房水龙头漏水");
	assert_string_equal(g.contact_name, "李");
	assert_string_equal(g.room, "3-2-501");
	assert_string_equal(g.category, "repair");
	assert_int_equal(g.promised_minutes, 30);
	assert_int_equal(g.resident_id, 0);
	assert_int_equal(g.fee, -1);
	assert_string_equal(g.receipt, "");
	assert_int_equal(g.paid_at, 0);
	assert_int_equal(g.accepted, -1);
	assert_int_equal(g.rating, 0);
	assert_string_equal(g.comment, "");

	strcpy(g.status, "assigned");
	strcpy(g.assignee, "wang");
	strcpy(g.eta, "今天下午3点");
	g.eta_at = T_1127_1000 + 5 * 3600;
	g.assigned_at = T_1127_1000 + 60;
	strcpy(g.estimate, "50 元起");
	assert_int_equal(store_order_update(fx->s, &g), 0);
	memset(&o, 0, sizeof(o));
	assert_int_equal(store_order_get_id(fx->s, g.id, &o), 1);
	assert_string_equal(o.status, "assigned");
	assert_string_equal(o.assignee, "wang");
	assert_string_equal(o.eta, "今天下午3点");
	assert_int_equal(o.eta_at, T_1127_1000 + 5 * 3600);
	assert_int_equal(o.assigned_at, T_1127_1000 + 60);
	assert_string_equal(o.estimate, "50 元起");

	assert_int_equal(store_order_get(fx->s, "000000-000", &g), 0);
	assert_int_equal(store_order_get_id(fx->s, 9999, &g), 0);
	g.id = 9999;
	assert_int_equal(store_order_update(fx->s, &g), -1);
}

/* Migration 3: complaints are a category, orders can be urgent, times can be windows. */
static void test_order_urgent_complaint_window(void **state)
{
	struct fx *fx = *state;
	struct store_order o, g;

	memset(&o, 0, sizeof(o));
	strcpy(o.community, "demo");
	strcpy(o.category, "complaint");
	strcpy(o.description, "投诉 保安不管事");
	strcpy(o.status, "assigned");
	strcpy(o.assignee, "zhao");
	o.urgent = 1;
	o.preferred_at = T_1127_1000;
	o.preferred_end = T_1127_1000 + 3 * 3600;
	assert_int_equal(store_order_create(fx->s, &o, T_1127_1000, "resident:1", "terminal"), 0);
	assert_int_equal(store_order_get(fx->s, o.number, &g), 1);
	assert_string_equal(g.category, "complaint");
	assert_int_equal(g.urgent, 1);
	assert_int_equal(g.preferred_end, T_1127_1000 + 3 * 3600);
	/* An update keeps the window, or moves both ends of it. */
	strcpy(g.status, "in_progress");
	assert_int_equal(store_order_update(fx->s, &g), 0);
	assert_int_equal(store_order_get(fx->s, o.number, &g), 1);
	assert_int_equal(g.urgent, 1);
	assert_int_equal(g.preferred_end, T_1127_1000 + 3 * 3600);
	g.preferred_at = T_1127_1000 + 86400;
	g.preferred_end = T_1127_1000 + 86400 + 3600;
	assert_int_equal(store_order_update(fx->s, &g), 0);
	assert_int_equal(store_order_get(fx->s, o.number, &g), 1);
	assert_int_equal(g.preferred_at, T_1127_1000 + 86400);
	assert_int_equal(g.preferred_end, T_1127_1000 + 86400 + 3600);
	storefx_new_order(fx->s, &o, T_1127_1000);
	assert_int_equal(store_order_get(fx->s, o.number, &g), 1);
	assert_int_equal(g.urgent, 0);
	assert_int_equal(g.preferred_end, 0);
}

static void test_order_bad_values(void **state)
{
	struct fx *fx = *state;
	struct store_order o, g;

	storefx_new_order(fx->s, &o, T_1127_1000);
	strcpy(o.status, "bogus");
	assert_true(store_order_update(fx->s, &o) < 0);
	/* SQLite: "CHECK constraint failed"; PostgreSQL: "violates check constraint" */
	assert_true(strstr(store_errmsg(fx->s), "CHECK") ||
	            strstr(store_errmsg(fx->s), "check constraint"));
	assert_int_equal(store_order_get_id(fx->s, o.id, &g), 1);
	assert_string_equal(g.status, "pending");

	strcpy(o.status, "pending");
	strcpy(o.category, "plumbing");
	assert_true(store_order_update(fx->s, &o) < 0);

	/* A bad order takes no number. */
	storefx_new_order(fx->s, &o, T_1127_1000);
	strcpy(o.category, "gardening");
	o.status[0] = '\0';
	assert_true(store_order_create(fx->s, &o, T_1127_1000, "system", "web") < 0);
	storefx_new_order(fx->s, &o, T_1127_1000);
	assert_string_equal(o.number, "261127-003");
}

struct list_ctx {
	int n;
	int stop_after;
	char numbers[8][24];
	struct store *s;
	int inner;
};

static int list_cb(const struct store_order *o, void *ud)
{
	struct list_ctx *c = ud;

	if (c->n < 8)
		strcpy(c->numbers[c->n], o->number);
	c->n++;
	return c->stop_after && c->n >= c->stop_after;
}

static int count_cb(const struct store_order *o, void *ud)
{
	(void)o;
	(*(int *)ud)++;
	return 0;
}

/* Lists again from inside a list: the cached statement must not be reset under us. */
static int nested_cb(const struct store_order *o, void *ud)
{
	struct list_ctx *c = ud;
	int n = 0;

	(void)o;
	assert_int_equal(store_orders_list(c->s, NULL, count_cb, &n), 0);
	c->inner += n;
	c->n++;
	return 0;
}

static void test_orders_list(void **state)
{
	struct fx *fx = *state;
	struct store_order o;
	struct store_resident r;
	struct store_order_filter f;
	struct list_ctx c;
	int i;

	assert_int_equal(store_resident_ensure(fx->s, "web", "u1", T_1127_1000, &r), 0);
	for (i = 0; i < 5; i++) {
		storefx_new_order(fx->s, &o, T_1127_1000 + i);
		if (i == 1 || i == 3) {
			strcpy(o.status, i == 1 ? "closed" : "assigned");
			strcpy(o.assignee, "wang");
			assert_int_equal(store_order_update(fx->s, &o), 0);
		}
	}
	/* One more at the same second: the id breaks the tie. */
	memset(&o, 0, sizeof(o));
	strcpy(o.category, "inquiry");
	o.resident_id = r.id;
	assert_int_equal(store_order_create(fx->s, &o, T_1127_1000 + 4, "system", "web"), 0);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_orders_list(fx->s, NULL, list_cb, &c), 0);
	assert_int_equal(c.n, 6);
	assert_string_equal(c.numbers[0], "261127-006");
	assert_string_equal(c.numbers[1], "261127-005");
	assert_string_equal(c.numbers[5], "261127-001");

	memset(&f, 0, sizeof(f));
	f.assignee = "wang";
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_orders_list(fx->s, &f, list_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.numbers[0], "261127-004");

	f.open_only = 1;
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_orders_list(fx->s, &f, list_cb, &c), 0);
	assert_int_equal(c.n, 1);

	memset(&f, 0, sizeof(f));
	f.status = "pending";
	f.limit = 2;
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_orders_list(fx->s, &f, list_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.numbers[0], "261127-006");
	assert_string_equal(c.numbers[1], "261127-005");

	memset(&f, 0, sizeof(f));
	f.resident_id = r.id;
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_orders_list(fx->s, &f, list_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.numbers[0], "261127-006");

	/* Pages oldest first, each after the last one read (orders 005 and 006 share a second). */
	memset(&f, 0, sizeof(f));
	f.open_only = 1;
	f.oldest_first = 1;
	f.limit = 2;
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_orders_list(fx->s, &f, list_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.numbers[0], "261127-001");
	assert_string_equal(c.numbers[1], "261127-003");
	assert_int_equal(store_order_get(fx->s, "261127-003", &o), 1);
	f.after_created = o.created_at;
	f.after_id = o.id;
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_orders_list(fx->s, &f, list_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.numbers[0], "261127-004");
	assert_string_equal(c.numbers[1], "261127-005");
	assert_int_equal(store_order_get(fx->s, "261127-005", &o), 1);
	f.after_created = o.created_at;
	f.after_id = o.id;
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_orders_list(fx->s, &f, list_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.numbers[0], "261127-006");

	memset(&c, 0, sizeof(c));
	c.stop_after = 3;
	assert_int_equal(store_orders_list(fx->s, NULL, list_cb, &c), 0);
	assert_int_equal(c.n, 3);

	memset(&c, 0, sizeof(c));
	c.s = fx->s;
	assert_int_equal(store_orders_list(fx->s, NULL, nested_cb, &c), 0);
	assert_int_equal(c.n, 6);
	assert_int_equal(c.inner, 36);
}

/* Orders whose history has one of some actions lately: only those are listed. */
static void test_orders_list_by_event(void **state)
{
	static const char *const wrote[] = {"message_to_resident", "quoted", NULL};
	static const char *const too_many[] = {"a", "b", "c", "d", NULL};
	struct fx *fx = *state;
	struct store_order o[3];
	struct store_order_filter f;
	struct list_ctx c;
	int i;

	for (i = 0; i < 3; i++)
		storefx_new_order(fx->s, &o[i], T_1127_1000 + i);
	assert_int_equal(store_event_add(fx->s, o[0].id, T_1127_1000 + 10, "staff:wang", "web",
	                                 "message_to_resident", "pending", "pending", "hi"),
	                 0);
	assert_int_equal(store_event_add(fx->s, o[1].id, T_1127_1000 + 20, "staff:wang", "web",
	                                 "quoted", "pending", "pending", "380 pipe"),
	                 0);
	assert_int_equal(store_event_add(fx->s, o[2].id, T_1127_1000 + 30, "resident:1", "web",
	                                 "message_from_resident", "pending", "pending", "yo"),
	                 0);

	memset(&f, 0, sizeof(f));
	f.actions = wrote;
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_orders_list(fx->s, &f, list_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.numbers[0], o[1].number);
	assert_string_equal(c.numbers[1], o[0].number);

	f.since = T_1127_1000 + 15; /* the message to the resident is too old now */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_orders_list(fx->s, &f, list_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.numbers[0], o[1].number);

	f.since = T_1127_1000 + 21;
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_orders_list(fx->s, &f, list_cb, &c), 0);
	assert_int_equal(c.n, 0);

	f.actions = too_many;
	assert_true(store_orders_list(fx->s, &f, list_cb, &c) < 0);
}

/* ---- history -------------------------------------------------------------- */

struct ev_ctx {
	int n;
	struct store_event e[4];
};

static int ev_cb(const struct store_event *e, void *ud)
{
	struct ev_ctx *c = ud;

	if (c->n < 4)
		c->e[c->n] = *e;
	c->n++;
	return 0;
}

static void test_events(void **state)
{
	struct fx *fx = *state;
	struct store_order o;
	struct ev_ctx c;
	char sql[128];

	storefx_new_order(fx->s, &o, T_1127_1000);
	assert_int_equal(store_event_add(fx->s, o.id, T_1127_1000 + 60, "staff:wang", "telegram",
	                                 "accepted", "pending", "assigned", ""),
	                 0);
	assert_int_equal(store_event_add(fx->s, o.id, T_1127_1000 + 120, "staff:wang", "telegram",
	                                 "eta", NULL, NULL, "15:00"),
	                 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_events_list(fx->s, o.id, ev_cb, &c), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.e[0].action, "created");
	assert_string_equal(c.e[0].actor, "resident:1");
	assert_string_equal(c.e[0].via, "telegram");
	assert_string_equal(c.e[0].new_status, "pending");
	assert_int_equal(c.e[0].at, T_1127_1000);
	assert_string_equal(c.e[1].action, "accepted");
	assert_string_equal(c.e[1].old_status, "pending");
	assert_string_equal(c.e[1].new_status, "assigned");
	assert_string_equal(c.e[2].detail, "15:00");
	assert_string_equal(c.e[2].old_status, "");

	/* An event for an order that does not exist is refused (foreign key). */
	assert_true(store_event_add(fx->s, 9999, 1, "system", "", "x", "", "", "") < 0);

	/* The history cannot be rewritten, even by hand. */
	assert_int_not_equal(raw_exec(fx, "UPDATE order_events SET actor = 'x'"), SQLITE_OK);
	assert_int_not_equal(raw_exec(fx, "DELETE FROM order_events"), SQLITE_OK);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM order_events WHERE order_id = %lld",
	         (long long)o.id);
	assert_int_equal(raw_int(fx, sql), 3);
}

/* ---- feedback, fees and payments ------------------------------------------- */

static void test_feedback_fee_payment(void **state)
{
	struct fx *fx = *state;
	struct store_order o, g;

	storefx_new_order(fx->s, &o, T_1127_1000);
	assert_int_equal(store_feedback_accept(fx->s, o.id, 0, T_1127_1000 + 10), 0);
	assert_int_equal(store_order_get_id(fx->s, o.id, &g), 1);
	assert_int_equal(g.accepted, 0);
	assert_int_equal(g.rating, 0);

	assert_int_equal(store_feedback_accept(fx->s, o.id, 1, T_1127_1000 + 20), 0);
	assert_int_equal(store_feedback_rate(fx->s, o.id, 4, T_1127_1000 + 30), 0);
	assert_int_equal(store_feedback_comment(fx->s, o.id, "师傅很专业", T_1127_1000 + 40), 0);
	assert_true(store_feedback_rate(fx->s, o.id, 6, T_1127_1000 + 50) < 0);
	assert_int_equal(store_fee_record(fx->s, o.id, 5000, "staff:wang", T_1127_1000 + 60), 0);
	assert_int_equal(store_fee_record(fx->s, o.id, 4500, "staff:zhao", T_1127_1000 + 70), 0);
	assert_int_equal(
	        store_payment_record(fx->s, o.id, 4500, "R-001", "staff:wang", T_1127_1000 + 80),
	        0);
	assert_int_equal(store_order_get(fx->s, o.number, &g), 1);
	assert_int_equal(g.accepted, 1);
	assert_int_equal(g.rating, 4);
	assert_string_equal(g.comment, "师傅很专业");
	assert_int_equal(g.fee, 4500);
	assert_string_equal(g.receipt, "R-001");
	assert_int_equal(g.paid_at, T_1127_1000 + 80);

	/* A free job is a fee of 0, not "no fee". */
	storefx_new_order(fx->s, &o, T_1127_1000);
	assert_int_equal(store_fee_record(fx->s, o.id, 0, "staff:wang", T_1127_1000), 0);
	assert_int_equal(store_order_get_id(fx->s, o.id, &g), 1);
	assert_int_equal(g.fee, 0);
	assert_int_equal(g.accepted, -1);
	assert_true(store_fee_record(fx->s, 9999, 1, "x", 1) < 0);
}

/* ---- transactions ------------------------------------------------------------ */

static void test_rollback(void **state)
{
	struct fx *fx = *state;
	struct store_order o, g;
	struct store_resident r;
	char num[24];
	int64_t n = -1;

	assert_int_equal(store_begin(fx->s), 0);
	assert_true(store_begin(fx->s) < 0); /* not nestable */
	assert_int_equal(store_dedup_claim(fx->s, "telegram", "1", T_1127_1000), 1);
	assert_int_equal(store_resident_ensure(fx->s, "telegram", "42", T_1127_1000, &r), 0);
	storefx_new_order(fx->s, &o, T_1127_1000);
	strcpy(num, o.number);
	assert_int_equal(store_outbox_add(fx->s, "telegram", "-100", "{}", T_1127_1000, NULL), 0);
	assert_int_equal(store_session_put(fx->s, "telegram", "-100", "42", "{}", T_1127_1000), 0);
	/* A failing step inside the caller's transaction undoes only itself. */
	o.status[0] = '\0';
	strcpy(o.category, "bogus");
	assert_true(store_order_create(fx->s, &o, T_1127_1000, "system", "web") < 0);
	assert_int_equal(store_order_get(fx->s, num, &g), 1);
	assert_int_equal(store_rollback(fx->s), 0);

	assert_int_equal(store_order_get(fx->s, num, &g), 0);
	assert_int_equal(store_dedup_claim(fx->s, "telegram", "1", T_1127_1000), 1);
	assert_int_equal(store_outbox_depth(fx->s, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM residents"), 0);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM sessions"), 0);
	/* The number was not used up. */
	storefx_new_order(fx->s, &o, T_1127_1000);
	assert_string_equal(o.number, num);

	/* And a commit keeps everything. */
	assert_int_equal(store_begin(fx->s), 0);
	storefx_new_order(fx->s, &o, T_1127_1000);
	assert_int_equal(store_commit(fx->s), 0);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM orders"), 2);
	assert_int_equal(store_rollback(fx->s), 0); /* nothing open: harmless */
}

/* ---- small tables ------------------------------------------------------------ */

static void test_kv_and_dedup(void **state)
{
	struct fx *fx = *state;
	char v[8];

	assert_int_equal(store_kv_get(fx->s, "telegram.offset", v, sizeof(v)), 0);
	assert_int_equal(store_kv_set(fx->s, "telegram.offset", "100"), 0);
	assert_int_equal(store_kv_set(fx->s, "telegram.offset", "101"), 0);
	assert_int_equal(store_kv_get(fx->s, "telegram.offset", v, sizeof(v)), 1);
	assert_string_equal(v, "101");
	/* Too long for the buffer: cut before the character that does not fit. */
	assert_int_equal(store_kv_set(fx->s, "name", "ab物业中心"), 0);
	assert_int_equal(store_kv_get(fx->s, "name", v, sizeof(v)), 1);
	assert_string_equal(v, "ab物");
	assert_int_equal(store_kv_get(fx->s, "name", v, 5), 1);
	assert_string_equal(v, "ab");

	assert_int_equal(store_dedup_claim(fx->s, "telegram", "u1", 100), 1);
	assert_int_equal(store_dedup_claim(fx->s, "telegram", "u1", 101), 0);
	assert_int_equal(store_dedup_claim(fx->s, "slack", "u1", 101), 1);
	assert_int_equal(store_dedup_claim(fx->s, "telegram", "u2", 200), 1);
	assert_int_equal(store_dedup_prune(fx->s, 150), 0);
	assert_int_equal(store_dedup_claim(fx->s, "telegram", "u1", 300), 1);
	assert_int_equal(store_dedup_claim(fx->s, "telegram", "u2", 300), 0);
}

static void test_sessions(void **state)
{
	struct fx *fx = *state;
	char *st = NULL;
	int64_t at = 0;

	assert_int_equal(store_session_get(fx->s, "web", "c1", "p1", &st, &at), 0);
	assert_null(st);
	assert_int_equal(store_session_put(fx->s, "web", "c1", "p1", "{\"step\":1}", 100), 0);
	assert_int_equal(store_session_put(fx->s, "web", "c1", "p2", "{\"step\":9}", 100), 0);
	assert_int_equal(store_session_get(fx->s, "web", "c1", "p1", &st, &at), 1);
	assert_string_equal(st, "{\"step\":1}");
	assert_int_equal(at, 100);
	free(st);
	assert_int_equal(store_session_put(fx->s, "web", "c1", "p1", "{\"step\":2}", 200), 0);
	assert_int_equal(store_session_get(fx->s, "web", "c1", "p1", &st, &at), 1);
	assert_string_equal(st, "{\"step\":2}");
	assert_int_equal(at, 200);
	free(st);
	assert_int_equal(store_session_delete(fx->s, "web", "c1", "p1"), 0);
	assert_int_equal(store_session_get(fx->s, "web", "c1", "p1", &st, &at), 0);
	assert_int_equal(store_session_get(fx->s, "web", "c1", "p2", &st, NULL), 1);
	free(st);
}

static void test_residents(void **state)
{
	struct fx *fx = *state;
	struct store_resident a, b, c, g;

	assert_int_equal(store_resident_ensure(fx->s, "telegram", "42", 100, &a), 0);
	assert_true(a.id > 0);
	assert_string_equal(a.name, "");
	assert_int_equal(store_resident_ensure(fx->s, "telegram", "42", 200, &b), 0);
	assert_int_equal(a.id, b.id);
	assert_int_equal(store_resident_ensure(fx->s, "telegram", "43", 200, &c), 0);
	assert_int_not_equal(a.id, c.id);
	assert_int_equal(store_resident_ensure(fx->s, "web", "42", 200, &c), 0);
	assert_int_not_equal(a.id, c.id);

	strcpy(a.name, "李雷");
	strcpy(a.room, "3-2-501");
	strcpy(a.phone, "13800138000");
	strcpy(a.lang, "zh");
	assert_int_equal(store_resident_save(fx->s, &a, 300), 0);
	assert_int_equal(store_resident_ensure(fx->s, "telegram", "42", 400, &b), 0);
	assert_string_equal(b.name, "李雷");
	assert_int_equal(store_resident_get(fx->s, a.id, &g), 1);
	assert_string_equal(g.room, "3-2-501");
	assert_string_equal(g.phone, "13800138000");
	assert_string_equal(g.lang, "zh");
	assert_int_equal(store_resident_get(fx->s, 9999, &g), 0);
	g.id = 9999;
	assert_true(store_resident_save(fx->s, &g, 1) < 0);
	assert_true(store_resident_ensure(fx->s, "telegram", "", 1, &g) < 0);
}

/* ---- desk intake and duty ---------------------------------------------------- */

/* How an order came in: its channel unless staff took it down at the desk. */
static void test_order_intake(void **state)
{
	struct fx *fx = *state;
	struct store_order o, g;

	storefx_new_order(fx->s, &o, T_1127_1000);
	assert_int_equal(store_order_get(fx->s, o.number, &g), 1);
	assert_string_equal(g.intake, "telegram");
	assert_string_equal(g.source, "");
	assert_string_equal(g.taken_by, "");

	memset(&o, 0, sizeof(o));
	strcpy(o.category, "repair");
	strcpy(o.intake, "desk");
	strcpy(o.source, "phone");
	strcpy(o.taken_by, "wang");
	strcpy(o.phone, "13812345678");
	assert_int_equal(store_order_create(fx->s, &o, T_1127_1000, "staff:wang", "desk"), 0);
	assert_int_equal(store_order_get(fx->s, o.number, &g), 1);
	assert_string_equal(g.intake, "desk");
	assert_string_equal(g.source, "phone");
	assert_string_equal(g.taken_by, "wang");
	assert_string_equal(g.channel, "");
	assert_int_equal(g.resident_id, 0);

	strcpy(o.source, "fax");
	assert_true(store_order_create(fx->s, &o, T_1127_1000, "staff:wang", "desk") < 0);
}

struct reached {
	int n;
	int64_t id[4];
	char chat[4][96];
};

static int reach_cb(int64_t id, const char *channel, const char *chat, const char *user, void *ud)
{
	struct reached *r = ud;

	assert_string_equal(channel, "telegram");
	assert_string_equal(user, "42");
	r->id[r->n] = id;
	snprintf(r->chat[r->n], sizeof(r->chat[0]), "%s", chat);
	return ++r->n == 4;
}

/* A phone given at the desk finds the residents who saved it, newest first, and their chat. */
static void test_residents_by_phone(void **state)
{
	struct fx *fx = *state;
	struct store_resident a, b, c;
	struct store_order o;
	struct reached r;

	assert_int_equal(store_resident_ensure(fx->s, "telegram", "42", 100, &a), 0);
	assert_int_equal(store_resident_ensure(fx->s, "web", "v1", 100, &b), 0);
	assert_int_equal(store_resident_ensure(fx->s, "web", "v2", 100, &c), 0);
	strcpy(a.phone, "13800138000");
	strcpy(b.phone, "13800138000");
	strcpy(c.phone, "13800138000"); /* no order: no chat known */
	assert_int_equal(store_resident_save(fx->s, &a, 300), 0);
	assert_int_equal(store_resident_save(fx->s, &b, 200), 0);
	assert_int_equal(store_resident_save(fx->s, &c, 400), 0);
	storefx_new_order(fx->s, &o, T_1127_1000); /* telegram, chat -100, user 42 */
	o.resident_id = a.id;
	strcpy(o.chat, "42");
	assert_int_equal(store_order_create(fx->s, &o, T_1127_1000, "resident:1", "telegram"), 0);
	o.resident_id = b.id;
	strcpy(o.chat, "77");
	assert_int_equal(store_order_create(fx->s, &o, T_1127_1000, "resident:2", "telegram"), 0);

	memset(&r, 0, sizeof(r));
	assert_int_equal(store_residents_by_phone(fx->s, "13800138000", reach_cb, &r), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.id[0], a.id); /* saved last */
	assert_string_equal(r.chat[0], "42");
	assert_int_equal(r.id[1], b.id);
	assert_string_equal(r.chat[1], "77");
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_residents_by_phone(fx->s, "13900000000", reach_cb, &r), 0);
	assert_int_equal(store_residents_by_phone(fx->s, "", reach_cb, &r), 0);
	assert_int_equal(r.n, 0);
}

static void test_duty(void **state)
{
	struct fx *fx = *state;
	struct store_duty d, g;

	assert_int_equal(store_duty_get(fx->s, "wang", &g), 0);
	memset(&d, 0, sizeof(d));
	d.on = 0;
	d.at = T_1127_1000;
	strcpy(d.by, "staff:wang");
	assert_int_equal(store_duty_set(fx->s, "wang", &d), 0);
	assert_int_equal(store_duty_get(fx->s, "wang", &g), 1);
	assert_int_equal(g.on, 0);
	assert_int_equal(g.at, T_1127_1000);
	assert_int_equal(g.until, 0);
	assert_string_equal(g.by, "staff:wang");
	d.on = 1;
	d.until = T_1128_0900;
	strcpy(d.by, "staff:zhao");
	assert_int_equal(store_duty_set(fx->s, "wang", &d), 0);
	assert_int_equal(store_duty_get(fx->s, "wang", &g), 1);
	assert_int_equal(g.on, 1);
	assert_int_equal(g.until, T_1128_0900);
	assert_string_equal(g.by, "staff:zhao");
	assert_int_equal(store_duty_get(fx->s, "liu", &g), 0);
	assert_true(store_duty_set(fx->s, "", &d) < 0);
}

static int photo_cb(const struct store_photo *p, void *ud)
{
	char *out = ud;

	strcat(out, p->type);
	strcat(out, " ");
	return 0;
}

/* Photos wait for the order their intake makes, and an order has each picture once. */
static void test_photos(void **state)
{
	struct fx *fx = *state;
	struct store_resident r;
	struct store_order o;
	struct store_photo p;
	char seen[256] = "";
	int64_t first;

	/* A SQLite store's photos live beside its file; a PostgreSQL one has none. */
	assert_string_equal(store_path(fx->s), storefx_pg() ? "" : fx->path);
	assert_int_equal(store_resident_ensure(fx->s, "web", "v1", 100, &r), 0);
	memset(&p, 0, sizeof(p));
	p.resident_id = r.id;
	strcpy(p.hash, "aa");
	strcpy(p.type, "jpeg");
	p.size = 10;
	strcpy(p.path, "/x/aa.jpg");
	strcpy(p.channel, "web");
	p.at = 1000;
	assert_int_equal(store_photo_add(fx->s, &p), 1);
	assert_true(p.id > 0);
	first = p.id;
	strcpy(p.hash, "bb");
	strcpy(p.type, "png");
	p.at = 500; /* too old for the window asked below */
	assert_int_equal(store_photo_add(fx->s, &p), 1);
	assert_int_equal(store_photos_pending(fx->s, r.id, 900, photo_cb, seen), 0);
	assert_string_equal(seen, "jpeg ");

	storefx_new_order(fx->s, &o, 1100);
	assert_int_equal(store_photo_attach(fx->s, first, o.id), 1);
	assert_int_equal(store_photo_attach(fx->s, first, o.id), 0); /* not pending any more */
	seen[0] = '\0';
	assert_int_equal(store_photos_list(fx->s, o.id, photo_cb, seen), 0);
	assert_string_equal(seen, "jpeg ");
	seen[0] = '\0';
	assert_int_equal(store_photos_pending(fx->s, r.id, 0, photo_cb, seen), 0);
	assert_string_equal(seen, "png "); /* the attached one waits no more */
	/* the same picture on the same order again: nothing new */
	p.order_id = o.id;
	strcpy(p.hash, "aa");
	strcpy(p.type, "jpeg");
	assert_int_equal(store_photo_add(fx->s, &p), 0);
	assert_int_equal(p.id, first);
	strcpy(p.type, "gif");
	strcpy(p.hash, "cc");
	assert_true(store_photo_add(fx->s, &p) < 0); /* not a type we keep */
}

static void touch(const char *path)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs("x", f);
	fclose(f);
}

/* Files made for a transaction go when it rolls back, and stay when it commits. */
static void test_tx_files(void **state)
{
	struct fx *fx = *state;
	char a[160], b[160], c[160];

	snprintf(a, sizeof(a), "%s/a.jpg", fx->dir);
	snprintf(b, sizeof(b), "%s/b.jpg", fx->dir);
	snprintf(c, sizeof(c), "%s/c.jpg", fx->dir);
	touch(a);
	touch(b);
	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(store_tx_file(fx->s, a), 0);
	assert_int_equal(store_tx_file(fx->s, b), 0);
	assert_int_equal(store_rollback(fx->s), 0);
	assert_int_equal(access(a, F_OK), -1);
	assert_int_equal(access(b, F_OK), -1);
	/* committed: kept, and not removed by a later rollback */
	touch(a);
	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(store_tx_file(fx->s, a), 0);
	assert_int_equal(store_commit(fx->s), 0);
	assert_int_equal(store_begin(fx->s), 0);
	touch(c);
	assert_int_equal(store_tx_file(fx->s, c), 0);
	assert_int_equal(store_rollback(fx->s), 0);
	assert_int_equal(access(a, F_OK), 0);
	assert_int_equal(access(c, F_OK), -1);
	/* a file already gone is no trouble; a transaction left open goes with its files */
	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(store_tx_file(fx->s, c), 0);
	assert_int_equal(store_rollback(fx->s), 0);
	touch(b);
	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(store_tx_file(fx->s, b), 0);
	store_close(fx->s);
	fx->s = NULL;
	assert_int_equal(access(b, F_OK), -1);
	unlink(a);
}

static void test_staff_sync(void **state)
{
	struct fx *fx = *state;
	char *skills_wang[] = {"plumbing", "electric"};
	struct store_staff_row staff[2];

	memset(staff, 0, sizeof(staff));
	staff[0].id = "wang";
	staff[0].name = "王师傅";
	staff[0].role = "technician";
	staff[0].skills = skills_wang;
	staff[0].nskills = 2;
	staff[1].id = "zhao";
	staff[1].name = "赵";
	staff[1].role = "supervisor";
	assert_int_equal(store_staff_sync(fx->s, staff, 2), 0);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM staff WHERE active = 1"), 2);
	assert_int_equal(raw_int(fx, "SELECT skills = '[\"plumbing\",\"electric\"]' FROM staff"
	                             " WHERE id = 'wang'"),
	                 1);
	assert_int_equal(raw_int(fx, "SELECT skills = '[]' FROM staff WHERE id = 'zhao'"), 1);

	/* zhao leaves the config: kept, inactive. wang changes role. */
	staff[0].role = "dispatcher";
	assert_int_equal(store_staff_sync(fx->s, staff, 1), 0);
	assert_int_equal(raw_int(fx, "SELECT active FROM staff WHERE id = 'zhao'"), 0);
	assert_int_equal(raw_int(fx, "SELECT active FROM staff WHERE id = 'wang'"), 1);
	assert_int_equal(raw_int(fx, "SELECT role = 'dispatcher' FROM staff WHERE id = 'wang'"), 1);
}

/* ---- outbox ------------------------------------------------------------------ */

struct ob_ctx {
	int n;
	int64_t ids[8];
	char payload[8][32];
	struct store *s;
	int mark_sent;
};

static int ob_cb(const struct store_outbox *m, void *ud)
{
	struct ob_ctx *c = ud;

	if (c->n < 8) {
		c->ids[c->n] = m->id;
		snprintf(c->payload[c->n], sizeof(c->payload[0]), "%s", m->payload);
	}
	c->n++;
	/* The sender updates the row it was handed, from inside the callback. */
	if (c->mark_sent)
		assert_int_equal(store_outbox_sent(c->s, m->id, 500), 0);
	return 0;
}

static void test_outbox(void **state)
{
	struct fx *fx = *state;
	struct ob_ctx c;
	int64_t a, b, d, e, n;

	assert_int_equal(store_outbox_add(fx->s, "telegram", "-100", "{\"t\":\"a\"}", 100, &a), 0);
	assert_int_equal(store_outbox_add(fx->s, "telegram", "-100", "{\"t\":\"b\"}", 100, &b), 0);
	assert_int_equal(store_outbox_add(fx->s, "web", "w1", "{\"t\":\"d\"}", 100, &d), 0);
	assert_int_equal(store_outbox_add(fx->s, "web", "w1", "{\"t\":\"e\"}", 100, &e), 0);
	assert_true(a < b && b < d && d < e);
	assert_int_equal(store_outbox_depth(fx->s, &n), 0);
	assert_int_equal(n, 4);

	/* b fails once and waits; a is sent; d dies. */
	assert_int_equal(store_outbox_retry_later(fx->s, b, 300, "429 too many"), 0);
	assert_int_equal(store_outbox_sent(fx->s, a, 150), 0);
	assert_int_equal(store_outbox_dead(fx->s, d, "403 blocked"), 0);
	assert_int_equal(store_outbox_depth(fx->s, &n), 0);
	assert_int_equal(n, 2);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_due(fx->s, 200, 0, ob_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], e);
	assert_string_equal(c.payload[0], "{\"t\":\"e\"}");

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_due(fx->s, 300, 0, ob_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ids[0], b);
	assert_int_equal(c.ids[1], e);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_due(fx->s, 300, 1, ob_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], b);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_for_chat(fx->s, "telegram", "-100", ob_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], b);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_list(fx->s, STORE_OUTBOX_DEAD, ob_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], d);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_list(fx->s, STORE_OUTBOX_PENDING, ob_cb, &c), 0);
	assert_int_equal(c.n, 2); /* a was sent, d died */
	assert_int_equal(c.ids[0], e);
	assert_int_equal(c.ids[1], b);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_list(fx->s, STORE_OUTBOX_ALL, ob_cb, &c), 0);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.ids[0], e); /* newest first */
	assert_int_equal(raw_int(fx, "SELECT attempts FROM outbox WHERE status = 'dead'"), 1);
	assert_int_equal(raw_int(fx, "SELECT attempts FROM outbox WHERE next_at = 300"), 1);
	assert_int_equal(raw_int(fx, "SELECT sent_at FROM outbox WHERE status = 'sent'"), 150);

	/* Revive puts it back in line, due now. */
	assert_int_equal(store_outbox_revive(fx->s, d, 400), 1);
	assert_int_equal(store_outbox_revive(fx->s, d, 400), 0);
	assert_int_equal(store_outbox_dead(fx->s, d, "again"), 0);
	assert_int_equal(store_outbox_dead(fx->s, e, "again"), 0);
	assert_int_equal(store_outbox_revive(fx->s, -1, 400), 2);
	assert_int_equal(store_outbox_depth(fx->s, &n), 0);
	assert_int_equal(n, 3);

	/* Everything due is sent from inside the callbacks. */
	memset(&c, 0, sizeof(c));
	c.s = fx->s;
	c.mark_sent = 1;
	assert_int_equal(store_outbox_due(fx->s, 400, 10, ob_cb, &c), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(store_outbox_depth(fx->s, &n), 0);
	assert_int_equal(n, 0);

	assert_true(store_outbox_sent(fx->s, 9999, 1) < 0);
	assert_true(store_outbox_add(fx->s, "web", "", "{}", 1, NULL) < 0);
}

/* A row kept for its chat's next message: not due, no attempt, woken by the chat alone. */
static void test_outbox_held(void **state)
{
	struct fx *fx = *state;
	struct ob_ctx c;
	int64_t a, b, o, n;

	assert_int_equal(store_outbox_add(fx->s, "wechat", "oRes1", "{\"t\":\"a\"}", 100, &a), 0);
	assert_int_equal(store_outbox_add(fx->s, "wechat", "oRes1", "{\"t\":\"b\"}", 100, &b), 0);
	assert_int_equal(store_outbox_add(fx->s, "wechat", "oRes2", "{\"t\":\"o\"}", 100, &o), 0);
	assert_int_equal(store_outbox_retry_later(fx->s, o, 500, "500 busy"), 0);
	assert_int_equal(store_outbox_hold(fx->s, a, "45015 out of the window"), 0);
	assert_true(store_outbox_hold(fx->s, 9999, "x") < 0);
	/* pending still (it is not lost), never due by itself, no attempt counted */
	assert_int_equal(store_outbox_depth(fx->s, &n), 0);
	assert_int_equal(n, 3);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_due(fx->s, INT64_C(4102444800), 0, ob_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ids[0], b);
	assert_int_equal(raw_int(fx, "SELECT attempts FROM outbox WHERE last_error LIKE '45015%'"),
	                 0);
	/* another chat writing wakes nothing; a backoff is not cut short */
	assert_int_equal(store_outbox_wake(fx->s, "wechat", "oRes2", 200), 0);
	assert_int_equal(store_outbox_wake(fx->s, "web", "oRes1", 200), 0);
	assert_int_equal(raw_int(fx, "SELECT next_at FROM outbox WHERE chat = 'oRes2'"), 500);
	/* the chat writes: due now, in its place in line */
	assert_int_equal(store_outbox_wake(fx->s, "wechat", "oRes1", 200), 1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_due(fx->s, 200, 0, ob_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ids[0], a);
	assert_int_equal(c.ids[1], b);
}

struct head_ctx {
	int n;
	int64_t ids[8], next_at[8];
	char chat[8][16];
};

static int head_cb(int64_t id, const char *chat, int64_t next_at, void *ud)
{
	struct head_ctx *c = ud;

	if (c->n < 8) {
		c->ids[c->n] = id;
		c->next_at[c->n] = next_at;
		snprintf(c->chat[c->n], sizeof(c->chat[0]), "%s", chat);
	}
	c->n++;
	return 0;
}

/* Bytes in the database's write-ahead log file. */
static long wal_bytes(const struct fx *fx)
{
	char wal[sizeof(fx->path) + 8];
	struct stat st;

	snprintf(wal, sizeof(wal), "%s-wal", fx->path);
	assert_int_equal(stat(wal, &st), 0);
	return (long)st.st_size;
}

/*
 * A long write-ahead log is copied by the checkpointer's thread, not in the
 * commit, and under steady commits it still starts over: the file does not
 * grow with everything written.
 */
static void test_checkpoint_apart(void **state)
{
	struct fx *fx = *state;
	char key[32], value[2048];
	long frame;
	int i, tries;

	STOREFX_SQLITE_ONLY("SQLite's WAL checkpointer thread (PostgreSQL checkpoints itself)");
	frame = raw_int(fx, "PRAGMA page_size") + 24;
	memset(value, 'x', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	assert_int_equal(store_checkpoint_apart(fx->s), 0);
	assert_int_equal(store_checkpoint_apart(fx->s), 0); /* once is enough */
	assert_int_equal(store_checkpoint_runs(fx->s), 0);
	/* some 15,000 frames of log, in back-to-back commits of a few each */
	for (i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(store_kv_set(fx->s, key, value), 0);
	}
	for (tries = 0; tries < 500 && store_checkpoint_runs(fx->s) == 0; tries++)
		usleep(10000);
	assert_true(store_checkpoint_runs(fx->s) > 0);
	assert_true(raw_int(fx, "SELECT count(*) FROM kv") == 3000);
	/* the log started over on the way: its file never held half of it */
	assert_true(wal_bytes(fx) < 7000 * frame);
	/* store_close (teardown) stops the thread */
}

/* Chat names a callback was given, in order. */
struct chats_seen {
	int n;
	char names[8][16];
};

static int chat_cb(const char *chat, void *ud)
{
	struct chats_seen *c = ud;

	if (c->n < 8)
		snprintf(c->names[c->n], sizeof(c->names[0]), "%s", chat);
	c->n++;
	return 0;
}

/* What a page that is open may have to hear: rows new since the last look, or come due since. */
static void test_outbox_fresh_chats(void **state)
{
	struct fx *fx = *state;
	struct chats_seen c;
	int64_t last, first, a, later, sent;

	assert_int_equal(store_outbox_last(fx->s, &last), 0);
	assert_int_equal(last, 0);
	assert_int_equal(store_outbox_add(fx->s, "web", "v1", "{}", 100, &first), 0);
	assert_int_equal(store_outbox_last(fx->s, &last), 0);
	assert_int_equal(last, first);
	/* then, after a look at FIRST: two rows for v2, one for v3 held until 500, one sent */
	assert_int_equal(store_outbox_add(fx->s, "web", "v2", "{}", 110, &a), 0);
	assert_int_equal(store_outbox_add(fx->s, "web", "v2", "{}", 110, NULL), 0);
	assert_int_equal(store_outbox_add_at(fx->s, "web", "v3", "{}", 110, 500, &later), 0);
	assert_int_equal(store_outbox_add(fx->s, "web", "v4", "{}", 110, &sent), 0);
	assert_int_equal(store_outbox_sent(fx->s, sent, 111), 0);
	assert_int_equal(store_outbox_add(fx->s, "telegram", "-1", "{}", 110, NULL), 0);

	memset(&c, 0, sizeof(c));
	assert_int_equal(
	        store_outbox_fresh_chats(fx->s, "web", first, 101, 120, &last, chat_cb, &c), 0);
	assert_int_equal(c.n, 1); /* v2 once; not v1 (seen), v3 (not due), v4 (sent), telegram */
	assert_string_equal(c.names[0], "v2");
	assert_true(last > sent);
	/* nothing new, nothing come due: nothing */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_fresh_chats(fx->s, "web", last, 120, 130, &last, chat_cb, &c),
	                 0);
	assert_int_equal(c.n, 0);
	/* v3's row comes due at 500, though it is no newer */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_fresh_chats(fx->s, "web", last, 130, 600, &last, chat_cb, &c),
	                 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.names[0], "v3");
	/* a row made due again (revived, released) is fresh once more */
	assert_int_equal(store_outbox_dead(fx->s, a, "x"), 0);
	assert_int_equal(store_outbox_revive(fx->s, a, 700), 1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_fresh_chats(fx->s, "web", last, 600, 700, &last, chat_cb, &c),
	                 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.names[0], "v2");
}

/*
 * The sender's reads: each chat's first pending row whatever its next_at,
 * one chat's, the rows after the last one read, the pressed buttons' answers.
 */
static void test_outbox_heads(void **state)
{
	struct fx *fx = *state;
	struct head_ctx h;
	struct ob_ctx c;
	int64_t a1, a2, ans, b1, w, last;

	assert_int_equal(store_outbox_last(fx->s, &last), 0);
	assert_int_equal(last, 0);
	assert_int_equal(store_outbox_add(fx->s, "telegram", "-1", "{\"t\":\"a1\"}", 100, &a1), 0);
	assert_int_equal(store_outbox_add(fx->s, "telegram", "-1", "{\"t\":\"a2\"}", 100, &a2), 0);
	assert_int_equal(
	        store_outbox_add(fx->s, "telegram", "-1", "{\"answer_callback\":\"q\"}", 100, &ans),
	        0);
	assert_int_equal(store_outbox_add(fx->s, "telegram", "-2", "{\"t\":\"b1\"}", 100, &b1), 0);
	assert_int_equal(store_outbox_add(fx->s, "web", "w1", "{\"t\":\"w\"}", 100, &w), 0);
	assert_int_equal(store_outbox_last(fx->s, &last), 0);
	assert_int_equal(last, w);
	/* Waiting for a retry does not take a row out of its chat's line. */
	assert_int_equal(store_outbox_retry_later(fx->s, a1, 9999, "429"), 0);

	memset(&h, 0, sizeof(h));
	assert_int_equal(store_outbox_heads(fx->s, "telegram", head_cb, &h), 0);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.ids[0], a1);
	assert_string_equal(h.chat[0], "-1");
	assert_int_equal(h.next_at[0], 9999);
	assert_int_equal(h.ids[1], b1);
	memset(&h, 0, sizeof(h));
	assert_int_equal(store_outbox_buttons(fx->s, "telegram", head_cb, &h), 0);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.ids[0], ans);

	/* Once the first is sent, the next in its chat's line is the head. */
	assert_int_equal(store_outbox_sent(fx->s, a1, 500), 0);
	memset(&h, 0, sizeof(h));
	assert_int_equal(store_outbox_head(fx->s, "telegram", "-1", 0, head_cb, &h), 0);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.ids[0], a2);
	assert_int_equal(h.next_at[0], 100);
	memset(&h, 0, sizeof(h));
	assert_int_equal(store_outbox_head(fx->s, "telegram", "-1", a2, head_cb, &h), 0);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.ids[0], ans); /* the first after A2 */
	memset(&h, 0, sizeof(h));
	assert_int_equal(store_outbox_head(fx->s, "telegram", "-3", 0, head_cb, &h), 0);
	assert_int_equal(h.n, 0);

	/* Rows after one read: only the channel's, only pending, oldest first, LIMIT at most. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_after(fx->s, "telegram", a1, 0, ob_cb, &c), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.ids[0], a2);
	assert_int_equal(c.ids[2], b1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_after(fx->s, "telegram", 0, 2, ob_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ids[0], a2);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_after(fx->s, "web", b1, 0, ob_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], w);

	/* One row by its ID, whatever its state. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_get(fx->s, a1, ob_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.payload[0], "{\"t\":\"a1\"}");

	/* Several marked sent at once; a row no longer there is no error. */
	{
		int64_t ids[3] = {a2, b1, 999999};

		assert_int_equal(store_outbox_sent_many(fx->s, ids, 700, 3), 0);
		memset(&h, 0, sizeof(h));
		assert_int_equal(store_outbox_heads(fx->s, "telegram", head_cb, &h), 0);
		assert_int_equal(h.n, 1);
		assert_int_equal(h.ids[0], ans);
	}
}

struct chan_count_ctx {
	int n;
	char channel[4][16];
	int64_t pending[4], dead[4];
	int stop_after;
};

static int chan_count_cb(const char *channel, int64_t pending, int64_t dead, void *ud)
{
	struct chan_count_ctx *c = ud;

	if (c->n < 4) {
		snprintf(c->channel[c->n], sizeof(c->channel[0]), "%s", channel);
		c->pending[c->n] = pending;
		c->dead[c->n] = dead;
	}
	c->n++;
	return c->stop_after && c->n >= c->stop_after ? -1 : 0;
}

static void test_outbox_counts(void **state)
{
	struct fx *fx = *state;
	struct chan_count_ctx c;
	int64_t a, b, d, e;

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_counts(fx->s, chan_count_cb, &c), 0);
	assert_int_equal(c.n, 0);

	assert_int_equal(store_outbox_add(fx->s, "web", "w1", "{}", 100, &a), 0);
	assert_int_equal(store_outbox_add(fx->s, "telegram", "-1", "{}", 100, &b), 0);
	assert_int_equal(store_outbox_add(fx->s, "telegram", "-1", "{}", 100, &d), 0);
	assert_int_equal(store_outbox_add(fx->s, "telegram", "-2", "{}", 100, &e), 0);
	assert_int_equal(store_outbox_dead(fx->s, d, "403"), 0);
	assert_int_equal(store_outbox_sent(fx->s, e, 101), 0);
	assert_int_equal(store_outbox_sent(fx->s, a, 101), 0);

	/* Sent rows count nowhere; web, with only a sent row, has no callback. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_counts(fx->s, chan_count_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.channel[0], "telegram");
	assert_int_equal(c.pending[0], 1);
	assert_int_equal(c.dead[0], 1);

	assert_int_equal(store_outbox_add(fx->s, "web", "w1", "{}", 100, NULL), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_counts(fx->s, chan_count_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.channel[0], "telegram");
	assert_string_equal(c.channel[1], "web");
	assert_int_equal(c.pending[1], 1);
	assert_int_equal(c.dead[1], 0);

	/* A callback that stops, even with -1, is no failure of the store. */
	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	assert_int_equal(store_outbox_counts(fx->s, chan_count_cb, &c), 0);
	assert_int_equal(c.n, 1);
}

/* ---- transcript -------------------------------------------------------------- */

struct line_ctx {
	int n;
	int64_t ids[8];
	char text[8][32];
	char sender[8][4];
	char buttons[8][32];
	char client_id[8][16];
	int64_t at[8];
	int stop_after;
};

static int line_cb(const struct store_line *l, void *ud)
{
	struct line_ctx *c = ud;

	if (c->n < 8) {
		c->ids[c->n] = l->id;
		snprintf(c->text[c->n], sizeof(c->text[0]), "%s", l->text);
		snprintf(c->sender[c->n], sizeof(c->sender[0]), "%s", l->sender);
		snprintf(c->buttons[c->n], sizeof(c->buttons[0]), "%s", l->buttons);
		snprintf(c->client_id[c->n], sizeof(c->client_id[0]), "%s", l->client_id);
		c->at[c->n] = l->at;
	}
	c->n++;
	return c->stop_after && c->n >= c->stop_after;
}

static void test_transcript(void **state)
{
	struct fx *fx = *state;
	struct line_ctx c;

	assert_int_equal(store_transcript_add(fx->s, "web", "w1", "me", "hello", NULL, "c-1", 10),
	                 0);
	assert_int_equal(store_transcript_add(fx->s, "web", "w1", "bot", "Which?", "[\"A\",\"B\"]",
	                                      NULL, 11),
	                 0);
	assert_int_equal(store_transcript_add(fx->s, "web", "w2", "me", "other chat", "", "", 12),
	                 0);
	assert_int_equal(store_transcript_add(fx->s, "web", "w1", "me", "A", "", "c-2", 13), 0);
	/* Only "me" and "bot" speak. */
	assert_true(store_transcript_add(fx->s, "web", "w1", "staff", "x", "", "", 14) < 0);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_transcript_list(fx->s, "web", "w1", 0, line_cb, &c), 0);
	assert_int_equal(c.n, 3);
	assert_true(c.ids[0] < c.ids[1] && c.ids[1] < c.ids[2]);
	assert_string_equal(c.text[0], "hello");
	assert_string_equal(c.sender[0], "me");
	assert_string_equal(c.buttons[0], "");
	assert_string_equal(c.client_id[0], "c-1");
	assert_int_equal(c.at[0], 10);
	assert_string_equal(c.text[1], "Which?");
	assert_string_equal(c.sender[1], "bot");
	assert_string_equal(c.buttons[1], "[\"A\",\"B\"]");
	assert_string_equal(c.client_id[1], "");
	assert_string_equal(c.text[2], "A");

	/* The last LIMIT lines, still oldest first. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_transcript_list(fx->s, "web", "w1", 2, line_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.text[0], "Which?");
	assert_string_equal(c.text[1], "A");

	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	assert_int_equal(store_transcript_list(fx->s, "web", "w1", 0, line_cb, &c), 0);
	assert_int_equal(c.n, 1);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_transcript_list(fx->s, "telegram", "w1", 0, line_cb, &c), 0);
	assert_int_equal(c.n, 0);
}

static void test_chat_migrate(void **state)
{
	struct fx *fx = *state;
	struct store_order o, g;
	struct ob_ctx c;
	char *st, moved[32];
	int64_t sent, pending;

	storefx_new_order(fx->s, &o, T_1127_1000); /* telegram, chat -100 */
	assert_int_equal(store_outbox_add(fx->s, "telegram", "-100", "{}", 100, &sent), 0);
	assert_int_equal(store_outbox_sent(fx->s, sent, 101), 0);
	assert_int_equal(store_outbox_add(fx->s, "telegram", "-100", "{}", 100, &pending), 0);
	assert_int_equal(store_outbox_add(fx->s, "qq", "-100", "{}", 100, NULL), 0);
	assert_int_equal(store_session_put(fx->s, "telegram", "-100", "42", "{\"a\":1}", 1), 0);
	assert_int_equal(store_session_put(fx->s, "telegram", "-100999", "42", "{\"b\":1}", 1), 0);

	assert_int_equal(store_chat_migrate(fx->s, "telegram", "-100", "-100999"), 0);
	assert_int_equal(store_order_get_id(fx->s, o.id, &g), 1);
	assert_string_equal(g.chat, "-100999");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_for_chat(fx->s, "telegram", "-100999", ob_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], pending);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_outbox_for_chat(fx->s, "qq", "-100", ob_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM outbox WHERE chat = '-100'"
	                             " AND status = 'sent'"),
	                 1);
	assert_int_equal(store_session_get(fx->s, "telegram", "-100", "42", &st, NULL), 0);
	assert_int_equal(store_session_get(fx->s, "telegram", "-100999", "42", &st, NULL), 1);
	assert_string_equal(st, "{\"a\":1}");
	free(st);
	/* The move is remembered for chats named in the configuration. */
	assert_int_equal(store_kv_get(fx->s, "telegram.moved:-100", moved, sizeof(moved)), 1);
	assert_string_equal(moved, "-100999");
	assert_int_equal(store_chat_current(fx->s, "telegram", "-100", moved, sizeof(moved)), 1);
	assert_string_equal(moved, "-100999");
	/* Chats that never moved, and other channels, keep their ID. */
	assert_int_equal(store_chat_current(fx->s, "telegram", "-200", moved, sizeof(moved)), 0);
	assert_string_equal(moved, "-200");
	assert_int_equal(store_chat_current(fx->s, "web", "-100", moved, sizeof(moved)), 0);
	assert_string_equal(moved, "-100");
}

/* ---- two processes --------------------------------------------------------- */

#define PER_PROCESS 40

/* Runs in both processes, so it reports instead of using cmocka's asserts. */
static int create_many(const char *path)
{
	struct store *s;
	struct store_order o;
	char err[256];
	int i, rc = 0;

	if (store_open(path, &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "store_open: %s\n", err);
		return -1;
	}
	for (i = 0; rc == 0 && i < PER_PROCESS; i++) {
		/* Half alone, half inside a caller's transaction. */
		int tx = i % 2;

		memset(&o, 0, sizeof(o));
		strcpy(o.category, "errand");
		if ((tx && store_begin(s) < 0) ||
		    store_order_create(s, &o, T_1127_1000, "system", "web") < 0 ||
		    store_outbox_add(s, "web", "w", "{}", T_1127_1000, NULL) < 0 ||
		    (tx && store_commit(s) < 0)) {
			fprintf(stderr, "order %d: %s\n", i, store_errmsg(s));
			rc = -1;
		}
	}
	store_close(s);
	return rc;
}

static int seq_cb(const struct store_order *o, void *ud)
{
	char *seen = ud;
	int n = atoi(o->number + 7);

	assert_true(n >= 1 && n <= 2 * PER_PROCESS);
	assert_int_equal(seen[n], 0);
	seen[n] = 1;
	return 0;
}

static void test_two_processes(void **state)
{
	struct fx *fx = *state;
	char seen[2 * PER_PROCESS + 1];
	int64_t n;
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(create_many(fx->path) < 0 ? 1 : 0);
	assert_int_equal(create_many(fx->path), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	memset(seen, 0, sizeof(seen));
	assert_int_equal(store_orders_list(fx->s, NULL, seq_cb, seen), 0);
	for (n = 1; n <= 2 * PER_PROCESS; n++)
		assert_int_equal(seen[n], 1);
	assert_int_equal(store_outbox_depth(fx->s, &n), 0);
	assert_int_equal(n, 2 * PER_PROCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_migrations, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_foreign_file_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_order_numbers, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_order_number_past_999, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_order_round_trip, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_order_urgent_complaint_window, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_order_bad_values, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_orders_list, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_orders_list_by_event, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_events, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_feedback_fee_payment, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_kv_and_dedup, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_residents, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_order_intake, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_residents_by_phone, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_duty, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_photos, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_tx_files, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_staff_sync, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_outbox, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_outbox_held, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_outbox_heads, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_outbox_fresh_chats, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_checkpoint_apart, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_outbox_counts, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_transcript, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_chat_migrate, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_two_processes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
