/*
 * engine.c - the dialog engine; see engine.h.
 *
 * dlg_handle() routes one message: a first message to first_message.c, an
 * answer to the step's validator (intake.c, acceptance.c), the words that
 * work at every step (cancel, back, help, a person) here. The shape of the
 * conversations is in flows.c, the words in messages.c, what is said in
 * prompts.c, and the state's JSON and the result's replies in state.c.
 * Everything is a function of its arguments: no clock, no store, no
 * network, so every transition can be unit-tested directly.
 */
#include "dialogs/engine_internal.h"

#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "dialogs/understand.h"

/* Failed answers at one step before a person is offered. */
#define MAX_TRIES 3

/* The validators the flows' steps name (flows.c); dlg_check_flows() finds each at start-up. */
static const struct {
	const char *name;
	dlg_validator fn;
} validators[] = {
        {"description", dlg_v_description},
        {"saved", dlg_v_saved},
        {"room", dlg_v_room},
        {"name", dlg_v_name},
        {"phone", dlg_v_phone},
        {"time", dlg_v_time},
        {"confirm", dlg_v_confirm},
        {"accept", dlg_v_accept},
        {"rating", dlg_v_rating},
        {"comment", dlg_v_comment},
        {"fu_resolved", dlg_v_fu_resolved},
        {"fu_satisfied", dlg_v_fu_satisfied},
        {"fu_comment", dlg_v_fu_comment},
};

static dlg_validator validator_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(validators) / sizeof(validators[0]); i++)
		if (strcmp(validators[i].name, name) == 0)
			return validators[i].fn;
	return NULL;
}

int dlg_check_flows(char *err, size_t errlen)
{
	int f, s, missing;

	missing = dlg_messages_missing();
	if (missing) {
		snprintf(err, errlen, "message %d has no text in one language", missing - 1);
		return -1;
	}
	for (f = 0; f < dlg_nflows; f++) {
		for (s = 0; s < dlg_flows[f].nsteps; s++) {
			const struct dlg_step_def *st = &dlg_flows[f].steps[s];

			if (!validator_find(st->validator)) {
				snprintf(err, errlen, "flow %s: step %s: no validator named %s",
				         dlg_flows[f].name, st->name, st->validator);
				return -1;
			}
		}
	}
	return 0;
}

/* Hands the resident to a person: the centre's desk phone, added to the last reply. */
void dlg_offer_person(const struct dlg_ctx *ctx, const struct dlg_state *st, struct dlg_result *res)
{
	const char *args[1] = {ctx->pol && ctx->pol->phone ? ctx->pol->phone : ""};

	dlg_say_more(res, st->lang, M_TOO_MANY, args, 1);
	res->human = 1;
}

/* Words that answer a question, which mean nothing when no question was asked. */
static int is_answer_word(const char *text)
{
	return dlg_is_yes(text) || dlg_is_no(text) || dlg_is_back(text) || dlg_is_skip(text) ||
	       dlg_is_help(text);
}

/* The resident asks for a person rather than help text. */
int dlg_wants_person(const char *text)
{
	static const char *const w[] = {"人工",  "转人工",   "人工客服", "human",
	                                "agent", "operator", NULL};

	return dlg_word_in(text, w);
}

int dlg_handle(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
               struct dlg_result *res)
{
	const struct dlg_flow_def *flow;
	const struct dlg_step_def *step;
	const char *category = NULL;
	dlg_validator fn;
	int idx, rc;

	if (!text)
		text = "";
	res->handled = 1;
	/* Desk intake: whatever the first words are, staff are taking a request down. */
	if (!st->flow[0] && st->desk[0]) {
		dlg_start_intake(ctx, st, text, NULL, res);
		return 0;
	}
	if (!st->flow[0]) {
		int trig = dlg_is_trigger(text, &category);

		if (!trig && ctx->is_group && !ctx->addressed) {
			res->handled = 0;
			return 0;
		}
		if (!trig && dlg_is_cancel(text)) { /* nothing to cancel: say so */
			dlg_say(res, ctx->lang, M_CANCELLED_INTAKE, NULL, 0);
			res->end = 1;
			return 0;
		}
		/* A stray "yes" or a button pressed twice is not a description of a need. */
		if (!trig && is_answer_word(text))
			dlg_start_intake(ctx, st, "", NULL, res);
		else
			dlg_first_message(ctx, st, text, trig ? category : NULL, res);
		return 0;
	}
	flow = dlg_flow_find(st->flow);
	idx = dlg_step_index(flow, st->step);
	if (idx < 0) { /* a state from an older version: start over politely */
		dlg_state_release(st);
		dlg_state_init(st, ctx->lang);
		return dlg_handle(ctx, st, text, res);
	}
	step = &flow->steps[idx];
	text = dlg_button_text(step->buttons, text);

