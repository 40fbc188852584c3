/*
 * test_slack.c - the Slack adapter: the v0 signature with the platform's own
 * test vector (shared/channels.md), the configuration, events, presses and
 * slash commands from fixture files (tests/fixtures/slack/, read relative to
 * the repository), Slack's markup into text and back, chat.postMessage
 * bodies, the Web API's answers, and through the adapter table with a fake
 * host: where a message is said (a direct message, a thread, the staff
 * channel) and Socket Mode's acknowledgements.
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
#include "adapters/slack.h"
#include "lib/clock.h"
#include "lib/config_read.h"
#include "lib/http.h"
#include "lib/msg.h"

extern const struct adapter adapter_slack;

#define A    (&adapter_slack)
#define PATH "channels.slack"

#include "fakehost.h"

/* The vector of shared/channels.md (from Slack's own documentation). */
#define V_SECRET "8f742231b10e8888abcd99yyyzzz85a5"
#define V_TS     "1531420618"
#define V_BODY                                                                                     \
	"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="     \
	"G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%"           \
	"2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%"           \
	"2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015."           \
	"47445629121.803a0bc887a14d10d2c447fce8b6703c"
#define V_SIG "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"

/* ---- helpers ---- */

static char *slurp(const char *name, size_t *len)
{
	return slurp_in("tests/fixtures/slack", name, len);
}

static json_t *fixture(const char *name)
{
	char *s = slurp(name, NULL);
	json_t *o = json_loads(s, 0, NULL);

	free(s);
	assert_non_null(o);
	return o;
}

static int problems_mention(const struct loaded *l, const char *needle)
{
	return l->ld.buf && strstr(l->ld.buf, needle) != NULL;
}

/* ---- the signature ---- */

static void test_signature_vector(void **state)
{
	char sig[SLACK_SIG_LEN + 1];

	(void)state;
	assert_int_equal(slack_signature(V_SECRET, V_TS, V_BODY, strlen(V_BODY), sig), 0);
	assert_string_equal(sig, V_SIG);
	assert_int_equal(slack_verify(V_SECRET, V_TS, V_SIG, V_BODY, strlen(V_BODY), 1531420618),
	                 SLACK_SIG_OK);
	/* the 300-second window, both ways */
	assert_int_equal(
	        slack_verify(V_SECRET, V_TS, V_SIG, V_BODY, strlen(V_BODY), 1531420618 + 300),
	        SLACK_SIG_OK);
	assert_int_equal(
	        slack_verify(V_SECRET, V_TS, V_SIG, V_BODY, strlen(V_BODY), 1531420618 + 301),
	        SLACK_SIG_STALE);
	assert_int_equal(
	        slack_verify(V_SECRET, V_TS, V_SIG, V_BODY, strlen(V_BODY), 1531420618 - 301),
	        SLACK_SIG_STALE);
	/* one byte of the body, the secret or the signature changed */
	assert_int_equal(
	        slack_verify(V_SECRET, V_TS, V_SIG, V_BODY, strlen(V_BODY) - 1, 1531420618),
	        SLACK_SIG_BAD);
	assert_int_equal(slack_verify("8f742231b10e8888abcd99yyyzzz85a6", V_TS, V_SIG, V_BODY,
	                              strlen(V_BODY), 1531420618),
	                 SLACK_SIG_BAD);
	assert_int_equal(
	        slack_verify(V_SECRET, V_TS,
	                     "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c6"
	                     "9b504",
	                     V_BODY, strlen(V_BODY), 1531420618),
	        SLACK_SIG_BAD);
	assert_int_equal(
	        slack_verify(V_SECRET, V_TS, "v0=a2114d", V_BODY, strlen(V_BODY), 1531420618),
	        SLACK_SIG_BAD);
	/* missing pieces */
	assert_int_equal(slack_verify(V_SECRET, "", V_SIG, V_BODY, strlen(V_BODY), 1531420618),
	                 SLACK_SIG_MISSING);
	assert_int_equal(
	        slack_verify(V_SECRET, "15314x0618", V_SIG, V_BODY, strlen(V_BODY), 1531420618),
	        SLACK_SIG_MISSING);
	assert_int_equal(slack_verify(NULL, V_TS, V_SIG, V_BODY, strlen(V_BODY), 1531420618),
	                 SLACK_SIG_MISSING);
	assert_int_equal(slack_verify(V_SECRET, V_TS, NULL, V_BODY, strlen(V_BODY), 1531420618),
	                 SLACK_SIG_MISSING);
	/* an empty body signs too */
	assert_int_equal(slack_signature(V_SECRET, V_TS, "", 0, sig), 0);
	assert_int_equal(strlen(sig), SLACK_SIG_LEN);
}

/* ---- configuration ---- */

