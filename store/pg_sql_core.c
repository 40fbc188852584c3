/*
 * pg_sql_core.c - the PostgreSQL texts of the store's statements (store.c, store_desk.c,
 * store_link.c, store_dead.c). Their SQLite twins are in sqlite_sql_core.c.
 */
#include "store/pg_sql.h"

#define DEAD_SELECT                                                                                \
	"SELECT id, channel, msg_key, chat, reason, attempts, first_at, last_at, dead_at,"         \
	" COALESCE(replayed_at, 0), raw FROM inbound_dead"

void store_pg_sql_core(const char **t)
{
	/*
	 * SQLite's synchronous FULL/NORMAL: whether a commit waits for its log to
	 * reach the disk. NORMAL may lose the last commits on a power cut but never
	 * corrupts; synchronous_commit = off is that promise on PostgreSQL. A SET
	 * inside a transaction that rolls back is undone with it.
	 */
	t[SQL_SYNC_FULL] = "SET synchronous_commit = on";
	t[SQL_SYNC_NORMAL] = "SET synchronous_commit = off";
	/* Read committed; the rows a read-then-write needs are locked by the write itself. */
	t[SQL_BEGIN] = "BEGIN";
	t[SQL_COMMIT] = "COMMIT";
	t[SQL_ROLLBACK] = "ROLLBACK";
	t[SQL_SAVEPOINT] = "SAVEPOINT store_sp";
	t[SQL_RELEASE] = "RELEASE store_sp";
	t[SQL_ROLLBACK_TO] = "ROLLBACK TO store_sp";
	t[SQL_KV_GET] = "SELECT value FROM kv WHERE key = $1";
	t[SQL_KV_SET] = "INSERT INTO kv (key, value) VALUES ($1, $2)"
	                " ON CONFLICT (key) DO UPDATE SET value = excluded.value";
	t[SQL_DEDUP_CLAIM] =
	        "INSERT INTO dedup (channel, key, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
	t[SQL_DEDUP_PRUNE] = "DELETE FROM dedup WHERE at < $1";
	t[SQL_IDENTITY_FIND] =
	        "SELECT resident_id FROM identities WHERE channel = $1 AND \"user\" = $2";
	t[SQL_RESIDENT_NEW] =
	        "INSERT INTO residents (created_at, updated_at) VALUES ($1, $1) RETURNING id";
	t[SQL_IDENTITY_NEW] =
	        "INSERT INTO identities (channel, \"user\", resident_id) VALUES ($1, $2, $3)";
	t[SQL_RESIDENT_GET] = "SELECT id, name, room, phone, lang FROM residents WHERE id = $1";
	t[SQL_RESIDENT_SAVE] = "UPDATE residents SET name = $1, room = $2, phone = $3,"
	                       " lang = $4, updated_at = $5 WHERE id = $6";
	t[SQL_STAFF_RETIRE] = "UPDATE staff SET active = 0";
	t[SQL_STAFF_UPSERT] =
	        "INSERT INTO staff (id, name, role, skills, active) VALUES ($1, $2, $3, $4, 1)"
	        " ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role,"
	        " skills = excluded.skills, active = 1";
	t[SQL_STAFF_ALL] = "SELECT id, name, role, skills, active FROM staff";
	t[SQL_SESSION_GET] = "SELECT state, updated_at FROM sessions"
	                     " WHERE channel = $1 AND chat = $2 AND person = $3";
	t[SQL_SESSION_PUT] =
	        "INSERT INTO sessions (channel, chat, person, state, updated_at)"
	        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (channel, chat, person)"
	        " DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at";
	t[SQL_SESSION_DELETE] =
	        "DELETE FROM sessions WHERE channel = $1 AND chat = $2 AND person = $3";
	/* Each resident with the phone, newest first, and the chat of their latest order with one.
	 */
	t[SQL_BY_PHONE] = "SELECT r.id, o.channel, o.chat, o.\"user\" FROM residents r"
	                  " JOIN orders o ON o.id = (SELECT max(id) FROM orders"
	                  "  WHERE resident_id = r.id AND channel <> '' AND chat <> '')"
	                  " WHERE r.phone = $1 ORDER BY r.updated_at DESC, r.id DESC";
	t[SQL_DUTY_GET] = "SELECT on_duty, at, until, \"by\" FROM duty WHERE staff_id = $1";
	t[SQL_DUTY_SET] = "INSERT INTO duty (staff_id, on_duty, at, until, \"by\")"
	                  " VALUES ($1, $2, $3, $4, $5)"
	                  " ON CONFLICT (staff_id) DO UPDATE SET on_duty = excluded.on_duty,"
	                  " at = excluded.at, until = excluded.until, \"by\" = excluded.\"by\"";
	t[SQL_IDENTITIES] =
	        "SELECT channel, \"user\", chat, last_at FROM identities WHERE resident_id = $1"
	        " ORDER BY last_at DESC, channel, \"user\"";
	t[SQL_IDENTITY_SEEN] = "UPDATE identities SET last_at = $3, chat = CASE WHEN $4 <> '' THEN "
	                       "$4 ELSE chat END"
	                       " WHERE channel = $1 AND \"user\" = $2";
	t[SQL_IDENTITY_BY_CHAT] =
	        "SELECT resident_id FROM identities WHERE channel = $1 AND chat = $2"
	        " ORDER BY last_at DESC LIMIT 1";
	t[SQL_IDENTITY_OWNER] =
	        "SELECT resident_id FROM identities WHERE channel = $1 AND \"user\" = $2";
	t[SQL_RESIDENT_NEW_LIKE] = "INSERT INTO residents (lang, created_at, updated_at)"
	                           " SELECT lang, $2, $2 FROM residents WHERE id = $1 RETURNING id";
	t[SQL_IDENTITY_MOVE] =
	        "UPDATE identities SET resident_id = $3 WHERE channel = $1 AND \"user\" = $2";
	t[SQL_NOTIFY_CLEAR_IF] =
	        "UPDATE residents SET notify_channel = '' WHERE id = $1 AND notify_channel = $2";
	t[SQL_RESIDENT_LINK] = "SELECT notify_channel, merged_into, created_at, updated_at FROM "
	                       "residents WHERE id = $1";
	t[SQL_NOTIFY_SET] =
	        "UPDATE residents SET notify_channel = $2, updated_at = $3 WHERE id = $1";
	t[SQL_WITH_PHONE] = "SELECT id FROM residents WHERE phone = $1 AND merged_into = 0"
	                    " ORDER BY updated_at DESC, id DESC";
	t[SQL_REPOINT] =
	        "UPDATE orders SET channel = $2, chat = $3, \"user\" = $4 WHERE resident_id = $1"
	        " AND (channel <> $2 OR chat <> $3 OR \"user\" <> $4)";
	t[SQL_REPOINT_FROM] =
	        "UPDATE orders SET channel = $4, chat = $5, \"user\" = $6 WHERE resident_id = $1"
	        " AND channel = $2 AND chat = $3";
	t[SQL_MERGE_IDENTITIES] = "UPDATE identities SET resident_id = $1 WHERE resident_id = $2";
	t[SQL_MERGE_ORDERS] = "UPDATE orders SET resident_id = $1 WHERE resident_id = $2";
	t[SQL_MERGE_PHOTOS] = "UPDATE photos SET resident_id = $1 WHERE resident_id = $2";
	t[SQL_MERGE_DETAILS] =
	        "UPDATE residents SET"
	        " name = CASE WHEN name = '' THEN (SELECT name FROM residents WHERE id = $2)"
	        "  ELSE name END,"
	        " room = CASE WHEN room = '' THEN (SELECT room FROM residents WHERE id = $2)"
	        "  ELSE room END,"
	        " phone = CASE WHEN phone = '' THEN (SELECT phone FROM residents WHERE id = $2)"
	        "  ELSE phone END,"
	        " lang = CASE WHEN lang = '' THEN (SELECT lang FROM residents WHERE id = $2)"
	        "  ELSE lang END,"
	        " notify_channel = CASE WHEN notify_channel = ''"
	        "  THEN (SELECT notify_channel FROM residents WHERE id = $2) ELSE notify_channel"
	        " END,"
	        " updated_at = $3 WHERE id = $1";
	t[SQL_MERGE_AWAY] =
	        "UPDATE residents SET merged_into = $1, phone = '', notify_channel = '',"
	        " updated_at = $3 WHERE id = $2";
	t[SQL_MERGE_CODE] = "DELETE FROM link_codes WHERE resident_id = $1";
	t[SQL_OPEN_ORDERS] = "SELECT id, status FROM orders WHERE resident_id = $1"
	                     " AND status NOT IN ('closed', 'cancelled', 'declined') ORDER BY id";
	t[SQL_REVENT_ADD] = "INSERT INTO resident_events (resident_id, other_id, at, actor, via,"
	                    " action, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)";
	t[SQL_REVENTS] = "SELECT id, at, other_id, actor, via, action, detail"
	                 " FROM resident_events WHERE resident_id = $1 ORDER BY id";
	t[SQL_CODE_GET] = "SELECT resident_id, target_id, salt, hash, created_at, expires_at,"
	                  " tries, locked_until, requests, window_at FROM link_codes"
	                  " WHERE resident_id = $1";
	t[SQL_CODE_PUT] =
	        "INSERT INTO link_codes (resident_id, target_id, salt, hash, created_at, "
	        "expires_at,"
	        " tries, locked_until, requests, window_at)"
	        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
	        " ON CONFLICT (resident_id) DO UPDATE SET target_id = excluded.target_id,"
	        " salt = excluded.salt, hash = excluded.hash, created_at = excluded.created_at,"
	        " expires_at = excluded.expires_at, tries = excluded.tries,"
	        " locked_until = excluded.locked_until, requests = excluded.requests,"
	        " window_at = excluded.window_at";
	t[SQL_CODE_DELETE] = "DELETE FROM link_codes WHERE resident_id = $1";
	t[SQL_OUTBOX_ROW] = "SELECT channel, chat, payload FROM outbox WHERE id = $1";
	/*
	 * SQLite's INSERT OR REPLACE: dead_id is the table's only unique key, so
	 * replacing the row is updating its other columns.
	 */
	t[SQL_REROUTE_ADD] =
	        "INSERT INTO link_reroutes (dead_id, new_id, tried) VALUES ($1, $2, $3)"
	        " ON CONFLICT (dead_id) DO UPDATE SET new_id = excluded.new_id,"
	        " tried = excluded.tried";
	t[SQL_REROUTE_DONE] = "SELECT 1 FROM link_reroutes WHERE dead_id = $1";
	t[SQL_REROUTE_TRIED] = "SELECT tried FROM link_reroutes WHERE new_id = $1 AND new_id <> 0";
	/* The table's own columns, qualified: unqualified they are ambiguous with excluded's. */
	t[SQL_DEAD_COUNT] =
	        "INSERT INTO inbound_dead (channel, msg_key, chat, raw, reason, attempts, first_at,"
	        " last_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $6)"
	        " ON CONFLICT (channel, msg_key) DO UPDATE SET attempts = inbound_dead.attempts + "
	        "1,"
	        " last_at = excluded.last_at, reason = excluded.reason, raw = excluded.raw,"
	        " chat = excluded.chat WHERE inbound_dead.dead_at IS NULL";
	t[SQL_DEAD_MARK] =
	        "UPDATE inbound_dead SET dead_at = $3 WHERE channel = $1 AND msg_key = $2"
	        " AND dead_at IS NULL AND attempts >= $4";
	/* A boolean reads as t/f on PostgreSQL: made the 1/0 SQLite gives. */
	t[SQL_DEAD_STATE] = "SELECT id, (dead_at IS NOT NULL)::int FROM inbound_dead"
	                    " WHERE channel = $1 AND msg_key = $2";
	t[SQL_DEAD_PRUNE] = "DELETE FROM inbound_dead WHERE dead_at IS NULL AND last_at < $1";
	t[SQL_DEAD_FORGET] =
	        "DELETE FROM inbound_dead WHERE channel = $1 AND msg_key = $2 AND dead_at IS NULL";
	t[SQL_DEAD_LIST] =
	        DEAD_SELECT " WHERE dead_at IS NOT NULL AND replayed_at IS NULL ORDER BY id";
	t[SQL_DEAD_ALL] = DEAD_SELECT " WHERE dead_at IS NOT NULL ORDER BY id";
	t[SQL_DEAD_GET] = DEAD_SELECT " WHERE id = $1 AND dead_at IS NOT NULL";
	t[SQL_DEAD_REPLAYED] =
	        "UPDATE inbound_dead SET replayed_at = $2 WHERE id = $1 AND dead_at IS NOT NULL";
	t[SQL_DEAD_WAITING] = "SELECT count(*) FROM inbound_dead WHERE dead_at IS NOT NULL AND "
	                      "replayed_at IS NULL";
}
