"""What the tests in a real (headless) Chromium share: tests/browser/*.mjs.

BrowserCase installs the browser scripts' one dependency (playwright-core,
which drives the system Chromium) when tests/browser/node_modules is
missing, clears a script's earlier output, runs it against the gateway and
checks that it passed and that its screenshots are there. Skipped, with the
reason, only when node or Chromium is not installed.
"""
import os
import shutil
import subprocess
import unittest

from gateway import ROOT

BROWSER_DIR = os.path.join(ROOT, "tests", "browser")
OUT_DIR = os.path.join(ROOT, "build", "test-output")
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
NODE = shutil.which("node")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@unittest.skipUnless(NODE, "node is not installed (apt-get install nodejs npm)")
@unittest.skipUnless(CHROMIUM, "chromium is not installed (apt-get install chromium)")
class BrowserCase(unittest.TestCase):
    SHOTS = ()  # the screenshots the script takes
    OTHER = ()  # the other files it writes (a PDF, the screenshot of a failure)

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

    def clear_output(self):
        os.makedirs(OUT_DIR, exist_ok=True)
        for name in self.SHOTS + self.OTHER:
            try:
                os.unlink(os.path.join(OUT_DIR, name))
            except FileNotFoundError:
                pass

    def run_script(self, script, timeout, **env):
        """Runs SCRIPT against self.gw; its output, once it passed with every screenshot."""
        env = dict(os.environ, BASE_URL=self.gw.url, OUT_DIR=OUT_DIR, CHROMIUM=CHROMIUM, **env)
        p = subprocess.run([NODE, os.path.join(BROWSER_DIR, script)], cwd=BROWSER_DIR,
                           env=env, capture_output=True, timeout=timeout)
        out = p.stdout.decode() + p.stderr.decode()
        self.assertEqual(p.returncode, 0, "%s failed (see %s):\n%s\n--- server ---\n%s"
                         % (script, OUT_DIR, out[-4000:], self.gw.stderr()[-3000:]))
        self.assertIn("1 passed, 0 failed", out)
        for name in self.SHOTS:
            path = os.path.join(OUT_DIR, name)
            self.assertTrue(os.path.isfile(path), "no screenshot %s" % path)
            with open(path, "rb") as f:
                data = f.read()
            self.assertTrue(data.startswith(PNG_MAGIC), name)
            self.assertGreater(len(data), 10000, "%s looks empty" % name)
        return out
