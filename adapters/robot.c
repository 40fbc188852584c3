/*
 * robot.c - what the webhook robots have in common; see robot.h.
 *
 * The platforms differ in their bodies, signatures and codes, which stay in
 * their adapters (wecom_robot.c, dingtalk.c, feishu.c). What a robot can show
 * of an outbox payload, how a long text is cut, how channels.NAME lists
 * robots by webhook URL, and how an answer's code becomes a verdict are the
 * same for all of them, and are here.
 */
#include "adapters/robot.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lib/ratelimit.h"
#include "lib/utf8.h"

#define ROBOT_DEFAULT_CHAT    "group" /* a channel's one robot needs no name */
#define ROBOT_RETRY_AFTER_MAX 86400
#define ROBOT_CHAT_MAX        64

static int robot_fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return -1;
}

/* ---- the message ------------------------------------------------------------------ */

static int word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* 1 when WORD stands in TEXT on its own ("/accept 261127-001", not inside "...-0012"). */
static int has_word(const char *text, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = strstr(text, word); n && p; p = strstr(p + 1, word))
		if ((p == text || !word_char(p[-1]) || !word_char(word[0])) &&
		    (!word_char(p[n]) || !word_char(word[n - 1])))
			return 1;
	return 0;
}

static int blank(char c)
{
	return c == '\n' || c == '\r' || c == ' ' || c == '\t';
}

/*
 * The text, then the commands of the buttons it does not spell out, then the
 * other buttons - answers the dialog takes by what they say ("确认提交", "5")
 * - by their labels in brackets on one line, as WeChat shows them. A choice
 * is never left out for appearing in the text: "1 到 5 分" is no list of the
 * five. 0, or -1 with ERR.
 */
static int read_text(json_t *root, struct buf *b, char *err, size_t errlen)
{
	json_t *text = json_object_get(root, "text");       /* borrowed */
	json_t *buttons = json_object_get(root, "buttons"); /* borrowed */
	json_t *btn;                                        /* borrowed */
	const char *s, *d, *label;
	size_t len, i;
	int first = 1, choices = 0;

	if (!json_is_string(text))
		return robot_fail(err, errlen, "payload: no text");
	if (buttons && !json_is_null(buttons) && !json_is_array(buttons))
		return robot_fail(err, errlen, "payload: buttons is not a list");
	s = json_string_value(text);
	len = json_string_length(text);
	while (len > 0 && blank(s[len - 1]))
		len--;
	while (len > 0 && (s[0] == '\n' || s[0] == '\r')) {
		s++;
		len--;
	}
	buf_addn(b, s, len);
	json_array_foreach(buttons, i, btn)
	{
		d = json_string_value(json_object_get(btn, "data"));
		if (d && *d && d[0] != '/')
			choices++;
		if (!d || d[0] != '/' || has_word(buf_str(b), d))
			continue;
		if (b->len)
			buf_add(b, first ? "\n\n" : "\n");
		buf_add(b, d);
		first = 0;
	}
	if (choices && b->len)
		buf_add(b, first ? "\n\n" : "\n");
	json_array_foreach(buttons, i, btn)
	{
		d = json_string_value(json_object_get(btn, "data"));
		label = json_string_value(json_object_get(btn, "label"));
		if (!d || !*d || d[0] == '/')
			continue;
		buf_add(b, "\xe3\x80\x90"); /* 【 */
		buf_add(b, label && *label ? label : d);
		buf_add(b, "\xe3\x80\x91"); /* 】 */
	}
	if (b->failed)
		return robot_fail(err, errlen, "payload: text too long");
	if (!b->len)
		return robot_fail(err, errlen, "payload: empty text");
	return 0;
}

/* A user ID or number as the platforms take them: nothing that could end a field or a tag. */
static int mention_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > ROBOT_MENTION_MAX)
		return 0;
	for (; *s; s++)
		if (!word_char(*s) && !strchr(".@:+", *s))
			return 0;
	return 1;
}

