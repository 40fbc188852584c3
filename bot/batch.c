/*
 * batch.c - group commit: every inbound message that arrived in one turn of
 * the event loop is stored in ONE transaction (de-duplication, dialog step,
 * order changes with events, outbox rows), and only after the commit are the
 * webhooks answered, the websocket messages acknowledged and polled batches
 * confirmed. If the batch fails, each message is retried in its own
 * transaction so one bad message cannot hold back the others.
 *
 * Also here: delivery of outbox rows to readers that are present (a chat page
 * that is open), and the polled batches the sender thread hands over.
 */
#include "bot/server.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bot/config.h"
#include "bot/core.h"
#include "bot/dead.h"
#include "bot/flood.h"
#include "bot/flush.h"
#include "bot/metrics.h"
#include "bot/sender.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "store/store.h"

static void batch_due(lws_sorted_usec_list_t *sul);
static void refuse(struct server *srv, struct http_pss *p);
static int is_message(const struct inbound *in);

/* The database locked by another process: see "the database locked" below. */
#define DB_TELL_MS      1000
#define DB_HOLD_MS      2000
#define DB_HOLD_MAX     10000 /* messages held at most: later webhooks get 503 at once */
#define DB_RETRY_MIN_MS 10
#define DB_RETRY_MAX_MS 200
#define DB_RETRY_AFTER  "5" /* seconds, for the platforms that read it */

/* A committed batch: its messages, and the answers held for the pages open (web chat). */
struct flushing {
	struct flushing *next;
	uint64_t seq; /* in commit order, for the flusher (flush.h) */
	struct inbound *list;
	int n;
	int ok; /* committed whole: FRAMES are its pages' answers */
	struct held_frame *frames;
};

static void batch_done(struct server *srv, struct flushing *b);
static void batch_synced(struct server *srv, struct flushing *b, int on_disk);
static void flushing_add(struct server *srv, struct flushing *b);

/* A frame for a present reader, written in the batch's transaction: sent once it commits. */
struct held_frame {
	struct held_frame *next;
	struct chan *ch;
	int64_t at;
	char *payload;
	char chat[];
};

static int deliver_fresh(struct server *srv, int64_t now, struct held_frame ***held, int64_t *last);
static void held_send(struct held_frame *list, int send);

void server_queue_now(struct server *srv, struct inbound *in)
{
	struct inbound *last = in;

	if (!in)
		return;
	while (last->next)
		last = last->next;
	if (srv->batch_tail)
		srv->batch_tail->next = in;
	else
		srv->batch = in;
	srv->batch_tail = last;
	/* Zero delay: everything that arrived in this turn of the loop shares one commit. */
	for (; in; in = in->next)
		if (srv->nbatch++ == 0)
			lws_sul_schedule(srv->ctx, 0, &srv->sul_batch, batch_due, 1);
}

/* Marks LIST's messages over their sender's pace (flood.c); none of them is fetched. */
static void pace(struct server *srv, const struct chan *ch, struct inbound *list)
{
	struct inbound *in;
	char who[64];

	const struct cfg_limits *l = &srv->cfg->limits;

	if ((ch && ch->a->paces_itself) ||
	    (!l->inbound_per_second && !l->inbound_per_minute && !l->inbound_chat_per_minute))
		return;
	if (!srv->flood && (srv->flood = flood_new(l->inbound_per_second, l->inbound_per_minute,
	                                           l->inbound_chat_per_minute)) == NULL)
		return;
	for (in = list; in; in = in->next) {
		if (!in->user || !is_message(in))
			continue;
		in->flood =
		        flood_check(srv->flood, in->channel, in->chat, in->user, clock_mono_ms());
		if (in->flood == FLOOD_PASS)
			continue;
		srv->flooded++;
		metrics_inbound(srv->metrics, in->channel, METRICS_FLOODED);
		free(in->att_ref); /* not fetched */
		in->att_ref = NULL;
		if (in->flood == FLOOD_TELL) {
			log_mask(in->user, who, sizeof(who));
			log_fields(
			        LOG_WARN, (struct log_field[]){LOG_STR("channel", in->channel)}, 1,
			        "inbound: %s user %s sends faster than %d a second or %d a minute "
			        "(limits): told once, the rest dropped for a while",
			        in->channel, who, l->inbound_per_second, l->inbound_per_minute);
		}
	}
}

