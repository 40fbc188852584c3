/*
 * tick.c - time-driven work, in one transaction: orders left awaiting
 * acceptance are closed; promises missed are told to the resident and the
 * supervisors, and orders about to close are reminded (promises.c); the
 * daily follow-up visits are sampled and asked (followup.c); low ratings
 * whose comment never came are alerted (rating.c); old de-duplication keys
 * are pruned; then, apart, orders past the retention period are anonymised
 * (privacy.c). Every step reads what it needs from the store, so a restart
 * (or another process ticking) picks up where the last tick left off.
 */
#include "bot/core_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

struct collected {
	struct store_order *o;
	size_t n, cap;
	int failed;
};

static int collect(const struct store_order *o, void *ud)
{
	struct collected *l = ud;
	struct store_order *grown;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		grown = realloc(l->o, l->cap * sizeof(*grown));
		if (!grown) {
			l->failed = 1;
			return 1;
		}
		l->o = grown;
	}
	l->o[l->n++] = *o;
	return 0;
}

int core_orders_collect(struct core *c, const struct store_order_filter *f,
                        struct store_order **out, size_t *n)
{
	struct collected l;

	memset(&l, 0, sizeof(l));
	if (store_orders_list(c->store, f, collect, &l) < 0 || l.failed) {
		free(l.o);
		*out = NULL;
		*n = 0;
		return -1;
	}
	*out = l.o;
	*n = l.n;
	return 0;
}

int core_orders_page(struct core *c, struct core_pages *p)
{
	if (p->n) { /* the next page starts after the last order read */
		p->f.after_created = p->o[p->n - 1].created_at;
		p->f.after_id = p->o[p->n - 1].id;
	}
	free(p->o);
	p->o = NULL;
	p->n = 0;
	if (p->done)
		return 0;
	p->f.oldest_first = 1;
	p->f.limit = CORE_PAGE;
	if (core_orders_collect(c, &p->f, &p->o, &p->n) < 0)
		return -1;
	p->done = p->n < CORE_PAGE;
	return p->n > 0;
}

void core_pages_free(struct core_pages *p)
{
	free(p->o);
	p->o = NULL;
	p->n = 0;
}

int core_tick(struct core *c, int64_t now)
{
	struct core_pages pg;
	size_t i;
	const char *args[1];
	struct buf b;
	int rc;

	if (store_begin(c->store) < 0)
		return -1;
	memset(&pg, 0, sizeof(pg));
	pg.f.status = "awaiting_acceptance";
	while ((rc = core_orders_page(c, &pg)) > 0) {
		for (i = 0, rc = 0; rc == 0 && i < pg.n; i++) {
			struct store_order *o = &pg.o[i];

			if (now - o->done_at < (int64_t)c->cfg->acceptance_days * 86400)
				continue;
			o->closed_at = now;
			rc = core_transition(c, o, "closed", "auto_closed", "system", "system",
			                     "no answer within the acceptance period", now);
			if (rc == 0) {
				args[0] = o->number;
				buf_init(&b);
				buf_tpl(&b, dlg_msg(core_order_lang(c, o), M_AUTO_CLOSED), args, 1);
				rc = core_notify_resident(c, o, buf_str(&b), NULL, 0, now);
				buf_release(&b);
			}
			if (rc == 0)
				rc = core_end_accept(c, o);
		}
		if (rc < 0)
			break;
	}
	core_pages_free(&pg);
	/* Promises missed and reminders (promises.c), follow-up visits (followup.c). */
	if (rc == 0)
		rc = core_promises_due(c, now);
	if (rc == 0)
		rc = core_followups_due(c, now);
	if (rc == 0)
		rc = core_low_ratings_due(c, now);
	/* Platforms redeliver for a day at most; a month of keys is plenty. */
	if (rc == 0)
		rc = store_dedup_prune(c->store, now - 30 * 86400);
	if (rc < 0 || store_commit(c->store) < 0) {
		store_rollback(c->store); /* a busy commit leaves the transaction open */
		return -1;
	}
	/* The retention period (privacy.c): its own transaction, photo files removed after. */
	return core_privacy_due(c, now);
}
