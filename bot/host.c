/*
 * host.c - the host table the adapters call (adapters/adapter.h): the one
 * way a channel reaches the store, the core, the staff list and the server.
 * The same table serves `concierge serve` and a channel's own command (the
 * desk's `concierge chat`); the server's functions are only there when
 * a server runs.
 */
#include "bot/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/config.h"
#include "bot/core.h"
#include "bot/sender.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/secret.h"
#include "store/store.h"

static struct host_ctx *ctx_of(struct chan *ch)
{
	return ch->host_ud;
}

static void h_submit(struct chan *ch, struct inbound *list)
{
	struct host_ctx *x = ctx_of(ch);

	if (x->srv)
		server_queue(x->srv, ch, list, NULL);
	else
		inbound_free_list(list);
}

static void h_ws_send(struct host_conn *hc, const char *text)
{
	server_ws_send((struct http_pss *)(void *)hc, text);
}

static void h_deliver_now(struct chan *ch, const char *chat)
{
	struct host_ctx *x = ctx_of(ch);

	if (x->srv)
		server_deliver_chat(x->srv, ch, chat);
}

struct history_ctx {
	host_line_fn each;
	void *ud;
};

static int history_line(const struct store_line *l, void *ud)
{
	struct history_ctx *h = ud;

	return h->each(l->sender, l->text, l->buttons, l->client_id, l->at, h->ud);
}

static int h_history(struct chan *ch, const char *chat, int max, host_line_fn each, void *ud)
{
	struct history_ctx h = {each, ud};

	return store_transcript_list(ctx_of(ch)->store, ch->name, chat, max, history_line, &h);
}

static int h_staff_by_token(struct chan *ch, struct host_conn *hc, const char *token, size_t len,
                            struct adapter_person *out)
{
	struct host_ctx *x = ctx_of(ch);
	const struct cfg *c = x->cfg;
	const struct cfg_staff *found = NULL;
	struct lws *wsi = hc ? ((struct http_pss *)(void *)hc)->wsi : NULL;
	int64_t wait;
	size_t i;
	int rc;

	/* A server counts wrong tokens by address (console.c); a command line has no clients. */
	if (x->srv && x->srv->console) {
		rc = console_token(x->srv->console, wsi, token, len, ch->name, &found, &wait);
	} else {
		for (i = 0; i < c->nstaff; i++) {
			const char *t = c->staff[i].token;

			if (t && secret_equal(t, strlen(t), token, len))
				found = &c->staff[i];
		}
		rc = found != NULL;
	}
	if (found)
		cfg_person(found, out);
	return rc;
}

static int h_staff_by_id(struct chan *ch, const char *id, struct adapter_person *out)
{
	const struct cfg_staff *s = cfg_staff_find(ctx_of(ch)->cfg, id);

	if (s)
		cfg_person(s, out);
	return s != NULL;
}

static const char *h_centre_name(struct chan *ch)
{
	const struct cfg *c = ctx_of(ch)->cfg;

	return c->ncommunities && c->communities[0].name ? c->communities[0].name : "";
}

static const char *h_config_path(struct chan *ch)
{
	return ctx_of(ch)->cfg->path;
}

static int h_call_now(struct chan *ch, const struct adapter_call *call, long *status, char **body,
                      size_t *len)
{
	(void)ch;
	return sender_call_now(call, status, body, len);
}

static void store_trouble(struct host_ctx *x)
{
	fprintf(stderr, "concierge: %s: %s\n", x->db_path, store_errmsg(x->store));
}

static int h_handle(struct chan *ch, const struct msg_in *in, char *err, size_t errlen)
{
	struct host_ctx *x = ctx_of(ch);

	if (store_begin(x->store) < 0)
		goto fail;
	if (core_handle(x->core, in, clock_now()) < 0) {
		store_rollback(x->store);
		goto fail;
	}
	if (store_commit(x->store) < 0) {
		snprintf(err, errlen, "%s: %s", x->db_path, store_errmsg(x->store));
		store_rollback(x->store); /* a busy commit leaves the transaction open */
		return -1;
	}
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", x->db_path, store_errmsg(x->store));
	return -1;
}

struct waiting {
	struct host_ctx *x;
	host_payload_fn each;
	void *ud;
	int failed;
};

static int take_one(const struct store_outbox *m, void *ud)
{
	struct waiting *w = ud;

	w->each(m->payload, w->ud);
	if (store_outbox_sent(w->x->store, m->id, clock_now()) < 0)
		w->failed = 1;
	return w->failed;
}

