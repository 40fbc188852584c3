/*
 * telegram.c - Telegram Bot API updates in, request bodies out, answers
 * classified; pure functions, see telegram.h.
 *
 * The one subtle part is that Telegram measures text in UTF-16 code units
 * while we hold UTF-8: entity offsets are turned into byte offsets with
 * tg_utf16_to_byte(), and long text is split for sending, in
 * telegram_text.c, never by byte arithmetic here.
 */
#include "adapters/telegram.h"
#include "adapters/telegram_text.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/photo.h"
#include "lib/secret.h"
#include "lib/utf8.h"

/* ---- small helpers ---- */

static void set_err(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* An ID given as a JSON integer (or, tolerated, a string) as a decimal string. */
static char *id_str(const json_t *v)
{
	if (json_is_integer(v)) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return strdup(buf);
	}
	if (json_is_string(v) && json_string_length(v) > 0)
		return strdup(json_string_value(v));
	return NULL;
}

static char *str_of(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

/* A decimal number that fits in json_int_t, so it can go out as a JSON integer. */
static int parse_int_id(const char *s, json_int_t *out)
{
	const char *p = s;
	char *end;
	long long v;

	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = (json_int_t)v;
	return 0;
}

static json_t *chat_id_json(const char *chat_id)
{
	json_int_t v;

	if (parse_int_id(chat_id, &v) == 0)
		return json_integer(v);
	return json_string(chat_id);
}

static char *dump_and_free(json_t *root)
{
	char *s = root ? json_dumps(root, JSON_COMPACT) : NULL;

	json_decref(root);
	return s;
}

/* ---- updates ---- */

void tg_update_release(struct tg_update *u)
{
	if (!u)
		return;
	free(u->update_id);
	free(u->chat_id);
	free(u->chat_type);
	free(u->message_id);
	free(u->from_id);
	free(u->from_first_name);
	free(u->from_last_name);
	free(u->from_name);
	free(u->from_username);
	free(u->language_code);
	free(u->text);
	free(u->text_clean);
	free(u->callback_id);
	free(u->callback_data);
	free(u->migrate_from_chat_id);
	free(u->migrate_to_chat_id);
	free(u->photo_file_id);
	memset(u, 0, sizeof(*u));
}

static int parse_from(const json_t *from, struct tg_update *u)
{
	const char *first, *last;
	size_t n;

	u->from_id = id_str(json_object_get(from, "id"));
	if (!u->from_id)
		return -1;
	u->from_first_name = str_of(from, "first_name");
	u->from_last_name = str_of(from, "last_name");
	u->from_username = str_of(from, "username");
	u->language_code = str_of(from, "language_code");
	first = u->from_first_name ? u->from_first_name : "";
	last = u->from_last_name ? u->from_last_name : "";
	n = strlen(first) + strlen(last) + 2;
	u->from_name = malloc(n);
	if (!u->from_name)
		return -1;
	snprintf(u->from_name, n, "%s%s%s", first, *first && *last ? " " : "", last);
	return 0;
}

static int parse_chat(const json_t *chat, struct tg_update *u)
{
	const json_t *type = json_object_get(chat, "type");

	u->chat_id = id_str(json_object_get(chat, "id"));
	if (!u->chat_id || !json_is_string(type))
		return -1;
	u->chat_type = strdup(json_string_value(type));
	if (!u->chat_type)
		return -1;
	u->is_group = !strcmp(u->chat_type, "group") || !strcmp(u->chat_type, "supergroup");
	return 0;
}

static int same_name(const char *s, size_t n, const char *name)
{
	return name && *name && strlen(name) == n && !strncasecmp(s, name, n);
}

/* Eat what follows a removed leading mention: "@Bot: text", "@Bot，文字". */
static size_t mention_tail(const char *s, size_t len)
{
	static const char *const punct[] = {":", ",", "：", "，"};
	size_t pos = 0, i, n;

	for (i = 0; i < sizeof(punct) / sizeof(punct[0]); i++) {
		n = strlen(punct[i]);
		if (len >= n && !memcmp(s, punct[i], n)) {
			pos = n;
			break;
		}
	}
	while (pos < len && (n = tg_space_at(s + pos, len - pos)))
		pos += n;
	return pos;
}

/*
 * Walk the entities: decide whether the message is addressed to the bot and
 * mark in drop[] the bytes that text_clean leaves out. Entities with offsets
 * outside the text are skipped rather than trusted.
 */
static int scan_entities(const json_t *entities, const char *text, size_t len, const char *botname,
                         const char *bot_id, unsigned char *drop)
{
	const json_t *e;
	size_t i, b0, b1, k;
	int addressed = 0;

	json_array_foreach(entities, i, e)
	{
		const char *type = json_string_value(json_object_get(e, "type"));
		const json_t *off = json_object_get(e, "offset"), *n = json_object_get(e, "length");
		json_int_t o, l;

		if (!type || !json_is_integer(off) || !json_is_integer(n))
			continue;
		o = json_integer_value(off);
		l = json_integer_value(n);
		if (o < 0 || l <= 0 || tg_utf16_to_byte(text, len, (size_t)o, &b0) < 0 ||
		    tg_utf16_to_byte(text, len, (size_t)(o + l), &b1) < 0)
			continue;
		if (!strcmp(type, "bot_command")) {
			const char *at = memchr(text + b0, '@', b1 - b0);

			if (!at) {
				addressed = 1;
			} else if (same_name(at + 1, (size_t)(text + b1 - at - 1), botname)) {
				addressed = 1;
				memset(drop + (at - text), 1, (size_t)(text + b1 - at));
			}
		} else if (!strcmp(type, "mention")) {
			if (text[b0] == '@' && same_name(text + b0 + 1, b1 - b0 - 1, botname)) {
				addressed = 1;
				k = b1 + mention_tail(text + b1, len - b1);
				memset(drop + b0, 1, k - b0);
			}
		} else if (!strcmp(type, "text_mention")) {
			char *uid = id_str(json_object_get(json_object_get(e, "user"), "id"));

			if (uid && bot_id && !strcmp(uid, bot_id)) {
				addressed = 1;
				k = b1 + mention_tail(text + b1, len - b1);
				memset(drop + b0, 1, k - b0);
			}
			free(uid);
		}
	}
	return addressed;
}

static char *clean_text(const char *text, size_t len, const unsigned char *drop)
{
	char *out = malloc(len + 1);
	size_t i, o = 0, start = 0, end, n;

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		if (!drop[i])
			out[o++] = text[i];
	}
	out[o] = '\0';
	while (start < o && (n = tg_space_at(out + start, o - start)))
		start += n;
	end = o;
	while (end > start) {
		size_t p = utf8_prev(out, end);

		if (!tg_space_at(out + p, end - p))
			break;
		end = p;
	}
	memmove(out, out + start, end - start);
	out[end - start] = '\0';
	return out;
}

