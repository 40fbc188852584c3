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

/* 1 when TARGET is a PostgreSQL URL. */
static int is_pg_url(const char *target)
{
	return strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0;
}

/* Appends N bytes of P to BUF (length LEN, filled to *AT), always terminated. */
static void put(char *buf, size_t len, size_t *at, const char *p, size_t n)
{
	if (*at + n >= len)
		n = len - 1 - *at;
	memcpy(buf + *at, p, n);
	*at += n;
	buf[*at] = '\0';
}

const char *store_display_name(const char *target, char *buf, size_t len)
{
	const char *p, *auth, *end, *at, *colon, *q;
	size_t o = 0;
	int first = 1;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (!target)
		return buf;
	if (!is_pg_url(target)) {
		put(buf, len, &o, target, strlen(target));
		return buf;
	}
	auth = strstr(target, "://") + 3;
	put(buf, len, &o, target, (size_t)(auth - target));
	end = auth + strcspn(auth, "/?");
	/* user:password@hosts: the last @ of the authority ends the user part. */
	for (at = NULL, p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at) {
		colon = memchr(auth, ':', (size_t)(at - auth));
		put(buf, len, &o, auth, (size_t)((colon ? colon : at) - auth));
		put(buf, len, &o, "@", 1);
		auth = at + 1;
	}
	q = strchr(end, '?');
	put(buf, len, &o, auth, (size_t)((q ? q : end + strlen(end)) - auth));
	if (!q)
		return buf;
	/* The parameters but the passwords. */
	for (p = q + 1; *p;) {
		size_t n = strcspn(p, "&");

		if (!(n >= 9 && strncmp(p, "password=", 9) == 0) &&
		    !(n >= 12 && strncmp(p, "sslpassword=", 12) == 0) && n) {
			put(buf, len, &o, first ? "?" : "&", 1);
			put(buf, len, &o, p, n);
			first = 0;
		}
		p += n;
		if (*p == '&')
			p++;
	}
	return buf;
}

int store_open(const char *target, struct store **out, char *err, size_t errlen)
{
	if (is_pg_url(target))
		return store_pg_open(target, out, err, errlen);
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
