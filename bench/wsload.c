/*
 * wsload.c - many residents on the web chat at once, over real websockets.
 *
 * Opens N websockets (default 2,000) to a running `concierge serve` at
 * /ws/chat, each a visitor of its own (a cc_visitor cookie, as the page
 * sets it), says hello and waits for the welcome; once every socket is open,
 * each visitor talks for DURATION seconds: it sends a line, waits for the
 * server's ack of that line and the bot's answer, thinks, and sends the next
 * one. The lines follow a mix of what residents write (a repair request
 * through to the confirmation button, a question, a complaint, a request
 * given up half way, a look at their orders). All sockets stay open.
 *
 * Prints the latency from each line's send to its ack (p50/p99/p99.9/max),
 * to the bot's first answer, acks per second, errors by kind, and with
 * --pid the server's memory and CPU time. The last line is the same as
 * JSON, for bench/ws.py.
 *
 *   wsload [--host 127.0.0.1] --port PORT [--sockets 2000] [--duration 60]
 *          [--think-ms 5000-20000] [--pid SERVER_PID] [--connect-rate 1000]
 *
 * A think time of 5 to 20 seconds is a resident reading the answer and
 * typing the next line on a phone. The program raises its own open-file
 * limit; libev (epoll) runs its loop, as it does the server's.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include <ev.h>
#include <jansson.h>
#include <libwebsockets.h>

#define ACK_TIMEOUT_US (10 * 1000000LL)
#define CONNECT_BURST  64 /* handshakes in flight at once */

/* ---- what residents write ---------------------------------------------------------- */

struct line {
	const char *text;
	const char *data; /* a pressed button's data, or NULL */
};

struct script {
	int weight; /* out of 100 */
	const char *name;
	struct line lines[10];
};

/* The intake of tests/scenario/gateway.py (INTAKE), then the confirmation button. */
static const struct script scripts[] = {
        {55,
         "repair",
         {{"/repair", NULL},
          {"厨房水管漏水", NULL},
          {"3-2-501", NULL},
          {"李伟", NULL},
          {"13800138000", NULL},
          {"今天下午3点", NULL},
          {"确认", "yes"},
          {NULL, NULL}}},
        {10,
         "repair in one line",
         {{"卫生间灯不亮了，5-1-302 王芳 13900139000 明天上午", NULL},
          {"确认", "yes"},
          {NULL, NULL}}},
        {10, "question", {{"物业费在哪交", NULL}, {NULL, NULL}}},
        {8,
         "given up",
         {{"/repair", NULL}, {"客厅空调不制冷", NULL}, {"取消", NULL}, {NULL, NULL}}},
        {7, "my orders", {{"/my", NULL}, {NULL, NULL}}},
        {5, "greeting", {{"你好", NULL}, {NULL, NULL}}},
        {5, "complaint", {{"我要投诉 楼下装修噪音太大 保安也不管", NULL}, {NULL, NULL}}},
};
#define NSCRIPTS (sizeof(scripts) / sizeof(scripts[0]))

/* ---- a visitor ------------------------------------------------------------------------ */

enum vstate { V_IDLE, V_CONNECTING, V_HELLO, V_READY, V_WAITING, V_CLOSED };

struct visitor {
	struct lws *wsi;
	ev_timer timer; /* the next line, or the wait for an ack */
	enum vstate state;
	char cookie[48];
	int script, step, seq;
	char id[32];     /* the line in flight */
	int64_t sent_us; /* when it went out */
	int acked, answered;
	int want_send; /* the writable callback sends the next line */
	int counted;   /* sent inside the measured window */
	char *rx;      /* a message in pieces */
	size_t rx_len, rx_cap;
};

/* Latencies in microseconds. */
struct series {
	uint32_t *v;
	size_t n, cap;
};

