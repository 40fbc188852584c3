/*
 * store.c - what every backend shares, and the small tables.
 *
 * The connection itself (opening, pragmas, the prepared statement cache,
 * binding) is the backend's: sqlite_db.c. Here: helpers the other store
 * files use, statement variants, transactions that nest, files created
 * within a transaction, settings (kv), inbound de-duplication, residents,
 * staff and dialog sessions. Orders live in store_orders.c, the outbox in
 * store_outbox.c.
 */
#include "store/store_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "lib/buf.h"
#include "lib/log.h"

/* ---- errors (the backend records its own with store_fail) --------------- */

int store_failf(struct store *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	s->errclass = STORE_E_OTHER;
	return -1;
}

int store_locked(const struct store *s)
{
	return s->errclass == STORE_E_LOCKED;
}

int store_full(const struct store *s)
{
	return s->errclass == STORE_E_FULL;
}

/* ---- helpers shared by the store files ----------------------------------- */

void store_copy(char *dst, size_t dstlen, const char *src)
{
	buf_copy(dst, dstlen, src); /* one rule for cutting text to a field, store or not */
}

/* Variant (FAMILY, MASK) as kept, or a new one: TEXT, else the backend's builder writes it. */
static const char *variant(struct store *s, enum store_sql family, unsigned mask, const char *text)
{
	struct store_variant *v;
	struct buf b;
	size_t i;

	for (i = 0; i < s->nvariants; i++)
		if (s->variants[i].family == family && s->variants[i].mask == mask)
			return s->variants[i].sql;
	if (s->nvariants == s->capvariants) {
		size_t cap = s->capvariants ? s->capvariants * 2 : 16;

		v = realloc(s->variants, cap * sizeof(*v));
		if (!v) {
			store_failf(s, "out of memory");
			return NULL;
		}
		s->variants = v;
		s->capvariants = cap;
	}
	buf_init(&b);
	if (text)
		buf_add(&b, text);
	else
		s->build(family, mask, &b);
	if (b.failed || !b.s) {
		buf_release(&b);
		store_failf(s, "out of memory");
		return NULL;
	}
	v = &s->variants[s->nvariants++];
	v->family = family;
	v->mask = mask;
	v->sql = buf_detach(&b);
	return v->sql;
}

const char *store_variant(struct store *s, enum store_sql family, unsigned mask)
{
	return variant(s, family, mask, NULL);
}

const char *store_variant_text(struct store *s, enum store_sql family, unsigned mask,
                               const char *text)
{
	return variant(s, family, mask, text);
}

int store_tx_enter(struct store *s, int *outer)
{
	*outer = !store_in_tx(s);
	return store_run(s, *outer ? SQL_BEGIN : SQL_SAVEPOINT, "") < 0 ? -1 : 0;
}

int store_tx_leave(struct store *s, int outer, int ok)
{
	char saved[sizeof(s->err)];
	enum store_err code;

	if (ok && store_run(s, outer ? SQL_COMMIT : SQL_RELEASE, "") >= 0) {
		if (outer)
			store_tx_files_end(s, 0);
		return 0;
	}
	/* Keep the error that made us roll back, not the rollback's. */
	memcpy(saved, s->err, sizeof(saved));
	code = s->errclass;
	if (outer) {
		/* Some errors (SQLITE_FULL, IOERR, ...) already rolled back. */
		if (store_in_tx(s))
			store_run(s, SQL_ROLLBACK, "");
		store_tx_files_end(s, 1);
	} else if (store_run(s, SQL_ROLLBACK_TO, "") >= 0) {
		store_run(s, SQL_RELEASE, "");
	}
	memcpy(s->err, saved, sizeof(saved));
	s->errclass = code;
	return -1;
}

int store_begin(struct store *s)
{
	if (store_in_tx(s))
		return store_failf(s, "store_begin: a transaction is already open");
	return store_run(s, SQL_BEGIN, "") < 0 ? -1 : 0;
}

