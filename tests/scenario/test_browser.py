"""The web chat page in a real (headless) Chromium: tests/browser/webchat.mjs.

Starts the gateway (the sanitizer build), installs the browser test's one
dependency (playwright-core, which drives the system Chromium) when
tests/browser/node_modules is missing, runs the script against the gateway
and checks its screenshots and the order it filed. Skipped, with the reason,
only when node or Chromium is not installed.
"""
import os
import re
import shutil
import subprocess
import unittest

from gateway import ROOT, Gateway

BROWSER_DIR = os.path.join(ROOT, "tests", "browser")
OUT_DIR = os.path.join(ROOT, "build", "test-output")
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
NODE = shutil.which("node")
SHOTS = ("webchat-filed.png", "webchat-reloaded.png")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@unittest.skipUnless(NODE, "node is not installed (apt-get install nodejs npm)")
@unittest.skipUnless(CHROMIUM, "chromium is not installed (apt-get install chromium)")
class Browser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core")):
            npm = shutil.which("npm")
            if not npm:
                raise unittest.SkipTest("npm is not installed, and tests/browser/node_modules is missing")
            p = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=BROWSER_DIR,
                               capture_output=True, timeout=300)
            if p.returncode != 0:
                raise AssertionError("npm ci failed in tests/browser:\n%s%s"
                                     % (p.stdout.decode()[-2000:], p.stderr.decode()[-2000:]))

    def setUp(self):
        self.gw = Gateway()
        self.addCleanup(self.gw.close)
        self.gw.start()
        os.makedirs(OUT_DIR, exist_ok=True)
        for name in SHOTS + ("webchat-failure.png",):
            try:
                os.unlink(os.path.join(OUT_DIR, name))
            except FileNotFoundError:
                pass

    def test_file_order_in_chromium(self):
        env = dict(os.environ, BASE_URL=self.gw.url, OUT_DIR=OUT_DIR, CHROMIUM=CHROMIUM)
        p = subprocess.run([NODE, os.path.join(BROWSER_DIR, "webchat.mjs")], cwd=BROWSER_DIR,
                           env=env, capture_output=True, timeout=180)
        out = p.stdout.decode() + p.stderr.decode()
        self.assertEqual(p.returncode, 0, "webchat.mjs failed (see %s):\n%s\n--- server ---\n%s"
                         % (OUT_DIR, out[-4000:], self.gw.stderr()[-3000:]))
        self.assertIn("1 passed, 0 failed", out)
        for name in SHOTS:
            path = os.path.join(OUT_DIR, name)
            self.assertTrue(os.path.isfile(path), "no screenshot %s" % path)
            with open(path, "rb") as f:
                data = f.read()
            self.assertTrue(data.startswith(PNG_MAGIC), name)
            self.assertGreater(len(data), 10000, "%s looks empty" % name)

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
