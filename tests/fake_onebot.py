"""fake_onebot.py - a fake OneBot v11 implementation (NapCat, Lagrange, go-cqhttp)
for the QQ channel's tests.

What a real implementation does towards the gateway, and checks of it:
  - its forward websocket SERVER (forward()), one per bot account as each
    implementation instance has its own: checks Authorization: Bearer at the
    handshake (401 on a missing or wrong token), says lifecycle "connect",
    sends heartbeats (meta_event "heartbeat" with its interval), events and
    the answers to actions; it can go silent (no heartbeats, no answers, the
    connection left open) or drop the connection;
  - its reverse websocket CLIENT: connects to the gateway's /onebot/v11/ws with
    X-Self-ID, X-Client-Role and the access token (Authorization: Bearer, as
    NapCat and Lagrange send it; "Token", as go-cqhttp does; or
    ?access_token=), says lifecycle "connect", sends events as JSON frames and
    answers the actions that come back {"action","params","echo"} with
    {"status","retcode","data","message","wording","echo"};
  - HTTP POST events signed with X-Signature: sha1=HMAC-SHA1(secret, body);
  - its HTTP API (POST /send_group_msg, /send_private_msg with
    Authorization: Bearer), on the same server as the images it serves
    (GET /img/NAME, what an image segment's url points to).
Every action is recorded (via "fwd", "ws" or "http") with the checks a careful
implementation would make of a message: segments only (never a CQ string),
each a known type, IDs as integers, no @all. Scripted answers make an action
fail (retcode, HTTP status), go unanswered, or close the websocket.

Events are built by group_event() and private_event(), as segment arrays or
as CQ strings with the CQ escapes. Python standard library only.
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import socket
import struct
import threading
import time
import urllib.parse

from fakehttp import Handler, Server

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

_ids = [70000]
_ids_lock = threading.Lock()


def next_message_id():
    with _ids_lock:
        _ids[0] += 1
        return _ids[0]


# ---- CQ strings ------------------------------------------------------------------------

def cq_escape(s, param=False):
    s = s.replace("&", "&amp;").replace("[", "&#91;").replace("]", "&#93;")
    return s.replace(",", "&#44;") if param else s


def cq_string(segments):
    """A segment array as the CQ string an implementation set to the string format sends."""
    out = []
    for seg in segments:
        if seg["type"] == "text":
            out.append(cq_escape(seg["data"]["text"]))
        else:
            params = "".join(",%s=%s" % (k, cq_escape(str(v), True))
                             for k, v in seg["data"].items())
            out.append("[CQ:%s%s]" % (seg["type"], params))
    return "".join(out)


def _message(segments, fmt):
    return cq_string(segments) if fmt == "string" else segments


def _segments(text, mention=None, reply=None, images=()):
    segs = []
    if reply is not None:
        segs.append({"type": "reply", "data": {"id": str(reply)}})
    if mention is not None:
        segs.append({"type": "at", "data": {"qq": str(mention)}})
        text = " " + text if text else text
    if text:
        segs.append({"type": "text", "data": {"text": text}})
    for url in images:
        segs.append({"type": "image", "data": {"file": os.path.basename(url) + ".image",
                                              "url": url}})
    return segs


def group_event(self_id, group_id, user_id, text="", mention=True, fmt="array", reply=None,
                images=(), message_id=None, card="", nickname="邻居", sub_type="normal"):
    """A group message: TEXT after a mention of the bot (MENTION False: none), a quote
    of message REPLY, image URLs; the message as segments or (FMT "string") a CQ string."""
    segs = _segments(text, self_id if mention else None, reply, images)
    return {"time": int(time.time()), "self_id": int(self_id), "post_type": "message",
            "message_type": "group", "sub_type": sub_type,
            "message_id": message_id if message_id is not None else next_message_id(),
            "group_id": int(group_id), "user_id": int(user_id), "anonymous": None,
            "message": _message(segs, fmt), "raw_message": cq_string(segs), "font": 0,
            "sender": {"user_id": int(user_id), "nickname": nickname, "card": card,
                       "role": "member"}}


def private_event(self_id, user_id, text="", fmt="array", images=(), sub_type="friend",
                  message_id=None, nickname="邻居"):
    """A private message (SUB_TYPE "group": a temporary session from a group)."""
    segs = _segments(text, None, None, images)
    return {"time": int(time.time()), "self_id": int(self_id), "post_type": "message",
            "message_type": "private", "sub_type": sub_type,
            "message_id": message_id if message_id is not None else next_message_id(),
            "user_id": int(user_id), "message": _message(segs, fmt),
            "raw_message": cq_string(segs), "font": 0,
            "sender": {"user_id": int(user_id), "nickname": nickname}}


def heartbeat(self_id, interval=5000):
    return {"time": int(time.time()), "self_id": int(self_id), "post_type": "meta_event",
            "meta_event_type": "heartbeat", "status": {"online": True, "good": True},
            "interval": interval}


def lifecycle(self_id):
    """What go-cqhttp, NapCat and Lagrange say first on a websocket."""
    return {"time": int(time.time()), "self_id": int(self_id), "post_type": "meta_event",
            "meta_event_type": "lifecycle", "sub_type": "connect"}


def sign(secret, body):
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


# ---- what an action says ---------------------------------------------------------------

def text_of(params):
    """The text segments of an action's message, joined."""
    msg = params.get("message")
    if not isinstance(msg, list):
        return ""
    return "".join(s["data"].get("text", "") for s in msg
                   if isinstance(s, dict) and s.get("type") == "text")


