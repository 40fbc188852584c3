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
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from fake_dingtalk import FakeDingTalk  # noqa: E402
from fake_feishu import FakeFeishu  # noqa: E402
from fake_slack import FakeSlack  # noqa: E402
from fake_telegram import FakeTelegram  # noqa: E402
from fake_wecom_robot import FakeWecomRobot  # noqa: E402
from gateway import ORDER_RE, Gateway  # noqa: E402
from robotcase import RobotCase, staff  # noqa: E402
from test_telegram import BOT, STAFF_CHAT, TOKEN, telegram_config  # noqa: E402

SLACK_STAFF = "C0STAFF"
BOT_TOKEN = "xoxb-17-fake-bot"
HOSTILE = ('<b>x</b> *y* [a](http://evil) _z_ <!channel> <at user_id="all">所有人</at> '
           'a&amp;b 水管漏水')


class Markup(unittest.TestCase):
    def setUp(self):
        self.tg = FakeTelegram(token=TOKEN, bot_username=BOT, bot_id=777).start()
        self.addCleanup(self.tg.stop)
        self.fs = FakeSlack(bot_token=BOT_TOKEN, app_token="xapp-1-A0FAKE-fake-app",
                            bot_user="U0BOT").start()
        self.addCleanup(self.fs.stop)
        self.gw = Gateway({"channels": {
            "telegram": telegram_config("polling", self.tg.url),
            "slack": {"enabled": True, "mode": "events", "bot_token": BOT_TOKEN, "app_token": "xapp-1-A0FAKE-fake-app",
                      "signing_secret": "8f742231b10e8888abcd99yyyzzz85a5",
                      "api_base": self.fs.api, "files_base": self.fs.files_base,
                      "staff_chat": SLACK_STAFF, "rate_limits": {"per_chat_per_sec": 50}}}})
        self.addCleanup(self.gw.close)
        self.gw.start()
        self.tg.wait_for_call("getUpdates", timeout=15)
        self.fs.wait_for_call("auth.test")

    def tearDown(self):
        self.gw.finish(self)

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
        sections = [b["text"]["text"] for b in post.get("blocks") or []
                    if (b.get("text") or {}).get("type") == "mrkdwn"]
        self.assertTrue(sections, whole)
        for text in sections:
            self.assertIn(escaped, text)
        # A resident's link is not unfurled into the staff channel either.
        self.assertIs(post.get("unfurl_links"), False, whole)


DING_TOKEN = "3d9f0c1be27a4c56a8f1e0d2c3b4a59687f6e5d4c3b2a1908f7e6d5c4b3a2910"
DING_SECRET = "SEC5f1c9e3a7b2d4f6e8a0c1b3d5e7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5"
FEISHU_HOOK = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"
FEISHU_SECRET = "Fs9kQ2vX7mN4pL8wR3tY6uI1oE5aZ0cB"
WECOM_KEY = "0b5e7c1d-4a2f-4c8e-9d3a-6f1e2b7c8d90"


class RobotMarkup(RobotCase):
    """The group robots post msgtype "text" (no markdown): the words arrive as typed."""

    CHANNEL = "dingtalk"

    def test_robot_pings_are_plain_text(self):
        ding = FakeDingTalk({DING_TOKEN: DING_SECRET}, clock=self.now).start()
        self.addCleanup(ding.stop)
        feishu = FakeFeishu({FEISHU_HOOK: FEISHU_SECRET}, clock=self.now).start()
        self.addCleanup(feishu.stop)
        wecom = FakeWecomRobot(WECOM_KEY, clock=self.now).start()
        self.addCleanup(wecom.stop)
        self.start({"staff": staff(), "channels": {
            "dingtalk": {"enabled": True, "robots": [
                {"chat": "staff", "webhook": ding.webhook(DING_TOKEN), "secret": DING_SECRET}]},
            "feishu": {"enabled": True, "robots": [
                {"chat": "staff", "webhook": feishu.webhook(FEISHU_HOOK),
                 "secret": FEISHU_SECRET}]},
            "wecom_robot": {"enabled": True, "key": WECOM_KEY, "api_base": wecom.url,
                            "per_minute": 20}}})
        [number] = self.file(["/repair", HOSTILE, "7-3-1204", "李伟", "13912345678", "今天下午3点",
                              "yes"])
        # Feishu's text reads <at user_id="..."> as a mention: a "<" that could open a
        # tag is shown as "＜", so nobody is mentioned (or everyone) by a resident.
        feishu_shown = re.sub(r"<(?=[A-Za-z/])", "＜", HOSTILE)
        for fake, kind_key, text, shown in (
                (ding, "msgtype", lambda j: j["text"]["content"], HOSTILE),
                (feishu, "msg_type", lambda j: j["content"]["text"], feishu_shown),
                (wecom, "msgtype", lambda j: j["text"]["content"], HOSTILE)):
            with self.subTest(robot=type(fake).__name__):
                call = self.wait_post(fake, lambda c: number in json.dumps(c["json"],
                                                                           ensure_ascii=False),
                                      what="the ping for %s" % number)
                self.assertEqual(call["json"][kind_key], "text")
                self.assertIn(shown, text(call["json"]))
                if fake is feishu:
                    self.assertNotIn("<at", text(call["json"]))
                    self.assertEqual(call["mentions"], [])


if __name__ == "__main__":
    unittest.main()
