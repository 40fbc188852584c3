/*
 * config.c - reads and checks the JSON configuration file.
 *
 * The loader never stops at the first problem: an operator editing the file
 * wants to see everything that is wrong in one go, so every check records a
 * line ("PATH: json.path: message") and parsing carries on with whatever is
 * usable. Only when the whole file was read without a problem is the struct
 * cfg handed out.
 *
 * jansson references: every json_object_get / json_array_get result is
 * borrowed from ROOT, which this file owns and releases once at the end of
 * cfg_load; nothing read from the tree outlives it, because every string is
 * copied into the struct cfg.
 */
#include "bot/config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <jansson.h>

#define PATHLEN 256

/* The problems found so far, and the file they are about. */
struct ld {
	const char *file;
	char *buf; /* '\n'-separated lines */
	size_t len;
	size_t cap;
	int n;
	int oom;
};

static const char *const roles[] = {"technician", "dispatcher", "supervisor", NULL};
static const char *const categories[] = {"repair", "cleaning", "errand", "inquiry", NULL};

static void ld_vline(struct ld *ld, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));
static void ld_vline(struct ld *ld, const char *fmt, va_list ap)
{
	char line[1024];
	size_t need;
	int len;

	len = vsnprintf(line, sizeof(line), fmt, ap);
	if (len < 0)
		return;
	need = strlen(line) + 2; /* separator and NUL */
	if (ld->len + need > ld->cap) {
		size_t cap = ld->cap ? ld->cap * 2 : 512;
		char *p;

		while (cap < ld->len + need)
			cap *= 2;
		p = realloc(ld->buf, cap);
		if (!p) {
			ld->oom = 1;
			ld->n++;
			return;
		}
		ld->buf = p;
		ld->cap = cap;
	}
	if (ld->len)
		ld->buf[ld->len++] = '\n';
	memcpy(ld->buf + ld->len, line, strlen(line) + 1);
	ld->len += strlen(line);
	ld->n++;
}

static void ld_line(struct ld *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ld_line(struct ld *ld, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ld_vline(ld, fmt, ap);
	va_end(ap);
}

/* Records "FILE: PATH: message"; an empty PATH means the file as a whole. */
static void problem(struct ld *ld, const char *path, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void problem(struct ld *ld, const char *path, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path && *path)
		ld_line(ld, "%s: %s: %s", ld->file, path, msg);
	else
		ld_line(ld, "%s: %s", ld->file, msg);
}

/*
 * Copies the problems into ERR. When they do not fit, whole lines are kept
 * and a last line says that more were left out, so no line is cut in half.
 */
static void ld_report(struct ld *ld, char *err, size_t errlen)
{
	char tail[PATHLEN + 64];
	size_t cut, tlen;

	if (!err || !errlen)
		return;
	if (ld->oom || !ld->buf) {
		snprintf(err, errlen, "%s: out of memory", ld->file);
		return;
	}
	if (ld->len < errlen) {
		memcpy(err, ld->buf, ld->len + 1);
		return;
	}
	snprintf(tail, sizeof(tail), "%s: (more problems not shown)", ld->file);
	tlen = strlen(tail);
	cut = 0;
	for (size_t i = 0; i < ld->len && i + 1 + tlen < errlen; i++)
		if (ld->buf[i] == '\n')
			cut = i + 1;
	if (!cut) {
		snprintf(err, errlen, "%s", ld->buf);
		return;
	}
	memcpy(err, ld->buf, cut);
	memcpy(err + cut, tail, tlen + 1);
}

static char *xstrdup(struct ld *ld, const char *s)
{
	char *d = strdup(s);

	if (!d)
		ld->oom = 1;
	return d;
}

static void *xcalloc(struct ld *ld, size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		ld->oom = 1;
	return p;
}

/* Paths longer than PATHLEN only come from absurd files; they end in "..." then. */
static void path_fit(char *buf, int len)
{
	if (len >= PATHLEN)
		memcpy(buf + PATHLEN - 4, "...", 4);
}

static void path_key(char *buf, const char *parent, const char *key)
{
	if (parent && *parent)
		path_fit(buf, snprintf(buf, PATHLEN, "%s.%s", parent, key));
	else
		path_fit(buf, snprintf(buf, PATHLEN, "%s", key));
}

static void path_idx(char *buf, const char *parent, size_t i)
{
	path_fit(buf, snprintf(buf, PATHLEN, "%s[%zu]", parent, i));
}

static int one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return 1;
	return 0;
}

/* Keys starting with '_' are comments wherever they appear. */
static void check_keys(struct ld *ld, json_t *obj, const char *path, const char *const *allowed)
{
	const char *key;
	json_t *v; /* borrowed */
	char p[PATHLEN];

	json_object_foreach(obj, key, v)
	{
		if (key[0] == '_' || one_of(key, allowed))
			continue;
		path_key(p, path, key);
		problem(ld, p, "unknown key");
	}
}