def segments_of(params, kind):
    msg = params.get("message")
    return [s["data"] for s in msg if isinstance(s, dict) and s.get("type") == kind] \
        if isinstance(msg, list) else []


def _check_message(action, params):
    """What a careful implementation would refuse or a resident must never get."""
    problems = []
    if action == "send_group_msg" and not isinstance(params.get("group_id"), int):
        problems.append("group_id is not an integer")
    if action == "send_private_msg" and not isinstance(params.get("user_id"), int):
        problems.append("user_id is not an integer")
    if "group_id" in params and not isinstance(params.get("group_id"), int):
        problems.append("group_id is not an integer")
    msg = params.get("message")
    if not isinstance(msg, list):
        problems.append("message is not a segment array: %r" % (msg,))
        return problems
    for s in msg:
        if not isinstance(s, dict) or s.get("type") not in ("text", "at", "reply", "image") \
                or not isinstance(s.get("data"), dict):
            problems.append("bad segment %r" % (s,))
        elif s["type"] == "at" and (s["data"].get("qq") == "all"
                                    or not str(s["data"].get("qq", "")).isdigit()):
            problems.append("at %r" % (s["data"].get("qq"),))
        elif s["type"] == "text" and not isinstance(s["data"].get("text"), str):
            problems.append("text segment without text")
    return problems


# ---- the fake ----------------------------------------------------------------------------

