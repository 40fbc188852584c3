/*
 * cmd_note.c - `/note N TEXT` (备注): a note for the centre, kept as the
 * event "note" in the order's history and never sent to the resident (a
 * phone call's outcome, a key left with the guard). Whoever may act on the
 * order may note it: its assignee, or a dispatcher or supervisor.
 */
#include "bot/cmd.h"

#include <string.h>

/* The longest note kept: an event's detail holds 511 bytes. */
#define NOTE_MAX 500

int cmd_note_exec(struct core_req *r, struct cmd_args *a)
{
	struct store_order *o = &a->order;
	char detail[NOTE_MAX + 1];

	if (!cmd_may_act(r, o))
		return 0;
	buf_copy(detail, sizeof(detail), a->argv[1]); /* cut on a character boundary */
	if (store_event_add(r->c->store, o->id, r->now, r->actor, r->in->channel, "note", o->status,
	                    o->status, detail) < 0)
		return -1;
	return cmd_tpl(r, M_OUT_NOTED, o->number, NULL);
}
