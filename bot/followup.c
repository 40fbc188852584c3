/*
 * followup.c - follow-up visits (回访), the standard's sampled check on work
 * done: once a day, at the configured hour, a share of the orders closed
 * since the last run (and at least delay_hours ago) is sampled, spread over
 * every category and staff member (followup_sample); each sampled
 * resident is asked the configured questions by chat, one at a time
 * (dialogs/followup.c), when they are not in the middle of another
 * conversation and not in their quiet hours. Answers are recorded as they
 * come, in the followups table and as order events; "not solved" tells the
 * supervisors and sends the order back to rework, "not on time or polite"
 * tells the supervisors. Nothing answered within answer_days is recorded as
 * unanswered.
 *
 * The day of the last run and how far it looked are kept in the kv table
 * ("followup.last_run", "followup.cutoff"), so a restart, another process
 * ticking or a clock moved several days runs the job once and considers
 * every closed order exactly once.
 */
#include "bot/followup.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bot/cmd.h"
#include "lib/log.h"
#include "lib/utf8.h"

/* How far back the first run looks, when no run has been recorded. */
#define FOLLOWUP_FIRST_DAYS 7
/* The longest list /followups shows; the summary counts them all. */
#define FOLLOWUP_LIST_MAX 20

/* ---- choosing --------------------------------------------------------------------------- */

/* FNV-1a: a fixed, well-spread order that depends on nothing but the number. */
static uint64_t number_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; s && *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

struct ranked {
	uint64_t key;
	size_t i;
};

static int by_key(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Does a chosen candidate have C's category (BY_STAFF 0) or C's assignee (1)? */
static int covered(const struct followup_candidate *c, size_t n, const unsigned char *picked,
                   const struct followup_candidate *x, int by_staff)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (picked[i] && (by_staff ? same(c[i].assignee, x->assignee)
		                           : same(c[i].category, x->category)))
			return 1;
	return 0;
}

int followup_sample(const struct followup_candidate *c, size_t n, double rate,
                    unsigned char *picked)
{
	struct ranked *r;
	size_t i, want, k = 0;

	if (n)
		memset(picked, 0, n);
	if (!n || rate <= 0)
		return 0;
	r = malloc(n * sizeof(*r));
	if (!r)
		return -1;
	for (i = 0; i < n; i++) {
		r[i].key = number_hash(c[i].number);
		r[i].i = i;
	}
	qsort(r, n, sizeof(*r), by_key);
	/* First every category and every staff member, ... */
	for (i = 0; i < n; i++) {
		const struct followup_candidate *x = &c[r[i].i];
		int staffed = x->assignee && *x->assignee;

		if (!covered(c, n, picked, x, 0) || (staffed && !covered(c, n, picked, x, 1))) {
			picked[r[i].i] = 1;
			k++;
		}
	}
	/* ... then up to the share asked for. */
	want = (size_t)ceil(rate * (double)n - 1e-9);
	for (i = 0; i < n && k < want; i++) {
		if (!picked[r[i].i]) {
			picked[r[i].i] = 1;
			k++;
		}
	}
	free(r);
	return (int)k;
}

/* ---- the daily sampling ------------------------------------------------------------------ */

struct candidates {
	struct store_fu_candidate *v;
	size_t n, cap;
	int failed;
};

static int add_candidate(const struct store_fu_candidate *x, void *ud)
{
	struct candidates *l = ud;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct store_fu_candidate *grown = realloc(l->v, cap * sizeof(*grown));

		if (!grown) {
			l->failed = 1;
			return 1;
		}
		l->v = grown;
		l->cap = cap;
	}
	l->v[l->n++] = *x;
	return 0;
}

