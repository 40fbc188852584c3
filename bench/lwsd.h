/*
 * lwsd.h - the small libwebsockets HTTP/1.1 server the bench's fake Bot API
 * (fakebot.c) and floor server (floor.c) are built on.
 *
 * One thread, one lws context on a loopback port. Each request's body is
 * read whole (up to LWSD_BODY_MAX), then the handler is called once with the
 * request and fills in the answer, which is written and the connection kept
 * alive for the next request (unless close_after). Nothing here is part of
 * the server's layers.
 */
#ifndef CONCIERGE_BENCH_LWSD_H
#define CONCIERGE_BENCH_LWSD_H

#include <stddef.h>

#define LWSD_BODY_MAX (1u << 20)

struct lws;

struct lwsd_req {
	int post;         /* 1 for POST, 0 for GET (and anything else) */
	const char *path; /* without the query */
	const char *body; /* NUL-terminated; "" without a body; borrowed */
	size_t len;
	struct lws *wsi; /* for lwsd_header() and lwsd_arg() */
};

/* The answer: BODY is malloc'd and taken over (freed by lwsd), or NULL for none. */
struct lwsd_resp {
	int status;
	const char *ctype; /* static; default "application/json" */
	char *body;
	size_t len;
};

typedef void (*lwsd_handler)(void *ud, const struct lwsd_req *req, struct lwsd_resp *resp);

/* The value of header NAME (lower case, with the colon: "x-telegram-bot-api-secret-token:")
 * into OUT; returns its length, or -1 when absent (OUT is then ""). */
int lwsd_header(const struct lwsd_req *req, const char *name, char *out, size_t len);

/* The query argument NAME ("from") into OUT; returns 0, or -1 when absent. */
int lwsd_arg(const struct lwsd_req *req, const char *name, char *out, size_t len);

/* Parses a whole decimal integer in [MIN, MAX] into *OUT; returns 0, or -1 (a message
 * naming OPTION is printed). For command lines. */
int lwsd_int_arg(const char *option, const char *s, long min, long max, long *out);

/* Sets RESP to a copy of TEXT with STATUS. */
void lwsd_answer(struct lwsd_resp *resp, int status, const char *text);

/*
 * Listens on 127.0.0.1:PORT (0: any free port), prints "NAME listening on
 * http://127.0.0.1:P" on stdout once it does, and serves until SIGTERM or
 * SIGINT. CLOSE_AFTER: answer with "connection: close" and hang up after each
 * answer, as Concierge does over HTTP/1. Returns 0, or 1 when it could not
 * start.
 */
int lwsd_run(const char *name, int port, int close_after, lwsd_handler handler, void *ud);

#endif
