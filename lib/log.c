/*
 * log.c - levelled one-line logs on stderr, as text or JSON lines; see log.h.
 *
 * A line is built whole in a buffer and written with one write(), so lines
 * from the service thread and the sender never interleave. A JSON line puts
 * the message last: when a line is too long only the message is cut, and the
 * line stays valid JSON.
 */
#include "lib/log.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/utf8.h"

#define LINE_MAX_TEXT 2048
#define LINE_MAX_JSON 8192
#define FIELDS_MAX    16

static enum log_level min_level = LOG_INFO;
static enum log_format out_format = LOG_TEXT;

void log_set_level(enum log_level level)
{
	min_level = level;
}

void log_set_format(enum log_format format)
{
	out_format = format;
}

int log_level_parse(const char *v, enum log_level *out)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	size_t i;

	for (i = 0; v && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void log_init_from_env(void)
{
	enum log_level l;

	if (log_level_parse(getenv("CONCIERGE_LOG"), &l) == 0)
		min_level = l;
}

/* ---- the last guard ------------------------------------------------------------------- */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
	       c == '-';
}

void log_scrub(char *s)
{
	static const char token_mark[] = "<token>";
	size_t i = 0, run, tail, k;

	while (s[i]) {
		if (!is_digit(s[i])) {
			i++;
			continue;
		}
		for (run = 0; is_digit(s[i + run]); run++)
			;
		if (s[i + run] == ':' && run >= 6) {
			for (tail = 0; is_token_char(s[i + run + 1 + tail]); tail++)
				;
			if (tail >= 30) {
				/* "<token>" is 7 bytes and the token at least 37: it fits. */
				for (k = 0; k < sizeof(token_mark) - 1; k++)
					s[i + k] = token_mark[k];
				memmove(s + i + k, s + i + run + 1 + tail,
				        strlen(s + i + run + 1 + tail) + 1);
				i += k;
				continue;
			}
		}
		if (run == 11 && s[i] == '1' && s[i + 1] >= '3' && s[i + 1] <= '9')
			for (k = 3; k < 7; k++)
				s[i + k] = '*';
		i += run;
	}
}

/* ---- lines ------------------------------------------------------------------------------ */

/* A bounded writer: what does not fit is dropped, and OUT stays NUL-terminated. */
struct lw {
	char *out;
	size_t len, cap; /* CAP counts the terminator */
};

static void lw_addn(struct lw *w, const char *s, size_t n)
{
	if (w->len + 1 >= w->cap)
		return;
	if (n > w->cap - 1 - w->len)
		n = w->cap - 1 - w->len;
	memcpy(w->out + w->len, s, n);
	w->len += n;
	w->out[w->len] = '\0';
}

static void lw_add(struct lw *w, const char *s)
{
	lw_addn(w, s, strlen(s));
}

/* S[0..N) as the inside of a JSON string, stopping (at a character) before LIMIT. */
static void lw_json(struct lw *w, const char *s, size_t n, size_t limit)
{
	char esc[8];
	const char *put;
	size_t i = 0, len, add;
	uint32_t cp;

	while (i < n) {
		len = utf8_next(s + i, n - i, &cp);
		put = esc;
		if (cp == '"' || cp == '\\') {
			esc[0] = '\\';
			esc[1] = (char)cp;
			add = 2;
		} else if (cp == '\n' || cp == '\t') {
			esc[0] = '\\';
			esc[1] = cp == '\n' ? 'n' : 't';
			add = 2;
		} else if (cp < 0x20 || cp == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp);
			add = 6;
		} else if (cp == UTF8_BAD && len == 1) {
			add = utf8_put(UTF8_BAD, esc); /* a broken byte: JSON text is UTF-8 */
		} else {
			put = s + i;
			add = len;
		}
		if (w->len + add + 1 > limit)
			return;
		lw_addn(w, put, add);
		i += len;
	}
}

/* Fields stop short of the end: the message's key and the closing bytes always fit. */
#define FIELD_ROOM 32

static void lw_json_str(struct lw *w, const char *key, const char *value, size_t n)
{
	lw_add(w, ",\"");
	lw_json(w, key, strlen(key), w->cap - FIELD_ROOM);
	lw_add(w, "\":\"");
	lw_json(w, value, n, w->cap - FIELD_ROOM);
	lw_add(w, "\"");
}

/* The length of a leading "word: " (a component name), or 0. */
static size_t component_len(const char *msg)
{
	size_t i = 0;

	if (!(msg[0] >= 'a' && msg[0] <= 'z'))
		return 0;
	while ((msg[i] >= 'a' && msg[i] <= 'z') || is_digit(msg[i]) || msg[i] == '_')
		i++;
	return msg[i] == ':' && msg[i + 1] == ' ' ? i : 0;
}

/* The length of the number in a leading "order N: ", or 0. */
static size_t order_len(const char *msg)
{
	size_t i = 6;

	if (strncmp(msg, "order ", 6) != 0)
		return 0;
	while (is_digit(msg[i]) || msg[i] == '-')
		i++;
	return i > 6 && msg[i] == ':' && msg[i + 1] == ' ' ? i - 6 : 0;
}

