"""DingTalk custom robots as staff channels: the real `concierge serve` against
fake DingTalk robots (tests/fake_dingtalk.py), which check the signature of
every call on the gateway's own (moved) clock.

Through the terminal a resident files a repair and the supervisor assigns
it; the tests look at what the robots were asked to post: the signed
dispatch ping, the technician mentioned by the phone in his staff entry
(atMobiles and "@number" in the text), a second robot serving another staff
chat, the pace of 20 a minute per robot (and the 10 minutes DingTalk holds a
robot that went over), a wrong secret shown in /healthz while the messages
wait, and the retries after a 500 or a dropped connection.
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from fake_dingtalk import FakeDingTalk  # noqa: E402
from gateway import example_config  # noqa: E402
from robotcase import AGAIN, FILE, RobotCase, staff  # noqa: E402

TOKEN = "3d9f0c1be27a4c56a8f1e0d2c3b4a59687f6e5d4c3b2a1908f7e6d5c4b3a2910"
NIGHT = "77aa0c1be27a4c56a8f1e0d2c3b4a59687f6e5d4c3b2a1908f7e6d5c4b3a2911"
SECRET = "SEC5f1c9e3a7b2d4f6e8a0c1b3d5e7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5"
WANG_PHONE = "13912345678"  # his mobile, in his staff entry: how the robot mentions him
CHANNEL = "dingtalk"


class DingTalk(RobotCase):
    CHANNEL = CHANNEL

    def setUp(self):
        super().setUp()
        self.ding = FakeDingTalk({TOKEN: SECRET, NIGHT: SECRET}, clock=self.now).start()
        self.addCleanup(self.ding.stop)
        self.hidden = [TOKEN, NIGHT, SECRET, WANG_PHONE]

    def text(self, call):
        return call["json"]["text"]["content"]

    def config_with(self, people, secret=SECRET, robots=None):
        return {"staff": people,
                "channels": {CHANNEL: {"enabled": True, "robots": robots or [
                    {"chat": "staff", "webhook": self.ding.webhook(TOKEN), "secret": secret}]}}}

    def start_robots(self, secret=SECRET, robots=None, changes=None):
        config = self.config_with(staff(wang={"phone": WANG_PHONE}), secret, robots)
        config.update(changes or {})
        return self.start(config)

    # ---- the dispatch ping and the assignee --------------------------------------------

    def test_ping_then_assignee_mentioned_by_phone(self):
        self.start_robots()
        [number] = self.file()
        call = self.ping_for(self.ding, number)
        self.assertTrue(call["signed"])
        self.assertEqual(call["robot"], TOKEN)
        self.assertEqual(call["json"]["msgtype"], "text")
        self.assertNotIn("at", call["json"])  # a ping for everyone mentions no one
        # the way to take it is in the text, once, as a command to type
        self.assertEqual(self.text(call).count("/accept " + number), 1, self.text(call))
        mark = len(self.ding.calls)
        self.chat("staff:zhao", ["/assign %s wang" % number])
        self.assertEqual(self.gw.order(number)["assignee"], "wang")
        call = self.wait_post(self.ding, lambda c: c["json"].get("at", {}).get("atMobiles")
                              == [WANG_PHONE], what="a post mentioning wang", since=mark)
        self.assertTrue(call["signed"])
        self.assertIn(number, self.text(call))
        # DingTalk shows the mention where "@number" stands in the text
        self.assertTrue(self.text(call).startswith("@" + WANG_PHONE + " "), self.text(call))
        self.assertNotIn("atUserIds", call["json"]["at"])
        self.drained()
        self.assertEqual(self.health()["state"], "on")
        self.assertEqual(self.health()["robots"], ["staff"])
        self.assertEqual(len(self.pings(self.ding, number)), 1)
        # staff read the group: no resident's phone number in any post
        self.assert_no_resident_phone(self.ding)

    def test_identity_comes_before_the_phone(self):
        self.start(self.config_with(staff(wang={"phone": WANG_PHONE, "identities": [
            {"channel": CHANNEL, "user": "wang.dt"}]})))
        [number] = self.file()
        self.ping_for(self.ding, number)
        mark = len(self.ding.calls)
        self.chat("staff:zhao", ["/assign %s wang" % number])
        call = self.wait_post(self.ding, lambda c: "at" in c["json"], since=mark,
                              what="a post mentioning wang")
        # his DingTalk user ID: not his number as well
        self.assertEqual(call["json"]["at"], {"atUserIds": ["wang.dt"]})
        self.assertTrue(self.text(call).startswith("@wang.dt "), self.text(call))
        self.drained()
        mentions = [c["json"]["at"] for c in self.ding.calls[mark:]
                    if c["errcode"] == 0 and "at" in c["json"]]
        # (the assignment and his contact card: each mentions him one way only)
        self.assertTrue(mentions)
        self.assertEqual([m for m in mentions if m != {"atUserIds": ["wang.dt"]}], [])

    def test_second_robot_serves_a_community_chat(self):
        robots = [{"chat": "staff", "webhook": self.ding.webhook(TOKEN), "secret": SECRET},
                  {"chat": "night", "webhook": self.ding.webhook(NIGHT), "secret": SECRET}]
        community = example_config()["communities"][0]
        community["staff_chats"] = community["staff_chats"] + [
            {"channel": CHANNEL, "chat": "night"}]
        self.start_robots(robots=robots, changes={"communities": [community]})
        [number] = self.file()
        # the community names the "night" robot's group: the ping goes there, once
        call = self.ping_for(self.ding, number)
        self.assertEqual(call["robot"], NIGHT)
        mark = len(self.ding.calls)
        self.chat("staff:zhao", ["/assign %s wang" % number])
        # a notice for wang goes to the channel's own group, the first robot's
        call = self.wait_post(self.ding, lambda c: "at" in c["json"], since=mark,
                              what="a post mentioning wang")
        self.assertEqual(call["robot"], TOKEN)
        self.drained()
        self.assertEqual([c["robot"] for c in self.pings(self.ding, number)], [NIGHT])
        self.assertEqual(self.health()["robots"], ["staff", "night"])

    # ---- pace --------------------------------------------------------------------------

    def test_too_fast_holds_the_robot_then_twenty_a_minute(self):
        self.start_robots()
        # DingTalk says "too fast" to the first message: it refuses the robot for 10 minutes
        self.ding.fail(errcode=130101)
        numbers = self.file(FILE + AGAIN * 24, orders=25)
        self.ding.wait_calls(1)
        self.wait_retried()
        self.assertEqual(self.ding.sent(), [])
        self.assertEqual(len(self.rows()), 25)  # all waiting, none dropped
        self.gw.advance(599)
        self.assertEqual(self.ding.sent(), [])
        # then 20 go at once, and the rest wait for the robot's minute
        self.gw.advance(2)
        self.ding.wait_sent(20, timeout=30)
        self.assertEqual(len(self.ding.sent()), 20, self.dump(self.ding))
        self.assertTrue(self.rows(), "nothing left waiting")
        self.deliver_all(self.ding, numbers)
        for n in numbers:
            self.assertEqual(len(self.pings(self.ding, n)), 1, n)
        # only the scripted "too fast": the pace kept the robot within its minute
        self.assertEqual([c["errcode"] for c in self.ding.calls if c["errcode"]], [130101])
        self.assertLessEqual(self.ding.most_in_window(60, TOKEN), 20)
        self.drained()
        self.assertEqual(self.health()["state"], "on")

    # ---- refusals and trouble ------------------------------------------------------------

    def test_wrong_secret_is_refused_credentials_in_healthz(self):
        wrong = "SEC0000wrong0000secret"
        self.hidden.append(wrong)
        self.start_robots(secret=wrong)
        [number] = self.file()
        self.ding.wait_calls(1)
        self.assertEqual(self.ding.calls[0]["errcode"], 310000)
        state = self.gw.wait(lambda: self.health()["state"].startswith("error") and
                             self.health()["state"], timeout=10, what="the channel's error state")
        self.assertEqual(state, "error: 310000 sign not match (robot staff)")
        # the ping is kept for when the secret is fixed, not given up
        self.assertEqual(self.rows(dead=True), [])
        rows = self.rows()
        self.assertEqual(len(rows), 1)
        self.assertIn(number, rows[0]["payload"]["text"])
        self.assertEqual(self.ding.sent(), [])
        self.assertIn("credentials refused", self.gw.stderr())

    def test_server_error_and_lost_connection_then_delivered(self):
        self.start_robots()
        self.ding.fail(status=500)
        self.ding.fail(hangup=True)
        [number] = self.file()
        self.wait_retried(1)
        self.gw.advance(2)  # the first retry's backoff: 0.5-1.5 s
        # (libcurl itself tries a request again when a reused connection drops unanswered;
        # else the sender backs off 1-3 s)
        self.ding.wait_calls(2)
        for _ in range(3):
            if self.pings(self.ding, number):
                break
            self.gw.advance(4)
            self.gw.wait(lambda: len(self.ding.calls) >= 3, timeout=5, what="a third call")
        sent = self.ping_for(self.ding, number)
        self.assertEqual([c["status"] for c in self.ding.calls], [500, 0, 200])
        # the same message each time, signed afresh
        self.assertEqual(self.ding.calls[0]["json"], sent["json"])
        self.assertTrue(sent["signed"])
        self.drained()
        self.assertEqual(len(self.pings(self.ding, number)), 1, "delivered more than once")


if __name__ == "__main__":
    unittest.main()
