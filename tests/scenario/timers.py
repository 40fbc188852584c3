"""What the timer and follow-up tests share: a gateway on a movable clock that
starts at a chosen local time, people talking to it through the terminal
channel (`concierge chat` against the same database), and restarts.

The gateway is the real `concierge serve`; between restarts it keeps only its
database, so whatever a test sees after a restart was kept there. Events are
read with `orders show` (which does no time-driven work of its own), so an
event that appears was written by the gateway's timers, not by a chat
process.
"""
import calendar
import time
import unittest

from concierge import SANITIZER_MARKS, parse_chat
from gateway import Gateway, example_config


def local(day, hh, mm=0):
    """2026-11-27 + DAY at HH:MM in Asia/Shanghai (UTC+8), as Unix seconds."""
    return calendar.timegm((2026, 11, 27 + day, hh, mm, 0, 0, 0, 0)) - 8 * 3600


def intake(time_words="明天上午"):
    """The README's repair request, with a preferred time still ahead at any hour."""
    return ["/repair", "厨房水管漏水", "3-2-501", "李伟", "13800138000", time_words, "yes"]


class TimersCase(unittest.TestCase):
    def gateway(self, at, changes=None, business_hours=None):
        """A started gateway whose clock reads AT; the community keeps BUSINESS_HOURS."""
        changes = dict(changes or {})
        if business_hours:
            communities = example_config()["communities"]
            communities[0]["business_hours"] = business_hours
            changes["communities"] = communities
        gw = Gateway(changes, clock=True, now=at)
        self.addCleanup(gw.close)
        self.addCleanup(lambda: gw.assert_clean(self))
        return gw.start()

    def restart(self, gw):
        """Stops the gateway (SIGTERM: it must exit 0) and starts it on the same database."""
        self.assertEqual(gw.stop(), 0, gw.stderr()[-3000:])
        gw.start()

    def chat(self, gw, who, *lines):
        """One `concierge chat --as WHO` run; the messages WHO saw, as texts."""
        rc, out, err = gw.cli("chat", "--as", who, stdin="".join(l + "\n" for l in lines))
        for mark in SANITIZER_MARKS:
            self.assertNotIn(mark, err, err)
        self.assertEqual(rc, 0, err)
        return [m.text for m in parse_chat(out)]

    def file(self, gw, who="resident:li", lines=None):
        """Files a request as WHO; returns the new order's number and what WHO saw."""
        before = {o["number"] for o in gw.orders()}
        seen = self.chat(gw, who, *(lines or intake()))
        new = [o["number"] for o in gw.orders() if o["number"] not in before]
        self.assertEqual(len(new), 1, seen)
        return new[0], seen

    def events(self, gw, num):
        return [e["action"] for e in gw.order(num)["events"]]

    def wait_event(self, gw, num, action, count=1):
        """Waits until ORDER NUM's history has ACTION COUNT times (written by the gateway)."""
        return gw.wait(lambda: self.events(gw, num).count(action) >= count, timeout=15,
                       what="%s in the history of %s" % (action, num))

    def quiet(self):
        """Lets the gateway have its turn: the timers run within a second of a clock move."""
        time.sleep(1.5)

    def has(self, texts, needle):
        return any(needle in t for t in texts)

    def assertSeen(self, texts, needle):
        self.assertTrue(self.has(texts, needle), "expected %r in %r" % (needle, texts))

    def assertNotSeen(self, texts, needle):
        self.assertFalse(self.has(texts, needle), "did not expect %r in %r" % (needle, texts))
