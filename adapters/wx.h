/*
 * wx.h - what the WeChat Official Account (wechat.c) and the WeCom app
 * (wecom.c) share: Tencent's callback signatures and message encryption
 * (wxcrypt.c), the XML of their callbacks (wxxml.c), and their APIs' access
 * tokens, answers and texts (wxapi.c).
 *
 * Signatures: hex SHA-1 of the strings (token, timestamp, nonce, and in safe
 * mode the Encrypt text) sorted and joined, compared in constant time.
 *
 * Encryption (安全模式): AES-256-CBC with key = base64-decode(EncodingAESKey
 * + "=") (43 characters make 32 bytes), IV = the key's first 16 bytes, PKCS#7
 * padding to a multiple of 32 bytes; the plaintext is 16 random bytes, the
 * message's length as 4 bytes in network order, the message, and the
 * receiver's ID (the Official Account's AppID, or the WeCom corp ID), which
 * is checked. The signature over the ciphertext is checked before it is
 * decrypted.
 *
 * XML: expat, with every document type declaration refused (no entities, no
 * external anything), UTF-8 only, bounded in size, depth and fields.
 */
#ifndef CONCIERGE_WX_H
#define CONCIERGE_WX_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "adapters/adapter.h"
#include "lib/buf.h"

struct wx_answer;
struct cfg_ld;

/* ---- signatures and encryption (wxcrypt.c) ------------------------------------------ */

#define WX_SIG_LEN     41 /* hex SHA-1 and its NUL */
#define WX_AES_KEY_LEN 43 /* an EncodingAESKey */

/* The hex SHA-1 of the N strings PARTS sorted (bytewise) and joined, into OUT. 0, or -1. */
int wx_signature(const char *const *parts, size_t n, char out[WX_SIG_LEN]);
/* 1 when GIVEN is the signature of PARTS (compared in constant time), else 0. */
int wx_signature_ok(const char *given, const char *const *parts, size_t n);

/* 1 when S is an EncodingAESKey: 43 characters of A-Za-z0-9+/ . */
int wx_aes_key_valid(const char *s);
/* The AES key of ENCODING_AES_KEY. 0, or -1 when it is no EncodingAESKey. */
int wx_aes_key(const char *encoding_aes_key, unsigned char key[32]);

/*
 * Decrypts the base64 text B64 (LEN bytes) and checks that it ends in
 * RECEIVER: 0 with *MSG (malloc'd, NUL-terminated) and *MSGLEN, or -1 with
 * what is wrong in ERR.
 */
int wx_decrypt(const unsigned char key[32], const char *b64, size_t len, const char *receiver,
               char **msg, size_t *msglen, char *err, size_t errlen);
/*
 * The base64 ciphertext of MSG (LEN bytes) for RECEIVER with the 16 bytes
 * RANDOM in front (malloc'd), or NULL.
 */
char *wx_encrypt(const unsigned char key[32], const unsigned char random[16], const char *msg,
                 size_t len, const char *receiver);

/* ---- XML (wxxml.c) ------------------------------------------------------------------ */

#define WX_XML_MAX_FIELDS 64
#define WX_XML_MAX_DEPTH  8

/* One element under the root <xml>: its name and its text (CDATA included). Owned. */
struct wx_field {
	char *name;
	char *value;
	size_t len;
};

/* A callback's <xml>...</xml>: the root's child elements (deeper ones are skipped). */
struct wx_xml {
	struct wx_field f[WX_XML_MAX_FIELDS];
	size_t n;
};

/*
 * Parses DATA (LEN bytes): the root must be <xml>; a child element may come
 * once; a document type declaration (and so every entity), more than
 * WX_XML_MAX_FIELDS children, a text over MAX_VALUE bytes or nesting deeper
 * than WX_XML_MAX_DEPTH is refused. 0, or -1 with ERR (*OUT is then empty).
 * *OUT is released by wx_xml_release() either way.
 */
