/*
 * loadgen.c - the load generator of `make bench`: R residents file a repair
 * request through a webhook, each as the seven Telegram updates of an intake,
 * with C requests in flight.
 *
 * Every resident has its own private chat (user ID = chat ID = first_id + i)
 * and types, one message after the other, "/repair", a description, a room,
 * a name, a phone number, a time and "yes". A resident's next update goes only
 * after the previous one was answered 2xx: that is what Telegram does for one
 * chat, and it is what makes a dialog advance. Residents take turns (a ready
 * queue, round robin), so all R dialogs are open at once, as on a busy
 * morning.
 *
 * Closed loop by default: C slots, each starts the next ready update as soon
 * as its previous call ended, which measures the maximum throughput. With
 * --rate N the load is open: starts are paced at N per second whatever the
 * answers, and latency is counted from the moment a start was due, so a
 * server that falls behind cannot hide it by slowing the generator
 * (coordinated omission). Slots still cap the calls in flight.
 *
 * With --order arrivals (open loop only) residents do not all start at once:
 * one comes every 7/N seconds and sends its seven updates one after the
 * other, each as soon as the last was answered, the way requests reach a
 * service centre over a morning. The steps are then mixed at every moment,
 * where the round robin puts every resident on the same step (the last
 * seventh of a run is all confirmations, the costliest step). Latency counts
 * from a resident's arrival for its first update.
 *
 * One libcurl multi handle, one easy handle per slot, reused: connections are
 * kept alive unless the server closes them (the count of new connections is
 * printed). The result is one JSON line on stdout.
 *
 * Not part of the server: built -O2 into build/bench/ by the Makefile.
 */
#include <curl/curl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NMSG     7
#define BODY_MAX 1024
#define RETRIES  3 /* a failed update is sent again (same update_id), as Telegram does */
#define NSTATUS  600
#define LATE_NS  2000000 /* a paced start this late was held up, not timer slack */

struct resident {
	int64_t user;
	int step;  /* next message, 0..NMSG */
	int tries; /* of the current message */
};

struct slot {
	CURL *easy;
	struct resident *r;
	int64_t t0;  /* when the call started, ns */
	int64_t due; /* when it was due (rate); t0 in a closed loop */
	int64_t hid; /* the update_id in flight */
	char body[BODY_MAX];
};

struct opts {
	const char *url;
	const char *secret;
	const char *mode; /* "telegram" or "floor" */
	int residents;
	int inflight;
	double rate;
	int arrivals; /* --order arrivals: residents come one after another at rate/7 */
	int64_t first_id;
	double timeout;
};

struct gen {
	struct opts o;
	struct resident *res;
	int *queue; /* ready residents, a ring of R */
	int qhead, qlen;
	struct slot *slots;
	int *free_slots, nfree;
	CURLM *multi;
	struct curl_slist *headers;
	double *lat;     /* ms, from the start of each call */
	double *lat_due; /* ms, from when it was due (differs in rate mode) */
	size_t nlat, cap;
	double *by_step[NMSG]; /* ms, from the start of each call, by the message's step */
	size_t nstep[NMSG], capstep[NMSG];
	long errors[NSTATUS + 1]; /* by HTTP status; 0: no answer */
	long nerrors;
	long done_residents, failed_residents;
	long connects;
	long late;        /* rate mode: starts later than due by over LATE_NS */
	int64_t late_max; /* ns */
	int64_t started, finished;
	int arrived; /* --order arrivals: the residents come so far */
};

static const char *const DESCRIPTIONS[] = {"厨房水管漏水", "卫生间水管漏水", "厨房水龙头漏水",
                                           "阳台地漏堵了"};
static const char *const NAMES[] = {"李伟", "王芳", "张敏", "刘洋", "陈静", "杨磊", "赵丽", "黄强"};
static const char *const FIRST[] = {"Wei", "Fang", "Min", "Yang", "Jing", "Lei", "Li", "Qiang"};
static const char *const TIMES[] = {"明天上午", "明天下午", "今天下午3点", "后天上午"};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long)ts.tv_sec;
}

static size_t discard(char *ptr, size_t size, size_t n, void *ud)
{
	(void)ptr;
	(void)ud;
	return size * n;
}

