/*
 * store.h - everything Concierge keeps, in one SQLite file.
 *
 * The database runs in WAL mode with foreign keys on; the schema is created
 * and upgraded by numbered migrations (PRAGMA user_version) when it opens.
 * Only prepared statements are used and no SQL exists outside store/.
 *
 * Several processes may use the same file (the server and staff at a desk
 * running `concierge chat`); writers wait up to a few seconds for each other
 * (busy timeout). Callers group the changes caused by one or more inbound
 * messages between store_begin() and store_commit() so that they land
 * together or not at all.
 *
 * Times are Unix seconds (int64_t). Money is in fen (cents, int64_t).
 * Functions return 0 on success and a negative number on failure unless a
 * comment says otherwise; store_errmsg() tells the last SQLite error.
 * Structs filled by the store are plain values owned by the caller, except
 * where a comment says a pointer must be freed with free().
 *
 * A struct store caches prepared statements, so one thread uses it at a time;
 * another thread or process opens its own. Callbacks may call back into the
 * same store (even the same list function).
 */
#ifndef CONCIERGE_STORE_H
#define CONCIERGE_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

/*
 * Opens (creating if needed) and migrates. TARGET is a SQLite file (a path,
 * or sqlite:PATH) or a PostgreSQL URL (postgresql://... or postgres://...).
 * On failure err says why, naming the target without its password.
 */
int store_open(const char *target, struct store **out, char *err, size_t errlen);
/*
 * TARGET for messages and logs: a URL's password (user:PASSWORD@, and the
 * password= and sslpassword= parameters) left out. Into BUF; returns BUF.
 */
const char *store_display_name(const char *target, char *buf, size_t len);
/*
 * This connection's commits return before they reach the disk (they do at
 * the next full commit of any connection, or a checkpoint): for changes a
 * crash may lose without harm, as the sender marking a row sent (it goes
 * again: delivery is at least once). Every other commit waits for the disk.
 */
int store_lazy_sync(struct store *s);
/*
 * The same for a while: FULL 0 until store_set_sync(S, 1), for commits that
 * another thread puts on the disk (bot/flush.c) before they are acknowledged.
 * Outside a transaction only. store_sync_now() puts every commit so far on
 * the disk at once.
 */
int store_set_sync(struct store *s, int full);
int store_sync_now(struct store *s);
/*
 * How long this connection waits for another's write lock before a call
 * fails: MS milliseconds (0: not at all), or the default few seconds when
 * negative. The server's event loop waits a few milliseconds only, so a
 * lock held long (a desk's `concierge chat`, an admin's shell, a VACUUM)
 * never stops it.
 */
void store_set_busy_ms(struct store *s, int ms);
/* The last failing call failed because another connection held a lock: try later. */
int store_locked(const struct store *s);
/* The last failing call failed because the disk is full: try once there is room. */
int store_full(const struct store *s);
void store_close(struct store *s);
const char *store_errmsg(struct store *s); /* why the last failing call failed */
/* The database file's full path ("" for an in-memory one); borrowed from S. */
const char *store_path(struct store *s);
int store_schema_version(struct store *s); /* PRAGMA user_version */

/*
 * The write-ahead log is copied into the database file by a thread of the
 * store's own, with its own connection, instead of inside the commit that
 * makes the log long (the server: its commits are on the event loop).
 * Stopped by store_close(). 0, or -1 (then commits checkpoint as before).
 */
int store_checkpoint_apart(struct store *s);
/* How many times that thread has checkpointed. */
long store_checkpoint_runs(struct store *s);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Not nestable. */
int store_begin(struct store *s);
int store_commit(struct store *s);
int store_rollback(struct store *s);
/*
 * A file PATH (copied) was created for the transaction now open, for a row
 * that names it (a photo): it is removed if the transaction rolls back (or
 * its commit fails), and left alone once it commits, so a rollback leaves no
 * file that no row names. 0, or -1 when out of memory (then the file is
 * removed at once and the caller fails the transaction).
 */
