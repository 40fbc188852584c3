"""Hostile chat content on the way out: a resident's description holding HTML and
Markdown reaches the staff pings as the literal text the resident typed.

A resident files a request at the terminal whose description is full of
markup; its dispatch ping goes to the staff chats of Telegram (the fake Bot
API) and Slack (the fake Web API). Telegram gets plain text - no parse_mode,
so nothing in it is markup - and Slack's mrkdwn gets &, < and > escaped, so
no tag, link or <!channel> mention comes out of a resident's words.
(DingTalk, Feishu and WeCom robots send msgtype "text", which their clients
show as it is.)
"""
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from fake_slack import FakeSlack  # noqa: E402
from fake_telegram import FakeTelegram  # noqa: E402
from gateway import ORDER_RE, Gateway  # noqa: E402

TOKEN = "123:TEST"
STAFF_CHAT = -100200300
SLACK_STAFF = "C0STAFF"
BOT_TOKEN = "xoxb-17-fake-bot"
HOSTILE = "<b>x</b> *y* [a](http://evil) _z_ <!channel> a&amp;b 水管漏水"
FAST = {"per_chat_per_sec": 50, "per_group_per_min": 1000, "global_per_sec": 100}


class Markup(unittest.TestCase):
    def setUp(self):
        self.tg = FakeTelegram(token=TOKEN, bot_username="ConciergeBot", bot_id=777).start()
        self.addCleanup(self.tg.stop)
        self.fs = FakeSlack(bot_token=BOT_TOKEN, app_token="xapp-1-A0FAKE-fake-app",
                            bot_user="U0BOT").start()
        self.addCleanup(self.fs.stop)
        self.gw = Gateway({"channels": {
            "telegram": {"enabled": True, "token": TOKEN, "api_base": self.tg.url,
                         "mode": "polling", "webhook_secret": "tg-secret-1",
                         "public_url": "http://127.0.0.1:1", "staff_chat": str(STAFF_CHAT),
                         "bot_username": "ConciergeBot", "poll_timeout": 1, "rate_limits": FAST},
            "slack": {"enabled": True, "mode": "events", "bot_token": BOT_TOKEN, "app_token": "xapp-1-A0FAKE-fake-app",
                      "signing_secret": "8f742231b10e8888abcd99yyyzzz85a5",
                      "api_base": self.fs.api, "files_base": self.fs.files_base,
                      "staff_chat": SLACK_STAFF, "rate_limits": {"per_chat_per_sec": 50}}}})
        self.addCleanup(self.gw.close)
        self.gw.start()
        self.tg.wait_for_call("getUpdates", timeout=15)
        self.fs.wait_for_call("auth.test")

    def tearDown(self):
        self.assertEqual(self.gw.stop(), 0)
        self.gw.assert_clean(self)

    def file(self):
        lines = ["/repair", HOSTILE, "7-3-1204", "李伟", "13912345678", "今天下午3点", "yes"]
        rc, out, err = self.gw.cli("chat", "--as", "resident:li", stdin="\n".join(lines) + "\n")
        self.assertEqual(rc, 0, err)
        self.assertTrue(ORDER_RE.search(out), out)
        self.assertEqual(self.gw.orders()[0]["description"], HOSTILE)
        return ORDER_RE.search(out).group(0)

    def test_telegram_pings_are_plain_text(self):
        number = self.file()
        ping = self.tg.wait_for_message(STAFF_CHAT, number, timeout=15)
        self.assertNotIn("parse_mode", ping, ping)
        self.assertNotIn("entities", ping, ping)
        self.assertIn(HOSTILE, ping["text"])

    def test_slack_pings_escape_mrkdwn(self):
        number = self.file()
        post = self.fs.wait_for_post(SLACK_STAFF, number, timeout=15)
        escaped = HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        whole = json.dumps(post, ensure_ascii=False)
        self.assertIn(escaped, post["text"])
        for raw in ("<b>", "<!channel>", "a&amp;b", "<http"):
            self.assertNotIn(raw, post["text"])
            for block in post.get("blocks") or []:
                self.assertNotIn(raw, json.dumps(block, ensure_ascii=False), whole)
        self.assertIn(escaped, whole)


if __name__ == "__main__":
    unittest.main()
