/*
 * secret.h - the one way Concierge compares a secret, a token or a
 * signature, and what it asks of a header value or a configured token.
 *
 * Every comparison looks at the lengths first and then at every byte in
 * constant time (OpenSSL's CRYPTO_memcmp), whatever bytes the values hold:
 * a value is never read as a C string, so "s3cret\0tail" is not "s3cret".
 * An empty value is never a credential.
 */
#ifndef CONCIERGE_SECRET_H
#define CONCIERGE_SECRET_H

#include <stddef.h>

/* The least a staff (or metrics) token may have: length, different characters. */
#define SECRET_TOKEN_MIN      16
#define SECRET_TOKEN_DISTINCT 6

/*
 * 1 when A (ALEN bytes) and B (BLEN bytes) are the same bytes, 0 otherwise
 * (also when either is empty or NULL). The time taken depends on the
 * lengths only, never on where the values differ.
 */
int secret_equal(const void *a, size_t alen, const void *b, size_t blen);

/* secret_equal() over two NUL-terminated strings (a configured secret and a cleaned value). */
int secret_equal_str(const char *a, const char *b);

/*
 * 1 when V (LEN bytes) holds no NUL and no other control byte (below 0x20,
 * or 0x7f): what a header value or a typed token may hold.
 */
int secret_clean(const void *v, size_t len);

/*
 * Why token T (LEN bytes) is too weak to guard anything, or NULL when it is
 * strong enough: at least SECRET_TOKEN_MIN characters, SECRET_TOKEN_DISTINCT
 * different ones, and no control byte or space. The reason is a static
 * string and never repeats the token.
 */
const char *secret_weak(const char *t, size_t len);

#endif
