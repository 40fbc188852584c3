/*
 * test_wechat.c - the WeChat Official Account channel and what it shares
 * with WeCom: the signatures and the encryption with the vectors of
 * shared/channels.md (and round trips), the XML reader with the fixtures
 * under tests/fixtures/wechat/ (entity tricks refused), the configuration,
 * the callback route with hand-made requests, and the outbox calls with
 * every answer the platform documents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/wx.h"
#include "wx_test.h"

#define VEC_TOKEN  "concierge"
#define VEC_AES    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
#define VEC_APPID  "wx5823bf96d3bd56c7"
#define VEC_TS     "1714037059"
#define VEC_NONCE  "486452656"
#define VEC_MSGSIG "a36bea7a146cd5632ac713dc2db73f320885db67"
#define VEC_SIG    "ed06db8571dc98a5afc2bb57cffa3543b2e2e446"
#define VEC_XML                                                                                    \
	"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA["         \
	"oResident01]]></FromUserName><CreateTime>1714037059</"                                    \
	"CreateTime><MsgType><![CDATA[text]]>"                                                     \
	"</MsgType><Content><![CDATA[报修 "                                                      \
	"厨房漏水]]></Content><MsgId>24602312345678901</MsgId></xml>"
#define VEC_ENCRYPT                                                                                \
	"jn1L23DB+6ELqJ+6bruv24PZVIfGgSq8AEzKMpHlJfLZ08jpLz4ItAKiRG036IML4FwlJpnF8GGD2V5EwsxadzI/" \
	"akYJZDpFs9knYRe2Ue+ujRMyg3jh7Ah3hIVzhZ3Sj8s4j/"                                           \
	"U+jiknZ43FIhqmkY6mBQ6Zv16RRVdOd7aNLpr7fBNkzAV"                                            \
	"MpnNMKvt9HoIf48NX7Ts5vdc8J54vK4GdZwamp6eb/bPEmOom+YMRdEd8gjvgDNTT/"                       \
	"Kh2xr6lw0oGbk6+CHVSMmFK/"                                                                 \
	"aP8C3q9T6zt1SUsL25EJDyHiaEyDC4OmBLUZIfP/0jlPWcAPg0/"                                      \
	"vS4yHT4T3egqGBCfnWCXteBaIILXZRnInAkwRw0b"                                                 \
	"sFqrUKYPpbM/hF0dcPHAhPBwS3uUsBOxTmOyxpUxRaT/5yoveQcF7ALwzZqDJp1BdcQ="

/* ---- signatures ---------------------------------------------------------------------------- */

static void test_signature_vectors(void **state)
{
	const char *guide[] = {"AAAAA", "1714037059", "486452656"};
	const char *plain[] = {VEC_TOKEN, VEC_TS, VEC_NONCE};
	const char *safe[] = {VEC_TOKEN, VEC_TS, VEC_NONCE, VEC_ENCRYPT};
	const char *reordered[] = {VEC_NONCE, VEC_ENCRYPT, VEC_TOKEN, VEC_TS};
	char sig[WX_SIG_LEN];

	(void)state;
	/* the platform's own guide */
	assert_int_equal(wx_signature(guide, 3, sig), 0);
	assert_string_equal(sig, "899cf89e464efb63f54ddac96b0a0a235f53aa78");
	assert_int_equal(wx_signature(plain, 3, sig), 0);
	assert_string_equal(sig, VEC_SIG);
	assert_int_equal(wx_signature(safe, 4, sig), 0);
	assert_string_equal(sig, VEC_MSGSIG);
	/* sorted first: the order given does not matter */
	assert_int_equal(wx_signature(reordered, 4, sig), 0);
	assert_string_equal(sig, VEC_MSGSIG);

	assert_true(wx_signature_ok(VEC_MSGSIG, safe, 4));
	assert_false(wx_signature_ok(VEC_SIG, safe, 4));
	assert_false(wx_signature_ok("a36bea7a146cd5632ac713dc2db73f320885db6", safe, 4));
	assert_false(wx_signature_ok("a36bea7a146cd5632ac713dc2db73f320885db670", safe, 4));
	assert_false(wx_signature_ok("", safe, 4));
	assert_false(wx_signature_ok(NULL, safe, 4));
	assert_int_equal(wx_signature(safe, 0, sig), -1);
}

/* ---- the EncodingAESKey and the message encryption ---------------------------------------- */

