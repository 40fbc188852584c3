"""fakerobot.py - what the fake webhook robots in tests/ share.

A group robot (WeCom, DingTalk, Feishu) is one POST endpoint per robot that
answers JSON with a code, 0 when the message was taken. FakeRobot is the
machinery around such an endpoint: it records every call, answers scripted
failures (an HTTP status, a code, a late answer, a dropped connection) in
order before the real checks, measures rate windows on a clock a test can
share with the gateway's moved clock, and lets a test wait for calls.

A platform's fake subclasses it and defines
    code_key, msg_key     the answer's fields ("errcode"/"errmsg", "code"/"msg")
    answer(code, msg)     the JSON object of an answer with CODE
    check(call)           the real checks of one call: returns the answer's
                          extra fields on success, or raises Refused
and calls self.take(robot, call, limits) to count a message against its rate
windows. Standard library only.
"""
import json
import sys
import threading
import time
import urllib.parse

import fakehttp


class Hangup(Exception):
    """Close the connection without answering."""


class Refused(Exception):
    """An answer with CODE (and MSG), with HTTP STATUS."""

    def __init__(self, code, msg=None, status=200):
        super().__init__(code)
        self.code = code
        self.msg = msg
        self.status = status


class Handler(fakehttp.Handler):
    server_version = "nginx"
    sys_version = ""
    json_type = "application/json; charset=UTF-8"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        if getattr(self.server, "verbose", False):
            sys.stderr.write("fake robot: " + (format % args) + "\n")

    def do_POST(self):
        self.dispatch(self.read_body())

    def do_GET(self):
        self.dispatch(None)

    do_PUT = do_DELETE = do_PATCH = do_GET

    def dispatch(self, body):
        try:
            self.server.robot._handle(self, body)
        except Hangup:
            self.hang_up()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class FakeRobot:
    """One platform's robots in a thread of this process. url is the server's base;
    clock (default time.time) is the clock its rate windows are measured on."""

    code_key = "errcode"
    msg_key = "errmsg"
    name = "fake robot"

    def __init__(self, clock=None, host="127.0.0.1", port=0, verbose=False):
        self.clock = clock or time.time
        self.calls = []
        self.failures = []  # scripted answers for the next calls, in order
        self.taken = {}  # robot -> clock times of the messages it took
        self.cond = threading.Condition()
        self.server = fakehttp.Server((host, port), Handler, verbose, robot=self)
        self.port = self.server.server_address[1]
        self.url = "http://%s:%d" % (host, self.port)
        self.thread = None

    # ---- what a platform defines -----------------------------------------------------

    def answer(self, code, msg):
        return {self.code_key: code, self.msg_key: msg}

    def message(self, code, detail=None):
        return "error %d" % code if detail is None else detail

    def check(self, call):
        raise NotImplementedError

    # ---- serving ---------------------------------------------------------------------

    def _handle(self, handler, body):
        path, _, query = handler.path.partition("?")
        headers = {k.lower(): v for k, v in handler.headers.items()}
        try:
            parsed = json.loads(body.decode("utf-8")) if body else None
        except (ValueError, UnicodeDecodeError):
            parsed = None
        call = {"time": self.clock(), "real": time.time(), "method": handler.command,
                "path": path, "query": urllib.parse.parse_qs(query, keep_blank_values=True),
                "headers": headers, "body": body, "json": parsed, "status": None,
                self.code_key: None}
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
                self._scripted(handler, call, failure)
            else:
                self._real(handler, call)
        finally:
            with self.cond:
                self.cond.notify_all()

    def _send(self, handler, call, status, code, msg, extra_headers=None, extra=None):
        call["status"], call[self.code_key] = status, code
        obj = self.answer(code, msg)
        obj.update(extra or {})
        handler.send_json(status, obj, extra_headers)

    def _scripted(self, handler, call, f):
        if f.get("delay"):
            time.sleep(float(f["delay"]))
        if f.get("hangup"):
            call["status"] = 0
            raise Hangup()
        code = f.get("code")
        if f.get("status") is not None and f["status"] != 200:
            code = -1 if code is None else int(code)
            headers = {} if f.get("retry_after") is None else {"Retry-After": f["retry_after"]}
            self._send(handler, call, int(f["status"]), code,
                       f.get("msg") or self.message(code), headers)
            return
        if code is not None:
            self._send(handler, call, 200, int(code), f.get("msg") or self.message(int(code)))
            return
        self._real(handler, call)  # only a delay: then the real answer

    def _real(self, handler, call):
        if call["method"] != "POST":
            self._send(handler, call, 405, 405, "method not allowed")
            return
        try:
            with self.cond:
                call["time"] = self.clock()
            extra = self.check(call) or {}
        except Refused as e:
            self._send(handler, call, e.status, e.code, self.message(e.code, e.msg))
            return
        self._send(handler, call, 200, 0, self.message(0), None, extra)

    def take(self, robot, call, limits, punish=0):
        """Counts CALL's message against ROBOT's windows LIMITS [(count, seconds)], or
        raises Refused(code) of the first window that is full (a (count, seconds,
        code) triple). PUNISH seconds: a robot over a window is refused that long."""
        with self.cond:
            now = self.clock()
            call["time"] = now
            state = self.taken.setdefault(robot, {"times": [], "until": 0})
            if now < state["until"]:
                raise Refused(state["code"])
            for count, seconds, code in limits:
                recent = [t for t in state["times"] if t > now - seconds]
                if len(recent) >= count:
                    if punish:
                        state["until"], state["code"] = now + punish, code
                    raise Refused(code)
            state["times"] = [t for t in state["times"] if t > now - 3600] + [now]

    # ---- steering --------------------------------------------------------------------

    def fail(self, status=None, code=None, msg=None, delay=0, hangup=False, count=1,
             retry_after=None, **named):
        """The next COUNT calls answer HTTP STATUS (with code -1, or CODE), or HTTP 200
        with CODE, or close the connection unanswered (HANGUP), after sleeping DELAY
        seconds; a DELAY alone answers as usual, late. Scripts queue up in order. The
        platform's own names (errcode=, errmsg=) may stand for code= and msg=."""
        code = named.pop(self.code_key, code)
        msg = named.pop(self.msg_key, msg)
        if named:
            raise TypeError("fail(): unknown %s" % ", ".join(named))
        if status is None and code is None and not delay and not hangup:
            raise ValueError("fail() needs status, code, delay or hangup")
        with self.cond:
            self.failures.append({"status": status, "code": code, "msg": msg, "delay": delay,
                                  "hangup": hangup, "count": int(count),
                                  "retry_after": retry_after})

    def reset(self):
        with self.cond:
            self.calls = []
            self.failures = []
            self.taken = {}
            self.cond.notify_all()

    # ---- looking ---------------------------------------------------------------------

    def sent(self):
        """The calls whose message was taken (code 0), in order."""
        with self.cond:
            return [dict(c) for c in self.calls if c[self.code_key] == 0]

    def _wait(self, what, n, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                got = what()
                if len(got) >= n:
                    return [dict(c) for c in got]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("expected %d %s calls, got %d: %r"
                                         % (n, self.name, len(got),
                                            [(c["status"], c[self.code_key])
                                             for c in self.calls]))
                self.cond.wait(min(left, 0.5))

    def wait_calls(self, n, timeout=15):
        """Waits until at least N calls were answered (or hung up); returns them all."""
        return self._wait(lambda: [c for c in self.calls if c["status"] is not None],
                          n, timeout)

    def wait_sent(self, n, timeout=15):
        """Waits until at least N messages were taken; returns them."""
        return self._wait(lambda: [c for c in self.calls if c[self.code_key] == 0], n, timeout)

    def most_in_window(self, window, robot=None):
        """The most messages taken (by ROBOT, from call["robot"]; None: all) within any
        WINDOW seconds of the fake's clock."""
        times = sorted(c["time"] for c in self.sent() if robot is None or
                       c.get("robot") == robot)
        best, j = 0, 0
        for i, t in enumerate(times):
            while times[j] <= t - window:
                j += 1
            best = max(best, i - j + 1)
        return best

    # ---- life ------------------------------------------------------------------------

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       name=self.name, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def serve_main(self):
        """Runs in the foreground until SIGTERM or ^C (the fakes' command lines)."""
        import signal
        signal.signal(signal.SIGTERM,
                      lambda *_: threading.Thread(target=self.server.shutdown).start())
        print("%s listening on %s" % (self.name, self.url), flush=True)
        try:
            self.server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self.server.server_close()
        return 0
