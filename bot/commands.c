/*
 * commands.c - slash commands of staff and residents, one entry each.
 *
 * Like tmux's cmd_entry: each command is a declarative row (names, usage,
 * how many arguments, who may run it) plus an exec function. core_command()
 * does the common work first: find the row, check the staff list and role,
 * count arguments, look up the order, and only then run the command.
 * Each command answers with what happened, never by echoing itself. The
 * rows for writing about an order and fees are run by cmd_talk.c, those of a
 * resident's later wishes by cmd_resident.c (bot/cmd.h).
 */
#include "bot/cmd.h"

#include "bot/link.h"
#include "lib/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum who { ANYONE, STAFF, SUPERVISOR };

struct cmd_entry {
	const char *name;
	const char *alias; /* Chinese command word, or NULL */
	const char *usage;
	int min_args;
	int max_args;
	enum who who;
	int needs_order; /* argument 0 is an order number */
	int (*exec)(struct core_req *r, struct cmd_args *a);
};

int cmd_is_supervisor(const struct cfg_staff *s)
{
	return s && (strcmp(s->role, "supervisor") == 0 || strcmp(s->role, "dispatcher") == 0 ||
	             strcmp(s->role, "manager") == 0);
}

int cmd_tpl(struct core_req *r, enum dlg_msg id, const char *a0, const char *a1)
{
	const char *args[2] = {a0, a1};

	return core_reply_msg(r, id, args, 2);
}

int cmd_bad_state(struct core_req *r, const struct store_order *o)
{
	return cmd_tpl(r, M_BAD_STATE, o->number, dlg_status_name(r->lang, o->status));
}

int cmd_status_in(const char *status, const char *const *list)
{
	int i;

	for (i = 0; list[i]; i++)
		if (strcmp(status, list[i]) == 0)
			return 1;
	return 0;
}

int cmd_may_act(struct core_req *r, const struct store_order *o)
{
	if (!o->assignee[0] || strcmp(o->assignee, r->staff->id) == 0 ||
	    cmd_is_supervisor(r->staff))
		return 1;
	cmd_tpl(r, M_NOT_YOURS, o->number, core_staff_name(r->c, o->assignee));
	return 0;
}

int cmd_notice(struct core_req *r, const struct store_order *o, enum dlg_msg id, const char *a1,
               const char *a2, const char *a3)
{
	const char *args[4] = {o->number, a1, a2, a3};
	struct buf b;
	int rc;

	/* Nobody reads a desk order's notices when its resident has no chat: staff phone. */
	if (r->staff && (!o->channel[0] || !o->chat[0]))
		buf_copy(r->unreached, sizeof(r->unreached), o->number);
	buf_init(&b);
	buf_tpl(&b, dlg_msg(core_order_lang(r->c, o), id), args, 4);
	rc = b.failed ? -1 : core_notify_resident(r->c, o, buf_str(&b), NULL, 0, r->now);
	buf_release(&b);
	return rc;
}

static const char *centre_phone(struct core *c)
{
	const char *p = c->cfg->communities[0].phone;

	return p ? p : "";
}

int cmd_staff_lang(struct core_req *r)
{
	return dlg_lang_from_hint(r->c->cfg->locale, DLG_ZH);
}

/* Sends the assignee the resident's full contact details, privately, in their language. */
static int send_contact(struct core_req *r, const struct store_order *o, const struct cfg_staff *to)
{
	const char *args[6] = {o->number, o->contact_name, o->room,
	                       o->phone,  o->description,  o->preferred_time};
	char start[48], done[48];
	struct msg_button btn[2];
	struct buf b;
	int rc, lang = core_staff_lang(r->c, to);

	/* The next steps as buttons where the platform has them. */
	snprintf(start, sizeof(start), "/start %s", o->number);
	snprintf(done, sizeof(done), "/done %s", o->number);
	btn[0].label = dlg_msg(lang, M_BTN_START_WORK);
	btn[0].data = start;
	btn[1].label = dlg_msg(lang, M_BTN_DONE_WORK);
	btn[1].data = done;
	buf_init(&b);
	buf_tpl(&b, dlg_msg(lang, M_CONTACT), args, 6);
	rc = b.failed ? -1
	              : core_notify_staff_at(r->c, to, core_reach_of(o), buf_str(&b), btn, 2,
	                                     r->now);
	buf_release(&b);
	return rc;
}