static void test_aes_key(void **state)
{
	unsigned char key[32];

	(void)state;
	assert_true(wx_aes_key_valid(VEC_AES));
	assert_int_equal(wx_aes_key(VEC_AES, key), 0);
	assert_int_equal(key[0], 0x69); /* base64 "abcd" -> 69 b7 1d */
	assert_int_equal(key[1], 0xb7);
	assert_false(wx_aes_key_valid("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF"));   /* 42 */
	assert_false(wx_aes_key_valid("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH")); /* 44 */
	assert_false(wx_aes_key_valid("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF="));
	assert_false(wx_aes_key_valid("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF-"));
	assert_false(wx_aes_key_valid(NULL));
	assert_int_equal(wx_aes_key("short", key), -1);
}

static void test_encrypt_vector(void **state)
{
	unsigned char key[32];
	char *enc, *msg = NULL, err[200];
	size_t len = 0;

	(void)state;
	assert_int_equal(wx_aes_key(VEC_AES, key), 0);
	enc = wx_encrypt(key, (const unsigned char *)"aaaabbbbccccdddd", VEC_XML, strlen(VEC_XML),
	                 VEC_APPID);
	assert_non_null(enc);
	assert_string_equal(enc, VEC_ENCRYPT);
	free(enc);

	assert_int_equal(wx_decrypt(key, VEC_ENCRYPT, strlen(VEC_ENCRYPT), VEC_APPID, &msg, &len,
	                            err, sizeof(err)),
	                 0);
	assert_int_equal(len, strlen(VEC_XML));
	assert_string_equal(msg, VEC_XML);
	free(msg);

	/* for another account: refused */
	assert_int_equal(wx_decrypt(key, VEC_ENCRYPT, strlen(VEC_ENCRYPT), "wx5823bf96d3bd56c8",
	                            &msg, &len, err, sizeof(err)),
	                 -1);
	assert_null(msg);
	assert_non_null(strstr(err, "receiver"));
	assert_int_equal(wx_decrypt(key, VEC_ENCRYPT, strlen(VEC_ENCRYPT), "wx5823bf96d3bd56c",
	                            &msg, &len, err, sizeof(err)),
	                 -1);
}

static void test_encrypt_round_trip(void **state)
{
	static const size_t lens[] = {0, 1, 11, 12, 13, 31, 32, 33, 44, 45, 1000, 4096};
	unsigned char key[32], rnd[16];
	char *buf, *enc, *msg, err[200];
	size_t i, j, len;

	(void)state;
	assert_int_equal(wx_aes_key("0123456789abcdefghijklmnopqrstuvwxyzABCDEFG", key), 0);
	buf = malloc(4097);
	for (j = 0; j < 4096; j++)
		buf[j] = (char)('a' + j % 26);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(rnd, (int)i, sizeof(rnd));
		enc = wx_encrypt(key, rnd, buf, lens[i], "ww0123456789abcdef");
		assert_non_null(enc);
		msg = NULL;
		assert_int_equal(wx_decrypt(key, enc, strlen(enc), "ww0123456789abcdef", &msg, &len,
		                            err, sizeof(err)),
		                 0);
		assert_int_equal(len, lens[i]);
		assert_memory_equal(msg, buf, lens[i]);
		free(msg);
		free(enc);
	}
	free(buf);
}

static void test_decrypt_refuses(void **state)
{
	unsigned char key[32], other[32];
	char *msg = NULL, err[200], bad[sizeof(VEC_ENCRYPT)];
	size_t len;

	(void)state;
	assert_int_equal(wx_aes_key(VEC_AES, key), 0);
	assert_int_equal(wx_aes_key("0123456789abcdefghijklmnopqrstuvwxyzABCDEFG", other), 0);
	/* another key: the padding or the receiver does not come out */
	assert_int_equal(wx_decrypt(other, VEC_ENCRYPT, strlen(VEC_ENCRYPT), VEC_APPID, &msg, &len,
	                            err, sizeof(err)),
	                 -1);
	/* not base64, a cut text, nothing */
	assert_int_equal(wx_decrypt(key, "!!!!", 4, VEC_APPID, &msg, &len, err, sizeof(err)), -1);
	assert_int_equal(wx_decrypt(key, VEC_ENCRYPT, 40, VEC_APPID, &msg, &len, err, sizeof(err)),
	                 -1);
	assert_int_equal(wx_decrypt(key, "", 0, VEC_APPID, &msg, &len, err, sizeof(err)), -1);
	assert_int_equal(wx_decrypt(key, "QUJD", 4, VEC_APPID, &msg, &len, err, sizeof(err)), -1);
	/* one character changed in the last block: bad padding or receiver */
	memcpy(bad, VEC_ENCRYPT, sizeof(bad));
	bad[sizeof(bad) - 10] = bad[sizeof(bad) - 10] == 'A' ? 'B' : 'A';
	assert_int_equal(wx_decrypt(key, bad, strlen(bad), VEC_APPID, &msg, &len, err, sizeof(err)),
	                 -1);
	assert_null(msg);
}

