/*
 * robot.h - what the webhook robots have in common.
 *
 * A group robot (a WeCom group robot, a DingTalk custom robot, a Feishu
 * custom bot) is a URL that posts into the one group it was added to: it
 * hears nothing and writes to nobody privately, so it is a send-only staff
 * channel whose chats are its robots. Each platform's adapter keeps its own
 * body, signature and error codes; this module holds what would otherwise
 * be written three times:
 *
 *   - reading an outbox payload (lib/msg.h) the way a robot can show it:
 *     no buttons, so each button becomes the command it stands for, on a
 *     line of its own; mentions as a checked list of users, mobile numbers
 *     and "everyone";
 *   - cutting a long text into parts that fit the platform's limit, at a
 *     UTF-8 character boundary (never inside a character), at a line break
 *     when one is near;
 *   - the signatures (base64 HMAC-SHA256) and a query value's encoding;
 *   - channels.NAME of the robots configured by webhook URL (DingTalk,
 *     Feishu): {"enabled", "robots": [{"chat", "webhook", "secret"}],
 *     "per_minute"}, and the table members that only read it;
 *   - what an answer means, from a platform's table of codes, with every
 *     credential scrubbed from the texts that reach logs and /healthz.
 *
 * Everything here runs on whatever thread calls it and reads only what it is
 * given (the sender thread's build/classify read only ch->conf).
 */
#ifndef CONCIERGE_ROBOT_H
#define CONCIERGE_ROBOT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "lib/buf.h"
#include "lib/config_read.h"

/* ---- the message ------------------------------------------------------------------ */

#define ROBOT_MAX_MENTIONS 10 /* per message: what a notice needs, and a bounded body */
#define ROBOT_MENTION_MAX  64 /* bytes of one mentioned user or number */
#define ROBOT_NAME_MAX     64 /* bytes of a name shown with a mention */

/* One person (or everyone) to mention; strings borrowed from the payload. */
struct robot_mention {
	const char *who;  /* a user ID, or a mobile number (without "tel:") */
	const char *name; /* the staff list's name for them, or NULL */
	int mobile;       /* WHO is a mobile number */
	int all;          /* everyone in the group ("@all" / "all") */
};

/* 1 when a bare mention (not "tel:...") is a mobile number on the platform. */
typedef int (*robot_mobile_fn)(const char *who);

/* An outbox payload read for a robot. */
struct robot_msg {
	json_t *root;    /* owned: the payload, which the strings below borrow */
	struct buf text; /* owned: the text, each button's command, the choices (see below) */
	struct robot_mention mentions[ROBOT_MAX_MENTIONS];
	int nmentions;
};

/*
 * Reads PAYLOAD: its text without blank lines around it, a blank line and
 * the data of each button that is a command ("/accept N", to type) unless
 * the text already spells that command out, one a line, then the labels of
 * the other buttons (the replies a dialog takes: 【确认提交】【取消】) on one
 * line; its mentions, a bare one being a mobile number
 * when MOBILE says so (NULL: never). 0, or -1 with ERR when the row can
 * never be sent (not JSON, no text, a mention that is no user). M is
 * released by robot_msg_release() either way.
 */
int robot_msg_read(struct robot_msg *m, const char *payload, robot_mobile_fn mobile, char *err,
                   size_t errlen);
void robot_msg_release(struct robot_msg *m);

/* All digits (WeCom's reading of a mobile number). */
int robot_all_digits(const char *s);

/*
 * The parts of S (LEN bytes of valid UTF-8) of at most MAX bytes each, cut
 * at a character boundary, or at a line break when one falls in the second
 * half of the part (the breaks at a cut are dropped). With JSON set a part
 * is measured as it will stand inside a JSON string (a quote or backslash
 * counts 2, a control character its escape). Returns the number of parts;
 * part WANT is S[*FROM, *TO).
 */
int robot_split(const char *s, size_t len, size_t max, int json, int want, size_t *from,
                size_t *to);

/* ---- signatures ------------------------------------------------------------------- */

#define ROBOT_SIGN_LEN 45 /* base64 of 32 bytes, and its NUL */

/* base64(HMAC-SHA256(KEY, MSG)) into OUT. 0, or -1. */
int robot_sign(const void *key, size_t keylen, const void *msg, size_t msglen,
               char out[ROBOT_SIGN_LEN]);
/* Adds S to B percent-encoded as a query value (all but A-Za-z0-9 and -_.~). */
void robot_query_value(struct buf *b, const char *s);

/* ---- robots by webhook URL: configuration --------------------------------------------- */

