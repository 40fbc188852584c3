/*
 * when.c - reads a preferred time out of what a resident typed: "明天下午3点",
 * "周六上午", "tomorrow 9am", "2026-11-28 15:00", "尽快" and the like; see
 * dlg_parse_time() in validate.h.
 *
 * The text is folded and lower-cased, then read left to right: each position
 * is tried as a time word (a day, a part of the day, a weekday, "as soon as
 * possible"), then as a number with what follows it (a clock time, a date, a
 * count of hours or days). Every piece fills one field of a struct tparse,
 * and a field given twice with different values marks the answer ambiguous.
 * Only at the end are the fields resolved against NOW in the process time
 * zone; any doubt gives no timestamp rather than a wrong one, since the text
 * itself is always kept for the staff to read.
 */
#include "dialogs/validate_internal.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "lib/utf8.h"

#define TIME_MAX_CP 100 /* longer answers are not a time but a story */

enum { PT_NONE, PT_EARLY, PT_MORN, PT_NOON, PT_AFT, PT_DUSK, PT_EVE };
enum { TW_IMM, TW_DAY, TW_PART, TW_DAYPART, TW_WEEK, TW_NEXTWEEK, TW_WDAY, TW_REL };

static const struct tword {
	const char *w;
	unsigned char kind, val, part;
} time_words[] = {
        {"越快越好", TW_IMM, 0, 0},
        {"尽快", TW_IMM, 0, 0},
        {"尽早", TW_IMM, 0, 0},
        {"马上", TW_IMM, 0, 0},
        {"立刻", TW_IMM, 0, 0},
        {"立即", TW_IMM, 0, 0},
        {"现在", TW_IMM, 0, 0},
        {"随时", TW_IMM, 0, 0},
        {"as soon as possible", TW_IMM, 0, 0},
        {"asap", TW_IMM, 0, 0},
        {"right now", TW_IMM, 0, 0},
        {"right away", TW_IMM, 0, 0},
        {"immediately", TW_IMM, 0, 0},
        {"now", TW_IMM, 0, 0},
        {"anytime", TW_IMM, 0, 0},
        {"any time", TW_IMM, 0, 0},
        {"大后天", TW_DAY, 3, 0},
        {"后天", TW_DAY, 2, 0},
        {"今天", TW_DAY, 0, 0},
        {"今日", TW_DAY, 0, 0},
        {"明天", TW_DAY, 1, 0},
        {"明日", TW_DAY, 1, 0},
        {"day after tomorrow", TW_DAY, 2, 0},
        {"tomorrow", TW_DAY, 1, 0},
        {"tmrw", TW_DAY, 1, 0},
        {"tmr", TW_DAY, 1, 0},
        {"today", TW_DAY, 0, 0},
        {"今晚", TW_DAYPART, 0, PT_EVE},
        {"今早", TW_DAYPART, 0, PT_MORN},
        {"明早", TW_DAYPART, 1, PT_MORN},
        {"明晚", TW_DAYPART, 1, PT_EVE},
        {"tonight", TW_DAYPART, 0, PT_EVE},
        {"上午", TW_PART, 0, PT_MORN},
        {"早上", TW_PART, 0, PT_MORN},
        {"早晨", TW_PART, 0, PT_MORN},
        {"清晨", TW_PART, 0, PT_MORN},
        {"中午", TW_PART, 0, PT_NOON},
        {"下午", TW_PART, 0, PT_AFT},
        {"午后", TW_PART, 0, PT_AFT},
        {"傍晚", TW_PART, 0, PT_DUSK},
        {"晚上", TW_PART, 0, PT_EVE},
        {"夜里", TW_PART, 0, PT_EVE},
        {"凌晨", TW_PART, 0, PT_EARLY},
        {"morning", TW_PART, 0, PT_MORN},
        {"noon", TW_PART, 0, PT_NOON},
        {"midday", TW_PART, 0, PT_NOON},
        {"afternoon", TW_PART, 0, PT_AFT},
        {"evening", TW_PART, 0, PT_EVE},
        {"night", TW_PART, 0, PT_EVE},
        {"下个星期", TW_NEXTWEEK, 0, 0},
        {"下个礼拜", TW_NEXTWEEK, 0, 0},
        {"下星期", TW_NEXTWEEK, 0, 0},
        {"下礼拜", TW_NEXTWEEK, 0, 0},
        {"下周", TW_NEXTWEEK, 0, 0},
        {"星期", TW_WEEK, 0, 0},
        {"礼拜", TW_WEEK, 0, 0},
        {"周", TW_WEEK, 0, 0},
        {"monday", TW_WDAY, 0, 0},
        {"tuesday", TW_WDAY, 1, 0},
        {"wednesday", TW_WDAY, 2, 0},
        {"thursday", TW_WDAY, 3, 0},
        {"friday", TW_WDAY, 4, 0},
        {"saturday", TW_WDAY, 5, 0},
        {"sunday", TW_WDAY, 6, 0},
        {"mon", TW_WDAY, 0, 0},
        {"tue", TW_WDAY, 1, 0},
        {"tues", TW_WDAY, 1, 0},
        {"wed", TW_WDAY, 2, 0},
        {"thu", TW_WDAY, 3, 0},
        {"thur", TW_WDAY, 3, 0},
        {"thurs", TW_WDAY, 3, 0},
        {"fri", TW_WDAY, 4, 0},
        {"sat", TW_WDAY, 5, 0},
        {"sun", TW_WDAY, 6, 0},
        {"半个小时后", TW_REL, 30, 0},
        {"半小时后", TW_REL, 30, 0},
        {"in half an hour", TW_REL, 30, 0},
};