int store_commit(struct store *s)
{
	if (store_run(s, SQL_COMMIT, "") < 0) {
		/* Still open (busy): the caller rolls back. Gone: its files go with it. */
		if (!store_in_tx(s))
			store_tx_files_end(s, 1);
		return -1;
	}
	store_tx_files_end(s, 0);
	return 0;
}

int store_rollback(struct store *s)
{
	store_tx_files_end(s, 1);
	/* Nothing to undo when SQLite already rolled back after an error. */
	if (!store_in_tx(s))
		return 0;
	return store_run(s, SQL_ROLLBACK, "") < 0 ? -1 : 0;
}

int store_tx_file(struct store *s, const char *path)
{
	char **grown, *copy = strdup(path);
	size_t cap;

	if (copy && s->ntx_files == s->captx_files) {
		cap = s->captx_files ? s->captx_files * 2 : 8;
		grown = realloc(s->tx_files, cap * sizeof(*grown));
		if (!grown) {
			free(copy);
			copy = NULL;
		} else {
			s->tx_files = grown;
			s->captx_files = cap;
		}
	}
	if (!copy) {
		unlink(path);
		return store_failf(s, "store_tx_file: out of memory");
	}
	s->tx_files[s->ntx_files++] = copy;
	return 0;
}

void store_common_free(struct store *s, int in_tx)
{
	size_t i;

	for (i = 0; i < s->nvariants; i++)
		free(s->variants[i].sql);
	free(s->variants);
	store_tx_files_end(s, in_tx);
	free(s->tx_files);
}

void store_tx_files_end(struct store *s, int unlink_them)
{
	size_t i;

	for (i = 0; i < s->ntx_files; i++) {
		if (unlink_them && unlink(s->tx_files[i]) < 0 && errno != ENOENT)
			log_warn("store: could not remove %s: %s", s->tx_files[i], strerror(errno));
		free(s->tx_files[i]);
	}
	s->ntx_files = 0;
}

/* ---- settings ------------------------------------------------------------- */

/* A caller's fixed-size text field, for a row reader to fill. */
struct text_out {
	char *p;
	size_t len;
};

static int read_text(struct store *s, const struct store_q *st, void *ud)
{
	struct text_out *t = ud;

	(void)s;
	store_col(st, 0, t->p, t->len);
	return 0;
}

int store_kv_get(struct store *s, const char *key, char *out, size_t outlen)
{
	struct text_out t = {out, outlen};

	return store_first(s, store_query(s, SQL_KV_GET, "t", key), read_text, &t);
}

int store_kv_set(struct store *s, const char *key, const char *value)
{
	return store_run(s, SQL_KV_SET, "tt", key, value) < 0 ? -1 : 0;
}

/* ---- inbound de-duplication ---------------------------------------------- */

int store_dedup_claim(struct store *s, const char *channel, const char *key, int64_t now)
{
	int n = store_run(s, SQL_DEDUP_CLAIM, "tti", channel, key, now);

	if (n < 0)
		return -1;
	return n > 0 ? 1 : 0;
}

int store_dedup_prune(struct store *s, int64_t before)
{
	return store_run(s, SQL_DEDUP_PRUNE, "i", before) < 0 ? -1 : 0;
}

/* ---- residents ------------------------------------------------------------ */

/* 1 and *ID set when (channel, user) is known, 0 when not, <0 on error. */
static int identity_find(struct store *s, const char *channel, const char *user, int64_t *id)
{
	return store_first(s, store_query(s, SQL_IDENTITY_FIND, "tt", channel, user),
	                   store_row_int64, id);
}

int store_resident_ensure(struct store *s, const char *channel, const char *user, int64_t now,
                          struct store_resident *out)
{
	int64_t id = 0;
	int outer, rc;

