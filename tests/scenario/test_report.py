"""`concierge report`: the figures a manager reads, checked against values worked
out by hand from the seeded month (seeded.py has the table the arithmetic below
reads from), and the command line around it: periods, `orders list --from/--to`,
and unknown options refused by every command.
"""
import csv
import io
import os
import unittest

from concierge import Concierge, T0, example_config, number
from seeded import DEC01, FU_NOW, NOV28, NOW, seed, seed_followups

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
        # Completion promised by the catalogue (complete_hours; the example's business hours
        # are the whole day, so from creation): water 24 h, done in 2 h; cleaning 48 h, done
        # in 6 h; the lift 12 h (urgent), 27 12:00 -> 28 00:00, never done: late; door 48 h,
        # done in 2 h 30; the light (electric) 24 h, 28 10:00 -> 29 10:00, never done: late;
        # the cancelled parcel was never done: not due. 3 on time of 5 = 0.6.
        self.assertEqual(t["on_time"]["completion"], {"due": 5, "on_time": 3, "rate": 0.6})
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
        # Follow-up visits: closed service orders water, cleaning, door = 3; the daily run
        # of 28 11:30 sampled the water (closed 24 hours before) and asked li, who has not
        # answered (asked 28 11:30, unanswered only after 3 days: 1 Dec 11:30 > now).
        # Coverage 1 / 3 = 0.3333; answered 0 of 1 asked; no answers to share out.
        self.assertEqual(t["followups"], {
            "closed": 3, "sampled": 1, "coverage": 0.3333, "asked": 1, "answered": 0,
            "unanswered": 0, "answered_share": 0,
            "resolved": {"answers": 0, "yes": 0, "share": None},
            "satisfied": {"answers": 0, "yes": 0, "share": None}, "reopened": 0})
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
        # Completion: water and door on time, the lift late: 2 / 3.
        self.assertEqual(wang["on_time"]["completion"], {"due": 3, "on_time": 2,
                                                         "rate": 0.6667})
        # Follow-ups: water and door closed, the water sampled: 1 / 2.
        self.assertEqual((wang["followups"]["closed"], wang["followups"]["sampled"],
                          wang["followups"]["coverage"]), (2, 1, 0.5))
        liu = g["liu"]
        # liu: the cleaning, taken late (9000 > 7200 s), reworked once, rated 3, 80 unpaid.
        self.assertEqual(liu["on_time"]["response"], {"due": 1, "on_time": 0, "rate": 0})
        self.assertEqual((liu["rework"], liu["satisfaction"]["share_4_5"]), (1, 0))
        self.assertEqual(liu["fees"], {"billed": 80, "billed_orders": 1, "paid": 0,
                                       "paid_orders": 0, "unpaid": 80})
        # Done in 6 h of 48: on time. Closed, not sampled yet: coverage 0 / 1.
        self.assertEqual(liu["on_time"]["completion"], {"due": 1, "on_time": 1, "rate": 1})
        self.assertEqual((liu["followups"]["closed"], liu["followups"]["coverage"]), (1, 0))
        # zhao owns the complaint: no service figures.
        self.assertEqual((g["zhao"]["orders"], g["zhao"]["complaints"]), (1, 1))
        self.assertEqual(g["zhao"]["response_time"]["count"], 0)
        # Nobody took: the declined renovation, the light (due, late), the parcel.
        self.assertEqual(g[None]["orders"], 3)
        self.assertEqual(g[None]["on_time"]["response"], {"due": 1, "on_time": 0, "rate": 0})
        # The light's completion is due and late; nothing of theirs closed.
        self.assertEqual(g[None]["on_time"]["completion"], {"due": 1, "on_time": 0, "rate": 0})
        self.assertEqual((g[None]["followups"]["closed"], g[None]["followups"]["coverage"]),
                         (0, None))
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
        # Completion of repairs: water and door on time, the lift and the light late: 2 / 4.
        self.assertEqual(repair["on_time"]["completion"], {"due": 4, "on_time": 2, "rate": 0.5})
        # The parcel errand, cancelled, promised nothing that came due.
        errand = doc["groups"][2]
        self.assertEqual(errand["on_time"]["completion"], {"due": 0, "on_time": 0, "rate": None})
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
        self.assertIn("60.0%（3/5）", row("完成准时率"))
        self.assertIn("33.3%（1/3）", row("回访覆盖率"))
        self.assertIn("0.0%（0/1）", row("回访回复率"))
        self.assertIn("—（0/0）", row("回访：问题已解决"))
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
        self.assertEqual(total["on_time.completion.rate"], "0.6")
        self.assertEqual(total["followups.coverage"], "0.3333")
        self.assertEqual(total["followups.resolved.share"], "")  # null: nothing answered
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


