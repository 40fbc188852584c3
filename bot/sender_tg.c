/*
 * sender_tg.c - the sender's Telegram calls: delivering outbox rows,
 * the getUpdates long poll, and setWebhook at start.
 *
 * Bodies and verdicts come from the pure glue in adapters/telegram_out.c;
 * this file decides what each verdict does to the row, the chat's pace and
 * the channel's state. The long poll hands each non-empty batch to the
 * service thread and then waits for sender_poll_done() before asking again,
 * so an update is confirmed to Telegram only after it was committed.
 */
#include "bot/sender_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adapters/telegram_out.h"
#include "bot/config.h"
#include "bot/ratelimit.h"
#include "store/store.h"

static const struct cfg_telegram *tgcfg(struct sender *s)
{
	return &s->cfg->telegram;
}

/* 401, or 404 for a token the API cannot even parse: the channel, not the row, is wrong. */
static int token_refused(const struct tg_out_answer *a)
{
	return a->http_status == 401 || a->http_status == 404 || a->error_code == 401;
}

static void note_refused(struct sender *s, const struct tg_out_answer *a)
{
	if (sender_set_state(s, SENDER_TELEGRAM, -1, "error: %d %s", a->error_code, a->description))
		log_error("telegram: token refused (%d)", a->error_code);
}

/* ---- deliveries ----------------------------------------------------------------- */

int sender_tg_start_send(struct sender *s, const char *chat, int64_t id, int attempts,
                         const char *payload, int64_t now)
{
	struct ratelimit *rl = s->rl[SENDER_TELEGRAM];
	struct tg_out_call *calls = NULL;
	struct sender_memo *m;
	struct sender_xfer *x;
	char err[256], *body, *url;
	int n, part, chatless;
	int64_t wait;

	/* a button's answer is not a message: no per-chat pace, only the channel's */
	chatless = strstr(payload, "\"answer_callback\"") != NULL;
	wait = ratelimit_wait(rl, chatless ? NULL : chat, now);
	if (wait > 0) {
		sender_wake_at(s, now + wait);
		return 0;
	}
	n = tg_out_calls(chat, payload, &calls, err, sizeof(err));
	if (n < 0) {
		sender_row_dead(s, SENDER_TELEGRAM, id, chat, err);
		return -1;
	}
	m = sender_memo_find(s, id);
	part = m && m->parts_done < n ? m->parts_done : 0;
	body = calls[part].body;
	calls[part].body = NULL;
	url = tg_out_url(tgcfg(s)->api_base, tgcfg(s)->token, calls[part].method);
	chatless = strcmp(calls[part].method, "sendMessage") != 0;
	tg_out_calls_free(calls, n);
	x = sender_xfer_new(SENDER_X_SEND, SENDER_TELEGRAM, url, body, SENDER_SEND_TIMEOUT,
	                    SENDER_RESP_MAX);
	if (!x) {
		sender_wake_at(s, now + 1000);
		return 0;
	}
	x->row_id = id;
	snprintf(x->chat, sizeof(x->chat), "%s", chat);
	x->attempts = attempts;
	x->part = part;
	x->nparts = n;
	x->chatless = chatless;
	if (sender_xfer_start(s, x) < 0) {
		sender_wake_at(s, now + 1000);
		return 0;
	}
	ratelimit_take(rl, chatless ? NULL : chat, now);
	return 1;
}

/*
 * Telegram does not say whether a 429 is about the chat or about the bot as a
 * whole; two chats held back at the same time mean the latter.
 */
static void hold(struct sender *s, struct sender_xfer *x, int seconds)
{
	struct ratelimit *rl = s->rl[SENDER_TELEGRAM];
	int64_t now = sender_mono_ms(), until = now + (int64_t)seconds * 1000;

	if (x->chatless) {
		ratelimit_hold(rl, NULL, until);
		return;
	}
	ratelimit_hold(rl, x->chat, until);
	if (s->last429_until > now && strcmp(s->last429_chat, x->chat) != 0) {
		ratelimit_hold(rl, NULL, until);
		log_warn("telegram: rate limited in several chats: holding every chat for %ds",
		         seconds);
	}
	snprintf(s->last429_chat, sizeof(s->last429_chat), "%s", x->chat);
	if (until > s->last429_until)
		s->last429_until = until;
}

