/*
 * hours.c - weekly working hours; see hours.h.
 *
 * Times of day are minutes after local midnight; every conversion to and
 * from Unix time goes through localtime_r() and mktime(), so a day that is
 * not 24 hours long (daylight saving) still starts and ends where the
 * clock on the wall says.
 */
#include "lib/hours.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "HH:MM" at *P (hours 0-24, 24 only as 24:00): minutes, and *P moved past it; -1 if not. */
static int read_clock(const char **p)
{
	const char *s = *p;
	int h, m;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	h = s[0] - '0';
	s++;
	if (*s >= '0' && *s <= '9')
		h = h * 10 + (*s++ - '0');
	if (*s != ':' || s[1] < '0' || s[1] > '5' || s[2] < '0' || s[2] > '9')
		return -1;
	m = (s[1] - '0') * 10 + (s[2] - '0');
	if (h > 24 || (h == 24 && m))
		return -1;
	*p = s + 3;
	return h * 60 + m;
}

int hours_parse_ranges(const char *text, struct hours_range *out, int *n, char *err, size_t errlen)
{
	const char *p = text ? text : "";
	int start, end;

	*n = 0;
	if (strcmp(p, "off") == 0)
		return 0;
	for (;;) {
		while (*p == ' ')
			p++;
		start = read_clock(&p);
		if (start < 0 || *p++ != '-' || (end = read_clock(&p)) < 0) {
			snprintf(err, errlen, "\"%s\": expected HH:MM-HH:MM (or \"off\")", text);
			return -1;
		}
		if (start == end || start == 1440) {
			snprintf(err, errlen, "\"%s\": a range must not be empty", text);
			return -1;
		}
		if (*n == HOURS_MAX_RANGES) {
			snprintf(err, errlen, "\"%s\": at most %d ranges a day", text,
			         HOURS_MAX_RANGES);
			return -1;
		}
		out[*n].start = (short)start;
		out[*n].end = (short)(end == 0 ? 1440 : end);
		(*n)++;
		while (*p == ' ')
			p++;
		if (!*p)
			return 0;
		if (*p++ != ',') {
			snprintf(err, errlen, "\"%s\": ranges are separated by commas", text);
			return -1;
		}
	}
}

static int day_index(const char *s, size_t len)
{
	static const char *const names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	int i;

	for (i = 0; i < 7; i++)
		if (len == 3 && strncmp(s, names[i], 3) == 0)
			return i;
	return -1;
}

int hours_parse_days(const char *text, int days[7])
{
	const char *dash = strchr(text, '-');
	int from, to, i;

	from = day_index(text, dash ? (size_t)(dash - text) : strlen(text));
	to = dash ? day_index(dash + 1, strlen(dash + 1)) : from;
	if (from < 0 || to < 0)
		return -1;
	for (i = from;; i = (i + 1) % 7) {
		days[i] = 1;
		if (i == to)
			break;
	}
	return 0;
}

int hours_open(const struct hours *h, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	int m, i, day, prev;

	if (!h || !h->set)
		return 1;
	if (!localtime_r(&tt, &tm))
		return 1;
	m = tm.tm_hour * 60 + tm.tm_min;
	day = tm.tm_wday;
	prev = (day + 6) % 7;
	for (i = 0; i < h->n[day]; i++) {
		const struct hours_range *r = &h->r[day][i];

		if (r->end > r->start ? m >= r->start && m < r->end : m >= r->start)
			return 1;
	}
	for (i = 0; i < h->n[prev]; i++) {
		const struct hours_range *r = &h->r[prev][i];

		if (r->end <= r->start && m < r->end)
			return 1;
	}
	return 0;
}

/* Local midnight of the day D days after BASE's day, plus MINUTES. */
static int64_t at_minutes(const struct tm *base, int d, int minutes)
{
	struct tm tm = *base;

	tm.tm_mday += d;
	tm.tm_hour = minutes / 60;
	tm.tm_min = minutes % 60;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int64_t hours_next(const struct hours *h, int64_t t, int open)
{
	int64_t cand[10 * HOURS_MAX_RANGES * 2];
	time_t tt = (time_t)t;
	struct tm tm, day;
	size_t n = 0, i;
	int d, k;

	if (!h || !h->set || !localtime_r(&tt, &tm))
		return 0;
	/* Every start and end from yesterday to eight days on: the changes are among them. */
	for (d = -1; d <= 8; d++) {
		int64_t noon = at_minutes(&tm, d, 12 * 60);
		time_t nt = (time_t)noon;

		if (!localtime_r(&nt, &day))
			continue;
		for (k = 0; k < h->n[day.tm_wday]; k++) {
			const struct hours_range *r = &h->r[day.tm_wday][k];

			cand[n++] = at_minutes(&tm, d, r->start);
			cand[n++] = at_minutes(&tm, r->end > r->start ? d : d + 1, r->end);
		}
	}
	qsort(cand, n, sizeof(cand[0]), cmp_i64);
	for (i = 0; i < n; i++)
		if (cand[i] > t && hours_open(h, cand[i]) == open &&
		    hours_open(h, cand[i] - 60) != open)
			return cand[i];
	return 0;
}

void hours_of_day(const struct hours *h, int64_t t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;
	size_t used = 0;
	int i, w;

	if (outlen)
		out[0] = '\0';
	if (!h || !h->set || !localtime_r(&tt, &tm))
		return;
	for (i = 0; i < h->n[tm.tm_wday]; i++) {
		const struct hours_range *r = &h->r[tm.tm_wday][i];

		w = snprintf(out + used, outlen - used, "%s%02d:%02d-%02d:%02d", i ? "," : "",
		             r->start / 60, r->start % 60, r->end / 60, r->end % 60);
		if (w < 0 || (size_t)w >= outlen - used)
			return;
		used += (size_t)w;
	}
}
