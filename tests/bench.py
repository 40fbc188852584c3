#!/usr/bin/env python3
"""`make bench`: how fast and how big Concierge is, as figures.

Starts the optimised build/concierge serve on a loopback port with the
generic webhook on, then CLIENTS concurrent clients each file whole orders
(the seven messages of an intake) through signed POST /hooks/generic calls.
Prints messages per second, latency percentiles, the server's peak memory,
the database size, and how long `orders list --json` takes over the result.
Environment: BENCH_CLIENTS (default 8), BENCH_ORDERS per client (default 100).
"""
import hashlib
import hmac
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "scenario"))
import gateway  # noqa: E402

SECRET = "bench-secret"
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
ORDERS = int(os.environ.get("BENCH_ORDERS", "100"))
INTAKE = ["/repair", "厨房水管漏水", "3-2-501", "李伟", "13800138000", "明天上午", "yes"]


def client(gw, n, lat, errors):
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=30)
    seq = 0
    for k in range(ORDERS):
        user = "bench-%d-%d" % (n, k)
        for text in INTAKE:
            seq += 1
            body = json.dumps({"id": "%s-%d" % (user, seq), "user": user, "chat": user,
                               "text": text}, ensure_ascii=False).encode()
            sig = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            t0 = time.perf_counter()
            conn.request("POST", "/hooks/generic", body=body,
                         headers={"Content-Type": "application/json",
                                  "X-Concierge-Signature": sig})
            resp = conn.getresponse()
            resp.read()
            lat.append(time.perf_counter() - t0)
            if resp.status != 200:
                errors.append(resp.status)
    conn.close()


def peak_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main():
    os.environ.setdefault("CONCIERGE_BIN", os.path.join(gateway.ROOT, "build", "concierge"))
    gateway.BIN = os.environ["CONCIERGE_BIN"]
    gw = gateway.Gateway({"channels": {"generic": {"enabled": True, "secret": SECRET,
                                                   "callback_url": None}}},
                         env={"CONCIERGE_LOG": "warn"})
    gw.start()
    try:
        idle_rss = peak_rss_kib(gw.proc.pid)
        lat, errors, threads = [], [], []
        t0 = time.perf_counter()
        for n in range(CLIENTS):
            t = threading.Thread(target=client, args=(gw, n, lat, errors))
            t.start()
            threads.append(t)
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        rss = peak_rss_kib(gw.proc.pid)
        _, health = gw.get_json("/healthz")
        t1 = time.perf_counter()
        orders = gw.orders()
        list_s = time.perf_counter() - t1
        db = gw.config["database"]
        size = sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))
        lat.sort()
        q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000  # noqa: E731
        print("concierge bench: %d clients x %d orders x %d messages" %
              (CLIENTS, ORDERS, len(INTAKE)))
        print("  messages            %d in %.2f s = %.0f messages/s (%d errors)" %
              (len(lat), wall, len(lat) / wall, len(errors)))
        print("  orders filed        %d = %.0f orders/s" % (len(orders), len(orders) / wall))
        print("  latency             p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms" %
              (q(0.5), q(0.9), q(0.99), lat[-1] * 1000))
        print("  server memory       %.1f MiB idle, %.1f MiB peak (VmHWM)" %
              (idle_rss / 1024, rss / 1024))
        print("  database            %.1f MiB (with WAL)" % (size / 1048576))
        print("  orders list --json  %.0f ms for %d orders" % (list_s * 1000, len(orders)))
        print("  group commit        %d messages in %d transactions (%.1f per commit)" %
              (health["handled"], health["commits"],
               health["handled"] / max(1, health["commits"])))
        print("  outbox pending      %s (replies wait: no callback_url in the bench)" %
              health["outbox"]["pending"])
        if errors or len(orders) != CLIENTS * ORDERS:
            print("bench: FAILED (errors or missing orders)")
            return 1
        return 0
    finally:
        gw.close()


if __name__ == "__main__":
    sys.exit(main())
