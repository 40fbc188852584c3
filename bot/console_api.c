/*
 * console_api.c - the API under /api, for tools (bearer tokens) and for the
 * console's own page (its session): the register with filters and pages,
 * one order with its history and the chat with its resident, desk intake,
 * the report and who is asking. Actions on an order are console_actions.c's.
 * Every answer is JSON; an error is {"ok":false,"error":"..."} with 400,
 * 401, 403, 404, 405, 409 or 413.
 */
#include "bot/console_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bot/config.h"
#include "bot/core.h"
#include "bot/report.h"
#include "bot/report_figures.h"
#include "dialogs/validate.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "store/store_privacy.h"

#define PAGE_DEFAULT 50
#define DESK_MAX     2000
#define CHAT_LINES   200

static const char *const statuses[] = {
        "pending", "assigned", "scheduled", "in_progress", "awaiting_acceptance",
        "closed",  "rework",   "cancelled", "declined",    NULL};
static const char *const categories[] = {"repair",  "cleaning",  "errand",
                                         "inquiry", "complaint", NULL};

static int one_of(const char *s, const char *const *list)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

/* ---- small parsers ----------------------------------------------------------------------- */

static int parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (!*s || !isdigit((unsigned char)*s))
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int community_known(const struct cfg *cfg, const char *id)
{
	size_t i;

	for (i = 0; i < cfg->ncommunities; i++)
		if (strcmp(cfg->communities[i].id, id) == 0)
			return 1;
	return 0;
}

/* ---- GET /api/orders --------------------------------------------------------------------- */

struct list_args {
	const struct cfg *cfg;
	struct store_order_query q;
	char status[24], category[16], community[64], assignee[72], from[16], to[16];
	char err[200];
	int bad;
};

static int list_arg(const char *name, const char *value, void *ud)
{
	struct list_args *a = ud;
	long v;

	if (strcmp(name, "status") == 0) {
		if (strcmp(value, "open") != 0 && !one_of(value, statuses))
			snprintf(a->err, sizeof(a->err),
			         "status: expected open or one of pending, assigned, scheduled, "
			         "in_progress, awaiting_acceptance, closed, rework, cancelled, "
			         "declined");
		snprintf(a->status, sizeof(a->status), "%s", value);
		a->q.status = a->status;
	} else if (strcmp(name, "category") == 0) {
		if (!one_of(value, categories))
			snprintf(a->err, sizeof(a->err),
			         "category: expected repair, cleaning, errand, inquiry or "
			         "complaint");
		snprintf(a->category, sizeof(a->category), "%s", value);
		a->q.category = a->category;
	} else if (strcmp(name, "community") == 0) {
		if (!community_known(a->cfg, value))
			snprintf(a->err, sizeof(a->err), "community: no community %.60s", value);
		snprintf(a->community, sizeof(a->community), "%s", value);
		a->q.community = a->community;
	} else if (strcmp(name, "assignee") == 0) {
		/* "none": orders nobody holds. */
		if (strcmp(value, "none") != 0 && !cfg_staff_find(a->cfg, value))
			snprintf(a->err, sizeof(a->err), "assignee: no staff member %.60s", value);
		snprintf(a->assignee, sizeof(a->assignee), "%s",
		         strcmp(value, "none") ? value : "");
		a->q.assignee = a->assignee;
	} else if (strcmp(name, "from") == 0 || strcmp(name, "to") == 0) {
		int64_t t;

		/* Days as the report reads them (local midnight; "to" takes the whole day). */
		if (report_parse_day(value, &t) < 0)
			snprintf(a->err, sizeof(a->err), "%s: expected a date YYYY-MM-DD", name);
		else if (name[0] == 'f')
			a->q.from = t;
		else
			a->q.to = report_next_day(t);
		snprintf(name[0] == 'f' ? a->from : a->to, sizeof(a->from), "%s", value);
	} else if (strcmp(name, "limit") == 0) {
		if (parse_int(value, 1, STORE_QUERY_MAX, &v) < 0)
			snprintf(a->err, sizeof(a->err), "limit: expected 1-%d", STORE_QUERY_MAX);
		else
			a->q.limit = (int)v;
	} else if (strcmp(name, "offset") == 0) {
		if (parse_int(value, 0, 1000000000L, &v) < 0)
			snprintf(a->err, sizeof(a->err), "offset: expected a number from 0");
		else
			a->q.offset = (int)v;
	} else {
		snprintf(
		        a->err, sizeof(a->err),
		        "unknown parameter %.40s (status, category, community, assignee, from, to, "
		        "limit, offset)",
		        name);
	}
	return a->err[0] ? 1 : 0;
}

