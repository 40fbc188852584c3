/*
 * hours.h - hours of local time: ranges "HH:MM-HH:MM" (one parser for all),
 * used two ways:
 *
 * - a daily window: a service centre's business hours ("08:00-20:00") and
 *   residents' quiet hours ("21:30-08:00", crossing midnight), with time
 *   counted only inside such a window (hours_add);
 * - a week of working hours for a staff member: "08:00-18:00" every day,
 *   or ranges per weekday.
 *
 * A range whose end is not after its start runs past midnight ("22:00-06:00"
 * ends the next morning); "24:00" (only as an end) and an end of "00:00" are
 * the end of the day, so "00:00-24:00" is the whole day. Times are Unix
 * seconds, read in the process's time zone (the program sets TZ from the
 * configuration), so hours follow the local clock, daylight saving included.
 * Pure functions of their arguments and the time zone: no clock is read here.
 *
 * What a configuration says:
 *   "08:00-20:00"                      a window (hours_parse): exactly one range
 *   "08:00-12:00,13:30-17:30"          ranges of a day (hours_parse_ranges), at
 *                                      most HOURS_MAX_RANGES; "off": none that day
 *   "mon-fri", "sat", "sun-mon"        days (hours_parse_days: mon tue wed thu fri
 *                                      sat sun), a range wrapping past Sunday allowed
 */
#ifndef CONCIERGE_HOURS_H
#define CONCIERGE_HOURS_H

#include <stddef.h>
#include <stdint.h>

#define HOURS_MAX_RANGES 4

/* One range of a day, as read by the parser. */
struct hours_range {
	short start, end; /* minutes after midnight, 0..1440; END <= START: past midnight */
};

/* A daily window: the same range every day. SET 0: no window (an absent setting). */
struct hours_window {
	int set;
	struct hours_range r;
};

/* A week. Plain value; zeroed (SET 0) means "always". */
struct hours {
	int set;  /* 0: no hours given, always */
	int n[7]; /* ranges per day, 0 = Sunday (tm_wday) */
	struct hours_range r[7][HOURS_MAX_RANGES];
};

/* ---- reading and writing ranges ---------------------------------------------------- */

/*
 * Reads one range "HH:MM-HH:MM" (24-hour clock, nothing around it) into *W.
 * 0, or -1 with the reason in WHY (e.g. "\"8-20\": expected HH:MM-HH:MM
 * (24-hour clock, e.g. 08:00-20:00)"); *W is then not set.
 */
int hours_parse(const char *text, struct hours_window *w, char *why, size_t whylen);

/*
 * Reads TEXT ("08:00-18:00", "08:00-12:00,13:00-17:00" or "off") into OUT
 * (at most HOURS_MAX_RANGES) and *N, each range as hours_parse() reads it.
 * 0, or -1 with the reason in ERR ("\"8-18\": expected HH:MM-HH:MM (or \"off\")").
 */
int hours_parse_ranges(const char *text, struct hours_range *out, int *n, char *err, size_t errlen);

/* "mon-fri", "sat": sets DAYS[0..6] (0 = Sunday) to 1. 0, or -1 when it names no days. */
int hours_parse_days(const char *text, int days[7]);

/* "08:00": minute M of a day (1440: "24:00"). */
void hours_clock(int minute, char *out, size_t outlen);
/* "08:00-20:00" back from W into OUT ("" when W is not set). */
void hours_format(const struct hours_window *w, char *out, size_t outlen);

/* ---- a daily window ------------------------------------------------------------------ */

/* Is T inside W? Never for a window not set. */
int hours_inside(const struct hours_window *w, int64_t t);
/* When the stretch of W that T is inside ends (T itself when T is outside). */
int64_t hours_end_of(const struct hours_window *w, int64_t t);
/* T when it is inside W, else the next moment W opens (T when W is not set). */
int64_t hours_next_open(const struct hours_window *w, int64_t t);
/*
 * The moment SECONDS of W's time have passed after T: only time inside the
 * window counts (business hours: a 30-minute promise made at 19:50 in
 * "08:00-20:00" runs out at 08:20 the next day). A window not set counts all
 * time: T + SECONDS.
 */
int64_t hours_add(const struct hours_window *w, int64_t t, int64_t seconds);

/* ---- a week of working hours --------------------------------------------------------- */

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
