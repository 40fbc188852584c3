/*
 * report_figures.c - the service centre's figures of a period as one JSON
 * document, and that document as a table or CSV; see report_figures.h.
 *
 * The rows of the period are read once, inside one snapshot, into memory
 * (a light struct per order); the totals and every group are then the same
 * computation over a different selection of those rows, so a group's
 * figures are defined exactly as the totals are.
 */
#include "bot/report_figures.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bot/config.h"
#include "bot/promises.h"
#include "bot/report.h"
#include "lib/clock.h"
#include "dialogs/engine.h"
#include "dialogs/messages.h"
#include "store/store_report.h"

static const char *const statuses[] = {
        "pending", "assigned", "scheduled", "in_progress", "awaiting_acceptance",
        "closed",  "rework",   "cancelled", "declined"};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]))
static const char *const categories[] = {"repair", "cleaning", "errand", "inquiry", "complaint"};
#define NCATEGORY (sizeof(categories) / sizeof(categories[0]))

/* A breakdown of a month by day lists every day; past this, only days with orders. */
#define MAX_EMPTY_DAYS 400

/* ---- days --------------------------------------------------------------------------- */

int report_parse_day(const char *text, int64_t *start)
{
	struct tm tm;
	int y, m, d, i;
	time_t t;

	if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9'))
			return -1;
	y = (int)strtol(text, NULL, 10); /* digits checked above: stops at the '-' */
	m = (int)strtol(text + 5, NULL, 10);
	d = (int)strtol(text + 8, NULL, 10);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	/* mktime() turns 2026-02-30 into March 2: a day that is not there is refused. */
	if (t == (time_t)-1 || tm.tm_year != y - 1900 || tm.tm_mon != m - 1 || tm.tm_mday != d)
		return -1;
	*start = (int64_t)t;
	return 0;
}

int64_t report_next_day(int64_t day_start)
{
	time_t t = (time_t)day_start;
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return day_start + 86400;
	tm.tm_mday++;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

/* The local day of T as "YYYY-MM-DD", and its start in *START when not NULL. */
static void day_of(int64_t t, char *out, size_t len, int64_t *start)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm)) {
		snprintf(out, len, "?");
		if (start)
			*start = t;
		return;
	}
	snprintf(out, len, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	if (start) {
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		tm.tm_isdst = -1;
		*start = (int64_t)mktime(&tm);
	}
}

static const struct cfg_community *community_find(const struct cfg *cfg, const char *id)
{
	size_t i;

	for (i = 0; id && i < cfg->ncommunities; i++)
		if (strcmp(cfg->communities[i].id, id) == 0)
			return &cfg->communities[i];
	return NULL;
}

int report_query_parse(const struct cfg *cfg, struct report_query *q, const char *from,
                       const char *to, const char *community, const char *by, char *err,
                       size_t errlen)
{
	memset(q, 0, sizeof(*q));
	if (from && *from && report_parse_day(from, &q->from) < 0) {
		snprintf(err, errlen, "from: '%s' is not a day (YYYY-MM-DD)", from);
		return -1;
	}
	if (to && *to) {
		if (report_parse_day(to, &q->to) < 0) {
			snprintf(err, errlen, "to: '%s' is not a day (YYYY-MM-DD)", to);
			return -1;
		}
		q->to = report_next_day(q->to); /* the last day counts whole */
	}
	if (q->from && q->to && q->to <= q->from) {
		snprintf(err, errlen, "to: %s is before from: %s", to, from);
		return -1;
	}
	if (community && *community) {
		if (!community_find(cfg, community)) {
			snprintf(err, errlen, "community: no community '%s' in %s", community,
			         cfg->path ? cfg->path : "the configuration");
			return -1;
		}
		q->community = community;
	}
	if (!by || !*by)
		q->by = REPORT_BY_NONE;
	else if (strcmp(by, "category") == 0)
		q->by = REPORT_BY_CATEGORY;
	else if (strcmp(by, "staff") == 0)
		q->by = REPORT_BY_STAFF;
	else if (strcmp(by, "day") == 0)
		q->by = REPORT_BY_DAY;
	else {
		snprintf(err, errlen, "by: '%s' is not category, staff or day", by);
		return -1;
	}
	return 0;
}

/* ---- the rows of the period ------------------------------------------------------------ */

struct rows {
	struct store_report_row *v;
	size_t n, cap;
	int failed;
};

static int collect_row(const struct store_report_row *r, void *ud)
{
	struct rows *rs = ud;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 256;
		struct store_report_row *v = realloc(rs->v, cap * sizeof(*v));

		if (!v) {
			rs->failed = 1;
			return 1;
		}
		rs->v = v;
		rs->cap = cap;
	}
	rs->v[rs->n++] = *r;
	return 0;
}

