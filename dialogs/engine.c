/*
 * engine.c - the dialog engine; see engine.h.
 *
 * Behaviour lives here, the shape of the conversations in flows.c, the
 * words in messages.c, and the state's JSON and the result's replies in
 * state.c. Everything is a function of its arguments: no clock, no store, no
 * network, so every transition can be unit-tested directly.
 */
#include "dialogs/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "dialogs/flows.h"
#include "dialogs/messages.h"
#include "dialogs/understand.h"

#define MAX_TRIES 3

/* Promised minutes and price text for the state's item or category. */
static void promise_of(const struct dlg_policy *c, const struct dlg_state *st, int *minutes,
                       const char **price, const char **item_name)
{
	const struct dlg_item *it = dlg_item_find(c, st->item);
	size_t i;

	*minutes = 0;
	*price = NULL;
	*item_name = NULL;
	if (it) {
		*minutes = it->response_minutes;
		*price = st->lang == DLG_EN && it->price_en ? it->price_en : it->price;
		*item_name = st->lang == DLG_EN && it->name_en ? it->name_en : it->name_zh;
	} else if (c) {
		for (i = 0; i < c->nitems; i++)
			if (strcmp(c->items[i].category, st->category) == 0 &&
			    (!*minutes || c->items[i].response_minutes < *minutes))
				*minutes = c->items[i].response_minutes;
	}
	if (*minutes <= 0)
		*minutes = 60;
}

/* Adds a reply built from message ID with ARGS; returns it for buttons. */
static struct dlg_reply *say(struct dlg_result *res, int lang, enum dlg_msg id,
                             const char *const *args, int nargs)
{
	struct buf b;
	struct dlg_reply *rep;

	buf_init(&b);
	buf_tpl(&b, dlg_msg(lang, id), args, nargs);
	rep = dlg_result_reply(res, buf_str(&b));
	buf_release(&b);
	return rep;
}

/* Appends text to the last reply (so one message carries intro and question). */
static void say_more(struct dlg_result *res, int lang, enum dlg_msg id, const char *const *args,
                     int nargs)
{
	struct dlg_reply *rep;
	struct buf b;

	if (!res->nreplies) {
		say(res, lang, id, args, nargs);
		return;
	}
	rep = &res->replies[res->nreplies - 1];
	buf_init(&b);
	buf_add(&b, rep->text);
	buf_addc(&b, '\n');
	buf_tpl(&b, dlg_msg(lang, id), args, nargs);
	if (!b.failed) {
		free(rep->text);
		rep->text = buf_detach(&b);
	}
	buf_release(&b);
}

/* The buttons each step offers: a label in the resident's language, data sent back. */
static const struct {
	enum dlg_buttons kind;
	enum dlg_msg label;
	const char *data;
} button_defs[] = {
        {DLG_BTN_CONFIRM, M_BTN_CONFIRM, "yes"},   {DLG_BTN_CONFIRM, M_BTN_BACK, "back"},
        {DLG_BTN_CONFIRM, M_BTN_CANCEL, "cancel"}, {DLG_BTN_YESNO, M_BTN_YES, "yes"},
        {DLG_BTN_YESNO, M_BTN_NO, "no"},           {DLG_BTN_ACCEPT, M_BTN_ACCEPT_YES, "yes"},
        {DLG_BTN_ACCEPT, M_BTN_ACCEPT_NO, "no"},   {DLG_BTN_SKIP, M_BTN_SKIP, "skip"},
        {DLG_BTN_ASAP, M_BTN_ASAP, "asap"},
};

static void add_buttons(struct dlg_reply *rep, int lang, enum dlg_buttons kind)
{
	static const char *const digits[] = {"1", "2", "3", "4", "5"};
	size_t i;

	if (!rep)
		return;
	if (kind == DLG_BTN_RATING) {
		for (i = 0; i < 5; i++)
			dlg_reply_button(rep, digits[i], digits[i]);
		return;
	}
	for (i = 0; i < sizeof(button_defs) / sizeof(button_defs[0]); i++)
		if (button_defs[i].kind == kind)
			dlg_reply_button(rep, dlg_msg(lang, button_defs[i].label),
			                 button_defs[i].data);
}

/*
 * Where buttons come back as their label rather than their data (a reply
 * keyboard, or a resident typing what they see), the label means the data.
 */
