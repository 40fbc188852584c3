/*
 * cli_report.c - the manager's commands: `concierge report` (the figures of
 * a period), `concierge export` (the archive of a period as CSV or JSON
 * lines) and `concierge backup FILE` (a consistent copy of the database
 * while the gateway runs).
 *
 * The figures come from report_build(), the same function the console and
 * the API call; this file only reads the command line and picks a rendering.
 * An export reads one snapshot of the database, so an order and its
 * history agree even while the gateway writes; it shows a progress bar on
 * stderr when stderr is a terminal, and nothing there otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bot/cli.h"
#include "bot/config.h"
#include "bot/report.h"
#include "bot/report_figures.h"
#include "store/store.h"
#include "store/store_report.h"

#define USAGE_REPORT                                                                               \
	"concierge report [--from D] [--to D] [--community C] [--by category|staff|day] "          \
	"[--json|--csv]"
#define USAGE_EXPORT                                                                               \
	"concierge export [--from D] [--to D] [--community C] --format csv|jsonl "                 \
	"[--output FILE [--force]]"
#define USAGE_BACKUP "concierge backup FILE [--force]"

/* ---- report ------------------------------------------------------------------------- */

int cli_report(struct cli_env *env)
{
	const char *from = NULL, *to = NULL, *community = NULL, *by = NULL;
	int json = 0, csv = 0;
	struct report_query q;
	char err[512];
	json_t *doc;
	char *text;
	const struct cli_opt opts[] = {
	        {"--from", 1, &from, NULL},
	        {"--to", 1, &to, NULL},
	        {"--community", 1, &community, NULL},
	        {"--by", 1, &by, NULL},
	        {"--json", 0, NULL, &json},
	        {"--csv", 0, NULL, &csv},
	        {NULL, 0, NULL, NULL},
	};

	if (cli_parse(env->argc, env->argv, opts, NULL, 0, NULL, "report", USAGE_REPORT) < 0)
		return 2;
	if (json && csv) {
		fprintf(stderr,
		        "concierge: report: --json or --csv, not both\nusage: " USAGE_REPORT "\n");
		return 2;
	}
	if ((from && !*from) || (to && !*to) || (by && !*by) || (community && !*community) ||
	    report_query_parse(env->cfg, &q, from, to, community, by, err, sizeof(err)) < 0) {
		if ((from && !*from) || (to && !*to) || (by && !*by) || (community && !*community))
			snprintf(err, sizeof(err), "an option was given an empty value");
		fprintf(stderr, "concierge: report: --%s\nusage: " USAGE_REPORT "\n", err);
		return 2;
	}
	doc = report_build(env->store, env->cfg, &q, err, sizeof(err));
	if (!doc) {
		fprintf(stderr, "concierge: report: %s: %s\n", env->db_shown, err);
		return 1;
	}
	if (json) {
		text = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		if (text)
			printf("%s\n", text);
		free(text);
	} else if (csv) {
		report_render_csv(stdout, doc);
	} else {
		report_render_text(stdout, doc);
	}
	json_decref(doc);
	return 0;
}

/* ---- export ------------------------------------------------------------------------- */

struct export
{
	struct store *store;
	FILE *out;
	int csv;
	int64_t total, done;
	int bar;     /* stderr is a terminal */
	int percent; /* last drawn, -1 before the first */
	int failed;
};

static void progress(struct export *x, int last)
{
	enum { WIDTH = 30 };
	char bar[WIDTH + 1];
	int pct = x->total ? (int)(x->done * 100 / x->total) : 100, i;

	if (!x->bar || (pct == x->percent && !last))
		return;
	x->percent = pct;
	for (i = 0; i < WIDTH; i++)
		bar[i] = i < pct * WIDTH / 100 ? '#' : '-';
	bar[WIDTH] = '\0';
	fprintf(stderr, "\r导出 [%s] %3d%%  %lld/%lld", bar, pct, (long long)x->done,
	        (long long)x->total);
	if (last)
		fputc('\n', stderr);
}

static int add_money(const struct store_money *m, void *ud)
{
	json_t *arr = ud, *o = json_object();
	char at[40];

	report_time(m->at, at, sizeof(at));
	json_object_set_new(o, "amount",
	                    m->fen % 100 ? json_real((double)m->fen / 100.0)
	                                 : json_integer(m->fen / 100));
	if (m->receipt[0])
		json_object_set_new(o, "receipt", json_string(m->receipt));
	json_object_set_new(o, "by", json_string(m->by));
	json_object_set_new(o, "at", json_string(at));
	json_array_append_new(arr, o);
	return 0;
}

