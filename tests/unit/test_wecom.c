/*
 * test_wecom.c - the WeCom self-built app channel: its configuration, the
 * callback (URL check and messages, signed and encrypted with the corp ID)
 * driven with hand-made requests, and message/send with every answer the
 * platform documents.
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

#define CORP  "ww0123456789abcdef"
#define TOKEN "wecomToken42"
#define AES   "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
#define TS    "1714037059"
#define NONCE "1372623149"
#define CFG                                                                                        \
	"{\"enabled\":true,\"corp_id\":\"" CORP "\",\"agent_id\":1000002,\"secret\":\"sEcReT-1\"," \
	"\"token\":\"" TOKEN "\",\"encoding_aes_key\":\"" AES                                      \
	"\",\"api_base\":\"http://127.0.0.1:9\","                                                  \
	"\"staff_chat\":\"WangShiFu|zhao.zhuguan\"}"

/* The signed, encrypted callback of XML as WeCom posts it; QUERY gets its query. */
static char *envelope(const char *xml, char *query, size_t qlen)
{
	unsigned char key[32];
	const char *parts[4];
	char sig[WX_SIG_LEN], *enc, *body;
	size_t n;

	assert_int_equal(wx_aes_key(AES, key), 0);
	enc = wx_encrypt(key, (const unsigned char *)"RANDOM0123456789", xml, strlen(xml), CORP);
	assert_non_null(enc);
	parts[0] = TOKEN;
	parts[1] = TS;
	parts[2] = NONCE;
	parts[3] = enc;
	assert_int_equal(wx_signature(parts, 4, sig), 0);
	snprintf(query, qlen, "msg_signature=%s&timestamp=%s&nonce=%s", sig, TS, NONCE);
	n = strlen(enc) + 200;
	body = malloc(n);
	snprintf(body, n,
	         "<xml><ToUserName><![CDATA[" CORP "]]></ToUserName><AgentID><![CDATA[1000002]]>"
	         "</AgentID><Encrypt><![CDATA[%s]]></Encrypt></xml>",
	         enc);
	free(enc);
	return body;
}

static void test_config(void **state)
{
	char *p;

	(void)state;
	p = config_problems("wecom", CFG);
	assert_string_equal(p, "");
	free(p);
	p = config_problems("wecom", "{\"enabled\":false,\"secret\":\"${NO_SUCH_VAR_WC}\"}");
	assert_string_equal(p, "");
	free(p);
	p = config_problems("wecom", "{\"enabled\":true}");
	assert_non_null(strstr(p, "channels.wecom.corp_id: missing"));
	assert_non_null(strstr(p, "channels.wecom.agent_id: missing"));
	assert_non_null(strstr(p, "channels.wecom.secret: missing"));
	assert_non_null(strstr(p, "channels.wecom.token: missing"));
	assert_non_null(strstr(p, "channels.wecom.encoding_aes_key: missing"));
	free(p);
	p = config_problems("wecom",
	                    "{\"enabled\":true,\"corp_id\":\"ww 1\",\"agent_id\":\"x1\","
	                    "\"secret\":\"a&b\",\"token\":\"t\",\"encoding_aes_key\":\"k\","
	                    "\"staff_chat\":\"a||b\",\"extra\":1}");
	assert_non_null(strstr(p, "channels.wecom.corp_id: expected"));
	assert_non_null(strstr(p, "channels.wecom.agent_id: expected the app's AgentId"));
	assert_non_null(strstr(p, "channels.wecom.secret: expected"));
	assert_non_null(strstr(p, "channels.wecom.token: expected 3 to 32"));
	assert_non_null(strstr(p, "channels.wecom.encoding_aes_key: expected 43 characters"));
	assert_non_null(strstr(p, "channels.wecom.staff_chat: expected WeCom user IDs"));
	assert_non_null(strstr(p, "channels.wecom.extra"));
	free(p);
}

