/*
 * catalogue.h - what the dialog engine knows of the service centre: the
 * catalogue of services, what it does not do, and its policies.
 *
 * A narrow view, filled by the configuration loader (bot/config.c) and
 * borrowed by the engine; the engine never sees the rest of the
 * configuration (channels, staff, secrets).
 */
#ifndef CONCIERGE_CATALOGUE_H
#define CONCIERGE_CATALOGUE_H

#include <stddef.h>

/* One service item. category: "repair", "cleaning", "errand" or "inquiry". */
struct dlg_item {
	char *id;
	char *category;
	char *name_zh; /* "name" is a string (both get it) or {"zh-CN", "en"}; */
	char *name_en; /* when only one language is given both hold it */
	char **keywords;
	size_t nkeywords;
	int response_minutes; /* promised response time */
	int complete_hours;   /* promised completion time, 0 when none is promised */
	char *price;          /* price text shown to residents, e.g. "50 元起" (zh-CN) */
	char *price_en;       /* the same in English; "price" may be {"zh-CN", "en"} */
	double estimate;      /* estimate in yuan, or 0 when unknown */
	char *skill;          /* needed staff skill, or NULL */
};

/* Requests outside the catalogue: matched by keyword, politely declined. */
struct dlg_out_of_scope {
	char **keywords;
	size_t nkeywords;
	char *referral_zh; /* e.g. where to go instead, or NULL; like dlg_item.name */
	char *referral_en;
};

/*
 * A question the centre answers itself (the knowledge base): EXAMPLES are
 * questions as residents ask them; a message that means the same (matched
 * tolerantly, see understand.h) gets ANSWER and opens nothing.
 */
struct dlg_toks;

struct dlg_answer {
	char *id;
	char **examples;
	size_t nexamples;
	char *answer_zh; /* like dlg_item.name: a string or {"zh-CN", "en"} */
	char *answer_en;
	struct dlg_toks *toks; /* each example cut into words once, or NULL */
};

/*
 * Cuts the examples of the N answers at A into words once, so that matching a
 * question does not cut them again for every message; -1 when out of memory
 * (matching then cuts them each time). dlg_answers_release() frees them.
 */
int dlg_answers_prepare(struct dlg_answer *a, size_t n);
void dlg_answers_release(struct dlg_answer *a, size_t n);

/*
 * An emergency: any of KEYWORDS in a message gets ADVICE and the numbers to
 * call at once, and an urgent order. CALL is what to dial ("119", "燃气抢修 96777"),
 * or NULL; like ADVICE a string or {"zh-CN", "en"}.
 */
struct dlg_emergency {
	char *id;
	char **keywords;
	size_t nkeywords;
	char *advice_zh;
	char *advice_en;
	char *call_zh;
	char *call_en;
};

/* Everything the engine may read. Pointers are borrowed. */
struct dlg_policy {
	const struct dlg_item *items;
	size_t nitems;
	const struct dlg_out_of_scope *out_of_scope; /* or NULL */
	const char *phone;   /* the service centre's desk phone, offered when help is asked */
	int acceptance_days; /* closed by itself when not accepted within */
	const struct dlg_answer *answers; /* the knowledge base */
	size_t nanswers;
	const struct dlg_emergency *emergencies;
	size_t nemergencies;
	int complaint_hours; /* a complaint is answered within */
	/* the follow-up visit's questions (flow "followup"), in the order asked */
	char *const *followup_questions;
	size_t nfollowup_questions;
	int followup_reopen; /* "not solved" at a follow-up sends the order back to rework */
	int keywords_folded; /* every keyword above is folded already (dlg_fold_keywords) */
};

/*
 * Folds the N keywords at KW in place, as matching reads messages (case, full
 * width); -1 when one could not be (it is left as written).
 */
int dlg_fold_keywords(char **kw, size_t n);

/* The item with ID, or NULL. */
const struct dlg_item *dlg_item_find(const struct dlg_policy *p, const char *id);

#endif
