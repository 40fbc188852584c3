/*
 * pg_db.c - the PostgreSQL backend of the statement layer (store_db.h), on
 * libpq.
 *
 * Opening connects with defaults the URL may override (short timeouts and
 * keepalives, so a dead server is noticed in seconds), checks the database's
 * collation and lets pg_schema.c bring the schema up to date. Statements are
 * prepared the first time each text is used, with parameter types taken from
 * the caller's bind format, and run with PQexecPrepared; a statement being
 * read (struct pg_q) holds its whole result, so a list read inside another
 * list's callback needs nothing special. Errors are classified by SQLSTATE:
 * lock and statement timeouts, serialisation failures, deadlocks and a lost
 * connection count as "locked" (try again later), a full disk as "full".
 * A lost connection is opened again by the next statement outside a
 * transaction (at most every 500 ms); inside one, every statement fails
 * until the caller rolls back.
 */
#include "store/pg_db.h"

#include <pthread.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "store/pg_sql.h"

/* How long a statement waits for another connection's lock by default (as on SQLite). */
#define BUSY_WAIT_MS 5000
/* The least time between two attempts to reconnect. */
#define RESET_EVERY_MS 500
/* The most parameters a statement takes (the longest format has 18). */
#define MAX_PARAMS 64

/* PostgreSQL's type oids for the parameters (pg_type.h is not for clients). */
#define OID_INT8 20
#define OID_INT4 23
#define OID_TEXT 25

/* A statement being read: its whole result and the current row. */
struct pg_q {
	struct store_q q; /* first: a struct store_q * is one of these */
	PGresult *res;
	int row, nrows;
};

static inline const struct pg_q *pq_of(const struct store_q *q)
{
	return (const struct pg_q *)q;
}

/* ---- errors --------------------------------------------------------------- */

static enum store_err classify(const char *state)
{
	static const char *const locked[] = {
	        "55P03", /* lock_not_available: lock_timeout */
	        "40001", /* serialization_failure */
	        "40P01", /* deadlock_detected */
	        "57014", /* query_canceled: statement_timeout */
	        "57P01", /* admin_shutdown: the backend was terminated */
	        "57P02", /* crash_shutdown */
	        "57P03", /* cannot_connect_now: starting or shutting down */
	};
	size_t i;

	if (!state || !*state)
		return STORE_E_OTHER;
	if (strncmp(state, "08", 2) == 0) /* connection exceptions */
		return STORE_E_LOCKED;
	for (i = 0; i < sizeof(locked) / sizeof(locked[0]); i++)
		if (strcmp(state, locked[i]) == 0)
			return STORE_E_LOCKED;
	if (strcmp(state, "53100") == 0) /* disk_full */
		return STORE_E_FULL;
	return STORE_E_OTHER;
}

/* TEXT's first line, without its "ERROR:  " or "FATAL:  " prefix, into DST. */
static void one_line(char *dst, size_t len, const char *text)
{
	size_t n;

	if (!text || !*text)
		text = "unknown error";
	if (strncmp(text, "ERROR:  ", 8) == 0 || strncmp(text, "FATAL:  ", 8) == 0)
		text += 8;
	n = strcspn(text, "\n");
	if (n >= len)
		n = len - 1;
	memcpy(dst, text, n);
	dst[n] = '\0';
}

int pg_fail_res(struct store *s, const PGresult *res, const char *what)
{
	struct pg_store *p = pg_of(s);
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char line[400];

	if (!msg)
		msg = res && *PQresultErrorMessage(res) ? PQresultErrorMessage(res)
		                                        : PQerrorMessage(p->conn);
	one_line(line, sizeof(line), msg);
	if (what)
		snprintf(s->err, sizeof(s->err), "%s: %s", what, line);
	else
		snprintf(s->err, sizeof(s->err), "%s", line);
	s->errclass = classify(state);
	if (PQstatus(p->conn) == CONNECTION_BAD) {
		s->errclass = STORE_E_LOCKED;
		if (p->was_in_tx)
			p->lost_in_tx = 1;
		p->was_in_tx = 0;
	}
	return -1;
}

