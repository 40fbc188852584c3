/*
 * understand_answers.c - matching a question against the knowledge base
 * (the configuration's answers): the question and every example are cut
 * into words and character pairs, and the closest example wins when it is
 * close enough, so paraphrases match and not only the example strings.
 */
#include "dialogs/understand_internal.h"

#include <stdlib.h>
#include <string.h>

#include "dialogs/validate_internal.h"

#define TOK_MAX 96

struct dlg_toks {
	uint32_t t[TOK_MAX]; /* a CJK character, or a hash of an ASCII word */
	int n;
};

static uint32_t word_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h | 0x80000000u;
}

static void tokenize(const char *text, struct dlg_toks *tk)
{
	static const char *const fill[] = {
	        "请问",   "想问一下", "想问下", "问一下", "问下",     "一下", "你们",
	        "我们",   "我想",     "我家",   "咱们",   "麻烦",     "您好", "你好",
	        "怎么",   "怎样",     "如何",   "能不能", "可不可以", "可以", "能否",
	        "是不是", "有没有",   "一般",   "能",     NULL};
	static const char *const fill1[] = {"吗", "呢", "啊", "呀", "吧", "哦", "嘛",
	                                    "的", "了", "我", "你", "您", "是", NULL};
	static const char *const stopw[] = {
	        "the", "a", "an", "is", "are", "was", "do", "does", "did", "i", "you", "we", "my",
	        "our", "your", "to", "of", "for", "in", "on", "at", "it", "this", "that", "be",
	        "can", "could", "please", "there", "any", "hi", "hello", "me", "much", "should",
	        "will", "would", "about",
	        /* like 怎么 and 如何 above: the asking, not what is asked about */
	        "how", "what", "when", "where", "which", "who", NULL};
	struct ftext f;
	size_t p = 0, len, q;
	int i;

	tk->n = 0;
	dlg_ftext_init(&f, text);
	while (p < f.n && tk->n < TOK_MAX) {
		uint32_t c = dlg_cp_at(f.s, f.n, p, &len);
		int skip = 0;

		/* The first byte first: this runs for every character of every example. */
		for (i = 0; fill[i] && !skip; i++)
			if (fill[i][0] == f.s[p] && dlg_starts(f.s, f.n, p, fill[i])) {
				p += strlen(fill[i]);
				skip = 1;
			}
		if (skip)
			continue;
		if (dlg_is_alnum((int)c)) {
			for (q = p; q < f.n && dlg_is_alnum((unsigned char)f.s[q]); q++)
				;
			for (i = 0; stopw[i]; i++)
				if (strlen(stopw[i]) == q - p &&
				    memcmp(stopw[i], f.s + p, q - p) == 0)
					break;
			if (!stopw[i]) {
				/* "cards" is "card": a plural s says nothing. */
				size_t wl = q - p;

				if (wl > 3 && f.s[q - 1] == 's')
					wl--;
				tk->t[tk->n++] = word_hash(f.s + p, wl);
			}
			p = q;
			continue;
		}
		if (c >= 0x3400 && c <= 0x9fff) {
			for (i = 0; fill1[i]; i++)
				if (fill1[i][0] == f.s[p] && dlg_starts(f.s, f.n, p, fill1[i]))
					break;
			if (!fill1[i])
				tk->t[tk->n++] = c;
		}
		p += len;
	}
}

static double dice(const uint64_t *a, int na, const uint64_t *b, int nb)
{
	int i, j, both = 0, ua = 0, ub = 0;

	/* Sets: count distinct members. */
	for (i = 0; i < na; i++) {
		for (j = 0; j < i && a[j] != a[i]; j++)
			;
		if (j < i)
			continue;
		ua++;
		for (j = 0; j < nb && b[j] != a[i]; j++)
			;
		if (j < nb)
			both++;
	}
	for (i = 0; i < nb; i++) {
		for (j = 0; j < i && b[j] != b[i]; j++)
			;
		if (j == i)
			ub++;
	}
	return ua + ub ? 2.0 * both / (ua + ub) : 0;
}

/* The closeness of two texts cut into words: X and Y. */
static double similarity(const struct dlg_toks *x, const struct dlg_toks *y)
{
	uint64_t ux[TOK_MAX], uy[TOK_MAX], bx[TOK_MAX], by[TOK_MAX];
	int i, nbx = 0, nby = 0;

	if (!x->n || !y->n)
		return 0;
	for (i = 0; i < x->n; i++) {
		ux[i] = x->t[i];
		if (i + 1 < x->n)
			bx[nbx++] = ((uint64_t)x->t[i] << 32) | x->t[i + 1];
	}
	for (i = 0; i < y->n; i++) {
		uy[i] = y->t[i];
		if (i + 1 < y->n)
			by[nby++] = ((uint64_t)y->t[i] << 32) | y->t[i + 1];
	}
	if (!nbx || !nby)
		return dice(ux, x->n, uy, y->n);
	return 0.5 * dice(ux, x->n, uy, y->n) + 0.5 * dice(bx, nbx, by, nby);
}

double dlg_similarity(const char *query, const char *example)
{
	struct dlg_toks x, y;

	tokenize(query, &x);
	tokenize(example, &y);
	return similarity(&x, &y);
}

int dlg_answers_prepare(struct dlg_answer *a, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		if (!a[i].nexamples)
			continue;
		a[i].toks = calloc(a[i].nexamples, sizeof(*a[i].toks));
		if (!a[i].toks)
			return -1; /* matching cuts the examples each time instead */
		for (k = 0; k < a[i].nexamples; k++)
			tokenize(a[i].examples[k], &a[i].toks[k]);
	}
	return 0;
}

void dlg_answers_release(struct dlg_answer *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(a[i].toks);
		a[i].toks = NULL;
	}
}

const struct dlg_answer *dlg_best_answer(const struct dlg_policy *p, const char *text,
                                         double *score)
{
	const struct dlg_answer *best = NULL;
	struct dlg_toks q, ex;
	size_t i, k;

	*score = 0;
	if (!p || !p->nanswers)
		return NULL;
	tokenize(text, &q);
	for (i = 0; i < p->nanswers; i++)
		for (k = 0; k < p->answers[i].nexamples; k++) {
			const struct dlg_toks *e = p->answers[i].toks;
			double s;

			if (e) {
				e += k;
			} else {
				tokenize(p->answers[i].examples[k], &ex);
				e = &ex;
			}
			s = similarity(&q, e);
			if (s > *score) {
				*score = s;
				best = &p->answers[i];
			}
		}
	return best;
}
