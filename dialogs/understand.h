/*
 * understand.h - what a resident's first message is, and what it already says.
 *
 * A first message can be many things besides "I need a repair": an
 * emergency, a complaint, a question the knowledge base answers, a greeting,
 * something the centre does not do, or two requests at once. dlg_understand()
 * reads it against the policy (catalogue, answers, emergencies, out of scope)
 * and picks up every detail it already holds (room or shared place, name,
 * phone, preferred time), so the dialog asks only for what is missing.
 *
 * Matching works on a folded copy (full-width to ASCII, lower case, Chinese
 * punctuation to ASCII); everything handed back that quotes the resident
 * (descriptions, places, the time words) is cut from the text as written.
 *
 * Rules for Chinese: the longest keyword wins (电梯 before 电, 门禁 before 门),
 * but a place (楼道, hallway) only says where when another keyword says what;
 * a keyword right after a negation (不用, 不需要, 不是; for emergencies also
 * 没有, 不: "打不着火" is no fire) does not count; 顺便, 另外, 还有, also, and
 * and the separators ，；。 split requests, and a clause that names no
 * service of its own belongs to the request before it. A question that names
 * a service only by one character of another word ("充电桩" holds 电) and
 * nothing broken asks about the community; a question that asks someone to
 * come ("帮我看看") is a request. A building said apart from a shared place
 * joins it ("楼道灯坏了 6栋1单元": 6栋1单元楼道).
 *
 * Pure: no I/O, no allocation; the policy is borrowed and the result points
 * into it.
 */
#ifndef CONCIERGE_UNDERSTAND_H
#define CONCIERGE_UNDERSTAND_H

#include <stdint.h>

#include "dialogs/catalogue.h"
#include "dialogs/validate.h"

enum dlg_kind {
	DLG_K_REQUEST = 0,  /* a service request: PARTS (an item each, or none) */
	DLG_K_EMERGENCY,    /* EMERGENCY */
	DLG_K_COMPLAINT,    /* 投诉 */
	DLG_K_ANSWER,       /* a question the knowledge base answers: ANSWER */
	DLG_K_QUESTION,     /* a question nobody configured an answer for */
	DLG_K_GREETING,     /* hello, thanks: nothing to do */
	DLG_K_OUT_OF_SCOPE, /* hits an out_of_scope keyword */
};

#define DLG_MAX_PARTS 4
#define DLG_PART_MAX  600 /* bytes of one request's words */

struct dlg_understood {
	enum dlg_kind kind;
	/* The message without the details picked up below, as written. */
	char description[DLG_DESC_MAX * 4 + 1];
	/* Requests: one per service named; with one part it is the whole description. */
	int nparts;
	const struct dlg_item *items[DLG_MAX_PARTS]; /* NULL: no catalogue item */
	char parts[DLG_MAX_PARTS][DLG_PART_MAX];
	const struct dlg_answer *answer;       /* DLG_K_ANSWER */
	double score;                          /* how well ANSWER matched, 0..1 */
	const struct dlg_emergency *emergency; /* DLG_K_EMERGENCY */
	/* Details; "" when not given. ROOM is "3-2-501" or a shared place as written. */
	char room[48];
	int shared_place; /* ROOM is a shared place ("5栋2单元楼道") */
	char name[128];
	char phone[32];
	char time[128];   /* the time words as written ("明天上午") */
	int64_t time_at;  /* when, or 0 */
	int64_t time_end; /* end of a window ("上午": 12:00), or 0 for a moment */
	int time_past;    /* a time was given but it is past ("昨天") */
};

/* Reads TEXT (a first message) at NOW against P (may be NULL). U is caller memory. */
void dlg_understand(const struct dlg_policy *p, const char *text, int64_t now,
                    struct dlg_understood *u);

/*
 * The catalogue item TEXT is about, by the rules above (longest keyword, not
 * negated, a place losing to a thing), among CATEGORY's items when CATEGORY
 * is given; NULL when none.
 */
const struct dlg_item *dlg_item_for(const struct dlg_policy *p, const char *text,
                                    const char *category);

/* 1 when TEXT names, not negated, an out_of_scope keyword of P (by the rules above). */
int dlg_out_of_scope(const struct dlg_policy *p, const char *text);

/* The emergency TEXT names, not negated, or NULL: what makes dlg_understand() say EMERGENCY. */
const struct dlg_emergency *dlg_emergency_in(const struct dlg_policy *p, const char *text);

/* Would dlg_understand() call TEXT a complaint? The cheap test, without the slots. */
int dlg_complaint_in(const struct dlg_policy *p, const char *text);

/* "request", "emergency", "complaint", "answer", "question", "greeting", "out_of_scope". */
const char *dlg_kind_name(enum dlg_kind k);

/*
 * A shared place in TEXT ("5栋2单元楼道", "地下车库", "lobby"), copied as
 * written into OUT; 0 when found, else -1.
 */
int dlg_shared_place(const char *text, char *out, size_t outlen);

/*
 * The end of the window the time words TEXT name, starting at AT: "上午" ends
 * at 12:00, "下午" at 18:00, "晚上" at 22:00, a day alone at 18:00; 0 for a
 * clock time ("3点", "9am") or "尽快".
 */
int64_t dlg_time_window_end(const char *text, int64_t at);

/* TEXT names a time already past ("昨天", "yesterday"). */
int dlg_time_is_past(const char *text);

/*
 * How well QUERY means the same as EXAMPLE, 0..1: character unigram and
 * bigram overlap (Dice) of the folded texts, filler words and punctuation
 * left out.
 */
double dlg_similarity(const char *query, const char *example);

#endif