static int pg_fail(struct store *s)
{
	return pg_fail_res(s, NULL, NULL);
}

/* ---- the connection --------------------------------------------------------- */

/* Discards the server's notices ("relation already exists, skipping"). */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Runs a command of ours (no data in it) with the simple protocol; 0 or -1 (recorded). */
static int pg_command(struct store *s, const char *sql)
{
	PGresult *res = PQexec(pg_of(s)->conn, sql);
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_fail_res(s, res, NULL);
	PQclear(res);
	return rc;
}

/* Gives the session the lock wait wanted, when it does not have it yet. */
static int apply_lock_ms(struct store *s)
{
	struct pg_store *p = pg_of(s);
	char sql[64];

	if (p->lock_ms == p->busy_ms)
		return 0;
	/* PostgreSQL's 0 waits for ever: "not at all" is the least wait it has. */
	snprintf(sql, sizeof(sql), "SET lock_timeout = '%dms'", p->busy_ms > 0 ? p->busy_ms : 1);
	if (pg_command(s, sql) < 0) {
		p->lock_ms = -1;
		return -1;
	}
	/* Inside a transaction the setting goes when it rolls back: ask again next time. */
	p->lock_ms = PQtransactionStatus(p->conn) == PQTRANS_IDLE ? p->busy_ms : -1;
	return 0;
}

/* Forgets the statements prepared on a connection that is gone. */
static void prep_clear(struct pg_store *p)
{
	size_t i;

	for (i = 0; i < p->capprep; i++)
		free(p->prep[i].fmt);
	free(p->prep);
	p->prep = NULL;
	p->nprep = p->capprep = 0;
}

/* The session settings a new connection needs. */
static int session_setup(struct store *s)
{
	struct pg_store *p = pg_of(s);

	p->lock_ms = -1;
	if (apply_lock_ms(s) < 0)
		return -1;
	if (p->sync_off && pg_command(s, "SET synchronous_commit = off") < 0)
		return -1;
	return 0;
}

/*
 * Before a statement: the connection is up, or comes up again now (no
 * transaction was open, and the last try was long enough ago). SQL is the
 * statement's text: a ROLLBACK ends a transaction the connection lost.
 */
static int pg_ready(struct store *s, const char *sql)
{
	struct pg_store *p = pg_of(s);
	int64_t now;

	if (PQstatus(p->conn) == CONNECTION_OK)
		return 0;
	if (p->lost_in_tx) {
		if (sql == s->sql[SQL_ROLLBACK]) {
			p->lost_in_tx = 0;
			return 1; /* the server rolled it back already: done */
		}
		store_failf(s, "%s: the connection was lost inside a transaction; roll back",
		            p->name);
		s->errclass = STORE_E_LOCKED;
		return -1;
	}
	now = clock_real_ms();
	if (p->reset_at_ms && now - p->reset_at_ms < RESET_EVERY_MS) {
		store_failf(s, "%s: connection lost; reconnecting", p->name);
		s->errclass = STORE_E_LOCKED;
		return -1;
	}
	p->reset_at_ms = now;
	prep_clear(p);
	PQreset(p->conn);
	if (PQstatus(p->conn) != CONNECTION_OK) {
		char line[300];

		one_line(line, sizeof(line), PQerrorMessage(p->conn));
		store_failf(s, "%s: %s", p->name, line);
		s->errclass = STORE_E_LOCKED;
		return -1;
	}
	log_info("store: reconnected to %s", p->name);
	p->was_in_tx = 0;
	return session_setup(s) < 0 ? -1 : 0;
}

/* ---- prepared statements -------------------------------------------------- */

static size_t slot_of(const char *sql, size_t n)
{
	return (size_t)((((uintptr_t)sql >> 3) * (uintptr_t)0x9e3779b97f4a7c15ULL) >> 7) & (n - 1);
}

