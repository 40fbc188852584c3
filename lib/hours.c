/*
 * hours.c - hours of local time; see hours.h.
 *
 * Times of day are minutes after local midnight; every conversion to and
 * from Unix time goes through localtime_r() and mktime() on the local
 * calendar rather than adding 86400, so a day that is not 24 hours long
 * (daylight saving) still starts and ends where the clock on the wall says.
 */
#include "lib/hours.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Guards the loops below against a calendar that would not move on. */
#define HOURS_MAX_STEPS 4000

/* ---- the parser ---------------------------------------------------------------------- */

/* Reads "H:MM" or "HH:MM" at *P into minutes, *P moved past it; 24:00 only when END. -1 if not. */
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

/*
 * The one reader of "HH:MM-HH:MM": the range at *P into *R, *P moved past
 * it. An end of 00:00 is the end of the day (1440). 0; or -1 with the reason
 * in WHY, naming TEXT (the whole setting), SYNTAX being what was expected.
 */
static int read_range(const char **p, const char *text, const char *syntax, struct hours_range *r,
                      char *why, size_t whylen)
{
	int start, end;

	start = read_clock(p, 0);
	if (start < 0 || *(*p)++ != '-' || (end = read_clock(p, 1)) < 0) {
		snprintf(why, whylen, "\"%s\": %s", text, syntax);
		return -1;
	}
	if (start == end) {
		snprintf(why, whylen,
		         "\"%s\": start and end are the same time (the whole day is 00:00-24:00)",
		         text);
		return -1;
	}
	r->start = (short)start;
	r->end = (short)(end == 0 ? 1440 : end);
	return 0;
}

int hours_parse(const char *text, struct hours_window *w, char *why, size_t whylen)
{
	static const char syntax[] = "expected HH:MM-HH:MM (24-hour clock, e.g. 08:00-20:00)";
	const char *s = text ? text : "", *p = s;

	memset(w, 0, sizeof(*w));
	if (read_range(&p, s, syntax, &w->r, why, whylen) < 0)
		return -1;
	if (*p) {
		memset(w, 0, sizeof(*w));
		snprintf(why, whylen, "\"%s\": %s", s, syntax);
		return -1;
	}
	w->set = 1;
	return 0;
}

