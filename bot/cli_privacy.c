/*
 * cli_privacy.c - residents' privacy (PIPL) at the operator's terminal.
 *
 *   forget --resident ID|--phone P [--by STAFF]   anonymise a person
 *   audit [--staff ID] [--json]                   who looked at whose details
 *
 * `forget` is run by an operator when a person asks to be forgotten: it
 * asks nothing, does it all in one transaction, says what it did, and
 * records who ran it (--by, else the operating-system user) in the
 * person's history and each order's. The figures of every report stay the
 * same: only what identifies the person goes (store_privacy.h).
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bot/cli.h"
#include "bot/config.h"
#include "bot/report.h"
#include "lib/clock.h"
#include "dialogs/validate.h"
#include "store/store.h"
#include "store/store_privacy.h"

#define USAGE_FORGET "concierge forget --resident ID|--phone P [--by STAFF]"
#define USAGE_AUDIT  "concierge audit [--staff ID] [--json]"

/* Records found to forget, and photo files to remove after the commit. */
struct forget_run {
	struct store *s;
	int64_t records[64];
	size_t nrecords;
	int too_many;
	char phones[8][32]; /* the records' phones: orders others filed with them go too */
	size_t nphones;
	int64_t orders[256]; /* orders with the phone, filed by someone else */
	size_t norders;
	char **files;
	size_t nfiles;
};

static int add_record(int64_t id, void *ud)
{
	struct forget_run *r = ud;
	size_t i;

	for (i = 0; i < r->nrecords; i++)
		if (r->records[i] == id)
			return 0;
	if (r->nrecords == sizeof(r->records) / sizeof(r->records[0])) {
		r->too_many = 1;
		return 1;
	}
	r->records[r->nrecords++] = id;
	return 0;
}

/* Every record that is one person with ID (merged either way). */
static int add_person(int64_t id, void *ud)
{
	struct forget_run *r = ud;

	return store_person_records(r->s, id, add_record, r) < 0;
}

static int add_order(int64_t id, void *ud)
{
	struct forget_run *r = ud;

	if (r->norders == sizeof(r->orders) / sizeof(r->orders[0])) {
		r->too_many = 1;
		return 1;
	}
	r->orders[r->norders++] = id;
	return 0;
}

static int add_file(const char *path, void *ud)
{
	struct forget_run *r = ud;
	char **grown = realloc(r->files, (r->nfiles + 1) * sizeof(*grown));

	if (!grown)
		return 0; /* the file stays behind; no row names it */
	r->files = grown;
	r->files[r->nfiles] = strdup(path);
	if (r->files[r->nfiles])
		r->nfiles++;
	return 0;
}

static void remove_files(struct forget_run *r, int unlink_them)
{
	size_t i;

	for (i = 0; i < r->nfiles; i++) {
		if (unlink_them && unlink(r->files[i]) < 0 && errno != ENOENT)
			fprintf(stderr, "concierge: forget: cannot remove %s: %s\n", r->files[i],
			        strerror(errno));
		free(r->files[i]);
	}
	free(r->files);
	r->files = NULL;
	r->nfiles = 0;
}

/* "staff:ID" with --by, else "operator:USER" (the operating-system user). */
static void who_runs(const char *by, char *out, size_t len)
{
	const struct passwd *pw = getpwuid(geteuid());

	if (by)
		snprintf(out, len, "staff:%s", by);
	else if (pw && pw->pw_name)
		snprintf(out, len, "operator:%s", pw->pw_name);
	else
		snprintf(out, len, "operator:uid-%ld", (long)geteuid());
}