class FakeOneBot:
    def __init__(self, token, secret=None, verbose=False, clock=time.time):
        self.token = token
        self.secret = secret
        self.clock = clock
        self.cond = threading.Condition()
        self.actions = []     # every action taken, as recorded by record()
        self.violations = []  # (action, problem)
        self.plan = []        # scripted answers: [match, behaviour, times]
        self.images = {}      # name -> bytes served at /img/NAME
        self.clients = []
        self.forwards = []
        self.verbose = verbose
        self.http = Server(("127.0.0.1", 0), _ApiHandler, verbose=verbose, fake=self)
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        for c in list(self.clients):
            c.close()
        for f in list(self.forwards):
            f.stop()
        self.http.shutdown()
        self.http.server_close()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.http.server_address[1]

    def image_url(self, name, data):
        self.images[name] = data
        return "%s/img/%s?appid=1407&fileid=%s" % (self.url, name, name)

    # ---- scripted answers ----------------------------------------------------------------

    def script(self, behaviour, action=None, times=1, **match):
        """The next TIMES actions (of ACTION, whose params have MATCH) get BEHAVIOUR:
        ("fail", retcode, msg), ("status", http_status) (HTTP API only), ("silent",)
        (no answer), ("close",) (the websocket closes, unanswered)."""
        with self.cond:
            self.plan.append([(action, match), behaviour, times])

    def _behaviour(self, action, params):
        with self.cond:
            for entry in self.plan:
                (want, match), behaviour, times = entry
                if times <= 0 or (want and want != action):
                    continue
                if any(params.get(k) != v for k, v in match.items()):
                    continue
                entry[2] -= 1
                return behaviour
        return ("ok",)

    def take(self, via, bot, action, params, echo=None, behaviour=None):
        """Records one action and decides its answer: (behaviour, answer dict or None).
        BEHAVIOUR: this one, not the script's (("lost",): a silent link's)."""
        behaviour = behaviour or self._behaviour(action, params)
        answer = None
        if behaviour[0] == "ok":
            answer = {"status": "ok", "retcode": 0, "data": {"message_id": next_message_id()},
                      "message": "", "wording": ""}
        elif behaviour[0] == "fail":
            answer = {"status": "failed", "retcode": behaviour[1], "data": None,
                      "msg": behaviour[2], "message": behaviour[2], "wording": behaviour[2]}
        if answer is not None and echo is not None:
            answer["echo"] = echo
        rec = {"via": via, "bot": str(bot), "action": action, "params": params, "echo": echo,
               "behaviour": behaviour[0], "answer": answer, "at": self.clock()}
        with self.cond:
            if action in ("send_group_msg", "send_private_msg"):
                for p in _check_message(action, params):
                    self.violations.append((action, p))
            self.actions.append(rec)
            self.cond.notify_all()
        return behaviour, answer

    # ---- looking at what was done -----------------------------------------------------------

    def sent(self, since=0, chat=None, delivered=True):
        """Messages sent since action SINCE: (chat, text, params, record); CHAT
        "group:N" or a QQ number; DELIVERED: only those answered ok."""
        out = []
        with self.cond:
            acts = self.actions[since:]
        for a in acts:
            if a["action"] not in ("send_group_msg", "send_private_msg"):
                continue
            if delivered and a["behaviour"] != "ok":
                continue
            p = a["params"]
            c = ("group:%s" % p.get("group_id") if a["action"] == "send_group_msg"
                 else str(p.get("user_id")))
            if chat is None or c == str(chat):
                out.append((c, text_of(p), p, a))
        return out

    def mark(self):
        with self.cond:
            return len(self.actions)

    def wait_sent(self, chat, needle, since=0, timeout=15, delivered=True):
        """The first message to CHAT since SINCE whose text has NEEDLE: (text, params, record)."""
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for c, text, p, a in self.sent(since, chat, delivered):
                    if needle in text:
                        return text, p, a
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError("no message with %r to %s" % (needle, chat))
                self.cond.wait(min(left, 0.2))

    def wait_actions(self, n, since=0, timeout=15):
        deadline = time.time() + timeout
        with self.cond:
            while len(self.actions) - since < n:
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError("%d actions expected, %d came"
                                       % (n, len(self.actions) - since))
                self.cond.wait(min(left, 0.2))
            return self.actions[since:]

    # ---- the reverse websocket ---------------------------------------------------------------

    def connect(self, port, self_id, auth="bearer", token=None, role="Universal", headers=None,
                path="/onebot/v11/ws"):
        """A reverse websocket of bot SELF_ID to the gateway on PORT; ConnectionError when
        refused. AUTH: "bearer", "token" (go-cqhttp), "query" or None; TOKEN: another one."""
        token = self.token if token is None else token
        h = {}
        if self_id is not None:
            h["X-Self-ID"] = str(self_id)
        if role is not None:
            h["X-Client-Role"] = role
        if auth == "bearer":
            h["Authorization"] = "Bearer " + token
        elif auth == "token":
            h["Authorization"] = "Token " + token
        elif auth == "query":
            path += "?access_token=" + urllib.parse.quote(token)
        h.update(headers or {})
        c = ReverseClient(self, port, path, h, self_id)
        with self.cond:
            self.clients.append(c)
        return c

    # ---- the forward websocket ---------------------------------------------------------------

    def forward(self, self_id, interval=5000, every=0.3):
        """Bot SELF_ID's forward websocket server, started (its url: ws://127.0.0.1:PORT).
        Heartbeats say INTERVAL ms and come every EVERY real seconds, so a test that
        moves the gateway's clock decides when one is missed."""
        f = ForwardServer(self, self_id, interval, every).start()
        with self.cond:
            self.forwards.append(f)
        return f

    # ---- HTTP POST events -----------------------------------------------------------------------

    def post_event(self, base_url, event, secret=None, signature=None, self_id=None,
                   path="/hooks/onebot"):
        """POSTs EVENT as the implementation does; (status, body). SIGNATURE overrides
        the X-Signature header ("" leaves it out); SELF_ID the X-Self-ID header."""
        body = json.dumps(event, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json",
                   "X-Self-ID": str(self_id if self_id is not None else event["self_id"])}
        sig = sign(secret or self.secret or "", body) if signature is None else signature
        if sig:
            headers["X-Signature"] = sig
        u = urllib.parse.urlparse(base_url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        conn.request("POST", path, body=body, headers=headers)
        r = conn.getresponse()
        out = r.status, r.read()
        conn.close()
        return out


class _Peer:
    """One end of a websocket (RFC 6455 framing, text frames), either side: a client
    masks what it sends; what comes masked is unmasked. A reader thread answers
    pings, reassembles messages and answers actions; SILENT leaves them unanswered."""
    via = "ws"

    def __init__(self, fake, self_id, sock, recv, mask):
        self.fake = fake
        self.self_id = self_id
        self.sock = sock
        self._recv_some = recv
        self.mask = mask
        self.buf = b""
        self.wlock = threading.Lock()
        self.closed = threading.Event()
        self.silent = False

    def _frame(self, op, data):
        n = len(data)
        bit = 0x80 if self.mask else 0
        if n < 126:
            hdr = struct.pack("!BB", 0x80 | op, bit | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", 0x80 | op, bit | 126, n)
        else:
            hdr = struct.pack("!BBQ", 0x80 | op, bit | 127, n)
        if self.mask:
            key = os.urandom(4)
            hdr += key
            data = bytes(b ^ key[i % 4] for i, b in enumerate(data))
        with self.wlock:
            self.sock.sendall(hdr + data)

    def send(self, obj):
        """One event (a dict, or raw text) as a text frame."""
        data = obj if isinstance(obj, (bytes, str)) else json.dumps(obj, ensure_ascii=False)
        self._frame(0x1, data.encode() if isinstance(data, str) else data)

    def _recv_exact(self, n):
        while len(self.buf) < n:
            chunk = self._recv_some(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _read(self):
        message = b""
        try:
            while True:
                b1, b2 = self._recv_exact(2)
                op, n = b1 & 0x0F, b2 & 0x7F
                if n == 126:
                    n = struct.unpack("!H", self._recv_exact(2))[0]
                elif n == 127:
                    n = struct.unpack("!Q", self._recv_exact(8))[0]
                key = self._recv_exact(4) if b2 & 0x80 else None
                payload = self._recv_exact(n)
                if key:
                    payload = bytes(c ^ key[i % 4] for i, c in enumerate(payload))
                if op == 0x9:
                    self._frame(0xA, payload)
                elif op == 0x8:
                    try:
                        self._frame(0x8, payload[:2])
                    except OSError:
                        pass
                    break
                elif op in (0x0, 0x1):
                    message += payload
                    if b1 & 0x80:
                        self._action(json.loads(message.decode()))
                        message = b""
        except (OSError, ConnectionError, ValueError):
            pass
        self._gone()

    def _gone(self):
        try:
            self.sock.close()
        except OSError:
            pass
        self.closed.set()
        with self.fake.cond:
            self.fake.cond.notify_all()

    def _action(self, frame):
        if not isinstance(frame, dict) or "action" not in frame or "echo" not in frame:
            with self.fake.cond:
                self.fake.violations.append(("frame", "not an action with an echo: %r" % frame))
            return
        behaviour, answer = self.fake.take(self.via, self.self_id, frame["action"],
                                           frame.get("params") or {}, frame["echo"],
                                           ("lost",) if self.silent else None)
        if behaviour[0] == "close":
            self.close()
        elif answer is not None:
            self.send(answer)

    def close(self):
        """Closes with a close frame (1000)."""
        try:
            self._frame(0x8, b"\x03\xe8")
        except OSError:
            pass
        self.drop()

    def drop(self):
        """Hangs up without a close frame (the implementation's process died)."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.closed.set()


class ReverseClient(_Peer):
    """One reverse websocket: the client's handshake, then the lifecycle event."""

    def __init__(self, fake, port, path, headers, self_id):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        super().__init__(fake, self_id, sock, sock.recv, mask=True)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1:%d" % port,
                 "Upgrade: websocket", "Connection: Upgrade",
                 "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"]
        lines += ["%s: %s" % kv for kv in headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        resp = b""
        while b"\r\n\r\n" not in resp:
            chunk = self.sock.recv(4096)
            if not chunk:
                self.sock.close()
                raise ConnectionError("closed during the handshake: %r" % resp)
            resp += chunk
        head, self.buf = resp.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            self.sock.close()
            raise ConnectionError("handshake refused: %r" % head.split(b"\r\n")[0])
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest())
        if accept not in head:
            raise ConnectionError("bad Sec-WebSocket-Accept")
        self.sock.settimeout(None)
        self.send(lifecycle(self_id))
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()


class ForwardLink(_Peer):
    """One connection the gateway opened to a forward websocket server."""
    via = "fwd"

    def __init__(self, server, handler):
        super().__init__(server.fake, server.self_id, handler.connection,
                         handler.rfile.read1, mask=False)
        self.server = server
        self.beats = 0

    def serve(self, interval, every):
        """Lifecycle, then heartbeats on a thread of their own; reads until closed."""
        self.send(lifecycle(self.self_id))
        threading.Thread(target=self._beat, args=(interval, every), daemon=True).start()
        self._read()

    def _beat(self, interval, every):
        while not self.closed.wait(every):
            if self.silent:
                continue
            try:
                self.send(heartbeat(self.self_id, interval))
                self.beats += 1
            except OSError:
                break

    def go_silent(self):
        """No more heartbeats, answers or anything, the connection left open."""
        self.silent = True


class ForwardServer:
    """Bot SELF_ID's forward websocket server (what NapCat's or go-cqhttp's `ws` server
    is): attempts records every handshake ({"at", "real", "ok"}), links every
    connection accepted. TOKEN (None: the fake's) is what the handshake must carry."""

    def __init__(self, fake, self_id, interval, every):
        self.fake = fake
        self.self_id = self_id
        self.interval = interval
        self.every = every
        self.token = None
        self.attempts = []
        self.links = []
        self.http = Server(("127.0.0.1", 0), _ForwardHandler, verbose=fake.verbose, fwd=self)

    def start(self):
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        return self

    def stop(self):
        for link in list(self.links):
            link.drop()
        self.http.shutdown()
        self.http.server_close()

    @property
    def url(self):
        return "ws://127.0.0.1:%d" % self.http.server_address[1]

    def open_links(self):
        with self.fake.cond:
            return [k for k in self.links if not k.closed.is_set()]

    def wait_link(self, n=1, timeout=15):
        """The newest link once N were accepted in all and it is open."""
        deadline = time.time() + timeout
        with self.fake.cond:
            while len(self.links) < n or self.links[-1].closed.is_set():
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError("%d forward links expected, %d came"
                                       % (n, len(self.links)))
                self.fake.cond.wait(min(left, 0.2))
            return self.links[-1]

    def wait_attempts(self, n, timeout=15):
        deadline = time.time() + timeout
        with self.fake.cond:
            while len(self.attempts) < n:
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError("%d handshakes expected, %d came"
                                       % (n, len(self.attempts)))
                self.fake.cond.wait(min(left, 0.2))
            return list(self.attempts)

    def send(self, event):
        """EVENT over the newest open link."""
        links = self.open_links()
        if not links:
            raise ConnectionError("no forward link open")
        links[-1].send(event)


class _ForwardHandler(Handler):
    """The forward websocket server's handshake: GET / with the bearer token."""

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)

    def do_GET(self):
        fwd = self.server.fwd
        fake = fwd.fake
        token = fwd.token if fwd.token is not None else fake.token
        key = self.headers.get("Sec-WebSocket-Key")
        auth = self.headers.get("Authorization", "")
        ok = auth == "Bearer " + token
        with fake.cond:
            fwd.attempts.append({"at": fake.clock(), "real": time.time(), "ok": ok})
            fake.cond.notify_all()
        if urllib.parse.urlparse(self.path).path != "/":
            return self.send_json(404, {"status": "failed", "retcode": 1404})
        if not key or "websocket" not in self.headers.get("Upgrade", "").lower():
            return self.send_json(400, {"status": "failed", "retcode": 1400})
        if not ok:
            # go-cqhttp and NapCat: 401 for a missing or wrong access token
            return self.send_json(401, {"status": "failed", "retcode": 1401})
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        link = ForwardLink(fwd, self)
        with fake.cond:
            fwd.links.append(link)
            fake.cond.notify_all()
        link.serve(fwd.interval, fwd.every)


class _ApiHandler(Handler):
    """The implementation's HTTP API, and the image server."""

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)

    def do_GET(self):
        fake = self.server.fake
        path = urllib.parse.urlparse(self.path).path
        if path.startswith("/img/") and path[5:] in fake.images:
            self.send_raw(200, fake.images[path[5:]], "image/jpeg")
        else:
            self.send_json(404, {"status": "failed", "retcode": 1404})

    def do_POST(self):
        fake = self.server.fake
        body = self.read_body()
        auth = self.headers.get("Authorization", "")
        if not auth:
            self.send_json(401, {"status": "failed", "retcode": 1401})
            return
        if auth != "Bearer " + fake.token:
            self.send_json(403, {"status": "failed", "retcode": 1403})
            return
        try:
            params = json.loads(body.decode() or "{}")
        except ValueError:
            self.send_json(400, {"status": "failed", "retcode": 1400})
            return
        action = urllib.parse.urlparse(self.path).path.strip("/")
        behaviour, answer = fake.take("http", None, action, params)
        if behaviour[0] == "status":
            self.send_json(behaviour[1], {"status": "failed", "retcode": behaviour[1]})
        elif behaviour[0] in ("silent", "close"):
            self.hang_up()
        else:
            self.send_json(200, answer)