static void migrate(struct sender *s, struct sender_xfer *x, const struct tg_out_answer *a)
{
	char from[SENDER_CHAT_LEN], to[SENDER_CHAT_LEN];

	if (strcmp(a->migrate_to, x->chat) == 0) {
		sender_row_dead(s, SENDER_TELEGRAM, x->row_id, x->chat, a->error);
		return;
	}
	if (store_chat_migrate(s->store, "telegram", x->chat, a->migrate_to) < 0) {
		log_error("telegram: cannot move the chat to its new ID: %s",
		          store_errmsg(s->store));
		sender_row_retry(s, x, a->error);
		return;
	}
	log_mask(x->chat, from, sizeof(from));
	log_mask(a->migrate_to, to, sizeof(to));
	log_info("telegram: group %s became supergroup %s; its messages follow it", from, to);
	/* the row is pending and due under its new chat: the next round sends it */
}

void sender_tg_send_done(struct sender *s, struct sender_xfer *x, long status, long retry_after,
                         const char *neterr)
{
	struct tg_out_answer a;
	int64_t ms;

	tg_out_interpret(status, x->resp, x->resp_len, retry_after, neterr, &a);
	switch (a.verdict) {
	case TG_OK:
		if (x->part + 1 < x->nparts)
			sender_memo_get(s, x->row_id)->parts_done = x->part + 1;
		else
			sender_row_sent(s, x);
		if (sender_state_is(s, SENDER_TELEGRAM, "error: 401 Unauthorized"))
			sender_set_state(s, SENDER_TELEGRAM, LOG_INFO, "%s", s->tg_base_state);
		break;
	case TG_MIGRATED:
		migrate(s, x, &a);
		break;
	case TG_RATE_LIMITED:
		ms = sender_rate_limit_ms(s, x, a.retry_after);
		hold(s, x, (int)((ms + 999) / 1000));
		sender_row_wait(s, x, (int)((ms + 999) / 1000), a.error);
		break;
	case TG_RETRY:
		sender_row_retry(s, x, a.error);
		break;
	case TG_FATAL:
		if (token_refused(&a)) {
			/* every row would die of it: wait for the operator instead */
			note_refused(s, &a);
			ratelimit_hold(s->rl[SENDER_TELEGRAM], NULL,
			               sender_mono_ms() + SENDER_REFUSED_MS);
			sender_row_wait(s, x, SENDER_REFUSED_MS / 1000, a.error);
			break;
		}
		sender_row_dead(s, SENDER_TELEGRAM, x->row_id, x->chat, a.error);
		break;
	}
	tg_out_answer_release(&a);
}

/* ---- getUpdates ----------------------------------------------------------------- */

void sender_tg_poll_start(struct sender *s, int64_t now)
{
	int timeout = tgcfg(s)->poll_timeout;
	struct sender_xfer *x;
	char *url, *body;

	if (timeout < 0)
		timeout = 0;
	body = tg_build_get_updates((json_int_t)s->offset, timeout, 100);
	url = tg_out_url(tgcfg(s)->api_base, tgcfg(s)->token, "getUpdates");
	x = sender_xfer_new(SENDER_X_POLL, SENDER_TELEGRAM, url, body, (long)timeout + 10,
	                    SENDER_POLL_RESP_MAX);
	if (!x || sender_xfer_start(s, x) < 0) {
		s->poll = SENDER_POLL_WAIT;
		s->poll_at = now + 1000;
		return;
	}
	s->poll = SENDER_POLL_BUSY;
}

static void poll_again_in(struct sender *s, int64_t ms)
{
	s->poll = SENDER_POLL_WAIT;
	s->poll_at = sender_mono_ms() + ms;
}

static void poll_backoff(struct sender *s)
{
	poll_again_in(s,
	              ratelimit_backoff_ms(s->poll_errors++, SENDER_POLL_CAP_MS, sender_random(s)));
}

void sender_tg_poll_retry(struct sender *s)
{
	poll_backoff(s);
}

