/*
 * cli_admin.c - `concierge orders ...` and `concierge outbox ...`: the
 * register, its forms and the delivery queue, for people (tables) and
 * tools (--json). Every option is read by cli_parse(): an unknown one is an
 * error with the usage line, never ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bot/cli.h"
#include "bot/config.h"
#include "bot/core.h"
#include "bot/report.h"
#include "bot/report_figures.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "dialogs/engine.h"
#include "dialogs/messages.h"
#include "store/store.h"

static void print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_ENSURE_ASCII * 0);

	if (s) {
		printf("%s\n", s);
		free(s);
	}
}

struct list_ctx {
	struct cli_env *env;
	json_t *arr;
	int lang;
	int n;
	int complaints; /* orders: complaints are counted apart from service work */
	int urgent;     /* orders: emergencies */
};

/* Prints what a list callback gathered: JSON, or EMPTY when a table had no rows. */
static int finish_list(struct cli_env *env, int rc, struct list_ctx *l, const char *empty)
{
	if (rc < 0) {
		fprintf(stderr, "concierge: %s: %s\n", env->db_shown, store_errmsg(env->store));
		json_decref(l->arr);
		return 1;
	}
	if (l->arr) {
		print_json(l->arr);
		json_decref(l->arr);
	} else if (!l->n) {
		puts(empty);
	}
	return 0;
}

static int list_one(const struct store_order *o, void *ud)
{
	struct list_ctx *l = ud;
	char created[40], fee[32] = "";

	if (l->arr) {
		json_array_append_new(l->arr, report_order_json(l->env->store, o, 0));
		return 0;
	}
	report_time(o->created_at, created, sizeof(created));
	created[16] = '\0';
	created[10] = ' ';
	if (o->fee >= 0)
		core_money(o->fee, fee, sizeof(fee));
	report_cell(stdout, o->number, 12);
	/* What needs attention first: an emergency, a complaint. */
	report_cell(stdout,
	            o->urgent                               ? "URGENT"
	            : strcmp(o->category, "complaint") == 0 ? "COMPLAINT"
	                                                    : "",
	            10);
	report_cell(stdout, o->status, 21);
	report_cell(stdout, o->category, 10);
	report_cell(stdout, o->room, 10);
	report_cell(stdout, o->assignee, 9);
	report_cell(stdout, fee, 7);
	report_cell(stdout, created, 17);
	report_clip(stdout, o->description, 40);
	fputc('\n', stdout);
	l->n++;
	l->complaints += strcmp(o->category, "complaint") == 0;
	l->urgent += o->urgent != 0;
	return 0;
}

#define USAGE_LIST "concierge orders list [--status S] [--from D] [--to D] [--json]"
#define USAGE_SHOW "concierge orders show NUMBER [--json]"
#define USAGE_FORM "concierge orders form NUMBER [--form register|dispatch|feedback|all] [--html]"

/* Day TEXT of option OPT in *OUT; -1 after a message. */
static int list_day(const char *opt, const char *text, int64_t *out)
{
	if (report_parse_day(text, out) == 0)
		return 0;
	fprintf(stderr,
	        "concierge: orders list: %s: '%s' is not a day (YYYY-MM-DD)\nusage: " USAGE_LIST
	        "\n",
	        opt, text);
	return -1;
}

/* --from/--to (or --since, the same as --from) as a period of creation; -1 after a message. */
static int list_period(const char *from, const char *to, const char *since,
                       struct store_order_filter *f)
{
	if (since && from) {
		fprintf(stderr, "concierge: orders list: --since is another name for --from: give "
		                "one of them\nusage: " USAGE_LIST "\n");
		return -1;
	}
	if (since && list_day("--since", since, &f->from) < 0)
		return -1;
	if (from && list_day("--from", from, &f->from) < 0)
		return -1;
	if (to) {
		if (list_day("--to", to, &f->to) < 0)
			return -1;
		f->to = report_next_day(f->to); /* the last day counts whole */
		if (f->from && f->to <= f->from) {
			fprintf(stderr, "concierge: orders list: --to %s is before --from %s\n", to,
			        since ? since : from);
			return -1;
		}
	}
	return 0;
}