/* Samples the orders closed in (FROM, TO] at NOW. */
static int sample(struct core *c, int64_t from, int64_t to, int64_t now)
{
	struct candidates l = {NULL, 0, 0, 0};
	struct followup_candidate *fc = NULL;
	unsigned char *picked = NULL;
	size_t i;
	int rc, k = 0;

	rc = store_fu_candidates(c->store, from, to, add_candidate, &l);
	if (rc == 0 && l.failed)
		rc = -1;
	if (rc == 0 && l.n) {
		fc = calloc(l.n, sizeof(*fc));
		picked = calloc(l.n, 1);
		if (!fc || !picked)
			rc = -1;
	}
	for (i = 0; rc == 0 && i < l.n; i++) {
		fc[i].number = l.v[i].number;
		fc[i].category = l.v[i].category;
		fc[i].assignee = l.v[i].assignee;
	}
	if (rc == 0 && l.n && (k = followup_sample(fc, l.n, c->cfg->followup.rate, picked)) < 0)
		rc = -1;
	for (i = 0; rc == 0 && i < l.n; i++) {
		if (!picked[i])
			continue;
		rc = store_followup_add(c->store, l.v[i].order_id, now);
		if (rc >= 0)
			rc = store_event_add(c->store, l.v[i].order_id, now, "system", "system",
			                     "followup_sampled", "closed", "closed", "");
	}
	if (rc >= 0 && l.n)
		log_info("follow-up: %d of %zu closed orders sampled", k, l.n);
	free(picked);
	free(fc);
	free(l.v);
	return rc < 0 ? -1 : 0;
}

/* Once a day, at the configured hour or later. */
static int daily(struct core *c, int64_t now)
{
	const struct cfg_followup *f = &c->cfg->followup;
	char today[40], last[40], cut[32];
	time_t t = (time_t)now;
	struct tm tm;
	int64_t from, to;
	int rc;

	if (!localtime_r(&t, &tm) || tm.tm_hour < f->hour)
		return 0;
	snprintf(today, sizeof(today), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday);
	rc = store_kv_get(c->store, "followup.last_run", last, sizeof(last));
	if (rc < 0)
		return -1;
	if (rc == 1 && strcmp(last, today) == 0)
		return 0;
	to = now - (int64_t)f->delay_hours * 3600;
	rc = store_kv_get(c->store, "followup.cutoff", cut, sizeof(cut));
	if (rc < 0)
		return -1;
	from = rc == 1 ? strtoll(cut, NULL, 10) : to - FOLLOWUP_FIRST_DAYS * 86400;
	if (from > to)
		from = to; /* the delay grew: those orders were considered already */
	if (sample(c, from, to, now) < 0)
		return -1;
	snprintf(cut, sizeof(cut), "%lld", (long long)to);
	if (store_kv_set(c->store, "followup.last_run", today) < 0 ||
	    store_kv_set(c->store, "followup.cutoff", cut) < 0)
		return -1;
	return 0;
}

/* ---- asking ------------------------------------------------------------------------------ */

/* Whether O's resident is in the middle of a conversation (one that has not expired). */
static int busy(struct core *c, const struct store_order *o, int64_t now)
{
	struct dlg_state st;
	char *json = NULL;
	int64_t updated = 0;
	int rc = store_session_get(c->store, o->channel, o->chat, o->user, &json, &updated);

	if (rc <= 0)
		return rc;
	dlg_state_from_json(json, &st);
	free(json);
	rc = st.flow[0] && !core_session_expired(c, &st, updated, now);
	dlg_state_release(&st);
	return rc;
}

/* Asks F's resident (about order O) the first question, and keeps the conversation. */
static int ask_one(struct core *c, const struct store_followup *f, const struct store_order *o,
                   int64_t now)
{
	struct dlg_state st;
	struct dlg_result res;
	struct dlg_ctx ctx;
	const char *staff;
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.pol = &c->cfg->policy;
	ctx.now = now;
	ctx.lang = core_order_lang(c, o);
	staff = o->assignee[0] ? core_staff_name(c, o->assignee)
	                       : dlg_msg(ctx.lang, M_FU_STAFF_ANY);
	dlg_state_init(&st, ctx.lang);
	dlg_result_init(&res);
	rc = dlg_begin_followup(&ctx, &st, o->number, o->description, staff, &res);
	if (rc == 0)
		rc = core_resident_dialog(c, o, &res, &st, now);
	if (rc == 0)
		rc = store_followup_asked(c->store, f->id, now);
	if (rc == 0)
		rc = store_event_add(c->store, o->id, now, "system", "system", "followup_asked",
		                     o->status, o->status, "");
	dlg_result_release(&res);
	dlg_state_release(&st);
	return rc;
}

