/*
 * hours.c - daily windows of local time; see hours.h.
 *
 * Every edge is found with mktime() on the local calendar rather than by
 * adding 86400, so a window keeps its local hours across a change of
 * daylight saving time.
 */
#include "lib/hours.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Guards the loops below against a calendar that would not move on. */
#define HOURS_MAX_STEPS 4000

/* Reads "H:MM" or "HH:MM" at *P into minutes; 24:00 only when END. -1 when not a time. */
static int read_clock(const char **p, int end)
{
	const char *s = *p;
	int h = 0, m, digits = 0;

	while (*s >= '0' && *s <= '9' && digits < 2) {
		h = h * 10 + (*s++ - '0');
		digits++;
	}
	if (!digits || *s++ != ':')
		return -1;
	if (s[0] < '0' || s[0] > '5' || s[1] < '0' || s[1] > '9')
		return -1;
	m = (s[0] - '0') * 10 + (s[1] - '0');
	*p = s + 2;
	if (h < 24)
		return h * 60 + m;
	return end && h == 24 && m == 0 ? 1440 : -1;
}

int hours_parse(const char *text, struct hours_window *w, char *why, size_t whylen)
{
	const char *p = text ? text : "";
	int start, end;

	memset(w, 0, sizeof(*w));
	start = read_clock(&p, 0);
	if (start < 0 || *p++ != '-' || (end = read_clock(&p, 1)) < 0 || *p) {
		snprintf(why, whylen,
		         "expected \"HH:MM-HH:MM\" (24-hour clock), e.g. \"08:00-20:00\"");
		return -1;
	}
	if (start == end) {
		snprintf(why, whylen,
		         "start and end are the same time (the whole day is \"00:00-24:00\")");
		return -1;
	}
	w->set = 1;
	w->start = start;
	w->end = end;
	return 0;
}

void hours_clock(int minute, char *out, size_t outlen)
{
	unsigned m = (unsigned)minute % 1441; /* 00:00 to 24:00 */

	snprintf(out, outlen, "%02u:%02u", m / 60, m % 60);
}

void hours_format(const struct hours_window *w, char *out, size_t outlen)
{
	char a[8], b[8];

	if (!w->set) {
		if (outlen)
			out[0] = '\0';
		return;
	}
	hours_clock(w->start, a, sizeof(a));
	hours_clock(w->end, b, sizeof(b));
	snprintf(out, outlen, "%s-%s", a, b);
}

/* Minutes after local midnight at T, and the local calendar day in *TM. */
static int minute_of(int64_t t, struct tm *tm)
{
	time_t tt = (time_t)t;

	if (!localtime_r(&tt, tm))
		return -1;
	return tm->tm_hour * 60 + tm->tm_min;
}

/* The first moment after T (strictly) when the local clock shows MINUTE (1440: midnight). */
static int64_t next_minute(int64_t t, int minute)
{
	struct tm day, x;
	time_t r;
	int i;

	if (minute_of(t, &day) < 0)
		return t + 86400;
	for (i = 0; i < 3; i++) {
		x = day;
		x.tm_mday += i;
		x.tm_hour = minute / 60;
		x.tm_min = minute % 60;
		x.tm_sec = 0;
		x.tm_isdst = -1;
		r = mktime(&x);
		if (r != (time_t)-1 && (int64_t)r > t)
			return (int64_t)r;
	}
	return t + 86400;
}

int hours_inside(const struct hours_window *w, int64_t t)
{
	struct tm tm;
	int m;

	if (!w || !w->set)
		return 0;
	m = minute_of(t, &tm);
	if (m < 0)
		return 0;
	if (w->start < w->end)
		return m >= w->start && m < w->end;
	return m >= w->start || m < w->end;
}

int64_t hours_end_of(const struct hours_window *w, int64_t t)
{
	return hours_inside(w, t) ? next_minute(t, w->end) : t;
}

int64_t hours_next_open(const struct hours_window *w, int64_t t)
{
	if (!w || !w->set || hours_inside(w, t))
		return t;
	return next_minute(t, w->start);
}

int64_t hours_add(const struct hours_window *w, int64_t t, int64_t seconds)
{
	int64_t end;
	int i;

	if (!w || !w->set)
		return t + seconds;
	for (i = 0; seconds > 0 && i < HOURS_MAX_STEPS; i++) {
		t = hours_next_open(w, t);
		end = hours_end_of(w, t);
		if (end - t >= seconds)
			return t + seconds;
		if (end > t) {
			seconds -= end - t;
			t = end;
		} else {
			t++; /* a calendar that does not move: step past it */
		}
	}
	return t + seconds;
}
