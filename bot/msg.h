/*
 * msg.h - the plain messages every channel is translated to and from.
 *
 * Adapters turn platform JSON into a struct msg_in and hand it to the core;
 * the core answers with outbound messages that are stored in the outbox as a
 * small JSON payload (see msg_payload_new) and later turned into platform
 * calls by the adapter of the destination channel.
 */
#ifndef CONCIERGE_MSG_H
#define CONCIERGE_MSG_H

/*
 * One inbound message. Every pointer is borrowed from the caller and only
 * valid during the call it is passed to.
 */
struct msg_in {
	const char *channel;   /* "terminal", "web", "telegram", "generic", ... */
	const char *id;        /* platform message/update id for de-duplication, or NULL */
	const char *chat;      /* where it was said: a group or a private chat */
	const char *user;      /* who said it, as the platform names them */
	const char *user_name; /* display name, or NULL */
	const char *lang;      /* language hint ("zh", "en", "zh-hans", ...), or NULL */
	const char *text;      /* the message text (UTF-8), never NULL */
	const char *callback;  /* data of a pressed button, or NULL */
	int is_group;          /* said in a group that neighbours can read */
	int addressed;         /* in a group: a command, a mention of the bot or a reply to it */
	/*
	 * In a group: a link that opens a private chat with the bot (Telegram's
	 * t.me start link), offered when personal questions must move there. NULL
	 * when the platform has none.
	 */
	const char *private_link;
};

/* A button offered with a message: what it shows and what pressing it sends. */
struct msg_button {
	const char *label;
	const char *data;
};

#define MSG_MAX_BUTTONS 8

/* One outbound message, before it is stored. Pointers are borrowed. */
struct msg_out {
	const char *channel;
	const char *chat;
	const char *text;
	struct msg_button buttons[MSG_MAX_BUTTONS];
	int nbuttons;
};

#endif