static int orders_list(struct cli_env *env)
{
	struct store_order_filter f;
	struct list_ctx l;
	static const char *const statuses[] = {
	        "pending", "assigned", "scheduled", "in_progress", "awaiting_acceptance",
	        "closed",  "rework",   "cancelled", "declined",    "open",
	        NULL};
	const char *status = NULL, *from = NULL, *to = NULL, *since = NULL;
	int i, known = 0, json = 0, rc;
	const struct cli_opt opts[] = {
	        {"--status", 1, &status, NULL}, {"--from", 1, &from, NULL}, {"--to", 1, &to, NULL},
	        {"--since", 1, &since, NULL},   {"--json", 0, NULL, &json}, {NULL, 0, NULL, NULL},
	};

	if (cli_parse(env->argc - 1, env->argv + 1, opts, NULL, 0, NULL, "orders list",
	              USAGE_LIST) < 0)
		return 2;
	memset(&f, 0, sizeof(f));
	memset(&l, 0, sizeof(l));
	l.env = env;
	f.status = status;
	if (f.status) {
		for (i = 0; statuses[i]; i++)
			known |= strcmp(statuses[i], f.status) == 0;
		if (!known) {
			fprintf(stderr,
			        "concierge: unknown status '%s' (pending, assigned, "
			        "scheduled, in_progress, awaiting_acceptance, closed, rework, "
			        "cancelled, declined, or open)\n",
			        f.status);
			return 2;
		}
		if (strcmp(f.status, "open") == 0) {
			f.status = NULL;
			f.open_only = 1;
		}
	}
	if (list_period(from, to, since, &f) < 0)
		return 2;
	if (json)
		l.arr = json_array();
	else {
		report_cell(stdout, "NUMBER", 12);
		report_cell(stdout, "FLAG", 10);
		report_cell(stdout, "STATUS", 21);
		report_cell(stdout, "CATEGORY", 10);
		report_cell(stdout, "ROOM", 10);
		report_cell(stdout, "ASSIGNEE", 9);
		report_cell(stdout, "FEE", 7);
		report_cell(stdout, "CREATED", 17);
		fputs("DESCRIPTION\n", stdout);
	}
	rc = finish_list(env, store_orders_list(env->store, &f, list_one, &l), &l, "(no orders)");
	if (rc == 0 && !json && l.n)
		printf("%d order%s, of which %d complaint%s and %d urgent\n", l.n,
		       l.n == 1 ? "" : "s", l.complaints, l.complaints == 1 ? "" : "s", l.urgent);
	return rc;
}

static int show_event(const struct store_event *e, void *ud)
{
	char at[40];

	(void)ud;
	report_time(e->at, at, sizeof(at));
	printf("  %.19s  %-22s %-14s %s -> %s  %s\n", at, e->action, e->actor,
	       e->old_status[0] ? e->old_status : "-", e->new_status[0] ? e->new_status : "-",
	       e->detail);
	return 0;
}

static int show_photo(const struct store_photo *p, void *ud)
{
	(void)ud;
	printf("  photo         %s  (%s, %lld bytes)\n", p->path, p->type, (long long)p->size);
	return 0;
}

