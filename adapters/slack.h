/*
 * slack.h - the pure half of the Slack adapter: the request signature,
 * events, button presses and slash commands into plain values, outbox
 * payloads into chat.postMessage bodies, and the Web API's answers into
 * verdicts. Nothing here touches a socket or a clock (times are passed in);
 * slack_chan.c is the glue the host calls, and the unit tests feed these
 * functions fixture files and the platform's own test vector.
 *
 * Slack IDs (users U.../W..., channels C.../G.../D...) and message
 * timestamps ("1700000000.000100") are strings, kept as they come.
 *
 * A chat, as the store keeps it, is one of:
 *   "U0123"              a person: the app's direct messages with them
 *                        (chat.postMessage takes a user ID as the channel)
 *   "C0123"              a channel, at its top level (the staff channel)
 *   "C0123/1700.000100"  the thread under message 1700.000100 of a channel
 */
#ifndef CONCIERGE_SLACK_H
#define CONCIERGE_SLACK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* channels.slack as read by slack_chan.c. Strings are owned. */
struct slack_conf {
	char *signing_secret; /* Events API and interactivity: required in events mode */
	char *bot_token;      /* xoxb-...: required when enabled */
	char *app_token;      /* xapp-...: required in socket mode */
	char *mode;           /* "events" (default) or "socket" */
	char *api_base;       /* default "https://slack.com/api", no trailing '/' */
	char *files_base;     /* where files may be downloaded with the token; default
	                         "https://files.slack.com" */
	char *staff_chat;     /* the staff channel's ID, or NULL */
	char *bot_user;       /* the bot's user ID, or NULL (asked with auth.test) */
	char *command;        /* the slash command, default "/concierge" */
	int threads;          /* a mention in a channel opens a conversation in its thread */
	int per_chat_per_sec; /* default 1 */
	int global_per_min;   /* default 0: none */
};

#define SLACK_TS_WINDOW 300  /* seconds a request's timestamp may be off */
#define SLACK_SIG_LEN   67   /* "v0=" and 64 hex digits */
#define SLACK_PART_MAX  3000 /* characters of a section block's text */
#define SLACK_LABEL_MAX 75   /* characters of a button's text */
#define SLACK_VALUE_MAX 2000 /* bytes of a button's value */

/* ---- the request signature ---- */

/* "v0=" + hex HMAC-SHA256(secret, "v0:" TS ":" BODY) into OUT. 0, or -1. */
int slack_signature(const char *secret, const char *ts, const char *body, size_t len,
                    char out[SLACK_SIG_LEN + 1]);

enum slack_sig {
	SLACK_SIG_OK = 0,
	SLACK_SIG_MISSING, /* no timestamp or no signature header, or no secret configured */
	SLACK_SIG_STALE,   /* the timestamp is more than SLACK_TS_WINDOW from NOW */
	SLACK_SIG_BAD,     /* the signature does not match (compared in constant time) */
};

/* Only the timestamp (before the body is read). */
enum slack_sig slack_check_ts(const char *ts, int64_t now);
/* The whole check over the raw BODY. */
enum slack_sig slack_verify(const char *secret, const char *ts, const char *sig, const char *body,
                            size_t len, int64_t now);

/* ---- what came in ---- */

enum slack_kind {
	SLACK_IGNORED = 0, /* nothing for the core; see ignore */
	SLACK_CHALLENGE,   /* url_verification: answer challenge */
	SLACK_MESSAGE,     /* a person's message (or app_mention) */
	SLACK_PRESS,       /* a button of ours was pressed (block_actions) */
	SLACK_COMMAND,     /* the slash command */
};

/*
 * One parsed request. Every char * is owned (malloc'd) or NULL, freed by
 * slack_item_release(); ignore points to a static string.
 */
