/*
 * floor.c - the floor of `make bench`: the least a webhook server can do per
 * Telegram update and still say "stored" with its 2xx.
 *
 * One libwebsockets thread (bench/lwsd.c, the same library and write pattern
 * as Concierge's server), and per POST: check the secret header when one is
 * given, parse the body with jansson, take the update_id and the chat, and
 * INSERT one row in a WAL-mode SQLite database in its own transaction (the
 * commit is done before the answer goes). --sync normal|full picks
 * synchronous=NORMAL (a commit reaches the WAL, fsync at checkpoints) or FULL
 * (every commit fsyncs: a 2xx means flushed to disk, as Concierge promises).
 * Any path is the webhook route, so the load generator drives this with the
 * same URL and bodies it sends to Concierge.
 *
 * usage: floor --db PATH [--sync normal|full] [--port P] [--secret S] [--close]
 *              [--reply URL]
 * --close hangs up after each answer: what a connection per call costs.
 * --reply URL also answers each stored update, as a chat gateway must: once
 * the commit is done, a second thread POSTs a sendMessage body (built with
 * jansson) to URL (a Bot API method URL) with libcurl over kept connections,
 * up to REPLY_INFLIGHT at once, and parses each answer with jansson; the
 * least a gateway that replies can do beside the floor's insert.
 * It prints "floor listening on http://127.0.0.1:PORT" once ready.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include "bench/lwsd.h"

#define REPLY_INFLIGHT 16
#define CHAT_LEN       32
#define REPLY_TEXT     "收到，请问需要维修的具体位置是哪里？例如：厨房水龙头、卫生间马桶、卧室空调。"

/* The chats waiting for a reply: the request thread appends, the reply thread takes them all. */
struct chats {
	char (*v)[CHAT_LEN];
	size_t n, cap;
};

struct replies {
	pthread_t thread;
	const char *url;
	pthread_mutex_t mu;
	CURLM *multi;
	struct chats waiting; /* under MU */
	int stopping;
	long dropped;      /* under MU: no memory to queue a reply */
	long sent, failed; /* the reply thread's own */
};

struct floor {
	sqlite3 *db;
	sqlite3_stmt *ins;
	const char *secret;
	long rows, failures;
	struct replies *rp;
};

/* One call in flight: its handle (kept with its connection) and the answer read so far. */
struct call {
	CURL *h;
	struct curl_slist *hdrs;
	char *body, *answer;
	size_t len;
};

static size_t on_answer(char *data, size_t size, size_t n, void *ud)
{
	struct call *c = ud;
	char *grown = realloc(c->answer, c->len + size * n + 1);

	if (!grown)
		return 0;
	memcpy(grown + c->len, data, size * n);
	c->len += size * n;
	grown[c->len] = '\0';
	c->answer = grown;
	return size * n;
}

static void reply_queue(struct replies *rp, const char *chat)
{
	struct chats *w = &rp->waiting;

	pthread_mutex_lock(&rp->mu);
	if (w->n == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 1024;
		char(*grown)[CHAT_LEN] = realloc(w->v, ncap * sizeof(*grown));

		if (grown) {
			w->v = grown;
			w->cap = ncap;
		}
	}
	if (w->n < w->cap)
		snprintf(w->v[w->n++], CHAT_LEN, "%s", chat);
	else
		rp->dropped++;
	pthread_mutex_unlock(&rp->mu);
	curl_multi_wakeup(rp->multi);
}

/* Every chat waiting, swapped into MINE (whose old contents are done). */
static void reply_take(struct replies *rp, struct chats *mine)
{
	struct chats t;

	pthread_mutex_lock(&rp->mu);
	t = rp->waiting;
	rp->waiting = *mine;
	rp->waiting.n = 0;
	pthread_mutex_unlock(&rp->mu);
	*mine = t;
}

