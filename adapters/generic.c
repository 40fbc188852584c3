/*
 * generic.c - signatures and outbound bodies of the generic webhook channel;
 * see generic.h. The MAC is OpenSSL's one-shot HMAC() and every comparison
 * of digests is secret_equal() (lib/secret.h), so a forger learns nothing
 * from timing.
 */
#include "adapters/generic.h"

#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lib/secret.h"

#define PREFIX     "sha256="
#define PREFIX_LEN 7

static int mac(const char *secret, const void *body, size_t len, unsigned char md[32])
{
	unsigned int mdlen = 0;
	static const unsigned char empty[1];

	if (!secret || !*secret)
		return -1;
	/* HMAC() wants a non-NULL data pointer even for an empty body */
	if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), len ? body : empty, len, md, &mdlen) ||
	    mdlen != 32)
		return -1;
	return 0;
}

int generic_sign(const char *secret, const void *body, size_t len, char out[72])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	size_t i;

	out[0] = '\0';
	if (mac(secret, body, len, md) < 0)
		return -1;
	memcpy(out, PREFIX, PREFIX_LEN);
	for (i = 0; i < sizeof(md); i++) {
		out[PREFIX_LEN + 2 * i] = hex[md[i] >> 4];
		out[PREFIX_LEN + 2 * i + 1] = hex[md[i] & 15];
	}
	out[GENERIC_SIG_LEN] = '\0';
	return 0;
}

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int generic_verify(const char *secret, const void *body, size_t len, const char *header)
{
	unsigned char want[32], got[32];
	int hi, lo, bad = 0;
	size_t i;

	if (!header || strlen(header) != GENERIC_SIG_LEN ||
	    strncmp(header, PREFIX, PREFIX_LEN) != 0)
		return 0;
	for (i = 0; i < sizeof(got); i++) {
		hi = unhex(header[PREFIX_LEN + 2 * i]);
		lo = unhex(header[PREFIX_LEN + 2 * i + 1]);
		bad |= hi < 0 || lo < 0;
		got[i] = (unsigned char)(((hi & 15) << 4) | (lo & 15));
	}
	if (mac(secret, body, len, want) < 0)
		return 0;
	return secret_equal(want, sizeof(want), got, sizeof(got)) && !bad;
}

char *generic_build_body(int64_t id, const char *chat, const char *payload)
{
	json_t *in = NULL, *out = NULL, *text, *buttons;
	char *s = NULL;

	in = payload ? json_loads(payload, 0, NULL) : NULL;
	if (!json_is_object(in))
		goto done;
	text = json_object_get(in, "text");       /* borrowed */
	buttons = json_object_get(in, "buttons"); /* borrowed */
	out = json_object();
	if (!out)
		goto done;
	/* json_object_set_new steals the new value, also when it fails */
	if (json_object_set_new(out, "id", json_integer((json_int_t)id)) < 0 ||
	    json_object_set_new(out, "chat", json_string(chat ? chat : "")) < 0)
		goto done;
	if (json_object_set_new(out, "text",
	                        json_is_string(text) ? json_copy(text) : json_string("")) < 0)
		goto done;
	if (json_object_set_new(out, "buttons",
	                        json_is_array(buttons) ? json_deep_copy(buttons) : json_array()) <
	    0)
		goto done;
	s = json_dumps(out, JSON_COMPACT);
done:
	json_decref(in);
	json_decref(out);
	return s;
}

enum generic_verdict generic_classify_status(long http_status)
{
	if (http_status >= 200 && http_status < 300)
		return GENERIC_OK;
	if (http_status <= 0 || http_status >= 500 || http_status == 408)
		return GENERIC_RETRY;
	if (http_status == 429)
		return GENERIC_RATE_LIMITED;
	return GENERIC_FATAL;
}