void server_queue(struct server *srv, struct chan *ch, struct inbound *in, struct http_pss *p)
{
	struct inbound *last = in;

	if (!in)
		return;
	pace(srv, ch, in);
	/* The database locked long, the queue full: the platform sends it again later. */
	if (p && srv->db_locked_ms && srv->nbatch >= DB_HOLD_MAX) {
		inbound_free_list(in);
		refuse(srv, p);
		return;
	}
	/* Attachments the platform holds are fetched off the loop first (fetch.c). */
	if (server_fetch_queue(srv, ch, in, p))
		return;
	/* The request is answered once its last message is stored. */
	if (p) {
		while (last->next)
			last = last->next;
		last->waiter = p;
		p->waiting = last;
	}
	server_queue_now(srv, in);
}

/* Rows of CHANNEL may wait for their chat to write (adapter.h: holds_rows). */
static int holds_rows(struct server *srv, const char *channel)
{
	const struct chan *ch = cfg_chan(srv->cfg, channel);

	return ch && ch->a->holds_rows;
}

/* Applies one message inside the open transaction. */
static int apply(struct server *srv, struct inbound *in, int64_t now)
{
	struct msg_in m;
	char key[96], off[32];
	int rc = 0;

	/* A repeat of a committed message changes nothing, not even a press answer. */
	if (in->id) {
		rc = store_dedup_claim(srv->store, in->channel, in->id, now);
		if (rc < 0)
			return -1;
		if (rc == 0)
			goto offset;
		rc = 0;
	}
	/* Over its sender's pace: one notice, else nothing (pace() above). */
	if (in->flood) {
		if (in->flood == FLOOD_TELL && in->chat &&
		    core_send(srv->core, in->channel, in->chat, flood_notice(in->lang), NULL, 0,
		              now) < 0)
			return -1;
		goto offset;
	}
	if (in->moved_from && in->moved_to) {
		log_info("%s: group %s moved to %s", in->channel, in->moved_from, in->moved_to);
		rc = store_chat_migrate(srv->store, in->channel, in->moved_from, in->moved_to);
	}
	/* The chat wrote: what waited for it to write again (a closed window) is due. */
	if (rc == 0 && in->chat && in->user && holds_rows(srv, in->channel) &&
	    store_outbox_wake(srv->store, in->channel, in->chat, now) < 0)
		rc = -1;
	if (rc == 0 && in->side_payload)
		rc = store_outbox_add(srv->store, in->channel, in->chat ? in->chat : "-",
		                      in->side_payload, now, NULL);
	if (rc == 0 && in->record)
		rc = store_transcript_add(srv->store, in->channel, in->chat, "me",
		                          in->text && in->text[0] ? in->text
		                          : in->att_kind          ? "[照片]"
		                                                  : "",
		                          "", in->record, now);
	if (rc == 0 &&
	    ((in->text && (in->text[0] || (in->callback && in->callback[0]))) || in->att_kind)) {
		inbound_view(in, &m);
		m.id = NULL; /* claimed above */
		rc = core_handle(srv->core, &m, now);
	}
offset:
	if (rc == 0 && in->poll_offset > 0) {
		snprintf(key, sizeof(key), "%s.offset", in->channel);
		snprintf(off, sizeof(off), "%lld", (long long)in->poll_offset);
		rc = store_kv_set(srv->store, key, off);
	}
	return rc;
}

static void finish(struct server *srv, struct inbound *in)
{
	struct http_pss *p = in->waiter;
	struct chan *ch = cfg_chan(srv->cfg, in->channel);

	if (p) {
		p->waiting = NULL;
		if (in->failed) {
			http_answer_error(&p->ans, 500,
			                  "could not store the message; please retry");
		} else if (p->ans.after_commit) {
			/* the platform's own word for "received" ("success") */
			http_answer_text(&p->ans, 200, "text/plain", p->ans.after_commit);
		} else {
			http_answer_text(&p->ans, 200, "application/json", "{\"ok\":true}");
		}
		server_respond(p);
	}
	if (ch && ch->a->committed)
		ch->a->committed(ch, in);
	/* Failed: 0 keeps the old offset, so the platform hands the batch over again. */
	if (in->poll_offset > 0 && srv->sender)
		sender_poll_done(srv->sender, in->channel, in->failed ? 0 : in->poll_offset);
}