static void test_url_check(void **state)
{
	struct chan ch = load_chan("wecom", CFG);
	struct http_answer ans;
	unsigned char key[32];
	const char *parts[4];
	char q[1024], sig[WX_SIG_LEN], *enc;

	(void)state;
	assert_int_equal(wx_aes_key(AES, key), 0);
	enc = wx_encrypt(key, (const unsigned char *)"0123456789abcdef", "1411373598729513983", 19,
	                 CORP);
	parts[0] = TOKEN;
	parts[1] = TS;
	parts[2] = NONCE;
	parts[3] = enc;
	assert_int_equal(wx_signature(parts, 4, sig), 0);
	snprintf(q, sizeof(q), "msg_signature=%s&timestamp=%s&nonce=%s&echostr=%s", sig, TS, NONCE,
	         enc);
	assert_null(run_route(&ch, "GET", q, "", &ans));
	assert_int_equal(ans.status, 200);
	assert_string_equal(ans.body, "1411373598729513983");
	http_answer_release(&ans);
	/* WeCom's '+' may come as a space when the query was not percent-encoded */
	{
		char spaced[1024], *p;

		snprintf(spaced, sizeof(spaced), "%s", q);
		for (p = strstr(spaced, "echostr="); *p; p++)
			if (*p == '+')
				*p = ' ';
		assert_null(run_route(&ch, "GET", spaced, "", &ans));
		assert_int_equal(ans.status, 200);
		assert_string_equal(ans.body, "1411373598729513983");
		http_answer_release(&ans);
	}
	/* the signature is over the encrypted echostr */
	snprintf(q, sizeof(q), "msg_signature=%s&timestamp=%s&nonce=%s&echostr=%sA", sig, TS, NONCE,
	         enc);
	assert_null(run_route(&ch, "GET", q, "", &ans));
	assert_int_equal(ans.status, 401);
	http_answer_release(&ans);
	assert_null(run_route(&ch, "GET", "echostr=x", "", &ans));
	assert_int_equal(ans.status, 401);
	http_answer_release(&ans);
	free(enc);
	ch.a->config_free(ch.conf);
}

static void test_messages(void **state)
{
	struct chan ch = load_chan("wecom", CFG);
	struct http_answer ans;
	struct inbound *in;
	char q[512], *xml = read_fixture("wecom_text.xml"), *body;

	(void)state;
	body = envelope(xml, q, sizeof(q));
	in = run_route(&ch, "POST", q, body, &ans);
	assert_non_null(in);
	assert_string_equal(in->channel, "wecom");
	assert_string_equal(in->chat, "WangShiFu");
	assert_string_equal(in->user, "WangShiFu");
	assert_string_equal(in->text, "/accept 260101-001");
	assert_string_equal(in->id, "7350000000000000001");
	assert_string_equal(ans.after_commit, ""); /* an empty answer */
	inbound_free_list(in);
	http_answer_release(&ans);
	free(body);

	/* another app's message, another corp's: refused */
	body = envelope("<xml><ToUserName>" CORP "</ToUserName><FromUserName>u1</FromUserName>"
	                "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content>"
	                "<MsgId>9</MsgId><AgentID>1000003</AgentID></xml>",
	                q, sizeof(q));
	assert_null(run_route(&ch, "POST", q, body, &ans));
	assert_int_equal(ans.status, 400);
	http_answer_release(&ans);
	free(body);
	body = envelope("<xml><ToUserName>ww99</ToUserName><FromUserName>u1</FromUserName>"
	                "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content>"
	                "<MsgId>9</MsgId></xml>",
	                q, sizeof(q));
	assert_null(run_route(&ch, "POST", q, body, &ans));
	assert_int_equal(ans.status, 400);
	http_answer_release(&ans);
	free(body);

	/* a wrong signature; none */
	body = envelope(xml, q, sizeof(q));
	q[14] = q[14] == 'a' ? 'b' : 'a';
	assert_null(run_route(&ch, "POST", q, body, &ans));
	assert_int_equal(ans.status, 401);
	http_answer_release(&ans);
	assert_null(run_route(&ch, "POST", "timestamp=1&nonce=2", body, &ans));
	assert_int_equal(ans.status, 401);
	http_answer_release(&ans);
	free(body);

	/* entering the app: nothing to do, answered at once */
	body = envelope("<xml><ToUserName>" CORP "</ToUserName><FromUserName>u1</FromUserName>"
	                "<CreateTime>1</CreateTime><MsgType>event</MsgType>"
	                "<Event>enter_agent</Event><AgentID>1000002</AgentID></xml>",
	                q, sizeof(q));
	assert_null(run_route(&ch, "POST", q, body, &ans));
	assert_int_equal(ans.status, 200);
	http_answer_release(&ans);
	free(body);
	free(xml);
	ch.a->config_free(ch.conf);
}

static void fetch_token(struct chan *ch)
{
	struct adapter_call call;
	struct adapter_verdict v;

	assert_int_equal(build(ch, "WangShiFu", "{\"text\":\"x\"}", &call), 1);
	assert_string_equal(call.url, "http://127.0.0.1:9/cgi-bin/gettoken?corpid=" CORP
	                              "&corpsecret=sEcReT-1");
	answer_call(
	        ch, &call, 200,
	        "{\"errcode\":0,\"errmsg\":\"ok\",\"access_token\":\"TK_1\",\"expires_in\":7200}",
	        &v);
	assert_int_equal(v.outcome, ADAPTER_RETRY);
	adapter_call_release(&call);
}

