/*
 * cmd_desk.c - desk intake (前台登记, 服务热线, 现场报修): staff register a
 * request for a resident who phoned or walked in.
 *
 * In chat, `/new` runs the resident's intake dialog in desk mode (the
 * questions are about the resident; a one-line form is read like a first
 * message, so only what is missing is asked); the console and the API call
 * core_desk_order() with the whole request, through the same validators.
 * Either way the order records the intake "desk", how it came in and who
 * took it down (columns and the "desk_intake" event), and belongs to the
 * resident who filed requests by chat with the same phone, if any, so that
 * its notices reach them there; otherwise its notices reach nobody, and
 * staff are reminded to phone.
 */
#include "bot/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/log.h"
#include "dialogs/understand.h"

/* The words staff may put first to say how a request came in. */
static const struct {
	const char *word;
	const char *source;
} sources[] = {
        {"电话", "phone"},   {"来电", "phone"},   {"热线", "phone"},      {"phone", "phone"},
        {"现场", "walk-in"}, {"来访", "walk-in"}, {"walk-in", "walk-in"}, {"walkin", "walk-in"},
        {"前台", "desk"},    {"desk", "desk"},
};

static const char *source_of(const char *word, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
		if (strlen(sources[i].word) == n && strncasecmp(word, sources[i].word, n) == 0)
			return sources[i].source;
	return NULL;
}

/* The first chat found on a channel that is on, for the resident with a phone. */
struct reach {
	struct core *c;
	int64_t resident_id;
	char channel[16], chat[96], user[96];
};

static int pick_reach(int64_t resident_id, const char *channel, const char *chat, const char *user,
                      void *ud)
{
	struct reach *r = ud;

	if (!cfg_chan_on(r->c->cfg, channel))
		return 0;
	r->resident_id = resident_id;
	buf_copy(r->channel, sizeof(r->channel), channel);
	buf_copy(r->chat, sizeof(r->chat), chat);
	buf_copy(r->user, sizeof(r->user), user);
	return 1;
}

/* What desk_create() made. */
struct desk_made {
	struct store_order o;
	int reached;                   /* the resident hears of it by chat */
	const struct dlg_emergency *e; /* it is urgent: this emergency */
	const struct cfg_staff *owner; /* a complaint: who handles it (or NULL) */
};

/* Complaint O was taken down: its owner hears, and its resident when they have a chat. */
static int desk_complaint_told(struct core *c, const struct store_order *o,
                               const struct desk_made *m, int64_t now)
{
	char hours[16];
	const char *args[3];
	struct buf b;
	int lang, rc;

	if (core_complaint_ping(c, o, m->owner, now) < 0)
		return -1;
	if (!m->reached)
		return 0;
	lang = core_order_lang(c, o);
	snprintf(hours, sizeof(hours), "%d", c->cfg->complaint_hours);
	args[0] = o->number;
	args[1] = m->owner ? m->owner->name : dlg_msg(lang, M_CAT_COMPLAINT);
	args[2] = hours;
	buf_init(&b);
	buf_tpl(&b, dlg_msg(lang, M_COMPLAINT_TAKEN), args, 3);
	rc = b.failed ? -1 : core_notify_resident(c, o, buf_str(&b), NULL, 0, now);
	buf_release(&b);
	return rc;
}

/*
 * Records the request ST describes, taken down by BY in COMMUNITY (NULL:
 * the default one), SOURCE saying how it came in; as declined when
 * DECLINED. Then the staff hear of it (a dispatch ping, or an emergency's
 * alarm) and the resident, when they have a chat, gets its number.
 */
static int desk_create(struct core *c, const struct cfg_staff *by, const char *community,
                       const char *source, const struct dlg_state *st, int declined, int64_t now,
                       struct desk_made *m)
{
	struct store_order *o = &m->o;
	struct reach reach;
	char actor[96], detail[160], minutes[16], known[64];
	const char *args[4];
	struct buf b;
	int lang, rc;

