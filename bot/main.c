/*
 * main.c - `concierge [--config FILE] [--db PATH] COMMAND ...`.
 *
 * Loads and checks the configuration before anything else: a bad file stops
 * every command with the file, the path inside it and the reason. The time
 * zone of the configuration becomes the process's, so that "today 3pm" and
 * order numbers follow the service centre's calendar.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adapters/registry.h"
#include "bot/cli.h"
#include "bot/config.h"
#include "bot/core.h"
#include "bot/server.h"
#include "bot/version.h"
#include "lib/log.h"
#include "dialogs/engine.h"
#include "store/store.h"

#define VERSION CONCIERGE_VERSION

static void usage(FILE *f)
{
	size_t i;

	fputs("usage: concierge [--config FILE] [--db PATH] COMMAND [ARGS]\n"
	      "       concierge --help | --version\n"
	      "\n"
	      "commands:\n"
	      "  serve [--listen HOST:PORT]       run the gateway: webhooks, the chat page, the\n"
	      "                                   staff console (/console), the API (/api),\n"
	      "                                   /healthz, /metrics\n",
	      f);
	for (i = 0; adapter_registry[i]; i++)
		if (adapter_registry[i]->command)
			fprintf(f, "  %-32s %s\n", adapter_registry[i]->command_usage,
			        adapter_registry[i]->command_help);
	fputs("  orders list [--status S] [--from D] [--to D] [--json]\n"
	      "  orders show NUMBER [--json]\n"
	      "  orders form NUMBER [--form register|dispatch|feedback|all] [--html]\n"
	      "  outbox list [--dead|--all] [--json]\n"
	      "  outbox retry ID|--all-dead\n"
	      "  dead-letters list [--all] [--json]\n"
	      "  dead-letters replay ID\n"
	      "  residents show ID|PHONE [--full] [--json]\n"
	      "  residents merge A B [--by STAFF]\n"
	      "  forget --resident ID|--phone P [--by STAFF]\n"
	      "                                   anonymise a person, keeping the figures\n"
	      "  audit [--staff ID] [--json]      who viewed a person's details, and when\n"
	      "  report [--from D] [--to D] [--community C] [--by category|staff|day] "
	      "[--json|--csv]\n"
	      "  export [--from D] [--to D] [--community C] --format csv|jsonl "
	      "[--output FILE [--force]]\n"
	      "  migrate --from SRC --to DST      copy everything to a new database (a SQLite\n"
	      "                                   path or sqlite:PATH, a postgresql:// URL)\n"
	      "  backup FILE [--force]            a consistent copy of the database, while it "
	      "runs\n"
	      "  check-config                     report every problem in the configuration\n"
	      "  version                          the program's version (also --version)\n"
	      "  help                             this text (also --help, -h)\n"
	      "\n"
	      "--config defaults to config.json, then config.example.json, then the\n"
	      "embedded demo configuration.\n"
	      "--db defaults to the configuration's \"database\".\n",
	      f);
}

/* The channel whose own command CMD is ("chat"), or NULL. */
static struct chan *command_chan(const struct cfg *c, const char *cmd)
{
	size_t i;

	for (i = 0; i < c->nchans; i++)
		if (c->chans[i].a->command && strcmp(c->chans[i].a->command, cmd) == 0)
			return &c->chans[i];
	return NULL;
}

/* Makes the store's staff table match the configuration's staff list. */
static int sync_staff(struct store *s, const struct cfg *c)
{
	struct store_staff_row *rows = calloc(c->nstaff ? c->nstaff : 1, sizeof(*rows));
	size_t i;
	int rc;

	if (!rows)
		return -1;
	for (i = 0; i < c->nstaff; i++) {
		rows[i].id = c->staff[i].id;
		rows[i].name = c->staff[i].name;
		rows[i].role = c->staff[i].role;
		rows[i].skills = c->staff[i].skills;
		rows[i].nskills = c->staff[i].nskills;
	}
	rc = store_staff_sync(s, rows, c->nstaff);
	free(rows);
	return rc;
}

/* Runs CH's own command with a core and the host table. */
static int run_channel_command(struct cli_env *env, struct chan *ch)
{
	struct host_ctx hctx;
	int rc;

	if (!ch->enabled) {
		fprintf(stderr, "concierge: %s: channels.%s is switched off\n", env->config_path,
		        ch->name);
		return 2;
	}
	memset(&hctx, 0, sizeof(hctx));
	hctx.cfg = env->cfg;
	hctx.store = env->store;
	hctx.db_path = env->db_shown;
	hctx.core = core_new(env->cfg, env->store);
	if (!hctx.core)
		return 1;
	host_init(&hctx, env->cfg);
	rc = ch->a->run(ch, env->argc, env->argv);
	core_free(hctx.core);
	return rc;
}

/* config.json, else config.example.json, else NULL: the embedded demo configuration. */
static const char *default_config(void)
{
	if (access("config.json", F_OK) == 0)
		return "config.json";
	return access("config.example.json", F_OK) == 0 ? "config.example.json" : NULL;
}

