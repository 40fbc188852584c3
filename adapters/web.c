/*
 * web.c - the web chat: the resident page at / and its websocket at /ws/chat.
 *
 * A visitor is known by a random token in an HttpOnly cookie set with the
 * page; the store only ever sees a hash of it, so a copied database does not
 * let anyone speak as a visitor. Staff open the same page with their
 * personal link (?staff=TOKEN) and act as themselves ("staff:ID").
 *
 * Messages for a visitor are not sent by the sender: they wait in the outbox
 * until a page of theirs is open, and the host hands them to deliver(). The
 * host keeps the transcript (the page shows it again when reloaded).
 *
 * Protocol (JSON text frames):
 *   page -> {"type":"hello","lang":"zh"|"en","staff":"TOKEN"?}
 *   us   -> {"type":"welcome","who":{"kind","name"},"title","history":[...]}
 *   page -> {"type":"say","id","text","data"?}        a line or a pressed button
 *   page -> {"type":"photo","id","mime","data"}       a photo, DATA in base64; shown
 *                                                      in the transcript as "[照片]"
 *   us   -> {"type":"ack","id"} once stored, or {"type":"error","id","message"}
 *   us   -> {"type":"message","text","buttons":[{"label","data"}],"at"}
 *
 * Hostile pages. Every frame a page sends costs one unit of its visitor's
 * pace (SAY_MAX a window, over all their pages) and of its client address's
 * (address_pace, over all its visitors): the first frame over either gets a
 * polite notice, the next ones are dropped unanswered and counted ("dropped"
 * in /healthz), and a page that goes on (FLOOD_CLOSE dropped in a window) is
 * closed with 1008. A page is closed too, its waiting frames freed, when
 * more than TX_MAX bytes wait for it (it does not read); for binary frames
 * (1003) and for a frame over the endpoint's limit (1009). The welcome
 * carries the history once per page, at most HISTORY lines and HISTORY_BYTES.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "adapters/adapter.h"
#include "adapters/web_assets.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/photo.h"

#define COOKIE "cc_visitor"
#define RX_MAX (16 * 1024)
/* A photo frame: the largest photo in base64, with room to say a bit over is too big. */
#define PHOTO_B64_MAX (((PHOTO_MAX_BYTES + (1u << 20)) / 3 + 1) * 4)
#define WS_MAX        (PHOTO_B64_MAX + RX_MAX)
#define HISTORY       100          /* lines of the transcript a welcome carries at most */
#define HISTORY_BYTES (192 * 1024) /* and at most this much of them (JSON): the oldest go */
#define TX_MAX        (512 * 1024) /* bytes waiting for a page that does not read: it is closed */
#define SAY_WINDOW    10           /* seconds */
#define SAY_MAX       20           /* frames per window and visitor, over all their pages */
#define ADDRESS_PACE  60           /* frames per window and client address: the default */
#define FLOOD_CLOSE   100          /* frames dropped on one page in a window: it is closed */

/* Close codes (RFC 6455). */
#define WS_UNSUPPORTED 1003
#define WS_POLICY      1008
#define WS_TOO_BIG     1009

static const char csp[] = "default-src 'self'; connect-src 'self' ws: wss:; "
                          "img-src 'self' data:; frame-ancestors 'none'";

struct web_person;

/* One open page. */
struct web_conn {
	struct web_conn *next;  /* every open page */
	struct web_conn *vnext; /* the other greeted pages of the same person */
	struct chan *ch;
	struct host_conn *hc;
	struct web_person *who; /* once greeted */
	char visitor[64];       /* hashed cookie: "v…", or "anonymous" */
	char user[96];          /* "v…" or "staff:ID" */
	char lang[8];           /* the page's language ("zh", "en"), a hint for the bot's */
	char addr[72];          /* "@" and the client's address (an IPv6 one by its /64) */
	int greeted;
	int refused;      /* closed by us: nothing more goes out or is handled */
	int64_t flood_at; /* when this page was last told it writes too fast */
	int flood_drops;  /* frames dropped since */
};

/*
 * A person with pages open (or closed a moment ago): their greeted pages and
 * how fast they are writing (all their pages together). Found by user in a
 * hash table, so a commit's ack, a delivery and "is this chat open" cost the
 * same with two thousand pages open as with two.
 */