	memset(m, 0, sizeof(*m));
	core_order_fill(c, st, o);
	if (community)
		buf_copy(o->community, sizeof(o->community), community);
	if (strcmp(st->category, "complaint") == 0) {
		declined = 0; /* a complaint is the centre's to handle, whatever it is about */
	} else if (declined) {
		buf_copy(o->status, sizeof(o->status), "declined");
		buf_copy(o->reason, sizeof(o->reason), "out of scope");
	} else if ((m->e = dlg_emergency_in(&c->cfg->policy, o->description)) != NULL) {
		o->urgent = 1;
		o->promised_minutes = CORE_EMERGENCY_MINUTES;
		if (!o->item[0]) /* as a resident's emergency: something to repair */
			buf_copy(o->category, sizeof(o->category), "repair");
	}
	buf_copy(o->intake, sizeof(o->intake), "desk");
	buf_copy(o->source, sizeof(o->source), source);
	buf_copy(o->taken_by, sizeof(o->taken_by), by->id);
	memset(&reach, 0, sizeof(reach));
	reach.c = c;
	if (store_residents_by_phone(c->store, o->phone, pick_reach, &reach) < 0)
		return -1;
	if (reach.resident_id) {
		/* Not said at the desk: the community the resident is known to belong to. */
		if (!community && (community = core_resident_community(c, reach.resident_id, known,
		                                                       sizeof(known))) != NULL)
			buf_copy(o->community, sizeof(o->community), community);
		m->reached = 1;
		o->resident_id = reach.resident_id;
		buf_copy(o->channel, sizeof(o->channel), reach.channel);
		buf_copy(o->chat, sizeof(o->chat), reach.chat);
		buf_copy(o->user, sizeof(o->user), reach.user);
	}
	snprintf(actor, sizeof(actor), "staff:%s", by->id);
	if (strcmp(st->category, "complaint") == 0) {
		/* As a resident's complaint: a supervisor owns it, no technician hears of it. */
		if (core_complaint_create(c, o, actor, "desk", now, &m->owner) < 0)
			return -1;
	} else if (store_order_create(c->store, o, now, actor, "desk") < 0) {
		return -1;
	}
	snprintf(detail, sizeof(detail), "%s by %s; notices: %s", source, by->id,
	         m->reached ? o->channel : "none (phone the resident)");
	if (store_event_add(c->store, o->id, now, actor, "desk", "desk_intake", "", o->status,
	                    detail) < 0)
		return -1;
	/* No details in the log: the number, what and who. */
	log_info("order %s: %s %s (%s by %s via desk, %s)", o->number, o->status, o->category,
	         o->item[0] ? o->item : "-", actor, source);
	if (declined)
		return store_event_add(c->store, o->id, now, actor, "desk", "declined", "",
		                       "declined", "out of scope");
	if (strcmp(o->category, "complaint") == 0)
		return desk_complaint_told(c, o, m, now);
	if (m->e) {
		if (store_event_add(c->store, o->id, now, actor, "desk", "emergency", o->status,
		                    o->status, m->e->id) < 0 ||
		    core_alert_emergency(c, o, m->e, now) < 0)
			return -1;
	} else if (core_dispatch_ping(c, o, now) < 0) {
		return -1;
	}
	if (!m->reached)
		return 0;
	lang = core_order_lang(c, o);
	snprintf(minutes, sizeof(minutes), "%d", o->promised_minutes);
	args[0] = o->number;
	args[1] = o->description;
	args[2] = minutes;
	args[3] = dlg_source_name(lang, source);
	buf_init(&b);
	buf_tpl(&b, dlg_msg(lang, M_DESK_TO_RESIDENT), args, 4);
	rc = b.failed ? -1 : core_notify_resident(c, o, buf_str(&b), NULL, 0, now);
	buf_release(&b);
	return rc;
}

/* Tells the staff member what became of one request they took down. */
static int desk_said(struct core_req *r, const struct desk_made *m)
{
	const struct store_order *o = &m->o;
	const struct dlg_out_of_scope *oos = &r->c->cfg->out_of_scope;
	char minutes[16], reach[512], call[256] = "", masked[32];
	const char *args[5];
	struct buf b;

	if (strcmp(o->status, "declined") == 0) {
		args[0] = o->number;
		args[1] = r->lang == DLG_EN ? oos->referral_en : oos->referral_zh;
		return core_reply_msg(r, M_DESK_DECLINED, args, args[1] ? 2 : 1);
	}
	dlg_mask_phone(o->phone, masked, sizeof(masked));
	args[0] = m->reached ? o->channel : o->contact_name;
	args[1] = r->group ? masked : o->phone;
	buf_init(&b);
	buf_tpl(&b, dlg_msg(r->lang, m->reached ? M_DESK_REACH_CHAT : M_DESK_REACH_PHONE), args, 2);
	buf_copy(reach, sizeof(reach), buf_str(&b));
	buf_release(&b);
	if (strcmp(o->category, "complaint") == 0) {
		snprintf(minutes, sizeof(minutes), "%d", r->c->cfg->complaint_hours);
		args[0] = o->number;
		args[1] = dlg_source_name(r->lang, o->source);
		args[2] = m->owner ? m->owner->name : core_supervisor_name(r->c, r->lang);
		args[3] = minutes;
		args[4] = reach;
		return core_reply_msg(r, M_DESK_COMPLAINT, args, 5);
	}
	snprintf(minutes, sizeof(minutes), "%d", o->promised_minutes);
	args[0] = o->number;
	args[1] = dlg_source_name(r->lang, o->source);
	args[2] = minutes;
	args[3] = reach;
	if (core_reply_msg(r, M_DESK_CREATED, args, 4) < 0)
		return -1;
	if (!m->e)
		return 0;
	/* The caller is still on the line: what to tell them to do now. */
	args[0] = r->lang == DLG_EN ? m->e->call_en : m->e->call_zh;
	if (args[0]) {
		buf_init(&b);
		buf_tpl(&b, dlg_msg(r->lang, M_DESK_CALL), args, 1);
		buf_copy(call, sizeof(call), buf_str(&b));
		buf_release(&b);
	}
	args[0] = o->number;
	args[1] = r->lang == DLG_EN ? m->e->advice_en : m->e->advice_zh;
	args[2] = call;
	return core_reply_msg(r, M_DESK_URGENT, args, 3);
}

