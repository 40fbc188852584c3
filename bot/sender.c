/*
 * sender.c - the outbox sender thread: its loop, its transfers and the
 * bookkeeping every channel shares; see sender.h.
 *
 * One thread owns a libcurl multi handle and a store connection. Each round
 * it reads the pending rows of every enabled network channel, starts a call
 * for the first row of each chat that is due, has no call in flight and is
 * allowed by the rate limiter, then waits in curl_multi_poll() until a call
 * ends, sender_kick() wakes it, a wait runs out, or poll_ms passes (other
 * processes write the outbox too). Telegram's long poll and setWebhook run
 * on the same multi handle (sender_tg.c); the generic webhook channel is in
 * sender_generic.c.
 */
#include "bot/sender_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bot/cli.h"
#include "bot/config.h"
#include "bot/ratelimit.h"
#include "store/store.h"

static const char *const chan_names[SENDER_NCHAN] = {"telegram", "generic"};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- clock and randomness ------------------------------------------------------ */

int64_t sender_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Unix seconds for the store. Under CONCIERGE_NOW the clock starts there and
 * moves on, so that rows written at the fake time are due and retries still
 * come due.
 */
int64_t sender_wall(struct sender *s)
{
	if (s->fake_base)
		return s->fake_base + (sender_mono_ms() - s->mono_base) / 1000;
	return (int64_t)time(NULL);
}

uint32_t sender_random(struct sender *s)
{
	uint32_t x = s->rnd; /* xorshift32: jitter needs spread, not secrecy */

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	s->rnd = x ? x : 0x9e3779b9u;
	return s->rnd;
}

/* ---- text ---------------------------------------------------------------------- */

void sender_clean_text(char *dst, size_t dstlen, const char *src, size_t n)
{
	size_t i, o = 0, k, need;
	unsigned char c;

	if (!dstlen)
		return;
	for (i = 0; i < n && src[i] && o + 1 < dstlen;) {
		c = (unsigned char)src[i];
		need = c < 0x80         ? 1
		       : (c >> 5) == 6  ? 2
		       : (c >> 4) == 14 ? 3
		       : (c >> 3) == 30 ? 4
		                        : 0;
		if (!need) { /* a stray continuation byte or worse */
			i++;
			continue;
		}
		if (i + need > n || o + need >= dstlen)
			break;
		for (k = 1; k < need; k++)
			if (((unsigned char)src[i + k] >> 6) != 2)
				break;
		if (k < need) {
			i++;
			continue;
		}
		if (need == 1 && (c < 0x20 || c == 0x7f))
			dst[o++] = ' ';
		else
			for (k = 0; k < need; k++)
				dst[o++] = src[i + k];
		i += need;
	}
	dst[o] = '\0';
}

/* ---- status -------------------------------------------------------------------- */

int sender_set_state(struct sender *s, enum sender_chan ch, int level, const char *fmt, ...)
{
	char raw[SENDER_STATE_LEN * 2], state[SENDER_STATE_LEN], masked[SENDER_STATE_LEN];
	int changed;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	sender_clean_text(state, sizeof(state), raw, sizeof(raw));
	pthread_mutex_lock(&s->mu);
	changed = strcmp(s->stats[ch].state, state) != 0;
	if (changed)
		memcpy(s->stats[ch].state, state, sizeof(state));
	pthread_mutex_unlock(&s->mu);
	if (changed && level >= 0) {
		log_mask(state, masked, sizeof(masked));
		log_msg((enum log_level)level, "%s: %s", chan_names[ch], masked);
	}
	return changed;
}

int sender_state_is(struct sender *s, enum sender_chan ch, const char *state)
{
	int same;

	pthread_mutex_lock(&s->mu);
	same = strcmp(s->stats[ch].state, state) == 0;
	pthread_mutex_unlock(&s->mu);
	return same;
}

