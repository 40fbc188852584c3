/*
 * cmd_talk.c - staff and residents writing to each other about an order,
 * and fees that need the resident's consent.
 *
 * Nothing here is kept outside the order's history: a message is an event
 * ("message_to_resident", "message_from_resident"), a fee proposal is
 * "quoted" (detail "380 reason") and its answer "quote_agreed" or
 * "quote_declined" (detail "380"). Whether a staff message or a fee still
 * waits for the resident's answer is read back from those events, so every
 * channel and every process sees the same conversation.
 */
#include "bot/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"

/* How long a staff message (or a fee) waits for the resident's plain answer. */
#define TALK_WAIT_SECONDS (2 * 86400)

/* What an order's history says about the conversation on it. */
struct talk_log {
	int64_t staff_at;   /* the last staff message or fee proposal, 0 when none */
	char staff_id[64];  /* who wrote it */
	int waiting;        /* it came after the resident's last message or answer */
	int quote_open;     /* a fee proposal waits for yes or no */
	int64_t quote_fen;  /* the last fee proposed */
	int64_t agreed_fen; /* the largest fee agreed to, -1 when none */
};

static int64_t detail_money(const char *detail)
{
	char amount[32];
	int64_t fen = -1;

	snprintf(amount, sizeof(amount), "%.*s", (int)strcspn(detail, " "), detail);
	return core_parse_money(amount, &fen) < 0 ? -1 : fen;
}

static int scan_event(const struct store_event *e, void *ud)
{
	struct talk_log *l = ud;
	int staff = strncmp(e->actor, "staff:", 6) == 0;

	if (strcmp(e->action, "message_to_resident") == 0 || strcmp(e->action, "quoted") == 0) {
		l->staff_at = e->at;
		l->waiting = 1;
		buf_copy(l->staff_id, sizeof(l->staff_id), staff ? e->actor + 6 : "");
		if (strcmp(e->action, "quoted") == 0) {
			l->quote_open = 1;
			l->quote_fen = detail_money(e->detail);
		}
	} else if (strcmp(e->action, "message_from_resident") == 0) {
		l->waiting = 0;
	} else if (strcmp(e->action, "quote_agreed") == 0 ||
	           strcmp(e->action, "quote_declined") == 0) {
		l->waiting = 0;
		l->quote_open = 0;
		if (e->action[6] == 'a' && detail_money(e->detail) > l->agreed_fen)
			l->agreed_fen = detail_money(e->detail);
	}
	return 0;
}

static int talk_log_read(struct core *c, const struct store_order *o, struct talk_log *l)
{
	memset(l, 0, sizeof(*l));
	l->agreed_fen = -1;
	return store_events_list(c->store, o->id, scan_event, l);
}

int cmd_fee_allowed(struct core_req *r, const struct store_order *o, int64_t *fen)
{
	const struct dlg_item *it = cfg_item_find(r->c->cfg, o->item);
	struct talk_log l;

	*fen = it && it->estimate > 0 ? (int64_t)(it->estimate * 100 + 0.5) : 0;
	if (talk_log_read(r->c, o, &l) < 0)
		return -1;
	if (l.agreed_fen > *fen)
		*fen = l.agreed_fen;
	return 0;
}

/* TEXT cut to fit an event's detail, on a character boundary. */
static void clip(const char *text, char *out, size_t len)
{
	size_t n = strlen(text), p = 0, step;
	uint32_t cp;

	while (p < n && (step = utf8_next(text + p, n - p, &cp)) > 0 && p + step < len)
		p += step;
	snprintf(out, len, "%.*s", (int)p, text);
}

/*
 * Who hears from the resident about O: its assignee, else whoever last
 * wrote to them about it; NULL: the supervisors (an order nobody holds, a
 * complaint waiting for its owner).
 */
static const struct cfg_staff *talk_target(struct core *c, const struct store_order *o,
                                           const struct talk_log *l)
{
	const struct cfg_staff *s = o->assignee[0] ? cfg_staff_find(c->cfg, o->assignee) : NULL;

	if (!s && l->staff_id[0])
		s = cfg_staff_find(c->cfg, l->staff_id);
	return s;
}

