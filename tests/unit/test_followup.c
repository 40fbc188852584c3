/*
 * test_followup.c - choosing the closed orders a follow-up visit asks about
 * (bot/followup.c: followup_sample), the follow-up dialog as the engine runs
 * it (dialogs/followup.c), and the "followup" configuration (bot/config.c).
 *
 * The sample must cover every category and every staff member among the
 * candidates, reach the configured share, and be the same for the same
 * orders whatever order they come in.
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
#include "bot/followup.h"
#include "dialogs/engine.h"
#include "store/store.h"
#include "tests/unit/helpers.h"

#define MAXC 64

/* N candidates: number "261127-NNN", categories and staff cycling through the lists given. */
static size_t make(struct followup_candidate *c, char numbers[][16], size_t n,
                   const char *const *cats, size_t ncats, const char *const *staff, size_t nstaff)
{
	for (size_t i = 0; i < n; i++) {
		snprintf(numbers[i], 16, "261127-%03d", (int)(i + 1) % 1000);
		c[i].number = numbers[i];
		c[i].category = cats[i % ncats];
		c[i].assignee = staff[i % nstaff];
	}
	return n;
}

static int count(const unsigned char *picked, size_t n)
{
	int k = 0;

	for (size_t i = 0; i < n; i++)
		k += picked[i];
	return k;
}

/* Every category and every non-empty assignee among C has a picked order. */
static void assert_covers(const struct followup_candidate *c, size_t n, const unsigned char *picked)
{
	for (size_t i = 0; i < n; i++) {
		int cat = 0, who = !(c[i].assignee && *c[i].assignee);

		for (size_t j = 0; j < n; j++) {
			if (!picked[j])
				continue;
			cat |= strcmp(c[j].category, c[i].category) == 0;
			who |= c[i].assignee && c[j].assignee &&
			       strcmp(c[j].assignee, c[i].assignee) == 0;
		}
		if (!cat || !who)
			fail_msg("%s (%s, %s) is not represented", c[i].number, c[i].category,
			         c[i].assignee);
	}
}

static void test_rate(void **state)
{
	static const char *const cats[] = {"repair"}, *const staff[] = {"wang"};
	struct followup_candidate c[MAXC];
	char numbers[MAXC][16];
	unsigned char picked[MAXC];
	size_t n = make(c, numbers, 10, cats, 1, staff, 1);

	(void)state;
	/* 30% of 10 is 3 (not 4: 0.3 * 10 is a hair over 3 in floating point). */
	assert_int_equal(followup_sample(c, n, 0.3, picked), 3);
	assert_int_equal(count(picked, n), 3);
	/* A share rounds up: 30% of 4 is 2; of 1, 1. */
	assert_int_equal(followup_sample(c, 4, 0.3, picked), 2);
	assert_int_equal(followup_sample(c, 1, 0.3, picked), 1);
	assert_int_equal(followup_sample(c, n, 1.0, picked), 10);
	/* Rate 0: none, not even for coverage. */
	assert_int_equal(followup_sample(c, n, 0.0, picked), 0);
	assert_int_equal(count(picked, n), 0);
	assert_int_equal(followup_sample(c, 0, 0.5, picked), 0);
}

static void test_every_category_and_staff_member(void **state)
{
	static const char *const cats[] = {"repair",   "repair", "repair",
	                                   "cleaning", "errand", "inquiry"};
	static const char *const staff[] = {"wang", "wang", "wang", "wang", "liu", "chen", ""};
	struct followup_candidate c[MAXC];
	char numbers[MAXC][16];
	unsigned char picked[MAXC];
	size_t n = make(c, numbers, 42, cats, 6, staff, 7);
	int k;

	(void)state;
	/* 10% of 42 is 5, but four categories and three people need more than the hash gives. */
	k = followup_sample(c, n, 0.1, picked);
	assert_true(k >= 5);
	assert_int_equal(count(picked, n), k);
	assert_covers(c, n, picked);
	/* Coverage is met with few: four categories and three people fit in at most 7. */
	assert_true(k <= 7);

	/* One rare category, one rare person: each is still in. */
	c[41].category = "complaint-like";
	c[40].assignee = "zhou";
	k = followup_sample(c, n, 0.05, picked);
	assert_covers(c, n, picked);
	assert_true(picked[41]);
	assert_true(picked[40]);
}