/* ---- figures ------------------------------------------------------------------------- */

struct figs {
	size_t orders;
	size_t by_status[NSTATUS], by_category[NCATEGORY];
	int64_t *resp, *comp; /* durations in seconds; room for every row */
	size_t nresp, ncomp;
	size_t resp_due, resp_on_time, comp_due, comp_on_time;
	size_t rated, rated_4_5;
	int64_t rating_sum;
	size_t rework, complaints, emergencies, declined;
	int64_t billed, paid;
	size_t nbilled, npaid;
	/* follow-up visits (回访) */
	size_t fu_closed, fu_sampled, fu_asked, fu_answered, fu_unanswered;
	size_t fu_resolved_of, fu_resolved, fu_satisfied_of, fu_satisfied, fu_reopened;
};

static size_t index_of(const char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return n;
}

/*
 * R's follow-up visit: a service order counts as closed when it is, or when
 * it was sampled (only closed orders are, and a "not solved" reopens one).
 */
static void followup_add(struct figs *f, const struct store_report_row *r)
{
	if (strcmp(r->status, "closed") != 0 && !r->followup[0])
		return;
	f->fu_closed++;
	if (!r->followup[0])
		return;
	f->fu_sampled++;
	f->fu_asked += r->fu_asked_at != 0;
	f->fu_answered += strcmp(r->followup, "answered") == 0;
	f->fu_unanswered += strcmp(r->followup, "unanswered") == 0;
	if (r->fu_resolved >= 0) {
		f->fu_resolved_of++;
		f->fu_resolved += r->fu_resolved != 0;
	}
	if (r->fu_satisfied >= 0) {
		f->fu_satisfied_of++;
		f->fu_satisfied += r->fu_satisfied != 0;
	}
	f->fu_reopened += r->fu_reopened != 0;
}

static void figs_add(struct figs *f, const struct cfg *cfg, const struct store_report_row *r,
                     int64_t now)
{
	size_t i;
	int service, cancelled = strcmp(r->status, "cancelled") == 0;
	int64_t deadline;

	f->orders++;
	i = index_of(statuses, NSTATUS, r->status);
	if (i < NSTATUS)
		f->by_status[i]++;
	i = index_of(categories, NCATEGORY, r->category);
	if (i < NCATEGORY)
		f->by_category[i]++;
	f->complaints += strcmp(r->category, "complaint") == 0;
	f->declined += strcmp(r->status, "declined") == 0;
	f->emergencies += r->urgent != 0;
	f->rework += r->reworked != 0;
	service = strcmp(r->category, "complaint") != 0 && strcmp(r->status, "declined") != 0;
	if (service) {
		if (r->assigned_at)
			f->resp[f->nresp++] = r->assigned_at - r->created_at;
		if (r->done_at)
			f->comp[f->ncomp++] = r->done_at - r->created_at;
		/* The deadlines the timers keep (promises.c), business hours included. */
		deadline = r->promised_minutes > 0
		                   ? promise_respond_by(cfg, r->community, r->promised_minutes,
		                                        r->urgent, r->created_at)
		                   : 0;
		if (deadline && (r->assigned_at || (!cancelled && now > deadline))) {
			f->resp_due++;
			f->resp_on_time += r->assigned_at && r->assigned_at <= deadline;
		}
		deadline =
		        promise_complete_by(cfg, r->community, r->item, r->urgent, r->created_at);
		if (deadline && (r->done_at || (!cancelled && now > deadline))) {
			f->comp_due++;
			f->comp_on_time += r->done_at && r->done_at <= deadline;
		}
		followup_add(f, r);
	}
	if (r->rating >= 1 && r->rating <= 5) {
		f->rated++;
		f->rating_sum += r->rating;
		f->rated_4_5 += r->rating >= 4;
	}
	if (r->fee >= 0) {
		f->billed += r->fee;
		f->nbilled++;
	}
	if (r->paid >= 0) {
		f->paid += r->paid;
		f->npaid++;
	}
}

/*
 * The K-th smallest of V[0..N) (0-based), V rearranged so that nothing before
 * K is larger and nothing after it smaller: a median of a month's durations
 * without sorting them all (Hoare's selection, a middle-of-three pivot).
 */
