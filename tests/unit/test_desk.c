/*
 * test_desk.c - desk intake: the engine's desk mode (staff asked about the
 * resident, nothing saved offered, emergencies taken down rather than
 * answered) and core_desk_order(), the one function the console and the
 * API call, against a real store and the demo configuration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bot/config.h"
#include "bot/core.h"
#include "dialogs/engine.h"
#include "store/store.h"
#include "storefx.h"

#include "helpers.h"

#define T0 1795741200 /* 2026-11-27 09:00 Asia/Shanghai, a Friday */

struct fx {
	char dir[STOREFX_DIRLEN];
	char path[STOREFX_PATHLEN];
	struct store *s;
	struct core *c;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->s = storefx_open("test_desk", fx->dir, fx->path);
	fx->c = core_new(demo, fx->s);
	assert_non_null(fx->c);
	assert_int_equal(store_begin(fx->s), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	store_commit(fx->s);
	core_free(fx->c);
	storefx_remove(fx->s, fx->dir, fx->path);
	free(fx);
	return 0;
}

/* ---- the engine's desk mode ---------------------------------------------------- */

static void ctx_init(struct dlg_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->pol = &demo->policy;
	ctx->now = T0;
	ctx->lang = DLG_ZH;
	ctx->addressed = 1;
	/* Staff's own saved details must never be offered for a resident. */
	ctx->saved_name = "刘阿姨";
	ctx->saved_room = "1-1-101";
	ctx->saved_phone = "13900000000";
}

/* Runs TEXT through the engine; returns the last reply's text (static). */
static const char *say(struct dlg_ctx *ctx, struct dlg_state *st, const char *text,
                       enum dlg_action *action)
{
	static char last[4096];
	struct dlg_result res;