static const char *plural(int n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* An ID is a small positive number. */
static int parse_id(const char *arg, int64_t *id)
{
	char *end;
	long long v = strtoll(arg, &end, 10);

	if (!*arg || *end || v <= 0 || strlen(arg) > 12)
		return -1;
	*id = (int64_t)v;
	return 0;
}

/* Finds what --resident or --phone names: 1 found, 0 nothing, <0 error. */
static int find_person(struct store *s, int64_t id, const char *phone, struct forget_run *r)
{
	struct store_resident res;
	size_t i;
	int rc;

	if (phone) {
		if (store_residents_of_phone(s, phone, add_person, r) < 0)
			return -1;
	} else {
		rc = store_person_records(s, id, add_record, r);
		if (rc <= 0)
			return rc;
	}
	/* Their phones: orders filed with one of them by someone else go too. */
	if (phone) {
		snprintf(r->phones[0], sizeof(r->phones[0]), "%s", phone);
		r->nphones = 1;
	}
	for (i = 0; i < r->nrecords && r->nphones < 8; i++) {
		rc = store_resident_get(s, r->records[i], &res);
		if (rc < 0)
			return -1;
		if (rc == 1 && res.phone[0] && (!r->nphones || strcmp(res.phone, r->phones[0])))
			snprintf(r->phones[r->nphones++], sizeof(r->phones[0]), "%s", res.phone);
	}
	return r->nrecords ? 1 : 0;
}

static int forget(struct cli_env *env)
{
	const char *resident = NULL, *phone_arg = NULL, *by = NULL, *extra = NULL;
	struct store *s = env->store;
	struct store_anon_counts n;
	struct forget_run *r;
	char phone[32] = "", masked[32], actor[96], what[64];
	int64_t id = 0, now = clock_now();
	int nextra = 0, rc = 1, found;
	size_t i;
	const struct cli_opt opts[] = {{"--resident", 1, &resident, NULL},
	                               {"--phone", 1, &phone_arg, NULL},
	                               {"--by", 1, &by, NULL},
	                               {NULL, 0, NULL, NULL}};

	if (cli_parse(env->argc, env->argv, opts, &extra, 0, &nextra, "forget", USAGE_FORGET) < 0)
		return 2;
	if (!resident == !phone_arg) {
		fprintf(stderr,
		        "concierge: forget: name the person with --resident ID or --phone P "
		        "(one of them)\nusage: " USAGE_FORGET "\n");
		return 2;
	}
	if (resident && parse_id(resident, &id) < 0) {
		fprintf(stderr,
		        "concierge: forget: --resident %s: expected a resident id (a number, "
		        "as `residents show` gives it)\n",
		        resident);
		return 2;
	}
	if (phone_arg && dlg_norm_phone(phone_arg, phone, sizeof(phone)) < 0) {
		fprintf(stderr, "concierge: forget: --phone: not a phone number\n");
		return 2;
	}
	if (by && !cfg_staff_find(env->cfg, by)) {
		fprintf(stderr, "concierge: forget: --by %s: no such staff member\n", by);
		return 2;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		fprintf(stderr, "concierge: forget: out of memory\n");
		return 1;
	}
	r->s = s;
	who_runs(by, actor, sizeof(actor));
	if (phone[0]) {
		dlg_mask_phone(phone, masked, sizeof(masked));
		snprintf(what, sizeof(what), "phone %s", masked);
	} else {
		snprintf(what, sizeof(what), "resident %lld", (long long)id);
	}
	memset(&n, 0, sizeof(n));
	if (store_begin(s) < 0)
		goto failed;
	found = find_person(s, id, phone[0] ? phone : NULL, r);
	if (found < 0)
		goto failed;
	if (r->too_many) {
		store_rollback(s);
		fprintf(stderr,
		        "concierge: forget: %s names too many records at once; forget them "
		        "one resident id at a time\n",
		        what);
		goto out;
	}
	for (i = 0; i < r->nrecords; i++)
		if (store_forget_resident(s, r->records[i], now, actor, "cli", "concierge forget",
		                          add_file, r, &n) < 0)
			goto failed;
	/* Orders that still carry the phone: filed for the person by someone else. */
	for (i = 0; i < r->nphones; i++)
		if (store_orders_of_phone(s, r->phones[i], add_order, r) < 0)
			goto failed;
	if (r->too_many) {
		store_rollback(s);
		fprintf(stderr,
		        "concierge: forget: %s names too many orders at once; forget the "
		        "residents who filed them first\n",
		        what);
		goto out;
	}
	if (!found && !r->norders) {
		store_rollback(s);
		fprintf(stderr,
		        "concierge: forget: no resident or order with %s; nothing changed\n", what);
		rc = 3;
		goto out;
	}
	for (i = 0; i < r->norders; i++)
		if (store_anonymise_order(s, r->orders[i], now, actor, "cli", "concierge forget",
		                          add_file, r, &n) < 0)
			goto failed;
	if (store_commit(s) < 0)
		goto failed;
	remove_files(r, 1);
	/* The old text may still be in the write-ahead log: copied over and cut off now. */
	if (store_privacy_checkpoint(s) < 0)
		fprintf(stderr, "concierge: forget: the write-ahead log is in use (the gateway is "
		                "running): "
		                "its old copies go at its next checkpoint\n");
	printf("%s forgotten by %s: %d resident record%s, %d order%s, %d identit%s, %d history "
	       "entr%s, %d message%s, %d dialog%s, %d photo%s anonymised or removed\n",
	       what, actor, n.residents, plural(n.residents, "", "s"), n.orders,
	       plural(n.orders, "", "s"), n.identities, plural(n.identities, "y", "ies"), n.events,
	       plural(n.events, "y", "ies"), n.messages, plural(n.messages, "", "s"), n.sessions,
	       plural(n.sessions, "", "s"), n.photos, plural(n.photos, "", "s"));
	rc = 0;
	goto out;
failed:
	fprintf(stderr, "concierge: forget: %s: %s; nothing changed\n", env->db_shown,
	        store_errmsg(s));
	store_rollback(s);
out:
	remove_files(r, 0);
	free(r);
	return rc;
}

struct audit_out {
	json_t *arr;
	int n;
};

static int audit_one(const struct store_view *v, void *ud)
{
	struct audit_out *a = ud;
	char at[40];

	a->n++;
	if (a->arr) {
		json_array_append_new(a->arr,
		                      json_pack("{s:I, s:s, s:s, s:s, s:s}", "at",
		                                (json_int_t)v->at, "staff", v->staff, "via", v->via,
		                                "what", v->what, "subject", v->subject));
		return 0;
	}
	report_time(v->at, at, sizeof(at));
	printf("%.19s  %-16s %-8s %-8s %s\n", at, v->staff, v->via, v->what, v->subject);
	return 0;
}

static int audit(struct cli_env *env)
{
	const char *staff = NULL, *extra = NULL;
	struct audit_out a;
	int json = 0, nextra = 0;
	const struct cli_opt opts[] = {
	        {"--staff", 1, &staff, NULL}, {"--json", 0, NULL, &json}, {NULL, 0, NULL, NULL}};

	if (cli_parse(env->argc, env->argv, opts, &extra, 0, &nextra, "audit", USAGE_AUDIT) < 0)
		return 2;
	memset(&a, 0, sizeof(a));
	if (json)
		a.arr = json_array();
	else
		printf("%-19s  %-16s %-8s %-8s %s\n", "WHEN", "STAFF", "VIA", "WHAT", "WHOSE");
	if (store_views_list(env->store, staff, 0, 0, 0, audit_one, &a) < 0) {
		fprintf(stderr, "concierge: audit: %s: %s\n", env->db_shown,
		        store_errmsg(env->store));
		json_decref(a.arr);
		return 1;
	}
	if (a.arr) {
		char *text = json_dumps(a.arr, JSON_INDENT(2));

		if (text)
			printf("%s\n", text);
		free(text);
		json_decref(a.arr);
	} else {
		printf("%d view%s of a person's details\n", a.n, plural(a.n, "", "s"));
	}
	return 0;
}

int cli_forget(struct cli_env *env)
{
	return forget(env);
}

int cli_audit(struct cli_env *env)
{
	return audit(env);
}
