/*
 * sql_dump.c - prints every statement of the store with both backends' texts,
 * as JSON, for tests/pg_sql_check.py:
 *   {"ids": [{"name": "KV_GET", "sqlite": "...", "pg": "..."}, ...],
 *    "variants": {"ORDERS_LIST": [[mask, sqlite, pg], ...], ...}}
 * A text a backend does not give is null. The variants are every mask of the
 * family's condition bits (store_internal.h), a superset of what callers make.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/buf.h"
#include "store/pg_sql.h"
#include "store/sqlite_db.h"

static const char *const names[SQL__N] = {
#define X(name) #name,
#include "store/sql_list.h"
#undef X
};

static json_t *text_or_null(const char *t)
{
	return t ? json_string(t) : json_null();
}

static json_t *variants(enum store_sql family, unsigned nmasks)
{
	json_t *a = json_array();
	unsigned m;

	for (m = 0; m < nmasks; m++) {
		struct buf lite, pg;

		buf_init(&lite);
		buf_init(&pg);
		store_sqlite_build(family, m, &lite);
		store_pg_build(family, m, &pg);
		if (lite.failed || pg.failed) {
			fprintf(stderr, "sql_dump: out of memory\n");
			exit(1);
		}
		json_array_append_new(
		        a, json_pack("[I, s, s]", (json_int_t)m, buf_str(&lite), buf_str(&pg)));
		buf_release(&lite);
		buf_release(&pg);
	}
	return a;
}

int main(void)
{
	static const char *lite[SQL__N], *pg[SQL__N];
	json_t *out = json_object(), *ids = json_array(), *var = json_object();
	int i;

	store_sqlite_sql_core(lite);
	store_sqlite_sql_orders(lite);
	store_sqlite_sql_outbox(lite);
	store_pg_sql_core(pg);
	store_pg_sql_orders(pg);
	store_pg_sql_outbox(pg);
	for (i = 0; i < SQL__N; i++)
		json_array_append_new(ids,
		                      json_pack("{s:s, s:o, s:o}", "name", names[i], "sqlite",
		                                text_or_null(lite[i]), "pg", text_or_null(pg[i])));
	json_object_set_new(var, "ORDERS_LIST", variants(SQL_ORDERS_LIST, LIST_AFTER << 1));
	json_object_set_new(var, "QUERY_IDS", variants(SQL_QUERY_IDS, Q_TO << 1));
	json_object_set_new(var, "QUERY_COUNT", variants(SQL_QUERY_COUNT, Q_TO << 1));
	json_object_set_new(out, "ids", ids);
	json_object_set_new(out, "variants", var);
	if (json_dumpf(out, stdout, JSON_COMPACT) < 0 || fputc('\n', stdout) == EOF)
		return 1;
	json_decref(out);
	return 0;
}
