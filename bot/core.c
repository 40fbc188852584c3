/*
 * core.c - one inbound message in, store changes and outbox rows out.
 *
 * The order of work for a message: de-duplicate, find out who is speaking
 * (staff from the configuration, residents from the store), run a command
 * if it is one, otherwise advance the person's dialog and carry out what the
 * dialog decided. Everything happens in the caller's transaction; nothing
 * here talks to the network.
 */
#include "bot/core_internal.h"

#include "adapters/registry.h"
#include "bot/log.h"
#include "dialogs/utf8.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct core *core_new(const struct cfg *cfg, struct store *store)
{
	struct core *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cfg = cfg;
	c->store = store;
	return c;
}

void core_free(struct core *c)
{
	free(c);
}

/* ---- money ------------------------------------------------------------------- */

void core_money(int64_t fen, char *out, size_t outlen)
{
	int64_t yuan = fen / 100, rest = fen % 100;

	if (rest == 0)
		snprintf(out, outlen, "%lld", (long long)yuan);
	else if (rest % 10 == 0)
		snprintf(out, outlen, "%lld.%lld", (long long)yuan, (long long)(rest / 10));
	else
		snprintf(out, outlen, "%lld.%02lld", (long long)yuan, (long long)rest);
}

int core_parse_money(const char *text, int64_t *fen)
{
	char f[64];
	const char *p;
	int64_t v = 0;
	int digits = 0, frac = -1;
	size_t n;

	if (dlg_fold(text ? text : "", f, sizeof(f)) < 0)
		return -1;
	p = f;
	if (strncmp(p, "\xc2\xa5", 2) == 0) /* ¥ */
		p += 2;
	else if (*p == '$')
		p++;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (frac >= 2)
				return -1;
			if (v > 100000000000LL)
				return -1;
			v = v * 10 + (*p - '0');
			digits++;
			if (frac >= 0)
				frac++;
		} else if (*p == '.' && frac < 0 && digits) {
			frac = 0;
		} else {
			break;
		}
	}
	n = strlen(p);
	if (!digits || frac == 0 ||
	    !(n == 0 || strcmp(p, "元") == 0 || strcmp(p, "块") == 0 || strcmp(p, " yuan") == 0 ||
	      strcmp(p, "yuan") == 0 || strcmp(p, "rmb") == 0))
		return -1;
	if (frac <= 0)
		v *= 100;
	else if (frac == 1)
		v *= 10;
	*fen = v;
	return 0;
}

void core_norm_number(const char *in, char *out, size_t outlen)
{
	char f[64], digits[32];
	size_t i, n = 0;

	if (dlg_fold(in ? in : "", f, sizeof(f)) < 0)
		f[0] = '\0';
	for (i = 0; f[i] && n + 1 < sizeof(digits); i++) {
		if (f[i] >= '0' && f[i] <= '9')
			digits[n++] = f[i];
		else if (f[i] != '-' && f[i] != '#' && f[i] != ' ')
			break;
	}
	digits[n] = '\0';
	if (f[i] || n < 9) {
		buf_copy(out, outlen, f); /* not a number we make; looked up as given */
		return;
	}
	snprintf(out, outlen, "%.6s-%s", digits, digits + 6);
}

/* ---- sending ------------------------------------------------------------------- */