/* The order with everything recorded against it: a new object (caller owns it), or NULL. */
static json_t *archive_record(struct store *s, const struct store_order *o)
{
	json_t *j = report_order_json(s, o, 1), *fees = json_array(), *pays = json_array(), *fb;

	if (store_fees_list(s, o->id, add_money, fees) < 0 ||
	    store_payments_list(s, o->id, add_money, pays) < 0) {
		json_decref(fees);
		json_decref(pays);
		json_decref(j);
		return NULL;
	}
	json_object_set_new(j, "fees", fees);
	json_object_set_new(j, "payments", pays);
	fb = json_object();
	json_object_set(fb, "accepted", json_object_get(j, "accepted"));
	json_object_set(fb, "rating", json_object_get(j, "rating"));
	json_object_set(fb, "comment", json_object_get(j, "comment"));
	json_object_set_new(j, "feedback", fb);
	return j;
}

/* The columns of the CSV archive: one line per order. */
static const char *const csv_cols[] = {"number",      "created_at",
                                       "community",   "status",
                                       "category",    "item",
                                       "urgent",      "description",
                                       "room",        "contact_name",
                                       "phone",       "preferred_time",
                                       "resident",    "assignee",
                                       "eta",         "promised_minutes",
                                       "estimate",    "reason",
                                       "assigned_at", "started_at",
                                       "done_at",     "closed_at",
                                       "fee",         "fees",
                                       "paid",        "receipt",
                                       "paid_at",     "payments",
                                       "accepted",    "rating",
                                       "comment",     "events",
                                       "history",     NULL};

static void csv_scalar(FILE *f, const json_t *v)
{
	if (json_is_string(v))
		report_csv_text(f, json_string_value(v));
	else if (json_is_integer(v))
		fprintf(f, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		fprintf(f, "%.10g", json_real_value(v));
	else if (json_is_boolean(v))
		fputs(json_is_true(v) ? "true" : "false", f);
}

/* "50 (wang, 2026-11-27T11:00:00+08:00)" for each fee or payment, one per line. */
static void csv_money(FILE *f, const json_t *arr)
{
	const json_t *m;
	size_t i, len = 0;
	char *text = NULL;
	FILE *mem = open_memstream(&text, &len);

	if (!mem)
		return;
	json_array_foreach(arr, i, m)
	{
		const json_t *a = json_object_get(m, "amount");
		const char *r = json_string_value(json_object_get(m, "receipt"));

		if (i)
			fputc('\n', mem);
		if (json_is_integer(a))
			fprintf(mem, "%lld", (long long)json_integer_value(a));
		else
			fprintf(mem, "%.2f", json_number_value(a));
		fprintf(mem, "%s%s (%s, %s)", r ? " " : "", r ? r : "",
		        json_string_value(json_object_get(m, "by")),
		        json_string_value(json_object_get(m, "at")));
	}
	fclose(mem);
	report_csv_text(f, text ? text : "");
	free(text);
}

/* The history as lines "AT ACTION ACTOR OLD -> NEW DETAIL". */
static void csv_history(FILE *f, const json_t *events)
{
	const json_t *e;
	size_t i;
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (!m)
		return;
	json_array_foreach(events, i, e)
	{
		const char *old = json_string_value(json_object_get(e, "old_status"));
		const char *new_ = json_string_value(json_object_get(e, "new_status"));
		const char *detail = json_string_value(json_object_get(e, "detail"));

		fprintf(m, "%s%s %s %s %s -> %s%s%s", i ? "\n" : "",
		        json_string_value(json_object_get(e, "at")),
		        json_string_value(json_object_get(e, "action")),
		        json_string_value(json_object_get(e, "actor")), old ? old : "-",
		        new_ ? new_ : "-", detail ? " " : "", detail ? detail : "");
	}
	fclose(m);
	report_csv_text(f, text ? text : "");
	free(text);
}

static void csv_record(FILE *f, const json_t *j)
{
	int i;

	for (i = 0; csv_cols[i]; i++) {
		if (i)
			fputc(',', f);
		if (strcmp(csv_cols[i], "fees") == 0)
			csv_money(f, json_object_get(j, "fees"));
		else if (strcmp(csv_cols[i], "payments") == 0)
			csv_money(f, json_object_get(j, "payments"));
		else if (strcmp(csv_cols[i], "events") == 0)
			fprintf(f, "%zu", json_array_size(json_object_get(j, "events")));
		else if (strcmp(csv_cols[i], "history") == 0)
			csv_history(f, json_object_get(j, "events"));
		else
			csv_scalar(f, json_object_get(j, csv_cols[i]));
	}
	fputs("\r\n", f);
}

static int export_one(const struct store_order *o, void *ud)
{
	struct export *x = ud;
	json_t *j = archive_record(x->store, o);
	char *line;

	if (!j) {
		x->failed = 1;
		return 1;
	}
	if (x->csv) {
		csv_record(x->out, j);
	} else {
		line = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10));
		if (line)
			fprintf(x->out, "%s\n", line);
		else
			x->failed = 1;
		free(line);
	}
	json_decref(j);
	x->done++;
	progress(x, 0);
	return x->failed || ferror(x->out);
}

