/*
 * fuzz_adapters.c - every channel's inbound parsing, through the adapter
 * table as the server calls it: a route's check (headers, secret) and then
 * its handle (signature over the raw body, then the parse), a websocket's
 * messages, and Telegram's getUpdates batch (poll_parse).
 *
 * Input: byte 0 picks the case (0 generic, 1 Telegram's webhook, 2 its getUpdates, 3-5
 * Slack's routes, 6 its Socket Mode, 7 OneBot's POST, 8 its websocket, 9 WeChat plain,
 * 10 WeChat safe, 11 WeCom, 12 the web chat's websocket) (below), byte 1 its flags; the rest is the
 * body. Flag 1: the first line of the body is the signature or secret header
 * as sent (else the harness signs the body right, so the parser is reached).
 * Websocket cases send each line of the body as one message on one connection.
 * Whatever a channel hands over must name it and a chat (fuzz.h); a refusal
 * must be a 4xx before the body is parsed; an answer is a real HTTP status.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/hmac.h>

#include "adapters/generic.h"
#include "adapters/slack.h"
#include "adapters/wx.h"
#include "lib/clock.h"

#include "fuzz.h"

#define WX_TOKEN "concierge"
#define WX_AES   "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
#define WX_APPID "wx5823bf96d3bd56c7"
#define WC_CORP  "ww0123456789abcdef"
#define WC_TOKEN "wecomToken42"
#define WC_AES   "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
#define TS       "1714037059"
#define NONCE    "486452656"

enum {
	CH_GENERIC,
	CH_TELEGRAM,
	CH_SLACK,
	CH_SLACK_SOCKET,
	CH_QQ,
	CH_WECHAT_PLAIN,
	CH_WECHAT_SAFE,
	CH_WECOM,
	CH_WEB,
	NCHANS
};

static const struct {
	const char *name;
	const char *cfg;
} confs[NCHANS] = {
        [CH_GENERIC] = {"generic", "{\"enabled\":true,\"secret\":\"s3cret\"}"},
        [CH_TELEGRAM] = {"telegram",
                         "{\"enabled\":true,\"token\":\"123:ABC\",\"mode\":\"webhook\","
                         "\"webhook_secret\":\"Secret_1\",\"bot_username\":\"ConciergeBot\"}"},
        [CH_SLACK] = {"slack", "{\"enabled\":true,\"bot_token\":\"xoxb-1\",\"signing_secret\":"
                               "\"s\",\"bot_user\":\"U0BOT\",\"staff_chat\":\"C0STAFF\"}"},
        [CH_SLACK_SOCKET] = {"slack",
                             "{\"enabled\":true,\"mode\":\"socket\",\"bot_token\":\"xoxb-1\","
                             "\"app_token\":\"xapp-1\",\"bot_user\":\"U0BOT\","
                             "\"staff_chat\":\"C0STAFF\"}"},
        [CH_QQ] = {"qq", "{\"enabled\":true,\"access_token\":\"tok-123456\",\"secret\":"
                         "\"onebot-secret\",\"bots\":[{\"self_id\":10001000},{\"self_id\":"
                         "\"10001001\",\"api_url\":\"http://127.0.0.1:5700/\"}],"
                         "\"staff_group\":900900,\"resident_groups\":[123456789]}"},
        [CH_WECHAT_PLAIN] = {"wechat", "{\"enabled\":true,\"app_id\":\"" WX_APPID
                                       "\",\"app_secret\":\"s3cr3t\",\"token\":\"" WX_TOKEN
                                       "\",\"mode\":\"plain\",\"api_base\":\"http://127.0.0.1:9\","
                                       "\"menu\":{\"V1001_FIX\":\"/repair\"}}"},
        [CH_WECHAT_SAFE] = {"wechat", "{\"enabled\":true,\"app_id\":\"" WX_APPID
                                      "\",\"app_secret\":\"s3cr3t\",\"token\":\"" WX_TOKEN
                                      "\",\"encoding_aes_key\":\"" WX_AES
                                      "\",\"mode\":\"safe\",\"api_base\":\"http://127.0.0.1:9\"}"},
        [CH_WECOM] = {"wecom",
                      "{\"enabled\":true,\"corp_id\":\"" WC_CORP
                      "\",\"agent_id\":1000002,\"secret\":\"sEcReT-1\",\"token\":\"" WC_TOKEN
                      "\",\"encoding_aes_key\":\"" WC_AES "\",\"api_base\":\"http://127.0.0.1:9\","
                      "\"staff_chat\":\"WangShiFu|zhao.zhuguan\"}"},
        [CH_WEB] = {"web", "{\"enabled\":true,\"title\":\"幸福里\"}"},
};

static struct chan chans[NCHANS];
static int verbose; /* FUZZ_VERBOSE set: what each input came to, on stderr */