static int replies_to_bot(const json_t *msg, const char *bot_id)
{
	const json_t *reply = json_object_get(msg, "reply_to_message");
	char *uid;
	int yes;

	/* in forum topics every message "replies" to the topic's opening */
	if (!bot_id || !json_is_object(reply) || json_object_get(reply, "forum_topic_created"))
		return 0;
	uid = id_str(json_object_get(json_object_get(reply, "from"), "id"));
	yes = uid && !strcmp(uid, bot_id);
	free(uid);
	return yes;
}

/*
 * A message's "photo": the sizes of one picture, smallest first. The largest
 * that fits under the cap is the one to fetch; a size that does not say how
 * big it is counts as fitting (the download is capped anyway).
 */
static int parse_photo(const json_t *sizes, struct tg_update *u)
{
	const char *best = NULL;
	json_int_t best_size = -1, size;
	const json_t *ps;
	size_t i;

	if (!json_is_array(sizes) || json_array_size(sizes) == 0)
		return 0;
	u->has_photo = 1;
	json_array_foreach(sizes, i, ps)
	{
		const char *id = json_string_value(json_object_get(ps, "file_id"));

		if (!id || !*id)
			continue;
		size = json_is_integer(json_object_get(ps, "file_size"))
		               ? json_integer_value(json_object_get(ps, "file_size"))
		               : 0;
		if (size > (json_int_t)PHOTO_MAX_BYTES)
			continue;
		if (size >= best_size) {
			best = id;
			best_size = size;
		}
	}
	if (!best) {
		u->photo_too_big = 1;
		return 0;
	}
	u->photo_file_id = strdup(best);
	return u->photo_file_id ? 0 : -1;
}