static struct pg_prepared *prep_find(struct pg_store *p, const char *sql)
{
	size_t i;

	if (!p->capprep)
		return NULL;
	for (i = slot_of(sql, p->capprep);; i = (i + 1) & (p->capprep - 1)) {
		if (!p->prep[i].sql)
			return NULL;
		if (p->prep[i].sql == sql)
			return &p->prep[i];
	}
}

/* A new entry for SQL (grown as needed), or NULL when out of memory. */
static struct pg_prepared *prep_add(struct pg_store *p, const char *sql)
{
	size_t i, j;

	if ((p->nprep + 1) * 2 > p->capprep) {
		size_t n = p->capprep ? p->capprep * 2 : 256;
		struct pg_prepared *t = calloc(n, sizeof(*t));

		if (!t)
			return NULL;
		for (j = 0; j < p->capprep; j++) {
			if (!p->prep[j].sql)
				continue;
			for (i = slot_of(p->prep[j].sql, n); t[i].sql; i = (i + 1) & (n - 1))
				;
			t[i] = p->prep[j];
		}
		free(p->prep);
		p->prep = t;
		p->capprep = n;
	}
	for (i = slot_of(sql, p->capprep); p->prep[i].sql; i = (i + 1) & (p->capprep - 1))
		;
	p->nprep++;
	p->prep[i].sql = sql;
	return &p->prep[i];
}

/*
 * The name of SQL prepared with FMT's types into NAME (preparing it now the
 * first time, or again when FMT differs from the last time); 0 or -1.
 */
static int prepare(struct store *s, const char *sql, const char *fmt, char name[16])
{
	struct pg_store *p = pg_of(s);
	struct pg_prepared *e = prep_find(p, sql);
	Oid types[MAX_PARAMS];
	PGresult *res;
	char *copy;
	int i, n = (int)strlen(fmt);
	unsigned num;

	if (e && strcmp(e->fmt, fmt) == 0) {
		snprintf(name, 16, "s%u", e->n);
		return 0;
	}
	if (n > MAX_PARAMS)
		return store_failf(s, "a statement with %d parameters (at most %d)", n, MAX_PARAMS);
	for (i = 0; i < n; i++) {
		switch (fmt[i]) {
		case 't':
		case 'T':
			types[i] = OID_TEXT;
			break;
		case 'i':
		case 'n':
			types[i] = OID_INT8;
			break;
		case 'd':
			types[i] = OID_INT4;
			break;
		case 'u': /* a text the server reads as the column's type (store_run_texts) */
			types[i] = 0;
			break;
		default:
			return store_failf(s, "bad bind format '%c'", fmt[i]);
		}
	}
	num = p->next_name++;
	snprintf(name, 16, "s%u", num);
	res = PQprepare(p->conn, name, sql, n, types);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_fail_res(s, res, NULL);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	copy = strdup(fmt);
	if (!copy || (!e && !(e = prep_add(p, sql)))) {
		free(copy);
		return store_failf(s, "out of memory");
	}
	free(e->fmt);
	e->fmt = copy;
	e->n = num;
	return 0;
}

/*
 * Prepares (when needed) and runs SQL with the parameters of FMT from AP.
 * The result (rows, or none), or NULL with the error recorded.
 */
static PGresult *exec_values(struct store *s, const char *sql, const char *fmt,
                             const char *const *values);