static int reply_start(struct replies *rp, struct call *c, const char *chat)
{
	json_t *msg = json_pack("{s:s, s:s}", "chat_id", chat, "text", REPLY_TEXT);

	free(c->body);
	c->body = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
	json_decref(msg);
	c->len = 0;
	if (!c->body)
		return -1;
	curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, c->body);
	return curl_multi_add_handle(rp->multi, c->h) == CURLM_OK ? 0 : -1;
}

static void reply_done(struct replies *rp, struct call *c, CURLcode rc)
{
	long status = 0;
	json_t *a;

	curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
	a = rc == CURLE_OK && c->answer ? json_loadb(c->answer, c->len, 0, NULL) : NULL;
	if (status == 200 && json_is_true(json_object_get(a, "ok")))
		rp->sent++;
	else
		rp->failed++;
	json_decref(a);
	curl_multi_remove_handle(rp->multi, c->h);
}

static void *reply_run(void *arg)
{
	struct replies *rp = arg;
	struct call calls[REPLY_INFLIGHT], *idle[REPLY_INFLIGHT];
	struct chats mine = {NULL, 0, 0};
	size_t next = 0; /* the first of MINE not started */
	int i, nidle = 0, running = 0;

	memset(calls, 0, sizeof(calls));
	for (i = 0; i < REPLY_INFLIGHT; i++) {
		struct call *c = &calls[i];

		c->h = curl_easy_init();
		c->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
		curl_easy_setopt(c->h, CURLOPT_URL, rp->url);
		curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdrs);
		curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_answer);
		curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
		curl_easy_setopt(c->h, CURLOPT_PRIVATE, c);
		curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
		idle[nidle++] = c;
	}
	for (;;) {
		CURLMsg *m;
		int left;

		if (next == mine.n) {
			reply_take(rp, &mine);
			next = 0;
		}
		while (nidle && next < mine.n) {
			struct call *c = idle[--nidle];

			if (reply_start(rp, c, mine.v[next++]) < 0) {
				rp->failed++;
				idle[nidle++] = c;
			}
		}
		curl_multi_perform(rp->multi, &running);
		while ((m = curl_multi_info_read(rp->multi, &left)) != NULL) {
			struct call *c = NULL;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
			reply_done(rp, c, m->data.result);
			idle[nidle++] = c;
		}
		pthread_mutex_lock(&rp->mu);
		left = rp->stopping && !rp->waiting.n && next == mine.n && nidle == REPLY_INFLIGHT;
		pthread_mutex_unlock(&rp->mu);
		if (left)
			break;
		curl_multi_poll(rp->multi, NULL, 0, 100, NULL);
	}
	for (i = 0; i < REPLY_INFLIGHT; i++) {
		curl_easy_cleanup(calls[i].h);
		curl_slist_free_all(calls[i].hdrs);
		free(calls[i].body);
		free(calls[i].answer);
	}
	free(mine.v);
	return NULL;
}

static const char SCHEMA[] = "CREATE TABLE IF NOT EXISTS updates ("
                             " id INTEGER PRIMARY KEY,"
                             " update_id INTEGER NOT NULL,"
                             " chat TEXT NOT NULL,"
                             " body TEXT NOT NULL,"
                             " at INTEGER NOT NULL)";