struct walk {
	struct core *c;
	int64_t now;
	int failed;
};

static int ask_sampled(const struct store_followup *f, void *ud)
{
	struct walk *w = ud;
	struct store_order o;
	int rc = store_order_get_id(w->c->store, f->order_id, &o);

	if (rc == 1 && strcmp(o.status, "closed") != 0)
		rc = store_followup_set_status(w->c->store, f->id, "dropped");
	else if (rc == 1 && (rc = busy(w->c, &o, w->now)) == 0)
		rc = ask_one(w->c, f, &o, w->now);
	if (rc < 0)
		w->failed = 1;
	return w->failed;
}

/* The follow-up conversation about O ends (no answer came): the session goes. */
static int end_session(struct core *c, const struct store_order *o)
{
	struct dlg_state st;
	char *json = NULL;
	int64_t updated = 0;
	int rc = store_session_get(c->store, o->channel, o->chat, o->user, &json, &updated);

	if (rc <= 0)
		return rc;
	dlg_state_from_json(json, &st);
	free(json);
	rc = 0;
	if (strcmp(st.flow, "followup") == 0 && strcmp(st.order, o->number) == 0)
		rc = store_session_delete(c->store, o->channel, o->chat, o->user);
	dlg_state_release(&st);
	return rc;
}

static int expire_asked(const struct store_followup *f, void *ud)
{
	struct walk *w = ud;
	struct store_order o;
	int rc;

	if (w->now - f->asked_at < (int64_t)w->c->cfg->followup.answer_days * 86400)
		return 0;
	rc = store_followup_set_status(w->c->store, f->id, "unanswered");
	if (rc == 0 && (rc = store_order_get_id(w->c->store, f->order_id, &o)) == 1) {
		rc = store_event_add(w->c->store, o.id, w->now, "system", "system",
		                     "followup_unanswered", o.status, o.status, "");
		if (rc == 0)
			rc = end_session(w->c, &o);
	}
	if (rc < 0)
		w->failed = 1;
	return w->failed;
}

int core_followups_due(struct core *c, int64_t now)
{
	struct walk w = {c, now, 0};

	if (!c->cfg->followup.enabled)
		return 0;
	if (daily(c, now) < 0)
		return -1;
	if (store_followups_in(c->store, "asked", expire_asked, &w) < 0 || w.failed)
		return -1;
	/* Nobody is asked in their quiet hours; the question waits for the day. */
	if (hours_inside(&c->cfg->quiet_hours, now))
		return 0;
	if (store_followups_in(c->store, "sampled", ask_sampled, &w) < 0 || w.failed)
		return -1;
	return 0;
}

/* ---- answers ------------------------------------------------------------------------------ */

/* TEXT cut to fit an event's detail after PREFIX, on a character boundary. */
static void detail_of(const char *prefix, const char *text, char *out, size_t len)
{
	size_t n = strlen(text), p = 0, step, room = len - strlen(prefix) - 1;
	uint32_t cp;

	while (p < n && (step = utf8_next(text + p, n - p, &cp)) > 0 && p + step < room)
		p += step;
	snprintf(out, len, "%s%.*s", prefix, (int)p, text);
}

/* Tells the supervisors (NULL) or TO message M, each in their language. */
static int tell(struct core_req *r, const struct cfg_staff *to, const struct core_msg *m)
{
	if (to) {
		struct buf b;
		int rc;

		buf_init(&b);
		rc = core_write_msg(r->c, core_staff_lang(r->c, to), &b, m);
		if (rc == 0)
			rc = core_notify_staff(r->c, to, buf_str(&b), NULL, 0, r->now);
		buf_release(&b);
		return rc;
	}
	return core_notify_supervisors(r->c, CORE_ANYWHERE, core_write_msg, m, r->now);
}