static int parse_message(const json_t *msg, const char *botname, const char *bot_id,
                         struct tg_update *u, char *err, size_t errlen)
{
	const json_t *from = json_object_get(msg, "from"), *v, *entities;
	unsigned char *drop = NULL;
	const char *text;
	size_t len;
	int ret = -1;

	if (!json_is_object(msg)) {
		set_err(err, errlen, "message: not an object");
		goto out;
	}
	if (!json_is_object(json_object_get(msg, "chat")) ||
	    parse_chat(json_object_get(msg, "chat"), u) < 0) {
		set_err(err, errlen, "message.chat: missing id or type");
		goto out;
	}
	u->message_id = id_str(json_object_get(msg, "message_id"));
	if (!u->message_id) {
		set_err(err, errlen, "message.message_id: missing");
		goto out;
	}
	if (json_is_object(from) && parse_from(from, u) < 0) {
		set_err(err, errlen, "message.from.id: missing");
		goto out;
	}

	/* the service message comes in the old group, its twin in the new one */
	if ((v = json_object_get(msg, "migrate_to_chat_id"))) {
		u->kind = TG_KIND_MIGRATE;
		u->migrate_from_chat_id = strdup(u->chat_id);
		u->migrate_to_chat_id = id_str(v);
	} else if ((v = json_object_get(msg, "migrate_from_chat_id"))) {
		u->kind = TG_KIND_MIGRATE;
		u->migrate_from_chat_id = id_str(v);
		u->migrate_to_chat_id = strdup(u->chat_id);
	}
	if (u->kind == TG_KIND_MIGRATE) {
		if (!u->migrate_from_chat_id || !u->migrate_to_chat_id) {
			set_err(err, errlen, "message.migrate_chat_id: not an ID");
			goto out;
		}
		ret = 0;
		goto out;
	}

	if (!json_is_object(from)) {
		u->ignore_reason = "no sender";
		ret = 0;
		goto out;
	}
	if (json_is_true(json_object_get(from, "is_bot"))) {
		u->ignore_reason = "from a bot";
		ret = 0;
		goto out;
	}
	if (!strcmp(u->chat_type, "channel")) {
		u->ignore_reason = "channel";
		ret = 0;
		goto out;
	}
	v = json_object_get(msg, "text");
	entities = json_object_get(msg, "entities");
	if (!json_is_string(v)) {
		v = json_object_get(msg, "caption");
		entities = json_object_get(msg, "caption_entities");
	}
	if (parse_photo(json_object_get(msg, "photo"), u) < 0) {
		set_err(err, errlen, "out of memory");
		goto out;
	}
	if (!json_is_string(v) && !u->has_photo) {
		u->ignore_reason = "no text";
		ret = 0;
		goto out;
	}
	text = json_is_string(v) ? json_string_value(v) : "";
	len = json_is_string(v) ? json_string_length(v) : 0;
	drop = calloc(len + 1, 1);
	u->text = dup_n(text, len);
	if (!drop || !u->text) {
		set_err(err, errlen, "out of memory");
		goto out;
	}
	u->addressed = json_is_array(entities)
	                       ? scan_entities(entities, text, len, botname, bot_id, drop)
	                       : 0;
	if (!u->is_group || replies_to_bot(msg, bot_id))
		u->addressed = 1;
	u->text_clean = clean_text(text, len, drop);
	if (!u->text_clean) {
		set_err(err, errlen, "out of memory");
		goto out;
	}
	u->kind = TG_KIND_MESSAGE;
	ret = 0;
out:
	free(drop);
	return ret;
}

