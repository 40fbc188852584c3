/*
 * health.c - GET /healthz: the database, each channel's state and figures,
 * the outbox depth in all and per channel, the group commit counters, and
 * warnings about the configuration an operator should act on. And GET
 * /metrics: who may read it (metrics.c writes the page).
 *
 * /metrics shows the centre's traffic and workload, so it is not for
 * everyone: clients on a loopback address may read it (a Prometheus on the
 * same machine) unless "metrics": {"allow_loopback": false}, and anyone may
 * with the configured bearer token. The token is compared by its SHA-256
 * digest with secret_equal(), so neither its bytes nor its length leak
 * through timing.
 */
#include "bot/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "bot/config.h"
#include "bot/conns.h"
#include "bot/core.h"
#include "bot/leases.h"
#include "bot/metrics.h"
#include "bot/sender.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/secret.h"
#include "store/store.h"
#include "store/store_dead.h"

#define AUTH_MAX 512

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
		if (ch->enabled)
			server_wsc_health(srv, ch, o);
		if (ch->enabled && ch->a->health)
			ch->a->health(ch, o);
	}
	return all;
}

/* What an operator should fix, in words. */
static json_t *warnings(const struct cfg *cfg)
{
	json_t *all = json_array();
	char line[384];
	size_t i;

	for (i = 0; i < cfg->nstaff; i++) {
		const struct cfg_staff *s = &cfg->staff[i];

		if (!core_private_gap(cfg, s))
			continue;
		snprintf(line, sizeof(line),
		         "staff %.64s (%s) has no private chat or personal page link: complaints, "
		         "which never go to group chats, wait at the desk (concierge chat --as "
		         "staff:%.64s)",
		         s->id, s->role, s->id);
		json_array_append_new(all, json_string(line));
	}
	return all;
}

void server_warn_start(struct server *srv)
{
	json_t *w = warnings(srv->cfg);
	size_t i;

	for (i = 0; i < json_array_size(w); i++)
		log_warn("%s", json_string_value(json_array_get(w, i)));
	json_decref(w);
}

/*
 * The database locked by another process for a second or more (batch.c): the
 * messages wait for it, so /healthz says since when and how many, from memory.
 */
static json_t *db_locked(struct server *srv, char *line, size_t len)
{
	int64_t secs = (clock_mono_ms() - srv->db_locked_ms) / 1000;
	time_t at = (time_t)srv->db_locked_at;
	char since[32] = "";
	struct tm tm;

	if (gmtime_r(&at, &tm))
		strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(line, len, "%s since %s (%lld s)",
	         srv->db_full ? "the disk is full" : "locked by another process", since,
	         (long long)secs);
	return json_pack("{s:s,s:I,s:I}", "since", since, "seconds", (json_int_t)secs, "waiting",
	                 (json_int_t)srv->nbatch);
}

/* The database's kind and, where several servers share it, the leases this one holds. */
static json_t *store_state(struct server *srv)
{
	char names[LEASES_MAX][LEASES_NAME_LEN];
	json_t *o = json_pack("{s:s}", "backend", store_backend_name(srv->store)), *held;
	size_t i, n;

	int standby;
	int64_t lag;

	if (!o || !store_shared(srv->store))
		return o;
	if (leases_db_status(srv->leases, &standby, &lag)) {
		json_object_set_new(o, "role", json_string(standby ? "standby" : "primary"));
		json_object_set_new(o, "lag_ms", lag >= 0 ? json_integer(lag) : json_null());
	}
	json_object_set_new(o, "instance",
	                    json_string(srv->sender ? sender_owner(srv->sender) : ""));
	held = json_array();
	n = leases_list(srv->leases, names, LEASES_MAX);
	for (i = 0; i < n; i++)
		json_array_append_new(held, json_string(names[i]));
	json_object_set_new(o, "leases", held);
	return o;
}

void server_health(struct server *srv, struct http_answer *ans)
{
	json_t *o = json_object(), *outbox;
	int64_t dead;
	int db_ok, locked = server_db_locked(srv);
	char *s, line[128];

	outbox = outbox_counts(srv, &db_ok);
	if (locked) {
		db_ok = 0;
		json_object_set_new(o, "database_locked", db_locked(srv, line, sizeof(line)));
	}
	json_object_set_new(o, "status", json_string(db_ok ? "ok" : "degraded"));
	json_object_set_new(o, "database",
	                    json_string(db_ok    ? "ok"
	                                : locked ? line
	                                         : store_errmsg(srv->store)));
	json_object_set_new(o, "store", store_state(srv));
	json_object_set_new(o, "channels", channels(srv));
	json_object_set_new(o, "outbox", outbox);
	json_object_set_new(o, "handled", json_integer(srv->handled));
	/* Messages over their sender's pace (flood.c): one notice, the rest dropped. */
	json_object_set_new(o, "flood_dropped", json_integer(srv->flooded));
	json_object_set_new(o, "commits", json_integer(srv->batches));
	/* Inbound messages set aside after failing every time (concierge dead-letters). */
	if (store_dead_waiting(srv->store, &dead) == 0)
		json_object_set_new(o, "dead_letters", json_integer(dead));
	json_object_set_new(o, "warnings", warnings(srv->cfg));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	http_answer_text(ans, db_ok ? 200 : 503, "application/json", s ? s : "{}");
	free(s);
}

/* AUTH ("Bearer <token>", the scheme in any case) carries TOKEN. */
static int bearer_ok(const char *auth, const char *token)
{
	unsigned char want[EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];
	unsigned int nw = 0, ng = 0;
	const char *given;

	if (strncasecmp(auth, "Bearer ", 7) != 0)
		return 0;
	for (given = auth + 7; *given == ' '; given++)
		;
	if (!EVP_Digest(token, strlen(token), want, &nw, EVP_sha256(), NULL) ||
	    !EVP_Digest(given, strlen(given), got, &ng, EVP_sha256(), NULL) || nw != ng)
		return 0;
	return secret_equal(want, nw, got, ng);
}

void server_metrics(struct server *srv, const struct http_req *req, int loopback,
                    struct http_answer *ans)
{
	const struct cfg_metrics *mc = &srv->cfg->metrics;
	struct metrics_sources src;
	char auth[AUTH_MAX];
	struct buf page;

	if (!mc->enabled || !srv->metrics) {
		http_answer_error(ans, 404, "not found");
		return;
	}
	if (!(loopback && mc->allow_loopback)) {
		if (!mc->token) {
			http_answer_error(ans, 403, "metrics are served to loopback clients only");
			return;
		}
		if (req->header(req, "authorization:", auth, sizeof(auth)) < 0 ||
		    !bearer_ok(auth, mc->token)) {
			http_answer_error(ans, 401, "a bearer token is needed");
			ans->challenge = "Bearer realm=\"metrics\"";
			return;
		}
	}
	memset(&src, 0, sizeof(src));
	src.store = srv->store;
	src.sender = srv->sender;
	src.now = clock_now();
	src.start_ms = srv->start_ms;
	src.session_minutes = srv->cfg->session_minutes;
	if (srv->conns) {
		src.conns_open = (long long)conns_count(srv->conns);
		src.conns_max = (long long)conns_max(srv->conns);
		src.conns_turned_away = srv->limits_total;
	}
	buf_init(&page);
	if (metrics_render(srv->metrics, &src, &page) < 0) {
		http_answer_error(ans, 500, "the metrics could not be written");
	} else {
		http_answer_text(ans, 200, "text/plain; version=0.0.4; charset=utf-8",
		                 buf_str(&page));
	}
	buf_release(&page);
}
