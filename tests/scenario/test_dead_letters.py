"""Poison messages: an inbound message that fails every time is set aside.

A message whose own transaction always fails (here: a trigger the test puts
in the real database refuses the de-duplication row of one update, the way a
constraint a message alone breaks would) is tried DEAD_ATTEMPTS (5) times and
then kept as a dead letter: Telegram's long poll moves past it and a webhook
gets its 200, so the platform stops sending it and the messages after it
flow. The operator sees it in /healthz, /metrics and `concierge dead-letters
list`, and replays it with `concierge dead-letters replay ID` once the cause
is gone; the running server delivers the answer.
"""
import json
import os
import sqlite3
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from fake_telegram import text_update  # noqa: E402
from gateway import sqlite_file  # noqa: E402
from gateway import ASK_DESCRIPTION  # noqa: E402
from test_telegram import PROBE, RES, TelegramCase  # noqa: E402

ATTEMPTS = 5
HELP = "物业服务助手"
POISON_ID = 880001


class DeadLetters(TelegramCase):

    def poison(self, update_id=POISON_ID):
        """The store refuses update UPDATE_ID every time, and only it."""
        con = sqlite3.connect(self.gw.config["database"], timeout=10, isolation_level=None)
        try:
            con.execute("CREATE TRIGGER poison BEFORE INSERT ON dedup WHEN NEW.key = '%d' "
                        "BEGIN SELECT RAISE(ABORT, 'poisoned by the test'); END" % update_id)
        finally:
            con.close()

    def cure(self):
        con = sqlite3.connect(self.gw.config["database"], timeout=10, isolation_level=None)
        try:
            con.execute("DROP TRIGGER poison")
        finally:
            con.close()

    def dead_letters(self, *extra):
        rc, out, err = self.gw.cli("dead-letters", "list", "--json", *extra)
        self.assertEqual(rc, 0, err)
        return json.loads(out)

    def metric(self, name):
        status, _, body = self.gw.request("GET", "/metrics")
        self.assertEqual(status, 200)
        for line in body.decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        self.fail("%s not in /metrics" % name)

    @sqlite_file
    def test_polled_poison_is_set_aside_and_the_next_updates_flow(self):
        self.start("polling")
        self.poison()
        m = self.mark()
        self.push(dict(text_update(RES, "/repair", user_id=RES), update_id=POISON_ID))
        self.push(dict(text_update(PROBE, "/help", user_id=PROBE), update_id=POISON_ID + 1))
        # The update after the poison is answered, and the poll's offset moves past both:
        # Telegram holds nothing back.
        self.expect(PROBE, HELP, m)
        self.gw.wait(lambda: not self.tg.pending_updates(), timeout=20,
                     what="the offset to move past the poison update")
        polls = [c for c in self.tg.calls("getUpdates", since=m)
                 if int(c["params"].get("offset", 0)) == POISON_ID]
        self.assertLessEqual(len(polls), ATTEMPTS + 1, "asked for again and again")
        self.assertNotIn(RES, [int(c) for c, _ in self.texts(since=m)])

        dead = self.dead_letters()
        self.assertEqual(len(dead), 1, dead)
        d = dead[0]
        self.assertEqual(d["channel"], "telegram")
        self.assertEqual(d["chat"], str(RES))
        self.assertEqual(d["attempts"], ATTEMPTS)
        self.assertIn("poisoned by the test", d["reason"])
        self.assertEqual(d["message"]["text"], "/repair")
        self.assertEqual(self.health()["dead_letters"], 1)
        self.assertEqual(self.metric("concierge_inbound_dead_letters"), 1)
        # The log names the channel and the reason, and no token.
        err = self.gw.stderr()
        self.assertIn("set aside as dead letter %d" % d["id"], err)
        self.assertNotIn("123:TEST", err)
        rc, out, _ = self.gw.cli("dead-letters", "list")
        self.assertEqual(rc, 0)
        self.assertIn("poisoned by the test", out)

        # Later updates flow as usual.
        self.step(PROBE, "/help", HELP)

        # Replayed while the cause is still there: it fails again and stays.
        rc, _, err = self.gw.cli("dead-letters", "replay", str(d["id"]))
        self.assertEqual(rc, 1, err)
        self.assertIn("poisoned by the test", err)
        self.assertEqual(len(self.dead_letters()), 1)

        # The cause fixed, the replay goes through; the server delivers the answer.
        self.cure()
        m = self.mark()
        rc, out, err = self.gw.cli("dead-letters", "replay", str(d["id"]))
        self.assertEqual(rc, 0, err)
        self.expect(RES, ASK_DESCRIPTION, m)
        self.assertEqual(self.dead_letters(), [])
        self.assertEqual(len(self.dead_letters("--all")), 1)
        self.assertEqual(self.health()["dead_letters"], 0)
        rc, _, err = self.gw.cli("dead-letters", "replay", str(d["id"]))
        self.assertEqual(rc, 3, err)
        # Telegram sending the update again changes nothing: it was handled once.
        m = self.mark()
        self.push(dict(text_update(RES, "/repair", user_id=RES), update_id=POISON_ID))
        self.step(PROBE, "/help", HELP)
        self.assertEqual(self.chat_texts(RES, since=m), [])

    @sqlite_file
    def test_webhook_poison_gets_200_once_set_aside(self):
        self.start("webhook")
        self.poison()
        update = dict(text_update(RES, "/repair", user_id=RES), update_id=POISON_ID)
        statuses = [self.tg.push_update(update).get("status") for _ in range(ATTEMPTS)]
        # Tried again while it might be passing trouble, then answered so Telegram stops.
        self.assertEqual(statuses, [500] * (ATTEMPTS - 1) + [200])
        self.assertEqual(self.tg.push_update(update).get("status"), 200)
        dead = self.dead_letters()
        self.assertEqual([(x["channel"], x["attempts"]) for x in dead], [("telegram", ATTEMPTS)])
        self.assertEqual(self.health()["dead_letters"], 1)
        self.step(PROBE, "/help", HELP)


if __name__ == "__main__":
    unittest.main()