static const char *button_text(enum dlg_buttons kind, const char *text)
{
	const char *words[3];
	char folded[2][128];
	size_t i;
	int lang, n;

	for (i = 0; i < sizeof(button_defs) / sizeof(button_defs[0]); i++) {
		if (button_defs[i].kind != kind)
			continue;
		for (lang = DLG_ZH, n = 0; lang <= DLG_EN; lang++) {
			char *p;

			if (dlg_fold(dlg_msg(lang, button_defs[i].label), folded[lang],
			             sizeof(folded[lang])) < 0 ||
			    !folded[lang][0])
				continue;
			for (p = folded[lang]; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p - 'A' + 'a');
			words[n++] = folded[lang];
		}
		words[n] = NULL;
		if (n && dlg_word_in(text, words))
			return button_defs[i].data;
	}
	return text;
}

/* ---- prompts ------------------------------------------------------------------------ */

static int has_saved(const struct dlg_ctx *ctx)
{
	return ctx->saved_name && *ctx->saved_name && ctx->saved_room && *ctx->saved_room &&
	       ctx->saved_phone && *ctx->saved_phone;
}

/* "1. first; 2. second" for a message that held several requests, in B. */
static const char *several_of(const struct dlg_state *st, struct buf *b)
{
	int i;

	for (i = 0; i <= st->nmore; i++)
		buf_printf(b, "%s%d. %s", i ? st->lang == DLG_EN ? "; " : "；" : "", i + 1,
		           i ? st->more[i - 1] : st->description);
	return buf_str(b);
}

/* Fills the prompt of the current step into a reply (appended to the last one if APPEND). */
static void prompt_step(const struct dlg_ctx *ctx, const struct dlg_state *st,
                        struct dlg_result *res, int append)
{
	const struct dlg_flow_def *flow = dlg_flow_find(st->flow);
	int idx = dlg_step_index(flow, st->step);
	const struct dlg_step_def *step;
	struct dlg_reply *rep;
	char masked[32], minutes_s[16];
	const char *args[10] = {0};
	int nargs = 0, minutes;
	const char *price, *item_name;
	char item_part[160] = "";
	struct buf all;

	buf_init(&all);
	if (idx < 0)
		return;
	step = &flow->steps[idx];
	if (strcmp(step->name, "saved") == 0) {
		dlg_mask_phone(ctx->saved_phone ? ctx->saved_phone : "", masked, sizeof(masked));
		args[0] = ctx->saved_name;
		args[1] = ctx->saved_room;
		args[2] = masked;
		nargs = 3;
	} else if (strcmp(step->name, "confirm") == 0) {
		promise_of(ctx->pol, st, &minutes, &price, &item_name);
		snprintf(minutes_s, sizeof(minutes_s), "%d", minutes);
		if (item_name)
			snprintf(item_part, sizeof(item_part), " · %s", item_name);
		args[0] = dlg_category_name(st->lang, st->category);
		args[1] = st->nmore ? several_of(st, &all) : st->description;
		args[2] = st->room;
		args[3] = st->name;
		args[4] = st->phone; /* a private conversation: the resident's own number */
		args[5] = st->time;
		args[6] = price && *price ? price : dlg_msg(st->lang, M_NONE_GIVEN);
		args[7] = minutes_s;
		args[8] = item_part;
		nargs = 9;
	} else if (strcmp(step->name, "accept") == 0) {
		return; /* asked by dlg_begin_accept, which knows the staff and fee */
	}
	if (append && res->nreplies) {
		say_more(res, st->lang, step->prompt, args, nargs);
		rep = &res->replies[res->nreplies - 1];
	} else {
		rep = say(res, st->lang, step->prompt, args, nargs);
	}
	add_buttons(rep, st->lang, step->buttons);
	buf_release(&all);
}

int dlg_prompt(const struct dlg_ctx *ctx, const struct dlg_state *st, struct dlg_result *res)
{
	prompt_step(ctx, st, res, 0);
	return 0;
}

/* Is the field behind STEP already known? */
static int step_satisfied(const struct dlg_ctx *ctx, const struct dlg_state *st, const char *step)
{
	if (strcmp(step, "description") == 0)
		return st->description[0] != '\0';
	if (strcmp(step, "saved") == 0)
		return !has_saved(ctx) || st->saved_used != 0 ||
		       (st->room[0] && st->name[0] && st->phone[0]);
	if (strcmp(step, "room") == 0)
		return st->room[0] != '\0';
	if (strcmp(step, "name") == 0)
		return st->name[0] != '\0';
	if (strcmp(step, "phone") == 0)
		return st->phone[0] != '\0';
	if (strcmp(step, "time") == 0)
		return st->time[0] != '\0';
	return 0;
}

static void push_back(struct dlg_state *st, const char *step)
{
	if (st->nback == DLG_MAX_BACK) {
		memmove(st->back[0], st->back[1], sizeof(st->back[0]) * (DLG_MAX_BACK - 1));
		st->nback--;
	}
	buf_copy(st->back[st->nback++], sizeof(st->back[0]), step);
}