static int read_mentions(struct robot_msg *m, robot_mobile_fn mobile, char *err, size_t errlen)
{
	json_t *list = json_object_get(m->root, "mention"); /* borrowed */
	json_t *names = json_object_get(m->root, "names");  /* borrowed */
	json_t *v;                                          /* borrowed */
	struct robot_mention *r;
	const char *who;
	size_t i;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return robot_fail(err, errlen, "payload: mention is not a list of users");
	if (json_array_size(list) > ROBOT_MAX_MENTIONS)
		return robot_fail(err, errlen, "payload: more than 10 people to mention");
	json_array_foreach(list, i, v)
	{
		who = json_string_value(v);
		if (!who || !mention_ok(who))
			return robot_fail(err, errlen, "payload: mention is not a list of users");
		r = &m->mentions[m->nmentions++];
		memset(r, 0, sizeof(*r));
		r->name = json_string_value(json_object_get(names, who));
		if (r->name && (!*r->name || strlen(r->name) > ROBOT_NAME_MAX))
			r->name = NULL;
		if (strncmp(who, "tel:", 4) == 0) {
			r->who = who + 4;
			r->mobile = 1;
			if (!*r->who)
				return robot_fail(err, errlen,
				                  "payload: mention is not a list of users");
		} else if (strcmp(who, "@all") == 0 || strcmp(who, "all") == 0) {
			r->who = who;
			r->all = 1;
		} else {
			r->who = who;
			r->mobile = mobile && mobile(who);
		}
	}
	return 0;
}

int robot_msg_read(struct robot_msg *m, const char *payload, robot_mobile_fn mobile, char *err,
                   size_t errlen)
{
	memset(m, 0, sizeof(*m));
	buf_init(&m->text);
	m->root = payload ? json_loads(payload, 0, NULL) : NULL;
	if (!json_is_object(m->root))
		return robot_fail(err, errlen, "payload: not a JSON object");
	if (read_text(m->root, &m->text, err, errlen) < 0 ||
	    read_mentions(m, mobile, err, errlen) < 0)
		return -1;
	return 0;
}

void robot_msg_release(struct robot_msg *m)
{
	buf_release(&m->text);
	json_decref(m->root);
	memset(m, 0, sizeof(*m));
}

int robot_all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* ---- splitting ---------------------------------------------------------------------- */

/* The bytes S[0..K) take inside a JSON string (jansson's escapes; UTF-8 kept as it is). */
static size_t json_cost(const char *s, size_t k)
{
	size_t n = 0, i;
	unsigned char c;

	for (i = 0; i < k; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' ||
		    c == '\t')
			n += 2;
		else if (c < 0x20)
			n += 6; /* \u00XX */
		else
			n++;
	}
	return n;
}

int robot_split(const char *s, size_t len, size_t max, int json, int want, size_t *from, size_t *to)
{
	size_t pos = 0, end, i, k, brk, used, cost;
	int n = 0, have_brk;
	uint32_t cp;

	*from = *to = 0;
	while (pos < len) {
		have_brk = 0;
		brk = 0;
		used = 0;
		for (i = pos; i < len; i += k) {
			k = utf8_next(s + i, len - i, &cp);
			cost = json ? json_cost(s + i, k) : k;
			if (used + cost > max)
				break;
			if (s[i] == '\n' && used >= max / 2) {
				have_brk = 1;
				brk = i;
			}
			used += cost;
		}
		if (i >= len) {
			end = len;
		} else {
			if (s[i] == '\n') { /* the break right after a full part */
				have_brk = 1;
				brk = i;
			}
			end = have_brk ? brk : i;
			if (have_brk && end > pos && s[end - 1] == '\r')
				end--;
			if (end == pos) /* nothing fits (MAX below one character): take one */
				end = pos + utf8_next(s + pos, len - pos, &cp);
		}
		if (n == want) {
			*from = pos;
			*to = end;
		}
		n++;
		pos = end;
		while (pos < len && (s[pos] == '\n' || s[pos] == '\r'))
			pos++;
	}
	return n;
}

/* ---- signatures --------------------------------------------------------------------- */

int robot_sign(const void *key, size_t keylen, const void *msg, size_t msglen,
               char out[ROBOT_SIGN_LEN])
{
	static const unsigned char empty[1];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	out[0] = '\0';
	/* HMAC() wants non-NULL pointers even for empty data (Feishu signs an empty message) */
	if (keylen > INT32_MAX ||
	    !HMAC(EVP_sha256(), keylen ? key : empty, (int)keylen, msglen ? msg : empty, msglen, md,
	          &mdlen) ||
	    mdlen != 32)
		return -1;
	return EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen) == ROBOT_SIGN_LEN - 1 ? 0 : -1;
}

