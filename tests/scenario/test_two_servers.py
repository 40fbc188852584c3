"""Two gateways on one PostgreSQL database, as behind a load balancer.

Both run the real `concierge serve` (the sanitizer build) with the same
configuration and a database URL on a throwaway PostgreSQL server
(pgserver.py). Residents file requests through the generic webhook, each
message sent to either server and some to both at once (a platform's retry
landing on the other one); Telegram is set to long polling, a link only one
server may hold. Midway one server is killed with SIGKILL, and what it was
sent is sent again to the other, as a platform would. Then:
- every intake that was answered with an order number has exactly one order,
  and no order was made twice;
- no reply went out twice (the callback receiver sees each outbox row once)
  and each prompt reached its resident once (no step taken twice);
- one server at a time held the timers and the long poll (no second poller
  was ever refused by the platform), and the survivor took both over.
"""
import json
import os
import random
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import pgserver  # noqa: E402
from fake_callback import FakeCallback, sign  # noqa: E402
from fake_telegram import FakeTelegram  # noqa: E402
from gateway import CREATED, INTAKE, ORDER_RE, SUMMARY, Gateway  # noqa: E402

SECRET = "s3cret-two"
TOKEN = "123:TWO"
BOT, BOT_ID = "ConciergeBot", 777
RESIDENTS = 24
CONFIRM = "确认提交"


def setUpModule():
    if not pgserver.bindir():
        raise unittest.SkipTest("PostgreSQL is not installed (scripts/deps.sh test)")


def tearDownModule():
    pgserver.stop()