int cmd_tell_staff(struct core_req *r, const struct cfg_staff *to, int reach, enum dlg_msg id,
                   const char *const *args, int nargs)
{
	return core_tell_staff(r->c, to, reach, id, args, nargs, r->now);
}

int cmd_checked(struct core_req *r, const struct store_order *o, const char *const *ok)
{
	if (!cmd_may_act(r, o))
		return 0;
	if (!cmd_status_in(o->status, ok))
		return cmd_bad_state(r, o) < 0 ? -1 : 0;
	return 1;
}

/*
 * Gives O to TO. Returns 0 when done, 1 when the order is past taking (the
 * sender has been told), <0 on a store failure.
 */
static int take(struct core_req *r, struct store_order *o, const struct cfg_staff *to,
                const char *action)
{
	static const char *const open[] = {"pending", "assigned", "scheduled", "rework", NULL};
	const char *new_status;
	const char *args[2] = {o->number, to->name};
	int reassign = o->assignee[0] && strcmp(o->assignee, to->id) != 0;
	const struct cfg_staff *previous = reassign ? cfg_staff_find(r->c->cfg, o->assignee) : NULL;
	const struct cfg_partner *partner =
	        reassign ? cfg_partner_find(r->c->cfg, o->assignee) : NULL;

	if (!cmd_status_in(o->status, open))
		return cmd_bad_state(r, o) < 0 ? -1 : 1;
	new_status = strcmp(o->status, "pending") == 0 ? "assigned" : o->status;
	buf_copy(o->assignee, sizeof(o->assignee), to->id);
	if (!o->assigned_at)
		o->assigned_at = r->now;
	if (core_transition(r->c, o, new_status, action, r->actor, r->in->channel, to->id, r->now) <
	    0)
		return -1;
	if (cmd_notice(r, o, reassign ? M_NOTICE_REASSIGNED : M_NOTICE_ASSIGNED, to->name, NULL,
	               NULL) < 0)
		return -1;
	/* The one taken off the job must not turn up at the door anyway. */
	if (previous && previous != r->staff &&
	    cmd_tell_staff(r, previous, core_reach_of(o), M_NOT_YOURS, args, 2) < 0)
		return -1;
	if (partner && core_tell_partner(r->c, partner, M_PARTNER_TAKEN_OFF, args, 1, r->now) < 0)
		return -1;
	/* Given the job by someone else: say so before the details. */
	if (to != r->staff &&
	    cmd_tell_staff(r, to, core_reach_of(o), M_ASSIGNED_TO_YOU, args, 1) < 0)
		return -1;
	return send_contact(r, o, to);
}

static int c_accept(struct core_req *r, struct cmd_args *a)
{
	struct store_order *o = &a->order;
	int rc;

	if (o->assignee[0] && strcmp(o->assignee, r->staff->id) != 0 &&
	    strcmp(o->status, "pending") != 0)
		return cmd_tpl(r, M_NOT_YOURS, o->number, core_staff_name(r->c, o->assignee));
	if (strcmp(o->status, "pending") != 0)
		return cmd_bad_state(r, o);
	rc = take(r, o, r->staff, "accepted");
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return cmd_tpl(r, M_OUT_ACCEPTED, o->number, r->staff->name);
}

/*
 * Sending someone without the item's skill is usually a slip: it needs a
 * "!" after the name ("/assign N liu!") to go through.
 */