static int64_t kth_smallest(int64_t *v, long n, long k)
{
	long lo = 0, hi = n - 1, i, j;
	int64_t a, b, c, pivot, t;

	while (lo < hi) {
		a = v[lo];
		b = v[lo + (hi - lo) / 2];
		c = v[hi];
		pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
		i = lo;
		j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				t = v[i];
				v[i++] = v[j];
				v[j--] = t;
			}
		}
		/* [lo, j] <= pivot <= [i, hi]; what lies between equals the pivot. */
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

static json_t *number(double v)
{
	if (v == floor(v) && fabs(v) < 9e15)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static json_t *rounded(double v, double scale)
{
	return number(round(v * scale) / scale);
}

static json_t *yuan(int64_t fen)
{
	return fen % 100 == 0 ? json_integer(fen / 100) : json_real((double)fen / 100.0);
}

/* {"count", "median_seconds", "p90_seconds"} of N durations V (rearranged here). */
static json_t *durations_json(int64_t *v, size_t n)
{
	json_t *o = json_object();
	size_t rank, mid, i;
	double lo, hi;

	json_object_set_new(o, "count", json_integer((json_int_t)n));
	if (!n) {
		json_object_set_new(o, "median_seconds", json_null());
		json_object_set_new(o, "p90_seconds", json_null());
		return o;
	}
	mid = n / 2;
	hi = (double)kth_smallest(v, (long)n, (long)mid);
	lo = hi;
	for (i = 0; n % 2 == 0 && i < mid; i++) /* the largest below: the lower middle */
		if (i == 0 || (double)v[i] > lo)
			lo = (double)v[i];
	json_object_set_new(o, "median_seconds", number((lo + hi) / 2.0));
	rank = (n * 9 + 9) / 10; /* ceil(0.9 n), in whole numbers: at MID or after */
	json_object_set_new(
	        o, "p90_seconds",
	        json_integer(kth_smallest(v + mid, (long)(n - mid), (long)(rank - 1 - mid))));
	return o;
}

/* PART / WHOLE rounded to 4 decimals; null when WHOLE is 0. */
static json_t *share(size_t part, size_t whole)
{
	return whole ? rounded((double)part / (double)whole, 1e4) : json_null();
}

/* {"answers", "yes", "share"} of a yes-or-no follow-up question. */
static json_t *answers_json(size_t answers, size_t yes)
{
	json_t *o = json_object();

	json_object_set_new(o, "answers", json_integer((json_int_t)answers));
	json_object_set_new(o, "yes", json_integer((json_int_t)yes));
	json_object_set_new(o, "share", share(yes, answers));
	return o;
}

static json_t *followups_json(const struct figs *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "closed", json_integer((json_int_t)f->fu_closed));
	json_object_set_new(o, "sampled", json_integer((json_int_t)f->fu_sampled));
	json_object_set_new(o, "coverage", share(f->fu_sampled, f->fu_closed));
	json_object_set_new(o, "asked", json_integer((json_int_t)f->fu_asked));
	json_object_set_new(o, "answered", json_integer((json_int_t)f->fu_answered));
	json_object_set_new(o, "unanswered", json_integer((json_int_t)f->fu_unanswered));
	json_object_set_new(o, "answered_share", share(f->fu_answered, f->fu_asked));
	json_object_set_new(o, "resolved", answers_json(f->fu_resolved_of, f->fu_resolved));
	json_object_set_new(o, "satisfied", answers_json(f->fu_satisfied_of, f->fu_satisfied));
	json_object_set_new(o, "reopened", json_integer((json_int_t)f->fu_reopened));
	return o;
}

static json_t *rate_json(size_t due, size_t on_time)
{
	json_t *o = json_object();

	json_object_set_new(o, "due", json_integer((json_int_t)due));
	json_object_set_new(o, "on_time", json_integer((json_int_t)on_time));
	json_object_set_new(o, "rate", share(on_time, due));
	return o;
}