void robot_query_value(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	for (; *s; s++) {
		c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			buf_addc(b, (char)c);
		} else {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
}

/* ---- answers ------------------------------------------------------------------------ */

void robot_scrub(char *dst, size_t size, const char *src, const char *const *scrub)
{
	struct buf b = {0};
	const char *p, *hit, *best;
	size_t i, blen = 0;

	for (p = src;;) {
		best = NULL;
		/* the first occurrence of any of them, the longest at a tie */
		for (i = 0; scrub && scrub[i]; i++) {
			if (!*scrub[i] || !(hit = strstr(p, scrub[i])))
				continue;
			if (!best || hit < best || (hit == best && strlen(scrub[i]) > blen)) {
				best = hit;
				blen = strlen(scrub[i]);
			}
		}
		if (!best)
			break;
		if (best > p)
			buf_addn(&b, p, (size_t)(best - p));
		buf_add(&b, "<key>");
		p = best + blen;
	}
	if (*p)
		buf_add(&b, p);
	buf_copy(dst, size, b.failed ? "" : buf_str(&b));
	buf_release(&b);
}

static void say(char *dst, size_t size, const char *const *scrub, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void say(char *dst, size_t size, const char *const *scrub, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	robot_scrub(dst, size, tmp, scrub);
}

/* The platform's message without WeCom's tail (", hint: [...], from ip: ..., more info at ..."). */
static void platform_msg(json_t *root, const char *key, char *out, size_t len)
{
	char *hint;

	buf_copy(out, len, json_string_value(json_object_get(root, key)));
	hint = strstr(out, ", hint:");
	if (hint)
		*hint = '\0';
}

/* 1 when HAY has NEEDLE, in any case of ASCII letters. */
static int has_any_case(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i;

	for (; *hay; hay++) {
		for (i = 0; i < n && hay[i] &&
		            tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]);
		     i++)
			;
		if (i == n)
			return 1;
	}
	return n == 0;
}

static const struct robot_code *find_code(const struct robot_answers *ra, json_int_t code,
                                          const char *msg)
{
	size_t i;

	for (i = 0; i < ra->ncodes; i++)
		if (ra->codes[i].code == code &&
		    (!ra->codes[i].msg_has || has_any_case(msg, ra->codes[i].msg_has)))
			return &ra->codes[i];
	return NULL;
}

/* Seconds to wait: what the answer asked for, else DEF (0: the sender backs off). */
static int wait_for(long retry_after, int def)
{
	if (retry_after <= 0)
		return def;
	return retry_after > ROBOT_RETRY_AFTER_MAX ? ROBOT_RETRY_AFTER_MAX : (int)retry_after;
}

void robot_classify(const struct robot_answers *ra, const char *const *scrub, const char *label,
                    long status, const char *resp, size_t len, long retry_after, const char *neterr,
                    struct adapter_verdict *v)
{
	const struct robot_code *rc = NULL;
	json_t *root = NULL, *ec; /* root owned, ec borrowed */
	json_int_t code = 0;
	char msg[160], robot[96] = "";

