/*
 * test_config.c - unit tests for the configuration loader (bot/config.c).
 *
 * The fixtures under tests/fixtures/config/ are the test data: each bad file
 * is checked for the exact lines it must produce, and for producing no other
 * line, so a problem silently dropped or reported twice fails the test.
 * Paths are relative: tests run from the repository root.
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

#include "adapters/generic.h"
#include "adapters/telegram.h"
#include "adapters/web_assets.h"
#include "bot/config.h"

/* Each channel's settings, as its adapter read them. */
#define TG(c)  ((const struct tg_conf *)cfg_chan((c), "telegram")->conf)
#define GEN(c) ((const struct generic_conf *)cfg_chan((c), "generic")->conf)
#define WEB(c) ((const struct web_conf *)cfg_chan((c), "web")->conf)

#define FIX "tests/fixtures/config/"

static char err[16384];

/* True when LINE is one whole line of TEXT. */
static int has_line(const char *text, const char *line)
{
	size_t len = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && (p[len] == '\n' || p[len] == '\0'))
			return 1;
	return 0;
}

static size_t count_lines(const char *text)
{
	size_t n = *text ? 1 : 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* Loads PATH, expects failure and exactly the NLINES given lines (after "PATH: "). */
static void expect_problems(const char *path, const char *const *lines, size_t nlines)
{
	struct cfg *c = (struct cfg *)1;
	char want[512];

	assert_int_equal(cfg_load(path, &c, err, sizeof(err)), -1);
	assert_null(c);
	for (size_t i = 0; i < nlines; i++) {
		snprintf(want, sizeof(want), "%s: %s", path, lines[i]);
		if (!has_line(err, want))
			fail_msg("missing line: %s\n--- got:\n%s", want, err);
	}
	if (count_lines(err) != nlines)
		fail_msg("expected %zu lines, got:\n%s", nlines, err);
}

static struct cfg *load_ok(const char *path)
{
	struct cfg *c = NULL;

	if (cfg_load(path, &c, err, sizeof(err)) != 0)
		fail_msg("%s failed to load:\n%s", path, err);
	assert_non_null(c);
	return c;
}

static void unset_example_env(void)
{
	unsetenv("TELEGRAM_TOKEN");
	unsetenv("TELEGRAM_WEBHOOK_SECRET");
	unsetenv("GENERIC_SECRET");
	unsetenv("SLACK_BOT_TOKEN");
	unsetenv("SLACK_SIGNING_SECRET");
	unsetenv("ONEBOT_ACCESS_TOKEN");
}

static void test_example(void **state)
{
	const struct cfg_staff *wang, *zhao;
	const struct dlg_item *it;
	int seen[4] = {0};
	struct cfg *c;

	(void)state;
	unset_example_env();
	c = load_ok("config.example.json");

	assert_string_equal(c->path, "config.example.json");
	assert_string_equal(c->database, "concierge.db");
	assert_string_equal(c->listen, "127.0.0.1:8080");
	assert_string_equal(c->locale, "zh-CN");
	assert_string_equal(c->timezone, "Asia/Shanghai");
	assert_string_equal(c->bot_name, "concierge");
	assert_int_equal(c->session_minutes, 30);
	assert_int_equal(c->acceptance_days, 3);
	assert_int_equal(c->low_rating, 2);

	wang = cfg_staff_find(c, "wang");
	assert_non_null(wang);
	assert_string_equal(wang->name, "王师傅");
	assert_string_equal(wang->role, "technician");
	assert_int_equal(wang->nskills, 3);
	assert_true(cfg_staff_has_skill(wang, "plumbing"));
	assert_true(cfg_staff_has_skill(wang, "carpentry"));
	assert_false(cfg_staff_has_skill(wang, "cleaning"));
	assert_true(cfg_staff_has_skill(wang, NULL));
	assert_string_equal(wang->token, "demo-wang-token-4417");
	assert_int_equal(wang->nidentities, 1);
	assert_string_equal(wang->identities[0].channel, "telegram");

	zhao = cfg_staff_find(c, "zhao");
	assert_non_null(zhao);
	assert_string_equal(zhao->name, "赵主管");
	assert_string_equal(zhao->role, "supervisor");
	assert_int_equal(zhao->nskills, 0);
	assert_false(cfg_staff_has_skill(zhao, "plumbing"));
	assert_string_equal(zhao->token, "demo-zhao-token-8265");
	assert_null(cfg_staff_find(c, "nobody"));

	/* Explicit identities, and the implicit staff:ID on terminal and web. */
	assert_ptr_equal(cfg_staff_by_identity(c, "telegram", wang->identities[0].user), wang);
	assert_ptr_equal(cfg_staff_by_identity(c, "terminal", "staff:zhao"), zhao);
	assert_ptr_equal(cfg_staff_by_identity(c, "web", "staff:wang"), wang);
	assert_null(cfg_staff_by_identity(c, "terminal", "staff:nobody"));
	assert_null(cfg_staff_by_identity(c, "terminal", "resident:wang"));
	assert_null(cfg_staff_by_identity(c, "telegram", "staff:wang"));
	assert_null(cfg_staff_by_identity(c, "telegram", "42"));

	assert_int_equal(c->ncommunities, 1);
	assert_string_equal(c->communities[0].id, "demo");
	assert_string_equal(c->communities[0].name, "阳光花园");
	assert_string_equal(c->communities[0].phone, "0571-88886666");
	assert_int_equal(c->communities[0].nstaff_chats, 2);
	assert_string_equal(c->communities[0].staff_chats[0].channel, "terminal");
	assert_string_equal(c->communities[0].staff_chats[0].chat, "staff");
	assert_string_equal(c->communities[0].staff_chats[1].channel, "web");

	for (size_t i = 0; i < c->nitems; i++) {
		static const char *const cats[] = {"repair", "cleaning", "errand", "inquiry"};

		for (int k = 0; k < 4; k++)
			if (!strcmp(c->items[i].category, cats[k]))
				seen[k] = 1;
		assert_true(c->items[i].response_minutes > 0);
		assert_non_null(c->items[i].name_zh);
		assert_non_null(c->items[i].name_en);
	}
	assert_true(seen[0] && seen[1] && seen[2] && seen[3]);

	it = cfg_item_find(c, "water");
	assert_non_null(it);
	assert_string_equal(it->category, "repair");
	assert_string_equal(it->price, "上门费 30 元，材料另计");
	assert_string_equal(it->price_en, "30 yuan call-out, parts extra");
	assert_true(it->estimate == 50.0);
	assert_string_equal(it->skill, "plumbing");
	assert_int_equal(it->response_minutes, 30);
	assert_string_equal(it->keywords[0], "漏水");
	assert_null(cfg_item_find(c, "nothing"));
	it = cfg_item_find(c, "parcel");
	assert_non_null(it);
	assert_null(it->skill);
	assert_true(it->estimate == 0.0);

	assert_true(c->out_of_scope.nkeywords > 0);
	assert_non_null(strstr(c->out_of_scope.referral_zh, "96777"));
	assert_non_null(c->out_of_scope.referral_en);

	assert_true(cfg_chan_on(c, "web"));
	assert_false(cfg_chan_on(c, "telegram"));
	assert_null(TG(c)->token); /* ${TELEGRAM_TOKEN} unset, channel off */
	assert_null(TG(c)->webhook_secret);
	assert_null(TG(c)->staff_chat);
	assert_null(TG(c)->public_url);
	assert_string_equal(TG(c)->api_base, "https://api.telegram.org");
	assert_string_equal(TG(c)->mode, "polling");
	assert_int_equal(TG(c)->poll_timeout, 30);
	assert_false(cfg_chan_on(c, "generic"));
	assert_null(GEN(c)->secret);
	assert_null(GEN(c)->callback_url);

	/* Every channel this build has no adapter for is kept and switched off. */
	for (size_t i = 0; i < c->nothers; i++) {
		assert_false(c->others[i].enabled);
		assert_non_null(c->others[i].json);
	}
	assert_false(cfg_chan_on(c, "qq"));
	cfg_free(c);
}

static void test_minimal_defaults(void **state)
{
	struct cfg *c;

	(void)state;
	c = load_ok(FIX "minimal.json");
	assert_string_equal(c->database, "concierge.db");
	assert_string_equal(c->listen, "127.0.0.1:8080");
	assert_string_equal(c->locale, "zh-CN");
	assert_string_equal(c->timezone, "Asia/Shanghai");
	assert_string_equal(c->bot_name, "concierge");
	assert_int_equal(c->session_minutes, 30);
	assert_int_equal(c->acceptance_days, 3);
	assert_int_equal(c->low_rating, 2);
	assert_int_equal(c->photo_max_kb, 5120);
	assert_int_equal(c->nstaff, 0);
	assert_int_equal(c->nitems, 1);
	assert_string_equal(c->items[0].name_zh, "Question");
	assert_string_equal(c->items[0].name_en, "Question");
	assert_int_equal(c->items[0].nkeywords, 0);
	assert_null(c->items[0].price);
	assert_null(c->items[0].price_en);
	assert_null(c->communities[0].phone);
	assert_int_equal(c->communities[0].nstaff_chats, 0);
	assert_int_equal(c->out_of_scope.nkeywords, 0);
	assert_null(c->out_of_scope.referral_zh);

	assert_true(cfg_chan_on(c, "web"));
	assert_null(WEB(c)->title);
	assert_false(cfg_chan_on(c, "telegram"));
	assert_string_equal(TG(c)->api_base, "https://api.telegram.org");
	assert_string_equal(TG(c)->mode, "polling");
	assert_int_equal(TG(c)->poll_timeout, 30);
	assert_int_equal(TG(c)->per_chat_per_sec, 1);
	assert_int_equal(TG(c)->per_group_per_min, 20);
	assert_int_equal(TG(c)->global_per_sec, 30);
	assert_false(cfg_chan_on(c, "generic"));
	assert_int_equal(c->nothers, 0);
	cfg_free(c);
}

static void test_variants(void **state)
{
	const struct cfg_staff *s;
	struct cfg *c;

	(void)state;
	c = load_ok(FIX "variants.json");
	assert_string_equal(c->listen, "[::1]:0");
	assert_string_equal(c->locale, "en");
	assert_int_equal(c->low_rating, 0);

	s = cfg_staff_find(c, "tech-1");
	assert_non_null(s);
	assert_string_equal(s->name, "tech-1"); /* name defaults to the id */
	assert_string_equal(s->identities[0].user, "123456789012");
	assert_ptr_equal(cfg_staff_by_identity(c, "telegram", "123456789012"), s);
	s = cfg_staff_find(c, "boss");
	assert_null(s->token); /* "" is no token */
	assert_null(s->skills);
	assert_string_equal(c->communities[0].staff_chats[0].chat, "-1009876543210");

	assert_string_equal(c->items[0].name_zh, "Fix things");
	assert_string_equal(c->items[0].name_en, "Fix things");
	assert_true(c->items[0].estimate == 12.5);
	assert_string_equal(c->items[1].name_zh, "Help only");
	assert_string_equal(c->items[1].name_en, "Help only");
	assert_string_equal(c->out_of_scope.referral_zh, "Please call the city hotline 12345.");
	assert_string_equal(c->out_of_scope.referral_en, "Please call the city hotline 12345.");

	assert_true(cfg_chan_on(c, "web"));
	assert_true(cfg_chan_on(c, "telegram"));
	assert_string_equal(TG(c)->token, "123:ABC");
	assert_string_equal(TG(c)->staff_chat, "-1009876543210");
	assert_string_equal(TG(c)->api_base, "http://127.0.0.1:9999");
	assert_int_equal(TG(c)->poll_timeout, 0);
	assert_int_equal(TG(c)->per_chat_per_sec, 1);
	assert_int_equal(TG(c)->per_group_per_min, 10);
	cfg_free(c);
}

static void test_many_problems(void **state)
{
	static const char *const lines[] = {
	        "colour: unknown key",
	        "listen: expected HOST:PORT",
	        "locale: must be \"zh-CN\" or \"en\"",
	        "session_minutes: expected an integer",
	        "low_rating: must be between 0 and 5",
	        "staff[0].role: must be one of technician, dispatcher, supervisor, manager",
	        "staff[0].skills[1]: expected a string",
	        "staff[1].shoe_size: unknown key",
	        "staff[1].id: \"wang\" already used by staff[0]",
	        "staff[2].id: missing",
	        "staff[3].identities[0].user: missing",
	        "staff[4].identities[0]: telegram user \"5\" already belongs to staff[3]",
	        "communities[0].name: expected a string",
	        "communities[0].staff_chats[1].channel: missing",
	        "communities[1].id: \"c1\" already used by communities[0]",
	        "catalogue[0].response_minutes: must be positive",
	        "catalogue[1].id: \"water\" already used by catalogue[0]",
	        "catalogue[2].name.fr: unknown key",
	        "catalogue[2].name: needs \"zh-CN\" or \"en\"",
	        "catalogue[2].estimate: expected a number",
	        "catalogue[3].category: must be one of repair, cleaning, errand, inquiry",
	        "catalogue[4].name: missing",
	        "catalogue[4].keywords: expected an array",
	        "out_of_scope.referral: expected a string or an object",
	        "channels.web.enabled: expected true or false",
	        "channels.telegram.mode: must be \"webhook\" or \"polling\"",
	        "channels.telegram.token: missing (required when enabled)",
	        "channels.telegram.api_base: expected an http:// or https:// URL",
	        "channels.telegram.webhook_secret: 1-256 characters of A-Za-z0-9_-",
	        "channels.telegram.staff_chat: expected a chat ID (an integer) or @channelname",
	        "channels.telegram.poll_timeout: must be between 0 and 50",
	        "channels.telegram.rate_limits.burst: unknown key",
	        "channels.telegram.rate_limits.per_chat_per_sec: must be positive",
	        "channels.generic.secret: missing (required when enabled)",
	        "channels.matrix.enabled: expected true or false",
	        "channels.xmpp: expected an object",
	};

	(void)state;
	expect_problems(FIX "many-problems.json", lines, sizeof(lines) / sizeof(lines[0]));
}

/* A staff token is a personal link: two people with one token would see each other's queue. */
static void test_duplicate_token(void **state)
{
	static const char body[] =
	        "{\"communities\": [{\"id\": \"c1\", \"name\": \"Court\"}],"
	        " \"catalogue\": [{\"id\": \"ask\", \"category\": \"inquiry\","
	        " \"name\": \"Q\", \"response_minutes\": 15}],"
	        " \"staff\": [{\"id\": \"wang\", \"role\": \"technician\","
	        " \"token\": \"s3cret-0917-wang\"},"
	        " {\"id\": \"li\", \"role\": \"technician\", \"token\": \"other-4821-li-tok\"},"
	        " {\"id\": \"wang\", \"role\": \"dispatcher\", \"token\": \"s3cret-0917-wang\"}]}";
	static const char *const lines[] = {
	        "staff[2].id: \"wang\" already used by staff[0]",
	        "staff[2].token: same as staff[0].token",
	};
	char path[] = "/tmp/test_config.XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, body, sizeof(body) - 1), (ssize_t)(sizeof(body) - 1));
	close(fd);
	expect_problems(path, lines, sizeof(lines) / sizeof(lines[0]));
	assert_null(strstr(err, "s3cret")); /* the secret is not echoed */
	unlink(path);
}

/*
 * A staff token guards a console login, the API and a personal chat link:
 * one that is short, or one character over and over, is refused with the
 * path and the reason, and never echoed. So is a weak metrics token.
 */
static void test_weak_tokens(void **state)
{
	static const char body[] =
	        "{\"communities\": [{\"id\": \"c1\", \"name\": \"Court\"}],"
	        " \"catalogue\": [{\"id\": \"ask\", \"category\": \"inquiry\","
	        " \"name\": \"Q\", \"response_minutes\": 15}],"
	        " \"staff\": [{\"id\": \"wang\", \"role\": \"technician\", \"token\": \"Q\"},"
	        " {\"id\": \"li\", \"role\": \"technician\", \"token\": "
	        "\"zzzzzzzzzzzzzzzzzzzzzzzz\"},"
	        " {\"id\": \"zhao\", \"role\": \"supervisor\", \"token\": \"0123456789 abcdef\"},"
	        " {\"id\": \"sun\", \"role\": \"dispatcher\", \"token\": \"7f3c9a21e05b4d68\"},"
	        " {\"id\": \"qian\", \"role\": \"manager\"}],"
	        " \"metrics\": {\"token\": \"abababababababababab\"}}";
	static const char *const lines[] = {
	        "staff[0].token: too short: at least 16 characters (`openssl rand -hex 16`)",
	        "staff[1].token: too easy to guess: at least 6 different characters",
	        "staff[2].token: holds a space or a control character",
	        "metrics.token: too easy to guess: at least 6 different characters",
	};
	char path[] = "/tmp/test_config.XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, body, sizeof(body) - 1), (ssize_t)(sizeof(body) - 1));
	close(fd);
	expect_problems(path, lines, sizeof(lines) / sizeof(lines[0]));
	assert_null(strstr(err, "zzzz")); /* no token is echoed */
	assert_null(strstr(err, "abab"));
	unlink(path);
}

/* A staff member's mobile number: read as given (string or integer), checked, never echoed. */
static void test_staff_phone(void **state)
{
	static const char head[] = "{\"communities\": [{\"id\": \"c1\", \"name\": \"Court\"}],"
	                           " \"catalogue\": [{\"id\": \"ask\", \"category\": \"inquiry\","
	                           " \"name\": \"Q\", \"response_minutes\": 15}],"
	                           " \"staff\": [";
	static const char good[] = "{\"id\": \"wang\", \"role\": \"technician\", \"phone\": "
	                           "\"13800138000\"}, {\"id\": \"li\", \"role\": "
	                           "\"technician\", \"phone\": 13900139000}, {\"id\": \"hk\", "
	                           "\"role\": \"dispatcher\", \"phone\": \"+85298765432\"}, "
	                           "{\"id\": \"zhao\", \"role\": \"supervisor\"}]}";
	static const char bad[] = "{\"id\": \"wang\", \"role\": \"technician\", \"phone\": "
	                          "\"138-0013-8000\"}, {\"id\": \"li\", \"role\": "
	                          "\"technician\", \"phone\": \"1234\"}, {\"id\": \"x\", "
	                          "\"role\": \"technician\", \"phone\": true}]}";
	static const char *const lines[] = {
	        "staff[0].phone: expected a mobile number: 5-20 digits, optionally after a '+'",
	        "staff[1].phone: expected a mobile number: 5-20 digits, optionally after a '+'",
	        "staff[2].phone: expected a string or an integer",
	};
	char path[] = "/tmp/test_config.XXXXXX";
	const char *parts[2][2] = {{head, good}, {head, bad}};
	struct cfg *c;
	int fd, i;

	(void)state;
	for (i = 0; i < 2; i++) {
		strcpy(path, "/tmp/test_config.XXXXXX");
		fd = mkstemp(path);
		assert_true(fd >= 0);
		assert_true(write(fd, parts[i][0], strlen(parts[i][0])) > 0);
		assert_true(write(fd, parts[i][1], strlen(parts[i][1])) > 0);
		close(fd);
		if (i == 0) {
			c = load_ok(path);
			assert_string_equal(cfg_staff_find(c, "wang")->phone, "13800138000");
			assert_string_equal(cfg_staff_find(c, "li")->phone, "13900139000");
			assert_string_equal(cfg_staff_find(c, "hk")->phone, "+85298765432");
			assert_null(cfg_staff_find(c, "zhao")->phone);
			cfg_free(c);
		} else {
			expect_problems(path, lines, sizeof(lines) / sizeof(lines[0]));
			assert_null(strstr(err, "0013")); /* the number is not echoed */
		}
		unlink(path);
	}
}

static void test_lists_required(void **state)
{
	static const char *const empty[] = {
	        "communities: at least one community is needed",
	        "catalogue: at least one item is needed",
	};
	static const char *const missing[] = {
	        "communities: missing (at least one community is needed)",
	        "catalogue: missing (at least one item is needed)",
	};

	(void)state;
	expect_problems(FIX "empty-lists.json", empty, 2);
	expect_problems(FIX "missing-lists.json", missing, 2);
}

/* The knowledge base and the emergencies: every problem with its path. */
static void test_understanding_problems(void **state)
{
	static const char *const lines[] = {
	        "complaint_hours: must be positive",
	        "photo_max_kb: must be between 64 and 5120",
	        "answers[1].examples: at least one question is needed",
	        "answers[1].id: \"fee\" already used by answers[0]",
	        "answers[2].colour: unknown key",
	        "answers[2].id: missing",
	        "answers[3].answer: missing",
	        "emergencies[1].keywords: at least one keyword is needed",
	        "emergencies[2].advice: missing",
	};

	(void)state;
	expect_problems(FIX "bad-understanding.json", lines, sizeof(lines) / sizeof(lines[0]));
}

/* Working hours and partner companies: each problem with its path. */
static void test_duty_problems(void **state)
{
	static const char *const lines[] = {
	        "staff[0].hours: \"8-18\": expected HH:MM-HH:MM (or \"off\")",
	        "staff[1].hours.fri: a day given twice",
	        "staff[2].hours.monday: expected a day or days (mon, tue, wed, thu, fri, sat, sun; "
	        "mon-fri)",
	        "staff[2].hours.sat: expected \"HH:MM-HH:MM\" or \"off\"",
	        "staff[3].hours: expected \"HH:MM-HH:MM\" or an object of days",
	        "staff[4].hours.sun: \"10:00-10:00\": start and end are the same time (the whole "
	        "day "
	        "is 00:00-24:00)",
	        "partners[0]: needs a contact or a phone",
	        "partners[1].id: \"p1\" already used by partners[0]",
	        "partners[2].id: \"a\" already used by a staff member",
	        "partners[3].contact.channel: no channel \"pigeon\" in this build",
	        "partners[4].colour: unknown key",
	        "partners[4].contact.chat: missing",
	        "partners[5].contact: expected an object {\"channel\", \"chat\"}",
	        "partners[6].id: missing",
	};

	(void)state;
	expect_problems(FIX "bad-duty.json", lines, sizeof(lines) / sizeof(lines[0]));
}

/* Hours as a string (every day) or per day, and a partner, as the example has one. */
static void test_duty_and_partners(void **state)
{
	static const char body[] =
	        "{\"communities\": [{\"id\": \"c1\", \"name\": \"C\"}],"
	        " \"catalogue\": [{\"id\": \"ask\", \"category\": \"inquiry\", \"name\": \"Q\","
	        " \"response_minutes\": 15}],"
	        " \"staff\": [{\"id\": \"a\", \"role\": \"technician\", \"hours\": "
	        "\"08:00-18:00\"},"
	        " {\"id\": \"b\", \"role\": \"technician\","
	        " \"hours\": {\"mon-fri\": \"08:00-12:00,13:00-17:00\", \"sat\": \"off\"}},"
	        " {\"id\": \"c\", \"role\": \"supervisor\"}]}";
	const struct cfg_partner *p;
	struct cfg *c;
	char path[] = "/tmp/test_config_duty_XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, body, sizeof(body) - 1), (ssize_t)(sizeof(body) - 1));
	close(fd);
	c = load_ok(path);
	unlink(path);
	assert_int_equal(cfg_staff_find(c, "a")->hours.set, 1);
	assert_int_equal(cfg_staff_find(c, "a")->hours.n[0], 1);
	assert_int_equal(cfg_staff_find(c, "a")->hours.r[3][0].end, 18 * 60);
	assert_int_equal(cfg_staff_find(c, "b")->hours.n[1], 2); /* Monday */
	assert_int_equal(cfg_staff_find(c, "b")->hours.n[6], 0); /* Saturday: off */
	assert_int_equal(cfg_staff_find(c, "b")->hours.n[0], 0); /* Sunday: not given */
	assert_int_equal(cfg_staff_find(c, "c")->hours.set, 0);  /* always */
	assert_int_equal(c->npartners, 0);
	cfg_free(c);

	unset_example_env();
	c = load_ok("config.example.json");
	p = cfg_partner_find(c, "hengtong");
	assert_non_null(p);
	assert_string_equal(p->name, "恒通水电维修");
	assert_true(cfg_partner_has_skill(p, "plumbing"));
	assert_false(cfg_partner_has_skill(p, "cleaning"));
	assert_true(cfg_partner_has_skill(p, NULL));
	assert_string_equal(p->contact.channel, "telegram");
	assert_string_equal(p->phone, "0571-88880002");
	assert_null(cfg_partner_find(c, "wang"));
	assert_null(cfg_staff_find(c, "hengtong"));
	cfg_free(c);
}

static void test_file_level_errors(void **state)
{
	static const char *const top[] = {"expected a JSON object at the top level"};
	static const char *const webhook[] = {
	        "channels.telegram.webhook_secret: missing (required in webhook mode)"};
	struct cfg *c = (struct cfg *)1;

	(void)state;
	assert_int_equal(cfg_load(FIX "syntax-error.json", &c, err, sizeof(err)), -1);
	assert_null(c);
	assert_string_equal(err, FIX "syntax-error.json:4:10: '}' expected near '\"locale\"'");

	/* what a problem quotes stays on its line (a newline in it, found by fuzzing) */
	assert_int_equal(
	        cfg_load_text("config.json", "{\"staff\": [], \"a\\\n}", &c, err, sizeof(err)), -1);
	assert_null(strchr(err, '\n'));
	assert_int_equal(strncmp(err, "config.json:2:0: invalid escape", 31), 0);
	/* so does an unknown key with a newline in it: it cannot forge a line of its own */
	assert_int_equal(cfg_load_text("config.json", "{\"x\\nconfig.json: fine\": 1}", &c, err,
	                               sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "config.json: x config.json: fine: unknown key\n"));
	assert_null(strstr(err, "\nconfig.json: fine"));

	/* a keyword that is not a string is refused, not folded (a crash, found by fuzzing) */
	assert_int_equal(cfg_load_text("config.json",
	                               "{\"communities\": [{\"id\": \"c1\", \"name\": \"C\"}],"
	                               "\"catalogue\": [{\"id\": \"ask\", \"category\": "
	                               "\"inquiry\", \"name\": \"Q\", \"response_minutes\": 15, "
	                               "\"keywords\": [0, \"问\"]}]}",
	                               &c, err, sizeof(err)),
	                 -1);
	assert_string_equal(err, "config.json: catalogue[0].keywords[0]: expected a string");

	assert_int_equal(cfg_load(FIX "duplicate-key.json", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, FIX "duplicate-key.json:3:"));
	assert_non_null(strstr(err, "duplicate object key"));

	assert_int_equal(cfg_load(FIX "no-such-file.json", &c, err, sizeof(err)), -1);
	assert_string_equal(err, FIX "no-such-file.json: cannot open: No such file or directory");

	assert_int_equal(cfg_load("tests/fixtures/config", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "tests/fixtures/config: cannot open: Is a directory");

	expect_problems(FIX "top-array.json", top, 1);
	expect_problems(FIX "telegram-webhook-missing.json", webhook, 1);
}

static void test_env_set(void **state)
{
	struct cfg *c;

	(void)state;
	setenv("CFG_TEST_DB", "/tmp/env-test.db", 1);
	setenv("CFG_TEST_PHONE", "0571-12345678", 1);
	setenv("CFG_TEST_TG_TOKEN", "123456:ABC-def", 1);
	setenv("CFG_TEST_TG_SECRET", "Secret_123-x", 1);
	setenv("CFG_TEST_MATRIX_SECRET", "8f742231b10e8888abcd99yyyzzz85a5", 1);
	setenv("CFG_TEST_GENERIC_SECRET", "generic-key", 1);
	unsetenv("CFG_TEST_GENERIC_URL");
	unsetenv("CFG_TEST_ONEBOT_TOKEN");

	c = load_ok(FIX "env.json");
	assert_string_equal(c->database, "/tmp/env-test.db");
	assert_string_equal(c->communities[0].phone, "0571-12345678");
	assert_true(cfg_chan_on(c, "telegram"));
	assert_string_equal(TG(c)->token, "123456:ABC-def");
	assert_string_equal(TG(c)->mode, "webhook");
	assert_string_equal(TG(c)->webhook_secret, "Secret_123-x");
	assert_string_equal(TG(c)->public_url, "https://example.org/base");
	assert_string_equal(TG(c)->staff_chat, "-1001234567890"); /* more than 32 bits */
	assert_string_equal(TG(c)->bot_username, "demo_bot");
	/* A disabled channel still gets the variables that are set... */
	assert_false(cfg_chan_on(c, "generic"));
	assert_string_equal(GEN(c)->secret, "generic-key");
	/* ...and NULL for those that are not. */
	assert_null(GEN(c)->callback_url);

	assert_int_equal(c->nothers, 2);
	assert_string_equal(c->others[0].name, "matrix");
	assert_true(c->others[0].enabled);
	assert_non_null(strstr(c->others[0].json,
	                       "\"signing_secret\":\"8f742231b10e8888abcd99yyyzzz85a5\""));
	assert_non_null(strstr(c->others[0].json, "\"_comment\":\"kept as it is\""));
	assert_non_null(
	        strstr(c->others[0].json, "\"list\":[\"8f742231b10e8888abcd99yyyzzz85a5\",3]"));
	assert_string_equal(c->others[1].name, "xmpp");
	assert_false(c->others[1].enabled);
	assert_non_null(strstr(c->others[1].json, "\"access_token\":null"));
	cfg_free(c);
}

static void test_env_unset(void **state)
{
	/* Only enabled channels (telegram, matrix) and plain settings complain. */
	static const char *const lines[] = {
	        "database: environment variable CFG_TEST_DB is not set",
	        "communities[0].phone: environment variable CFG_TEST_PHONE is not set",
	        "channels.telegram.token: environment variable CFG_TEST_TG_TOKEN is not set",
	        "channels.telegram.webhook_secret: environment variable CFG_TEST_TG_SECRET is not "
	        "set",
	        "channels.matrix.signing_secret: environment variable CFG_TEST_MATRIX_SECRET is "
	        "not "
	        "set",
	        "channels.matrix.extra.list[0]: environment variable CFG_TEST_MATRIX_SECRET is not "
	        "set",
	};
	static const char *const names[] = {
	        "CFG_TEST_DB",          "CFG_TEST_PHONE",         "CFG_TEST_TG_TOKEN",
	        "CFG_TEST_TG_SECRET",   "CFG_TEST_MATRIX_SECRET", "CFG_TEST_GENERIC_SECRET",
	        "CFG_TEST_GENERIC_URL", "CFG_TEST_ONEBOT_TOKEN",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unsetenv(names[i]);
	expect_problems(FIX "env.json", lines, sizeof(lines) / sizeof(lines[0]));
}

static void test_small_err_buffer(void **state)
{
	struct cfg *c = NULL;
	char small[200];
	const char *last;

	(void)state;
	/* Whole lines only, then a line saying more were left out. */
	assert_int_equal(cfg_load(FIX "many-problems.json", &c, small, sizeof(small)), -1);
	assert_true(strlen(small) < sizeof(small));
	assert_true(has_line(small, FIX "many-problems.json: colour: unknown key"));
	last = strrchr(small, '\n');
	assert_non_null(last);
	assert_string_equal(last + 1, FIX "many-problems.json: (more problems not shown)");

	/* No buffer at all is allowed. */
	assert_int_equal(cfg_load(FIX "many-problems.json", &c, NULL, 0), -1);
	assert_null(c);
}

static void test_lookups_null_safe(void **state)
{
	(void)state;
	assert_null(cfg_staff_find(NULL, "wang"));
	assert_null(cfg_staff_by_identity(NULL, "terminal", "staff:wang"));
	assert_null(cfg_item_find(NULL, "water"));
	assert_false(cfg_staff_has_skill(NULL, "plumbing"));
	cfg_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_example),
	        cmocka_unit_test(test_minimal_defaults),
	        cmocka_unit_test(test_variants),
	        cmocka_unit_test(test_many_problems),
	        cmocka_unit_test(test_duplicate_token),
	        cmocka_unit_test(test_weak_tokens),
	        cmocka_unit_test(test_staff_phone),
	        cmocka_unit_test(test_lists_required),
	        cmocka_unit_test(test_file_level_errors),
	        cmocka_unit_test(test_env_set),
	        cmocka_unit_test(test_env_unset),
	        cmocka_unit_test(test_small_err_buffer),
	        cmocka_unit_test(test_lookups_null_safe),
	        cmocka_unit_test(test_understanding_problems),
	        cmocka_unit_test(test_duty_problems),
	        cmocka_unit_test(test_duty_and_partners),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