	dlg_result_init(&res);
	assert_int_equal(dlg_handle(ctx, st, text, &res), 0);
	snprintf(last, sizeof(last), "%s", res.nreplies ? res.replies[res.nreplies - 1].text : "");
	if (action)
		*action = res.action;
	dlg_result_release(&res);
	return last;
}

static void test_engine_one_line(void **state)
{
	struct dlg_ctx ctx;
	struct dlg_state st;
	enum dlg_action act;
	const char *out;

	(void)state;
	ctx_init(&ctx);
	dlg_state_init(&st, DLG_ZH);
	strcpy(st.desk, "phone");
	out = say(&ctx, &st, "3栋2单元501 王先生 13812345678 马桶堵了 明天上午", &act);
	assert_non_null(strstr(out, "请核对代登记的需求（电话报修）"));
	assert_non_null(strstr(out, "电话：13812345678"));
	assert_non_null(strstr(out, "房号：3-2-501"));
	assert_string_equal(st.name, "王先生");
	assert_string_equal(st.item, "water");
	assert_int_equal(act, DLG_ACT_NONE);
	/* Confirmed: the caller answers with the number. */
	assert_string_equal(say(&ctx, &st, "确认", &act), "");
	assert_int_equal(act, DLG_ACT_CREATE);
	assert_string_equal(st.desk, "phone");
	dlg_state_release(&st);
}

static void test_engine_asks_what_is_missing(void **state)
{
	struct dlg_ctx ctx;
	struct dlg_state st;
	enum dlg_action act;
	char *json;

	(void)state;
	ctx_init(&ctx);
	dlg_state_init(&st, DLG_ZH);
	strcpy(st.desk, "walk-in");
	assert_non_null(strstr(say(&ctx, &st, "", &act), "业主需要什么服务"));
	assert_non_null(strstr(say(&ctx, &st, "楼道灯不亮", &act), "业主的房号"));
	/* Not the staff member's own saved details: the resident's are asked. */
	assert_non_null(strstr(say(&ctx, &st, "5-1-302", &act), "业主怎么称呼"));
	/* Kept across messages like any conversation. */
	json = dlg_state_to_json(&st);
	dlg_state_release(&st);
	assert_int_equal(dlg_state_from_json(json, &st), 0);
	free(json);
	assert_string_equal(st.desk, "walk-in");
	assert_non_null(strstr(say(&ctx, &st, "刘女士", &act), "业主的联系电话"));
	/* An emergency word is an answer like any other, not a reason for advice. */
	assert_non_null(strstr(say(&ctx, &st, "着火了", &act), "这个电话号码"));
	assert_int_equal(act, DLG_ACT_NONE);
	/* A trigger starts the request afresh, still for the resident. */
	assert_non_null(strstr(say(&ctx, &st, "/clean 家里需要打扫", &act), "业主的房号"));
	assert_string_equal(st.desk, "walk-in");
	assert_string_equal(st.category, "cleaning");
	assert_non_null(strstr(say(&ctx, &st, "取消", &act), "代登记已取消"));
	dlg_state_release(&st);
}

static void test_engine_gas_is_not_declined(void **state)
{
	struct dlg_ctx ctx;
	struct dlg_state st;
	enum dlg_action act;

	(void)state;
	ctx_init(&ctx);
	/* A resident who writes it is answered with advice; at the desk it is urgent work. */
	dlg_state_init(&st, DLG_ZH);
	strcpy(st.desk, "phone");
	assert_non_null(
	        strstr(say(&ctx, &st, "3-2-501 厨房燃气泄漏 13812345678", &act), "业主怎么称呼"));
	assert_int_equal(act, DLG_ACT_NONE);
	dlg_state_release(&st);
	/* Out of scope is still declined. */
	dlg_state_init(&st, DLG_ZH);
	strcpy(st.desk, "phone");
	say(&ctx, &st, "想改水电", &act);
	assert_int_equal(act, DLG_ACT_DECLINE);
	dlg_state_release(&st);
}

/* ---- core_desk_order ------------------------------------------------------------------ */

static int count_order(const struct store_order *o, void *ud)
{
	(void)o;
	(*(int *)ud)++;
	return 0;
}

static int orders(struct fx *fx)
{
	int n = 0;

	assert_int_equal(store_orders_list(fx->s, NULL, count_order, &n), 0);
	return n;
}

struct found {
	const char *chat, *needle;
	int n;
};

static int find_row(const struct store_outbox *m, void *ud)
{
	struct found *f = ud;

	if (strcmp(m->channel, "terminal") == 0 && strcmp(m->chat, f->chat) == 0 &&
	    (!f->needle || strstr(m->payload, f->needle)))
		f->n++;
	return 0;
}

/* How many outbox rows for CHAT on the terminal hold NEEDLE (NULL: any). */
static int queued(struct fx *fx, const char *chat, const char *needle)
{
	struct found f = {chat, needle, 0};

	assert_int_equal(store_outbox_list(fx->s, STORE_OUTBOX_ALL, find_row, &f), 0);
	return f.n;
}

static int has_event(const struct store_event *e, void *ud)
{
	const char **want = ud;

	if (strcmp(e->action, want[0]) == 0 && strstr(e->detail, want[1]))
		want[2] = "yes";
	return 0;
}

static int event(struct fx *fx, const struct store_order *o, const char *action, const char *detail)
{
	const char *want[3] = {action, detail, NULL};

	assert_int_equal(store_events_list(fx->s, o->id, has_event, want), 0);
	return want[2] != NULL;
}

static void test_order_registered(void **state)
{
	struct fx *fx = *state;
	struct desk_request r = {.room = "3栋2单元501",
	                         .name = "王先生",
	                         .phone = "138 1234 5678",
	                         .text = "马桶堵了",
	                         .when = "明天上午",
	                         .source = "phone"};
	struct store_order o;
	char number[24], err[256];

	assert_int_equal(
	        core_desk_order(fx->c, "zhao", &r, T0, number, sizeof(number), err, sizeof(err)),
	        0);
	assert_string_equal(number, "261127-001");
	assert_string_equal(err, "");
	assert_int_equal(store_order_get(fx->s, number, &o), 1);
	assert_string_equal(o.status, "pending");
	assert_string_equal(o.category, "repair");
	assert_string_equal(o.item, "water");
	assert_string_equal(o.room, "3-2-501");
	assert_string_equal(o.phone, "13812345678");
	assert_string_equal(o.preferred_time, "明天上午");
	assert_true(o.preferred_at > T0);
	assert_string_equal(o.intake, "desk");
	assert_string_equal(o.source, "phone");
	assert_string_equal(o.taken_by, "zhao");
	assert_string_equal(o.channel, ""); /* nobody to notify */
	assert_int_equal(o.resident_id, 0);
	assert_int_equal(o.promised_minutes, 30);
	assert_true(event(fx, &o, "desk_intake", "phone by zhao; notices: none"));
	/* Dispatched as any order: the plumber on the desk's terminal queue. */
	assert_int_equal(queued(fx, "staff:wang", "【新工单】261127-001"), 1);
	assert_int_equal(queued(fx, "staff:liu", NULL), 0);
}

static void test_refused(void **state)
{
	static const struct {
		const char *staff, *field, *value, *err;
	} cases[] = {
	        {"nobody", NULL, NULL, "staff: no staff member \"nobody\""},
	        {"wang", "community", "elsewhere", "community: no community \"elsewhere\""},
	        {"wang", "source", "fax", "source: must be phone, walk-in or desk"},
	        {"wang", "phone", "12345", "phone: 这个电话号码好像不对"},
	        {"wang", "phone", "", "phone: 这个电话号码好像不对"},
	        {"wang", "room", "楼上", "room: 这个房号我没看懂"},
	        {"wang", "name", "13800138000", "name: 请告诉我们怎么称呼您"},
	        {"wang", "text", "", "text: 请用几个字描述一下需求"},
	        {"wang", "when", "昨天", "when: "},
	};
	struct fx *fx = *state;
	char number[24], err[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct desk_request r = {.room = "3-2-501",
		                         .name = "李伟",
		                         .phone = "13800138000",
		                         .text = "厨房漏水"};

		if (cases[i].field && strcmp(cases[i].field, "community") == 0)
			r.community = cases[i].value;
		else if (cases[i].field && strcmp(cases[i].field, "source") == 0)
			r.source = cases[i].value;
		else if (cases[i].field && strcmp(cases[i].field, "phone") == 0)
			r.phone = cases[i].value;
		else if (cases[i].field && strcmp(cases[i].field, "room") == 0)
			r.room = cases[i].value;
		else if (cases[i].field && strcmp(cases[i].field, "name") == 0)
			r.name = cases[i].value;
		else if (cases[i].field && strcmp(cases[i].field, "text") == 0)
			r.text = cases[i].value;
		else if (cases[i].field && strcmp(cases[i].field, "when") == 0)
			r.when = cases[i].value;
		assert_int_equal(core_desk_order(fx->c, cases[i].staff, &r, T0, number,
		                                 sizeof(number), err, sizeof(err)),
		                 1);
		if (strncmp(err, cases[i].err, strlen(cases[i].err)) != 0)
			fail_msg("case %zu: got \"%s\", expected \"%s...\"", i, err, cases[i].err);
		assert_string_equal(number, "");
	}
	assert_int_equal(orders(fx), 0); /* refused is nothing stored */
}

/* The room and phone inside the request, when not given apart; no time is "as soon as possible". */
static void test_details_in_text(void **state)
{
	struct fx *fx = *state;
	struct desk_request r = {
	        .community = "demo", .name = "李伟", .text = "3-2-501 家里停电了 电话13800138000"};
	struct store_order o;
	char number[24], err[256];

	assert_int_equal(
	        core_desk_order(fx->c, "wang", &r, T0, number, sizeof(number), err, sizeof(err)),
	        0);
	assert_int_equal(store_order_get(fx->s, number, &o), 1);
	assert_string_equal(o.room, "3-2-501");
	assert_string_equal(o.phone, "13800138000");
	assert_string_equal(o.item, "electric");
	assert_string_equal(o.source, "desk");
	assert_string_equal(o.preferred_time, "尽快");
	assert_int_equal(o.preferred_at, T0);
}

/* The same phone as a resident who filed by chat: theirs, and they hear of it there. */
static void test_known_resident(void **state)
{
	struct fx *fx = *state;
	struct store_resident li;
	struct store_order mine, o;
	struct desk_request r = {.room = "3-2-501",
	                         .name = "李先生",
	                         .phone = "13800138000",
	                         .text = "卫生间下水道堵了",
	                         .source = "walk-in"};
	char number[24], err[256];

	assert_int_equal(store_resident_ensure(fx->s, "terminal", "resident:li", T0 - 100, &li), 0);
	strcpy(li.phone, "13800138000");
	strcpy(li.lang, "en");
	assert_int_equal(store_resident_save(fx->s, &li, T0 - 100), 0);
	memset(&mine, 0, sizeof(mine));
	strcpy(mine.category, "repair");
	strcpy(mine.channel, "terminal");
	strcpy(mine.chat, "resident:li");
	strcpy(mine.user, "resident:li");
	mine.resident_id = li.id;
	assert_int_equal(store_order_create(fx->s, &mine, T0 - 100, "resident:1", "terminal"), 0);

	assert_int_equal(
	        core_desk_order(fx->c, "wang", &r, T0, number, sizeof(number), err, sizeof(err)),
	        0);
	assert_int_equal(store_order_get(fx->s, number, &o), 1);
	assert_int_equal(o.resident_id, li.id);
	assert_string_equal(o.channel, "terminal");
	assert_string_equal(o.chat, "resident:li");
	assert_string_equal(o.source, "walk-in");
	assert_true(event(fx, &o, "desk_intake", "notices: terminal"));
	/* In their language, with the number. */
	assert_int_equal(queued(fx, "resident:li",
	                        "The service centre registered your request as order 261127-002"),
	                 1);
}

static void test_declined_and_urgent(void **state)
{
	struct fx *fx = *state;
	struct desk_request r = {.room = "3-2-501", .name = "李伟", .phone = "13800138000"};
	struct store_order o;
	char number[24], err[256];

	r.text = "想改水电";
	assert_int_equal(
	        core_desk_order(fx->c, "wang", &r, T0, number, sizeof(number), err, sizeof(err)),
	        0);
	assert_int_equal(store_order_get(fx->s, number, &o), 1);
	assert_string_equal(o.status, "declined");
	assert_int_equal(queued(fx, "staff:wang", number), 0); /* nobody is sent */

	r.text = "厨房燃气泄漏";
	assert_int_equal(
	        core_desk_order(fx->c, "wang", &r, T0, number, sizeof(number), err, sizeof(err)),
	        0);
	assert_int_equal(store_order_get(fx->s, number, &o), 1);
	assert_string_equal(o.status, "pending");
	assert_int_equal(o.urgent, 1);
	assert_int_equal(o.promised_minutes, 15);
	assert_string_equal(o.category, "repair");
	assert_true(event(fx, &o, "emergency", "gas"));
	/* As a supervisor, and in the staff chat. */
	assert_int_equal(queued(fx, "staff:zhao", "紧急"), 2);
}

/* A complaint phoned in ("装修" is otherwise out of scope): a supervisor owns it, no technician. */
static void test_complaint(void **state)
{
	struct fx *fx = *state;
	struct desk_request r = {.room = "3-2-501",
	                         .name = "李伟",
	                         .phone = "13800138000",
	                         .text = "投诉 楼上装修太吵",
	                         .when = "明天上午",
	                         .source = "phone"};
	struct store_order o;
	char number[24], err[256];

	assert_int_equal(
	        core_desk_order(fx->c, "wang", &r, T0, number, sizeof(number), err, sizeof(err)),
	        0);
	assert_int_equal(store_order_get(fx->s, number, &o), 1);
	assert_string_equal(o.category, "complaint");
	assert_string_equal(o.status, "assigned");
	assert_string_equal(o.assignee, "zhao");
	assert_string_equal(o.preferred_time, ""); /* a complaint has no visit time */
	assert_int_equal(o.promised_minutes, 24 * 60);
	assert_string_equal(o.intake, "desk");
	assert_string_equal(o.taken_by, "wang");
	assert_true(event(fx, &o, "complaint", ""));
	assert_true(event(fx, &o, "desk_intake", "phone by wang"));
	assert_int_equal(queued(fx, "staff:zhao", "【投诉】工单 261127-001"), 1);
	assert_int_equal(queued(fx, "staff:wang", number), 0);
	assert_int_equal(queued(fx, "staff:liu", number), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_engine_one_line),
	        cmocka_unit_test(test_engine_asks_what_is_missing),
	        cmocka_unit_test(test_engine_gas_is_not_declined),
	        cmocka_unit_test_setup_teardown(test_order_registered, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_details_in_text, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_known_resident, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_declined_and_urgent, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_complaint, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
