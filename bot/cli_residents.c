/*
 * cli_residents.c - `concierge residents ...`: the desk's view of a resident
 * across channels, and merging two residents the desk knows to be one
 * person (they came in, or phoned from the number both saved).
 *
 *   residents show ID|PHONE [--full] [--json]   identities, orders, history
 *   residents merge A B [--by STAFF]            B becomes part of A
 *
 * Phone numbers are masked unless --full is given: the output is often
 * read over a shoulder or pasted into a group.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bot/cli.h"
#include "bot/config.h"
#include "bot/report.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "dialogs/validate.h"
#include "store/store.h"
#include "store/store_link.h"

#define USAGE_SHOW  "concierge residents show ID|PHONE [--full] [--json]"
#define USAGE_MERGE "concierge residents merge A B [--by STAFF]"

struct show_ctx {
	struct cli_env *env;
	int full;
	json_t *arr; /* --json: the residents shown */
	json_t *cur; /* --json: the list being filled */
	int shown;
};

static void phone_shown(const struct show_ctx *x, const char *phone, char *out, size_t len)
{
	if (x->full || !phone[0])
		buf_copy(out, len, phone);
	else
		dlg_mask_phone(phone, out, len);
}

static int show_identity(const struct store_identity *id, void *ud)
{
	struct show_ctx *x = ud;
	char at[40] = "-";

	if (x->cur) {
		json_array_append_new(x->cur,
		                      json_pack("{s:s, s:s, s:s, s:I}", "channel", id->channel,
		                                "user", id->user, "chat", id->chat, "last_at",
		                                (json_int_t)id->last_at));
		return 0;
	}
	if (id->last_at)
		report_time(id->last_at, at, sizeof(at));
	printf("    %-10s %-34s chat %-34s last wrote %.19s\n", id->channel, id->user,
	       id->chat[0] ? id->chat : "-", at);
	return 0;
}

static int show_order(const struct store_order *o, void *ud)
{
	struct show_ctx *x = ud;

	if (x->cur) {
		json_array_append_new(x->cur, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "number",
		                                        o->number, "status", o->status, "category",
		                                        o->category, "description", o->description,
		                                        "notices", o->channel, "chat", o->chat));
		return 0;
	}
	printf("    %-12s %-20s %-10s notices: %s %-24s ", o->number, o->status, o->category,
	       o->channel[0] ? o->channel : "-", o->chat);
	report_clip(stdout, o->description, 40);
	fputc('\n', stdout);
	return 0;
}

static int show_event(const struct store_resident_event *e, void *ud)
{
	struct show_ctx *x = ud;
	char at[40];

	if (x->cur) {
		json_array_append_new(
		        x->cur, json_pack("{s:I, s:s, s:s, s:s, s:I, s:s}", "at", (json_int_t)e->at,
		                          "action", e->action, "actor", e->actor, "via", e->via,
		                          "other", (json_int_t)e->other_id, "detail", e->detail));
		return 0;
	}
	report_time(e->at, at, sizeof(at));
	printf("    %.19s  %-14s %-14s %-8s %s\n", at, e->action, e->actor, e->via, e->detail);
	return 0;
}

/* Shows resident ID (following a merge to the one it became part of). 1 shown, 0 none, <0. */
static int show_one(struct show_ctx *x, int64_t id)
{
	struct store *s = x->env->store;
	struct store_resident r;
	struct store_resident_link l;
	struct store_order_filter f;
	char phone[40];
	json_t *j = NULL;
	int rc, hops = 0;

	for (;;) {
		rc = store_resident_get(s, id, &r);
		if (rc <= 0)
			return rc;
		if (store_resident_link_get(s, id, &l) < 0)
			return -1;
		if (!l.merged_into || hops++ > 8)
			break;
		if (!x->arr)
			printf("Resident %lld was merged into resident %lld.\n", (long long)id,
			       (long long)l.merged_into);
		id = l.merged_into;
	}
	phone_shown(x, r.phone, phone, sizeof(phone));
	memset(&f, 0, sizeof(f));
	f.resident_id = id;
	if (x->arr) {
		j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)id, "name",
		              r.name, "room", r.room, "phone", phone, "lang", r.lang,
		              "notify_channel", l.notify_channel);
		x->cur = json_array();
		rc = store_identities_list(s, id, show_identity, x);
		json_object_set_new(j, "identities", x->cur);
		x->cur = json_array();
		if (rc == 0)
			rc = store_orders_list(s, &f, show_order, x);
		json_object_set_new(j, "orders", x->cur);
		x->cur = json_array();
		if (rc == 0)
			rc = store_resident_events(s, id, show_event, x);
		json_object_set_new(j, "events", x->cur);
		x->cur = NULL;
		json_array_append_new(x->arr, j);
	} else {
		if (x->shown)
			fputc('\n', stdout);
		printf("Resident %lld  %s\n", (long long)id, r.name[0] ? r.name : "(no name)");
		printf("  room          %s\n", r.room[0] ? r.room : "-");
		printf("  phone         %s\n", phone[0] ? phone : "-");
		printf("  language      %s\n", r.lang[0] ? r.lang : "-");
		printf("  notices       %s\n",
		       l.notify_channel[0] ? l.notify_channel : "where they last wrote");
		printf("  identities:\n");
		rc = store_identities_list(s, id, show_identity, x);
		printf("  orders:\n");
		if (rc == 0)
			rc = store_orders_list(s, &f, show_order, x);
		printf("  history:\n");
		if (rc == 0)
			rc = store_resident_events(s, id, show_event, x);
	}
	x->shown++;
	return rc < 0 ? -1 : 1;
}

