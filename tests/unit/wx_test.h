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

/* Builds a call for a row and classifies the answer ANSWER (HTTP 200). */
static void answer_call(struct chan *ch, const struct adapter_call *call, long status,
                        const char *answer, struct adapter_verdict *v)
{
	memset(v, 0, sizeof(*v));
	ch->a->classify(ch, call, status, answer, answer ? strlen(answer) : 0, 0, NULL, v);
}

#endif
