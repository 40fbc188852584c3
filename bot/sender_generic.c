/*
 * sender_generic.c - the sender's calls on the generic webhook channel: each
 * outbox row is POSTed to the configured callback URL, signed with
 * HMAC-SHA256 of the raw body (adapters/generic.c). The receiver is one
 * endpoint, so a 429 holds back the whole channel, not just the chat.
 */
#include "bot/sender_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/generic.h"
#include "bot/config.h"
#include "bot/ratelimit.h"

int sender_gen_start_send(struct sender *s, const char *chat, int64_t id, int attempts,
                          const char *payload, int64_t now)
{
	const struct cfg_generic *gen = &s->cfg->generic;
	char sig[72], header[sizeof(sig) + sizeof(GENERIC_SIG_HEADER) + 2];
	struct sender_xfer *x;
	char *body, *url;
	int64_t wait;

	wait = ratelimit_wait(s->rl[SENDER_GENERIC], chat, now);
	if (wait > 0) {
		sender_wake_at(s, now + wait);
		return 0;
	}
	body = generic_build_body(id, chat, payload);
	if (!body) {
		sender_row_dead(s, SENDER_GENERIC, id, chat, "payload: not a JSON object");
		return -1;
	}
	if (generic_sign(gen->secret, body, strlen(body), sig) < 0) {
		free(body);
		sender_row_dead(s, SENDER_GENERIC, id, chat, "no secret to sign with");
		return -1;
	}
	snprintf(header, sizeof(header), "%s: %s", GENERIC_SIG_HEADER, sig);
	url = strdup(gen->callback_url);
	x = sender_xfer_new(SENDER_X_SEND, SENDER_GENERIC, url, body, SENDER_SEND_TIMEOUT,
	                    SENDER_RESP_MAX);
	if (!x || sender_xfer_header(x, header) < 0) {
		if (x)
			sender_xfer_free(s, x);
		sender_wake_at(s, now + 1000);
		return 0;
	}
	x->row_id = id;
	snprintf(x->chat, sizeof(x->chat), "%s", chat);
	x->attempts = attempts;
	if (sender_xfer_start(s, x) < 0) {
		sender_wake_at(s, now + 1000);
		return 0;
	}
	ratelimit_take(s->rl[SENDER_GENERIC], chat, now);
	return 1;
}

void sender_gen_send_done(struct sender *s, struct sender_xfer *x, long status, long retry_after,
                          const char *neterr)
{
	char error[300], snippet[160];
	int64_t ms;

	if (!neterr && x->resp)
		sender_clean_text(snippet, sizeof(snippet), x->resp, x->resp_len);
	else
		snippet[0] = '\0';
	if (neterr)
		snprintf(error, sizeof(error), "network: %s", neterr);
	else if (snippet[0])
		snprintf(error, sizeof(error), "HTTP %ld: %s", status, snippet);
	else
		snprintf(error, sizeof(error), "HTTP %ld", status);

	switch (generic_classify(neterr ? 0 : status)) {
	case GENERIC_OK:
		sender_row_sent(s, x);
		sender_set_state(s, SENDER_GENERIC, LOG_INFO, "on");
		break;
	case GENERIC_RATE_LIMITED:
		ms = sender_rate_limit_ms(s, x, retry_after);
		ratelimit_hold(s->rl[SENDER_GENERIC], NULL, sender_mono_ms() + ms);
		sender_row_wait(s, x, (int)((ms + 999) / 1000), error);
		break;
	case GENERIC_RETRY:
		/* the state names the kind of trouble only, so it changes (and logs) rarely */
		if (neterr)
			sender_set_state(s, SENDER_GENERIC, LOG_WARN, "error: network");
		else
			sender_set_state(s, SENDER_GENERIC, LOG_WARN, "error: HTTP %ld", status);
		sender_row_retry(s, x, error);
		break;
	case GENERIC_FATAL:
		sender_row_dead(s, SENDER_GENERIC, x->row_id, x->chat, error);
		break;
	}
}
