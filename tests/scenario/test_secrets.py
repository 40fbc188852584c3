"""Secrets, signatures and staff tokens, as an attacker and an operator see them.

A secret header is compared over its whole length: a value with a NUL inside
("s3cret\\0tail") is not the secret, whichever header carries it - a webhook's
secret or signature, a bearer token, a token typed into the console or the
web chat's staff link - and nothing is stored. Someone guessing staff tokens
from one address is slowed down and then shut out (a 429 on the API, an
error on the web chat) while staff elsewhere log in as usual, and the log
says who logged in and where the wrong tokens came from, never a token.
check-config refuses a token that is easy to guess, naming its path.

Requests go over raw sockets, so a header can carry the bytes a browser
would never send, and from chosen loopback addresses (127.0.0.2, ...), so
the server sees different clients.
"""
import contextlib
import json
import os
import socket
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import gateway  # noqa: E402
from concierge import Concierge  # noqa: E402
from fake_callback import FakeCallback, sign  # noqa: E402
from fake_telegram import FakeTelegram, text_update  # noqa: E402
from gateway import Gateway, WebSocket  # noqa: E402

SECRET = "s3cret"
TG_TOKEN = "123:TEST"
ZHAO = "demo-zhao-token-8265"
WANG = "demo-wang-token-4417"
ATTACKER, OFFICE = "127.0.0.1", "127.0.0.2"


