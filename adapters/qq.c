/*
 * qq.c - the QQ channel's table: QQ groups and private chats through a
 * OneBot v11 implementation (NapCat, Lagrange, go-cqhttp) that logs in as
 * one or more bot accounts.
 *
 * Events come three ways, and the same event from several is handled once
 * (the store claims "SELF_ID:MESSAGE_ID"):
 *   - the forward websocket: a bot with a ws_url is connected to by the host
 *     (wsc, one link per such bot) with Authorization: Bearer; events come
 *     and actions go over it as over a reverse one. Its heartbeats say how
 *     often they come: a link silent for 2.5 of their intervals is dead
 *     (host->ws_silence), closed and connected again;
 *   - the reverse websocket: the implementation connects to /onebot/v11/ws
 *     with its access token (Authorization: Bearer, go-cqhttp's "Token", or
 *     ?access_token=) and X-Self-ID, one connection per bot account
 *     (X-Client-Role Universal, or API and Event apart), and sends events as
 *     JSON frames;
 *   - HTTP POST to /hooks/onebot, signed with X-Signature: sha1=HMAC-SHA1
 *     (secret, body), checked before anything is parsed, answered 204.
 * Actions (send_group_msg, send_private_msg) are outbox rows: a bot with an
 * api_url gets them through its HTTP API; the others over their newest
 * websocket (forward or reverse) as {"action","params","echo"}, the sender
 * relaying them through relay() and the answer
 * {"status","retcode","data","echo"} matched by its echo (no answer in
 * time, a closed connection: tried again).
 *
 * Who wrote to which bot from which group is remembered (routes, under the
 * adapter's own lock, read by build() on the sender thread): an answer goes
 * out through the bot that heard the question, and a private message to a
 * group member who is not the bot's friend names the group the temporary
 * session starts from. The pure half (parsing, bodies, signatures, answers)
 * is onebot.c.
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "adapters/onebot.h"
#include "lib/clock.h"
#include "lib/log.h"

#define WS_PATH       "/onebot/v11/ws"
#define HOOK_PATH     "/hooks/onebot"
#define WS_MAX        (1u << 20) /* an event: text and image URLs, never the images */
#define TOKEN_MIN     8
#define ROUTES        512
#define SENT_IDS      256
#define PENDING_MAX_S 600 /* an answer this late is nobody's: the sender gave up long ago */
#define HTTP_SLACK_S  5   /* the HTTP API's call may take a little longer than the action */
#define CHAT_MAX      (OB_ID_MAX + 8)
#define BEAT_MIN_MS   1000
#define BEAT_MAX_MS   (3600 * 1000)

/* Where a chat was last heard: the bot, and for a person the group they wrote in. */
struct qq_route {
	char chat[CHAT_MAX];
	char self_id[OB_ID_MAX];
	char group[OB_ID_MAX];
	uint64_t seq; /* 0: free; the oldest is reused */
};

/* One websocket of a bot account: one the implementation opened, or a forward link. */
struct qq_conn {
	struct qq_conn *next;
	struct host_conn *hc;
	char self_id[OB_ID_MAX];
	char role[12];   /* "Universal", "API" or "Event"; "forward" for ours */
	int api;         /* actions may go over it */
	int forward;     /* we opened it (wsc) */
	int64_t since;   /* clock_now() at the handshake */
	int64_t last_at; /* of its last frame */
	int64_t beat_ms; /* its heartbeats' interval, 0 before the first */
};

/* An action sent over a websocket, waiting for its answer. */
struct qq_pending {
	struct qq_pending *next;
	uint64_t ticket;
	struct qq_conn *conn;
	int64_t at; /* clock_mono_ms() */
};

struct qq_rt {
	/* read by build() and classify() on the sender thread: under MU */
	pthread_mutex_t mu;
	struct qq_route routes[ROUTES];
	uint64_t seq;
	char sent[SENT_IDS][OB_ID_MAX]; /* message IDs of the bot's own messages */
	unsigned sent_next;
	/* the service thread's */
	struct qq_conn *conns;
	struct qq_pending *pending;
	long long events, dropped;
};

static const struct ob_conf *conf_of(const struct chan *ch)
{
	return ch->conf;
}

/* ---- configuration ---------------------------------------------------------------------- */

/* 1 when the host of a URL (after "ws://", up to ':', '/' or the end) is this machine. */
static int loopback_url(const char *host)
{
	size_t n = strcspn(host, "/?#"), i;

	if (strncmp(host, "[::1]", 5) == 0)
		return n == 5 || host[5] == ':';
	if (strncmp(host, "localhost", 9) == 0)
		return n == 9 || host[9] == ':';
	if (strncmp(host, "127.", 4) != 0)
		return 0;
	for (i = 4; i < n && host[i] != ':'; i++) /* an IPv4 address, not a name */
		if (host[i] != '.' && (host[i] < '0' || host[i] > '9'))
			return 0;
	return 1;
}

/* A bot's forward websocket: wss://, or ws:// to this machine (the token crosses it). */
static void read_ws_url(struct cfg_ld *ld, json_t *o, const char *path, int lax, char **out)
{
	char p[CFG_PATHLEN];
	const char *u;

	if (cfg_get_str(ld, o, path, "ws_url", NULL, lax, out) < 0 || !(u = *out))
		return;
	cfg_path_key(p, path, "ws_url");
	if (strlen(u) >= sizeof(((struct adapter_wsc_target *)0)->url))
		cfg_problem(ld, p, "too long");
	else if (strncmp(u, "wss://", 6) == 0 && u[6])
		return;
	else if (strncmp(u, "ws://", 5) != 0 || !u[5])
		cfg_problem(ld, p,
		            "expected a ws:// or wss:// URL (the implementation's "
		            "websocket server)");
	else if (!loopback_url(u + 5))
		cfg_problem(ld, p,
		            "plain ws:// only to this machine (127.0.0.1, localhost): the "
		            "access token crosses it; use wss://");
}

