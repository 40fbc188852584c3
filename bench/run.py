#!/usr/bin/env python3
"""bench/run.py - `make bench`: Concierge's throughput, latency and memory, as figures
against the targets of the performance issue, and a check that nothing was lost.

The Makefile builds build/concierge and build/bench/{loadgen,fakebot,floor}; this
script builds nothing. Sections, run in this order (--only picks some):

  intake   Concierge on a fresh database (or --db PATH), Telegram in webhook mode,
           its api_base on the fake Bot API (build/bench/fakebot) with the rate limits
           lifted (channels.telegram.rate_limits). The load generator plays R
           residents through the seven-message intake with C calls in flight (the
           maximum), then at half that rate: residents arriving one after another,
           their steps mixed (p99 at half the maximum), and again with every
           resident on the same step at once (the worst case, shown beside it).
           Figures: updates/s, latency p50/p99/p99.9, the server's CPU time per
           update and peak memory (VmHWM), messages per commit (/metrics), how fast
           the replies reached the fake. Checks: no non-2xx answer, one order per
           resident, and every resident's chat got exactly the messages a
           calibration resident got (waiting for the outbox to drain as long as
           deliveries go on; 30 s without one is a failure).
  floor    build/bench/floor (parse each update with jansson, one SQLite row per
           request, WAL) with synchronous=NORMAL and then FULL, driven by the same
           generator; Concierge's throughput as ratios of both. The floor keeps
           connections alive; a third run closes each one after its answer, to
           show what a connection per call costs; a fourth (NORMAL, --reply)
           also answers every stored update with one sendMessage to a fake Bot
           API of its own, as Concierge must (checked: every chat got its seven
           replies), to show what replying alone costs on these two cores.
  backlog  an outage: N undelivered outbox rows (--backlog, default 100000) put
           in the database before Concierge starts, two each for N/2 other chats,
           and the fake answering 502 to every call while the intake runs. Figures:
           intake throughput meanwhile (and as a ratio of the intake section's),
           then, the platform back and the retries due, the drain rate
           (sendMessage/s from the first delivery after it came back until the
           backlog is through, or --drain-wait seconds pass).
  pg       the intake section's runs with Concierge on a new database of a throwaway
           PostgreSQL server (tests/pg.sh, fsync on, shared_buffers 128MB), stopped
           at the section's end; the table shows each figure beside the intake's
           (SQLite), with PostgreSQL's own CPU (its processes' utime+stime from /proc)
           and counts (transactions, WAL flushes and bytes per update), its
           throughput as a ratio of the intake's ("-" when intake did not run), and
           the statements over 100 ms and errors in its log. Orders are counted
           with psql. Without PostgreSQL the section says why and is skipped.
           BENCH_PG_STATEMENTS=1 loads pg_stat_statements (statements per update,
           and the costliest statements printed and in --json).
  bigdb    the intake on a copy of bench/bigdb.py's million-order register, as a
           ratio of the intake section's throughput.

Exit status 1 on a correctness failure (lost or refused update, missing order or
message); targets missed are marked in the table but do not fail the run.

Environment (or the matching option): BENCH_RESIDENTS (2000), BENCH_INFLIGHT (32),
BENCH_BACKLOG (100000), BENCH_DRAIN_WAIT (90), BENCH_ONLY, BENCH_DB. Options:
--only SECTION[,SECTION], --db PATH (run Concierge on that database: it is written
to), --backlog N, --drain-wait S, --json FILE (every figure), --keep (keep the work
directory with the servers' logs).

Adding a section: write `def section_NAME(b)` that uses the Bench helpers
(b.fakebot(), b.concierge(), b.loadgen(), b.figure(), b.fail()) and decorate it
with @section("NAME", "what it measures"); it runs in the order of definition and
its figures land in the table and the JSON.
"""
import argparse
import glob
import json
import os
import platform
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.path.join(ROOT, "build")
CONCIERGE = os.environ.get("CONCIERGE_BIN", os.path.join(BUILD, "concierge"))
LOADGEN = os.path.join(BUILD, "bench", "loadgen")
FAKEBOT = os.path.join(BUILD, "bench", "fakebot")
FLOOR = os.path.join(BUILD, "bench", "floor")

TOKEN = "123456:BENCH-token"
SECRET = "bench_webhook_secret"
LIFTED = {"per_chat_per_sec": 1000000, "per_group_per_min": 1000000,
          "global_per_sec": 1000000}
# Resident and backlog chats live in ID ranges of their own, so the fake's counts
# for a range are the counts of one run.
BACKLOG_BASE = 9_000_000_000_000
CLK_TCK = os.sysconf("SC_CLK_TCK")
STALL_S = 30       # no delivery for this long while some are due: something is lost
HALF_SECONDS = 6   # the half-load run lasts about this long
UPDATES_PER_RESIDENT = 7  # the generator's intake (NMSG in bench/loadgen.c)

SECTIONS = []


def section(name, what):
    def register(fn):
        SECTIONS.append((name, what, fn))
        return fn
    return register


class BenchError(Exception):
    """Something that makes the figures meaningless: a server would not start."""


def http_get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode("utf-8")


def http_post_json(url, obj, timeout=10):
    req = urllib.request.Request(url, data=json.dumps(obj).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read().decode("utf-8"))


