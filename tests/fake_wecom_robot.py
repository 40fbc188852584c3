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

The machinery (scripted failures, calls, waits, rate windows) is
tests/fakerobot.py, shared with the DingTalk and Feishu fakes.

Or as a program (prints "fake wecom robot listening on http://127.0.0.1:PORT"):

    python3 tests/fake_wecom_robot.py --port 0 --key KEY
"""
import argparse
import itertools
import sys
import time

from fakerobot import FakeRobot, Refused

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


class FakeWecomRobot(FakeRobot):
    """One robot (one key, one group) in a thread of this process (tests/fakerobot.py).

    url is the api_base to configure; clock (default time.time) is the clock
    its rate window is measured on."""

    name = "fake wecom robot"

    def __init__(self, key, clock=None, per_minute=PER_MINUTE, **kw):
        super().__init__(clock=clock, **kw)
        self.key = key
        self.per_minute = per_minute

    def message(self, code, detail=None):
        return platform_errmsg(code, detail)

    def check(self, call):
        if call["path"] != SEND_PATH:
            raise Refused(404, "not found", status=404)
        call["key_ok"] = call["query"].get("key", []) == [self.key]
        if not call["key_ok"]:
            raise Refused(93000)
        ctype = call["headers"].get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise Refused(40058, "Content-Type must be application/json")
        check_message(call["json"])
        call["robot"] = self.key
        self.take(self.key, call, [(self.per_minute, WINDOW, 45009)])
        return {}

    def texts(self):
        return [c["json"]["text"]["content"] for c in self.sent()]

    def most_in_window(self, window=WINDOW, robot=None):
        return super().most_in_window(window, robot)


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
    return robot.serve_main()


if __name__ == "__main__":
    sys.exit(main())
