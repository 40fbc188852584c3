/*
 * sender_recv.c - the receivers the sender runs for channels: the long poll
 * of a channel that receives by polling, and a channel's start-up call
 * (registering its webhook), retried until it succeeds.
 *
 * A poll hands each non-empty batch to the service thread and then waits for
 * sender_poll_done() before asking again, so an update is confirmed to the
 * platform only after it was committed. The offset is kept in the store
 * under "<channel>.offset", written by the group commit (batch.c) in the
 * transaction that stores the batch; this file only reads it at start.
 */
#include "bot/sender_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/leases.h"
#include "lib/clock.h"
#include "lib/ratelimit.h"
#include "store/store.h"

static void offset_key(const struct sender_chan *sc, char *key, size_t len)
{
	snprintf(key, len, "%s.offset", sc->ch->name);
}

/* The offset the group commit stored last (at start, or when the poll is taken over). */
static void offset_read(struct sender *s, struct sender_chan *sc)
{
	char key[96], v[32];

	offset_key(sc, key, sizeof(key));
	if (store_kv_get(s->store, key, v, sizeof(v)) == 1)
		sc->offset = strtoll(v, NULL, 10);
}

void sender_recv_init(struct sender *s, struct sender_chan *sc)
{
	const struct adapter *a = sc->ch->a;

	if (!sc->on)
		return;
	if (a->setup_build)
		sc->setup.state = SENDER_RECV_READY;
	if (s->polled && a->polls && a->poll_build && a->polls(sc->ch)) {
		sc->poll.state = SENDER_RECV_READY;
		offset_read(s, sc);
	}
}

static void again(struct sender *s, struct sender_recv_state *r, int64_t ms, int64_t cap)
{
	r->state = SENDER_RECV_WAIT;
	if (ms < 0)
		ms = ratelimit_backoff_ms(r->errors++, cap, sender_random(s));
	r->at = clock_mono_ms() + ms;
}

void sender_recv_confirmed(struct sender *s, struct sender_chan *sc, int64_t next)
{
	if (next > 0) {
		/* The group commit that confirmed the batch stored NEXT with it. */
		sc->offset = next;
		if (sc->poll.state == SENDER_RECV_HANDED)
			sc->poll.state = SENDER_RECV_READY;
	} else if (sc->poll.state == SENDER_RECV_HANDED) {
		/* Not committed: ask again, but back off so a message that keeps failing
		 * does not spin the loop. */
		again(s, &sc->poll, -1, SENDER_POLL_CAP_MS);
	}
}

static int due(const struct sender_recv_state *r, int64_t now)
{
	return r->state == SENDER_RECV_READY ||
	       ((r->state == SENDER_RECV_WAIT || r->state == SENDER_RECV_HANDED) && now >= r->at);
}

static void start_poll(struct sender *s, struct sender_chan *sc, int64_t now)
{
	struct adapter_call call;
	struct sender_xfer *x;

	if (sc->poll.state == SENDER_RECV_HANDED)
		log_warn("%s: a batch of updates was not confirmed within %ds; asking again",
		         sc->ch->name, SENDER_HANDED_MS / 1000);
	memset(&call, 0, sizeof(call));
	if (sc->ch->a->poll_build(sc->ch, sc->offset, &call) < 0) {
		adapter_call_release(&call);
		again(s, &sc->poll, 1000, 0);
		return;
	}
	x = sender_xfer_new(SENDER_X_POLL, sc, &call);
	if (!x || sender_xfer_start(s, x) < 0) {
		sc->poll.state = SENDER_RECV_WAIT;
		sc->poll.at = now + 1000;
		return;
	}
	sc->poll.state = SENDER_RECV_BUSY;
}

static void start_setup(struct sender *s, struct sender_chan *sc, int64_t now)
{
	struct adapter_call call;
	struct sender_xfer *x;
	int rc;

	memset(&call, 0, sizeof(call));
	rc = sc->ch->a->setup_build(sc->ch, &call);
	if (rc <= 0) {
		adapter_call_release(&call);
		sc->setup.state = SENDER_RECV_OFF; /* nothing to set up, or it cannot be */
		if (rc == 0 && sc->stats.state[0] == 's')
			sender_set_state(s, sc, LOG_INFO, sc->ch->a->base_state(sc->ch));
		return;
	}
	x = sender_xfer_new(SENDER_X_SETUP, sc, &call);
	if (!x || sender_xfer_start(s, x) < 0) {
		sc->setup.state = SENDER_RECV_WAIT;
		sc->setup.at = now + 1000;
		return;
	}
	sc->setup.state = SENDER_RECV_BUSY;
}

