/*
 * sqlite_schema.c - the schema, as numbered migrations, and bringing a file
 * up to date when it opens.
 *
 * PRAGMA user_version holds the number of migrations applied. Opening applies
 * the missing ones in order inside one BEGIN IMMEDIATE transaction, so a crash
 * leaves the old version intact and two processes opening a new file at the
 * same moment do not both create it. A file from a newer program is refused
 * rather than guessed at.
 */
#include "store/sqlite_db.h"

#include <stdio.h>

/* "Cncg": marks the file as ours so a stray SQLite file is not migrated. */
#define STORE_APPLICATION_ID 0x436e6367

/* The columns of orders as migration 1 made them, copied by the rebuild of migration 3. */
#define ORDER_COLS                                                                                 \
	"number, community, status, category, item, description, room, contact_name, phone,"       \
	" preferred_time, preferred_at, resident_id, channel, chat, user, assignee, eta, eta_at,"  \
	" promised_minutes, estimate, reason, created_at, assigned_at, started_at, done_at,"       \
	" closed_at"

/*
 * Migration N brings the schema from user_version N-1 to N. Append new ones;
 * never edit one that has shipped. Each runs in the same transaction as the
 * user_version bump, so a crash leaves the old version intact.
 */
static const char *const migrations[] = {
        /* 1: everything */
        "CREATE TABLE residents ("
        " id INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL DEFAULT '',"
        " room TEXT NOT NULL DEFAULT '',"
        " phone TEXT NOT NULL DEFAULT '',"
        " lang TEXT NOT NULL DEFAULT '',"
        " created_at INTEGER NOT NULL,"
        " updated_at INTEGER NOT NULL);"
        "CREATE TABLE identities ("
        " channel TEXT NOT NULL,"
        " user TEXT NOT NULL,"
        " resident_id INTEGER NOT NULL REFERENCES residents(id),"
        " PRIMARY KEY (channel, user)) WITHOUT ROWID;"
        "CREATE INDEX identities_resident ON identities(resident_id);"
        "CREATE TABLE staff ("
        " id TEXT PRIMARY KEY,"
        " name TEXT NOT NULL DEFAULT '',"
        " role TEXT NOT NULL DEFAULT '',"
        " skills TEXT NOT NULL DEFAULT '[]',"
        " active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))) WITHOUT ROWID;"
        "CREATE TABLE orders ("
        " id INTEGER PRIMARY KEY,"
        " number TEXT NOT NULL UNIQUE,"
        " community TEXT NOT NULL DEFAULT '',"
        " status TEXT NOT NULL CHECK (status IN ('pending', 'assigned', 'scheduled',"
        "  'in_progress', 'awaiting_acceptance', 'closed', 'rework', 'cancelled', 'declined')),"
        " category TEXT NOT NULL CHECK (category IN ('repair', 'cleaning', 'errand', 'inquiry')),"
        " item TEXT NOT NULL DEFAULT '',"
        " description TEXT NOT NULL DEFAULT '',"
        " room TEXT NOT NULL DEFAULT '',"
        " contact_name TEXT NOT NULL DEFAULT '',"
        " phone TEXT NOT NULL DEFAULT '',"
        " preferred_time TEXT NOT NULL DEFAULT '',"
        " preferred_at INTEGER NOT NULL DEFAULT 0,"
        " resident_id INTEGER REFERENCES residents(id),"
        " channel TEXT NOT NULL DEFAULT '',"
        " chat TEXT NOT NULL DEFAULT '',"
        " user TEXT NOT NULL DEFAULT '',"
        " assignee TEXT NOT NULL DEFAULT '',"
        " eta TEXT NOT NULL DEFAULT '',"
        " eta_at INTEGER NOT NULL DEFAULT 0,"
        " promised_minutes INTEGER NOT NULL DEFAULT 0,"
        " estimate TEXT NOT NULL DEFAULT '',"
        " reason TEXT NOT NULL DEFAULT '',"
        " created_at INTEGER NOT NULL,"
        " assigned_at INTEGER NOT NULL DEFAULT 0,"
        " started_at INTEGER NOT NULL DEFAULT 0,"
        " done_at INTEGER NOT NULL DEFAULT 0,"
        " closed_at INTEGER NOT NULL DEFAULT 0);"
        "CREATE INDEX orders_status ON orders(status, created_at);"
        "CREATE INDEX orders_resident ON orders(resident_id, created_at);"
        "CREATE INDEX orders_assignee ON orders(assignee, created_at);"
        "CREATE INDEX orders_created ON orders(created_at);"
        "CREATE INDEX orders_chat ON orders(channel, chat);"
        "CREATE TABLE order_counters ("
        " day TEXT PRIMARY KEY,"
        " last INTEGER NOT NULL) WITHOUT ROWID;"
        "CREATE TABLE order_events ("
        " id INTEGER PRIMARY KEY,"
        " order_id INTEGER NOT NULL REFERENCES orders(id),"
        " at INTEGER NOT NULL,"
        " actor TEXT NOT NULL DEFAULT '',"
        " via TEXT NOT NULL DEFAULT '',"
        " action TEXT NOT NULL,"
        " old_status TEXT NOT NULL DEFAULT '',"
        " new_status TEXT NOT NULL DEFAULT '',"
        " detail TEXT NOT NULL DEFAULT '');"
        "CREATE INDEX order_events_order ON order_events(order_id, id);"
        "CREATE TRIGGER order_events_no_update BEFORE UPDATE ON order_events"
        " BEGIN SELECT RAISE(ABORT, 'order_events is append-only'); END;"
        "CREATE TRIGGER order_events_no_delete BEFORE DELETE ON order_events"
        " BEGIN SELECT RAISE(ABORT, 'order_events is append-only'); END;"
        "CREATE TABLE feedback ("
        " order_id INTEGER PRIMARY KEY REFERENCES orders(id),"
        " accepted INTEGER CHECK (accepted IN (0, 1)),"
        " rating INTEGER CHECK (rating BETWEEN 1 AND 5),"
        " comment TEXT NOT NULL DEFAULT '',"
        " updated_at INTEGER NOT NULL);"
        "CREATE TABLE fees ("
        " id INTEGER PRIMARY KEY,"
        " order_id INTEGER NOT NULL REFERENCES orders(id),"
        " fen INTEGER NOT NULL CHECK (fen >= 0),"
        " \"by\" TEXT NOT NULL DEFAULT '',"
        " at INTEGER NOT NULL);"
        "CREATE INDEX fees_order ON fees(order_id, id);"
        "CREATE TABLE payments ("
        " id INTEGER PRIMARY KEY,"
        " order_id INTEGER NOT NULL REFERENCES orders(id),"
        " fen INTEGER NOT NULL CHECK (fen >= 0),"
        " receipt TEXT NOT NULL DEFAULT '',"
        " \"by\" TEXT NOT NULL DEFAULT '',"
        " at INTEGER NOT NULL);"
        "CREATE INDEX payments_order ON payments(order_id, id);"
        "CREATE TABLE sessions ("
        " channel TEXT NOT NULL,"
        " chat TEXT NOT NULL,"
        " person TEXT NOT NULL,"
        " state TEXT NOT NULL,"
        " updated_at INTEGER NOT NULL,"
        " PRIMARY KEY (channel, chat, person)) WITHOUT ROWID;"
        "CREATE TABLE dedup ("
        " channel TEXT NOT NULL,"
        " key TEXT NOT NULL,"
        " at INTEGER NOT NULL,"
        " PRIMARY KEY (channel, key)) WITHOUT ROWID;"
        "CREATE INDEX dedup_at ON dedup(at);"
        "CREATE TABLE outbox ("
        " id INTEGER PRIMARY KEY,"
        " channel TEXT NOT NULL,"
        " chat TEXT NOT NULL,"
        " payload TEXT NOT NULL,"
        " attempts INTEGER NOT NULL DEFAULT 0,"
        " next_at INTEGER NOT NULL,"
        " status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),"
        " last_error TEXT NOT NULL DEFAULT '',"
        " created_at INTEGER NOT NULL,"
        " sent_at INTEGER NOT NULL DEFAULT 0);"
        "CREATE INDEX outbox_due ON outbox(status, next_at);"
        "CREATE INDEX outbox_chat ON outbox(channel, chat, status);"
        "CREATE TABLE kv ("
        " key TEXT PRIMARY KEY,"
        " value TEXT NOT NULL) WITHOUT ROWID;",
        /* 2: the conversation as a chat page shows it after a reload. */
        "CREATE TABLE transcript ("
        " id INTEGER PRIMARY KEY,"
        " channel TEXT NOT NULL,"
        " chat TEXT NOT NULL,"
        " sender TEXT NOT NULL CHECK (sender IN ('me', 'bot')),"
        " text TEXT NOT NULL,"
        " buttons TEXT NOT NULL DEFAULT '',"
        " client_id TEXT NOT NULL DEFAULT '',"
        " at INTEGER NOT NULL);"
        "CREATE INDEX transcript_chat ON transcript(channel, chat, id);",
        /*
         * 3: complaints are a category of their own, orders can be urgent, and a
         * preferred time can be a window (its end). SQLite cannot change a CHECK in
         * place: the table is rebuilt (store_migrate turns foreign keys off for it).
         */
        "CREATE TABLE orders_new ("
        " id INTEGER PRIMARY KEY,"
        " number TEXT NOT NULL UNIQUE,"
        " community TEXT NOT NULL DEFAULT '',"
        " status TEXT NOT NULL CHECK (status IN ('pending', 'assigned', 'scheduled',"
        "  'in_progress', 'awaiting_acceptance', 'closed', 'rework', 'cancelled', 'declined')),"
        " category TEXT NOT NULL CHECK (category IN ('repair', 'cleaning', 'errand', 'inquiry',"
        "  'complaint')),"
        " item TEXT NOT NULL DEFAULT '',"
        " description TEXT NOT NULL DEFAULT '',"
        " room TEXT NOT NULL DEFAULT '',"
        " contact_name TEXT NOT NULL DEFAULT '',"
        " phone TEXT NOT NULL DEFAULT '',"
        " preferred_time TEXT NOT NULL DEFAULT '',"
        " preferred_at INTEGER NOT NULL DEFAULT 0,"
        " resident_id INTEGER REFERENCES residents(id),"
        " channel TEXT NOT NULL DEFAULT '',"
        " chat TEXT NOT NULL DEFAULT '',"
        " user TEXT NOT NULL DEFAULT '',"
        " assignee TEXT NOT NULL DEFAULT '',"
        " eta TEXT NOT NULL DEFAULT '',"
        " eta_at INTEGER NOT NULL DEFAULT 0,"
        " promised_minutes INTEGER NOT NULL DEFAULT 0,"
        " estimate TEXT NOT NULL DEFAULT '',"
        " reason TEXT NOT NULL DEFAULT '',"
        " created_at INTEGER NOT NULL,"
        " assigned_at INTEGER NOT NULL DEFAULT 0,"
        " started_at INTEGER NOT NULL DEFAULT 0,"
        " done_at INTEGER NOT NULL DEFAULT 0,"
        " closed_at INTEGER NOT NULL DEFAULT 0,"
        " urgent INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),"
        " preferred_end INTEGER NOT NULL DEFAULT 0);"
        "INSERT INTO orders_new (id, " ORDER_COLS ") SELECT id, " ORDER_COLS " FROM orders;"
        "DROP TABLE orders;"
        "ALTER TABLE orders_new RENAME TO orders;"
        "CREATE INDEX orders_status ON orders(status, created_at);"
        "CREATE INDEX orders_resident ON orders(resident_id, created_at);"
        "CREATE INDEX orders_assignee ON orders(assignee, created_at);"
        "CREATE INDEX orders_created ON orders(created_at);"
        "CREATE INDEX orders_chat ON orders(channel, chat);",
        /*
         * 4: photos residents sent with a request. ORDER_ID is NULL while the
         * intake they came with has not made an order yet; the file is PATH,
         * named by the SHA-256 of its bytes (HASH).
         */
        "CREATE TABLE photos ("
        " id INTEGER PRIMARY KEY,"
        " order_id INTEGER REFERENCES orders(id),"
        " resident_id INTEGER NOT NULL REFERENCES residents(id),"
        " hash TEXT NOT NULL,"
        " type TEXT NOT NULL CHECK (type IN ('jpeg', 'png', 'webp', 'heic')),"
        " size INTEGER NOT NULL,"
        " path TEXT NOT NULL,"
        " channel TEXT NOT NULL DEFAULT '',"
        " at INTEGER NOT NULL,"
        " UNIQUE (order_id, hash));"
        "CREATE INDEX photos_resident ON photos(resident_id, order_id, at);",
        /*
         * 5: how an order came in - the channel it was filed on, or "desk" when
         * staff took it down for a resident who phoned or walked in (SOURCE), and
         * who did (TAKEN_BY) - and what staff said of their duty (/on, /off).
         */
        "ALTER TABLE orders ADD COLUMN intake TEXT NOT NULL DEFAULT '';"
        "ALTER TABLE orders ADD COLUMN source TEXT NOT NULL DEFAULT ''"
        " CHECK (source IN ('', 'desk', 'phone', 'walk-in'));"
        "ALTER TABLE orders ADD COLUMN taken_by TEXT NOT NULL DEFAULT '';"
        "UPDATE orders SET intake = channel;"
        "CREATE INDEX residents_phone ON residents(phone);"
        "CREATE TABLE duty ("
        " staff_id TEXT PRIMARY KEY,"
        " on_duty INTEGER NOT NULL CHECK (on_duty IN (0, 1)),"
        " at INTEGER NOT NULL,"
        " until INTEGER NOT NULL DEFAULT 0,"
        " \"by\" TEXT NOT NULL DEFAULT '') WITHOUT ROWID;",
        /*
         * 6: follow-up visits (回访): closed orders sampled for questions to their
         * resident. STATUS: sampled (not asked yet), asked, answered (at least
         * one answer), unanswered (none within the configured days), dropped
         * (the order was no longer closed when its turn came). RESOLVED and
         * SATISFIED are 1 yes, 0 no, NULL not answered.
         */
        "CREATE TABLE followups ("
        " id INTEGER PRIMARY KEY,"
        " order_id INTEGER NOT NULL UNIQUE REFERENCES orders(id),"
        " sampled_at INTEGER NOT NULL,"
        " asked_at INTEGER,"
        " answered_at INTEGER,"
        " resolved INTEGER CHECK (resolved IN (0, 1)),"
        " satisfied INTEGER CHECK (satisfied IN (0, 1)),"
        " comment TEXT,"
        " reopened INTEGER NOT NULL DEFAULT 0 CHECK (reopened IN (0, 1)),"
        " status TEXT NOT NULL DEFAULT 'sampled' CHECK (status IN ('sampled', 'asked',"
        "  'answered', 'unanswered', 'dropped')));"
        "CREATE INDEX followups_status ON followups(status, sampled_at);"
        "CREATE INDEX followups_sampled ON followups(sampled_at);",
        /*
         * 7: one resident across channels. An identity remembers its private
         * chat and when the resident last wrote there; a resident may prefer a
         * channel for notices, and one merged into another points at it.
         * LINK_CODES holds the confirmation code a resident asked for (hashed),
         * RESIDENT_EVENTS what was linked, merged and detached, and
         * LINK_REROUTES the notices sent again on another channel after the
         * first one was given up on.
         */
        "ALTER TABLE identities ADD COLUMN chat TEXT NOT NULL DEFAULT '';"
        "ALTER TABLE identities ADD COLUMN last_at INTEGER NOT NULL DEFAULT 0;"
        "UPDATE identities SET chat = COALESCE((SELECT o.chat FROM orders o"
        " WHERE o.channel = identities.channel AND o.user = identities.user"
        " ORDER BY o.id DESC LIMIT 1), '');"
        "CREATE INDEX identities_chat ON identities(channel, chat);"
        "ALTER TABLE residents ADD COLUMN notify_channel TEXT NOT NULL DEFAULT '';"
        "ALTER TABLE residents ADD COLUMN merged_into INTEGER NOT NULL DEFAULT 0;"
        "CREATE TABLE link_codes ("
        " resident_id INTEGER PRIMARY KEY REFERENCES residents(id),"
        " target_id INTEGER NOT NULL DEFAULT 0,"
        " salt TEXT NOT NULL,"
        " hash TEXT NOT NULL,"
        " created_at INTEGER NOT NULL,"
        " expires_at INTEGER NOT NULL,"
        " tries INTEGER NOT NULL DEFAULT 0,"
        " locked_until INTEGER NOT NULL DEFAULT 0,"
        " requests INTEGER NOT NULL DEFAULT 0,"
        " window_at INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE resident_events ("
        " id INTEGER PRIMARY KEY,"
        " resident_id INTEGER NOT NULL REFERENCES residents(id),"
        " other_id INTEGER NOT NULL DEFAULT 0,"
        " at INTEGER NOT NULL,"
        " actor TEXT NOT NULL DEFAULT '',"
        " via TEXT NOT NULL DEFAULT '',"
        " action TEXT NOT NULL,"
        " detail TEXT NOT NULL DEFAULT '');"
        "CREATE INDEX resident_events_resident ON resident_events(resident_id, id);"
        "CREATE TABLE link_reroutes ("
        " dead_id INTEGER PRIMARY KEY,"
        " new_id INTEGER NOT NULL DEFAULT 0,"
        " tried TEXT NOT NULL DEFAULT '');"
        "CREATE INDEX link_reroutes_new ON link_reroutes(new_id);",
        /*
         * 8: indexes for a register of a million orders and its outbox:
         * ORDERS_CLOSED finds the orders closed in a period (follow-up
         * sampling), FEEDBACK_UPDATED the ratings given lately (low ratings to
         * alert), ORDER_EVENTS_REWORK whether an order ever went back to work
         * (reports ask it of every order) - a partial index, as small as those
         * events are few - and OUTBOX_PENDING each chat's first waiting
         * message for the sender, without reading the history. Only indexes:
         * a file of a million orders takes a few seconds, once.
         */
        "CREATE INDEX orders_closed ON orders(closed_at);"
        "CREATE INDEX feedback_updated ON feedback(updated_at);"
        "CREATE INDEX order_events_rework ON order_events(order_id)"
        " WHERE action IN ('rework', 'reopened');"
        "CREATE INDEX outbox_pending ON outbox(channel, chat, id, next_at)"
        " WHERE status = 'pending';",
        /*
         * 9: inbound messages that failed (store_dead.c). A row counts the
         * failed tries of one message (CHANNEL, MSG_KEY: the platform's ID or
         * a digest of it) while it is retried; DEAD_AT is set when it was set
         * aside as a dead letter, REPLAYED_AT when an operator replayed it. RAW
         * is the message as JSON, for the replay.
         */
        "CREATE TABLE inbound_dead ("
        " id INTEGER PRIMARY KEY,"
        " channel TEXT NOT NULL,"
        " msg_key TEXT NOT NULL,"
        " chat TEXT NOT NULL DEFAULT '',"
        " raw TEXT NOT NULL,"
        " reason TEXT NOT NULL DEFAULT '',"
        " attempts INTEGER NOT NULL DEFAULT 0,"
        " first_at INTEGER NOT NULL,"
        " last_at INTEGER NOT NULL,"
        " dead_at INTEGER,"
        " replayed_at INTEGER,"
        " UNIQUE (channel, msg_key));"
        "CREATE INDEX inbound_dead_dead ON inbound_dead(dead_at) WHERE dead_at IS NOT NULL;",
        /*
         * 10: residents' privacy (PIPL). An order whose personal details were
         * replaced (`concierge forget`, or the retention period ran out) says
         * when (ANONYMISED_AT); ORDERS_KEPT finds the closed ones not done
         * yet. The history stays append-only, except that anonymising may
         * replace the text of an event's DETAIL, and nothing else of it.
         * DETAIL_VIEWS records who looked at a person's details (the order's
         * contact, a resident) in the console or the API, and when.
         * OUTBOX_AGED and TRANSCRIPT_AT find messages past the retention
         * period.
         */
        "ALTER TABLE orders ADD COLUMN anonymised_at INTEGER NOT NULL DEFAULT 0;"
        "CREATE INDEX orders_kept ON orders(closed_at) WHERE anonymised_at = 0;"
        "DROP TRIGGER IF EXISTS order_events_no_update;"
        "CREATE TRIGGER order_events_no_update BEFORE UPDATE ON order_events"
        " WHEN NEW.id IS NOT OLD.id OR NEW.order_id IS NOT OLD.order_id"
        "  OR NEW.at IS NOT OLD.at OR NEW.actor IS NOT OLD.actor OR NEW.via IS NOT OLD.via"
        "  OR NEW.action IS NOT OLD.action OR NEW.old_status IS NOT OLD.old_status"
        "  OR NEW.new_status IS NOT OLD.new_status"
        "  OR (SELECT anonymised_at FROM orders WHERE id = OLD.order_id) = 0"
        " BEGIN SELECT RAISE(ABORT, 'order_events is append-only'); END;"
        "CREATE TABLE detail_views ("
        " id INTEGER PRIMARY KEY,"
        " at INTEGER NOT NULL,"
        " staff TEXT NOT NULL,"
        " via TEXT NOT NULL,"
        " what TEXT NOT NULL,"
        " subject TEXT NOT NULL);"
        "CREATE INDEX detail_views_at ON detail_views(at);"
        "CREATE INDEX outbox_aged ON outbox(created_at) WHERE status <> 'pending';"
        "CREATE INDEX transcript_at ON transcript(at);",
        /*
         * 11: several servers on one database. A server about to send an
         * outbox row claims it (CLAIMED_BY, until CLAIM_UNTIL), so no
         * other sends it meanwhile; a claim of a server that died lapses.
         */
        "ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';"
        "ALTER TABLE outbox ADD COLUMN claim_until INTEGER NOT NULL DEFAULT 0;",
};