def raw(gw, method, path, headers=b"", body=b"", src=None):
    """(status, body) of one request whose header lines HEADERS are sent as bytes."""
    s = socket.create_connection(("127.0.0.1", gw.port), timeout=10,
                                 source_address=(src, 0) if src else None)
    try:
        head = (b"%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                b"Content-Length: %d\r\n" % (method.encode(), path.encode(), len(body)))
        if body:
            head += b"Content-Type: application/json\r\n"
        s.sendall(head + headers + b"\r\n" + body)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data.split(b"\r\n\r\n", 1)[-1]


@contextlib.contextmanager
def from_address(src):
    """Websockets opened inside come from loopback address SRC."""
    real = socket.create_connection

    def bound(addr, timeout=None, source_address=None):
        return real(addr, timeout=timeout, source_address=(src, 0))
    gateway.socket.create_connection = bound
    try:
        yield
    finally:
        gateway.socket.create_connection = real


def hello(ws, token):
    ws.send({"type": "hello", "lang": "zh", "staff": token})
    return ws.recv(timeout=10)


class SecretsCase(unittest.TestCase):
    def setUp(self):
        self.cb = FakeCallback(SECRET).start()
        self.addCleanup(self.cb.stop)
        self.tg = FakeTelegram(token=TG_TOKEN, bot_username="ConciergeBot", bot_id=777).start()
        self.addCleanup(self.tg.stop)
        self.gw = Gateway({"channels": {
            "generic": {"enabled": True, "secret": SECRET, "callback_url": self.cb.url},
            "telegram": {"enabled": True, "token": TG_TOKEN, "api_base": self.tg.url,
                         "mode": "webhook", "webhook_secret": SECRET,
                         "public_url": "http://127.0.0.1:1", "bot_username": "ConciergeBot"}}},
            clock=True)
        self.addCleanup(self.gw.close)
        self.gw.start()

    def tearDown(self):
        self.assertEqual(self.gw.stop(), 0)
        self.gw.assert_clean(self)
        for token in (ZHAO, WANG):
            self.assertNotIn(token, self.gw.stderr())
        self.assertNotIn("tail", self.gw.stderr())

    def nothing_stored(self):
        self.assertEqual(self.gw.orders(), [])
        self.assertEqual(self.gw.outbox(), [])
        _, h = self.gw.get_json("/healthz")
        self.assertEqual(h["handled"], 0, h)
        self.assertEqual(self.cb.calls, [])
        self.assertEqual(self.tg.calls("sendMessage"), [])


class NulInSecrets(SecretsCase):
    def test_webhook_secret_and_signature_with_a_nul_are_refused(self):
        up = json.dumps(text_update(7001, "/repair", user_id=7001)).encode()
        status, _ = raw(self.gw, "POST", "/hooks/telegram",
                        b"X-Telegram-Bot-Api-Secret-Token: s3cret\x00tail\r\n", up)
        self.assertIn(status, (400, 401))
        status, _ = raw(self.gw, "POST", "/hooks/telegram",
                        b"X-Telegram-Bot-Api-Secret-Token: s3cret\x01\r\n", up)
        self.assertIn(status, (400, 401))
        msg = json.dumps({"id": "m1", "user": "u1", "chat": "c1", "text": "/repair"}).encode()
        good = sign(SECRET, msg).encode()
        status, _ = raw(self.gw, "POST", "/hooks/generic",
                        b"X-Concierge-Signature: " + good + b"\x00tail\r\n", msg)
        self.assertIn(status, (400, 401))
        # a signature of another body, or the secret itself in place of a signature
        status, _ = raw(self.gw, "POST", "/hooks/generic",
                        b"X-Concierge-Signature: " + sign(SECRET, msg + b" ").encode() + b"\r\n",
                        msg)
        self.assertEqual(status, 401)
        self.nothing_stored()
        self.assertIn("header with a control byte refused", self.gw.stderr())
        # the next good request is answered at once
        self.assertEqual(raw(self.gw, "POST", "/hooks/generic",
                             b"X-Concierge-Signature: " + good + b"\r\n", msg)[0], 200)

    def test_bearer_and_typed_tokens_with_a_nul_are_refused(self):
        status, body = raw(self.gw, "GET", "/api/orders",
                           b"Authorization: Bearer " + ZHAO.encode() + b"\x00tail\r\n")
        self.assertEqual(status, 400, body)
        status, body = raw(self.gw, "GET", "/api/orders",
                           b"Authorization: Bearer " + ZHAO.encode() + b"\x1b\r\n")
        self.assertEqual(status, 400, body)
        # JSON can spell a NUL too: in the console's login and in the web chat's hello
        status, body = raw(self.gw, "POST", "/console/login", b"",
                           json.dumps({"token": ZHAO + "\u0000tail"}).encode())
        self.assertIn(status, (400, 401), body)
        ws = WebSocket("127.0.0.1", self.gw.port, "/ws/chat")
        self.addCleanup(ws.close)
        self.assertEqual(hello(ws, WANG + "\u0000tail")["type"], "error")
        # the real ones still work
        self.assertEqual(raw(self.gw, "GET", "/api/orders",
                             b"Authorization: Bearer " + ZHAO.encode() + b"\r\n")[0], 200)
        ws2 = WebSocket("127.0.0.1", self.gw.port, "/ws/chat")
        self.addCleanup(ws2.close)
        self.assertEqual(hello(ws2, WANG)["type"], "welcome")


class Guessing(SecretsCase):
    def test_guesses_are_slowed_per_address(self):
        ws = WebSocket("127.0.0.1", self.gw.port, "/ws/chat")
        self.addCleanup(ws.close)
        guess = iter("demo-wang-token-%04d" % i for i in range(1000))
        # a few wrong ones at full speed are told so...
        for _ in range(5):
            self.assertIn("not valid", json.dumps(hello(ws, next(guess))))
        self.assertIn("too many", json.dumps(hello(ws, next(guess))))
        # ...then one wrong one per wait, each wait twice the last (1 s, 2 s, ... 64 s)
        for k in range(6):
            self.gw.advance(2 ** k + 0.1)
            self.assertIn("not valid", json.dumps(hello(ws, next(guess))))
            self.assertIn("too many", json.dumps(hello(ws, next(guess))))
        self.gw.advance(30)
        # and whatever comes meanwhile is refused unread, however fast it comes (15 at
        # once: the page's own pace, 20 frames in 10 s, would silence more)
        answers = [hello(ws, next(guess)) for _ in range(15)]
        self.assertEqual([a["type"] for a in answers], ["error"] * 15)
        self.assertEqual([a for a in answers if "too many" not in json.dumps(a)], [])
        # now even the right token from there waits, on the web chat and on the API
        self.assertIn("too many", json.dumps(hello(ws, WANG)))
        status, body = raw(self.gw, "GET", "/api/orders",
                           b"Authorization: Bearer " + ZHAO.encode() + b"\r\n", src=ATTACKER)
        self.assertEqual(status, 429, body)
        self.assertIn("wait", json.loads(body)["error"])
        status, body = raw(self.gw, "POST", "/console/login", b"",
                           json.dumps({"token": ZHAO}).encode(), src=ATTACKER)
        self.assertEqual(status, 429, body)
        # while staff at another address log in as usual, everywhere
        with from_address(OFFICE):
            office = WebSocket("127.0.0.1", self.gw.port, "/ws/chat")
        self.addCleanup(office.close)
        self.assertEqual(hello(office, WANG)["type"], "welcome")
        self.assertEqual(raw(self.gw, "GET", "/api/orders",
                             b"Authorization: Bearer " + ZHAO.encode() + b"\r\n",
                             src=OFFICE)[0], 200)
        status, body = raw(self.gw, "POST", "/console/login", b"",
                           json.dumps({"token": ZHAO}).encode(), src=OFFICE)
        self.assertEqual(status, 200, body)
        log = self.gw.stderr()
        self.assertIn("login: wrong web token from 127.0.0.1", log)
        self.assertIn("login: zhao logged in by console from 127.0.0.2", log)
        self.assertIn("login: wang logged in by web from 127.0.0.2", log)
        # the refusals are logged once a wait, not once each
        self.assertEqual(log.count("refused unread"), 7, log[-3000:])

    def test_the_wait_grows_and_ends(self):
        def api(token):
            return raw(self.gw, "GET", "/api/orders", b"Authorization: Bearer %s\r\n" % token)[0]
        for i in range(5):
            self.assertEqual(api(b"guess-%d" % i), 401)
        self.assertEqual(api(ZHAO.encode()), 429)
        # each wrong token after a wait doubles the next one: 1 s, 2 s, 4 s
        self.gw.advance(1.1)
        self.assertEqual(api(b"guess-x"), 401)
        self.gw.advance(2.1)
        self.assertEqual(api(b"guess-y"), 401)
        self.gw.advance(2)
        self.assertEqual(api(ZHAO.encode()), 429)
        self.gw.advance(2.5)
        self.assertEqual(api(ZHAO.encode()), 200)


class WeakTokens(unittest.TestCase):
    def test_check_config_refuses_a_one_character_token(self):
        c = Concierge(self)
        cfg = gateway.example_config()
        cfg["staff"][1]["token"] = "Q"
        cfg["staff"][2]["token"] = "zzzzzzzzzzzzzzzzzzzz"
        c.write_config(cfg)
        res = c.run("check-config", rc=None)
        self.assertNotEqual(res.rc, 0)
        self.assertIn("staff[1].token: too short: at least 16 characters", res.stderr)
        self.assertIn("staff[2].token: too easy to guess", res.stderr)
        self.assertNotIn("zzzz", res.stderr)
        # and serve will not start with it either
        res = c.run("serve", "--listen", "127.0.0.1:0", rc=None)
        self.assertNotEqual(res.rc, 0)
        self.assertIn("staff[1].token", res.stderr)


if __name__ == "__main__":
    unittest.main()
