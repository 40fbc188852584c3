/*
 * console_actions.c - POST /api/orders/N/actions: an action on an order,
 * from the console's page or a tool, and who may take which.
 *
 * An action is turned into the chat command it stands for ({"action":
 * "assign", "staff": "wang"} is "/assign N wang") and run by
 * core_staff_command() as the staff member, in a transaction of its own:
 * the same checks, history and notices as in chat. Its answer is in the
 * language the request asks for (Accept-Language: the console sends the
 * one its user chose), else the centre's. The role rules here come
 * first (console_internal.h); the command's own rules then apply as in chat.
 * Whether it did anything is read from the order's history: an action that
 * changed nothing (the order was closed, say) answers 409 with what the
 * staff member would have been told in chat.
 */
#include "bot/console_internal.h"

#include <stdio.h>
#include <string.h>

#include "bot/config.h"
#include "bot/core.h"
#include "lib/clock.h"
#include "lib/log.h"

#define TEXT_MAX 500 /* bytes of a text an action passes on: what an event keeps */

/* ---- actions and who may take them ------------------------------------------------------- */

/* An action of POST /api/orders/N/actions and the chat command it stands for. */
struct action {
	const char *name;
	const char *alias;      /* another name for it, or NULL */
	const char *command;    /* "/COMMAND N ARGS..." */
	const char *fields[2];  /* required string fields, in the command's order */
	const char *optional;   /* one optional field after them, or NULL */
	enum console_level any; /* the rank that may take it on any order */
	int own;                /* anyone may take it on an order they hold */
};

static const struct action actions[] = {
        {"assign", NULL, "assign", {"staff", NULL}, NULL, LVL_DISPATCHER, 0},
        {"accept", NULL, "accept", {NULL, NULL}, NULL, LVL_DISPATCHER, 0},
        {"visit_time", "eta", "eta", {"time", NULL}, NULL, LVL_DISPATCHER, 1},
        {"start", NULL, "start", {NULL, NULL}, NULL, LVL_MANAGER, 1},
        {"done", NULL, "done", {NULL, NULL}, "fee", LVL_MANAGER, 1},
        {"paid", NULL, "paid", {"receipt", NULL}, NULL, LVL_MANAGER, 1},
        {"reply", NULL, "reply", {"text", NULL}, NULL, LVL_DISPATCHER, 1},
        {"quote", NULL, "quote", {"fee", "reason"}, NULL, LVL_DISPATCHER, 1},
        {"cancel", NULL, "cancel", {"reason", NULL}, NULL, LVL_DISPATCHER, 1},
        {"resolve", "close_complaint", "resolve", {"text", NULL}, NULL, LVL_SUPERVISOR, 0},
        {"note", NULL, "note", {"text", NULL}, NULL, LVL_DISPATCHER, 1},
        {"photo", NULL, "photo", {NULL, NULL}, NULL, LVL_DISPATCHER, 1},
};
#define NACTIONS (sizeof(actions) / sizeof(actions[0]))

static const struct action *action_find(const char *name)
{
	size_t i;

	for (i = 0; i < NACTIONS; i++)
		if (strcmp(actions[i].name, name) == 0 ||
		    (actions[i].alias && strcmp(actions[i].alias, name) == 0))
			return &actions[i];
	return NULL;
}

/* S may take action A on O (NULL: on some order, e.g. one of their own). */
static int action_allowed(const struct cfg_staff *s, const struct action *a,
                          const struct store_order *o)
{
	if (console_level(s) >= a->any)
		return 1;
	return a->own && (!o || strcmp(o->assignee, s->id) == 0);
}

json_t *console_actions_json(const struct cfg_staff *s, const struct store_order *o)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < NACTIONS; i++) {
		/* A complaint is closed with its resolution; other orders with the work done. */
		int complaint = o && strcmp(o->category, "complaint") == 0;

		if (o &&
		    ((!strcmp(actions[i].name, "resolve") && !complaint) ||
		     (!strcmp(actions[i].name, "done") && complaint) ||
		     (!strcmp(actions[i].name, "accept") && strcmp(o->status, "pending") != 0)))
			continue;
		if (action_allowed(s, &actions[i], o))
			json_array_append_new(arr, json_string(actions[i].name));
	}
	return arr;
}

/* A staff ID as the configuration allows them: 1-64 of A-Za-z0-9_.- */
static int id_ok(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");

	return n > 0 && n <= 64 && !s[n];
}

/* ---- POST /api/orders/N/actions ---------------------------------------------------------- */