/* One robot: a group, the URL that posts there, and its signing secret. Owned strings. */
struct robot_hook {
	char *chat;   /* the chat's name in the outbox and in staff_chats; "group" by default */
	char *url;    /* the webhook the platform gave: it holds the credential, never logged */
	char *token;  /* the credential part of URL, scrubbed from every text shown */
	char *secret; /* the signing secret, or NULL (the robot checks keywords or addresses) */
};

/*
 * Checks a webhook URL of the platform: 0 with *TOKEN (malloc'd) set to the
 * part of it that is the credential, or -1 with what is wrong in WHY
 * (never quoting the URL).
 */
typedef int (*robot_url_fn)(const char *url, char **token, char *why, size_t whylen);

/* One code of a platform's answers and what it means. */
struct robot_code {
	long long code;
	enum adapter_outcome outcome;
	const char *msg_has; /* only when the message has this (any case), or NULL */
	int wait_s; /* ADAPTER_RATE_LIMITED: seconds unless the answer says (0: back off) */
};

/* How a platform answers. */
struct robot_answers {
	const char *code_key; /* "errcode" or "code": an integer, 0 when sent */
	const char *msg_key;  /* "errmsg" or "msg" */
	const struct robot_code *codes;
	size_t ncodes;            /* codes not listed (but 0) are refusals of the message: dead */
	int wait_s;               /* HTTP 429 without Retry-After: seconds to wait (0: back off) */
	enum adapter_scope scope; /* what a rate limit is about: the robot (chat) or all */
};

/* What differs between the platforms that use struct robot_conf. */
struct robot_platform {
	robot_url_fn check_url;
	const char *url_example; /* "https://oapi.dingtalk.com/robot/send?access_token=..." */
	int per_minute;          /* the platform's limit per robot, and the most allowed */
	int per_second;          /* per robot, or 0 */
	int margin_ms;           /* added to the windows: the platform counts arrivals */
	const struct robot_answers *answers;
};

/* channels.NAME of a platform whose robots are configured by webhook URL. */
struct robot_conf {
	const struct robot_platform *pf;
	struct robot_hook *hooks;
	size_t nhooks;
	int per_minute;
	const char **scrub; /* borrowed from HOOKS: every token and secret, NULL-terminated */
};

/*
 * Reads channels.NAME (O, borrowed; NULL when absent) at PATH for platform
 * PF, recording every problem in LD: {"enabled", "robots": [{"chat",
 * "webhook", "secret"}], "per_minute"}. A switched-on channel needs a robot
 * with a webhook; chats are unique. Sets *ENABLED and *CONF (a struct
 * robot_conf, freed with robot_config_free).
 */
void robot_config(struct cfg_ld *ld, json_t *o, const char *path, int *enabled, void **conf,
                  const struct robot_platform *pf);
void robot_config_free(void *conf);

/* The robot of CHAT, or NULL. */
const struct robot_hook *robot_hook_find(const struct robot_conf *c, const char *chat);

/* Table members for channels whose conf is a struct robot_conf. */
const char *robot_staff_chat(const struct chan *ch); /* the first robot's chat */
int robot_can_send(const struct chan *ch);
const char *robot_base_state(const struct chan *ch);
void robot_limits(const struct chan *ch, struct ratelimit_limits *l); /* per robot */
void robot_health(struct chan *ch, json_t *obj);                      /* "robots": [chat, ...] */
/* classify() with the platform's answers; the state names the robot the call went to. */
void robot_conf_classify(const struct chan *ch, const struct adapter_call *call, long status,
                         const char *resp, size_t len, long retry_after, const char *neterr,
                         struct adapter_verdict *v);

/* ---- answers ------------------------------------------------------------------------ */

/*
 * What an answer of the platform means (adapter classify): no answer and
 * server errors are tried again; HTTP 429 and the codes that say so wait;
 * codes that refuse the robot's credentials hold the channel, with
 * "error: CODE MESSAGE[ (robot LABEL)]" as its state; other refusals are
 * dead. A non-2xx answer is read by its code when the code is listed (some
 * platforms say "too fast" with HTTP 400). Each text has every string of
 * SCRUB (NULL-terminated, or NULL) replaced by "<key>".
 */
void robot_classify(const struct robot_answers *ra, const char *const *scrub, const char *label,
                    long status, const char *resp, size_t len, long retry_after, const char *neterr,
                    struct adapter_verdict *v);

/* Copies SRC into DST (SIZE bytes) with every string of SCRUB replaced by "<key>". */
void robot_scrub(char *dst, size_t size, const char *src, const char *const *scrub);

#endif
