/*
 * lwsd.c - see lwsd.h. Headers are written in one writable callback and the
 * body in the next, as libwebsockets wants (and as Concierge's bot/http.c
 * does), so the floor pays what Concierge pays per answer.
 */
#include "bench/lwsd.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

struct lwsd {
	lwsd_handler handler;
	void *ud;
	int close_after;
};

struct pss {
	char path[512];
	int post;
	char *body;
	size_t len, cap;
	int too_big;
	int responding, headers_sent, closing;
	struct lwsd_resp resp;
};

static volatile sig_atomic_t stop;

/* poll() is never restarted after a handler: lws_service() returns and the loop looks. */
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int lwsd_header(const struct lwsd_req *req, const char *name, char *out, size_t len)
{
	int n;

	out[0] = '\0';
	n = lws_hdr_custom_length(req->wsi, name, (int)strlen(name));
	if (n < 0 || (size_t)n >= len)
		return -1;
	if (lws_hdr_custom_copy(req->wsi, out, (int)len, name, (int)strlen(name)) < 0) {
		out[0] = '\0';
		return -1;
	}
	return n;
}

int lwsd_arg(const struct lwsd_req *req, const char *name, char *out, size_t len)
{
	char key[64];
	const char *v;

	/* lws copies the whole "name=value" into OUT and points past the '=' */
	snprintf(key, sizeof(key), "%s=", name);
	v = lws_get_urlarg_by_name(req->wsi, key, out, (int)len);
	if (!v) {
		out[0] = '\0';
		return -1;
	}
	memmove(out, v, strlen(v) + 1);
	return 0;
}

int lwsd_int_arg(const char *option, const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "%s: expected an integer from %ld to %ld, not '%s'\n", option, min,
		        max, s);
		return -1;
	}
	*out = v;
	return 0;
}

void lwsd_answer(struct lwsd_resp *resp, int status, const char *text)
{
	free(resp->body);
	resp->status = status;
	resp->body = strdup(text);
	resp->len = resp->body ? strlen(resp->body) : 0;
}

static void reset(struct pss *p)
{
	free(p->body);
	free(p->resp.body);
	memset(p, 0, sizeof(*p));
}

static void handle(struct lwsd *d, struct lws *wsi, struct pss *p)
{
	struct lwsd_req req;

	req.post = p->post;
	req.path = p->path;
	req.body = p->body ? p->body : "";
	req.len = p->len;
	req.wsi = wsi;
	if (p->too_big)
		lwsd_answer(&p->resp, 413, "{\"ok\":false,\"description\":\"body too large\"}");
	else
		d->handler(d->ud, &req, &p->resp);
	if (!p->resp.status)
		lwsd_answer(&p->resp, 200, "{\"ok\":true}");
	p->responding = 1;
	lws_callback_on_writable(wsi);
}

static int add_body(struct pss *p, const void *in, size_t len)
{
	if (p->len + len > LWSD_BODY_MAX) {
		p->too_big = 1;
		return 0;
	}
	if (p->len + len + 1 > p->cap) {
		size_t cap = (p->len + len + 1) * 2;
		char *b = realloc(p->body, cap);

		if (!b)
			return -1;
		p->body = b;
		p->cap = cap;
	}
	memcpy(p->body + p->len, in, len);
	p->len += len;
	p->body[p->len] = '\0';
	return 0;
}

static int write_answer(struct lwsd *d, struct lws *wsi, struct pss *p)
{
	unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *ptr = start,
	                                   *end = buf + sizeof(buf) - 1;
	unsigned char *out;
	int n;

	if (p->closing)
		return -1;
	if (!p->headers_sent) {
		if (lws_add_http_common_headers(wsi, (unsigned int)p->resp.status,
		                                p->resp.ctype ? p->resp.ctype : "application/json",
		                                (lws_filepos_t)p->resp.len, &ptr, end) ||
		    (d->close_after &&
		     lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:",
		                                 (const unsigned char *)"close", 5, &ptr, end)) ||
		    lws_finalize_write_http_header(wsi, start, &ptr, end))
			return -1;
		p->headers_sent = 1;
		if (p->resp.len) {
			lws_callback_on_writable(wsi);
			return 0;
		}
	} else {
		out = malloc(LWS_PRE + p->resp.len);
		if (!out)
			return -1;
		memcpy(out + LWS_PRE, p->resp.body, p->resp.len);
		n = lws_write(wsi, out + LWS_PRE, p->resp.len, LWS_WRITE_HTTP_FINAL);
		free(out);
		if (n != (int)p->resp.len)
			return -1;
	}
	if (d->close_after) {
		p->closing = 1;
		lws_callback_on_writable(wsi);
		return 0;
	}
	reset(p);
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
	struct lwsd *d = lws_context_user(lws_get_context(wsi));
	struct pss *p = user;
	char v[32];

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		reset(p);
		snprintf(p->path, sizeof(p->path), "%s", (const char *)in);
		p->post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
		if (!p->post ||
		    lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0 ||
		    strtol(v, NULL, 10) <= 0)
			handle(d, wsi, p);
		return 0;
	case LWS_CALLBACK_HTTP_BODY:
		return p->responding ? 0 : add_body(p, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (!p->responding)
			handle(d, wsi, p);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (!p || !p->responding)
			return 0;
		return write_answer(d, wsi, p);
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (p)
			reset(p);
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
        {"http", callback, sizeof(struct pss), 4096, 0, NULL, 0},
        {NULL, NULL, 0, 0, 0, NULL, 0},
};

int lwsd_run(const char *name, int port, int close_after, lwsd_handler handler, void *ud)
{
	struct lws_context_creation_info info;
	struct lws_context *ctx;
	struct lws_vhost *vh;
	struct lwsd d = {handler, ud, close_after};

	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = port;
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.user = &d;
	info.vhost_name = name;
	/* IPv4 only: with IPv6 on, lws 4.1 binds [::] whatever iface says */
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DISABLE_IPV6;
	info.timeout_secs = 20;
	info.keepalive_timeout = 60;
	info.pt_serv_buf_size = 32 * 1024;
	info.max_http_header_data = 8192;
	info.fd_limit_per_thread = 0;
	ctx = lws_create_context(&info);
	if (!ctx) {
		fprintf(stderr, "%s: cannot start libwebsockets\n", name);
		return 1;
	}
	vh = lws_create_vhost(ctx, &info);
	if (!vh) {
		fprintf(stderr, "%s: cannot listen on 127.0.0.1:%d\n", name, port);
		lws_context_destroy(ctx);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	printf("%s listening on http://127.0.0.1:%d\n", name, lws_get_vhost_listen_port(vh));
	fflush(stdout);
	while (!stop)
		if (lws_service(ctx, 0) < 0)
			break;
	/*
	 * No lws_context_destroy(): in libwebsockets 4.1 it takes over a second,
	 * which every stop of a bench server would pay; the process ends next and
	 * the kernel closes the sockets.
	 */
	return 0;
}