int store_tx_file(struct store *s, const char *path);

/* Key/value settings (e.g. a channel's polling offset). 1 found, 0 not found, <0 error. */
/*
 * 1 when S is a database several servers share (PostgreSQL), where what
 * only one of them may do at a time is held through leases; 0 for a SQLite
 * file, which has one server.
 */
int store_shared(const struct store *s);
/* "sqlite" or "postgresql". */
const char *store_backend_name(const struct store *s);
/*
 * Leases: roles only one server holds at a time (the timers, a single link).
 * On a shared database a lease is a lock held by the connection S until
 * dropped or until the connection ends, so a server that dies gives its
 * leases up at once. store_lease_try: 1 when taken (or already held
 * through S), 0 when another connection holds it. store_lease_held: 1 while
 * S still holds it (0 after a reconnection lost it). -1 on error. On a
 * SQLite file every lease is held.
 */
int store_lease_try(struct store *s, const char *name);
int store_lease_held(struct store *s, const char *name);
int store_lease_drop(struct store *s, const char *name);
/*
 * What the database says of itself: *STANDBY 1 on a read-only replica; *LAG_MS
 * how far behind (on a standby) or the slowest standby is (on a primary),
 * -1 when not known. A SQLite file: 0 and -1. 0 or -1.
 */
int store_db_status(struct store *s, int *standby, int64_t *lag_ms);

int store_kv_get(struct store *s, const char *key, char *out, size_t outlen);
int store_kv_set(struct store *s, const char *key, const char *value);

/*
 * Inbound de-duplication: records (channel, key). Returns 1 when it is new,
 * 0 when it was already recorded (the message must be dropped), <0 on error.
 */
int store_dedup_claim(struct store *s, const char *channel, const char *key, int64_t now);
/* Forgets keys older than BEFORE. */
int store_dedup_prune(struct store *s, int64_t before);

/* ---- residents ---------------------------------------------------------- */

struct store_resident {
	int64_t id;
	char name[128];
	char room[32];
	char phone[32];
	char lang[8]; /* "zh", "en" or "" */
};

/*
 * Finds the resident behind (channel, user), creating an empty one with that
 * identity when there is none. Fills OUT.
 */
int store_resident_ensure(struct store *s, const char *channel, const char *user, int64_t now,
                          struct store_resident *out);
/* 1 found, 0 not found, <0 error. */
int store_resident_get(struct store *s, int64_t id, struct store_resident *out);
/* Saves name, room, phone and lang of R (by R->id). */
int store_resident_save(struct store *s, const struct store_resident *r, int64_t now);

/* ---- staff ---------------------------------------------------------------- */

/* A staff member as the configuration lists them; borrowed strings. */
struct store_staff_row {
	const char *id;
	const char *name;
	const char *role;
	char *const *skills;
	size_t nskills;
};

/* Makes the staff table match ROWS (upsert; absent ones inactive). */
int store_staff_sync(struct store *s, const struct store_staff_row *rows, size_t n);

/* ---- orders ------------------------------------------------------------- */

#define STORE_DESC_MAX 2001