/* Tells whoever handles O message ID (in the centre's language); NAME gets their name. */
static int tell_handler(struct core_req *r, const struct store_order *o, const struct talk_log *l,
                        enum dlg_msg id, const char *const *args, int nargs, const char **name)
{
	const struct cfg_staff *to = talk_target(r->c, o, l);

	*name = to ? to->name : core_supervisor_name(r->c, r->lang);
	return cmd_tell_staff(r, to, core_reach_of(o), id, args, nargs);
}

/*
 * The resident's words about O reach whoever handles it; recorded in the
 * history. L: O's history when read already, else NULL.
 */
static int from_resident(struct core_req *r, const struct store_order *o, const struct talk_log *l,
                         const char *text)
{
	char detail[500];
	const char *args[3] = {o->number, o->room, detail};
	const char *name = "";
	struct talk_log read;

	clip(text, detail, sizeof(detail));
	if (!l && talk_log_read(r->c, o, &read) < 0)
		return -1;
	if (store_event_add(r->c->store, o->id, r->now, r->actor, r->in->channel,
	                    "message_from_resident", o->status, o->status, detail) < 0)
		return -1;
	if (tell_handler(r, o, l ? l : &read, M_TALK_TO_STAFF, args, 3, &name) < 0)
		return -1;
	return cmd_tpl(r, M_TALK_SENT_STAFF, o->number, name);
}

struct waiting {
	struct core *c;
	int64_t now;
	struct store_order found;
	struct talk_log log; /* FOUND's */
	int64_t at;
	int n, failed;
};

static int pick_waiting(const struct store_order *o, void *ud)
{
	struct waiting *w = ud;
	struct talk_log l;

	if (strcmp(o->status, "cancelled") == 0 || strcmp(o->status, "declined") == 0)
		return 0;
	if (talk_log_read(w->c, o, &l) < 0) {
		w->failed = 1;
		return 1;
	}
	if (l.waiting && w->now - l.staff_at <= TALK_WAIT_SECONDS && l.staff_at >= w->at) {
		if (!w->n || l.staff_at > w->at) {
			w->found = *o; /* newest first: on a tie the newer order */
			w->log = l;
		}
		w->at = l.staff_at;
		w->n = 1;
	}
	return 0;
}

/*
 * The order whose staff message (or fee) waits for the resident's answer
 * (and its history in W): 1, 0 none, <0.
 */
static int waiting_order(struct core_req *r, struct waiting *w)
{
	static const char *const staff_wrote[] = {"message_to_resident", "quoted", NULL};
	struct store_order_filter f;

	memset(w, 0, sizeof(*w));
	if (!r->resident.id)
		return 0;
	w->c = r->c;
	w->now = r->now;
	memset(&f, 0, sizeof(f));
	f.resident_id = r->resident.id;
	f.limit = 20;
	/* Every plain message asks: only orders staff wrote about lately have their history read.
	 */
	f.actions = staff_wrote;
	f.since = r->now - TALK_WAIT_SECONDS;
	if (store_orders_list(r->c->store, &f, pick_waiting, w) < 0 || w->failed)
		return -1;
	return w->n;
}

/*
 * A resident may leave the number out ("回复 下午在家"): the order a staff
 * message waits on, else their newest one.
 */
static int resident_reply(struct core_req *r, struct cmd_args *a)
{
	static const char *const any[] = {"pending",     "assigned", "scheduled",
	                                  "in_progress", "rework",   "awaiting_acceptance",
	                                  "closed",      NULL};
	struct waiting w;
	int rc = 0;

	memset(&w, 0, sizeof(w));
	if (r->group && core_go_private(r, 0) < 0)
		return -1;
	if (!cmd_number_len(a->argv[0]) && (rc = waiting_order(r, &w)) < 0)
		return -1;
	if (rc > 0)
		a->order = w.found;
	else if ((rc = cmd_resident_order(r, a, any, "/reply N TEXT")) <= 0)
		return rc;
	if (!a->argv[0][0])
		return cmd_tpl(r, M_USAGE, "/reply N TEXT", NULL);
	return from_resident(r, &a->order, w.n ? &w.log : NULL, a->argv[0]);
}

