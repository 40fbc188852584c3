/*
 * health.c - GET /healthz: the database, each channel's state and figures,
 * the outbox depth in all and per channel, and the group commit counters.
 */
#include "bot/server.h"

#include <stdlib.h>

#include <jansson.h>

#include "bot/config.h"
#include "bot/sender.h"
#include "store/store.h"

struct counts {
	json_t *by;
	int64_t pending;
};

static int add_count(const char *channel, int64_t pending, int64_t dead, void *ud)
{
	struct counts *c = ud;

	c->pending += pending;
	json_object_set_new(
	        c->by, channel,
	        json_pack("{s:I,s:I}", "pending", (json_int_t)pending, "dead", (json_int_t)dead));
	return 0;
}

/*
 * Outbox depth, in all and per channel: rows for readers who are away (the
 * desk, a closed page) wait for them, so only the network channels'
 * queues say whether delivery keeps up. The one query also says whether the
 * database answers (*OK).
 */
static json_t *outbox_counts(struct server *srv, int *ok)
{
	struct counts c = {json_object(), 0};

	*ok = store_outbox_counts(srv->store, add_count, &c) == 0;
	if (!*ok)
		c.pending = -1;
	return json_pack("{s:I,s:o}", "pending", (json_int_t)c.pending, "by_channel", c.by);
}

/* Each channel: the sender's figures where it delivers, else on or off; then the adapter's. */
static json_t *channels(struct server *srv)
{
	json_t *all = json_object(), *o;
	size_t i;

	if (srv->sender)
		sender_status(srv->sender, all);
	for (i = 0; i < srv->cfg->nchans; i++) {
		struct chan *ch = &srv->cfg->chans[i];

		o = json_object_get(all, ch->name); /* borrowed */
		if (!o) {
			o = json_pack("{s:s}", "state", ch->enabled ? "on" : "off");
			json_object_set_new(all, ch->name, o);
		}
		if (ch->enabled && ch->a->health)
			ch->a->health(ch, o);
	}
	return all;
}

void server_health(struct server *srv, struct http_answer *ans)
{
	json_t *o = json_object(), *outbox;
	int db_ok;
	char *s;

	outbox = outbox_counts(srv, &db_ok);
	json_object_set_new(o, "status", json_string(db_ok ? "ok" : "degraded"));
	json_object_set_new(o, "database", json_string(db_ok ? "ok" : store_errmsg(srv->store)));
	json_object_set_new(o, "channels", channels(srv));
	json_object_set_new(o, "outbox", outbox);
	json_object_set_new(o, "handled", json_integer(srv->handled));
	json_object_set_new(o, "commits", json_integer(srv->batches));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	http_answer_text(ans, db_ok ? 200 : 503, "application/json", s ? s : "{}");
	free(s);
}
