/*
 * slack_chan.c - the Slack channel's table: its configuration, the Events
 * API and interactivity routes, Socket Mode through the host's client
 * websocket, outbox rows as chat.postMessage calls, and files.
 *
 * Two ways in, chosen by "mode":
 *   events  Slack POSTs to /hooks/slack (events), /hooks/slack/interactive
 *           (button presses) and /hooks/slack/commands (the slash command),
 *           each signed with the signing secret (v0, checked over the raw
 *           body before anything is parsed, timestamp within 300 s).
 *   socket  the host opens the websocket apps.connections.open hands out
 *           (app-level token); every envelope is acknowledged once what it
 *           carried is committed, and a "disconnect" is answered with a
 *           fresh link before the old one goes.
 * Events are answered (or acknowledged) after the group commit; a retry or
 * the same mention delivered as both app_mention and message is one message
 * key (channel + ts) and is dropped by the host's de-duplication.
 *
 * Where a conversation happens: a direct message is the person's private
 * chat (its chat is their user ID). In a channel, a message that mentions the
 * bot opens a conversation in the message's thread ("C0123/1700.000100"),
 * which goes on there while the person has a dialog under way; other
 * messages in channels are group messages (the core answers commands where
 * they were given and moves requests into a direct message). The staff
 * channel is always a group, and "threads": false makes every channel one.
 *
 * Runtime state (the bot's own IDs, the envelopes waiting for their commit)
 * lives on the service thread; the sender-thread functions read the
 * configuration only.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/slack.h"
#include "lib/clock.h"
#include "lib/log.h"

#define SL_DEFAULT_BASE  "https://slack.com/api"
#define SL_DEFAULT_FILES "https://files.slack.com"
#define SL_REFUSED_MS    60000
#define SL_PEND_MAX      256
#define SL_WS_MAX        (1u << 20)
#define SL_ID_LEN        40

/* An envelope acknowledged once its message is committed. */
struct sl_pend {
	const struct inbound *in;
	struct host_conn *hc;
	char envelope_id[96];
};

struct sl_rt {
	char bot_user[SL_ID_LEN];
	char bot_id[SL_ID_LEN];
	struct sl_pend pend[SL_PEND_MAX];
	size_t npend;
	long long hellos, envelopes, acks, disconnects;
};

static const struct slack_conf *conf_of(const struct chan *ch)
{
	return ch->conf;
}

static int is_socket(const struct slack_conf *c)
{
	return c->mode && strcmp(c->mode, "socket") == 0;
}

static struct sl_rt *rt_of(struct chan *ch)
{
	if (!ch->rt)
		ch->rt = calloc(1, sizeof(struct sl_rt));
	return ch->rt;
}

/* ---- configuration ------------------------------------------------------------------ */

static int id_chars(const char *s)
{
	size_t n = strlen(s);

	return n > 1 && n < SL_ID_LEN && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == n;
}

static void check_prefixed(struct cfg_ld *ld, const char *path, const char *key, const char *v,
                           const char *prefix, const char *what)
{
	char p[CFG_PATHLEN];

	if (!v || (strncmp(v, prefix, strlen(prefix)) == 0 && !strpbrk(v, " \t\r\n")))
		return;
	cfg_path_key(p, path, key);
	cfg_problem(ld, p, "expected %s (%s...)", what, prefix);
}

static void check_id(struct cfg_ld *ld, const char *path, const char *key, const char *v,
                     const char *first, const char *what)
{
	char p[CFG_PATHLEN];

	if (!v || (strchr(first, v[0]) && id_chars(v)))
		return;
	cfg_path_key(p, path, key);
	cfg_problem(ld, p, "expected %s", what);
}

static void read_rate_limits(struct cfg_ld *ld, json_t *o, const char *path, struct slack_conf *c)
{
	static const char *const rkeys[] = {"per_chat_per_sec", "global_per_min", NULL};
	char p[CFG_PATHLEN];
	json_t *rl = cfg_get_object(ld, o, path, "rate_limits", rkeys, p); /* borrowed */

	if (!rl)
		return;
	cfg_get_int(ld, rl, p, "per_chat_per_sec", 1, 1, 1000, &c->per_chat_per_sec);
	cfg_get_int(ld, rl, p, "global_per_min", 0, 0, 100000, &c->global_per_min);
}