static int orders_show(struct cli_env *env)
{
	struct store_order o;
	char number[64] = "", t[40], fee[32];
	const char *arg = NULL;
	json_t *j;
	int n = 0, json = 0, rc;
	const struct cli_opt opts[] = {{"--json", 0, NULL, &json}, {NULL, 0, NULL, NULL}};

	if (cli_parse(env->argc - 1, env->argv + 1, opts, &arg, 1, &n, "orders show", USAGE_SHOW) <
	    0)
		return 2;
	if (!n) {
		fprintf(stderr, "usage: " USAGE_SHOW "\n");
		return 2;
	}
	core_norm_number(arg, number, sizeof(number));
	rc = store_order_get(env->store, number, &o);
	if (rc <= 0) {
		fprintf(stderr, "concierge: no order %s\n", number);
		return rc < 0 ? 1 : 3;
	}
	if (json) {
		j = report_order_json(env->store, &o, 1);
		print_json(j);
		json_decref(j);
		return 0;
	}
	report_time(o.created_at, t, sizeof(t));
	printf("Order %s  (%s)%s\n", o.number, o.status, o.urgent ? "  URGENT" : "");
	printf("  category      %s%s%s\n", o.category, o.item[0] ? " / " : "", o.item);
	printf("  description   %s\n", o.description);
	printf("  room          %s\n", o.room);
	printf("  contact       %s  %s\n", o.contact_name, o.phone);
	printf("  preferred     %s\n", o.preferred_time);
	printf("  created       %s  (respond within %d min)\n", t, o.promised_minutes);
	printf("  assignee      %s\n", o.assignee[0] ? o.assignee : "-");
	if (o.taken_by[0])
		printf("  intake        %s (%s, taken down by %s)\n", o.intake, o.source,
		       o.taken_by);
	if (o.eta[0])
		printf("  visit         %s\n", o.eta);
	if (o.fee >= 0) {
		core_money(o.fee, fee, sizeof(fee));
		printf("  fee           %s yuan%s%s\n", fee, o.receipt[0] ? ", paid, receipt " : "",
		       o.receipt);
	}
	if (o.accepted >= 0)
		printf("  accepted      %s\n", o.accepted ? "yes" : "no (rework)");
	if (o.rating)
		printf("  rating        %d/5%s%s\n", o.rating, o.comment[0] ? "  " : "", o.comment);
	if (o.reason[0])
		printf("  reason        %s\n", o.reason);
	store_photos_list(env->store, o.id, show_photo, NULL);
	printf("History:\n");
	store_events_list(env->store, o.id, show_event, NULL);
	return 0;
}

/* `orders form N`: the standard's forms, as text or as the printable page. */
static int orders_form(struct cli_env *env)
{
	const char *arg = NULL, *which = NULL;
	enum report_form form;
	struct buf b;
	int n = 0, html = 0, rc;
	const struct cli_opt opts[] = {
	        {"--form", 1, &which, NULL}, {"--html", 0, NULL, &html}, {NULL, 0, NULL, NULL}};

	if (cli_parse(env->argc - 1, env->argv + 1, opts, &arg, 1, &n, "orders form", USAGE_FORM) <
	    0)
		return 2;
	if (!n) {
		fprintf(stderr, "usage: " USAGE_FORM "\n");
		return 2;
	}
	if (report_form_parse(which, &form) < 0 || (which && !*which)) {
		fprintf(stderr,
		        "concierge: orders form: --form '%s': register, dispatch, feedback or all\n"
		        "usage: " USAGE_FORM "\n",
		        which);
		return 2;
	}
	buf_init(&b);
	rc = html ? report_form_html(env->store, env->cfg, arg, form, &b)
	          : report_form_text(env->store, env->cfg, arg, form, &b);
	if (rc == 1)
		fputs(buf_str(&b), stdout);
	else if (rc == 0)
		fprintf(stderr, "concierge: no order %s\n", arg);
	else
		fprintf(stderr, "concierge: %s: %s\n", env->db_shown, store_errmsg(env->store));
	buf_release(&b);
	return rc == 1 ? 0 : rc == 0 ? 3 : 1;
}

int cli_orders(struct cli_env *env)
{
	if (env->argc >= 1 && strcmp(env->argv[0], "list") == 0)
		return orders_list(env);
	if (env->argc >= 1 && strcmp(env->argv[0], "show") == 0)
		return orders_show(env);
	if (env->argc >= 1 && strcmp(env->argv[0], "form") == 0)
		return orders_form(env);
	fprintf(stderr, "usage: " USAGE_LIST "\n"
	                "       " USAGE_SHOW "\n"
	                "       " USAGE_FORM "\n");
	return 2;
}

/* ---- outbox ---------------------------------------------------------------------- */

