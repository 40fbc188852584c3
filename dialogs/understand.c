/*
 * understand.c - reading a resident's first message; see understand.h.
 *
 * The message is folded once into a copy that remembers, for every byte,
 * where it came from, so matching can be tolerant while every piece handed
 * back is cut from the words the resident wrote.
 */
#include "dialogs/understand.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/utf8.h"
#include "dialogs/validate_internal.h"

#define FMAX 2048

/* A folded text with the original offset of every byte. */
struct ftext {
	const char *orig;
	size_t olen;
	char s[FMAX + 1];
	size_t map[FMAX + 1];
	size_t n;
};

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

static void ftext_init(struct ftext *f, const char *text)
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
static size_t orig_at(const struct ftext *f, size_t p)
{
	return f->map[p];
}

static int starts(const char *s, size_t n, size_t p, const char *w)
{
	size_t k = strlen(w);

	return k && p + k <= n && memcmp(s + p, w, k) == 0;
}

static int is_cjk_at(const char *s, size_t n, size_t p)
{
	uint32_t c;

	if (p >= n)
		return 0;
	utf8_next(s + p, n - p, &c);
	return c >= 0x3400 && c <= 0x9fff;
}

/* The code point starting at P, its length in *LEN. */
static uint32_t cp_at(const char *s, size_t n, size_t p, size_t *len)
{
	uint32_t c = 0;

	*len = p < n ? utf8_next(s + p, n - p, &c) : 0;
	return c;
}

/* Folds and lower-cases a configured word into OUT. */
static void fold_word(const char *w, char *out, size_t outlen)
{
	struct ftext f;

	ftext_init(&f, w);
	buf_copy(out, outlen, f.s);
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
		if (!is_cjk_at(s, p, back))
			break;
	}
	return 0;
}

/* First un-negated place of folded word W in S[A..B), or -1. ASCII words start a word. */
static long find_word(const char *s, size_t a, size_t b, const char *w, int strict)
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

static int contains_any(const char *s, const char *const *w)
{
	size_t n = strlen(s);
	int i;

	for (i = 0; w[i]; i++)
		if (find_word(s, 0, n, w[i], 1) >= 0)
			return 1;
	return 0;
}

/* ---- the catalogue ------------------------------------------------------------------ */

static int is_place_word(const char *w);

static const struct dlg_item *match_item_in(const struct dlg_policy *pol, const char *s, size_t a,
                                            size_t b, const char *category)
{
	const struct dlg_item *best = NULL;
	size_t best_len = 0, i, k;
	long best_pos = -1, pos;
	int place, best_place = 1;
	char w[128];

	for (i = 0; pol && i < pol->nitems; i++) {
		const struct dlg_item *it = &pol->items[i];

		if (category && *category && strcmp(it->category, category) != 0)
			continue;
		for (k = 0; k < it->nkeywords; k++) {
			size_t n;

			fold_word(it->keywords[k], w, sizeof(w));
			n = strlen(w);
			if (!n || n < best_len)
				continue;
			pos = find_word(s, a, b, w, 0);
			if (pos < 0)
				continue;
			/* Between equals, a place ("楼道") says where, the other word what. */
			place = is_place_word(w);
			if (n == best_len &&
			    (place > best_place || (place == best_place && pos >= best_pos)))
				continue;
			best = it;
			best_len = n;
			best_pos = pos;
			best_place = place;
		}
	}
	return best;
}

static const struct dlg_item *match_item(const struct dlg_policy *pol, const char *s, size_t a,
                                         size_t b)
{
	return match_item_in(pol, s, a, b, NULL);
}

const struct dlg_item *dlg_item_for(const struct dlg_policy *p, const char *text,
                                    const char *category)
{
	struct ftext f;

	ftext_init(&f, text);
	return match_item_in(p, f.s, 0, f.n, category);
}

/* ---- slots ------------------------------------------------------------------------- */

struct spans {
	size_t a[8], b[8];
	int n;
};

