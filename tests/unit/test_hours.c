/*
 * test_hours.c - weekly working hours (lib/hours.c): what a configuration
 * may say, whether a moment is within them, and when they next begin or
 * end, in the centre's time zone (Asia/Shanghai). 2026-11-27 is a Friday.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lib/hours.h"

/* Local time in Asia/Shanghai as Unix seconds. */
static int64_t at(int y, int mon, int d, int h, int m)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
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
	        {"08:00-08:00", "\"08:00-08:00\": a range must not be empty"},
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

static void test_open(void **state)
{
	struct hours always, day = week(NULL, "08:00-18:00"),
	                     weekdays = week("mon-fri", "08:00-18:00");
	struct hours night = week(NULL, "22:00-06:00"),
	             split = week(NULL, "08:00-12:00,13:00-17:00");

	(void)state;
	memset(&always, 0, sizeof(always));
	assert_true(hours_open(&always, at(2026, 11, 27, 3, 0)));
	assert_true(hours_open(NULL, at(2026, 11, 27, 3, 0)));
	assert_true(hours_open(&day, at(2026, 11, 27, 8, 0)));
	assert_false(hours_open(&day, at(2026, 11, 27, 7, 59)));
	assert_true(hours_open(&day, at(2026, 11, 27, 17, 59)));
	assert_false(hours_open(&day, at(2026, 11, 27, 18, 0)));
	assert_true(hours_open(&weekdays, at(2026, 11, 27, 9, 0)));  /* Friday */
	assert_false(hours_open(&weekdays, at(2026, 11, 28, 9, 0))); /* Saturday */
	assert_true(hours_open(&night, at(2026, 11, 27, 23, 0)));
	assert_true(hours_open(&night, at(2026, 11, 28, 5, 59))); /* the night before's shift */
	assert_false(hours_open(&night, at(2026, 11, 28, 6, 0)));
	assert_false(hours_open(&split, at(2026, 11, 27, 12, 30))); /* lunch */
	assert_true(hours_open(&split, at(2026, 11, 27, 13, 0)));
}

static void test_next(void **state)
{
	struct hours always, weekdays = week("mon-fri", "08:00-18:00");
	struct hours adjacent = week(NULL, "08:00-12:00,12:00-18:00");
	struct hours full = week(NULL, "00:00-24:00"), night = week(NULL, "22:00-06:00");
	int64_t fri1730 = at(2026, 11, 27, 17, 30);

	(void)state;
	memset(&always, 0, sizeof(always));
	assert_int_equal(hours_next(&weekdays, fri1730, 0), at(2026, 11, 27, 18, 0));
	assert_int_equal(hours_next(&weekdays, fri1730, 1), at(2026, 11, 30, 8, 0)); /* Monday */
	/* Before the shift: it begins today. */
	assert_int_equal(hours_next(&weekdays, at(2026, 11, 27, 7, 0), 1), at(2026, 11, 27, 8, 0));
	/* Two ranges that meet are one shift. */
	assert_int_equal(hours_next(&adjacent, at(2026, 11, 27, 9, 0), 0), at(2026, 11, 27, 18, 0));
	assert_int_equal(hours_next(&night, at(2026, 11, 27, 23, 0), 0), at(2026, 11, 28, 6, 0));
	assert_int_equal(hours_next(&night, at(2026, 11, 28, 6, 0), 1), at(2026, 11, 28, 22, 0));
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
	hours_of_day(&split, at(2026, 11, 27, 9, 0), out, sizeof(out));
	assert_string_equal(out, "08:00-12:00,13:00-24:00");
	hours_of_day(&weekdays, at(2026, 11, 28, 9, 0), out, sizeof(out));
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ranges), cmocka_unit_test(test_bad_ranges),
	        cmocka_unit_test(test_days),   cmocka_unit_test(test_open),
	        cmocka_unit_test(test_next),   cmocka_unit_test(test_of_day),
	};

	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
