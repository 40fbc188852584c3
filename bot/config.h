/*
 * config.h - the configuration file, loaded once at start-up.
 *
 * The file is JSON. A string "${NAME}" (the whole string) is replaced by the
 * environment variable NAME; an unset variable is a problem, except inside a
 * disabled channel, where the field becomes NULL. cfg_load() checks
 * everything it can and reports every problem, one per line, each with the
 * file and the path inside it:
 *   config.json: staff[2].id: missing
 * Keys starting with '_' (e.g. "_comment") are ignored anywhere; any other
 * key the loader does not know is a problem, except inside the objects of
 * the channels only known as stubs (slack, onebot, ...).
 * Optional strings given as "" are stored as NULL.
 * All strings in these structs are owned by the struct cfg and freed by
 * cfg_free(); callers borrow them.
 */
#ifndef CONCIERGE_CONFIG_H
#define CONCIERGE_CONFIG_H

#include <stddef.h>

struct cfg_identity {
	char *channel; /* "telegram", "web", "terminal", ... */
	char *user;    /* the person's ID on that channel (JSON string or integer) */
};

/* role: "technician", "dispatcher" or "supervisor". */
struct cfg_staff {
	char *id;   /* 1-64 of A-Za-z0-9_.-, unique */
	char *name; /* defaults to the id */
	char *role;
	char **skills;
	size_t nskills;
	struct cfg_identity *identities;
	size_t nidentities;
	char *token; /* personal web link token, or NULL */
};

/* A chat on a channel, e.g. the staff group on Telegram. */
struct cfg_chat {
	char *channel;
	char *chat; /* JSON string or integer (Telegram chat IDs need 64 bits) */
};

struct cfg_community {
	char *id;
	char *name;
	struct cfg_chat *staff_chats; /* where dispatch pings go */
	size_t nstaff_chats;
	char *phone; /* the service centre's desk phone, shown when help is asked */
};

/* category: "repair", "cleaning", "errand" or "inquiry". */
struct cfg_item {
	char *id;
	char *category;
	char *name_zh; /* "name" is a string (both get it) or {"zh-CN", "en"}; */
	char *name_en; /* when only one language is given both hold it */
	char **keywords;
	size_t nkeywords;
	int response_minutes; /* promised response time */
	char *price;          /* price text shown to residents, e.g. "50 元起" (zh-CN) */
	char *price_en;       /* the same in English; "price" may be {"zh-CN", "en"} */
	double estimate;      /* estimate in yuan, or 0 when unknown */
	char *skill;          /* needed staff skill, or NULL */
};

/* Requests outside the catalogue: matched by keyword, politely declined. */
struct cfg_out_of_scope {
	char **keywords;
	size_t nkeywords;
	char *referral_zh; /* e.g. where to go instead, or NULL; like cfg_item.name */
	char *referral_en;
};

/* Every channel's "enabled" defaults to false, except web's. */
struct cfg_telegram {
	int enabled;
	char *token;           /* required when enabled */
	char *api_base;        /* default "https://api.telegram.org", no trailing '/' */
	char *mode;            /* "webhook" or "polling", default "polling" */
	char *webhook_secret;  /* 1-256 of A-Za-z0-9_-; required when enabled in webhook mode */
	char *public_url;      /* base URL Telegram reaches us at, no trailing '/', or NULL */
	char *staff_chat;      /* chat ID of the staff group (integer or @name), or NULL */
	char *bot_username;    /* without '@', or NULL (asked with getMe) */
	int poll_timeout;      /* seconds, 0-50, default 30 */
	int per_chat_per_sec;  /* default 1 */
	int per_group_per_min; /* default 20 */
	int global_per_sec;    /* default 30 */
};

struct cfg_web {
	int enabled; /* default true, also when channels.web is absent */
	char *title; /* page title, or NULL */
};

struct cfg_generic {
	int enabled;
	char *secret;       /* HMAC-SHA256 key for both directions; required when enabled */
	char *callback_url; /* where replies are POSTed, or NULL */
};

/* A channel only known well enough to be switched on or off. */
struct cfg_channel_stub {
	char *name; /* the key under "channels" */
	int enabled;
	char *json; /* the whole object, compact JSON with "${NAME}" filled in (null
	             * when unset and disabled), for the channel's adapter to parse */
};

struct cfg {
	char *path;     /* the file it was read from */
	char *database; /* SQLite file, default "concierge.db" */
	char *listen;   /* HOST:PORT, default "127.0.0.1:8080" */
	char *locale;   /* "zh-CN" or "en", default "zh-CN" */
	char *timezone; /* e.g. "Asia/Shanghai"; default "Asia/Shanghai" */
	char *bot_name; /* how the bot is mentioned, default "concierge" */
	char *tls_cert; /* PEM certificate: serve HTTPS (and HTTP/2) when set, with tls_key */
	char *tls_key;
	int session_minutes; /* idle dialog expiry, default 30 */
	int acceptance_days; /* auto-close awaiting_acceptance after, default 3 */
	int low_rating;      /* ratings at or below notify the supervisor, 0-5, default 2 */
	struct cfg_staff *staff;
	size_t nstaff;
	struct cfg_community *communities; /* at least one */
	size_t ncommunities;
	struct cfg_item *items; /* the catalogue */
	size_t nitems;
	struct cfg_out_of_scope out_of_scope;
	struct cfg_web web;
	struct cfg_telegram telegram;
	struct cfg_generic generic;
	struct cfg_channel_stub *others; /* slack, onebot, ...: present, maybe disabled */
	size_t nothers;
};

/*
 * Reads and checks PATH. On success returns 0 and stores a new struct cfg in
 * *out (free with cfg_free). On failure returns -1, *out is NULL and err holds
 * every problem found, one per line, each starting with "PATH: " (a JSON
 * syntax error: "PATH:LINE:COL: "). Lines are separated by '\n', with no
 * '\n' after the last; when ERR is too small, whole lines are kept and the
 * last says more were left out.
 */
int cfg_load(const char *path, struct cfg **out, char *err, size_t errlen);
void cfg_free(struct cfg *c);

/*
 * Look-ups; NULL when not found. cfg_staff_by_identity also knows every
 * staff member as user "staff:ID" on the channels "terminal" and "web".
 * cfg_staff_has_skill is true for a NULL skill (the item needs none).
 */
const struct cfg_staff *cfg_staff_find(const struct cfg *c, const char *id);
const struct cfg_staff *cfg_staff_by_identity(const struct cfg *c, const char *channel,
                                              const char *user);
const struct cfg_item *cfg_item_find(const struct cfg *c, const char *id);
int cfg_staff_has_skill(const struct cfg_staff *s, const char *skill);

#endif