struct web_person {
	struct web_person *hnext;
	struct web_conn *pages;
	int64_t window; /* start of the current pace window */
	int count;
	char user[96];
};

/* A chain of the hash table. */
struct web_bucket {
	struct web_person *head;
};

/* People remembered beyond those with a page open: the pace of a page just closed. */
#define PERSONS_SPARE 256

struct web_rt {
	struct web_conn *conns;
	int nconns;
	struct web_bucket *table; /* by user, and by "@address" for the pace of an address */
	size_t nbuckets, npersons;
	long long dropped; /* frames dropped for their pace */
	long long refused; /* pages closed: flooding, not reading, binary, too large */
};

/* ---- configuration ---------------------------------------------------------------- */

static void web_config(struct cfg_ld *ld, json_t *o, const char *path, int *enabled, void **conf)
{
	static const char *const keys[] = {"enabled", "title", "address_pace", NULL};
	struct web_conf *w = cfg_calloc(ld, 1, sizeof(*w));

	*conf = w;
	*enabled = 1; /* the web chat is on unless switched off */
	if (w)
		w->address_pace = ADDRESS_PACE;
	if (!o || !w)
		return;
	cfg_check_keys(ld, o, path, keys);
	cfg_get_bool(ld, o, path, "enabled", 1, enabled);
	cfg_get_str(ld, o, path, "title", NULL, !*enabled, &w->title);
	cfg_get_int(ld, o, path, "address_pace", ADDRESS_PACE, 0, 1000000, &w->address_pace);
}

static void web_config_free(void *conf)
{
	struct web_conf *w = conf;

	if (w)
		free(w->title);
	free(w);
}

/* The web page knows staff by their personal link. */
static int web_staff_reachable(const struct chan *ch, const struct adapter_person *p)
{
	(void)ch;
	return p->token != NULL;
}

static struct web_rt *rt_of(struct chan *ch)
{
	if (!ch->rt)
		ch->rt = calloc(1, sizeof(struct web_rt));
	return ch->rt;
}

static int web_start(struct chan *ch)
{
	return rt_of(ch) ? 0 : -1;
}

static void web_stop(struct chan *ch)
{
	struct web_rt *rt = ch->rt;
	struct web_person *p;
	size_t i;

	/* Connections are gone by now: the server closed them. */
	for (i = 0; rt && i < rt->nbuckets; i++)
		while ((p = rt->table[i].head)) {
			rt->table[i].head = p->hnext;
			free(p);
		}
	if (rt)
		free(rt->table);
	free(rt);
	ch->rt = NULL;
}

static int web_banner(struct chan *ch, const char *base_url, char *out, size_t len)
{
	(void)ch;
	snprintf(out, len, "web chat at %s/", base_url);
	return 1;
}

static void web_health(struct chan *ch, json_t *obj)
{
	const struct web_rt *rt = ch->rt;

	json_object_set_new(obj, "clients", json_integer(rt ? rt->nconns : 0));
	json_object_set_new(obj, "dropped", json_integer(rt ? rt->dropped : 0));
	json_object_set_new(obj, "refused", json_integer(rt ? rt->refused : 0));
}

/* ---- people with pages open ------------------------------------------------------ */

static size_t user_hash(const char *user)
{
	size_t h = 2166136261u; /* FNV-1a */

	for (; *user; user++)
		h = (h ^ (unsigned char)*user) * 16777619u;
	return h;
}

static struct web_person *person_find(const struct web_rt *rt, const char *user)
{
	struct web_person *p;

	if (!rt || !rt->nbuckets)
		return NULL;
	for (p = rt->table[user_hash(user) & (rt->nbuckets - 1)].head; p; p = p->hnext)
		if (strcmp(p->user, user) == 0)
			return p;
	return NULL;
}