class FollowUpFigures(unittest.TestCase):
    """The follow-up visits (回访) of the seeded month once they were answered
    (seeded.seed_followups): coverage, answers and what they said."""

    def setUp(self):
        self.c = Concierge(self)
        seed(self.c)
        self.listed = seed_followups(self.c)

    def report(self, *args):
        return self.c.run("report", *args, "--json", now=FU_NOW).json()

    def test_totals(self):
        t = self.report(*NOVEMBER)["totals"]
        # Closed service orders of November: water, cleaning (closed) and the door lock
        # (sampled, then reopened by "not solved"): 3, all 3 sampled: coverage 1.
        # Asked 3; answered: door and cleaning = 2 (2 / 3 = 0.6667); the water unanswered.
        # Solved: door no, cleaning yes = 1 of 2 = 0.5; on time and polite: both = 2 / 2;
        # reopened: the door.
        self.assertEqual(t["followups"], {
            "closed": 3, "sampled": 3, "coverage": 1, "asked": 3, "answered": 2,
            "unanswered": 1, "answered_share": 0.6667,
            "resolved": {"answers": 2, "yes": 1, "share": 0.5},
            "satisfied": {"answers": 2, "yes": 2, "share": 1}, "reopened": 1})
        # The reopened door is rework now (the cleaning's "not fixed" was the first).
        self.assertEqual((t["rework"], t["by_status"]["rework"], t["by_status"]["closed"]),
                         (2, 1, 2))
        # The door's completion still counts as it was: done in 2 h 30 of 48.
        self.assertEqual(t["on_time"]["completion"], {"due": 5, "on_time": 3, "rate": 0.6})
        # The whole register: 261201-001, closed at 10:50 on 1 December and too recent to
        # be sampled, is one more closed order: 3 / 4 = 0.75; the answers are the same.
        f = self.report()["totals"]["followups"]
        self.assertEqual((f["closed"], f["sampled"], f["coverage"]), (4, 3, 0.75))
        self.assertEqual((f["answered_share"], f["resolved"]["share"], f["reopened"]),
                         (0.6667, 0.5, 1))
        # The figures agree with what a supervisor reads in chat (/followups).
        self.assertTrue(self.listed.has("抽样 3 单，已回复 2，未回复 1；已解决 1/2，准时礼貌 2/2；"
                                        "重新打开 1 单"), str(self.listed))

    def test_groups(self):
        g = {x["key"]: x["followups"] for x in self.report(*NOVEMBER, "--by", "staff")["groups"]}
        # wang: water (unanswered) and door (not solved, on time, reopened): sampled 2 of 2;
        # answered 1 of 2 asked = 0.5; solved 0 of 1; satisfied 1 of 1.
        self.assertEqual((g["wang"]["coverage"], g["wang"]["answered_share"],
                          g["wang"]["resolved"], g["wang"]["satisfied"]["share"],
                          g["wang"]["reopened"]),
                         (1, 0.5, {"answers": 1, "yes": 0, "share": 0}, 1, 1))
        # liu: the cleaning, solved and satisfied.
        self.assertEqual((g["liu"]["coverage"], g["liu"]["answered_share"],
                          g["liu"]["resolved"]["share"], g["liu"]["satisfied"]["share"]),
                         (1, 1, 1, 1))
        # zhao's complaint is no service order; nobody's orders closed: no coverage at all.
        self.assertEqual((g["zhao"]["closed"], g["zhao"]["coverage"], g[None]["coverage"]),
                         (0, None, None))
        # Over the whole register wang has 261201-001 too: 2 sampled of 3 closed.
        g = {x["key"]: x["followups"] for x in self.report("--by", "staff")["groups"]}
        self.assertEqual((g["wang"]["closed"], g["wang"]["coverage"]), (3, 0.6667))
        cats = {x["key"]: x["followups"]
                for x in self.report(*NOVEMBER, "--by", "category")["groups"]}
        # Repairs: water and door, 2 of 2, solved 0 of 1; cleaning 1 of 1, solved 1 of 1;
        # no errand closed (the parcel was cancelled).
        self.assertEqual((cats["repair"]["coverage"], cats["repair"]["resolved"]["share"]),
                         (1, 0))
        self.assertEqual((cats["cleaning"]["coverage"], cats["cleaning"]["resolved"]["share"]),
                         (1, 1))
        self.assertEqual((cats["errand"]["closed"], cats["errand"]["coverage"]), (0, None))

    def test_text_and_csv(self):
        text = self.c.run("report", *NOVEMBER, "--by", "staff", now=FU_NOW).stdout
        lines = text.splitlines()

        def row(label):
            hits = [ln for ln in lines if ln.startswith(label)]
            self.assertEqual(len(hits), 1, "%r in:\n%s" % (label, text))
            return hits[0]
        self.assertRegex(row("回访覆盖率（抽样/已结）"), r" 100\.0%（3/3）$")
        self.assertRegex(row("回访回复率"), r" 66\.7%（2/3）$")
        self.assertRegex(row("回访：问题已解决"), r" 50\.0%（1/2）$")
        self.assertRegex(row("回访：准时礼貌"), r" 100\.0%（2/2）$")
        self.assertRegex(row("回访后重新打开"), r" 1$")
        # The staff table: coverage and the share solved after the complaints column.
        self.assertIn("回访覆盖  回访解决", row("人员"))
        self.assertRegex(row("王师傅"), r" 0 +100\.0% +0\.0% +50 元")
        self.assertRegex(row("刘阿姨"), r" 0 +100\.0% +100\.0% +80 元")
        out = self.c.run("report", *NOVEMBER, "--by", "staff", "--csv", now=FU_NOW).stdout
        rows = {r["group"]: r for r in csv.DictReader(io.StringIO(out))}
        self.assertEqual((rows["all"]["followups.coverage"], rows["all"]["followups.reopened"],
                          rows["all"]["followups.answered_share"],
                          rows["all"]["followups.satisfied.share"]), ("1", "1", "0.6667", "1"))
        self.assertEqual((rows["wang"]["followups.answered_share"],
                          rows["wang"]["followups.resolved.yes"]), ("0.5", "0"))


