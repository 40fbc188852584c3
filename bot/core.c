/*
 * core.c - one inbound message in, store changes and outbox rows out.
 *
 * The order of work for a message: de-duplicate, find out who is speaking
 * (staff from the configuration, residents from the store), run a command
 * if it is one, otherwise advance the person's dialog and carry out what the
 * dialog decided. Everything happens in the caller's transaction; nothing
 * here talks to the network. The other jobs of the core have files of their
 * own: notify.c (who hears what), orders.c (order changes), sessions.c (a
 * person's dialog), accept.c (acceptance questions), tick.c (time-driven
 * work), money.c (amounts and order numbers).
 */
#include "bot/core_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/link.h"
#include "lib/utf8.h"

struct core *core_new(const struct cfg *cfg, struct store *store)
{
	struct core *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cfg = cfg;
	c->store = store;
	return c;
}

void core_free(struct core *c)
{
	free(c);
}

/* ---- the entry point ---------------------------------------------------------------- */

static void trim(const char *in, char *out, size_t len)
{
	const char *end;

	while (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r')
		in++;
	end = in + strlen(in);
	while (end > in &&
	       (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		end--;
	/* A longer text is read up to LEN - 1 bytes, cut between two characters. */
	snprintf(out, len, "%.*s", (int)dlg_cut(in, (size_t)(end - in), 0, len - 1), in);
}

/*
 * A console in another encoding (GBK) sends bytes that are not UTF-8; every
 * text that quoted them (a reason, a comment) could then not be put in JSON
 * and would go out empty. Such bytes (what utf8_next() reads as one broken
 * byte) become '?'.
 */
static void utf8_repair(char *text)
{
	size_t len = strlen(text), p = 0, n;
	uint32_t cp;

	while (p < len) {
		n = utf8_next(text + p, len - p, &cp);
		if (n == 1 && cp == UTF8_BAD)
			text[p] = '?';
		p += n;
	}
}

int core_req_init(struct core_req *r, struct core *c, const struct msg_in *in, int64_t now,
                  const char *text)
{
	int fallback;

	memset(r, 0, sizeof(*r));
	r->c = c;
	r->in = in;
	r->now = now;
	r->group = in->is_group;
	r->staff = cfg_staff_by_identity(c->cfg, in->channel, in->user);
	buf_copy(r->reply_channel, sizeof(r->reply_channel), in->channel);
	buf_copy(r->reply_chat, sizeof(r->reply_chat), in->chat);
	r->text = text;
	fallback = dlg_lang_from_hint(c->cfg->locale, DLG_ZH);
	if (r->staff) {
		/* Their /lang, whatever the channel; else what the platform says they read. */
		snprintf(r->actor, sizeof(r->actor), "staff:%s", r->staff->id);
		r->lang =
		        core_staff_lang_saved(c, r->staff, dlg_lang_from_hint(in->lang, fallback));
	}
	if (store_resident_ensure(c->store, in->channel, in->user, now, &r->resident) < 0)
		return -1;
	if (!r->staff) {
		snprintf(r->actor, sizeof(r->actor), "resident:%lld", (long long)r->resident.id);
		if (r->resident.lang[0])
			r->lang = dlg_lang_from_hint(r->resident.lang, fallback);
		else
			r->lang = dlg_lang_of_text(text, dlg_lang_from_hint(in->lang, fallback));
		/* Where they write now is where their notices go (link.c). */
		if (core_link_seen(r) < 0 || core_community_seen(r) < 0)
			return -1;
	}
	return 0;
}

/* A message's text (or pressed button): a command, or the person's dialog. */
static int handle_text(struct core *c, const struct msg_in *in, int64_t now)
{
	struct core_req r;
	struct dlg_state st;
	char text[4096];
	int rc, active = 0, expired = 0, emergency;

	trim(in->callback && *in->callback ? in->callback : (in->text ? in->text : ""), text,
	     sizeof(text));
	if (!text[0])
		return 0;
	utf8_repair(text);
	if (in->is_group && !in->addressed && !dlg_is_trigger(text, NULL))
		return 0; /* neighbours talking among themselves */
	if (core_req_init(&r, c, in, now, text) < 0)
		return -1;

	if (r.group) {
		/* Commands are answered where they were given (a staff group, say). */
		rc = core_command(&r, text, 0);
		if (rc != 0)
			return rc < 0 ? rc : 0;
		if (r.staff && !dlg_is_trigger(text, NULL))
			return 0;
		/*
		 * Neighbours read along: a request goes on privately; the group hears
		 * where. An emergency's advice is given where it was asked, at once.
		 */
		if (!core_is_emergency(&r, text) && core_go_private(&r, 1) < 0)
			return -1;
	}
	/* The confirmation code of a resident linking this chat to another. */
	rc = core_link_typed(&r, text);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	if (core_load_session(&r, &st, &active, &expired) < 0)
		return -1;
	if (active)
		r.lang = st.lang;
	if (active && in->from_link && !r.group &&
	    (dlg_is_trigger(text, NULL) || strcmp(text, "/help") == 0)) {
		rc = core_resume(&r, &st);
		dlg_state_release(&st);
		return rc;
	}
	rc = core_command(&r, text, active);
	emergency = rc == 0 && !r.staff && core_is_emergency(&r, text);
	/*
	 * An emergency comes first whatever question is open (acceptance, a
	 * rating): it is handled beside it, and the question stays open.
	 */
	if (emergency && active && strcmp(st.flow, "intake") != 0) {
		rc = core_run_aside(&r, text);
		dlg_state_release(&st);
		return rc;
	}
	/*
	 * An answer to what staff wrote about an order (or to a fee they
	 * proposed) goes to them, not into a new request; an emergency never does.
	 */
	if (rc == 0 && !r.staff && !active && !emergency && !dlg_is_trigger(text, NULL))
		rc = core_talk_answer(&r, text);
	if (rc == 0) {
		if (r.staff && !active && !dlg_is_trigger(text, NULL)) {
			/* Staff in private without a conversation: remind them of the commands. */
			rc = core_staff_help(&r);
		} else {
			rc = core_run_dialog(&r, text, &st, expired);
		}
	} else if (rc > 0) {
		rc = 0;
	}
	dlg_state_release(&st);
	return rc;
}

/*
 * Someone writing in the quiet hours is awake: what waited for the morning
 * in their private chat goes now, ahead of the answer (which would otherwise
 * queue behind it).
 */
static int wake(struct core *c, const struct msg_in *in, int64_t now)
{
	if (!hours_inside(&c->cfg->quiet_hours, now))
		return 0;
	return store_outbox_release(c->store, in->channel, in->is_group ? in->user : in->chat,
	                            now) < 0
	               ? -1
	               : 0;
}

int core_handle(struct core *c, const struct msg_in *in, int64_t now)
{
	int rc = wake(c, in, now);

	/* What is said to this person now answers them: it is not held for quiet hours. */
	c->in_hand = in;
	/* A caption first: "/repair" with a photo starts the intake the photo then joins. */
	if (rc == 0)
		rc = handle_text(c, in, now);
	if (rc == 0 && in->att_kind)
		rc = core_photo(c, in, now);
	c->in_hand = NULL;
	return rc;
}

/* ---- time-driven work ----------------------------------------------------------------- */
