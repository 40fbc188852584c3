/*
 * test_link.c - one resident across channels, against a real store file and
 * the demo configuration: merging two residents (identities, orders, photos
 * and sessions in one transaction, nothing left of a merge that failed
 * halfway), the confirmation code's life (expiry, tries, the lock, too many
 * requests) on a clock the test moves, and the whole of it through the core:
 * a resident on the web chat and the same person at the terminal, the code
 * on the other chat, no hint to a stranger whether a number is known,
 * notices that follow the resident, and a notice sent again elsewhere when
 * the platform refused it for good.
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
#include <jansson.h>

#include "bot/config.h"
#include "bot/core.h"
#include "bot/link.h"
#include "lib/clock.h"
#include "store/store.h"
#include "storefx.h"
#include "store/store_link.h"

#include "helpers.h"

#define T0 1795741200 /* 2026-11-27 09:00 Asia/Shanghai */

static int64_t clock_ms = (int64_t)T0 * 1000;

static int64_t test_clock(enum clock_kind kind)
{
	(void)kind;
	return clock_ms;
}

static void later(int64_t seconds)
{
	clock_ms += seconds * 1000;
}

struct fx {
	char dir[STOREFX_DIRLEN];
	char path[STOREFX_PATHLEN];
	struct store *s;
	struct core *c;
	int seq;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	clock_ms = (int64_t)T0 * 1000;
	clock_set_source(test_clock);
	fx->s = storefx_open("test_link", fx->dir, fx->path);
	fx->c = core_new(demo, fx->s);
	assert_non_null(fx->c);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	core_free(fx->c);
	storefx_remove(fx->s, fx->dir, fx->path);
	free(fx);
	clock_set_source(NULL);
	return 0;
}

/* ---- helpers ------------------------------------------------------------------------- */

static int64_t resident(struct fx *fx, const char *channel, const char *user, const char *phone)
{
	struct store_resident r;

	assert_int_equal(store_resident_ensure(fx->s, channel, user, T0, &r), 0);
	assert_int_equal(store_identity_seen(fx->s, channel, user, user, T0), 0);
	if (phone) {
		snprintf(r.phone, sizeof(r.phone), "%s", phone);
		snprintf(r.name, sizeof(r.name), "李伟");
		assert_int_equal(store_resident_save(fx->s, &r, T0), 0);
	}
	return r.id;
}

static void order_for(struct fx *fx, int64_t rid, const char *channel, const char *user,
                      const char *status, char *number)
{
	struct store_order o;

	memset(&o, 0, sizeof(o));
	snprintf(o.community, sizeof(o.community), "demo");
	snprintf(o.status, sizeof(o.status), "%s", status);
	snprintf(o.category, sizeof(o.category), "repair");
	snprintf(o.description, sizeof(o.description), "厨房水管漏水");
	o.resident_id = rid;
	snprintf(o.channel, sizeof(o.channel), "%s", channel);
	snprintf(o.chat, sizeof(o.chat), "%s", user);
	snprintf(o.user, sizeof(o.user), "%s", user);
	o.fee = -1;
	assert_int_equal(store_order_create(fx->s, &o, T0, "system", channel), 0);
	strcpy(number, o.number);
}

static int64_t owner_of(struct fx *fx, const char *channel, const char *user)
{
	struct store_resident r;

	assert_int_equal(store_resident_ensure(fx->s, channel, user, T0, &r), 0);
	return r.id;
}

static int64_t order_owner(struct fx *fx, const char *number, struct store_order *o)
{
	assert_int_equal(store_order_get(fx->s, number, o), 1);
	return o->resident_id;
}

/* The one number query SQL (with ?1 = ARG) returns (0 when no row), from a connection of its own.
 */
static int64_t raw_count(struct fx *fx, const char *sql, long long arg)
{
	const char *p = strstr(sql, "?1");
	char q[512];

	assert_non_null(p);
	snprintf(q, sizeof(q), "%.*s%lld%s", (int)(p - sql), sql, arg, p + 2);
	return storefx_int(fx->path, q);
}

static int count_actions(const struct store_event *e, void *ud)
{
	if (strcmp(e->action, "linked") == 0)
		++*(int *)ud;
	return 0;
}

