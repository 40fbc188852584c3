"""Running Concierge as an operator does: /metrics scraped by Prometheus, logs
as JSON lines, `make install` into a staging directory, and the program
started from an empty directory with no configuration at all.

The metrics page is read the way Prometheus reads it (text exposition format
0.0.4): every sample belongs to a family announced by # HELP and # TYPE,
label values are unescaped, counters only grow, and a histogram's buckets are
cumulative with "+Inf" equal to _count.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from fake_callback import FakeCallback, sign  # noqa: E402
from gateway import BIN, INTAKE, ROOT, Gateway  # noqa: E402

SECRET = "s3cret"
TOKEN = "metrics-token-0123456789"
PHONE = "13800138000"

# ---- the exposition format ----------------------------------------------------------------

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)')


def _unescape(v):
    out, i = [], 0
    while i < len(v):
        if v[i] == "\\" and i + 1 < len(v):
            out.append({"n": "\n", "\\": "\\", '"': '"'}.get(v[i + 1], "\\" + v[i + 1]))
            i += 2
        else:
            out.append(v[i])
            i += 1
    return "".join(out)


def _labels(text):
    labels, pos = {}, 0
    while pos < len(text):
        m = _LABEL.match(text, pos)
        if not m:
            raise ValueError("bad labels: %r" % text)
        labels[m.group(1)] = _unescape(m.group(2))
        pos = m.end()
    return labels


def parse_metrics(text):
    """{family: {"help", "type", "samples": [(name, labels, value)]}}; raises on
    anything Prometheus would refuse."""
    families, current = {}, None
    if not text.endswith("\n"):
        raise ValueError("the page does not end with a line feed")
    for line in text.split("\n")[:-1]:
        if line.startswith("# HELP "):
            name, help_text = line[7:].split(" ", 1)
            if name in families:
                raise ValueError("family %s announced twice" % name)
            families[name] = {"help": help_text, "type": None, "samples": []}
            current = name
        elif line.startswith("# TYPE "):
            name, kind = line[7:].split(" ")
            if name != current or families[name]["type"]:
                raise ValueError("TYPE without its HELP: %r" % line)
            if kind not in ("counter", "gauge", "histogram", "summary", "untyped"):
                raise ValueError("unknown type: %r" % line)
            families[name]["type"] = kind
        elif line.startswith("#") or not line:
            raise ValueError("unexpected line: %r" % line)
        else:
            m = _SAMPLE.match(line)
            if not m:
                raise ValueError("bad sample: %r" % line)
            name, labels, value = m.group(1), _labels(m.group(3) or ""), float(m.group(4))
            fam = current
            kind = families[fam]["type"] if fam else None
            ok = name == fam or (kind == "histogram" and name in
                                 (fam + "_bucket", fam + "_sum", fam + "_count"))
            if not ok:
                raise ValueError("sample %s outside its family (%s)" % (name, fam))
            if kind == "counter" and not name.endswith("_total"):
                raise ValueError("counter %s does not end in _total" % name)
            families[fam]["samples"].append((name, labels, value))
    for name, fam in families.items():
        if not fam["type"]:
            raise ValueError("family %s has no TYPE" % name)
    return families


def value(families, family, name=None, **labels):
    """The value of the one sample of FAMILY named NAME (default: FAMILY) with LABELS."""
    got = [v for n, l, v in families[family]["samples"]
           if n == (name or family) and l == {k: str(x) for k, x in labels.items()}]
    if len(got) != 1:
        raise AssertionError("%s%r: %d samples" % (name or family, labels, len(got)))
    return got[0]


def check_histograms(testcase, families):
    """Buckets rise with le, are cumulative, and +Inf equals _count, for every series."""
    for fname, fam in families.items():
        if fam["type"] != "histogram":
            continue
        series = {}
        for n, l, v in fam["samples"]:
            key = tuple(sorted((k, x) for k, x in l.items() if k != "le"))
            s = series.setdefault(key, {"buckets": [], "sum": None, "count": None})
            if n.endswith("_bucket"):
                s["buckets"].append((float(l["le"]), v))
            elif n.endswith("_sum"):
                s["sum"] = v
            else:
                s["count"] = v
        testcase.assertTrue(series, fname)
        for key, s in series.items():
            les = [le for le, _ in s["buckets"]]
            testcase.assertEqual(les, sorted(les), (fname, key))
            testcase.assertEqual(les[-1], float("inf"), (fname, key))
            counts = [c for _, c in s["buckets"]]
            testcase.assertEqual(counts, sorted(counts), (fname, key, "not cumulative"))
            testcase.assertEqual(counts[-1], s["count"], (fname, key))
            testcase.assertIsNotNone(s["sum"], (fname, key))


class Metrics(unittest.TestCase):
    def start(self, changes=None, **kw):
        gw = Gateway(changes, **kw)
        self.addCleanup(gw.close)
        return gw.start()

    def scrape(self, gw, headers=None):
        status, h, body = gw.request("GET", "/metrics", headers=headers)
        self.assertEqual(status, 200, body)
        self.assertEqual(h["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        fams = parse_metrics(body.decode("utf-8"))
        check_histograms(self, fams)
        return fams

    def test_figures_move_with_traffic(self):
        cb = FakeCallback(SECRET).start()
        self.addCleanup(cb.stop)
        gw = self.start({"channels": {"generic": {"enabled": True, "secret": SECRET,
                                                  "callback_url": cb.url}}})
        m0 = self.scrape(gw)
        for fam, kind in (("concierge_inbound_messages_total", "counter"),
                          ("concierge_outbox_messages", "gauge"),
                          ("concierge_send_failures_total", "counter"),
                          ("concierge_dialogs_open", "gauge"),
                          ("concierge_orders", "gauge"),
                          ("concierge_http_request_duration_seconds", "histogram"),
                          ("concierge_group_commit_messages", "histogram"),
                          ("process_start_time_seconds", "gauge"),
                          ("concierge_build_info", "gauge")):
            self.assertEqual(m0[fam]["type"], kind, fam)
            self.assertTrue(m0[fam]["help"], fam)
        self.assertEqual(value(m0, "concierge_inbound_messages_total", channel="web"), 0)
        self.assertEqual(value(m0, "concierge_orders", status="pending"), 0)
        self.assertEqual(value(m0, "concierge_dialogs_open"), 0)
        self.assertEqual(value(m0, "concierge_database_up"), 1)
        self.assertAlmostEqual(value(m0, "process_start_time_seconds"), time.time(), delta=60)
        build = m0["concierge_build_info"]["samples"][0]
        self.assertEqual(build[2], 1)
        self.assertRegex(build[1]["version"], r"^\d+\.\d+\.\d+$")

        # A resident files the README's request on the web chat page.
        web = gw.web()
        web.connect()
        for text in INTAKE[:3]:
            web.say(text)
        m1 = self.scrape(gw)
        self.assertEqual(value(m1, "concierge_dialogs_open"), 1, "an intake half done")
        for text in INTAKE[3:] + ["yes"]:
            web.say(text)
        web.close()
        # An app user asks through the signed webhook; the callback fails once (500),
        # then says too fast once (429), then takes it.
        cb.answer(500, (429, {"Retry-After": "1"}))
        body = json.dumps({"id": "m-1", "user": "u1", "chat": "c1", "text": "你好"}).encode()
        status, _, answer = gw.request("POST", "/hooks/generic", body,
                                       {"X-Concierge-Signature": sign(SECRET, body)})
        self.assertEqual(status, 200, answer)
        cb.wait_calls(1)
        gw.request("GET", "/healthz")

        def delivered():
            m = self.scrape(gw)
            return m if value(m, "concierge_outbox_sent_total", channel="generic") >= 1 else None
        m2 = gw.wait(delivered, timeout=30, what="the reply to get through")
        self.assertEqual([c["status"] for c in cb.calls], [500, 429, 200])
        for outcome, n in (("retry", 1), ("rate_limited", 1), ("dead", 0)):
            self.assertEqual(value(m2, "concierge_send_failures_total", channel="generic",
                                   outcome=outcome), n, outcome)
        inbound = len(INTAKE) + 1
        self.assertEqual(value(m2, "concierge_inbound_messages_total", channel="web"), inbound)
        self.assertEqual(value(m2, "concierge_inbound_messages_total", channel="generic"), 1)
        self.assertEqual(value(m2, "concierge_inbound_failures_total", channel="web"), 0)
        self.assertEqual(value(m2, "concierge_orders", status="pending"), 1)
        self.assertEqual(value(m2, "concierge_dialogs_open"), 0, "the intake is over")
        # Every message was in some group commit.
        commits = "concierge_group_commit_messages"
        self.assertGreaterEqual(value(m2, commits, commits + "_sum"), inbound + 1)
        self.assertGreaterEqual(value(m2, commits, commits + "_count"), 2)
        self.assertGreater(value(m2, commits, commits + "_count"),
                           value(m0, commits, commits + "_count"))
        # The page and the hook were timed, and so were the earlier scrapes and /healthz.
        lat = "concierge_http_request_duration_seconds"
        for route, least in (("page", 1), ("hook", 1), ("health", 1), ("metrics", 2)):
            self.assertGreaterEqual(value(m2, lat, lat + "_count", route=route), least, route)
        self.assertGreater(value(m2, lat, lat + "_sum", route="hook"), 0)
        # The outbox gauges agree with /healthz.
        _, h = gw.get_json("/healthz")
        for ch, n in h["outbox"]["by_channel"].items():
            self.assertEqual(value(m2, "concierge_outbox_messages", channel=ch,
                                   state="pending"), n["pending"], ch)
            self.assertEqual(value(m2, "concierge_outbox_messages", channel=ch,
                                   state="dead"), n["dead"], ch)
        self.assertGreater(value(m2, "concierge_outbox_messages", channel="terminal",
                                 state="pending"), 0, "dispatch pings wait at the desk")
        # Counters never go back.
        for fam in ("concierge_inbound_messages_total", "concierge_send_failures_total",
                    "concierge_outbox_sent_total"):
            for n, l, v in m0[fam]["samples"]:
                self.assertGreaterEqual(value(m2, fam, n, **l), v, (fam, l))
        gw.finish(self)

    def test_loopback_by_default(self):
        gw = self.start()
        self.scrape(gw)
        # Through a proxy on this machine, the client is not local.
        for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded", "Via"):
            status, _, body = gw.request("GET", "/metrics", headers={header: "203.0.113.9"})
            self.assertEqual(status, 403, header)
            self.assertIn(b"loopback", body)
        status, _, _ = gw.request("POST", "/metrics", b"")
        self.assertEqual(status, 405)
        gw.finish(self)

    def test_token_when_loopback_is_not_trusted(self):
        gw = self.start({"metrics": {"token": TOKEN, "allow_loopback": False}})
        status, h, _ = gw.request("GET", "/metrics")
        self.assertEqual(status, 401)
        self.assertEqual(h["www-authenticate"], 'Bearer realm="metrics"')
        for auth in ("Bearer wrong", "Bearer " + TOKEN[:-1], "Bearer " + TOKEN + "x",
                     "Basic " + TOKEN, TOKEN):
            status, _, _ = gw.request("GET", "/metrics", headers={"Authorization": auth})
            self.assertEqual(status, 401, auth)
        self.scrape(gw, {"Authorization": "Bearer " + TOKEN})
        self.scrape(gw, {"Authorization": "bearer " + TOKEN})
        # The token also lets in a client behind a proxy.
        self.scrape(gw, {"Authorization": "Bearer " + TOKEN, "X-Forwarded-For": "203.0.113.9"})
        self.assertNotIn(TOKEN, gw.stderr())
        gw.finish(self)

    def test_switched_off(self):
        gw = self.start({"metrics": {"enabled": False}})
        status, _, _ = gw.request("GET", "/metrics")
        self.assertEqual(status, 404)
        gw.finish(self)

    def test_bad_settings_refused_at_start(self):
        gw = Gateway({"metrics": {"allow_loopback": False, "token": "short", "x": 1},
                      "log": {"format": "xml"}})
        self.addCleanup(gw.close)
        rc, _, err = gw.cli("check-config")
        self.assertEqual(rc, 2, err)
        for line in ("metrics.token: too short: at least 16 characters",
                     "metrics.x: unknown key",
                     'log.format: must be "text" or "json"'):
            self.assertIn("%s: %s" % (gw.config_path, line), err)
        rc, _, err = gw.cli("orders", "list")
        self.assertEqual(rc, 2)
        self.assertIn("configuration refused", err)


class ErrGateway(Gateway):
    """A gateway whose stderr is also kept apart from its stdout (the start-up
    lines for a person, which are not log lines)."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.errlog = []

    def _drain(self, stream):
        for line in iter(stream.readline, b""):
            text = line.decode("utf-8", "replace")
            self.log.append(text)
            if self.proc and stream is self.proc.stderr:
                self.errlog.append(text)


