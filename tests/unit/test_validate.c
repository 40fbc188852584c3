/*
 * test_validate.c - tables of what residents really type, with the normal
 * form each validator must store or the error it must give, plus the free
 * first messages the intake mines for details. A final pass feeds every
 * entry point random fragments and cut buffers so ASan can see any overrun.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "dialogs/validate.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct ok_case {
	const char *in;
	const char *out;
};

struct bad_case {
	const char *in;
	int rc;
};

typedef int (*norm_fn)(const char *, char *, size_t);

static void run_ok(norm_fn fn, const char *what, const struct ok_case *c, size_t n)
{
	char out[2100];
	size_t i, failed = 0;

	for (i = 0; i < n; i++) {
		int rc;

		memset(out, 'x', sizeof(out));
		rc = fn(c[i].in, out, sizeof(out));
		if (rc != 0 || strcmp(out, c[i].out) != 0) {
			print_error("%s(\"%s\") = %d \"%s\", want 0 \"%s\"\n", what, c[i].in, rc,
			            out, c[i].out);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static void run_bad(norm_fn fn, const char *what, const struct bad_case *c, size_t n)
{
	char out[2100];
	size_t i, failed = 0;

	for (i = 0; i < n; i++) {
		int rc;

		memset(out, 'x', sizeof(out));
		rc = fn(c[i].in, out, sizeof(out));
		if (rc != c[i].rc || out[0] != '\0') {
			print_error("%s(\"%s\") = %d \"%.40s\", want %d and an empty OUT\n", what,
			            c[i].in, rc, out, c[i].rc);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* ---- fold and length ---- */

static const struct ok_case fold_ok[] = {
        {"", ""},
        {"   ", ""},
        {"abc", "abc"},
        {"  a   b  ", "a b"},
        {"\t3\n栋\r\n", "3 栋"},
        {"３－２－５０１", "3-2-501"},
        {"\xe3\x80\x80厨房\xe3\x80\x80\xe3\x80\x80漏水\xe3\x80\x80", "厨房 漏水"},
        {"Ａｂｃ！", "Abc!"},
        {"（０２１）", "(021)"},
        {"3—2–501", "3-2-501"},
        {"3\xe2\x88\x92"
         "2\xe2\x80\x90"
         "501",
         "3-2-501"}, /* U+2212, U+2010 */
        {"a\xe2\x80\x8b"
         "b\xef\xbb\xbf",
         "ab"}, /* zero-width space, BOM */
        {"a\xc2\xa0"
         "b",
         "a b"}, /* no-break space */
        {"bad\xff"
         "byte",
         "bad\xef\xbf\xbd"
         "byte"},                                       /* U+FFFD */
        {"cut\xe5\x8e", "cut\xef\xbf\xbd\xef\xbf\xbd"}, /* truncated sequence */
        {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},       /* overlong '/' */
        {"😀 ok", "😀 ok"},
        {"厨房，漏水。", "厨房,漏水。"},
};

static void test_fold(void **state)
{
	char small[6];

	(void)state;
	run_ok(dlg_fold, "dlg_fold", fold_ok, N(fold_ok));
	assert_int_equal(dlg_fold("abcdef", small, sizeof(small)), DLG_E_SPACE);
	assert_string_equal(small, "abcde");
	/* A cut never splits a character. */
	assert_int_equal(dlg_fold("ab厨房", small, sizeof(small)), DLG_E_SPACE);
	assert_string_equal(small, "ab厨");
	assert_int_equal(dlg_fold("abc", small, 0), DLG_E_SPACE);
	assert_int_equal(dlg_fold("abc", NULL, 8), DLG_E_SPACE);
	assert_int_equal(dlg_fold(NULL, small, sizeof(small)), 0);
	assert_string_equal(small, "");
}

static void test_utf8_len(void **state)
{
	(void)state;
	assert_int_equal(dlg_utf8_len(""), 0);
	assert_int_equal(dlg_utf8_len("abc"), 3);
	assert_int_equal(dlg_utf8_len("厨房漏水"), 4);
	assert_int_equal(dlg_utf8_len("a😀b"), 3);
	assert_int_equal(dlg_utf8_len("a\xff\xfe"
	                              "b"),
	                 4);
	assert_int_equal(dlg_utf8_len("\xe5\x8e"), 2);
	assert_int_equal(dlg_utf8_len(NULL), 0);
}

/* ---- rooms ---- */

static const struct ok_case room_ok[] = {
        {"3-2-501", "3-2-501"},
        {"3栋2单元501", "3-2-501"},
        {"3号楼2单元501室", "3-2-501"},
        {"3幢2单元501", "3-2-501"},
        {"3座2单元501", "3-2-501"},
        {"3号2单元501", "3-2-501"},
        {"3号2单元501号", "3-2-501"},
        {"3#2单元501", "3-2-501"},
        {"3 2 501", "3-2-501"},
        {"3/2/501", "3-2-501"},
        {"3.2.501", "3-2-501"},
        {"３－２－５０１", "3-2-501"},
        {"３栋２单元５０１", "3-2-501"},
        {"\xe3\x80\x80"
         "3 栋 2 单元 501 室\xe3\x80\x80",
         "3-2-501"},
        {"3号楼 2单元 501室", "3-2-501"},
        {"3 - 2 - 501", "3-2-501"},
        {"03-02-0501", "3-2-501"},
        {"3栋2门501", "3-2-501"},
        {"12-1203", "12-1203"},
        {"12栋1203", "12-1203"},
        {"12栋1203室", "12-1203"},
        {"12 1203", "12-1203"},
        {"A-2-501", "A-2-501"},
        {"a-2-501", "A-2-501"},
        {"A座2单元501", "A-2-501"},
        {"b栋1203", "B-1203"},
        {"Ｂ座１２０３", "B-1203"},
        {"1234-1234-12345", "1234-1234-12345"},
        {"3-2-501号房", "3-2-501"},
};