/* ---- merging ------------------------------------------------------------------------- */

static void test_merge_moves_everything(void **state)
{
	struct fx *fx = *state;
	struct store_resident r;
	struct store_resident_link l;
	struct store_photo ph;
	struct store_order o;
	char n1[24], n2[24], n3[24], *json = NULL;
	int64_t a, b, at = 0;
	int linked = 0;

	a = resident(fx, "web", "v1", "13800138000");
	b = resident(fx, "terminal", "resident:li", NULL);
	order_for(fx, a, "web", "v1", "pending", n1);
	order_for(fx, b, "terminal", "resident:li", "assigned", n2);
	order_for(fx, b, "terminal", "resident:li", "closed", n3);
	memset(&ph, 0, sizeof(ph));
	ph.resident_id = b;
	strcpy(ph.hash, "ab");
	strcpy(ph.type, "png");
	strcpy(ph.path, "/nowhere.png");
	ph.at = T0;
	assert_int_equal(store_photo_add(fx->s, &ph), 1);
	assert_int_equal(store_session_put(fx->s, "terminal", "resident:li", "resident:li",
	                                   "{\"flow\":\"intake\"}", T0),
	                 0);

	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(
	        store_residents_merge(fx->s, a, b, T0 + 5, "resident:2", "terminal", "linked", "x"),
	        0);
	assert_int_equal(store_commit(fx->s), 0);

	/* Both identities, all three orders and the photo are the survivor's. */
	assert_int_equal(owner_of(fx, "terminal", "resident:li"), a);
	assert_int_equal(owner_of(fx, "web", "v1"), a);
	assert_int_equal(order_owner(fx, n1, &o), a);
	assert_int_equal(order_owner(fx, n2, &o), a);
	assert_int_equal(order_owner(fx, n3, &o), a);
	assert_int_equal(
	        raw_count(fx, "SELECT count(*) FROM photos WHERE resident_id = ?1", (long long)a),
	        1);
	/* Where each order is notified is left alone; the session goes on as it was. */
	assert_string_equal(o.channel, "terminal");
	assert_int_equal(
	        store_session_get(fx->s, "terminal", "resident:li", "resident:li", &json, &at), 1);
	assert_string_equal(json, "{\"flow\":\"intake\"}");
	free(json);
	/* The open orders say so in their history; the closed one does not change. */
	assert_int_equal(store_order_get(fx->s, n2, &o), 1);
	assert_int_equal(store_events_list(fx->s, o.id, count_actions, &linked), 0);
	assert_int_equal(linked, 1);
	linked = 0;
	assert_int_equal(store_order_get(fx->s, n1, &o), 1);
	assert_int_equal(store_events_list(fx->s, o.id, count_actions, &linked), 0);
	assert_int_equal(linked, 1);
	linked = 0;
	assert_int_equal(store_order_get(fx->s, n3, &o), 1);
	assert_int_equal(store_events_list(fx->s, o.id, count_actions, &linked), 0);
	assert_int_equal(linked, 0);
	/* The one merged away points at the survivor and no longer answers to the phone. */
	assert_int_equal(store_resident_link_get(fx->s, b, &l), 1);
	assert_int_equal(l.merged_into, a);
	assert_int_equal(store_resident_get(fx->s, b, &r), 1);
	assert_string_equal(r.phone, "");
	assert_int_equal(store_resident_get(fx->s, a, &r), 1);
	assert_string_equal(r.phone, "13800138000");
	assert_string_equal(r.name, "李伟");

	/* Merging again, into itself, or into one that is gone is refused and changes nothing. */
	assert_int_equal(store_residents_merge(fx->s, a, b, T0, "x", "x", "linked", ""), 1);
	assert_non_null(strstr(store_errmsg(fx->s), "merged into"));
	assert_int_equal(store_residents_merge(fx->s, a, a, T0, "x", "x", "linked", ""), 1);
	assert_int_equal(store_residents_merge(fx->s, a, 999, T0, "x", "x", "linked", ""), 1);
	assert_non_null(strstr(store_errmsg(fx->s), "no resident 999"));
}

