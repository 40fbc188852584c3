/*
 * link.c - one resident across channels.
 *
 * A person who talks to the centre on two channels is first two residents,
 * one per identity. They become one when the resident on channel B shows
 * they also control the chat on channel A: B gives the phone number A saved
 * (`/link PHONE`, or simply in a request), a 6-digit code goes to A's chat,
 * and B types it. The code comes from the OpenSSL RNG, is kept only as a
 * salted SHA-256, is good for 10 minutes and 5 tries, after which linking
 * is locked for an hour (store_link.c keeps the count). B never learns
 * whether the number is known: the answer is the same either way, and an
 * unknown or unreachable number gets a code nobody can type (a decoy) so
 * that wrong tries and the lock look alike too.
 *
 * Once linked, the resident's orders point at the chat they last wrote
 * from, or at the channel they chose with `/notify`, so every notice goes
 * there; a question waiting for their answer (is the work done, a rating)
 * follows them to the chat they answer from. A notice the platform refused
 * for good is sent again on their next channel (link_fallback(), called by
 * the sender). `/unlink` detaches the chat it is said in.
 */
#include "bot/link.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/cmd.h"
#include "lib/log.h"
#include "lib/secret.h"
#include "dialogs/validate.h"
#include "store/store_link.h"

#define LINK_MAX_IDS 16 /* identities looked at for one resident */

/* Where a resident's notices go: a chat on a channel. */
struct link_route {
	char channel[16];
	char chat[96];
	char user[96];
};

/* ---- codes ---------------------------------------------------------------------------- */

static void hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* SHA-256 of SALT and TEXT, in hex (65 bytes). 0, or -1. */
static int code_hash(const char *salt, const char *text, char out[65])
{
	unsigned char md[32];
	unsigned int len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	         EVP_DigestUpdate(ctx, salt, strlen(salt)) == 1 &&
	         EVP_DigestUpdate(ctx, ":", 1) == 1 &&
	         EVP_DigestUpdate(ctx, text, strlen(text)) == 1 &&
	         EVP_DigestFinal_ex(ctx, md, &len) == 1 && len == sizeof(md);

	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	hex(md, sizeof(md), out);
	return 0;
}

/* A fresh code (6 digits), a salt and the hash of both; for a decoy a hash nobody can type. */
static int code_new(int decoy, char code[8], char salt[40], char hash[72])
{
	unsigned char b[16];
	uint32_t v;

	/* Below 4294000000 every residue modulo a million is equally likely. */
	do {
		if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
			return -1;
	} while (v >= 4294000000u);
	snprintf(code, 8, "%06u", (unsigned)(v % 1000000u));
	if (RAND_bytes(b, sizeof(b)) != 1)
		return -1;
	hex(b, sizeof(b), salt);
	if (decoy) {
		char other[40];

		if (RAND_bytes(b, sizeof(b)) != 1)
			return -1;
		hex(b, sizeof(b), other); /* 32 characters: never a 6-digit code */
		return code_hash(salt, other, hash);
	}
	return code_hash(salt, code, hash);
}

/* TEXT is a code as people type it ("123456", "123 456"): its 6 digits into OUT. */
static int code_typed(const char *text, char out[8])
{
	size_t n = 0;

	for (; *text; text++) {
		if (*text == ' ')
			continue;
		if (*text < '0' || *text > '9' || n == 6)
			return 0;
		out[n++] = *text;
	}
	out[n] = '\0';
	return n == 6;
}

/* ---- where a resident is -------------------------------------------------------------- */

struct pick {
	const struct cfg *cfg;
	const char *prefer; /* a channel, or "" (points at PREFER_BUF) */
	char prefer_buf[16];
	const char *here_channel; /* this identity wins over older ones, or NULL */
	const char *here_user;
	const char *tried; /* "channel\tchat\n" lines to leave out, or NULL */
	struct link_route best, preferred, here;
	int has_best, has_preferred, has_here;
	int n; /* identities in all */
	struct store_identity ids[LINK_MAX_IDS];
	int nids;
};