/* A message someone sent, not the confirmation of a polled batch's offset. */
static int is_message(const struct inbound *in)
{
	return in->id || in->text || in->callback || in->att_kind || in->moved_from;
}

/* ---- the database locked by another process -------------------------------------------------
 *
 * A desk's `concierge chat`, an admin's sqlite3 shell or a VACUUM may hold
 * the write lock for seconds. The event loop's connection waits a few
 * milliseconds for it at most (SERVER_BUSY_MS, enough for the sender
 * thread's short writes), then nothing at all while it is known locked, so
 * /healthz, websockets and the pages keep answering. A batch that finds the
 * database locked is rolled back and put back at the head of the queue,
 * whole and in order (nothing is lost, nothing acknowledged), and tried
 * again from a timer; messages that come meanwhile join it. A webhook whose
 * message waits longer than DB_HOLD_MS is answered 503 with Retry-After:
 * its message stays queued and is stored once the lock is gone, and the
 * platform's retry is then a repeat the de-duplication drops. Websocket and
 * polled messages wait for the lock to clear (their pages and pollers wait
 * for the acknowledgement). One log line when the lock has lasted
 * DB_TELL_MS, one when it clears; /healthz says so meanwhile.
 */

static void refuse(struct server *srv, struct http_pss *p)
{
	http_answer_error(&p->ans, 503, "the database is busy; please retry");
	p->ans.retry_after = DB_RETRY_AFTER;
	server_respond(p);
	srv->db_refused++;
}

/* Puts LIST back at the head of the queue, in its order. */
static void hold(struct server *srv, struct inbound *list)
{
	struct inbound *last;
	int n = 1;

	for (last = list; last->next; last = last->next)
		n++;
	last->next = srv->batch;
	if (!srv->batch)
		srv->batch_tail = last;
	srv->batch = list;
	srv->nbatch += n;
}

/* Answers 503 to the webhooks that waited DB_HOLD_MS; their messages stay queued. */
static void refuse_late(struct server *srv)
{
	int64_t now = clock_mono_us();
	struct inbound *in, **pp, *prev = NULL;
	struct http_pss *p;

	for (pp = &srv->batch; (in = *pp) != NULL;) {
		p = in->waiter;
		if (p && now - p->t0_us >= (int64_t)DB_HOLD_MS * 1000) {
			in->waiter = NULL;
			p->waiting = NULL;
			refuse(srv, p);
			/* No ID to recognise the platform's retry by: that retry brings it. */
			if (!in->id) {
				*pp = in->next;
				if (srv->batch_tail == in)
					srv->batch_tail = prev;
				srv->nbatch--;
				inbound_free(in);
				continue;
			}
		}
		prev = in;
		pp = &in->next;
	}
}

/*
 * Whether the write that failed can wait: another process held the lock, or
 * the disk is full (an operator makes room; meanwhile the messages wait as
 * they do for a lock). Notes which, for the log and /healthz.
 */
static int waits(struct server *srv)
{
	if (store_full(srv->store)) {
		srv->db_full = 1;
		return 1;
	}
	if (!store_locked(srv->store))
		return 0;
	srv->db_full = 0;
	return 1;
}

/* A write found the database locked: the next try from the timer, and the log line once. */
static void db_locked(struct server *srv)
{
	int64_t now = clock_mono_ms(), delay;

	if (!srv->db_locked_ms) {
		srv->db_locked_ms = now;
		srv->db_locked_at = clock_now();
		srv->db_retries = 0;
		srv->db_refused = 0;
		store_set_busy_ms(srv->store, 0); /* tried from the timer only, without waiting */
	}
	if (!srv->db_locked_told && now - srv->db_locked_ms >= DB_TELL_MS) {
		srv->db_locked_told = 1;
		log_fields(LOG_ERROR, (struct log_field[]){LOG_NUM("messages", srv->nbatch)}, 1,
		           "store: %s (%s); %d messages wait for it, webhooks are answered 503 "
		           "after %d s",
		           srv->db_full ? "the disk of the database is full: make room"
		                        : "the database is locked by another process",
		           store_errmsg(srv->store), srv->nbatch, DB_HOLD_MS / 1000);
	}
	delay = (int64_t)DB_RETRY_MIN_MS << (srv->db_retries < 5 ? srv->db_retries : 5);
	if (delay > DB_RETRY_MAX_MS)
		delay = DB_RETRY_MAX_MS;
	srv->db_retries++;
	lws_sul_schedule(srv->ctx, 0, &srv->sul_batch, batch_due, delay * LWS_US_PER_MS);
}