static int parse_callback(const json_t *cq, struct tg_update *u, char *err, size_t errlen)
{
	const json_t *msg = json_object_get(cq, "message"), *data = json_object_get(cq, "data");

	if (!json_is_object(cq) || !json_is_string(json_object_get(cq, "id"))) {
		set_err(err, errlen, "callback_query.id: missing");
		return -1;
	}
	u->callback_id = str_of(cq, "id");
	if (!json_is_object(json_object_get(cq, "from")) ||
	    parse_from(json_object_get(cq, "from"), u) < 0) {
		set_err(err, errlen, "callback_query.from.id: missing");
		return -1;
	}
	if (!json_is_object(msg) || !json_is_object(json_object_get(msg, "chat"))) {
		u->ignore_reason = "callback without a chat";
		return 0;
	}
	if (parse_chat(json_object_get(msg, "chat"), u) < 0) {
		set_err(err, errlen, "callback_query.message.chat: missing id or type");
		return -1;
	}
	u->message_id = id_str(json_object_get(msg, "message_id"));
	if (!json_is_string(data)) {
		u->ignore_reason = "callback without data";
		return 0;
	}
	u->callback_data = strdup(json_string_value(data));
	u->text = strdup(u->callback_data ? u->callback_data : "");
	u->text_clean = strdup(u->callback_data ? u->callback_data : "");
	if (!u->callback_data || !u->text || !u->text_clean) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	u->addressed = 1;
	u->kind = TG_KIND_CALLBACK;
	return 0;
}

/* Update types we do not act on, named as the reason. */
static const char *const ignored_types[] = {
        "edited_message",       "channel_post",
        "edited_channel_post",  "inline_query",
        "chosen_inline_result", "shipping_query",
        "pre_checkout_query",   "poll",
        "poll_answer",          "my_chat_member",
        "chat_member",          "chat_join_request",
        "message_reaction",     "message_reaction_count",
};

int tg_parse_update_obj(json_t *update, const char *bot_username, const char *bot_id,
                        struct tg_update *out, char *err, size_t errlen)
{
	const json_t *v;
	size_t i;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (bot_username && *bot_username == '@')
		bot_username++;
	if (!json_is_object(update)) {
		set_err(err, errlen, "update: not an object");
		goto out;
	}
	if (!json_is_integer(json_object_get(update, "update_id"))) {
		set_err(err, errlen, "update_id: missing");
		goto out;
	}
	out->update_id = id_str(json_object_get(update, "update_id"));
	if (!out->update_id) {
		set_err(err, errlen, "out of memory");
		goto out;
	}
	if ((v = json_object_get(update, "message")))
		ret = parse_message(v, bot_username, bot_id, out, err, errlen);
	else if ((v = json_object_get(update, "callback_query")))
		ret = parse_callback(v, out, err, errlen);
	else
		ret = 0;
	if (ret == 0 && out->kind == TG_KIND_IGNORED && !out->ignore_reason) {
		out->ignore_reason = "unsupported update";
		for (i = 0; i < sizeof(ignored_types) / sizeof(ignored_types[0]); i++) {
			if (json_object_get(update, ignored_types[i])) {
				out->ignore_reason = ignored_types[i];
				break;
			}
		}
	}
out:
	if (ret < 0)
		tg_update_release(out);
	return ret;
}