static PGresult *pg_exec(struct store *s, const char *sql, const char *fmt, va_list ap)
{
	const char *values[MAX_PARAMS];
	char nums[MAX_PARAMS][24];
	int i, n = (int)strlen(fmt);

	if (n > MAX_PARAMS)
		return store_failf(s, "a statement with %d parameters (at most %d)", n, MAX_PARAMS),
		       NULL;
	for (i = 0; i < n; i++) {
		const char *t;
		int64_t v;

		switch (fmt[i]) {
		case 't':
			t = va_arg(ap, const char *);
			values[i] = t ? t : "";
			break;
		case 'T':
			values[i] = va_arg(ap, const char *);
			break;
		case 'i':
			snprintf(nums[i], sizeof(nums[i]), "%lld", (long long)va_arg(ap, int64_t));
			values[i] = nums[i];
			break;
		case 'n':
			v = va_arg(ap, int64_t);
			snprintf(nums[i], sizeof(nums[i]), "%lld", (long long)v);
			values[i] = v ? nums[i] : NULL;
			break;
		case 'd':
			snprintf(nums[i], sizeof(nums[i]), "%d", va_arg(ap, int));
			values[i] = nums[i];
			break;
		default:
			return store_failf(s, "bad bind format '%c'", fmt[i]), NULL;
		}
	}
	return exec_values(s, sql, fmt, values);
}

/* Prepares (when needed) and runs SQL with VALUES typed by FMT; as pg_exec(). */
static PGresult *exec_values(struct store *s, const char *sql, const char *fmt,
                             const char *const *values)
{
	struct pg_store *p = pg_of(s);
	char name[16];
	ExecStatusType st;
	PGresult *res;
	int n = (int)strlen(fmt), ready;

	if (!sql)
		return store_failf(s, "no text for this statement on PostgreSQL"), NULL;
	ready = pg_ready(s, sql);
	if (ready < 0)
		return NULL;
	if (ready > 0) /* a ROLLBACK of what the lost connection rolled back */
		return PQmakeEmptyPGresult(NULL, PGRES_COMMAND_OK);
	/* A lock wait set inside a transaction that rolled back, or not set yet. */
	if (p->lock_ms != p->busy_ms && PQtransactionStatus(p->conn) == PQTRANS_IDLE)
		(void)apply_lock_ms(s); /* a lost connection shows in the statement too */
	if (prepare(s, sql, fmt, name) < 0)
		return NULL;
	res = PQexecPrepared(p->conn, name, n, values, NULL, NULL, 0);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		pg_fail_res(s, res, NULL);
		PQclear(res);
		return NULL;
	}
	p->was_in_tx = PQtransactionStatus(p->conn) != PQTRANS_IDLE;
	/*
	 * A statement of the transaction failed (which dooms it on PostgreSQL,
	 * 25P02), so COMMIT rolled back instead, and says so only in its tag.
	 */
	if (sql == s->sql[SQL_COMMIT] && strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
		PQclear(res);
		store_failf(s, "commit: a statement of the transaction failed, so it was rolled "
		               "back");
		return NULL;
	}
	if (sql == s->sql[SQL_SYNC_NORMAL])
		p->sync_off = 1;
	else if (sql == s->sql[SQL_SYNC_FULL])
		p->sync_off = 0;
	return res;
}

/* ---- statements ----------------------------------------------------------- */

/* SOME needs nothing: parameters the text does not name are typed, which PostgreSQL accepts. */
static struct store_q *pg_query(struct store *s, const char *sql, int some, const char *fmt,
                                va_list ap)
{
	struct pg_q *q;
	PGresult *res;

	(void)some;
	res = pg_exec(s, sql, fmt, ap);
	if (!res)
		return NULL;
	q = calloc(1, sizeof(*q));
	if (!q) {
		PQclear(res);
		store_failf(s, "out of memory");
		return NULL;
	}
	q->q.be = &store_pg_backend;
	q->res = res;
	q->row = -1;
	q->nrows = PQntuples(res);
	return &q->q;
}

static int pg_step(struct store *s, struct store_q *q)
{
	struct pg_q *e = (struct pg_q *)q;

	(void)s;
	if (e->row < e->nrows)
		e->row++;
	return e->row < e->nrows ? 1 : 0;
}

static void pg_done(struct store *s, struct store_q *q)
{
	struct pg_q *e = (struct pg_q *)q;

	(void)s;
	if (!e)
		return;
	PQclear(e->res);
	free(e);
}

