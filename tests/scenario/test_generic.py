"""The generic signed webhook, as an app or mini-program integrating with it sees it.

The app POSTs {id, user, chat, text} to /hooks/generic signed with
X-Concierge-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>, and the
bot's replies are POSTed, signed the same way, to the configured callback
URL, played here by tests/fake_callback.py. The real gateway (the sanitizer
build) runs with its own configuration and database for each test.
"""
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from fake_callback import FakeCallback, sign  # noqa: E402
from gateway import (ASK_DESCRIPTION, ASK_NAME, ASK_ROOM, CREATED, INTAKE,  # noqa: E402
                     ORDER_RE, SUMMARY, Gateway)

SECRET = "s3cret"


class GenericCase(unittest.TestCase):
    """A fake callback receiver and a gateway with the generic channel; the
    helpers to post to it. (No tests: test_first_message_generic.py uses it too.)"""

    def setUp(self):
        self.cb = FakeCallback(SECRET).start()
        self.addCleanup(self.cb.stop)
        self.gw = Gateway({"channels": {"generic": {"enabled": True, "secret": SECRET,
                                                    "callback_url": self.cb.url}}})
        self.addCleanup(self.gw.close)
        self.gw.start()
        self.seq = 0

    def tearDown(self):
        self.assertEqual(self.gw.stop(), 0)
        self.gw.assert_clean(self)

    # ---- helpers ---------------------------------------------------------------------------

    def post_raw(self, body, signature="good", secret=SECRET, content_type="application/json"):
        headers = {"Content-Type": content_type}
        if signature == "good":
            headers["X-Concierge-Signature"] = sign(secret, body)
        elif signature is not None:
            headers["X-Concierge-Signature"] = signature
        return self.gw.request("POST", "/hooks/generic", body, headers)

    def post(self, text, user="u1", chat="c1", mid=None, **extra):
        self.seq += 1
        msg = {"id": mid or "m%d" % self.seq, "user": user, "chat": chat, "text": text}
        msg.update(extra)
        status, _, answer = self.post_raw(json.dumps(msg, ensure_ascii=False).encode())
        self.assertEqual(status, 200, answer)
        self.assertEqual(json.loads(answer), {"ok": True})
        return msg["id"]

    def say(self, text, **kw):
        """Posts TEXT and returns the texts of the replies it brought."""
        before = len(self.cb.calls)
        self.post(text, **kw)
        calls = self.cb.wait_calls(before + 1)
        # A reply may come as several messages; let the rest arrive.
        self.gw.wait(lambda: not [r for r in self.gw.outbox() if r["channel"] == "generic"],
                     timeout=10, what="the generic outbox to drain")
        return [c["json"]["text"] for c in self.cb.calls[before:] if c["status"] < 300]

    def assert_nothing_stored(self):
        self.assertEqual(self.gw.orders(), [])
        self.assertEqual(self.gw.outbox(), [])
        self.assertEqual(self.gw.outbox(dead=True), [])
        _, h = self.gw.get_json("/healthz")
        self.assertEqual(h["handled"], 0)
        self.assertEqual(self.cb.calls, [])


