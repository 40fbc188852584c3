/*
 * onebot.h - the pure half of the QQ channel: OneBot v11 (NapCat, Lagrange,
 * go-cqhttp) as bytes and plain values.
 *
 * Nothing here touches a socket, a clock or a file: events are parsed from
 * JSON text, messages are read from segment arrays and from CQ-code strings,
 * outbox payloads become segment arrays, signatures and tokens are checked,
 * and action answers become verdicts. The channel's table (qq.c) calls
 * these, and unit tests feed them fixtures.
 *
 * QQ numbers, group numbers and message IDs are integers on the wire (some
 * implementations send them as strings, message IDs may be negative); here
 * they are decimal strings of at most OB_ID_MAX - 1 characters.
 *
 * Chats as the store knows them: a group is "group:<group number>", a
 * private chat is the person's QQ number (a person's private chat has their
 * user ID, as on every chat platform).
 */
#ifndef CONCIERGE_ONEBOT_H
#define CONCIERGE_ONEBOT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "adapters/adapter.h"

#define OB_ID_MAX      24 /* a QQ number, group number or message ID with its NUL */
#define OB_GROUP       "group:"
#define OB_TEXT_MAX    3000 /* bytes of text in one message; longer texts are split */
#define OB_MAX_IMAGES  4    /* images of one message that are kept */
#define OB_SIGN_HEADER "x-signature:"

/* ---- configuration (channels.qq, read by qq.c) ------------------------------------- */

/* One bot account the implementation logs in as. Owned strings. */
struct ob_bot {
	char *self_id; /* its QQ number */
	char *api_url; /* its HTTP API (no trailing '/'), or NULL: actions over its websocket */
	char *ws_url;  /* its forward websocket (ws:// to this machine, or wss://) we connect
	                  to, or NULL */
};

struct ob_conf {
	char *access_token; /* the websocket's bearer token, and the HTTP API's */
	char *secret;       /* HTTP POST events' X-Signature key, or NULL: no HTTP POST */
	struct ob_bot *bots;
	size_t nbots;
	char *staff_group; /* "group:N", or NULL */
	char **groups;     /* resident groups ("group:N") served; none: every group */
	size_t ngroups;
	int addressed_only; /* in groups, only mentions, replies to the bot and commands */
	int action_timeout; /* seconds an action may take over the websocket */
	int per_chat_per_sec;
	int per_chat_per_min;
	int global_per_sec;
};

/* The bot SELF_ID of C, or NULL. */
const struct ob_bot *ob_bot_find(const struct ob_conf *c, const char *self_id);
/* 1 when CHAT ("group:N") is the staff group or a served resident group. */
int ob_group_served(const struct ob_conf *c, const char *chat);

/* ---- IDs ----------------------------------------------------------------------------- */

/* 1 when S is a decimal integer (an optional '-', 1-20 digits). */
int ob_id_ok(const char *s);
/* V (an integer, or a string holding one) as decimal text into OUT; 0, or -1 (OUT ""). */
int ob_id_of(json_t *v, char out[OB_ID_MAX]);

/* ---- messages ---------------------------------------------------------------------- */

/*
 * The CQ-code string S (LEN bytes) as a segment array (a new reference):
 * plain text becomes {"type":"text","data":{"text"}}, "[CQ:type,k=v,...]"
 * becomes {"type","data":{k: v}}; &amp; &#91; &#93; &#44; are decoded in
 * text and values. A "[CQ:" without its "]" is text. NULL only when out of
 * memory.
 */
json_t *ob_cq_parse(const char *s, size_t len);
/* S (LEN bytes) with the CQ escapes decoded (malloc'd), or NULL. */
char *ob_cq_unescape(const char *s, size_t len);

enum ob_kind {
	OB_OTHER = 0, /* a notice, a request, or anything else: nothing for us */
	OB_MESSAGE,   /* a message someone sent (IGNORE says when not for us) */
	OB_META,      /* a heartbeat or lifecycle event */
	OB_RESPONSE,  /* the answer to an action (ECHO) */
};