static int tried_has(const char *tried, const char *channel, const char *chat)
{
	size_t clen = strlen(channel), tlen = strlen(chat);
	const char *line = tried;

	/* TRIED is "channel\tchat\n" lines. */
	while (line && *line) {
		if (strncmp(line, channel, clen) == 0 && line[clen] == '\t' &&
		    strncmp(line + clen + 1, chat, tlen) == 0 && line[clen + 1 + tlen] == '\n')
			return 1;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return 0;
}

static void route_of(const struct store_identity *id, struct link_route *r)
{
	buf_copy(r->channel, sizeof(r->channel), id->channel);
	buf_copy(r->chat, sizeof(r->chat), id->chat);
	buf_copy(r->user, sizeof(r->user), id->user);
}

static int pick_each(const struct store_identity *id, void *ud)
{
	struct pick *p = ud;

	p->n++;
	if (p->nids < LINK_MAX_IDS)
		p->ids[p->nids++] = *id;
	if (!id->chat[0] || !cfg_chan_on(p->cfg, id->channel) ||
	    tried_has(p->tried, id->channel, id->chat))
		return 0;
	if (!p->has_best) { /* the one written from last comes first */
		route_of(id, &p->best);
		p->has_best = 1;
	}
	if (*p->prefer && !p->has_preferred && strcmp(id->channel, p->prefer) == 0) {
		route_of(id, &p->preferred);
		p->has_preferred = 1;
	}
	if (p->here_channel && strcmp(id->channel, p->here_channel) == 0 &&
	    strcmp(id->user, p->here_user) == 0) {
		route_of(id, &p->here);
		p->has_here = 1;
	}
	return 0;
}

/*
 * Reads RESIDENT's identities into P and chooses where notices go: the
 * preferred channel, else the identity HERE (the one writing now), else the
 * one written from last; only chats known on channels that are on and not
 * in TRIED. 1 (*OUT set), 0 nowhere, <0 error.
 */
static int pick_route(struct store *s, const struct cfg *cfg, int64_t resident, struct pick *p,
                      struct link_route *out)
{
	struct store_resident_link l;
	int rc;

	p->cfg = cfg;
	p->prefer = "";
	rc = store_resident_link_get(s, resident, &l);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		buf_copy(p->prefer_buf, sizeof(p->prefer_buf), l.notify_channel);
		p->prefer = p->prefer_buf;
	}
	if (store_identities_list(s, resident, pick_each, p) < 0)
		return -1;
	if (p->has_preferred)
		*out = p->preferred;
	else if (p->has_here)
		*out = p->here;
	else if (p->has_best)
		*out = p->best;
	else
		return 0;
	return 1;
}

static void pick_init(struct pick *p, const struct cfg *cfg, const char *here_channel,
                      const char *here_user, const char *tried)
{
	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
	p->prefer = "";
	p->here_channel = here_channel;
	p->here_user = here_user;
	p->tried = tried;
}

/* The channels of P's identities, each once, as people read a list. */
static void channel_list(const struct pick *p, int lang, const char *leave_out, char *out,
                         size_t len)
{
	struct buf b;
	int i, j, n = 0;

	buf_init(&b);
	for (i = 0; i < p->nids; i++) {
		if (leave_out && strcmp(p->ids[i].channel, leave_out) == 0)
			continue;
		for (j = 0; j < i; j++)
			if (strcmp(p->ids[j].channel, p->ids[i].channel) == 0)
				break;
		if (j < i)
			continue;
		if (n++)
			buf_add(&b, lang == DLG_EN ? ", " : "、");
		buf_add(&b, p->ids[i].channel);
	}
	buf_copy(out, len, b.failed ? "" : buf_str(&b));
	buf_release(&b);
}

/* ---- a question that waits for an answer follows the resident -------------------------- */

/* Is there a dialog in progress at (CHANNEL, CHAT, USER)? 1 yes (its flow in FLOW), 0, <0. */
static int session_flow(struct core *c, const char *channel, const char *chat, const char *user,
                        int64_t now, char *flow, size_t flowlen, char **json, int64_t *updated)
{
	struct dlg_state st;
	int rc = store_session_get(c->store, channel, chat, user, json, updated);

	if (rc <= 0)
		return rc;
	dlg_state_from_json(*json, &st);
	buf_copy(flow, flowlen, st.flow);
	rc = st.flow[0] && !core_session_expired(c, &st, *updated, now);
	dlg_state_release(&st);
	return rc;
}