struct list_out {
	struct store *store;
	json_t *orders;
};

/*
 * A list shows the phone masked (138****8000): the whole number only in one
 * order's view, which is recorded (concierge audit) before it is shown, so a
 * page of fifty orders cannot hand out fifty numbers unrecorded.
 */
static int list_one(const struct store_order *o, void *ud)
{
	struct list_out *l = ud;
	json_t *j = report_order_json(l->store, o, 0);
	char masked[32];

	if (j && o->phone[0]) {
		dlg_mask_phone(o->phone, masked, sizeof(masked));
		json_object_set_new(j, "phone", json_string(masked));
	}
	json_array_append_new(l->orders, j);
	return 0;
}

static void list_orders(struct console *con, struct http_pss *p)
{
	struct server *srv = console_server(con);
	struct list_args a;
	struct list_out l;
	int64_t total = 0;
	int rc;

	memset(&a, 0, sizeof(a));
	a.cfg = srv->cfg;
	a.q.limit = PAGE_DEFAULT;
	rc = console_query(p, list_arg, &a);
	if (rc < 0) {
		console_error(p, 400, "a query parameter is too long");
		return;
	}
	if (a.err[0]) {
		console_error(p, 400, "%s", a.err);
		return;
	}
	if (a.q.from && a.q.to && a.q.to <= a.q.from) {
		console_error(p, 400, "to: before from");
		return;
	}
	/* A technician's register is the orders they hold. */
	if (!console_sees_all(p->staff)) {
		if (a.q.assignee && strcmp(a.q.assignee, p->staff->id) != 0) {
			console_error(p, 403, "technicians see their own orders only");
			return;
		}
		a.q.assignee = p->staff->id;
	}
	l.store = srv->store;
	l.orders = json_array();
	if (store_orders_query(srv->store, &a.q, list_one, &l, &total) < 0) {
		json_decref(l.orders);
		console_error(p, 500, "the register could not be read: %s",
		              store_errmsg(srv->store));
		return;
	}
	console_json(p, 200,
	             json_pack("{s:b,s:I,s:i,s:i,s:o}", "ok", 1, "total", (json_int_t)total,
	                       "offset", a.q.offset, "limit", a.q.limit, "orders", l.orders));
}

/* ---- GET /api/orders/N ------------------------------------------------------------------- */

/* Order NUMBER (as typed) for P->staff: 1 loaded, 0 answered (404, 403), <0 answered (500). */
int console_load_order(struct console *con, struct http_pss *p, const char *number,
                       struct store_order *o)
{
	struct store *st = console_server(con)->store;
	char norm[64];
	int rc;

	core_norm_number(number, norm, sizeof(norm));
	rc = strlen(number) < 32 ? store_order_get(st, norm, o) : 0;
	if (rc < 0) {
		console_error(p, 500, "the register could not be read: %s", store_errmsg(st));
		return -1;
	}
	if (rc == 0) {
		console_error(p, 404, "no order %.31s", number);
		return 0;
	}
	if (!console_may_see(p->staff, o)) {
		console_error(p, 403, "order %s is not yours", o->number);
		return 0;
	}
	return 1;
}

/* A line of the chat; "t" and "n" (its time and place in its source) order it, then go. */
static void add_line(json_t *arr, const char *from, const char *text, int64_t at)
{
	char when[40];

	report_time(at, when, sizeof(when));
	json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:I,s:I}", "from", from, "text", text,
	                                     "at", when, "t", (json_int_t)at, "n",
	                                     (json_int_t)json_array_size(arr)));
}

struct chat_ctx {
	json_t *lines;
	int64_t since;
};

static int transcript_line(const struct store_line *l, void *ud)
{
	struct chat_ctx *c = ud;

	if (l->at >= c->since)
		add_line(c->lines, strcmp(l->sender, "me") == 0 ? "resident" : "bot", l->text,
		         l->at);
	return 0;
}

static int sent_line(const struct store_outbox *m, void *ud)
{
	struct chat_ctx *c = ud;
	json_t *payload = json_loads(m->payload, 0, NULL);
	const char *text = json_string_value(json_object_get(payload, "text"));

	if (text)
		add_line(c->lines, "bot", text, m->created_at);
	json_decref(payload);
	return 0;
}

