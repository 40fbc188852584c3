/*
 * sender.c - the outbox sender thread: its loop, its scan of the outbox, and
 * what each answer does to a row; see sender.h.
 *
 * One thread owns a libcurl multi handle and a store connection. Each round
 * it reads the pending rows of every channel it delivers for, starts a call
 * for the first row of each chat that is due, has no call in flight and is
 * allowed by the channel's rate limits, then waits in curl_multi_poll() until
 * a call ends, sender_kick() wakes it, a wait runs out, or poll_ms passes
 * (other processes write the outbox too). The channel's adapter builds each
 * call and says what the answer means; this file decides what that does to
 * the row, the chat's pace and the channel's state. Long polls and start-up
 * calls run on the same multi handle (sender_recv.c).
 */
#include "bot/sender_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bot/config.h"
#include "bot/leases.h"
#include "bot/link.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/ratelimit.h"
#include "store/store.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- row outcomes -------------------------------------------------------------- */

static void store_trouble(struct sender *s, const char *what, int64_t id)
{
	log_error("sender: cannot mark message %lld %s: %s", (long long)id, what,
	          store_errmsg(s->store));
}

static void row_sent(struct sender *s, struct sender_xfer *x)
{
	sender_memo_forget(s, x->row_id);
	sender_mark_sent(s, x->row_id); /* written with others; a crash before: it goes again */
	sender_count(s, &x->sc->stats.sent);
}

static void row_dead(struct sender *s, struct sender_chan *sc, int64_t id, const char *chat,
                     const char *error)
{
	char mchat[SENDER_CHAT_LEN], merr[320];

	sender_memo_forget(s, id);
	log_mask(chat, mchat, sizeof(mchat));
	log_mask(error, merr, sizeof(merr));
	log_warn("%s: message %lld to %s given up: %s", sc->ch->name, (long long)id, mchat, merr);
	if (store_outbox_dead(s->store, id, error) < 0)
		store_trouble(s, "dead", id);
	/* A resident's notice may reach them on another of their channels. */
	else if (link_fallback(s->store, s->cfg, id, clock_now()) < 0)
		store_trouble(s, "for another channel", id);
	else
		s->new_rows = 1; /* a row for another channel may have come of it */
	sender_count(s, &sc->stats.failed);
}

/* COUNTER: the channel's figure the retry counts in (a failure, or a hold). */
static void retry_at(struct sender *s, struct sender_xfer *x, int64_t delay_s, const char *error,
                     const char *why, long long *counter)
{
	char mchat[SENDER_CHAT_LEN], merr[320];

	log_mask(x->chat, mchat, sizeof(mchat));
	log_mask(error, merr, sizeof(merr));
	log_warn("%s: message %lld to %s %s (attempt %d): %s; next try in %llds", x->sc->ch->name,
	         (long long)x->row_id, mchat, why, x->attempts + 1, merr, (long long)delay_s);
	if (store_outbox_retry_later(s->store, x->row_id, clock_now() + delay_s, error) < 0)
		store_trouble(s, "for retry", x->row_id);
	sender_count(s, counter);
}

static void row_retry(struct sender *s, struct sender_xfer *x, const char *error)
{
	struct sender_memo *m = sender_memo_find(s, x->row_id);
	int counted = x->attempts - (m ? m->rate_limits : 0);
	int64_t ms;

	if (counted < 0)
		counted = 0;
	if (counted + 1 >= SENDER_MAX_ATTEMPTS) {
		row_dead(s, x->sc, x->row_id, x->chat, error);
		return;
	}
	ms = ratelimit_backoff_ms(counted, SENDER_BACKOFF_CAP_MS, sender_random(s));
	retry_at(s, x, (ms + 999) / 1000, error, "failed", &x->sc->stats.retried);
}