/* O's resident has no chat (taken down at the desk): ID tells staff whom to phone. */
static int no_chat(struct core_req *r, const struct store_order *o, enum dlg_msg id)
{
	char masked[32];
	const char *args[3] = {o->number, o->contact_name, o->phone};

	if (r->group) {
		dlg_mask_phone(o->phone, masked, sizeof(masked));
		args[2] = masked;
	}
	return core_reply_msg(r, id, args, 3);
}

int cmd_reply_exec(struct core_req *r, struct cmd_args *a)
{
	struct store_order *o = &a->order;
	char detail[500];
	const char *args[3] = {o->number, NULL, detail};
	size_t n = cmd_number_len(a->argv[0]);
	struct buf b;
	int rc;

	if (!r->staff)
		return resident_reply(r, a);
	if (!n || !a->argv[0][n])
		return cmd_tpl(r, M_USAGE, "/reply N TEXT", NULL);
	rc = cmd_numbered_order(r, a);
	if (rc <= 0)
		return rc;
	if (!a->argv[0][0])
		return cmd_tpl(r, M_USAGE, "/reply N TEXT", NULL);
	if (!cmd_may_act(r, o))
		return 0;
	if (strcmp(o->status, "declined") == 0)
		return cmd_bad_state(r, o);
	if (!o->chat[0])
		return no_chat(r, o, M_NO_CHAT_CALL);
	clip(a->argv[0], detail, sizeof(detail));
	if (store_event_add(r->c->store, o->id, r->now, r->actor, r->in->channel,
	                    "message_to_resident", o->status, o->status, detail) < 0)
		return -1;
	args[1] = r->staff->name;
	buf_init(&b);
	buf_tpl(&b, dlg_msg(core_order_lang(r->c, o), M_TALK_TO_RESIDENT), args, 3);
	rc = b.failed ? -1 : core_notify_resident(r->c, o, buf_str(&b), NULL, 0, r->now);
	buf_release(&b);
	if (rc < 0)
		return -1;
	return cmd_tpl(r, M_TALK_SENT_RESIDENT, o->number, NULL);
}

/* The published price of O's item as the resident reads it. */
static const char *published(struct core *c, const struct store_order *o, int lang)
{
	const struct dlg_item *it = cfg_item_find(c->cfg, o->item);

	if (it && lang == DLG_EN && it->price_en)
		return it->price_en;
	if (it && it->price)
		return it->price;
	return o->estimate[0] ? o->estimate : dlg_msg(lang, M_NONE_GIVEN);
}

int cmd_quote_exec(struct core_req *r, struct cmd_args *a)
{
	static const char *const ok[] = {"assigned", "scheduled", "in_progress", "rework", NULL};
	struct store_order *o = &a->order;
	char amount[32], reason[400], detail[480], agree[48], disagree[48];
	const char *args[5];
	struct msg_button btn[2];
	int64_t fen = -1;
	int lang = core_order_lang(r->c, o);
	struct buf b;
	int rc;

	if (!cmd_may_act(r, o))
		return 0;
	if (!cmd_status_in(o->status, ok))
		return cmd_bad_state(r, o);
	if (core_parse_money(a->argv[1], &fen) < 0 || fen <= 0)
		return cmd_tpl(r, M_BAD_FEE, a->argv[1], NULL);
	core_money(fen, amount, sizeof(amount));
	clip(a->argv[2], reason, sizeof(reason));
	snprintf(detail, sizeof(detail), "%s %s", amount, reason);
	if (store_event_add(r->c->store, o->id, r->now, r->actor, r->in->channel, "quoted",
	                    o->status, o->status, detail) < 0)
		return -1;
	/* A resident with no chat (taken down at the desk) was asked on the phone. */
	if (!o->chat[0]) {
		snprintf(detail, sizeof(detail), "%s by phone", amount);
		if (store_event_add(r->c->store, o->id, r->now, r->actor, r->in->channel,
		                    "quote_agreed", o->status, o->status, detail) < 0)
			return -1;
		return cmd_tpl(r, M_QUOTE_BY_PHONE, o->number, amount);
	}
	args[0] = o->number;
	args[1] = r->staff->name;
	args[2] = amount;
	args[3] = reason;
	args[4] = published(r->c, o, lang);
	snprintf(agree, sizeof(agree), "/agree %s", o->number);
	snprintf(disagree, sizeof(disagree), "/disagree %s", o->number);
	btn[0].label = dlg_msg(lang, M_BTN_AGREE);
	btn[0].data = agree;
	btn[1].label = dlg_msg(lang, M_BTN_DISAGREE);
	btn[1].data = disagree;
	buf_init(&b);
	buf_tpl(&b, dlg_msg(lang, M_QUOTE_ASK), args, 5);
	rc = b.failed ? -1 : core_notify_resident(r->c, o, buf_str(&b), btn, 2, r->now);
	buf_release(&b);
	if (rc < 0)
		return -1;
	return cmd_tpl(r, M_OUT_QUOTED, o->number, amount);
}