static void on_request(void *ud, const struct lwsd_req *req, struct lwsd_resp *resp)
{
	struct floor *fl = ud;
	char got[300];
	json_t *u, *chat;
	char chat_s[CHAT_LEN];
	int rc;

	if (!req->post) {
		lwsd_answer(resp, 405, "use POST");
		return;
	}
	if (fl->secret) {
		size_t n = strlen(fl->secret);

		if (lwsd_header(req, "x-telegram-bot-api-secret-token:", got, sizeof(got)) !=
		            (int)n ||
		    CRYPTO_memcmp(got, fl->secret, n) != 0) {
			lwsd_answer(resp, 401, "wrong secret");
			return;
		}
	}
	u = json_loadb(req->body, req->len, 0, NULL);
	if (!json_is_integer(json_object_get(u, "update_id"))) {
		json_decref(u);
		lwsd_answer(resp, 400, "not an update");
		return;
	}
	chat = json_object_get(json_object_get(json_object_get(u, "message"), "chat"), "id");
	if (json_is_integer(chat))
		snprintf(chat_s, sizeof(chat_s), "%" JSON_INTEGER_FORMAT, json_integer_value(chat));
	else
		snprintf(chat_s, sizeof(chat_s), "%s",
		         json_string_value(chat) ? json_string_value(chat) : "");
	sqlite3_bind_int64(fl->ins, 1, json_integer_value(json_object_get(u, "update_id")));
	sqlite3_bind_text(fl->ins, 2, chat_s, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(fl->ins, 3, req->body, (int)req->len, SQLITE_STATIC);
	sqlite3_bind_int64(fl->ins, 4, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(fl->ins);
	sqlite3_reset(fl->ins);
	sqlite3_clear_bindings(fl->ins);
	json_decref(u);
	if (rc != SQLITE_DONE) {
		fl->failures++;
		lwsd_answer(resp, 500, "not stored");
		return;
	}
	fl->rows++;
	if (fl->rp)
		reply_queue(fl->rp, chat_s);
	lwsd_answer(resp, 200, "{\"ok\":true}");
}

int main(int argc, char **argv)
{
	struct floor fl;
	struct replies rp;
	const char *db = NULL, *sync = "normal";
	char sql[128];
	long port = 0;
	int i, close_after = 0, rc = 1;

	memset(&fl, 0, sizeof(fl));
	memset(&rp, 0, sizeof(rp));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--close") == 0) {
			close_after = 1;
			continue;
		}
		if (!v)
			break;
		i++;
		if (strcmp(a, "--db") == 0)
			db = v;
		else if (strcmp(a, "--sync") == 0)
			sync = v;
		else if (strcmp(a, "--port") == 0) {
			if (lwsd_int_arg("--port", v, 0, 65535, &port) < 0)
				return 2;
		} else if (strcmp(a, "--secret") == 0)
			fl.secret = v;
		else if (strcmp(a, "--reply") == 0)
			rp.url = v;
		else
			break;
	}
	if (i < argc || !db || (strcmp(sync, "normal") && strcmp(sync, "full"))) {
		fprintf(stderr, "usage: floor --db PATH [--sync normal|full] [--port P] "
		                "[--secret S] [--close] [--reply URL]\n");
		return 2;
	}
	snprintf(sql, sizeof(sql), "PRAGMA journal_mode = WAL; PRAGMA synchronous = %s", sync);
	if (sqlite3_open(db, &fl.db) != SQLITE_OK ||
	    sqlite3_exec(fl.db, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(fl.db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(
	            fl.db, "INSERT INTO updates (update_id, chat, body, at) VALUES (?, ?, ?, ?)",
	            -1, &fl.ins, NULL) != SQLITE_OK) {
		fprintf(stderr, "floor: %s: %s\n", db, sqlite3_errmsg(fl.db));
		goto out;
	}
	if (rp.url) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
		    !(rp.multi = curl_multi_init()) || pthread_mutex_init(&rp.mu, NULL) != 0 ||
		    pthread_create(&rp.thread, NULL, reply_run, &rp) != 0) {
			fprintf(stderr, "floor: cannot start the reply thread\n");
			goto out;
		}
		fl.rp = &rp;
	}
	rc = lwsd_run("floor", (int)port, close_after, on_request, &fl);
	if (fl.rp) {
		pthread_mutex_lock(&rp.mu);
		rp.stopping = 1;
		pthread_mutex_unlock(&rp.mu);
		curl_multi_wakeup(rp.multi);
		pthread_join(rp.thread, NULL);
		fprintf(stderr, "floor: %ld replies sent, %ld failed\n", rp.sent,
		        rp.failed + rp.dropped);
	}
	fprintf(stderr, "floor: %ld rows stored, %ld failures\n", fl.rows, fl.failures);
out:
	sqlite3_finalize(fl.ins);
	sqlite3_close(fl.db);
	if (rp.multi)
		curl_multi_cleanup(rp.multi);
	free(rp.waiting.v);
	return rc;
}
