/*
 * log.h - one line per meaningful event, with a level, on stderr, as text
 * or as JSON lines (the configuration's "log": {"format", "level"}).
 *
 *   2026-11-27T15:00:01+08:00 INFO  server: listening on 127.0.0.1:8080
 *   {"ts":"2026-11-27T15:00:01.042+08:00","level":"info","component":"server",
 *    "msg":"listening on 127.0.0.1:8080"}                      (one line)
 *
 * A JSON line carries the time (ISO 8601, milliseconds, the centre's UTC
 * offset), the level, the message, and the structure the message has: its
 * leading "component: " ("server", "sender", "store", a channel) becomes
 * "component", a leading "order N: " becomes "order", and the fields a
 * caller passes to log_fields() join them. Times come from lib/clock.h.
 *
 * Never log tokens, secrets or full phone numbers: callers pass masked or
 * summarised values (log_mask() helps). As a last guard every line is
 * scrubbed of what still looks like one (log_scrub()). Thread-safe (one
 * write per line).
 */
#ifndef CONCIERGE_LOG_H
#define CONCIERGE_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_TEXT = 0, LOG_JSON };

/* Lines below LEVEL are dropped; CONCIERGE_LOG=debug|info|warn|error sets it at start. */
void log_set_level(enum log_level level);
void log_set_format(enum log_format format);
void log_init_from_env(void);
/* "debug", "info", "warn" or "error" as a level: 0, or -1 for anything else. */
int log_level_parse(const char *name, enum log_level *out);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A field of a JSON line: KEY with a string STR, or with the number NUM when
 * STR is NULL. Text lines do not show them (the message says it in words).
 */
struct log_field {
	const char *key;
	const char *str;
	long long num;
};
#define LOG_STR(k, v) ((struct log_field){(k), (v) ? (v) : "", 0})
#define LOG_NUM(k, v) ((struct log_field){(k), NULL, (long long)(v)})
void log_fields(enum log_level level, const struct log_field *fields, size_t n, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/*
 * Copies S into OUT keeping only what identifies it without revealing it:
 * runs of 7 or more digits keep their first 3 and last 4 ("138****8000"),
 * and everything after "/bot" in a bot API URL is replaced by "<token>".
 */
void log_mask(const char *s, char *out, size_t outlen);

/*
 * The last guard, applied to every line in place: a mainland mobile number
 * (11 digits, 1[3-9]..., not part of a longer run) keeps its first 3 and
 * last 4 digits, and a bot token (digits ':' and 30 or more of
 * A-Za-z0-9_-) becomes "<token>".
 */
void log_scrub(char *s);

/*
 * Formats one line as the log writes it, without the time (for tests): LEVEL,
 * MSG (already formatted) and N FIELDS into OUT, NUL-terminated, with a
 * trailing '\n'. TS is the time text to use. Returns the length.
 */
size_t log_format_line(char *out, size_t outlen, enum log_format format, enum log_level level,
                       const char *ts, const struct log_field *fields, size_t n, const char *msg);

#endif
