/*
 * store_privacy.c - forgetting a person, the retention period, and who
 * looked at a person's details (store_privacy.h).
 *
 * Text a person wrote is replaced whole; text staff wrote keeps its words
 * but loses the names, phone numbers and rooms it carries ("needles"). The
 * outbox is JSON: a row is rewritten only when the result is still valid
 * JSON, else its text is replaced whole. Nothing is deleted that a figure
 * counts, and no row that gives out IDs (outbox, transcript) is deleted,
 * so no ID is ever handed out twice.
 */
#include "store/store_internal.h"
#include "store/store_privacy.h"

#include "lib/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Needles shorter than this (bytes) are left alone: they would match everyday words. */
#define NEEDLE_MIN_NAME  2
#define NEEDLE_MIN_WORDS 6
#define NEEDLES_MAX      64

/* ---- small lists ------------------------------------------------------------------ */

struct ids {
	int64_t *v;
	size_t n, cap;
	int oom;
};

static int ids_add(int64_t id, void *ud)
{
	struct ids *l = ud;
	int64_t *grown;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		grown = realloc(l->v, l->cap * sizeof(*grown));
		if (!grown) {
			l->oom = 1;
			return 1;
		}
		l->v = grown;
	}
	l->v[l->n++] = id;
	return 0;
}

static int read_id(struct store *s, const struct store_q *st, void *ud)
{
	(void)s;
	return ids_add(store_int64(st, 0), ud);
}

/* The ids ST returns into L: 0, or -1 (recorded). */
static int collect_ids(struct store *s, struct store_q *st, struct ids *l)
{
	if (store_each(s, st, read_id, l) < 0)
		return -1;
	return l->oom ? store_failf(s, "out of memory") : 0;
}

/* Strings to take out of staff's words and the outbox; owned copies. */
struct needles {
	char *v[NEEDLES_MAX];
	size_t n;
	int oom;
};

static void needle_add(struct needles *nd, const char *t, size_t min)
{
	size_t i;

	if (!t || strlen(t) < min || strcmp(t, STORE_ANON) == 0 || nd->n == NEEDLES_MAX)
		return;
	for (i = 0; i < nd->n; i++)
		if (strcmp(nd->v[i], t) == 0)
			return;
	nd->v[nd->n] = strdup(t);
	if (nd->v[nd->n])
		nd->n++;
	else
		nd->oom = 1;
}

static void needles_release(struct needles *nd)
{
	while (nd->n)
		free(nd->v[--nd->n]);
}

/* The I-th needle, or "" (matching nothing in replace()). */
static const char *needle(const struct needles *nd, size_t i)
{
	return i < nd->n ? nd->v[i] : "";
}

static int read_order_needles(struct store *s, const struct store_q *st, void *ud)
{
	struct needles *nd = ud;

	(void)s;
	/* The longest first, so a name inside a description is not cut out of it first. */
	needle_add(nd, store_text(st, 3), NEEDLE_MIN_WORDS);
	needle_add(nd, store_text(st, 1), NEEDLE_MIN_WORDS);
	needle_add(nd, store_text(st, 5), NEEDLE_MIN_WORDS);
	needle_add(nd, store_text(st, 0), NEEDLE_MIN_NAME);
	needle_add(nd, store_text(st, 4), NEEDLE_MIN_NAME);
	needle_add(nd, store_text(st, 2), NEEDLE_MIN_NAME);
	needle_add(nd, store_text(st, 6), NEEDLE_MIN_NAME);
	return 0;
}

static int read_words(struct store *s, const struct store_q *st, void *ud)
{
	const char *t = store_text(st, 0);

	(void)s;
	if (t && strncmp(t, "comment: ", 9) == 0)
		t += 9;
	needle_add(ud, t, NEEDLE_MIN_WORDS);
	return 0;
}

/* Runs SQL (which uses ?1 ID and the needles ?2..?7), adding the changes to *COUNT. */
static int run_scrub(struct store *s, enum store_sql sql, int64_t id, const struct needles *nd,
                     int *count)
{
	int rc = store_run(s, sql, "itttttt", id, needle(nd, 0), needle(nd, 1), needle(nd, 2),
	                   needle(nd, 3), needle(nd, 4), needle(nd, 5));

	if (rc < 0)
		return -1;
	if (count)
		*count += rc;
	return 0;
}

