/*
 * telegram_text.c - Telegram's way of counting text, and cutting long text
 * into messages it will accept; see "UTF-16 accounting" in telegram.h.
 *
 * Telegram measures text in UTF-16 code units while we hold UTF-8: entity
 * offsets, the 4096-unit message limit and message splitting all go through
 * the code-point walker in dialogs/utf8.h rather than byte arithmetic. A cut
 * prefers a line break, then a space, and never separates an emoji from the
 * modifiers and joiners that belong to it.
 */
#include "adapters/telegram.h"
#include "adapters/telegram_text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"

/* ---- UTF-16 accounting ---- */

static size_t utf16_units(uint32_t cp)
{
	return cp >= 0x10000 ? 2 : 1;
}

size_t tg_utf16_len(const char *s)
{
	size_t len = strlen(s), pos = 0, units = 0;
	uint32_t cp;

	while (pos < len) {
		pos += utf8_next(s + pos, len - pos, &cp);
		units += utf16_units(cp);
	}
	return units;
}

int tg_utf16_to_byte(const char *s, size_t len, size_t units, size_t *byte)
{
	size_t pos = 0, u = 0;
	uint32_t cp;

	while (u < units && pos < len) {
		pos += utf8_next(s + pos, len - pos, &cp);
		u += utf16_units(cp);
	}
	if (u != units)
		return -1; /* past the end, or between the halves of a pair */
	*byte = pos;
	return 0;
}

/* Code points that belong to the character before them. */
static int is_extender(uint32_t cp)
{
	return cp == 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0x300 && cp <= 0x36f) ||
	       (cp >= 0x1f3fb && cp <= 0x1f3ff) || (cp >= 0xe0020 && cp <= 0xe007f) || cp == 0x20e3;
}

size_t tg_space_at(const char *s, size_t len)
{
	uint32_t cp;
	size_t n = utf8_next(s, len, &cp);

	if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xa0 || cp == 0x3000)
		return n;
	return 0;
}

static int is_blank(const char *s, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		size_t n = tg_space_at(s + pos, len - pos);

		if (!n)
			return 0;
		pos += n;
	}
	return 1;
}

/* ---- splitting ---- */

void tg_parts_free(char **parts)
{
	char **p;

	if (!parts)
		return;
	for (p = parts; *p; p++)
		free(*p);
	free(parts);
}

/* Move a hard cut back so it does not separate a character from its modifiers. */
static size_t soft_cut(const char *s, size_t start, size_t cut, size_t len)
{
	size_t c = cut;
	uint32_t next, prev;
	int tries;

	for (tries = 0; tries < 16 && c > start; tries++) {
		size_t p = utf8_prev(s, c);

		utf8_next(s + c, len - c, &next);
		utf8_next(s + p, len - p, &prev);
		if (!is_extender(next) && prev != 0x200d)
			return c;
		c = p;
	}
	return cut; /* a run of modifiers too long to keep whole: cut anyway */
}

int tg_split_text(const char *text, size_t limit, char ***parts)
{
	size_t len = strlen(text), pos = 0, cap = 4, n = 0;
	char **arr = malloc(cap * sizeof(*arr)), **grown;

	*parts = NULL;
	if (!arr)
		return -1;
	if (limit == 0)
		limit = TG_TEXT_MAX;
	while (pos < len) {
		size_t p = pos, units = 0, nl = 0, nl_units = 0, sp = 0, sp_units = 0;
		size_t cut, next, step;
		uint32_t cp;

		/* widest window of whole code points within the limit */
		while (p < len) {
			step = utf8_next(text + p, len - p, &cp);
			if (units + utf16_units(cp) > limit && p > pos)
				break;
			if (cp == '\n') {
				nl = p;
				nl_units = units;
			} else if (cp == ' ') {
				sp = p;
				sp_units = units;
			}
			units += utf16_units(cp);
			p += step;
		}
		if (p >= len) {
			cut = next = len;
		} else if (text[p] == '\n' || text[p] == ' ') {
			/* the window ends right at a break: no need to look back */
			cut = p;
			next = p + 1;
			if (cut > pos && text[cut - 1] == '\r')
				cut--;
		} else if (nl > pos && nl_units >= limit / 4) {
			cut = nl;
			next = nl + 1;
			if (text[cut - 1] == '\r')
				cut--;
		} else if (sp > pos && sp_units >= limit / 4) {
			cut = sp;
			next = sp + 1;
		} else {
			cut = next = soft_cut(text, pos, p, len);
		}
		if (!is_blank(text + pos, cut - pos)) {
			if (n + 2 > cap) {
				cap *= 2;
				grown = realloc(arr, cap * sizeof(*arr));
				if (!grown)
					goto fail;
				arr = grown;
			}
			arr[n] = strndup(text + pos, cut - pos);
			if (!arr[n])
				goto fail;
			n++;
		}
		pos = next;
	}
	arr[n] = NULL;
	*parts = arr;
	return (int)n;
fail:
	arr[n] = NULL;
	tg_parts_free(arr);
	return -1;
}
