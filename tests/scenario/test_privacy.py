"""Residents' privacy (PIPL): `concierge forget` anonymises a person and keeps the
figures, privacy.retention_days anonymises orders long closed (at the terminal and
in the running gateway), and the console and the API record who looked at a
person's details (`concierge audit`).

The seeded month (seeded.py) is the register: li (李伟, 13800138000) filed six of
its orders, chen (陈静, 13900139000) one.
"""
import glob
import json
import os
import re
import unittest

from concierge import Concierge, example_config, number
from gateway import ORDER_RE, Gateway
from seeded import D, DEC01, H, M, NOV28, NOW, seed

NOVEMBER = ["--from", "2026-11-27", "--to", "2026-11-30"]
LI = ("李伟", "13800138000")
CHEN = ("陈静", "13900139000")
ANON = "已匿名"


def database_bytes(db):
    """The database file and whatever SQLite keeps beside it (its log)."""
    out = b""
    for path in [db] + glob.glob(db + "-*"):
        with open(path, "rb") as f:
            out += f.read()
    return out


class Forget(unittest.TestCase):
    def setUp(self):
        self.c = Concierge(self)
        seed(self.c)

    def report(self, *args):
        doc = self.c.run("report", *args, "--json", now=NOW).json()
        doc.pop("generated_at")
        return doc

    def figures(self):
        return [self.report(*NOVEMBER), self.report(*NOVEMBER, "--by", "staff"),
                self.report("--from", "2026-11-01", "--to", "2026-12-31", "--by", "category")]

    def li_orders(self):
        return [o for o in self.c.orders() if o["resident"] == "terminal:resident:li"]

    def test_forget_by_phone_leaves_nothing_that_names_them_and_the_same_figures(self):
        before = self.figures()
        li = self.li_orders()
        self.assertEqual(len(li), 6)
        data = database_bytes(self.c.db)
        for text in LI + CHEN:
            self.assertIn(text.encode(), data)

        res = self.c.run("forget", "--phone", "138 0013 8000", "--by", "zhao", now=NOW)
        self.assertIn("phone 138****8000 forgotten by staff:zhao", res.stdout)
        self.assertIn("1 resident record, 6 orders, 1 identity", res.stdout)
        self.assertNotIn("13800138000", res.stdout + res.stderr)

        # Nowhere in the file (nor its log): not the name, not the phone.
        data = database_bytes(self.c.db)
        for text in LI:
            self.assertNotIn(text.encode(), data, text)
        # chen was not forgotten: the search does find what is there.
        for text in CHEN:
            self.assertIn(text.encode(), data, text)
        self.assertEqual(self.figures(), before)

        for o in li:
            now = self.c.show(o["number"])
            # What was there is replaced; what was never given stays empty.
            for k in ("contact_name", "room", "description", "preferred_time"):
                self.assertEqual(now[k], ANON if o[k] else None, (o["number"], k))
            self.assertIsNone(now["phone"])
            for k in ("status", "category", "created_at", "assignee", "fee", "rating", "urgent"):
                self.assertEqual(now[k], o[k], (o["number"], k))
            last = now["events"][-1]
            self.assertEqual((last["action"], last["actor"]), ("anonymised", "staff:zhao"))
        # The comment li wrote is gone; the rating stays.
        door = self.c.show(number(1, NOV28))
        self.assertEqual(door["rating"], 4)
        self.assertNotIn("thanks", json.dumps(door, ensure_ascii=False))
        # The resident's record says who forgot them.
        shown = self.c.run("residents", "show", "1", "--json").json()[0]
        self.assertEqual((shown["name"], shown["phone"], shown["identities"]), (ANON, "", []))
        self.assertEqual(shown["events"][-1]["action"], "forgotten")
        self.assertEqual(shown["events"][-1]["actor"], "staff:zhao")
        # Writing again, li is a stranger: no orders, no saved details.
        out = self.c.chat("li", "/my", now=NOW)
        self.assertNotIn(number(1), out.stdout)
        self.assertNotIn("李伟", out.stdout)

    def test_forget_by_resident_id(self):
        before = self.figures()
        rid = self.c.run("residents", "show", CHEN[1], "--json").json()[0]["id"]
        res = self.c.run("forget", "--resident", str(rid), now=NOW)
        self.assertRegex(res.stdout, r"^resident %d forgotten by operator:\S+: 1 resident record, "
                                     r"1 order," % rid)
        data = database_bytes(self.c.db)
        for text in CHEN:
            self.assertNotIn(text.encode(), data, text)
        self.assertIn(LI[0].encode(), data)
        self.assertEqual(self.figures(), before)
        o = self.c.show(number(2))
        self.assertEqual((o["contact_name"], o["status"], o["fee"], o["rating"]),
                         (ANON, "closed", 80, 3))
        self.assertEqual(o["events"][-1]["actor"][:9], "operator:")

    def test_unknown_person_and_wrong_words_are_refused(self):
        res = self.c.run("forget", "--resident", "999", rc=3)
        self.assertIn("no resident or order with resident 999; nothing changed", res.stderr)
        res = self.c.run("forget", "--phone", "13700000000", rc=3)
        self.assertIn("no resident or order with phone 137****0000", res.stderr)
        self.assertNotIn("13700000000", res.stderr)
        self.c.run("forget", rc=2)
        self.c.run("forget", "--resident", "1", "--phone", "13800138000", rc=2)
        self.c.run("forget", "--resident", "li", rc=2)
        self.c.run("forget", "--phone", "call me", rc=2)
        res = self.c.run("forget", "--resident", "1", "--by", "nobody", rc=2)
        self.assertIn("--by nobody: no such staff member", res.stderr)
        # Nothing happened.
        self.assertEqual(self.c.show(number(1))["contact_name"], LI[0])

    def test_help_and_usage_say_the_same(self):
        help_text = self.c.run("--help", config=False, db=False).stdout
        for cmd, usage in (("forget", "forget --resident ID|--phone P [--by STAFF]"),
                           ("audit", "audit [--staff ID] [--json]")):
            self.assertIn("  " + usage, help_text)
            res = self.c.run(cmd, "--no-such-option", rc=2)
            self.assertIn("usage: concierge " + usage, res.stderr)