class BusinessHours(unittest.TestCase):
    """Promises count the community's business hours in the report as the timers do."""

    def test_on_time_counts_business_hours(self):
        cfg = example_config()
        cfg["communities"][0]["business_hours"] = "08:00-20:00"
        c = Concierge(self, config=cfg)
        after, inside = number(1), number(1, NOV28)
        H, M, D = 3600, 60, 86400
        # 27 21:00 (T0 + 12 h), after hours: a water leak (30 min to take, 24 h to finish).
        # The response clock starts at 28 08:00: due 08:30; completion 28 08:00 + 24 h =
        # 29 08:00. Taken 28 08:20 and done 29 07:30: both on time (from the moment of the
        # request they would be 11 h 20 and 34 h 30: both late).
        c.chat("li", "/repair", "厨房水管漏水", "3-2-501", "李伟", "13800138000", "明天上午",
               "yes", now=T0 + 12 * H)
        c.staff("wang", "/accept " + after, now=T0 + D - 40 * M)
        # 28 09:00, within the hours: due 09:30 and 29 09:00. Taken 09:40, done 29 10:00:
        # both late.
        c.chat("chen", "/repair", "卫生间水管漏水", "5-1-302", "陈静", "13900139000", "今天下午",
               "yes", now=T0 + D)
        c.staff("wang", "/accept " + inside, now=T0 + D + 40 * M)
        c.staff("wang", "/done " + after, now=T0 + 2 * D - 90 * M)
        c.staff("wang", "/done " + inside, now=T0 + 2 * D + H)
        self.assertEqual([c.show(n)["item"] for n in (after, inside)], ["water", "water"])
        t = c.run("report", "--json", now=T0 + 2 * D + 3 * H).json()["totals"]
        # One on time of two, for each promise.
        self.assertEqual(t["on_time"], {
            "response": {"due": 2, "on_time": 1, "rate": 0.5},
            "completion": {"due": 2, "on_time": 1, "rate": 0.5}})
        # The timers agree: the order taken late was escalated, the other was not.
        self.assertEqual([("escalated" in c.events(n)) for n in (after, inside)],
                         [False, True])


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