static int64_t fixed_clock(enum clock_kind kind)
{
	return kind == CLOCK_WALL_MS ? (int64_t)1764000000000 : (int64_t)5000000;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int i;

	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR + 1);
	clock_set_source(fixed_clock);
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	for (i = 0; i < NCHANS; i++)
		fz_chan_load(&chans[i], confs[i].name, confs[i].cfg, 1);
	return 0;
}

static const struct adapter_route *route_at(const struct chan *ch, const char *path)
{
	int i;

	for (i = 0; i < ADAPTER_MAX_ROUTES && ch->a->routes[i].path; i++)
		if (strcmp(ch->a->routes[i].path, path) == 0)
			return &ch->a->routes[i];
	fuzz_fail("%s has no route %s", ch->name, path);
}

/* Runs ROUTE of CH as the server does and checks the answer. */
static void run_route(struct chan *ch, const struct adapter_route *route, struct http_req *req)
{
	struct http_answer ans;
	struct inbound *out = NULL;

	memset(&ans, 0, sizeof(ans));
	if (route->check && route->check(ch, req, &ans) < 0) {
		if (ans.status < 400 || ans.status > 499)
			fuzz_fail("%s: check refused with HTTP %d", ch->name, ans.status);
		http_answer_release(&ans);
		return;
	}
	route->handle(ch, req, &ans, &out);
	if (out && ans.status)
		fuzz_fail("%s: messages handed over and answered %d at once", ch->name, ans.status);
	if (ans.status && (ans.status < 200 || ans.status > 599))
		fuzz_fail("%s: answered HTTP %d", ch->name, ans.status);
	fz_check_inbound(out, ch->name);
	if (verbose) {
		int n = 0;

		for (struct inbound *in = out; in; in = in->next)
			n++;
		fprintf(stderr, "%s %s: HTTP %d, %d message(s)\n", ch->name, route->path,
		        ans.status, n);
	}
	inbound_free_list(out);
	http_answer_release(&ans);
}

/* Each line of BODY as one websocket message of CH (served when WSC is 0). */
static void ws_lines(struct chan *ch, int wsc, const struct http_req *open_req, const char *body,
                     size_t len)
{
	struct host_conn *hc = (struct host_conn *)(uintptr_t)0x1000;
	void *conn = NULL;
	size_t p = 0, n;

	if (wsc)
		ch->a->wsc.connected(ch, hc, 0, &conn);
	else if (ch->a->ws.open(ch, hc, open_req, &conn) < 0)
		return;
	while (p <= len) {
		const char *nl = memchr(body + p, '\n', len - p);

		n = nl ? (size_t)(nl - (body + p)) : len - p;
		if (wsc)
			ch->a->wsc.message(ch, hc, conn, body + p, n);
		else if (n > ch->a->ws.max_message)
			ch->a->ws.too_big(ch, hc, conn);
		else
			ch->a->ws.message(ch, hc, conn, body + p, n);
		p += n + 1;
	}
	if (verbose)
		fprintf(stderr, "%s websocket: %ld message(s) handed over so far\n", ch->name,
		        fz_submitted);
	if (wsc)
		ch->a->wsc.closed(ch, hc, conn);
	else
		ch->a->ws.closed(ch, hc, conn);
}

static void hex(const unsigned char *d, size_t n, char *out)
{
	static const char x[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 15];
	}
	out[2 * n] = '\0';
}

