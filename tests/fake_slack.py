#!/usr/bin/env python3
"""fake_slack.py - a fake Slack for integration tests: the Web API, Socket
Mode, files, and a poster of signed Events API and interactivity requests.

No machine running the tests reaches slack.com, so the Slack adapter is
tested against this server on loopback. It checks what Slack checks:

  Web API   POST /api/METHOD with "Authorization: Bearer TOKEN": the bot token
            (xoxb-) for auth.test and chat.postMessage, the app-level token
            (xapp-) for apps.connections.open; answers {"ok": false, "error":
            "not_authed" | "invalid_auth" | "not_allowed_token_type"} as Slack
            does (HTTP 200). chat.postMessage wants a JSON body with a string
            channel and text, thread_ts as a message timestamp, blocks of the
            shapes the gateway sends (a section with mrkdwn text of at most
            3000 characters, an actions block of buttons with plain_text labels
            of at most 75 characters and unique action_ids); a channel it does
            not know (see channels=) is channel_not_found.
  failures  fail(method, status, count, error=, retry_after=): the next COUNT
            calls of METHOD answer HTTP STATUS (429 with Retry-After and
            error "ratelimited", 5xx, or 200 with ok false and ERROR).
  files     GET /files/... serves what add_file() kept, with the bot token
            (without it, an HTML sign-in page, as Slack does).
  Socket    GET /socket?ticket=T upgrades to a websocket (RFC 6455, written
  Mode      here: standard library only) for a ticket apps.connections.open
            handed out; the fake says {"type": "hello"} first, then
            push_envelope(type, payload) sends {"envelope_id", "type",
            "payload", "accepts_response_payload"} on the newest link and
            acks() lists the envelope_ids acknowledged; disconnect() sends
            {"type": "disconnect", "reason": "refresh_requested"}.

The poster (SlackPoster) signs like Slack: X-Slack-Signature v0= hex
HMAC-SHA256(signing secret, "v0:" + X-Slack-Request-Timestamp + ":" + body),
and can add X-Slack-Retry-Num / X-Slack-Retry-Reason.

Used in-process from a test:

    with FakeSlack(bot_token=..., app_token=..., clock=gw.now) as fs:
        fs.url            # api_base is fs.url + "/api", files_base fs.url + "/files"
        fs.wait_for_post("C1", "needle")

Standard library only.
"""
import base64
import hashlib
import hmac
import itertools
import json
import os
import re
import socket
import ssl
import struct
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import fakehttp

TS_RE = re.compile(r"^\d+\.\d+$")
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def sign(secret, timestamp, body):
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SocketLink:
    """One Socket Mode websocket, server side."""

    def __init__(self, state, handler, ticket):
        self.state = state
        self.handler = handler
        self.ticket = ticket
        self.lock = threading.Lock()
        self.open = True
        self.closed_by_client = False
        self.received = []

    def send_text(self, obj):
        data = json.dumps(obj, ensure_ascii=False).encode()
        self._frame(0x1, data)

    def _frame(self, op, data):
        n = len(data)
        if n < 126:
            hdr = struct.pack("!BB", 0x80 | op, n)
        elif n < 65536:
            hdr = struct.pack("!BBH", 0x80 | op, 126, n)
        else:
            hdr = struct.pack("!BBQ", 0x80 | op, 127, n)
        with self.lock:
            if not self.open:
                raise ConnectionError("link closed")
            self.handler.wfile.write(hdr + data)
            self.handler.wfile.flush()

    def close(self, code=1000):
        try:
            self._frame(0x8, struct.pack("!H", code))
        except (OSError, ConnectionError):
            pass
        self.open = False
        try:
            self.handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _read(self, n):
        data = self.handler.rfile.read(n)
        if len(data) < n:
            raise ConnectionError("closed")
        return data

    def serve(self):
        """Reads the client's frames until it closes."""
        message, mop = b"", None
        try:
            while self.open:
                b1, b2 = self._read(2)
                op, masked, n = b1 & 0x0F, b2 & 0x80, b2 & 0x7F
                if not masked:
                    raise ConnectionError("client frame not masked")
                if n == 126:
                    n = struct.unpack("!H", self._read(2))[0]
                elif n == 127:
                    n = struct.unpack("!Q", self._read(8))[0]
                key = self._read(4)
                payload = bytes(c ^ key[i % 4] for i, c in enumerate(self._read(n)))
                if op == 0x8:
                    self.closed_by_client = True
                    try:
                        self._frame(0x8, payload[:2])
                    except (OSError, ConnectionError):
                        pass
                    break
                if op == 0x9:
                    self._frame(0xA, payload)
                    continue
                if op == 0xA:
                    continue
                if op in (0x1, 0x2):
                    message, mop = payload, op
                else:
                    message += payload
                if b1 & 0x80:
                    self.state.on_client_message(self, message.decode("utf-8", "replace"))
                    message = b""
        except (OSError, ConnectionError, ValueError):
            pass
        finally:
            with self.lock:
                self.open = False
            with self.state.cond:
                self.state.cond.notify_all()