static int c_assign(struct core_req *r, struct cmd_args *a)
{
	static const char *const open[] = {"pending", "assigned", "scheduled", "rework", NULL};
	const struct cfg_staff *to;
	const struct cfg_partner *partner;
	const struct dlg_item *it = cfg_item_find(r->c->cfg, a->order.item);
	size_t len = strlen(a->argv[1]);
	int rc, sure = len > 1 && a->argv[1][len - 1] == '!';
	const char *args[4];

	if (sure)
		a->argv[1][len - 1] = '\0';
	to = cfg_staff_find(r->c->cfg, a->argv[1]);
	partner = to ? NULL : cfg_partner_find(r->c->cfg, a->argv[1]);
	if (partner)
		return cmd_assign_partner(r, a, partner, sure);
	if (!to)
		return cmd_tpl(r, M_NO_STAFF, a->argv[1], NULL);
	if (!sure && it && it->skill && !cfg_staff_has_skill(to, it->skill) &&
	    cmd_status_in(a->order.status, open)) {
		args[0] = a->order.number;
		args[1] = to->name;
		args[2] = it->skill;
		args[3] = to->id;
		return core_reply_msg(r, M_NO_SKILL, args, 4);
	}
	/* Work goes to people on duty; someone off duty only with the "!". */
	if (!sure && to != r->staff && cmd_status_in(a->order.status, open) &&
	    !core_on_duty(r->c, to, r->now)) {
		args[0] = a->order.number;
		args[1] = to->name;
		args[2] = to->id;
		return core_reply_msg(r, M_OFF_DUTY_ASSIGN, args, 3);
	}
	rc = take(r, &a->order, to, "assigned");
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return cmd_tpl(r, M_OUT_ASSIGNED, a->order.number, to->name);
}

void cmd_format_when(int lang, int64_t at, const char *text, char *out, size_t len)
{
	struct tm tm;
	time_t t = (time_t)at;

	if (!at || !localtime_r(&t, &tm)) {
		buf_copy(out, len, text);
		return;
	}
	if (lang == DLG_EN)
		strftime(out, len, "%a %d %b %H:%M", &tm);
	else
		snprintf(out, len, "%d月%d日 %02d:%02d", tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		         tm.tm_min);
}

static int c_eta(struct core_req *r, struct cmd_args *a)
{
	static const char *const ok[] = {"assigned", "scheduled", "rework", NULL};
	struct store_order *o = &a->order;
	char text[256], when[128];
	time_t at = 0;

	int rc = cmd_checked(r, o, ok);

	if (rc <= 0)
		return rc;
	if (dlg_parse_time(a->argv[1], (time_t)r->now, text, sizeof(text), &at) < 0)
		return cmd_tpl(r, M_USAGE, "/eta N TIME", NULL);
	buf_copy(o->eta, sizeof(o->eta), text);
	o->eta_at = (int64_t)at;
	if (!o->assignee[0])
		buf_copy(o->assignee, sizeof(o->assignee), r->staff->id);
	if (core_transition(r->c, o, strcmp(o->status, "rework") == 0 ? "rework" : "scheduled",
	                    "eta", r->actor, r->in->channel, text, r->now) < 0)
		return -1;
	cmd_format_when(core_order_lang(r->c, o), o->eta_at, o->eta, when, sizeof(when));
	if (cmd_notice(r, o, M_NOTICE_ETA, core_staff_name(r->c, o->assignee), when,
	               centre_phone(r->c)) < 0)
		return -1;
	cmd_format_when(r->lang, o->eta_at, o->eta, when, sizeof(when));
	return cmd_tpl(r, M_OUT_ETA, o->number, when);
}

static int c_start(struct core_req *r, struct cmd_args *a)
{
	static const char *const ok[] = {"assigned", "scheduled", "rework", NULL};
	struct store_order *o = &a->order;
	int rc = cmd_checked(r, o, ok);

	if (rc <= 0)
		return rc;
	if (!o->assignee[0])
		buf_copy(o->assignee, sizeof(o->assignee), r->staff->id);
	o->started_at = r->now;
	if (core_transition(r->c, o, "in_progress", "started", r->actor, r->in->channel, "",
	                    r->now) < 0)
		return -1;
	if (cmd_notice(r, o, M_NOTICE_STARTED, core_staff_name(r->c, o->assignee), NULL, NULL) < 0)
		return -1;
	return cmd_tpl(r, M_OUT_STARTED, o->number, NULL);
}

