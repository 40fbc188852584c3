/*
 * clock.c - the program's clock. CONCIERGE_NOW (Unix seconds) stands in for
 * the real time so that tests can step past a dialog's expiry or an order's
 * promised response time without waiting.
 */
#include <stdlib.h>
#include <time.h>

#include "bot/cli.h"

int64_t cli_now(void)
{
	const char *fake = getenv("CONCIERGE_NOW");

	if (fake && *fake)
		return (int64_t)strtoll(fake, NULL, 10);
	return (int64_t)time(NULL);
}