	memset(v, 0, sizeof(*v));
	v->scope = ra->scope;
	if (label && *label)
		snprintf(robot, sizeof(robot), " (robot %s)", label);
	if (status <= 0) {
		v->outcome = ADAPTER_RETRY;
		say(v->error, sizeof(v->error), scrub, "network: %s",
		    neterr && *neterr ? neterr : "no answer");
		return;
	}
	root = resp && len ? json_loadb(resp, len, 0, NULL) : NULL;
	if (!json_is_object(root)) {
		json_decref(root);
		root = NULL;
	}
	platform_msg(root, ra->msg_key, msg, sizeof(msg));
	ec = json_object_get(root, ra->code_key);
	if (json_is_integer(ec)) {
		code = json_integer_value(ec);
		rc = find_code(ra, code, msg);
	}
	if (status == 429) {
		v->outcome = ADAPTER_RATE_LIMITED;
		v->retry_after = wait_for(retry_after, ra->wait_s);
		say(v->error, sizeof(v->error), scrub, "HTTP 429: %s",
		    *msg ? msg : "too many requests");
		goto done;
	}
	if (status >= 500 || status == 408) {
		v->outcome = ADAPTER_RETRY;
		say(v->error, sizeof(v->error), scrub, "HTTP %ld%s%s", status, *msg ? ": " : "",
		    msg);
		goto done;
	}
	if ((status < 200 || status >= 300) && (!rc || code == 0)) {
		v->outcome = ADAPTER_DEAD;
		say(v->error, sizeof(v->error), scrub, "HTTP %ld%s%s", status, *msg ? ": " : "",
		    msg);
		goto done;
	}
	if (!json_is_integer(ec)) {
		/* a proxy's page, or a cut answer: the platform did not say no */
		v->outcome = ADAPTER_RETRY;
		say(v->error, sizeof(v->error), scrub, "HTTP %ld: %s%s", status,
		    root ? "the answer has no " : "the answer is not JSON",
		    root ? ra->code_key : "");
		goto done;
	}
	if (!*msg)
		snprintf(msg, sizeof(msg), "no %s", ra->msg_key);
	if (code == 0) {
		v->outcome = ADAPTER_SENT;
		say(v->error, sizeof(v->error), scrub, "HTTP %ld", status);
		buf_copy(v->state, sizeof(v->state), "on");
		goto done;
	}
	v->outcome = rc ? rc->outcome : ADAPTER_DEAD;
	if (v->outcome == ADAPTER_RATE_LIMITED)
		v->retry_after = wait_for(retry_after, rc->wait_s);
	if (v->outcome == ADAPTER_REFUSED)
		say(v->state, sizeof(v->state), scrub, "error: %" JSON_INTEGER_FORMAT " %s%s", code,
		    msg, robot);
	say(v->error, sizeof(v->error), scrub, "%s %" JSON_INTEGER_FORMAT ": %s%s", ra->code_key,
	    code, msg, robot);
done:
	json_decref(root);
}

/* ---- robots by webhook URL -------------------------------------------------------------- */

/* A chat's name, typed in staff_chats and read in /healthz: plain, like staff IDs. */
static int chat_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > ROBOT_CHAT_MAX)
		return 0;
	for (; *s; s++)
		if (!word_char(*s) && *s != '.')
			return 0;
	return 1;
}

/* A signing secret goes into an HMAC as it is: printable, no spaces a paste brought along. */
static int secret_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 0;
	return 1;
}

struct hooks_ud {
	const struct robot_platform *pf;
	int lax;
};

static void read_hook(struct cfg_ld *ld, json_t *o, const char *path, void *elem, void *ud)
{
	static const char *const keys[] = {"chat", "webhook", "secret", NULL};
	const struct hooks_ud *h = ud;
	struct robot_hook *r = elem;
	char p[CFG_PATHLEN], why[200];

	cfg_check_keys(ld, o, path, keys);
	if (cfg_get_id(ld, o, path, "chat", NULL, 0, &r->chat) == 0 && r->chat &&
	    !chat_ok(r->chat)) {
		cfg_path_key(p, path, "chat");
		cfg_problem(ld, p, "1-64 characters of A-Za-z0-9_.-");
	}
	cfg_default(ld, &r->chat, ROBOT_DEFAULT_CHAT);
	if (cfg_get_str(ld, o, path, "webhook", h->lax ? NULL : "missing (the robot's URL)", h->lax,
	                &r->url) == 0 &&
	    r->url && h->pf->check_url(r->url, &r->token, why, sizeof(why)) < 0) {
		cfg_path_key(p, path, "webhook");
		cfg_problem(ld, p, "%s, like %s", why, h->pf->url_example);
	}
	if (cfg_get_str(ld, o, path, "secret", NULL, h->lax, &r->secret) == 0 && r->secret &&
	    !secret_ok(r->secret)) {
		cfg_path_key(p, path, "secret");
		cfg_problem(ld, p, "must not contain spaces or control characters");
	}
}

/* Chats name one robot each; a switched-on channel has at least one. */
static void check_hooks(struct cfg_ld *ld, const char *path, struct robot_conf *c, int enabled)
{
	char p[CFG_PATHLEN], key[CFG_PATHLEN], elem[CFG_PATHLEN];
	size_t i, j;

	cfg_path_key(key, path, "robots");
	for (i = 0; i < c->nhooks; i++) {
		for (j = 0; j < i; j++) {
			if (!c->hooks[i].chat || !c->hooks[j].chat ||
			    strcmp(c->hooks[i].chat, c->hooks[j].chat) != 0)
				continue;
			cfg_path_idx(elem, key, i);
			cfg_path_key(p, elem, "chat");
			cfg_problem(ld, p,
			            "\"%s\" already used by robots[%zu] (each robot is a chat "
			            "of its own)",
			            c->hooks[i].chat, j);
			break;
		}
	}
	if (enabled && !c->nhooks)
		cfg_problem(ld, key, "missing (at least one robot, required when enabled)");
}

