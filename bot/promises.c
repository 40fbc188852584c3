/*
 * promises.c - what the centre promised a resident, and the hours it keeps.
 *
 * Two promises are made about an order: a response (someone takes it)
 * within its item's response_minutes, counted in the community's business
 * hours, and - where the catalogue item says so - completion within
 * complete_hours, counted from the moment the centre could first act. The
 * timers (core_promises_due, called from core_tick) notice a promise that
 * ran out: the resident is told once that it is late and who takes it over,
 * and the supervisors are told. An order left awaiting acceptance is
 * reminded once before it closes by itself.
 *
 * Nothing here keeps state of its own: every deadline is computed from the
 * order and the configuration, and what was already said is an event in
 * the order's history ("escalated", "completion_overdue",
 * "acceptance_reminded"), so a restart neither forgets nor repeats.
 *
 * Residents' quiet hours are decided here too (core_hold_until): notify.c
 * holds a notice in the outbox until they end.
 */
#include "bot/promises.h"

#include "bot/core_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- hours -------------------------------------------------------------------------- */

struct resident_seen {
	char actor[48];
	int64_t since;
	int seen;
};

static int scan_resident(const struct store_event *e, void *ud)
{
	struct resident_seen *r = ud;

	if (e->at >= r->since && strcmp(e->actor, r->actor) == 0)
		r->seen = 1;
	return 0;
}

int64_t core_hold_until(struct core *c, const struct store_order *o, int64_t now)
{
	const struct msg_in *in = c->in_hand;
	struct resident_seen r;
	int64_t until;

	if (o->urgent || !hours_inside(&c->cfg->quiet_hours, now))
		return 0;
	/* An answer to what the resident is saying right now. */
	if (in && in->channel && in->user && strcmp(in->channel, o->channel) == 0 &&
	    strcmp(in->user, o->user) == 0)
		return 0;
	/* They wrote or answered about this order a moment ago: still in the conversation. */
	if (o->resident_id) {
		memset(&r, 0, sizeof(r));
		snprintf(r.actor, sizeof(r.actor), "resident:%lld", (long long)o->resident_id);
		r.since = now - (int64_t)c->cfg->session_minutes * 60;
		if (store_events_list(c->store, o->id, scan_resident, &r) < 0)
			return -1;
		if (r.seen)
			return 0;
	}
	until = hours_end_of(&c->cfg->quiet_hours, now);
	return until > now ? until : 0;
}

static const struct hours_window *business_hours(const struct cfg *cfg, const char *community)
{
	const struct cfg_community *com = cfg_community_of(cfg, community);

	return com ? &com->business_hours : NULL;
}

int64_t promise_respond_by(const struct cfg *cfg, const char *community, int promised_minutes,
                           int urgent, int64_t created_at)
{
	int64_t promised = (int64_t)promised_minutes * 60;

	/* An emergency is answered whatever the hour. */
	if (urgent)
		return created_at + promised;
	return hours_add(business_hours(cfg, community), created_at, promised);
}

int64_t promise_complete_by(const struct cfg *cfg, const char *community, const char *item,
                            int urgent, int64_t created_at)
{
	const struct dlg_item *it = item ? cfg_item_find(cfg, item) : NULL;

	if (!it || it->complete_hours <= 0)
		return 0;
	return (urgent ? created_at : hours_next_open(business_hours(cfg, community), created_at)) +
	       (int64_t)it->complete_hours * 3600;
}

int64_t core_respond_by(struct core *c, const struct store_order *o)
{
	return promise_respond_by(c->cfg, o->community, o->promised_minutes, o->urgent,
	                          o->created_at);
}

int64_t core_complete_by(struct core *c, const struct store_order *o)
{
	return promise_complete_by(c->cfg, o->community, o->item, o->urgent, o->created_at);
}

const char *core_supervisor_name(struct core *c, int lang)
{
	size_t i;

	for (i = 0; i < c->cfg->nstaff; i++)
		if (core_supervises(c, &c->cfg->staff[i]))
			return c->cfg->staff[i].name;
	return dlg_msg(lang, M_SUPERVISOR_ANY);
}