struct store_order {
	int64_t id;
	char number[24]; /* e.g. "261127-003": date of creation and the day's sequence */
	char community[64];
	char status[24];   /* pending, assigned, scheduled, in_progress,
	                      awaiting_acceptance, closed, rework, cancelled, declined */
	char category[16]; /* repair, cleaning, errand, inquiry, complaint */
	char item[64];     /* catalogue item id, or "" */
	char description[STORE_DESC_MAX];
	char room[32];
	char contact_name[128];
	char phone[32];
	char preferred_time[256];
	int64_t preferred_at;  /* 0 when the text had no recognisable time */
	int64_t preferred_end; /* end of the window the words name ("明天上午"), or 0 */
	int urgent;            /* an emergency: 1 */
	/* How it came in: */
	char intake[16];   /* the channel it was filed on, or "desk" (staff took it down) */
	char source[12];   /* desk intake: "phone", "walk-in" or "desk"; "" otherwise */
	char taken_by[64]; /* desk intake: the staff member who took it down, else "" */
	int64_t resident_id;
	char channel[16]; /* where the resident is notified */
	char chat[96];
	char user[96];     /* the resident's ID on that channel */
	char assignee[64]; /* staff id or "" */
	char eta[128];     /* the visit time as staff gave it, or "" */
	int64_t eta_at;    /* 0 when unknown */
	int promised_minutes;
	char estimate[64]; /* estimate/price text shown at confirmation */
	char reason[256];  /* why cancelled or declined */
	int64_t created_at, assigned_at, started_at, done_at, closed_at; /* 0 = not yet */
	/* Filled on read from the fee, payment and feedback tables: */
	int64_t fee;      /* fen; -1 when no fee was recorded */
	char receipt[64]; /* "" when not paid */
	int64_t paid_at;
	int accepted; /* -1 not asked/answered, 0 not fixed (last answer), 1 accepted */
	int rating;   /* 0 when none */
	char comment[1024];
};

/*
 * Creates an order from O (all fields but id, number, created_at and the
 * read-only ones; an empty INTAKE is taken to be CHANNEL), assigns its number, sets O->id,
 * O->number and O->created_at = NOW, and appends the event "created" by ACTOR via VIA.
 */
int store_order_create(struct store *s, struct store_order *o, int64_t now, const char *actor,
                       const char *via);
/* 1 found, 0 not found, <0 error. */
int store_order_get(struct store *s, const char *number, struct store_order *out);
int store_order_get_id(struct store *s, int64_t id, struct store_order *out);
/*
 * Writes the mutable fields of O (status, assignee, eta, eta_at, item,
 * category, promised_minutes, estimate, reason, preferred_at, preferred_end,
 * assigned_at, started_at, done_at, closed_at, channel, chat, user). An
 * unknown status or category, or an O->id that does not exist, is an error.
 */
int store_order_update(struct store *s, const struct store_order *o);

struct store_order_filter {
	const char *status;   /* or NULL */
	const char *assignee; /* or NULL */
	int64_t resident_id;  /* or 0 */
	int open_only;        /* not closed, cancelled or declined */
	int limit;            /* 0 = no limit */
	/*
	 * Or NULL: only orders whose history has an event with one of these
	 * actions (NULL-terminated, at most STORE_FILTER_ACTIONS) at SINCE or
	 * later, so that callers read the histories of those alone.
	 */
	const char *const *actions;
	int64_t since;
	int64_t from, to;      /* created at FROM or later and before TO; 0: unbounded */
	const char *community; /* or NULL: every community */
	int oldest_first;      /* oldest first instead of newest first */
	/*
	 * Or 0: only orders rated 1..RATED_MAX whose feedback (its rating or
	 * comment) changed at FEEDBACK_SINCE or later.
	 */
	int rated_max;
	int64_t feedback_since;
	/* With oldest_first and AFTER_ID: only orders after that one (created AFTER_CREATED). */
	int64_t after_created, after_id;
};
#define STORE_FILTER_ACTIONS 3
typedef int (*store_order_cb)(const struct store_order *o, void *ud); /* nonzero stops */
/* Newest first, unless F->oldest_first. */
int store_orders_list(struct store *s, const struct store_order_filter *f, store_order_cb cb,
                      void *ud);

/* ---- order history (append-only: the schema refuses UPDATE and DELETE) ---- */

struct store_event {
	int64_t id;
	int64_t at;
	char actor[96];  /* "resident:12", "staff:wang", "system" */
	char via[16];    /* channel */
	char action[32]; /* created, accepted, assigned, eta, started, done, accepted_by_resident,
	                    rework, closed, rated, commented, paid, cancelled, declined, ... */
	char old_status[24];
	char new_status[24];
	char detail[512];
};
int store_event_add(struct store *s, int64_t order_id, int64_t at, const char *actor,
                    const char *via, const char *action, const char *old_status,
                    const char *new_status, const char *detail);
