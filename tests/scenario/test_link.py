"""One resident across channels, against the real gateway with three channels at once.

A resident files a request on the web chat (a real websocket), then talks to the
centre from another channel - the generic signed webhook (tests/fake_callback.py
plays the app's callback) or the desk terminal (`concierge chat --as resident:X`,
a process of its own on the same database). They link the two with `/link PHONE`:
the code arrives on the web page, they type it on the other channel, and from then
on their order shows there, the next notice reaches the channel they wrote on last,
and a notice the app refuses for good comes to the web page instead. A stranger
learns nothing about whose number it is; five wrong codes lock linking for an hour
(the gateway's clock is moved, not waited for). Staff see the result with
`concierge residents show` and can merge at the desk with `residents merge`.
"""
import json
import os
import re
import socket
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from fake_callback import FakeCallback  # noqa: E402
from gateway import CREATED, INTAKE, ORDER_RE, SUMMARY, Gateway, WebChat  # noqa: E402

SECRET = "s3cret"
PHONE = "13800138000"
SENT = "如果这个号码已在我们这里登记"
CODE_RE = re.compile(r"验证码：(\d{6})")
LINKED = "绑定成功"


def recv_until(ws, predicate, timeout=8.0, what="a message"):
    """Reads frames until PREDICATE(frame); returns that frame."""
    seen = []
    deadline = time.time() + timeout
    while True:
        left = deadline - time.time()
        if left <= 0:
            raise AssertionError("no %s within %.1fs; got %r" % (what, timeout, seen))
        try:
            m = ws.recv(timeout=left)
        except socket.timeout:
            continue
        seen.append(m)
        if predicate(m):
            return m


class LinkCase(unittest.TestCase):
    def setUp(self):
        self.cb = FakeCallback(SECRET).start()
        self.addCleanup(self.cb.stop)
        self.gw = Gateway({"channels": {"generic": {"enabled": True, "secret": SECRET,
                                                    "callback_url": self.cb.url}}},
                          clock=True)
        self.addCleanup(self.gw.close)
        self.gw.start()
        self.seq = 0

    def tearDown(self):
        self.gw.finish(self)

    # ---- the channels ------------------------------------------------------------------

    def web_resident(self):
        """A visitor of the web chat who files the README's request; returns (visitor, number)."""
        v = WebChat(self.gw)
        self.addCleanup(v.close)
        v.connect()
        for text in INTAKE:
            self.assertTrue(v.say(text), "no reply to %r" % text)
        done = v.say("确认", data="yes")
        created = [m["text"] for m in done if CREATED in m["text"]]
        self.assertTrue(created, done)
        return v, ORDER_RE.search(created[0]).group(0)

    def generic(self, text, user="u1"):
        """The app posts TEXT from USER (chat c-USER); returns the texts delivered back."""
        self.seq += 1
        chat = "c-" + user
        before = len(self.cb.texts(chat))
        body = json.dumps({"id": "m%d" % self.seq, "user": user, "chat": chat, "text": text},
                          ensure_ascii=False).encode()
        from fake_callback import sign
        status, _, answer = self.gw.request("POST", "/hooks/generic", body,
                                            {"Content-Type": "application/json",
                                             "X-Concierge-Signature": sign(SECRET, body)})
        self.assertEqual(status, 200, answer)
        self.gw.wait(lambda: len(self.cb.texts(chat)) > before, timeout=10,
                     what="an answer to %r" % text)
        self.gw.wait(lambda: not [r for r in self.gw.outbox() if r["channel"] == "generic"],
                     timeout=10, what="the generic outbox to drain")
        return self.cb.texts(chat)[before:]

    def terminal(self, who, *lines):
        """`concierge chat --as WHO` with LINES; returns what it printed."""
        rc, out, err = self.gw.cli("chat", "--as", who,
                                   stdin="".join(line + "\n" for line in lines))
        self.assertEqual(rc, 0, err)
        return out

    def code_on(self, v, asked_on=None):
        m = recv_until(v.ws, lambda m: m.get("type") == "message" and CODE_RE.search(m["text"]),
                       what="the confirmation code on the web chat")
        self.assertIn("138****8000", m["text"])
        self.assertNotIn(PHONE, m["text"])
        if asked_on:
            self.assertIn("有人在“%s”上" % asked_on, m["text"])
        return CODE_RE.search(m["text"]).group(1)


