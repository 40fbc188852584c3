/*
 * validate.c - turns what a resident typed into the one form the order register
 * stores: rooms, phone numbers, preferred times, descriptions and names, and
 * picks those details out of a free first message.
 *
 * Residents type on phones with Chinese input methods, so digits arrive
 * full-width, spaces ideographic and dashes as any of five code points. Every
 * entry point therefore folds first and parses the folded text with explicit
 * lengths. Character classes are ASCII-only on purpose: the locale of a
 * server process says nothing about what a resident typed.
 */
#include "dialogs/validate.h"

#include <stdint.h>
#include <string.h>

#define U8_BAD      0xFFFFFFFFu /* an invalid byte, counted as one character */
#define CP_DROP     0xFFFFFFFEu /* a code point fold leaves out */
#define TIME_MAX_CP 100

/* ---- bytes and code points ---- */

static int is_dig(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(int c)
{
	return is_dig(c) || is_alpha(c);
}

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Decodes one code point of the N bytes at S (N > 0); returns its length. */
static size_t u8_next(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c = u[0], min;
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2, c &= 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3, c &= 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		*cp = U8_BAD;
		return 1;
	}
	if (len > n)
		goto bad;
	for (i = 1; i < len; i++) {
		if ((u[i] & 0xC0) != 0x80)
			goto bad;
		c = (c << 6) | (u[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		goto bad;
	*cp = c;
	return len;
bad:
	*cp = U8_BAD;
	return 1;
}

static size_t u8_put(uint32_t c, char *b)
{
	if (c < 0x80) {
		b[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		b[0] = (char)(0xC0 | (c >> 6));
		b[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		b[0] = (char)(0xE0 | (c >> 12));
		b[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		b[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	b[0] = (char)(0xF0 | (c >> 18));
	b[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	b[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	b[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

size_t dlg_utf8_len(const char *s)
{
	size_t n, p = 0, count = 0;
	uint32_t c;

	if (!s)
		return 0;
	n = strlen(s);
	while (p < n) {
		p += u8_next(s + p, n - p, &c);
		count++;
	}
	return count;
}

/*
 * An output buffer that never overflows: pieces are added whole or not at
 * all, so a cut always falls on a character boundary and OUT stays valid
 * UTF-8 and NUL-terminated.
 */
struct sbuf {
	char *p;
	size_t cap;
	size_t len;
	int full;
};

static void sb_init(struct sbuf *b, char *p, size_t cap)
{
	b->p = p;
	b->cap = p ? cap : 0;
	b->len = 0;
	b->full = 0;
	if (b->cap)
		p[0] = '\0';
}

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->full || b->cap == 0 || n >= b->cap - b->len) {
		b->full = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* ---- folding ---- */

static uint32_t fold_cp(uint32_t c)
{
	if (c == U8_BAD)
		return 0xFFFD; /* jansson and SQLite text want valid UTF-8 */
	if (c >= 0xFF01 && c <= 0xFF5E)
		return c - 0xFEE0;
	if (c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xA0 || c == 0x1680 ||
	    (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
	    c == 0x205F || c == 0x3000)
		return ' ';
	if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0xFE58 || c == 0xFE63)
		return '-';
	/* Invisible characters that input methods and copy-paste leave behind. */
	if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == 0x200B || c == 0x2060 ||
	    c == 0xFEFF)
		return CP_DROP;
	return c;
}

/* Folds N bytes at IN into B; *NCP gets the folded length in code points even when B is full. */
static int fold_n(const char *in, size_t n, struct sbuf *b, size_t *ncp)
{
	size_t p = 0, count = 0;
	int gap = 0;
	uint32_t c;
	char enc[4];

	while (p < n) {
		p += u8_next(in + p, n - p, &c);
		c = fold_cp(c);
		if (c == CP_DROP)
			continue;
		if (c == ' ') {
			gap = count > 0;
			continue;
		}
		if (gap) {
			sb_add(b, " ", 1);
			count++;
			gap = 0;
		}
		sb_add(b, enc, u8_put(c, enc));
		count++;
	}
	if (ncp)
		*ncp = count;
	return b->full ? DLG_E_SPACE : 0;
}

int dlg_fold(const char *in, char *out, size_t outlen)
{
	struct sbuf b;

	if (!out || outlen == 0)
		return DLG_E_SPACE;
	sb_init(&b, out, outlen);
	if (!in)
		return 0;
	return fold_n(in, strlen(in), &b, NULL);
}

/* Folds IN into OUT for a validator; returns DLG_E_SPACE or 0 with the length in code points. */
static int fold_for(const char *in, char *out, size_t outlen, size_t *ncp)
{
	struct sbuf b;

	*ncp = 0;
	sb_init(&b, out, outlen);
	if (!in)
		return b.cap ? 0 : DLG_E_SPACE;
	return fold_n(in, strlen(in), &b, ncp);
}

/* ---- matching ---- */

/* Length of W when the text at S[P..N) starts with it (ASCII letters ignore case), else 0. */
static size_t has(const char *s, size_t n, size_t p, const char *w)
{
	size_t k = strlen(w), i;

	if (p > n || k > n - p)
		return 0;
	for (i = 0; i < k; i++)
		if (lower((unsigned char)s[p + i]) != lower((unsigned char)w[i]))
			return 0;
	return k;
}

/* Like has(), but an ASCII word must not be part of a longer ASCII word. */
static size_t has_word(const char *s, size_t n, size_t p, const char *w)
{
	size_t k = has(s, n, p, w);

	if (!k || !is_alpha((unsigned char)w[0]))
		return k;
	if (p > 0 && is_alpha((unsigned char)s[p - 1]))
		return 0;
	if (p + k < n && is_alpha((unsigned char)s[p + k]))
		return 0;
	return k;
}

static size_t skip_spaces(const char *s, size_t n, size_t p)
{
	while (p < n && s[p] == ' ')
		p++;
	return p;
}

/* Words people put before a phone number or a room; dropped with the number. */
static const char *const phone_labels[] = {
        "联系电话", "联系方式", "电话号码", "手机号码", "手机号", "电话",    "手机",
        "联系",     "tel",      "phone",    "mobile",   "cell",   "contact", "call",
};
static const char *const room_labels[] = {
        "房间号", "门牌号", "房号", "房间",    "门牌", "地址",
        "住址",   "住在",   "room", "address", "addr", "apt",
};

/* Start of a label (optionally with ':' or 是) ending at P, or P when there is none. */
static size_t label_before(const char *s, size_t p, const char *const *labels, size_t nlabels)
{
	size_t q = p, i;

	while (q > 0 && (s[q - 1] == ' ' || s[q - 1] == ':'))
		q--;
	if (q >= 3 && memcmp(s + q - 3, "是", 3) == 0)
		q -= 3;
	while (q > 0 && s[q - 1] == ' ')
		q--;
	for (i = 0; i < nlabels; i++) {
		size_t k = strlen(labels[i]);

		if (k > q || !has(s, q, q - k, labels[i]))
			continue;
		if (is_alpha((unsigned char)labels[i][0]) && q > k &&
		    is_alpha((unsigned char)s[q - k - 1]))
			continue;
		return q - k;
	}
	return p;
}

/* ---- rooms ---- */

enum { MK_NONE, MK_BLD, MK_UNIT, MK_ROOM, MK_HAO };

static const struct {
	const char *w;
	int mark;
} room_marks[] = {
        {"号楼", MK_BLD},  {"栋", MK_BLD},    {"幢", MK_BLD},  {"座", MK_BLD},
        {"#", MK_BLD},     {"单元", MK_UNIT}, {"门", MK_UNIT}, {"号房", MK_ROOM},
        {"号室", MK_ROOM}, {"室", MK_ROOM},   {"房", MK_ROOM}, {"号", MK_HAO},
};

struct rpart {
	size_t at, nd; /* digits; nd == 0 for a building letter */
	char letter;
	int mark;
};

static int room_mark(const char *s, size_t n, size_t p, size_t *len)
{
	size_t i;

	for (i = 0; i < sizeof(room_marks) / sizeof(room_marks[0]); i++) {
		*len = has(s, n, p, room_marks[i].w);
		if (!*len)
			continue;
		/* 门 is a unit only before the room number: 门锁 is a door lock. */
		if (strcmp(room_marks[i].w, "门") == 0 &&
		    !(skip_spaces(s, n, p + *len) < n &&
		      is_dig((unsigned char)s[skip_spaces(s, n, p + *len)])))
			break;
		return room_marks[i].mark;
	}
	*len = 0;
	return MK_NONE;
}

/* Separator after an unmarked part: strict takes spaces and one of -/\._, loose only - or /. */
static size_t room_sep(const char *s, size_t n, size_t p, int loose)
{
	size_t q = p;

	if (loose)
		return (q < n && (s[q] == '-' || s[q] == '/')) ? q + 1 : q;
	q = skip_spaces(s, n, q);
	if (q < n && s[q] != '\0' && strchr("-/\\._,", s[q]))
		q = skip_spaces(s, n, q + 1);
	else if (has(s, n, q, "、"))
		q = skip_spaces(s, n, q + 3);
	return q;
}

static unsigned long part_value(const char *s, const struct rpart *r)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; i < r->nd; i++)
		v = v * 10 + (unsigned long)(s[r->at + i] - '0');
	return v;
}

static void put_part(struct sbuf *b, const char *s, const struct rpart *r)
{
	size_t i = 0;

	if (!r->nd) {
		sb_add(b, &r->letter, 1);
		return;
	}
	while (i + 1 < r->nd && s[r->at + i] == '0')
		i++;
	sb_add(b, s + r->at + i, r->nd - i);
}

/*
 * Parses a room at the start of S[0..N). Strict (validator) mode must use all
 * of S; loose (extract) mode stops where the room ends and turns down shapes
 * that free text produces by accident: dates, leading zeros, phone-length
 * digit runs, and two bare numbers with a short second one ("2-3").
 */
static int room_parse(const char *s, size_t n, int loose, size_t *used, char *out, size_t outlen)
{
	struct rpart part[3];
	const struct rpart *bld, *unit, *room;
	size_t np = 0, p = 0, sep_at = 0, i, digits = 0;
	struct sbuf b;

	for (;;) {
		struct rpart r;
		size_t q, k;
		int mark;

		if (p < n && is_dig((unsigned char)s[p])) {
			r.at = p;
			while (p < n && is_dig((unsigned char)s[p]))
				p++;
			r.nd = p - r.at;
			r.letter = 0;
		} else if (np == 0 && p < n && is_alpha((unsigned char)s[p]) &&
		           !(p + 1 < n && is_alnum((unsigned char)s[p + 1]))) {
			r.at = p;
			r.nd = 0;
			r.letter = (char)(lower((unsigned char)s[p]) - 'a' + 'A');
			p++;
		} else {
			if (np == 0)
				return DLG_E_FORMAT;
			p = sep_at; /* a separator with nothing after it is not ours */
			break;
		}
		if (np == 3)
			return DLG_E_FORMAT;
		q = skip_spaces(s, n, p);
		mark = room_mark(s, n, q, &k);
		if (mark != MK_NONE)
			p = q + k;
		r.mark = mark;
		part[np++] = r;
		sep_at = p;
		if (mark != MK_NONE) {
			p = skip_spaces(s, n, p);
			if (!loose)
				p = room_sep(s, n, p, 0);
		} else {
			p = room_sep(s, n, p, loose);
			if (p == sep_at)
				break;
		}
	}
	if (!loose && p != n)
		return DLG_E_FORMAT;
	if (loose && p < n && is_alnum((unsigned char)s[p]))
		return DLG_E_FORMAT;

	if (np == 1)
		return part[0].nd ? DLG_E_TOOSHORT : DLG_E_FORMAT;
	bld = &part[0];
	unit = np == 3 ? &part[1] : NULL;
	room = &part[np - 1];
	/* "12-1" is more likely building and unit with the room left out than room 1. */
	if (np == 2 && (bld->mark == MK_UNIT || room->mark == MK_UNIT ||
	                (room->nd <= 5 && part_value(s, room) < 100)))
		return DLG_E_TOOSHORT; /* "2单元501" has no building, "3栋2单元" no room */
	if (bld->mark == MK_UNIT || bld->mark == MK_ROOM ||
	    (unit && unit->mark != MK_NONE && unit->mark != MK_UNIT) || room->mark == MK_BLD ||
	    room->mark == MK_UNIT)
		return DLG_E_FORMAT;
	if (bld->nd > 4 || (unit && unit->nd > 4) || room->nd > 5)
		return DLG_E_TOOLONG;
	for (i = 0; i < np; i++) {
		if (part[i].nd && part[i].nd <= 5 && part_value(s, &part[i]) == 0)
			return DLG_E_FORMAT;
		digits += part[i].nd;
	}

	if (loose) {
		int marked = bld->mark || room->mark || (unit && unit->mark);

		if (digits > 9)
			return DLG_E_FORMAT;
		for (i = 0; i + 1 < np; i++)
			if (part[i].nd > 1 && s[part[i].at] == '0')
				return DLG_E_FORMAT;
		if (!marked && np == 3 && bld->nd == 4 && part_value(s, unit) <= 12 &&
		    part_value(s, room) <= 31 && room->nd <= 2)
			return DLG_E_FORMAT; /* 2026-11-28 */
	}

	sb_init(&b, out, outlen);
	for (i = 0; i < np; i++) {
		if (i)
			sb_add(&b, "-", 1);
		put_part(&b, s, &part[i]);
	}
	if (b.full) {
		if (b.cap)
			out[0] = '\0';
		return DLG_E_SPACE;
	}
	*used = p;
	return 0;
}

int dlg_norm_room(const char *in, char *out, size_t outlen)
{
	char f[128];
	size_t ncp, used;
	int rc;

	if (out && outlen)
		out[0] = '\0';
	rc = fold_for(in, f, sizeof(f), &ncp);
	if (ncp == 0)
		return DLG_E_EMPTY;
	if (rc)
		return DLG_E_TOOLONG;
	return room_parse(f, strlen(f), 0, &used, out, outlen);
}

/* ---- phones ---- */

static size_t skip_phone_label(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(phone_labels) / sizeof(phone_labels[0]); i++) {
		size_t p, k = has_word(s, n, 0, phone_labels[i]);

		if (!k)
			continue;
		p = skip_spaces(s, n, k);
		if (p < n && s[p] == ':')
			p++;
		else if (has(s, n, p, "是"))
			p += 3;
		return skip_spaces(s, n, p);
	}
	return 0;
}

static int phone_parse(const char *s, size_t n, int label, char *out, size_t outlen)
{
	char d[24];
	size_t nd = 0, p = 0, off = 0, area;
	int intl = 0;
	struct sbuf b;

	if (label)
		p = skip_phone_label(s, n);
	while (p < n && (s[p] == ' ' || s[p] == '('))
		p++;
	if (p < n && s[p] == '+') {
		intl = 1;
		p++;
	}
	for (; p < n; p++) {
		if (is_dig((unsigned char)s[p])) {
			if (nd == sizeof(d) - 1)
				return DLG_E_TOOLONG;
			d[nd++] = s[p];
		} else if (!strchr(" -().", s[p]) || s[p] == '\0') {
			return DLG_E_FORMAT;
		}
	}
	d[nd] = '\0';
	if (nd == 0)
		return DLG_E_FORMAT;
	if (intl) {
		if (nd < 2 || d[0] != '8' || d[1] != '6')
			return DLG_E_FORMAT; /* only mainland numbers are served */
		off = 2;
	} else if (nd >= 4 && memcmp(d, "0086", 4) == 0) {
		intl = 1;
		off = 4;
	} else if (nd == 13 && d[0] == '8' && d[1] == '6' && d[2] == '1') {
		off = 2;
	}
	/* "+86 10 12345678": the international form drops the trunk 0. */
	if (intl && d[off] != '0' && !(d[off] == '1' && nd - off == 11)) {
		if (off == 0)
			return DLG_E_FORMAT;
		d[--off] = '0';
	}
	nd -= off;
	sb_init(&b, out, outlen);
	if (d[off] == '1') {
		if (nd < 11)
			return DLG_E_TOOSHORT;
		if (nd > 11)
			return DLG_E_TOOLONG;
		if (d[off + 1] < '3')
			return DLG_E_FORMAT;
		sb_add(&b, d + off, nd);
	} else if (d[off] == '0') {
		/* 010 and 02x are the only three-digit area codes. */
		if (nd >= 2 && d[off + 1] == '2')
			area = 3;
		else if (nd >= 3 && d[off + 1] == '1' && d[off + 2] == '0')
			area = 3;
		else if (nd >= 2 && d[off + 1] >= '3')
			area = 4;
		else
			return nd < 7 ? DLG_E_TOOSHORT : DLG_E_FORMAT;
		if (nd < area + 7)
			return DLG_E_TOOSHORT;
		if (nd > area + 8)
			return DLG_E_TOOLONG;
		sb_add(&b, d + off, area);
		sb_add(&b, "-", 1);
		sb_add(&b, d + off + area, nd - area);
	} else {
		return nd < 7 ? DLG_E_TOOSHORT : DLG_E_FORMAT; /* no area code */
	}
	if (b.full) {
		if (b.cap)
			out[0] = '\0';
		return DLG_E_SPACE;
	}
	return 0;
}

int dlg_norm_phone(const char *in, char *out, size_t outlen)
{
	char f[128];
	size_t ncp;
	int rc;

	if (out && outlen)
		out[0] = '\0';
	rc = fold_for(in, f, sizeof(f), &ncp);
	if (ncp == 0)
		return DLG_E_EMPTY;
	if (rc)
		return DLG_E_TOOLONG;
	return phone_parse(f, strlen(f), 1, out, outlen);
}

void dlg_mask_phone(const char *phone, char *out, size_t outlen)
{
	char n[32], last[4];
	size_t i;
	struct sbuf b;

	sb_init(&b, out, outlen);
	if (!phone)
		return;
	if (dlg_norm_phone(phone, n, sizeof(n)) == 0) {
		size_t len = strlen(n), dash = strcspn(n, "-");

		if (dash == len) {
			sb_add(&b, n, 3);
			sb_str(&b, "****");
			sb_add(&b, n + len - 4, 4);
		} else {
			sb_add(&b, n, dash + 1);
			for (i = dash + 1; i + 4 < len; i++)
				sb_add(&b, "*", 1);
			sb_add(&b, n + len - 4, 4);
		}
	} else {
		size_t nd = 0;

		for (i = 0; phone[i]; i++)
			if (is_dig((unsigned char)phone[i]))
				last[nd++ % 4] = phone[i];
		sb_str(&b, "****");
		/* Fewer than 8 digits would give away half the number. */
		for (i = 0; nd >= 8 && i < 4; i++)
			sb_add(&b, &last[(nd + i) % 4], 1);
	}
	if (b.full && b.cap)
		out[0] = '\0'; /* a cut could leave more digits than intended */
}

/* ---- preferred time ---- */

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
		if (has(s, n, p, cn_digits[i])) {
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
	if (p < n && is_dig((unsigned char)s[p])) {
		while (q < n && is_dig((unsigned char)s[q])) {
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
	size_t q = skip_spaces(s, n, p), k;

	if ((k = has_word(s, n, q, "am")) || (k = has(s, n, q, "a.m.")))
		*ampm = 'a';
	else if ((k = has_word(s, n, q, "pm")) || (k = has(s, n, q, "p.m.")))
		*ampm = 'p';
	else
		return p;
	return q + k;
}

static size_t eat_any(const char *s, size_t n, size_t p, const char *const *w, size_t nw)
{
	size_t i;

	for (i = 0; i < nw; i++) {
		size_t k = has(s, n, p, w[i]);

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
	struct tparse end = {.day = -1,
	                     .wday = -1,
	                     .year = -1,
	                     .mon = -1,
	                     .mday = -1,
	                     .hour = -1,
	                     .min = -1,
	                     .rel = -1};
	size_t q = skip_spaces(s, n, p), r;

	r = eat_any(s, n, q, seps, 4);
	if (r == q)
		return p;
	r = skip_spaces(s, n, r);
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
	if ((r = has(s, n, q, "月")) != 0) {
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
	if ((r = eat_any(s, n, q, day_units, 2)) != q && !has(s, n, r, "楼")) {
		tp_set(&t->mday, v, &t->bad);
		return r;
	}
	/* 2小时后, in 30 minutes */
	r = skip_spaces(s, n, q);
	r = has(s, n, r, "个") ? r + 3 : r;
	if ((k = has(s, n, r, "小时")) || (k = has(s, n, r, "钟头")) ||
	    (k = has_word(s, n, r, "hours")) || (k = has_word(s, n, r, "hour")) ||
	    (k = has_word(s, n, r, "hrs")) || (k = has_word(s, n, r, "hr"))) {
		t->rel = t->rel < 0 ? (long)v * 3600 : (t->bad = 1, 0);
		return r + k;
	}
	if ((k = has(s, n, r, "分钟")) || (k = has_word(s, n, r, "minutes")) ||
	    (k = has_word(s, n, r, "minute")) || (k = has_word(s, n, r, "mins")) ||
	    (k = has_word(s, n, r, "min"))) {
		t->rel = t->rel < 0 ? (long)v * 60 : (t->bad = 1, 0);
		return r + k;
	}
	if ((k = has(s, n, r, "天后")) || (k = has(s, n, r, "天以后")) ||
	    (k = has(s, n, r, "天之后")) || (k = has_word(s, n, r, "days"))) {
		tp_set(&t->day, v, &t->bad);
		return r + k;
	}
	/* 15:00, 2:30pm */
	if (!cn && q + 2 < n && s[q] == ':' && is_dig((unsigned char)s[q + 1]) &&
	    is_dig((unsigned char)s[q + 2]) && !(q + 3 < n && is_dig((unsigned char)s[q + 3]))) {
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
		if ((k = has(s, n, r, "半")))
			m = 30, r += k;
		else if ((k = has(s, n, r, "一刻")))
			m = 15, r += k;
		else if ((k = has(s, n, r, "三刻")))
			m = 45, r += k;
		else if ((k = has(s, n, r, "整")))
			r += k;
		else if ((k = read_num(s, n, r, &v2, &nd2, &cn2)) && nd2 <= 3 && v2 >= 0 && v2 < 60)
			m = v2, r += k, r += has(s, n, r, "分");
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
	if (!cn && (k = has(s, n, skip_spaces(s, n, q), "o'clock"))) {
		set_hour(t, v, 0, 1);
		return skip_spaces(s, n, q) + k;
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
		size_t k = has_word(s, n, p, w->w);

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
				if (has(s, n, p + k, wd[j]))
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
	struct tparse t = {.day = -1,
	                   .wday = -1,
	                   .year = -1,
	                   .mon = -1,
	                   .mday = -1,
	                   .hour = -1,
	                   .min = -1,
	                   .rel = -1};
	struct sbuf b;
	size_t ncp, n, p, i;
	int rc;

	if (at)
		*at = 0;
	if (out && outlen)
		out[0] = '\0';
	rc = fold_for(in, f, sizeof(f), &ncp);
	if (ncp == 0)
		return DLG_E_EMPTY;
	if (ncp > TIME_MAX_CP || rc)
		return DLG_E_TOOLONG;
	sb_init(&b, out, outlen);
	sb_str(&b, f);
	if (b.full) {
		if (b.cap)
			out[0] = '\0';
		return DLG_E_SPACE;
	}
	n = strlen(f);
	for (i = 0; i <= n; i++)
		s[i] = (char)lower((unsigned char)f[i]);

	p = 0;
	while (p < n) {
		uint32_t c;
		size_t q = time_word(s, n, p, &t);

		if (q == p)
			q = time_number(s, n, p, &t);
		if (q == p && is_alpha((unsigned char)s[p]))
			while (q < n && is_alpha((unsigned char)s[q]))
				q++;
		if (q == p)
			q = p + u8_next(s + p, n - p, &c);
		p = q;
	}
	if (at)
		*at = time_resolve(&t, now);
	return 0;
}

/* ---- description and name ---- */

int dlg_check_description(const char *in, char *out, size_t outlen)
{
	size_t ncp;
	int rc = fold_for(in, out, outlen, &ncp);

	if (ncp == 0)
		rc = DLG_E_EMPTY;
	else if (ncp < 2)
		rc = DLG_E_TOOSHORT;
	else if (ncp > DLG_DESC_MAX)
		rc = DLG_E_TOOLONG;
	if (rc && out && outlen)
		out[0] = '\0';
	return rc;
}

int dlg_check_name(const char *in, char *out, size_t outlen)
{
	char f[DLG_NAME_MAX * 4 + 8]; /* any name short enough fits */
	size_t ncp, i;
	int digits = 1;
	struct sbuf b;

	if (out && outlen)
		out[0] = '\0';
	fold_for(in, f, sizeof(f), &ncp);
	if (ncp == 0)
		return DLG_E_EMPTY;
	if (ncp > DLG_NAME_MAX)
		return DLG_E_TOOLONG;
	for (i = 0; f[i]; i++) {
		if (f[i] == '@' || f[i] == '/')
			return DLG_E_FORMAT;
		if (!is_dig((unsigned char)f[i]) && !strchr(" -+()", f[i]))
			digits = 0;
	}
	if (digits)
		return DLG_E_FORMAT; /* a phone number answered to the name question */
	sb_init(&b, out, outlen);
	sb_str(&b, f);
	if (b.full) {
		if (b.cap)
			out[0] = '\0';
		return DLG_E_SPACE;
	}
	return 0;
}

/* ---- free first messages ---- */

#define EX_MAX 8192

static int is_word_char(int c)
{
	return is_alnum(c) || c == '_';
}

/* Skips the mention, command or trigger word that started the intake. */
static size_t skip_triggers(const char *w, size_t n)
{
	static const char *const cmds[] = {"/repair", "/clean", "/errand", "/ask"};
	static const char *const zh[] = {"报修", "保洁", "代办", "咨询"};
	size_t p = 0, k, i, r;

	for (;;) {
		while (p < n && (w[p] == ' ' || w[p] == ':' || w[p] == ','))
			p++;
		if (p < n && w[p] == '@') {
			p++;
			if (p < n && is_word_char((unsigned char)w[p]))
				while (p < n && is_word_char((unsigned char)w[p]))
					p++;
			else
				while (p < n && w[p] != ' ')
					p++;
			continue;
		}
		if (has(w, n, p, "[cq:at,")) { /* OneBot's mention code */
			r = p;
			while (r < n && w[r] != ']')
				r++;
			if (r == n)
				break;
			p = r + 1;
			continue;
		}
		for (i = 0, k = 0; i < 4 && !k; i++) {
			k = has(w, n, p, cmds[i]);
			if (k && p + k < n && is_word_char((unsigned char)w[p + k]))
				k = 0;
		}
		if (k) {
			p += k;
			if (p < n && w[p] == '@') /* Telegram's /repair@SomeBot */
				while (++p < n && is_word_char((unsigned char)w[p]))
					;
			continue;
		}
		for (i = 0; i < 4 && !k; i++)
			k = has(w, n, p, zh[i]);
		if (!k)
			break;
		p += k;
	}
	return p;
}

static int tok_char(int c)
{
	return is_dig(c) || c == '+' || c == '(' || c == ')' || c == '-';
}

static void drop_label(const char *w, unsigned char *gone, size_t a, const char *const *labels,
                       size_t nlabels)
{
	size_t i, l = label_before(w, a, labels, nlabels);

	for (i = l; i < a; i++)
		if (gone[i])
			return;
	memset(gone + l, 1, a - l);
}

/*
 * Runs of phone characters joined by single spaces ("138 0013 8000") make a
 * candidate; the longest valid one from the first start that has one wins.
 * Phones go first, so that "138-0013-8000" is never read as a room.
 */
static void find_phone(const char *w, size_t n, unsigned char *gone, char *out, size_t outlen)
{
	char tmp[32], best_txt[32];
	size_t i = 0, a, e, j, best, first_end;
	int digit;

	while (i < n) {
		if (gone[i] || !tok_char((unsigned char)w[i])) {
			i++;
			continue;
		}
		a = e = i;
		best = 0;
		first_end = 0;
		for (;;) {
			digit = 0;
			for (j = e; j < n && !gone[j] && tok_char((unsigned char)w[j]); j++)
				digit |= is_dig((unsigned char)w[j]);
			if (!first_end)
				first_end = j;
			if (!digit || j - a > 40)
				break;
			e = j;
			if (phone_parse(w + a, e - a, 0, tmp, sizeof(tmp)) == 0) {
				best = e;
				memcpy(best_txt, tmp, sizeof(tmp));
			}
			if (!(e + 1 < n && w[e] == ' ' && !gone[e] && !gone[e + 1] &&
			      tok_char((unsigned char)w[e + 1])))
				break;
			e++;
		}
		if (best) {
			if (strlen(best_txt) < outlen)
				memcpy(out, best_txt, strlen(best_txt) + 1);
			memset(gone + a, 1, best - a);
			drop_label(w, gone, a, phone_labels,
			           sizeof(phone_labels) / sizeof(phone_labels[0]));
			return;
		}
		i = first_end;
	}
}

static void find_room(const char *w, size_t n, unsigned char *gone, char *out, size_t outlen)
{
	char tmp[32];
	size_t i, l = 0, used;

	for (i = 0; i < n; i++) {
		if (gone[i] || !is_alnum((unsigned char)w[i]))
			continue;
		if (i > 0 && !gone[i - 1] &&
		    (is_alnum((unsigned char)w[i - 1]) || strchr("-/.:+#_", w[i - 1])))
			continue;
		if (l <= i) /* a candidate must not run into a cut-out phone */
			for (l = i; l < n && !gone[l]; l++)
				;
		if (room_parse(w + i, l - i, 1, &used, tmp, sizeof(tmp)) != 0)
			continue;
		if (strlen(tmp) < outlen)
			memcpy(out, tmp, strlen(tmp) + 1);
		memset(gone + i, 1, used);
		drop_label(w, gone, i, room_labels, sizeof(room_labels) / sizeof(room_labels[0]));
		return;
	}
}

/* Punctuation left dangling at either end once the details are cut out. */
static size_t trim_punct(const char *s, size_t n, size_t p, int back)
{
	static const char *const wide[] = {"。", "、", "；", "，"};
	size_t i;

	for (;;) {
		if (!back && p < n && strchr(" ,;:-/|.", s[p]) && s[p]) {
			p++;
			continue;
		}
		if (back && p > 0 && strchr(" ,;:-/|.", s[p - 1]) && s[p - 1]) {
			p--;
			continue;
		}
		for (i = 0; i < 4; i++) {
			if (!back && has(s, n, p, wide[i]))
				break;
			if (back && p >= 3 && has(s, n, p - 3, wide[i]))
				break;
		}
		if (i == 4)
			return p;
		p = back ? p - 3 : p + 3;
	}
}

static void build_description(const char *w, size_t n, const unsigned char *gone, char *out,
                              size_t outlen)
{
	char tmp[EX_MAX];
	struct sbuf b;
	size_t i = 0, a, e, cps = 0, p = 0;
	int cut = 0;
	uint32_t c;

	sb_init(&b, tmp, sizeof(tmp));
	while (i < n) {
		if (gone[i]) {
			while (i < n && gone[i])
				i++;
			cut = 1;
			continue;
		}
		/* "3-2-501的厨房" leaves a dangling 的 */
		if (cut && has(w, n, i, "的")) {
			i += 3;
			cut = 0;
			continue;
		}
		if (cut && b.len && tmp[b.len - 1] != ' ' && w[i] != ' ' &&
		    (is_alnum((unsigned char)tmp[b.len - 1]) || is_alnum((unsigned char)w[i])))
			sb_add(&b, " ", 1);
		cut = 0;
		sb_add(&b, w + i, 1);
		i++;
	}
	a = trim_punct(tmp, b.len, 0, 0);
	e = a < b.len ? trim_punct(tmp, b.len, b.len, 1) : a;
	sb_init(&b, out, outlen);
	fold_n(tmp + a, e - a, &b, NULL);
	/* The description validator takes DLG_DESC_MAX characters; cut there. */
	while (p < b.len) {
		if (cps == DLG_DESC_MAX) {
			while (p > 0 && out[p - 1] == ' ')
				p--;
			out[p] = '\0';
			break;
		}
		p += u8_next(out + p, b.len - p, &c);
		cps++;
	}
}

void dlg_extract_details(const char *text, struct dlg_extract *x)
{
	char w[EX_MAX];
	unsigned char gone[EX_MAX];
	struct sbuf b;
	size_t n, start;

	if (!x)
		return;
	x->room[0] = x->phone[0] = x->description[0] = '\0';
	if (!text)
		return;
	sb_init(&b, w, sizeof(w));
	fold_n(text, strlen(text), &b, NULL); /* longer text is cut on a character boundary */
	n = b.len;
	memset(gone, 0, n);
	start = skip_triggers(w, n);
	memset(gone, 1, start);
	find_phone(w, n, gone, x->phone, sizeof(x->phone));
	find_room(w, n, gone, x->room, sizeof(x->room));
	build_description(w, n, gone, x->description, sizeof(x->description));
}