/* Runs SQL; the number of rows it changed, or -1. *ID: the first column of the first row. */
static int pg_run(struct store *s, const char *sql, int64_t *id, const char *fmt, va_list ap)
{
	PGresult *res = pg_exec(s, sql, fmt, ap);
	int n;

	if (!res)
		return -1;
	n = (int)strtol(PQcmdTuples(res), NULL, 10);
	if (id && n > 0 && PQntuples(res) > 0 && PQnfields(res) > 0)
		*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return n;
}

/* ---- reading a row ---------------------------------------------------------- */

static int64_t pq_int64(const struct store_q *q, int col)
{
	const struct pg_q *e = pq_of(q);
	const char *v;

	if (e->row < 0 || e->row >= e->nrows || col >= PQnfields(e->res) ||
	    PQgetisnull(e->res, e->row, col))
		return 0;
	v = PQgetvalue(e->res, e->row, col);
	if (v[0] == 't' && !v[1]) /* a boolean */
		return 1;
	if (v[0] == 'f' && !v[1])
		return 0;
	return strtoll(v, NULL, 10);
}

static const char *pg_text(const struct store_q *q, int col)
{
	const struct pg_q *e = pq_of(q);

	if (e->row < 0 || e->row >= e->nrows || col >= PQnfields(e->res) ||
	    PQgetisnull(e->res, e->row, col))
		return NULL;
	return PQgetvalue(e->res, e->row, col);
}

static int pg_null(const struct store_q *q, int col)
{
	const struct pg_q *e = pq_of(q);

	if (e->row < 0 || e->row >= e->nrows || col >= PQnfields(e->res))
		return 1;
	return PQgetisnull(e->res, e->row, col);
}

static int pg_in_tx(struct store *s)
{
	struct pg_store *p = pg_of(s);

	if (p->lost_in_tx)
		return 1; /* until the caller rolls back */
	if (PQstatus(p->conn) != CONNECTION_OK)
		return 0;
	return PQtransactionStatus(p->conn) != PQTRANS_IDLE;
}

/* ---- opening ------------------------------------------------------------ */

/* The texts of the statements, indexed by enum store_sql, filled once. */
static const char *pg_sql[SQL__N];
static pthread_once_t pg_sql_once = PTHREAD_ONCE_INIT;

static void pg_sql_fill(void)
{
	store_pg_sql_core(pg_sql);
	store_pg_sql_orders(pg_sql);
	store_pg_sql_outbox(pg_sql);
}

/*
 * Connects to URL with our defaults for what it does not set: short connect
 * and keepalive timeouts (a server gone is noticed in seconds, and counts as
 * "locked" for the caller), no GSSAPI probing, and a statement timeout.
 */
static PGconn *connect_url(const char *url, char *err, size_t errlen)
{
	static const char *const defaults[][2] = {
	        {"connect_timeout", "5"},
	        {"keepalives", "1"},
	        {"keepalives_idle", "5"},
	        {"keepalives_interval", "1"},
	        {"keepalives_count", "3"},
	        {"tcp_user_timeout", "5000"},
	        {"gssencmode", "disable"},
	        {"application_name", "concierge"},
	        {"options", "-c lock_timeout=5000 -c statement_timeout=30s"},
	};
	enum { ND = sizeof(defaults) / sizeof(defaults[0]) };
	const char *keys[ND + 2], *values[ND + 2];
	PQconninfoOption *given, *o;
	char *msg = NULL;
	size_t i, k = 0;
	PGconn *conn;

	given = PQconninfoParse(url, &msg);
	if (!given) {
		char line[300];

		one_line(line, sizeof(line), msg ? msg : "out of memory");
		snprintf(err, errlen, "%s", line);
		PQfreemem(msg);
		return NULL;
	}
	for (i = 0; i < ND; i++) {
		int set = 0;

		for (o = given; o->keyword; o++)
			if (strcmp(o->keyword, defaults[i][0]) == 0 && o->val && *o->val)
				set = 1;
		if (!set) {
			keys[k] = defaults[i][0];
			values[k++] = defaults[i][1];
		}
	}
	PQconninfoFree(given);
	/* Last, so that what the URL says wins (expand_dbname). */
	keys[k] = "dbname";
	values[k++] = url;
	keys[k] = NULL;
	values[k] = NULL;
	conn = PQconnectdbParams(keys, values, 1);
	if (!conn)
		snprintf(err, errlen, "out of memory");
	return conn;
}

