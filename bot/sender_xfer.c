/*
 * sender_xfer.c - the sender's HTTP calls on the multi handle, its jitter,
 * the channel states shown in /healthz, and the memo of rows between calls;
 * see sender_internal.h.
 */
#include "bot/sender_internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/utf8.h"

uint32_t sender_random(struct sender *s)
{
	uint32_t x = s->rnd; /* xorshift32: jitter needs spread, not secrecy */

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	s->rnd = x ? x : 0x9e3779b9u;
	return s->rnd;
}

void sender_count(struct sender *s, long long *field)
{
	pthread_mutex_lock(&s->mu);
	(*field)++;
	pthread_mutex_unlock(&s->mu);
}

/* ---- states ---------------------------------------------------------------------- */

int sender_set_state(struct sender *s, struct sender_chan *sc, int level, const char *raw)
{
	char state[SENDER_STATE_LEN], masked[SENDER_STATE_LEN];
	int changed;

	utf8_clean(state, sizeof(state), raw, strlen(raw));
	pthread_mutex_lock(&s->mu);
	changed = strcmp(sc->stats.state, state) != 0;
	if (changed)
		memcpy(sc->stats.state, state, sizeof(state));
	pthread_mutex_unlock(&s->mu);
	if (changed && level >= 0) {
		log_mask(state, masked, sizeof(masked));
		log_msg((enum log_level)level, "%s: %s", sc->ch->name, masked);
	}
	return changed;
}

void sender_status(struct sender *s, json_t *channels)
{
	size_t i;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->nchans; i++) {
		const struct sender_stats *st = &s->chans[i].stats;

		json_object_set_new(channels, s->chans[i].ch->name,
		                    json_pack("{s:s,s:I,s:I,s:I}", "state", st->state, "sent",
		                              (json_int_t)st->sent, "failed",
		                              (json_int_t)st->failed, "retried",
		                              (json_int_t)(st->retried + st->held)));
	}
	pthread_mutex_unlock(&s->mu);
}

void sender_figures(struct sender *s, sender_figures_fn fn, void *ud)
{
	struct sender_figures f;
	size_t i;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->nchans; i++) {
		const struct sender_stats *st = &s->chans[i].stats;

		f.sent = st->sent;
		f.dead = st->failed;
		f.held = st->held;
		f.retried = st->retried;
		fn(s->chans[i].ch->name, &f, ud);
	}
	pthread_mutex_unlock(&s->mu);
}

/* ---- the row memo ------------------------------------------------------------------ */

struct sender_memo *sender_memo_find(struct sender *s, int64_t row_id)
{
	size_t i;

	for (i = 0; i < SENDER_MEMO; i++)
		if (s->memo[i].row_id == row_id)
			return &s->memo[i];
	return NULL;
}

/* An old entry is overwritten when full: at worst a row loses its 429 credit. */
struct sender_memo *sender_memo_get(struct sender *s, int64_t row_id)
{
	struct sender_memo *m = sender_memo_find(s, row_id);

	if (m)
		return m;
	m = sender_memo_find(s, 0);
	if (!m)
		m = &s->memo[s->memo_next++ % SENDER_MEMO];
	memset(m, 0, sizeof(*m));
	m->row_id = row_id;
	return m;
}

void sender_memo_forget(struct sender *s, int64_t row_id)
{
	struct sender_memo *m = sender_memo_find(s, row_id);

	if (m)
		memset(m, 0, sizeof(*m));
}

void sender_wake_at(struct sender *s, int64_t at_ms)
{
	if (at_ms < s->scan_at)
		s->scan_at = at_ms;
}

/* ---- transfers ----------------------------------------------------------------------- */

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
	struct sender_xfer *x = ud;
	size_t len = size * nmemb, cap;
	char *r;

	if (x->resp_len + len > x->resp_max) {
		x->overflow = 1;
		return 0; /* fails the call: an answer this big is not the API's */
	}
	if (x->resp_len + len + 1 > x->resp_cap) {
		cap = x->resp_cap ? x->resp_cap : 4096;
		while (cap < x->resp_len + len + 1)
			cap *= 2;
		r = realloc(x->resp, cap);
		if (!r)
			return 0;
		x->resp = r;
		x->resp_cap = cap;
	}
	memcpy(x->resp + x->resp_len, p, len);
	x->resp_len += len;
	x->resp[x->resp_len] = '\0';
	return len;
}

static void xfer_release(struct sender_xfer *x)
{
	if (!x)
		return;
	if (x->easy)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->hdrs);
	adapter_call_release(&x->call);
	free(x->resp);
	free(x);
}

static int add_header(struct sender_xfer *x, const char *header)
{
	struct curl_slist *l = curl_slist_append(x->hdrs, header);

	if (!l)
		return -1;
	x->hdrs = l;
	return 0;
}