static int c_done(struct core_req *r, struct cmd_args *a)
{
	static const char *const ok[] = {"assigned", "scheduled", "in_progress", "rework", NULL};
	struct store_order *o = &a->order;
	char detail[64] = "", fee_part[96] = "", allowed_s[32];
	const char *fargs[1] = {detail};
	int64_t fen = -1, allowed = 0;
	struct buf b;

	if (!cmd_may_act(r, o))
		return 0;
	if (strcmp(o->category, "complaint") == 0)
		return cmd_tpl(r, M_USE_RESOLVE, o->number, NULL);
	if (!cmd_status_in(o->status, ok))
		return cmd_bad_state(r, o);
	if (a->argc > 1 && core_parse_money(a->argv[1], &fen) < 0)
		return cmd_tpl(r, M_BAD_FEE, a->argv[1], NULL);
	/* The standard: an extra fee needs the resident's consent first (/quote). */
	if (fen > 0 && cmd_fee_allowed(r, o, &allowed) < 0)
		return -1;
	if (fen > allowed) {
		const char *args[3] = {o->number, detail, allowed_s};

		core_money(fen, detail, sizeof(detail));
		core_money(allowed, allowed_s, sizeof(allowed_s));
		return core_reply_msg(r, M_FEE_NEEDS_QUOTE, args, 3);
	}
	if (!o->assignee[0])
		buf_copy(o->assignee, sizeof(o->assignee), r->staff->id);
	o->done_at = r->now;
	if (fen >= 0) {
		core_money(fen, detail, sizeof(detail));
		if (store_fee_record(r->c->store, o->id, fen, r->staff->id, r->now) < 0)
			return -1;
		o->fee = fen;
	}
	if (core_transition(r->c, o, "awaiting_acceptance", "done", r->actor, r->in->channel,
	                    fen >= 0 ? detail : "", r->now) < 0)
		return -1;
	if (!o->chat[0]) /* nobody to ask by chat: staff ask by phone */
		buf_copy(r->unreached, sizeof(r->unreached), o->number);
	if (core_begin_accept(r->c, o, r->now) < 0)
		return -1;
	if (fen >= 0) {
		buf_init(&b);
		buf_tpl(&b, dlg_msg(r->lang, M_FEE_PART), fargs, 1);
		buf_copy(fee_part, sizeof(fee_part), buf_str(&b));
		buf_release(&b);
	}
	return cmd_tpl(r, M_OUT_DONE, o->number, fee_part);
}

static int c_paid(struct core_req *r, struct cmd_args *a)
{
	static const char *const no[] = {"cancelled", "declined", "pending", NULL};
	struct store_order *o = &a->order;
	char amount[32];
	const char *args[3];

	if (!cmd_may_act(r, o))
		return 0;
	if (cmd_status_in(o->status, no))
		return cmd_bad_state(r, o);
	if (o->fee < 0)
		return cmd_tpl(r, M_NO_FEE, o->number, NULL);
	if (o->receipt[0])
		return cmd_tpl(r, M_ALREADY_PAID, o->number, o->receipt);
	if (store_payment_record(r->c->store, o->id, o->fee, a->argv[1], r->staff->id, r->now) < 0)
		return -1;
	core_money(o->fee, amount, sizeof(amount));
	if (store_event_add(r->c->store, o->id, r->now, r->actor, r->in->channel, "paid", o->status,
	                    o->status, a->argv[1]) < 0)
		return -1;
	if (cmd_notice(r, o, M_NOTICE_PAID, amount, a->argv[1], NULL) < 0)
		return -1;
	args[0] = o->number;
	args[1] = amount;
	args[2] = a->argv[1];
	return core_reply_msg(r, M_OUT_PAID, args, 3);
}

static int cancel_order(struct core_req *r, struct store_order *o, const char *reason)
{
	const char *args[2] = {o->number, r->staff ? reason : o->room};
	const struct cfg_staff *assignee = cfg_staff_find(r->c->cfg, o->assignee);
	const struct cfg_partner *partner = cfg_partner_find(r->c->cfg, o->assignee);

	buf_copy(o->reason, sizeof(o->reason), reason);
	if (core_transition(r->c, o, "cancelled", "cancelled", r->actor, r->in->channel, reason,
	                    r->now) < 0)
		return -1;
	/* A pending acceptance question about this order is moot now. */
	if (core_end_accept(r->c, o) < 0)
		return -1;
	if (partner) {
		const char *pargs[2] = {o->number, reason};

		return core_tell_partner(r->c, partner, M_PARTNER_CANCELLED, pargs, 2, r->now);
	}
	if (!assignee || (r->staff && r->staff == assignee))
		return 0;
	return cmd_tell_staff(r, assignee, core_reach_of(o),
	                      r->staff ? M_CANCEL_PING : M_WITHDRAWN_PING, args, 2);
}