/* Adds the FIGURES keys of F to O. */
static void figs_json(struct figs *f, json_t *o)
{
	json_t *x;
	size_t i;

	json_object_set_new(o, "orders", json_integer((json_int_t)f->orders));
	x = json_object();
	for (i = 0; i < NSTATUS; i++)
		json_object_set_new(x, statuses[i], json_integer((json_int_t)f->by_status[i]));
	json_object_set_new(o, "by_status", x);
	x = json_object();
	for (i = 0; i < NCATEGORY; i++)
		json_object_set_new(x, categories[i], json_integer((json_int_t)f->by_category[i]));
	json_object_set_new(o, "by_category", x);
	json_object_set_new(o, "response_time", durations_json(f->resp, f->nresp));
	json_object_set_new(o, "completion_time", durations_json(f->comp, f->ncomp));
	x = json_object();
	json_object_set_new(x, "response", rate_json(f->resp_due, f->resp_on_time));
	json_object_set_new(x, "completion", rate_json(f->comp_due, f->comp_on_time));
	json_object_set_new(o, "on_time", x);
	x = json_object();
	json_object_set_new(x, "rated", json_integer((json_int_t)f->rated));
	json_object_set_new(x, "mean",
	                    f->rated ? rounded((double)f->rating_sum / (double)f->rated, 100)
	                             : json_null());
	json_object_set_new(x, "share_4_5",
	                    f->rated ? rounded((double)f->rated_4_5 / (double)f->rated, 1e4)
	                             : json_null());
	json_object_set_new(o, "satisfaction", x);
	json_object_set_new(o, "rework", json_integer((json_int_t)f->rework));
	json_object_set_new(o, "complaints", json_integer((json_int_t)f->complaints));
	json_object_set_new(o, "emergencies", json_integer((json_int_t)f->emergencies));
	json_object_set_new(o, "declined", json_integer((json_int_t)f->declined));
	x = json_object();
	json_object_set_new(x, "billed", yuan(f->billed));
	json_object_set_new(x, "billed_orders", json_integer((json_int_t)f->nbilled));
	json_object_set_new(x, "paid", yuan(f->paid));
	json_object_set_new(x, "paid_orders", json_integer((json_int_t)f->npaid));
	json_object_set_new(x, "unpaid", yuan(f->billed - f->paid));
	json_object_set_new(o, "fees", x);
	json_object_set_new(o, "followups", followups_json(f));
}

/* ---- groups ------------------------------------------------------------------------- */

struct ctx {
	const struct cfg *cfg;
	const struct report_query *q;
	const struct rows *rows;
	int64_t now;
	int64_t *scratch; /* 2 * rows->n durations */
};

/*
 * Does row R belong to the group KEY (NULL: the unassigned / every row for
 * totals)? A day is the local day [DAY[0], DAY[1]), found once per group
 * rather than a calendar lookup per row.
 */
static int in_group(enum report_by by, const struct store_report_row *r, const char *key,
                    const int64_t day[2])
{
	switch (by) {
	case REPORT_BY_CATEGORY:
		return strcmp(r->category, key) == 0;
	case REPORT_BY_STAFF:
		return key ? strcmp(r->assignee, key) == 0 : r->assignee[0] == '\0';
	case REPORT_BY_DAY:
		return r->created_at >= day[0] && r->created_at < day[1];
	case REPORT_BY_NONE:
		break;
	}
	return 1;
}

/* The figures of the rows of group KEY (BY NONE: all rows) added to O. */
static void figures_of(struct ctx *c, enum report_by by, const char *key, json_t *o)
{
	struct figs f;
	int64_t day[2] = {0, 0};
	size_t i;

	memset(&f, 0, sizeof(f));
	f.resp = c->scratch;
	f.comp = c->scratch + c->rows->n;
	if (by == REPORT_BY_DAY && report_parse_day(key, &day[0]) == 0)
		day[1] = report_next_day(day[0]);
	for (i = 0; i < c->rows->n; i++)
		if (in_group(by, &c->rows->v[i], key, day))
			figs_add(&f, c->cfg, &c->rows->v[i], c->now);
	figs_json(&f, o);
}

static void add_group(struct ctx *c, json_t *groups, const char *key, const char *name)
{
	json_t *g = json_object();

	json_object_set_new(g, "key", key ? json_string(key) : json_null());
	json_object_set_new(g, "name", json_string(name));
	figures_of(c, c->q->by, key, g);
	json_array_append_new(groups, g);
}

static int staff_known(const struct cfg *cfg, const char *id)
{
	return cfg_staff_find(cfg, id) != NULL;
}

static void groups_by_staff(struct ctx *c, json_t *groups)
{
	const struct cfg *cfg = c->cfg;
	size_t i, j;
	int unassigned = 0, seen;

	for (i = 0; i < cfg->nstaff; i++)
		add_group(c, groups, cfg->staff[i].id,
		          cfg->staff[i].name ? cfg->staff[i].name : cfg->staff[i].id);
	/* Someone no longer on the staff list still answers for their orders. */
	for (i = 0; i < c->rows->n; i++) {
		const char *a = c->rows->v[i].assignee;

		if (!a[0]) {
			unassigned = 1;
			continue;
		}
		if (staff_known(cfg, a))
			continue;
		for (seen = 0, j = 0; j < i && !seen; j++)
			seen = strcmp(c->rows->v[j].assignee, a) == 0;
		if (!seen)
			add_group(c, groups, a, a);
	}
	if (unassigned)
		add_group(c, groups, NULL, "未分配");
}

