/*
 * cli_opts.c - reading a command's options, the same way for every command:
 * nothing unknown is ever ignored, so a mistyped "--form" or "--sinse" is
 * an error with the usage line rather than a report of something else.
 */
#include <stdio.h>
#include <string.h>

#include "bot/cli.h"

static int refuse(const char *what, const char *usage, const char *why, const char *arg)
{
	fprintf(stderr, "concierge: %s: %s '%s'\nusage: %s\n", what, why, arg, usage);
	return -1;
}

int cli_parse(int argc, char **argv, const struct cli_opt *opts, const char **pos, int npos,
              int *npos_out, const char *what, const char *usage)
{
	int i, n = 0, options = 1, seen[32];
	size_t k, len;
	const char *eq;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (options && strcmp(a, "--") == 0) {
			options = 0;
			continue;
		}
		if (!options || a[0] != '-' || a[1] == '\0') {
			if (n >= npos)
				return refuse(what, usage, "unexpected argument", a);
			pos[n++] = a;
			continue;
		}
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a) : strlen(a);
		for (k = 0; opts[k].name; k++)
			if (strlen(opts[k].name) == len && strncmp(opts[k].name, a, len) == 0)
				break;
		if (!opts[k].name)
			return refuse(what, usage, "unknown option", a);
		if (k < sizeof(seen) / sizeof(seen[0]) && seen[k]++)
			return refuse(what, usage, "option given twice", opts[k].name);
		if (!opts[k].takes_value) {
			if (eq)
				return refuse(what, usage, "takes no value", a);
		} else if (eq) {
			*opts[k].value = eq + 1;
		} else if (i + 1 < argc) {
			*opts[k].value = argv[++i];
		} else {
			return refuse(what, usage, "needs a value", a);
		}
		if (opts[k].given)
			*opts[k].given = 1;
	}
	if (npos_out)
		*npos_out = n;
	return 0;
}