/* "Not solved": back to rework (when configured and still closed); everyone concerned hears. */
static int not_solved(struct core_req *r, struct store_order *o, const struct store_followup *f)
{
	const struct cfg_staff *assignee = cfg_staff_find(r->c->cfg, o->assignee);
	int reopen = r->c->cfg->followup.reopen && strcmp(o->status, "closed") == 0;
	const char *args[5];
	struct core_msg m = {M_REOPEN_PING, args, 3, 1, {2}, {M_FU_REOPEN_WHAT}};

	if (reopen) {
		o->closed_at = 0;
		if (core_transition(r->c, o, "rework", "reopened", r->actor, r->in->channel,
		                    "follow-up: not solved", r->now) < 0 ||
		    store_followup_reopened(r->c->store, f->id) < 0)
			return -1;
		args[0] = o->number;
		args[1] = o->room;
		args[2] = "";
		if (assignee && tell(r, assignee, &m) < 0)
			return -1;
	}
	args[0] = o->number;
	args[1] = assignee ? assignee->name : "";
	args[2] = o->room;
	args[3] = o->description;
	args[4] = "";
	m.id = M_FU_ALERT_UNRESOLVED;
	m.nargs = 5;
	m.nwords = 0;
	m.word_arg[m.nwords] = 4;
	m.word[m.nwords++] = reopen ? M_FU_REOPENED_PART : M_FU_NOT_REOPENED_PART;
	if (!assignee) {
		m.word_arg[m.nwords] = 1;
		m.word[m.nwords++] = M_NONE_GIVEN;
	}
	return tell(r, NULL, &m);
}

int core_followup_answer(struct core_req *r, const struct dlg_state *st,
                         const struct dlg_result *res)
{
	struct store_order o;
	struct store_followup f;
	const struct cfg_staff *assignee;
	const char *comment = res->comment && *res->comment ? res->comment : NULL;
	const char *args[2];
	struct core_msg m = {M_FU_ALERT_UNSATISFIED, args, 2, 0, {0}, {0}};
	char detail[400];
	int rc;

	if (!res->question || store_order_get(r->c->store, st->order, &o) != 1)
		return 0;
	rc = store_followup_of(r->c->store, o.id, &f);
	if (rc <= 0)
		return rc;
	if (strcmp(res->question, "comment") == 0)
		detail_of("comment: ", comment ? comment : "-", detail, sizeof(detail));
	else
		snprintf(detail, sizeof(detail), "%s: %s", res->question,
		         res->answer ? "yes" : "no");
	if (store_followup_answer(r->c->store, f.id, res->question, res->answer, comment, r->now) <
	            0 ||
	    store_event_add(r->c->store, o.id, r->now, r->actor, r->in->channel, "followup_answer",
	                    o.status, o.status, detail) < 0)
		return -1;
	if (strcmp(res->question, "resolved") == 0 && !res->answer)
		return not_solved(r, &o, &f);
	assignee = cfg_staff_find(r->c->cfg, o.assignee);
	args[0] = o.number;
	if (strcmp(res->question, "satisfied") == 0 && !res->answer) {
		args[1] = assignee ? assignee->name : "";
		if (!assignee) {
			m.nwords = 1;
			m.word_arg[0] = 1;
			m.word[0] = M_FU_STAFF_ANY;
		}
		return tell(r, NULL, &m);
	}
	/* A remark is passed on when something went wrong; /followups shows them all. */
	if (comment && (f.resolved == 0 || f.satisfied == 0)) {
		args[1] = comment;
		m.id = M_FU_ALERT_COMMENT;
		return tell(r, NULL, &m);
	}
	return 0;
}

/* ---- /followups ---------------------------------------------------------------------------- */

struct listing {
	struct core_req *r;
	struct buf b;
	int shown;
	int sampled, answered, unanswered, resolved, resolved_of, satisfied, satisfied_of, reopened;
};

static const char *status_name(int lang, const char *status)
{
	static const struct {
		const char *status;
		enum dlg_msg msg;
	} names[] = {{"sampled", M_FU_ST_SAMPLED},
	             {"asked", M_FU_ST_ASKED},
	             {"answered", M_FU_ST_ANSWERED},
	             {"unanswered", M_FU_ST_UNANSWERED},
	             {"dropped", M_FU_ST_DROPPED}};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].status, status) == 0)
			return dlg_msg(lang, names[i].msg);
	return status;
}

