/*
 * understand_text.c - the folded copy of a message that matching works on.
 *
 * The message is folded once (full-width forms, ideographic spaces and
 * punctuation, case) into a copy that remembers, for every byte, where it
 * came from, so matching can be tolerant while every piece handed back is
 * cut from the words the resident wrote. Words are found with their
 * negation in mind: "不漏了" is not a leak.
 */
#include "dialogs/understand_internal.h"

#include <string.h>

#include "lib/buf.h"
#include "lib/utf8.h"
#include "dialogs/validate_internal.h"

static uint32_t fold_cp(uint32_t c)
{
	if (c >= 0xff01 && c <= 0xff5e)
		c -= 0xfee0;
	else if (c == 0x3000 || c == '\t' || c == '\n' || c == '\r')
		c = ' ';
	else if (c == 0x3002) /* 。 */
		c = '.';
	else if (c == 0x3001) /* 、 */
		c = ',';
	else if (c == 0x201c || c == 0x201d)
		c = '"';
	if (c >= 'A' && c <= 'Z')
		c += 'a' - 'A';
	return c;
}

void dlg_ftext_init(struct ftext *f, const char *text)
{
	size_t p = 0, k;
	uint32_t c;
	char enc[4];

	f->orig = text ? text : "";
	f->olen = strlen(f->orig);
	f->n = 0;
	while (p < f->olen) {
		size_t len = utf8_next(f->orig + p, f->olen - p, &c);

		c = fold_cp(c);
		k = utf8_put(c, enc);
		if (f->n + k > FMAX)
			break;
		memcpy(f->s + f->n, enc, k);
		while (k--)
			f->map[f->n++] = p;
		p += len;
	}
	f->s[f->n] = '\0';
	f->map[f->n] = p;
}

/* Original offset of folded byte P (P may be N). */
size_t dlg_orig_at(const struct ftext *f, size_t p)
{
	return f->map[p];
}

int dlg_starts(const char *s, size_t n, size_t p, const char *w)
{
	size_t k;

	/* most words differ at once: their first byte decides before any length */
	if (p >= n || s[p] != w[0] || !w[0])
		return 0;
	k = strlen(w);
	return p + k <= n && memcmp(s + p, w, k) == 0;
}

int dlg_is_cjk_at(const char *s, size_t n, size_t p)
{
	uint32_t c;

	if (p >= n)
		return 0;
	utf8_next(s + p, n - p, &c);
	return c >= 0x3400 && c <= 0x9fff;
}

/* The code point starting at P, its length in *LEN. */
uint32_t dlg_cp_at(const char *s, size_t n, size_t p, size_t *len)
{
	uint32_t c = 0;

	*len = p < n ? utf8_next(s + p, n - p, &c) : 0;
	return c;
}

/* Folds and lower-cases a configured word into OUT. */
void dlg_fold_word(const char *w, char *out, size_t outlen)
{
	struct ftext f;

	dlg_ftext_init(&f, w);
	buf_copy(out, outlen, f.s);
}

int dlg_fold_keywords(char **kw, size_t n)
{
	struct ftext f;
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		if (!kw[i])
			continue; /* not a string: the configuration is refused for it */
		dlg_ftext_init(&f, kw[i]);
		if (f.n <= strlen(kw[i])) /* folding shortens or keeps: it fits where it was */
			memcpy(kw[i], f.s, f.n + 1);
		else
			rc = -1;
	}
	return rc;
}

/* ---- negation ---------------------------------------------------------------------- */

/*
 * Is the word at P negated? Items: 不用/不需要/无需/不要/不是 up to two
 * characters before ("不用修门"). Emergencies also take 没有/没/不/无 right
 * before ("没有冒烟", "打不着火").
 */
static int negated(const char *s, size_t p, int strict)
{
	static const char *const items[] = {"不用",        "不需要",      "无需", "不要", "不是",
	                                    "no need to ", "don't need ", "not ", NULL};
	static const char *const close[] = {"没有", "没", "不", "无", "no ", NULL};
	size_t back = p, i, k;
	int gap;

	for (gap = 0; gap <= 2; gap++) {
		for (i = 0; items[i]; i++) {
			k = strlen(items[i]);
			if (back >= k && memcmp(s + back - k, items[i], k) == 0)
				return 1;
		}
		if (strict && gap == 0)
			for (i = 0; close[i]; i++) {
				k = strlen(close[i]);
				if (back >= k && memcmp(s + back - k, close[i], k) == 0)
					return 1;
			}
		if (back == 0)
			break;
		back = utf8_prev(s, back);
		if (!dlg_is_cjk_at(s, p, back))
			break;
	}
	return 0;
}

/* First un-negated place of folded word W in S[A..B), or -1. ASCII words start a word. */
long dlg_find_word(const char *s, size_t a, size_t b, const char *w, int strict)
{
	size_t k = strlen(w), p;

	if (!k)
		return -1;
	for (p = a; p + k <= b; p++) {
		if (memcmp(s + p, w, k) != 0)
			continue;
		if (dlg_is_alpha((unsigned char)w[0]) && p > 0 &&
		    dlg_is_alpha((unsigned char)s[p - 1]))
			continue;
		if (negated(s, p, strict))
			continue;
		return (long)p;
	}
	return -1;
}

int dlg_contains_any(const char *s, const char *const *w)
{
	size_t n = strlen(s);
	int i;

	for (i = 0; w[i]; i++)
		if (dlg_find_word(s, 0, n, w[i], 1) >= 0)
			return 1;
	return 0;
}