/* RC (changes, or <0) added to *COUNT: 0 or -1. */
static int add_changes(int rc, int *count)
{
	if (rc < 0)
		return -1;
	*count += rc;
	return 0;
}

/* ---- photos ------------------------------------------------------------------------ */

struct paths {
	char **v;
	size_t n, cap;
	int oom;
};

static int read_path(struct store *s, const struct store_q *st, void *ud)
{
	struct paths *p = ud;
	char **grown;

	(void)s;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		grown = realloc(p->v, p->cap * sizeof(*grown));
		if (!grown) {
			p->oom = 1;
			return 1;
		}
		p->v = grown;
	}
	p->v[p->n] = strdup(store_text(st, 0));
	if (!p->v[p->n]) {
		p->oom = 1;
		return 1;
	}
	p->n++;
	return 0;
}

/*
 * Removes the photo rows SEL_SQL/DEL_SQL select by ?1 ID; the files no other
 * row names go to CB.
 */
static int drop_photos(struct store *s, enum store_sql sel_sql, enum store_sql del_sql, int64_t id,
                       store_path_cb cb, void *ud, struct store_anon_counts *n)
{
	struct paths p;
	size_t i;
	int rc = -1, gone;
	int64_t named;

	memset(&p, 0, sizeof(p));
	if (store_each(s, store_query(s, sel_sql, "i", id), read_path, &p) < 0)
		goto out;
	if (p.oom) {
		store_failf(s, "out of memory");
		goto out;
	}
	gone = store_run(s, del_sql, "i", id);
	if (gone < 0)
		goto out;
	n->photos += gone;
	for (i = 0; i < p.n; i++) {
		named = 0;
		if (store_first(s, store_query(s, SQL_PATH_NAMED, "t", p.v[i]), store_row_int64,
		                &named) < 0)
			goto out;
		if (!named && cb && cb(p.v[i], ud))
			break;
	}
	rc = 0;
out:
	for (i = 0; i < p.n; i++)
		free(p.v[i]);
	free(p.v);
	return rc;
}

/* ---- the outbox -------------------------------------------------------------------- */

struct rewrite {
	const struct needles *nd;
	struct ids ids;
	char **payloads; /* parallel to ids.v */
	int oom;
};

/* PAYLOAD with every needle replaced, or NULL when none is in it (or out of memory). */
static char *scrubbed(const char *payload, const struct needles *nd, int *oom)
{
	struct buf b;
	char *cur = NULL;
	const char *from, *hit;
	size_t i;
	int rc;

	for (i = 0; i < nd->n; i++) {
		from = cur ? cur : payload;
		if (!strstr(from, nd->v[i]))
			continue;
		buf_init(&b);
		rc = 0;
		while (rc == 0 && (hit = strstr(from, nd->v[i]))) {
			rc = buf_addn(&b, from, (size_t)(hit - from));
			if (rc == 0)
				rc = buf_add(&b, STORE_ANON);
			from = hit + strlen(nd->v[i]);
		}
		if (rc == 0)
			rc = buf_add(&b, from);
		free(cur);
		cur = rc == 0 ? buf_detach(&b) : NULL;
		buf_release(&b);
		if (!cur) {
			*oom = 1;
			return NULL;
		}
	}
	return cur;
}

static int read_outbox(struct store *s, const struct store_q *st, void *ud)
{
	struct rewrite *w = ud;
	const char *payload = store_text(st, 1);
	char *out, **grown;

	(void)s;
	if (!*payload) /* NULL or empty: nothing to scrub */
		return 0;
	out = scrubbed(payload, w->nd, &w->oom);
	if (!out)
		return w->oom;
	grown = realloc(w->payloads, (w->ids.n + 1) * sizeof(*grown));
	if (!grown || ids_add(store_int64(st, 0), &w->ids)) {
		free(out);
		if (grown)
			w->payloads = grown;
		w->oom = 1;
		return 1;
	}
	w->payloads = grown;
	w->payloads[w->ids.n - 1] = out;
	return 0;
}

