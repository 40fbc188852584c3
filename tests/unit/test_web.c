/*
 * test_web.c - the web chat's bounds, with a fake host whose websocket never
 * drains (a page that does not read): what waits for a page is bounded and
 * such a page is closed; the welcome's history is capped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/fakehost.h"

static size_t queued;  /* bytes sent to the page and never read */
static int sends;      /* frames sent */
static int refused;    /* the close code given, or 0 */
static size_t welcome; /* the welcome's size */
static char chat[128]; /* the page's chat, from its first line */
static int hist_lines;
static size_t hist_size;

static void f_ws_send(struct host_conn *hc, const char *text)
{
	(void)hc;
	if (strncmp(text, "{\"type\":\"welcome\"", 17) == 0)
		welcome = strlen(text);
	queued += strlen(text);
	sends++;
}

static size_t f_ws_queued(struct host_conn *hc)
{
	(void)hc;
	return queued;
}

static void f_ws_refuse(struct host_conn *hc, int code)
{
	(void)hc;
	refused = code;
	queued = 0; /* freed */
}

static int f_ws_binary(struct host_conn *hc)
{
	(void)hc;
	return 0;
}

static int f_ws_peer(struct host_conn *hc, char *out, size_t len)
{
	(void)hc;
	snprintf(out, len, "203.0.113.7");
	return 0;
}

static void f_submit(struct chan *ch, struct inbound *list)
{
	(void)ch;
	snprintf(chat, sizeof(chat), "%s", list->chat);
	inbound_free_list(list);
}

static void f_deliver_now(struct chan *ch, const char *c)
{
	(void)ch;
	(void)c;
}

static int f_history(struct chan *ch, const char *c, int max, host_line_fn each, void *ud)
{
	char *text = malloc(hist_size + 1);
	int i;

	(void)ch;
	(void)c;
	memset(text, 'h', hist_size);
	text[hist_size] = '\0';
	for (i = 0; i < hist_lines && i < max; i++)
		each(i % 2 ? "bot" : "me", text, "", "", 1700000000 + i, ud);
	free(text);
	return 0;
}

static int f_staff(struct chan *ch, struct host_conn *hc, const char *token, size_t len,
                   struct adapter_person *out)
{
	(void)ch;
	(void)hc;
	(void)token;
	(void)len;
	(void)out;
	return 0;
}

static const char *f_centre(struct chan *ch)
{
	(void)ch;
	return "Centre";
}

static const struct host web_host = {
        .submit = f_submit,
        .ws_send = f_ws_send,
        .deliver_now = f_deliver_now,
        .history = f_history,
        .staff_by_token = f_staff,
        .centre_name = f_centre,
        .ws_queued = f_ws_queued,
        .ws_refuse = f_ws_refuse,
        .ws_binary = f_ws_binary,
        .ws_peer = f_ws_peer,
};

static int f_cookie(const struct http_req *r, const char *name, char *out, size_t len)
{
	(void)r;
	(void)name;
	snprintf(out, len, "0123456789abcdef0123456789abcdef");
	return 32;
}

/* Page CONN of CH, opened and greeted; *CH is started. */
static void open_page(struct chan *ch, void **conn)
{
	static const char hello[] = "{\"type\":\"hello\",\"lang\":\"zh\"}";
	struct fake_req f = {{NULL}, {NULL}, NULL};
	struct http_req req;

	queued = 0;
	sends = 0;
	refused = 0;
	welcome = 0;
	*ch = load_chan("web", "{}");
	ch->host = &web_host;
	assert_int_equal(ch->a->start(ch), 0);
	req_init(&req, &f, "GET", "/ws/chat", "");
	req.cookie = f_cookie;
	assert_int_equal(ch->a->ws.open(ch, (struct host_conn *)ch, &req, conn), 0);
	ch->a->ws.message(ch, (struct host_conn *)ch, *conn, hello, strlen(hello));
}

static void close_page(struct chan *ch, void *conn)
{
	ch->a->ws.closed(ch, (struct host_conn *)ch, conn);
	ch->a->stop(ch);
	ch->a->config_free(ch->conf);
}

static void test_history_capped(void **state)
{
	struct chan ch;
	void *conn;

	(void)state;
	hist_lines = 100;
	hist_size = 4000; /* 400 KB offered */
	open_page(&ch, &conn);
	assert_true(welcome > 150 * 1024);
	assert_true(welcome <= 192 * 1024 + 1024);
	assert_int_equal(refused, 0);
	close_page(&ch, conn);
}

static void test_page_that_does_not_read_is_closed(void **state)
{
	static const char say[] = "{\"type\":\"say\",\"id\":\"a1\",\"text\":\"hi\"}";
	char *payload = malloc(8200);
	struct chan ch;
	void *conn;
	int i, before;

	(void)state;
	hist_lines = 100;
	hist_size = 1800;
	open_page(&ch, &conn);
	assert_int_equal(refused, 0);
	ch.a->ws.message(&ch, (struct host_conn *)&ch, conn, say, strlen(say));
	assert_string_not_equal(chat, "");
	memcpy(payload, "{\"text\":\"", 9);
	memset(payload + 9, 'd', 8000);
	memcpy(payload + 8009, "\"}", 3);
	/* Deliveries pile up: the page is closed before more than 512 KB wait, and gets nothing
	 * more. */
	for (i = 0; i < 200 && !refused; i++) {
		ch.a->deliver(&ch, chat, payload, 1700000000);
		assert_true(queued <= 512 * 1024);
	}
	assert_int_equal(refused, 1008);
	assert_true(i > 30);
	before = sends;
	ch.a->deliver(&ch, chat, payload, 1700000000);
	ch.a->ws.message(&ch, (struct host_conn *)&ch, conn, say, strlen(say));
	assert_int_equal(sends, before);
	free(payload);
	close_page(&ch, conn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_history_capped),
	        cmocka_unit_test(test_page_that_does_not_read_is_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
