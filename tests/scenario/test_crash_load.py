"""Crash safety under load: the gateway killed with SIGKILL again and again.

Residents file the whole intake over the Telegram webhook, many at once, each
message sent again until it is acknowledged (as Telegram does with an update
it got no 2xx for). Meanwhile the gateway is killed with SIGKILL at random
moments, at least twenty times, and started again on the same database. At
the end:
- every resident, all of whose messages were acknowledged, has exactly one
  order (an acknowledged message is on disk; a message sent again after a
  crash is recognised and not taken twice);
- every reply the outbox holds reached the fake Bot API at least once (the
  number delivered twice, which at-least-once delivery allows, is printed);
- the database passes `PRAGMA integrity_check`;
- the last run stops cleanly and sanitizer-clean.
"""
import http.client
import json
import os
import random
import sqlite3
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from fake_telegram import text_update  # noqa: E402
from gateway import sqlite_file  # noqa: E402
from gateway import ASK_DESCRIPTION, ASK_NAME, ASK_ROOM, CREATED, SUMMARY  # noqa: E402
from test_telegram import ASK_PHONE, ASK_TIME, SECRET, TelegramCase  # noqa: E402

KILLS = 20
RESIDENTS = 48  # chats 8100.. ; twelve at a time
AT_ONCE = 12
FIRST_CHAT = 8100
EXPECTED = [ASK_DESCRIPTION, ASK_ROOM, ASK_NAME, ASK_PHONE, ASK_TIME, SUMMARY, CREATED]


class CrashUnderLoad(TelegramCase):
    mode = "webhook"

    def setUp(self):
        super().setUp()
        self.update_ids = iter(range(900000, 10**9))
        self.ids_lock = threading.Lock()
        self.acked = {}  # chat -> messages acknowledged
        self.resent = 0
        self.stop_load = threading.Event()

    def post(self, update):
        """Sends UPDATE until the gateway answers it 2xx (connection refused and
        cut while it is down or dying; a 5xx is what a platform also retries)."""
        body = json.dumps(update, ensure_ascii=False).encode()
        deadline = time.time() + 120
        tries = 0
        while time.time() < deadline:
            port = self.gw.port
            tries += 1
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("POST", "/hooks/telegram", body,
                             {"Content-Type": "application/json",
                              "X-Telegram-Bot-Api-Secret-Token": SECRET})
                status = conn.getresponse().status
                conn.close()
                if 200 <= status < 300:
                    if tries > 1:
                        with self.ids_lock:
                            self.resent += 1
                    return
                self.assertLess(status, 500 if status != 503 else 600,
                                "a good update refused with %d" % status)
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)
        self.fail("an update was never acknowledged")

    def resident(self, chat):
        lines = ["/repair", "卫生间下水道堵了", "3-2-%03d" % (chat % 1000), "李伟",
                 "1390000%04d" % (chat % 10000), "明天上午", "yes"]
        for text in lines:
            with self.ids_lock:
                uid = next(self.update_ids)
            update = text_update(chat, text, user_id=chat)
            update["update_id"] = uid
            self.post(update)
            with self.ids_lock:
                self.acked[chat] = self.acked.get(chat, 0) + 1

    def worker(self, chats, errors):
        try:
            for chat in chats:
                self.resident(chat)
        except BaseException as e:  # noqa: B902 - reported by the test's thread
            errors.append(e)

    def db(self):
        return sqlite3.connect(self.gw.config["database"], timeout=30)

    @sqlite_file
    def test_kill9_under_webhook_load(self):
        self.start()
        chats = list(range(FIRST_CHAT, FIRST_CHAT + RESIDENTS))
        errors = []
        threads = [threading.Thread(target=self.worker, args=(chats[i::AT_ONCE], errors),
                                    daemon=True) for i in range(AT_ONCE)]
        for t in threads:
            t.start()
        rng = random.Random(int(os.environ.get("CRASH_SEED", time.time())))
        kills = 0
        while kills < KILLS:
            time.sleep(rng.uniform(0.05, 0.6))
            self.assertEqual(self.gw.kill9(), -9)
            kills += 1
            time.sleep(rng.uniform(0, 0.2))  # the platform retries into a closed port
            self.start()
            if not any(t.is_alive() for t in threads) and kills >= KILLS:
                break
        for t in threads:
            t.join(180)
        self.assertFalse(errors, errors)
        self.assertFalse([t for t in threads if t.is_alive()], "residents still typing")
        self.assertGreaterEqual(kills, KILLS)
        # more than a few kills fell while intakes were under way
        self.assertTrue(all(self.acked.get(c) == len(EXPECTED) for c in chats), self.acked)

        self.settle()
        con = self.db()
        try:
            self.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            per_chat = dict(con.execute(
                "SELECT chat, count(*) FROM orders WHERE chat LIKE '81%' GROUP BY chat"))
            fields = con.execute("SELECT chat, room, phone, preferred_time FROM orders"
                                 " WHERE chat LIKE '81%'").fetchall()
            outbox = con.execute("SELECT chat, payload, status FROM outbox"
                                 " WHERE channel = 'telegram' AND chat LIKE '81%'").fetchall()
        finally:
            con.close()
        # exactly one order per resident: none lost, none twice
        self.assertEqual(sorted(per_chat), sorted(str(c) for c in chats))
        self.assertEqual(set(per_chat.values()), {1}, per_chat)
        # each answer was taken once, in its place: the order holds what was said
        for chat, room, phone, when in fields:
            c = int(chat)
            self.assertEqual((room, phone, when),
                             ("3-2-%03d" % (c % 1000), "1390000%04d" % (c % 10000), "明天上午"))

        # every reply went out at least once, in every resident's chat
        sent = {}
        for chat, text in self.texts():
            sent.setdefault(chat, []).append(text)
        self.assertTrue(all(status == "sent" for _, _, status in outbox),
                        [r for r in outbox if r[2] != "sent"])
        twice = 0
        for chat, payload, _ in outbox:
            text = json.loads(payload).get("text", "")
            got = sent.get(chat, []).count(text)
            self.assertGreaterEqual(got, 1, "never delivered to %s: %s" % (chat, text))
            twice += got - 1
        for c in chats:
            texts = sent.get(str(c), [])
            for needle in EXPECTED:
                self.assertTrue(any(needle in t for t in texts), (c, needle, texts))
        sys.stderr.write("\n  %d kills: %d orders, %d replies, %d delivered twice,"
                         " %d updates sent again\n"
                         % (kills, len(per_chat), len(outbox), twice, self.resent))


if __name__ == "__main__":
    unittest.main()
