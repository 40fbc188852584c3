/*
 * utf8.h - the one UTF-8 decoder the program uses.
 *
 * Text comes from residents' phones, platform JSON and the database, and any
 * of them can carry a broken byte. Every module that walks text code point by
 * code point (the validators, UTF-16 accounting, console tables)
 * goes through these functions, so they all agree on where a character ends
 * and on what a broken byte is: one character, U+FFFD, one byte long.
 * Pure functions; no allocation, no locale.
 */
#ifndef CONCIERGE_UTF8_H
#define CONCIERGE_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_BAD 0xFFFDu /* what a malformed byte decodes to */

/*
 * Decodes the code point at S[0..N) (N > 0) into *CP and returns its length
 * in bytes. A malformed, overlong or truncated sequence, a surrogate or a
 * value past U+10FFFF is consumed as one byte decoding to UTF8_BAD, so a
 * walker always moves forward and never stops inside a valid sequence.
 */
size_t utf8_next(const char *s, size_t n, uint32_t *cp);

/* Start of the code point that ends right before byte POS of S (POS > 0). */
size_t utf8_prev(const char *s, size_t pos);

/* Encodes CP (at most U+10FFFF) into B, which has room for 4 bytes; returns the length. */
size_t utf8_put(uint32_t cp, char *b);

/*
 * Copies at most N bytes of SRC (stopping at a NUL) into DST as clean text
 * for a log line or a status: broken bytes are dropped, control characters
 * become spaces, and it is cut at a code point boundary to fit DSTLEN.
 */
void utf8_clean(char *dst, size_t dstlen, const char *src, size_t n);

#endif
