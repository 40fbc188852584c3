/*
 * notify.c - who hears what: every reply and notice becomes outbox rows.
 *
 * A message to a person goes where that person reads: a resident's order
 * chat, a staff member's personal queue on the channels that have one and
 * their private chat on the platforms that can open one, or a mention in the
 * staff chat of a channel that cannot (never for a complaint, which names the
 * person it is about). Notices to a staff member are written in their
 * language (/lang). Dispatch pings go to the staff chats of the order's
 * community and to each channel's own staff group. Notices to residents
 * written in their quiet hours wait in the outbox until the hours end
 * (core_hold_until, promises.c).
 */
#include "bot/core_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/link.h"
#include "lib/log.h"

/*
 * The outbox payload of a message; see lib/msg.h. MENTION (or NULL) is a user
 * to mention, NAME (or NULL) what the staff list calls them, QUOTE (or NULL)
 * the message said in a group that this answers there.
 */
static char *payload_quoting(const char *text, const struct msg_button *b, int nb,
                             const char *mention, const char *name, const struct msg_in *quote)
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
	if (mention)
		json_object_set_new(o, "mention", json_pack("[s]", mention));
	if (mention && name)
		json_object_set_new(o, "names", json_pack("{s:s}", mention, name));
	if (quote)
		json_object_set_new(
		        o, "reply_to",
		        json_pack("{s:s,s:s}", "user", quote->user, "ref", quote->reply_ref));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static char *payload_json(const char *text, const struct msg_button *b, int nb, const char *mention,
                          const char *name)
{
	return payload_quoting(text, b, nb, mention, name, NULL);
}

/*
 * A technician is pinged about work that needs a skill only if they have it,
 * and not about work that needs none (SKILL ""): that is for a dispatcher to
 * give out. Dispatchers and supervisors see every order; a NULL SKILL is for
 * everyone.
 */
static int concerns(const struct cfg_staff *s, const char *skill)
{
	return !skill || strcmp(s->role, "technician") != 0 ||
	       (*skill && cfg_staff_has_skill(s, skill));
}

/*
 * Queues one message for CHANNEL/CHAT. A chat named "staff" on a channel
 * whose people read their own queue stands for every staff member there
 * whom SKILL concerns (NULL: all), and is queued once per person; for a
 * dispatch PING only to those on duty (a group is read by whoever is there).
 */
static int send_for(struct core *c, const char *channel, const char *chat, const char *skill,
                    int ping, const char *text, const struct msg_button *buttons, int nbuttons,
                    const char *mention, const char *name, int64_t now)
{
	char *payload = payload_json(text, buttons, nbuttons, mention, name);
	const struct chan *ch = cfg_chan(c->cfg, channel);
	struct adapter_person p;
	char who[96];
	size_t i;
	int rc = 0;

	if (!payload)
		return -1;
	if (strcmp(chat, "staff") == 0 && ch && ch->a->staff_reachable) {
		for (i = 0; i < c->cfg->nstaff && rc == 0; i++) {
			cfg_person(&c->cfg->staff[i], &p);
			if (!ch->a->staff_reachable(ch, &p) ||
			    !concerns(&c->cfg->staff[i], skill) ||
			    (ping && !core_on_duty(c, &c->cfg->staff[i], now)))
				continue;
			snprintf(who, sizeof(who), "staff:%s", c->cfg->staff[i].id);
			rc = store_outbox_add(c->store, channel, who, payload, now, NULL);
		}
	} else {
		rc = store_outbox_add(c->store, channel, chat, payload, now, NULL);
	}
	free(payload);
	return rc;
}

int core_send(struct core *c, const char *channel, const char *chat, const char *text,
              const struct msg_button *buttons, int nbuttons, int64_t now)
{
	return send_for(c, channel, chat, NULL, 0, text, buttons, nbuttons, NULL, NULL, now);
}

static int reply_quoting(struct core_req *r, const char *text, const struct msg_button *b, int nb)
{
	char *payload = payload_quoting(text, b, nb, NULL, NULL, r->in);
	int rc;

	if (!payload)
		return -1;
	rc = store_outbox_add(r->c->store, r->reply_channel, r->reply_chat, payload, r->now, NULL);
	free(payload);
	return rc;
}

