/*
 * cmd_complaint.c - closing a complaint. The supervisor who owns it answers
 * the resident by chat (/reply) and, once it is handled, closes it with the
 * resolution in words (/resolve N TEXT). The resident then hears the
 * resolution and is asked whether the handling satisfied them: yes closes the
 * complaint, no sends it back to its owner (accept.c asks, orders.c applies
 * the answer). A complaint is never closed by /done: there is no work to
 * accept and no fee.
 */
#include "bot/cmd.h"

#include <string.h>

int cmd_resolve_exec(struct core_req *r, struct cmd_args *a)
{
	static const char *const ok[] = {"pending",     "assigned", "scheduled",
	                                 "in_progress", "rework",   NULL};
	struct store_order *o = &a->order;
	int rc;

	if (strcmp(o->category, "complaint") != 0)
		return cmd_tpl(r, M_NOT_COMPLAINT, o->number, NULL);
	rc = cmd_checked(r, o, ok);
	if (rc <= 0)
		return rc;
	if (!o->assignee[0])
		buf_copy(o->assignee, sizeof(o->assignee), r->staff->id);
	o->done_at = r->now;
	/* The resolution is the event's detail: accept.c reads it back to ask again. */
	if (core_transition(r->c, o, "awaiting_acceptance", "resolved", r->actor, r->in->channel,
	                    a->argv[1], r->now) < 0)
		return -1;
	if (core_begin_accept(r->c, o, r->now) < 0)
		return -1;
	return cmd_tpl(r, M_OUT_RESOLVED, o->number, NULL);
}
