/*
 * understand.c - reading a resident's first message; see understand.h.
 *
 * The classifier: an emergency, a complaint, a question the knowledge base
 * answers (understand_answers.c), a greeting or thanks, something outside
 * the service, or one or several requests, each matched to its catalogue
 * item (longest word first: 电梯 is not 电). The details the message already
 * holds are taken out by understand_slots.c, and what is left is the
 * description. Matching works on the folded text of understand_text.c.
 */
#include "dialogs/understand_internal.h"

#include <string.h>

#include "lib/buf.h"
#include "dialogs/validate_internal.h"

/* Keyword KW as matching needs it (folded) in OUT: folded once at start when P says so. */
static void fold_kw(const struct dlg_policy *p, const char *kw, char *out, size_t outlen)
{
	if (p && p->keywords_folded)
		buf_copy(out, outlen, kw);
	else
		dlg_fold_word(kw, out, outlen);
}

/*
 * The item whose keyword in S[A..B) is longest; *WEAK (when given) says that
 * keyword is one Chinese character, which may be part of another word.
 */
static const struct dlg_item *match_item_in(const struct dlg_policy *pol, const char *s, size_t a,
                                            size_t b, const char *category, int *weak)
{
	const struct dlg_item *best = NULL;
	size_t best_len = 0, i, k;
	long best_pos = -1, pos;
	int place, best_place = 1, best_weak = 0;
	char w[128];

	for (i = 0; pol && i < pol->nitems; i++) {
		const struct dlg_item *it = &pol->items[i];

		if (category && *category && strcmp(it->category, category) != 0)
			continue;
		for (k = 0; k < it->nkeywords; k++) {
			size_t n;

			fold_kw(pol, it->keywords[k], w, sizeof(w));
			n = strlen(w);
			if (!n)
				continue;
			/* A place ("楼道", "hallway") says where, any other word what. */
			place = dlg_is_place_word(w);
			if (best && (place > best_place || (place == best_place && n < best_len)))
				continue;
			pos = dlg_find_word(s, a, b, w, 0);
			if (pos < 0)
				continue;
			/* Between equals the first said. */
			if (best && place == best_place && n == best_len && pos >= best_pos)
				continue;
			best = it;
			best_len = n;
			best_pos = pos;
			best_place = place;
			best_weak = n == 3 && dlg_is_cjk_at(w, n, 0);
		}
	}
	if (weak)
		*weak = best_weak;
	return best;
}

const struct dlg_item *dlg_item_for(const struct dlg_policy *p, const char *text,
                                    const char *category)
{
	struct ftext f;

	dlg_ftext_init(&f, text);
	return match_item_in(p, f.s, 0, f.n, category, NULL);
}

/* ---- kinds ------------------------------------------------------------------------- */

static const struct dlg_emergency *find_emergency(const struct dlg_policy *p, const char *s)
{
	char w[128];
	size_t i, k, n = strlen(s);

	for (i = 0; p && i < p->nemergencies; i++)
		for (k = 0; k < p->emergencies[i].nkeywords; k++) {
			fold_kw(p, p->emergencies[i].keywords[k], w, sizeof(w));
			if (dlg_find_word(s, 0, n, w, 1) >= 0)
				return &p->emergencies[i];
		}
	return NULL;
}

static int is_complaint(const char *s)
{
	static const char *const w[] = {"投诉", "举报", "complain", "complaint", NULL};

	return dlg_contains_any(s, w);
}

static int is_question(const char *s)
{
	static const char *const w[] = {
	        "吗",     "怎么",     "如何",      "哪",       "几点",   "几号",  "多少",  "什么",
	        "是否",   "能否",     "能不能",    "可不可以", "有没有", "请问",  "多久",  "何时",
	        "啥",     "?",        "how ",      "what",     "when",   "where", "which", "can i ",
	        "do you", "is there", "are there", "does ",    NULL};
	size_t i, n = strlen(s);

	for (i = 0; w[i]; i++)
		if (dlg_find_word(s, 0, n, w[i], 0) >= 0)
			return 1;
	return 0;
}

/* Words that ask for someone to come and do something. */
static int wants_someone(const char *s)
{
	static const char *const w[] = {
	        "帮我",        "帮忙",         "来修",     "上门",        "派人",    "派个",
	        "过来",        "修一下",       "处理一下", "看一下",      "看看",    "please fix",
	        "can you fix", "send someone", "come and", "take a look", "help me", NULL};

	return dlg_contains_any(s, w);
}