	if (!channel || !*channel || !user || !*user)
		return store_failf(s, "store_resident_ensure: channel and user are required");
	if (store_tx_enter(s, &outer) < 0)
		return -1;
	rc = identity_find(s, channel, user, &id);
	if (rc == 0) {
		rc = store_run_id(s, SQL_RESIDENT_NEW, &id, "i", now);
		if (rc >= 0) {
			rc = store_run(s, SQL_IDENTITY_NEW, "tti", channel, user, id);
		}
	}
	if (rc >= 0) {
		rc = store_resident_get(s, id, out);
		if (rc == 0)
			rc = store_failf(s, "resident %lld vanished", (long long)id);
	}
	if (store_tx_leave(s, outer, rc >= 0) < 0)
		return -1;
	return 0;
}

static int read_resident(struct store *s, const struct store_q *st, void *ud)
{
	struct store_resident *out = ud;

	(void)s;
	memset(out, 0, sizeof(*out));
	out->id = store_int64(st, 0);
	store_col(st, 1, out->name, sizeof(out->name));
	store_col(st, 2, out->room, sizeof(out->room));
	store_col(st, 3, out->phone, sizeof(out->phone));
	store_col(st, 4, out->lang, sizeof(out->lang));
	return 0;
}

int store_resident_get(struct store *s, int64_t id, struct store_resident *out)
{
	return store_first(s, store_query(s, SQL_RESIDENT_GET, "i", id), read_resident, out);
}

int store_resident_save(struct store *s, const struct store_resident *r, int64_t now)
{
	int n = store_run(s, SQL_RESIDENT_SAVE, "ttttii", r->name, r->room, r->phone, r->lang, now,
	                  r->id);

	if (n < 0)
		return -1;
	if (n == 0)
		return store_failf(s, "no resident %lld", (long long)r->id);
	return 0;
}

/* ---- staff ------------------------------------------------------------------ */

/* The skills as a JSON array; free() the result. NULL when out of memory or not UTF-8. */
static char *skills_json(const struct store_staff_row *st)
{
	json_t *a = json_array();
	char *text = NULL;
	size_t i;

	if (!a)
		return NULL;
	for (i = 0; i < st->nskills; i++) {
		/* json_array_append_new steals the (possibly NULL) reference. */
		if (json_array_append_new(a, json_string(st->skills[i] ? st->skills[i] : "")) < 0)
			goto out;
	}
	text = json_dumps(a, JSON_COMPACT);
out:
	json_decref(a);
	return text;
}

/* Whether the staff table holds ROWS already (SAME set 0 at the first difference). */
struct staff_cmp {
	const struct store_staff_row *rows;
	size_t n, found;
	int same;
};

static int staff_row_same(struct store *s, const struct store_q *st, void *ud)
{
	struct staff_cmp *c = ud;
	const char *id = store_text(st, 0);
	const char *skills = store_text(st, 3);
	int active = store_int(st, 4);
	char *want;
	size_t i;

	for (i = 0; id && i < c->n; i++) {
		const struct store_staff_row *r = &c->rows[i];

		if (!r->id || strcmp(r->id, id) != 0)
			continue;
		want = skills_json(r);
		if (!want)
			return store_failf(s, "staff %s: cannot encode skills", id);
		c->same = active == 1 && strcmp(want, skills) == 0 &&
		          strcmp(r->name ? r->name : "", store_text(st, 1)) == 0 &&
		          strcmp(r->role ? r->role : "", store_text(st, 2)) == 0;
		free(want);
		c->found++;
		return !c->same;
	}
	c->same = active == 0; /* not in the list: must be retired */
	return !c->same;
}

