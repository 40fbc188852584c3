/*
 * test_hours.c - hours of local time (lib/hours.c): the one reader of
 * "HH:MM-HH:MM" ranges; daily windows (business hours, quiet hours that
 * cross midnight, time counted inside a window); weekly working hours
 * (whether a moment is within them, when they next begin or end); and how
 * the configuration loader reads and refuses them (bot/config.c).
 *
 * Times are built in Asia/Shanghai (UTC+8, no daylight saving) so that each
 * assertion names a wall-clock moment a person would recognise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bot/config.h"
#include "lib/hours.h"

/* 2026-11-27 (a Friday) at HH:MM local, plus DAYS. */
static int64_t at(int days, int hh, int mm)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 10;
	tm.tm_mday = 27 + days;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static struct hours_window window(const char *text)
{
	struct hours_window w;
	char why[128];

	if (hours_parse(text, &w, why, sizeof(why)) < 0)
		fail_msg("%s: %s", text, why);
	return w;
}

/* Every day TEXT; or only the days DAYS names ("mon-fri"). */
static struct hours week(const char *days, const char *text)
{
	struct hours h;
	struct hours_range r[HOURS_MAX_RANGES];
	int on[7] = {0}, n, i;
	char err[128];

	memset(&h, 0, sizeof(h));
	assert_int_equal(hours_parse_ranges(text, r, &n, err, sizeof(err)), 0);
	if (days)
		assert_int_equal(hours_parse_days(days, on), 0);
	for (i = 0; i < 7; i++) {
		if (days && !on[i])
			continue;
		h.n[i] = n;
		memcpy(h.r[i], r, sizeof(r));
	}
	h.set = 1;
	return h;
}

static int setup(void **state)
{
	(void)state;
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	return 0;
}

/* ---- reading ranges ---------------------------------------------------------------- */

static void test_parse(void **state)
{
	struct hours_window w;
	char why[128], back[16];

	(void)state;
	w = window("08:00-20:00");
	assert_int_equal(w.set, 1);
	assert_int_equal(w.r.start, 8 * 60);
	assert_int_equal(w.r.end, 20 * 60);
	w = window("21:30-8:00");
	assert_int_equal(w.r.start, 21 * 60 + 30);
	assert_int_equal(w.r.end, 8 * 60);
	hours_format(&w, back, sizeof(back));
	assert_string_equal(back, "21:30-08:00");
	w = window("00:00-24:00");
	assert_int_equal(w.r.end, 1440);

	static const char *const bad[] = {"",
	                                  "08:00",
	                                  "8-20",
	                                  "08:00-20:60",
	                                  "25:00-08:00",
	                                  "24:00-08:00",
	                                  "08:00-24:30",
	                                  "08:00 - 20:00",
	                                  "08:00-20:00x",
	                                  "a8:00-20:00",
	                                  NULL};
	for (int i = 0; bad[i]; i++) {
		if (hours_parse(bad[i], &w, why, sizeof(why)) == 0)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_int_equal(w.set, 0);
		assert_non_null(strstr(why, "HH:MM-HH:MM"));
	}
	assert_int_equal(hours_parse("08:00-08:00", &w, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "the same time"));
	assert_int_equal(hours_parse(NULL, &w, why, sizeof(why)), -1);
}