static const struct bad_case room_bad[] = {
        {"", DLG_E_EMPTY},
        {"   ", DLG_E_EMPTY},
        {"\xe3\x80\x80", DLG_E_EMPTY},
        {NULL, DLG_E_EMPTY},
        {"abc", DLG_E_FORMAT},
        {"AB-2-501", DLG_E_FORMAT},
        {"A", DLG_E_FORMAT},
        {"3-B-501", DLG_E_FORMAT},
        {"3-2-50A", DLG_E_FORMAT},
        {"3-2-501x", DLG_E_FORMAT},
        {"501", DLG_E_TOOSHORT},
        {"501室", DLG_E_TOOSHORT},
        {"501号房", DLG_E_TOOSHORT},
        {"12-1", DLG_E_TOOSHORT},
        {"12.1", DLG_E_TOOSHORT},
        {"12栋1", DLG_E_TOOSHORT},
        {"12-050", DLG_E_TOOSHORT},
        {"2单元501", DLG_E_TOOSHORT},
        {"3栋2单元", DLG_E_TOOSHORT},
        {"3-2-501-7", DLG_E_FORMAT},
        {"3--2-501", DLG_E_FORMAT},
        {"3-2-", DLG_E_FORMAT},
        {"-3-2-501", DLG_E_FORMAT},
        {"3单元2栋501", DLG_E_FORMAT},
        {"0-2-501", DLG_E_FORMAT},
        {"3-0-501", DLG_E_FORMAT},
        {"3-2-000", DLG_E_FORMAT},
        {"12345-2-501", DLG_E_TOOLONG},
        {"3-12345-501", DLG_E_TOOLONG},
        {"3-2-123456", DLG_E_TOOLONG},
        {"99999999999-2-501", DLG_E_TOOLONG},
        {"我家3-2-501", DLG_E_FORMAT},
        {"三栋二单元501", DLG_E_FORMAT},
        {"3:2:501", DLG_E_FORMAT},
        {"3-2-501 13800138000", DLG_E_FORMAT},
        {"3-2-501 3-2-502", DLG_E_FORMAT},
        {"1234567890123456789012345678901234567890123456789012345678901234567890"
         "1234567890123456789012345678901234567890123456789012345678901234567890",
         DLG_E_TOOLONG},
};

static void test_room(void **state)
{
	char out[32], tiny[6];

	(void)state;
	run_ok(dlg_norm_room, "dlg_norm_room", room_ok, N(room_ok));
	run_bad(dlg_norm_room, "dlg_norm_room", room_bad, N(room_bad));
	assert_int_equal(dlg_norm_room("3-2-501", tiny, sizeof(tiny)), DLG_E_SPACE);
	assert_string_equal(tiny, "");
	assert_int_equal(dlg_norm_room("3-2-501", tiny, 0), DLG_E_SPACE);
	assert_int_equal(dlg_norm_room("3-2-501", out, 8), 0);
	assert_string_equal(out, "3-2-501");
}

/* ---- phones ---- */

static const struct ok_case phone_ok[] = {
        {"13800138000", "13800138000"},
        {"138 0013 8000", "13800138000"},
        {"138-0013-8000", "13800138000"},
        {"１３８００１３８０００", "13800138000"},
        {"138\xe3\x80\x80"
         "0013\xe3\x80\x80"
         "8000",
         "13800138000"},
        {"+86 138 0013 8000", "13800138000"},
        {"+8613800138000", "13800138000"},
        {"+86-138-0013-8000", "13800138000"},
        {"0086 13800138000", "13800138000"},
        {"008613800138000", "13800138000"},
        {"86 13800138000", "13800138000"},
        {"8613800138000", "13800138000"},
        {"(+86) 13800138000", "13800138000"},
        {"19912345678", "19912345678"},
        {"电话：13800138000", "13800138000"},
        {"手机 138 0013 8000", "13800138000"},
        {"Tel: 13800138000", "13800138000"},
        {"010-12345678", "010-12345678"},
        {"01012345678", "010-12345678"},
        {"0755-88886666", "0755-88886666"},
        {"0755 8888 6666", "0755-88886666"},
        {"(021) 1234 5678", "021-12345678"},
        {"(021)12345678", "021-12345678"},
        {"021 12345678", "021-12345678"},
        {"０２１－１２３４５６７８", "021-12345678"},
        {"0311-1234567", "0311-1234567"},
        {"+86 10 12345678", "010-12345678"},
        {"+86 755 8888 6666", "0755-88886666"},
        {"+86 (0)755 8888 6666", "0755-88886666"},
};

static const struct bad_case phone_bad[] = {
        {"", DLG_E_EMPTY},
        {"  ", DLG_E_EMPTY},
        {NULL, DLG_E_EMPTY},
        {"1380013800", DLG_E_TOOSHORT},
        {"138001380001", DLG_E_TOOLONG},
        {"12345", DLG_E_TOOSHORT},
        {"12345678901", DLG_E_FORMAT},
        {"11012345678", DLG_E_FORMAT},
        {"abc", DLG_E_FORMAT},
        {"138OO138000", DLG_E_FORMAT},
        {"1380013800a", DLG_E_FORMAT},
        {"138/0013/8000", DLG_E_FORMAT},
        {"+1 415 555 0100", DLG_E_FORMAT},
        {"+44 20 7946 0958", DLG_E_FORMAT},
        {"010-123456", DLG_E_TOOSHORT},
        {"010-123456789", DLG_E_TOOLONG},
        {"0755-123456", DLG_E_TOOSHORT},
        {"0755-123456789", DLG_E_TOOLONG},
        {"011-12345678", DLG_E_FORMAT},
        {"0012345678", DLG_E_FORMAT},
        {"88886666", DLG_E_FORMAT},
        {"5551234", DLG_E_FORMAT},
        {"---", DLG_E_FORMAT},
        {"+", DLG_E_FORMAT},
        {"+86", DLG_E_TOOSHORT},
        {"12345678901234567890123456789", DLG_E_TOOLONG},
        {"13800138000 13900139000", DLG_E_TOOLONG},
        {"我的电话13800138000", DLG_E_FORMAT},
};

