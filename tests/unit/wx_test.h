/*
 * wx_test.h - what the WeChat and WeCom unit tests share: a hand-made
 * request with a query, a channel read from JSON with a fake host, and the
 * route run as the server runs it. Included by one test file each.
 * Needs <cmocka.h>, <jansson.h> and "adapters/adapter.h" first.
 */
#ifndef CONCIERGE_WX_TEST_H
#define CONCIERGE_WX_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/registry.h"

/* A request: its method, query ("a=1&b=2", values as they are, not encoded) and body. */
struct fake_req {
	const char *query;
	const char *content_length;
};

static int fake_header(const struct http_req *r, const char *name, char *out, size_t len)
{
	const struct fake_req *f = r->impl;

	if (len)
		out[0] = '\0';
	if (strcmp(name, "content-length:") == 0 && f->content_length) {
		snprintf(out, len, "%s", f->content_length);
		return (int)strlen(out);
	}
	return -1;
}

static int fake_cookie(const struct http_req *r, const char *name, char *out, size_t len)
{
	(void)r;
	(void)name;
	if (len)
		out[0] = '\0';
	return -1;
}

static int fake_arg(const struct http_req *r, const char *name, char *out, size_t len)
{
	const struct fake_req *f = r->impl;
	size_t nl = strlen(name), n;
	const char *p = f->query;

	if (len)
		out[0] = '\0';
	while (p && *p) {
		n = strcspn(p, "&");
		if (n > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			if (n - nl - 1 + 1 > len)
				return -2;
			memcpy(out, p + nl + 1, n - nl - 1);
			out[n - nl - 1] = '\0';
			return (int)(n - nl - 1);
		}
		p += n;
		if (*p)
			p++;
	}
	return -1;
}

/* ---- a fake host: call_now answers from a script ---- */

static const char *now_answers[8]; /* bodies answered by call_now, in order */
static int now_calls;
static char now_urls[8][512];

static int fake_call_now(struct chan *ch, const struct adapter_call *call, long *status,
                         char **body, size_t *len)
{
	const char *a = now_calls < 8 ? now_answers[now_calls] : NULL;

	(void)ch;
	if (now_calls < 8)
		snprintf(now_urls[now_calls], sizeof(now_urls[0]), "%s", call->url);
	now_calls++;
	*status = 0;
	*body = NULL;
	*len = 0;
	if (!a)
		return -1;
	*status = 200;
	*body = strdup(a);
	*len = strlen(a);
	return 0;
}

static const struct host fake_host = {.call_now = fake_call_now};

static struct chan load_chan(const char *name, const char *json)
{
	struct cfg_ld ld = {.file = "config.json"};
	const struct adapter *a = adapter_find(name);
	json_t *o = json_loads(json, 0, NULL);
	struct chan ch;

	assert_non_null(a);
	assert_non_null(o);
	memset(&ch, 0, sizeof(ch));
	ch.a = a;
	ch.name = a->name;
	ch.host = &fake_host;
	a->config(&ld, o, name, &ch.enabled, &ch.conf);
	json_decref(o);
	if (ld.n)
		fail_msg("%s", ld.buf);
	free(ld.buf);
	return ch;
}

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
	struct fake_req f = {query, NULL};
	struct inbound *out = NULL;
	struct http_req req;
	char cl[32];

	memset(ans, 0, sizeof(*ans));
	memset(&req, 0, sizeof(req));
	snprintf(cl, sizeof(cl), "%zu", strlen(body));
	f.content_length = cl;
	req.method = method;
	req.path = route->path;
	req.body = body;
	req.len = strlen(body);
	req.header = fake_header;
	req.cookie = fake_cookie;
	req.query = fake_arg;
	req.impl = &f;
	if (route->check && route->check(ch, &req, ans) < 0) {
		assert_true(ans->status >= 400 && ans->status < 500);
		return NULL;
	}
	route->handle(ch, &req, ans, &out);
	if (out)
		assert_int_equal(ans->status, 0); /* answered after the commit */
	return out;
}

static char *read_fixture(const char *name)
{
	char path[256];
	FILE *f;
	long n;
	char *s;

	snprintf(path, sizeof(path), "tests/fixtures/wechat/%s", name);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

/* Builds a call for a row and classifies the answer ANSWER (HTTP 200). */
static void answer_call(struct chan *ch, const struct adapter_call *call, long status,
                        const char *answer, struct adapter_verdict *v)
{
	memset(v, 0, sizeof(*v));
	ch->a->classify(ch, call, status, answer, answer ? strlen(answer) : 0, 0, NULL, v);
}

#endif
