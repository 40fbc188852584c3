/*
 * config_read.c - the tools the configuration loader reads JSON with: the
 * list of problems found so far, JSON paths for messages ("staff[2].id"),
 * "${NAME}" taken from the environment, and readers for each kind of value
 * that check its type and range and record a problem instead of stopping.
 *
 * What the configuration means (which keys, which defaults, what must be
 * unique) stays in config.c; nothing here knows a key of the file. Every
 * json_t handled here is borrowed from the caller's tree, except the
 * replacement values cfg_subst_env() creates and hands to the tree.
 */
#include "lib/config_read.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void ld_vline(struct cfg_ld *ld, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));
static void ld_vline(struct cfg_ld *ld, const char *fmt, va_list ap)
{
	char line[1024];
	size_t n, need;

	if (vsnprintf(line, sizeof(line), fmt, ap) < 0)
		return;
	n = strlen(line); /* what fit, not what vsnprintf wanted */
	/* A problem quotes what the file said (a key, the text near a syntax error):
	 * a newline or another control byte in it must not split or forge a line. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = ' ';
	need = n + 2; /* separator and NUL */
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
	memcpy(ld->buf + ld->len, line, n + 1);
	ld->len += n;
	ld->n++;
}

void cfg_line(struct cfg_ld *ld, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ld_vline(ld, fmt, ap);
	va_end(ap);
}

void cfg_problem(struct cfg_ld *ld, const char *path, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path && *path)
		cfg_line(ld, "%s: %s: %s", ld->file, path, msg);
	else
		cfg_line(ld, "%s: %s", ld->file, msg);
}

void cfg_problem_at(struct cfg_ld *ld, const char *path, const char *key, const char *fmt, ...)
{
	char p[CFG_PATHLEN], msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_path_key(p, path, key);
	cfg_problem(ld, p, "%s", msg);
}

void cfg_report(struct cfg_ld *ld, char *err, size_t errlen)
{
	char tail[CFG_PATHLEN + 64];
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

char *cfg_strdup(struct cfg_ld *ld, const char *s)
{
	char *d = strdup(s);

	if (!d)
		ld->oom = 1;
	return d;
}

void *cfg_calloc(struct cfg_ld *ld, size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		ld->oom = 1;
	return p;
}

/* Paths longer than CFG_PATHLEN only come from absurd files; they end in "..." then. */
static void path_fit(char *buf, int len)
{
	if (len >= CFG_PATHLEN)
		memcpy(buf + CFG_PATHLEN - 4, "...", 4);
}

void cfg_path_key(char *buf, const char *parent, const char *key)
{
	if (parent && *parent)
		path_fit(buf, snprintf(buf, CFG_PATHLEN, "%s.%s", parent, key));
	else
		path_fit(buf, snprintf(buf, CFG_PATHLEN, "%s", key));
}

void cfg_path_idx(char *buf, const char *parent, size_t i)
{
	path_fit(buf, snprintf(buf, CFG_PATHLEN, "%s[%zu]", parent, i));
}

int cfg_one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return 1;
	return 0;
}