void sender_status_json(struct sender *s, char *out, size_t outlen)
{
	json_t *o = json_object();
	size_t n = 0;
	int ch;

	if (!outlen)
		return;
	pthread_mutex_lock(&s->mu);
	for (ch = 0; o && ch < SENDER_NCHAN; ch++) {
		const struct sender_stats *st = &s->stats[ch];

		json_object_set_new(o, chan_names[ch],
		                    json_pack("{s:s,s:I,s:I,s:I}", "state", st->state, "sent",
		                              (json_int_t)st->sent, "failed",
		                              (json_int_t)st->failed, "retried",
		                              (json_int_t)st->retried));
	}
	pthread_mutex_unlock(&s->mu);
	if (o)
		n = json_dumpb(o, out, outlen, JSON_COMPACT);
	json_decref(o);
	if (n == 0 || n >= outlen)
		snprintf(out, outlen, "{}");
	else
		out[n] = '\0';
}

static void count(struct sender *s, long long *field)
{
	pthread_mutex_lock(&s->mu);
	(*field)++;
	pthread_mutex_unlock(&s->mu);
}

/* ---- row memo ------------------------------------------------------------------ */

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

/* ---- row outcomes -------------------------------------------------------------- */

static void store_trouble(struct sender *s, const char *what, int64_t id)
{
	log_error("sender: cannot mark message %lld %s: %s", (long long)id, what,
	          store_errmsg(s->store));
}

void sender_row_sent(struct sender *s, struct sender_xfer *x)
{
	sender_memo_forget(s, x->row_id);
	if (store_outbox_sent(s->store, x->row_id, sender_wall(s)) < 0)
		store_trouble(s, "sent", x->row_id); /* it goes again: at least once */
	count(s, &s->stats[x->ch].sent);
}

void sender_row_dead(struct sender *s, enum sender_chan ch, int64_t id, const char *chat,
                     const char *error)
{
	char mchat[SENDER_CHAT_LEN], merr[320];

	sender_memo_forget(s, id);
	log_mask(chat, mchat, sizeof(mchat));
	log_mask(error, merr, sizeof(merr));
	log_warn("%s: message %lld to %s given up: %s", chan_names[ch], (long long)id, mchat, merr);
	if (store_outbox_dead(s->store, id, error) < 0)
		store_trouble(s, "dead", id);
	count(s, &s->stats[ch].failed);
}

static void retry_at(struct sender *s, struct sender_xfer *x, int64_t delay_s, const char *error,
                     const char *why)
{
	char mchat[SENDER_CHAT_LEN], merr[320];

	log_mask(x->chat, mchat, sizeof(mchat));
	log_mask(error, merr, sizeof(merr));
	log_warn("%s: message %lld to %s %s (attempt %d): %s; next try in %llds", chan_names[x->ch],
	         (long long)x->row_id, mchat, why, x->attempts + 1, merr, (long long)delay_s);
	if (store_outbox_retry_later(s->store, x->row_id, sender_wall(s) + delay_s, error) < 0)
		store_trouble(s, "for retry", x->row_id);
	count(s, &s->stats[x->ch].retried);
}

void sender_row_retry(struct sender *s, struct sender_xfer *x, const char *error)
{
	struct sender_memo *m = sender_memo_find(s, x->row_id);
	int counted = x->attempts - (m ? m->rate_limits : 0);
	int64_t ms;

	if (counted < 0)
		counted = 0;
	if (counted + 1 >= SENDER_MAX_ATTEMPTS) {
		sender_row_dead(s, x->ch, x->row_id, x->chat, error);
		return;
	}
	ms = ratelimit_backoff_ms(counted, SENDER_BACKOFF_CAP_MS, sender_random(s));
	retry_at(s, x, (ms + 999) / 1000, error, "failed");
}

int64_t sender_rate_limit_ms(struct sender *s, const struct sender_xfer *x, long retry_after)
{
	struct sender_memo *m;

	if (retry_after > 0)
		return (int64_t)retry_after * 1000;
	m = sender_memo_find(s, x->row_id);
	return ratelimit_backoff_ms(m ? m->rate_limits : 0, SENDER_BACKOFF_CAP_MS,
	                            sender_random(s));
}

void sender_row_wait(struct sender *s, struct sender_xfer *x, int seconds, const char *error)
{
	struct sender_memo *m;

	if (x->attempts + 1 >= SENDER_MAX_RATE_LIMIT) {
		sender_row_dead(s, x->ch, x->row_id, x->chat, error);
		return;
	}
	m = sender_memo_get(s, x->row_id);
	m->rate_limits++;
	retry_at(s, x, seconds < 1 ? 1 : seconds, error, "held back");
}

