/*
 * core_internal.h - what the files of the core share (core.c, notify.c,
 * orders.c, sessions.c, accept.c, tick.c, money.c, commands.c and the
 * cmd_*.c files, rating.c). Not for other modules: they use core.h.
 */
#ifndef CONCIERGE_CORE_INTERNAL_H
#define CONCIERGE_CORE_INTERNAL_H

#include <stdint.h>

#include "bot/config.h"
#include "bot/core.h"
#include "lib/buf.h"
#include "lib/msg.h"
#include "dialogs/engine.h"
#include "dialogs/messages.h"
#include "store/store.h"

struct core {
	const struct cfg *cfg;
	struct store *store;
	const struct msg_in *in_hand; /* the message being handled, NULL in the timers */
};

/* Everything known about the sender of the message being handled. */
struct core_req {
	struct core *c;
	const struct msg_in *in;
	int64_t now;
	int lang;
	const struct cfg_staff *staff;  /* NULL for residents */
	struct store_resident resident; /* id 0 when not loaded */
	char actor[112];                /* "staff:wang" or "resident:12" */
	int group;                      /* the conversation happens in a group */
	char reply_channel[16];         /* where replies to this message go */
	char reply_chat[96];
	const char *text;    /* the message as handled (trimmed, repaired) */
	int aside;           /* handled beside an open question, whose dialog stays as it was */
	char unreached[24];  /* an order whose resident has no chat was acted on: staff are
	                      * reminded to phone (set by cmd_notice, used by core_command) */
	struct buf *capture; /* replies to the sender go here instead of the outbox, or NULL */
};

/* Queues a reply to the sender: the chat the message came from. */
int core_reply(struct core_req *r, const char *text, const struct msg_button *b, int nb);
/* Queues message ID with ARGS to the sender. */
int core_reply_msg(struct core_req *r, enum dlg_msg id, const char *const *args, int nargs);
/*
 * Carries on in the sender's private chat: the group hears so (with the
 * platform's link into that chat when OFFER_LINK and the channel has one)
 * and later replies go there.
 */
int core_go_private(struct core_req *r, int offer_link);
/* Private notices. */
int core_notify_resident(struct core *c, const struct store_order *o, const char *text,
                         const struct msg_button *b, int nb, int64_t now);
/*
 * Sends the replies of RES to the resident of O and keeps ST as their
 * conversation (accept.c). 0, or -1.
 */
int core_resident_dialog(struct core *c, const struct store_order *o, const struct dlg_result *res,
                         const struct dlg_state *st, int64_t now);
/*
 * Where a notice to a staff member may go. CORE_ANYWHERE: their personal
 * queues and private chats, and where a channel has neither, a mention in its
 * staff group (read by colleagues; the resident's phone masked there).
 * CORE_PRIVATE: never a group: a complaint, which names the person it is
 * about; with nowhere private to go it waits in their personal queue at the
 * desk (the terminal), and /healthz says so (core_private_gap).
 */
enum { CORE_ANYWHERE = 0, CORE_PRIVATE = 1 };
/* The reach notices about O need: CORE_PRIVATE for a complaint. */
int core_reach_of(const struct store_order *o);
/* TEXT to S, CORE_ANYWHERE; core_notify_staff_at() with a REACH. */
int core_notify_staff(struct core *c, const struct cfg_staff *s, const char *text,
                      const struct msg_button *b, int nb, int64_t now);
int core_notify_staff_at(struct core *c, const struct cfg_staff *s, int reach, const char *text,
                         const struct msg_button *b, int nb, int64_t now);
/*
 * A staff member's language: what they chose with /lang (kept per person,
 * whatever the channel), else FALLBACK; core_staff_lang() falls back to the
 * centre's locale. Notices to staff are written in their reader's language.
 */
