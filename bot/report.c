/*
 * report.c - orders and outbox rows for people and for tools; see report.h.
 */
#include "bot/report.h"

#include <string.h>
#include <time.h>

#include "lib/utf8.h"

void report_time(int64_t t, char *out, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char zone[8];

	if (!t || !localtime_r(&tt, &tm)) {
		if (len)
			out[0] = '\0';
		return;
	}
	strftime(zone, sizeof(zone), "%z", &tm); /* +0800 -> +08:00 */
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d%.3s:%.2s", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, zone, zone + 3);
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *time_or_null(int64_t t)
{
	char buf[40];

	if (!t)
		return json_null();
	report_time(t, buf, sizeof(buf));
	return json_string(buf);
}

/*
 * The preferred time as ISO 8601: "START/END" for a window ("明天上午"), the
 * moment alone for a clock time, null when the words named no time.
 */
static json_t *window_or_null(int64_t at, int64_t end)
{
	char a[40], b[40], both[88];

	if (!at)
		return json_null();
	report_time(at, a, sizeof(a));
	if (end <= at)
		return json_string(a);
	report_time(end, b, sizeof(b));
	snprintf(both, sizeof(both), "%s/%s", a, b);
	return json_string(both);
}

/* Money as a JSON number of yuan: 5000 fen -> 50, 3550 -> 35.5. */
static json_t *money(int64_t fen)
{
	if (fen < 0)
		return json_null();
	if (fen % 100 == 0)
		return json_integer(fen / 100);
	return json_real((double)fen / 100.0);
}

static int add_event(const struct store_event *e, void *ud)
{
	json_t *arr = ud, *o = json_object();

	json_object_set_new(o, "at", time_or_null(e->at));
	json_object_set_new(o, "actor", json_string(e->actor));
	json_object_set_new(o, "via", json_string(e->via));
	json_object_set_new(o, "action", json_string(e->action));
	json_object_set_new(o, "old_status", str_or_null(e->old_status));
	json_object_set_new(o, "new_status", str_or_null(e->new_status));
	json_object_set_new(o, "detail", str_or_null(e->detail));
	json_array_append_new(arr, o);
	return 0;
}

static int add_photo(const struct store_photo *p, void *ud)
{
	json_t *arr = ud, *o = json_object();

	json_object_set_new(o, "hash", json_string(p->hash));
	json_object_set_new(o, "type", json_string(p->type));
	json_object_set_new(o, "size", json_integer(p->size));
	json_object_set_new(o, "path", json_string(p->path));
	json_object_set_new(o, "at", time_or_null(p->at));
	json_array_append_new(arr, o);
	return 0;
}

json_t *report_order_json(struct store *s, const struct store_order *o, int with_events)
{
	json_t *j = json_object(), *events;
	char resident[160];

	snprintf(resident, sizeof(resident), "%s:%s", o->channel, o->user);
	json_object_set_new(j, "number", json_string(o->number));
	json_object_set_new(j, "status", json_string(o->status));
	json_object_set_new(j, "community", json_string(o->community));
	json_object_set_new(j, "category", json_string(o->category));
	json_object_set_new(j, "item", str_or_null(o->item));
	json_object_set_new(j, "description", json_string(o->description));
	json_object_set_new(j, "room", str_or_null(o->room));
	json_object_set_new(j, "contact_name", str_or_null(o->contact_name));
	json_object_set_new(j, "phone", str_or_null(o->phone));
	json_object_set_new(j, "preferred_time", str_or_null(o->preferred_time));
	json_object_set_new(j, "preferred_at", time_or_null(o->preferred_at));
	json_object_set_new(j, "preferred_window",
	                    window_or_null(o->preferred_at, o->preferred_end));
	json_object_set_new(j, "urgent", json_boolean(o->urgent));
	json_object_set_new(j, "created_at", time_or_null(o->created_at));
	json_object_set_new(j, "resident", o->user[0] ? json_string(resident) : json_null());
	json_object_set_new(j, "resident_id", json_integer(o->resident_id));
	/* How it came in: a channel, or "desk" with how (source) and who took it down. */
	json_object_set_new(j, "intake", str_or_null(o->intake));
	json_object_set_new(j, "source", str_or_null(o->source));
	json_object_set_new(j, "taken_by", str_or_null(o->taken_by));
	json_object_set_new(j, "assignee", str_or_null(o->assignee));
	json_object_set_new(j, "eta", str_or_null(o->eta));
	json_object_set_new(j, "eta_at", time_or_null(o->eta_at));
	json_object_set_new(j, "promised_minutes", json_integer(o->promised_minutes));
	json_object_set_new(j, "estimate", str_or_null(o->estimate));
	json_object_set_new(j, "fee", money(o->fee));
	json_object_set_new(j, "paid", json_boolean(o->receipt[0] != '\0'));
	json_object_set_new(j, "receipt", str_or_null(o->receipt));
	json_object_set_new(j, "paid_at", time_or_null(o->paid_at));
	json_object_set_new(j, "accepted",
	                    o->accepted < 0 ? json_null() : json_boolean(o->accepted));
	json_object_set_new(j, "rating", o->rating ? json_integer(o->rating) : json_null());
	json_object_set_new(j, "comment", str_or_null(o->comment));
	json_object_set_new(j, "reason", str_or_null(o->reason));
	json_object_set_new(j, "assigned_at", time_or_null(o->assigned_at));
	json_object_set_new(j, "started_at", time_or_null(o->started_at));
	json_object_set_new(j, "done_at", time_or_null(o->done_at));
	json_object_set_new(j, "closed_at", time_or_null(o->closed_at));
	if (with_events) {
		events = json_array();
		store_events_list(s, o->id, add_event, events);
		json_object_set_new(j, "events", events); /* steals */
		events = json_array();
		store_photos_list(s, o->id, add_photo, events);
		json_object_set_new(j, "photos", events); /* steals */
	}
	return j;
}

json_t *report_outbox_json(const struct store_outbox *m)
{
	json_t *j = json_object(), *payload = json_loads(m->payload ? m->payload : "", 0, NULL);

	json_object_set_new(j, "id", json_integer(m->id));
	json_object_set_new(j, "channel", json_string(m->channel));
	json_object_set_new(j, "chat", json_string(m->chat));
	json_object_set_new(j, "status", json_string(m->status));
	json_object_set_new(j, "attempts", json_integer(m->attempts));
	json_object_set_new(j, "next_at", time_or_null(m->next_at));
	json_object_set_new(j, "created_at", time_or_null(m->created_at));
	json_object_set_new(j, "sent_at", time_or_null(m->sent_at));
	json_object_set_new(j, "last_error", str_or_null(m->last_error));
	json_object_set_new(j, "payload", payload ? payload : json_null());
	return j;
}

static size_t char_width(uint32_t cp)
{
	/* Wide: CJK, Hangul, full-width forms; the rest of the BMP counts one column. */
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	    (cp >= 0xffe0 && cp <= 0xffe6) || cp >= 0x1f300)
		return 2;
	return 1;
}

void report_cell(FILE *f, const char *s, size_t width)
{
	size_t w = report_clip(f, s, width);

	for (; w < width; w++)
		fputc(' ', f);
}

size_t report_clip(FILE *f, const char *s, size_t width)
{
	size_t len = strlen(s), p = 0, w = 0, n;
	uint32_t cp;

	while (p < len) {
		n = utf8_next(s + p, len - p, &cp);
		if (cp == '\n' || cp == '\t')
			cp = ' ';
		if (w + char_width(cp) > width)
			break;
		if (cp == ' ')
			fputc(' ', f);
		else
			fwrite(s + p, 1, n, f);
		w += char_width(cp);
		p += n;
	}
	return w;
}

size_t report_width(const char *s)
{
	size_t len = strlen(s), p = 0, w = 0;
	uint32_t cp;

	while (p < len) {
		p += utf8_next(s + p, len - p, &cp);
		w += char_width(cp);
	}
	return w;
}
