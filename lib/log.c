/*
 * log.c - levelled one-line logs on stderr; see log.h.
 */
#include "lib/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;

void log_set_level(enum log_level level)
{
	min_level = level;
}

void log_init_from_env(void)
{
	const char *v = getenv("CONCIERGE_LOG");

	if (!v)
		return;
	if (strcmp(v, "debug") == 0)
		min_level = LOG_DEBUG;
	else if (strcmp(v, "info") == 0)
		min_level = LOG_INFO;
	else if (strcmp(v, "warn") == 0)
		min_level = LOG_WARN;
	else if (strcmp(v, "error") == 0)
		min_level = LOG_ERROR;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"DEBUG", "INFO ", "WARN ", "ERROR"};
	char line[2048], when[64], zone[8];
	struct tm tm;
	time_t now = time(NULL);
	va_list ap;
	int n, m;

	if (level < min_level)
		return;
	localtime_r(&now, &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d%.3s:%.2s", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, zone, zone + 3);
	n = snprintf(line, sizeof(line), "%s %s ", when, names[level]);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	/* One write() per line so lines from two threads never interleave. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
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
