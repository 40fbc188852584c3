/*
 * test_privacy.c - store_privacy.c on a real SQLite file: what anonymising
 * an order leaves (the figures) and takes (names, phones, the resident's
 * words), the history's trigger that lets only that through, outbox rows
 * that stay valid JSON, and the record of views.
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

#include "store/store.h"
#include "store/store_privacy.h"
#include "storefx.h"

#define T0 1795744800 /* 2026-11-27 10:00 Asia/Shanghai */

struct fx {
	char dir[STOREFX_DIRLEN];
	char path[STOREFX_PATHLEN];
	struct store *s;
	int64_t order_id;
	int64_t resident_id;
};

/* Runs SQL on the store through a separate connection; 0 (SQLITE_OK) or nonzero. */
static int raw_exec(const struct fx *fx, const char *sql)
{
	return storefx_exec(fx->path, sql);
}

/* The first column of the first row of SQL as text (a static buffer). */
static const char *raw_text(const struct fx *fx, const char *sql)
{
	static char out[1024];

	assert_int_equal(storefx_text(fx->path, sql, out, sizeof(out)), 0);
	return out;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct store_resident r;
	struct store_order o;

	assert_non_null(fx);
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	fx->s = storefx_open("test_privacy", fx->dir, fx->path);
	assert_int_equal(store_resident_ensure(fx->s, "web", "visitor-1", T0, &r), 0);
	snprintf(r.name, sizeof(r.name), "nick");
	snprintf(r.phone, sizeof(r.phone), "13800138000");
	snprintf(r.room, sizeof(r.room), "3-2-501");
	assert_int_equal(store_resident_save(fx->s, &r, T0), 0);
	fx->resident_id = r.id;
	memset(&o, 0, sizeof(o));
	snprintf(o.community, sizeof(o.community), "demo");
	snprintf(o.status, sizeof(o.status), "pending");
	snprintf(o.category, sizeof(o.category), "repair");
	snprintf(o.description, sizeof(o.description), "the kitchen tap leaks");
	snprintf(o.room, sizeof(o.room), "3-2-501");
	snprintf(o.contact_name, sizeof(o.contact_name), "nick");
	snprintf(o.phone, sizeof(o.phone), "13800138000");
	snprintf(o.channel, sizeof(o.channel), "web");
	snprintf(o.chat, sizeof(o.chat), "visitor-1");
	snprintf(o.user, sizeof(o.user), "visitor-1");
	o.resident_id = r.id;
	assert_int_equal(store_order_create(fx->s, &o, T0, "resident:1", "web"), 0);
	fx->order_id = o.id;
	assert_int_equal(store_event_add(fx->s, o.id, T0 + 60, "staff:wang", "web", "note", "", "",
	                                 "phoned nick on 13800138000 at 3-2-501"),
	                 0);
	assert_int_equal(store_event_add(fx->s, o.id, T0 + 120, "resident:1", "web",
	                                 "message_from_resident", "", "",
	                                 "my wife answers the door"),
	                 0);
	assert_int_equal(
	        store_event_add(fx->s, o.id, T0 + 180, "resident:1", "web", "rated", "", "", "5"),
	        0);
	assert_int_equal(store_feedback_rate(fx->s, o.id, 5, T0 + 180), 0);
	assert_int_equal(store_feedback_comment(fx->s, o.id, "thanks, quick work", T0 + 200), 0);
	/* A ping to staff: "\n" then "ick" - the name's "nick" begins inside an escape. */
	assert_int_equal(store_outbox_add(fx->s, "web", "staff:wang",
	                                  "{\"text\":\"new order\\nick: 3-2-501 the kitchen tap "
	                                  "leaks\"}",
	                                  T0, NULL),
	                 0);
	assert_int_equal(store_outbox_add(fx->s, "web", "staff:wang",
	                                  "{\"text\":\"contact nick 13800138000\"}", T0, NULL),
	                 0);
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

static int no_file(const char *path, void *ud)
{
	(void)path;
	(void)ud;
	return 0;
}

static void anonymise(struct fx *fx, struct store_anon_counts *n)
{
	memset(n, 0, sizeof(*n));
	assert_int_equal(store_begin(fx->s), 0);
	if (store_anonymise_order(fx->s, fx->order_id, T0 + 86400, "staff:zhao", "cli", "asked",
	                          no_file, NULL, n) < 0)
		fail_msg("store_anonymise_order: %s", store_errmsg(fx->s));
	assert_int_equal(store_commit(fx->s), 0);
}

/* The history stays append-only for an order nobody anonymised. */
static void test_history_refuses_changes_until_anonymised(void **state)
{
	struct fx *fx = *state;
	struct store_anon_counts n;

	assert_int_not_equal(raw_exec(fx, "UPDATE order_events SET detail = 'x'"), SQLITE_OK);
	assert_int_not_equal(raw_exec(fx, "DELETE FROM order_events"), SQLITE_OK);
	anonymise(fx, &n);
	/* Even then: only the text of a detail, never who, what or when. */
	assert_int_not_equal(raw_exec(fx, "UPDATE order_events SET action = 'x'"), SQLITE_OK);
	assert_int_not_equal(raw_exec(fx, "UPDATE order_events SET at = 1"), SQLITE_OK);
	assert_int_not_equal(raw_exec(fx, "DELETE FROM order_events"), SQLITE_OK);
}

static void test_order_keeps_its_figures_and_loses_the_person(void **state)
{
	struct fx *fx = *state;
	struct store_anon_counts n;
	struct store_order o;

	anonymise(fx, &n);
	assert_int_equal(n.orders, 1);
	assert_int_equal(n.events, 2); /* the note scrubbed, the resident's words replaced */
	assert_int_equal(n.messages, 2);
	assert_int_equal(store_order_get_id(fx->s, fx->order_id, &o), 1);
	assert_string_equal(o.description, STORE_ANON);
	assert_string_equal(o.contact_name, STORE_ANON);
	assert_string_equal(o.room, STORE_ANON);
	assert_string_equal(o.phone, "");
	assert_string_equal(o.chat, "");
	assert_string_equal(o.status, "pending");
	assert_string_equal(o.category, "repair");
	assert_int_equal(o.rating, 5);
	assert_string_equal(o.comment, STORE_ANON);
	assert_string_equal(
	        raw_text(fx, storefx_pg() ? "SELECT string_agg(detail, '|' ORDER BY id)"
	                                    " FROM order_events WHERE action <> 'created'"
	                                  : "SELECT group_concat(detail, '|')"
	                                    " FROM order_events WHERE action <> 'created'"),
	        "phoned " STORE_ANON " on " STORE_ANON " at " STORE_ANON "|" STORE_ANON "|5|asked");
	/* Every outbox row is still JSON; none names nick, his phone or his words. */
	assert_string_equal(
	        raw_text(fx, storefx_pg()
	                             ? "SELECT min((payload::jsonb IS NOT NULL)::int) FROM outbox"
	                             : "SELECT min(json_valid(payload)) FROM outbox"),
	        "1");
	assert_string_equal(raw_text(fx, "SELECT count(*) FROM outbox WHERE payload LIKE '%nick%'"
	                                 " OR payload LIKE '%13800138000%'"
	                                 " OR payload LIKE '%tap leaks%'"),
	                    "0");
	assert_string_equal(raw_text(fx, "SELECT payload FROM outbox ORDER BY id DESC"),
	                    "{\"text\":\"contact " STORE_ANON " " STORE_ANON "\"}");
	/* Again: nothing more to replace. */
	anonymise(fx, &n);
	assert_int_equal(n.events + n.messages, 0);
}

static void test_forget_resident_and_expire(void **state)
{
	struct fx *fx = *state;
	struct store_anon_counts n;
	struct store_resident r;

	memset(&n, 0, sizeof(n));
	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(store_forget_resident(fx->s, fx->resident_id, T0 + 86400, "staff:zhao",
	                                       "cli", "asked", no_file, NULL, &n),
	                 0);
	assert_int_equal(store_commit(fx->s), 0);
	assert_int_equal((n.residents << 8) | (n.identities << 4) | n.orders, 0x111);
	assert_int_equal(store_resident_get(fx->s, fx->resident_id, &r), 1);
	assert_string_equal(r.name, STORE_ANON);
	assert_string_equal(r.phone, "");
	assert_string_equal(raw_text(fx, "SELECT count(*) FROM identities"), "0");
	/* The order is anonymised already: the retention period finds nothing more. */
	assert_int_equal(raw_exec(fx, "UPDATE orders SET status = 'closed', closed_at = 1"),
	                 SQLITE_OK);
	memset(&n, 0, sizeof(n));
	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(
	        store_privacy_expire(fx->s, T0, T0, 10, "system", "retention", no_file, NULL, &n),
	        0);
	assert_int_equal(store_commit(fx->s), 0);
	assert_int_equal(n.orders, 0);
}

static int count_view(const struct store_view *v, void *ud)
{
	assert_string_equal(v->staff, "zhao");
	++*(int *)ud;
	return 0;
}

static void test_views(void **state)
{
	struct fx *fx = *state;
	int n = 0;

	assert_int_equal(store_view_add(fx->s, T0, "zhao", "api", "order", "261127-001"), 0);
	assert_int_equal(store_view_add(fx->s, T0 + 1, "sun", "console", "form", "261127-001"), 0);
	assert_int_equal(store_view_add(fx->s, T0 + 2, "zhao", "console", "order", "261127-002"),
	                 0);
	assert_int_equal(store_views_list(fx->s, "zhao", 0, 0, 0, count_view, &n), 0);
	assert_int_equal(n, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_history_refuses_changes_until_anonymised,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_order_keeps_its_figures_and_loses_the_person,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_forget_resident_and_expire, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_views, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