class Link(LinkCase):
    def test_web_and_app_become_one_resident(self):
        v, num = self.web_resident()
        # From the app: /link with the number gives the same words whoever asks.
        got = self.generic("/link " + PHONE)
        self.assertEqual(len(got), 1)
        self.assertIn(SENT, got[0])
        code = self.code_on(v, "generic")
        got = self.generic(code)
        self.assertTrue(any(LINKED in t for t in got), got)
        recv_until(v.ws, lambda m: m.get("type") == "message" and "已与这里合并" in m["text"],
                   what="the web chat told of the link")
        # The order filed on the web shows in the app.
        got = self.generic("/orders")
        self.assertIn(num, got[0])
        # The app was written from last: the technician's notice goes there, not the web.
        self.terminal("staff:wang", "/accept " + num)
        self.gw.wait(lambda: any("已由 王师傅 接单" in t for t in self.cb.texts("c-u1")),
                     what="the accept notice in the app")
        o = self.gw.order(num)
        self.assertEqual(o["resident"], "generic:u1")
        self.assertEqual([e["action"] for e in o["events"]][:2], ["created", "linked"])
        # The resident writes on the web page again: the next notice follows them there.
        v.say("/my")
        before = len(self.cb.texts("c-u1"))
        self.terminal("staff:wang", "/eta %s 15:00" % num)
        notice = recv_until(v.ws, lambda m: m.get("type") == "message" and "15:00" in m["text"],
                            what="the /eta notice on the web chat")
        self.assertIn(num, notice["text"])
        self.assertEqual(len(self.cb.texts("c-u1")), before)

        # The app's callback now refuses for good: the notice comes to the web page instead.
        self.generic("/my")
        self.cb.answer(400)
        self.terminal("staff:wang", "/start " + num)
        notice = recv_until(v.ws, lambda m: m.get("type") == "message" and num in m["text"]
                            and "开始" in m["text"], timeout=10,
                            what="the /start notice sent again on the web chat")
        dead = self.gw.outbox(dead=True)
        self.assertEqual([(r["channel"], r["chat"]) for r in dead], [("generic", "c-u1")])
        self.assertEqual(dead[0]["payload"]["text"], notice["text"])

        # The desk sees one resident with both identities; the phone masked unless asked.
        rc, out, err = self.gw.cli("residents", "show", PHONE)
        self.assertEqual(rc, 0, err)
        self.assertIn("138****8000", out)
        self.assertNotIn(PHONE, out)
        self.assertIn("generic", out)
        self.assertIn("web", out)
        self.assertIn(num, out)
        rc, out, err = self.gw.cli("residents", "show", PHONE, "--full", "--json")
        self.assertEqual(rc, 0, err)
        shown = json.loads(out)
        self.assertEqual(len(shown), 1)
        self.assertEqual(shown[0]["phone"], PHONE)
        self.assertEqual(sorted(i["channel"] for i in shown[0]["identities"]),
                         ["generic", "web"])
        self.assertEqual([o["number"] for o in shown[0]["orders"]], [num])
        self.assertEqual([e["action"] for e in shown[0]["events"]], ["linked"])

    def test_terminal_links_and_reads_notices(self):
        """The terminal is a process of its own: it links, lists and hears notices there."""
        v, num = self.web_resident()
        out = self.terminal("resident:li", "/link " + PHONE)
        self.assertIn(SENT, out)
        code = self.code_on(v)
        out = self.terminal("resident:li", code, "/orders")
        self.assertIn(LINKED, out)
        self.assertIn(num, out)
        # Written from last at the terminal: the accept notice waits for it there.
        self.terminal("staff:wang", "/accept " + num)
        out = self.terminal("resident:li")
        self.assertIn("已由 王师傅 接单", out)
        # Chosen for good with /notify: the web chat gets them whoever wrote last.
        out = self.terminal("resident:li", "/notify web")
        self.assertIn("以后的通知发到“web”", out)
        self.terminal("resident:li", "/my")
        self.terminal("staff:wang", "/eta %s 15:00" % num)
        recv_until(v.ws, lambda m: m.get("type") == "message" and "15:00" in m["text"],
                   what="the /eta notice on the web chat")
        self.assertNotIn("15:00", self.terminal("resident:li"))
        # Work done; the resident accepts and rates at the terminal.
        self.terminal("staff:wang", "/done " + num)
        recv_until(v.ws, lambda m: m.get("type") == "message" and "问题解决了吗" in m["text"],
                   what="the acceptance question")
        out = self.terminal("resident:li", "yes", "5", "skip")
        self.assertIn("感谢您的反馈", out)
        o = self.gw.order(num)
        self.assertEqual((o["status"], o["rating"]), ("closed", 5))
        # /unlink: the terminal is on its own again; the order stays with the web resident.
        out = self.terminal("resident:li", "/unlink", "/my")
        self.assertIn("已解除绑定", out)
        self.assertIn("您还没有工单", out)

    def test_no_enumeration_and_lock(self):
        v, num = self.web_resident()
        # A number nobody saved and the resident's own: the same answer, one code sent.
        unknown = self.generic("/link 13912345678", user="stranger")
        known = self.generic("/link " + PHONE, user="u1")
        self.assertEqual(unknown, known)
        code = self.code_on(v)
        # Wrong codes read alike for both, until the fifth locks linking for an hour.
        wrong = "000000" if code != "000000" else "111111"
        for i in range(1, 5):
            a = self.generic(wrong, user="stranger")
            b = self.generic(wrong, user="u1")
            self.assertEqual(a, b)
            self.assertIn("还可以再试 %d 次" % (5 - i), a[0])
        got = self.generic(wrong, user="u1")
        self.assertIn("尝试次数太多", got[0])
        self.assertIn("尝试次数太多", self.generic(code, user="u1")[0])
        self.assertIn("尝试次数太多", self.generic("/link " + PHONE, user="u1")[0])
        o = self.gw.order(num)
        self.assertEqual(o["resident"].split(":")[0], "web")
        self.assertNotIn("linked", [e["action"] for e in o["events"]])
        # An hour on, a fresh code links them.
        self.gw.advance(3601)
        self.assertIn(SENT, self.generic("/link " + PHONE, user="u1")[0])
        code = self.code_on(v)
        self.assertTrue(any(LINKED in t for t in self.generic(code, user="u1")))
        # The stranger's decoy never links, whatever they type.
        self.assertNotIn(LINKED, " ".join(self.generic(code, user="stranger")))
        self.assertIn("linked", [e["action"] for e in self.gw.order(num)["events"]])

    def test_desk_merge(self):
        v, num = self.web_resident()
        self.terminal("resident:li", "/my")  # a resident of its own at the terminal
        rc, out, err = self.gw.cli("residents", "show", PHONE, "--json")
        self.assertEqual(rc, 0, err)
        a = json.loads(out)[0]["id"]
        self.assertEqual(json.loads(out)[0]["phone"], "138****8000")
        rc, out, err = self.gw.cli("residents", "show", "13912345678")
        self.assertEqual(rc, 3)
        # Which id the terminal resident has: the newest one.
        b = a + 1
        rc, out, err = self.gw.cli("residents", "show", str(b), "--json")
        self.assertEqual(rc, 0, err)
        self.assertEqual([i["user"] for i in json.loads(out)[0]["identities"]],
                         ["resident:li"])
        rc, out, err = self.gw.cli("residents", "merge", str(a), str(b), "--by", "nobody")
        self.assertEqual(rc, 2)
        rc, out, err = self.gw.cli("residents", "merge", str(a), str(b), "--by", "zhao")
        self.assertEqual(rc, 0, err)
        self.assertIn("now 2 identities and 1 order", out)
        rc, out, err = self.gw.cli("residents", "merge", str(a), str(b))
        self.assertEqual(rc, 3)
        self.assertIn("merged into", err)
        # The desk's audit: in the resident's history and on the open order.
        o = self.gw.order(num)
        ev = [e for e in o["events"] if e["action"] == "merged_by_desk"]
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0]["actor"], "staff:zhao")
        out = self.terminal("resident:li", "/my")
        self.assertIn(num, out)
        rc, out, err = self.gw.cli("residents", "show", str(b))
        self.assertEqual(rc, 0, err)
        self.assertIn("was merged into resident %d" % a, out)
        self.assertIn("merged_by_desk", out)


if __name__ == "__main__":
    unittest.main()
