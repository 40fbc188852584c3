/*
 * validate.h - validators for the answers residents give during intake.
 *
 * Pure functions: no I/O, no allocation visible to the caller. Each takes
 * free text as a resident typed it (UTF-8, possibly with full-width digits,
 * ideographic spaces and Chinese punctuation) and either stores one normal
 * form in OUT and returns 0, or returns a negative DLG_E* code saying what
 * is wrong, so the dialog can re-ask with a helpful message.
 *
 * Time parsing uses the process time zone (the program sets TZ from the
 * configuration at start-up), so callers pass NOW and get local-time results.
 *
 * Common to the validators: IN may be NULL (treated as empty). OUT is caller
 * memory of OUTLEN bytes; it always holds a NUL-terminated string, and that
 * string is empty after any error. An OUT that is NULL or 0 bytes long gives
 * DLG_E_SPACE, but errors about the text itself come first, so a resident is
 * told what to fix rather than that a buffer was small. No locale is used.
 */
#ifndef CONCIERGE_VALIDATE_H
#define CONCIERGE_VALIDATE_H

#include <stddef.h>
#include <time.h>

enum {
	DLG_E_EMPTY = -1,    /* nothing useful given */
	DLG_E_FORMAT = -2,   /* not in any accepted form */
	DLG_E_TOOLONG = -3,  /* longer than allowed */
	DLG_E_TOOSHORT = -4, /* too short to be meaningful */
	DLG_E_SPACE = -5,    /* OUT too small */
};

#define DLG_DESC_MAX 500 /* characters (code points), not bytes */
#define DLG_NAME_MAX 40  /* characters */

/*
 * Folds full-width ASCII (U+FF01..U+FF5E) to ASCII, ideographic space U+3000
 * to ' ', and Chinese dashes (U+2014, U+2015, U+2212, U+FF0D, U+2010..U+2013)
 * to '-'; trims leading/trailing whitespace and collapses runs of spaces
 * (tabs, newlines and other Unicode spaces count as spaces). Invalid UTF-8
 * bytes become U+FFFD, so OUT is always valid UTF-8; control characters,
 * zero-width spaces and byte-order marks are dropped.
 * Returns 0 or DLG_E_SPACE; then OUT holds as much as fits, cut between
 * characters.
 */
int dlg_fold(const char *in, char *out, size_t outlen);

/*
 * Room: building-unit-room. Accepts "3-2-501", "3栋2单元501", "3号楼2单元501室",
 * "3幢2单元501", "3 2 501", "3/2/501", full-width digits, and a two-part
 * building-room ("12-1203", "12栋1203") when the community has no units.
 * Also 号 for the building or the room, 门 for the unit, '#' after the
 * building, 室/号房 after the room, and a single-letter building ("A-2-501",
 * "A座2单元501", stored upper-case). Normal form: "3-2-501" (or "12-1203"),
 * leading zeros dropped.
 * Errors: DLG_E_EMPTY; DLG_E_TOOSHORT when a part is missing ("501" alone,
 * "2单元501", "3栋2单元", or "12-1" whose room is under 100); DLG_E_TOOLONG
 * for a building or unit over 4 digits or a room over 5; else DLG_E_FORMAT.
 */
int dlg_norm_room(const char *in, char *out, size_t outlen);

/*
 * Phone: mainland mobile (11 digits starting with 1[3-9]) with spaces, dashes
 * or a +86 / 0086 / 86 prefix -> "13800138000"; landline with area code
 * ("010-12345678", "0755 8888 6666", "(021)12345678") -> "010-12345678".
 * The area code is 010 or 02x (three digits) or 0xxx, the number 7-8 digits;
 * "+86 10 12345678" gets its trunk 0 back. A leading label ("电话:", "Tel")
 * is allowed. Errors: DLG_E_EMPTY; DLG_E_TOOSHORT / DLG_E_TOOLONG for a
 * wrong digit count (a 10-digit mobile, "12345"); else DLG_E_FORMAT
 * (letters, foreign country codes, no area code).
 */
int dlg_norm_phone(const char *in, char *out, size_t outlen);