typedef int (*store_event_cb)(const struct store_event *e, void *ud);
/* Oldest first. */
int store_events_list(struct store *s, int64_t order_id, store_event_cb cb, void *ud);

/* ---- photos sent with a request (store_photos.c) ---------------------------- */

struct store_photo {
	int64_t id;
	int64_t order_id; /* 0 while the intake it came with has no order yet */
	int64_t resident_id;
	char hash[65]; /* SHA-256 of the bytes, hex */
	char type[8];  /* jpeg, png, webp, heic */
	int64_t size;  /* bytes */
	char path[1024];
	char channel[16]; /* where it was sent */
	int64_t at;
};
typedef int (*store_photo_cb)(const struct store_photo *p, void *ud); /* nonzero stops */
/* Records P (all but id), sets P->id. 1 added, 0 already on that order, <0 error. */
int store_photo_add(struct store *s, struct store_photo *p);
/* Joins pending photo PHOTO_ID to ORDER_ID: 1 joined, 0 the order had it already. */
int store_photo_attach(struct store *s, int64_t photo_id, int64_t order_id);
/* The photos of ORDER_ID, oldest first. */
int store_photos_list(struct store *s, int64_t order_id, store_photo_cb cb, void *ud);
/* RESIDENT_ID's photos without an order, sent at SINCE or later, oldest first. */
int store_photos_pending(struct store *s, int64_t resident_id, int64_t since, store_photo_cb cb,
                         void *ud);

/* ---- desk intake and duty (store_desk.c) ------------------------------------- */

/*
 * Where the resident who gave PHONE (as dlg_norm_phone writes it) reads
 * their messages: for each resident record saved with that phone, newest
 * first, the chat their latest order is notified in. CB gets the resident's
 * id and that channel, chat and user; nonzero stops.
 */
typedef int (*store_reach_cb)(int64_t resident_id, const char *channel, const char *chat,
                              const char *user, void *ud);
int store_residents_by_phone(struct store *s, const char *phone, store_reach_cb cb, void *ud);

/* A staff member's own word on their duty (/on, /off). */
struct store_duty {
	int on;        /* 1 on duty, 0 off */
	int64_t at;    /* when it was said */
	int64_t until; /* it holds until then; 0: until their working hours next turn that way */
	char by[96];   /* who said it: "staff:wang" (a supervisor may say it for someone) */
};
/* 1 found, 0 never said, <0 error. */
int store_duty_get(struct store *s, const char *staff_id, struct store_duty *out);
int store_duty_set(struct store *s, const char *staff_id, const struct store_duty *d);

/* ---- follow-up visits, 回访 (store_followups.c) ------------------------------- */

/*
 * A closed order sampled for a follow-up visit. STATUS: "sampled" (not asked
 * yet), "asked", "answered" (at least one answer), "unanswered" (none in
 * time), "dropped" (the order was no longer closed when its turn came).
 */
struct store_followup {
	int64_t id;
	int64_t order_id;
	int64_t sampled_at, asked_at, answered_at; /* 0 = not yet */
	int resolved;                              /* 1 yes, 0 no, -1 not answered */
	int satisfied;                             /* likewise */
	char comment[1024];                        /* "" when none */
	int reopened;
	char status[12];
	/* from the order, for lists: */
	char number[24];
	char category[16];
	char assignee[64];
};
typedef int (*store_followup_cb)(const struct store_followup *f, void *ud); /* nonzero stops */

/* A closed order that may be sampled: what the sampling spreads over. */
struct store_fu_candidate {
	int64_t order_id;
	char number[24];
	char category[16];
	char assignee[64]; /* "" when nobody held it */
};
typedef int (*store_fu_candidate_cb)(const struct store_fu_candidate *c, void *ud);
/*
 * Orders closed in (FROM, TO], not complaints, with a chat to ask in and not
 * sampled before, oldest first.
 */
int store_fu_candidates(struct store *s, int64_t from, int64_t to, store_fu_candidate_cb cb,
                        void *ud);
