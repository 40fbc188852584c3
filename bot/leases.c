/*
 * leases.c - the lease thread: see leases.h.
 *
 * Each round it asks the database, on its own connection, whether it still
 * holds each lease it has, and tries for each one it wants and lacks (one
 * try only when not held, so locks never stack up on the connection). A
 * failed round counts every lease as lost at once: the database may already
 * have handed it to another server, and a holder that is not sure must stop
 * acting as one. The next round that reaches the database finds out again.
 */
#include "bot/leases.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "store/store.h"

struct lease {
	char name[LEASES_NAME_LEN];
	int wanted; /* asked for (leases_held), not released since */
	int held;   /* this server acts as the holder */
	int db;     /* the thread's connection holds the lock, as far as it knows */
};

struct leases {
	pthread_t th;
	pthread_mutex_t mu; /* guards v, n, stop */
	pthread_cond_t cv;
	int stop;
	struct store *s; /* the thread's own connection */
	struct lease v[LEASES_MAX];
	size_t n;
	/* clock_real_ms() when the loop last turned: a stall is the machine's time, not the
	 * program's clock (tests move that by minutes in an instant) */
	_Atomic int64_t beat_ms;
	/* the database's role and lag at the last round (store_db_status), guarded by mu */
	int standby, status_known;
	int64_t lag_ms;
	int failing; /* the last round could not reach the database (logged once) */
};

static struct lease *find(struct leases *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

/* Asks for (or checks) lease NAME on the thread's connection: 1 held, 0 not, -1 error. */
static int take(struct leases *l, const char *name)
{
	int rc = store_lease_held(l->s, name);

	return rc == 0 ? store_lease_try(l->s, name) : rc;
}

static void round_once(struct leases *l)
{
	struct lease v[LEASES_MAX];
	int fenced = clock_real_ms() - atomic_load(&l->beat_ms) > LEASES_FENCE_MS, failed = 0, rc;
	size_t n, i;

	pthread_mutex_lock(&l->mu);
	n = l->n;
	memcpy(v, l->v, n * sizeof(v[0]));
	pthread_mutex_unlock(&l->mu);

	for (i = 0; i < n && !failed; i++) {
		if (!v[i].wanted || fenced) {
			if (v[i].db && store_lease_drop(l->s, v[i].name) < 0)
				failed = 1;
			else
				v[i].db = 0;
			continue;
		}
		rc = take(l, v[i].name);
		if (rc < 0)
			failed = 1;
		else
			v[i].db = rc;
	}
	if (failed) {
		if (!l->failing)
			log_warn("leases: cannot reach the database (%s); giving up the timers and "
			         "single links until it answers",
			         store_errmsg(l->s));
		l->failing = 1;
	} else if (l->failing) {
		log_info("leases: the database answers again");
		l->failing = 0;
	}

	{
		int standby = 0;
		int64_t lag = -1;
		int known = !failed && store_db_status(l->s, &standby, &lag) == 0;

		pthread_mutex_lock(&l->mu);
		l->status_known = known;
		l->standby = standby;
		l->lag_ms = lag;
		pthread_mutex_unlock(&l->mu);
	}
	pthread_mutex_lock(&l->mu);
	for (i = 0; i < n; i++) {
		struct lease *e = &l->v[i]; /* entries are only ever added, never moved */
		int held = v[i].db && e->wanted && !fenced && !failed;

		e->db = v[i].db;
		if (held != e->held)
			log_info("lease %s: %s", e->name,
			         held     ? "taken; this server holds it"
			         : fenced ? "given up (the event loop stalled)"
			                  : "not held");
		e->held = held;
	}
	pthread_mutex_unlock(&l->mu);
}

static void *run(void *arg)
{
	struct leases *l = arg;
	struct timespec until;

	pthread_mutex_lock(&l->mu);
	while (!l->stop) {
		pthread_mutex_unlock(&l->mu);
		round_once(l);
		pthread_mutex_lock(&l->mu);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += LEASES_EVERY_MS / 1000;
		until.tv_nsec += (long)(LEASES_EVERY_MS % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (!l->stop)
			pthread_cond_timedwait(&l->cv, &l->mu, &until);
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

struct leases *leases_start(struct store *s, const char *target, char *err, size_t errlen)
{
	pthread_condattr_t ca;
	struct leases *l;

	err[0] = '\0';
	if (!store_shared(s))
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(err, errlen, "leases: out of memory");
		return NULL;
	}
	if (store_open(target, &l->s, err, errlen) < 0) {
		free(l);
		return NULL;
	}
	atomic_store(&l->beat_ms, clock_real_ms());
	pthread_mutex_init(&l->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&l->th, NULL, run, l) != 0) {
		snprintf(err, errlen, "leases: cannot start a thread");
		pthread_cond_destroy(&l->cv);
		pthread_mutex_destroy(&l->mu);
		store_close(l->s);
		free(l);
		return NULL;
	}
	return l;
}

void leases_stop(struct leases *l)
{
	size_t i;

	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = 1;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->th, NULL);
	for (i = 0; i < l->n; i++)
		if (l->v[i].db)
			(void)store_lease_drop(l->s, l->v[i].name);
	store_close(l->s); /* the database frees whatever is left with the connection */
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

int leases_held(struct leases *l, const char *name)
{
	struct lease *e;
	int held = 0;

	if (!l)
		return 1;
	pthread_mutex_lock(&l->mu);
	e = find(l, name);
	if (e) {
		held = e->held;
		if (!e->wanted) {
			e->wanted = 1;
			pthread_cond_signal(&l->cv);
		}
	} else if (l->n < LEASES_MAX && strlen(name) < LEASES_NAME_LEN) {
		e = &l->v[l->n++];
		snprintf(e->name, sizeof(e->name), "%s", name);
		e->wanted = 1;
		pthread_cond_signal(&l->cv); /* try now, not at the next round */
	} else {
		log_warn("lease %s: too many leases or too long a name; never held", name);
	}
	pthread_mutex_unlock(&l->mu);
	return held;
}

void leases_release(struct leases *l, const char *name)
{
	struct lease *e;

	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	e = find(l, name);
	if (e && e->wanted) {
		e->wanted = 0;
		e->held = 0; /* from now on this server does not act as the holder */
		pthread_cond_signal(&l->cv);
	}
	pthread_mutex_unlock(&l->mu);
}

void leases_beat(struct leases *l)
{
	if (l)
		atomic_store(&l->beat_ms, clock_real_ms());
}

size_t leases_list(struct leases *l, char names[][LEASES_NAME_LEN], size_t max)
{
	size_t i, k = 0;

	if (!l)
		return 0;
	pthread_mutex_lock(&l->mu);
	for (i = 0; i < l->n && k < max; i++)
		if (l->v[i].held)
			snprintf(names[k++], LEASES_NAME_LEN, "%s", l->v[i].name);
	pthread_mutex_unlock(&l->mu);
	return k;
}

int leases_db_status(struct leases *l, int *standby, int64_t *lag_ms)
{
	int known;

	*standby = 0;
	*lag_ms = -1;
	if (!l)
		return 0;
	pthread_mutex_lock(&l->mu);
	known = l->status_known;
	*standby = l->standby;
	*lag_ms = l->lag_ms;
	pthread_mutex_unlock(&l->mu);
	return known;
}
