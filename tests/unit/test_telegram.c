/*
 * test_telegram.c - the pure Telegram functions against fixture updates,
 * hand-made edge cases, and the bodies they build read back with jansson.
 * Fixtures are read from tests/fixtures/telegram/, relative to the repository
 * root where the tests run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "adapters/telegram.h"

#define BOT_NAME "ConciergeBot"
#define BOT_ID   "777"

#include "fakehost.h"

static char *load_fixture(const char *name, size_t *len)
{
	return slurp_in("tests/fixtures/telegram", name, len);
}

static void parse_fixture(const char *name, struct tg_update *u)
{
	char err[256] = "";
	size_t len;
	char *json = load_fixture(name, &len);
	int rc = tg_parse_update(json, len, BOT_NAME, BOT_ID, u, err, sizeof(err));

	free(json);
	if (rc != 0)
		fail_msg("%s: %s", name, err);
}

static void parse_str(const char *json, struct tg_update *u)
{
	char err[256] = "";

	if (tg_parse_update(json, strlen(json), "@" BOT_NAME, BOT_ID, u, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

/* ---- fixtures ---- */

static void test_private_text(void **state)
{
	struct tg_update u;
	struct msg_in in;

	(void)state;
	parse_fixture("private_text.json", &u);
	assert_int_equal(u.kind, TG_KIND_MESSAGE);
	assert_string_equal(u.update_id, "800000001");
	assert_string_equal(u.chat_id, "5123456789");
	assert_string_equal(u.chat_type, "private");
	assert_false(u.is_group);
	assert_string_equal(u.message_id, "11");
	assert_string_equal(u.from_id, "5123456789");
	assert_string_equal(u.from_first_name, "小明");
	assert_string_equal(u.from_last_name, "李");
	assert_string_equal(u.from_name, "小明 李");
	assert_string_equal(u.from_username, "xiaoming_li");
	assert_string_equal(u.language_code, "zh-hans");
	assert_string_equal(u.text, "你好，我家厨房漏水了");
	assert_string_equal(u.text_clean, "你好，我家厨房漏水了");
	assert_true(u.addressed);
	assert_null(u.callback_id);

	assert_int_equal(tg_update_to_msg_in(&u, &in), 0);
	assert_string_equal(in.channel, "telegram");
	assert_string_equal(in.id, "800000001");
	assert_string_equal(in.chat, "5123456789");
	assert_string_equal(in.user, "5123456789");
	assert_string_equal(in.user_name, "小明 李");
	assert_string_equal(in.lang, "zh-hans");
	assert_string_equal(in.text, "你好，我家厨房漏水了");
	assert_null(in.callback);
	assert_false(in.is_group);
	assert_true(in.addressed);
	tg_update_release(&u);
	tg_update_release(&u); /* released twice is harmless */
}

static void test_group_command(void **state)
{
	struct tg_update u;

	(void)state;
	parse_fixture("group_command.json", &u);
	assert_int_equal(u.kind, TG_KIND_MESSAGE);
	assert_string_equal(u.chat_id, "-4012345678");
	assert_string_equal(u.chat_type, "group");
	assert_true(u.is_group);
	assert_true(u.addressed);
	assert_string_equal(u.text, "/repair@ConciergeBot 厨房漏水");
	assert_string_equal(u.text_clean, "/repair 厨房漏水");
	tg_update_release(&u);
}

static void test_group_command_other_bot(void **state)
{
	struct tg_update u;

	(void)state;
	parse_fixture("group_command_other_bot.json", &u);
	assert_int_equal(u.kind, TG_KIND_MESSAGE);
	assert_true(u.is_group);
	assert_false(u.addressed);
	assert_string_equal(u.text_clean, "/start@OtherBot hello");
	tg_update_release(&u);
}

static void test_group_mention_emoji(void **state)
{
	struct tg_update u;

	(void)state;
	parse_fixture("group_mention_emoji.json", &u);
	assert_int_equal(u.kind, TG_KIND_MESSAGE);
	assert_true(u.addressed);
	assert_string_equal(u.text_clean, "👍🏻🏠 厨房漏水");
	tg_update_release(&u);
}

static void test_group_plain(void **state)
{
	struct tg_update u;

	(void)state;
	parse_fixture("group_plain.json", &u);
	assert_int_equal(u.kind, TG_KIND_MESSAGE);
	assert_true(u.is_group);
	assert_false(u.addressed);
	assert_string_equal(u.text_clean, "今天电梯好像又坏了 @neighbour 你看到了吗");
	tg_update_release(&u);
}