class State:
    def __init__(self, bot_token, app_token, bot_user, bot_id, channels, clock):
        self.bot_token = bot_token
        self.app_token = app_token
        self.bot_user = bot_user
        self.bot_id = bot_id
        self.channels = channels  # None: every channel exists
        self.clock = clock or time.time
        self.cond = threading.Condition()
        self.calls = []
        self.failures = []
        self.files = {}
        self.links = []
        self.tickets = {}
        self.acks = []
        self.envelopes = []
        self.seq = itertools.count(1)
        self.hello = True
        self.ws_base = None  # "wss://HOST:PORT" when links are served over TLS

    def record(self, method, params, status, headers=None):
        with self.cond:
            self.calls.append({"method": method, "params": params, "status": status,
                               "time": self.clock(), "headers": headers or {}})
            self.cond.notify_all()

    def take_failure(self, method):
        with self.cond:
            for f in self.failures:
                if f["count"] > 0 and f["method"] in (method, "*"):
                    f["count"] -= 1
                    return dict(f)
        return None

    def on_client_message(self, link, text):
        try:
            obj = json.loads(text)
        except ValueError:
            obj = {"_bad": text}
        with self.cond:
            link.received.append(obj)
            if isinstance(obj, dict) and obj.get("envelope_id"):
                self.acks.append(obj["envelope_id"])
            self.cond.notify_all()


def bad_block(b):
    """What is wrong with block B, or None."""
    if not isinstance(b, dict):
        return "block is not an object"
    if b.get("type") == "section":
        t = b.get("text") or {}
        if t.get("type") not in ("mrkdwn", "plain_text") or not isinstance(t.get("text"), str):
            return "section without text"
        if len(t["text"]) > 3000:
            return "section text over 3000 characters"
        return None
    if b.get("type") == "actions":
        els = b.get("elements")
        if not isinstance(els, list) or not 1 <= len(els) <= 25:
            return "actions without 1-25 elements"
        ids = set()
        for e in els:
            if e.get("type") != "button":
                return "not a button"
            t = e.get("text") or {}
            if t.get("type") != "plain_text" or not t.get("text") or len(t["text"]) > 75:
                return "button text must be plain_text of 1-75 characters"
            if not e.get("action_id") or e["action_id"] in ids:
                return "button action_id missing or repeated"
            ids.add(e["action_id"])
            if not isinstance(e.get("value"), str) or len(e["value"]) > 2000:
                return "button value must be a string of at most 2000 characters"
        return None
    return "unknown block type %r" % b.get("type")