/*
 * 1 when this server is the one polling SC: with several servers on one
 * database, one long poll per bot (a platform answers a second one with a
 * conflict). Taking the poll over reads the offset the last holder stored.
 */
static int poll_lease(struct sender *s, struct sender_chan *sc)
{
	char name[LEASES_NAME_LEN];
	int held;

	snprintf(name, sizeof(name), "poll:%s", sc->ch->name);
	held = leases_held(s->leases, name);
	if (held && !sc->poll_held && s->leases)
		offset_read(s, sc);
	if (!held && sc->poll_held)
		sender_set_state(s, sc, LOG_INFO, "standby: another server polls");
	sc->poll_held = held;
	return held;
}

void sender_recv_round(struct sender *s, int64_t now)
{
	size_t i;

	for (i = 0; i < s->nchans; i++) {
		struct sender_chan *sc = &s->chans[i];

		if (sc->poll.state != SENDER_RECV_OFF && sc->poll.state != SENDER_RECV_BUSY &&
		    due(&sc->poll, now) && poll_lease(s, sc))
			start_poll(s, sc, now);
		if (sc->setup.state != SENDER_RECV_OFF && sc->setup.state != SENDER_RECV_BUSY &&
		    due(&sc->setup, now))
			start_setup(s, sc, now);
	}
}

static void show(struct sender *s, struct sender_chan *sc, const char *state)
{
	if (state[0])
		sender_set_state(s, sc, strncmp(state, "error", 5) == 0 ? LOG_WARN : LOG_INFO,
		                 state);
}

void sender_recv_done(struct sender *s, struct sender_xfer *x, long status, long retry_after,
                      const char *neterr)
{
	struct sender_chan *sc = x->sc;
	struct adapter_poll p;

	memset(&p, 0, sizeof(p));
	if (x->kind == SENDER_X_POLL) {
		sc->ch->a->poll_result(sc->ch, status, x->resp, x->resp_len, retry_after, neterr,
		                       &p);
		show(s, sc, p.state);
		if (p.again_ms >= 0 && strncmp(p.state, "error", 5) != 0)
			sc->poll.errors = 0;
		if (p.batch) {
			/* at bounds the wait: a batch the receiver lost is fetched again (the
			 * de-duplication table drops what it did commit) */
			sc->poll.state = SENDER_RECV_HANDED;
			sc->poll.at = clock_mono_ms() + SENDER_HANDED_MS;
			s->polled(s->ud, sc->ch, p.batch); /* the batch is theirs now */
		} else if (p.again_ms == 0) {
			sc->poll.state = SENDER_RECV_READY;
		} else {
			again(s, &sc->poll, p.again_ms, SENDER_POLL_CAP_MS);
		}
		return;
	}
	sc->ch->a->setup_result(sc->ch, status, x->resp, x->resp_len, retry_after, neterr, &p);
	show(s, sc, p.state);
	if (p.done) {
		sc->setup.state = SENDER_RECV_OFF;
		sc->setup.errors = 0;
	} else {
		again(s, &sc->setup, p.again_ms, SENDER_BACKOFF_CAP_MS);
	}
}

int64_t sender_recv_wait(struct sender *s, int64_t now, int64_t t)
{
	size_t i;

	for (i = 0; i < s->nchans; i++) {
		const struct sender_recv_state *r[2] = {&s->chans[i].poll, &s->chans[i].setup};
		int k;

		for (k = 0; k < 2; k++) {
			if (r[k]->state == SENDER_RECV_READY)
				return 0;
			if ((r[k]->state == SENDER_RECV_WAIT ||
			     r[k]->state == SENDER_RECV_HANDED) &&
			    r[k]->at - now < t)
				t = r[k]->at - now;
		}
	}
	return t;
}

void sender_recv_drop(struct sender *s)
{
	struct sender_xfer *x, *next;
	size_t i;

	for (x = s->xfers; x; x = next) {
		next = x->next;
		if (x->kind != SENDER_X_SEND)
			sender_xfer_free(s, x);
	}
	for (i = 0; i < s->nchans; i++)
		s->chans[i].poll.state = s->chans[i].setup.state = SENDER_RECV_OFF;
}
