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

#define FOLLOWUP_SELECT                                                                            \
	"SELECT f.id, f.order_id, f.sampled_at, COALESCE(f.asked_at, 0),"                          \
	" COALESCE(f.answered_at, 0), COALESCE(f.resolved, -1), COALESCE(f.satisfied, -1),"        \
	" COALESCE(f.comment, ''), f.reopened, f.status, o.number, o.category, o.assignee"         \
	" FROM followups f JOIN orders o ON o.id = f.order_id"

/* From orders_closed: "+" keeps the planner off orders_status (nearly every order is closed). */
static const char sql_fu_candidates[] =
        "SELECT o.id, o.number, o.category, o.assignee FROM orders o"
        " WHERE +o.status = 'closed' AND o.closed_at > ?1 AND o.closed_at <= ?2"
        " AND o.category <> 'complaint' AND o.channel <> '' AND o.chat <> ''"
        " AND NOT EXISTS (SELECT 1 FROM followups f WHERE f.order_id = o.id)"
        " ORDER BY o.closed_at, o.id";
static const char sql_fu_add[] = "INSERT INTO followups (order_id, sampled_at) VALUES (?1, ?2)"
                                 " ON CONFLICT (order_id) DO NOTHING";
static const char sql_fu_of[] = FOLLOWUP_SELECT " WHERE f.order_id = ?1";
static const char sql_fu_in[] = FOLLOWUP_SELECT " WHERE f.status = ?1 ORDER BY f.sampled_at, f.id";
static const char sql_fu_recent[] =
        FOLLOWUP_SELECT " WHERE f.sampled_at >= ?1 ORDER BY f.sampled_at DESC, f.id DESC LIMIT ?2";
static const char sql_fu_asked[] =
        "UPDATE followups SET asked_at = ?2, status = 'asked' WHERE id = ?1";
static const char sql_fu_status[] = "UPDATE followups SET status = ?2 WHERE id = ?1";
static const char sql_fu_resolved[] = "UPDATE followups SET resolved = ?2, answered_at = ?3,"
                                      " status = 'answered' WHERE id = ?1";
static const char sql_fu_satisfied[] = "UPDATE followups SET satisfied = ?2, answered_at = ?3,"
                                       " status = 'answered' WHERE id = ?1";
static const char sql_fu_comment[] = "UPDATE followups SET comment = ?2, answered_at = ?3,"
                                     " status = 'answered' WHERE id = ?1";
static const char sql_fu_reopened[] = "UPDATE followups SET reopened = 1 WHERE id = ?1";

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

	return store_each(s, store_query(s, sql_fu_candidates, "ii", from, to), read_candidate, &w);
}

int store_followup_add(struct store *s, int64_t order_id, int64_t now)
{
	return store_run(s, sql_fu_add, "ii", order_id, now);
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
	return store_first(s, store_query(s, sql_fu_of, "i", order_id), read_one, out);
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
	return each_collected(s, store_query(s, sql_fu_in, "t", status), cb, ud);
}

int store_followups_recent(struct store *s, int64_t since, int limit, store_followup_cb cb,
                           void *ud)
{
	return each_collected(s, store_query(s, sql_fu_recent, "id", since, limit > 0 ? limit : -1),
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
	return one_row(s, id, store_run(s, sql_fu_asked, "ii", id, now));
}

int store_followup_set_status(struct store *s, int64_t id, const char *status)
{
	return one_row(s, id, store_run(s, sql_fu_status, "it", id, status));
}

int store_followup_answer(struct store *s, int64_t id, const char *question, int value,
                          const char *text, int64_t now)
{
	if (strcmp(question, "resolved") == 0)
		return one_row(s, id, store_run(s, sql_fu_resolved, "idi", id, value ? 1 : 0, now));
	if (strcmp(question, "satisfied") == 0)
		return one_row(s, id,
		               store_run(s, sql_fu_satisfied, "idi", id, value ? 1 : 0, now));
	if (strcmp(question, "comment") == 0)
		return one_row(s, id, store_run(s, sql_fu_comment, "iTi", id, text, now));
	return store_failf(s, "no follow-up question \"%s\"", question);
}

int store_followup_reopened(struct store *s, int64_t id)
{
	return one_row(s, id, store_run(s, sql_fu_reopened, "i", id));
}