static void test_config(void **state)
{
	struct loaded l;
	const struct slack_conf *c;
	struct ratelimit_limits lim;

	(void)state;
	/* absent: off, defaults */
	load(&l, NULL);
	c = l.ch.conf;
	assert_false(l.enabled);
	assert_int_equal(l.ld.n, 0);
	assert_string_equal(c->mode, "events");
	assert_string_equal(c->api_base, "https://slack.com/api");
	assert_string_equal(c->files_base, "https://files.slack.com");
	assert_string_equal(c->command, "/concierge");
	assert_true(c->threads);
	assert_false(A->can_send(&l.ch));
	unload(&l);

	/* events mode, complete */
	load(&l, "{\"enabled\":true,\"bot_token\":\"xoxb-1-2\",\"signing_secret\":\"s\","
	         "\"staff_chat\":\"C0STAFF\",\"api_base\":\"http://127.0.0.1:9/api/\","
	         "\"rate_limits\":{\"per_chat_per_sec\":2,\"global_per_min\":100}}");
	c = l.ch.conf;
	assert_int_equal(l.ld.n, 0);
	assert_true(l.enabled);
	assert_string_equal(c->api_base, "http://127.0.0.1:9/api");
	assert_string_equal(A->staff_chat(&l.ch), "C0STAFF");
	assert_true(A->can_send(&l.ch));
	assert_string_equal(A->base_state(&l.ch), "events");
	assert_false(A->wsc.wanted(&l.ch));
	A->limits(&l.ch, &lim);
	assert_int_equal(lim.per_chat_per_sec, 2);
	assert_int_equal(lim.global_per_min, 100);
	unload(&l);

	/* socket mode wants the app-level token, and no signing secret */
	load(&l, "{\"enabled\":true,\"mode\":\"socket\",\"bot_token\":\"xoxb-1\"}");
	assert_int_equal(l.ld.n, 1);
	assert_true(problems_mention(&l, "channels.slack.app_token: missing (required in socket"));
	unload(&l);
	load(&l, "{\"enabled\":true,\"mode\":\"socket\",\"bot_token\":\"xoxb-1\","
	         "\"app_token\":\"xapp-1\"}");
	assert_int_equal(l.ld.n, 0);
	assert_true(A->wsc.wanted(&l.ch));
	assert_string_equal(A->base_state(&l.ch), "socket");
	unload(&l);

	/* every problem with its path */
	load(&l, "{\"enabled\":true,\"mode\":\"rtm\",\"bot_token\":\"xoxp-user\","
	         "\"app_token\":\"xoxb-not-app\",\"staff_chat\":\"#staff\",\"bot_user\":\"B1\","
	         "\"command\":\"concierge\",\"threads\":\"yes\",\"colour\":1}");
	assert_true(problems_mention(&l, "channels.slack.mode: must be \"events\" or \"socket\""));
	assert_true(problems_mention(&l, "channels.slack.bot_token: expected a bot token (xoxb-"));
	assert_true(problems_mention(&l, "channels.slack.app_token: expected an app-level token"));
	assert_true(problems_mention(&l, "channels.slack.signing_secret: missing (required in "
	                                 "events mode)"));
	assert_true(problems_mention(&l, "channels.slack.staff_chat: expected a channel ID"));
	assert_true(problems_mention(&l, "channels.slack.bot_user: expected a user ID"));
	assert_true(problems_mention(&l, "channels.slack.command: expected a slash command"));
	assert_true(problems_mention(&l, "channels.slack.threads"));
	assert_true(problems_mention(&l, "colour"));
	unload(&l);

	/* switched off: unset variables are no problem */
	unsetenv("SLACK_TEST_UNSET");
	load(&l, "{\"enabled\":false,\"bot_token\":\"${SLACK_TEST_UNSET}\"}");
	assert_int_equal(l.ld.n, 0);
	unload(&l);
	load(&l,
	     "{\"enabled\":true,\"bot_token\":\"${SLACK_TEST_UNSET}\",\"signing_secret\":\"s\"}");
	assert_true(problems_mention(&l, "SLACK_TEST_UNSET"));
	unload(&l);
}

/* ---- parsing ---- */

