"""robotcase.py - what the scenario tests of the webhook robots share.

A robot only posts into its own group, so these tests drive the gateway from
the terminal channel (a resident files a repair, the supervisor assigns it)
and look at what the fake robots (tests/fake_dingtalk.py,
tests/fake_feishu.py) were asked to post. RobotCase starts the real gateway
with a moved clock (Gateway(clock=True)) and offers the looks: the posts a
fake took, the dispatch pings for an order, the channel's /healthz figures,
its rows in the outbox. A test class sets CHANNEL and text(call), the text
of a post.
"""
import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from gateway import INTAKE, PING, Gateway, example_config  # noqa: E402

PHONE = "13800138000"  # the resident's, in INTAKE: never in a staff group
FILE = INTAKE + ["yes"]
# The same request again from the same resident, whose details are now saved.
AGAIN = ["/repair", "厨房水管漏水", "yes", "今天下午3点", "yes"]


def staff(**changes):
    """The example's staff, each entry updated with CHANGES[id] (a dict)."""
    out = []
    for s in example_config()["staff"]:
        s = dict(s)
        s.update(changes.get(s["id"], {}))
        out.append(s)
    return out


class RobotCase(unittest.TestCase):
    CHANNEL = None  # the channel under test

    def setUp(self):
        self.gw = None
        self.hidden = []  # what the gateway's log must never show (tokens, secrets, phones)

    def tearDown(self):
        if self.gw:
            self.gw.finish(self)
            log = self.gw.stderr()
            for word in self.hidden:
                self.assertNotIn(word, log, "the log shows %r" % word)

    # ---- the gateway -------------------------------------------------------------------

    def start(self, changes):
        self.gw = Gateway(changes, clock=True)
        self.addCleanup(self.gw.close)
        self.gw.start()
        return self.gw

    def now(self):
        """The gateway's clock: the fakes measure their windows and timestamps on it."""
        return self.gw.now() if self.gw else time.time()

    def chat(self, who, lines):
        rc, out, err = self.gw.cli("chat", "--as", who, stdin="".join(l + "\n" for l in lines))
        self.assertEqual(rc, 0, err)
        return out

    def file(self, lines=FILE, orders=1):
        """A resident files requests at the terminal; returns the new order numbers."""
        before = {o["number"] for o in self.gw.orders()}
        out = self.chat("resident:li", lines)
        new = [o["number"] for o in self.gw.orders() if o["number"] not in before]
        self.assertEqual(len(new), orders, "expected %d new orders:\n%s" % (orders, out))
        return sorted(new)

    def health(self, channel=None):
        status, h = self.gw.get_json("/healthz")
        self.assertEqual(status, 200, h)
        return h["channels"][channel or self.CHANNEL]

    def rows(self, dead=False, channel=None):
        return [r for r in self.gw.outbox(dead) if r["channel"] == (channel or self.CHANNEL)]

    def drained(self, channel=None):
        """Waits until the channel's outbox is empty, with nothing given up."""
        self.gw.wait(lambda: not self.rows(channel=channel), timeout=15,
                     what="the %s outbox to drain" % (channel or self.CHANNEL))
        self.assertEqual(self.rows(dead=True, channel=channel), [])

    def wait_retried(self, n=1, channel=None):
        """Waits until the sender has put off N deliveries (/healthz "retried"): it has
        then read the answer and set the row's next try on its clock."""
        self.gw.wait(lambda: self.health(channel)["retried"] >= n, timeout=15,
                     what="%d deliveries put off" % n)

    # ---- the posts ---------------------------------------------------------------------

    def text(self, call):
        raise NotImplementedError

    def dump(self, fake):
        return json.dumps([(c["status"], c[fake.code_key], c["json"]) for c in fake.calls],
                          ensure_ascii=False, indent=1)

    def wait_post(self, fake, pred, timeout=15, what="a robot message", since=0):
        """The first post FAKE took (from call SINCE on) that passes PRED."""
        deadline = time.time() + timeout
        while True:
            with fake.cond:
                calls = [dict(c) for c in fake.calls[since:] if c[fake.code_key] == 0]
            for c in calls:
                if pred(c):
                    return c
            if time.time() > deadline:
                self.fail("no %s within %ss; the robot got:\n%s\n%s"
                          % (what, timeout, self.dump(fake), self.gw.stderr()[-3000:]))
            time.sleep(0.05)

    def is_ping(self, call, number):
        return number in self.text(call) and PING in self.text(call)

    def ping_for(self, fake, number, timeout=15):
        return self.wait_post(fake, lambda c: self.is_ping(c, number), timeout,
                              "dispatch ping for %s" % number)

    def pings(self, fake, number):
        return [c for c in fake.sent() if self.is_ping(c, number)]

    def assert_no_resident_phone(self, fake):
        for c in fake.calls:
            self.assertNotIn(PHONE, (c["body"] or b"").decode("utf-8", "replace"))
            self.assertNotIn(PHONE, json.dumps(c["json"], ensure_ascii=False))

    def deliver_all(self, fake, numbers, minutes=3):
        """Moves the clock a minute at a time until every order's ping was taken."""
        for _ in range(minutes):
            self.gw.advance(61)
            try:
                self.gw.wait(lambda: all(self.pings(fake, n) for n in numbers), timeout=10,
                             what="every ping")
                return
            except AssertionError:
                continue
        missing = [n for n in numbers if not self.pings(fake, n)]
        self.fail("pings never taken for %s:\n%s" % (missing, self.dump(fake)))
