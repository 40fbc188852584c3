/*
 * test_store_big.c - the store's reads that must stay fast on a register of a
 * million orders (bench/README.md): each is answered from an index - SQLite
 * counts no step of a full scan of any table or index - and gives the same
 * answers as the plain queries it replaced: the order lists with every mix of
 * filters, the report's rows read side by side with their tables (an order
 * filed out of id order included), the staff sync that writes nothing when
 * nothing changed, and migration 8 on a file of version 7.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store.h"
#include "store/sqlite_db.h" /* the connection, to read SQLite's counters */
#include "store/store_report.h"
#include "storefx.h"

#define T0     1795744800 /* 2026-11-27 10:00 Asia/Shanghai */
#define DAY    86400
#define NORD   90
#define MAXORD 128

struct fx {
	char dir[STOREFX_DIRLEN];
	char path[STOREFX_PATHLEN];
	struct store *s;
	int64_t resident; /* the resident of every third order */
	int64_t late;     /* an order filed after the others but dated before most */
};

static const char *const statuses[] = {"pending", "assigned", "in_progress", "awaiting_acceptance",
                                       "closed",  "cancelled"};
static const char *const assignees[] = {"", "wang", "liu"};
static const char *const communities[] = {"demo", "east"};

/*
 * Order I of the register (id I + 1 up to the late one): created at T, in a status, community
 * and assignee of its own, with fees, payments, feedback, a follow-up and
 * rework on some. Returns its id.
 */
