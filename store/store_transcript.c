/*
 * store_transcript.c - the lines of a conversation kept for channels whose
 * client shows history itself (the web chat page after a reload).
 */
#include "store/store_internal.h"

static const char sql_line_add[] =
        "INSERT INTO transcript (channel, chat, sender, text, buttons, client_id, at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_line_list[] =
        "SELECT id, sender, text, buttons, client_id, at FROM ("
        " SELECT * FROM transcript WHERE channel = ?1 AND chat = ?2 ORDER BY id DESC LIMIT ?3)"
        " ORDER BY id";

int store_transcript_add(struct store *s, const char *channel, const char *chat, const char *sender,
                         const char *text, const char *buttons, const char *client_id, int64_t at)
{
	return store_run(s, sql_line_add, "tttttti", channel, chat, sender, text, buttons,
	                 client_id, at) < 0
	               ? -1
	               : 0;
}

int store_transcript_list(struct store *s, const char *channel, const char *chat, int limit,
                          store_line_cb cb, void *ud)
{
	sqlite3_stmt *st = store_stmt(s, sql_line_list);
	struct store_line l;
	int rc;

	if (!st)
		return -1;
	if (store_bind(st, "ttd", channel, chat, limit > 0 ? limit : -1) < 0) {
		store_stmt_done(s, st);
		return store_fail(s);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		l.id = sqlite3_column_int64(st, 0);
		store_col(st, 1, l.sender, sizeof(l.sender));
		l.text = (const char *)sqlite3_column_text(st, 2);
		l.buttons = (const char *)sqlite3_column_text(st, 3);
		l.client_id = (const char *)sqlite3_column_text(st, 4);
		l.at = sqlite3_column_int64(st, 5);
		if (!l.text)
			l.text = "";
		if (!l.buttons)
			l.buttons = "";
		if (!l.client_id)
			l.client_id = "";
		if (cb(&l, ud))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(s);
		store_stmt_done(s, st);
		return -1;
	}
	store_stmt_done(s, st);
	return 0;
}
