/*
 * prompts.c - what the dialog engine says: message templates filled into
 * replies, the buttons each step offers (and a pressed button's label read
 * back as its data), and the question of each step, with the details the
 * resident already gave shown where the step needs them.
 */
#include "dialogs/engine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

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
struct dlg_reply *dlg_say(struct dlg_result *res, int lang, enum dlg_msg id,
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
void dlg_say_more(struct dlg_result *res, int lang, enum dlg_msg id, const char *const *args,
                  int nargs)
{
	struct dlg_reply *rep;
	struct buf b;

	if (!res->nreplies) {
		dlg_say(res, lang, id, args, nargs);
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

void dlg_add_buttons(struct dlg_reply *rep, int lang, enum dlg_buttons kind)
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
const char *dlg_button_text(enum dlg_buttons kind, const char *text)
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

int dlg_has_saved(const struct dlg_ctx *ctx)
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

/* At the desk the questions are about the resident, asked of staff. */
static enum dlg_msg desk_prompt(enum dlg_msg id)
{
	static const enum dlg_msg map[][2] = {
	        {M_ASK_DESCRIPTION, M_DESK_ASK_DESCRIPTION},
	        {M_ASK_ROOM, M_DESK_ASK_ROOM},
	        {M_ASK_NAME, M_DESK_ASK_NAME},
	        {M_ASK_PHONE, M_DESK_ASK_PHONE},
	        {M_ASK_TIME, M_DESK_ASK_TIME},
	        {M_SUMMARY, M_DESK_SUMMARY},
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i][0] == id)
			return map[i][1];
	return id;
}

/* Fills the prompt of the current step into a reply (appended to the last one if APPEND). */
void dlg_prompt_step(const struct dlg_ctx *ctx, const struct dlg_state *st, struct dlg_result *res,
                     int append)
{
	const struct dlg_flow_def *flow = dlg_flow_find(st->flow);
	int idx = dlg_step_index(flow, st->step);
	const struct dlg_step_def *step;
	struct dlg_reply *rep;
	char masked[32], minutes_s[16];
	const char *args[10] = {0};
	enum dlg_msg prompt;
	int nargs = 0, minutes, complaint = strcmp(st->category, "complaint") == 0;
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
		if (complaint) /* answered within hours, by a supervisor */
			snprintf(minutes_s, sizeof(minutes_s), "%d",
			         ctx->pol ? ctx->pol->complaint_hours : 24);
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
		args[9] = dlg_source_name(st->lang, st->desk); /* desk intake: how it came in */
		nargs = 10;
	} else if (strcmp(step->name, "accept") == 0) {
		return; /* asked by dlg_begin_accept, which knows the staff and fee */
	} else if (strcmp(st->flow, "followup") == 0) {
		args[0] = st->order;
		args[1] = st->name; /* the staff member who did the work */
		nargs = 2;
	}
	prompt = st->desk[0] ? desk_prompt(step->prompt) : step->prompt;
	if (prompt == M_DESK_SUMMARY && complaint)
		prompt = M_DESK_COMPLAINT_SUMMARY;
	if (append && res->nreplies) {
		dlg_say_more(res, st->lang, prompt, args, nargs);
		rep = &res->replies[res->nreplies - 1];
	} else {
		rep = dlg_say(res, st->lang, prompt, args, nargs);
	}
	dlg_add_buttons(rep, st->lang, step->buttons);
	buf_release(&all);
}

int dlg_prompt(const struct dlg_ctx *ctx, const struct dlg_state *st, struct dlg_result *res)
{
	dlg_prompt_step(ctx, st, res, 0);
	return 0;
}