static int64_t add_order(struct fx *fx, int i, int64_t t)
{
	struct store_order o;

	memset(&o, 0, sizeof(o));
	strcpy(o.community, communities[i % 2]);
	strcpy(o.category, i % 7 == 0 ? "complaint" : "repair");
	strcpy(o.item, "water");
	snprintf(o.description, sizeof(o.description), "order %d", i);
	strcpy(o.channel, "telegram");
	snprintf(o.chat, sizeof(o.chat), "%d", 100 + i % 5);
	strcpy(o.user, o.chat);
	o.promised_minutes = 30;
	o.resident_id = i % 3 == 0 ? fx->resident : 0;
	if (store_order_create(fx->s, &o, t, "resident:1", "telegram") < 0)
		fail_msg("store_order_create: %s", store_errmsg(fx->s));
	strcpy(o.status, statuses[i % 6]);
	strcpy(o.assignee, strcmp(o.status, "pending") == 0 ? "" : assignees[i % 3]);
	if (strcmp(o.status, "closed") == 0)
		o.closed_at = t + 3600 * (1 + i % 4);
	o.done_at = o.closed_at ? o.closed_at - 600 : 0;
	assert_int_equal(store_order_update(fx->s, &o), 0);
	/* Two fees on some (the latest counts), a payment, feedback, a follow-up, rework. */
	if (i % 4 == 0) {
		assert_int_equal(store_fee_record(fx->s, o.id, 3000 + i, "wang", t + 10), 0);
		assert_int_equal(store_fee_record(fx->s, o.id, 5000 + i, "wang", t + 20), 0);
		if (i % 8 == 0)
			assert_int_equal(
			        store_payment_record(fx->s, o.id, 5000 + i, "R1", "wang", t + 30),
			        0);
	}
	if (o.closed_at) {
		assert_int_equal(store_feedback_accept(fx->s, o.id, i % 5 != 0, o.closed_at), 0);
		if (i % 2 == 0)
			assert_int_equal(
			        store_feedback_rate(fx->s, o.id, 1 + i % 5, o.closed_at + 60), 0);
		if (i % 4 == 0)
			assert_int_equal(store_followup_add(fx->s, o.id, o.closed_at + DAY), 1);
	}
	if (i % 11 == 0)
		assert_int_equal(store_event_add(fx->s, o.id, t + 100, "resident:1", "telegram",
		                                 i % 22 ? "rework" : "reopened", "", "rework", ""),
		                 0);
	if (i % 5 == 0)
		assert_int_equal(store_event_add(fx->s, o.id, t + 200, "staff:wang", "telegram",
		                                 "quoted", o.status, o.status, "80"),
		                 0);
	return o.id;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct store_resident r;
	int i;

	assert_non_null(fx);
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	fx->s = storefx_open("test_store_big", fx->dir, fx->path);
	assert_int_equal(store_resident_ensure(fx->s, "telegram", "7", T0, &r), 0);
	fx->resident = r.id;
	assert_int_equal(store_begin(fx->s), 0);
	for (i = 0; i < NORD; i++) {
		add_order(fx, i, T0 + (int64_t)i * 3 * 3600); /* 3 hours apart: 11 days */
		/* The clock was set back once: filed on the sixth day, dated the second. */
		if (i == NORD / 2)
			fx->late = add_order(fx, NORD, T0 + DAY + 1800);
	}
	assert_int_equal(store_commit(fx->s), 0);
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

/* ---- the counters ------------------------------------------------------------------- */

/* Sets SQLite's full-scan counters of every statement of the store back to 0. */
static void scans_reset(struct store *s)
{
	sqlite3_stmt *st = NULL;

	while ((st = sqlite3_next_stmt(store_sqlite_db(s), st)))
		sqlite3_stmt_status(st, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
}

/* Fails, naming the statement, when one stepped through a whole table or index since reset. */
static void assert_no_scan(struct store *s, const char *what)
{
	sqlite3_stmt *st = NULL;

	while ((st = sqlite3_next_stmt(store_sqlite_db(s), st)))
		if (sqlite3_stmt_status(st, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0) > 0)
			fail_msg("%s: a full scan in %s", what, sqlite3_sql(st));
	scans_reset(s);
}

/* ---- order lists -------------------------------------------------------------------- */

struct got {
	int n;
	struct store_order o[MAXORD];
};

static int collect(const struct store_order *o, void *ud)
{
	struct got *g = ud;

	assert_true(g->n < MAXORD);
	g->o[g->n++] = *o;
	return 0;
}

/* Does O pass F, as the filter's documentation says (the actions aside)? */
static int passes(const struct store_order *o, const struct store_order_filter *f)
{
	static const char *const done[] = {"closed", "cancelled", "declined"};
	int open = 1, i;

	for (i = 0; i < 3; i++)
		open &= strcmp(o->status, done[i]) != 0;
	return (!f->status || strcmp(o->status, f->status) == 0) &&
	       (!f->assignee || strcmp(o->assignee, f->assignee) == 0) &&
	       (!f->resident_id || o->resident_id == f->resident_id) && (!f->open_only || open) &&
	       (!f->from || o->created_at >= f->from) && (!f->to || o->created_at < f->to) &&
	       (!f->community || strcmp(o->community, f->community) == 0);
}

/* Every mix of filters lists what a pass over all the orders would, in the same order. */
static void test_filters_match_plain(void **state)
{
	static const char *const st[] = {NULL, "pending", "closed"};
	static const char *const as[] = {NULL, "wang", ""};
	static const char *const co[] = {NULL, "demo"};
	struct fx *fx = *state;
	struct store_order_filter f;
	struct got *all = calloc(1, sizeof(*all)), *got = calloc(1, sizeof(*got));
	int m, i, j, k, combos = 0;

	assert_non_null(all);
	assert_non_null(got);
	assert_int_equal(store_orders_list(fx->s, NULL, collect, all), 0);
	assert_int_equal(all->n, NORD + 1);
	for (m = 0; m < 3 * 3 * 2 * 2 * 2 * 2 * 2 * 2 * 2; m++) {
		int x = m, limit, oldest;

		memset(&f, 0, sizeof(f));
		f.status = st[x % 3], x /= 3;
		f.assignee = as[x % 3], x /= 3;
		f.resident_id = x % 2 ? fx->resident : 0, x /= 2;
		f.open_only = x % 2, x /= 2;
		f.from = x % 2 ? T0 + 2 * DAY : 0, x /= 2;
		f.to = x % 2 ? T0 + 8 * DAY : 0, x /= 2;
		f.community = co[x % 2], x /= 2;
		oldest = f.oldest_first = x % 2, x /= 2;
		limit = f.limit = x % 2 ? 3 : 0;
		memset(got, 0, sizeof(*got));
		assert_int_equal(store_orders_list(fx->s, &f, collect, got), 0);
		for (i = 0, k = 0; i < all->n; i++) {
			/* newest first in ALL: walk it backwards for oldest first */
			const struct store_order *o = &all->o[oldest ? all->n - 1 - i : i];

			if (!passes(o, &f) || (limit && k == limit))
				continue;
			assert_true(k < got->n);
			assert_string_equal(got->o[k].number, o->number);
			k++;
		}
		assert_int_equal(got->n, k);
		combos += k > 0;
	}
	assert_true(combos > 100); /* the mixes were not all empty */

	/* Low ratings lately: the feedback changed since then names them. */
	memset(&f, 0, sizeof(f));
	f.status = "closed";
	f.rated_max = 2;
	f.feedback_since = T0 + 5 * DAY;
	memset(got, 0, sizeof(*got));
	assert_int_equal(store_orders_list(fx->s, &f, collect, got), 0);
	for (i = 0, k = 0; i < all->n; i++) {
		const struct store_order *o = &all->o[i];

		if (strcmp(o->status, "closed") == 0 && o->rating >= 1 && o->rating <= 2 &&
		    o->closed_at + 60 >= f.feedback_since) {
			assert_true(k < got->n);
			assert_string_equal(got->o[k].number, o->number);
			k++;
		}
	}
	assert_int_equal(got->n, k);
	assert_true(k > 0);
	for (j = 0; j < got->n; j++)
		assert_true(got->o[j].rating <= 2);
	free(all);
	free(got);
}

/* ---- no full scans ------------------------------------------------------------------ */

static int count_order(const struct store_order *o, void *ud)
{
	(void)o;
	(*(int *)ud)++;
	return 0;
}

static int count_event(const struct store_event *e, void *ud)
{
	(void)e;
	(*(int *)ud)++;
	return 0;
}

static int count_row(const struct store_report_row *r, void *ud)
{
	(void)r;
	(*(int *)ud)++;
	return 0;
}

static int count_candidate(const struct store_fu_candidate *c, void *ud)
{
	(void)c;
	(*(int *)ud)++;
	return 0;
}

static int count_outbox(const struct store_outbox *m, void *ud)
{
	(void)m;
	(*(int *)ud)++;
	return 0;
}

static int count_head(int64_t id, const char *chat, int64_t next_at, void *ud)
{
	(void)id;
	(void)chat;
	(void)next_at;
	(*(int *)ud)++;
	return 0;
}

static int count_chan(const char *channel, int64_t pending, int64_t dead, void *ud)
{
	(void)channel;
	*(int *)ud += (int)(pending + dead);
	return 0;
}

/* What the desk, the console, the report and the timers read: never a whole table. */
static void test_no_full_scans(void **state)
{
	static const char *const quoted[] = {"quoted", NULL};
	struct fx *fx = *state;
	struct store_order_filter f;
	struct store_order_query q;
	struct store_order o;
	int64_t total, id;
	int n;

	assert_int_equal(store_outbox_add(fx->s, "telegram", "100", "{\"text\":\"a\"}", T0, &id),
	                 0);
	assert_int_equal(store_outbox_sent(fx->s, id, T0 + 1), 0);
	assert_int_equal(store_outbox_add(fx->s, "telegram", "101", "{\"text\":\"b\"}", T0, &id),
	                 0);
	scans_reset(fx->s);

	memset(&f, 0, sizeof(f));
	f.status = "pending"; /* the pending list */
	n = 0;
	assert_int_equal(store_orders_list(fx->s, &f, count_order, &n), 0);
	assert_int_equal(n, 16);
	assert_no_scan(fx->s, "orders list --status pending");

	memset(&f, 0, sizeof(f));
	f.open_only = 1; /* the open ones, also what the timers read */
	n = 0;
	assert_int_equal(store_orders_list(fx->s, &f, count_order, &n), 0);
	assert_true(n > 40);
	assert_no_scan(fx->s, "orders list --status open");

	memset(&f, 0, sizeof(f));
	f.resident_id = fx->resident; /* a resident writing: their orders staff wrote about */
	f.actions = quoted;
	f.limit = 20;
	n = 0;
	assert_int_equal(store_orders_list(fx->s, &f, count_order, &n), 0);
	assert_true(n > 0);
	assert_no_scan(fx->s, "a resident's orders by event");

	memset(&f, 0, sizeof(f));
	f.status = "closed"; /* low ratings to alert */
	f.rated_max = 2;
	f.feedback_since = T0;
	n = 0;
	assert_int_equal(store_orders_list(fx->s, &f, count_order, &n), 0);
	assert_true(n > 0);
	assert_no_scan(fx->s, "low ratings");

	memset(&f, 0, sizeof(f));
	f.from = T0 + DAY; /* an export of a period */
	f.to = T0 + 2 * DAY;
	f.oldest_first = 1;
	n = 0;
	assert_int_equal(store_orders_list(fx->s, &f, count_order, &n), 0);
	assert_int_equal(n, 9);
	assert_no_scan(fx->s, "export");

	memset(&q, 0, sizeof(q));
	q.status = "open"; /* the console's board */
	q.limit = 50;
	n = 0;
	assert_int_equal(store_orders_query(fx->s, &q, count_order, &n, &total), 0);
	assert_true(total > 40 && n == (total < 50 ? total : 50));
	assert_no_scan(fx->s, "GET /api/orders?status=open");
	q.status = "pending";
	q.assignee = NULL;
	assert_int_equal(store_orders_query(fx->s, &q, count_order, &n, &total), 0);
	assert_int_equal(total, 16);
	assert_no_scan(fx->s, "GET /api/orders?status=pending");

	assert_int_equal(store_order_get(fx->s, "261127-001", &o), 1); /* orders show */
	n = 0;
	assert_int_equal(store_events_list(fx->s, o.id, count_event, &n), 0);
	assert_true(n >= 2);
	assert_no_scan(fx->s, "orders show");

	n = 0; /* a month's report, here two days */
	assert_int_equal(store_report_rows(fx->s, T0, T0 + 2 * DAY, NULL, count_row, &n), 0);
	assert_int_equal(n, 17);
	assert_int_equal(store_report_count(fx->s, T0, T0 + 2 * DAY, NULL, &total), 0);
	assert_int_equal(total, 17);
	assert_no_scan(fx->s, "report");

	n = 0; /* follow-up sampling */
	assert_int_equal(
	        store_fu_candidates(fx->s, T0 + 2 * DAY, T0 + 5 * DAY, count_candidate, &n), 0);
	assert_true(n > 0);
	assert_no_scan(fx->s, "follow-up candidates");

	n = 0; /* /healthz, /metrics, the sender, `outbox list` */
	assert_int_equal(store_outbox_counts(fx->s, count_chan, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_outbox_after(fx->s, "telegram", 0, 10, count_outbox, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_outbox_head(fx->s, "telegram", "101", 0, count_head, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(store_outbox_list(fx->s, STORE_OUTBOX_PENDING, count_outbox, &n), 0);
	assert_int_equal(n, 4);
	assert_no_scan(fx->s, "outbox");
	/* every chat's first row: read from the pending rows alone (a second's resync) */
	n = 0;
	assert_int_equal(store_outbox_heads(fx->s, "telegram", count_head, &n), 0);
	assert_int_equal(n, 1);
	scans_reset(fx->s);
}

/* ---- the report's rows -------------------------------------------------------------- */

/* The report's row of every order as one plain query over the joined tables says. */
static const char reference[] =
        "SELECT o.id, COALESCE(fe.fen, -1), COALESCE(p.fen, -1), COALESCE(f.accepted, -1),"
        " COALESCE(f.rating, 0),"
        " EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id"
        "  AND e.action IN ('rework', 'reopened')),"
        " COALESCE(fu.status, ''), COALESCE(fu.asked_at, 0), COALESCE(fu.resolved, -1),"
        " COALESCE(fu.satisfied, -1), COALESCE(fu.reopened, 0), o.number"
        " FROM orders o"
        " LEFT JOIN fees fe ON fe.id = (SELECT max(id) FROM fees WHERE order_id = o.id)"
        " LEFT JOIN payments p ON p.id = (SELECT max(id) FROM payments WHERE order_id = o.id)"
        " LEFT JOIN feedback f ON f.order_id = o.id"
        " LEFT JOIN followups fu ON fu.order_id = o.id"
        " WHERE o.created_at >= ?1 AND o.created_at < ?2 ORDER BY o.created_at, o.id";

struct rows {
	int n;
	struct store_report_row r[MAXORD];
};

static int collect_row(const struct store_report_row *r, void *ud)
{
	struct rows *rs = ud;

	assert_true(rs->n < MAXORD);
	rs->r[rs->n++] = *r;
	return 0;
}

/* Compares the report's rows of [FROM, TO) with the reference query. */
static int check_rows(struct fx *fx, int64_t from, int64_t to)
{
	struct rows *rs = calloc(1, sizeof(*rs));
	sqlite3_stmt *st;
	int i = 0, reworked = 0, late = 0;

	assert_non_null(rs);
	assert_int_equal(store_report_rows(fx->s, from, to, NULL, collect_row, rs), 0);
	assert_int_equal(sqlite3_prepare_v2(store_sqlite_db(fx->s), reference, -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const struct store_report_row *r = &rs->r[i];

		assert_true(i < rs->n);
		assert_int_equal(r->id, sqlite3_column_int64(st, 0));
		assert_int_equal(r->fee, sqlite3_column_int64(st, 1));
		assert_int_equal(r->paid, sqlite3_column_int64(st, 2));
		assert_int_equal(r->accepted, sqlite3_column_int(st, 3));
		assert_int_equal(r->rating, sqlite3_column_int(st, 4));
		assert_int_equal(r->reworked, sqlite3_column_int(st, 5));
		assert_string_equal(r->followup, (const char *)sqlite3_column_text(st, 6));
		assert_int_equal(r->fu_asked_at, sqlite3_column_int64(st, 7));
		assert_int_equal(r->fu_resolved, sqlite3_column_int(st, 8));
		assert_int_equal(r->fu_satisfied, sqlite3_column_int(st, 9));
		assert_int_equal(r->fu_reopened, sqlite3_column_int(st, 10));
		reworked += r->reworked;
		late += i > 0 && r->id < rs->r[i - 1].id;
		i++;
	}
	sqlite3_finalize(st);
	assert_int_equal(i, rs->n);
	free(rs);
	return reworked * 100 + late;
}

/* Read side by side with the orders, the other tables say what the plain join says. */
static void test_report_rows(void **state)
{
	struct fx *fx = *state;
	struct store_followup fu;
	struct store_order o;
	int got;

	/* A follow-up answered (order 4), and a fee and rework on the late order. */
	assert_int_equal(store_followup_of(fx->s, 5, &fu), 1);
	assert_int_equal(store_followup_asked(fx->s, fu.id, T0 + 2 * DAY), 0);
	assert_int_equal(store_followup_answer(fx->s, fu.id, "resolved", 0, NULL, T0 + 2 * DAY), 0);
	assert_int_equal(store_followup_reopened(fx->s, fu.id), 0);
	assert_int_equal(store_order_get_id(fx->s, fx->late, &o), 1);
	assert_int_equal(store_fee_record(fx->s, o.id, 777, "liu", T0 + 2 * DAY), 0);
	assert_int_equal(store_event_add(fx->s, o.id, T0 + 2 * DAY, "resident:1", "telegram",
	                                 "rework", "closed", "rework", ""),
	                 0);

	got = check_rows(fx, T0, T0 + 12 * DAY);      /* everything */
	assert_true(got / 100 >= 8);                  /* orders that went back to work */
	assert_int_equal(got % 100, 1);               /* the late one, out of id order */
	got = check_rows(fx, T0 + DAY, T0 + 2 * DAY); /* the late order's day */
	assert_int_equal(got % 100, 1);
	check_rows(fx, T0 + 5 * DAY, T0 + 6 * DAY);
	assert_int_equal(check_rows(fx, T0 - 2 * DAY, T0 - DAY), 0); /* none */
}

/* ---- writes that are not needed ------------------------------------------------------- */

/* A second connection's view of how often the file changed. */
static int64_t data_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Every command syncs the staff list: the same list again writes nothing. */
static void test_staff_sync_unchanged(void **state)
{
	struct fx *fx = *state;
	char *skills[] = {"plumbing"};
	struct store_staff_row staff[2];
	sqlite3 *other;
	int64_t v;

	memset(staff, 0, sizeof(staff));
	staff[0].id = "wang";
	staff[0].name = "王师傅";
	staff[0].role = "technician";
	staff[0].skills = skills;
	staff[0].nskills = 1;
	staff[1].id = "zhao";
	staff[1].role = "supervisor";
	assert_int_equal(sqlite3_open(fx->path, &other), SQLITE_OK);
	assert_int_equal(store_staff_sync(fx->s, staff, 2), 0);
	v = data_version(other);
	assert_int_equal(store_staff_sync(fx->s, staff, 2), 0);
	assert_int_equal(data_version(other), v); /* nothing written */

	staff[1].name = "赵主管"; /* a change is written */
	assert_int_equal(store_staff_sync(fx->s, staff, 2), 0);
	assert_true(data_version(other) != v);
	v = data_version(other);
	assert_int_equal(store_staff_sync(fx->s, staff, 1), 0); /* zhao left */
	assert_true(data_version(other) != v);
	v = data_version(other);
	assert_int_equal(store_staff_sync(fx->s, staff, 1), 0);
	assert_int_equal(data_version(other), v);
	sqlite3_close(other);
}

/* ---- migration 8 ---------------------------------------------------------------------- */

static int64_t scalar(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* A file of version 7 gets its indexes and keeps its orders. */
static void test_migration_8(void **state)
{
	static const char idx[] = "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name"
	                          " IN ('orders_closed', 'feedback_updated', "
	                          "'order_events_rework', 'outbox_pending')";
	struct fx *fx = *state;
	char err[256];
	sqlite3 *db;
	int n = 0;

	assert_true(store_schema_version(fx->s) >= 8);
	assert_int_equal(scalar(store_sqlite_db(fx->s), idx), 4);
	store_close(fx->s);
	fx->s = NULL;
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(
	        sqlite3_exec(db,
	                     "DROP INDEX orders_closed; DROP INDEX feedback_updated;"
	                     " DROP INDEX order_events_rework; DROP INDEX outbox_pending;"
	                     /* and what migrations 9 (dead letters), 10 (privacy) and 11 made */
	                     " DROP TABLE inbound_dead;"
	                     " DROP INDEX orders_kept; DROP INDEX outbox_aged;"
	                     " DROP INDEX transcript_at; DROP TABLE detail_views;"
	                     " DROP TRIGGER order_events_no_update;"
	                     " ALTER TABLE orders DROP COLUMN anonymised_at;"
	                     " ALTER TABLE outbox DROP COLUMN claimed_by;"
	                     " ALTER TABLE outbox DROP COLUMN claim_until;"
	                     " PRAGMA user_version = 7",
	                     NULL, NULL, NULL),
	        SQLITE_OK);
	sqlite3_close(db);
	if (store_open(fx->path, &fx->s, err, sizeof(err)) < 0)
		fail_msg("store_open: %s", err);
	assert_int_equal(scalar(store_sqlite_db(fx->s), idx), 4);
	assert_int_equal(store_orders_list(fx->s, NULL, count_order, &n), 0);
	assert_int_equal(n, NORD + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_filters_match_plain, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_no_full_scans, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_report_rows, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_staff_sync_unchanged, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_migration_8, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