static void span_add(struct spans *sp, size_t a, size_t b)
{
	if (sp->n < 8 && b > a) {
		sp->a[sp->n] = a;
		sp->b[sp->n] = b;
		sp->n++;
	}
}

static int span_hit(const struct spans *sp, size_t p)
{
	int i;

	for (i = 0; i < sp->n; i++)
		if (p >= sp->a[i] && p < sp->b[i])
			return 1;
	return 0;
}

/* Labels said before a detail ("电话", "手机号:"): removed with it. */
static size_t label_before(const char *s, size_t p, const char *const *labels)
{
	size_t q = p, i, k;

	while (q > 0 && (s[q - 1] == ' ' || s[q - 1] == ':'))
		q--;
	for (i = 0; labels[i]; i++) {
		k = strlen(labels[i]);
		if (q >= k && memcmp(s + q - k, labels[i], k) == 0)
			return q - k;
	}
	return p;
}

static void find_phone(const struct ftext *f, struct dlg_understood *u, struct spans *sp)
{
	static const char *const labels[] = {"手机号码", "手机号", "电话号码", "电话",   "手机",
	                                     "联系方式", "tel",    "phone",    "mobile", NULL};
	const char *s = f->s;
	size_t n = f->n, p, q, r;
	char tok[64];

	for (p = 0; p < n; p++) {
		if (!(dlg_is_dig((unsigned char)s[p]) || s[p] == '+') ||
		    (p > 0 && dlg_is_dig((unsigned char)s[p - 1])))
			continue;
		for (q = p; q < n && (dlg_is_dig((unsigned char)s[q]) || strchr(" -+()", s[q]));
		     q++)
			;
		while (q > p && (s[q - 1] == ' ' || s[q - 1] == '-'))
			q--;
		/* The whole run, or one of its space-separated pieces ("3-2-501 13800138000"). */
		for (r = p; r < q;) {
			size_t e = r;

			if (q - p < sizeof(tok)) {
				memcpy(tok, s + p, q - p);
				tok[q - p] = '\0';
				if (dlg_norm_phone(tok, u->phone, sizeof(u->phone)) == 0) {
					span_add(sp, label_before(s, p, labels), q);
					return;
				}
			}
			while (e < q && s[e] != ' ')
				e++;
			if (e - r < sizeof(tok) && e > r) {
				memcpy(tok, s + r, e - r);
				tok[e - r] = '\0';
				if (dlg_norm_phone(tok, u->phone, sizeof(u->phone)) == 0) {
					span_add(sp, label_before(s, r, labels), e);
					return;
				}
			}
			r = e + 1;
		}
		u->phone[0] = '\0';
		p = q;
	}
}

/* Marks a room may contain after its first digit or letter. */
static size_t room_mark(const char *s, size_t n, size_t p)
{
	static const char *const marks[] = {"号楼", "单元", "栋", "幢", "号", "门",
	                                    "室",   "座",   "-",  "/",  "#",  NULL};
	int i;

	if (p < n && (dlg_is_dig((unsigned char)s[p]) || s[p] == ' '))
		return 1;
	for (i = 0; marks[i]; i++)
		if (starts(s, n, p, marks[i]))
			return strlen(marks[i]);
	return 0;
}