static const char *const cn_digits[] = {"零", "一", "二", "三", "四", "五", "六",
                                        "七", "八", "九", "十", "两", "〇"};
static const int cn_values[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 2, 0};

struct tparse {
	int imm, day, wday, wnext, year, mon, mday, part, hour, min, ampm, bare;
	long rel;
	int bad; /* two answers to one question, or an impossible value */
};

/* Nothing said yet: -1 where 0 is a real answer (today, Monday, midnight). */
static const struct tparse tp_none = {
        .day = -1, .wday = -1, .year = -1, .mon = -1, .mday = -1, .hour = -1, .min = -1, .rel = -1};

static void tp_set(int *field, int v, int *bad)
{
	if (*field >= 0 && *field != v)
		*bad = 1;
	*field = v;
}

/* For fields where 0 means not given (part of day, am/pm). */
static void tp_set0(int *field, int v, int *bad)
{
	if (*field && *field != v)
		*bad = 1;
	*field = v;
}

static size_t cn_digit(const char *s, size_t n, size_t p, int *v)
{
	size_t i;

	for (i = 0; i < sizeof(cn_digits) / sizeof(cn_digits[0]); i++)
		if (dlg_has(s, n, p, cn_digits[i])) {
			*v = cn_values[i];
			return 3;
		}
	return 0;
}

/* Reads an ASCII or Chinese numeral at P; returns its length, 0 if none. */
static size_t read_num(const char *s, size_t n, size_t p, int *val, int *nd, int *cn)
{
	size_t q = p, k;
	int v = 0, cur = -1, d;

	*cn = 0;
	if (p < n && dlg_is_dig((unsigned char)s[p])) {
		while (q < n && dlg_is_dig((unsigned char)s[q])) {
			if (q - p < 6)
				v = v * 10 + (s[q] - '0');
			q++;
		}
		*nd = (int)(q - p);
		*val = q - p > 4 ? -1 : v;
		return q - p;
	}
	while ((k = cn_digit(s, n, q, &d)) != 0 && q - p < 18) {
		if (d == 10) {
			v += (cur < 0 ? 1 : cur) * 10;
			cur = -1;
		} else {
			cur = cur < 0 ? d : cur * 10 + d;
		}
		q += k;
	}
	if (q == p)
		return 0;
	*val = v + (cur < 0 ? 0 : cur);
	*nd = (int)((q - p) / 3);
	*cn = 1;
	return q - p;
}

static size_t eat_ampm(const char *s, size_t n, size_t p, int *ampm)
{
	size_t q = dlg_skip_spaces(s, n, p), k;

	if ((k = dlg_has_word(s, n, q, "am")) || (k = dlg_has(s, n, q, "a.m.")))
		*ampm = 'a';
	else if ((k = dlg_has_word(s, n, q, "pm")) || (k = dlg_has(s, n, q, "p.m.")))
		*ampm = 'p';
	else
		return p;
	return q + k;
}

static size_t eat_any(const char *s, size_t n, size_t p, const char *const *w, size_t nw)
{
	size_t i;

	for (i = 0; i < nw; i++) {
		size_t k = dlg_has(s, n, p, w[i]);

		if (k)
			return p + k;
	}
	return p;
}

static size_t time_number(const char *s, size_t n, size_t p, struct tparse *t);