/* A trigger that refuses the merge's event, made from a connection of the test's own. */
#define SQLITE_REFUSE                                                                              \
	"CREATE TRIGGER refuse BEFORE INSERT ON order_events WHEN NEW.action = 'linked'"           \
	" BEGIN SELECT RAISE(ABORT, 'injected'); END"
#define PG_REFUSE                                                                                  \
	"CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN"                     \
	" IF NEW.action = 'linked' THEN RAISE EXCEPTION 'injected'; END IF; RETURN NEW; END$$;"    \
	" CREATE TRIGGER refuse BEFORE INSERT ON order_events FOR EACH ROW EXECUTE FUNCTION "      \
	"refuse()"

static void test_merge_rolls_back(void **state)
{
	struct fx *fx = *state;
	struct store_resident_link l;
	struct store_order o;
	char n1[24], n2[24];
	int64_t a, b;

	a = resident(fx, "web", "v1", "13800138000");
	b = resident(fx, "terminal", "resident:li", NULL);
	order_for(fx, a, "web", "v1", "pending", n1);
	order_for(fx, b, "terminal", "resident:li", "pending", n2);
	/* The history refuses the merge's event: everything before it must be undone. */
	assert_int_equal(storefx_exec(fx->path, storefx_pg() ? PG_REFUSE : SQLITE_REFUSE), 0);
	assert_int_equal(store_begin(fx->s), 0);
	assert_true(store_residents_merge(fx->s, a, b, T0, "x", "terminal", "linked", "") < 0);
	assert_non_null(strstr(store_errmsg(fx->s), "injected"));
	/* The caller's transaction is still usable, and nothing moved. */
	assert_int_equal(store_commit(fx->s), 0);
	assert_int_equal(owner_of(fx, "terminal", "resident:li"), b);
	assert_int_equal(order_owner(fx, n2, &o), b);
	assert_int_equal(order_owner(fx, n1, &o), a);
	assert_int_equal(store_resident_link_get(fx->s, b, &l), 1);
	assert_int_equal(l.merged_into, 0);
	/* On its own (no outer transaction) it rolls back the same way. */
	assert_true(store_residents_merge(fx->s, a, b, T0, "x", "terminal", "linked", "") < 0);
	assert_int_equal(owner_of(fx, "terminal", "resident:li"), b);
	assert_int_equal(storefx_exec(fx->path, storefx_pg()
	                                                ? "DROP TRIGGER refuse ON order_events;"
	                                                  " DROP FUNCTION refuse()"
	                                                : "DROP TRIGGER refuse"),
	                 0);
	assert_int_equal(store_residents_merge(fx->s, a, b, T0, "x", "terminal", "linked", ""), 0);
	assert_int_equal(owner_of(fx, "terminal", "resident:li"), a);
}

/* ---- the code's life ---------------------------------------------------------------------- */

