/*
 * flood.c - inbound pace per person and per chat, on every channel.
 *
 * A resident (or a script behind an account) sending message after message
 * would have each one stored, understood and answered. Here every message
 * with a sender counts against that person's budget on its channel (so many
 * in any second, so many in any minute: configuration "limits") and against
 * its chat's (a busy group shares one). The
 * first message over a budget is answered with one polite notice; the rest
 * are acknowledged to the platform (so it does not send them again) but
 * neither stored nor answered, and counted. One notice per person a minute,
 * one log line per flood. The web chat paces its pages itself (web.c), and the
 * desk terminal is trusted: both say so (adapter.h: paces_itself).
 */
#include "bot/flood.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/ratelimit.h"

struct flood {
	struct ratelimit *users, *chats, *told;
	int64_t pruned;
};

struct flood *flood_new(int per_sec, int per_min, int chat_per_min)
{
	const struct ratelimit_limits users = {.per_chat_per_sec = per_sec,
	                                       .per_chat_per_min = per_min};
	const struct ratelimit_limits chats = {.per_chat_per_min = chat_per_min};
	static const struct ratelimit_limits told = {.per_chat_per_min = 1};
	struct flood *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->users = ratelimit_new(&users);
	f->chats = ratelimit_new(&chats);
	f->told = ratelimit_new(&told);
	if (!f->users || !f->chats || !f->told) {
		flood_free(f);
		return NULL;
	}
	return f;
}

void flood_free(struct flood *f)
{
	if (!f)
		return;
	ratelimit_free(f->users);
	ratelimit_free(f->chats);
	ratelimit_free(f->told);
	free(f);
}

int flood_check(struct flood *f, const char *channel, const char *chat, const char *user,
                int64_t now_ms)
{
	char ukey[192], ckey[192];
	int over;

	if (!f || !channel || !user || !user[0])
		return FLOOD_PASS;
	/* "\x1f" keeps "a"+"bc" apart from "ab"+"c"; a group's '-' stays off the front */
	snprintf(ukey, sizeof(ukey), "%s\x1f%s", channel, user);
	snprintf(ckey, sizeof(ckey), "%s\x1f%s", channel, chat && chat[0] ? chat : user);
	if (now_ms - f->pruned >= 60000) {
		ratelimit_prune(f->users, now_ms);
		ratelimit_prune(f->chats, now_ms);
		ratelimit_prune(f->told, now_ms);
		f->pruned = now_ms;
	}
	over = ratelimit_wait(f->users, ukey, now_ms) > 0 ||
	       ratelimit_wait(f->chats, ckey, now_ms) > 0;
	if (!over) {
		/* out of memory: the message passes rather than being lost */
		ratelimit_take(f->users, ukey, now_ms);
		ratelimit_take(f->chats, ckey, now_ms);
		return FLOOD_PASS;
	}
	if (ratelimit_wait(f->told, ukey, now_ms) > 0)
		return FLOOD_DROP;
	ratelimit_take(f->told, ukey, now_ms);
	return FLOOD_TELL;
}

const char *flood_notice(const char *lang)
{
	if (lang && strncmp(lang, "en", 2) == 0)
		return "You are sending messages faster than we can take them. Please wait a "
		       "minute, then write again; what you sent just now was not recorded.";
	return "您发送得太快了，请稍等一分钟再发。刚才这几条没有记录下来。";
}