/* NAME in "${NAME}" when S is exactly that, else NULL; NAME is copied to BUF. */
static const char *env_name(const char *s, char *buf, size_t buflen)
{
	size_t len = strlen(s);

	if (len < 4 || s[0] != '$' || s[1] != '{' || s[len - 1] != '}' || len - 3 >= buflen)
		return NULL;
	if (!(s[2] == '_' || (s[2] >= 'A' && s[2] <= 'Z') || (s[2] >= 'a' && s[2] <= 'z')))
		return NULL;
	for (size_t i = 2; i < len - 1; i++) {
		char ch = s[i];

		if (!(ch == '_' || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9')))
			return NULL;
	}
	memcpy(buf, s + 2, len - 3);
	buf[len - 3] = '\0';
	return buf;
}

/*
 * The value of string S found at PATH, with "${NAME}" taken from the
 * environment. An unset variable is a problem unless LAX (a disabled
 * channel), when *OUT becomes NULL. Returns 0, or -1 after a problem.
 */
static int resolve(struct ld *ld, const char *s, const char *path, int lax, char **out)
{
	char name[128];
	const char *val;

	*out = NULL;
	if (env_name(s, name, sizeof(name))) {
		val = getenv(name);
		if (!val) {
			if (lax)
				return 0;
			problem(ld, path, "environment variable %s is not set", name);
			return -1;
		}
		s = val;
	}
	*out = xstrdup(ld, s);
	return 0;
}

/*
 * Reads string KEY of OBJ into *OUT. Absent, null or empty is *OUT = NULL;
 * then MISSING, when not NULL, is the problem to report. Returns 0, or -1
 * after a problem.
 */
static int get_str(struct ld *ld, json_t *obj, const char *path, const char *key,
                   const char *missing, int lax, char **out)
{
	json_t *v = json_object_get(obj, key); /* borrowed */
	char p[PATHLEN];

	path_key(p, path, key);
	free(*out);
	*out = NULL;
	if (v && !json_is_null(v)) {
		if (!json_is_string(v)) {
			problem(ld, p, "expected a string");
			return -1;
		}
		if (resolve(ld, json_string_value(v), p, lax, out) < 0)
			return -1;
		if (*out && !**out) {
			free(*out);
			*out = NULL;
			if (missing) {
				problem(ld, p, "must not be empty");
				return -1;
			}
		}
	}
	if (!*out && missing) {
		problem(ld, p, "%s", missing);
		return -1;
	}
	return 0;
}

/* Like get_str, but a JSON integer is accepted too (platform IDs are numbers). */
static int get_id(struct ld *ld, json_t *obj, const char *path, const char *key,
                  const char *missing, int lax, char **out)
{
	json_t *v = json_object_get(obj, key); /* borrowed */

	if (v && json_is_integer(v)) {
		char num[32];

		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		free(*out);
		*out = xstrdup(ld, num);
		return 0;
	}
	if (v && !json_is_null(v) && !json_is_string(v)) {
		char p[PATHLEN];

		path_key(p, path, key);
		problem(ld, p, "expected a string or an integer");
		return -1;
	}
	return get_str(ld, obj, path, key, missing, lax, out);
}

static void get_int(struct ld *ld, json_t *obj, const char *path, const char *key, int def, int min,
                    int max, int *out)
{
	json_t *v = json_object_get(obj, key); /* borrowed */
	char p[PATHLEN];
	json_int_t i;

	*out = def;
	if (!v || json_is_null(v))
		return;
	path_key(p, path, key);
	if (!json_is_integer(v)) {
		problem(ld, p, "expected an integer");
		return;
	}
	i = json_integer_value(v);
	if (i < min || i > max) {
		if (min == 1 && max == INT_MAX)
			problem(ld, p, "must be positive");
		else
			problem(ld, p, "must be between %d and %d", min, max);
		return;
	}
	*out = (int)i;
}

static void get_bool(struct ld *ld, json_t *obj, const char *path, const char *key, int def,
                     int *out)
{
	json_t *v = json_object_get(obj, key); /* borrowed */

	*out = def;
	if (!v || json_is_null(v))
		return;
	if (!json_is_boolean(v)) {
		char p[PATHLEN];

		path_key(p, path, key);
		problem(ld, p, "expected true or false");
		return;
	}
	*out = json_is_true(v);
}

/* An array of non-empty strings; absent is an empty array. */
static void get_strv(struct ld *ld, json_t *obj, const char *path, const char *key, char ***out,
                     size_t *n)
{
	json_t *arr = json_object_get(obj, key); /* borrowed */
	json_t *v;                               /* borrowed */
	char p[PATHLEN], pi[PATHLEN];
	size_t i;

	*out = NULL;
	*n = 0;
	if (!arr || json_is_null(arr))
		return;
	path_key(p, path, key);
	if (!json_is_array(arr)) {
		problem(ld, p, "expected an array");
		return;
	}
	if (!json_array_size(arr))
		return;
	*out = xcalloc(ld, json_array_size(arr), sizeof(**out));
	if (!*out)
		return;
	*n = json_array_size(arr);
	json_array_foreach(arr, i, v)
	{
		path_idx(pi, p, i);
		if (!json_is_string(v)) {
			problem(ld, pi, "expected a string");
			continue;
		}
		if (resolve(ld, json_string_value(v), pi, 0, &(*out)[i]) < 0)
			continue;
		if ((*out)[i] && !*(*out)[i])
			problem(ld, pi, "must not be empty");
	}
}

/*
 * A text given either as one string or as {"zh-CN": ..., "en": ...}. Both
 * outputs are filled when either is given, so callers never fall back.
 */
static void get_i18n(struct ld *ld, json_t *obj, const char *path, const char *key, int required,
                     char **zh, char **en)
{
	static const char *const keys[] = {"zh-CN", "en", NULL};
	json_t *v = json_object_get(obj, key); /* borrowed */
	char p[PATHLEN];

	path_key(p, path, key);
	if (!v || json_is_null(v)) {
		if (required)
			problem(ld, p, "missing");
		return;
	}
	if (json_is_string(v)) {
		if (get_str(ld, obj, path, key, required ? "missing" : NULL, 0, zh) == 0 && *zh)
			*en = xstrdup(ld, *zh);
		return;
	}
	if (!json_is_object(v)) {
		problem(ld, p, "expected a string or an object");
		return;
	}
	check_keys(ld, v, p, keys);
	if (get_str(ld, v, p, "zh-CN", NULL, 0, zh) < 0 || get_str(ld, v, p, "en", NULL, 0, en) < 0)
		return;
	if (!*zh && !*en) {
		if (required)
			problem(ld, p, "needs \"zh-CN\" or \"en\"");
		return;
	}
	if (!*zh)
		*zh = xstrdup(ld, *en);
	if (!*en)
		*en = xstrdup(ld, *zh);
}

/* IDs are typed on command lines and in chat commands, so keep them plain. */
static void check_id(struct ld *ld, const char *path, const char *id)
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
		char p[PATHLEN];

		path_key(p, path, "id");
		problem(ld, p, "1-64 characters of A-Za-z0-9_.-");
	}
}