class Generic(GenericCase):
    # ---- a message and its reply ---------------------------------------------------------------

    def test_reply_is_signed_and_shaped(self):
        self.post("/repair")
        call = self.cb.wait_calls(1)[0]
        self.assertEqual(call["path"], "/cb")
        self.assertTrue(call["headers"]["content-type"].startswith("application/json"))
        self.assertRegex(call["headers"]["x-concierge-signature"], r"^sha256=[0-9a-f]{64}$")
        self.assertTrue(call["sig_ok"], "the callback's signature does not verify")
        body = call["json"]
        self.assertEqual(set(body), {"id", "chat", "text", "buttons"})
        self.assertIsInstance(body["id"], int)
        self.assertEqual(body["chat"], "c1")
        self.assertIn(ASK_DESCRIPTION, body["text"])
        self.assertIsInstance(body["buttons"], list)
        _, h = self.gw.get_json("/healthz")
        self.assertEqual(h["channels"]["generic"]["state"], "on")

    def test_file_whole_order(self):
        replies = []
        for text in INTAKE:
            got = self.say(text)
            self.assertTrue(got, "no reply to %r" % text)
            replies.extend(got)
        self.assertIn(SUMMARY, replies[-1])
        summary = [c for c in self.cb.calls if SUMMARY in c["json"]["text"]][-1]["json"]
        self.assertIn("yes", [b["data"] for b in summary["buttons"]])
        # The app sends the pressed button's data along with its label.
        done = self.say("确认提交", data="yes")
        created = [t for t in done if CREATED in t]
        self.assertTrue(created, done)
        num = ORDER_RE.search(created[0]).group(0)
        self.assertTrue(all(c["sig_ok"] for c in self.cb.calls))
        self.assertTrue(all(c["json"]["chat"] == "c1" for c in self.cb.calls))
        # Ids are the outbox's: distinct for each message.
        ids = [c["json"]["id"] for c in self.cb.calls]
        self.assertEqual(len(ids), len(set(ids)))

        self.gw.assert_readme_order(self, num, "generic:u1")

    def test_many_at_once(self):
        """Requests arriving together are all stored (group commit) and all answered."""
        import threading
        statuses = []

        def one(i):
            body = json.dumps({"id": "p%d" % i, "user": "u%d" % i, "chat": "c%d" % i,
                               "text": "/repair"}).encode()
            statuses.append(self.post_raw(body)[0])

        threads = [threading.Thread(target=one, args=(i,)) for i in range(25)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(statuses, [200] * 25)
        calls = self.cb.wait_calls(25)
        self.assertEqual(sorted(c["json"]["chat"] for c in calls),
                         sorted("c%d" % i for i in range(25)))
        self.assertTrue(all(ASK_DESCRIPTION in c["json"]["text"] for c in calls))
        _, h = self.gw.get_json("/healthz")
        self.assertEqual(h["handled"], 25)

    def test_numeric_ids_are_accepted(self):
        body = json.dumps({"id": 41, "user": 7, "chat": 7, "text": "/repair"}).encode()
        status, _, answer = self.post_raw(body)
        self.assertEqual(status, 200, answer)
        call = self.cb.wait_calls(1)[0]
        self.assertEqual(call["json"]["chat"], "7")

    def test_uppercase_signature_accepted(self):
        body = json.dumps({"id": "u-1", "user": "u1", "chat": "c1", "text": "/repair"}).encode()
        sig = sign(SECRET, body)
        status, _, answer = self.post_raw(body, signature="sha256=" + sig[7:].upper())
        self.assertEqual(status, 200, answer)
        self.cb.wait_calls(1)

    # ---- refused requests ------------------------------------------------------------------------

    def test_wrong_signature(self):
        body = json.dumps({"id": "w1", "user": "u1", "chat": "c1", "text": "/repair"}).encode()
        for sig in (sign("not-the-secret", body), sign(SECRET, body + b" "),
                    sign(SECRET, body)[:-1] + "0" if not sign(SECRET, body).endswith("0")
                    else sign(SECRET, body)[:-1] + "1",
                    "sha1=" + sign(SECRET, body)[7:], sign(SECRET, body)[7:], "sha256=", "garbage"):
            status, _, answer = self.post_raw(body, signature=sig)
            self.assertEqual(status, 401, (sig, answer))
        # A body that is not even JSON is refused for its signature, not parsed.
        status, _, _ = self.post_raw(b"{not json", signature=sign("nope", b"{not json"))
        self.assertEqual(status, 401)
        self.assert_nothing_stored()

    def test_missing_signature(self):
        body = json.dumps({"id": "w1", "user": "u1", "chat": "c1", "text": "/repair"}).encode()
        status, _, answer = self.post_raw(body, signature=None)
        self.assertEqual(status, 401, answer)
        status, _, answer = self.post_raw(b"", signature=None)
        self.assertEqual(status, 401, answer)
        self.assert_nothing_stored()

    def test_chunked_body_refused_clearly(self):
        """A body without a Content-Length is refused with 411 at once, not waited for."""
        import socket
        body = json.dumps({"id": "ch1", "user": "u1", "chat": "c1", "text": "/repair"}).encode()
        s = socket.create_connection(("127.0.0.1", self.gw.port), timeout=5)
        self.addCleanup(s.close)
        s.sendall(("POST /hooks/generic HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                   "X-Concierge-Signature: %s\r\n\r\n" % sign(SECRET, body)).encode())
        s.sendall(b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
        self.assertTrue(answer.startswith(b"HTTP/1.1 411"), answer)
        self.assert_nothing_stored()

    def test_malformed_with_valid_signature(self):
        for body in (b"{not json", b"[1,2]", b'"text"', b'{"id":"x","user":"u"}',
                     json.dumps({"id": "", "user": "u1", "chat": "c1", "text": "hi"}).encode(),
                     json.dumps({"id": "x", "user": "u1", "chat": "c1", "text": 5}).encode(),
                     json.dumps({"id": "x", "user": "u" * 200, "chat": "c1", "text": "hi"}).encode()):
            status, _, answer = self.post_raw(body)
            self.assertEqual(status, 400, (body, answer))
        self.assert_nothing_stored()

    def test_same_id_twice_is_one_step(self):
        self.assertTrue(any(ASK_DESCRIPTION in t for t in self.say("/repair")))
        self.assertTrue(any(ASK_ROOM in t for t in self.say("厨房水管漏水", mid="dup")))
        before = len(self.cb.calls)
        # The app did not see our 200 and sends it again: acknowledged, done once.
        self.post("厨房水管漏水", mid="dup")
        got = self.say("3-2-501")
        self.assertTrue(any(ASK_NAME in t for t in got), got)
        later = [c["json"]["text"] for c in self.cb.calls[before:]]
        self.assertFalse(any(ASK_ROOM in t for t in later), later)

    # ---- delivery of the replies ---------------------------------------------------------------

    def test_callback_error_then_retry(self):
        self.cb.answer(500)
        self.post("/repair")
        calls = self.cb.wait_calls(2, timeout=10)
        self.assertEqual(calls[0]["status"], 500)
        self.assertEqual(calls[1]["status"], 200)
        self.assertEqual(calls[0]["body"], calls[1]["body"])  # the same message again
        self.assertTrue(calls[1]["sig_ok"])
        self.gw.wait(lambda: self.gw.outbox() == [], timeout=5, what="the outbox to drain")
        self.assertEqual(self.gw.outbox(dead=True), [])
        _, h = self.gw.get_json("/healthz")
        self.assertGreaterEqual(h["channels"]["generic"]["retried"], 1)
        self.assertEqual(h["channels"]["generic"]["sent"], 1)

    def test_order_kept_per_chat_across_a_retry(self):
        """A reply waiting for its retry is not overtaken by the next one to the same chat."""
        self.cb.answer(500)
        self.post("/repair")
        self.cb.wait_calls(1)
        self.post("厨房水管漏水")
        calls = self.cb.wait_calls(3, timeout=10)
        delivered = [c["json"]["text"] for c in calls if c["status"] < 300]
        self.assertEqual(len(delivered), 2, delivered)
        self.assertIn(ASK_DESCRIPTION, delivered[0])
        self.assertIn(ASK_ROOM, delivered[1])

    def test_optional_fields(self):
        got = self.say("/repair", lang="en", name="Li Wei")
        self.assertTrue(any("repair" in t for t in got), got)
        self.assertFalse(any(ASK_DESCRIPTION in t for t in got), got)

    def test_callback_refuses_dead_letter_and_retry(self):
        self.cb.answer(400)
        self.post("/repair")
        self.cb.wait_calls(1)
        dead = self.gw.wait(lambda: self.gw.outbox(dead=True), timeout=5, what="a dead letter")
        self.assertEqual(len(dead), 1)
        row = dead[0]
        self.assertEqual(row["channel"], "generic")
        self.assertEqual(row["chat"], "c1")
        self.assertIn("400", row["last_error"] or "")
        self.assertIn(ASK_DESCRIPTION, row["payload"]["text"])
        self.assertEqual(len(self.cb.calls), 1)  # not retried on its own
        _, h = self.gw.get_json("/healthz")
        self.assertEqual(h["channels"]["generic"]["failed"], 1)

        # The operator fixed the receiver and queues it again; the running server sends it.
        rc, out, err = self.gw.cli("outbox", "retry", "--all-dead")
        self.assertEqual(rc, 0, err)
        calls = self.cb.wait_calls(2, timeout=5)
        self.assertEqual(calls[1]["status"], 200)
        self.assertTrue(calls[1]["sig_ok"])
        self.assertIn(ASK_DESCRIPTION, calls[1]["json"]["text"])
        self.gw.wait(lambda: self.gw.outbox(dead=True) == [] and self.gw.outbox() == [],
                     timeout=5, what="the outbox to be empty")

    def test_rate_limited_callback(self):
        self.cb.answer((429, {"Retry-After": "1"}))
        self.post("/repair")
        calls = self.cb.wait_calls(2, timeout=8)
        self.assertEqual([c["status"] for c in calls[:2]], [429, 200])
        self.assertGreaterEqual(calls[1]["at"] - calls[0]["at"], 0.9)
        self.assertEqual(self.gw.outbox(dead=True), [])


if __name__ == "__main__":
    unittest.main()
