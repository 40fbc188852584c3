/*
 * fuzz_config.c - the configuration loader (bot/config.c) on any text: a
 * configuration is either loaded or refused with messages, never a crash.
 *
 * Input: byte 0 sets the size of a small error buffer; the rest is the
 * file's text. Invariants: 0 comes with a configuration and -1 without one;
 * a refusal says something, every line of it names the file; a small buffer
 * (exact-size heap) is never written past and still ends in a NUL. A loaded
 * configuration is walked the way the program does at start (channels,
 * staff, communities).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bot/config.h"

#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	setenv("FUZZ_SECRET", "s3cret-from-env", 1);
	log_set_level(LOG_ERROR + 1);
	return 0;
}

static void walk(const struct cfg *c)
{
	size_t i;

	for (i = 0; i < c->nchans; i++) {
		const struct chan *ch = &c->chans[i];

		if (!ch->a || !ch->name || strcmp(ch->a->name, ch->name) != 0)
			fuzz_fail("channel %zu is not its adapter's", i);
		if (cfg_chan(c, ch->name) != ch)
			fuzz_fail("channel %s is not found by its name", ch->name);
	}
}

static void load(const char *text, size_t errlen)
{
	struct cfg *c = (struct cfg *)(uintptr_t)1;
	char *err = malloc(errlen);
	const char *line;
	int rc;

	if (!err)
		abort();
	memset(err, 'x', errlen);
	rc = cfg_load_text("config.json", text, &c, err, errlen);
	if (rc == 0) {
		if (!c)
			fuzz_fail("loaded without a configuration");
		walk(c);
		cfg_free(c);
	} else {
		if (rc != -1 || c)
			fuzz_fail("refused (%d) with a configuration", rc);
		if (!memchr(err, '\0', errlen))
			fuzz_fail("the error (%zu bytes) has no NUL", errlen);
		if (errlen >= 4096) {
			if (!err[0])
				fuzz_fail("refused without a word");
			for (line = err; line;
			     line = strchr(line, '\n'), line = line ? line + 1 : NULL)
				if (strncmp(line, "config.json", 11) != 0 && !strstr(line, "more"))
					fuzz_fail("a problem that does not name the file: [%.200s] "
					          "in [%s]",
					          line, err);
		}
	}
	free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1 || size > 64 * 1024)
		return 0;
	text = fuzz_str(data + 1, size - 1);
	load(text, 8192);
	load(text, (size_t)data[0] % 200 + 1);
	free(text);
	return 0;
}