static int c_cancel(struct core_req *r, struct cmd_args *a)
{
	static const char *const done[] = {"closed", "cancelled", "declined", NULL};
	static const char *const before_work[] = {"pending", "assigned", "scheduled", NULL};
	struct store_order *o = &a->order;

	/* Someone else's order does not exist for a resident, whatever its status. */
	if (!r->staff && o->resident_id != r->resident.id)
		return cmd_tpl(r, M_NO_ORDER, o->number, NULL);
	if (cmd_status_in(o->status, done))
		return cmd_bad_state(r, o);
	if (!r->staff) {
		/* Until work has started; the assignee is told not to come. */
		if (!cmd_status_in(o->status, before_work))
			return cmd_tpl(r, M_RESIDENT_CANNOT_CANCEL, o->number,
			               dlg_status_name(r->lang, o->status));
		if (cancel_order(r, o, a->argc > 1 ? a->argv[1] : "withdrawn by the resident") < 0)
			return -1;
		return cmd_tpl(r, M_RESIDENT_CANCELLED, o->number, NULL);
	}
	/* Staff cancel their own orders; anyone else's is for a supervisor. */
	if (!cmd_is_supervisor(r->staff) && strcmp(o->assignee, r->staff->id) != 0)
		return core_reply_msg(r, M_SUPERVISOR_ONLY, NULL, 0);
	if (a->argc < 2)
		return cmd_tpl(r, M_USAGE, "/cancel N REASON", NULL);
	if (cancel_order(r, o, a->argv[1]) < 0)
		return -1;
	if (cmd_notice(r, o, M_NOTICE_CANCELLED, a->argv[1], NULL, NULL) < 0)
		return -1;
	return cmd_tpl(r, M_OUT_CANCELLED, o->number, a->argv[1]);
}

/* ---- lists ---------------------------------------------------------------------- */

struct list_ctx {
	struct core_req *r;
	struct buf b;
	int n;
	int staff_view;
};

/*
 * A complaint names the person complained about: a staff list shows it to
 * its owner and to supervisors only, and never where a group reads along.
 */
static int complaint_hidden(const struct core_req *r, const struct store_order *o)
{
	return strcmp(o->category, "complaint") == 0 && r->staff &&
	       (r->group ||
	        (!cmd_is_supervisor(r->staff) && strcmp(o->assignee, r->staff->id) != 0));
}

/*
 * The first MAX characters of S: cut on a character boundary, since a
 * message with half a character in it is not valid UTF-8 and cannot be sent.
 */
static int clip_len(const char *s, size_t max)
{
	size_t len = strlen(s), p = 0, chars;
	uint32_t cp;

	for (chars = 0; p < len && chars < max; chars++)
		p += utf8_next(s + p, len - p, &cp);
	return (int)p;
}

static int list_line(const struct store_order *o, void *ud)
{
	struct list_ctx *l = ud;
	const char *who = o->assignee[0] ? core_staff_name(l->r->c, o->assignee) : "";

	if (l->staff_view && complaint_hidden(l->r, o))
		return 0;
	/* What needs attention first stands first on the line. */
	buf_printf(&l->b, "\n%s%s  %s  %s",
	           o->urgent                               ? dlg_msg(l->r->lang, M_FLAG_URGENT)
	           : strcmp(o->category, "complaint") == 0 ? dlg_msg(l->r->lang, M_FLAG_COMPLAINT)
	                                                   : "",
	           o->number, dlg_status_name(l->r->lang, o->status),
	           dlg_category_name(l->r->lang, o->category));
	if (l->staff_view)
		buf_printf(&l->b, "  %s", o->room);
	buf_printf(&l->b, "  %.*s", clip_len(o->description, 40), o->description);
	if (who[0])
		buf_printf(&l->b, "  → %s", who);
	l->n++;
	return l->n >= 30;
}

/* Lists the orders F selects to the sender, with HEAD, or NONE when there are none. */
static int send_list(struct core_req *r, const struct store_order_filter *f, int staff_view,
                     enum dlg_msg head, enum dlg_msg none)
{
	struct list_ctx l;
	struct buf out;
	int rc;