/* ---- transfers ----------------------------------------------------------------- */

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
	struct sender_xfer *x = ud;
	size_t len = size * nmemb, cap;
	char *r;

	if (x->resp_len + len + 1 > x->resp_max) {
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
	free(x->url);
	free(x->body);
	free(x->resp);
	free(x);
}

struct sender_xfer *sender_xfer_new(enum sender_xkind kind, enum sender_chan ch, char *url,
                                    char *body, long timeout_s, size_t resp_max)
{
	struct sender_xfer *x = calloc(1, sizeof(*x));
	CURL *e;

	if (!x || !url || !body || !(x->easy = curl_easy_init())) {
		if (x)
			xfer_release(x);
		free(url);
		free(body);
		return NULL;
	}
	x->kind = kind;
	x->ch = ch;
	x->url = url;
	x->body = body;
	x->resp_max = resp_max;
	e = x->easy;
	if (sender_xfer_header(x, "Content-Type: application/json") < 0 ||
	    sender_xfer_header(x, "Expect:") < 0) {
		xfer_release(x);
		return NULL;
	}
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(x->body));
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)SENDER_CONNECT_TIMEOUT);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "concierge");
	return x;
}

int sender_xfer_header(struct sender_xfer *x, const char *header)
{
	struct curl_slist *l = curl_slist_append(x->hdrs, header);

	if (!l)
		return -1;
	x->hdrs = l;
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdrs);
	return 0;
}

/* Takes X: on failure it is freed. */
int sender_xfer_start(struct sender *s, struct sender_xfer *x)
{
	if (curl_multi_add_handle(s->multi, x->easy) != CURLM_OK) {
		log_error("sender: cannot start a call on the multi handle");
		xfer_release(x);
		return -1;
	}
	x->next = s->xfers;
	s->xfers = x;
	if (x->kind == SENDER_X_SEND)
		s->inflight[x->ch]++;
	return 0;
}

void sender_xfer_free(struct sender *s, struct sender_xfer *x)
{
	struct sender_xfer **pp;

	for (pp = &s->xfers; *pp; pp = &(*pp)->next) {
		if (*pp == x) {
			*pp = x->next;
			curl_multi_remove_handle(s->multi, x->easy);
			if (x->kind == SENDER_X_SEND)
				s->inflight[x->ch]--;
			break;
		}
	}
	xfer_release(x);
}

/* ---- the round ----------------------------------------------------------------- */

void sender_wake_at(struct sender *s, int64_t at_ms)
{
	if (at_ms < s->scan_at)
		s->scan_at = at_ms;
}

static int chat_busy(struct sender *s, enum sender_chan ch, const char *chat)
{
	const struct sender_xfer *x;

	for (x = s->xfers; x; x = x->next)
		if (x->kind == SENDER_X_SEND && x->ch == ch && strcmp(x->chat, chat) == 0)
			return 1;
	return 0;
}

struct scan {
	struct sender *s;
	enum sender_chan ch;
	int64_t now, wall;
};

static int row_in_flight(struct sender *s, int64_t id)
{
	const struct sender_xfer *x;

	for (x = s->xfers; x; x = x->next)
		if (x->kind == SENDER_X_SEND && x->row_id == id)
			return 1;
	return 0;
}

/*
 * Rows come oldest first: the first one met of each chat is its head. The
 * answer to a button press is no message and does not queue behind the
 * chat's messages (a 429 may hold those for long): until it is answered the
 * button spins, and the press expires.
 */
