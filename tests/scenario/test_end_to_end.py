"""Every channel at once, end to end: ONE real `concierge serve` with the WeChat
Official Account (safe mode), QQ (OneBot v11, the reverse websocket), Slack
(Events API), the WeCom app, DingTalk and Feishu robots, the WeCom group robot,
Telegram, the generic webhook and the web chat all switched on, each against
its fake platform (tests/fake_*.py), and a staff list whose people have
identities on several of them:

  - 王师傅 (wang): Slack and the WeCom app, and a mobile number the DingTalk
    and WeCom robots mention him by;
  - 赵主管 (zhao): the WeCom app.

Resident A files a repair through the Official Account in safe mode (signed,
encrypted callbacks) with a photo, gets the number there; the dispatch ping
reaches the DingTalk robot, the WeCom app (the user IDs of its staff_chat), the
Feishu bot and the other staff groups; wang takes it on Slack with the ping's
button, sets a time with a mention in the staff channel, starts it with the
button of his private contact card and reports it done in a direct message; A
is asked in WeChat (the customer-service API), accepts and rates 5 with a
comment. Resident B files one in the QQ owners' group mentioning the bot, goes
on in a private (temporary) session with a photo; wang takes it in the WeCom
app, B accepts and rates it there. At the end each fake is checked for what it
must not have seen: no resident's full phone number in any group, no token or
secret (and no full phone number) in the gateway's log.

What is asserted is what people see: the texts each platform was asked to
deliver to each person or group, and the store through the CLI.
"""
import calendar
import hashlib
import json
import os
import re
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from fake_callback import FakeCallback  # noqa: E402
from fake_dingtalk import FakeDingTalk  # noqa: E402
from fake_feishu import FakeFeishu  # noqa: E402
from fake_onebot import FakeOneBot, group_event, private_event, segments_of  # noqa: E402
from fake_slack import FakeSlack, SlackPoster, block_actions, event_callback  # noqa: E402
from fake_slack import message_event, new_ts  # noqa: E402
from fake_telegram import FakeTelegram  # noqa: E402
from fake_wechat import FakeWechat  # noqa: E402
from fake_wecom import FakeWecom  # noqa: E402
from fake_wecom_robot import FakeWecomRobot  # noqa: E402
from gateway import (ASK_DESCRIPTION, ASK_NAME, ASK_ROOM, CREATED, PING,  # noqa: E402
                     SUMMARY, Gateway, example_config, tiny_jpeg, tiny_png)

# ---- the platforms' credentials (none may show in the log) --------------------------------------
WX_APPID, WX_SECRET, WX_TOKEN = "wx5823bf96d3bd56c7", "3f1e2d4c5b6a79880123456789abcdef", "concierge"
WX_AES = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
WC_CORP, WC_SECRET, WC_AGENT = "ww0123456789abcdef", "Xo9-secret_of_the_app_0123456789", 1000002
WC_TOKEN, WC_AES = "wecomToken42", "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
QQ_TOKEN, QQ_SECRET = "qq-access-token-1", "onebot-post-secret"
SLACK_SECRET, SLACK_BOT_TOKEN = "8f742231b10e8888abcd99yyyzzz85a5", "xoxb-17-fake-bot"
DING_TOKEN = "3d9f0c1be27a4c56a8f1e0d2c3b4a59687f6e5d4c3b2a1908f7e6d5c4b3a2910"
DING_SECRET = "SEC5f1c9e3a7b2d4f6e8a0c1b3d5e7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5"
FEISHU_HOOK, FEISHU_SECRET = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b", "Fs9kQ2vX7mN4pL8wR3tY6uI1oE5aZ0cB"
ROBOT_KEY = "0b5e7c1d-4a2f-4c8e-9d3a-6f1e2b7c8d90"
TG_TOKEN, TG_BOT = "123:TEST", "ConciergeBot"
GENERIC_SECRET = "generic-s3cret-0123"

# ---- people and places ----------------------------------------------------------------------------
RES_A = "oResidentA_01"                       # resident A's openid on the Official Account
RES_B, QQ_BOT, OWNERS = 20002000, 10001000, 123456789   # resident B, the bot, the owners' group
SLACK_BOT, SLACK_STAFF = "U0BOT", "C0STAFF"
SLACK_WANG, SLACK_WANG_DM = "U0WANG", "D0WANG"
WC_WANG, WC_ZHAO = "WangShiFu", "zhao.zhuguan"
TG_STAFF = -100200300
WANG_PHONE = "13912345678"                    # his mobile: how the robots mention him
PHONE_A, MASKED_A = "13800138000", "138****8000"
PHONE_B, MASKED_B = "13700137000", "137****7000"

