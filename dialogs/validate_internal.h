/*
 * validate_internal.h - what validate.c and when.c share and nobody else sees.
 *
 * The validators are split by subject (validate.c: folding, rooms, phones,
 * names, descriptions and free first messages; when.c: preferred times), and
 * both parse folded text with explicit lengths through the same small kit:
 * ASCII character classes, case-blind prefix matching, and an output buffer
 * that never cuts a character in half. The public API is validate.h.
 */
#ifndef CONCIERGE_VALIDATE_INTERNAL_H
#define CONCIERGE_VALIDATE_INTERNAL_H

#include <stddef.h>

#include "dialogs/validate.h"

/*
 * ASCII only on purpose: the locale of a server process says nothing about
 * what a resident typed.
 */
static inline int dlg_is_dig(int c)
{
	return c >= '0' && c <= '9';
}

static inline int dlg_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int dlg_is_alnum(int c)
{
	return dlg_is_dig(c) || dlg_is_alpha(c);
}

static inline int dlg_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/*
 * An output buffer over caller memory that never overflows: pieces are added
 * whole or not at all, so a cut always falls on a character boundary and the
 * text stays valid UTF-8 and NUL-terminated. P may be NULL (CAP then counts
 * as 0); FULL records that something did not fit.
 */
struct dlg_sbuf {
	char *p;
	size_t cap;
	size_t len;
	int full;
};

void dlg_sb_init(struct dlg_sbuf *b, char *p, size_t cap);
void dlg_sb_add(struct dlg_sbuf *b, const char *s, size_t n);
void dlg_sb_str(struct dlg_sbuf *b, const char *s);
/*
 * The validators' way to finish: 0 when everything fit, else DLG_E_SPACE
 * with the text emptied, so a caller never sees a partial answer.
 */
int dlg_sb_end(struct dlg_sbuf *b);

/*
 * The opening every field validator shares: empties OUT (when there is one),
 * folds IN into the scratch buffer F of FLEN bytes, and returns DLG_E_EMPTY
 * for nothing, DLG_E_TOOLONG when the folded text does not fit F or has more
 * than MAXCP code points (0: no limit), else 0.
 */
int dlg_fold_field(const char *in, size_t maxcp, char *f, size_t flen, char *out, size_t outlen);

/* Length of W when S[P..N) starts with it (ASCII letters ignore case), else 0. */
size_t dlg_has(const char *s, size_t n, size_t p, const char *w);
/* Like dlg_has(), but an ASCII word must not be part of a longer ASCII word. */
size_t dlg_has_word(const char *s, size_t n, size_t p, const char *w);
/* The length of the intake trigger (words.c's list) at byte P of folded S[0..N), or 0. */
size_t dlg_trigger_at(const char *s, size_t n, size_t p);
size_t dlg_skip_spaces(const char *s, size_t n, size_t p);

/*
 * Where the label said before a detail at byte P of folded S starts ("电话：",
 * "房号是", "room"), so it goes with the detail; P when there is none.
 */
enum dlg_label { DLG_LABEL_PHONE, DLG_LABEL_ROOM };
size_t dlg_label_before(const char *s, size_t p, enum dlg_label which);

#endif