static void test_parse_messages(void **state)
{
	struct slack_item it;
	char err[200];
	json_t *o;

	(void)state;
	o = fixture("channel_mention.json");
	assert_int_equal(slack_parse_event(o, "U0BOT", "B0BOT", &it, err, sizeof(err)), 0);
	assert_int_equal(it.kind, SLACK_MESSAGE);
	assert_true(it.mentioned);
	assert_string_equal(it.channel, "C0LOBBY");
	assert_string_equal(it.channel_type, "channel");
	assert_string_equal(it.user, "U0RES");
	assert_string_equal(it.ts, "1700000000.000100");
	assert_null(it.thread_ts);
	assert_string_equal(it.event_id, "Ev01ABCDEF");
	assert_string_equal(it.text, "报修 厨房水管<漏水> & #staff 照片 @here");
	slack_item_release(&it);
	/* without knowing who the bot is, the mention stays as text */
	assert_int_equal(slack_parse_event(o, NULL, NULL, &it, err, sizeof(err)), 0);
	assert_false(it.mentioned);
	assert_true(strncmp(it.text, "@U0BOT 报修", strlen("@U0BOT 报修")) == 0);
	slack_item_release(&it);
	json_decref(o);

	o = fixture("app_mention.json");
	assert_int_equal(slack_parse_event(o, NULL, NULL, &it, err, sizeof(err)), 0);
	assert_int_equal(it.kind, SLACK_MESSAGE);
	assert_true(it.mentioned); /* app_mention is a mention whoever the bot is */
	assert_string_equal(it.ts, "1700000000.000100");
	slack_item_release(&it);
	json_decref(o);

	o = fixture("thread_reply.json");
	assert_int_equal(slack_parse_event(o, "U0BOT", NULL, &it, err, sizeof(err)), 0);
	assert_int_equal(it.kind, SLACK_MESSAGE);
	assert_false(it.mentioned);
	assert_string_equal(it.thread_ts, "1700000000.000100");
	assert_string_equal(it.text, "3-2-501");
	slack_item_release(&it);
	json_decref(o);

	o = fixture("url_verification.json");
	assert_int_equal(slack_parse_event(o, "U0BOT", NULL, &it, err, sizeof(err)), 0);
	assert_int_equal(it.kind, SLACK_CHALLENGE);
	assert_string_equal(it.challenge, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
	slack_item_release(&it);
	json_decref(o);

	/* what is ignored */
	{
		static const char *const ignored[] = {"bot_message.json", "own_message.json",
		                                      "message_changed.json"};
		size_t i;

		for (i = 0; i < 3; i++) {
			o = fixture(ignored[i]);
			assert_int_equal(
			        slack_parse_event(o, "U0BOT", "B0BOT", &it, err, sizeof(err)), 0);
			assert_int_equal(it.kind, SLACK_IGNORED);
			assert_non_null(it.ignore);
			slack_item_release(&it);
			json_decref(o);
		}
	}
	/* malformed */
	o = json_loads("{\"type\":\"event_callback\",\"event\":{\"type\":\"message\",\"user\":"
	               "\"U1\",\"text\":\"x\",\"ts\":\"1.2\"}}",
	               0, NULL);
	assert_int_equal(slack_parse_event(o, "U0BOT", NULL, &it, err, sizeof(err)), -1);
	slack_item_release(&it);
	json_decref(o);
	o = json_loads("{\"type\":\"event_callback\",\"event\":{\"type\":\"message\",\"user\":"
	               "\"U1\",\"text\":\"x\",\"ts\":\"1.2\",\"channel\":\"C1\",\"thread_ts\":"
	               "\"../x\"}}",
	               0, NULL);
	assert_int_equal(slack_parse_event(o, "U0BOT", NULL, &it, err, sizeof(err)), -1);
	slack_item_release(&it);
	json_decref(o);
	assert_int_equal(slack_parse_event(NULL, "U0BOT", NULL, &it, err, sizeof(err)), -1);
	slack_item_release(&it);
}

static void test_parse_files(void **state)
{
	struct slack_item it;
	char err[200];
	json_t *o;

	(void)state;
	o = fixture("im_file_share.json");
	assert_int_equal(slack_parse_event(o, "U0BOT", NULL, &it, err, sizeof(err)), 0);
	assert_int_equal(it.kind, SLACK_MESSAGE);
	assert_true(it.has_photo);
	assert_false(it.photo_too_big);
	/* the image, not the PDF before it; the download URL */
	assert_string_equal(it.photo_url,
	                    "https://files.slack.com/files-pri/T0FAKE-F0IMG/download/leak.jpg");
	assert_string_equal(it.text, "");
	slack_item_release(&it);
	json_decref(o);

	o = fixture("im_file_too_big.json");
	assert_int_equal(slack_parse_event(o, "U0BOT", NULL, &it, err, sizeof(err)), 0);
	assert_true(it.has_photo);
	assert_true(it.photo_too_big);
	assert_null(it.photo_url);
	assert_string_equal(it.text, "漏水");
	slack_item_release(&it);
	json_decref(o);
}

static void test_parse_press_and_command(void **state)
{
	struct slack_item it;
	char err[200], *body;
	size_t len;
	json_t *o;

	(void)state;
	o = fixture("block_actions.json");
	assert_int_equal(slack_parse_interactive(o, &it, err, sizeof(err)), 0);
	assert_int_equal(it.kind, SLACK_PRESS);
	assert_string_equal(it.user, "U0WANG");
	assert_string_equal(it.channel, "C0STAFF");
	assert_string_equal(it.ts, "1700000100.000100");
	assert_null(it.thread_ts);
	assert_string_equal(it.callback, "/accept 261127-001");
	assert_string_equal(it.action_ts, "1700000101.000200");
	slack_item_release(&it);
	json_decref(o);

	body = slurp("slash_command.txt", &len);
	o = slack_form_object(body, len);
	assert_non_null(o);
	assert_int_equal(slack_parse_command(o, "/concierge", &it, err, sizeof(err)), 0);
	assert_int_equal(it.kind, SLACK_COMMAND);
	assert_string_equal(it.text, "/accept 261127-001");
	assert_string_equal(it.user, "U0WANG");
	assert_string_equal(it.channel, "C0STAFF");
	slack_item_release(&it);
	/* another app's command is not ours */
	assert_int_equal(slack_parse_command(o, "/other", &it, err, sizeof(err)), 0);
	assert_int_equal(it.kind, SLACK_IGNORED);
	slack_item_release(&it);
	/* text that is no command word is said as it is; nothing at all asks for help */
	json_object_set_new(o, "text", json_string("报修 厨房漏水"));
	assert_int_equal(slack_parse_command(o, "/concierge", &it, err, sizeof(err)), 0);
	assert_string_equal(it.text, "报修 厨房漏水");
	slack_item_release(&it);
	json_object_set_new(o, "text", json_string(""));
	assert_int_equal(slack_parse_command(o, "/concierge", &it, err, sizeof(err)), 0);
	assert_string_equal(it.text, "/help");
	slack_item_release(&it);
	json_decref(o);
	/* the vector's body decodes, '+' and %XX alike */
	{
		char *v = slack_form_get(V_BODY, strlen(V_BODY), "response_url");

		assert_string_equal(v, "https://hooks.slack.com/commands/T1DC2JH3J/397700885554/"
		                       "96rGlfmibIGlgcZRskXaIFfN");
		free(v);
		v = slack_form_get("a=x+y%2Bz", 9, "a");
		assert_string_equal(v, "x y+z");
		free(v);
		assert_null(slack_form_get("a=%2", 4, "a"));
		assert_null(slack_form_get("a=%00", 5, "a"));
	}
	free(body);
}

static void test_text(void **state)
{
	int m = 0;
	char *s;

	(void)state;
	s = slack_clean_text("  <@U0BOT>   hi <@U9|li> &lt;b&gt;  ", "U0BOT", &m);
	assert_true(m);
	assert_string_equal(s, "hi @li <b>");
	free(s);
	s = slack_clean_text("<mailto:a@b.c|a@b.c> <https://x.org> <!channel> <!subteam^S1|@ops>",
	                     "U0BOT", &m);
	assert_false(m);
	assert_string_equal(s, "a@b.c https://x.org @channel @ops");
	free(s);
	s = slack_clean_text("unclosed < bracket &amp;", NULL, &m);
	assert_string_equal(s, "unclosed < bracket &");
	free(s);
	/* a user's text cannot mention @channel or make a link */
	s = slack_escape("<!channel> <https://evil|click> a&b");
	assert_string_equal(s, "&lt;!channel&gt; &lt;https://evil|click&gt; a&amp;b");
	free(s);
}

/* ---- chat.postMessage ---- */

static json_t *body_of(const char *chat, const char *payload, int part, int *n)
{
	char *body = NULL, err[200] = "";
	json_t *o;

	*n = slack_build_post(chat, payload, part, &body, err, sizeof(err));
	if (*n < 0)
		return NULL;
	o = json_loads(body, 0, NULL);
	free(body);
	assert_non_null(o);
	return o;
}

static void test_build(void **state)
{
	json_t *o, *blocks, *els;
	char *big, *payload, err[200];
	int n, i;

	(void)state;
	o = body_of("C0LOBBY/1700000000.000100",
	            "{\"text\":\"请核对 <!channel> & 1\",\"buttons\":[{\"label\":\"确认提交\","
	            "\"data\":\"yes\"},{\"label\":\"取消\",\"data\":\"cancel\"}]}",
	            0, &n);
	assert_int_equal(n, 1);
	assert_string_equal(json_string_value(json_object_get(o, "channel")), "C0LOBBY");
	assert_string_equal(json_string_value(json_object_get(o, "thread_ts")),
	                    "1700000000.000100");
	assert_string_equal(json_string_value(json_object_get(o, "text")),
	                    "请核对 &lt;!channel&gt; &amp; 1");
	blocks = json_object_get(o, "blocks");
	assert_int_equal(json_array_size(blocks), 2);
	assert_string_equal(json_string_value(json_object_get(
	                            json_object_get(json_array_get(blocks, 0), "text"), "text")),
	                    "请核对 &lt;!channel&gt; &amp; 1");
	els = json_object_get(json_array_get(blocks, 1), "elements");
	assert_int_equal(json_array_size(els), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(els, 1), "value")),
	                    "cancel");
	assert_string_equal(json_string_value(json_object_get(json_array_get(els, 0), "action_id")),
	                    "b0");
	assert_string_equal(json_string_value(json_object_get(json_array_get(els, 1), "action_id")),
	                    "b1");
	json_decref(o);

	/* a person, mentioned; no buttons, no blocks; no thread */
	o = body_of("U0WANG", "{\"text\":\"hi\",\"mention\":[\"U0WANG\",\"<!channel>\"]}", 0, &n);
	assert_string_equal(json_string_value(json_object_get(o, "channel")), "U0WANG");
	assert_string_equal(json_string_value(json_object_get(o, "text")), "<@U0WANG> hi");
	assert_null(json_object_get(o, "thread_ts"));
	assert_null(json_object_get(o, "blocks"));
	json_decref(o);

	/* a long text: parts of at most 3000 characters, buttons on the last */
	big = malloc(8000 * 3 + 1);
	for (i = 0; i < 8000; i++)
		memcpy(big + i * 3, "水", 3);
	big[8000 * 3] = '\0';
	payload = malloc(strlen(big) + 100);
	sprintf(payload, "{\"text\":\"%s\",\"buttons\":[{\"label\":\"好\",\"data\":\"ok\"}]}", big);
	o = body_of("C0STAFF", payload, 0, &n);
	assert_int_equal(n, 3);
	assert_null(json_object_get(o, "blocks"));
	assert_int_equal(strlen(json_string_value(json_object_get(o, "text"))), 3000 * 3);
	json_decref(o);
	o = body_of("C0STAFF", payload, 2, &n);
	assert_int_equal(strlen(json_string_value(json_object_get(o, "text"))), 2000 * 3);
	assert_non_null(json_object_get(o, "blocks"));
	json_decref(o);
	free(payload);
	free(big);

	/* rows that can never be sent */
	assert_int_equal(
	        slack_build_post("not a chat", "{\"text\":\"x\"}", 0, &big, err, sizeof(err)), -1);
	assert_int_equal(slack_build_post("C1/../x", "{\"text\":\"x\"}", 0, &big, err, sizeof(err)),
	                 -1);
	assert_int_equal(slack_build_post("C1", "not json", 0, &big, err, sizeof(err)), -1);
	assert_int_equal(slack_build_post("C1", "{\"text\":\"x\",\"buttons\":[{\"label\":\"\"}]}",
	                                  0, &big, err, sizeof(err)),
	                 -1);
}

