"""The command line around the chat: check-config, orders, outbox.

What a person at the service centre's desk (or a script) relies on: a bad
configuration is refused with every problem and where it is, errors are
clear and exit non-zero, and every --json output is JSON.
"""
import json
import os
import re
import shutil
import unittest

from concierge import EXAMPLE_CONFIG, README_INTAKE, Concierge, example_config, number


class CheckConfig(unittest.TestCase):
    def setUp(self):
        self.c = Concierge(self)

    def broken(self):
        cfg = example_config()
        del cfg["staff"][0]["id"]
        cfg["staff"][1]["role"] = "boss"
        cfg["session_minutes"] = "thirty"
        cfg["catalogue"][0]["category"] = "gardening"
        self.c.write_config(cfg)
        return [
            "staff[0].id: missing",
            "staff[1].role:",
            "session_minutes:",
            "catalogue[0].category:",
        ]

    def test_example_config_is_ok(self):
        res = self.c.run("--config", EXAMPLE_CONFIG, "check-config", config=False, db=False)
        self.assertEqual(res.stdout.strip(), EXAMPLE_CONFIG + ": OK")
        self.assertEqual(res.stderr, "")
        # The default: config.json in the working directory, else config.example.json.
        res = self.c.run("check-config", config=False, db=False)
        self.assertEqual(res.stdout.strip(), "config.json: OK")
        bare = os.path.join(self.c.dir, "bare")
        os.mkdir(bare)
        shutil.copy(EXAMPLE_CONFIG, bare)
        res = self.c.run("check-config", config=False, db=False, cwd=bare)
        self.assertEqual(res.stdout.strip(), "config.example.json: OK")

    def test_every_problem_with_its_path(self):
        problems = self.broken()
        res = self.c.run("check-config", rc=None)
        self.assertNotEqual(res.rc, 0)
        self.assertNotIn("OK", res.stdout)
        lines = res.stderr.strip().split("\n")
        for p in problems:
            hits = [ln for ln in lines if (self.c.config_path + ": " + p) in ln]
            self.assertEqual(len(hits), 1, "%r once in:\n%s" % (p, res.stderr))

    def test_other_commands_refuse_to_start(self):
        problems = self.broken()
        check = self.c.run("check-config", rc=None).stderr
        for args in (["orders", "list"], ["orders", "list", "--json"], ["outbox", "list"],
                     ["chat", "--as", "resident:li"]):
            with self.subTest(args=args):
                res = self.c.run(*args, rc=None, input="/repair\n")
                self.assertNotEqual(res.rc, 0)
                self.assertEqual(res.stdout, "")
                for p in problems:
                    self.assertIn(self.c.config_path + ": " + p, res.stderr)
                self.assertTrue(res.stderr.startswith(check.rstrip("\n")), res.stderr)
                self.assertFalse(os.path.exists(self.c.db), "a refused start made a database")

    def test_unreadable_and_malformed_files(self):
        self.c.write_config('{"staff": [}')
        res = self.c.run("check-config", rc=None)
        self.assertNotEqual(res.rc, 0)
        self.assertIn(self.c.config_path + ":", res.stderr)
        missing = os.path.join(self.c.dir, "nope.json")
        res = self.c.run("--config", missing, "check-config", rc=None, config=False)
        self.assertNotEqual(res.rc, 0)
        self.assertIn(missing, res.stderr)


