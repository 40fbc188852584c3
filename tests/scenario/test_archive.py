"""The archive: an order as the standard's forms (`orders form`, text and the
printable page), `concierge export` (CSV and JSON lines, read back here), and
`concierge backup` (an online copy, taken while the gateway is busy writing).
"""
import csv
import io
import json
import os
import pty
import re
import sqlite3
import subprocess
import threading
import unittest

from browsercase import BROWSER_DIR, CHROMIUM, NODE, OUT_DIR, BrowserCase
from concierge import Concierge, number
from gateway import sqlite_file  # noqa: E402
from gateway import INTAKE, Gateway
from seeded import COMMENT, NOV28, seed

WATER = number(1)     # closed, fee 50 paid with R-1, rated 5
CLEANING = number(2)  # reworked once, rated 3, fee 80 unpaid
DOOR = number(1, NOV28)


class Forms(unittest.TestCase):
    def setUp(self):
        self.c = Concierge(self)
        seed(self.c)

    def test_three_forms_as_text(self):
        text = self.c.run("orders", "form", WATER).stdout
        forms = re.split(r"^=+$", text, flags=re.M)[1:]
        self.assertEqual(len(forms), 3, text)
        register, dispatch, feedback = forms

        def field(form, label):
            m = re.search(r"^  %s +(.*)$" % re.escape(label), form, re.M)
            self.assertTrue(m, "no %s in:\n%s" % (label, form))
            return m.group(1)
        self.assertIn("便民服务需求登记表", register)
        self.assertIn("编号：" + WATER, register)
        self.assertEqual(field(register, "登记时间"), "2026-11-27 09:00")
        self.assertEqual(field(register, "业主姓名"), "李伟")
        self.assertEqual(field(register, "房号"), "3-2-501")
        self.assertEqual(field(register, "联系电话"), "13800138000")
        self.assertEqual(field(register, "服务类别"), "维修 · 水管漏水/堵塞")
        self.assertEqual(field(register, "需求详情"), "厨房水管漏水")
        self.assertEqual(field(register, "期望服务时间"), "今天下午3点（2026-11-27 15:00）")
        self.assertEqual(field(register, "初步响应"), "已受理，承诺 30 分钟内响应")
        self.assertIn("受理人签字", register)

        self.assertIn("便民服务派工单", dispatch)
        self.assertEqual(field(dispatch, "派工时间"), "2026-11-27 09:20")
        self.assertEqual(field(dispatch, "服务人员"), "王师傅（wang）")
        self.assertEqual(field(dispatch, "所需技能"), "plumbing")
        self.assertEqual(field(dispatch, "完成时间"), "2026-11-27 11:00")
        self.assertEqual(field(dispatch, "服务费用"), "50 元")
        self.assertEqual(field(dispatch, "收费情况"), "已收费，收据号 R-1（2026-11-27 11:20）")
        self.assertEqual(field(dispatch, "验收"), "业主已验收（2026-11-27 11:10）")
        self.assertIn("服务人员签字", dispatch)
        self.assertIn("业主签字确认", dispatch)

        self.assertIn("便民服务质量反馈单", feedback)
        self.assertEqual(field(feedback, "验收结果"), "满意，已验收")
        self.assertEqual(field(feedback, "满意度评分"), "★★★★★ 5 分（满分 5 分）")
        self.assertEqual(field(feedback, "费用结算"),
                         "50 元；已收费，收据号 R-1（2026-11-27 11:20）")
        self.assertEqual(field(feedback, "结案时间"), "2026-11-27 11:10")

    def test_rework_and_one_form(self):
        text = self.c.run("orders", "form", CLEANING, "--form", "feedback").stdout
        self.assertIn("便民服务质量反馈单", text)
        self.assertNotIn("便民服务派工单", text)
        self.assertNotIn("便民服务需求登记表", text)
        self.assertIn("★★★☆☆ 3 分", text)
        self.assertIn("有点慢", text)
        self.assertRegex(text, r"返工记录 +2026-11-27 15:10 业主不满意，返工")
        self.assertIn("80 元；未收费", text)
        text = self.c.run("orders", "form", CLEANING, "--form", "dispatch").stdout
        self.assertRegex(text, r"返工 +1 次")
        self.assertIn("刘阿姨（liu）", text)
        # A declined request: its register says why it was not taken.
        text = self.c.run("orders", "form", number(5), "--form", "register").stdout
        self.assertIn("不属于服务范围", text)
        res = self.c.run("orders", "form", WATER, "--form", "invoice", rc=2)
        self.assertIn("invoice", res.stderr)
        res = self.c.run("orders", "form", number(99), rc=3)
        self.assertIn("no order " + number(99), res.stderr)
        self.assertEqual(res.stdout, "")

    def test_printable_page(self):
        page = self.c.run("orders", "form", DOOR, "--html").stdout
        self.assertTrue(page.startswith("<!DOCTYPE html>"), page[:80])
        self.assertIn('<meta charset="utf-8">', page)
        self.assertIn("@page{size:A4", page)
        self.assertIn("@media print", page)
        self.assertEqual(page.count('<section class="form">'), 3)
        for title in ("便民服务需求登记表", "便民服务派工单", "便民服务质量反馈单"):
            self.assertIn("<h1>%s</h1>" % title, page)
        # Nothing from elsewhere: no links, scripts, images or fonts to fetch.
        self.assertNotRegex(page, r"(?i)https?://|<script|<link|<img|src=|@import|url\(")
        # The resident's words are shown, never run.
        self.assertNotIn("<script>alert", page)
        self.assertIn("ok &lt;script&gt;alert(1)&lt;/script&gt; &amp; thanks", page)
        one = self.c.run("orders", "form", DOOR, "--html", "--form", "dispatch").stdout
        self.assertEqual(one.count('<section class="form">'), 1)
        self.assertIn("<h1>便民服务派工单</h1>", one)


