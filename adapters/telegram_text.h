/*
 * telegram_text.h - what telegram.c borrows from telegram_text.c beyond the
 * public "UTF-16 accounting" functions of telegram.h. Not for other modules.
 */
#ifndef CONCIERGE_TELEGRAM_TEXT_H
#define CONCIERGE_TELEGRAM_TEXT_H

#include <stddef.h>

/*
 * Length in bytes of the whitespace character at S[0..LEN) (LEN > 0) when it
 * is one Telegram trims (space, tab, CR, LF, U+00A0, U+3000), else 0. Cleaned
 * text is trimmed, and split parts judged blank, by the same rule.
 */
size_t tg_space_at(const char *s, size_t len);

#endif