/* Samples ORDER_ID at NOW: 1 added, 0 it was sampled before. */
int store_followup_add(struct store *s, int64_t order_id, int64_t now);
/* ORDER_ID's follow-up: 1 found, 0 none, <0 error. */
int store_followup_of(struct store *s, int64_t order_id, struct store_followup *out);
/* Follow-ups in STATUS, oldest sampled first. */
int store_followups_in(struct store *s, const char *status, store_followup_cb cb, void *ud);
/* Follow-ups sampled at SINCE or later, newest first, at most LIMIT (0: all). */
int store_followups_recent(struct store *s, int64_t since, int limit, store_followup_cb cb,
                           void *ud);
/* Status changes: asked at NOW; unanswered; dropped. */
int store_followup_asked(struct store *s, int64_t id, int64_t now);
int store_followup_set_status(struct store *s, int64_t id, const char *status);
/*
 * Records one answer at NOW (status "answered"): QUESTION "resolved" or
 * "satisfied" with VALUE 1 or 0, or "comment" with TEXT.
 */
int store_followup_answer(struct store *s, int64_t id, const char *question, int value,
                          const char *text, int64_t now);
int store_followup_reopened(struct store *s, int64_t id);

/* ---- feedback, fees and payments ---------------------------------------- */

/* ACCEPTED -1 and RATING 0 clear the answer. The latest fee recorded counts. */
int store_feedback_accept(struct store *s, int64_t order_id, int accepted, int64_t now);
int store_feedback_rate(struct store *s, int64_t order_id, int rating, int64_t now);
int store_feedback_comment(struct store *s, int64_t order_id, const char *comment, int64_t now);
int store_fee_record(struct store *s, int64_t order_id, int64_t fen, const char *by, int64_t now);
int store_payment_record(struct store *s, int64_t order_id, int64_t fen, const char *receipt,
                         const char *by, int64_t now);

/* ---- dialog sessions, keyed by (channel, chat, person) -------------------- */

/*
 * 1 found (and *STATE is a malloc'd JSON string the caller frees, *UPDATED_AT
 * the last change), 0 not found, <0 error. Expired sessions are still returned:
 * the caller decides.
 */
int store_session_get(struct store *s, const char *channel, const char *chat, const char *person,
                      char **state, int64_t *updated_at);
int store_session_put(struct store *s, const char *channel, const char *chat, const char *person,
                      const char *state, int64_t now);
int store_session_delete(struct store *s, const char *channel, const char *chat,
                         const char *person);

/* ---- outbox ----------------------------------------------------------------- */

struct store_outbox {
	int64_t id;
	char channel[16];
	char chat[96];
	char *payload; /* JSON; owned by the store during a callback, copy to keep */
	int attempts;
	int64_t next_at;
	char status[8]; /* "pending", "sent" or "dead" */
	char last_error[256];
	int64_t created_at;
	int64_t sent_at;
};
typedef int (*store_outbox_cb)(const struct store_outbox *m, void *ud); /* nonzero stops */

int store_outbox_add(struct store *s, const char *channel, const char *chat, const char *payload,
                     int64_t now, int64_t *id);
/* Like store_outbox_add, but the row waits until NEXT_AT (quiet hours). */
int store_outbox_add_at(struct store *s, const char *channel, const char *chat, const char *payload,
                        int64_t now, int64_t next_at, int64_t *id);
/*
 * Rows of one chat waiting for a later time without having failed (held for
 * quiet hours) become due at NOW: the person is awake and writing. The count.
 */
int store_outbox_release(struct store *s, const char *channel, const char *chat, int64_t now);
/*
 * Pending rows with next_at <= NOW, oldest first, at most LIMIT (0: all). The
 * rows are read before the first callback, so a callback may mark them.
 */
int store_outbox_due(struct store *s, int64_t now, int limit, store_outbox_cb cb, void *ud);
/*
 * The sender's reads, none of which walks the history: pending rows of
 * CHANNEL after row AFTER, oldest first, at most LIMIT (0: all); row ID
 * whatever its state; the highest row ID there is (0 when none); and, as
 * (id, chat, next_at), each chat's first pending row (heads), one chat's
 * (head), and the pending answers to pressed buttons (buttons).
 */