/* The text resident R types at step K. */
static void message_text(const struct resident *r, int k, char *out, size_t len)
{
	uint64_t u = (uint64_t)r->user;

	switch (k) {
	case 0:
		snprintf(out, len, "/repair");
		break;
	case 1:
		snprintf(out, len, "%s", DESCRIPTIONS[u % 4]);
		break;
	case 2:
		snprintf(out, len, "%d-%d-%d%02d", (int)(u % 20) + 1, (int)(u / 20 % 4) + 1,
		         (int)(u / 80 % 30) + 1, (int)(u / 2400 % 4) + 1);
		break;
	case 3:
		snprintf(out, len, "%s", NAMES[u % 8]);
		break;
	case 4:
		snprintf(out, len, "13%d%08d", 5 + (int)(u % 5), (int)(u % 100000000));
		break;
	case 5:
		snprintf(out, len, "%s", TIMES[u / 8 % 4]);
		break;
	default:
		snprintf(out, len, "yes");
		break;
	}
}

/*
 * A Telegram Update as the Bot API posts it to a webhook: a private message
 * from a person, with the bot_command entity Telegram adds to "/repair".
 */
static int build_body(struct slot *s)
{
	const struct resident *r = s->r;
	char text[64];
	int n;

	message_text(r, r->step, text, sizeof(text));
	s->hid = r->user * 8 + r->step;
	n = snprintf(s->body, sizeof(s->body),
	             "{\"update_id\":%" PRId64 ",\"message\":{\"message_id\":%d,"
	             "\"from\":{\"id\":%" PRId64 ",\"is_bot\":false,\"first_name\":\"%s\","
	             "\"language_code\":\"zh-hans\"},"
	             "\"chat\":{\"id\":%" PRId64 ",\"first_name\":\"%s\",\"type\":\"private\"},"
	             "\"date\":%ld,\"text\":\"%s\"%s}}",
	             s->hid, 100 + r->step * 2, r->user, FIRST[(uint64_t)r->user % 8], r->user,
	             FIRST[(uint64_t)r->user % 8], unix_now(), text,
	             r->step == 0 ? ",\"entities\":[{\"offset\":0,\"length\":7,"
	                            "\"type\":\"bot_command\"}]"
	                          : "");
	return n > 0 && (size_t)n < sizeof(s->body) ? 0 : -1;
}

static int start_call(struct gen *g, struct resident *r, int64_t due)
{
	int i = g->free_slots[--g->nfree];
	struct slot *s = &g->slots[i];

	s->r = r;
	s->due = due;
	if (build_body(s) < 0) {
		fprintf(stderr, "loadgen: body too long\n");
		return -1;
	}
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->body);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(s->body));
	s->t0 = now_ns();
	if (s->t0 - due > LATE_NS)
		g->late++;
	if (s->t0 - due > g->late_max)
		g->late_max = s->t0 - due;
	if (curl_multi_add_handle(g->multi, s->easy) != CURLM_OK) {
		fprintf(stderr, "loadgen: curl_multi_add_handle failed\n");
		return -1;
	}
	g->started++;
	return 0;
}

/* The latency of a call at step K (0 .. NMSG-1): which message of the intake is slow. */
static void record_step(struct gen *g, int k, double ms)
{
	double *p;
	size_t cap;

	if (k < 0 || k >= NMSG)
		return;
	if (g->nstep[k] == g->capstep[k]) {
		cap = g->capstep[k] * 2 + 256;
		p = realloc(g->by_step[k], cap * sizeof(*p));
		if (!p)
			return;
		g->by_step[k] = p;
		g->capstep[k] = cap;
	}
	g->by_step[k][g->nstep[k]++] = ms;
}

static void record(struct gen *g, const struct slot *s)
{
	int64_t t = now_ns();

	if (g->nlat == g->cap) {
		size_t cap = g->cap * 2 + 1024;
		double *p = realloc(g->lat, cap * sizeof(*p)), *q;

		if (!p)
			return;
		g->lat = p;
		q = realloc(g->lat_due, cap * sizeof(*q));
		if (!q)
			return;
		g->lat_due = q;
		g->cap = cap;
	}
	g->lat[g->nlat] = (double)(t - s->t0) / 1e6;
	g->lat_due[g->nlat++] = (double)(t - s->due) / 1e6;
	record_step(g, s->r->step, (double)(t - s->t0) / 1e6);
}

