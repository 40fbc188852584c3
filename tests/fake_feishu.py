#!/usr/bin/env python3
"""fake_feishu.py - fake Feishu/Lark (飞书) custom bots for tests.

No machine running the tests reaches open.feishu.cn, so the Feishu channel
is tested against this server on loopback. It checks what the real webhook
checks and answers the way it does:

    POST /open-apis/bot/v2/hook/<id>
    Content-Type: application/json
    {"timestamp": "1599360473", "sign": "...", "msg_type": "text",
     "content": {"text": "<at user_id=\\"ou_...\\">王师傅</at> ..."}}
    -> {"code": 0, "msg": "success", "data": {}, "StatusCode": 0, ...}

  - only POST (else HTTP 405); a hook ID it knows, else code 19001 "param
    invalid: incoming webhook access token invalid";
  - a request body of at most 20 KB that is a JSON object, else HTTP 400
    with code 9499 "Bad Request";
  - a bot with a secret (签名校验) needs timestamp (Unix seconds, within an
    hour of ITS clock) and sign = base64(HMAC-SHA256(key = timestamp +
    "\\n" + secret, message = empty)), else code 19021 "sign match fail or
    timestamp is not within one hour from current time"; a bot with keywords
    needs one in the text, else 19024 "Key Words Not Found";
  - msg_type "text" and content.text a non-empty string, else 19002; every
    "<at" in the text a well-formed <at user_id="ID">name</at>, else 9499
    (the mentions taken are in call["mentions"]);
  - at most 5 messages in any second and 100 in any minute per bot, on ITS
    clock (a callable a test can share with the gateway's moved clock), else
    code 11232 "frequency limited ...". fail(status=400, code=9499,
    msg="too many request") answers the other way Feishu says "too fast".

Standard library only. In-process from a test:

    from fake_feishu import FakeFeishu
    bot = FakeFeishu({"HOOK-ID": "secret"}, clock=gw.now).start()
    bot.webhook("HOOK-ID")       # the URL for the configuration
    bot.fail(code=11232)         # the next call answers that code
    bot.fail(status=503)         # ... or HTTP 503
    bot.fail(hangup=True)        # ... or closes the connection unanswered
    bot.wait_sent(1)             # blocks until a message was taken
    bot.calls                    # [{"time", "robot", "json", "status", "code", "mentions", ...}]
    bot.stop()

Or as a program (prints "fake feishu listening on http://127.0.0.1:PORT"):

    python3 tests/fake_feishu.py --port 0 --bot HOOK-ID:SECRET
"""
import argparse
import base64
import hashlib
import hmac
import re
import sys

from fakerobot import FakeRobot, Refused

HOOK_PATH = "/open-apis/bot/v2/hook/"
BODY_MAX = 20 * 1024  # bytes of the request body
PER_SECOND = 5
PER_MINUTE = 100
WINDOW = 3600  # seconds a timestamp may be away from the clock
AT = re.compile(r'<at user_id="([A-Za-z0-9_\-.@:+]+)">([^<]*)</at>')

MSG = {
    0: "success",
    9499: "Bad Request",
    11232: "frequency limited psm[lark.oapi.app_platform_runtime]appID[1]",
    19001: "param invalid: incoming webhook access token invalid",
    19002: "params error, msg_type need",
    19021: "sign match fail or timestamp is not within one hour from current time",
    19024: "Key Words Not Found",
}


def sign(secret, timestamp):
    """Feishu's signature: the string is the HMAC key, the message is empty."""
    key = ("%s\n%s" % (timestamp, secret)).encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


class FakeFeishu(FakeRobot):
    """Bots by hook ID: BOTS maps each ID to its secret (None: unsigned). KEYWORDS maps
    an ID to the words one of which its messages must contain."""

    code_key = "code"
    msg_key = "msg"
    name = "fake feishu"

    def __init__(self, bots, clock=None, keywords=None, per_second=PER_SECOND,
                 per_minute=PER_MINUTE, **kw):
        super().__init__(clock=clock, **kw)
        self.bots = dict(bots)
        self.keywords = dict(keywords or {})
        self.per_second = per_second
        self.per_minute = per_minute

    def webhook(self, hook_id):
        return "%s%s%s" % (self.url, HOOK_PATH, hook_id)

    def answer(self, code, msg):
        if code == 0:
            return {"code": 0, "msg": msg, "data": {}, "Extra": None, "StatusCode": 0,
                    "StatusMessage": msg}
        return {"code": code, "msg": msg, "data": {}}

    def message(self, code, detail=None):
        return detail or MSG.get(code, "error %d" % code)

    def check(self, call):
        if not call["path"].startswith(HOOK_PATH):
            raise Refused(404, "404 page not found", status=404)
        hook = call["path"][len(HOOK_PATH):]
        call["robot"] = hook
        if hook not in self.bots:
            raise Refused(19001)
        if len(call["body"] or b"") > BODY_MAX:
            raise Refused(9499, status=400)
        obj = call["json"]
        if not isinstance(obj, dict):
            raise Refused(9499, status=400)
        secret = self.bots[hook]
        call["signed"] = False
        if secret is not None:
            ts = obj.get("timestamp")
            try:
                seconds = int(ts)
            except (TypeError, ValueError):
                raise Refused(19021)
            if abs(self.clock() - seconds) > WINDOW:
                raise Refused(19021)
            sg = obj.get("sign")
            if not isinstance(sg, str) or not hmac.compare_digest(
                    sg.encode(), sign(secret, ts).encode()):
                raise Refused(19021)
            call["signed"] = True
        if obj.get("msg_type") != "text":
            raise Refused(19002)
        content = obj.get("content")
        text = content.get("text") if isinstance(content, dict) else None
        if not isinstance(text, str) or not text:
            raise Refused(19002, "params error, content.text need")
        if text.count("<at") != len(AT.findall(text)):
            raise Refused(9499, status=400)
        call["mentions"] = [{"user_id": u, "name": n} for u, n in AT.findall(text)]
        words = self.keywords.get(hook)
        if words and not any(w in text for w in words):
            raise Refused(19024)
        self.take(hook, call, [(self.per_second, 1, 11232), (self.per_minute, 60, 11232)])
        return {}

    # ---- looking ---------------------------------------------------------------------

    def texts(self, robot=None):
        return [c["json"]["content"]["text"] for c in self.sent()
                if robot is None or c["robot"] == robot]


def main():
    ap = argparse.ArgumentParser(description="Fake Feishu custom bots for tests.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--bot", action="append", required=True,
                    help="HOOK-ID or HOOK-ID:SECRET, once per bot")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = ap.parse_args()
    bots = {}
    for b in args.bot:
        hook, _, secret = b.partition(":")
        bots[hook] = secret or None
    fake = FakeFeishu(bots, host=args.host, port=args.port, verbose=args.verbose)
    return fake.serve_main()


if __name__ == "__main__":
    sys.exit(main())
