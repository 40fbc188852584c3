/*
 * pg_sql_outbox.c - the PostgreSQL texts of the store's statements (store_outbox.c,
 * store_transcript.c, store_photos.c). Their SQLite twins are in sqlite_sql_outbox.c,
 * whose index hints ("+col", NOT INDEXED) PostgreSQL has no syntax for: its planner
 * chooses from statistics.
 */
#include "store/pg_sql.h"

#define OUTBOX_SELECT                                                                              \
	"SELECT id, channel, chat, payload, attempts, next_at, status, last_error, created_at,"    \
	" sent_at FROM outbox"

void store_pg_sql_outbox(const char **t)
{
	t[SQL_OUTBOX_ADD] = "INSERT INTO outbox (channel, chat, payload, next_at, created_at)"
	                    " VALUES ($1, $2, $3, $5, $4) RETURNING id";
	t[SQL_OUTBOX_DUE] =
	        OUTBOX_SELECT " WHERE status = 'pending' AND next_at <= $1 ORDER BY id" PG_LIMIT(2);
	/*
	 * By the ids after $2. Ids are drawn at insert time, so a row committed
	 * after a larger id was read can be missed here; the sender's periodic
	 * resync picks it up (design: ids are not in commit order on PostgreSQL).
	 */
	t[SQL_OUTBOX_AFTER] = OUTBOX_SELECT " WHERE id > $2 AND channel = $1 AND status = 'pending'"
	                                    " ORDER BY id" PG_LIMIT(3);
	/*
	 * The sender's reads (bot/sender_queue.c): new rows, each chat's first, one row.
	 * SQLite's min(id) with bare columns takes them from the row with the least id;
	 * DISTINCT ON (chat) with ORDER BY chat, id is that row.
	 */
	t[SQL_OUTBOX_HEADS] = "SELECT DISTINCT ON (chat) id, chat, next_at FROM outbox"
	                      " WHERE status = 'pending' AND channel = $1 ORDER BY chat, id";
	t[SQL_OUTBOX_HEAD] =
	        "SELECT id, chat, next_at FROM outbox WHERE status = 'pending' AND channel = $1"
	        " AND chat = $2 AND id > $3 ORDER BY id LIMIT 1";
	/* LIKE is case-sensitive here, as the payloads the program writes are lowercase JSON keys.
	 */
	t[SQL_OUTBOX_BUTTONS] =
	        "SELECT id, chat, next_at FROM outbox WHERE status = 'pending' AND channel = $1"
	        " AND payload LIKE '{\"answer_callback\"%'";
	t[SQL_OUTBOX_GET] = OUTBOX_SELECT " WHERE id = $1";
	t[SQL_OUTBOX_LAST] = "SELECT coalesce(max(id), 0) FROM outbox";
	t[SQL_OUTBOX_FOR_CHAT] = OUTBOX_SELECT
	        " WHERE channel = $1 AND chat = $2 AND status = 'pending' ORDER BY id";
	t[SQL_OUTBOX_DUE_FOR_CHAT] = OUTBOX_SELECT
	        " WHERE channel = $1 AND chat = $2 AND status = 'pending' AND next_at <= $3"
	        " ORDER BY id";
	/* Chats with a row due now that is new (its id past $2) or came due at $3 or later. */
	t[SQL_OUTBOX_FRESH_CHATS] =
	        "SELECT chat FROM outbox WHERE id > $2 AND channel = $1 AND status = 'pending'"
	        " AND next_at <= $4"
	        " UNION SELECT chat FROM outbox WHERE status = 'pending' AND next_at >= $3"
	        " AND next_at <= $4 AND channel = $1";
	/* Held, not failed: no attempt made yet and due later than it was written. */
	t[SQL_OUTBOX_RELEASE] = "UPDATE outbox SET next_at = $3 WHERE channel = $1 AND chat = $2"
	                        " AND status = 'pending' AND attempts = 0 AND next_at > $3";
	t[SQL_OUTBOX_LIST] = OUTBOX_SELECT " ORDER BY id DESC";
	t[SQL_OUTBOX_LIST_STATUS] = OUTBOX_SELECT " WHERE status = $1 ORDER BY id DESC";
	t[SQL_OUTBOX_SENT] = "UPDATE outbox SET status = 'sent', sent_at = $2 WHERE id = $1";
	/*
	 * The rows of $1, a JSON array of ids, in one statement: one round trip,
	 * and the rows locked for as short a time as can be (a batch releasing a
	 * chat's rows waits for them).
	 */
	t[SQL_OUTBOX_SENT_MANY] =
	        "UPDATE outbox SET status = 'sent', sent_at = $2"
	        " WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)::bigint)";
	t[SQL_OUTBOX_RETRY] = "UPDATE outbox SET attempts = attempts + 1, next_at = $2,"
	                      " last_error = $3 WHERE id = $1";
	t[SQL_OUTBOX_HOLD] = "UPDATE outbox SET next_at = $2, last_error = $3 WHERE id = $1 AND "
	                     "status = 'pending'";
	t[SQL_OUTBOX_WAKE] = "UPDATE outbox SET next_at = $3 WHERE channel = $1 AND chat = $2"
	                     " AND status = 'pending' AND next_at >= $4";
	t[SQL_OUTBOX_DEAD] = "UPDATE outbox SET attempts = attempts + 1,"
	                     " status = 'dead', last_error = $2 WHERE id = $1";
	/* A revived row gets a fresh set of attempts, or it would die at its next failure. */
	t[SQL_OUTBOX_REVIVE] = "UPDATE outbox SET status = 'pending', attempts = 0, next_at = $2"
	                       " WHERE status = 'dead' AND ($1 < 0 OR id = $1)";
	t[SQL_OUTBOX_DEPTH] = "SELECT count(*) FROM outbox WHERE status = 'pending'";
	t[SQL_MIGRATE_OUTBOX] = "UPDATE outbox SET chat = $3"
	                        " WHERE channel = $1 AND chat = $2 AND status = 'pending'";
	t[SQL_MIGRATE_ORDERS] = "UPDATE orders SET chat = $3 WHERE channel = $1 AND chat = $2";
	/*
	 * A session already under the new id loses to the one that moves there
	 * (SQLite's UPDATE OR REPLACE). An UPDATE cannot do that here, since the
	 * unique check sees the row in the way; so the old chat's sessions are
	 * taken out and put in under the new one, replacing what is there. The
	 * count (inserted or updated) is the number moved, as SQLite's.
	 */
	t[SQL_MIGRATE_SESSIONS] =
	        "WITH moved AS (DELETE FROM sessions WHERE channel = $1 AND chat = $2"
	        "  RETURNING channel, person, state, updated_at)"
	        " INSERT INTO sessions (channel, chat, person, state, updated_at)"
	        " SELECT channel, $3, person, state, updated_at FROM moved"
	        " ON CONFLICT (channel, chat, person)"
	        " DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at";
	/* SQLite's sum(boolean). */
	t[SQL_OUTBOX_COUNTS] =
	        "SELECT channel, count(*) FILTER (WHERE status = 'pending'),"
	        " count(*) FILTER (WHERE status = 'dead') FROM outbox"
	        " WHERE status IN ('pending', 'dead') GROUP BY channel ORDER BY channel";
	t[SQL_LINE_ADD] =
	        "INSERT INTO transcript (channel, chat, sender, text, buttons, client_id, at)"
	        " VALUES ($1, $2, $3, $4, $5, $6, $7)";
	t[SQL_LINE_LIST] = "SELECT id, sender, text, buttons, client_id, at FROM ("
	                   " SELECT * FROM transcript WHERE channel = $1 AND chat = $2"
	                   " ORDER BY id DESC" PG_LIMIT(3) ") AS last ORDER BY id";
	t[SQL_PHOTO_ADD] =
	        "INSERT INTO photos (order_id, resident_id, hash, type, size, path, channel, at)"
	        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (order_id, hash) DO NOTHING"
	        " RETURNING id";
	/* SQLite's "order_id IS ?": NULL (no order) matches NULL. */
	t[SQL_PHOTO_ID] = "SELECT id FROM photos WHERE order_id IS NOT DISTINCT FROM $1"
	                  " AND hash = $2 ORDER BY id LIMIT 1";
	/*
	 * SQLite's UPDATE OR IGNORE: a photo whose hash the order already has
	 * stays unattached (0 rows changed) instead of failing on UNIQUE (order_id, hash).
	 */
	t[SQL_PHOTO_ATTACH] = "UPDATE photos SET order_id = $1 WHERE id = $2 AND order_id IS NULL"
	                      " AND NOT EXISTS (SELECT 1 FROM photos p"
	                      "  WHERE p.order_id = $1 AND p.hash = photos.hash)";
	t[SQL_PHOTOS_LIST] =
	        "SELECT id, order_id, resident_id, hash, type, size, path, channel, at FROM photos"
	        " WHERE order_id = $1 ORDER BY id";
	t[SQL_PHOTOS_PENDING] =
	        "SELECT id, order_id, resident_id, hash, type, size, path, channel, at FROM photos"
	        " WHERE resident_id = $1 AND order_id IS NULL AND at >= $2 ORDER BY id";
	/*
	 * A row this server may send now: unclaimed, its own, a claim that
	 * lapsed, or the claim of a server that is gone (it no longer holds its
	 * lease "server:NAME", which its connection held: bot/leases.h). SKIP
	 * LOCKED: a row another server is claiming at this moment is its,
	 * without waiting for that to end.
	 */
	t[SQL_OUTBOX_CLAIM] =
	        "UPDATE outbox SET claimed_by = $2, claim_until = $4 WHERE id ="
	        " (SELECT id FROM outbox WHERE id = $1 AND status = 'pending'"
	        " AND (claim_until < $3 OR claimed_by = $2 OR NOT EXISTS (SELECT 1 FROM pg_locks l"
	        " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 1131307879"
	        " AND l.objid = hashtext('server:' || outbox.claimed_by)::oid AND l.objsubid = 2))"
	        " FOR UPDATE SKIP LOCKED)";
}