static void test_ranges(void **state)
{
	struct hours_range r[HOURS_MAX_RANGES];
	char err[128];
	int n;

	(void)state;
	assert_int_equal(hours_parse_ranges("08:00-18:00", r, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].start, 480);
	assert_int_equal(r[0].end, 1080);
	assert_int_equal(hours_parse_ranges("8:00-12:00, 13:30-17:30", r, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[1].start, 810);
	assert_int_equal(r[1].end, 1050);
	assert_int_equal(hours_parse_ranges("off", r, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	/* Up to midnight, and past it. */
	assert_int_equal(hours_parse_ranges("18:00-24:00", r, &n, err, sizeof(err)), 0);
	assert_int_equal(r[0].end, 1440);
	assert_int_equal(hours_parse_ranges("18:00-00:00", r, &n, err, sizeof(err)), 0);
	assert_int_equal(r[0].end, 1440);
	assert_int_equal(hours_parse_ranges("22:00-06:00", r, &n, err, sizeof(err)), 0);
	assert_int_equal(r[0].start, 1320);
	assert_int_equal(r[0].end, 360);
}

static void test_bad_ranges(void **state)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
	        {"8-18", "\"8-18\": expected HH:MM-HH:MM (or \"off\")"},
	        {"", "\"\": expected HH:MM-HH:MM (or \"off\")"},
	        {"08:00-08:00",
	         "\"08:00-08:00\": start and end are the same time (the whole day is "
	         "00:00-24:00)"},
	        {"25:00-26:00", "\"25:00-26:00\": expected HH:MM-HH:MM (or \"off\")"},
	        {"24:30-01:00", "\"24:30-01:00\": expected HH:MM-HH:MM (or \"off\")"},
	        {"08:60-09:00", "\"08:60-09:00\": expected HH:MM-HH:MM (or \"off\")"},
	        {"08:00-12:00;13:00-18:00",
	         "\"08:00-12:00;13:00-18:00\": ranges are separated by commas"},
	        {"01:00-02:00,03:00-04:00,05:00-06:00,07:00-08:00,09:00-10:00",
	         "\"01:00-02:00,03:00-04:00,05:00-06:00,07:00-08:00,09:00-10:00\": at most 4 "
	         "ranges a day"},
	};
	struct hours_range r[HOURS_MAX_RANGES];
	char err[160];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(hours_parse_ranges(bad[i].text, r, &n, err, sizeof(err)), -1);
		assert_string_equal(err, bad[i].err);
	}
}

static void test_days(void **state)
{
	int d[7];

	(void)state;
	memset(d, 0, sizeof(d));
	assert_int_equal(hours_parse_days("mon-fri", d), 0);
	assert_int_equal(d[0] + d[6], 0);
	assert_int_equal(d[1] + d[2] + d[3] + d[4] + d[5], 5);
	memset(d, 0, sizeof(d));
	assert_int_equal(hours_parse_days("fri-mon", d), 0); /* round the weekend */
	assert_int_equal(d[5] + d[6] + d[0] + d[1], 4);
	assert_int_equal(d[2] + d[3] + d[4], 0);
	memset(d, 0, sizeof(d));
	assert_int_equal(hours_parse_days("sat", d), 0);
	assert_int_equal(d[6], 1);
	assert_int_equal(hours_parse_days("monday", d), -1);
	assert_int_equal(hours_parse_days("mon-", d), -1);
	assert_int_equal(hours_parse_days("", d), -1);
}

