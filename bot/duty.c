/*
 * duty.c - who is on duty: staff working hours from the configuration and
 * their own word from chat (/off 下班, /on 上班), kept in the store.
 *
 * A word holds until the time given with it, else until the person's hours
 * next turn the same way: "/off" at 17:30 lasts until the shift that starts
 * tomorrow at 08:00, "/on" at 20:00 until the shift after that ends; with no
 * hours (always on duty) "/off" lasts until "/on". Dispatch pings go only to
 * those on duty (notify.c); when nobody on duty can take an order, the
 * dispatchers and supervisors are told, with the partners who could.
 */
#include "bot/cmd.h"

#include <stdio.h>
#include <string.h>

/* When D (S's word) stops holding: its own time, or the next turn of S's hours; 0 never. */
static int64_t word_end(const struct cfg_staff *s, const struct store_duty *d)
{
	if (d->until)
		return d->until;
	return hours_next(&s->hours, d->at, d->on ? 0 : 1);
}

/* S's word if it holds at NOW (into D): 1 on, 0 off; -1 when none holds. */
static int word_at(struct core *c, const struct cfg_staff *s, int64_t now, struct store_duty *d)
{
	int64_t end;

	/* A store that cannot say is taken as no word: a ping too many beats a lost one. */
	if (store_duty_get(c->store, s->id, d) != 1)
		return -1;
	end = word_end(s, d);
	if (end && now >= end)
		return -1;
	return d->on;
}

int core_on_duty(struct core *c, const struct cfg_staff *s, int64_t now)
{
	struct store_duty d;
	int w = word_at(c, s, now, &d);

	return w >= 0 ? w : hours_open(&s->hours, now);
}

/* The notice that nobody on duty can take an order (struct unstaffed), in a reader's language. */
struct unstaffed {
	const struct store_order *o;
	const char *skill;
};

static int write_unstaffed(struct core *c, int lang, struct buf *out, const void *ud)
{
	const struct unstaffed *u = ud;
	const char *args[4];
	struct buf names, part;
	size_t i;
	int rc;

	buf_init(&names);
	buf_init(&part);
	for (i = 0; *u->skill && i < c->cfg->npartners; i++)
		if (cfg_partner_has_skill(&c->cfg->partners[i], u->skill))
			buf_printf(&names, "%s%s (%s)", names.len ? ", " : "",
			           c->cfg->partners[i].name, c->cfg->partners[i].id);
	if (names.len) {
		args[0] = buf_str(&names);
		buf_tpl(&part, dlg_msg(lang, M_PARTNERS_CAN), args, 1);
	}
	args[0] = u->o->number;
	args[1] = dlg_category_name(lang, u->o->category);
	args[2] = u->skill;
	args[3] = buf_str(&part);
	buf_tpl(out, dlg_msg(lang, *u->skill ? M_NOBODY_ON_DUTY : M_NOBODY_TO_DISPATCH), args, 4);
	rc = out->failed || names.failed || part.failed ? -1 : 0;
	buf_release(&names);
	buf_release(&part);
	return rc;
}

/* Dispatchers and supervisors (on duty ones, or all when none is) hear about U. */
static int tell_dispatch(struct core *c, const struct unstaffed *u, int64_t now)
{
	size_t i;
	int pass, told = 0, rc = 0;
	struct buf t;

	for (pass = 0; pass < 2 && !told && rc == 0; pass++)
		for (i = 0; i < c->cfg->nstaff && rc == 0; i++) {
			const struct cfg_staff *s = &c->cfg->staff[i];

			if (!cmd_is_supervisor(s) || (pass == 0 && !core_on_duty(c, s, now)))
				continue;
			buf_init(&t);
			rc = write_unstaffed(c, core_staff_lang(c, s), &t, u);
			if (rc == 0)
				rc = core_notify_staff(c, s, buf_str(&t), NULL, 0, now);
			buf_release(&t);
			told = 1;
		}
	return rc;
}

int core_duty_check(struct core *c, const struct store_order *o, int64_t now)
{
	struct unstaffed u = {o, core_order_skill(c, o)};
	size_t i;
	int rc;

	for (i = 0; i < c->cfg->nstaff; i++) {
		const struct cfg_staff *s = &c->cfg->staff[i];

		if ((*u.skill ? cfg_staff_has_skill(s, u.skill) : cmd_is_supervisor(s)) &&
		    core_on_duty(c, s, now))
			return 0;
	}
	rc = tell_dispatch(c, &u, now);
	if (rc == 0)
		rc = store_event_add(c->store, o->id, now, "system", "system", "nobody_on_duty",
		                     o->status, o->status, u.skill);
	return rc;
}

/* ---- /off, /on ------------------------------------------------------------------------ */

/*
 * "/off", "/off wang", "/off 明天上午", "/off wang 明天上午": whose duty
 * (*WHO) and until when (*UNTIL, 0 when not said). 1 go on, 0 the speaker
 * was told why not, <0 on error.
 */
static int duty_args(struct core_req *r, struct cmd_args *a, const char *usage,
                     const struct cfg_staff **who, int64_t *until)
{
	const char *p = a->argc ? a->argv[0] : "";
	const struct cfg_staff *named;
	char first[72], text[256];
	size_t n = strcspn(p, " ");
	time_t at = 0;

	*who = r->staff;
	*until = 0;
	snprintf(first, sizeof(first), "%.*s", (int)n, p);
	named = first[0] ? cfg_staff_find(r->c->cfg, first) : NULL;
	if (named) {
		if (named != r->staff && !cmd_is_supervisor(r->staff))
			return core_reply_msg(r, M_SUPERVISOR_ONLY, NULL, 0) < 0 ? -1 : 0;
		*who = named;
		p += n;
		while (*p == ' ')
			p++;
	}
	if (!*p)
		return 1;
	if (dlg_parse_time(p, (time_t)r->now, text, sizeof(text), &at) < 0 || at <= r->now)
		return cmd_tpl(r, M_BAD_UNTIL, usage, NULL) < 0 ? -1 : 0;
	*until = (int64_t)at;
	return 1;
}

