/*
 * acceptance.c - the questions after work is reported done: fixed or not, a
 * rating, an optional comment; for a complaint only whether the handling
 * satisfied the resident. They pause an intake in progress and bring it
 * back when they end.
 */
#include "dialogs/engine_internal.h"

#include <stdio.h>
#include <string.h>

#include "lib/buf.h"

/* How residents say the work is done, or not, besides yes and no. */
int dlg_v_accept(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                 struct dlg_result *res)
{
	static const char *const fixed[] = {"非常满意",   "很满意",   "挺满意", "已解决",
	                                    "解决了",     "修好了",   "好了",   "fixed",
	                                    "it's fixed", "all good", NULL};
	static const char *const not_fixed[] = {"还没好",       "没好",     "还没修好", "还是坏的",
	                                        "还是不行",     "没有解决", "还漏",     "not yet",
	                                        "still broken", NULL};
	const char *args[1] = {st->order};
	int complaint = strcmp(st->category, "complaint") == 0;

	(void)ctx;
	if (dlg_is_yes(text) || dlg_word_in(text, fixed)) {
		res->action = DLG_ACT_ACCEPTED;
		if (complaint) {
			dlg_say(res, st->lang, M_RESOLVED_THANKS, args, 1);
			res->end = 1;
		}
		return 0;
	}
	if (dlg_is_no(text) || dlg_word_in(text, not_fixed)) {
		res->action = DLG_ACT_REWORK;
		dlg_say(res, st->lang, complaint ? M_RESOLVED_AGAIN : M_REWORK_ACK, args, 1);
		res->end = 1;
		return 0;
	}
	return M_BAD_YESNO;
}

int dlg_v_rating(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                 struct dlg_result *res)
{
	int r = dlg_parse_rating(text);

	(void)ctx;
	(void)st;
	if (!r)
		return M_BAD_RATING;
	res->action = DLG_ACT_RATED;
	res->rating = r;
	return 0;
}

/* "No" to "any comment?" means none; "不满意" or "没修好" are comments worth keeping. */
static int no_comment(const char *text)
{
	static const char *const w[] = {"no", "n",    "nope", "nothing", "no thanks",
	                                "不", "不用", "没",   "无意见",  NULL};

	return dlg_is_skip(text) || dlg_is_cancel(text) || dlg_word_in(text, w);
}

/*
 * Any comment is kept as typed, even one character ("好"); a very long one is
 * cut at DLG_DESC_MAX characters, between two (dlg_cut), rather than lost.
 */
static char *comment_of(const char *text)
{
	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	if (!*text)
		return NULL;
	return strndup(text, dlg_cut(text, strlen(text), DLG_DESC_MAX, 0));
}

int dlg_v_comment(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                  struct dlg_result *res)
{
	const char *args[1] = {st->order};

	(void)ctx;
	res->action = DLG_ACT_COMMENTED;
	if (!no_comment(text))
		res->comment = comment_of(text);
	dlg_say(res, st->lang, M_THANKS, args, 1);
	res->end = 1;
	return 0;
}

void dlg_end_flow(const struct dlg_ctx *ctx, struct dlg_state *st, struct dlg_result *res)
{
	struct dlg_state resumed;

	res->end = 1;
	if (!st->suspended)
		return;
	/* An intake or a follow-up was paused by the acceptance questions: pick it up again. */
	if (dlg_state_from_json(st->suspended, &resumed) == 0 && resumed.flow[0]) {
		/* The caller applies this answer's action to the question's order. */
		buf_copy(res->order, sizeof(res->order), st->order);
		dlg_state_release(st);
		*st = resumed;
		res->end = 0;
		dlg_say(res, st->lang,
		        strcmp(st->flow, "followup") == 0 ? M_RESUMED_FOLLOWUP : M_RESUMED, NULL,
		        0);
		dlg_prompt_step(ctx, st, res, 1);
		return;
	}
	dlg_state_release(&resumed);
}