static char *payload_json(const char *text, const struct msg_button *b, int nb)
{
	json_t *o = json_object(), *arr;
	char *s;
	int i;

	json_object_set_new(o, "text", json_string(text));
	if (nb > 0) {
		arr = json_array();
		for (i = 0; i < nb; i++) {
			json_t *btn = json_object();

			json_object_set_new(btn, "label", json_string(b[i].label));
			json_object_set_new(btn, "data", json_string(b[i].data));
			json_array_append_new(arr, btn);
		}
		json_object_set_new(o, "buttons", arr);
	}
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static int queue_one(struct core *c, const char *channel, const char *chat, const char *payload,
                     int64_t now)
{
	return store_outbox_add(c->store, channel, chat, payload, now, NULL);
}

/*
 * A technician is pinged about work that needs a skill only if they have it;
 * dispatchers and supervisors see every order.
 */
static int concerns(const struct cfg_staff *s, const char *skill)
{
	return !skill || !*skill || strcmp(s->role, "technician") != 0 ||
	       cfg_staff_has_skill(s, skill);
}

/* core_send(), where a "staff" chat on terminal or web reaches only those SKILL concerns. */
static int send_for(struct core *c, const char *channel, const char *chat, const char *skill,
                    const char *text, const struct msg_button *buttons, int nbuttons, int64_t now)
{
	char *payload = payload_json(text, buttons, nbuttons);
	const struct adapter *a;
	char who[96];
	size_t i;
	int rc = 0;

	if (!payload)
		return -1;
	a = adapter_find(channel);
	if (strcmp(chat, "staff") == 0 && a && a->staff_reachable) {
		for (i = 0; i < c->cfg->nstaff && rc == 0; i++) {
			if (!a->staff_reachable(c->cfg, &c->cfg->staff[i]))
				continue;
			if (!concerns(&c->cfg->staff[i], skill))
				continue;
			snprintf(who, sizeof(who), "staff:%s", c->cfg->staff[i].id);
			rc = queue_one(c, channel, who, payload, now);
		}
	} else {
		rc = queue_one(c, channel, chat, payload, now);
	}
	free(payload);
	return rc;
}

int core_send(struct core *c, const char *channel, const char *chat, const char *text,
              const struct msg_button *buttons, int nbuttons, int64_t now)
{
	return send_for(c, channel, chat, NULL, text, buttons, nbuttons, now);
}

int core_reply(struct core_req *r, const char *text, const struct msg_button *b, int nb)
{
	return core_send(r->c, r->reply_channel, r->reply_chat, text, b, nb, r->now);
}

int core_reply_msg(struct core_req *r, enum dlg_msg id, const char *const *args, int nargs)
{
	struct buf b;
	int rc;

	buf_init(&b);
	buf_tpl(&b, dlg_msg(r->lang, id), args, nargs);
	rc = b.failed ? -1 : core_reply(r, buf_str(&b), NULL, 0);
	buf_release(&b);
	return rc;
}

int core_notify_resident(struct core *c, const struct store_order *o, const char *text,
                         const struct msg_button *b, int nb, int64_t now)
{
	if (!o->channel[0] || !o->chat[0])
		return 0;
	return core_send(c, o->channel, o->chat, text, b, nb, now);
}

int core_notify_staff(struct core *c, const struct cfg_staff *s, const char *text,
                      const struct msg_button *b, int nb, int64_t now)
{
	const struct adapter *a;
	char who[96];
	size_t i;
	int rc = 0;

	/* Where staff read their own queue (the terminal, their web link). */
	snprintf(who, sizeof(who), "staff:%s", s->id);
	for (i = 0; rc == 0 && adapter_registry[i]; i++) {
		a = adapter_registry[i];
		if (a->staff_reachable && a->enabled(c->cfg) && a->staff_reachable(c->cfg, s))
			rc = core_send(c, a->name, who, text, b, nb, now);
	}
	for (i = 0; rc == 0 && i < s->nidentities; i++) {
		const struct cfg_identity *id = &s->identities[i];

		a = adapter_find(id->channel);
		if ((a && a->staff_reachable) || !adapter_enabled(c->cfg, id->channel))
			continue;
		/* On chat platforms a person's private chat has the person's ID. */
		rc = core_send(c, id->channel, id->user, text, b, nb, now);
	}
	return rc;
}

int core_notify_supervisors(struct core *c, const char *text, int64_t now)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < c->cfg->nstaff; i++)
		if (strcmp(c->cfg->staff[i].role, "supervisor") == 0)
			rc = core_notify_staff(c, &c->cfg->staff[i], text, NULL, 0, now);
	return rc;
}

/*
 * A Telegram group upgraded to a supergroup has a new ID while the
 * configuration still names the old one; store_chat_migrate() records the
 * move (from the group's notice, or from a refused send), so the configured
 * chat follows it.
 */
const char *core_current_chat(struct core *c, const char *channel, const char *chat, char *buf,
                              size_t len)
{
	return store_chat_current(c->store, channel, chat, buf, len) == 1 ? buf : chat;
}