/* "3-5点", "3点到5点", "2:30-4pm": a range means its start; the end is read and dropped. */
static size_t range_tail(const char *s, size_t n, size_t p, struct tparse *t)
{
	static const char *const seps[] = {"-", "~", "到", "至"};
	struct tparse end = tp_none;
	size_t q = dlg_skip_spaces(s, n, p), r;

	r = eat_any(s, n, q, seps, 4);
	if (r == q)
		return p;
	r = dlg_skip_spaces(s, n, r);
	q = time_number(s, n, r, &end);
	if (end.hour < 0 || end.bad)
		return p;
	if (!t->ampm)
		t->ampm = end.ampm;
	return q;
}

static void set_hour(struct tparse *t, int h, int m, int bare)
{
	tp_set(&t->hour, h, &t->bad);
	tp_set(&t->min, m, &t->bad);
	t->bare = bare;
}

/* A number in a time text and what follows it; returns where parsing goes on. */
static size_t time_number(const char *s, size_t n, size_t p, struct tparse *t)
{
	static const char *const hour_units[] = {"点钟", "点", "點", "时", "時"};
	static const char *const day_units[] = {"日", "号"};
	static const char *const date_seps[] = {"-", "/", ".", "年"};
	static const char *const mon_seps[] = {"-", "/", ".", "月"};
	int v, nd, cn, v2, nd2, cn2, m = 0, am = 0;
	size_t q, r, k;

	k = read_num(s, n, p, &v, &nd, &cn);
	if (!k)
		return p;
	q = p + k;
	if (v < 0)
		return q;

	/* Full date: 2026-11-28, 2026/11/28, 2026年11月28日. */
	if (nd == 4 && (r = eat_any(s, n, q, date_seps, 4)) != q) {
		int mo = -1, d = -1;
		size_t r2 = r;

		k = read_num(s, n, r, &mo, &nd2, &cn2);
		if (k)
			r2 = eat_any(s, n, r + k, mon_seps, 4);
		if (k && r2 != r + k && (k = read_num(s, n, r2, &d, &nd2, &cn2)) != 0 && mo >= 0 &&
		    d >= 0) {
			tp_set(&t->year, v, &t->bad);
			tp_set(&t->mon, mo, &t->bad);
			tp_set(&t->mday, d, &t->bad);
			return eat_any(s, n, r2 + k, day_units, 2);
		}
	}
	/* 11月28日 */
	if ((r = dlg_has(s, n, q, "月")) != 0) {
		r += q;
		k = read_num(s, n, r, &v2, &nd2, &cn2);
		if (k && v2 >= 0) {
			tp_set(&t->mon, v, &t->bad);
			tp_set(&t->mday, v2, &t->bad);
			return eat_any(s, n, r + k, day_units, 2);
		}
		return r;
	}
	/* 28号, but not 7号楼 */
	if ((r = eat_any(s, n, q, day_units, 2)) != q && !dlg_has(s, n, r, "楼")) {
		tp_set(&t->mday, v, &t->bad);
		return r;
	}
	/* 2小时后, in 30 minutes */
	r = dlg_skip_spaces(s, n, q);
	r = dlg_has(s, n, r, "个") ? r + 3 : r;
	if ((k = dlg_has(s, n, r, "小时")) || (k = dlg_has(s, n, r, "钟头")) ||
	    (k = dlg_has_word(s, n, r, "hours")) || (k = dlg_has_word(s, n, r, "hour")) ||
	    (k = dlg_has_word(s, n, r, "hrs")) || (k = dlg_has_word(s, n, r, "hr"))) {
		t->rel = t->rel < 0 ? (long)v * 3600 : (t->bad = 1, 0);
		return r + k;
	}
	if ((k = dlg_has(s, n, r, "分钟")) || (k = dlg_has_word(s, n, r, "minutes")) ||
	    (k = dlg_has_word(s, n, r, "minute")) || (k = dlg_has_word(s, n, r, "mins")) ||
	    (k = dlg_has_word(s, n, r, "min"))) {
		t->rel = t->rel < 0 ? (long)v * 60 : (t->bad = 1, 0);
		return r + k;
	}
	if ((k = dlg_has(s, n, r, "天后")) || (k = dlg_has(s, n, r, "天以后")) ||
	    (k = dlg_has(s, n, r, "天之后")) || (k = dlg_has_word(s, n, r, "days"))) {
		tp_set(&t->day, v, &t->bad);
		return r + k;
	}
	/* 15:00, 2:30pm */
	if (!cn && q + 2 < n && s[q] == ':' && dlg_is_dig((unsigned char)s[q + 1]) &&
	    dlg_is_dig((unsigned char)s[q + 2]) &&
	    !(q + 3 < n && dlg_is_dig((unsigned char)s[q + 3]))) {
		m = (s[q + 1] - '0') * 10 + (s[q + 2] - '0');
		r = eat_ampm(s, n, q + 3, &am);
		set_hour(t, v, m, nd == 1 && !am);
		if (am)
			tp_set0(&t->ampm, am, &t->bad);
		return range_tail(s, n, r, t);
	}
	/* 3点, 三点半, 十点一刻, 3点15分 */
	if ((r = eat_any(s, n, q, hour_units, 5)) != q) {
		/* "快一点" is "a bit faster", not one o'clock. */
		if (cn && v == 1 && nd == 1 && t->part == PT_NONE && t->day < 0 && t->wday < 0)
			return r;
		if ((k = dlg_has(s, n, r, "半")))
			m = 30, r += k;
		else if ((k = dlg_has(s, n, r, "一刻")))
			m = 15, r += k;
		else if ((k = dlg_has(s, n, r, "三刻")))
			m = 45, r += k;
		else if ((k = dlg_has(s, n, r, "整")))
			r += k;
		else if ((k = read_num(s, n, r, &v2, &nd2, &cn2)) && nd2 <= 3 && v2 >= 0 && v2 < 60)
			m = v2, r += k, r += dlg_has(s, n, r, "分");
		r = eat_ampm(s, n, r, &am);
		set_hour(t, v, m, !am);
		if (am)
			tp_set0(&t->ampm, am, &t->bad);
		return range_tail(s, n, r, t);
	}
	/* 9am, 3 pm, 9 o'clock */
	if (!cn && (r = eat_ampm(s, n, q, &am)) != q) {
		set_hour(t, v, 0, 0);
		tp_set0(&t->ampm, am, &t->bad);
		return r;
	}
	if (!cn && (k = dlg_has(s, n, dlg_skip_spaces(s, n, q), "o'clock"))) {
		set_hour(t, v, 0, 1);
		return dlg_skip_spaces(s, n, q) + k;
	}
	/* 3-5pm */
	if ((r = range_tail(s, n, q, t)) != q) {
		set_hour(t, v, 0, !t->ampm);
		return r;
	}
	/* 11-28, 11/28 */
	if (!cn && nd <= 2 && q + 1 < n && (s[q] == '-' || s[q] == '/') &&
	    (k = read_num(s, n, q + 1, &v2, &nd2, &cn2)) && !cn2 && nd2 <= 2 &&
	    !(q + 1 + k < n && strchr(":.-/", s[q + 1 + k]))) {
		tp_set(&t->mon, v, &t->bad);
		tp_set(&t->mday, v2, &t->bad);
		return q + 1 + k;
	}
	return q; /* a bare number says nothing about time */
}

