/*
 * telegram_out.h - the Telegram calls the sender makes, as pure glue.
 *
 * Turns an outbox row into the Bot API calls that deliver it, names the URL
 * of a method, and says what an HTTP answer means for the row (sent, retry,
 * wait, chat moved, dead) with the text to keep as the row's last error.
 * The sender thread (bot/sender.c) does the HTTP with libcurl; nothing here
 * touches a socket, a clock or the store.
 *
 * Outbox payloads (written by bot/core.c):
 *   {"text": "...", "buttons": [{"label": "...", "data": "..."}, ...]}
 *       one sendMessage per part of the text (over 4096 UTF-16 units it is
 *       split), sent in order, the buttons under the last part
 *   {"answer_callback": "<callback_query_id>", "text": "optional toast"}
 *       one answerCallbackQuery
 */
#ifndef CONCIERGE_TELEGRAM_OUT_H
#define CONCIERGE_TELEGRAM_OUT_H

#include <stddef.h>

#include <jansson.h>

#include "adapters/telegram.h"

/* One Bot API call: the method name and its JSON body (owned, malloc'd). */
struct tg_out_call {
	const char *method; /* static string */
	char *body;
};

/*
 * The calls that deliver PAYLOAD to CHAT. Returns their number (>= 1) with
 * *calls a malloc'd array freed by tg_out_calls_free(), or -1 with ERR saying
 * why the payload can never be delivered (not JSON, no text, an invalid
 * button): the row is a dead letter. *calls is NULL on failure.
 */
int tg_out_calls(const char *chat, const char *payload, struct tg_out_call **calls, char *err,
                 size_t errlen);
void tg_out_calls_free(struct tg_out_call *calls, int n);

/* API_BASE "/bot" TOKEN "/" METHOD, malloc'd (NULL when out of memory). Holds the token:
 * log it only through log_mask(). */
char *tg_out_url(const char *api_base, const char *token, const char *method);
/* "<api_base>/file/bot<token>/<file_path>": a file getFile named (malloc'd; NULL when OOM). */
char *tg_file_url(const char *api_base, const char *token, const char *file_path);

/* What one answer means. */
struct tg_out_answer {
	enum tg_verdict verdict;
	long http_status;      /* 0: no answer at all */
	int error_code;        /* the API's error_code, else the HTTP status */
	int retry_after;       /* seconds to wait, from the body or Retry-After; 0 when none */
	char migrate_to[32];   /* TG_MIGRATED: the chat's new ID */
	char description[256]; /* the platform's description, or the network error */
	char error[300];       /* for the row: "HTTP 400: Bad Request: chat not found" */
	json_t *result;        /* TG_OK: new reference to "result", or NULL */
};

/*
 * Interprets an answer. HTTP_STATUS 0 is a network failure described by
 * NETERR (may be NULL). HEADER_RETRY_AFTER is the Retry-After header in
 * seconds (0 when absent); the body's parameters.retry_after wins over it.
 * Release A with tg_out_answer_release().
 */
void tg_out_interpret(long http_status, const char *body, size_t len, long header_retry_after,
                      const char *neterr, struct tg_out_answer *a);
void tg_out_answer_release(struct tg_out_answer *a);

#endif
