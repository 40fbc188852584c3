/*
 * store_transcript.c - the lines of a conversation kept for channels whose
 * client shows history itself (a chat page after a reload).
 */
#include "store/store_internal.h"

int store_transcript_add(struct store *s, const char *channel, const char *chat, const char *sender,
                         const char *text, const char *buttons, const char *client_id, int64_t at)
{
	return store_run(s, SQL_LINE_ADD, "tttttti", channel, chat, sender, text, buttons,
	                 client_id, at) < 0
	               ? -1
	               : 0;
}

/* A caller's callback for each line, and its argument. */
struct line_walk {
	store_line_cb cb;
	void *ud;
};

static int walk_line(struct store *s, const struct store_q *st, void *ud)
{
	const struct line_walk *w = ud;
	struct store_line l;

	(void)s;
	l.id = store_int64(st, 0);
	store_col(st, 1, l.sender, sizeof(l.sender));
	l.text = store_text(st, 2);
	l.buttons = store_text(st, 3);
	l.client_id = store_text(st, 4);
	l.at = store_int64(st, 5);
	return w->cb(&l, w->ud) ? 1 : 0;
}

int store_transcript_list(struct store *s, const char *channel, const char *chat, int limit,
                          store_line_cb cb, void *ud)
{
	struct line_walk w = {cb, ud};

	return store_each(
	        s, store_query(s, SQL_LINE_LIST, "ttd", channel, chat, limit > 0 ? limit : -1),
	        walk_line, &w);
}
