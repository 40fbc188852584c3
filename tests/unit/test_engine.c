/*
 * test_engine.c - every transition of the dialog engine, driven the way a
 * resident drives it: one message at a time against the demo configuration
 * (config.example.json), at a fixed moment in the centre's time zone. Each
 * test asserts on the state the engine keeps, the action it asks the store
 * to take and the replies (texts and buttons) the resident would see.
 * The word helpers the command layer shares are checked as tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "bot/config.h"
#include "tests/unit/helpers.h"
#include "dialogs/engine.h"
#include "dialogs/flows.h"
#include "dialogs/messages.h"
#include "dialogs/understand.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Thursday 2026-11-26 09:00 in Asia/Shanghai. */
#define NOW ((int64_t)1795654800)
#define DAY ((int64_t)86400)

struct fx {
	struct dlg_ctx ctx;
	struct dlg_state st;
	struct dlg_result res;
};

/* ---- fixtures ------------------------------------------------------------------- */

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->ctx.pol = &demo->policy;
	f->ctx.now = NOW;
	f->ctx.lang = DLG_ZH;
	dlg_state_init(&f->st, DLG_ZH);
	dlg_result_init(&f->res);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	dlg_result_release(&f->res);
	dlg_state_release(&f->st);
	free(f);
	return 0;
}

/* Makes the fixture a known resident with saved details. */
static void known_resident(struct fx *f)
{
	f->ctx.saved_name = "李伟";
	f->ctx.saved_room = "3-2-501";
	f->ctx.saved_phone = "13800138000";
}

/* ---- driving ------------------------------------------------------------------------- */

/* Starts over: a new conversation in LANG, as after a session is deleted. */
static void fresh(struct fx *f, int lang)
{
	dlg_state_release(&f->st);
	dlg_state_init(&f->st, lang);
}

/* One message from the resident; the previous result is released first. */
static void say(struct fx *f, const char *text)
{
	dlg_result_release(&f->res);
	assert_int_equal(dlg_handle(&f->ctx, &f->st, text, &f->res), 0);
}

static void begin_accept(struct fx *f, const char *number, const char *staff, const char *fee)
{
	dlg_result_release(&f->res);
	assert_int_equal(dlg_begin_accept(&f->ctx, &f->st, number, staff, fee, &f->res), 0);
}

/* Says each message in turn. */
static void say_list(struct fx *f, const char *const *texts)
{
	for (; *texts; texts++)
		say(f, *texts);
}

#define say_all(f, ...) say_list((f), (const char *const[]){__VA_ARGS__, NULL})

static void dump(const struct dlg_result *r)
{
	int i, j;

	for (i = 0; i < r->nreplies; i++) {
		print_error("  reply %d: %s\n", i, r->replies[i].text);
		for (j = 0; j < r->replies[i].nbuttons; j++)
			print_error("    [%s|%s]\n", r->replies[i].buttons[j].label,
			            r->replies[i].buttons[j].data);
	}
}

static int replies_have(const struct dlg_result *r, const char *phrase)
{
	int i;

	for (i = 0; i < r->nreplies; i++)
		if (strstr(r->replies[i].text, phrase))
			return 1;
	return 0;
}

/*
 * Does some reply carry message ID? Every literal piece of the template
 * (between "{n}" placeholders) must appear, so templated messages are
 * recognised whatever their arguments.
 */
static int has_msg(const struct dlg_result *r, int lang, enum dlg_msg id)
{
	const char *tpl = dlg_msg(lang, id), *p = tpl, *q;
	char piece[1024];
	size_t n;

	while (*p) {
		q = p;
		while (*q && !(q[0] == '{' && q[1] >= '0' && q[1] <= '9' && q[2] == '}'))
			q++;
		n = (size_t)(q - p);
		if (n) {
			assert_true(n < sizeof(piece));
			memcpy(piece, p, n);
			piece[n] = '\0';
			if (!replies_have(r, piece))
				return 0;
		}
		p = *q ? q + 3 : q;
	}
	return 1;
}

#define assert_has(f, phrase)                                                                      \
	do {                                                                                       \
		if (!replies_have(&(f)->res, (phrase))) {                                          \
			print_error("no reply contains \"%s\"\n", (phrase));                       \
			dump(&(f)->res);                                                           \
			fail();                                                                    \
		}                                                                                  \
	} while (0)

#define assert_lacks(f, phrase)                                                                    \
	do {                                                                                       \
		if (replies_have(&(f)->res, (phrase))) {                                           \
			print_error("a reply contains \"%s\"\n", (phrase));                        \
			dump(&(f)->res);                                                           \
			fail();                                                                    \
		}                                                                                  \
	} while (0)

#define assert_msg(f, lang, id)                                                                    \
	do {                                                                                       \
		if (!has_msg(&(f)->res, (lang), (id))) {                                           \
			print_error("message %s (%s) not in the replies\n", #id,                   \
			            (lang) == DLG_EN ? "en" : "zh");                               \
			dump(&(f)->res);                                                           \
			fail();                                                                    \
		}                                                                                  \
	} while (0)

#define assert_no_msg(f, lang, id)                                                                 \
	do {                                                                                       \
		if (has_msg(&(f)->res, (lang), (id))) {                                            \
			print_error("message %s is in the replies\n", #id);                        \
			dump(&(f)->res);                                                           \
			fail();                                                                    \
		}                                                                                  \
	} while (0)

/* Is there a button LABEL sending DATA in any reply? */
static int has_button(const struct dlg_result *r, const char *label, const char *data)
{
	int i, j;

	for (i = 0; i < r->nreplies; i++)
		for (j = 0; j < r->replies[i].nbuttons; j++)
			if (strcmp(r->replies[i].buttons[j].label, label) == 0 &&
			    strcmp(r->replies[i].buttons[j].data, data) == 0)
				return 1;
	return 0;
}

static int nbuttons(const struct dlg_result *r)
{
	int i, n = 0;

	for (i = 0; i < r->nreplies; i++)
		n += r->replies[i].nbuttons;
	return n;
}

#define assert_button(f, label, data)                                                              \
	do {                                                                                       \
		if (!has_button(&(f)->res, (label), (data))) {                                     \
			print_error("no button [%s|%s]\n", (label), (data));                       \
			dump(&(f)->res);                                                           \
			fail();                                                                    \
		}                                                                                  \
	} while (0)

/* Nothing but a question: no action, the conversation goes on. */
static void assert_asks(struct fx *f, const char *step, int lang, enum dlg_msg prompt)
{
	assert_int_equal(f->res.handled, 1);
	assert_int_equal(f->res.action, DLG_ACT_NONE);
	assert_int_equal(f->res.end, 0);
	assert_string_equal(f->st.flow, "intake");
	assert_string_equal(f->st.step, step);
	assert_msg(f, lang, prompt);
}

static void assert_back_stack(const struct dlg_state *st, const char *const *steps, int n)
{
	int i;

	assert_int_equal(st->nback, n);
	for (i = 0; i < n; i++)
		assert_string_equal(st->back[i], steps[i]);
}

/* Walks a fresh private intake to the summary. */
static void to_summary(struct fx *f)
{
	say_all(f, "/repair", "厨房水管漏水", "3-2-501", "李伟", "13800138000", "明天上午");
	assert_asks(f, "confirm", DLG_ZH, M_SUMMARY);
}

/* ---- starting ------------------------------------------------------------------------ */

static void test_triggers_set_category(void **state)
{
	static const struct {
		const char *text, *category;
		enum dlg_msg name;
	} t[] = {
	        {"/repair", "repair", M_CAT_REPAIR},    {"报修", "repair", M_CAT_REPAIR},
	        {"/clean", "cleaning", M_CAT_CLEANING}, {"保洁", "cleaning", M_CAT_CLEANING},
	        {"/errand", "errand", M_CAT_ERRAND},    {"代办", "errand", M_CAT_ERRAND},
	        {"/ask", "inquiry", M_CAT_INQUIRY},     {"咨询", "inquiry", M_CAT_INQUIRY},
	};
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < N(t); i++) {
		fresh(f, DLG_ZH);
		say(f, t[i].text);
		assert_asks(f, "description", DLG_ZH, M_ASK_DESCRIPTION);
		assert_string_equal(f->st.category, t[i].category);
		assert_int_equal(f->st.category_fixed, 1);
		assert_string_equal(f->st.description, "");
		assert_int_equal(f->st.nback, 0);
		assert_msg(f, DLG_ZH, M_START);
		assert_has(f, dlg_msg(DLG_ZH, t[i].name));
		/* intro and question come as one message */
		assert_int_equal(f->res.nreplies, 1);
	}
}

