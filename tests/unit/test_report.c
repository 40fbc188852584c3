/*
 * test_report.c - the pieces of the reports that need no running program:
 * days of the centre's time zone, the words of a report query, option
 * reading shared by every command, and the median and 90th percentile of
 * report_build() over orders written straight into a store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bot/cli.h"
#include "bot/config.h"
#include "bot/report_figures.h"
#include "store/store.h"

#include "helpers.h"

/* 2026-11-27 00:00 in Asia/Shanghai (UTC+8): 2026-11-26 16:00 UTC. */
#define NOV27 1795708800LL

static void test_days(void **state)
{
	static const char *const bad[] = {"2026-02-30", "2026-13-01", "2026-1-01",
	                                  "2026/11/27", "",           "2026-11-27x",
	                                  "20261127",   "yesterday",  NULL};
	int64_t t = 0;
	int i;

	(void)state;
	assert_int_equal(report_parse_day("2026-11-27", &t), 0);
	assert_int_equal(t, NOV27);
	assert_int_equal(report_next_day(NOV27), NOV27 + 86400);
	assert_int_equal(report_parse_day("2028-02-29", &t), 0); /* a leap day is a day */
	for (i = 0; bad[i]; i++)
		assert_int_equal(report_parse_day(bad[i], &t), -1);
	assert_int_equal(report_parse_day(NULL, &t), -1);
}

static void test_query_words(void **state)
{
	struct report_query q;
	char err[256];

	(void)state;
	assert_int_equal(report_query_parse(demo, &q, "2026-11-27", "2026-11-30", "demo", "staff",
	                                    err, sizeof(err)),
	                 0);
	assert_int_equal(q.from, NOV27);
	assert_int_equal(q.to, NOV27 + 4 * 86400); /* the 30th counts whole */
	assert_string_equal(q.community, "demo");
	assert_int_equal(q.by, REPORT_BY_STAFF);
	assert_int_equal(report_query_parse(demo, &q, NULL, "", NULL, NULL, err, sizeof(err)), 0);
	assert_int_equal(q.from, 0);
	assert_int_equal(q.to, 0);
	assert_null(q.community);
	assert_int_equal(q.by, REPORT_BY_NONE);
	assert_int_equal(report_query_parse(demo, &q, "2026-11-30", "2026-11-27", NULL, NULL, err,
	                                    sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "before"));
	assert_int_equal(
	        report_query_parse(demo, &q, NULL, NULL, "elsewhere", NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "elsewhere"));
	assert_int_equal(report_query_parse(demo, &q, NULL, NULL, NULL, "week", err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "week"));
}

static void test_options(void **state)
{
	const char *from = NULL, *pos[2] = {NULL, NULL};
	int json = 0, n = -1;
	const struct cli_opt opts[] = {
	        {"--from", 1, &from, NULL}, {"--json", 0, NULL, &json}, {NULL, 0, NULL, NULL}};
	char *ok[] = {"N1", "--from=2026-11-27", "--json", "--", "--not-an-option"};
	char *spaced[] = {"--from", "2026-11-28"};
	char *unknown[] = {"--form", "x"};
	char *twice[] = {"--json", "--json"};
	char *missing[] = {"--from"};
	char *valued_flag[] = {"--json=1"};
	char *extra[] = {"a", "b", "c"};

	(void)state;
	assert_int_equal(cli_parse(5, ok, opts, pos, 2, &n, "t", "t [--from D] [--json]"), 0);
	assert_int_equal(n, 2);
	assert_string_equal(pos[0], "N1");
	assert_string_equal(pos[1], "--not-an-option");
	assert_string_equal(from, "2026-11-27");
	assert_int_equal(json, 1);
	assert_int_equal(cli_parse(2, spaced, opts, NULL, 0, NULL, "t", "u"), 0);
	assert_string_equal(from, "2026-11-28");
	assert_int_equal(cli_parse(2, unknown, opts, NULL, 0, NULL, "t", "u"), -1);
	assert_int_equal(cli_parse(2, twice, opts, NULL, 0, NULL, "t", "u"), -1);
	assert_int_equal(cli_parse(1, missing, opts, NULL, 0, NULL, "t", "u"), -1);
	assert_int_equal(cli_parse(1, valued_flag, opts, NULL, 0, NULL, "t", "u"), -1);
	assert_int_equal(cli_parse(3, extra, opts, pos, 2, &n, "t", "u"), -1);
}