static void read_command(struct cfg_ld *ld, json_t *o, const char *path, int lax,
                         struct slack_conf *c)
{
	char p[CFG_PATHLEN];
	size_t n;

	if (cfg_get_str(ld, o, path, "command", NULL, lax, &c->command) < 0 || !c->command)
		return;
	n = strlen(c->command);
	if (c->command[0] != '/' || n < 2 || n > 32 ||
	    strspn(c->command + 1, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n - 1) {
		cfg_path_key(p, path, "command");
		cfg_problem(ld, p, "expected a slash command such as \"/concierge\"");
	}
}

static void sl_config(struct cfg_ld *ld, json_t *o, const char *path, int *enabled, void **conf)
{
	static const char *const keys[] = {
	        "enabled",  "signing_secret", "bot_token",  "app_token", "mode",
	        "api_base", "files_base",     "staff_chat", "bot_user",  "command",
	        "threads",  "rate_limits",    NULL};
	struct slack_conf *c = cfg_calloc(ld, 1, sizeof(*c));
	char p[CFG_PATHLEN];
	int lax;

	*conf = c;
	*enabled = 0;
	if (!c)
		return;
	c->threads = 1;
	c->per_chat_per_sec = 1;
	o = adapter_config_open(ld, o, path, keys, enabled, &lax);
	if (o) {
		if (cfg_get_str(ld, o, path, "mode", NULL, lax, &c->mode) == 0 && c->mode &&
		    strcmp(c->mode, "events") && strcmp(c->mode, "socket")) {
			cfg_path_key(p, path, "mode");
			cfg_problem(ld, p, "must be \"events\" or \"socket\"");
		}
		cfg_get_str(ld, o, path, "bot_token",
		            *enabled ? "missing (required when enabled)" : NULL, lax,
		            &c->bot_token);
		check_prefixed(ld, path, "bot_token", c->bot_token, "xoxb-", "a bot token");
		cfg_get_str(ld, o, path, "signing_secret",
		            *enabled && !is_socket(c) ? "missing (required in events mode)" : NULL,
		            lax, &c->signing_secret);
		cfg_get_str(ld, o, path, "app_token",
		            *enabled && is_socket(c) ? "missing (required in socket mode)" : NULL,
		            lax, &c->app_token);
		check_prefixed(ld, path, "app_token", c->app_token, "xapp-", "an app-level token");
		cfg_get_base_url(ld, o, path, "api_base", lax, &c->api_base);
		cfg_get_base_url(ld, o, path, "files_base", lax, &c->files_base);
		if (cfg_get_id(ld, o, path, "staff_chat", NULL, lax, &c->staff_chat) == 0)
			check_id(ld, path, "staff_chat", c->staff_chat, "CG",
			         "a channel ID (C... or G...)");
		if (cfg_get_id(ld, o, path, "bot_user", NULL, lax, &c->bot_user) == 0)
			check_id(ld, path, "bot_user", c->bot_user, "UW",
			         "a user ID (U... or W...)");
		read_command(ld, o, path, lax, c);
		cfg_get_bool(ld, o, path, "threads", 1, &c->threads);
		read_rate_limits(ld, o, path, c);
	}
	cfg_default(ld, &c->mode, "events");
	cfg_default(ld, &c->api_base, SL_DEFAULT_BASE);
	cfg_default(ld, &c->files_base, SL_DEFAULT_FILES);
	cfg_default(ld, &c->command, "/concierge");
}

static void sl_config_free(void *conf)
{
	struct slack_conf *c = conf;

	if (!c)
		return;
	free(c->signing_secret);
	free(c->bot_token);
	free(c->app_token);
	free(c->mode);
	free(c->api_base);
	free(c->files_base);
	free(c->staff_chat);
	free(c->bot_user);
	free(c->command);
	free(c);
}

static const char *sl_staff_chat(const struct chan *ch)
{
	const struct slack_conf *c = conf_of(ch);

	return c && c->staff_chat && *c->staff_chat ? c->staff_chat : NULL;
}

/* ---- calls ------------------------------------------------------------------------------ */

static char *url_of(const struct slack_conf *c, const char *method)
{
	size_t n = strlen(c->api_base) + strlen(method) + 2;
	char *u = malloc(n);

	if (u)
		snprintf(u, n, "%s/%s", c->api_base, method);
	return u;
}

static int bearer(struct adapter_call *call, const char *token)
{
	char line[600];

	if (!token || strlen(token) > 500)
		return -1;
	snprintf(line, sizeof(line), "Authorization: Bearer %s", token);
	return adapter_call_header(call, line);
}

/* ---- start: who the bot is ------------------------------------------------------------------ */

static int sl_start(struct chan *ch)
{
	const struct slack_conf *c = conf_of(ch);
	struct sl_rt *rt = rt_of(ch);
	struct adapter_call call;
	char *body = NULL;
	size_t len = 0;
	long status = 0;
	json_t *o;
	const char *user, *bot;

	if (!rt)
		return -1;
	if (c->bot_user) {
		snprintf(rt->bot_user, sizeof(rt->bot_user), "%s", c->bot_user);
		return 0;
	}
	if (!c->bot_token)
		return 0;
	memset(&call, 0, sizeof(call));
	call.url = url_of(c, "auth.test");
	call.body = strdup("");
	call.ctype = "application/x-www-form-urlencoded";
	call.timeout_s = 10;
	call.chatless = 1;
	if (!call.url || !call.body || bearer(&call, c->bot_token) < 0 ||
	    ch->host->call_now(ch, &call, &status, &body, &len) < 0)
		status = 0;
	adapter_call_release(&call);
	o = status == 200 && body ? json_loadb(body, len, 0, NULL) : NULL;
	user = json_string_value(json_object_get(o, "user_id"));
	bot = json_string_value(json_object_get(o, "bot_id"));
	if (json_is_true(json_object_get(o, "ok")) && user && id_chars(user)) {
		snprintf(rt->bot_user, sizeof(rt->bot_user), "%s", user);
		if (bot && id_chars(bot))
			snprintf(rt->bot_id, sizeof(rt->bot_id), "%s", bot);
		log_info("%s: this bot is user %s", ch->name, rt->bot_user);
	} else {
		log_warn("%s: auth.test failed (HTTP %ld%s%s); mentions need bot_user", ch->name,
		         status, json_string_value(json_object_get(o, "error")) ? ": " : "",
		         json_string_value(json_object_get(o, "error"))
		                 ? json_string_value(json_object_get(o, "error"))
		                 : "");
	}
	json_decref(o);
	free(body);
	return 0;
}

static void sl_stop(struct chan *ch)
{
	free(ch->rt);
	ch->rt = NULL;
}

static void sl_health(struct chan *ch, json_t *obj)
{
	struct sl_rt *rt = ch->rt;

	json_object_set_new(obj, "mode", json_string(conf_of(ch)->mode));
	if (!rt || !is_socket(conf_of(ch)))
		return;
	json_object_set_new(obj, "socket",
	                    json_pack("{s:I,s:I,s:I,s:I}", "hellos", (json_int_t)rt->hellos,
	                              "envelopes", (json_int_t)rt->envelopes, "acks",
	                              (json_int_t)rt->acks, "disconnects",
	                              (json_int_t)rt->disconnects));
}

/* ---- inbound ------------------------------------------------------------------------------ */

/* "CHANNEL/TS", malloc'd. */
static char *thread_chat(const char *channel, const char *ts)
{
	size_t n = strlen(channel) + strlen(ts) + 2;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s/%s", channel, ts);
	return s;
}

/* Where IT was said, as a chat, and whether it is a group message; see the top. */
static void place(struct chan *ch, const struct slack_item *it, struct inbound *in)
{
	const struct slack_conf *c = conf_of(ch);
	const char *root = it->thread_ts ? it->thread_ts : it->ts;
	int staff;

	if ((it->channel_type && strcmp(it->channel_type, "im") == 0) || it->channel[0] == 'D') {
		in->chat = msg_strdup(it->user);
		in->addressed = 1;
		return;
	}
	in->chat = root ? thread_chat(it->channel, root) : msg_strdup(it->channel);
	in->is_group = 1;
	in->addressed = it->mentioned || it->kind != SLACK_MESSAGE;
	staff = c->staff_chat && strcmp(c->staff_chat, it->channel) == 0;
	if (staff || !c->threads || !root || !in->chat)
		return;
	if ((it->kind == SLACK_MESSAGE && it->mentioned) ||
	    ch->host->conversing(ch, in->chat, it->user)) {
		/* the thread is the conversation */
		in->is_group = 0;
		in->addressed = 1;
	}
}

/* A queued message from a parsed item, or NULL when there is nothing to do. */
static struct inbound *to_inbound(struct chan *ch, const struct slack_item *it)
{
	struct inbound *in;
	char key[200];

