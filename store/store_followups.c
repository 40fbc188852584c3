/*
 * store_followups.c - follow-up visits (回访): which closed orders were
 * sampled, when their residents were asked, and what they answered.
 *
 * One row per sampled order (order_id is unique), so sampling twice is
 * harmless. The answers are kept in columns a report can count directly
 * (resolved, satisfied: 1, 0 or NULL); the order's history has them too,
 * as events written by the caller.
 */
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

/* A caller's callback for each candidate, and its argument. */
struct candidate_walk {
	store_fu_candidate_cb cb;
	void *ud;
};

static int read_candidate(struct store *s, const struct store_q *st, void *ud)
{
	const struct candidate_walk *w = ud;
	struct store_fu_candidate c;

	(void)s;
	memset(&c, 0, sizeof(c));
	c.order_id = store_int64(st, 0);
	store_col(st, 1, c.number, sizeof(c.number));
	store_col(st, 2, c.category, sizeof(c.category));
	store_col(st, 3, c.assignee, sizeof(c.assignee));
	return w->cb(&c, w->ud) ? 1 : 0;
}

int store_fu_candidates(struct store *s, int64_t from, int64_t to, store_fu_candidate_cb cb,
                        void *ud)
{
	struct candidate_walk w = {cb, ud};

	return store_each(s, store_query(s, SQL_FU_CANDIDATES, "ii", from, to), read_candidate, &w);
}

int store_followup_add(struct store *s, int64_t order_id, int64_t now)
{
	return store_run(s, SQL_FU_ADD, "ii", order_id, now);
}

static void read_row(const struct store_q *st, struct store_followup *f)
{
	memset(f, 0, sizeof(*f));
	f->id = store_int64(st, 0);
	f->order_id = store_int64(st, 1);
	f->sampled_at = store_int64(st, 2);
	f->asked_at = store_int64(st, 3);
	f->answered_at = store_int64(st, 4);
	f->resolved = store_int(st, 5);
	f->satisfied = store_int(st, 6);
	store_col(st, 7, f->comment, sizeof(f->comment));
	f->reopened = store_int(st, 8);
	store_col(st, 9, f->status, sizeof(f->status));
	store_col(st, 10, f->number, sizeof(f->number));
	store_col(st, 11, f->category, sizeof(f->category));
	store_col(st, 12, f->assignee, sizeof(f->assignee));
}

static int read_one(struct store *s, const struct store_q *st, void *ud)
{
	(void)s;
	read_row(st, ud);
	return 0;
}

int store_followup_of(struct store *s, int64_t order_id, struct store_followup *out)
{
	return store_first(s, store_query(s, SQL_FU_OF, "i", order_id), read_one, out);
}

/* Rows read so far; the callbacks run after the statement is given back (they may write). */
struct fu_rows {
	struct store_followup *rows;
	size_t n, cap;
};

static int collect(struct store *s, const struct store_q *st, void *ud)
{
	struct fu_rows *r = ud;

	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 16;
		struct store_followup *grown = realloc(r->rows, ncap * sizeof(*grown));

		if (!grown)
			return store_failf(s, "out of memory");
		r->rows = grown;
		r->cap = ncap;
	}
	read_row(st, &r->rows[r->n++]);
	return 0;
}

static int each_collected(struct store *s, struct store_q *st, store_followup_cb cb, void *ud)
{
	struct fu_rows r = {NULL, 0, 0};
	size_t i;
	int rc = store_each(s, st, collect, &r);

	for (i = 0; rc == 0 && i < r.n; i++)
		if (cb(&r.rows[i], ud))
			break;
	free(r.rows);
	return rc;
}

int store_followups_in(struct store *s, const char *status, store_followup_cb cb, void *ud)
{
	return each_collected(s, store_query(s, SQL_FU_IN, "t", status), cb, ud);
}

int store_followups_recent(struct store *s, int64_t since, int limit, store_followup_cb cb,
                           void *ud)
{
	return each_collected(s, store_query(s, SQL_FU_RECENT, "id", since, limit > 0 ? limit : -1),
	                      cb, ud);
}

/* An UPDATE of one row by id; no such row is an error. */
static int one_row(struct store *s, int64_t id, int n)
{
	if (n < 0)
		return -1;
	if (n == 0)
		return store_failf(s, "no follow-up %lld", (long long)id);
	return 0;
}

int store_followup_asked(struct store *s, int64_t id, int64_t now)
{
	return one_row(s, id, store_run(s, SQL_FU_ASKED, "ii", id, now));
}

int store_followup_set_status(struct store *s, int64_t id, const char *status)
{
	return one_row(s, id, store_run(s, SQL_FU_STATUS, "it", id, status));
}

int store_followup_answer(struct store *s, int64_t id, const char *question, int value,
                          const char *text, int64_t now)
{
	if (strcmp(question, "resolved") == 0)
		return one_row(s, id, store_run(s, SQL_FU_RESOLVED, "idi", id, value ? 1 : 0, now));
	if (strcmp(question, "satisfied") == 0)
		return one_row(s, id,
		               store_run(s, SQL_FU_SATISFIED, "idi", id, value ? 1 : 0, now));
	if (strcmp(question, "comment") == 0)
		return one_row(s, id, store_run(s, SQL_FU_COMMENT, "iTi", id, text, now));
	return store_failf(s, "no follow-up question \"%s\"", question);
}

int store_followup_reopened(struct store *s, int64_t id)
{
	return one_row(s, id, store_run(s, SQL_FU_REOPENED, "i", id));
}
