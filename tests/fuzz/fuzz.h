/*
 * fuzz.h - what the libFuzzer targets share: quiet logs, a hand-made request
 * (headers, a query, a cookie), a fake host that takes whatever an adapter
 * hands it and frees it, and a channel read from JSON through the registry.
 * Like tests/unit/fakehost.h, without cmocka: a broken fixture aborts, and a
 * finding is reported by the sanitizers or by fuzz_fail(). Included by one
 * target each: the definitions are static on purpose.
 */
#ifndef CONCIERGE_FUZZ_H
#define CONCIERGE_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/registry.h"
#include "lib/config_read.h"
#include "lib/http.h"
#include "lib/log.h"
#include "lib/msg.h"
#include "lib/utf8.h"

#define FZ_UNUSED __attribute__((unused))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An invariant broken: says which, and aborts (libFuzzer keeps the input). */
FZ_UNUSED __attribute__((format(printf, 1, 2), noreturn)) static void fuzz_fail(const char *fmt,
                                                                                ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fuzz: invariant broken: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* The input as a NUL-terminated string (malloc'd; a NUL inside ends it early). */
FZ_UNUSED static char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* 1 when S[0..N) is well-formed UTF-8 with no NUL. */
FZ_UNUSED static int fuzz_utf8_ok(const char *s, size_t n)
{
	size_t p = 0, k;
	uint32_t cp;

	while (p < n) {
		if (!s[p])
			return 0;
		k = utf8_next(s + p, n - p, &cp);
		if (k == 1 && cp == UTF8_BAD)
			return 0;
		p += k;
	}
	return 1;
}

/* ---- a hand-made request ---- */

#define FZ_HEADERS 6

struct fz_req {
	const char *names[FZ_HEADERS]; /* lowercase, with their ':' */
	const char *values[FZ_HEADERS];
	const char *query; /* "a=1&b=2", values as they are */
	const char *cookie_name, *cookie_value;
};

static int fz_copy(const char *v, char *out, size_t len)
{
	if (!out || strlen(v) + 1 > len)
		return -2;
	memcpy(out, v, strlen(v) + 1);
	return (int)strlen(out);
}

FZ_UNUSED static int fz_header(const struct http_req *r, const char *name, char *out, size_t len)
{
	const struct fz_req *f = r->impl;
	size_t i;

	if (out && len)
		out[0] = '\0';
	for (i = 0; i < FZ_HEADERS && f->names[i]; i++)
		if (strcmp(f->names[i], name) == 0)
			return f->values[i] ? fz_copy(f->values[i], out, len) : -1;
	return -1;
}

FZ_UNUSED static int fz_cookie(const struct http_req *r, const char *name, char *out, size_t len)
{
	const struct fz_req *f = r->impl;

	if (out && len)
		out[0] = '\0';
	if (!f->cookie_name || strcmp(f->cookie_name, name) != 0)
		return -1;
	return fz_copy(f->cookie_value, out, len);
}

FZ_UNUSED static int fz_query(const struct http_req *r, const char *name, char *out, size_t len)
{
	const struct fz_req *f = r->impl;
	size_t nl = strlen(name), n;
	const char *p = f->query;

	if (out && len)
		out[0] = '\0';
	while (p && *p) {
		n = strcspn(p, "&");
		if (n > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			if (!out || n - nl > len)
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

/* R: a request METHOD to PATH with BODY (LEN bytes), headers, query and cookie from F. */
FZ_UNUSED static void fz_req_init(struct http_req *r, struct fz_req *f, const char *method,
                                  const char *path, const char *body, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->method = method;
	r->path = path;
	r->body = body;
	r->len = len;
	r->header = fz_header;
	r->cookie = fz_cookie;
	r->query = fz_query;
	r->impl = f;
}

/* Adds header NAME (with its ':') = VALUE to F. */
FZ_UNUSED static void fz_req_header(struct fz_req *f, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < FZ_HEADERS; i++)
		if (!f->names[i]) {
			f->names[i] = name;
			f->values[i] = value;
			return;
		}
	abort();
}

/* ---- a fake host ---- */

static long fz_submitted; /* messages handed over through host->submit */

/* Checks what an adapter hands over: a channel and a chat, well-formed text. */
FZ_UNUSED static void fz_check_inbound(const struct inbound *in, const char *channel)
{
	for (; in; in = in->next) {
		if (!in->channel || strcmp(in->channel, channel) != 0)
			fuzz_fail("%s: a message handed over for channel %s", channel,
			          in->channel ? in->channel : "(none)");
		if (!in->moved_from && (!in->chat || !*in->chat))
			fuzz_fail("%s: a message handed over without a chat", channel);
	}
}

static void fz_submit(struct chan *ch, struct inbound *list)
{
	fz_check_inbound(list, ch->name);
	for (struct inbound *in = list; in; in = in->next)
		fz_submitted++;
	inbound_free_list(list);
}

static void fz_ws_send(struct host_conn *hc, const char *text)
{
	(void)hc;
	if (!text)
		fuzz_fail("ws_send with no text");
}

static void fz_deliver_now(struct chan *ch, const char *chat)
{
	(void)ch;
	(void)chat;
}

static int fz_history(struct chan *ch, const char *chat, int max, host_line_fn each, void *ud)
{
	(void)ch;
	(void)chat;
	if (max > 0)
		each("bot", "您好", NULL, "line-1", 1764000000, ud);
	return 0;
}

static int fz_staff_by_token(struct chan *ch, struct host_conn *hc, const char *token, size_t len,
                             struct adapter_person *out)
{
	(void)ch;
	(void)hc;
	if (len != strlen("staff-token-0123456789") || memcmp(token, "staff-token-0123456789", len))
		return 0;
	out->id = "s1";
	out->name = "王师傅";
	out->role = "technician";
	out->token = "staff-token-0123456789";
	return 1;
}

static int fz_staff_by_id(struct chan *ch, const char *id, struct adapter_person *out)
{
	(void)ch;
	if (strcmp(id, "s1") != 0)
		return 0;
	out->id = "s1";
	out->name = "王师傅";
	out->role = "technician";
	out->token = NULL;
	return 1;
}

static const char *fz_centre_name(struct chan *ch)
{
	(void)ch;
	return "幸福里服务中心";
}

/* The platform is out of reach: nothing is fetched at start or later. */
static int fz_call_now(struct chan *ch, const struct adapter_call *call, long *status, char **body,
                       size_t *len)
{
	(void)ch;
	(void)call;
	*status = 0;
	*body = NULL;
	*len = 0;
	return -1;
}

static int fz_handle(struct chan *ch, const struct msg_in *in, char *err, size_t errlen)
{
	(void)ch;
	(void)in;
	(void)err;
	(void)errlen;
	return 0;
}

static int fz_take_waiting(struct chan *ch, const char *chat, host_payload_fn each, void *ud)
{
	(void)ch;
	(void)chat;
	(void)each;
	(void)ud;
	return 0;
}

static int fz_tick(struct chan *ch)
{
	(void)ch;
	return 0;
}

static const char *fz_config_path(struct chan *ch)
{
	(void)ch;
	return "config.json";
}

static int fz_conversing(struct chan *ch, const char *chat, const char *user)
{
	(void)ch;
	(void)user;
	return chat && chat[0] == 'C';
}

static void fz_ws_renew(struct chan *ch)
{
	(void)ch;
}

static void fz_ws_close(struct host_conn *hc)
{
	(void)hc;
}

static void fz_ws_silence(struct host_conn *hc, int64_t ms)
{
	(void)hc;
	(void)ms;
}

static int fz_ws_state(struct chan *ch, int link, char *state, size_t len, long long *connects)
{
	(void)ch;
	(void)link;
	snprintf(state, len, "connected");
	*connects = 1;
	return 0;
}

static void fz_relay_done(struct chan *ch, uint64_t ticket, long status, const char *body,
                          size_t len, const char *neterr)
{
	(void)ch;
	(void)ticket;
	(void)status;
	(void)body;
	(void)len;
	(void)neterr;
}

/* The web chat's socket: nothing waits to be sent, text frames, a documentation address. */
static size_t fz_ws_queued(struct host_conn *hc)
{
	(void)hc;
	return 0;
}

static void fz_ws_refuse(struct host_conn *hc, int code)
{
	(void)hc;
	(void)code;
}

static int fz_ws_binary(struct host_conn *hc)
{
	(void)hc;
	return 0;
}

static int fz_ws_peer(struct host_conn *hc, char *out, size_t len)
{
	(void)hc;
	snprintf(out, len, "203.0.113.7");
	return 0;
}

FZ_UNUSED static const struct host fz_host = {
        .ws_queued = fz_ws_queued,
        .ws_refuse = fz_ws_refuse,
        .ws_binary = fz_ws_binary,
        .ws_peer = fz_ws_peer,
        .submit = fz_submit,
        .ws_send = fz_ws_send,
        .deliver_now = fz_deliver_now,
        .history = fz_history,
        .staff_by_token = fz_staff_by_token,
        .staff_by_id = fz_staff_by_id,
        .centre_name = fz_centre_name,
        .call_now = fz_call_now,
        .handle = fz_handle,
        .take_waiting = fz_take_waiting,
        .tick = fz_tick,
        .config_path = fz_config_path,
        .conversing = fz_conversing,
        .ws_renew = fz_ws_renew,
        .ws_close = fz_ws_close,
        .ws_silence = fz_ws_silence,
        .ws_state = fz_ws_state,
        .relay_done = fz_relay_done,
};

/*
 * Channel NAME of the registry read from the JSON text CFG (no problem
 * allowed) with the fake host, and started when START is set.
 */
FZ_UNUSED static void fz_chan_load(struct chan *ch, const char *name, const char *cfg, int start)
{
	struct cfg_ld ld = {.file = "config.json"};
	const struct adapter *a = adapter_find(name);
	json_error_t jerr;
	json_t *o = json_loads(cfg, 0, &jerr);
	char path[64];

	if (!a || !o) {
		fprintf(stderr, "fuzz: no adapter %s, or bad JSON: %s\n", name, jerr.text);
		abort();
	}
	memset(ch, 0, sizeof(*ch));
	ch->a = a;
	ch->name = a->name;
	ch->host = &fz_host;
	snprintf(path, sizeof(path), "channels.%s", name);
	a->config(&ld, o, path, &ch->enabled, &ch->conf);
	json_decref(o);
	if (ld.n) {
		fprintf(stderr, "fuzz: %s: %s\n", name, ld.buf);
		abort();
	}
	free(ld.buf);
	if (start && a->start && a->start(ch) < 0) {
		fprintf(stderr, "fuzz: %s did not start\n", name);
		abort();
	}
}

#endif
