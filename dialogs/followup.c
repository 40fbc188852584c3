/*
 * followup.c - the follow-up visit (回访): a few days after an order closed,
 * the resident is asked whether the problem stayed solved, whether the
 * staff member was on time and polite, and for any other remarks - the
 * questions the policy lists, one at a time. Each answer is an action the
 * caller records at once, so a resident who stops halfway still counts for
 * what they said.
 */
#include "dialogs/engine_internal.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

/* The questions asked: the policy's, or all of them when it names none. */
static size_t questions(const struct dlg_ctx *ctx, const char *const **out)
{
	static const char *const all[] = {"resolved", "satisfied", "comment"};

	if (ctx->pol && ctx->pol->nfollowup_questions) {
		*out = (const char *const *)ctx->pol->followup_questions;
		return ctx->pol->nfollowup_questions;
	}
	*out = all;
	return sizeof(all) / sizeof(all[0]);
}

/* A yes or no answer to QUESTION, in the resident's words; M_BAD_YESNO otherwise. */
static int yes_no(struct dlg_state *st, const char *question, const char *text,
                  const char *const *yes, const char *const *no, enum dlg_msg sorry,
                  struct dlg_result *res)
{
	int answer;

	if (dlg_is_no(text) || dlg_word_in(text, no))
		answer = 0;
	else if (dlg_is_yes(text) || dlg_word_in(text, yes))
		answer = 1;
	else
		return M_BAD_YESNO;
	res->action = DLG_ACT_FOLLOWUP;
	res->question = question;
	res->answer = answer;
	if (!answer)
		dlg_say(res, st->lang, sorry, NULL, 0);
	return 0;
}

int dlg_v_fu_resolved(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                      struct dlg_result *res)
{
	static const char *const yes[] = {"已解决", "解决了", "修好了",   "好了",       "没问题",
	                                  "fixed",  "solved", "all good", "it's fixed", NULL};
	static const char *const no[] = {"没有",    "还没好",       "没好",         "还是坏的",
	                                 "又坏了",  "还是不行",     "没有解决",     "还漏",
	                                 "not yet", "still broken", "broken again", NULL};

	return yes_no(st, "resolved", text, yes, no,
	              ctx->pol && ctx->pol->followup_reopen ? M_FU_SORRY_REOPENED
	                                                    : M_FU_SORRY_UNRESOLVED,
	              res);
}

int dlg_v_fu_satisfied(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                       struct dlg_result *res)
{
	static const char *const yes[] = {"准时",   "礼貌", "很好",  "挺好",   "都好", "非常好",
	                                  "很满意", "good", "great", "polite", NULL};
	static const char *const no[] = {"没有",   "不准时", "不礼貌", "迟到", "迟到了", "态度不好",
	                                 "态度差", "late",   "rude",   "bad",  NULL};

	(void)ctx;
	return yes_no(st, "satisfied", text, yes, no, M_FU_SORRY_UNSATISFIED, res);
}

/* "No" to "anything else?" means nothing to add, not a complaint. */
static int nothing_to_add(const char *text)
{
	static const char *const w[] = {"no",   "n",  "nope",   "nothing", "no thanks", "不",
	                                "不用", "没", "无意见", "没有了",  "挺好的",    NULL};

	return dlg_is_skip(text) || dlg_word_in(text, w);
}

int dlg_v_fu_comment(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                     struct dlg_result *res)
{
	(void)ctx;
	(void)st;
	res->action = DLG_ACT_FOLLOWUP;
	res->question = "comment";
	if (nothing_to_add(text))
		return 0;
	/* Kept as typed; a very long one is cut at a character boundary. */
	res->comment = strndup(text, dlg_cut(text, strlen(text), DLG_DESC_MAX, 0));
	return 0;
}

/* The question after the current one, or NULL at the last. */
static const char *next_question(const struct dlg_ctx *ctx, const struct dlg_state *st)
{
	const char *const *q;
	size_t n = questions(ctx, &q), i;

	for (i = 0; i < n; i++)
		if (strcmp(q[i], st->step) == 0)
			return i + 1 < n ? q[i + 1] : NULL;
	return NULL;
}

static void thank(struct dlg_state *st, struct dlg_result *res)
{
	const char *args[1] = {st->order};

	dlg_say(res, st->lang, M_FU_THANKS, args, 1);
	res->end = 1;
}

void dlg_followup_next(const struct dlg_ctx *ctx, struct dlg_state *st, struct dlg_result *res)
{
	const char *next = next_question(ctx, st);

	if (!next) {
		thank(st, res);
		return;
	}
	buf_copy(st->step, sizeof(st->step), next);
	st->tries = 0;
	/* After an apology the next question goes in the same message. */
	dlg_prompt_step(ctx, st, res, res->nreplies > 0);
}

int dlg_followup_words(const struct dlg_ctx *ctx, struct dlg_state *st,
                       const struct dlg_step_def *step, const char *text, struct dlg_result *res)
{
	/* Only the word itself: "没有" answers "is it solved?", it does not skip it. */
	static const char *const skip[] = {"skip", "/skip", "跳过", NULL};

	(void)step;
	if (dlg_is_help(text) || dlg_wants_person(text)) {
		dlg_prompt_step(ctx, st, res, 0);
		if (dlg_wants_person(text))
			dlg_offer_person(ctx, st, res);
		return 1;
	}
	if (dlg_is_cancel(text)) {
		/* Not now: what was answered is kept, nothing more is asked. */
		dlg_say(res, st->lang, M_FU_LATER, NULL, 0);
		res->end = 1;
		return 1;
	}
	if (strcmp(st->step, "comment") != 0 && dlg_word_in(text, skip)) {
		dlg_followup_next(ctx, st, res);
		return 1;
	}
	return 0;
}

int dlg_begin_followup(const struct dlg_ctx *ctx, struct dlg_state *st, const char *number,
                       const char *description, const char *staff_name, struct dlg_result *res)
{
	const char *const *q;
	const char *args[2];
	char what[160];
	size_t n;
	int lang = ctx->lang;

	questions(ctx, &q);
	dlg_state_release(st);
	dlg_state_init(st, lang);
	buf_copy(st->flow, sizeof(st->flow), "followup");
	buf_copy(st->step, sizeof(st->step), q[0]);
	buf_copy(st->order, sizeof(st->order), number);
	buf_copy(st->name, sizeof(st->name), staff_name);
	/* The work in a few words, so the resident knows which visit is meant. */
	n = dlg_cut(description, strlen(description), 30, sizeof(what) - 1);
	memcpy(what, description, n);
	what[n] = '\0';
	args[0] = number;
	args[1] = what;
	dlg_say(res, lang, M_FU_INTRO, args, 2);
	dlg_prompt_step(ctx, st, res, 1);
	res->handled = 1;
	return 0;
}