static int is_url(const char *s)
{
	return (!strncmp(s, "http://", 7) && s[7]) || (!strncmp(s, "https://", 8) && s[8]);
}

static void strip_slash(char *s)
{
	size_t len = strlen(s);

	while (len > 0 && s[len - 1] == '/')
		s[--len] = '\0';
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

static void set_default(struct ld *ld, char **field, const char *def)
{
	if (!*field)
		*field = xstrdup(ld, def);
}

static void parse_one_staff(struct ld *ld, json_t *o, const char *path, struct cfg_staff *s)
{
	static const char *const keys[] = {"id",         "name",  "role", "skills",
	                                   "identities", "token", NULL};
	static const char *const ikeys[] = {"channel", "user", NULL};
	json_t *arr, *v; /* borrowed */
	char p[PATHLEN], pi[PATHLEN];
	size_t i;

	check_keys(ld, o, path, keys);
	if (get_str(ld, o, path, "id", "missing", 0, &s->id) == 0)
		check_id(ld, path, s->id);
	get_str(ld, o, path, "name", NULL, 0, &s->name);
	if (get_str(ld, o, path, "role", "missing", 0, &s->role) == 0 && !one_of(s->role, roles)) {
		path_key(p, path, "role");
		problem(ld, p, "must be one of technician, dispatcher, supervisor");
	}
	get_strv(ld, o, path, "skills", &s->skills, &s->nskills);
	get_str(ld, o, path, "token", NULL, 0, &s->token);
	if (!s->name && s->id)
		s->name = xstrdup(ld, s->id);

	arr = json_object_get(o, "identities");
	path_key(p, path, "identities");
	if (!arr || json_is_null(arr))
		return;
	if (!json_is_array(arr)) {
		problem(ld, p, "expected an array");
		return;
	}
	if (!json_array_size(arr))
		return;
	s->identities = xcalloc(ld, json_array_size(arr), sizeof(*s->identities));
	if (!s->identities)
		return;
	s->nidentities = json_array_size(arr);
	json_array_foreach(arr, i, v)
	{
		path_idx(pi, p, i);
		if (!json_is_object(v)) {
			problem(ld, pi, "expected an object");
			continue;
		}
		check_keys(ld, v, pi, ikeys);
		get_str(ld, v, pi, "channel", "missing", 0, &s->identities[i].channel);
		get_id(ld, v, pi, "user", "missing", 0, &s->identities[i].user);
	}
}

static void parse_staff(struct ld *ld, json_t *root, struct cfg *c)
{
	json_t *arr = json_object_get(root, "staff"); /* borrowed */
	json_t *v;                                    /* borrowed */
	char p[PATHLEN];
	size_t i;

	if (!arr || json_is_null(arr))
		return;
	if (!json_is_array(arr)) {
		problem(ld, "staff", "expected an array");
		return;
	}
	if (!json_array_size(arr))
		return;
	c->staff = xcalloc(ld, json_array_size(arr), sizeof(*c->staff));
	if (!c->staff)
		return;
	c->nstaff = json_array_size(arr);
	json_array_foreach(arr, i, v)
	{
		path_idx(p, "staff", i);
		if (!json_is_object(v)) {
			problem(ld, p, "expected an object");
			continue;
		}
		parse_one_staff(ld, v, p, &c->staff[i]);
	}

	/* One person per ID, per token and per chat account: look-ups must be unambiguous. */
	for (i = 0; i < c->nstaff; i++) {
		const struct cfg_staff *s = &c->staff[i];

		for (size_t j = 0; j < i; j++) {
			const struct cfg_staff *t = &c->staff[j];

			if (s->id && t->id && !strcmp(s->id, t->id)) {
				snprintf(p, sizeof(p), "staff[%zu].id", i);
				problem(ld, p, "\"%s\" already used by staff[%zu]", s->id, j);
			}
			if (s->token && t->token && !strcmp(s->token, t->token)) {
				snprintf(p, sizeof(p), "staff[%zu].token", i);
				problem(ld, p, "same as staff[%zu].token", j);
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
					problem(ld, p,
					        "%s user \"%s\" already belongs to staff[%zu]",
					        a->channel, a->user, j);
				}
			}
		}
	}
}