/* Kept for its chat's next message (a closed service window): no failure, no timer. */
static void row_held(struct sender *s, struct sender_xfer *x, const char *error)
{
	char mchat[SENDER_CHAT_LEN], merr[320];

	/* the memo stays: parts already delivered are not sent twice */
	log_mask(x->chat, mchat, sizeof(mchat));
	log_mask(error, merr, sizeof(merr));
	log_info("%s: message %lld to %s kept until the chat writes again: %s", x->sc->ch->name,
	         (long long)x->row_id, mchat, merr);
	if (store_outbox_hold(s->store, x->row_id, error) < 0)
		store_trouble(s, "held", x->row_id);
	sender_count(s, &x->sc->stats.held);
}

/* How long row X waits after a 429: what the platform asked for, else a backoff. */
static int64_t rate_limit_ms(struct sender *s, const struct sender_xfer *x, int retry_after)
{
	struct sender_memo *m;

	if (retry_after > 0)
		return (int64_t)retry_after * 1000;
	m = sender_memo_find(s, x->row_id);
	return ratelimit_backoff_ms(m ? m->rate_limits : 0, SENDER_BACKOFF_CAP_MS,
	                            sender_random(s));
}

/* Held back (not failed): these waits do not count toward the row's attempts. */
static void row_wait(struct sender *s, struct sender_xfer *x, int seconds, const char *error)
{
	struct sender_memo *m;

	if (x->attempts + 1 >= SENDER_MAX_RATE_LIMIT) {
		row_dead(s, x->sc, x->row_id, x->chat, error);
		return;
	}
	m = sender_memo_get(s, x->row_id);
	m->rate_limits++;
	retry_at(s, x, seconds < 1 ? 1 : seconds, error, "held back", &x->sc->stats.held);
}

/*
 * A 429 holds the chat, or the whole channel. When the platform does not
 * say which, two chats held at the same time mean the channel.
 */
static void hold(struct sender_chan *sc, struct sender_xfer *x, int seconds,
                 enum adapter_scope scope)
{
	int64_t now = clock_mono_ms(), until = now + (int64_t)seconds * 1000;

	if (x->chatless || scope == ADAPTER_SCOPE_CHANNEL) {
		ratelimit_hold(sc->rl, NULL, until);
		return;
	}
	ratelimit_hold(sc->rl, x->chat, until);
	if (scope == ADAPTER_SCOPE_CHAT)
		return;
	if (sc->last429_until > now && strcmp(sc->last429_chat, x->chat) != 0) {
		ratelimit_hold(sc->rl, NULL, until);
		log_warn("%s: rate limited in several chats: holding every chat for %ds",
		         sc->ch->name, seconds);
	}
	snprintf(sc->last429_chat, sizeof(sc->last429_chat), "%s", x->chat);
	if (until > sc->last429_until)
		sc->last429_until = until;
}

static void moved(struct sender *s, struct sender_xfer *x, const struct adapter_verdict *v)
{
	char from[SENDER_CHAT_LEN], to[SENDER_CHAT_LEN];

	if (!v->moved_to[0] || strcmp(v->moved_to, x->chat) == 0) {
		row_dead(s, x->sc, x->row_id, x->chat, v->error);
		return;
	}
	if (store_chat_migrate(s->store, x->sc->ch->name, x->chat, v->moved_to) < 0) {
		log_error("%s: cannot move the chat to its new ID: %s", x->sc->ch->name,
		          store_errmsg(s->store));
		row_retry(s, x, v->error);
		return;
	}
	log_mask(x->chat, from, sizeof(from));
	log_mask(v->moved_to, to, sizeof(to));
	log_info("%s: group %s became %s; its messages follow it", x->sc->ch->name, from, to);
	x->sc->q.resync = 1; /* the rows have another chat now */
	/* the row is pending and due under its new chat: the next round sends it */
}

/*
 * Calls failing one after another, on whatever chat, mean the platform is
 * down, not the messages bad: rather than every row spending its attempts
 * (and turning dead within the hour), the channel is held and one call at a
 * time probes it, SENDER_DOWN_FIRST_MS apart and then twice as far each time,
 * up to SENDER_DOWN_CAP_MS.
 * Its rows wait without an attempt counted. 1 when the platform is down.
 */