/* A write went through: the lock is gone. */
static void db_free(struct server *srv)
{
	if (!srv->db_locked_ms)
		return;
	if (srv->db_locked_told)
		log_fields(LOG_INFO,
		           (struct log_field[]){LOG_NUM("ms", clock_mono_ms() - srv->db_locked_ms),
		                                LOG_NUM("refused", srv->db_refused)},
		           2,
		           "store: the database %s again after %.1f s; the messages held are "
		           "stored (%lld webhooks were answered 503 and come again)",
		           srv->db_full ? "has room" : "is free",
		           (double)(clock_mono_ms() - srv->db_locked_ms) / 1000.0,
		           (long long)srv->db_refused);
	srv->db_locked_ms = 0;
	srv->db_locked_told = 0;
	srv->db_full = 0;
	store_set_busy_ms(srv->store, SERVER_BUSY_MS);
}

/* Whether the database takes a write now: a transaction begun and taken back. */
static void db_probe(struct server *srv)
{
	/* A full disk shows only in a write that is kept: the next message's tells. */
	if (srv->db_full)
		return;
	if (store_begin(srv->store) == 0) {
		store_rollback(srv->store);
		db_free(srv);
	} else if (store_locked(srv->store)) {
		db_locked(srv);
	}
}

int server_db_locked(struct server *srv)
{
	/* Nothing queued shows a lock: a look costs a begin and a rollback. */
	if (!srv->db_locked_ms && !srv->nbatch && !srv->stopping)
		db_probe(srv);
	return srv->db_locked_told;
}

/* ---- group commit ------------------------------------------------------------------------- */

/* Runs LIST's messages each in a transaction of its own; the rest from the first that finds the
 * database locked are returned (not run), else NULL. */
static struct inbound *one_by_one(struct server *srv, struct inbound *list, int64_t now)
{
	struct inbound *in, *prev = NULL;
	int poll_lost = 0;
	char why[512];

	for (in = list; in; prev = in, in = in->next) {
		/*
		 * A polled message that failed must come again: its batch is
		 * not confirmed, so the platform redelivers it (and the others,
		 * which the de-duplication drops).
		 */
		if (in->poll_offset > 0 && poll_lost) {
			in->failed = 1;
			poll_lost = 0;
			continue;
		}
		if (store_begin(srv->store) < 0 || apply(srv, in, now) < 0 ||
		    store_commit(srv->store) < 0) {
			if (waits(srv) && !srv->stopping) {
				store_rollback(srv->store);
				if (prev)
					prev->next = NULL;
				return in;
			}
			snprintf(why, sizeof(why), "%s", store_errmsg(srv->store));
			store_rollback(srv->store);
			/* Failed DEAD_ATTEMPTS times: set aside, answered as stored. */
			if (is_message(in) && dead_fail(srv->store, in, why, now) == 1)
				continue;
			if (in->polled)
				poll_lost = 1;
			log_fields(LOG_ERROR, (struct log_field[]){LOG_STR("channel", in->channel)},
			           1, "store: message on %s not stored: %s", in->channel, why);
			in->failed = 1;
		} else if (is_message(in)) {
			dead_forget(srv->store, in); /* it may have failed before */
		}
	}
	return NULL;
}