static int resident_said(const struct store_event *e, void *ud)
{
	struct chat_ctx *c = ud;

	if (strcmp(e->action, "message_from_resident") == 0)
		add_line(c->lines, "resident", e->detail, e->at);
	return 0;
}

static int by_time(const void *a, const void *b)
{
	json_t *const *l = a, *const *r = b;
	json_int_t x = json_integer_value(json_object_get(*l, "t"));
	json_int_t y = json_integer_value(json_object_get(*r, "t"));

	if (x == y) {
		x = json_integer_value(json_object_get(*l, "n"));
		y = json_integer_value(json_object_get(*r, "n"));
	}
	return x < y ? -1 : x > y;
}

/*
 * The conversation with O's resident from its intake on: the channel's
 * transcript where it keeps one (the web chat); elsewhere what the bot sent
 * to that chat and what the resident wrote about the order.
 */
static json_t *order_chat(struct server *srv, const struct store_order *o)
{
	const struct chan *ch = o->channel[0] ? cfg_chan(srv->cfg, o->channel) : NULL;
	struct chat_ctx c;
	json_t **items;
	size_t i, n;
	int rc;

	c.lines = json_array();
	c.since = o->created_at - (int64_t)srv->cfg->session_minutes * 60;
	if (!o->chat[0])
		return c.lines;
	if (ch && ch->a->transcript) {
		rc = store_transcript_list(srv->store, o->channel, o->chat, CHAT_LINES,
		                           transcript_line, &c);
	} else {
		rc = store_outbox_to_chat(srv->store, o->channel, o->chat, c.since, CHAT_LINES,
		                          sent_line, &c);
		if (rc == 0)
			rc = store_events_list(srv->store, o->id, resident_said, &c);
	}
	if (rc < 0)
		log_warn("console: the chat of %s could not be read: %s", o->number,
		         store_errmsg(srv->store));
	/* In time order (the two sources interleave); stable for equal times. */
	n = json_array_size(c.lines);
	items = n ? calloc(n, sizeof(json_t *)) : NULL;
	if (items) {
		json_t *sorted = json_array();

		for (i = 0; i < n; i++)
			items[i] = json_array_get(c.lines, i);
		qsort(items, n, sizeof(json_t *), by_time);
		for (i = 0; i < n; i++) {
			json_object_del(items[i], "t");
			json_object_del(items[i], "n");
			json_array_append(sorted, items[i]);
		}
		free(items);
		json_decref(c.lines);
		c.lines = sorted;
	}
	return c.lines;
}

json_t *console_order_json(struct server *srv, const struct cfg_staff *s,
                           const struct store_order *o)
{
	json_t *j = report_order_json(srv->store, o, 1), *photo;
	char url[160];
	size_t i;

	/* Where the console shows a photo, rather than where the server keeps it. */
	json_array_foreach(json_object_get(j, "photos"), i, photo)
	{
		snprintf(url, sizeof(url), "/console/orders/%s/photos/%s", o->number,
		         json_string_value(json_object_get(photo, "hash")));
		json_object_del(photo, "path");
		json_object_set_new(photo, "url", json_string(url));
	}
	json_object_set_new(j, "actions", console_actions_json(s, o));
	return j;
}

int console_view_record(struct console *con, struct http_pss *p, const char *what,
                        const char *subject)
{
	struct store *st = console_server(con)->store;

	if (store_view_add(st, clock_now(), p->staff->id, p->by_session ? "console" : "api", what,
	                   subject) == 0)
		return 0;
	log_warn("console: the view of %s %s by %s could not be recorded: %s", what, subject,
	         p->staff->id, store_errmsg(st));
	console_error(p, 503, "the view could not be recorded; try again");
	return -1;
}

static void show_order(struct console *con, struct http_pss *p, const char *number)
{
	struct server *srv = console_server(con);
	struct store_order o;

	if (console_load_order(con, p, number, &o) <= 0 ||
	    console_view_record(con, p, "order", o.number) < 0)
		return;
	console_json(p, 200,
	             json_pack("{s:b,s:o,s:o}", "ok", 1, "order",
	                       console_order_json(srv, p->staff, &o), "chat", order_chat(srv, &o)));
}

