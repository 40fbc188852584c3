/*
 * store_db.c - the statement layer's calls (store_db.h) and the store's
 * backend-bound ones (store.h), passed to the backend of each store or
 * statement; and store_open(), which picks the backend from the target.
 */
#include "store/store_internal.h"
#include "store/store_report.h"
#include "store/sqlite_db.h"

#include <stdio.h>
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

int store_ncols(const struct store_q *q)
{
	return q->be->ncols(q);
}

const char *store_colname(const struct store_q *q, int col)
{
	return q->be->colname(q, col);
}

int store_run_texts(struct store *s, const char *sql, int n, const char *const *v)
{
	return s->be->run_texts(s, sql, n, v);
}

/* Appends N bytes of S to OUT at *AT, as many as fit. */
static void shown_add(char *out, size_t outlen, size_t *at, const char *s, size_t n)
{
	if (*at + 1 >= outlen)
		return;
	if (n > outlen - 1 - *at)
		n = outlen - 1 - *at;
	memcpy(out + *at, s, n);
	*at += n;
	out[*at] = '\0';
}

void store_target_shown(const char *target, char *out, size_t outlen)
{
	const char *p = target, *scheme = strstr(target, "://"), *at, *colon, *slash, *pw;
	size_t o = 0;

	if (!outlen)
		return;
	out[0] = '\0';
	if (scheme) { /* scheme://user:password@host */
		slash = strchr(scheme + 3, '/');
		at = strchr(scheme + 3, '@');
		if (at && slash && at > slash)
			at = NULL;
		colon = at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
		if (colon) {
			shown_add(out, outlen, &o, p, (size_t)(colon + 1 - p));
			shown_add(out, outlen, &o, "***", 3);
			p = at;
		}
	}
	while ((pw = strstr(p, "password=")) != NULL) { /* ...?password=... */
		shown_add(out, outlen, &o, p, (size_t)(pw + 9 - p));
		shown_add(out, outlen, &o, "***", 3);
		p = pw + 9 + strcspn(pw + 9, "& ");
	}
	shown_add(out, outlen, &o, p, strlen(p));
}