static void test_group_needs_trigger_or_address(void **state)
{
	struct fx *f = *state;

	f->ctx.is_group = 1;
	say(f, "今天停水吗？大家知道吗");
	assert_int_equal(f->res.handled, 0);
	assert_int_equal(f->res.nreplies, 0);
	assert_int_equal(f->res.action, DLG_ACT_NONE);
	assert_string_equal(f->st.flow, "");

	say(f, "取消"); /* not for us either */
	assert_int_equal(f->res.handled, 0);
	assert_string_equal(f->st.flow, "");

	say(f, "报修 楼道灯不亮");
	assert_int_equal(f->res.handled, 1);
	assert_string_equal(f->st.category, "repair");
	assert_string_equal(f->st.item, "electric");
	assert_asks(f, "room", DLG_ZH, M_ASK_ROOM);

	/* addressed free text starts one too */
	fresh(f, DLG_ZH);
	f->ctx.addressed = 1;
	say(f, "卫生间马桶堵了");
	assert_int_equal(f->res.handled, 1);
	assert_string_equal(f->st.description, "卫生间马桶堵了");
	assert_string_equal(f->st.item, "water");
}

static void test_private_text_is_description(void **state)
{
	struct fx *f = *state;
	const char *const back[] = {"description"};

	say(f, "厨房水管漏水");
	assert_asks(f, "room", DLG_ZH, M_ASK_ROOM);
	assert_string_equal(f->st.description, "厨房水管漏水");
	assert_string_equal(f->st.category, "repair");
	assert_int_equal(f->st.category_fixed, 0);
	assert_string_equal(f->st.item, "water");
	assert_has(f, "维修");
	assert_back_stack(&f->st, back, 1);

	/* a question the knowledge base answers opens nothing (issue 7) */
	fresh(f, DLG_ZH);
	say(f, "周末有人值班吗");
	assert_string_equal(f->st.flow, "");
	assert_int_equal(f->res.end, 1);
	assert_int_equal(f->res.action, DLG_ACT_NONE);
	assert_has(f, "8:30");

	/* a question nobody configured an answer for is an inquiry for the staff */
	fresh(f, DLG_ZH);
	say(f, "小区里可以养宠物吗");
	assert_string_equal(f->st.category, "inquiry");
	assert_string_equal(f->st.item, "");
	assert_string_equal(f->st.description, "小区里可以养宠物吗");
	assert_asks(f, "room", DLG_ZH, M_ASK_ROOM);
}

static void test_no_flow_words(void **state)
{
	struct fx *f = *state;

	/* "取消" with nothing going on: the command layer leaves it to us to say so */
	say(f, "取消");
	assert_int_equal(f->res.handled, 1);
	assert_int_equal(f->res.end, 1);
	assert_int_equal(f->res.action, DLG_ACT_NONE);
	assert_msg(f, DLG_ZH, M_CANCELLED_INTAKE);

	/* a stray answer word (a button pressed twice) is not a description */
	fresh(f, DLG_ZH);
	say(f, "yes");
	assert_asks(f, "description", DLG_ZH, M_ASK_DESCRIPTION);
	assert_string_equal(f->st.description, "");
	assert_no_msg(f, DLG_ZH, M_START);

	fresh(f, DLG_ZH);
	say(f, "上一步");
	assert_asks(f, "description", DLG_ZH, M_ASK_DESCRIPTION);
	assert_string_equal(f->st.description, "");
}

/* ---- the intake -------------------------------------------------------------------- */

static void test_full_intake_zh(void **state)
{
	struct fx *f = *state;
	const char *const back[] = {"description", "room", "name", "phone", "time"};

	say(f, "/repair");
	assert_asks(f, "description", DLG_ZH, M_ASK_DESCRIPTION);
	assert_int_equal(nbuttons(&f->res), 0);

	say(f, "厨房水管漏水");
	assert_asks(f, "room", DLG_ZH, M_ASK_ROOM);
	assert_string_equal(f->st.description, "厨房水管漏水");
	assert_string_equal(f->st.item, "water");

	say(f, "3栋2单元501");
	assert_asks(f, "name", DLG_ZH, M_ASK_NAME);
	assert_string_equal(f->st.room, "3-2-501");

	say(f, "李伟");
	assert_asks(f, "phone", DLG_ZH, M_ASK_PHONE);
	assert_string_equal(f->st.name, "李伟");

	say(f, "138 0013 8000");
	assert_asks(f, "time", DLG_ZH, M_ASK_TIME);
	assert_string_equal(f->st.phone, "13800138000");
	assert_button(f, "尽快", "asap");

	say(f, "明天上午");
	assert_asks(f, "confirm", DLG_ZH, M_SUMMARY);
	assert_string_equal(f->st.time, "明天上午");
	assert_int_equal(f->st.time_at, NOW + DAY); /* 09:00 tomorrow */
	assert_back_stack(&f->st, back, 5);
	/* the summary: everything the resident said, the price and the promise */
	assert_has(f, "类别：维修 · 水管漏水/堵塞");
	assert_has(f, "内容：厨房水管漏水");
	assert_has(f, "房号：3-2-501");
	assert_has(f, "联系人：李伟");
	assert_has(f, "电话：13800138000");
	assert_has(f, "期望时间：明天上午");
	assert_has(f, "收费：上门费 30 元，材料另计");
	assert_has(f, "响应承诺：30 分钟内响应");
	assert_int_equal(nbuttons(&f->res), 3);
	assert_button(f, "确认提交", "yes");
	assert_button(f, "上一步", "back");
	assert_button(f, "取消", "cancel");

	say(f, "确认");
	assert_int_equal(f->res.handled, 1);
	assert_int_equal(f->res.action, DLG_ACT_CREATE);
	assert_int_equal(f->res.end, 1);
	assert_int_equal(f->res.save_profile, 1);
	assert_int_equal(f->res.human, 0);
	/* the state still holds what the order is made from */
	assert_string_equal(f->st.description, "厨房水管漏水");
	assert_string_equal(f->st.category, "repair");
	assert_string_equal(f->st.room, "3-2-501");
	assert_string_equal(f->st.phone, "13800138000");
}

static void test_confirm_words(void **state)
{
	static const char *const yes[] = {"yes", "y",      "是", "确认", "YES",
	                                  "Y",   "确认。", "ok", "好的"};
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < N(yes); i++) {
		fresh(f, DLG_ZH);
		to_summary(f);
		say(f, yes[i]);
		if (f->res.action != DLG_ACT_CREATE)
			print_error("\"%s\" did not confirm\n", yes[i]);
		assert_int_equal(f->res.action, DLG_ACT_CREATE);
		assert_int_equal(f->res.end, 1);
		assert_int_equal(f->res.save_profile, 1);
	}
}

static void test_button_labels_as_text(void **state)
{
	struct fx *f = *state;

	to_summary(f);
	say(f, "确认提交");
	assert_int_equal(f->res.action, DLG_ACT_CREATE);

	fresh(f, DLG_ZH);
	to_summary(f);
	say(f, "上一步");
	assert_asks(f, "time", DLG_ZH, M_ASK_TIME);
	say(f, "As soon as possible");
	assert_asks(f, "confirm", DLG_ZH, M_SUMMARY);
	assert_int_equal(f->st.time_at, NOW);
	say(f, "Submit");
	assert_int_equal(f->res.action, DLG_ACT_CREATE);
}

static void test_full_intake_en(void **state)
{
	struct fx *f = *state;

	f->ctx.lang = DLG_EN;
	fresh(f, DLG_EN);
	say(f, "/repair");
	assert_asks(f, "description", DLG_EN, M_ASK_DESCRIPTION);
	assert_has(f, "Sure, let's register your repair request.");
	assert_int_equal(f->st.lang, DLG_EN);
	say(f, "kitchen tap is leaking");
	assert_asks(f, "room", DLG_EN, M_ASK_ROOM);
	assert_string_equal(f->st.item, "water");
	/* Answers in a short sentence: the room and the phone are taken out of it. */
	say(f, "flat 3-2-501");
	assert_asks(f, "name", DLG_EN, M_ASK_NAME);
	assert_string_equal(f->st.room, "3-2-501");
	say(f, "Li Wei");
	assert_asks(f, "phone", DLG_EN, M_ASK_PHONE);
	say(f, "my number is +86 138-0013-8000");
	assert_asks(f, "time", DLG_EN, M_ASK_TIME);
	assert_button(f, "As soon as possible", "asap");
	say(f, "asap");
	assert_asks(f, "confirm", DLG_EN, M_SUMMARY);
	assert_string_equal(f->st.time, "As soon as possible");
	assert_int_equal(f->st.time_at, NOW);
	assert_has(f, "Category: repair · Water leak or blocked pipe");
	assert_has(f, "Details: kitchen tap is leaking");
	assert_has(f, "Phone: 13800138000");
	assert_has(f, "Price: 30 yuan call-out, parts extra");
	assert_has(f, "We respond within 30 minutes.");
	assert_button(f, "Submit", "yes");
	assert_button(f, "Back", "back");
	assert_button(f, "Cancel", "cancel");
	say(f, "y");
	assert_int_equal(f->res.action, DLG_ACT_CREATE);
	assert_int_equal(f->res.end, 1);
}