void server_run_batch(struct server *srv)
{
	struct inbound *list = srv->batch, *in, *rest = NULL;
	struct held_frame *frames = NULL, **tail = &frames;
	struct flushing *f, one;
	int64_t now = clock_now(), last = 0;
	int ok = 1, n = srv->nbatch, locked = 0;

	srv->batch = srv->batch_tail = NULL;
	srv->nbatch = 0;
	if (!list) {
		if (srv->db_locked_ms)
			db_probe(srv); /* nothing waits: is the lock still there? */
		return;
	}
	/* Stopping: one last try, with the whole wait, for what is still held. */
	if (srv->stopping && srv->db_locked_ms)
		store_set_busy_ms(srv->store, -1);
	/* The flusher syncs it (flush.c): this thread goes on to the next batch meanwhile. */
	if (srv->flusher && store_set_sync(srv->store, 0) < 0)
		log_warn("store: cannot commit without a sync: %s", store_errmsg(srv->store));
	if (store_begin(srv->store) < 0) {
		ok = 0;
		locked = waits(srv);
	} else {
		for (in = list; in && ok; in = in->next)
			if (apply(srv, in, now) < 0)
				ok = 0;
		/*
		 * The answers for pages that are open are marked delivered in the
		 * same transaction: one sync to the disk for both, not two.
		 */
		if (ok && deliver_fresh(srv, now, &tail, &last) < 0)
			ok = 0;
		if (ok && store_commit(srv->store) < 0)
			ok = 0;
		if (!ok) {
			locked = waits(srv);
			store_rollback(srv->store);
		}
	}
	if (!ok && locked && !srv->stopping) {
		/* Another process holds the lock: the whole batch waits for it, in order. */
		held_send(frames, 0);
		frames = NULL;
		rest = list;
		list = NULL;
	} else if (!ok && locked) {
		/* Stopping, still locked: not stored, so not acknowledged; their senders send
		 * again. */
		held_send(frames, 0);
		frames = NULL;
		log_fields(LOG_ERROR, (struct log_field[]){LOG_NUM("messages", n)}, 1,
		           "store: stopping with the database locked by another process: %d "
		           "messages not stored (not acknowledged: they come again)",
		           n);
		for (in = list; in; in = in->next)
			in->failed = 1;
	} else if (!ok) {
		held_send(frames, 0); /* rolled back: they wait, still pending */
		frames = NULL;
		/* Find the culprit: each message alone, so the others still land. */
		log_fields(LOG_WARN, (struct log_field[]){LOG_NUM("messages", n)}, 1,
		           "store: batch of %d failed (%s); retrying one by one", n,
		           store_errmsg(srv->store));
		rest = one_by_one(srv, list, now);
		if (rest == list)
			list = NULL;
	}
	if (ok) { /* where the next look for fresh rows starts; the answers wait with the batch */
		srv->deliver_id = last;
		srv->deliver_at = now;
	}
	if (srv->flusher && store_set_sync(srv->store, 1) < 0)
		log_warn("store: cannot go back to syncing each commit: %s",
		         store_errmsg(srv->store));
	if (rest) {
		hold(srv, rest);
		refuse_late(srv);
		db_locked(srv);
	} else {
		db_free(srv);
	}
	if (!list)
		return;
	for (n = 0, in = list; in; in = in->next)
		n++;
	one = (struct flushing){.list = list, .n = n, .ok = ok, .frames = frames};
	if (srv->flusher) {
		/*
		 * Nothing waits for the flusher: a sync here answers sooner than two
		 * hand-overs between threads (the half-load p99 of the benchmark,
		 * bench/README.md). While a sync is under way, batches go to the
		 * flusher and this loop goes on with the next.
		 */
		int here = srv->flushing ? -1 : flusher_sync_here(srv->flusher, srv->flush_seq + 1);

		if (here >= 0) {
			srv->flush_seq++;
			batch_synced(srv, &one, here);
			return;
		}
		if ((f = malloc(sizeof(*f))) != NULL) {
			*f = one;
			flushing_add(srv, f);
			return;
		}
		/* out of memory: answered once a sync of its own is through */
		store_sync_now(srv->store);
	}
	batch_done(srv, &one);
}

/* Batch B's sync is through: answered, or (not ON_DISK) its senders told to send again. */
static void batch_synced(struct server *srv, struct flushing *b, int on_disk)
{
	struct inbound *in;

	if (!on_disk)
		for (in = b->list; in; in = in->next)
			in->failed = 1;
	batch_done(srv, b);
}

/* Answers and counts the messages of batch B, which is on the disk, and tells who waits. */
static void batch_done(struct server *srv, struct flushing *b)
{
	struct inbound *in, *next;

	srv->batches++;
	metrics_commit(srv->metrics, b->n);
	for (in = b->list; in; in = next) {
		next = in->next;
		if (!in->failed)
			srv->handled++;
		/* a dead letter was not stored, though it is acknowledged; a flood is counted apart
		 */
		if (is_message(in) && !in->flood)
			metrics_inbound(srv->metrics, in->channel, !in->failed && !in->dead);
		finish(srv, in);
		inbound_free(in);
	}
	/* After the acks, as the page expects them: the answers. */
	if (b->ok)
		held_send(b->frames, 1);
	else
		server_deliver(srv);
	if (srv->sender)
		sender_kick(srv->sender);
	console_changed(srv->console); /* a new order shows on the boards at once */
}