	memset(&l, 0, sizeof(l));
	l.r = r;
	l.staff_view = staff_view;
	if (store_orders_list(r->c->store, f, list_line, &l) < 0) {
		buf_release(&l.b);
		return -1;
	}
	buf_init(&out);
	if (!l.n)
		buf_add(&out, dlg_msg(r->lang, none));
	else
		buf_printf(&out, "%s%s", dlg_msg(r->lang, head), buf_str(&l.b));
	rc = out.failed ? -1 : core_reply(r, buf_str(&out), NULL, 0);
	buf_release(&out);
	buf_release(&l.b);
	return rc;
}

/* Is CHAT (configured on CHANNEL) where this message was said, also after a migration? */
static int said_in(const struct core_req *r, const char *channel, const char *chat)
{
	char now[96];

	return chat && strcmp(channel, r->in->channel) == 0 &&
	       strcmp(core_current_chat(r->c, channel, chat, now, sizeof(now)), r->in->chat) == 0;
}

/* Is the group the message came from one of the staff chats (not the owners' group)? */
static int in_staff_chat(const struct core_req *r)
{
	const struct cfg *cfg = r->c->cfg;
	const struct chan *ch = cfg_chan(cfg, r->in->channel);
	size_t i, j;

	if (ch && ch->a->staff_chat && said_in(r, ch->name, ch->a->staff_chat(ch)))
		return 1;
	for (i = 0; i < cfg->ncommunities; i++)
		for (j = 0; j < cfg->communities[i].nstaff_chats; j++)
			if (said_in(r, cfg->communities[i].staff_chats[j].channel,
			            cfg->communities[i].staff_chats[j].chat))
				return 1;
	return 0;
}

static int c_my(struct core_req *r, struct cmd_args *a);

static int c_orders(struct core_req *r, struct cmd_args *a)
{
	struct store_order_filter f;

	/* A resident's orders are their own, from whichever channel they ask. */
	if (!r->staff)
		return c_my(r, a);
	/* Rooms and what is wrong there are not for the neighbours in an owners' group. */
	if (r->group && !in_staff_chat(r) && core_go_private(r, 0) < 0)
		return -1;
	memset(&f, 0, sizeof(f));
	f.open_only = 1;
	return send_list(r, &f, 1, M_ORDERS_HEAD, M_ORDERS_NONE);
}

static int c_my(struct core_req *r, struct cmd_args *a)
{
	struct store_order_filter f;

	(void)a;
	/* One's own orders are nobody else's business: answer privately. */
	if (r->group && core_go_private(r, 0) < 0)
		return -1;
	memset(&f, 0, sizeof(f));
	f.resident_id = r->resident.id;
	f.limit = 10;
	return send_list(r, &f, 0, M_MY_HEAD, M_MY_NONE);
}

static int c_prices(struct core_req *r, struct cmd_args *a)
{
	const struct cfg *cfg = r->c->cfg;
	struct buf b;
	size_t i;
	int rc;

	(void)a;
	buf_init(&b);
	buf_add(&b, dlg_msg(r->lang, M_PRICES_HEAD));
	for (i = 0; i < cfg->nitems; i++) {
		const struct dlg_item *it = &cfg->items[i];
		const char *price = r->lang == DLG_EN && it->price_en ? it->price_en : it->price;

		buf_printf(&b, "\n%s · %s%s%s", dlg_category_name(r->lang, it->category),
		           r->lang == DLG_EN && it->name_en ? it->name_en : it->name_zh,
		           r->lang == DLG_EN ? ": " : "：",
		           price ? price : dlg_msg(r->lang, M_NONE_GIVEN));
	}
	rc = b.failed ? -1 : core_reply(r, buf_str(&b), NULL, 0);
	buf_release(&b);
	return rc;
}

int core_staff_help(struct core_req *r)
{
	return core_reply_msg(r, cmd_is_supervisor(r->staff) ? M_HELP_DISPATCH : M_HELP_STAFF, NULL,
	                      0);
}

/* The help of the speaker's role: staff their commands, residents theirs. */
static int c_help(struct core_req *r, struct cmd_args *a)
{
	(void)a;
	return r->staff ? core_staff_help(r) : core_reply_msg(r, M_HELP_RESIDENT, NULL, 0);
}