static void find_room(const struct ftext *f, struct dlg_understood *u, struct spans *sp)
{
	static const char *const labels[] = {"房号", "房间号", "住在", "我住",
	                                     "地址", "room",   NULL};
	const char *s = f->s;
	size_t n = f->n, p, q, k;
	char tok[64];

	for (p = 0; p < n; p++) {
		int letter = dlg_is_alpha((unsigned char)s[p]);

		if (span_hit(sp, p) || !(dlg_is_dig((unsigned char)s[p]) || letter) ||
		    (p > 0 && dlg_is_alnum((unsigned char)s[p - 1])))
			continue;
		if (letter && (p + 1 >= n || dlg_is_alpha((unsigned char)s[p + 1])))
			continue;
		q = p + 1;
		while (q < n && !span_hit(sp, q) && (k = room_mark(s, n, q)) > 0)
			q += k;
		/* Shorter and shorter, so "5栋2单元楼道" is not a room but "3栋2单元501室的" is. */
		while (q > p + 2) {
			while (q > p && s[q - 1] == ' ')
				q--;
			if (q - p < sizeof(tok)) {
				memcpy(tok, s + p, q - p);
				tok[q - p] = '\0';
				if (dlg_norm_room(tok, u->room, sizeof(u->room)) == 0) {
					span_add(sp, label_before(s, p, labels), q);
					return;
				}
			}
			q = utf8_prev(s, q);
		}
		u->room[0] = '\0';
	}
}

/* Places of the whole community: a location on their own. */
static const char *const places[] = {"地下车库",    "地下停车场", "停车场", "车库",   "地下室",
                                     "小区门口",    "小区大门",   "大门口", "花园",   "绿化带",
                                     "健身区",      "儿童乐园",   "垃圾房", "垃圾站", "广场",
                                     "parking lot", "car park",   "garage", NULL};

/* Places every building has: a location only with the building ("5栋2单元楼道"). */
static const char *const building_places[] = {
        "楼道",  "楼梯间",    "电梯厅",  "电梯间",   "电梯口", "大堂",
        "门厅",  "单元门口",  "走廊",    "天台",     "楼顶",   "消防通道",
        "lobby", "stairwell", "hallway", "corridor", NULL};

/* Is W (folded) the name of a place? */
static int is_place_word(const char *w)
{
	int i;

	for (i = 0; places[i]; i++)
		if (strcmp(places[i], w) == 0)
			return 1;
	for (i = 0; building_places[i]; i++)
		if (strcmp(building_places[i], w) == 0)
			return 1;
	return 0;
}

/* Building marks before a shared place ("5栋2单元" in "5栋2单元楼道"). */
static size_t place_start(const char *s, size_t p)
{
	static const char *const marks[] = {"栋", "幢", "座", "号", "楼", "单", "元", NULL};

	while (p > 0) {
		size_t q = utf8_prev(s, p);
		int i;

		if (dlg_is_alnum((unsigned char)s[q]) || s[q] == '-' || s[q] == '#') {
			p = q;
			continue;
		}
		for (i = 0; marks[i]; i++)
			if (starts(s, p, q, marks[i]))
				break;
		if (!marks[i])
			break;
		p = q;
	}
	return p;
}

static int find_place(const struct ftext *f, size_t *a, size_t *b)
{
	size_t p;
	int i;

	for (p = 0; p < f->n; p++) {
		for (i = 0; places[i]; i++)
			if (starts(f->s, f->n, p, places[i])) {
				*a = place_start(f->s, p);
				*b = p + strlen(places[i]);
				return 0;
			}
		for (i = 0; building_places[i]; i++)
			if (starts(f->s, f->n, p, building_places[i])) {
				*a = place_start(f->s, p);
				*b = p + strlen(building_places[i]);
				/* "楼道" alone: which building? */
				if (*a < p && dlg_is_alnum((unsigned char)f->s[*a]))
					return 0;
			}
	}
	return -1;
}

int dlg_shared_place(const char *text, char *out, size_t outlen)
{
	struct ftext f;
	size_t a, b;

	ftext_init(&f, text);
	if (find_place(&f, &a, &b) < 0)
		return -1;
	a = orig_at(&f, a);
	b = orig_at(&f, b);
	if (b - a + 1 > outlen)
		return -1;
	memcpy(out, f.orig + a, b - a);
	out[b - a] = '\0';
	return 0;
}

