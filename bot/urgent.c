/*
 * urgent.c - what the core does with first messages that are not a plain
 * request: emergencies (an urgent order, everyone on duty alerted at once,
 * whatever the hour), complaints (owned by a supervisor, never dispatched
 * to technicians nor to the person complained about), and the further
 * requests of a message that named several (one order each, each
 * dispatched by its own skill). Like a request's order, each takes the
 * photos its resident sent while telling it (photos.c). Desk intake (cmd_desk.c) raises its urgent
 * orders' alarm here too.
 */
#include "bot/core_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "dialogs/understand.h"

/* "王师傅 13800138000" with the number masked, or "(none)". */
static void contact_of(const struct store_order *o, int lang, char *out, size_t len)
{
	char masked[32];

	dlg_mask_phone(o->phone, masked, sizeof(masked));
	if (!o->contact_name[0] && !o->phone[0])
		snprintf(out, len, "%s", dlg_msg(lang, M_NONE_GIVEN));
	else
		snprintf(out, len, "%s %s", o->contact_name, o->phone[0] ? masked : "");
}

static const struct dlg_emergency *emergency_find(const struct cfg *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->nemergencies; i++)
		if (strcmp(c->emergencies[i].id, id) == 0)
			return &c->emergencies[i];
	return NULL;
}

/* The alarm about an urgent order (struct alarm), in a reader's language. */
struct alarm {
	const struct store_order *o;
	const struct dlg_emergency *e;
};

static int write_alarm(struct core *c, int lang, struct buf *out, const void *ud)
{
	const struct alarm *a = ud;
	char contact[192];
	const char *args[5];

	contact_of(a->o, lang, contact, sizeof(contact));
	args[0] = a->o->number;
	args[1] = a->o->description;
	args[2] = a->o->room[0] ? a->o->room : dlg_msg(lang, M_NONE_GIVEN);
	args[3] = contact;
	args[4] = a->e ? (lang == DLG_EN ? a->e->advice_en : a->e->advice_zh) : "";
	buf_tpl(out, dlg_msg(lang, M_EMERGENCY_PING), args, 5);
	if (core_photos_line(c, a->o, lang, out) < 0)
		return -1;
	return out->failed ? -1 : 0;
}

int core_alert_emergency(struct core *c, const struct store_order *o, const struct dlg_emergency *e,
                         int64_t now)
{
	int lang = dlg_lang_from_hint(c->cfg->locale, DLG_ZH);
	struct alarm a = {o, e};
	char data[48];
	struct msg_button b[1];
	struct buf t;
	int rc;

	rc = core_notify_supervisors(c, CORE_ANYWHERE, write_alarm, &a, now);
	/* Every technician too: in an emergency whoever is nearest goes. */
	buf_init(&t);
	if (rc == 0)
		rc = write_alarm(c, lang, &t, &a);
	snprintf(data, sizeof(data), "/accept %s", o->number);
	b[0].label = dlg_msg(lang, M_BTN_ACCEPT_ORDER);
	b[0].data = data;
	if (rc == 0)
		rc = core_notify_staff_chats(c, o->community, NULL, buf_str(&t), b, 1, now);
	buf_release(&t);
	return rc;
}

int core_act_emergency(struct core_req *r, const struct dlg_state *st)
{
	struct core *c = r->c;
	struct store_order o;
	const char *args[1];

	core_order_from_state(r, st, &o);
	o.urgent = 1;
	o.promised_minutes = CORE_EMERGENCY_MINUTES;
	if (store_order_create(c->store, &o, r->now, r->actor, r->in->channel) < 0 ||
	    store_event_add(c->store, o.id, r->now, r->actor, r->in->channel, "emergency", o.status,
	                    o.status, st->urgent) < 0)
		return -1;
	log_info("order %s: urgent %s (%s by %s via %s)", o.number, o.category, st->urgent,
	         r->actor, r->in->channel);
	/*
	 * Photos sent while the request was being told join it before anyone
	 * hears of it; said beside an open question, they stay with what is open.
	 */
	if (!r->aside && core_photos_adopt(c, &o, r->actor, r->in->channel, r->now) < 0)
		return -1;
	args[0] = o.number;
	if (core_reply_msg(r, M_EMERGENCY_RECORDED, args, 1) < 0)
		return -1;
	return core_alert_emergency(c, &o, emergency_find(c->cfg, st->urgent), r->now);
}

