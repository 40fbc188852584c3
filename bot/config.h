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
 * channels this build has no adapter for (they may only be switched off).
 * Each channel's object is read by its adapter (adapters/registry.h).
 * Optional strings given as "" are stored as NULL.
 * All strings in these structs are owned by the struct cfg and freed by
 * cfg_free(); callers borrow them.
 */
#ifndef CONCIERGE_CONFIG_H
#define CONCIERGE_CONFIG_H

#include <stddef.h>

#include "adapters/adapter.h"
#include "dialogs/catalogue.h"
#include "lib/hours.h"

struct cfg_identity {
	char *channel; /* an adapter's name (adapters/registry.c) */
	char *user;    /* the person's ID on that channel (JSON string or integer) */
};

/* role: "technician", "dispatcher", "supervisor" or "manager". */
struct cfg_staff {
	char *id;   /* 1-64 of A-Za-z0-9_.-, unique */
	char *name; /* defaults to the id */
	char *role;
	char **skills;
	size_t nskills;
	struct cfg_identity *identities;
	size_t nidentities;
	char *token; /* personal link token (the chat page's ?staff=), or NULL */
	/* Mobile number, digits with an optional leading '+', or NULL: a channel that
	 * mentions people by it (adapter mention_phone) does so when they have no
	 * identity there. Personal: never logged, never echoed in a problem. */
	char *phone;
	struct hours hours; /* working hours ("hours"); not set: always */
};

/* A chat on a channel, e.g. a staff group. */
struct cfg_chat {
	char *channel;
	char *chat; /* JSON string or integer (platform chat IDs may need 64 bits) */
};

/*
 * A partner company (合作单位) work can be given to (`/assign N ID`): it gets
 * the work order at CONTACT, and staff record its progress. IDs are unique
 * among staff and partners alike, as both are assignees.
 */
struct cfg_partner {
	char *id;   /* 1-64 of A-Za-z0-9_.- */
	char *name; /* defaults to the id */
	char **skills;
	size_t nskills;
	struct cfg_chat contact; /* where work orders go; both NULL when none */
	char *phone;             /* or NULL; a partner has a contact, a phone or both */
};

struct cfg_community {
	char *id;
	char *name;
	struct cfg_chat *staff_chats; /* where dispatch pings go */
	size_t nstaff_chats;
	/* "groups": the residents' group chats of this community (业主群): a request
	 * made there, or later by someone who wrote there, is this community's */
	struct cfg_chat *groups;
	size_t ngroups;
	char *phone; /* the service centre's desk phone, shown when help is asked */
	/* "business_hours": response promises count only this time (not set: around the clock) */
	struct hours_window business_hours;
};

/*
 * Follow-up visits (回访): a share of closed orders is sampled once a day and
 * their residents are asked QUESTIONS by chat. "followup" absent: none.
 */
struct cfg_followup {
	int enabled;
	double rate;      /* share of the eligible closed orders, 0..1, default 0.3 */
	int delay_hours;  /* asked this long after closing, default 24 */
	int hour;         /* the local hour the daily sampling runs, default 10 */
	int answer_days;  /* not answered within: recorded as unanswered, default 3 */
	int reopen;       /* "not resolved" sends the order back to rework, default true */
	char **questions; /* "resolved", "satisfied", "comment", in the order asked */
	size_t nquestions;
};

/* A channel only known well enough to be switched on or off. */
struct cfg_channel_stub {
	char *name; /* the key under "channels" */
	int enabled;
	char *json; /* the whole object, compact JSON with "${NAME}" filled in (null
	             * when unset and disabled), for the channel's adapter to parse */
};

/* "metrics": who may read /metrics (bot/health.c). */
struct cfg_metrics {
	int enabled;        /* default 1; 0: /metrics answers 404 */
	char *token;        /* a bearer token that lets anyone in, or NULL */
	int allow_loopback; /* default 1: clients on 127.0.0.0/8 or ::1 need no token */
};

/*
 * "privacy": residents' personal details (PIPL). RETENTION_DAYS after an
 * order is closed, its personal details are anonymised by the periodic
 * work (bot/privacy.c); 0 (the default) keeps them.
 */
struct cfg_privacy {
	int retention_days;
};

/* "log": how lines are written (lib/log.h). */
struct cfg_log {
	int json;  /* "format": "json" (1) or "text" (0, the default) */
	int level; /* an enum log_level, from "level"; default info */
};

/*
 * "limits": what one connection may hold of the server (bot/serve.c, bot/http.c).
 * A connection cap of 0 is derived at start from the open-file limit.
 */
