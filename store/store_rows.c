/*
 * store_rows.c - parameters in, rows out: binding from a format, and the
 * step loop every read of the store goes through; see store_internal.h.
 *
 * The loop gives the statement back on every path, so no read transaction
 * stays open after a failure, and it records SQLite's error before the
 * reset that could replace it.
 */
#include "store/store_internal.h"

/* Binds as store_vbind(); parameters past LAST (-1: none skipped) are read and left out. */
static int vbind(sqlite3_stmt *st, int last, const char *fmt, va_list ap)
{
	int i, rc = SQLITE_OK;

	for (i = 0; fmt[i] && rc == SQLITE_OK; i++) {
		const char *t;
		int64_t v;

		if (last >= 0 && i + 1 > last) {
			if (fmt[i] == 't' || fmt[i] == 'T')
				(void)va_arg(ap, const char *);
			else if (fmt[i] == 'd')
				(void)va_arg(ap, int);
			else
				(void)va_arg(ap, int64_t);
			continue;
		}
		switch (fmt[i]) {
		case 't':
			t = va_arg(ap, const char *);
			rc = sqlite3_bind_text(st, i + 1, t ? t : "", -1, SQLITE_STATIC);
			break;
		case 'T':
			t = va_arg(ap, const char *);
			rc = t ? sqlite3_bind_text(st, i + 1, t, -1, SQLITE_STATIC)
			       : sqlite3_bind_null(st, i + 1);
			break;
		case 'i':
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 'n':
			v = va_arg(ap, int64_t);
			rc = v ? sqlite3_bind_int64(st, i + 1, v) : sqlite3_bind_null(st, i + 1);
			break;
		case 'd':
			rc = sqlite3_bind_int(st, i + 1, va_arg(ap, int));
			break;
		default:
			rc = SQLITE_MISUSE;
		}
	}
	return rc == SQLITE_OK ? 0 : -1;
}

int store_vbind(sqlite3_stmt *st, const char *fmt, va_list ap)
{
	return vbind(st, -1, fmt, ap);
}

/* store_query(), or with SOME the parameters past the last the text names left out. */
static sqlite3_stmt *vquery(struct store *s, int some, const char *sql, const char *fmt, va_list ap)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (!st)
		return NULL;
	rc = vbind(st, some ? sqlite3_bind_parameter_count(st) : -1, fmt, ap);
	if (rc < 0) {
		store_fail(s);
		store_stmt_done(s, st);
		return NULL;
	}
	return st;
}

sqlite3_stmt *store_query(struct store *s, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;

	va_start(ap, fmt);
	st = vquery(s, 0, sql, fmt, ap);
	va_end(ap);
	return st;
}

sqlite3_stmt *store_query_some(struct store *s, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;

	va_start(ap, fmt);
	st = vquery(s, 1, sql, fmt, ap);
	va_end(ap);
	return st;
}

int store_row_int64(struct store *s, sqlite3_stmt *st, void *ud)
{
	(void)s;
	*(int64_t *)ud = sqlite3_column_int64(st, 0);
	return 0;
}

int store_first(struct store *s, sqlite3_stmt *st, store_row_fn row, void *ud)
{
	int rc;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = row(s, st, ud) < 0 ? -1 : 1;
	else if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = store_fail(s);
	store_stmt_done(s, st);
	return rc;
}

int store_each(struct store *s, sqlite3_stmt *st, store_row_fn row, void *ud)
{
	int rc, r = 0;

	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r = row(s, st, ud);
		if (r)
			break;
	}
	if (r < 0)
		rc = -1; /* ROW recorded its error */
	else
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(s);
	store_stmt_done(s, st);
	return rc;
}