static void read_bot(struct cfg_ld *ld, json_t *o, const char *path, void *elem, void *ud)
{
	static const char *const keys[] = {"self_id", "api_url", "ws_url", NULL};
	struct ob_bot *b = elem;
	const int *lax = ud;
	char p[CFG_PATHLEN];

	cfg_check_keys(ld, o, path, keys);
	if (cfg_get_id(ld, o, path, "self_id", "missing (the bot's QQ number)", *lax,
	               &b->self_id) == 0 &&
	    b->self_id && (!ob_id_ok(b->self_id) || b->self_id[0] == '-')) {
		cfg_path_key(p, path, "self_id");
		cfg_problem(ld, p, "expected a QQ number");
	}
	cfg_get_base_url(ld, o, path, "api_url", *lax, &b->api_url);
	read_ws_url(ld, o, path, *lax, &b->ws_url);
}

/* A group number at PATH (V borrowed) as "group:N" into *OUT; problems recorded. */
static void read_group(struct cfg_ld *ld, json_t *v, const char *path, char **out)
{
	char id[OB_ID_MAX], chat[CHAT_MAX];

	if (ob_id_of(v, id) < 0 || id[0] == '-') {
		cfg_problem(ld, path, "expected a QQ group number");
		return;
	}
	snprintf(chat, sizeof(chat), OB_GROUP "%s", id);
	*out = cfg_strdup(ld, chat);
}

static void read_groups(struct cfg_ld *ld, json_t *o, const char *path, struct ob_conf *c)
{
	json_t *arr = json_object_get(o, "resident_groups"), *v; /* borrowed */
	char p[CFG_PATHLEN], e[CFG_PATHLEN];
	size_t i;

	cfg_path_key(p, path, "resident_groups");
	if (!arr || json_is_null(arr))
		return;
	if (!json_is_array(arr)) {
		cfg_problem(ld, p, "expected a list of QQ group numbers");
		return;
	}
	if (json_array_size(arr) == 0 ||
	    !(c->groups = cfg_calloc(ld, json_array_size(arr), sizeof(*c->groups))))
		return;
	json_array_foreach(arr, i, v)
	{
		cfg_path_idx(e, p, i);
		read_group(ld, v, e, &c->groups[c->ngroups]);
		if (c->groups[c->ngroups])
			c->ngroups++;
	}
}

static void read_rate_limits(struct cfg_ld *ld, json_t *o, const char *path, struct ob_conf *c)
{
	static const char *const keys[] = {"per_chat_per_sec", "per_chat_per_min", "global_per_sec",
	                                   NULL};
	char p[CFG_PATHLEN];
	json_t *rl = cfg_get_object(ld, o, path, "rate_limits", keys, p); /* borrowed */

	if (!rl)
		return;
	cfg_get_int(ld, rl, p, "per_chat_per_sec", 1, 1, 1000, &c->per_chat_per_sec);
	cfg_get_int(ld, rl, p, "per_chat_per_min", 20, 1, 1000, &c->per_chat_per_min);
	cfg_get_int(ld, rl, p, "global_per_sec", 5, 1, 1000, &c->global_per_sec);
}

static void check_bots(struct cfg_ld *ld, const char *path, const struct ob_conf *c, int enabled)
{
	char p[CFG_PATHLEN], e[CFG_PATHLEN], k[CFG_PATHLEN];
	size_t i, j;

	cfg_path_key(p, path, "bots");
	for (i = 0; i < c->nbots; i++)
		for (j = 0; j < i; j++)
			if (c->bots[i].self_id && c->bots[j].self_id &&
			    strcmp(c->bots[i].self_id, c->bots[j].self_id) == 0) {
				cfg_path_idx(k, p, i);
				cfg_path_key(e, k, "self_id");
				cfg_problem(ld, e, "the bot %s is listed twice",
				            c->bots[i].self_id);
			}
	if (!enabled)
		return;
	if (c->access_token && strlen(c->access_token) < TOKEN_MIN) {
		cfg_path_key(p, path, "access_token");
		cfg_problem(ld, p, "too short to guard the websocket (at least %d characters)",
		            TOKEN_MIN);
	}
}

