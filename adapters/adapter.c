/*
 * adapter.c - what every adapter shares for its calls and its configuration;
 * see adapter.h.
 */
#include "adapters/adapter.h"

#include <stdlib.h>
#include <string.h>

int adapter_call_header(struct adapter_call *c, const char *line)
{
	char *copy;

	if (c->nheaders >= ADAPTER_MAX_HEADERS)
		return -1;
	copy = strdup(line);
	if (!copy)
		return -1;
	c->headers[c->nheaders++] = copy;
	return 0;
}

void adapter_call_release(struct adapter_call *c)
{
	int i;

	free(c->url);
	free(c->body);
	for (i = 0; i < c->nheaders; i++)
		free(c->headers[i]);
	memset(c, 0, sizeof(*c));
}

json_t *adapter_config_open(struct cfg_ld *ld, json_t *o, const char *path, const char *const *keys,
                            int *enabled, int *lax)
{
	*lax = 1;
	if (o && !json_is_object(o)) {
		cfg_problem(ld, path, "expected an object");
		return NULL;
	}
	if (!o)
		return NULL;
	cfg_check_keys(ld, o, path, keys);
	cfg_get_bool(ld, o, path, "enabled", 0, enabled);
	*lax = !*enabled;
	return o;
}