static void parse_communities(struct ld *ld, json_t *root, struct cfg *c)
{
	static const char *const keys[] = {"id", "name", "phone", "staff_chats", NULL};
	static const char *const ckeys[] = {"channel", "chat", NULL};
	json_t *arr = json_object_get(root, "communities"); /* borrowed */
	json_t *v, *chats, *w;                              /* borrowed */
	char p[PATHLEN], pc[PATHLEN], pi[PATHLEN];
	size_t i, j;

	if (!arr || json_is_null(arr)) {
		problem(ld, "communities", "missing (at least one community is needed)");
		return;
	}
	if (!json_is_array(arr)) {
		problem(ld, "communities", "expected an array");
		return;
	}
	if (!json_array_size(arr)) {
		problem(ld, "communities", "at least one community is needed");
		return;
	}
	c->communities = xcalloc(ld, json_array_size(arr), sizeof(*c->communities));
	if (!c->communities)
		return;
	c->ncommunities = json_array_size(arr);
	json_array_foreach(arr, i, v)
	{
		struct cfg_community *m = &c->communities[i];

		path_idx(p, "communities", i);
		if (!json_is_object(v)) {
			problem(ld, p, "expected an object");
			continue;
		}
		check_keys(ld, v, p, keys);
		if (get_str(ld, v, p, "id", "missing", 0, &m->id) == 0)
			check_id(ld, p, m->id);
		get_str(ld, v, p, "name", "missing", 0, &m->name);
		get_str(ld, v, p, "phone", NULL, 0, &m->phone);

		chats = json_object_get(v, "staff_chats");
		path_key(pc, p, "staff_chats");
		if (!chats || json_is_null(chats) ||
		    (json_is_array(chats) && !json_array_size(chats)))
			continue;
		if (!json_is_array(chats)) {
			problem(ld, pc, "expected an array");
			continue;
		}
		m->staff_chats = xcalloc(ld, json_array_size(chats), sizeof(*m->staff_chats));
		if (!m->staff_chats)
			continue;
		m->nstaff_chats = json_array_size(chats);
		json_array_foreach(chats, j, w)
		{
			path_idx(pi, pc, j);
			if (!json_is_object(w)) {
				problem(ld, pi, "expected an object");
				continue;
			}
			check_keys(ld, w, pi, ckeys);
			get_str(ld, w, pi, "channel", "missing", 0, &m->staff_chats[j].channel);
			get_id(ld, w, pi, "chat", "missing", 0, &m->staff_chats[j].chat);
		}
	}
	for (i = 0; i < c->ncommunities; i++)
		for (j = 0; j < i; j++)
			if (c->communities[i].id && c->communities[j].id &&
			    !strcmp(c->communities[i].id, c->communities[j].id)) {
				snprintf(p, sizeof(p), "communities[%zu].id", i);
				problem(ld, p, "\"%s\" already used by communities[%zu]",
				        c->communities[i].id, j);
			}
}