/*
 * "13800138000" -> "138****8000", "010-12345678" -> "010-****5678" (any form
 * dlg_norm_phone accepts). Anything else becomes "****" plus its last 4
 * digits, or just "****" when it has fewer than 8. OUT too small (16 bytes
 * fit every phone) gives "", never a partial mask.
 */
void dlg_mask_phone(const char *phone, char *out, size_t outlen);

/*
 * Preferred time: any non-empty text is accepted and copied (folded) to OUT.
 * When it is a common form it also becomes a timestamp in *AT (else *AT = 0):
 *   今天下午3点, 明天上午, 后天晚上7点半, 今晚8点, 周六上午, 下周一,
 *   tomorrow 9am, today 3pm, tonight, 2026-11-28 15:00, 11-28 15:00, 11月28日下午3点,
 *   15:00 (today, or tomorrow if already past), 尽快/asap/now/随时 (= NOW).
 * Parts of day without an hour: 上午 9:00, 中午 12:00, 下午 14:00, 傍晚 18:00,
 * 晚上 19:00; a day alone (后天, 周六, 12月1日) means 9:00 that day. Also
 * Chinese numerals (三点半, 十一点, 两点一刻), ranges (下午3-5点: the start),
 * 3天后, 2小时后, in 30 minutes. An hour of 1-6 with no part of day or am/pm
 * is taken as afternoon. Without a day, a time already past today means
 * tomorrow; a past time "today" (今天, said after 9:00) becomes NOW. Two
 * different answers ("明天或者后天") or impossible dates give *AT = 0.
 * AT may be NULL. Returns 0, DLG_E_EMPTY, DLG_E_TOOLONG (over 100
 * characters) or DLG_E_SPACE.
 */
int dlg_parse_time(const char *in, time_t now, char *out, size_t outlen, time_t *at);

/*
 * Where to cut S (N bytes) so that at most MAXCP code points (0: any number)
 * and at most MAXBYTES bytes (0: any number) are kept: the length in bytes
 * of the longest such prefix that ends between two characters as people
 * see them (grapheme clusters, approximately): never inside a UTF-8
 * sequence, before a combining mark, variation selector, skin tone, tag or
 * zero-width joiner, right after a joiner (so an emoji ZWJ sequence such as
 * a family is kept whole or left out whole), or between the two halves of a
 * flag. A single cluster longer than the limit itself is cut between code
 * points (not after a joiner). S itself (N) when it fits.
 */
size_t dlg_cut(const char *s, size_t n, size_t maxcp, size_t maxbytes);

/* Description: folded, not empty, at least 2 characters, at most DLG_DESC_MAX. */
int dlg_check_description(const char *in, char *out, size_t outlen);

/*
 * A person's name: 1..DLG_NAME_MAX characters, folded. DLG_E_FORMAT for
 * digits only (a phone given by mistake) or a '@' or '/' (a mention or a
 * command).
 */
int dlg_check_name(const char *in, char *out, size_t outlen);

/*
 * Details found in a free first message such as "3-2-501 厨房漏水 13800138000".
 * Each found item is normalised as its validator would; what remains (with
 * the found parts and trigger words removed and trimmed) is the description.
 * Empty strings mean not found.
 * Removed from the start: @mentions (and OneBot [CQ:at,...]), /repair /clean
 * /errand /ask (also /repair@Bot) and 报修 保洁 代办 咨询. Labels before a found
 * item (电话, 手机号, 房号, room, phone...) go with it. The phone is looked for
 * first so its digits are never read as a room; a room in free text needs a
 * dash, slash or 栋/单元-style marks (not plain spaces), and dates or counts
 * such as "2026-11-28" and "2-3个" are not rooms. The first of each is taken.
 * The description is cut to DLG_DESC_MAX characters. X is caller memory;
 * TEXT may be NULL.
 */
struct dlg_extract {
	char room[32];
	char phone[32];
	char description[DLG_DESC_MAX * 4 + 1];
};
void dlg_extract_details(const char *text, struct dlg_extract *x);

/* Number of Unicode code points in a UTF-8 string (invalid bytes count as one). */
size_t dlg_utf8_len(const char *s);

#endif