int core_reply(struct core_req *r, const char *text, const struct msg_button *b, int nb)
{
	/* A command run from the console: its answer is the HTTP answer, not a message. */
	if (r->capture) {
		if (r->capture->len)
			buf_addc(r->capture, '\n');
		buf_add(r->capture, text);
		return r->capture->failed ? -1 : 0;
	}
	/* An answer in the group it was asked in quotes the question where the platform can. */
	if (r->group && r->in && r->in->reply_ref && r->in->user &&
	    strcmp(r->reply_channel, r->in->channel) == 0 &&
	    strcmp(r->reply_chat, r->in->chat) == 0)
		return reply_quoting(r, text, b, nb);
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
	char channel[16], chat[96];
	const char *to_channel = o->channel, *to_chat = o->chat;
	int64_t until;
	char *payload;
	int rc;

	if (!o->channel[0] || !o->chat[0])
		return 0;
	/* A resident with several channels is told on another when this one is off. */
	if (!cfg_chan_on(c->cfg, o->channel)) {
		rc = core_link_elsewhere(c, o, channel, sizeof(channel), chat, sizeof(chat));
		if (rc < 0)
			return rc;
		if (rc > 0) {
			to_channel = channel;
			to_chat = chat;
		}
	}
	/* In the resident's quiet hours a notice waits in the outbox until morning. */
	until = core_hold_until(c, o, now);
	if (until < 0)
		return -1;
	if (!until) {
		/* Going at night after all: what waited for this chat goes with it, in order. */
		if (hours_inside(&c->cfg->quiet_hours, now) &&
		    store_outbox_release(c->store, to_channel, to_chat, now) < 0)
			return -1;
		return core_send(c, to_channel, to_chat, text, b, nb, now);
	}
	payload = payload_json(text, b, nb, NULL, NULL);
	if (!payload)
		return -1;
	rc = store_outbox_add_at(c->store, to_channel, to_chat, payload, now, until, NULL);
	free(payload);
	return rc;
}

/* The staff group CH has of its own (its configuration's), after any move, or NULL. */
static const char *own_staff_chat(struct core *c, const struct chan *ch, char *buf, size_t len)
{
	const char *chat = ch->a->staff_chat ? ch->a->staff_chat(ch) : NULL;

	return chat ? core_current_chat(c, ch->name, chat, buf, len) : NULL;
}

/*
 * A group robot cannot write privately: it mentions S as WHO in its group,
 * where full phone numbers are not for everyone's eyes. 0 when CH has no
 * group of its own.
 */
static int mention_in_group(struct core *c, const struct chan *ch, const struct cfg_staff *s,
                            const char *who, const char *text, const struct msg_button *b, int nb,
                            int64_t now)
{
	const char *group;
	char moved[96];
	size_t len = strlen(text) + 1;
	char *masked;
	int rc;

	if ((group = own_staff_chat(c, ch, moved, sizeof(moved))) == NULL)
		return 0;
	masked = malloc(len);
	if (!masked)
		return -1;
	log_mask(text, masked, len);
	rc = send_for(c, ch->name, group, NULL, 0, masked, b, nb, who, s->name, now);
	free(masked);
	return rc;
}

static int has_identity(const struct cfg_staff *s, const char *channel)
{
	size_t i;

	for (i = 0; i < s->nidentities; i++)
		if (strcmp(s->identities[i].channel, channel) == 0)
			return 1;
	return 0;
}

/*
 * Queues TEXT for S where they read alone: the personal queues of the
 * channels that have them and their private chats; with REACH CORE_ANYWHERE
 * also a mention in the staff group of a channel that cannot write to them
 * privately (the resident's phone masked there). A private notice that found
 * no place at all waits in their queue at the terminal (the desk).
 */
static int notify_staff(struct core *c, const struct cfg_staff *s, int reach, const char *text,
                        const struct msg_button *b, int nb, int64_t now)
{
	const struct chan *ch;
	struct adapter_person p;
	char who[96];
	size_t i;
	int rc = 0, placed = 0;

	/* Where staff read their own queue (the desk, their personal link). */
	snprintf(who, sizeof(who), "staff:%s", s->id);
	cfg_person(s, &p);
	for (i = 0; rc == 0 && i < c->cfg->nchans; i++) {
		ch = &c->cfg->chans[i];
		if (ch->enabled && ch->a->staff_reachable && ch->a->staff_reachable(ch, &p)) {
			rc = core_send(c, ch->name, who, text, b, nb, now);
			placed = 1;
		}
	}
	for (i = 0; rc == 0 && i < s->nidentities; i++) {
		const struct cfg_identity *id = &s->identities[i];

		ch = cfg_chan(c->cfg, id->channel);
		if (!ch || !ch->enabled || ch->a->staff_reachable)
			continue;
		if (ch->a->private_chats) {
			/* On chat platforms a person's private chat has the person's ID. */
			rc = send_for(c, ch->name, id->user, NULL, 0, text, b, nb, NULL, NULL, now);
			placed = 1;
		} else if (reach == CORE_ANYWHERE) {
			rc = mention_in_group(c, ch, s, id->user, text, b, nb, now);
		}
	}
	/* A robot that mentions people by their mobile number reaches the rest that way. */
	snprintf(who, sizeof(who), "tel:%s", s->phone ? s->phone : "");
	for (i = 0; rc == 0 && reach == CORE_ANYWHERE && s->phone && i < c->cfg->nchans; i++) {
		ch = &c->cfg->chans[i];
		if (ch->enabled && ch->a->mention_phone && !ch->a->private_chats &&
		    !ch->a->staff_reachable && !has_identity(s, ch->name))
			rc = mention_in_group(c, ch, s, who, text, b, nb, now);
	}
	/* Switched off everywhere it could go: it waits in a personal queue all the same. */
	for (i = 0; rc == 0 && !placed && reach == CORE_PRIVATE && i < c->cfg->nchans; i++) {
		ch = &c->cfg->chans[i];
		if (ch->a->staff_reachable && ch->a->staff_reachable(ch, &p)) {
			snprintf(who, sizeof(who), "staff:%s", s->id);
			rc = core_send(c, ch->name, who, text, b, nb, now);
			placed = 1;
		}
	}
	return rc;
}