static void test_build(void **state)
{
	struct chan ch = load_chan("wecom", CFG);
	struct adapter_call call;
	json_t *b;

	(void)state;
	assert_string_equal(ch.a->staff_chat(&ch), "WangShiFu|zhao.zhuguan");
	fetch_token(&ch);
	assert_int_equal(
	        build(&ch, "WangShiFu|zhao.zhuguan",
	              "{\"text\":\"【新工单】261127-001 厨房漏水\",\"buttons\":[{\"label\":"
	              "\"接单\",\"data\":\"/accept 261127-001\"}]}",
	              &call),
	        1);
	assert_string_equal(call.url, "http://127.0.0.1:9/cgi-bin/message/send?access_token=TK_1");
	b = json_loads(call.body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(b, "touser")),
	                    "WangShiFu|zhao.zhuguan");
	assert_int_equal(json_integer_value(json_object_get(b, "agentid")), 1000002);
	assert_string_equal(json_string_value(json_object_get(b, "msgtype")), "text");
	/* no buttons in the app: the command to reply with */
	assert_string_equal(
	        json_string_value(json_object_get(json_object_get(b, "text"), "content")),
	        "【新工单】261127-001 厨房漏水\n\n/accept 261127-001");
	json_decref(b);
	adapter_call_release(&call);
	assert_int_equal(build(&ch, "@all", "{\"text\":\"x\"}", &call), 1);
	adapter_call_release(&call);
	assert_int_equal(build(&ch, "a b", "{\"text\":\"x\"}", &call), -1);
	adapter_call_release(&call);
	ch.a->config_free(ch.conf);
}

static void test_classify(void **state)
{
	struct chan ch = load_chan("wecom", CFG);
	struct adapter_call call;
	struct adapter_verdict v;

	(void)state;
	fetch_token(&ch);
	build(&ch, "WangShiFu", "{\"text\":\"hi\"}", &call);
	answer_call(&ch, &call, 200, "{\"errcode\":0,\"errmsg\":\"ok\",\"msgid\":\"m1\"}", &v);
	assert_int_equal(v.outcome, ADAPTER_SENT);
	/* the only user is unknown: no such person */
	answer_call(&ch, &call, 200,
	            "{\"errcode\":0,\"errmsg\":\"ok\",\"invaliduser\":\"WangShiFu\"}", &v);
	assert_int_equal(v.outcome, ADAPTER_DEAD);
	answer_call(&ch, &call, 200,
	            "{\"errcode\":81013,\"errmsg\":\"user & party & tag all invalid\"}", &v);
	assert_int_equal(v.outcome, ADAPTER_DEAD);
	answer_call(&ch, &call, 200, "{\"errcode\":45009,\"errmsg\":\"api freq out of limit\"}",
	            &v);
	assert_int_equal(v.outcome, ADAPTER_RATE_LIMITED);
	assert_int_equal(v.retry_after, 60);
	answer_call(&ch, &call, 200,
	            "{\"errcode\":45033,\"errmsg\":\"api concurrent out of limit\"}", &v);
	assert_int_equal(v.outcome, ADAPTER_RATE_LIMITED);
	answer_call(&ch, &call, 200,
	            "{\"errcode\":60020,\"errmsg\":\"not allow to access from your ip\"}", &v);
	assert_int_equal(v.outcome, ADAPTER_REFUSED);
	assert_non_null(strstr(v.state, "60020"));
	answer_call(&ch, &call, 200,
	            "{\"errcode\":301002,\"errmsg\":\"not allow operate another agent\"}", &v);
	assert_int_equal(v.outcome, ADAPTER_REFUSED);
	answer_call(&ch, &call, 500, "", &v);
	assert_int_equal(v.outcome, ADAPTER_RETRY);
	/* expired: a new token, and the row again */
	answer_call(&ch, &call, 200, "{\"errcode\":42001,\"errmsg\":\"access_token expired\"}", &v);
	assert_int_equal(v.outcome, ADAPTER_RETRY);
	adapter_call_release(&call);
	fetch_token(&ch);
	build(&ch, "WangShiFu", "{\"text\":\"hi\"}", &call);
	/* refused with the fresh one too: the credentials are wrong */
	answer_call(&ch, &call, 200, "{\"errcode\":40001,\"errmsg\":\"invalid credential\"}", &v);
	assert_int_equal(v.outcome, ADAPTER_REFUSED);
	adapter_call_release(&call);
	/* gettoken refused for the secret */
	build(&ch, "WangShiFu", "{\"text\":\"hi\"}", &call);
	assert_non_null(strstr(call.url, "/cgi-bin/gettoken?"));
	answer_call(&ch, &call, 200, "{\"errcode\":40001,\"errmsg\":\"invalid secret\"}", &v);
	assert_int_equal(v.outcome, ADAPTER_REFUSED);
	assert_null(strstr(v.state, "sEcReT"));
	adapter_call_release(&call);
	ch.a->config_free(ch.conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_config),   cmocka_unit_test(test_url_check),
	        cmocka_unit_test(test_messages), cmocka_unit_test(test_build),
	        cmocka_unit_test(test_classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