static int list_one(const struct store_followup *f, void *ud)
{
	struct listing *l = ud;
	int lang = l->r->lang;
	const char *sep = lang == DLG_EN ? ", " : "，";

	l->sampled++;
	l->answered += strcmp(f->status, "answered") == 0;
	l->unanswered += strcmp(f->status, "unanswered") == 0;
	if (f->resolved >= 0) {
		l->resolved_of++;
		l->resolved += f->resolved;
	}
	if (f->satisfied >= 0) {
		l->satisfied_of++;
		l->satisfied += f->satisfied;
	}
	l->reopened += f->reopened;
	if (l->shown >= FOLLOWUP_LIST_MAX)
		return 0;
	l->shown++;
	buf_printf(&l->b, "\n%s  %s  %s  %s", f->number, dlg_category_name(lang, f->category),
	           f->assignee[0] ? core_staff_name(l->r->c, f->assignee) : "-",
	           status_name(lang, f->status));
	if (f->resolved >= 0)
		buf_printf(&l->b, "%s%s", sep,
		           dlg_msg(lang, f->resolved ? M_FU_RESOLVED_YES : M_FU_RESOLVED_NO));
	if (f->satisfied >= 0)
		buf_printf(&l->b, "%s%s", sep,
		           dlg_msg(lang, f->satisfied ? M_FU_SATISFIED_YES : M_FU_SATISFIED_NO));
	if (f->reopened)
		buf_printf(&l->b, "%s%s", sep, dlg_msg(lang, M_FU_REOPENED_TAG));
	if (f->comment[0])
		buf_printf(&l->b, lang == DLG_EN ? "%s\"%s\"" : "%s“%s”", sep, f->comment);
	return 0;
}

int cmd_followups_exec(struct core_req *r, struct cmd_args *a)
{
	struct listing l;
	struct buf out;
	char days_s[16], n[8][16];
	const char *args[8];
	long days = 30;
	char *end = NULL;
	int rc, i;

	if (a->argc > 0) {
		days = strtol(a->argv[0], &end, 10);
		if (!end || *end || days < 1 || days > 3650)
			return cmd_tpl(r, M_USAGE, "/followups [DAYS]", NULL);
	}
	/* Residents' verdicts on named staff are not for an owners' group. */
	if (r->group && core_go_private(r, 0) < 0)
		return -1;
	memset(&l, 0, sizeof(l));
	l.r = r;
	snprintf(days_s, sizeof(days_s), "%ld", days);
	if (store_followups_recent(r->c->store, r->now - days * 86400, 0, list_one, &l) < 0) {
		buf_release(&l.b);
		return -1;
	}
	args[0] = days_s;
	if (!l.sampled) {
		buf_release(&l.b);
		return core_reply_msg(r, M_FU_LIST_NONE, args, 1);
	}
	buf_init(&out);
	buf_tpl(&out, dlg_msg(r->lang, M_FU_LIST_HEAD), args, 1);
	buf_add(&out, buf_str(&l.b));
	snprintf(n[0], sizeof(n[0]), "%d", l.sampled);
	snprintf(n[1], sizeof(n[1]), "%d", l.answered);
	snprintf(n[2], sizeof(n[2]), "%d", l.unanswered);
	snprintf(n[3], sizeof(n[3]), "%d", l.resolved);
	snprintf(n[4], sizeof(n[4]), "%d", l.resolved_of);
	snprintf(n[5], sizeof(n[5]), "%d", l.satisfied);
	snprintf(n[6], sizeof(n[6]), "%d", l.satisfied_of);
	snprintf(n[7], sizeof(n[7]), "%d", l.reopened);
	for (i = 0; i < 8; i++)
		args[i] = n[i];
	buf_addc(&out, '\n');
	buf_tpl(&out, dlg_msg(r->lang, M_FU_SUMMARY), args, 8);
	rc = out.failed ? -1 : core_reply(r, buf_str(&out), NULL, 0);
	buf_release(&out);
	buf_release(&l.b);
	return rc;
}