static void test_details_in_first_message(void **state)
{
	struct fx *f = *state;
	const char *const back1[] = {"description", "room"};

	say(f, "3-2-501 厨房漏水 13800138000");
	assert_asks(f, "name", DLG_ZH, M_ASK_NAME);
	assert_msg(f, DLG_ZH, M_START);
	assert_string_equal(f->st.room, "3-2-501");
	assert_string_equal(f->st.phone, "13800138000");
	assert_string_equal(f->st.description, "厨房漏水");
	assert_string_equal(f->st.item, "water");
	assert_string_equal(f->st.category, "repair");
	/* picked-up steps can still be gone back to */
	assert_back_stack(&f->st, back1, 2);
	say(f, "李伟");
	assert_asks(f, "time", DLG_ZH, M_ASK_TIME); /* the phone was given */

	fresh(f, DLG_ZH);
	say(f, "报修 3栋2单元501 卫生间堵了");
	assert_asks(f, "name", DLG_ZH, M_ASK_NAME);
	assert_string_equal(f->st.category, "repair");
	assert_string_equal(f->st.room, "3-2-501");
	assert_string_equal(f->st.description, "卫生间堵了");
	assert_string_equal(f->st.item, "water");
	assert_string_equal(f->st.phone, "");
	say(f, "李伟");
	assert_asks(f, "phone", DLG_ZH, M_ASK_PHONE);

	/* a trigger running on into the description */
	fresh(f, DLG_ZH);
	say(f, "报修厨房漏水");
	assert_asks(f, "room", DLG_ZH, M_ASK_ROOM);
	assert_string_equal(f->st.description, "厨房漏水");
	assert_int_equal(f->st.category_fixed, 1);
}

static void test_details_at_description_step(void **state)
{
	struct fx *f = *state;

	say_all(f, "/repair", "3-2-501 厨房漏水 13800138000");
	assert_asks(f, "name", DLG_ZH, M_ASK_NAME);
	assert_string_equal(f->st.description, "厨房漏水");
	assert_string_equal(f->st.room, "3-2-501");
	assert_string_equal(f->st.phone, "13800138000");

	/* only a room is not a description */
	fresh(f, DLG_ZH);
	say_all(f, "/repair", "3-2-501");
	assert_asks(f, "description", DLG_ZH, M_BAD_DESC);
	assert_string_equal(f->st.room, "");
	assert_int_equal(f->st.tries, 1);
}

static void test_saved_details_yes(void **state)
{
	struct fx *f = *state;
	const char *const back[] = {"description", "saved"};

	known_resident(f);
	say_all(f, "/repair", "厨房漏水");
	assert_asks(f, "saved", DLG_ZH, M_ASK_SAVED);
	assert_has(f, "联系人：李伟");
	assert_has(f, "房号：3-2-501");
	assert_has(f, "电话：138****8000"); /* masked */
	assert_lacks(f, "13800138000");
	assert_button(f, "是", "yes");
	assert_button(f, "否", "no");

	say(f, "是");
	assert_asks(f, "time", DLG_ZH, M_ASK_TIME);
	assert_int_equal(f->st.saved_used, 1);
	assert_string_equal(f->st.room, "3-2-501");
	assert_string_equal(f->st.name, "李伟");
	assert_string_equal(f->st.phone, "13800138000");
	assert_back_stack(&f->st, back, 2);

	say(f, "尽快");
	assert_asks(f, "confirm", DLG_ZH, M_SUMMARY);
	assert_no_msg(f, DLG_ZH, M_ASK_SAVED); /* asked once */
	say(f, "yes");
	assert_int_equal(f->res.action, DLG_ACT_CREATE);
	assert_int_equal(f->res.save_profile, 1);

	/* back from the time step asks the saved question again and undoes it */
	fresh(f, DLG_ZH);
	say_all(f, "/repair", "厨房漏水", "yes", "back");
	assert_asks(f, "saved", DLG_ZH, M_ASK_SAVED);
	assert_int_equal(f->st.saved_used, 0);
	assert_string_equal(f->st.room, "");
	assert_string_equal(f->st.name, "");
	assert_string_equal(f->st.phone, "");
}

static void test_saved_details_no(void **state)
{
	struct fx *f = *state;

	known_resident(f);
	say(f, "厨房漏水"); /* private free text: description given, saved asked next */
	assert_asks(f, "saved", DLG_ZH, M_ASK_SAVED);
	say(f, "否");
	assert_asks(f, "room", DLG_ZH, M_ASK_ROOM);
	assert_int_equal(f->st.saved_used, -1);
	say(f, "5-1-101");
	assert_asks(f, "name", DLG_ZH, M_ASK_NAME);
	say(f, "张三");
	assert_asks(f, "phone", DLG_ZH, M_ASK_PHONE);
	say(f, "13900139000");
	assert_asks(f, "time", DLG_ZH, M_ASK_TIME);
	say(f, "今晚8点");
	assert_asks(f, "confirm", DLG_ZH, M_SUMMARY);
	assert_no_msg(f, DLG_ZH, M_ASK_SAVED);
	assert_has(f, "张三");
	assert_has(f, "5-1-101");
	assert_string_equal(f->st.phone, "13900139000");

	/* a bad answer to the saved question re-asks with yes/no */
	fresh(f, DLG_ZH);
	say_all(f, "/repair", "厨房漏水", "也许吧");
	assert_asks(f, "saved", DLG_ZH, M_BAD_YESNO);
	assert_button(f, "是", "yes");
	assert_button(f, "否", "no");

	/* partly known residents are not offered saved details */
	fresh(f, DLG_ZH);
	f->ctx.saved_phone = "";
	say_all(f, "/repair", "厨房漏水");
	assert_asks(f, "room", DLG_ZH, M_ASK_ROOM);
}

static void test_back_from_each_step(void **state)
{
	static const struct {
		const char *step;
		enum dlg_msg prompt;
	} walk[] = {
	        {"time", M_ASK_TIME},
	        {"phone", M_ASK_PHONE},
	        {"name", M_ASK_NAME},
	        {"room", M_ASK_ROOM},
	        {"description", M_ASK_DESCRIPTION},
	};
	struct fx *f = *state;
	size_t i;

	to_summary(f);
	for (i = 0; i < N(walk); i++) {
		say(f, i % 2 ? "上一步" : "back");
		assert_asks(f, walk[i].step, DLG_ZH, walk[i].prompt);
		assert_int_equal(f->st.nback, 4 - (int)i);
	}
	/* every answer from there on was cleared */
	assert_string_equal(f->st.description, "");
	assert_string_equal(f->st.room, "");
	assert_string_equal(f->st.name, "");
	assert_string_equal(f->st.phone, "");
	assert_string_equal(f->st.time, "");
	assert_int_equal(f->st.time_at, 0);
	assert_string_equal(f->st.category, "repair"); /* the trigger's */

	say(f, "back");
	assert_asks(f, "description", DLG_ZH, M_ASK_DESCRIPTION);
	assert_msg(f, DLG_ZH, M_FIRST_STEP);

	/* back, then answer again: the flow goes on from there */
	say(f, "厨房水管漏水");
	assert_asks(f, "room", DLG_ZH, M_ASK_ROOM);
	say_all(f, "3-2-501", "李伟", "back");
	assert_asks(f, "name", DLG_ZH, M_ASK_NAME);
	assert_string_equal(f->st.name, "");
	assert_string_equal(f->st.room, "3-2-501");
	say(f, "王芳");
	assert_asks(f, "phone", DLG_ZH, M_ASK_PHONE);
	assert_string_equal(f->st.name, "王芳");
}

static void test_back_reaches_picked_up_details(void **state)
{
	struct fx *f = *state;

	say(f, "3-2-501 厨房漏水 13800138000");
	assert_asks(f, "name", DLG_ZH, M_ASK_NAME);
	say(f, "back");
	assert_asks(f, "room", DLG_ZH, M_ASK_ROOM);
	assert_string_equal(f->st.room, "");
	say(f, "back");
	assert_asks(f, "description", DLG_ZH, M_ASK_DESCRIPTION);
	say(f, "back");
	assert_msg(f, DLG_ZH, M_FIRST_STEP);

	/* the phone picked up is passed, then reachable, in flow order */
	fresh(f, DLG_ZH);
	say_all(f, "3-2-501 厨房漏水 13800138000", "李伟");
	assert_asks(f, "time", DLG_ZH, M_ASK_TIME);
	say(f, "back");
	assert_asks(f, "phone", DLG_ZH, M_ASK_PHONE);
	assert_string_equal(f->st.phone, "");
	assert_string_equal(f->st.name, "李伟");
}