static int platform_down(struct sender *s, struct sender_chan *sc, const char *error)
{
	char state[SENDER_STATE_LEN], merr[120];

	if (++sc->failures < SENDER_DOWN_AFTER)
		return 0;
	if (!sc->down_ms) {
		sc->down_ms = SENDER_DOWN_FIRST_MS;
		log_mask(error, merr, sizeof(merr));
		snprintf(state, sizeof(state),
		         "error: the platform fails every call (%s); trying again", merr);
		sender_set_state(s, sc, LOG_WARN, state);
	} else if (sc->down_ms < SENDER_DOWN_CAP_MS) {
		sc->down_ms =
		        sc->down_ms * 2 > SENDER_DOWN_CAP_MS ? SENDER_DOWN_CAP_MS : sc->down_ms * 2;
	}
	ratelimit_hold(sc->rl, NULL, clock_mono_ms() + sc->down_ms);
	return 1;
}

static void platform_up(struct sender *s, struct sender_chan *sc)
{
	sc->failures = 0;
	if (!sc->down_ms)
		return;
	sc->down_ms = 0;
	sender_set_state(s, sc, LOG_INFO,
	                 sc->ch->a->base_state ? sc->ch->a->base_state(sc->ch) : "on");
}

static void send_done(struct sender *s, struct sender_xfer *x, long status, long retry_after,
                      const char *neterr)
{
	struct sender_chan *sc = x->sc;
	struct adapter_verdict v;
	int64_t ms;

	memset(&v, 0, sizeof(v));
	sc->ch->a->classify(sc->ch, &x->call, status, x->resp, x->resp_len, retry_after, neterr,
	                    &v);
	if (v.outcome == ADAPTER_REFUSED) {
		/* every row would die of it: wait for the operator instead */
		sc->refused = 1;
		if (sender_set_state(s, sc, -1,
		                     v.state[0] ? v.state : "error: credentials refused"))
			log_error("%s: credentials refused: %s", sc->ch->name, v.error);
		ratelimit_hold(sc->rl, NULL, clock_mono_ms() + SENDER_REFUSED_MS);
		row_wait(s, x, SENDER_REFUSED_MS / 1000, v.error);
		return;
	}
	if (v.state[0])
		sender_set_state(s, sc, strncmp(v.state, "error", 5) == 0 ? LOG_WARN : LOG_INFO,
		                 v.state);
	switch (v.outcome) {
	case ADAPTER_SENT:
		platform_up(s, sc);
		if (x->part + 1 < x->nparts)
			sender_memo_get(s, x->row_id)->parts_done = x->part + 1;
		else
			row_sent(s, x);
		if (sc->refused) {
			sc->refused = 0;
			sender_set_state(s, sc, LOG_INFO, sc->ch->a->base_state(sc->ch));
		}
		break;
	case ADAPTER_MOVED:
		moved(s, x, &v);
		break;
	case ADAPTER_RATE_LIMITED:
		ms = rate_limit_ms(s, x, v.retry_after);
		hold(sc, x, (int)((ms + 999) / 1000), v.scope);
		row_wait(s, x, (int)((ms + 999) / 1000), v.error);
		break;
	case ADAPTER_RETRY:
		if (platform_down(s, sc, v.error))
			row_wait(s, x, (int)(sc->down_ms / 1000), v.error);
		else
			row_retry(s, x, v.error);
		break;
	case ADAPTER_HELD:
		row_held(s, x, v.error);
		break;
	case ADAPTER_DEAD:
	case ADAPTER_REFUSED:
		row_dead(s, sc, x->row_id, x->chat, v.error);
		break;
	}
}

/* ---- relayed calls ---------------------------------------------------------------- */

static struct sender_xfer *relayed(struct sender *s, uint64_t ticket)
{
	struct sender_xfer *x;