static struct {
	struct lws_context *ctx;
	struct ev_loop *loop;
	struct visitor *v;
	int n;
	const char *host;
	int port;
	int duration;
	int think_min, think_max;
	int connect_rate;
	long pid;
	int verbose;
	/* progress */
	int next_connect, connecting, open, welcomed;
	int64_t t_start, t_measure, t_end;
	int phase; /* 0 connecting, 1 measuring, 2 draining, 3 done */
	/* figures */
	struct series ack, answer, welcome;
	long sent, acks, answers, scripts_done;
	long err_frames, err_timeouts, err_connect, err_closed, err_bad;
	int64_t ack_after_end;
	char first_error[256];
	uint64_t rng;
} g;

static volatile sig_atomic_t interrupted;

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t rnd(void)
{
	/* xorshift64* */
	g.rng ^= g.rng >> 12;
	g.rng ^= g.rng << 25;
	g.rng ^= g.rng >> 27;
	return g.rng * 2685821657736338717ULL;
}

static void series_add(struct series *s, int64_t us)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		uint32_t *grown = realloc(s->v, cap * sizeof(*grown));

		if (!grown)
			return;
		s->v = grown;
		s->cap = cap;
	}
	s->v[s->n++] = (uint32_t)(us < 0 ? 0 : us > UINT32_MAX ? UINT32_MAX : us);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The P-quantile in milliseconds (S sorted). */
static double quantile(const struct series *s, double p)
{
	size_t i;

	if (!s->n)
		return 0;
	i = (size_t)(p * (double)s->n);
	if (i >= s->n)
		i = s->n - 1;
	return s->v[i] / 1000.0;
}

static void note_error(const char *what)
{
	if (!g.first_error[0])
		snprintf(g.first_error, sizeof(g.first_error), "%s", what);
	if (g.verbose)
		fprintf(stderr, "wsload: %s\n", what);
}

/* ---- timers ------------------------------------------------------------------------- */

/*
 * libev's own timers, not libwebsockets': the 4.1 library's libev glue does
 * not re-arm its timer for an earlier event set from a socket's callback.
 */
typedef void (*timer_fn)(struct ev_loop *loop, ev_timer *w, int revents);

static void schedule(struct visitor *v, timer_fn cb, int64_t us)
{
	ev_timer_stop(g.loop, &v->timer);
	ev_timer_init(&v->timer, cb, (double)us / 1e6, 0.);
	ev_timer_start(g.loop, &v->timer);
}

static struct visitor *of_timer(ev_timer *w)
{
	return (struct visitor *)(void *)((char *)w - offsetof(struct visitor, timer));
}

static int64_t think_us(void)
{
	int span = g.think_max - g.think_min;

	return ((int64_t)g.think_min + (span > 0 ? (int64_t)(rnd() % (uint64_t)span) : 0)) * 1000;
}

static void pick_script(struct visitor *v)
{
	int r = (int)(rnd() % 100), acc = 0;
	size_t i;

	for (i = 0; i < NSCRIPTS; i++) {
		acc += scripts[i].weight;
		if (r < acc)
			break;
	}
	v->script = (int)(i < NSCRIPTS ? i : 0);
	v->step = 0;
}

static void ack_overdue(struct ev_loop *loop, ev_timer *w, int revents);

/* Time for V's next line. */
static void send_due(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct visitor *v = of_timer(w);

	(void)loop;
	(void)revents;
	if (v->state != V_READY || !v->wsi || g.phase != 1)
		return;
	v->want_send = 1;
	lws_callback_on_writable(v->wsi);
}

/* The line is answered (or given up on): think, then the next. */
static void turn_done(struct visitor *v)
{
	const struct script *s = &scripts[v->script];

	v->state = V_READY;
	if (!s->lines[++v->step].text) {
		g.scripts_done++;
		pick_script(v);
	}
	if (g.phase == 1)
		schedule(v, send_due, think_us());
}

static void ack_overdue(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct visitor *v = of_timer(w);

	(void)loop;
	(void)revents;
	if (v->state != V_WAITING)
		return;
	if (!v->acked) {
		g.err_timeouts++;
		note_error("no ack within 10 s");
	}
	turn_done(v);
}

/* ---- connections ---------------------------------------------------------------------- */

static ev_timer connect_timer, wake_timer;