static void flushing_add(struct server *srv, struct flushing *b)
{
	struct flushing **tail;

	b->seq = ++srv->flush_seq;
	for (tail = &srv->flushing; *tail; tail = &(*tail)->next)
		;
	*tail = b;
	flusher_ask(srv->flusher, b->seq);
}

/* Answers the batches up to DONE; those after GOOD did not reach the disk: sent again. */
static void flushed(struct server *srv, uint64_t done, uint64_t good)
{
	struct flushing *b;

	while ((b = srv->flushing) && b->seq <= done) {
		srv->flushing = b->next;
		batch_synced(srv, b, b->seq <= good);
		free(b);
	}
}

void server_take_flushed(struct server *srv)
{
	uint64_t good, done;

	if (srv->flusher && srv->flushing) {
		done = flusher_done(srv->flusher, &good);
		flushed(srv, done, good);
	}
}

void server_flush_stop(struct server *srv)
{
	uint64_t good, done;

	if (!srv->flusher)
		return;
	done = flusher_stop(srv->flusher, &good);
	srv->flusher = NULL;
	flushed(srv, done, good);
}

static void batch_due(lws_sorted_usec_list_t *sul)
{
	server_run_batch(
	        (struct server *)(void *)((char *)sul - offsetof(struct server, sul_batch)));
}

/* ---- delivery to readers that are present ------------------------------------------------ */

struct deliver_ctx {
	struct server *srv;
	struct chan *ch;
	int64_t now;
	int begun; /* the transaction is open: only once a chat is open */
	int failed;
	struct held_frame **held; /* in the batch's transaction: frames wait for its commit */
};

/* The transcript line of a row delivered: its text and buttons. */
static int record_row(struct deliver_ctx *d, const struct store_outbox *m)
{
	json_t *payload = json_loads(m->payload, 0, NULL), *buttons;
	const char *text = json_string_value(json_object_get(payload, "text"));
	char *bjs = NULL;
	int rc;

	buttons = json_object_get(payload, "buttons"); /* borrowed */
	if (json_array_size(buttons))
		bjs = json_dumps(buttons, JSON_COMPACT);
	rc = store_transcript_add(d->srv->store, d->ch->name, m->chat, "bot", text ? text : "",
	                          bjs ? bjs : "", "", d->now);
	free(bjs);
	json_decref(payload);
	return rc;
}

/* Keeps M's frame until the batch commits; -1 when out of memory. */
static int hold_row(struct deliver_ctx *d, const struct store_outbox *m)
{
	size_t n = strlen(m->chat) + 1;
	struct held_frame *f = malloc(sizeof(*f) + n);

	if (!f)
		return -1;
	f->payload = strdup(m->payload);
	if (!f->payload) {
		free(f);
		return -1;
	}
	f->next = NULL;
	f->ch = d->ch;
	f->at = d->now;
	memcpy(f->chat, m->chat, n);
	*d->held = f;
	d->held = &f->next;
	return 0;
}

static void held_send(struct held_frame *list, int send)
{
	struct held_frame *f;

	while ((f = list)) {
		list = f->next;
		if (send)
			f->ch->a->deliver(f->ch, f->chat, f->payload, f->at);
		free(f->payload);
		free(f);
	}
}

static int deliver_row(const struct store_outbox *m, void *ud)
{
	struct deliver_ctx *d = ud;

	if ((d->ch->a->transcript && record_row(d, m) < 0) ||
	    store_outbox_sent(d->srv->store, m->id, d->now) < 0)
		d->failed = 1;
	else if (d->held)
		d->failed = hold_row(d, m) < 0;
	else
		d->ch->a->deliver(d->ch, m->chat, m->payload, d->now);
	return d->failed;
}

/* CHAT's due rows, if it has a reader. */
static int deliver_chat(const char *chat, void *ud)
{
	struct deliver_ctx *d = ud;

	if (!d->ch->a->chat_open(d->ch, chat))
		return 0;
	if (!d->begun) {
		if (store_begin(d->srv->store) < 0) {
			d->failed = 1;
			return 1;
		}
		d->begun = 1;
	}
	if (store_outbox_due_for_chat(d->srv->store, d->ch->name, chat, d->now, deliver_row, d) < 0)
		d->failed = 1;
	return d->failed;
}