	for (x = s->xfers; x; x = x->next)
		if (x->ticket == ticket)
			return x;
	return NULL;
}

/* A relayed call answered (or given up on): what it means for its row. */
static void relay_finish(struct sender *s, struct sender_xfer *x, long status, const char *neterr)
{
	if (x->kind == SENDER_X_SEND) {
		send_done(s, x, status, 0, status ? NULL : neterr);
		sender_queue_done(s, x->sc, x->chat, x->row_id);
		s->scan_now = 1; /* the chat is free for its next row */
	}
	sender_xfer_free(s, x);
}

/* The answers that came for relayed calls, and the calls that waited too long. */
static void relay_round(struct sender *s, int64_t now)
{
	struct sender_answer *list, *a;
	struct sender_xfer *x, *next;
	char why[64];

	pthread_mutex_lock(&s->mu);
	list = s->answers;
	s->answers = NULL;
	pthread_mutex_unlock(&s->mu);
	while ((a = list)) {
		list = a->next;
		if ((x = relayed(s, a->ticket)) != NULL) {
			x->resp = a->body; /* the transfer's now */
			x->resp_len = a->len;
			a->body = NULL;
			relay_finish(s, x, a->status, a->neterr);
		}
		free(a->body);
		free(a);
	}
	for (x = s->xfers; x; x = next) {
		next = x->next;
		if (x->ticket && now >= x->deadline) {
			snprintf(why, sizeof(why), "no answer within %lds",
			         x->call.timeout_s > 0 ? x->call.timeout_s
			                               : (long)SENDER_SEND_TIMEOUT);
			relay_finish(s, x, 0, why);
		}
	}
}

/* Stopping: the service thread no longer answers; the rows stay queued. */
static int relay_drop(struct sender *s)
{
	struct sender_xfer *x, *next;
	int n = 0;

	for (x = s->xfers; x; x = next) {
		next = x->next;
		if (x->ticket) {
			n += x->kind == SENDER_X_SEND;
			sender_xfer_free(s, x);
		}
	}
	return n;
}

void sender_relay_done(struct sender *s, uint64_t ticket, long status, const char *body, size_t len,
                       const char *neterr)
{
	struct sender_answer *a, **tail;

	if (!s || !(a = calloc(1, sizeof(*a))))
		return; /* the call times out instead */
	a->ticket = ticket;
	a->status = status;
	if (body && (a->body = malloc(len + 1)) != NULL) {
		memcpy(a->body, body, len);
		a->body[len] = '\0';
		a->len = len;
	}
	snprintf(a->neterr, sizeof(a->neterr), "%s", neterr ? neterr : "");
	pthread_mutex_lock(&s->mu);
	for (tail = &s->answers; *tail; tail = &(*tail)->next)
		;
	*tail = a;
	if (s->multi_alive)
		curl_multi_wakeup(s->multi);
	pthread_mutex_unlock(&s->mu);
}

/* ---- the scan ----------------------------------------------------------------- */

static int chat_busy(struct sender *s, const struct sender_chan *sc, const char *chat)
{
	const struct sender_xfer *x;

	for (x = s->xfers; x; x = x->next)
		if (x->kind == SENDER_X_SEND && x->sc == sc && strcmp(x->chat, chat) == 0)
			return 1;
	return 0;
}

static int row_in_flight(struct sender *s, int64_t id)
{
	const struct sender_xfer *x;

	for (x = s->xfers; x; x = x->next)
		if (x->kind == SENDER_X_SEND && x->row_id == id)
			return 1;
	return 0;
}