/* Takes the needles out of every outbox row that carries one. */
static int scrub_outbox(struct store *s, const struct needles *nd, struct store_anon_counts *n)
{
	struct rewrite w;
	size_t i;
	int rc = -1;

	if (!nd->n)
		return 0;
	memset(&w, 0, sizeof(w));
	w.nd = nd;
	if (store_each(s, store_query(s, SQL_OUTBOX_ALL, ""), read_outbox, &w) < 0)
		goto out;
	if (w.oom) {
		store_failf(s, "out of memory");
		goto out;
	}
	for (i = 0; i < w.ids.n; i++) {
		if (store_run(s, SQL_OUTBOX_SET, "it", w.ids.v[i], w.payloads[i]) < 0)
			goto out;
		n->messages++;
	}
	rc = 0;
out:
	for (i = 0; i < w.ids.n; i++)
		free(w.payloads[i]);
	free(w.payloads);
	free(w.ids.v);
	return rc;
}

/* ---- orders ------------------------------------------------------------------------ */

/* Anonymises one order; EXTRA: needles of the person beyond the order's own, or NULL. */
static int anonymise_one(struct store *s, int64_t order_id, int64_t now, const char *actor,
                         const char *via, const char *detail, store_path_cb cb, void *ud,
                         struct store_anon_counts *n, struct needles *all)
{
	struct needles nd;
	int rc = -1, found;
	size_t i;

	memset(&nd, 0, sizeof(nd));
	found = store_first(s, store_query(s, SQL_ORDER_NEEDLES, "i", order_id), read_order_needles,
	                    &nd);
	if (found <= 0) {
		if (found == 0)
			store_failf(s, "no order %lld", (long long)order_id);
		goto out;
	}
	if (all) {
		if (store_each(s, store_query(s, SQL_ORDER_WORDS, "i", order_id), read_words, all) <
		    0)
			goto out;
		for (i = 0; i < nd.n; i++)
			needle_add(all, nd.v[i], 0);
	}
	if (nd.oom || (all && all->oom)) {
		store_failf(s, "out of memory");
		goto out;
	}
	/* The mark first: the history's trigger lets details change on a marked order only. */
	if (store_run(s, SQL_ORDER_MARK, "ii", order_id, now) < 0 ||
	    run_scrub(s, SQL_ORDER_ANON, order_id, &nd, NULL) < 0 ||
	    add_changes(store_run(s, SQL_EVENTS_WORDS, "i", order_id), &n->events) < 0 ||
	    run_scrub(s, SQL_EVENTS_SCRUB, order_id, &nd, &n->events) < 0 ||
	    store_run(s, SQL_FEEDBACK_ANON, "i", order_id) < 0 ||
	    store_run(s, SQL_FOLLOWUP_ANON, "i", order_id) < 0 ||
	    drop_photos(s, SQL_ORDER_PHOTOS, SQL_ORDER_PHOTOS_DEL, order_id, cb, ud, n) < 0 ||
	    store_run(s, SQL_ANON_EVENT_ADD, "iittt", order_id, now, actor, via, detail) < 0)
		goto out;
	n->orders++;
	rc = 0;
out:
	needles_release(&nd);
	return rc;
}

int store_anonymise_order(struct store *s, int64_t order_id, int64_t now, const char *actor,
                          const char *via, const char *detail, store_path_cb photo_cb, void *ud,
                          struct store_anon_counts *n)
{
	struct needles all;
	int was = 1, rc;

	memset(&all, 0, sizeof(all));
	if (store_db_secure_on(s, &was) < 0)
		return -1;
	rc = anonymise_one(s, order_id, now, actor, via, detail, photo_cb, ud, n, &all);
	if (rc == 0)
		rc = scrub_outbox(s, &all, n);
	needles_release(&all);
	store_db_secure_restore(s, was);
	return rc;
}

/* ---- residents --------------------------------------------------------------------- */

struct resident_row {
	char name[128], phone[32], room[32];
	int64_t merged_into;
};

static int read_resident(struct store *s, const struct store_q *st, void *ud)
{
	struct resident_row *r = ud;

	(void)s;
	store_col(st, 0, r->name, sizeof(r->name));
	store_col(st, 1, r->phone, sizeof(r->phone));
	store_col(st, 2, r->room, sizeof(r->room));
	r->merged_into = store_int64(st, 3);
	return 0;
}