static void qq_config(struct cfg_ld *ld, json_t *o, const char *path, int *enabled, void **conf)
{
	static const char *const keys[] = {
	        "enabled",         "access_token",   "secret",         "bots",        "staff_group",
	        "resident_groups", "addressed_only", "action_timeout", "rate_limits", NULL};
	struct ob_conf *c = cfg_calloc(ld, 1, sizeof(*c));
	json_t *staff; /* borrowed */
	char p[CFG_PATHLEN];
	int lax;

	*conf = c;
	*enabled = 0;
	if (!c)
		return;
	c->addressed_only = 1;
	c->action_timeout = 10;
	c->per_chat_per_sec = 1;
	c->per_chat_per_min = 20;
	c->global_per_sec = 5;
	if (!o)
		return;
	cfg_check_keys(ld, o, path, keys);
	cfg_get_bool(ld, o, path, "enabled", 0, enabled);
	lax = !*enabled; /* a switched-off channel may name variables nobody set */
	cfg_get_str(ld, o, path, "access_token",
	            *enabled ? "missing (required when enabled)" : NULL, lax, &c->access_token);
	cfg_get_str(ld, o, path, "secret", NULL, lax, &c->secret);
	c->bots = cfg_get_objv(ld, o, path, "bots", *enabled ? "bot (its self_id)" : NULL,
	                       sizeof(*c->bots), &c->nbots, read_bot, &lax);
	staff = json_object_get(o, "staff_group");
	if (staff && !json_is_null(staff)) {
		cfg_path_key(p, path, "staff_group");
		read_group(ld, staff, p, &c->staff_group);
	}
	read_groups(ld, o, path, c);
	cfg_get_bool(ld, o, path, "addressed_only", 1, &c->addressed_only);
	cfg_get_int(ld, o, path, "action_timeout", 10, 1, 120, &c->action_timeout);
	read_rate_limits(ld, o, path, c);
	check_bots(ld, path, c, *enabled);
}

static void qq_config_free(void *conf)
{
	struct ob_conf *c = conf;
	size_t i;

	if (!c)
		return;
	free(c->access_token);
	free(c->secret);
	for (i = 0; i < c->nbots; i++) {
		free(c->bots[i].self_id);
		free(c->bots[i].api_url);
		free(c->bots[i].ws_url);
	}
	free(c->bots);
	free(c->staff_group);
	for (i = 0; i < c->ngroups; i++)
		free(c->groups[i]);
	free(c->groups);
	free(c);
}

static const char *qq_staff_chat(const struct chan *ch)
{
	return conf_of(ch)->staff_group;
}

/* ---- runtime: routes and the bot's own messages ------------------------------------------ */

static int qq_start(struct chan *ch)
{
	struct qq_rt *rt;

	if (ch->rt)
		return 0;
	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return -1;
	pthread_mutex_init(&rt->mu, NULL);
	ch->rt = rt;
	return 0;
}

static void qq_stop(struct chan *ch)
{
	struct qq_rt *rt = ch->rt;
	struct qq_pending *p;
	struct qq_conn *c;

	if (!rt)
		return;
	while ((p = rt->pending)) {
		rt->pending = p->next;
		free(p);
	}
	while ((c = rt->conns)) { /* the server closed them; nothing to tell */
		rt->conns = c->next;
		free(c);
	}
	pthread_mutex_destroy(&rt->mu);
	free(rt);
	ch->rt = NULL;
}

/* Remembers that CHAT was heard by bot SELF_ID (and, for a person, in GROUP, or NULL). */
static void route_note(struct qq_rt *rt, const char *chat, const char *self_id, const char *group)
{
	struct qq_route *r = NULL, *oldest = &rt->routes[0];
	size_t i;

	pthread_mutex_lock(&rt->mu);
	for (i = 0; i < ROUTES && !r; i++) {
		if (rt->routes[i].seq && strcmp(rt->routes[i].chat, chat) == 0)
			r = &rt->routes[i];
		else if (rt->routes[i].seq < oldest->seq)
			oldest = &rt->routes[i];
	}
	if (!r) {
		r = oldest;
		memset(r, 0, sizeof(*r));
		snprintf(r->chat, sizeof(r->chat), "%s", chat);
	}
	snprintf(r->self_id, sizeof(r->self_id), "%s", self_id);
	if (group)
		snprintf(r->group, sizeof(r->group), "%s", group);
	r->seq = ++rt->seq;
	pthread_mutex_unlock(&rt->mu);
}