/* One CJK character (a surname) before "先生"... */
static void find_name(const struct ftext *f, struct dlg_understood *u, struct spans *sp)
{
	static const char *const titles[] = {"先生", "女士", "小姐", "太太", NULL};
	static const char *const intro[] = {"我姓", "免贵姓", "本人姓", NULL};
	static const char *const called[] = {"我叫", "我的名字是", "名字叫", "联系人", NULL};
	static const char *const stop[] = {"业", "住", "租", "房", "这", "那", "老", "的", NULL};
	const char *s = f->s;
	size_t n = f->n, p, len, q, e;
	int i, j, c;

	for (p = 0; p < n; p++) {
		for (i = 0; intro[i]; i++)
			if (starts(s, n, p, intro[i])) {
				q = p + strlen(intro[i]);
				if (!is_cjk_at(s, n, q))
					continue;
				cp_at(s, n, q, &len);
				snprintf(u->name, sizeof(u->name), "%.*s先生/女士", (int)len,
				         f->orig + orig_at(f, q));
				e = q + len;
				for (j = 0; titles[j]; j++)
					if (starts(s, n, e, titles[j])) {
						snprintf(u->name, sizeof(u->name), "%.*s%s",
						         (int)len, f->orig + orig_at(f, q),
						         titles[j]);
						e += strlen(titles[j]);
					}
				span_add(sp, p, e);
				return;
			}
		for (i = 0; called[i]; i++)
			if (starts(s, n, p, called[i])) {
				q = p + strlen(called[i]);
				while (q < n && s[q] == ' ')
					q++;
				for (e = q, c = 0; c < 4 && is_cjk_at(s, n, e); c++) {
					cp_at(s, n, e, &len);
					e += len;
				}
				if (c < 2 || c > 3)
					continue;
				snprintf(u->name, sizeof(u->name), "%.*s",
				         (int)(orig_at(f, e) - orig_at(f, q)),
				         f->orig + orig_at(f, q));
				span_add(sp, p, e);
				return;
			}
		if (starts(s, n, p, "my name is ") || starts(s, n, p, "name: ")) {
			q = p + (s[p] == 'm' ? 11 : 6);
			for (e = q; e < n && (dlg_is_alpha((unsigned char)s[e]) || s[e] == ' ');
			     e++)
				;
			while (e > q && s[e - 1] == ' ')
				e--;
			if (e > q) {
				snprintf(u->name, sizeof(u->name), "%.*s",
				         (int)(orig_at(f, e) - orig_at(f, q)),
				         f->orig + orig_at(f, q));
				span_add(sp, p, e);
				return;
			}
		}
		for (i = 0; titles[i]; i++) {
			if (!starts(s, n, p, titles[i]) || p == 0)
				continue;
			q = utf8_prev(s, p);
			if (!is_cjk_at(s, n, q))
				continue;
			for (j = 0; stop[j]; j++)
				if (starts(s, n, q, stop[j]))
					break;
			if (stop[j])
				continue;
			e = p + strlen(titles[i]);
			snprintf(u->name, sizeof(u->name), "%.*s",
			         (int)(orig_at(f, e) - orig_at(f, q)), f->orig + orig_at(f, q));
			span_add(sp, q, e);
			return;
		}
	}
}

/* ---- times ------------------------------------------------------------------------- */

static const char *const time_start[] = {
        "大后天",       "今天",           "明天",         "后天",     "今晚",  "明晚",    "明早",
        "今早",         "周一",           "周二",         "周三",     "周四",  "周五",    "周六",
        "周日",         "周天",           "星期",         "礼拜",     "下周",  "这周",    "本周",
        "尽快",         "越快越好",       "马上",         "随时",     "上午",  "下午",    "中午",
        "晚上",         "傍晚",           "早上",         "tomorrow", "today", "tonight", "asap",
        "this morning", "this afternoon", "this evening", "next ",    NULL};