static void test_group_reply_to_bot(void **state)
{
	struct tg_update u;

	(void)state;
	parse_fixture("group_reply_to_bot.json", &u);
	assert_int_equal(u.kind, TG_KIND_MESSAGE);
	assert_true(u.addressed);
	assert_string_equal(u.text_clean, "3-2-501");
	tg_update_release(&u);

	/* without knowing the bot's ID a reply cannot address it */
	{
		char err[128];
		size_t len;
		char *json = load_fixture("group_reply_to_bot.json", &len);

		assert_int_equal(tg_parse_update(json, len, BOT_NAME, NULL, &u, err, sizeof(err)),
		                 0);
		assert_false(u.addressed);
		tg_update_release(&u);
		free(json);
	}
}

static void test_callback_query(void **state)
{
	struct tg_update u;
	struct msg_in in;

	(void)state;
	parse_fixture("callback_query.json", &u);
	assert_int_equal(u.kind, TG_KIND_CALLBACK);
	assert_string_equal(u.callback_id, "4382bfdwdsb323b2d9");
	assert_string_equal(u.callback_data, "rate:5");
	assert_string_equal(u.text, "rate:5");
	assert_string_equal(u.chat_id, "-1001234567890123");
	assert_string_equal(u.chat_type, "supergroup");
	assert_true(u.is_group);
	assert_string_equal(u.message_id, "20");
	assert_string_equal(u.from_id, "5123456789");
	assert_true(u.addressed);
	assert_int_equal(tg_update_to_msg_in(&u, &in), 0);
	assert_string_equal(in.callback, "rate:5");
	assert_string_equal(in.chat, "-1001234567890123");
	tg_update_release(&u);
}

static void test_edited_message(void **state)
{
	struct tg_update u;
	struct msg_in in;

	(void)state;
	parse_fixture("edited_message.json", &u);
	assert_int_equal(u.kind, TG_KIND_IGNORED);
	assert_string_equal(u.ignore_reason, "edited_message");
	assert_string_equal(u.update_id, "800000008");
	assert_int_equal(tg_update_to_msg_in(&u, &in), -1);
	tg_update_release(&u);
}

static void test_migrate(void **state)
{
	struct tg_update u;

	(void)state;
	parse_fixture("migrate_to_chat.json", &u);
	assert_int_equal(u.kind, TG_KIND_MIGRATE);
	assert_string_equal(u.chat_id, "-4012345678");
	assert_string_equal(u.migrate_from_chat_id, "-4012345678");
	assert_string_equal(u.migrate_to_chat_id, "-1001234567890123");
	tg_update_release(&u);

	/* the twin message arrives in the new supergroup */
	parse_str("{\"update_id\":5,\"message\":{\"message_id\":1,\"date\":1,"
	          "\"from\":{\"id\":1,\"is_bot\":false,\"first_name\":\"A\"},"
	          "\"chat\":{\"id\":-1001234567890123,\"type\":\"supergroup\"},"
	          "\"migrate_from_chat_id\":-4012345678}}",
	          &u);
	assert_int_equal(u.kind, TG_KIND_MIGRATE);
	assert_string_equal(u.migrate_from_chat_id, "-4012345678");
	assert_string_equal(u.migrate_to_chat_id, "-1001234567890123");
	tg_update_release(&u);
}

static void test_supergroup_64bit(void **state)
{
	struct tg_update u;

	(void)state;
	parse_fixture("supergroup_64bit.json", &u);
	assert_int_equal(u.kind, TG_KIND_MESSAGE);
	assert_string_equal(u.chat_id, "-1001234567890123");
	assert_string_equal(u.chat_type, "supergroup");
	assert_true(u.is_group);
	assert_true(u.addressed);
	assert_string_equal(u.message_id, "987654");
	assert_string_equal(u.from_name, "Alice");
	assert_null(u.from_last_name);
	assert_string_equal(u.language_code, "en");
	assert_string_equal(u.text_clean, "3号楼门禁坏了，能修吗？🙏");
	tg_update_release(&u);
}

static void test_from_bot(void **state)
{
	struct tg_update u;

	(void)state;
	parse_fixture("from_bot.json", &u);
	assert_int_equal(u.kind, TG_KIND_IGNORED);
	assert_string_equal(u.ignore_reason, "from a bot");
	tg_update_release(&u);
}

/* ---- hand-made edge cases ---- */