static size_t time_word(const char *s, size_t n, size_t p, struct tparse *t)
{
	static const char *const wd[] = {"一", "二", "三", "四", "五", "六", "日", "天"};
	size_t i, j;

	for (i = 0; i < sizeof(time_words) / sizeof(time_words[0]); i++) {
		const struct tword *w = &time_words[i];
		size_t k = dlg_has_word(s, n, p, w->w);

		if (!k)
			continue;
		switch (w->kind) {
		case TW_IMM:
			t->imm = 1;
			break;
		case TW_DAYPART:
			tp_set0(&t->part, w->part, &t->bad);
			/* fall through */
		case TW_DAY:
			tp_set(&t->day, w->val, &t->bad);
			break;
		case TW_PART:
			tp_set0(&t->part, w->part, &t->bad);
			break;
		case TW_WDAY:
			tp_set(&t->wday, w->val, &t->bad);
			break;
		case TW_REL:
			t->rel = t->rel < 0 ? (long)w->val * 60 : (t->bad = 1, 0);
			break;
		case TW_WEEK:
		case TW_NEXTWEEK:
			for (j = 0; j < 8; j++)
				if (dlg_has(s, n, p + k, wd[j]))
					break;
			if (j == 8 && p + k < n && s[p + k] >= '1' && s[p + k] <= '7') {
				j = (size_t)(s[p + k] - '1');
				k += 1;
			} else if (j == 8) {
				return p + k; /* 周末, 一周: no day named */
			} else {
				k += 3;
			}
			tp_set(&t->wday, j > 6 ? 6 : (int)j, &t->bad);
			t->wnext = w->kind == TW_NEXTWEEK;
			break;
		}
		return p + k;
	}
	return p;
}

