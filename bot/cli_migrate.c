/*
 * cli_migrate.c - `concierge migrate --from SRC --to DST`: a deployment
 * copied to another database, such as a SQLite file to PostgreSQL when a
 * centre moves to several servers (README, "Several servers").
 *
 * The destination is brought to the current schema and must be empty; the
 * copy is one transaction there, so a failure leaves it empty; each table's
 * count is compared at the end. The source is only read (a SQLite file
 * older than this program is first brought up to date, as the server would).
 * Run it with the servers stopped, or the rows they write meanwhile stay
 * behind.
 */
#include "bot/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_copy.h"

#define USAGE_MIGRATE "concierge migrate --from SOURCE --to DESTINATION"

struct bar {
	int tty;
	const char *last; /* the table the line is about */
};

static void progress(const char *table, int64_t done, int64_t total, int64_t all_done,
                     int64_t all_total, void *ud)
{
	struct bar *b = ud;
	int width = 30, fill = all_total ? (int)(all_done * width / all_total) : width;

	if (b->tty) {
		fprintf(stderr, "\r%-16s %10" PRId64 "/%-10" PRId64 " [%.*s%*s] %3d%%", table, done,
		        total, fill, "##############################", width - fill, "",
		        all_total ? (int)(all_done * 100 / all_total) : 100);
		fflush(stderr);
	}
	b->last = table; /* not on a terminal: the summary at the end says it all */
}

int cli_migrate(struct cli_env *env)
{
	const char *from = NULL, *to = NULL, *extra = NULL;
	const struct cli_opt opts[] = {
	        {"--from", 1, &from, NULL},
	        {"--to", 1, &to, NULL},
	        {NULL, 0, NULL, NULL},
	};
	struct store *src = NULL, *dst = NULL;
	char err[1024], a[256], b[256];
	struct bar bar = {isatty(2), NULL};
	int nextra = 0, rc = 1;
	int64_t n, total = 0;
	size_t t;

	if (cli_parse(env->argc, env->argv, opts, &extra, 0, &nextra, "migrate", USAGE_MIGRATE) < 0)
		return 2;
	if (!from || !to) {
		fprintf(stderr, "concierge: migrate: both --from and --to are needed\nusage: %s\n",
		        USAGE_MIGRATE);
		return 2;
	}
	store_display_name(from, a, sizeof(a));
	store_display_name(to, b, sizeof(b));
	if (strcmp(from, to) == 0) {
		fprintf(stderr, "concierge: migrate: the source and the destination are both %s\n",
		        a);
		return 2;
	}
	/* A source that is not there is a typing error, not a new empty file to copy. */
	if (!strstr(from, "://") &&
	    access(strncmp(from, "sqlite:", 7) == 0 ? from + 7 : from, R_OK)) {
		fprintf(stderr, "concierge: migrate: source: %s: no such file\n", a);
		return 1;
	}
	if (store_open(from, &src, err, sizeof(err)) < 0) {
		fprintf(stderr, "concierge: migrate: source: %s\n", err);
		goto out;
	}
	if (store_open(to, &dst, err, sizeof(err)) < 0) {
		fprintf(stderr, "concierge: migrate: destination: %s\n", err);
		goto out;
	}
	fprintf(stderr, "copying %s (%s) to %s (%s)\n", a, store_backend_name(src), b,
	        store_backend_name(dst));
	if (store_copy_all(src, dst, progress, &bar, err, sizeof(err)) < 0) {
		if (bar.tty && bar.last)
			fputc('\n', stderr);
		fprintf(stderr, "concierge: migrate: %s; %s is left as it was\n", err, b);
		goto out;
	}
	if (bar.tty && bar.last)
		fputc('\n', stderr);
	for (t = 0; store_copy_tables[t]; t++) {
		if (store_copy_count(dst, store_copy_tables[t], &n) < 0)
			break;
		printf("%-16s %10" PRId64 "\n", store_copy_tables[t], n);
		total += n;
	}
	printf("%" PRId64 " rows copied; the counts match. Point \"database\" at %s.\n", total, b);
	rc = 0;
out:
	store_close(src);
	store_close(dst);
	return rc;
}