static int scan_row(const struct store_outbox *m, void *ud)
{
	struct scan *sc = ud;
	struct sender *s = sc->s;
	size_t i;

	if (sc->ch == SENDER_TELEGRAM && m->payload && strstr(m->payload, "\"answer_callback\"")) {
		if (row_in_flight(s, m->id))
			return 0;
		if (m->next_at > sc->wall) {
			sender_wake_at(s, sc->now + (m->next_at - sc->wall) * 1000);
			return 0;
		}
		if (s->inflight[sc->ch] >= SENDER_MAX_INFLIGHT)
			return 1;
		sender_tg_start_send(s, m->chat, m->id, m->attempts, m->payload, sc->now);
		return 0;
	}
	for (i = 0; i < s->nseen; i++)
		if (strcmp(s->seen[i], m->chat) == 0)
			return 0;
	if (s->nseen < SENDER_SCAN_LIMIT)
		snprintf(s->seen[s->nseen++], SENDER_CHAT_LEN, "%s", m->chat);
	if (chat_busy(s, sc->ch, m->chat))
		return 0;
	if (m->next_at > sc->wall) {
		sender_wake_at(s, sc->now + (m->next_at - sc->wall) * 1000);
		return 0;
	}
	if (s->inflight[sc->ch] >= SENDER_MAX_INFLIGHT)
		return 1; /* a call that ends starts the next round */
	if (sc->ch == SENDER_TELEGRAM)
		sender_tg_start_send(s, m->chat, m->id, m->attempts, m->payload, sc->now);
	else
		sender_gen_start_send(s, m->chat, m->id, m->attempts, m->payload, sc->now);
	return 0;
}

static void scan(struct sender *s, int64_t now)
{
	struct scan sc = {.s = s, .now = now, .wall = sender_wall(s)};
	int ch, failed = 0;

	s->scan_now = 0;
	s->scan_at = now + s->poll_ms;
	for (ch = 0; ch < SENDER_NCHAN; ch++) {
		if (!s->on[ch])
			continue;
		sc.ch = (enum sender_chan)ch;
		s->nseen = 0;
		if (store_outbox_pending_on(s->store, chan_names[ch], SENDER_SCAN_LIMIT, scan_row,
		                            &sc) < 0)
			failed = 1;
	}
	if (failed && !s->store_failing)
		log_error("sender: cannot read the outbox: %s", store_errmsg(s->store));
	else if (!failed && s->store_failing)
		log_info("sender: the outbox can be read again");
	s->store_failing = failed;
	if (now - s->last_prune >= 60000) {
		for (ch = 0; ch < SENDER_NCHAN; ch++)
			if (s->rl[ch])
				ratelimit_prune(s->rl[ch], now);
		s->last_prune = now;
	}
}

static void finish(struct sender *s, struct sender_xfer *x, CURLcode rc)
{
	long status = 0;
	curl_off_t retry_after = 0;
	const char *neterr = NULL;

	if (rc == CURLE_OK) {
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &retry_after);
	} else {
		neterr = x->overflow    ? "answer too large"
		         : x->errbuf[0] ? x->errbuf
		                        : curl_easy_strerror(rc);
	}
	if (retry_after < 0 || retry_after > 86400)
		retry_after = retry_after < 0 ? 0 : 86400;
	switch (x->kind) {
	case SENDER_X_SEND:
		if (x->ch == SENDER_TELEGRAM)
			sender_tg_send_done(s, x, status, (long)retry_after, neterr);
		else
			sender_gen_send_done(s, x, status, (long)retry_after, neterr);
		s->scan_now = 1; /* the chat is free for its next row */
		break;
	case SENDER_X_POLL:
		sender_tg_poll_done(s, x, status, (long)retry_after, neterr);
		break;
	case SENDER_X_WEBHOOK:
		sender_tg_hook_done(s, x, status, (long)retry_after, neterr);
		break;
	}
	sender_xfer_free(s, x);
}

