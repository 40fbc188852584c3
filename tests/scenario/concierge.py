"""Drives the real `concierge` program from scenario tests.

Each Concierge instance owns a temporary directory with its own database and
configuration, runs the binary (the sanitizer build unless CONCIERGE_BIN says
otherwise) one process at a time, and fails the test on a crash, an
unexpected exit status or any sanitizer report on stderr. The clock is moved
with CONCIERGE_NOW, so no test ever sleeps.

    c = Concierge(self)                       # self: the unittest.TestCase
    out = c.chat("resident:li", "/repair", "厨房水管漏水", ...)
    out.texts                                 # what the person saw, one per message
    c.orders()                                # `orders list --json`
    c.show("261127-001")                      # `orders show N --json`
    c.later(minutes=31)                       # move the clock

Python 3 standard library only.
"""
import calendar
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EXAMPLE_CONFIG = os.path.join(ROOT, "config.example.json")

# 2026-11-27 09:00 in Asia/Shanghai (the example configuration's time zone):
# a morning, so "今天下午3点" is still ahead, and order numbers are 261127-NNN.
T0 = calendar.timegm((2026, 11, 27, 1, 0, 0, 0, 0, 0))
DAY = "261127"

# Any sanitizer's report or failure ("==12==ERROR: AddressSanitizer", "LeakSanitizer has
# encountered a fatal error", UBSan's "file.c:3:5: runtime error: ...").
SANITIZER_MARKS = ("Sanitizer", "runtime error:")

README_INTAKE = ["/repair", "厨房水管漏水", "3-2-501", "李伟", "13800138000", "今天下午3点", "yes"]
# The same request from a resident whose details are saved: one "yes" stands for them.
KNOWN_INTAKE = ["/repair", "厨房水管漏水", "yes", "今天下午3点", "yes"]


def binary():
    path = os.environ.get("CONCIERGE_BIN") or os.path.join(ROOT, "build", "asan", "concierge")
    if not os.path.isabs(path):
        path = os.path.join(ROOT, path)
    return path


def number(seq, day=DAY):
    """The order number of the day's SEQ-th order: number(1) -> '261127-001'."""
    return "%s-%03d" % (day, seq)


def example_config():
    """The example configuration as a dict, to be changed by a test."""
    with open(EXAMPLE_CONFIG, encoding="utf-8") as f:
        return json.load(f)


class Message:
    """One message the bot printed for a person: its text and its buttons."""

    def __init__(self, text, buttons):
        self.text = text
        self.buttons = buttons  # [(label, data)]

    def __repr__(self):
        return "Message(%r, %r)" % (self.text, self.buttons)


_BUTTON = re.compile(r"\[([^\[\]:]+): ([^\[\]]*)\]")


def parse_chat(stdout):
    """Splits `concierge chat` output into messages (text, then a button line, then a blank)."""
    out = []
    for block in stdout.split("\n\n"):
        block = block.strip("\n")
        if not block:
            continue
        lines = block.split("\n")
        buttons = []
        if lines[-1].startswith("  [") and lines[-1].endswith("]"):
            buttons = _BUTTON.findall(lines[-1])
            lines = lines[:-1]
        out.append(Message("\n".join(lines), buttons))
    return out


class Result:
    def __init__(self, args, rc, stdout, stderr):
        self.args = args
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr

    def json(self):
        return json.loads(self.stdout)


class Chat(Result):
    """The result of one `concierge chat` process."""

    def __init__(self, res):
        super().__init__(res.args, res.rc, res.stdout, res.stderr)
        self.messages = parse_chat(res.stdout)
        self.texts = [m.text for m in self.messages]

    def index(self, needle, start=0):
        """Index of the first message at or after START containing NEEDLE, or -1."""
        for i in range(start, len(self.texts)):
            if needle in self.texts[i]:
                return i
        return -1

    def has(self, needle):
        return self.index(needle) >= 0

    def __str__(self):
        return self.stdout


