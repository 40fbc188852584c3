/*
 * store_link.h - one resident across channels (store_link.c).
 *
 * A resident is found by (channel, user) through an identity; a person who
 * talks to the centre on two channels starts as two residents. Linking makes
 * them one: the identities, orders and photos of one move to the other in a
 * single transaction (store_residents_merge), and the one merged away keeps
 * a pointer to the survivor. The proof that both chats belong to the same
 * person is a confirmation code, sent to the other chat and typed here; the
 * store keeps only its salted hash and counts the tries (link codes below).
 *
 * Each identity remembers its private chat and when its resident last wrote
 * there, so notices can follow the resident to the channel they use now.
 * Same conventions as store.h: 0 or a negative number, plain values owned
 * by the caller.
 */
#ifndef CONCIERGE_STORE_LINK_H
#define CONCIERGE_STORE_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* ---- identities ------------------------------------------------------------------ */

struct store_identity {
	char channel[16];
	char user[96];
	char chat[96];   /* the private chat where the resident writes there; "" unknown */
	int64_t last_at; /* when the resident last wrote there; 0 unknown */
};
typedef int (*store_identity_cb)(const struct store_identity *id, void *ud); /* nonzero stops */

/* RESIDENT_ID's identities, the one written from last first. */
int store_identities_list(struct store *s, int64_t resident_id, store_identity_cb cb, void *ud);
/*
 * The resident wrote as (CHANNEL, USER) at NOW; CHAT (or NULL/"" to keep the
 * known one) is their private chat there. No identity: nothing happens.
 */
int store_identity_seen(struct store *s, const char *channel, const char *user, const char *chat,
                        int64_t now);
/* The resident whose identity on CHANNEL has private chat CHAT: 1 (and *ID), 0 none, <0. */
int store_identity_by_chat(struct store *s, const char *channel, const char *chat, int64_t *id);
/*
 * (CHANNEL, USER) leaves its resident for a new one (created at NOW, with the
 * old one's language), whose id goes to *NEW_ID. The orders stay with the old
 * resident. 1 done, 0 no such identity, <0 error.
 */
int store_identity_detach(struct store *s, const char *channel, const char *user, int64_t now,
                          int64_t *new_id);

/* ---- residents as one person ------------------------------------------------------- */

/* What residents carry beyond store_resident. */
struct store_resident_link {
	char notify_channel[16]; /* notices go there first; "" where they last wrote */
	int64_t merged_into;     /* merged into that resident; 0 when it stands on its own */
	int64_t created_at, updated_at;
};
/* 1 found, 0 not, <0 error. */
int store_resident_link_get(struct store *s, int64_t id, struct store_resident_link *out);
int store_resident_notify_set(struct store *s, int64_t id, const char *channel, int64_t now);

/* Residents standing on their own (not merged) who saved PHONE, last changed first. */
typedef int (*store_id_cb)(int64_t id, void *ud); /* nonzero stops */
int store_residents_with_phone(struct store *s, const char *phone, store_id_cb cb, void *ud);

/*
 * Points every order of RESIDENT_ID at (CHANNEL, CHAT, USER), where its
 * notices now go. Returns how many changed, or <0.
 */
int store_orders_repoint(struct store *s, int64_t resident_id, const char *channel,
                         const char *chat, const char *user);
/* The same for the orders of RESIDENT_ID now pointing at (CHANNEL, CHAT) only. */
int store_orders_repoint_from(struct store *s, int64_t resident_id, const char *old_channel,
                              const char *old_chat, const char *channel, const char *chat,
                              const char *user);

/*
 * Makes resident FROM part of resident INTO, in one transaction (a savepoint
 * inside the caller's): FROM's identities, orders and photos move to INTO;
 * INTO keeps its details and takes FROM's where it has none (name, room,
 * phone, language, preferred channel); FROM's phone is cleared, its pending
 * code dropped, and it points at INTO (merged_into). Dialog sessions are
 * keyed by the chat, not the resident, and carry on as they were. Each open
 * order of INTO afterwards gets the event ACTION (by ACTOR via VIA, DETAIL),
 * and the resident's history a row. Returns 0, 1 when it cannot be done
 * (the same resident, one missing or already merged: store_errmsg says
 * which; nothing changed), <0 on error (nothing changed).
 */
