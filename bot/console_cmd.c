/*
 * console_cmd.c - a staff command given from the console or the API rather
 * than typed in a chat.
 *
 * It runs through core_command(), the very code a chat message goes through,
 * as the staff member who is logged in: the same checks (whose order, which
 * status, which role), the same history events and the same notices to the
 * resident and to other staff, queued in the outbox. Only the answer the
 * staff member would have read in chat is kept apart and handed back, so it
 * can be shown where the action was taken, in the language of the console
 * or tool that asked. Such changes are recorded as made "via" the console.
 */
#include "bot/cmd.h"

#include <stdio.h>
#include <string.h>

/* The channel name events carry for changes made from the console or the API. */
#define CONSOLE_VIA "console"

/*
 * The commands that make sense away from a chat. Resident commands, /lang
 * and /my speak for a chat account the console does not have.
 */
static int console_command(const char *text)
{
	static const char *const ok[] = {"accept", "assign",  "eta",    "start", "done",
	                                 "paid",   "cancel",  "orders", "reply", "quote",
	                                 "photo",  "resolve", "note",   "help",  NULL};
	size_t n, i;

	if (text[0] != '/')
		return 0;
	n = strcspn(text + 1, " ");
	for (i = 0; ok[i]; i++)
		if (strlen(ok[i]) == n && strncmp(text + 1, ok[i], n) == 0)
			return 1;
	return 0;
}

int core_staff_command(struct core *c, const char *staff_id, const char *lang, const char *text,
                       int64_t now, char *reply, size_t replylen)
{
	const struct cfg_staff *s = cfg_staff_find(c->cfg, staff_id);
	struct core_req r;
	struct msg_in in;
	struct buf out;
	char who[80];
	int rc;

	if (!s) {
		snprintf(reply, replylen, "no staff member %s", staff_id);
		return 1;
	}
	if (!console_command(text)) {
		snprintf(reply, replylen, "not a staff command: %.*s", (int)strcspn(text, " "),
		         text);
		return 1;
	}
	snprintf(who, sizeof(who), "staff:%s", s->id);
	memset(&in, 0, sizeof(in));
	in.channel = CONSOLE_VIA;
	in.chat = who;
	in.user = who;
	in.text = text;
	memset(&r, 0, sizeof(r));
	r.c = c;
	r.in = &in;
	r.now = now;
	r.staff = s;
	r.lang = dlg_lang_from_hint(lang, dlg_lang_from_hint(c->cfg->locale, DLG_ZH));
	buf_copy(r.actor, sizeof(r.actor), who);
	buf_copy(r.reply_channel, sizeof(r.reply_channel), CONSOLE_VIA);
	buf_copy(r.reply_chat, sizeof(r.reply_chat), who);
	r.text = text;
	buf_init(&out);
	r.capture = &out;
	rc = core_command(&r, text, 0);
	if (rc >= 0 && out.failed)
		rc = -1;
	buf_copy(reply, replylen, buf_str(&out));
	buf_release(&out);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		/* core_command() left it to a dialog: not a command after all ("/start" alone). */
		snprintf(reply, replylen, "not a staff command: %.*s", (int)strcspn(text, " "),
		         text);
		return 1;
	}
	return 0;
}