int core_staff_lang_saved(struct core *c, const struct cfg_staff *s, int fallback);
int core_staff_lang(struct core *c, const struct cfg_staff *s);
int core_staff_lang_set(struct core *c, const struct cfg_staff *s, int lang);
/* Writes a notice in LANG into OUT; 0 or <0. UD is the caller's. */
typedef int (*core_write_fn)(struct core *c, int lang, struct buf *out, const void *ud);
/*
 * A message template and its arguments (core_write_msg's UD). Arguments read
 * the same in every language, except the NWORDS ones at WORD_ARG[i], which
 * are message WORD[i] in the reader's language ("(none)", "reopened").
 */
#define CORE_MSG_ARGS 10
struct core_msg {
	enum dlg_msg id;
	const char *const *args; /* NARGS of them, at most CORE_MSG_ARGS */
	int nargs;
	int nwords;
	int word_arg[3];
	enum dlg_msg word[3];
};
int core_write_msg(struct core *c, int lang, struct buf *out, const void *ud);
/* Message ID with ARGS to S in S's language; S NULL: to the supervisors, each in theirs. */
int core_tell_staff(struct core *c, const struct cfg_staff *s, int reach, enum dlg_msg id,
                    const char *const *args, int nargs, int64_t now);
/*
 * Those who supervise: the supervisors, or in a centre without one the
 * managers, who then hear (and own) what a supervisor would.
 */
int core_supervises(struct core *c, const struct cfg_staff *s);
/* What FN writes, to each of them in their language. */
int core_notify_supervisors(struct core *c, int reach, core_write_fn fn, const void *ud,
                            int64_t now);
int core_tell_supervisors(struct core *c, int reach, enum dlg_msg id, const char *const *args,
                          int nargs, int64_t now);
/* The ID a configured CHAT has now, after any group migration (BUF or CHAT). */
const char *core_current_chat(struct core *c, const char *channel, const char *chat, char *buf,
                              size_t len);
/*
 * The staff chats of COMMUNITY (an order's; unknown or NULL: the first
 * community) and each channel's own staff group. Where a
 * chat stands for each staff member (adapter staff_reachable), technicians
 * without SKILL are left out (NULL: nobody is; "": every technician is), and
 * so is everyone off duty (duty.c).
 */
int core_notify_staff_chats(struct core *c, const char *community, const char *skill,
                            const char *text, const struct msg_button *b, int nb, int64_t now);
/* The skill O's item needs, for core_notify_staff_chats(): "" when none. */
const char *core_order_skill(struct core *c, const struct store_order *o);
/* The resident's language for notices about O. */
int core_order_lang(struct core *c, const struct store_order *o);
/* Changes O's status, saves it and appends the event. */
int core_transition(struct core *c, struct store_order *o, const char *new_status,
                    const char *action, const char *actor, const char *via, const char *detail,
                    int64_t now);
/* A staff member's display name, or the id. */
const char *core_staff_name(struct core *c, const char *id);
/* Loads the resident's dialog, asks acceptance questions for O. */
int core_begin_accept(struct core *c, struct store_order *o, int64_t now);

/*
 * The acceptance question about O is moot (cancelled, closed): ends it and
 * brings back whatever conversation it had paused.
 */
int core_end_accept(struct core *c, const struct store_order *o);

/* sessions.c */
/* Whether a dialog last touched at UPDATED has expired at NOW. */
int core_session_expired(struct core *c, const struct dlg_state *st, int64_t updated, int64_t now);
/* Loads the sender's dialog state; sets *ACTIVE, and *EXPIRED when an old one was dropped. */
int core_load_session(struct core_req *r, struct dlg_state *st, int *active, int *expired);
/* Runs the engine on TEXT and carries out what it decided. */
int core_run_dialog(struct core_req *r, const char *text, struct dlg_state *st, int expired);
/*
 * Runs the engine on TEXT as a first message (an emergency said while a
 * question is open), leaving the stored dialog as it is.
 */
int core_run_aside(struct core_req *r, const char *text);
/* Asks the current question of ST again (a conversation resumed in private). */
int core_resume(struct core_req *r, struct dlg_state *st);

/* orders.c */
/* Carries out the action of the engine's result RES (ST: the state after the answer). */
int core_apply_result(struct core_req *r, const struct dlg_state *st, const struct dlg_result *res);