static void test_classify(void **state)
{
	char e[300];

	(void)state;
	assert_int_equal(slack_classify(200, "{\"ok\":true,\"ts\":\"1.2\"}",
	                                strlen("{\"ok\":true,\"ts\":\"1.2\"}"), NULL, e, sizeof(e)),
	                 SLACK_OK);
	assert_int_equal(slack_classify(429, "{\"ok\":false,\"error\":\"ratelimited\"}",
	                                strlen("{\"ok\":false,\"error\":\"ratelimited\"}"), NULL, e,
	                                sizeof(e)),
	                 SLACK_RATE_LIMITED);
	assert_string_equal(e, "HTTP 429: ratelimited");
	assert_int_equal(slack_classify(200, "{\"ok\":false,\"error\":\"ratelimited\"}",
	                                strlen("{\"ok\":false,\"error\":\"ratelimited\"}"), NULL, e,
	                                sizeof(e)),
	                 SLACK_RATE_LIMITED);
	assert_int_equal(slack_classify(200, "{\"ok\":false,\"error\":\"invalid_auth\"}",
	                                strlen("{\"ok\":false,\"error\":\"invalid_auth\"}"), NULL,
	                                e, sizeof(e)),
	                 SLACK_REFUSED);
	assert_string_equal(e, "HTTP 200: invalid_auth");
	assert_int_equal(slack_classify(200, "{\"ok\":false,\"error\":\"token_revoked\"}",
	                                strlen("{\"ok\":false,\"error\":\"token_revoked\"}"), NULL,
	                                e, sizeof(e)),
	                 SLACK_REFUSED);
	assert_int_equal(slack_classify(200, "{\"ok\":false,\"error\":\"account_inactive\"}",
	                                strlen("{\"ok\":false,\"error\":\"account_inactive\"}"),
	                                NULL, e, sizeof(e)),
	                 SLACK_REFUSED);
	assert_int_equal(slack_classify(200, "{\"ok\":false,\"error\":\"channel_not_found\"}",
	                                strlen("{\"ok\":false,\"error\":\"channel_not_found\"}"),
	                                NULL, e, sizeof(e)),
	                 SLACK_DEAD);
	assert_int_equal(slack_classify(200, "{\"ok\":false,\"error\":\"not_in_channel\"}",
	                                strlen("{\"ok\":false,\"error\":\"not_in_channel\"}"), NULL,
	                                e, sizeof(e)),
	                 SLACK_DEAD);
	assert_int_equal(slack_classify(500, "oops", strlen("oops"), NULL, e, sizeof(e)),
	                 SLACK_RETRY);
	assert_int_equal(slack_classify(503, "", strlen(""), NULL, e, sizeof(e)), SLACK_RETRY);
	assert_int_equal(slack_classify(200, "{\"ok\":false,\"error\":\"internal_error\"}",
	                                strlen("{\"ok\":false,\"error\":\"internal_error\"}"), NULL,
	                                e, sizeof(e)),
	                 SLACK_RETRY);
	assert_int_equal(slack_classify(0, NULL, 0, "Connection refused", e, sizeof(e)),
	                 SLACK_RETRY);
	assert_string_equal(e, "network: Connection refused");
	assert_int_equal(slack_classify(200, "<html>proxy</html>", strlen("<html>proxy</html>"),
	                                NULL, e, sizeof(e)),
	                 SLACK_RETRY);
	assert_int_equal(slack_classify(404, "<html>", strlen("<html>"), NULL, e, sizeof(e)),
	                 SLACK_DEAD);
	assert_int_equal(slack_classify(401, "", strlen(""), NULL, e, sizeof(e)), SLACK_REFUSED);
}

