/*
 * fetch.c - attachments the platform keeps (a Telegram photo's file ID) are
 * fetched off the event loop.
 *
 * A download may take its full timeouts (getFile, then the file), and the
 * service thread must keep answering web chats, webhooks and /healthz
 * meanwhile. So a list of inbound messages that holds an attachment to fetch
 * goes to one worker thread, which calls the adapter's fetch_attachment (it
 * only reads the channel's configuration and calls host->call_now, which
 * blocks the calling thread alone). When the bytes are in, the loop is woken
 * (lws_cancel_service) and takes the list into the next group commit.
 *
 * Order is kept per channel: while a list of a channel waits here, every
 * later list of that channel (a text sent after the photo, the confirmation
 * of a polled batch) waits behind it, and lists leave in the order they came.
 * An HTTP request waiting for its message's commit (a webhook) keeps waiting.
 *
 * On stopping, a fetch in progress is given up (sender_call_now_abort) and
 * whatever is still here is dropped unstored: a webhook gets 503 and is sent
 * again by the platform, a polled batch is not confirmed and comes again.
 *
 * The queue and the jobs' states are guarded by the fetcher's mutex; a job's
 * channel, list and cap are fixed once queued, and the worker writes only the
 * attachment fields of the list's messages, which the service thread does not
 * touch until the job is done.
 */
#include "bot/server.h"

#include <stdlib.h>
#include <string.h>

#include "bot/config.h"
#include "bot/sender.h"
#include "lib/log.h"

enum job_state { JOB_QUEUED, JOB_FETCHING, JOB_DONE, JOB_ABANDONED };

struct fetch_job {
	struct fetch_job *next;
	struct chan *ch;
	struct inbound *list;
	size_t max;
	enum job_state state;
};

struct fetcher {
	struct server *srv;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct fetch_job *head, *tail; /* in arrival order */
	int stopping;
};

/* A message of LIST whose attachment is the platform's to hand over (never one said in a group). */
static int wants_fetch(const struct chan *ch, const struct inbound *list)
{
	if (!ch->a->fetch_attachment)
		return 0;
	for (; list; list = list->next)
		if (list->att_ref && !list->att_data && !list->is_group)
			return 1;
	return 0;
}

static void fetch_list(struct fetch_job *j)
{
	struct inbound *in;
	int rc;

	for (in = j->list; in; in = in->next) {
		if (!in->att_ref || in->att_data || in->is_group)
			continue;
		rc = j->ch->a->fetch_attachment(j->ch, in->att_ref, j->max, &in->att_data,
		                                &in->att_len);
		if (rc > 0)
			in->att_too_big = 1;
		else if (rc < 0)
			log_warn("%s: an attachment could not be fetched", in->channel);
	}
}

static void *worker(void *arg)
{
	struct fetcher *f = arg;
	struct fetch_job *j;

	pthread_mutex_lock(&f->mu);
	for (;;) {
		for (j = f->head; j && j->state != JOB_QUEUED; j = j->next)
			;
		if (f->stopping)
			break;
		if (!j) {
			pthread_cond_wait(&f->cv, &f->mu);
			continue;
		}
		j->state = JOB_FETCHING;
		pthread_mutex_unlock(&f->mu);
		fetch_list(j);
		pthread_mutex_lock(&f->mu);
		/* Given up on for stopping: what came back is no answer to store. */
		j->state = f->stopping ? JOB_ABANDONED : JOB_DONE;
		pthread_mutex_unlock(&f->mu);
		lws_cancel_service(f->srv->ctx);
		pthread_mutex_lock(&f->mu);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

static struct fetcher *fetcher_get(struct server *srv)
{
	struct fetcher *f = srv->fetcher;

	if (f)
		return f;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->srv = srv;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	if (pthread_create(&f->thread, NULL, worker, f) != 0) {
		log_error("server: cannot start the attachment fetcher");
		pthread_cond_destroy(&f->cv);
		pthread_mutex_destroy(&f->mu);
		free(f);
		return NULL;
	}
	srv->fetcher = f;
	return f;
}

/* Is a list of CH still here (so the next must wait behind it)? Under the mutex. */
static int channel_waits(const struct fetcher *f, const struct chan *ch)
{
	const struct fetch_job *j;

	for (j = f->head; j; j = j->next)
		if (j->ch == ch)
			return 1;
	return 0;
}

int server_fetch_queue(struct server *srv, struct chan *ch, struct inbound *in, struct http_pss *p)
{
	struct fetcher *f = srv->fetcher;
	struct fetch_job *j;
	struct inbound *last;
	int fetch = wants_fetch(ch, in), behind;

	if (!fetch && !f)
		return 0;
	if (f) {
		pthread_mutex_lock(&f->mu);
		behind = channel_waits(f, ch);
		pthread_mutex_unlock(&f->mu);
		if (!fetch && !behind)
			return 0;
	}
	f = fetcher_get(srv);
	j = f ? calloc(1, sizeof(*j)) : NULL;
	if (!j) {
		if (f && !fetch)
			log_error("server: out of memory keeping %s's messages in order", ch->name);
		return 0; /* stored now: without the photo, or (out of memory) out of order */
	}
	j->ch = ch;
	j->list = in;
	j->max = (size_t)srv->cfg->photo_max_kb * 1024u;
	j->state = fetch ? JOB_QUEUED : JOB_DONE;
	/* The request is answered once its last message is stored, as in server_queue(). */
	if (p) {
		for (last = in; last->next; last = last->next)
			;
		last->waiter = p;
		p->waiting = last;
	}
	pthread_mutex_lock(&f->mu);
	if (f->tail)
		f->tail->next = j;
	else
		f->head = j;
	f->tail = j;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return 1;
}

void server_take_fetched(struct server *srv)
{
	struct fetcher *f = srv->fetcher;
	struct fetch_job *done = NULL, **tail = &done, *j;

	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	while (f->head && f->head->state == JOB_DONE) {
		j = f->head;
		f->head = j->next;
		if (!f->head)
			f->tail = NULL;
		j->next = NULL;
		*tail = j;
		tail = &j->next;
	}
	pthread_mutex_unlock(&f->mu);
	for (j = done; j; j = done) {
		done = j->next;
		server_queue_now(srv, j->list);
		free(j);
	}
}

/* A list that will not be stored: whoever waits for it hears so. */
static void drop_list(struct inbound *list)
{
	struct inbound *in;
	struct http_pss *p;

	for (in = list; in; in = in->next) {
		p = in->waiter;
		if (!p)
			continue;
		p->waiting = NULL;
		http_answer_error(&p->ans, 503, "shutting down; please retry");
		server_respond(p);
	}
	inbound_free_list(list);
}

void server_fetch_stop(struct server *srv)
{
	struct fetcher *f = srv->fetcher;
	struct fetch_job *j;
	int dropped = 0;

	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	f->stopping = 1;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
	sender_call_now_abort();
	pthread_join(f->thread, NULL);
	/* What was done before the stop is stored; the rest comes again. */
	server_take_fetched(srv);
	while ((j = f->head) != NULL) {
		f->head = j->next;
		drop_list(j->list);
		free(j);
		dropped++;
	}
	if (dropped)
		log_info("server: %d message list%s with attachments left unstored (sent again "
		         "later)",
		         dropped, dropped == 1 ? "" : "s");
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	free(f);
	srv->fetcher = NULL;
}