/* Does TEXT name staff member S ("王师傅", the full name, or the id as a word)? */
static int names_staff(const char *text, const struct cfg_staff *s)
{
	static const char *const titles[] = {"师傅", "阿姨", "主管", "经理", "工", NULL};
	char call[32];
	size_t n = 1;
	int i;

	if (s->name && strstr(text, s->name))
		return 1;
	if (!s->name || (unsigned char)s->name[0] < 0x80)
		return s->id && strlen(s->id) > 2 && strstr(text, s->id) != NULL;
	/* The surname and how residents address staff: 王建国 is 王师傅. */
	while (s->name[n] && ((unsigned char)s->name[n] & 0xc0) == 0x80)
		n++;
	for (i = 0; titles[i]; i++) {
		snprintf(call, sizeof(call), "%.*s%s", (int)n, s->name, titles[i]);
		if (strstr(text, call))
			return 1;
	}
	return 0;
}

const struct cfg_staff *core_complaint_owner(struct core *c, const char *text, int64_t now)
{
	/* Managers count as supervisors; with both, supervisors first; then dispatchers. */
	static const char *const roles[] = {"supervisor", "manager", "dispatcher"};
	int pass;
	size_t i;

	/* One on duty first (passes 0-2), anyone of them otherwise. */
	for (pass = 0; pass < 6; pass++)
		for (i = 0; i < c->cfg->nstaff; i++) {
			const struct cfg_staff *s = &c->cfg->staff[i];

			if (strcmp(s->role, roles[pass % 3]) == 0 && !names_staff(text, s) &&
			    (pass >= 3 || core_on_duty(c, s, now)))
				return s;
		}
	return NULL;
}

int core_complaint_create(struct core *c, struct store_order *o, const char *actor, const char *via,
                          int64_t now, const struct cfg_staff **owner)
{
	char detail[256] = "", *d = detail;
	size_t i;

	*owner = core_complaint_owner(c, o->description, now);
	for (i = 0; i < c->cfg->nstaff; i++)
		if (names_staff(o->description, &c->cfg->staff[i]) &&
		    (size_t)(d - detail) + strlen(c->cfg->staff[i].id) + 8 < sizeof(detail))
			d += sprintf(d, "%sabout %s", d == detail ? "" : "; ", c->cfg->staff[i].id);
	buf_copy(o->category, sizeof(o->category), "complaint");
	o->item[0] = '\0';
	o->estimate[0] = '\0';
	o->preferred_time[0] = '\0';
	o->preferred_at = 0;
	o->preferred_end = 0;
	o->promised_minutes = c->cfg->complaint_hours * 60;
	if (*owner) {
		buf_copy(o->status, sizeof(o->status), "assigned");
		buf_copy(o->assignee, sizeof(o->assignee), (*owner)->id);
		o->assigned_at = now;
	}
	if (store_order_create(c->store, o, now, actor, via) < 0 ||
	    store_event_add(c->store, o->id, now, actor, via, "complaint", "", o->status, detail) <
	            0)
		return -1;
	log_info("order %s: complaint (owner %s, by %s via %s)", o->number,
	         *owner ? (*owner)->id : "-", actor, via);
	return 0;
}

/* The complaint's notice (struct grievance), in a reader's language. */
struct grievance {
	const struct store_order *o;
	const char *hours;
};