ASK_PHONE = "请留一个联系电话"
ASK_TIME = "您希望什么时间上门或办理"
PHOTO_KEPT = "提交后会附在"
HINT = "已私信您，请在私聊中继续"
CONTACT = "的住户信息"
ASSIGNED = "接单，稍后会与您联系"
ETA = "上门处理工单"
STARTED = "已开始处理您的工单"
ASK_ACCEPT = "请检查一下：问题解决了吗"
ASK_RATING = "请为本次服务打分"
ASK_COMMENT = "还有什么意见或建议吗"
THANKS = "感谢您的反馈"
ACCEPTED_STAFF = "住户已验收"

# 2026-11-27 09:00 in Asia/Shanghai: a morning, so "今天下午4点" is still ahead.
T0 = calendar.timegm((2026, 11, 27, 1, 0, 0, 0, 0, 0))
FAST = {"per_chat_per_sec": 50, "per_chat_per_min": 1000, "global_per_sec": 100}


def staff_list():
    people = {s["id"]: dict(s) for s in example_config()["staff"]}
    people["wang"]["identities"] = [{"channel": "slack", "user": SLACK_WANG},
                                    {"channel": "wecom", "user": WC_WANG}]
    people["wang"]["phone"] = WANG_PHONE
    people["zhao"]["identities"] = [{"channel": "wecom", "user": WC_ZHAO}]
    return list(people.values())