class Retention(unittest.TestCase):
    def config(self, days):
        cfg = example_config()
        cfg["privacy"] = {"retention_days": days}
        # No follow-up visits sampled as the clock moves: the report compares the same month.
        cfg["followup"] = None
        return cfg

    def test_bad_values_are_refused_with_the_path_and_the_reason(self):
        c = Concierge(self, config=self.config(5))
        res = c.run("check-config", rc=2)
        self.assertIn("privacy.retention_days: must be 0 (keep) or more than reopen_days (7)",
                      res.stderr)
        c.write_config(self.config("30"))
        self.assertIn("privacy.retention_days: expected an integer", c.run("check-config", rc=2).stderr)
        c.write_config(self.config(0))
        c.run("check-config")

    def test_old_closed_orders_only(self):
        c = Concierge(self, config=self.config(30))
        seed(c)
        before = c.run("report", *NOVEMBER, "--json", now=NOW).json()
        # 261201-001 is closed on 20 December: recent when the clock reaches 28 December.
        dec = number(1, DEC01)
        late = NOW + 19 * D
        c.staff("wang", "/accept " + dec, now=late)
        c.staff("wang", "/done " + dec, now=late + H)
        c.chat("li", "yes", "5", "skip", now=late + 2 * H)
        self.assertEqual(c.show(dec)["status"], "closed")
        kept = {o["number"]: o for o in c.orders()}

        # 28 November 12:00 + 30 days + 1 hour: the timers of any process run.
        t = NOW + 27 * D + 3 * H
        c.staff("zhao", "/orders", now=t)
        old = {number(1), number(2), number(1, NOV28)}  # closed 27 and 28 November
        ended = {number(5), number(3, NOV28)}  # declined, cancelled then
        for o in c.orders():
            n = o["number"]
            if n in old | ended:
                for k in ("contact_name", "room", "description"):
                    self.assertEqual(o[k], ANON if kept[n][k] else None, (n, k))
                self.assertIsNone(o["phone"], n)
                self.assertEqual(c.events(n).count("anonymised"), 1, n)
            else:
                self.assertEqual(o["description"], kept[n]["description"], n)
                self.assertNotIn("anonymised", c.events(n), n)
            for k in ("status", "category", "fee", "rating", "assignee", "created_at"):
                self.assertEqual(o[k], kept[n][k], (n, k))
        self.assertEqual(c.show(dec)["contact_name"], LI[0])
        after = c.run("report", *NOVEMBER, "--json", now=NOW).json()
        self.assertEqual(after["totals"], before["totals"])
        # Again: nothing more to do.
        c.staff("zhao", "/orders", now=t + D)
        self.assertEqual(c.events(number(1)).count("anonymised"), 1)