/* Opens FILE for the archive: a new file (0600: residents' details), or replaced with FORCE. */
static FILE *open_output(const char *path, int force)
{
	int fd = open(path, O_WRONLY | O_CREAT | (force ? O_TRUNC : O_EXCL), 0600);
	FILE *f;

	if (fd < 0) {
		fprintf(stderr, "concierge: export: %s: %s\n", path,
		        errno == EEXIST ? "already exists (--force replaces it)" : strerror(errno));
		return NULL;
	}
	f = fdopen(fd, "w");
	if (!f)
		close(fd);
	return f;
}

int cli_export(struct cli_env *env)
{
	const char *from = NULL, *to = NULL, *community = NULL, *format = NULL, *output = NULL;
	int force = 0, i, rc = 1;
	struct store_order_filter f;
	struct report_query q;
	struct export x;
	char err[512];
	const struct cli_opt opts[] = {
	        {"--from", 1, &from, NULL},
	        {"--to", 1, &to, NULL},
	        {"--community", 1, &community, NULL},
	        {"--format", 1, &format, NULL},
	        {"--output", 1, &output, NULL},
	        {"--force", 0, NULL, &force},
	        {NULL, 0, NULL, NULL},
	};

	if (cli_parse(env->argc, env->argv, opts, NULL, 0, NULL, "export", USAGE_EXPORT) < 0)
		return 2;
	if (!format || (strcmp(format, "csv") != 0 && strcmp(format, "jsonl") != 0)) {
		fprintf(stderr,
		        "concierge: export: --format csv or --format jsonl\nusage: " USAGE_EXPORT
		        "\n");
		return 2;
	}
	if ((from && !*from) || (to && !*to) || (community && !*community) ||
	    (output && !*output)) {
		fprintf(stderr, "concierge: export: an option was given an empty "
		                "value\nusage: " USAGE_EXPORT "\n");
		return 2;
	}
	if (force && !output) {
		fprintf(stderr, "concierge: export: --force replaces an --output file: name one\n"
		                "usage: " USAGE_EXPORT "\n");
		return 2;
	}
	if (report_query_parse(env->cfg, &q, from, to, community, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "concierge: export: --%s\nusage: " USAGE_EXPORT "\n", err);
		return 2;
	}
	memset(&x, 0, sizeof(x));
	x.store = env->store;
	x.csv = strcmp(format, "csv") == 0;
	x.bar = isatty(STDERR_FILENO);
	x.percent = -1;
	x.out = output ? open_output(output, force) : stdout;
	if (!x.out)
		return 1;
	memset(&f, 0, sizeof(f));
	f.from = q.from;
	f.to = q.to;
	f.community = q.community;
	f.oldest_first = 1;
	if (store_snapshot_begin(env->store) < 0 ||
	    store_report_count(env->store, q.from, q.to, q.community, &x.total) < 0) {
		fprintf(stderr, "concierge: export: %s: %s\n", env->db_shown,
		        store_errmsg(env->store));
		goto out;
	}
	if (x.csv) {
		/* A UTF-8 mark first: spreadsheet programs then read the Chinese right. */
		fputs("\xef\xbb\xbf", x.out);
		for (i = 0; csv_cols[i]; i++)
			fprintf(x.out, "%s%s", i ? "," : "", csv_cols[i]);
		fputs("\r\n", x.out);
	}
	progress(&x, 0);
	if (store_orders_list(env->store, &f, export_one, &x) < 0 || x.failed) {
		fprintf(stderr, "%sconcierge: export: %s: %s\n", x.bar ? "\n" : "", env->db_shown,
		        x.failed ? "cannot write the record" : store_errmsg(env->store));
		goto out;
	}
	progress(&x, 1);
	if (fflush(x.out) != 0 || ferror(x.out)) {
		fprintf(stderr, "concierge: export: %s: %s\n", output ? output : "stdout",
		        strerror(errno));
		goto out;
	}
	rc = 0;
out:
	store_snapshot_end(env->store);
	if (output) {
		if (fclose(x.out) != 0 && rc == 0) {
			fprintf(stderr, "concierge: export: %s: %s\n", output, strerror(errno));
			rc = 1;
		}
		if (rc != 0)
			unlink(output); /* no half an archive under a name that looks whole */
		else
			printf("%lld order%s written to %s\n", (long long)x.done,
			       x.done == 1 ? "" : "s", output);
	}
	return rc;
}

/* ---- backup ------------------------------------------------------------------------- */

int cli_backup(struct cli_env *env)
{
	const char *file = NULL;
	int n = 0, force = 0, pages = 0;
	const struct cli_opt opts[] = {{"--force", 0, NULL, &force}, {NULL, 0, NULL, NULL}};

	if (cli_parse(env->argc, env->argv, opts, &file, 1, &n, "backup", USAGE_BACKUP) < 0)
		return 2;
	if (!n) {
		fprintf(stderr, "usage: " USAGE_BACKUP "\n");
		return 2;
	}
	if (store_backup(env->store, file, force, &pages) < 0) {
		fprintf(stderr, "concierge: backup: %s\n", store_errmsg(env->store));
		return 1;
	}
	printf("%s: backup of %s, %d pages, integrity ok\n", file, env->db_shown, pages);
	return 0;
}