struct open_quote {
	struct core *c;
	struct store_order found;
	struct talk_log log; /* FOUND's */
	int n, failed;
};

static int pick_quoted(const struct store_order *o, void *ud)
{
	struct open_quote *q = ud;
	struct talk_log l;

	if (talk_log_read(q->c, o, &l) < 0) {
		q->failed = 1;
		return 1;
	}
	if (!l.quote_open)
		return 0;
	q->found = *o; /* newest first */
	q->log = l;
	q->n = 1;
	return 1;
}

/* The resident AGREED (or not) to the fee open on O (history L). */
static int quote_answered(struct core_req *r, const struct store_order *o, const struct talk_log *l,
                          int agreed)
{
	char amount[32];
	const char *args[2];
	const char *name = "";

	if (r->group && core_go_private(r, 0) < 0)
		return -1;
	core_money(l->quote_fen, amount, sizeof(amount));
	if (store_event_add(r->c->store, o->id, r->now, r->actor, r->in->channel,
	                    agreed ? "quote_agreed" : "quote_declined", o->status, o->status,
	                    amount) < 0)
		return -1;
	args[0] = o->number;
	args[1] = amount;
	if (tell_handler(r, o, l, agreed ? M_QUOTE_AGREED_STAFF : M_QUOTE_DECLINED_STAFF, args, 2,
	                 &name) < 0)
		return -1;
	return cmd_tpl(r, agreed ? M_QUOTE_AGREED : M_QUOTE_DECLINED, o->number, amount);
}

/* The resident's answer to a fee: AGREED or not. */
static int answer_quote(struct core_req *r, struct cmd_args *a, int agreed)
{
	struct store_order_filter f;
	struct open_quote q;
	int rc, slash = r->text && r->text[0] == '/';

	if (r->staff)
		return CMD_NOT_MINE;
	memset(&q, 0, sizeof(q));
	q.c = r->c;
	if (a->argc > 0 && a->argv[0][0]) {
		rc = cmd_numbered_order(r, a);
		if (rc <= 0)
			return rc;
		if (pick_quoted(&a->order, &q) != 0 && q.failed)
			return -1;
	} else {
		static const char *const quoted[] = {"quoted", NULL};

		memset(&f, 0, sizeof(f));
		f.resident_id = r->resident.id;
		f.open_only = 1;
		f.actions = quoted;
		if (store_orders_list(r->c->store, &f, pick_quoted, &q) < 0 || q.failed)
			return -1;
	}
	if (!q.n)
		return slash ? core_reply_msg(r, M_QUOTE_NONE, NULL, 0) : CMD_NOT_MINE;
	return quote_answered(r, &q.found, &q.log, agreed);
}

int cmd_agree_exec(struct core_req *r, struct cmd_args *a)
{
	return answer_quote(r, a, 1);
}

int cmd_disagree_exec(struct core_req *r, struct cmd_args *a)
{
	return answer_quote(r, a, 0);
}

int core_talk_answer(struct core_req *r, const char *text)
{
	struct waiting w;
	int rc = waiting_order(r, &w);

	if (rc <= 0)
		return rc;
	/* "yes", "ok", "agree" (or "no", "decline") to a fee proposed: the answer to it. */
	if (w.log.quote_open && (dlg_is_yes(text) || dlg_is_no(text)))
		return quote_answered(r, &w.found, &w.log, dlg_is_yes(text)) < 0 ? -1 : 1;
	return from_resident(r, &w.found, &w.log, text) < 0 ? -1 : 1;
}
