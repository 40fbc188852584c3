/*
 * accept.c - the acceptance questions: asked when work is reported done
 * (or a complaint resolved: was the handling satisfying?), one order at a
 * time per conversation, pausing an intake in progress and
 * bringing it back when they end.
 */
#include "bot/core_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct next_accept {
	const struct core_req *r;
	const char *answered; /* the order just accepted or sent back */
	struct store_order found;
	int n;
};

static int pick_waiting(const struct store_order *o, void *ud)
{
	struct next_accept *na = ud;

	if (strcmp(o->number, na->answered) == 0 || strcmp(o->channel, na->r->in->channel) != 0 ||
	    strcmp(o->chat, na->r->reply_chat) != 0)
		return 0;
	na->found = *o; /* newest first: the last one kept is the oldest */
	na->n++;
	return 0;
}

/*
 * One conversation holds one acceptance question, so when two orders were
 * reported done before the resident answered, the later question replaced
 * the earlier. Once an answer is through, the order still waiting is asked
 * about, or it would close by itself unasked and unrated.
 */
int core_ask_next_acceptance(struct core_req *r, const char *answered)
{
	struct store_order_filter f;
	struct next_accept na;

	if (!r->resident.id)
		return 0;
	memset(&f, 0, sizeof(f));
	memset(&na, 0, sizeof(na));
	f.status = "awaiting_acceptance";
	f.resident_id = r->resident.id;
	na.r = r;
	na.answered = answered;
	if (store_orders_list(r->c->store, &f, pick_waiting, &na) < 0)
		return -1;
	return na.n ? core_begin_accept(r->c, &na.found, r->now) : 0;
}

#define RESOLUTION_MAX 512 /* a store_event's detail */

/* The newest resolution a supervisor gave complaint O (its "resolved" event). */
static int last_resolution(const struct store_event *e, void *ud)
{
	char *out = ud;

	if (strcmp(e->action, "resolved") == 0)
		buf_copy(out, RESOLUTION_MAX, e->detail); /* oldest first: the last one wins */
	return 0;
}

int core_resident_dialog(struct core *c, const struct store_order *o, const struct dlg_result *res,
                         const struct dlg_state *st, int64_t now)
{
	struct msg_button b[MSG_MAX_BUTTONS];
	char *json;
	int rc = 0, i, j;

	for (i = 0; rc == 0 && i < res->nreplies; i++) {
		for (j = 0; j < res->replies[i].nbuttons; j++) {
			b[j].label = res->replies[i].buttons[j].label;
			b[j].data = res->replies[i].buttons[j].data;
		}
		rc = core_notify_resident(c, o, res->replies[i].text, b, res->replies[i].nbuttons,
		                          now);
	}
	if (rc == 0) {
		json = dlg_state_to_json(st);
		rc = json ? store_session_put(c->store, o->channel, o->chat, o->user, json, now)
		          : -1;
		free(json);
	}
	return rc;
}

int core_begin_accept(struct core *c, struct store_order *o, int64_t now)
{
	struct dlg_state st;
	struct dlg_result res;
	struct dlg_ctx ctx;
	char *json = NULL, fee[32] = "", resolution[RESOLUTION_MAX] = "";
	int64_t updated = 0;
	int rc;

	/* A resident taken down at the desk with no chat is asked by phone. */
	if (!o->channel[0] || !o->chat[0])
		return 0;
	dlg_state_init(&st, core_order_lang(c, o));
	rc = store_session_get(c->store, o->channel, o->chat, o->user, &json, &updated);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		dlg_state_from_json(json, &st);
		free(json);
		if (st.flow[0] && core_session_expired(c, &st, updated, now)) {
			dlg_state_release(&st);
			dlg_state_init(&st, core_order_lang(c, o));
		}
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.pol = &c->cfg->policy;
	ctx.now = now;
	ctx.lang = core_order_lang(c, o);
	if (o->fee >= 0)
		core_money(o->fee, fee, sizeof(fee));
	dlg_result_init(&res);
	if (strcmp(o->category, "complaint") == 0) {
		rc = store_events_list(c->store, o->id, last_resolution, resolution);
		if (rc == 0)
			rc = dlg_begin_resolved(&ctx, &st, o->number, resolution, &res);
	} else {
		rc = dlg_begin_accept(&ctx, &st, o->number, core_staff_name(c, o->assignee),
		                      fee[0] ? fee : NULL, &res);
	}
	if (rc == 0)
		rc = core_resident_dialog(c, o, &res, &st, now);
	dlg_result_release(&res);
	dlg_state_release(&st);
	return rc;
}

/*
 * Ends the acceptance questions about O if they are what its resident is
 * being asked (the order was cancelled or closed meanwhile): an intake they
 * paused comes back as it was, and anything else they are in the middle of -
 * a new request, questions about another order - is left alone.
 */
int core_end_accept(struct core *c, const struct store_order *o)
{
	struct dlg_state st;
	char *json = NULL;
	int64_t updated = 0;
	int rc;

	if (!o->channel[0] || !o->chat[0])
		return 0;
	rc = store_session_get(c->store, o->channel, o->chat, o->user, &json, &updated);
	if (rc <= 0)
		return rc;
	dlg_state_from_json(json, &st);
	free(json);
	if (strcmp(st.flow, "accept") != 0 || strcmp(st.order, o->number) != 0)
		rc = 0;
	else if (st.suspended)
		rc = store_session_put(c->store, o->channel, o->chat, o->user, st.suspended,
		                       updated);
	else
		rc = store_session_delete(c->store, o->channel, o->chat, o->user);
	dlg_state_release(&st);
	return rc;
}