class Concierge:
    """One installation: a temp directory, a database, a configuration and a clock."""

    def __init__(self, test, config=None, now=T0):
        self.test = test
        self.dir = tempfile.mkdtemp(prefix="concierge-scenario-")
        test.addCleanup(shutil.rmtree, self.dir, True)
        self.db = os.path.join(self.dir, "concierge.db")
        self.config_path = os.path.join(self.dir, "config.json")
        self.write_config(config if config is not None else example_config())
        self.now = now
        self.bin = binary()
        if not os.access(self.bin, os.X_OK):
            test.fail("no program at %s: run `make build/asan/concierge` (or set "
                      "CONCIERGE_BIN)" % self.bin)

    # ---- set-up ---------------------------------------------------------------------

    def write_config(self, cfg):
        """Writes CFG (a dict, or text written as it is) as this installation's config."""
        with open(self.config_path, "w", encoding="utf-8") as f:
            if isinstance(cfg, str):
                f.write(cfg)
            else:
                json.dump(cfg, f, ensure_ascii=False, indent=2)

    def later(self, minutes=0, hours=0, days=0, seconds=0):
        """Moves the clock forward."""
        self.now += seconds + 60 * minutes + 3600 * hours + 86400 * days
        return self.now

    # ---- running ----------------------------------------------------------------------

    def env(self, now=None):
        e = dict(os.environ)
        e["CONCIERGE_NOW"] = str(self.now if now is None else now)
        e.setdefault("ASAN_OPTIONS", "abort_on_error=0:detect_leaks=1")
        e.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        e.pop("TELEGRAM_TOKEN", None)
        return e

    def run(self, *args, input=None, rc=0, now=None, config=True, db=True, cwd=None):
        """Runs `concierge [--config C] [--db D] ARGS...`; checks the exit status (unless
        RC is None) and that stderr has no sanitizer report. INPUT is text, or bytes
        written as they are."""
        cmd = [self.bin]
        if config:
            cmd += ["--config", self.config_path]
        if db:
            cmd += ["--db", self.db]
        cmd += list(args)
        if not isinstance(input, bytes):
            input = (input or "").encode("utf-8")
        p = subprocess.run(cmd, input=input, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=self.env(now), cwd=cwd or self.dir, timeout=60)
        res = Result(cmd, p.returncode, p.stdout.decode("utf-8", "replace"),
                     p.stderr.decode("utf-8", "replace"))
        for mark in SANITIZER_MARKS:
            if mark in res.stderr:
                self.test.fail("sanitizer report from %s:\n%s" % (" ".join(args), res.stderr))
        if p.returncode < 0:
            self.test.fail("%s died with signal %d:\n%s" % (" ".join(args), -p.returncode,
                                                          res.stderr))
        if rc is not None and p.returncode != rc:
            self.test.fail("%s exited %d, expected %d\nstdout:\n%s\nstderr:\n%s" % (
                " ".join(args), p.returncode, rc, res.stdout, res.stderr))
        return res

    def chat(self, who, *lines, now=None):
        """One `concierge chat --as WHO` process; each of LINES is one message from WHO.
        WHO is "resident:ID" or "staff:ID"; a bare "li" means "resident:li"."""
        if ":" not in who:
            who = "resident:" + who
        text = "".join(line + "\n" for line in lines)
        return Chat(self.run("chat", "--as", who, input=text, now=now))

    def staff(self, who, *lines, now=None):
        return self.chat("staff:" + who, *lines, now=now)

    def orders(self, status=None):
        args = ["orders", "list", "--json"]
        if status:
            args += ["--status", status]
        return self.run(*args).json()

    def show(self, num):
        return self.run("orders", "show", num, "--json").json()

    def outbox(self, dead=False, every=False):
        """`outbox list --json`: what waits to go out; DEAD: given up on; EVERY: the history."""
        args = ["outbox", "list", "--json"] + (["--dead"] if dead else []) + \
            (["--all"] if every else [])
        return self.run(*args).json()

    # ---- common journeys ------------------------------------------------------------------

    def file_repair(self, who="li", lines=None, known=False):
        """Files the README's repair request as WHO (KNOWN: a resident with saved details);
        returns (chat, order number)."""
        before = {o["number"] for o in self.orders()}
        out = self.chat(who, *(lines or (KNOWN_INTAKE if known else README_INTAKE)))
        new = [o["number"] for o in self.orders() if o["number"] not in before]
        self.test.assertEqual(len(new), 1, "expected one new order:\n%s" % out)
        return out, new[0]

    def events(self, num):
        return [e["action"] for e in self.show(num)["events"]]


class ConciergeCase(unittest.TestCase):
    """A test with a fresh Concierge (self.c) and assertions on what a person saw."""

    def setUp(self):
        self.c = Concierge(self)

    def assertSaw(self, chat, *needles):
        """Every needle appears in CHAT, each in the same message as the one before or
        in a later one."""
        pos = 0
        for needle in needles:
            i = chat.index(needle, pos)
            self.assertGreaterEqual(i, 0, "expected %r in message %d or later in:\n%s" %
                                    (needle, pos, chat))
            pos = i

    def assertNotSaw(self, chat, needle):
        self.assertFalse(chat.has(needle), "did not expect %r in:\n%s" % (needle, chat))

    def assertOrder(self, num, **fields):
        """`orders show NUM --json` has these FIELDS (all compared at once); returns it."""
        o = self.c.show(num)
        self.assertEqual({k: o.get(k) for k in fields}, fields)
        return o