/* The bot and group CHAT was last heard through; 0, or -1 when it was not. */
static int route_get(struct qq_rt *rt, const char *chat, char self_id[OB_ID_MAX],
                     char group[OB_ID_MAX])
{
	int rc = -1;
	size_t i;

	self_id[0] = group[0] = '\0';
	if (!rt)
		return -1;
	pthread_mutex_lock(&rt->mu);
	for (i = 0; i < ROUTES; i++) {
		if (rt->routes[i].seq && strcmp(rt->routes[i].chat, chat) == 0) {
			memcpy(self_id, rt->routes[i].self_id, OB_ID_MAX);
			memcpy(group, rt->routes[i].group, OB_ID_MAX);
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&rt->mu);
	return rc;
}

static void sent_note(struct qq_rt *rt, const char *message_id)
{
	if (!rt || !message_id[0])
		return;
	pthread_mutex_lock(&rt->mu);
	snprintf(rt->sent[rt->sent_next++ % SENT_IDS], OB_ID_MAX, "%s", message_id);
	pthread_mutex_unlock(&rt->mu);
}

/* 1 when MESSAGE_ID is one of the bot's own messages sent lately. */
static int sent_by_us(struct qq_rt *rt, const char *message_id)
{
	int found = 0;
	size_t i;

	if (!rt || !message_id[0])
		return 0;
	pthread_mutex_lock(&rt->mu);
	for (i = 0; i < SENT_IDS && !found; i++)
		found = strcmp(rt->sent[i], message_id) == 0;
	pthread_mutex_unlock(&rt->mu);
	return found;
}

/* ---- events ------------------------------------------------------------------------------ */

/* One queued message; the strings are copied. NULL when out of memory. */
static struct inbound *inbound_of(struct chan *ch, const struct ob_event *ev, const char *chat,
                                  const char *key, const char *text, const char *image)
{
	struct inbound *in = inbound_new(ch->name);

	if (!in)
		return NULL;
	in->id = strdup(key);
	in->chat = strdup(chat);
	in->user = strdup(ev->user_id);
	in->user_name = msg_strdup(ev->name);
	in->text = strdup(text);
	in->is_group = ev->group_id[0] != '\0';
	if (image) {
		in->att_kind = strdup("photo");
		in->att_ref = strdup(image);
	}
	if (!in->id || !in->chat || !in->user || !in->text || (ev->name && !in->user_name) ||
	    (image && (!in->att_kind || !in->att_ref))) {
		inbound_free(in);
		return NULL;
	}
	return in;
}

/*
 * The messages a message event brings (its text with its first image, then
 * one for each further image), or NULL when it is nothing for the core.
 */
static struct inbound *from_event(struct chan *ch, const struct ob_event *ev, const char *via)
{
	const struct ob_conf *c = conf_of(ch);
	struct qq_rt *rt = ch->rt;
	struct inbound *first, *in, **tail;
	char chat[CHAT_MAX], key[2 * OB_ID_MAX + 16];
	int addressed = 1, i;

	if (ev->ignore) {
		log_debug("%s: %s message skipped: %s", ch->name, via, ev->ignore);
		return NULL;
	}
	if (!ob_bot_find(c, ev->self_id)) {
		log_warn("%s: a message for bot %s, which is not configured, dropped", ch->name,
		         ev->self_id);
		return NULL;
	}
	if (ev->group_id[0]) {
		snprintf(chat, sizeof(chat), OB_GROUP "%s", ev->group_id);
		if (!ob_group_served(c, chat))
			return NULL; /* a group the service centre did not list */
		/* Neighbours talk among themselves: only what is meant for the bot. */
		addressed = ev->mentions_self || ev->text[0] == '/' ||
		            (ev->reply_id[0] && sent_by_us(rt, ev->reply_id));
		if (!addressed && c->addressed_only)
			return NULL;
	} else {
		snprintf(chat, sizeof(chat), "%s", ev->user_id);
	}
	if (rt) {
		route_note(rt, chat, ev->self_id, NULL);
		if (ev->group_id[0] && addressed)
			route_note(rt, ev->user_id, ev->self_id, ev->group_id);
	}
	snprintf(key, sizeof(key), "%s:%s", ev->self_id, ev->message_id);
	first = inbound_of(ch, ev, chat, key, ev->text, ev->nimages ? ev->images[0] : NULL);
	if (!first)
		return NULL;
	first->addressed = addressed;
	if (ev->group_id[0] && !(first->reply_ref = strdup(ev->message_id))) {
		inbound_free(first);
		return NULL;
	}
	tail = &first->next;
	for (i = 1; i < ev->nimages; i++) {
		snprintf(key, sizeof(key), "%s:%s#%d", ev->self_id, ev->message_id, i + 1);
		if (!(in = inbound_of(ch, ev, chat, key, "", ev->images[i])))
			break;
		in->addressed = addressed;
		*tail = in;
		tail = &in->next;
	}
	return first;
}

/* ---- the reverse websocket ----------------------------------------------------------------- */

static void conn_free(struct qq_rt *rt, struct chan *ch, struct qq_conn *c, const char *why)
{
	struct qq_pending **pp = &rt->pending, *p;
	struct qq_conn **cp;

	/* Actions sent over it will not be answered: they are tried again. */
	while ((p = *pp)) {
		if (p->conn == c) {
			*pp = p->next;
			ch->host->relay_done(ch, p->ticket, 0, NULL, 0, why);
			free(p);
		} else {
			pp = &p->next;
		}
	}
	for (cp = &rt->conns; *cp; cp = &(*cp)->next)
		if (*cp == c) {
			*cp = c->next;
			break;
		}
	free(c);
}

/* The access token the client gave: its Authorization header, else ?access_token=. */
static int token_given(const struct chan *ch, const struct http_req *req)
{
	const struct ob_conf *c = conf_of(ch);
	char v[512];
	const char *t;

	if (req->header(req, "authorization:", v, sizeof(v)) > 0) {
		t = ob_bearer(v);
		return t && ob_token_ok(c->access_token, t);
	}
	return req->query && req->query(req, "access_token", v, sizeof(v)) > 0 &&
	       ob_token_ok(c->access_token, v);
}

static int qq_ws_open(struct chan *ch, struct host_conn *hc, const struct http_req *req,
                      void **conn)
{
	const struct ob_conf *c = conf_of(ch);
	struct qq_rt *rt = ch->rt;
	struct qq_conn *n;
	char self[OB_ID_MAX + 8], role[32];

	if (!rt)
		return -1;
	if (!token_given(ch, req)) {
		log_warn("%s: a websocket without the right access token refused", ch->name);
		return -1;
	}
	if (req->header(req, "x-self-id:", self, sizeof(self)) <= 0 || !ob_bot_find(c, self)) {
		log_warn("%s: a websocket for a bot that is not configured (X-Self-ID %.20s) "
		         "refused",
		         ch->name, self);
		return -1;
	}
	if (req->header(req, "x-client-role:", role, sizeof(role)) <= 0)
		snprintf(role, sizeof(role), "Universal");
	if (strcasecmp(role, "Universal") != 0 && strcasecmp(role, "API") != 0 &&
	    strcasecmp(role, "Event") != 0) {
		log_warn("%s: a websocket with X-Client-Role %.20s refused", ch->name, role);
		return -1;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return -1;
	n->hc = hc;
	memcpy(n->self_id, self, sizeof(n->self_id)); /* a configured bot's: it fits */
	snprintf(n->role, sizeof(n->role), "%s",
	         strcasecmp(role, "API") == 0     ? "API"
	         : strcasecmp(role, "Event") == 0 ? "Event"
	                                          : "Universal");
	n->api = strcasecmp(role, "Event") != 0;
	n->since = n->last_at = clock_now();
	/* First in the list: a bot that reconnects before its old connection is noticed
	 * dead is served by the new one (and by the old one again if the new one goes). */
	n->next = rt->conns;
	rt->conns = n;
	*conn = n;
	log_info("%s: bot %s connected (websocket, %s)", ch->name, self, n->role);
	return 0;
}

static void on_answer(struct chan *ch, struct qq_conn *c, const struct ob_event *ev,
                      const char *data, size_t len)
{
	struct qq_rt *rt = ch->rt;
	struct qq_pending **pp, *p;
	unsigned long long ticket = 0;
	char *end = NULL;

	if (strncmp(ev->echo, "cc-", 3) == 0 && ev->echo[3] >= '0' && ev->echo[3] <= '9')
		ticket = strtoull(ev->echo + 3, &end, 10);
	if (!end || *end || ticket == 0) {
		log_debug("%s: an answer to an action that is not ours (echo %.40s)", ch->name,
		          ev->echo);
		return;
	}
	for (pp = &rt->pending; (p = *pp); pp = &p->next) {
		if (p->ticket == ticket && p->conn == c) {
			*pp = p->next;
			ch->host->relay_done(ch, p->ticket, 200, data, len, NULL);
			free(p);
			return;
		}
	}
	log_info("%s: a late answer to action %llu dropped", ch->name, ticket);
}

static void qq_ws_message(struct chan *ch, struct host_conn *hc, void *conn, const char *data,
                          size_t len)
{
	struct qq_rt *rt = ch->rt;
	struct qq_conn *c = conn;
	struct inbound *in;
	struct ob_event ev;
	char err[128];

	if (!c)
		return;
	c->last_at = clock_now();
	if (ob_parse_event(data, len, &ev, err, sizeof(err)) < 0) {
		log_warn("%s: a frame from bot %s not understood: %s", ch->name, c->self_id, err);
		return;
	}
	if (ev.kind == OB_RESPONSE) {
		on_answer(ch, c, &ev, data, len);
	} else if (strcmp(ev.self_id, c->self_id) != 0) {
		/* one bot's connection speaks for that bot only */
		log_warn("%s: an event for bot %s on bot %s's websocket dropped", ch->name,
		         ev.self_id, c->self_id);
	} else if (ev.kind == OB_META && strcmp(ev.meta, "lifecycle") == 0) {
		log_info("%s: bot %s: lifecycle %s", ch->name, c->self_id, ev.sub_type);
	} else if (ev.kind == OB_META && strcmp(ev.meta, "heartbeat") == 0 && ev.interval > 0) {
		/* a link that misses two heartbeats and a half is dead (ours are closed and
		 * connected again; the implementation reconnects its reverse ones) */
		c->beat_ms = ev.interval < BEAT_MIN_MS   ? BEAT_MIN_MS
		             : ev.interval > BEAT_MAX_MS ? BEAT_MAX_MS
		                                         : ev.interval;
		if (c->forward)
			ch->host->ws_silence(hc, c->beat_ms * 5 / 2);
	} else if (ev.kind == OB_MESSAGE) {
		rt->events++;
		if ((in = from_event(ch, &ev, "websocket")) != NULL)
			ch->host->submit(ch, in);
	}
	ob_event_release(&ev);
}

static void qq_ws_too_big(struct chan *ch, struct host_conn *hc, void *conn)
{
	struct qq_rt *rt = ch->rt;

	(void)hc;
	rt->dropped++;
	log_warn("%s: a frame from bot %s over %u bytes dropped", ch->name,
	         ((struct qq_conn *)conn)->self_id, WS_MAX);
}

static void qq_ws_closed(struct chan *ch, struct host_conn *hc, void *conn)
{
	struct qq_conn *c = conn;

	(void)hc;
	if (!c || !ch->rt)
		return;
	log_info("%s: bot %s disconnected (websocket, %s)", ch->name, c->self_id, c->role);
	conn_free(ch->rt, ch, c, "the websocket closed before the answer came");
}

/* ---- the forward websocket (we connect to the implementation) ------------------------------ */

/* The bot of forward link LINK: the LINK-th bot with a ws_url. */
static const struct ob_bot *forward_bot(const struct ob_conf *c, int link)
{
	size_t i;

	for (i = 0; i < c->nbots; i++)
		if (c->bots[i].ws_url && link-- == 0)
			return &c->bots[i];
	return NULL;
}

static int qq_wsc_wanted(const struct chan *ch)
{
	const struct ob_conf *c = conf_of(ch);
	size_t i;
	int n = 0;

	if (!ch->enabled || !c->access_token || !*c->access_token)
		return 0;
	for (i = 0; i < c->nbots; i++)
		n += c->bots[i].ws_url != NULL;
	return n;
}

static int qq_locate(const struct chan *ch, int link, struct adapter_call *call,
                     struct adapter_wsc_target *t)
{
	const struct ob_conf *c = conf_of(ch);
	const struct ob_bot *b = forward_bot(c, link);
	int n;

	(void)call;
	if (!b || !c->access_token)
		return -1;
	n = snprintf(t->headers[0], sizeof(t->headers[0]), "Authorization: Bearer %s",
	             c->access_token);
	if (n < 0 || (size_t)n >= sizeof(t->headers[0]) ||
	    snprintf(t->url, sizeof(t->url), "%s", b->ws_url) >= (int)sizeof(t->url))
		return -1;
	t->nheaders = 1;
	return 0;
}

/* Never called: locate gives the URL from the configuration. */
static int qq_located(const struct chan *ch, int link, long status, const char *resp, size_t len,
                      long retry_after, const char *neterr, struct adapter_wsc_target *t,
                      struct adapter_poll *p)
{
	(void)ch;
	(void)link;
	(void)status;
	(void)resp;
	(void)len;
	(void)retry_after;
	(void)neterr;
	(void)t;
	snprintf(p->state, sizeof(p->state), "error: no websocket URL");
	p->again_ms = -1;
	return -1;
}

static void qq_wsc_connected(struct chan *ch, struct host_conn *hc, int link, void **conn)
{
	const struct ob_bot *b = forward_bot(conf_of(ch), link);
	struct qq_rt *rt = ch->rt;
	struct qq_conn *n = NULL;

	*conn = NULL;
	if (rt && b && b->self_id && (n = calloc(1, sizeof(*n))) != NULL) {
		n->hc = hc;
		memcpy(n->self_id, b->self_id, strlen(b->self_id) + 1); /* a QQ number: it fits */
		snprintf(n->role, sizeof(n->role), "forward");
		n->api = n->forward = 1;
		n->since = n->last_at = clock_now();
		n->next = rt->conns; /* the newest serves the bot's actions */
		rt->conns = n;
		*conn = n;
		log_info("%s: bot %s connected (forward websocket)", ch->name, n->self_id);
		return;
	}
	ch->host->ws_close(hc); /* cannot be kept track of: try again later */
}

/* ---- actions over the websocket (the sender's relayed calls) --------------------------------- */

/* The newest connection of bot SELF_ID that takes actions, or NULL. */
static struct qq_conn *api_conn(struct qq_rt *rt, const char *self_id)
{
	struct qq_conn *c;

	for (c = rt->conns; c; c = c->next)
		if (c->api && strcmp(c->self_id, self_id) == 0)
			return c;
	return NULL;
}

static void sweep_pending(struct qq_rt *rt, int64_t now)
{
	struct qq_pending **pp = &rt->pending, *p;

	while ((p = *pp)) {
		if (now - p->at > (int64_t)PENDING_MAX_S * 1000) {
			*pp = p->next;
			free(p);
		} else {
			pp = &p->next;
		}
	}
}

static void qq_relay(struct chan *ch, const struct adapter_call *call, uint64_t ticket)
{
	struct qq_rt *rt = ch->rt;
	json_t *o = json_loads(call->body, 0, NULL), *frame;
	const char *self = json_string_value(json_object_get(o, "self_id"));
	struct qq_pending *p;
	struct qq_conn *c;
	char echo[32], why[96];
	char *text = NULL;

	if (!rt || !self || !(c = api_conn(rt, self))) {
		snprintf(why, sizeof(why), "bot %.24s has no websocket open", self ? self : "?");
		ch->host->relay_done(ch, ticket, 0, NULL, 0, why);
		json_decref(o);
		return;
	}
	sweep_pending(rt, clock_mono_ms());
	snprintf(echo, sizeof(echo), "cc-%llu", (unsigned long long)ticket);
	frame = json_pack("{s:O,s:O,s:s}", "action", json_object_get(o, "action"), "params",
	                  json_object_get(o, "params"), "echo", echo);
	p = calloc(1, sizeof(*p));
	if (frame)
		text = json_dumps(frame, JSON_COMPACT);
	if (!p || !text) {
		ch->host->relay_done(ch, ticket, 0, NULL, 0, "out of memory");
		free(p);
	} else {
		p->ticket = ticket;
		p->conn = c;
		p->at = clock_mono_ms();
		p->next = rt->pending;
		rt->pending = p;
		ch->host->ws_send(c->hc, text);
	}
	free(text);
	json_decref(frame);
	json_decref(o);
}

/* ---- HTTP POST events ------------------------------------------------------------------------ */

static int qq_check(struct chan *ch, const struct http_req *req, struct http_answer *ans)
{
	const struct ob_conf *c = conf_of(ch);
	char v[64];

	if (!c->secret || !*c->secret) {
		http_answer_error(ans, 403, "HTTP POST events need a secret");
		return -1;
	}
	if (req->header(req, OB_SIGN_HEADER, v, sizeof(v)) <= 0) {
		log_warn("%s: an HTTP POST event without X-Signature refused", ch->name);
		http_answer_error(ans, 401, "missing signature");
		return -1;
	}
	if (req->header(req, "x-self-id:", v, sizeof(v)) <= 0 || !ob_bot_find(c, v)) {
		log_warn("%s: an HTTP POST event for a bot that is not configured refused",
		         ch->name);
		http_answer_error(ans, 403, "unknown bot");
		return -1;
	}
	return 0;
}

static void qq_hook(struct chan *ch, const struct http_req *req, struct http_answer *ans,
                    struct inbound **out)
{
	struct qq_rt *rt = ch->rt;
	struct inbound *in;
	struct ob_event ev;
	char sig[64], self[OB_ID_MAX + 8], err[128];

	(void)out; /* answered at once: the implementation does not send an event again */
	req->header(req, OB_SIGN_HEADER, sig, sizeof(sig));
	if (!ob_signature_ok(conf_of(ch)->secret, req->body, req->len, sig)) {
		log_warn("%s: an HTTP POST event with a wrong signature refused", ch->name);
		http_answer_error(ans, 401, "wrong signature");
		return;
	}
	if (ob_parse_event(req->body, req->len, &ev, err, sizeof(err)) < 0) {
		log_warn("%s: an HTTP POST event not understood: %s", ch->name, err);
		http_answer_error(ans, 400, err);
		return;
	}
	req->header(req, "x-self-id:", self, sizeof(self));
	if (strcmp(ev.self_id, self) != 0) {
		http_answer_error(ans, 403, "self_id differs from X-Self-ID");
	} else {
		if (ev.kind == OB_MESSAGE && rt) {
			rt->events++;
			if ((in = from_event(ch, &ev, "HTTP POST")) != NULL)
				ch->host->submit(ch, in);
		}
		http_answer_text(ans, 204, NULL, NULL);
	}
	ob_event_release(&ev);
}

/* ---- the sender's calls ---------------------------------------------------------------------- */

static int qq_can_send(const struct chan *ch)
{
	const struct ob_conf *c = conf_of(ch);

	return ch->enabled && c->nbots > 0 && c->access_token && *c->access_token;
}

static const char *qq_base_state(const struct chan *ch)
{
	(void)ch;
	return "on";
}

static void qq_limits(const struct chan *ch, struct ratelimit_limits *l)
{
	const struct ob_conf *c = conf_of(ch);

	memset(l, 0, sizeof(*l));
	l->per_chat_per_sec = c->per_chat_per_sec;
	l->per_chat_per_min = c->per_chat_per_min;
	l->global_per_sec = c->global_per_sec;
	l->margin_ms = 100;
}

/* The bot a chat's message goes out through: the one that heard it, else the first. */
static const struct ob_bot *bot_for(const struct chan *ch, const char *chat, char group[OB_ID_MAX])
{
	const struct ob_conf *c = conf_of(ch);
	const struct ob_bot *b = NULL;
	char self[OB_ID_MAX];

	if (route_get(ch->rt, chat, self, group) == 0)
		b = ob_bot_find(c, self);
	return b ? b : c->nbots ? &c->bots[0] : NULL;
}

static json_t *id_value(const char *id)
{
	return json_integer((json_int_t)strtoll(id, NULL, 10));
}

static int qq_build(const struct chan *ch, int64_t row_id, const char *chat, const char *payload,
                    int part, struct adapter_call *call, char *err, size_t errlen)
{
	const struct ob_conf *c = conf_of(ch);
	int group = strncmp(chat, OB_GROUP, strlen(OB_GROUP)) == 0;
	const char *id = group ? chat + strlen(OB_GROUP) : chat;
	const struct ob_bot *bot;
	json_t *segs = NULL, *params, *body;
	char via[OB_ID_MAX], url[1024], auth[600];
	int n;

	(void)row_id;
	if (!ob_id_ok(id) || id[0] == '-') {
		snprintf(err, errlen, "not a QQ chat: %.40s", chat);
		return -1;
	}
	n = ob_build_message(payload, group, part, &segs, err, errlen);
	if (n < 0 || !(bot = bot_for(ch, chat, via))) {
		json_decref(segs);
		if (n >= 0)
			snprintf(err, errlen, "no bot configured");
		return -1;
	}
	if (group) {
		params = json_pack("{s:o,s:o}", "group_id", id_value(id), "message", segs);
	} else {
		params = json_pack("{s:o,s:o}", "user_id", id_value(id), "message", segs);
		/* a group member who is not the bot's friend: a temporary session from that group
		 */
		if (params && via[0])
			json_object_set_new(params, "group_id", id_value(via));
	}
	if (!params) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (bot->api_url) {
		snprintf(url, sizeof(url), "%s/%s", bot->api_url,
		         group ? "send_group_msg" : "send_private_msg");
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->access_token);
		call->url = strdup(url);
		call->body = json_dumps(params, JSON_COMPACT);
		call->timeout_s = c->action_timeout + HTTP_SLACK_S;
		if (adapter_call_header(call, auth) < 0)
			n = -1;
	} else {
		body = json_pack("{s:s,s:s,s:O}", "self_id", bot->self_id, "action",
		                 group ? "send_group_msg" : "send_private_msg", "params", params);
		call->body = body ? json_dumps(body, JSON_COMPACT) : NULL;
		json_decref(body);
		call->relay = 1;
		call->timeout_s = c->action_timeout;
	}
	json_decref(params);
	if (n < 0 || !call->body || (bot->api_url && !call->url)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return n;
}

static void qq_classify(const struct chan *ch, const struct adapter_call *call, long status,
                        const char *resp, size_t len, long retry_after, const char *neterr,
                        struct adapter_verdict *v)
{
	char id[OB_ID_MAX];

	(void)call;
	ob_classify(status, resp, len, retry_after, neterr, v);
	/* A reply to one of these in a group is meant for the bot. */
	if (v->outcome == ADAPTER_SENT && ob_answer_message_id(resp, len, id) == 0)
		sent_note(ch->rt, id);
}

/* ---- photos -------------------------------------------------------------------------------- */

/*
 * An image segment's URL (the implementation's, or QQ's own image server),
 * fetched on the host's fetching thread within 20 seconds.
 */
static int qq_fetch_attachment(struct chan *ch, const char *ref, size_t max, unsigned char **data,
                               size_t *len)
{
	struct adapter_call call;
	char *body = NULL;
	size_t blen = 0;
	long status = 0;

	*data = NULL;
	*len = 0;
	if (strncmp(ref, "http://", 7) != 0 && strncmp(ref, "https://", 8) != 0)
		return -1;
	memset(&call, 0, sizeof(call));
	call.url = strdup(ref);
	call.get = 1;
	call.timeout_s = 20;
	call.resp_max = max;
	call.chatless = 1;
	if (!call.url || ch->host->call_now(ch, &call, &status, &body, &blen) < 0 ||
	    status != 200 || !body) {
		log_warn("%s: an image could not be fetched (HTTP %ld)", ch->name, status);
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

/* ---- the operator's view -----------------------------------------------------------------------
 */

static int qq_banner(struct chan *ch, const char *base_url, char *out, size_t len)
{
	const char *rest = strstr(base_url, "://");
	int n = snprintf(out, len, "QQ (OneBot v11): reverse websocket at %s%s" WS_PATH,
	                 strncmp(base_url, "https", 5) == 0 ? "wss" : "ws", rest ? rest : "");

	if (conf_of(ch)->secret && n >= 0 && (size_t)n < len)
		n += snprintf(out + n, len - (size_t)n, ", HTTP POST events at %s" HOOK_PATH,
		              base_url);
	if (qq_wsc_wanted(ch) > 0 && n >= 0 && (size_t)n < len)
		snprintf(out + n, len - (size_t)n, ", forward websockets to %d bot(s)",
		         qq_wsc_wanted(ch));
	return 1;
}

/* Forward link LINK of bot B: the host's state of it, and what came over it. */
static json_t *forward_health(struct chan *ch, int link, const struct ob_bot *b)
{
	struct qq_rt *rt = ch->rt;
	const struct qq_conn *k;
	char state[200] = "off";
	long long connects = 0;
	json_t *o;

	if (ch->host && ch->host->ws_state)
		ch->host->ws_state(ch, link, state, sizeof(state), &connects);
	o = json_pack("{s:s,s:I}", "state", state, "connects", (json_int_t)connects);
	for (k = rt ? rt->conns : NULL; k && o; k = k->next)
		if (k->forward && b->self_id && strcmp(k->self_id, b->self_id) == 0) {
			json_object_set_new(o, "since", json_integer(k->since));
			json_object_set_new(o, "last_frame", json_integer(k->last_at));
			json_object_set_new(o, "heartbeat_ms", json_integer(k->beat_ms));
			break;
		}
	return o;
}

static void qq_health(struct chan *ch, json_t *obj)
{
	const struct ob_conf *c = conf_of(ch);
	struct qq_rt *rt = ch->rt;
	const struct qq_conn *k;
	json_t *bots = json_array(), *b;
	size_t i, waiting = 0;
	int link = 0;
	const struct qq_pending *p;

	for (i = 0; i < c->nbots; i++) {
		b = json_pack("{s:s,s:s}", "self_id", c->bots[i].self_id ? c->bots[i].self_id : "",
		              "actions", c->bots[i].api_url ? "http" : "websocket");
		for (k = rt ? rt->conns : NULL; k && b; k = k->next)
			if (!k->forward && c->bots[i].self_id &&
			    strcmp(k->self_id, c->bots[i].self_id) == 0) {
				json_object_set_new(b, "websocket", json_string(k->role));
				json_object_set_new(b, "since", json_integer(k->since));
				json_object_set_new(b, "last_frame", json_integer(k->last_at));
				break; /* the newest */
			}
		if (b && c->bots[i].ws_url)
			json_object_set_new(b, "forward", forward_health(ch, link++, &c->bots[i]));
		json_array_append_new(bots, b);
	}
	for (p = rt ? rt->pending : NULL; p; p = p->next)
		waiting++;
	json_object_set_new(obj, "bots", bots);
	json_object_set_new(obj, "events", json_integer(rt ? rt->events : 0));
	json_object_set_new(obj, "actions_waiting", json_integer((json_int_t)waiting));
}

const struct adapter adapter_qq = {
        .name = "qq",
        .config = qq_config,
        .config_free = qq_config_free,
        .staff_chat = qq_staff_chat,
        .private_chats = 1,
        .start = qq_start,
        .stop = qq_stop,
        .banner = qq_banner,
        .health = qq_health,
        .routes =
                {{.path = HOOK_PATH, .methods = ROUTE_POST, .check = qq_check, .handle = qq_hook}},
        .ws =
                {
                        .path = WS_PATH,
                        .max_message = WS_MAX,
                        .open = qq_ws_open,
                        .message = qq_ws_message,
                        .too_big = qq_ws_too_big,
                        .closed = qq_ws_closed,
                },
        .wsc =
                {
                        .wanted = qq_wsc_wanted,
                        .max_message = WS_MAX,
                        .locate = qq_locate,
                        .located = qq_located,
                        .connected = qq_wsc_connected,
                        .message = qq_ws_message,
                        .closed = qq_ws_closed,
                },
        .can_send = qq_can_send,
        .base_state = qq_base_state,
        .limits = qq_limits,
        .build = qq_build,
        .classify = qq_classify,
        .relay = qq_relay,
        .fetch_attachment = qq_fetch_attachment,
};
