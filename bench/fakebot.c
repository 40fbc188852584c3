/*
 * fakebot.c - a fast fake Telegram Bot API for `make bench`.
 *
 * Concierge's telegram api_base points here during a benchmark, so delivery
 * costs what a loopback HTTP call costs and the fake can count what arrived.
 * It answers /bot<TOKEN>/<method> at once with the shapes Concierge reads
 * (tests/fake_telegram.py is the careful fake; this one is the fast one):
 *   getMe                      the bot's user (id, username, ...)
 *   sendMessage                a Message with a fresh message_id per chat
 *   answerCallbackQuery, setWebhook, deleteWebhook, editMessageReplyMarkup,
 *   editMessageText, ...       true
 *   getWebhookInfo             {"url": "", ...}
 *   getUpdates                 [] (Concierge runs in webhook mode here)
 * A wrong token is 401, as the real API says.
 *
 * It counts every call by method and every delivered sendMessage by chat,
 * with the time of each chat's first and last message, and tells:
 *   GET  /stats[?from=A&to=B]  {"methods": {...}, "sendMessage": N, "chats": K,
 *                              "refused": N, "per_chat": {"6": K, ...}, "now_ms": T,
 *                              "first_ms": T, "last_ms": T (the first and last
 *                              delivered sendMessage, -1 before any),
 *                              "range": {"from", "to", "sent", "chats", "refused",
 *                              "first_ms", "last_ms", "per_chat"}}: per_chat maps a
 *                              number of messages to how many chats got that many;
 *                              "range" (with from/to) is the same for chat IDs in
 *                              [A, B]; times are ms since the fake started
 *   POST /_control/down        {"from": A, "to": B, "status": 502}: sendMessage to a
 *                              chat in [A, B] is answered STATUS (the platform is
 *                              down for them) until /_control/up
 *   POST /_control/up          sends to every chat go through again
 *   POST /_control/reset       forget every count
 *
 * usage: fakebot [--port P] [--token T] [--bot-id N] [--bot-username NAME]
 * It prints "fakebot listening on http://127.0.0.1:PORT" once ready.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "bench/lwsd.h"

struct chat {
	int64_t id; /* 0: free slot */
	long sent, refused;
	int64_t first_ms, last_ms;
	long next_message_id;
};

static const char *const METHODS[] = {"getMe",         "sendMessage",     "answerCallbackQuery",
                                      "setWebhook",    "deleteWebhook",   "getWebhookInfo",
                                      "getUpdates",    "editMessageText", "editMessageReplyMarkup",
                                      "deleteMessage", "getFile",         "sendChatAction",
                                      "sendPhoto",     "setMyCommands",   NULL};
#define NMETHODS 15 /* the names above and "other" */

