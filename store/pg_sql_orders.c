/*
 * pg_sql_orders.c - the PostgreSQL texts of the store's statements (store_orders.c, store_query.c,
 * store_report.c, store_stats.c, store_followups.c, store_privacy.c).
 */
#include "store/pg_sql.h"
#include "store/store_privacy.h"

#include "lib/buf.h"

#define FOLLOWUP_SELECT                                                                            \
	"SELECT f.id, f.order_id, f.sampled_at, COALESCE(f.asked_at, 0),"                          \
	" COALESCE(f.answered_at, 0), COALESCE(f.resolved, -1), COALESCE(f.satisfied, -1),"        \
	" COALESCE(f.comment, ''), f.reopened, f.status, o.number, o.category, o.assignee"         \
	" FROM followups f JOIN orders o ON o.id = f.order_id"

/* Columns in the order read_order() expects them. */
#define ORDER_SELECT                                                                               \
	"SELECT o.id, o.number, o.community, o.status, o.category, o.item, o.description,"         \
	" o.room, o.contact_name, o.phone, o.preferred_time, o.preferred_at,"                      \
	" COALESCE(o.resident_id, 0), o.channel, o.chat, o.\"user\", o.assignee, o.eta,"           \
	" o.eta_at, o.promised_minutes, o.estimate, o.reason, o.created_at, o.assigned_at,"        \
	" o.started_at, o.done_at, o.closed_at, COALESCE(fe.fen, -1),"                             \
	" COALESCE(p.receipt, ''), COALESCE(p.at, 0), COALESCE(f.accepted, -1),"                   \
	" COALESCE(f.rating, 0), COALESCE(f.comment, ''), o.urgent, o.preferred_end,"              \
	" o.intake, o.source, o.taken_by"                                                          \
	" FROM orders o"                                                                           \
	" LEFT JOIN fees fe ON fe.id = (SELECT max(id) FROM fees WHERE order_id = o.id)"           \
	" LEFT JOIN payments p ON p.id = (SELECT max(id) FROM payments WHERE order_id = o.id)"     \
	" LEFT JOIN feedback f ON f.order_id = o.id"

/* JSON's tokens, for SQL_OUTBOX_SET: a string, a number or literal, whitespace. */
#define JSON_STRING "\"([^\"\\\\\\x01-\\x1f]|\\\\([\"\\\\/bfnrt]|u[0-9a-fA-F]{4}))*\""
#define JSON_SCALAR "-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?|true|false|null"
#define JSON_SPACE  "[ \\t\\n\\r]+"
/* A token once rewritten: \x01 a string, \x02 a number or literal, \x03 an array or object. */
#define JSON_TOK "[\\x01-\\x03]"
/* An array or object of tokens only. */
#define JSON_INNER                                                                                 \
	"\\[\\]|\\{\\}|\\[" JSON_TOK "(," JSON_TOK ")*\\]|\\{\\x01:" JSON_TOK "(,\\x01:" JSON_TOK  \
	")*\\}"
#define JSON_TOKENS(p)                                                                             \
	"regexp_replace(regexp_replace(regexp_replace(" p ", '" JSON_STRING                        \
	"', chr(1), 'g'), '" JSON_SCALAR "', chr(2), 'g'), '" JSON_SPACE "', '', 'g')"

/* tok(s): P's tokens, then each pass over them; JSON_VALID(P) reads it. */
#define JSON_SCAN(p)                                                                               \
	"WITH RECURSIVE tok(s) AS (SELECT " JSON_TOKENS(                                           \
	        p) " UNION ALL SELECT regexp_replace(s, '" JSON_INNER                              \
	           "', chr(3), 'g') FROM tok WHERE s ~ '" JSON_INNER "')"
#define JSON_VALID(p)                                                                              \
	"(" p " !~ '" JSON_TOK "' AND EXISTS (SELECT 1 FROM tok WHERE s ~ '^" JSON_TOK "$'))"

#define ANON_PAYLOAD "{\"text\":\"" STORE_ANON "\"}"

/* Replaces $2..$7 (the needles; "" matches nothing) in COL. */
#define SCRUB(col)                                                                                 \
	"replace(replace(replace(replace(replace(replace(" col ", $2, '" STORE_ANON                \
	"'), $3, '" STORE_ANON "'), $4, '" STORE_ANON "'), $5, '" STORE_ANON                       \
	"'), $6, '" STORE_ANON "'), $7, '" STORE_ANON "')"

