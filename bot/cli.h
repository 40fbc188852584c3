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
	int argc; /* arguments after the command name */
	char **argv;
};

int cli_orders(struct cli_env *env);
int cli_outbox(struct cli_env *env);
int cli_serve(struct cli_env *env);

#endif
