/*
 * clock.c - the one clock; see clock.h.
 *
 * The file source re-reads FILE at most every 20 ms of real time, so the
 * sender's loop can ask for the time as often as it likes.
 */
#include "lib/clock.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#define FILE_RECHECK_MS 20

static clock_source_fn source;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

/* From CONCIERGE_NOW, read once. */
static int64_t fixed_ms = -1;     /* "T": the wall clock stands at this */
static const char *clock_file;    /* "@FILE" */
static int64_t file_wall_ms = -1; /* the time FILE said ... */
static int64_t file_at_ms;        /* ... at this real monotonic time */
static int64_t jumped_ms;         /* forward jumps so far, added to the monotonic clock */
static int64_t checked_at_ms = -1;
static struct timespec file_mtime;

static int64_t sys_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t sys_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void read_env(void)
{
	const char *v = getenv("CONCIERGE_NOW");

	if (!v || !*v)
		return;
	if (v[0] == '@' && v[1])
		clock_file = v + 1;
	else
		fixed_ms = (int64_t)strtoll(v, NULL, 10) * 1000;
}

/* Under mu: follows FILE when it changed since it was last read. */
static void follow_file(int64_t real_mono)
{
	struct stat st;
	char text[64], *end;
	double secs;
	int64_t t, was;
	size_t n;
	FILE *fp;

	if (checked_at_ms >= 0 && real_mono - checked_at_ms < FILE_RECHECK_MS)
		return;
	checked_at_ms = real_mono;
	if (stat(clock_file, &st) != 0)
		return;
	if (file_wall_ms >= 0 && st.st_mtim.tv_sec == file_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == file_mtime.tv_nsec)
		return;
	fp = fopen(clock_file, "r");
	if (!fp)
		return;
	n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = '\0';
	secs = strtod(text, &end);
	if (end != text && isfinite(secs) && secs > 0) {
		t = (int64_t)llround(secs * 1000.0);
		if (file_wall_ms >= 0) {
			was = file_wall_ms + (real_mono - file_at_ms);
			if (t > was)
				jumped_ms += t - was;
		}
		file_wall_ms = t;
		file_at_ms = real_mono;
		file_mtime = st.st_mtim;
	}
}

static int64_t env_source(enum clock_kind kind)
{
	int64_t real_mono = sys_ms(CLOCK_MONOTONIC), v;

	pthread_once(&env_once, read_env);
	if (kind == CLOCK_WALL_MS && fixed_ms >= 0)
		return fixed_ms;
	if (!clock_file)
		return kind == CLOCK_WALL_MS ? sys_ms(CLOCK_REALTIME) : real_mono;
	pthread_mutex_lock(&mu);
	follow_file(real_mono);
	if (kind == CLOCK_MONO_MS)
		v = real_mono + jumped_ms;
	else if (file_wall_ms >= 0)
		v = file_wall_ms + (real_mono - file_at_ms);
	else
		v = sys_ms(CLOCK_REALTIME); /* no readable time in the file (yet) */
	pthread_mutex_unlock(&mu);
	return v;
}

static int64_t read_clock(enum clock_kind kind)
{
	return source ? source(kind) : env_source(kind);
}

int64_t clock_now(void)
{
	int64_t ms = read_clock(CLOCK_WALL_MS);

	return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

int64_t clock_now_ms(void)
{
	return read_clock(CLOCK_WALL_MS);
}

int64_t clock_mono_ms(void)
{
	return read_clock(CLOCK_MONO_MS);
}

int64_t clock_real_ms(void)
{
	return sys_us(CLOCK_MONOTONIC) / 1000;
}

int64_t clock_mono_us(void)
{
	int64_t real_us, v;

	if (source)
		return source(CLOCK_MONO_MS) * 1000;
	pthread_once(&env_once, read_env);
	real_us = sys_us(CLOCK_MONOTONIC);
	if (!clock_file)
		return real_us;
	pthread_mutex_lock(&mu);
	follow_file(real_us / 1000);
	v = real_us + jumped_ms * 1000;
	pthread_mutex_unlock(&mu);
	return v;
}

void clock_set_source(clock_source_fn fn)
{
	source = fn;
}
