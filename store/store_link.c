/*
 * store_link.c - one resident across channels: identities with their chats,
 * merging two residents into one, the confirmation codes that prove both
 * chats belong to the same person, and notices sent again on another of a
 * resident's channels. See store_link.h.
 */
#include "store/store_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

/* ---- identities ------------------------------------------------------------------ */

struct identity_walk {
	store_identity_cb cb;
	void *ud;
};

static int walk_identity(struct store *s, const struct store_q *st, void *ud)
{
	const struct identity_walk *w = ud;
	struct store_identity id;

	(void)s;
	memset(&id, 0, sizeof(id));
	store_col(st, 0, id.channel, sizeof(id.channel));
	store_col(st, 1, id.user, sizeof(id.user));
	store_col(st, 2, id.chat, sizeof(id.chat));
	id.last_at = store_int64(st, 3);
	return w->cb(&id, w->ud) ? 1 : 0;
}

int store_identities_list(struct store *s, int64_t resident_id, store_identity_cb cb, void *ud)
{
	struct identity_walk w = {cb, ud};

	return store_each(s, store_query(s, SQL_IDENTITIES, "i", resident_id), walk_identity, &w);
}

int store_identity_seen(struct store *s, const char *channel, const char *user, const char *chat,
                        int64_t now)
{
	return store_run(s, SQL_IDENTITY_SEEN, "ttit", channel, user, now, chat ? chat : "") < 0
	               ? -1
	               : 0;
}

int store_identity_by_chat(struct store *s, const char *channel, const char *chat, int64_t *id)
{
	*id = 0;
	if (!chat || !*chat)
		return 0;
	return store_first(s, store_query(s, SQL_IDENTITY_BY_CHAT, "tt", channel, chat),
	                   store_row_int64, id);
}

int store_identity_detach(struct store *s, const char *channel, const char *user, int64_t now,
                          int64_t *new_id)
{
	int64_t old = 0;
	int outer, rc;

	*new_id = 0;
	if (store_tx_enter(s, &outer) < 0)
		return -1;
	rc = store_first(s, store_query(s, SQL_IDENTITY_OWNER, "tt", channel, user),
	                 store_row_int64, &old);
	if (rc == 1) {
		if (store_run_id(s, SQL_RESIDENT_NEW_LIKE, new_id, "ii", old, now) != 1) {
			rc = rc < 0 ? rc : store_failf(s, "resident %lld vanished", (long long)old);
		} else {
			if (store_run(s, SQL_IDENTITY_MOVE, "tti", channel, user, *new_id) < 0 ||
			    store_run(s, SQL_NOTIFY_CLEAR_IF, "it", old, channel) < 0)
				rc = -1;
		}
	}
	if (store_tx_leave(s, outer, rc >= 0) < 0) {
		*new_id = 0;
		return -1;
	}
	return rc;
}

/* ---- residents as one person ------------------------------------------------------- */

static int read_link(struct store *s, const struct store_q *st, void *ud)
{
	struct store_resident_link *l = ud;

	(void)s;
	memset(l, 0, sizeof(*l));
	store_col(st, 0, l->notify_channel, sizeof(l->notify_channel));
	l->merged_into = store_int64(st, 1);
	l->created_at = store_int64(st, 2);
	l->updated_at = store_int64(st, 3);
	return 0;
}

int store_resident_link_get(struct store *s, int64_t id, struct store_resident_link *out)
{
	return store_first(s, store_query(s, SQL_RESIDENT_LINK, "i", id), read_link, out);
}

int store_resident_notify_set(struct store *s, int64_t id, const char *channel, int64_t now)
{
	int n = store_run(s, SQL_NOTIFY_SET, "iti", id, channel ? channel : "", now);

	if (n < 0)
		return -1;
	return n ? 0 : store_failf(s, "no resident %lld", (long long)id);
}

struct id_walk {
	store_id_cb cb;
	void *ud;
};

static int walk_id(struct store *s, const struct store_q *st, void *ud)
{
	const struct id_walk *w = ud;

	(void)s;
	return w->cb(store_int64(st, 0), w->ud) ? 1 : 0;
}