static void enqueue(struct gen *g, int idx)
{
	g->queue[(g->qhead + g->qlen) % g->o.residents] = idx;
	g->qlen++;
}

static int dequeue(struct gen *g)
{
	int idx = g->queue[g->qhead];

	g->qhead = (g->qhead + 1) % g->o.residents;
	g->qlen--;
	return idx;
}

static void end_call(struct gen *g, CURLMsg *m)
{
	struct slot *s;
	struct resident *r;
	long status = 0, conns = 0;
	char *priv = NULL;
	int i;

	curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
	if (!priv)
		return;
	s = (struct slot *)(void *)priv;
	i = (int)(s - g->slots);
	r = s->r;
	curl_multi_remove_handle(g->multi, s->easy);
	if (m->data.result == CURLE_OK)
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS, &conns);
	g->connects += conns;
	record(g, s);
	g->finished++;
	if (status >= 200 && status < 300) {
		r->step++;
		r->tries = 0;
	} else {
		g->errors[status > 0 && status <= NSTATUS ? status : 0]++;
		g->nerrors++;
		if (m->data.result != CURLE_OK && g->nerrors <= 5)
			fprintf(stderr, "loadgen: update %" PRId64 ": %s\n", s->hid,
			        curl_easy_strerror(m->data.result));
		if (++r->tries > RETRIES) {
			g->failed_residents++;
			r->step = NMSG + 1; /* given up */
		}
	}
	if (r->step < NMSG)
		enqueue(g, (int)(r - g->res));
	else if (r->step == NMSG)
		g->done_residents++;
	s->r = NULL;
	g->free_slots[g->nfree++] = i;
}

static CURL *new_easy(struct gen *g, struct slot *s)
{
	CURL *e = curl_easy_init();

	if (!e)
		return NULL;
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)s);
	curl_easy_setopt(e, CURLOPT_URL, g->o.url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, g->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 0L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(g->o.timeout * 1000));
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	return e;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double quantile(const double *v, size_t n, double q)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(q * (double)n);
	return v[i < n ? i : n - 1];
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: loadgen --url URL [--residents R] [--inflight C] [--rate N]\n"
	        "               [--secret S] [--first-id ID] [--mode telegram|floor]\n"
	        "               [--timeout SECONDS] [--order lockstep|arrivals]\n"
	        "  R residents (2000) each send the seven updates of an intake to URL,\n"
	        "  C calls in flight (32); --rate paces starts at N updates/s (open loop).\n"
	        "  Prints one JSON line: updates, seconds, updates_per_s, latency, errors.\n");
}

/* A whole number from 1 to MAX, else 0 (refused with the usage). */
static int bounded(const char *s, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	return end != s && !*end && v >= 1 && v <= max ? (int)v : 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int i;

	o->residents = 2000;
	o->inflight = 32;
	o->first_id = 1000000000;
	o->mode = "telegram";
	o->timeout = 30;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage();
			exit(0);
		}
		if (!v) {
			fprintf(stderr, "loadgen: %s needs a value\n", a);
			return -1;
		}
		i++;
		if (!strcmp(a, "--url"))
			o->url = v;
		else if (!strcmp(a, "--secret"))
			o->secret = v;
		else if (!strcmp(a, "--mode"))
			o->mode = v;
		else if (!strcmp(a, "--residents"))
			o->residents = bounded(v, 10000000);
		else if (!strcmp(a, "--inflight"))
			o->inflight = bounded(v, 4096);
		else if (!strcmp(a, "--rate"))
			o->rate = strtod(v, NULL);
		else if (!strcmp(a, "--first-id"))
			o->first_id = strtoll(v, NULL, 10);
		else if (!strcmp(a, "--timeout"))
			o->timeout = strtod(v, NULL);
		else if (!strcmp(a, "--order") &&
		         (!strcmp(v, "lockstep") || !strcmp(v, "arrivals")))
			o->arrivals = !strcmp(v, "arrivals");
		else {
			fprintf(stderr, "loadgen: unknown option %s\n", a);
			return -1;
		}
	}
	if (!o->url || o->residents < 1 || o->inflight < 1 || o->rate < 0 || o->first_id < 1 ||
	    (o->arrivals && o->rate <= 0) || o->timeout <= 0 ||
	    (strcmp(o->mode, "telegram") && strcmp(o->mode, "floor"))) {
		usage();
		return -1;
	}
	return 0;
}

