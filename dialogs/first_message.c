/*
 * first_message.c - what the engine does with the first message of a
 * conversation, once dialogs/understand.c has said what it is: an emergency
 * answered at once, a complaint recorded, a known question answered, a
 * greeting or thanks answered with nothing opened, or an intake started
 * with every detail the message already held (several requests at once are
 * said back, one order each).
 */
#include "dialogs/engine_internal.h"

#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "dialogs/understand.h"

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
	dlg_say(res, st->lang, M_SEVERAL, args, 2);
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
	char desk[sizeof(st->desk)];
	int rc = 0, i;

	buf_copy(desk, sizeof(desk), st->desk); /* a request started afresh stays a desk intake */
	dlg_state_release(st);
	dlg_state_init(st, ctx->lang);
	buf_copy(st->desk, sizeof(st->desk), desk);
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
		rc = dlg_set_description(ctx, st, u->nparts > 1 ? u->parts[0] : u->description);
		if (rc) { /* drop it and ask, saying why when it was too long */
			st->description[0] = '\0';
			st->item[0] = '\0';
		} else {
			dlg_desk_complaint(st, u); /* phoned in at the desk: still a complaint */
			if (dlg_declines(ctx, st)) {
				dlg_decline(ctx, st, res);
				return;
			}
		}
		for (i = 1; !rc && strcmp(st->category, "complaint") != 0 && i < u->nparts &&
		            st->nmore < DLG_MAX_MORE;
		     i++)
			buf_copy(st->more[st->nmore++], sizeof(st->more[0]), u->parts[i]);
	}
	if (st->desk[0]) {
		args[0] = dlg_source_name(st->lang, st->desk);
		dlg_say(res, st->lang, M_DESK_START, args, 1);
		if (st->nmore)
			say_several(ctx, st, res);
	} else if (intro != M_COUNT) {
		dlg_say(res, st->lang, intro, NULL, 0);
	} else if (st->nmore) {
		say_several(ctx, st, res);
	} else if (st->category[0]) {
		args[0] = dlg_category_name(st->lang, st->category);
		dlg_say(res, st->lang, M_START, args, 1);
	}
	if (rc == M_BAD_DESC_LONG)
		dlg_say_more(res, st->lang, M_BAD_DESC_LONG, NULL, 0);
	dlg_advance(ctx, st);
	dlg_prompt_step(ctx, st, res, 1);
}

void dlg_start_intake(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
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
	dlg_say(res, st->lang, M_EMERGENCY, args, 2);
	buf_release(&calls);
	buf_copy(st->urgent, sizeof(st->urgent), e->id);
	if (dlg_set_description(ctx, st, u->description[0] ? u->description : text) != 0)
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

/* A complaint: the core records it and says who handles it by when. */
static void complaint(const struct dlg_ctx *ctx, struct dlg_state *st,
                      const struct dlg_understood *u, const char *text, struct dlg_result *res)
{
	if (u->room[0])
		buf_copy(st->room, sizeof(st->room), u->room);
	if (u->phone[0])
		buf_copy(st->phone, sizeof(st->phone), u->phone);
	if (u->name[0])
		buf_copy(st->name, sizeof(st->name), u->name);
	/* A complaint has no visit time: "晚上" and "上次" are part of what happened. */
	if (dlg_set_description(ctx, st, text) != 0)
		buf_copy(st->description, sizeof(st->description), text);
	buf_copy(st->category, sizeof(st->category), "complaint");
	st->item[0] = '\0';
	st->nmore = 0;
	res->action = DLG_ACT_COMPLAINT;
	res->end = 1;
}

/* 1 when TEXT, said during an intake, is an emergency: handled as one. */
int dlg_emergency_said(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                       struct dlg_result *res)
{
	struct dlg_understood u;

	/* Said at every step: only an emergency is worth reading the whole message for. */
	if (!dlg_emergency_in(ctx->pol, text))
		return 0;
	dlg_understand(ctx->pol, text, ctx->now, &u);
	if (u.room[0])
		buf_copy(st->room, sizeof(st->room), u.room);
	if (u.phone[0])
		buf_copy(st->phone, sizeof(st->phone), u.phone);
	st->nmore = 0;
	emergency(ctx, st, &u, text, res);
	return 1;
}

/*
 * Written in Latin letters only ("hi", "thx"): too short for
 * dlg_lang_of_text(), but a greeting in English is answered in English.
 */
static int latin_only(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	int letters = 0;

	for (; *p; p++) {
		if (*p >= 0x80)
			return 0;
		letters += (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');
	}
	return letters > 0;
}

int dlg_complaint_said(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                       struct dlg_result *res)
{
	struct dlg_understood u;

	if (!dlg_complaint_in(ctx->pol, text))
		return 0;
	dlg_understand(ctx->pol, text, ctx->now, &u);
	if (u.kind != DLG_K_COMPLAINT)
		return 0;
	complaint(ctx, st, &u, text, res);
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
void dlg_first_message(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
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
		complaint(ctx, st, &u, text, res);
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
		if (latin_only(text))
			st->lang = DLG_EN;
		dlg_say(res, st->lang, is_thanks(text) ? M_WELCOME_THANKS : M_GREETING, NULL, 0);
		res->end = 1;
		return;
	case DLG_K_OUT_OF_SCOPE:
		if (dlg_set_description(ctx, st, u.description[0] ? u.description : text) != 0)
			buf_copy(st->description, sizeof(st->description), text);
		dlg_decline(ctx, st, res);
		return;
	case DLG_K_QUESTION: /* no known answer: the staff answer it as an inquiry */
		start_intake_u(ctx, st, &u, "inquiry", M_QUESTION_TO_STAFF, res);
		return;
	case DLG_K_REQUEST:
		break;
	}
	start_intake_u(ctx, st, &u, NULL, M_COUNT, res);
}