class Handler(fakehttp.Handler):
    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)

    @property
    def state(self):
        return self.server.state

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if path == "/socket":
            return self.socket(urllib.parse.parse_qs(query).get("ticket", [""])[0])
        if path.startswith("/files/"):
            return self.file(path)
        self.send_json(404, {"ok": False, "error": "unknown_method"})

    def token(self):
        auth = self.headers.get("Authorization", "")
        return auth[7:] if auth.startswith("Bearer ") else None

    def do_POST(self):
        body = self.read_body()
        path = self.path.partition("?")[0]
        if not path.startswith("/api/"):
            return self.send_json(404, {"ok": False, "error": "unknown_method"})
        method = path[5:]
        ctype = self.headers.get("Content-Type", "")
        if "json" in ctype:
            try:
                params = json.loads(body.decode("utf-8")) if body else {}
            except ValueError:
                return self.answer(method, {}, 200, {"ok": False, "error": "invalid_json"})
        else:
            params = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
        f = self.state.take_failure(method)
        if f:
            return self.fail(method, params, f)
        token = self.token()
        want = self.state.app_token if method == "apps.connections.open" else self.state.bot_token
        if not token:
            return self.answer(method, params, 200, {"ok": False, "error": "not_authed"})
        if token != want:
            other = token in (self.state.app_token, self.state.bot_token)
            return self.answer(method, params, 200, {
                "ok": False, "error": "not_allowed_token_type" if other else "invalid_auth"})
        if method == "auth.test":
            return self.answer(method, params, 200, {
                "ok": True, "url": "https://fake.slack.com/", "team": "Fake", "user": "concierge",
                "team_id": "T0FAKE", "user_id": self.state.bot_user, "bot_id": self.state.bot_id})
        if method == "apps.connections.open":
            ticket = "t%d" % next(self.state.seq)
            with self.state.cond:
                self.state.tickets[ticket] = True
            host, port = self.server.server_address[:2]
            base = self.state.ws_base or "ws://%s:%d" % (host, port)
            return self.answer(method, params, 200, {
                "ok": True, "url": "%s/socket?ticket=%s" % (base, ticket)})
        if method == "chat.postMessage":
            return self.post_message(params, ctype)
        self.answer(method, params, 200, {"ok": False, "error": "unknown_method"})

    def answer(self, method, params, status, obj, headers=None):
        self.state.record(method, params, status if obj.get("ok", True) else "%d %s" % (
            status, obj.get("error")), dict(self.headers))
        self.send_json(status, obj, headers)

    def fail(self, method, params, f):
        status = int(f["status"])
        if f.get("delay"):
            time.sleep(float(f["delay"]))
        headers = {}
        if status == 429:
            headers["Retry-After"] = str(int(f.get("retry_after") or 1))
            obj = {"ok": False, "error": "ratelimited"}
        elif status >= 500:
            return self.answer(method, params, status, {"ok": False, "error": "internal_error"})
        else:
            obj = {"ok": False, "error": f.get("error") or "internal_error"}
        self.answer(method, params, status, obj, headers)

    def post_message(self, params, ctype):
        if "json" not in ctype:
            return self.answer("chat.postMessage", params, 200,
                               {"ok": False, "error": "invalid_arguments"})
        channel, text = params.get("channel"), params.get("text")
        if not isinstance(channel, str) or not channel:
            return self.answer("chat.postMessage", params, 200,
                               {"ok": False, "error": "channel_not_found"})
        if not isinstance(text, str) or not text.strip():
            return self.answer("chat.postMessage", params, 200, {"ok": False, "error": "no_text"})
        if "thread_ts" in params and not TS_RE.match(str(params["thread_ts"])):
            return self.answer("chat.postMessage", params, 200,
                               {"ok": False, "error": "invalid_thread_ts"})
        for b in params.get("blocks") or []:
            if bad_block(b):
                return self.answer("chat.postMessage", params, 200,
                                   {"ok": False, "error": "invalid_blocks",
                                    "errors": [bad_block(b)]})
        known = self.state.channels
        if known is not None and channel not in known and not channel.startswith(("U", "W")):
            return self.answer("chat.postMessage", params, 200,
                               {"ok": False, "error": "channel_not_found"})
        ts = "%d.%06d" % (int(self.state.clock()), next(self.state.seq))
        self.answer("chat.postMessage", params, 200, {
            "ok": True, "channel": channel, "ts": ts,
            "message": {"type": "message", "text": text, "user": self.state.bot_user,
                        "bot_id": self.state.bot_id, "ts": ts}})

    def file(self, path):
        with self.state.cond:
            data = self.state.files.get(path)
        if self.token() != self.state.bot_token:
            self.state.record("file", {"path": path}, "200 login page", dict(self.headers))
            return self.send_raw(200, b"<html><body>Sign in to Slack</body></html>",
                                 "text/html")
        if data is None:
            self.state.record("file", {"path": path}, 404, dict(self.headers))
            return self.send_raw(404, b"not found", "text/plain")
        self.state.record("file", {"path": path}, 200, dict(self.headers))
        self.send_raw(200, data, "image/jpeg")

    def socket(self, ticket):
        with self.state.cond:
            known = self.state.tickets.pop(ticket, None)
        key = self.headers.get("Sec-WebSocket-Key")
        if not known or not key or "websocket" not in self.headers.get("Upgrade", "").lower():
            self.state.record("socket", {"ticket": ticket}, 401)
            return self.send_raw(401, b"invalid ticket", "text/plain")
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        link = SocketLink(self.state, self, ticket)
        with self.state.cond:
            self.state.links.append(link)
            self.state.cond.notify_all()
        self.state.record("socket", {"ticket": ticket}, 101)
        if self.state.hello:
            link.send_text({"type": "hello", "num_connections": 1,
                            "debug_info": {"host": "fake"},
                            "connection_info": {"app_id": "A0FAKE"}})
        link.serve()


