/*
 * cli_serve.c - placeholder until the server lands.
 */
#include <stdio.h>

#include "bot/cli.h"

int cli_serve(struct cli_env *env)
{
	(void)env;
	fprintf(stderr, "concierge: serve is not built into this version yet\n");
	return 1;
}
