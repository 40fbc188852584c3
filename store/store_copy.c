/*
 * store_copy.c - see store_copy.h.
 *
 * The statements are written from the source's columns, in SQL both
 * backends read ("$N" parameters, quoted names), and values go as text:
 * SQLite stores a number given as text in an INTEGER column as a number,
 * and PostgreSQL reads it into the column's type.
 */
#include "store/store_copy.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "store/store_internal.h"

const char *const store_copy_tables[] = {
        "kv",
        "staff",
        "duty",
        "dedup",
        "residents",
        "identities",
        "link_codes",
        "link_reroutes",
        "resident_events",
        "order_counters",
        "orders",
        "order_events",
        "feedback",
        "fees",
        "payments",
        "followups",
        "photos",
        "outbox",
        "transcript",
        "sessions",
        "inbound_dead",
        "detail_views",
        NULL,
};

#define COPY_COLS  64
#define COPY_EVERY 1000

/* Kept statement K of table T: 0 counts, 1 reads its rows, 2 reads none (the columns), 3 writes. */
static const char *statement(struct store *s, size_t t, unsigned k, const char *text)
{
	return store_variant_text(s, SQL_COPY, (unsigned)t * 4 + k, text);
}

static size_t table_index(const char *table)
{
	size_t i;

	for (i = 0; store_copy_tables[i]; i++)
		if (strcmp(store_copy_tables[i], table) == 0)
			return i;
	return (size_t)-1;
}

static int count(struct store *s, size_t t, int64_t *n)
{
	char text[128];
	const char *sql;

	snprintf(text, sizeof(text), "SELECT count(*) FROM %s", store_copy_tables[t]);
	sql = statement(s, t, 0, text);
	*n = 0;
	return sql && store_first(s, store_query_some(s, sql, ""), store_row_int64, n) >= 0 ? 0
	                                                                                    : -1;
}

int store_copy_count(struct store *s, const char *table, int64_t *n)
{
	size_t t = table_index(table);

	if (t == (size_t)-1)
		return store_failf(s, "no table %s to count", table);
	return count(s, t, n);
}

struct copy {
	struct store *from, *to;
	const char *insert;
	int ncols;
	const char *table;
	int64_t done, total, all_done, all_total;
	store_copy_cb progress;
	void *ud;
};

/* The INSERT of the source row's columns, learnt from its first row. */
static int write_insert(struct copy *c, size_t t, const struct store_q *q)
{
	struct buf b;
	int i;

	c->ncols = store_ncols(q);
	if (c->ncols <= 0 || c->ncols > COPY_COLS)
		return store_failf(c->to, "%s: %d columns", c->table, c->ncols);
	buf_init(&b);
	buf_printf(&b, "INSERT INTO %s (", c->table);
	for (i = 0; i < c->ncols; i++)
		buf_printf(&b, "%s\"%s\"", i ? ", " : "", store_colname(q, i));
	buf_add(&b, ") VALUES (");
	for (i = 0; i < c->ncols; i++)
		buf_printf(&b, "%s$%d", i ? ", " : "", i + 1);
	buf_add(&b, ")");
	c->insert = b.failed ? NULL : statement(c->to, t, 3, b.s);
	buf_release(&b);
	return c->insert ? 0 : store_failf(c->to, "out of memory");
}

static int copy_row(struct store *s, const struct store_q *q, void *ud)
{
	struct copy *c = ud;
	const char *v[COPY_COLS];
	int i;

	(void)s;
	if (!c->insert && write_insert(c, table_index(c->table), q) < 0)
		return -1;
	for (i = 0; i < c->ncols; i++)
		v[i] = store_null(q, i) ? NULL : store_text(q, i);
	if (store_run_texts(c->to, c->insert, c->ncols, v) != 1)
		return -1;
	c->done++;
	c->all_done++;
	if (c->progress && c->done % COPY_EVERY == 0)
		c->progress(c->table, c->done, c->total, c->all_done, c->all_total, c->ud);
	return 0;
}

static int copy_table(struct copy *c, size_t t)
{
	char text[128];
	const char *sql;

	c->table = store_copy_tables[t];
	c->insert = NULL;
	c->done = 0;
	if (count(c->from, t, &c->total) < 0)
		return -1;
	snprintf(text, sizeof(text), "SELECT * FROM %s ORDER BY 1", c->table);
	sql = statement(c->from, t, 1, text);
	if (!sql || store_each(c->from, store_query_some(c->from, sql, ""), copy_row, c) < 0)
		return -1;
	if (c->progress)
		c->progress(c->table, c->done, c->total, c->all_done, c->all_total, c->ud);
	return c->done ? c->to->be->copied(c->to, c->table) : 0;
}

/* Table T's rows in FROM into *N and in TO into *M; -1 with ERR saying which failed. */
static int count_both(struct store *from, struct store *to, size_t t, int64_t *n, int64_t *m,
                      char *err, size_t errlen)
{
	struct store *failed = count(from, t, n) < 0 ? from : count(to, t, m) < 0 ? to : NULL;

	if (failed)
		snprintf(err, errlen, "counting %s in the %s: %s", store_copy_tables[t],
		         failed == from ? "source" : "destination", store_errmsg(failed));
	return failed ? -1 : 0;
}

int store_copy_all(struct store *from, struct store *to, store_copy_cb progress, void *ud,
                   char *err, size_t errlen)
{
	struct copy c = {.from = from, .to = to, .progress = progress, .ud = ud};
	int64_t n = 0, m = 0;
	size_t t;

	for (t = 0; store_copy_tables[t]; t++) {
		if (count_both(from, to, t, &n, &m, err, errlen) < 0)
			return -1;
		/* A new database has its counter rows and staff from nobody yet: none at all. */
		if (m) {
			snprintf(err, errlen,
			         "the destination is not empty (%s has %" PRId64
			         " rows): copy into a new database",
			         store_copy_tables[t], m);
			return -1;
		}
		c.all_total += n;
	}
	if (store_begin(to) < 0) {
		snprintf(err, errlen, "destination: %s", store_errmsg(to));
		return -1;
	}
	for (t = 0; store_copy_tables[t]; t++) {
		if (copy_table(&c, t) < 0) {
			snprintf(err, errlen, "copying %s (row %" PRId64 "): %s", c.table,
			         c.done + 1, store_errmsg(to->err[0] ? to : from));
			store_rollback(to);
			return -1;
		}
	}
	if (store_commit(to) < 0) {
		snprintf(err, errlen, "destination: %s", store_errmsg(to));
		store_rollback(to);
		return -1;
	}
	for (t = 0; store_copy_tables[t]; t++) {
		if (count_both(from, to, t, &n, &m, err, errlen) < 0)
			return -1;
		if (n != m) {
			snprintf(err, errlen,
			         "%s: %" PRId64 " rows in the source, %" PRId64
			         " in the destination after the copy",
			         store_copy_tables[t], n, m);
			return -1;
		}
	}
	return 0;
}