	if (it->kind != SLACK_MESSAGE && it->kind != SLACK_PRESS && it->kind != SLACK_COMMAND)
		return NULL;
	in = inbound_new(ch->name);
	if (!in)
		return NULL;
	/* A retry and a mention's twin (app_mention and message) are one message. */
	if (it->kind == SLACK_MESSAGE)
		snprintf(key, sizeof(key), "m:%s:%s", it->channel, it->ts);
	else if (it->kind == SLACK_PRESS)
		snprintf(key, sizeof(key), "a:%s:%s", it->user, it->action_ts);
	else
		snprintf(key, sizeof(key), "c:%s", it->trigger_id);
	in->id = msg_strdup(key);
	in->user = msg_strdup(it->user);
	in->user_name = msg_strdup(it->user_name);
	place(ch, it, in);
	if (it->kind == SLACK_PRESS) {
		in->text = msg_strdup(it->callback);
		in->callback = msg_strdup(it->callback);
	} else {
		in->text = msg_strdup(it->text ? it->text : "");
	}
	if (it->has_photo) {
		in->att_kind = msg_strdup("photo");
		in->att_ref = msg_strdup(it->photo_url);
		in->att_too_big = it->photo_too_big;
	}
	if (!in->id || !in->user || !in->chat || !in->text) {
		inbound_free(in);
		log_warn("%s: out of memory; a message was dropped", ch->name);
		return NULL;
	}
	return in;
}

static void log_ignored(struct chan *ch, const struct slack_item *it)
{
	if (it->kind == SLACK_IGNORED)
		log_debug("%s: ignored: %s", ch->name, it->ignore ? it->ignore : "nothing to do");
}

/* The signature over the raw body, before anything is parsed. 1 when it holds. */
static int authentic(struct chan *ch, const struct http_req *req, struct http_answer *ans)
{
	const struct slack_conf *c = conf_of(ch);
	char ts[32], sig[100];
	enum slack_sig r;

	req->header(req, "x-slack-request-timestamp:", ts, sizeof(ts));
	req->header(req, "x-slack-signature:", sig, sizeof(sig));
	r = slack_verify(c->signing_secret, ts, sig, req->body, req->len, clock_now());
	if (r == SLACK_SIG_OK)
		return 1;
	log_warn("%s: request refused: %s", ch->name,
	         r == SLACK_SIG_STALE ? "timestamp too old or in the future"
	         : r == SLACK_SIG_BAD ? "bad signature"
	                              : "no signature");
	http_answer_error(ans, 401,
	                  r == SLACK_SIG_STALE ? "stale timestamp"
	                  : r == SLACK_SIG_BAD ? "bad signature"
	                                       : "signature missing");
	return 0;
}

static int sl_check(struct chan *ch, const struct http_req *req, struct http_answer *ans)
{
	const struct slack_conf *c = conf_of(ch);
	char ts[32];

	if (is_socket(c)) {
		http_answer_error(ans, 404, "no such hook (this channel runs in Socket Mode)");
		return -1;
	}
	/* An old or missing timestamp is refused before a byte of the body is read. */
	req->header(req, "x-slack-request-timestamp:", ts, sizeof(ts));
	if (slack_check_ts(ts, clock_now()) != SLACK_SIG_OK ||
	    req->header(req, "x-slack-signature:", NULL, 0) == -1) {
		log_warn("%s: request refused: no signature, or its timestamp is off by more than "
		         "%d s",
		         ch->name, SLACK_TS_WINDOW);
		http_answer_error(ans, 401, "stale timestamp or signature missing");
		return -1;
	}
	return 0;
}

static void sl_events(struct chan *ch, const struct http_req *req, struct http_answer *ans,
                      struct inbound **out)
{
	struct sl_rt *rt = rt_of(ch);
	struct slack_item it;
	char err[200] = "", retry[16], reason[64], *answer;
	json_t *body, *o;

