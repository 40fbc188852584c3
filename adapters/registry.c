/*
 * registry.c - the table of channels; see registry.h. Adding a channel is a
 * row here plus its adapter files.
 */
#include "adapters/registry.h"

#include <string.h>

#include "bot/config.h"

static int always(const struct cfg *c)
{
	(void)c;
	return 1;
}

static int web_on(const struct cfg *c)
{
	return c->web.enabled;
}

static int telegram_on(const struct cfg *c)
{
	return c->telegram.enabled;
}

static int generic_on(const struct cfg *c)
{
	return c->generic.enabled;
}

/* Staff at the desk read the terminal with `concierge chat --as staff:ID`. */
static int any_staff(const struct cfg *c, const struct cfg_staff *s)
{
	(void)c;
	(void)s;
	return 1;
}

/* The web page knows staff by their personal link. */
static int staff_with_token(const struct cfg *c, const struct cfg_staff *s)
{
	(void)c;
	return s->token != NULL;
}

static const struct adapter terminal = {
        .name = "terminal",
        .enabled = always,
        .staff_reachable = any_staff,
};

static const struct adapter web = {
        .name = "web",
        .enabled = web_on,
        .staff_reachable = staff_with_token,
};

static const struct adapter telegram = {
        .name = "telegram",
        .enabled = telegram_on,
};

static const struct adapter generic = {
        .name = "generic",
        .enabled = generic_on,
};

const struct adapter *const adapter_registry[] = {&terminal, &web, &telegram, &generic, NULL};

const struct adapter *adapter_find(const char *name)
{
	size_t i;

	for (i = 0; name && adapter_registry[i]; i++)
		if (strcmp(adapter_registry[i]->name, name) == 0)
			return adapter_registry[i];
	return NULL;
}

int adapter_enabled(const struct cfg *c, const char *channel)
{
	const struct adapter *a = adapter_find(channel);
	size_t i;

	if (a)
		return a->enabled(c);
	/* Channels only configured so far (slack, onebot, ...): on or off as the file says. */
	for (i = 0; channel && i < c->nothers; i++)
		if (strcmp(c->others[i].name, channel) == 0)
			return c->others[i].enabled;
	return 0;
}
