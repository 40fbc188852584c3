/*
 * cmd.h - what the files of the chat commands share: commands.c (the table,
 * the common checks and the order commands of staff), cmd_talk.c (messages
 * between staff and residents, fees that need the resident's consent),
 * cmd_resident.c (what a resident may still do about an order once it is
 * taken), cmd_complaint.c (closing a complaint with its resolution),
 * cmd_desk.c (desk intake for a resident who phoned or came in), duty.c
 * (staff on and off duty) and partner.c (work given to a partner company).
 * Not for other modules: the core calls core_command().
 */
#ifndef CONCIERGE_CMD_H
#define CONCIERGE_CMD_H

#include "bot/core_internal.h"

#define CMD_MAX_ARGS 3

/* An exec function's answer for "not a command after all: let the dialog have it". */
#define CMD_NOT_MINE 2

struct cmd_args {
	int argc;
	char argv[CMD_MAX_ARGS][512]; /* the last argument takes the rest of the line */
	struct store_order order;     /* when the command names an order (arg 0) */
};

/* Supervisors, dispatchers and managers. */
int cmd_is_supervisor(const struct cfg_staff *s);
/* Replies message ID with up to two arguments. */
int cmd_tpl(struct core_req *r, enum dlg_msg id, const char *a0, const char *a1);
/* "Order N is STATUS; that can't be done now." */
int cmd_bad_state(struct core_req *r, const struct store_order *o);
/* Is STATUS one of LIST (NULL-terminated)? */
int cmd_status_in(const char *status, const char *const *list);
/* Only the assignee or a supervisor acts on an order someone has taken (else says so, 0). */
int cmd_may_act(struct core_req *r, const struct store_order *o);
/* Tells the resident of O message ID ({0} the number, then A1..A3), in their language. */
int cmd_notice(struct core_req *r, const struct store_order *o, enum dlg_msg id, const char *a1,
               const char *a2, const char *a3);
/*
 * Only the assignee or a supervisor, and only in one of the statuses OK: 1 go
 * on, 0 the speaker was told why not, <0 on error.
 */
int cmd_checked(struct core_req *r, const struct store_order *o, const char *const *ok);
/*
 * Tells staff member TO message ID in their language, as far as REACH lets
 * it go (core_reach_of); the supervisors, each in theirs, when TO is NULL.
 */
int cmd_tell_staff(struct core_req *r, const struct cfg_staff *to, int reach, enum dlg_msg id,
                   const char *const *args, int nargs);
/* The centre's language: for partners, and words shared by several readers. */
int cmd_staff_lang(struct core_req *r);
/* AT as people read it ("11月28日 08:00", "Sat 28 Nov 08:00"); TEXT when AT is 0. */
void cmd_format_when(int lang, int64_t at, const char *text, char *out, size_t len);

/* duty.c: /off [STAFF] [UNTIL], /on [STAFF] [UNTIL], /staff */
int cmd_off_exec(struct core_req *r, struct cmd_args *a);
int cmd_on_exec(struct core_req *r, struct cmd_args *a);
int cmd_staff_exec(struct core_req *r, struct cmd_args *a);

/* partner.c: `/assign N PARTNER` (SURE: "!" given, no skill check) */
int cmd_assign_partner(struct core_req *r, struct cmd_args *a, const struct cfg_partner *p,
                       int sure);

/* cmd_desk.c: `/new [电话|现场] [details]`, desk intake for a resident */
int cmd_new_exec(struct core_req *r, struct cmd_args *a);

/* cmd_talk.c */
int cmd_reply_exec(struct core_req *r, struct cmd_args *a);
int cmd_quote_exec(struct core_req *r, struct cmd_args *a);
int cmd_agree_exec(struct core_req *r, struct cmd_args *a);
int cmd_disagree_exec(struct core_req *r, struct cmd_args *a);
/*
 * The most O's fee may be without asking the resident (fen): the item's
 * published estimate, or a larger fee the resident agreed to. <0 on error.
 */
int cmd_fee_allowed(struct core_req *r, const struct store_order *o, int64_t *fen);

/* cmd_complaint.c */
int cmd_resolve_exec(struct core_req *r, struct cmd_args *a);

/* cmd_note.c: `/note N TEXT`, a note for the centre in N's history (never sent to the resident) */
int cmd_note_exec(struct core_req *r, struct cmd_args *a);

/* cmd_resident.c */
/* The length of the order number TEXT starts with ("261127-001", "#261127001"), or 0. */
size_t cmd_number_len(const char *text);
/*
 * The order whose number A->argv[0] starts with, loaded into A->order with
 * the number cut from argv[0]: 1 found, 0 there is no such order (or, to a
 * resident, not theirs: they were told), <0 on error.
 */
int cmd_numbered_order(struct core_req *r, struct cmd_args *a);
int cmd_reschedule_exec(struct core_req *r, struct cmd_args *a);
int cmd_reopen_exec(struct core_req *r, struct cmd_args *a);
/*
 * The order a resident's command is about: the number at the start of
 * A->argv[0] (removed from it) when it is one of theirs, else their newest
 * order in one of STATUSES. 1 found (in A->order), 0 not (they were told,
 * with USAGE), <0 on error.
 */
int cmd_resident_order(struct core_req *r, struct cmd_args *a, const char *const *statuses,
                       const char *usage);

/* photos.c: `/photo N`, staff asking the resident of N for a photo */
int cmd_photo_exec(struct core_req *r, struct cmd_args *a);

/* followup.c: `/followups [DAYS]`, the recent follow-up visits and their results */
int cmd_followups_exec(struct core_req *r, struct cmd_args *a);

#endif
