"""Starts the real `concierge serve` for integration tests, and speaks to it.

Gateway(config_changes) writes a configuration (config.example.json with
changes applied), starts build/asan/concierge serve on a free loopback port,
waits for its "listening on" line and offers HTTP helpers, a minimal
RFC 6455 websocket client for the web chat, and the store's CLI views.

Gateway(..., clock=True) gives the gateway (and every `cli` process) a clock
the test moves, starting at the real time or at NOW (Unix seconds) when
given: the time is kept in the file <workdir>/clock, read through
CONCIERGE_NOW=@FILE (see lib/clock.h). gw.now() is the gateway's time and
gw.advance(seconds) moves it forward at once - wall clock and monotonic
clock together, so waits, windows and backoffs end without sleeping (it
returns once the gateway reads the new time: 30 ms, just over its re-check).
Python standard library only.
"""
import base64
import copy
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import unittest
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("CONCIERGE_BIN", os.path.join(ROOT, "build", "asan", "concierge"))

# The README's repair request as a resident types it, up to the confirmation, and
# what the bot says on the way (the example configuration's Chinese texts).
INTAKE = ["/repair", "厨房水管漏水", "3-2-501", "李伟", "13800138000", "今天下午3点"]
ORDER_RE = re.compile(r"\d{6}-\d{3,}")
ASK_DESCRIPTION = "请简单描述一下需要什么服务"
ASK_ROOM = "请问您的房号"
ASK_NAME = "请问怎么称呼您"
SUMMARY = "请核对您的需求"
CREATED = "已为您登记，工单号"
PING = "【新工单】"


# A mainland mobile number whole (logs show them masked, 138****8000).
FULL_PHONE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
# Configuration keys whose values are credentials.
SECRET_KEY = re.compile(r"token|secret|password|aes_key|^key$", re.I)


# The gateway looks at its clock file at most every 20 ms (FILE_RECHECK_MS in
# lib/clock.c); advance() lets a little more than that pass, so the move is seen.
CLOCK_RECHECK = 0.03