int store_residents_merge(struct store *s, int64_t into, int64_t from, int64_t now,
                          const char *actor, const char *via, const char *action,
                          const char *detail);

/* ---- what happened to a resident ---------------------------------------------------- */

struct store_resident_event {
	int64_t id, at;
	int64_t other_id; /* the other resident (merged, detached into), or 0 */
	char actor[96];
	char via[16];
	char action[32]; /* linked, merged, unlinked, notify */
	char detail[256];
};
typedef int (*store_resident_event_cb)(const struct store_resident_event *e, void *ud);
int store_resident_event_add(struct store *s, int64_t resident_id, int64_t other_id, int64_t at,
                             const char *actor, const char *via, const char *action,
                             const char *detail);
/* Oldest first. */
int store_resident_events(struct store *s, int64_t resident_id, store_resident_event_cb cb,
                          void *ud);

/* ---- confirmation codes ------------------------------------------------------------- */

#define STORE_LINK_TTL      600  /* a code is good for 10 minutes */
#define STORE_LINK_TRIES    5    /* wrong codes before the lock */
#define STORE_LINK_LOCK     3600 /* the lock lasts an hour */
#define STORE_LINK_REQUESTS 5    /* codes asked for within an hour before the lock */

/* The code RESIDENT_ID (who types it) asked for. */
struct store_link_code {
	int64_t resident_id;
	int64_t target_id; /* whose chat it was sent to; 0: nobody's (nothing to link) */
	char salt[40];     /* hex; the hash is over salt and code */
	char hash[72];     /* hex */
	int64_t created_at, expires_at;
	int tries;            /* wrong codes since the last lock */
	int64_t locked_until; /* 0, or the end of the lock */
	int requests;         /* codes asked for since WINDOW_AT */
	int64_t window_at;
};

enum store_link_state {
	STORE_LINK_NONE = 0, /* no code asked for */
	STORE_LINK_PENDING,  /* a code waits to be typed */
	STORE_LINK_EXPIRED,  /* it was not typed in time */
	STORE_LINK_LOCKED,   /* too many wrong codes or requests: wait until locked_until */
};

/*
 * The state of RESIDENT_ID's code at NOW, the row in OUT (zeroed for NONE).
 * A lock that has run out is forgotten (tries and requests count afresh).
 * Returns an enum store_link_state, or <0.
 */
int store_link_state(struct store *s, int64_t resident_id, int64_t now,
                     struct store_link_code *out);
/*
 * A new code for RESIDENT_ID, sent to TARGET_ID (0: none), replacing any
 * earlier one; it expires STORE_LINK_TTL after NOW. Wrong tries still count.
 * Returns 0, or STORE_LINK_LOCKED (nothing written, *UNTIL the lock's end)
 * when locked or when this would be one request too many within the hour
 * (which starts the lock), <0 on error.
 */
int store_link_issue(struct store *s, int64_t resident_id, int64_t target_id, const char *salt,
                     const char *hash, int64_t now, int64_t *until);
/*
 * A wrong code was typed at NOW: returns the tries left (>0), or 0 when this
 * one started the lock (*UNTIL its end), <0 on error.
 */
int store_link_wrong(struct store *s, int64_t resident_id, int64_t now, int64_t *until);
/* The code was right (or is moot): it is gone. */
int store_link_forget(struct store *s, int64_t resident_id);

/* ---- notices sent again elsewhere ---------------------------------------------------- */

/* The outbox row ID's channel, chat and payload (malloc'd: free it). 1, 0 none, <0. */
int store_outbox_row(struct store *s, int64_t id, char *channel, size_t chlen, char *chat,
                     size_t chatlen, char **payload);
/*
 * Dead row DEAD_ID was handled: sent again as NEW_ID (0: nowhere left), after
 * the chats in TRIED ("channel\tchat\n" each) failed.
 */
int store_link_rerouted(struct store *s, int64_t dead_id, int64_t new_id, const char *tried);
/* 1 when DEAD_ID was handled already, 0 not, <0. */
int store_link_reroute_done(struct store *s, int64_t dead_id);
/* The chats tried before row NEW_ID was queued (as TRIED above) into OUT; "" when none. */
int store_link_reroute_tried(struct store *s, int64_t new_id, char *out, size_t outlen);

#endif
