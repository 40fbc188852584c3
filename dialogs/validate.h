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
 * to '-'; trims leading/trailing whitespace and collapses runs of spaces.
 * Returns 0 or DLG_E_SPACE.
 */
int dlg_fold(const char *in, char *out, size_t outlen);

/*
 * Room: building-unit-room. Accepts "3-2-501", "3栋2单元501", "3号楼2单元501室",
 * "3幢2单元501", "3 2 501", "3/2/501", full-width digits, and a two-part
 * building-room ("12-1203", "12栋1203") when the community has no units.
 * Normal form: "3-2-501" (or "12-1203").
 */
int dlg_norm_room(const char *in, char *out, size_t outlen);

/*
 * Phone: mainland mobile (11 digits starting with 1[3-9]) with spaces, dashes
 * or a +86 / 0086 / 86 prefix -> "13800138000"; landline with area code
 * ("010-12345678", "0755 8888 6666", "(021)12345678") -> "010-12345678".
 */
int dlg_norm_phone(const char *in, char *out, size_t outlen);

/* "13800138000" -> "138****8000"; anything else keeps only its last 4 digits. */
void dlg_mask_phone(const char *phone, char *out, size_t outlen);

/*
 * Preferred time: any non-empty text is accepted and copied (folded) to OUT.
 * When it is a common form it also becomes a timestamp in *AT (else *AT = 0):
 *   今天下午3点, 明天上午, 后天晚上7点半, 今晚8点, 周六上午, 下周一,
 *   tomorrow 9am, today 3pm, tonight, 2026-11-28 15:00, 11-28 15:00, 11月28日下午3点,
 *   15:00 (today, or tomorrow if already past), 尽快/asap/now/随时 (= NOW).
 * Parts of day without an hour: 上午 9:00, 中午 12:00, 下午 14:00, 晚上 19:00.
 * Returns 0, DLG_E_EMPTY, DLG_E_TOOLONG (over 100 characters) or DLG_E_SPACE.
 */
int dlg_parse_time(const char *in, time_t now, char *out, size_t outlen, time_t *at);

/* Description: folded, not empty, at least 2 characters, at most DLG_DESC_MAX. */
int dlg_check_description(const char *in, char *out, size_t outlen);

/* A person's name: 1..DLG_NAME_MAX characters, no digits-only, no '@'/'/'. */
int dlg_check_name(const char *in, char *out, size_t outlen);

/*
 * Details found in a free first message such as "3-2-501 厨房漏水 13800138000".
 * Each found item is normalised as its validator would; what remains (with
 * the found parts and trigger words removed and trimmed) is the description.
 * Empty strings mean not found.
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