int store_residents_with_phone(struct store *s, const char *phone, store_id_cb cb, void *ud)
{
	struct id_walk w = {cb, ud};

	if (!phone || !*phone)
		return 0;
	return store_each(s, store_query(s, SQL_WITH_PHONE, "t", phone), walk_id, &w);
}

int store_orders_repoint(struct store *s, int64_t resident_id, const char *channel,
                         const char *chat, const char *user)
{
	if (!resident_id || !channel || !*channel || !chat || !*chat)
		return store_failf(s,
		                   "store_orders_repoint: resident, channel and chat are needed");
	return store_run(s, SQL_REPOINT, "ittt", resident_id, channel, chat, user ? user : "");
}

int store_orders_repoint_from(struct store *s, int64_t resident_id, const char *old_channel,
                              const char *old_chat, const char *channel, const char *chat,
                              const char *user)
{
	if (!resident_id || !channel || !*channel || !chat || !*chat)
		return store_failf(s,
		                   "store_orders_repoint: resident, channel and chat are needed");
	return store_run(s, SQL_REPOINT_FROM, "ittttt", resident_id, old_channel, old_chat, channel,
	                 chat, user ? user : "");
}

/* ---- merging ------------------------------------------------------------------------ */

struct open_walk {
	int64_t at;
	const char *actor, *via, *action, *detail;
};

static int event_on_open(struct store *s, const struct store_q *st, void *ud)
{
	const struct open_walk *w = ud;
	char status[24];

	store_col(st, 1, status, sizeof(status));
	return store_event_add(s, store_int64(st, 0), w->at, w->actor, w->via, w->action, status,
	                       status, w->detail) < 0
	               ? -1
	               : 0;
}

/* 1 when resident ID stands on its own, 0 (with the reason recorded) when not, <0. */
static int standing(struct store *s, int64_t id)
{
	struct store_resident_link l;
	int rc = store_resident_link_get(s, id, &l);

	if (rc < 0)
		return -1;
	if (rc == 0) {
		store_failf(s, "no resident %lld", (long long)id);
		return 0;
	}
	if (l.merged_into) {
		store_failf(s, "resident %lld was merged into resident %lld", (long long)id,
		            (long long)l.merged_into);
		return 0;
	}
	return 1;
}

int store_residents_merge(struct store *s, int64_t into, int64_t from, int64_t now,
                          const char *actor, const char *via, const char *action,
                          const char *detail)
{
	struct open_walk w = {now, actor, via, action, detail};
	int outer, rc, ok;

	if (into == from) {
		store_failf(s, "resident %lld is already that resident", (long long)into);
		return 1;
	}
	if (store_tx_enter(s, &outer) < 0)
		return -1;
	rc = standing(s, into);
	if (rc == 1)
		rc = standing(s, from);
	ok = rc == 1;
	if (ok &&
	    (store_run(s, SQL_MERGE_IDENTITIES, "ii", into, from) < 0 ||
	     store_run(s, SQL_MERGE_ORDERS, "ii", into, from) < 0 ||
	     store_run(s, SQL_MERGE_PHOTOS, "ii", into, from) < 0 ||
	     store_run(s, SQL_MERGE_DETAILS, "iii", into, from, now) < 0 ||
	     store_run(s, SQL_MERGE_AWAY, "iii", into, from, now) < 0 ||
	     store_run(s, SQL_MERGE_CODE, "i", from) < 0 ||
	     store_each(s, store_query(s, SQL_OPEN_ORDERS, "i", into), event_on_open, &w) < 0 ||
	     store_resident_event_add(s, into, from, now, actor, via, action, detail) < 0 ||
	     store_resident_event_add(s, from, into, now, actor, via, "merged_into", detail) < 0))
		rc = -1;
	/* Refused or failed: nothing of it stays. */
	if (store_tx_leave(s, outer, rc == 1) < 0)
		return rc == 0 ? 1 : -1;
	return 0;
}

/* ---- what happened to a resident ---------------------------------------------------- */

int store_resident_event_add(struct store *s, int64_t resident_id, int64_t other_id, int64_t at,
                             const char *actor, const char *via, const char *action,
                             const char *detail)
{
	return store_run(s, SQL_REVENT_ADD, "iiitttt", resident_id, other_id, at, actor, via,
	                 action, detail) < 0
	               ? -1
	               : 0;
}

