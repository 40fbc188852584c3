/*
 * terminal.c - the terminal channel: `concierge chat --as resident:ID|staff:ID`.
 *
 * A real channel like the others: each line read is one inbound message
 * from that person, handled in its own transaction; every message the bot
 * addresses to that person is printed, and messages that waited for them in
 * the outbox (a dispatch ping, a notice about their order) come first. Staff
 * at the desk are the chat "staff:ID", so every staff member can be reached
 * here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "adapters/adapter.h"

/* No settings but "enabled"; still a conf, as the loader takes a NULL one for a channel it
 * has not read yet. */
struct terminal_conf {
	int unused;
};

static void terminal_config(struct cfg_ld *ld, json_t *o, const char *path, int *enabled,
                            void **conf)
{
	static const char *const keys[] = {"enabled", NULL};

	*enabled = 1;
	*conf = cfg_calloc(ld, 1, sizeof(struct terminal_conf));
	if (!o)
		return;
	cfg_check_keys(ld, o, path, keys);
	cfg_get_bool(ld, o, path, "enabled", 1, enabled);
}

static void terminal_config_free(void *conf)
{
	free(conf);
}

/* Staff at the desk read the terminal with `concierge chat --as staff:ID`. */
static int terminal_staff_reachable(const struct chan *ch, const struct adapter_person *p)
{
	(void)ch;
	(void)p;
	return 1;
}

static int print_payload(const char *payload, void *ud)
{
	json_t *o = json_loads(payload, 0, NULL), *buttons, *b;
	const char *text = json_string_value(json_object_get(o, "text")); /* borrowed */
	size_t i;

	(void)ud;
	if (!o) {
		printf("%s\n", payload);
		return 0;
	}
	printf("%s\n", text ? text : "");
	buttons = json_object_get(o, "buttons");
	if (json_array_size(buttons)) {
		json_array_foreach(buttons, i, b)
		{
			printf("%s[%s: %s]", i ? " " : "  ",
			       json_string_value(json_object_get(b, "label")),
			       json_string_value(json_object_get(b, "data")));
		}
		printf("\n");
	}
	printf("\n");
	json_decref(o);
	return 0;
}

/* Prints and marks delivered everything waiting for this person. */
static int flush_inbox(struct chan *ch, const char *chat)
{
	int rc = ch->host->take_waiting(ch, chat, print_payload, NULL);

	fflush(stdout);
	return rc;
}

static int terminal_run(struct chan *ch, int argc, char **argv)
{
	const struct host *h = ch->host;
	struct adapter_person staff;
	const char *as = NULL;
	char line[4096], err[512];
	struct msg_in in;
	int i, tty = isatty(STDIN_FILENO);
	size_t n;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--as") == 0 && i + 1 < argc)
			as = argv[++i];
		else if (strncmp(argv[i], "--as=", 5) == 0)
			as = argv[i] + 5;
		else {
			fprintf(stderr, "concierge: %s: unexpected '%s'\nusage: concierge %s\n",
			        ch->a->command, argv[i], ch->a->command_usage);
			return 2;
		}
	}
	if (!as || (strncmp(as, "resident:", 9) != 0 && strncmp(as, "staff:", 6) != 0) ||
	    !strchr(as, ':')[1]) {
		fprintf(stderr, "usage: concierge %s\n", ch->a->command_usage);
		return 2;
	}
	if (strncmp(as, "staff:", 6) == 0 && !h->staff_by_id(ch, as + 6, &staff)) {
		fprintf(stderr, "concierge: %s: no staff member \"%s\" in the staff list\n",
		        h->config_path(ch), as + 6);
		return 2;
	}
	if (h->tick(ch) < 0 || flush_inbox(ch, as) < 0)
		return 1;
	if (tty)
		fprintf(stderr, "Chatting as %s. Type a message; Ctrl-D to leave.\n", as);
	for (;;) {
		if (tty) {
			fputs("> ", stderr);
			fflush(stderr);
		}
		if (!fgets(line, sizeof(line), stdin))
			break;
		n = strlen(line);
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!n)
			continue;
		memset(&in, 0, sizeof(in));
		in.channel = ch->name;
		in.chat = as;
		in.user = as;
		in.text = line;
		if (h->handle(ch, &in, err, sizeof(err)) < 0) {
			fprintf(stderr, "concierge: %s\n", err);
			return 1;
		}
		if (flush_inbox(ch, as) < 0)
			return 1;
	}
	return 0;
}

const struct adapter adapter_terminal = {
        .name = "terminal",
        .paces_itself = 1,
        .config = terminal_config,
        .config_free = terminal_config_free,
        .staff_reachable = terminal_staff_reachable,
        .command = "chat",
        .command_usage = "chat --as resident:ID|staff:ID",
        .command_help = "talk to the bot from the terminal",
        .run = terminal_run,
};