/* Starts the call for row M. */
static void start_send(struct sender *s, struct sender_chan *sc, const struct store_outbox *m,
                       int chatless, int64_t now)
{
	struct adapter_call call;
	struct sender_memo *memo;
	struct sender_xfer *x;
	char err[256] = "";
	int n, part;
	int64_t wait;

	/* a call that is no message to the chat has no per-chat pace, only the channel's */
	wait = ratelimit_wait(sc->rl, chatless ? NULL : m->chat, now);
	if (wait > 0) {
		sender_wake_at(s, now + wait);
		return;
	}
	memo = sender_memo_find(s, m->id);
	part = memo ? memo->parts_done : 0;
	memset(&call, 0, sizeof(call));
	n = sc->ch->a->build(sc->ch, m->id, m->chat, m->payload, part, &call, err, sizeof(err));
	if (n < 0) {
		adapter_call_release(&call);
		row_dead(s, sc, m->id, m->chat, err[0] ? err : "cannot be sent");
		sender_queue_done(s, sc, m->chat, m->id);
		return;
	}
	chatless = chatless || call.chatless;
	x = sender_xfer_new(SENDER_X_SEND, sc, &call);
	if (!x) {
		sender_wake_at(s, now + 1000);
		return;
	}
	x->row_id = m->id;
	snprintf(x->chat, sizeof(x->chat), "%s", m->chat);
	x->attempts = m->attempts;
	x->part = part < n ? part : n - 1;
	x->nparts = n;
	x->chatless = chatless;
	if (sender_xfer_start(s, x) < 0) {
		sender_wake_at(s, now + 1000);
		return;
	}
	ratelimit_take(sc->rl, chatless ? NULL : m->chat, now);
}

/* Starts row ID (read again: another process may have changed it) when it is still waiting. */
struct visit {
	struct sender *s;
	struct sender_chan *sc;
	int64_t now, wall;
	int found;
	int lost; /* another server claimed it */
};

static int visit_row(const struct store_outbox *m, void *ud)
{
	struct visit *v = ud;
	const struct adapter *a = v->sc->ch->a;

	if (strcmp(m->status, "pending") != 0)
		return 1;
	v->found = 1;
	/*
	 * Several servers on one database: the row goes through the one that
	 * claims it. Another's claim holds the chat there, in its order.
	 */
	if (store_shared(v->s->store) &&
	    (!leases_held(v->s->leases, v->s->alive) ||
	     store_outbox_claim(v->s->store, m->id, v->s->owner, v->wall,
	                        v->wall + SENDER_CLAIM_S) != 1)) {
		v->lost = 1;
		return 1;
	}
	start_send(v->s, v->sc, m, a->chatless && m->payload && a->chatless(m->payload), v->now);
	return 1;
}

/*
 * Whether the loop may go on to the next row: 0 when the channel has no
 * room for another call, or its own rate limit holds every chat.
 */
static int visit(struct sender *s, struct sender_chan *sc, int64_t id, const char *chat,
                 int64_t next_at, int button, int64_t now, int64_t wall, int *lost)
{
	struct visit v = {.s = s, .sc = sc, .now = now};
	int64_t wait;

	if (row_in_flight(s, id) || (!button && chat_busy(s, sc, chat)))
		return 1;
	if (next_at > wall) {
		sender_wake_at(s, now + (next_at - wall) * 1000);
		return 1;
	}
	if (sc->inflight >= (sc->down_ms ? 1 : SENDER_MAX_INFLIGHT))
		return 0; /* a call that ends starts the next round */
	if ((wait = ratelimit_wait(sc->rl, NULL, now)) > 0) {
		sender_wake_at(s, now + wait);
		return 0;
	}
	if (sender_marked(s, id)) { /* sent: its mark is not written yet */
		sender_queue_done(s, sc, chat, id);
		return 1;
	}
	v.wall = wall;
	if (store_outbox_get(s->store, id, visit_row, &v) < 0)
		return 1;
	if (v.lost) {
		if (lost)
			*lost = 1;
		return 1;
	}
	if (!v.found) /* sent or given up by someone else: the chat's next row */
		sender_queue_done(s, sc, chat, id);
	return 1;
}