int store_person_records(struct store *s, int64_t resident_id, store_person_cb cb, void *ud)
{
	struct resident_row r;
	struct ids l;
	int64_t root = resident_id;
	int found, hops = 0, rc = -1;
	size_t i;

	for (;;) {
		found = store_first(s, store_query(s, SQL_ANON_RESIDENT_GET, "i", root),
		                    read_resident, &r);
		if (found < 0)
			return -1;
		if (found == 0) {
			if (root == resident_id)
				return 0;
			break; /* merged into a record that is gone: stop at the last one there */
		}
		if (!r.merged_into || r.merged_into == root || hops++ > 16)
			break;
		root = r.merged_into;
	}
	memset(&l, 0, sizeof(l));
	if (collect_ids(s, store_query(s, SQL_MERGED_FROM, "i", root), &l) < 0)
		goto out;
	for (i = 0; i < l.n; i++)
		if (cb(l.v[i], ud))
			break;
	rc = 1;
out:
	free(l.v);
	return rc;
}

/* CB for each ID statement ST answers (read whole first: CB may write), until it returns non-zero.
 */
static int each_id(struct store *s, struct store_q *st, store_person_cb cb, void *ud)
{
	struct ids l;
	size_t i;

	memset(&l, 0, sizeof(l));
	if (collect_ids(s, st, &l) < 0) {
		free(l.v);
		return -1;
	}
	for (i = 0; i < l.n; i++)
		if (cb(l.v[i], ud))
			break;
	free(l.v);
	return 0;
}

int store_residents_of_phone(struct store *s, const char *phone, store_person_cb cb, void *ud)
{
	if (!phone || !*phone)
		return 0;
	return each_id(s, store_query(s, SQL_PHONE_RESIDENTS, "t", phone), cb, ud);
}

int store_orders_of_phone(struct store *s, const char *phone, store_person_cb cb, void *ud)
{
	if (!phone || !*phone)
		return 0;
	return each_id(s, store_query(s, SQL_ORDERS_PHONE, "t", phone), cb, ud);
}

int store_forget_resident(struct store *s, int64_t resident_id, int64_t now, const char *actor,
                          const char *via, const char *detail, store_path_cb photo_cb, void *ud,
                          struct store_anon_counts *n)
{
	struct resident_row r;
	struct needles all;
	struct ids orders;
	int was = 1, rc = -1, found, k;
	size_t i;

	memset(&all, 0, sizeof(all));
	memset(&orders, 0, sizeof(orders));
	found = store_first(s, store_query(s, SQL_ANON_RESIDENT_GET, "i", resident_id),
	                    read_resident, &r);
	if (found <= 0)
		return found < 0 ? -1 : store_failf(s, "no resident %lld", (long long)resident_id);
	if (store_db_secure_on(s, &was) < 0)
		return -1;
	needle_add(&all, r.phone, NEEDLE_MIN_WORDS);
	needle_add(&all, r.name, NEEDLE_MIN_NAME);
	needle_add(&all, r.room, NEEDLE_MIN_NAME);
	if (collect_ids(s, store_query(s, SQL_RESIDENT_ORDERS, "i", resident_id), &orders) < 0)
		goto out;
	for (i = 0; i < orders.n; i++)
		if (anonymise_one(s, orders.v[i], now, actor, via, detail, photo_cb, ud, n, &all) <
		    0)
			goto out;
	/* What was said in their private chats, before the identities naming them go. */
	k = store_run(s, SQL_SESSIONS_DEL, "i", resident_id);
	if (k < 0)
		goto out;
	n->sessions += k;
	k = store_run(s, SQL_TRANSCRIPT_ANON, "i", resident_id);
	if (k < 0)
		goto out;
	n->messages += k;
	k = store_run(s, SQL_OUTBOX_PRIVATE, "i", resident_id);
	if (k < 0)
		goto out;
	n->messages += k;
	k = store_run(s, SQL_IDENTITIES_DEL, "i", resident_id);
	if (k < 0)
		goto out;
	n->identities += k;
	if (store_run(s, SQL_CODES_DEL, "i", resident_id) < 0 ||
	    store_run(s, SQL_RESIDENT_EVENTS_ANON, "i", resident_id) < 0 ||
	    drop_photos(s, SQL_RESIDENT_PHOTOS, SQL_RESIDENT_PHOTOS_DEL, resident_id, photo_cb, ud,
	                n) < 0 ||
	    store_run(s, SQL_RESIDENT_ANON, "ii", resident_id, now) < 0 ||
	    store_run(s, SQL_RESIDENT_EVENT_ADD, "iittt", resident_id, now, actor, via, detail) < 0)
		goto out;
	n->residents++;
	if (all.oom) {
		store_failf(s, "out of memory");
		goto out;
	}
	rc = scrub_outbox(s, &all, n);
out:
	needles_release(&all);
	free(orders.v);
	store_db_secure_restore(s, was);
	return rc;
}