int core_notify_staff(struct core *c, const struct cfg_staff *s, const char *text,
                      const struct msg_button *b, int nb, int64_t now)
{
	return notify_staff(c, s, CORE_ANYWHERE, text, b, nb, now);
}

int core_notify_staff_at(struct core *c, const struct cfg_staff *s, int reach, const char *text,
                         const struct msg_button *b, int nb, int64_t now)
{
	return notify_staff(c, s, reach, text, b, nb, now);
}

int core_reach_of(const struct store_order *o)
{
	return o && strcmp(o->category, "complaint") == 0 ? CORE_PRIVATE : CORE_ANYWHERE;
}

/* ---- a staff member's language ------------------------------------------------------ */

/* The settings key of S's language: staff are one person on every channel. */
static void lang_key(const struct cfg_staff *s, char *key, size_t len)
{
	snprintf(key, len, "lang.staff:%s", s->id);
}

int core_staff_lang_saved(struct core *c, const struct cfg_staff *s, int fallback)
{
	char key[96], code[8];

	lang_key(s, key, sizeof(key));
	if (store_kv_get(c->store, key, code, sizeof(code)) != 1)
		return fallback;
	return dlg_lang_from_hint(code, fallback);
}

int core_staff_lang(struct core *c, const struct cfg_staff *s)
{
	return core_staff_lang_saved(c, s, dlg_lang_from_hint(c->cfg->locale, DLG_ZH));
}

int core_staff_lang_set(struct core *c, const struct cfg_staff *s, int lang)
{
	char key[96];

	lang_key(s, key, sizeof(key));
	return store_kv_set(c->store, key, dlg_lang_code(lang));
}

int core_write_msg(struct core *c, int lang, struct buf *out, const void *ud)
{
	const struct core_msg *m = ud;
	const char *args[CORE_MSG_ARGS];
	int i, n = m->nargs < CORE_MSG_ARGS ? m->nargs : CORE_MSG_ARGS;

	(void)c;
	for (i = 0; i < n; i++)
		args[i] = m->args[i];
	for (i = 0; i < m->nwords && i < 3; i++)
		if (m->word_arg[i] >= 0 && m->word_arg[i] < n)
			args[m->word_arg[i]] = dlg_msg(lang, m->word[i]);
	buf_tpl(out, dlg_msg(lang, m->id), args, n);
	return out->failed ? -1 : 0;
}

/* What FN writes with UD, in S's language, to S. */
static int write_to(struct core *c, const struct cfg_staff *s, int reach, core_write_fn fn,
                    const void *ud, int64_t now)
{
	struct buf b;
	int rc;

	buf_init(&b);
	rc = fn(c, core_staff_lang(c, s), &b, ud);
	if (rc == 0)
		rc = b.failed ? -1 : notify_staff(c, s, reach, buf_str(&b), NULL, 0, now);
	buf_release(&b);
	return rc;
}

int core_tell_staff(struct core *c, const struct cfg_staff *s, int reach, enum dlg_msg id,
                    const char *const *args, int nargs, int64_t now)
{
	struct core_msg m = {id, args, nargs, 0, {0}, {0}};

	return s ? write_to(c, s, reach, core_write_msg, &m, now)
	         : core_notify_supervisors(c, reach, core_write_msg, &m, now);
}

/* ---- supervisors ---------------------------------------------------------------------- */

/*
 * The role that supervises: "supervisor", or in a centre without one the
 * manager, who then hears what a supervisor would.
 */
static const char *supervising_role(const struct cfg *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nstaff; i++)
		if (strcmp(cfg->staff[i].role, "supervisor") == 0)
			return "supervisor";
	return "manager";
}

