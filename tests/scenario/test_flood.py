"""A resident (or a script behind an account) floods the bot over Telegram.

Every message is acknowledged (the platform must not send them again), but
past the pace of a person (10 a second, 60 a minute, bot/flood.h) the bot
answers one notice and then neither stores nor answers the rest; /healthz
and /metrics count them and the log has one line. Another resident writing
at the same time is answered as usual, and a minute later the flooder is
too.
"""
import json
import os
import re
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from fake_telegram import text_update  # noqa: E402
from gateway import sqlite_file  # noqa: E402
from gateway import ASK_DESCRIPTION  # noqa: E402
from test_telegram import SECRET, TelegramCase  # noqa: E402

FLOODER, OTHER = 7401, 7402
NOTICE = "您发送得太快了"
SENT = 40


class Flood(TelegramCase):
    mode = "webhook"

    def post(self, chat, text, uid):
        update = text_update(chat, text, user_id=chat)
        update["update_id"] = uid
        status, _, _ = self.gw.request(
            "POST", "/hooks/telegram", json.dumps(update, ensure_ascii=False).encode(),
            {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET})
        return status

    def stored(self):
        status, _, body = self.gw.request("GET", "/metrics")
        self.assertEqual(status, 200)
        m = re.search(r'concierge_inbound_messages_total\{channel="telegram"\} (\d+)',
                      body.decode())
        d = re.search(r'concierge_inbound_flood_dropped_total\{channel="telegram"\} (\d+)',
                      body.decode())
        return int(m.group(1)), int(d.group(1))

    @sqlite_file
    def test_flood_told_once_then_dropped(self):
        self.start(changes={"metrics": {"enabled": True}})
        statuses = [self.post(FLOODER, "在吗 %d" % i, 810000 + i) for i in range(SENT)]
        self.assertEqual(set(statuses), {200}, "every message is acknowledged")
        stored, dropped = self.stored()
        self.assertEqual(stored + dropped, SENT)
        self.assertGreaterEqual(stored, 10)
        self.assertGreaterEqual(dropped, 1)
        status, health = self.gw.get_json("/healthz")
        self.assertEqual(health["flood_dropped"], dropped)

        # someone else meanwhile: answered as ever
        m = self.mark()
        self.assertEqual(self.post(OTHER, "/repair", 820000), 200)
        self.expect(OTHER, ASK_DESCRIPTION, m)
        self.settle()
        notices = [t for t in self.chat_texts(FLOODER) if NOTICE in t]
        self.assertEqual(len(notices), 1, self.chat_texts(FLOODER))
        self.assertEqual(sum("sends faster than" in line for line in self.gw.log), 1)
        with_db = self.db_count("dedup", "key LIKE '81%'")
        self.assertEqual(with_db, SENT, "a dropped message is still recognised if sent again")

        # a minute on, the flooder is heard again
        self.gw.advance(61)
        m = self.mark()
        self.assertEqual(self.post(FLOODER, "/repair", 830000), 200)
        self.expect(FLOODER, ASK_DESCRIPTION, m)
        self.assertEqual(self.stored()[1], dropped)


if __name__ == "__main__":
    unittest.main()
