/*
 * sqlite_sql_outbox.c - the SQLite texts of the store's statements (store_outbox.c,
 * store_transcript.c, store_photos.c).
 */
#include "store/sqlite_db.h"

#define OUTBOX_SELECT                                                                              \
	"SELECT id, channel, chat, payload, attempts, next_at, status, last_error, created_at,"    \
	" sent_at FROM outbox"

void store_sqlite_sql_outbox(const char **t)
{
	t[SQL_OUTBOX_ADD] = "INSERT INTO outbox (channel, chat, payload, next_at, "
	                    "created_at) VALUES (?1, ?2, ?3, ?5, ?4)";
	t[SQL_OUTBOX_DUE] =
	        OUTBOX_SELECT " WHERE status = 'pending' AND next_at <= ?1 ORDER BY id LIMIT ?2";
	/* NOT INDEXED: by the row IDs after ?2, never a walk of every pending row of the channel */
	t[SQL_OUTBOX_AFTER] = OUTBOX_SELECT " NOT INDEXED WHERE id > ?2 AND channel = ?1 AND "
	                                    "status = 'pending' ORDER BY id LIMIT ?3";
	/* The sender's reads (bot/sender_queue.c): new rows, each chat's first, one row. */
	t[SQL_OUTBOX_HEADS] = "SELECT min(id), chat, next_at FROM outbox"
	                      " WHERE status = 'pending' AND channel = ?1 GROUP BY chat";
	t[SQL_OUTBOX_HEAD] =
	        "SELECT id, chat, next_at FROM outbox WHERE status = 'pending' AND channel = ?1"
	        " AND chat = ?2 AND id > ?3 ORDER BY id LIMIT 1";
	t[SQL_OUTBOX_BUTTONS] =
	        "SELECT id, chat, next_at FROM outbox WHERE status = 'pending' AND channel = ?1"
	        " AND payload LIKE '{\"answer_callback\"%'";
	t[SQL_OUTBOX_GET] = OUTBOX_SELECT " WHERE id = ?1";
	t[SQL_OUTBOX_LAST] = "SELECT coalesce(max(id), 0) FROM outbox";
	t[SQL_OUTBOX_FOR_CHAT] = OUTBOX_SELECT
	        " WHERE channel = ?1 AND chat = ?2 AND status = 'pending' ORDER BY id";
	/*
	 * The queries of one chat's rows go by outbox_chat: "+next_at" keeps the
	 * planner off outbox_due, whose range would be every pending row of every
	 * chat (rows for pages and desks that are away wait there by thousands).
	 */
	t[SQL_OUTBOX_DUE_FOR_CHAT] = OUTBOX_SELECT
	        " WHERE channel = ?1 AND chat = ?2 AND status = 'pending' AND +next_at <= ?3"
	        " ORDER BY id";
	/*
	 * Chats with a row due now that is new (its ID past ?2: the primary key's
	 * range, the other terms kept off the indexes) or came due at ?3 or later
	 * (outbox_due's range).
	 */
	t[SQL_OUTBOX_FRESH_CHATS] =
	        "SELECT chat FROM outbox WHERE id > ?2 AND +channel = ?1 AND +status = 'pending'"
	        " AND +next_at <= ?4"
	        " UNION SELECT chat FROM outbox WHERE status = 'pending' AND next_at >= ?3"
	        " AND next_at <= ?4 AND channel = ?1";
	/* Held, not failed: no attempt made yet and due later than it was written. */
	t[SQL_OUTBOX_RELEASE] = "UPDATE outbox SET next_at = ?3 WHERE channel = ?1 AND chat = ?2 "
	                        "AND status = 'pending'"
	                        " AND attempts = 0 AND +next_at > ?3";
	/* The dead and the pending rows are few beside the sent history: read from outbox_due. */
	t[SQL_OUTBOX_LIST] = OUTBOX_SELECT " ORDER BY id DESC";
	t[SQL_OUTBOX_LIST_STATUS] = OUTBOX_SELECT " WHERE status = ?1 ORDER BY id DESC";
	t[SQL_OUTBOX_SENT] = "UPDATE outbox SET status = 'sent', sent_at = ?2 WHERE id = ?1";
	/* The rows of ?1, a JSON array of ids, in one statement. */
	t[SQL_OUTBOX_SENT_MANY] = "UPDATE outbox SET status = 'sent', sent_at = ?2"
	                          " WHERE id IN (SELECT value FROM json_each(?1))";
	t[SQL_OUTBOX_RETRY] = "UPDATE outbox SET attempts = attempts + 1, next_at = ?2,"
	                      " last_error = ?3 WHERE id = ?1";
	t[SQL_OUTBOX_HOLD] = "UPDATE outbox SET next_at = ?2, last_error = ?3 WHERE id = ?1 AND "
	                     "status = 'pending'";
	t[SQL_OUTBOX_WAKE] = "UPDATE outbox SET next_at = ?3 WHERE channel = ?1 AND chat = ?2 AND "
	                     "status = 'pending'"
	                     " AND +next_at >= ?4";
	t[SQL_OUTBOX_DEAD] = "UPDATE outbox SET attempts = attempts + 1,"
	                     " status = 'dead', last_error = ?2 WHERE id = ?1";
	/* A revived row gets a fresh set of attempts, or it would die at its next failure. */
	t[SQL_OUTBOX_REVIVE] = "UPDATE outbox SET status = 'pending', attempts = 0, next_at = ?2"
	                       " WHERE status = 'dead' AND (?1 < 0 OR id = ?1)";
	t[SQL_OUTBOX_DEPTH] = "SELECT count(*) FROM outbox WHERE status = 'pending'";
	t[SQL_MIGRATE_OUTBOX] = "UPDATE outbox SET chat = ?3"
	                        " WHERE channel = ?1 AND chat = ?2 AND status = 'pending'";
	t[SQL_MIGRATE_ORDERS] = "UPDATE orders SET chat = ?3 WHERE channel = ?1 AND chat = ?2";
	/* A session already under the new ID loses to the one that moves there. */
	t[SQL_MIGRATE_SESSIONS] =
	        "UPDATE OR REPLACE sessions SET chat = ?3 WHERE channel = ?1 AND chat = ?2";
	t[SQL_OUTBOX_COUNTS] =
	        "SELECT channel, sum(status = 'pending'), sum(status = 'dead') FROM outbox"
	        " WHERE status IN ('pending', 'dead') GROUP BY channel ORDER BY channel";
	t[SQL_LINE_ADD] =
	        "INSERT INTO transcript (channel, chat, sender, text, buttons, client_id, at)"
	        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	t[SQL_LINE_LIST] = "SELECT id, sender, text, buttons, client_id, at FROM ("
	                   " SELECT * FROM transcript WHERE channel = ?1 AND chat = ?2 ORDER BY id "
	                   "DESC LIMIT ?3)"
	                   " ORDER BY id";
	t[SQL_PHOTO_ADD] =
	        "INSERT INTO photos (order_id, resident_id, hash, type, size, path, channel, at)"
	        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (order_id, hash) DO NOTHING";
	t[SQL_PHOTO_ID] =
	        "SELECT id FROM photos WHERE order_id IS ? AND hash = ? ORDER BY id LIMIT 1";
	t[SQL_PHOTO_ATTACH] =
	        "UPDATE OR IGNORE photos SET order_id = ? WHERE id = ? AND order_id IS NULL";
	t[SQL_PHOTOS_LIST] =
	        "SELECT id, order_id, resident_id, hash, type, size, path, channel, at FROM photos"
	        " WHERE order_id = ? ORDER BY id";
	t[SQL_PHOTOS_PENDING] =
	        "SELECT id, order_id, resident_id, hash, type, size, path, channel, at FROM photos"
	        " WHERE resident_id = ? AND order_id IS NULL AND at >= ? ORDER BY id";
	/* A row this server may send now: pending, and claimed by nobody else (or a lapsed claim).
	 */
	t[SQL_OUTBOX_CLAIM] = "UPDATE outbox SET claimed_by = ?2, claim_until = ?4 WHERE id = ?1"
	                      " AND status = 'pending' AND (claim_until < ?3 OR claimed_by = ?2)";
}