struct phone_hits {
	int64_t ids[32];
	int n;
};

static int collect_id(int64_t id, void *ud)
{
	struct phone_hits *h = ud;

	h->ids[h->n++] = id;
	return h->n == (int)(sizeof(h->ids) / sizeof(h->ids[0]));
}

/* An ID is a small number; a phone is what dlg_norm_phone reads as one. */
static int parse_id(const char *arg, int64_t *id)
{
	char *end;
	long long v = strtoll(arg, &end, 10);

	if (!*arg || *end || v <= 0 || strlen(arg) > 9)
		return -1;
	*id = (int64_t)v;
	return 0;
}

static int residents_show(struct cli_env *env)
{
	struct show_ctx x;
	struct phone_hits hits;
	const char *arg = NULL;
	char phone[32];
	int64_t id;
	int n = 0, full = 0, json = 0, i, rc = 0;
	const struct cli_opt opts[] = {
	        {"--full", 0, NULL, &full}, {"--json", 0, NULL, &json}, {NULL, 0, NULL, NULL}};

	if (cli_parse(env->argc - 1, env->argv + 1, opts, &arg, 1, &n, "residents show",
	              USAGE_SHOW) < 0)
		return 2;
	if (!n) {
		fprintf(stderr, "usage: " USAGE_SHOW "\n");
		return 2;
	}
	memset(&x, 0, sizeof(x));
	x.full = full;
	x.env = env;
	if (json)
		x.arr = json_array();
	memset(&hits, 0, sizeof(hits));
	if (parse_id(arg, &id) == 0) {
		hits.ids[hits.n++] = id;
	} else if (dlg_norm_phone(arg, phone, sizeof(phone)) == 0) {
		rc = store_residents_with_phone(env->store, phone, collect_id, &hits);
	} else {
		fprintf(stderr,
		        "concierge: residents show: '%s' is neither a resident id nor a phone "
		        "number\nusage: " USAGE_SHOW "\n",
		        arg);
		json_decref(x.arr);
		return 2;
	}
	for (i = 0; rc >= 0 && i < hits.n; i++)
		rc = show_one(&x, hits.ids[i]);
	if (rc < 0) {
		fprintf(stderr, "concierge: %s: %s\n", env->db_shown, store_errmsg(env->store));
		json_decref(x.arr);
		return 1;
	}
	if (x.arr) {
		char *s = json_dumps(x.arr, JSON_INDENT(2));

		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(x.arr);
	}
	if (!x.shown) {
		fprintf(stderr, "concierge: no resident %s\n", arg);
		return 3;
	}
	return 0;
}

static int count_one(const struct store_identity *id, void *ud)
{
	(void)id;
	++*(int *)ud;
	return 0;
}

static int count_order(const struct store_order *o, void *ud)
{
	(void)o;
	++*(int *)ud;
	return 0;
}

static int residents_merge(struct cli_env *env)
{
	const char *args[2] = {NULL, NULL}, *by = NULL;
	char actor[96], detail[160];
	struct store_order_filter f;
	int64_t a, b;
	int n = 0, rc, ids = 0, orders = 0;
	const struct cli_opt opts[] = {{"--by", 1, &by, NULL}, {NULL, 0, NULL, NULL}};

	if (cli_parse(env->argc - 1, env->argv + 1, opts, args, 2, &n, "residents merge",
	              USAGE_MERGE) < 0)
		return 2;
	if (n != 2 || parse_id(args[0], &a) < 0 || parse_id(args[1], &b) < 0) {
		fprintf(stderr, "concierge: residents merge: two resident ids, the one that stays "
		                "first\nusage: " USAGE_MERGE "\n");
		return 2;
	}
	if (by && !cfg_staff_find(env->cfg, by)) {
		fprintf(stderr, "concierge: residents merge: --by %s: no such staff member\n", by);
		return 2;
	}
	snprintf(actor, sizeof(actor), by ? "staff:%s" : "desk", by ? by : "");
	snprintf(detail, sizeof(detail), "resident:%lld merged into resident:%lld at the desk",
	         (long long)b, (long long)a);
	if (store_begin(env->store) < 0) {
		fprintf(stderr, "concierge: %s: %s\n", env->db_shown, store_errmsg(env->store));
		return 1;
	}
	rc = store_residents_merge(env->store, a, b, clock_now(), actor, "cli", "merged_by_desk",
	                           detail);
	memset(&f, 0, sizeof(f));
	f.resident_id = a;
	if (rc == 0 && (store_identities_list(env->store, a, count_one, &ids) < 0 ||
	                store_orders_list(env->store, &f, count_order, &orders) < 0))
		rc = -1;
	if (rc != 0 || store_commit(env->store) < 0) {
		fprintf(stderr, "concierge: residents merge: %s\n", store_errmsg(env->store));
		store_rollback(env->store);
		return rc == 1 ? 3 : 1;
	}
	printf("resident %lld merged into resident %lld: now %d identit%s and %d order%s\n",
	       (long long)b, (long long)a, ids, ids == 1 ? "y" : "ies", orders,
	       orders == 1 ? "" : "s");
	return 0;
}

int cli_residents(struct cli_env *env)
{
	if (env->argc >= 1 && strcmp(env->argv[0], "show") == 0)
		return residents_show(env);
	if (env->argc >= 1 && strcmp(env->argv[0], "merge") == 0)
		return residents_merge(env);
	fprintf(stderr, "usage: " USAGE_SHOW "\n"
	                "       " USAGE_MERGE "\n");
	return 2;
}
