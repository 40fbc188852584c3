/*
 * intake.c - the steps of a request: which step comes next (skipping what
 * the first message or the saved details already told), going back a step,
 * and the validators of each answer (description, saved details, room,
 * name, phone, time, confirmation), each returning 0 or the message to
 * re-ask with. A description outside the service ends in a declined order.
 * Desk intake (staff for a resident) runs the same steps and validators, or
 * all of them at once for a request given whole (dlg_desk_fill).
 */
#include "dialogs/engine_internal.h"

#include <string.h>

#include "lib/buf.h"
#include "dialogs/understand.h"

/* Is the field behind STEP already known? */
static int step_satisfied(const struct dlg_ctx *ctx, const struct dlg_state *st, const char *step)
{
	if (strcmp(step, "description") == 0)
		return st->description[0] != '\0';
	if (strcmp(step, "saved") == 0) /* at the desk the details are the caller's, not staff's */
		return st->desk[0] || !dlg_has_saved(ctx) || st->saved_used != 0 ||
		       (st->room[0] && st->name[0] && st->phone[0]);
	if (strcmp(step, "room") == 0)
		return st->room[0] != '\0';
	if (strcmp(step, "name") == 0)
		return st->name[0] != '\0';
	if (strcmp(step, "phone") == 0)
		return st->phone[0] != '\0';
	if (strcmp(step, "time") == 0) /* a complaint taken down at the desk has none */
		return st->time[0] != '\0' || strcmp(st->category, "complaint") == 0;
	return 0;
}

void dlg_push_back(struct dlg_state *st, const char *step)
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
	return strcmp(step, "description") == 0 || (strcmp(step, "time") == 0 && st->time[0]);
}

/* Moves to the first step still needing an answer. */
void dlg_advance(const struct dlg_ctx *ctx, struct dlg_state *st)
{
	const struct dlg_flow_def *flow = dlg_flow_find(st->flow);
	int i;

	for (i = 0; flow && i < flow->nsteps; i++) {
		const struct dlg_step_def *step = &flow->steps[i];

		if (!step_satisfied(ctx, st, step->name))
			break;
		if (step->counts_for_back && prefilled(st, step->name) && !in_back(st, step->name))
			dlg_push_back(st, step->name);
	}
	if (flow && i < flow->nsteps)
		buf_copy(st->step, sizeof(st->step), flow->steps[i].name);
	st->tries = 0;
}

void dlg_clear_field(struct dlg_state *st, const char *step)
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
int dlg_set_description(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text)
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

void dlg_desk_complaint(struct dlg_state *st, const struct dlg_understood *u)
{
	if (!st->desk[0] || u->kind != DLG_K_COMPLAINT)
		return;
	buf_copy(st->category, sizeof(st->category), "complaint");
	st->category_fixed = 1;
	st->item[0] = '\0';
	st->nmore = 0;
	/* A complaint has no visit time: "晚上" and "上次" are part of what happened. */
	st->time[0] = '\0';
	st->time_at = 0;
	st->time_end = 0;
}

/* The description answer, with a room or phone number in it picked up as in a first message. */
int dlg_v_description(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                      struct dlg_result *res)
{
	struct dlg_understood u;
	int rc;

	(void)res;
	/* Taken down again at the desk ("back"): what it is now decides. */
	if (st->desk[0] && strcmp(st->category, "complaint") == 0) {
		st->category[0] = '\0';
		st->category_fixed = 0;
	}
	rc = dlg_set_description(ctx, st, text); /* length is judged on what was typed */
	if (rc)
		return rc;
	dlg_understand(ctx->pol, text, ctx->now, &u);
	dlg_desk_complaint(st, &u);
	if (!u.phone[0] && (!u.room[0] || u.shared_place))
		return 0;
	if (!u.description[0]) { /* only a room or a number: still no description */
		st->description[0] = '\0';
		st->item[0] = '\0';
		return M_BAD_DESC;
	}
	rc = dlg_set_description(ctx, st, u.description);
	if (rc)
		return rc;
	dlg_desk_complaint(st, &u);
	if (!st->room[0] && !u.shared_place)
		buf_copy(st->room, sizeof(st->room), u.room);
	if (!st->phone[0])
		buf_copy(st->phone, sizeof(st->phone), u.phone);
	return 0;
}

int dlg_v_saved(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
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

int dlg_v_room(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
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

int dlg_v_name(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
               struct dlg_result *res)
{
	(void)ctx;
	(void)res;
	return dlg_check_name(text, st->name, sizeof(st->name)) < 0 ? M_BAD_NAME : 0;
}

int dlg_v_phone(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
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

int dlg_v_time(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
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

int dlg_v_confirm(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
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

void dlg_decline(const struct dlg_ctx *ctx, struct dlg_state *st, struct dlg_result *res)
{
	const char *referral = NULL;
	const char *dargs[2];

	if (ctx->pol && ctx->pol->out_of_scope)
		referral = st->lang == DLG_EN ? ctx->pol->out_of_scope->referral_en
		                              : ctx->pol->out_of_scope->referral_zh;
	dargs[0] = st->description;
	dargs[1] = referral ? referral : "";
	dlg_say(res, st->lang, M_DECLINED, dargs, 2);
	res->action = DLG_ACT_DECLINE;
	res->end = 1;
}

int dlg_declines(const struct dlg_ctx *ctx, const struct dlg_state *st)
{
	/* A complaint about renovation noise is the centre's to handle, not a referral. */
	if (strcmp(st->category, "complaint") == 0)
		return 0;
	/* A caller's gas leak is an emergency to send someone to, not a referral. */
	if (st->desk[0] && dlg_emergency_in(ctx->pol, st->description))
		return 0;
	return dlg_out_of_scope(ctx->pol, st->description);
}

/* One given field through its validator; an empty one is left to what TEXT held. */
static int desk_field(const struct dlg_ctx *ctx, struct dlg_state *st, dlg_validator fn,
                      const char *given, char *field, int missing)
{
	struct dlg_result res;
	int rc = 0;

	if (given && *given) {
		dlg_result_init(&res);
		rc = fn(ctx, st, given, &res);
		dlg_result_release(&res);
	} else if (!field[0]) {
		rc = missing;
	}
	return rc;
}

int dlg_desk_fill(const struct dlg_ctx *ctx, struct dlg_state *st, const char *room,
                  const char *name, const char *phone, const char *text, const char *when,
                  const char **field)
{
	struct dlg_result res;
	int rc;

	buf_copy(st->flow, sizeof(st->flow), "intake");
	dlg_result_init(&res);
	*field = "text";
	rc = dlg_v_description(ctx, st, text ? text : "", &res);
	if (rc == 0) {
		*field = "room";
		rc = desk_field(ctx, st, dlg_v_room, room, st->room, M_BAD_ROOM);
	}
	if (rc == 0) {
		*field = "name";
		rc = desk_field(ctx, st, dlg_v_name, name, st->name, M_BAD_NAME);
	}
	if (rc == 0) {
		*field = "phone";
		rc = desk_field(ctx, st, dlg_v_phone, phone, st->phone, M_BAD_PHONE);
	}
	if (rc == 0 && strcmp(st->category, "complaint") != 0) {
		*field = "when";
		rc = dlg_v_time(ctx, st, when && *when ? when : "asap", &res);
	}
	dlg_result_release(&res);
	if (rc == 0)
		buf_copy(st->step, sizeof(st->step), "confirm");
	return rc;
}