/* accept.c */
/* After an answer: asks about the next order of the sender waiting for acceptance. */
int core_ask_next_acceptance(struct core_req *r, const char *answered);

/* Runs a slash command (or Chinese command word). 1 handled, 0 not a command, <0 error. */
int core_command(struct core_req *r, const char *text, int dialog_active);
/* staff and residents about an order */
/* Sends a staff member the help of their role. */
int core_staff_help(struct core_req *r);
/*
 * A resident's plain message while a staff message about one of their orders
 * waits for an answer: passes it on (1), or 0 when nothing waits, <0 on error.
 */
int core_talk_answer(struct core_req *r, const char *text);
/* rating.c: a low rating of O alerts the supervisors once, with COMMENT (or NULL). */
int core_alert_low_rating(struct core *c, const struct store_order *o, const char *comment,
                          int64_t now);
/* tick.c: the orders F lists, in an array (*OUT, *N) the caller frees. 0 or <0. */
int core_orders_collect(struct core *c, const struct store_order_filter *f,
                        struct store_order **out, size_t *n);
/*
 * The orders F selects, oldest first, a page of CORE_PAGE at a time, so the
 * memory stays bounded however many there are: set P->f, then call
 * core_orders_page() until it returns 0 (done) or -1 (a store error); each 1
 * leaves the next page in P->o[0..P->n). core_pages_free() at the end.
 */
#define CORE_PAGE 256
struct core_pages {
	struct store_order_filter f;
	struct store_order *o;
	size_t n;
	int done;
};
int core_orders_page(struct core *c, struct core_pages *p);
void core_pages_free(struct core_pages *p);
/* Timers: low ratings whose comment never came are alerted without it. */
int core_low_ratings_due(struct core *c, int64_t now);

/* understanding a first message (urgent.c; orders.c shares order creation with it) */
/* An order from a finished intake's state, not yet stored. */
void core_order_from_state(struct core_req *r, const struct dlg_state *st, struct store_order *o);
/*
 * A resident writing in a community's residents' group ("groups") belongs to
 * that community from then on (kept per resident): R's sender. 0 or <0.
 */
int core_community_seen(struct core_req *r);
/* The community RESIDENT_ID belongs to (in BUF), or NULL: not known, the first one. */
const char *core_resident_community(struct core *c, int64_t resident_id, char *buf, size_t len);
/* The same without the resident: what ST says, in the default community, not yet stored. */
void core_order_fill(struct core *c, const struct dlg_state *st, struct store_order *o);
/* An emergency is answered at once, whatever its catalogue item promises. */
#define CORE_EMERGENCY_MINUTES 15
/* Alerts the supervisors and every staff chat of urgent order O (emergency E, or NULL). */
int core_alert_emergency(struct core *c, const struct store_order *o, const struct dlg_emergency *e,
                         int64_t now);
/* The dispatch ping of O to the staff chats. */
int core_dispatch_ping(struct core *c, const struct store_order *o, int64_t now);
/* The further requests of the same message (ST.more): one order each, dispatched by skill. */
int core_create_more(struct core_req *r, const struct dlg_state *st);
/* An urgent order from ST, the resident told its number, everyone on duty alerted. */
int core_act_emergency(struct core_req *r, const struct dlg_state *st);
/* A complaint from ST, owned by a supervisor it is not about. */
int core_act_complaint(struct core_req *r, const struct dlg_state *st);
/*
 * Who owns a complaint saying TEXT: a supervisor it does not name (managers
 * count as supervisors, supervisors first), else a dispatcher; one on duty
 * first. NULL when there is nobody.
 */
const struct cfg_staff *core_complaint_owner(struct core *c, const char *text, int64_t now);
/*
 * Stores O (filled as any new order) as a complaint by ACTOR via VIA: its
 * category, promise and owner (*OWNER, or NULL: pending) set here, with the
 * "complaint" event. 0 or <0.
 */
int core_complaint_create(struct core *c, struct store_order *o, const char *actor, const char *via,
                          int64_t now, const struct cfg_staff **owner);
/* Tells complaint O's OWNER and the supervisors it does not name, privately. */
int core_complaint_ping(struct core *c, const struct store_order *o, const struct cfg_staff *owner,
                        int64_t now);
