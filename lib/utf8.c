/*
 * utf8.c - decoding and encoding UTF-8 one code point at a time; see utf8.h.
 *
 * Strict on purpose: overlong forms and surrogates are refused, so text that
 * passes through here can be handed to jansson and SQLite, which want valid
 * UTF-8, once the broken bytes have been replaced.
 */
#include "lib/utf8.h"

#include <string.h>

size_t utf8_next(const char *s, size_t n, uint32_t *cp)
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
		goto bad;
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
	*cp = UTF8_BAD;
	return 1;
}

size_t utf8_prev(const char *s, size_t pos)
{
	size_t p = pos - 1;
	int back = 0;

	/* No valid sequence has more than three continuation bytes. */
	while (p > 0 && back < 3 && ((unsigned char)s[p] & 0xC0) == 0x80) {
		p--;
		back++;
	}
	return p;
}

size_t utf8_put(uint32_t cp, char *b)
{
	if (cp < 0x80) {
		b[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	b[0] = (char)(0xF0 | (cp >> 18));
	b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	b[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

void utf8_clean(char *dst, size_t dstlen, const char *src, size_t n)
{
	size_t i = 0, o = 0, k, end;
	uint32_t cp;

	if (!dstlen)
		return;
	end = strnlen(src, n);
	while (i < end) {
		k = utf8_next(src + i, end - i, &cp);
		if (k == 1 && cp == UTF8_BAD) { /* a stray byte or worse */
			i++;
			continue;
		}
		if (cp < 0x20 || cp == 0x7f) {
			if (o + 1 >= dstlen)
				break;
			dst[o++] = ' ';
		} else {
			if (o + k >= dstlen)
				break;
			memcpy(dst + o, src + i, k);
			o += k;
		}
		i += k;
	}
	dst[o] = '\0';
}
