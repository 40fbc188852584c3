"""Another process holds the database's write lock for seconds (a desk's `concierge chat`,
an admin's sqlite3 shell, a VACUUM): the gateway keeps answering.

Here a separate Python process takes the lock (BEGIN IMMEDIATE on the same file) and keeps
it for about ten seconds while residents' webhooks (the generic channel) come in, a web chat
page connects and writes, and a monitor polls /healthz. What an operator and the platforms
see:
  - /healthz answers at once throughout, and says the database is locked, since when;
  - a web chat page still connects; its message is acknowledged once the lock is gone;
  - a webhook waits about two seconds, then gets 503 with Retry-After (the platform sends
    it again later), and its message is kept: once the lock is gone it is stored, and the
    platform's retry is a repeat that changes nothing;
  - one log line when the lock has lasted a second, one when it clears.
"""
import json
import os
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from fake_callback import FakeCallback, sign  # noqa: E402
from gateway import sqlite_file  # noqa: E402
from gateway import ASK_DESCRIPTION, CREATED, INTAKE, ORDER_RE, SUMMARY, Gateway  # noqa: E402

SECRET = "s3cret"
LOCKED_LINE = "the database is locked by another process"
FREE_LINE = "the database is free again"

# The other process: takes the write lock, says so, keeps it until told (a line on stdin).
LOCKER = r"""
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
con.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
con.execute("ROLLBACK")
con.close()
print("released", flush=True)
"""


