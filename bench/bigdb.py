#!/usr/bin/env python3
"""The large-database benchmark (`make bench-bigdb`).

On a database of 1,000,000 orders made by build/bench/gendb (cached as
build/bench/bigdb-1000000.db; made again when missing or with --fresh), times
what a manager and the desk do with build/concierge:

  report      `concierge report --from D --to D` for the last whole month
  pending     `concierge orders list --status pending` and `--status open`
  show        `concierge orders show N` (orders old and new)
  start-up    `concierge serve`, from exec to its "listening on" line, and to
              the first answer of /healthz (the first periodic run is done by then)

Each command runs a few times on a fresh working copy of the file (serve
writes to it); the median and the worst are printed in ms against the
targets, with the CPU time (user + system) beside, which another program
busy on the same cores disturbs less than the wall time.

What is measured is what a user waits for: a manager at a terminal waits for
the whole `concierge report`, starting the program included, so the report and
the lists are held to their targets that way. Starting any process of this
program ("start of any process": `concierge version`, 41 shared libraries)
takes longer than `orders show`'s 5 ms on a small VM, so that command is held
to the target by its work beyond starting; the desk looks orders up in the
console, whose API answers it in the running server. The same reads are timed
there too: /api/report, /api/orders?status=..., /api/orders/N.

  bench/bigdb.py [--orders N] [--runs K] [--fresh] [--bin PATH]
  bench/bigdb.py --copy PATH     a fresh copy of the generated file, to run a server on
"""
import argparse
import http.client
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (bench/run.py: its machine())

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build", "bench")
CONFIG = os.path.join(ROOT, "config.example.json")
TOKEN = "demo-zhao-token-8265"  # the example's supervisor: sees every order
TZ = "Asia/Shanghai"  # the example configuration's time zone
TARGETS = {"report": 200, "pending": 50, "show": 5, "start-up": 200}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def env():
    e = dict(os.environ)
    e["TZ"] = TZ
    e.pop("CONCIERGE_LOG", None)
    return e


def cached_db(args):
    path = os.path.join(BUILD, "bigdb-%d.db" % args.orders)
    if os.path.exists(path) and not args.fresh:
        return path
    os.makedirs(BUILD, exist_ok=True)
    tmp = path + ".partial"
    for p in (tmp, tmp + "-wal", tmp + "-shm"):
        if os.path.exists(p):
            os.unlink(p)
    log("bigdb: generating %s (%d orders) ..." % (path, args.orders))
    # Concierge makes the file and its schema; gendb fills it.
    subprocess.run([args.bin, "--config", CONFIG, "--db", tmp, "orders", "list"],
                   check=True, env=env(), stdout=subprocess.DEVNULL)
    cmd = [os.path.join(BUILD, "gendb"), "--orders", str(args.orders), tmp]
    if args.end:
        cmd[1:1] = ["--end", args.end]
    subprocess.run(cmd, check=True, env=env())
    os.replace(tmp, path)
    return path


def copy_db(src, dst):
    for p in (dst, dst + "-wal", dst + "-shm"):
        if os.path.exists(p):
            os.unlink(p)
    if os.path.exists(src + "-wal"):
        sys.exit("bigdb: %s-wal exists: is a server running on the cached file?" % src)
    shutil.copyfile(src, dst)