/* Help, cancel and skip during the acceptance questions; 1 when TEXT was one of them. */
int dlg_accept_words(const struct dlg_ctx *ctx, struct dlg_state *st,
                     const struct dlg_step_def *step, const char *text, struct dlg_result *res)
{
	const char *args[2];
	char days[16];

	if (dlg_is_help(text) || dlg_wants_person(text)) {
		if (strcmp(step->name, "accept") == 0) /* the question itself needs staff and fee */
			dlg_add_buttons(dlg_say(res, st->lang, M_BAD_YESNO, NULL, 0), st->lang,
			                DLG_BTN_ACCEPT);
		else
			dlg_prompt_step(ctx, st, res, 0);
		if (dlg_wants_person(text))
			dlg_offer_person(ctx, st, res);
		return 1;
	}
	if (strcmp(step->name, "accept") == 0 && dlg_is_cancel(text)) {
		/* Not now: the order stays awaiting acceptance and closes by itself. */
		snprintf(days, sizeof(days), "%d", ctx->pol ? ctx->pol->acceptance_days : 3);
		args[0] = st->order;
		args[1] = days;
		dlg_say(res, st->lang, M_ACCEPT_LATER, args, 2);
		dlg_end_flow(ctx, st, res);
		return 1;
	}
	if (strcmp(step->name, "rating") == 0 && (dlg_is_cancel(text) || dlg_is_skip(text))) {
		/* The work is accepted already; a rating is not owed. */
		args[0] = st->order;
		dlg_say(res, st->lang, M_THANKS, args, 1);
		dlg_end_flow(ctx, st, res);
		return 1;
	}
	return 0;
}

/* Puts ST at the acceptance question about NUMBER, pausing an intake; returns the language. */
static int open_accept(const struct dlg_ctx *ctx, struct dlg_state *st, const char *number)
{
	char *paused = NULL;
	int lang = st->flow[0] ? st->lang : ctx->lang;

	/* An intake or a follow-up visit under way waits for the question and resumes after it. */
	if (strcmp(st->flow, "intake") == 0 || strcmp(st->flow, "followup") == 0) {
		paused = dlg_state_to_json(st);
	} else if (st->suspended) {
		paused = st->suspended; /* keep the intake paused under an earlier question */
		st->suspended = NULL;
	}
	dlg_state_release(st);
	dlg_state_init(st, lang);
	st->suspended = paused;
	buf_copy(st->flow, sizeof(st->flow), "accept");
	buf_copy(st->step, sizeof(st->step), "accept");
	buf_copy(st->order, sizeof(st->order), number);
	return lang;
}

int dlg_begin_accept(const struct dlg_ctx *ctx, struct dlg_state *st, const char *number,
                     const char *staff_name, const char *fee, struct dlg_result *res)
{
	char fee_part[96] = "";
	const char *args[3];
	const char *fargs[1] = {fee};
	struct buf b;
	int lang = open_accept(ctx, st, number);

	if (fee && *fee) {
		buf_init(&b);
		buf_tpl(&b, dlg_msg(lang, M_FEE_PART), fargs, 1);
		buf_copy(fee_part, sizeof(fee_part), buf_str(&b));
		buf_release(&b);
	}
	args[0] = number;
	args[1] = staff_name;
	args[2] = fee_part;
	dlg_add_buttons(dlg_say(res, lang, M_ASK_ACCEPT, args, 3), lang, DLG_BTN_ACCEPT);
	res->handled = 1;
	return 0;
}

int dlg_begin_resolved(const struct dlg_ctx *ctx, struct dlg_state *st, const char *number,
                       const char *resolution, struct dlg_result *res)
{
	const char *args[2] = {number, resolution};
	int lang = open_accept(ctx, st, number);

	/* The handling is asked about, not a repair: yes or no ends it, no rating. */
	buf_copy(st->category, sizeof(st->category), "complaint");
	dlg_add_buttons(dlg_say(res, lang, M_ASK_RESOLVED, args, 2), lang, DLG_BTN_ACCEPT);
	res->handled = 1;
	return 0;
}