/* ---- through the table, with a fake host ---- */

static struct inbound *submitted;
static int conversing_answer;
static int renewed;
static char sent[4][200];
static int nsent;

static void f_submit(struct chan *ch, struct inbound *list)
{
	(void)ch;
	inbound_free_list(submitted);
	submitted = list;
}

static void f_ws_send(struct host_conn *hc, const char *text)
{
	(void)hc;
	if (nsent < 4)
		snprintf(sent[nsent++], sizeof(sent[0]), "%s", text);
}

static int f_conversing(struct chan *ch, const char *chat, const char *user)
{
	(void)ch;
	(void)chat;
	(void)user;
	return conversing_answer;
}

static void f_renew(struct chan *ch)
{
	(void)ch;
	renewed++;
}

static const struct host slack_host = {
        .submit = f_submit,
        .ws_send = f_ws_send,
        .conversing = f_conversing,
        .ws_renew = f_renew,
};

/* A request with the headers of Slack, signed with SECRET at TS. */
struct slack_req {
	char ts[24];
	char sig[SLACK_SIG_LEN + 1];
};

static int fr_header(const struct http_req *r, const char *name, char *out, size_t len)
{
	const struct slack_req *f = r->impl;
	const char *v = NULL;

	if (strcmp(name, "x-slack-request-timestamp:") == 0)
		v = f->ts;
	else if (strcmp(name, "x-slack-signature:") == 0)
		v = f->sig;
	if (out && len)
		out[0] = '\0';
	if (!v)
		return -1;
	if (!out || strlen(v) + 1 > len)
		return -2;
	snprintf(out, len, "%s", v);
	return (int)strlen(v);
}