static void test_text_mention_and_case(void **state)
{
	struct tg_update u;

	(void)state;
	/* "小区 Concierge: 停车" with a text_mention of the bot (ID 777) on "Concierge" */
	parse_str("{\"update_id\":1,\"message\":{\"message_id\":1,\"date\":1,"
	          "\"from\":{\"id\":1,\"is_bot\":false,\"first_name\":\"A\"},"
	          "\"chat\":{\"id\":-5,\"type\":\"group\"},\"text\":\"小区 Concierge: 停车\","
	          "\"entities\":[{\"type\":\"text_mention\",\"offset\":3,\"length\":9,"
	          "\"user\":{\"id\":777,\"is_bot\":true,\"first_name\":\"Concierge\"}}]}}",
	          &u);
	assert_true(u.addressed);
	assert_string_equal(u.text_clean, "小区 停车");
	tg_update_release(&u);

	/* mention in another case, in the middle, with a full-width comma */
	parse_str("{\"update_id\":2,\"message\":{\"message_id\":1,\"date\":1,"
	          "\"from\":{\"id\":1,\"is_bot\":false,\"first_name\":\"A\"},"
	          "\"chat\":{\"id\":-5,\"type\":\"group\"},\"text\":\"请 @conciergebot，帮忙\","
	          "\"entities\":[{\"type\":\"mention\",\"offset\":2,\"length\":13}]}}",
	          &u);
	assert_true(u.addressed);
	assert_string_equal(u.text_clean, "请 帮忙");
	tg_update_release(&u);

	/* bare command in a group is addressed; a text_mention of someone else is not */
	parse_str("{\"update_id\":3,\"message\":{\"message_id\":1,\"date\":1,"
	          "\"from\":{\"id\":1,\"is_bot\":false,\"first_name\":\"A\"},"
	          "\"chat\":{\"id\":-5,\"type\":\"group\"},\"text\":\"/prices\","
	          "\"entities\":[{\"type\":\"bot_command\",\"offset\":0,\"length\":7}]}}",
	          &u);
	assert_true(u.addressed);
	assert_string_equal(u.text_clean, "/prices");
	tg_update_release(&u);

	/* a mention of a longer name that starts with ours is not ours */
	parse_str("{\"update_id\":4,\"message\":{\"message_id\":1,\"date\":1,"
	          "\"from\":{\"id\":1,\"is_bot\":false,\"first_name\":\"A\"},"
	          "\"chat\":{\"id\":-5,\"type\":\"group\"},\"text\":\"@ConciergeBot2 hi\","
	          "\"entities\":[{\"type\":\"mention\",\"offset\":0,\"length\":14}]}}",
	          &u);
	assert_false(u.addressed);
	tg_update_release(&u);

	/* entity offsets past the end are skipped, not trusted */
	parse_str("{\"update_id\":5,\"message\":{\"message_id\":1,\"date\":1,"
	          "\"from\":{\"id\":1,\"is_bot\":false,\"first_name\":\"A\"},"
	          "\"chat\":{\"id\":-5,\"type\":\"group\"},\"text\":\"hi\","
	          "\"entities\":[{\"type\":\"bot_command\",\"offset\":1,\"length\":40}]}}",
	          &u);
	assert_false(u.addressed);
	assert_string_equal(u.text_clean, "hi");
	tg_update_release(&u);
}

static void test_caption_and_no_text(void **state)
{
	struct tg_update u;

	(void)state;
	parse_str("{\"update_id\":1,\"message\":{\"message_id\":1,\"date\":1,"
	          "\"from\":{\"id\":1,\"is_bot\":false,\"first_name\":\"A\"},"
	          "\"chat\":{\"id\":-5,\"type\":\"group\"},\"photo\":[],"
	          "\"caption\":\"@ConciergeBot 看这里\","
	          "\"caption_entities\":[{\"type\":\"mention\",\"offset\":0,\"length\":13}]}}",
	          &u);
	assert_int_equal(u.kind, TG_KIND_MESSAGE);
	assert_true(u.addressed);
	assert_string_equal(u.text_clean, "看这里");
	tg_update_release(&u);

	parse_str("{\"update_id\":1,\"message\":{\"message_id\":1,\"date\":1,"
	          "\"from\":{\"id\":1,\"is_bot\":false,\"first_name\":\"A\"},"
	          "\"chat\":{\"id\":-5,\"type\":\"group\"},\"sticker\":{}}}",
	          &u);
	assert_int_equal(u.kind, TG_KIND_IGNORED);
	assert_string_equal(u.ignore_reason, "no text");
	tg_update_release(&u);
}