/* Words that ask for help: with a service named, a request. */
static int asks_for_help(const char *s)
{
	static const char *const polite[] = {"麻烦", NULL};

	return wants_someone(s) || dlg_contains_any(s, polite);
}

/*
 * Words that say something is wrong. A question that names a service only by
 * one character of another word ("充电桩" holds 电) and no fault asks about
 * the community, not for a repair.
 */
static int names_fault(const char *s)
{
	static const char *const w[] = {
	        "坏",           "不亮",   "不灵",        "失灵",         "漏",
	        "堵",           "修",     "不通",        "没反应",       "不能用",
	        "用不了",       "不好使", "打不开",      "关不上",       "不转",
	        "不响",         "破",     "不热",        "不出",         "没水",
	        "没电",         "broken", "not working", "doesn't work", "does not work",
	        "out of order", "fix",    "repair",      "leak",         "stuck",
	        "blocked",      NULL};

	return dlg_contains_any(s, w);
}

/* Nothing but hello, thanks and the like (and punctuation, emoji). */
static int is_greeting(const char *s)
{
	static const char *const real[] = {"你们好",
	                                   "大家好",
	                                   "你好",
	                                   "您好",
	                                   "在吗",
	                                   "在不在",
	                                   "有人在吗",
	                                   "有人吗",
	                                   "谢谢",
	                                   "谢啦",
	                                   "谢了",
	                                   "多谢",
	                                   "感谢",
	                                   "辛苦了",
	                                   "辛苦",
	                                   "早上好",
	                                   "上午好",
	                                   "下午好",
	                                   "晚上好",
	                                   "晚安",
	                                   "早安",
	                                   "早",
	                                   "嗨",
	                                   "哈喽",
	                                   "hello",
	                                   "hi",
	                                   "hey",
	                                   "thanks",
	                                   "thank you",
	                                   "thx",
	                                   "good morning",
	                                   "good afternoon",
	                                   "good evening",
	                                   "anyone there",
	                                   "is anyone there",
	                                   "morning",
	                                   NULL};
	static const char *const filler[] = {
	        "师傅", "物业", "管家", "客服", "老师",  "请问", "你们", "您",
	        "你",   "啊",   "呀",   "哈",   "呢",    "哦",   "嗯",   "了",
	        "的",   "啦",   "哈哈", "非常", "很",    "麻烦", "so",   "very",
	        "much", "you",  "all",  "guys", "there", "ok",   "好的", NULL};
	size_t n = strlen(s), p = 0, len;
	int i, seen = 0;

	while (p < n) {
		uint32_t c = dlg_cp_at(s, n, p, &len);
		size_t k = 0;

		if (c < 0x80 && !dlg_is_alnum((int)c)) {
			p += len;
			continue;
		}
		if (c >= 0x2000 && (c < 0x3400 || c > 0x9fff) && !(c >= 0xac00 && c <= 0xd7af)) {
			p += len; /* emoji, symbols */
			continue;
		}
		for (i = 0; real[i] && !k; i++)
			k = dlg_has_word(s, n, p, real[i]);
		seen |= k > 0;
		for (i = 0; filler[i] && !k; i++)
			k = dlg_has_word(s, n, p, filler[i]);
		if (!k)
			return 0;
		p += k;
	}
	return seen;
}

/* The out_of_scope keywords in folded S. */
static int out_of_scope_in(const struct dlg_policy *p, const char *s)
{
	char w[128];
	size_t k, n = strlen(s);

	if (!p || !p->out_of_scope)
		return 0;
	for (k = 0; k < p->out_of_scope->nkeywords; k++) {
		fold_kw(p, p->out_of_scope->keywords[k], w, sizeof(w));
		if (dlg_find_word(s, 0, n, w, 0) >= 0)
			return 1;
	}
	return 0;
}

int dlg_out_of_scope(const struct dlg_policy *p, const char *text)
{
	struct ftext f;

	if (!p || !p->out_of_scope || !text)
		return 0;
	dlg_ftext_init(&f, text);
	return out_of_scope_in(p, f.s);
}

const struct dlg_emergency *dlg_emergency_in(const struct dlg_policy *p, const char *text)
{
	struct ftext f;

	if (!p || !p->nemergencies)
		return NULL;
	dlg_ftext_init(&f, text);
	return find_emergency(p, f.s);
}

int dlg_complaint_in(const struct dlg_policy *p, const char *text)
{
	struct ftext f;

	dlg_ftext_init(&f, text);
	return is_complaint(f.s) && !find_emergency(p, f.s);
}

