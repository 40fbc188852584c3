/*
 * cli_dead.c - `concierge dead-letters ...`: inbound messages that failed
 * every time and were set aside (bot/dead.h), for an operator to read and,
 * once the cause is fixed, to replay.
 *
 *   dead-letters list [--all] [--json]   waiting ones (--all: replayed too)
 *   dead-letters replay ID               handle it again, now
 *
 * A replay runs in this process, in a transaction of its own, as the
 * message would have been handled; the running server delivers the answers
 * it queued.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bot/cli.h"
#include "bot/core.h"
#include "bot/dead.h"
#include "bot/report.h"
#include "lib/clock.h"
#include "store/store.h"
#include "store/store_dead.h"

#define USAGE_DEAD_LIST   "concierge dead-letters list [--all] [--json]"
#define USAGE_DEAD_REPLAY "concierge dead-letters replay ID"

struct dead_ctx {
	json_t *arr; /* --json */
	int n;
};

static int dead_one(const struct store_dead *d, void *ud)
{
	struct dead_ctx *x = ud;
	json_t *msg = json_loads(d->raw ? d->raw : "", 0, NULL);
	const char *text = json_string_value(json_object_get(msg, "text"));
	char at[40];

	if (x->arr) {
		json_array_append_new(
		        x->arr,
		        json_pack("{s:I, s:s, s:s, s:s, s:i, s:s, s:I, s:I, s:I, s:o}", "id",
		                  (json_int_t)d->id, "channel", d->channel, "key", d->msg_key,
		                  "chat", d->chat, "attempts", d->attempts, "reason", d->reason,
		                  "first_at", (json_int_t)d->first_at, "dead_at",
		                  (json_int_t)d->dead_at, "replayed_at", (json_int_t)d->replayed_at,
		                  "message", msg ? msg : json_null()));
		x->n++;
		return 0;
	}
	report_time(d->dead_at, at, sizeof(at));
	printf("%-6lld %-9s %-22.22s %3d  %.19s  %-8s ", (long long)d->id, d->channel, d->chat,
	       d->attempts, at, d->replayed_at ? "replayed" : "waiting");
	report_clip(stdout, text ? text : "", 30);
	printf("  reason: %s\n", d->reason);
	json_decref(msg);
	x->n++;
	return 0;
}

static int dead_list(struct cli_env *env)
{
	struct dead_ctx x = {NULL, 0};
	int all = 0, json = 0, rc;
	char *s;
	const struct cli_opt opts[] = {
	        {"--all", 0, NULL, &all}, {"--json", 0, NULL, &json}, {NULL, 0, NULL, NULL}};

	if (cli_parse(env->argc - 1, env->argv + 1, opts, NULL, 0, NULL, "dead-letters list",
	              USAGE_DEAD_LIST) < 0)
		return 2;
	if (json)
		x.arr = json_array();
	else
		printf("%-6s %-9s %-22s %3s  %-19s  %-8s %s\n", "ID", "CHANNEL", "CHAT", "TRY",
		       "SET ASIDE", "STATE", "TEXT");
	rc = store_dead_list(env->store, all, dead_one, &x);
	if (rc < 0) {
		json_decref(x.arr);
		fprintf(stderr, "concierge: %s: %s\n", env->db_shown, store_errmsg(env->store));
		return 1;
	}
	if (x.arr) {
		s = json_dumps(x.arr, JSON_INDENT(2));
		puts(s ? s : "[]");
		free(s);
		json_decref(x.arr);
	} else if (!x.n) {
		puts("(none)");
	}
	return 0;
}

static int dead_replay_cmd(struct cli_env *env)
{
	const char *arg = NULL;
	struct core *core;
	long long id;
	char *end, err[512];
	int n = 0, rc;
	const struct cli_opt opts[] = {{NULL, 0, NULL, NULL}};

	if (cli_parse(env->argc - 1, env->argv + 1, opts, &arg, 1, &n, "dead-letters replay",
	              USAGE_DEAD_REPLAY) < 0)
		return 2;
	if (n != 1) {
		fprintf(stderr, "usage: " USAGE_DEAD_REPLAY "\n");
		return 2;
	}
	id = strtoll(arg, &end, 10);
	if (*end || id <= 0) {
		fprintf(stderr, "concierge: dead-letters replay: '%s' is not a dead letter id\n",
		        arg);
		return 2;
	}
	core = core_new(env->cfg, env->store);
	if (!core) {
		fprintf(stderr, "concierge: out of memory\n");
		return 1;
	}
	rc = dead_replay(env->store, core, (int64_t)id, clock_now(), err, sizeof(err));
	core_free(core);
	if (rc == 1) {
		fprintf(stderr, "concierge: dead-letters replay: %s\n", err);
		return 3;
	}
	if (rc < 0) {
		fprintf(stderr, "concierge: dead-letters replay %lld failed again: %s\n", id, err);
		return 1;
	}
	printf("dead letter %lld replayed\n", id);
	return 0;
}

int cli_dead_letters(struct cli_env *env)
{
	if (env->argc >= 1 && strcmp(env->argv[0], "list") == 0)
		return dead_list(env);
	if (env->argc >= 1 && strcmp(env->argv[0], "replay") == 0)
		return dead_replay_cmd(env);
	fprintf(stderr, "usage: " USAGE_DEAD_LIST "\n"
	                "       " USAGE_DEAD_REPLAY "\n");
	return 2;
}