static int in_back(const struct dlg_state *st, const char *step)
{
	int i;

	for (i = 0; i < st->nback; i++)
		if (strcmp(st->back[i], step) == 0)
			return 1;
	return 0;
}

/*
 * Was STEP answered without being asked (picked up from a message)? Those
 * steps join the back stack as they are passed, so "back" can still reach a
 * room or phone number that was read wrongly from the first message. What
 * the "saved" answer filled in is undone by going back to that question.
 */
static int prefilled(const struct dlg_state *st, const char *step)
{
	/* Only asked of steps step_satisfied() passed, so their field is set. */
	if (strcmp(step, "room") == 0 || strcmp(step, "name") == 0 || strcmp(step, "phone") == 0)
		return st->saved_used <= 0;
	return strcmp(step, "description") == 0 || strcmp(step, "time") == 0;
}

/* Moves to the first step still needing an answer. */
static void advance(const struct dlg_ctx *ctx, struct dlg_state *st)
{
	const struct dlg_flow_def *flow = dlg_flow_find(st->flow);
	int i;

	for (i = 0; flow && i < flow->nsteps; i++) {
		const struct dlg_step_def *step = &flow->steps[i];

		if (!step_satisfied(ctx, st, step->name))
			break;
		if (step->counts_for_back && prefilled(st, step->name) && !in_back(st, step->name))
			push_back(st, step->name);
	}
	if (flow && i < flow->nsteps)
		buf_copy(st->step, sizeof(st->step), flow->steps[i].name);
	st->tries = 0;
}

static void clear_field(struct dlg_state *st, const char *step)
{
	if (strcmp(step, "description") == 0) {
		st->description[0] = '\0';
		st->item[0] = '\0'; /* matched again from the new description */
		st->nmore = 0;
	} else if (strcmp(step, "saved") == 0) {
		if (st->saved_used > 0)
			st->room[0] = st->name[0] = st->phone[0] = '\0';
		st->saved_used = 0;
	} else if (strcmp(step, "room") == 0) {
		st->room[0] = '\0';
	} else if (strcmp(step, "name") == 0) {
		st->name[0] = '\0';
	} else if (strcmp(step, "phone") == 0) {
		st->phone[0] = '\0';
	} else if (strcmp(step, "time") == 0) {
		st->time[0] = '\0';
		st->time_at = 0;
		st->time_end = 0;
	}
}

/* ---- validators: 0 accepted, or the message to re-ask with ---------------------- */

typedef int (*dlg_validator)(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                             struct dlg_result *res);

