/*
 * store_photos.c - the photos residents sent with their requests.
 *
 * A row points at a file beside the database (bot/ writes it); the store
 * only remembers which order it belongs to. A photo sent during an intake
 * waits with no order until the intake makes one.
 */
#include "store/store_internal.h"

#include <string.h>

int store_photo_add(struct store *s, struct store_photo *p)
{
	int64_t id = 0;
	int n = store_run_id(s, SQL_PHOTO_ADD, &id, "nittitti", p->order_id, p->resident_id,
	                     p->hash, p->type, p->size, p->path, p->channel, p->at);

	if (n < 0)
		return -1;
	if (n == 0) {
		/* The order has this picture already: point at that row. */
		if (store_first(s, store_query(s, SQL_PHOTO_ID, "nt", p->order_id, p->hash),
		                store_row_int64, &p->id) < 0)
			return -1;
		return 0;
	}
	p->id = id;
	return 1;
}

int store_photo_attach(struct store *s, int64_t photo_id, int64_t order_id)
{
	int n = store_run(s, SQL_PHOTO_ATTACH, "ii", order_id, photo_id);

	return n < 0 ? -1 : n > 0;
}

struct photo_walk {
	store_photo_cb cb;
	void *ud;
};

static int walk_photo(struct store *s, const struct store_q *st, void *ud)
{
	const struct photo_walk *w = ud;
	struct store_photo p;

	(void)s;
	memset(&p, 0, sizeof(p));
	p.id = store_int64(st, 0);
	p.order_id = store_int64(st, 1);
	p.resident_id = store_int64(st, 2);
	store_col(st, 3, p.hash, sizeof(p.hash));
	store_col(st, 4, p.type, sizeof(p.type));
	p.size = store_int64(st, 5);
	store_col(st, 6, p.path, sizeof(p.path));
	store_col(st, 7, p.channel, sizeof(p.channel));
	p.at = store_int64(st, 8);
	return w->cb(&p, w->ud) ? 1 : 0;
}

int store_photos_list(struct store *s, int64_t order_id, store_photo_cb cb, void *ud)
{
	struct photo_walk w = {cb, ud};

	return store_each(s, store_query(s, SQL_PHOTOS_LIST, "i", order_id), walk_photo, &w);
}

int store_photos_pending(struct store *s, int64_t resident_id, int64_t since, store_photo_cb cb,
                         void *ud)
{
	struct photo_walk w = {cb, ud};

	return store_each(s, store_query(s, SQL_PHOTOS_PENDING, "ii", resident_id, since),
	                  walk_photo, &w);
}