/* A photo: the largest size under the cap is the one to fetch; the text is "". */
static void test_photo(void **state)
{
	struct tg_update u;
	struct msg_in m;

	(void)state;
	parse_fixture("private_photo.json", &u);
	assert_int_equal(u.kind, TG_KIND_MESSAGE);
	assert_true(u.has_photo);
	assert_string_equal(u.photo_file_id, "AgAC-medium");
	assert_false(u.photo_too_big);
	assert_string_equal(u.text_clean, "");
	assert_int_equal(tg_update_to_msg_in(&u, &m), 0);
	assert_string_equal(m.att_kind, "photo");
	assert_null(m.att_data);
	tg_update_release(&u);

	parse_str("{\"update_id\":1,\"message\":{\"message_id\":1,\"date\":1,"
	          "\"from\":{\"id\":1,\"is_bot\":false,\"first_name\":\"A\"},"
	          "\"chat\":{\"id\":1,\"type\":\"private\"},\"caption\":\"漏水\","
	          "\"photo\":[{\"file_id\":\"big\",\"file_size\":9999999}]}}",
	          &u);
	assert_int_equal(u.kind, TG_KIND_MESSAGE);
	assert_true(u.has_photo);
	assert_true(u.photo_too_big);
	assert_null(u.photo_file_id);
	assert_string_equal(u.text_clean, "漏水");
	assert_int_equal(tg_update_to_msg_in(&u, &m), 0);
	assert_true(m.att_too_big);
	tg_update_release(&u);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
	        "",
	        "not json",
	        "[]",
	        "{\"message\":{}}",
	        "{\"update_id\":\"x\"}",
	        "{\"update_id\":1,\"message\":{\"message_id\":1}}",
	        "{\"update_id\":1,\"message\":{\"chat\":{\"id\":1,\"type\":\"private\"}}}",
	        "{\"update_id\":1,\"callback_query\":{\"from\":{\"id\":1}}}",
	};
	struct tg_update u;
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_true(tg_parse_update(bad[i], strlen(bad[i]), BOT_NAME, BOT_ID, &u, err,
		                            sizeof(err)) < 0);
		assert_true(err[0] != '\0');
		assert_null(u.update_id);
		tg_update_release(&u);
	}

	/* an update of a type we do not handle is fine, just ignored */
	parse_str("{\"update_id\":9,\"my_chat_member\":{}}", &u);
	assert_int_equal(u.kind, TG_KIND_IGNORED);
	assert_string_equal(u.ignore_reason, "my_chat_member");
	tg_update_release(&u);

	/* a button press on an inline-mode message still carries its query ID */
	parse_str("{\"update_id\":10,\"callback_query\":{\"id\":\"q1\",\"from\":{\"id\":1,"
	          "\"is_bot\":false,\"first_name\":\"A\"},\"inline_message_id\":\"x\","
	          "\"data\":\"d\"}}",
	          &u);
	assert_int_equal(u.kind, TG_KIND_IGNORED);
	assert_string_equal(u.callback_id, "q1");
	tg_update_release(&u);
}

static void test_parse_obj(void **state)
{
	json_t *arr = json_loads("[{\"update_id\":1,\"message\":{\"message_id\":1,\"date\":1,"
	                         "\"from\":{\"id\":1,\"is_bot\":false,\"first_name\":\"A\"},"
	                         "\"chat\":{\"id\":1,\"type\":\"private\"},\"text\":\"hi\"}}]",
	                         0, NULL);
	struct tg_update u;

	(void)state;
	assert_non_null(arr);
	assert_int_equal(tg_parse_update_obj(json_array_get(arr, 0), BOT_NAME, BOT_ID, &u, NULL, 0),
	                 0);
	assert_string_equal(u.text, "hi");
	tg_update_release(&u);
	json_decref(arr);
}

/* ---- UTF-16 and splitting ---- */

static char *repeat(const char *unit, size_t times, const char *tail)
{
	size_t n = strlen(unit), i;
	char *s = malloc(n * times + strlen(tail) + 1);

	assert_non_null(s);
	for (i = 0; i < times; i++)
		memcpy(s + i * n, unit, n);
	strcpy(s + n * times, tail);
	return s;
}

