/*
 * helpers.h - what the dialog unit tests share: the demo configuration
 * (config.example.json) loaded once per cmocka group, in the centre's time
 * zone (Asia/Shanghai), so fixed moments mean the same hour everywhere.
 * Included by one test file each: the definitions are static on purpose.
 * Needs <cmocka.h> and "bot/config.h" included first.
 */
#ifndef CONCIERGE_TEST_HELPERS_H
#define CONCIERGE_TEST_HELPERS_H

#include <stdlib.h>
#include <time.h>

/* The demo configuration; owned by the group, valid between setup and teardown. */
static struct cfg *demo;

static int group_setup(void **state)
{
	char err[4096];

	(void)state;
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	if (cfg_load("config.example.json", &demo, err, sizeof(err)) < 0) {
		print_error("config.example.json: %s\n", err);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	cfg_free(demo);
	demo = NULL;
	return 0;
}

#endif
