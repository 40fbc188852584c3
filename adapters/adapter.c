/*
 * adapter.c - what every adapter shares for its calls; see adapter.h.
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
