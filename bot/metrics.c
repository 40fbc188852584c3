/*
 * metrics.c - the gateway's counters and histograms, and the /metrics page
 * in the Prometheus text exposition format 0.0.4; see metrics.h.
 *
 * Every family is written with its # HELP and # TYPE lines, and every series
 * a scrape can show is written from the first scrape on (at 0), so a rate
 * over a counter never starts in the middle. Histogram buckets are counted
 * one by one and summed into the cumulative "le" form when written, so the
 * "+Inf" bucket always equals _count.
 */
#include "bot/metrics.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libwebsockets.h>

#include "bot/config.h"
#include "bot/sender.h"
#include "bot/version.h"
#include "lib/buf.h"
#include "store/store.h"
#include "store/store_dead.h"

#define HIST_MAX  16 /* buckets at most, +Inf not counted */
#define TALLY_MAX 64 /* rows of a gauge read from the store */
#define NAME_LEN  32

/* Request latency buckets, in microseconds (shown in seconds). */
static const int64_t latency_us[] = {500,    1000,   2500,   5000,    10000,   25000,   50000,
                                     100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};
/* Group commit sizes, in messages. */
static const int64_t commit_sizes[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};

static const char *const route_names[METRICS_NROUTES] = {"hook", "page", "health", "metrics",
                                                         "other"};
static const char *const statuses[] = {
        "pending", "assigned", "scheduled", "in_progress", "awaiting_acceptance",
        "closed",  "rework",   "cancelled", "declined",    NULL};

struct hist {
	const int64_t *bounds;
	size_t nbounds;
	unsigned long long buckets[HIST_MAX + 1]; /* per bucket, not cumulative; last: above all */
	unsigned long long count;
	long long sum; /* in the unit of the bounds */
};

struct chan_counts {
	unsigned long long stored, failed, flooded;
};

struct metrics {
	const struct cfg *cfg;
	pthread_mutex_t mu;        /* guards everything below */
	struct chan_counts *chans; /* one per cfg->chans */
	struct hist http[METRICS_NROUTES];
	struct hist commits;
};

static void hist_init(struct hist *h, const int64_t *bounds, size_t n)
{
	memset(h, 0, sizeof(*h));
	h->bounds = bounds;
	h->nbounds = n < HIST_MAX ? n : HIST_MAX;
}

static void hist_observe(struct hist *h, int64_t v)
{
	size_t i = 0;

	while (i < h->nbounds && v > h->bounds[i])
		i++;
	h->buckets[i]++;
	h->count++;
	h->sum += v;
}

struct metrics *metrics_new(const struct cfg *cfg)
{
	struct metrics *m = calloc(1, sizeof(*m));
	size_t i;

	if (!m)
		return NULL;
	m->cfg = cfg;
	m->chans = calloc(cfg->nchans ? cfg->nchans : 1, sizeof(*m->chans));
	if (!m->chans) {
		free(m);
		return NULL;
	}
	for (i = 0; i < METRICS_NROUTES; i++)
		hist_init(&m->http[i], latency_us, sizeof(latency_us) / sizeof(latency_us[0]));
	hist_init(&m->commits, commit_sizes, sizeof(commit_sizes) / sizeof(commit_sizes[0]));
	pthread_mutex_init(&m->mu, NULL);
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->mu);
	free(m->chans);
	free(m);
}

void metrics_inbound(struct metrics *m, const char *channel, int stored)
{
	size_t i;

	if (!m || !channel)
		return;
	for (i = 0; i < m->cfg->nchans; i++) {
		if (strcmp(m->cfg->chans[i].name, channel) != 0)
			continue;
		pthread_mutex_lock(&m->mu);
		if (stored == METRICS_FLOODED)
			m->chans[i].flooded++;
		else if (stored)
			m->chans[i].stored++;
		else
			m->chans[i].failed++;
		pthread_mutex_unlock(&m->mu);
		return;
	}
}

void metrics_commit(struct metrics *m, int messages)
{
	if (!m || messages <= 0)
		return;
	pthread_mutex_lock(&m->mu);
	hist_observe(&m->commits, messages);
	pthread_mutex_unlock(&m->mu);
}

void metrics_http(struct metrics *m, enum metrics_route route, int64_t us)
{
	if (!m || (unsigned)route >= METRICS_NROUTES)
		return;
	pthread_mutex_lock(&m->mu);
	hist_observe(&m->http[route], us < 0 ? 0 : us);
	pthread_mutex_unlock(&m->mu);
}

/* ---- writing the page ------------------------------------------------------------------ */

