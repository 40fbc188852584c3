/*
 * config.c - reads and checks the JSON configuration file.
 *
 * The loader never stops at the first problem: an operator editing the file
 * wants to see everything that is wrong in one go, so every check records a
 * line ("PATH: json.path: message") and parsing carries on with whatever is
 * usable. Only when the whole file was read without a problem is the struct
 * cfg handed out. This file knows what the keys mean; the typed readers and
 * the problem list it uses are in config_read.c.
 *
 * jansson references: every json_object_get / json_array_get result is
 * borrowed from ROOT, which this file owns and releases once at the end of
 * cfg_load; nothing read from the tree outlives it, because every string is
 * copied into the struct cfg.
 */
#include "bot/config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <jansson.h>

#include "adapters/registry.h"
#include "lib/config_read.h"
#include "lib/log.h"
#include "lib/photo.h"
#include "lib/secret.h"

static const char *const roles[] = {"technician", "dispatcher", "supervisor", "manager", NULL};
static const char *const categories[] = {"repair", "cleaning", "errand", "inquiry", NULL};

/* IDs are typed on command lines and in chat commands, so keep them plain. */
static void check_id(struct cfg_ld *ld, const char *path, const char *id)
{
	size_t len = strlen(id);

	for (size_t i = 0; i < len; i++) {
		char ch = id[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.')
			continue;
		len = 0;
		break;
	}
	if (len == 0 || len > 64) {
		char p[CFG_PATHLEN];

		cfg_path_key(p, path, "id");
		cfg_problem(ld, p, "1-64 characters of A-Za-z0-9_.-");
	}
}

/* HOST:PORT, HOST possibly a bracketed IPv6 address; port 0 asks for any free one. */
static int listen_ok(const char *s)
{
	const char *colon = strrchr(s, ':');
	const char *p;
	long port;

	if (!colon || colon == s || !colon[1] || strlen(colon + 1) > 5)
		return 0;
	if (s[0] == '[' && colon[-1] != ']')
		return 0;
	if (s[0] != '[' && memchr(s, ':', (size_t)(colon - s)))
		return 0;
	for (p = colon + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	port = strtol(colon + 1, NULL, 10);
	return port <= 65535;
}

/*
 * A problem for each element of ARRAY (N elements of SIZE bytes at BASE)
 * whose ID, the string at offset OFF, an earlier element already has:
 * look-ups by ID must be unambiguous.
 */
static void check_unique_ids(struct cfg_ld *ld, const char *array, const void *base, size_t n,
                             size_t size, size_t off)
{
	char p[CFG_PATHLEN];

	for (size_t i = 0; i < n; i++) {
		const char *a = *(char *const *)((const char *)base + i * size + off);

		for (size_t j = 0; j < i; j++) {
			const char *b = *(char *const *)((const char *)base + j * size + off);

			if (a && b && !strcmp(a, b)) {
				snprintf(p, sizeof(p), "%s[%zu].id", array, i);
				cfg_problem(ld, p, "\"%s\" already used by %s[%zu]", a, array, j);
			}
		}
	}
}

/* A chat account, {"channel": ..., KEY: ...}: a staff identity ("user") or a staff chat ("chat").
 */
static void parse_account(struct cfg_ld *ld, json_t *o, const char *path, const char *key,
                          char **channel, char **id)
{
	const char *const keys[] = {"channel", key, NULL};

	cfg_check_keys(ld, o, path, keys);
	cfg_get_str(ld, o, path, "channel", "missing", 0, channel);
	cfg_get_id(ld, o, path, key, "missing", 0, id);
}

static void parse_identity(struct cfg_ld *ld, json_t *o, const char *path, void *elem, void *ud)
{
	struct cfg_identity *a = elem;

	(void)ud;
	parse_account(ld, o, path, "user", &a->channel, &a->user);
}

static void parse_staff_chat(struct cfg_ld *ld, json_t *o, const char *path, void *elem, void *ud)
{
	struct cfg_chat *ch = elem;

	(void)ud;
	parse_account(ld, o, path, "chat", &ch->channel, &ch->chat);
}

/* A mobile number as platforms take it: an optional '+' and 5-20 digits, nothing else. */
static int phone_ok(const char *s)
{
	size_t n = 0;

	if (*s == '+')
		s++;
	for (; *s; s++, n++)
		if (*s < '0' || *s > '9')
			return 0;
	return n >= 5 && n <= 20;
}

/*
 * "hours": "08:00-18:00" (every day) or {"mon-fri": "08:00-18:00", "sat":
 * "09:00-12:00"} (days left out have none); absent: always.
 */
static void parse_hours(struct cfg_ld *ld, json_t *o, const char *path, struct hours *h)
{
	json_t *v = json_object_get(o, "hours"), *d; /* borrowed */
	struct hours_range r[HOURS_MAX_RANGES];
	char p[CFG_PATHLEN], q[CFG_PATHLEN], why[160];
	const char *key;
	int days[7], seen[7] = {0}, n, i;

	memset(h, 0, sizeof(*h));
	if (!v || json_is_null(v))
		return;
	cfg_path_key(p, path, "hours");
	if (json_is_string(v)) {
		if (hours_parse_ranges(json_string_value(v), r, &n, why, sizeof(why)) < 0) {
			cfg_problem(ld, p, "%s", why);
			return;
		}
		for (i = 0; i < 7; i++) {
			h->n[i] = n;
			memcpy(h->r[i], r, sizeof(r));
		}
		h->set = 1;
		return;
	}
	if (!json_is_object(v)) {
		cfg_problem(ld, p, "expected \"HH:MM-HH:MM\" or an object of days");
		return;
	}
	h->set = 1;
	json_object_foreach(v, key, d)
	{
		if (key[0] == '_')
			continue;
		cfg_path_key(q, p, key);
		memset(days, 0, sizeof(days));
		if (hours_parse_days(key, days) < 0) {
			cfg_problem(ld, q,
			            "expected a day or days (mon, tue, wed, thu, fri, sat, sun; "
			            "mon-fri)");
			continue;
		}
		if (!json_is_string(d)) {
			cfg_problem(ld, q, "expected \"HH:MM-HH:MM\" or \"off\"");
			continue;
		}
		if (hours_parse_ranges(json_string_value(d), r, &n, why, sizeof(why)) < 0) {
			cfg_problem(ld, q, "%s", why);
			continue;
		}
		for (i = 0; i < 7; i++) {
			if (!days[i])
				continue;
			if (seen[i]) {
				cfg_problem(ld, q, "a day given twice");
				break;
			}
			seen[i] = 1;
			h->n[i] = n;
			memcpy(h->r[i], r, sizeof(r));
		}
	}
}

/*
 * Token KEY at PATH, once read (and ${VARIABLE}s resolved) into T, must
 * resist guessing: long, varied and printable (lib/secret.h). The problem
 * says why, never the token. An empty token is none (read as NULL).
 */
static void check_token(struct cfg_ld *ld, const char *path, const char *key, const char *t)
{
	const char *why = t ? secret_weak(t, strlen(t)) : NULL;
	char p[CFG_PATHLEN];

	if (why) {
		cfg_path_key(p, path, key);
		cfg_problem(ld, p, "%s", why);
	}
}

static void parse_one_staff(struct cfg_ld *ld, json_t *o, const char *path, void *elem, void *ud)
{
	static const char *const keys[] = {"id",    "name",  "role",  "skills", "identities",
	                                   "token", "phone", "hours", NULL};
	struct cfg_staff *s = elem;
	char p[CFG_PATHLEN];

	(void)ud;
	cfg_check_keys(ld, o, path, keys);
	if (cfg_get_str(ld, o, path, "id", "missing", 0, &s->id) == 0)
		check_id(ld, path, s->id);
	cfg_get_str(ld, o, path, "name", NULL, 0, &s->name);
	if (cfg_get_str(ld, o, path, "role", "missing", 0, &s->role) == 0 &&
	    !cfg_one_of(s->role, roles)) {
		cfg_path_key(p, path, "role");
		cfg_problem(ld, p, "must be one of technician, dispatcher, supervisor, manager");
	}
	cfg_get_strv(ld, o, path, "skills", &s->skills, &s->nskills);
	if (cfg_get_str(ld, o, path, "token", NULL, 0, &s->token) == 0 && s->token)
		check_token(ld, path, "token", s->token);
	/* the number itself is personal: the problem does not repeat it */
	if (cfg_get_id(ld, o, path, "phone", NULL, 0, &s->phone) == 0 && s->phone &&
	    !phone_ok(s->phone)) {
		cfg_path_key(p, path, "phone");
		cfg_problem(ld, p, "expected a mobile number: 5-20 digits, optionally after a '+'");
	}
	if (!s->name && s->id)
		s->name = cfg_strdup(ld, s->id);
	s->identities = cfg_get_objv(ld, o, path, "identities", NULL, sizeof(*s->identities),
	                             &s->nidentities, parse_identity, NULL);
	parse_hours(ld, o, path, &s->hours);
}

static void parse_staff(struct cfg_ld *ld, json_t *root, struct cfg *c)
{
	char p[CFG_PATHLEN];
	size_t i;

	c->staff = cfg_get_objv(ld, root, "", "staff", NULL, sizeof(*c->staff), &c->nstaff,
	                        parse_one_staff, NULL);
	check_unique_ids(ld, "staff", c->staff, c->nstaff, sizeof(*c->staff),
	                 offsetof(struct cfg_staff, id));

	/* One person per token and per chat account too; a token, being secret, is not echoed. */
	for (i = 0; i < c->nstaff; i++) {
		const struct cfg_staff *s = &c->staff[i];

		for (size_t j = 0; j < i; j++) {
			const struct cfg_staff *t = &c->staff[j];

			if (s->token && t->token && !strcmp(s->token, t->token)) {
				snprintf(p, sizeof(p), "staff[%zu].token", i);
				cfg_problem(ld, p, "same as staff[%zu].token", j);
			}
		}
		for (size_t k = 0; k < s->nidentities; k++) {
			const struct cfg_identity *a = &s->identities[k];

			if (!a->channel || !a->user)
				continue;
			for (size_t j = 0; j <= i; j++) {
				const struct cfg_staff *t = &c->staff[j];
				size_t lim = j == i ? k : t->nidentities;

				for (size_t m = 0; m < lim; m++) {
					const struct cfg_identity *b = &t->identities[m];

					if (!b->channel || !b->user ||
					    strcmp(a->channel, b->channel) ||
					    strcmp(a->user, b->user))
						continue;
					snprintf(p, sizeof(p), "staff[%zu].identities[%zu]", i, k);
					cfg_problem(ld, p,
					            "%s user \"%s\" already belongs to staff[%zu]",
					            a->channel, a->user, j);
				}
			}
		}
	}
}

/* A daily window "HH:MM-HH:MM" at KEY of O into *W; absent or null leaves it unset. */
static void parse_window(struct cfg_ld *ld, json_t *o, const char *path, const char *key,
                         struct hours_window *w)
{
	json_t *v = json_object_get(o, key); /* borrowed */
	char p[CFG_PATHLEN], why[128];

	memset(w, 0, sizeof(*w));
	if (!v || json_is_null(v))
		return;
	cfg_path_key(p, path, key);
	if (!json_is_string(v))
		cfg_problem(ld, p, "expected a string \"HH:MM-HH:MM\"");
	else if (hours_parse(json_string_value(v), w, why, sizeof(why)) < 0)
		cfg_problem(ld, p, "%s", why);
}

static void parse_community(struct cfg_ld *ld, json_t *o, const char *path, void *elem, void *ud)
{
	static const char *const keys[] = {
	        "id", "name", "phone", "staff_chats", "business_hours", "groups", NULL};
	struct cfg_community *m = elem;

	(void)ud;
	cfg_check_keys(ld, o, path, keys);
	parse_window(ld, o, path, "business_hours", &m->business_hours);
	if (cfg_get_str(ld, o, path, "id", "missing", 0, &m->id) == 0)
		check_id(ld, path, m->id);
	cfg_get_str(ld, o, path, "name", "missing", 0, &m->name);
	cfg_get_str(ld, o, path, "phone", NULL, 0, &m->phone);
	m->staff_chats = cfg_get_objv(ld, o, path, "staff_chats", NULL, sizeof(*m->staff_chats),
	                              &m->nstaff_chats, parse_staff_chat, NULL);
	m->groups = cfg_get_objv(ld, o, path, "groups", NULL, sizeof(*m->groups), &m->ngroups,
	                         parse_staff_chat, NULL);
}

/* A residents' group belongs to one community: its requests are that community's. */
static void check_groups(struct cfg_ld *ld, const struct cfg *c)
{
	char p[CFG_PATHLEN];
	size_t i, j, k, l;

	for (i = 0; i < c->ncommunities; i++)
		for (j = 0; j < c->communities[i].ngroups; j++) {
			const struct cfg_chat *a = &c->communities[i].groups[j];

			if (!a->channel || !a->chat)
				continue;
			snprintf(p, sizeof(p), "communities[%zu].groups[%zu]", i, j);
			if (!adapter_find(a->channel))
				cfg_problem(ld, p, "no channel \"%s\" in this build", a->channel);
			for (k = 0; k <= i; k++)
				for (l = 0; l < (k == i ? j : c->communities[k].ngroups); l++) {
					const struct cfg_chat *b = &c->communities[k].groups[l];

					if (b->channel && b->chat &&
					    !strcmp(a->channel, b->channel) &&
					    !strcmp(a->chat, b->chat))
						cfg_problem(
						        ld, p,
						        "%s chat \"%s\" is already communities[%zu]"
						        ".groups[%zu]",
						        a->channel, a->chat, k, l);
				}
		}
}

static void parse_communities(struct cfg_ld *ld, json_t *root, struct cfg *c)
{
	c->communities =
	        cfg_get_objv(ld, root, "", "communities", "community", sizeof(*c->communities),
	                     &c->ncommunities, parse_community, NULL);
	check_unique_ids(ld, "communities", c->communities, c->ncommunities,
	                 sizeof(*c->communities), offsetof(struct cfg_community, id));
	check_groups(ld, c);
}

static void parse_partner(struct cfg_ld *ld, json_t *o, const char *path, void *elem, void *ud)
{
	static const char *const keys[] = {"id", "name", "skills", "contact", "phone", NULL};
	struct cfg_partner *pt = elem;
	json_t *contact = json_object_get(o, "contact"); /* borrowed */
	char p[CFG_PATHLEN], q[CFG_PATHLEN];

	(void)ud;
	cfg_check_keys(ld, o, path, keys);
	if (cfg_get_str(ld, o, path, "id", "missing", 0, &pt->id) == 0)
		check_id(ld, path, pt->id);
	cfg_get_str(ld, o, path, "name", NULL, 0, &pt->name);
	if (!pt->name && pt->id)
		pt->name = cfg_strdup(ld, pt->id);
	cfg_get_strv(ld, o, path, "skills", &pt->skills, &pt->nskills);
	cfg_get_str(ld, o, path, "phone", NULL, 0, &pt->phone);
	cfg_path_key(p, path, "contact");
	if (contact && !json_is_null(contact)) {
		if (!json_is_object(contact)) {
			cfg_problem(ld, p, "expected an object {\"channel\", \"chat\"}");
		} else {
			parse_account(ld, contact, p, "chat", &pt->contact.channel,
			              &pt->contact.chat);
			cfg_path_key(q, p, "channel");
			if (pt->contact.channel && !adapter_find(pt->contact.channel))
				cfg_problem(ld, q, "no channel \"%s\" in this build",
				            pt->contact.channel);
		}
	} else if (!pt->phone) {
		cfg_problem(ld, path, "needs a contact or a phone");
	}
}

/* Partners, after the staff: an assignee ID names one person or company only. */
static void parse_partners(struct cfg_ld *ld, json_t *root, struct cfg *c)
{
	char p[CFG_PATHLEN];

	c->partners = cfg_get_objv(ld, root, "", "partners", NULL, sizeof(*c->partners),
	                           &c->npartners, parse_partner, NULL);
	check_unique_ids(ld, "partners", c->partners, c->npartners, sizeof(*c->partners),
	                 offsetof(struct cfg_partner, id));
	for (size_t i = 0; i < c->npartners; i++)
		if (c->partners[i].id && cfg_staff_find(c, c->partners[i].id)) {
			snprintf(p, sizeof(p), "partners[%zu].id", i);
			cfg_problem(ld, p, "\"%s\" already used by a staff member",
			            c->partners[i].id);
		}
}

static void parse_item(struct cfg_ld *ld, json_t *o, const char *path, void *elem, void *ud)
{
	static const char *const keys[] = {
	        "id",    "category", "name",  "keywords",       "response_minutes",
	        "price", "estimate", "skill", "complete_hours", NULL};
	struct dlg_item *it = elem;
	json_t *v; /* borrowed */
	char p[CFG_PATHLEN];

	(void)ud;
	cfg_check_keys(ld, o, path, keys);
	if (cfg_get_str(ld, o, path, "id", "missing", 0, &it->id) == 0)
		check_id(ld, path, it->id);
	if (cfg_get_str(ld, o, path, "category", "missing", 0, &it->category) == 0 &&
	    !cfg_one_of(it->category, categories)) {
		cfg_path_key(p, path, "category");
		cfg_problem(ld, p, "must be one of repair, cleaning, errand, inquiry");
	}
	cfg_get_i18n(ld, o, path, "name", 1, &it->name_zh, &it->name_en);
	cfg_get_strv(ld, o, path, "keywords", &it->keywords, &it->nkeywords);
	if (!json_object_get(o, "response_minutes")) {
		cfg_path_key(p, path, "response_minutes");
		cfg_problem(ld, p, "missing");
	} else {
		cfg_get_int(ld, o, path, "response_minutes", 0, 1, INT_MAX, &it->response_minutes);
	}
	cfg_get_int(ld, o, path, "complete_hours", 0, 1, 8760, &it->complete_hours);
	cfg_get_i18n(ld, o, path, "price", 0, &it->price, &it->price_en);
	cfg_get_str(ld, o, path, "skill", NULL, 0, &it->skill);

	v = json_object_get(o, "estimate");
	if (v && !json_is_null(v)) {
		cfg_path_key(p, path, "estimate");
		if (!json_is_number(v))
			cfg_problem(ld, p, "expected a number");
		else if (json_number_value(v) < 0)
			cfg_problem(ld, p, "must not be negative");
		else
			it->estimate = json_number_value(v);
	}
}

static void parse_catalogue(struct cfg_ld *ld, json_t *root, struct cfg *c)
{
	c->items = cfg_get_objv(ld, root, "", "catalogue", "item", sizeof(*c->items), &c->nitems,
	                        parse_item, NULL);
	check_unique_ids(ld, "catalogue", c->items, c->nitems, sizeof(*c->items),
	                 offsetof(struct dlg_item, id));
}

static void parse_out_of_scope(struct cfg_ld *ld, json_t *root, struct cfg *c)
{
	static const char *const keys[] = {"keywords", "referral", NULL};
	json_t *o = json_object_get(root, "out_of_scope"); /* borrowed */
	struct dlg_out_of_scope *s = &c->out_of_scope;

	if (!o || json_is_null(o))
		return;
	if (!json_is_object(o)) {
		cfg_problem(ld, "out_of_scope", "expected an object");
		return;
	}
	cfg_check_keys(ld, o, "out_of_scope", keys);
	cfg_get_strv(ld, o, "out_of_scope", "keywords", &s->keywords, &s->nkeywords);
	cfg_get_i18n(ld, o, "out_of_scope", "referral", 0, &s->referral_zh, &s->referral_en);
}

static void parse_answer(struct cfg_ld *ld, json_t *o, const char *path, void *elem, void *ud)
{
	static const char *const keys[] = {"id", "examples", "answer", NULL};
	struct dlg_answer *a = elem;
	char p[CFG_PATHLEN];

	(void)ud;
	cfg_check_keys(ld, o, path, keys);
	if (cfg_get_str(ld, o, path, "id", "missing", 0, &a->id) == 0)
		check_id(ld, path, a->id);
	cfg_get_strv(ld, o, path, "examples", &a->examples, &a->nexamples);
	if (!a->nexamples) {
		cfg_path_key(p, path, "examples");
		cfg_problem(ld, p, "at least one question is needed");
	}
	cfg_get_i18n(ld, o, path, "answer", 1, &a->answer_zh, &a->answer_en);
}

static void parse_emergency(struct cfg_ld *ld, json_t *o, const char *path, void *elem, void *ud)
{
	static const char *const keys[] = {"id", "keywords", "advice", "call", NULL};
	struct dlg_emergency *e = elem;
	char p[CFG_PATHLEN];

	(void)ud;
	cfg_check_keys(ld, o, path, keys);
	if (cfg_get_str(ld, o, path, "id", "missing", 0, &e->id) == 0)
		check_id(ld, path, e->id);
	cfg_get_strv(ld, o, path, "keywords", &e->keywords, &e->nkeywords);
	if (!e->nkeywords) {
		cfg_path_key(p, path, "keywords");
		cfg_problem(ld, p, "at least one keyword is needed");
	}
	cfg_get_i18n(ld, o, path, "advice", 1, &e->advice_zh, &e->advice_en);
	cfg_get_i18n(ld, o, path, "call", 0, &e->call_zh, &e->call_en);
}

/* The knowledge base and the emergencies: what a first message may be besides a request. */
static void parse_understanding(struct cfg_ld *ld, json_t *root, struct cfg *c)
{
	c->answers = cfg_get_objv(ld, root, "", "answers", NULL, sizeof(*c->answers), &c->nanswers,
	                          parse_answer, NULL);
	check_unique_ids(ld, "answers", c->answers, c->nanswers, sizeof(*c->answers),
	                 offsetof(struct dlg_answer, id));
	c->emergencies = cfg_get_objv(ld, root, "", "emergencies", NULL, sizeof(*c->emergencies),
	                              &c->nemergencies, parse_emergency, NULL);
	check_unique_ids(ld, "emergencies", c->emergencies, c->nemergencies,
	                 sizeof(*c->emergencies), offsetof(struct dlg_emergency, id));
	cfg_get_int(ld, root, "", "complaint_hours", 24, 1, INT_MAX, &c->complaint_hours);
	/* No more than the web page and the websocket take (PHOTO_MAX_BYTES). */
	cfg_get_int(ld, root, "", "photo_max_kb", (int)(PHOTO_MAX_BYTES / 1024), 64,
	            (int)(PHOTO_MAX_BYTES / 1024), &c->photo_max_kb);
}

/* The questions a follow-up visit may ask: the steps of the dialog flow "followup". */
static const char *const followup_questions[] = {"resolved", "satisfied", "comment", NULL};

static void parse_followup_questions(struct cfg_ld *ld, json_t *o, struct cfg_followup *f)
{
	char p[CFG_PATHLEN];
	size_t i, j;

	if (!json_object_get(o, "questions")) {
		f->questions = cfg_calloc(ld, 3, sizeof(*f->questions));
		for (i = 0; f->questions && i < 3; i++)
			f->questions[f->nquestions++] = cfg_strdup(ld, followup_questions[i]);
		return;
	}
	cfg_get_strv(ld, o, "followup", "questions", &f->questions, &f->nquestions);
	if (!f->nquestions)
		cfg_problem(ld, "followup.questions",
		            "at least one question is needed (resolved, satisfied, comment)");
	for (i = 0; i < f->nquestions; i++) {
		snprintf(p, sizeof(p), "followup.questions[%zu]", i);
		if (!cfg_one_of(f->questions[i], followup_questions)) {
			cfg_problem(ld, p, "must be one of resolved, satisfied, comment");
			continue;
		}
		for (j = 0; j < i; j++)
			if (strcmp(f->questions[i], f->questions[j]) == 0)
				cfg_problem(ld, p,
				            "\"%s\" is asked already by followup.questions[%zu]",
				            f->questions[i], j);
	}
}

/* "followup": sampled follow-up visits (回访); absent or null: none. */
static void parse_followup(struct cfg_ld *ld, json_t *root, struct cfg *c)
{
	static const char *const keys[] = {"rate",   "delay_hours", "hour",    "questions",
	                                   "reopen", "answer_days", "enabled", NULL};
	json_t *o = json_object_get(root, "followup"), *v; /* borrowed */
	struct cfg_followup *f = &c->followup;

	f->rate = 0.3;
	f->delay_hours = 24;
	f->hour = 10;
	f->answer_days = 3;
	f->reopen = 1;
	if (!o || json_is_null(o))
		return;
	if (!json_is_object(o)) {
		cfg_problem(ld, "followup", "expected an object");
		return;
	}
	cfg_check_keys(ld, o, "followup", keys);
	cfg_get_bool(ld, o, "followup", "enabled", 1, &f->enabled);
	v = json_object_get(o, "rate");
	if (v && !json_is_null(v)) {
		if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1)
			cfg_problem(ld, "followup.rate",
			            "expected a number from 0 to 1 (0.3: 30%%)");
		else
			f->rate = json_number_value(v);
	}
	cfg_get_int(ld, o, "followup", "delay_hours", 24, 0, 8760, &f->delay_hours);
	cfg_get_int(ld, o, "followup", "hour", 10, 0, 23, &f->hour);
	cfg_get_int(ld, o, "followup", "answer_days", 3, 1, 365, &f->answer_days);
	cfg_get_bool(ld, o, "followup", "reopen", 1, &f->reopen);
	parse_followup_questions(ld, o, f);
}

/* Timers: residents' quiet hours, the acceptance reminder and follow-up visits. */
static void parse_timers(struct cfg_ld *ld, json_t *root, struct cfg *c)
{
	parse_window(ld, root, "", "quiet_hours", &c->quiet_hours);
	cfg_get_int(ld, root, "", "acceptance_reminder_hours", 24, 0, INT_MAX,
	            &c->acceptance_reminder_hours);
	if (c->acceptance_reminder_hours >= c->acceptance_days * 24 &&
	    json_object_get(root, "acceptance_reminder_hours"))
		cfg_problem(ld, "acceptance_reminder_hours",
		            "must be less than acceptance_days in hours (%d)",
		            c->acceptance_days * 24);
	parse_followup(ld, root, c);
}

static void parse_stub(struct cfg_ld *ld, json_t *o, const char *path, const char *name,
                       struct cfg_channel_stub *s)
{
	json_t *copy; /* owned */

	s->name = cfg_strdup(ld, name);
	cfg_get_bool(ld, o, path, "enabled", 0, &s->enabled);
	copy = json_deep_copy(o);
	if (!copy) {
		ld->oom = 1;
		return;
	}
	cfg_subst_env(ld, copy, path, !s->enabled);
	s->json = json_dumps(copy, JSON_COMPACT);
	if (!s->json)
		ld->oom = 1;
	json_decref(copy);
}

/*
 * CH is the "channels" object: each key with an adapter is read by it, in the
 * file's order; then the adapters whose key is absent read their defaults.
 * Keys without an adapter are kept as stubs.
 */
static void parse_channel_list(struct cfg_ld *ld, json_t *ch, struct cfg *c)
{
	json_t *v; /* borrowed */
	const char *key;
	char p[CFG_PATHLEN];
	size_t n = 0, i;

	json_object_foreach(ch, key, v)
	{
		if (key[0] != '_' && !adapter_find(key))
			n++;
	}
	if (n) {
		c->others = cfg_calloc(ld, n, sizeof(*c->others));
		if (!c->others)
			return;
	}
	json_object_foreach(ch, key, v)
	{
		if (key[0] == '_')
			continue;
		cfg_path_key(p, "channels", key);
		if (!json_is_object(v)) {
			cfg_problem(ld, p, "expected an object");
			continue;
		}
		for (i = 0; i < c->nchans; i++)
			if (strcmp(c->chans[i].name, key) == 0)
				break;
		if (i < c->nchans)
			c->chans[i].a->config(ld, v, p, &c->chans[i].enabled, &c->chans[i].conf);
		else if (c->nothers < n)
			parse_stub(ld, v, p, key, &c->others[c->nothers++]);
	}
}

static void parse_channels(struct cfg_ld *ld, json_t *root, struct cfg *c)
{
	json_t *ch = json_object_get(root, "channels"); /* borrowed */
	char p[CFG_PATHLEN];
	size_t i;

	c->chans = cfg_calloc(ld, adapter_count(), sizeof(*c->chans));
	if (!c->chans)
		return;
	c->nchans = adapter_count();
	for (i = 0; i < c->nchans; i++) {
		c->chans[i].a = adapter_registry[i];
		c->chans[i].name = adapter_registry[i]->name;
	}
	if (ch && json_is_object(ch))
		parse_channel_list(ld, ch, c);
	else if (ch && !json_is_null(ch))
		cfg_problem(ld, "channels", "expected an object");
	/* Channels left out altogether get their defaults. */
	for (i = 0; i < c->nchans; i++) {
		if (c->chans[i].conf)
			continue;
		cfg_path_key(p, "channels", c->chans[i].name);
		c->chans[i].a->config(ld, NULL, p, &c->chans[i].enabled, &c->chans[i].conf);
	}
}

/* Every keyword folded once, so that matching a message does not fold them again. */
static int fold_all_keywords(struct cfg *c)
{
	size_t i;
	int rc = dlg_fold_keywords(c->out_of_scope.keywords, c->out_of_scope.nkeywords);

	for (i = 0; i < c->nitems; i++)
		rc |= dlg_fold_keywords(c->items[i].keywords, c->items[i].nkeywords);
	for (i = 0; i < c->nemergencies; i++)
		rc |= dlg_fold_keywords(c->emergencies[i].keywords, c->emergencies[i].nkeywords);
	return rc;
}

static void parse_metrics(struct cfg_ld *ld, json_t *root, struct cfg *c)
{
	static const char *const keys[] = {"enabled", "token", "allow_loopback", NULL};
	json_t *o = json_object_get(root, "metrics"); /* borrowed */
	struct cfg_metrics *m = &c->metrics;

	m->enabled = 1;
	m->allow_loopback = 1;
	if (!o || json_is_null(o))
		return;
	if (!json_is_object(o)) {
		cfg_problem(ld, "metrics", "expected an object");
		return;
	}
	cfg_check_keys(ld, o, "metrics", keys);
	cfg_get_bool(ld, o, "metrics", "enabled", 1, &m->enabled);
	cfg_get_bool(ld, o, "metrics", "allow_loopback", 1, &m->allow_loopback);
	if (cfg_get_str(ld, o, "metrics", "token", NULL, 0, &m->token) == 0 && m->token)
		check_token(ld, "metrics", "token", m->token);
	if (m->enabled && !m->allow_loopback && !m->token)
		cfg_problem(ld, "metrics.allow_loopback",
		            "false with no metrics.token lets nobody read /metrics; set a token, "
		            "or \"enabled\": false");
}

static void parse_log(struct cfg_ld *ld, json_t *root, struct cfg *c)
{
	static const char *const keys[] = {"format", "level", NULL};
	json_t *o = json_object_get(root, "log"); /* borrowed */
	char *format = NULL, *level = NULL;
	enum log_level l = LOG_INFO;

	c->log.level = LOG_INFO;
	if (!o || json_is_null(o))
		return;
	if (!json_is_object(o)) {
		cfg_problem(ld, "log", "expected an object");
		return;
	}
	cfg_check_keys(ld, o, "log", keys);
	if (cfg_get_str(ld, o, "log", "format", NULL, 0, &format) == 0 && format) {
		if (strcmp(format, "json") == 0)
			c->log.json = 1;
		else if (strcmp(format, "text") != 0)
			cfg_problem(ld, "log.format", "must be \"text\" or \"json\"");
	}
	if (cfg_get_str(ld, o, "log", "level", NULL, 0, &level) == 0 && level) {
		if (log_level_parse(level, &l) == 0)
			c->log.level = (int)l;
		else
			cfg_problem(ld, "log.level",
			            "must be \"debug\", \"info\", \"warn\" or \"error\"");
	}
	free(format);
	free(level);
}

/* "privacy": the retention period of closed orders' personal details. */
static void parse_privacy(struct cfg_ld *ld, json_t *root, struct cfg *c)
{
	static const char *const keys[] = {"retention_days", NULL};
	json_t *o = json_object_get(root, "privacy"); /* borrowed */
	int days = 0;

	if (!o || json_is_null(o))
		return;
	if (!json_is_object(o)) {
		cfg_problem(ld, "privacy", "expected an object");
		return;
	}
	cfg_check_keys(ld, o, "privacy", keys);
	cfg_get_int(ld, o, "privacy", "retention_days", 0, 0, 36500, &days);
	if (days > 0 && days <= c->reopen_days)
		cfg_problem(ld, "privacy.retention_days",
		            "must be 0 (keep) or more than reopen_days (%d): a closed order may "
		            "still be reopened",
		            c->reopen_days);
	else
		c->privacy.retention_days = days;
}

/* "limits": caps and time limits on connections; see struct cfg_limits. */
static void parse_limits(struct cfg_ld *ld, json_t *root, struct cfg *c)
{
	static const char *const keys[] = {
	        "connections",        "connections_per_address", "header_seconds",
	        "body_seconds",       "websocket_idle_seconds",  "inbound_per_second",
	        "inbound_per_minute", "inbound_chat_per_minute", NULL};
	json_t *o = json_object_get(root, "limits"); /* borrowed */
	struct cfg_limits *l = &c->limits;

	l->header_seconds = 10;
	l->body_seconds = 60;
	l->websocket_idle_seconds = 70;
	l->inbound_per_second = 10;
	l->inbound_per_minute = 60;
	l->inbound_chat_per_minute = 200;
	if (!o || json_is_null(o))
		return;
	if (!json_is_object(o)) {
		cfg_problem(ld, "limits", "expected an object");
		return;
	}
	cfg_check_keys(ld, o, "limits", keys);
	cfg_get_int(ld, o, "limits", "connections", 0, 0, 1000000, &l->connections);
	cfg_get_int(ld, o, "limits", "connections_per_address", 0, 0, 1000000,
	            &l->connections_per_address);
	cfg_get_int(ld, o, "limits", "header_seconds", 10, 1, 3600, &l->header_seconds);
	cfg_get_int(ld, o, "limits", "body_seconds", 60, 1, 3600, &l->body_seconds);
	cfg_get_int(ld, o, "limits", "websocket_idle_seconds", 70, 2, 36000,
	            &l->websocket_idle_seconds);
	cfg_get_int(ld, o, "limits", "inbound_per_second", 10, 0, 100000, &l->inbound_per_second);
	cfg_get_int(ld, o, "limits", "inbound_per_minute", 60, 0, 1000000, &l->inbound_per_minute);
	cfg_get_int(ld, o, "limits", "inbound_chat_per_minute", 200, 0, 1000000,
	            &l->inbound_chat_per_minute);
	if (l->connections && l->connections_per_address > l->connections)
		cfg_problem(ld, "limits.connections_per_address",
		            "must not be more than limits.connections (%d)", l->connections);
}

static void parse_top(struct cfg_ld *ld, json_t *root, struct cfg *c)
{
	static const char *const keys[] = {
	        "database",
	        "instance",
	        "listen",
	        "locale",
	        "timezone",
	        "bot_name",
	        "session_minutes",
	        "acceptance_days",
	        "low_rating",
	        "reopen_days",
	        "staff",
	        "communities",
	        "catalogue",
	        "out_of_scope",
	        "channels",
	        "tls_cert",
	        "tls_key",
	        "answers",
	        "emergencies",
	        "complaint_hours",
	        "metrics",
	        "log",
	        "photo_max_kb",
	        "photos_dir",
	        "partners",
	        "quiet_hours",
	        "followup",
	        "acceptance_reminder_hours",
	        "privacy",
	        "limits",
	        NULL,
	};

	cfg_check_keys(ld, root, "", keys);
	cfg_get_str(ld, root, "", "database", NULL, 0, &c->database);
	cfg_get_str(ld, root, "", "photos_dir", NULL, 0, &c->photos_dir);
	if (cfg_get_str(ld, root, "", "instance", NULL, 0, &c->instance) == 0 && c->instance &&
	    (!c->instance[0] || strlen(c->instance) > 100 || strpbrk(c->instance, " \t\r\n")))
		cfg_problem(ld, "instance", "expected a name of 1-100 characters without spaces");
	if (cfg_get_str(ld, root, "", "listen", NULL, 0, &c->listen) == 0 && c->listen &&
	    !listen_ok(c->listen))
		cfg_problem(ld, "listen", "expected HOST:PORT");
	if (cfg_get_str(ld, root, "", "locale", NULL, 0, &c->locale) == 0 && c->locale &&
	    strcmp(c->locale, "zh-CN") && strcmp(c->locale, "en"))
		cfg_problem(ld, "locale", "must be \"zh-CN\" or \"en\"");
	cfg_get_str(ld, root, "", "timezone", NULL, 0, &c->timezone);
	cfg_get_str(ld, root, "", "bot_name", NULL, 0, &c->bot_name);
	cfg_get_str(ld, root, "", "tls_cert", NULL, 0, &c->tls_cert);
	cfg_get_str(ld, root, "", "tls_key", NULL, 0, &c->tls_key);
	if (!c->tls_cert != !c->tls_key)
		cfg_problem(ld, c->tls_cert ? "tls_key" : "tls_cert",
		            "missing (HTTPS needs both tls_cert and tls_key)");
	if (c->tls_cert && access(c->tls_cert, R_OK) != 0)
		cfg_problem(ld, "tls_cert", "cannot read the certificate file");
	if (c->tls_key && access(c->tls_key, R_OK) != 0)
		cfg_problem(ld, "tls_key", "cannot read the key file");
	cfg_default(ld, &c->database, "concierge.db");
	cfg_default(ld, &c->listen, "127.0.0.1:8080");
	cfg_default(ld, &c->locale, "zh-CN");
	cfg_default(ld, &c->timezone, "Asia/Shanghai");
	cfg_default(ld, &c->bot_name, "concierge");
	cfg_get_int(ld, root, "", "session_minutes", 30, 1, INT_MAX, &c->session_minutes);
	cfg_get_int(ld, root, "", "acceptance_days", 3, 1, INT_MAX, &c->acceptance_days);
	cfg_get_int(ld, root, "", "low_rating", 2, 0, 5, &c->low_rating);
	cfg_get_int(ld, root, "", "reopen_days", 7, 0, 3650, &c->reopen_days);

	parse_staff(ld, root, c);
	parse_partners(ld, root, c);
	parse_communities(ld, root, c);
	parse_catalogue(ld, root, c);
	parse_out_of_scope(ld, root, c);
	parse_understanding(ld, root, c);
	parse_timers(ld, root, c);
	parse_channels(ld, root, c);
	parse_metrics(ld, root, c);
	parse_log(ld, root, c);
	parse_privacy(ld, root, c);
	parse_limits(ld, root, c);
	c->policy.items = c->items;
	c->policy.nitems = c->nitems;
	c->policy.out_of_scope = &c->out_of_scope;
	c->policy.phone = c->ncommunities ? c->communities[0].phone : NULL;
	c->policy.acceptance_days = c->acceptance_days;
	(void)dlg_answers_prepare(c->answers, c->nanswers); /* else matched the slow way */
	c->policy.keywords_folded = fold_all_keywords(c) == 0;
	c->policy.answers = c->answers;
	c->policy.nanswers = c->nanswers;
	c->policy.emergencies = c->emergencies;
	c->policy.nemergencies = c->nemergencies;
	c->policy.complaint_hours = c->complaint_hours;
	c->policy.followup_questions = c->followup.questions;
	c->policy.nfollowup_questions = c->followup.nquestions;
	c->policy.followup_reopen = c->followup.reopen;
}

/* Checks ROOT (owned by the caller) read from PATH; see cfg_load(). */
static int load_root(struct cfg_ld *ld, const char *path, json_t *root, struct cfg **out)
{
	struct cfg *c;

	if (!json_is_object(root)) {
		cfg_problem(ld, NULL, "expected a JSON object at the top level");
		return -1;
	}
	c = cfg_calloc(ld, 1, sizeof(*c));
	if (!c)
		return -1;
	c->path = cfg_strdup(ld, path);
	parse_top(ld, root, c);
	if (ld->n != 0 || ld->oom) {
		cfg_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

/* A JSON syntax error of PATH: with its line and column when the parser knows them. */
static void syntax_problem(struct cfg_ld *ld, const char *path, const json_error_t *jerr)
{
	if (jerr->line > 0)
		cfg_line(ld, "%s:%d:%d: %s", path, jerr->line, jerr->column, jerr->text);
	else
		cfg_problem(ld, NULL, "%s", jerr->text);
}

int cfg_load(const char *path, struct cfg **out, char *err, size_t errlen)
{
	struct cfg_ld ld = {.file = path};
	json_t *root = NULL; /* owned: released at cleanup */
	json_error_t jerr;
	struct stat st;
	FILE *fp;
	int rc = -1;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	fp = fopen(path, "r");
	if (!fp) {
		cfg_problem(&ld, NULL, "cannot open: %s", strerror(errno));
		goto out;
	}
	/* fopen() happily opens a directory; say so rather than "expected '{'". */
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(fp);
		cfg_problem(&ld, NULL, "cannot open: %s", strerror(EISDIR));
		goto out;
	}
	root = json_loadf(fp, JSON_REJECT_DUPLICATES, &jerr);
	fclose(fp);
	if (!root) {
		syntax_problem(&ld, path, &jerr);
		goto out;
	}
	rc = load_root(&ld, path, root, out);
out:
	if (rc < 0)
		cfg_report(&ld, err, errlen);
	json_decref(root);
	free(ld.buf);
	return rc;
}

int cfg_load_text(const char *name, const char *text, struct cfg **out, char *err, size_t errlen)
{
	struct cfg_ld ld = {.file = name};
	json_t *root; /* owned: released below */
	json_error_t jerr;
	int rc = -1;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		syntax_problem(&ld, name, &jerr);
	else
		rc = load_root(&ld, name, root, out);
	if (rc < 0)
		cfg_report(&ld, err, errlen);
	json_decref(root);
	free(ld.buf);
	return rc;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void cfg_free(struct cfg *c)
{
	size_t i, j;

	if (!c)
		return;
	for (i = 0; i < c->nstaff; i++) {
		struct cfg_staff *s = &c->staff[i];

		free(s->id);
		free(s->name);
		free(s->role);
		free_strv(s->skills, s->nskills);
		for (j = 0; j < s->nidentities; j++) {
			free(s->identities[j].channel);
			free(s->identities[j].user);
		}
		free(s->identities);
		free(s->token);
		free(s->phone);
	}
	free(c->staff);
	for (i = 0; i < c->ncommunities; i++) {
		struct cfg_community *m = &c->communities[i];

		free(m->id);
		free(m->name);
		free(m->phone);
		for (j = 0; j < m->nstaff_chats; j++) {
			free(m->staff_chats[j].channel);
			free(m->staff_chats[j].chat);
		}
		free(m->staff_chats);
		for (j = 0; j < m->ngroups; j++) {
			free(m->groups[j].channel);
			free(m->groups[j].chat);
		}
		free(m->groups);
	}
	free(c->communities);
	for (i = 0; i < c->nitems; i++) {
		struct dlg_item *it = &c->items[i];

		free(it->id);
		free(it->category);
		free(it->name_zh);
		free(it->name_en);
		free_strv(it->keywords, it->nkeywords);
		free(it->price);
		free(it->price_en);
		free(it->skill);
	}
	free(c->items);
	free_strv(c->out_of_scope.keywords, c->out_of_scope.nkeywords);
	free(c->out_of_scope.referral_zh);
	free(c->out_of_scope.referral_en);
	dlg_answers_release(c->answers, c->nanswers);
	for (i = 0; i < c->nanswers; i++) {
		free(c->answers[i].id);
		free_strv(c->answers[i].examples, c->answers[i].nexamples);
		free(c->answers[i].answer_zh);
		free(c->answers[i].answer_en);
	}
	free(c->answers);
	for (i = 0; i < c->nemergencies; i++) {
		free(c->emergencies[i].id);
		free_strv(c->emergencies[i].keywords, c->emergencies[i].nkeywords);
		free(c->emergencies[i].advice_zh);
		free(c->emergencies[i].advice_en);
		free(c->emergencies[i].call_zh);
		free(c->emergencies[i].call_en);
	}
	free(c->emergencies);
	free_strv(c->followup.questions, c->followup.nquestions);
	for (i = 0; i < c->npartners; i++) {
		free(c->partners[i].id);
		free(c->partners[i].name);
		free_strv(c->partners[i].skills, c->partners[i].nskills);
		free(c->partners[i].contact.channel);
		free(c->partners[i].contact.chat);
		free(c->partners[i].phone);
	}
	free(c->partners);
	for (i = 0; i < c->nchans; i++)
		if (c->chans[i].a && c->chans[i].a->config_free)
			c->chans[i].a->config_free(c->chans[i].conf);
	free(c->chans);
	for (i = 0; i < c->nothers; i++) {
		free(c->others[i].name);
		free(c->others[i].json);
	}
	free(c->others);
	free(c->path);
	free(c->database);
	free(c->instance);
	free(c->photos_dir);
	free(c->listen);
	free(c->locale);
	free(c->timezone);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->bot_name);
	free(c->metrics.token);
	free(c);
}

const struct cfg_staff *cfg_staff_find(const struct cfg *c, const char *id)
{
	if (!c || !id)
		return NULL;
	for (size_t i = 0; i < c->nstaff; i++)
		if (c->staff[i].id && !strcmp(c->staff[i].id, id))
			return &c->staff[i];
	return NULL;
}

const struct cfg_staff *cfg_staff_by_identity(const struct cfg *c, const char *channel,
                                              const char *user)
{
	const struct adapter *a;

	if (!c || !channel || !user)
		return NULL;
	for (size_t i = 0; i < c->nstaff; i++) {
		const struct cfg_staff *s = &c->staff[i];

		for (size_t j = 0; j < s->nidentities; j++)
			if (!strcmp(s->identities[j].channel, channel) &&
			    !strcmp(s->identities[j].user, user))
				return s;
	}
	/* Where staff read their own queue (the desk, their personal link) they are "staff:ID". */
	a = adapter_find(channel);
	if (a && a->staff_reachable && !strncmp(user, "staff:", 6))
		return cfg_staff_find(c, user + 6);
	return NULL;
}

struct chan *cfg_chan(const struct cfg *c, const char *name)
{
	for (size_t i = 0; c && name && i < c->nchans; i++)
		if (strcmp(c->chans[i].name, name) == 0)
			return &c->chans[i];
	return NULL;
}

int cfg_chan_on(const struct cfg *c, const char *name)
{
	const struct chan *ch = cfg_chan(c, name);

	return ch && ch->enabled;
}

void cfg_person(const struct cfg_staff *s, struct adapter_person *p)
{
	p->id = s->id;
	p->name = s->name;
	p->role = s->role;
	p->token = s->token;
}

const struct cfg_community *cfg_community_of_chat(const struct cfg *c, const char *channel,
                                                  const char *chat)
{
	size_t i, j;

	for (i = 0; channel && chat && i < c->ncommunities; i++)
		for (j = 0; j < c->communities[i].ngroups; j++)
			if (!strcmp(c->communities[i].groups[j].channel, channel) &&
			    !strcmp(c->communities[i].groups[j].chat, chat))
				return &c->communities[i];
	return NULL;
}

const struct cfg_community *cfg_community_of(const struct cfg *c, const char *id)
{
	for (size_t i = 0; id && i < c->ncommunities; i++)
		if (c->communities[i].id && !strcmp(c->communities[i].id, id))
			return &c->communities[i];
	return c->ncommunities ? &c->communities[0] : NULL;
}

const struct dlg_item *cfg_item_find(const struct cfg *c, const char *id)
{
	if (!c || !id)
		return NULL;
	for (size_t i = 0; i < c->nitems; i++)
		if (c->items[i].id && !strcmp(c->items[i].id, id))
			return &c->items[i];
	return NULL;
}

const struct cfg_partner *cfg_partner_find(const struct cfg *c, const char *id)
{
	if (!c || !id)
		return NULL;
	for (size_t i = 0; i < c->npartners; i++)
		if (c->partners[i].id && !strcmp(c->partners[i].id, id))
			return &c->partners[i];
	return NULL;
}

int cfg_partner_has_skill(const struct cfg_partner *p, const char *skill)
{
	if (!p)
		return 0;
	if (!skill)
		return 1;
	for (size_t i = 0; i < p->nskills; i++)
		if (!strcmp(p->skills[i], skill))
			return 1;
	return 0;
}

int cfg_staff_has_skill(const struct cfg_staff *s, const char *skill)
{
	if (!s)
		return 0;
	if (!skill)
		return 1;
	for (size_t i = 0; i < s->nskills; i++)
		if (!strcmp(s->skills[i], skill))
			return 1;
	return 0;
}
