/*
 * hours.h - daily windows of local time: a service centre's business hours
 * ("08:00-20:00") and residents' quiet hours ("21:30-08:00", crossing
 * midnight), and time counted only inside such a window.
 *
 * Times are Unix seconds; the window is read in the process's time zone
 * (the program sets TZ from the configuration), so a window follows the
 * local clock, daylight saving included. Pure functions of their arguments
 * and the time zone: no clock is read here.
 */
#ifndef CONCIERGE_HOURS_H
#define CONCIERGE_HOURS_H

#include <stddef.h>
#include <stdint.h>

/*
 * A window from START to END, minutes after local midnight (0..1440). END
 * before START crosses midnight; "00:00-24:00" is the whole day. SET is 0
 * for "no window" (what an absent setting reads as).
 */
struct hours_window {
	int set;
	int start;
	int end;
};

/*
 * Reads "HH:MM-HH:MM" (24-hour clock, 24:00 allowed as an end) into *W.
 * Returns 0, or -1 with the reason in WHY (e.g. "start and end are the same").
 */
int hours_parse(const char *text, struct hours_window *w, char *why, size_t whylen);
/* "08:00-20:00" back from W into OUT ("" when W is not set). */
void hours_format(const struct hours_window *w, char *out, size_t outlen);
/* "08:00": minute M of a day. */
void hours_clock(int minute, char *out, size_t outlen);

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

#endif