int store_outbox_after(struct store *s, const char *channel, int64_t after, int limit,
                       store_outbox_cb cb, void *ud);
int store_outbox_get(struct store *s, int64_t id, store_outbox_cb cb, void *ud);
/*
 * Claims pending row ID for OWNER (a server's name) until UNTIL, so that no
 * other server sharing the database sends it meanwhile: 1 when OWNER holds
 * the claim (new, or its own renewed), 0 when another server's claim runs
 * past NOW or the row is no longer pending, -1 on error.
 */
int store_outbox_claim(struct store *s, int64_t id, const char *owner, int64_t now, int64_t until);
int store_outbox_last(struct store *s, int64_t *id);
typedef int (*store_head_cb)(int64_t id, const char *chat, int64_t next_at,
                             void *ud); /* nonzero stops */
int store_outbox_heads(struct store *s, const char *channel, store_head_cb cb, void *ud);
/* (head: the first after row AFTER, 0 for the first of all) */
int store_outbox_head(struct store *s, const char *channel, const char *chat, int64_t after,
                      store_head_cb cb, void *ud);
int store_outbox_buttons(struct store *s, const char *channel, store_head_cb cb, void *ud);
/* Pending rows for one chat, oldest first (whatever their next_at). */
int store_outbox_for_chat(struct store *s, const char *channel, const char *chat,
                          store_outbox_cb cb, void *ud);
/* Pending rows for one chat due at NOW (not held for later), oldest first. */
int store_outbox_due_for_chat(struct store *s, const char *channel, const char *chat, int64_t now,
                              store_outbox_cb cb, void *ud);
/* The N rows IDS were sent at NOW: one transaction. Rows no longer there are left alone. */
int store_outbox_sent_many(struct store *s, const int64_t *ids, int64_t now, size_t n);
/*
 * The chats of CHANNEL with a pending row due at NOW that is newer than row
 * AFTER_ID or came due at SINCE or later, each once, read before the first
 * callback (nonzero stops). *LAST_ID: the newest row's ID, read first, to
 * pass as AFTER_ID next time. For readers that are present (a chat page):
 * what to push to them after a commit, without asking about every reader.
 */
typedef int (*store_chat_cb)(const char *chat, void *ud);
int store_outbox_fresh_chats(struct store *s, const char *channel, int64_t after_id, int64_t since,
                             int64_t now, int64_t *last_id, store_chat_cb cb, void *ud);
/* Each of these fails when there is no row ID; retry_later and dead count an attempt. */
int store_outbox_sent(struct store *s, int64_t id, int64_t now);
int store_outbox_retry_later(struct store *s, int64_t id, int64_t next_at, const char *error);
int store_outbox_dead(struct store *s, int64_t id, const char *error);
/*
 * Row ID waits for its chat to write again (a platform that only answers
 * people who wrote lately): pending, not due until store_outbox_wake(), no
 * attempt counted. Fails when there is no row ID.
 */
#define STORE_OUTBOX_HELD INT64_C(253402300799) /* its next_at: 9999-12-31 */
int store_outbox_hold(struct store *s, int64_t id, const char *error);
/* CHAT on CHANNEL wrote: its held rows are due at NOW. Returns the count, or -1. */
int store_outbox_wake(struct store *s, const char *channel, const char *chat, int64_t now);
/* Rows newest first: all of them (STORE_OUTBOX_ALL), the dead or the pending ones. */
enum { STORE_OUTBOX_ALL, STORE_OUTBOX_DEAD, STORE_OUTBOX_PENDING };
int store_outbox_list(struct store *s, int which, store_outbox_cb cb, void *ud);
/*
 * Makes dead row ID (or every dead row when ID < 0) pending again, due NOW,
 * with its attempts reset. Returns the count.
 */
