/*
 * fuzz_dialog.c - the dialog engine (dialogs/engine.h) fed random message
 * sequences through every flow, against the demo configuration
 * (config.example.json), the way bot/sessions.c drives it: each message
 * trimmed and its broken bytes repaired as the core does, the state kept as
 * JSON between messages, and dropped when a conversation ends.
 *
 * Input: byte 0 picks how the conversation begins (below); byte 1 moves
 * "now" in hours from a fixed Thursday 09:00; then one message per line.
 *   byte 0 & 7: 0 the first line as it is (a first message understood),
 *               1 /repair, 2 /clean, 3 /errand, 4 /ask first,
 *               5 an acceptance question (order finished), 6 a complaint's
 *               "resolved?" question, 7 a follow-up visit
 *   0x08 a known resident (saved details), 0x10 English, 0x20 said in a
 *   group with the bot addressed, 0x40 an acceptance question comes after
 *   the second message (pausing what was under way), 0x80 the saved details
 *   are odd ones.
 * Invariants after each message: dlg_handle succeeds; every reply and button
 * is non-empty UTF-8; a flow in progress is a known flow at a known step; an
 * order is created only when the resident confirmed the summary, with a
 * description, a room and a phone; a state survives its JSON unchanged.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bot/config.h"
#include "dialogs/engine.h"
#include "dialogs/flows.h"

#include "fuzz.h"

#define NOW ((int64_t)1795654800) /* Thursday 2026-11-26 09:00 in Asia/Shanghai */

static struct cfg *demo;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[4096];

	(void)argc;
	(void)argv;
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	log_set_level(LOG_ERROR + 1);
	if (cfg_load("config.example.json", &demo, err, sizeof(err)) < 0) {
		fprintf(stderr,
		        "fuzz_dialog: config.example.json (run from the repository root): %s\n",
		        err);
		abort();
	}
	return 0;
}

/* As bot/core.c: blanks trimmed, cut to 4 KiB, broken UTF-8 bytes become '?'. */
static void core_text(const char *in, size_t n, char *out, size_t len)
{
	size_t p = 0, k;
	uint32_t cp;

	while (n && (*in == ' ' || *in == '\t' || *in == '\r')) {
		in++;
		n--;
	}
	while (n && (in[n - 1] == ' ' || in[n - 1] == '\t' || in[n - 1] == '\r'))
		n--;
	snprintf(out, len, "%.*s", (int)n, in);
	n = strlen(out);
	while (p < n) {
		k = utf8_next(out + p, n - p, &cp);
		if (k == 1 && cp == UTF8_BAD)
			out[p] = '?';
		p += k;
	}
}

static void text_ok(const char *what, const char *s, const char *said)
{
	if (!s || !*s)
		fuzz_fail("%s is empty (after \"%s\")", what, said);
	if (!fuzz_utf8_ok(s, strlen(s)))
		fuzz_fail("%s is not UTF-8 (after \"%s\")", what, said);
}

static void check_result(const struct dlg_result *r, const char *said)
{
	int i, j;

	if (r->nreplies < 0 || r->nreplies > DLG_MAX_REPLIES)
		fuzz_fail("%d replies", r->nreplies);
	for (i = 0; i < r->nreplies; i++) {
		text_ok("a reply", r->replies[i].text, said);
		if (r->replies[i].nbuttons < 0 || r->replies[i].nbuttons > MSG_MAX_BUTTONS)
			fuzz_fail("%d buttons", r->replies[i].nbuttons);
		for (j = 0; j < r->replies[i].nbuttons; j++) {
			text_ok("a button's label", r->replies[i].buttons[j].label, said);
			text_ok("a button's data", r->replies[i].buttons[j].data, said);
		}
	}
	if (r->action == DLG_ACT_RATED && (r->rating < 1 || r->rating > 5))
		fuzz_fail("rated %d (after \"%s\")", r->rating, said);
}

static void check_state(const struct dlg_state *st, const char *said)
{
	const struct dlg_flow_def *flow;
	struct dlg_state back;
	char *a, *b;

	if (st->flow[0]) {
		flow = dlg_flow_find(st->flow);
		if (!flow)
			fuzz_fail("unknown flow \"%s\" (after \"%s\")", st->flow, said);
		if (dlg_step_index(flow, st->step) < 0)
			fuzz_fail("flow %s at unknown step \"%s\" (after \"%s\")", st->flow,
			          st->step, said);
	}
	if (st->nback < 0 || st->nback > DLG_MAX_BACK || st->nmore < 0 || st->nmore > DLG_MAX_MORE)
		fuzz_fail("back %d, more %d", st->nback, st->nmore);
	if (!fuzz_utf8_ok(st->description, strlen(st->description)) ||
	    !fuzz_utf8_ok(st->name, strlen(st->name)) || !fuzz_utf8_ok(st->time, strlen(st->time)))
		fuzz_fail("a field kept is not UTF-8 (after \"%s\")", said);
	/* The state is stored as JSON between messages: it must come back the same. */
	a = dlg_state_to_json(st);
	if (!a)
		fuzz_fail("the state cannot be written (after \"%s\")", said);
	if (dlg_state_from_json(a, &back) < 0)
		fuzz_fail("the state cannot be read back: %s", a);
	b = dlg_state_to_json(&back);
	if (!b || strcmp(a, b) != 0)
		fuzz_fail("the state changed through JSON:\n%s\n%s", a, b ? b : "(none)");
	free(a);
	free(b);
	dlg_state_release(&back);
}