static int c_lang(struct core_req *r, struct cmd_args *a)
{
	int lang = dlg_lang_from_hint(a->argv[0], -1);

	if (lang < 0 && strcmp(a->argv[0], "中文") == 0)
		lang = DLG_ZH;
	if (lang < 0)
		return cmd_tpl(r, M_USAGE, "/lang zh|en", NULL);
	r->lang = lang;
	/* Staff are one person on every channel: their language is theirs, not a chat's. */
	if (r->staff) {
		if (core_staff_lang_set(r->c, r->staff, lang) < 0)
			return -1;
		return core_reply_msg(r, M_LANG_SET, NULL, 0);
	}
	buf_copy(r->resident.lang, sizeof(r->resident.lang), dlg_lang_code(lang));
	if (store_resident_save(r->c->store, &r->resident, r->now) < 0)
		return -1;
	return core_reply_msg(r, M_LANG_SET, NULL, 0);
}

static const struct cmd_entry commands[] = {
        {"accept", "接单", "/accept N", 1, 1, STAFF, 1, c_accept},
        {"assign", "派单", "/assign N STAFF", 2, 2, SUPERVISOR, 1, c_assign},
        {"eta", "预约", "/eta N TIME", 2, 2, STAFF, 1, c_eta},
        {"start", "开工", "/start N", 1, 1, STAFF, 1, c_start},
        {"done", "完工", "/done N [FEE]", 1, 2, STAFF, 1, c_done},
        {"paid", "收款", "/paid N RECEIPT", 2, 2, STAFF, 1, c_paid},
        {"cancel", "撤单", "/cancel N [REASON]", 1, 2, ANYONE, 1, c_cancel},
        {"orders", "工单", "/orders", 0, 0, ANYONE, 0, c_orders},
        {"my", "我的工单", "/my", 0, 0, ANYONE, 0, c_my},
        {"prices", "价格", "/prices", 0, 0, ANYONE, 0, c_prices},
        {"help", "帮助", "/help", 0, 0, ANYONE, 0, c_help},
        {"lang", "语言", "/lang zh|en", 1, 1, ANYONE, 0, c_lang},
        {"reply", "回复", "/reply N TEXT", 1, 1, ANYONE, 0, cmd_reply_exec},
        {"quote", "报价", "/quote N FEE REASON", 3, 3, STAFF, 1, cmd_quote_exec},
        {"agree", "同意", "/agree [N]", 0, 1, ANYONE, 0, cmd_agree_exec},
        {"disagree", "不同意", "/disagree [N]", 0, 1, ANYONE, 0, cmd_disagree_exec},
        {"reschedule", "改时间", "/reschedule N [TIME]", 0, 1, ANYONE, 0, cmd_reschedule_exec},
        {"reopen", "重新打开", "/reopen N [WHAT]", 0, 1, ANYONE, 0, cmd_reopen_exec},
        {"photo", "要照片", "/photo N", 1, 1, STAFF, 1, cmd_photo_exec},
        {"resolve", "结案", "/resolve N RESOLUTION", 2, 2, SUPERVISOR, 1, cmd_resolve_exec},
        {"followups", "回访结果", "/followups [DAYS]", 0, 1, SUPERVISOR, 0, cmd_followups_exec},
        {"new", "代登记", "/new [电话|现场] [房号 姓名 电话 需求 时间]", 0, 1, STAFF, 0,
         cmd_new_exec},
        {"off", "下班", "/off [STAFF] [UNTIL]", 0, 1, ANYONE, 0, cmd_off_exec},
        {"on", "上班", "/on [STAFF] [UNTIL]", 0, 1, ANYONE, 0, cmd_on_exec},
        {"staff", "值班", "/staff", 0, 0, STAFF, 0, cmd_staff_exec},
        {"note", "备注", "/note N TEXT", 2, 2, STAFF, 1, cmd_note_exec},
        /* one resident across channels (link.c) */
        {"link", "绑定手机", "/link PHONE|CODE", 0, 1, ANYONE, 0, cmd_link_exec},
        {"unlink", "解绑", "/unlink", 0, 0, ANYONE, 0, cmd_unlink_exec},
        {"notify", "通知渠道", "/notify [CHANNEL|auto]", 0, 1, ANYONE, 0, cmd_notify_exec},
};