struct fake {
	const char *token;
	long bot_id;
	const char *bot_username;
	struct chat *chats;
	size_t nchats, cap;
	long methods[NMETHODS];
	long sent, refused;
	int64_t down_from, down_to;
	int down, down_status;
	int64_t t0;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long)ts.tv_sec;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static struct chat *slot_of(struct chat *tab, size_t cap, int64_t id)
{
	size_t i = (size_t)mix((uint64_t)id) & (cap - 1);

	while (tab[i].id && tab[i].id != id)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static struct chat *chat_get(struct fake *f, int64_t id)
{
	struct chat *c;

	if ((f->nchats + 1) * 2 > f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 4096, i;
		struct chat *tab = calloc(cap, sizeof(*tab));

		if (!tab)
			return NULL;
		for (i = 0; i < f->cap; i++)
			if (f->chats[i].id)
				*slot_of(tab, cap, f->chats[i].id) = f->chats[i];
		free(f->chats);
		f->chats = tab;
		f->cap = cap;
	}
	c = slot_of(f->chats, f->cap, id);
	if (!c->id) {
		c->id = id;
		c->next_message_id = 1000;
		f->nchats++;
	}
	return c;
}

/* A chat_id as Concierge sends it: an integer, or a string ("@name", "-100..."). */
static int64_t chat_key(json_t *v)
{
	const char *s;
	uint64_t h = 1469598103934665603ULL;

	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	s = json_string_value(v);
	if (!s)
		return 0;
	if ((*s == '-' || (*s >= '0' && *s <= '9')) && s[1 + (*s == '-')] != '\0')
		return strtoll(s, NULL, 10);
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (int64_t)(h | (1ULL << 62));
}

static void answer_json(struct lwsd_resp *resp, int status, json_t *o)
{
	free(resp->body);
	resp->status = status;
	resp->body = json_dumps(o, JSON_COMPACT);
	resp->len = resp->body ? strlen(resp->body) : 0;
	json_decref(o);
}

static void api_error(struct lwsd_resp *resp, int code, const char *description)
{
	answer_json(resp, code,
	            json_pack("{s:b,s:i,s:s}", "ok", 0, "error_code", code, "description",
	                      description));
}

static json_t *bot_user(const struct fake *f)
{
	return json_pack("{s:I,s:b,s:s,s:s}", "id", (json_int_t)f->bot_id, "is_bot", 1,
	                 "first_name", "Concierge", "username", f->bot_username);
}

static void send_message(struct fake *f, json_t *params, struct lwsd_resp *resp)
{
	json_t *chat_id = json_object_get(params, "chat_id"); /* borrowed */
	const char *text = json_string_value(json_object_get(params, "text"));
	int64_t key = chat_key(chat_id);
	struct chat *c;

	if (!key) {
		api_error(resp, 400, "Bad Request: chat_id is empty");
		return;
	}
	if (!text || !*text) {
		api_error(resp, 400, "Bad Request: message text is empty");
		return;
	}
	c = chat_get(f, key);
	if (!c) {
		api_error(resp, 500, "Internal Server Error");
		return;
	}
	if (f->down && key >= f->down_from && key <= f->down_to) {
		c->refused++;
		f->refused++;
		api_error(resp, f->down_status, "Bad Gateway");
		return;
	}
	if (!c->sent)
		c->first_ms = mono_ms() - f->t0;
	c->last_ms = mono_ms() - f->t0;
	c->sent++;
	f->sent++;
	answer_json(resp, 200,
	            json_pack("{s:b,s:{s:i,s:o,s:{s:O,s:s},s:i,s:s}}", "ok", 1, "result",
	                      "message_id", (int)++c->next_message_id, "from", bot_user(f), "chat",
	                      "id", chat_id, "type", key > 0 ? "private" : "supergroup", "date",
	                      (int)unix_now(), "text", text));
}

static int method_index(const char *m)
{
	int i;

	for (i = 0; METHODS[i]; i++)
		if (strcmp(METHODS[i], m) == 0)
			return i;
	return NMETHODS - 1;
}

static void api(struct fake *f, const struct lwsd_req *req, struct lwsd_resp *resp)
{
	const char *rest = req->path + 4, *slash = strchr(rest, '/'), *method;
	json_t *params = NULL;
	int m;

	if (!slash || strlen(f->token) != (size_t)(slash - rest) ||
	    memcmp(rest, f->token, (size_t)(slash - rest)) != 0) {
		api_error(resp, 401, "Unauthorized");
		return;
	}
	method = slash + 1;
	m = method_index(method);
	f->methods[m]++;
	if (req->len) {
		params = json_loadb(req->body, req->len, 0, NULL);
		if (!json_is_object(params)) {
			json_decref(params);
			api_error(resp, 400, "Bad Request: can't parse JSON object");
			return;
		}
	} else {
		params = json_object();
	}
	if (m == NMETHODS - 1)
		api_error(resp, 404, "Not Found");
	else if (strcmp(method, "sendMessage") == 0)
		send_message(f, params, resp);
	else if (strcmp(method, "getMe") == 0)
		answer_json(resp, 200, json_pack("{s:b,s:o}", "ok", 1, "result", bot_user(f)));
	else if (strcmp(method, "getWebhookInfo") == 0)
		answer_json(resp, 200,
		            json_pack("{s:b,s:{s:s,s:b,s:i}}", "ok", 1, "result", "url", "",
		                      "has_custom_certificate", 0, "pending_update_count", 0));
	else if (strcmp(method, "getUpdates") == 0)
		answer_json(resp, 200, json_pack("{s:b,s:[]}", "ok", 1, "result"));
	else if (strcmp(method, "getFile") == 0)
		api_error(resp, 400, "Bad Request: invalid file_id");
	else
		answer_json(resp, 200, json_pack("{s:b,s:b}", "ok", 1, "result", 1));
	json_decref(params);
}

/* Chats with IDs in [from, to]: counts, first and last times, the per-chat histogram. */
static json_t *range_stats(const struct fake *f, int64_t from, int64_t to)
{
	json_t *hist = json_object(), *o;
	long sent = 0, refused = 0, chats = 0;
	int64_t first = -1, last = -1;
	size_t i;
	char k[32];

	for (i = 0; i < f->cap; i++) {
		const struct chat *c = &f->chats[i];

		if (!c->id || c->id < from || c->id > to)
			continue;
		refused += c->refused;
		if (!c->sent)
			continue;
		chats++;
		sent += c->sent;
		if (first < 0 || c->first_ms < first)
			first = c->first_ms;
		if (c->last_ms > last)
			last = c->last_ms;
		snprintf(k, sizeof(k), "%ld", c->sent);
		o = json_object_get(hist, k);
		json_object_set_new(hist, k, json_integer(json_integer_value(o) + 1));
	}
	return json_pack("{s:I,s:I,s:i,s:i,s:i,s:I,s:I,s:o}", "from", (json_int_t)from, "to",
	                 (json_int_t)to, "sent", (int)sent, "chats", (int)chats, "refused",
	                 (int)refused, "first_ms", (json_int_t)first, "last_ms", (json_int_t)last,
	                 "per_chat", hist);
}

static void stats(struct fake *f, const struct lwsd_req *req, struct lwsd_resp *resp)
{
	json_t *o = json_object(), *methods = json_object(), *all;
	char a[32], b[32];
	int i;

	for (i = 0; i < NMETHODS; i++)
		if (f->methods[i])
			json_object_set_new(methods, i < NMETHODS - 1 ? METHODS[i] : "other",
			                    json_integer(f->methods[i]));
	all = range_stats(f, INT64_MIN, INT64_MAX);
	json_object_set_new(o, "methods", methods);
	json_object_set_new(o, "sendMessage", json_integer(f->sent));
	json_object_set_new(o, "refused", json_integer(f->refused));
	json_object_set_new(o, "chats", json_incref(json_object_get(all, "chats")));
	json_object_set_new(o, "per_chat", json_incref(json_object_get(all, "per_chat")));
	json_object_set_new(o, "first_ms", json_incref(json_object_get(all, "first_ms")));
	json_object_set_new(o, "last_ms", json_incref(json_object_get(all, "last_ms")));
	json_object_set_new(o, "now_ms", json_integer(mono_ms() - f->t0));
	json_decref(all);
	if (lwsd_arg(req, "from", a, sizeof(a)) == 0 && lwsd_arg(req, "to", b, sizeof(b)) == 0)
		json_object_set_new(o, "range",
		                    range_stats(f, strtoll(a, NULL, 10), strtoll(b, NULL, 10)));
	answer_json(resp, 200, o);
}

static void control(struct fake *f, const struct lwsd_req *req, struct lwsd_resp *resp)
{
	const char *what = req->path + strlen("/_control/");
	json_t *o;

	if (strcmp(what, "up") == 0) {
		f->down = 0;
	} else if (strcmp(what, "reset") == 0) {
		free(f->chats);
		f->chats = NULL;
		f->nchats = f->cap = 0;
		f->sent = f->refused = 0;
		memset(f->methods, 0, sizeof(f->methods));
	} else if (strcmp(what, "down") == 0) {
		o = json_loadb(req->body, req->len, 0, NULL);
		if (!json_is_integer(json_object_get(o, "from")) ||
		    !json_is_integer(json_object_get(o, "to"))) {
			json_decref(o);
			lwsd_answer(resp, 400, "{\"ok\":false,\"error\":\"from and to needed\"}");
			return;
		}
		f->down_from = (int64_t)json_integer_value(json_object_get(o, "from"));
		f->down_to = (int64_t)json_integer_value(json_object_get(o, "to"));
		f->down_status = (int)json_integer_value(json_object_get(o, "status"));
		if (f->down_status < 400 || f->down_status > 599)
			f->down_status = 502;
		f->down = 1;
		json_decref(o);
	} else {
		lwsd_answer(resp, 404, "{\"ok\":false,\"error\":\"unknown control\"}");
		return;
	}
	lwsd_answer(resp, 200, "{\"ok\":true}");
}

static void on_request(void *ud, const struct lwsd_req *req, struct lwsd_resp *resp)
{
	struct fake *f = ud;

	if (strncmp(req->path, "/bot", 4) == 0)
		api(f, req, resp);
	else if (strcmp(req->path, "/stats") == 0)
		stats(f, req, resp);
	else if (req->post && strncmp(req->path, "/_control/", 10) == 0)
		control(f, req, resp);
	else
		api_error(resp, 404, "Not Found");
}

int main(int argc, char **argv)
{
	struct fake f;
	long port = 0;
	int i, rc;

	memset(&f, 0, sizeof(f));
	f.token = "123456:BENCH-token";
	f.bot_id = 777;
	f.bot_username = "ConciergeBot";
	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--port") == 0) {
			if (lwsd_int_arg("--port", argv[i + 1], 0, 65535, &port) < 0)
				return 2;
		} else if (strcmp(argv[i], "--token") == 0) {
			f.token = argv[i + 1];
		} else if (strcmp(argv[i], "--bot-id") == 0) {
			if (lwsd_int_arg("--bot-id", argv[i + 1], 1, LONG_MAX, &f.bot_id) < 0)
				return 2;
		} else if (strcmp(argv[i], "--bot-username") == 0)
			f.bot_username = argv[i + 1];
		else
			break;
	}
	if (i < argc) {
		fprintf(stderr, "usage: fakebot [--port P] [--token T] [--bot-id N] "
		                "[--bot-username NAME]\n");
		return 2;
	}
	f.t0 = mono_ms();
	rc = lwsd_run("fakebot", (int)port, 0, on_request, &f);
	free(f.chats);
	return rc;
}