static void test_back_to_description_matches_again(void **state)
{
	struct fx *f = *state;

	say(f, "楼道很脏");
	assert_string_equal(f->st.item, "stairwell");
	assert_string_equal(f->st.category, "cleaning");
	say_all(f, "back", "厨房漏水");
	assert_asks(f, "room", DLG_ZH, M_ASK_ROOM);
	assert_string_equal(f->st.item, "water");
	assert_string_equal(f->st.category, "repair");

	/* a trigger's category binds across "back" */
	fresh(f, DLG_ZH);
	say_all(f, "/clean", "楼道很脏", "back", "厨房漏水");
	assert_string_equal(f->st.category, "cleaning");
	assert_string_equal(f->st.item, "");
}

static void test_cancel_at_every_step(void **state)
{
	static const char *const answers[] = {"厨房漏水", "3-2-501", "李伟", "13800138000", "尽快"};
	struct fx *f = *state;
	size_t i, k;

	for (i = 0; i <= N(answers); i++) {
		fresh(f, DLG_ZH);
		say(f, "/repair");
		for (k = 0; k < i; k++)
			say(f, answers[k]);
		say(f, i % 2 ? "取消" : "cancel");
		assert_int_equal(f->res.handled, 1);
		assert_int_equal(f->res.end, 1);
		assert_int_equal(f->res.action, DLG_ACT_NONE);
		assert_int_equal(f->res.save_profile, 0);
		assert_msg(f, DLG_ZH, M_CANCELLED_INTAKE);
	}
	f->ctx.lang = DLG_EN;
	fresh(f, DLG_EN);
	say_all(f, "/clean", "cancel");
	assert_msg(f, DLG_EN, M_CANCELLED_INTAKE);
}

static void test_help_does_not_count(void **state)
{
	struct fx *f = *state;

	say_all(f, "/repair", "厨房漏水");
	say(f, "火星");
	assert_asks(f, "room", DLG_ZH, M_BAD_ROOM);
	assert_int_equal(f->st.tries, 1);
	say(f, "不知道");
	assert_int_equal(f->st.tries, 2);
	say(f, "帮助");
	assert_asks(f, "room", DLG_ZH, M_ASK_ROOM);
	assert_msg(f, DLG_ZH, M_HELP_FOOT);
	assert_int_equal(f->st.tries, 2);
	assert_int_equal(f->res.human, 0);
	say(f, "help");
	assert_int_equal(f->st.tries, 2);
	say(f, "还是不知道");
	assert_msg(f, DLG_ZH, M_TOO_MANY);
	assert_int_equal(f->res.human, 1);
}

static void test_bad_answers_reask(void **state)
{
	static const struct {
		const char *step_answer; /* the answer given at STEP */
		const char *step;
		enum dlg_msg bad;
	} t[] = {
	        {"a", "description", M_BAD_DESC},   {"我家在火星", "room", M_BAD_ROOM},
	        {"12345", "name", M_BAD_NAME},      {"12345", "phone", M_BAD_PHONE},
	        {"也许", "confirm", M_BAD_CONFIRM},
	};
	static const char *const answers[] = {"厨房漏水", "3-2-501", "李伟", "13800138000", "尽快"};
	struct fx *f = *state;
	size_t i, k;

	for (i = 0; i < N(t); i++) {
		fresh(f, DLG_ZH);
		say(f, "/repair");
		for (k = 0; strcmp(f->st.step, t[i].step) != 0; k++)
			say(f, answers[k]);
		say(f, t[i].step_answer);
		assert_asks(f, t[i].step, DLG_ZH, t[i].bad);
		assert_int_equal(f->st.tries, 1);
		assert_int_equal(f->res.human, 0);
	}
	/* the summary's buttons stay under the re-ask */
	assert_button(f, "确认提交", "yes");

	/* too long a description */
	fresh(f, DLG_ZH);
	say(f, "/repair");
	{
		char longtext[2000];

		memset(longtext, 'x', 600);
		longtext[600] = '\0';
		say(f, longtext);
	}
	assert_asks(f, "description", DLG_ZH, M_BAD_DESC_LONG);

	/* English */
	f->ctx.lang = DLG_EN;
	fresh(f, DLG_EN);
	say_all(f, "/repair", "leaking pipe", "on the moon");
	assert_asks(f, "room", DLG_EN, M_BAD_ROOM);
}

static void test_three_failures_offer_a_person(void **state)
{
	struct fx *f = *state;

	say_all(f, "/repair", "厨房漏水", "3-2-501", "李伟");
	say(f, "123");
	assert_asks(f, "phone", DLG_ZH, M_BAD_PHONE);
	assert_int_equal(f->res.human, 0);
	say(f, "456");
	assert_int_equal(f->res.human, 0);
	assert_no_msg(f, DLG_ZH, M_TOO_MANY);
	say(f, "789");
	assert_asks(f, "phone", DLG_ZH, M_BAD_PHONE);
	assert_msg(f, DLG_ZH, M_TOO_MANY);
	assert_has(f, "0571-88886666"); /* the demo community's desk */
	assert_int_equal(f->res.human, 1);
	assert_int_equal(f->st.tries, 0);
	/* and it can still be answered */
	say(f, "13800138000");
	assert_asks(f, "time", DLG_ZH, M_ASK_TIME);

	/* asking for a person says where to call */
	say(f, "人工");
	assert_int_equal(f->res.human, 1);
	assert_has(f, "0571-88886666");
	assert_string_equal(f->st.step, "time");
}

/* ---- catalogue and scope ------------------------------------------------------------- */

static void test_catalogue_in_summary(void **state)
{
	struct fx *f = *state;

	say_all(f, "楼道很脏", "3-2-501", "李伟", "13800138000", "周六上午");
	assert_asks(f, "confirm", DLG_ZH, M_SUMMARY);
	assert_string_equal(f->st.item, "stairwell");
	assert_has(f, "保洁 · 楼道公共区域清洁");
	assert_has(f, "免费（已含在物业费中）");
	assert_has(f, "240 分钟");

	/* the trigger restricts matching: no cleaning item is about a leak */
	fresh(f, DLG_ZH);
	say_all(f, "/clean 厨房漏水", "3-2-501", "李伟", "13800138000", "尽快");
	assert_asks(f, "confirm", DLG_ZH, M_SUMMARY);
	assert_string_equal(f->st.category, "cleaning");
	assert_string_equal(f->st.item, "");
	assert_has(f, "类别：保洁\n");
	assert_has(f, "收费：（未填）");
	assert_has(f, "120 分钟"); /* the fastest promise of the category */

	/* and picks within the category */
	fresh(f, DLG_ZH);
	say(f, "/errand 帮我交一下水电费");
	assert_string_equal(f->st.category, "errand");
	assert_string_equal(f->st.item, "bills");
}

static void test_out_of_scope_first_message(void **state)
{
	struct fx *f = *state;

	say(f, "家里燃气灶打不着火");
	assert_int_equal(f->res.handled, 1);
	assert_int_equal(f->res.action, DLG_ACT_DECLINE);
	assert_int_equal(f->res.end, 1);
	assert_msg(f, DLG_ZH, M_DECLINED);
	assert_has(f, "燃气问题请拨打燃气公司热线 96777");
	assert_has(f, "家里燃气灶打不着火");
	assert_string_equal(f->st.description, "家里燃气灶打不着火");

	fresh(f, DLG_ZH);
	say(f, "报修 3-2-501 我家要装修");
	assert_int_equal(f->res.action, DLG_ACT_DECLINE);
	assert_int_equal(f->res.end, 1);
	assert_string_equal(f->st.room, "3-2-501");

	f->ctx.lang = DLG_EN;
	fresh(f, DLG_EN);
	say(f, "gas stove won't light, please help");
	assert_int_equal(f->res.action, DLG_ACT_DECLINE);
	assert_msg(f, DLG_EN, M_DECLINED);
	assert_has(f, "gas company hotline 96777");

	/* a gas smell is an emergency now, not a referral (issue 7) */
	fresh(f, DLG_EN);
	say(f, "I smell gas in the kitchen");
	assert_int_equal(f->res.action, DLG_ACT_EMERGENCY);
	assert_has(f, "96777");
}

static void test_out_of_scope_at_description(void **state)
{
	struct fx *f = *state;

	say(f, "/repair");
	say(f, "想改水电线路");
	assert_int_equal(f->res.action, DLG_ACT_DECLINE);
	assert_int_equal(f->res.end, 1);
	assert_msg(f, DLG_ZH, M_DECLINED);
	assert_has(f, "装修请联系有资质的装修公司");
	assert_string_equal(f->st.description, "想改水电线路");
}