/* Control characters (tabs and line breaks too) or broken UTF-8: keep the folded copy. */
static int has_control(const char *t)
{
	char f[DLG_DESC_MAX * 4 + 1];
	const unsigned char *p;

	for (p = (const unsigned char *)t; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 1;
	/* dlg_fold repairs broken bytes: a text it changes beyond spaces and width is broken */
	return dlg_fold(t, f, sizeof(f)) < 0 || strstr(f, "\xef\xbf\xbd") != NULL;
}

/* Sets the description and, from it, the catalogue item and category. */
static int set_description(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text)
{
	const struct dlg_item *it;
	char folded[sizeof(st->description)];
	int rc = dlg_check_description(text, folded, sizeof(folded));

	if (rc == DLG_E_TOOLONG || rc == DLG_E_SPACE)
		return M_BAD_DESC_LONG;
	if (rc < 0)
		return M_BAD_DESC;
	buf_copy(st->description, sizeof(st->description), folded);
	/*
	 * Folding is for matching: what is stored and shown is what the resident
	 * wrote ("厨房漏水，很急！（在水槽下面）"), unless it holds bytes the folded
	 * copy had to drop or does not fit.
	 */
	if (strlen(text) < sizeof(st->description) && !has_control(text))
		buf_copy(st->description, sizeof(st->description), text);
	/*
	 * A category only binds when a trigger gave it; one guessed from an
	 * earlier description (before "back") must not keep the new one from
	 * matching its own item.
	 */
	st->item[0] = '\0';
	if (!st->category_fixed)
		st->category[0] = '\0';
	it = dlg_item_for(ctx->pol, folded, st->category[0] ? st->category : NULL);
	if (it) {
		buf_copy(st->item, sizeof(st->item), it->id);
		buf_copy(st->category, sizeof(st->category), it->category);
	} else if (!st->category[0]) {
		buf_copy(st->category, sizeof(st->category), "inquiry");
	}
	return 0;
}

/* The description answer, with a room or phone number in it picked up as in a first message. */
static int v_description(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                         struct dlg_result *res)
{
	struct dlg_understood u;
	int rc;

	(void)res;
	rc = set_description(ctx, st, text); /* length is judged on what was typed */
	if (rc)
		return rc;
	dlg_understand(ctx->pol, text, ctx->now, &u);
	if (!u.phone[0] && (!u.room[0] || u.shared_place))
		return 0;
	if (!u.description[0]) { /* only a room or a number: still no description */
		st->description[0] = '\0';
		st->item[0] = '\0';
		return M_BAD_DESC;
	}
	rc = set_description(ctx, st, u.description);
	if (rc)
		return rc;
	if (!st->room[0] && !u.shared_place)
		buf_copy(st->room, sizeof(st->room), u.room);
	if (!st->phone[0])
		buf_copy(st->phone, sizeof(st->phone), u.phone);
	return 0;
}

static int v_saved(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                   struct dlg_result *res)
{
	(void)res;
	if (dlg_is_yes(text)) {
		st->saved_used = 1;
		if (!st->room[0])
			buf_copy(st->room, sizeof(st->room), ctx->saved_room);
		if (!st->name[0])
			buf_copy(st->name, sizeof(st->name), ctx->saved_name);
		if (!st->phone[0])
			buf_copy(st->phone, sizeof(st->phone), ctx->saved_phone);
		return 0;
	}
	if (dlg_is_no(text)) {
		st->saved_used = -1;
		return 0;
	}
	return M_BAD_YESNO;
}

static int v_room(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                  struct dlg_result *res)
{
	struct dlg_extract x;

	(void)ctx;
	(void)res;
	if (dlg_norm_room(text, st->room, sizeof(st->room)) == 0)
		return 0;
	/* "flat 3-2-501", "我住3栋2单元501": the room inside a short sentence. */
	dlg_extract_details(text, &x);
	if (x.room[0]) {
		buf_copy(st->room, sizeof(st->room), x.room);
		return 0;
	}
	/* A shared place is a location too: "5栋2单元楼道", "地下车库". */
	if (dlg_shared_place(text, st->room, sizeof(st->room)) == 0)
		return 0;
	st->room[0] = '\0';
	return M_BAD_ROOM;
}

static int v_name(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                  struct dlg_result *res)
{
	(void)ctx;
	(void)res;
	return dlg_check_name(text, st->name, sizeof(st->name)) < 0 ? M_BAD_NAME : 0;
}

static int v_phone(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                   struct dlg_result *res)
{
	struct dlg_extract x;

	(void)ctx;
	(void)res;
	if (dlg_norm_phone(text, st->phone, sizeof(st->phone)) == 0)
		return 0;
	/* "my number is 13800138000", "电话13800138000". */
	dlg_extract_details(text, &x);
	if (!x.phone[0])
		return M_BAD_PHONE;
	buf_copy(st->phone, sizeof(st->phone), x.phone);
	return 0;
}

static int v_time(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                  struct dlg_result *res)
{
	time_t at = 0;

	char phone[32];

	(void)res;
	/* A phone number typed at the time step, or a day gone by, is not a visit time. */
	if (dlg_norm_phone(text, phone, sizeof(phone)) == 0)
		return M_BAD_TIME_PHONE;
	if (dlg_time_is_past(text))
		return M_BAD_TIME_PAST;
	if (dlg_parse_time(text, (time_t)ctx->now, st->time, sizeof(st->time), &at) < 0)
		return M_BAD_TIME;
	if (at && (int64_t)at < ctx->now - 3600) {
		st->time[0] = '\0';
		return M_BAD_TIME_PAST;
	}
	if (strcmp(st->time, "asap") == 0)
		buf_copy(st->time, sizeof(st->time), dlg_msg(st->lang, M_BTN_ASAP));
	st->time_at = (int64_t)at;
	st->time_end = dlg_time_window_end(text, st->time_at);
	return 0;
}

static int v_confirm(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                     struct dlg_result *res)
{
	(void)ctx;
	if (!dlg_is_yes(text))
		return M_BAD_CONFIRM;
	res->action = DLG_ACT_CREATE;
	res->save_profile = 1;
	res->end = 1;
	(void)st;
	return 0;
}

/* How residents say the work is done, or not, besides yes and no. */
static int v_accept(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                    struct dlg_result *res)
{
	static const char *const fixed[] = {"非常满意",   "很满意",   "挺满意", "已解决",
	                                    "解决了",     "修好了",   "好了",   "fixed",
	                                    "it's fixed", "all good", NULL};
	static const char *const not_fixed[] = {"还没好",       "没好",     "还没修好", "还是坏的",
	                                        "还是不行",     "没有解决", "还漏",     "not yet",
	                                        "still broken", NULL};
	const char *args[1] = {st->order};

	(void)ctx;
	if (dlg_is_yes(text) || dlg_word_in(text, fixed)) {
		res->action = DLG_ACT_ACCEPTED;
		return 0;
	}
	if (dlg_is_no(text) || dlg_word_in(text, not_fixed)) {
		res->action = DLG_ACT_REWORK;
		say(res, st->lang, M_REWORK_ACK, args, 1);
		res->end = 1;
		return 0;
	}
	return M_BAD_YESNO;
}

static int v_rating(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
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
 * cut at a character boundary rather than lost.
 */
static char *comment_of(const char *text)
{
	size_t chars = 0, i;

	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	if (!*text)
		return NULL;
	for (i = 0; text[i]; i++)
		if (((unsigned char)text[i] & 0xc0) != 0x80 && chars++ == DLG_DESC_MAX)
			break;
	return strndup(text, i);
}

static int v_comment(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                     struct dlg_result *res)
{
	const char *args[1] = {st->order};

	(void)ctx;
	res->action = DLG_ACT_COMMENTED;
	if (!no_comment(text))
		res->comment = comment_of(text);
	say(res, st->lang, M_THANKS, args, 1);
	res->end = 1;
	return 0;
}

static const struct {
	const char *name;
	dlg_validator fn;
} validators[] = {
        {"description", v_description},
        {"saved", v_saved},
        {"room", v_room},
        {"name", v_name},
        {"phone", v_phone},
        {"time", v_time},
        {"confirm", v_confirm},
        {"accept", v_accept},
        {"rating", v_rating},
        {"comment", v_comment},
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

/* ---- the engine ------------------------------------------------------------------- */

static void end_flow(const struct dlg_ctx *ctx, struct dlg_state *st, struct dlg_result *res)
{
	struct dlg_state resumed;

	res->end = 1;
	if (!st->suspended)
		return;
	/* An intake was paused by the acceptance questions: pick it up again. */
	if (dlg_state_from_json(st->suspended, &resumed) == 0 && resumed.flow[0]) {
		/* The caller applies this answer's action to state.order: keep it. */
		buf_copy(resumed.order, sizeof(resumed.order), st->order);
		dlg_state_release(st);
		*st = resumed;
		res->end = 0;
		say(res, st->lang, M_RESUMED, NULL, 0);
		prompt_step(ctx, st, res, 1);
		return;
	}
	dlg_state_release(&resumed);
}

/* Hands the resident to a person: the centre's desk phone, added to the last reply. */
static void offer_person(const struct dlg_ctx *ctx, const struct dlg_state *st,
                         struct dlg_result *res)
{
	const char *args[1] = {ctx->pol && ctx->pol->phone ? ctx->pol->phone : ""};

	say_more(res, st->lang, M_TOO_MANY, args, 1);
	res->human = 1;
}

static void decline(const struct dlg_ctx *ctx, struct dlg_state *st, struct dlg_result *res)
{
	const char *referral = NULL;
	const char *dargs[2];

	if (ctx->pol && ctx->pol->out_of_scope)
		referral = st->lang == DLG_EN ? ctx->pol->out_of_scope->referral_en
		                              : ctx->pol->out_of_scope->referral_zh;
	dargs[0] = st->description;
	dargs[1] = referral ? referral : "";
	say(res, st->lang, M_DECLINED, dargs, 2);
	res->action = DLG_ACT_DECLINE;
	res->end = 1;
}

/* Says which requests the message held, when more than one becomes an order. */
static void say_several(const struct dlg_ctx *ctx, struct dlg_state *st, struct dlg_result *res)
{
	struct buf b;
	char count[16];
	const char *args[2];
	int i;

	buf_init(&b);
	for (i = 0; i <= st->nmore; i++) {
		const char *d = i ? st->more[i - 1] : st->description;
		const struct dlg_item *it = dlg_item_for(ctx->pol, d, NULL);

		buf_printf(&b, "%s%d. %s", i ? "\n" : "", i + 1, d);
		if (it)
			buf_printf(&b, " (%s)",
			           st->lang == DLG_EN && it->name_en ? it->name_en : it->name_zh);
	}
	snprintf(count, sizeof(count), "%d", st->nmore + 1);
	args[0] = count;
	args[1] = buf_str(&b);
	say(res, st->lang, M_SEVERAL, args, 2);
	buf_release(&b);
}

/*
 * A new intake with everything the first message already said (U), opened
 * with INTRO (M_COUNT: "let's register your CATEGORY request").
 */
static void start_intake_u(const struct dlg_ctx *ctx, struct dlg_state *st,
                           const struct dlg_understood *u, const char *category, enum dlg_msg intro,
                           struct dlg_result *res)
{
	const char *args[1];
	int rc = 0, i;

	dlg_state_release(st);
	dlg_state_init(st, ctx->lang);
	buf_copy(st->flow, sizeof(st->flow), "intake");
	buf_copy(st->category, sizeof(st->category), category);
	st->category_fixed = category && *category;
	buf_copy(st->room, sizeof(st->room), u->room);
	buf_copy(st->phone, sizeof(st->phone), u->phone);
	buf_copy(st->name, sizeof(st->name), u->name);
	if (u->time[0] && u->time_at) {
		buf_copy(st->time, sizeof(st->time), u->time);
		st->time_at = u->time_at;
		st->time_end = u->time_end;
	}
	if (u->description[0]) {
		rc = set_description(ctx, st, u->nparts > 1 ? u->parts[0] : u->description);
		if (rc) { /* drop it and ask, saying why when it was too long */
			st->description[0] = '\0';
			st->item[0] = '\0';
		} else if (dlg_out_of_scope(ctx->pol, st->description)) {
			decline(ctx, st, res);
			return;
		}
		for (i = 1; !rc && i < u->nparts && st->nmore < DLG_MAX_MORE; i++)
			buf_copy(st->more[st->nmore++], sizeof(st->more[0]), u->parts[i]);
	}
	if (intro != M_COUNT) {
		say(res, st->lang, intro, NULL, 0);
	} else if (st->nmore) {
		say_several(ctx, st, res);
	} else if (st->category[0]) {
		args[0] = dlg_category_name(st->lang, st->category);
		say(res, st->lang, M_START, args, 1);
	}
	if (rc == M_BAD_DESC_LONG)
		say_more(res, st->lang, M_BAD_DESC_LONG, NULL, 0);
	advance(ctx, st);
	prompt_step(ctx, st, res, 1);
}

static void start_intake(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                         const char *category, struct dlg_result *res)
{
	struct dlg_understood u;

	dlg_understand(ctx->pol, text, ctx->now, &u);
	start_intake_u(ctx, st, &u, category, M_COUNT, res);
}

/* An emergency: advice and numbers at once, nothing asked first; the core records it. */
static void emergency(const struct dlg_ctx *ctx, struct dlg_state *st,
                      const struct dlg_understood *u, const char *text, struct dlg_result *res)
{
	const struct dlg_emergency *e = u->emergency;
	const char *advice = st->lang == DLG_EN ? e->advice_en : e->advice_zh;
	const char *pargs[1] = {ctx->pol && ctx->pol->phone ? ctx->pol->phone : ""};
	const char *args[2];
	const char *call = st->lang == DLG_EN ? e->call_en : e->call_zh;
	struct buf calls;

	buf_init(&calls);
	if (call)
		buf_add(&calls, call);
	if (pargs[0][0]) {
		if (call)
			buf_add(&calls, st->lang == DLG_EN ? "; " : "；");
		buf_tpl(&calls, dlg_msg(st->lang, M_CALL_CENTRE), pargs, 1);
	}
	args[0] = advice ? advice : "";
	args[1] = buf_str(&calls);
	say(res, st->lang, M_EMERGENCY, args, 2);
	buf_release(&calls);
	buf_copy(st->urgent, sizeof(st->urgent), e->id);
	if (set_description(ctx, st, u->description[0] ? u->description : text) != 0)
		buf_copy(st->description, sizeof(st->description), text);
	if (u->items[0]) {
		buf_copy(st->item, sizeof(st->item), u->items[0]->id);
		buf_copy(st->category, sizeof(st->category), u->items[0]->category);
	} else {
		st->item[0] = '\0';
		buf_copy(st->category, sizeof(st->category), "repair");
	}
	res->action = DLG_ACT_EMERGENCY;
	res->end = 1;
}

/* 1 when TEXT, said during an intake, is an emergency: handled as one. */
static int emergency_said(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                          struct dlg_result *res)
{
	struct dlg_understood u;

	dlg_understand(ctx->pol, text, ctx->now, &u);
	if (u.kind != DLG_K_EMERGENCY)
		return 0;
	if (u.room[0])
		buf_copy(st->room, sizeof(st->room), u.room);
	if (u.phone[0])
		buf_copy(st->phone, sizeof(st->phone), u.phone);
	st->nmore = 0;
	emergency(ctx, st, &u, text, res);
	return 1;
}

/* Is the greeting a thank-you? */
static int is_thanks(const char *text)
{
	return strstr(text, "谢") || strstr(text, "辛苦") || strstr(text, "thank") ||
	       strstr(text, "Thank") || strstr(text, "thx");
}

/*
 * A conversation's first message with no trigger: what it is decides what
 * happens (understand.h). With a trigger only an emergency overrides it.
 */
static void first_message(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                          const char *category, struct dlg_result *res)
{
	struct dlg_understood u;
	const char *answer;

	dlg_understand(ctx->pol, text, ctx->now, &u);
	if (category && u.kind != DLG_K_EMERGENCY) {
		start_intake_u(ctx, st, &u, category, M_COUNT, res);
		return;
	}
	dlg_state_release(st);
	dlg_state_init(st, ctx->lang);
	buf_copy(st->room, sizeof(st->room), u.room);
	buf_copy(st->phone, sizeof(st->phone), u.phone);
	buf_copy(st->name, sizeof(st->name), u.name);
	switch (u.kind) {
	case DLG_K_EMERGENCY:
		emergency(ctx, st, &u, text, res);
		return;
	case DLG_K_COMPLAINT:
		if (set_description(ctx, st, u.description[0] ? u.description : text) != 0)
			buf_copy(st->description, sizeof(st->description), text);
		buf_copy(st->category, sizeof(st->category), "complaint");
		st->item[0] = '\0';
		res->action = DLG_ACT_COMPLAINT;
		res->end = 1;
		return;
	case DLG_K_ANSWER: {
		struct buf b;

		answer = st->lang == DLG_EN ? u.answer->answer_en : u.answer->answer_zh;
		buf_init(&b);
		buf_add(&b, answer ? answer : "");
		buf_addc(&b, '\n');
		buf_add(&b, dlg_msg(st->lang, M_ANSWER_FOOT));
		dlg_result_reply(res, buf_str(&b));
		buf_release(&b);
		res->end = 1;
		return;
	}
	case DLG_K_GREETING:
		say(res, st->lang, is_thanks(text) ? M_WELCOME_THANKS : M_GREETING, NULL, 0);
		res->end = 1;
		return;
	case DLG_K_OUT_OF_SCOPE:
		if (set_description(ctx, st, u.description[0] ? u.description : text) != 0)
			buf_copy(st->description, sizeof(st->description), text);
		decline(ctx, st, res);
		return;
	case DLG_K_QUESTION: /* no known answer: the staff answer it as an inquiry */
		start_intake_u(ctx, st, &u, "inquiry", M_QUESTION_TO_STAFF, res);
		return;
	case DLG_K_REQUEST:
		break;
	}
	start_intake_u(ctx, st, &u, NULL, M_COUNT, res);
}

/* Words that answer a question, which mean nothing when no question was asked. */
static int is_answer_word(const char *text)
{
	return dlg_is_yes(text) || dlg_is_no(text) || dlg_is_back(text) || dlg_is_skip(text) ||
	       dlg_is_help(text);
}

/* The resident asks for a person rather than help text. */
static int wants_person(const char *text)
{
	static const char *const w[] = {"人工",  "转人工",   "人工客服", "human",
	                                "agent", "operator", NULL};

	return dlg_word_in(text, w);
}

/* Help, cancel and skip during the acceptance questions; 1 when TEXT was one of them. */
static int accept_words(const struct dlg_ctx *ctx, struct dlg_state *st,
                        const struct dlg_step_def *step, const char *text, struct dlg_result *res)
{
	const char *args[2];
	char days[16];

	if (dlg_is_help(text) || wants_person(text)) {
		if (strcmp(step->name, "accept") == 0) /* the question itself needs staff and fee */
			add_buttons(say(res, st->lang, M_BAD_YESNO, NULL, 0), st->lang,
			            DLG_BTN_ACCEPT);
		else
			prompt_step(ctx, st, res, 0);
		if (wants_person(text))
			offer_person(ctx, st, res);
		return 1;
	}
	if (strcmp(step->name, "accept") == 0 && dlg_is_cancel(text)) {
		/* Not now: the order stays awaiting acceptance and closes by itself. */
		snprintf(days, sizeof(days), "%d", ctx->pol ? ctx->pol->acceptance_days : 3);
		args[0] = st->order;
		args[1] = days;
		say(res, st->lang, M_ACCEPT_LATER, args, 2);
		end_flow(ctx, st, res);
		return 1;
	}
	if (strcmp(step->name, "rating") == 0 && (dlg_is_cancel(text) || dlg_is_skip(text))) {
		/* The work is accepted already; a rating is not owed. */
		args[0] = st->order;
		say(res, st->lang, M_THANKS, args, 1);
		end_flow(ctx, st, res);
		return 1;
	}
	return 0;
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
	if (!st->flow[0]) {
		int trig = dlg_is_trigger(text, &category);

		if (!trig && ctx->is_group && !ctx->addressed) {
			res->handled = 0;
			return 0;
		}
		if (!trig && dlg_is_cancel(text)) { /* nothing to cancel: say so */
			say(res, ctx->lang, M_CANCELLED_INTAKE, NULL, 0);
			res->end = 1;
			return 0;
		}
		/* A stray "yes" or a button pressed twice is not a description of a need. */
		if (!trig && is_answer_word(text))
			start_intake(ctx, st, "", NULL, res);
		else
			first_message(ctx, st, text, trig ? category : NULL, res);
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
	text = button_text(step->buttons, text);

	if (strcmp(st->flow, "intake") == 0) {
		if (dlg_is_cancel(text)) {
			say(res, st->lang, M_CANCELLED_INTAKE, NULL, 0);
			res->end = 1;
			return 0;
		}
		if (dlg_is_back(text)) {
			if (!st->nback) {
				say(res, st->lang, M_FIRST_STEP, NULL, 0);
				prompt_step(ctx, st, res, 1);
				return 0;
			}
			st->nback--;
			clear_field(st, st->back[st->nback]);
			buf_copy(st->step, sizeof(st->step), st->back[st->nback]);
			st->tries = 0;
			prompt_step(ctx, st, res, 0);
			return 0;
		}
		/*
		 * A new trigger in the middle of an intake starts that intake afresh;
		 * at the description step too, so "报修 3-2-501 漏水" is read as a first
		 * message rather than taken whole as the description.
		 */
		if (dlg_is_trigger(text, &category)) {
			start_intake(ctx, st, text, category, res);
			return 0;
		}
		/* An emergency said in the middle of a request comes first. */
		if (emergency_said(ctx, st, text, res))
			return 0;
		if (dlg_is_help(text) || wants_person(text)) {
			prompt_step(ctx, st, res, 0);
			if (wants_person(text))
				offer_person(ctx, st, res);
			else
				say_more(res, st->lang, M_HELP_FOOT, NULL, 0);
			return 0;
		}
	} else if (dlg_is_trigger(text, &category)) {
		/*
		 * A new request while the acceptance question is open: take the
		 * request. The order keeps waiting, and the caller asks about it again
		 * once the request is done.
		 */
		start_intake(ctx, st, text, category, res);
		return 0;
	} else if (accept_words(ctx, st, step, text, res)) {
		return 0;
	}

	fn = validator_find(step->validator);
	rc = fn ? fn(ctx, st, text, res) : M_ERROR;
	if (rc) {
		st->tries++;
		if (!say(res, st->lang, (enum dlg_msg)rc, NULL, 0))
			return -1;
		if (st->tries >= MAX_TRIES) {
			offer_person(ctx, st, res);
			st->tries = 0;
		}
		add_buttons(&res->replies[res->nreplies - 1], st->lang,
		            step->buttons == DLG_BTN_ASAP ? DLG_BTN_NONE : step->buttons);
		return 0;
	}

	if (strcmp(st->flow, "intake") == 0) {
		if (strcmp(step->name, "description") == 0 &&
		    dlg_out_of_scope(ctx->pol, st->description)) {
			decline(ctx, st, res);
			return 0;
		}
		if (res->end)
			return 0; /* confirmed: the caller answers with the order number */
		if (step->counts_for_back)
			push_back(st, step->name);
		advance(ctx, st);
		prompt_step(ctx, st, res, 0);
		return 0;
	}

	/* Acceptance. */
	if (res->end) {
		end_flow(ctx, st, res);
		return 0;
	}
	if (idx + 1 < flow->nsteps) {
		buf_copy(st->step, sizeof(st->step), flow->steps[idx + 1].name);
		st->tries = 0;
		prompt_step(ctx, st, res, 0);
	}
	return 0;
}

int dlg_begin_accept(const struct dlg_ctx *ctx, struct dlg_state *st, const char *number,
                     const char *staff_name, const char *fee, struct dlg_result *res)
{
	char fee_part[96] = "";
	const char *args[3];
	const char *fargs[1] = {fee};
	struct buf b;
	char *paused = NULL;
	int lang = st->flow[0] ? st->lang : ctx->lang;

	if (strcmp(st->flow, "intake") == 0) {
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
	if (fee && *fee) {
		buf_init(&b);
		buf_tpl(&b, dlg_msg(lang, M_FEE_PART), fargs, 1);
		buf_copy(fee_part, sizeof(fee_part), buf_str(&b));
		buf_release(&b);
	}
	args[0] = number;
	args[1] = staff_name;
	args[2] = fee_part;
	add_buttons(say(res, lang, M_ASK_ACCEPT, args, 3), lang, DLG_BTN_ACCEPT);
	res->handled = 1;
	return 0;
}
