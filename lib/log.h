/*
 * log.h - one line per meaningful event, with a level, on stderr.
 *
 *   2026-11-27T15:00:01+08:00 INFO  server: listening on 127.0.0.1:8080
 *
 * Never log tokens, secrets or full phone numbers: callers pass masked or
 * summarised values (log_mask() helps). Thread-safe (one write per line).
 */
#ifndef CONCIERGE_LOG_H
#define CONCIERGE_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Lines below LEVEL are dropped; CONCIERGE_LOG=debug|info|warn|error sets it at start. */
void log_set_level(enum log_level level);
void log_init_from_env(void);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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

#endif