static void groups_by_day(struct ctx *c, json_t *groups)
{
	const struct rows *rs = c->rows;
	int64_t first, last, d, end;
	char day[40], prev[40] = "";
	size_t i, ndays = 0;

	if (c->q->from)
		first = c->q->from;
	else if (rs->n)
		first = rs->v[0].created_at;
	else
		return;
	day_of(first, day, sizeof(day), &first);
	last = c->q->to ? c->q->to - 1 : (rs->n ? rs->v[rs->n - 1].created_at : first);
	if (!c->q->to && c->now > last)
		last = c->now;
	day_of(last, day, sizeof(day), &end);
	end = report_next_day(end);
	for (d = first; d < end && ndays <= MAX_EMPTY_DAYS; d = report_next_day(d))
		ndays++;
	if (ndays <= MAX_EMPTY_DAYS) {
		for (d = first; d < end; d = report_next_day(d)) {
			day_of(d, day, sizeof(day), NULL);
			add_group(c, groups, day, day);
		}
		return;
	}
	for (i = 0; i < rs->n; i++) { /* oldest first: each day once */
		day_of(rs->v[i].created_at, day, sizeof(day), NULL);
		if (strcmp(day, prev) != 0)
			add_group(c, groups, day, day);
		memcpy(prev, day, sizeof(prev));
	}
}

static const char *by_word(enum report_by by)
{
	switch (by) {
	case REPORT_BY_CATEGORY:
		return "category";
	case REPORT_BY_STAFF:
		return "staff";
	case REPORT_BY_DAY:
		return "day";
	case REPORT_BY_NONE:
		break;
	}
	return NULL;
}

static json_t *time_json(int64_t t)
{
	char buf[40];

	report_time(t, buf, sizeof(buf));
	return json_string(buf);
}

json_t *report_build(struct store *s, const struct cfg *cfg, const struct report_query *q,
                     char *err, size_t errlen)
{
	const struct cfg_community *com = NULL;
	struct rows rs = {NULL, 0, 0, 0};
	struct ctx c;
	json_t *doc = NULL, *x, *groups;
	char day[40];
	size_t i;
	int rc, snap;

	if (q->community && !(com = community_find(cfg, q->community))) {
		snprintf(err, errlen, "no community '%s'", q->community);
		return NULL;
	}
	snap = store_snapshot_begin(s);
	if (snap < 0) {
		snprintf(err, errlen, "%s", store_errmsg(s));
		return NULL;
	}
	rc = store_report_rows(s, q->from, q->to, q->community, collect_row, &rs);
	if (rc < 0)
		snprintf(err, errlen, "%s", store_errmsg(s));
	if (snap)
		store_snapshot_end(s);
	if (rc < 0 || rs.failed) {
		if (rs.failed)
			snprintf(err, errlen, "out of memory");
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.cfg = cfg;
	c.q = q;
	c.rows = &rs;
	c.now = q->now ? q->now : clock_now();
	c.scratch = malloc((2 * rs.n + 1) * sizeof(*c.scratch));
	if (!c.scratch) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}

	doc = json_object();
	x = json_object();
	if (q->from) {
		day_of(q->from, day, sizeof(day), NULL);
		json_object_set_new(x, "from", json_string(day));
	} else
		json_object_set_new(x, "from", json_null());
	if (q->to) {
		day_of(q->to - 1, day, sizeof(day), NULL);
		json_object_set_new(x, "to", json_string(day));
	} else
		json_object_set_new(x, "to", json_null());
	json_object_set_new(x, "timezone", json_string(cfg->timezone ? cfg->timezone : ""));
	json_object_set_new(doc, "period", x);
	if (com) {
		x = json_object();
		json_object_set_new(x, "id", json_string(com->id));
		json_object_set_new(x, "name", json_string(com->name ? com->name : com->id));
		json_object_set_new(doc, "community", x);
	} else
		json_object_set_new(doc, "community", json_null());
	json_object_set_new(doc, "generated_at", time_json(c.now));
	x = json_object();
	figures_of(&c, REPORT_BY_NONE, NULL, x);
	json_object_set_new(doc, "totals", x);
	json_object_set_new(doc, "by", by_word(q->by) ? json_string(by_word(q->by)) : json_null());
	groups = json_array();
	switch (q->by) {
	case REPORT_BY_CATEGORY:
		for (i = 0; i < NCATEGORY; i++)
			add_group(&c, groups, categories[i],
			          dlg_category_name(DLG_ZH, categories[i]));
		break;
	case REPORT_BY_STAFF:
		groups_by_staff(&c, groups);
		break;
	case REPORT_BY_DAY:
		groups_by_day(&c, groups);
		break;
	case REPORT_BY_NONE:
		break;
	}
	json_object_set_new(doc, "groups", groups);
	free(c.scratch);
out:
	free(rs.v);
	return doc;
}

