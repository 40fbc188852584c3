/*
 * promises.h - when the promises made about an order run out, from the
 * order and the configuration alone: the timers (promises.c) act on these
 * deadlines and the report (report_figures.c) measures against them, so
 * "late" means the same thing to both.
 */
#ifndef CONCIERGE_PROMISES_H
#define CONCIERGE_PROMISES_H

#include <stdint.h>

struct cfg;

/*
 * The response promise: PROMISED_MINUTES after CREATED_AT, counted in the
 * business hours of COMMUNITY (an id of CFG; an unknown one: the first
 * community's, as cfg_community_of() says; no business hours: every
 * minute); an URGENT order counts every minute.
 */
int64_t promise_respond_by(const struct cfg *cfg, const char *community, int promised_minutes,
                           int urgent, int64_t created_at);

/*
 * The completion promise: the complete_hours of catalogue item ITEM, from
 * CREATED_AT or, for a request filed out of COMMUNITY's business hours, from
 * their next opening (URGENT: from CREATED_AT). 0 when the item promises none.
 */
int64_t promise_complete_by(const struct cfg *cfg, const char *community, const char *item,
                            int urgent, int64_t created_at);

#endif
