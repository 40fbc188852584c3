"""Hostile requests to the webhooks, one kind per test: each gets a clear 4xx (or is
taken as the harmless thing it is), nothing is stored, and the next good request
is answered at once.

Covered here (the generic signed webhook, the one an attacker can sign for once
the app's secret leaks, so the parser itself must hold): JSON nested ten thousand
deep, bytes that are not UTF-8, NUL bytes inside strings and in the raw body,
numbers too big for any integer, wrong content types, methods a hook does not
take, and a signed request played again. Elsewhere: bodies over the limit and
chunked bodies (test_server, test_generic), pipelining (test_server), slow
senders, header floods and thousands of sockets (test_limits), websocket frames
over the limit, floods and binary frames (test_web_hostile), bad signatures and
NUL in secret headers (test_secrets, every channel's own tests).
"""
import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from gateway import ASK_DESCRIPTION  # noqa: E402
from test_generic import GenericCase  # noqa: E402


class HostileInput(GenericCase):
    def refused(self, body, status=400, content_type="application/json"):
        t0 = time.monotonic()
        got, _, answer = self.post_raw(body, content_type=content_type)
        self.assertEqual(got, status, (body[:80], answer))
        self.assertLess(time.monotonic() - t0, 2.0)
        if answer:
            self.assertIn("error", json.loads(answer))

    def then_good(self):
        """Nothing was stored, and a good message is answered at once."""
        self.assert_nothing_stored()
        t0 = time.monotonic()
        self.assertTrue(any(ASK_DESCRIPTION in t for t in self.say("/repair", mid="good-1")))
        self.assertLess(time.monotonic() - t0, 5.0)

    def test_deep_nesting(self):
        for body in (b"[" * 10000 + b"]" * 10000, b'{"a":' * 5000 + b"1" + b"}" * 5000,
                     b'{"id":"n1","user":"u1","chat":"c1","text":' + b"[" * 5000 +
                     b"]" * 5000 + b"}"):
            self.refused(body)
        self.then_good()

    def test_invalid_utf8(self):
        for raw in (b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80",
                    b"caf\xe9"):
            self.refused(b'{"id":"u8","user":"u1","chat":"c1","text":"' + raw + b'"}')
        self.then_good()

    def test_nul_bytes(self):
        # escaped in a JSON string, and raw in the body
        self.refused(b'{"id":"z1","user":"u1","chat":"c1","text":"a\\u0000b"}')
        self.refused(b'{"id":"z2","user":"u\\u0000x","chat":"c1","text":"hi"}')
        self.refused(b'{"id":"z3","user":"u1","chat":"c1","text":"a\x00b"}')
        # a whole good message, then a NUL and more: the parser must not stop at the NUL
        self.refused(b'{"id":"z4","user":"u1","chat":"c1","text":"hi"}\x00{"id":"z5"}')
        self.then_good()

    def test_huge_numbers(self):
        for n in (b"1e400", b"-1e400", b"123456789012345678901234567890", b"1" * 500):
            self.refused(b'{"id":' + n + b',"user":"u1","chat":"c1","text":"hi"}')
            self.refused(b'{"id":"h1","user":' + n + b',"chat":"c1","text":"hi"}')
        self.then_good()

    def test_wrong_content_types(self):
        body = json.dumps({"id": "ct1", "user": "u1", "chat": "c1", "text": "/repair"}).encode()
        for ct in ("text/plain", "application/x-www-form-urlencoded",
                   "multipart/form-data; boundary=x", "application/xml", "application/jsonp",
                   "application/json-patch+json"):
            self.refused(body, status=415, content_type=ct)
        self.then_good()
        # JSON with its charset said is JSON
        body = json.dumps({"id": "ct2", "user": "u2", "chat": "c2", "text": "/repair"}).encode()
        status, _, answer = self.post_raw(body, content_type="application/json; charset=utf-8")
        self.assertEqual(status, 200, answer)

    def test_methods_a_hook_does_not_take(self):
        for method in ("GET", "PUT", "DELETE", "PATCH", "OPTIONS"):
            status, _, answer = self.gw.request(method, "/hooks/generic", b"{}",
                                                {"Content-Type": "application/json"})
            self.assertIn(status, (404, 405), (method, answer))
        self.then_good()

    def test_a_signed_request_played_again(self):
        body = json.dumps({"id": "r1", "user": "u1", "chat": "c1", "text": "/repair"},
                          ensure_ascii=False).encode()
        self.assertEqual(self.post_raw(body)[0], 200)
        self.cb.wait_calls(1)
        for _ in range(5):
            self.assertEqual(self.post_raw(body)[0], 200)
        self.gw.wait(lambda: not [r for r in self.gw.outbox() if r["channel"] == "generic"],
                     what="the outbox drained")
        # the replay changed nothing: one answer, one step
        self.assertEqual(sum(ASK_DESCRIPTION in c["json"]["text"] for c in self.cb.calls), 1)
        _, h = self.gw.get_json("/healthz")
        self.assertEqual(h["handled"], 6)


if __name__ == "__main__":
    unittest.main()
