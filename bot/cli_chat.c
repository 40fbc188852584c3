/*
 * cli_chat.c - the terminal channel: `concierge chat --as resident:ID|staff:ID`.
 *
 * A real channel like the others: each line read is one inbound message
 * from that person, handled in its own transaction; every message the bot
 * addresses to that person is printed, and messages that waited for them in
 * the outbox (a dispatch ping, a notice about their order) come first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bot/cli.h"
#include "bot/config.h"
#include "bot/core.h"
#include "bot/msg.h"
#include "store/store.h"

struct printed {
	struct store *store;
	int64_t now;
	int count;
	int failed;
};

static void print_payload(const char *payload)
{
	json_t *o = json_loads(payload, 0, NULL), *buttons, *b;
	const char *text = json_string_value(json_object_get(o, "text")); /* borrowed */
	size_t i;

	if (!o) {
		printf("%s\n", payload);
		return;
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
}

static int print_one(const struct store_outbox *m, void *ud)
{
	struct printed *p = ud;

	print_payload(m->payload);
	if (store_outbox_sent(p->store, m->id, p->now) < 0)
		p->failed = 1;
	p->count++;
	return p->failed;
}

/* Prints and marks delivered everything waiting for this person. */
static int flush_inbox(struct store *s, const char *chat, int64_t now)
{
	struct printed p = {s, now, 0, 0};

	if (store_begin(s) < 0)
		return -1;
	if (store_outbox_for_chat(s, "terminal", chat, print_one, &p) < 0 || p.failed) {
		store_rollback(s);
		return -1;
	}
	fflush(stdout);
	return store_commit(s);
}

int cli_chat(struct cli_env *env)
{
	const char *as = NULL;
	char line[4096];
	struct msg_in in;
	struct core *core = NULL;
	int i, tty = isatty(STDIN_FILENO), rc = 1;
	size_t n;

	for (i = 0; i < env->argc; i++) {
		if (strcmp(env->argv[i], "--as") == 0 && i + 1 < env->argc)
			as = env->argv[++i];
		else if (strncmp(env->argv[i], "--as=", 5) == 0)
			as = env->argv[i] + 5;
	}
	if (!as || (strncmp(as, "resident:", 9) != 0 && strncmp(as, "staff:", 6) != 0) ||
	    !strchr(as, ':')[1]) {
		fprintf(stderr, "usage: concierge chat --as resident:ID|staff:ID\n");
		return 2;
	}
	if (strncmp(as, "staff:", 6) == 0 && !cfg_staff_find(env->cfg, as + 6)) {
		fprintf(stderr, "concierge: %s: no staff member \"%s\" in the staff list\n",
		        env->config_path, as + 6);
		return 2;
	}
	core = core_new(env->cfg, env->store);
	if (!core)
		return 1;
	if (core_tick(core, cli_now()) < 0 || flush_inbox(env->store, as, cli_now()) < 0)
		goto fail;
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
		in.channel = "terminal";
		in.chat = as;
		in.user = as;
		in.text = line;
		if (store_begin(env->store) < 0)
			goto fail;
		if (core_handle(core, &in, cli_now()) < 0) {
			fprintf(stderr, "concierge: %s\n", store_errmsg(env->store));
			store_rollback(env->store);
			goto fail;
		}
		if (store_commit(env->store) < 0 || flush_inbox(env->store, as, cli_now()) < 0)
			goto fail;
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "concierge: %s: %s\n", env->db_path, store_errmsg(env->store));
out:
	core_free(core);
	return rc;
}
