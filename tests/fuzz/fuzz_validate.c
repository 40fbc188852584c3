/*
 * fuzz_validate.c - the validators a resident's answers go through
 * (dialogs/validate.h): folding, the room, the phone and its mask, the
 * preferred time, the description, the name, and the details picked out of
 * a first message.
 *
 * Input: byte 0 sets a small output size, byte 1 moves "now" in 90-minute
 * steps from a fixed Thursday 09:00 (Asia/Shanghai); the rest is the text.
 * Each validator runs with a full buffer, then with an exact-size heap buffer
 * of the small size (so a write past it is caught). Invariants: whatever is
 * accepted is valid UTF-8 in its normal form (normalising it again gives
 * the same), a phone's mask never shows the middle digits, a time is within
 * a year before "now" and no further ahead than 9999 days ("9999天后"), a cut
 * output still ends in a NUL.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dialogs/understand.h"
#include "dialogs/validate.h"

#include "fuzz.h"

#define NOW ((time_t)1795654800) /* Thursday 2026-11-26 09:00 in Asia/Shanghai */
#define DAY ((time_t)86400)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	log_set_level(LOG_ERROR + 1);
	return 0;
}

static void utf8_or_fail(const char *what, const char *in, const char *out)
{
	if (!fuzz_utf8_ok(out, strlen(out)))
		fuzz_fail("%s(\"%s\") gave text that is not UTF-8", what, in);
}

typedef int (*norm_fn)(const char *in, char *out, size_t outlen);

/* A normaliser's result is a fixed point; it is UTF-8. */
static void normal_form(const char *what, norm_fn fn, const char *in)
{
	char out[4096], again[4096];
	int rc = fn(in, out, sizeof(out));

	if (rc == 0) {
		utf8_or_fail(what, in, out);
		if (fn(out, again, sizeof(again)) != 0 || strcmp(out, again) != 0)
			fuzz_fail("%s(\"%s\") = \"%s\", which normalises to \"%s\"", what, in, out,
			          again);
	}
}

/* FN into an exact-size buffer of LEN bytes: stays inside, ends in a NUL. */
static void small(const char *what, norm_fn fn, const char *in, size_t len)
{
	char *out = malloc(len);

	if (!out)
		abort();
	memset(out, 'x', len);
	fn(in, out, len);
	if (!memchr(out, '\0', len))
		fuzz_fail("%s(\"%s\") into %zu bytes left no NUL", what, in, len);
	free(out);
}

static int time_fn(const char *in, char *out, size_t outlen)
{
	return dlg_parse_time(in, NOW, out, outlen, NULL);
}

static void phone(const char *in)
{
	char out[64], mask[16];
	size_t i, digits = 0, shown = 0;

	if (dlg_norm_phone(in, out, sizeof(out)) != 0)
		return;
	if (strspn(out, "0123456789-") != strlen(out) || strlen(out) < 7)
		fuzz_fail("phone \"%s\" normalised to \"%s\"", in, out);
	dlg_mask_phone(out, mask, sizeof(mask));
	for (i = 0; out[i]; i++)
		digits += out[i] >= '0' && out[i] <= '9';
	for (i = 0; mask[i]; i++)
		shown += mask[i] >= '0' && mask[i] <= '9';
	/* at least three digits hidden, never the whole number shown */
	if (!strstr(mask, "***") || shown + 3 > digits)
		fuzz_fail("phone \"%s\" masked as \"%s\"", out, mask);
}

static void when(const char *in, time_t now)
{
	char out[1024];
	time_t at = 0;
	int rc = dlg_parse_time(in, now, out, sizeof(out), &at);

	if (rc == 0) {
		utf8_or_fail("dlg_parse_time", in, out);
		if (!out[0])
			fuzz_fail("dlg_parse_time(\"%s\") accepted nothing", in);
		if (at && (at < now - 366 * DAY || at > now + 10000 * DAY))
			fuzz_fail("dlg_parse_time(\"%s\") at %lld, now %lld", in, (long long)at,
			          (long long)now);
		(void)dlg_time_window_end(in, (int64_t)at);
	} else if (at) {
		fuzz_fail("dlg_parse_time(\"%s\") refused (%d) with a time", in, rc);
	}
	(void)dlg_time_is_past(in);
}

static void extract(const char *in)
{
	struct dlg_extract x;
	char out[64];

	memset(&x, 'x', sizeof(x));
	dlg_extract_details(in, &x);
	if (!memchr(x.room, '\0', sizeof(x.room)) || !memchr(x.phone, '\0', sizeof(x.phone)) ||
	    !memchr(x.description, '\0', sizeof(x.description)))
		fuzz_fail("dlg_extract_details(\"%s\") left a field without its NUL", in);
	if (x.room[0] && (dlg_norm_room(x.room, out, sizeof(out)) != 0 || strcmp(out, x.room)))
		fuzz_fail("dlg_extract_details(\"%s\") found room \"%s\", not a normal one", in,
		          x.room);
	if (x.phone[0] && (dlg_norm_phone(x.phone, out, sizeof(out)) != 0 || strcmp(out, x.phone)))
		fuzz_fail("dlg_extract_details(\"%s\") found phone \"%s\", not a normal one", in,
		          x.phone);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct {
		const char *name;
		norm_fn fn;
	} fns[] = {
	        {"dlg_fold", dlg_fold},
	        {"dlg_norm_room", dlg_norm_room},
	        {"dlg_norm_phone", dlg_norm_phone},
	        {"dlg_check_description", dlg_check_description},
	        {"dlg_check_name", dlg_check_name},
	        {"dlg_parse_time", time_fn},
	};
	char *in, out[4096];
	size_t i, len;

	if (size < 2 || size > 4096)
		return 0;
	len = (size_t)data[0] % 48 + 1;
	in = fuzz_str(data + 2, size - 2);
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		if (fns[i].fn(in, out, sizeof(out)) == 0 || fns[i].fn == dlg_fold)
			utf8_or_fail(fns[i].name, in, out);
		if (fns[i].fn != time_fn)
			normal_form(fns[i].name, fns[i].fn, in);
		small(fns[i].name, fns[i].fn, in, len);
	}
	phone(in);
	when(in, NOW + (time_t)data[1] * 5400);
	extract(in);
	dlg_mask_phone(in, out, len < 16 ? len : 16);
	(void)dlg_utf8_len(in);
	free(in);
	return 0;
}
