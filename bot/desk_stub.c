/*
 * desk_stub.c - a stand-in for desk intake (core_desk_order), so that the
 * console's and the API's desk forms can be built and wired before the real
 * intake lands. To be deleted when it does.
 */
#include "bot/core.h"

#include <stdio.h>

int core_desk_order(struct core *c, const char *staff_id, const struct desk_request *r, int64_t now,
                    char *number, size_t numlen, char *err, size_t errlen)
{
	(void)c;
	(void)staff_id;
	(void)r;
	(void)now;
	if (numlen)
		number[0] = '\0';
	snprintf(err, errlen, "desk intake not available");
	return 1;
}