static int write_grievance(struct core *c, int lang, struct buf *out, const void *ud)
{
	const struct grievance *g = ud;
	char contact[192];
	const char *args[4];

	contact_of(g->o, lang, contact, sizeof(contact));
	args[0] = g->o->number;
	args[1] = g->o->description;
	args[2] = contact;
	args[3] = g->hours;
	buf_tpl(out, dlg_msg(lang, M_COMPLAINT_PING), args, 4);
	if (core_photos_line(c, g->o, lang, out) < 0)
		return -1;
	return out->failed ? -1 : 0;
}

int core_complaint_ping(struct core *c, const struct store_order *o, const struct cfg_staff *owner,
                        int64_t now)
{
	char hours[16];
	struct grievance g = {o, hours};
	struct buf t;
	size_t i;
	int rc = 0;

	snprintf(hours, sizeof(hours), "%d", c->cfg->complaint_hours);
	/* Privately, to the supervisors it is not about: never to a staff group. */
	for (i = 0; rc == 0 && i < c->cfg->nstaff; i++) {
		const struct cfg_staff *s = &c->cfg->staff[i];

		if ((s != owner && !core_supervises(c, s)) || names_staff(o->description, s))
			continue;
		buf_init(&t);
		rc = write_grievance(c, core_staff_lang(c, s), &t, &g);
		if (rc == 0)
			rc = core_notify_staff_at(c, s, CORE_PRIVATE, buf_str(&t), NULL, 0, now);
		buf_release(&t);
	}
	return rc;
}

int core_act_complaint(struct core_req *r, const struct dlg_state *st)
{
	struct core *c = r->c;
	const struct cfg_staff *owner = NULL;
	struct store_order o;
	char hours[16];
	const char *args[3];

	core_order_from_state(r, st, &o);
	if (core_complaint_create(c, &o, r->actor, r->in->channel, r->now, &owner) < 0)
		return -1;
	/* Photos sent while the complaint was being told belong to it. */
	if (!r->aside && core_photos_adopt(c, &o, r->actor, r->in->channel, r->now) < 0)
		return -1;
	snprintf(hours, sizeof(hours), "%d", c->cfg->complaint_hours);
	args[0] = o.number;
	args[1] = owner ? owner->name : dlg_msg(r->lang, M_CAT_COMPLAINT);
	args[2] = hours;
	if (core_reply_msg(r, M_COMPLAINT_TAKEN, args, 3) < 0)
		return -1;
	return core_complaint_ping(c, &o, owner, r->now);
}

int core_create_more(struct core_req *r, const struct dlg_state *st)
{
	struct dlg_state *x;
	struct store_order o;
	char minutes[16];
	const char *args[2];
	int i, rc = 0;

	if (!st->nmore)
		return 0;
	x = malloc(sizeof(*x));
	if (!x)
		return -1;
	for (i = 0; rc == 0 && i < st->nmore; i++) {
		const struct dlg_item *it = dlg_item_for(&r->c->cfg->policy, st->more[i], NULL);

		*x = *st;
		x->suspended = NULL; /* borrowed view: never released */
		x->nmore = 0;
		buf_copy(x->description, sizeof(x->description), st->more[i]);
		buf_copy(x->item, sizeof(x->item), it ? it->id : "");
		buf_copy(x->category, sizeof(x->category), it ? it->category : "inquiry");
		core_order_from_state(r, x, &o);
		rc = store_order_create(r->c->store, &o, r->now, r->actor, r->in->channel);
		if (rc < 0)
			break;
		log_info("order %s: pending %s (%s by %s via %s)", o.number, o.category,
		         o.item[0] ? o.item : "-", r->actor, r->in->channel);
		snprintf(minutes, sizeof(minutes), "%d", o.promised_minutes);
		args[0] = o.number;
		args[1] = minutes;
		rc = core_reply_msg(r, M_CREATED, args, 2);
		if (rc == 0)
			rc = core_dispatch_ping(r->c, &o, r->now);
	}
	free(x);
	return rc;
}

int core_is_emergency(struct core_req *r, const char *text)
{
	return dlg_emergency_in(&r->c->cfg->policy, text) != NULL;
}