/* Every token and secret, for robot_scrub(). */
static void collect_scrub(struct cfg_ld *ld, struct robot_conf *c)
{
	size_t i, n = 0;

	c->scrub = cfg_calloc(ld, 2 * c->nhooks + 1, sizeof(*c->scrub));
	for (i = 0; c->scrub && i < c->nhooks; i++) {
		if (c->hooks[i].token)
			c->scrub[n++] = c->hooks[i].token;
		if (c->hooks[i].secret)
			c->scrub[n++] = c->hooks[i].secret;
	}
}

void robot_config(struct cfg_ld *ld, json_t *o, const char *path, int *enabled, void **conf,
                  const struct robot_platform *pf)
{
	static const char *const keys[] = {"enabled", "robots", "per_minute", NULL};
	struct robot_conf *c = cfg_calloc(ld, 1, sizeof(*c));
	struct hooks_ud ud = {.pf = pf};

	*conf = c;
	*enabled = 0;
	if (!c)
		return;
	c->pf = pf;
	c->per_minute = pf->per_minute;
	o = adapter_config_open(ld, o, path, keys, enabled, &ud.lax);
	if (o) {
		c->hooks = cfg_get_objv(ld, o, path, "robots", NULL, sizeof(*c->hooks), &c->nhooks,
		                        read_hook, &ud);
		check_hooks(ld, path, c, *enabled);
		cfg_get_int(ld, o, path, "per_minute", pf->per_minute, 1, pf->per_minute,
		            &c->per_minute);
	}
	collect_scrub(ld, c);
}

void robot_config_free(void *conf)
{
	struct robot_conf *c = conf;
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nhooks; i++) {
		free(c->hooks[i].chat);
		free(c->hooks[i].url);
		free(c->hooks[i].token);
		free(c->hooks[i].secret);
	}
	free(c->hooks);
	free(c->scrub);
	free(c);
}

const struct robot_hook *robot_hook_find(const struct robot_conf *c, const char *chat)
{
	size_t i;

	for (i = 0; chat && i < c->nhooks; i++)
		if (c->hooks[i].url && strcmp(c->hooks[i].chat, chat) == 0)
			return &c->hooks[i];
	return NULL;
}

const char *robot_staff_chat(const struct chan *ch)
{
	const struct robot_conf *c = ch->conf;
	size_t i;

	for (i = 0; ch->enabled && i < c->nhooks; i++)
		if (c->hooks[i].url)
			return c->hooks[i].chat;
	return NULL;
}

int robot_can_send(const struct chan *ch)
{
	return robot_staff_chat(ch) != NULL;
}

const char *robot_base_state(const struct chan *ch)
{
	(void)ch;
	return "on";
}

void robot_limits(const struct chan *ch, struct ratelimit_limits *l)
{
	const struct robot_conf *c = ch->conf;

	*l = (struct ratelimit_limits){
	        .per_chat_per_sec = c->pf->per_second,
	        .margin_ms = c->pf->margin_ms,
	        .per_chat_per_min = c->per_minute,
	};
}

void robot_health(struct chan *ch, json_t *obj)
{
	const struct robot_conf *c = ch->conf;
	json_t *list = json_array(); /* owned until set */
	size_t i;

	for (i = 0; list && i < c->nhooks; i++)
		if (c->hooks[i].url)
			json_array_append_new(list, json_string(c->hooks[i].chat));
	json_object_set_new(obj, "robots", list ? list : json_null());
}

void robot_conf_classify(const struct chan *ch, const struct adapter_call *call, long status,
                         const char *resp, size_t len, long retry_after, const char *neterr,
                         struct adapter_verdict *v)
{
	const struct robot_conf *c = ch->conf;
	const char *label = NULL;
	size_t i, n;

	/* the robot whose URL the call went to (the longest match: one URL may start another) */
	for (i = 0, n = 0; call && call->url && i < c->nhooks; i++) {
		const struct robot_hook *h = &c->hooks[i];

		if (h->url && strncmp(call->url, h->url, strlen(h->url)) == 0 &&
		    strlen(h->url) > n) {
			n = strlen(h->url);
			label = h->chat;
		}
	}
	robot_classify(c->pf->answers, c->scrub, label, status, resp, len, retry_after, neterr, v);
}