/* Both readers take a range the same way: an end of 00:00 is the end of the day. */
static void test_one_reader(void **state)
{
	struct hours_range r[HOURS_MAX_RANGES];
	struct hours_window w = window("22:00-00:00");
	char err[128];
	int n;

	(void)state;
	assert_int_equal(hours_parse_ranges("22:00-00:00", r, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(w.r.start, r[0].start);
	assert_int_equal(w.r.end, 1440);
	assert_int_equal(r[0].end, 1440);
	/* The same refusal in the same words, whichever reads it. */
	assert_int_equal(hours_parse("10:00-10:00", &w, err, sizeof(err)), -1);
	assert_string_equal(err, "\"10:00-10:00\": start and end are the same time (the whole "
	                         "day is 00:00-24:00)");
	assert_int_equal(hours_parse_ranges("10:00-10:00", r, &n, err, sizeof(err)), -1);
	assert_string_equal(err, "\"10:00-10:00\": start and end are the same time (the whole "
	                         "day is 00:00-24:00)");
	/* A window is one range: a list or "off" is for working hours. */
	assert_int_equal(hours_parse("08:00-12:00,13:00-17:00", &w, err, sizeof(err)), -1);
	assert_int_equal(hours_parse("off", &w, err, sizeof(err)), -1);
	/* And a window past midnight is inside on both days, as a shift is. */
	w = window("22:00-06:00");
	assert_true(hours_inside(&w, at(0, 23, 0)));
	assert_true(hours_inside(&w, at(1, 5, 59)));
	assert_false(hours_inside(&w, at(1, 6, 0)));
}

/* ---- a daily window ---------------------------------------------------------------- */

static void test_inside_a_day(void **state)
{
	struct hours_window w = window("08:00-20:00");

	(void)state;
	assert_false(hours_inside(&w, at(0, 7, 59)));
	assert_true(hours_inside(&w, at(0, 8, 0)));
	assert_true(hours_inside(&w, at(0, 19, 59)));
	assert_false(hours_inside(&w, at(0, 20, 0)));
	assert_false(hours_inside(&w, at(0, 23, 0)));
	/* A window not set holds no moment. */
	memset(&w, 0, sizeof(w));
	assert_false(hours_inside(&w, at(0, 12, 0)));
	assert_false(hours_inside(NULL, at(0, 12, 0)));
}

static void test_quiet_hours_cross_midnight(void **state)
{
	struct hours_window q = window("21:30-08:00");

	(void)state;
	assert_false(hours_inside(&q, at(0, 21, 29)));
	assert_true(hours_inside(&q, at(0, 21, 30)));
	assert_true(hours_inside(&q, at(0, 23, 59)));
	assert_true(hours_inside(&q, at(1, 0, 0)));
	assert_true(hours_inside(&q, at(1, 7, 59)));
	assert_false(hours_inside(&q, at(1, 8, 0)));
	assert_false(hours_inside(&q, at(1, 12, 0)));
	/* Late in the evening the quiet ends the next morning; after midnight, that morning. */
	assert_int_equal(hours_end_of(&q, at(0, 22, 0)), at(1, 8, 0));
	assert_int_equal(hours_end_of(&q, at(1, 2, 0)), at(1, 8, 0));
	/* Outside, nothing to wait for. */
	assert_int_equal(hours_end_of(&q, at(0, 12, 0)), at(0, 12, 0));
	/* Across a month's end. */
	assert_int_equal(hours_end_of(&q, at(3, 23, 0)), at(4, 8, 0));
}

static void test_next_open(void **state)
{
	struct hours_window w = window("08:00-20:00"), none;

	(void)state;
	memset(&none, 0, sizeof(none));
	assert_int_equal(hours_next_open(&w, at(0, 9, 0)), at(0, 9, 0));
	assert_int_equal(hours_next_open(&w, at(0, 6, 0)), at(0, 8, 0));
	assert_int_equal(hours_next_open(&w, at(0, 20, 0)), at(1, 8, 0));
	assert_int_equal(hours_next_open(&w, at(0, 23, 30)), at(1, 8, 0));
	assert_int_equal(hours_next_open(&none, at(0, 23, 30)), at(0, 23, 30));
}

static void test_add_business_time(void **state)
{
	struct hours_window w = window("08:00-20:00"), night = window("20:00-08:00"), all, none;

	(void)state;
	all = window("00:00-24:00");
	memset(&none, 0, sizeof(none));
	/* Inside: plain addition. */
	assert_int_equal(hours_add(&w, at(0, 9, 0), 30 * 60), at(0, 9, 30));
	/* A 30-minute promise at 19:50 runs 10 minutes today and 20 tomorrow. */
	assert_int_equal(hours_add(&w, at(0, 19, 50), 30 * 60), at(1, 8, 20));
	/* Filed at night: the clock starts at opening. */
	assert_int_equal(hours_add(&w, at(0, 23, 0), 60 * 60), at(1, 9, 0));
	assert_int_equal(hours_add(&w, at(1, 3, 0), 60 * 60), at(1, 9, 0));
	/* Exactly to the closing minute, and a day and a half of business time. */
	assert_int_equal(hours_add(&w, at(0, 19, 0), 60 * 60), at(0, 20, 0));
	assert_int_equal(hours_add(&w, at(0, 8, 0), 18 * 3600), at(1, 14, 0));
	/* A window crossing midnight counts through it. */
	assert_int_equal(hours_add(&night, at(0, 23, 0), 2 * 3600), at(1, 1, 0));
	/* 12 hours tonight, the last one the next night. */
	assert_int_equal(hours_add(&night, at(0, 12, 0), 13 * 3600), at(1, 21, 0));
	/* The whole day, or no window: every second counts. */
	assert_int_equal(hours_add(&all, at(0, 23, 30), 3 * 3600), at(1, 2, 30));
	assert_int_equal(hours_add(&none, at(0, 23, 30), 3 * 3600), at(1, 2, 30));
	assert_int_equal(hours_add(&w, at(0, 9, 0), 0), at(0, 9, 0));
}

/* ---- a week of working hours -------------------------------------------------------- */

static void test_open(void **state)
{
	struct hours always, day = week(NULL, "08:00-18:00"),
	                     weekdays = week("mon-fri", "08:00-18:00");
	struct hours night = week(NULL, "22:00-06:00"),
	             split = week(NULL, "08:00-12:00,13:00-17:00");

	(void)state;
	memset(&always, 0, sizeof(always));
	assert_true(hours_open(&always, at(0, 3, 0)));
	assert_true(hours_open(NULL, at(0, 3, 0)));
	assert_true(hours_open(&day, at(0, 8, 0)));
	assert_false(hours_open(&day, at(0, 7, 59)));
	assert_true(hours_open(&day, at(0, 17, 59)));
	assert_false(hours_open(&day, at(0, 18, 0)));
	assert_true(hours_open(&weekdays, at(0, 9, 0)));  /* Friday */
	assert_false(hours_open(&weekdays, at(1, 9, 0))); /* Saturday */
	assert_true(hours_open(&night, at(0, 23, 0)));
	assert_true(hours_open(&night, at(1, 5, 59))); /* the night before's shift */
	assert_false(hours_open(&night, at(1, 6, 0)));
	assert_false(hours_open(&split, at(0, 12, 30))); /* lunch */
	assert_true(hours_open(&split, at(0, 13, 0)));
}

static void test_next(void **state)
{
	struct hours always, weekdays = week("mon-fri", "08:00-18:00");
	struct hours adjacent = week(NULL, "08:00-12:00,12:00-18:00");
	struct hours full = week(NULL, "00:00-24:00"), night = week(NULL, "22:00-06:00");
	int64_t fri1730 = at(0, 17, 30);

	(void)state;
	memset(&always, 0, sizeof(always));
	assert_int_equal(hours_next(&weekdays, fri1730, 0), at(0, 18, 0));
	assert_int_equal(hours_next(&weekdays, fri1730, 1), at(3, 8, 0)); /* Monday */
	/* Before the shift: it begins today. */
	assert_int_equal(hours_next(&weekdays, at(0, 7, 0), 1), at(0, 8, 0));
	/* Two ranges that meet are one shift. */
	assert_int_equal(hours_next(&adjacent, at(0, 9, 0), 0), at(0, 18, 0));
	assert_int_equal(hours_next(&night, at(0, 23, 0), 0), at(1, 6, 0));
	assert_int_equal(hours_next(&night, at(1, 6, 0), 1), at(1, 22, 0));
	/* Nothing ever changes. */
	assert_int_equal(hours_next(&always, fri1730, 1), 0);
	assert_int_equal(hours_next(&full, fri1730, 0), 0);
	assert_int_equal(hours_next(&full, fri1730, 1), 0);
}

static void test_of_day(void **state)
{
	struct hours split = week(NULL, "08:00-12:00,13:00-24:00");
	struct hours weekdays = week("mon-fri", "08:00-18:00");
	char out[64];

	(void)state;
	hours_of_day(&split, at(0, 9, 0), out, sizeof(out));
	assert_string_equal(out, "08:00-12:00,13:00-24:00");
	hours_of_day(&weekdays, at(1, 9, 0), out, sizeof(out));
	assert_string_equal(out, "");
}

/* ---- the configuration ---------------------------------------------------------------- */

static char path[64];

/* The example configuration with its top-level text SEARCH replaced by REPLACE, in a file. */
static void write_variant(const char *search, const char *replace)
{
	FILE *in = fopen("config.example.json", "r"), *out;
	static char text[1 << 17];
	size_t n;
	char *hit;
	int fd;

	assert_non_null(in);
	n = fread(text, 1, sizeof(text) - 1, in);
	fclose(in);
	text[n] = '\0';
	hit = strstr(text, search);
	if (!hit)
		fail_msg("config.example.json has no %s", search);
	snprintf(path, sizeof(path), "/tmp/concierge-hours-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	out = fdopen(fd, "w");
	assert_non_null(out);
	fwrite(text, 1, (size_t)(hit - text), out);
	fputs(replace, out);
	fputs(hit + strlen(search), out);
	fclose(out);
}

/* Loads the variant; expects exactly the one problem LINE (after "PATH: "), or none. */
static void expect(const char *search, const char *replace, const char *line)
{
	char err[4096], want[512];
	struct cfg *c = NULL;
	int rc;

	write_variant(search, replace);
	rc = cfg_load(path, &c, err, sizeof(err));
	unlink(path);
	if (!line) {
		if (rc != 0)
			fail_msg("refused: %s", err);
		cfg_free(c);
		return;
	}
	assert_int_equal(rc, -1);
	snprintf(want, sizeof(want), "%s: %s", path, line);
	if (strcmp(err, want) != 0)
		fail_msg("expected\n  %s\ngot\n  %s", want, err);
}

static void test_config(void **state)
{
	struct cfg *c = NULL;
	char err[4096];

	(void)state;
	assert_int_equal(cfg_load("config.example.json", &c, err, sizeof(err)), 0);
	assert_int_equal(c->quiet_hours.set, 0);
	assert_int_equal(c->communities[0].business_hours.r.start, 0);
	assert_int_equal(c->communities[0].business_hours.r.end, 1440);
	assert_int_equal(cfg_item_find(c, "water")->complete_hours, 24);
	assert_int_equal(cfg_item_find(c, "inquiry")->complete_hours, 0);
	assert_int_equal(c->acceptance_reminder_hours, 24);
	cfg_free(c);

	expect("\"quiet_hours\": null", "\"quiet_hours\": \"21:30-08:00\"", NULL);
	expect("\"quiet_hours\": null", "\"quiet_hours\": \"21:30-8\"",
	       "quiet_hours: \"21:30-8\": expected HH:MM-HH:MM (24-hour clock, e.g. 08:00-20:00)");
	expect("\"quiet_hours\": null", "\"quiet_hours\": 2130",
	       "quiet_hours: expected a string \"HH:MM-HH:MM\"");
	expect("\"business_hours\": \"00:00-24:00\"", "\"business_hours\": \"09:00-09:00\"",
	       "communities[0].business_hours: \"09:00-09:00\": start and end are the same time "
	       "(the whole day is 00:00-24:00)");
	expect("\"complete_hours\": 24", "\"complete_hours\": 0",
	       "catalogue[0].complete_hours: must be between 1 and 8760");
	expect("\"acceptance_reminder_hours\": 24", "\"acceptance_reminder_hours\": 72",
	       "acceptance_reminder_hours: must be less than acceptance_days in hours (72)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse),
	        cmocka_unit_test(test_ranges),
	        cmocka_unit_test(test_bad_ranges),
	        cmocka_unit_test(test_days),
	        cmocka_unit_test(test_one_reader),
	        cmocka_unit_test(test_inside_a_day),
	        cmocka_unit_test(test_quiet_hours_cross_midnight),
	        cmocka_unit_test(test_next_open),
	        cmocka_unit_test(test_add_business_time),
	        cmocka_unit_test(test_open),
	        cmocka_unit_test(test_next),
	        cmocka_unit_test(test_of_day),
	        cmocka_unit_test(test_config),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
