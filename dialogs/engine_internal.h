/*
 * engine_internal.h - what the files of the dialog engine share (engine.c,
 * prompts.c, intake.c, first_message.c, acceptance.c, followup.c). Not for other
 * modules: they use engine.h. Every function here works on the caller's
 * state and result only, like the engine itself.
 */
#ifndef CONCIERGE_ENGINE_INTERNAL_H
#define CONCIERGE_ENGINE_INTERNAL_H

#include "dialogs/engine.h"
#include "dialogs/flows.h"
#include "dialogs/messages.h"

struct dlg_understood;

/* A step's validator: 0 when TEXT answers it, else the message to re-ask with. */
typedef int (*dlg_validator)(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                             struct dlg_result *res);

/* prompts.c */
struct dlg_reply *dlg_say(struct dlg_result *res, int lang, enum dlg_msg id,
                          const char *const *args, int nargs);
void dlg_say_more(struct dlg_result *res, int lang, enum dlg_msg id, const char *const *args,
                  int nargs);
void dlg_add_buttons(struct dlg_reply *rep, int lang, enum dlg_buttons kind);
const char *dlg_button_text(enum dlg_buttons kind, const char *text);
int dlg_has_saved(const struct dlg_ctx *ctx);
void dlg_prompt_step(const struct dlg_ctx *ctx, const struct dlg_state *st, struct dlg_result *res,
                     int append);

/* intake.c */
void dlg_push_back(struct dlg_state *st, const char *step);
void dlg_advance(const struct dlg_ctx *ctx, struct dlg_state *st);
void dlg_clear_field(struct dlg_state *st, const char *step);
int dlg_set_description(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text);
/*
 * At the desk (ST->desk set) a description that U reads as a complaint makes
 * the request a complaint: no visit time asked, never declined, and the core
 * gives it to a supervisor. Anything else leaves ST as it is.
 */
void dlg_desk_complaint(struct dlg_state *st, const struct dlg_understood *u);
int dlg_v_description(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                      struct dlg_result *res);
int dlg_v_saved(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                struct dlg_result *res);
int dlg_v_room(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
               struct dlg_result *res);
int dlg_v_name(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
               struct dlg_result *res);
int dlg_v_phone(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                struct dlg_result *res);
int dlg_v_time(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
               struct dlg_result *res);
int dlg_v_confirm(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                  struct dlg_result *res);
void dlg_decline(const struct dlg_ctx *ctx, struct dlg_state *st, struct dlg_result *res);

/* first_message.c */
void dlg_start_intake(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                      const char *category, struct dlg_result *res);
int dlg_emergency_said(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                       struct dlg_result *res);
/* 1 when TEXT, said where a request's description is asked for, is a complaint. */
int dlg_complaint_said(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                       struct dlg_result *res);
void dlg_first_message(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                       const char *category, struct dlg_result *res);

/* acceptance.c */
int dlg_v_accept(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                 struct dlg_result *res);
int dlg_v_rating(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                 struct dlg_result *res);
int dlg_v_comment(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                  struct dlg_result *res);
void dlg_end_flow(const struct dlg_ctx *ctx, struct dlg_state *st, struct dlg_result *res);
int dlg_accept_words(const struct dlg_ctx *ctx, struct dlg_state *st,
                     const struct dlg_step_def *step, const char *text, struct dlg_result *res);

/* followup.c */
int dlg_v_fu_resolved(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                      struct dlg_result *res);
int dlg_v_fu_satisfied(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                       struct dlg_result *res);
int dlg_v_fu_comment(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                     struct dlg_result *res);
/* Help, cancel and skip during a follow-up visit; 1 when TEXT was one of them. */
int dlg_followup_words(const struct dlg_ctx *ctx, struct dlg_state *st,
                       const struct dlg_step_def *step, const char *text, struct dlg_result *res);
/* After an answer: the policy's next question, or thanks and the end. */
void dlg_followup_next(const struct dlg_ctx *ctx, struct dlg_state *st, struct dlg_result *res);

/* engine.c */
void dlg_offer_person(const struct dlg_ctx *ctx, const struct dlg_state *st,
                      struct dlg_result *res);
int dlg_wants_person(const char *text);

#endif
