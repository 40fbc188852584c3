/*
 * telegram.h - the pure half of the Telegram Bot API adapter.
 *
 * Everything here turns bytes into plain C values or plain values into
 * request bodies; nothing touches a socket, a clock or a file. The HTTP side
 * (webhook route, long polling, the sender) lives in the adapter's glue and
 * calls these functions, and unit tests feed them fixture files.
 *
 * Telegram IDs (chats, users, messages, updates) are 64-bit integers on the
 * wire; group chat IDs such as -1001234567890123 do not fit in 32 bits. In C
 * they are kept as decimal strings, exactly as they will be stored and
 * compared, and turned back into JSON integers when a body is built.
 *
 * Text lengths and entity offsets are counted the way Telegram counts them:
 * in UTF-16 code units (an emoji outside the BMP is 2, a CJK character is 1).
 */
#ifndef CONCIERGE_TELEGRAM_H
#define CONCIERGE_TELEGRAM_H

#include <stddef.h>
#include <jansson.h>

#include "lib/msg.h"

/*
 * channels.telegram as read by the adapter (telegram_chan.c). Strings are
 * owned; "enabled" (kept in struct chan) defaults to false.
 */
struct tg_conf {
	char *token;           /* required when enabled */
	char *api_base;        /* default "https://api.telegram.org", no trailing '/' */
	char *mode;            /* "webhook" or "polling", default "polling" */
	char *webhook_secret;  /* 1-256 of A-Za-z0-9_-; required when enabled in webhook mode */
	char *public_url;      /* base URL Telegram reaches us at, no trailing '/', or NULL */
	char *staff_chat;      /* chat ID of the staff group (integer or @name), or NULL */
	char *bot_username;    /* without '@', or NULL (asked with getMe) */
	int poll_timeout;      /* seconds, 0-50, default 30 */
	int per_chat_per_sec;  /* default 1 */
	int per_group_per_min; /* default 20 */
	int global_per_sec;    /* default 30 */
};

#define TG_TEXT_MAX          4096 /* sendMessage text limit, UTF-16 units */
#define TG_CALLBACK_DATA_MAX 64   /* callback_data limit, bytes */
#define TG_SECRET_MAX        256  /* setWebhook secret_token limit, chars */

enum tg_kind {
	TG_KIND_IGNORED = 0, /* nothing for the core; see ignore_reason */
	TG_KIND_MESSAGE,     /* a text (or captioned) message from a person */
	TG_KIND_CALLBACK,    /* an inline button was pressed */
	TG_KIND_MIGRATE,     /* a group became a supergroup and changed its ID */
};

/*
 * One parsed update. Every char * is owned by the struct (malloc'd, or NULL
 * when the update does not carry it) and freed by tg_update_release(), which
 * also leaves the struct zeroed and reusable. ignore_reason points to a
 * static string.
 */
struct tg_update {
	char *update_id; /* always set on success: the de-duplication key */
	enum tg_kind kind;
	const char *ignore_reason; /* TG_KIND_IGNORED: "edited_message", "from a bot", ... */

	char *chat_id;
	char *chat_type; /* "private", "group", "supergroup" or "channel" */
	int is_group;    /* group or supergroup: neighbours can read it */
	char *message_id;

	char *from_id;
	char *from_first_name;
	char *from_last_name;
	char *from_name; /* first and last name joined by a space */
	char *from_username;
	char *language_code;

	/*
	 * A message: its text (or a media caption) as sent, and text_clean, the
	 * same with the mention of this bot and the "@botname" suffix of commands
	 * removed and whitespace trimmed: "/repair@ConciergeBot 漏水" becomes
	 * "/repair 漏水". A callback: both are copies of the callback data, so a
	 * core that reads only text still sees the pressed button.
	 */
	char *text;
	char *text_clean;

	/*
	 * A callback: the query ID to answer with answerCallbackQuery and the
	 * button's data; chat_id and message_id are those of the message that
	 * carried the button. callback_id can also be set on an IGNORED update
	 * (a press on an inline-mode message, or without data): answer it anyway
	 * so the button stops spinning.
	 */
	char *callback_id;
	char *callback_data;

