#!/usr/bin/env python3
"""fake_callback.py - a fake receiver for the generic webhook channel's replies.

The generic channel POSTs every message the bot sends to the configured
callback_url, signed with HMAC-SHA256 of the raw body in the header
X-Concierge-Signature: sha256=<hex>. This server records each call (raw
body, headers, whether the signature verifies under the secret) and answers
with whatever the test asked for: 200 by default, or a scripted sequence of
statuses (500 then 200, 400, 429 with Retry-After, ...).

Standard library only. In-process from a test:

    from fake_callback import FakeCallback
    with FakeCallback(secret="s3cret") as cb:
        cb.url                      # the callback_url for the configuration
        cb.answer(500, 200)         # the next calls answer 500, then 200
        cb.wait_calls(1)            # blocks until that many calls arrived
        cb.calls                    # [{"body", "json", "headers", "sig_ok", "status"}]

Or as a program (prints "fake callback listening on http://127.0.0.1:PORT/cb"):

    python3 tests/fake_callback.py --port 0 --secret s3cret
"""
import argparse
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SIG_HEADER = "x-concierge-signature"


def sign(secret, body):
    """The header value the channel uses: sha256=<hex HMAC-SHA256(secret, body)>."""
    if isinstance(secret, str):
        secret = secret.encode()
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


class FakeCallback:
    def __init__(self, secret, path="/cb", host="127.0.0.1", port=0):
        self.secret = secret
        self.path = path
        self.calls = []
        self.script = []  # statuses for the next calls, then 200
        self.cond = threading.Condition()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                owner._record(self, body)

            def do_GET(self):
                self._send(405, b'{"ok":false}')

            def _send(self, status, data, extra=None):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = "http://%s:%d%s" % (host, self.port, path)
        self.thread = None

    def _record(self, handler, body):
        headers = {k.lower(): v for k, v in handler.headers.items()}
        got = headers.get(SIG_HEADER, "")
        sig_ok = bool(got) and hmac.compare_digest(got, sign(self.secret, body))
        try:
            parsed = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            parsed = None
        with self.cond:
            status, extra = 200, {}
            if self.script:
                status = self.script.pop(0)
                if isinstance(status, tuple):
                    status, extra = status
            if handler.path != self.path:
                status = 404
            self.calls.append({"path": handler.path, "body": body, "json": parsed,
                               "headers": headers, "sig_ok": sig_ok, "status": status,
                               "at": time.time()})
            self.cond.notify_all()
        handler._send(status, b'{"ok":true}' if status < 300 else b'{"ok":false}', extra)

    def answer(self, *statuses):
        """The next calls answer these statuses in turn (an int, or (int, {header: value}));
        later calls answer 200."""
        with self.cond:
            self.script = list(statuses)

    def wait_calls(self, n, timeout=15):
        """Waits until at least N calls arrived; returns the list of calls."""
        deadline = time.time() + timeout
        with self.cond:
            while len(self.calls) < n:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("expected %d callback calls, got %d: %r"
                                         % (n, len(self.calls), self.texts()))
                self.cond.wait(left)
            return list(self.calls)

    def texts(self, chat=None):
        """The text of each delivered (answered 2xx) message, optionally to one chat."""
        with self.cond:
            return [c["json"]["text"] for c in self.calls
                    if c["json"] and c["status"] < 300 and (chat is None or c["json"].get("chat") == chat)]

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--path", default="/cb")
    args = ap.parse_args()
    cb = FakeCallback(args.secret, path=args.path, port=args.port)
    print("fake callback listening on %s" % cb.url, flush=True)
    try:
        cb.httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