/* Sets up X's easy handle for X->call. 0, or -1 (X keeps what it holds, for xfer_release). */
static int xfer_setup(struct sender_xfer *x)
{
	char ctype[128];
	CURL *e;
	int i;

	x->resp_max = x->call.resp_max ? x->call.resp_max : SENDER_RESP_MAX;
	if (x->call.relay)
		return x->call.body ? 0 : -1; /* no HTTP: the adapter's connection carries it */
	if (!x->call.url || (!x->call.get && !x->call.body) || !(x->easy = curl_easy_init()))
		return -1;
	e = x->easy;
	snprintf(ctype, sizeof(ctype), "Content-Type: %s",
	         x->call.ctype ? x->call.ctype : "application/json");
	if ((!x->call.get && add_header(x, ctype) < 0) || add_header(x, "Expect:") < 0)
		return -1;
	for (i = 0; i < x->call.nheaders; i++)
		if (add_header(x, x->call.headers[i]) < 0)
			return -1;
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
	curl_easy_setopt(e, CURLOPT_URL, x->call.url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	if (!x->call.get) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->call.body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(x->call.body));
	}
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)SENDER_CONNECT_TIMEOUT);
	curl_easy_setopt(e, CURLOPT_TIMEOUT,
	                 x->call.timeout_s > 0 ? x->call.timeout_s : (long)SENDER_SEND_TIMEOUT);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "concierge");
	return 0;
}

struct sender_xfer *sender_xfer_new(enum sender_xkind kind, struct sender_chan *sc,
                                    struct adapter_call *call)
{
	struct sender_xfer *x = calloc(1, sizeof(*x));

	if (!x) {
		adapter_call_release(call);
		return NULL;
	}
	x->call = *call;
	memset(call, 0, sizeof(*call));
	x->kind = kind;
	x->sc = sc;
	if (xfer_setup(x) < 0) {
		xfer_release(x);
		return NULL;
	}
	return x;
}

/* Set once, when the gateway stops: calls made now give up (a slow download). */
static atomic_int call_now_abort;

void sender_call_now_abort(void)
{
	atomic_store(&call_now_abort, 1);
}

static int call_now_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                             curl_off_t ulnow)
{
	(void)ud;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return atomic_load(&call_now_abort) != 0; /* non-zero aborts the transfer */
}

int sender_call_now(const struct adapter_call *call, long *status, char **body, size_t *len)
{
	struct sender_xfer x;
	CURLcode rc = CURLE_FAILED_INIT;

	*status = 0;
	*body = NULL;
	*len = 0;
	if (atomic_load(&call_now_abort) || call->relay)
		return -1;
	memset(&x, 0, sizeof(x));
	x.call = *call; /* borrowed: the caller releases it */
	if (xfer_setup(&x) == 0) {
		/* Called at least once a second, also while nothing moves. */
		curl_easy_setopt(x.easy, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(x.easy, CURLOPT_XFERINFOFUNCTION, call_now_progress);
		rc = curl_easy_perform(x.easy);
	}
	if (rc == CURLE_OK)
		curl_easy_getinfo(x.easy, CURLINFO_RESPONSE_CODE, status);
	if (x.easy)
		curl_easy_cleanup(x.easy);
	curl_slist_free_all(x.hdrs);
	if (rc != CURLE_OK) {
		free(x.resp);
		return -1;
	}
	*body = x.resp;
	*len = x.resp_len;
	return 0;
}

/* A copy of C for the receiver of a relayed call; 0, or -1 when out of memory. */
static int call_copy(struct adapter_call *dst, const struct adapter_call *c)
{
	int i;

	*dst = *c;
	dst->url = c->url ? strdup(c->url) : NULL;
	dst->body = c->body ? strdup(c->body) : NULL;
	dst->nheaders = 0;
	for (i = 0; i < c->nheaders; i++)
		if ((dst->headers[dst->nheaders] = strdup(c->headers[i])) != NULL)
			dst->nheaders++;
	if ((c->url && !dst->url) || (c->body && !dst->body) || dst->nheaders < c->nheaders) {
		adapter_call_release(dst);
		return -1;
	}
	return 0;
}

/* Hands relayed call X to the receiver; it is answered through its ticket. */
static void relay_start(struct sender *s, struct sender_xfer *x)
{
	struct adapter_call copy;
	long timeout = x->call.timeout_s > 0 ? x->call.timeout_s : (long)SENDER_SEND_TIMEOUT;

	x->ticket = ++s->tickets;
	x->deadline = clock_mono_ms() + (int64_t)timeout * 1000;
	sender_wake_at(s, x->deadline);
	if (!s->relay)
		sender_relay_done(s, x->ticket, 0, NULL, 0, "nothing relays this channel's calls");
	else if (call_copy(&copy, &x->call) < 0)
		sender_relay_done(s, x->ticket, 0, NULL, 0, "out of memory");
	else
		s->relay(s->ud, x->sc->ch, &copy, x->ticket);
}

int sender_xfer_start(struct sender *s, struct sender_xfer *x)
{
	if (x->call.relay) {
		x->next = s->xfers;
		s->xfers = x;
		x->sc->inflight += x->kind == SENDER_X_SEND;
		relay_start(s, x);
		return 0;
	}
	if (curl_multi_add_handle(s->multi, x->easy) != CURLM_OK) {
		log_error("sender: cannot start a call on the multi handle");
		xfer_release(x);
		return -1;
	}
	x->next = s->xfers;
	s->xfers = x;
	if (x->kind == SENDER_X_SEND)
		x->sc->inflight++;
	return 0;
}

void sender_xfer_free(struct sender *s, struct sender_xfer *x)
{
	struct sender_xfer **pp;

	for (pp = &s->xfers; *pp; pp = &(*pp)->next) {
		if (*pp == x) {
			*pp = x->next;
			if (x->easy)
				curl_multi_remove_handle(s->multi, x->easy);
			if (x->kind == SENDER_X_SEND)
				x->sc->inflight--;
			break;
		}
	}
	xfer_release(x);
}