int hours_parse_ranges(const char *text, struct hours_range *out, int *n, char *err, size_t errlen)
{
	const char *p = text ? text : "";
	struct hours_range r;

	text = p;
	*n = 0;
	if (strcmp(p, "off") == 0)
		return 0;
	for (;;) {
		while (*p == ' ')
			p++;
		if (read_range(&p, text, "expected HH:MM-HH:MM (or \"off\")", &r, err, errlen) < 0)
			return -1;
		if (*n == HOURS_MAX_RANGES) {
			snprintf(err, errlen, "\"%s\": at most %d ranges a day", text,
			         HOURS_MAX_RANGES);
			return -1;
		}
		out[(*n)++] = r;
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

void hours_clock(int minute, char *out, size_t outlen)
{
	unsigned m = (unsigned)minute % 1441; /* 00:00 to 24:00 */

	snprintf(out, outlen, "%02u:%02u", m / 60, m % 60);
}

/* "08:00-20:00" from R into OUT; the length written, or <0 / >= OUTLEN as snprintf(). */
static int format_range(const struct hours_range *r, char *out, size_t outlen)
{
	char a[8], b[8];

	hours_clock(r->start, a, sizeof(a));
	hours_clock(r->end, b, sizeof(b));
	return snprintf(out, outlen, "%s-%s", a, b);
}

void hours_format(const struct hours_window *w, char *out, size_t outlen)
{
	if (!w || !w->set) {
		if (outlen)
			out[0] = '\0';
		return;
	}
	format_range(&w->r, out, outlen);
}

/* ---- ranges on the local calendar ----------------------------------------------------- */

/* Is minute M of a day within the part of R that begins that day? */
static int range_today(const struct hours_range *r, int m)
{
	return r->end > r->start ? m >= r->start && m < r->end : m >= r->start;
}

/* Is minute M of a day within the part of R, begun the day before, that runs past midnight? */
static int range_spill(const struct hours_range *r, int m)
{
	return r->end <= r->start && m < r->end;
}

/* Minutes after local midnight at T, and the local calendar day in *TM; -1 on error. */
static int minute_of(int64_t t, struct tm *tm)
{
	time_t tt = (time_t)t;

	if (!localtime_r(&tt, tm))
		return -1;
	return tm->tm_hour * 60 + tm->tm_min;
}

/* The local time MINUTES (1440: the next midnight) of the day D days after BASE's day. */
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

/* ---- a daily window ------------------------------------------------------------------ */

/* The first moment after T (strictly) when the local clock shows MINUTE (1440: midnight). */
static int64_t next_minute(int64_t t, int minute)
{
	struct tm day;
	int64_t r;
	int i;

	if (minute_of(t, &day) < 0)
		return t + 86400;
	for (i = 0; i < 3; i++) {
		r = at_minutes(&day, i, minute);
		if (r != -1 && r > t)
			return r;
	}
	return t + 86400;
}

/* "00:00-24:00": every moment is inside, no calendar to read (reports ask of each order). */
static int whole_day(const struct hours_window *w)
{
	return w->r.start == 0 && w->r.end == 1440;
}

int hours_inside(const struct hours_window *w, int64_t t)
{
	struct tm tm;
	int m;

	if (!w || !w->set)
		return 0;
	if (whole_day(w))
		return 1;
	m = minute_of(t, &tm);
	if (m < 0)
		return 0;
	return range_today(&w->r, m) || range_spill(&w->r, m);
}

int64_t hours_end_of(const struct hours_window *w, int64_t t)
{
	return hours_inside(w, t) ? next_minute(t, w->r.end) : t;
}

int64_t hours_next_open(const struct hours_window *w, int64_t t)
{
	if (!w || !w->set || hours_inside(w, t))
		return t;
	return next_minute(t, w->r.start);
}

int64_t hours_add(const struct hours_window *w, int64_t t, int64_t seconds)
{
	int64_t end;
	int i;

	if (!w || !w->set || whole_day(w))
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

/* ---- a week of working hours --------------------------------------------------------- */

int hours_open(const struct hours *h, int64_t t)
{
	struct tm tm;
	int m, i, day, prev;

	if (!h || !h->set)
		return 1;
	m = minute_of(t, &tm);
	if (m < 0)
		return 1;
	day = tm.tm_wday;
	prev = (day + 6) % 7;
	for (i = 0; i < h->n[day]; i++)
		if (range_today(&h->r[day][i], m))
			return 1;
	for (i = 0; i < h->n[prev]; i++)
		if (range_spill(&h->r[prev][i], m))
			return 1;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int64_t hours_next(const struct hours *h, int64_t t, int open)
{
	int64_t cand[10 * HOURS_MAX_RANGES * 2];
	struct tm tm, day;
	size_t n = 0, i;
	int d, k;

	if (!h || !h->set || minute_of(t, &tm) < 0)
		return 0;
	/* Every start and end from yesterday to eight days on: the changes are among them. */
	for (d = -1; d <= 8; d++) {
		if (minute_of(at_minutes(&tm, d, 12 * 60), &day) < 0)
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
	struct tm tm;
	size_t used = 0;
	int i, w;

	if (outlen)
		out[0] = '\0';
	if (!h || !h->set || minute_of(t, &tm) < 0)
		return;
	for (i = 0; i < h->n[tm.tm_wday]; i++) {
		if (i) {
			if (used + 1 >= outlen)
				return;
			out[used++] = ',';
			out[used] = '\0';
		}
		w = format_range(&h->r[tm.tm_wday][i], out + used, outlen - used);
		if (w < 0 || (size_t)w >= outlen - used)
			return;
		used += (size_t)w;
	}
}
