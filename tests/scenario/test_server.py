"""The gateway as an operator sees it: `concierge serve` on a loopback port.

Each test starts the real server (the sanitizer build) with its own
configuration and database, and checks what someone running it would check:
the startup line, /healthz, the answers to wrong requests, a clean stop on
SIGTERM, and that bad command lines and configurations are refused with a
reason.
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from fake_callback import sign  # noqa: E402
from gateway import BIN, Gateway, example_config  # noqa: E402

SECRET = "s3cret"


class Server(unittest.TestCase):
    def start(self, changes=None):
        gw = Gateway(changes)
        self.addCleanup(gw.close)
        return gw.start()

    def test_listening_line(self):
        gw = self.start()
        self.assertRegex(gw.listen_line, r"listening on http://127\.0\.0\.1:%d\b" % gw.port)
        self.assertNotEqual(gw.port, 0)
        self.assertEqual(gw.stop(), 0)
        gw.assert_clean(self)

    def test_healthz(self):
        gw = self.start()
        status, headers, body = gw.request("GET", "/healthz")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("application/json"), headers)
        h = json.loads(body)
        self.assertEqual(h["database"], "ok")
        self.assertEqual(h["channels"]["web"]["state"], "on")
        self.assertEqual(h["channels"]["telegram"]["state"], "off")
        self.assertEqual(h["channels"]["generic"]["state"], "off")
        self.assertIsInstance(h["outbox"]["pending"], int)
        self.assertNotIsInstance(h["outbox"]["pending"], bool)
        self.assertEqual(h["outbox"]["pending"], 0)
        self.assertEqual(h["outbox"]["by_channel"], {})
        self.assertEqual(gw.stop(), 0)
        gw.assert_clean(self)

    def test_healthz_outbox_per_channel(self):
        """An operator sees which queue holds what: a terminal resident's
        replies wait for that resident, dispatch pings for each staff member."""
        gw = self.start()
        rc, _, err = gw.cli("chat", "--as", "resident:li", stdin="/repair\n厨房水管漏水\n"
                            "3-2-501\n李伟\n13800138000\n尽快\nyes\n")
        self.assertEqual(rc, 0, err)
        _, h = gw.get_json("/healthz")
        by = h["outbox"]["by_channel"]
        # A plumbing job pings the plumber (wang) and the supervisor (zhao).
        staff = 2
        self.assertEqual(by["terminal"], {"pending": staff, "dead": 0})
        self.assertEqual(h["outbox"]["pending"], sum(c["pending"] for c in by.values()))
        rc, out, _ = gw.cli("chat", "--as", "staff:wang", stdin="")
        self.assertIn("【新工单】", out)
        _, h = gw.get_json("/healthz")
        self.assertEqual(h["outbox"]["by_channel"]["terminal"]["pending"], staff - 1)
        self.assertEqual(gw.stop(), 0)
        gw.assert_clean(self)

    def test_pipelined_requests_do_not_stall(self):
        """Two requests in one write (pipelining), the second with a body: every
        answer is whole, a request behind a body is answered or hung up on, and
        the server does not spin, stays responsive and stops cleanly.
        (libwebsockets 4.1 spins on a pipelined request when the connection is
        kept alive.)"""
        gw = self.start({"channels": {"generic": {"enabled": True, "secret": "s3cret",
                                                  "callback_url": "http://127.0.0.1:9/cb"}}})
        cases = [
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" +
            b"POST /hooks/generic HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
            (b"POST /hooks/generic HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}") * 2,
            b"POST /hooks/nope HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}" +
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        ]
        def cpu_ticks():
            with open("/proc/%d/stat" % gw.proc.pid) as f:
                v = f.read().split()
            return int(v[13]) + int(v[14])

        for data in cases:
            s = socket.create_connection(("127.0.0.1", gw.port), timeout=2)
            ticks = cpu_ticks()
            s.sendall(data)
            out = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break  # the server hung up
                    out += chunk
            except socket.timeout:
                pass  # kept open: every request it read was answered
            # no spinning while the connection is open (2 s at most)
            self.assertLess(cpu_ticks() - ticks, 50, "the server spins on the connection")
            s.close()
            # each answer whole (a health page, a refused signature, an unknown hook);
            # a request behind a body may be answered or hung up on, never half
            n = 0
            while out:
                self.assertRegex(out, rb"^HTTP/1\.1 (200|401|404) ", out[:200])
                head, _, rest = out.partition(b"\r\n\r\n")
                length = re.search(rb"(?im)^content-length: *(\d+)", head)
                self.assertTrue(length and len(rest) >= int(length.group(1)), out[:400])
                out = rest[int(length.group(1)):]
                n += 1
            self.assertLessEqual(n, 2)
            status, _ = gw.get_json("/healthz")
            self.assertEqual(status, 200)
        with open("/proc/%d/stat" % gw.proc.pid) as f:
            v = f.read().split()
        cpu0 = int(v[13]) + int(v[14])
        time.sleep(1)
        with open("/proc/%d/stat" % gw.proc.pid) as f:
            v = f.read().split()
        self.assertLess(int(v[13]) + int(v[14]) - cpu0, 30, "the server spins while idle")
        self.assertEqual(gw.stop(timeout=5), 0)
        gw.assert_clean(self)

    def test_requests_one_after_another_share_a_connection(self):
        """A client that waits for each answer (as every platform's webhook does)
        keeps its connection: three calls, one connection, each answered."""
        gw = self.start({"channels": {"generic": {"enabled": True, "secret": "s3cret",
                                                  "callback_url": "http://127.0.0.1:9/cb"}}})
        conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=5)
        socks = set()
        for i in range(3):
            body = json.dumps({"id": "ka-%d" % i, "user": "u1", "chat": "c1",
                               "text": "/help"}).encode()
            conn.request("POST", "/hooks/generic", body,
                         {"Content-Type": "application/json",
                          "X-Concierge-Signature": sign("s3cret", body)})
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200, resp.read())
            resp.read()
            self.assertNotEqual((resp.getheader("connection") or "").lower(), "close")
            socks.add(conn.sock.getsockname())
        self.assertEqual(len(socks), 1)
        conn.request("GET", "/healthz")
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        resp.read()
        conn.close()
        self.assertEqual(gw.stop(), 0)
        gw.assert_clean(self)

    def test_wrong_requests(self):
        gw = self.start()
        status, headers, body = gw.request("GET", "/no/such/page")
        self.assertEqual(status, 404)
        status, headers, body = gw.request("GET", "/hooks/telegram")
        self.assertEqual(status, 405)
        # A hook that is switched off does not exist, with or without a body.
        for body in (None, b'{"id":"1","user":"u","chat":"c","text":"hi"}'):
            status, _, answer = gw.request("POST", "/hooks/generic", body,
                                           {"Content-Type": "application/json"})
            self.assertEqual(status, 404, answer)
        status, _, answer = gw.request("POST", "/hooks/telegram", b'{"update_id":1}')
        self.assertEqual(status, 404, answer)
        status, _, answer = gw.request("POST", "/hooks/nothing-here", b"{}")
        self.assertEqual(status, 404, answer)
        # The server still answers properly afterwards.
        status, _ = gw.get_json("/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(gw.stop(), 0)
        gw.assert_clean(self)

    def test_web_switched_off(self):
        gw = self.start({"channels": {"web": {"enabled": False}}})
        status, headers, _ = gw.request("GET", "/")
        self.assertEqual(status, 404)
        self.assertNotIn("set-cookie", headers)
        _, h = gw.get_json("/healthz")
        self.assertEqual(h["channels"]["web"]["state"], "off")
        from gateway import WebSocket
        with self.assertRaises(ConnectionError):
            WebSocket("127.0.0.1", gw.port, "/ws/chat")
        self.assertEqual(gw.stop(), 0)
        gw.assert_clean(self)

    def test_keepalive_after_refused_post(self):
        """A refused POST with a body does not leave its body to be read as the next request."""
        gw = self.start()
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
        for path in ("/hooks/generic", "/no/such/page", "/hooks/telegram"):
            conn.request("POST", path, body=b"x" * 5000, headers={"Content-Type": "text/plain"})
            resp = conn.getresponse()
            resp.read()
            self.assertIn(resp.status, (404, 405), path)
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200, path)
            self.assertEqual(json.loads(resp.read())["database"], "ok")
        # HEAD answers the headers only, so the next answer on the connection is intact.
        for path in ("/", "/healthz", "/no/such/page"):
            conn.request("HEAD", path)
            resp = conn.getresponse()
            self.assertEqual(resp.read(), b"")
            self.assertIn(resp.status, (200, 404), path)
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200, path)
            self.assertEqual(json.loads(resp.read())["database"], "ok")
        conn.close()
        self.assertEqual(gw.stop(), 0)
        gw.assert_clean(self)

    def test_sigterm_with_open_websocket(self):
        gw = self.start()
        page = gw.web()
        page.connect()
        self.addCleanup(page.close)
        t0 = time.time()
        rc = gw.stop(signal.SIGTERM, timeout=10)
        took = time.time() - t0
        self.assertEqual(rc, 0)
        self.assertLess(took, 5.0, "SIGTERM took %.1fs" % took)
        self.assertRegex(gw.stderr(), r"server: stop")
        self.assertIn("stopped", gw.stderr())
        gw.assert_clean(self)

    def test_sigterm_idle(self):
        gw = self.start()
        t0 = time.time()
        self.assertEqual(gw.stop(signal.SIGINT, timeout=10), 0)
        self.assertLess(time.time() - t0, 5.0)
        self.assertIn("stopped", gw.stderr())
        gw.assert_clean(self)

    def test_body_over_the_cap(self):
        gw = self.start({"channels": {"generic": {"enabled": True, "secret": SECRET,
                                                  "callback_url": "http://127.0.0.1:9/cb"}}})
        text = "漏水" * 200000  # well over the cap, and validly signed
        body = json.dumps({"id": "big-1", "user": "u1", "chat": "c1",
                           "text": "/repair " + text}, ensure_ascii=False).encode()
        self.assertGreater(len(body), 1024 * 1024)
        status, _, answer = gw.request("POST", "/hooks/generic", body,
                                       {"Content-Type": "application/json",
                                        "X-Concierge-Signature": sign(SECRET, body)})
        self.assertEqual(status, 413, answer)
        self.assertEqual(gw.orders(), [])
        self.assertEqual(gw.outbox(), [])
        self.assertEqual(gw.outbox(dead=True), [])
        status, h = gw.get_json("/healthz")
        self.assertEqual(h.get("handled"), 0)
        self.assertEqual(gw.stop(), 0)
        gw.assert_clean(self)

    def test_listen_loopback_only(self):
        """--listen 127.0.0.1:PORT listens on the loopback address and nowhere else
        (not on every interface of both families)."""
        gw = self.start()
        mine = []
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with open(table) as f:
                for line in f.readlines()[1:]:
                    local, state = line.split()[1], line.split()[3]
                    addr, port = local.split(":")
                    if state == "0A" and int(port, 16) == gw.port:  # 0A: LISTEN
                        mine.append((table, addr))
        self.assertEqual(mine, [("/proc/net/tcp", "0100007F")])  # 127.0.0.1, little-endian
        self.assertEqual(gw.stop(), 0)

    def test_listen_ipv6(self):
        import socket
        try:
            probe = socket.socket(socket.AF_INET6)
            probe.bind(("::1", 0))
            probe.close()
        except OSError:
            self.skipTest("no IPv6 loopback here")
        d = tempfile.mkdtemp(prefix="concierge-it-")
        self.addCleanup(shutil.rmtree, d, True)
        cfg = os.path.join(HERE, "..", "..", "config.example.json")
        p = subprocess.Popen([BIN, "--config", cfg, "--db", os.path.join(d, "c.db"), "serve",
                              "--listen", "[::1]:0"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        try:
            line = p.stdout.readline().decode()
            m = re.search(r"listening on http://\[::1\]:(\d+)", line)
            self.assertTrue(m, line)
            import http.client
            conn = http.client.HTTPConnection("::1", int(m.group(1)), timeout=5)
            conn.request("GET", "/healthz")
            self.assertEqual(conn.getresponse().status, 200)
            conn.close()
        finally:
            p.send_signal(signal.SIGTERM)
            out, err = p.communicate(timeout=10)
        self.assertEqual(p.returncode, 0)
        self.assertNotIn("Sanitizer", err.decode())

    def test_bad_listen(self):
        d = tempfile.mkdtemp(prefix="concierge-it-")
        self.addCleanup(shutil.rmtree, d, True)
        db = os.path.join(d, "c.db")
        cfg = os.path.join(HERE, "..", "..", "config.example.json")
        for bad in ("nonsense", "127.0.0.1:99999", "127.0.0.1:", "127.0.0.1:80x", "127.0.0.1:-1"):
            p = subprocess.run([BIN, "--config", cfg, "--db", db, "serve", "--listen", bad],
                               capture_output=True, timeout=20)
            err = p.stderr.decode()
            self.assertEqual(p.returncode, 2, "%s: %s %s" % (bad, p.stdout, err))
            self.assertIn("--listen", err)
            self.assertIn(bad, err)
            self.assertNotIn("listening on", p.stdout.decode())
            self.assertNotIn("Sanitizer", err)
        p = subprocess.run([BIN, "--config", cfg, "--db", db, "serve", "--listen"],
                           capture_output=True, timeout=20)
        self.assertEqual(p.returncode, 2)
        self.assertIn("usage", p.stderr.decode())

    def test_listen_in_use(self):
        gw = self.start()
        d = tempfile.mkdtemp(prefix="concierge-it-")
        self.addCleanup(shutil.rmtree, d, True)
        cfg = os.path.join(HERE, "..", "..", "config.example.json")
        p = subprocess.run([BIN, "--config", cfg, "--db", os.path.join(d, "c.db"), "serve",
                            "--listen", "127.0.0.1:%d" % gw.port],
                           capture_output=True, timeout=20)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("127.0.0.1:%d" % gw.port, p.stderr.decode())
        self.assertNotIn("listening on", p.stdout.decode())
        self.assertNotIn("Sanitizer", p.stderr.decode())

    def test_bad_config(self):
        d = tempfile.mkdtemp(prefix="concierge-it-")
        self.addCleanup(shutil.rmtree, d, True)
        # Not JSON at all.
        path = os.path.join(d, "broken.json")
        with open(path, "w") as f:
            f.write('{"database": ')
        p = subprocess.run([BIN, "--config", path, "serve", "--listen", "127.0.0.1:0"],
                           capture_output=True, timeout=20)
        err = p.stderr.decode()
        self.assertNotEqual(p.returncode, 0)
        self.assertRegex(err, re.escape(path) + r":\S*\s*\w+")  # the path, then why
        self.assertNotIn("listening on", p.stdout.decode())
        # JSON, but a staff member without an id.
        cfg = example_config()
        cfg["database"] = os.path.join(d, "c.db")
        del cfg["staff"][1]["id"]
        path = os.path.join(d, "config.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        p = subprocess.run([BIN, "--config", path, "serve", "--listen", "127.0.0.1:0"],
                           capture_output=True, timeout=20)
        err = p.stderr.decode()
        self.assertNotEqual(p.returncode, 0)
        self.assertRegex(err, re.escape(path) + r".*staff\[1\]\.id")
        self.assertNotIn("listening on", p.stdout.decode())
        self.assertNotIn("Sanitizer", err)
        self.assertFalse(os.path.exists(os.path.join(d, "c.db")), "a refused start created the database")


if __name__ == "__main__":
    unittest.main()
