/*
 * orders.c - order changes: creating an order from a finished intake, the
 * dispatch ping, status transitions with their history events, and what a
 * resident's acceptance answers do to the order.
 */
#include "bot/core_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/link.h"
#include "lib/log.h"

const char *core_staff_name(struct core *c, const char *id)
{
	const struct cfg_staff *s = cfg_staff_find(c->cfg, id);
	const struct cfg_partner *p = s ? NULL : cfg_partner_find(c->cfg, id);

	if (s && s->name)
		return s->name;
	return p && p->name ? p->name : id; /* a partner company holds work too */
}

int core_order_lang(struct core *c, const struct store_order *o)
{
	struct store_resident res;
	int fallback = dlg_lang_from_hint(c->cfg->locale, DLG_ZH);

	if (o->resident_id && store_resident_get(c->store, o->resident_id, &res) == 1)
		return dlg_lang_from_hint(res.lang, fallback);
	return fallback;
}

int core_transition(struct core *c, struct store_order *o, const char *new_status,
                    const char *action, const char *actor, const char *via, const char *detail,
                    int64_t now)
{
	char old[24];

	buf_copy(old, sizeof(old), o->status);
	buf_copy(o->status, sizeof(o->status), new_status);
	if (store_order_update(c->store, o) < 0)
		return -1;
	/* No details in the log: the number, the step and who took it. */
	log_info("order %s: %s -> %s (%s by %s via %s)", o->number, old, new_status, action, actor,
	         via);
	return store_event_add(c->store, o->id, now, actor, via, action, old, new_status, detail);
}

/* The private chat of the resident of a message said in a group. */
static void private_target(const struct msg_in *in, char *chat, size_t len)
{
	buf_copy(chat, len, in->is_group ? in->user : in->chat);
}

void core_order_fill(struct core *c, const struct dlg_state *st, struct store_order *o)
{
	const struct dlg_item *it = cfg_item_find(c->cfg, st->item);
	size_t i;

	memset(o, 0, sizeof(*o));
	buf_copy(o->community, sizeof(o->community), c->cfg->communities[0].id);
	buf_copy(o->status, sizeof(o->status), "pending");
	buf_copy(o->category, sizeof(o->category), st->category[0] ? st->category : "inquiry");
	buf_copy(o->item, sizeof(o->item), st->item);
	buf_copy(o->description, sizeof(o->description), st->description);
	buf_copy(o->room, sizeof(o->room), st->room);
	buf_copy(o->contact_name, sizeof(o->contact_name), st->name);
	buf_copy(o->phone, sizeof(o->phone), st->phone);
	buf_copy(o->preferred_time, sizeof(o->preferred_time), st->time);
	o->preferred_at = st->time_at;
	o->preferred_end = st->time_end;
	o->promised_minutes = it ? it->response_minutes : 0;
	for (i = 0; !it && i < c->cfg->nitems; i++)
		if (strcmp(c->cfg->items[i].category, o->category) == 0 &&
		    (!o->promised_minutes ||
		     c->cfg->items[i].response_minutes < o->promised_minutes))
			o->promised_minutes = c->cfg->items[i].response_minutes;
	if (o->promised_minutes <= 0)
		o->promised_minutes = 60;
	buf_copy(o->estimate, sizeof(o->estimate), it && it->price ? it->price : "");
	o->fee = -1;
}

/* ---- the community a resident belongs to ------------------------------------------------- */

static void community_key(int64_t resident_id, char *key, size_t len)
{
	snprintf(key, len, "community.resident:%lld", (long long)resident_id);
}

/* The community whose residents' group CHAT on CHANNEL is (after any move of the group). */
static const struct cfg_community *group_community(struct core *c, const char *channel,
                                                   const char *chat)
{
	const struct cfg_community *com;
	char moved[96];
	size_t i, j;

	for (i = 0; i < c->cfg->ncommunities; i++) {
		com = &c->cfg->communities[i];
		for (j = 0; j < com->ngroups; j++)
			if (strcmp(com->groups[j].channel, channel) == 0 &&
			    strcmp(core_current_chat(c, channel, com->groups[j].chat, moved,
			                             sizeof(moved)),
			           chat) == 0)
				return com;
	}
	return NULL;
}

int core_community_seen(struct core_req *r)
{
	const struct cfg_community *com;
	char key[64], was[64];
	int rc;

	if (!r->in->is_group || !r->resident.id ||
	    !(com = group_community(r->c, r->in->channel, r->in->chat)))
		return 0;
	community_key(r->resident.id, key, sizeof(key));
	rc = store_kv_get(r->c->store, key, was, sizeof(was));
	if (rc < 0)
		return -1;
	return rc == 1 && strcmp(was, com->id) == 0 ? 0 : store_kv_set(r->c->store, key, com->id);
}