static void test_trigger_restarts_intake(void **state)
{
	struct fx *f = *state;

	say_all(f, "/repair", "厨房漏水", "3-2-501");
	assert_string_equal(f->st.step, "name");
	say(f, "保洁 楼道很脏");
	assert_asks(f, "room", DLG_ZH, M_ASK_ROOM);
	assert_msg(f, DLG_ZH, M_START);
	assert_string_equal(f->st.category, "cleaning");
	assert_string_equal(f->st.item, "stairwell");
	assert_string_equal(f->st.description, "楼道很脏");
	assert_string_equal(f->st.room, ""); /* a fresh start */
	assert_int_equal(f->st.nback, 1);

	/* at the description step too */
	say_all(f, "/repair", "/clean");
	assert_asks(f, "description", DLG_ZH, M_ASK_DESCRIPTION);
	assert_string_equal(f->st.category, "cleaning");
	assert_string_equal(f->st.description, "");
}

/* ---- state ------------------------------------------------------------------------- */

static void assert_states_equal(const struct dlg_state *a, const struct dlg_state *b)
{
	int i;

	assert_string_equal(a->flow, b->flow);
	assert_string_equal(a->step, b->step);
	assert_int_equal(a->lang, b->lang);
	assert_int_equal(a->tries, b->tries);
	assert_string_equal(a->category, b->category);
	assert_int_equal(a->category_fixed, b->category_fixed);
	assert_string_equal(a->item, b->item);
	assert_string_equal(a->description, b->description);
	assert_string_equal(a->room, b->room);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->phone, b->phone);
	assert_string_equal(a->time, b->time);
	assert_int_equal(a->time_at, b->time_at);
	assert_int_equal(a->saved_used, b->saved_used);
	assert_string_equal(a->order, b->order);
	assert_int_equal(a->nback, b->nback);
	for (i = 0; i < a->nback; i++)
		assert_string_equal(a->back[i], b->back[i]);
	if (a->suspended || b->suspended) {
		assert_non_null(a->suspended);
		assert_non_null(b->suspended);
		assert_string_equal(a->suspended, b->suspended);
	}
}

static void test_state_json_round_trip(void **state)
{
	struct dlg_state a, b;
	char *json, *json2;

	(void)state;
	dlg_state_init(&a, DLG_EN);
	strcpy(a.flow, "intake");
	strcpy(a.step, "phone");
	a.tries = 2;
	strcpy(a.category, "repair");
	a.category_fixed = 1;
	strcpy(a.item, "water");
	strcpy(a.description, "厨房漏水 \"quoted\" \\ back\nslash");
	strcpy(a.room, "3-2-501");
	strcpy(a.name, "李伟");
	strcpy(a.phone, "13800138000");
	strcpy(a.time, "明天上午");
	a.time_at = NOW + DAY;
	a.saved_used = -1;
	strcpy(a.order, "261127-001");
	strcpy(a.back[0], "description");
	strcpy(a.back[1], "saved");
	strcpy(a.back[2], "room");
	a.nback = 3;
	a.suspended = strdup("{\"flow\":\"intake\",\"step\":\"room\"}");
	assert_non_null(a.suspended);

	json = dlg_state_to_json(&a);
	assert_non_null(json);
	assert_int_equal(dlg_state_from_json(json, &b), 0);
	assert_states_equal(&a, &b);
	json2 = dlg_state_to_json(&b);
	assert_string_equal(json, json2);

	free(json);
	free(json2);
	dlg_state_release(&a);
	dlg_state_release(&b);

	/* an empty state survives too */
	dlg_state_init(&a, DLG_ZH);
	json = dlg_state_to_json(&a);
	assert_int_equal(dlg_state_from_json(json, &b), 0);
	assert_states_equal(&a, &b);
	assert_null(b.suspended);
	free(json);
	dlg_state_release(&b);
}

static void test_state_json_round_trip_mid_dialog(void **state)
{
	struct fx *f = *state;
	struct dlg_state copy;
	char *json;

	/* a real paused intake under an acceptance question, stored and reloaded */
	say_all(f, "/repair", "厨房漏水", "3-2-501");
	begin_accept(f, "261127-001", "王师傅", "50");
	assert_non_null(f->st.suspended);
	json = dlg_state_to_json(&f->st);
	assert_non_null(json);
	assert_int_equal(dlg_state_from_json(json, &copy), 0);
	free(json);
	assert_states_equal(&f->st, &copy);
	dlg_state_release(&f->st);
	f->st = copy;
	say_all(f, "yes", "5", "跳过");
	assert_string_equal(f->st.flow, "intake");
	assert_string_equal(f->st.step, "name");
	assert_string_equal(f->st.room, "3-2-501");
}

static void test_state_json_garbage(void **state)
{
	static const char *const bad[] = {NULL,         "",   "not json",   "[1,2,3]",
	                                  "\"intake\"", "42", "{\"flow\":", "null"};
	struct dlg_state st;
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++) {
		memset(&st, 0x5a, sizeof(st));
		st.suspended = NULL;
		assert_true(dlg_state_from_json(bad[i], &st) < 0);
		assert_string_equal(st.flow, "");
		assert_string_equal(st.step, "");
		assert_int_equal(st.nback, 0);
		assert_int_equal(st.tries, 0);
		assert_null(st.suspended);
		dlg_state_release(&st);
	}
	/* wrong types inside an object are ignored, not trusted */
	assert_int_equal(dlg_state_from_json("{\"flow\":7,\"back\":\"x\",\"suspended\":3,"
	                                     "\"room\":[1]}",
	                                     &st),
	                 0);
	assert_string_equal(st.flow, "");
	assert_int_equal(st.nback, 0);
	assert_null(st.suspended);
	assert_string_equal(st.room, "");
	dlg_state_release(&st);
}

static void test_unknown_step_restarts(void **state)
{
	struct fx *f = *state;

	assert_int_equal(dlg_state_from_json("{\"flow\":\"intake\",\"step\":\"address\","
	                                     "\"room\":\"9-9-999\"}",
	                                     &f->st),
	                 0);
	say(f, "厨房漏水");
	assert_asks(f, "room", DLG_ZH, M_ASK_ROOM);
	assert_string_equal(f->st.description, "厨房漏水");
	assert_string_equal(f->st.room, ""); /* nothing kept from the old state */

	dlg_state_release(&f->st);
	assert_int_equal(dlg_state_from_json("{\"flow\":\"survey\",\"step\":\"q1\"}", &f->st), 0);
	say(f, "/clean");
	assert_asks(f, "description", DLG_ZH, M_ASK_DESCRIPTION);
	assert_string_equal(f->st.category, "cleaning");

	/* in a group, an unknown state gives way to an unaddressed message */
	dlg_state_release(&f->st);
	assert_int_equal(dlg_state_from_json("{\"flow\":\"intake\",\"step\":\"x\"}", &f->st), 0);
	f->ctx.is_group = 1;
	say(f, "大家好");
	assert_int_equal(f->res.handled, 0);
}

static void test_prompt_reasks(void **state)
{
	struct fx *f = *state;

	say_all(f, "/repair", "厨房漏水", "3-2-501", "李伟", "13800138000");
	dlg_result_release(&f->res);
	assert_int_equal(dlg_prompt(&f->ctx, &f->st, &f->res), 0);
	assert_int_equal(f->res.nreplies, 1);
	assert_msg(f, DLG_ZH, M_ASK_TIME);
	assert_button(f, "尽快", "asap");
	assert_string_equal(f->st.step, "time");
}

/* ---- acceptance -------------------------------------------------------------------- */

static void test_accept_question(void **state)
{
	struct fx *f = *state;

	begin_accept(f, "261127-001", "王师傅", "50");
	assert_int_equal(f->res.handled, 1);
	assert_int_equal(f->res.action, DLG_ACT_NONE);
	assert_int_equal(f->res.end, 0);
	assert_string_equal(f->st.flow, "accept");
	assert_string_equal(f->st.step, "accept");
	assert_string_equal(f->st.order, "261127-001");
	assert_null(f->st.suspended);
	assert_msg(f, DLG_ZH, M_ASK_ACCEPT);
	assert_has(f, "您的工单 261127-001 已由 王师傅 报告完工，费用 50 元。");
	assert_int_equal(nbuttons(&f->res), 2);
	assert_button(f, "满意，已解决", "yes");
	assert_button(f, "不满意，需返工", "no");

	/* no fee, no fee sentence */
	begin_accept(f, "261127-002", "王师傅", NULL);
	assert_has(f, "已由 王师傅 报告完工。");
	assert_lacks(f, "费用");
	assert_string_equal(f->st.order, "261127-002");

	f->ctx.lang = DLG_EN;
	fresh(f, DLG_EN);
	begin_accept(f, "261127-003", "Wang", "35.5");
	assert_has(f, "Wang reports order 261127-003 as done, fee 35.5 yuan.");
	assert_button(f, "Yes, it's fixed", "yes");
	assert_button(f, "No, not fixed", "no");
}

