/*
 * understand_slots.c - the details a first message already holds: a phone
 * number, a room or a shared place ("5栋2单元楼道", "地下车库"), a name
 * ("我姓陈", "王先生") and a time with its window. Each finder marks the
 * bytes it took, so they stay out of the description.
 */
#include "dialogs/understand_internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/utf8.h"
#include "dialogs/validate_internal.h"

static void span_add(struct spans *sp, size_t a, size_t b)
{
	if (sp->n < 8 && b > a) {
		sp->a[sp->n] = a;
		sp->b[sp->n] = b;
		sp->n++;
	}
}

int dlg_span_hit(const struct spans *sp, size_t p)
{
	int i;

	for (i = 0; i < sp->n; i++)
		if (p >= sp->a[i] && p < sp->b[i])
			return 1;
	return 0;
}

/* Copies S[A..B) into TOK (64 bytes) as a string; -1 when it is empty or too long. */
static int cut(const char *s, size_t a, size_t b, char tok[64])
{
	if (b <= a || b - a >= 64)
		return -1;
	memcpy(tok, s + a, b - a);
	tok[b - a] = '\0';
	return 0;
}

void dlg_find_phone(const struct ftext *f, struct dlg_understood *u, struct spans *sp)
{
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

			if (cut(s, p, q, tok) == 0 &&
			    dlg_norm_phone(tok, u->phone, sizeof(u->phone)) == 0) {
				span_add(sp, dlg_label_before(s, p, DLG_LABEL_PHONE), q);
				return;
			}
			while (e < q && s[e] != ' ')
				e++;
			if (cut(s, r, e, tok) == 0 &&
			    dlg_norm_phone(tok, u->phone, sizeof(u->phone)) == 0) {
				span_add(sp, dlg_label_before(s, r, DLG_LABEL_PHONE), e);
				return;
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
		if (dlg_starts(s, n, p, marks[i]))
			return strlen(marks[i]);
	return 0;
}

void dlg_find_room(const struct ftext *f, struct dlg_understood *u, struct spans *sp)
{
	const char *s = f->s;
	size_t n = f->n, p, q, k;
	char tok[64];

	for (p = 0; p < n; p++) {
		int letter = dlg_is_alpha((unsigned char)s[p]);

		if (dlg_span_hit(sp, p) || !(dlg_is_dig((unsigned char)s[p]) || letter) ||
		    (p > 0 && dlg_is_alnum((unsigned char)s[p - 1])))
			continue;
		if (letter && (p + 1 >= n || dlg_is_alpha((unsigned char)s[p + 1])))
			continue;
		q = p + 1;
		while (q < n && !dlg_span_hit(sp, q) && (k = room_mark(s, n, q)) > 0)
			q += k;
		/* Shorter and shorter, so "5栋2单元楼道" is not a room but "3栋2单元501室的" is. */
		while (q > p + 2) {
			while (q > p && s[q - 1] == ' ')
				q--;
			if (cut(s, p, q, tok) == 0 &&
			    dlg_norm_room(tok, u->room, sizeof(u->room)) == 0) {
				span_add(sp, dlg_label_before(s, p, DLG_LABEL_ROOM), q);
				return;
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
int dlg_is_place_word(const char *w)
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
			if (dlg_starts(s, p, q, marks[i]))
				break;
		if (!marks[i])
			break;
		p = q;
	}
	return p;
}

int dlg_find_place(const struct ftext *f, size_t *a, size_t *b)
{
	size_t p;
	int i;

	for (p = 0; p < f->n; p++) {
		for (i = 0; places[i]; i++)
			if (dlg_starts(f->s, f->n, p, places[i])) {
				*a = place_start(f->s, p);
				*b = p + strlen(places[i]);
				return 0;
			}
		for (i = 0; building_places[i]; i++)
			if (dlg_starts(f->s, f->n, p, building_places[i])) {
				*a = place_start(f->s, p);
				*b = p + strlen(building_places[i]);
				/* "楼道" alone: which building? */
				if (*a < p && dlg_is_alnum((unsigned char)f->s[*a]))
					return 0;
			}
	}
	return -1;
}

/*
 * The length of a building said on its own at P ("6栋1单元", "3号楼", "A座"),
 * or 0. A bare "5楼" is a floor and "3号" a date: neither names a building.
 */
static size_t building_len(const char *s, size_t n, size_t p)
{
	static const char *const marks[] = {"号楼", "栋", "幢", "座", "单元", NULL};
	size_t q = p, r, k;
	int i;

	if (p > 0 && dlg_is_alnum((unsigned char)s[p - 1]))
		return 0;
	for (;;) {
		for (r = q; r < n && dlg_is_alnum((unsigned char)s[r]); r++)
			;
		if (r == q || r - q > 4)
			break;
		for (k = 0, i = 0; !k && marks[i]; i++)
			if (dlg_starts(s, n, r, marks[i]))
				k = strlen(marks[i]);
		if (!k)
			break;
		q = r + k;
	}
	/* "6栋1单元501" is a room, not a building. */
	return q > p && !(q < n && dlg_is_alnum((unsigned char)s[q])) ? q - p : 0;
}

int dlg_find_place_apart(const struct ftext *f, struct spans *sp, char *out, size_t outlen)
{
	size_t p, q, k = 0, len = 0, ba, bb, pa, pb;
	int i;

	for (p = 0; p < f->n; p++) {
		for (i = 0; !len && building_places[i]; i++)
			if (dlg_starts(f->s, f->n, p, building_places[i]))
				len = strlen(building_places[i]);
		if (len)
			break;
	}
	if (!len)
		return -1;
	for (q = 0; q < f->n; q++)
		if (!dlg_span_hit(sp, q) && (q < p || q >= p + len) &&
		    (k = building_len(f->s, f->n, q)) > 0)
			break;
	if (!k)
		return -1;
	ba = dlg_orig_at(f, q);
	bb = dlg_orig_at(f, q + k);
	pa = dlg_orig_at(f, p);
	pb = dlg_orig_at(f, p + len);
	if ((bb - ba) + (pb - pa) + 1 > outlen)
		return -1;
	memcpy(out, f->orig + ba, bb - ba);
	memcpy(out + (bb - ba), f->orig + pa, pb - pa);
	out[(bb - ba) + (pb - pa)] = '\0';
	span_add(sp, q, q + k);
	return 0;
}

int dlg_shared_place(const char *text, char *out, size_t outlen)
{
	struct ftext f;
	size_t a, b;

	dlg_ftext_init(&f, text);
	if (dlg_find_place(&f, &a, &b) < 0)
		return -1;
	a = dlg_orig_at(&f, a);
	b = dlg_orig_at(&f, b);
	if (b - a + 1 > outlen)
		return -1;
	memcpy(out, f.orig + a, b - a);
	out[b - a] = '\0';
	return 0;
}

/* One CJK character (a surname) before "先生"... */
void dlg_find_name(const struct ftext *f, struct dlg_understood *u, struct spans *sp)
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
			if (dlg_starts(s, n, p, intro[i])) {
				q = p + strlen(intro[i]);
				if (!dlg_is_cjk_at(s, n, q))
					continue;
				dlg_cp_at(s, n, q, &len);
				snprintf(u->name, sizeof(u->name), "%.*s先生/女士", (int)len,
				         f->orig + dlg_orig_at(f, q));
				e = q + len;
				for (j = 0; titles[j]; j++)
					if (dlg_starts(s, n, e, titles[j])) {
						snprintf(u->name, sizeof(u->name), "%.*s%s",
						         (int)len, f->orig + dlg_orig_at(f, q),
						         titles[j]);
						e += strlen(titles[j]);
					}
				span_add(sp, p, e);
				return;
			}
		for (i = 0; called[i]; i++)
			if (dlg_starts(s, n, p, called[i])) {
				q = p + strlen(called[i]);
				while (q < n && s[q] == ' ')
					q++;
				for (e = q, c = 0; c < 4 && dlg_is_cjk_at(s, n, e); c++) {
					dlg_cp_at(s, n, e, &len);
					e += len;
				}
				if (c < 2 || c > 3)
					continue;
				snprintf(u->name, sizeof(u->name), "%.*s",
				         (int)(dlg_orig_at(f, e) - dlg_orig_at(f, q)),
				         f->orig + dlg_orig_at(f, q));
				span_add(sp, p, e);
				return;
			}
		if (dlg_starts(s, n, p, "my name is ") || dlg_starts(s, n, p, "name: ")) {
			q = p + (s[p] == 'm' ? 11 : 6);
			for (e = q; e < n && (dlg_is_alpha((unsigned char)s[e]) || s[e] == ' ');
			     e++)
				;
			while (e > q && s[e - 1] == ' ')
				e--;
			if (e > q) {
				snprintf(u->name, sizeof(u->name), "%.*s",
				         (int)(dlg_orig_at(f, e) - dlg_orig_at(f, q)),
				         f->orig + dlg_orig_at(f, q));
				span_add(sp, p, e);
				return;
			}
		}
		for (i = 0; titles[i]; i++) {
			if (!dlg_starts(s, n, p, titles[i]) || p == 0)
				continue;
			q = utf8_prev(s, p);
			if (!dlg_is_cjk_at(s, n, q))
				continue;
			for (j = 0; stop[j]; j++)
				if (dlg_starts(s, n, q, stop[j]))
					break;
			if (stop[j])
				continue;
			e = p + strlen(titles[i]);
			snprintf(u->name, sizeof(u->name), "%.*s",
			         (int)(dlg_orig_at(f, e) - dlg_orig_at(f, q)),
			         f->orig + dlg_orig_at(f, q));
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
	if (p < n && s[p] == ' ' && p + 1 < n && !dlg_is_cjk_at(s, n, p + 1))
		return 1;
	for (i = 0; time_more[i]; i++)
		if (dlg_starts(s, n, p, time_more[i]))
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
	return dlg_starts(s, n, q, "点") || dlg_starts(s, n, q, "am") ||
	       dlg_starts(s, n, q, "pm") || dlg_starts(s, n, q, " am") ||
	       dlg_starts(s, n, q, " pm") || dlg_starts(s, n, q, "月") ||
	       (s[q] == ':' && q + 2 < n && dlg_is_dig((unsigned char)s[q + 1]));
}

int dlg_time_is_past(const char *text)
{
	static const char *const w[] = {"昨天", "前天",      "昨晚",      "上周", "上个月",
	                                "去年", "yesterday", "last week", NULL};
	struct ftext f;

	dlg_ftext_init(&f, text);
	return dlg_contains_any(f.s, w);
}

void dlg_find_time(const struct ftext *f, int64_t now, struct dlg_understood *u, struct spans *sp)
{
	static const char *const past[] = {"昨天", "前天", "昨晚", "yesterday", NULL};
	static const char *const after[] = {"过来", "上门", "前来", "来", NULL};
	const char *s = f->s;
	size_t n = f->n, p, q, k;
	int i;

	for (p = 0; p < n; p++) {
		int hit = 0;

		if (dlg_span_hit(sp, p))
			continue;
		for (i = 0; past[i]; i++)
			if (dlg_starts(s, n, p, past[i]))
				u->time_past = 1;
		for (i = 0; time_start[i] && !hit; i++)
			hit = dlg_starts(s, n, p, time_start[i]);
		if (!hit && !clock_start(s, n, p))
			continue;
		for (q = p; q < n && !dlg_span_hit(sp, q) && (k = time_token(s, n, q)) > 0;)
			q += k;
		while (q > p && (s[q - 1] == ' ' || s[q - 1] == '-' || s[q - 1] == ':'))
			q--;
		{
			size_t a = dlg_orig_at(f, p), b = dlg_orig_at(f, q);
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
			if (dlg_starts(s, n, q, after[i])) {
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
	dlg_ftext_init(&f, text);
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