	if (!rt) {
		http_answer_error(ans, 500, "out of memory");
		return;
	}
	if (!authentic(ch, req, ans))
		return;
	body = json_loadb(req->body, req->len, 0, NULL);
	if (slack_parse_event(body, rt->bot_user[0] ? rt->bot_user : NULL,
	                      rt->bot_id[0] ? rt->bot_id : NULL, &it, err, sizeof(err)) < 0) {
		json_decref(body);
		slack_item_release(&it);
		log_warn("%s: malformed event refused: %s", ch->name, err);
		http_answer_error(ans, 400, err);
		return;
	}
	json_decref(body);
	if (it.kind == SLACK_CHALLENGE) {
		o = json_pack("{s:s}", "challenge", it.challenge);
		answer = o ? json_dumps(o, JSON_COMPACT) : NULL;
		http_answer_text(ans, 200, "application/json", answer ? answer : "{}");
		free(answer);
		json_decref(o);
		log_info("%s: request URL verified", ch->name);
		slack_item_release(&it);
		return;
	}
	if (req->header(req, "x-slack-retry-num:", retry, sizeof(retry)) > 0) {
		req->header(req, "x-slack-retry-reason:", reason, sizeof(reason));
		log_info("%s: event %s delivered again (retry %s: %s)", ch->name,
		         it.event_id ? it.event_id : "?", retry, reason[0] ? reason : "?");
	}
	log_ignored(ch, &it);
	*out = to_inbound(ch, &it);
	slack_item_release(&it);
}

static void sl_interactive(struct chan *ch, const struct http_req *req, struct http_answer *ans,
                           struct inbound **out)
{
	struct slack_item it;
	char err[200] = "", *payload;
	json_t *p;