static void signed_req(struct http_req *r, struct slack_req *f, const char *body)
{
	memset(r, 0, sizeof(*r));
	snprintf(f->ts, sizeof(f->ts), "%lld", (long long)clock_now());
	assert_int_equal(slack_signature("s", f->ts, body, strlen(body), f->sig), 0);
	r->method = "POST";
	r->path = "/hooks/slack";
	r->body = body;
	r->len = strlen(body);
	r->header = fr_header;
	r->impl = f;
}

static struct inbound *event_in(struct loaded *l, const char *fixture_name, int *status)
{
	struct http_answer ans;
	struct http_req req;
	struct slack_req f;
	struct inbound *out = NULL;
	char *body = slurp(fixture_name, NULL);

	signed_req(&req, &f, body);
	memset(&ans, 0, sizeof(ans));
	assert_int_equal(A->routes[0].check(&l->ch, &req, &ans), 0);
	A->routes[0].handle(&l->ch, &req, &ans, &out);
	*status = ans.status;
	http_answer_release(&ans);
	free(body);
	return out;
}

static void table_load(struct loaded *l, const char *extra)
{
	char cfg[512];

	snprintf(cfg, sizeof(cfg),
	         "{\"enabled\":true,\"bot_token\":\"xoxb-1\",\"signing_secret\":\"s\","
	         "\"bot_user\":\"U0BOT\",\"staff_chat\":\"C0STAFF\"%s}",
	         extra);
	load(l, cfg);
	assert_int_equal(l->ld.n, 0);
	l->ch.host = &slack_host;
	assert_int_equal(A->start(&l->ch), 0);
}