/* ---- XML ------------------------------------------------------------------------------------- */

static void test_xml_fixtures(void **state)
{
	struct wx_xml x;
	char err[200], *s;

	(void)state;
	s = read_fixture("text.xml");
	assert_int_equal(wx_xml_parse(s, strlen(s), WX_VALUE_MAX, &x, err, sizeof(err)), 0);
	assert_string_equal(wx_xml_get(&x, "FromUserName"), "oResident01");
	assert_string_equal(wx_xml_get(&x, "Content"), "报修 厨房漏水");
	assert_string_equal(wx_xml_get(&x, "MsgType"), "text");
	assert_string_equal(wx_xml_get(&x, "MsgId"), "24602312345678901");
	assert_null(wx_xml_get(&x, "Nothing"));
	wx_xml_release(&x);
	free(s);

	s = read_fixture("image.xml");
	assert_int_equal(wx_xml_parse(s, strlen(s), WX_VALUE_MAX, &x, err, sizeof(err)), 0);
	assert_string_equal(wx_xml_get(&x, "MediaId"), "Ydbq8UmkLg9Xq_3N-media");
	assert_string_equal(wx_xml_get(&x, "CreateTime"), "1714037100");
	wx_xml_release(&x);
	free(s);

	s = read_fixture("voice_recognition.xml");
	assert_int_equal(wx_xml_parse(s, strlen(s), WX_VALUE_MAX, &x, err, sizeof(err)), 0);
	assert_string_equal(wx_xml_get(&x, "Recognition"), "楼道灯不亮了");
	wx_xml_release(&x);
	free(s);

	s = read_fixture("click.xml");
	assert_int_equal(wx_xml_parse(s, strlen(s), WX_VALUE_MAX, &x, err, sizeof(err)), 0);
	assert_string_equal(wx_xml_get(&x, "Event"), "CLICK");
	assert_string_equal(wx_xml_get(&x, "EventKey"), "REPAIR");
	wx_xml_release(&x);
	free(s);

	s = read_fixture("subscribe.xml");
	assert_int_equal(wx_xml_parse(s, strlen(s), WX_VALUE_MAX, &x, err, sizeof(err)), 0);
	assert_string_equal(wx_xml_get(&x, "Event"), "subscribe");
	assert_string_equal(wx_xml_get(&x, "EventKey"), "");
	wx_xml_release(&x);
	free(s);
}

/* Each fixture is refused, and ERR says WHY. */
static void refused(const char *fixture, size_t max, const char *why)
{
	struct wx_xml x;
	char err[200], *s = read_fixture(fixture);

	print_message("%s\n", fixture);
	assert_int_equal(wx_xml_parse(s, strlen(s), max, &x, err, sizeof(err)), -1);
	assert_int_equal(x.n, 0);
	if (!strstr(err, why))
		fail_msg("%s: %s", fixture, err);
	free(s);
}

static void test_xml_refused(void **state)
{
	struct wx_xml x;
	char err[200];

	(void)state;
	refused("malformed.xml", WX_VALUE_MAX, "XML: ");
	refused("billion_laughs.xml", WX_VALUE_MAX, "document type");
	refused("external_entity.xml", WX_VALUE_MAX, "document type");
	refused("doctype_only.xml", WX_VALUE_MAX, "document type");
	refused("duplicate.xml", WX_VALUE_MAX, "twice");
	refused("oversized.xml", WX_VALUE_MAX, "too long");
	/* the same file with room enough is read */
	{
		char *s = read_fixture("oversized.xml");

		if (wx_xml_parse(s, strlen(s), 64 * 1024, &x, err, sizeof(err)) < 0)
			fail_msg("%s", err);
		assert_int_equal(strlen(wx_xml_get(&x, "Content")), 6000 * 3);
		wx_xml_release(&x);
		free(s);
	}
	/* another root, an undefined entity, no XML */
	assert_int_equal(wx_xml_parse("<root><a>1</a></root>", 21, 100, &x, err, sizeof(err)), -1);
	assert_int_equal(wx_xml_parse("<xml><a>&x;</a></xml>", 21, 100, &x, err, sizeof(err)), -1);
	/* the bytes are read as UTF-8, whatever the document says of itself */
	{
		const char *latin =
		        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><xml><a>漏水</a></xml>";

		assert_int_equal(wx_xml_parse(latin, strlen(latin), 100, &x, err, sizeof(err)), 0);
		assert_string_equal(wx_xml_get(&x, "a"), "漏水");
		wx_xml_release(&x);
	}
	assert_int_equal(wx_xml_parse("", 0, 100, &x, err, sizeof(err)), -1);
	assert_int_equal(wx_xml_parse("<xml>", 5, 100, &x, err, sizeof(err)), -1);
	/* the built-in entities and deeper elements are fine; only the root's children count */
	assert_int_equal(wx_xml_parse("<xml><a>&lt;b&gt; &amp;</a><b><c>deep</c>top</b></xml>", 54,
	                              100, &x, err, sizeof(err)),
	                 0);
	assert_string_equal(wx_xml_get(&x, "a"), "<b> &");
	assert_string_equal(wx_xml_get(&x, "b"), "top");
	assert_null(wx_xml_get(&x, "c"));
	wx_xml_release(&x);
}

