/*
 * metrics.h - the gateway's figures for Prometheus: what it counts in
 * memory, and the page /metrics shows, in the text exposition format 0.0.4.
 *
 * Counters and histograms are kept here from the start of `concierge serve`
 * and updated where things happen: batch.c counts the inbound messages and
 * the size of each group commit, http.c the time each answer took. A mutex
 * guards them, so any thread may count. Gauges are read when the page is
 * asked for: outbox depth, orders per status and dialogs in progress from
 * the store (one prepared statement each, answered by an index or a small
 * table), and the sender's figures through sender_figures().
 *
 * Who may read the page is decided by the server (bot/health.c).
 */
#ifndef CONCIERGE_METRICS_H
#define CONCIERGE_METRICS_H

#include <stdint.h>

struct buf;
struct cfg;
struct sender;
struct store;

/* The classes of HTTP requests the latency histogram tells apart (label "route"). */
enum metrics_route {
	METRICS_ROUTE_HOOK,    /* a POST to an adapter's route: a webhook */
	METRICS_ROUTE_PAGE,    /* a GET of an adapter's route: a chat page, its files, a check */
	METRICS_ROUTE_HEALTH,  /* /healthz */
	METRICS_ROUTE_METRICS, /* /metrics */
	METRICS_ROUTE_OTHER,   /* refused before any route: 404, 405, shutting down */
	METRICS_NROUTES
};

/* The figures of CFG's channels (CFG is borrowed and outlives them); NULL when out of memory. */
struct metrics *metrics_new(const struct cfg *cfg);
void metrics_free(struct metrics *m);

/* What became of an inbound message: not stored (retried), stored, over its sender's pace. */
enum { METRICS_FAILED, METRICS_STORED, METRICS_FLOODED };
/* One inbound message of CHANNEL and what became of it (above). M may be NULL. */
void metrics_inbound(struct metrics *m, const char *channel, int stored);
/* One group commit of MESSAGES messages. */
void metrics_commit(struct metrics *m, int messages);
/* One HTTP answer of class ROUTE, written US microseconds after the request came. */
void metrics_http(struct metrics *m, enum metrics_route route, int64_t us);

/* Where the page's gauges come from; any pointer may be NULL (that part is left out). */
struct metrics_sources {
	struct store *store;
	struct sender *sender;
	int64_t now;         /* clock_now(), for the dialogs in progress */
	int64_t start_ms;    /* when the process started, Unix milliseconds */
	int session_minutes; /* a dialog idle longer is over */
	/* connections (http.c): open now, the cap, and those turned away since the start,
	 * by reason (METRICS_NLIMITS, in the order of metrics.c's limit_reasons) */
	long long conns_open, conns_max;
	const long long *conns_turned_away;
};

#define METRICS_NLIMITS 5

/* Appends the whole page to OUT. 0, or -1 when OUT failed (too large, out of memory). */
int metrics_render(struct metrics *m, const struct metrics_sources *src, struct buf *out);

/* Appends VALUE as a label value: backslash, double quote and line feed escaped. */
void metrics_label(struct buf *out, const char *value);

#endif
