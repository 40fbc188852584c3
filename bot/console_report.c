/*
 * console_report.c - the figures behind GET /api/report and the console's
 * report page, behind one function so that a fuller report (response and
 * completion times, satisfaction, fees) can take its place: for now, how
 * many orders there are by status and by category, and the two together.
 */
#include "bot/console_internal.h"

static const char *const statuses[] = {
        "pending", "assigned", "scheduled", "in_progress", "awaiting_acceptance",
        "closed",  "rework",   "cancelled", "declined",    NULL};
static const char *const categories[] = {"repair",  "cleaning",  "errand",
                                         "inquiry", "complaint", NULL};

struct tally {
	json_t *by_status, *by_category, *pairs;
	json_int_t total;
};

static void bump(json_t *obj, const char *key, json_int_t n)
{
	json_t *v = json_object_get(obj, key); /* borrowed */

	json_object_set_new(obj, key, json_integer(json_integer_value(v) + n));
}

static int count(const char *status, const char *category, int64_t n, void *ud)
{
	struct tally *t = ud;

	bump(t->by_status, status, (json_int_t)n);
	bump(t->by_category, category, (json_int_t)n);
	json_array_append_new(t->pairs, json_pack("{s:s,s:s,s:I}", "status", status, "category",
	                                          category, "count", (json_int_t)n));
	t->total += (json_int_t)n;
	return 0;
}

static json_t *zeros(const char *const *keys)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; keys[i]; i++)
		json_object_set_new(o, keys[i], json_integer(0));
	return o;
}

json_t *console_report_build(struct store *s, const char *community, int64_t from, int64_t to,
                             const char *from_text, const char *to_text)
{
	struct tally t;

	t.by_status = zeros(statuses);
	t.by_category = zeros(categories);
	t.pairs = json_array();
	t.total = 0;
	if (store_orders_tally(s, community, from, to, count, &t) < 0) {
		json_decref(t.by_status);
		json_decref(t.by_category);
		json_decref(t.pairs);
		return NULL;
	}
	return json_pack("{s:s?,s:s?,s:s?,s:I,s:o,s:o,s:o}", "from", from_text, "to", to_text,
	                 "community", community, "total", t.total, "by_status", t.by_status,
	                 "by_category", t.by_category, "by_status_category", t.pairs);
}