static void test_xml_limits(void **state)
{
	struct wx_xml x;
	char err[200], buf[4096];
	size_t n = 0;
	int i;

	(void)state;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "<xml>");
	for (i = 0; i < WX_XML_MAX_FIELDS + 1; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "<f%d>v</f%d>", i, i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "</xml>");
	assert_int_equal(wx_xml_parse(buf, n, 100, &x, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too many"));

	n = 0;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "<xml>");
	for (i = 0; i < WX_XML_MAX_DEPTH + 1; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "<d>");
	for (i = 0; i < WX_XML_MAX_DEPTH + 1; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "</d>");
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "</xml>");
	assert_int_equal(wx_xml_parse(buf, n, 100, &x, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "deep"));
}

/* ---- the channel ------------------------------------------------------------------------------
 */

#define CFG_SAFE                                                                                   \
	"{\"enabled\":true,\"app_id\":\"" VEC_APPID "\",\"app_secret\":\"s3cr3t\","                \
	"\"token\":\"" VEC_TOKEN "\",\"encoding_aes_key\":\"" VEC_AES "\",\"mode\":\"safe\","      \
	"\"api_base\":\"http://127.0.0.1:9\"}"
#define CFG_PLAIN                                                                                  \
	"{\"enabled\":true,\"app_id\":\"" VEC_APPID "\",\"app_secret\":\"s3cr3t\","                \
	"\"token\":\"" VEC_TOKEN "\",\"mode\":\"plain\",\"api_base\":\"http://127.0.0.1:9\","      \
	"\"menu\":{\"V1001_FIX\":\"/repair\"}}"
#define CFG_TPL                                                                                    \
	"{\"enabled\":true,\"app_id\":\"" VEC_APPID "\",\"app_secret\":\"s3cr3t\","                \
	"\"token\":\"" VEC_TOKEN "\",\"encoding_aes_key\":\"" VEC_AES "\","                        \
	"\"api_base\":\"http://127.0.0.1:9\",\"templates\":{\"progress\":\"TPL-1\"}}"
#define QUERY_PLAIN                                                                                \
	"signature=" VEC_SIG "&timestamp=" VEC_TS "&nonce=" VEC_NONCE "&openid=oResident01"

static void test_config(void **state)
{
	char *p;

	(void)state;
	p = config_problems("wechat", CFG_SAFE);
	assert_string_equal(p, "");
	free(p);
	/* a switched-off channel may leave everything unset */
	p = config_problems("wechat", "{\"enabled\":false,\"app_id\":\"${NO_SUCH_VAR_WX}\"}");
	assert_string_equal(p, "");
	free(p);
	p = config_problems("wechat", "{\"enabled\":true}");
	assert_non_null(strstr(p, "channels.wechat.app_id: missing"));
	assert_non_null(strstr(p, "channels.wechat.app_secret: missing"));
	assert_non_null(strstr(p, "channels.wechat.token: missing"));
	assert_null(strstr(p, "encoding_aes_key")); /* no key: plain mode */
	free(p);
	p = config_problems("wechat", "{\"enabled\":true,\"mode\":\"safe\"}");
	assert_non_null(strstr(p, "channels.wechat.encoding_aes_key: missing"));
	free(p);
	p = config_problems(
	        "wechat",
	        "{\"enabled\":true,\"app_id\":\"gh_123\",\"app_secret\":\"a b\","
	        "\"token\":\"x\",\"encoding_aes_key\":\"tooshort\",\"mode\":\"secret\","
	        "\"templates\":{\"progress\":\"a b\",\"other\":1},\"menu\":{\"K\":\"repair\"},"
	        "\"colour\":1}");
	assert_non_null(strstr(p, "channels.wechat.app_id: expected the AppID"));
	assert_non_null(strstr(p, "channels.wechat.app_secret: expected"));
	assert_non_null(strstr(p, "channels.wechat.token: expected 3 to 32"));
	assert_non_null(strstr(p, "channels.wechat.encoding_aes_key: expected 43 characters"));
	assert_non_null(
	        strstr(p, "channels.wechat.mode: expected \"plain\", \"safe\" or \"compat\""));
	assert_non_null(strstr(p, "channels.wechat.templates.progress: expected a template ID"));
	assert_non_null(strstr(p, "channels.wechat.templates.other"));
	assert_non_null(strstr(p, "channels.wechat.menu.K: expected a command"));
	assert_non_null(strstr(p, "channels.wechat.colour"));
	free(p);
	/* plain mode needs no key */
	p = config_problems("wechat", CFG_PLAIN);
	assert_string_equal(p, "");
	free(p);
}