class EndToEnd(unittest.TestCase):
    def setUp(self):
        self.gw = None
        clock = self.now
        self.wx = FakeWechat(WX_APPID, WX_SECRET, WX_TOKEN, WX_AES, clock=clock).start()
        self.wc = FakeWecom(WC_CORP, WC_SECRET, WC_AGENT, WC_TOKEN, WC_AES,
                            users={WC_WANG, WC_ZHAO}, clock=clock).start()
        self.ob = FakeOneBot(QQ_TOKEN, QQ_SECRET, clock=clock).start()
        self.fs = FakeSlack(bot_token=SLACK_BOT_TOKEN, bot_user=SLACK_BOT, clock=clock).start()
        self.ding = FakeDingTalk({DING_TOKEN: DING_SECRET}, clock=clock).start()
        self.feishu = FakeFeishu({FEISHU_HOOK: FEISHU_SECRET}, clock=clock).start()
        self.robot = FakeWecomRobot(ROBOT_KEY, clock=clock).start()
        self.tg = FakeTelegram(token=TG_TOKEN, bot_username=TG_BOT, bot_id=777,
                               clock=clock).start()
        self.cb = FakeCallback(GENERIC_SECRET).start()
        for fake in (self.wx, self.wc, self.ob, self.fs, self.ding, self.feishu, self.robot,
                     self.tg, self.cb):
            self.addCleanup(fake.stop)
        self.qq = None

    def now(self):
        return self.gw.now() if self.gw else time.time()

    def tearDown(self):
        if not self.gw:
            return
        self.gw.finish(self)
        log = self.gw.stderr()
        secrets = [WX_SECRET, WX_AES, WC_SECRET, WC_AES, QQ_TOKEN, QQ_SECRET, SLACK_SECRET,
                   SLACK_BOT_TOKEN, DING_TOKEN, DING_SECRET, FEISHU_HOOK, FEISHU_SECRET,
                   ROBOT_KEY, TG_TOKEN, GENERIC_SECRET]
        secrets += list(self.wx.tokens) + list(self.wc.tokens)
        for word in secrets:
            self.assertNotIn(word, log, "a credential is in the log")
        for phone in (PHONE_A, PHONE_B, WANG_PHONE):
            self.assertNotIn(phone, log, "a full phone number is in the log")
        self.assertEqual(self.ob.violations, [])

    # ---- the gateway with every channel on ----------------------------------------------------

    def start(self):
        community = example_config()["communities"][0]
        channels = {
            "wechat": {"enabled": True, "app_id": WX_APPID, "app_secret": WX_SECRET,
                       "token": WX_TOKEN, "encoding_aes_key": WX_AES, "mode": "safe",
                       "api_base": self.wx.url},
            "wecom": {"enabled": True, "corp_id": WC_CORP, "agent_id": str(WC_AGENT),
                      "secret": WC_SECRET, "token": WC_TOKEN, "encoding_aes_key": WC_AES,
                      "api_base": self.wc.url, "staff_chat": WC_WANG + "|" + WC_ZHAO},
            "qq": {"enabled": True, "access_token": QQ_TOKEN, "secret": QQ_SECRET,
                   "bots": [{"self_id": str(QQ_BOT)}], "resident_groups": [OWNERS],
                   "staff_group": None, "action_timeout": 3, "rate_limits": FAST},
            "slack": {"enabled": True, "mode": "events", "bot_token": SLACK_BOT_TOKEN,
                      "signing_secret": SLACK_SECRET, "app_token": None,
                      "api_base": self.fs.api, "files_base": self.fs.files_base,
                      "staff_chat": SLACK_STAFF, "rate_limits": {"per_chat_per_sec": 50}},
            "dingtalk": {"enabled": True, "robots": [
                {"chat": "staff", "webhook": self.ding.webhook(DING_TOKEN),
                 "secret": DING_SECRET}]},
            "feishu": {"enabled": True, "robots": [
                {"chat": "staff", "webhook": self.feishu.webhook(FEISHU_HOOK),
                 "secret": FEISHU_SECRET}]},
            "wecom_robot": {"enabled": True, "key": ROBOT_KEY, "api_base": self.robot.url,
                            "per_minute": 20},
            "telegram": {"enabled": True, "token": TG_TOKEN, "api_base": self.tg.url,
                         "mode": "polling", "webhook_secret": None, "public_url": None,
                         "staff_chat": str(TG_STAFF), "bot_username": TG_BOT,
                         "poll_timeout": 1,
                         "rate_limits": {"per_chat_per_sec": 50, "per_group_per_min": 1000,
                                         "global_per_sec": 100}},
            "generic": {"enabled": True, "secret": GENERIC_SECRET, "callback_url": self.cb.url},
        }
        self.gw = Gateway({"staff": staff_list(), "communities": [community],
                           "channels": channels}, clock=True, now=T0)
        self.addCleanup(self.gw.close)
        self.gw.start()
        self.wx.target = self.gw.url + "/hooks/wechat"
        self.wc.target = self.gw.url + "/hooks/wecom"
        self.slack = SlackPoster(self.gw.url, SLACK_SECRET, clock=self.gw.now)
        self.fs.wait_for_call("auth.test")
        self.tg.wait_for_call("getUpdates", timeout=15)
        self.qq = self.ob.connect(self.gw.port, QQ_BOT)
        self.gw.wait(lambda: self.health()["qq"]["bots"][0].get("websocket"),
                     what="the QQ bot connected")
        # every channel is on, none in trouble
        for name in ("wechat", "wecom", "qq", "slack", "dingtalk", "feishu", "wecom_robot",
                     "telegram", "generic", "web"):
            self.assertIn(name, self.health(), name)
            state = self.health()[name].get("state", "on")
            self.assertFalse(str(state).startswith("error"), (name, state))

    def health(self):
        status, body = self.gw.get_json("/healthz")
        self.assertEqual(status, 200, body)
        return body["channels"]

    # ---- what reached whom --------------------------------------------------------------------

    def wait_for(self, what, fn, timeout=15):
        """Waits until FN returns something true (a fake's look), and returns it."""
        deadline = time.time() + timeout
        while True:
            got = fn()
            if got:
                return got
            if time.time() > deadline:
                self.fail("timed out waiting for %s\n%s" % (what, self.gw.stderr()[-3000:]))
            time.sleep(0.05)

    def wx_expect(self, needle, since):
        try:
            return self.wx.wait_text(RES_A, needle, since=since)
        except TimeoutError as e:
            self.fail("%s\n%s" % (e, self.gw.stderr()[-3000:]))

    def wx_step(self, text, needle):
        m = self.wx.mark()
        self.assertEqual(self.wx.text(RES_A, text)[:2], (200, "success"))
        return self.wx_expect(needle, m)

    def wc_expect(self, user, needle, since):
        try:
            return self.wc.wait_text(user, needle, since=since)
        except TimeoutError as e:
            self.fail("%s\n%s" % (e, self.gw.stderr()[-3000:]))

    def wc_say(self, user, text):
        status, body, took = self.wc.text(user, text)
        self.assertEqual((status, body), (200, ""))
        self.assertLess(took, 4.0)  # WeCom asks again after 5 s

    def qq_expect(self, chat, needle, since):
        try:
            return self.ob.wait_sent(str(chat), needle, since=since)
        except TimeoutError:
            self.fail("no QQ message with %r to %s; sent: %s\n%s" % (
                needle, chat, json.dumps([(c, t) for c, t, _, _ in self.ob.sent(since)],
                                         ensure_ascii=False, indent=1),
                self.gw.stderr()[-3000:]))

    def qq_private(self, text, needle, images=()):
        m = self.ob.mark()
        self.qq.send(private_event(QQ_BOT, RES_B, text, sub_type="group", images=images))
        return self.qq_expect(RES_B, needle, m)

    def slack_deliver(self, event):
        status, answer = self.slack.event(event_callback(event))
        self.assertEqual(status, 200, answer)

    def slack_expect(self, channel, needle, since, thread=None):
        try:
            return self.fs.wait_for_post(channel, needle, since=since, thread=thread)
        except TimeoutError:
            self.fail("no Slack post with %r to %s (thread %s); posts: %s\n%s" % (
                needle, channel, thread,
                json.dumps([(p.get("channel"), p.get("thread_ts"), p.get("text"))
                            for p in self.fs.posts(since=since)], ensure_ascii=False, indent=1),
                self.gw.stderr()[-3000:]))

    def slack_press(self, channel, value, message_ts):
        status, answer = self.slack.action(block_actions(channel, SLACK_WANG, value, message_ts))
        self.assertEqual(status, 200, answer)

    def slack_mark(self):
        return len(self.fs.calls())

    @staticmethod
    def ding_text(call):
        return call["json"]["text"]["content"]

    @staticmethod
    def feishu_text(call):
        return call["json"]["content"]["text"]

    @staticmethod
    def robot_text(call):
        return call["json"]["text"]["content"]

    def robot_posts(self, fake, text_of, needle, since=0):
        with fake.cond:
            calls = [dict(c) for c in fake.calls[since:] if c[fake.code_key] == 0]
        return [c for c in calls if needle in text_of(c)]

    def tg_texts(self, chat):
        return self.tg.sent_texts(chat)

    def drained(self):
        """Nothing waits to go out on the platforms (the terminal's and the web's staff
        chats keep theirs for whoever opens them), nothing was given up."""
        outside = ("terminal", "web")
        self.gw.wait(lambda: not [r for r in self.gw.outbox() if r["channel"] not in outside],
                     what="every platform's outbox drained")
        self.assertEqual(self.gw.outbox(dead=True), [])

    # ---- the journey --------------------------------------------------------------------------

    def test_end_to_end_every_channel_at_once(self):
        self.start()
        jpeg, png = tiny_jpeg(), tiny_png()

        # (a) resident A files a repair through the Official Account, in safe mode, with a
        # photo of the leak; every question and the number come back through WeChat
        self.wx_step("/repair", ASK_DESCRIPTION)
        self.wx_step("厨房水管漏水", ASK_ROOM)
        m = self.wx.mark()
        self.assertEqual(self.wx.image(RES_A, jpeg)[:2], (200, "success"))
        self.wx_expect(PHOTO_KEPT, m)
        self.wx_step("3-2-501", ASK_NAME)
        self.wx_step("李伟", ASK_PHONE)
        self.wx_step(PHONE_A, ASK_TIME)
        summary = self.wx_step("今天下午3点", SUMMARY)
        self.assertIn("【确认提交】", summary)  # no buttons in WeChat: the reply to type
        m_ping = (self.slack_mark(), len(self.ding.calls), len(self.feishu.calls),
                  len(self.robot.calls), self.wc.mark())
        created = self.wx_step("确认提交", CREATED)
        n1 = re.search(r"工单号 (\d{6}-\d{3})", created).group(1)
        o = self.gw.order(n1)
        self.assertEqual((o["status"], o["resident"], o["room"], o["phone"], o["category"]),
                         ("pending", "wechat:" + RES_A, "3-2-501", PHONE_A, "repair"))
        self.assertEqual([p["hash"] for p in o["photos"]], [hashlib.sha256(jpeg).hexdigest()])

        # (b) the dispatch ping reaches every staff group: the DingTalk robot (signed), the
        # WeCom app (its staff_chat's user IDs), the Feishu bot, Slack's staff channel, the
        # WeCom robot and Telegram's staff group - masked, with the way to take it
        ping = PING + n1
        slack_m, ding_m, feishu_m, robot_m, wc_m = m_ping
        ding = self.wait_for("the DingTalk ping", lambda: self.robot_posts(
            self.ding, self.ding_text, ping, ding_m))[0]
        self.assertTrue(ding["signed"])
        self.assertNotIn("at", ding["json"])  # a ping for everyone mentions no one
        self.assertIn("/accept " + n1, self.ding_text(ding))
        self.assertIn(MASKED_A, self.ding_text(ding))
        wc_ping = self.wc_expect(WC_WANG, ping, wc_m)
        call = [c for c in self.wc.sent(since=wc_m) if ping in c["json"]["text"]["content"]][0]
        self.assertEqual(call["json"]["touser"], WC_WANG + "|" + WC_ZHAO)
        self.assertIn("/accept " + n1, wc_ping)
        feishu = self.wait_for("the Feishu ping", lambda: self.robot_posts(
            self.feishu, self.feishu_text, ping, feishu_m))[0]
        self.assertTrue(feishu["signed"])
        self.assertEqual(feishu["mentions"], [])
        slack_ping = self.slack_expect(SLACK_STAFF, ping, slack_m)
        self.assertEqual(
            [e["value"] for b in slack_ping["blocks"] if b["type"] == "actions"
             for e in b["elements"]], ["/accept " + n1])
        self.wait_for("the WeCom robot's ping", lambda: self.robot_posts(
            self.robot, self.robot_text, ping, robot_m))
        self.wait_for("the Telegram ping", lambda: [t for t in self.tg_texts(TG_STAFF)
                                                    if ping in t])
        # the photo is there for whoever takes it
        for text in (self.ding_text(ding), wc_ping, slack_ping["text"]):
            self.assertIn("照片 1 张", text)

        # (c) wang takes it on Slack with the ping's button; the answer in the ping's thread,
        # the resident's contact privately to him (Slack, the WeCom app), a masked card
        # mentioning him by phone in the DingTalk group; resident A hears it in WeChat
        ping_ts = new_ts(self.gw.now())
        m, ding_m, wc_m, wx_m = self.slack_mark(), len(self.ding.calls), self.wc.mark(), \
            self.wx.mark()
        robot_m = len(self.robot.calls)
        self.slack_press(SLACK_STAFF, "/accept " + n1, ping_ts)
        self.slack_expect(SLACK_STAFF, "%s 已由王师傅接单" % n1, m, thread=ping_ts)
        contact = self.slack_expect(SLACK_WANG, CONTACT, m)
        self.assertIn(PHONE_A, contact["text"])
        self.assertIn(PHONE_A, self.wc_expect(WC_WANG, CONTACT, wc_m))
        for c in self.wc.sent(since=wc_m):
            self.assertEqual(c["json"]["touser"], WC_WANG)  # his own chat, not zhao's
        self.wx_expect(ASSIGNED, wx_m)
        card = self.wait_for("the DingTalk card mentioning wang", lambda: [
            c for c in self.robot_posts(self.ding, self.ding_text, CONTACT, ding_m)
            if c["json"].get("at", {}).get("atMobiles") == [WANG_PHONE]])[0]
        self.assertTrue(self.ding_text(card).startswith("@" + WANG_PHONE + " "))
        self.assertIn(MASKED_A, self.ding_text(card))
        self.wait_for("the WeCom robot's card mentioning wang", lambda: [
            c for c in self.robot_posts(self.robot, self.robot_text, CONTACT, robot_m)
            if c["json"]["text"].get("mentioned_mobile_list") == [WANG_PHONE]])
        self.assertEqual(self.gw.order(n1)["assignee"], "wang")

        # a visit time, with a mention in the staff channel
        m, wx_m = self.slack_mark(), self.wx.mark()
        cmd = message_event(SLACK_STAFF, SLACK_WANG, "<@%s> /eta %s 今天下午4点" % (SLACK_BOT, n1),
                            ts=new_ts(self.gw.now()))
        self.slack_deliver(cmd)
        self.slack_expect(SLACK_STAFF, "%s 上门时间定为" % n1, m, thread=cmd["ts"])
        self.assertIn("11月27日 16:00", self.wx_expect(ETA, wx_m))
        # started with the button of his contact card, in his direct messages
        start = [e["value"] for b in contact["blocks"] if b["type"] == "actions"
                 for e in b["elements"]]
        self.assertIn("/start " + n1, start)
        m, wx_m = self.slack_mark(), self.wx.mark()
        self.slack_press(SLACK_WANG_DM, "/start " + n1, new_ts(self.gw.now()))
        self.slack_expect(SLACK_WANG, "%s 已开工" % n1, m)
        self.wx_expect(STARTED, wx_m)
        # done, with the fee, in a direct message
        m, wx_m = self.slack_mark(), self.wx.mark()
        self.slack_deliver(message_event(SLACK_WANG_DM, SLACK_WANG, "/done %s 50" % n1,
                                         channel_type="im", ts=new_ts(self.gw.now())))
        self.slack_expect(SLACK_WANG, "%s 已报完工" % n1, m)

        # (d) resident A is asked in WeChat (the customer-service API), accepts, rates 5
        # with a comment; wang hears it on Slack
        ask = self.wx_expect(ASK_ACCEPT, wx_m)
        self.assertIn("【满意，已解决】", ask)
        self.assertIn("50", ask)
        m = self.slack_mark()
        rating = self.wx_step("满意，已解决", ASK_RATING)
        self.assertIn("【1】【2】【3】【4】【5】", rating)
        self.slack_expect(SLACK_WANG, ACCEPTED_STAFF, m)
        self.wx_step("5", ASK_COMMENT)
        self.wx_step("师傅很专业，谢谢", THANKS)
        o = self.gw.order(n1)
        self.assertEqual((o["status"], o["rating"], o["comment"], o["assignee"], o["fee"]),
                         ("closed", 5, "师傅很专业，谢谢", "wang", 50))
        actions = [e["action"] for e in o["events"]]
        for a in ("created", "photo_added", "accepted", "eta", "started", "done",
                  "accepted_by_resident", "rated"):
            self.assertIn(a, actions)
        # each change came in through the channel it was made on
        via = {e["action"]: e["via"] for e in o["events"]}
        self.assertEqual((via["created"], via["accepted"], via["accepted_by_resident"]),
                         ("wechat", "slack", "wechat"))
        # every word to A went through the customer-service API, as text
        self.assertTrue(all(c["json"]["msgtype"] == "text" for c in self.wx.sent()))

        # (e) resident B asks in the QQ owners' group, mentioning the bot: the group hears
        # where it went on, the personal questions come in a temporary session
        m = self.ob.mark()
        ask = group_event(QQ_BOT, OWNERS, RES_B, "/repair 卫生间水龙头一直滴水",
                          card="5-1-302 张敏")
        self.qq.send(ask)
        _, params, _ = self.qq_expect("group:%d" % OWNERS, HINT, m)
        self.assertEqual(segments_of(params, "reply"), [{"id": str(ask["message_id"])}])
        self.assertEqual(segments_of(params, "at"), [{"qq": str(RES_B)}])
        _, params, _ = self.qq_expect(RES_B, ASK_ROOM, m)
        self.assertEqual((params["user_id"], params.get("group_id")), (RES_B, OWNERS))
        url = self.ob.image_url("tap.png", png)
        self.qq_private("", PHOTO_KEPT, images=[url])
        self.qq_private("5-1-302", ASK_NAME)
        self.qq_private("张敏", ASK_PHONE)
        self.qq_private(PHONE_B, ASK_TIME)
        summary, _, _ = self.qq_private("明天上午", SUMMARY)
        # no buttons in QQ: the replies to type, as in WeChat
        self.assertIn("【确认提交】【上一步】【取消】", summary)
        wc_m, ding_m, feishu_m = self.wc.mark(), len(self.ding.calls), len(self.feishu.calls)
        slack_m = self.slack_mark()
        created, _, _ = self.qq_private("确认", CREATED)
        n2 = re.search(r"工单号 (\d{6}-\d{3})", created).group(1)
        self.assertNotEqual(n1, n2)
        o = self.gw.order(n2)
        self.assertEqual((o["resident"], o["room"], o["phone"], o["description"]),
                         ("qq:%d" % RES_B, "5-1-302", PHONE_B, "卫生间水龙头一直滴水"))
        self.assertEqual([p["hash"] for p in o["photos"]], [hashlib.sha256(png).hexdigest()])
        self.assertEqual(len(self.ob.sent(0, "group:%d" % OWNERS)), 1)
        # the ping reaches the staff groups again
        self.wc_expect(WC_ZHAO, PING + n2, wc_m)
        self.wait_for("the second DingTalk ping", lambda: self.robot_posts(
            self.ding, self.ding_text, PING + n2, ding_m))
        self.wait_for("the second Feishu ping", lambda: self.robot_posts(
            self.feishu, self.feishu_text, PING + n2, feishu_m))
        self.slack_expect(SLACK_STAFF, PING + n2, slack_m)

        # wang takes it in the WeCom app, starts and finishes it there; B hears each step
        # privately, in the temporary session from the owners' group
        m, wc_m = self.ob.mark(), self.wc.mark()
        self.wc_say(WC_WANG, "/accept " + n2)
        self.assertIn(PHONE_B, self.wc_expect(WC_WANG, CONTACT, wc_m))
        _, params, _ = self.qq_expect(RES_B, ASSIGNED, m)
        self.assertEqual(params.get("group_id"), OWNERS)
        self.assertEqual(self.gw.order(n2)["assignee"], "wang")
        m, wc_m = self.ob.mark(), self.wc.mark()
        self.wc_say(WC_WANG, "/start " + n2)
        self.wc_expect(WC_WANG, "%s 已开工" % n2, wc_m)
        self.qq_expect(RES_B, STARTED, m)
        # a photo of his work from the WeCom app: staff photos are not kept, and he is told
        # how to ask the resident for one
        m = self.wc.mark()
        status, body, _ = self.wc.image(WC_WANG, jpeg)
        self.assertEqual((status, body), (200, ""))
        self.assertIn("/photo", self.wc_expect(WC_WANG, "只保存业主发来的照片", m))
        m = self.ob.mark()
        self.wc_say(WC_WANG, "/done " + n2)
        ask, _, _ = self.qq_expect(RES_B, ASK_ACCEPT, m)
        self.assertIn("【满意，已解决】【不满意，需返工】", ask)
        # B accepts and rates it in private
        m = self.wc.mark()
        rating, _, _ = self.qq_private("满意，已解决", ASK_RATING)
        self.assertIn("【1】【2】【3】【4】【5】", rating)
        self.wc_expect(WC_WANG, ACCEPTED_STAFF, m)
        self.qq_private("4", ASK_COMMENT)
        self.qq_private("跳过", THANKS)
        o = self.gw.order(n2)
        self.assertEqual((o["status"], o["rating"], o["assignee"]), ("closed", 4, "wang"))
        self.assertEqual([p["hash"] for p in o["photos"]], [hashlib.sha256(png).hexdigest()])
        self.assertEqual(self.gw.order(n1)["status"], "closed")

        # (f) each platform saw only what it should
        self.drained()
        phones = (PHONE_A, PHONE_B)
        # the owners' group: one hint for B's request, nothing personal
        for text in [t for _, t, _, _ in self.ob.sent(0, "group:%d" % OWNERS)]:
            for private in phones + ("5-1-302", "张敏", "3-2-501", "李伟"):
                self.assertNotIn(private, text)
        for chat, text, _, _ in self.ob.sent(0):
            self.assertFalse(chat.startswith("group:") and any(p in text for p in phones),
                             (chat, text))
        # the staff groups: robots, Slack channels, Telegram's group, the WeCom app's
        # messages to several people at once
        for fake in (self.ding, self.feishu, self.robot):
            for c in fake.calls:
                raw = (c["body"] or b"").decode("utf-8", "replace")
                for p in phones:
                    self.assertNotIn(p, raw)
        for p in self.fs.posts():
            if not p["channel"].startswith(("U", "D")):
                for phone in phones:
                    self.assertNotIn(phone, json.dumps(p, ensure_ascii=False), p["channel"])
        for text in self.tg_texts(TG_STAFF):
            for p in phones:
                self.assertNotIn(p, text)
        for c in self.wc.sent():
            if "|" in c["json"]["touser"] or c["json"]["touser"] == "@all":
                for p in phones:
                    self.assertNotIn(p, c["json"]["text"]["content"])
        # the WeChat resident and the generic webhook heard nothing that was not theirs
        for text in self.wx.texts():
            self.assertNotIn(PHONE_B, text)
        self.assertEqual(self.cb.calls, [])
        self.assertEqual(self.wx.token_fetches, 1)
        self.assertEqual(self.wc.token_fetches, 1)


if __name__ == "__main__":
    unittest.main()
