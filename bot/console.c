/*
 * console.c - the staff console at /console: its page, logging in and out,
 * the sessions, the live order board's websocket, and the gate in front of
 * the API under /api (console_api.c), which the page itself uses, and of an
 * order's printable forms and photos (console_files.c).
 *
 * Logging in trades a staff member's personal token (staff[].token in the
 * configuration) for a session: a random 32-byte ID from OpenSSL's RNG in
 * an HttpOnly, SameSite=Strict cookie, kept here in memory with its expiry
 * (a restart logs everyone out) and a CSRF token of its own that the page
 * must send back in X-CSRF-Token with every state-changing request. Tools
 * use the API with the same personal tokens as bearer tokens
 * (Authorization: Bearer TOKEN), without cookies and so without CSRF. Every
 * token and session ID is compared over its full length in constant time
 * (lib/secret.h); wrong tokens - at the login, as bearer tokens and on the
 * web chat's staff links - are counted per client address, and after a few
 * the address waits longer and longer before it may try again (lib/guard.h).
 *
 * The board: after each commit that created or changed orders (a batch of
 * inbound messages, an action from a console, the timers, a desk at a
 * terminal, seen within a second) the open boards get
 * {"type":"changed","orders":[numbers]}, each only the orders its staff
 * member may see, and fetch them again through the API.
 */
#include "bot/console_internal.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "adapters/web_assets.h"
#include "bot/config.h"
#include "bot/sender.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/guard.h"
#include "lib/secret.h"

#define COOKIE          "cc_console"
#define CSRF_HEADER     "x-csrf-token:"
#define SESSIONS        128
#define SESSION_IDLE    (8 * 3600)  /* seconds without a request */
#define SESSION_MAX_AGE (12 * 3600) /* a working day, whatever happens */
#define LOGIN_BODY_MAX  4096
#define TOKEN_MAX       256
#define WS_PATH         "/console/ws"
#define CHANGES_BATCH   500

static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "connect-src 'self' ws: wss:; img-src 'self' data:; "
                          "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

struct session {
	char id[65]; /* hex; "" for a free slot */
	char csrf[65];
	const struct cfg_staff *staff;
	int64_t created, expires;
};

/* An open board. */
struct board {
	struct board *next;
	struct http_pss *p;
	const struct cfg_staff *staff;
};

struct console {
	struct server *srv;
	struct session sessions[SESSIONS];
	struct guard *fails; /* wrong tokens, by client address */
	struct board *boards;
	int64_t seen; /* the last order event the boards were told about */
};

struct console *console_new(struct server *srv)
{
	struct console *con = calloc(1, sizeof(*con));

	if (!con)
		return NULL;
	con->srv = srv;
	con->fails = guard_new();
	if (!con->fails) {
		free(con);
		return NULL;
	}
	return con;
}

void console_free(struct console *con)
{
	struct board *b, *next;

	if (!con)
		return;
	for (b = con->boards; b; b = next) {
		next = b->next;
		free(b);
	}
	guard_free(con->fails);
	OPENSSL_cleanse(con->sessions, sizeof(con->sessions));
	free(con);
}

struct server *console_server(struct console *con)
{
	return con->srv;
}

int console_claims(const char *path)
{
	return strcmp(path, "/console") == 0 || strncmp(path, "/console/", 9) == 0 ||
	       strcmp(path, "/api") == 0 || strncmp(path, "/api/", 5) == 0;
}

/* ---- roles ------------------------------------------------------------------------ */

enum console_level console_level(const struct cfg_staff *s)
{
	if (strcmp(s->role, "manager") == 0)
		return LVL_MANAGER;
	if (strcmp(s->role, "supervisor") == 0)
		return LVL_SUPERVISOR;
	if (strcmp(s->role, "dispatcher") == 0)
		return LVL_DISPATCHER;
	return LVL_TECHNICIAN;
}

int console_sees_all(const struct cfg_staff *s)
{
	return console_level(s) >= LVL_DISPATCHER;
}

int console_may_see(const struct cfg_staff *s, const struct store_order *o)
{
	return console_sees_all(s) || strcmp(o->assignee, s->id) == 0;
}

/* ---- answers ---------------------------------------------------------------------- */

void console_json(struct http_pss *p, int status, json_t *o)
{
	/* Numbers as the command line writes them (0.6667, not 0.66669999999999996). */
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;

	json_decref(o);
	if (s)
		http_answer_text(&p->ans, status, "application/json", s);
	else
		http_answer_error(&p->ans, 500, "out of memory");
	free(s);
	server_respond(p);
}