static void parse_item(struct ld *ld, json_t *o, const char *path, struct cfg_item *it)
{
	static const char *const keys[] = {
	        "id",    "category", "name",  "keywords", "response_minutes",
	        "price", "estimate", "skill", NULL};
	json_t *v; /* borrowed */
	char p[PATHLEN];

	check_keys(ld, o, path, keys);
	if (get_str(ld, o, path, "id", "missing", 0, &it->id) == 0)
		check_id(ld, path, it->id);
	if (get_str(ld, o, path, "category", "missing", 0, &it->category) == 0 &&
	    !one_of(it->category, categories)) {
		path_key(p, path, "category");
		problem(ld, p, "must be one of repair, cleaning, errand, inquiry");
	}
	get_i18n(ld, o, path, "name", 1, &it->name_zh, &it->name_en);
	get_strv(ld, o, path, "keywords", &it->keywords, &it->nkeywords);
	if (!json_object_get(o, "response_minutes")) {
		path_key(p, path, "response_minutes");
		problem(ld, p, "missing");
	} else {
		get_int(ld, o, path, "response_minutes", 0, 1, INT_MAX, &it->response_minutes);
	}
	get_str(ld, o, path, "price", NULL, 0, &it->price);
	get_str(ld, o, path, "skill", NULL, 0, &it->skill);

	v = json_object_get(o, "estimate");
	if (v && !json_is_null(v)) {
		path_key(p, path, "estimate");
		if (!json_is_number(v))
			problem(ld, p, "expected a number");
		else if (json_number_value(v) < 0)
			problem(ld, p, "must not be negative");
		else
			it->estimate = json_number_value(v);
	}
}

static void parse_catalogue(struct ld *ld, json_t *root, struct cfg *c)
{
	json_t *arr = json_object_get(root, "catalogue"); /* borrowed */
	json_t *v;                                        /* borrowed */
	char p[PATHLEN];
	size_t i;

	if (!arr || json_is_null(arr)) {
		problem(ld, "catalogue", "missing (at least one item is needed)");
		return;
	}
	if (!json_is_array(arr)) {
		problem(ld, "catalogue", "expected an array");
		return;
	}
	if (!json_array_size(arr)) {
		problem(ld, "catalogue", "at least one item is needed");
		return;
	}
	c->items = xcalloc(ld, json_array_size(arr), sizeof(*c->items));
	if (!c->items)
		return;
	c->nitems = json_array_size(arr);
	json_array_foreach(arr, i, v)
	{
		path_idx(p, "catalogue", i);
		if (!json_is_object(v)) {
			problem(ld, p, "expected an object");
			continue;
		}
		parse_item(ld, v, p, &c->items[i]);
	}
	for (i = 0; i < c->nitems; i++)
		for (size_t j = 0; j < i; j++)
			if (c->items[i].id && c->items[j].id &&
			    !strcmp(c->items[i].id, c->items[j].id)) {
				snprintf(p, sizeof(p), "catalogue[%zu].id", i);
				problem(ld, p, "\"%s\" already used by catalogue[%zu]",
				        c->items[i].id, j);
			}
}

static void parse_out_of_scope(struct ld *ld, json_t *root, struct cfg *c)
{
	static const char *const keys[] = {"keywords", "referral", NULL};
	json_t *o = json_object_get(root, "out_of_scope"); /* borrowed */
	struct cfg_out_of_scope *s = &c->out_of_scope;

	if (!o || json_is_null(o))
		return;
	if (!json_is_object(o)) {
		problem(ld, "out_of_scope", "expected an object");
		return;
	}
	check_keys(ld, o, "out_of_scope", keys);
	get_strv(ld, o, "out_of_scope", "keywords", &s->keywords, &s->nkeywords);
	get_i18n(ld, o, "out_of_scope", "referral", 0, &s->referral_zh, &s->referral_en);
}

static void parse_web(struct ld *ld, json_t *o, const char *path, struct cfg_web *w)
{
	static const char *const keys[] = {"enabled", "title", NULL};

	check_keys(ld, o, path, keys);
	get_bool(ld, o, path, "enabled", 1, &w->enabled);
	get_str(ld, o, path, "title", NULL, !w->enabled, &w->title);
}