static void test_route_vector(void **state)
{
	struct chan ch = load_chan("wechat", CFG_SAFE);
	struct http_answer ans;
	struct inbound *in;
	const char *body = "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>"
	                   "<Encrypt><![CDATA[" VEC_ENCRYPT "]]></Encrypt></xml>";
	const char *query = QUERY_PLAIN "&encrypt_type=aes&msg_signature=" VEC_MSGSIG;

	(void)state;
	in = run_route(&ch, "POST", query, body, &ans);
	assert_non_null(in);
	assert_string_equal(in->channel, "wechat");
	assert_string_equal(in->id, "24602312345678901");
	assert_string_equal(in->chat, "oResident01");
	assert_string_equal(in->user, "oResident01");
	assert_string_equal(in->text, "报修 厨房漏水");
	assert_false(in->is_group);
	assert_string_equal(ans.after_commit, "success");
	inbound_free_list(in);
	http_answer_release(&ans);

	/* the signature over token, timestamp and nonce is checked before the body is read */
	in = run_route(&ch, "POST",
	               "signature=ed06db8571dc98a5afc2bb57cffa3543b2e2e447&timestamp=" VEC_TS
	               "&nonce=" VEC_NONCE "&encrypt_type=aes&msg_signature=" VEC_MSGSIG,
	               body, &ans);
	assert_null(in);
	assert_int_equal(ans.status, 401);
	http_answer_release(&ans);
	/* msg_signature over the Encrypt text, before it is decrypted */
	in = run_route(&ch, "POST",
	               QUERY_PLAIN "&encrypt_type=aes&msg_signature="
	                           "a36bea7a146cd5632ac713dc2db73f320885db68",
	               body, &ans);
	assert_null(in);
	assert_int_equal(ans.status, 401);
	http_answer_release(&ans);
	/* a plain message to an account in safe mode */
	in = run_route(&ch, "POST", QUERY_PLAIN, VEC_XML, &ans);
	assert_null(in);
	assert_int_equal(ans.status, 400);
	http_answer_release(&ans);
	/* no signature at all */
	in = run_route(&ch, "POST", "timestamp=1&nonce=2", body, &ans);
	assert_null(in);
	assert_int_equal(ans.status, 401);
	http_answer_release(&ans);
	ch.a->config_free(ch.conf);
}

static void test_route_url_check(void **state)
{
	struct chan ch = load_chan("wechat", CFG_SAFE);
	struct http_answer ans;
	unsigned char key[32];
	const char *parts[4];
	char q[1024], sig[WX_SIG_LEN];
	char *enc;

	(void)state;
	assert_null(run_route(&ch, "GET", QUERY_PLAIN "&echostr=5918251398", "", &ans));
	assert_int_equal(ans.status, 200);
	assert_string_equal(ans.body, "5918251398");
	http_answer_release(&ans);
	/* encrypted: msg_signature over the encrypted echostr, answered in the clear */
	assert_int_equal(wx_aes_key(VEC_AES, key), 0);
	enc = wx_encrypt(key, (const unsigned char *)"0123456789abcdef", "echo-me", 7, VEC_APPID);
	parts[0] = VEC_TOKEN;
	parts[1] = VEC_TS;
	parts[2] = VEC_NONCE;
	parts[3] = enc;
	assert_int_equal(wx_signature(parts, 4, sig), 0);
	snprintf(q, sizeof(q), "msg_signature=%s&timestamp=%s&nonce=%s&echostr=%s", sig, VEC_TS,
	         VEC_NONCE, enc);
	assert_null(run_route(&ch, "GET", q, "", &ans));
	assert_int_equal(ans.status, 200);
	assert_string_equal(ans.body, "echo-me");
	http_answer_release(&ans);
	sig[0] = sig[0] == 'a' ? 'b' : 'a';
	snprintf(q, sizeof(q), "msg_signature=%s&timestamp=%s&nonce=%s&echostr=%s", sig, VEC_TS,
	         VEC_NONCE, enc);
	assert_null(run_route(&ch, "GET", q, "", &ans));
	assert_int_equal(ans.status, 401);
	http_answer_release(&ans);
	free(enc);
	ch.a->config_free(ch.conf);
}