static int visit_head(struct sender *s, struct sender_chan *sc, struct sender_head *h, int64_t now,
                      int64_t wall)
{
	char chat[SENDER_CHAT_LEN];
	int lost = 0, rc;

	memcpy(chat, h->chat, sizeof(chat)); /* the visit may drop H */
	rc = visit(s, sc, h->id, chat, h->next_at, 0, now, wall, &lost);
	if (lost) /* claimed by another server: look again once its claim may be over */
		h->next_at = wall + SENDER_CLAIM_RETRY_S;
	return rc;
}

static int by_id(const void *a, const void *b)
{
	int64_t x = ((const struct sender_fresh *)a)->id, y = ((const struct sender_fresh *)b)->id;

	return x < y ? -1 : x > y;
}

/* The chats whose head changed, oldest row first; 0 when the round stops there. */
static int visit_fresh(struct sender *s, struct sender_chan *sc, int64_t now, int64_t wall)
{
	struct sender_queue *q = &sc->q;
	struct sender_fresh f[SENDER_FRESH];
	struct sender_head *h;
	size_t i, j, n = 0;

	for (i = 0; i < q->nfresh; i++) {
		if (!(h = sender_queue_find(q, q->fresh[i])))
			continue;
		memcpy(f[n].chat, h->chat, sizeof(f[n].chat));
		f[n++].id = h->id;
	}
	q->nfresh = 0;
	if (n > 1)
		qsort(f, n, sizeof(f[0]), by_id);
	for (i = 0; i < n; i++) {
		if (!(h = sender_queue_find(q, f[i].chat)))
			continue; /* gone with an earlier visit */
		if (!visit_head(s, sc, h, now, wall)) {
			for (j = i; j < n; j++) /* first in the next round */
				sender_queue_fresh(q, f[j].chat);
			return 0;
		}
	}
	return 1;
}

/* The pass over every head goes on where it stopped; 0 when the round stops there. */
static int visit_pass(struct sender *s, struct sender_chan *sc, int64_t now, int64_t wall)
{
	struct sender_queue *q = &sc->q;

	if (q->fresh_lost) {
		q->fresh_lost = 0;
		q->pass = q->n;
	}
	while (q->pass && q->n) {
		if (q->cursor >= q->n)
			q->cursor = 0;
		if (!visit_head(s, sc, q->v[q->cursor], now, wall))
			return 0;
		q->cursor++;
		q->pass--;
	}
	return 1;
}

/*
 * One channel's round: the answers to pressed buttons (they wait in no
 * line: until answered the button spins, and the press expires), then the
 * chats whose head changed and the pass over every head, taking turns at
 * going first: a busy hour does not hold an old backlog back, nor the
 * backlog the conversations going on. A pass starts when the timer runs
 * out, so a round after a call ends costs what changed, not the backlog.
 */
static void scan_chan(struct sender *s, struct sender_chan *sc, int timer, int64_t now,
                      int64_t wall)
{
	struct sender_queue *q = &sc->q;
	size_t i;

	if (timer)
		q->pass = q->n;
	for (i = 0; i < q->nbtn; i++) {
		struct sender_button b = q->btn[i];

		if (!visit(s, sc, b.id, b.chat, b.next_at, 1, now, wall, NULL))
			return;
	}
	q->turn = !q->turn;
	if (q->turn && !visit_pass(s, sc, now, wall))
		return;
	if (q->nfresh && !visit_fresh(s, sc, now, wall))
		return;
	if (!q->turn)
		visit_pass(s, sc, now, wall);
}

