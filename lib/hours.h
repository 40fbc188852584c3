/*
 * hours.h - weekly working hours: "08:00-18:00" every day, or per weekday.
 *
 * A week of ranges in local time (the process time zone, which the program
 * sets from the configuration). A range whose end is not after its start
 * runs past midnight ("22:00-06:00" ends the next morning); "24:00" is the
 * end of a day. Pure: the only outside state read is the time zone.
 *
 * What a configuration says, and what hours_parse_ranges() and
 * hours_parse_days() read:
 *   "08:00-18:00"                      every day
 *   "08:00-12:00,13:30-17:30"          two ranges a day (at most HOURS_MAX_RANGES)
 *   "off"                              (for one day) no hours that day
 *   "mon-fri", "sat", "sun-mon"        days (mon tue wed thu fri sat sun), a
 *                                      range wrapping past Sunday allowed
 */
#ifndef CONCIERGE_HOURS_H
#define CONCIERGE_HOURS_H

#include <stddef.h>
#include <stdint.h>

#define HOURS_MAX_RANGES 4

struct hours_range {
	short start, end; /* minutes after midnight, 0..1440; END <= START: past midnight */
};

/* A week. Plain value; zeroed (SET 0) means "always". */
struct hours {
	int set;  /* 0: no hours given, always */
	int n[7]; /* ranges per day, 0 = Sunday (tm_wday) */
	struct hours_range r[7][HOURS_MAX_RANGES];
};

/*
 * Reads TEXT ("08:00-18:00", "08:00-12:00,13:00-17:00" or "off") into OUT
 * (at most HOURS_MAX_RANGES) and *N. 0, or -1 with the reason in ERR
 * ("\"8-18\": expected HH:MM-HH:MM").
 */
int hours_parse_ranges(const char *text, struct hours_range *out, int *n, char *err, size_t errlen);

/* "mon-fri", "sat": sets DAYS[0..6] (0 = Sunday) to 1. 0, or -1 when it names no days. */
int hours_parse_days(const char *text, int days[7]);

/* Is T (Unix seconds) within H? Always 1 when H is not set. */
int hours_open(const struct hours *h, int64_t t);

/*
 * The first moment after T at which hours_open() becomes OPEN (1: a shift
 * begins, 0: one ends), or 0 when that does not happen within the next
 * eight days (no hours, or open all week).
 */
int64_t hours_next(const struct hours *h, int64_t t, int open);

/* The ranges of T's day as text ("08:00-18:00", "08:00-12:00,13:00-17:00"), "" when none. */
void hours_of_day(const struct hours *h, int64_t t, char *out, size_t outlen);

#endif
