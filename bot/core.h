/*
 * core.h - what Concierge does with one inbound message, whatever the channel.
 *
 * core_handle() runs inside a store transaction the caller opened (so that
 * several messages can share one commit): it drops duplicates, runs staff
 * and resident commands, advances the dialog, applies order changes with
 * their history events, and queues every reply and notice in the outbox.
 * It performs no network I/O; the sender delivers the outbox afterwards.
 */
#ifndef CONCIERGE_CORE_H
#define CONCIERGE_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/msg.h"

struct cfg;
struct cfg_staff;
struct store;
struct core;

/* CFG and STORE are borrowed and must outlive the core. */
struct core *core_new(const struct cfg *cfg, struct store *store);
void core_free(struct core *c);

/*
 * Handles IN at time NOW. Returns 0 when the message was handled or was a
 * duplicate, <0 on a store failure (the caller rolls the transaction back
 * and the platform retries).
 */
int core_handle(struct core *c, const struct msg_in *in, int64_t now);

/*
 * Time-driven work, called now and then: closes orders left awaiting
 * acceptance past the configured days and escalates pending orders whose
 * promised response time ran out. Runs its own transaction.
 */
int core_tick(struct core *c, int64_t now);

/*
 * Queues TEXT (with buttons) for CHANNEL/CHAT. A chat named "staff" on a
 * channel whose people read their own queue stands for every staff member
 * there, and is queued once per person.
 */
int core_send(struct core *c, const char *channel, const char *chat, const char *text,
              const struct msg_button *buttons, int nbuttons, int64_t now);

/*
 * Runs staff command TEXT ("/assign N STAFF", "/reply N TEXT", "/eta N TIME",
 * "/note N TEXT", ...) as staff member STAFF_ID, inside a transaction the
 * caller opened, through the same checks and functions as in chat (the
 * console and the API use it). What the staff member would have been told
 * in chat goes into REPLY instead, in LANG ("zh", "en" or a hint such as
 * "en-US"; NULL or another language: the centre's locale), the language the
 * command speaks to its actor in, as a chat's language does; notices to
 * residents and other staff go to the outbox as usual. Returns 0 when the
 * command ran (REPLY says how it went, refusals included), 1 when it was
 * not run (unknown staff member, not a staff command; REPLY says why), <0
 * on a store failure (roll back).
 */
int core_staff_command(struct core *c, const char *staff_id, const char *lang, const char *text,
                       int64_t now, char *reply, size_t replylen);

/*
 * Desk intake (前台, 服务热线, 现场报修): staff register a request for a
 * resident who phoned or came in, checked by the same validators as a
 * resident's intake; a room or phone inside TEXT is picked up when ROOM or
 * PHONE is NULL. The order's intake is "desk", its source SOURCE (or
 * "desk"), taken_by STAFF_ID, and its "desk_intake" event says so. When a
 * resident who filed requests by chat saved the same phone, the order is
 * theirs and its notices reach them there (they are told its number at
 * once); otherwise its notices go nowhere and staff phone. A request the
 * centre does not serve is still recorded, as declined (its number is
 * returned; its status says so); one that names an emergency is urgent.
 * ERR reads "FIELD: reason" in the centre's language, FIELD one of staff,
 * community, source, text, room, name, phone, when.
 */
struct desk_request {
	const char *community;                         /* NULL: the default community */
	const char *room, *name, *phone, *text, *when; /* resident's words; when may be NULL */
	const char *source;                            /* "phone", "walk-in" or NULL (desk) */
};
/* Registers a request taken down by staff member STAFF_ID through the same validation as intake;
 * inside a transaction the caller opened. 0 and the order number in NUMBER; <0 store failure; 1
 * refused with the reason in words in ERR (e.g. which field is wrong). */
int core_desk_order(struct core *c, const char *staff_id, const struct desk_request *r, int64_t now,
                    char *number, size_t numlen, char *err, size_t errlen);

/*
 * Is S someone who hears complaints (a supervisor, or the manager of a centre
 * without one) with no private place to read them: no private chat on a
 * channel that is on and no personal web link, only the queue at the desk
 * (`concierge chat --as staff:ID`)? Complaints never go into group chats.
 */
int core_private_gap(const struct cfg *cfg, const struct cfg_staff *s);

/* Money in fen as text: 5000 -> "50", 3550 -> "35.5". */
void core_money(int64_t fen, char *out, size_t outlen);
/* Parses "50", "35.5", "¥50", "50元" into fen; <0 when not an amount. */
int core_parse_money(const char *text, int64_t *fen);

/* An order number as people type it: "261127001", "#261127-001" -> "261127-001". */
void core_norm_number(const char *in, char *out, size_t outlen);

#endif