static void test_phone(void **state)
{
	char out[12];

	(void)state;
	run_ok(dlg_norm_phone, "dlg_norm_phone", phone_ok, N(phone_ok));
	run_bad(dlg_norm_phone, "dlg_norm_phone", phone_bad, N(phone_bad));
	assert_int_equal(dlg_norm_phone("13800138000", out, sizeof(out)), 0);
	assert_string_equal(out, "13800138000");
	assert_int_equal(dlg_norm_phone("13800138000", out, 11), DLG_E_SPACE);
	assert_string_equal(out, "");
	assert_int_equal(dlg_norm_phone("0755-88886666", out, sizeof(out)), DLG_E_SPACE);
	assert_string_equal(out, "");
}

static const struct ok_case mask_cases[] = {
        {"13800138000", "138****8000"},
        {"+86 138 0013 8000", "138****8000"},
        {"010-12345678", "010-****5678"},
        {"0755-88886666", "0755-****6666"},
        {"0311-1234567", "0311-***4567"},
        {"12345678901234", "****1234"},
        {"1234", "****"},
        {"", "****"},
        {"abc", "****"},
};

static void test_mask(void **state)
{
	char out[32];
	size_t i;

	(void)state;
	for (i = 0; i < N(mask_cases); i++) {
		dlg_mask_phone(mask_cases[i].in, out, sizeof(out));
		if (strcmp(out, mask_cases[i].out) != 0)
			fail_msg("dlg_mask_phone(\"%s\") = \"%s\", want \"%s\"", mask_cases[i].in,
			         out, mask_cases[i].out);
	}
	/* Too small: nothing rather than a cut that might show more digits. */
	dlg_mask_phone("13800138000", out, 8);
	assert_string_equal(out, "");
	dlg_mask_phone("13800138000", out, 12);
	assert_string_equal(out, "138****8000");
	dlg_mask_phone("0755-88886666", out, 13);
	assert_string_equal(out, "");
	dlg_mask_phone("0755-88886666", out, 14);
	assert_string_equal(out, "0755-****6666");
	dlg_mask_phone(NULL, out, sizeof(out));
	assert_string_equal(out, "");
	dlg_mask_phone("13800138000", NULL, 0);
}

/* ---- preferred time ---- */