/* The last migration that rebuilt a table, after which foreign keys are checked. */
#define LAST_REBUILD 3

#define STORE_SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))
_Static_assert(STORE_SCHEMA_VERSION == STORE_STEPS, "STORE_STEPS counts the migrations");

int store_pragma_int(struct store *s, const char *sql, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(sqlite_of(s)->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_fail(s);
		goto out;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_fail(s);
		goto out;
	}
	*out = sqlite3_column_int(st, 0);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/* 1 (and the store failed) when a row points at a row that is not there. */
static int foreign_keys_broken(struct store *s)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(sqlite_of(s)->db, "PRAGMA foreign_key_check", -1, &st, NULL) !=
	    SQLITE_OK) {
		store_fail(s);
		return 1;
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_ROW)
		store_failf(s, "migration left a row pointing nowhere");
	else
		store_fail(s);
	return 1;
}

int store_migrate(struct store *s)
{
	char sql[64];
	int version, app_id, i, rc = -1;

	if (store_pragma_int(s, "PRAGMA user_version", &version) < 0 ||
	    store_pragma_int(s, "PRAGMA application_id", &app_id) < 0)
		return -1;
	if (app_id != 0 && app_id != STORE_APPLICATION_ID)
		return store_failf(s, "not a Concierge database (application_id %d)", app_id);
	if (version > STORE_SCHEMA_VERSION)
		return store_failf(s,
		                   "database schema version %d is newer than this program knows "
		                   "(%d); use a newer Concierge",
		                   version, STORE_SCHEMA_VERSION);
	if (version == STORE_SCHEMA_VERSION)
		return 0;

	/*
	 * A table rebuilt by a migration is dropped and renamed: foreign keys are
	 * off meanwhile (they cannot change inside a transaction) and checked
	 * before the commit, as SQLite's ALTER TABLE documentation prescribes.
	 */
	if (sqlite3_exec(sqlite_of(s)->db, "PRAGMA foreign_keys = OFF", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return store_fail(s);
	if (sqlite3_exec(sqlite_of(s)->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		store_fail(s);
		sqlite3_exec(sqlite_of(s)->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
		return -1;
	}
	/* Another process may have migrated while we waited for the lock. */
	if (store_pragma_int(s, "PRAGMA user_version", &version) < 0)
		goto out;
	if (version > STORE_SCHEMA_VERSION) {
		store_failf(s, "database schema version %d is newer than this program knows (%d)",
		            version, STORE_SCHEMA_VERSION);
		goto out;
	}
	for (i = version; i < STORE_SCHEMA_VERSION; i++) {
		char *msg = NULL;

		if (sqlite3_exec(sqlite_of(s)->db, migrations[i], NULL, NULL, &msg) != SQLITE_OK) {
			store_failf(s, "migration %d: %s", i + 1, msg ? msg : "failed");
			sqlite3_free(msg);
			goto out;
		}
	}
	/* PRAGMAs take no parameters; the numbers are ours, not data. */
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; PRAGMA application_id = %d",
	         STORE_SCHEMA_VERSION, STORE_APPLICATION_ID);
	if (sqlite3_exec(sqlite_of(s)->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		store_fail(s);
		goto out;
	}
	/* Checking reads every row: only after a rebuild, not for a new index on a big file. */
	if (version < LAST_REBUILD && foreign_keys_broken(s))
		goto out;
	if (sqlite3_exec(sqlite_of(s)->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		store_fail(s);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0 && !sqlite3_get_autocommit(sqlite_of(s)->db))
		sqlite3_exec(sqlite_of(s)->db, "ROLLBACK", NULL, NULL, NULL);
	if (sqlite3_exec(sqlite_of(s)->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) !=
	    SQLITE_OK)
		rc = store_fail(s);
	return rc;
}

int sqlite_schema_version(struct store *s)
{
	int v;

	if (store_pragma_int(s, "PRAGMA user_version", &v) < 0)
		return -1;
	return v;
}