int core_desk_from_dialog(struct core_req *r, const struct dlg_state *st, int declined)
{
	struct desk_made *m = NULL;
	struct dlg_state *x = NULL;
	int i, rc;

	if (!r->staff) /* taken off the staff list in the middle */
		return core_reply_msg(r, M_STAFF_ONLY, NULL, 0);
	m = malloc(sizeof(*m));
	x = malloc(sizeof(*x));
	rc = m && x ? 0 : -1;
	if (rc == 0)
		rc = desk_create(r->c, r->staff, NULL, st->desk, st, declined, r->now, m);
	if (rc == 0)
		rc = desk_said(r, m);
	/* Several requests in one go: one order each, each dispatched by its own skill. */
	for (i = 0; rc == 0 && !declined && i < st->nmore; i++) {
		const struct dlg_item *it = dlg_item_for(&r->c->cfg->policy, st->more[i], NULL);

		*x = *st;
		x->suspended = NULL; /* a borrowed view: never released */
		x->nmore = 0;
		buf_copy(x->description, sizeof(x->description), st->more[i]);
		buf_copy(x->item, sizeof(x->item), it ? it->id : "");
		buf_copy(x->category, sizeof(x->category), it ? it->category : "inquiry");
		rc = desk_create(r->c, r->staff, NULL, st->desk, x,
		                 dlg_out_of_scope(&r->c->cfg->policy, x->description) &&
		                         !dlg_emergency_in(&r->c->cfg->policy, x->description),
		                 r->now, m);
		if (rc == 0)
			rc = desk_said(r, m);
	}
	free(m);
	free(x);
	return rc;
}

int cmd_new_exec(struct core_req *r, struct cmd_args *a)
{
	const char *p = r->text, *source = "desk", *said;
	struct dlg_state st;
	int active, expired, rc;
	size_t n;

	(void)a; /* the whole line is read: a long description does not fit an argument */
	p += strcspn(p, " ");
	while (*p == ' ')
		p++;
	n = strcspn(p, " ");
	if (n && (said = source_of(p, n)) != NULL) {
		source = said;
		p += n;
		while (*p == ' ')
			p++;
	}
	/* A resident's phone and flat are asked: not where others read along. */
	if (r->group && core_go_private(r, 0) < 0)
		return -1;
	if (core_load_session(r, &st, &active, &expired) < 0)
		return -1;
	dlg_state_release(&st);
	dlg_state_init(&st, r->lang);
	buf_copy(st.desk, sizeof(st.desk), source);
	rc = core_run_dialog(r, p, &st, 0);
	dlg_state_release(&st);
	return rc;
}

int core_desk_order(struct core *c, const char *staff_id, const struct desk_request *r, int64_t now,
                    char *number, size_t numlen, char *err, size_t errlen)
{
	const struct cfg_staff *by = cfg_staff_find(c->cfg, staff_id);
	const char *source = r->source && *r->source ? r->source : "desk", *field = "";
	const char *community = NULL;
	struct dlg_state *st = NULL;
	struct desk_made *m = NULL;
	struct dlg_ctx ctx;
	size_t i;
	int lang = dlg_lang_from_hint(c->cfg->locale, DLG_ZH), rc;

	if (number && numlen)
		number[0] = '\0';
	if (err && errlen)
		err[0] = '\0';
	if (!by) {
		snprintf(err, errlen, "staff: no staff member \"%s\"", staff_id ? staff_id : "");
		return 1;
	}
	for (i = 0; r->community && *r->community && i < c->cfg->ncommunities; i++)
		if (strcmp(c->cfg->communities[i].id, r->community) == 0)
			community = c->cfg->communities[i].id;
	if (r->community && *r->community && !community) {
		snprintf(err, errlen, "community: no community \"%s\"", r->community);
		return 1;
	}
	if (strcmp(source, "phone") && strcmp(source, "walk-in") && strcmp(source, "desk")) {
		snprintf(err, errlen, "source: must be phone, walk-in or desk");
		return 1;
	}
	st = malloc(sizeof(*st));
	m = malloc(sizeof(*m));
	if (!st || !m) {
		free(st);
		free(m);
		return -1;
	}
	dlg_state_init(st, lang);
	buf_copy(st->desk, sizeof(st->desk), source);
	memset(&ctx, 0, sizeof(ctx));
	ctx.pol = &c->cfg->policy;
	ctx.now = now;
	ctx.lang = lang;
	ctx.addressed = 1;
	rc = dlg_desk_fill(&ctx, st, r->room, r->name, r->phone, r->text, r->when, &field);
	if (rc) {
		snprintf(err, errlen, "%s: %s", field, dlg_msg(lang, (enum dlg_msg)rc));
		rc = 1;
	} else {
		rc = desk_create(c, by, community, source, st, dlg_declines(&ctx, st), now, m);
		if (rc == 0 && number)
			buf_copy(number, numlen, m->o.number);
	}
	dlg_state_release(st);
	free(st);
	free(m);
	return rc;
}