void metrics_label(struct buf *out, const char *value)
{
	for (; value && *value; value++) {
		if (*value == '\\')
			buf_add(out, "\\\\");
		else if (*value == '"')
			buf_add(out, "\\\"");
		else if (*value == '\n')
			buf_add(out, "\\n");
		else
			buf_addc(out, *value);
	}
}

static void family(struct buf *b, const char *name, const char *type, const char *help)
{
	/* HELP texts are constants here, without backslashes or line breaks to escape. */
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* NAME{K1="V1"[,K2="V2"]} followed by a space; K2 may be NULL. */
static void series(struct buf *b, const char *name, const char *k1, const char *v1, const char *k2,
                   const char *v2)
{
	buf_add(b, name);
	if (k1) {
		buf_printf(b, "{%s=\"", k1);
		metrics_label(b, v1);
		buf_addc(b, '"');
		if (k2) {
			buf_printf(b, ",%s=\"", k2);
			metrics_label(b, v2);
			buf_addc(b, '"');
		}
		buf_addc(b, '}');
	}
	buf_addc(b, ' ');
}

static void sample(struct buf *b, const char *name, const char *k1, const char *v1, const char *k2,
                   const char *v2, long long v)
{
	series(b, name, k1, v1, k2, v2);
	buf_printf(b, "%lld\n", v);
}

/* A bound as an "le" value: SCALE 1e6 shows microseconds as seconds. */
static void bound_text(char *out, size_t len, int64_t v, double scale)
{
	snprintf(out, len, "%g", (double)v / scale);
}

static void hist_write(struct buf *b, const char *name, const char *label, const char *value,
                       const struct hist *h, double scale)
{
	char bucket[96], le[32];
	unsigned long long cum = 0;
	size_t i;

	snprintf(bucket, sizeof(bucket), "%s_bucket", name);
	for (i = 0; i <= h->nbounds; i++) {
		cum += h->buckets[i];
		if (i < h->nbounds)
			bound_text(le, sizeof(le), h->bounds[i], scale);
		else
			snprintf(le, sizeof(le), "+Inf");
		series(b, bucket, label ? label : "le", label ? value : le, label ? "le" : NULL,
		       le);
		buf_printf(b, "%llu\n", cum);
	}
	buf_printf(b, "%s_sum", name);
	if (label) {
		buf_printf(b, "{%s=\"", label);
		metrics_label(b, value);
		buf_add(b, "\"}");
	}
	if (scale == 1.0)
		buf_printf(b, " %lld\n", h->sum);
	else
		buf_printf(b, " %.6f\n", (double)h->sum / scale);
	buf_printf(b, "%s_count", name);
	if (label) {
		buf_printf(b, "{%s=\"", label);
		metrics_label(b, value);
		buf_add(b, "\"}");
	}
	buf_printf(b, " %llu\n", h->count);
}

/* Rows of a gauge read from the store: a name and two figures. */
struct tally {
	size_t n;
	int full;
	struct {
		char name[NAME_LEN];
		int64_t a, b;
	} row[TALLY_MAX];
};

static size_t tally_slot(struct tally *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->row[i].name, name) == 0)
			return i;
	if (t->n == TALLY_MAX) {
		t->full = 1;
		return TALLY_MAX;
	}
	buf_copy(t->row[t->n].name, NAME_LEN, name);
	t->row[t->n].a = t->row[t->n].b = 0;
	return t->n++;
}

static int tally_outbox(const char *channel, int64_t pending, int64_t dead, void *ud)
{
	struct tally *t = ud;
	size_t i = tally_slot(t, channel);

	if (i < TALLY_MAX) {
		t->row[i].a = pending;
		t->row[i].b = dead;
	}
	return 0;
}

static int tally_status(const char *status, int64_t n, void *ud)
{
	struct tally *t = ud;
	size_t i = tally_slot(t, status);

	if (i < TALLY_MAX)
		t->row[i].a = n;
	return 0;
}

