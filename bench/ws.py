#!/usr/bin/env python3
"""Web chat sockets and open dialogs: two of the Performance issue's figures.

  bench/ws.py sockets   (make bench-ws)
      Starts the optimised build/concierge serve (its open-file soft limit
      set to 1,024 first, as a login shell or a plain service would have it,
      so the server must raise it itself), then build/bench/wsload opens
      WS_SOCKETS websockets (2,000) to the web chat, keeps them open and has
      every visitor talk (send a line, wait for its ack and the bot's answer,
      think WS_THINK_MS, repeat; a mix of intakes, questions, complaints) for
      WS_DURATION seconds (60). Prints the latency from a line's send to its
      ack, acks/s, errors and the server's memory, with the targets.

  bench/ws.py dialogs   (make bench-dialogs)
      Builds a database with DIALOGS_OPEN open dialogs (1,000,000): real
      intakes are driven through the generic webhook, each stopped after
      one to six of its seven lines, and their session rows (what the
      engine saved mid-intake) are the templates; the generator writes one
      row per resident from them, with their own details, touched within the
      last twenty minutes (session_minutes is 30). Then starts the server on
      it and measures its memory at start and after DIALOGS_EXERCISED
      residents (10,000), picked at random, each send the next line of their
      dialog through the webhook. Prints memory, start-up time, the
      webhook's latency, with the target (<= 64 MB RSS).

Environment: WS_SOCKETS, WS_DURATION, WS_THINK_MS (MIN-MAX), DIALOGS_OPEN,
DIALOGS_EXERCISED, BENCH_KEEP=1 keeps the work directory.
"""
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "scenario"))
import gateway  # noqa: E402

BIN = os.environ.get("CONCIERGE_BIN", os.path.join(ROOT, "build", "concierge"))
WSLOAD = os.path.join(ROOT, "build", "bench", "wsload")
SECRET = "bench-secret"
# The README's request as a resident types it, then the confirmation.
INTAKE = ["/repair", "厨房水管漏水", "3-2-501", "李伟", "13800138000", "明天上午", "yes"]


