/*
 * money.c - money and order numbers as people write them: "¥50", "35.5元",
 * "#261127-001". Pure functions.
 */
#include "bot/core_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

void core_money(int64_t fen, char *out, size_t outlen)
{
	int64_t yuan = fen / 100, rest = fen % 100;

	if (rest == 0)
		snprintf(out, outlen, "%lld", (long long)yuan);
	else if (rest % 10 == 0)
		snprintf(out, outlen, "%lld.%lld", (long long)yuan, (long long)(rest / 10));
	else
		snprintf(out, outlen, "%lld.%02lld", (long long)yuan, (long long)rest);
}

int core_parse_money(const char *text, int64_t *fen)
{
	char f[64];
	const char *p;
	int64_t v = 0;
	int digits = 0, frac = -1;
	size_t n;

	if (dlg_fold(text ? text : "", f, sizeof(f)) < 0)
		return -1;
	p = f;
	if (strncmp(p, "\xc2\xa5", 2) == 0) /* ¥ */
		p += 2;
	else if (*p == '$')
		p++;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (frac >= 2)
				return -1;
			if (v > 100000000000LL)
				return -1;
			v = v * 10 + (*p - '0');
			digits++;
			if (frac >= 0)
				frac++;
		} else if (*p == '.' && frac < 0 && digits) {
			frac = 0;
		} else {
			break;
		}
	}
	n = strlen(p);
	if (!digits || frac == 0 ||
	    !(n == 0 || strcmp(p, "元") == 0 || strcmp(p, "块") == 0 || strcmp(p, " yuan") == 0 ||
	      strcmp(p, "yuan") == 0 || strcmp(p, "rmb") == 0))
		return -1;
	if (frac <= 0)
		v *= 100;
	else if (frac == 1)
		v *= 10;
	*fen = v;
	return 0;
}

void core_norm_number(const char *in, char *out, size_t outlen)
{
	char f[64], digits[32];
	size_t i, n = 0;

	if (dlg_fold(in ? in : "", f, sizeof(f)) < 0)
		f[0] = '\0';
	for (i = 0; f[i] && n + 1 < sizeof(digits); i++) {
		if (f[i] >= '0' && f[i] <= '9')
			digits[n++] = f[i];
		else if (f[i] != '-' && f[i] != '#' && f[i] != ' ')
			break;
	}
	digits[n] = '\0';
	if (f[i] || n < 9) {
		buf_copy(out, outlen, f); /* not a number we make; looked up as given */
		return;
	}
	snprintf(out, outlen, "%.6s-%s", digits, digits + 6);
}