class Server:
    """A program started on a free loopback port; its 'listening on http://..:PORT'
    line on stdout gives the port. Output goes to LOG."""

    def __init__(self, name, argv, log, env=None, cwd=None, timeout=30):
        self.name = name
        self.log = log
        self.out = open(log, "ab")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.out,
                                     env=env, cwd=cwd)
        deadline = time.monotonic() + timeout
        self.port = None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.out.write(line)
            m = re.search(rb"listening on https?://[0-9.]+:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                break
        self.start_s = time.perf_counter() - t0
        if not self.port:
            self.stop()
            raise BenchError("%s did not start; see %s:\n%s" % (name, log, self.tail()))
        # the rest of stdout goes to the log too, without blocking the server
        self._pump = subprocess.Popen(["cat"], stdin=self.proc.stdout, stdout=self.out)
        self.url = "http://127.0.0.1:%d" % self.port

    def tail(self, n=2000):
        try:
            with open(self.log, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_pump", None):
            self._pump.wait()
        self.out.close()
        return self.proc.returncode

    # ---- /proc ----
    def status_kib(self, key):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def cpu_s(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


class FakeBot(Server):
    def __init__(self, log):
        super().__init__("fakebot", [FAKEBOT, "--port", "0", "--token", TOKEN], log)

    def stats(self, lo=None, hi=None):
        q = "?from=%d&to=%d" % (lo, hi) if lo is not None else ""
        return json.loads(http_get(self.url + "/stats" + q))

    def control(self, what, body=None):
        return http_post_json(self.url + "/_control/" + what, body or {})


class Concierge(Server):
    def __init__(self, workdir, fake_url, db=None, changes=None, log_level="warn"):
        cfg = json.load(open(os.path.join(ROOT, "config.example.json"), encoding="utf-8"))
        cfg["database"] = db or os.path.join(workdir, "concierge.db")
        cfg["channels"]["telegram"] = {
            "enabled": True, "token": TOKEN, "api_base": fake_url, "mode": "webhook",
            "webhook_secret": SECRET, "bot_username": "ConciergeBot", "rate_limits": LIFTED}
        cfg["metrics"] = {"enabled": True}
        # load generators talk from one loopback address: the per-address pace is off
        cfg["channels"]["web"]["address_pace"] = 0
        cfg.update(changes or {})
        self.db = cfg["database"]
        self.config_path = os.path.join(workdir, "config.json")
        with open(self.config_path, "w", encoding="utf-8") as f:
            json.dump(cfg, f, ensure_ascii=False, indent=1)
        env = dict(os.environ, CONCIERGE_LOG=log_level)
        super().__init__("concierge",
                         [CONCIERGE, "--config", self.config_path, "serve", "--listen",
                          "127.0.0.1:0"],
                         os.path.join(workdir, "concierge.log"), env=env, cwd=workdir)
        self.hook = self.url + "/hooks/telegram"

    def metrics(self):
        out = {}
        for line in http_get(self.url + "/metrics").splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.rpartition(" ")
                try:
                    out[key] = float(value)
                except ValueError:
                    pass
        return out

    def pending(self, channel="telegram"):
        return self.metrics().get(
            'concierge_outbox_messages{channel="%s",state="pending"}' % channel, 0)


def count_orders(db):
    if not os.path.exists(db):
        return 0
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        return con.execute("SELECT count(*) FROM orders").fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # no schema yet
    finally:
        con.close()


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="concierge-bench-")
        self.results = {}
        self.rows = []  # (section, label, value, target, ok, key)
        self.failures = []
        self.servers = []
        # Resident IDs never seen by a database: each run takes a fresh block.
        self.next_id = 10 ** 12 + (int(time.time()) % 10 ** 6) * 10 ** 5
        self.section = None

    # ---- servers ----
    def _track(self, s):
        self.servers.append(s)
        return s

    def fakebot(self):
        return self._track(FakeBot(os.path.join(self.work, "fakebot-%d.log" % len(self.servers))))

    def concierge(self, fake, db=None, name=None):
        d = os.path.join(self.work, name or self.section)
        os.makedirs(d, exist_ok=True)
        return self._track(Concierge(d, fake.url, db=db or self.args.db))

    def floor(self, sync, close=False, reply=None):
        """The floor server; REPLY (a FakeBot) has it answer each update there."""
        name = "floor-%s%s%s" % (sync, "-close" if close else "", "-reply" if reply else "")
        argv = [FLOOR, "--db", os.path.join(self.work, name + ".db"), "--sync", sync,
                "--port", "0", "--secret", SECRET] + (["--close"] if close else []) + \
            (["--reply", "%s/bot%s/sendMessage" % (reply.url, TOKEN)] if reply else [])
        return self._track(Server("floor", argv, os.path.join(self.work, name + ".log")))

    def stop(self, server):
        rc = server.stop()
        if server in self.servers:
            self.servers.remove(server)
        if rc not in (0, -signal.SIGTERM):
            self.fail("%s exited with status %s; see %s" % (server.name, rc, server.log))
        return rc

    def stop_all(self):
        for s in list(self.servers):
            s.stop()
        self.servers = []

    # ---- load ----
    def ids(self, n):
        first = self.next_id
        self.next_id += n + 1
        return first

    def loadgen(self, url, residents, inflight=None, rate=None, first_id=None, mode="telegram",
                order=None):
        """Runs the generator; returns its JSON line as a dict (with first_id)."""
        first_id = first_id or self.ids(residents)
        argv = [LOADGEN, "--url", url, "--residents", str(residents), "--inflight",
                str(inflight or self.args.inflight), "--first-id", str(first_id),
                "--secret", SECRET, "--mode", mode]
        if rate:
            argv += ["--rate", "%.1f" % rate]
        if order:
            argv += ["--order", order]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if not p.stdout.strip():
            raise BenchError("loadgen failed (%d): %s" % (p.returncode, p.stderr[-2000:]))
        r = json.loads(p.stdout.strip().splitlines()[-1])
        r["loadgen_cpu_s"] = round((after.ru_utime + after.ru_stime) -
                                   (before.ru_utime + before.ru_stime), 3)
        if r["errors"]["total"]:
            self.fail("%s: %d updates not answered 2xx (by status: %s)%s" % (
                url, r["errors"]["total"], r["errors"]["by_status"],
                "; " + p.stderr.strip()[-500:] if p.stderr.strip() else ""))
        return r

    # ---- results ----
    def figure(self, key, value, label=None, unit="", target=None, ok=None, fmt="%.1f"):
        """Records a figure of the current section; LABEL puts it in the table."""
        self.results.setdefault(self.section, {})[key] = value
        if label:
            text = (fmt % value if isinstance(value, (int, float)) else str(value)) + \
                (" " + unit if unit else "")
            self.rows.append((self.section, label, text, target or "", ok, key))

    def fail(self, message):
        self.failures.append("%s: %s" % (self.section, message))
        print("bench: FAILED: %s: %s" % (self.section, message), file=sys.stderr, flush=True)

    def say(self, message):
        print("bench[%s]: %s" % (self.section, message), flush=True)


def wait_for(cond, timeout, step=0.25):
    """Polls COND() until it returns a true value or TIMEOUT seconds pass; returns
    the last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


def wait_delivered(b, fake, lo, hi, expected, cap=None):
    """Waits until the fake got EXPECTED sendMessage calls to chats in [lo, hi], as
    long as deliveries go on: a STALL_S pause without one is a failure, and CAP
    (seconds, None: no cap) ends a slow but steady drain. Returns the range's stats
    with 'waited_s' and 'complete'."""
    t0 = time.monotonic()
    last = {"sent": -1}
    progress = [t0]

    def done():
        st = fake.stats(lo, hi)["range"]
        if st["sent"] != last["sent"]:
            progress[0] = time.monotonic()
        last.update(st)
        return (st["sent"] >= expected or time.monotonic() - progress[0] > STALL_S or
                (cap is not None and time.monotonic() - t0 > cap))
    wait_for(done, 24 * 3600)
    last["waited_s"] = time.monotonic() - t0
    last["complete"] = last["sent"] >= expected
    if not last["complete"] and time.monotonic() - progress[0] > STALL_S:
        b.fail("deliveries stopped: %d of %d messages reached the fake; none for %d s" % (
            last["sent"], expected, STALL_S))
    return dict(last)


def check_replies(b, stats, residents, per_resident):
    """Every resident's chat got exactly PER_RESIDENT messages."""
    want = {str(per_resident): residents}
    if stats["per_chat"] != want:
        b.fail("messages per resident chat: %s, expected %s (%d sent, %d expected)" % (
            stats["per_chat"], want, stats["sent"], residents * per_resident))
        return False
    return True


# ---- sections -----------------------------------------------------------------------

@section("intake", "Concierge: throughput, latency, CPU, memory, messages per commit")
def section_intake(b):
    fake = b.fakebot()
    srv = b.concierge(fake)
    run_intake(b, srv, fake, lambda: count_orders(srv.db))


def run_intake(b, srv, fake, orders_now, key="intake", db=None):
    """The intake on SRV (its replies to FAKE): calibration, the maximum, half load
    (residents arriving, then every resident on the same step), replies and orders
    checked. ORDERS_NOW() counts the orders in the server's database; the generator's
    output lands in b.results[KEY + "_full"] and so on. DB, when the database is a
    server of its own (PgServer), gives its CPU time so far (cpu_s(): its share per
    update is a figure, and counts in what the run costs the machine) and its own
    counters (counters(): {key: (label, value, fmt)}), per update over the full load."""
    R, C = b.args.residents, b.args.inflight
    b.figure("start_ms", srv.start_s * 1000, "start-up to listening", "ms", fmt="%.0f")
    orders0 = orders_now()
    first = b.ids(0)  # the block every resident of this section takes from

    # Calibration: what one intake sends to the resident, on this configuration.
    cal = b.loadgen(srv.hook, 3, inflight=3)
    wait_delivered(b, fake, cal["first_id"], cal["first_id"] + 2, 1)
    time.sleep(0.5)
    wait_for(lambda: srv.pending() == 0, STALL_S)
    st = fake.stats(cal["first_id"], cal["first_id"] + 2)["range"]
    per = sorted(st["per_chat"].items())
    if len(per) != 1 or int(per[0][1]) != 3:
        b.fail("calibration residents got different replies: %s" % st["per_chat"])
        return
    per_resident = int(per[0][0])
    b.figure("replies_per_intake", per_resident, "replies per intake (sendMessage)", fmt="%d")

    # Full load.
    dcpu0, dc0 = (db.cpu_s(), db.counters()) if db else (0.0, {})
    m0, cpu0, fcpu0 = srv.metrics(), srv.cpu_s(), fake.cpu_s()
    full = b.loadgen(srv.hook, R, C)
    cpu1, m1, fcpu1 = srv.cpu_s(), srv.metrics(), fake.cpu_s()
    dcpu, dc1 = (db.cpu_s() - dcpu0, db.counters()) if db else (0.0, {})
    b.say("full load: %s" % json.dumps(full))
    ups = full["updates_per_s"]
    b.results[key + "_full"] = full
    b.figure("updates_per_s", ups, "throughput (R=%d, C=%d)" % (R, C), "updates/s",
             fmt="%.0f")
    b.figure("p50_ms", full["p50_ms"], "latency p50 at full load", "ms", fmt="%.2f")
    b.figure("p99_ms", full["p99_ms"], "latency p99 at full load", "ms", fmt="%.2f")
    b.figure("p999_ms", full["p999_ms"], "latency p99.9 at full load", "ms", fmt="%.2f")
    b.figure("connects", full["connects"], "new connections (of %d calls)" % full["updates"],
             fmt="%d")
    cpu = cpu1 - cpu0
    per_update = 1e6 / max(1, full["ok"])  # seconds of the run -> us per update
    b.figure("cpu_s", cpu, "server CPU time (utime+stime)", "s", fmt="%.2f")
    b.figure("cpu_us_per_update", cpu * per_update, "server CPU per update", "us", fmt="%.0f")
    if db:
        b.figure("db_cpu_s", dcpu, "PostgreSQL's CPU time (its processes' utime+stime)", "s",
                 fmt="%.2f")
        b.figure("db_cpu_us_per_update", dcpu * per_update, "PostgreSQL's CPU per update",
                 "us", fmt="%.0f")
        b.figure("server_db_cpu_us_per_update", (cpu + dcpu) * per_update,
                 "server + PostgreSQL CPU per update", "us", fmt="%.0f")
        for k, (label, v1, fmt) in dc1.items():
            if k in dc0:
                b.figure(k + "_per_update", (v1 - dc0[k][1]) / max(1, full["ok"]), label,
                         fmt=fmt)
    b.figure("loadgen_cpu_s", full["loadgen_cpu_s"], "load generator CPU time", "s",
             fmt="%.2f")
    # What the machine can give at these costs: every process of the run shares its cores.
    per = (cpu + dcpu + (fcpu1 - fcpu0) + full["loadgen_cpu_s"]) * per_update
    b.figure("fake_cpu_us_per_update", (fcpu1 - fcpu0) * per_update,
             "fake Bot API CPU per update (the replies it takes)", "us", fmt="%.0f")
    b.figure("run_cpu_us_per_update", per,
             "server + %sfake + generator CPU per update" % ("PostgreSQL + " if db else ""),
             "us", fmt="%.0f")
    b.figure("cpu_ceiling", (os.cpu_count() or 1) * 1e6 / per if per else 0,
             "  updates/s all cores would allow at that cost", "updates/s", fmt="%.0f")
    s_key, c_key = "concierge_group_commit_messages_sum", "concierge_group_commit_messages_count"
    commits = m1.get(c_key, 0) - m0.get(c_key, 0)
    stored = m1.get(s_key, 0) - m0.get(s_key, 0)
    b.figure("messages_per_commit", stored / commits if commits else 0,
             "messages per commit (group commit)", fmt="%.1f")
    b.figure("confirm_p99_ms", full["by_step"][-1]["p99_ms"],
             "  p99 of the last step (yes: the order is made)", "ms", fmt="%.2f")

    # Half the maximum, open loop: the latency a server with headroom gives. Residents
    # arrive one after another at the offered rate, so every step of the intake is
    # running at every moment, as in a service centre's morning.
    half_r = max(1, min(R // 2, int(ups / 2 * HALF_SECONDS / UPDATES_PER_RESIDENT)))
    half = b.loadgen(srv.hook, half_r, C, rate=ups / 2, order="arrivals")
    b.say("half load: %s" % json.dumps(half))
    b.results[key + "_half"] = half
    b.figure("half_rate", half["rate"], "half load, offered (%d updates)" % half["updates"],
             "updates/s", fmt="%.0f")
    b.figure("half_p50_ms", half["p50_ms"], "latency p50 at half load", "ms", fmt="%.2f")
    b.figure("half_p99_ms", half["p99_ms"], "latency p99 at half load", "ms",
             target="<= 5 ms", ok=half["p99_ms"] <= 5.0, fmt="%.2f")
    b.figure("half_p99_due_ms", half["p99_due_ms"],
             "  p99 counted from the due start", "ms", fmt="%.2f")
    b.figure("half_p999_ms", half["p999_ms"], "latency p99.9 at half load", "ms", fmt="%.2f")
    # The same rate with every resident on the same step at once (the round robin): for
    # the last seventh of the run every call makes an order, the costliest step, at
    # seven times the rate the mix asks of it. The worst case, shown, not a target.
    lock = b.loadgen(srv.hook, half_r, C, rate=ups / 2)
    b.say("half load, every resident on the same step: %s" % json.dumps(lock))
    b.results[key + "_half_lockstep"] = lock
    b.figure("half_lockstep_p99_ms", lock["p99_ms"],
             "latency p99 at half load, every resident on the same step", "ms", fmt="%.2f")
    b.figure("half_lockstep_confirm_p99_ms", lock["by_step"][-1]["p99_ms"],
             "  p99 of the last step (all residents making their order at once)", "ms",
             fmt="%.2f")
    b.figure("vmhwm_mib", srv.status_kib("VmHWM") / 1024, "server peak memory (VmHWM)", "MiB",
             fmt="%.1f")

    # Correctness: orders and replies.
    residents = 3 + R + 2 * half_r
    lo, hi = first, b.next_id
    total = residents * per_resident
    t_end = time.monotonic()
    st = wait_delivered(b, fake, lo, hi, total)
    b.figure("replies_delivered", st["sent"], "replies delivered", fmt="%d")
    b.figure("drain_after_load_s", time.monotonic() - t_end,
             "replies all delivered after the load by", "s", fmt="%.1f")
    if st["last_ms"] > st["first_ms"]:
        b.figure("reply_rate", st["sent"] / ((st["last_ms"] - st["first_ms"]) / 1000.0),
                 "replies delivered/s (first to last)", "msg/s", fmt="%.0f")
    check_replies(b, st, residents, per_resident)
    orders = orders_now() - orders0
    b.figure("orders", orders, "orders filed", fmt="%d")
    if orders != residents:
        b.fail("%d orders filed for %d residents" % (orders, residents))
    b.stop(srv)
    b.stop(fake)


# ---- PostgreSQL -----------------------------------------------------------------------

PG_SH = os.path.join(ROOT, "tests", "pg.sh")
PG_SHARED_BUFFERS = "128MB"
PG_SLOW_MS = 100  # statements slower than this are logged by the server, and counted


def pg_bindir():
    """PostgreSQL's programs (psql), as tests/pg.sh finds them; None when absent."""
    d = os.environ.get("PG_BINDIR")
    if d and os.access(os.path.join(d, "psql"), os.X_OK):
        return d
    try:
        d = subprocess.run(["pg_config", "--bindir"], capture_output=True,
                           text=True).stdout.strip()
        if d and os.access(os.path.join(d, "initdb"), os.X_OK):
            return d
    except OSError:
        pass
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", p)])
    return os.path.dirname(found[-1]) if found else None


class PgServer:
    """A throwaway PostgreSQL server (tests/pg.sh) in a directory of its own under
    /tmp (the postgres user must reach it when the bench runs as root), fsync on,
    shared_buffers PG_SHARED_BUFFERS, statements over PG_SLOW_MS logged. STATEMENTS
    loads pg_stat_statements (a restart) for PgServer.top_statements()."""

    def __init__(self, keep_log, statements=False):
        self.keep_log = keep_log
        self.statements = statements
        self.bench_db = None  # the database counters() reads, once new_database made it
        self.dir = None
        bindir = pg_bindir()
        if not bindir:
            raise OSError("no PostgreSQL server programs (initdb, pg_ctl, psql): install "
                          "postgresql-15 (scripts/deps.sh test) or set PG_BINDIR")
        self.psql_bin = os.path.join(bindir, "psql")
        self.dir = tempfile.mkdtemp(prefix="concierge-bench-pg-")
        env = dict(os.environ, PG_SHARED_BUFFERS=PG_SHARED_BUFFERS)
        p = subprocess.run([PG_SH, "start", self.dir], capture_output=True, text=True, env=env,
                           timeout=120)
        if p.returncode != 0 or not p.stdout.strip():
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
            raise OSError("tests/pg.sh start: %s" % (p.stderr.strip()[-1500:] or p.returncode))
        self.url = p.stdout.strip().splitlines()[-1]
        try:
            self.psql("ALTER SYSTEM SET log_min_duration_statement = %d" % PG_SLOW_MS)
            self.psql("ALTER SYSTEM SET log_lock_waits = on")
            if statements:
                # A library loaded at start: the server starts again with it.
                self.psql("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
                ctl = [os.path.join(bindir, "pg_ctl"), "-D", os.path.join(self.dir, "data"),
                       "-l", os.path.join(self.dir, "log"), "-w", "-t", "30", "restart"]
                if os.getuid() == 0:
                    ctl = ["runuser", "-u", "postgres", "--"] + ctl
                subprocess.run(ctl, check=True, capture_output=True, timeout=60)
            self.psql("SELECT pg_reload_conf()")
            with open(os.path.join(self.dir, "data", "postmaster.pid")) as f:
                self.pid = int(f.readline())
        except BaseException:
            self.stop()
            raise

    def psql(self, sql, url=None):
        """Runs SQL; the rows as lists of strings."""
        p = subprocess.run([self.psql_bin, "-XAtq", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                            "-d", url or self.url, "-c", sql],
                           capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise BenchError("psql: %s: %s" % (sql[:80], p.stderr.strip()))
        return [line.split("\t") for line in p.stdout.splitlines()]

    def new_database(self, name):
        """An empty database as an operator is told to make one; its URL."""
        self.psql("CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C'"
                  " LC_CTYPE 'C'" % name)
        self.bench_db = name
        return self.url.rsplit("/", 1)[0] + "/" + name

    def top_statements(self, url, n=15):
        """The N statements that took the server the most time in the database at URL
        (pg_stat_statements)."""
        rows = self.psql("SELECT calls, round(total_exec_time::numeric, 1),"
                         " round(mean_exec_time::numeric, 3), rows,"
                         " regexp_replace(query, '\\s+', ' ', 'g')"
                         " FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database"
                         " WHERE datname = '%s')"
                         " ORDER BY total_exec_time DESC LIMIT %d" % (url.rsplit("/", 1)[1], n))
        return [{"calls": int(r[0]), "total_ms": float(r[1]), "mean_ms": float(r[2]),
                 "rows": int(r[3]), "query": r[4]} for r in rows]

    def counters(self):
        """The server's own counts so far, for figures per update: transactions,
        WAL flushes (an fsync each, unless they coincide) and, with
        pg_stat_statements, statements run."""
        db = self.url.rsplit("/", 1)[1] if self.bench_db is None else self.bench_db
        row = self.psql("SELECT d.xact_commit + d.xact_rollback, w.wal_sync, w.wal_bytes"
                        " FROM pg_stat_database d, pg_stat_wal w"
                        " WHERE d.datname = '%s'" % db)[0]
        out = {"db_xacts": ("PostgreSQL transactions per update", int(row[0]), "%.2f"),
               "db_wal_syncs": ("PostgreSQL WAL flushes per update", int(row[1]), "%.3f"),
               "db_wal_bytes": ("PostgreSQL WAL bytes per update", int(row[2]), "%.0f")}
        if self.statements:
            n = self.psql("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE"
                          " dbid = (SELECT oid FROM pg_database WHERE datname = '%s')" % db)
            out["db_statements"] = ("PostgreSQL statements per update", int(n[0][0]), "%.1f")
        return out

    def settings(self, *names):
        return {n: self.psql("SHOW %s" % n)[0][0] for n in names}

    def cpu_s(self):
        """utime+stime of every process of the server so far: the postmaster, its
        children alive now, and (cutime+cstime) the children it has reaped."""
        total = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            pid, ppid = int(entry), int(fields[1])
            if pid == self.pid:
                total += sum(int(x) for x in fields[11:15])
            elif ppid == self.pid:
                total += int(fields[11]) + int(fields[12])
        return total / CLK_TCK

    def log(self):
        try:
            with open(os.path.join(self.dir, "log"), encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if not self.dir:
            return
        if self.keep_log:
            try:
                shutil.copy(os.path.join(self.dir, "log"), self.keep_log)
            except OSError:
                pass
        subprocess.run([PG_SH, "stop", self.dir], capture_output=True, timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None


@section("pg", "the intake with Concierge on PostgreSQL (a throwaway server, fsync on)")
def section_pg(b):
    """The intake section's runs with `database` a new database on a throwaway
    PostgreSQL server (tests/pg.sh, stopped at the end whatever happens). Its
    figures sit beside the SQLite intake's in the table; PostgreSQL's own CPU is
    read from /proc. A machine without PostgreSQL skips the section."""
    try:
        pg = PgServer(os.path.join(b.work, "postgresql.log"),
                      statements=os.environ.get("BENCH_PG_STATEMENTS") == "1")
    except (OSError, subprocess.TimeoutExpired) as e:
        b.say("skipped: PostgreSQL could not be started: %s" % e)
        b.figure("skipped", str(e).splitlines()[0][:100], "skipped (no PostgreSQL)")
        return
    try:
        b.results["pg_server"] = dict(
            pg.settings("server_version", "fsync", "synchronous_commit", "shared_buffers",
                        "wal_level", "max_wal_size"))
        b.say("PostgreSQL %s" % json.dumps(b.results["pg_server"]))
        url = pg.new_database("concierge_bench")
        statements = pg.statements
        if statements:
            # in the server's postgres database: Concierge's holds nothing but its own
            pg.psql("CREATE EXTENSION pg_stat_statements")
        log0 = len(pg.log())  # what the server logged before Concierge came
        fake = b.fakebot()
        srv = b.concierge(fake, db=url)

        def orders_now():
            try:
                return int(pg.psql("SELECT count(*) FROM orders", url)[0][0])
            except BenchError:
                return 0  # no schema yet
        run_intake(b, srv, fake, orders_now, key="pg", db=pg)
        base = b.results.get("intake", {}).get("updates_per_s")
        mine = b.results.get("pg", {}).get("updates_per_s")
        b.figure("ratio_sqlite", mine / base if base and mine else "-",
                 "throughput PostgreSQL / SQLite (same run)", "x" if base and mine else "",
                 fmt="%.2f")
        log = pg.log()[log0:]
        slow = [line for line in log.splitlines() if "duration:" in line]
        errors = [line for line in log.splitlines()
                  if re.search(r"\b(ERROR|FATAL|PANIC):", line)]
        b.results["pg_log"] = {"slow": slow[:50], "errors": errors[:50]}
        b.figure("slow_statements", len(slow),
                 "statements over %d ms (PostgreSQL's log)" % PG_SLOW_MS, fmt="%d")
        b.figure("log_errors", len(errors), "errors in PostgreSQL's log", fmt="%d")
        for line in (slow + errors)[:5]:
            b.say("postgresql: %s" % line[:300])
        if statements:
            top = pg.top_statements(url)
            b.results["pg_statements"] = top
            b.say("statements by the server's time (pg_stat_statements, the whole section):")
            for t in top:
                b.say("  %7d calls %9.1f ms %7.3f ms/call  %s" % (
                    t["calls"], t["total_ms"], t["mean_ms"], t["query"][:160]))
    finally:
        b.stop_all()
        pg.stop()


@section("floor", "one SQLite row per update, synchronous NORMAL and FULL")
def section_floor(b):
    R, C = b.args.residents, b.args.inflight
    for sync in ("normal", "full"):
        srv = b.floor(sync)
        r = b.loadgen(srv.url + "/hooks/telegram", R, C, mode="floor")
        b.say("%s: %s" % (sync, json.dumps(r)))
        b.results["floor_" + sync] = r
        name = sync.upper()
        b.figure(sync + "_updates_per_s", r["updates_per_s"], "floor %s throughput" % name,
                 "updates/s", fmt="%.0f")
        b.figure(sync + "_p99_ms", r["p99_ms"], "floor %s latency p99" % name, "ms",
                 fmt="%.2f")
        half = b.results.get("intake_half")
        if sync == "full" and half:
            # The p99 target's own floor: one flush per update at Concierge's half-load rate.
            h = b.loadgen(srv.url + "/hooks/telegram",
                          max(1, half["updates"] // UPDATES_PER_RESIDENT), C,
                          rate=half["rate"], mode="floor")
            b.results["floor_full_half"] = h
            b.figure("full_half_p99_ms", h["p99_ms"],
                     "floor FULL p99 at %.0f updates/s (Concierge's half load)" % half["rate"],
                     "ms", fmt="%.2f")
        b.stop(srv)
    # What hanging up after each answer (a connection per call) costs the floor.
    srv = b.floor("normal", close=True)
    r = b.loadgen(srv.url + "/hooks/telegram", R, C, mode="floor")
    b.results["floor_normal_close"] = r
    b.figure("normal_close_updates_per_s", r["updates_per_s"],
             "floor NORMAL, a connection per call", "updates/s", fmt="%.0f")
    b.stop(srv)
    # The floor that also answers: one sendMessage per stored update to the fake
    # Bot API on the same two cores, as every update costs Concierge a reply.
    fake = b.fakebot()
    srv = b.floor("normal", reply=fake)
    fcpu0 = fake.cpu_s()
    r = b.loadgen(srv.url + "/hooks/telegram", R, C, mode="floor")
    st = wait_delivered(b, fake, r["first_id"], r["first_id"] + R - 1,
                        R * UPDATES_PER_RESIDENT)
    fcpu = fake.cpu_s() - fcpu0
    b.results["floor_normal_reply"] = r
    if st["complete"]:
        check_replies(b, st, R, UPDATES_PER_RESIDENT)
    b.figure("normal_reply_updates_per_s", r["updates_per_s"],
             "floor NORMAL with a reply per update", "updates/s", fmt="%.0f")
    b.figure("normal_reply_share", r["updates_per_s"] / b.results["floor"]["normal_updates_per_s"],
             "floor NORMAL with a reply / without", "x", fmt="%.2f")
    b.figure("normal_reply_fake_us", fcpu / max(1, r["ok"]) * 1e6,
             "fake Bot API CPU per reply (floor with replies)", "us", fmt="%.0f")
    b.stop(srv)
    b.stop(fake)
    intake = b.results.get("intake", {}).get("updates_per_s")
    if intake:
        n = intake / b.results["floor"]["normal_updates_per_s"]
        f = intake / b.results["floor"]["full_updates_per_s"]
        nr = intake / b.results["floor_normal_reply"]["updates_per_s"]
        b.figure("ratio_normal", n, "Concierge / floor NORMAL", "x", target=">= 0.5",
                 ok=n >= 0.5, fmt="%.2f")
        b.figure("ratio_full", f, "Concierge / floor FULL", "x", fmt="%.2f")
        b.figure("ratio_normal_reply", nr, "Concierge / floor NORMAL with a reply per update",
                 "x", fmt="%.2f")


BACKLOG_TEXTS = [
    {"text": "您的工单 %s 已由王师傅接单，预计今天 15:00 上门，请保持电话畅通。"},
    {"text": "您的工单 %s 已完成，请检查一下：问题解决了吗？",
     "buttons": [{"label": "已解决", "data": "yes"}, {"label": "没解决", "data": "no"}]},
    {"text": "请为本次服务打分（工单 %s）",
     "buttons": [{"label": str(i), "data": "rate:%d" % i} for i in range(1, 6)]},
    {"text": "提醒：工单 %s 将在 24 小时后自动验收。如有问题请回复。"},
]


def intake_against_empty(b, srv, db, orders0, key, where, ratio_label, target):
    """The intake's R residents on SRV (database DB, ORDERS0 orders before): its
    throughput and p99 (WHERE says on what), its throughput as a ratio of the intake
    section's against TARGET, and one order per resident."""
    R, C = b.args.residents, b.args.inflight
    cpu0 = srv.cpu_s()
    r = b.loadgen(srv.hook, R, C)
    cpu = srv.cpu_s() - cpu0
    b.say("intake %s: %s" % (where, json.dumps(r)))
    b.results[key] = r
    b.figure("updates_per_s", r["updates_per_s"], "throughput %s (R=%d, C=%d)" % (where, R, C),
             "updates/s", fmt="%.0f")
    b.figure("p99_ms", r["p99_ms"], "latency p99 %s" % where, "ms", fmt="%.2f")
    b.figure("cpu_us", cpu / max(1, r["ok"]) * 1e6, "server CPU per update %s" % where, "us",
             fmt="%.0f")
    base = b.results.get("intake", {}).get("updates_per_s")
    if base:
        ratio = r["updates_per_s"] / base
        b.figure("ratio", ratio, ratio_label, "x", target=">= %.1f" % target,
                 ok=ratio >= target, fmt="%.2f")
    orders = count_orders(db) - orders0
    if orders != R:
        b.fail("%d orders filed for %d residents" % (orders, R))
    return r


def put_backlog(db, n, now):
    """N pending outbox rows for the Telegram channel, two per chat, due now."""
    con = sqlite3.connect(db, timeout=60)
    try:
        def rows():
            for i in range(n):
                chat = BACKLOG_BASE + i // 2
                p = dict(BACKLOG_TEXTS[i % len(BACKLOG_TEXTS)])
                p["text"] = p["text"] % ("240101-%03d" % (i % 1000))
                yield ("telegram", str(chat), json.dumps(p, ensure_ascii=False), now - 60,
                       now - 60)
        with con:
            con.executemany("INSERT INTO outbox (channel, chat, payload, next_at, created_at)"
                            " VALUES (?, ?, ?, ?, ?)", rows())
    finally:
        con.close()


@section("backlog", "intake with N undelivered rows (their platform down); the drain once it is back")
def section_backlog(b):
    R, C, N = b.args.residents, b.args.inflight, b.args.backlog
    if N <= 0:
        b.say("skipped (--backlog 0)")
        return
    # A database with its schema, then the backlog, then the server on it.
    fake = b.fakebot()
    srv = b.concierge(fake)
    db = srv.db
    b.stop(srv)
    put_backlog(db, N, int(time.time()))
    lo, hi = BACKLOG_BASE, BACKLOG_BASE + N
    # The platform is down (502 to every call), as for an hour: the backlog waits,
    # and the intake's replies join it.
    fake.control("down", {"from": -2 ** 62, "to": 2 ** 62, "status": 502})
    orders0 = count_orders(db)
    srv = b.concierge(fake, db=db)
    b.figure("backlog", N, "backlog (outbox rows at start)", fmt="%d")
    r = intake_against_empty(b, srv, db, orders0, "backlog_intake", "with the backlog",
                             "throughput with / without backlog", 0.9)
    per = b.results.get("intake", {}).get("replies_per_intake") or 7
    # The platform is back, and every retry is due (what the backoff would reach).
    fake.control("up")
    con = sqlite3.connect(db, timeout=60)
    with con:
        con.execute("UPDATE outbox SET next_at = ? WHERE status = 'pending'",
                    (int(time.time()) - 1,))
    con.close()
    # The sender probes a platform that failed every call, at most 30 s apart: the
    # drain is timed from its first delivery after the platform came back.
    t_up = time.monotonic()
    wait_for(lambda: fake.stats(lo, hi)["range"]["sent"] > 0, 45)
    b.figure("first_after_up_s", time.monotonic() - t_up,
             "first delivery after the platform is back", "s", fmt="%.1f")
    after = fake.stats()
    # The drain: every delivery from the end of the intake on (backlog and replies),
    # until the backlog is through or the time given to it is up.
    per = b.results.get("intake", {}).get("replies_per_intake") or 7
    st = wait_delivered(b, fake, lo, hi, N, cap=b.args.drain_wait)
    wait_delivered(b, fake, r["first_id"], r["first_id"] + R - 1, R * per,
                   cap=b.args.drain_wait)
    end = fake.stats()
    t = (end["last_ms"] - after["now_ms"]) / 1000.0
    rate = (end["sendMessage"] - after["sendMessage"]) / t if t > 0 else 0
    b.figure("drain_rate", rate, "drain rate once the platform is back", "msg/s",
             target=">= 2000", ok=rate >= 2000, fmt="%.0f")
    b.figure("drained", st["sent"], "backlog delivered in %.0f s" % st["waited_s"],
             "of %d" % N, fmt="%d")
    if st["complete"]:
        if st["per_chat"] != {"2": N // 2} and N % 2 == 0:
            b.fail("backlog: per chat %s, expected {'2': %d}" % (st["per_chat"], N // 2))
        rs = wait_delivered(b, fake, r["first_id"], r["first_id"] + R - 1, R * per,
                            cap=b.args.drain_wait)
        if rs["complete"]:
            check_replies(b, rs, R, per)
    else:
        b.say("backlog not drained within %d s (BENCH_DRAIN_WAIT): delivery checked for "
              "duplicates only" % b.args.drain_wait)
        if any(int(k) > 2 for k in st["per_chat"]):
            b.fail("backlog: a chat got a message twice: %s" % st["per_chat"])
    b.stop(srv)
    b.stop(fake)


@section("bigdb", "intake on a register of 1,000,000 orders, against an empty one")
def section_bigdb(b):
    """The intake again, on a copy of bench/bigdb.py's million-order file (made once,
    about four minutes, and kept in build/bench/). Target: at least 0.8 of the
    intake section's throughput."""
    R, C = b.args.residents, b.args.inflight
    db = os.path.join(b.work, "bigdb.db")
    p = subprocess.run([sys.executable, os.path.join(HERE, "bigdb.py"), "--copy", db],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        b.fail("bench/bigdb.py --copy: %s" % p.stdout[-2000:])
        return
    # The copy's gigabytes go to the disk now, not while the intake waits for its flushes.
    os.sync()
    fake = b.fakebot()
    orders0 = count_orders(db)
    srv = b.concierge(fake, db=db)
    b.figure("orders_before", orders0, "orders in the register", fmt="%d")
    b.figure("start_ms", srv.start_s * 1000, "start-up to listening", "ms", fmt="%.0f")
    intake_against_empty(b, srv, db, orders0, "bigdb_intake", "on the big register",
                         "throughput / on an empty register", 0.8)
    b.stop(srv)
    b.stop(fake)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)


# ---- main ---------------------------------------------------------------------------

def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model or platform.processor(),
            "kernel": platform.release(), "date": time.strftime("%Y-%m-%d %H:%M %z")}


def print_table(b):
    print()
    print("concierge bench  %s  nproc %s  %s" % (b.results["machine"]["date"],
                                                 b.results["machine"]["nproc"],
                                                 b.results["machine"]["cpu"]))
    w = max([len(r[1]) for r in b.rows] + [10])
    current = None
    # The PostgreSQL rows are the intake's: each beside its SQLite figure of the run.
    sqlite = {r[5]: r[2] for r in b.rows if r[0] == "intake"}
    for sec, label, value, target, ok, key in b.rows:
        if sec != current:
            if sec == "pg":
                print("\n[pg]  %-*s  %16s  %16s" % (w - 4, "", "SQLite (intake)", "PostgreSQL"))
            else:
                print("\n[%s]" % sec)
            current = sec
        mark = "" if ok is None else ("PASS" if ok else "FAIL")
        if sec == "pg":
            print("  %-*s  %16s  %16s  %-9s %s" % (w, label, sqlite.get(key, "-"), value,
                                                   target, mark))
        else:
            print("  %-*s  %16s  %-9s %s" % (w, label, value, target, mark))
    print()


def main():
    ap = argparse.ArgumentParser(description="Concierge benchmark (make bench)")
    ap.add_argument("--only", default=os.environ.get("BENCH_ONLY", ""),
                    help="comma-separated sections: " +
                    ", ".join(name for name, _, _ in SECTIONS))
    ap.add_argument("--residents", type=int, default=int(os.environ.get("BENCH_RESIDENTS",
                                                                         "2000")))
    ap.add_argument("--inflight", type=int, default=int(os.environ.get("BENCH_INFLIGHT", "32")))
    ap.add_argument("--backlog", type=int, default=int(os.environ.get("BENCH_BACKLOG",
                                                                       "100000")))
    ap.add_argument("--drain-wait", type=int,
                    default=int(os.environ.get("BENCH_DRAIN_WAIT", "90")),
                    help="seconds the backlog section waits for the drain")
    ap.add_argument("--db", default=os.environ.get("BENCH_DB"),
                    help="run Concierge on this database (it is written to)")
    ap.add_argument("--json", help="write every figure to this file")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    if args.db:
        args.db = os.path.abspath(args.db)
    only = [s for s in args.only.split(",") if s]
    unknown = [s for s in only if s not in [name for name, _, _ in SECTIONS]]
    if unknown:
        ap.error("unknown section(s): %s" % ", ".join(unknown))
    for p in (CONCIERGE, LOADGEN, FAKEBOT, FLOOR):
        if not os.access(p, os.X_OK):
            ap.error("%s is missing: run `make bench` (or make build/concierge bench-bin)" % p)

    b = Bench(args)
    b.results["machine"] = machine()
    b.results["params"] = {"residents": args.residents, "inflight": args.inflight,
                           "backlog": args.backlog, "db": args.db}
    t0 = time.monotonic()
    try:
        for name, what, fn in SECTIONS:
            if only and name not in only:
                continue
            b.section = name
            b.say("%s (R=%d, C=%d)" % (what, args.residents, args.inflight))
            t1 = time.monotonic()
            try:
                fn(b)
            except BenchError as e:
                b.fail(str(e))
            finally:
                b.stop_all()
                b.figure("section_s", time.monotonic() - t1, "(section run time)", "s",
                         fmt="%.0f")
    finally:
        b.stop_all()
        b.results["seconds"] = round(time.monotonic() - t0, 1)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(b.results, f, indent=1)
        print_table(b)
        if args.keep or b.failures:
            print("work directory (logs, databases): %s" % b.work)
        else:
            shutil.rmtree(b.work, ignore_errors=True)
    print("bench: %.0f s, %s" % (time.monotonic() - t0,
                                  "FAILED:\n  " + "\n  ".join(b.failures) if b.failures
                                  else "all checks passed"))
    return 1 if b.failures else 0


if __name__ == "__main__":
    sys.exit(main())