static void test_code_lifecycle(void **state)
{
	struct fx *fx = *state;
	struct store_link_code c;
	int64_t b = resident(fx, "terminal", "resident:li", NULL), until = 0;
	int i;

	assert_int_equal(store_link_state(fx->s, b, clock_now(), &c), STORE_LINK_NONE);
	assert_int_equal(store_link_issue(fx->s, b, 7, "salt", "hash", clock_now(), &until), 0);
	assert_int_equal(store_link_state(fx->s, b, clock_now(), &c), STORE_LINK_PENDING);
	assert_int_equal(c.target_id, 7);
	assert_string_equal(c.hash, "hash");
	/* Ten minutes, not a second more. */
	later(STORE_LINK_TTL - 1);
	assert_int_equal(store_link_state(fx->s, b, clock_now(), &c), STORE_LINK_PENDING);
	later(1);
	assert_int_equal(store_link_state(fx->s, b, clock_now(), &c), STORE_LINK_EXPIRED);

	/* A new code; four wrong tries leave one; the fifth locks for an hour. */
	assert_int_equal(store_link_issue(fx->s, b, 7, "s2", "h2", clock_now(), &until), 0);
	for (i = 1; i < STORE_LINK_TRIES; i++)
		assert_int_equal(store_link_wrong(fx->s, b, clock_now(), &until),
		                 STORE_LINK_TRIES - i);
	/* Asking for a fresh code does not give the tries back. */
	assert_int_equal(store_link_issue(fx->s, b, 7, "s3", "h3", clock_now(), &until), 0);
	assert_int_equal(store_link_wrong(fx->s, b, clock_now(), &until), 0);
	assert_int_equal(until, clock_now() + STORE_LINK_LOCK);
	assert_int_equal(store_link_state(fx->s, b, clock_now(), &c), STORE_LINK_LOCKED);
	/* Locked: no new code either. */
	assert_int_equal(store_link_issue(fx->s, b, 7, "s4", "h4", clock_now(), &until),
	                 STORE_LINK_LOCKED);
	later(STORE_LINK_LOCK - 1);
	assert_int_equal(store_link_state(fx->s, b, clock_now(), &c), STORE_LINK_LOCKED);
	/* After the hour the old code is not good, and tries count afresh. */
	later(1);
	assert_int_equal(store_link_state(fx->s, b, clock_now(), &c), STORE_LINK_NONE);
	assert_int_equal(store_link_issue(fx->s, b, 7, "s5", "h5", clock_now(), &until), 0);
	assert_int_equal(store_link_state(fx->s, b, clock_now(), &c), STORE_LINK_PENDING);
	assert_int_equal(store_link_wrong(fx->s, b, clock_now(), &until), STORE_LINK_TRIES - 1);
	assert_int_equal(store_link_forget(fx->s, b), 0);
	assert_int_equal(store_link_state(fx->s, b, clock_now(), &c), STORE_LINK_NONE);
}

static void test_code_requests_limited(void **state)
{
	struct fx *fx = *state;
	struct store_link_code c;
	int64_t b = resident(fx, "terminal", "resident:li", NULL), until = 0;
	int i;

	for (i = 0; i < STORE_LINK_REQUESTS; i++) {
		assert_int_equal(store_link_issue(fx->s, b, 0, "s", "h", clock_now(), &until), 0);
		later(60);
	}
	/* One more within the hour: locked, as for wrong codes. */
	assert_int_equal(store_link_issue(fx->s, b, 0, "s", "h", clock_now(), &until),
	                 STORE_LINK_LOCKED);
	assert_int_equal(until, clock_now() + STORE_LINK_LOCK);
	assert_int_equal(store_link_state(fx->s, b, clock_now(), &c), STORE_LINK_LOCKED);
	later(STORE_LINK_LOCK);
	assert_int_equal(store_link_issue(fx->s, b, 0, "s", "h", clock_now(), &until), 0);
}

/* ---- through the core --------------------------------------------------------------------- */

/* CHANNEL's user USER (in their private chat) says TEXT now. */
static void say(struct fx *fx, const char *channel, const char *user, const char *text)
{
	struct msg_in in;
	char id[32];

	memset(&in, 0, sizeof(in));
	snprintf(id, sizeof(id), "m%d", ++fx->seq);
	in.channel = channel;
	in.id = id;
	in.chat = user;
	in.user = user;
	in.text = text;
	assert_int_equal(store_begin(fx->s), 0);
	if (core_handle(fx->c, &in, clock_now()) < 0)
		fail_msg("core_handle(%s): %s", text, store_errmsg(fx->s));
	assert_int_equal(store_commit(fx->s), 0);
}

struct heard {
	struct fx *fx;
	char text[8192];
};

static int take_row(const struct store_outbox *m, void *ud)
{
	struct heard *h = ud;
	json_t *j = json_loads(m->payload, 0, NULL);
	const char *t = json_string_value(json_object_get(j, "text"));

	if (strlen(h->text) + strlen(t ? t : "") + 2 < sizeof(h->text)) {
		strcat(h->text, t ? t : "");
		strcat(h->text, "\n");
	}
	json_decref(j);
	return store_outbox_sent(h->fx->s, m->id, clock_now()) < 0;
}

/* What waits for CHANNEL/CHAT (static; marked delivered). */
static const char *heard(struct fx *fx, const char *channel, const char *chat)
{
	static struct heard h;

	memset(&h, 0, sizeof(h));
	h.fx = fx;
	assert_int_equal(store_outbox_for_chat(fx->s, channel, chat, take_row, &h), 0);
	return h.text;
}