/* "今天 08:00" / "08:00 tomorrow" for AT, seen from NOW; a date further off. */
static void when_from(int lang, int64_t now, int64_t at, char *out, size_t len)
{
	time_t a = (time_t)at, n = (time_t)now;
	struct tm ta, tn;
	char hm[8];
	const char *args[1] = {hm};
	struct buf b;

	if (!localtime_r(&a, &ta) || !localtime_r(&n, &tn)) {
		buf_copy(out, len, "");
		return;
	}
	snprintf(hm, sizeof(hm), "%02d:%02d", ta.tm_hour, ta.tm_min);
	tn.tm_mday += 1;
	tn.tm_isdst = -1;
	mktime(&tn); /* normalised: tomorrow's date */
	if (ta.tm_year == tn.tm_year && ta.tm_yday == tn.tm_yday) {
		buf_init(&b);
		buf_tpl(&b, dlg_msg(lang, M_AT_TOMORROW), args, 1);
		buf_copy(out, len, buf_str(&b));
		buf_release(&b);
		return;
	}
	localtime_r(&n, &tn);
	if (ta.tm_year == tn.tm_year && ta.tm_yday == tn.tm_yday) {
		buf_init(&b);
		buf_tpl(&b, dlg_msg(lang, M_AT_TODAY), args, 1);
		buf_copy(out, len, buf_str(&b));
		buf_release(&b);
	} else if (lang == DLG_EN) {
		strftime(out, len, "%a %d %b %H:%M", &ta);
	} else {
		snprintf(out, len, "%d月%d日 %s", ta.tm_mon + 1, ta.tm_mday, hm);
	}
}

int core_after_hours_note(struct core_req *r, const struct store_order *o)
{
	const struct cfg_community *com = cfg_community_of(r->c->cfg, o->community);
	char hours[16], opens[64];
	const char *args[3];

	if (!com || !com->business_hours.set || o->urgent ||
	    hours_inside(&com->business_hours, r->now))
		return 0;
	hours_format(&com->business_hours, hours, sizeof(hours));
	when_from(r->lang, r->now, hours_next_open(&com->business_hours, r->now), opens,
	          sizeof(opens));
	args[0] = hours;
	args[1] = opens;
	args[2] = com->phone ? com->phone : "";
	return core_reply_msg(r, M_AFTER_HOURS, args, 3);
}

/* ---- promises missed ---------------------------------------------------------------- */

struct event_seen {
	const char *action;
	int64_t since;
	int seen;
};

static int scan_action(const struct store_event *e, void *ud)
{
	struct event_seen *s = ud;

	if (e->at >= s->since && strcmp(e->action, s->action) == 0)
		s->seen = 1;
	return 0;
}

/* Whether O's history has ACTION at SINCE or later: 1, 0, or <0 on error. */
static int said_already(struct core *c, const struct store_order *o, const char *action,
                        int64_t since)
{
	struct event_seen s = {action, since, 0};

	if (store_events_list(c->store, o->id, scan_action, &s) < 0)
		return -1;
	return s.seen;
}

/* Message ID with ARGS to O's resident, in their language. */
static int tell_resident(struct core *c, const struct store_order *o, enum dlg_msg id,
                         const char *const *args, int nargs, int64_t now)
{
	struct buf b;
	int rc;

	buf_init(&b);
	buf_tpl(&b, dlg_msg(core_order_lang(c, o), id), args, nargs);
	rc = b.failed ? -1 : core_notify_resident(c, o, buf_str(&b), NULL, 0, now);
	buf_release(&b);
	return rc;
}

/* Nobody took O within the promised response time: the supervisors and the resident hear. */
static int escalate(struct core *c, const struct store_order *o, int64_t now)
{
	int rlang = core_order_lang(c, o);
	char minutes[16];
	const char *args[4];
	int rc;

	snprintf(minutes, sizeof(minutes), "%d", o->promised_minutes);
	args[0] = o->number;
	args[1] = minutes;
	args[2] = o->room;
	args[3] = o->description;
	rc = store_event_add(c->store, o->id, now, "system", "system", "escalated", o->status,
	                     o->status, "promised response time passed");
	if (rc == 0)
		rc = core_tell_supervisors(c, core_reach_of(o), M_ESCALATED, args, 4, now);
	if (rc < 0)
		return -1;
	args[2] = core_supervisor_name(c, rlang);
	return tell_resident(c, o, M_LATE_RESPONSE, args, 3, now);
}

/* The completion notice about an order (struct late), in a reader's language. */
struct late {
	const struct store_order *o;
	const struct cfg_staff *assignee;
	const char *hours;
};