	if (!authentic(ch, req, ans))
		return;
	payload = slack_form_get(req->body, req->len, "payload");
	p = payload ? json_loads(payload, 0, NULL) : NULL;
	free(payload);
	if (slack_parse_interactive(p, &it, err, sizeof(err)) < 0) {
		json_decref(p);
		slack_item_release(&it);
		log_warn("%s: malformed interaction refused: %s", ch->name, err);
		http_answer_error(ans, 400, err);
		return;
	}
	json_decref(p);
	log_ignored(ch, &it);
	*out = to_inbound(ch, &it);
	slack_item_release(&it);
}

/*
 * A slash command is answered at once with an empty 200 (a body would be
 * shown as the command's answer, and Slack never sends one again); the
 * answer proper comes through chat.postMessage.
 */
static void sl_command(struct chan *ch, const struct http_req *req, struct http_answer *ans,
                       struct inbound **out)
{
	struct slack_item it;
	char err[200] = "";
	struct inbound *in;
	json_t *f;

	(void)out;
	if (!authentic(ch, req, ans))
		return;
	f = slack_form_object(req->body, req->len);
	if (slack_parse_command(f, conf_of(ch)->command, &it, err, sizeof(err)) < 0) {
		json_decref(f);
		slack_item_release(&it);
		log_warn("%s: malformed command refused: %s", ch->name, err);
		http_answer_error(ans, 400, err);
		return;
	}
	json_decref(f);
	log_ignored(ch, &it);
	in = to_inbound(ch, &it);
	slack_item_release(&it);
	if (in)
		ch->host->submit(ch, in);
	http_answer_text(ans, 200, "text/plain", "");
}

/* ---- files --------------------------------------------------------------------------------- */

/*
 * A photo's bytes: url_private_download with the bot token. The token goes
 * only to files_base (Slack's file host): a URL elsewhere is not fetched.
 */
static int sl_fetch_attachment(struct chan *ch, const char *ref, size_t max, unsigned char **data,
                               size_t *len)
{
	const struct slack_conf *c = conf_of(ch);
	size_t nb = strlen(c->files_base);
	struct adapter_call call;
	char *body = NULL;
	long status = 0;
	size_t blen = 0;

	*data = NULL;
	*len = 0;
	if (!ref || strncmp(ref, c->files_base, nb) != 0 || ref[nb] != '/' || strstr(ref, "..")) {
		log_warn("%s: a file outside %s was not fetched", ch->name, c->files_base);
		return -1;
	}
	memset(&call, 0, sizeof(call));
	call.url = strdup(ref);
	call.get = 1;
	call.timeout_s = 20;
	call.resp_max = max;
	call.chatless = 1;
	if (!call.url || bearer(&call, c->bot_token) < 0 ||
	    ch->host->call_now(ch, &call, &status, &body, &blen) < 0 || status != 200) {
		log_warn("%s: photo download failed (HTTP %ld)", ch->name, status);
		adapter_call_release(&call);
		free(body);
		return -1;
	}
	adapter_call_release(&call);
	if (blen > max) {
		free(body);
		return 1;
	}
	*data = (unsigned char *)body;
	*len = blen;
	return 0;
}

/* ---- Socket Mode -------------------------------------------------------------------------------
 */

static int sl_socket_wanted(const struct chan *ch)
{
	const struct slack_conf *c = conf_of(ch);

	return ch->enabled && is_socket(c) && c->app_token && *c->app_token;
}

static int sl_locate(const struct chan *ch, int link, struct adapter_call *call,
                     struct adapter_wsc_target *t)
{
	const struct slack_conf *c = conf_of(ch);