/* The figures that come from the store; 0 when every query answered. */
static int write_store(struct buf *b, const struct metrics *m, const struct metrics_sources *src)
{
	struct tally t;
	int64_t open = 0;
	size_t i;
	int bad = 0;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < m->cfg->nchans; i++)
		tally_slot(&t, m->cfg->chans[i].name);
	if (store_outbox_counts(src->store, tally_outbox, &t) < 0)
		bad = 1;
	family(b, "concierge_outbox_messages", "gauge",
	       "Outbox rows waiting to be delivered (pending) or given up on (dead), by channel.");
	for (i = 0; !bad && i < t.n; i++) {
		sample(b, "concierge_outbox_messages", "channel", t.row[i].name, "state", "pending",
		       t.row[i].a);
		sample(b, "concierge_outbox_messages", "channel", t.row[i].name, "state", "dead",
		       t.row[i].b);
	}

	memset(&t, 0, sizeof(t));
	for (i = 0; statuses[i]; i++)
		tally_slot(&t, statuses[i]);
	if (store_orders_by_status(src->store, tally_status, &t) < 0)
		bad = 1;
	family(b, "concierge_orders", "gauge", "Orders in the register, by status.");
	for (i = 0; !bad && i < t.n; i++)
		sample(b, "concierge_orders", "status", t.row[i].name, NULL, NULL, t.row[i].a);

	if (store_sessions_active(src->store, src->now - (int64_t)src->session_minutes * 60,
	                          &open) < 0)
		bad = 1;
	family(b, "concierge_dialogs_open", "gauge",
	       "Dialogs in progress: a person answered a step within session_minutes.");
	if (!bad)
		sample(b, "concierge_dialogs_open", NULL, NULL, NULL, NULL, open);

	if (store_dead_waiting(src->store, &open) < 0)
		bad = 1;
	family(b, "concierge_inbound_dead_letters", "gauge",
	       "Inbound messages set aside after failing every time, not replayed yet.");
	if (!bad)
		sample(b, "concierge_inbound_dead_letters", NULL, NULL, NULL, NULL, open);
	return bad ? -1 : 0;
}

/* The sender's figures, one row per channel it delivers for. */
struct sends {
	struct tally t; /* a: sent */
	long long retried[TALLY_MAX], held[TALLY_MAX], dead[TALLY_MAX];
};

static void send_row(const char *channel, const struct sender_figures *f, void *ud)
{
	struct sends *x = ud;
	size_t i = tally_slot(&x->t, channel);

	if (i < TALLY_MAX) {
		x->t.row[i].a = f->sent;
		x->retried[i] = f->retried;
		x->held[i] = f->held;
		x->dead[i] = f->dead;
	}
}

static void write_sender(struct buf *b, struct sender *snd)
{
	struct sends *x = calloc(1, sizeof(*x));
	size_t i, n;

	if (snd && x)
		sender_figures(snd, send_row, x);
	n = x ? x->t.n : 0;
	family(b, "concierge_outbox_sent_total", "counter",
	       "Messages the sender delivered to a platform, by channel.");
	for (i = 0; i < n; i++)
		sample(b, "concierge_outbox_sent_total", "channel", x->t.row[i].name, NULL, NULL,
		       x->t.row[i].a);
	family(b, "concierge_send_failures_total", "counter",
	       "Deliveries that failed, by channel and outcome: retry (network error or 5xx), "
	       "rate_limited (the platform said too fast), dead (given up on).");
	for (i = 0; i < n; i++) {
		sample(b, "concierge_send_failures_total", "channel", x->t.row[i].name, "outcome",
		       "retry", x->retried[i]);
		sample(b, "concierge_send_failures_total", "channel", x->t.row[i].name, "outcome",
		       "rate_limited", x->held[i]);
		sample(b, "concierge_send_failures_total", "channel", x->t.row[i].name, "outcome",
		       "dead", x->dead[i]);
	}
	free(x);
}

/* Resident memory and open descriptors, read from /proc (absent elsewhere: left out). */
static void write_process(struct buf *b, int64_t start_ms)
{
	unsigned long long rss;
	struct dirent *e;
	long long fds = -1;
	char line[128], *p, *end;
	FILE *fp;
	DIR *d;

	family(b, "process_start_time_seconds", "gauge",
	       "Start time of the process since the Unix epoch, in seconds.");
	buf_printf(b, "process_start_time_seconds %.3f\n", (double)start_ms / 1000.0);
	fp = fopen("/proc/self/statm", "r");
	if (fp) {
		/* "size resident shared ...", in pages */
		p = fgets(line, sizeof(line), fp) ? strchr(line, ' ') : NULL;
		rss = p ? strtoull(p + 1, &end, 10) : 0;
		if (p && end != p + 1) {
			family(b, "process_resident_memory_bytes", "gauge",
			       "Resident memory size in bytes.");
			buf_printf(b, "process_resident_memory_bytes %llu\n",
			           rss * (unsigned long long)sysconf(_SC_PAGESIZE));
		}
		fclose(fp);
	}
	d = opendir("/proc/self/fd");
	if (d) {
		for (fds = 0; (e = readdir(d)) != NULL;)
			if (e->d_name[0] != '.')
				fds++;
		closedir(d);
		family(b, "process_open_fds", "gauge", "Open file descriptors.");
		buf_printf(b, "process_open_fds %lld\n", fds - 1); /* less the one reading them */
	}
}

/* enum server_limit's order (http.c) */
static const char *const limit_reasons[METRICS_NLIMITS] = {"cap", "address", "headers", "body",
                                                           "evicted"};