@unittest.skipUnless(NODE, "node is not installed (apt-get install nodejs npm)")
@unittest.skipUnless(CHROMIUM, "chromium is not installed (apt-get install chromium)")
class PrintedForms(unittest.TestCase):
    """The page as Chromium shows and prints it: tests/browser/forms.mjs."""

    def test_a4_one_form_a_page(self):
        BrowserCase.setUpClass()  # installs playwright-core when it is missing
        c = Concierge(self)
        seed(c)
        os.makedirs(OUT_DIR, exist_ok=True)
        html = os.path.join(c.dir, "forms.html")
        with open(html, "w", encoding="utf-8") as f:
            f.write(c.run("orders", "form", CLEANING, "--html").stdout)
        env = dict(os.environ, FORMS_HTML=html, OUT_DIR=OUT_DIR, CHROMIUM=CHROMIUM)
        p = subprocess.run([NODE, os.path.join(BROWSER_DIR, "forms.mjs")], cwd=BROWSER_DIR,
                           env=env, capture_output=True, timeout=180)
        out = p.stdout.decode() + p.stderr.decode()
        self.assertEqual(p.returncode, 0, out[-3000:])
        self.assertIn("5 passed, 0 failed", out)
        with open(os.path.join(OUT_DIR, "forms.pdf"), "rb") as f:
            self.assertTrue(f.read(5) == b"%PDF-")