def proc_status(pid):
    """VmRSS, VmHWM (KiB) of PID."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                out[k] = int(v.split()[0])
    return out


def cpu_seconds(pid):
    """User + system CPU time of PID so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_files_limit(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                return line.split()[3]
    return "?"


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return "%d cores, %s" % (os.cpu_count(), model)


def mib(kib):
    return kib / 1024.0


def verdict(ok):
    return "ok" if ok else "MISSED"


def start_gateway(changes, workdir=None):
    gateway.BIN = BIN
    gw = gateway.Gateway(changes, workdir=workdir, env={"CONCIERGE_LOG": "warn"})
    t0 = time.perf_counter()
    gw.start(timeout=120)
    gw.start_s = time.perf_counter() - t0
    return gw


# ---- web chat sockets ------------------------------------------------------------------

def bench_sockets():
    sockets = int(os.environ.get("WS_SOCKETS", "2000"))
    duration = int(os.environ.get("WS_DURATION", "60"))
    think = os.environ.get("WS_THINK_MS", "5000-20000")
    for path in (BIN, WSLOAD):
        if not os.access(path, os.X_OK):
            print("bench-ws: %s is missing (make build/concierge build/bench/wsload)" % path)
            return 2
    # As a shell or a service starts it: 1,024 files. The server raises its own limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, hard), hard))
    # every page comes from one loopback address: the per-address pace is for the public
    gw = start_gateway({"channels": {"web": {"address_pace": 0}}})
    try:
        limit = open_files_limit(gw.proc.pid)
        print("web chat sockets: %d websockets for %d s, think time %s ms; %s" %
              (sockets, duration, think, machine()))
        print("  server open files   %s allowed (started with a soft limit of 1024)" % limit)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        run = subprocess.run([WSLOAD, "--port", str(gw.port), "--pid", str(gw.proc.pid),
                              "--sockets", str(sockets), "--duration", str(duration),
                              "--think-ms", think],
                             stdout=subprocess.PIPE, text=True)
        fig = None
        for line in run.stdout.splitlines():
            if line.startswith("wsload-json: "):
                fig = json.loads(line[len("wsload-json: "):])
            else:
                print("  " + line)
        if not fig:
            print("bench-ws: wsload gave no figures (exit %d)" % run.returncode)
            return 1
        ok_open = fig["open"] == sockets
        ok_p99 = fig["p99_ms"] <= 10.0
        ok_err = fig["errors"] == 0
        print("web chat sockets, against the targets:")
        print("  sockets open        %d of %d  [%s]" % (fig["open"], sockets, verdict(ok_open)))
        print("  send -> ack         p50 %.2f ms, p99 %.2f ms (target <= 10 ms) [%s], "
              "p99.9 %.2f ms" % (fig["p50_ms"], fig["p99_ms"], verdict(ok_p99), fig["p999_ms"]))
        print("  acks                %.0f/s, %d errors  [%s]" %
              (fig["acks_per_s"], fig["errors"], verdict(ok_err)))
        print("  server memory       %.1f MiB RSS with the sockets open, peak %.1f MiB" %
              (mib(fig["rss_open_kib"]), mib(fig["hwm_kib"])))
        return 0 if ok_open and ok_err else 1
    finally:
        gw.close()


# ---- open dialogs ----------------------------------------------------------------------

class Hook:
    """Signed POSTs to /hooks/generic, one connection each (as many webhook senders do)."""

    def __init__(self, port):
        self.port = port
        self.run = "%x" % random.getrandbits(32)  # message IDs of this run, never a repeat
        self.seq = 0
        self.lock = threading.Lock()

    def say(self, user, text):
        with self.lock:
            self.seq += 1
            mid = "b%s-%d" % (self.run, self.seq)
        body = json.dumps({"id": mid, "user": user, "chat": user, "text": text},
                          ensure_ascii=False).encode()
        sig = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        t0 = time.perf_counter()
        conn.request("POST", "/hooks/generic", body=body,
                     headers={"Content-Type": "application/json",
                              "X-Concierge-Signature": sig})
        resp = conn.getresponse()
        resp.read()
        dt = time.perf_counter() - t0
        conn.close()
        return resp.status, dt


def run_parallel(jobs, fn, threads=8):
    """FN(job) for every job on THREADS threads; the results in order."""
    out = [None] * len(jobs)
    nxt = [0]
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= len(jobs):
                return
            out[i] = fn(jobs[i])

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


GENERIC = {"channels": {"generic": {"enabled": True, "secret": SECRET, "callback_url": None}}}


def capture_templates(workdir):
    """Session rows as real intakes leave them after 1..6 lines: {lines: state JSON}."""
    gw = start_gateway(GENERIC, workdir=workdir)
    try:
        empty_rss = proc_status(gw.proc.pid)["VmRSS"]
        hook = Hook(gw.port)
        for k in range(1, len(INTAKE)):
            user = "tpl-%d" % k
            for text in INTAKE[:k]:
                status, _ = hook.say(user, text)
                assert status == 200, status
        db = sqlite3.connect("file:%s?mode=ro" % gw.config["database"], uri=True)
        rows = dict(db.execute("SELECT person, state FROM sessions WHERE channel = 'generic'"))
        db.close()
        config = gw.config
    finally:
        gw.stop()
    templates = {}
    for k in range(1, len(INTAKE)):
        st = rows.get("tpl-%d" % k)
        if not st or not json.loads(st).get("flow"):
            raise RuntimeError("no open dialog after %d lines: %r" % (k, st))
        templates[k] = json.loads(st)
    return templates, config, empty_rss


NAMES = ["李伟", "王芳", "张敏", "刘洋", "陈静", "杨磊", "赵丽", "黄强", "周杰", "吴霞"]
# Said of the template's item (a water pipe): the dialog's category stays right.
WHATS = ["厨房水管漏水", "卫生间水管漏水", "洗手池下面漏水", "下水道堵了", "马桶堵了",
         "阳台地漏堵了", "水龙头关不紧一直滴水", "暖气片接口漏水"]


def generate(db_path, templates, n, now):
    """N open dialogs, one per resident gen-NNNNNNN, from the templates; their line counts."""
    rnd = random.Random(7)
    keys = sorted(templates)
    lines = []

    def rows():
        for i in range(n):
            k = keys[i % len(keys)]
            st = dict(templates[k])
            # Their own details where the dialog has them already.
            if st.get("description"):
                st["description"] = rnd.choice(WHATS)
            if st.get("room"):
                st["room"] = "%d-%d-%d%02d" % (rnd.randint(1, 30), rnd.randint(1, 4),
                                               rnd.randint(1, 33), rnd.randint(1, 4))
            if st.get("name"):
                st["name"] = rnd.choice(NAMES)
            if st.get("phone"):
                st["phone"] = "13%d%08d" % (rnd.randint(0, 9), rnd.randint(0, 99999999))
            lines.append(k)
            user = "gen-%07d" % i
            yield ("generic", user, user, json.dumps(st, ensure_ascii=False, separators=(",", ":")),
                   now - rnd.randint(0, 20 * 60))

    db = sqlite3.connect(db_path)
    db.execute("PRAGMA synchronous = OFF")
    with db:
        db.executemany("INSERT OR REPLACE INTO sessions (channel, chat, person, state, updated_at)"
                       " VALUES (?, ?, ?, ?, ?)", rows())
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return lines


def bench_dialogs():
    n = int(os.environ.get("DIALOGS_OPEN", "1000000"))
    exercised = int(os.environ.get("DIALOGS_EXERCISED", "10000"))
    if not os.access(BIN, os.X_OK):
        print("bench-dialogs: %s is missing (make build/concierge)" % BIN)
        return 2
    workdir = tempfile.mkdtemp(prefix="concierge-dialogs-")
    try:
        templates, config, empty_rss = capture_templates(workdir)
        db_path = config["database"]
        t0 = time.perf_counter()
        lines = generate(db_path, templates, n, int(time.time()))
        gen_s = time.perf_counter() - t0
        size = sum(os.path.getsize(db_path + s) for s in ("", "-wal")
                   if os.path.exists(db_path + s))
        print("open dialogs: %d sessions (%.0f MiB database, generated in %.0f s); %s" %
              (n, size / 1048576.0, gen_s, machine()))

        gw = start_gateway(GENERIC, workdir=workdir)
        try:
            time.sleep(1.0)  # the first tick and delivery round have run
            at_start = proc_status(gw.proc.pid)
            _, health = gw.get_json("/healthz")
            hook = Hook(gw.port)
            rnd = random.Random(11)
            picked = rnd.sample(range(n), min(exercised, n))
            jobs = [("gen-%07d" % i, INTAKE[lines[i]]) for i in picked]
            t1 = time.perf_counter()
            cpu0 = cpu_seconds(gw.proc.pid)
            results = run_parallel(jobs, lambda j: hook.say(*j))
            wall = time.perf_counter() - t1
            cpu = cpu_seconds(gw.proc.pid) - cpu0
            after = proc_status(gw.proc.pid)
            # A scrape of /metrics, as Prometheus does (it counts the open dialogs).
            scrapes = []
            for _ in range(3):
                t2 = time.perf_counter()
                status, _, _ = gw.request("GET", "/metrics")
                scrapes.append((time.perf_counter() - t2) * 1000)
            scrape_ms = sorted(scrapes)[1] if status == 200 else -1
            errors = sum(1 for s, _ in results if s != 200)
            lat = sorted(dt for _, dt in results)
            q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000  # noqa: E731
            db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
            filed = db.execute("SELECT count(*) FROM orders").fetchone()[0]
            still = db.execute("SELECT count(*) FROM sessions").fetchone()[0]
            db.close()
            expect_filed = sum(1 for i in picked if lines[i] == len(INTAKE) - 1)
        finally:
            gw.stop()
        ok_mem = after["VmHWM"] <= 64 * 1024
        print("  start-up            %.0f ms to 'listening' (with the process start)" %
              (gw.start_s * 1000))
        print("  server memory       %.1f MiB RSS on an empty database" % mib(empty_rss))
        print("                      %.1f MiB RSS at start with %d open dialogs "
              "(anon %.1f, file %.1f, shmem %.1f)" %
              (mib(at_start["VmRSS"]), n, mib(at_start["RssAnon"]), mib(at_start["RssFile"]),
               mib(at_start["RssShmem"])))
        print("                      %.1f MiB RSS after %d of them went on, peak %.1f MiB "
              "(target <= 64 MiB) [%s]" %
              (mib(after["VmRSS"]), exercised, mib(after["VmHWM"]), verdict(ok_mem)))
        print("  webhook             %d lines in %.1f s = %.0f/s (8 clients), p50 %.1f ms, "
              "p99 %.1f ms, %d errors" %
              (len(lat), wall, len(lat) / wall, q(0.5), q(0.99), errors))
        print("  server CPU          %.2f ms a line (user + system)" % (cpu * 1000 / len(lat)))
        print("  GET /metrics        %.0f ms (the server does nothing else meanwhile)" % scrape_ms)
        print("  dialogs             %d orders filed (%d expected), %d sessions left open" %
              (filed, expect_filed, still))
        if health.get("status") not in (None, "ok"):
            print("  health              %s" % health.get("status"))
        return 0 if ok_mem and not errors and filed == expect_filed else 1
    finally:
        if os.environ.get("BENCH_KEEP"):
            print("  (work directory kept: %s)" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "sockets":
        return bench_sockets()
    if what == "dialogs":
        return bench_dialogs()
    print("usage: bench/ws.py sockets|dialogs")
    return 2


if __name__ == "__main__":
    sys.exit(main())
