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

/* The alert about a low rating (struct low), in a reader's language. */
struct low {
	const struct store_order *o;
	const char *comment;
};

static int write_alert(struct core *c, int lang, struct buf *out, const void *ud)
{
	const struct low *l = ud;
	const struct cfg_staff *assignee = cfg_staff_find(c->cfg, l->o->assignee);
	char score[16];
	const char *args[4];

	snprintf(score, sizeof(score), "%d", l->o->rating);
	args[0] = l->o->number;
	args[1] = score;
	args[2] = assignee ? assignee->name : l->o->assignee;
	args[3] = l->comment && *l->comment ? l->comment : dlg_msg(lang, M_NONE_GIVEN);
	buf_tpl(out, dlg_msg(lang, M_LOW_RATING), args, 4);
	return out->failed ? -1 : 0;
}

/* Alerts the supervisors about O's low rating, whose history L was read already. */
static int alert(struct core *c, const struct store_order *o, const struct rating_log *l,
                 const char *comment, int64_t now)
{
	struct low w = {o, comment};
	char score[16];

	if (l->alerted)
		return 0;
	snprintf(score, sizeof(score), "%d", o->rating);
	if (core_notify_supervisors(c, core_reach_of(o), write_alert, &w, now) < 0)
		return -1;
	return store_event_add(c->store, o->id, now, "system", "system", "low_rating_alert",
	                       o->status, o->status, score);
}

static int read_log(struct core *c, const struct store_order *o, struct rating_log *l)
{
	memset(l, 0, sizeof(*l));
	return store_events_list(c->store, o->id, scan, l);
}

int core_alert_low_rating(struct core *c, const struct store_order *o, const char *comment,
                          int64_t now)
{
	struct rating_log l;

	if (!is_low(c, o))
		return 0;
	if (read_log(c, o, &l) < 0)
		return -1;
	return alert(c, o, &l, comment, now);
}

int core_low_ratings_due(struct core *c, int64_t now)
{
	struct store_order_filter f;
	struct store_order *due = NULL;
	struct rating_log l;
	size_t i, n = 0;
	int rc;

	if (c->cfg->low_rating <= 0) /* no rating is low */
		return 0;
	memset(&f, 0, sizeof(f));
	f.status = "closed";
	/*
	 * Rated a while ago (not a day: older ones were alerted by earlier
	 * versions); a rating changes the feedback, so those are among the
	 * feedback changed since, which an index finds in a big register.
	 */
	f.rated_max = c->cfg->low_rating;
	f.feedback_since = now - 86400;
	rc = core_orders_collect(c, &f, &due, &n);
	for (i = 0; rc == 0 && i < n; i++) {
		const struct store_order *o = &due[i];

		/* A month back is far enough. */
		if (now - o->created_at > 30 * 86400 || !is_low(c, o))
			continue;
		rc = read_log(c, o, &l);
		if (rc < 0 || !l.rated_at || now - l.rated_at > 86400 ||
		    now - l.rated_at < (int64_t)c->cfg->session_minutes * 60)
			continue;
		rc = alert(c, o, &l, NULL, now);
	}
	free(due);
	return rc;
}
