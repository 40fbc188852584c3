/*
 * followup.h - which closed orders a follow-up visit (回访) asks about.
 *
 * The service standard asks for follow-ups on a sample of the work done, so
 * the sample must speak for all of it: every category of work and every
 * staff member among the orders that could be asked about is in it at least
 * once, and then more orders are added until RATE of them are. The choice is
 * a pure function of the orders (their numbers order them by a hash), so
 * tests and a restarted job choose the same ones; the rest of the follow-up
 * work is the core's (bot/followup.c, core_internal.h).
 */
#ifndef CONCIERGE_FOLLOWUP_H
#define CONCIERGE_FOLLOWUP_H

#include <stddef.h>

/* One order that may be sampled; strings are borrowed. */
struct followup_candidate {
	const char *number;
	const char *category;
	const char *assignee; /* "" or NULL when nobody held it */
};

/*
 * Chooses among the N candidates C: sets PICKED[i] to 1 for each chosen one
 * (0 for the others) and returns how many, or -1 when out of memory. At
 * least ceil(RATE * N) are chosen, and more when that is what it takes to
 * cover every category and every assignee; RATE 0 chooses none.
 */
int followup_sample(const struct followup_candidate *c, size_t n, double rate,
                    unsigned char *picked);

#endif