/*
 * One frame or HTTP POST body. Owned strings are freed by ob_event_release(),
 * which leaves the struct zeroed. IGNORE points to a static string.
 */
struct ob_event {
	enum ob_kind kind;
	const char *ignore; /* OB_MESSAGE not to hand on: "own message", "anonymous", ... */
	char self_id[OB_ID_MAX];
	/* OB_MESSAGE */
	char user_id[OB_ID_MAX];
	char group_id[OB_ID_MAX]; /* "" in a private chat */
	char message_id[OB_ID_MAX];
	char *name; /* the sender's group card, else nickname, or NULL */
	/*
	 * The text segments joined, with the mention of the bot removed and the
	 * ends trimmed: "[CQ:at,qq=SELF] /repair" is "/repair". Never NULL for a
	 * message.
	 */
	char *text;
	int mentions_self;           /* an at segment of self_id */
	char reply_id[OB_ID_MAX];    /* the message a reply segment quotes, or "" */
	char *images[OB_MAX_IMAGES]; /* the http(s) URLs of its images */
	int nimages;
	/* OB_META */
	char meta[16]; /* "heartbeat", "lifecycle" */
	char sub_type[16];
	int64_t interval; /* a heartbeat's: milliseconds to the next one; 0 when not said */
	/* OB_RESPONSE */
	char echo[64];
};

/*
 * Parses JSON (LEN bytes). 0 with *EV filled, or -1 with ERR when it is not a
 * JSON object or a message lacks what every message has (*EV is then
 * empty). *EV needs no initialisation.
 */
int ob_parse_event(const char *json, size_t len, struct ob_event *ev, char *err, size_t errlen);
void ob_event_release(struct ob_event *ev);

/*
 * The message of outbox PAYLOAD (lib/msg.h) for part PART: a segment array
 * (new reference, *OUT). User text is always a "text" segment, never a CQ
 * string; buttons are the commands to type. In a group (GROUP set) the first
 * part quotes the message it answers and mentions its author (the payload's
 * "reply_to"), and people in "mention" are mentioned. Returns the number of
 * parts (long texts are split at OB_TEXT_MAX bytes), or -1 with ERR when the
 * row can never be sent.
 */
int ob_build_message(const char *payload, int group, int part, json_t **out, char *err,
                     size_t errlen);

/* ---- authentication -------------------------------------------------------------------- */

/*
 * 1 when HEADER is "sha1=<hex HMAC-SHA1(SECRET, BODY)>" (hex in either case),
 * compared in constant time. 0 when SECRET is NULL or empty.
 */
int ob_signature_ok(const char *secret, const char *body, size_t len, const char *header);
/*
 * The token of an Authorization header: "Bearer T" (or go-cqhttp's "Token
 * T"), the word in any case. NULL when it is neither; else a pointer into
 * AUTHORIZATION.
 */
const char *ob_bearer(const char *authorization);
/* 1 when GIVEN equals EXPECTED (constant time for equal lengths); 0 for a NULL or "". */
int ob_token_ok(const char *expected, const char *given);

/* ---- answers --------------------------------------------------------------------------- */

/*
 * What an action's answer means: STATUS is the HTTP status (200 for an
 * answer that came over the websocket, 0 for none: NETERR says why), RESP the
 * body {"status","retcode","data","echo"}. ok and async are sent; bad
 * parameters (retcode 1400, HTTP 400, go-cqhttp's retcode 100 but for
 * SEND_MSG_API_ERROR) are dead; a refused token or an unknown action (401,
 * 403, 404 and their 14xx) holds the channel; 429 and go-cqhttp's
 * SEND_MSG_API_ERROR (QQ refused the message, mostly its risk control) wait;
 * the rest (no answer, 5xx, NapCat's 200/1200 handler failures, anything
 * unknown) is tried again.
 */
void ob_classify(long status, const char *resp, size_t len, long retry_after, const char *neterr,
                 struct adapter_verdict *v);
/* The data.message_id of an ok answer into OUT; 0, or -1 (OUT ""). */
int ob_answer_message_id(const char *resp, size_t len, char out[OB_ID_MAX]);

#endif