class Export(unittest.TestCase):
    def setUp(self):
        self.c = Concierge(self)
        self.seeded = seed(self.c)

    def test_jsonl_reads_back(self):
        res = self.c.run("export", "--from", "2026-11-27", "--to", "2026-11-30",
                         "--format", "jsonl")
        self.assertEqual(res.stderr, "")  # no progress bar when stderr is not a terminal
        records = [json.loads(line) for line in res.stdout.splitlines()]
        # Oldest first, the eight November orders, December left out.
        self.assertEqual([r["number"] for r in records],
                         sorted(n for n in self.seeded if not n.startswith("261201")))
        by = {r["number"]: r for r in records}
        water = by[WATER]
        # Closed at 11:10 on the 27th, it was sampled for a follow-up visit (and asked) by
        # the first daily run a day later (seeded.py).
        self.assertEqual([e["action"] for e in water["events"]],
                         ["created", "accepted", "done", "accepted_by_resident", "rated", "paid",
                          "followup_sampled", "followup_asked"])
        self.assertEqual([(f["amount"], f["by"]) for f in water["fees"]], [(50, "wang")])
        self.assertEqual([(p["amount"], p["receipt"]) for p in water["payments"]],
                         [(50, "R-1")])
        self.assertEqual(water["feedback"], {"accepted": True, "rating": 5, "comment": None})
        cleaning = by[CLEANING]
        # Two reports of done, two fees recorded: the archive keeps both.
        self.assertEqual([f["amount"] for f in cleaning["fees"]], [80, 80])
        self.assertEqual(cleaning["payments"], [])
        self.assertIn("rework", [e["action"] for e in cleaning["events"]])
        self.assertEqual(by[DOOR]["feedback"]["comment"], COMMENT)
        # The same records as `orders show --json`, plus what was recorded against them.
        shown = self.c.show(WATER)
        self.assertEqual({k: v for k, v in water.items()
                          if k not in ("fees", "payments", "feedback")}, shown)

    def test_csv_reads_back(self):
        out = self.c.run("export", "--format", "csv", "--from", "2026-11-28").stdout
        self.assertTrue(out.startswith("\ufeff"))  # the UTF-8 mark spreadsheets look for
        rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
        self.assertEqual([r["number"] for r in rows],
                         [number(1, NOV28), number(2, NOV28), number(3, NOV28), "261201-001"])
        door = rows[0]
        self.assertEqual((door["status"], door["assignee"], door["rating"], door["room"]),
                         ("closed", "wang", "4", "3-2-501"))
        self.assertEqual(door["comment"], COMMENT)
        self.assertEqual(door["events"], "6")  # created accepted done accepted rated commented
        history = door["history"].split("\n")
        self.assertEqual(len(history), 6)
        self.assertTrue(history[0].startswith("2026-11-28T09:00:00+08:00 created"), history)
        self.assertEqual(rows[2]["status"], "cancelled")
        out = self.c.run("export", "--format", "csv", "--to", "2026-11-27").stdout
        water = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))[0]
        self.assertEqual((water["fee"], water["receipt"], water["paid"]), ("50", "R-1", "true"))
        self.assertTrue(water["payments"].startswith("50 R-1 (wang, 2026-11-27T11:20"), water)

    def test_output_file_and_progress_bar(self):
        path = os.path.join(self.c.dir, "archive.jsonl")
        res = self.c.run("export", "--format", "jsonl", "--output", path)
        self.assertIn("9 orders written to " + path, res.stdout)
        with open(path, encoding="utf-8") as f:
            self.assertEqual(len(f.read().splitlines()), 9)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        # An archive is not overwritten by mistake.
        res = self.c.run("export", "--format", "csv", "--output", path, rc=1)
        self.assertIn("already exists", res.stderr)
        with open(path, encoding="utf-8") as f:
            self.assertTrue(f.read().startswith("{"))
        self.c.run("export", "--format", "csv", "--output", path, "--force")
        with open(path, encoding="utf-8-sig") as f:
            self.assertTrue(f.read().startswith("number,"))
        for args in (["--format", "xml"], ["--output", path], ["--format", "csv", "--force"]):
            with self.subTest(args=args):
                res = self.c.run("export", *args, rc=2)
                self.assertIn("usage: concierge export", res.stderr)
        # On a terminal, stderr shows the progress and ends at 100%.
        master, slave = pty.openpty()
        p = subprocess.Popen([self.c.bin, "--config", self.c.config_path, "--db", self.c.db,
                              "export", "--format", "jsonl"], stdout=subprocess.PIPE,
                             stderr=slave, env=self.c.env())
        os.close(slave)
        out, _ = p.communicate(timeout=60)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        os.close(master)
        self.assertEqual(p.returncode, 0, seen)
        self.assertEqual(len(out.decode().splitlines()), 9)
        text = seen.decode("utf-8", "replace")
        self.assertIn("导出 [", text)
        self.assertIn("100%  9/9", text)
        self.assertNotIn("Sanitizer", text)