#define ANON_IF_SET(col) col " = CASE WHEN " col " = '' THEN '' ELSE '" STORE_ANON "' END"

/* Resident-written history details that are not their words: a rating, a yes or no. */
#define KEPT_ACTIONS                                                                               \
	"('rated', 'accepted_by_resident', 'rework', 'emergency', 'complaint', 'declined')"

/*
 * Bounds the planner can answer from orders_created (an absent one is the
 * widest): a month reads that month's orders, not every order.
 */
#define PERIOD_WHERE                                                                               \
	" WHERE o.created_at >= COALESCE($1, 0)"                                                   \
	" AND o.created_at < COALESCE($2, 9223372036854775807) AND ($3 IS NULL OR o.community = "  \
	"$3)"

void store_pg_sql_orders(const char **t)
{
	t[SQL_ORDER_BY_NUMBER] = ORDER_SELECT " WHERE o.number = $1";
	t[SQL_ORDER_BY_ID] = ORDER_SELECT " WHERE o.id = $1";
	/*
	 * The register by any mix of filters (store_orders_list): only the
	 * conditions a call has are written (store_variant), so each is answered from
	 * the index that fits - orders_status, orders_resident, orders_assignee or
	 * orders_created - in the index's order, instead of a pass over every order.
	 * Parameters: $1 status, $2 assignee, $3 resident, $6-$8 actions since $9,
	 * $10 from, $11 to, $12 community, $13 rated at most, feedback since $14, $5 the
	 * limit (-1: none), $15 and $16 the created_at and id of the order the page
	 * starts after.
	 */
	t[SQL_ORDERS_LIST] = "orders list";
	/* The table's own column, qualified: unqualified it is ambiguous with excluded's. */
	t[SQL_COUNTER_NEXT] =
	        "INSERT INTO order_counters (day, last) VALUES ($1, 1)"
	        " ON CONFLICT (day) DO UPDATE SET last = order_counters.last + 1 RETURNING last";
	t[SQL_ORDER_INSERT] =
	        "INSERT INTO orders (number, community, status, category, item, description, room,"
	        " contact_name, phone, preferred_time, preferred_at, resident_id, channel, chat, "
	        "\"user\","
	        " assignee, eta, eta_at, promised_minutes, estimate, reason, created_at, "
	        "assigned_at,"
	        " started_at, done_at, closed_at, urgent, preferred_end, intake, source, taken_by) "
	        "VALUES "
	        "($1,"
	        " $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, "
	        "$19, $20,"
	        " $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31) RETURNING id";
	t[SQL_ORDER_UPDATE] =
	        "UPDATE orders SET status = $1, assignee = $2, eta = $3, eta_at = $4, item = $5,"
	        " category = $6, promised_minutes = $7, estimate = $8, reason = $9, preferred_at = "
	        "$10,"
	        " assigned_at = $11, started_at = $12, done_at = $13, closed_at = $14, channel = "
	        "$15,"
	        " chat = $16, \"user\" = $17, preferred_end = $19 WHERE id = $18";
	t[SQL_EVENT_ADD] = "INSERT INTO order_events (order_id, at, actor, via, action, "
	                   "old_status, new_status,"
	                   " detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
	t[SQL_EVENTS_LIST] = "SELECT id, at, actor, via, action, old_status, new_status, detail "
	                     "FROM order_events"
	                     " WHERE order_id = $1 ORDER BY id";
	/* -1 means "not answered" in the struct and NULL in the table; 0 rating likewise. */
	t[SQL_FEEDBACK_ACCEPT] =
	        "INSERT INTO feedback (order_id, accepted, updated_at) VALUES ($1, NULLIF($2, -1), "
	        "$3)"
	        " ON CONFLICT (order_id) DO UPDATE SET accepted = excluded.accepted,"
	        " updated_at = excluded.updated_at";
	t[SQL_FEEDBACK_RATE] =
	        "INSERT INTO feedback (order_id, rating, updated_at) VALUES ($1, NULLIF($2, 0), $3)"
	        " ON CONFLICT (order_id) DO UPDATE SET rating = excluded.rating,"
	        " updated_at = excluded.updated_at";
	t[SQL_FEEDBACK_COMMENT] =
	        "INSERT INTO feedback (order_id, comment, updated_at) VALUES ($1, $2, $3)"
	        " ON CONFLICT (order_id) DO UPDATE SET comment = excluded.comment,"
	        " updated_at = excluded.updated_at";
	t[SQL_FEE_RECORD] = "INSERT INTO fees (order_id, fen, \"by\", at) VALUES ($1, $2, $3, $4)";
	t[SQL_PAYMENT_RECORD] = "INSERT INTO payments (order_id, fen, receipt, \"by\", at) VALUES "
	                        "($1, $2, $3, $4, $5)";
	/*
	 * Only the conditions a query has are written (store_variant), so the
	 * planner answers each from the index that fits; $1 status, $3 category,
	 * $4 community, $5 assignee, $6 from, $7 to, $8 LIMIT, $9 OFFSET.
	 */
	t[SQL_QUERY_IDS] = "orders query ids";
	t[SQL_QUERY_COUNT] = "orders query count";
	t[SQL_EVENTS_AFTER] = "SELECT e.id, o.number, o.assignee FROM order_events e JOIN orders o "
	                      "ON o.id = e.order_id"
	                      " WHERE e.id > $1 ORDER BY e.id" PG_LIMIT(2);
	t[SQL_EVENTS_LAST] = "SELECT COALESCE(max(id), 0) FROM order_events";
	t[SQL_ORDER_LAST_EVENT] =
	        "SELECT COALESCE(max(id), 0) FROM order_events WHERE order_id = $1";
	t[SQL_TO_CHAT] = "SELECT id, channel, chat, payload, attempts, next_at, status, "
	                 "last_error, created_at,"
	                 " sent_at FROM (SELECT * FROM outbox WHERE channel = $1 AND chat = $2 AND "
	                 "created_at >= $3"
	                 " ORDER BY id DESC" PG_LIMIT(4) ") AS last ORDER BY id";
	t[SQL_REPORT_ORDERS] =
	        "SELECT o.id, o.number, o.community, o.status, o.category, o.item, o.assignee,"
	        " o.urgent, o.promised_minutes, o.created_at, o.assigned_at, o.done_at, o.closed_at"
	        " FROM orders o" PERIOD_WHERE " ORDER BY o.created_at, o.id";
	/* The ids of the first and the last order of the period, where the other tables are read.
	 */
	t[SQL_REPORT_FIRST] =
	        "SELECT o.id FROM orders o" PERIOD_WHERE " ORDER BY o.created_at, o.id LIMIT 1";
	t[SQL_REPORT_LAST] = "SELECT o.id FROM orders o" PERIOD_WHERE
	                     " ORDER BY o.created_at DESC, o.id DESC LIMIT 1";
	/*
	 * What the figures want from the other tables, for the orders with ids in
	 * $1..$2, each in order_id order so that they are read side by side with the
	 * orders (a merge: one pass over each, no lookup per order). The partial index
	 * order_events_rework holds the few events that sent an order back to work.
	 */
	t[SQL_SIDE_FEES] = "SELECT order_id, fen FROM fees WHERE order_id BETWEEN $1 AND $2 ORDER "
	                   "BY order_id, id";
	t[SQL_SIDE_PAYMENTS] = "SELECT order_id, fen FROM payments"
	                       " WHERE order_id BETWEEN $1 AND $2 ORDER BY order_id, id";
	t[SQL_SIDE_FEEDBACK] =
	        "SELECT order_id, COALESCE(accepted, -1), COALESCE(rating, 0) FROM feedback"
	        " WHERE order_id BETWEEN $1 AND $2 ORDER BY order_id";
	t[SQL_SIDE_FOLLOWUPS] =
	        "SELECT order_id, status, COALESCE(asked_at, 0), COALESCE(resolved, -1),"
	        " COALESCE(satisfied, -1), reopened FROM followups"
	        " WHERE order_id BETWEEN $1 AND $2 ORDER BY order_id";
	t[SQL_SIDE_REWORK] = "SELECT DISTINCT order_id FROM order_events"
	                     " WHERE action IN ('rework', 'reopened') AND order_id BETWEEN $1 AND "
	                     "$2 ORDER BY order_id";
	/* The same for one order out of id order (a clock set back): looked up on its own. */
	t[SQL_REPORT_EXTRAS] =
	        "SELECT COALESCE((SELECT fen FROM fees WHERE order_id = $1 ORDER BY id DESC LIMIT "
	        "1), -1),"
	        " COALESCE((SELECT fen FROM payments WHERE order_id = $1 ORDER BY id DESC LIMIT "
	        "1), -1),"
	        " COALESCE((SELECT accepted FROM feedback WHERE order_id = $1), -1),"
	        " COALESCE((SELECT rating FROM feedback WHERE order_id = $1), 0),"
	        " (EXISTS (SELECT 1 FROM order_events WHERE order_id = $1"
	        "  AND action IN ('rework', 'reopened')))::int,"
	        " COALESCE((SELECT status FROM followups WHERE order_id = $1), ''),"
	        " COALESCE((SELECT asked_at FROM followups WHERE order_id = $1), 0),"
	        " COALESCE((SELECT resolved FROM followups WHERE order_id = $1), -1),"
	        " COALESCE((SELECT satisfied FROM followups WHERE order_id = $1), -1),"
	        " COALESCE((SELECT reopened FROM followups WHERE order_id = $1), 0)";
	t[SQL_REPORT_COUNT] = "SELECT count(*) FROM orders o" PERIOD_WHERE;
	t[SQL_FEES_LIST] =
	        "SELECT id, fen, '', \"by\", at FROM fees WHERE order_id = $1 ORDER BY id";
	t[SQL_PAYMENTS_LIST] =
	        "SELECT id, fen, receipt, \"by\", at FROM payments WHERE order_id = $1 ORDER BY id";
	/* One snapshot for every read of a report, taken at its first statement: */
	t[SQL_READ_BEGIN] = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
	/* that one, so the snapshot is taken now. */
	t[SQL_READ_MARK] = "SELECT 1";
	t[SQL_READ_END] = "COMMIT";
	/* The orders_status index (status, created_at) answers this without the table. */
	t[SQL_ORDERS_BY_STATUS] =
	        "SELECT status, count(*) FROM orders GROUP BY status ORDER BY status";
	/* Sessions exist only while a dialog runs (they are deleted when it ends). */
	t[SQL_SESSIONS_ACTIVE] = "SELECT count(*) FROM sessions WHERE updated_at >= $1";
	/* Meant to be read from orders_closed (nearly every order is closed). */
	t[SQL_FU_CANDIDATES] =
	        "SELECT o.id, o.number, o.category, o.assignee FROM orders o"
	        " WHERE o.status = 'closed' AND o.closed_at > $1 AND o.closed_at <= $2"
	        " AND o.category <> 'complaint' AND o.channel <> '' AND o.chat <> ''"
	        " AND NOT EXISTS (SELECT 1 FROM followups f WHERE f.order_id = o.id)"
	        " ORDER BY o.closed_at, o.id";
	t[SQL_FU_ADD] = "INSERT INTO followups (order_id, sampled_at) VALUES ($1, $2)"
	                " ON CONFLICT (order_id) DO NOTHING";
	t[SQL_FU_OF] = FOLLOWUP_SELECT " WHERE f.order_id = $1";
	t[SQL_FU_IN] = FOLLOWUP_SELECT " WHERE f.status = $1 ORDER BY f.sampled_at, f.id";
	t[SQL_FU_RECENT] = FOLLOWUP_SELECT
	        " WHERE f.sampled_at >= $1 ORDER BY f.sampled_at DESC, f.id DESC" PG_LIMIT(2);
	t[SQL_FU_ASKED] = "UPDATE followups SET asked_at = $2, status = 'asked' WHERE id = $1";
	t[SQL_FU_STATUS] = "UPDATE followups SET status = $2 WHERE id = $1";
	t[SQL_FU_RESOLVED] = "UPDATE followups SET resolved = $2, answered_at = $3,"
	                     " status = 'answered' WHERE id = $1";
	t[SQL_FU_SATISFIED] = "UPDATE followups SET satisfied = $2, answered_at = $3,"
	                      " status = 'answered' WHERE id = $1";
	t[SQL_FU_COMMENT] = "UPDATE followups SET comment = $2, answered_at = $3,"
	                    " status = 'answered' WHERE id = $1";
	t[SQL_FU_REOPENED] = "UPDATE followups SET reopened = 1 WHERE id = $1";
	t[SQL_ORDER_NEEDLES] =
	        "SELECT o.contact_name, o.phone, o.room, o.description, r.name, r.phone, r.room"
	        " FROM orders o LEFT JOIN residents r ON r.id = o.resident_id WHERE o.id = $1";
	t[SQL_ORDER_WORDS] =
	        "SELECT detail FROM order_events WHERE order_id = $1 AND actor LIKE 'resident:%'"
	        " AND action IN ('message_from_resident', 'commented', 'reopened',"
	        " 'reschedule_requested') AND detail <> ''"
	        " UNION ALL SELECT comment FROM feedback WHERE order_id = $1 AND comment <> ''"
	        " UNION ALL SELECT comment FROM followups WHERE order_id = $1 AND comment <> ''";
	t[SQL_ORDER_MARK] = "UPDATE orders SET anonymised_at = $2 WHERE id = $1";
	/* clang-format off */
	t[SQL_ORDER_ANON] = "UPDATE orders SET "
        ANON_IF_SET("description") ", "
        ANON_IF_SET("room") ", "
        ANON_IF_SET("contact_name") ", "
        ANON_IF_SET("preferred_time") ", "
        "phone = '', chat = '', \"user\" = '', "
        "eta = " SCRUB("eta") ", "
        "reason = " SCRUB("reason")
        " WHERE id = $1";
	/* clang-format on */
	t[SQL_EVENTS_WORDS] =
	        "UPDATE order_events SET detail = '" STORE_ANON "' WHERE order_id = $1"
	        " AND actor LIKE 'resident:%' AND detail <> '' AND detail <> '" STORE_ANON "'"
	        " AND action NOT IN " KEPT_ACTIONS " AND NOT (action = 'followup_answer'"
	        "  AND (detail LIKE 'resolved: %' OR detail LIKE 'satisfied: %'))";
	t[SQL_EVENTS_SCRUB] = "UPDATE order_events SET detail = " SCRUB(
	        "detail") " WHERE order_id = $1"
	                  " AND detail <> " SCRUB("detail");
	t[SQL_FEEDBACK_ANON] = "UPDATE feedback SET comment = '" STORE_ANON "'"
	                       " WHERE order_id = $1 AND comment <> ''"
	                       " AND comment <> '" STORE_ANON "'";
	t[SQL_FOLLOWUP_ANON] = "UPDATE followups SET comment = '" STORE_ANON "'"
	                       " WHERE order_id = $1 AND comment <> ''"
	                       " AND comment <> '" STORE_ANON "'";
	t[SQL_ORDER_PHOTOS] = "SELECT path FROM photos WHERE order_id = $1";
	t[SQL_ORDER_PHOTOS_DEL] = "DELETE FROM photos WHERE order_id = $1";
	t[SQL_RESIDENT_PHOTOS] =
	        "SELECT path FROM photos WHERE resident_id = $1 AND order_id IS NULL";
	t[SQL_RESIDENT_PHOTOS_DEL] =
	        "DELETE FROM photos WHERE resident_id = $1 AND order_id IS NULL";
	t[SQL_PATH_NAMED] = "SELECT count(*) FROM photos WHERE path = $1";
	t[SQL_ANON_EVENT_ADD] =
	        "INSERT INTO order_events (order_id, at, actor, via, action, detail)"
	        " VALUES ($1, $2, $3, $4, 'anonymised', $5)";
	t[SQL_ANON_RESIDENT_GET] =
	        "SELECT name, phone, room, merged_into FROM residents WHERE id = $1";
	t[SQL_MERGED_FROM] =
	        "WITH RECURSIVE down(id) AS (SELECT $1 UNION SELECT r.id FROM residents r"
	        " JOIN down ON r.merged_into = down.id) SELECT id FROM down";
	t[SQL_RESIDENT_ORDERS] = "SELECT id FROM orders WHERE resident_id = $1";
	t[SQL_SESSIONS_DEL] =
	        "DELETE FROM sessions WHERE EXISTS (SELECT 1 FROM identities i"
	        " WHERE i.resident_id = $1 AND i.channel = sessions.channel"
	        " AND (i.\"user\" = sessions.person OR (i.chat <> '' AND i.chat = sessions.chat)))";
	t[SQL_TRANSCRIPT_ANON] =
	        "UPDATE transcript SET text = '" STORE_ANON "', buttons = '', client_id = ''"
	        " WHERE text <> '" STORE_ANON "' AND EXISTS (SELECT 1 FROM identities i"
	        " WHERE i.resident_id = $1 AND i.channel = transcript.channel"
	        " AND i.chat <> '' AND i.chat = transcript.chat)";
	t[SQL_OUTBOX_PRIVATE] =
	        "UPDATE outbox SET payload = '" ANON_PAYLOAD "',"
	        " status = CASE status WHEN 'pending' THEN 'dead' ELSE status END,"
	        " last_error = CASE status WHEN 'pending' THEN 'the recipient was forgotten'"
	        "  ELSE last_error END"
	        " WHERE payload <> '" ANON_PAYLOAD "' AND EXISTS (SELECT 1 FROM identities i"
	        " WHERE i.resident_id = $1 AND i.channel = outbox.channel"
	        " AND i.chat <> '' AND i.chat = outbox.chat)";
	t[SQL_IDENTITIES_DEL] = "DELETE FROM identities WHERE resident_id = $1";
	t[SQL_CODES_DEL] = "DELETE FROM link_codes WHERE resident_id = $1";
	t[SQL_RESIDENT_EVENTS_ANON] = "UPDATE resident_events SET detail = '" STORE_ANON "'"
	                              " WHERE (resident_id = $1 OR other_id = $1) AND detail <> ''"
	                              " AND detail <> '" STORE_ANON "'";
	/* clang-format off */
	t[SQL_RESIDENT_ANON] = "UPDATE residents SET "
        ANON_IF_SET("name") ", "
        ANON_IF_SET("room") ", "
        "phone = '', notify_channel = '', updated_at = $2 WHERE id = $1";
	/* clang-format on */
	t[SQL_RESIDENT_EVENT_ADD] =
	        "INSERT INTO resident_events (resident_id, at, actor, via, action, detail)"
	        " VALUES ($1, $2, $3, $4, 'forgotten', $5)";
	t[SQL_PHONE_RESIDENTS] = "SELECT id FROM residents WHERE phone = $1";
	t[SQL_ORDERS_PHONE] = "SELECT id FROM orders WHERE phone = $1";
	t[SQL_OUTBOX_ALL] = "SELECT id, payload FROM outbox";
	/*
	 * SQLite's json_valid($2), which PostgreSQL 15 lacks (no IS JSON, and a
	 * failed ::json cast would end the statement). The caller passes a payload
	 * with needles cut out of the raw text, which can break it (a room number
	 * inside a numeric field, a name inside an escape), so the test is needed.
	 * RFC 8259 checked by rewriting (JSON_SCAN): JSON_TOKENS turns each string into \x01
	 * and each number or literal into \x02 and drops the whitespace, then each
	 * pass turns the innermost arrays and objects of such tokens into \x03.
	 * The text is valid when one token is left. Strings are matched from the
	 * left, as a parser reads them, so a quote that starts no valid string is
	 * left in and fails the test; so does any other stray character, and a
	 * text that held the three control characters to begin with.
	 */
	t[SQL_OUTBOX_SET] = JSON_SCAN("$2") " UPDATE outbox SET payload = CASE WHEN " JSON_VALID(
	        "$2") " THEN $2 ELSE '" ANON_PAYLOAD "' END WHERE id = $1";
	t[SQL_EXPIRE_CLOSED] =
	        "SELECT id FROM orders WHERE anonymised_at = 0 AND closed_at > 0 AND closed_at < $1"
	        " AND status = 'closed' ORDER BY closed_at" PG_LIMIT(2);
	t[SQL_EXPIRE_ENDED] =
	        "SELECT id FROM orders o WHERE status IN ('cancelled', 'declined')"
	        " AND created_at < $1 AND anonymised_at = 0"
	        " AND (SELECT max(at) FROM order_events e WHERE e.order_id = o.id) < $1"
	        " ORDER BY created_at" PG_LIMIT(2);
	/*
	 * SQLite's CAST(value AS INTEGER): the longest integer prefix after leading
	 * spaces, 0 when there is none (PostgreSQL's cast refuses such text). The
	 * marks read here are written with "%lld"; a prefix past 2^63 fails here
	 * where SQLite would clamp it.
	 */
	t[SQL_KV_GET_INT] = "SELECT COALESCE(substring(value FROM '^\\s*([-+]?[0-9]+)')::bigint, 0)"
	                    " FROM kv WHERE key = $1";
	t[SQL_OUTBOX_EXPIRE] =
	        "UPDATE outbox SET payload = '" ANON_PAYLOAD "' WHERE status <> 'pending'"
	        " AND created_at >= $1 AND created_at < $2 AND payload <> '" ANON_PAYLOAD "'";
	t[SQL_OUTBOX_OLDEST] =
	        "SELECT min(created_at) FROM outbox WHERE status <> 'pending' AND created_at >= $1";
	t[SQL_TRANSCRIPT_OLDEST] = "SELECT min(at) FROM transcript WHERE at >= $1";
	t[SQL_TRANSCRIPT_EXPIRE] =
	        "UPDATE transcript SET text = '" STORE_ANON "', buttons = '', client_id = ''"
	        " WHERE at >= $1 AND at < $2 AND text <> '" STORE_ANON "'";
	t[SQL_VIEW_ADD] = "INSERT INTO detail_views (at, staff, via, what, subject) VALUES ($1, "
	                  "$2, $3, $4, $5)";
	t[SQL_VIEWS] = "SELECT id, at, staff, via, what, subject FROM detail_views"
	               " WHERE ($1 = '' OR staff = $1) AND at >= $2 AND ($3 = 0 OR at < $3)"
	               " ORDER BY id DESC" PG_LIMIT(4);
}