class TwoServers(unittest.TestCase):
    def setUp(self):
        self.db = pgserver.new_database("two")
        self.cb = FakeCallback(SECRET).start()
        self.addCleanup(self.cb.stop)
        self.tg = FakeTelegram(token=TOKEN, bot_username=BOT, bot_id=BOT_ID).start()
        self.addCleanup(self.tg.stop)
        channels = {
            "generic": {"enabled": True, "secret": SECRET, "callback_url": self.cb.url},
            "telegram": {"enabled": True, "token": TOKEN, "api_base": self.tg.url,
                         "mode": "polling", "bot_username": BOT, "poll_timeout": 1,
                         "webhook_secret": "s3cret_-X", "public_url": "http://127.0.0.1:1",
                         "rate_limits": {"per_chat_per_sec": 50, "per_group_per_min": 1000,
                                         "global_per_sec": 100}},
        }
        self.gws = {}
        for name in ("a", "b"):
            gw = Gateway({"channels": channels, "instance": name}, database=self.db)
            self.addCleanup(gw.close)
            self.gws[name] = gw
        for gw in self.gws.values():
            gw.start()
        self.lock = threading.Lock()

    # ---- sending as a platform does ------------------------------------------------------

    def post(self, gw, msg):
        """POSTs MSG to GW; the HTTP status, or 0 when the server is not there."""
        body = json.dumps(msg, ensure_ascii=False).encode()
        try:
            status, _, _ = gw.request("POST", "/hooks/generic", body,
                                      {"Content-Type": "application/json",
                                       "X-Concierge-Signature": sign(SECRET, body)})
            return status
        except OSError:
            return 0

    def deliver(self, msg, both):
        """Delivers MSG until a live server acknowledges it: to one server at random,
        with BOTH to the two at once; a refusal or a dead server is retried on the
        other, as a platform retries."""
        alive = [g for g in self.gws.values() if g.proc]
        first = random.choice(alive)
        statuses = []
        if both and len(alive) == 2:
            other = alive[1] if first is alive[0] else alive[0]
            t = threading.Thread(target=lambda: statuses.append(self.post(other, msg)))
            t.start()
            statuses.append(self.post(first, msg))
            t.join()
        else:
            statuses.append(self.post(first, msg))
        deadline = time.time() + 30
        while 200 not in statuses:
            self.assertLess(time.time(), deadline, "message %s never acknowledged: %s"
                            % (msg["id"], statuses))
            alive = [g for g in self.gws.values() if g.proc]
            time.sleep(0.2)
            statuses.append(self.post(random.choice(alive), msg))

    def replies(self, chat):
        """The texts that reached CHAT, each once (a repeat is checked apart)."""
        seen, out = set(), []
        for c in self.cb.calls:
            if c["json"].get("chat") == chat and c["status"] < 300 and c["json"]["id"] not in seen:
                seen.add(c["json"]["id"])
                out.append(c["json"]["text"])
        return out

    def wait_reply(self, chat, count, timeout=20):
        deadline = time.time() + timeout
        while len(self.replies(chat)) < count:
            if time.time() > deadline:
                self.fail("%s: %d replies, expected %d: %s; waiting: %s" % (
                    chat, len(self.replies(chat)), count, self.replies(chat),
                    pgserver.psql(self.db, "SELECT id, chat, status, claimed_by, claim_until,"
                                           " attempts, last_error FROM outbox"
                                           " WHERE status <> 'sent' ORDER BY id")))
            time.sleep(0.05)

    def resident(self, i, results, kill_at=None):
        """Resident I's whole intake; RESULTS[I] = the order number they were given."""
        chat = user = "r%d" % i
        rnd = random.Random(i)
        # Each their own phone number: one shared would offer to link the residents.
        texts = [("1380013%04d" % i if t == "13800138000" else t) for t in INTAKE + [CONFIRM]]
        for step, text in enumerate(texts):
            if kill_at is not None and i == kill_at[0] and step == kill_at[1]:
                kill_at[2]()
            msg = {"id": "%s-%d" % (chat, step), "user": user, "chat": chat, "text": text}
            if text == CONFIRM:
                msg["data"] = "yes"
            self.deliver(msg, both=rnd.random() < 0.3)
            self.wait_reply(chat, step + 1)
        done = [t for t in self.replies(chat) if CREATED in t]
        results[i] = ORDER_RE.search(done[-1]).group(0) if done else None

    def health(self, gw):
        status, h = gw.get_json("/healthz")
        self.assertEqual(status, 200, h)
        return h

    def leases(self, gw):
        return set(self.health(gw)["store"]["leases"])

    def wait_leases(self, timeout=15):
        """Until each lease is held by exactly one live server; the holders."""
        deadline = time.time() + timeout
        while True:
            held = {n: self.leases(g) for n, g in self.gws.items() if g.proc}
            timers = [n for n, ls in held.items() if "timers" in ls]
            polls = [n for n, ls in held.items() if "poll:telegram" in ls]
            if len(timers) == 1 and len(polls) == 1:
                return timers[0], polls[0]
            self.assertLess(time.time(), deadline, "leases never settled: %s" % held)
            time.sleep(0.2)

    # ---- the test -------------------------------------------------------------------------

    def test_load_through_both_then_one_killed(self):
        timers, poller = self.wait_leases()
        for gw in self.gws.values():
            self.assertEqual(self.health(gw)["store"]["backend"], "postgresql")
        # The one that holds the long poll is killed, so the poll must move.
        victim = self.gws[poller]
        survivor_name = "b" if poller == "a" else "a"
        survivor = self.gws[survivor_name]
        killed = {}

        def kill():
            killed["at"] = time.time()
            killed["calls"] = len(self.tg.calls())
            killed["cb_calls"] = len(self.cb.calls)
            victim.kill9()

        # Throughout, no two servers hold one lease (each /healthz read in turn).
        overlaps, stop = [], threading.Event()

        def watch():
            while not stop.is_set():
                held = {}
                for n, g in list(self.gws.items()):
                    try:
                        if g.proc:
                            held[n] = set(g.get_json("/healthz")[1]["store"]["leases"])
                    except (OSError, KeyError, ValueError):
                        pass  # the one being killed
                for lease in ("timers", "poll:telegram"):
                    if sum(lease in ls for ls in held.values()) > 1:
                        overlaps.append((lease, held))
                time.sleep(0.1)

        watcher = threading.Thread(target=watch)
        watcher.start()
        results = {}
        # The residents come in parallel; one of them, midway, sees the server die.
        threads = [threading.Thread(target=self.resident,
                                    args=(i, results, (RESIDENTS // 2, 3, kill)))
                   for i in range(RESIDENTS)]
        for k, t in enumerate(threads):
            t.start()
            if k % 4 == 3:
                time.sleep(0.1)
        for t in threads:
            t.join(120)
        stop.set()
        watcher.join()
        self.assertEqual(overlaps, [], "two servers held a lease at once")
        self.assertIn("at", killed, "the kill never happened")
        self.assertEqual(sorted(results), list(range(RESIDENTS)))

        # Every intake answered with a number has exactly one order, and no other.
        numbers = [n for n in results.values()]
        self.assertNotIn(None, numbers, results)
        self.assertEqual(len(set(numbers)), RESIDENTS, numbers)
        orders = survivor.orders()
        self.assertEqual(sorted(o["number"] for o in orders), sorted(numbers))
        by_resident = {}
        for o in orders:
            by_resident.setdefault(o["resident_id"], []).append(o["number"])
        self.assertEqual(len(by_resident), RESIDENTS, by_resident)

        # No outbox row went out through both servers. The one exception is the
        # killed server's last calls: a reply it sent but had not marked yet when
        # it died goes again from the survivor (delivery stays at least once).
        first = {}
        for k, c in enumerate(self.cb.calls):
            if c["status"] < 300:
                rid = c["json"]["id"]
                if rid in first:
                    # (its first call may reach the receiver just after the count was taken)
                    self.assertLess(first[rid], killed["cb_calls"] + 16,
                                    "row %s sent twice while both servers ran" % rid)
                    self.assertLessEqual(killed["cb_calls"] - first[rid], 64,
                                         "row %s: sent long before the kill, again" % rid)
                first.setdefault(rid, k)
        # Each prompt reached each resident once: no step was taken twice.
        for i in range(RESIDENTS):
            got = self.replies("r%d" % i)
            self.assertEqual(len(got), len(INTAKE) + 1, got)
            self.assertEqual(sum(SUMMARY in t for t in got), 1, got)
            self.assertEqual(sum(CREATED in t for t in got), 1, got)

        # The survivor holds the timers and the long poll now, and answers on Telegram.
        self.assertEqual(self.wait_leases(), (survivor_name, survivor_name))
        before_kill = self.tg.calls()[:killed["calls"]]
        refused = [c for c in before_kill if c["method"] == "getUpdates" and c["status"] == 409]
        self.assertEqual(refused, [], "two servers polled at once")
        mark = len(self.tg.calls())
        self.tg.push_text(9001, "/help")
        self.tg.wait_for_message(9001, timeout=20)
        polled = [c for c in self.tg.calls()[mark:] if c["method"] == "getUpdates"]
        self.assertTrue(polled)
        survivor.finish(self)


if __name__ == "__main__":
    unittest.main()