int tg_parse_update(const char *json, size_t len, const char *bot_username, const char *bot_id,
                    struct tg_update *out, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(out, 0, sizeof(*out));
	root = json_loadb(json, len, 0, &jerr);
	if (!root) {
		if (err && errlen)
			snprintf(err, errlen, "update: invalid JSON at line %d column %d: %s",
			         jerr.line, jerr.column, jerr.text);
		return -1;
	}
	ret = tg_parse_update_obj(root, bot_username, bot_id, out, err, errlen);
	json_decref(root);
	return ret;
}

int tg_update_to_msg_in(const struct tg_update *u, struct msg_in *in)
{
	if (u->kind != TG_KIND_MESSAGE && u->kind != TG_KIND_CALLBACK)
		return -1;
	memset(in, 0, sizeof(*in));
	in->channel = "telegram";
	in->id = u->update_id;
	in->chat = u->chat_id;
	in->user = u->from_id;
	in->user_name = u->from_name && *u->from_name ? u->from_name : u->from_username;
	in->lang = u->language_code;
	in->text = u->text_clean ? u->text_clean : "";
	in->callback = u->callback_data;
	in->is_group = u->is_group;
	in->addressed = u->addressed;
	/* The bytes are fetched later, by the host through fetch_attachment. */
	in->att_kind = u->has_photo ? "photo" : NULL;
	in->att_too_big = u->photo_too_big;
	return 0;
}

/* ---- request bodies ---- */

int tg_callback_data_ok(const char *data)
{
	size_t n = data ? strlen(data) : 0;

	return n >= 1 && n <= TG_CALLBACK_DATA_MAX;
}

/* Rough display width: wide (CJK, emoji) characters count two. */
static size_t label_width(const char *s)
{
	size_t len = strlen(s), pos = 0, w = 0;
	uint32_t cp;

	while (pos < len) {
		pos += utf8_next(s + pos, len - pos, &cp);
		w += cp >= 0x1100 ? 2 : 1;
	}
	return w;
}

static json_t *build_keyboard(const struct msg_button *buttons, int nbuttons)
{
	json_t *rows = json_array(), *row = NULL, *markup;
	size_t widest = 0, w;
	int i, per_row, nrows, r, in_row, k = 0;

	if (!rows)
		return NULL;
	for (i = 0; i < nbuttons; i++) {
		const char *data = buttons[i].data ? buttons[i].data : buttons[i].label;

		if (!buttons[i].label || !*buttons[i].label || !tg_callback_data_ok(data))
			goto fail;
		w = label_width(buttons[i].label);
		if (w > widest)
			widest = w;
	}
	if (nbuttons <= 5 && widest <= 6)
		per_row = 5;
	else if (widest <= 12)
		per_row = 3;
	else if (widest <= 20)
		per_row = 2;
	else
		per_row = 1;
	nrows = (nbuttons + per_row - 1) / per_row;
	for (r = 0; r < nrows; r++) {
		/* spread evenly: 4 buttons make 2+2, 7 make 3+2+2 */
		in_row = nbuttons / nrows + (r < nbuttons % nrows);
		row = json_array();
		if (!row || json_array_append_new(rows, row) < 0)
			goto fail;
		for (i = 0; i < in_row; i++, k++) {
			const char *data = buttons[k].data ? buttons[k].data : buttons[k].label;

			if (json_array_append_new(row,
			                          json_pack("{s:s, s:s}", "text", buttons[k].label,
			                                    "callback_data", data)) < 0)
				goto fail;
		}
	}
	markup = json_pack("{s:o}", "inline_keyboard", rows);
	return markup;
fail:
	json_decref(rows);
	return NULL;
}

