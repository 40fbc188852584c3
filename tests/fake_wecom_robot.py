#!/usr/bin/env python3
"""fake_wecom_robot.py - a fake WeCom (企业微信) group robot webhook for tests.

No machine running the tests reaches qyapi.weixin.qq.com, so the robot
channel is tested against this server on loopback. It checks what the real
webhook checks and answers the way it does (HTTP 200 with an errcode, even
for errors):

    POST /cgi-bin/webhook/send?key=KEY
    Content-Type: application/json
    {"msgtype": "text", "text": {"content": "...", "mentioned_list": [...],
                                 "mentioned_mobile_list": [...]}}
    -> {"errcode": 0, "errmsg": "ok"}

  - only POST (else HTTP 405), only that path (else HTTP 404);
  - the key query parameter is the robot's key, else errcode 93000
    "invalid webhook url";
  - Content-Type application/json and a JSON object, else errcode 40058;
  - msgtype "text", else errcode 40008 "invalid message type";
  - text.content a non-empty string, else errcode 44004 "empty content", of
    at most 2048 bytes of UTF-8, else errcode 45002; the mention lists, when
    present, are lists of strings, else errcode 40058;
  - at most 20 messages in any 60 s per key, on ITS clock (a callable a test
    can share with the gateway's moved clock), else errcode 45009 "api freq
    out of limit". Only messages it took count.

Standard library only. In-process from a test:

    from fake_wecom_robot import FakeWecomRobot
    robot = FakeWecomRobot("the-key", clock=gw.now).start()
    robot.url                    # the api_base for the configuration
    robot.fail(status=500)       # the next call answers HTTP 500
    robot.fail(errcode=45009)    # ... or that errcode
    robot.fail(delay=12)         # ... or answers 12 s late (a timeout)
    robot.fail(hangup=True)      # ... or closes the connection unanswered
    robot.wait_sent(1)           # blocks until a message was taken
    robot.calls                  # [{"time", "real", "json", "status", "errcode", ...}]
    robot.stop()

Or as a program (prints "fake wecom robot listening on http://127.0.0.1:PORT"):

    python3 tests/fake_wecom_robot.py --port 0 --key KEY
"""
import argparse
import itertools
import json
import signal
import sys
import threading
import time
import urllib.parse
import fakehttp

SEND_PATH = "/cgi-bin/webhook/send"
CONTENT_MAX = 2048  # bytes of UTF-8
PER_MINUTE = 20
WINDOW = 60.0

ERRMSG = {
    0: "ok",
    -1: "system busy",
    40008: "invalid message type",
    40058: "invalid Request Parameter",
    44004: "empty content",
    45002: "content size out of limit",
    45009: "api freq out of limit",
    93000: "invalid webhook url",
}

_hints = itertools.count(1)


def platform_errmsg(code, detail=None):
    """The platform's errmsg: the message, then a hint and where to read more."""
    text = ERRMSG.get(code, "error %d" % code)
    if detail:
        text += ": " + detail
    if code == 0:
        return text
    return ("%s, hint: [%d_%d_fake], from ip: 127.0.0.1, more info at "
            "https://open.work.weixin.qq.com/devtool/query?e=%d"
            % (text, int(time.time()), next(_hints), code))


class Hangup(Exception):
    """Close the connection without answering."""


class Refused(Exception):
    """An errcode answer."""

    def __init__(self, code, detail=None):
        super().__init__(code)
        self.code = code
        self.detail = detail


def check_message(obj):
    """Raises Refused for what the real webhook refuses; returns the text object."""
    if not isinstance(obj, dict):
        raise Refused(40058, "the body is not a JSON object")
    if obj.get("msgtype") != "text":
        raise Refused(40008)
    text = obj.get("text")
    if not isinstance(text, dict):
        raise Refused(44004)
    content = text.get("content")
    if not isinstance(content, str) or not content:
        raise Refused(44004)
    if len(content.encode("utf-8")) > CONTENT_MAX:
        raise Refused(45002, "%d bytes" % len(content.encode("utf-8")))
    for name in ("mentioned_list", "mentioned_mobile_list"):
        value = text.get(name)
        if value is not None and (not isinstance(value, list) or
                                  not all(isinstance(v, str) and v for v in value)):
            raise Refused(40058, "%s must be a list of strings" % name)
    return text