class Commands(unittest.TestCase):
    def setUp(self):
        self.c = Concierge(self)

    def test_orders_list_bad_status(self):
        res = self.c.run("orders", "list", "--status", "bogus", rc=None)
        self.assertNotEqual(res.rc, 0)
        self.assertEqual(res.stdout, "")
        self.assertIn("bogus", res.stderr)
        self.assertIn("pending", res.stderr)  # says what would do
        res = self.c.run("orders", "list", "--status", "bogus", "--json", rc=None)
        self.assertNotEqual(res.rc, 0)
        self.assertEqual(res.stdout, "")
        res = self.c.run("orders", "list", "--json", "--status", rc=None)
        self.assertNotEqual(res.rc, 0)
        self.assertIn("--status", res.stderr)
        for status in ("pending", "assigned", "scheduled", "in_progress", "awaiting_acceptance",
                       "closed", "rework", "cancelled", "declined", "open"):
            self.assertEqual(self.c.orders(status), [])

    def test_orders_show_unknown(self):
        res = self.c.run("orders", "show", number(99), rc=None)
        self.assertNotEqual(res.rc, 0)
        self.assertIn("no order %s" % number(99), res.stderr)
        res = self.c.run("orders", "show", number(99), "--json", rc=None)
        self.assertNotEqual(res.rc, 0)
        self.assertEqual(res.stdout, "")
        res = self.c.run("orders", "show", rc=None)
        self.assertNotEqual(res.rc, 0)
        self.assertIn("usage", res.stderr)

    def test_bad_usage(self):
        for args in (["orders"], ["orders", "frobnicate"], ["outbox"], ["frobnicate"],
                     ["chat"], ["chat", "--as", "li"], ["outbox", "retry", "abc"]):
            with self.subTest(args=args):
                res = self.c.run(*args, rc=None)
                self.assertNotEqual(res.rc, 0)
                self.assertTrue(res.stderr.strip(), "no message for %s" % args)
        res = self.c.run("chat", "--as", "staff:nobody", rc=None)
        self.assertNotEqual(res.rc, 0)
        self.assertIn("nobody", res.stderr)

    def test_empty_register(self):
        self.assertEqual(self.c.orders(), [])
        res = self.c.run("orders", "list")
        self.assertIn("(no orders)", res.stdout)
        self.assertEqual(self.c.outbox(), [])
        self.assertIn("(empty)", self.c.run("outbox", "list").stdout)

    def test_outbox_lists_waiting_terminal_messages(self):
        c = self.c
        c.chat("li", *README_INTAKE)
        num = number(1)
        waiting = c.outbox()
        pings = [m for m in waiting if m["channel"] == "terminal"]
        # A plumbing job: the plumber and the supervisor, not the cleaner.
        self.assertEqual(sorted(m["chat"] for m in pings), ["staff:wang", "staff:zhao"])
        for m in pings:
            self.assertIn("【新工单】" + num, m["payload"]["text"])
            self.assertNotIn("13800138000", m["payload"]["text"])
            self.assertEqual(m["payload"]["buttons"][0]["data"], "/accept " + num)
            self.assertEqual(m["status"], "pending")
        # The replies li read at the terminal are not waiting any more.
        self.assertFalse([m for m in waiting if m["chat"] == "resident:li"])
        table = c.run("outbox", "list").stdout
        self.assertIn("staff:wang", table)
        self.assertIn("terminal", table)
        self.assertIn("【新工单】", table)
        # Once wang has read his, it is no longer waiting; the others still are.
        c.staff("wang")
        chats = sorted(m["chat"] for m in c.outbox() if m["channel"] == "terminal")
        self.assertEqual(chats, ["staff:zhao"])
        self.assertEqual(c.outbox(dead=True), [])
        # --all is the history: what li read is there, as sent.
        every = c.outbox(every=True)
        sent = [m for m in every if m["chat"] == "resident:li"]
        self.assertTrue(sent)
        self.assertTrue(all(m["status"] == "sent" for m in sent), sent)
        res = c.run("outbox", "retry", "--all-dead")
        self.assertIn("0 messages queued again", res.stdout)
        res = c.run("outbox", "retry", "12345", rc=None)
        self.assertNotEqual(res.rc, 0)
        self.assertTrue(res.stderr.strip())

    def test_json_outputs(self):
        c = self.c
        c.chat("li", *README_INTAKE)
        num = number(1)
        c.staff("wang", "/accept " + num, "/done %s 35.5" % num)
        for args in (["orders", "list", "--json"], ["orders", "list", "--status", "open", "--json"],
                     ["orders", "list", "--status", "closed", "--json"],
                     ["orders", "show", num, "--json"], ["outbox", "list", "--json"],
                     ["outbox", "list", "--dead", "--json"]):
            with self.subTest(args=args):
                doc = json.loads(c.run(*args).stdout)
                self.assertIsInstance(doc, dict if "show" in args else list)
        orders = c.orders()
        self.assertEqual(len(orders), 1)
        o = orders[0]
        for key in ("number", "status", "category", "description", "room", "contact_name",
                    "phone", "preferred_time", "created_at", "resident", "assignee", "fee",
                    "rating"):
            self.assertIn(key, o)
        self.assertNotIn("events", o)
        shown = c.show(num)
        self.assertEqual(shown["fee"], 35.5)
        self.assertEqual(shown["assignee"], "wang")
        self.assertEqual([e["action"] for e in shown["events"]], ["created", "accepted", "done"])
        for e in shown["events"]:
            self.assertTrue(e["at"].startswith("2026-11-27T09:00:00"), e)
        self.assertEqual(c.orders("open"), orders)
        self.assertEqual(c.orders("awaiting_acceptance"), orders)
        self.assertEqual(c.orders("closed"), [])
        # The tables a person reads carry the same order.
        table = c.run("orders", "list").stdout
        self.assertIn(num, table)
        self.assertIn("awaiting_acceptance", table)
        text = c.run("orders", "show", num).stdout
        self.assertIn("Order %s" % num, text)
        self.assertIn("35.5 yuan", text)
        self.assertIn("History:", text)