/* ---- the document as text ------------------------------------------------------------ */

/* Reads a number at PATH ("fees.paid") inside O; NAN when it is null or missing. */
static double num_at(const json_t *o, const char *path)
{
	char key[64];
	const char *dot;
	const json_t *v = o;

	while (v && (dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		v = json_object_get(v, key);
		path = dot + 1;
	}
	v = v ? json_object_get(v, path) : NULL;
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static void dur_text(double secs, char *out, size_t len)
{
	long long s, m;

	if (isnan(secs)) {
		snprintf(out, len, "—");
		return;
	}
	s = llround(secs);
	if (s < 60) {
		snprintf(out, len, "%lld秒", s);
		return;
	}
	m = (s + 30) / 60;
	if (m < 60)
		snprintf(out, len, "%lld分钟", m);
	else if (m < 1440 && m % 60)
		snprintf(out, len, "%lld小时%lld分", m / 60, m % 60);
	else if (m < 1440)
		snprintf(out, len, "%lld小时", m / 60);
	else if ((m % 1440 + 30) / 60)
		snprintf(out, len, "%lld天%lld小时", m / 1440, (m % 1440 + 30) / 60);
	else
		snprintf(out, len, "%lld天", m / 1440);
}

static void pct_text(double rate, char *out, size_t len)
{
	if (isnan(rate))
		snprintf(out, len, "—");
	else
		snprintf(out, len, "%.1f%%", rate * 100.0);
}

static void money_text(double yuan_v, char *out, size_t len)
{
	if (isnan(yuan_v))
		snprintf(out, len, "—");
	else if (yuan_v == floor(yuan_v))
		snprintf(out, len, "%.0f 元", yuan_v);
	else
		snprintf(out, len, "%.2f 元", yuan_v);
}

static void line(FILE *f, const char *label, const char *value)
{
	report_cell(f, label, 26);
	fprintf(f, "%s\n", value);
}

/* "33.3%（1/3）": the share at SHARE with PART and WHOLE, the paths of its counts. */
static void share_line(FILE *f, const char *label, const json_t *t, const char *share,
                       const char *part, const char *whole)
{
	char a[64], v[160];

	pct_text(num_at(t, share), a, sizeof(a));
	snprintf(v, sizeof(v), "%s（%.0f/%.0f）", a, num_at(t, part), num_at(t, whole));
	line(f, label, v);
}

/* The follow-up visits (回访): coverage, answers, what they said. */
static void followups_text(FILE *f, const json_t *t)
{
	char v[32];

	share_line(f, "回访覆盖率（抽样/已结）", t, "followups.coverage", "followups.sampled",
	           "followups.closed");
	share_line(f, "回访回复率", t, "followups.answered_share", "followups.answered",
	           "followups.asked");
	share_line(f, "回访：问题已解决", t, "followups.resolved.share", "followups.resolved.yes",
	           "followups.resolved.answers");
	share_line(f, "回访：准时礼貌", t, "followups.satisfied.share", "followups.satisfied.yes",
	           "followups.satisfied.answers");
	snprintf(v, sizeof(v), "%.0f", num_at(t, "followups.reopened"));
	line(f, "回访后重新打开", v);
}

static void totals_text(FILE *f, const json_t *t)
{
	char a[64], b[64], v[160];
	size_t i;

	snprintf(v, sizeof(v), "%.0f", num_at(t, "orders"));
	line(f, "工单总数", v);
	dur_text(num_at(t, "response_time.median_seconds"), a, sizeof(a));
	snprintf(v, sizeof(v), "%s（%.0f 单）", a, num_at(t, "response_time.count"));
	line(f, "响应时间（中位数）", v);
	dur_text(num_at(t, "response_time.p90_seconds"), a, sizeof(a));
	line(f, "响应时间（90%分位）", a);
	dur_text(num_at(t, "completion_time.median_seconds"), a, sizeof(a));
	snprintf(v, sizeof(v), "%s（%.0f 单）", a, num_at(t, "completion_time.count"));
	line(f, "完成时间（中位数）", v);
	dur_text(num_at(t, "completion_time.p90_seconds"), a, sizeof(a));
	line(f, "完成时间（90%分位）", a);
	pct_text(num_at(t, "on_time.response.rate"), a, sizeof(a));
	snprintf(v, sizeof(v), "%s（%.0f/%.0f）", a, num_at(t, "on_time.response.on_time"),
	         num_at(t, "on_time.response.due"));
	line(f, "响应准时率", v);
	pct_text(num_at(t, "on_time.completion.rate"), a, sizeof(a));
	if (num_at(t, "on_time.completion.due") > 0)
		snprintf(v, sizeof(v), "%s（%.0f/%.0f）", a,
		         num_at(t, "on_time.completion.on_time"),
		         num_at(t, "on_time.completion.due"));
	else
		snprintf(v, sizeof(v), "%s（无完成时限承诺的工单）", a);
	line(f, "完成准时率", v);
	if (isnan(num_at(t, "satisfaction.mean")))
		snprintf(a, sizeof(a), "—");
	else
		snprintf(a, sizeof(a), "%.2f", num_at(t, "satisfaction.mean"));
	snprintf(v, sizeof(v), "%s（%.0f 单评价）", a, num_at(t, "satisfaction.rated"));
	line(f, "满意度（平均分）", v);
	pct_text(num_at(t, "satisfaction.share_4_5"), a, sizeof(a));
	line(f, "满意度（4-5分占比）", a);
	snprintf(v, sizeof(v), "%.0f", num_at(t, "rework"));
	line(f, "返工", v);
	snprintf(v, sizeof(v), "%.0f", num_at(t, "complaints"));
	line(f, "投诉", v);
	snprintf(v, sizeof(v), "%.0f", num_at(t, "emergencies"));
	line(f, "紧急", v);
	snprintf(v, sizeof(v), "%.0f", num_at(t, "declined"));
	line(f, "不予受理（服务范围外）", v);
	money_text(num_at(t, "fees.billed"), a, sizeof(a));
	snprintf(v, sizeof(v), "%s（%.0f 单）", a, num_at(t, "fees.billed_orders"));
	line(f, "应收费用", v);
	money_text(num_at(t, "fees.paid"), a, sizeof(a));
	snprintf(v, sizeof(v), "%s（%.0f 单）", a, num_at(t, "fees.paid_orders"));
	line(f, "已收费用", v);
	money_text(num_at(t, "fees.unpaid"), a, sizeof(a));
	line(f, "未收费用", a);
	followups_text(f, t);

	fputs("\n按状态\n", f);
	for (i = 0; i < NSTATUS; i++) {
		snprintf(a, sizeof(a), "  %s", dlg_status_name(DLG_ZH, statuses[i]));
		snprintf(b, sizeof(b), "by_status.%s", statuses[i]);
		snprintf(v, sizeof(v), "%.0f", num_at(t, b));
		line(f, a, v);
	}
	fputs("\n按类别\n", f);
	for (i = 0; i < NCATEGORY; i++) {
		snprintf(a, sizeof(a), "  %s", dlg_category_name(DLG_ZH, categories[i]));
		snprintf(b, sizeof(b), "by_category.%s", categories[i]);
		snprintf(v, sizeof(v), "%.0f", num_at(t, b));
		line(f, a, v);
	}
}

/* The columns of the breakdown table: a heading, its width, and how a group fills it. */
enum col_kind { COL_COUNT, COL_DURATION, COL_RATE, COL_MEAN, COL_MONEY };
static const struct col {
	const char *head;
	size_t width;
	const char *path;
	enum col_kind kind;
} cols[] = {
        {"工单", 6, "orders", COL_COUNT},
        {"响应中位", 12, "response_time.median_seconds", COL_DURATION},
        {"响应P90", 12, "response_time.p90_seconds", COL_DURATION},
        {"响应准时", 10, "on_time.response.rate", COL_RATE},
        {"完成中位", 12, "completion_time.median_seconds", COL_DURATION},
        {"满意度", 8, "satisfaction.mean", COL_MEAN},
        {"返工", 6, "rework", COL_COUNT},
        {"投诉", 6, "complaints", COL_COUNT},
        {"回访覆盖", 10, "followups.coverage", COL_RATE},
        {"回访解决", 10, "followups.resolved.share", COL_RATE},
        {"应收", 10, "fees.billed", COL_MONEY},
        {"已收", 10, "fees.paid", COL_MONEY},
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static void groups_text(FILE *f, const char *by, const json_t *groups)
{
	const char *title = strcmp(by, "category") == 0 ? "按类别统计"
	                    : strcmp(by, "staff") == 0  ? "按人员统计"
	                                                : "按日期统计";
	const char *first = strcmp(by, "category") == 0 ? "类别"
	                    : strcmp(by, "staff") == 0  ? "人员"
	                                                : "日期";
	const json_t *g;
	char v[64];
	size_t i, k;
	double x;

	fprintf(f, "\n%s\n", title);
	report_cell(f, first, 14);
	for (k = 0; k + 1 < NCOLS; k++)
		report_cell(f, cols[k].head, cols[k].width);
	fprintf(f, "%s\n", cols[NCOLS - 1].head);
	json_array_foreach(groups, i, g)
	{
		report_cell(f, json_string_value(json_object_get(g, "name")), 14);
		for (k = 0; k < NCOLS; k++) {
			x = num_at(g, cols[k].path);
			switch (cols[k].kind) {
			case COL_COUNT:
				snprintf(v, sizeof(v), "%.0f", x);
				break;
			case COL_DURATION:
				dur_text(x, v, sizeof(v));
				break;
			case COL_RATE:
				pct_text(x, v, sizeof(v));
				break;
			case COL_MEAN:
				if (isnan(x))
					snprintf(v, sizeof(v), "—");
				else
					snprintf(v, sizeof(v), "%.2f", x);
				break;
			case COL_MONEY:
				money_text(x, v, sizeof(v));
				break;
			}
			if (k + 1 < NCOLS)
				report_cell(f, v, cols[k].width);
			else
				fputs(v, f);
		}
		fputc('\n', f);
	}
}

void report_render_text(FILE *f, const json_t *report)
{
	const json_t *period = json_object_get(report, "period");
	const json_t *com = json_object_get(report, "community");
	const char *from = json_string_value(json_object_get(period, "from"));
	const char *to = json_string_value(json_object_get(period, "to"));
	const char *gen = json_string_value(json_object_get(report, "generated_at"));
	const char *by = json_string_value(json_object_get(report, "by"));

	fputs("便民服务统计报表\n", f);
	fprintf(f, "统计期间：%s 至 %s（%s，按受理时间）\n", from ? from : "最早", to ? to : "现在",
	        json_string_value(json_object_get(period, "timezone"))
	                ? json_string_value(json_object_get(period, "timezone"))
	                : "");
	if (json_is_object(com))
		fprintf(f, "小区：%s（%s）\n", json_string_value(json_object_get(com, "name")),
		        json_string_value(json_object_get(com, "id")));
	else
		fputs("小区：全部\n", f);
	fprintf(f, "生成时间：%.10s %.5s\n\n", gen ? gen : "",
	        gen && strlen(gen) >= 16 ? gen + 11 : "");
	report_cell(f, "指标", 26);
	fputs("数值\n", f);
	totals_text(f, json_object_get(report, "totals"));
	if (by && json_array_size(json_object_get(report, "groups")))
		groups_text(f, by, json_object_get(report, "groups"));
}

/* ---- the document as CSV ------------------------------------------------------------- */

void report_csv_text(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_value(FILE *f, const json_t *v)
{
	if (json_is_integer(v))
		fprintf(f, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		fprintf(f, "%.10g", json_real_value(v));
	else if (json_is_string(v))
		report_csv_text(f, json_string_value(v));
	else if (json_is_true(v) || json_is_false(v))
		fputs(json_is_true(v) ? "true" : "false", f);
}

/* The scalars under O, depth first in key order; names (HEAD) or values. */
static void csv_flat(FILE *f, json_t *o, const char *prefix, int head, int top)
{
	const char *k;
	json_t *v;
	char name[128];

	json_object_foreach(o, k, v)
	{
		if (top && (strcmp(k, "key") == 0 || strcmp(k, "name") == 0))
			continue;
		snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", k);
		if (json_is_object(v)) {
			csv_flat(f, v, name, head, 0);
			continue;
		}
		fputc(',', f);
		if (head)
			report_csv_text(f, name);
		else
			csv_value(f, v);
	}
}

void report_render_csv(FILE *f, json_t *report)
{
	json_t *totals = json_object_get(report, "totals"), *g;
	size_t i;

	fputs("group,name", f);
	csv_flat(f, totals, "", 1, 1);
	fputs("\r\nall,", f);
	report_csv_text(f, "全部");
	csv_flat(f, totals, "", 0, 1);
	fputs("\r\n", f);
	json_array_foreach(json_object_get(report, "groups"), i, g)
	{
		csv_value(f, json_object_get(g, "key"));
		fputc(',', f);
		csv_value(f, json_object_get(g, "name"));
		csv_flat(f, g, "", 0, 1);
		fputs("\r\n", f);
	}
}