static void parse_telegram(struct ld *ld, json_t *o, const char *path, struct cfg_telegram *t)
{
	static const char *const keys[] = {
	        "enabled",        "token",       "api_base",   "mode",
	        "webhook_secret", "public_url",  "staff_chat", "bot_username",
	        "poll_timeout",   "rate_limits", NULL};
	static const char *const rkeys[] = {"per_chat_per_sec", "per_group_per_min",
	                                    "global_per_sec", NULL};
	json_t *rl; /* borrowed */
	char p[PATHLEN];
	int lax, webhook;

	check_keys(ld, o, path, keys);
	get_bool(ld, o, path, "enabled", 0, &t->enabled);
	lax = !t->enabled; /* a switched-off channel may name variables nobody set */

	if (get_str(ld, o, path, "mode", NULL, lax, &t->mode) == 0 && t->mode &&
	    strcmp(t->mode, "webhook") && strcmp(t->mode, "polling")) {
		path_key(p, path, "mode");
		problem(ld, p, "must be \"webhook\" or \"polling\"");
	}
	set_default(ld, &t->mode, "polling");
	webhook = !strcmp(t->mode, "webhook");

	if (get_str(ld, o, path, "token", t->enabled ? "missing (required when enabled)" : NULL,
	            lax, &t->token) == 0 &&
	    t->token && strpbrk(t->token, "/ \t\r\n?#")) {
		path_key(p, path, "token");
		problem(ld, p, "must not contain spaces, '/', '?' or '#'");
	}

	if (get_str(ld, o, path, "api_base", NULL, lax, &t->api_base) == 0 && t->api_base) {
		path_key(p, path, "api_base");
		if (!is_url(t->api_base))
			problem(ld, p, "expected an http:// or https:// URL");
		strip_slash(t->api_base);
	}
	set_default(ld, &t->api_base, "https://api.telegram.org");

	if (get_str(ld, o, path, "webhook_secret",
	            t->enabled && webhook ? "missing (required in webhook mode)" : NULL, lax,
	            &t->webhook_secret) == 0 &&
	    t->webhook_secret) {
		size_t len = strlen(t->webhook_secret);

		if (len > 256 || strspn(t->webhook_secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		                                           "abcdefghijklmnopqrstuvwxyz"
		                                           "0123456789_-") != len) {
			path_key(p, path, "webhook_secret");
			problem(ld, p, "1-256 characters of A-Za-z0-9_-");
		}
	}

	if (get_str(ld, o, path, "public_url", NULL, lax, &t->public_url) == 0 && t->public_url) {
		path_key(p, path, "public_url");
		if (!is_url(t->public_url))
			problem(ld, p, "expected an http:// or https:// URL");
		strip_slash(t->public_url);
	}

	if (get_id(ld, o, path, "staff_chat", NULL, lax, &t->staff_chat) == 0 && t->staff_chat) {
		const char *s = t->staff_chat;
		int ok;

		if (s[0] == '@')
			ok = s[1] != '\0';
		else {
			if (s[0] == '-')
				s++;
			ok = *s && strspn(s, "0123456789") == strlen(s);
		}
		if (!ok) {
			path_key(p, path, "staff_chat");
			problem(ld, p, "expected a chat ID (an integer) or @channelname");
		}
	}

	if (get_str(ld, o, path, "bot_username", NULL, lax, &t->bot_username) == 0 &&
	    t->bot_username && t->bot_username[0] == '@')
		memmove(t->bot_username, t->bot_username + 1, strlen(t->bot_username));

	get_int(ld, o, path, "poll_timeout", 30, 0, 50, &t->poll_timeout);

	t->per_chat_per_sec = 1;
	t->per_group_per_min = 20;
	t->global_per_sec = 30;
	rl = json_object_get(o, "rate_limits");
	path_key(p, path, "rate_limits");
	if (!rl || json_is_null(rl))
		return;
	if (!json_is_object(rl)) {
		problem(ld, p, "expected an object");
		return;
	}
	check_keys(ld, rl, p, rkeys);
	get_int(ld, rl, p, "per_chat_per_sec", 1, 1, INT_MAX, &t->per_chat_per_sec);
	get_int(ld, rl, p, "per_group_per_min", 20, 1, INT_MAX, &t->per_group_per_min);
	get_int(ld, rl, p, "global_per_sec", 30, 1, INT_MAX, &t->global_per_sec);
}

static void parse_generic(struct ld *ld, json_t *o, const char *path, struct cfg_generic *g)
{
	static const char *const keys[] = {"enabled", "secret", "callback_url", NULL};
	int lax;

	check_keys(ld, o, path, keys);
	get_bool(ld, o, path, "enabled", 0, &g->enabled);
	lax = !g->enabled;
	get_str(ld, o, path, "secret", g->enabled ? "missing (required when enabled)" : NULL, lax,
	        &g->secret);
	if (get_str(ld, o, path, "callback_url", NULL, lax, &g->callback_url) == 0 &&
	    g->callback_url && !is_url(g->callback_url)) {
		char p[PATHLEN];

		path_key(p, path, "callback_url");
		problem(ld, p, "expected an http:// or https:// URL");
	}
}

/*
 * Replaces "${NAME}" strings anywhere inside V (owned by the caller) so the
 * adapter of a stub channel gets its settings with the variables filled in.
 */
static void subst_env(struct ld *ld, json_t *v, const char *path, int lax);