char *tg_build_send_message(const char *chat_id, const char *text, const struct msg_button *buttons,
                            int nbuttons)
{
	json_t *root;

	if (!chat_id || !*chat_id || !text || nbuttons < 0 || (nbuttons > 0 && !buttons))
		return NULL;
	root = json_pack("{s:o, s:s, s:b}", "chat_id", chat_id_json(chat_id), "text", text,
	                 "disable_web_page_preview", 1);
	if (!root)
		return NULL;
	if (nbuttons > 0) {
		json_t *markup = build_keyboard(buttons, nbuttons);

		if (!markup || json_object_set_new(root, "reply_markup", markup) < 0) {
			json_decref(root);
			return NULL;
		}
	}
	return dump_and_free(root);
}

int tg_build_send_messages(const char *chat_id, const char *text, const struct msg_button *buttons,
                           int nbuttons, char ***bodies)
{
	char **parts = NULL;
	int n, i;

	*bodies = NULL;
	if (!text)
		return -1;
	n = tg_split_text(text, TG_TEXT_MAX, &parts);
	if (n < 0)
		return -1;
	if (n == 0) {
		/* nothing to split: one body, which the API refuses loudly */
		char *body = tg_build_send_message(chat_id, text, buttons, nbuttons);

		if (!body || !(*bodies = calloc(2, sizeof(char *)))) {
			free(body);
			tg_parts_free(parts);
			return -1;
		}
		(*bodies)[0] = body;
		tg_parts_free(parts);
		return 1;
	}
	/* the bodies replace the parts in place, buttons on the last one only */
	for (i = 0; i < n; i++) {
		char *body = tg_build_send_message(chat_id, parts[i], i == n - 1 ? buttons : NULL,
		                                   i == n - 1 ? nbuttons : 0);

		if (!body) {
			tg_parts_free(parts);
			return -1;
		}
		free(parts[i]);
		parts[i] = body;
	}
	*bodies = parts;
	return n;
}

char *tg_build_answer_callback(const char *callback_query_id, const char *text)
{
	json_t *root;

	if (!callback_query_id || !*callback_query_id)
		return NULL;
	root = json_pack("{s:s}", "callback_query_id", callback_query_id);
	if (root && text && *text && json_object_set_new(root, "text", json_string(text)) < 0) {
		json_decref(root);
		return NULL;
	}
	return dump_and_free(root);
}

char *tg_build_edit_reply_markup(const char *chat_id, const char *message_id,
                                 const struct msg_button *buttons, int nbuttons)
{
	json_int_t mid;
	json_t *root, *markup;

	if (!chat_id || !*chat_id || !message_id || parse_int_id(message_id, &mid) < 0 ||
	    nbuttons < 0 || (nbuttons > 0 && !buttons))
		return NULL;
	root = json_pack("{s:o, s:I}", "chat_id", chat_id_json(chat_id), "message_id", mid);
	if (!root)
		return NULL;
	markup = nbuttons > 0 ? build_keyboard(buttons, nbuttons)
	                      : json_pack("{s:[]}", "inline_keyboard");
	if (!markup || json_object_set_new(root, "reply_markup", markup) < 0) {
		json_decref(root);
		return NULL;
	}
	return dump_and_free(root);
}

char *tg_build_set_webhook(const char *url, const char *secret, int max_connections)
{
	json_t *root;

	if (!url || !*url || (secret && !tg_secret_valid(secret)))
		return NULL;
	root = json_pack("{s:s, s:[s,s]}", "url", url, "allowed_updates", "message",
	                 "callback_query");
	if (!root)
		return NULL;
	if (secret && json_object_set_new(root, "secret_token", json_string(secret)) < 0)
		goto fail;
	if (max_connections > 0 &&
	    json_object_set_new(root, "max_connections", json_integer(max_connections)) < 0)
		goto fail;
	return dump_and_free(root);
fail:
	json_decref(root);
	return NULL;
}

char *tg_build_get_updates(json_int_t offset, int timeout, int limit)
{
	json_t *root = json_pack("{s:i, s:[s,s]}", "timeout", timeout < 0 ? 0 : timeout,
	                         "allowed_updates", "message", "callback_query");

	if (!root)
		return NULL;
	if (offset > 0 && json_object_set_new(root, "offset", json_integer(offset)) < 0)
		goto fail;
	if (limit >= 1 && limit <= 100 &&
	    json_object_set_new(root, "limit", json_integer(limit)) < 0)
		goto fail;
	return dump_and_free(root);
fail:
	json_decref(root);
	return NULL;
}