struct cfg_limits {
	int connections; /* open at once, in all; 0: the open-file limit less a reserve */
	int connections_per_address; /* from one client address; 0: half of connections,
	                              * loopback (a local proxy) left out */
	int header_seconds;          /* connect to the end of the request headers, default 10 */
	int body_seconds;            /* headers to the end of the body, default 60 */
	int websocket_idle_seconds;  /* a websocket silent this long (no pong) is closed, 70 */
	/* inbound pace (bot/flood.c); 0 switches one off */
	int inbound_per_second;      /* messages of one sender on one channel, default 10 */
	int inbound_per_minute;      /* ... in any minute, default 60 */
	int inbound_chat_per_minute; /* of one chat, all its members, default 200 */
};

struct cfg {
	char *path;       /* the file it was read from */
	char *database;   /* SQLite file, default "concierge.db", or a postgresql:// URL */
	char *instance;   /* this server's name among those sharing a database; NULL: host:pid */
	char *photos_dir; /* where photos are kept; NULL: "<database>.photos" beside a SQLite file
	                   */
	char *listen;     /* HOST:PORT, default "127.0.0.1:8080" */
	char *locale;     /* "zh-CN" or "en", default "zh-CN" */
	char *timezone;   /* e.g. "Asia/Shanghai"; default "Asia/Shanghai" */
	char *bot_name;   /* how the bot is mentioned, default "concierge" */
	char *tls_cert;   /* PEM certificate: serve HTTPS (and HTTP/2) when set, with tls_key */
	char *tls_key;
	int session_minutes; /* idle dialog expiry, default 30 */
	int acceptance_days; /* auto-close awaiting_acceptance after, default 3 */
	int low_rating;      /* ratings at or below notify the supervisor, 0-5, default 2 */
	int reopen_days;     /* a closed order may be reopened within, default 7 */
	int acceptance_reminder_hours;   /* the resident is reminded this long before the
	                                  * auto-close, default 24; 0: never */
	struct hours_window quiet_hours; /* notices to residents wait until these end */
	struct cfg_followup followup;
	struct cfg_staff *staff;
	size_t nstaff;
	struct cfg_community *communities; /* at least one */
	size_t ncommunities;
	struct dlg_item *items; /* the catalogue */
	size_t nitems;
	struct dlg_out_of_scope out_of_scope;
	struct dlg_answer *answers; /* the knowledge base */
	size_t nanswers;
	struct dlg_emergency *emergencies;
	size_t nemergencies;
	struct cfg_partner *partners; /* partner companies ("partners") */
	size_t npartners;
	int complaint_hours;      /* complaints are answered within, default 24 */
	int photo_max_kb;         /* the largest photo kept, default 5120 (PHOTO_MAX_BYTES) */
	struct dlg_policy policy; /* what the dialog engine sees: points into this struct */
	struct chan *chans;       /* one per adapter_registry entry, in its order */
	size_t nchans;
	struct cfg_channel_stub *others; /* channels without an adapter here: switched off */
	size_t nothers;
	struct cfg_metrics metrics;
	struct cfg_log log;
	struct cfg_privacy privacy;
	struct cfg_limits limits;
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
/*
 * Like cfg_load(), from TEXT (NUL-terminated) instead of a file; NAME stands
 * for the file in problems and becomes cfg->path.
 */
int cfg_load_text(const char *name, const char *text, struct cfg **out, char *err, size_t errlen);
void cfg_free(struct cfg *c);

/*
 * config.example.json as it was when the program was built, NUL-terminated
 * (build/config_example.c, written by scripts/embed.sh): the demo
 * configuration used when there is no configuration file at all.
 */
extern const char cfg_example_json[];
#define CFG_EMBEDDED_NAME "config.example.json (embedded)"

/*
 * Look-ups; NULL when not found. cfg_staff_by_identity also knows every
 * staff member as user "staff:ID" on the channels whose people read their
 * own queue (adapter staff_reachable).
 * cfg_staff_has_skill is true for a NULL skill (the item needs none).
 */
const struct cfg_staff *cfg_staff_find(const struct cfg *c, const char *id);
const struct cfg_staff *cfg_staff_by_identity(const struct cfg *c, const char *channel,
                                              const char *user);
const struct dlg_item *cfg_item_find(const struct cfg *c, const char *id);
const struct cfg_partner *cfg_partner_find(const struct cfg *c, const char *id);
/* NULL SKILL: true, as for staff. */
int cfg_partner_has_skill(const struct cfg_partner *p, const char *skill);
int cfg_staff_has_skill(const struct cfg_staff *s, const char *skill);
/* The channel NAME (an adapter's), or NULL; whether it is there and switched on. */
struct chan *cfg_chan(const struct cfg *c, const char *name);
int cfg_chan_on(const struct cfg *c, const char *name);
/* S as an adapter sees a staff member (borrowing S's strings). */
void cfg_person(const struct cfg_staff *s, struct adapter_person *p);
/* The community with ID, else the first one (an order of an unknown community). */
const struct cfg_community *cfg_community_of(const struct cfg *c, const char *id);
/* The community whose "groups" list CHAT on CHANNEL, or NULL. */
const struct cfg_community *cfg_community_of_chat(const struct cfg *c, const char *channel,
                                                  const char *chat);

#endif
