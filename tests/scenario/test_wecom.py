"""The WeCom (企业微信) self-built app as the staff channel: the real `concierge
serve` against the fake platform (tests/fake_wecom.py).

A resident files a repair at the terminal; the dispatch ping reaches the
technician in the WeCom app (message/send to his WeCom user ID), and he takes
the order by replying "/accept N" in the app - a callback signed with
msg_signature and encrypted with the corp ID, as WeCom sends it. Also: the
callback URL's check, refusals of bad signatures, the token's renewal and
the platform's error codes.
"""
import json
import os
import sqlite3
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from fake_wecom import FakeWecom  # noqa: E402
from gateway import sqlite_file  # noqa: E402
from gateway import INTAKE, PING, Gateway, example_config  # noqa: E402

CORP = "ww0123456789abcdef"
SECRET = "Xo9-secret_of_the_app_0123456789"
AGENT = 1000002
TOKEN = "wecomToken42"
AES_KEY = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
WANG, ZHAO = "WangShiFu", "zhao.zhuguan"
PHONE = "13800138000"
FILE = INTAKE + ["yes"]
CONTACT = "的住户信息"


def staff():
    out = []
    for s in example_config()["staff"]:
        s = dict(s)
        if s["id"] == "wang":
            s["identities"] = [{"channel": "wecom", "user": WANG}]
        if s["id"] == "zhao":
            s["identities"] = [{"channel": "wecom", "user": ZHAO}]
        out.append(s)
    return out


class WecomCase(unittest.TestCase):
    def setUp(self):
        self.gw = None
        self.wc = FakeWecom(CORP, SECRET, AGENT, TOKEN, AES_KEY, users={WANG, ZHAO},
                            clock=lambda: self.gw.now() if self.gw else time.time()).start()
        self.addCleanup(self.wc.stop)

    def tearDown(self):
        if self.gw:
            self.gw.finish(self)
            log = self.gw.stderr()
            for secret in (SECRET, AES_KEY) + tuple(self.wc.tokens):
                self.assertNotIn(secret, log, "a credential is in the log")

    def start(self, staff_chat=WANG + "|" + ZHAO, **extra):
        cfg = {"enabled": True, "corp_id": CORP, "agent_id": str(AGENT), "secret": SECRET,
               "token": TOKEN, "encoding_aes_key": AES_KEY, "api_base": self.wc.url,
               "staff_chat": staff_chat}
        cfg.update(extra)
        self.gw = Gateway({"staff": staff(), "channels": {"wecom": cfg}}, clock=True)
        self.addCleanup(self.gw.close)
        self.gw.start()
        self.wc.target = self.gw.url + "/hooks/wecom"
        return self.gw

    def file(self):
        before = {o["number"] for o in self.gw.orders()}
        rc, out, err = self.gw.cli("chat", "--as", "resident:li",
                                   stdin="".join(l + "\n" for l in FILE))
        self.assertEqual(rc, 0, err)
        new = [o["number"] for o in self.gw.orders() if o["number"] not in before]
        self.assertEqual(len(new), 1, out)
        return new[0]

    def expect(self, who, needle, since=0, timeout=15):
        try:
            return self.wc.wait_text(who, needle, since=since, timeout=timeout)
        except TimeoutError as e:
            self.fail("%s\n%s" % (e, self.gw.stderr()[-3000:]))

    def health(self):
        status, body = self.gw.get_json("/healthz")
        self.assertEqual(status, 200, body)
        return body["channels"]["wecom"]

    def rows(self, dead=False):
        return [r for r in self.gw.outbox(dead) if r["channel"] == "wecom"]

    def advance_until(self, pred, what, step=2, rounds=30):
        for _ in range(rounds):
            if pred():
                return
            self.gw.advance(step)
            time.sleep(0.2)
        self.assertTrue(pred(), what)