static void build_orders_list(struct buf *b, unsigned m)
{
	buf_add(b, ORDER_SELECT " WHERE 1 = 1");
	if (m & LIST_STATUS)
		buf_add(b, " AND o.status = $1");
	if (m & LIST_ASSIGNEE)
		buf_add(b, " AND o.assignee = $2");
	if (m & LIST_RESIDENT)
		buf_add(b, " AND o.resident_id = $3");
	if (m & LIST_OPEN)
		buf_add(b, " AND o.status IN " STORE_OPEN_STATUSES);
	if (m & LIST_ACTIONS)
		buf_add(b, " AND EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id"
		           " AND e.action IN ($6, $7, $8) AND e.at >= $9)");
	/* The few feedback rows changed lately (feedback_updated) name the orders. */
	if (m & LIST_RATED)
		buf_add(b, " AND o.id IN (SELECT order_id FROM feedback WHERE updated_at >= $14"
		           " AND rating BETWEEN 1 AND $13)");
	if (m & LIST_FROM)
		buf_add(b, " AND o.created_at >= $10");
	if (m & LIST_TO)
		buf_add(b, " AND o.created_at < $11");
	if (m & LIST_COMMUNITY)
		buf_add(b, " AND o.community = $12");
	/* A page after the last one read: in the order the list goes */
	if (m & LIST_AFTER)
		buf_add(b, " AND (o.created_at, o.id) > ($15, $16)");
	buf_add(b, m & LIST_OLDEST ? " ORDER BY o.created_at, o.id" PG_LIMIT(5)
	                           : " ORDER BY o.created_at DESC, o.id DESC" PG_LIMIT(5));
}

