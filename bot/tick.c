/*
 * tick.c - time-driven work: orders left awaiting acceptance are closed,
 * pending orders past their promised response time are escalated, low
 * ratings whose comment never came are alerted (rating.c), and old
 * de-duplication keys are pruned.
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

static int escalated_already(const struct store_event *e, void *ud)
{
	int *seen = ud;

	if (strcmp(e->action, "escalated") == 0)
		*seen = 1;
	return 0;
}

int core_tick(struct core *c, int64_t now)
{
	struct store_order_filter f;
	struct store_order *due = NULL;
	size_t i, n = 0;
	int lang = dlg_lang_from_hint(c->cfg->locale, DLG_ZH);
	char minutes[16];
	const char *args[4];
	struct buf b;
	int rc;

	if (store_begin(c->store) < 0)
		return -1;
	memset(&f, 0, sizeof(f));
	f.status = "awaiting_acceptance";
	rc = core_orders_collect(c, &f, &due, &n);
	for (i = 0; rc == 0 && i < n; i++) {
		struct store_order *o = &due[i];

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
	free(due);
	due = NULL;
	n = 0;
	f.status = "pending";
	if (rc == 0)
		rc = core_orders_collect(c, &f, &due, &n);
	for (i = 0; rc == 0 && i < n; i++) {
		struct store_order *o = &due[i];
		int seen = 0;

		if (now - o->created_at < (int64_t)o->promised_minutes * 60)
			continue;
		rc = store_events_list(c->store, o->id, escalated_already, &seen);
		if (rc < 0 || seen)
			continue;
		snprintf(minutes, sizeof(minutes), "%d", o->promised_minutes);
		args[0] = o->number;
		args[1] = minutes;
		args[2] = o->room;
		args[3] = o->description;
		buf_init(&b);
		buf_tpl(&b, dlg_msg(lang, M_ESCALATED), args, 4);
		rc = store_event_add(c->store, o->id, now, "system", "system", "escalated",
		                     o->status, o->status, "promised response time passed");
		if (rc == 0)
			rc = core_notify_supervisors(c, buf_str(&b), now);
		buf_release(&b);
	}
	free(due);
	if (rc == 0)
		rc = core_low_ratings_due(c, now);
	/* Platforms redeliver for a day at most; a month of keys is plenty. */
	if (rc == 0)
		rc = store_dedup_prune(c->store, now - 30 * 86400);
	if (rc < 0 || store_commit(c->store) < 0) {
		store_rollback(c->store); /* a busy commit leaves the transaction open */
		return -1;
	}
	return 0;
}