/* The plain-mode callback of fixture NAME. */
static struct inbound *plain_fixture(struct chan *ch, const char *name, struct http_answer *ans)
{
	char *s = read_fixture(name);
	struct inbound *in = run_route(ch, "POST", QUERY_PLAIN, s, ans);

	free(s);
	return in;
}

static void test_route_messages(void **state)
{
	struct chan ch = load_chan("wechat", CFG_PLAIN);
	struct http_answer ans;
	struct inbound *in;
	json_t *p;

	(void)state;
	in = plain_fixture(&ch, "image.xml", &ans);
	assert_non_null(in);
	assert_string_equal(in->att_kind, "photo");
	assert_string_equal(in->att_ref, "Ydbq8UmkLg9Xq_3N-media");
	assert_string_equal(in->text, "");
	assert_string_equal(in->id, "24602312345678902");
	inbound_free_list(in);
	http_answer_release(&ans);

	in = plain_fixture(&ch, "voice_recognition.xml", &ans);
	assert_non_null(in);
	assert_string_equal(in->text, "楼道灯不亮了");
	assert_null(in->side_payload);
	inbound_free_list(in);
	http_answer_release(&ans);

	/* no recognition: a polite request to type, through the outbox; nothing for the core */
	in = plain_fixture(&ch, "voice_plain.xml", &ans);
	assert_non_null(in);
	assert_null(in->text);
	p = json_loads(in->side_payload, 0, NULL);
	assert_non_null(strstr(json_string_value(json_object_get(p, "text")), "请直接输入文字"));
	json_decref(p);
	inbound_free_list(in);
	http_answer_release(&ans);

	/* a menu key the configuration names, and a built-in one */
	in = plain_fixture(&ch, "click.xml", &ans);
	assert_non_null(in);
	assert_string_equal(in->text, "/repair");
	assert_string_equal(in->id, "ev:oResident01:1714037300:CLICK");
	inbound_free_list(in);
	http_answer_release(&ans);

	in = plain_fixture(&ch, "subscribe.xml", &ans);
	assert_non_null(in);
	assert_string_equal(in->text, "/help");
	assert_string_equal(in->id, "ev:oResident01:1714037400:subscribe");
	inbound_free_list(in);
	http_answer_release(&ans);

	/* refused: nothing handed over */
	assert_null(plain_fixture(&ch, "malformed.xml", &ans));
	assert_int_equal(ans.status, 400);
	http_answer_release(&ans);
	assert_null(plain_fixture(&ch, "billion_laughs.xml", &ans));
	assert_int_equal(ans.status, 400);
	http_answer_release(&ans);
	assert_null(plain_fixture(&ch, "external_entity.xml", &ans));
	assert_int_equal(ans.status, 400);
	http_answer_release(&ans);
	assert_null(plain_fixture(&ch, "oversized.xml", &ans));
	assert_int_equal(ans.status, 400);
	http_answer_release(&ans);
	ch.a->config_free(ch.conf);
}

/* ---- the outbox calls
 * ---------------------------------------------------------------------------- */

#define TOKEN_ANSWER "{\"access_token\":\"T1_abc\",\"expires_in\":7200}"

static void fetch_token(struct chan *ch)
{
	struct adapter_call call;
	struct adapter_verdict v;

	assert_int_equal(build(ch, "oResident01", "{\"text\":\"x\"}", &call), 1);
	assert_non_null(strstr(call.url,
	                       "/cgi-bin/token?grant_type=client_credential&appid=" VEC_APPID
	                       "&secret=s3cr3t"));
	assert_true(call.get);
	answer_call(ch, &call, 200, TOKEN_ANSWER, &v);
	assert_int_equal(v.outcome, ADAPTER_RETRY); /* the row goes again, with it */
	adapter_call_release(&call);
}

