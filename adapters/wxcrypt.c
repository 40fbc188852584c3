/*
 * wxcrypt.c - the signatures and the message encryption of WeChat's and
 * WeCom's callbacks; see wx.h.
 */
#include "adapters/wx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "lib/secret.h"

#define WX_BLOCK      32         /* PKCS#7 pads to this, not to AES's 16 */
#define WX_CIPHER_MAX (1u << 20) /* bytes of ciphertext taken at most */
#define WX_SIG_PARTS  8

/* ---- signatures --------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int wx_signature(const char *const *parts, size_t n, char out[WX_SIG_LEN])
{
	static const char hex[] = "0123456789abcdef";
	const char *sorted[WX_SIG_PARTS];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	size_t i;
	int ok;

	out[0] = '\0';
	if (n == 0 || n > WX_SIG_PARTS)
		return -1;
	for (i = 0; i < n; i++) {
		if (!parts[i])
			return -1;
		sorted[i] = parts[i];
	}
	qsort(sorted, n, sizeof(sorted[0]), cmp_str);
	ctx = EVP_MD_CTX_new();
	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1;
	for (i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, sorted[i], strlen(sorted[i])) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 20;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	for (i = 0; i < 20; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[40] = '\0';
	return 0;
}

int wx_signature_ok(const char *given, const char *const *parts, size_t n)
{
	char want[WX_SIG_LEN];

	if (!given || wx_signature(parts, n, want) < 0)
		return 0;
	/* The platform sends lower-case hex, as computed here. */
	return secret_equal(want, 40, given, strlen(given));
}

/* ---- base64 ------------------------------------------------------------------------- */

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Strict base64 (padded, no whitespace) of S (LEN bytes) into OUT (at least
 * LEN / 4 * 3 bytes): the number of bytes, or -1.
 */
