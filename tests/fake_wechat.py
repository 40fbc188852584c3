#!/usr/bin/env python3
"""fake_wechat.py - a fake WeChat Official Account platform (微信公众号) for tests.

No machine running the tests reaches api.weixin.qq.com, so the wechat channel
is tested against this fake on loopback. It plays both sides of WeChat:

The API (the gateway's api_base), answering like the real one (HTTP 200
with {"errcode", "errmsg"}, even for errors):
    GET  /cgi-bin/token?grant_type=client_credential&appid=&secret=
         -> {"access_token", "expires_in": 7200}; a wrong AppID is 40013, a
         wrong secret 40125. Each fetch makes a new token; the one before
         stays valid for 5 minutes (the platform's overlap), as it does.
    POST /cgi-bin/message/custom/send?access_token=   the customer-service
         message: {"touser", "msgtype": "text", "text": {"content"}}, at most
         2048 bytes, UTF-8 as it is (a "\\uXXXX" escape of a Chinese character
         shows as those six characters in WeChat: refused here as 40033). A
         resident who has not written in 48 hours (on the fake's clock) is out
         of the window: 45015.
    POST /cgi-bin/message/template/send?access_token=   a template message:
         {"touser", "template_id", "data": {FIELD: {"value"}}}; an unknown
         template is 40037.
    GET  /cgi-bin/media/get?access_token=&media_id=   the bytes of an image
         a resident sent (image/jpeg), or {"errcode": 40007} for an unknown one.
    A missing token is 41001, an unknown one 40001, an expired one 42001.

The callbacks (what WeChat posts to the account's server URL), signed and,
in safe mode, encrypted exactly as WeChat does (AES-256-CBC, the
EncodingAESKey, PKCS#7 to 32 bytes, the AppID at the end; `signature` and
`msg_signature` in the query):
    wx.text("oRes1", "报修")          -> (HTTP status, body) of the gateway
    wx.image("oRes1", jpeg_bytes), wx.voice("oRes1", recognition="..."),
    wx.click("oRes1", "REPAIR"), wx.subscribe("oRes1"), wx.post(xml, ...)
    wx.url_check(echostr)

Steering: wx.fail("custom", errcode=40001) (or status=500, delay=8, count=N)
makes the next calls of that API fail; wx.close_window("oRes1") ends a
resident's 48 hours; wx.token_fetches counts token fetches; wx.sent() lists
the messages taken. Time is the fake's clock (default time.time; a test
whose gateway runs on a moved clock passes clock=gw.now).

Needs the `cryptography` package (python3-cryptography, in scripts/deps.sh's
test set). In-process only:

    wx = FakeWechat(APPID, SECRET, TOKEN, AES_KEY, clock=gw.now).start()
    wx.target = gw.url + "/hooks/wechat"
"""
import base64
import hashlib
import itertools
import json
import os
import secrets
import struct
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

import fakehttp

CONTENT_MAX = 2048
WINDOW = 48 * 3600
TOKEN_TTL = 7200
OVERLAP = 300

ERRMSG = {
    -1: "system error",
    0: "ok",
    40001: "invalid credential, access_token is invalid or not latest",
    40007: "invalid media_id",
    40013: "invalid appid",
    40033: "invalid charset. please check your request, if include \\uxxxx will create fail!",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    41001: "access_token missing",
    42001: "access_token expired",
    44003: "empty news data",
    44004: "empty content",
    45002: "content size out of limit",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    47001: "data format error",
}
_rids = itertools.count(1)


def errmsg(code):
    text = ERRMSG.get(code, "error %d" % code)
    return text if code == 0 else "%s rid: fake-%d" % (text, next(_rids))


# ---- Tencent's callback crypto (WXBizMsgCrypt) ------------------------------------------------