class Backup(unittest.TestCase):
    def test_refusals(self):
        c = Concierge(self)
        c.chat("li", "/repair", "厨房水管漏水", "3-2-501", "李伟", "13800138000", "今天下午3点",
               "yes")
        copy = os.path.join(c.dir, "copy.db")
        res = c.run("backup", copy)
        self.assertIn("integrity ok", res.stdout)
        self.assertEqual(os.stat(copy).st_mode & 0o777, 0o600)
        res = c.run("backup", copy, rc=1)
        self.assertIn("already exists", res.stderr)
        c.run("backup", copy, "--force")
        res = c.run("backup", c.db, "--force", rc=1)
        self.assertIn("the database itself", res.stderr)
        res = c.run("backup", rc=2)
        self.assertIn("usage: concierge backup FILE", res.stderr)
        # No half-made copies are left beside it.
        self.assertEqual(sorted(f for f in os.listdir(c.dir) if f.startswith("copy")),
                         ["copy.db"])
        db = sqlite3.connect(copy)
        self.assertEqual(db.execute("SELECT count(*) FROM orders").fetchone()[0], 1)
        db.close()

    @sqlite_file
    def test_online_copy_while_the_gateway_writes(self):
        gw = Gateway()
        self.addCleanup(gw.close)
        gw.start()
        stop = threading.Event()
        filed = []
        errors = []

        def residents():
            # Visitors of the web chat file requests one after another, each a few
            # transactions in the gateway, for as long as the backups run.
            i = 0
            try:
                while not stop.is_set():
                    web = gw.web()
                    web.connect()
                    for line in INTAKE + ["yes"]:
                        web.say(line)
                    filed.append(i)
                    i += 1
                    web.ws.close()
            except Exception as e:  # noqa: BLE001 - reported by the test below
                errors.append(e)
        t = threading.Thread(target=residents, daemon=True)
        t.start()
        gw.wait(lambda: len(filed) >= 2, what="the first requests")
        copies = []
        for k in range(3):
            before = len(gw.orders())
            path = os.path.join(gw.dir, "backup-%d.db" % k)
            rc, out, err = gw.cli("backup", path)
            self.assertEqual(rc, 0, err)
            after = len(gw.orders())
            copies.append((path, before, after))
        stop.set()
        t.join(30)
        self.assertFalse(errors, errors)
        self.assertGreater(len(filed), 2)
        for path, before, after in copies:
            db = sqlite3.connect(path)
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            self.assertEqual(db.execute("PRAGMA journal_mode").fetchone()[0], "delete")
            n = db.execute("SELECT count(*) FROM orders").fetchone()[0]
            # One moment between the counts taken before and after it.
            self.assertGreaterEqual(n, before)
            self.assertLessEqual(n, after)
            # Every order with its history: nothing half-copied.
            orphans = db.execute("SELECT count(*) FROM orders o WHERE NOT EXISTS"
                                 " (SELECT 1 FROM order_events e WHERE e.order_id = o.id"
                                 "  AND e.action = 'created')").fetchone()[0]
            self.assertEqual(orphans, 0)
            self.assertEqual(db.execute("PRAGMA foreign_key_check").fetchall(), [])
            db.close()
            self.assertFalse(os.path.exists(path + "-wal"))
        # The gateway never noticed: it still answers and the store is whole.
        status, body = gw.get_json("/healthz")
        self.assertEqual((status, body["database"]), (200, "ok"))
        gw.finish(self)


if __name__ == "__main__":
    unittest.main()