class JsonLogs(unittest.TestCase):
    def test_every_line_is_json(self):
        gw = ErrGateway({"log": {"format": "json", "level": "info"}})
        self.addCleanup(gw.close)
        gw.start()
        web = gw.web()
        web.connect()
        for text in INTAKE + ["yes"]:
            web.say(text)
        web.close()
        gw.request("GET", "/no/such/page")
        self.assertEqual(gw.stop(), 0)
        gw.assert_clean(self)
        lines = [l for l in "".join(gw.errlog).splitlines() if l.strip()]
        self.assertGreater(len(lines), 3)
        records = []
        for line in lines:
            try:
                rec = json.loads(line)
            except ValueError:
                self.fail("not a JSON line: %r" % line)
            self.assertRegex(rec["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")
            self.assertIn(rec["level"], ("debug", "info", "warn", "error"))
            self.assertIsInstance(rec["msg"], str)
            records.append(rec)
        listening = [r for r in records if r.get("msg", "").startswith("listening on")]
        self.assertEqual(len(listening), 1, records)
        self.assertEqual(listening[0]["component"], "server")
        self.assertEqual(listening[0]["port"], gw.port)
        created = [r for r in records if r.get("order")]
        self.assertTrue(created, "the new order is logged with its number")
        self.assertRegex(created[0]["order"], r"^\d{6}-\d{3}$")
        stopped = [r for r in records if r.get("msg", "").startswith("stopped after")]
        self.assertEqual(stopped[0]["messages"], len(INTAKE) + 1)
        text = gw.stderr()
        self.assertNotIn(PHONE, text)
        self.assertNotIn("demo-wang-token-4417", text)

    def test_level_from_the_configuration(self):
        gw = ErrGateway({"log": {"format": "json", "level": "warn"}})
        self.addCleanup(gw.close)
        gw.start()
        gw.request("GET", "/healthz")
        self.assertEqual(gw.stop(), 0)
        gw.assert_clean(self)
        for line in "".join(gw.errlog).splitlines():
            self.assertIn(json.loads(line)["level"], ("warn", "error"), line)


class Install(unittest.TestCase):
    def test_make_install_lays_out_the_files(self):
        dest = tempfile.mkdtemp(prefix="concierge-install-")
        self.addCleanup(shutil.rmtree, dest, True)
        env = {k: v for k, v in os.environ.items()
               if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
        p = subprocess.run(["make", "--no-print-directory", "-C", ROOT, "install",
                            "DESTDIR=" + dest, "PREFIX=/usr"],
                           capture_output=True, text=True, env=env, timeout=600)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        binary = os.path.join(dest, "usr/bin/concierge")
        self.assertTrue(os.access(binary, os.X_OK))
        out = subprocess.run([binary, "version"], capture_output=True, text=True, timeout=30)
        self.assertRegex(out.stdout, r"^concierge \d+\.\d+\.\d+")
        with open(os.path.join(dest, "usr/share/concierge/config.example.json"), "rb") as f, \
                open(os.path.join(ROOT, "config.example.json"), "rb") as g:
            self.assertEqual(f.read(), g.read())
        unit_path = os.path.join(dest, "usr/lib/systemd/system/concierge.service")
        with open(unit_path) as f:
            unit = f.read()
        keys = {}
        for line in unit.splitlines():
            if line and not line.startswith(("#", "[")):
                k, v = line.split("=", 1)
                keys.setdefault(k, []).append(v)
        self.assertEqual(keys["ExecStart"], ["/usr/bin/concierge --config "
                                             "/etc/concierge/config.json serve"])
        self.assertEqual(keys["User"], ["concierge"])
        self.assertEqual(keys["WorkingDirectory"], ["/var/lib/concierge"])
        self.assertEqual(keys["ReadWritePaths"], ["/var/lib/concierge"])
        for k, v in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                     ("PrivateTmp", "yes"), ("Restart", "on-failure")):
            self.assertEqual(keys[k], [v], k)
        self.assertNotIn("/usr/local", unit)
        # systemd reads it without a complaint (pointed at the staged program).
        if shutil.which("systemd-analyze"):
            check = os.path.join(dest, "check.service")
            with open(check, "w") as f:
                f.write(unit.replace("/usr/bin/concierge", binary))
            v = subprocess.run(["systemd-analyze", "verify", check], capture_output=True,
                               text=True, timeout=60, cwd=dest)
            self.assertEqual(v.returncode, 0, v.stderr)
            self.assertEqual(v.stderr.strip(), "")


class Bare(Gateway):
    """The program started from an empty directory with no --config."""

    def __init__(self, args=None):
        super().__init__()
        self.cwd = os.path.join(self.dir, "empty")
        os.mkdir(self.cwd)
        self.args = args or []

    def start(self, timeout=20):
        self.proc = subprocess.Popen([BIN] + self.args + ["serve", "--listen", "127.0.0.1:0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=self.env, cwd=self.cwd)
        self._err = threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True)
        self._err.start()
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = re.search(rb"listening on http://127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                threading.Thread(target=self._drain, args=(self.proc.stdout,),
                                 daemon=True).start()
                return self
        raise RuntimeError("server did not start:\n%s" % self.stderr())


class EmbeddedConfig(unittest.TestCase):
    def test_starts_with_no_configuration_file(self):
        gw = Bare()
        self.addCleanup(gw.close)
        gw.start()
        self.assertIn("no configuration file; using the embedded demo configuration",
                      gw.stderr())
        status, h, page = gw.request("GET", "/")
        self.assertEqual(status, 200)
        self.assertIn(b"<html", page.lower())
        web = gw.web()
        web.connect()
        for text in INTAKE:
            web.say(text)
        texts = [m["text"] for m in web.say("yes")]
        self.assertTrue(any("已为您登记" in t for t in texts), texts)
        web.close()
        self.assertEqual(gw.stop(), 0)
        gw.assert_clean(self)
        # The database is where the demo configuration says: here.
        self.assertTrue(os.path.exists(os.path.join(gw.cwd, "concierge.db")))
        rc = subprocess.run([BIN, "orders", "list", "--json"], capture_output=True, text=True,
                            cwd=gw.cwd, timeout=60)
        self.assertEqual(rc.returncode, 0, rc.stderr)
        self.assertEqual([o["status"] for o in json.loads(rc.stdout)], ["pending"])
        self.assertIn("embedded demo configuration", rc.stderr)

    def test_check_config_says_which(self):
        d = tempfile.mkdtemp(prefix="concierge-empty-")
        self.addCleanup(shutil.rmtree, d, True)
        p = subprocess.run([BIN, "check-config"], capture_output=True, text=True, cwd=d,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "config.example.json (embedded): OK\n")
        self.assertEqual(os.listdir(d), [], "check-config writes nothing")

    def test_named_file_must_exist(self):
        d = tempfile.mkdtemp(prefix="concierge-empty-")
        self.addCleanup(shutil.rmtree, d, True)
        p = subprocess.run([BIN, "--config", "missing.json", "serve"], capture_output=True,
                           text=True, cwd=d, timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn("missing.json: cannot open", p.stderr)
        self.assertNotIn("embedded", p.stderr)


if __name__ == "__main__":
    unittest.main()
