/*
 * state.c - the engine's memory between messages and the answer it gives for
 * one message: struct dlg_state to and from JSON (what the store keeps in a
 * session row), and building a struct dlg_result's replies and buttons; see
 * engine.h.
 *
 * The state JSON is read leniently: a missing or mistyped field reads as
 * empty or 0, and strings are cut to their field on a character boundary,
 * so a session row written by another version still loads rather than
 * leaving a resident stuck mid-conversation.
 */
#include "dialogs/engine.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

/* ---- state ------------------------------------------------------------------------ */

void dlg_state_init(struct dlg_state *st, int lang)
{
	memset(st, 0, sizeof(*st));
	st->lang = lang;
}

void dlg_state_release(struct dlg_state *st)
{
	free(st->suspended);
	st->suspended = NULL;
}

char *dlg_state_to_json(const struct dlg_state *st)
{
	json_t *o = json_object(), *back = json_array();
	char *s = NULL;
	int i;

	if (!o || !back)
		goto out;
	for (i = 0; i < st->nback; i++)
		json_array_append_new(back, json_string(st->back[i]));
	json_object_set_new(o, "flow", json_string(st->flow));
	json_object_set_new(o, "step", json_string(st->step));
	json_object_set_new(o, "lang", json_string(dlg_lang_code(st->lang)));
	json_object_set_new(o, "tries", json_integer(st->tries));
	json_object_set_new(o, "category", json_string(st->category));
	json_object_set_new(o, "category_fixed", json_integer(st->category_fixed));
	json_object_set_new(o, "item", json_string(st->item));
	json_object_set_new(o, "description", json_string(st->description));
	json_object_set_new(o, "room", json_string(st->room));
	json_object_set_new(o, "name", json_string(st->name));
	json_object_set_new(o, "phone", json_string(st->phone));
	json_object_set_new(o, "time", json_string(st->time));
	json_object_set_new(o, "time_at", json_integer(st->time_at));
	if (st->time_end)
		json_object_set_new(o, "time_end", json_integer(st->time_end));
	if (st->urgent[0])
		json_object_set_new(o, "urgent", json_string(st->urgent));
	if (st->desk[0])
		json_object_set_new(o, "desk", json_string(st->desk));
	if (st->nmore) {
		json_t *more = json_array();

		for (i = 0; more && i < st->nmore; i++)
			json_array_append_new(more, json_string(st->more[i]));
		json_object_set_new(o, "more", more); /* steals */
	}
	json_object_set_new(o, "saved_used", json_integer(st->saved_used));
	json_object_set_new(o, "order", json_string(st->order));
	json_object_set(o, "back", back);
	if (st->suspended)
		json_object_set_new(o, "suspended", json_string(st->suspended));
	s = json_dumps(o, JSON_COMPACT);
out:
	json_decref(back);
	json_decref(o);
	return s;
}

static void get_str(json_t *o, const char *key, char *dst, size_t len)
{
	buf_copy(dst, len, json_string_value(json_object_get(o, key))); /* borrowed */
}

int dlg_state_from_json(const char *json, struct dlg_state *st)
{
	json_t *o, *back, *v;
	size_t i;

	dlg_state_init(st, DLG_ZH);
	o = json ? json_loads(json, 0, NULL) : NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		return -1;
	}
	get_str(o, "flow", st->flow, sizeof(st->flow));
	get_str(o, "step", st->step, sizeof(st->step));
	st->lang = dlg_lang_from_hint(json_string_value(json_object_get(o, "lang")), DLG_ZH);
	st->tries = (int)json_integer_value(json_object_get(o, "tries"));
	get_str(o, "category", st->category, sizeof(st->category));
	st->category_fixed = json_integer_value(json_object_get(o, "category_fixed")) != 0;
	get_str(o, "item", st->item, sizeof(st->item));
	get_str(o, "description", st->description, sizeof(st->description));
	get_str(o, "room", st->room, sizeof(st->room));
	get_str(o, "name", st->name, sizeof(st->name));
	get_str(o, "phone", st->phone, sizeof(st->phone));
	get_str(o, "time", st->time, sizeof(st->time));
	st->time_at = json_integer_value(json_object_get(o, "time_at"));
	st->time_end = json_integer_value(json_object_get(o, "time_end"));
	get_str(o, "urgent", st->urgent, sizeof(st->urgent));
	get_str(o, "desk", st->desk, sizeof(st->desk));
	json_array_foreach(json_object_get(o, "more"), i, v)
	{
		if (st->nmore < DLG_MAX_MORE && json_is_string(v))
			buf_copy(st->more[st->nmore++], sizeof(st->more[0]), json_string_value(v));
	}
	st->saved_used = (int)json_integer_value(json_object_get(o, "saved_used"));
	get_str(o, "order", st->order, sizeof(st->order));
	back = json_object_get(o, "back");
	json_array_foreach(back, i, v)
	{
		if (st->nback < DLG_MAX_BACK)
			buf_copy(st->back[st->nback++], sizeof(st->back[0]), json_string_value(v));
	}
	v = json_object_get(o, "suspended");
	if (json_is_string(v))
		st->suspended = strdup(json_string_value(v));
	json_decref(o);
	return 0;
}

/* ---- results ---------------------------------------------------------------------- */

void dlg_result_init(struct dlg_result *r)
{
	memset(r, 0, sizeof(*r));
}

void dlg_result_release(struct dlg_result *r)
{
	int i, j;

	for (i = 0; i < r->nreplies; i++) {
		free(r->replies[i].text);
		for (j = 0; j < r->replies[i].nbuttons; j++) {
			free(r->replies[i].buttons[j].label);
			free(r->replies[i].buttons[j].data);
		}
	}
	free(r->comment);
	dlg_result_init(r);
}

struct dlg_reply *dlg_result_reply(struct dlg_result *r, const char *text)
{
	struct dlg_reply *rep;

	if (r->nreplies >= DLG_MAX_REPLIES)
		return NULL;
	rep = &r->replies[r->nreplies];
	memset(rep, 0, sizeof(*rep));
	rep->text = strdup(text ? text : "");
	if (!rep->text)
		return NULL;
	r->nreplies++;
	return rep;
}

int dlg_reply_button(struct dlg_reply *rep, const char *label, const char *data)
{
	if (!rep || rep->nbuttons >= MSG_MAX_BUTTONS)
		return -1;
	rep->buttons[rep->nbuttons].label = strdup(label);
	rep->buttons[rep->nbuttons].data = strdup(data);
	if (!rep->buttons[rep->nbuttons].label || !rep->buttons[rep->nbuttons].data) {
		free(rep->buttons[rep->nbuttons].label);
		free(rep->buttons[rep->nbuttons].data);
		return -1;
	}
	rep->nbuttons++;
	return 0;
}
