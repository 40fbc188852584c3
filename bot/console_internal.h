/*
 * console_internal.h - what the files of the staff console and the API
 * share: console.c (routes, login and sessions, the page, the live board),
 * console_api.c (the API under /api, which the page uses too),
 * console_actions.c (actions on an order) and console_files.c (an order's
 * printable forms and photos). Other modules use the console_* functions
 * of server.h.
 *
 * Who may do what is decided here, on the server, by role:
 *   technician  their own orders (assignee), read and act on them
 *   dispatcher  every order; assign, accept, desk intake, reply, quote,
 *               visit time, cancel, note (and their own orders' work)
 *   supervisor  a dispatcher's rights, closing complaints, the report
 *   manager     everything
 * and then the chat command itself applies its own checks, as in chat.
 */
#ifndef CONCIERGE_CONSOLE_INTERNAL_H
#define CONCIERGE_CONSOLE_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "bot/server.h"
#include "store/store.h"

/* The largest body a request to the API may have. */
#define CONSOLE_BODY_MAX (16 * 1024)

enum console_level { LVL_TECHNICIAN = 0, LVL_DISPATCHER, LVL_SUPERVISOR, LVL_MANAGER };

/* S's rank. */
enum console_level console_level(const struct cfg_staff *s);
/* S sees every order (not only their own). */
int console_sees_all(const struct cfg_staff *s);
/* S may see order O. */
int console_may_see(const struct cfg_staff *s, const struct store_order *o);

/* Answers P with O as JSON (STATUS; steals O). */
void console_json(struct http_pss *p, int status, json_t *o);
/* Answers P with {"ok":false,"error":...}. */
void console_error(struct http_pss *p, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/*
 * Calls FN with each "name=value" of P's query string, decoded. 0, or the
 * first nonzero FN returned, or -1 when the query is too long to read.
 */
int console_query(struct http_pss *p, int (*fn)(const char *name, const char *value, void *ud),
                  void *ud);
/*
 * The language P asks for in its Accept-Language header: "zh" or "en",
 * whichever comes first there, or NULL when it names neither (static).
 */
const char *console_lang(struct http_pss *p);
/* The server: the store, the core, the configuration. */
struct server *console_server(struct console *con);
/* After a commit that changed orders: delivers, wakes the sender, tells the boards. */
void console_after_change(struct console *con);

/* console_api.c: a request under /api, authenticated as P->staff (its body in P->body). */
void console_api(struct console *con, struct http_pss *p, const char *method, const char *path);
/*
 * Order NUMBER (as people type it) for P->staff into O: 1 loaded, 0 or <0
 * when P was answered (404, 403; 500).
 */
int console_load_order(struct console *con, struct http_pss *p, const char *number,
                       struct store_order *o);
/* O as JSON for S: with its history, photos and the actions S may take (new reference). */
json_t *console_order_json(struct server *srv, const struct cfg_staff *s,
                           const struct store_order *o);
/*
 * P->staff is shown a person's details (WHAT "order" or "form", SUBJECT its
 * number): recorded for `concierge audit` (store_privacy.h). 0, or -1 when
 * it could not be, and P was answered (503): nothing is shown unrecorded.
 */
int console_view_record(struct console *con, struct http_pss *p, const char *what,
                        const char *subject);
/* P's body as a JSON object (new reference), or NULL when P was answered (400). */
json_t *console_body_json(struct http_pss *p);

/* console_actions.c */
/* The actions S may take on O (NULL: on some order), as a JSON array of names. */
json_t *console_actions_json(const struct cfg_staff *s, const struct store_order *o);
/* POST /api/orders/N/actions. */
void console_order_action(struct console *con, struct http_pss *p, const char *number);

/* console_files.c: GET /console/orders/NUMBER REST ("/form", "/photos/HASH") for P->staff. */
void console_order_file(struct console *con, struct http_pss *p, const char *number,
                        const char *rest);

#endif
