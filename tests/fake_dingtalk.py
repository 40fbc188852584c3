#!/usr/bin/env python3
"""fake_dingtalk.py - fake DingTalk (钉钉) custom robots for tests.

No machine running the tests reaches oapi.dingtalk.com, so the DingTalk
channel is tested against this server on loopback. It checks what the real
webhook checks and answers the way it does (HTTP 200 with an errcode, even
for errors):

    POST /robot/send?access_token=T&timestamp=MS&sign=S
    Content-Type: application/json
    {"msgtype": "text", "text": {"content": "..."},
     "at": {"atMobiles": [...], "atUserIds": [...], "isAtAll": false}}
    -> {"errcode": 0, "errmsg": "ok"}

  - only POST (else HTTP 405), only that path (else HTTP 404);
  - access_token names one of its robots, else errcode 300001 "token is not
    exist";
  - a robot with a secret (加签) needs timestamp (Unix milliseconds, within
    an hour of ITS clock, else 310000 "invalid timestamp") and sign =
    base64(HMAC-SHA256(key = secret, message = timestamp + "\\n" + secret)),
    URL-encoded, else 310000 "sign not match"; a robot with keywords needs
    one of them in the content, else 310000 "keywords not in content";
  - Content-Type application/json and a JSON object of at most 20000 bytes
    (else 460101 "message too long, exceed 20000 bytes"); msgtype "text"
    (else 400105), text.content a non-empty string, the at lists lists of
    strings, isAtAll a boolean (else 40035);
  - at most 20 messages in any 60 s per robot, on ITS clock (a callable a
    test can share with the gateway's moved clock); the 21st is answered
    130101 "send too fast, exceed 20 times per minute", and so is everything
    the robot gets for the next 10 minutes.

Standard library only. In-process from a test:

    from fake_dingtalk import FakeDingTalk
    ding = FakeDingTalk({"TOKEN": "SECsecret"}, clock=gw.now).start()
    ding.webhook("TOKEN")        # the URL for the configuration
    ding.fail(errcode=130101)    # the next call answers that errcode
    ding.fail(status=500)        # ... or HTTP 500
    ding.fail(delay=12)          # ... or answers 12 s late (a timeout)
    ding.fail(hangup=True)       # ... or closes the connection unanswered
    ding.wait_sent(1)            # blocks until a message was taken
    ding.calls                   # [{"time", "robot", "json", "status", "errcode", ...}]
    ding.stop()

Or as a program (prints "fake dingtalk listening on http://127.0.0.1:PORT"):

    python3 tests/fake_dingtalk.py --port 0 --robot TOKEN:SECRET
"""
import argparse
import base64
import hashlib
import hmac
import sys

from fakerobot import FakeRobot, Refused

SEND_PATH = "/robot/send"
BODY_MAX = 20000  # bytes of the message
PER_MINUTE = 20
THROTTLE = 600  # seconds a robot over its minute is refused
WINDOW = 3600  # seconds a timestamp may be away from the clock

ERRMSG = {
    0: "ok",
    -1: "系统繁忙",
    40035: "缺少参数 json",
    130101: "send too fast, exceed 20 times per minute",
    300001: "token is not exist",
    310000: "sign not match",
    400105: "不支持的消息类型",
    460101: "message too long, exceed 20000 bytes",
}


def sign(secret, timestamp):
    """DingTalk's signature of TIMESTAMP (text of Unix ms), before URL-encoding."""
    digest = hmac.new(secret.encode(), ("%s\n%s" % (timestamp, secret)).encode(),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class FakeDingTalk(FakeRobot):
    """Robots by access token: ROBOTS maps each token to its secret (None: unsigned).
    KEYWORDS maps a token to the words one of which its messages must contain."""

    name = "fake dingtalk"

    def __init__(self, robots, clock=None, keywords=None, per_minute=PER_MINUTE, **kw):
        super().__init__(clock=clock, **kw)
        self.robots = dict(robots)
        self.keywords = dict(keywords or {})
        self.per_minute = per_minute

    def webhook(self, token):
        return "%s%s?access_token=%s" % (self.url, SEND_PATH, token)

    def message(self, code, detail=None):
        return detail or ERRMSG.get(code, "error %d" % code)

    def check(self, call):
        if call["path"] != SEND_PATH:
            raise Refused(404, "not found", status=404)
        q = call["query"]
        tokens = q.get("access_token", [])
        token = tokens[0] if len(tokens) == 1 else None
        call["robot"] = token
        if token not in self.robots:
            raise Refused(300001)
        secret = self.robots[token]
        call["signed"] = False
        if secret is not None:
            ts, sg = q.get("timestamp", [""])[0], q.get("sign", [""])[0]
            try:
                ms = int(ts)
            except ValueError:
                raise Refused(310000, "invalid timestamp")
            if abs(self.clock() * 1000 - ms) > WINDOW * 1000:
                raise Refused(310000, "invalid timestamp")
            if not hmac.compare_digest(sg.encode(), sign(secret, ts).encode()):
                raise Refused(310000, "sign not match")
            call["signed"] = True
        ctype = call["headers"].get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise Refused(40035, "Content-Type must be application/json")
        if len(call["body"] or b"") > BODY_MAX:
            raise Refused(460101)
        obj = call["json"]
        if not isinstance(obj, dict):
            raise Refused(40035)
        if obj.get("msgtype") != "text":
            raise Refused(400105)
        text = obj.get("text")
        content = text.get("content") if isinstance(text, dict) else None
        if not isinstance(content, str) or not content:
            raise Refused(40035, "缺少参数 text.content")
        at = obj.get("at", {})
        if not isinstance(at, dict):
            raise Refused(40035, "at must be an object")
        for name in ("atMobiles", "atUserIds"):
            value = at.get(name, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise Refused(40035, "%s must be a list of strings" % name)
        if not isinstance(at.get("isAtAll", False), bool):
            raise Refused(40035, "isAtAll must be true or false")
        words = self.keywords.get(token)
        if words and not any(w in content for w in words):
            raise Refused(310000, "keywords not in content")
        self.take(token, call, [(self.per_minute, 60, 130101)], punish=THROTTLE)
        return {}

    # ---- looking ---------------------------------------------------------------------

    def texts(self, robot=None):
        return [c["json"]["text"]["content"] for c in self.sent()
                if robot is None or c["robot"] == robot]


def main():
    ap = argparse.ArgumentParser(description="Fake DingTalk custom robots for tests.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--robot", action="append", required=True,
                    help="TOKEN or TOKEN:SECRET, once per robot")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = ap.parse_args()
    robots = {}
    for r in args.robot:
        token, _, secret = r.partition(":")
        robots[token] = secret or None
    fake = FakeDingTalk(robots, host=args.host, port=args.port, verbose=args.verbose)
    return fake.serve_main()


if __name__ == "__main__":
    sys.exit(main())