/* A complaint's handling is asked about once: yes closes it unrated, no sends it back. */
static void test_complaint_resolution_question(void **state)
{
	struct fx *f = *state;

	dlg_result_release(&f->res);
	assert_int_equal(dlg_begin_resolved(&f->ctx, &f->st, "261127-004", "已约谈装修户", &f->res),
	                 0);
	assert_string_equal(f->st.flow, "accept");
	assert_string_equal(f->st.order, "261127-004");
	assert_msg(f, DLG_ZH, M_ASK_RESOLVED);
	assert_has(f, "处理结果：已约谈装修户");
	assert_button(f, "满意，已解决", "yes");
	say(f, "满意");
	assert_int_equal(f->res.action, DLG_ACT_ACCEPTED);
	assert_int_equal(f->res.end, 1);
	assert_msg(f, DLG_ZH, M_RESOLVED_THANKS);

	fresh(f, DLG_ZH);
	dlg_result_release(&f->res);
	assert_int_equal(dlg_begin_resolved(&f->ctx, &f->st, "261127-004", "已处理", &f->res), 0);
	say(f, "不满意");
	assert_int_equal(f->res.action, DLG_ACT_REWORK);
	assert_int_equal(f->res.end, 1);
	assert_msg(f, DLG_ZH, M_RESOLVED_AGAIN);
}

static void test_accept_rate_comment(void **state)
{
	struct fx *f = *state;

	begin_accept(f, "261127-001", "王师傅", "50");
	say(f, "满意");
	assert_int_equal(f->res.action, DLG_ACT_ACCEPTED);
	assert_int_equal(f->res.end, 0);
	assert_string_equal(f->st.step, "rating");
	assert_msg(f, DLG_ZH, M_ASK_RATING);
	assert_int_equal(nbuttons(&f->res), 5);
	assert_button(f, "1", "1");
	assert_button(f, "2", "2");
	assert_button(f, "3", "3");
	assert_button(f, "4", "4");
	assert_button(f, "5", "5");

	say(f, "5分");
	assert_int_equal(f->res.action, DLG_ACT_RATED);
	assert_int_equal(f->res.rating, 5);
	assert_int_equal(f->res.end, 0);
	assert_string_equal(f->st.step, "comment");
	assert_msg(f, DLG_ZH, M_ASK_COMMENT);
	assert_button(f, "跳过", "skip");

	say(f, "师傅很专业，谢谢！");
	assert_int_equal(f->res.action, DLG_ACT_COMMENTED);
	assert_non_null(f->res.comment);
	assert_string_equal(f->res.comment, "师傅很专业，谢谢！");
	assert_int_equal(f->res.end, 1);
	assert_msg(f, DLG_ZH, M_THANKS);
	assert_has(f, "261127-001");
	assert_string_equal(f->st.order, "261127-001");
}

static void test_rating_answers(void **state)
{
	static const struct {
		const char *text;
		int rating;
	} ok[] = {
	        {"1", 1},        {"2", 2},    {"3", 3},       {"4", 4},      {"5", 5},
	        {"5分", 5},      {"五星", 5}, {"4 stars", 4}, {"1 star", 1}, {"３", 3},
	        {"两分", 2},     {"三分", 3}, {"4/5", 4},     {"5!", 5},     {"满分", 5},
	        {"五星好评", 5}, {"★★★★", 4}, {"5 分", 5},
	};
	static const char *const bad[] = {"6", "0", "10", "good", "五星级", "-1", "2.5", "很好"};
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < N(ok); i++) {
		fresh(f, DLG_ZH);
		begin_accept(f, "261127-001", "王师傅", NULL);
		say(f, "yes");
		say(f, ok[i].text);
		if (f->res.action != DLG_ACT_RATED || f->res.rating != ok[i].rating)
			print_error("rating \"%s\": action %d rating %d\n", ok[i].text,
			            f->res.action, f->res.rating);
		assert_int_equal(f->res.action, DLG_ACT_RATED);
		assert_int_equal(f->res.rating, ok[i].rating);
		assert_int_equal(dlg_parse_rating(ok[i].text), ok[i].rating);
	}
	fresh(f, DLG_ZH);
	begin_accept(f, "261127-001", "王师傅", NULL);
	say(f, "yes");
	for (i = 0; i < N(bad); i++) {
		assert_int_equal(dlg_parse_rating(bad[i]), 0);
		say(f, bad[i]);
		assert_int_equal(f->res.action, DLG_ACT_NONE);
		assert_int_equal(f->res.end, 0);
		assert_string_equal(f->st.step, "rating");
		assert_msg(f, DLG_ZH, M_BAD_RATING);
		assert_int_equal(nbuttons(&f->res), 5);
	}
	say(f, "4");
	assert_int_equal(f->res.rating, 4);
}

static void test_comment_skip(void **state)
{
	static const char *const none[] = {"skip", "跳过", "没有", "no", "Skip.", "没意见"};
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < N(none); i++) {
		fresh(f, DLG_ZH);
		begin_accept(f, "261127-001", "王师傅", NULL);
		say_all(f, "yes", "5");
		say(f, none[i]);
		assert_int_equal(f->res.action, DLG_ACT_COMMENTED);
		assert_null(f->res.comment);
		assert_int_equal(f->res.end, 1);
		assert_msg(f, DLG_ZH, M_THANKS);
	}
	/* a one-character comment still counts, and a complaint is a comment */
	say_all(f, "/repair");
	begin_accept(f, "261127-001", "王师傅", NULL);
	say_all(f, "yes", "1", "差");
	assert_string_equal(f->res.comment, "差");
	begin_accept(f, "261127-001", "王师傅", NULL);
	say_all(f, "yes", "1", "不满意");
	assert_string_equal(f->res.comment, "不满意");
}

static void test_accept_rework(void **state)
{
	static const char *const no[] = {"no", "不满意", "没修好", "否"};
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < N(no); i++) {
		fresh(f, DLG_ZH);
		begin_accept(f, "261127-001", "王师傅", "50");
		say(f, no[i]);
		assert_int_equal(f->res.action, DLG_ACT_REWORK);
		assert_int_equal(f->res.end, 1);
		assert_msg(f, DLG_ZH, M_REWORK_ACK);
		assert_has(f, "261127-001");
		assert_string_equal(f->st.order, "261127-001");
	}
	/* anything else re-asks with the same buttons */
	fresh(f, DLG_ZH);
	begin_accept(f, "261127-001", "王师傅", "50");
	say(f, "还行吧");
	assert_int_equal(f->res.action, DLG_ACT_NONE);
	assert_msg(f, DLG_ZH, M_BAD_YESNO);
	assert_button(f, "满意，已解决", "yes");
	assert_button(f, "不满意，需返工", "no");
	say(f, "帮助");
	assert_int_equal(f->res.action, DLG_ACT_NONE);
	assert_no_msg(f, DLG_ZH, M_HELP_FOOT); /* that one is about the intake */
	assert_button(f, "满意，已解决", "yes");
}

static void test_accept_in_residents_words(void **state)
{
	static const char *const fixed[] = {"非常满意", "修好了", "已解决！", "fixed",
	                                    "Yes, it's fixed"};
	static const char *const not_fixed[] = {"还没好", "还是不行", "still broken",
	                                        "不满意，需返工"};
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < N(fixed); i++) {
		begin_accept(f, "261127-001", "王师傅", NULL);
		say(f, fixed[i]);
		if (f->res.action != DLG_ACT_ACCEPTED)
			print_error("\"%s\" did not accept\n", fixed[i]);
		assert_int_equal(f->res.action, DLG_ACT_ACCEPTED);
	}
	for (i = 0; i < N(not_fixed); i++) {
		begin_accept(f, "261127-001", "王师傅", NULL);
		say(f, not_fixed[i]);
		if (f->res.action != DLG_ACT_REWORK)
			print_error("\"%s\" did not ask for rework\n", not_fixed[i]);
		assert_int_equal(f->res.action, DLG_ACT_REWORK);
	}
	/* the buttons' own labels, sent back as text by a platform without callbacks */
	begin_accept(f, "261127-001", "王师傅", NULL);
	say(f, dlg_msg(DLG_ZH, M_BTN_ACCEPT_YES));
	assert_int_equal(f->res.action, DLG_ACT_ACCEPTED);

	/* asking for a person during acceptance */
	begin_accept(f, "261127-001", "王师傅", NULL);
	say(f, "人工");
	assert_int_equal(f->res.action, DLG_ACT_NONE);
	assert_int_equal(f->res.human, 1);
	assert_has(f, "0571-88886666");
	assert_string_equal(f->st.step, "accept");
}

static void test_long_comment_is_cut_not_lost(void **state)
{
	struct fx *f = *state;
	char text[DLG_DESC_MAX * 3 + 64];
	size_t i;

	text[0] = '\0';
	for (i = 0; i < DLG_DESC_MAX + 10; i++)
		strcat(text, "好");
	begin_accept(f, "261127-001", "王师傅", NULL);
	say_all(f, "yes", "5");
	say(f, text);
	assert_int_equal(f->res.action, DLG_ACT_COMMENTED);
	assert_non_null(f->res.comment);
	assert_int_equal(dlg_utf8_len(f->res.comment), DLG_DESC_MAX);
	assert_int_equal(strlen(f->res.comment), DLG_DESC_MAX * 3);
}