static void query_where(struct buf *b, unsigned m)
{
	buf_add(b, " WHERE 1 = 1");
	if (m & Q_STATUS)
		buf_add(b, " AND status = $1");
	if (m & Q_OPEN)
		buf_add(b, " AND status IN " STORE_OPEN_STATUSES);
	if (m & Q_CATEGORY)
		buf_add(b, " AND category = $3");
	if (m & Q_COMMUNITY)
		buf_add(b, " AND community = $4");
	if (m & Q_ASSIGNEE)
		buf_add(b, " AND assignee = $5");
	if (m & Q_FROM)
		buf_add(b, " AND created_at >= $6");
	if (m & Q_TO)
		buf_add(b, " AND created_at < $7");
}

static void build_ids(struct buf *b, unsigned m)
{
	buf_add(b, "SELECT id FROM orders");
	query_where(b, m);
	buf_add(b, " ORDER BY created_at DESC, id DESC" PG_LIMIT(8) " OFFSET $9");
}

static void build_count(struct buf *b, unsigned m)
{
	buf_add(b, "SELECT count(*) FROM orders");
	query_where(b, m);
}

void store_pg_build(enum store_sql family, unsigned mask, struct buf *b)
{
	if (family == SQL_ORDERS_LIST)
		build_orders_list(b, mask);
	else if (family == SQL_QUERY_IDS)
		build_ids(b, mask);
	else
		build_count(b, mask);
}