	if (strcmp(st->flow, "intake") == 0) {
		if (dlg_is_cancel(text)) {
			dlg_say(res, st->lang, st->desk[0] ? M_DESK_CANCELLED : M_CANCELLED_INTAKE,
			        NULL, 0);
			res->end = 1;
			return 0;
		}
		if (dlg_is_back(text)) {
			if (!st->nback) {
				dlg_say(res, st->lang, M_FIRST_STEP, NULL, 0);
				dlg_prompt_step(ctx, st, res, 1);
				return 0;
			}
			st->nback--;
			dlg_clear_field(st, st->back[st->nback]);
			buf_copy(st->step, sizeof(st->step), st->back[st->nback]);
			st->tries = 0;
			dlg_prompt_step(ctx, st, res, 0);
			return 0;
		}
		/*
		 * A new trigger in the middle of an intake starts that intake afresh;
		 * at the description step too, so "报修 3-2-501 漏水" is read as a first
		 * message rather than taken whole as the description.
		 */
		if (dlg_is_trigger(text, &category)) {
			dlg_start_intake(ctx, st, text, category, res);
			return 0;
		}
		/* An emergency said in the middle of a request comes first. */
		if (!st->desk[0] && dlg_emergency_said(ctx, st, text, res))
			return 0;
		/* "/ask" then "投诉…": the request is a complaint. */
		if (strcmp(step->name, "description") == 0 && !st->desk[0] &&
		    dlg_complaint_said(ctx, st, text, res))
			return 0;
		if (dlg_is_help(text) || dlg_wants_person(text)) {
			dlg_prompt_step(ctx, st, res, 0);
			if (dlg_wants_person(text))
				dlg_offer_person(ctx, st, res);
			else
				dlg_say_more(res, st->lang, M_HELP_FOOT, NULL, 0);
			return 0;
		}
	} else if (dlg_is_trigger(text, &category)) {
		/*
		 * A new request while the acceptance question is open: take the
		 * request. The order keeps waiting, and the caller asks about it again
		 * once the request is done.
		 */
		dlg_start_intake(ctx, st, text, category, res);
		return 0;
	} else if (strcmp(st->flow, "followup") == 0 ? dlg_followup_words(ctx, st, step, text, res)
	                                             : dlg_accept_words(ctx, st, step, text, res)) {
		return 0;
	}

	fn = validator_find(step->validator);
	rc = fn ? fn(ctx, st, text, res) : M_ERROR;
	if (rc) {
		st->tries++;
		if (!dlg_say(res, st->lang, (enum dlg_msg)rc, NULL, 0))
			return -1;
		if (st->tries >= MAX_TRIES && !st->desk[0]) {
			dlg_offer_person(ctx, st, res);
			st->tries = 0;
		}
		dlg_add_buttons(&res->replies[res->nreplies - 1], st->lang,
		                step->buttons == DLG_BTN_ASAP ? DLG_BTN_NONE : step->buttons);
		return 0;
	}

	if (strcmp(st->flow, "intake") == 0) {
		if (strcmp(step->name, "description") == 0 && dlg_declines(ctx, st)) {
			dlg_decline(ctx, st, res);
			return 0;
		}
		if (res->end)
			return 0; /* confirmed: the caller answers with the order number */
		if (step->counts_for_back)
			dlg_push_back(st, step->name);
		dlg_advance(ctx, st);
		dlg_prompt_step(ctx, st, res, 0);
		return 0;
	}

	if (strcmp(st->flow, "followup") == 0) {
		dlg_followup_next(ctx, st, res);
		return 0;
	}
	/* Acceptance. */
	if (res->end) {
		dlg_end_flow(ctx, st, res);
		return 0;
	}
	if (idx + 1 < flow->nsteps) {
		buf_copy(st->step, sizeof(st->step), flow->steps[idx + 1].name);
		st->tries = 0;
		dlg_prompt_step(ctx, st, res, 0);
	}
	return 0;
}