def signature(*parts):
    """Hex SHA-1 of the strings sorted and joined."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


class Crypt:
    """The callback encryption of the Official Account (receiver: the AppID) and
    of WeCom (receiver: the corp ID)."""

    def __init__(self, encoding_aes_key, receiver):
        self.key = base64.b64decode(encoding_aes_key + "=")
        assert len(self.key) == 32
        self.receiver = receiver.encode()

    def encrypt(self, text, random16=None):
        msg = text.encode("utf-8") if isinstance(text, str) else text
        plain = (random16 or secrets.token_bytes(16)) + struct.pack("!I", len(msg)) + msg \
            + self.receiver
        pad = 32 - len(plain) % 32
        plain += bytes([pad]) * pad
        enc = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).encryptor()
        return base64.b64encode(enc.update(plain) + enc.finalize()).decode()

    def decrypt(self, b64):
        dec = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        plain = dec.update(base64.b64decode(b64)) + dec.finalize()
        plain = plain[:-plain[-1]]
        n = struct.unpack("!I", plain[16:20])[0]
        if plain[20 + n:] != self.receiver:
            raise ValueError("for another receiver")
        return plain[20:20 + n].decode("utf-8")


def cdata(value):
    return "<![CDATA[%s]]>" % value.replace("]]>", "]]]]><![CDATA[>")


def xml_message(fields):
    """<xml> with FIELDS (a list of (name, value)): numbers bare, strings as CDATA."""
    out = ["<xml>"]
    for name, value in fields:
        text = str(value) if isinstance(value, int) else cdata(value)
        out.append("<%s>%s</%s>" % (name, text, name))
    out.append("</xml>")
    return "".join(out)


# ---- the API -------------------------------------------------------------------------------------

class Handler(fakehttp.Handler):
    server_version = "nginx"
    sys_version = ""
    json_type = "application/json; encoding=utf-8"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_GET(self):
        self.server.fake._handle(self, None)

    def do_POST(self):
        self.server.fake._handle(self, self.read_body())


class ApiError(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


class FakeWechat:
    name = "fake wechat"
    token_path = "/cgi-bin/token"
    send_path = "/cgi-bin/message/custom/send"
    receiver_kind = "appid"

    def __init__(self, appid, secret, token, aes_key, clock=None, templates=("TPL_PROGRESS",)):
        self.appid = appid
        self.secret = secret
        self.token = token
        self.aes_key = aes_key
        self.crypt = Crypt(aes_key, appid)
        self.clock = clock or time.time
        self.templates = set(templates)
        self.cond = threading.Condition()
        self.calls = []  # every API call: {"api", "time", "json", "errcode", "token", ...}
        self.failures = []  # [api, {"errcode"|"status"|"delay"}, count]
        self.tokens = {}  # access token -> expiry (fake clock)
        self.token_fetches = 0
        self.last_seen = {}  # openid -> fake clock time of their last message
        self.media = {}  # media_id -> bytes
        self.msgids = itertools.count(24602312345678901)
        self.target = None  # the gateway's server URL for callbacks
        self.mode = "safe"

    # ---- the server -------------------------------------------------------------------------
    def start(self):
        self.httpd = fakehttp.Server(("127.0.0.1", 0), Handler, fake=self)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def fail(self, api, errcode=None, status=None, delay=0, count=1):
        """The next COUNT calls of API ("token", "custom", "template", "media")
        answer ERRCODE (or HTTP STATUS), after DELAY seconds (real time); with
        neither, they only come late."""
        with self.cond:
            self.failures.append([api, {"errcode": errcode, "status": status,
                                        "delay": delay}, count])

    def close_window(self, openid):
        """OPENID last wrote more than 48 hours ago."""
        with self.cond:
            self.last_seen[openid] = self.clock() - WINDOW - 1

    def _failure(self, api):
        with self.cond:
            for f in self.failures:
                if f[0] == api and f[2] > 0:
                    f[2] -= 1
                    return f[1]
        return None

    def _api_of(self, path):
        return {self.token_path: "token", self.send_path: "custom",
                "/cgi-bin/message/template/send": "template",
                "/cgi-bin/media/get": "media"}.get(path)

    def _handle(self, h, body):
        parsed = urllib.parse.urlsplit(h.path)
        query = urllib.parse.parse_qs(parsed.query)
        api = self._api_of(parsed.path)
        call = {"api": api, "time": self.clock(), "real": time.time(), "path": parsed.path,
                "method": h.command, "token": (query.get("access_token") or [None])[0],
                "query": query, "raw": body, "json": None, "errcode": None}
        if api is None:
            h.send_json(404, {"errcode": 404, "errmsg": "not found"})
            return
        f = self._failure(api)
        if f and f["delay"]:
            time.sleep(f["delay"])
        try:
            if f and f["status"]:
                call["status"] = f["status"]
                self._record(call)
                h.send_raw(f["status"], b"<html>error</html>", "text/html")
                return
            if f and f["errcode"] is not None:
                raise ApiError(f["errcode"])
            answer = getattr(self, "_api_" + api)(h, call, query, body)
        except ApiError as e:
            call["errcode"] = e.code
            self._record(call)
            h.send_json(200, {"errcode": e.code, "errmsg": self.errmsg(e.code)})
            return
        if isinstance(answer, bytes):
            call["errcode"] = 0
            self._record(call)
            h.send_raw(200, answer, "image/jpeg")
            return
        call["errcode"] = answer.get("errcode", 0)
        self._record(call)
        h.send_json(200, answer)

    def errmsg(self, code):
        return errmsg(code)

    def _record(self, call):
        with self.cond:
            self.calls.append(call)
            self.cond.notify_all()

    def _check_token(self, query):
        tok = (query.get("access_token") or [""])[0]
        with self.cond:
            if not tok:
                raise ApiError(41001)
            if tok not in self.tokens:
                raise ApiError(40001)
            if self.tokens[tok] <= self.clock():
                raise ApiError(42001)

    def _new_token(self):
        tok = "TOK_" + secrets.token_urlsafe(24).replace("-", "A").replace("_", "B")
        now = self.clock()
        with self.cond:
            self.token_fetches += 1
            # the ones before end within the overlap
            for t in self.tokens:
                self.tokens[t] = min(self.tokens[t], now + OVERLAP)
            self.tokens[tok] = now + TOKEN_TTL
        return {"access_token": tok, "expires_in": TOKEN_TTL}

    def _api_token(self, h, call, query, body):
        if h.command != "GET" or query.get("grant_type") != ["client_credential"]:
            raise ApiError(47001)
        if query.get("appid") != [self.appid]:
            raise ApiError(40013)
        if query.get("secret") != [self.secret]:
            raise ApiError(40125)
        return self._new_token()

    def _body(self, call, body):
        if body is None:
            raise ApiError(44003)
        if b"\\u" in body:
            raise ApiError(40033)  # WeChat shows such escapes as they are
        try:
            obj = json.loads(body.decode("utf-8"))
        except ValueError:
            raise ApiError(47001) from None
        call["json"] = obj
        if not isinstance(obj, dict):
            raise ApiError(47001)
        return obj

    def _api_custom(self, h, call, query, body):
        self._check_token(query)
        obj = self._body(call, body)
        touser = obj.get("touser")
        if obj.get("msgtype") != "text" or not isinstance(obj.get("text"), dict):
            raise ApiError(47001)
        content = obj["text"].get("content")
        if not isinstance(content, str) or not content:
            raise ApiError(44004)
        if len(content.encode("utf-8")) > CONTENT_MAX:
            raise ApiError(45002)
        with self.cond:
            seen = self.last_seen.get(touser)
        if seen is None or self.clock() - seen > WINDOW:
            raise ApiError(45015)
        return {"errcode": 0, "errmsg": "ok"}

    def _api_template(self, h, call, query, body):
        self._check_token(query)
        obj = self._body(call, body)
        if obj.get("template_id") not in self.templates:
            raise ApiError(40037)
        data = obj.get("data")
        if not isinstance(obj.get("touser"), str) or not isinstance(data, dict) or not data or \
                not all(isinstance(v, dict) and isinstance(v.get("value"), str)
                        for v in data.values()):
            raise ApiError(47001)
        return {"errcode": 0, "errmsg": "ok", "msgid": next(self.msgids)}

    def _api_media(self, h, call, query, body):
        self._check_token(query)
        media_id = (query.get("media_id") or [""])[0]
        if media_id not in self.media:
            raise ApiError(40007)
        return self.media[media_id]

    # ---- what the gateway sent ----------------------------------------------------------------
    def sent(self, api="custom", since=0):
        """The calls of API that were taken (errcode 0)."""
        with self.cond:
            return [c for c in self.calls[since:] if c["api"] == api and c["errcode"] == 0]

    def texts(self, touser=None, since=0):
        out = []
        for c in self.sent("custom", since):
            if touser is None or c["json"]["touser"] == touser:
                out.append(c["json"]["text"]["content"])
        return out

    def mark(self):
        with self.cond:
            return len(self.calls)

    def wait_text(self, touser, needle, since=0, timeout=15):
        """The first text taken for TOUSER (from call SINCE on) containing NEEDLE."""
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for c in self.calls[since:]:
                    if c["api"] == "custom" and c["errcode"] == 0 and \
                            c["json"]["touser"] == touser and \
                            needle in c["json"]["text"]["content"]:
                        return c["json"]["text"]["content"]
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError("no text with %r to %s; got %s" % (
                        needle, touser, json.dumps(
                            [(c["api"], c["errcode"], c["json"]) for c in self.calls[since:]],
                            ensure_ascii=False)))
                self.cond.wait(min(left, 0.2))

    def wait_call(self, pred, since=0, timeout=15, what="a call"):
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for c in self.calls[since:]:
                    if pred(c):
                        return c
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError("no %s; got %s" % (what, json.dumps(
                        [(c["api"], c["errcode"], c["json"]) for c in self.calls[since:]],
                        ensure_ascii=False)))
                self.cond.wait(min(left, 0.2))

    # ---- the callbacks -------------------------------------------------------------------------
    def add_media(self, data):
        media_id = "MEDIA_" + secrets.token_hex(8)
        self.media[media_id] = data
        return media_id

    def message(self, openid, msgtype, fields, msgid=True):
        """The XML WeChat posts for a message of MSGTYPE from OPENID."""
        created = int(self.clock())
        head = [("ToUserName", "gh_0123456789ab"), ("FromUserName", openid),
                ("CreateTime", created), ("MsgType", msgtype)]
        tail = [("MsgId", next(self.msgids))] if msgid else []
        return xml_message(head + fields + tail)

    def signed_query(self, encrypt=None, extra=None, timestamp=None, nonce=None):
        ts = str(timestamp if timestamp is not None else int(self.clock()))
        nonce = nonce or str(secrets.randbelow(10 ** 9))
        q = {"signature": signature(self.token, ts, nonce), "timestamp": ts, "nonce": nonce}
        if encrypt is not None:
            q["encrypt_type"] = "aes"
            q["msg_signature"] = signature(self.token, ts, nonce, encrypt)
        q.update(extra or {})
        return q

    def post(self, xml, mode=None, openid=None, tamper=None, target=None, timeout=10):
        """POSTs XML to the gateway as WeChat does in MODE ("plain", "safe",
        "compat"; default self.mode). TAMPER(query, body) may change what is
        sent. Returns (HTTP status, body text, seconds taken)."""
        mode = mode or self.mode
        if openid:
            with self.cond:
                self.last_seen[openid] = self.clock()
        if mode == "plain":
            body, query = xml, self.signed_query(extra={"openid": openid or ""})
        else:
            enc = self.crypt.encrypt(xml)
            if mode == "safe":
                body = xml_message([("ToUserName", "gh_0123456789ab"), ("Encrypt", enc)])
            else:  # compat: the message in the clear and encrypted
                body = xml[:-len("</xml>")] + "<Encrypt>%s</Encrypt></xml>" % cdata(enc)
            query = self.signed_query(encrypt=enc, extra={"openid": openid or ""})
        data = body.encode("utf-8")
        if tamper:
            query, data = tamper(query, data)
        return self.request("POST", query, data, target, timeout)

    def request(self, method, query, data=None, target=None, timeout=10):
        url = (target or self.target) + "?" + urllib.parse.urlencode(query)
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "text/xml",
                                              "User-Agent": "Mozilla/4.0"})
        t0 = time.time()
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, resp.read().decode("utf-8", "replace"), time.time() - t0
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace"), time.time() - t0

    def url_check(self, echostr, encrypted=False, **kw):
        """The server URL check: GET with signature (or, encrypted, msg_signature over
        the encrypted echostr). Returns (status, body, seconds)."""
        if encrypted:
            enc = self.crypt.encrypt(echostr)
            q = self.signed_query(encrypt=enc)
            del q["signature"], q["encrypt_type"]
            q["echostr"] = enc
        else:
            q = self.signed_query()
            q["echostr"] = echostr
        q.update(kw)
        return self.request("GET", q)

    # ---- the messages a resident sends ---------------------------------------------------------
    def text(self, openid, content, **kw):
        return self.post(self.message(openid, "text", [("Content", content)]), openid=openid,
                         **kw)

    def image(self, openid, data, **kw):
        media_id = self.add_media(data)
        return self.post(self.message(openid, "image", [
            ("PicUrl", "http://mmbiz.qpic.cn/fake/%s" % media_id), ("MediaId", media_id)]),
            openid=openid, **kw)

    def voice(self, openid, recognition=None, **kw):
        fields = [("MediaId", self.add_media(b"#!AMR\n")), ("Format", "amr")]
        if recognition is not None:
            fields.append(("Recognition", recognition))
        return self.post(self.message(openid, "voice", fields), openid=openid, **kw)

    def event(self, openid, event, key=None, **kw):
        fields = [("Event", event)] + ([("EventKey", key)] if key is not None else [])
        return self.post(self.message(openid, "event", fields, msgid=False), openid=openid,
                         **kw)

    def click(self, openid, key, **kw):
        return self.event(openid, "CLICK", key, **kw)

    def subscribe(self, openid, **kw):
        return self.event(openid, "subscribe", "", **kw)


if __name__ == "__main__":
    import sys
    key = base64.b64encode(os.urandom(32)).decode()[:43]
    wx = FakeWechat("wx5823bf96d3bd56c7", "secret", "concierge", key).start()
    print("fake wechat listening on %s" % wx.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        wx.stop()
        sys.exit(0)