static int token_chars_ok(const char *s, size_t max)
{
	size_t n = 0;

	if (!s)
		return 0;
	for (; s[n]; n++) {
		char c = s[n];

		if (n >= max || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		                  (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return n > 0;
}

char *tg_start_link(const char *bot_username, const char *payload)
{
	char *link;
	size_t n;

	if (bot_username && *bot_username == '@')
		bot_username++;
	if (!token_chars_ok(bot_username, 64) || !token_chars_ok(payload, 64))
		return NULL;
	n = strlen("https://t.me/?start=") + strlen(bot_username) + strlen(payload) + 1;
	link = malloc(n);
	if (link)
		snprintf(link, n, "https://t.me/%s?start=%s", bot_username, payload);
	return link;
}

/* ---- webhook secret ---- */

int tg_secret_ok(const char *expected, const char *header_value)
{
	return secret_equal_str(expected, header_value);
}

int tg_secret_valid(const char *secret)
{
	return token_chars_ok(secret, TG_SECRET_MAX);
}

/* ---- answers ---- */

void tg_result_release(struct tg_result *r)
{
	if (!r)
		return;
	json_decref(r->result);
	r->result = NULL;
}

int tg_parse_result(long http_status, const char *body, size_t len, struct tg_result *r)
{
	const json_t *params, *v;
	json_t *root;
	char *mig;

	memset(r, 0, sizeof(*r));
	r->error_code = (int)http_status;
	root = body && len ? json_loadb(body, len, 0, NULL) : NULL;
	if (!json_is_object(root)) {
		snprintf(r->description, sizeof(r->description),
		         "HTTP %ld: the answer is not a Bot API JSON object", http_status);
		json_decref(root);
		return -1;
	}
	r->ok = json_is_true(json_object_get(root, "ok"));
	if (r->ok) {
		r->result = json_incref(json_object_get(root, "result"));
		r->error_code = 0;
		json_decref(root);
		return 0;
	}
	if (json_is_integer(v = json_object_get(root, "error_code")))
		r->error_code = (int)json_integer_value(v);
	if (json_is_string(v = json_object_get(root, "description")))
		snprintf(r->description, sizeof(r->description), "%s", json_string_value(v));
	else
		snprintf(r->description, sizeof(r->description), "HTTP %ld", http_status);
	params = json_object_get(root, "parameters");
	if (json_is_integer(v = json_object_get(params, "retry_after")) &&
	    json_integer_value(v) > 0)
		r->retry_after = json_integer_value(v) > 86400 ? 86400 : (int)json_integer_value(v);
	if ((mig = id_str(json_object_get(params, "migrate_to_chat_id")))) {
		snprintf(r->migrate_to_chat_id, sizeof(r->migrate_to_chat_id), "%s", mig);
		free(mig);
	}
	json_decref(root);
	return 0;
}

enum tg_verdict tg_classify(const struct tg_result *r, long http_status)
{
	int code;

	if (http_status <= 0)
		return TG_RETRY; /* no answer at all: connection refused, reset, timeout */
	if (r && r->ok && http_status >= 200 && http_status < 300)
		return TG_OK;
	code = r && r->error_code ? r->error_code : (int)http_status;
	if (http_status == 429 || code == 429)
		return TG_RATE_LIMITED;
	if (r && r->migrate_to_chat_id[0])
		return TG_MIGRATED;
	if (http_status >= 500 || code >= 500)
		return TG_RETRY;
	/* a 2xx that is not a proper answer: the message may or may not be out */
	if (http_status >= 200 && http_status < 300)
		return TG_RETRY;
	return TG_FATAL;
}
