/*
 * engine.h - the dialog engine: a pure function of (flow, state, input, now).
 *
 * It walks a resident through intake (description, room, name, phone,
 * preferred time, confirmation) and through acceptance of finished work
 * (accept or not, rating, comment). It does no I/O: the caller loads the
 * state, passes what is known about the world in a struct dlg_ctx, and gets
 * back the new state, the replies and one action to carry out in the store
 * (create an order, record a rating, ...). Flows are data (see flows.c),
 * checked by dlg_check_flows() at start-up.
 */
#ifndef CONCIERGE_ENGINE_H
#define CONCIERGE_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "dialogs/catalogue.h"
#include "dialogs/validate.h"
#include "lib/msg.h"

enum dlg_lang { DLG_ZH = 0, DLG_EN = 1 };

#define DLG_MAX_BACK 12
#define DLG_MAX_MORE 3

/* The conversation state kept between messages (stored as JSON). */
struct dlg_state {
	char flow[12]; /* "" (none), "intake", "accept" or "followup" */
	char step[16];
	int lang;
	int tries; /* failed answers at this step */
	char category[16];
	int category_fixed; /* CATEGORY came from a trigger: it restricts catalogue matching */
	char item[64];
	char description[DLG_DESC_MAX * 4 + 1];
	char room[32];
	char name[128];
	char phone[32];
	char time[256];
	int64_t time_at;
	int64_t time_end;            /* end of the window the time words name, or 0 */
	int saved_used;              /* the resident accepted the saved details */
	char order[24];              /* acceptance: the order being accepted; a follow-up: the
	                              * order asked about */
	char back[DLG_MAX_BACK][16]; /* steps answered, newest last, for "back" */
	int nback;
	char *suspended; /* owned: JSON of an intake or follow-up paused by an acceptance question
	                  */
	/* understanding a first message */
	char more[DLG_MAX_MORE][600]; /* further requests said in the same message: each
	                               * becomes its own order on confirmation */
	int nmore;
	char urgent[64]; /* DLG_ACT_EMERGENCY: the emergency's id */
	/*
	 * Desk intake: staff take a request down for a resident who phoned or
	 * came in; how it came in ("phone", "walk-in" or "desk"), "" otherwise.
	 * The questions are about the resident, no saved details are offered,
	 * and an emergency is taken down like any request (the core marks the
	 * order urgent) rather than answered with advice.
	 */
	char desk[12];
};

/* What the engine may know about the world. Pointers are borrowed. */
struct dlg_ctx {
	const struct dlg_policy *pol; /* the catalogue and policies; may be NULL */
	int64_t now;
	int lang;      /* language for a new conversation */
	int is_group;  /* the message was said in a group */
	int addressed; /* in a group: the bot was addressed */
	/* Saved details of the resident ("" or NULL when unknown). */
	const char *saved_name, *saved_room, *saved_phone;
};

enum dlg_action {
	DLG_ACT_NONE = 0,
	DLG_ACT_CREATE,    /* create the order from the state's fields (status pending) */
	DLG_ACT_DECLINE,   /* record a declined (out-of-scope) order */
	DLG_ACT_ACCEPTED,  /* resident accepted the work on state.order */
	DLG_ACT_REWORK,    /* resident said it is not fixed */
	DLG_ACT_RATED,     /* result.rating for state.order */
	DLG_ACT_COMMENTED, /* result.comment for state.order */
	/* understanding a first message */
	DLG_ACT_EMERGENCY, /* record an urgent order from the state (state.urgent) and alert
	                    * the supervisors and staff chats at once */
	DLG_ACT_COMPLAINT, /* record a complaint (category "complaint") from the state, owned by
	                    * a supervisor; the core tells the resident who and by when */
	DLG_ACT_FOLLOWUP,  /* a follow-up visit's answer about state.order: result.question
	                    * with result.answer (1 yes, 0 no) or result.comment */
};

#define DLG_MAX_REPLIES 4

struct dlg_reply {
	char *text; /* owned */
	struct {
		char *label; /* owned */
		char *data;  /* owned */
	} buttons[MSG_MAX_BUTTONS];
	int nbuttons;
};

struct dlg_result {
	enum dlg_action action;
	int handled;      /* 0: the message was not for the engine (no flow, no trigger) */
	int end;          /* the conversation is over: delete the session */
	int rating;       /* DLG_ACT_RATED */
	char *comment;    /* DLG_ACT_COMMENTED, owned */
	int save_profile; /* name/room/phone in the state should be saved for next time */
	int human;        /* the resident asked for, or was offered, a person */
	struct dlg_reply replies[DLG_MAX_REPLIES];
	int nreplies;

