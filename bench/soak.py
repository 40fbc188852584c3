#!/usr/bin/env python3
"""bench/soak.py - `make soak`: Concierge under mixed load for a long while, with its
memory sampled, under AddressSanitizer and LeakSanitizer.

The sanitizer build (build/asan/concierge) runs with Telegram in webhook mode on
the fake Bot API (build/bench/fakebot), the web chat on, and a clock it reads
from a file (CONCIERGE_NOW=@FILE) that this script moves a minute forward every
second, so reminders, escalations, follow-up visits and the daily jobs come due
many times over. For MINUTES (SOAK_MINUTES, default 30) at once:
  - residents file the seven-message intake over the webhook, in rounds of
    build/bench/loadgen at a paced rate;
  - build/bench/wsload keeps web chat sockets talking, in rounds that open and
    close them;
  - a technician takes, starts and finishes new orders from his Telegram chat,
    and asks for his list;
  - every ten seconds the server's resident memory (VmRSS) is sampled.
At the end it prints the samples, the trend (a least-squares line over the last
two thirds, in MiB per hour) and what was done, stops the server with SIGTERM
and checks that it exited 0 with no sanitizer or leak report. Exit status 1 on a
report, a non-zero exit, a refused update or a server that died.

  python3 bench/soak.py [--minutes 30] [--rate 40] [--sockets 40] [--keep]
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import run as bench  # noqa: E402 - the benchmark's servers and helpers

ASAN_BIN = os.path.join(bench.BUILD, "asan", "concierge")
WSLOAD = os.path.join(bench.BUILD, "bench", "wsload")
TECH = 100000001  # 王师傅 in config.example.json
SAMPLE_S = 10
CLOCK_STEP_S = 60  # of the server's clock, per real second


class Clock:
    """The server's clock file, moved forward by a thread."""

    def __init__(self, path):
        self.path = path
        self.t = time.time()
        self.mtime = 0
        self.write()

    def write(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.write("%.3f\n" % self.t)
        self.mtime = max(self.mtime + 1000, time.time_ns())
        os.utime(tmp, ns=(self.mtime, self.mtime))
        os.replace(tmp, self.path)

    def run(self, stop):
        while not stop.wait(1.0):
            self.t += 1.0 + CLOCK_STEP_S
            self.write()


def staff_update(update_id, text):
    chat = {"id": TECH, "type": "private", "first_name": "王"}
    return {"update_id": update_id, "message": {
        "message_id": update_id % 1000000000, "date": int(time.time()), "chat": chat,
        "from": {"id": TECH, "is_bot": False, "first_name": "王", "language_code": "zh-hans"},
        "text": text, "entities": [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]}}


class Soak:
    def __init__(self, args):
        self.args = args
        self.b = bench.Bench(argparse.Namespace(inflight=4, db=None, keep=args.keep))
        self.b.section = "soak"
        self.stop = threading.Event()
        self.errors = []
        self.counts = {"webhook_rounds": 0, "updates": 0, "ws_rounds": 0, "ws_acks": 0,
                       "staff_commands": 0}
        self.samples = []
        self.lock = threading.Lock()

    def fail(self, what):
        with self.lock:
            self.errors.append(what)
        print("soak: %s" % what, file=sys.stderr, flush=True)

    def start(self):
        work = self.b.work
        self.clock = Clock(os.path.join(work, "clock"))
        os.environ["CONCIERGE_NOW"] = "@" + self.clock.path
        # a small quarantine, so the memory figures show the program, not ASan's reserve
        os.environ.setdefault("ASAN_OPTIONS",
                              "detect_leaks=1:abort_on_error=0:quarantine_size_mb=16")
        self.fake = self.b.fakebot()
        bench.CONCIERGE = self.args.binary
        self.srv = self.b.concierge(self.fake, name="soak")
        self.hook = self.srv.url + "/hooks/telegram"

    # ---- the loads ----
    def webhooks(self):
        while not self.stop.is_set():
            n = max(1, self.args.rate * 5 // 7)  # about five seconds a round
            r = self.b.loadgen(self.hook, n, inflight=4, rate=self.args.rate)
            with self.lock:
                self.counts["webhook_rounds"] += 1
                self.counts["updates"] += r["ok"]
            if r["errors"]["total"]:
                self.fail("webhook round: %s not answered 2xx" % r["errors"])

    def sockets(self):
        while not self.stop.is_set():
            p = subprocess.run([WSLOAD, "--port", str(self.srv.port), "--sockets",
                                str(self.args.sockets), "--duration", "20", "--think-ms",
                                "500-3000", "--connect-rate", "200"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                line = [x for x in p.stdout.splitlines() if x.startswith("wsload-json: ")][-1]
                r = json.loads(line[len("wsload-json: "):])
            except (ValueError, IndexError):
                self.fail("wsload gave no figures: %s" % p.stderr[-500:])
                time.sleep(5)
                continue
            with self.lock:
                self.counts["ws_rounds"] += 1
                self.counts["ws_acks"] += int(r.get("acks", 0))

    def staff(self):
        uid, done = 5 * 10 ** 8, set()
        while not self.stop.wait(5.0):
            new = self.orders_open(done)
            cmds = ["/orders"]
            for number in new[:1]:
                cmds += ["/accept " + number, "/start " + number, "/done " + number]
                done.add(number)
            for text in cmds:
                uid += 1
                try:
                    bench.http_post_json_secret(self.hook, staff_update(uid, text))
                except OSError as e:
                    self.fail("staff command %r: %s" % (text, e))
                with self.lock:
                    self.counts["staff_commands"] += 1

    def orders_open(self, done):
        import sqlite3
        con = sqlite3.connect("file:%s?mode=ro" % self.srv.db, uri=True, timeout=30)
        try:
            rows = con.execute("SELECT number FROM orders WHERE status = 'pending'"
                               " ORDER BY id DESC LIMIT 20").fetchall()
        except sqlite3.OperationalError:
            rows = []
        finally:
            con.close()
        return [r[0] for r in rows if r[0] not in done]

    def sample(self):
        t0 = time.monotonic()
        end = t0 + self.args.minutes * 60
        while time.monotonic() < end:
            if not self.srv.alive():
                self.fail("the server died; see %s" % self.srv.log)
                return
            self.samples.append((time.monotonic() - t0, self.srv.status_kib("VmRSS") / 1024))
            t, rss = self.samples[-1]
            print("soak: %5.0f s  VmRSS %7.1f MiB  %s" % (t, rss, json.dumps(self.counts)),
                  flush=True)
            self.stop.wait(min(SAMPLE_S, max(0, end - time.monotonic())))

    def trend(self):
        pts = self.samples[len(self.samples) // 3:]
        if len(pts) < 2:
            return 0.0
        n = len(pts)
        mx = sum(t for t, _ in pts) / n
        my = sum(v for _, v in pts) / n
        den = sum((t - mx) ** 2 for t, _ in pts)
        slope = sum((t - mx) * (v - my) for t, v in pts) / den if den else 0.0
        return slope * 3600  # MiB per hour

    def main(self):
        self.start()
        threads = [threading.Thread(target=self.clock.run, args=(self.stop,), daemon=True)]
        for f in (self.webhooks, self.sockets, self.staff):
            threads.append(threading.Thread(target=f, daemon=True))
        for t in threads:
            t.start()
        try:
            self.sample()
        finally:
            self.stop.set()
            for t in threads:
                t.join(120)
        rc = self.srv.stop(timeout=120)
        self.b.servers.remove(self.srv)
        log = open(self.srv.log, encoding="utf-8", errors="replace").read()
        for bad in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if bad in log:
                i = log.index(bad)
                self.fail("sanitizer report:\n" + log[max(0, i - 200):i + 3000])
        if rc != 0:
            self.fail("the server exited with status %s" % rc)
        self.b.stop_all()
        rss = [v for _, v in self.samples]
        print("\nsoak: %d minutes, %d samples; VmRSS first %.1f, min %.1f, max %.1f, last"
              " %.1f MiB; trend over the last two thirds %+.1f MiB/hour" % (
                  self.args.minutes, len(rss), rss[0] if rss else 0, min(rss or [0]),
                  max(rss or [0]), rss[-1] if rss else 0, self.trend()))
        print("soak: done: %s" % json.dumps(self.counts))
        print("soak: sanitizers: %s; exit status %s" % (
            "clean" if not any("sanitizer" in e for e in self.errors) else "REPORTS", rc))
        if not self.args.keep:
            import shutil
            shutil.rmtree(self.b.work, ignore_errors=True)
        else:
            print("soak: work directory kept: %s" % self.b.work)
        if self.errors:
            print("soak: FAILED: %d problems" % len(self.errors), file=sys.stderr)
            return 1
        return 0


def http_post_json_secret(url, obj, timeout=30):
    req = urllib.request.Request(url, data=json.dumps(obj).encode(), method="POST",
                                 headers={"Content-Type": "application/json",
                                          "X-Telegram-Bot-Api-Secret-Token": bench.SECRET})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status


bench.http_post_json_secret = http_post_json_secret


def main():
    ap = argparse.ArgumentParser(description="Concierge soak test (make soak)")
    ap.add_argument("--minutes", type=float,
                    default=float(os.environ.get("SOAK_MINUTES", "30")))
    ap.add_argument("--rate", type=int, default=int(os.environ.get("SOAK_RATE", "40")),
                    help="webhook updates per second")
    ap.add_argument("--sockets", type=int, default=int(os.environ.get("SOAK_SOCKETS", "40")))
    ap.add_argument("--binary", default=os.environ.get("CONCIERGE_BIN", ASAN_BIN))
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return Soak(args).main()


if __name__ == "__main__":
    sys.exit(main())
