/*
 * buf.h - a growable, always NUL-terminated text buffer with a size cap.
 *
 * Used to compose replies and JSON. A buffer starts empty ({0} is a valid
 * empty buffer), grows on demand and refuses to grow past BUF_CAP so that no
 * input can make the program allocate without bound. Once an append fails the
 * buffer remembers it (b->failed) and ignores later appends, so callers can
 * compose freely and check once at the end.
 */
#ifndef CONCIERGE_BUF_H
#define CONCIERGE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#define BUF_CAP (1u << 20)

struct buf {
	char *s;    /* owned; NULL until the first append */
	size_t len; /* bytes, without the NUL */
	size_t cap;
	int failed;   /* an append hit the cap or malloc failed */
	size_t limit; /* the cap for this buffer, set after buf_init; 0: BUF_CAP */
};

void buf_init(struct buf *b);
void buf_release(struct buf *b);
/* Hands the string over to the caller (free() it), leaving B empty. Never NULL unless failed. */
char *buf_detach(struct buf *b);
/* The current text; "" for an empty buffer. Borrowed until the next append. */
const char *buf_str(const struct buf *b);
void buf_reset(struct buf *b);

int buf_add(struct buf *b, const char *s);
int buf_addn(struct buf *b, const char *s, size_t n);
int buf_addc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/*
 * Appends template TPL with "{0}".."{9}" replaced by ARGS[0..9] (NULL args
 * count as ""). "{{" stands for "{". Used for translated messages, where the
 * order of the arguments differs between languages.
 */
int buf_tpl(struct buf *b, const char *tpl, const char *const *args, int nargs);

/*
 * Copies SRC (NULL counts as "") into DST of LEN bytes, cutting at a UTF-8
 * character boundary when it does not fit. Always NUL-terminates when LEN > 0.
 */
void buf_copy(char *dst, size_t len, const char *src);

#endif