void sender_tg_poll_done(struct sender *s, struct sender_xfer *x, long status, long retry_after,
                         const char *neterr)
{
	struct tg_out_answer a;
	char *text;

	tg_out_interpret(status, x->resp, x->resp_len, retry_after, neterr, &a);
	if (a.verdict == TG_OK && json_is_array(a.result)) {
		s->poll_errors = 0;
		sender_set_state(s, SENDER_TELEGRAM, LOG_INFO, "polling");
		if (json_array_size(a.result) == 0) {
			if (tgcfg(s)->poll_timeout > 0)
				s->poll = SENDER_POLL_READY;
			else
				poll_again_in(s, 1000); /* a short poll must not spin */
		} else if ((text = json_dumps(a.result, JSON_COMPACT))) {
			/* poll_at bounds the wait: a batch the receiver lost is fetched again
			 * (the de-duplication table drops what it did commit) */
			s->poll = SENDER_POLL_HANDED;
			s->poll_at = sender_mono_ms() + SENDER_HANDED_MS;
			s->updates(s->ud, text, strlen(text)); /* TEXT is theirs now */
		} else {
			poll_again_in(s, 1000);
		}
	} else if (a.verdict == TG_OK) {
		sender_set_state(s, SENDER_TELEGRAM, LOG_WARN,
		                 "error: getUpdates answered without a result array");
		poll_backoff(s);
	} else if (a.error_code == 409) {
		/* the description says which: another poller, or a webhook that is set */
		if (sender_set_state(s, SENDER_TELEGRAM, -1, "error: 409 %s", a.description))
			log_warn("telegram: getUpdates refused (409 %s): another poller is running "
			         "or a webhook is set",
			         a.description);
		poll_again_in(s, SENDER_CONFLICT_MS);
	} else if (token_refused(&a)) {
		note_refused(s, &a);
		poll_again_in(s, SENDER_REFUSED_MS);
	} else if (a.verdict == TG_RATE_LIMITED && a.retry_after > 0) {
		poll_again_in(s, (int64_t)a.retry_after * 1000);
	} else {
		if (a.http_status == 0)
			sender_set_state(
			        s, SENDER_TELEGRAM, LOG_WARN, "error: getUpdates: network: %s",
			        neterr && strstr(neterr, "imed out") ? "timed out" : "no answer");
		else
			sender_set_state(s, SENDER_TELEGRAM, LOG_WARN, "error: getUpdates: %s",
			                 a.error);
		poll_backoff(s);
	}
	tg_out_answer_release(&a);
}

/* ---- setWebhook ----------------------------------------------------------------- */

void sender_tg_hook_start(struct sender *s, int64_t now)
{
	const struct cfg_telegram *tg = tgcfg(s);
	char hook[1024], *body, *url;
	struct sender_xfer *x;

	snprintf(hook, sizeof(hook), "%s/hooks/telegram", tg->public_url);
	body = tg_build_set_webhook(hook, tg->webhook_secret, 0);
	if (!body) {
		sender_set_state(s, SENDER_TELEGRAM, LOG_ERROR,
		                 "error: setWebhook: webhook_secret must be 1-256 of A-Za-z0-9_-");
		s->hook = SENDER_HOOK_OFF;
		return;
	}
	url = tg_out_url(tg->api_base, tg->token, "setWebhook");
	x = sender_xfer_new(SENDER_X_WEBHOOK, SENDER_TELEGRAM, url, body, SENDER_SEND_TIMEOUT,
	                    SENDER_RESP_MAX);
	if (!x || sender_xfer_start(s, x) < 0) {
		s->hook = SENDER_HOOK_WAIT;
		s->hook_at = now + 1000;
		return;
	}
	s->hook = SENDER_HOOK_BUSY;
}

void sender_tg_hook_done(struct sender *s, struct sender_xfer *x, long status, long retry_after,
                         const char *neterr)
{
	const struct cfg_telegram *tg = tgcfg(s);
	struct tg_out_answer a;
	int64_t ms;

	tg_out_interpret(status, x->resp, x->resp_len, retry_after, neterr, &a);
	if (a.verdict == TG_OK) {
		s->hook = SENDER_HOOK_OFF;
		s->hook_errors = 0;
		/* public_url is no secret (and log_mask would take "https://bot..." for a token) */
		log_info("telegram: webhook set to %s/hooks/telegram", tg->public_url);
		sender_set_state(s, SENDER_TELEGRAM, LOG_INFO, "webhook");
		tg_out_answer_release(&a);
		return;
	}
	if (token_refused(&a)) {
		note_refused(s, &a);
		ms = SENDER_REFUSED_MS;
	} else if (a.verdict == TG_RATE_LIMITED && a.retry_after > 0) {
		ms = (int64_t)a.retry_after * 1000;
	} else {
		sender_set_state(s, SENDER_TELEGRAM, LOG_WARN, "error: setWebhook: %s",
		                 a.http_status ? a.error : "network: no answer");
		ms = ratelimit_backoff_ms(s->hook_errors++, SENDER_BACKOFF_CAP_MS,
		                          sender_random(s));
	}
	s->hook = SENDER_HOOK_WAIT;
	s->hook_at = sender_mono_ms() + ms;
	tg_out_answer_release(&a);
}