static int setup(struct gen *g)
{
	int i;

	g->res = calloc((size_t)g->o.residents, sizeof(*g->res));
	g->queue = calloc((size_t)g->o.residents, sizeof(*g->queue));
	g->slots = calloc((size_t)g->o.inflight, sizeof(*g->slots));
	g->free_slots = calloc((size_t)g->o.inflight, sizeof(*g->free_slots));
	g->cap = (size_t)g->o.residents * NMSG + 1024;
	g->lat = malloc(g->cap * sizeof(*g->lat));
	g->lat_due = malloc(g->cap * sizeof(*g->lat_due));
	g->multi = curl_multi_init();
	if (!g->res || !g->queue || !g->slots || !g->free_slots || !g->lat || !g->lat_due ||
	    !g->multi)
		return -1;
	g->headers = curl_slist_append(NULL, "Content-Type: application/json");
	g->headers = curl_slist_append(g->headers, "Expect:");
	if (g->o.secret) {
		char h[320];

		snprintf(h, sizeof(h), "X-Telegram-Bot-Api-Secret-Token: %s", g->o.secret);
		g->headers = curl_slist_append(g->headers, h);
	}
	curl_multi_setopt(g->multi, CURLMOPT_MAXCONNECTS, (long)g->o.inflight);
	curl_multi_setopt(g->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
	for (i = 0; i < g->o.residents; i++) {
		g->res[i].user = g->o.first_id + i;
		if (!g->o.arrivals)
			enqueue(g, i);
	}
	for (i = 0; i < g->o.inflight; i++) {
		g->slots[i].easy = new_easy(g, &g->slots[i]);
		if (!g->slots[i].easy)
			return -1;
		g->free_slots[g->nfree++] = g->o.inflight - 1 - i;
	}
	return 0;
}

/* Start what may start now; returns how long to wait for the next paced start (ms), or -1. */
/* --order arrivals: residents come every 7/rate s; each update starts once the last is answered. */
static int start_arrived(struct gen *g, int64_t t_begin)
{
	int64_t now = now_ns(), gap = (int64_t)((double)NMSG * 1e9 / g->o.rate);
	struct resident *r;

	while (g->arrived < g->o.residents && t_begin + g->arrived * gap <= now)
		enqueue(g, g->arrived++);
	while (g->nfree > 0 && g->qlen > 0) {
		r = &g->res[dequeue(g)];
		if (start_call(g, r, r->step ? now : t_begin + (r - g->res) * gap) < 0)
			return -2;
	}
	if (g->arrived < g->o.residents)
		return (int)((t_begin + g->arrived * gap - now) / 1000000) + 1;
	return -1;
}

/* Every resident has come (always so without --order arrivals). */
static int all_arrived(const struct gen *g)
{
	return !g->o.arrivals || g->arrived == g->o.residents;
}

static int start_ready(struct gen *g, int64_t t_begin, int64_t *next_due)
{
	int64_t now = now_ns();

	if (g->o.arrivals)
		return start_arrived(g, t_begin);
	while (g->nfree > 0 && g->qlen > 0) {
		int64_t due = now;

		if (g->o.rate > 0) {
			due = t_begin + (int64_t)((double)*next_due * 1e9 / g->o.rate);
			if (due > now)
				return (int)((due - now) / 1000000) + 1;
			(*next_due)++;
		}
		if (start_call(g, &g->res[dequeue(g)], due) < 0)
			return -2;
	}
	return -1;
}

static void report(struct gen *g, double secs)
{
	int i, first = 1;

	qsort(g->lat, g->nlat, sizeof(*g->lat), cmp_double);
	qsort(g->lat_due, g->nlat, sizeof(*g->lat_due), cmp_double);
	printf("{\"mode\":\"%s\",\"order\":\"%s\",\"residents\":%d,\"inflight\":%d,"
	       "\"rate\":%.1f,"
	       "\"first_id\":%" PRId64 ",\"updates\":%ld,\"ok\":%ld,\"seconds\":%.3f,"
	       "\"updates_per_s\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,"
	       "\"p999_ms\":%.3f,\"max_ms\":%.3f,\"p99_due_ms\":%.3f,\"p999_due_ms\":%.3f,"
	       "\"connects\":%ld,\"late_starts\":%ld,\"late_max_ms\":%.3f,"
	       "\"residents_done\":%ld,\"residents_failed\":%ld,\"errors\":{\"total\":%ld",
	       g->o.mode, g->o.arrivals ? "arrivals" : "lockstep", g->o.residents, g->o.inflight,
	       g->o.rate, g->o.first_id, (long)g->finished, (long)g->finished - g->nerrors, secs,
	       secs > 0 ? (double)(g->finished - g->nerrors) / secs : 0.0,
	       quantile(g->lat, g->nlat, 0.50), quantile(g->lat, g->nlat, 0.90),
	       quantile(g->lat, g->nlat, 0.99), quantile(g->lat, g->nlat, 0.999),
	       g->nlat ? g->lat[g->nlat - 1] : 0.0, quantile(g->lat_due, g->nlat, 0.99),
	       quantile(g->lat_due, g->nlat, 0.999), g->connects, g->late,
	       (double)g->late_max / 1e6, g->done_residents, g->failed_residents, g->nerrors);
	printf(",\"by_status\":{");
	for (i = 0; i <= NSTATUS; i++)
		if (g->errors[i]) {
			printf("%s\"%d\":%ld", first ? "" : ",", i, g->errors[i]);
			first = 0;
		}
	printf("}},\"by_step\":[");
	for (i = 0; i < NMSG; i++) {
		qsort(g->by_step[i], g->nstep[i], sizeof(double), cmp_double);
		printf("%s{\"calls\":%zu,\"p50_ms\":%.3f,\"p99_ms\":%.3f}", i ? "," : "",
		       g->nstep[i], quantile(g->by_step[i], g->nstep[i], 0.50),
		       quantile(g->by_step[i], g->nstep[i], 0.99));
	}
	printf("]}\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct gen g;
	int64_t t_begin, next_due = 0;
	int i, rc = 1;

	memset(&g, 0, sizeof(g));
	if (parse_opts(argc, argv, &g.o) < 0)
		return 2;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || setup(&g) < 0) {
		fprintf(stderr, "loadgen: out of memory or libcurl failed to start\n");
		goto out;
	}
	t_begin = now_ns();
	for (;;) {
		int running = 0, left, wait;
		CURLMsg *m;

		wait = start_ready(&g, t_begin, &next_due);
		if (wait == -2)
			goto out;
		if (g.nfree == g.o.inflight && g.qlen == 0 && all_arrived(&g))
			break; /* every resident done or given up */
		if (curl_multi_perform(g.multi, &running) != CURLM_OK) {
			fprintf(stderr, "loadgen: curl_multi_perform failed\n");
			goto out;
		}
		while ((m = curl_multi_info_read(g.multi, &left)))
			if (m->msg == CURLMSG_DONE)
				end_call(&g, m);
		if (g.nfree == g.o.inflight && g.qlen == 0 && all_arrived(&g))
			break;
		if (g.nfree > 0 && g.qlen > 0 && wait < 0)
			continue; /* a slot freed: start at once */
		if (curl_multi_poll(g.multi, NULL, 0, wait < 0 ? 1000 : wait, NULL) != CURLM_OK) {
			fprintf(stderr, "loadgen: curl_multi_poll failed\n");
			goto out;
		}
	}
	report(&g, (double)(now_ns() - t_begin) / 1e9);
	rc = g.nerrors || g.failed_residents ? 3 : 0;
out:
	for (i = 0; i < g.o.inflight && g.slots; i++)
		if (g.slots[i].easy) {
			curl_multi_remove_handle(g.multi, g.slots[i].easy);
			curl_easy_cleanup(g.slots[i].easy);
		}
	curl_multi_cleanup(g.multi);
	curl_slist_free_all(g.headers);
	free(g.res);
	free(g.queue);
	free(g.slots);
	free(g.free_slots);
	free(g.lat);
	free(g.lat_due);
	for (i = 0; i < NMSG; i++)
		free(g.by_step[i]);
	curl_global_cleanup();
	return rc;
}