static void test_where_said(void **state)
{
	struct loaded l;
	struct inbound *in;
	int status;

	(void)state;
	table_load(&l, "");
	/* a mention in a channel opens a conversation in its thread */
	in = event_in(&l, "channel_mention.json", &status);
	assert_non_null(in);
	assert_string_equal(in->chat, "C0LOBBY/1700000000.000100");
	assert_false(in->is_group);
	assert_true(in->addressed);
	assert_string_equal(in->id, "m:C0LOBBY:1700000000.000100");
	inbound_free(in);
	/* its app_mention twin is the same message */
	in = event_in(&l, "app_mention.json", &status);
	assert_string_equal(in->id, "m:C0LOBBY:1700000000.000100");
	inbound_free(in);
	/* a reply in the thread: the conversation while it is under way... */
	conversing_answer = 1;
	in = event_in(&l, "thread_reply.json", &status);
	assert_string_equal(in->chat, "C0LOBBY/1700000000.000100");
	assert_false(in->is_group);
	inbound_free(in);
	/* ...and otherwise neighbours talking */
	conversing_answer = 0;
	in = event_in(&l, "thread_reply.json", &status);
	assert_true(in->is_group);
	assert_false(in->addressed);
	inbound_free(in);
	/* a direct message is the person's private chat, named by their user ID */
	in = event_in(&l, "im_file_share.json", &status);
	assert_string_equal(in->chat, "U0RES");
	assert_false(in->is_group);
	assert_string_equal(in->att_kind, "photo");
	assert_non_null(in->att_ref);
	inbound_free(in);
	/* the bot's own message: nothing queued, answered at once */
	in = event_in(&l, "own_message.json", &status);
	assert_null(in);
	assert_int_equal(status, 0);
	/* the challenge */
	in = event_in(&l, "url_verification.json", &status);
	assert_null(in);
	assert_int_equal(status, 200);
	unload(&l);

	/* threads off: a mention in a channel is a group message (the core moves it) */
	table_load(&l, ",\"threads\":false");
	in = event_in(&l, "channel_mention.json", &status);
	assert_true(in->is_group);
	assert_true(in->addressed);
	inbound_free(in);
	unload(&l);
}

static void test_staff_channel_is_a_group(void **state)
{
	struct loaded l;
	struct http_answer ans;
	struct http_req req;
	struct slack_req f;
	struct inbound *out = NULL;
	char *payload = slurp("block_actions.json", NULL), *body;
	json_t *form;

	(void)state;
	table_load(&l, "");
	form = json_pack("{s:s}", "payload", payload);
	/* the interactivity body: payload=<urlencoded JSON> */
	{
		size_t i, n = strlen(payload);
		char *p = malloc(n * 3 + 16), *q = p;

		q += sprintf(q, "payload=");
		for (i = 0; i < n; i++)
			q += sprintf(q, "%%%02X", (unsigned char)payload[i]);
		body = p;
	}
	json_decref(form);
	signed_req(&req, &f, body);
	memset(&ans, 0, sizeof(ans));
	conversing_answer = 1;
	A->routes[1].handle(&l.ch, &req, &ans, &out);
	assert_non_null(out);
	assert_string_equal(out->chat, "C0STAFF/1700000100.000100"); /* the ping's thread */
	assert_true(out->is_group);
	assert_true(out->addressed);
	assert_string_equal(out->callback, "/accept 261127-001");
	assert_string_equal(out->id, "a:U0WANG:1700000101.000200");
	inbound_free(out);
	http_answer_release(&ans);
	/* a stale timestamp is refused from the headers alone */
	snprintf(f.ts, sizeof(f.ts), "%lld", (long long)clock_now() - 301);
	memset(&ans, 0, sizeof(ans));
	assert_int_equal(A->routes[1].check(&l.ch, &req, &ans), -1);
	assert_int_equal(ans.status, 401);
	http_answer_release(&ans);
	conversing_answer = 0;
	free(body);
	free(payload);
	unload(&l);
}