static int load_config(struct cli_env *env, char *err, size_t errlen)
{
	if (!env->config_path)
		env->config_path = default_config();
	if (env->config_path)
		return cfg_load(env->config_path, &env->cfg, err, errlen);
	fprintf(stderr,
	        "concierge: no configuration file; using the embedded demo configuration\n");
	env->config_path = CFG_EMBEDDED_NAME;
	return cfg_load_text(env->config_path, cfg_example_json, &env->cfg, err, errlen);
}

int main(int argc, char **argv)
{
	struct cli_env env;
	struct chan *chan;
	const char *cmd;
	char err[8192];
	int i = 1, rc = 1;

	memset(&env, 0, sizeof(env));
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			env.config_path = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			env.config_path = argv[i] + 9;
		else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			env.db_path = argv[++i];
		else if (strncmp(argv[i], "--db=", 5) == 0)
			env.db_path = argv[i] + 5;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			puts("concierge " VERSION);
			return 0;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "concierge: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		} else
			break;
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[i];
	env.argc = argc - i - 1;
	env.argv = argv + i + 1;
	if ((strcmp(cmd, "help") == 0 || strcmp(cmd, "version") == 0) && env.argc) {
		fprintf(stderr, "concierge: %s: unexpected '%s'\n", cmd, env.argv[0]);
		usage(stderr);
		return 2;
	}
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "version") == 0) {
		puts("concierge " VERSION);
		return 0;
	}
	if (strcmp(cmd, "migrate") == 0)
		return cli_migrate(&env);
	if (load_config(&env, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		if (strcmp(cmd, "check-config") != 0)
			fprintf(stderr, "concierge: configuration refused, not starting\n");
		return 2;
	}
	if (dlg_check_flows(err, sizeof(err)) < 0) {
		fprintf(stderr, "concierge: %s\n", err);
		goto out;
	}
	if (strcmp(cmd, "check-config") == 0) {
		if (env.argc) {
			fprintf(stderr,
			        "concierge: check-config: unexpected '%s'\nusage: concierge "
			        "[--config FILE] check-config\n",
			        env.argv[0]);
			rc = 2;
			goto out;
		}
		printf("%s: OK\n", env.config_path);
		rc = 0;
		goto out;
	}
	setenv("TZ", env.cfg->timezone, 1);
	tzset();
	if (!env.db_path)
		env.db_path = env.cfg->database;
	store_display_name(env.db_path, env.db_shown, sizeof(env.db_shown));
	chan = command_chan(env.cfg, cmd);
	if (!chan && strcmp(cmd, "orders") != 0 && strcmp(cmd, "outbox") != 0 &&
	    strcmp(cmd, "dead-letters") != 0 && strcmp(cmd, "residents") != 0 &&
	    strcmp(cmd, "serve") != 0 && strcmp(cmd, "report") != 0 && strcmp(cmd, "export") != 0 &&
	    strcmp(cmd, "backup") != 0 && strcmp(cmd, "forget") != 0 && strcmp(cmd, "audit") != 0) {
		fprintf(stderr, "concierge: unknown command '%s'\n", cmd);
		usage(stderr);
		rc = 2;
		goto out;
	}
	if (store_open(env.db_path, &env.store, err, sizeof(err)) < 0) {
		fprintf(stderr, "concierge: %s\n", err);
		goto out;
	}
	if (sync_staff(env.store, env.cfg) < 0) {
		fprintf(stderr, "concierge: %s: %s\n", env.db_shown, store_errmsg(env.store));
		goto out;
	}
	/* The desk tools talk to a person: only warnings; the server logs its events. */
	log_set_format(env.cfg->log.json ? LOG_JSON : LOG_TEXT);
	log_set_level(strcmp(cmd, "serve") == 0 || env.cfg->log.level > LOG_WARN
	                      ? (enum log_level)env.cfg->log.level
	                      : LOG_WARN);
	log_init_from_env();
	if (chan)
		rc = run_channel_command(&env, chan);
	else if (strcmp(cmd, "orders") == 0)
		rc = cli_orders(&env);
	else if (strcmp(cmd, "outbox") == 0)
		rc = cli_outbox(&env);
	else if (strcmp(cmd, "dead-letters") == 0)
		rc = cli_dead_letters(&env);
	else if (strcmp(cmd, "residents") == 0)
		rc = cli_residents(&env);
	else if (strcmp(cmd, "report") == 0)
		rc = cli_report(&env);
	else if (strcmp(cmd, "export") == 0)
		rc = cli_export(&env);
	else if (strcmp(cmd, "backup") == 0)
		rc = cli_backup(&env);
	else if (strcmp(cmd, "forget") == 0)
		rc = cli_forget(&env);
	else if (strcmp(cmd, "audit") == 0)
		rc = cli_audit(&env);
	else
		rc = cli_serve(&env);
out:
	store_close(env.store);
	cfg_free(env.cfg);
	return rc;
}