void cfg_check_keys(struct cfg_ld *ld, json_t *obj, const char *path, const char *const *allowed)
{
	const char *key;
	json_t *v; /* borrowed */
	char p[CFG_PATHLEN];

	json_object_foreach(obj, key, v)
	{
		if (key[0] == '_' || cfg_one_of(key, allowed))
			continue;
		cfg_path_key(p, path, key);
		cfg_problem(ld, p, "unknown key");
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
static int resolve(struct cfg_ld *ld, const char *s, const char *path, int lax, char **out)
{
	char name[128];
	const char *val;

	*out = NULL;
	if (env_name(s, name, sizeof(name))) {
		val = getenv(name);
		if (!val) {
			if (lax)
				return 0;
			cfg_problem(ld, path, "environment variable %s is not set", name);
			return -1;
		}
		s = val;
	}
	*out = cfg_strdup(ld, s);
	return 0;
}

int cfg_get_str(struct cfg_ld *ld, json_t *obj, const char *path, const char *key,
                const char *missing, int lax, char **out)
{
	json_t *v = json_object_get(obj, key); /* borrowed */
	char p[CFG_PATHLEN];

	cfg_path_key(p, path, key);
	free(*out);
	*out = NULL;
	if (v && !json_is_null(v)) {
		if (!json_is_string(v)) {
			cfg_problem(ld, p, "expected a string");
			return -1;
		}
		if (resolve(ld, json_string_value(v), p, lax, out) < 0)
			return -1;
		if (*out && !**out) {
			free(*out);
			*out = NULL;
			if (missing) {
				cfg_problem(ld, p, "must not be empty");
				return -1;
			}
		}
	}
	if (!*out && missing) {
		cfg_problem(ld, p, "%s", missing);
		return -1;
	}
	return 0;
}

int cfg_get_id(struct cfg_ld *ld, json_t *obj, const char *path, const char *key,
               const char *missing, int lax, char **out)
{
	json_t *v = json_object_get(obj, key); /* borrowed */

	if (v && json_is_integer(v)) {
		char num[32];

		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		free(*out);
		*out = cfg_strdup(ld, num);
		return 0;
	}
	if (v && !json_is_null(v) && !json_is_string(v)) {
		char p[CFG_PATHLEN];

		cfg_path_key(p, path, key);
		cfg_problem(ld, p, "expected a string or an integer");
		return -1;
	}
	return cfg_get_str(ld, obj, path, key, missing, lax, out);
}

void cfg_get_int(struct cfg_ld *ld, json_t *obj, const char *path, const char *key, int def,
                 int min, int max, int *out)
{
	json_t *v = json_object_get(obj, key); /* borrowed */
	char p[CFG_PATHLEN];
	json_int_t i;

	*out = def;
	if (!v || json_is_null(v))
		return;
	cfg_path_key(p, path, key);
	if (!json_is_integer(v)) {
		cfg_problem(ld, p, "expected an integer");
		return;
	}
	i = json_integer_value(v);
	if (i < min || i > max) {
		if (min == 1 && max == INT_MAX)
			cfg_problem(ld, p, "must be positive");
		else
			cfg_problem(ld, p, "must be between %d and %d", min, max);
		return;
	}
	*out = (int)i;
}

void cfg_get_bool(struct cfg_ld *ld, json_t *obj, const char *path, const char *key, int def,
                  int *out)
{
	json_t *v = json_object_get(obj, key); /* borrowed */

	*out = def;
	if (!v || json_is_null(v))
		return;
	if (!json_is_boolean(v)) {
		char p[CFG_PATHLEN];

		cfg_path_key(p, path, key);
		cfg_problem(ld, p, "expected true or false");
		return;
	}
	*out = json_is_true(v);
}

/*
 * The array at KEY of OBJ, with a zeroed element of SIZE bytes per entry in
 * *ELEMS (*N of them, owned by the caller); P gets the array's path. NULL
 * when there is nothing to read: absent, null or [] (a problem only when
 * NEED names what at least one is needed of), not an array (a problem), or
 * out of memory.
 */
static json_t *array_at(struct cfg_ld *ld, json_t *obj, const char *path, const char *key,
                        const char *need, size_t size, void **elems, size_t *n, char *p)
{
	json_t *arr = json_object_get(obj, key); /* borrowed */

	*elems = NULL;
	*n = 0;
	cfg_path_key(p, path, key);
	if (!arr || json_is_null(arr)) {
		if (need)
			cfg_problem(ld, p, "missing (at least one %s is needed)", need);
		return NULL;
	}
	if (!json_is_array(arr)) {
		cfg_problem(ld, p, "expected an array");
		return NULL;
	}
	if (!json_array_size(arr)) {
		if (need)
			cfg_problem(ld, p, "at least one %s is needed", need);
		return NULL;
	}
	*elems = cfg_calloc(ld, json_array_size(arr), size);
	if (!*elems)
		return NULL;
	*n = json_array_size(arr);
	return arr;
}

void cfg_get_strv(struct cfg_ld *ld, json_t *obj, const char *path, const char *key, char ***out,
                  size_t *n)
{
	char p[CFG_PATHLEN], pi[CFG_PATHLEN];
	void *elems;
	json_t *arr =
	        array_at(ld, obj, path, key, NULL, sizeof(**out), &elems, n, p); /* borrowed */
	json_t *v;                                                               /* borrowed */
	size_t i;

	*out = elems;
	if (!arr)
		return;
	json_array_foreach(arr, i, v)
	{
		cfg_path_idx(pi, p, i);
		if (!json_is_string(v)) {
			cfg_problem(ld, pi, "expected a string");
			continue;
		}
		if (resolve(ld, json_string_value(v), pi, 0, &(*out)[i]) < 0)
			continue;
		if ((*out)[i] && !*(*out)[i])
			cfg_problem(ld, pi, "must not be empty");
	}
}

void *cfg_get_objv(struct cfg_ld *ld, json_t *obj, const char *path, const char *key,
                   const char *need, size_t size, size_t *n, cfg_each_fn each, void *ud)
{
	char p[CFG_PATHLEN], pi[CFG_PATHLEN];
	void *elems;
	json_t *arr = array_at(ld, obj, path, key, need, size, &elems, n, p); /* borrowed */
	json_t *v;                                                            /* borrowed */
	size_t i;

	if (!arr)
		return elems;
	json_array_foreach(arr, i, v)
	{
		cfg_path_idx(pi, p, i);
		if (!json_is_object(v)) {
			cfg_problem(ld, pi, "expected an object");
			continue;
		}
		each(ld, v, pi, (char *)elems + i * size, ud);
	}
	return elems;
}

void cfg_get_i18n(struct cfg_ld *ld, json_t *obj, const char *path, const char *key, int required,
                  char **zh, char **en)
{
	static const char *const keys[] = {"zh-CN", "en", NULL};
	json_t *v = json_object_get(obj, key); /* borrowed */
	char p[CFG_PATHLEN];

	cfg_path_key(p, path, key);
	if (!v || json_is_null(v)) {
		if (required)
			cfg_problem(ld, p, "missing");
		return;
	}
	if (json_is_string(v)) {
		if (cfg_get_str(ld, obj, path, key, required ? "missing" : NULL, 0, zh) == 0 && *zh)
			*en = cfg_strdup(ld, *zh);
		return;
	}
	if (!json_is_object(v)) {
		cfg_problem(ld, p, "expected a string or an object");
		return;
	}
	cfg_check_keys(ld, v, p, keys);
	if (cfg_get_str(ld, v, p, "zh-CN", NULL, 0, zh) < 0 ||
	    cfg_get_str(ld, v, p, "en", NULL, 0, en) < 0)
		return;
	if (!*zh && !*en) {
		if (required)
			cfg_problem(ld, p, "needs \"zh-CN\" or \"en\"");
		return;
	}
	if (!*zh)
		*zh = cfg_strdup(ld, *en);
	if (!*en)
		*en = cfg_strdup(ld, *zh);
}

/* The new value for W (a fresh reference) when it is "${NAME}", else NULL. */
static json_t *subst_one(struct cfg_ld *ld, json_t *w, const char *path, int lax)
{
	char name[128];
	const char *val;

	if (!json_is_string(w) || !env_name(json_string_value(w), name, sizeof(name))) {
		cfg_subst_env(ld, w, path, lax);
		return NULL;
	}
	val = getenv(name);
	if (!val && !lax)
		cfg_problem(ld, path, "environment variable %s is not set", name);
	return val ? json_string(val) : json_null();
}

void cfg_subst_env(struct cfg_ld *ld, json_t *v, const char *path, int lax)
{
	char p[CFG_PATHLEN];
	json_t *w, *r; /* w borrowed; r new, stolen by the set_new calls */

	if (json_is_object(v)) {
		const char *key;

		json_object_foreach(v, key, w)
		{
			cfg_path_key(p, path, key);
			/* Replacing the value of an existing key keeps the iteration valid. */
			r = subst_one(ld, w, p, lax);
			if (r)
				json_object_set_new(v, key, r);
		}
	} else if (json_is_array(v)) {
		size_t i;

		json_array_foreach(v, i, w)
		{
			cfg_path_idx(p, path, i);
			r = subst_one(ld, w, p, lax);
			if (r)
				json_array_set_new(v, i, r);
		}
	}
}

int cfg_is_url(const char *s)
{
	return (!strncmp(s, "http://", 7) && s[7]) || (!strncmp(s, "https://", 8) && s[8]);
}

void cfg_get_url(struct cfg_ld *ld, json_t *o, const char *path, const char *key, int lax,
                 char **out)
{
	char p[CFG_PATHLEN];

	if (cfg_get_str(ld, o, path, key, NULL, lax, out) < 0 || !*out || cfg_is_url(*out))
		return;
	cfg_path_key(p, path, key);
	cfg_problem(ld, p, "expected an http:// or https:// URL");
}

void cfg_get_base_url(struct cfg_ld *ld, json_t *o, const char *path, const char *key, int lax,
                      char **out)
{
	size_t len;

	cfg_get_url(ld, o, path, key, lax, out);
	if (!*out)
		return;
	len = strlen(*out);
	while (len > 0 && (*out)[len - 1] == '/')
		(*out)[--len] = '\0';
}

void cfg_default(struct cfg_ld *ld, char **field, const char *def)
{
	if (!*field)
		*field = cfg_strdup(ld, def);
}

json_t *cfg_get_object(struct cfg_ld *ld, json_t *obj, const char *path, const char *key,
                       const char *const *allowed, char *p)
{
	json_t *v = json_object_get(obj, key); /* borrowed */

	cfg_path_key(p, path, key);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_object(v)) {
		cfg_problem(ld, p, "expected an object");
		return NULL;
	}
	cfg_check_keys(ld, v, p, allowed);
	return v;
}