int core_notify_staff_chats(struct core *c, const char *skill, const char *text,
                            const struct msg_button *b, int nb, int64_t now)
{
	const struct cfg_community *com = &c->cfg->communities[0];
	int rc = 0, telegram_done = 0;
	char moved[96];
	size_t i;

	for (i = 0; rc == 0 && i < com->nstaff_chats; i++) {
		const char *ch = com->staff_chats[i].channel;

		if (!adapter_enabled(c->cfg, ch))
			continue;
		if (strcmp(ch, "telegram") == 0)
			telegram_done = 1;
		rc = send_for(
		        c, ch,
		        core_current_chat(c, ch, com->staff_chats[i].chat, moved, sizeof(moved)),
		        skill, text, b, nb, now);
	}
	if (rc == 0 && !telegram_done && c->cfg->telegram.enabled && c->cfg->telegram.staff_chat &&
	    *c->cfg->telegram.staff_chat)
		rc = core_send(c, "telegram",
		               core_current_chat(c, "telegram", c->cfg->telegram.staff_chat, moved,
		                                 sizeof(moved)),
		               text, b, nb, now);
	return rc;
}

const char *core_staff_name(struct core *c, const char *id)
{
	const struct cfg_staff *s = cfg_staff_find(c->cfg, id);

	return s && s->name ? s->name : id;
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

/* ---- dialog sessions ---------------------------------------------------------- */

/* The private chat of the resident of a message said in a group. */
static void private_target(const struct msg_in *in, char *chat, size_t len)
{
	buf_copy(chat, len, in->is_group ? in->user : in->chat);
}

static int session_expired(struct core *c, const struct dlg_state *st, int64_t updated, int64_t now)
{
	int64_t limit = strcmp(st->flow, "accept") == 0 ? (int64_t)c->cfg->acceptance_days * 86400
	                                                : (int64_t)c->cfg->session_minutes * 60;

	return now - updated > limit;
}

static void fill_ctx(struct core_req *r, struct dlg_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->cfg = r->c->cfg;
	ctx->now = r->now;
	ctx->lang = r->lang;
	ctx->is_group = r->group;
	ctx->addressed = r->group ? r->in->addressed : 1;
	ctx->saved_name = r->resident.name;
	ctx->saved_room = r->resident.room;
	ctx->saved_phone = r->resident.phone;
}

/* Sends the engine's replies to the sender. */
static int send_replies(struct core_req *r, const struct dlg_result *res)
{
	struct msg_button b[MSG_MAX_BUTTONS];
	int i, j, rc = 0;

	for (i = 0; rc == 0 && i < res->nreplies; i++) {
		for (j = 0; j < res->replies[i].nbuttons; j++) {
			b[j].label = res->replies[i].buttons[j].label;
			b[j].data = res->replies[i].buttons[j].data;
		}
		rc = core_reply(r, res->replies[i].text, b, res->replies[i].nbuttons);
	}
	return rc;
}

static void order_from_state(struct core_req *r, const struct dlg_state *st, struct store_order *o)
{
	const struct cfg_item *it = cfg_item_find(r->c->cfg, st->item);
	size_t i;

	memset(o, 0, sizeof(*o));
	buf_copy(o->community, sizeof(o->community), r->c->cfg->communities[0].id);
	buf_copy(o->status, sizeof(o->status), "pending");
	buf_copy(o->category, sizeof(o->category), st->category[0] ? st->category : "inquiry");
	buf_copy(o->item, sizeof(o->item), st->item);
	buf_copy(o->description, sizeof(o->description), st->description);
	buf_copy(o->room, sizeof(o->room), st->room);
	buf_copy(o->contact_name, sizeof(o->contact_name), st->name);
	buf_copy(o->phone, sizeof(o->phone), st->phone);
	buf_copy(o->preferred_time, sizeof(o->preferred_time), st->time);
	o->preferred_at = st->time_at;
	o->resident_id = r->resident.id;
	buf_copy(o->channel, sizeof(o->channel), r->in->channel);
	private_target(r->in, o->chat, sizeof(o->chat));
	buf_copy(o->user, sizeof(o->user), r->in->user);
	o->promised_minutes = it ? it->response_minutes : 0;
	for (i = 0; !it && i < r->c->cfg->nitems; i++)
		if (strcmp(r->c->cfg->items[i].category, o->category) == 0 &&
		    (!o->promised_minutes ||
		     r->c->cfg->items[i].response_minutes < o->promised_minutes))
			o->promised_minutes = r->c->cfg->items[i].response_minutes;
	if (o->promised_minutes <= 0)
		o->promised_minutes = 60;
	buf_copy(o->estimate, sizeof(o->estimate), it && it->price ? it->price : "");
	o->fee = -1;
}

/* The dispatch ping for the staff chats: no full phone number, it may be a group. */
static int dispatch_ping(struct core *c, const struct store_order *o, int64_t now)
{
	const struct cfg_item *it = cfg_item_find(c->cfg, o->item);
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
	snprintf(data, sizeof(data), "/accept %s", o->number);
	b[0].label = dlg_msg(lang, M_BTN_ACCEPT_ORDER);
	b[0].data = data;
	rc = t.failed ? -1
	              : core_notify_staff_chats(c, it ? it->skill : NULL, buf_str(&t), b, 1, now);
	buf_release(&t);
	return rc;
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
	snprintf(minutes, sizeof(minutes), "%d", o.promised_minutes);
	args[0] = o.number;
	args[1] = minutes;
	if (core_reply_msg(r, M_CREATED, args, 2) < 0)
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

/* Tells the supervisors that O was rated RATING, with the resident's COMMENT (NULL: none). */
static int alert_low_rating(struct core_req *r, const struct store_order *o,
                            const struct cfg_staff *assignee, int rating, const char *comment)
{
	int lang = dlg_lang_from_hint(r->c->cfg->locale, DLG_ZH);
	char score[16];
	const char *args[4];
	struct buf b;
	int rc;

	snprintf(score, sizeof(score), "%d", rating);
	args[0] = o->number;
	args[1] = score;
	args[2] = assignee ? assignee->name : o->assignee;
	args[3] = comment ? comment : dlg_msg(lang, M_NONE_GIVEN);
	buf_init(&b);
	buf_tpl(&b, dlg_msg(lang, M_LOW_RATING), args, 4);
	rc = b.failed ? -1 : core_notify_supervisors(r->c, buf_str(&b), r->now);
	buf_release(&b);
	return rc;
}

/* Acceptance answers: the order must still be waiting for them. */
static int act_acceptance(struct core_req *r, const struct dlg_state *st,
                          const struct dlg_result *res)
{
	struct store_order o;
	const struct cfg_staff *assignee;
	char detail[64];
	const char *args[3];
	struct buf b;
	int rc = 0;

	if (store_order_get(r->c->store, st->order, &o) != 1)
		return 0;
	assignee = cfg_staff_find(r->c->cfg, o.assignee);
	buf_init(&b);
	switch (res->action) {
	case DLG_ACT_ACCEPTED:
		if (strcmp(o.status, "awaiting_acceptance") != 0)
			break;
		o.closed_at = r->now;
		rc = store_feedback_accept(r->c->store, o.id, 1, r->now);
		if (rc == 0)
			rc = core_transition(r->c, &o, "closed", "accepted_by_resident", r->actor,
			                     r->in->channel, "", r->now);
		if (rc == 0 && assignee) {
			args[0] = o.number;
			args[1] = "";
			buf_tpl(&b,
			        dlg_msg(dlg_lang_from_hint(r->c->cfg->locale, DLG_ZH),
			                M_ACCEPTED_STAFF),
			        args, 2);
			rc = core_notify_staff(r->c, assignee, buf_str(&b), NULL, 0, r->now);
		}
		break;
	case DLG_ACT_REWORK:
		if (strcmp(o.status, "awaiting_acceptance") != 0)
			break;
		rc = store_feedback_accept(r->c->store, o.id, 0, r->now);
		if (rc == 0)
			rc = core_transition(r->c, &o, "rework", "rework", r->actor, r->in->channel,
			                     "resident: not fixed", r->now);
		if (rc == 0 && assignee) {
			args[0] = o.number;
			args[1] = o.room;
			args[2] = o.description;
			buf_tpl(&b,
			        dlg_msg(dlg_lang_from_hint(r->c->cfg->locale, DLG_ZH),
			                M_REWORK_PING),
			        args, 3);
			rc = core_notify_staff(r->c, assignee, buf_str(&b), NULL, 0, r->now);
		}
		break;
	case DLG_ACT_RATED:
		snprintf(detail, sizeof(detail), "%d", res->rating);
		rc = store_feedback_rate(r->c->store, o.id, res->rating, r->now);
		if (rc == 0)
			rc = store_event_add(r->c->store, o.id, r->now, r->actor, r->in->channel,
			                     "rated", o.status, o.status, detail);
		if (rc == 0 && res->rating <= r->c->cfg->low_rating)
			rc = alert_low_rating(r, &o, assignee, res->rating, NULL);
		break;
	case DLG_ACT_COMMENTED:
		if (!res->comment || !*res->comment)
			break;
		rc = store_feedback_comment(r->c->store, o.id, res->comment, r->now);
		if (rc == 0)
			rc = store_event_add(r->c->store, o.id, r->now, r->actor, r->in->channel,
			                     "commented", o.status, o.status, res->comment);
		if (rc == 0 && o.rating && o.rating <= r->c->cfg->low_rating)
			rc = alert_low_rating(r, &o, assignee, o.rating, res->comment);
		break;
	default:
		break;
	}
	buf_release(&b);
	return rc;
}

/*
 * Does what the answer asked for. ST is the state after the answer; the
 * engine keeps the fields the action reads (the request's details, the order
 * asked about) there, even when the flow ended or resumed a paused intake.
 */
static int apply_result(struct core_req *r, const struct dlg_state *st,
                        const struct dlg_result *res)
{
	switch (res->action) {
	case DLG_ACT_CREATE:
		if (save_profile(r, st) < 0)
			return -1;
		return act_create(r, st, "pending");
	case DLG_ACT_DECLINE:
		return act_create(r, st, "declined");
	case DLG_ACT_ACCEPTED:
	case DLG_ACT_REWORK:
	case DLG_ACT_RATED:
	case DLG_ACT_COMMENTED:
		return act_acceptance(r, st, res);
	case DLG_ACT_NONE:
		break;
	}
	return 0;
}

/* Loads the sender's dialog state; sets *ACTIVE and may add an "expired" notice. */
static int load_session(struct core_req *r, struct dlg_state *st, int *active, int *expired)
{
	char *json = NULL;
	int64_t updated = 0;
	int rc;

	*active = *expired = 0;
	dlg_state_init(st, r->lang);
	rc = store_session_get(r->c->store, r->in->channel, r->reply_chat, r->in->user, &json,
	                       &updated);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		dlg_state_from_json(json, st);
		free(json);
		if (st->flow[0] && session_expired(r->c, st, updated, r->now)) {
			dlg_state_release(st);
			dlg_state_init(st, r->lang);
			*expired = 1;
			return store_session_delete(r->c->store, r->in->channel, r->reply_chat,
			                            r->in->user);
		}
		*active = st->flow[0] != '\0';
	}
	return 0;
}

static int save_session(struct core_req *r, const struct dlg_state *st, int end)
{
	char *json;
	int rc;

	if (end || !st->flow[0])
		return store_session_delete(r->c->store, r->in->channel, r->reply_chat,
		                            r->in->user);
	json = dlg_state_to_json(st);
	if (!json)
		return -1;
	rc = store_session_put(r->c->store, r->in->channel, r->reply_chat, r->in->user, json,
	                       r->now);
	free(json);
	return rc;
}

struct next_accept {
	const struct core_req *r;
	const char *answered; /* the order just accepted or sent back */
	struct store_order found;
	int n;
};

static int pick_waiting(const struct store_order *o, void *ud)
{
	struct next_accept *na = ud;

	if (strcmp(o->number, na->answered) == 0 || strcmp(o->channel, na->r->in->channel) != 0 ||
	    strcmp(o->chat, na->r->reply_chat) != 0)
		return 0;
	na->found = *o; /* newest first: the last one kept is the oldest */
	na->n++;
	return 0;
}

/*
 * One conversation holds one acceptance question, so when two orders were
 * reported done before the resident answered, the later question replaced
 * the earlier. Once an answer is through, the order still waiting is asked
 * about, or it would close by itself unasked and unrated.
 */
static int ask_next_acceptance(struct core_req *r, const char *answered)
{
	struct store_order_filter f;
	struct next_accept na;

	if (!r->resident.id)
		return 0;
	memset(&f, 0, sizeof(f));
	memset(&na, 0, sizeof(na));
	f.status = "awaiting_acceptance";
	f.resident_id = r->resident.id;
	na.r = r;
	na.answered = answered;
	if (store_orders_list(r->c->store, &f, pick_waiting, &na) < 0)
		return -1;
	return na.n ? core_begin_accept(r->c, &na.found, r->now) : 0;
}

static int run_dialog(struct core_req *r, const char *text, struct dlg_state *st, int expired)
{
	struct dlg_result res;
	struct dlg_ctx ctx;
	int rc, accepting = strcmp(st->flow, "accept") == 0;
	int intake = strcmp(st->flow, "intake") == 0;

	fill_ctx(r, &ctx);
	dlg_result_init(&res);
	/* Even when starting afresh, say so: the resident may think the old request stands. */
	if (expired && core_reply_msg(r, M_EXPIRED, NULL, 0) < 0)
		return -1;
	rc = dlg_handle(&ctx, st, text, &res);
	if (rc == 0 && res.handled) {
		rc = send_replies(r, &res);
		if (rc == 0)
			rc = apply_result(r, st, &res);
		if (rc == 0)
			rc = save_session(r, st, res.end);
		/* Answered (not put off), and not back in a paused request: anything else? */
		if (rc == 0 && accepting && res.end &&
		    (res.action == DLG_ACT_COMMENTED || res.action == DLG_ACT_REWORK))
			rc = ask_next_acceptance(r, st->order);
		/* A request taken while an acceptance question was open: ask it again. */
		else if (rc == 0 && intake && res.end)
			rc = ask_next_acceptance(r, "");
	}
	dlg_result_release(&res);
	return rc;
}

int core_begin_accept(struct core *c, struct store_order *o, int64_t now)
{
	struct dlg_state st;
	struct dlg_result res;
	struct dlg_ctx ctx;
	char *json = NULL, fee[32] = "";
	struct msg_button b[MSG_MAX_BUTTONS];
	int64_t updated = 0;
	int rc, i, j;

	dlg_state_init(&st, core_order_lang(c, o));
	rc = store_session_get(c->store, o->channel, o->chat, o->user, &json, &updated);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		dlg_state_from_json(json, &st);
		free(json);
		if (st.flow[0] && session_expired(c, &st, updated, now)) {
			dlg_state_release(&st);
			dlg_state_init(&st, core_order_lang(c, o));
		}
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = c->cfg;
	ctx.now = now;
	ctx.lang = core_order_lang(c, o);
	if (o->fee >= 0)
		core_money(o->fee, fee, sizeof(fee));
	dlg_result_init(&res);
	rc = dlg_begin_accept(&ctx, &st, o->number, core_staff_name(c, o->assignee),
	                      fee[0] ? fee : NULL, &res);
	for (i = 0; rc == 0 && i < res.nreplies; i++) {
		for (j = 0; j < res.replies[i].nbuttons; j++) {
			b[j].label = res.replies[i].buttons[j].label;
			b[j].data = res.replies[i].buttons[j].data;
		}
		rc = core_notify_resident(c, o, res.replies[i].text, b, res.replies[i].nbuttons,
		                          now);
	}
	if (rc == 0) {
		json = dlg_state_to_json(&st);
		rc = json ? store_session_put(c->store, o->channel, o->chat, o->user, json, now)
		          : -1;
		free(json);
	}
	dlg_result_release(&res);
	dlg_state_release(&st);
	return rc;
}

/*
 * Ends the acceptance questions about O if they are what its resident is
 * being asked (the order was cancelled or closed meanwhile): an intake they
 * paused comes back as it was, and anything else they are in the middle of -
 * a new request, questions about another order - is left alone.
 */
int core_end_accept(struct core *c, const struct store_order *o)
{
	struct dlg_state st;
	char *json = NULL;
	int64_t updated = 0;
	int rc;

	if (!o->channel[0] || !o->chat[0])
		return 0;
	rc = store_session_get(c->store, o->channel, o->chat, o->user, &json, &updated);
	if (rc <= 0)
		return rc;
	dlg_state_from_json(json, &st);
	free(json);
	if (strcmp(st.flow, "accept") != 0 || strcmp(st.order, o->number) != 0)
		rc = 0;
	else if (st.suspended)
		rc = store_session_put(c->store, o->channel, o->chat, o->user, st.suspended,
		                       updated);
	else
		rc = store_session_delete(c->store, o->channel, o->chat, o->user);
	dlg_state_release(&st);
	return rc;
}

/* ---- the entry point ---------------------------------------------------------------- */

static void trim(const char *in, char *out, size_t len)
{
	const char *end;

	while (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r')
		in++;
	end = in + strlen(in);
	while (end > in &&
	       (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		end--;
	snprintf(out, len, "%.*s", (int)(end - in), in);
}

/*
 * "/start PAYLOAD" is how Telegram opens a private chat from a group's link:
 * the payload names what the resident wanted there. Returns 1 when TEXT was
 * such a "/start" (and is now the command it stands for).
 */
static int start_payload(const struct core_req *r, char *text, size_t len)
{
	static const struct {
		const char *payload, *command;
	} map[] = {{"repair", "/repair"}, {"clean", "/clean"}, {"errand", "/errand"},
	           {"ask", "/ask"},       {"my", "/my"},       {"prices", "/prices"}};
	const char *arg;
	size_t i;

	if (strncmp(text, "/start", 6) != 0 || (text[6] && text[6] != ' '))
		return 0;
	arg = text + 6;
	while (*arg == ' ')
		arg++;
	if (r->staff && *arg >= '0' && *arg <= '9')
		return 0; /* a staff member's "/start N": work on order N started */
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(arg, map[i].payload) == 0) {
			buf_copy(text, len, map[i].command);
			return 1;
		}
	}
	buf_copy(text, len, "/help");
	return 1;
}

/*
 * The resident followed a group's link into the private chat while the
 * conversation it started is already waiting there (the bot may not write
 * first, so they may never have seen its question): ask the current
 * question again instead of starting over and losing what the group
 * message said.
 */
static int resume(struct core_req *r, struct dlg_state *st)
{
	struct dlg_result res;
	struct dlg_ctx ctx;
	int rc;

	fill_ctx(r, &ctx);
	dlg_result_init(&res);
	rc = dlg_prompt(&ctx, st, &res);
	if (rc == 0)
		rc = send_replies(r, &res);
	if (rc == 0)
		rc = save_session(r, st, 0);
	dlg_result_release(&res);
	return rc;
}

int core_go_private(struct core_req *r, enum dlg_msg id)
{
	const char *args[1] = {r->in->private_link};

	if (core_reply_msg(r, id, args, 1) < 0)
		return -1;
	r->group = 0;
	buf_copy(r->reply_chat, sizeof(r->reply_chat), r->in->user);
	return 0;
}

/*
 * A terminal in another encoding (GBK) sends bytes that are not UTF-8; every
 * text that quoted them (a reason, a comment) could then not be put in JSON
 * and would go out empty. Such bytes (what utf8_next() reads as one broken
 * byte) become '?'.
 */
static void utf8_repair(char *text)
{
	size_t len = strlen(text), p = 0, n;
	uint32_t cp;

	while (p < len) {
		n = utf8_next(text + p, len - p, &cp);
		if (n == 1 && cp == UTF8_BAD)
			text[p] = '?';
		p += n;
	}
}

int core_handle(struct core *c, const struct msg_in *in, int64_t now)
{
	struct core_req r;
	struct dlg_state st;
	char text[4096];
	int rc, active = 0, expired = 0, fallback, from_link;

	if (in->id && *in->id) {
		rc = store_dedup_claim(c->store, in->channel, in->id, now);
		if (rc <= 0)
			return rc; /* 0: seen before, nothing to do */
	}
	trim(in->callback && *in->callback ? in->callback : (in->text ? in->text : ""), text,
	     sizeof(text));
	if (!text[0])
		return 0;
	utf8_repair(text);
	if (in->is_group && !in->addressed && !dlg_is_trigger(text, NULL))
		return 0; /* neighbours talking among themselves */

	memset(&r, 0, sizeof(r));
	r.c = c;
	r.in = in;
	r.now = now;
	r.group = in->is_group;
	r.staff = cfg_staff_by_identity(c->cfg, in->channel, in->user);
	buf_copy(r.reply_channel, sizeof(r.reply_channel), in->channel);
	buf_copy(r.reply_chat, sizeof(r.reply_chat), in->chat);
	/* Before the language is guessed: "/start repair" is no English. */
	from_link = start_payload(&r, text, sizeof(text));
	fallback = dlg_lang_from_hint(c->cfg->locale, DLG_ZH);
	if (r.staff) {
		snprintf(r.actor, sizeof(r.actor), "staff:%s", r.staff->id);
		r.lang = dlg_lang_from_hint(in->lang, fallback);
	}
	if (store_resident_ensure(c->store, in->channel, in->user, now, &r.resident) < 0)
		return -1;
	if (!r.staff) {
		snprintf(r.actor, sizeof(r.actor), "resident:%lld", (long long)r.resident.id);
		if (r.resident.lang[0])
			r.lang = dlg_lang_from_hint(r.resident.lang, fallback);
		else
			r.lang = dlg_lang_of_text(text, dlg_lang_from_hint(in->lang, fallback));
	}

	if (r.group) {
		/* Commands are answered where they were given (a staff group, say). */
		rc = core_command(&r, text, 0);
		if (rc != 0)
			return rc < 0 ? rc : 0;
		if (r.staff && !dlg_is_trigger(text, NULL))
			return 0;
		/* Neighbours read along: a request goes on privately; the group hears where. */
		if (core_go_private(&r, in->private_link ? M_GROUP_MOVED : M_GROUP_HINT) < 0)
			return -1;
	}
	if (load_session(&r, &st, &active, &expired) < 0)
		return -1;
	if (active)
		r.lang = st.lang;
	if (active && from_link && !r.group &&
	    (dlg_is_trigger(text, NULL) || strcmp(text, "/help") == 0)) {
		rc = resume(&r, &st);
		dlg_state_release(&st);
		return rc;
	}
	rc = core_command(&r, text, active);
	if (rc == 0) {
		if (r.staff && !active && !dlg_is_trigger(text, NULL)) {
			/* Staff in private without a conversation: remind them of the commands. */
			rc = core_reply_msg(&r, M_HELP_STAFF, NULL, 0);
		} else {
			rc = run_dialog(&r, text, &st, expired);
		}
	} else if (rc > 0) {
		rc = 0;
	}
	dlg_state_release(&st);
	return rc;
}

/* ---- time-driven work ----------------------------------------------------------------- */

struct tick_ctx {
	struct core *c;
	int64_t now;
	struct store_order *due;
	size_t n, cap;
};

static int collect(const struct store_order *o, void *ud)
{
	struct tick_ctx *t = ud;
	struct store_order *grown;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		grown = realloc(t->due, t->cap * sizeof(*grown));
		if (!grown)
			return 1;
		t->due = grown;
	}
	t->due[t->n++] = *o;
	return 0;
}

static int escalated_already(const struct store_event *e, void *ud)
{
	int *seen = ud;

	if (strcmp(e->action, "escalated") == 0)
		*seen = 1;
	return 0;
}

int core_tick(struct core *c, int64_t now)
{
	struct store_order_filter f;
	struct tick_ctx t;
	int lang = dlg_lang_from_hint(c->cfg->locale, DLG_ZH);
	char minutes[16];
	const char *args[4];
	struct buf b;
	size_t i;
	int rc;

	memset(&t, 0, sizeof(t));
	t.c = c;
	t.now = now;
	if (store_begin(c->store) < 0)
		return -1;
	memset(&f, 0, sizeof(f));
	f.status = "awaiting_acceptance";
	rc = store_orders_list(c->store, &f, collect, &t);
	for (i = 0; rc == 0 && i < t.n; i++) {
		struct store_order *o = &t.due[i];

		if (now - o->done_at < (int64_t)c->cfg->acceptance_days * 86400)
			continue;
		o->closed_at = now;
		rc = core_transition(c, o, "closed", "auto_closed", "system", "system",
		                     "no answer within the acceptance period", now);
		if (rc == 0) {
			args[0] = o->number;
			buf_init(&b);
			buf_tpl(&b, dlg_msg(core_order_lang(c, o), M_AUTO_CLOSED), args, 1);
			rc = core_notify_resident(c, o, buf_str(&b), NULL, 0, now);
			buf_release(&b);
		}
		if (rc == 0)
			rc = core_end_accept(c, o);
	}
	t.n = 0;
	f.status = "pending";
	if (rc == 0)
		rc = store_orders_list(c->store, &f, collect, &t);
	for (i = 0; rc == 0 && i < t.n; i++) {
		struct store_order *o = &t.due[i];
		int seen = 0;

		if (now - o->created_at < (int64_t)o->promised_minutes * 60)
			continue;
		rc = store_events_list(c->store, o->id, escalated_already, &seen);
		if (rc < 0 || seen)
			continue;
		snprintf(minutes, sizeof(minutes), "%d", o->promised_minutes);
		args[0] = o->number;
		args[1] = minutes;
		args[2] = o->room;
		args[3] = o->description;
		buf_init(&b);
		buf_tpl(&b, dlg_msg(lang, M_ESCALATED), args, 4);
		rc = store_event_add(c->store, o->id, now, "system", "system", "escalated",
		                     o->status, o->status, "promised response time passed");
		if (rc == 0)
			rc = core_notify_supervisors(c, buf_str(&b), now);
		buf_release(&b);
	}
	free(t.due);
	/* Platforms redeliver for a day at most; a month of keys is plenty. */
	if (rc == 0)
		rc = store_dedup_prune(c->store, now - 30 * 86400);
	if (rc < 0) {
		store_rollback(c->store);
		return -1;
	}
	return store_commit(c->store);
}