	/*
	 * 1 in a private chat and for callbacks. In a group, 1 only when the
	 * message has a bot_command entity that is bare ("/cmd") or names this
	 * bot ("/cmd@ConciergeBot", not "/cmd@OtherBot"), a mention entity equal
	 * to "@<bot_username>" (any case), a text_mention of the bot's user ID,
	 * or replies to a message sent by the bot.
	 */
	int addressed;

	/* TG_KIND_MIGRATE: the group's old ID and the supergroup's new one. */
	char *migrate_from_chat_id;
	char *migrate_to_chat_id;

	/*
	 * A photo (TG_KIND_MESSAGE; text and text_clean are then its caption, or
	 * ""): the file_id of the largest size not over PHOTO_MAX_BYTES, or NULL
	 * and photo_too_big when every size is larger.
	 */
	int has_photo;
	char *photo_file_id;
	int photo_too_big;
};

/*
 * Parse one update. bot_username is the bot's username with or without the
 * leading "@" and bot_id its user ID as a decimal string; either may be NULL,
 * in which case mentions (or text mentions and replies) cannot address it.
 * Returns 0 with *out filled (possibly as TG_KIND_IGNORED), or a negative
 * value with a message in err when the JSON is not an update (*out is then
 * empty, and releasing it is harmless). *out needs no initialisation.
 */
int tg_parse_update(const char *json, size_t len, const char *bot_username, const char *bot_id,
                    struct tg_update *out, char *err, size_t errlen);

/* The same for an update that is already a JSON value (borrowed), such as an
 * element of getUpdates' result array. */
int tg_parse_update_obj(json_t *update, const char *bot_username, const char *bot_id,
                        struct tg_update *out, char *err, size_t errlen);

void tg_update_release(struct tg_update *u);

/*
 * Describe a MESSAGE or CALLBACK update as the core's inbound message. The
 * strings of *in are borrowed from *u. id is the update_id, text is
 * text_clean, callback the button's data. Returns -1 for other kinds.
 */
int tg_update_to_msg_in(const struct tg_update *u, struct msg_in *in);

/* ---- UTF-16 accounting ---- */

/* Length of a UTF-8 string in UTF-16 code units (an invalid byte counts 1). */
size_t tg_utf16_len(const char *s);

/*
 * The byte offset in the UTF-8 string s (len bytes) of UTF-16 offset units.
 * Returns 0, or -1 when units is past the end or falls inside a surrogate
 * pair.
 */
int tg_utf16_to_byte(const char *s, size_t len, size_t units, size_t *byte);

/*
 * Split text into parts of at most limit UTF-16 units (0 means TG_TEXT_MAX).
 * A part ends at the last line break of its window when that keeps at least
 * a quarter of the window, else at the last space, else at a code point
 * boundary that does not separate an emoji from its modifier or joiner. No
 * part is cut inside a UTF-8 sequence or a surrogate pair; the line break or
 * space cut at is dropped, and whitespace-only parts are skipped.
 * On success returns the number of parts (0 for an empty or blank text) and
 * sets *parts to a malloc'd NULL-terminated array of malloc'd strings, freed
 * with tg_parts_free(). Returns -1 on allocation failure (*parts NULL).
 * A limit below 2 can be exceeded by a single non-BMP character.
 */
int tg_split_text(const char *text, size_t limit, char ***parts);

void tg_parts_free(char **parts);

/* ---- request bodies (each returns a malloc'd JSON string, or NULL) ---- */

/*
 * sendMessage. chat_id becomes a JSON integer when it is a decimal number and
 * stays a string otherwise ("@channelname"). Buttons become one inline
 * keyboard: up to five short labels (ratings 1-5, 满意/不满意) share one row,
 * otherwise rows of up to three (two for longer labels, one for long ones),
 * balanced so the last row is not a lone orphan. A button whose data is NULL
 * sends its label. The body is REJECTED (NULL) when a label is empty or a
 * button's data is empty or longer than TG_CALLBACK_DATA_MAX bytes: data is
 * never truncated, because a cut value could mean another action when
 * pressed. text is sent as it is; split it first (tg_build_send_messages).
 * Link previews are turned off.
 */
