/*
 * test_registry.c - the channel table: every row complete and consistent,
 * switches read from the configuration, and how staff are reached.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "adapters/registry.h"
#include "bot/config.h"

static void test_find(void **state)
{
	size_t i, j;

	(void)state;
	/* Every row is found by its own name, and names are not repeated. */
	for (i = 0; adapter_registry[i]; i++) {
		assert_ptr_equal(adapter_find(adapter_registry[i]->name), adapter_registry[i]);
		for (j = 0; j < i; j++)
			assert_string_not_equal(adapter_registry[i]->name,
			                        adapter_registry[j]->name);
	}
	assert_int_equal(i, adapter_count());
	assert_true(i >= 4);
	assert_non_null(adapter_find("terminal"));
	assert_non_null(adapter_find("web"));
	assert_non_null(adapter_find("telegram"));
	assert_non_null(adapter_find("generic"));
	assert_non_null(adapter_find("slack"));
	assert_null(adapter_find("no-such-channel"));
	assert_null(adapter_find(NULL));
}

/* What the host relies on: a member that is there brings the members it needs. */
static void test_rows_complete(void **state)
{
	size_t i;
	int j;

	(void)state;
	for (i = 0; adapter_registry[i]; i++) {
		const struct adapter *a = adapter_registry[i];

		print_message("%s\n", a->name);
		assert_non_null(a->config);
		assert_non_null(a->config_free);
		if (a->build || a->classify) {
			assert_non_null(a->build);
			assert_non_null(a->classify);
			assert_non_null(a->can_send);
			assert_non_null(a->base_state);
		}
		if (a->polls || a->poll_build) {
			assert_non_null(a->polls);
			assert_non_null(a->poll_build);
			assert_non_null(a->poll_result);
			assert_non_null(a->poll_parse);
			assert_non_null(a->build); /* a polled platform is answered through it */
		}
		if (a->setup_build)
			assert_non_null(a->setup_result);
		if (a->relay) {
			/* calls relayed over its own connections are built and read like others */
			assert_non_null(a->build);
			assert_non_null(a->classify);
		}
		for (j = 0; j < ADAPTER_MAX_ROUTES && a->routes[j].path; j++) {
			assert_non_null(a->routes[j].handle);
			assert_true(a->routes[j].methods != 0);
			assert_int_equal(a->routes[j].path[0], '/');
		}
		if (a->ws.path) {
			assert_non_null(a->ws.open);
			assert_non_null(a->ws.message);
			assert_non_null(a->ws.closed);
			assert_true(a->ws.max_message > 0);
		}
		if (a->wsc.wanted) {
			/* a client websocket: where to, and what to do with what it says */
			assert_non_null(a->wsc.locate);
			assert_non_null(a->wsc.located);
			assert_non_null(a->wsc.connected);
			assert_non_null(a->wsc.message);
			assert_non_null(a->wsc.closed);
			assert_true(a->wsc.max_message > 0);
			/* the host shows one link; several are shown (per bot, per
			 * account) by the channel's health through host->ws_state */
			assert_non_null(a->health);
		}
		if (a->deliver || a->chat_open) {
			assert_non_null(a->deliver);
			assert_non_null(a->chat_open);
			assert_null(a->build); /* delivered to readers, or sent: not both */
		}
		if (a->command) {
			assert_non_null(a->run);
			assert_non_null(a->command_usage);
			assert_non_null(a->command_help);
		}
		/* A person is reached somewhere: their own queue, privately, or in a group. */
		if (a->build && !a->private_chats)
			assert_non_null(a->staff_chat);
	}
}

static struct cfg *load(const char *json)
{
	char path[] = "/tmp/test_registry_XXXXXX", err[4096];
	struct cfg *c = NULL;
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(json, f);
	fclose(f);
	if (cfg_load(path, &c, err, sizeof(err)) < 0)
		print_error("%s\n", err);
	unlink(path);
	assert_non_null(c);
	return c;
}

#define BASE                                                                                       \
	"\"communities\":[{\"id\":\"c\",\"name\":\"C\"}],"                                         \
	"\"catalogue\":[{\"id\":\"q\",\"category\":\"inquiry\",\"name\":\"Q\","                    \
	"\"response_minutes\":5}]"

static void test_enabled_follows_the_configuration(void **state)
{
	struct cfg *c;
	size_t i;

	(void)state;
	c = load("{" BASE "}");
	assert_int_equal(c->nchans, adapter_count());
	assert_true(cfg_chan_on(c, "terminal")); /* always there */
	assert_true(cfg_chan_on(c, "web"));      /* on unless switched off */
	assert_false(cfg_chan_on(c, "telegram"));
	assert_false(cfg_chan_on(c, "generic"));
	assert_false(cfg_chan_on(c, "nonsense"));
	assert_null(cfg_chan(c, "nonsense"));
	/* a channel left at its defaults (switched off) connects out nowhere */
	for (i = 0; i < c->nchans; i++)
		if (c->chans[i].a->wsc.wanted)
			assert_int_equal(c->chans[i].a->wsc.wanted(&c->chans[i]), 0);
	cfg_free(c);

	c = load("{" BASE ",\"channels\":{\"web\":{\"enabled\":false},"
	         "\"generic\":{\"enabled\":true,\"secret\":\"s\"},"
	         "\"slack\":{\"enabled\":false},\"onebot\":{\"enabled\":false}}}");
	assert_false(cfg_chan_on(c, "web"));
	assert_true(cfg_chan_on(c, "generic"));
	assert_false(cfg_chan_on(c, "slack"));
	assert_false(cfg_chan_on(c, "onebot")); /* no adapter in this build: a stub */
	assert_int_equal(c->nothers, 1);
	cfg_free(c);
}

static void test_staff_reached_where_they_read(void **state)
{
	struct adapter_person with = {"wang", "王师傅", "technician", "t0ken"};
	struct adapter_person without = {"zhao", "赵主管", "supervisor", NULL};
	const struct adapter *web = adapter_find("web"), *term = adapter_find("terminal");
	struct cfg *c;

	(void)state;
	c = load("{" BASE "}");
	assert_non_null(term->staff_reachable);
	assert_true(term->staff_reachable(cfg_chan(c, "terminal"), &without));
	assert_true(web->staff_reachable(cfg_chan(c, "web"), &with));
	assert_false(web->staff_reachable(cfg_chan(c, "web"), &without));
	/* On platforms staff are reached through their identities instead. */
	assert_null(adapter_find("telegram")->staff_reachable);
	assert_null(adapter_find("generic")->staff_reachable);
	assert_null(adapter_find("slack")->staff_reachable);
	assert_true(adapter_find("slack")->private_chats);
	cfg_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_find),
	        cmocka_unit_test(test_rows_complete),
	        cmocka_unit_test(test_enabled_follows_the_configuration),
	        cmocka_unit_test(test_staff_reached_where_they_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
