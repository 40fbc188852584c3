/*
 * cmd_resident.c - what a resident may still do about an order once it is
 * taken: ask for another visit time, and reopen it when the problem comes
 * back after it was closed. (Withdrawing it is /cancel, in commands.c.)
 *
 * Residents rarely know an order's number by heart, so these commands take
 * it optionally: "改时间 明天下午" is about their newest order that can have
 * its time changed.
 *
 * A reopened order is the same order going back to rework, not a linked
 * new one: its number, history, assignee and fee stay together, and the
 * reports count it as rework, which it is.
 */
#include "bot/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t cmd_number_len(const char *text)
{
	size_t n = strcspn(text, " "), i, digits = 0;

	for (i = 0; i < n; i++) {
		if (text[i] >= '0' && text[i] <= '9')
			digits++;
		else if (text[i] != '-' && text[i] != '#')
			return 0;
	}
	return digits >= 6 ? n : 0;
}

int cmd_numbered_order(struct core_req *r, struct cmd_args *a)
{
	char token[64], number[64];
	size_t n = strcspn(a->argv[0], " ");
	int rc;

	snprintf(token, sizeof(token), "%.*s", (int)n, a->argv[0]);
	core_norm_number(token, number, sizeof(number));
	rc = store_order_get(r->c->store, number, &a->order);
	if (rc < 0)
		return -1;
	/* Someone else's order does not exist for a resident. */
	if (rc == 0 || (!r->staff && a->order.resident_id != r->resident.id))
		return cmd_tpl(r, M_NO_ORDER, number, NULL) < 0 ? -1 : 0;
	while (a->argv[0][n] == ' ')
		n++;
	memmove(a->argv[0], a->argv[0] + n, strlen(a->argv[0] + n) + 1);
	return 1;
}

struct newest {
	const char *const *statuses;
	struct store_order found;
	int n;
};

static int pick_newest(const struct store_order *o, void *ud)
{
	struct newest *nw = ud;

	if (!cmd_status_in(o->status, nw->statuses))
		return 0;
	nw->found = *o;
	nw->n = 1;
	return 1;
}

int cmd_resident_order(struct core_req *r, struct cmd_args *a, const char *const *statuses,
                       const char *usage)
{
	struct store_order_filter f;
	struct newest nw;

	if (cmd_number_len(a->argv[0]))
		return cmd_numbered_order(r, a);
	memset(&f, 0, sizeof(f));
	memset(&nw, 0, sizeof(nw));
	f.resident_id = r->resident.id;
	f.limit = 20;
	nw.statuses = statuses;
	if (store_orders_list(r->c->store, &f, pick_newest, &nw) < 0)
		return -1;
	if (!nw.n)
		return cmd_tpl(r, M_WHICH_ORDER, usage, NULL) < 0 ? -1 : 0;
	a->order = nw.found;
	return 1;
}

/*
 * What a resident's later wish starts with: staff words are not the
 * resident's (CMD_NOT_MINE), the answer goes private, and the order is found
 * as cmd_resident_order() finds it. 1 found, else what the command returns.
 */
static int resident_start(struct core_req *r, struct cmd_args *a, const char *const *statuses,
                          const char *usage)
{
	if (r->staff)
		return CMD_NOT_MINE;
	if (r->group && core_go_private(r, 0) < 0)
		return -1;
	return cmd_resident_order(r, a, statuses, usage);
}

/* Tells O's assignee (or, when nobody holds it, the supervisors) message ID. */
static int tell_assignee(struct core_req *r, const struct store_order *o, enum dlg_msg id,
                         const char *const *args, int nargs)
{
	return cmd_tell_staff(r, cfg_staff_find(r->c->cfg, o->assignee), core_reach_of(o), id, args,
	                      nargs);
}

/*
 * The resident wants another visit time: the agreed one no longer stands
 * (a scheduled order is back to assigned) and the assignee is asked to agree
 * a new one with /eta.
 */
int cmd_reschedule_exec(struct core_req *r, struct cmd_args *a)
{
	static const char *const ok[] = {"pending", "assigned", "scheduled", "rework", NULL};
	struct store_order *o = &a->order;
	const char *args[3];
	int rc;

	rc = resident_start(r, a, ok, "/reschedule N TIME");
	if (rc != 1)
		return rc;
	if (!cmd_status_in(o->status, ok))
		return cmd_bad_state(r, o);
	args[0] = o->number;
	args[1] = o->room;
	args[2] = a->argv[0][0] ? a->argv[0] : dlg_msg(cmd_staff_lang(r), M_NONE_GIVEN);
	if (strcmp(o->status, "scheduled") == 0) {
		o->eta[0] = '\0';
		o->eta_at = 0;
	}
	if (core_transition(r->c, o, strcmp(o->status, "scheduled") == 0 ? "assigned" : o->status,
	                    "reschedule_requested", r->actor, r->in->channel, a->argv[0],
	                    r->now) < 0)
		return -1;
	if (tell_assignee(r, o, M_RESCHEDULE_PING, args, 3) < 0)
		return -1;
	return cmd_tpl(r, M_RESCHEDULE_ASKED, o->number, NULL);
}

/* The problem came back: within reopen_days of closing, the order goes back to rework. */
int cmd_reopen_exec(struct core_req *r, struct cmd_args *a)
{
	static const char *const closed[] = {"closed", NULL};
	struct store_order *o = &a->order;
	char days[16];
	const char *args[3];
	int rc;

	rc = resident_start(r, a, closed, "/reopen N WHAT");
	if (rc != 1)
		return rc;
	if (strcmp(o->status, "closed") != 0)
		return cmd_bad_state(r, o);
	if (r->now - o->closed_at > (int64_t)r->c->cfg->reopen_days * 86400) {
		snprintf(days, sizeof(days), "%d", r->c->cfg->reopen_days);
		return cmd_tpl(r, M_REOPEN_TOO_LATE, o->number, days);
	}
	o->closed_at = 0;
	if (core_transition(r->c, o, "rework", "reopened", r->actor, r->in->channel, a->argv[0],
	                    r->now) < 0)
		return -1;
	args[0] = o->number;
	args[1] = o->room;
	args[2] = a->argv[0][0] ? a->argv[0] : o->description;
	if (tell_assignee(r, o, M_REOPEN_PING, args, 3) < 0)
		return -1;
	return cmd_tpl(r, M_REOPENED, o->number, NULL);
}