/* FIELD of BODY as command text into OUT: a string, or a number for a fee. 0, or -1 with ERR. */
static int field_text(json_t *body, const char *field, int last, char *out, size_t len, char *err,
                      size_t errlen)
{
	json_t *v = json_object_get(body, field); /* borrowed */
	const char *s;
	size_t n, i;

	if (json_is_number(v) && strcmp(field, "fee") == 0) {
		double d = json_number_value(v);

		if (d < 0 || d > 1e8) {
			snprintf(err, errlen, "fee: expected an amount in yuan");
			return -1;
		}
		snprintf(out, len, "%.2f", d);
		return 0;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s: expected a string", field);
		return -1;
	}
	s = json_string_value(v);
	while (*s == ' ' || *s == '\n' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (!n) {
		snprintf(err, errlen, "%s: empty", field);
		return -1;
	}
	if (n > TEXT_MAX || n >= len) {
		snprintf(err, errlen, "%s: at most %d bytes (about %d Chinese characters)", field,
		         TEXT_MAX, TEXT_MAX / 3);
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		/* Only the last argument of a command may have spaces: it takes the rest. */
		if ((!last && (ch == ' ' || ch == '\n' || ch == '\t')) ||
		    (ch < 0x20 && ch != '\n' && ch != '\t')) {
			snprintf(err, errlen, "%s: %s", field,
			         last ? "no control characters" : "one word, without spaces");
			return -1;
		}
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* The command text of action A on order NUMBER from BODY: 0, or -1 with ERR. */
static int action_command(const struct action *a, const char *number, json_t *body, char *cmd,
                          size_t len, char *err, size_t errlen)
{
	char arg[TEXT_MAX + 8];
	const char *key;
	json_t *v;
	int i, nfields = 0;
	size_t used;

	/* Every field must mean something: a typo is an error, not silently ignored. */
	json_object_foreach(body, key, v)
	{
		int known = strcmp(key, "action") == 0 ||
		            (a->optional && !strcmp(key, a->optional)) ||
		            (a->fields[0] && !strcmp(key, a->fields[0])) ||
		            (a->fields[1] && !strcmp(key, a->fields[1])) ||
		            (!strcmp(a->name, "assign") && !strcmp(key, "force"));

		if (!known) {
			snprintf(err, errlen, "%s: not a field of action %s", key, a->name);
			return -1;
		}
	}
	used = (size_t)snprintf(cmd, len, "/%s %s", a->command, number);
	for (i = 0; i < 2 && a->fields[i]; i++)
		nfields++;
	for (i = 0; i < nfields; i++) {
		/* A staff ID and an amount are one word, wherever they stand. */
		int last = i == nfields - 1 && !a->optional && strcmp(a->fields[i], "staff") != 0 &&
		           strcmp(a->fields[i], "fee") != 0;

		if (field_text(body, a->fields[i], last, arg, sizeof(arg), err, errlen) < 0)
			return -1;
		if (!strcmp(a->fields[i], "staff") && !id_ok(arg)) {
			snprintf(err, errlen, "staff: expected a staff ID");
			return -1;
		}
		used += (size_t)snprintf(cmd + used, len - used, " %s", arg);
	}
	if (a->optional && json_object_get(body, a->optional)) {
		if (field_text(body, a->optional, strcmp(a->optional, "fee") != 0, arg, sizeof(arg),
		               err, errlen) < 0)
			return -1;
		used += (size_t)snprintf(cmd + used, len - used, " %s", arg);
	}
	/* Someone without the item's skill: as "/assign N liu!" in chat. */
	v = json_object_get(body, "force");
	if (v && !json_is_boolean(v)) {
		snprintf(err, errlen, "force: expected true or false");
		return -1;
	}
	if (json_is_true(v) && used + 1 < len)
		cmd[used++] = '!', cmd[used] = '\0';
	return used < len ? 0 : -1;
}

/* Runs TEXT as P->staff on O in a transaction: answers P. */
static void run_action(struct console *con, struct http_pss *p, struct store_order *o,
                       const char *text)
{
	struct server *srv = console_server(con);
	struct store *st = srv->store;
	char reply[2048];
	int64_t before = 0, after = 0, now = clock_now();
	int rc;

	if (store_begin(st) < 0) {
		console_error(p, 503, "the register is busy; please retry: %s", store_errmsg(st));
		return;
	}
	rc = store_order_last_event(st, o->id, &before);
	if (rc == 0)
		rc = core_staff_command(srv->core, p->staff->id, console_lang(p), text, now, reply,
		                        sizeof(reply));
	if (rc >= 0 && store_order_last_event(st, o->id, &after) < 0)
		rc = -1;
	if (rc < 0 || store_commit(st) < 0) {
		log_warn("console: /%.*s by %s not stored: %s", (int)strcspn(text + 1, " "),
		         text + 1, p->staff->id, store_errmsg(st));
		store_rollback(st);
		console_error(p, 500, "could not store the change; please retry");
		return;
	}
	log_info("console: /%.*s on %s by %s", (int)strcspn(text + 1, " "), text + 1, o->number,
	         p->staff->id);
	if (after > before)
		console_after_change(con);
	if (store_order_get_id(st, o->id, o) < 0) {
		console_error(p, 500, "the register could not be read: %s", store_errmsg(st));
		return;
	}
	if (rc == 1)
		console_error(p, 400, "%s", reply);
	else if (after > before)
		console_json(p, 200,
		             json_pack("{s:b,s:s,s:o}", "ok", 1, "reply", reply, "order",
		                       console_order_json(srv, p->staff, o)));
	else
		console_json(p, 409,
		             json_pack("{s:b,s:s,s:s,s:o}", "ok", 0, "error", reply, "reply", reply,
		                       "order", console_order_json(srv, p->staff, o)));
}

void console_order_action(struct console *con, struct http_pss *p, const char *number)
{
	struct store_order o;
	const struct action *a;
	const char *name;
	char cmd[1200], err[200];
	json_t *body = console_body_json(p);

	if (!body)
		return;
	name = json_string_value(json_object_get(body, "action"));
	a = name ? action_find(name) : NULL;
	if (!a) {
		json_decref(body);
		console_error(
		        p, 400,
		        "action: expected one of assign, accept, visit_time, start, done, paid, "
		        "reply, quote, cancel, resolve, note, photo");
		return;
	}
	if (console_load_order(con, p, number, &o) <= 0) {
		json_decref(body);
		return;
	}
	if (!action_allowed(p->staff, a, &o)) {
		json_decref(body);
		console_error(p, 403, "a %s may not %s order %s", p->staff->role, a->name,
		              o.number);
		return;
	}
	if (action_command(a, o.number, body, cmd, sizeof(cmd), err, sizeof(err)) < 0) {
		json_decref(body);
		console_error(p, 400, "%s", err[0] ? err : "the command is too long");
		return;
	}
	json_decref(body);
	run_action(con, p, &o, cmd);
}