class HelpAndDefaults(unittest.TestCase):
    """`concierge --help` lists every command with its options, as each command's own
    usage line and the README's table say them; --config falls back as DESIGN says."""

    def setUp(self):
        self.c = Concierge(self)

    def help_lines(self):
        res = self.c.run("--help", config=False, db=False)
        self.assertEqual(res.stdout, self.c.run("help", config=False, db=False).stdout)
        body = res.stdout.split("commands:\n", 1)[1].split("\n\n", 1)[0]
        # "  orders list [--status S] ...   what it does": the command and its options
        return [re.split(r"\s{2,}", line.strip())[0] for line in body.split("\n")
                if line.startswith("  ") and not line.startswith("   ")]

    def test_help_names_every_command_with_its_options(self):
        lines = self.help_lines()
        for cmd in ("serve", "chat", "orders list", "orders show", "orders form", "outbox list",
                    "outbox retry", "residents show", "residents merge", "report", "export",
                    "backup", "check-config", "version", "help"):
            with self.subTest(command=cmd):
                found = [l for l in lines if l == cmd or l.startswith(cmd + " ")]
                self.assertEqual(len(found), 1, lines)
                if cmd in ("check-config", "version", "help"):
                    continue
                # The command's own usage, shown when it is misused, says the same.
                res = self.c.run(*cmd.split(), "--no-such-option", rc=2)
                usage = re.search(r"usage: concierge (.*)", res.stderr).group(1)
                self.assertEqual(usage, found[0])
        # Each line is a command the program knows.
        for line in lines:
            res = self.c.run(*line.split()[:1], "--no-such-option", rc=None)
            self.assertNotIn("unknown command", res.stderr, line)
        self.assertIn("--version", self.c.run("--help", config=False, db=False).stdout)

    def test_readme_table_matches_help(self):
        with open(os.path.join(os.path.dirname(EXAMPLE_CONFIG), "README.md"),
                  encoding="utf-8") as f:
            readme = f.read()
        table = readme.split("## Command line", 1)[1].split("\n\n|", 1)[1].split("\n\n", 1)[0]
        documented = {re.match(r"\| `([a-z-]+(?: [a-z]+)?)", row).group(1)
                      for row in table.split("\n")[1:] if row.startswith("| `")}
        listed = set()
        for line in self.help_lines():
            words = line.split()
            listed.add(" ".join(words[:2]) if len(words) > 1 and re.match(r"^[a-z]+$", words[1])
                       else words[0])
        self.assertEqual(documented, listed)

    def test_config_json_then_example_then_embedded(self):
        d = os.path.join(self.c.dir, "cwd")
        os.mkdir(d)
        example = example_config()
        with open(os.path.join(d, "config.example.json"), "w", encoding="utf-8") as f:
            json.dump(example, f)
        res = self.c.run("check-config", config=False, db=False, cwd=d)
        self.assertEqual(res.stdout, "config.example.json: OK\n")
        broken = dict(example, session_minutes="thirty")
        with open(os.path.join(d, "config.json"), "w", encoding="utf-8") as f:
            json.dump(broken, f)
        res = self.c.run("check-config", config=False, db=False, cwd=d, rc=2)
        self.assertIn("config.json: session_minutes:", res.stderr)
        os.remove(os.path.join(d, "config.json"))
        os.remove(os.path.join(d, "config.example.json"))
        res = self.c.run("check-config", config=False, db=False, cwd=d)
        self.assertEqual(res.stdout, "config.example.json (embedded): OK\n")


if __name__ == "__main__":
    unittest.main()
