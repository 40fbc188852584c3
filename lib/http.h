/*
 * http.h - one HTTP request as the server hands it to an adapter, and the
 * answer the adapter gives.
 *
 * The server (bot/http.c) owns both; an adapter reads the request through
 * these fields and functions and fills the answer. Nothing here knows the
 * HTTP library underneath, so an adapter's routes can be driven by a unit
 * test with a hand-made request.
 */
#ifndef CONCIERGE_HTTP_H
#define CONCIERGE_HTTP_H

#include <stddef.h>

struct http_req {
	const char *method; /* "GET", "POST", "HEAD" */
	const char *path;   /* without the query */
	const char *body;   /* the whole body, NUL-terminated ("" for none) */
	size_t len;
	/*
	 * Copies header NAME (lower case, ending in ':', e.g. "x-hub-signature:")
	 * into OUT; returns its length, -1 when it is absent, -2 when it does
	 * not fit (OUT is then "" in both cases).
	 */
	int (*header)(const struct http_req *r, const char *name, char *out, size_t len);
	/* Copies cookie NAME into OUT; its length, or -1. */
	int (*cookie)(const struct http_req *r, const char *name, char *out, size_t len);
	/*
	 * Copies query argument NAME ("access_token", percent-decoded) into OUT;
	 * its length, -1 when absent, -2 when it does not fit (OUT is then "").
	 * NULL in requests made by hand (tests): no query.
	 */
	int (*query)(const struct http_req *r, const char *name, char *out, size_t len);
	int tls;    /* it came over HTTPS */
	void *impl; /* the server's */
};

/*
 * The answer. An adapter either answers at once (status set) or queues
 * messages and leaves status 0: the server then answers 200 {"ok":true}
 * (or AFTER_COMMIT as text/plain, when the adapter set it) once they are
 * committed, or 500 when they could not be.
 */
struct http_answer {
	int status;
	const char *ctype;
	char *body;                       /* owned (malloc'd), or NULL */
	const unsigned char *static_body; /* instead of BODY: static data, not freed */
	size_t len;
	char set_cookie[200];
	char cache[48];        /* Cache-Control; "" means no-store */
	const char *csp;       /* Content-Security-Policy, or NULL */
	const char *challenge; /* WWW-Authenticate (of a 401), static text, or NULL */

	/* Static text answered once committed (a platform's "success"), or NULL. */
	const char *after_commit;
	/* Retry-After (of a 503): seconds, static text, or NULL. */
	const char *retry_after;
};

/* Answers STATUS with a copy of TEXT (may be NULL for no body). */
void http_answer_text(struct http_answer *a, int status, const char *ctype, const char *text);
/* Answers STATUS with {"ok":false,"error":MESSAGE}. */
void http_answer_error(struct http_answer *a, int status, const char *message);
/* Frees what the answer owns and zeroes it. */
void http_answer_release(struct http_answer *a);

#endif