int wx_xml_parse(const char *data, size_t len, size_t max_value, struct wx_xml *out, char *err,
                 size_t errlen);
/* The text of child NAME, or NULL when there is none. */
const char *wx_xml_get(const struct wx_xml *x, const char *name);
void wx_xml_release(struct wx_xml *x);

/* ---- configuration (wxapi.c) ------------------------------------------------------- */

/* Reads "token" of O (the callback's Token: 3 to 32 letters or digits) into *TOKEN. */
void wx_config_token(struct cfg_ld *ld, json_t *o, const char *path, const char *need, int lax,
                     char **token);
/* Reads "encoding_aes_key" of O into *S, and its AES key into KEY with *HAS_KEY set. */
void wx_config_aes_key(struct cfg_ld *ld, json_t *o, const char *path, const char *need, int lax,
                       char **s, unsigned char key[32], int *has_key);

/* ---- the APIs (wxapi.c) ------------------------------------------------------------- */

#define WX_TOKEN_MAX    600 /* an access token, and its NUL */
#define WX_TOKEN_MARGIN 300 /* seconds before its end a token is renewed */
#define WX_CONTENT_MAX  2048

/*
 * An access token, shared by the threads of one channel (the sender's
 * build/classify, the fetching thread, the service thread's start and
 * health): the one part of a channel's configuration that changes, behind
 * its mutex. It lives in the configuration because the sender's functions
 * may only read that; it holds no credential of the configuration's.
 */
struct wx_token {
	pthread_mutex_t mu;
	char value[WX_TOKEN_MAX]; /* "" when none */
	int64_t expires_at;       /* clock_now() seconds */
	int64_t fetching_since;   /* clock_mono_ms() of a fetch in flight, or 0 */
	int64_t retry_at;         /* clock_mono_ms() before which no fetch starts again */
	int fresh;                /* fetched after one was refused: refused again means the
	                             credentials */
	int next_fresh;           /* the next fetch is such a one */
	int refused;              /* the last fetch was refused (wrong secret, IP not allowed) */
	long fetches;             /* fetches started */
	char error[200];          /* the last fetch's failure, or "" */
};

enum wx_want {
	WX_USE,   /* use the token given (possibly "", possibly ending: another fetch runs) */
	WX_FETCH, /* fetch one now (it is marked in flight) */
};

void wx_token_init(struct wx_token *t);
void wx_token_destroy(struct wx_token *t);
/* What a call should do about its token now; OUT gets the token there is. */
enum wx_want wx_token_take(struct wx_token *t, char *out, size_t len);
/*
 * The answer to a fetch ({"access_token", "expires_in"} or {"errcode",
 * "errmsg"}): 0 when a token was kept, else -1 with ERR and *REFUSED set
 * when the platform refused the credentials (REFUSED_CODES, 0-terminated).
 */
int wx_token_answer(struct wx_token *t, long status, const char *resp, size_t len,
                    const char *neterr, const long *refused_codes, char *err, size_t errlen,
                    int *refused);
/*
 * A call made with token USED was refused for its token (expired, invalid):
 * 1 when USED was fetched after such a refusal already (the credentials are
 * wrong), else 0: it is forgotten, the next call fetches another.
 */
int wx_token_refused(struct wx_token *t, const char *used);
/* A call made with token USED went through. */
void wx_token_worked(struct wx_token *t, const char *used);
/*
 * Fetches a token now through CH's host (start, the fetching thread) with
 * CALL (a GET of the token URL), unless one is at hand: 0 with OUT, or -1.
 */
int wx_token_now(struct wx_token *t, struct chan *ch, const struct adapter_call *call,
                 const long *refused_codes, char *out, size_t len);
/*
 * start(): fetches the first token with CALL (then released), unless CALL
 * has no URL; a failure is in the log, and the sender tries again.
 */