/* The new value for W (a fresh reference) when it is "${NAME}", else NULL. */
static json_t *subst_one(struct ld *ld, json_t *w, const char *path, int lax)
{
	char name[128];
	const char *val;

	if (!json_is_string(w) || !env_name(json_string_value(w), name, sizeof(name))) {
		subst_env(ld, w, path, lax);
		return NULL;
	}
	val = getenv(name);
	if (!val && !lax)
		problem(ld, path, "environment variable %s is not set", name);
	return val ? json_string(val) : json_null();
}

static void subst_env(struct ld *ld, json_t *v, const char *path, int lax)
{
	char p[PATHLEN];
	json_t *w, *r; /* w borrowed; r new, stolen by the set_new calls */

	if (json_is_object(v)) {
		const char *key;

		json_object_foreach(v, key, w)
		{
			path_key(p, path, key);
			/* Replacing the value of an existing key keeps the iteration valid. */
			r = subst_one(ld, w, p, lax);
			if (r)
				json_object_set_new(v, key, r);
		}
	} else if (json_is_array(v)) {
		size_t i;

		json_array_foreach(v, i, w)
		{
			path_idx(p, path, i);
			r = subst_one(ld, w, p, lax);
			if (r)
				json_array_set_new(v, i, r);
		}
	}
}

static void parse_stub(struct ld *ld, json_t *o, const char *path, const char *name,
                       struct cfg_channel_stub *s)
{
	json_t *copy; /* owned */

	s->name = xstrdup(ld, name);
	get_bool(ld, o, path, "enabled", 0, &s->enabled);
	copy = json_deep_copy(o);
	if (!copy) {
		ld->oom = 1;
		return;
	}
	subst_env(ld, copy, path, !s->enabled);
	s->json = json_dumps(copy, JSON_COMPACT);
	if (!s->json)
		ld->oom = 1;
	json_decref(copy);
}

/* CH is the "channels" object: the three channels known in full, then stubs. */
static void parse_channel_list(struct ld *ld, json_t *ch, struct cfg *c)
{
	json_t *v; /* borrowed */
	const char *key;
	char p[PATHLEN];
	size_t n = 0;

	json_object_foreach(ch, key, v)
	{
		if (key[0] != '_' && strcmp(key, "web") && strcmp(key, "telegram") &&
		    strcmp(key, "generic"))
			n++;
	}
	if (n) {
		c->others = xcalloc(ld, n, sizeof(*c->others));
		if (!c->others)
			return;
	}
	json_object_foreach(ch, key, v)
	{
		if (key[0] == '_')
			continue;
		path_key(p, "channels", key);
		if (!json_is_object(v)) {
			problem(ld, p, "expected an object");
			continue;
		}
		if (!strcmp(key, "web"))
			parse_web(ld, v, p, &c->web);
		else if (!strcmp(key, "telegram"))
			parse_telegram(ld, v, p, &c->telegram);
		else if (!strcmp(key, "generic"))
			parse_generic(ld, v, p, &c->generic);
		else if (c->nothers < n)
			parse_stub(ld, v, p, key, &c->others[c->nothers++]);
	}
}

static void parse_channels(struct ld *ld, json_t *root, struct cfg *c)
{
	json_t *ch = json_object_get(root, "channels"); /* borrowed */

	/* Defaults for channels left out altogether; parse_* set their own. */
	c->web.enabled = 1;
	c->telegram.poll_timeout = 30;
	c->telegram.per_chat_per_sec = 1;
	c->telegram.per_group_per_min = 20;
	c->telegram.global_per_sec = 30;
	if (ch && json_is_object(ch))
		parse_channel_list(ld, ch, c);
	else if (ch && !json_is_null(ch))
		problem(ld, "channels", "expected an object");
	set_default(ld, &c->telegram.mode, "polling");
	set_default(ld, &c->telegram.api_base, "https://api.telegram.org");
}