STAFF = [
    {"id": "wang", "name": "王师傅", "role": "technician", "skills": ["plumbing"],
     "identities": [], "token": "demo-wang-token-4417"},
    {"id": "zhao", "name": "赵主管", "role": "supervisor", "skills": [],
     "token": "demo-zhao-token-4417"},
]
REPAIR = ["/repair", "厨房水管漏水", "3-2-501", "李伟", "13800138000", "今天下午3点", "yes"]


class Gateway_(unittest.TestCase):
    def setUp(self):
        self.gw = Gateway({"staff": STAFF, "privacy": {"retention_days": 30}}, clock=True)
        self.addCleanup(self.gw.close)
        self.gw.start()

    def tearDown(self):
        self.assertEqual(self.gw.stop(), 0)
        self.gw.assert_clean(self)
        log = self.gw.stderr()
        for secret in ("13800138000", "demo-wang-token-4417", "demo-zhao-token-4417"):
            self.assertNotIn(secret, log)

    def chat(self, who, *lines):
        rc, out, err = self.gw.cli("chat", "--as", who, stdin="".join(l + "\n" for l in lines))
        self.assertEqual(rc, 0, err)
        return out

    def get(self, path, token=None, cookie=None):
        h = {}
        if token:
            h["Authorization"] = "Bearer " + token
        if cookie:
            h["Cookie"] = cookie
        status, _, body = self.gw.request("GET", path, headers=h)
        return status, json.loads(body)

    def audit(self):
        rc, out, err = self.gw.cli("audit", "--json")
        self.assertEqual(rc, 0, err)
        return json.loads(out)

    def test_views_are_recorded_and_the_server_ages_out_closed_orders(self):
        num = ORDER_RE.search(self.chat("resident:li", *REPAIR)).group(0)
        self.assertEqual(self.audit(), [])
        # zhao by token (the API), then in the console (its cookie); wang may not see it.
        status, answer = self.get("/api/orders/" + num, token="demo-zhao-token-4417")
        self.assertEqual(status, 200)
        self.assertEqual(answer["order"]["phone"], "13800138000")
        status, hdrs, data = self.gw.request("POST", "/console/login",
                                             json.dumps({"token": "demo-zhao-token-4417"}).encode(),
                                             {"Content-Type": "application/json"})
        self.assertEqual(status, 200, data)
        self.assertEqual(self.get("/api/orders/" + num,
                                  cookie=hdrs["set-cookie"].split(";")[0])[0], 200)
        self.assertEqual(self.get("/api/orders/" + num, token="demo-wang-token-4417")[0], 403)
        # A list shows the number masked, and records nothing.
        status, page = self.get("/api/orders?status=open", token="demo-zhao-token-4417")
        self.assertEqual(status, 200)
        self.assertEqual([(o["number"], o["phone"]) for o in page["orders"]],
                         [(num, "138****8000")])
        views = self.audit()
        self.assertEqual([(v["staff"], v["via"], v["what"], v["subject"]) for v in views],
                         [("zhao", "console", "order", num), ("zhao", "api", "order", num)])
        self.assertLessEqual(abs(views[0]["at"] - self.gw.now()), 5)
        rc, out, _ = self.gw.cli("audit", "--staff", "wang")
        self.assertEqual(out.splitlines()[-1], "0 views of a person's details")

        # Closed, then 31 days later the gateway's own timers anonymise it.
        self.chat("staff:wang", "/accept " + num, "/done " + num)
        self.chat("resident:li", "yes", "5", "skip")
        self.assertEqual(self.gw.order(num)["status"], "closed")
        self.gw.advance(31 * 86400)
        self.gw.wait(lambda: "privacy: 1 order" in self.gw.stderr(), what="the retention log")
        o = self.gw.order(num)
        self.assertEqual((o["contact_name"], o["phone"], o["status"], o["rating"]),
                         (ANON, None, "closed", 5))
        self.assertEqual(o["events"][-1]["action"], "anonymised")
        # The messages delivered then lost their text too; none waiting was touched.
        rc, out, err = self.gw.cli("outbox", "list", "--all", "--json")
        self.assertEqual(rc, 0, err)
        done = [m for m in json.loads(out) if m["status"] != "pending"]
        self.assertTrue(done)
        self.assertEqual({m["payload"]["text"] for m in done}, {ANON})


if __name__ == "__main__":
    unittest.main()