class FakeSlack:
    def __init__(self, bot_token="xoxb-1-fake", app_token="xapp-1-fake", bot_user="U0BOT",
                 bot_id="B0BOT", channels=None, host="127.0.0.1", port=0, verbose=False,
                 clock=None, tls=None):
        self.state = State(bot_token, app_token, bot_user, bot_id, channels, clock)
        self.server = fakehttp.Server((host, port), Handler, verbose, state=self.state)
        self.tls_server = None
        if tls:
            # TLS=(cert, key): Socket Mode links are wss:// to a listener of their own
            self.tls_server = fakehttp.Server((host, 0), Handler, verbose, state=self.state)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.tls_server.socket = ctx.wrap_socket(self.tls_server.socket, server_side=True)
            self.state.ws_base = "wss://%s:%d" % (host, self.tls_server.server_address[1])
        self.port = self.server.server_address[1]
        self.url = "http://%s:%d" % (host, self.port)
        self.api = self.url + "/api"
        self.files_base = self.url + "/files"
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-slack",
                                       daemon=True)
        self.thread.start()
        if self.tls_server:
            threading.Thread(target=self.tls_server.serve_forever, name="fake-slack-tls",
                             daemon=True).start()
        return self

    def stop(self):
        for link in self.links():
            link.close()
        for server in (self.server, self.tls_server):
            if server:
                server.shutdown()
                server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- steering ----

    def fail(self, method, status, count=1, **kw):
        spec = {"method": method, "status": int(status), "count": int(count)}
        spec.update({k: v for k, v in kw.items() if v is not None})
        with self.state.cond:
            self.state.failures.append(spec)

    def add_file(self, data, name="photo.jpg"):
        """Keeps DATA as a file; returns the file object a message event carries."""
        n = next(self.state.seq)
        path = "/files/T0FAKE-F%d/%s" % (n, name)
        with self.state.cond:
            self.state.files[path] = bytes(data)
        return {"id": "F%d" % n, "name": name, "mimetype": "image/jpeg", "filetype": "jpg",
                "size": len(data), "url_private": self.url + path,
                "url_private_download": self.url + path}

    # ---- Socket Mode ----

    def links(self):
        with self.state.cond:
            return list(self.state.links)

    def open_links(self):
        return [link for link in self.links() if link.open]

    def wait_links(self, n, timeout=15, open_only=True):
        """Waits until N links were opened (and, with OPEN_ONLY, N are open)."""
        deadline = time.monotonic() + timeout
        with self.state.cond:
            while True:
                links = [link for link in self.state.links if link.open or not open_only]
                if len(links) >= n:
                    return links
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("%d websocket links wanted, %d there" % (n, len(links)))
                self.state.cond.wait(left)

    def wait_closed(self, link, timeout=15):
        deadline = time.monotonic() + timeout
        with self.state.cond:
            while link.open:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the link stayed open")
                self.state.cond.wait(left)

    def push_envelope(self, etype, payload, link=None, retry_attempt=0):
        """Sends an envelope on LINK (default the newest open one); its envelope_id."""
        link = link or self.open_links()[-1]
        eid = "env-%d-%s" % (next(self.state.seq), os.urandom(3).hex())
        env = {"envelope_id": eid, "type": etype, "payload": payload,
               "accepts_response_payload": etype != "events_api"}
        if etype == "events_api":
            env["retry_attempt"] = retry_attempt
            env["retry_reason"] = "timeout" if retry_attempt else ""
        with self.state.cond:
            self.state.envelopes.append(eid)
        link.send_text(env)
        return eid

    def disconnect(self, link=None, reason="refresh_requested"):
        link = link or self.open_links()[-1]
        link.send_text({"type": "disconnect", "reason": reason,
                        "debug_info": {"host": "fake"}})
        return link

    def acks(self):
        with self.state.cond:
            return list(self.state.acks)

    def wait_ack(self, eid, timeout=15):
        deadline = time.monotonic() + timeout
        with self.state.cond:
            while eid not in self.state.acks:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("envelope %s not acknowledged" % eid)
                self.state.cond.wait(left)

    # ---- looking ----

    def calls(self, method=None, since=0):
        with self.state.cond:
            return [dict(c) for c in self.state.calls[since:]
                    if method is None or c["method"] == method]

    def posts(self, channel=None, since=0, thread=None):
        """Params of every chat.postMessage that succeeded (to CHANNEL, in THREAD)."""
        return [c["params"] for c in self.calls("chat.postMessage", since) if c["status"] == 200
                and (channel is None or c["params"].get("channel") == channel)
                and (thread is None or c["params"].get("thread_ts") == thread)]

    def wait_for_post(self, channel, needle=None, since=0, timeout=15, thread=None):
        deadline = time.monotonic() + timeout
        with self.state.cond:
            while True:
                for c in self.state.calls[since:]:
                    p = c["params"]
                    if c["method"] == "chat.postMessage" and c["status"] == 200 and \
                            p.get("channel") == channel and \
                            (thread is None or p.get("thread_ts") == thread) and \
                            (needle is None or needle in (p.get("text") or "")):
                        return dict(p)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no post to %s with %r" % (channel, needle))
                self.state.cond.wait(left)

    def wait_for_call(self, method, predicate=None, since=0, timeout=15):
        deadline = time.monotonic() + timeout
        with self.state.cond:
            while True:
                for c in self.state.calls[since:]:
                    if c["method"] == method and (predicate is None or predicate(c)):
                        return dict(c)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no %s call" % method)
                self.state.cond.wait(left)


