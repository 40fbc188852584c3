/*
 * console_files.c - what the console serves for one order beside the API:
 * its printable forms and its photos, at /console/orders/N/form and
 * /console/orders/N/photos/HASH. Both are for staff who may see the order
 * (console_load_order: dispatchers, supervisors and the manager, a
 * technician only for the orders they hold), by session or bearer token.
 *
 * The forms are report_form_html()'s page, the one `concierge orders form N
 * --html` writes. It carries its own style sheet inline; the page is served
 * under a policy that allows that one style sheet (by its SHA-256) and
 * nothing else: no script, no request anywhere.
 *
 * A photo is read from where it was kept, judged again by its bytes, and
 * served as the type those bytes are, never cached by anyone but the
 * browser that asked (and not even there), so a shared proxy or a later
 * user of the same computer does not get a resident's picture.
 */
#include "bot/console_internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "bot/config.h"
#include "bot/report_figures.h"
#include "lib/log.h"
#include "lib/photo.h"

#define FORM_CSP_FORMAT                                                                            \
	"default-src 'none'; style-src 'sha256-%s'; frame-ancestors 'none'; base-uri 'none'; "     \
	"form-action 'none'"
#define PHOTO_CSP "default-src 'none'; frame-ancestors 'none'; sandbox"

/* ---- the forms ---------------------------------------------------------------------- */

struct form_args {
	char which[16];
	char err[160];
};

static int form_arg(const char *name, const char *value, void *ud)
{
	struct form_args *a = ud;

	if (strcmp(name, "form") != 0)
		snprintf(a->err, sizeof(a->err), "unknown parameter %.40s (form)", name);
	else if (strlen(value) >= sizeof(a->which))
		snprintf(a->err, sizeof(a->err),
		         "form: expected register, dispatch, feedback or all");
	else
		snprintf(a->which, sizeof(a->which), "%s", value);
	return a->err[0] ? 1 : 0;
}

/*
 * The policy for PAGE: its one inline style sheet allowed by hash. The
 * forms' style sheet is the same text on every page, so one buffer serves
 * every answer still being written. 0, or -1 when PAGE has no style sheet.
 */
static int form_csp(const char *page, const char **csp)
{
	static char policy[256];
	unsigned char md[EVP_MAX_MD_SIZE], b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
	unsigned int mdlen = 0;
	const char *s = strstr(page, "<style>"), *e;

	if (!s)
		return -1;
	s += strlen("<style>");
	e = strstr(s, "</style>");
	if (!e || EVP_Digest(s, (size_t)(e - s), md, &mdlen, EVP_sha256(), NULL) != 1)
		return -1;
	EVP_EncodeBlock(b64, md, (int)mdlen);
	snprintf(policy, sizeof(policy), FORM_CSP_FORMAT, (const char *)b64);
	*csp = policy;
	return 0;
}

static void form(struct console *con, struct http_pss *p, const char *number)
{
	struct server *srv = console_server(con);
	enum report_form which;
	struct form_args a;
	struct store_order o;
	const char *csp;
	struct buf b;
	int rc;

	memset(&a, 0, sizeof(a));
	if (console_query(p, form_arg, &a) < 0) {
		console_error(p, 400, "a query parameter is too long");
		return;
	}
	if (a.err[0] || report_form_parse(a.which, &which) < 0) {
		console_error(p, 400, "%s",
		              a.err[0] ? a.err
		                       : "form: expected register, dispatch, feedback or all");
		return;
	}
	if (console_load_order(con, p, number, &o) <= 0 ||
	    console_view_record(con, p, "form", o.number) < 0)
		return;
	buf_init(&b);
	rc = report_form_html(srv->store, srv->cfg, o.number, which, &b);
	if (rc <= 0 || form_csp(buf_str(&b), &csp) < 0) {
		buf_release(&b);
		if (rc == 0)
			console_error(p, 404, "no order %s", o.number);
		else
			console_error(p, 500, "the form could not be made: %s",
			              store_errmsg(srv->store));
		return;
	}
	http_answer_text(&p->ans, 200, "text/html; charset=utf-8", buf_str(&b));
	p->ans.csp = csp;
	buf_release(&b);
	server_respond(p);
}

/* ---- photos ----------------------------------------------------------------------- */

struct photo_find {
	const char *hash;
	struct store_photo found;
	int n;
};

static int photo_match(const struct store_photo *ph, void *ud)
{
	struct photo_find *f = ud;

	if (strcmp(ph->hash, f->hash) != 0)
		return 0;
	f->found = *ph;
	f->n = 1;
	return 1;
}

/* The bytes of file PATH (at most PHOTO_MAX_BYTES) into *DATA (malloc'd) and *LEN: 0, or -1. */
static int read_photo(const char *path, unsigned char **data, size_t *len)
{
	struct stat st;
	unsigned char *d = NULL;
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (unsigned long long)st.st_size > PHOTO_MAX_BYTES)
		goto fail;
	d = malloc((size_t)st.st_size);
	if (!d)
		goto fail;
	while (got < (size_t)st.st_size) {
		n = read(fd, d + got, (size_t)st.st_size - got);
		if (n <= 0)
			goto fail;
		got += (size_t)n;
	}
	close(fd);
	*data = d;
	*len = got;
	return 0;
fail:
	free(d);
	close(fd);
	return -1;
}

static void photo(struct console *con, struct http_pss *p, const char *number, const char *hash)
{
	struct server *srv = console_server(con);
	const struct photo_type *type;
	struct photo_find f;
	struct store_order o;
	unsigned char *data = NULL;
	size_t len = 0;

	if (strlen(hash) != PHOTO_HASH_LEN - 1 ||
	    strspn(hash, "0123456789abcdef") != PHOTO_HASH_LEN - 1) {
		console_error(p, 404, "no such photo");
		return;
	}
	if (console_load_order(con, p, number, &o) <= 0)
		return;
	memset(&f, 0, sizeof(f));
	f.hash = hash;
	if (store_photos_list(srv->store, o.id, photo_match, &f) < 0) {
		console_error(p, 500, "the register could not be read: %s",
		              store_errmsg(srv->store));
		return;
	}
	if (!f.n) {
		console_error(p, 404, "order %s has no such photo", o.number);
		return;
	}
	/* Judged by its bytes again: a file that is not the picture recorded is not served. */
	if (read_photo(f.found.path, &data, &len) < 0 || !(type = photo_sniff(data, len)) ||
	    strcmp(type->name, f.found.type) != 0) {
		free(data);
		log_warn("console: photo %.12s of %s is missing or unreadable", hash, o.number);
		console_error(p, 404, "the photo's file is missing");
		return;
	}
	http_answer_release(&p->ans);
	p->ans.status = 200;
	p->ans.ctype = type->mime;
	p->ans.body = (char *)data;
	p->ans.len = len;
	p->ans.csp = PHOTO_CSP;
	snprintf(p->ans.cache, sizeof(p->ans.cache), "private, no-store");
	server_respond(p);
}

/* ---- routes ------------------------------------------------------------------------- */

void console_order_file(struct console *con, struct http_pss *p, const char *number,
                        const char *rest)
{
	if (strcmp(rest, "/form") == 0)
		form(con, p, number);
	else if (strncmp(rest, "/photos/", 8) == 0)
		photo(con, p, number, rest + 8);
	else
		console_error(p, 404, "not found");
}