static int outbox_one(const struct store_outbox *m, void *ud)
{
	struct list_ctx *l = ud;
	json_t *p;
	const char *text;
	char created[40];

	if (l->arr) {
		json_array_append_new(l->arr, report_outbox_json(m));
		return 0;
	}
	p = json_loads(m->payload ? m->payload : "", 0, NULL);
	text = json_string_value(json_object_get(p, "text"));
	report_time(m->created_at, created, sizeof(created));
	printf("%-6lld %-8s %-9s %-22.22s %3d  %.19s  ", (long long)m->id, m->status, m->channel,
	       m->chat, m->attempts, created);
	report_clip(stdout, text ? text : "", 30);
	if (m->last_error[0])
		printf("  error: %s", m->last_error);
	fputc('\n', stdout);
	json_decref(p);
	l->n++;
	return 0;
}

#define USAGE_OUTBOX_LIST  "concierge outbox list [--dead|--all] [--json]"
#define USAGE_OUTBOX_RETRY "concierge outbox retry ID|--all-dead"

static int outbox_list(struct cli_env *env)
{
	struct list_ctx l;
	int dead = 0, all = 0, json = 0;
	const struct cli_opt opts[] = {{"--dead", 0, NULL, &dead},
	                               {"--all", 0, NULL, &all},
	                               {"--json", 0, NULL, &json},
	                               {NULL, 0, NULL, NULL}};

	if (cli_parse(env->argc - 1, env->argv + 1, opts, NULL, 0, NULL, "outbox list",
	              USAGE_OUTBOX_LIST) < 0)
		return 2;
	memset(&l, 0, sizeof(l));
	l.env = env;
	if (json)
		l.arr = json_array();
	else
		printf("%-6s %-8s %-9s %-22s %3s  %-19s  %s\n", "ID", "STATUS", "CHANNEL", "CHAT",
		       "TRY", "CREATED", "TEXT");
	/* "Waiting to go out" by default: what was delivered is history, shown with --all. */
	return finish_list(env,
	                   store_outbox_list(env->store,
	                                     dead  ? STORE_OUTBOX_DEAD
	                                     : all ? STORE_OUTBOX_ALL
	                                           : STORE_OUTBOX_PENDING,
	                                     outbox_one, &l),
	                   &l, "(empty)");
}

static int outbox_retry(struct cli_env *env)
{
	const char *arg = NULL;
	int n = 0, all_dead = 0, rc;
	long long id = -1;
	char *end;
	const struct cli_opt opts[] = {{"--all-dead", 0, NULL, &all_dead}, {NULL, 0, NULL, NULL}};

	if (cli_parse(env->argc - 1, env->argv + 1, opts, &arg, 1, &n, "outbox retry",
	              USAGE_OUTBOX_RETRY) < 0)
		return 2;
	if (n == all_dead) { /* one of them, not both, not neither */
		fprintf(stderr, "usage: " USAGE_OUTBOX_RETRY "\n");
		return 2;
	}
	if (n) {
		id = strtoll(arg, &end, 10);
		if (*end || id <= 0) {
			fprintf(stderr, "concierge: outbox retry: '%s' is not a message id\n", arg);
			return 2;
		}
	}
	rc = store_outbox_revive(env->store, (int64_t)id, clock_now());
	if (rc < 0) {
		fprintf(stderr, "concierge: %s\n", store_errmsg(env->store));
		return 1;
	}
	if (rc == 0 && id > 0) {
		fprintf(stderr, "concierge: outbox retry: no dead message %lld\n", id);
		return 3;
	}
	printf("%d message%s queued again\n", rc, rc == 1 ? "" : "s");
	return 0;
}

int cli_outbox(struct cli_env *env)
{
	if (env->argc >= 1 && strcmp(env->argv[0], "list") == 0)
		return outbox_list(env);
	if (env->argc >= 1 && strcmp(env->argv[0], "retry") == 0)
		return outbox_retry(env);
	fprintf(stderr, "usage: " USAGE_OUTBOX_LIST "\n"
	                "       " USAGE_OUTBOX_RETRY "\n");
	return 2;
}