static void parse_top(struct ld *ld, json_t *root, struct cfg *c)
{
	static const char *const keys[] = {
	        "database",        "listen",          "locale",     "timezone", "bot_name",
	        "session_minutes", "acceptance_days", "low_rating", "staff",    "communities",
	        "catalogue",       "out_of_scope",    "channels",   "tls_cert", "tls_key",
	        NULL};

	check_keys(ld, root, "", keys);
	get_str(ld, root, "", "database", NULL, 0, &c->database);
	if (get_str(ld, root, "", "listen", NULL, 0, &c->listen) == 0 && c->listen &&
	    !listen_ok(c->listen))
		problem(ld, "listen", "expected HOST:PORT");
	if (get_str(ld, root, "", "locale", NULL, 0, &c->locale) == 0 && c->locale &&
	    strcmp(c->locale, "zh-CN") && strcmp(c->locale, "en"))
		problem(ld, "locale", "must be \"zh-CN\" or \"en\"");
	get_str(ld, root, "", "timezone", NULL, 0, &c->timezone);
	get_str(ld, root, "", "bot_name", NULL, 0, &c->bot_name);
	get_str(ld, root, "", "tls_cert", NULL, 0, &c->tls_cert);
	get_str(ld, root, "", "tls_key", NULL, 0, &c->tls_key);
	if (!c->tls_cert != !c->tls_key)
		problem(ld, c->tls_cert ? "tls_key" : "tls_cert",
			"missing (HTTPS needs both tls_cert and tls_key)");
	if (c->tls_cert && access(c->tls_cert, R_OK) != 0)
		problem(ld, "tls_cert", "cannot read the certificate file");
	if (c->tls_key && access(c->tls_key, R_OK) != 0)
		problem(ld, "tls_key", "cannot read the key file");
	set_default(ld, &c->database, "concierge.db");
	set_default(ld, &c->listen, "127.0.0.1:8080");
	set_default(ld, &c->locale, "zh-CN");
	set_default(ld, &c->timezone, "Asia/Shanghai");
	set_default(ld, &c->bot_name, "concierge");
	get_int(ld, root, "", "session_minutes", 30, 1, INT_MAX, &c->session_minutes);
	get_int(ld, root, "", "acceptance_days", 3, 1, INT_MAX, &c->acceptance_days);
	get_int(ld, root, "", "low_rating", 2, 0, 5, &c->low_rating);

	parse_staff(ld, root, c);
	parse_communities(ld, root, c);
	parse_catalogue(ld, root, c);
	parse_out_of_scope(ld, root, c);
	parse_channels(ld, root, c);
}

int cfg_load(const char *path, struct cfg **out, char *err, size_t errlen)
{
	struct ld ld = {.file = path};
	struct cfg *c = NULL;
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
		problem(&ld, NULL, "cannot open: %s", strerror(errno));
		goto out;
	}
	/* fopen() happily opens a directory; say so rather than "expected '{'". */
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(fp);
		problem(&ld, NULL, "cannot open: %s", strerror(EISDIR));
		goto out;
	}
	root = json_loadf(fp, JSON_REJECT_DUPLICATES, &jerr);
	fclose(fp);
	if (!root) {
		if (jerr.line > 0)
			ld_line(&ld, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		else
			problem(&ld, NULL, "%s", jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		problem(&ld, NULL, "expected a JSON object at the top level");
		goto out;
	}
	c = xcalloc(&ld, 1, sizeof(*c));
	if (!c)
		goto out;
	c->path = xstrdup(&ld, path);
	parse_top(&ld, root, c);
	if (ld.n == 0 && !ld.oom) {
		*out = c;
		c = NULL;
		rc = 0;
	}
out:
	if (rc < 0)
		ld_report(&ld, err, errlen);
	cfg_free(c);
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
	}
	free(c->communities);
	for (i = 0; i < c->nitems; i++) {
		struct cfg_item *it = &c->items[i];

		free(it->id);
		free(it->category);
		free(it->name_zh);
		free(it->name_en);
		free_strv(it->keywords, it->nkeywords);
		free(it->price);
		free(it->skill);
	}
	free(c->items);
	free_strv(c->out_of_scope.keywords, c->out_of_scope.nkeywords);
	free(c->out_of_scope.referral_zh);
	free(c->out_of_scope.referral_en);
	free(c->web.title);
	free(c->telegram.token);
	free(c->telegram.api_base);
	free(c->telegram.mode);
	free(c->telegram.webhook_secret);
	free(c->telegram.public_url);
	free(c->telegram.staff_chat);
	free(c->telegram.bot_username);
	free(c->generic.secret);
	free(c->generic.callback_url);
	for (i = 0; i < c->nothers; i++) {
		free(c->others[i].name);
		free(c->others[i].json);
	}
	free(c->others);
	free(c->path);
	free(c->database);
	free(c->listen);
	free(c->locale);
	free(c->timezone);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->bot_name);
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
	if (!c || !channel || !user)
		return NULL;
	for (size_t i = 0; i < c->nstaff; i++) {
		const struct cfg_staff *s = &c->staff[i];

		for (size_t j = 0; j < s->nidentities; j++)
			if (!strcmp(s->identities[j].channel, channel) &&
			    !strcmp(s->identities[j].user, user))
				return s;
	}
	/* At the desk and on the staff web page people say who they are by staff ID. */
	if ((!strcmp(channel, "terminal") || !strcmp(channel, "web")) &&
	    !strncmp(user, "staff:", 6))
		return cfg_staff_find(c, user + 6);
	return NULL;
}

const struct cfg_item *cfg_item_find(const struct cfg *c, const char *id)
{
	if (!c || !id)
		return NULL;
	for (size_t i = 0; i < c->nitems; i++)
		if (c->items[i].id && !strcmp(c->items[i].id, id))
			return &c->items[i];
	return NULL;
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