static void scan(struct sender *s, int64_t now)
{
	int64_t wall = clock_now();
	int failed = 0, timer = now >= s->scan_at;
	/* rows come from a commit (a kick), this thread's fallback, another process (the timer) */
	int news = s->new_rows || timer || s->store_failing;
	size_t i;

	s->scan_now = 0;
	s->new_rows = 0;
	if (timer)
		s->scan_at = now + s->poll_ms; /* the pass sets an earlier wake when one is due */
	for (i = 0; i < s->nchans; i++) {
		if (!s->chans[i].on)
			continue;
		if (sender_queue_read(s, &s->chans[i], now, news) < 0)
			failed = 1;
		else
			scan_chan(s, &s->chans[i], timer, now, wall);
	}
	if (failed && !s->store_failing)
		log_error("sender: cannot read the outbox: %s", store_errmsg(s->store));
	else if (!failed && s->store_failing)
		log_info("sender: the outbox can be read again");
	s->store_failing = failed;
	if (now - s->last_prune >= 60000) {
		for (i = 0; i < s->nchans; i++)
			if (s->chans[i].rl)
				ratelimit_prune(s->chans[i].rl, now);
		s->last_prune = now;
	}
}

/* ---- the loop ------------------------------------------------------------------ */

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
	if (x->kind == SENDER_X_SEND) {
		send_done(s, x, status, (long)retry_after, neterr);
		sender_queue_done(s, x->sc, x->chat, x->row_id);
		s->scan_now = 1; /* the chat is free for its next row */
	} else {
		sender_recv_done(s, x, status, (long)retry_after, neterr);
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
		if (s->scan_now)
			return 0;
		t = sender_recv_wait(s, now, t);
	}
	if (s->nmarks && s->marks_due - now < t)
		t = s->marks_due - now;
	if (t < 0)
		t = 0;
	if (t > s->poll_ms)
		t = s->poll_ms;
	return (int)t;
}

/* Batches the service thread committed (or lost) since the last round. */
static void take_confirmations(struct sender *s)
{
	int64_t next;
	size_t i;
	int done;

	for (i = 0; i < s->nchans; i++) {
		pthread_mutex_lock(&s->mu);
		done = s->chans[i].done_pending;
		next = s->chans[i].done_offset;
		s->chans[i].done_pending = 0;
		pthread_mutex_unlock(&s->mu);
		if (done)
			sender_recv_confirmed(s, &s->chans[i], next);
	}
}