static const char *const time_more[] = {
        "大后天",  "今天",      "明天",    "后天",      "今晚",     "明晚",    "明早",
        "今早",    "周",        "星期",    "礼拜",      "下周",     "这周",    "本周",
        "尽快",    "越快越好",  "马上",    "随时",      "上午",     "下午",    "中午",
        "晚上",    "傍晚",      "早上",    "凌晨",      "点",       "半",      "一刻",
        "分",      "左右",      "以后",    "之后",      "前后",     "号",      "月",
        "日",      "一",        "二",      "三",        "四",       "五",      "六",
        "七",      "八",        "九",      "十",        "两",       "到",      "至",
        "~",       ":",         "-",       "tomorrow",  "today",    "tonight", "asap",
        "morning", "afternoon", "evening", "am",        "pm",       "this ",   "next ",
        "at ",     "monday",    "tuesday", "wednesday", "thursday", "friday",  "saturday",
        "sunday",  "o'clock",   NULL};

static size_t time_token(const char *s, size_t n, size_t p)
{
	int i;

	if (p < n && dlg_is_dig((unsigned char)s[p]))
		return 1;
	if (p < n && s[p] == ' ' && p + 1 < n && !is_cjk_at(s, n, p + 1))
		return 1;
	for (i = 0; time_more[i]; i++)
		if (starts(s, n, p, time_more[i]))
			return strlen(time_more[i]);
	return 0;
}

/* A number that is a clock time or a date: "3点", "9am", "15:00", "12月1日". */
static int clock_start(const char *s, size_t n, size_t p)
{
	size_t q = p;

	if (!dlg_is_dig((unsigned char)s[p]) || (p > 0 && dlg_is_alnum((unsigned char)s[p - 1])))
		return 0;
	while (q < n && dlg_is_dig((unsigned char)s[q]))
		q++;
	if (q - p > 2)
		return 0;
	return starts(s, n, q, "点") || starts(s, n, q, "am") || starts(s, n, q, "pm") ||
	       starts(s, n, q, " am") || starts(s, n, q, " pm") || starts(s, n, q, "月") ||
	       (s[q] == ':' && q + 2 < n && dlg_is_dig((unsigned char)s[q + 1]));
}

int dlg_time_is_past(const char *text)
{
	static const char *const w[] = {"昨天", "前天",      "昨晚",      "上周", "上个月",
	                                "去年", "yesterday", "last week", NULL};
	struct ftext f;

	ftext_init(&f, text);
	return contains_any(f.s, w);
}

static void find_time(const struct ftext *f, int64_t now, struct dlg_understood *u,
                      struct spans *sp)
{
	static const char *const past[] = {"昨天", "前天", "昨晚", "yesterday", NULL};
	static const char *const after[] = {"过来", "上门", "前来", "来", NULL};
	const char *s = f->s;
	size_t n = f->n, p, q, k;
	int i;

	for (p = 0; p < n; p++) {
		int hit = 0;

		if (span_hit(sp, p))
			continue;
		for (i = 0; past[i]; i++)
			if (starts(s, n, p, past[i]))
				u->time_past = 1;
		for (i = 0; time_start[i] && !hit; i++)
			hit = starts(s, n, p, time_start[i]);
		if (!hit && !clock_start(s, n, p))
			continue;
		for (q = p; q < n && !span_hit(sp, q) && (k = time_token(s, n, q)) > 0;)
			q += k;
		while (q > p && (s[q - 1] == ' ' || s[q - 1] == '-' || s[q - 1] == ':'))
			q--;
		{
			size_t a = orig_at(f, p), b = orig_at(f, q);
			time_t at = 0;
			char out[256];

			if (b - a >= sizeof(u->time))
				continue;
			memcpy(u->time, f->orig + a, b - a);
			u->time[b - a] = '\0';
			if (dlg_parse_time(u->time, (time_t)now, out, sizeof(out), &at) < 0 ||
			    !at) {
				u->time[0] = '\0';
				p = q;
				continue;
			}
			u->time_at = (int64_t)at;
			u->time_end = dlg_time_window_end(u->time, u->time_at);
		}
		for (i = 0; after[i]; i++)
			if (starts(s, n, q, after[i])) {
				q += strlen(after[i]);
				break;
			}
		span_add(sp, p, q);
		u->time_past = 0;
		return;
	}
}

