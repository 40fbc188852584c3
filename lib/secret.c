/*
 * secret.c - comparing secrets over their full length in constant time, and
 * the checks on header values and configured tokens; see secret.h.
 */
#include "lib/secret.h"

#include <string.h>

#include <openssl/crypto.h>

#define STR_(x) #x
#define STR(x)  STR_(x)

int secret_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	/* The lengths are no secret (a header's length is on the wire anyway). */
	if (!a || !b || !alen || alen != blen)
		return 0;
	return CRYPTO_memcmp(a, b, alen) == 0;
}

int secret_equal_str(const char *a, const char *b)
{
	if (!a || !b)
		return 0;
	return secret_equal(a, strlen(a), b, strlen(b));
}

int secret_clean(const void *v, size_t len)
{
	const unsigned char *s = v;
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

const char *secret_weak(const char *t, size_t len)
{
	unsigned char seen[256] = {0};
	size_t i, distinct = 0;

	if (!t || !len)
		return "empty";
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c <= 0x20 || c == 0x7f)
			return "holds a space or a control character";
		if (!seen[c]++)
			distinct++;
	}
	if (len < SECRET_TOKEN_MIN)
		return "too short: at least " STR(
		        SECRET_TOKEN_MIN) " characters (`openssl rand -hex 16`)";
	if (distinct < SECRET_TOKEN_DISTINCT)
		return "too easy to guess: at least " STR(
		        SECRET_TOKEN_DISTINCT) " different characters";
	return NULL;
}