/* Rehashes into NBUCKETS (a power of two); -1 when out of memory (the old table stays). */
static int persons_resize(struct web_rt *rt, size_t nbuckets)
{
	struct web_bucket *table = calloc(nbuckets, sizeof(*table));
	struct web_person *p;
	size_t i, h;

	if (!table)
		return -1;
	for (i = 0; i < rt->nbuckets; i++)
		while ((p = rt->table[i].head)) {
			rt->table[i].head = p->hnext;
			h = user_hash(p->user) & (nbuckets - 1);
			p->hnext = table[h].head;
			table[h].head = p;
		}
	free(rt->table);
	rt->table = table;
	rt->nbuckets = nbuckets;
	return 0;
}

/*
 * Forgets people with no page open: first those whose pace window is over,
 * then, if that is not enough (pages opened and closed in a flood), all.
 */
static void persons_sweep(struct web_rt *rt, int64_t now, size_t keep)
{
	struct web_person **pp, *p;
	size_t i;
	int pass;

	for (pass = 0; pass < 2 && rt->npersons > keep; pass++)
		for (i = 0; i < rt->nbuckets; i++)
			for (pp = &rt->table[i].head; (p = *pp);) {
				if (!p->pages && (pass || now - p->window >= SAY_WINDOW)) {
					*pp = p->hnext;
					free(p);
					rt->npersons--;
				} else {
					pp = &p->hnext;
				}
			}
}

/* The person USER, remembered from now on; NULL when out of memory. */
static struct web_person *person_get(struct web_rt *rt, const char *user)
{
	struct web_person *p = person_find(rt, user);
	size_t h, keep = 2 * (size_t)rt->nconns + PERSONS_SPARE;

	if (p)
		return p;
	if (rt->npersons >= keep)
		persons_sweep(rt, clock_now(), keep / 2);
	if (rt->npersons >= rt->nbuckets &&
	    persons_resize(rt, rt->nbuckets ? rt->nbuckets * 2 : 256) < 0 && !rt->nbuckets)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	snprintf(p->user, sizeof(p->user), "%s", user);
	h = user_hash(user) & (rt->nbuckets - 1);
	p->hnext = rt->table[h].head;
	rt->table[h].head = p;
	rt->npersons++;
	return p;
}

/* ---- identity ------------------------------------------------------------------- */