/* The six digits after "验证码：" in TEXT, into CODE. */
static void code_in(const char *text, char code[8])
{
	const char *p = strstr(text, "验证码：");

	assert_non_null(p);
	p += strlen("验证码：");
	memcpy(code, p, 6);
	code[6] = '\0';
}

static const char *const intake[] = {"/repair",     "厨房水管漏水", "3-2-501", "李伟",
                                     "13800138000", "今天下午3点",  "yes"};

static void file_on_web(struct fx *fx, const char *visitor)
{
	size_t i;

	for (i = 0; i < sizeof(intake) / sizeof(intake[0]); i++)
		say(fx, "web", visitor, intake[i]);
	assert_non_null(strstr(heard(fx, "web", visitor), "已为您登记，工单号 261127-001"));
}

static void test_link_through_the_core(void **state)
{
	struct fx *fx = *state;
	struct store_order o;
	char code[8], known[2048];
	const char *out;

	file_on_web(fx, "v1");
	/* A stranger asks for a number nobody has, the resident for theirs: the same words. */
	say(fx, "terminal", "resident:x", "/link 13900139000");
	out = heard(fx, "terminal", "resident:x");
	assert_non_null(strstr(out, "如果这个号码已在我们这里登记"));
	say(fx, "terminal", "resident:li", "/link 138 0013 8000");
	snprintf(known, sizeof(known), "%s", heard(fx, "terminal", "resident:li"));
	assert_string_equal(known, out);
	/* The code went to the web chat of the resident who saved the number. */
	out = heard(fx, "web", "v1");
	assert_non_null(strstr(out, "有人在“terminal”上留了您的手机号 138****8000"));
	code_in(out, code);
	/* The stranger's wrong code and the resident's wrong code read alike. */
	say(fx, "terminal", "resident:x", "000000");
	out = heard(fx, "terminal", "resident:x");
	assert_non_null(strstr(out, "验证码不对，还可以再试 4 次"));
	say(fx, "terminal", "resident:li", strcmp(code, "000000") ? "000000" : "000001");
	assert_string_equal(heard(fx, "terminal", "resident:li"), out);

	/* The right code links the two: the order is the terminal's too. */
	later(60);
	say(fx, "terminal", "resident:li", code);
	out = heard(fx, "terminal", "resident:li");
	assert_non_null(strstr(out, "绑定成功"));
	assert_non_null(strstr(heard(fx, "web", "v1"), "您在“terminal”上的聊天已与这里合并"));
	assert_int_equal(owner_of(fx, "terminal", "resident:li"), owner_of(fx, "web", "v1"));
	say(fx, "terminal", "resident:li", "/orders");
	assert_non_null(strstr(heard(fx, "terminal", "resident:li"), "261127-001"));
	/* It was typed at the terminal last: the next notice goes there. */
	assert_int_equal(store_order_get(fx->s, "261127-001", &o), 1);
	assert_string_equal(o.channel, "terminal");
	say(fx, "terminal", "staff:wang", "/accept 261127-001");
	assert_non_null(strstr(heard(fx, "terminal", "resident:li"), "王师傅 接单"));
	assert_string_equal(heard(fx, "web", "v1"), "");
	/* The resident writes on the web: notices follow. */
	later(60);
	say(fx, "web", "v1", "/my");
	heard(fx, "web", "v1");
	say(fx, "terminal", "staff:wang", "/eta 261127-001 15:00");
	assert_non_null(strstr(heard(fx, "web", "v1"), "261127-001"));
	assert_string_equal(heard(fx, "terminal", "resident:li"), "");
	/* /notify picks one for good, whoever wrote last. */
	say(fx, "terminal", "resident:li", "/notify terminal");
	assert_non_null(strstr(heard(fx, "terminal", "resident:li"), "以后的通知发到“terminal”"));
	later(60);
	say(fx, "web", "v1", "/my");
	heard(fx, "web", "v1");
	say(fx, "terminal", "staff:wang", "/start 261127-001");
	assert_non_null(strstr(heard(fx, "terminal", "resident:li"), "261127-001"));
	assert_string_equal(heard(fx, "web", "v1"), "");
	say(fx, "terminal", "resident:li", "/notify nowhere");
	assert_non_null(
	        strstr(heard(fx, "terminal", "resident:li"), "您没有在“nowhere”上与我们聊过"));

	/* Done, and the resident answers from the other chat: the question follows them. */
	say(fx, "terminal", "staff:wang", "/done 261127-001");
	assert_non_null(strstr(heard(fx, "terminal", "resident:li"), "问题解决了吗"));
	say(fx, "web", "v1", "yes");
	assert_non_null(strstr(heard(fx, "web", "v1"), "请为本次服务打分"));
	say(fx, "web", "v1", "5");
	say(fx, "web", "v1", "skip");
	assert_int_equal(store_order_get(fx->s, "261127-001", &o), 1);
	assert_string_equal(o.status, "closed");
	assert_int_equal(o.rating, 5);

	/* /unlink detaches the chat it is said in; the orders stay with the resident. */
	say(fx, "terminal", "resident:li", "/unlink");
	assert_non_null(strstr(heard(fx, "terminal", "resident:li"), "已解除绑定"));
	assert_true(owner_of(fx, "terminal", "resident:li") != owner_of(fx, "web", "v1"));
	assert_int_equal(order_owner(fx, "261127-001", &o), owner_of(fx, "web", "v1"));
	assert_string_equal(o.channel, "web");
	say(fx, "terminal", "resident:li", "/my");
	assert_non_null(strstr(heard(fx, "terminal", "resident:li"), "您还没有工单"));
	say(fx, "terminal", "resident:li", "/unlink");
	assert_non_null(strstr(heard(fx, "terminal", "resident:li"), "没有与其他渠道绑定"));
}