static long b64_decode(const char *s, size_t len, unsigned char *out)
{
	size_t i, pad = 0, o = 0;
	unsigned long acc;
	int j, v;

	if (len == 0 || len % 4)
		return -1;
	if (s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	for (i = 0; i < len; i += 4) {
		acc = 0;
		for (j = 0; j < 4; j++) {
			if (i + 4 == len && j >= 4 - (int)pad) {
				if (s[i + j] != '=')
					return -1;
				v = 0;
			} else if ((v = b64_value((unsigned char)s[i + j])) < 0) {
				return -1;
			}
			acc = (acc << 6) | (unsigned long)v;
		}
		out[o++] = (unsigned char)(acc >> 16);
		if (i + 4 < len || pad < 2)
			out[o++] = (unsigned char)(acc >> 8);
		if (i + 4 < len || pad < 1)
			out[o++] = (unsigned char)acc;
	}
	return (long)o;
}

int wx_aes_key_valid(const char *s)
{
	size_t i;

	if (!s || strlen(s) != WX_AES_KEY_LEN)
		return 0;
	for (i = 0; i < WX_AES_KEY_LEN; i++)
		if (b64_value((unsigned char)s[i]) < 0)
			return 0;
	return 1;
}

int wx_aes_key(const char *encoding_aes_key, unsigned char key[32])
{
	char padded[WX_AES_KEY_LEN + 2];
	unsigned char raw[33];

	if (!wx_aes_key_valid(encoding_aes_key))
		return -1;
	snprintf(padded, sizeof(padded), "%s=", encoding_aes_key);
	if (b64_decode(padded, WX_AES_KEY_LEN + 1, raw) != 32)
		return -1;
	memcpy(key, raw, 32);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

/* ---- AES-256-CBC -------------------------------------------------------------------- */

/* IN (LEN bytes, a multiple of 16) through AES-256-CBC without padding into OUT. 0, or -1. */
static int aes(int enc, const unsigned char key[32], const unsigned char *in, size_t len,
               unsigned char *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, ok;

	ok = ctx && len <= (size_t)WX_CIPHER_MAX * 2 &&
	     EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, key, enc) == 1 &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	     EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1 &&
	     EVP_CipherFinal_ex(ctx, out + n, &m) == 1 && (size_t)n + (size_t)m == len;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return -1;
}

int wx_decrypt(const unsigned char key[32], const char *b64, size_t len, const char *receiver,
               char **msg, size_t *msglen, char *err, size_t errlen)
{
	unsigned char *ct = NULL, *pt = NULL;
	size_t n, pad, i, rlen, body;
	long ctlen;
	int rc = -1;

	*msg = NULL;
	*msglen = 0;
	if (!b64 || len == 0 || len > WX_CIPHER_MAX / 3 * 4 + 4)
		return fail(err, errlen, "Encrypt: missing or too long");
	ct = malloc(len / 4 * 3 + 1);
	if (!ct)
		return fail(err, errlen, "out of memory");
	ctlen = b64_decode(b64, len, ct);
	if (ctlen < WX_BLOCK || ctlen % WX_BLOCK) {
		fail(err, errlen, "Encrypt: not base64 of whole 32-byte blocks");
		goto out;
	}
	pt = malloc((size_t)ctlen);
	if (!pt || aes(0, key, ct, (size_t)ctlen, pt) < 0) {
		fail(err, errlen, pt ? "Encrypt: cannot be decrypted" : "out of memory");
		goto out;
	}
	n = (size_t)ctlen;
	pad = pt[n - 1];
	if (pad < 1 || pad > WX_BLOCK) {
		fail(err, errlen, "Encrypt: bad padding");
		goto out;
	}
	for (i = n - pad; i < n; i++) {
		if (pt[i] != pad) {
			fail(err, errlen, "Encrypt: bad padding");
			goto out;
		}
	}
	n -= pad;
	if (n < 20) {
		fail(err, errlen, "Encrypt: too short");
		goto out;
	}
	body = ((size_t)pt[16] << 24) | ((size_t)pt[17] << 16) | ((size_t)pt[18] << 8) | pt[19];
	if (body > n - 20) {
		fail(err, errlen, "Encrypt: bad length");
		goto out;
	}
	rlen = n - 20 - body;
	if (!receiver || !secret_equal(pt + 20 + body, rlen, receiver, strlen(receiver))) {
		fail(err, errlen, "Encrypt: for another receiver (AppID or corp ID)");
		goto out;
	}
	*msg = malloc(body + 1);
	if (!*msg) {
		fail(err, errlen, "out of memory");
		goto out;
	}
	memcpy(*msg, pt + 20, body);
	(*msg)[body] = '\0';
	*msglen = body;
	rc = 0;
out:
	if (pt)
		OPENSSL_cleanse(pt, (size_t)(ctlen > 0 ? ctlen : 0));
	free(pt);
	free(ct);
	return rc;
}

char *wx_encrypt(const unsigned char key[32], const unsigned char random[16], const char *msg,
                 size_t len, const char *receiver)
{
	size_t rlen = strlen(receiver), n, total, pad;
	unsigned char *pt, *ct;
	char *out = NULL;

	if (len > WX_CIPHER_MAX || rlen > 256)
		return NULL;
	n = 20 + len + rlen;
	pad = WX_BLOCK - n % WX_BLOCK;
	total = n + pad;
	pt = malloc(total);
	ct = malloc(total);
	if (pt && ct) {
		memcpy(pt, random, 16);
		pt[16] = (unsigned char)(len >> 24);
		pt[17] = (unsigned char)(len >> 16);
		pt[18] = (unsigned char)(len >> 8);
		pt[19] = (unsigned char)len;
		memcpy(pt + 20, msg, len);
		memcpy(pt + 20 + len, receiver, rlen);
		memset(pt + n, (int)pad, pad);
		out = aes(1, key, pt, total, ct) == 0 ? malloc((total + 2) / 3 * 4 + 1) : NULL;
		if (out)
			EVP_EncodeBlock((unsigned char *)out, ct, (int)total);
	}
	if (pt)
		OPENSSL_cleanse(pt, total);
	free(pt);
	free(ct);
	return out;
}