class Wecom(WecomCase):
    def test_wecom_url_check(self):
        self.start()
        self.assertEqual(self.wc.url_check("1411373598729513983")[:2],
                         (200, "1411373598729513983"))
        self.assertEqual(self.wc.url_check("x", msg_signature="0" * 40)[0], 401)
        self.assertEqual(self.wc.request("GET", {"echostr": "abc"})[0], 401)

    def test_wecom_ping_reaches_the_app_and_accept_from_wecom(self):
        self.start()
        n = self.file()
        ping = self.expect(WANG, PING + n)
        call = [c for c in self.wc.sent() if PING in c["json"]["text"]["content"]][0]
        self.assertEqual(call["json"]["agentid"], AGENT)
        self.assertEqual(call["json"]["touser"], WANG + "|" + ZHAO)
        # no buttons in the app: the command to reply with
        self.assertIn("/accept " + n, ping)
        self.assertNotIn(PHONE, ping)

        # wang replies in the app; the callback is signed and encrypted
        m = self.wc.mark()
        status, body, took = self.wc.text(WANG, "/accept " + n)
        self.assertEqual((status, body), (200, ""))
        self.assertLess(took, 2.0)
        contact = self.expect(WANG, CONTACT, m)
        self.assertIn(PHONE, contact)  # his own private chat
        self.expect(WANG, "已由王师傅接单", m)  # the outcome comes after the contact card
        self.assertEqual(self.gw.order(n)["assignee"], "wang")
        for c in self.wc.sent(since=m):
            self.assertEqual(c["json"]["touser"], WANG)
        # the same callback again (WeCom retries): handled once
        m = self.wc.mark()
        xml = self.wc.message(WANG, "text", [("Content", "/orders")])
        for _ in range(3):
            self.assertEqual(self.wc.post(xml)[:2], (200, ""))
        self.expect(WANG, n, m)
        self.gw.wait(lambda: not self.rows(), what="the wecom outbox drained")
        self.assertEqual(len(self.wc.sent(since=m)), 1, [c["json"] for c in self.wc.sent(since=m)])
        self.assertEqual(self.wc.token_fetches, 1)

    @sqlite_file
    def test_wecom_bad_signature_stores_nothing(self):
        self.start()

        def wrong(q, body):
            q["msg_signature"] = "1" * 40
            return q, body

        status, _, _ = self.wc.post(self.wc.message(WANG, "text", [("Content", "/orders")]),
                                    tamper=wrong)
        self.assertEqual(status, 401)
        # another corp's message, well signed
        other = FakeWecom("wwffffffffffffffff", SECRET, AGENT, TOKEN, AES_KEY)
        other.target = self.wc.target
        self.assertEqual(other.text(WANG, "/orders")[0], 400)
        con = sqlite3.connect("file:%s?mode=ro" % self.gw.config["database"], uri=True)
        self.assertEqual(con.execute("SELECT count(*) FROM dedup").fetchone(), (0,))
        con.close()
        self.assertEqual(self.rows(), [])

    def test_wecom_token_renewed_then_refused(self):
        self.start()
        n = self.file()
        self.expect(WANG, PING + n)
        # an expired token: renewed, and the message goes
        m = self.wc.mark()
        self.wc.fail("custom", errcode=42001)
        self.wc.text(WANG, "/orders")
        self.advance_until(lambda: self.wc.sent(since=m), "sent with a renewed token")
        self.assertEqual(self.wc.token_fetches, 2)
        # refused again with the fresh one: the secret is wrong - hold, keep the row
        m = self.wc.mark()
        self.wc.fail("custom", errcode=40001, count=10)
        self.wc.text(WANG, "/orders")
        self.advance_until(lambda: self.health()["state"].startswith("error"),
                           "credentials refused")
        self.assertIn("40001", self.health()["state"])
        self.assertEqual(len(self.rows()), 1)
        self.assertEqual(self.rows(dead=True), [])

    def test_wecom_rate_limited_then_sent(self):
        self.start()
        m = self.wc.mark()
        self.wc.fail("custom", errcode=45009)
        self.file()
        self.wc.wait_call(lambda c: c["errcode"] == 45009, since=m)
        self.gw.wait(lambda: self.health()["retried"] >= 1, what="the row held back")
        self.advance_until(lambda: self.wc.sent(since=m), "sent after the wait", step=30)

    def test_wecom_unknown_user_is_dead(self):
        self.start(staff_chat="nobody_here")
        self.file()
        self.gw.wait(lambda: self.rows(dead=True), what="a dead letter")
        dead = self.rows(dead=True)[0]
        self.assertIn("81013", dead["last_error"])
        self.assertEqual(self.health()["state"], "on")


if __name__ == "__main__":
    unittest.main()
