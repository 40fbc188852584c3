"""The web chat page in a real (headless) Chromium: tests/browser/webchat.mjs.

Starts the gateway (the sanitizer build), installs the browser test's one
dependency (playwright-core, which drives the system Chromium) when
tests/browser/node_modules is missing, runs the script against the gateway
and checks its screenshots and the order it filed. Skipped, with the reason,
only when node or Chromium is not installed.
"""
import re
import unittest

from browsercase import BrowserCase
from gateway import Gateway


class Browser(BrowserCase):
    SHOTS = ("webchat-filed.png", "webchat-reloaded.png")
    OTHER = ("webchat-failure.png",)

    def setUp(self):
        self.gw = Gateway()
        self.addCleanup(self.gw.close)
        self.gw.start()
        self.clear_output()

    def test_file_order_in_chromium(self):
        out = self.run_script("webchat.mjs", 180)

        # The order the browser filed is in the register, as typed.
        m = re.search(r"order number: (\d{6}-\d{3,})", out)
        self.assertTrue(m, out)
        self.gw.assert_readme_order(self, m.group(1), "web:")
        # and the photo sent with the camera button is kept with it
        photos = self.gw.order(m.group(1))["photos"]
        self.assertEqual([(p["type"], p["size"]) for p in photos], [("png", 69)], photos)

        self.assertEqual(self.gw.stop(), 0)
        self.gw.assert_clean(self)


if __name__ == "__main__":
    unittest.main()
