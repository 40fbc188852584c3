/*
 * fakehost.h - what the channel unit tests share: fixture files read
 * whole, a hand-made request (headers and a query), a fake host whose
 * call_now answers from a script, a channel read from JSON through the
 * registry, and, when the test file defines A (its adapter) and PATH
 * ("channels.NAME") first, a channel read through that adapter with the
 * problems found (struct loaded). Included by one test file each: the
 * definitions are static on purpose, and a file uses what it needs.
 * Needs <cmocka.h> first.
 */
#ifndef CONCIERGE_TEST_FAKEHOST_H
#define CONCIERGE_TEST_FAKEHOST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/registry.h"
#include "lib/config_read.h"

#define FH_UNUSED __attribute__((unused))

/* ---- files ---- */

/* The whole file at PATH (malloc'd, NUL-terminated), its length in *LEN when LEN is given. */
FH_UNUSED static char *slurp_path(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return s;
}

/* DIR/NAME whole, as slurp_path(). */
FH_UNUSED static char *slurp_in(const char *dir, const char *name, size_t *len)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return slurp_path(path, len);
}

/* ---- a hand-made request ---- */

/* Its headers (names with their ':', lowercase) and query ("a=1&b=2", values as they are). */
struct fake_req {
	const char *names[4];
	const char *values[4];
	const char *query;
};

FH_UNUSED static int fake_header(const struct http_req *r, const char *name, char *out, size_t len)
{
	const struct fake_req *f = r->impl;
	size_t i;

	if (out && len)
		out[0] = '\0';
	for (i = 0; i < 4 && f->names[i]; i++) {
		if (strcmp(f->names[i], name) != 0)
			continue;
		if (!f->values[i])
			return -1;
		if (!out || strlen(f->values[i]) + 1 > len)
			return -2;
		snprintf(out, len, "%s", f->values[i]);
		return (int)strlen(out);
	}
	return -1;
}

FH_UNUSED static int fake_none(const struct http_req *r, const char *name, char *out, size_t len)
{
	(void)r;
	(void)name;
	if (len)
		out[0] = '\0';
	return -1;
}

FH_UNUSED static int fake_arg(const struct http_req *r, const char *name, char *out, size_t len)
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

/* R: a request METHOD to PATH with BODY, headers and query from F. */
FH_UNUSED static void req_init(struct http_req *r, struct fake_req *f, const char *method,
                               const char *path, const char *body)
{
	memset(r, 0, sizeof(*r));
	r->method = method;
	r->path = path;
	r->body = body;
	r->len = strlen(body);
	r->header = fake_header;
	r->cookie = fake_none;
	r->query = fake_arg;
	r->impl = f;
}

/*
 * Runs ROUTE of CH as the server does: check (headers), then handle. A
 * refusal is a 4xx; a message handed over is answered after the commit.
 */
FH_UNUSED static struct inbound *run_req(struct chan *ch, const struct adapter_route *route,
                                         struct http_req *req, struct http_answer *ans)
{
	struct inbound *out = NULL;

	memset(ans, 0, sizeof(*ans));
	if (route->check && route->check(ch, req, ans) < 0) {
		assert_true(ans->status >= 400 && ans->status < 500);
		return NULL;
	}
	route->handle(ch, req, ans, &out);
	if (out)
		assert_int_equal(ans->status, 0); /* answered after the commit */
	return out;
}

/* ---- a fake host: call_now answers from a script ---- */

static const char *now_answers[8] FH_UNUSED; /* bodies answered by call_now, in order */
static int now_calls FH_UNUSED;              /* calls made */
static char now_urls[8][512] FH_UNUSED;      /* their URLs */

/* The next scripted answer (HTTP 200), or none (the platform is out of reach). */
FH_UNUSED static int fake_call_now(struct chan *ch, const struct adapter_call *call, long *status,
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

static const struct host script_host FH_UNUSED = {.call_now = fake_call_now};

/* Channel NAME of the registry read from JSON (no problem allowed), with the scripted host. */
FH_UNUSED static struct chan load_chan(const char *name, const char *json)
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
	ch.host = &script_host;
	a->config(&ld, o, name, &ch.enabled, &ch.conf);
	json_decref(o);
	if (ld.n)
		fail_msg("%s", ld.buf);
	free(ld.buf);
	return ch;
}

/* ---- a channel read through adapter A as PATH, with its problems ---- */

#if defined(A) && defined(PATH)

/* A channel read from the JSON text CFG, with the problems in LD. */
struct loaded {
	struct cfg_ld ld;
	struct chan ch;
	int enabled;
};

FH_UNUSED static void load(struct loaded *l, const char *cfg)
{
	json_error_t jerr;
	json_t *o = cfg ? json_loads(cfg, 0, &jerr) : NULL;
	void *conf = NULL;

	if (cfg && !o)
		fail_msg("bad test JSON %s: %s", cfg, jerr.text);
	memset(l, 0, sizeof(*l));
	l->ld.file = "config.json";
	A->config(&l->ld, o, PATH, &l->enabled, &conf);
	json_decref(o);
	assert_false(l->ld.oom);
	l->ch.a = A;
	l->ch.name = A->name;
	l->ch.enabled = l->enabled;
	l->ch.conf = conf;
}

/* Stops the channel (when its adapter can) and frees it. */
FH_UNUSED static void unload(struct loaded *l)
{
	if (A->stop)
		A->stop(&l->ch);
	A->config_free(l->ch.conf);
	free(l->ld.buf);
	memset(l, 0, sizeof(*l));
}

FH_UNUSED static const char *problems(const struct loaded *l)
{
	return l->ld.buf ? l->ld.buf : "";
}

/* Asserts that CFG is refused with a line containing WANT and none containing SECRET. */
FH_UNUSED static void assert_problem_hiding(const char *cfg, const char *want, const char *secret)
{
	struct loaded l;

	load(&l, cfg);
	if (l.ld.n == 0 || !strstr(problems(&l), want))
		fail_msg("%s: expected a problem with \"%s\", got \"%s\"", cfg, want, problems(&l));
	if (secret && strstr(problems(&l), secret))
		fail_msg("%s: the problem quotes \"%s\": %s", cfg, secret, problems(&l));
	unload(&l);
}

FH_UNUSED static void assert_problem(const char *cfg, const char *want)
{
	assert_problem_hiding(cfg, want, NULL);
}

FH_UNUSED static void assert_clean(const char *cfg)
{
	struct loaded l;

	load(&l, cfg);
	if (l.ld.n != 0)
		fail_msg("%s: unexpected problems: %s", cfg, problems(&l));
	unload(&l);
}

#endif

#endif
