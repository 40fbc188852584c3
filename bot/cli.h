/*
 * cli.h - the commands of the `concierge` program.
 *
 * main() parses the global options, loads the configuration (refusing to
 * start on any problem), opens the store and hands the rest of the command
 * line to one of these. Each returns the process exit status.
 */
#ifndef CONCIERGE_CLI_H
#define CONCIERGE_CLI_H

#include <stdint.h>

struct cfg;
struct store;

struct cli_env {
	struct cfg *cfg;
	struct store *store; /* NULL for commands that need none */
	const char *config_path;
	const char *db_path;
	char db_shown[512]; /* db_path as messages show it: a URL without its password */
	int argc;           /* arguments after the command name */
	char **argv;
};

int cli_orders(struct cli_env *env);
int cli_outbox(struct cli_env *env);
/* cli_dead.c: `dead-letters list|replay`. */
int cli_dead_letters(struct cli_env *env);
/* cli_residents.c: `residents show|merge`. */
int cli_residents(struct cli_env *env);
int cli_serve(struct cli_env *env);
/* cli_report.c: `report`, `export FILE`, `backup FILE`. */
int cli_report(struct cli_env *env);
int cli_export(struct cli_env *env);
int cli_backup(struct cli_env *env);
/* cli_privacy.c: `forget --resident ID|--phone P`, `audit`. */
int cli_forget(struct cli_env *env);
int cli_audit(struct cli_env *env);
/* cli_migrate.c: `migrate --from SRC --to DST`; needs no configuration. */
int cli_migrate(struct cli_env *env);

/*
 * The options of a command (cli_opts.c). An option is "--name" (a flag) or
 * "--name VALUE" / "--name=VALUE"; the list ends with a {NULL} entry.
 */
struct cli_opt {
	const char *name;   /* "--json" */
	int takes_value;    /* 1: "--from D" */
	const char **value; /* takes_value: receives the value (unchanged when absent) */
	int *given;         /* or NULL: set to 1 when the option is there */
};

/*
 * Reads ARGV[0..ARGC) against OPTS: options anywhere, other words into POS
 * (at most NPOS; how many in *NPOS_OUT). "--" ends the options. An unknown
 * option, a missing value, an option given twice or a word too many is
 * refused: "concierge: WHAT: ..." and the usage line USAGE on stderr, and -1
 * (the command exits 2).
 */
int cli_parse(int argc, char **argv, const struct cli_opt *opts, const char **pos, int npos,
              int *npos_out, const char *what, const char *usage);

#endif