static int h_take_waiting(struct chan *ch, const char *chat, host_payload_fn each, void *ud)
{
	struct waiting w = {ctx_of(ch), each, ud, 0};

	if (store_begin(w.x->store) < 0) {
		store_trouble(w.x);
		return -1;
	}
	/* Not what waits for later (a resident's quiet hours). */
	if (store_outbox_due_for_chat(w.x->store, ch->name, chat, clock_now(), take_one, &w) < 0 ||
	    w.failed) {
		store_trouble(w.x);
		store_rollback(w.x->store);
		return -1;
	}
	if (store_commit(w.x->store) < 0) {
		store_trouble(w.x);
		store_rollback(w.x->store); /* a busy commit leaves the transaction open */
		return -1;
	}
	return 0;
}

static int h_tick(struct chan *ch)
{
	struct host_ctx *x = ctx_of(ch);

	if (core_tick(x->core, clock_now()) < 0) {
		store_trouble(x);
		return -1;
	}
	return 0;
}

static int h_conversing(struct chan *ch, const char *chat, const char *user)
{
	char *json = NULL;
	int64_t updated = 0;
	int rc = store_session_get(ctx_of(ch)->store, ch->name, chat, user, &json, &updated);

	free(json);
	return rc == 1;
}

static void h_ws_renew(struct chan *ch)
{
	struct host_ctx *x = ctx_of(ch);

	if (x->srv)
		server_wsc_renew(x->srv, ch);
}

static void h_ws_close(struct host_conn *hc)
{
	server_wsc_close((struct http_pss *)(void *)hc);
}

static void h_ws_silence(struct host_conn *hc, int64_t ms)
{
	server_wsc_silence((struct http_pss *)(void *)hc, ms);
}

static int h_ws_state(struct chan *ch, int link, char *state, size_t len, long long *connects)
{
	struct host_ctx *x = ctx_of(ch);

	return x->srv ? server_wsc_state(x->srv, ch, link, state, len, connects) : -1;
}

static void h_relay_done(struct chan *ch, uint64_t ticket, long status, const char *body,
                         size_t len, const char *neterr)
{
	struct host_ctx *x = ctx_of(ch);

	if (x->srv && x->srv->sender)
		sender_relay_done(x->srv->sender, ticket, status, body, len, neterr);
}

#define WS_REFUSE_S 3 /* seconds a refused websocket has to take its close frame */

static struct http_pss *pss_of(struct host_conn *hc)
{
	return (struct http_pss *)(void *)hc;
}

static size_t h_ws_queued(struct host_conn *hc)
{
	const struct ws_frame *f;
	size_t n = 0;

	for (f = pss_of(hc)->tx_head; f; f = f->next)
		n += f->len;
	return n;
}

static void h_ws_refuse(struct host_conn *hc, int code)
{
	struct http_pss *p = pss_of(hc);
	struct ws_frame *f;

	while ((f = p->tx_head)) {
		p->tx_head = f->next;
		free(f);
	}
	p->tx_tail = NULL;
	p->close_code = code;
	p->closing = 1;
	lws_callback_on_writable(p->wsi);
	/* A peer that reads nothing never lets the close frame out: then without it. */
	lws_set_timeout(p->wsi, PENDING_TIMEOUT_USER_OK, WS_REFUSE_S);
}

static int h_ws_binary(struct host_conn *hc)
{
	return lws_frame_is_binary(pss_of(hc)->wsi);
}

static int h_ws_peer(struct host_conn *hc, char *out, size_t len)
{
	if (!len || !lws_get_peer_simple(lws_get_network_wsi(pss_of(hc)->wsi), out, len)) {
		if (len)
			out[0] = '\0';
		return -1;
	}
	if (strncmp(out, "::ffff:", 7) == 0)
		memmove(out, out + 7, strlen(out + 7) + 1);
	return 0;
}

static const struct host host_table = {
        .submit = h_submit,
        .ws_send = h_ws_send,
        .deliver_now = h_deliver_now,
        .history = h_history,
        .staff_by_token = h_staff_by_token,
        .staff_by_id = h_staff_by_id,
        .centre_name = h_centre_name,
        .call_now = h_call_now,
        .handle = h_handle,
        .take_waiting = h_take_waiting,
        .tick = h_tick,
        .config_path = h_config_path,
        .conversing = h_conversing,
        .ws_renew = h_ws_renew,
        .ws_close = h_ws_close,
        .ws_silence = h_ws_silence,
        .ws_state = h_ws_state,
        .relay_done = h_relay_done,
        .ws_queued = h_ws_queued,
        .ws_refuse = h_ws_refuse,
        .ws_binary = h_ws_binary,
        .ws_peer = h_ws_peer,
};

void host_init(struct host_ctx *ctx, const struct cfg *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nchans; i++) {
		cfg->chans[i].host = &host_table;
		cfg->chans[i].host_ud = ctx;
	}
}