char *tg_build_send_message(const char *chat_id, const char *text, const struct msg_button *buttons,
                            int nbuttons);

/*
 * Split text with tg_split_text(text, TG_TEXT_MAX) and build one sendMessage
 * body per part, the buttons on the last part only. Returns the number of
 * bodies (at least 1: a blank text is sent as one body, which the API will
 * refuse as empty) with *bodies a NULL-terminated array freed by
 * tg_parts_free(), or -1 (invalid button or allocation failure).
 */
int tg_build_send_messages(const char *chat_id, const char *text, const struct msg_button *buttons,
                           int nbuttons, char ***bodies);

/* Whether data can be a button's callback_data: 1 to 64 bytes. */
int tg_callback_data_ok(const char *data);

/* answerCallbackQuery; text (a small toast) may be NULL. */
char *tg_build_answer_callback(const char *callback_query_id, const char *text);

/*
 * editMessageReplyMarkup: replace the buttons under a sent message, or remove
 * them when nbuttons is 0 (so a rating cannot be pressed twice).
 */
char *tg_build_edit_reply_markup(const char *chat_id, const char *message_id,
                                 const struct msg_button *buttons, int nbuttons);

/*
 * setWebhook with allowed_updates ["message", "callback_query"]. secret may
 * be NULL; otherwise it must pass tg_secret_valid() or NULL is returned.
 * max_connections <= 0 leaves the API's default.
 */
char *tg_build_set_webhook(const char *url, const char *secret, int max_connections);

/*
 * getUpdates. offset <= 0 is left out (the first poll); timeout in seconds
 * (0 for a short poll); limit 1..100, else left out.
 */
char *tg_build_get_updates(json_int_t offset, int timeout, int limit);

/*
 * "https://t.me/<bot>?start=<payload>", malloc'd. The payload must be 1-64
 * chars of A-Za-z0-9_- (what Telegram accepts); NULL otherwise.
 */
char *tg_start_link(const char *bot_username, const char *payload);

/* ---- webhook secret ---- */

/*
 * 1 when header_value equals expected, compared in constant time for equal
 * lengths (only the length can leak). 0 when either is NULL or expected is
 * empty: a webhook without a configured secret is not trusted here.
 */
int tg_secret_ok(const char *expected, const char *header_value);

/* 1 when secret is 1-256 chars of A-Za-z0-9_- as setWebhook demands. */
int tg_secret_valid(const char *secret);

/* ---- answers ---- */

/*
 * One Bot API answer. result is a new reference to the answer's "result"
 * (NULL when absent or not ok), released by tg_result_release().
 * error_code is the API's error_code, or the HTTP status when the body has
 * none. migrate_to_chat_id is a decimal string, empty when absent.
 * retry_after is 0 when absent.
 */
struct tg_result {
	int ok;
	int error_code;
	char description[256];
	int retry_after;
	char migrate_to_chat_id[32];
	json_t *result;
};

/*
 * Parse an answer. Returns 0, or -1 when the body is not a Bot API JSON
 * object (an HTML error page from a proxy, an empty body); *r is then filled
 * with ok 0, error_code = http_status and a description, so tg_classify()
 * still works.
 */
int tg_parse_result(long http_status, const char *body, size_t len, struct tg_result *r);

void tg_result_release(struct tg_result *r);

enum tg_verdict {
	TG_OK = 0,
	TG_RETRY,        /* 5xx, a network failure (http_status 0), a garbled 2xx */
	TG_RATE_LIMITED, /* 429: wait r->retry_after seconds (0: caller's backoff) */
	TG_MIGRATED,     /* 400 with migrate_to_chat_id: update the chat, resend */
	TG_FATAL,        /* any other 4xx or 3xx: dead-letter with the description */
};

/* What to do about an answer; r may be NULL for a network failure. */
enum tg_verdict tg_classify(const struct tg_result *r, long http_status);

#endif