/* ---- the retention period ---------------------------------------------------------- */

/* Messages aged out in one call at most: a day's worth (the first run has years to go). */
#define EXPIRE_SPAN 86400

/*
 * Replaces the text of SQL's rows from the mark KEY up to BEFORE, a day at a
 * time from the oldest row there (OLDEST finds it), and moves the mark.
 */
static int expire_since_mark(struct store *s, enum store_sql sql, enum store_sql oldest,
                             const char *key, int64_t before, int *count)
{
	int64_t mark = 0, first = 0, upto;
	char v[24];
	int k;

	if (store_first(s, store_query(s, SQL_KV_GET_INT, "t", key), store_row_int64, &mark) < 0)
		return -1;
	if (mark >= before)
		return 0;
	if (store_first(s, store_query(s, oldest, "i", mark), store_row_int64, &first) < 0)
		return -1;
	upto = first && first < before && before - first > EXPIRE_SPAN ? first + EXPIRE_SPAN
	                                                               : before;
	k = store_run(s, sql, "ii", mark, upto);
	if (k < 0)
		return -1;
	*count += k;
	snprintf(v, sizeof(v), "%lld", (long long)upto);
	return store_run(s, SQL_KV_SET, "tt", key, v) < 0 ? -1 : 0;
}

int store_privacy_expire(struct store *s, int64_t before, int64_t now, int limit, const char *actor,
                         const char *detail, store_path_cb photo_cb, void *ud,
                         struct store_anon_counts *n)
{
	struct ids l;
	int was = 1, rc = -1;
	size_t i;

	memset(&l, 0, sizeof(l));
	if (store_db_secure_on(s, &was) < 0)
		return -1;
	if (collect_ids(s, store_query(s, SQL_EXPIRE_CLOSED, "id", before, limit), &l) < 0 ||
	    collect_ids(s, store_query(s, SQL_EXPIRE_ENDED, "id", before, limit), &l) < 0)
		goto out;
	for (i = 0; i < l.n; i++)
		if (anonymise_one(s, l.v[i], now, actor, "system", detail, photo_cb, ud, n, NULL) <
		    0)
			goto out;
	if (expire_since_mark(s, SQL_OUTBOX_EXPIRE, SQL_OUTBOX_OLDEST, "privacy.outbox_before",
	                      before, &n->messages) < 0 ||
	    expire_since_mark(s, SQL_TRANSCRIPT_EXPIRE, SQL_TRANSCRIPT_OLDEST,
	                      "privacy.transcript_before", before, &n->messages) < 0)
		goto out;
	rc = 0;
out:
	free(l.v);
	store_db_secure_restore(s, was);
	return rc;
}

int store_privacy_checkpoint(struct store *s)
{
	return store_db_log_truncate(s);
}

/* ---- who looked ------------------------------------------------------------------- */

int store_view_add(struct store *s, int64_t at, const char *staff, const char *via,
                   const char *what, const char *subject)
{
	return store_run(s, SQL_VIEW_ADD, "itttt", at, staff, via, what, subject) < 0 ? -1 : 0;
}

struct view_walk {
	store_view_cb cb;
	void *ud;
};

static int read_view(struct store *s, const struct store_q *st, void *ud)
{
	const struct view_walk *w = ud;
	struct store_view v;

	(void)s;
	memset(&v, 0, sizeof(v));
	v.id = store_int64(st, 0);
	v.at = store_int64(st, 1);
	store_col(st, 2, v.staff, sizeof(v.staff));
	store_col(st, 3, v.via, sizeof(v.via));
	store_col(st, 4, v.what, sizeof(v.what));
	store_col(st, 5, v.subject, sizeof(v.subject));
	return w->cb(&v, w->ud) ? 1 : 0;
}

int store_views_list(struct store *s, const char *staff, int64_t from, int64_t to, int limit,
                     store_view_cb cb, void *ud)
{
	struct view_walk w = {cb, ud};

	return store_each(s,
	                  store_query(s, SQL_VIEWS, "tiii", staff ? staff : "", from, to,
	                              (int64_t)(limit > 0 ? limit : -1)),
	                  read_view, &w);
}