/* The safe-mode callback of XML (its plain text) as the platform posts it: body and query. */
static char *envelope(const char *aes, const char *token, const char *receiver, const char *xml,
                      size_t len, int sign_right, const char *given, char *query, size_t qlen)
{
	unsigned char key[32];
	const unsigned char rnd[16] = "0123456789abcdef";
	const char *parts[4];
	char sig[WX_SIG_LEN], *enc, *body;
	size_t n;

	if (wx_aes_key(aes, key) < 0 || !(enc = wx_encrypt(key, rnd, xml, len, receiver)))
		abort();
	parts[0] = token;
	parts[1] = TS;
	parts[2] = NONCE;
	parts[3] = enc;
	if (wx_signature(parts, 4, sig) < 0)
		abort();
	snprintf(query, qlen, "timestamp=" TS "&nonce=" NONCE "&encrypt_type=aes&msg_signature=%s",
	         sign_right ? sig : given);
	n = strlen(enc) + 128;
	body = malloc(n);
	if (!body)
		abort();
	snprintf(body, n,
	         "<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt></"
	         "xml>",
	         receiver, enc);
	free(enc);
	return body;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_req f;
	struct http_req req;
	const char *body, *given = "";
	char *input, sig[200], ts[32], query[700], *env = NULL;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	const char *parts[3];
	size_t len;
	int which, flags, own_sig;
	struct chan *ch;

	if (size < 2)
		return 0;
	which = data[0] % 13;
	flags = data[1];
	own_sig = flags & 1;
	input = fuzz_str(data + 2, size - 2);
	body = input;
	len = size - 2;
	if (own_sig) {
		char *nl = memchr(input, '\n', len);

		if (nl) {
			*nl = '\0';
			given = input;
			body = nl + 1;
			len -= (size_t)(body - input);
		}
	}
	memset(&f, 0, sizeof(f));
	switch (which) {
	case 0: /* the generic webhook: HMAC over the body */
		ch = &chans[CH_GENERIC];
		if (!own_sig && generic_sign("s3cret", body, len, sig) < 0)
			abort();
		fz_req_header(&f, "x-concierge-signature:", own_sig ? given : sig);
		fz_req_init(&req, &f, "POST", "/hooks/generic", body, len);
		run_route(ch, route_at(ch, "/hooks/generic"), &req);
		break;
	case 1: /* Telegram's webhook: the secret header */
		ch = &chans[CH_TELEGRAM];
		fz_req_header(&f, "x-telegram-bot-api-secret-token:", own_sig ? given : "Secret_1");
		fz_req_init(&req, &f, "POST", "/hooks/telegram", body, len);
		run_route(ch, route_at(ch, "/hooks/telegram"), &req);
		break;
	case 2: /* Telegram's getUpdates batch */ {
		struct inbound *out = NULL;
		int64_t next = 0;

		ch = &chans[CH_TELEGRAM];
		if (ch->a->poll_parse(ch, body, &out, &next) == 0)
			fz_check_inbound(out, ch->name);
		else if (out)
			fuzz_fail("telegram: poll_parse failed and handed messages over");
		inbound_free_list(out);
		break;
	}
	case 3: /* Slack: events, presses and slash commands, signed v0 */
	case 4:
	case 5: {
		static const char *const paths[] = {"/hooks/slack", "/hooks/slack/interactive",
		                                    "/hooks/slack/commands"};
		const char *path = paths[which - 3];

		ch = &chans[CH_SLACK];
		snprintf(ts, sizeof(ts), "%lld", (long long)clock_now() - (flags >> 4));
		if (!own_sig && slack_signature("s", ts, body, len, sig) < 0)
			abort();
		fz_req_header(&f, "x-slack-request-timestamp:", ts);
		fz_req_header(&f, "x-slack-signature:", own_sig ? given : sig);
		fz_req_init(&req, &f, "POST", path, body, len);
		run_route(ch, route_at(ch, path), &req);
		break;
	}
	case 6: /* Slack's Socket Mode envelopes */
		ws_lines(&chans[CH_SLACK_SOCKET], 1, NULL, body, len);
		break;
	case 7: /* OneBot's HTTP POST events: HMAC-SHA1 */
		ch = &chans[CH_QQ];
		if (!HMAC(EVP_sha1(), "onebot-secret", 13, (const unsigned char *)body, len, mac,
		          &maclen))
			abort();
		memcpy(sig, "sha1=", 5);
		hex(mac, maclen, sig + 5);
		fz_req_header(&f, "x-signature:", own_sig ? given : sig);
		fz_req_header(&f, "x-self-id:", flags & 2 ? "10001001" : "10001000");
		fz_req_init(&req, &f, "POST", "/hooks/onebot", body, len);
		run_route(ch, route_at(ch, "/hooks/onebot"), &req);
		break;
	case 8: /* OneBot's reverse websocket */
		ch = &chans[CH_QQ];
		fz_req_header(&f, "authorization:", own_sig ? given : "Bearer tok-123456");
		fz_req_header(&f, "x-self-id:", flags & 2 ? "10001001" : "10001000");
		fz_req_header(&f, "x-client-role:", flags & 4 ? "Event" : "Universal");
		fz_req_init(&req, &f, "GET", "/onebot/v11/ws", "", 0);
		ws_lines(ch, 0, &req, body, len);
		break;
	case 9: /* WeChat, plain mode: the query signed, the body XML as it is */
		ch = &chans[CH_WECHAT_PLAIN];
		parts[0] = WX_TOKEN;
		parts[1] = TS;
		parts[2] = NONCE;
		if (wx_signature(parts, 3, sig) < 0)
			abort();
		snprintf(query, sizeof(query),
		         "signature=%s&timestamp=" TS "&nonce=" NONCE "&openid=oResident01",
		         own_sig ? given : sig);
		f.query = query;
		fz_req_header(&f, "content-length:", "100");
		fz_req_init(&req, &f, flags & 2 ? "GET" : "POST", "/hooks/wechat", body, len);
		if (flags & 2) { /* the URL check: the body as echostr */
			snprintf(query, sizeof(query),
			         "signature=%s&timestamp=" TS "&nonce=" NONCE "&echostr=%.400s",
			         sig, body);
			req.body = "";
			req.len = 0;
		}
		run_route(ch, route_at(ch, "/hooks/wechat"), &req);
		break;
	case 10: /* WeChat, safe mode: the body encrypted and signed; or raw with flag 2 */
	case 11: /* WeCom */ {
		int wecom = which == 11;

		ch = &chans[wecom ? CH_WECOM : CH_WECHAT_SAFE];
		if (flags & 2) {
			snprintf(query, sizeof(query),
			         "timestamp=" TS "&nonce=" NONCE
			         "&encrypt_type=aes&msg_signature=%.100s",
			         own_sig ? given : "a36bea7a146cd5632ac713dc2db73f320885db67");
			env = NULL;
		} else {
			env = envelope(wecom ? WC_AES : WX_AES, wecom ? WC_TOKEN : WX_TOKEN,
			               wecom ? WC_CORP : WX_APPID, body, len, !own_sig, given,
			               query, sizeof(query));
		}
		if (!wecom) { /* WeChat signs the query too, as in plain mode */
			size_t q = strlen(query);

			parts[0] = WX_TOKEN;
			parts[1] = TS;
			parts[2] = NONCE;
			if (wx_signature(parts, 3, sig) < 0)
				abort();
			snprintf(query + q, sizeof(query) - q, "&signature=%s", sig);
		}
		f.query = query;
		fz_req_header(&f, "content-length:", "100");
		fz_req_init(&req, &f, "POST", wecom ? "/hooks/wecom" : "/hooks/wechat",
		            env ? env : body, env ? strlen(env) : len);
		run_route(ch, &ch->a->routes[0], &req);
		free(env);
		break;
	}
	case 12: /* the web chat page's websocket, with a visitor's cookie or none */
		ch = &chans[CH_WEB];
		if (flags & 2) {
			f.cookie_name = "cc_visitor";
			f.cookie_value = "0123456789abcdef0123456789abcdef";
		}
		if (flags & 4) {
			fz_req_header(&f, "origin:", "http://127.0.0.1:8080");
			fz_req_header(&f, "host:", own_sig ? given : "127.0.0.1:8080");
		}
		fz_req_init(&req, &f, "GET", "/ws/chat", "", 0);
		ws_lines(ch, 0, &req, body, len);
		break;
	}
	free(input);
	return 0;
}
