"""The staff console in a real (headless) Chromium: tests/browser/console.mjs.

Starts a fake app server for the generic channel's replies
(tests/fake_callback.py) and the gateway (the sanitizer build) with that
channel on, runs the browser script against them - a supervisor logs in, a
resident's request comes in through the signed webhook and shows on the
board live, the supervisor assigns it, opens the report and prints the
派工单, sees the photo a web chat resident sent with another order, and
switches to English - and then checks from the outside what the page did:
the order is 王师傅's, the resident's app was told so, and the screenshots
and the PDF are there. Skipped, with the reason, only when node or Chromium is not
installed.
"""
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from browsercase import OUT_DIR, BrowserCase  # noqa: E402
from fake_callback import FakeCallback  # noqa: E402
from gateway import INTAKE, ORDER_RE, Gateway, tiny_png  # noqa: E402

SECRET = "console-s3cret"


class ConsoleBrowser(BrowserCase):
    SHOTS = ("console-board.png", "console-report.png", "console-report-day.png",
             "console-form.png", "console-photo.png", "console-phone-board.png",
             "console-phone-order.png")
    OTHER = ("console-form.pdf", "console-failure.png")

    def setUp(self):
        self.cb = FakeCallback(SECRET).start()
        self.addCleanup(self.cb.stop)
        self.gw = Gateway({"channels": {"generic": {"enabled": True, "secret": SECRET,
                                                    "callback_url": self.cb.url}}})
        self.addCleanup(self.gw.close)
        self.gw.start()
        self.clear_output()

    def web_order_with_photo(self):
        """A resident of the web chat files a request and sends a photo with it."""
        v = self.gw.web()
        self.addCleanup(v.close)
        v.connect()
        replies = []
        for text in INTAKE:
            replies += v.say(text)
        yes = [b for b in replies[-1]["buttons"] if b["data"] == "yes"][0]
        m = ORDER_RE.search(" ".join(x["text"] for x in v.say(yes["label"], data="yes")))
        self.assertTrue(m)
        v.photo(tiny_png(), mime="image/png")
        self.assertEqual(len(self.gw.order(m.group(0))["photos"]), 1)
        return m.group(0)

    def test_console_in_chromium(self):
        out = self.run_script("console.mjs", 240, GENERIC_SECRET=SECRET,
                              PHOTO_ORDER=self.web_order_with_photo())
        with open(os.path.join(OUT_DIR, "console-form.pdf"), "rb") as f:
            self.assertTrue(f.read(5) == b"%PDF-", "the printed 派工单 is not a PDF")

        # What the page did, seen from the outside: the order is 王师傅's, assigned
        # by the supervisor from the console ...
        m = re.search(r"order number: (\d{6}-\d{3,})", out)
        self.assertTrue(m, out)
        order = self.gw.order(m.group(1))
        self.assertEqual((order["status"], order["assignee"], order["description"]),
                         ("assigned", "wang", "厨房水管漏水"))
        assigned = [e for e in order["events"] if e["action"] == "assigned"]
        self.assertEqual([(e["actor"], e["via"], e["detail"]) for e in assigned],
                         [("staff:zhao", "console", "wang")])
        notes = [e["detail"] for e in order["events"] if e["action"] == "note"]
        self.assertEqual(notes, ["已电话确认在家", "resident called back"])
        # ... and the resident's app was told, signed, through the generic channel.
        self.gw.wait(lambda: [t for t in self.cb.texts("app-user-7") if "王师傅" in t],
                     what="the assignment notice at the resident's app")
        self.assertTrue(all(c["sig_ok"] for c in self.cb.calls))

        self.assertEqual(self.gw.stop(), 0)
        self.gw.assert_clean(self)


if __name__ == "__main__":
    unittest.main()