static int token_ok(const char *t)
{
	size_t i;

	for (i = 0; t[i]; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
			return 0;
	return i == 32;
}

/* The visitor's stored identity: "v" + 24 hex digits of SHA-256(token). */
static void visitor_id(const char *token, char *out, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int i;

	EVP_Digest(token, strlen(token), md, &mdlen, EVP_sha256(), NULL);
	if (len < 26)
		return;
	out[0] = 'v';
	for (i = 0; i < 12; i++)
		snprintf(out + 1 + 2 * i, 3, "%02x", md[i]);
}

static int cookie_token(const struct http_req *req, char *out, size_t len)
{
	if (req->cookie(req, COOKIE, out, len) < 0)
		return -1;
	return token_ok(out) ? 0 : -1;
}

/* ---- the page ----------------------------------------------------------------------- */

static const struct web_asset *asset_find(const char *path)
{
	const struct web_asset *a;

	if (strcmp(path, "/") == 0)
		path = "/index.html";
	for (a = web_assets; a->path; a++)
		if (strcmp(a->path, path) == 0)
			return a;
	return NULL;
}

/* The visitor cookie for a page load: set when the visitor has none. */
static void page_cookie(const struct http_req *req, struct http_answer *ans)
{
	unsigned char raw[16];
	char token[40];
	int i;

	if (cookie_token(req, token, sizeof(token)) == 0)
		return;
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return;
	for (i = 0; i < 16; i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);
	snprintf(ans->set_cookie, sizeof(ans->set_cookie),
	         COOKIE "=%s; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax%s", token,
	         req->tls ? "; Secure" : "");
}

static void web_page(struct chan *ch, const struct http_req *req, struct http_answer *ans,
                     struct inbound **out)
{
	const struct web_asset *a = asset_find(req->path);

	(void)ch;
	(void)out;
	if (!a || strcmp(req->method, "POST") == 0) {
		http_answer_error(ans, 404, "not found");
		return;
	}
	if (strcmp(a->path, "/index.html") == 0)
		page_cookie(req, ans);
	else
		snprintf(ans->cache, sizeof(ans->cache), "public, max-age=300");
	ans->status = 200;
	ans->ctype = a->type;
	ans->static_body = a->data;
	ans->len = a->len;
	ans->csp = csp;
}

/* ---- frames ------------------------------------------------------------------------ */

/* The client address of page C, for the log. */
static const char *addr_of(const struct web_conn *c)
{
	return c->addr[0] ? c->addr + 1 : "an unknown address";
}

/* Closes page C with close CODE: what waits for it is freed, nothing more is handled. */
static void refuse(struct web_conn *c, int code)
{
	struct web_rt *rt = c->ch->rt;

	if (c->refused)
		return;
	c->refused = 1;
	if (rt)
		rt->refused++;
	c->ch->host->ws_refuse(c->hc, code);
}

/*
 * Sends O (taken) to page C, unless more than TX_MAX bytes would wait for
 * it: a page that does not read is closed and what waits for it freed.
 */
static void send_json(struct web_conn *c, json_t *o)
{
	char *s = c->refused ? NULL : json_dumps(o, JSON_COMPACT);
	size_t queued;

	json_decref(o);
	if (!s)
		return;
	queued = c->ch->host->ws_queued(c->hc);
	if (queued + strlen(s) > TX_MAX) {
		log_warn("%s: a page of %s does not read (%zu bytes waiting); closing it",
		         c->ch->name, addr_of(c), queued);
		refuse(c, WS_POLICY);
	} else {
		c->ch->host->ws_send(c->hc, s);
	}
	free(s);
}

static void send_error(struct web_conn *c, const char *id, const char *message)
{
	json_t *o = json_pack("{s:s,s:s}", "type", "error", "message", message);

	if (id)
		json_object_set_new(o, "id", json_string(id));
	send_json(c, o);
}

/* ---- history and delivery ------------------------------------------------------------- */

static int history_line(const char *from, const char *text, const char *buttons,
                        const char *line_id, int64_t at, void *ud)
{
	json_t *arr = ud, *o, *b;

	o = json_pack("{s:s,s:s,s:I}", "from", from, "text", text, "at", (json_int_t)at);
	if (buttons && buttons[0] && (b = json_loads(buttons, 0, NULL)) != NULL)
		json_object_set_new(o, "buttons", b);
	if (line_id && line_id[0])
		json_object_set_new(o, "id", json_string(line_id));
	json_array_append_new(arr, o);
	return 0;
}

static int web_chat_open(struct chan *ch, const char *chat)
{
	const struct web_rt *rt = ch->rt;
	const struct web_person *p;

	if (!chat)
		return rt && rt->nconns > 0;
	p = person_find(rt, chat);

	return p && p->pages;
}

static void web_deliver(struct chan *ch, const char *chat, const char *payload, int64_t at)
{
	const struct web_person *who = person_find(ch->rt, chat);
	json_t *p, *msg, *buttons;
	const char *text;
	struct web_conn *c;

	if (!who || !who->pages)
		return;
	p = json_loads(payload, 0, NULL);
	text = json_string_value(json_object_get(p, "text"));
	buttons = json_object_get(p, "buttons"); /* borrowed */
	for (c = who->pages; c; c = c->vnext) {
		msg = json_pack("{s:s,s:s,s:I}", "type", "message", "text", text ? text : "", "at",
		                (json_int_t)at);
		json_object_set_new(msg, "buttons", buttons ? json_incref(buttons) : json_array());
		send_json(c, msg);
	}
	json_decref(p);
}

/* Keeps the newest lines of HISTORY that fit in HISTORY_BYTES (as sent); the oldest go. */
static void history_cap(json_t *history)
{
	size_t i = json_array_size(history), total = 0, n;
	char *s;

	while (i > 0) {
		s = json_dumps(json_array_get(history, i - 1), JSON_COMPACT);
		n = s ? strlen(s) + 1 : 0;
		free(s);
		if (!n || total + n > HISTORY_BYTES)
			break;
		total += n;
		i--;
	}
	while (i-- > 0)
		json_array_remove(history, 0);
}

static void welcome(struct web_conn *c, const struct adapter_person *staff)
{
	struct chan *ch = c->ch;
	const struct web_conf *w = ch->conf;
	json_t *o, *history = json_array();
	const char *title;

	if (ch->host->history(ch, c->user, HISTORY, history_line, history) < 0)
		log_warn("%s: history unavailable", ch->name);
	history_cap(history);
	/* The configured page title names the centre; the community's name otherwise. */
	title = w && w->title && *w->title ? w->title : ch->host->centre_name(ch);
	o = json_pack("{s:s,s:{s:s,s:s},s:s,s:o}", "type", "welcome", "who", "kind",
	              staff ? "staff" : "resident", "name", staff ? staff->name : "", "title",
	              title ? title : "", "history", history);
	send_json(c, o);
	c->greeted = 1;
	c->vnext = c->who->pages;
	c->who->pages = c;
	/* Notices that waited for this visitor arrive now, after the history. */
	ch->host->deliver_now(ch, c->user);
}

/* ---- messages from the page ----------------------------------------------------------------- */

static void on_hello(struct web_conn *c, json_t *o)
{
	json_t *jstaff = json_object_get(o, "staff"); /* borrowed */
	const char *staff = json_string_value(jstaff);
	const char *lang = json_string_value(json_object_get(o, "lang"));
	struct adapter_person s;
	int is_staff = 0;

	/* The history goes once per page: a repeated hello must not queue it again. */
	if (c->greeted) {
		send_error(c, NULL, "already connected");
		return;
	}
	if (staff && *staff) {
		/* Every byte of the token counts; the host slows an address that guesses. */
		int rc = c->ch->host->staff_by_token(c->ch, c->hc, staff,
		                                     json_string_length(jstaff), &s);

		if (rc != 1) {
			send_error(c, NULL,
			           rc < 0 ? "too many wrong staff links from here; wait"
			                  : "this staff link is not valid");
			return;
		}
		is_staff = 1;
		snprintf(c->user, sizeof(c->user), "staff:%s", s.id);
		log_info("%s: staff %s connected", c->ch->name, s.id);
	} else if (strcmp(c->visitor, "anonymous") == 0) {
		/* No cookie: someone who did not load the page. Staff links still work. */
		send_error(c, NULL, "open the chat page first (no visitor cookie)");
		return;
	} else {
		snprintf(c->user, sizeof(c->user), "%s", c->visitor);
	}
	/* The browser's language: the bot answers in it until the visitor says otherwise. */
	if (lang && (strncmp(lang, "zh", 2) == 0 || strncmp(lang, "en", 2) == 0))
		snprintf(c->lang, sizeof(c->lang), "%.2s", lang);
	c->who = person_get(c->ch->rt, c->user);
	if (!c->who) {
		send_error(c, NULL, "out of memory");
		return;
	}
	welcome(c, is_staff ? &s : NULL);
}

/*
 * Counts one frame of P (a person, or an address) at NOW; 0 when more than
 * MAX came in SAY_WINDOW seconds, however many pages they have open.
 */
static int pace_ok(struct web_person *p, int64_t now, int max)
{
	if (now - p->window >= SAY_WINDOW) {
		p->window = now;
		p->count = 0;
	}
	if (p->count <= max)
		p->count++;
	return p->count <= max;
}

/* The "id" of frame DATA (LEN bytes) into OUT, or "" (for the notice of a dropped frame). */
static void frame_id(const char *data, size_t len, char *out, size_t outlen)
{
	json_t *o = json_loadb(data, len, 0, NULL);
	const char *id = json_string_value(json_object_get(o, "id"));

	snprintf(out, outlen, "%s", id && strlen(id) <= 64 ? id : "");
	json_decref(o);
}

/*
 * Counts frame DATA of page C against its visitor's pace and its address's.
 * 1: it may be handled. 0: it is dropped; the first of a flood on this page
 * is answered with a notice, and a page that goes on is closed.
 */
static int frame_paced(struct web_conn *c, const char *data, size_t len)
{
	struct web_rt *rt = c->ch->rt;
	const struct web_conf *w = c->ch->conf;
	const char *visitor = c->greeted                             ? c->user
	                      : strcmp(c->visitor, "anonymous") != 0 ? c->visitor
	                                                             : NULL;
	int pace = w ? w->address_pace : ADDRESS_PACE;
	struct web_person *p;
	int64_t now = clock_now();
	char id[72];

	/* The visitor's budget first: one visitor's flood does not spend their neighbours'. */
	p = visitor ? person_get(rt, visitor) : NULL;
	if ((!p || pace_ok(p, now, SAY_MAX)) &&
	    (pace <= 0 || !c->addr[0] || !(p = person_get(rt, c->addr)) || pace_ok(p, now, pace)))
		return 1;
	rt->dropped++;
	if (now - c->flood_at >= SAY_WINDOW) {
		/* A person types a few lines a minute; a script typing faster is told once. */
		c->flood_at = now;
		c->flood_drops = 0;
		log_warn("%s: %s (%s) writes too fast; its messages are dropped for a while",
		         c->ch->name, visitor ? visitor : "a page", addr_of(c));
		frame_id(data, len, id, sizeof(id));
		send_error(c, id[0] ? id : NULL, "too many messages, please wait a moment");
	} else if (++c->flood_drops >= FLOOD_CLOSE) {
		log_warn("%s: %s (%s) goes on flooding; closing the page", c->ch->name,
		         visitor ? visitor : "a page", addr_of(c));
		refuse(c, WS_POLICY);
	}
	return 0;
}

/*
 * What a line and a photo from the page share: the page said hello, the
 * visitor is not writing too fast, the line's ID and FIELDS_OK (its own
 * fields are sane). Then a new inbound from this page's person, or NULL
 * once the page has been told why not.
 */
static struct inbound *line_new(struct web_conn *c, const char *id, int fields_ok)
{
	struct inbound *in;
	char key[192];

	if (!c->greeted) {
		send_error(c, id, "say hello first");
		return NULL;
	}
	if (!id || !*id || strlen(id) > 64 || !fields_ok) {
		send_error(c, id, "message not understood");
		return NULL;
	}
	in = inbound_new(c->ch->name);
	if (!in) {
		send_error(c, id, "out of memory");
		return NULL;
	}
	/* The page repeats a message it got no ack for: the same id is stored once. */
	snprintf(key, sizeof(key), "%s:%s", c->user, id);
	in->id = strdup(key);
	in->chat = strdup(c->user);
	in->user = strdup(c->user);
	in->lang = c->lang[0] ? strdup(c->lang) : NULL;
	in->record = strdup(id);
	return in;
}

/* Hands IN (from line_new) to the host, unless a copy failed (OK 0: one of the caller's). */
static void line_submit(struct web_conn *c, const char *id, struct inbound *in, int ok)
{
	if (!ok || !in->id || !in->chat || !in->user || !in->text || !in->record) {
		inbound_free(in);
		send_error(c, id, "out of memory");
		return;
	}
	c->ch->host->submit(c->ch, in);
}

static void on_say(struct web_conn *c, json_t *o)
{
	const char *id = json_string_value(json_object_get(o, "id"));
	const char *text = json_string_value(json_object_get(o, "text"));
	const char *data = json_string_value(json_object_get(o, "data"));
	struct inbound *in;

	in = line_new(c, id, text && strlen(text) <= 4000 && (!data || strlen(data) <= 256));
	if (!in || !text) { /* (no text: refused by line_new) */
		inbound_free(in);
		return;
	}
	in->text = strdup(text);
	in->callback = data && *data ? strdup(data) : NULL;
	line_submit(c, id, in, 1);
}

/*
 * Base64 (a data: URL's prefix allowed) into *OUT (malloc'd), *LEN bytes. 0,
 * 1 when it would be over MAX bytes, -1 when it is not base64.
 */
static int decode_photo(const char *b64, size_t max, unsigned char **out, size_t *len)
{
	const char *comma = strncmp(b64, "data:", 5) == 0 ? strchr(b64, ',') : NULL;
	size_t n, pad = 0;
	int got;

	*out = NULL;
	*len = 0;
	if (comma)
		b64 = comma + 1;
	n = strlen(b64);
	if (n == 0 || n % 4 != 0)
		return -1;
	if (n / 4 * 3 > max + 2)
		return 1;
	while (pad < 2 && b64[n - 1 - pad] == '=')
		pad++;
	*out = malloc(n / 4 * 3 + 1);
	if (!*out)
		return -1;
	got = EVP_DecodeBlock(*out, (const unsigned char *)b64, (int)n);
	if (got < 0 || (size_t)got < pad) {
		free(*out);
		*out = NULL;
		return -1;
	}
	*len = (size_t)got - pad;
	if (*len > max) {
		free(*out);
		*out = NULL;
		*len = 0;
		return 1;
	}
	return 0;
}

/*
 * A photo from the page. Its bytes go to the core, which judges what they
 * are (never by MIME or name); over the cap, the core says so.
 */
static void on_photo(struct web_conn *c, json_t *o)
{
	const char *id = json_string_value(json_object_get(o, "id"));
	const char *mime = json_string_value(json_object_get(o, "mime"));
	const char *data = json_string_value(json_object_get(o, "data"));
	struct inbound *in;
	int rc;

	in = line_new(c, id, data && (!mime || strlen(mime) <= 100));
	if (!in || !data) { /* (no data: refused by line_new) */
		inbound_free(in);
		return;
	}
	rc = decode_photo(data, PHOTO_MAX_BYTES, &in->att_data, &in->att_len);
	if (rc < 0) {
		inbound_free(in);
		send_error(c, id, "photo not understood (expected base64)");
		return;
	}
	in->att_too_big = rc > 0;
	in->text = strdup("");
	in->att_kind = strdup("photo");
	line_submit(c, id, in, in->att_kind != NULL);
}

/* After a commit: tell each open page of the sender whether its line is stored. */
static void web_committed(struct chan *ch, const struct inbound *in)
{
	const struct web_person *who;
	struct web_conn *c;

	if (!in->record || !in->user || !(who = person_find(ch->rt, in->user)))
		return;
	for (c = who->pages; c; c = c->vnext) {
		if (in->failed)
			send_error(c, in->record, "not saved, please try again");
		else
			send_json(c, json_pack("{s:s,s:s}", "type", "ack", "id", in->record));
	}
}

/* ---- the websocket ------------------------------------------------------------------------ */

/* Same-origin check: a page from elsewhere must not speak for our visitor. */
static int origin_ok(const struct http_req *req)
{
	char origin[512], host[512];
	const char *o;

	int n = req->header(req, "origin:", origin, sizeof(origin));

	if (n == -1)
		return 1; /* not a browser */
	if (n < 0)
		return 0; /* a header that does not fit is refused, never taken for a missing one */
	if (req->header(req, "host:", host, sizeof(host)) <= 0)
		return 0;
	o = strstr(origin, "://");
	return o && strcmp(o + 3, host) == 0;
}

/*
 * ADDR (an address as text) as the key of its pace into OUT: "@" and an
 * IPv4 address, or an IPv6 one's /64 (one subscriber's whole network). 0, or
 * -1 when ADDR is not an address.
 */
static int address_key(const char *addr, char *out, size_t len)
{
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN];

	if (inet_pton(AF_INET, addr, a) == 1 && inet_ntop(AF_INET, a, text, sizeof(text))) {
		snprintf(out, len, "@%s", text);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, a) == 1) {
		memset(a + 8, 0, 8);
		if (inet_ntop(AF_INET6, a, text, sizeof(text))) {
			snprintf(out, len, "@%s/64", text);
			return 0;
		}
	}
	return -1;
}