/*
 * The resident writes here while the acceptance question (is it done, a
 * rating, a comment) waits in the chat of another of their channels: it
 * moves here, unless a conversation is going on here already.
 */
static int follow_question(struct core_req *r, const struct pick *p)
{
	char flow[32], *json = NULL;
	int64_t updated = 0;
	int i, rc;

	rc = session_flow(r->c, r->in->channel, r->in->chat, r->in->user, r->now, flow,
	                  sizeof(flow), &json, &updated);
	free(json);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	for (i = 0; i < p->nids; i++) {
		const struct store_identity *id = &p->ids[i];

		json = NULL;
		if (!id->chat[0] || (strcmp(id->channel, r->in->channel) == 0 &&
		                     strcmp(id->user, r->in->user) == 0))
			continue;
		rc = session_flow(r->c, id->channel, id->chat, id->user, r->now, flow, sizeof(flow),
		                  &json, &updated);
		if (rc == 1 && strcmp(flow, "accept") == 0) {
			rc = store_session_put(r->c->store, r->in->channel, r->in->chat,
			                       r->in->user, json, updated);
			if (rc == 0)
				rc = store_session_delete(r->c->store, id->channel, id->chat,
				                          id->user);
			free(json);
			return rc;
		}
		free(json);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int core_link_seen(struct core_req *r)
{
	struct link_route to;
	struct pick *p;
	int rc;

	if (r->staff || !r->resident.id)
		return 0;
	/* In a group the chat is everyone's: the private one stays as it was known. */
	if (store_identity_seen(r->c->store, r->in->channel, r->in->user,
	                        r->group ? "" : r->in->chat, r->now) < 0)
		return -1;
	p = malloc(sizeof(*p));
	if (!p)
		return -1;
	pick_init(p, r->c->cfg, r->in->channel, r->in->user, NULL);
	rc = pick_route(r->c->store, r->c->cfg, r->resident.id, p, &to);
	/* One chat: its orders already point at it. */
	if (rc == 1 && p->n > 1)
		rc = store_orders_repoint(r->c->store, r->resident.id, to.channel, to.chat,
		                          to.user) < 0
		             ? -1
		             : 0;
	if (rc >= 0 && p->n > 1 && !r->group)
		rc = follow_question(r, p);
	free(p);
	return rc < 0 ? -1 : 0;
}

int core_link_elsewhere(struct core *c, const struct store_order *o, char *channel, size_t chlen,
                        char *chat, size_t chatlen)
{
	struct link_route to;
	struct pick *p;
	int rc;

	if (!o->resident_id)
		return 0;
	p = malloc(sizeof(*p));
	if (!p)
		return -1;
	pick_init(p, c->cfg, NULL, NULL, NULL);
	rc = pick_route(c->store, c->cfg, o->resident_id, p, &to);
	if (rc == 1 && strcmp(to.channel, o->channel) == 0 && strcmp(to.chat, o->chat) == 0)
		rc = 0;
	if (rc == 1) {
		buf_copy(channel, chlen, to.channel);
		buf_copy(chat, chatlen, to.chat);
	}
	free(p);
	return rc;
}

/* ---- asking for a code ------------------------------------------------------------------ */

struct target {
	struct core *c;
	int64_t self;
	int64_t id;
	struct link_route to;
};

static int pick_target(int64_t id, void *ud)
{
	struct target *t = ud;
	struct pick *p;
	int rc;

	if (id == t->self)
		return 0;
	p = malloc(sizeof(*p));
	if (!p)
		return -1;
	pick_init(p, t->c->cfg, NULL, NULL, NULL);
	rc = pick_route(t->c->store, t->c->cfg, id, p, &t->to);
	free(p);
	if (rc < 0)
		return -1;
	if (rc == 1)
		t->id = id;
	return rc;
}

/* " (0571-88886666)" or "（0571-88886666）", or "" when the centre has no phone. */
static void centre_phone(struct core *c, int lang, char *out, size_t len)
{
	const char *p = c->cfg->communities[0].phone;

	if (!p || !*p)
		out[0] = '\0';
	else
		snprintf(out, len, lang == DLG_EN ? " (%s)" : "（%s）", p);
}

static int reply_locked(struct core_req *r, int64_t until)
{
	char when[64];
	const char *args[1] = {when};

	cmd_format_when(r->lang, until, "", when, sizeof(when));
	return core_reply_msg(r, M_LINK_LOCKED, args, 1);
}

/*
 * The resident said PHONE is theirs: a code goes to the chat of another
 * resident who saved it (if there is one that can be reached). EXPLICIT:
 * they asked (/link) and are answered; otherwise it came with a request and
 * they hear nothing of it here - the person who reads the other chat does.
 */
static int link_request(struct core_req *r, const char *phone, int explicit)
{
	struct target t;
	char code[8], salt[40], hash[72], masked[32], part[96];
	const char *args[3];
	struct buf b;
	int64_t until = 0;
	int rc;

	memset(&t, 0, sizeof(t));
	t.c = r->c;
	t.self = r->resident.id;
	if (store_residents_with_phone(r->c->store, phone, pick_target, &t) < 0)
		return -1;
	if (code_new(!t.id, code, salt, hash) < 0) {
		log_error("link: no random numbers for a code");
		return -1;
	}
	rc = store_link_issue(r->c->store, r->resident.id, t.id, salt, hash, r->now, &until);
	if (rc < 0)
		return -1;
	if (rc == STORE_LINK_LOCKED)
		return explicit ? reply_locked(r, until) : 0;
	log_info("link: resident %lld on %s asked for a code (%s)", (long long)r->resident.id,
	         r->in->channel, explicit ? "command" : "request");
	if (t.id) {
		struct store_resident a;
		int lang = dlg_lang_from_hint(r->c->cfg->locale, DLG_ZH);

		if (store_resident_get(r->c->store, t.id, &a) == 1 && a.lang[0])
			lang = dlg_lang_from_hint(a.lang, lang);
		dlg_mask_phone(phone, masked, sizeof(masked));
		args[0] = r->in->channel;
		args[1] = masked;
		args[2] = code;
		buf_init(&b);
		buf_tpl(&b, dlg_msg(lang, M_LINK_CODE), args, 3);
		rc = b.failed ? -1
		              : core_send(r->c, t.to.channel, t.to.chat, buf_str(&b), NULL, 0,
		                          r->now);
		buf_release(&b);
		if (rc < 0)
			return -1;
	}
	if (!explicit)
		return 0;
	centre_phone(r->c, r->lang, part, sizeof(part));
	args[0] = part;
	return core_reply_msg(r, M_LINK_SENT, args, 1);
}

int core_link_offer(struct core_req *r, const char *old_phone)
{
	struct pick *p;
	int n;

	if (r->staff || !r->resident.id || !r->resident.phone[0] ||
	    strcmp(old_phone ? old_phone : "", r->resident.phone) == 0)
		return 0;
	p = malloc(sizeof(*p));
	if (!p)
		return -1;
	pick_init(p, r->c->cfg, NULL, NULL, NULL);
	n = store_identities_list(r->c->store, r->resident.id, pick_each, p) < 0 ? -1 : p->n;
	free(p);
	if (n < 0)
		return -1;
	/* Linked already: the number is theirs on every channel. */
	return n > 1 ? 0 : link_request(r, r->resident.phone, 0);
}

/* ---- typing it -------------------------------------------------------------------------- */

/* Tells the resident's other chats that CHANNEL joined them. */
static int tell_others(struct core_req *r, const struct pick *p)
{
	const char *args[1] = {r->in->channel};
	struct buf b;
	int i, j, rc = 0;

	buf_init(&b);
	buf_tpl(&b, dlg_msg(dlg_lang_from_hint(r->resident.lang, r->lang), M_LINK_DONE_OTHER), args,
	        1);
	for (i = 0; rc == 0 && !b.failed && i < p->nids; i++) {
		const struct store_identity *id = &p->ids[i];

		if (!id->chat[0] || !cfg_chan_on(r->c->cfg, id->channel) ||
		    (strcmp(id->channel, r->in->channel) == 0 &&
		     strcmp(id->chat, r->in->chat) == 0))
			continue;
		for (j = 0; j < i; j++) /* one chat hears it once */
			if (strcmp(p->ids[j].channel, id->channel) == 0 &&
			    strcmp(p->ids[j].chat, id->chat) == 0)
				break;
		if (j == i)
			rc = core_send(r->c, id->channel, id->chat, buf_str(&b), NULL, 0, r->now);
	}
	if (b.failed)
		rc = -1;
	buf_release(&b);
	return rc;
}

/* The code was right: resident TARGET takes this one in. */
static int link_merge(struct core_req *r, int64_t target)
{
	struct link_route to;
	struct pick *p;
	char detail[256], list[256];
	const char *args[1] = {list};
	int64_t self = r->resident.id;
	int rc;

	snprintf(detail, sizeof(detail), "resident:%lld on %s linked by a confirmation code",
	         (long long)self, r->in->channel);
	rc = store_residents_merge(r->c->store, target, self, r->now, r->actor, r->in->channel,
	                           "linked", detail);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		log_warn("link: resident %lld into %lld: %s", (long long)self, (long long)target,
		         store_errmsg(r->c->store));
		return core_reply_msg(r, M_LINK_FAILED, NULL, 0);
	}
	log_info("link: resident %lld on %s merged into resident %lld", (long long)self,
	         r->in->channel, (long long)target);
	if (store_resident_get(r->c->store, target, &r->resident) != 1)
		return -1;
	snprintf(r->actor, sizeof(r->actor), "resident:%lld", (long long)target);
	p = malloc(sizeof(*p));
	if (!p)
		return -1;
	pick_init(p, r->c->cfg, r->in->channel, r->in->user, NULL);
	rc = pick_route(r->c->store, r->c->cfg, target, p, &to);
	if (rc == 1)
		rc = store_orders_repoint(r->c->store, target, to.channel, to.chat, to.user) < 0
		             ? -1
		             : 0;
	channel_list(p, r->lang, NULL, list, sizeof(list));
	if (rc == 0)
		rc = core_reply_msg(r, M_LINK_DONE, args, 1);
	if (rc == 0)
		rc = tell_others(r, p);
	free(p);
	return rc;
}

/* TYPED (6 digits) is the resident's try at their code. */
static int link_check(struct core_req *r, const char *typed)
{
	struct store_link_code code;
	char hash[72], left_s[16];
	const char *args[1] = {left_s};
	int64_t until = 0;
	int state, left, match;

	state = store_link_state(r->c->store, r->resident.id, r->now, &code);
	if (state < 0)
		return -1;
	if (state == STORE_LINK_NONE)
		return core_reply_msg(r, M_LINK_NONE, NULL, 0);
	if (state == STORE_LINK_LOCKED)
		return reply_locked(r, code.locked_until);
	if (state == STORE_LINK_EXPIRED)
		return core_reply_msg(r, M_LINK_EXPIRED, NULL, 0);
	if (code_hash(code.salt, typed, hash) < 0)
		return -1;
	match = secret_equal(hash, 64, code.hash, strlen(code.hash)) && code.target_id != 0;
	if (match) {
		if (store_link_forget(r->c->store, r->resident.id) < 0)
			return -1;
		return link_merge(r, code.target_id);
	}
	left = store_link_wrong(r->c->store, r->resident.id, r->now, &until);
	if (left < 0)
		return -1;
	if (left == 0) {
		log_warn("link: resident %lld on %s: too many wrong codes, locked",
		         (long long)r->resident.id, r->in->channel);
		return reply_locked(r, until);
	}
	snprintf(left_s, sizeof(left_s), "%d", left);
	return core_reply_msg(r, M_LINK_WRONG, args, 1);
}

int core_link_typed(struct core_req *r, const char *text)
{
	struct store_link_code code;
	char typed[8];
	int state;

	if (r->staff || r->group || !r->resident.id || !code_typed(text, typed))
		return 0;
	state = store_link_state(r->c->store, r->resident.id, r->now, &code);
	if (state < 0)
		return -1;
	/* Six digits are a code only while one is expected (or was, lately). */
	if (state == STORE_LINK_NONE ||
	    (state == STORE_LINK_EXPIRED && r->now - code.expires_at > 86400))
		return 0;
	return link_check(r, typed) < 0 ? -1 : 1;
}

/* ---- the commands ------------------------------------------------------------------------ */

/* Only residents link, and not where neighbours read along. 1 go on, 0 answered, <0. */
static int resident_private(struct core_req *r)
{
	if (r->staff)
		return core_reply_msg(r, M_LINK_RESIDENTS, NULL, 0) < 0 ? -1 : 0;
	if (r->group && core_go_private(r, 0) < 0)
		return -1;
	return 1;
}

int cmd_link_exec(struct core_req *r, struct cmd_args *a)
{
	char typed[8], phone[32];
	int rc = resident_private(r);

	if (rc <= 0)
		return rc;
	if (a->argc < 1 || !a->argv[0][0])
		return core_reply_msg(r, M_LINK_USAGE, NULL, 0);
	if (code_typed(a->argv[0], typed))
		return link_check(r, typed);
	if (dlg_norm_phone(a->argv[0], phone, sizeof(phone)) != 0)
		return core_reply_msg(r, M_LINK_USAGE, NULL, 0);
	return link_request(r, phone, 1);
}

int cmd_unlink_exec(struct core_req *r, struct cmd_args *a)
{
	struct link_route to;
	struct pick *p;
	char list[256], detail[160];
	const char *args[1] = {list};
	int64_t old = r->resident.id, fresh = 0;
	int rc = resident_private(r);

	(void)a;
	if (rc <= 0)
		return rc;
	p = malloc(sizeof(*p));
	if (!p)
		return -1;
	pick_init(p, r->c->cfg, NULL, NULL, NULL);
	rc = store_identities_list(r->c->store, old, pick_each, p);
	if (rc == 0 && p->n < 2)
		rc = 1;
	channel_list(p, r->lang, r->in->channel, list, sizeof(list));
	free(p);
	if (rc == 1)
		return core_reply_msg(r, M_UNLINK_NONE, NULL, 0);
	if (rc < 0 ||
	    store_identity_detach(r->c->store, r->in->channel, r->in->user, r->now, &fresh) != 1)
		return -1;
	snprintf(detail, sizeof(detail), "%s detached into resident:%lld", r->in->channel,
	         (long long)fresh);
	if (store_resident_event_add(r->c->store, old, fresh, r->now, r->actor, r->in->channel,
	                             "unlinked", detail) < 0 ||
	    store_resident_event_add(r->c->store, fresh, old, r->now, r->actor, r->in->channel,
	                             "detached_from", detail) < 0)
		return -1;
	/* The orders stay with the resident; their notices leave this chat. */
	p = malloc(sizeof(*p));
	if (!p)
		return -1;
	pick_init(p, r->c->cfg, NULL, NULL, NULL);
	rc = pick_route(r->c->store, r->c->cfg, old, p, &to);
	if (rc == 1)
		rc = store_orders_repoint_from(r->c->store, old, r->in->channel, r->in->chat,
		                               to.channel, to.chat, to.user) < 0
		             ? -1
		             : 0;
	free(p);
	if (rc < 0 || store_resident_get(r->c->store, fresh, &r->resident) != 1)
		return -1;
	snprintf(r->actor, sizeof(r->actor), "resident:%lld", (long long)fresh);
	log_info("link: %s detached from resident %lld into %lld", r->in->channel, (long long)old,
	         (long long)fresh);
	return core_reply_msg(r, M_UNLINK_DONE, args, 1);
}

int cmd_notify_exec(struct core_req *r, struct cmd_args *a)
{
	struct link_route to;
	struct store_resident_link l;
	struct pick *p;
	char list[256];
	const char *args[2] = {list, NULL};
	const char *want = a->argc ? a->argv[0] : "";
	int i, rc = resident_private(r), found = -1;

	if (rc <= 0)
		return rc;
	memset(&l, 0, sizeof(l));
	p = malloc(sizeof(*p));
	if (!p)
		return -1;
	pick_init(p, r->c->cfg, NULL, NULL, NULL);
	rc = store_identities_list(r->c->store, r->resident.id, pick_each, p);
	if (rc == 0)
		rc = store_resident_link_get(r->c->store, r->resident.id, &l) < 0 ? -1 : 0;
	channel_list(p, r->lang, NULL, list, sizeof(list));
	for (i = 0; rc == 0 && *want && i < p->nids; i++)
		if (p->ids[i].chat[0] && strcmp(p->ids[i].channel, want) == 0)
			found = i;
	free(p);
	if (rc < 0)
		return -1;
	if (!*want) {
		args[1] = l.notify_channel[0] ? l.notify_channel : dlg_msg(r->lang, M_NOTIFY_LAST);
		return core_reply_msg(r, M_NOTIFY_STATE, args, 2);
	}
	if (strcmp(want, "auto") == 0 || strcmp(want, "自动") == 0)
		want = "";
	else if (found < 0) {
		args[0] = want;
		args[1] = list;
		return core_reply_msg(r, M_NOTIFY_UNKNOWN, args, 2);
	}
	if (store_resident_notify_set(r->c->store, r->resident.id, want, r->now) < 0 ||
	    store_resident_event_add(r->c->store, r->resident.id, 0, r->now, r->actor,
	                             r->in->channel, "notify", *want ? want : "auto") < 0)
		return -1;
	p = malloc(sizeof(*p));
	if (!p)
		return -1;
	pick_init(p, r->c->cfg, r->in->channel, r->in->user, NULL);
	rc = pick_route(r->c->store, r->c->cfg, r->resident.id, p, &to);
	if (rc == 1)
		rc = store_orders_repoint(r->c->store, r->resident.id, to.channel, to.chat,
		                          to.user) < 0
		             ? -1
		             : 0;
	free(p);
	if (rc < 0)
		return -1;
	args[0] = want;
	return core_reply_msg(r, *want ? M_NOTIFY_SET : M_NOTIFY_AUTO, args, 1);
}

/* ---- a notice refused for good ---------------------------------------------------------- */

int link_fallback(struct store *s, const struct cfg *cfg, int64_t dead_id, int64_t now)
{
	char channel[16], chat[96], tried[1024], line[128];
	char *payload = NULL;
	struct link_route to;
	struct pick *p = NULL;
	int64_t resident = 0, new_id = 0;
	int rc;

	if (store_begin(s) < 0)
		return -1;
	rc = store_link_reroute_done(s, dead_id);
	if (rc != 0) /* handled already, or an error */
		goto out;
	rc = store_outbox_row(s, dead_id, channel, sizeof(channel), chat, sizeof(chat), &payload);
	/* Only a resident's private chat may have another to fall back on. */
	if (rc == 1)
		rc = store_identity_by_chat(s, channel, chat, &resident);
	if (rc != 1)
		goto out;
	if (store_link_reroute_tried(s, dead_id, tried, sizeof(tried)) < 0) {
		rc = -1;
		goto out;
	}
	snprintf(line, sizeof(line), "%s\t%s\n", channel, chat);
	if (strlen(tried) + strlen(line) < sizeof(tried))
		strcat(tried, line);
	p = malloc(sizeof(*p));
	if (!p) {
		rc = -1;
		goto out;
	}
	pick_init(p, cfg, NULL, NULL, tried);
	rc = pick_route(s, cfg, resident, p, &to);
	if (rc == 1)
		rc = store_outbox_add(s, to.channel, to.chat, payload, now, &new_id);
	/* The next notices go there at once. */
	if (rc == 0 && new_id)
		rc = store_orders_repoint_from(s, resident, channel, chat, to.channel, to.chat,
		                               to.user) < 0
		             ? -1
		             : 0;
	if (rc == 0)
		rc = store_link_rerouted(s, dead_id, new_id, tried);
	if (rc == 0 && new_id)
		log_info("link: message %lld given up on %s sent again as %lld on %s",
		         (long long)dead_id, channel, (long long)new_id, to.channel);
out:
	free(p);
	free(payload);
	if (rc < 0 || store_commit(s) < 0) {
		store_rollback(s);
		return -1;
	}
	return 0;
}