static void test_deterministic(void **state)
{
	static const char *const cats[] = {"repair", "cleaning", "errand"};
	static const char *const staff[] = {"wang", "liu", "zhao", "chen"};
	struct followup_candidate c[MAXC], rev[MAXC];
	char numbers[MAXC][16];
	unsigned char a[MAXC], b[MAXC], r[MAXC];
	size_t n = make(c, numbers, 30, cats, 3, staff, 4);

	(void)state;
	assert_int_equal(followup_sample(c, n, 0.3, a), followup_sample(c, n, 0.3, b));
	assert_memory_equal(a, b, n);
	/* The same orders listed the other way round: the same ones chosen. */
	for (size_t i = 0; i < n; i++)
		rev[i] = c[n - 1 - i];
	followup_sample(rev, n, 0.3, r);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(r[n - 1 - i], a[i]);
	/* And not simply the first ones: the hash spreads the choice. */
	int first = 0;

	for (size_t i = 0; i < 9; i++)
		first += a[i];
	assert_true(first < 9);
}

/* ---- the dialog ------------------------------------------------------------------------- */

struct talk {
	struct dlg_ctx ctx;
	struct dlg_state st;
	struct dlg_result res;
};

static void talk_begin(struct talk *t)
{
	memset(t, 0, sizeof(*t));
	t->ctx.pol = &demo->policy;
	t->ctx.lang = DLG_ZH;
	dlg_state_init(&t->st, DLG_ZH);
	dlg_result_init(&t->res);
	assert_int_equal(dlg_begin_followup(&t->ctx, &t->st, "261127-001", "厨房水管漏水，很急！",
	                                    "王师傅", &t->res),
	                 0);
}

static void say(struct talk *t, const char *text)
{
	dlg_result_release(&t->res);
	assert_int_equal(dlg_handle(&t->ctx, &t->st, text, &t->res), 0);
}

static const char *last(const struct talk *t)
{
	assert_true(t->res.nreplies > 0);
	return t->res.replies[t->res.nreplies - 1].text;
}

static void test_dialog(void **state)
{
	struct talk t;

	(void)state;
	talk_begin(&t);
	assert_string_equal(t.st.flow, "followup");
	assert_string_equal(t.st.step, "resolved");
	assert_non_null(strstr(last(&t), "【回访】"));
	assert_non_null(strstr(last(&t), "261127-001（厨房水管漏水，很急！）"));
	assert_non_null(strstr(last(&t), "问题是否已经解决"));
	assert_int_equal(t.res.replies[0].nbuttons, 2);

	say(&t, "嗯嗯啊");
	assert_int_equal(t.res.action, DLG_ACT_NONE);
	assert_string_equal(t.st.step, "resolved");

	/* "没有" answers the question: not solved, not a skip. */
	say(&t, "没有");
	assert_int_equal(t.res.action, DLG_ACT_FOLLOWUP);
	assert_string_equal(t.res.question, "resolved");
	assert_int_equal(t.res.answer, 0);
	assert_non_null(strstr(last(&t), "重新打开"));
	assert_non_null(strstr(last(&t), "王师傅是否准时、礼貌"));
	assert_string_equal(t.st.step, "satisfied");

	say(&t, "是的");
	assert_string_equal(t.res.question, "satisfied");
	assert_int_equal(t.res.answer, 1);
	assert_string_equal(t.st.step, "comment");

	say(&t, "希望下次早点来");
	assert_string_equal(t.res.question, "comment");
	assert_string_equal(t.res.comment, "希望下次早点来");
	assert_int_equal(t.res.end, 1);
	assert_non_null(strstr(last(&t), "感谢"));
	dlg_result_release(&t.res);
	dlg_state_release(&t.st);

	/* Skip a question; "跳过" at the comment is no comment; "取消" stops. */
	talk_begin(&t);
	say(&t, "跳过");
	assert_int_equal(t.res.action, DLG_ACT_NONE);
	assert_string_equal(t.st.step, "satisfied");
	say(&t, "跳过");
	assert_string_equal(t.st.step, "comment");
	say(&t, "跳过");
	assert_int_equal(t.res.action, DLG_ACT_FOLLOWUP);
	assert_null(t.res.comment);
	assert_int_equal(t.res.end, 1);
	dlg_result_release(&t.res);
	dlg_state_release(&t.st);

	talk_begin(&t);
	say(&t, "取消");
	assert_int_equal(t.res.end, 1);
	assert_int_equal(t.res.action, DLG_ACT_NONE);
	dlg_result_release(&t.res);
	dlg_state_release(&t.st);

	/* A new request in the middle: the request is taken. */
	talk_begin(&t);
	say(&t, "报修 卫生间灯不亮");
	assert_string_equal(t.st.flow, "intake");
	dlg_result_release(&t.res);
	dlg_state_release(&t.st);
}