const char *core_resident_community(struct core *c, int64_t resident_id, char *buf, size_t len)
{
	const struct cfg_community *com;
	char key[64];

	if (!resident_id)
		return NULL;
	community_key(resident_id, key, sizeof(key));
	if (store_kv_get(c->store, key, buf, len) != 1)
		return NULL;
	com = cfg_community_of(c->cfg, buf);
	/* A community since taken out of the configuration: the first one. */
	return com && strcmp(com->id, buf) == 0 ? com->id : NULL;
}

static void order_from_state(struct core_req *r, const struct dlg_state *st, struct store_order *o)
{
	char community[64];
	const char *com;

	core_order_fill(r->c, st, o);
	/* The community of the residents' group they wrote in; else the first one. */
	com = core_resident_community(r->c, r->resident.id, community, sizeof(community));
	if (com)
		buf_copy(o->community, sizeof(o->community), com);
	o->resident_id = r->resident.id;
	buf_copy(o->channel, sizeof(o->channel), r->in->channel);
	private_target(r->in, o->chat, sizeof(o->chat));
	buf_copy(o->user, sizeof(o->user), r->in->user);
}

/* The dispatch ping for the staff chats: no full phone number, it may be a group. */
static int dispatch_ping(struct core *c, const struct store_order *o, int64_t now)
{
	const struct dlg_item *it = cfg_item_find(c->cfg, o->item);
	int lang = dlg_lang_from_hint(c->cfg->locale, DLG_ZH);
	char masked[32], contact[192], minutes[16], item[160] = "", data[48];
	const char *args[8];
	struct msg_button b[1];
	struct buf t;
	int rc;

	dlg_mask_phone(o->phone, masked, sizeof(masked));
	snprintf(contact, sizeof(contact), "%s %s", o->contact_name, masked);
	snprintf(minutes, sizeof(minutes), "%d", o->promised_minutes);
	if (it)
		snprintf(item, sizeof(item), " · %s",
		         lang == DLG_EN && it->name_en ? it->name_en : it->name_zh);
	args[0] = o->number;
	args[1] = dlg_category_name(lang, o->category);
	args[2] = item;
	args[3] = o->room;
	args[4] = o->description;
	args[5] = o->preferred_time;
	args[6] = contact;
	args[7] = minutes;
	buf_init(&t);
	buf_tpl(&t, dlg_msg(lang, M_PING), args, 8);
	/* The photos stay on the server: the ping says how many and where to look. */
	rc = core_photos_line(c, o, lang, &t);
	snprintf(data, sizeof(data), "/accept %s", o->number);
	b[0].label = dlg_msg(lang, M_BTN_ACCEPT_ORDER);
	b[0].data = data;
	if (rc == 0)
		rc = t.failed ? -1
		              : core_notify_staff_chats(c, o->community, core_order_skill(c, o),
		                                        buf_str(&t), b, 1, now);
	buf_release(&t);
	/* Nobody on duty to take it: the dispatchers hear so. */
	return rc < 0 ? rc : core_duty_check(c, o, now);
}

static int act_create(struct core_req *r, const struct dlg_state *st, const char *status)
{
	struct store_order o;
	char minutes[16];
	const char *args[2];

	order_from_state(r, st, &o);
	buf_copy(o.status, sizeof(o.status), status);
	if (strcmp(status, "declined") == 0)
		buf_copy(o.reason, sizeof(o.reason), "out of scope");
	if (store_order_create(r->c->store, &o, r->now, r->actor, r->in->channel) < 0)
		return -1;
	log_info("order %s: %s %s (%s by %s via %s)", o.number, status, o.category,
	         o.item[0] ? o.item : "-", r->actor, r->in->channel);
	if (strcmp(status, "declined") == 0)
		return store_event_add(r->c->store, o.id, r->now, r->actor, r->in->channel,
		                       "declined", "", "declined", "out of scope");
	/* Photos sent during the intake join the order before staff hear of it. */
	if (core_photos_adopt(r->c, &o, r->actor, r->in->channel, r->now) < 0)
		return -1;
	snprintf(minutes, sizeof(minutes), "%d", o.promised_minutes);
	args[0] = o.number;
	args[1] = minutes;
	if (core_reply_msg(r, M_CREATED, args, 2) < 0 || core_after_hours_note(r, &o) < 0)
		return -1;
	return dispatch_ping(r->c, &o, r->now);
}

static int save_profile(struct core_req *r, const struct dlg_state *st)
{
	buf_copy(r->resident.name, sizeof(r->resident.name), st->name);
	buf_copy(r->resident.room, sizeof(r->resident.room), st->room);
	buf_copy(r->resident.phone, sizeof(r->resident.phone), st->phone);
	buf_copy(r->resident.lang, sizeof(r->resident.lang), dlg_lang_code(st->lang));
	return store_resident_save(r->c->store, &r->resident, r->now);
}