static int set_duty(struct core_req *r, struct cmd_args *a, int on)
{
	const struct cfg_staff *who;
	struct store_duty d;
	char when[128], part[192] = "", whom[160];
	const char *args[2];
	int64_t end;
	struct buf b;
	int rc;

	/* 下班/上班 from a resident is their own business, not a command. */
	if (!r->staff)
		return r->text[0] == '/' ? core_reply_msg(r, M_STAFF_ONLY, NULL, 0) : CMD_NOT_MINE;
	rc = duty_args(r, a, on ? "/on 22:00" : "/off 明天上午", &who, &end);
	if (rc <= 0)
		return rc;
	memset(&d, 0, sizeof(d));
	d.on = on;
	d.at = r->now;
	d.until = end;
	buf_copy(d.by, sizeof(d.by), r->actor);
	if (store_duty_set(r->c->store, who->id, &d) < 0)
		return -1;
	end = word_end(who, &d);
	if (end) {
		cmd_format_when(r->lang, end, "", when, sizeof(when));
		args[0] = when;
		buf_init(&b);
		buf_tpl(&b, dlg_msg(r->lang, on ? M_DUTY_TILL : M_DUTY_BACK_AT), args, 1);
		buf_copy(part, sizeof(part), buf_str(&b));
		buf_release(&b);
	}
	args[0] = who->name;
	buf_init(&b);
	buf_tpl(&b, dlg_msg(r->lang, who == r->staff ? M_DUTY_YOU : M_DUTY_THEM), args, 1);
	buf_copy(whom, sizeof(whom), buf_str(&b));
	buf_release(&b);
	return cmd_tpl(r, on ? M_DUTY_ON : M_DUTY_OFF, whom, part);
}

int cmd_off_exec(struct core_req *r, struct cmd_args *a)
{
	return set_duty(r, a, 0);
}

int cmd_on_exec(struct core_req *r, struct cmd_args *a)
{
	return set_duty(r, a, 1);
}

/* ---- /staff ------------------------------------------------------------------------------ */

static void add_skills(struct buf *b, char *const *skills, size_t n)
{
	size_t i;

	buf_add(b, " · ");
	for (i = 0; i < n; i++)
		buf_printf(b, "%s%s", i ? ", " : "", skills[i]);
	if (!n)
		buf_add(b, "-");
}

/* "王师傅 (wang) · 技工 · plumbing · 在岗 · 今日 08:00-18:00" */
static void staff_line(struct core_req *r, const struct cfg_staff *s, struct buf *b)
{
	struct store_duty d;
	int word = word_at(r->c, s, r->now, &d), on = core_on_duty(r->c, s, r->now);
	char hours[96], when[128], till[192] = "";
	const char *args[1];
	int64_t end;

	buf_printf(b, "\n%s (%s) · %s", s->name, s->id, dlg_role_name(r->lang, s->role));
	add_skills(b, s->skills, s->nskills);
	buf_printf(b, " · %s", dlg_msg(r->lang, on ? M_DUTY_STATE_ON : M_DUTY_STATE_OFF));
	if (word >= 0) {
		end = word_end(s, &d);
		if (end) {
			struct buf t;

			cmd_format_when(r->lang, end, "", when, sizeof(when));
			args[0] = when;
			buf_init(&t);
			buf_tpl(&t, dlg_msg(r->lang, M_DUTY_TILL), args, 1);
			buf_copy(till, sizeof(till), buf_str(&t));
			buf_release(&t);
		}
		args[0] = till;
		buf_add(b, " · ");
		buf_tpl(b, dlg_msg(r->lang, M_DUTY_SAID), args, 1);
	} else if (s->hours.set) {
		hours_of_day(&s->hours, r->now, hours, sizeof(hours));
		args[0] = hours;
		buf_add(b, " · ");
		buf_tpl(b, dlg_msg(r->lang, hours[0] ? M_DUTY_HOURS : M_DUTY_NO_HOURS), args, 1);
	}
}

int cmd_staff_exec(struct core_req *r, struct cmd_args *a)
{
	const struct cfg *cfg = r->c->cfg;
	struct buf b;
	size_t i;
	int rc;

	(void)a;
	buf_init(&b);
	buf_add(&b, dlg_msg(r->lang, M_STAFF_HEAD));
	for (i = 0; i < cfg->nstaff; i++)
		staff_line(r, &cfg->staff[i], &b);
	if (cfg->npartners) {
		buf_printf(&b, "\n%s", dlg_msg(r->lang, M_PARTNERS_HEAD));
		for (i = 0; i < cfg->npartners; i++) {
			const struct cfg_partner *p = &cfg->partners[i];

			buf_printf(&b, "\n%s (%s)", p->name, p->id);
			add_skills(&b, p->skills, p->nskills);
			if (p->phone)
				buf_printf(&b, " · %s", p->phone);
		}
	}
	rc = b.failed ? -1 : core_reply(r, buf_str(&b), NULL, 0);
	buf_release(&b);
	return rc;
}