class Handler(fakehttp.Handler):
    server_version = "nginx"
    sys_version = ""
    json_type = "application/json; charset=UTF-8"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        if getattr(self.server, "verbose", False):
            sys.stderr.write("fake wecom robot: " + (format % args) + "\n")

    @property
    def robot(self):
        return self.server.robot

    def do_POST(self):
        self.dispatch(self.read_body())

    def do_GET(self):
        self.dispatch(None)

    do_PUT = do_DELETE = do_PATCH = do_GET

    def dispatch(self, body):
        try:
            self.robot._handle(self, body)
        except Hangup:
            self.hang_up()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class FakeWecomRobot:
    """One robot (one key, one group) in a thread of this process.

    url is the api_base to configure; clock (default time.time) is the clock
    its rate window is measured on."""

    def __init__(self, key, clock=None, per_minute=PER_MINUTE, host="127.0.0.1", port=0,
                 verbose=False):
        self.key = key
        self.clock = clock or time.time
        self.per_minute = per_minute
        self.calls = []
        self.failures = []  # scripted answers for the next calls, in order
        self.taken = {}  # key -> clock times of the messages taken
        self.cond = threading.Condition()
        self.server = fakehttp.Server((host, port), Handler, verbose, robot=self)
        self.port = self.server.server_address[1]
        self.url = "http://%s:%d" % (host, self.port)
        self.thread = None

    # ---- serving ---------------------------------------------------------------------

    def _handle(self, handler, body):
        path, _, query = handler.path.partition("?")
        if handler.command != "POST":
            handler.send_json(405, {"errcode": 405, "errmsg": "method not allowed"})
            return
        if path != SEND_PATH:
            handler.send_json(404, {"errcode": 404, "errmsg": "not found"})
            return
        keys = urllib.parse.parse_qs(query, keep_blank_values=True).get("key", [])
        headers = {k.lower(): v for k, v in handler.headers.items()}
        try:
            parsed = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            parsed = None
        call = {"time": self.clock(), "real": time.time(), "path": path,
                "key_ok": keys == [self.key], "headers": headers, "body": body,
                "json": parsed, "status": None, "errcode": None}
        with self.cond:
            failure = None
            if self.failures:
                failure = self.failures[0]
                failure["count"] -= 1
                if failure["count"] <= 0:
                    self.failures.pop(0)
            self.calls.append(call)
        try:
            if failure:
                self._scripted(handler, call, failure, keys)
            else:
                self._real(handler, call, keys, headers, parsed)
        finally:
            with self.cond:
                self.cond.notify_all()

    def _scripted(self, handler, call, f, keys):
        if f.get("delay"):
            time.sleep(float(f["delay"]))
        if f.get("hangup"):
            call["status"] = 0
            raise Hangup()
        code = f.get("errcode")
        if f.get("status") is not None and f["status"] != 200:
            call["status"] = int(f["status"])
            code = -1 if code is None else int(code)
            extra = {} if f.get("retry_after") is None else {"Retry-After": f["retry_after"]}
            handler.send_json(call["status"], {"errcode": code, "errmsg": f.get("errmsg") or
                                               platform_errmsg(code)}, extra)
            return
        if code is not None:
            call["status"], call["errcode"] = 200, int(code)
            handler.send_json(200, {"errcode": call["errcode"],
                                    "errmsg": f.get("errmsg") or platform_errmsg(code)})
            return
        # only a delay: then the real answer
        self._real(handler, call, keys, call["headers"], call["json"])

    def _real(self, handler, call, keys, headers, parsed):
        try:
            if keys != [self.key]:
                raise Refused(93000)
            ctype = headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype != "application/json":
                raise Refused(40058, "Content-Type must be application/json")
            check_message(parsed)
            with self.cond:
                now = self.clock()
                call["time"] = now
                taken = [t for t in self.taken.get(self.key, []) if t > now - WINDOW]
                if len(taken) >= self.per_minute:
                    self.taken[self.key] = taken
                    raise Refused(45009)
                taken.append(now)
                self.taken[self.key] = taken
                call["status"], call["errcode"] = 200, 0
        except Refused as e:
            call["status"], call["errcode"] = 200, e.code
            handler.send_json(200, {"errcode": e.code,
                                    "errmsg": platform_errmsg(e.code, e.detail)})
            return
        handler.send_json(200, {"errcode": 0, "errmsg": "ok"})

    # ---- steering --------------------------------------------------------------------

    def fail(self, status=None, errcode=None, errmsg=None, delay=0, hangup=False, count=1,
             retry_after=None):
        """The next COUNT calls answer HTTP STATUS (with errcode -1, or ERRCODE), or HTTP 200
        with ERRCODE, or close the connection unanswered (HANGUP), after sleeping DELAY
        seconds; a DELAY alone answers as usual, late. Scripts queue up in order."""
        if status is None and errcode is None and not delay and not hangup:
            raise ValueError("fail() needs status, errcode, delay or hangup")
        with self.cond:
            self.failures.append({"status": status, "errcode": errcode, "errmsg": errmsg,
                                  "delay": delay, "hangup": hangup, "count": int(count),
                                  "retry_after": retry_after})

    def reset(self):
        with self.cond:
            self.calls = []
            self.failures = []
            self.taken = {}
            self.cond.notify_all()

    # ---- looking ---------------------------------------------------------------------

    def sent(self):
        """The calls whose message was taken (errcode 0), in order."""
        with self.cond:
            return [dict(c) for c in self.calls if c["errcode"] == 0]

    def texts(self):
        return [c["json"]["text"]["content"] for c in self.sent()]

    def _wait(self, what, n, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                got = what()
                if len(got) >= n:
                    return [dict(c) for c in got]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("expected %d robot calls, got %d: %r"
                                         % (n, len(got), [(c["status"], c["errcode"])
                                                          for c in self.calls]))
                self.cond.wait(min(left, 0.5))

    def wait_calls(self, n, timeout=15):
        """Waits until at least N calls were answered (or hung up); returns them all."""
        return self._wait(lambda: [c for c in self.calls if c["status"] is not None],
                          n, timeout)

    def wait_sent(self, n, timeout=15):
        """Waits until at least N messages were taken; returns them."""
        return self._wait(lambda: [c for c in self.calls if c["errcode"] == 0], n, timeout)

    def most_in_window(self, window=WINDOW):
        """The most messages taken within any WINDOW seconds of the robot's clock."""
        times = sorted(c["time"] for c in self.sent())
        best, j = 0, 0
        for i, t in enumerate(times):
            while times[j] <= t - window:
                j += 1
            best = max(best, i - j + 1)
        return best

    # ---- life ------------------------------------------------------------------------

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       name="fake-wecom-robot", daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main():
    ap = argparse.ArgumentParser(description="A fake WeCom group robot webhook for tests.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--key", required=True)
    ap.add_argument("--per-minute", type=int, default=PER_MINUTE)
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = ap.parse_args()
    robot = FakeWecomRobot(args.key, per_minute=args.per_minute, host=args.host,
                           port=args.port, verbose=args.verbose)
    signal.signal(signal.SIGTERM,
                  lambda *_: threading.Thread(target=robot.server.shutdown).start())
    print("fake wecom robot listening on %s" % robot.url, flush=True)
    try:
        robot.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        robot.server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
