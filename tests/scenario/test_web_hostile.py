"""The web chat against hostile pages: floods, pages that never read, binary
frames and frames over the limit.

Each test starts the real gateway (the sanitizer build) with the example
configuration and a movable clock, and plays the attacker with raw
websockets: what it checks is what an operator would (the server's memory,
/healthz answering, what is stored) and what the attacker sees (one notice,
then silence; the close code).
"""
import os
import socket
import sqlite3
import struct
import time
import unittest

from gateway import sqlite_file  # noqa: E402
from gateway import Gateway, WebChat, WebSocket

SAY_MAX = 20          # frames per 10 s and visitor (adapters/web.c)
ADDRESS_PACE = 60     # frames per 10 s and client address (channels.web.address_pace)
HISTORY = 100         # lines a welcome carries at most
HISTORY_BYTES = 192 * 1024
WS_MAX = 9 * 1024 * 1024  # more than the endpoint takes (a 5 MB photo in base64, 1 MB to spare)
TOO_FAST = "too many messages, please wait a moment"


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise AssertionError("no VmRSS")


class RawSocket(WebSocket):
    """A websocket that can keep from reading (a tiny receive buffer) and sees close codes."""

    def __init__(self, gw, cookie=None, headers=None, rcvbuf=None):
        h = dict(headers or {})
        if cookie:
            h["Cookie"] = cookie
        if rcvbuf:
            # Set before connecting, so the window the server sees is small from the start.
            real = socket.create_connection

            def small(addr, timeout=None):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
                s.settimeout(timeout)
                s.connect(addr)
                return s
            socket.create_connection = small
            try:
                super().__init__("127.0.0.1", gw.port, "/ws/chat", h)
            finally:
                socket.create_connection = real
        else:
            super().__init__("127.0.0.1", gw.port, "/ws/chat", h)

    def send_binary(self, data):
        self._frame(0x2, data)

    def frames(self, timeout=1.0):
        """Every frame until TIMEOUT passes quietly or the server closes: (messages, close code)."""
        out = []
        self.sock.settimeout(timeout)
        try:
            while True:
                b1, b2 = self._read(2)
                op, n = b1 & 0x0F, b2 & 0x7F
                if n == 126:
                    n = struct.unpack("!H", self._read(2))[0]
                elif n == 127:
                    n = struct.unpack("!Q", self._read(8))[0]
                payload = self._read(n)
                if op == 0x8:
                    return out, struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                if op == 0x1:
                    import json
                    out.append(json.loads(payload.decode()))
                elif op == 0x9:
                    self._frame(0xA, payload)
        except socket.timeout:
            return out, None
        except (ConnectionError, OSError):
            return out, -1