/*
 * The client's address for its pace: the socket's peer, or, when that is on
 * loopback (a reverse proxy on this machine), the address the proxy says it
 * forwards (X-Real-IP, else the last of X-Forwarded-For). "" when none.
 */
static void client_address(struct chan *ch, struct host_conn *hc, const struct http_req *req,
                           char *out, size_t len)
{
	char peer[INET6_ADDRSTRLEN + 8], fwd[512];
	const char *last;
	size_t n;

	out[0] = '\0';
	if (ch->host->ws_peer(hc, peer, sizeof(peer)) < 0 || address_key(peer, out, len) < 0)
		return;
	if (strncmp(peer, "127.", 4) != 0 && strcmp(peer, "::1") != 0)
		return;
	if (req->header(req, "x-real-ip:", fwd, sizeof(fwd)) <= 0 &&
	    req->header(req, "x-forwarded-for:", fwd, sizeof(fwd)) <= 0)
		return;
	last = strrchr(fwd, ',');
	last = last ? last + 1 : fwd;
	while (*last == ' ' || *last == '\t')
		last++;
	n = strcspn(last, " \t");
	if (n < sizeof(peer)) {
		memcpy(peer, last, n);
		peer[n] = '\0';
		(void)address_key(peer, out, len); /* not an address: the peer's stays */
	}
}

