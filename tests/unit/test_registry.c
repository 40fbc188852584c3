/*
 * test_registry.c - the channel table: names, switches and how staff are reached.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "adapters/registry.h"
#include "bot/config.h"

static void test_find(void **state)
{
	size_t i;

	(void)state;
	/* Every row is found by its own name, and names are not repeated. */
	for (i = 0; adapter_registry[i]; i++)
		assert_ptr_equal(adapter_find(adapter_registry[i]->name), adapter_registry[i]);
	assert_int_equal(i, 4);
	assert_non_null(adapter_find("terminal"));
	assert_non_null(adapter_find("web"));
	assert_non_null(adapter_find("telegram"));
	assert_non_null(adapter_find("generic"));
	assert_null(adapter_find("slack"));
	assert_null(adapter_find(NULL));
	assert_string_equal(adapter_find("telegram")->name, "telegram");
}

static void test_enabled_follows_the_configuration(void **state)
{
	struct cfg c;
	struct cfg_channel_stub others[1];

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(others, 0, sizeof(others));
	others[0].name = (char *)(uintptr_t) "slack";
	c.others = others;
	c.nothers = 1;
	assert_true(adapter_enabled(&c, "terminal")); /* always there */
	assert_false(adapter_enabled(&c, "web"));
	assert_false(adapter_enabled(&c, "telegram"));
	assert_false(adapter_enabled(&c, "slack"));
	assert_false(adapter_enabled(&c, "nonsense"));
	c.web.enabled = 1;
	c.telegram.enabled = 1;
	others[0].enabled = 1;
	assert_true(adapter_enabled(&c, "web"));
	assert_true(adapter_enabled(&c, "telegram"));
	assert_true(adapter_enabled(&c, "slack"));
	assert_false(adapter_enabled(&c, "generic"));
	c.generic.enabled = 1;
	assert_true(adapter_enabled(&c, "generic"));
	assert_false(adapter_enabled(&c, "nonsense"));
}

static void test_staff_reached_where_they_read(void **state)
{
	struct cfg c;
	struct cfg_staff with, without;
	const struct adapter *web = adapter_find("web"), *term = adapter_find("terminal");

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&with, 0, sizeof(with));
	memset(&without, 0, sizeof(without));
	with.token = (char *)(uintptr_t) "t0ken";
	assert_non_null(term->staff_reachable);
	assert_true(term->staff_reachable(&c, &without));
	assert_true(web->staff_reachable(&c, &with));
	assert_false(web->staff_reachable(&c, &without));
	/* On platforms staff are reached through their identities instead. */
	assert_null(adapter_find("telegram")->staff_reachable);
	assert_null(adapter_find("generic")->staff_reachable);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_find),
	        cmocka_unit_test(test_enabled_follows_the_configuration),
	        cmocka_unit_test(test_staff_reached_where_they_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