/* Acceptance answers: the order must still be waiting for them. */
static int act_acceptance(struct core_req *r, const struct dlg_state *st,
                          const struct dlg_result *res)
{
	struct store_order o;
	const struct cfg_staff *assignee;
	char detail[64];
	const char *args[3];
	int rc = 0, complaint;

	if (store_order_get(r->c->store, res->order[0] ? res->order : st->order, &o) != 1)
		return 0;
	assignee = cfg_staff_find(r->c->cfg, o.assignee);
	complaint = strcmp(o.category, "complaint") == 0;
	switch (res->action) {
	case DLG_ACT_ACCEPTED:
		if (strcmp(o.status, "awaiting_acceptance") != 0)
			break;
		o.closed_at = r->now;
		rc = store_feedback_accept(r->c->store, o.id, 1, r->now);
		if (rc == 0)
			rc = core_transition(r->c, &o, "closed",
			                     complaint ? "resolution_accepted"
			                               : "accepted_by_resident",
			                     r->actor, r->in->channel, "", r->now);
		if (rc == 0 && assignee) {
			args[0] = o.number;
			args[1] = "";
			rc = core_tell_staff(r->c, assignee, core_reach_of(&o),
			                     complaint ? M_RESOLVED_STAFF : M_ACCEPTED_STAFF, args,
			                     2, r->now);
		}
		break;
	case DLG_ACT_REWORK:
		if (strcmp(o.status, "awaiting_acceptance") != 0)
			break;
		rc = store_feedback_accept(r->c->store, o.id, 0, r->now);
		if (rc == 0)
			rc = core_transition(
			        r->c, &o, "rework", complaint ? "resolution_rejected" : "rework",
			        r->actor, r->in->channel,
			        complaint ? "resident: not satisfied" : "resident: not fixed",
			        r->now);
		if (rc == 0 && assignee) {
			args[0] = o.number;
			args[1] = complaint ? o.description : o.room;
			args[2] = o.description;
			rc = core_tell_staff(r->c, assignee, core_reach_of(&o),
			                     complaint ? M_UNRESOLVED_PING : M_REWORK_PING, args, 3,
			                     r->now);
		} else if (rc == 0) {
			/* A partner's job: the partner and the dispatch desk hear of it. */
			rc = core_partner_rework(r->c, &o, r->now);
		}
		break;
	case DLG_ACT_RATED:
		snprintf(detail, sizeof(detail), "%d", res->rating);
		rc = store_feedback_rate(r->c->store, o.id, res->rating, r->now);
		if (rc == 0)
			rc = store_event_add(r->c->store, o.id, r->now, r->actor, r->in->channel,
			                     "rated", o.status, o.status, detail);
		/* A low rating alerts the supervisor once, with the comment asked next. */
		break;
	case DLG_ACT_COMMENTED:
		if (res->comment && *res->comment) {
			rc = store_feedback_comment(r->c->store, o.id, res->comment, r->now);
			if (rc == 0)
				rc = store_event_add(r->c->store, o.id, r->now, r->actor,
				                     r->in->channel, "commented", o.status,
				                     o.status, res->comment);
		}
		if (rc == 0)
			rc = core_alert_low_rating(r->c, &o, res->comment, r->now);
		break;
	default:
		break;
	}
	return rc;
}

/*
 * Does what the answer asked for. ST is the state after the answer; the
 * engine keeps the fields the action reads (the request's details, the order
 * asked about) there, even when the flow ended or resumed a paused intake.
 */
int core_apply_result(struct core_req *r, const struct dlg_state *st, const struct dlg_result *res)
{
	/* Staff took it down for a resident: the order is the resident's (cmd_desk.c). */
	if (st->desk[0] && (res->action == DLG_ACT_CREATE || res->action == DLG_ACT_DECLINE))
		return core_desk_from_dialog(r, st, res->action == DLG_ACT_DECLINE);
	char old_phone[32];

	switch (res->action) {
	case DLG_ACT_CREATE:
		buf_copy(old_phone, sizeof(old_phone), r->resident.phone);
		if (save_profile(r, st) < 0)
			return -1;
		if (act_create(r, st, "pending") < 0)
			return -1;
		if (core_create_more(r, st) < 0)
			return -1;
		/* A number another resident saved: maybe the same person on another channel. */
		return core_link_offer(r, old_phone);
	case DLG_ACT_EMERGENCY:
		return core_act_emergency(r, st);
	case DLG_ACT_COMPLAINT:
		return core_act_complaint(r, st);
	case DLG_ACT_DECLINE:
		return act_create(r, st, "declined");
	case DLG_ACT_ACCEPTED:
	case DLG_ACT_REWORK:
	case DLG_ACT_RATED:
	case DLG_ACT_COMMENTED:
		return act_acceptance(r, st, res);
	case DLG_ACT_FOLLOWUP:
		return core_followup_answer(r, st, res);
	case DLG_ACT_NONE:
		break;
	}
	return 0;
}

/* understanding a first message: what urgent.c shares of order creation */
void core_order_from_state(struct core_req *r, const struct dlg_state *st, struct store_order *o)
{
	order_from_state(r, st, o);
}

int core_dispatch_ping(struct core *c, const struct store_order *o, int64_t now)
{
	return dispatch_ping(c, o, now);
}