size_t log_format_line(char *out, size_t outlen, enum log_format format, enum log_level level,
                       const char *ts, const struct log_field *fields, size_t n, const char *msg)
{
	static const char *const text_names[] = {"DEBUG", "INFO ", "WARN ", "ERROR"};
	static const char *const json_names[] = {"debug", "info", "warn", "error"};
	struct lw w = {out, 0, outlen};
	char num[32];
	size_t i, k;

	if (!outlen)
		return 0;
	out[0] = '\0';
	if (outlen < 64)
		return 0;
	w.cap = outlen - 1; /* room for the '\n' */
	if (format == LOG_TEXT) {
		lw_add(&w, ts);
		lw_add(&w, " ");
		lw_add(&w, text_names[level]);
		lw_add(&w, " ");
		k = w.len;
		lw_add(&w, msg);
		/* One event, one line: a line break inside the message cannot fake another. */
		for (i = k; i < w.len; i++)
			if (out[i] == '\n' || out[i] == '\r')
				out[i] = ' ';
	} else {
		lw_add(&w, "{\"ts\":\"");
		lw_json(&w, ts, strlen(ts), w.cap);
		lw_add(&w, "\",\"level\":\"");
		lw_add(&w, json_names[level]);
		lw_add(&w, "\"");
		if ((k = order_len(msg)) > 0) {
			lw_json_str(&w, "order", msg + 6, k);
			msg += 6 + k + 2;
		} else if ((k = component_len(msg)) > 0) {
			lw_json_str(&w, "component", msg, k);
			msg += k + 2;
		}
		for (i = 0; i < n; i++) {
			if (fields[i].str) {
				lw_json_str(&w, fields[i].key, fields[i].str,
				            strlen(fields[i].str));
				continue;
			}
			snprintf(num, sizeof(num), "%lld", fields[i].num);
			if (w.len + strlen(fields[i].key) + strlen(num) + 4 + FIELD_ROOM > w.cap)
				continue;
			lw_add(&w, ",\"");
			lw_json(&w, fields[i].key, strlen(fields[i].key), w.cap);
			lw_add(&w, "\":");
			lw_add(&w, num);
		}
		lw_add(&w, ",\"msg\":\"");
		lw_json(&w, msg, strlen(msg), w.cap - 2); /* room for "} */
		lw_add(&w, "\"}");
	}
	out[w.len++] = '\n';
	out[w.len] = '\0';
	return w.len;
}

/* Now as ISO 8601 in the local zone: with milliseconds for JSON lines. */
static void timestamp(char *out, size_t len, int millis)
{
	int64_t ms = clock_now_ms();
	time_t secs = (time_t)(ms / 1000);
	char zone[8];
	struct tm tm;

	localtime_r(&secs, &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	if (millis)
		snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%.3s:%.2s", tm.tm_year + 1900,
		         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		         (int)(ms % 1000), zone, zone + 3);
	else
		snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d%.3s:%.2s", tm.tm_year + 1900,
		         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, zone,
		         zone + 3);
}

static void vlog(enum log_level level, const struct log_field *fields, size_t n, const char *fmt,
                 va_list ap)
{
	char msg[LINE_MAX_TEXT], line[LINE_MAX_JSON], when[64];
	enum log_format format = out_format;
	size_t len;

	if (level < min_level || level > LOG_ERROR)
		return;
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		return;
	log_scrub(msg);
	timestamp(when, sizeof(when), format == LOG_JSON);
	len = log_format_line(line, format == LOG_JSON ? sizeof(line) : LINE_MAX_TEXT, format,
	                      level, when, fields, n, msg);
	if (len && write(STDERR_FILENO, line, len) < 0)
		return;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, NULL, 0, fmt, ap);
	va_end(ap);
}

void log_fields(enum log_level level, const struct log_field *fields, size_t n, const char *fmt,
                ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fields, n < FIELDS_MAX ? n : FIELDS_MAX, fmt, ap);
	va_end(ap);
}

void log_mask(const char *s, char *out, size_t outlen)
{
	size_t i = 0, o = 0, run, k;
	const char *bot;

	if (!outlen)
		return;
	s = s ? s : "";
	bot = strstr(s, "/bot");
	while (s[i] && o + 1 < outlen) {
		if (bot && s + i == bot) {
			const char *slash = strchr(bot + 4, '/');
			const char *rep = "/bot<token>";

			for (k = 0; rep[k] && o + 1 < outlen; k++)
				out[o++] = rep[k];
			i = slash ? (size_t)(slash - s) : strlen(s);
			continue;
		}
		if (s[i] >= '0' && s[i] <= '9') {
			for (run = 0; s[i + run] >= '0' && s[i + run] <= '9'; run++)
				;
			for (k = 0; k < run && o + 1 < outlen; k++)
				out[o++] = (run >= 7 && k >= 3 && k < run - 4) ? '*' : s[i + k];
			i += run;
			continue;
		}
		out[o++] = s[i++];
	}
	out[o] = '\0';
}