static void test_form_words(void **state)
{
	enum report_form f = REPORT_FORM_FEEDBACK;

	(void)state;
	assert_int_equal(report_form_parse(NULL, &f), 0);
	assert_int_equal(f, REPORT_FORM_ALL);
	assert_int_equal(report_form_parse("dispatch", &f), 0);
	assert_int_equal(f, REPORT_FORM_DISPATCH);
	assert_int_equal(report_form_parse("register", &f), 0);
	assert_int_equal(f, REPORT_FORM_REGISTER);
	assert_int_equal(report_form_parse("invoice", &f), -1);
}

/* An order created at AT and taken RESPONSE seconds later (never, for 0). */
static void add_order(struct store *s, int64_t at, int64_t response)
{
	struct store_order o;

	memset(&o, 0, sizeof(o));
	strcpy(o.community, "demo");
	strcpy(o.category, "repair");
	strcpy(o.item, "water");
	strcpy(o.description, "厨房水管漏水");
	o.promised_minutes = 5;
	if (response) {
		strcpy(o.status, "assigned");
		strcpy(o.assignee, "wang");
		o.assigned_at = at + response;
	}
	assert_int_equal(store_order_create(s, &o, at, "resident:1", "terminal"), 0);
}

static double fig(json_t *doc, const char *a, const char *b)
{
	json_t *v = json_object_get(json_object_get(json_object_get(doc, "totals"), a), b);

	return json_is_number(v) ? json_number_value(v) : -1;
}

static void test_median_and_p90(void **state)
{
	char dir[] = "/tmp/test_report.XXXXXX", path[64], err[512];
	struct report_query q;
	struct store *s;
	json_t *doc, *rate;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.db", dir);
	assert_int_equal(store_open(path, &s, err, sizeof(err)), 0);
	/* Ten orders taken after 1, 2, ..., 10 minutes, one never taken. */
	for (i = 1; i <= 10; i++)
		add_order(s, NOV27 + 3600 * i, 60 * i);
	add_order(s, NOV27 + 3600 * 11, 0);
	memset(&q, 0, sizeof(q));
	q.now = NOV27 + 86400;
	doc = report_build(s, demo, &q, err, sizeof(err));
	assert_non_null(doc);
	/* Even count: the mean of the 5th and 6th, (300 + 360) / 2 = 330. */
	assert_true(fig(doc, "response_time", "median_seconds") == 330);
	/* Rank ceil(0.9 * 10) = 9: 540. */
	assert_true(fig(doc, "response_time", "p90_seconds") == 540);
	assert_true(fig(doc, "response_time", "count") == 10);
	/* Promise 5 min: taken within it 1..5 min; due also the one never taken: 5 of 11. */
	rate = json_object_get(json_object_get(json_object_get(doc, "totals"), "on_time"),
	                       "response");
	assert_int_equal(json_integer_value(json_object_get(rate, "due")), 11);
	assert_int_equal(json_integer_value(json_object_get(rate, "on_time")), 5);
	assert_true(json_real_value(json_object_get(rate, "rate")) == 0.4545);
	json_decref(doc);
	/* Nine values: the 5th is the median; rank ceil(8.1) = 9 is the largest. */
	q.to = NOV27 + 3600 * 9 + 1;
	doc = report_build(s, demo, &q, err, sizeof(err));
	assert_non_null(doc);
	assert_true(fig(doc, "response_time", "median_seconds") == 300);
	assert_true(fig(doc, "response_time", "p90_seconds") == 540);
	json_decref(doc);
	/* One value is its own median and percentile. Called inside the caller's
	 * transaction (the server's), it reads there and leaves it open. */
	q.to = NOV27 + 3600 + 1;
	assert_int_equal(store_begin(s), 0);
	doc = report_build(s, demo, &q, err, sizeof(err));
	assert_non_null(doc);
	assert_int_equal(store_commit(s), 0);
	assert_true(fig(doc, "response_time", "median_seconds") == 60);
	assert_true(fig(doc, "response_time", "p90_seconds") == 60);
	json_decref(doc);
	store_close(s);
	unlink(path);
	snprintf(path, sizeof(path), "%s/c.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/c.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_days),           cmocka_unit_test(test_query_words),
	        cmocka_unit_test(test_options),        cmocka_unit_test(test_form_words),
	        cmocka_unit_test(test_median_and_p90),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