static void test_build_custom_send(void **state)
{
	struct chan ch = load_chan("wechat", CFG_SAFE);
	struct adapter_call call;
	const char *content;
	json_t *b;

	(void)state;
	fetch_token(&ch);
	assert_int_equal(build(&ch, "oResident01",
	                       "{\"text\":\"请核对 <a href=\\\"x\\\">漏水</a>\",\"buttons\":["
	                       "{\"label\":\"确认提交\",\"data\":\"yes\"},"
	                       "{\"label\":\"取消\",\"data\":\"cancel\"}]}",
	                       &call),
	                 1);
	assert_string_equal(call.url,
	                    "http://127.0.0.1:9/cgi-bin/message/custom/send?access_token=T1_abc");
	b = json_loads(call.body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(b, "touser")), "oResident01");
	assert_string_equal(json_string_value(json_object_get(b, "msgtype")), "text");
	content = json_string_value(json_object_get(json_object_get(b, "text"), "content"));
	/* no markup: the tag's brackets are full-width; the choices in brackets */
	assert_string_equal(content, "请核对 ＜a href=\"x\"＞漏水＜/a＞\n\n【确认提交】【取消】");
	json_decref(b);
	/* UTF-8 as it is, never \u escapes */
	assert_null(strstr(call.body, "\\u"));
	adapter_call_release(&call);

	/* a long text is cut into parts of at most 2048 bytes */
	{
		char payload[16000];
		size_t i, n = 0;
		int parts;

		n += (size_t)snprintf(payload, sizeof(payload), "{\"text\":\"");
		for (i = 0; i < 1500; i++)
			n += (size_t)snprintf(payload + n, sizeof(payload) - n, "漏");
		snprintf(payload + n, sizeof(payload) - n, "\"}");
		parts = build(&ch, "oResident01", payload, &call);
		assert_int_equal(parts, 3);
		adapter_call_release(&call);
	}
	/* a chat that is no openid, a payload without text: never sendable */
	assert_int_equal(build(&ch, "-100200300 x", "{\"text\":\"x\"}", &call), -1);
	adapter_call_release(&call);
	assert_int_equal(build(&ch, "oResident01", "{\"buttons\":[]}", &call), -1);
	adapter_call_release(&call);
	ch.a->config_free(ch.conf);
}

static void test_classify(void **state)
{
	struct chan ch = load_chan("wechat", CFG_SAFE);
	struct adapter_call call;
	struct adapter_verdict v;

	(void)state;
	fetch_token(&ch);
	build(&ch, "oResident01", "{\"text\":\"hi\"}", &call);
	answer_call(&ch, &call, 200, "{\"errcode\":0,\"errmsg\":\"ok\"}", &v);
	assert_int_equal(v.outcome, ADAPTER_SENT);
	answer_call(&ch, &call, 200, "{\"errcode\":-1,\"errmsg\":\"system error\"}", &v);
	assert_int_equal(v.outcome, ADAPTER_RETRY);
	answer_call(&ch, &call, 502, "<html>bad gateway</html>", &v);
	assert_int_equal(v.outcome, ADAPTER_RETRY);
	answer_call(&ch, &call, 0, NULL, &v);
	assert_int_equal(v.outcome, ADAPTER_RETRY);
	answer_call(&ch, &call, 200, "{\"errcode\":45009,\"errmsg\":\"reach max api daily quota\"}",
	            &v);
	assert_int_equal(v.outcome, ADAPTER_RATE_LIMITED);
	assert_int_equal(v.scope, ADAPTER_SCOPE_CHANNEL);
	answer_call(&ch, &call, 200, "{\"errcode\":43004,\"errmsg\":\"require subscribe\"}", &v);
	assert_int_equal(v.outcome, ADAPTER_DEAD);
	answer_call(&ch, &call, 200, "{\"errcode\":48001,\"errmsg\":\"api unauthorized\"}", &v);
	assert_int_equal(v.outcome, ADAPTER_REFUSED);
	assert_non_null(strstr(v.state, "48001"));
	/* beyond the 48 hours, and no template: kept for the resident's next message */
	answer_call(&ch, &call, 200,
	            "{\"errcode\":45015,\"errmsg\":\"response out of time limit\"}", &v);
	assert_int_equal(v.outcome, ADAPTER_HELD);
	answer_call(&ch, &call, 200, "{\"errcode\":45047,\"errmsg\":\"out of response count\"}",
	            &v);
	assert_int_equal(v.outcome, ADAPTER_HELD);

	/* the token ended: fetched again, then the row goes; refused again: the credentials */
	answer_call(&ch, &call, 200, "{\"errcode\":40001,\"errmsg\":\"invalid credential\"}", &v);
	assert_int_equal(v.outcome, ADAPTER_RETRY);
	adapter_call_release(&call);
	fetch_token(&ch);
	build(&ch, "oResident01", "{\"text\":\"hi\"}", &call);
	answer_call(&ch, &call, 200, "{\"errcode\":40001,\"errmsg\":\"invalid credential\"}", &v);
	assert_int_equal(v.outcome, ADAPTER_REFUSED);
	assert_non_null(strstr(v.state, "40001"));
	adapter_call_release(&call);

	/* a token fetch refused for the secret: the channel waits */
	build(&ch, "oResident01", "{\"text\":\"hi\"}", &call);
	assert_non_null(strstr(call.url, "/cgi-bin/token?"));
	answer_call(&ch, &call, 200, "{\"errcode\":40125,\"errmsg\":\"invalid appsecret\"}", &v);
	assert_int_equal(v.outcome, ADAPTER_REFUSED);
	assert_non_null(strstr(v.state, "40125"));
	assert_null(strstr(v.state, "s3cr3t"));
	adapter_call_release(&call);
	ch.a->config_free(ch.conf);
}