static void wake(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

static void connect_one(struct visitor *v)
{
	struct lws_client_connect_info ci;
	char origin[80];

	memset(&ci, 0, sizeof(ci));
	snprintf(origin, sizeof(origin), "http://%s:%d", g.host, g.port);
	ci.context = g.ctx;
	ci.address = g.host;
	ci.port = g.port;
	ci.path = "/ws/chat";
	ci.host = origin + 7;   /* HOST:PORT, as a browser sends it */
	ci.origin = origin + 7; /* libwebsockets puts "http://" before it */
	ci.userdata = v;
	ci.pwsi = &v->wsi;
	ci.local_protocol_name = "wsload";
	v->state = V_CONNECTING;
	g.connecting++;
	if (!lws_client_connect_via_info(&ci)) {
		g.connecting--;
		g.err_connect++;
		note_error("connect failed at once");
		v->state = V_CLOSED;
	}
}

/* Opens sockets at the connect rate, a burst of handshakes at a time. */
static void connect_more(struct ev_loop *loop, ev_timer *w, int revents)
{
	int per_tick = g.connect_rate / 100 > 0 ? g.connect_rate / 100 : 1;

	(void)revents;
	while (per_tick-- > 0 && g.next_connect < g.n && g.connecting < CONNECT_BURST)
		connect_one(&g.v[g.next_connect++]);
	if (g.next_connect >= g.n)
		ev_timer_stop(loop, w);
}

static void send_text(struct visitor *v, const char *s)
{
	size_t n = strlen(s);
	unsigned char buf[LWS_PRE + 1024];

	if (n > sizeof(buf) - LWS_PRE)
		n = sizeof(buf) - LWS_PRE;
	memcpy(buf + LWS_PRE, s, n);
	if (lws_write(v->wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n)
		note_error("short write");
}

static void send_line(struct visitor *v)
{
	const struct line *l = &scripts[v->script].lines[v->step];
	json_t *o;
	char *s;

	snprintf(v->id, sizeof(v->id), "m%d", ++v->seq);
	o = json_pack("{s:s,s:s,s:s}", "type", "say", "id", v->id, "text", l->text);
	if (l->data)
		json_object_set_new(o, "data", json_string(l->data));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		return;
	v->acked = v->answered = 0;
	v->counted = g.phase == 1;
	v->state = V_WAITING;
	v->sent_us = now_us();
	send_text(v, s);
	free(s);
	if (v->counted)
		g.sent++;
	schedule(v, ack_overdue, ACK_TIMEOUT_US);
}

/* One whole message from the server. */
static void on_message(struct visitor *v, const char *data, size_t len)
{
	json_t *o = json_loadb(data, len, 0, NULL);
	const char *type = json_string_value(json_object_get(o, "type"));
	const char *id = json_string_value(json_object_get(o, "id"));
	int64_t t = now_us();
	char what[200];

	if (!type) {
		g.err_bad++;
		note_error("a frame that is not JSON with a type");
	} else if (strcmp(type, "welcome") == 0 && v->state == V_HELLO) {
		series_add(&g.welcome, t - v->sent_us);
		v->state = V_READY;
		g.welcomed++;
		pick_script(v);
	} else if (strcmp(type, "ack") == 0) {
		if (v->state == V_WAITING && id && strcmp(id, v->id) == 0 && !v->acked) {
			v->acked = 1;
			if (v->counted) {
				g.acks++;
				series_add(&g.ack, t - v->sent_us);
			}
		}
	} else if (strcmp(type, "message") == 0) {
		/* The bot's answer follows the ack in the same turn of the server's loop. */
		if (v->state == V_WAITING && !v->answered) {
			v->answered = 1;
			if (v->counted) {
				g.answers++;
				series_add(&g.answer, t - v->sent_us);
			}
		}
	} else if (strcmp(type, "error") == 0) {
		g.err_frames++;
		snprintf(what, sizeof(what), "error frame: %s",
		         json_string_value(json_object_get(o, "message"))
		                 ? json_string_value(json_object_get(o, "message"))
		                 : "?");
		note_error(what);
		if (v->state == V_WAITING && id && strcmp(id, v->id) == 0)
			v->acked = v->answered = 1; /* refused: move on */
	}
	if (v->state == V_WAITING && v->acked && v->answered)
		turn_done(v);
	json_decref(o);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
	struct visitor *v = user;
	unsigned char **p, *end;
	char cookie[64];

	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		p = (unsigned char **)in;
		end = *p + len;
		snprintf(cookie, sizeof(cookie), "cc_visitor=%s", v->cookie);
		if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_COOKIE,
		                                 (const unsigned char *)cookie, (int)strlen(cookie),
		                                 p, end))
			return -1;
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		g.connecting--;
		g.open++;
		v->wsi = wsi;
		v->state = V_HELLO;
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (v->state == V_HELLO && !v->sent_us) {
			v->sent_us = now_us();
			send_text(v, "{\"type\":\"hello\",\"lang\":\"zh\"}");
		} else if (v->want_send && v->state == V_READY) {
			v->want_send = 0;
			send_line(v);
		}
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (v->rx_len + len + 1 > v->rx_cap) {
			size_t cap = (v->rx_len + len + 1) * 2;
			char *grown = realloc(v->rx, cap);

			if (!grown)
				return -1;
			v->rx = grown;
			v->rx_cap = cap;
		}
		memcpy(v->rx + v->rx_len, in, len);
		v->rx_len += len;
		if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
			return 0;
		on_message(v, v->rx, v->rx_len);
		v->rx_len = 0;
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		g.connecting--;
		g.err_connect++;
		note_error(in ? (const char *)in : "connection error");
		v->state = V_CLOSED;
		v->wsi = NULL;
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (v->state != V_CLOSED) {
			g.open--;
			if (g.phase < 3) {
				g.err_closed++;
				note_error("the server closed a websocket");
			}
		}
		ev_timer_stop(g.loop, &v->timer);
		v->state = V_CLOSED;
		v->wsi = NULL;
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols protocols[] = {
        {"wsload", callback, 0, 4096, 0, NULL, 0},
        {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- the run ---------------------------------------------------------------------------- */

static void read_rss(long pid, long *rss_kib, long *hwm_kib)
{
	char path[64], line[256];
	FILE *f;

	*rss_kib = *hwm_kib = -1;
	if (pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			*rss_kib = strtol(line + 6, NULL, 10);
		else if (strncmp(line, "VmHWM:", 6) == 0)
			*hwm_kib = strtol(line + 6, NULL, 10);
	}
	fclose(f);
}

/* The server's CPU time so far (user + system), in seconds; -1 unknown. */
static double read_cpu(long pid)
{
	char path[64], buf[1024], *p, *end;
	unsigned long long ut, st;
	int field;
	FILE *f;
	size_t n;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the command's name in parentheses: state is field 3, utime 14, stime 15. */
	p = strrchr(buf, ')');
	for (field = 2; p && field < 14; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -1;
	ut = strtoull(p + 1, &end, 10);
	st = strtoull(end, NULL, 10);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void raise_fd_limit(int want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < (rlim_t)want)
		fprintf(stderr, "wsload: only %llu open files allowed, %d sockets wanted\n",
		        (unsigned long long)rl.rlim_cur, want);
}

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: wsload [--host H] --port P [--sockets N] [--duration S]\n"
	                "              [--think-ms MIN-MAX] [--pid SERVER_PID] [--connect-rate "
	                "N/s] [-v]\n");
	exit(2);
}

/* VAL as a whole number from LO to HI, or the usage. */
static long number(const char *val, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || end == val || *end || v < lo || v > hi)
		usage();
	return v;
}

static void parse_args(int argc, char **argv)
{
	char *dash;

	int i;

	g.host = "127.0.0.1";
	g.n = 2000;
	g.duration = 60;
	g.think_min = 5000;
	g.think_max = 20000;
	g.connect_rate = 1000;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-v") == 0) {
			g.verbose = 1;
			continue;
		}
		if (!val)
			usage();
		i++;
		if (strcmp(a, "--host") == 0)
			g.host = val;
		else if (strcmp(a, "--port") == 0)
			g.port = (int)number(val, 1, 65535);
		else if (strcmp(a, "--sockets") == 0)
			g.n = (int)number(val, 1, 1000000);
		else if (strcmp(a, "--duration") == 0)
			g.duration = (int)number(val, 1, 86400);
		else if (strcmp(a, "--pid") == 0)
			g.pid = number(val, 1, INT32_MAX);
		else if (strcmp(a, "--connect-rate") == 0)
			g.connect_rate = (int)number(val, 1, 1000000);
		else if (strcmp(a, "--think-ms") == 0) {
			char range[32];

			snprintf(range, sizeof(range), "%s", val);
			dash = strchr(range, '-');
			if (!dash)
				usage();
			*dash = '\0';
			g.think_min = (int)number(range, 0, 3600000);
			g.think_max = (int)number(dash + 1, g.think_min, 3600000);
		} else
			usage();
	}
	if (!g.port)
		usage();
}