struct slack_item {
	enum slack_kind kind;
	const char *ignore;
	char *challenge;
	char *event_id;
	char *channel;      /* C..., G... or D... */
	char *channel_type; /* im, channel, group, mpim, or NULL when not said */
	char *user;
	char *user_name;
	char *ts;          /* the message (a press: the message the button is under) */
	char *thread_ts;   /* the thread it is in, or NULL at the top level */
	char *text;        /* cleaned (slack_clean_text); a press: NULL */
	char *callback;    /* a press: the button's value */
	char *action_ts;   /* a press: when */
	char *trigger_id;  /* a command */
	int mentioned;     /* the bot was mentioned, or it came as app_mention */
	int has_photo;     /* an image file came with the message: */
	char *photo_url;   /* url_private_download (NULL when too big) */
	int photo_too_big; /* over PHOTO_MAX_BYTES */
};

void slack_item_release(struct slack_item *it);

/*
 * An Events API body (event_callback or url_verification). BOT_USER (the
 * bot's own user ID, or NULL) and BOT_ID mark the bot's own messages and its
 * mentions. 0 with *OUT filled (perhaps SLACK_IGNORED), or -1 with ERR.
 */
int slack_parse_event(json_t *body, const char *bot_user, const char *bot_id,
                      struct slack_item *out, char *err, size_t errlen);
/* An interactivity payload (the JSON of payload=...): block_actions. */
int slack_parse_interactive(json_t *payload, struct slack_item *out, char *err, size_t errlen);
/*
 * A slash command, as form fields (HTTP) or as an object of the same fields
 * (Socket Mode). COMMAND is the configured one ("/concierge"); others are
 * ignored. Its text becomes the gateway's command: "accept 261127-001" is
 * "/accept 261127-001", empty is "/help", and text that does not start with
 * a word of ASCII letters is said as it is ("报修 厨房漏水").
 */
int slack_parse_command(json_t *fields, const char *command, struct slack_item *out, char *err,
                        size_t errlen);

/*
 * The value of KEY in the form-encoded BODY, decoded (+ and %XX), malloc'd;
 * NULL when absent or not decodable.
 */
char *slack_form_get(const char *body, size_t len, const char *key);
/* Every field of a form as a JSON object of strings (new reference), or NULL. */
json_t *slack_form_object(const char *body, size_t len);

/*
 * Slack's markup as plain text: the mention of BOT_USER removed (sets
 * *MENTIONED), other mentions as "@name", channels as "#name", links as their
 * label (or URL), &amp; &lt; &gt; decoded, whitespace trimmed. Malloc'd.
 */
char *slack_clean_text(const char *text, const char *bot_user, int *mentioned);

/* ---- what goes out ---- */

/* &, < and > as &amp; &lt; &gt;: user text cannot mention @channel or make a link. */
char *slack_escape(const char *text);

/* CHAT split into its channel and thread ("" when none). 0, or -1 when it is not a chat. */
int slack_chat_split(const char *chat, char *channel, size_t clen, char *thread, size_t tlen);

/*
 * chat.postMessage bodies for an outbox PAYLOAD to CHAT: the text escaped,
 * the payload's mentions in front, split into parts of at most
 * SLACK_PART_MAX characters, the buttons (an actions block) under the last
 * part. Returns the number of parts with *BODY the one of PART (malloc'd),
 * or -1 with ERR when the row can never be sent.
 */
int slack_build_post(const char *chat, const char *payload, int part, char **body, char *err,
                     size_t errlen);

/* ---- answers ---- */

enum slack_verdict {
	SLACK_OK = 0,
	SLACK_RETRY,        /* network, 5xx, Slack's own trouble */
	SLACK_RATE_LIMITED, /* 429 or "ratelimited" */
	SLACK_REFUSED,      /* our token is refused: invalid_auth, token_revoked, ... */
	SLACK_DEAD,         /* this message can never go: channel_not_found, not_in_channel, ... */
};

/* What an answer means; ERROR gets "HTTP 200: channel_not_found" or the like. */
enum slack_verdict slack_classify(long status, const char *body, size_t len, const char *neterr,
                                  char *error, size_t errlen);

#endif
