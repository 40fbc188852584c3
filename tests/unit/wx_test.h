/*
 * wx_test.h - what the WeChat and WeCom unit tests share besides
 * fakehost.h: a configuration's problems, the route run as the server runs
 * it with a query and a body, fixtures and verdicts. Included by one test file each.
 * Needs <cmocka.h>, <jansson.h> and "adapters/adapter.h" first.
 */
#ifndef CONCIERGE_WX_TEST_H
#define CONCIERGE_WX_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakehost.h"

/* The problems reading JSON as channels.NAME gives (malloc'd, "" when none). */
static char *config_problems(const char *name, const char *json)
{
	struct cfg_ld ld = {.file = "config.json"};
	const struct adapter *a = adapter_find(name);
	json_t *o = json_loads(json, 0, NULL);
	void *conf = NULL;
	int enabled = 0;
	char *out, path[64];

	assert_non_null(o);
	snprintf(path, sizeof(path), "channels.%s", name);
	a->config(&ld, o, path, &enabled, &conf);
	a->config_free(conf);
	json_decref(o);
	out = strdup(ld.buf ? ld.buf : "");
	free(ld.buf);
	return out;
}

/* Runs the route of CH as the server does: check (headers), then handle. */
static struct inbound *run_route(struct chan *ch, const char *method, const char *query,
                                 const char *body, struct http_answer *ans)
{
	const struct adapter_route *route = &ch->a->routes[0];
	struct fake_req f = {{"content-length:"}, {NULL}, query};
	struct http_req req;
	char cl[32];

	snprintf(cl, sizeof(cl), "%zu", strlen(body));
	f.values[0] = cl;
	req_init(&req, &f, method, route->path, body);
	return run_req(ch, route, &req, ans);
}

static char *read_fixture(const char *name)
{
	return slurp_in("tests/fixtures/wechat", name, NULL);
}

/* Builds the call of PAYLOAD to CHAT; the token is fetched first when there is none. */
static int build(struct chan *ch, const char *chat, const char *payload, struct adapter_call *call)
{
	char err[200] = "";
	int n;

	memset(call, 0, sizeof(*call));
	n = ch->a->build(ch, 1, chat, payload, 0, call, err, sizeof(err));
	if (n < 0)
		print_message("build: %s\n", err);
	return n;
}

/* Builds a call for a row and classifies the answer ANSWER (HTTP 200). */
static void answer_call(struct chan *ch, const struct adapter_call *call, long status,
                        const char *answer, struct adapter_verdict *v)
{
	memset(v, 0, sizeof(*v));
	ch->a->classify(ch, call, status, answer, answer ? strlen(answer) : 0, 0, NULL, v);
}

#endif
