/*
 * privacy.c - the retention period of residents' personal details (PIPL):
 * part of the periodic work (core_tick), in a transaction of its own.
 * Orders closed more than privacy.retention_days ago are anonymised
 * (store_privacy.h), a few hundred at a time so a tick stays short, and
 * the photos they had are removed from the disk once that is committed.
 * Doing it again finds nothing more to do.
 */
#include "bot/core_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "store/store_privacy.h"

/* Orders anonymised in one tick at most; the next tick goes on. */
#define PRIVACY_BATCH 200

struct files {
	char **v;
	size_t n, cap;
};

static int keep_path(const char *path, void *ud)
{
	struct files *f = ud;
	char **grown;

	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		grown = realloc(f->v, f->cap * sizeof(*grown));
		if (!grown)
			return 0; /* the file stays; no row names it */
		f->v = grown;
	}
	f->v[f->n] = strdup(path);
	if (f->v[f->n])
		f->n++;
	return 0;
}

/* Forgets F's paths, removing the files first when UNLINK_THEM. */
static void files_release(struct files *f, int unlink_them)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		if (unlink_them && unlink(f->v[i]) < 0 && errno != ENOENT)
			log_warn("privacy: cannot remove the photo file %s: %s", f->v[i],
			         strerror(errno));
		free(f->v[i]);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}

int core_privacy_due(struct core *c, int64_t now)
{
	struct store_anon_counts n;
	struct files f;
	char detail[96];
	int days = c->cfg->privacy.retention_days, rc;

	if (days <= 0)
		return 0;
	memset(&n, 0, sizeof(n));
	memset(&f, 0, sizeof(f));
	snprintf(detail, sizeof(detail), "retention: closed more than %d days ago", days);
	if (store_begin(c->store) < 0)
		return -1;
	rc = store_privacy_expire(c->store, now - (int64_t)days * 86400, now, PRIVACY_BATCH,
	                          "system", detail, keep_path, &f, &n);
	if (rc < 0 || store_commit(c->store) < 0) {
		log_warn("privacy: anonymising orders past the retention period failed: %s",
		         store_errmsg(c->store));
		store_rollback(c->store);
		files_release(&f, 0);
		return -1;
	}
	files_release(&f, 1);
	if (n.orders || n.messages)
		log_info("privacy: %d order%s and %d message%s older than %d days anonymised "
		         "(privacy.retention_days)",
		         n.orders, n.orders == 1 ? "" : "s", n.messages, n.messages == 1 ? "" : "s",
		         days);
	return 0;
}
