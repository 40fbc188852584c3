/*
 * validate.c - turns what a resident typed into the one form the order register
 * stores: rooms, phone numbers, descriptions and names, and picks those
 * details out of a free first message. Preferred times are read in when.c
 * with the same folding and matching helpers (validate_internal.h).
 *
 * Residents type on phones with Chinese input methods, so digits arrive
 * full-width, spaces ideographic and dashes as any of five code points. Every
 * entry point therefore folds first and parses the folded text with explicit
 * lengths. Character classes are ASCII-only on purpose: the locale of a
 * server process says nothing about what a resident typed.
 */
#include "dialogs/validate_internal.h"

#include <stdint.h>
#include <string.h>

#include "lib/utf8.h"

#define CP_DROP 0xFFFFFFFEu /* a code point fold leaves out */

/* ---- bytes and code points ---- */

size_t dlg_utf8_len(const char *s)
{
	size_t n, p = 0, count = 0;
	uint32_t c;

	if (!s)
		return 0;
	n = strlen(s);
	while (p < n) {
		p += utf8_next(s + p, n - p, &c);
		count++;
	}
	return count;
}

/* Joins the character before it: combining marks, selectors, skin tones, tags, ZWJ. */
static int is_extend(uint32_t c)
{
	return (c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
	       (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) || c == 0x200C ||
	       c == 0x200D || (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xFE20 && c <= 0xFE2F) ||
	       (c >= 0x3099 && c <= 0x309A) || (c >= 0x1F3FB && c <= 0x1F3FF) ||
	       (c >= 0xE0020 && c <= 0xE007F) || (c >= 0xE0100 && c <= 0xE01EF);
}

static int is_regional(uint32_t c)
{
	return c >= 0x1F1E6 && c <= 0x1F1FF;
}

size_t dlg_cut(const char *s, size_t n, size_t maxcp, size_t maxbytes)
{
	size_t p = 0, k, count = 0, last = 0, hard = 0;
	uint32_t c, prev = 0;
	int regionals = 0;

	while (p < n) {
		k = utf8_next(s + p, n - p, &c);
		/* A boundary before C? Not inside a cluster (see the header). */
		if (p > 0 && !is_extend(c) && prev != 0x200D &&
		    !(is_regional(c) && is_regional(prev) && regionals % 2 == 1))
			last = p;
		if ((maxcp && count == maxcp) || (maxbytes && p + k > maxbytes))
			return last ? last : hard;
		regionals = is_regional(c) ? regionals + 1 : 0;
		prev = c;
		p += k;
		count++;
		if (c != 0x200D)
			hard = p; /* the fallback, at least not on a dangling joiner */
	}
	return n;
}

void dlg_sb_init(struct dlg_sbuf *b, char *p, size_t cap)
{
	b->p = p;
	b->cap = p ? cap : 0;
	b->len = 0;
	b->full = 0;
	if (b->cap)
		p[0] = '\0';
}

void dlg_sb_add(struct dlg_sbuf *b, const char *s, size_t n)
{
	if (b->full || b->cap == 0 || n >= b->cap - b->len) {
		b->full = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void dlg_sb_str(struct dlg_sbuf *b, const char *s)
{
	dlg_sb_add(b, s, strlen(s));
}

int dlg_sb_end(struct dlg_sbuf *b)
{
	if (!b->full)
		return 0;
	if (b->cap)
		b->p[0] = '\0';
	return DLG_E_SPACE;
}

/* ---- folding ---- */

/* Broken bytes arrive as U+FFFD and stay so: jansson and SQLite text want valid UTF-8. */
static uint32_t fold_cp(uint32_t c)
{
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
static int fold_n(const char *in, size_t n, struct dlg_sbuf *b, size_t *ncp)
{
	size_t p = 0, count = 0;
	int gap = 0;
	uint32_t c;
	char enc[4];

	while (p < n) {
		p += utf8_next(in + p, n - p, &c);
		c = fold_cp(c);
		if (c == CP_DROP)
			continue;
		if (c == ' ') {
			gap = count > 0;
			continue;
		}
		if (gap) {
			dlg_sb_add(b, " ", 1);
			count++;
			gap = 0;
		}
		dlg_sb_add(b, enc, utf8_put(c, enc));
		count++;
	}
	if (ncp)
		*ncp = count;
	return b->full ? DLG_E_SPACE : 0;
}

int dlg_fold(const char *in, char *out, size_t outlen)
{
	struct dlg_sbuf b;

	if (!out || outlen == 0)
		return DLG_E_SPACE;
	dlg_sb_init(&b, out, outlen);
	if (!in)
		return 0;
	return fold_n(in, strlen(in), &b, NULL);
}

/*
 * Folds IN (NULL counts as empty) into OUT as dlg_fold() does; *NCP gets the
 * folded length in code points, even when OUT is too small.
 */
static int fold_for(const char *in, char *out, size_t outlen, size_t *ncp)
{
	struct dlg_sbuf b;

	*ncp = 0;
	dlg_sb_init(&b, out, outlen);
	if (!in)
		return b.cap ? 0 : DLG_E_SPACE;
	return fold_n(in, strlen(in), &b, ncp);
}

int dlg_fold_field(const char *in, size_t maxcp, char *f, size_t flen, char *out, size_t outlen)
{
	size_t ncp;
	int rc;

	if (out && outlen)
		out[0] = '\0';
	rc = fold_for(in, f, flen, &ncp);
	if (ncp == 0)
		return DLG_E_EMPTY;
	if (rc || (maxcp && ncp > maxcp))
		return DLG_E_TOOLONG;
	return 0;
}

/* ---- matching ---- */

size_t dlg_has(const char *s, size_t n, size_t p, const char *w)
{
	size_t k = strlen(w), i;

	if (p > n || k > n - p)
		return 0;
	for (i = 0; i < k; i++)
		if (dlg_lower((unsigned char)s[p + i]) != dlg_lower((unsigned char)w[i]))
			return 0;
	return k;
}

size_t dlg_has_word(const char *s, size_t n, size_t p, const char *w)
{
	size_t k = dlg_has(s, n, p, w);

	if (!k || !dlg_is_alpha((unsigned char)w[0]))
		return k;
	if (p > 0 && dlg_is_alpha((unsigned char)s[p - 1]))
		return 0;
	if (p + k < n && dlg_is_alpha((unsigned char)s[p + k]))
		return 0;
	return k;
}

size_t dlg_skip_spaces(const char *s, size_t n, size_t p)
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
        "房间号", "门牌号", "房号", "房间",    "门牌", "地址", "住址",
        "住在",   "我住",   "room", "address", "addr", "apt",
};

size_t dlg_label_before(const char *s, size_t p, enum dlg_label which)
{
	const char *const *labels = which == DLG_LABEL_PHONE ? phone_labels : room_labels;
	size_t nlabels = which == DLG_LABEL_PHONE ? sizeof(phone_labels) / sizeof(phone_labels[0])
	                                          : sizeof(room_labels) / sizeof(room_labels[0]);
	size_t q = p, i;

	while (q > 0 && (s[q - 1] == ' ' || s[q - 1] == ':'))
		q--;
	if (q >= 3 && memcmp(s + q - 3, "是", 3) == 0)
		q -= 3;
	while (q > 0 && s[q - 1] == ' ')
		q--;
	for (i = 0; i < nlabels; i++) {
		size_t k = strlen(labels[i]);

		if (k > q || !dlg_has(s, q, q - k, labels[i]))
			continue;
		if (dlg_is_alpha((unsigned char)labels[i][0]) && q > k &&
		    dlg_is_alpha((unsigned char)s[q - k - 1]))
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
		*len = dlg_has(s, n, p, room_marks[i].w);
		if (!*len)
			continue;
		/* 门 is a unit only before the room number: 门锁 is a door lock. */
		if (strcmp(room_marks[i].w, "门") == 0 &&
		    !(dlg_skip_spaces(s, n, p + *len) < n &&
		      dlg_is_dig((unsigned char)s[dlg_skip_spaces(s, n, p + *len)])))
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
	q = dlg_skip_spaces(s, n, q);
	if (q < n && s[q] != '\0' && strchr("-/\\._,", s[q]))
		q = dlg_skip_spaces(s, n, q + 1);
	else if (dlg_has(s, n, q, "、"))
		q = dlg_skip_spaces(s, n, q + 3);
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

static void put_part(struct dlg_sbuf *b, const char *s, const struct rpart *r)
{
	size_t i = 0;

	if (!r->nd) {
		dlg_sb_add(b, &r->letter, 1);
		return;
	}
	while (i + 1 < r->nd && s[r->at + i] == '0')
		i++;
	dlg_sb_add(b, s + r->at + i, r->nd - i);
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
	struct dlg_sbuf b;

	for (;;) {
		struct rpart r;
		size_t q, k;
		int mark;

		if (p < n && dlg_is_dig((unsigned char)s[p])) {
			r.at = p;
			while (p < n && dlg_is_dig((unsigned char)s[p]))
				p++;
			r.nd = p - r.at;
			r.letter = 0;
		} else if (np == 0 && p < n && dlg_is_alpha((unsigned char)s[p]) &&
		           !(p + 1 < n && dlg_is_alnum((unsigned char)s[p + 1]))) {
			r.at = p;
			r.nd = 0;
			r.letter = (char)(dlg_lower((unsigned char)s[p]) - 'a' + 'A');
			p++;
		} else {
			if (np == 0)
				return DLG_E_FORMAT;
			p = sep_at; /* a separator with nothing after it is not ours */
			break;
		}
		if (np == 3)
			return DLG_E_FORMAT;
		q = dlg_skip_spaces(s, n, p);
		mark = room_mark(s, n, q, &k);
		if (mark != MK_NONE)
			p = q + k;
		r.mark = mark;
		part[np++] = r;
		sep_at = p;
		if (mark != MK_NONE) {
			p = dlg_skip_spaces(s, n, p);
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
	if (loose && p < n && dlg_is_alnum((unsigned char)s[p]))
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

	dlg_sb_init(&b, out, outlen);
	for (i = 0; i < np; i++) {
		if (i)
			dlg_sb_add(&b, "-", 1);
		put_part(&b, s, &part[i]);
	}
	if (dlg_sb_end(&b))
		return DLG_E_SPACE;
	*used = p;
	return 0;
}

int dlg_norm_room(const char *in, char *out, size_t outlen)
{
	char f[128];
	size_t used;
	int rc = dlg_fold_field(in, 0, f, sizeof(f), out, outlen);

	if (rc)
		return rc;
	return room_parse(f, strlen(f), 0, &used, out, outlen);
}

/* ---- phones ---- */

static size_t skip_phone_label(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(phone_labels) / sizeof(phone_labels[0]); i++) {
		size_t p, k = dlg_has_word(s, n, 0, phone_labels[i]);

		if (!k)
			continue;
		p = dlg_skip_spaces(s, n, k);
		if (p < n && s[p] == ':')
			p++;
		else if (dlg_has(s, n, p, "是"))
			p += 3;
		return dlg_skip_spaces(s, n, p);
	}
	return 0;
}

static int phone_parse(const char *s, size_t n, int label, char *out, size_t outlen)
{
	char d[24];
	size_t nd = 0, p = 0, off = 0, area;
	int intl = 0;
	struct dlg_sbuf b;

	if (label)
		p = skip_phone_label(s, n);
	while (p < n && (s[p] == ' ' || s[p] == '('))
		p++;
	if (p < n && s[p] == '+') {
		intl = 1;
		p++;
	}
	for (; p < n; p++) {
		if (dlg_is_dig((unsigned char)s[p])) {
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
	dlg_sb_init(&b, out, outlen);
	if (d[off] == '1') {
		if (nd < 11)
			return DLG_E_TOOSHORT;
		if (nd > 11)
			return DLG_E_TOOLONG;
		if (d[off + 1] < '3')
			return DLG_E_FORMAT;
		dlg_sb_add(&b, d + off, nd);
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
		dlg_sb_add(&b, d + off, area);
		dlg_sb_add(&b, "-", 1);
		dlg_sb_add(&b, d + off + area, nd - area);
	} else {
		return nd < 7 ? DLG_E_TOOSHORT : DLG_E_FORMAT; /* no area code */
	}
	return dlg_sb_end(&b);
}

int dlg_norm_phone(const char *in, char *out, size_t outlen)
{
	char f[128];
	int rc = dlg_fold_field(in, 0, f, sizeof(f), out, outlen);

	if (rc)
		return rc;
	return phone_parse(f, strlen(f), 1, out, outlen);
}

void dlg_mask_phone(const char *phone, char *out, size_t outlen)
{
	char n[32], last[4];
	size_t i;
	struct dlg_sbuf b;

	dlg_sb_init(&b, out, outlen);
	if (!phone)
		return;
	if (dlg_norm_phone(phone, n, sizeof(n)) == 0) {
		size_t len = strlen(n), dash = strcspn(n, "-");

		if (dash == len) {
			dlg_sb_add(&b, n, 3);
			dlg_sb_str(&b, "****");
			dlg_sb_add(&b, n + len - 4, 4);
		} else {
			dlg_sb_add(&b, n, dash + 1);
			for (i = dash + 1; i + 4 < len; i++)
				dlg_sb_add(&b, "*", 1);
			dlg_sb_add(&b, n + len - 4, 4);
		}
	} else {
		size_t nd = 0;

		for (i = 0; phone[i]; i++)
			if (dlg_is_dig((unsigned char)phone[i]))
				last[nd++ % 4] = phone[i];
		dlg_sb_str(&b, "****");
		/* Fewer than 8 digits would give away half the number. */
		for (i = 0; nd >= 8 && i < 4; i++)
			dlg_sb_add(&b, &last[(nd + i) % 4], 1);
	}
	dlg_sb_end(&b); /* a cut could leave more digits than intended */
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
	size_t i;
	int digits = 1;
	struct dlg_sbuf b;
	int rc = dlg_fold_field(in, DLG_NAME_MAX, f, sizeof(f), out, outlen);

	if (rc)
		return rc;
	for (i = 0; f[i]; i++) {
		if (f[i] == '@' || f[i] == '/')
			return DLG_E_FORMAT;
		if (!dlg_is_dig((unsigned char)f[i]) && !strchr(" -+()", f[i]))
			digits = 0;
	}
	if (digits)
		return DLG_E_FORMAT; /* a phone number answered to the name question */
	dlg_sb_init(&b, out, outlen);
	dlg_sb_str(&b, f);
	return dlg_sb_end(&b);
}

/* ---- free first messages ---- */

#define EX_MAX 8192

static int is_word_char(int c)
{
	return dlg_is_alnum(c) || c == '_';
}

/*
 * Skips the mention of the bot ("@concierge") and the trigger words that
 * started the intake. Platform syntax ("/repair@SomeBot", a chat app's
 * mention codes) never gets here: each adapter removes its own.
 */
static size_t skip_triggers(const char *w, size_t n)
{
	size_t p = 0, k;

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
		k = dlg_trigger_at(w, n, p);
		if (!k)
			break;
		p += k;
	}
	return p;
}

static int tok_char(int c)
{
	return dlg_is_dig(c) || c == '+' || c == '(' || c == ')' || c == '-';
}

static void drop_label(const char *w, unsigned char *gone, size_t a, enum dlg_label which)
{
	size_t i, l = dlg_label_before(w, a, which);

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
				digit |= dlg_is_dig((unsigned char)w[j]);
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
			drop_label(w, gone, a, DLG_LABEL_PHONE);
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
		if (gone[i] || !dlg_is_alnum((unsigned char)w[i]))
			continue;
		if (i > 0 && !gone[i - 1] &&
		    (dlg_is_alnum((unsigned char)w[i - 1]) || strchr("-/.:+#_", w[i - 1])))
			continue;
		if (l <= i) /* a candidate must not run into a cut-out phone */
			for (l = i; l < n && !gone[l]; l++)
				;
		if (room_parse(w + i, l - i, 1, &used, tmp, sizeof(tmp)) != 0)
			continue;
		if (strlen(tmp) < outlen)
			memcpy(out, tmp, strlen(tmp) + 1);
		memset(gone + i, 1, used);
		drop_label(w, gone, i, DLG_LABEL_ROOM);
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
			if (!back && dlg_has(s, n, p, wide[i]))
				break;
			if (back && p >= 3 && dlg_has(s, n, p - 3, wide[i]))
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
	struct dlg_sbuf b;
	size_t i = 0, a, e, p;
	int cut = 0;

	dlg_sb_init(&b, tmp, sizeof(tmp));
	while (i < n) {
		if (gone[i]) {
			while (i < n && gone[i])
				i++;
			cut = 1;
			continue;
		}
		/* "3-2-501的厨房" leaves a dangling 的 */
		if (cut && dlg_has(w, n, i, "的")) {
			i += 3;
			cut = 0;
			continue;
		}
		if (cut && b.len && tmp[b.len - 1] != ' ' && w[i] != ' ' &&
		    (dlg_is_alnum((unsigned char)tmp[b.len - 1]) ||
		     dlg_is_alnum((unsigned char)w[i])))
			dlg_sb_add(&b, " ", 1);
		cut = 0;
		dlg_sb_add(&b, w + i, 1);
		i++;
	}
	a = trim_punct(tmp, b.len, 0, 0);
	e = a < b.len ? trim_punct(tmp, b.len, b.len, 1) : a;
	dlg_sb_init(&b, out, outlen);
	fold_n(tmp + a, e - a, &b, NULL);
	/* The description validator takes DLG_DESC_MAX characters; cut there, between two. */
	p = dlg_cut(out, b.len, DLG_DESC_MAX, 0);
	if (p < b.len) {
		while (p > 0 && out[p - 1] == ' ')
			p--;
		out[p] = '\0';
	}
}

void dlg_extract_details(const char *text, struct dlg_extract *x)
{
	char w[EX_MAX];
	unsigned char gone[EX_MAX];
	struct dlg_sbuf b;
	size_t n, start;

	if (!x)
		return;
	x->room[0] = x->phone[0] = x->description[0] = '\0';
	if (!text)
		return;
	dlg_sb_init(&b, w, sizeof(w));
	fold_n(text, strlen(text), &b, NULL); /* longer text is cut on a character boundary */
	n = b.len;
	memset(gone, 0, n);
	start = skip_triggers(w, n);
	memset(gone, 1, start);
	find_phone(w, n, gone, x->phone, sizeof(x->phone));
	find_room(w, n, gone, x->room, sizeof(x->room));
	build_description(w, n, gone, x->description, sizeof(x->description));
}