static int write_overdue(struct core *c, int lang, struct buf *out, const void *ud)
{
	const struct late *l = ud;
	const char *args[5];

	(void)c;
	args[0] = l->o->number;
	args[1] = l->hours;
	args[2] = l->assignee ? l->assignee->name : dlg_msg(lang, M_NONE_GIVEN);
	args[3] = l->o->room;
	args[4] = l->o->description;
	buf_tpl(out, dlg_msg(lang, M_OVERDUE_COMPLETE), args, 5);
	return out->failed ? -1 : 0;
}

/* O is not finished within its item's complete_hours. */
static int overdue(struct core *c, const struct store_order *o, int64_t now)
{
	const struct dlg_item *it = cfg_item_find(c->cfg, o->item);
	const struct cfg_staff *assignee = cfg_staff_find(c->cfg, o->assignee);
	int rlang = core_order_lang(c, o), reach = core_reach_of(o);
	char hours[16];
	const char *args[3];
	struct late l = {o, assignee, hours};
	struct buf b;
	int rc;

	snprintf(hours, sizeof(hours), "%d", it ? it->complete_hours : 0);
	rc = store_event_add(c->store, o->id, now, "system", "system", "completion_overdue",
	                     o->status, o->status, "promised completion time passed");
	if (rc == 0)
		rc = core_notify_supervisors(c, reach, write_overdue, &l, now);
	/* The one holding it hears too, unless the supervisors' notice reached them. */
	if (rc == 0 && assignee && !core_supervises(c, assignee)) {
		buf_init(&b);
		rc = write_overdue(c, core_staff_lang(c, assignee), &b, &l);
		if (rc == 0)
			rc = core_notify_staff_at(c, assignee, reach, buf_str(&b), NULL, 0, now);
		buf_release(&b);
	}
	if (rc < 0)
		return -1;
	args[0] = o->number;
	args[1] = hours;
	args[2] = core_supervisor_name(c, rlang);
	return tell_resident(c, o, M_LATE_COMPLETE, args, 3, now);
}

/* A day (acceptance_reminder_hours) before O closes by itself, its resident is asked again. */
static int remind(struct core *c, struct store_order *o, int64_t closes, int64_t now)
{
	char when[64];
	const char *args[2];

	when_from(core_order_lang(c, o), now, closes, when, sizeof(when));
	args[0] = o->number;
	args[1] = when;
	if (store_event_add(c->store, o->id, now, "system", "system", "acceptance_reminded",
	                    o->status, o->status, "") < 0 ||
	    tell_resident(c, o, M_ACCEPT_REMINDER, args, 2, now) < 0)
		return -1;
	return core_begin_accept(c, o, now);
}

int core_promises_due(struct core *c, int64_t now)
{
	struct core_pages pg;
	int64_t at, closes, ahead = (int64_t)c->cfg->acceptance_reminder_hours * 3600;
	int64_t period = (int64_t)c->cfg->acceptance_days * 86400;
	size_t i;
	int rc;

	/* Open orders: a response or a completion promised and not kept (a page at a time). */
	memset(&pg, 0, sizeof(pg));
	pg.f.open_only = 1;
	while ((rc = core_orders_page(c, &pg)) > 0) {
		for (i = 0, rc = 0; rc == 0 && i < pg.n; i++) {
			struct store_order *o = &pg.o[i];

			if (strcmp(o->status, "pending") == 0 && now >= core_respond_by(c, o)) {
				rc = said_already(c, o, "escalated", 0);
				if (rc == 0)
					rc = escalate(c, o, now);
			}
			at = o->done_at ? 0 : core_complete_by(c, o);
			if (rc >= 0 && at && now >= at &&
			    strcmp(o->status, "awaiting_acceptance") != 0) {
				rc = said_already(c, o, "completion_overdue", 0);
				if (rc == 0)
					rc = overdue(c, o, now);
			}
			if (rc > 0)
				rc = 0;
			/* Work reported done: reminded once (each time it is done) before it
			 * closes. */
			if (rc == 0 && strcmp(o->status, "awaiting_acceptance") == 0 && ahead > 0 &&
			    ahead < period) {
				closes = o->done_at + period;
				if (now < closes - ahead || now >= closes)
					continue;
				rc = said_already(c, o, "acceptance_reminded", o->done_at);
				if (rc == 0)
					rc = remind(c, o, closes, now);
				if (rc > 0)
					rc = 0;
			}
		}
		if (rc < 0)
			break;
	}
	core_pages_free(&pg);
	return rc < 0 ? -1 : 0;
}