/*
 * Only the chats with fresh rows are looked at: rows added since the last
 * round (by us or by another process: IDs only grow, nothing deletes outbox
 * rows) or come due since then (quiet hours over, held rows woken, a dead
 * row revived). A reader who comes later gets theirs from deliver_now. So a
 * round costs what is new, not the number of pages open.
 *
 * HELD NULL: each channel's round in a transaction of its own, the frames
 * sent once it commits. Else inside the caller's transaction, the frames
 * kept at *HELD for the caller to send once that commits. *LAST: the newest
 * row seen, where the next round starts.
 */
/* Commits a channel's delivery of its own (outside a batch), or takes it back; -1 when it failed.
 */
static int deliver_end(struct deliver_ctx *d)
{
	if (d->begun && !d->failed && store_commit(d->srv->store) < 0)
		d->failed = 1;
	if (!d->failed)
		return 0;
	log_warn("%s: delivery failed: %s", d->ch->name, store_errmsg(d->srv->store));
	if (d->begun)
		store_rollback(d->srv->store);
	return -1;
}

static int deliver_fresh(struct server *srv, int64_t now, struct held_frame ***held, int64_t *last)
{
	struct deliver_ctx d;
	size_t i;
	int rc = 0;

	*last = srv->deliver_id;
	for (i = 0; rc == 0 && i < srv->cfg->nchans; i++) {
		struct chan *ch = &srv->cfg->chans[i];

		if (!ch->enabled || !ch->a->deliver || !ch->a->chat_open)
			continue;
		if (!ch->a->chat_open(ch, NULL)) {
			if (store_outbox_last(srv->store, last) < 0)
				rc = -1;
			continue;
		}
		memset(&d, 0, sizeof(d));
		d.srv = srv;
		d.ch = ch;
		d.now = now;
		d.begun = held != NULL;
		d.held = held ? *held : NULL;
		/*
		 * A second back: a row another process stamped a moment before our
		 * last round but committed after it is not missed.
		 */
		if (store_outbox_fresh_chats(srv->store, ch->name, srv->deliver_id,
		                             srv->deliver_at - 1, now, last, deliver_chat, &d) < 0)
			d.failed = 1;
		if (held) {
			*held = d.held;
			if (d.failed)
				rc = -1;
			continue;
		}
		if (deliver_end(&d) < 0)
			rc = -1;
	}
	return rc;
}

void server_deliver(struct server *srv)
{
	int64_t now = clock_now(), last;

	/* Locked by another process: the round waits for the lock to clear (batch.c's timer). */
	if (srv->db_locked_ms)
		return;
	/* A failed round is tried again from the same place. */
	if (deliver_fresh(srv, now, NULL, &last) == 0) {
		srv->deliver_id = last;
		srv->deliver_at = now;
	}
}

void server_deliver_chat(struct server *srv, struct chan *ch, const char *chat)
{
	struct deliver_ctx d;

	if (!ch->enabled || !ch->a->deliver || !ch->a->chat_open)
		return;
	memset(&d, 0, sizeof(d));
	d.srv = srv;
	d.ch = ch;
	d.now = clock_now();
	deliver_chat(chat, &d);
	(void)deliver_end(&d);
}

/* ---- the sender's polled batches ------------------------------------------------------------ */

void server_take_polled(struct server *srv)
{
	struct polled *list, *b, *next;
	struct inbound *msgs, *in, *confirm;
	int64_t offset;

	pthread_mutex_lock(&srv->lock);
	list = srv->polled;
	srv->polled = NULL;
	pthread_mutex_unlock(&srv->lock);
	for (b = list; b; b = next) {
		next = b->next;
		msgs = NULL;
		offset = 0;
		if (b->ch->a->poll_parse(b->ch, b->batch, &msgs, &offset) < 0)
			log_warn("%s: a polled batch could not be read", b->ch->name);
		for (in = msgs; in; in = in->next)
			in->polled = 1;
		server_queue(srv, b->ch, msgs, NULL);
		/* Confirms the batch once everything before it is committed. */
		confirm = offset > 0 ? inbound_new(b->ch->name) : NULL;
		if (confirm) {
			confirm->poll_offset = offset;
			confirm->polled = 1;
			server_queue(srv, b->ch, confirm, NULL);
		} else if (srv->sender) {
			sender_poll_done(srv->sender, b->ch->name,
			                 0); /* nothing to confirm: poll again */
		}
		free(b->batch);
		free(b);
	}
}