static time_t local(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {0};

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

#define NOW_ -1 /* expected: the NOW passed in */
#define NONE 0  /* expected: *at == 0 */

/* Now is Friday 2026-11-27 10:00 in Asia/Shanghai. */
static const struct time_case {
	const char *in;
	int y, mo, d, h, mi; /* y is NOW_ or NONE for those */
} time_cases[] = {
        {"今天下午3点", 2026, 11, 27, 15, 0},
        {"明天上午", 2026, 11, 28, 9, 0},
        {"tomorrow 9am", 2026, 11, 28, 9, 0},
        {"Tomorrow 9 AM", 2026, 11, 28, 9, 0},
        {"2026-11-28 15:00", 2026, 11, 28, 15, 0},
        {"2026/11/28 15:00", 2026, 11, 28, 15, 0},
        {"2026年11月28日下午3点", 2026, 11, 28, 15, 0},
        {"11-28 15:00", 2026, 11, 28, 15, 0},
        {"11月28日下午3点", 2026, 11, 28, 15, 0},
        {"11月28号上午10点", 2026, 11, 28, 10, 0},
        {"１１月２８日　下午３点", 2026, 11, 28, 15, 0},
        {"下午3点半", 2026, 11, 27, 15, 30},
        {"15:00", 2026, 11, 27, 15, 0},
        {"９:３０", 2026, 11, 28, 9, 30}, /* already past today */
        {"8点", 2026, 11, 28, 8, 0},
        {"今晚8点", 2026, 11, 27, 20, 0},
        {"今晚", 2026, 11, 27, 19, 0},
        {"tonight", 2026, 11, 27, 19, 0},
        {"后天", 2026, 11, 29, 9, 0},
        {"后天晚上7点半", 2026, 11, 29, 19, 30},
        {"大后天中午", 2026, 11, 30, 12, 0},
        {"周六上午", 2026, 11, 28, 9, 0},
        {"星期六上午", 2026, 11, 28, 9, 0},
        {"礼拜天下午", 2026, 11, 29, 14, 0},
        {"周五下午", 2026, 11, 27, 14, 0},  /* today is Friday, still ahead */
        {"周五上午9点", 2026, 12, 4, 9, 0}, /* today is Friday, already past */
        {"下周一", 2026, 11, 30, 9, 0},
        {"下周六下午2点", 2026, 12, 5, 14, 0},
        {"saturday morning", 2026, 11, 28, 9, 0},
        {"next monday 10am", 2026, 11, 30, 10, 0},
        {"tomorrow afternoon", 2026, 11, 28, 14, 0},
        {"tomorrow 2:30pm", 2026, 11, 28, 14, 30},
        {"tomorrow 2:30 p.m.", 2026, 11, 28, 14, 30},
        {"today 3pm", 2026, 11, 27, 15, 0},
        {"12pm", 2026, 11, 27, 12, 0},
        {"tomorrow 12am", 2026, 11, 28, 0, 0},
        {"this evening", 2026, 11, 27, 19, 0},
        {"明天下午三点", 2026, 11, 28, 15, 0},
        {"明天十点", 2026, 11, 28, 10, 0},
        {"明天上午十一点", 2026, 11, 28, 11, 0},
        {"明天两点", 2026, 11, 28, 14, 0},
        {"明天下午两点一刻", 2026, 11, 28, 14, 15},
        {"明天3点15分", 2026, 11, 28, 15, 15},
        {"明早8点", 2026, 11, 28, 8, 0},
        {"明晚", 2026, 11, 28, 19, 0},
        {"中午1点", 2026, 11, 27, 13, 0},
        {"晚上12点", 2026, 11, 28, 0, 0},
        {"明天下午3-5点", 2026, 11, 28, 15, 0},
        {"明天下午3点到5点", 2026, 11, 28, 15, 0},
        {"tomorrow 2-4pm", 2026, 11, 28, 14, 0},
        {"28号下午", 2026, 11, 28, 14, 0},
        {"1月5日", 2027, 1, 5, 9, 0},
        {"3天后", 2026, 11, 30, 9, 0},
        {"2小时后", 2026, 11, 27, 12, 0},
        {"in 30 minutes", 2026, 11, 27, 10, 30},
        {"半小时后", 2026, 11, 27, 10, 30},
        {"明天上午都可以，最好早点", 2026, 11, 28, 9, 0},
        {"明天下午三点二十分", 2026, 11, 28, 15, 20},
        {"明天三点零五", 2026, 11, 28, 15, 5},
        {"晚上十点", 2026, 11, 27, 22, 0},
        {"明天十二点", 2026, 11, 28, 12, 0},
        {"凌晨3点", 2026, 11, 28, 3, 0},
        {"早上6点", 2026, 11, 28, 6, 0},
        {"周一", 2026, 11, 30, 9, 0},
        {"下午", 2026, 11, 27, 14, 0},
        {"上午", 2026, 11, 28, 9, 0}, /* this morning is half gone: tomorrow's */
        {"今天", NOW_, 0, 0, 0, 0},   /* "today" once 09:00 has passed: as soon as possible */
        {"今天上午9点", NOW_, 0, 0, 0, 0},
        {"asap", NOW_, 0, 0, 0, 0},
        {"ASAP!", NOW_, 0, 0, 0, 0},
        {"尽快", NOW_, 0, 0, 0, 0},
        {"现在", NOW_, 0, 0, 0, 0},
        {"随时", NOW_, 0, 0, 0, 0},
        {"now", NOW_, 0, 0, 0, 0},
        {"越快越好", NOW_, 0, 0, 0, 0},
        {"尽快，明天上午", 2026, 11, 28, 9, 0},
        {"看情况", NONE, 0, 0, 0, 0},
        {"whenever you like", NONE, 0, 0, 0, 0},
        {"周末", NONE, 0, 0, 0, 0},
        {"下周", NONE, 0, 0, 0, 0},
        {"2小时后明天", NONE, 0, 0, 0, 0},
        {"快一点", NONE, 0, 0, 0, 0},
        {"明天或者后天", NONE, 0, 0, 0, 0},
        {"上午或下午", NONE, 0, 0, 0, 0},
        {"明天3点或者5点", NONE, 0, 0, 0, 0},
        {"2月30日", NONE, 0, 0, 0, 0},
        /* a year other than this one or the next is a slip, not a visit (found by fuzzing) */
        {"0133-3-8", NONE, 0, 0, 0, 0},
        {"9999-11-28 15:00", NONE, 0, 0, 0, 0},
        {"2027-01-05", 2027, 1, 5, 9, 0},
        {"13月1日", NONE, 0, 0, 0, 0},
        {"25:00", NONE, 0, 0, 0, 0},
        {"13pm", NONE, 0, 0, 0, 0},
        {"凌晨", NONE, 0, 0, 0, 0},
        {"3-2-501", NONE, 0, 0, 0, 0},
        {"7号楼", NONE, 0, 0, 0, 0},
        {"1号", 2026, 12, 1, 9, 0},
        {"13800138000", NONE, 0, 0, 0, 0},
        {"snowy monthly", NONE, 0, 0, 0, 0},
};

static void set_tz(void)
{
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
}

static void test_time(void **state)
{
	char out[512];
	time_t now, at, want;
	size_t i, failed = 0;

	(void)state;
	set_tz();
	now = local(2026, 11, 27, 10, 0);
	assert_int_equal(now, 1795744800); /* the zone really is UTC+8 */
	for (i = 0; i < N(time_cases); i++) {
		const struct time_case *c = &time_cases[i];
		int rc;

		at = 12345;
		rc = dlg_parse_time(c->in, now, out, sizeof(out), &at);
		if (rc != 0) {
			print_error("dlg_parse_time(\"%s\") = %d\n", c->in, rc);
			failed++;
			continue;
		}
		want = c->y == NOW_   ? now
		       : c->y == NONE ? 0
		                      : local(c->y, c->mo, c->d, c->h, c->mi);
		if (at != want) {
			char got[32] = "0", exp[32] = "0";
			struct tm tm;

			if (at && localtime_r(&at, &tm))
				strftime(got, sizeof(got), "%Y-%m-%d %H:%M", &tm);
			if (want && localtime_r(&want, &tm))
				strftime(exp, sizeof(exp), "%Y-%m-%d %H:%M", &tm);
			print_error("dlg_parse_time(\"%s\"): at %s, want %s\n", c->in, got, exp);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static void test_time_text(void **state)
{
	char out[512], small[8], long_in[512];
	time_t now, at;

	(void)state;
	set_tz();
	now = local(2026, 11, 27, 10, 0);
	/* The text is kept as typed, only folded. */
	assert_int_equal(dlg_parse_time("  明天\xe3\x80\x80上午  ", now, out, sizeof(out), &at), 0);
	assert_string_equal(out, "明天 上午");
	assert_int_equal(dlg_parse_time("Tomorrow 9AM", now, out, sizeof(out), &at), 0);
	assert_string_equal(out, "Tomorrow 9AM");
	assert_int_equal(dlg_parse_time("看情况", now, out, sizeof(out), &at), 0);
	assert_string_equal(out, "看情况");
	assert_int_equal(at, 0);

	at = 99;
	assert_int_equal(dlg_parse_time("", now, out, sizeof(out), &at), DLG_E_EMPTY);
	assert_int_equal(at, 0);
	assert_int_equal(dlg_parse_time(" \xe3\x80\x80 ", now, out, sizeof(out), &at), DLG_E_EMPTY);
	assert_int_equal(dlg_parse_time(NULL, now, out, sizeof(out), &at), DLG_E_EMPTY);

	memset(long_in, 'a', 100);
	long_in[100] = '\0';
	assert_int_equal(dlg_parse_time(long_in, now, out, sizeof(out), &at), 0);
	long_in[100] = 'a';
	long_in[101] = '\0';
	assert_int_equal(dlg_parse_time(long_in, now, out, sizeof(out), &at), DLG_E_TOOLONG);
	memset(long_in, 0, sizeof(long_in));
	for (int i = 0; i < 101; i++)
		memcpy(long_in + i * 3, "天", 3);
	assert_int_equal(dlg_parse_time(long_in, now, out, sizeof(out), &at), DLG_E_TOOLONG);

	assert_int_equal(dlg_parse_time("明天上午", now, small, sizeof(small), &at), DLG_E_SPACE);
	assert_string_equal(small, "");
	assert_int_equal(at, 0);
	assert_int_equal(dlg_parse_time("明天", now, small, sizeof(small), &at), 0);
	assert_int_equal(at, local(2026, 11, 28, 9, 0));
	assert_int_equal(dlg_parse_time("明天", now, small, sizeof(small), NULL), 0);
}

/* ---- description and name ---- */

static const struct ok_case desc_ok[] = {
        {"厨房漏水", "厨房漏水"},
        {"  kitchen   tap\tleaking ", "kitchen tap leaking"},
        {"漏水", "漏水"},
        {"ok", "ok"},
        {"\xe3\x80\x80卫生间堵了！", "卫生间堵了!"},
};

static const struct bad_case desc_bad[] = {
        {"", DLG_E_EMPTY},      {" \t\n", DLG_E_EMPTY},  {NULL, DLG_E_EMPTY},
        {"漏", DLG_E_TOOSHORT}, {" a ", DLG_E_TOOSHORT},
};

static void test_description(void **state)
{
	char in[DLG_DESC_MAX * 3 + 8], out[DLG_DESC_MAX * 4 + 1], small[8];
	size_t i;

	(void)state;
	run_ok(dlg_check_description, "dlg_check_description", desc_ok, N(desc_ok));
	run_bad(dlg_check_description, "dlg_check_description", desc_bad, N(desc_bad));

	/* The limit is in characters: 500 Chinese characters are 1500 bytes. */
	for (i = 0; i < DLG_DESC_MAX; i++)
		memcpy(in + i * 3, "水", 3);
	in[DLG_DESC_MAX * 3] = '\0';
	assert_int_equal(dlg_check_description(in, out, sizeof(out)), 0);
	assert_int_equal(dlg_utf8_len(out), DLG_DESC_MAX);
	memcpy(in + DLG_DESC_MAX * 3, "a", 2);
	assert_int_equal(dlg_check_description(in, out, sizeof(out)), DLG_E_TOOLONG);
	assert_string_equal(out, "");
	/* Too long wins over too small a buffer: that is what the resident must fix. */
	assert_int_equal(dlg_check_description(in, small, sizeof(small)), DLG_E_TOOLONG);
	assert_int_equal(dlg_check_description("厨房漏水", small, sizeof(small)), DLG_E_SPACE);
	assert_string_equal(small, "");
	assert_int_equal(dlg_check_description("厨房漏水", small, 0), DLG_E_SPACE);
}

static const struct ok_case name_ok[] = {
        {"王", "王"},
        {"王先生", "王先生"},
        {"  Li   Lei ", "Li Lei"},
        {"欧阳 娜娜", "欧阳 娜娜"},
        {"Mary-Jane O'Neil", "Mary-Jane O'Neil"},
        {"王2", "王2"},
};

static const struct bad_case name_bad[] = {
        {"", DLG_E_EMPTY},
        {"   ", DLG_E_EMPTY},
        {NULL, DLG_E_EMPTY},
        {"13800138000", DLG_E_FORMAT},
        {"138 0013 8000", DLG_E_FORMAT},
        {"@concierge", DLG_E_FORMAT},
        {"/repair", DLG_E_FORMAT},
        {"a/b", DLG_E_FORMAT},
        {"王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王",
         DLG_E_TOOLONG},
        {"1234567890123456789012345678901234567890x", DLG_E_TOOLONG},
};

static void test_name(void **state)
{
	char out[8];

	(void)state;
	run_ok(dlg_check_name, "dlg_check_name", name_ok, N(name_ok));
	run_bad(dlg_check_name, "dlg_check_name", name_bad, N(name_bad));
	assert_int_equal(dlg_check_name("王王王王王王王王王王王王王王王王王王王王王王王王王王王王王"
	                                "王王王王王王王王王王",
	                                NULL, 0),
	                 DLG_E_SPACE);
	assert_int_equal(dlg_check_name("王先生", out, 4), DLG_E_SPACE);
	assert_int_equal(dlg_check_name("@concierge", out, 4), DLG_E_FORMAT);
	assert_int_equal(dlg_check_name("13800138000", NULL, 0), DLG_E_FORMAT);
	assert_string_equal(out, "");
}

/* ---- free first messages ---- */

static const struct extract_case {
	const char *text, *room, *phone, *desc;
} extract_cases[] = {
        {"3-2-501 厨房漏水 13800138000", "3-2-501", "13800138000", "厨房漏水"},
        {"报修 3栋2单元501 卫生间堵了", "3-2-501", "", "卫生间堵了"},
        {"/repair kitchen tap leaking 3-2-501", "3-2-501", "", "kitchen tap leaking"},
        {"/repair@ConciergeBot kitchen tap leaking", "", "", "kitchen tap leaking"},
        {"@concierge 报修 厨房漏水", "", "", "厨房漏水"},
        {"@concierge /clean 3-2-501 please clean the stairs", "3-2-501", "",
         "please clean the stairs"},
        /* A chat app's mention codes are removed by its adapter, before this. */
        {"@concierge 报修：厨房漏水，3栋2单元501", "3-2-501", "", "厨房漏水"},
        {"维修 卫生间漏水 3-2-501", "3-2-501", "", "卫生间漏水"},
        {"厨房漏水", "", "", "厨房漏水"},
        {"", "", "", ""},
        {"   ", "", "", ""},
        {"/repair", "", "", ""},
        {"保洁：楼道很脏", "", "", "楼道很脏"},
        {"咨询 物业费怎么交", "", "", "物业费怎么交"},
        {"代办 取快递", "", "", "取快递"},
        {"/ask how do I pay the fee?", "", "", "how do I pay the fee?"},
        {"/errand pick up a parcel", "", "", "pick up a parcel"},
        {"3号楼2单元501室，卫生间漏水，电话13800138000", "3-2-501", "13800138000", "卫生间漏水"},
        {"卫生间漏水 联系电话：138 0013 8000 房号 12-1203", "12-1203", "13800138000", "卫生间漏水"},
        {"kitchen tap leaking, room 3-2-501, phone +86 138 0013 8000", "3-2-501", "13800138000",
         "kitchen tap leaking"},
        {"３栋２单元５０１　厨房漏水　１３８００１３８０００", "3-2-501", "13800138000",
         "厨房漏水"},
        {"A座2单元501 空调不制冷", "A-2-501", "", "空调不制冷"},
        {"12-1203 门锁坏了", "12-1203", "", "门锁坏了"},
        {"厨房漏水13800138000请尽快", "", "13800138000", "厨房漏水请尽快"},
        /* A phone must not become a room, nor part of one. */
        {"138-0013-8000 厨房漏水", "", "13800138000", "厨房漏水"},
        {"电话 138-0013-800 厨房漏水", "", "", "电话 138-0013-800 厨房漏水"},
        {"13800138000", "", "13800138000", ""},
        {"3-2-501 0755-88886666 漏水", "3-2-501", "0755-88886666", "漏水"},
        {"(021) 1234 5678 3栋2单元501 漏水", "3-2-501", "021-12345678", "漏水"},
        {"3栋2单元501 138 0013 8000 漏水", "3-2-501", "13800138000", "漏水"},
        /* Dates, counts and times are not rooms. */
        {"2026-11-28 来修 3-2-501", "3-2-501", "", "2026-11-28 来修"},
        {"11-28 下午来 2个水龙头坏了", "", "", "11-28 下午来 2个水龙头坏了"},
        {"10:30-11:30 来修", "", "", "10:30-11:30 来修"},
        {"2-3个灯不亮", "", "", "2-3个灯不亮"},
        {"501 漏水", "", "", "501 漏水"},
        {"a 2 501 leak", "", "", "a 2 501 leak"},
        {"漏水 3 2 501", "", "", "漏水 3 2 501"},
        {"漏水 3栋 2单元 501室", "3-2-501", "", "漏水"},
        {"12栋1203 漏水", "12-1203", "", "漏水"},
        {"门牌 5-1-302 暖气不热", "5-1-302", "", "暖气不热"},
        {"暖气不热 1380013800", "", "", "暖气不热 1380013800"},
        {"3-2-501-2 漏水", "", "", "3-2-501-2 漏水"},
        {"我家3-2-501厨房漏水", "3-2-501", "", "我家厨房漏水"},
        {"3栋2单元501的厨房漏水", "3-2-501", "", "厨房漏水"},
        {"Room 12-1203, sink blocked, call 138 0013 8000", "12-1203", "13800138000",
         "sink blocked"},
        {"67/055 漏水", "", "", "67/055 漏水"},
        {"bathroom 3-2-501 leaking", "3-2-501", "", "bathroom leaking"},
        {"@物业小助手 报修 住在3栋2单元501，手机是13800138000，门锁坏了", "3-2-501", "13800138000",
         "门锁坏了"},
        {"3栋2门501 门锁坏了", "3-2-501", "", "门锁坏了"},
        {"/repairs are needed", "", "", "repairs are needed"}, /* not /repair */
};

static void test_extract(void **state)
{
	struct dlg_extract x;
	size_t i, failed = 0;

	(void)state;
	for (i = 0; i < N(extract_cases); i++) {
		const struct extract_case *c = &extract_cases[i];

		memset(&x, 'x', sizeof(x));
		dlg_extract_details(c->text, &x);
		if (strcmp(x.room, c->room) || strcmp(x.phone, c->phone) ||
		    strcmp(x.description, c->desc)) {
			print_error("extract(\"%s\") = room \"%s\" phone \"%s\" desc \"%s\"; "
			            "want \"%s\" \"%s\" \"%s\"\n",
			            c->text, x.room, x.phone, x.description, c->room, c->phone,
			            c->desc);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
	dlg_extract_details(NULL, &x);
	assert_string_equal(x.description, "");
	dlg_extract_details("x", NULL);
}

static void test_extract_long(void **state)
{
	struct dlg_extract x;
	char *text, out[DLG_DESC_MAX * 4 + 1];
	size_t i, n = 20000;

	(void)state;
	/* Longer than anything the dialog keeps: cut to DLG_DESC_MAX characters. */
	text = malloc(n * 3 + 64);
	assert_non_null(text);
	strcpy(text, "3-2-501 ");
	for (i = 0; i < n; i++)
		memcpy(text + 8 + i * 3, "漏", 3);
	text[8 + n * 3] = '\0';
	dlg_extract_details(text, &x);
	assert_string_equal(x.room, "3-2-501");
	assert_int_equal(dlg_utf8_len(x.description), DLG_DESC_MAX);
	assert_int_equal(dlg_check_description(x.description, out, sizeof(out)), 0);
	free(text);
}

/* ---- cutting between characters ---- */

#define FAMILY     "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7"
#define FAMILY_CPS 5 /* man ZWJ woman ZWJ girl */

/* N ASCII 'x' and then TAIL, in a malloc'd string. */
static char *xs(size_t n, const char *tail)
{
	char *s = malloc(n + strlen(tail) + 1);

	assert_non_null(s);
	memset(s, 'x', n);
	strcpy(s + n, tail);
	return s;
}

static void test_cut(void **state)
{
	char *s;
	const char *flags = "\xf0\x9f\x87\xa8\xf0\x9f\x87\xb3\xf0\x9f\x87\xaf\xf0\x9f\x87\xb5";
	const char *thumbs = "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd";
	const char *acute = "e\xcc\x81"
	                    "e\xcc\x81";
	size_t i, n;

	(void)state;
	assert_int_equal(dlg_cut("ab", 2, 2, 0), 2);
	assert_int_equal(dlg_cut("ab", 2, 0, 0), 2);
	assert_int_equal(dlg_cut("abc", 3, 2, 0), 2);
	/* A family emoji ending exactly at the limit is kept whole... */
	s = xs(DLG_DESC_MAX - FAMILY_CPS, FAMILY);
	assert_int_equal(dlg_cut(s, strlen(s), DLG_DESC_MAX, 0), strlen(s));
	free(s);
	/* ...and one across it is left out whole, never cut after a joiner. */
	for (i = 1; i < FAMILY_CPS; i++) {
		s = xs(DLG_DESC_MAX - FAMILY_CPS + i, FAMILY);
		assert_int_equal(dlg_cut(s, strlen(s), DLG_DESC_MAX, 0),
		                 DLG_DESC_MAX - FAMILY_CPS + i);
		free(s);
	}
	/* Flags are pairs; skin tones and combining accents stay with their character. */
	assert_int_equal(dlg_cut(flags, strlen(flags), 3, 0), 8);
	assert_int_equal(dlg_cut(flags, strlen(flags), 4, 0), 16);
	assert_int_equal(dlg_cut(thumbs, strlen(thumbs), 3, 0), 8);
	assert_int_equal(dlg_cut(acute, strlen(acute), 3, 0), 3);
	/* A limit in bytes cuts between characters too. */
	assert_int_equal(dlg_cut("漏漏", 6, 0, 4), 3);
	assert_int_equal(dlg_cut("漏漏", 6, 0, 2), 0);
	/* (an emoji sequence longer than the limit keeps what fits, not a dangling joiner) */
	assert_int_equal(dlg_cut(FAMILY, strlen(FAMILY), 0, 17), 11);
	/* One "character" longer than the limit itself is cut between code points. */
	s = malloc(1 + 600 * 2 + 1);
	assert_non_null(s);
	s[0] = 'a';
	for (i = 0; i < 600; i++)
		memcpy(s + 1 + i * 2, "\xcc\x81", 2);
	s[1 + 600 * 2] = '\0';
	n = dlg_cut(s, strlen(s), DLG_DESC_MAX, 0);
	assert_int_equal(n, 1 + (DLG_DESC_MAX - 1) * 2);
	free(s);
}

/* A description of exactly DLG_DESC_MAX characters ending in a ZWJ sequence is kept as sent. */
static void test_description_zwj(void **state)
{
	char out[DLG_DESC_MAX * 4 + 1];
	char *s = xs(DLG_DESC_MAX - FAMILY_CPS, FAMILY);

	(void)state;
	memcpy(s, "kitchen ", 8);
	assert_int_equal(dlg_utf8_len(s), DLG_DESC_MAX);
	assert_int_equal(dlg_check_description(s, out, sizeof(out)), 0);
	assert_string_equal(out, s);
	free(s);
	s = xs(DLG_DESC_MAX - FAMILY_CPS + 1, FAMILY);
	assert_int_equal(dlg_check_description(s, out, sizeof(out)), DLG_E_TOOLONG);
	free(s);
}

/* A 10,000-character first message: its description is cut between two characters. */
static void test_extract_cut_zwj(void **state)
{
	struct dlg_extract x;
	char *text, *p;
	size_t i, n = 10000 / FAMILY_CPS;

	(void)state;
	text = malloc(8 + 2 + n * strlen(FAMILY) + 1);
	assert_non_null(text);
	strcpy(text, "/repair xx");
	for (p = text + 10, i = 0; i < n; i++, p += strlen(FAMILY))
		memcpy(p, FAMILY, strlen(FAMILY));
	*p = '\0';
	dlg_extract_details(text, &x);
	/* 2 + 99 families are 497 characters; a 100th would be cut in two. */
	assert_int_equal(dlg_utf8_len(x.description), 2 + 99 * FAMILY_CPS);
	assert_memory_equal(x.description, text + 8, strlen(x.description));
	free(text);
}

/* ---- robustness ---- */

/* A NULL OUT with a length must be refused, not written. */
static void test_null_out(void **state)
{
	time_t at;

	(void)state;
	assert_int_equal(dlg_fold("abc", NULL, 8), DLG_E_SPACE);
	assert_int_equal(dlg_norm_room("3-2-501", NULL, 8), DLG_E_SPACE);
	assert_int_equal(dlg_norm_room("501", NULL, 8), DLG_E_TOOSHORT);
	assert_int_equal(dlg_norm_phone("13800138000", NULL, 8), DLG_E_SPACE);
	assert_int_equal(dlg_norm_phone("12345", NULL, 8), DLG_E_TOOSHORT);
	assert_int_equal(dlg_parse_time("明天", 0, NULL, 8, &at), DLG_E_SPACE);
	assert_int_equal(dlg_check_description("厨房漏水", NULL, 8), DLG_E_SPACE);
	assert_int_equal(dlg_check_description("漏", NULL, 8), DLG_E_TOOSHORT);
	assert_int_equal(dlg_check_name("王先生", NULL, 8), DLG_E_SPACE);
	dlg_mask_phone("13800138000", NULL, 8);
	dlg_mask_phone("12", NULL, 8);
}

static const char *const fragments[] = {
        "3",       "-",        "2",        "501",  "栋",   "单元",         "室",
        "号",      "号楼",     "座",       "#",    " ",    "\xe3\x80\x80", "１",
        "－",      "A",        "ab",       "+86",  "0086", "138",          "0013",
        "8000",    "(",        ")",        "010",  "点",   "半",           "下午",
        "明天",    "周",       "六",       "下周", "十",   "两",           "月",
        "日",      ":",        "30",       "pm",   "am",   "tomorrow",     "@",
        "/repair", "报修",     "[CQ:at,",  "]",    "电话", "房号",         "\xff",
        "\xe5",    "\xe5\x8e", "\xf0\x9f", "2026", "年",   "小时",         "后",
        "到",      "~",        "。",       "，",   "\t",   "尽快",         "99999",
        "一",      "o'clock",  "a.m.",     "天后", "days",
};

static uint32_t rng = 12345;

static uint32_t next_rand(void)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 16) & 0x7FFF;
}

static void check_out(const char *out, size_t cap)
{
	size_t len = strnlen(out, cap);

	assert_true(len < cap);
}

static void test_random(void **state)
{
	char in[512], out[64];
	struct dlg_extract x;
	time_t at, now;
	size_t round;

	(void)state;
	set_tz();
	now = local(2026, 11, 27, 10, 0);
	for (round = 0; round < 20000; round++) {
		size_t len = 0, k = next_rand() % 12, cap;
		char *heap_in;

		while (k--) {
			const char *f = fragments[next_rand() % N(fragments)];

			if (len + strlen(f) >= sizeof(in))
				break;
			memcpy(in + len, f, strlen(f));
			len += strlen(f);
		}
		/* An exact-size heap copy lets ASan catch a read past the end. */
		heap_in = malloc(len + 1);
		assert_non_null(heap_in);
		memcpy(heap_in, in, len);
		heap_in[len] = '\0';
		cap = 1 + next_rand() % sizeof(out);

		dlg_fold(heap_in, out, cap);
		check_out(out, cap);
		dlg_norm_room(heap_in, out, cap);
		check_out(out, cap);
		dlg_norm_phone(heap_in, out, cap);
		check_out(out, cap);
		dlg_mask_phone(heap_in, out, cap);
		check_out(out, cap);
		dlg_parse_time(heap_in, now, out, cap, &at);
		check_out(out, cap);
		dlg_check_description(heap_in, out, cap);
		check_out(out, cap);
		dlg_check_name(heap_in, out, cap);
		check_out(out, cap);
		dlg_extract_details(heap_in, &x);
		dlg_utf8_len(heap_in);
		free(heap_in);
		check_out(x.room, sizeof(x.room));
		check_out(x.phone, sizeof(x.phone));
		check_out(x.description, sizeof(x.description));
		/* Whatever extract finds, the validators accept as it is. */
		if (x.room[0]) {
			assert_int_equal(dlg_norm_room(x.room, out, sizeof(out)), 0);
			assert_string_equal(out, x.room);
		}
		if (x.phone[0]) {
			assert_int_equal(dlg_norm_phone(x.phone, out, sizeof(out)), 0);
			assert_string_equal(out, x.phone);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fold),
	        cmocka_unit_test(test_utf8_len),
	        cmocka_unit_test(test_room),
	        cmocka_unit_test(test_phone),
	        cmocka_unit_test(test_mask),
	        cmocka_unit_test(test_time),
	        cmocka_unit_test(test_time_text),
	        cmocka_unit_test(test_description),
	        cmocka_unit_test(test_name),
	        cmocka_unit_test(test_extract),
	        cmocka_unit_test(test_extract_long),
	        cmocka_unit_test(test_null_out),
	        cmocka_unit_test(test_random),
	        cmocka_unit_test(test_cut),
	        cmocka_unit_test(test_description_zwj),
	        cmocka_unit_test(test_extract_cut_zwj),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