void console_error(struct http_pss *p, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	http_answer_error(&p->ans, status, msg);
	server_respond(p);
}

/* ---- the request -------------------------------------------------------------------- */

/* "GET", "POST", "PUT", ... as the client said it. */
static const char *method_of(struct lws *wsi)
{
	static const struct {
		enum lws_token_indexes tok;
		const char *name;
	} uris[] = {{WSI_TOKEN_GET_URI, "GET"},        {WSI_TOKEN_POST_URI, "POST"},
	            {WSI_TOKEN_HEAD_URI, "HEAD"},      {WSI_TOKEN_PUT_URI, "PUT"},
	            {WSI_TOKEN_PATCH_URI, "PATCH"},    {WSI_TOKEN_DELETE_URI, "DELETE"},
	            {WSI_TOKEN_OPTIONS_URI, "OPTIONS"}};
	static char h2[16];
	size_t i;

	for (i = 0; i < sizeof(uris) / sizeof(uris[0]); i++)
		if (lws_hdr_total_length(wsi, uris[i].tok) > 0)
			return uris[i].name;
#if defined(LWS_ROLE_H2)
	/* Only read on this thread, before the next request. */
	if (lws_hdr_copy(wsi, h2, sizeof(h2), WSI_TOKEN_HTTP_COLON_METHOD) > 0)
		return h2;
#endif
	return "GET";
}

int console_query(struct http_pss *p, int (*fn)(const char *name, const char *value, void *ud),
                  void *ud)
{
	char frag[600];
	char *eq;
	int i, n, rc;

	for (i = 0;; i++) {
		n = lws_hdr_copy_fragment(p->wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i);
		if (n < 0)
			/* no such fragment, or one longer than FRAG */
			return lws_hdr_fragment_length(p->wsi, WSI_TOKEN_HTTP_URI_ARGS, i) > 0 ? -1
			                                                                       : 0;
		/* An empty query ("?") reads as one fragment "/" in libwebsockets 4.1. */
		if (!n || strcmp(frag, "/") == 0)
			continue;
		eq = strchr(frag, '=');
		if (eq)
			*eq++ = '\0';
		rc = fn(frag, eq ? eq : "", ud);
		if (rc)
			return rc;
	}
}