static void test_wrong_codes_lock(void **state)
{
	struct fx *fx = *state;
	char code[8], line[32];
	const char *out;
	int i;

	file_on_web(fx, "v1");
	say(fx, "terminal", "resident:li", "/link 13800138000");
	heard(fx, "terminal", "resident:li");
	code_in(heard(fx, "web", "v1"), code);
	for (i = 0; i < 5; i++)
		say(fx, "terminal", "resident:li", strcmp(code, "999999") ? "999999" : "999998");
	out = heard(fx, "terminal", "resident:li");
	assert_non_null(strstr(out, "还可以再试 1 次"));
	assert_non_null(strstr(out, "尝试次数太多，绑定已暂停到 11月27日 10:00"));
	/* Even the right code does nothing now, and no new code is sent. */
	say(fx, "terminal", "resident:li", code);
	assert_non_null(strstr(heard(fx, "terminal", "resident:li"), "尝试次数太多"));
	say(fx, "terminal", "resident:li", "/link 13800138000");
	assert_non_null(strstr(heard(fx, "terminal", "resident:li"), "尝试次数太多"));
	assert_string_equal(heard(fx, "web", "v1"), "");
	assert_true(owner_of(fx, "terminal", "resident:li") != owner_of(fx, "web", "v1"));
	/* An hour later the old code is spent; a new one works. */
	later(3600);
	snprintf(line, sizeof(line), "/link %s", code);
	say(fx, "terminal", "resident:li", line);
	assert_non_null(strstr(heard(fx, "terminal", "resident:li"), "没有等待输入的验证码"));
	say(fx, "terminal", "resident:li", "/link 13800138000");
	heard(fx, "terminal", "resident:li");
	code_in(heard(fx, "web", "v1"), code);
	/* Ten minutes and a second later it has run out. */
	later(601);
	say(fx, "terminal", "resident:li", code);
	assert_non_null(strstr(heard(fx, "terminal", "resident:li"), "验证码已过期"));
}

static void test_intake_with_known_phone(void **state)
{
	struct fx *fx = *state;
	char code[8];
	size_t i;

	file_on_web(fx, "v1");
	/* The same person files at the terminal with the same number: nothing is said there, */
	for (i = 0; i < sizeof(intake) / sizeof(intake[0]); i++)
		say(fx, "terminal", "resident:li", intake[i]);
	assert_null(strstr(heard(fx, "terminal", "resident:li"), "验证码"));
	/* the code is on the web chat, and typing it at the terminal links them. */
	code_in(heard(fx, "web", "v1"), code);
	say(fx, "terminal", "resident:li", code);
	assert_non_null(strstr(heard(fx, "terminal", "resident:li"), "绑定成功"));
	say(fx, "web", "v1", "/my");
	assert_non_null(strstr(heard(fx, "web", "v1"), "261127-002"));
}