static void *run(void *arg)
{
	struct sender *s = arg;
	int kicked, stopping, grace = 0, running, draining = 0, abandoned = 0;
	int64_t now, deadline = 0;
	struct sender_xfer *x;

	for (;;) {
		pthread_mutex_lock(&s->mu);
		kicked = s->kicked;
		s->kicked = 0;
		stopping = s->stopping;
		grace = s->grace_ms;
		pthread_mutex_unlock(&s->mu);
		now = clock_mono_ms();

		if (stopping && !draining) {
			draining = 1;
			deadline = now + (grace > 0 ? grace : 0);
			sender_recv_drop(s);
			abandoned += relay_drop(s);
		}
		if (draining && (!s->xfers || now >= deadline))
			break;
		if (!draining) {
			take_confirmations(s);
			relay_round(s, now);
			s->new_rows |= kicked;
			if (kicked || s->scan_now || now >= s->scan_at)
				scan(s, now);
			sender_recv_round(s, now);
		}
		curl_multi_perform(s->multi, &running);
		collect(s);
		sender_marks_write(s, !draining, clock_mono_ms());
		curl_multi_poll(s->multi, NULL, 0, wait_ms(s, clock_mono_ms(), draining, deadline),
		                NULL);
	}

	while ((x = s->xfers)) {
		abandoned += x->kind == SENDER_X_SEND;
		sender_xfer_free(s, x);
	}
	sender_marks_write(s, 0, 0);
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

static void sender_free(struct sender *s)
{
	size_t i;

	if (!s)
		return;
	if (s->multi)
		curl_multi_cleanup(s->multi);
	while (s->answers) {
		struct sender_answer *a = s->answers;

		s->answers = a->next;
		free(a->body);
		free(a);
	}
	for (i = 0; i < s->nchans; i++) {
		ratelimit_free(s->chans[i].rl);
		sender_queue_free(&s->chans[i].q);
	}
	free(s->chans);
	store_close(s->store);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* One entry per channel whose adapter delivers through the sender. */
static int init_channels(struct sender *s)
{
	struct ratelimit_limits l;
	struct buf line;
	size_t i, n = 0;

	s->chans = calloc(s->cfg->nchans ? s->cfg->nchans : 1, sizeof(*s->chans));
	if (!s->chans)
		return -1;
	buf_init(&line);
	for (i = 0; i < s->cfg->nchans; i++) {
		struct chan *ch = &s->cfg->chans[i];
		struct sender_chan *sc;

		if (!ch->a->build || !ch->a->classify)
			continue;
		sc = &s->chans[n++];
		sc->ch = ch;
		sc->on = ch->a->can_send && ch->a->can_send(ch);
		memset(&l, 0, sizeof(l));
		if (ch->a->limits)
			ch->a->limits(ch, &l);
		sc->rl = ratelimit_new(&l);
		if (!sc->rl) {
			buf_release(&line);
			return -1;
		}
		sender_recv_init(s, sc);
		snprintf(sc->stats.state, SENDER_STATE_LEN, "%s",
		         !sc->on                             ? "off"
		         : sc->poll.state || sc->setup.state ? "starting"
		         : ch->a->base_state                 ? ch->a->base_state(ch)
		                                             : "on");
		buf_printf(&line, "%s%s %s", n > 1 ? ", " : "", ch->name, sc->stats.state);
	}
	s->nchans = n;
	log_info("sender: starting (%s)", buf_str(&line));
	buf_release(&line);
	return 0;
}

struct sender *sender_start(const struct sender_opts *o, char *err, size_t errlen)
{
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
	s->polled = o->polled;
	s->relay = o->relay;
	s->leases = o->leases;
	if (o->cfg->instance) {
		snprintf(s->owner, sizeof(s->owner), "%s", o->cfg->instance);
	} else {
		char host[64] = "";

		gethostname(host, sizeof(host) - 1);
		snprintf(s->owner, sizeof(s->owner), "%s:%ld", host, (long)getpid());
	}
	/* Held while this server lives: others take over its claims once it is gone. */
	snprintf(s->alive, sizeof(s->alive), "server:%s", s->owner);
	(void)leases_held(s->leases, s->alive);
	s->ud = o->ud;
	s->poll_ms = o->poll_ms > 0 ? o->poll_ms : 1000;
	s->rnd = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16) ^ (uint32_t)clock_mono_ms();
	sender_random(s);
	if (store_open(o->db_path, &s->store, err, errlen) < 0)
		goto fail;
	/* what a crash loses of the sender's marks goes again, which delivery allows */
	if (store_lazy_sync(s->store) < 0) {
		snprintf(err, errlen, "sender: %s", store_errmsg(s->store));
		goto fail;
	}
	s->multi = curl_multi_init();
	if (!s->multi || init_channels(s) < 0) {
		snprintf(err, errlen, "sender: out of memory");
		goto fail;
	}
	s->scan_now = 1;
	s->multi_alive = 1;
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

static void wake(struct sender *s)
{
	if (s->multi_alive)
		curl_multi_wakeup(s->multi);
}

const char *sender_owner(const struct sender *s)
{
	return s->owner;
}

void sender_kick(struct sender *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->kicked = 1;
	wake(s);
	pthread_mutex_unlock(&s->mu);
}

void sender_poll_done(struct sender *s, const char *channel, int64_t next_offset)
{
	size_t i;

	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->nchans; i++) {
		if (strcmp(s->chans[i].ch->name, channel) == 0) {
			s->chans[i].done_pending = 1;
			s->chans[i].done_offset = next_offset;
		}
	}
	wake(s);
	pthread_mutex_unlock(&s->mu);
}

void sender_stop(struct sender *s, int grace_ms)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	s->grace_ms = grace_ms;
	wake(s);
	pthread_mutex_unlock(&s->mu);
	if (s->thread_started)
		pthread_join(s->thread, NULL);
	sender_free(s);
}