/* ---- requests ---------------------------------------------------------------------- */

static const char *const joins[] = {"顺便", "另外",  "还有就是",  "还有",  "以及",   "同时",
                                    "并且", "also ", "and also ", " and ", " plus ", NULL};

/* Splits points of S: separators and joining words; returns the length of the one at P. */
static size_t split_at(const char *s, size_t n, size_t p)
{
	int i;

	if (strchr(",;.!?\n", s[p]) && s[p])
		return 1;
	for (i = 0; joins[i]; i++)
		if (dlg_starts(s, n, p, joins[i]))
			return strlen(joins[i]);
	return 0;
}

/* Copies ORIG[A..B) into OUT, trimmed of spaces, separators and a leading joining word. */
static void copy_trimmed(const char *orig, size_t a, size_t b, char *out, size_t outlen)
{
	static const char *const edge[] = {" ",
	                                   ",",
	                                   ";",
	                                   ".",
	                                   "\xef\xbc\x8c",
	                                   "\xef\xbc\x9b",
	                                   "\xe3\x80\x82",
	                                   "\xe3\x80\x81",
	                                   "\xe3\x80\x80",
	                                   NULL};
	int i, moved = 1;

	while (moved && a < b) {
		moved = 0;
		for (i = 0; edge[i]; i++) {
			size_t k = strlen(edge[i]);

			if (a + k <= b && memcmp(orig + a, edge[i], k) == 0) {
				a += k;
				moved = 1;
			}
			if (b >= a + k && memcmp(orig + b - k, edge[i], k) == 0) {
				b -= k;
				moved = 1;
			}
		}
		for (i = 0; joins[i]; i++) {
			size_t k = strlen(joins[i]);

			if (joins[i][0] != ' ' && a + k <= b &&
			    memcmp(orig + a, joins[i], k) == 0) {
				a += k;
				moved = 1;
			}
		}
	}
	if (b - a + 1 > outlen)
		b = a + outlen - 1;
	while (b > a && (orig[b] & 0xc0) == 0x80)
		b--;
	memcpy(out, orig + a, b - a);
	out[b - a] = '\0';
}

static void split_requests(const struct dlg_policy *pol, struct dlg_understood *u)
{
	struct ftext f;
	size_t a = 0, p = 0, k = 0, start[DLG_MAX_PARTS], end[DLG_MAX_PARTS];
	int i;

	u->nparts = 0;
	dlg_ftext_init(&f, u->description);
	while (a <= f.n) {
		const struct dlg_item *it;

		for (p = a; p < f.n && !(k = split_at(f.s, f.n, p)); p++)
			;
		if (p >= f.n)
			k = 0;
		it = match_item_in(pol, f.s, a, p, NULL, NULL);
		if (!u->nparts) {
			u->items[0] = it;
			start[0] = 0;
			end[0] = p;
			u->nparts = 1;
		} else {
			const struct dlg_item **last = &u->items[u->nparts - 1];
			int fresh;

			for (i = 0; i < u->nparts && u->items[i] != it; i++)
				;
			fresh = it && i == u->nparts; /* a service not named before */
			if (fresh && *last && u->nparts < DLG_MAX_PARTS) {
				u->items[u->nparts] = it;
				start[u->nparts] = a;
				end[u->nparts] = p;
				u->nparts++;
			} else {
				/* the clause belongs to the request before it */
				if (fresh && !*last)
					*last = it;
				end[u->nparts - 1] = p;
			}
		}
		if (p >= f.n)
			break;
		a = p + k;
	}
	for (i = 0; i < u->nparts; i++) {
		if (u->nparts == 1)
			buf_copy(u->parts[0], sizeof(u->parts[0]), u->description);
		else
			copy_trimmed(f.orig, dlg_orig_at(&f, start[i]), dlg_orig_at(&f, end[i]),
			             u->parts[i], sizeof(u->parts[i]));
	}
}

/* ---- the whole message ------------------------------------------------------------- */

/* The message minus the picked-up details: pieces of the original, tidied at the seams. */
static void build_description(const struct ftext *f, const struct spans *sp, size_t from,
                              struct dlg_understood *u)
{
	struct dlg_sbuf b;
	char tmp[sizeof(u->description)];
	size_t p = from, q;
	int last_space = 1;

