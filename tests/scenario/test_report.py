"""`concierge report`: the figures a manager reads, checked against values worked
out by hand from the seeded month (seeded.py has the table the arithmetic below
reads from), and the command line around it: periods, `orders list --from/--to`,
and unknown options refused by every command.
"""
import csv
import io
import os
import unittest

from concierge import Concierge, number
from seeded import DEC01, NOV28, NOW, seed

NOVEMBER = ["--from", "2026-11-27", "--to", "2026-11-30"]


class Figures(unittest.TestCase):
    def setUp(self):
        self.c = Concierge(self)
        seed(self.c)

    def report(self, *args):
        return self.c.run("report", *args, "--json", now=NOW).json()

    def test_totals_worked_out_by_hand(self):
        doc = self.report(*NOVEMBER)
        self.assertEqual(doc["period"], {"from": "2026-11-27", "to": "2026-11-30",
                                         "timezone": "Asia/Shanghai"})
        self.assertIsNone(doc["community"])
        self.assertTrue(doc["generated_at"].startswith("2026-12-01T10:00:00"))
        t = doc["totals"]
        # Eight orders on 27 and 28 November; 261201-001 is in December.
        self.assertEqual(t["orders"], 8)
        self.assertEqual(t["by_status"], {"pending": 1, "assigned": 2, "scheduled": 0,
                                          "in_progress": 0, "awaiting_acceptance": 0,
                                          "closed": 3, "rework": 0, "cancelled": 1,
                                          "declined": 1})
        # repair: water, lift, renovation (declined), door, light; cleaning 1; errand 1.
        self.assertEqual(t["by_category"], {"repair": 5, "cleaning": 1, "errand": 1,
                                            "inquiry": 0, "complaint": 1})
        # Response (created -> taken), service orders only (not the complaint, not the
        # declined one): water 20 min = 1200 s, cleaning 2 h 30 = 9000 s, lift 10 min =
        # 600 s, door 30 min = 1800 s. Sorted 600 1200 1800 9000: the median is
        # (1200 + 1800) / 2 = 1500 s; the 90th percentile is rank ceil(0.9 * 4) = 4: 9000 s.
        self.assertEqual(t["response_time"], {"count": 4, "median_seconds": 1500,
                                              "p90_seconds": 9000})
        # Completion (created -> last done): water 2 h = 7200 s, cleaning 10:00 -> 16:00
        # (done again after the rework) = 21600 s, door 2 h 30 = 9000 s. Sorted 7200 9000
        # 21600: median 9000 s; rank ceil(0.9 * 3) = 3: 21600 s.
        self.assertEqual(t["completion_time"], {"count": 3, "median_seconds": 9000,
                                                "p90_seconds": 21600})
        # Response due: water, cleaning, lift, door (taken) and the light, never taken and
        # 30 min long past = 5; the cancelled parcel nobody took is not due. On time:
        # water 20 <= 30 min, lift 10 <= 15, door 30 <= 60; the cleaning (150 > 120) and
        # the light are late: 3 / 5 = 0.6.
        self.assertEqual(t["on_time"]["response"], {"due": 5, "on_time": 3, "rate": 0.6})
        # No catalogue item promises a completion time: nothing is due.
        self.assertEqual(t["on_time"]["completion"], {"due": 0, "on_time": 0, "rate": None})
        # Ratings 5, 3, 4: mean 12 / 3 = 4.0; 4 or 5: two of three = 0.6667.
        self.assertEqual(t["satisfaction"]["rated"], 3)
        self.assertAlmostEqual(t["satisfaction"]["mean"], 4.0)
        self.assertAlmostEqual(t["satisfaction"]["share_4_5"], 0.6667, places=4)
        # The cleaning went back once ("not fixed"); one complaint; the lift is urgent;
        # the renovation was declined.
        self.assertEqual((t["rework"], t["complaints"], t["emergencies"], t["declined"]),
                         (1, 1, 1, 1))
        # Fees: 50 (water) + 80 (cleaning) = 130 on 2 orders; paid 50; unpaid 80.
        self.assertEqual(t["fees"], {"billed": 130, "billed_orders": 2, "paid": 50,
                                     "paid_orders": 1, "unpaid": 80})
        self.assertIsNone(doc["by"])
        self.assertEqual(doc["groups"], [])

    def test_by_staff(self):
        doc = self.report(*NOVEMBER, "--by", "staff")
        self.assertEqual(doc["by"], "staff")
        g = {x["key"]: x for x in doc["groups"]}
        # Every staff member of the configuration, then the orders nobody took.
        self.assertEqual([x["key"] for x in doc["groups"]], ["wang", "liu", "zhao", None])
        self.assertEqual(g[None]["name"], "未分配")
        wang = g["wang"]
        # wang: water, lift, door. Responses 1200, 600, 1800 s -> sorted 600 1200 1800:
        # median 1200, rank ceil(2.7) = 3: 1800. All on time: 3 / 3.
        self.assertEqual(wang["orders"], 3)
        self.assertEqual(wang["response_time"], {"count": 3, "median_seconds": 1200,
                                                 "p90_seconds": 1800})
        self.assertEqual(wang["on_time"]["response"]["rate"], 1)
        # Completions 7200 and 9000 s: median (7200 + 9000) / 2 = 8100; rank ceil(1.8) = 2.
        self.assertEqual(wang["completion_time"], {"count": 2, "median_seconds": 8100,
                                                   "p90_seconds": 9000})
        # Ratings 5 and 4: mean 4.5, both 4 or 5.
        self.assertEqual((wang["satisfaction"]["mean"], wang["satisfaction"]["share_4_5"]),
                         (4.5, 1))
        self.assertEqual(wang["fees"]["paid"], 50)
        liu = g["liu"]
        # liu: the cleaning, taken late (9000 > 7200 s), reworked once, rated 3, 80 unpaid.
        self.assertEqual(liu["on_time"]["response"], {"due": 1, "on_time": 0, "rate": 0})
        self.assertEqual((liu["rework"], liu["satisfaction"]["share_4_5"]), (1, 0))
        self.assertEqual(liu["fees"], {"billed": 80, "billed_orders": 1, "paid": 0,
                                       "paid_orders": 0, "unpaid": 80})
        # zhao owns the complaint: no service figures.
        self.assertEqual((g["zhao"]["orders"], g["zhao"]["complaints"]), (1, 1))
        self.assertEqual(g["zhao"]["response_time"]["count"], 0)
        # Nobody took: the declined renovation, the light (due, late), the parcel.
        self.assertEqual(g[None]["orders"], 3)
        self.assertEqual(g[None]["on_time"]["response"], {"due": 1, "on_time": 0, "rate": 0})
        # The groups add up to the totals.
        self.assertEqual(sum(x["orders"] for x in doc["groups"]), doc["totals"]["orders"])

    def test_by_category_and_day(self):
        doc = self.report(*NOVEMBER, "--by", "category")
        self.assertEqual([(x["key"], x["name"], x["orders"]) for x in doc["groups"]],
                         [("repair", "维修", 5), ("cleaning", "保洁", 1), ("errand", "代办", 1),
                          ("inquiry", "咨询", 0), ("complaint", "投诉", 1)])
        repair = doc["groups"][0]
        # Repairs: responses water 1200, lift 600, door 1800 -> median 1200; due also the
        # light (late): 3 on time of 4 = 0.75.
        self.assertEqual(repair["response_time"]["median_seconds"], 1200)
        self.assertEqual(repair["on_time"]["response"], {"due": 4, "on_time": 3, "rate": 0.75})
        self.assertEqual((repair["emergencies"], repair["declined"]), (1, 1))
        doc = self.report(*NOVEMBER, "--by", "day")
        # Every day of the period, the empty ones too (a chart needs them).
        self.assertEqual([(x["key"], x["orders"]) for x in doc["groups"]],
                         [("2026-11-27", 5), ("2026-11-28", 3), ("2026-11-29", 0),
                          ("2026-11-30", 0)])

    def test_text_table_and_csv(self):
        text = self.c.run("report", *NOVEMBER, "--by", "staff", now=NOW).stdout
        lines = text.splitlines()

        def row(label):
            hits = [ln for ln in lines if ln.startswith(label)]
            self.assertEqual(len(hits), 1, "%r in:\n%s" % (label, text))
            return hits[0]
        self.assertIn("统计期间：2026-11-27 至 2026-11-30", text)
        self.assertIn("小区：全部", text)
        self.assertRegex(row("工单总数"), r"^工单总数 +8$")
        self.assertIn("25分钟", row("响应时间（中位数）"))       # 1500 s
        self.assertIn("2小时30分", row("响应时间（90%分位）"))    # 9000 s
        self.assertIn("2小时30分", row("完成时间（中位数）"))     # 9000 s
        self.assertIn("6小时", row("完成时间（90%分位）"))        # 21600 s
        self.assertIn("60.0%（3/5）", row("响应准时率"))
        self.assertIn("4.00", row("满意度（平均分）"))
        self.assertIn("66.7%", row("满意度（4-5分占比）"))
        self.assertIn("130 元", row("应收费用"))
        self.assertIn("80 元", row("未收费用"))
        # The value column starts at the same place on every line of the figures.
        first = lines.index(row("工单总数"))
        widths = set()
        for ln in lines[first:first + 8]:
            label = ln.split(" ")[0]
            widths.add(sum(2 if ord(ch) > 0x2e80 else 1 for ch in label) +
                       len(ln[len(label):]) - len(ln[len(label):].lstrip(" ")))
        self.assertEqual(len(widths), 1, "not aligned:\n%s" % "\n".join(lines[first:first + 8]))
        self.assertIn("按人员统计", text)
        self.assertRegex(row("王师傅"), r"^王师傅 +3 +20分钟 +30分钟 +100\.0%")
        self.assertFalse([ln for ln in lines if ln != ln.rstrip()], "trailing spaces")

        doc = self.report(*NOVEMBER, "--by", "staff")
        out = self.c.run("report", *NOVEMBER, "--by", "staff", "--csv", now=NOW).stdout
        rows = list(csv.DictReader(io.StringIO(out)))
        self.assertEqual([r["group"] for r in rows], ["all", "wang", "liu", "zhao", ""])
        total = rows[0]
        self.assertEqual(total["orders"], "8")
        self.assertEqual(total["response_time.median_seconds"], "1500")
        self.assertEqual(total["on_time.response.rate"], "0.6")
        self.assertEqual(total["on_time.completion.rate"], "")
        self.assertEqual(total["fees.unpaid"], "80")
        self.assertEqual(rows[1]["completion_time.median_seconds"], "8100")
        self.assertEqual(float(total["satisfaction.share_4_5"]),
                         doc["totals"]["satisfaction"]["share_4_5"])

    def test_periods_and_communities(self):
        # Without --to: up to now, December included.
        self.assertEqual(self.report()["totals"]["orders"], 9)
        self.assertEqual(self.report("--from", "2026-12-01")["totals"]["orders"], 1)
        # --to is inclusive: the whole of the 28th.
        doc = self.report("--from", "2026-11-28", "--to", "2026-11-28")
        self.assertEqual(doc["totals"]["orders"], 3)
        self.assertEqual(doc["totals"]["by_status"]["cancelled"], 1)
        # One community: the example has one, so the same figures, and its name.
        doc = self.report(*NOVEMBER, "--community", "demo")
        self.assertEqual(doc["community"], {"id": "demo", "name": "阳光花园"})
        self.assertEqual(doc["totals"], self.report(*NOVEMBER)["totals"])
        for args, word in ((["--community", "nowhere"], "nowhere"),
                           (["--from", "2026-11-30", "--to", "2026-11-01"], "before"),
                           (["--from", "2026-02-30"], "2026-02-30"),
                           (["--to", "30/11/2026"], "30/11/2026"),
                           (["--by", "month"], "month"),
                           (["--json", "--csv"], "not both"),
                           (["--from"], "needs a value")):
            with self.subTest(args=args):
                res = self.c.run("report", *args, rc=2, now=NOW)
                self.assertIn(word, res.stderr)
                self.assertIn("usage: concierge report", res.stderr)
                self.assertEqual(res.stdout, "")

    def test_empty_period(self):
        doc = self.report("--from", "2027-01-01", "--to", "2027-01-31")
        t = doc["totals"]
        self.assertEqual(t["orders"], 0)
        self.assertIsNone(t["response_time"]["median_seconds"])
        self.assertIsNone(t["satisfaction"]["mean"])
        self.assertEqual(t["fees"]["billed"], 0)
        text = self.c.run("report", "--from", "2027-01-01", now=NOW).stdout
        self.assertRegex(text, r"响应时间（中位数） +—")


