/*
 * words.c - the words residents answer with, in both languages: yes and no,
 * cancel, back, help, skip, ratings, intake triggers; and which language a text
 * is in. Which catalogue item a text is about is understand.c's (dlg_item_for).
 */
#include <stdio.h>
#include <string.h>

#include "dialogs/engine.h"
#include "dialogs/validate_internal.h"

/* ---- small text helpers ---------------------------------------------------- */

/* Folded, ASCII-lowercased, trailing punctuation removed: for matching words. */
static void normalise_word(const char *in, char *out, size_t outlen)
{
	size_t n;
	char *p;

	if (dlg_fold(in ? in : "", out, outlen) < 0)
		out[0] = '\0';
	for (p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	for (;;) {
		n = strlen(out);
		/* ... but a lone "?" is a word ("help") */
		if (n > 1 && strchr(".!?~ ", out[n - 1])) {
			out[n - 1] = '\0';
		} else if (n > 3 && (strcmp(out + n - 3, "\xe3\x80\x82") == 0 ||  /* 。 */
		                     strcmp(out + n - 3, "\xef\xbc\x81") == 0 ||  /* ！ */
		                     strcmp(out + n - 3, "\xef\xbc\x9f") == 0)) { /* ？ */
			out[n - 3] = '\0';
		} else {
			break;
		}
	}
}

int dlg_word_in(const char *t, const char *const *words)
{
	char w[128];
	int i;

	normalise_word(t, w, sizeof(w));
	for (i = 0; words[i]; i++)
		if (strcmp(w, words[i]) == 0)
			return 1;
	return 0;
}

int dlg_is_yes(const char *t)
{
	static const char *const w[] = {
	        "yes",     "y",    "ok",       "okay",        "sure",         "confirm", "/yes",
	        "yeah",    "yep",  "yup",      "agree",       "i agree",      "agreed",  "alright",
	        "correct", "fine", "go ahead", "sounds good", "that's right", "是",      "是的",
	        "确认",    "确定", "好",       "好的",        "对",           "满意",    "可以",
	        "行",      "嗯",   NULL};
	return dlg_word_in(t, w);
}

int dlg_is_no(const char *t)
{
	static const char *const w[] = {"no",     "n",       "nope",      "nah",      "not fixed",
	                                "/no",    "decline", "i decline", "disagree", "i disagree",
	                                "refuse", "reject",  "否",        "不",       "不是",
	                                "不对",   "不满意",  "没修好",    "没有修好", "不行",
	                                "没解决", "未解决",  "拒绝",      NULL};
	return dlg_word_in(t, w);
}

int dlg_is_cancel(const char *t)
{
	static const char *const w[] = {"cancel", "/cancel", "quit",   "stop",
	                                "取消",   "算了",    "不用了", NULL};
	return dlg_word_in(t, w);
}

int dlg_is_back(const char *t)
{
	static const char *const w[] = {"back", "/back", "上一步", "返回", "返回上一步", NULL};
	return dlg_word_in(t, w);
}

int dlg_is_help(const char *t)
{
	static const char *const w[] = {"help", "/help", "?", "帮助", "怎么填", "人工", NULL};
	return dlg_word_in(t, w);
}

int dlg_is_skip(const char *t)
{
	static const char *const w[] = {"skip", "/skip", "none",   "no comment", "跳过", "没有",
	                                "无",   "没了",  "没意见", "没有意见",   NULL};
	return dlg_word_in(t, w);
}

int dlg_parse_rating(const char *t)
{
	static const char *const zh[] = {"一", "二", "三", "四", "五"};
	static const char *const suffixes[] = {"",      "分",   "星", "颗星",   "星好评", "分好评",
	                                       "stars", "star", "/5", "points", NULL};
	char w[64];
	char *p;
	int i, r = 0;

	normalise_word(t, w, sizeof(w));
	if (strcmp(w, "满分") == 0)
		return 5;
	/* "★★★★" as some keyboards offer it */
	for (p = w; strncmp(p, "\xe2\x98\x85", 3) == 0; p += 3)
		r++;
	if (r && *p == '\0' && r <= 5)
		return r;
	r = 0;
	p = w;
	if (p[0] >= '1' && p[0] <= '5') {
		r = p[0] - '0';
		p++;
	} else {
		for (i = 0; i < 5; i++) {
			size_t n = strlen(zh[i]);

			if (strncmp(p, zh[i], n) == 0) {
				r = i + 1;
				p += n;
				break;
			}
		}
		if (!r && strncmp(p, "两", 3) == 0) {
			r = 2;
			p += 3;
		}
	}
	if (!r)
		return 0;
	while (*p == ' ')
		p++;
	/* "五星好评" is how a delighted resident says 5. */
	for (i = 0; suffixes[i]; i++)
		if (strcmp(p, suffixes[i]) == 0)
			return r;
	return 0;
}

/* ---- language ---------------------------------------------------------------- */

int dlg_lang_from_hint(const char *hint, int fallback)
{
	if (!hint || !*hint)
		return fallback;
	if ((hint[0] == 'z' || hint[0] == 'Z') && (hint[1] == 'h' || hint[1] == 'H'))
		return DLG_ZH;
	if ((hint[0] == 'e' || hint[0] == 'E') && (hint[1] == 'n' || hint[1] == 'N'))
		return DLG_EN;
	return fallback;
}

int dlg_lang_of_text(const char *text, int fallback)
{
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	int letters = 0, in_command = 0;

	for (; *p; p++) {
		/* U+3400..U+9FFF are three-byte sequences starting E3..E9. */
		if (*p >= 0xe3 && *p <= 0xe9 && p[1] >= 0x80 && p[2] >= 0x80)
			return DLG_ZH;
		if (*p == '/' && (p == (const unsigned char *)text || p[-1] == ' '))
			in_command = 1;
		else if (*p == ' ')
			in_command = 0;
		else if (!in_command && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			letters++;
	}
	return letters >= 3 ? DLG_EN : fallback;
}

const char *dlg_lang_code(int lang)
{
	return lang == DLG_EN ? "en" : "zh";
}

/* ---- catalogue --------------------------------------------------------------- */

const struct dlg_item *dlg_item_find(const struct dlg_policy *p, const char *id)
{
	size_t i;

	if (!p || !id)
		return NULL;
	for (i = 0; i < p->nitems; i++)
		if (p->items[i].id && strcmp(p->items[i].id, id) == 0)
			return &p->items[i];
	return NULL;
}

/* ---- triggers ------------------------------------------------------------------ */

static const struct {
	const char *word;
	const char *category;
} triggers[] = {
        {"/repair", "repair"}, {"/clean", "cleaning"}, {"/errand", "errand"},
        {"/ask", "inquiry"},   {"报修", "repair"},     {"维修", "repair"},
        {"保洁", "cleaning"},  {"代办", "errand"},     {"咨询", "inquiry"},
};

size_t dlg_trigger_at(const char *w, size_t n, size_t p)
{
	size_t i, k;

	for (i = 0; i < sizeof(triggers) / sizeof(triggers[0]); i++) {
		k = dlg_has(w, n, p, triggers[i].word);
		/* "/repair" must end the word; a Chinese trigger may run on ("报修厨房漏水"). */
		if (k && triggers[i].word[0] == '/' && p + k < n &&
		    (dlg_is_alnum((unsigned char)w[p + k]) || w[p + k] == '_'))
			k = 0;
		if (k)
			return k;
	}
	return 0;
}

int dlg_is_trigger(const char *text, const char **category)
{
	char f[256];
	size_t i, n;

	if (dlg_fold(text ? text : "", f, sizeof(f)) < 0 && !text)
		return 0;
	for (i = 0; i < sizeof(triggers) / sizeof(triggers[0]); i++) {
		n = strlen(triggers[i].word);
		if (strncmp(f, triggers[i].word, n) != 0)
			continue;
		/* "/repair" must end the word; a Chinese trigger may run on ("报修厨房漏水"). */
		if (triggers[i].word[0] == '/' && f[n] && f[n] != ' ')
			continue;
		if (category)
			*category = triggers[i].category;
		return 1;
	}
	return 0;
}