static void test_dialog_asks_the_configured_questions(void **state)
{
	char *only[] = {"satisfied"};
	struct dlg_policy pol = demo->policy;
	struct talk t;

	(void)state;
	pol.followup_questions = only;
	pol.nfollowup_questions = 1;
	memset(&t, 0, sizeof(t));
	t.ctx.pol = &pol;
	t.ctx.lang = DLG_EN;
	dlg_state_init(&t.st, DLG_EN);
	dlg_result_init(&t.res);
	dlg_begin_followup(&t.ctx, &t.st, "261127-002", "tap", "Wang", &t.res);
	assert_string_equal(t.st.step, "satisfied");
	assert_non_null(strstr(last(&t), "Was Wang on time and polite?"));
	say(&t, "no");
	assert_int_equal(t.res.answer, 0);
	assert_int_equal(t.res.end, 1);
	assert_non_null(strstr(last(&t), "Thank you"));
	dlg_result_release(&t.res);
	dlg_state_release(&t.st);
}

/* ---- the store -------------------------------------------------------------------------- */

/* An order of CATEGORY for ASSIGNEE, closed at CLOSED (0: left open). */
static int64_t order(struct store *s, const char *category, const char *assignee, int64_t closed)
{
	struct store_order o;

	memset(&o, 0, sizeof(o));
	strcpy(o.community, "demo");
	strcpy(o.status, closed ? "closed" : "assigned");
	strcpy(o.category, category);
	strcpy(o.description, "厨房水龙头漏水");
	strcpy(o.channel, "terminal");
	strcpy(o.chat, "resident:li");
	strcpy(o.user, "resident:li");
	strcpy(o.assignee, assignee);
	o.closed_at = closed;
	if (store_order_create(s, &o, 1000, "resident:1", "terminal") < 0)
		fail_msg("store_order_create: %s", store_errmsg(s));
	return o.id;
}

struct seen {
	int64_t ids[8];
	int n;
};

static int note_candidate(const struct store_fu_candidate *c, void *ud)
{
	struct seen *l = ud;

	l->ids[l->n++] = c->order_id;
	return 0;
}

static int note_followup(const struct store_followup *f, void *ud)
{
	struct seen *l = ud;

	l->ids[l->n++] = f->order_id;
	return 0;
}

static void test_store(void **state)
{
	char path[] = "/tmp/concierge-fu-store-XXXXXX", err[256];
	struct store *s = NULL;
	struct store_followup f;
	struct seen l;
	int64_t a, b, open, complaint, late;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	if (store_open(path, &s, err, sizeof(err)) < 0)
		fail_msg("store_open: %s", err);
	a = order(s, "repair", "wang", 5000);
	b = order(s, "cleaning", "liu", 6000);
	open = order(s, "repair", "wang", 0);
	complaint = order(s, "complaint", "zhao", 5500);
	late = order(s, "repair", "wang", 9000);
	(void)open;
	(void)complaint;

	/* Closed in (4000, 8000], no complaints, nothing open, nothing later. */
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_fu_candidates(s, 4000, 8000, note_candidate, &l), 0);
	assert_int_equal(l.n, 2);
	assert_true(l.ids[0] == a && l.ids[1] == b);

	/* Sampled once; sampled orders are no candidates any more. */
	assert_int_equal(store_followup_add(s, a, 8100), 1);
	assert_int_equal(store_followup_add(s, a, 8200), 0);
	memset(&l, 0, sizeof(l));
	store_fu_candidates(s, 4000, 10000, note_candidate, &l);
	assert_int_equal(l.n, 2);
	assert_true(l.ids[0] == b && l.ids[1] == late);

	assert_int_equal(store_followup_of(s, a, &f), 1);
	assert_string_equal(f.status, "sampled");
	assert_int_equal(f.sampled_at, 8100);
	assert_int_equal(f.resolved, -1);
	assert_int_equal(f.satisfied, -1);
	assert_string_equal(f.category, "repair");
	assert_string_equal(f.assignee, "wang");
	assert_int_equal(store_followup_of(s, b, &f), 0);

	assert_int_equal(store_followup_asked(s, 999, 1), -1); /* no such row */
	store_followup_of(s, a, &f);
	assert_int_equal(store_followup_asked(s, f.id, 8300), 0);
	assert_int_equal(store_followup_answer(s, f.id, "resolved", 0, NULL, 8400), 0);
	assert_int_equal(store_followup_answer(s, f.id, "comment", 0, "来晚了", 8500), 0);
	assert_int_equal(store_followup_answer(s, f.id, "mood", 1, NULL, 8500), -1);
	assert_int_equal(store_followup_reopened(s, f.id), 0);
	store_followup_of(s, a, &f);
	assert_string_equal(f.status, "answered");
	assert_int_equal(f.asked_at, 8300);
	assert_int_equal(f.answered_at, 8500);
	assert_int_equal(f.resolved, 0);
	assert_int_equal(f.satisfied, -1);
	assert_string_equal(f.comment, "来晚了");
	assert_int_equal(f.reopened, 1);

	store_followup_add(s, b, 8600);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_followups_in(s, "sampled", note_followup, &l), 0);
	assert_true(l.n == 1 && l.ids[0] == b);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_followups_recent(s, 8150, 0, note_followup, &l), 0);
	assert_true(l.n == 1 && l.ids[0] == b);
	memset(&l, 0, sizeof(l));
	store_followups_recent(s, 0, 1, note_followup, &l);
	assert_true(l.n == 1 && l.ids[0] == b);
	store_followup_of(s, b, &f);
	assert_int_equal(store_followup_set_status(s, f.id, "unanswered"), 0);
	assert_int_equal(store_followup_set_status(s, f.id, "forgotten"), -1); /* the CHECK */
	store_close(s);
	unlink(path);
}