class OrdersListPeriod(unittest.TestCase):
    def setUp(self):
        self.c = Concierge(self)
        seed(self.c)

    def numbers(self, *args):
        return [o["number"] for o in self.c.run("orders", "list", "--json", *args).json()]

    def test_from_to_since(self):
        self.assertEqual(self.numbers("--from", "2026-11-28", "--to", "2026-11-28"),
                         [number(3, NOV28), number(2, NOV28), number(1, NOV28)])
        self.assertEqual(self.numbers("--to", "2026-11-27"),
                         [number(5), number(4), number(3), number(2), number(1)])
        # --since is --from by another name, not ignored.
        self.assertEqual(self.numbers("--since", "2026-11-29"), [number(1, DEC01)])
        self.assertEqual(self.numbers("--since", "2026-11-28", "--status", "pending"),
                         [number(1, DEC01), number(2, NOV28)])
        table = self.c.run("orders", "list", "--from", "2026-12-01").stdout
        self.assertIn(number(1, DEC01), table)
        self.assertNotIn(number(1), table)
        for args, word in ((["--since", "2026-11-28", "--from", "2026-11-28"], "--since"),
                           (["--from", "yesterday"], "yesterday"),
                           (["--to", "2026-11-31"], "2026-11-31"),
                           (["--from", "2026-11-28", "--to", "2026-11-27"], "before")):
            with self.subTest(args=args):
                res = self.c.run("orders", "list", *args, rc=2)
                self.assertIn(word, res.stderr)
                self.assertEqual(res.stdout, "")