static int web_ws_open(struct chan *ch, struct host_conn *hc, const struct http_req *req,
                       void **conn)
{
	struct web_rt *rt = rt_of(ch);
	struct web_conn *c;
	char token[40];

	if (!rt)
		return -1;
	if (!origin_ok(req)) {
		log_warn("%s: websocket from another origin refused", ch->name);
		return -1;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	c->ch = ch;
	c->hc = hc;
	if (cookie_token(req, token, sizeof(token)) == 0)
		visitor_id(token, c->visitor, sizeof(c->visitor));
	else
		snprintf(c->visitor, sizeof(c->visitor), "anonymous");
	client_address(ch, hc, req, c->addr, sizeof(c->addr));
	c->next = rt->conns;
	rt->conns = c;
	rt->nconns++;
	*conn = c;
	return 0;
}

static void web_ws_message(struct chan *ch, struct host_conn *hc, void *conn, const char *data,
                           size_t len)
{
	struct web_conn *c = conn;
	json_t *o;
	const char *type;

	if (c->refused)
		return; /* on its way out */
	if (ch->host->ws_binary(hc)) {
		log_warn("%s: a binary frame from %s; closing the page", ch->name, addr_of(c));
		refuse(c, WS_UNSUPPORTED);
		return;
	}
	if (!frame_paced(c, data, len))
		return;
	o = json_loadb(data, len, 0, NULL);
	type = json_string_value(json_object_get(o, "type"));
	if (!type)
		send_error(c, NULL, "expected a JSON object with a type");
	else if (len > RX_MAX && strcmp(type, "photo") != 0)
		send_error(c, NULL, "message too large"); /* only a photo is that long */
	else if (strcmp(type, "hello") == 0)
		on_hello(c, o);
	else if (strcmp(type, "say") == 0)
		on_say(c, o);
	else if (strcmp(type, "photo") == 0)
		on_photo(c, o);
	else
		send_error(c, NULL, "unknown message type");
	json_decref(o);
}

static void web_ws_too_big(struct chan *ch, struct host_conn *hc, void *conn)
{
	struct web_conn *c = conn;

	(void)hc;
	if (c->refused)
		return;
	log_warn("%s: a frame over %u bytes from %s; closing the page", ch->name, (unsigned)WS_MAX,
	         addr_of(c));
	refuse(c, WS_TOO_BIG);
}

static void web_ws_closed(struct chan *ch, struct host_conn *hc, void *conn)
{
	struct web_rt *rt = ch->rt;
	struct web_conn *c = conn, **pp;

	(void)hc;
	if (!c)
		return; /* refused at the handshake */
	for (pp = rt ? &rt->conns : NULL; pp && *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			rt->nconns--;
			break;
		}
	/* The person stays a while: their pace outlives the page. */
	for (pp = c->who ? &c->who->pages : NULL; pp && *pp; pp = &(*pp)->vnext)
		if (*pp == c) {
			*pp = c->vnext;
			break;
		}
	free(c);
}

const struct adapter adapter_web = {
        .name = "web",
        .paces_itself = 1,
        .config = web_config,
        .config_free = web_config_free,
        .staff_reachable = web_staff_reachable,
        .start = web_start,
        .stop = web_stop,
        .banner = web_banner,
        .health = web_health,
        .routes = {{.path = "/", .methods = ROUTE_GET | ROUTE_POST, .handle = web_page}},
        .ws =
                {
                        .path = "/ws/chat",
                        .max_message = WS_MAX,
                        .open = web_ws_open,
                        .message = web_ws_message,
                        .too_big = web_ws_too_big,
                        .closed = web_ws_closed,
                },
        .committed = web_committed,
        .transcript = 1,
        .chat_open = web_chat_open,
        .deliver = web_deliver,
};
