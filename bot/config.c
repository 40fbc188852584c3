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

#include "bot/config_read.h"

static const char *const roles[] = {"technician", "dispatcher", "supervisor", NULL};
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

/* An http(s) URL that paths are appended to, so without its trailing slashes. */
static void get_base_url(struct cfg_ld *ld, json_t *o, const char *path, const char *key, int lax,
                         char **out)
{
	char p[CFG_PATHLEN];

	if (cfg_get_str(ld, o, path, key, NULL, lax, out) < 0 || !*out)
		return;
	if (!is_url(*out)) {
		cfg_path_key(p, path, key);
		cfg_problem(ld, p, "expected an http:// or https:// URL");
	}
	strip_slash(*out);
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

static void set_default(struct cfg_ld *ld, char **field, const char *def)
{
	if (!*field)
		*field = cfg_strdup(ld, def);
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

static void parse_one_staff(struct cfg_ld *ld, json_t *o, const char *path, void *elem, void *ud)
{
	static const char *const keys[] = {"id",         "name",  "role", "skills",
	                                   "identities", "token", NULL};
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
		cfg_problem(ld, p, "must be one of technician, dispatcher, supervisor");
	}
	cfg_get_strv(ld, o, path, "skills", &s->skills, &s->nskills);
	cfg_get_str(ld, o, path, "token", NULL, 0, &s->token);
	if (!s->name && s->id)
		s->name = cfg_strdup(ld, s->id);
	s->identities = cfg_get_objv(ld, o, path, "identities", NULL, sizeof(*s->identities),
	                             &s->nidentities, parse_identity, NULL);
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

static void parse_community(struct cfg_ld *ld, json_t *o, const char *path, void *elem, void *ud)
{
	static const char *const keys[] = {"id", "name", "phone", "staff_chats", NULL};
	struct cfg_community *m = elem;

	(void)ud;
	cfg_check_keys(ld, o, path, keys);
	if (cfg_get_str(ld, o, path, "id", "missing", 0, &m->id) == 0)
		check_id(ld, path, m->id);
	cfg_get_str(ld, o, path, "name", "missing", 0, &m->name);
	cfg_get_str(ld, o, path, "phone", NULL, 0, &m->phone);
	m->staff_chats = cfg_get_objv(ld, o, path, "staff_chats", NULL, sizeof(*m->staff_chats),
	                              &m->nstaff_chats, parse_staff_chat, NULL);
}

static void parse_communities(struct cfg_ld *ld, json_t *root, struct cfg *c)
{
	c->communities =
	        cfg_get_objv(ld, root, "", "communities", "community", sizeof(*c->communities),
	                     &c->ncommunities, parse_community, NULL);
	check_unique_ids(ld, "communities", c->communities, c->ncommunities,
	                 sizeof(*c->communities), offsetof(struct cfg_community, id));
}

static void parse_item(struct cfg_ld *ld, json_t *o, const char *path, void *elem, void *ud)
{
	static const char *const keys[] = {
	        "id",    "category", "name",  "keywords", "response_minutes",
	        "price", "estimate", "skill", NULL};
	struct cfg_item *it = elem;
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
	                 offsetof(struct cfg_item, id));
}

static void parse_out_of_scope(struct cfg_ld *ld, json_t *root, struct cfg *c)
{
	static const char *const keys[] = {"keywords", "referral", NULL};
	json_t *o = json_object_get(root, "out_of_scope"); /* borrowed */
	struct cfg_out_of_scope *s = &c->out_of_scope;

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

static void parse_web(struct cfg_ld *ld, json_t *o, const char *path, struct cfg_web *w)
{
	static const char *const keys[] = {"enabled", "title", NULL};

	cfg_check_keys(ld, o, path, keys);
	cfg_get_bool(ld, o, path, "enabled", 1, &w->enabled);
	cfg_get_str(ld, o, path, "title", NULL, !w->enabled, &w->title);
}

static void parse_telegram(struct cfg_ld *ld, json_t *o, const char *path, struct cfg_telegram *t)
{
	static const char *const keys[] = {
	        "enabled",        "token",       "api_base",   "mode",
	        "webhook_secret", "public_url",  "staff_chat", "bot_username",
	        "poll_timeout",   "rate_limits", NULL};
	static const char *const rkeys[] = {"per_chat_per_sec", "per_group_per_min",
	                                    "global_per_sec", NULL};
	json_t *rl; /* borrowed */
	char p[CFG_PATHLEN];
	int lax, webhook;

	cfg_check_keys(ld, o, path, keys);
	cfg_get_bool(ld, o, path, "enabled", 0, &t->enabled);
	lax = !t->enabled; /* a switched-off channel may name variables nobody set */

	if (cfg_get_str(ld, o, path, "mode", NULL, lax, &t->mode) == 0 && t->mode &&
	    strcmp(t->mode, "webhook") && strcmp(t->mode, "polling")) {
		cfg_path_key(p, path, "mode");
		cfg_problem(ld, p, "must be \"webhook\" or \"polling\"");
	}
	set_default(ld, &t->mode, "polling");
	webhook = !strcmp(t->mode, "webhook");

	if (cfg_get_str(ld, o, path, "token", t->enabled ? "missing (required when enabled)" : NULL,
	                lax, &t->token) == 0 &&
	    t->token && strpbrk(t->token, "/ \t\r\n?#")) {
		cfg_path_key(p, path, "token");
		cfg_problem(ld, p, "must not contain spaces, '/', '?' or '#'");
	}

	get_base_url(ld, o, path, "api_base", lax, &t->api_base);
	set_default(ld, &t->api_base, "https://api.telegram.org");

	if (cfg_get_str(ld, o, path, "webhook_secret",
	                t->enabled && webhook ? "missing (required in webhook mode)" : NULL, lax,
	                &t->webhook_secret) == 0 &&
	    t->webhook_secret) {
		size_t len = strlen(t->webhook_secret);

		if (len > 256 || strspn(t->webhook_secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		                                           "abcdefghijklmnopqrstuvwxyz"
		                                           "0123456789_-") != len) {
			cfg_path_key(p, path, "webhook_secret");
			cfg_problem(ld, p, "1-256 characters of A-Za-z0-9_-");
		}
	}

	get_base_url(ld, o, path, "public_url", lax, &t->public_url);

	if (cfg_get_id(ld, o, path, "staff_chat", NULL, lax, &t->staff_chat) == 0 &&
	    t->staff_chat) {
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
			cfg_path_key(p, path, "staff_chat");
			cfg_problem(ld, p, "expected a chat ID (an integer) or @channelname");
		}
	}

	if (cfg_get_str(ld, o, path, "bot_username", NULL, lax, &t->bot_username) == 0 &&
	    t->bot_username && t->bot_username[0] == '@')
		memmove(t->bot_username, t->bot_username + 1, strlen(t->bot_username));

	cfg_get_int(ld, o, path, "poll_timeout", 30, 0, 50, &t->poll_timeout);

	t->per_chat_per_sec = 1;
	t->per_group_per_min = 20;
	t->global_per_sec = 30;
	rl = json_object_get(o, "rate_limits");
	cfg_path_key(p, path, "rate_limits");
	if (!rl || json_is_null(rl))
		return;
	if (!json_is_object(rl)) {
		cfg_problem(ld, p, "expected an object");
		return;
	}
	cfg_check_keys(ld, rl, p, rkeys);
	cfg_get_int(ld, rl, p, "per_chat_per_sec", 1, 1, INT_MAX, &t->per_chat_per_sec);
	cfg_get_int(ld, rl, p, "per_group_per_min", 20, 1, INT_MAX, &t->per_group_per_min);
	cfg_get_int(ld, rl, p, "global_per_sec", 30, 1, INT_MAX, &t->global_per_sec);
}

static void parse_generic(struct cfg_ld *ld, json_t *o, const char *path, struct cfg_generic *g)
{
	static const char *const keys[] = {"enabled", "secret", "callback_url", NULL};
	int lax;

	cfg_check_keys(ld, o, path, keys);
	cfg_get_bool(ld, o, path, "enabled", 0, &g->enabled);
	lax = !g->enabled;
	cfg_get_str(ld, o, path, "secret", g->enabled ? "missing (required when enabled)" : NULL,
	            lax, &g->secret);
	if (cfg_get_str(ld, o, path, "callback_url", NULL, lax, &g->callback_url) == 0 &&
	    g->callback_url && !is_url(g->callback_url)) {
		char p[CFG_PATHLEN];

		cfg_path_key(p, path, "callback_url");
		cfg_problem(ld, p, "expected an http:// or https:// URL");
	}
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

/* CH is the "channels" object: the three channels known in full, then stubs. */
static void parse_channel_list(struct cfg_ld *ld, json_t *ch, struct cfg *c)
{
	json_t *v; /* borrowed */
	const char *key;
	char p[CFG_PATHLEN];
	size_t n = 0;

	json_object_foreach(ch, key, v)
	{
		if (key[0] != '_' && strcmp(key, "web") && strcmp(key, "telegram") &&
		    strcmp(key, "generic"))
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

static void parse_channels(struct cfg_ld *ld, json_t *root, struct cfg *c)
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
		cfg_problem(ld, "channels", "expected an object");
	set_default(ld, &c->telegram.mode, "polling");
	set_default(ld, &c->telegram.api_base, "https://api.telegram.org");
}

static void parse_top(struct cfg_ld *ld, json_t *root, struct cfg *c)
{
	static const char *const keys[] = {
	        "database", "listen",          "locale",          "timezone",
	        "bot_name", "session_minutes", "acceptance_days", "low_rating",
	        "staff",    "communities",     "catalogue",       "out_of_scope",
	        "channels", "tls_cert",        "tls_key",         NULL};

	cfg_check_keys(ld, root, "", keys);
	cfg_get_str(ld, root, "", "database", NULL, 0, &c->database);
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
	set_default(ld, &c->database, "concierge.db");
	set_default(ld, &c->listen, "127.0.0.1:8080");
	set_default(ld, &c->locale, "zh-CN");
	set_default(ld, &c->timezone, "Asia/Shanghai");
	set_default(ld, &c->bot_name, "concierge");
	cfg_get_int(ld, root, "", "session_minutes", 30, 1, INT_MAX, &c->session_minutes);
	cfg_get_int(ld, root, "", "acceptance_days", 3, 1, INT_MAX, &c->acceptance_days);
	cfg_get_int(ld, root, "", "low_rating", 2, 0, 5, &c->low_rating);

	parse_staff(ld, root, c);
	parse_communities(ld, root, c);
	parse_catalogue(ld, root, c);
	parse_out_of_scope(ld, root, c);
	parse_channels(ld, root, c);
}

int cfg_load(const char *path, struct cfg **out, char *err, size_t errlen)
{
	struct cfg_ld ld = {.file = path};
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
		if (jerr.line > 0)
			cfg_line(&ld, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		else
			cfg_problem(&ld, NULL, "%s", jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		cfg_problem(&ld, NULL, "expected a JSON object at the top level");
		goto out;
	}
	c = cfg_calloc(&ld, 1, sizeof(*c));
	if (!c)
		goto out;
	c->path = cfg_strdup(&ld, path);
	parse_top(&ld, root, c);
	if (ld.n == 0 && !ld.oom) {
		*out = c;
		c = NULL;
		rc = 0;
	}
out:
	if (rc < 0)
		cfg_report(&ld, err, errlen);
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
		free(it->price_en);
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
