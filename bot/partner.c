/*
 * partner.c - work given to a partner company (合作单位): `/assign N ID`
 * sends it the work order (派工单) at its contact, and from then on the
 * dispatch desk records its progress (/eta, /start, /done by a dispatcher
 * or supervisor, who may act on any order). The partner hears when the job
 * is taken off it, cancelled or sent back by the resident.
 */
#include "bot/cmd.h"

#include <stdio.h>
#include <string.h>

#include "lib/log.h"

int core_partner_reachable(struct core *c, const struct cfg_partner *p)
{
	return p->contact.channel && p->contact.chat && cfg_chan_on(c->cfg, p->contact.channel);
}

int core_tell_partner(struct core *c, const struct cfg_partner *p, enum dlg_msg id,
                      const char *const *args, int nargs, int64_t now)
{
	const char *all[10];
	char moved[96];
	struct buf b;
	int i, rc;

	if (!core_partner_reachable(c, p))
		return 0;
	all[0] = c->cfg->communities[0].name;
	for (i = 0; i < nargs && i < 9; i++)
		all[i + 1] = args[i];
	buf_init(&b);
	buf_tpl(&b, dlg_msg(dlg_lang_from_hint(c->cfg->locale, DLG_ZH), id), all, i + 1);
	rc = b.failed ? -1
	              : core_send(c, p->contact.channel,
	                          core_current_chat(c, p->contact.channel, p->contact.chat, moved,
	                                            sizeof(moved)),
	                          buf_str(&b), NULL, 0, now);
	buf_release(&b);
	return rc;
}

int core_partner_rework(struct core *c, const struct store_order *o, int64_t now)
{
	const struct cfg_partner *p = cfg_partner_find(c->cfg, o->assignee);
	const char *args[3] = {o->number, o->room, o->description};

	if (!p)
		return 0;
	if (core_tell_partner(c, p, M_PARTNER_REWORK, args, 3, now) < 0)
		return -1;
	/* The desk records the partner's progress, so it must know too. */
	return core_tell_supervisors(c, core_reach_of(o), M_REWORK_PING, args, 3, now);
}

/* The work order: everything the partner needs to call the resident and go. */
static int send_work_order(struct core_req *r, const struct store_order *o,
                           const struct cfg_partner *p)
{
	const struct dlg_item *it = cfg_item_find(r->c->cfg, o->item);
	int lang = cmd_staff_lang(r);
	const char *phone = cfg_community_of(r->c->cfg, o->community)->phone;
	char category[192];
	const char *args[8];

	snprintf(category, sizeof(category), "%s%s%s", dlg_category_name(lang, o->category),
	         it ? " · " : "",
	         it ? (lang == DLG_EN && it->name_en ? it->name_en : it->name_zh) : "");
	args[0] = o->number;
	args[1] = category;
	args[2] = o->room;
	args[3] = o->description;
	args[4] = o->contact_name;
	args[5] = o->phone;
	args[6] = o->preferred_time;
	args[7] = phone ? phone : "";
	return core_tell_partner(r->c, p, M_PARTNER_ORDER, args, 8, r->now);
}

int cmd_assign_partner(struct core_req *r, struct cmd_args *a, const struct cfg_partner *p,
                       int sure)
{
	static const char *const open[] = {"pending", "assigned", "scheduled", "rework", NULL};
	struct store_order *o = &a->order;
	const struct dlg_item *it = cfg_item_find(r->c->cfg, o->item);
	const struct cfg_staff *before = cfg_staff_find(r->c->cfg, o->assignee);
	const struct cfg_partner *was = cfg_partner_find(r->c->cfg, o->assignee);
	int reassign = o->assignee[0] && strcmp(o->assignee, p->id) != 0;
	const char *args[4];
	char status[sizeof(o->status)];

	if (!cmd_status_in(o->status, open))
		return cmd_bad_state(r, o);
	if (!sure && it && it->skill && !cfg_partner_has_skill(p, it->skill)) {
		args[0] = o->number;
		args[1] = p->name;
		args[2] = it->skill;
		args[3] = p->id;
		return core_reply_msg(r, M_NO_SKILL, args, 4);
	}
	buf_copy(status, sizeof(status),
	         strcmp(o->status, "pending") == 0 ? "assigned" : o->status);
	buf_copy(o->assignee, sizeof(o->assignee), p->id);
	if (!o->assigned_at)
		o->assigned_at = r->now;
	if (core_transition(r->c, o, status, "assigned", r->actor, r->in->channel, p->id, r->now) <
	            0 ||
	    store_event_add(r->c->store, o->id, r->now, r->actor, r->in->channel, "work_order_sent",
	                    o->status, o->status,
	                    core_partner_reachable(r->c, p) ? p->contact.channel : "by phone") < 0)
		return -1;
	log_info("order %s: to partner %s (by %s)", o->number, p->id, r->actor);
	if (cmd_notice(r, o, reassign ? M_NOTICE_REASSIGNED : M_NOTICE_ASSIGNED, p->name, NULL,
	               NULL) < 0)
		return -1;
	/* Whoever had it must not turn up at the door anyway. */
	args[0] = o->number;
	args[1] = p->name;
	if (reassign && before && before != r->staff &&
	    cmd_tell_staff(r, before, core_reach_of(o), M_NOT_YOURS, args, 2) < 0)
		return -1;
	if (reassign && was &&
	    core_tell_partner(r->c, was, M_PARTNER_TAKEN_OFF, args, 1, r->now) < 0)
		return -1;
	if (send_work_order(r, o, p) < 0 || cmd_tpl(r, M_OUT_PARTNER, o->number, p->name) < 0)
		return -1;
	if (core_partner_reachable(r->c, p))
		return 0;
	return cmd_tpl(r, M_PARTNER_UNREACHED, p->name,
	               p->phone ? p->phone : dlg_msg(r->lang, M_NONE_GIVEN));
}
