/*
 * fuzz_wx.c - what WeChat and WeCom share (adapters/wx.h): the callbacks'
 * XML (wxxml.c), and their encryption and signatures (wxcrypt.c).
 *
 * Input: byte 0 picks the part, byte 1 a size; the rest is the text.
 *   0  wx_xml_parse: a refusal leaves nothing; accepted fields are unique,
 *      within the size asked, findable by name.
 *   1  wx_decrypt of the text as base64: either a message for the receiver
 *      or an error saying why.
 *   2  wx_encrypt then wx_decrypt: the same bytes come back, and another
 *      receiver is refused.
 *   3  wx_open on the text as an envelope, with a msg_signature right for its
 *      Encrypt (when it has one) or a wrong one: a wrong one never decrypts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/wx.h"

#include "fuzz.h"

#define AES      "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
#define RECEIVER "wx5823bf96d3bd56c7"

static unsigned char key[32];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR + 1);
	if (wx_aes_key(AES, key) < 0)
		abort();
	return 0;
}

static void xml(const char *data, size_t len, size_t max_value)
{
	struct wx_xml x;
	char err[200];
	size_t i, j;

	memset(&x, 0, sizeof(x));
	if (wx_xml_parse(data, len, max_value, &x, err, sizeof(err)) < 0) {
		if (x.n)
			fuzz_fail("wx_xml_parse refused (%s) and kept %zu fields", err, x.n);
		if (!err[0])
			fuzz_fail("wx_xml_parse refused without saying why");
	} else {
		if (x.n > WX_XML_MAX_FIELDS)
			fuzz_fail("wx_xml_parse kept %zu fields", x.n);
		for (i = 0; i < x.n; i++) {
			if (!x.f[i].name || !x.f[i].value || x.f[i].len > max_value ||
			    strlen(x.f[i].value) > x.f[i].len)
				fuzz_fail("wx_xml_parse: field %zu is not whole", i);
			for (j = 0; j < i; j++)
				if (strcmp(x.f[i].name, x.f[j].name) == 0)
					fuzz_fail("wx_xml_parse: <%s> kept twice", x.f[i].name);
			if (wx_xml_get(&x, x.f[i].name) != x.f[i].value)
				fuzz_fail("wx_xml_get does not find <%s>", x.f[i].name);
		}
	}
	wx_xml_release(&x);
}

static void decrypt(const char *data, size_t len)
{
	char err[200] = "", *msg = NULL;
	size_t n = 0;

	if (wx_decrypt(key, data, len, RECEIVER, &msg, &n, err, sizeof(err)) == 0) {
		if (!msg || strlen(msg) > n)
			fuzz_fail("wx_decrypt: a message that is not whole");
	} else if (!err[0]) {
		fuzz_fail("wx_decrypt refused without saying why");
	}
	free(msg);
}

static void round_trip(const char *data, size_t len, unsigned char r)
{
	unsigned char rnd[16];
	char err[200], *enc, *msg = NULL;
	size_t n = 0;

	memset(rnd, r, sizeof(rnd));
	enc = wx_encrypt(key, rnd, data, len, RECEIVER);
	if (!enc)
		fuzz_fail("wx_encrypt of %zu bytes failed", len);
	if (wx_decrypt(key, enc, strlen(enc), RECEIVER, &msg, &n, err, sizeof(err)) != 0)
		fuzz_fail("wx_decrypt of our own ciphertext failed: %s", err);
	if (n != len || memcmp(msg, data, len) != 0)
		fuzz_fail("wx_decrypt gave %zu bytes for %zu", n, len);
	free(msg);
	msg = NULL;
	if (wx_decrypt(key, enc, strlen(enc), "wx0000000000000000", &msg, &n, err, sizeof(err)) ==
	    0)
		fuzz_fail("wx_decrypt took a message for another receiver");
	free(msg);
	free(enc);
}

static void open_envelope(const char *data, size_t len, int right)
{
	struct wx_xml outer, inner;
	const char *parts[4], *enc;
	char sig[WX_SIG_LEN] = "0000000000000000000000000000000000000000", err[200];
	enum wx_open_fail rc;

	memset(&outer, 0, sizeof(outer));
	if (right && wx_xml_parse(data, len, WX_VALUE_MAX, &outer, err, sizeof(err)) == 0 &&
	    (enc = wx_xml_get(&outer, "Encrypt")) != NULL) {
		parts[0] = "concierge";
		parts[1] = "1714037059";
		parts[2] = "486452656";
		parts[3] = enc;
		if (wx_signature(parts, 4, sig) < 0)
			abort();
	} else {
		right = 0;
	}
	wx_xml_release(&outer);
	memset(&inner, 0, sizeof(inner));
	rc = wx_open(data, len, "concierge", "1714037059", "486452656", sig, key, RECEIVER, &inner,
	             err, sizeof(err));
	if (!right && rc == WX_OPEN_OK)
		fuzz_fail("wx_open opened an envelope with a wrong signature");
	if (rc != WX_OPEN_OK && inner.n)
		fuzz_fail("wx_open refused and kept %zu fields", inner.n);
	wx_xml_release(&inner);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	size_t len;

	if (size < 2 || size > WX_BODY_MAX)
		return 0;
	text = fuzz_str(data + 2, size - 2);
	len = size - 2;
	switch (data[0] % 4) {
	case 0:
		xml(text, len, data[1] & 1 ? (size_t)data[1] : WX_VALUE_MAX);
		break;
	case 1:
		decrypt(text, len);
		break;
	case 2:
		round_trip(text, len, data[1]);
		break;
	case 3:
		open_envelope(text, len, data[1] & 1);
		break;
	}
	free(text);
	return 0;
}