class UnknownOptions(unittest.TestCase):
    """A mistyped option is an error with the usage line, whatever the command."""

    def test_every_command(self):
        c = Concierge(self)
        c.chat("li", "/repair", "厨房水管漏水", "3-2-501", "李伟", "13800138000", "今天下午3点",
               "yes")
        backup = c.dir + "/copy.db"
        for args in (["orders", "list"], ["orders", "show", number(1)],
                     ["orders", "form", number(1)], ["outbox", "list"],
                     ["outbox", "retry", "1"], ["report"], ["export", "--format", "csv"],
                     ["backup", backup], ["serve"], ["chat", "--as", "resident:li"]):
            with self.subTest(args=args):
                res = c.run(*args, "--sinse", "2026-11-27", rc=2)
                self.assertIn("--sinse", res.stderr)
                self.assertIn("usage: concierge " + args[0], res.stderr)
                self.assertEqual(res.stdout, "")
        res = c.run("check-config", "--bogus", rc=2)
        self.assertIn("--bogus", res.stderr)
        res = c.run("--bogus", "orders", "list", rc=2)
        self.assertIn("unknown option '--bogus'", res.stderr)
        res = c.run("version", "--bogus", rc=2, config=False, db=False)
        self.assertIn("--bogus", res.stderr)
        # A word too many is refused the same way.
        res = c.run("orders", "show", number(1), "extra", rc=2)
        self.assertIn("extra", res.stderr)
        res = c.run("outbox", "retry", "1", "--all-dead", rc=2)
        self.assertIn("usage", res.stderr)
        # Nothing was made by a refused command: no backup file, the one order.
        self.assertFalse(os.path.exists(backup))
        self.assertEqual([o["number"] for o in c.orders()], [number(1)])


if __name__ == "__main__":
    unittest.main()