/* Warns when the database does not sort text as bytes (as SQLite does). */
static void check_collation(struct store *s)
{
	struct pg_store *p = pg_of(s);
	PGresult *res = PQexec(p->conn, "SELECT datcollate FROM pg_database"
	                                " WHERE datname = current_database()");

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		const char *c = PQgetvalue(res, 0, 0);

		if (strcmp(c, "C") != 0 && strcmp(c, "POSIX") != 0)
			log_warn(
			        "store: %s: the database's collation is %s, not C: lists sort text "
			        "differently than on SQLite (create it with -T template0 -l C)",
			        p->name, c);
	}
	PQclear(res);
}

int store_pg_open(const char *url, struct store **out, char *err, size_t errlen)
{
	struct pg_store *p;
	struct store *s;
	char why[400];

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (p)
		p->target = strdup(url);
	if (!p || !p->target) {
		free(p);
		snprintf(err, errlen, "%s: out of memory",
		         store_display_name(url, why, sizeof(why)));
		return -1;
	}
	store_display_name(url, p->name, sizeof(p->name));
	s = &p->s;
	s->be = &store_pg_backend;
	pthread_once(&pg_sql_once, pg_sql_fill);
	s->sql = pg_sql;
	s->build = store_pg_build;
	p->busy_ms = BUSY_WAIT_MS;
	p->lock_ms = -1;
	p->conn = connect_url(url, why, sizeof(why));
	if (!p->conn) {
		snprintf(err, errlen, "%s: %s", p->name, why);
		goto fail_quiet;
	}
	if (PQstatus(p->conn) != CONNECTION_OK) {
		one_line(why, sizeof(why), PQerrorMessage(p->conn));
		snprintf(err, errlen, "%s: cannot connect: %s", p->name, why);
		goto fail_quiet;
	}
	PQsetNoticeProcessor(p->conn, quiet, NULL);
	check_collation(s);
	if (session_setup(s) < 0 || pg_migrate(s) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", p->name, s->err);
fail_quiet:
	s->be->close(s);
	return -1;
}

static void pg_close(struct store *s)
{
	struct pg_store *p = pg_of(s);

	if (!s)
		return;
	/* Rolls back a transaction a caller left open (the server does), and with it its files. */
	store_common_free(s, p->conn && pg_in_tx(s));
	prep_clear(p);
	PQfinish(p->conn);
	free(p->target);
	free(p);
}

static const char *pg_path(struct store *s)
{
	(void)s;
	return ""; /* no file: photos live beside a SQLite file only */
}

static void pg_set_busy_ms(struct store *s, int ms)
{
	struct pg_store *p = pg_of(s);

	char saved[sizeof(s->err)];
	enum store_err code = s->errclass;

	p->busy_ms = ms < 0 ? BUSY_WAIT_MS : ms;
	/* A failed transaction takes no SET: the next statement after it applies it. */
	if (PQstatus(p->conn) != CONNECTION_OK || p->lost_in_tx ||
	    PQtransactionStatus(p->conn) == PQTRANS_INERROR) {
		p->lock_ms = -1;
		return;
	}
	/* Keep the caller's last error: this call reports none. A failure leaves
	 * lock_ms unknown, so it is tried again before the next statement. */
	memcpy(saved, s->err, sizeof(saved));
	(void)apply_lock_ms(s);
	memcpy(s->err, saved, sizeof(saved));
	s->errclass = code;
}

/*
 * Every commit is durable when it returns unless synchronous_commit is off
 * (store_set_sync(s, 0)); then a later commit of a connection with it on
 * flushes the log up to itself. Nothing to do here for now.
 */
static int pg_sync_now(struct store *s)
{
	(void)s;
	return 0;
}

/* Deleted rows stay in the table until VACUUM: there is no secure delete to turn on. */
static int pg_secure_on(struct store *s, int *was)
{
	(void)s;
	*was = 1;
	return 0;
}

static void pg_secure_restore(struct store *s, int was)
{
	(void)s;
	(void)was;
}

/* The server recycles its write-ahead log itself (a CHECKPOINT needs pg_checkpoint). */
static int pg_log_truncate(struct store *s)
{
	(void)s;
	return 0;
}

static int pg_checkpoint_apart(struct store *s)
{
	(void)s;
	return 0;
}

static long pg_checkpoint_runs(struct store *s)
{
	(void)s;
	return 0;
}

static int pg_backup(struct store *s, const char *dest, int force, int *pages)
{
	(void)dest;
	(void)force;
	*pages = 0;
	return store_failf(s,
	                   "%s: no backup of a PostgreSQL database here: use pg_dump, or "
	                   "concierge migrate",
	                   pg_of(s)->name);
}

static int pg_ncols(const struct store_q *q)
{
	return PQnfields(pq_of(q)->res);
}

static const char *pg_colname(const struct store_q *q, int col)
{
	return PQfname(pq_of(q)->res, col);
}

static int pg_run_texts(struct store *s, const char *sql, int n, const char *const *v)
{
	char fmt[MAX_PARAMS + 1];
	PGresult *res;
	int changed;

	if (n > MAX_PARAMS)
		return store_failf(s, "a statement with %d parameters (at most %d)", n, MAX_PARAMS);
	memset(fmt, 'u', (size_t)n);
	fmt[n] = '\0';
	res = exec_values(s, sql, fmt, v);
	if (!res)
		return -1;
	changed = (int)strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return changed;
}

/* Ids copied in (concierge migrate): the identity goes on after the largest. */
static int pg_copied(struct store *s, const char *table)
{
	const char *param[1] = {table};
	char sql[256];
	PGresult *res;
	int rc = 0, identity;

	/* TABLE is one of store_copy_tables: a name of ours, not data. */
	res = PQexecParams(pg_of(s)->conn,
	                   "SELECT 1 FROM information_schema.columns WHERE table_schema ="
	                   " current_schema() AND table_name = $1 AND column_name = 'id'"
	                   " AND is_identity = 'YES'",
	                   1, NULL, param, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = pg_fail_res(s, res, table);
		PQclear(res);
		return rc;
	}
	identity = PQntuples(res) > 0;
	PQclear(res);
	if (!identity)
		return 0;
	snprintf(sql, sizeof(sql),
	         "SELECT setval(pg_get_serial_sequence('%s', 'id'), max(id)) FROM %s"
	         " HAVING max(id) IS NOT NULL",
	         table, table);
	res = PQexec(pg_of(s)->conn, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_fail_res(s, res, table);
	PQclear(res);
	return rc;
}

const struct store_backend store_pg_backend = {
        .name = "postgresql",
        .query = pg_query,
        .run = pg_run,
        .step = pg_step,
        .done = pg_done,
        .int64 = pq_int64,
        .text = pg_text,
        .null = pg_null,
        .in_tx = pg_in_tx,
        .fail = pg_fail,
        .close = pg_close,
        .path = pg_path,
        .set_busy_ms = pg_set_busy_ms,
        .sync_now = pg_sync_now,
        .secure_on = pg_secure_on,
        .secure_restore = pg_secure_restore,
        .log_truncate = pg_log_truncate,
        .schema_version = pg_schema_version,
        .checkpoint_apart = pg_checkpoint_apart,
        .checkpoint_runs = pg_checkpoint_runs,
        .backup = pg_backup,
        .ncols = pg_ncols,
        .colname = pg_colname,
        .run_texts = pg_run_texts,
        .copied = pg_copied,
};