static void test_template_after_45015(void **state)
{
	struct chan ch = load_chan("wechat", CFG_TPL);
	struct adapter_call call;
	struct adapter_verdict v;
	json_t *b;

	(void)state;
	fetch_token(&ch);
	build(&ch, "oResident01", "{\"text\":\"您的工单 261127-001 已由 王师傅 接单\"}", &call);
	assert_non_null(strstr(call.url, "/custom/send"));
	answer_call(&ch, &call, 200,
	            "{\"errcode\":45015,\"errmsg\":\"response out of time limit\"}", &v);
	assert_int_equal(v.outcome, ADAPTER_RETRY); /* again, as a template message */
	adapter_call_release(&call);
	build(&ch, "oResident01", "{\"text\":\"您的工单 261127-001 已由 王师傅 接单\"}", &call);
	assert_non_null(strstr(call.url, "/cgi-bin/message/template/send?access_token=T1_abc"));
	b = json_loads(call.body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(b, "template_id")), "TPL-1");
	assert_string_equal(json_string_value(json_object_get(b, "touser")), "oResident01");
	assert_string_equal(
	        json_string_value(json_object_get(
	                json_object_get(json_object_get(b, "data"), "content"), "value")),
	        "您的工单 261127-001 已由 王师傅 接单");
	json_decref(b);
	answer_call(&ch, &call, 200, "{\"errcode\":0,\"errmsg\":\"ok\",\"msgid\":1}", &v);
	assert_int_equal(v.outcome, ADAPTER_SENT);
	adapter_call_release(&call);
	ch.a->config_free(ch.conf);
}

static void test_fetch_photo(void **state)
{
	struct chan ch = load_chan("wechat", CFG_SAFE);
	unsigned char *data = NULL;
	size_t len = 0;

	(void)state;
	now_calls = 0;
	now_answers[0] = TOKEN_ANSWER;
	now_answers[1] = "\xff\xd8\xff\xe0JPEGDATA";
	assert_int_equal(ch.a->fetch_attachment(&ch, "Ydbq8UmkLg9Xq_3N-media", 1000, &data, &len),
	                 0);
	assert_int_equal(len, 12);
	assert_memory_equal(data, "\xff\xd8\xff\xe0JPEGDATA", 12);
	free(data);
	assert_non_null(strstr(now_urls[1], "/cgi-bin/media/get?access_token=T1_abc&media_id="
	                                    "Ydbq8UmkLg9Xq_3N-media"));
	/* the token ended elsewhere: fetched again once */
	now_calls = 0;
	now_answers[0] = "{\"errcode\":42001,\"errmsg\":\"access_token expired\"}";
	now_answers[1] = "{\"access_token\":\"T2_def\",\"expires_in\":7200}";
	now_answers[2] = "\x89PNG";
	assert_int_equal(ch.a->fetch_attachment(&ch, "m1", 1000, &data, &len), 0);
	free(data);
	assert_int_equal(now_calls, 3);
	/* an unknown media ID, and one too large */
	now_calls = 0;
	now_answers[0] = "{\"errcode\":40007,\"errmsg\":\"invalid media_id\"}";
	assert_int_equal(ch.a->fetch_attachment(&ch, "m1", 1000, &data, &len), -1);
	now_calls = 0;
	now_answers[0] = "0123456789";
	assert_int_equal(ch.a->fetch_attachment(&ch, "m1", 5, &data, &len), 1);
	/* a reference that could change the URL is not fetched */
	now_calls = 0;
	assert_int_equal(ch.a->fetch_attachment(&ch, "m1&x=1", 1000, &data, &len), -1);
	assert_int_equal(now_calls, 0);
	ch.a->config_free(ch.conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_signature_vectors),
	        cmocka_unit_test(test_aes_key),
	        cmocka_unit_test(test_encrypt_vector),
	        cmocka_unit_test(test_encrypt_round_trip),
	        cmocka_unit_test(test_decrypt_refuses),
	        cmocka_unit_test(test_xml_fixtures),
	        cmocka_unit_test(test_xml_refused),
	        cmocka_unit_test(test_xml_limits),
	        cmocka_unit_test(test_config),
	        cmocka_unit_test(test_route_vector),
	        cmocka_unit_test(test_route_url_check),
	        cmocka_unit_test(test_route_messages),
	        cmocka_unit_test(test_build_custom_send),
	        cmocka_unit_test(test_classify),
	        cmocka_unit_test(test_template_after_45015),
	        cmocka_unit_test(test_fetch_photo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
