/*
 * test_ops.c - unit tests for what an operator runs the gateway with: the
 * embedded demo configuration, the "metrics" and "log" keys, log lines as
 * text and JSON (lib/log.c), and the /metrics page's format (bot/metrics.c).
 *
 * The page is checked by reading it back the way Prometheus would: each
 * family has its HELP and TYPE lines before its samples, label values come
 * back unescaped, and a histogram's buckets are cumulative up to "+Inf",
 * which equals _count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "bot/config.h"
#include "bot/metrics.h"
#include "lib/buf.h"
#include "lib/log.h"

static char err[8192];

/* The example file with CHANGES (a JSON object) merged in at the top level. */
static char *example_with(const char *changes)
{
	json_t *root = json_loads(cfg_example_json, 0, NULL), *ch = json_loads(changes, 0, NULL);
	char *s;

	assert_non_null(root);
	assert_non_null(ch);
	json_object_update(root, ch);
	s = json_dumps(root, 0);
	json_decref(root);
	json_decref(ch);
	return s;
}

/* ---- configuration ---------------------------------------------------------------- */

static void test_embedded_is_the_example(void **state)
{
	FILE *fp = fopen("config.example.json", "rb");
	char *file;
	long n;
	struct cfg *c = NULL;

	(void)state;
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	file = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(file, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	assert_string_equal(cfg_example_json, file);
	free(file);

	if (cfg_load_text(CFG_EMBEDDED_NAME, cfg_example_json, &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(c->path, CFG_EMBEDDED_NAME);
	assert_string_equal(c->database, "concierge.db");
	assert_true(c->metrics.enabled);
	assert_true(c->metrics.allow_loopback);
	assert_null(c->metrics.token);
	assert_int_equal(c->log.json, 0);
	assert_int_equal(c->log.level, LOG_INFO);
	cfg_free(c);
}

static void test_metrics_and_log_keys(void **state)
{
	char *text = example_with("{\"metrics\": {\"token\": \"0123456789abcdef\","
	                          " \"allow_loopback\": false},"
	                          " \"log\": {\"format\": \"json\", \"level\": \"warn\"}}");
	struct cfg *c = NULL;

	(void)state;
	if (cfg_load_text("t.json", text, &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_true(c->metrics.enabled);
	assert_false(c->metrics.allow_loopback);
	assert_string_equal(c->metrics.token, "0123456789abcdef");
	assert_int_equal(c->log.json, 1);
	assert_int_equal(c->log.level, LOG_WARN);
	cfg_free(c);
	free(text);
}

/* Each bad value is refused at load with its path and its reason, all of them at once. */
static void test_bad_metrics_and_log_keys(void **state)
{
	static const char *const want[] = {
	        "t.json: metrics.token: too short: at least 16 characters",
	        "t.json: metrics.colour: unknown key",
	        "t.json: log.format: must be \"text\" or \"json\"",
	        "t.json: log.level: must be \"debug\", \"info\", \"warn\" or \"error\"",
	};
	char *text = example_with("{\"metrics\": {\"token\": \"short\", \"colour\": 1},"
	                          " \"log\": {\"format\": \"yaml\", \"level\": \"loud\"}}");
	struct cfg *c = (struct cfg *)1;
	size_t i;

	(void)state;
	assert_int_equal(cfg_load_text("t.json", text, &c, err, sizeof(err)), -1);
	assert_null(c);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(err, want[i]))
			fail_msg("missing: %s\n--- got:\n%s", want[i], err);
	free(text);

	text = example_with("{\"metrics\": {\"allow_loopback\": false}}");
	assert_int_equal(cfg_load_text("t.json", text, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.json: metrics.allow_loopback: false with no metrics.token"));
	free(text);

	/* Switched off, nobody needs to be let in. */
	text = example_with("{\"metrics\": {\"enabled\": false, \"allow_loopback\": false}}");
	assert_int_equal(cfg_load_text("t.json", text, &c, err, sizeof(err)), 0);
	assert_false(c->metrics.enabled);
	cfg_free(c);
	free(text);

	text = example_with("{\"log\": \"json\"}");
	assert_int_equal(cfg_load_text("t.json", text, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.json: log: expected an object"));
	free(text);

	assert_int_equal(cfg_load_text("t.json", "{\"database\": ", &c, err, sizeof(err)), -1);
	assert_true(strncmp(err, "t.json:1:", 9) == 0);
}

/* ---- log lines -------------------------------------------------------------------- */

static void test_text_line(void **state)
{
	char line[256];

	(void)state;
	log_format_line(line, sizeof(line), LOG_TEXT, LOG_WARN, "2026-11-27T15:00:01+08:00", NULL,
	                0, "server: two\nlines");
	assert_string_equal(line, "2026-11-27T15:00:01+08:00 WARN  server: two lines\n");
}

static void test_json_line(void **state)
{
	const struct log_field f[] = {LOG_STR("host", "127.0.0.1"), LOG_NUM("port", 8080)};
	char line[512];
	json_t *o;

	(void)state;
	log_format_line(line, sizeof(line), LOG_JSON, LOG_INFO, "2026-11-27T15:00:01.042+08:00", f,
	                2, "server: listening on \"127.0.0.1:8080\"\t\x01 \xff");
	assert_int_equal(line[strlen(line) - 1], '\n');
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1); /* one line */
	o = json_loads(line, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "ts")),
	                    "2026-11-27T15:00:01.042+08:00");
	assert_string_equal(json_string_value(json_object_get(o, "level")), "info");
	assert_string_equal(json_string_value(json_object_get(o, "component")), "server");
	assert_string_equal(json_string_value(json_object_get(o, "host")), "127.0.0.1");
	assert_int_equal(json_integer_value(json_object_get(o, "port")), 8080);
	assert_string_equal(json_string_value(json_object_get(o, "msg")),
	                    "listening on \"127.0.0.1:8080\"\t\x01 \xef\xbf\xbd");
	json_decref(o);

	log_format_line(line, sizeof(line), LOG_JSON, LOG_ERROR, "t", NULL, 0,
	                "order 261127-001: pending -> assigned");
	o = json_loads(line, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "order")), "261127-001");
	assert_string_equal(json_string_value(json_object_get(o, "level")), "error");
	assert_string_equal(json_string_value(json_object_get(o, "msg")), "pending -> assigned");
	assert_null(json_object_get(o, "component"));
	json_decref(o);
}

/* A message longer than the line is cut, and the line is still one JSON object. */
static void test_json_line_cut(void **state)
{
	char msg[3000], line[400];
	json_t *o;

	(void)state;
	memset(msg, '"', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	log_format_line(line, sizeof(line), LOG_JSON, LOG_INFO, "t", NULL, 0, msg);
	assert_true(strlen(line) < sizeof(line));
	o = json_loads(line, 0, NULL);
	assert_non_null(o);
	assert_true(strlen(json_string_value(json_object_get(o, "msg"))) > 100);
	json_decref(o);
}

static void test_scrub(void **state)
{
	char s[256];

	(void)state;
	snprintf(s, sizeof(s),
	         "call 13800138000 or 8613800138000, order 261127-001 at "
	         "1796038004 via 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw!");
	log_scrub(s);
	assert_string_equal(s, "call 138****8000 or 8613800138000, order 261127-001 at "
	                       "1796038004 via <token>!");
}

/* ---- the /metrics page -------------------------------------------------------------- */

static void test_label_escape(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	metrics_label(&b, "a\\b\"c\nd");
	assert_string_equal(buf_str(&b), "a\\\\b\\\"c\\nd");
	buf_release(&b);
}

/* The value of the sample line that starts with PREFIX (name and labels), or -1. */
static double value_of(const char *page, const char *prefix)
{
	const char *p = page;
	size_t n = strlen(prefix);

	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, prefix, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return -1;
}

static void test_render(void **state)
{
	struct metrics_sources src;
	struct metrics *m;
	struct cfg *c = NULL;
	struct buf b;
	const char *page;

	(void)state;
	assert_int_equal(cfg_load_text("t.json", cfg_example_json, &c, err, sizeof(err)), 0);
	m = metrics_new(c);
	assert_non_null(m);
	metrics_inbound(m, "web", 1);
	metrics_inbound(m, "web", 1);
	metrics_inbound(m, "web", 0);
	metrics_inbound(m, "nowhere", 1); /* no such channel: ignored */
	metrics_commit(m, 1);
	metrics_commit(m, 3);
	metrics_commit(m, 1000);
	metrics_http(m, METRICS_ROUTE_HOOK, 400);     /* 0.0004 s */
	metrics_http(m, METRICS_ROUTE_HOOK, 1000);    /* exactly on the 0.001 bound */
	metrics_http(m, METRICS_ROUTE_HOOK, 3000000); /* 3 s */

	memset(&src, 0, sizeof(src));
	src.start_ms = 1796038004917;
	buf_init(&b);
	assert_int_equal(metrics_render(m, &src, &b), 0);
	page = buf_str(&b);

	assert_non_null(strstr(page, "# HELP concierge_inbound_messages_total "));
	assert_non_null(strstr(page, "# TYPE concierge_inbound_messages_total counter\n"));
	assert_true(value_of(page, "concierge_inbound_messages_total{channel=\"web\"}") == 2);
	assert_true(value_of(page, "concierge_inbound_failures_total{channel=\"web\"}") == 1);
	assert_true(value_of(page, "concierge_inbound_messages_total{channel=\"terminal\"}") == 0);

	assert_non_null(strstr(page, "# TYPE concierge_group_commit_messages histogram\n"));
	assert_true(value_of(page, "concierge_group_commit_messages_bucket{le=\"1\"}") == 1);
	assert_true(value_of(page, "concierge_group_commit_messages_bucket{le=\"2\"}") == 1);
	assert_true(value_of(page, "concierge_group_commit_messages_bucket{le=\"4\"}") == 2);
	assert_true(value_of(page, "concierge_group_commit_messages_bucket{le=\"512\"}") == 2);
	assert_true(value_of(page, "concierge_group_commit_messages_bucket{le=\"+Inf\"}") == 3);
	assert_true(value_of(page, "concierge_group_commit_messages_count") == 3);
	assert_true(value_of(page, "concierge_group_commit_messages_sum") == 1004);

	assert_true(value_of(page, "concierge_http_request_duration_seconds_bucket{route=\"hook\","
	                           "le=\"0.0005\"}") == 1);
	assert_true(value_of(page, "concierge_http_request_duration_seconds_bucket{route=\"hook\","
	                           "le=\"0.001\"}") == 2);
	assert_true(value_of(page, "concierge_http_request_duration_seconds_bucket{route=\"hook\","
	                           "le=\"2.5\"}") == 2);
	assert_true(value_of(page, "concierge_http_request_duration_seconds_bucket{route=\"hook\","
	                           "le=\"5\"}") == 3);
	assert_true(value_of(page,
	                     "concierge_http_request_duration_seconds_count{route=\"hook\"}") == 3);
	assert_true(value_of(page, "concierge_http_request_duration_seconds_sum{route=\"hook\"}") >
	            3.0013);
	assert_true(value_of(page,
	                     "concierge_http_request_duration_seconds_count{route=\"page\"}") == 0);

	assert_true(value_of(page, "process_start_time_seconds") > 1796038004.9);
	assert_non_null(strstr(page, "concierge_build_info{version=\""));
	/* No store: its gauges say so rather than show zeros. */
	assert_true(value_of(page, "concierge_database_up") == 0);
	assert_true(value_of(page, "concierge_orders{status=\"pending\"}") == -1);
	assert_int_equal(page[strlen(page) - 1], '\n');

	buf_release(&b);
	metrics_free(m);
	cfg_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_embedded_is_the_example),
	        cmocka_unit_test(test_metrics_and_log_keys),
	        cmocka_unit_test(test_bad_metrics_and_log_keys),
	        cmocka_unit_test(test_text_line),
	        cmocka_unit_test(test_json_line),
	        cmocka_unit_test(test_json_line_cut),
	        cmocka_unit_test(test_scrub),
	        cmocka_unit_test(test_label_escape),
	        cmocka_unit_test(test_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
