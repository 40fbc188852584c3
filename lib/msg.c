/*
 * msg.c - owning and viewing inbound messages; see msg.h.
 */
#include "lib/msg.h"

#include <stdlib.h>
#include <string.h>

char *msg_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct inbound *inbound_new(const char *channel)
{
	struct inbound *in = calloc(1, sizeof(*in));

	if (!in)
		return NULL;
	in->channel = strdup(channel);
	if (!in->channel) {
		free(in);
		return NULL;
	}
	return in;
}

void inbound_free(struct inbound *in)
{
	if (!in)
		return;
	free(in->channel);
	free(in->id);
	free(in->chat);
	free(in->user);
	free(in->user_name);
	free(in->lang);
	free(in->text);
	free(in->callback);
	free(in->reply_ref);
	free(in->side_payload);
	free(in->moved_from);
	free(in->moved_to);
	free(in->record);
	free(in->att_kind);
	free(in->att_ref);
	free(in->att_data);
	free(in);
}

void inbound_free_list(struct inbound *list)
{
	struct inbound *next;

	for (; list; list = next) {
		next = list->next;
		inbound_free(list);
	}
}

void inbound_view(const struct inbound *in, struct msg_in *out)
{
	memset(out, 0, sizeof(*out));
	out->channel = in->channel;
	out->id = in->id;
	out->chat = in->chat;
	out->user = in->user;
	out->user_name = in->user_name;
	out->lang = in->lang;
	out->text = in->text ? in->text : "";
	out->callback = in->callback;
	out->is_group = in->is_group;
	out->addressed = in->addressed;
	out->from_link = in->from_link;
	out->reply_ref = in->reply_ref;
	out->att_kind = in->att_kind;
	out->att_data = in->att_data;
	out->att_len = in->att_len;
	out->att_too_big = in->att_too_big;
}