static void collect(struct sender *s)
{
	CURLMsg *msg;
	char *priv;
	int left;

	while ((msg = curl_multi_info_read(s->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		priv = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		if (priv)
			finish(s, (struct sender_xfer *)(void *)priv, msg->data.result);
	}
}

static int wait_ms(struct sender *s, int64_t now, int draining, int64_t deadline)
{
	int64_t t = s->scan_at - now;

	if (draining) {
		t = deadline - now;
	} else {
		if (s->scan_now || s->poll == SENDER_POLL_READY || s->hook == SENDER_HOOK_READY)
			return 0;
		if ((s->poll == SENDER_POLL_WAIT || s->poll == SENDER_POLL_HANDED) &&
		    s->poll_at - now < t)
			t = s->poll_at - now;
		if (s->hook == SENDER_HOOK_WAIT && s->hook_at - now < t)
			t = s->hook_at - now;
	}
	if (t < 0)
		t = 0;
	if (t > s->poll_ms)
		t = s->poll_ms;
	return (int)t;
}

/* Long poll and setWebhook have nothing to lose: they end at once on stop. */
static void drop_receivers(struct sender *s)
{
	struct sender_xfer *x, *next;

	for (x = s->xfers; x; x = next) {
		next = x->next;
		if (x->kind != SENDER_X_SEND)
			sender_xfer_free(s, x);
	}
	s->poll = SENDER_POLL_OFF;
	s->hook = SENDER_HOOK_OFF;
}

static void save_offset(struct sender *s)
{
	char v[32];

	if (s->offset <= 0 || s->offset == s->saved_offset)
		return;
	snprintf(v, sizeof(v), "%lld", (long long)s->offset);
	if (store_kv_set(s->store, "telegram.offset", v) < 0)
		log_warn("telegram: cannot save the update offset: %s", store_errmsg(s->store));
	else
		s->saved_offset = s->offset;
}

static void *run(void *arg)
{
	struct sender *s = arg;
	int kicked, stopping, grace = 0, done, running, draining = 0, abandoned = 0;
	int64_t now, off = 0, deadline = 0;
	struct sender_xfer *x;

	for (;;) {
		pthread_mutex_lock(&s->mu);
		kicked = s->kicked;
		s->kicked = 0;
		stopping = s->stopping;
		grace = s->grace_ms;
		done = s->done_pending;
		s->done_pending = 0;
		off = s->done_offset;
		pthread_mutex_unlock(&s->mu);
		now = sender_mono_ms();

		if (stopping && !draining) {
			draining = 1;
			deadline = now + (grace > 0 ? grace : 0);
			drop_receivers(s);
		}
		if (draining && (!s->xfers || now >= deadline))
			break;
		if (done && !draining) {
			if (off > 0) {
				s->offset = off;
				save_offset(s);
				if (s->poll == SENDER_POLL_HANDED)
					s->poll = SENDER_POLL_READY;
			} else if (s->poll == SENDER_POLL_HANDED) {
				/* Not committed: ask again, but back off so a message that
				 * keeps failing does not spin the loop. */
				sender_tg_poll_retry(s);
			}
		}
		if (!draining) {
			if (kicked || s->scan_now || now >= s->scan_at)
				scan(s, now);
			if (s->poll == SENDER_POLL_HANDED && now >= s->poll_at)
				log_warn("telegram: a batch of updates was not confirmed within "
				         "%ds; "
				         "asking again",
				         SENDER_HANDED_MS / 1000);
			if (s->poll == SENDER_POLL_READY ||
			    (s->poll != SENDER_POLL_BUSY && s->poll != SENDER_POLL_OFF &&
			     now >= s->poll_at))
				sender_tg_poll_start(s, now);
			if (s->hook == SENDER_HOOK_READY ||
			    (s->hook == SENDER_HOOK_WAIT && now >= s->hook_at))
				sender_tg_hook_start(s, now);
		}
		curl_multi_perform(s->multi, &running);
		collect(s);
		curl_multi_poll(s->multi, NULL, 0, wait_ms(s, sender_mono_ms(), draining, deadline),
		                NULL);
	}

	while ((x = s->xfers)) {
		abandoned += x->kind == SENDER_X_SEND;
		sender_xfer_free(s, x);
	}
	if (abandoned)
		log_warn("sender: stopped with %d deliveries unfinished; they stay queued",
		         abandoned);
	pthread_mutex_lock(&s->mu);
	s->multi_alive = 0;
	pthread_mutex_unlock(&s->mu);
	curl_multi_cleanup(s->multi);
	s->multi = NULL;
	return NULL;
}

/* ---- the public face ----------------------------------------------------------- */

static void init_channels(struct sender *s)
{
	const struct cfg_telegram *tg = &s->cfg->telegram;
	const struct cfg_generic *gen = &s->cfg->generic;
	char v[32];

	s->on[SENDER_TELEGRAM] = tg->enabled && tg->token && *tg->token && tg->api_base;
	s->on[SENDER_GENERIC] = gen->enabled && gen->callback_url && *gen->callback_url;
	snprintf(s->stats[SENDER_TELEGRAM].state, SENDER_STATE_LEN, "off");
	snprintf(s->stats[SENDER_GENERIC].state, SENDER_STATE_LEN,
	         s->on[SENDER_GENERIC] ? "on" : "off");
	if (!s->on[SENDER_TELEGRAM])
		return;
	if (tg->mode && strcmp(tg->mode, "webhook") == 0) {
		s->tg_base_state = "webhook";
		if (tg->public_url && *tg->public_url)
			s->hook = SENDER_HOOK_READY;
		else
			log_warn("telegram: webhook mode without public_url: setWebhook is left "
			         "to the operator");
	} else if (s->updates) {
		s->tg_base_state = "polling";
		s->poll = SENDER_POLL_READY;
		if (store_kv_get(s->store, "telegram.offset", v, sizeof(v)) == 1)
			s->offset = s->saved_offset = strtoll(v, NULL, 10);
	} else {
		s->tg_base_state = "send-only";
	}
	snprintf(s->stats[SENDER_TELEGRAM].state, SENDER_STATE_LEN, "%s",
	         s->poll != SENDER_POLL_OFF || s->hook != SENDER_HOOK_OFF ? "starting"
	                                                                  : s->tg_base_state);
}

static void sender_free(struct sender *s)
{
	int ch;

	if (!s)
		return;
	if (s->multi)
		curl_multi_cleanup(s->multi);
	for (ch = 0; ch < SENDER_NCHAN; ch++)
		ratelimit_free(s->rl[ch]);
	store_close(s->store);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

struct sender *sender_start(const struct sender_opts *o, char *err, size_t errlen)
{
	const struct cfg_telegram *tg = &o->cfg->telegram;
	struct ratelimit_limits tl = {tg->per_chat_per_sec, tg->per_group_per_min,
	                              tg->global_per_sec, SENDER_RATE_SLACK_MS};
	struct ratelimit_limits none = {0, 0, 0, 0};
	const char *fake = getenv("CONCIERGE_NOW");
	struct sender *s;

	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK) {
		snprintf(err, errlen, "sender: libcurl: %s", curl_easy_strerror(curl_init_rc));
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "sender: out of memory");
		return NULL;
	}
	pthread_mutex_init(&s->mu, NULL);
	s->cfg = o->cfg;
	s->updates = o->updates;
	s->ud = o->ud;
	s->poll_ms = o->poll_ms > 0 ? o->poll_ms : 1000;
	s->mono_base = sender_mono_ms();
	if (fake && *fake)
		s->fake_base = cli_now();
	s->rnd = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16) ^ (uint32_t)s->mono_base;
	sender_random(s);
	if (store_open(o->db_path, &s->store, err, errlen) < 0)
		goto fail;
	s->multi = curl_multi_init();
	s->rl[SENDER_TELEGRAM] = ratelimit_new(&tl);
	s->rl[SENDER_GENERIC] = ratelimit_new(&none);
	if (!s->multi || !s->rl[SENDER_TELEGRAM] || !s->rl[SENDER_GENERIC]) {
		snprintf(err, errlen, "sender: out of memory");
		goto fail;
	}
	init_channels(s);
	s->scan_now = 1;
	s->multi_alive = 1;
	log_info("sender: starting (telegram %s, generic %s)", s->stats[SENDER_TELEGRAM].state,
	         s->stats[SENDER_GENERIC].state);
	if (pthread_create(&s->thread, NULL, run, s) != 0) {
		snprintf(err, errlen, "sender: cannot start the thread");
		goto fail;
	}
	s->thread_started = 1;
	return s;
fail:
	sender_free(s);
	return NULL;
}

void sender_kick(struct sender *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->kicked = 1;
	if (s->multi_alive)
		curl_multi_wakeup(s->multi);
	pthread_mutex_unlock(&s->mu);
}

void sender_poll_done(struct sender *s, int64_t next_offset)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->done_pending = 1;
	s->done_offset = next_offset;
	if (s->multi_alive)
		curl_multi_wakeup(s->multi);
	pthread_mutex_unlock(&s->mu);
}

void sender_stop(struct sender *s, int grace_ms)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	s->grace_ms = grace_ms;
	if (s->multi_alive)
		curl_multi_wakeup(s->multi);
	pthread_mutex_unlock(&s->mu);
	if (s->thread_started)
		pthread_join(s->thread, NULL);
	sender_free(s);
}