struct revent_walk {
	store_resident_event_cb cb;
	void *ud;
};

static int walk_revent(struct store *s, const struct store_q *st, void *ud)
{
	const struct revent_walk *w = ud;
	struct store_resident_event e;

	(void)s;
	memset(&e, 0, sizeof(e));
	e.id = store_int64(st, 0);
	e.at = store_int64(st, 1);
	e.other_id = store_int64(st, 2);
	store_col(st, 3, e.actor, sizeof(e.actor));
	store_col(st, 4, e.via, sizeof(e.via));
	store_col(st, 5, e.action, sizeof(e.action));
	store_col(st, 6, e.detail, sizeof(e.detail));
	return w->cb(&e, w->ud) ? 1 : 0;
}

int store_resident_events(struct store *s, int64_t resident_id, store_resident_event_cb cb,
                          void *ud)
{
	struct revent_walk w = {cb, ud};

	return store_each(s, store_query(s, SQL_REVENTS, "i", resident_id), walk_revent, &w);
}

/* ---- confirmation codes ------------------------------------------------------------- */

static int read_code(struct store *s, const struct store_q *st, void *ud)
{
	struct store_link_code *c = ud;

	(void)s;
	memset(c, 0, sizeof(*c));
	c->resident_id = store_int64(st, 0);
	c->target_id = store_int64(st, 1);
	store_col(st, 2, c->salt, sizeof(c->salt));
	store_col(st, 3, c->hash, sizeof(c->hash));
	c->created_at = store_int64(st, 4);
	c->expires_at = store_int64(st, 5);
	c->tries = store_int(st, 6);
	c->locked_until = store_int64(st, 7);
	c->requests = store_int(st, 8);
	c->window_at = store_int64(st, 9);
	return 0;
}

static int code_put(struct store *s, const struct store_link_code *c)
{
	return store_run(s, SQL_CODE_PUT, "iittiididi", c->resident_id, c->target_id, c->salt,
	                 c->hash, c->created_at, c->expires_at, c->tries, c->locked_until,
	                 c->requests, c->window_at) < 0
	               ? -1
	               : 0;
}

/* The row as it stands at NOW: a lock that ran out and an hour of requests that passed are
 * forgotten. 1 there is one, 0 none, <0. */
static int code_now(struct store *s, int64_t resident_id, int64_t now, struct store_link_code *c)
{
	int rc = store_first(s, store_query(s, SQL_CODE_GET, "i", resident_id), read_code, c);

	if (rc <= 0) {
		memset(c, 0, sizeof(*c));
		return rc;
	}
	if (c->locked_until && now >= c->locked_until) {
		c->locked_until = 0;
		c->tries = 0;
		c->requests = 0;
		c->window_at = 0;
		/* The code sent before the lock is not good after it. */
		c->expires_at = 0;
	}
	if (c->window_at && now - c->window_at >= STORE_LINK_LOCK) {
		c->requests = 0;
		c->window_at = 0;
	}
	return 1;
}

int store_link_state(struct store *s, int64_t resident_id, int64_t now, struct store_link_code *out)
{
	int rc = code_now(s, resident_id, now, out);

	if (rc <= 0)
		return rc < 0 ? -1 : STORE_LINK_NONE;
	if (out->locked_until > now)
		return STORE_LINK_LOCKED;
	if (!out->expires_at)
		return STORE_LINK_NONE;
	return now < out->expires_at ? STORE_LINK_PENDING : STORE_LINK_EXPIRED;
}

