/*
 * rating.c - a low rating alerts the supervisor once, with the comment.
 *
 * The comment is asked right after the rating, so the alert waits for it
 * (or for "skip"). A resident who rates and walks away, or starts another
 * request instead, still gets their rating to the supervisor: the timers
 * send the alert without a comment once a session's time has passed. The
 * alert is an event in the order's history ("low_rating_alert"), which is
 * also how it is sent only once.
 */
#include "bot/core_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rating_log {
	int64_t rated_at; /* the last rating, 0 when none */
	int alerted;
};

static int scan(const struct store_event *e, void *ud)
{
	struct rating_log *l = ud;

	if (strcmp(e->action, "rated") == 0)
		l->rated_at = e->at;
	else if (strcmp(e->action, "low_rating_alert") == 0)
		l->alerted = 1;
	return 0;
}

static int is_low(struct core *c, const struct store_order *o)
{
	return o->rating > 0 && o->rating <= c->cfg->low_rating;
}

int core_alert_low_rating(struct core *c, const struct store_order *o, const char *comment,
                          int64_t now)
{
	const struct cfg_staff *assignee = cfg_staff_find(c->cfg, o->assignee);
	int lang = dlg_lang_from_hint(c->cfg->locale, DLG_ZH);
	struct rating_log l;
	char score[16];
	const char *args[4];
	struct buf b;
	int rc;

	memset(&l, 0, sizeof(l));
	if (!is_low(c, o))
		return 0;
	if (store_events_list(c->store, o->id, scan, &l) < 0)
		return -1;
	if (l.alerted)
		return 0;
	snprintf(score, sizeof(score), "%d", o->rating);
	args[0] = o->number;
	args[1] = score;
	args[2] = assignee ? assignee->name : o->assignee;
	args[3] = comment && *comment ? comment : dlg_msg(lang, M_NONE_GIVEN);
	buf_init(&b);
	buf_tpl(&b, dlg_msg(lang, M_LOW_RATING), args, 4);
	rc = b.failed ? -1 : core_notify_supervisors(c, buf_str(&b), now);
	buf_release(&b);
	if (rc < 0)
		return -1;
	return store_event_add(c->store, o->id, now, "system", "system", "low_rating_alert",
	                       o->status, o->status, score);
}

struct due_ctx {
	struct core *c;
	int64_t now;
	struct store_order *due;
	size_t n, cap;
	int failed;
};

static int collect(const struct store_order *o, void *ud)
{
	struct due_ctx *d = ud;
	struct store_order *grown;
	struct rating_log l;

	/* Orders are listed newest first: a month back is far enough. */
	if (d->now - o->created_at > 30 * 86400)
		return 1;
	if (!is_low(d->c, o))
		return 0;
	memset(&l, 0, sizeof(l));
	if (store_events_list(d->c->store, o->id, scan, &l) < 0) {
		d->failed = 1;
		return 1;
	}
	/* Rated a while ago (not a day: older ones were alerted by earlier versions). */
	if (l.alerted || !l.rated_at || d->now - l.rated_at > 86400 ||
	    d->now - l.rated_at < (int64_t)d->c->cfg->session_minutes * 60)
		return 0;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		grown = realloc(d->due, d->cap * sizeof(*grown));
		if (!grown) {
			d->failed = 1;
			return 1;
		}
		d->due = grown;
	}
	d->due[d->n++] = *o;
	return 0;
}

int core_low_ratings_due(struct core *c, int64_t now)
{
	struct store_order_filter f;
	struct due_ctx d;
	size_t i;
	int rc;

	memset(&d, 0, sizeof(d));
	d.c = c;
	d.now = now;
	memset(&f, 0, sizeof(f));
	f.status = "closed";
	rc = store_orders_list(c->store, &f, collect, &d);
	if (d.failed)
		rc = -1;
	for (i = 0; rc == 0 && i < d.n; i++)
		rc = core_alert_low_rating(c, &d.due[i], NULL, now);
	free(d.due);
	return rc;
}