static void test_socket_mode_acks(void **state)
{
	struct loaded l;
	void *conn = NULL;
	struct host_conn *hc = (struct host_conn *)(void *)&l; /* any address will do */
	char *ev = slurp("channel_mention.json", NULL), env[4096];

	(void)state;
	load(&l, "{\"enabled\":true,\"mode\":\"socket\",\"bot_token\":\"xoxb-1\","
	         "\"app_token\":\"xapp-1\",\"bot_user\":\"U0BOT\"}");
	l.ch.host = &slack_host;
	assert_int_equal(A->start(&l.ch), 0);
	nsent = 0;
	A->wsc.connected(&l.ch, hc, 0, &conn);
	A->wsc.message(&l.ch, hc, conn, "{\"type\":\"hello\"}", 16);
	assert_int_equal(nsent, 0);
	/* an envelope: acknowledged once its message is committed, not before */
	snprintf(env, sizeof(env),
	         "{\"envelope_id\":\"e1\",\"type\":\"events_api\",\"payload\":%s}", ev);
	A->wsc.message(&l.ch, hc, conn, env, strlen(env));
	assert_non_null(submitted);
	assert_int_equal(nsent, 0);
	A->committed(&l.ch, submitted);
	assert_int_equal(nsent, 1);
	assert_string_equal(sent[0], "{\"envelope_id\":\"e1\"}");
	/* not stored: no acknowledgement, Slack sends it again */
	A->wsc.message(&l.ch, hc, conn, env, strlen(env));
	submitted->failed = 1;
	A->committed(&l.ch, submitted);
	assert_int_equal(nsent, 1);
	/* nothing to do: acknowledged at once */
	{
		const char *e2 = "{\"envelope_id\":\"e2\",\"type\":\"events_api\",\"payload\":{"
		                 "\"type\":\"event_callback\",\"event\":{\"type\":\"reaction_"
		                 "added\"}}}";

		A->wsc.message(&l.ch, hc, conn, e2, strlen(e2));
	}
	assert_int_equal(nsent, 2);
	assert_string_equal(sent[1], "{\"envelope_id\":\"e2\"}");
	/* disconnect: a fresh link */
	renewed = 0;
	A->wsc.message(&l.ch, hc, conn, "{\"type\":\"disconnect\",\"reason\":\"warning\"}",
	               strlen("{\"type\":\"disconnect\",\"reason\":\"warning\"}"));
	assert_int_equal(renewed, 1);
	/* an envelope whose link went away is not acknowledged on it */
	A->wsc.message(&l.ch, hc, conn, env, strlen(env));
	A->wsc.closed(&l.ch, hc, conn);
	submitted->failed = 0;
	A->committed(&l.ch, submitted);
	assert_int_equal(nsent, 2);
	inbound_free_list(submitted);
	submitted = NULL;
	free(ev);
	unload(&l);
}

static void test_locate(void **state)
{
	struct loaded l;
	struct adapter_call call;
	struct adapter_wsc_target t;
	struct adapter_poll p;
	const char *ok = "{\"ok\":true,\"url\":\"wss://wss-primary.slack.com/link/?ticket=1\"}";
	const char *bad = "{\"ok\":false,\"error\":\"invalid_auth\"}";

	(void)state;
	load(&l, "{\"enabled\":true,\"mode\":\"socket\",\"bot_token\":\"xoxb-1\","
	         "\"app_token\":\"xapp-1-A\",\"api_base\":\"http://127.0.0.1:9/api\"}");
	memset(&call, 0, sizeof(call));
	memset(&t, 0, sizeof(t));
	assert_int_equal(A->wsc.locate(&l.ch, 0, &call, &t), 1);
	assert_string_equal(call.url, "http://127.0.0.1:9/api/apps.connections.open");
	assert_string_equal(call.headers[0], "Authorization: Bearer xapp-1-A");
	adapter_call_release(&call);
	memset(&p, 0, sizeof(p));
	assert_int_equal(A->wsc.located(&l.ch, 0, 200, ok, strlen(ok), 0, NULL, &t, &p), 0);
	assert_string_equal(t.url, "wss://wss-primary.slack.com/link/?ticket=1");
	memset(&p, 0, sizeof(p));
	assert_int_equal(A->wsc.located(&l.ch, 0, 200, bad, strlen(bad), 0, NULL, &t, &p), -1);
	assert_true(strstr(p.state, "invalid_auth") != NULL);
	assert_true(p.again_ms >= 60000);
	memset(&p, 0, sizeof(p));
	assert_int_equal(A->wsc.located(&l.ch, 0, 0, NULL, 0, 0, "timed out", &t, &p), -1);
	assert_true(p.again_ms < 0);
	unload(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_signature_vector),
	        cmocka_unit_test(test_config),
	        cmocka_unit_test(test_parse_messages),
	        cmocka_unit_test(test_parse_files),
	        cmocka_unit_test(test_parse_press_and_command),
	        cmocka_unit_test(test_text),
	        cmocka_unit_test(test_build),
	        cmocka_unit_test(test_classify),
	        cmocka_unit_test(test_where_said),
	        cmocka_unit_test(test_staff_channel_is_a_group),
	        cmocka_unit_test(test_socket_mode_acks),
	        cmocka_unit_test(test_locate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
