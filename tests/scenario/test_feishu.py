"""Feishu custom bots as staff channels: the real `concierge serve` against
fake Feishu bots (tests/fake_feishu.py), which check the signature in every
body on the gateway's own (moved) clock.

Through the terminal a resident files a repair and the supervisor assigns
it; the tests look at what the bots were asked to post: the signed dispatch
ping, the technician mentioned by the open_id in his identities with his
name, the pace of 5 a second per bot under a burst (and Feishu's "too many
request" with HTTP 400 waited out), a wrong secret shown in /healthz while
the messages wait, and one gateway with a DingTalk robot and a Feishu bot
both pinging and mentioning the assignee.
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from fake_dingtalk import FakeDingTalk  # noqa: E402
from fake_feishu import FakeFeishu  # noqa: E402
from robotcase import AGAIN, FILE, RobotCase, staff  # noqa: E402

HOOK = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"
SECRET = "Fs9kQ2vX7mN4pL8wR3tY6uI1oE5aZ0cB"
WANG_OPEN_ID = "ou_7d8a6e6df7621556ce0d21922b676706"
CHANNEL = "feishu"


class Feishu(RobotCase):
    CHANNEL = CHANNEL

    def setUp(self):
        super().setUp()
        self.bot = FakeFeishu({HOOK: SECRET}, clock=self.now).start()
        self.addCleanup(self.bot.stop)
        self.hidden = [HOOK, SECRET]

    def text(self, call):
        return call["json"]["content"]["text"]

    def start_bots(self, secret=SECRET, more=None):
        config = {"staff": staff(wang={"identities": [{"channel": CHANNEL,
                                                        "user": WANG_OPEN_ID}]}),
                  "channels": {CHANNEL: {"enabled": True, "robots": [
                      {"chat": "staff", "webhook": self.bot.webhook(HOOK), "secret": secret}]}}}
        config["channels"].update(more or {})
        return self.start(config)

    # ---- the dispatch ping and the assignee --------------------------------------------

    def test_ping_then_assignee_mentioned_by_user_id(self):
        self.start_bots()
        [number] = self.file()
        call = self.ping_for(self.bot, number)
        self.assertTrue(call["signed"])
        self.assertEqual(call["json"]["msg_type"], "text")
        self.assertEqual(call["mentions"], [])
        self.assertEqual(self.text(call).count("/accept " + number), 1, self.text(call))
        mark = len(self.bot.calls)
        self.chat("staff:zhao", ["/assign %s wang" % number])
        call = self.wait_post(self.bot, lambda c: c["mentions"], since=mark,
                              what="a post mentioning wang")
        self.assertEqual(call["mentions"], [{"user_id": WANG_OPEN_ID, "name": "王师傅"}])
        self.assertIn(number, self.text(call))
        self.assertTrue(call["signed"])
        self.drained()
        self.assertEqual(self.health()["state"], "on")
        self.assertEqual(len(self.pings(self.bot, number)), 1)
        self.assert_no_resident_phone(self.bot)

    # ---- pace --------------------------------------------------------------------------

    def test_burst_paced_five_a_second(self):
        self.start_bots()
        # Feishu's other way of saying "too fast": HTTP 400, code 9499
        self.bot.fail(status=400, code=9499, msg="too many request")
        numbers = self.file(FILE + AGAIN * 14, orders=15)
        self.bot.wait_calls(1)
        self.wait_retried()
        self.assertEqual(len(self.rows()), 15)  # waiting, none dropped
        self.gw.advance(2)  # the backoff it chose: 0.5-1.5 s
        self.bot.wait_sent(15, timeout=30)
        for n in numbers:
            self.assertEqual(len(self.pings(self.bot, n)), 1, n)
        # paced by the gateway: the bot never had to say "frequency limited"
        self.assertEqual([c["code"] for c in self.bot.calls if c["code"]], [9499])
        self.assertLessEqual(self.bot.most_in_window(1, HOOK), 5)
        self.drained()

    # ---- refusals ------------------------------------------------------------------------

    def test_wrong_secret_is_refused_credentials_in_healthz(self):
        wrong = "not-the-bots-secret"
        self.hidden.append(wrong)
        self.start_bots(secret=wrong)
        [number] = self.file()
        self.bot.wait_calls(1)
        self.assertEqual(self.bot.calls[0]["code"], 19021)
        state = self.gw.wait(lambda: self.health()["state"].startswith("error") and
                             self.health()["state"], timeout=10, what="the channel's error state")
        self.assertTrue(state.startswith("error: 19021 sign match fail"), state)
        self.assertTrue(state.endswith("(robot staff)"), state)
        self.assertEqual(self.rows(dead=True), [])
        rows = self.rows()
        self.assertEqual(len(rows), 1)
        self.assertIn(number, rows[0]["payload"]["text"])
        self.assertEqual(self.bot.sent(), [])

    # ---- both robots at once -------------------------------------------------------------

    def test_with_a_dingtalk_robot_too(self):
        token, ding_secret, phone = "ab12" * 16, "SECdingdingsecret0123456789", "13912345678"
        ding = FakeDingTalk({token: ding_secret}, clock=self.now).start()
        self.addCleanup(ding.stop)
        self.hidden += [token, ding_secret, phone]
        config = {"staff": staff(wang={"phone": phone, "identities": [
                      {"channel": CHANNEL, "user": WANG_OPEN_ID}]}),
                  "channels": {
                      CHANNEL: {"enabled": True, "robots": [
                          {"webhook": self.bot.webhook(HOOK), "secret": SECRET}]},
                      "dingtalk": {"enabled": True, "robots": [
                          {"webhook": ding.webhook(token), "secret": ding_secret}]}}}
        self.start(config)
        [number] = self.file()
        # the dispatch ping reaches both groups
        self.ping_for(self.bot, number)
        self.wait_post(ding, lambda c: self.is_ping_ding(c, number), what="the DingTalk ping")
        self.chat("staff:zhao", ["/assign %s wang" % number])
        # the assignee is mentioned in both: by open_id on Feishu, by his phone on DingTalk
        self.wait_post(self.bot, lambda c: [m["user_id"] for m in c["mentions"]] ==
                       [WANG_OPEN_ID] and number in self.text(c), what="the Feishu mention")
        self.wait_post(ding, lambda c: c["json"].get("at", {}).get("atMobiles") == [phone] and
                       number in c["json"]["text"]["content"], what="the DingTalk mention")
        self.drained()
        self.drained("dingtalk")
        self.assertEqual(self.health("dingtalk")["state"], "on")
        self.assert_no_resident_phone(self.bot)
        self.assert_no_resident_phone(ding)

    @staticmethod
    def is_ping_ding(call, number):
        content = call["json"]["text"]["content"]
        return number in content and "【新工单】" in content


if __name__ == "__main__":
    unittest.main()