static void print_series(const char *name, struct series *s)
{
	qsort(s->v, s->n, sizeof(*s->v), cmp_u32);
	printf("  %-22s p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms (%zu)\n", name,
	       quantile(s, 0.5), quantile(s, 0.99), quantile(s, 0.999),
	       s->n ? s->v[s->n - 1] / 1000.0 : 0.0, s->n);
}

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	long rss0, hwm0, rss1, hwm1;
	double cpu0, cpu1;
	int i, errors;
	double secs;

	parse_args(argc, argv);
	g.rng = (uint64_t)now_us() ^ ((uint64_t)getpid() << 32);
	raise_fd_limit(g.n + 64);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	g.v = calloc((size_t)g.n, sizeof(*g.v));
	if (!g.v)
		return 1;
	for (i = 0; i < g.n; i++) {
		unsigned char raw[16];
		int j;

		for (j = 0; j < 16; j++)
			raw[j] = (unsigned char)rnd();
		for (j = 0; j < 16; j++)
			snprintf(g.v[i].cookie + 2 * j, 3, "%02x", raw[j]);
	}

	lws_set_log_level(LLL_ERR, NULL);
	/* epoll through libev, as the server: poll() over 2,000 sockets would cost us a
	 * millisecond a turn, and that would be in the figures. */
	g.loop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
	if (!g.loop)
		return 1;
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_LIBEV;
	info.foreign_loops = (void **)&g.loop;
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.fd_limit_per_thread = (unsigned int)g.n + 64;
	info.timeout_secs = 20;
	g.ctx = lws_create_context(&info);
	if (!g.ctx) {
		fprintf(stderr, "wsload: cannot create the libwebsockets context\n");
		return 1;
	}

	/* Phase 0: every socket open and welcomed. */
	g.t_start = now_us();
	ev_timer_init(&connect_timer, connect_more, 0., 0.01);
	ev_timer_start(g.loop, &connect_timer);
	/* A wake-up now and then, so the phases end on time whatever the sockets do. */
	ev_timer_init(&wake_timer, wake, 0.1, 0.1);
	ev_timer_start(g.loop, &wake_timer);
	while (!interrupted && g.welcomed + g.err_connect + g.err_closed < g.n) {
		ev_run(g.loop, EVRUN_ONCE);
		if (now_us() - g.t_start > 120 * 1000000LL) {
			note_error("sockets still not open after 120 s");
			break;
		}
	}
	secs = (double)(now_us() - g.t_start) / 1e6;
	read_rss(g.pid, &rss0, &hwm0);
	cpu0 = read_cpu(g.pid);
	printf("wsload: %d of %d websockets open in %.1f s (%ld failed)\n", g.welcomed, g.n, secs,
	       g.err_connect + g.err_closed);
	fflush(stdout);

	/* Phase 1: conversations, each visitor's first line spread over one think time. */
	g.phase = 1;
	g.t_measure = now_us();
	g.t_end = g.t_measure + (int64_t)g.duration * 1000000;
	for (i = 0; i < g.n; i++)
		if (g.v[i].state == V_READY)
			schedule(&g.v[i], send_due,
			         (int64_t)(rnd() % (uint64_t)(g.think_max > 0 ? g.think_max : 1)) *
			                 1000);
	while (!interrupted && now_us() < g.t_end)
		ev_run(g.loop, EVRUN_ONCE);

	/* Phase 2: no new lines; the last ones get their ack (or time out). */
	g.phase = 2;
	for (;;) {
		int waiting = 0;

		for (i = 0; i < g.n; i++)
			waiting += g.v[i].state == V_WAITING && !g.v[i].acked;
		if (!waiting || interrupted || now_us() > g.t_end + ACK_TIMEOUT_US + 1000000)
			break;
		ev_run(g.loop, EVRUN_ONCE);
	}
	read_rss(g.pid, &rss1, &hwm1);
	cpu1 = read_cpu(g.pid);
	secs = (double)(now_us() - g.t_measure) / 1e6;
	g.phase = 3;

	errors = (int)(g.err_frames + g.err_timeouts + g.err_connect + g.err_closed + g.err_bad);
	printf("wsload: %d websockets, %d s of conversation, think time %d-%d ms\n", g.n,
	       g.duration, g.think_min, g.think_max);
	printf("  lines sent             %ld, acked %ld = %.0f acks/s; bot answers %ld; "
	       "conversations finished %ld\n",
	       g.sent, g.acks, (double)g.acks / g.duration, g.answers, g.scripts_done);
	print_series("send -> ack", &g.ack);
	print_series("send -> bot's answer", &g.answer);
	print_series("hello -> welcome", &g.welcome);
	printf("  errors                 %d (error frames %ld, ack timeouts %ld, connect %ld, "
	       "closed %ld, bad frames %ld)%s%s\n",
	       errors, g.err_frames, g.err_timeouts, g.err_connect, g.err_closed, g.err_bad,
	       g.first_error[0] ? "; first: " : "", g.first_error);
	if (cpu0 >= 0 && cpu1 >= 0)
		printf("  server CPU             %.1f s in %.1f s = %.0f%% of a core, %.2f ms a "
		       "line\n",
		       cpu1 - cpu0, secs, 100 * (cpu1 - cpu0) / secs,
		       g.acks ? 1000 * (cpu1 - cpu0) / (double)g.acks : 0.0);
	if (g.pid > 0)
		printf("  server memory          %.1f MiB RSS with the sockets open, %.1f MiB "
		       "after; "
		       "peak %.1f MiB\n",
		       rss0 / 1024.0, rss1 / 1024.0, hwm1 / 1024.0);
	printf("wsload-json: {\"sockets\":%d,\"open\":%d,\"duration\":%d,\"sent\":%ld,"
	       "\"acks\":%ld,\"acks_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
	       "\"p999_ms\":%.3f,\"max_ms\":%.3f,\"answer_p99_ms\":%.3f,\"errors\":%d,"
	       "\"rss_open_kib\":%ld,\"rss_end_kib\":%ld,\"hwm_kib\":%ld,\"cpu_s\":%.2f}\n",
	       g.n, g.welcomed, g.duration, g.sent, g.acks, (double)g.acks / g.duration,
	       quantile(&g.ack, 0.5), quantile(&g.ack, 0.99), quantile(&g.ack, 0.999),
	       g.ack.n ? g.ack.v[g.ack.n - 1] / 1000.0 : 0.0, quantile(&g.answer, 0.99), errors,
	       rss0, rss1, hwm1, cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1.0);
	fflush(stdout);

	for (i = 0; i < g.n; i++)
		ev_timer_stop(g.loop, &g.v[i].timer);
	ev_timer_stop(g.loop, &connect_timer);
	ev_timer_stop(g.loop, &wake_timer);
	lws_context_destroy(g.ctx);
	ev_loop_destroy(g.loop);
	for (i = 0; i < g.n; i++)
		free(g.v[i].rx);
	free(g.v);
	free(g.ack.v);
	free(g.answer.v);
	free(g.welcome.v);
	return errors || g.welcomed < g.n ? 1 : 0;
}