int store_link_issue(struct store *s, int64_t resident_id, int64_t target_id, const char *salt,
                     const char *hash, int64_t now, int64_t *until)
{
	struct store_link_code c;
	int outer, rc;

	*until = 0;
	if (!salt || !*salt || !hash || !*hash)
		return store_failf(s, "store_link_issue: salt and hash are needed");
	if (store_tx_enter(s, &outer) < 0)
		return -1;
	rc = code_now(s, resident_id, now, &c);
	if (rc >= 0) {
		c.resident_id = resident_id;
		if (c.locked_until > now) {
			*until = c.locked_until;
			rc = STORE_LINK_LOCKED;
		} else if (c.requests >= STORE_LINK_REQUESTS) {
			/* Codes asked for again and again: a lock, as for wrong codes. */
			c.locked_until = now + STORE_LINK_LOCK;
			c.expires_at = 0;
			*until = c.locked_until;
			rc = code_put(s, &c) < 0 ? -1 : STORE_LINK_LOCKED;
		} else {
			c.target_id = target_id;
			store_copy(c.salt, sizeof(c.salt), salt);
			store_copy(c.hash, sizeof(c.hash), hash);
			c.created_at = now;
			c.expires_at = now + STORE_LINK_TTL;
			if (!c.window_at)
				c.window_at = now;
			c.requests++;
			rc = code_put(s, &c) < 0 ? -1 : 0;
		}
	}
	if (store_tx_leave(s, outer, rc >= 0) < 0)
		return -1;
	return rc;
}

int store_link_wrong(struct store *s, int64_t resident_id, int64_t now, int64_t *until)
{
	struct store_link_code c;
	int outer, rc;

	*until = 0;
	if (store_tx_enter(s, &outer) < 0)
		return -1;
	rc = code_now(s, resident_id, now, &c);
	if (rc == 0)
		rc = store_failf(s, "resident %lld has no code", (long long)resident_id);
	if (rc > 0) {
		c.tries++;
		if (c.tries >= STORE_LINK_TRIES) {
			c.locked_until = now + STORE_LINK_LOCK;
			c.expires_at = 0; /* the code is spent */
			*until = c.locked_until;
			rc = 0;
		} else {
			rc = STORE_LINK_TRIES - c.tries;
		}
		if (code_put(s, &c) < 0)
			rc = -1;
	}
	if (store_tx_leave(s, outer, rc >= 0) < 0)
		return -1;
	return rc;
}

int store_link_forget(struct store *s, int64_t resident_id)
{
	return store_run(s, SQL_CODE_DELETE, "i", resident_id) < 0 ? -1 : 0;
}

/* ---- notices sent again elsewhere ---------------------------------------------------- */

struct row_out {
	char *channel, *chat;
	size_t chlen, chatlen;
	char **payload;
};

static int read_row(struct store *s, const struct store_q *st, void *ud)
{
	const struct row_out *o = ud;
	const char *p = store_text(st, 2);

	store_col(st, 0, o->channel, o->chlen);
	store_col(st, 1, o->chat, o->chatlen);
	*o->payload = strdup(p);
	return *o->payload ? 0 : store_failf(s, "out of memory");
}

int store_outbox_row(struct store *s, int64_t id, char *channel, size_t chlen, char *chat,
                     size_t chatlen, char **payload)
{
	struct row_out o = {channel, chat, chlen, chatlen, payload};

	*payload = NULL;
	return store_first(s, store_query(s, SQL_OUTBOX_ROW, "i", id), read_row, &o);
}

int store_link_rerouted(struct store *s, int64_t dead_id, int64_t new_id, const char *tried)
{
	return store_run(s, SQL_REROUTE_ADD, "iit", dead_id, new_id, tried) < 0 ? -1 : 0;
}

static int read_one(struct store *s, const struct store_q *st, void *ud)
{
	(void)s;
	(void)st;
	(void)ud;
	return 0;
}

int store_link_reroute_done(struct store *s, int64_t dead_id)
{
	return store_first(s, store_query(s, SQL_REROUTE_DONE, "i", dead_id), read_one, NULL);
}

struct text_into {
	char *p;
	size_t len;
};

static int read_tried(struct store *s, const struct store_q *st, void *ud)
{
	const struct text_into *t = ud;

	(void)s;
	store_col(st, 0, t->p, t->len);
	return 0;
}

int store_link_reroute_tried(struct store *s, int64_t new_id, char *out, size_t outlen)
{
	struct text_into t = {out, outlen};
	int rc;

	out[0] = '\0';
	rc = store_first(s, store_query(s, SQL_REROUTE_TRIED, "i", new_id), read_tried, &t);
	return rc < 0 ? -1 : 0;
}
