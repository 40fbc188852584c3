"""Hostile chat content, through Telegram into the order register and back out.

SQL metacharacters, HTML and Markdown, right-to-left overrides, emoji ZWJ
sequences in names and a description of exactly 500 characters ending in
one are stored exactly as sent (`concierge orders show --json` gives the
same string back) and go out to Telegram as plain text (no parse_mode, so
nothing in them is read as markup). Control characters are not kept: line
breaks and tabs become spaces, the rest is removed (README: "Hostile
content"). A 10,000-character description is refused with the limit named,
and nothing is stored.
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from gateway import (ASK_DESCRIPTION, ASK_NAME, ASK_ROOM, CREATED, ORDER_RE,  # noqa: E402
                     SUMMARY)
from test_telegram import ASK_PHONE, ASK_TIME, PHONE, TelegramCase  # noqa: E402

FAMILY = "\U0001F468\u200D\U0001F469\u200D\U0001F467"
TOO_LONG = "描述太长了，请控制在 500 字以内"


class Hostile(TelegramCase):

    def file(self, chat, description, name):
        """CHAT files a repair; returns (the order as the CLI shows it, the summary sent)."""
        self.step(chat, "/repair", ASK_DESCRIPTION)
        self.step(chat, description, ASK_ROOM)
        self.step(chat, "3-2-501", ASK_NAME)
        self.step(chat, name, ASK_PHONE)
        self.step(chat, PHONE, ASK_TIME)
        summary = self.step(chat, "明天上午", SUMMARY)
        created = self.step(chat, "yes", CREATED)
        number = ORDER_RE.search(created["text"]).group(0)
        return self.gw.order(number), summary

    def test_hostile_content_is_stored_exactly_and_sent_as_plain_text(self):
        self.start("polling")
        cases = [
            (7101, "水管漏水'); DROP TABLE orders; -- \" OR 1=1; SELECT * FROM residents",
             "O'Brien\"; DELETE FROM staff"),
            (7102, "<b>漏水</b><script>alert('x')</script> *粗* _斜_ [链接](http://evil.example)"
                   " `code` &amp; &lt;i&gt;", "<b>王 *先生* &amp;"),
            (7103, "厨房漏水 \u202Egnp.exe\u202C \u200F右到左\u200E", "李\u202E伟"),
            (7104, "水管漏水" + "x" * 491 + FAMILY, "王" + FAMILY + "先生"),
        ]
        self.assertEqual(len(cases[3][1]), 500)
        for chat, description, name in cases:
            order, summary = self.file(chat, description, name)
            self.assertEqual(order["description"], description)
            self.assertEqual(order["description"].encode(), description.encode())
            self.assertEqual(order["contact_name"], name)
            # Sent as plain text: the markup characters are shown, not obeyed.
            self.assertNotIn("parse_mode", summary)
            self.assertIn(description, summary["text"])
            self.assertIn(name, summary["text"])
        self.assertEqual(len(self.gw.orders()), len(cases))

    def test_control_characters_and_a_10000_character_description(self):
        self.start("polling")
        chat = 7105
        self.step(chat, "/repair", ASK_DESCRIPTION)
        m = self.mark()
        self.say(chat, "漏" * 10000)
        self.expect(chat, TOO_LONG, m)
        self.assertEqual(self.gw.orders(), [])
        # Still at the description: a shorter one goes on.
        self.step(chat, "漏水\x07\x1b[31m红色\x1b[0m\t很急\n第二行", ASK_ROOM)
        self.step(chat, "3-2-501", ASK_NAME)
        self.step(chat, "李伟", ASK_PHONE)
        self.step(chat, PHONE, ASK_TIME)
        self.step(chat, "明天上午", SUMMARY)
        created = self.step(chat, "yes", CREATED)
        number = ORDER_RE.search(created["text"]).group(0)
        self.assertEqual(self.gw.order(number)["description"], "漏水[31m红色[0m 很急 第二行")


if __name__ == "__main__":
    unittest.main()