/* ---- the configuration ---------------------------------------------------------------- */

/* Loads the example with its "followup" object replaced by FOLLOWUP; the problems in ERR. */
static int load_with(const char *followup, char *err, size_t errlen, struct cfg **out)
{
	static char text[1 << 17], path[64];
	FILE *in = fopen("config.example.json", "r"), *f;
	char *start, *end;
	size_t n;
	int fd, rc;

	assert_non_null(in);
	n = fread(text, 1, sizeof(text) - 1, in);
	fclose(in);
	text[n] = '\0';
	start = strstr(text, "\"followup\": {");
	assert_non_null(start);
	end = strchr(start, '}');
	snprintf(path, sizeof(path), "/tmp/concierge-fu-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fwrite(text, 1, (size_t)(start - text), f);
	fprintf(f, "\"followup\": %s", followup);
	fputs(end + 1, f);
	fclose(f);
	rc = cfg_load(path, out, err, errlen);
	unlink(path);
	/* Problems name the file: keep only what follows "PATH: ". */
	if (rc < 0) {
		size_t plen = strlen(path) + 2;
		char *p = err;

		while ((p = strstr(p, path)) != NULL)
			memmove(p, p + plen, strlen(p + plen) + 1);
	}
	return rc;
}

static void test_config(void **state)
{
	struct cfg *c = NULL;
	char err[4096];

	(void)state;
	assert_int_equal(demo->followup.enabled, 1);
	assert_true(demo->followup.rate > 0.29 && demo->followup.rate < 0.31);
	assert_int_equal(demo->followup.nquestions, 3);

	/* {} is on, with every default. */
	assert_int_equal(load_with("{}", err, sizeof(err), &c), 0);
	assert_int_equal(c->followup.enabled, 1);
	assert_int_equal(c->followup.delay_hours, 24);
	assert_int_equal(c->followup.hour, 10);
	assert_int_equal(c->followup.answer_days, 3);
	assert_int_equal(c->followup.reopen, 1);
	assert_int_equal(c->followup.nquestions, 3);
	assert_string_equal(c->followup.questions[2], "comment");
	cfg_free(c);
	/* null: no follow-ups. */
	assert_int_equal(load_with("null", err, sizeof(err), &c), 0);
	assert_int_equal(c->followup.enabled, 0);
	cfg_free(c);

	assert_int_equal(load_with("{\"rate\": 1.5, \"hour\": 24, \"delay_hours\": -1, "
	                           "\"questions\": [\"resolved\", \"mood\", \"resolved\"], "
	                           "\"answer_days\": 0, \"reopen\": \"yes\", \"often\": 1}",
	                           err, sizeof(err), &c),
	                 -1);
	assert_null(c);
	static const char *const want[] = {
	        "followup.often: unknown key",
	        "followup.rate: expected a number from 0 to 1 (0.3: 30%)",
	        "followup.delay_hours: must be between 0 and 8760",
	        "followup.hour: must be between 0 and 23",
	        "followup.answer_days: must be between 1 and 365",
	        "followup.reopen: expected true or false",
	        "followup.questions[1]: must be one of resolved, satisfied, comment",
	        "followup.questions[2]: \"resolved\" is asked already by followup.questions[0]",
	        NULL};
	for (int i = 0; want[i]; i++)
		if (!strstr(err, want[i]))
			fail_msg("missing: %s\n--- got:\n%s", want[i], err);
	assert_int_equal(load_with("{\"questions\": []}", err, sizeof(err), &c), -1);
	assert_non_null(strstr(err, "followup.questions: at least one question is needed"));
	assert_int_equal(load_with("[]", err, sizeof(err), &c), -1);
	assert_non_null(strstr(err, "followup: expected an object"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rate),
	        cmocka_unit_test(test_every_category_and_staff_member),
	        cmocka_unit_test(test_deterministic),
	        cmocka_unit_test(test_dialog),
	        cmocka_unit_test(test_dialog_asks_the_configured_questions),
	        cmocka_unit_test(test_store),
	        cmocka_unit_test(test_config),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