int64_t dlg_time_window_end(const char *text, int64_t at)
{
	static const struct {
		const char *w;
		int hour;
	} parts[] = {
	        {"上午", 12},    {"早上", 12},      {"明早", 12},    {"今早", 12},    {"中午", 14},
	        {"下午", 18},    {"傍晚", 19},      {"晚上", 22},    {"今晚", 22},    {"明晚", 22},
	        {"morning", 12}, {"afternoon", 18}, {"evening", 22}, {"tonight", 22},
	};
	static const char *const clock[] = {"点",   ":",    "am",   "pm",       "尽快",
	                                    "马上", "asap", "随时", "越快越好", "小时",
	                                    "分钟", "hour", "min",  NULL};
	struct ftext f;
	struct tm tm;
	time_t t = (time_t)at;
	size_t i;
	int hour = 18;

	if (!at)
		return 0;
	ftext_init(&f, text);
	for (i = 0; clock[i]; i++)
		if (strstr(f.s, clock[i]))
			return 0;
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (strstr(f.s, parts[i].w)) {
			hour = parts[i].hour;
			break;
		}
	if (!localtime_r(&t, &tm))
		return 0;
	if (tm.tm_hour >= hour)
		return 0;
	tm.tm_hour = hour;
	tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	return t == (time_t)-1 ? 0 : (int64_t)t;
}

/* ---- answers ----------------------------------------------------------------------- */

#define TOK_MAX 96