/* A long comment of emoji ZWJ sequences is cut between two of them, never inside one. */
static void test_long_comment_keeps_zwj_sequences_whole(void **state)
{
	static const char family[] = "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9"
	                             "\xe2\x80\x8d\xf0\x9f\x91\xa7"; /* 5 code points */
	struct fx *f = *state;
	char text[2 + 120 * sizeof(family)];
	size_t i;

	strcpy(text, "好");
	for (i = 0; i < 120; i++) /* 601 code points */
		strcat(text, family);
	begin_accept(f, "261127-001", "王师傅", NULL);
	say_all(f, "yes", "5");
	say(f, text);
	assert_int_equal(f->res.action, DLG_ACT_COMMENTED);
	assert_non_null(f->res.comment);
	/* 1 + 99 families: the 100th would end at 501 */
	assert_int_equal(dlg_utf8_len(f->res.comment), 1 + 99 * 5);
	assert_int_equal(strlen(f->res.comment), 3 + 99 * (sizeof(family) - 1));
	assert_memory_equal(f->res.comment, text, strlen(f->res.comment));
}

static void test_accept_later_and_no_rating(void **state)
{
	struct fx *f = *state;

	begin_accept(f, "261127-001", "王师傅", NULL);
	say(f, "取消");
	assert_int_equal(f->res.action, DLG_ACT_NONE);
	assert_int_equal(f->res.end, 1);
	assert_msg(f, DLG_ZH, M_ACCEPT_LATER);
	assert_has(f, "3 天"); /* acceptance_days of the demo */

	begin_accept(f, "261127-001", "王师傅", NULL);
	say_all(f, "yes", "跳过");
	assert_int_equal(f->res.action, DLG_ACT_NONE);
	assert_int_equal(f->res.end, 1);
	assert_msg(f, DLG_ZH, M_THANKS);
}

static void test_accept_suspends_intake(void **state)
{
	struct fx *f = *state;

	say_all(f, "/repair", "厨房漏水", "3-2-501", "李伟");
	assert_string_equal(f->st.step, "phone");
	begin_accept(f, "261127-001", "王师傅", "50");
	assert_string_equal(f->st.flow, "accept");
	assert_non_null(f->st.suspended);
	assert_msg(f, DLG_ZH, M_ASK_ACCEPT);
	assert_int_equal(f->res.nreplies, 1);

	/* a second report while the first is unanswered keeps the intake paused */
	begin_accept(f, "261127-002", "王师傅", NULL);
	assert_non_null(f->st.suspended);
	assert_string_equal(f->st.order, "261127-002");

	say(f, "yes");
	assert_int_equal(f->res.action, DLG_ACT_ACCEPTED);
	say(f, "4");
	assert_int_equal(f->res.action, DLG_ACT_RATED);
	say(f, "跳过");
	assert_int_equal(f->res.action, DLG_ACT_COMMENTED);
	assert_null(f->res.comment);
	assert_int_equal(f->res.end, 0); /* the intake goes on */
	assert_msg(f, DLG_ZH, M_THANKS);
	assert_msg(f, DLG_ZH, M_RESUMED);
	assert_msg(f, DLG_ZH, M_ASK_PHONE);
	assert_int_equal(f->res.nreplies, 2);
	assert_string_equal(f->st.flow, "intake");
	assert_string_equal(f->st.step, "phone");
	assert_string_equal(f->st.description, "厨房漏水");
	assert_string_equal(f->st.room, "3-2-501");
	assert_string_equal(f->st.name, "李伟");
	assert_null(f->st.suspended);
	assert_string_equal(f->res.order, "261127-002"); /* for the action just returned */
	assert_string_equal(f->st.order, "");            /* the intake names no order yet */

	say(f, "13800138000");
	assert_asks(f, "time", DLG_ZH, M_ASK_TIME);
	say(f, "back");
	assert_asks(f, "phone", DLG_ZH, M_ASK_PHONE);
}

static void test_rework_resumes_intake(void **state)
{
	struct fx *f = *state;

	f->ctx.lang = DLG_EN;
	fresh(f, DLG_EN);
	say_all(f, "/clean");
	begin_accept(f, "261127-001", "Wang", NULL);
	assert_msg(f, DLG_EN, M_ASK_ACCEPT);
	say(f, "no");
	assert_int_equal(f->res.action, DLG_ACT_REWORK);
	assert_int_equal(f->res.end, 0);
	assert_msg(f, DLG_EN, M_REWORK_ACK);
	assert_msg(f, DLG_EN, M_RESUMED);
	assert_msg(f, DLG_EN, M_ASK_DESCRIPTION);
	assert_string_equal(f->st.flow, "intake");
	assert_string_equal(f->st.step, "description");
	assert_string_equal(f->st.category, "cleaning");
	assert_string_equal(f->res.order, "261127-001"); /* the rework is about that order */
}

/* ---- words ------------------------------------------------------------------------- */

static void test_word_classes(void **state)
{
	static const char *const yes[] = {"yes",     "Y",    "是",     "确认",  "好的",
	                                  "OK",      "yes!", "确定。", "Sure.", "agree",
	                                  "I agree", "yeah", "Yep"};
	static const char *const not_yes[] = {"yes please call", "是吗",    "", "no",
	                                      "确认一下",        "disagree"};
	static const char *const no[] = {"no",        "N",       "否",       "不满意",    "没修好",
	                                 "not fixed", "decline", "Disagree", "I decline", "拒绝"};
	static const char *const cancel[] = {"cancel", "取消", "算了", "/cancel", "CANCEL"};
	static const char *const back[] = {"back", "上一步", "返回", "/back"};
	static const char *const help[] = {"help", "帮助", "?", "/help"};
	static const char *const skip[] = {"skip", "跳过", "没有", "无", "/skip"};
	size_t i;

	(void)state;
	for (i = 0; i < N(yes); i++)
		assert_true(dlg_is_yes(yes[i]));
	for (i = 0; i < N(not_yes); i++)
		assert_false(dlg_is_yes(not_yes[i]));
	for (i = 0; i < N(no); i++) {
		assert_true(dlg_is_no(no[i]));
		assert_false(dlg_is_yes(no[i]));
	}
	for (i = 0; i < N(cancel); i++)
		assert_true(dlg_is_cancel(cancel[i]));
	for (i = 0; i < N(back); i++)
		assert_true(dlg_is_back(back[i]));
	for (i = 0; i < N(help); i++)
		assert_true(dlg_is_help(help[i]));
	for (i = 0; i < N(skip); i++)
		assert_true(dlg_is_skip(skip[i]));
	assert_false(dlg_is_cancel("取消工单"));
	assert_false(dlg_is_back("back door is broken"));
	assert_false(dlg_is_help("helpful"));
	assert_false(dlg_is_skip("skipping rope"));
	{
		static const char *const words[] = {"ok", "好", NULL};

		assert_true(dlg_word_in("ＯＫ！", words));
		assert_true(dlg_word_in(" 好。", words));
		assert_false(dlg_word_in("okay", words));
		assert_false(dlg_word_in(NULL, words));
	}
	assert_false(dlg_is_yes(NULL));
	assert_false(dlg_is_no(NULL));
	assert_int_equal(dlg_parse_rating(NULL), 0);
}

static void test_language(void **state)
{
	(void)state;
	assert_int_equal(dlg_lang_of_text("kitchen tap is leaking", DLG_ZH), DLG_EN);
	assert_int_equal(dlg_lang_of_text("厨房漏水", DLG_EN), DLG_ZH);
	assert_int_equal(dlg_lang_of_text("3-2-501 厨房 leak", DLG_EN), DLG_ZH);
	assert_int_equal(dlg_lang_of_text("/repair", DLG_ZH), DLG_ZH); /* a command says nothing */
	assert_int_equal(dlg_lang_of_text("/repair", DLG_EN), DLG_EN);
	assert_int_equal(dlg_lang_of_text("/repair kitchen leak", DLG_ZH), DLG_EN);
	assert_int_equal(dlg_lang_of_text("ok", DLG_ZH), DLG_ZH);
	assert_int_equal(dlg_lang_of_text("13800138000", DLG_EN), DLG_EN);
	assert_int_equal(dlg_lang_of_text(NULL, DLG_EN), DLG_EN);
	assert_int_equal(dlg_lang_of_text("", DLG_ZH), DLG_ZH);

	assert_int_equal(dlg_lang_from_hint("zh-CN", DLG_EN), DLG_ZH);
	assert_int_equal(dlg_lang_from_hint("zh", DLG_EN), DLG_ZH);
	assert_int_equal(dlg_lang_from_hint("ZH_hans", DLG_EN), DLG_ZH);
	assert_int_equal(dlg_lang_from_hint("en", DLG_ZH), DLG_EN);
	assert_int_equal(dlg_lang_from_hint("en-GB", DLG_ZH), DLG_EN);
	assert_int_equal(dlg_lang_from_hint("EN", DLG_ZH), DLG_EN);
	assert_int_equal(dlg_lang_from_hint("fr", DLG_ZH), DLG_ZH);
	assert_int_equal(dlg_lang_from_hint("fr", DLG_EN), DLG_EN);
	assert_int_equal(dlg_lang_from_hint("", DLG_EN), DLG_EN);
	assert_int_equal(dlg_lang_from_hint(NULL, -1), -1);
	assert_int_equal(dlg_lang_from_hint("e", DLG_ZH), DLG_ZH);

	assert_string_equal(dlg_lang_code(DLG_ZH), "zh");
	assert_string_equal(dlg_lang_code(DLG_EN), "en");
	assert_int_equal(dlg_lang_from_hint(dlg_lang_code(DLG_EN), DLG_ZH), DLG_EN);
}

