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
 * --close hangs up after each answer: what a connection per call costs.
 * It prints "floor listening on http://127.0.0.1:PORT" once ready.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include "bench/lwsd.h"

struct floor {
	sqlite3 *db;
	sqlite3_stmt *ins;
	const char *secret;
	long rows, failures;
};

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
	const char *chat_s;
	char chat_buf[32];
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
	chat_s = json_string_value(chat);
	if (json_is_integer(chat)) {
		snprintf(chat_buf, sizeof(chat_buf), "%" JSON_INTEGER_FORMAT,
		         json_integer_value(chat));
		chat_s = chat_buf;
	}
	sqlite3_bind_int64(fl->ins, 1, json_integer_value(json_object_get(u, "update_id")));
	sqlite3_bind_text(fl->ins, 2, chat_s ? chat_s : "", -1, SQLITE_TRANSIENT);
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
	lwsd_answer(resp, 200, "{\"ok\":true}");
}

int main(int argc, char **argv)
{
	struct floor fl;
	const char *db = NULL, *sync = "normal";
	char sql[128];
	long port = 0;
	int i, close_after = 0, rc = 1;

	memset(&fl, 0, sizeof(fl));
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
		else
			break;
	}
	if (i < argc || !db || (strcmp(sync, "normal") && strcmp(sync, "full"))) {
		fprintf(stderr, "usage: floor --db PATH [--sync normal|full] [--port P] "
		                "[--secret S] [--close]\n");
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
	rc = lwsd_run("floor", (int)port, close_after, on_request, &fl);
	fprintf(stderr, "floor: %ld rows stored, %ld failures\n", fl.rows, fl.failures);
out:
	sqlite3_finalize(fl.ins);
	sqlite3_close(fl.db);
	return rc;
}