void wx_token_first(struct wx_token *t, struct chan *ch, struct adapter_call *call,
                    const long *refused_codes);
/* "token": "ok"|"none"|"refused", "token_fetches" into OBJ (/healthz). */
void wx_token_health(struct wx_token *t, json_t *obj);

/*
 * The callbacks. WX_BODY_MAX bytes of body at most; WX_VALUE_MAX bytes of
 * one element's text.
 */
#define WX_BODY_MAX  (64 * 1024)
#define WX_VALUE_MAX (16 * 1024)
#define WX_ARG_MAX   512

/*
 * Query argument NAME of REQ into OUT: its length, or -1 when it is absent,
 * empty or does not fit. A space becomes '+' again (a base64 text sent
 * without percent-encoding its '+').
 */
int wx_req_arg(const struct http_req *req, const char *name, char *out, size_t len);

/* check(): 1 with 413 in ANS when REQ announces a body over WX_BODY_MAX, else 0. */
int wx_body_too_large(const struct http_req *req, struct http_answer *ans);

/*
 * The encrypted URL check: msg_signature SIG over TOKEN, TS, NONCE and
 * ECHO is checked, then ECHO decrypted with KEY (NULL when the channel has
 * none) for RECEIVER is the answer.
 */
void wx_url_echo(struct chan *ch, const char *token, const char *ts, const char *nonce,
                 const char *sig, const char *echo, const unsigned char *key, const char *receiver,
                 struct http_answer *ans);

/* Why an envelope could not be opened. */
enum wx_open_fail {
	WX_OPEN_OK = 0,
	WX_OPEN_BAD,       /* not a callback (no XML, no Encrypt): 400 */
	WX_OPEN_SIGNATURE, /* msg_signature does not match: 401 */
	WX_OPEN_DECRYPT,   /* signed, but no message for this receiver inside: 400 */
};

/*
 * A safe-mode callback BODY (LEN bytes): <xml>...<Encrypt>B64</Encrypt></xml>.
 * Its msg_signature MSG_SIG is checked over TOKEN, TS, NONCE and Encrypt
 * before anything is decrypted; then the message inside is decrypted for
 * RECEIVER and parsed into *INNER (released by wx_xml_release() in any case).
 */
enum wx_open_fail wx_open(const char *body, size_t len, const char *token, const char *ts,
                          const char *nonce, const char *msg_sig, const unsigned char key[32],
                          const char *receiver, struct wx_xml *inner, char *err, size_t errlen);

/*
 * wx_open() of REQ's body for CH: 0 with *INNER, or -1 with the refusal in
 * ANS (and the log).
 */
int wx_open_answer(struct chan *ch, const struct http_req *req, const char *token, const char *ts,
                   const char *nonce, const char *msg_sig, const unsigned char key[32],
                   const char *receiver, struct wx_xml *inner, struct http_answer *ans);
/*
 * A callback's answer once its message was read: WHY (refused, 400), no
 * message IN (ACK at once), or ACK after the commit. 1 when there is IN.
 */
int wx_hook_answer(struct chan *ch, const char *why, const struct inbound *in, const char *ack,
                   struct http_answer *ans);
/*
 * The inbound message ID of channel CHAN from FROM (their private chat and
 * user): TEXT, or NULL; the fixed answer SIDE, or NULL; the photo MEDIA, or
 * NULL. NULL when out of memory.
 */
struct inbound *wx_inbound(const char *chan, const char *id, const char *from, const char *text,
                           const char *side, const char *media);

/* ---- the sender's side ---- */

/* API_BASE PATH ?access_token=TOKEN (malloc'd), or NULL. */
char *wx_api_url(const char *api_base, const char *path, const char *token);

/*
 * classify() for a call that fetched a token (its URL has TOKEN_PATH): 1 with
 * V filled when it was one, else 0. A token kept is RETRY (the row goes
 * again with it), refused credentials REFUSED.
 */