static time_t time_resolve(const struct tparse *t, time_t now)
{
	struct tm tm, res;
	int anyday, anytime, h, m, days = 0, today = 0;
	time_t at;

	anyday = (t->day >= 0) + (t->wday >= 0) + (t->mon >= 0 || t->mday >= 0);
	anytime = t->hour >= 0 || t->part != PT_NONE;
	if (t->bad || anyday > 1)
		return 0;
	if (t->rel >= 0)
		return (anyday || anytime) ? 0 : now + t->rel;
	if (!anyday && !anytime)
		return t->imm ? now : 0;
	if (!localtime_r(&now, &tm))
		return 0;
	if (t->day >= 0) {
		days = t->day;
	} else if (t->wday >= 0) {
		int cur = (tm.tm_wday + 6) % 7; /* Monday first, as Chinese weeks are */

		days = t->wnext ? 7 - cur + t->wday : (t->wday - cur + 7) % 7;
		today = days == 0;
	} else if (t->mon >= 0) {
		if (t->mon < 1 || t->mon > 12 || t->mday < 1 || t->mday > 31)
			return 0;
		if (t->year >= 0 && (t->year < tm.tm_year + 1900 || t->year > tm.tm_year + 1901))
			return 0; /* not this year or the next: a slip (0133-3-8), not a visit */
		if (t->year >= 0)
			tm.tm_year = t->year - 1900;
		else if (t->mon - 1 < tm.tm_mon ||
		         (t->mon - 1 == tm.tm_mon && t->mday < tm.tm_mday))
			tm.tm_year++;
		tm.tm_mon = t->mon - 1;
		tm.tm_mday = t->mday;
	} else if (t->mday >= 0) {
		if (t->mday < 1 || t->mday > 31)
			return 0;
		if (t->mday < tm.tm_mday)
			tm.tm_mon++;
		tm.tm_mday = t->mday;
	}
	tm.tm_mday += days;

	h = t->hour;
	m = t->min < 0 ? 0 : t->min;
	if (h >= 0) {
		if (t->ampm) {
			if (h < 1 || h > 12)
				return 0;
			h = t->ampm == 'p' ? (h % 12) + 12 : h % 12;
		} else if ((t->part == PT_AFT || t->part == PT_DUSK || t->part == PT_EVE) &&
		           h < 12) {
			h += 12;
		} else if (t->part == PT_EVE && h == 12) {
			h = 24; /* 晚上12点 is midnight */
		} else if (t->part == PT_NOON && h < 6) {
			h += 12;
		} else if (t->part == PT_NONE && t->bare && h >= 1 && h <= 6) {
			h += 12; /* nobody books a plumber for 3 a.m. */
		}
	} else {
		static const int dflt[] = {9, -1, 9, 12, 14, 18, 19};

		h = dflt[t->part];
		if (h < 0)
			return 0;
	}
	if (h > 24 || m > 59 || (h == 24 && m > 0))
		return 0;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	res = tm;
	at = mktime(&res);
	if (at == (time_t)-1)
		return 0;
	if (t->mon >= 0 || t->mday >= 0) {
		/* mktime turns 2月30日 into March: refuse instead. */
		struct tm chk = tm;

		chk.tm_hour = 12;
		chk.tm_min = 0;
		chk.tm_isdst = -1;
		if (mktime(&chk) == (time_t)-1 || chk.tm_mday != t->mday)
			return 0;
	}
	if (t->day == 0 && at < now)
		return now; /* "today" said at 10:00 means as soon as possible, not 09:00 */
	if ((!anyday && at < now) || (today && at < now)) {
		tm.tm_mday += today ? 7 : 1;
		tm.tm_isdst = -1;
		at = mktime(&tm);
		if (at == (time_t)-1)
			return 0;
	}
	return at;
}

int dlg_parse_time(const char *in, time_t now, char *out, size_t outlen, time_t *at)
{
	char f[TIME_MAX_CP * 4 + 8], s[sizeof(f)];
	struct tparse t = tp_none;
	struct dlg_sbuf b;
	size_t n, p, i;
	int rc;

	if (at)
		*at = 0;
	rc = dlg_fold_field(in, TIME_MAX_CP, f, sizeof(f), out, outlen);
	if (rc)
		return rc;
	dlg_sb_init(&b, out, outlen);
	dlg_sb_str(&b, f);
	if (dlg_sb_end(&b))
		return DLG_E_SPACE;
	n = strlen(f);
	for (i = 0; i <= n; i++)
		s[i] = (char)dlg_lower((unsigned char)f[i]);

	p = 0;
	while (p < n) {
		uint32_t c;
		size_t q = time_word(s, n, p, &t);

		if (q == p)
			q = time_number(s, n, p, &t);
		if (q == p && dlg_is_alpha((unsigned char)s[p]))
			while (q < n && dlg_is_alpha((unsigned char)s[q]))
				q++;
		if (q == p)
			q = p + utf8_next(s + p, n - p, &c);
		p = q;
	}
	if (at)
		*at = time_resolve(&t, now);
	return 0;
}
