/*
 * sqlite_ckpt.c - WAL checkpoints on a thread of their own, for the server.
 *
 * SQLite copies the write-ahead log into the database file when a commit
 * leaves it over a thousand pages, inside that commit: a few milliseconds
 * of writing and a sync of the database file, twice a second when chat
 * pages are busy, every message behind it waiting. With the checkpointer,
 * the commit only says the log is long; a thread with its own connection
 * copies it (PASSIVE: it never blocks a writer or waits for a reader), and
 * the next writer starts the log over once all of it is copied. Steady
 * commits never leave all of it copied, so past four thousand pages a
 * commit copies the last few frames itself: the log file stays bounded.
 */
#include "store/sqlite_db.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define CKPT_PAGES   1000 /* SQLite's own threshold */
#define CKPT_RESTART (4 * CKPT_PAGES)
#define CKPT_STEP    (CKPT_PAGES / 4) /* pages the log grows between two copies */

struct store_ckpt {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	sqlite3 *db; /* the thread's connection */
	int due, stop;
	int copied; /* the log's length when the last copy was asked for (the committing thread's
	               own) */
	long runs;
};

/* After each commit of the server's connection (its thread): the log's length in pages. */
static int on_commit(void *ud, sqlite3 *db, const char *name, int pages)
{
	struct store_ckpt *c = ud;

	/*
	 * The log starts over only when a writer finds all of it copied, which
	 * steady commits never allow: each copy ends behind the commits made
	 * while it ran. Once the log is this long the commit copies the frames
	 * the thread has not reached itself (few), so the next one starts it over.
	 * Busy (the thread is copying): the next commit tries again.
	 */
	if (pages >= CKPT_RESTART) {
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	} else if (pages >= CKPT_PAGES) {
		/*
		 * Not after every commit: each copy syncs the log and the database
		 * file, and those syncs queue on the disk with the flusher's, which
		 * every answer waits for. A copy once the log grew by another
		 * CKPT_STEP pages keeps it as short, with a tenth of the syncs.
		 */
		if (pages < c->copied)
			c->copied = 0; /* started over */
		if (pages - c->copied >= CKPT_STEP) {
			c->copied = pages;
			pthread_mutex_lock(&c->lock);
			c->due = 1;
			pthread_cond_signal(&c->wake);
			pthread_mutex_unlock(&c->lock);
		}
	} else {
		c->copied = 0;
	}
	return SQLITE_OK;
}

static void *run(void *ud)
{
	struct store_ckpt *c = ud;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->due && !c->stop)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->stop)
			break;
		c->due = 0;
		pthread_mutex_unlock(&c->lock);
		/* Busy (another checkpoint, a process closing): the next commit asks again. */
		sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&c->lock);
		c->runs++;
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

int sqlite_checkpoint_apart(struct store *s)
{
	struct store_ckpt *c;

	if (sqlite_of(s)->ckpt || !*store_path(s))
		return 0; /* running, or a database in memory (no log) */
	c = calloc(1, sizeof(*c));
	if (!c)
		return store_failf(s, "out of memory");
	if (sqlite3_open_v2(store_path(s), &c->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(c->db, 5000) != SQLITE_OK ||
	    /* The database file is synced before the log may start over. */
	    sqlite3_exec(c->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK) {
		store_failf(s, "checkpointer: %s", c->db ? sqlite3_errmsg(c->db) : "out of memory");
		sqlite3_close(c->db);
		free(c);
		return -1;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	if (pthread_create(&c->thread, NULL, run, c) != 0) {
		pthread_cond_destroy(&c->wake);
		pthread_mutex_destroy(&c->lock);
		sqlite3_close(c->db);
		free(c);
		return store_failf(s, "checkpointer: cannot start its thread");
	}
	/* Replaces the automatic checkpoint of this connection. */
	sqlite3_wal_hook(sqlite_of(s)->db, on_commit, c);
	sqlite_of(s)->ckpt = c;
	return 0;
}

long sqlite_checkpoint_runs(struct store *s)
{
	long n;

	if (!sqlite_of(s)->ckpt)
		return 0;
	pthread_mutex_lock(&sqlite_of(s)->ckpt->lock);
	n = sqlite_of(s)->ckpt->runs;
	pthread_mutex_unlock(&sqlite_of(s)->ckpt->lock);
	return n;
}

void store_ckpt_stop(struct store *s)
{
	struct store_ckpt *c = sqlite_of(s)->ckpt;

	if (!c)
		return;
	sqlite3_wal_hook(sqlite_of(s)->db, NULL, NULL);
	sqlite3_wal_autocheckpoint(sqlite_of(s)->db, CKPT_PAGES);
	pthread_mutex_lock(&c->lock);
	c->stop = 1;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	sqlite3_close(c->db);
	free(c);
	sqlite_of(s)->ckpt = NULL;
}
