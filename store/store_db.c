/*
 * store_db.c - the statement layer's calls (store_db.h) and the store's
 * backend-bound ones (store.h), passed to the backend of each store or
 * statement; and store_open(), which picks the backend from the target.
 */
#include "store/store_internal.h"
#include "store/store_report.h"
#include "store/sqlite_db.h"

#include <string.h>

int store_open(const char *target, struct store **out, char *err, size_t errlen)
{
	if (strncmp(target, "sqlite:", 7) == 0)
		target += 7;
	return store_sqlite_open(target, out, err, errlen);
}

void store_close(struct store *s)
{
	if (s)
		s->be->close(s);
}

struct store_q *store_query(struct store *s, enum store_sql sql, const char *fmt, ...)
{
	struct store_q *q;
	va_list ap;

	va_start(ap, fmt);
	q = s->be->query(s, s->sql[sql], 0, fmt, ap);
	va_end(ap);
	return q;
}

struct store_q *store_query_some(struct store *s, const char *sql, const char *fmt, ...)
{
	struct store_q *q;
	va_list ap;

	va_start(ap, fmt);
	q = s->be->query(s, sql, 1, fmt, ap);
	va_end(ap);
	return q;
}

int store_run(struct store *s, enum store_sql sql, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = s->be->run(s, s->sql[sql], NULL, fmt, ap);
	va_end(ap);
	return rc;
}

int store_run_id(struct store *s, enum store_sql sql, int64_t *id, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = s->be->run(s, s->sql[sql], id, fmt, ap);
	va_end(ap);
	return rc;
}

int store_step(struct store *s, struct store_q *q)
{
	return s->be->step(s, q);
}

void store_q_done(struct store *s, struct store_q *q)
{
	if (q)
		s->be->done(s, q);
}

int64_t store_int64(const struct store_q *q, int col)
{
	return q->be->int64(q, col);
}

int store_int(const struct store_q *q, int col)
{
	return (int)q->be->int64(q, col);
}

const char *store_text(const struct store_q *q, int col)
{
	const char *t = q->be->text(q, col);

	return t ? t : "";
}

int store_null(const struct store_q *q, int col)
{
	return q->be->null(q, col);
}

void store_col(const struct store_q *q, int col, char *dst, size_t dstlen)
{
	store_copy(dst, dstlen, q->be->text(q, col));
}

int store_in_tx(struct store *s)
{
	return s->be->in_tx(s);
}

int store_fail(struct store *s)
{
	return s->be->fail(s);
}

const char *store_errmsg(struct store *s)
{
	if (!s)
		return "no store";
	return s->err[0] ? s->err : "no error";
}

const char *store_path(struct store *s)
{
	return s->be->path(s);
}

void store_set_busy_ms(struct store *s, int ms)
{
	s->be->set_busy_ms(s, ms);
}

int store_set_sync(struct store *s, int full)
{
	return store_run(s, full ? SQL_SYNC_FULL : SQL_SYNC_NORMAL, "") < 0 ? -1 : 0;
}

int store_lazy_sync(struct store *s)
{
	return store_set_sync(s, 0);
}

int store_sync_now(struct store *s)
{
	return s->be->sync_now(s);
}

int store_db_secure_on(struct store *s, int *was)
{
	return s->be->secure_on(s, was);
}

void store_db_secure_restore(struct store *s, int was)
{
	s->be->secure_restore(s, was);
}

int store_db_log_truncate(struct store *s)
{
	return s->be->log_truncate(s);
}

int store_schema_version(struct store *s)
{
	return s->be->schema_version(s);
}

int store_checkpoint_apart(struct store *s)
{
	return s->be->checkpoint_apart(s);
}

long store_checkpoint_runs(struct store *s)
{
	return s->be->checkpoint_runs(s);
}

int store_backup(struct store *s, const char *dest, int force, int *pages)
{
	return s->be->backup(s, dest, force, pages);
}

int store_shared(const struct store *s)
{
	return s->be != &store_sqlite_backend;
}

const char *store_backend_name(const struct store *s)
{
	return s->be->name;
}
