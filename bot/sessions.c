/*
 * sessions.c - a person's dialog: loading and saving the session, running
 * the engine on a message, sending its replies and carrying out its action.
 */
#include "bot/core_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int core_session_expired(struct core *c, const struct dlg_state *st, int64_t updated, int64_t now)
{
	int64_t limit = strcmp(st->flow, "accept") == 0 ? (int64_t)c->cfg->acceptance_days * 86400
	                : strcmp(st->flow, "followup") == 0
	                        ? (int64_t)c->cfg->followup.answer_days * 86400
	                        : (int64_t)c->cfg->session_minutes * 60;

	return now - updated > limit;
}

static void fill_ctx(struct core_req *r, struct dlg_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->pol = &r->c->cfg->policy;
	ctx->now = r->now;
	ctx->lang = r->lang;
	ctx->is_group = r->group;
	ctx->addressed = r->group ? r->in->addressed : 1;
	ctx->saved_name = r->resident.name;
	ctx->saved_room = r->resident.room;
	ctx->saved_phone = r->resident.phone;
}

/* Sends the engine's replies to the sender. */
static int send_replies(struct core_req *r, const struct dlg_result *res)
{
	struct msg_button b[MSG_MAX_BUTTONS];
	int i, j, rc = 0;

	for (i = 0; rc == 0 && i < res->nreplies; i++) {
		for (j = 0; j < res->replies[i].nbuttons; j++) {
			b[j].label = res->replies[i].buttons[j].label;
			b[j].data = res->replies[i].buttons[j].data;
		}
		rc = core_reply(r, res->replies[i].text, b, res->replies[i].nbuttons);
	}
	return rc;
}

int core_load_session(struct core_req *r, struct dlg_state *st, int *active, int *expired)
{
	char *json = NULL;
	int64_t updated = 0;
	int rc;

	*active = *expired = 0;
	dlg_state_init(st, r->lang);
	rc = store_session_get(r->c->store, r->in->channel, r->reply_chat, r->in->user, &json,
	                       &updated);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		dlg_state_from_json(json, st);
		free(json);
		if (st->flow[0] && core_session_expired(r->c, st, updated, r->now)) {
			dlg_state_release(st);
			dlg_state_init(st, r->lang);
			*expired = 1;
			return store_session_delete(r->c->store, r->in->channel, r->reply_chat,
			                            r->in->user);
		}
		*active = st->flow[0] != '\0';
	}
	return 0;
}

static int save_session(struct core_req *r, const struct dlg_state *st, int end)
{
	char *json;
	int rc;

	if (end || !st->flow[0])
		return store_session_delete(r->c->store, r->in->channel, r->reply_chat,
		                            r->in->user);
	json = dlg_state_to_json(st);
	if (!json)
		return -1;
	rc = store_session_put(r->c->store, r->in->channel, r->reply_chat, r->in->user, json,
	                       r->now);
	free(json);
	return rc;
}

int core_run_dialog(struct core_req *r, const char *text, struct dlg_state *st, int expired)
{
	struct dlg_result res;
	struct dlg_ctx ctx;
	int rc, accepting = strcmp(st->flow, "accept") == 0;
	int intake = strcmp(st->flow, "intake") == 0;

	fill_ctx(r, &ctx);
	dlg_result_init(&res);
	/* Even when starting afresh, say so: the resident may think the old request stands. */
	if (expired && core_reply_msg(r, M_EXPIRED, NULL, 0) < 0)
		return -1;
	rc = dlg_handle(&ctx, st, text, &res);
	if (rc == 0 && res.handled) {
		rc = send_replies(r, &res);
		if (rc == 0)
			rc = core_apply_result(r, st, &res);
		if (rc == 0)
			rc = save_session(r, st, res.end);
		/* Answered (not put off), and not back in a paused request: anything else? */
		if (rc == 0 && accepting && res.end &&
		    (res.action == DLG_ACT_COMMENTED || res.action == DLG_ACT_REWORK))
			rc = core_ask_next_acceptance(r, res.order[0] ? res.order : st->order);
		/* A request taken while an acceptance question was open: ask it again. */
		else if (rc == 0 && intake && res.end)
			rc = core_ask_next_acceptance(r, "");
	}
	dlg_result_release(&res);
	return rc;
}

int core_run_aside(struct core_req *r, const char *text)
{
	struct dlg_state st;
	struct dlg_result res;
	struct dlg_ctx ctx;
	int rc;

	fill_ctx(r, &ctx);
	dlg_state_init(&st, r->lang);
	dlg_result_init(&res);
	r->aside = 1;
	rc = dlg_handle(&ctx, &st, text, &res);
	if (rc == 0 && res.handled) {
		rc = send_replies(r, &res);
		if (rc == 0)
			rc = core_apply_result(r, &st, &res);
	}
	r->aside = 0;
	dlg_result_release(&res);
	dlg_state_release(&st);
	return rc;
}

/*
 * The resident followed a group's link into the private chat while the
 * conversation it started is already waiting there (the bot may not write
 * first, so they may never have seen its question): ask the current
 * question again instead of starting over and losing what the group
 * message said.
 */
int core_resume(struct core_req *r, struct dlg_state *st)
{
	struct dlg_result res;
	struct dlg_ctx ctx;
	int rc;

	fill_ctx(r, &ctx);
	dlg_result_init(&res);
	rc = dlg_prompt(&ctx, st, &res);
	if (rc == 0)
		rc = send_replies(r, &res);
	if (rc == 0)
		rc = save_session(r, st, 0);
	dlg_result_release(&res);
	return rc;
}