def tiny_png(rgb=(200, 30, 30)):
    """A valid 1x1 PNG of colour RGB (IHDR, IDAT, IEND with their CRCs)."""
    def chunk(kind, body):
        return (struct.pack("!I", len(body)) + kind + body
                + struct.pack("!I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    ihdr = struct.pack("!IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" + bytes(rgb))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def tiny_jpeg():
    """A valid 1x1 grey baseline JPEG: one block, DC and AC tables of one code each."""
    dqt = b"\xff\xdb\x00\x43\x00" + b"\x01" * 64
    sof = b"\xff\xc0\x00\x0b\x08\x00\x01\x00\x01\x01\x01\x11\x00"
    dht_dc = b"\xff\xc4\x00\x14\x00" + b"\x01" + b"\x00" * 15 + b"\x00"
    dht_ac = b"\xff\xc4\x00\x14\x10" + b"\x01" + b"\x00" * 15 + b"\x00"
    sos = b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"
    # DC difference 0 (code "0"), then end of block (code "0"), padded with ones.
    return b"\xff\xd8" + dqt + sof + dht_dc + dht_ac + sos + b"\x3f" + b"\xff\xd9"


# A scenario test that reads or changes the SQLite file itself (counts rows in it,
# holds its lock, fills its disk, finds photos beside it): skipped in the
# PostgreSQL lane (CONCIERGE_SCENARIO_PG), where the store's unit tests and the
# other scenarios check the same behaviour.
sqlite_file = unittest.skipIf(bool(os.environ.get("CONCIERGE_SCENARIO_PG")),
                              "reads or changes the SQLite file")


def example_config():
    with open(os.path.join(ROOT, "config.example.json"), encoding="utf-8") as f:
        return json.load(f)


def merge(base, changes):
    out = copy.deepcopy(base)
    for k, v in changes.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = v
    return out


class Gateway:
    def __init__(self, changes=None, workdir=None, env=None, clock=False, now=None,
                 database=None):
        self.dir = workdir or tempfile.mkdtemp(prefix="concierge-it-")
        self.own_dir = workdir is None
        self.config = merge(example_config(), changes or {})
        # DATABASE: a postgresql:// URL (pgserver.py) instead of a file of its own. In
        # run.sh's PostgreSQL lane (CONCIERGE_SCENARIO_PG) every gateway gets a new
        # database on the lane's server.
        if database is None and os.environ.get("CONCIERGE_SCENARIO_PG"):
            import pgserver
            database = pgserver.new_database("s")
        self.config["database"] = database or os.path.join(self.dir, "concierge.db")
        if database and "photos_dir" not in self.config:  # none beside a file then
            self.config["photos_dir"] = os.path.join(self.dir, "photos")
        self.config_path = os.path.join(self.dir, "config.json")
        with open(self.config_path, "w", encoding="utf-8") as f:
            json.dump(self.config, f, ensure_ascii=False, indent=1)
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.clock_path = None
        self._clock_mtime_ns = 0
        if clock:
            self.clock_path = os.path.join(self.dir, "clock")
            self._write_clock(time.time() if now is None else now)
            self.env["CONCIERGE_NOW"] = "@" + self.clock_path
        self.proc = None
        self.log = []
        self.port = None
        self.listen_line = None

    # ---- process ---------------------------------------------------------
    def start(self, timeout=20):
        self.proc = subprocess.Popen(
            [BIN, "--config", self.config_path, "serve", "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env, cwd=self.dir)
        self._err = threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True)
        self._err.start()
        deadline = time.time() + timeout
        line = b""
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = re.search(rb"listening on https?://([0-9.]+):(\d+)", line)
            if m:
                self.port = int(m.group(2))
                self.listen_line = line.decode("utf-8", "replace").strip()
                threading.Thread(target=self._drain, args=(self.proc.stdout,),
                                 daemon=True).start()
                # The gateway started its clock at its first reading of the file,
                # a moment after it was written: written again, it catches up.
                self._sync_clock()
                return self
        raise RuntimeError("server did not start: %r\n%s" % (line, self.stderr()))

    def _drain(self, stream):
        for line in iter(stream.readline, b""):
            self.log.append(line.decode("utf-8", "replace"))

    def stderr(self):
        return "".join(self.log)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if not self.proc:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self._err.join(2)
        self.proc = None
        return rc

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def close(self):
        self.stop()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def secrets(self):
        """Every token, secret and key of the configuration (long enough to be one, and
        not a plain word such as a WeChat token "concierge" that the log says anyway)."""
        found = []

        def walk(v, key=""):
            if isinstance(v, dict):
                for k, x in v.items():
                    walk(x, k)
            elif isinstance(v, list):
                for x in v:
                    walk(x, key)
            elif (isinstance(v, str) and SECRET_KEY.search(key) and len(v) >= 6
                  and not v.startswith("${") and not v.isalpha()):
                found.append(v)
        walk(self.config)
        return found

    def assert_clean(self, testcase):
        """No sanitizer report, no leak report in the server's output, and no
        full phone number or configured secret in its log."""
        text = self.stderr()
        for bad in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            testcase.assertNotIn(bad, text, text[-4000:])
        secrets = self.secrets()
        for line in text.splitlines():
            m = FULL_PHONE.search(line)
            testcase.assertIsNone(m, "a full phone number in the log: %s" % line)
            for secret in secrets:
                testcase.assertNotIn(secret, line, "a secret in the log: %s" % line)

    def finish(self, testcase):
        """A test's end: the server, if it still runs, stops and exits 0, and its
        output is clean (assert_clean)."""
        if self.proc:
            rc = self.stop()
            testcase.assertEqual(rc, 0, self.stderr()[-3000:])
        self.assert_clean(testcase)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    # ---- the clock (clock=True) --------------------------------------------
    def _write_clock(self, t):
        """Writes time T (Unix seconds) to the clock file, atomically, with an
        mtime different from the last one (the program looks at the mtime)."""
        tmp = self.clock_path + ".tmp"
        with open(tmp, "w") as f:
            f.write("%.3f\n" % t)
        self._clock_mtime_ns = max(self._clock_mtime_ns + 1000, time.time_ns())
        os.utime(tmp, ns=(self._clock_mtime_ns, self._clock_mtime_ns))
        os.replace(tmp, self.clock_path)
        # one assignment: fake servers read now() from their own threads
        self._clock = (t, time.monotonic())

    def _sync_clock(self):
        """A process reading the file starts at the time written there: written
        again with the current time, a process started now starts in step."""
        if self.clock_path:
            self._write_clock(self.now())

    def now(self):
        """The gateway's current time in Unix seconds (a float): the time last
        written to its clock file plus the real time since. Without clock=True,
        the system's time."""
        if not self.clock_path:
            return time.time()
        base, at = self._clock
        return base + (time.monotonic() - at)

    def advance(self, seconds):
        """Moves the gateway's clock SECONDS forward and returns the new now(). On
        return the gateway has it: it looks at the file again when it reads its
        clock 20 ms (lib/clock.c's FILE_RECHECK_MS) after its last look, so once
        that much real time has passed since the write, every reading follows it.
        (Without that wait, an update the test sends at once can be handled in
        those 20 ms on the old time.)"""
        if not self.clock_path:
            raise RuntimeError("advance() needs Gateway(..., clock=True)")
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._write_clock(self.now() + seconds)
        time.sleep(CLOCK_RECHECK)
        return self._clock[0]

    # ---- HTTP ------------------------------------------------------------
    def request(self, method, path, body=None, headers=None, timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        conn.request(method, path, body=data, headers=headers or {})
        resp = conn.getresponse()
        out = resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), resp.read()
        conn.close()
        return out

    def get_json(self, path):
        status, _, body = self.request("GET", path)
        return status, json.loads(body)

    # ---- CLI views on the same database ------------------------------------
    def cli(self, *args, stdin=None, env=None):
        e = dict(self.env)
        e.update(env or {})
        self._sync_clock()
        p = subprocess.run([BIN, "--config", self.config_path] + list(args),
                           input=stdin.encode() if isinstance(stdin, str) else stdin,
                           capture_output=True, env=e, cwd=self.dir, timeout=60)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def orders(self, status=None):
        args = ["orders", "list", "--json"] + (["--status", status] if status else [])
        rc, out, err = self.cli(*args)
        if rc != 0:
            raise RuntimeError(err)
        return json.loads(out)

    def order(self, number):
        rc, out, err = self.cli("orders", "show", number, "--json")
        if rc != 0:
            raise RuntimeError(err)
        return json.loads(out)

    def outbox(self, dead=False):
        rc, out, err = self.cli("outbox", "list", "--json", *(["--dead"] if dead else []))
        if rc != 0:
            raise RuntimeError(err)
        return json.loads(out)

    def wait(self, predicate, timeout=15, what="condition"):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(0.1)
        raise AssertionError("timed out waiting for %s (last: %r)\n%s"
                             % (what, last, self.stderr()[-3000:]))

    def assert_readme_order(self, testcase, number, resident_prefix):
        """The one order in the store is the README's repair request, pending,
        filed by a resident whose identity starts with RESIDENT_PREFIX."""
        orders = self.orders()
        testcase.assertEqual([o["number"] for o in orders], [number])
        o = orders[0]
        want = {"status": "pending", "category": "repair", "description": "厨房水管漏水",
                "room": "3-2-501", "contact_name": "李伟", "phone": "13800138000",
                "preferred_time": "今天下午3点"}
        testcase.assertEqual({k: o.get(k) for k in want}, want)
        testcase.assertTrue(o["resident"].startswith(resident_prefix), o["resident"])
        return o

    def web(self, staff_token=None):
        return WebChat(self, staff_token)


class WebSocket:
    """A minimal RFC 6455 client: text frames, masking, ping/pong, close."""

    def __init__(self, host, port, path, headers=None, timeout=10):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET %s HTTP/1.1" % path, "Host: %s:%d" % (host, port),
                 "Upgrade: websocket", "Connection: Upgrade",
                 "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"]
        for k, v in (headers or {}).items():
            lines.append("%s: %s" % (k, v))
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        resp = b""
        while b"\r\n\r\n" not in resp:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during handshake: %r" % resp)
            resp += chunk
        head, self.buf = resp.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise ConnectionError("handshake refused: %r" % head)
        accept = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        if accept not in head:
            raise ConnectionError("bad Sec-WebSocket-Accept")

    def send(self, obj):
        data = (obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)).encode()
        self._frame(0x1, data)

    def _frame(self, op, data):
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            hdr = struct.pack("!BB", 0x80 | op, 0x80 | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", 0x80 | op, 0x80 | 126, n)
        else:
            hdr = struct.pack("!BBQ", 0x80 | op, 0x80 | 127, n)
        # XOR as one big integer: a photo frame is megabytes.
        key = (mask * (n // 4 + 1))[:n]
        masked = (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")
        self.sock.sendall(hdr + mask + masked)

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self, timeout=10):
        """The next text message as JSON; answers pings on the way."""
        self.sock.settimeout(timeout)
        while True:
            b1, b2 = self._read(2)
            op, n = b1 & 0x0F, b2 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            payload = self._read(n)
            if op == 0x9:
                self._frame(0xA, payload)
            elif op == 0x8:
                raise ConnectionError("server closed the websocket")
            elif op == 0x1:
                return json.loads(payload.decode())

    def close(self):
        try:
            self._frame(0x8, b"\x03\xe8")
        except OSError:
            pass
        self.sock.close()


class WebChat:
    """A visitor of the web chat page: loads / for the cookie, then talks."""

    def __init__(self, gw, staff_token=None, cookie=None):
        self.gw = gw
        self.cookie = cookie
        if cookie is None and staff_token is None:
            status, headers, _ = gw.request("GET", "/")
            assert status == 200, status
            self.cookie = headers["set-cookie"].split(";")[0]
        self.staff = staff_token
        self.messages = []
        self.ws = None
        self.seq = 0

    def connect(self, lang="zh"):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        self.ws = WebSocket("127.0.0.1", self.gw.port, "/ws/chat", headers)
        hello = {"type": "hello", "lang": lang}
        if self.staff:
            hello["staff"] = self.staff
        self.ws.send(hello)
        welcome = self.ws.recv()
        assert welcome.get("type") == "welcome", welcome
        self.welcome = welcome
        return welcome

    def say(self, text, data=None, wait_reply=True, timeout=15):
        """Sends a line; returns the bot messages that follow the ack."""
        self.seq += 1
        mid = "t%d-%d" % (os.getpid(), self.seq)
        msg = {"type": "say", "id": mid, "text": text}
        if data is not None:
            msg["data"] = data
        return self._exchange(msg, text, wait_reply, timeout)

    def photo(self, data, mime="image/jpeg", wait_reply=True, timeout=30):
        """Sends BYTES as the page's upload button does; returns the bot's answers."""
        self.seq += 1
        mid = "t%d-%d" % (os.getpid(), self.seq)
        msg = {"type": "photo", "id": mid, "mime": mime,
               "data": base64.b64encode(data).decode()}
        return self._exchange(msg, "a photo of %d bytes" % len(data), wait_reply, timeout)

    def _exchange(self, msg, text, wait_reply, timeout):
        mid = msg["id"]
        self.ws.send(msg)
        got, acked = [], False
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                m = self.ws.recv(timeout=0.6 if (acked and got) else max(0.1, deadline - time.time()))
            except socket.timeout:
                if acked and (got or not wait_reply):
                    break
                continue
            if m.get("type") == "ack" and m.get("id") == mid:
                acked = True
                if not wait_reply:
                    break
            elif m.get("type") == "error":
                raise AssertionError("server refused %r: %r" % (text, m))
            elif m.get("type") == "message":
                got.append(m)
                self.messages.append(m)
        if not acked:
            raise AssertionError("no ack for %r" % text)
        return got

    def close(self):
        if self.ws:
            self.ws.close()
            self.ws = None
