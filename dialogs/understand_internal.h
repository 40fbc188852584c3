/*
 * understand_internal.h - what the files that read a first message share
 * (understand.c, understand_text.c, understand_slots.c,
 * understand_answers.c). Not for other modules: they use understand.h.
 */
#ifndef CONCIERGE_UNDERSTAND_INTERNAL_H
#define CONCIERGE_UNDERSTAND_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "dialogs/understand.h"

#define FMAX 2048

/* A folded text with the original offset of every byte. */
struct ftext {
	const char *orig;
	size_t olen;
	char s[FMAX + 1];
	size_t map[FMAX + 1];
	size_t n;
};

/* The byte ranges of the folded text that details were taken from. */
struct spans {
	size_t a[8], b[8];
	int n;
};

/* understand_text.c */
/* Folds TEXT into F, remembering where each byte came from. */
void dlg_ftext_init(struct ftext *f, const char *text);
/* The offset in the original text of folded byte P. */
size_t dlg_orig_at(const struct ftext *f, size_t p);
int dlg_starts(const char *s, size_t n, size_t p, const char *w);
int dlg_is_cjk_at(const char *s, size_t n, size_t p);
uint32_t dlg_cp_at(const char *s, size_t n, size_t p, size_t *len);
void dlg_fold_word(const char *w, char *out, size_t outlen);
/* First un-negated place of folded word W in S[A..B), or -1; STRICT: emergencies' negations. */
long dlg_find_word(const char *s, size_t a, size_t b, const char *w, int strict);
int dlg_contains_any(const char *s, const char *const *w);

/* understand_slots.c */
/* The finders: each takes its detail into U and marks the bytes in SP. */
int dlg_span_hit(const struct spans *sp, size_t p);
void dlg_find_phone(const struct ftext *f, struct dlg_understood *u, struct spans *sp);
void dlg_find_room(const struct ftext *f, struct dlg_understood *u, struct spans *sp);
int dlg_is_place_word(const char *w);
int dlg_find_place(const struct ftext *f, size_t *a, size_t *b);
/*
 * A building place said apart from its building ("楼道灯坏了 6栋1单元"): the two
 * joined as the place ("6栋1单元楼道") into OUT, the building's span added to SP.
 * 0, or -1 when the message has no such pair.
 */
int dlg_find_place_apart(const struct ftext *f, struct spans *sp, char *out, size_t outlen);
void dlg_find_name(const struct ftext *f, struct dlg_understood *u, struct spans *sp);
void dlg_find_time(const struct ftext *f, int64_t now, struct dlg_understood *u, struct spans *sp);

/* understand_answers.c */
/* The least score at which the closest example counts as the question asked. */
#define ANSWER_MIN 0.5
/* The answer whose examples are closest to TEXT (*SCORE 0..1), or NULL. */
const struct dlg_answer *dlg_best_answer(const struct dlg_policy *p, const char *text,
                                         double *score);

#endif