int core_supervises(struct core *c, const struct cfg_staff *s)
{
	return s && strcmp(s->role, supervising_role(c->cfg)) == 0;
}

int core_notify_supervisors(struct core *c, int reach, core_write_fn fn, const void *ud,
                            int64_t now)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < c->cfg->nstaff; i++)
		if (core_supervises(c, &c->cfg->staff[i]))
			rc = write_to(c, &c->cfg->staff[i], reach, fn, ud, now);
	return rc;
}

int core_tell_supervisors(struct core *c, int reach, enum dlg_msg id, const char *const *args,
                          int nargs, int64_t now)
{
	return core_tell_staff(c, NULL, reach, id, args, nargs, now);
}

int core_private_gap(const struct cfg *cfg, const struct cfg_staff *s)
{
	const struct chan *ch;
	struct adapter_person p;
	size_t i;

	if (strcmp(s->role, supervising_role(cfg)) != 0)
		return 0;
	cfg_person(s, &p);
	/*
	 * A personal queue they open in a browser (not one only read by running a
	 * command at the desk), or a private chat on a platform.
	 */
	for (i = 0; i < cfg->nchans; i++) {
		ch = &cfg->chans[i];
		if (ch->enabled && ch->a->staff_reachable && !ch->a->command &&
		    ch->a->staff_reachable(ch, &p))
			return 0;
	}
	for (i = 0; i < s->nidentities; i++) {
		ch = cfg_chan(cfg, s->identities[i].channel);
		if (ch && ch->enabled && ch->a->private_chats && !ch->a->staff_reachable)
			return 0;
	}
	return 1;
}

/*
 * A group that gets a new ID (a group upgraded to a supergroup)
 * while the configuration still names the old one: store_chat_migrate()
 * records the move (from the group's notice, or from a refused send), so the
 * configured chat follows it.
 */
const char *core_current_chat(struct core *c, const char *channel, const char *chat, char *buf,
                              size_t len)
{
	return store_chat_current(c->store, channel, chat, buf, len) == 1 ? buf : chat;
}

const char *core_order_skill(struct core *c, const struct store_order *o)
{
	const struct dlg_item *it = cfg_item_find(c->cfg, o->item);

	return it && it->skill ? it->skill : "";
}

int core_notify_staff_chats(struct core *c, const char *community, const char *skill,
                            const char *text, const struct msg_button *b, int nb, int64_t now)
{
	const struct cfg_community *com = cfg_community_of(c->cfg, community);
	const struct chan *ch;
	const char *group;
	char moved[96];
	size_t i, j;
	int rc = 0;

	for (i = 0; rc == 0 && i < com->nstaff_chats; i++) {
		const char *name = com->staff_chats[i].channel;

		if (!cfg_chan_on(c->cfg, name))
			continue;
		rc = send_for(
		        c, name,
		        core_current_chat(c, name, com->staff_chats[i].chat, moved, sizeof(moved)),
		        skill, 1, text, b, nb, NULL, NULL, now);
	}
	/* A channel's own staff group, unless the community already names a chat there. */
	for (i = 0; rc == 0 && i < c->cfg->nchans; i++) {
		ch = &c->cfg->chans[i];
		if (!ch->enabled || !(group = own_staff_chat(c, ch, moved, sizeof(moved))))
			continue;
		for (j = 0; j < com->nstaff_chats; j++)
			if (strcmp(com->staff_chats[j].channel, ch->name) == 0)
				break;
		if (j == com->nstaff_chats)
			rc = send_for(c, ch->name, group, NULL, 1, text, b, nb, NULL, NULL, now);
	}
	return rc;
}

/* The command a group's link into the private chat stands for ("repair"). */
static const char *link_command(const char *text)
{
	static const struct {
		const char *category, *command;
	} map[] = {{"repair", "repair"},
	           {"cleaning", "clean"},
	           {"errand", "errand"},
	           {"inquiry", "ask"}};
	const char *cat = NULL;
	size_t i;

	if (text && dlg_is_trigger(text, &cat) && cat)
		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (strcmp(map[i].category, cat) == 0)
				return map[i].command;
	return "help";
}

int core_go_private(struct core_req *r, int offer_link)
{
	struct chan *ch = cfg_chan(r->c->cfg, r->in->channel);
	char *link = NULL;
	const char *args[1];
	int rc;

	if (offer_link && ch && ch->a->private_link)
		link = ch->a->private_link(ch, link_command(r->text));
	args[0] = link ? link : "";
	rc = core_reply_msg(r, link ? M_GROUP_MOVED : M_GROUP_HINT, args, 1);
	free(link);
	if (rc < 0)
		return -1;
	r->group = 0;
	buf_copy(r->reply_chat, sizeof(r->reply_chat), r->in->user);
	return 0;
}