class WebHostileTest(unittest.TestCase):
    def setUp(self):
        self.gw = Gateway(clock=True)
        self.addCleanup(self.gw.close)
        self.gw.start()

    def tearDown(self):
        self.assertEqual(self.gw.stop(), 0)
        self.gw.assert_clean(self)

    def stored(self, chat=None):
        db = sqlite3.connect(self.gw.config["database"])
        try:
            if chat:
                return db.execute("SELECT count(*) FROM transcript WHERE sender = 'me' AND chat = ?",
                                  (chat,)).fetchone()[0]
            return db.execute("SELECT count(*) FROM transcript WHERE sender = 'me'").fetchone()[0]
        finally:
            db.close()

    def web_health(self):
        _, h = self.gw.get_json("/healthz")
        return h["channels"]["web"]

    def long_history(self, lines, size):
        """A visitor who wrote LINES lines of SIZE characters (paced, the clock moved on)."""
        v = WebChat(self.gw)
        v.connect()
        sent = 0
        budget = SAY_MAX - 1  # the hello took one
        while sent < lines:
            for _ in range(min(budget, lines - sent)):
                sent += 1
                v.say("%05d " % sent + "x" * (size - 6), wait_reply=False)
            self.gw.advance(11)
            budget = SAY_MAX
        v.close()
        return v

    # ---- history ---------------------------------------------------------------------------

    def test_history_once_per_page(self):
        v = self.long_history(5, 50)
        time.sleep(0.5)  # the bot's answers are in the transcript too
        ws = RawSocket(self.gw, cookie=v.cookie)
        for _ in range(5):
            ws.send({"type": "hello", "lang": "zh"})
        got, code = ws.frames(timeout=1.5)
        welcomes = [m for m in got if m.get("type") == "welcome"]
        self.assertEqual(len(welcomes), 1, [m.get("type") for m in got])
        self.assertEqual(len([x for x in welcomes[0]["history"] if x["from"] == "me"]), 5)
        self.assertIsNone(code)
        ws.close()

    def test_history_capped(self):
        v = self.long_history(60, 3900)  # 60 lines and the bot's answers: over 230 KB
        time.sleep(0.5)
        w = WebChat(self.gw, cookie=v.cookie).connect()
        history = w["history"]
        import json
        size = len(json.dumps(history, ensure_ascii=False, separators=(",", ":")).encode())
        self.assertLessEqual(len(history), HISTORY)
        self.assertLessEqual(size, HISTORY_BYTES + 1024)
        self.assertGreater(size, HISTORY_BYTES // 2)
        # The newest lines are there, the oldest went.
        mine = [x["text"][:5] for x in history if x["from"] == "me"]
        self.assertEqual(mine[-1], "00060")
        self.assertNotIn("00001", mine)

    # ---- a page that floods and never reads --------------------------------------------------

    def test_non_reading_flood_is_closed_memory_bounded(self):
        v = self.long_history(40, 3900)
        time.sleep(0.5)
        time.sleep(0.5)
        before = rss_mb(self.gw.proc.pid)
        ws = RawSocket(self.gw, cookie=v.cookie, rcvbuf=4096)
        hello = b'{"type":"hello","lang":"zh"}'
        try:
            for _ in range(3000):
                ws._frame(0x1, hello)
        except OSError:
            pass  # closed under us: what we want
        slowest = 0.0
        for _ in range(6):
            t = time.time()
            status, h = self.gw.get_json("/healthz")
            slowest = max(slowest, time.time() - t)
            self.assertEqual(status, 200)
            time.sleep(0.3)
        self.assertLess(slowest, 0.5, "healthz waited %.2fs" % slowest)
        grew = rss_mb(self.gw.proc.pid) - before
        self.assertLess(grew, 8, "the server grew by %.1f MB" % grew)
        # The flooding page was closed and counted; the attacker never read a thing.
        self.gw.wait(lambda: self.web_health()["clients"] == 0, timeout=10,
                     what="the flooding page closed")
        web = self.web_health()
        self.assertGreaterEqual(web["refused"], 1)
        self.assertGreaterEqual(web["dropped"], 100)
        self.assertTrue(any("goes on flooding" in line for line in self.gw.log), self.gw.log[-5:])
        ws.sock.close()
        # The server answers the next good visitor at once.
        other = WebChat(self.gw)
        other.connect()
        self.assertTrue(other.say("物业费在哪交"))
        other.close()

    # ---- paces -------------------------------------------------------------------------------

    @sqlite_file
    def test_one_notice_then_silence(self):
        v = WebChat(self.gw)
        ws = RawSocket(self.gw, cookie=v.cookie)
        ws.send({"type": "hello", "lang": "zh"})
        for i in range(60):
            ws.send({"type": "say", "id": "n%d" % i, "text": "line %d" % i})
        got, code = ws.frames(timeout=3)
        self.assertIsNone(code)
        errors = [m for m in got if m.get("type") == "error"]
        acks = [m for m in got if m.get("type") == "ack"]
        self.assertEqual(len(errors), 1, errors)
        self.assertEqual(errors[0]["message"], TOO_FAST)
        self.assertEqual(errors[0].get("id"), "n%d" % (SAY_MAX - 1))  # the hello took one
        self.assertEqual(len(acks), SAY_MAX - 1)
        self.assertEqual(self.stored(), SAY_MAX - 1)
        self.assertEqual(self.web_health()["dropped"], 60 - (SAY_MAX - 1))
        # A new window: the visitor is heard again.
        self.gw.advance(11)
        ws.send({"type": "say", "id": "later", "text": "hello again"})
        got, _ = ws.frames(timeout=2)
        self.assertIn({"type": "ack", "id": "later"}, got)
        ws.close()

    @sqlite_file
    def test_twenty_pages_of_one_visitor_share_a_budget(self):
        v = WebChat(self.gw)
        pages = [RawSocket(self.gw, cookie=v.cookie) for _ in range(20)]
        for p in pages:
            p.send({"type": "hello", "lang": "zh"})
        for r in range(20):
            for i, p in enumerate(pages):
                p.send({"type": "say", "id": "p%d-%d" % (i, r), "text": "y" * 3900})
        notices = 0
        for p in pages:
            got, code = p.frames(timeout=0.5)
            self.assertIsNone(code)
            notices += len([m for m in got if m.get("type") == "error" and m["message"] == TOO_FAST])
            p.close()
        self.assertLessEqual(self.stored(), SAY_MAX)
        self.assertLessEqual(notices, 20)  # one a page at most

    @sqlite_file
    def test_twenty_visitors_of_one_address_share_a_budget(self):
        # Played through a reverse proxy on this machine that says whom it forwards.
        proxy = {"X-Forwarded-For": "198.51.100.9, 203.0.113.7"}
        visitors = [WebChat(self.gw) for _ in range(20)]
        pages = [RawSocket(self.gw, cookie=v.cookie, headers=proxy) for v in visitors]
        t = time.time()
        for p in pages:
            p.send({"type": "hello", "lang": "zh"})
        for r in range(20):
            for i, p in enumerate(pages):
                p.send({"type": "say", "id": "a%d-%d" % (i, r), "text": "z" * 3900})
        for p in pages:
            p.frames(timeout=0.3)
        stored = self.stored()
        self.assertLessEqual(stored, ADDRESS_PACE, "stored %d in %.1fs" % (stored, time.time() - t))
        self.assertGreater(stored, 0)
        # Someone elsewhere is not held back by them.
        other = WebChat(self.gw)
        ws = RawSocket(self.gw, cookie=other.cookie, headers={"X-Real-IP": "203.0.113.8"})
        ws.send({"type": "hello", "lang": "zh"})
        ws.send({"type": "say", "id": "elsewhere", "text": "物业费在哪交"})
        got, _ = ws.frames(timeout=2)
        self.assertIn({"type": "ack", "id": "elsewhere"}, got)
        for p in pages + [ws]:
            p.close()

    # ---- frames the chat does not take -------------------------------------------------------

    @sqlite_file
    def test_binary_frame_closed_1003(self):
        v = WebChat(self.gw)
        ws = RawSocket(self.gw, cookie=v.cookie)
        ws.send({"type": "hello", "lang": "zh"})
        got, _ = ws.frames(timeout=1)
        self.assertEqual(got[0]["type"], "welcome")
        ws.send_binary(b'{"type":"say","id":"b1","text":"binary"}')
        got, code = ws.frames(timeout=3)
        self.assertEqual(code, 1003, got)
        self.assertEqual(self.stored(), 0)
        self.assertEqual(self.web_health()["refused"], 1)

    @sqlite_file
    def test_frames_over_the_limit_closed_1009(self):
        v = WebChat(self.gw)
        for n in range(3):  # a flood of them: each page closed at its first
            ws = RawSocket(self.gw, cookie=v.cookie)
            ws.send({"type": "hello", "lang": "zh"})
            big = b'{"type":"say","id":"big%d","text":"' % n + b"w" * WS_MAX + b'"}'
            try:
                ws._frame(0x1, big)
            except OSError:
                pass  # the server hung up while we were still sending
            got, code = ws.frames(timeout=3)
            self.assertEqual(code, 1009, got)
            self.assertFalse([m for m in got if m.get("type") == "ack"], got)
            ws.sock.close()
        self.assertEqual(self.stored(), 0)
        self.gw.wait(lambda: self.web_health()["clients"] == 0, timeout=10, what="pages closed")
        self.assertEqual(self.web_health()["refused"], 3)
        self.assertTrue(any("closing the page" in line for line in self.gw.log))


if __name__ == "__main__":
    unittest.main()