class Locker:
    def __init__(self, path):
        self.proc = subprocess.Popen([sys.executable, "-c", LOCKER, path], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.strip() == "locked", line
        self.at = time.time()

    def release(self):
        if self.proc.poll() is None:
            self.proc.stdin.write("\n")
            self.proc.stdin.flush()
            assert self.proc.stdout.readline().strip() == "released"
            self.proc.wait(10)
            self.proc.stdin.close()
            self.proc.stdout.close()


class DatabaseLocked(unittest.TestCase):
    def setUp(self):
        self.cb = FakeCallback(SECRET).start()
        self.addCleanup(self.cb.stop)
        self.gw = Gateway({"channels": {"generic": {"enabled": True, "secret": SECRET,
                                                    "callback_url": self.cb.url}}})
        self.addCleanup(self.gw.close)
        self.gw.start()
        self.locker = None

    def tearDown(self):
        if self.locker:
            self.locker.release()
        self.gw.finish(self)

    def post(self, user, text, mid, timeout=30, **extra):
        """Posts USER's TEXT as message MID; (status, headers, answer, seconds taken)."""
        msg = {"id": mid, "user": user, "chat": "c-" + user, "text": text}
        msg.update(extra)
        body = json.dumps(msg, ensure_ascii=False).encode()
        t0 = time.time()
        status, headers, answer = self.gw.request(
            "POST", "/hooks/generic", body,
            {"Content-Type": "application/json", "X-Concierge-Signature": sign(SECRET, body)},
            timeout=timeout)
        return status, headers, answer, time.time() - t0

    def texts(self, user):
        return [c["json"]["text"] for c in self.cb.calls if c["json"]["chat"] == "c-" + user]

    def count_log(self, needle):
        return sum(needle in line for line in self.gw.log)

    @sqlite_file
    def test_lock_held_by_another_process(self):
        users = ["u1", "u2", "u3"]
        # Each resident goes through the intake up to the summary, before the lock.
        for u in users:
            for i, text in enumerate(INTAKE):
                self.assertEqual(self.post(u, text, "%s-%d" % (u, i))[0], 200)
        self.gw.wait(lambda: all(any(SUMMARY in t for t in self.texts(u)) for u in users),
                     what="the three summaries")
        web = self.gw.web()
        web.connect()
        web.say("/repair")  # the page works before the lock

        self.locker = Locker(self.gw.config["database"])
        results = {}

        # The residents confirm while the lock is held, and a new one starts.
        def confirm(u):
            results[u] = self.post(u, "确认提交", "%s-yes" % u, data="yes")

        def start_new():
            results["u4"] = self.post("u4", "/repair", "u4-0")

        threads = [threading.Thread(target=confirm, args=(u,)) for u in users]
        threads.append(threading.Thread(target=start_new))
        for t in threads:
            t.start()

        # /healthz answers at once throughout, and soon says the database is locked.
        health, slowest = [], 0.0
        page = None
        while time.time() - self.locker.at < 10:
            t0 = time.time()
            status, h = self.gw.get_json("/healthz")
            slowest = max(slowest, time.time() - t0)
            health.append((time.time() - self.locker.at, status, h))
            if page is None and time.time() - self.locker.at > 3:
                # A page opened now connects, and its line waits for the lock.
                t0 = time.time()
                page = self.gw.web()
                page.connect()
                self.assertLess(time.time() - t0, 1.0, "the page's welcome was slow")
                page.ws.send({"type": "say", "id": "locked-1", "text": "/repair"})
            time.sleep(0.2)
        self.assertLess(slowest, 0.8, "a /healthz took %.2f s while the lock was held" % slowest)
        late = [h for at, status, h in health if at > 2]
        self.assertTrue(late)
        for status, h in [(s, h) for at, s, h in health if at > 2]:
            self.assertEqual(status, 503, h)
            self.assertEqual(h["status"], "degraded", h)
            self.assertIn("locked by another process since", h["database"])
            self.assertGreaterEqual(h["database_locked"]["seconds"], 1, h)
        self.assertGreaterEqual(health[-1][2]["database_locked"]["seconds"], 8, health[-1])
        self.assertEqual(self.count_log(LOCKED_LINE), 1, self.gw.stderr()[-3000:])
        self.assertEqual(self.count_log(FREE_LINE), 0)

        # Every webhook was answered 503 with Retry-After after a bounded wait.
        for t in threads:
            t.join(1)
            self.assertFalse(t.is_alive(), "a webhook is still waiting")
        for who, (status, headers, answer, took) in results.items():
            self.assertEqual(status, 503, (who, answer))
            self.assertRegex(headers.get("retry-after", ""), r"^\d+$", headers)
            self.assertGreater(took, 1.5, who)
            self.assertLess(took, 4.0, who)
            self.assertFalse(json.loads(answer)["ok"])

        # The page's line is not acknowledged while the lock is held.
        early = []
        try:
            while True:
                early.append(page.ws.recv(timeout=0.5))
        except (OSError, ValueError):
            pass
        self.assertNotIn(("ack", "locked-1"), [(m.get("type"), m.get("id")) for m in early])

        self.locker.release()
        released = time.time()
        # The page's line is acknowledged and answered.
        got = []
        while not [m for m in got if m.get("type") == "ack" and m.get("id") == "locked-1"]:
            got.append(page.ws.recv(timeout=10))
        self.assertLess(time.time() - released, 3.0)
        # Every message kept is stored: each confirmation made its order, u4 was asked.
        self.gw.wait(lambda: len(self.gw.orders()) == 3, what="three orders")
        self.gw.wait(lambda: any(ASK_DESCRIPTION in t for t in self.texts("u4")),
                     what="u4's question")
        status, h = self.gw.get_json("/healthz")
        self.assertEqual((status, h["status"], h["database"]), (200, "ok", "ok"), h)
        self.assertNotIn("database_locked", h)
        self.gw.wait(lambda: self.count_log(FREE_LINE) == 1, what="the log line of the release")

        # The platforms send the refused webhooks again: repeats, answered 200, no change.
        for u in users:
            self.assertEqual(self.post(u, "确认提交", "%s-yes" % u, data="yes")[0], 200)
        self.assertEqual(self.post("u4", "/repair", "u4-0")[0], 200)
        time.sleep(1)
        orders = self.gw.orders()
        self.assertEqual(len(orders), 3, orders)
        for u in users:  # one each
            self.assertEqual(sum(o["resident"].startswith("generic:" + u) for o in orders), 1,
                             orders)
        for u in users:
            created = [t for t in self.texts(u) if CREATED in t]
            self.assertEqual(len(created), 1, self.texts(u))
            num = ORDER_RE.search(created[0]).group(0)
            self.assertIn(num, [o["number"] for o in orders])
        self.assertEqual(sum(ASK_DESCRIPTION in t for t in self.texts("u4")), 1)
        self.assertEqual(self.count_log(LOCKED_LINE), 1)
        self.assertEqual(self.count_log(FREE_LINE), 1)
        web.close()
        page.close()

    @sqlite_file
    def test_lock_seen_without_traffic(self):
        """Nothing comes in: /healthz itself finds the lock (a write tried without waiting),
        and the log says when it started and when it cleared."""
        self.locker = Locker(self.gw.config["database"])
        seen = None
        while time.time() - self.locker.at < 4:
            t0 = time.time()
            status, h = self.gw.get_json("/healthz")
            self.assertLess(time.time() - t0, 0.8)
            if status == 503 and seen is None:
                seen = time.time() - self.locker.at
                self.assertIn("locked by another process since", h["database"], h)
            time.sleep(0.1)
        self.assertIsNotNone(seen, "/healthz never said the database is locked")
        self.assertLess(seen, 2.5)
        self.assertEqual(self.count_log(LOCKED_LINE), 1, self.gw.stderr()[-3000:])
        self.locker.release()
        self.gw.wait(lambda: self.count_log(FREE_LINE) == 1, what="the log line of the release")
        status, h = self.gw.get_json("/healthz")
        self.assertEqual((status, h["database"]), (200, "ok"), h)
        # and the next message is taken at once
        status, _, _, took = self.post("u1", "/repair", "after-1")
        self.assertEqual(status, 200)
        self.assertLess(took, 1.0)
        self.assertEqual(self.count_log(LOCKED_LINE), 1)

    @sqlite_file
    def test_delivered_while_locked_goes_once(self):
        """A reply delivered while another process holds the lock longer than the sender
        waits for it: the sender cannot write that it was delivered, keeps the note, and
        writes it once the lock is gone. The resident gets the reply once, not again
        after every re-read of the queue."""
        self.cb.answer(503)  # the first try fails: the reply waits for its retry
        status, _, _, _ = self.post("m1", "/repair", "m1-1")
        self.assertEqual(status, 200)
        self.cb.wait_calls(1)
        self.locker = Locker(self.gw.config["database"])
        # the retry goes through while the lock is held
        deadline = time.time() + 15
        while not self.cb.texts("c-m1") and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(len(self.cb.texts("c-m1")), 1, "the retry did not come during the lock")
        time.sleep(max(0, self.locker.at + 9 - time.time()))  # past the sender's 5 s wait
        self.locker.release()
        self.gw.wait(lambda: not [r for r in self.gw.outbox() if r["channel"] == "generic"],
                     what="the outbox recorded as delivered")
        status, _, _, _ = self.post("m2", "/help", "m2-1")  # a barrier: later work done
        self.assertEqual(status, 200)
        self.cb.wait_calls(3)
        delivered = self.cb.texts("c-m1")  # answered 2xx
        self.assertEqual(sum(ASK_DESCRIPTION in t for t in delivered), 1, delivered)


if __name__ == "__main__":
    unittest.main()
