/*
 * buf.c - growable text buffer with a cap; see buf.h.
 */
#include "lib/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void buf_release(struct buf *b)
{
	free(b->s);
	buf_init(b);
}

char *buf_detach(struct buf *b)
{
	char *s;

	if (b->failed) {
		buf_release(b);
		return NULL;
	}
	s = b->s ? b->s : strdup("");
	buf_init(b);
	return s;
}

const char *buf_str(const struct buf *b)
{
	return b->s ? b->s : "";
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->s)
		b->s[0] = '\0';
}

static int buf_grow(struct buf *b, size_t extra)
{
	size_t need, cap, max = b->limit ? b->limit : BUF_CAP;
	char *s;

	if (b->failed)
		return -1;
	if (extra > max || b->len + extra + 1 > max) {
		b->failed = 1;
		return -1;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	if (cap > max)
		cap = max;
	s = realloc(b->s, cap);
	if (!s) {
		b->failed = 1;
		return -1;
	}
	b->s = s;
	b->cap = cap;
	return 0;
}

int buf_addn(struct buf *b, const char *s, size_t n)
{
	if (buf_grow(b, n) < 0)
		return -1;
	if (!n) {
		b->s[b->len] = '\0'; /* S may be NULL then, and memcpy must not see it */
		return 0;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

int buf_add(struct buf *b, const char *s)
{
	return buf_addn(b, s ? s : "", s ? strlen(s) : 0);
}

int buf_addc(struct buf *b, char c)
{
	return buf_addn(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || buf_grow(b, (size_t)n) < 0)
		return -1;
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int buf_tpl(struct buf *b, const char *tpl, const char *const *args, int nargs)
{
	const char *p = tpl, *start = tpl;

	while (*p) {
		if (p[0] == '{' && p[1] == '{') {
			buf_addn(b, start, (size_t)(p - start));
			buf_addc(b, '{');
			p += 2;
			start = p;
		} else if (p[0] == '{' && p[1] >= '0' && p[1] <= '9' && p[2] == '}') {
			int i = p[1] - '0';

			buf_addn(b, start, (size_t)(p - start));
			if (i < nargs && args[i])
				buf_add(b, args[i]);
			p += 3;
			start = p;
		} else {
			p++;
		}
	}
	buf_addn(b, start, (size_t)(p - start));
	return b->failed ? -1 : 0;
}

void buf_copy(char *dst, size_t len, const char *src)
{
	size_t n;

	if (!len)
		return;
	src = src ? src : "";
	n = strnlen(src, len);
	if (n == len) {
		n = len - 1;
		/* Step back over continuation bytes so no character is cut in half. */
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}