static long content_length(struct lws *wsi)
{
	char v[32];

	if (lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
		return 0;
	return strtol(v, NULL, 10);
}

/*
 * The client's address, the key of its wrong tokens: an IPv4 address, or an
 * IPv6 client's /64 (one subscriber has a whole /64 to pick addresses from).
 */
static void client_addr(struct lws *wsi, char *out, size_t len)
{
	char peer[64] = "", net[INET6_ADDRSTRLEN];
	unsigned char a6[16];

	/* An HTTP/2 stream's peer is its connection's. */
	if (wsi)
		lws_get_peer_simple(lws_get_network_wsi(wsi), peer, sizeof(peer));
	if (strncmp(peer, "::ffff:", 7) == 0 && strchr(peer, '.')) {
		snprintf(out, len, "%s", peer + 7);
	} else if (strchr(peer, ':') && inet_pton(AF_INET6, peer, a6) == 1) {
		memset(a6 + 8, 0, 8);
		if (!inet_ntop(AF_INET6, a6, net, sizeof(net)))
			snprintf(net, sizeof(net), "-");
		snprintf(out, len, "%s/64", net);
	} else {
		snprintf(out, len, "%s", peer[0] ? peer : "-");
	}
}

int console_token(struct console *con, struct lws *wsi, const char *token, size_t len,
                  const char *via, const struct cfg_staff **out, int64_t *wait_ms)
{
	const struct cfg *cfg = con->srv->cfg;
	const struct cfg_staff *found = NULL;
	int64_t now = clock_mono_ms(), wait;
	char addr[64];
	size_t i;
	int fails;

	*out = NULL;
	*wait_ms = 0;
	client_addr(wsi, addr, sizeof(addr));
	wait = guard_wait(con->fails, addr, now);
	if (wait > 0) {
		long n = guard_refused(con->fails, addr, now);

		*wait_ms = wait;
		/* The first refusal of each wait is logged, then one in a thousand: no flood. */
		if (n == 1 || n % 1000 == 0)
			log_warn("login: %s token from %s refused unread (%ld): wait %lld s", via,
			         addr, n, (long long)((wait + 999) / 1000));
		return -1;
	}
	/* Every token is compared, each over its full length, whichever matches. */
	for (i = 0; i < cfg->nstaff; i++) {
		const char *t = cfg->staff[i].token;

		if (t && secret_equal(t, strlen(t), token, len))
			found = &cfg->staff[i];
	}
	if (found) {
		/* A login is logged; a bearer token comes with every API call, and is not. */
		if (strcmp(via, "API") != 0)
			log_info("login: %s logged in by %s from %s", found->id, via, addr);
		*out = found;
		return 1;
	}
	fails = guard_fail(con->fails, addr, now);
	*wait_ms = guard_wait(con->fails, addr, now);
	log_warn("login: wrong %s token%s from %s (%d wrong from there%s)", via,
	         secret_clean(token, len) ? "" : " with a control byte", addr, fails,
	         *wait_ms ? ", now shut out for a while" : "");
	return 0;
}

/* Answers a refused token: 401, or 429 with how long to wait. */
static void token_refused(struct http_pss *p, int rc, int64_t wait_ms)
{
	if (rc < 0)
		console_error(p, 429, "too many wrong tokens from here; wait %lld s",
		              (long long)((wait_ms + 999) / 1000));
	else
		console_error(p, 401, "unknown token");
}

const char *console_lang(struct http_pss *p)
{
	char al[256] = "";
	const char *zh, *en;

	lws_hdr_copy(p->wsi, al, sizeof(al), WSI_TOKEN_HTTP_ACCEPT_LANGUAGE);
	zh = strstr(al, "zh");
	en = strstr(al, "en");
	if (zh && (!en || zh < en))
		return "zh";
	return en ? "en" : NULL;
}

/* The language of the page by default: the browser's first of zh and en, else the centre's. */
static const char *page_lang(struct console *con, struct http_pss *p)
{
	const char *lang = console_lang(p);

	if (lang)
		return lang;
	return strncmp(con->srv->cfg->locale, "en", 2) == 0 ? "en" : "zh";
}

/* ---- sessions ------------------------------------------------------------------------ */

static int random_hex(char *out, size_t bytes)
{
	unsigned char raw[32];
	size_t i;

	if (bytes > sizeof(raw) || RAND_bytes(raw, (int)bytes) != 1)
		return -1;
	for (i = 0; i < bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

static struct session *session_new(struct console *con, const struct cfg_staff *staff, int64_t now)
{
	struct session *s = NULL;
	size_t i;

	/* A free or expired slot, else the session that would expire first. */
	for (i = 0; i < SESSIONS; i++) {
		struct session *t = &con->sessions[i];

		if (!t->id[0] || t->expires <= now) {
			s = t;
			break;
		}
		if (!s || t->expires < s->expires)
			s = t;
	}
	memset(s, 0, sizeof(*s));
	if (random_hex(s->id, 32) < 0 || random_hex(s->csrf, 32) < 0) {
		memset(s, 0, sizeof(*s));
		return NULL;
	}
	s->staff = staff;
	s->created = now;
	s->expires = now + SESSION_IDLE;
	return s;
}

/* The live session whose ID is the request's cookie, its idle time renewed; or NULL. */
static struct session *session_of(struct console *con, struct lws *wsi, int64_t now)
{
	char id[80];
	size_t max = sizeof(id);
	struct session *found = NULL;
	size_t i;

	if (lws_http_cookie_get(wsi, COOKIE, id, &max) != 0 || max != 64)
		return NULL;
	id[64] = '\0';
	for (i = 0; i < SESSIONS; i++) {
		struct session *s = &con->sessions[i];

		if (s->id[0] && secret_equal(s->id, 64, id, max))
			found = s;
	}
	if (!found || found->expires <= now) {
		if (found)
			memset(found, 0, sizeof(*found));
		return NULL;
	}
	found->expires = now + SESSION_IDLE;
	if (found->expires > found->created + SESSION_MAX_AGE)
		found->expires = found->created + SESSION_MAX_AGE;
	return found;
}

static void set_cookie(struct http_pss *p, const char *value, long max_age, int tls)
{
	snprintf(p->ans.set_cookie, sizeof(p->ans.set_cookie),
	         COOKIE "=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Strict%s", value, max_age,
	         tls ? "; Secure" : "");
}

/* The CSRF header of a state-changing request matches the session's. */
static int csrf_ok(struct lws *wsi, const struct session *s)
{
	char got[80] = "";
	int total = lws_hdr_custom_length(wsi, CSRF_HEADER, (int)strlen(CSRF_HEADER));
	int n;

	/* The header's real length: a value cut short at a NUL is not the token. */
	if (total != 64)
		return 0;
	n = lws_hdr_custom_copy(wsi, got, sizeof(got), CSRF_HEADER, (int)strlen(CSRF_HEADER));
	return n == total && secret_equal(got, (size_t)n, s->csrf, 64);
}

static json_t *who_json(const struct cfg_staff *s)
{
	return json_pack("{s:s,s:s,s:s}", "id", s->id, "name", s->name, "role", s->role);
}

/* ---- the page ---------------------------------------------------------------------------- */

/*
 * The files of web/ compiled into the program (scripts/embed.sh); the table
 * is named after the folder, which the web chat shares, not after a channel.
 */
#define PAGE_FILES web_assets /* layers: ok */

static void serve_asset(struct http_pss *p, const char *name)
{
	size_t i;

	for (i = 0; PAGE_FILES[i].path; i++)
		if (strcmp(PAGE_FILES[i].path, name) == 0)
			break;
	if (!PAGE_FILES[i].path) {
		console_error(p, 404, "not found");
		return;
	}
	p->ans.status = 200;
	p->ans.ctype = PAGE_FILES[i].type;
	p->ans.static_body = PAGE_FILES[i].data;
	p->ans.len = PAGE_FILES[i].len;
	p->ans.csp = csp;
	server_respond(p);
}

/* ---- logging in and out ------------------------------------------------------------------- */

static void login(struct console *con, struct http_pss *p)
{
	json_error_t jerr;
	json_t *body, *token;
	const struct cfg_staff *staff;
	struct session *s;
	int64_t now = clock_now(), wait;
	int rc;

	body = json_loadb(buf_str(&p->body), p->body.len, 0, &jerr);
	token = json_object_get(body, "token"); /* borrowed */
	if (!body || !json_is_string(token) || !json_string_length(token) ||
	    json_string_length(token) > TOKEN_MAX) {
		json_decref(body);
		console_error(p, 400, "expected {\"token\": \"your personal token\"}");
		return;
	}
	rc = console_token(con, p->wsi, json_string_value(token), json_string_length(token),
	                   "console", &staff, &wait);
	json_decref(body);
	if (rc != 1) {
		token_refused(p, rc, wait);
		return;
	}
	s = session_new(con, staff, now);
	if (!s) {
		console_error(p, 500, "no random numbers for a session");
		return;
	}
	set_cookie(p, s->id, SESSION_IDLE, con->srv->tls);
	console_json(p, 200,
	             json_pack("{s:b,s:o,s:s,s:s}", "ok", 1, "staff", who_json(staff), "csrf",
	                       s->csrf, "lang", page_lang(con, p)));
}

static void logout(struct console *con, struct http_pss *p)
{
	struct session *s = session_of(con, p->wsi, clock_now());

	if (s && !csrf_ok(p->wsi, s)) {
		console_error(p, 403, "missing or wrong X-CSRF-Token");
		return;
	}
	if (s) {
		log_info("console: %s logged out", s->staff->id);
		OPENSSL_cleanse(s, sizeof(*s));
	}
	set_cookie(p, "", 0, con->srv->tls);
	console_json(p, 200, json_pack("{s:b}", "ok", 1));
}

/* GET /console/session: who is logged in (and the CSRF token the page needs), or 401. */
static void session_info(struct console *con, struct http_pss *p)
{
	struct session *s = session_of(con, p->wsi, clock_now());
	const char *lang = page_lang(con, p);

	if (!s) {
		console_json(p, 401,
		             json_pack("{s:b,s:s,s:s}", "ok", 0, "error", "not logged in", "lang",
		                       lang));
		return;
	}
	console_json(p, 200,
	             json_pack("{s:b,s:o,s:s,s:s}", "ok", 1, "staff", who_json(s->staff), "csrf",
	                       s->csrf, "lang", lang));
}

/*
 * Who the request is from: a bearer token, else the session cookie (and
 * then, for anything but GET, the CSRF header). 0, or -1 when refused (P
 * answered).
 */
static int authenticate(struct console *con, struct http_pss *p, const char *method)
{
	char auth[TOKEN_MAX + 16];
	struct session *s;
	int64_t wait;
	int n, total, rc;

	total = lws_hdr_total_length(p->wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
	if (total > 0) {
		n = total < (int)sizeof(auth)
		            ? lws_hdr_copy(p->wsi, auth, sizeof(auth), WSI_TOKEN_HTTP_AUTHORIZATION)
		            : -1;
		/* The value's real length, every byte printable: nothing cut at a NUL. */
		if (n != total || !secret_clean(auth, (size_t)n)) {
			OPENSSL_cleanse(auth, sizeof(auth));
			log_warn("console: an Authorization header too long or with a control byte "
			         "refused");
			console_error(p, 400, "bad Authorization header");
			return -1;
		}
		if (n <= 7 || strncasecmp(auth, "Bearer ", 7) != 0) {
			console_error(p, 401, "expected Authorization: Bearer TOKEN");
			return -1;
		}
		rc = console_token(con, p->wsi, auth + 7, (size_t)n - 7, "API", &p->staff, &wait);
		OPENSSL_cleanse(auth, sizeof(auth));
		if (rc != 1) {
			token_refused(p, rc, wait);
			return -1;
		}
		return 0;
	}
	s = session_of(con, p->wsi, clock_now());
	if (!s) {
		console_error(
		        p, 401,
		        "log in first: Authorization: Bearer TOKEN, or the console's session");
		return -1;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 && !csrf_ok(p->wsi, s)) {
		console_error(p, 403, "missing or wrong X-CSRF-Token");
		return -1;
	}
	p->staff = s->staff;
	p->by_session = 1;
	return 0;
}

/* ---- routes --------------------------------------------------------------------------------- */

/*
 * PATH as /console/orders/NUMBER/REST: NUMBER into NUMBER (LEN bytes) and
 * *REST pointing at "/REST" in PATH. 1, or 0 for another path.
 */
static int order_path(const char *path, char *number, size_t len, const char **rest)
{
	const char *n = path + strlen("/console/orders/");
	size_t k;

	if (strncmp(path, "/console/orders/", 16) != 0)
		return 0;
	k = strcspn(n, "/");
	if (!k || k >= len || !n[k])
		return 0;
	snprintf(number, len, "%.*s", (int)k, n);
	*rest = n + k;
	return 1;
}

/* Requests whose body is to be read: wait for it (or say it is too large now). */
static void want_body(struct console *con, struct http_pss *p, size_t max)
{
	long n = content_length(p->wsi);

	if (n > (long)max) {
		console_error(p, 413, "body too large (at most %zu bytes)", max);
		return;
	}
	if (lws_hdr_total_length(p->wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0 && n <= 0) {
		console_error(p, 411, "send the body with a Content-Length");
		return;
	}
	p->console = 1;
	p->body_max = max;
	if (n <= 0)
		console_body(con, p); /* nothing will come: go on now */
}

void console_http(struct console *con, struct http_pss *p, const char *path)
{
	const char *method = method_of(p->wsi);
	int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	int post = strcmp(method, "POST") == 0;
	const char *rest;
	char number[32];

	p->console = 1;
	if (strncmp(path, "/api", 4) == 0) {
		if (!get && !post) {
			console_error(p, 405, "method %s not allowed", method);
			return;
		}
		if (authenticate(con, p, method) < 0)
			return;
		if (post)
			want_body(con, p, CONSOLE_BODY_MAX);
		else
			console_api(con, p, method, path);
		return;
	}
	if (strcmp(path, "/console/login") == 0 || strcmp(path, "/console/logout") == 0) {
		if (!post)
			console_error(p, 405, "use POST");
		else
			want_body(con, p, LOGIN_BODY_MAX);
		return;
	}
	if (!get) {
		console_error(p, 405, "use GET");
		return;
	}
	if (strcmp(path, "/console") == 0 || strcmp(path, "/console/") == 0)
		serve_asset(p, "/console.html");
	else if (strcmp(path, "/console/console.js") == 0)
		serve_asset(p, "/console.js");
	else if (strcmp(path, "/console/console.css") == 0)
		serve_asset(p, "/console.css");
	else if (strcmp(path, "/console/session") == 0)
		session_info(con, p);
	else if (strcmp(path, WS_PATH) == 0)
		console_error(p, 400, "a websocket: connect with Upgrade: websocket");
	else if (!order_path(path, number, sizeof(number), &rest))
		console_error(p, 404, "not found");
	else if (authenticate(con, p, method) == 0)
		console_order_file(con, p, number, rest);
}

void console_body(struct console *con, struct http_pss *p)
{
	if (strcmp(p->path, "/console/login") == 0)
		login(con, p);
	else if (strcmp(p->path, "/console/logout") == 0)
		logout(con, p);
	else
		console_api(con, p, "POST", p->path);
}

void console_after_change(struct console *con)
{
	server_deliver(con->srv);
	if (con->srv->sender)
		sender_kick(con->srv->sender);
	console_changed(con);
}

/* ---- the live board -------------------------------------------------------------------------- */

/* Same origin: a page from elsewhere must not open a board with our cookie. */
static int origin_ok(struct lws *wsi)
{
	char origin[512], host[512];
	const char *o;

	if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0)
		return 1; /* not a browser */
	if (lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) <= 0 ||
	    lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) <= 0)
		return 0;
	o = strstr(origin, "://");
	return o && strcmp(o + 3, host) == 0;
}

int console_ws_open(struct console *con, struct http_pss *p)
{
	struct session *s;
	struct board *b;
	char uri[64];

	if (lws_hdr_copy(p->wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0 ||
	    strcmp(uri, WS_PATH) != 0)
		return -1;
	if (!origin_ok(p->wsi)) {
		log_warn("console: a board from another origin refused");
		return -1;
	}
	s = session_of(con, p->wsi, clock_now());
	if (!s)
		return -1;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -1;
	/* The first board starts from now: what happened before, it loads itself. */
	if (!con->boards && store_events_last(con->srv->store, &con->seen) < 0)
		log_warn("console: %s", store_errmsg(con->srv->store));
	b->p = p;
	b->staff = s->staff;
	b->next = con->boards;
	con->boards = b;
	p->staff = s->staff;
	server_ws_send(p, "{\"type\":\"hello\"}");
	return 0;
}

void console_ws_closed(struct console *con, struct http_pss *p)
{
	struct board **bp, *b;

	for (bp = &con->boards; *bp; bp = &(*bp)->next) {
		if ((*bp)->p == p) {
			b = *bp;
			*bp = b->next;
			free(b);
			return;
		}
	}
}

struct changes {
	struct console *con;
	json_t **lists; /* one array per board, in the order of con->boards */
	int64_t last;
	int n;
};

static int add_change(int64_t event_id, const char *number, const char *assignee, void *ud)
{
	struct changes *c = ud;
	struct board *b;
	size_t i, k;

	c->last = event_id;
	c->n++;
	for (b = c->con->boards, k = 0; b; b = b->next, k++) {
		if (!console_sees_all(b->staff) && strcmp(assignee, b->staff->id) != 0)
			continue;
		for (i = 0; i < json_array_size(c->lists[k]); i++)
			if (strcmp(json_string_value(json_array_get(c->lists[k], i)), number) == 0)
				break;
		if (i == json_array_size(c->lists[k]))
			json_array_append_new(c->lists[k], json_string(number));
	}
	return 0;
}

void console_changed(struct console *con)
{
	struct changes c;
	struct board *b;
	size_t k, nb = 0;
	char *s;

	if (!con || !con->boards)
		return;
	for (b = con->boards; b; b = b->next)
		nb++;
	memset(&c, 0, sizeof(c));
	c.con = con;
	c.last = con->seen;
	c.lists = calloc(nb, sizeof(json_t *));
	if (!c.lists)
		return;
	for (k = 0; k < nb; k++)
		c.lists[k] = json_array();
	do {
		c.n = 0;
		if (store_events_after(con->srv->store, c.last, CHANGES_BATCH, add_change, &c) <
		    0) {
			log_warn("console: changes not read: %s", store_errmsg(con->srv->store));
			break;
		}
	} while (c.n == CHANGES_BATCH);
	con->seen = c.last;
	for (b = con->boards, k = 0; b; b = b->next, k++) {
		if (json_array_size(c.lists[k])) {
			json_t *o = json_pack("{s:s,s:O}", "type", "changed", "orders", c.lists[k]);

			s = o ? json_dumps(o, JSON_COMPACT) : NULL;
			if (s)
				server_ws_send(b->p, s);
			free(s);
			json_decref(o);
		}
		json_decref(c.lists[k]);
	}
	free(c.lists);
}