# ---- what Slack sends: events, interactions, commands ---------------------------------------

_event_ids = itertools.count(1)
_ts = itertools.count(1)


def new_ts(now=None):
    return "%d.%06d" % (int(now or time.time()), next(_ts))


def message_event(channel, user, text, ts=None, thread_ts=None, channel_type="channel",
                  event_type="message", files=None, **extra):
    ev = {"type": event_type, "channel": channel, "user": user, "text": text,
          "ts": ts or new_ts(), "team": "T0FAKE"}
    ev["event_ts"] = ev["ts"]
    if event_type == "message":
        ev["channel_type"] = channel_type
    if thread_ts:
        ev["thread_ts"] = thread_ts
        ev["parent_user_id"] = extra.pop("parent_user_id", user)
    if files:
        ev["files"] = files
        ev["subtype"] = "file_share"
        ev["upload"] = False
    ev.update(extra)
    return ev


def event_callback(event, event_id=None):
    return {"token": "unused", "team_id": "T0FAKE", "api_app_id": "A0FAKE",
            "type": "event_callback", "event": event,
            "event_id": event_id or "Ev%08d" % next(_event_ids),
            "event_time": int(time.time()), "authorizations": [{"user_id": "U0BOT"}]}


def block_actions(channel, user, value, message_ts, thread_ts=None, user_name="someone"):
    message = {"type": "message", "ts": message_ts, "text": "", "user": "U0BOT",
               "bot_id": "B0BOT"}
    container = {"type": "message", "message_ts": message_ts, "channel_id": channel,
                 "is_ephemeral": False}
    if thread_ts:
        message["thread_ts"] = thread_ts
        container["thread_ts"] = thread_ts
    return {"type": "block_actions", "user": {"id": user, "username": user_name,
                                              "name": user_name, "team_id": "T0FAKE"},
            "api_app_id": "A0FAKE", "token": "unused", "container": container,
            "trigger_id": "%d.%s" % (next(_ts), os.urandom(4).hex()),
            "team": {"id": "T0FAKE"}, "channel": {"id": channel, "name": "x"},
            "message": message, "response_url": "https://hooks.slack.invalid/actions/1",
            "actions": [{"action_id": "b0", "block_id": "choices", "type": "button",
                         "value": value, "text": {"type": "plain_text", "text": value},
                         "action_ts": "%d.%06d" % (int(time.time()), next(_ts))}]}


def slash_command(channel, user, text, command="/concierge"):
    return {"token": "unused", "team_id": "T0FAKE", "team_domain": "fake",
            "channel_id": channel, "channel_name": "x", "user_id": user, "user_name": "someone",
            "command": command, "text": text, "api_app_id": "A0FAKE",
            "response_url": "https://hooks.slack.invalid/commands/1",
            "trigger_id": "%d.%s" % (next(_ts), os.urandom(4).hex())}


class SlackPoster:
    """Posts to the gateway as Slack does, signed with SECRET on the time CLOCK gives."""

    def __init__(self, base_url, secret, clock=None):
        self.base = base_url
        self.secret = secret
        self.clock = clock or time.time

    def post(self, path, body, ctype, timestamp=None, signature=None, headers=None):
        ts = str(int(self.clock()) if timestamp is None else timestamp)
        h = {"Content-Type": ctype, "X-Slack-Request-Timestamp": ts,
             "X-Slack-Signature": signature or sign(self.secret, ts, body),
             "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}
        h.update(headers or {})
        req = urllib.request.Request(self.base + path, data=body, method="POST", headers=h)
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def event(self, payload, retry=None, **kw):
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = kw.pop("headers", {}) or {}
        if retry:
            headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
        return self.post("/hooks/slack", body, "application/json", headers=headers, **kw)

    def action(self, payload, **kw):
        body = urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
        return self.post("/hooks/slack/interactive", body, "application/x-www-form-urlencoded",
                         **kw)

    def command(self, fields, **kw):
        body = urllib.parse.urlencode(fields).encode()
        return self.post("/hooks/slack/commands", body, "application/x-www-form-urlencoded", **kw)