json_t *console_body_json(struct http_pss *p)
{
	json_error_t jerr;
	json_t *body;

	if (!p->body.len) {
		console_error(p, 400, "expected a JSON object in the body");
		return NULL;
	}
	body = json_loadb(buf_str(&p->body), p->body.len, 0, &jerr);
	if (!body) {
		console_error(p, 400, "body: invalid JSON at line %d, column %d: %s", jerr.line,
		              jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(body)) {
		json_decref(body);
		console_error(p, 400, "expected a JSON object in the body");
		return NULL;
	}
	return body;
}

/* ---- POST /api/orders: desk intake ------------------------------------------------------- */

static void desk_intake(struct console *con, struct http_pss *p)
{
	static const char *const fields[] = {"community", "room", "name",   "phone",
	                                     "text",      "when", "source", NULL};
	struct server *srv = console_server(con);
	struct desk_request r;
	const char *vals[7];
	char number[32] = "", err[300] = "";
	struct store_order o;
	const char *key;
	json_t *body, *v;
	int i, rc;

	if (console_level(p->staff) < LVL_DISPATCHER) {
		console_error(p, 403, "a %s may not take down requests at the desk",
		              p->staff->role);
		return;
	}
	body = console_body_json(p);
	if (!body)
		return;
	json_object_foreach(body, key, v)
	{
		if (!one_of(key, fields) || !json_is_string(v) ||
		    json_string_length(v) > DESK_MAX) {
			console_error(p, 400, "%s: %s", key,
			              !one_of(key, fields)
			                      ? "unknown field (community, room, name, "
			                        "phone, text, when, source)"
			              : !json_is_string(v) ? "expected a string"
			                                   : "too long");
			json_decref(body);
			return;
		}
	}
	for (i = 0; fields[i]; i++)
		vals[i] = json_string_value(json_object_get(body, fields[i]));
	if (vals[0] && !community_known(srv->cfg, vals[0])) {
		console_error(p, 400, "community: no community %.60s", vals[0]);
		json_decref(body);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.community = vals[0];
	r.room = vals[1];
	r.name = vals[2];
	r.phone = vals[3];
	r.text = vals[4];
	r.when = vals[5];
	r.source = vals[6] ? vals[6] : "phone";
	if (store_begin(srv->store) < 0) {
		json_decref(body);
		console_error(p, 503, "the register is busy; please retry");
		return;
	}
	rc = core_desk_order(srv->core, p->staff->id, &r, clock_now(), number, sizeof(number), err,
	                     sizeof(err));
	json_decref(body);
	if (rc != 0 || store_commit(srv->store) < 0) {
		if (rc <= 0)
			log_warn("console: desk order not stored: %s", store_errmsg(srv->store));
		store_rollback(srv->store);
		if (rc > 0)
			console_error(p, 400, "%s", err);
		else
			console_error(p, 500, "could not store the order; please retry");
		return;
	}
	log_info("console: desk order %s by %s", number, p->staff->id);
	console_after_change(con);
	rc = store_order_get(srv->store, number, &o);
	if (rc <= 0) {
		console_json(p, 201, json_pack("{s:b,s:s}", "ok", 1, "number", number));
		return;
	}
	console_json(p, 201,
	             json_pack("{s:b,s:s,s:o}", "ok", 1, "number", number, "order",
	                       console_order_json(srv, p->staff, &o)));
}

/* ---- GET /api/report --------------------------------------------------------------------- */

/* The words of a report's query, as the command line's options take them. */
struct report_args {
	char from[16], to[16], community[64], by[16];
	char err[200];
};

static int report_arg(const char *name, const char *value, void *ud)
{
	struct report_args *a = ud;
	char *dst = a->from;
	size_t len = sizeof(a->from); /* from, to and by alike */

	if (strcmp(name, "to") == 0) {
		dst = a->to;
	} else if (strcmp(name, "by") == 0) {
		dst = a->by;
	} else if (strcmp(name, "community") == 0) {
		dst = a->community;
		len = sizeof(a->community);
	} else if (strcmp(name, "from") != 0) {
		snprintf(a->err, sizeof(a->err),
		         "unknown parameter %.40s (from, to, community, by)", name);
		return 1;
	}
	if (strlen(value) >= len) {
		snprintf(a->err, sizeof(a->err), "%s: too long", name);
		return 1;
	}
	snprintf(dst, len, "%s", value);
	return 0;
}

/*
 * The figures of `concierge report --json` for the same words: report_build()
 * itself, so the console, the API and the command line never disagree.
 */
static void report(struct console *con, struct http_pss *p)
{
	struct server *srv = console_server(con);
	struct report_query q;
	struct report_args a;
	char err[300];
	json_t *r;

	if (console_level(p->staff) < LVL_SUPERVISOR) {
		console_error(p, 403, "the report is for supervisors and the manager");
		return;
	}
	memset(&a, 0, sizeof(a));
	if (console_query(p, report_arg, &a) < 0) {
		console_error(p, 400, "a query parameter is too long");
		return;
	}
	if (a.err[0]) {
		console_error(p, 400, "%s", a.err);
		return;
	}
	if (report_query_parse(srv->cfg, &q, a.from, a.to, a.community, a.by, err, sizeof(err)) <
	    0) {
		console_error(p, 400, "%s", err);
		return;
	}
	r = report_build(srv->store, srv->cfg, &q, err, sizeof(err));
	if (!r) {
		console_error(p, 500, "the report could not be made: %s", err);
		return;
	}
	console_json(p, 200, json_pack("{s:b,s:o}", "ok", 1, "report", r));
}

/* ---- GET /api/me ------------------------------------------------------------------------- */

static void me(struct console *con, struct http_pss *p)
{
	const struct cfg *cfg = console_server(con)->cfg;
	json_t *team = json_array(), *communities = json_array(), *skills;
	enum console_level lvl = console_level(p->staff);
	size_t i, j;

	for (i = 0; i < cfg->nstaff; i++) {
		skills = json_array();
		for (j = 0; j < cfg->staff[i].nskills; j++)
			json_array_append_new(skills, json_string(cfg->staff[i].skills[j]));
		json_array_append_new(team, json_pack("{s:s,s:s,s:s,s:o}", "id", cfg->staff[i].id,
		                                      "name", cfg->staff[i].name, "role",
		                                      cfg->staff[i].role, "skills", skills));
	}
	for (i = 0; i < cfg->ncommunities; i++)
		json_array_append_new(communities,
		                      json_pack("{s:s,s:s}", "id", cfg->communities[i].id, "name",
		                                cfg->communities[i].name ? cfg->communities[i].name
		                                                         : cfg->communities[i].id));
	console_json(p, 200,
	             json_pack("{s:b,s:{s:s,s:s,s:s},s:{s:b,s:b,s:b},s:o,s:o,s:o}", "ok", 1,
	                       "staff", "id", p->staff->id, "name", p->staff->name, "role",
	                       p->staff->role, "rights", "all_orders", lvl >= LVL_DISPATCHER,
	                       "desk", lvl >= LVL_DISPATCHER, "report", lvl >= LVL_SUPERVISOR,
	                       "actions", console_actions_json(p->staff, NULL), "team", team,
	                       "communities", communities));
}

/* ---- routes ------------------------------------------------------------------------------ */

void console_api(struct console *con, struct http_pss *p, const char *method, const char *path)
{
	int post = strcmp(method, "POST") == 0;
	const char *rest;
	char number[40];
	size_t n;

	if (strcmp(path, "/api/orders") == 0) {
		if (post)
			desk_intake(con, p);
		else
			list_orders(con, p);
		return;
	}
	if (strcmp(path, "/api/report") == 0 || strcmp(path, "/api/me") == 0) {
		if (post)
			console_error(p, 405, "use GET");
		else if (path[5] == 'r')
			report(con, p);
		else
			me(con, p);
		return;
	}
	if (strncmp(path, "/api/orders/", 12) != 0) {
		console_error(p, 404, "not found (see /api/orders, /api/report, /api/me)");
		return;
	}
	rest = path + 12;
	n = strcspn(rest, "/");
	if (!n || n >= sizeof(number)) {
		console_error(p, 404, "no order %.30s", rest);
		return;
	}
	snprintf(number, sizeof(number), "%.*s", (int)n, rest);
	if (!rest[n]) {
		if (post)
			console_error(p, 405, "use GET (actions: POST /api/orders/%s/actions)",
			              number);
		else
			show_order(con, p, number);
	} else if (strcmp(rest + n, "/actions") == 0) {
		if (post)
			console_order_action(con, p, number);
		else
			console_error(p, 405, "use POST");
	} else {
		console_error(p, 404, "not found");
	}
}