static void test_triggers(void **state)
{
	static const struct {
		const char *text;
		const char *category; /* NULL: not a trigger */
	} t[] = {
	        {"/repair", "repair"}, {"/repair 厨房漏水", "repair"},
	        {"报修", "repair"},    {"报修厨房漏水", "repair"},
	        {"维修", "repair"},    {"/clean", "cleaning"},
	        {"保洁", "cleaning"},  {"/errand", "errand"},
	        {"代办", "errand"},    {"/ask", "inquiry"},
	        {"咨询", "inquiry"},   {"  /ask 物业费", "inquiry"},
	        {"/repairs", NULL},    {"/cleaning", NULL},
	        {"repair", NULL},      {"我要报修", NULL},
	        {"/my", NULL},         {"", NULL},
	        {"/asking", NULL},     {"/repair@otherbot", NULL},
	};
	const char *cat;
	size_t i;

	(void)state;
	for (i = 0; i < N(t); i++) {
		cat = NULL;
		if (dlg_is_trigger(t[i].text, &cat) != (t[i].category != NULL))
			print_error("dlg_is_trigger(\"%s\") wrong\n", t[i].text);
		assert_int_equal(dlg_is_trigger(t[i].text, &cat), t[i].category != NULL);
		if (t[i].category)
			assert_string_equal(cat, t[i].category);
		assert_int_equal(dlg_is_trigger(t[i].text, NULL), t[i].category != NULL);
	}
	assert_int_equal(dlg_is_trigger(NULL, &cat), 0);
}

static void test_match_and_scope(void **state)
{
	static const struct {
		const char *text, *category, *item; /* item NULL: no match */
	} t[] = {
	        {"厨房漏水", NULL, "water"},         {"Kitchen LEAK", NULL, "water"},
	        {"卫生间下水道堵了", NULL, "water"}, {"客厅的灯不亮", NULL, "electric"},
	        {"家里跳闸了", NULL, "electric"},    {"防盗门锁坏了", NULL, "door"},
	        {"楼道有垃圾", NULL, "stairwell"},   {"帮我取个快递", NULL, "parcel"},
	        {"想问问停车政策", NULL, "inquiry"}, {"厨房漏水", "cleaning", NULL},
	        {"厨房漏水", "repair", "water"},     {"打扫一下", "cleaning", "home-cleaning"},
	        {"今天天气不错", NULL, NULL},
	};
	const struct dlg_item *it;
	size_t i;

	(void)state;
	for (i = 0; i < N(t); i++) {
		it = dlg_item_for(&demo->policy, t[i].text, t[i].category);
		if (!t[i].item) {
			assert_null(it);
			continue;
		}
		assert_non_null(it);
		if (strcmp(it->id, t[i].item) != 0)
			print_error("\"%s\" matched %s, want %s\n", t[i].text, it->id, t[i].item);
		assert_string_equal(it->id, t[i].item);
	}
	assert_null(dlg_item_for(NULL, "厨房漏水", NULL));
	assert_null(dlg_item_for(&demo->policy, NULL, NULL));

	assert_true(dlg_out_of_scope(&demo->policy, "燃气泄漏"));
	assert_true(dlg_out_of_scope(&demo->policy, "I smell GAS"));
	assert_true(dlg_out_of_scope(&demo->policy, "新房装修"));
	assert_true(dlg_out_of_scope(&demo->policy, "想改水电"));
	assert_false(dlg_out_of_scope(&demo->policy, "厨房漏水"));
	assert_false(dlg_out_of_scope(&demo->policy, ""));
	assert_false(dlg_out_of_scope(&demo->policy, NULL));
	assert_false(dlg_out_of_scope(NULL, "燃气"));
}

static void test_flows_check(void **state)
{
	const struct dlg_flow_def *intake, *accept;
	char err[256] = "";

	(void)state;
	assert_int_equal(dlg_check_flows(err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(dlg_messages_missing(), 0);
	intake = dlg_flow_find("intake");
	accept = dlg_flow_find("accept");
	assert_non_null(intake);
	assert_non_null(accept);
	assert_null(dlg_flow_find("survey"));
	assert_null(dlg_flow_find(NULL));
	/* the order the design promises */
	assert_int_equal(dlg_step_index(intake, "description"), 0);
	assert_true(dlg_step_index(intake, "room") < dlg_step_index(intake, "name"));
	assert_true(dlg_step_index(intake, "name") < dlg_step_index(intake, "phone"));
	assert_true(dlg_step_index(intake, "phone") < dlg_step_index(intake, "time"));
	assert_int_equal(dlg_step_index(intake, "confirm"), intake->nsteps - 1);
	assert_int_equal(dlg_step_index(accept, "accept"), 0);
	assert_int_equal(dlg_step_index(accept, "rating"), 1);
	assert_int_equal(dlg_step_index(accept, "comment"), 2);
	assert_int_equal(dlg_step_index(intake, "nope"), -1);
	assert_int_equal(dlg_step_index(NULL, "room"), -1);
}

static void test_result_limits(void **state)
{
	struct dlg_result r;
	struct dlg_reply *rep;
	int i;

	(void)state;
	dlg_result_init(&r);
	for (i = 0; i < DLG_MAX_REPLIES; i++)
		assert_non_null(dlg_result_reply(&r, "x"));
	assert_null(dlg_result_reply(&r, "one too many"));
	assert_int_equal(r.nreplies, DLG_MAX_REPLIES);
	rep = &r.replies[0];
	for (i = 0; i < MSG_MAX_BUTTONS; i++)
		assert_int_equal(dlg_reply_button(rep, "l", "d"), 0);
	assert_true(dlg_reply_button(rep, "l", "d") < 0);
	assert_true(dlg_reply_button(NULL, "l", "d") < 0);
	r.comment = strdup("kept until release");
	dlg_result_release(&r);
	assert_int_equal(r.nreplies, 0);
	assert_null(r.comment);
	dlg_result_release(&r); /* twice is harmless */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_triggers_set_category),
	        T(test_group_needs_trigger_or_address),
	        T(test_private_text_is_description),
	        T(test_no_flow_words),
	        T(test_full_intake_zh),
	        T(test_confirm_words),
	        T(test_full_intake_en),
	        T(test_button_labels_as_text),
	        T(test_details_in_first_message),
	        T(test_details_at_description_step),
	        T(test_saved_details_yes),
	        T(test_saved_details_no),
	        T(test_back_from_each_step),
	        T(test_back_reaches_picked_up_details),
	        T(test_back_to_description_matches_again),
	        T(test_cancel_at_every_step),
	        T(test_help_does_not_count),
	        T(test_bad_answers_reask),
	        T(test_three_failures_offer_a_person),
	        T(test_catalogue_in_summary),
	        T(test_out_of_scope_first_message),
	        T(test_out_of_scope_at_description),
	        T(test_trigger_restarts_intake),
	        T(test_state_json_round_trip),
	        T(test_state_json_round_trip_mid_dialog),
	        T(test_state_json_garbage),
	        T(test_unknown_step_restarts),
	        T(test_prompt_reasks),
	        T(test_accept_question),
	        T(test_accept_rate_comment),
	        T(test_complaint_resolution_question),
	        T(test_rating_answers),
	        T(test_comment_skip),
	        T(test_accept_rework),
	        T(test_accept_in_residents_words),
	        T(test_long_comment_is_cut_not_lost),
	        T(test_long_comment_keeps_zwj_sequences_whole),
	        T(test_accept_later_and_no_rating),
	        T(test_accept_suspends_intake),
	        T(test_rework_resumes_intake),
	        T(test_word_classes),
	        T(test_language),
	        T(test_triggers),
	        T(test_match_and_scope),
	        T(test_flows_check),
	        T(test_result_limits),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
