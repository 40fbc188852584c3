/*
 * store_rows.c - rows out: the step loop every read of the store goes
 * through; see store_db.h.
 *
 * The loop gives the statement back on every path, so no read transaction
 * stays open after a failure, and store_step() records the database's error
 * before the reset that could replace it.
 */
#include "store/store_internal.h"

int store_row_int64(struct store *s, const struct store_q *q, void *ud)
{
	(void)s;
	*(int64_t *)ud = store_int64(q, 0);
	return 0;
}

int store_first(struct store *s, struct store_q *q, store_row_fn row, void *ud)
{
	int rc;

	if (!q)
		return -1;
	rc = store_step(s, q);
	if (rc > 0)
		rc = row(s, q, ud) < 0 ? -1 : 1;
	store_q_done(s, q);
	return rc;
}

int store_each(struct store *s, struct store_q *q, store_row_fn row, void *ud)
{
	int rc, r = 0;

	if (!q)
		return -1;
	while ((rc = store_step(s, q)) > 0) {
		r = row(s, q, ud);
		if (r)
			break;
	}
	if (r < 0)
		rc = -1; /* ROW recorded its error */
	else
		rc = rc < 0 ? -1 : 0;
	store_q_done(s, q);
	return rc;
}