static void test_utf16(void **state)
{
	const char *s = "a😀中b";
	size_t b;

	(void)state;
	assert_int_equal(tg_utf16_len(""), 0);
	assert_int_equal(tg_utf16_len(s), 5);
	assert_int_equal(tg_utf16_to_byte(s, strlen(s), 1, &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(tg_utf16_to_byte(s, strlen(s), 2, &b), -1); /* inside the pair */
	assert_int_equal(tg_utf16_to_byte(s, strlen(s), 3, &b), 0);
	assert_int_equal(b, 5);
	assert_int_equal(tg_utf16_to_byte(s, strlen(s), 4, &b), 0);
	assert_int_equal(b, 8);
	assert_int_equal(tg_utf16_to_byte(s, strlen(s), 5, &b), 0);
	assert_int_equal(b, 9);
	assert_int_equal(tg_utf16_to_byte(s, strlen(s), 6, &b), -1);
}

static void assert_parts_valid(char **parts, int n, size_t limit)
{
	int i;

	for (i = 0; i < n; i++) {
		json_t *j = json_string(parts[i]); /* NULL unless valid UTF-8 */

		assert_non_null(j);
		json_decref(j);
		assert_true(tg_utf16_len(parts[i]) <= limit);
		assert_true(parts[i][0] != '\0');
	}
	assert_null(parts[n]);
}

static void test_split_limits(void **state)
{
	char **parts;
	char *s;
	int n;

	(void)state;
	s = repeat("a", 4096, "");
	n = tg_split_text(s, 0, &parts);
	assert_int_equal(n, 1);
	assert_string_equal(parts[0], s);
	tg_parts_free(parts);
	free(s);

	s = repeat("a", 4097, "");
	n = tg_split_text(s, 0, &parts);
	assert_int_equal(n, 2);
	assert_int_equal(strlen(parts[0]), 4096);
	assert_string_equal(parts[1], "a");
	assert_parts_valid(parts, n, 4096);
	tg_parts_free(parts);
	free(s);

	/* 2048 emoji are exactly 4096 units; one more splits */
	s = repeat("😀", 2048, "");
	n = tg_split_text(s, 0, &parts);
	assert_int_equal(n, 1);
	tg_parts_free(parts);
	free(s);
	s = repeat("😀", 2049, "");
	n = tg_split_text(s, 0, &parts);
	assert_int_equal(n, 2);
	assert_int_equal(tg_utf16_len(parts[0]), 4096);
	assert_string_equal(parts[1], "😀");
	assert_parts_valid(parts, n, 4096);
	tg_parts_free(parts);
	free(s);

	/* "a" then emoji: the limit falls in the middle of a pair, which stays whole */
	s = repeat("😀", 2048, "");
	{
		char *t = malloc(strlen(s) + 2);

		t[0] = 'a';
		strcpy(t + 1, s);
		n = tg_split_text(t, 0, &parts);
		assert_int_equal(n, 2);
		assert_int_equal(tg_utf16_len(parts[0]), 4095);
		assert_string_equal(parts[1], "😀");
		assert_parts_valid(parts, n, 4096);
		tg_parts_free(parts);
		free(t);
	}
	free(s);

	/* CJK counts one unit per character, three bytes each */
	s = repeat("中", 4097, "");
	n = tg_split_text(s, 0, &parts);
	assert_int_equal(n, 2);
	assert_int_equal(strlen(parts[0]), 4096 * 3);
	assert_string_equal(parts[1], "中");
	tg_parts_free(parts);
	free(s);

	n = tg_split_text("", 0, &parts);
	assert_int_equal(n, 0);
	assert_null(parts[0]);
	tg_parts_free(parts);
	n = tg_split_text(" \n ", 0, &parts);
	assert_int_equal(n, 0);
	tg_parts_free(parts);
}

static void test_split_lines(void **state)
{
	char **parts;
	int n;

	(void)state;
	/* cut at the last line break within the window, which is dropped */
	n = tg_split_text("line one\nline two\nline three", 20, &parts);
	assert_int_equal(n, 2);
	assert_string_equal(parts[0], "line one\nline two");
	assert_string_equal(parts[1], "line three");
	tg_parts_free(parts);

	/* a line break too early: cut at a space instead */
	n = tg_split_text("a\nbbbbbbbb cccccccccc", 12, &parts);
	assert_int_equal(n, 2);
	assert_string_equal(parts[0], "a\nbbbbbbbb");
	assert_string_equal(parts[1], "cccccccccc");
	tg_parts_free(parts);

	/* CRLF: the CR goes with the break */
	n = tg_split_text("aaaa\r\nbbbb", 6, &parts);
	assert_int_equal(n, 2);
	assert_string_equal(parts[0], "aaaa");
	assert_string_equal(parts[1], "bbbb");
	tg_parts_free(parts);

	/* CJK without spaces: a hard cut at a character boundary */
	n = tg_split_text("一二三四五六七", 3, &parts);
	assert_int_equal(n, 3);
	assert_string_equal(parts[0], "一二三");
	assert_string_equal(parts[1], "四五六");
	assert_string_equal(parts[2], "七");
	tg_parts_free(parts);

	/* a thumbs-up with its skin tone is not separated */
	n = tg_split_text("ab👍🏻", 4, &parts);
	assert_int_equal(n, 2);
	assert_string_equal(parts[0], "ab");
	assert_string_equal(parts[1], "👍🏻");
	tg_parts_free(parts);

	/* a limit smaller than one character still makes progress */
	n = tg_split_text("😀😀", 1, &parts);
	assert_int_equal(n, 2);
	assert_string_equal(parts[1], "😀");
	tg_parts_free(parts);
}

/* ---- request bodies ---- */

static json_t *load_body(char *body)
{
	json_t *j;

	assert_non_null(body);
	j = json_loads(body, 0, NULL);
	assert_non_null(j);
	free(body);
	return j;
}

static size_t row_len(json_t *kb, size_t row)
{
	return json_array_size(json_array_get(kb, row));
}

static void test_build_send_message(void **state)
{
	struct msg_button rate[5] = {{"1", "rate:1"},
	                             {"2", "rate:2"},
	                             {"3", "rate:3"},
	                             {"4", "rate:4"},
	                             {"5", "rate:5"}};
	struct msg_button staff[4] = {{"接单 Accept", "accept:1024"},
	                              {"指派 Assign", "assign:1024"},
	                              {"预约 ETA", "eta:1024"},
	                              {"取消 Cancel", "cancel:1024"}};
	struct msg_button longb[2] = {{"这是一个很长很长很长的按钮文字", NULL}, {"ok", NULL}};
	json_t *j, *kb, *b;

	(void)state;
	j = load_body(tg_build_send_message("-1001234567890123", "请打分", rate, 5));
	assert_true(json_is_integer(json_object_get(j, "chat_id")));
	assert_true(json_integer_value(json_object_get(j, "chat_id")) == -1001234567890123LL);
	assert_string_equal(json_string_value(json_object_get(j, "text")), "请打分");
	assert_true(json_is_true(json_object_get(j, "disable_web_page_preview")));
	kb = json_object_get(json_object_get(j, "reply_markup"), "inline_keyboard");
	assert_int_equal(json_array_size(kb), 1);
	assert_int_equal(row_len(kb, 0), 5);
	b = json_array_get(json_array_get(kb, 0), 4);
	assert_string_equal(json_string_value(json_object_get(b, "text")), "5");
	assert_string_equal(json_string_value(json_object_get(b, "callback_data")), "rate:5");
	json_decref(j);

	/* four longer labels: two rows of two */
	j = load_body(tg_build_send_message("42", "新工单", staff, 4));
	kb = json_object_get(json_object_get(j, "reply_markup"), "inline_keyboard");
	assert_int_equal(json_array_size(kb), 2);
	assert_int_equal(row_len(kb, 0), 2);
	assert_int_equal(row_len(kb, 1), 2);
	json_decref(j);

	/* a long label gets its own row; missing data sends the label */
	j = load_body(tg_build_send_message("42", "x", longb, 2));
	kb = json_object_get(json_object_get(j, "reply_markup"), "inline_keyboard");
	assert_int_equal(json_array_size(kb), 2);
	b = json_array_get(json_array_get(kb, 1), 0);
	assert_string_equal(json_string_value(json_object_get(b, "callback_data")), "ok");
	json_decref(j);

	/* a channel username stays a string; no buttons, no markup */
	j = load_body(tg_build_send_message("@sunshine_notice", "停水通知", NULL, 0));
	assert_string_equal(json_string_value(json_object_get(j, "chat_id")), "@sunshine_notice");
	assert_null(json_object_get(j, "reply_markup"));
	json_decref(j);

	/* a number too big for 64 bits is not sent as an integer */
	j = load_body(tg_build_send_message("99999999999999999999", "x", NULL, 0));
	assert_true(json_is_string(json_object_get(j, "chat_id")));
	json_decref(j);
}

static void test_build_callback_data_limit(void **state)
{
	char data64[65], data65[66];
	struct msg_button b = {"ok", NULL};

	(void)state;
	memset(data64, 'x', 64);
	data64[64] = '\0';
	memset(data65, 'x', 65);
	data65[65] = '\0';
	assert_true(tg_callback_data_ok(data64));
	assert_false(tg_callback_data_ok(data65));
	assert_false(tg_callback_data_ok(""));
	assert_false(tg_callback_data_ok(NULL));

	b.data = data64;
	json_decref(load_body(tg_build_send_message("1", "x", &b, 1)));
	b.data = data65;
	assert_null(tg_build_send_message("1", "x", &b, 1));
	/* 22 CJK characters are 66 bytes: rejected, not cut mid-character */
	b.data = "一二三四五六七八九十一二三四五六七八九十一二";
	assert_null(tg_build_send_message("1", "x", &b, 1));
	b.data = "d";
	b.label = "";
	assert_null(tg_build_send_message("1", "x", &b, 1));
	assert_null(tg_build_send_message(NULL, "x", NULL, 0));
	assert_null(tg_build_send_message("", "x", NULL, 0));
}

static void test_build_send_messages(void **state)
{
	struct msg_button b[2] = {{"是", "yes"}, {"否", "no"}};
	char **bodies;
	char *s = repeat("一二三四五六七八九十\n", 500, "end");
	int n, i;

	(void)state;
	n = tg_build_send_messages("-5", s, b, 2, &bodies);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		json_t *j = json_loads(bodies[i], 0, NULL);

		assert_non_null(j);
		assert_true(tg_utf16_len(json_string_value(json_object_get(j, "text"))) <= 4096);
		if (i < n - 1)
			assert_null(json_object_get(j, "reply_markup"));
		else
			assert_non_null(json_object_get(j, "reply_markup"));
		json_decref(j);
	}
	assert_null(bodies[n]);
	tg_parts_free(bodies);
	free(s);

	n = tg_build_send_messages("-5", "short", NULL, 0, &bodies);
	assert_int_equal(n, 1);
	tg_parts_free(bodies);
}

static void test_build_others(void **state)
{
	json_t *j, *au;
	struct msg_button b = {"1", "rate:1"};
	char *link;

	(void)state;
	j = load_body(tg_build_answer_callback("q1", "已收到"));
	assert_string_equal(json_string_value(json_object_get(j, "callback_query_id")), "q1");
	assert_string_equal(json_string_value(json_object_get(j, "text")), "已收到");
	json_decref(j);
	j = load_body(tg_build_answer_callback("q1", NULL));
	assert_null(json_object_get(j, "text"));
	json_decref(j);
	assert_null(tg_build_answer_callback("", NULL));

	j = load_body(tg_build_set_webhook("https://example.org/hooks/telegram", "s3cr-et_X", 40));
	assert_string_equal(json_string_value(json_object_get(j, "url")),
	                    "https://example.org/hooks/telegram");
	assert_string_equal(json_string_value(json_object_get(j, "secret_token")), "s3cr-et_X");
	assert_int_equal(json_integer_value(json_object_get(j, "max_connections")), 40);
	au = json_object_get(j, "allowed_updates");
	assert_int_equal(json_array_size(au), 2);
	assert_string_equal(json_string_value(json_array_get(au, 0)), "message");
	assert_string_equal(json_string_value(json_array_get(au, 1)), "callback_query");
	json_decref(j);
	assert_null(tg_build_set_webhook("https://x", "bad secret!", 0));

	j = load_body(tg_build_get_updates(800000012, 30, 100));
	assert_int_equal(json_integer_value(json_object_get(j, "offset")), 800000012);
	assert_int_equal(json_integer_value(json_object_get(j, "timeout")), 30);
	assert_int_equal(json_integer_value(json_object_get(j, "limit")), 100);
	assert_int_equal(json_array_size(json_object_get(j, "allowed_updates")), 2);
	json_decref(j);
	j = load_body(tg_build_get_updates(0, 0, 0));
	assert_null(json_object_get(j, "offset"));
	assert_null(json_object_get(j, "limit"));
	json_decref(j);

	j = load_body(tg_build_edit_reply_markup("-1001234567890123", "20", NULL, 0));
	assert_int_equal(json_integer_value(json_object_get(j, "message_id")), 20);
	assert_int_equal(json_array_size(json_object_get(json_object_get(j, "reply_markup"),
	                                                 "inline_keyboard")),
	                 0);
	json_decref(j);
	j = load_body(tg_build_edit_reply_markup("-5", "21", &b, 1));
	assert_int_equal(json_array_size(json_object_get(json_object_get(j, "reply_markup"),
	                                                 "inline_keyboard")),
	                 1);
	json_decref(j);

	link = tg_start_link("@ConciergeBot", "order-1024");
	assert_string_equal(link, "https://t.me/ConciergeBot?start=order-1024");
	free(link);
	assert_null(tg_start_link("ConciergeBot", "has space"));
	assert_null(tg_start_link("ConciergeBot", ""));
	assert_null(tg_start_link(NULL, "x"));
}

static void test_secret(void **state)
{
	char big[258];

	(void)state;
	assert_true(tg_secret_ok("abc_DEF-123", "abc_DEF-123"));
	assert_false(tg_secret_ok("abc_DEF-123", "abc_DEF-124"));
	assert_false(tg_secret_ok("abc_DEF-123", "abc_DEF-12"));
	assert_false(tg_secret_ok("abc_DEF-123", "abc_DEF-1234"));
	assert_false(tg_secret_ok("abc", NULL));
	assert_false(tg_secret_ok(NULL, "abc"));
	assert_false(tg_secret_ok("", ""));

	assert_true(tg_secret_valid("a"));
	assert_true(tg_secret_valid("A-Za-z0-9_"));
	assert_false(tg_secret_valid(""));
	assert_false(tg_secret_valid(NULL));
	assert_false(tg_secret_valid("has space"));
	assert_false(tg_secret_valid("秘密"));
	memset(big, 'a', 256);
	big[256] = '\0';
	assert_true(tg_secret_valid(big));
	big[256] = 'a';
	big[257] = '\0';
	assert_false(tg_secret_valid(big));
}

/* ---- answers ---- */

static enum tg_verdict answer(long status, const char *body, struct tg_result *r)
{
	tg_parse_result(status, body, strlen(body), r);
	return tg_classify(r, status);
}

static void test_results(void **state)
{
	struct tg_result r;

	(void)state;
	assert_int_equal(
	        tg_parse_result(200,
	                        "{\"ok\":true,\"result\":{\"message_id\":99,"
	                        "\"chat\":{\"id\":-1001234567890123,\"type\":\"supergroup\"}}}",
	                        strlen("{\"ok\":true,\"result\":{\"message_id\":99,"
	                               "\"chat\":{\"id\":-1001234567890123,\"type\":"
	                               "\"supergroup\"}}}"),
	                        &r),
	        0);
	assert_true(r.ok);
	assert_int_equal(tg_classify(&r, 200), TG_OK);
	assert_int_equal(json_integer_value(json_object_get(r.result, "message_id")), 99);
	tg_result_release(&r);

	assert_int_equal(answer(429,
	                        "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many "
	                        "Requests: retry after 7\",\"parameters\":{\"retry_after\":7}}",
	                        &r),
	                 TG_RATE_LIMITED);
	assert_int_equal(r.retry_after, 7);
	assert_int_equal(r.error_code, 429);
	assert_string_equal(r.description, "Too Many Requests: retry after 7");
	tg_result_release(&r);

	assert_int_equal(answer(400,
	                        "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: "
	                        "group chat was upgraded to a supergroup chat\",\"parameters\":"
	                        "{\"migrate_to_chat_id\":-1001234567890123}}",
	                        &r),
	                 TG_MIGRATED);
	assert_string_equal(r.migrate_to_chat_id, "-1001234567890123");
	tg_result_release(&r);

	assert_int_equal(answer(400,
	                        "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: "
	                        "chat not found\"}",
	                        &r),
	                 TG_FATAL);
	assert_string_equal(r.description, "Bad Request: chat not found");
	assert_null(r.result);
	tg_result_release(&r);

	assert_int_equal(answer(401,
	                        "{\"ok\":false,\"error_code\":401,\"description\":"
	                        "\"Unauthorized\"}",
	                        &r),
	                 TG_FATAL);
	assert_string_equal(r.description, "Unauthorized");
	tg_result_release(&r);

	assert_int_equal(answer(403,
	                        "{\"ok\":false,\"error_code\":403,\"description\":"
	                        "\"Forbidden: bot was blocked by the user\"}",
	                        &r),
	                 TG_FATAL);
	tg_result_release(&r);

	assert_int_equal(answer(500,
	                        "{\"ok\":false,\"error_code\":500,\"description\":"
	                        "\"Internal Server Error\"}",
	                        &r),
	                 TG_RETRY);
	tg_result_release(&r);

	assert_int_equal(tg_parse_result(502, "<html>Bad Gateway</html>", 24, &r), -1);
	assert_false(r.ok);
	assert_int_equal(r.error_code, 502);
	assert_true(r.description[0] != '\0');
	assert_int_equal(tg_classify(&r, 502), TG_RETRY);
	tg_result_release(&r);

	/* a garbled 200 is retried, a garbled 404 is not */
	assert_int_equal(tg_parse_result(200, "", 0, &r), -1);
	assert_int_equal(tg_classify(&r, 200), TG_RETRY);
	tg_result_release(&r);
	assert_int_equal(tg_parse_result(404, "Not Found", 9, &r), -1);
	assert_int_equal(tg_classify(&r, 404), TG_FATAL);
	tg_result_release(&r);

	/* no answer at all */
	assert_int_equal(tg_classify(NULL, 0), TG_RETRY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_private_text),
	        cmocka_unit_test(test_group_command),
	        cmocka_unit_test(test_group_command_other_bot),
	        cmocka_unit_test(test_group_mention_emoji),
	        cmocka_unit_test(test_group_plain),
	        cmocka_unit_test(test_group_reply_to_bot),
	        cmocka_unit_test(test_callback_query),
	        cmocka_unit_test(test_edited_message),
	        cmocka_unit_test(test_migrate),
	        cmocka_unit_test(test_supergroup_64bit),
	        cmocka_unit_test(test_from_bot),
	        cmocka_unit_test(test_text_mention_and_case),
	        cmocka_unit_test(test_caption_and_no_text),
	        cmocka_unit_test(test_photo),
	        cmocka_unit_test(test_malformed),
	        cmocka_unit_test(test_parse_obj),
	        cmocka_unit_test(test_utf16),
	        cmocka_unit_test(test_split_limits),
	        cmocka_unit_test(test_split_lines),
	        cmocka_unit_test(test_build_send_message),
	        cmocka_unit_test(test_build_callback_data_limit),
	        cmocka_unit_test(test_build_send_messages),
	        cmocka_unit_test(test_build_others),
	        cmocka_unit_test(test_secret),
	        cmocka_unit_test(test_results),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