static void test_dead_notice_goes_elsewhere(void **state)
{
	struct fx *fx = *state;
	struct store_order o;
	char code[8], channel[16], chat[96], *payload = NULL;
	int64_t id = 0;

	file_on_web(fx, "v1");
	say(fx, "terminal", "resident:li", "/link 13800138000");
	heard(fx, "terminal", "resident:li");
	code_in(heard(fx, "web", "v1"), code);
	say(fx, "terminal", "resident:li", code);
	heard(fx, "terminal", "resident:li");
	heard(fx, "web", "v1");
	/* A notice to the terminal is refused for good: it goes to the web chat instead. */
	assert_int_equal(store_outbox_add(fx->s, "terminal", "resident:li", "{\"text\":\"通知一\"}",
	                                  clock_now(), &id),
	                 0);
	assert_int_equal(store_outbox_dead(fx->s, id, "HTTP 403"), 0);
	assert_int_equal(link_fallback(fx->s, demo, id, clock_now()), 0);
	assert_string_equal(heard(fx, "web", "v1"), "通知一\n");
	assert_int_equal(store_order_get(fx->s, "261127-001", &o), 1);
	assert_string_equal(o.channel, "web");
	/* Once only, and never back and forth. */
	assert_int_equal(link_fallback(fx->s, demo, id, clock_now()), 0);
	assert_string_equal(heard(fx, "web", "v1"), "");
	assert_int_equal(raw_count(fx, "SELECT count(*) FROM link_reroutes WHERE dead_id = ?1",
	                           (long long)id),
	                 1);
	id = raw_count(fx, "SELECT new_id FROM link_reroutes WHERE dead_id = ?1", (long long)id);
	assert_int_equal(
	        store_outbox_row(fx->s, id, channel, sizeof(channel), chat, sizeof(chat), &payload),
	        1);
	free(payload);
	assert_int_equal(store_outbox_dead(fx->s, id, "gone too"), 0);
	assert_int_equal(link_fallback(fx->s, demo, id, clock_now()), 0);
	assert_string_equal(heard(fx, "web", "v1"), "");
	assert_string_equal(heard(fx, "terminal", "resident:li"), "");
	/* A staff chat's message is nobody's to follow. */
	assert_int_equal(store_outbox_add(fx->s, "terminal", "staff:wang", "{\"text\":\"x\"}",
	                                  clock_now(), &id),
	                 0);
	assert_int_equal(store_outbox_dead(fx->s, id, "x"), 0);
	assert_int_equal(link_fallback(fx->s, demo, id, clock_now()), 0);
	assert_int_equal(raw_count(fx, "SELECT count(*) FROM link_reroutes WHERE dead_id = ?1",
	                           (long long)id),
	                 0);
}

static void test_channel_off_goes_elsewhere(void **state)
{
	struct fx *fx = *state;
	char n[24];
	int64_t a, b;

	/* The resident once wrote on a channel that is switched off now, and on the web. */
	b = resident(fx, "telegram", "777", NULL);
	a = resident(fx, "web", "v1", "13800138000");
	order_for(fx, b, "telegram", "777", "pending", n);
	assert_int_equal(store_residents_merge(fx->s, a, b, T0, "desk", "cli", "merged", ""), 0);
	say(fx, "terminal", "staff:wang", "/accept 261127-001");
	assert_non_null(strstr(heard(fx, "web", "v1"), "261127-001 已由 王师傅 接单"));
	assert_string_equal(heard(fx, "telegram", "777"), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_merge_moves_everything, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_merge_rolls_back, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_code_lifecycle, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_code_requests_limited, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_link_through_the_core, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_wrong_codes_lock, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_intake_with_known_phone, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_dead_notice_goes_elsewhere, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_channel_off_goes_elsewhere, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