def cli_time(args, db, *words):
    """One `concierge ... WORDS`: wall time and CPU time (user + system) in ms, exit status."""
    t = time.perf_counter()
    p = subprocess.Popen([args.bin, "--config", CONFIG, "--db", db] + list(words),
                         env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    ms = (time.perf_counter() - t) * 1000
    p.returncode = os.waitstatus_to_exitcode(status)
    return ms, (ru.ru_utime + ru.ru_stime) * 1000, p.returncode


class Server:
    """`concierge serve` on a loopback port: the time to "listening on" and to /healthz."""

    def __init__(self, args, db):
        t = time.perf_counter()
        self.p = subprocess.Popen(
            [args.bin, "--config", CONFIG, "--db", db, "serve", "--listen", "127.0.0.1:0"],
            env=env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.port = None
        for line in self.p.stdout:
            m = re.search(rb"listening on https?://[0-9.]+:(\d+)", line)
            if m:
                self.listening_ms = (time.perf_counter() - t) * 1000
                self.port = int(m.group(1))
                break
        if not self.port:
            raise SystemExit("bigdb: the server did not start (exit %s)" % self.p.wait())
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.get("/healthz")
        self.answer_ms = (time.perf_counter() - t) * 1000

    def get(self, path, token=None):
        headers = {"Authorization": "Bearer " + token} if token else {}
        self.conn.request("GET", path, headers=headers)
        r = self.conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise SystemExit("bigdb: GET %s: %d %s" % (path, r.status, body[:200]))
        return body

    def timed(self, path):
        t = time.perf_counter()
        self.get(path, TOKEN)
        return (time.perf_counter() - t) * 1000

    def stop(self):
        self.conn.close()
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def facts(db):
    """The last whole month, a few order numbers old and new, the open orders."""
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    last = c.execute("SELECT max(created_at) FROM orders").fetchone()[0]
    n = c.execute("SELECT max(id) FROM orders").fetchone()[0]
    picks = [max(1, int(n * f)) for f in (0.05, 0.3, 0.5, 0.7, 0.9, 0.99, 1.0)]
    numbers = [c.execute("SELECT number FROM orders WHERE id = ?", (i,)).fetchone()[0]
               for i in picks]
    counts = dict(c.execute("SELECT status, count(*) FROM orders WHERE status IN"
                            " ('pending','assigned','scheduled','in_progress',"
                            "'awaiting_acceptance','rework') GROUP BY status").fetchall())
    c.close()
    os.environ["TZ"] = TZ
    time.tzset()
    end = datetime.fromtimestamp(last).date()
    first = (end.replace(day=1) - timedelta(days=1)).replace(day=1)
    month_end = end.replace(day=1) - timedelta(days=1)
    return first.isoformat(), month_end.isoformat(), numbers, counts, n


def summary(name, values, target=None, cpus=None):
    med, worst = statistics.median(values), max(values)
    verdict = cpu = ""
    if target is not None:
        verdict = "  target <= %d ms: %s" % (target, "ok" if med <= target else "MISSED")
    if cpus:
        cpu = "  cpu %6.1f" % statistics.median(cpus)
    print("  %-34s median %7.1f ms  max %7.1f ms%s%s" % (name, med, worst, cpu, verdict))
    return med


def machine():
    m = run.machine()  # the same words as make bench's table
    return "%d cores, %s" % (m["nproc"] or 0, m["cpu"] or "?")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--orders", type=int, default=1000000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--fresh", action="store_true", help="generate the database again")
    ap.add_argument("--end", help="gendb --end (default: now)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "concierge"))
    ap.add_argument("--copy", metavar="PATH", help="copy the generated database to PATH and stop")
    args = ap.parse_args()

    src = cached_db(args)
    # The kept file is brought to this program's schema once, not every copy of it (a
    # migration of a million orders takes seconds; the copies then start as they would).
    ms, _, rc = cli_time(args, src, "orders", "show", "000000-000")
    if ms > 1000:
        print("bigdb: %s brought to this program's schema in %.1f s" % (src, ms / 1000))
    if args.copy:
        copy_db(src, args.copy)
        print("bigdb: %s: a copy of %s (%.0f MB)" % (args.copy, src,
                                                    os.path.getsize(args.copy) / 1048576))
        return 0
    work = os.path.join(BUILD, "bigdb-work.db")
    copy_db(src, work)
    month_from, month_to, numbers, opened, norders = facts(work)
    print("Large database: %s, %d orders, %.0f MB; %s" % (
        os.path.relpath(src, ROOT), norders, os.path.getsize(src) / 1048576, machine()))
    print("  open orders: %s" % ", ".join("%s %d" % kv for kv in sorted(opened.items())))

    # The first command opens the file: a newer program migrates it then.
    ms, cpu, rc = cli_time(args, work, "orders", "show", "000000-000")
    print("  first open (migrations, if any)      %8.1f ms" % ms)
    results = {}
    runs = args.runs

    def cli(name, words_list, target=None, ok=(0,)):
        cli_time(args, work, *words_list[0])  # warm the page cache
        times, cpus = [], []
        for i in range(runs):
            words = words_list[i % len(words_list)]
            ms, cpu, rc = cli_time(args, work, *words)
            if rc not in ok:
                raise SystemExit("bigdb: concierge %s: exit %d" % (" ".join(words), rc))
            times.append(ms)
            cpus.append(cpu)
        results[name] = summary(name, times, target, cpus)

    print("CLI (the process included, as a user at a terminal sees it; cpu: user+system ms):")
    cli("start of any process (version)", [["version"]])
    cli("floor (config, store; no such order)", [["orders", "show", "000000-000"]], ok=(3,))
    cli("report %s..%s" % (month_from[:7], month_to[-2:]),
        [["report", "--from", month_from, "--to", month_to]], TARGETS["report"])
    cli("orders list --status pending", [["orders", "list", "--status", "pending"]],
        TARGETS["pending"])
    cli("orders list --status open", [["orders", "list", "--status", "open"]], TARGETS["pending"])
    # A process of this program takes longer to start than 5 ms here: `orders show`
    # is held to the target by what it does beyond starting (and by the console).
    cli("orders show N", [["orders", "show", n] for n in numbers])
    beyond = max(0.0, results["orders show N"] - results["start of any process (version)"])
    print("  %-34s %7.1f ms beyond starting a process  target <= %d ms: %s" % (
        "orders show N, its own work", beyond, TARGETS["show"],
        "ok" if beyond <= TARGETS["show"] else "MISSED"))

    print("serve:")
    listening, answering = [], []
    for i in range(runs):
        s = Server(args, work)
        listening.append(s.listening_ms)
        answering.append(s.answer_ms)
        s.stop()
    summary("start-up to 'listening on'", listening, TARGETS["start-up"])
    summary("start-up to first /healthz answer", answering)

    print("console API (in the running server, HTTP on loopback, no process start):")
    s = Server(args, work)
    try:
        for name, paths, target in (
                ("GET /api/report (month)", ["/api/report?from=%s&to=%s" % (month_from, month_to)],
                 TARGETS["report"]),
                ("GET /api/orders?status=pending", ["/api/orders?status=pending"],
                 TARGETS["pending"]),
                ("GET /api/orders?status=open", ["/api/orders?status=open"], TARGETS["pending"]),
                ("GET /api/orders/N", ["/api/orders/" + n for n in numbers], TARGETS["show"])):
            s.timed(paths[0])
            summary(name, [s.timed(paths[i % len(paths)]) for i in range(runs)], target)
    finally:
        s.stop()
    print("  (%s, %d runs each, TZ %s)" % (date.today().isoformat(), runs, TZ))
    return 0


if __name__ == "__main__":
    sys.exit(main())
