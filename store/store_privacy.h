/*
 * store_privacy.h - residents' privacy (PIPL): forgetting a person,
 * anonymising orders once their retention period is over, and the record of
 * who looked at a person's details.
 *
 * Anonymising replaces what identifies a person - names, phone numbers,
 * rooms, chat identities, their own words - by STORE_ANON (or nothing), and
 * keeps what the figures are made of: numbers, categories, communities,
 * times, statuses, assignees, fees, payments and ratings, so a report gives
 * the same figures before and after. An anonymised order says when
 * (orders.anonymised_at) and its history gets an "anonymised" event.
 *
 * The connection overwrites what it deletes while anonymising (SQLite's
 * secure_delete), so the old text does not linger in the file's free space.
 * Every function here expects the caller's transaction (store_begin).
 */
#ifndef CONCIERGE_STORE_PRIVACY_H
#define CONCIERGE_STORE_PRIVACY_H

#include <stdint.h>

struct store;

/* What stands where a person's details were. */
#define STORE_ANON "已匿名"

/* What anonymising changed, added to by each call. */
struct store_anon_counts {
	int residents;  /* resident records */
	int identities; /* chat identities removed */
	int orders;
	int events;   /* history entries whose text was replaced */
	int photos;   /* photos removed (their files: the caller, after the commit) */
	int messages; /* outbox rows and chat page lines whose text was replaced */
	int sessions; /* dialog states removed */
};

/* A file that is no longer named by any row once the transaction commits (borrowed). */
typedef int (*store_path_cb)(const char *path, void *ud); /* nonzero stops */

/*
 * The resident records that are one person with RESIDENT_ID: the one it was
 * merged into (followed to the end), and every record merged into that one,
 * each to CB (nonzero stops). 1 when RESIDENT_ID exists, 0 when not, <0 error.
 */
typedef int (*store_person_cb)(int64_t resident_id, void *ud);
int store_person_records(struct store *s, int64_t resident_id, store_person_cb cb, void *ud);

/* The residents saved with PHONE (as dlg_norm_phone writes it), to CB. 0 or <0. */
int store_residents_of_phone(struct store *s, const char *phone, store_person_cb cb, void *ud);
/* The orders whose contact phone is PHONE, whoever filed them, to CB (their ids). */
int store_orders_of_phone(struct store *s, const char *phone, store_person_cb cb, void *ud);

/*
 * Forgets resident record RESIDENT_ID at NOW: their name, room and phone, chat
 * identities, confirmation codes, dialog states, chat page lines and messages
 * to their private chats, photos, and every order of theirs as
 * store_anonymise_order() does. The record itself stays (orders point at
 * it), and its history gets a "forgotten" event by ACTOR via VIA with
 * DETAIL. Photo files to remove go to PHOTO_CB.
 */
int store_forget_resident(struct store *s, int64_t resident_id, int64_t now, const char *actor,
                          const char *via, const char *detail, store_path_cb photo_cb, void *ud,
                          struct store_anon_counts *n);

/*
 * Anonymises order ORDER_ID at NOW: its description, room, contact name and
 * phone, preferred time and chat become STORE_ANON or "", the resident's own
 * words in its history, feedback and follow-up become STORE_ANON, and the
 * details in staff's words lose the names, phone numbers and room they
 * carry; its photos are removed. An "anonymised" event by ACTOR via VIA
 * with DETAIL is appended. Doing it twice changes nothing more (but adds
 * the event).
 */
int store_anonymise_order(struct store *s, int64_t order_id, int64_t now, const char *actor,
                          const char *via, const char *detail, store_path_cb photo_cb, void *ud,
                          struct store_anon_counts *n);

/*
 * The retention period: orders closed (or cancelled, declined: their last
 * event) before BEFORE and not anonymised yet, at most LIMIT of them, oldest
 * first, are anonymised by ACTOR with DETAIL; and outbox rows delivered or
 * given up on, and chat page lines, from before BEFORE lose their text, a
 * day's worth per call (a mark in kv remembers how far that went). Counts
 * in N.
 */
int store_privacy_expire(struct store *s, int64_t before, int64_t now, int limit, const char *actor,
                         const char *detail, store_path_cb photo_cb, void *ud,
                         struct store_anon_counts *n);

/*
 * Copies the write-ahead log into the file and empties it, so the text
 * anonymising replaced is not left in the log (outside a transaction). -1
 * when another connection's reader keeps part of it (it goes at that
 * connection's next checkpoint).
 */
int store_privacy_checkpoint(struct store *s);

/*
 * Someone looked at a person's details: staff STAFF via VIA ("api",
 * "console"), WHAT ("order", "form", "resident") SUBJECT (its number or id).
 */
int store_view_add(struct store *s, int64_t at, const char *staff, const char *via,
                   const char *what, const char *subject);
struct store_view {
	int64_t id;
	int64_t at;
	char staff[64];
	char via[16];
	char what[16];
	char subject[64];
};
typedef int (*store_view_cb)(const struct store_view *v, void *ud); /* nonzero stops */
/* Views at FROM or later and before TO (0: unbounded), of STAFF (NULL: anyone), newest first. */
int store_views_list(struct store *s, const char *staff, int64_t from, int64_t to, int limit,
                     store_view_cb cb, void *ud);

#endif
