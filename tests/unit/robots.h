/*
 * robots.h - what the unit tests of the webhook robots configured by URL
 * (DingTalk, Feishu: adapters/robot.c with their adapters) share: a channel
 * read from a JSON text through the adapter's table, its problems, built
 * calls and verdicts. Included by one test file each, after defining
 * ROBOT_ADAPTER (the adapter), ROBOT_PATH ("channels.NAME") and, when its
 * calls name one, ROBOT_CTYPE (their Content-Type): the definitions are
 * static on purpose. Loading the channel comes from fakehost.h. Needs
 * <cmocka.h>, "adapters/adapter.h", "lib/config_read.h" and "lib/clock.h"
 * included first.
 */
#ifndef CONCIERGE_TEST_ROBOTS_H
#define CONCIERGE_TEST_ROBOTS_H

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define A    (&ROBOT_ADAPTER)
#define PATH ROBOT_PATH
#include "fakehost.h"

/* One built call: its parsed body and the number of parts. */
struct built {
	struct adapter_call call;
	json_t *body; /* owned */
	int parts;
	char err[300];
};

static int build(const struct loaded *l, const char *chat, const char *payload, int part,
                 struct built *b)
{
	memset(b, 0, sizeof(*b));
	b->parts = A->build(&l->ch, 42, chat, payload, part, &b->call, b->err, sizeof(b->err));
	if (b->parts < 0) {
		assert_null(b->call.url);
		assert_null(b->call.body);
		assert_true(b->err[0] != '\0');
		return -1;
	}
	assert_non_null(b->call.url);
	assert_non_null(b->call.body);
#ifdef ROBOT_CTYPE
	assert_string_equal(b->call.ctype, ROBOT_CTYPE);
#else
	assert_null(b->call.ctype); /* application/json */
#endif
	assert_false(b->call.get);
	b->body = json_loads(b->call.body, 0, NULL);
	assert_non_null(b->body);
	return b->parts;
}

static void built_release(struct built *b)
{
	json_decref(b->body);
	adapter_call_release(&b->call);
	memset(b, 0, sizeof(*b));
}

/* The JSON text of the value at KEY.KEY2 of the body (KEY2 NULL: KEY), or "absent". */
static char *field(const struct built *b, const char *key, const char *key2)
{
	json_t *v = json_object_get(b->body, key); /* borrowed */

	if (v && key2)
		v = json_object_get(v, key2);
	return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("absent");
}

static void assert_field(const struct built *b, const char *key, const char *key2, const char *want)
{
	char *got = field(b, key, key2);

	assert_non_null(got);
	if (strcmp(got, want) != 0)
		fail_msg("%s%s%s: got %s, want %s", key, key2 ? "." : "", key2 ? key2 : "", got,
		         want);
	free(got);
}

/* The verdict on an answer to CALL (NULL: none known) from the channel of L. */
static void classify_call(const struct loaded *l, const struct adapter_call *call, long status,
                          const char *resp, long retry_after, const char *neterr,
                          struct adapter_verdict *v)
{
	memset(v, 0x5a, sizeof(*v)); /* classify fills every field */
	A->classify(&l->ch, call, status, resp, resp ? strlen(resp) : 0, retry_after, neterr, v);
	assert_true(v->error[0] != '\0');
	assert_non_null(memchr(v->error, '\0', sizeof(v->error)));
	assert_non_null(memchr(v->state, '\0', sizeof(v->state)));
}

/* An answer of the platform and what it must mean; NULL or -1: not checked. */
struct answer {
	long status;
	const char *resp;
	long retry_after; /* the Retry-After header */
	const char *neterr;
	enum adapter_outcome outcome;
	int retry;             /* v.retry_after */
	const char *error;     /* v.error, exactly */
	const char *error_has; /* ... or a part of it */
	const char *state;     /* v.state, exactly ("" when kept) */
};

/* Checks ROWS against the channel of L, for calls to CALL; no text shows any of HIDDEN. */
static void check_answers(const struct loaded *l, const struct adapter_call *call,
                          const struct answer *rows, size_t n, const char *const *hidden)
{
	struct adapter_verdict v;
	size_t i, j;

	for (i = 0; i < n; i++) {
		const struct answer *r = &rows[i];

		classify_call(l, call, r->status, r->resp, r->retry_after, r->neterr, &v);
		if (v.outcome != r->outcome)
			fail_msg("row %zu (HTTP %ld %s): outcome %d, want %d", i, r->status,
			         r->resp ? r->resp : "", (int)v.outcome, (int)r->outcome);
		if (r->retry >= 0 && v.retry_after != r->retry)
			fail_msg("row %zu: retry_after %d, want %d", i, v.retry_after, r->retry);
		if (r->error && strcmp(v.error, r->error) != 0)
			fail_msg("row %zu: error \"%s\", want \"%s\"", i, v.error, r->error);
		if (r->error_has && !strstr(v.error, r->error_has))
			fail_msg("row %zu: error \"%s\" without \"%s\"", i, v.error, r->error_has);
		if (r->state && strcmp(v.state, r->state) != 0)
			fail_msg("row %zu: state \"%s\", want \"%s\"", i, v.state, r->state);
		/* each robot has its own limit: a rate limit holds that robot's chat */
		assert_int_equal(v.scope, ADAPTER_SCOPE_CHAT);
		for (j = 0; hidden && hidden[j]; j++)
			if (strstr(v.error, hidden[j]) || strstr(v.state, hidden[j]))
				fail_msg("row %zu shows \"%s\": %s / %s", i, hidden[j], v.error,
				         v.state);
	}
}

/* ---- a clock the tests set -------------------------------------------------------------- */

static int64_t fixed_ms;

static int64_t fixed_source(enum clock_kind kind)
{
	return kind == CLOCK_WALL_MS ? fixed_ms : 1000;
}

/* The wall clock stands at MS (Unix milliseconds) until set again. */
static void clock_at_ms(int64_t ms)
{
	fixed_ms = ms;
	clock_set_source(fixed_source);
}

/* ---- long texts ------------------------------------------------------------------------ */

/* N copies of UNIT in a new string. */
static char *repeat(const char *unit, size_t n)
{
	size_t k = strlen(unit), i;
	char *s = malloc(k * n + 1);

	assert_non_null(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * k, unit, k);
	s[k * n] = '\0';
	return s;
}

/* {"text": TEXT} with TEXT encoded by jansson (quotes and line breaks escaped). */
static char *text_payload(const char *text, const char *more_json)
{
	json_t *o = json_pack("{s:s}", "text", text);
	json_t *more = more_json ? json_loads(more_json, 0, NULL) : NULL;
	char *s;

	assert_non_null(o);
	if (more)
		json_object_update(o, more);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	json_decref(more);
	assert_non_null(s);
	return s;
}

#endif