/* Is TEXT an emergency (answered in a group rather than moved to a private chat)? */
int core_is_emergency(struct core_req *r, const char *text);

/* core.c: R for message IN (TEXT as handled): who speaks, in which language. 0 or -1. */
int core_req_init(struct core_req *r, struct core *c, const struct msg_in *in, int64_t now,
                  const char *text);
/* photos.c */
/* The largest photo kept, in bytes (photo_max_kb). */
size_t core_photo_max(const struct core *c);
/* The photo that came with IN: kept with the order it belongs to, or refused with a reason. */
int core_photo(struct core *c, const struct msg_in *in, int64_t now);
/* A new order O takes the photos its resident sent during the intake. */
int core_photos_adopt(struct core *c, const struct store_order *o, const char *actor,
                      const char *via, int64_t now);
/* How many photos O has, or <0 on error. */
int core_photos_count(struct core *c, const struct store_order *o);
/* Adds to B where a ping's reader finds O's photos, when it has any. 0 or <0. */
int core_photos_line(struct core *c, const struct store_order *o, int lang, struct buf *b);
/* cmd_desk.c: a desk intake the staff member confirmed (or that ended declined). */
int core_desk_from_dialog(struct core_req *r, const struct dlg_state *st, int declined);

/* duty.c */
/* Is S on duty at NOW: their own word (/on, /off) while it holds, else their hours. */
int core_on_duty(struct core *c, const struct cfg_staff *s, int64_t now);
/*
 * After O's dispatch ping: when nobody on duty can take it (a technician
 * with its skill, or for work needing none a dispatcher), the dispatchers
 * and supervisors are told, with the partners who could.
 */
int core_duty_check(struct core *c, const struct store_order *o, int64_t now);

/* partner.c */
/* Tells partner P message ID ({0} the centre's name, then ARGS) at its contact, if it has one
 * that is on; 0 when it has none. */
int core_tell_partner(struct core *c, const struct cfg_partner *p, enum dlg_msg id,
                      const char *const *args, int nargs, int64_t now);
/* The resident sent partner order O back (rework): the partner and the supervisors hear. 0 when O
 * is not a partner's. */
int core_partner_rework(struct core *c, const struct store_order *o, int64_t now);
/* Can a message reach partner P by chat (a contact on a channel that is on)? */
int core_partner_reachable(struct core *c, const struct cfg_partner *p);

/* promises.c: business hours, residents' quiet hours and the promises made to residents */
/*
 * 0 when a notice about O may go to its resident at NOW; else the moment it
 * should wait for (the end of the quiet hours). Emergencies, answers to what
 * the resident is saying, and notices about an order the resident did
 * something about within session_minutes are never held. <0 on error.
 */
int64_t core_hold_until(struct core *c, const struct store_order *o, int64_t now);
/* The moment O's response promise runs out (counted in its community's business hours). */
int64_t core_respond_by(struct core *c, const struct store_order *o);
/* The moment O's completion promise runs out; 0 when its item promises none. */
int64_t core_complete_by(struct core *c, const struct store_order *o);
/* Out of business hours, tells the sender of new order O when the response time starts. */
int core_after_hours_note(struct core_req *r, const struct store_order *o);
/* Timers: promises missed (the resident and the supervisors told once), reminders. */
int core_promises_due(struct core *c, int64_t now);
/* The name of the supervisor residents are told about (core_supervises), in LANG. */
const char *core_supervisor_name(struct core *c, int lang);

/* followup.c: follow-up visits (回访) */
/* Timers: the daily sampling, asking the sampled, and marking the unanswered. */
int core_followups_due(struct core *c, int64_t now);
/* privacy.c: orders past privacy.retention_days anonymised, in a transaction of its own. */
int core_privacy_due(struct core *c, int64_t now);
/* A follow-up answer (DLG_ACT_FOLLOWUP) about ST.order: recorded, and acted on when negative. */
int core_followup_answer(struct core_req *r, const struct dlg_state *st,
                         const struct dlg_result *res);

#endif