static void write_conns(struct buf *b, const struct metrics_sources *src)
{
	size_t i;

	family(b, "concierge_connections", "gauge", "Client connections open now.");
	sample(b, "concierge_connections", NULL, NULL, NULL, NULL, src->conns_open);
	family(b, "concierge_connections_limit", "gauge",
	       "The most client connections held at once (limits.connections).");
	sample(b, "concierge_connections_limit", NULL, NULL, NULL, NULL, src->conns_max);
	if (!src->conns_turned_away)
		return;
	family(b, "concierge_connections_turned_away_total", "counter",
	       "Connections refused or closed by the limits: at the cap, over the address's "
	       "share, headers or body too slow, closed to make room.");
	for (i = 0; i < METRICS_NLIMITS; i++)
		sample(b, "concierge_connections_turned_away_total", "reason", limit_reasons[i],
		       NULL, NULL, src->conns_turned_away[i]);
}

static void write_build(struct buf *b)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	char lws[64];

	/* "4.1.6-..." : the release, without the build's suffix. */
	buf_copy(lws, sizeof(lws), lws_get_library_version());
	lws[strcspn(lws, " -")] = '\0';
	family(b, "concierge_build_info", "gauge",
	       "Always 1: the program's version and its libraries' as labels.");
	buf_add(b, "concierge_build_info{version=\"");
	metrics_label(b, CONCIERGE_VERSION);
	buf_add(b, "\",libwebsockets=\"");
	metrics_label(b, lws);
	buf_add(b, "\",libcurl=\"");
	metrics_label(b, cv && cv->version ? cv->version : "");
	buf_add(b, "\",jansson=\"");
	metrics_label(b, JANSSON_VERSION);
	buf_add(b, "\"} 1\n");
}

int metrics_render(struct metrics *m, const struct metrics_sources *src, struct buf *b)
{
	struct chan_counts *chans;
	struct hist *hs;
	size_t i;
	int db = -1;

	chans = calloc(m->cfg->nchans ? m->cfg->nchans : 1, sizeof(*chans));
	hs = calloc(METRICS_NROUTES + 1, sizeof(*hs));
	if (!chans || !hs) {
		free(chans);
		free(hs);
		return -1;
	}
	/* One consistent copy: every bucket of a histogram from the same moment as its count. */
	pthread_mutex_lock(&m->mu);
	memcpy(chans, m->chans, m->cfg->nchans * sizeof(*chans));
	memcpy(hs, m->http, sizeof(m->http));
	hs[METRICS_NROUTES] = m->commits;
	pthread_mutex_unlock(&m->mu);

	write_build(b);
	write_process(b, src->start_ms);
	write_conns(b, src);
	family(b, "concierge_inbound_messages_total", "counter",
	       "Inbound messages stored (and then acknowledged), by channel.");
	for (i = 0; i < m->cfg->nchans; i++)
		sample(b, "concierge_inbound_messages_total", "channel", m->cfg->chans[i].name,
		       NULL, NULL, (long long)chans[i].stored);
	family(b, "concierge_inbound_failures_total", "counter",
	       "Inbound messages that could not be stored (the platform was told to retry).");
	for (i = 0; i < m->cfg->nchans; i++)
		sample(b, "concierge_inbound_failures_total", "channel", m->cfg->chans[i].name,
		       NULL, NULL, (long long)chans[i].failed);
	family(b, "concierge_inbound_flood_dropped_total", "counter",
	       "Inbound messages over their sender's pace: answered with one notice, or dropped.");
	for (i = 0; i < m->cfg->nchans; i++)
		sample(b, "concierge_inbound_flood_dropped_total", "channel", m->cfg->chans[i].name,
		       NULL, NULL, (long long)chans[i].flooded);
	family(b, "concierge_group_commit_messages", "histogram",
	       "Inbound messages stored per transaction (group commit).");
	hist_write(b, "concierge_group_commit_messages", NULL, NULL, &hs[METRICS_NROUTES], 1.0);
	family(b, "concierge_http_request_duration_seconds", "histogram",
	       "Time from an HTTP request's arrival to its answer's last byte, by route class.");
	for (i = 0; i < METRICS_NROUTES; i++)
		hist_write(b, "concierge_http_request_duration_seconds", "route", route_names[i],
		           &hs[i], 1e6);
	write_sender(b, src->sender);
	if (src->store)
		db = write_store(b, m, src);
	family(b, "concierge_database_up", "gauge",
	       "1 when the database answered this scrape's queries, else 0.");
	buf_printf(b, "concierge_database_up %d\n", db == 0);
	free(chans);
	free(hs);
	return b->failed ? -1 : 0;
}