int store_staff_sync(struct store *s, const struct store_staff_row *rows, size_t n)
{
	struct staff_cmp cmp = {rows, n, 0, 1};
	int outer, rc;
	size_t i;

	/*
	 * Every command syncs at start: when nothing changed, no write (a
	 * committed transaction waits for the disk), so reading stays a read.
	 */
	if (store_each(s, store_query(s, SQL_STAFF_ALL, ""), staff_row_same, &cmp) < 0)
		return -1;
	if (cmp.same && cmp.found == n)
		return 0;
	if (store_tx_enter(s, &outer) < 0)
		return -1;
	rc = store_run(s, SQL_STAFF_RETIRE, "");
	for (i = 0; rc >= 0 && i < n; i++) {
		const struct store_staff_row *st = &rows[i];
		char *skills;

		if (!st->id || !*st->id) {
			rc = store_failf(s, "staff[%zu] has no id", i);
			break;
		}
		skills = skills_json(st);
		if (!skills) {
			rc = store_failf(s, "staff %s: cannot encode skills", st->id);
			break;
		}
		rc = store_run(s, SQL_STAFF_UPSERT, "tttt", st->id, st->name, st->role, skills);
		free(skills);
	}
	return store_tx_leave(s, outer, rc >= 0);
}

/* ---- dialog sessions ------------------------------------------------------ */

struct session_out {
	char **state;
	int64_t *updated_at;
};

static int read_session(struct store *s, const struct store_q *st, void *ud)
{
	const struct session_out *o = ud;
	*o->state = strdup(store_text(st, 0));
	if (!*o->state)
		return store_failf(s, "out of memory");
	if (o->updated_at)
		*o->updated_at = store_int64(st, 1);
	return 0;
}

int store_session_get(struct store *s, const char *channel, const char *chat, const char *person,
                      char **state, int64_t *updated_at)
{
	struct session_out o = {state, updated_at};

	*state = NULL;
	/*
	 * Two servers sharing the database may get messages of one chat at
	 * once: the second waits here for the first's commit, then reads the
	 * state it left, so no answer is lost and no step taken twice.
	 */
	if (store_shared(s) && store_in_tx(s) &&
	    store_first(s, store_query(s, SQL_CHAT_LOCK, "tt", channel, chat), store_row_int64,
	                &(int64_t){0}) < 0)
		return -1;
	return store_first(s, store_query(s, SQL_SESSION_GET, "ttt", channel, chat, person),
	                   read_session, &o);
}

int store_session_put(struct store *s, const char *channel, const char *chat, const char *person,
                      const char *state, int64_t now)
{
	if (store_run(s, SQL_SESSION_PUT, "tttti", channel, chat, person, state, now) < 0)
		return -1;
	return 0;
}

int store_session_delete(struct store *s, const char *channel, const char *chat, const char *person)
{
	return store_run(s, SQL_SESSION_DELETE, "ttt", channel, chat, person) < 0 ? -1 : 0;
}

/* ---- leases ---------------------------------------------------------------- */

int store_lease_try(struct store *s, const char *name)
{
	int64_t got = 0;

	return store_first(s, store_query(s, SQL_LEASE_TRY, "t", name), store_row_int64, &got) < 0
	               ? -1
	               : got != 0;
}

int store_lease_held(struct store *s, const char *name)
{
	int64_t held = 0;

	return store_first(s, store_query(s, SQL_LEASE_HELD, "t", name), store_row_int64, &held) < 0
	               ? -1
	               : held != 0;
}

int store_lease_drop(struct store *s, const char *name)
{
	return store_first(s, store_query(s, SQL_LEASE_DROP, "t", name), store_row_int64,
	                   &(int64_t){0}) < 0
	               ? -1
	               : 0;
}

struct db_status {
	int *standby;
	int64_t *lag_ms;
};

static int read_db_status(struct store *s, const struct store_q *q, void *ud)
{
	struct db_status *d = ud;

	(void)s;
	*d->standby = store_int(q, 0);
	*d->lag_ms = store_int64(q, 1);
	return 0;
}

int store_db_status(struct store *s, int *standby, int64_t *lag_ms)
{
	struct db_status d = {standby, lag_ms};

	*standby = 0;
	*lag_ms = -1;
	return store_first(s, store_query(s, SQL_DB_STATUS, ""), read_db_status, &d) < 0 ? -1 : 0;
}