	(void)link;
	(void)t;
	call->url = url_of(c, "apps.connections.open");
	call->body = strdup("");
	call->ctype = "application/x-www-form-urlencoded";
	call->timeout_s = 10;
	if (!call->url || !call->body || bearer(call, c->app_token) < 0)
		return -1;
	return 1;
}

static int sl_located(const struct chan *ch, int link, long status, const char *resp, size_t len,
                      long retry_after, const char *neterr, struct adapter_wsc_target *t,
                      struct adapter_poll *p)
{
	char error[300];
	enum slack_verdict v = slack_classify(status, resp, len, neterr, error, sizeof(error));
	json_t *o;
	const char *url;

	(void)ch;
	(void)link;
	p->again_ms = -1;
	if (v == SLACK_OK) {
		o = json_loadb(resp, len, 0, NULL);
		url = json_string_value(json_object_get(o, "url"));
		if (url && (strncmp(url, "wss://", 6) == 0 || strncmp(url, "ws://", 5) == 0) &&
		    strlen(url) < sizeof(t->url)) {
			snprintf(t->url, sizeof(t->url), "%s", url);
			json_decref(o);
			return 0;
		}
		json_decref(o);
		snprintf(p->state, sizeof(p->state),
		         "error: apps.connections.open gave no websocket URL");
		return -1;
	}
	snprintf(p->state, sizeof(p->state), "error: apps.connections.open: %.200s", error);
	if (v == SLACK_REFUSED)
		p->again_ms = SL_REFUSED_MS;
	else if (v == SLACK_RATE_LIMITED && retry_after > 0)
		p->again_ms = (int64_t)retry_after * 1000;
	return -1;
}

static void sl_connected(struct chan *ch, struct host_conn *hc, int link, void **conn)
{
	(void)ch;
	(void)hc;
	(void)link;
	*conn = NULL;
}

static void ack(struct chan *ch, struct host_conn *hc, const char *envelope_id)
{
	struct sl_rt *rt = ch->rt;
	json_t *o = json_pack("{s:s}", "envelope_id", envelope_id);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	if (s) {
		ch->host->ws_send(hc, s);
		if (rt)
			rt->acks++;
	}
	free(s);
	json_decref(o);
}

/* What one envelope carries, parsed as its type says. */
static int envelope_item(struct chan *ch, const char *type, json_t *payload, struct slack_item *it,
                         char *err, size_t errlen)
{
	struct sl_rt *rt = ch->rt;

	if (strcmp(type, "events_api") == 0)
		return slack_parse_event(payload, rt->bot_user[0] ? rt->bot_user : NULL,
		                         rt->bot_id[0] ? rt->bot_id : NULL, it, err, errlen);
	if (strcmp(type, "interactive") == 0)
		return slack_parse_interactive(payload, it, err, errlen);
	if (strcmp(type, "slash_commands") == 0)
		return slack_parse_command(payload, conf_of(ch)->command, it, err, errlen);
	memset(it, 0, sizeof(*it));
	it->kind = SLACK_IGNORED;
	it->ignore = "an envelope type we do not handle";
	return 0;
}

static void sl_message(struct chan *ch, struct host_conn *hc, void *conn, const char *data,
                       size_t len)
{
	struct sl_rt *rt = rt_of(ch);
	json_t *o = json_loadb(data, len, 0, NULL);
	const char *type = json_string_value(json_object_get(o, "type"));
	const char *eid = json_string_value(json_object_get(o, "envelope_id"));
	const char *reason = json_string_value(json_object_get(o, "reason"));
	struct slack_item it;
	struct inbound *in;
	char err[200] = "";

	(void)conn;
	if (!rt || !type) {
		log_warn("%s: socket mode: a message that is not Slack's", ch->name);
		goto out;
	}
	if (strcmp(type, "hello") == 0) {
		rt->hellos++;
		log_info("%s: socket mode: connected", ch->name);
		goto out;
	}
	if (strcmp(type, "disconnect") == 0) {
		/* A fresh link first; this one goes once that is up. */
		rt->disconnects++;
		log_info("%s: socket mode: asked to reconnect (%s)", ch->name,
		         reason ? reason : "no reason");
		ch->host->ws_renew(ch);
		goto out;
	}
	if (!eid || !*eid || strlen(eid) >= sizeof(rt->pend[0].envelope_id)) {
		log_warn("%s: socket mode: a %s without an envelope_id", ch->name, type);
		goto out;
	}
	rt->envelopes++;
	if (envelope_item(ch, type, json_object_get(o, "payload"), &it, err, sizeof(err)) < 0) {
		/* acknowledged all the same: sent again it would be refused again */
		log_warn("%s: socket mode: malformed %s: %s", ch->name, type, err);
		slack_item_release(&it);
		ack(ch, hc, eid);
		goto out;
	}
	log_ignored(ch, &it);
	in = to_inbound(ch, &it);
	slack_item_release(&it);
	if (!in || rt->npend == SL_PEND_MAX) {
		ack(ch, hc, eid);
		if (in)
			ch->host->submit(ch, in);
		goto out;
	}
	/* acknowledged once it is committed (sl_committed) */
	rt->pend[rt->npend].in = in;
	rt->pend[rt->npend].hc = hc;
	snprintf(rt->pend[rt->npend].envelope_id, sizeof(rt->pend[0].envelope_id), "%s", eid);
	rt->npend++;
	ch->host->submit(ch, in);
out:
	json_decref(o);
}

static void forget_pend(struct sl_rt *rt, size_t i)
{
	rt->pend[i] = rt->pend[--rt->npend];
}

static void sl_committed(struct chan *ch, const struct inbound *in)
{
	struct sl_rt *rt = ch->rt;
	size_t i;

	for (i = 0; rt && i < rt->npend; i++) {
		if (rt->pend[i].in != in)
			continue;
		/* Not stored: no acknowledgement, and Slack sends it again. */
		if (!in->failed)
			ack(ch, rt->pend[i].hc, rt->pend[i].envelope_id);
		forget_pend(rt, i);
		return;
	}
}

static void sl_closed(struct chan *ch, struct host_conn *hc, void *conn)
{
	struct sl_rt *rt = ch->rt;
	size_t i = 0;

	(void)conn;
	while (rt && i < rt->npend) {
		if (rt->pend[i].hc == hc)
			forget_pend(rt, i); /* Slack sends what was not acknowledged again */
		else
			i++;
	}
}

/* ---- the sender's calls ------------------------------------------------------------------------
 */

static int sl_can_send(const struct chan *ch)
{
	const struct slack_conf *c = conf_of(ch);

	return ch->enabled && c->bot_token && *c->bot_token && c->api_base;
}

static const char *sl_base_state(const struct chan *ch)
{
	return is_socket(conf_of(ch)) ? "socket" : "events";
}

static void sl_limits(const struct chan *ch, struct ratelimit_limits *l)
{
	const struct slack_conf *c = conf_of(ch);

	*l = (struct ratelimit_limits){
	        .per_chat_per_sec = c->per_chat_per_sec, /* chat.postMessage: ~1/s per channel */
	        .global_per_min = c->global_per_min,
	        .margin_ms = 100, /* the platform counts arrivals, not our starts */
	};
}

static int sl_build(const struct chan *ch, int64_t row_id, const char *chat, const char *payload,
                    int part, struct adapter_call *call, char *err, size_t errlen)
{
	const struct slack_conf *c = conf_of(ch);
	int n;

	(void)row_id;
	n = slack_build_post(chat, payload, part, &call->body, err, errlen);
	if (n < 0)
		return -1;
	call->url = url_of(c, "chat.postMessage");
	call->ctype = "application/json; charset=utf-8";
	if (!call->url || bearer(call, c->bot_token) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return n;
}

static void sl_classify(const struct chan *ch, const struct adapter_call *call, long status,
                        const char *resp, size_t len, long retry_after, const char *neterr,
                        struct adapter_verdict *v)
{
	(void)ch;
	(void)call;
	switch (slack_classify(status, resp, len, neterr, v->error, sizeof(v->error))) {
	case SLACK_OK:
		v->outcome = ADAPTER_SENT;
		break;
	case SLACK_RATE_LIMITED:
		v->outcome = ADAPTER_RATE_LIMITED;
		v->scope = ADAPTER_SCOPE_UNKNOWN;
		v->retry_after = retry_after > 0 && retry_after < INT_MAX ? (int)retry_after : 0;
		break;
	case SLACK_RETRY:
		v->outcome = ADAPTER_RETRY;
		break;
	case SLACK_REFUSED:
		v->outcome = ADAPTER_REFUSED;
		snprintf(v->state, sizeof(v->state), "error: %s", v->error);
		break;
	case SLACK_DEAD:
		v->outcome = ADAPTER_DEAD;
		break;
	}
}

const struct adapter adapter_slack = {
        .name = "slack",
        .config = sl_config,
        .config_free = sl_config_free,
        .staff_chat = sl_staff_chat,
        .private_chats = 1,
        .start = sl_start,
        .stop = sl_stop,
        .health = sl_health,
        .routes = {{.path = "/hooks/slack",
                    .methods = ROUTE_POST,
                    .check = sl_check,
                    .handle = sl_events},
                   {.path = "/hooks/slack/interactive",
                    .methods = ROUTE_POST,
                    .check = sl_check,
                    .handle = sl_interactive},
                   {.path = "/hooks/slack/commands",
                    .methods = ROUTE_POST,
                    .check = sl_check,
                    .handle = sl_command}},
        .wsc = {.wanted = sl_socket_wanted,
                .max_message = SL_WS_MAX,
                .locate = sl_locate,
                .located = sl_located,
                .connected = sl_connected,
                .message = sl_message,
                .closed = sl_closed},
        .committed = sl_committed,
        .can_send = sl_can_send,
        .base_state = sl_base_state,
        .limits = sl_limits,
        .build = sl_build,
        .classify = sl_classify,
        .fetch_attachment = sl_fetch_attachment,
};
