/*
 * msg.h - the plain messages every channel is translated to and from.
 *
 * An adapter turns a platform's request into one or more struct inbound
 * (owned strings, queued for the next group commit); the host hands each to
 * the core as a struct msg_in (borrowed strings). The core answers with
 * outbound messages stored in the outbox as a small JSON payload:
 *   {"text": "...", "buttons": [{"label", "data"}], "mention": ["user", ...],
 *    "names": {"user": "display name"}}
 * which the adapter of the destination channel later turns into a platform
 * call. "mention" names people to draw attention to, as users of that
 * channel (a group robot that cannot write to anyone privately mentions them
 * in its group instead), or as "tel:NUMBER" where the channel mentions people
 * by their mobile number; "names" gives the staff list's name of each, for
 * platforms whose mention shows one. An answer to a message said in a group
 * carries "reply_to": {"user", "ref"}: who said it and the platform's
 * reference to it (struct msg_in's reply_ref), so that a platform that can
 * quote a message and mention its author does.
 */
#ifndef CONCIERGE_MSG_H
#define CONCIERGE_MSG_H

#include <stddef.h>
#include <stdint.h>

/*
 * One inbound message. Every pointer is borrowed from the caller and only
 * valid during the call it is passed to.
 */
struct msg_in {
	const char *channel;   /* the adapter's name */
	const char *id;        /* platform message/update id for de-duplication, or NULL */
	const char *chat;      /* where it was said: a group or a private chat */
	const char *user;      /* who said it, as the platform names them */
	const char *user_name; /* display name, or NULL */
	const char *lang;      /* language hint ("zh", "en", "zh-hans", ...), or NULL */
	const char *text;      /* the message text (UTF-8) with platform syntax removed */
	const char *callback;  /* data of a pressed button, or NULL */
	int is_group;          /* said in a group that neighbours can read */
	int addressed;         /* in a group: a command, a mention of the bot or a reply to it */
	/*
	 * The person followed a group's link into the private chat (TEXT is the
	 * command the link stood for): a conversation already waiting there is
	 * resumed rather than started again.
	 */
	int from_link;
	/*
	 * In a group: the platform's reference to this message for quoting it in
	 * an answer (a message ID), or NULL. Answers given in the group carry it
	 * as the payload's "reply_to".
	 */
	const char *reply_ref;
	/*
	 * An attachment (a photo) came with the message: ATT_KIND ("photo") is
	 * set, ATT_DATA/ATT_LEN hold its bytes once fetched (NULL when it could
	 * not be, or was not, fetched), ATT_TOO_BIG says it was over the size
	 * cap. TEXT is then a caption, or "".
	 */
	const char *att_kind;
	const unsigned char *att_data;
	size_t att_len;
	int att_too_big;
};

/* A button offered with a message: what it shows and what pressing it sends. */
struct msg_button {
	const char *label;
	const char *data;
};

#define MSG_MAX_BUTTONS 8

/*
 * One inbound message waiting for the next group commit. Every string is
 * owned (malloc'd) and freed by inbound_free(); the host owns the struct
 * once an adapter hands it over.
 */
struct inbound {
	struct inbound *next;
	char *channel, *id, *chat, *user, *user_name, *lang, *text, *callback;
	int is_group, addressed, from_link;
	char *reply_ref; /* struct msg_in's */
	/* An outbox payload queued for CHAT on this channel before the message is
	 * handled, even when TEXT is empty (the answer to a button press). */
	char *side_payload;
	/* The platform says chat MOVED_FROM is now MOVED_TO (a group upgraded). */
	char *moved_from, *moved_to;
	/* The channel keeps a transcript: TEXT is recorded under this line ID. */
	char *record;
	/* Part of a polled batch; the last one confirms POLL_OFFSET once committed. */
	int polled;
	int64_t poll_offset;
	/*
	 * An attachment: ATT_KIND ("photo"), and either its bytes (ATT_DATA,
	 * ATT_LEN) or the platform's reference (ATT_REF) for the host to fetch
	 * through the adapter's fetch_attachment before the commit.
	 */
	char *att_kind, *att_ref;
	unsigned char *att_data;
	size_t att_len;
	int att_too_big;
	/* The host's: who waits for the outcome, and the outcome. */
	void *waiter;
	int failed;
	int dead;  /* failed every time: set aside as a dead letter, acknowledged as stored */
	int flood; /* over its sender's pace (flood.h): answered with a notice, or dropped */
};

/* A zeroed struct inbound for CHANNEL, or NULL when out of memory. */
struct inbound *inbound_new(const char *channel);
/* Frees IN and its strings (not the rest of its list). NULL is fine. */
void inbound_free(struct inbound *in);
/* Frees a whole list. */
void inbound_free_list(struct inbound *list);
/* strdup() that passes NULL through. */
char *msg_strdup(const char *s);
/* The struct msg_in view of IN (borrowing IN's strings). */
void inbound_view(const struct inbound *in, struct msg_in *out);

#endif