	dlg_sb_init(&b, tmp, sizeof(tmp));
	while (p < f->n) {
		if (dlg_span_hit(sp, p)) {
			if (!last_space) {
				dlg_sb_add(&b, " ", 1);
				last_space = 1;
			}
			while (p < f->n && dlg_span_hit(sp, p))
				p++;
			/* the separators around a removed detail go with it */
			while (p < f->n && (f->s[p] == ' ' || f->s[p] == ',' || f->s[p] == ';'))
				p++;
			continue;
		}
		for (q = p; q < f->n && !dlg_span_hit(sp, q); q++)
			;
		dlg_sb_add(&b, f->orig + dlg_orig_at(f, p), dlg_orig_at(f, q) - dlg_orig_at(f, p));
		last_space = f->s[q - 1] == ' ';
		p = q;
	}
	dlg_sb_end(&b);
	copy_trimmed(tmp, 0, strlen(tmp), u->description, sizeof(u->description));
}

/* Where the words start: after @mentions and an intake trigger. */
static size_t skip_prefix(const struct ftext *f)
{
	size_t p = dlg_skip_spaces(f->s, f->n, 0), k;

	for (;;) {
		if (f->s[p] == '@') {
			while (p < f->n && f->s[p] != ' ')
				p++;
			p = dlg_skip_spaces(f->s, f->n, p);
			continue;
		}
		k = dlg_trigger_at(f->s, f->n, p);
		if (!k)
			break;
		p = dlg_skip_spaces(f->s, f->n, p + k);
		while (p < f->n && (f->s[p] == ':' || f->s[p] == ','))
			p = dlg_skip_spaces(f->s, f->n, p + 1);
	}
	return p;
}

void dlg_understand(const struct dlg_policy *pol, const char *text, int64_t now,
                    struct dlg_understood *u)
{
	struct ftext fbuf, *f = &fbuf;
	struct spans sp = {.n = 0};
	size_t from, a, b;
	int question;

	memset(u, 0, sizeof(*u));
	dlg_ftext_init(f, text);
	from = skip_prefix(f);

	dlg_find_phone(f, u, &sp);
	dlg_find_room(f, u, &sp);
	dlg_find_name(f, u, &sp);
	dlg_find_time(f, now, u, &sp);
	if (!u->room[0] && dlg_find_place(f, &a, &b) == 0) {
		a = dlg_orig_at(f, a);
		b = dlg_orig_at(f, b);
		if (b - a < sizeof(u->room)) {
			memcpy(u->room, f->orig + a, b - a);
			u->room[b - a] = '\0';
			u->shared_place = 1;
		}
	}
	/* "楼道灯坏了 6栋1单元": the building said apart from the place. */
	if (!u->room[0] && dlg_find_place_apart(f, &sp, u->room, sizeof(u->room)) == 0)
		u->shared_place = 1;
	build_description(f, &sp, from, u);

	/* Kinds are judged on the whole message, as folded. */
	question = is_question(f->s + from);
	if ((u->emergency = find_emergency(pol, f->s)) != NULL) {
		u->kind = DLG_K_EMERGENCY;
		buf_copy(u->parts[0], sizeof(u->parts[0]), u->description);
		u->nparts = 1;
		u->items[0] = match_item_in(pol, f->s, from, f->n, NULL, NULL);
		return;
	}
	if (is_complaint(f->s)) {
		u->kind = DLG_K_COMPLAINT;
		return;
	}
	if (is_greeting(f->s + from)) {
		u->kind = DLG_K_GREETING;
		return;
	}
	u->answer = dlg_best_answer(pol, f->s + from, &u->score);
	if (u->score < ANSWER_MIN)
		u->answer = NULL;
	split_requests(pol, u);
	if (u->answer && (!u->items[0] || (question && !asks_for_help(f->s + from)))) {
		u->kind = DLG_K_ANSWER;
		return;
	}
	u->answer = NULL;
	if (out_of_scope_in(pol, f->s + from)) {
		u->kind = DLG_K_OUT_OF_SCOPE;
		return;
	}
	if (question && u->nparts == 1 && !wants_someone(f->s + from)) {
		int weak = 0;

		/* "小区有没有充电桩": 电 is a word's part, nothing is broken: a question. */
		if (u->items[0])
			match_item_in(pol, f->s, from, f->n, NULL, &weak);
		if (!u->items[0] || (weak && !names_fault(f->s + from))) {
			u->items[0] = NULL;
			u->kind = DLG_K_QUESTION;
			return;
		}
	}
	u->kind = DLG_K_REQUEST;
}

const char *dlg_kind_name(enum dlg_kind k)
{
	static const char *const names[] = {"request",  "emergency", "complaint",   "answer",
	                                    "question", "greeting",  "out_of_scope"};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}