struct toks {
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

static void tokenize(const char *text, struct toks *tk)
{
	static const char *const fill[] = {"请问", "想问一下", "想问下", "问一下",   "问下",
	                                   "一下", "你们",     "我们",   "我想",     "我家",
	                                   "咱们", "麻烦",     "您好",   "你好",     "怎么",
	                                   "怎样", "如何",     "能不能", "可不可以", "可以",
	                                   "能否", "是不是",   "一般",   "能",       NULL};
	static const char *const fill1[] = {"吗", "呢", "啊", "呀", "吧", "哦", "嘛",
	                                    "的", "了", "我", "你", "您", "是", NULL};
	static const char *const stopw[] = {
	        "the", "a",     "an",   "is",   "are",    "was",  "do",    "does",   "did",   "i",
	        "you", "we",    "my",   "our",  "your",   "to",   "of",    "for",    "in",    "on",
	        "at",  "it",    "this", "that", "be",     "can",  "could", "please", "there", "any",
	        "hi",  "hello", "me",   "much", "should", "will", "would", "about",  NULL};
	struct ftext f;
	size_t p = 0, len, q;
	int i;

	tk->n = 0;
	ftext_init(&f, text);
	while (p < f.n && tk->n < TOK_MAX) {
		uint32_t c = cp_at(f.s, f.n, p, &len);
		int skip = 0;

		for (i = 0; fill[i] && !skip; i++)
			if (starts(f.s, f.n, p, fill[i])) {
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
				if (starts(f.s, f.n, p, fill1[i]))
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

double dlg_similarity(const char *query, const char *example)
{
	struct toks x, y;
	uint64_t ux[TOK_MAX], uy[TOK_MAX], bx[TOK_MAX], by[TOK_MAX];
	int i, nbx = 0, nby = 0;

	tokenize(query, &x);
	tokenize(example, &y);
	if (!x.n || !y.n)
		return 0;
	for (i = 0; i < x.n; i++) {
		ux[i] = x.t[i];
		if (i + 1 < x.n)
			bx[nbx++] = ((uint64_t)x.t[i] << 32) | x.t[i + 1];
	}
	for (i = 0; i < y.n; i++) {
		uy[i] = y.t[i];
		if (i + 1 < y.n)
			by[nby++] = ((uint64_t)y.t[i] << 32) | y.t[i + 1];
	}
	if (!nbx || !nby)
		return dice(ux, x.n, uy, y.n);
	return 0.5 * dice(ux, x.n, uy, y.n) + 0.5 * dice(bx, nbx, by, nby);
}

#define ANSWER_MIN 0.5

static const struct dlg_answer *best_answer(const struct dlg_policy *p, const char *text,
                                            double *score)
{
	const struct dlg_answer *best = NULL;
	size_t i, k;

	*score = 0;
	for (i = 0; p && i < p->nanswers; i++)
		for (k = 0; k < p->answers[i].nexamples; k++) {
			double s = dlg_similarity(text, p->answers[i].examples[k]);

			if (s > *score) {
				*score = s;
				best = &p->answers[i];
			}
		}
	return best;
}

/* ---- kinds ------------------------------------------------------------------------- */

static const struct dlg_emergency *find_emergency(const struct dlg_policy *p, const char *s)
{
	char w[128];
	size_t i, k, n = strlen(s);

	for (i = 0; p && i < p->nemergencies; i++)
		for (k = 0; k < p->emergencies[i].nkeywords; k++) {
			fold_word(p->emergencies[i].keywords[k], w, sizeof(w));
			if (find_word(s, 0, n, w, 1) >= 0)
				return &p->emergencies[i];
		}
	return NULL;
}

static int is_complaint(const char *s)
{
	static const char *const w[] = {"投诉", "举报", "complain", "complaint", NULL};

	return contains_any(s, w);
}

static int is_question(const char *s)
{
	static const char *const w[] = {
	        "吗",     "怎么",     "如何",      "哪",       "几点",   "几号",  "多少",  "什么",
	        "是否",   "能否",     "能不能",    "可不可以", "有没有", "请问",  "多久",  "何时",
	        "啥",     "?",        "how ",      "what",     "when",   "where", "which", "can i ",
	        "do you", "is there", "are there", "does ",    "吗",     NULL};
	size_t i, n = strlen(s);

	for (i = 0; w[i]; i++)
		if (find_word(s, 0, n, w[i], 0) >= 0)
			return 1;
	return 0;
}

/* Words that ask for someone to do something: with a service named, a request. */
static int asks_for_help(const char *s)
{
	static const char *const w[] = {
	        "帮我",       "帮忙",        "麻烦",         "来修",     "上门",   "派人",
	        "派个",       "过来",        "修一下",       "处理一下", "看一下", "看看",
	        "please fix", "can you fix", "send someone", "come and", NULL};

	return contains_any(s, w);
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
		uint32_t c = cp_at(s, n, p, &len);
		int k = 0;

		if (c < 0x80 && !dlg_is_alnum((int)c)) {
			p += len;
			continue;
		}
		if (c >= 0x2000 && (c < 0x3400 || c > 0x9fff) && !(c >= 0xac00 && c <= 0xd7af)) {
			p += len; /* emoji, symbols */
			continue;
		}
		for (i = 0; real[i] && !k; i++)
			if (starts(s, n, p, real[i]) &&
			    !(dlg_is_alpha((unsigned char)real[i][0]) && p + strlen(real[i]) < n &&
			      dlg_is_alpha((unsigned char)s[p + strlen(real[i])]))) {
				k = (int)strlen(real[i]);
				seen = 1;
			}
		for (i = 0; filler[i] && !k; i++)
			if (starts(s, n, p, filler[i]) &&
			    !(dlg_is_alpha((unsigned char)filler[i][0]) &&
			      p + strlen(filler[i]) < n &&
			      dlg_is_alpha((unsigned char)s[p + strlen(filler[i])])))
				k = (int)strlen(filler[i]);
		if (!k)
			return 0;
		p += (size_t)k;
	}
	return seen;
}

static int out_of_scope(const struct dlg_policy *p, const char *s)
{
	char w[128];
	size_t k, n = strlen(s);

	if (!p || !p->out_of_scope)
		return 0;
	for (k = 0; k < p->out_of_scope->nkeywords; k++) {
		fold_word(p->out_of_scope->keywords[k], w, sizeof(w));
		if (find_word(s, 0, n, w, 0) >= 0)
			return 1;
	}
	return 0;
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
		if (starts(s, n, p, joins[i]))
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
	ftext_init(&f, u->description);
	while (a <= f.n) {
		const struct dlg_item *it;

		for (p = a; p < f.n && !(k = split_at(f.s, f.n, p)); p++)
			;
		if (p >= f.n)
			k = 0;
		it = match_item(pol, f.s, a, p);
		if (!u->nparts) {
			u->items[0] = it;
			start[0] = 0;
			end[0] = p;
			u->nparts = 1;
		} else if (!it || !u->items[u->nparts - 1] || u->items[u->nparts - 1] == it ||
		           u->nparts == DLG_MAX_PARTS) {
			for (i = 0; i < u->nparts && u->items[i] != it; i++)
				;
			if (!u->items[u->nparts - 1] && it && i == u->nparts)
				u->items[u->nparts - 1] = it;
			end[u->nparts - 1] = p;
		} else {
			for (i = 0; i < u->nparts && u->items[i] != it; i++)
				;
			if (i < u->nparts) {
				end[u->nparts - 1] = p;
			} else {
				u->items[u->nparts] = it;
				start[u->nparts] = a;
				end[u->nparts] = p;
				u->nparts++;
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
			copy_trimmed(f.orig, orig_at(&f, start[i]), orig_at(&f, end[i]),
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
		if (span_hit(sp, p)) {
			if (!last_space) {
				dlg_sb_add(&b, " ", 1);
				last_space = 1;
			}
			while (p < f->n && span_hit(sp, p))
				p++;
			/* the separators around a removed detail go with it */
			while (p < f->n && (f->s[p] == ' ' || f->s[p] == ',' || f->s[p] == ';'))
				p++;
			continue;
		}
		for (q = p; q < f->n && !span_hit(sp, q); q++)
			;
		dlg_sb_add(&b, f->orig + orig_at(f, p), orig_at(f, q) - orig_at(f, p));
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
	ftext_init(f, text);
	from = skip_prefix(f);

	find_phone(f, u, &sp);
	find_room(f, u, &sp);
	find_name(f, u, &sp);
	find_time(f, now, u, &sp);
	if (!u->room[0] && find_place(f, &a, &b) == 0) {
		a = orig_at(f, a);
		b = orig_at(f, b);
		if (b - a < sizeof(u->room)) {
			memcpy(u->room, f->orig + a, b - a);
			u->room[b - a] = '\0';
			u->shared_place = 1;
		}
	}
	build_description(f, &sp, from, u);

	/* Kinds are judged on the whole message, as folded. */
	question = is_question(f->s + from);
	if ((u->emergency = find_emergency(pol, f->s)) != NULL) {
		u->kind = DLG_K_EMERGENCY;
		buf_copy(u->parts[0], sizeof(u->parts[0]), u->description);
		u->nparts = 1;
		u->items[0] = match_item(pol, f->s, from, f->n);
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
	u->answer = best_answer(pol, f->s + from, &u->score);
	if (u->score < ANSWER_MIN)
		u->answer = NULL;
	split_requests(pol, u);
	if (u->answer && (!u->items[0] || (question && !asks_for_help(f->s + from)))) {
		u->kind = DLG_K_ANSWER;
		return;
	}
	u->answer = NULL;
	if (out_of_scope(pol, f->s + from)) {
		u->kind = DLG_K_OUT_OF_SCOPE;
		return;
	}
	if (!u->items[0] && question && u->nparts == 1) {
		u->kind = DLG_K_QUESTION;
		return;
	}
	u->kind = DLG_K_REQUEST;
}

const char *dlg_kind_name(enum dlg_kind k)
{
	static const char *const names[] = {"request",  "emergency", "complaint",   "answer",
	                                    "question", "greeting",  "out_of_scope"};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}