/*
 * A command told the resident of an order taken down at the desk, who has
 * no chat: the speaker is reminded to phone them (the number masked where
 * others read along).
 */
static int unreached_hint(struct core_req *r)
{
	struct store_order o;
	char masked[32];
	const char *args[3];
	int rc = store_order_get(r->c->store, r->unreached, &o);

	r->unreached[0] = '\0';
	if (rc <= 0)
		return rc;
	dlg_mask_phone(o.phone, masked, sizeof(masked));
	args[0] = o.number;
	args[1] = o.contact_name;
	args[2] = r->group ? masked : o.phone;
	return core_reply_msg(r, M_DESK_NO_CHAT, args, 3);
}

/* Splits "NAME a b rest of line": the last allowed argument keeps the rest. */
static int split(const char *text, const struct cmd_entry *e, struct cmd_args *a)
{
	const char *p = text;
	size_t n;

	while (*p && *p != ' ')
		p++;
	memset(a, 0, sizeof(*a));
	while (*p == ' ')
		p++;
	while (*p && a->argc < e->max_args) {
		if (a->argc == e->max_args - 1) {
			buf_copy(a->argv[a->argc++], sizeof(a->argv[0]), p);
			break;
		}
		n = strcspn(p, " ");
		snprintf(a->argv[a->argc++], sizeof(a->argv[0]), "%.*s", (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
	}
	return *p && a->argc == e->max_args && e->max_args == 0 ? -1 : 0;
}

static const struct cmd_entry *find(const char *text, int *slash)
{
	size_t i, n;
	const char *name = text;

	*slash = text[0] == '/';
	if (*slash)
		name++;
	n = strcspn(name, " @");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct cmd_entry *e = &commands[i];

		if (*slash && strlen(e->name) == n && strncmp(name, e->name, n) == 0)
			return e;
		if (!*slash && e->alias && strncmp(name, e->alias, strlen(e->alias)) == 0 &&
		    (name[strlen(e->alias)] == '\0' || name[strlen(e->alias)] == ' '))
			return e;
	}
	return NULL;
}

int core_command(struct core_req *r, const char *text, int dialog_active)
{
	const struct cmd_entry *e;
	struct cmd_args a;
	char number[64];
	int slash, rc;

	e = find(text, &slash);
	if (!e) {
		/* Triggers and dialog words are not commands; anything else with a slash is. */
		if (slash && !dlg_is_trigger(text, NULL) && !dlg_is_back(text) &&
		    !dlg_is_skip(text) && !dlg_is_yes(text) && !dlg_is_no(text) &&
		    strncmp(text, "/start", 6) != 0) {
			char cmd[64];

			snprintf(cmd, sizeof(cmd), "%.*s", (int)strcspn(text, " "), text);
			cmd_tpl(r, M_UNKNOWN_COMMAND, cmd, NULL);
			return 1;
		}
		return 0;
	}
	split(text, e, &a);
	/* Bare "cancel"/"help" inside a conversation belong to the conversation. */
	if (dialog_active && a.argc == 0 &&
	    (strcmp(e->name, "cancel") == 0 || strcmp(e->name, "help") == 0))
		return 0;
	if (e->who != ANYONE && !r->staff) {
		core_reply_msg(r, M_STAFF_ONLY, NULL, 0);
		return 1;
	}
	if (e->who == SUPERVISOR && !cmd_is_supervisor(r->staff)) {
		core_reply_msg(r, M_SUPERVISOR_ONLY, NULL, 0);
		return 1;
	}
	if (a.argc < e->min_args) {
		if (strcmp(e->name, "cancel") == 0 && !dialog_active)
			return 0; /* a bare "取消"/"cancel" with nothing to cancel: let the dialog
			             say so */
		cmd_tpl(r, M_USAGE, e->usage, NULL);
		return 1;
	}
	if (e->needs_order) {
		core_norm_number(a.argv[0], number, sizeof(number));
		rc = store_order_get(r->c->store, number, &a.order);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			cmd_tpl(r, M_NO_ORDER, number, NULL);
			return 1;
		}
	}
	rc = e->exec(r, &a);
	if (rc == CMD_NOT_MINE)
		return 0;
	if (rc >= 0 && r->unreached[0])
		rc = unreached_hint(r);
	return rc < 0 ? rc : 1;
}