/* What bot/sessions.c keeps of ST after a message: its JSON, or nothing when it ended. */
static void store_and_load(struct dlg_state *st, int end, int lang)
{
	char *json;

	if (end || !st->flow[0]) {
		dlg_state_release(st);
		dlg_state_init(st, lang);
		return;
	}
	json = dlg_state_to_json(st);
	if (!json)
		abort();
	dlg_state_release(st);
	if (dlg_state_from_json(json, st) < 0)
		fuzz_fail("a stored state does not load: %s", json);
	free(json);
}

static void step(const struct dlg_ctx *ctx, struct dlg_state *st, const char *text)
{
	struct dlg_result res;
	char flow[sizeof(st->flow)], at[sizeof(st->step)];

	snprintf(flow, sizeof(flow), "%s", st->flow);
	snprintf(at, sizeof(at), "%s", st->step);
	dlg_result_init(&res);
	if (dlg_handle(ctx, st, text, &res) != 0)
		fuzz_fail("dlg_handle failed on \"%s\"", text);
	check_result(&res, text);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "%s/%s \"%s\" -> %s/%s, action %d%s\n", flow, at, text, st->flow,
		        st->step, (int)res.action, res.end ? ", end" : "");
	if (res.action == DLG_ACT_CREATE) {
		if (strcmp(flow, "intake") != 0 || strcmp(at, "confirm") != 0)
			fuzz_fail("an order created at %s/%s by \"%s\"", flow, at, text);
		if (!st->description[0] || !st->room[0] || !st->phone[0])
			fuzz_fail("an order created without description, room or phone by \"%s\"",
			          text);
	}
	if (!res.end)
		check_state(st, text);
	store_and_load(st, res.end, ctx->lang);
	dlg_result_release(&res);
}

static void begin(const struct dlg_ctx *ctx, struct dlg_state *st, int how)
{
	struct dlg_result res;
	int rc = 0;

	dlg_result_init(&res);
	if (how == 5)
		rc = dlg_begin_accept(ctx, st, "261126-001", "王师傅", how & 8 ? "50元" : NULL,
		                      &res);
	else if (how == 6)
		rc = dlg_begin_resolved(ctx, st, "261126-002", "已约谈装修户", &res);
	else
		rc = dlg_begin_followup(ctx, st, "261120-003", "厨房水管漏水", "王师傅", &res);
	if (rc != 0)
		fuzz_fail("beginning %d failed", how);
	check_result(&res, "(begin)");
	check_state(st, "(begin)");
	store_and_load(st, res.end, ctx->lang);
	dlg_result_release(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const triggers[] = {NULL, "/repair", "/clean", "/errand", "/ask"};
	struct dlg_ctx ctx;
	struct dlg_state st;
	const char *p, *end, *nl;
	char text[4096];
	int how, lines = 0;

	if (size < 2 || size > 8192)
		return 0;
	how = data[0] & 7;
	memset(&ctx, 0, sizeof(ctx));
	ctx.pol = &demo->policy;
	ctx.now = NOW + (int64_t)data[1] * 3600;
	ctx.lang = data[0] & 0x10 ? DLG_EN : DLG_ZH;
	ctx.is_group = ctx.addressed = (data[0] & 0x20) != 0;
	if (data[0] & 0x08) {
		ctx.saved_name = data[0] & 0x80 ? "1380013800" : "李伟";
		ctx.saved_room = data[0] & 0x80 ? "501" : "3-2-501";
		ctx.saved_phone = data[0] & 0x80 ? "12345" : "13800138000";
	}
	dlg_state_init(&st, ctx.lang);
	if (how >= 5)
		begin(&ctx, &st, how);
	else if (how >= 1)
		step(&ctx, &st, triggers[how]);
	p = (const char *)data + 2;
	end = (const char *)data + size;
	while (p < end && lines < 64) {
		nl = memchr(p, '\n', (size_t)(end - p));
		core_text(p, (size_t)((nl ? nl : end) - p), text, sizeof(text));
		p = nl ? nl + 1 : end;
		if (!text[0])
			continue; /* the core drops an empty message */
		step(&ctx, &st, text);
		if (++lines == 2 && (data[0] & 0x40))
			begin(&ctx, &st, 5);
	}
	dlg_state_release(&st);
	return 0;
}