int store_outbox_revive(struct store *s, int64_t id, int64_t now);
/* Number of pending rows. */
int store_outbox_depth(struct store *s, int64_t *n);
/* Pending and dead rows per channel, one callback (nonzero stops) per channel that has any. */
typedef int (*store_count_cb)(const char *channel, int64_t pending, int64_t dead, void *ud);
int store_outbox_counts(struct store *s, store_count_cb cb, void *ud);
/*
 * A group changed its ID (a supergroup migration): repoint pending rows,
 * orders and dialog sessions of CHANNEL from OLD_CHAT to NEW_CHAT, and record
 * the move so that chats named in the configuration follow the group too
 * (store_chat_current).
 */
/*
 * The ID CHAT of CHANNEL has now, after any recorded migration: copied into
 * OUT. Returns 1 when it moved, 0 when it did not (OUT holds CHAT), <0 on error.
 */
int store_chat_current(struct store *s, const char *channel, const char *chat, char *out,
                       size_t outlen);
int store_chat_migrate(struct store *s, const char *channel, const char *old_chat,
                       const char *new_chat);

/* ---- figures for an operator's scrape (store_stats.c) ---------------------------- */

typedef int (*store_tally_cb)(const char *key, int64_t n, void *ud); /* nonzero stops */
/* How many orders have each status, one callback per status that has any. */
int store_orders_by_status(struct store *s, store_tally_cb cb, void *ud);
/* Dialog sessions changed at SINCE or later (a dialog runs while it has a session). */
int store_sessions_active(struct store *s, int64_t since, int64_t *n);

/* ---- transcript: what a chat page visitor sees again after a reload ------------- */

struct store_line {
	int64_t id;
	char sender[4];      /* "me" or "bot" */
	const char *text;    /* valid during the callback */
	const char *buttons; /* JSON array or "" */
	const char *client_id;
	int64_t at;
};
typedef int (*store_line_cb)(const struct store_line *l, void *ud);

int store_transcript_add(struct store *s, const char *channel, const char *chat, const char *sender,
                         const char *text, const char *buttons, const char *client_id, int64_t at);
/* The last LIMIT lines of a chat, oldest first. */
int store_transcript_list(struct store *s, const char *channel, const char *chat, int limit,
                          store_line_cb cb, void *ud);

/* ---- the register as the console and the API read it (store_query.c) ------------ */

/* Conditions on orders; NULL or 0 leaves one out. */
struct store_order_query {
	const char *status;    /* a status, or "open" (not closed, cancelled or declined) */
	const char *category;  /* repair, cleaning, errand, inquiry, complaint */
	const char *community; /* a community id */
	const char *assignee;  /* a staff id; "" for orders nobody holds */
	int64_t from, to;      /* created at FROM or later, and before TO */
	int limit;             /* 1..STORE_QUERY_MAX orders on the page */
	int offset;            /* orders skipped before the page */
};
#define STORE_QUERY_MAX 200
/*
 * The page of orders Q selects, newest first, each to CB (nonzero stops);
 * *TOTAL is how many match Q in all.
 */
int store_orders_query(struct store *s, const struct store_order_query *q, store_order_cb cb,
                       void *ud, int64_t *total);

/* An event EVENT_ID about order NUMBER, held by ASSIGNEE ("" for nobody). Nonzero stops. */
typedef int (*store_change_cb)(int64_t event_id, const char *number, const char *assignee,
                               void *ud);
/* The events after event AFTER, oldest first, at most LIMIT (0: all). */
int store_events_after(struct store *s, int64_t after, int limit, store_change_cb cb, void *ud);
/* The newest event's ID (0 when there is none), over all orders or for one. */
int store_events_last(struct store *s, int64_t *id);
int store_order_last_event(struct store *s, int64_t order_id, int64_t *id);

/* The last LIMIT rows queued for CHANNEL/CHAT since SINCE, whatever their status, oldest first. */
int store_outbox_to_chat(struct store *s, const char *channel, const char *chat, int64_t since,
                         int limit, store_outbox_cb cb, void *ud);

#endif
