/*
 * link.h - one resident across channels (link.c): linking two chats of the
 * same person by a confirmation code, notices that follow the resident to
 * the chat they last wrote from (or chose), and a notice given up on sent
 * again on another of their channels.
 *
 * The core_link_* and cmd_*_exec functions are the core's (core.c,
 * orders.c, notify.c, commands.c call them inside the message's
 * transaction); link_fallback() is the sender's.
 */
#ifndef CONCIERGE_LINK_H
#define CONCIERGE_LINK_H

#include <stddef.h>
#include <stdint.h>

struct cfg;
struct cmd_args;
struct core;
struct core_req;
struct store;
struct store_order;

/*
 * The resident of R wrote: their identity remembers the chat and the time,
 * and when they have several, their orders now point where notices go (the
 * chosen channel, else this chat) and a question waiting for their answer
 * in another of their chats moves here. 0, or <0.
 */
int core_link_seen(struct core_req *r);
/* TEXT is a resident's confirmation code (six digits while one is expected): handled (1), not a
 * code (0), <0. */
int core_link_typed(struct core_req *r, const char *text);
/*
 * A request of R's resident saved a phone that differs from OLD_PHONE: when
 * another resident saved it, a code goes to their chat (the resident here is
 * told nothing of it, so nobody learns whose number it is). 0, or <0.
 */
int core_link_offer(struct core_req *r, const char *old_phone);
/*
 * O's channel is off: where else its resident can be told (CHANNEL, CHAT).
 * 1 found, 0 nowhere else, <0.
 */
int core_link_elsewhere(struct core *c, const struct store_order *o, char *channel, size_t chlen,
                        char *chat, size_t chatlen);

/* `/link PHONE|CODE` 绑定手机, `/unlink` 解绑, `/notify [CHANNEL|auto]` 通知渠道 */
int cmd_link_exec(struct core_req *r, struct cmd_args *a);
int cmd_unlink_exec(struct core_req *r, struct cmd_args *a);
int cmd_notify_exec(struct core_req *r, struct cmd_args *a);

/*
 * Outbox row DEAD_ID was given up on. When it went to a resident's private
 * chat and the resident has another chat on a channel that is on (and not
 * tried yet for this notice), it is queued there, and their orders point
 * there. Runs its own transaction on S (no transaction may be open). 0, or
 * <0 (nothing changed).
 */
int link_fallback(struct store *s, const struct cfg *cfg, int64_t dead_id, int64_t now);

#endif
