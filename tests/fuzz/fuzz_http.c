/*
 * fuzz_http.c - the server's HTTP routing (bot/http.c) without a server:
 * its file is compiled in here so its router, route_find() and ws_find(),
 * and its header-value check, clean_value(), can be called on any path (the
 * Makefile links this target without bot/http.o). The demo configuration
 * (config.example.json) gives every channel's routes.
 *
 * Input: byte 0's low bit is the method (GET or POST), the rest the path
 * (its first line) and a header value (the rest).
 * Invariants: the route found is the path's own, or the longest route
 * ending in '/' that the path starts with, and none is missed; a websocket
 * endpoint is only its exact path; the route found runs as the server runs
 * it (check, then handle, a web page served only for a file of its own); a
 * header value is refused exactly when it has a control byte.
 */
#include "bot/http.c"

#include <stdint.h>
#include <time.h>

#include "fuzz.h"

static struct cfg *demo;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[4096];
	size_t i;

	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR + 1);
	if (cfg_load("config.example.json", &demo, err, sizeof(err)) < 0) {
		fprintf(stderr,
		        "fuzz_http: config.example.json (run from the repository root): %s\n", err);
		abort();
	}
	for (i = 0; i < demo->nchans; i++) {
		demo->chans[i].host = &fz_host; /* borrowed by the handlers called below */
		if (demo->chans[i].enabled && demo->chans[i].a->start &&
		    demo->chans[i].a->start(&demo->chans[i]) < 0)
			demo->chans[i].enabled = 0;
	}
	return 0;
}

/* Every route of every channel compared with PATH as the router should. */
static void check_route(const char *path, const struct adapter_route *got,
                        const struct chan *got_ch)
{
	const struct adapter_route *exact = NULL, *r;
	size_t i, n, best = 0;
	int j;

	for (i = 0; i < demo->nchans; i++)
		for (j = 0; j < ADAPTER_MAX_ROUTES && demo->chans[i].a->routes[j].path; j++) {
			r = &demo->chans[i].a->routes[j];
			n = strlen(r->path);
			if (!exact && strcmp(r->path, path) == 0)
				exact = r;
			else if (n && r->path[n - 1] == '/' && strncmp(r->path, path, n) == 0 &&
			         n > best)
				best = n;
		}
	if (exact && got != exact)
		fuzz_fail("\"%s\": the exact route %s not chosen", path, exact->path);
	if (!exact && best && (!got || strlen(got->path) != best))
		fuzz_fail("\"%s\": the longest prefix (%zu) not chosen", path, best);
	if (!exact && !best && got)
		fuzz_fail("\"%s\": route %s found for no match", path, got->path);
	if (got) {
		for (j = 0; j < ADAPTER_MAX_ROUTES && got_ch->a->routes[j].path; j++)
			if (&got_ch->a->routes[j] == got)
				break;
		if (j == ADAPTER_MAX_ROUTES || !got_ch->a->routes[j].path)
			fuzz_fail("\"%s\": route %s is not its channel's", path, got->path);
	}
}

/* The route as on_http() runs it for a GET or a POST without a body. */
static void run(struct chan *ch, const struct adapter_route *route, const char *method,
                const char *path, const char *value)
{
	struct fz_req f;
	struct http_req req;
	struct http_answer ans;
	struct inbound *out = NULL;

	if (!ch->enabled ||
	    !(route->methods & (strcmp(method, "POST") == 0 ? ROUTE_POST : ROUTE_GET)))
		return;
	memset(&f, 0, sizeof(f));
	fz_req_header(&f, "x-concierge-signature:", value);
	fz_req_header(&f, "x-telegram-bot-api-secret-token:", value);
	fz_req_header(&f, "content-length:", "0");
	f.query = value;
	fz_req_init(&req, &f, method, path, "", 0);
	memset(&ans, 0, sizeof(ans));
	if (route->check && route->check(ch, &req, &ans) < 0) {
		if (ans.status < 400 || ans.status > 499)
			fuzz_fail("\"%s\": refused with %d", path, ans.status);
	} else {
		route->handle(ch, &req, &ans, &out);
		fz_check_inbound(out, ch->name);
		inbound_free_list(out);
		if (ans.status == 200 && strcmp(route->path, "/") == 0 && strcmp(path, "/") != 0 &&
		    (strstr(path, "..") || strstr(path, "//") || path[1] == '\0'))
			fuzz_fail("\"%s\": a page served", path);
	}
	http_answer_release(&ans);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct adapter_route *route;
	struct chan *ch = NULL, *ws;
	char *input, *value, buf[600];
	const char *method;
	size_t vlen, i;
	int rc, ctl = 0;

	if (size < 1 || size > 4096)
		return 0;
	method = data[0] & 1 ? "POST" : "GET";
	input = fuzz_str(data + 1, size - 1);
	value = strchr(input, '\n');
	if (value)
		*value++ = '\0';
	else
		value = input + strlen(input);

	route = route_find(demo, input, &ch);
	check_route(input, route, ch);
	if (route)
		run(ch, route, method, input, value);
	ws = ws_find(demo, input);
	if (ws && (!ws->a->ws.path || strcmp(ws->a->ws.path, input) != 0 || !ws->enabled))
		fuzz_fail("\"%s\": websocket endpoint of %s", input, ws->name);
	(void)console_claims(input);

	/* A header value: refused with a control byte in it, else kept whole. */
	vlen = strlen(value);
	if (vlen < sizeof(buf)) {
		memcpy(buf, value, vlen + 1);
		for (i = 0; i < vlen; i++)
			ctl |= (unsigned char)value[i] < 0x20 || value[i] == 0x7f;
		rc = clean_value(buf, (int)vlen);
		if (ctl ? rc != -3 || buf[0] : rc != (int)vlen || strcmp(buf, value) != 0)
			fuzz_fail("clean_value(\"%s\") = %d", value, rc);
	}
	free(input);
	return 0;
}
