"""The WeCom group robot as the staff channel: the real `concierge serve` against
the fake robot webhook (tests/fake_wecom_robot.py).

A robot only posts, into its own group, so these tests drive the gateway from
the terminal channel - a resident files a repair, the supervisor assigns it -
and look at what the robot was asked to post: the dispatch ping, the mention
of the technician (by the mobile number in his staff identity), the retries
after a 500, a 45009 or a lost connection, the hold on a refused key, and the
pace of 20 messages a minute. The fake's rate window runs on the gateway's
own clock (Gateway(clock=True)), which the tests move instead of sleeping.
"""
import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from fake_wecom_robot import FakeWecomRobot  # noqa: E402
from gateway import PING, Gateway, example_config  # noqa: E402
from robotcase import AGAIN, FILE, PHONE, RobotCase  # noqa: E402

KEY = "0b5e7c1d-4a2f-4c8e-9d3a-6f1e2b7c8d90"
WANG_MOBILE = "13800138000"  # wang's user on the robot: the mobile it mentions him by
CHANNEL = "wecom_robot"


def staff():
    """The example's staff, wang reachable on the robot and zhao not."""
    out = []
    for s in example_config()["staff"]:
        s = dict(s)
        if s["id"] == "wang":
            s["identities"] = [{"channel": CHANNEL, "user": WANG_MOBILE}]
        if s["id"] == "zhao":
            s["identities"] = []
        out.append(s)
    return out