	/* DLG_ACT_FOLLOWUP: "resolved", "satisfied" or "comment" (static), and the yes (1) or no */
	const char *question;
	int answer;

	/* The order this answer's action is about, when the conversation went back to a
	 * flow the question had paused (whose state names its own order); else empty. */
	char order[24];
};

void dlg_state_init(struct dlg_state *st, int lang);
void dlg_state_release(struct dlg_state *st);
/* malloc'd JSON; NULL on failure. */
char *dlg_state_to_json(const struct dlg_state *st);
/* 0, or <0 when JSON is not a state (ST is then initialised and empty). */
int dlg_state_from_json(const char *json, struct dlg_state *st);

void dlg_result_init(struct dlg_result *r);
void dlg_result_release(struct dlg_result *r);
/* Adds a reply (TEXT copied); returns it so buttons can be added, or NULL when full. */
struct dlg_reply *dlg_result_reply(struct dlg_result *r, const char *text);
int dlg_reply_button(struct dlg_reply *rep, const char *label, const char *data);

/*
 * Handles one message TEXT (already trimmed; a pressed button's data is passed
 * as the text). Updates ST in place and fills RES. Returns 0, or <0 on an
 * internal failure (out of memory).
 */
int dlg_handle(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
               struct dlg_result *res);

/*
 * Starts the acceptance questions for order NUMBER, reported done by
 * STAFF_NAME (fee text FEE or NULL),
 * pausing any intake in progress (it resumes when acceptance ends).
 */
int dlg_begin_accept(const struct dlg_ctx *ctx, struct dlg_state *st, const char *number,
                     const char *staff_name, const char *fee, struct dlg_result *res);

/*
 * Asks the resident of complaint NUMBER whether its handling (RESOLUTION, as
 * the supervisor wrote it) satisfied them, like dlg_begin_accept: yes is
 * DLG_ACT_ACCEPTED and ends it (no rating), no is DLG_ACT_REWORK.
 */
int dlg_begin_resolved(const struct dlg_ctx *ctx, struct dlg_state *st, const char *number,
                       const char *resolution, struct dlg_result *res);

/*
 * Desk intake (ST->desk set): the whole request at once, as the console or
 * the API give it, through the intake's validators. TEXT is the request
 * (a room or phone inside it is picked up); ROOM, NAME and PHONE, when given
 * (not NULL or ""), are checked and win over what TEXT held; WHEN may be
 * NULL or "" (as soon as possible). Returns 0 with ST filled, or the
 * message saying what is wrong (an enum dlg_msg) with *FIELD naming the
 * field ("text", "room", "name", "phone", "when").
 */
int dlg_desk_fill(const struct dlg_ctx *ctx, struct dlg_state *st, const char *room,
                  const char *name, const char *phone, const char *text, const char *when,
                  const char **field);

/* Does the request ST describes end in a declined order (out of scope, and not an emergency taken
 * down at the desk)? */
int dlg_declines(const struct dlg_ctx *ctx, const struct dlg_state *st);

/*
 * Starts a follow-up visit (回访) about closed order NUMBER (DESCRIPTION, the
 * work of STAFF_NAME): a greeting and the first of the policy's questions.
 * Meant for a resident with no conversation open; replaces ST.
 */
int dlg_begin_followup(const struct dlg_ctx *ctx, struct dlg_state *st, const char *number,
                       const char *description, const char *staff_name, struct dlg_result *res);

/* Re-asks the current step (used when a conversation resumes). */
int dlg_prompt(const struct dlg_ctx *ctx, const struct dlg_state *st, struct dlg_result *res);

/* Is TEXT a trigger that starts an intake? Sets *CATEGORY ("repair", ...) when it is. */
int dlg_is_trigger(const char *text, const char **category);

/* "zh" / "en" from a hint, the text itself, or FALLBACK. */
int dlg_lang_from_hint(const char *hint, int fallback);
int dlg_lang_of_text(const char *text, int fallback);
const char *dlg_lang_code(int lang);

/* Word classes shared with the command layer. */
int dlg_is_yes(const char *t);
int dlg_is_no(const char *t);
int dlg_is_cancel(const char *t);
int dlg_is_back(const char *t);
int dlg_is_help(const char *t);
int dlg_is_skip(const char *t);
/* 1..5, or 0 when T is not a rating. */
int dlg_parse_rating(const char *t);
/*
 * Is T one of WORDS (NULL-terminated, lower case)? T is folded (full-width
 * ASCII, ideographic spaces), lower-cased and stripped of trailing
 * punctuation first, so "ＯＫ！" is "ok".
 */
int dlg_word_in(const char *t, const char *const *words);

/* Checks every flow: steps known, validators named exist, prompts in both languages. */
int dlg_check_flows(char *err, size_t errlen);

#endif
