"""`concierge migrate`: a deployment copied from SQLite to PostgreSQL and back.

A centre's register (orders with their history, fees, feedback, residents
and their identities, the outbox) is made through the terminal chat on a
SQLite file, copied to a new database on a throwaway PostgreSQL server
(pgserver.py), and read back there through the same commands; the copy goes
on working (the next order gets the next number and a new id), a copy into a
database that is not empty is refused and changes nothing, and the same
command copies back to a new SQLite file.
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import pgserver  # noqa: E402
from concierge import ConciergeCase, number  # noqa: E402


def setUpModule():
    if not pgserver.bindir():
        raise unittest.SkipTest("PostgreSQL is not installed (scripts/deps.sh test)")


def tearDownModule():
    pgserver.stop()


class Migrate(ConciergeCase):
    def register(self):
        """Every order as `orders show` gives it, by number."""
        return {o["number"]: self.c.show(o["number"]) for o in self.c.orders()}

    def test_sqlite_to_postgresql_and_back(self):
        c = self.c
        _, first = c.file_repair("li")
        c.staff("wang", "/accept " + first, "/start " + first, "/done %s 50" % first)
        c.chat("li", "1", "5", "师傅很专业")
        _, second = c.file_repair("zhang", lines=["/repair", "卧室灯不亮", "5-1-302", "张敏",
                                                  "13900139000", "明天上午", "yes"])
        lite = c.db
        before = self.register()
        self.assertEqual(sorted(before), [number(1), number(2)])
        self.assertTrue(before[first]["events"])

        url = pgserver.new_database("mig")
        secret = url.replace("concierge@", "concierge:hunter2secret@", 1)
        res = c.run("migrate", "--from", lite, "--to", secret, config=False, db=False,
                    rc=None)
        # the server trusts loopback: a password in the URL is sent, not needed
        self.assertEqual(res.rc, 0, res.stderr)
        self.assertIn("the counts match", res.stdout)
        self.assertRegex(res.stdout, r"\norders\s+2\n")
        self.assertNotIn("hunter2secret", res.stdout + res.stderr)
        # Not on a terminal: no progress bar, only the summary.
        self.assertNotIn("\r", res.stderr)

        c.db = url
        self.assertEqual(self.register(), before)
        # The copy goes on: the day's next number, and new rows (an order, its
        # events, the replies) get ids after the copied ones, or they would collide.
        _, third = c.file_repair("wu", lines=["/repair", "门锁坏了", "2-2-202", "吴芳",
                                              "13700137000", "尽快", "yes"])
        self.assertEqual(third, number(3))
        self.assertTrue(c.show(third)["events"])

        # Into a database that is not empty: refused, and nothing changes there.
        res = c.run("migrate", "--from", lite, "--to", url, config=False, db=False, rc=1)
        self.assertIn("not empty", res.stderr)
        self.assertEqual(sorted(self.register()), [number(1), number(2), number(3)])

        # And back to a new SQLite file, the same register.
        on_pg = self.register()
        back = os.path.join(c.dir, "back.db")
        c.run("migrate", "--from", url, "--to", "sqlite:" + back, config=False, db=False)
        c.db = back
        self.assertEqual(self.register(), on_pg)

    def test_refusals(self):
        c = self.c
        missing = os.path.join(c.dir, "nothing-here.db")
        res = c.run("migrate", "--from", missing, "--to", os.path.join(c.dir, "x.db"),
                    config=False, db=False, rc=1)
        self.assertIn("no such file", res.stderr)
        self.assertFalse(os.path.exists(missing))
        res = c.run("migrate", "--from", c.db, config=False, db=False, rc=2)
        self.assertIn("usage: concierge migrate", res.stderr)
        res = c.run("migrate", "--from", c.db, "--to", c.db, config=False, db=False, rc=2)
        self.assertIn("both", res.stderr)


if __name__ == "__main__":
    unittest.main()
