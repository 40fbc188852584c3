"""The disk under the database fills up, then an operator makes room.

The gateway's directory is a small tmpfs (mounted for the test: it needs root,
as the suite has on its machines; elsewhere the test is skipped, saying why).
A resident is half way through the intake over the Telegram webhook when a
file takes every free byte. What must hold:
- the resident's next message is not acknowledged (503 with Retry-After, as
  Telegram retries), and /healthz answers at once, saying the disk is full;
- one log line says the disk is full, one says when there is room again;
- once there is room, the message held is stored, the platform's retry of it
  is recognised (not taken twice), the intake ends in exactly one order with
  what the resident said, and the database passes integrity_check.
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from fake_telegram import text_update  # noqa: E402
from gateway import sqlite_file  # noqa: E402
from gateway import ASK_NAME, ASK_ROOM, CREATED, SUMMARY, Gateway  # noqa: E402
from test_telegram import (ASK_PHONE, ASK_TIME, SECRET, STAFF, TelegramCase,  # noqa: E402
                           telegram_config)

RES = 7301
PHONE = "13900001234"


class DiskFull(TelegramCase):
    mode = "webhook"

    def small_disk(self, size="6m"):
        if os.geteuid() != 0:
            self.skipTest("mounting a small tmpfs needs root")
        d = tempfile.mkdtemp(prefix="concierge-full-")
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", d],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            os.rmdir(d)
            self.skipTest("cannot mount a tmpfs here: " + p.stdout.strip())
        self.addCleanup(lambda: (subprocess.call(["umount", "-l", d]), os.rmdir(d)))
        return d

    def post(self, update, timeout=15):
        t0 = time.monotonic()
        status, headers, body = self.gw.request(
            "POST", "/hooks/telegram", json.dumps(update, ensure_ascii=False).encode(),
            {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
            timeout=timeout)
        return status, headers, time.monotonic() - t0

    def says(self, text, needle=None):
        update = text_update(RES, text, user_id=RES)
        update["update_id"] = self.next_id
        self.next_id += 1
        m = self.mark()
        status, _, _ = self.post(update)
        self.assertEqual(status, 200)
        if needle:
            self.expect(RES, needle, m)
        return update

    @sqlite_file
    def test_disk_full_then_room(self):
        d = self.small_disk()
        self.next_id = 700000
        cfg = {"staff": STAFF, "channels": {"telegram": telegram_config("webhook", self.tg.url)}}
        self.gw = Gateway(cfg, workdir=d, clock=True)
        self.addCleanup(self.gw.close)
        self.gw.start()
        self.tg.wait_for_call("setWebhook", timeout=15)
        with self.tg.state.cond:
            self.tg.state.webhook["url"] = self.gw.url + "/hooks/telegram"
        self.says("/repair", "请简单描述")
        self.says("卫生间灯不亮", ASK_ROOM)
        self.says("5-1-302", ASK_NAME)

        # every free byte taken
        filler = open(os.path.join(d, "filler"), "wb", buffering=0)
        try:
            while True:
                filler.write(b"\0" * 65536)
        except OSError:
            pass
        try:
            while True:
                filler.write(b"\0" * 512)
        except OSError:
            pass

        held = text_update(RES, "张敏", user_id=RES)
        held["update_id"] = self.next_id
        self.next_id += 1
        status, headers, took = self.post(held)
        self.assertEqual(status, 503, "a message the disk could not take was acknowledged")
        self.assertTrue(headers.get("retry-after"), headers)
        self.assertLess(took, 6)
        t0 = time.monotonic()
        st, health = self.gw.get_json("/healthz")
        self.assertLess(time.monotonic() - t0, 1.0)
        self.assertEqual(st, 503, health)
        self.assertIn("disk is full", health["database"])
        self.gw.wait(lambda: "disk of the database is full" in self.gw.stderr(),
                     what="the log line for a full disk")

        # room again: the held message is stored, the platform's retry recognised
        filler.close()
        os.unlink(os.path.join(d, "filler"))
        m = self.mark()
        self.expect(RES, ASK_PHONE, m)
        status, _, _ = self.post(held)
        self.assertEqual(status, 200)
        self.says(PHONE, ASK_TIME)
        self.says("明天下午", SUMMARY)
        self.says("yes", CREATED)
        self.settle()
        self.gw.wait(lambda: "database has room again" in self.gw.stderr(),
                     what="the log line for room again")
        self.assertEqual(sum("请问怎么称呼" in t for t in self.chat_texts(RES)), 1)
        self.assertEqual(sum("请留一个联系电话" in t for t in self.chat_texts(RES)), 1)
        st, health = self.gw.get_json("/healthz")
        self.assertEqual((st, health["database"]), (200, "ok"))

        con = sqlite3.connect(self.gw.config["database"], timeout=30)
        try:
            self.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            rows = con.execute("SELECT room, contact_name, phone FROM orders"
                               " WHERE chat = ?", (str(RES),)).fetchall()
        finally:
            con.close()
        self.assertEqual(rows, [("5-1-302", "张敏", PHONE)])


if __name__ == "__main__":
    unittest.main()
