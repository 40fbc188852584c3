/*
 * generic.h - the generic signed webhook channel (a mini-program, an app).
 *
 * Both directions carry JSON signed with HMAC-SHA256 over the raw body,
 * keyed with the configured secret, in the header
 *   X-Concierge-Signature: sha256=<64 lowercase hex digits>
 * Inbound, the server checks it with generic_verify() before parsing
 * anything. Outbound, the sender POSTs each outbox row to the configured
 * callback URL as
 *   {"id": <outbox id>, "chat": "...", "text": "...", "buttons": [{"label","data"}...]}
 * signed with generic_sign(). These functions are pure.
 */
#ifndef CONCIERGE_GENERIC_H
#define CONCIERGE_GENERIC_H

#include <stddef.h>
#include <stdint.h>

/* channels.generic as read by the adapter (generic_chan.c). Strings are owned. */
struct generic_conf {
	char *secret;       /* HMAC-SHA256 key for both directions; required when enabled */
	char *callback_url; /* where replies are POSTed, or NULL */
};

#define GENERIC_SIG_HEADER "X-Concierge-Signature"
#define GENERIC_SIG_LEN    71 /* "sha256=" and 64 hex digits */

/*
 * Writes "sha256=<hex HMAC-SHA256(secret, body)>" and a NUL into OUT.
 * Returns 0, or -1 when SECRET is NULL or empty or the MAC fails.
 */
int generic_sign(const char *secret, const void *body, size_t len, char out[72]);

/*
 * 1 when HEADER is "sha256=" followed by the right 64 hex digits (either
 * case) for BODY under SECRET, compared in constant time; 0 otherwise,
 * including a NULL or empty secret (an unkeyed channel is not trusted) and a
 * NULL header.
 */
int generic_verify(const char *secret, const void *body, size_t len, const char *header);

/*
 * The body POSTed for outbox row ID to CHAT, built from the row's payload
 * ({"text", "buttons"}): "text" is always a string and "buttons" always an
 * array. Returns a malloc'd JSON string, or NULL when the payload is not a
 * JSON object (or out of memory).
 */
char *generic_build_body(int64_t id, const char *chat, const char *payload);

enum generic_verdict {
	GENERIC_OK = 0,
	GENERIC_RETRY,        /* no answer, 5xx, 408 */
	GENERIC_RATE_LIMITED, /* 429: wait Retry-After */
	GENERIC_FATAL,        /* any other status: dead-letter */
};

/* What an HTTP status (0 for no answer at all) means for a delivery. */
enum generic_verdict generic_classify_status(long http_status);

#endif