class WecomRobot(RobotCase):
    CHANNEL = CHANNEL

    def setUp(self):
        super().setUp()
        # The fake measures its 20-a-minute window on the gateway's clock.
        self.robot = FakeWecomRobot(KEY, clock=lambda: self.gw.now()).start()
        self.addCleanup(self.robot.stop)

    def tearDown(self):
        if self.gw:
            self.gw.finish(self)
            self.assertNotIn(self.key, self.gw.stderr(), "the robot's key is in the log")

    # ---- helpers -----------------------------------------------------------------------

    def start(self, key=KEY):
        self.key = key
        self.gw = Gateway({"staff": staff(),
                           "channels": {CHANNEL: {"enabled": True, "key": key,
                                                  "api_base": self.robot.url,
                                                  "per_minute": 20}}},
                          clock=True)
        self.addCleanup(self.gw.close)
        self.gw.start()
        return self.gw

    def dump(self):
        return json.dumps([(c["status"], c["errcode"], c["json"]) for c in self.robot.calls],
                          ensure_ascii=False, indent=1)

    def wait_post(self, pred, timeout=15, what="a robot message", since=0):
        """The first message the robot took (from call SINCE on) whose text object
        passes PRED."""
        deadline = time.time() + timeout
        while True:
            with self.robot.cond:
                calls = [dict(c) for c in self.robot.calls[since:] if c["errcode"] == 0]
            for c in calls:
                if pred(c["json"]["text"]):
                    return c
            if time.time() > deadline:
                self.fail("no %s within %ss; the robot got:\n%s\n%s"
                          % (what, timeout, self.dump(), self.gw.stderr()[-3000:]))
            time.sleep(0.05)

    def ping_for(self, number, timeout=15):
        return self.wait_post(lambda t: number in t["content"] and PING in t["content"],
                              timeout, "dispatch ping for %s" % number)

    def pings(self, number):
        return [c for c in self.robot.sent()
                if number in c["json"]["text"]["content"] and PING in c["json"]["text"]["content"]]

    def wait_retried(self, n=1):
        """Waits until the sender has put off N deliveries (/healthz "retried"): it has
        then read the answer and set the row's next try on its clock."""
        self.gw.wait(lambda: self.health()["retried"] >= n, timeout=10,
                     what="%d deliveries put off" % n)

    # ---- the dispatch ping ---------------------------------------------------------------

    def test_dispatch_ping(self):
        self.start()
        [number] = self.file()
        call = self.ping_for(number)
        text = call["json"]["text"]
        self.assertTrue(call["key_ok"])
        self.assertTrue(call["headers"]["content-type"].startswith("application/json"))
        self.assertEqual(call["json"]["msgtype"], "text")
        self.assertLessEqual(len(text["content"].encode("utf-8")), 2048)
        # the way to take it is in the text, once, as a command to type
        self.assertIn("/accept " + number, text["content"])
        self.assertEqual(text["content"].count("/accept " + number), 1, text["content"])
        self.gw.wait(lambda: not self.rows(), timeout=10, what="the robot's outbox to drain")
        self.assertEqual(self.health()["state"], "on")
        self.assertEqual(len(self.pings(number)), 1)
        # staff read the group, and still: no full phone number anywhere in it
        for c in self.robot.calls:
            self.assertNotIn(PHONE, json.dumps(c["json"], ensure_ascii=False))

    def test_assign_mentions_by_mobile(self):
        self.start()
        [number] = self.file()
        self.ping_for(number)
        mark = len(self.robot.calls)
        self.chat("staff:zhao", ["/assign %s wang" % number])
        self.assertEqual(self.gw.order(number)["assignee"], "wang")
        call = self.wait_post(lambda t: t.get("mentioned_mobile_list") == [WANG_MOBILE],
                              what="a message mentioning wang by his mobile", since=mark)
        text = call["json"]["text"]
        self.assertIn(number, text["content"])
        self.assertNotIn("mentioned_list", text)  # a mobile number is not a user ID
        # Everything meant for wang alone went to the group instead, where
        # every colleague reads it: no resident's phone number in any of it.
        self.gw.wait(lambda: not self.rows(), timeout=10, what="the robot's outbox to drain")
        for c in self.robot.calls[mark:]:
            self.assertNotIn(PHONE, c["json"]["text"]["content"],
                             "a notice for wang went to the group with the resident's phone")

    # ---- delivery ------------------------------------------------------------------------

    def test_server_error_then_retry(self):
        self.start()
        self.robot.fail(status=500)
        [number] = self.file()
        self.wait_retried()
        self.gw.advance(2)  # the first retry's backoff: 0.5-1.5 s, due on a whole second
        sent = self.ping_for(number)
        first = self.robot.calls[0]
        self.assertEqual(first["status"], 500)
        self.assertEqual(first["json"], sent["json"])  # the same message again
        self.gw.wait(lambda: not self.rows(), timeout=10, what="the robot's outbox to drain")
        self.assertEqual(self.rows(dead=True), [])
        self.assertEqual(len(self.pings(number)), 1, "delivered more than once")
        self.assertEqual(self.health()["state"], "on")

    def test_lost_connection_then_retry(self):
        self.start()
        self.robot.fail(hangup=True)
        [number] = self.file()
        self.wait_retried()
        self.gw.advance(2)  # the first retry's backoff, as above
        self.ping_for(number)
        self.assertEqual(self.robot.calls[0]["status"], 0)
        self.gw.wait(lambda: not self.rows(), timeout=10, what="the robot's outbox to drain")
        self.assertEqual(self.rows(dead=True), [])
        self.assertEqual(len(self.pings(number)), 1)

    def test_frequency_limit_holds_then_delivers(self):
        self.start()
        self.robot.fail(errcode=45009)
        [number] = self.file()
        self.robot.wait_calls(1)
        self.assertEqual(self.robot.calls[0]["errcode"], 45009)
        # held for the minute the robot asked for: the row waits, nothing is dropped
        self.wait_retried()
        self.assertEqual(len(self.rows()), 1)
        self.assertEqual(self.rows(dead=True), [])
        self.gw.advance(60)
        sent = self.ping_for(number)
        self.assertEqual(sent["json"], self.robot.calls[0]["json"])
        # ... and not called again within that minute of the gateway's clock (which
        # moved only by the real time the test took until advance(60)): two calls
        self.assertEqual([(c["status"], c["errcode"]) for c in self.robot.calls],
                         [(200, 45009), (200, 0)], self.dump())
        self.assertGreaterEqual(sent["time"] - self.robot.calls[0]["time"], 60)
        self.gw.wait(lambda: not self.rows(), timeout=10, what="the robot's outbox to drain")
        self.assertEqual(self.rows(dead=True), [])
        self.assertEqual(len(self.pings(number)), 1)

    def test_wrong_key_holds_the_channel(self):
        self.start(key="0b5e7c1d-wrong-key")
        [number] = self.file()
        self.robot.wait_calls(1)
        self.assertEqual(self.robot.calls[0]["errcode"], 93000)
        self.assertFalse(self.robot.calls[0]["key_ok"])
        state = self.gw.wait(lambda: self.health()["state"].startswith("error") and
                             self.health()["state"], timeout=10, what="the channel's error state")
        self.assertIn("93000", state)
        self.assertNotIn(self.key, state)
        # the ping is kept for when the key is fixed, not dead-lettered
        self.assertEqual(self.rows(dead=True), [])
        rows = self.rows()
        self.assertEqual(len(rows), 1)
        self.assertIn(number, rows[0]["payload"]["text"])
        self.assertEqual(self.robot.sent(), [])

    # ---- pace ----------------------------------------------------------------------------

    def test_twenty_a_minute(self):
        self.start()
        numbers = self.file(FILE + AGAIN * 24, orders=25)
        # 20 go at once; the rest wait for the robot's minute (one more before the
        # clock moved would also show in most_in_window below)
        self.robot.wait_sent(20, timeout=30)
        self.assertEqual(len(self.robot.sent()), 20, self.dump())
        self.assertTrue(self.rows(), "nothing left waiting")
        for _ in range(3):  # a minute per 20 messages, whatever else the robot posts
            self.gw.advance(60)
            try:
                self.gw.wait(lambda: all(self.pings(n) for n in numbers), timeout=10,
                             what="every ping")
                break
            except AssertionError:
                continue
        for n in numbers:
            self.assertEqual(len(self.pings(n)), 1, "ping for %s: %s" % (n, self.dump()))
        # the robot never had to say "too fast", and never saw more than 20 in its minute
        self.assertEqual([c for c in self.robot.calls if c["errcode"] == 45009], [])
        self.assertLessEqual(self.robot.most_in_window(60), 20)
        self.gw.wait(lambda: not self.rows(), timeout=10, what="the robot's outbox to drain")
        self.assertEqual(self.rows(dead=True), [])


if __name__ == "__main__":
    unittest.main()
