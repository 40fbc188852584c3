/*
 * flush.c - puts committed batches on the disk off the service thread; see
 * flush.h.
 *
 * A group commit used to wait for the disk (synchronous=FULL) on the
 * service thread, which stood still for every flush: at a few thousand
 * messages a second that was most of its time. Now a batch commits without
 * waiting (synchronous=NORMAL: its WAL frames are written, not yet synced),
 * and this thread syncs the WAL file; only then is the batch answered. One
 * sync covers every batch committed before it, so while the disk is busy the
 * next batches are applied and wait for the next sync together.
 */
#include "bot/flush.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"

struct flusher {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char wal[4096], db[4096];
	flush_wake_fn wake;
	void *ud;
	/* guarded by mu: */
	uint64_t want; /* the last batch committed */
	uint64_t done; /* the last batch a sync was tried for */
	uint64_t good; /* the last batch on the disk */
	int stop;
};

/* Syncs PATH's data; ENOENT when there is no such file. */
static int sync_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc, e;

	if (fd < 0)
		return -errno;
	rc = fdatasync(fd);
	e = errno;
	close(fd);
	return rc == 0 ? 0 : -e;
}

/* The WAL holds every commit since the last checkpoint; without one, the database file. */
static int sync_now(const struct flusher *f)
{
	int rc = sync_file(f->wal);

	return rc == -ENOENT ? sync_file(f->db) : rc;
}

/*
 * Syncs the WAL for the batches up to TARGET and records the outcome; WANT
 * moves up to TARGET too (a sync on the asker's thread was not asked for).
 * Returns 0 when they are on the disk.
 */
static int sync_for(struct flusher *f, uint64_t target)
{
	int rc = sync_now(f);

	if (rc < 0)
		log_error("store: cannot put the last commits on the disk: %s "
		          "(their senders are told to send again)",
		          strerror(-rc));
	pthread_mutex_lock(&f->mu);
	if (f->want < target)
		f->want = target;
	f->done = target;
	if (rc == 0)
		f->good = target;
	pthread_mutex_unlock(&f->mu);
	return rc;
}

static void *run(void *arg)
{
	struct flusher *f = arg;
	uint64_t target;
	int stop;

	for (;;) {
		pthread_mutex_lock(&f->mu);
		while (!f->stop && f->want == f->done)
			pthread_cond_wait(&f->cv, &f->mu);
		stop = f->stop;
		target = f->want;
		pthread_mutex_unlock(&f->mu);
		if (stop && target == f->done)
			break;
		sync_for(f, target);
		if (f->wake)
			f->wake(f->ud);
	}
	return NULL;
}

struct flusher *flusher_start(const char *db_path, flush_wake_fn wake, void *ud)
{
	struct flusher *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	if ((size_t)snprintf(f->wal, sizeof(f->wal), "%s-wal", db_path) >= sizeof(f->wal) ||
	    (size_t)snprintf(f->db, sizeof(f->db), "%s", db_path) >= sizeof(f->db)) {
		free(f);
		return NULL;
	}
	f->wake = wake;
	f->ud = ud;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	if (pthread_create(&f->thread, NULL, run, f) != 0) {
		pthread_cond_destroy(&f->cv);
		pthread_mutex_destroy(&f->mu);
		free(f);
		return NULL;
	}
	return f;
}

void flusher_ask(struct flusher *f, uint64_t seq)
{
	pthread_mutex_lock(&f->mu);
	if (seq > f->want)
		f->want = seq;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

int flusher_sync_here(struct flusher *f, uint64_t seq)
{
	int busy;

	pthread_mutex_lock(&f->mu);
	busy = f->want != f->done || seq <= f->want;
	pthread_mutex_unlock(&f->mu);
	if (busy)
		return -1;
	/* WANT stays where it was meanwhile, so the thread sleeps on: only the asker asks */
	return sync_for(f, seq) == 0 ? 1 : 0;
}

uint64_t flusher_done(struct flusher *f, uint64_t *good)
{
	uint64_t done;

	pthread_mutex_lock(&f->mu);
	done = f->done;
	*good = f->good;
	pthread_mutex_unlock(&f->mu);
	return done;
}

uint64_t flusher_stop(struct flusher *f, uint64_t *good)
{
	uint64_t done;

	pthread_mutex_lock(&f->mu);
	f->stop = 1; /* what was asked for is synced first */
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->thread, NULL);
	done = f->done;
	*good = f->good;
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	free(f);
	return done;
}