int wx_classify_token(struct wx_token *t, const struct adapter_call *call, const char *token_path,
                      const long *refused_codes, long status, const char *resp, size_t len,
                      const char *neterr, struct adapter_verdict *v);
/*
 * classify() for an answer that refused the token of CALL (expired, or
 * ended): RETRY with another, or REFUSED when the one refused was fresh.
 */
void wx_classify_stale(struct wx_token *t, const struct adapter_call *call,
                       const struct wx_answer *a, struct adapter_verdict *v);
/*
 * classify() for an answer that says the call had no token (its fetch
 * failed): REFUSED when the platform refused the credentials, else RETRY.
 */
void wx_classify_missing(struct wx_token *t, const struct wx_answer *a, struct adapter_verdict *v);
/*
 * classify()'s beginning: a token fetch (wx_classify_token), then
 * wx_classify_http(): 1 with V filled; else 0 with *A read (released by
 * the caller) and V's error "ERRCODE ERRMSG".
 */
int wx_classify_begin(struct wx_token *t, const struct adapter_call *call, const char *token_path,
                      const long *refused_codes, long status, const char *resp, size_t len,
                      long retry_after, const char *neterr, struct wx_answer *a,
                      struct adapter_verdict *v);
/*
 * classify() for the errcodes both APIs give alike: 0 sent (and the token
 * worked), -1 busy, 40001/40014/42001 a stale token, 41001 no token. 1
 * with V filled when A was one of them, else 0.
 */
int wx_classify_common(struct wx_token *t, const struct adapter_call *call,
                       const struct wx_answer *a, struct adapter_verdict *v);
/*
 * classify()'s common part: no answer, a server error, HTTP 429 or a body
 * that is not the API's JSON. 1 with V filled when it was one of those.
 */
int wx_classify_http(long status, const struct wx_answer *a, long retry_after, const char *neterr,
                     struct adapter_verdict *v);

/*
 * Downloads media MEDIA_ID (an image a person sent) through CH's host on the
 * fetching thread: the token (fetched with TOKEN_CALL when there is none),
 * then GET API_BASE/cgi-bin/media/get with the token and the media_id.
 * fetch_attachment()'s return values.
 */
int wx_fetch_media(struct chan *ch, struct wx_token *t, const struct adapter_call *token_call,
                   const long *refused_codes, const char *api_base, const char *media_id,
                   size_t max, unsigned char **data, size_t *len);

/* The value of query argument NAME ("access_token") in URL, into OUT ("" when absent). */
void wx_url_arg(const char *url, const char *name, char *out, size_t len);
/* 1 when S may stand in a URL's query as it is (an AppID, a token): A-Za-z0-9_- only. */
int wx_query_safe(const char *s);

/* An answer of the APIs: errcode (0 when the body says nothing) and errmsg. */
struct wx_answer {
	int json;     /* the body is a JSON object */
	long errcode; /* 0 when absent */
	char errmsg[160];
	json_t *root; /* owned, or NULL */
};
void wx_answer_read(const char *resp, size_t len, struct wx_answer *a);
void wx_answer_release(struct wx_answer *a);

/*
 * The text of outbox PAYLOAD (lib/msg.h) as a plain text message: '<' and
 * '>' become their full-width forms, so nothing in it is taken for a link
 * tag. Buttons become what to reply: with COMMANDS each button's command on
 * a line of its own (staff type "/accept 260101-001"); without, the labels
 * in brackets (【确认提交】【取消】; a button whose data is a command shows
 * the command). 0, or -1 with ERR when the row can never be sent.
 */
int wx_payload_text(const char *payload, int commands, struct buf *out, char *err, size_t errlen);
/* Part WANT of TEXT cut to WX_CONTENT_MAX bytes: the number of parts, part WANT in [*FROM, *TO). */
int wx_text_part(const char *text, int want, size_t *from, size_t *to);

#endif
