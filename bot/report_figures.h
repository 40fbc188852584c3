/*
 * report_figures.h - the service centre's figures and its paper forms, for
 * the command line, the staff console and the API alike.
 *
 * report_build() computes the figures of a period as one JSON document;
 * the command line renders that document as a table (zh-CN labels) or CSV,
 * the console draws its charts from it and the API hands it out as it is.
 * report_form_text() and report_form_html() write an order as the
 * standard's forms (《便民服务需求登记表》, 《便民服务派工单》,
 * 《便民服务质量反馈单》).
 *
 * Dates are days of the configured time zone (main() makes it the
 * process's zone), read as "YYYY-MM-DD".
 */
#ifndef CONCIERGE_REPORT_FIGURES_H
#define CONCIERGE_REPORT_FIGURES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct buf;
struct cfg;
struct store;

/* The breakdown next to the totals. */
enum report_by {
	REPORT_BY_NONE = 0,
	REPORT_BY_CATEGORY, /* repair, cleaning, errand, inquiry, complaint */
	REPORT_BY_STAFF,    /* the assignee; every staff member of the configuration */
	REPORT_BY_DAY,      /* the day of creation, every day of the period */
};

/* What to count: the orders created in [from, to), of one community or all. */
struct report_query {
	int64_t from;          /* Unix seconds, inclusive; 0: from the first order */
	int64_t to;            /* Unix seconds, exclusive; 0: up to now */
	const char *community; /* a community id of the configuration, or NULL: all (borrowed) */
	enum report_by by;
	int64_t now; /* the moment the report speaks of (overdue orders); 0: clock_now() */
};

/*
 * Fills Q from the words a person or a URL gives: FROM and TO as
 * "YYYY-MM-DD" (TO inclusive), COMMUNITY an id, BY "category", "staff" or
 * "day"; each may be NULL or "" for the default. Q borrows COMMUNITY.
 * Returns 0, or -1 with ERR saying which word is wrong and why.
 */
int report_query_parse(const struct cfg *cfg, struct report_query *q, const char *from,
                       const char *to, const char *community, const char *by, char *err,
                       size_t errlen);
/* The start of day TEXT ("2026-11-27") in the process's time zone: 0, or -1 when TEXT is no day. */
int report_parse_day(const char *text, int64_t *start);
/* The start of the day after the day that starts at DAY_START. */
int64_t report_next_day(int64_t day_start);

/*
 * The figures of Q as a new JSON object (the caller owns the reference), or
 * NULL with ERR saying why (a database error, an unknown community). All
 * reads see one moment of the database (a snapshot), so the figures agree
 * with each other while the gateway goes on writing.
 *
 *   {"period": {"from": "2026-11-01"|null, "to": "2026-11-30"|null,
 *               "timezone": "Asia/Shanghai"},
 *    "community": {"id", "name"} | null,
 *    "generated_at": "2026-12-01T09:00:00+08:00",
 *    "totals": FIGURES,
 *    "by": "category"|"staff"|"day"|null,
 *    "groups": [{"key": "repair"|"wang"|"2026-11-27"|null, "name": "维修", FIGURES...}]}
 *
 * FIGURES (the keys of "totals", also inside each group):
 *   "orders"          orders created in the period, every status
 *   "by_status"       {"pending": n, ... every status}
 *   "by_category"     {"repair": n, ... every category}
 *   "response_time"   {"count", "median_seconds", "p90_seconds"}: created -> taken
 *                     (assigned_at), over service orders that were taken
 *   "completion_time" the same, created -> reported done (done_at, the last /done)
 *   "on_time"         {"response": {"due", "on_time", "rate"},
 *                      "completion": {"due", "on_time", "rate"}}
 *   "satisfaction"    {"rated", "mean", "share_4_5"} over the orders rated 1-5
 *   "rework"          orders that went back to rework (not fixed, or reopened)
 *   "complaints"      orders of category complaint
 *   "emergencies"     urgent orders
 *   "declined"        requests declined as outside the service (status declined)
 *   "fees"            {"billed", "billed_orders", "paid", "paid_orders", "unpaid"} in yuan
 *   "followups"       follow-up visits (回访) of the service orders: {"closed" (closed,
 *                     or sampled: a "not solved" reopens one), "sampled", "coverage"
 *                     (sampled / closed), "asked", "answered" (at least one answer),
 *                     "unanswered" (none in time), "answered_share" (answered / asked),
 *                     "resolved": {"answers", "yes", "share"}, "satisfied": the same,
 *                     "reopened" (sent back to rework by "not solved")}
 *
 * Service orders are all but complaints (answered by a supervisor, measured
 * against complaint_hours apart) and declined requests. The median of an
 * even count is the mean of the two middle values; the 90th percentile is
 * the nearest rank (the value at rank ceil(0.9 n)); both null when nothing
 * was measured. A response is due when the order was taken, or when its
 * promise has passed by NOW with nobody taking it (it counts late);
 * cancelled orders nobody took are not due. It is on time when taken by
 * the deadline the timers keep (promise_respond_by: promised_minutes
 * counted in the community's business hours). Completion is due and on
 * time the same way against the catalogue item's complete_hours
 * (promise_complete_by); orders whose item makes none are not due. A rate
 * or share is part / whole (null when the whole is 0), rounded to 4
 * decimals; the mean rating to 2. Follow-ups are those of the period's
 * orders, whenever they were sampled or answered.
 */
json_t *report_build(struct store *s, const struct cfg *cfg, const struct report_query *q,
                     char *err, size_t errlen);

/* The document of report_build() as a table for a manager (zh-CN labels). */
void report_render_text(FILE *f, const json_t *report);
/*
 * The same as CSV (RFC 4180, a header line of English column names): one
 * line for the totals (group "all"), then one per group. Columns are the
 * FIGURES keys flattened with '.' ("by_status.pending", "fees.paid").
 */
void report_render_csv(FILE *f, json_t *report);
/* S as one CSV field: quoted, its quotes doubled, when it holds a comma, quote or line break. */
void report_csv_text(FILE *f, const char *s);

/* ---- the standard's forms (report_forms.c) ---------------------------------------- */

enum report_form {
	REPORT_FORM_ALL = 0,
	REPORT_FORM_REGISTER, /* 便民服务需求登记表 */
	REPORT_FORM_DISPATCH, /* 便民服务派工单 */
	REPORT_FORM_FEEDBACK, /* 便民服务质量反馈单 */
};
/* "register", "dispatch", "feedback", "all" (NULL or "": all): 0, or -1 for another word. */
int report_form_parse(const char *text, enum report_form *out);

/*
 * Appends order NUMBER's form(s) WHICH to OUT: as plain text for a
 * terminal, or as a whole HTML page made to be printed (A4, one form a
 * page, its own style sheet, nothing loaded from elsewhere). Returns 1
 * written, 0 when there is no such order (OUT unchanged), -1 on a database
 * error or when OUT is full.
 */
int report_form_text(struct store *s, const struct cfg *cfg, const char *number,
                     enum report_form which, struct buf *out);
int report_form_html(struct store *s, const struct cfg *cfg, const char *number,
                     enum report_form which, struct buf *out);

#endif
