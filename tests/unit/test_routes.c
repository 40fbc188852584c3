/*
 * test_routes.c - the channels' inbound routes as the server calls them,
 * driven here with hand-made requests and a fake host (fakehost.h): a request is
 * authenticated the platform's way before anything is parsed, a refusal
 * gets a 4xx and hands over nothing, and an accepted one becomes plain
 * inbound messages with the platform's syntax removed.
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
#include "adapters/generic.h"
#include "adapters/registry.h"

#include "fakehost.h"

/* Runs the route at PATH of CH as the server does: check, then handle. */
static struct inbound *run(struct chan *ch, const char *path, struct fake_req *f, const char *body,
                           struct http_answer *ans)
{
	const struct adapter_route *route = NULL;
	struct http_req req;
	int i;

	for (i = 0; i < ADAPTER_MAX_ROUTES && ch->a->routes[i].path; i++)
		if (strcmp(ch->a->routes[i].path, path) == 0)
			route = &ch->a->routes[i];
	assert_non_null(route);
	req_init(&req, f, "POST", path, body);
	return run_req(ch, route, &req, ans);
}

/* ---- the generic webhook ---- */

#define GENERIC_CFG "{\"enabled\":true,\"secret\":\"s3cret\"}"

static void test_generic_signature_first(void **state)
{
	const char *body = "{\"id\":\"m1\",\"user\":\"u1\",\"chat\":\"c1\",\"text\":\"/repair\"}";
	struct chan ch = load_chan("generic", GENERIC_CFG);
	struct fake_req f = {{"x-concierge-signature:"}, {NULL}, NULL};
	struct http_answer ans;
	struct inbound *in;
	char sig[72];

	(void)state;
	/* no signature, a wrong one, one made with another key: 401, nothing handed over */
	f.names[0] = NULL;
	assert_null(run(&ch, "/hooks/generic", &f, body, &ans));
	assert_int_equal(ans.status, 401);
	http_answer_release(&ans);
	f.names[0] = "x-concierge-signature:";
	f.values[0] = "sha256=00";
	assert_null(run(&ch, "/hooks/generic", &f, body, &ans));
	assert_int_equal(ans.status, 401);
	http_answer_release(&ans);
	assert_int_equal(generic_sign("other", body, strlen(body), sig), 0);
	f.values[0] = sig;
	assert_null(run(&ch, "/hooks/generic", &f, body, &ans));
	assert_int_equal(ans.status, 401);
	http_answer_release(&ans);

	/* signed right: one plain message */
	assert_int_equal(generic_sign("s3cret", body, strlen(body), sig), 0);
	in = run(&ch, "/hooks/generic", &f, body, &ans);
	assert_non_null(in);
	assert_string_equal(in->channel, "generic");
	assert_string_equal(in->id, "m1");
	assert_string_equal(in->user, "u1");
	assert_string_equal(in->chat, "c1");
	assert_string_equal(in->text, "/repair");
	assert_null(in->next);
	inbound_free_list(in);
	http_answer_release(&ans);

	/* signed right but not a message: 400, nothing handed over */
	assert_int_equal(generic_sign("s3cret", "[1,2]", 5, sig), 0);
	assert_null(run(&ch, "/hooks/generic", &f, "[1,2]", &ans));
	assert_int_equal(ans.status, 400);
	http_answer_release(&ans);
	ch.a->config_free(ch.conf);
}

/* ---- Telegram ---- */

#define TG_CFG                                                                                     \
	"{\"enabled\":true,\"token\":\"123:ABC\",\"mode\":\"webhook\","                            \
	"\"webhook_secret\":\"Secret_1\",\"bot_username\":\"ConciergeBot\"}"

static const char group_command[] =
        "{\"update_id\":9001,\"message\":{\"message_id\":5,\"date\":1764000000,"
        "\"chat\":{\"id\":-1001234567890,\"type\":\"supergroup\",\"title\":\"3栋业主群\"},"
        "\"from\":{\"id\":42,\"is_bot\":false,\"first_name\":\"伟\"},"
        "\"text\":\"/repair@ConciergeBot 厨房漏水\","
        "\"entities\":[{\"type\":\"bot_command\",\"offset\":0,\"length\":20}]}}";

static void test_telegram_secret_then_syntax_removed(void **state)
{
	struct chan ch = load_chan("telegram", TG_CFG);
	struct fake_req f = {{"x-telegram-bot-api-secret-token:"}, {"wrong"}, NULL};
	struct http_answer ans;
	struct inbound *in;

	(void)state;
	/* getMe gets no answer: the configured bot_username still serves for mentions */
	now_calls = 0;
	assert_int_equal(ch.a->start(&ch), 0);
	assert_int_equal(now_calls, 1);
	assert_null(run(&ch, "/hooks/telegram", &f, group_command, &ans));
	assert_int_equal(ans.status, 401);
	http_answer_release(&ans);
	f.values[0] = "Secret_1";
	in = run(&ch, "/hooks/telegram", &f, group_command, &ans);
	assert_non_null(in);
	assert_string_equal(in->id, "9001");
	assert_string_equal(in->chat, "-1001234567890");
	assert_true(in->is_group);
	assert_true(in->addressed);
	/* the platform's "@ConciergeBot" is the adapter's to remove */
	assert_string_equal(in->text, "/repair 厨房漏水");
	inbound_free_list(in);
	http_answer_release(&ans);
	/* malformed with the right secret: 400 */
	assert_null(run(&ch, "/hooks/telegram", &f, "{\"update_id\": 5, \"message\": {", &ans));
	assert_int_equal(ans.status, 400);
	http_answer_release(&ans);
	ch.a->stop(&ch);
	ch.a->config_free(ch.conf);
}

static void test_telegram_start_link_becomes_the_command(void **state)
{
	static const char start[] =
	        "{\"update_id\":9002,\"message\":{\"message_id\":6,\"date\":1764000000,"
	        "\"chat\":{\"id\":42,\"type\":\"private\"},"
	        "\"from\":{\"id\":42,\"is_bot\":false,\"first_name\":\"伟\"},"
	        "\"text\":\"/start repair\","
	        "\"entities\":[{\"type\":\"bot_command\",\"offset\":0,\"length\":6}]}}";
	struct chan ch = load_chan("telegram", TG_CFG);
	struct fake_req f = {{"x-telegram-bot-api-secret-token:"}, {"Secret_1"}, NULL};
	struct http_answer ans;
	struct inbound *in;
	char *link;

	(void)state;
	assert_int_equal(ch.a->start(&ch), 0);
	in = run(&ch, "/hooks/telegram", &f, start, &ans);
	assert_non_null(in);
	assert_string_equal(in->text, "/repair");
	assert_true(in->from_link);
	inbound_free_list(in);
	http_answer_release(&ans);
	/* and the link a group is given to get there */
	link = ch.a->private_link(&ch, "repair");
	assert_non_null(link);
	assert_string_equal(link, "https://t.me/ConciergeBot?start=repair");
	free(link);
	ch.a->stop(&ch);
	ch.a->config_free(ch.conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_generic_signature_first),
	        cmocka_unit_test(test_telegram_secret_then_syntax_removed),
	        cmocka_unit_test(test_telegram_start_link_becomes_the_command),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
