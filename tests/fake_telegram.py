#!/usr/bin/env python3
"""fake_telegram.py - a fake Telegram Bot API server for integration tests.

No machine running the tests reaches api.telegram.org, so the Telegram adapter
is tested against this server on loopback. It checks what the real API checks
(token, required fields, text length in UTF-16 units, inline keyboard shape,
callback_data size, webhook secret charset, one poller at a time, optional
rate limits) and answers with the real API's shapes and descriptions. Tests
steer it through a small control API and can make any method fail, stall or
drop the connection.

Standard library only. Run it as a program:

    python3 tests/fake_telegram.py --port 0 --token TOKEN \\
        [--bot-username ConciergeBot] [--bot-id 777] [--enforce-rate]

It prints "fake telegram listening on http://127.0.0.1:PORT" once ready; the
gateway's api_base is that URL, so calls go to /bot<TOKEN>/METHOD.

Or in-process from a Python test:

    from fake_telegram import FakeTelegram
    with FakeTelegram(token="T", bot_username="ConciergeBot", bot_id=777) as tg:
        ...  # tg.url, tg.push_text(...), tg.wait_for_message(...)

The fake keeps time on ITS clock, a callable returning Unix seconds (default
time.time): the "time" of every recorded call, the rate limits' windows and
the dates of the bot's messages. A test whose gateway runs on a clock the test
moves (Gateway(..., clock=True)) passes clock=gw.now, so the times it asserts
on are the gateway's:

    tg = FakeTelegram(token="T", clock=lambda: gw.now()).start()

Long polls and failure delays stay in real time: they stand for the network.

Control API (JSON, same port):
    POST /_control/update   {"update": {...}} (or the update itself): queue it
                            for getUpdates, update_id assigned when missing; with
                            a webhook set it is POSTed there instead and the
                            answer is {"ok": true, "update_id": N, "status": HTTP}
    POST /_control/fail     {"method", "status", "count", "retry_after",
                            "migrate_to_chat_id", "description", "delay", "raw",
                            "chat_id"}:
                            the next COUNT calls of METHOD ("*" for any; only to
                            chat_id when given) answer
                            that error after sleeping DELAY seconds; status 200
                            only delays; status 0 hangs DELAY seconds and then
                            closes the connection without answering; "raw" sends
                            that text as a non-JSON body
    GET  /_control/calls?method=sendMessage[&since=N]   recorded calls
    POST /_control/reset    forget calls, updates, failures, webhook, messages
    GET  /_control/webhook  {"url", "secret_token", "allowed_updates", ...}
    POST /_control/migrate  {"from": OLD, "to": NEW}: sends to OLD now fail with
                            400 and migrate_to_chat_id NEW, as after an upgrade
    POST /_control/rate     {"enforce": true|false}

Files: tg.add_file(BYTES) keeps a file and returns its file_id; getFile answers
its file_path and file_size, and GET /file/bot<TOKEN>/<file_path> serves the
bytes, as the real API does (recorded as the method "file", which /_control/fail
also takes: {"method": "file", "status": 200, "delay": 5} is a slow download). tg.push_photo(chat_id, BYTES, caption=None, ...)
sends a photo message whose "photo" array holds a thumbnail and the file.
"""

import argparse
import itertools
import json
import math
import re
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import fakehttp

TEXT_MAX = 4096
CALLBACK_DATA_MAX = 64
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}

CONFLICT_WEBHOOK = ("Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first")
CONFLICT_POLL = ("Conflict: terminated by other getUpdates request; "
                 "make sure that only one bot instance is running")


def utf16_len(text):
    return len(text.encode("utf-16-le")) // 2


class ApiError(Exception):
    """An error answer of the Bot API."""

    def __init__(self, code, description, parameters=None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


class Hangup(Exception):
    """Close the connection without answering."""


def bad(description):
    return ApiError(400, "Bad Request: " + description)


def chat_key(chat_id):
    return str(chat_id)


def chat_object(chat_id):
    s = str(chat_id)
    if s.startswith("@"):
        return {"id": -1000000000000 - (sum(map(ord, s)) % 1000000), "type": "channel",
                "username": s[1:]}
    n = int(s)
    if n > 0:
        return {"id": n, "type": "private", "first_name": "User%d" % n}
    if s.startswith("-100"):
        return {"id": n, "type": "supergroup", "title": "Group %s" % s}
    return {"id": n, "type": "group", "title": "Group %s" % s}


def parse_chat_id(value):
    if value is None or value == "":
        raise bad("chat_id is empty")
    if isinstance(value, bool):
        raise bad("chat not found")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        if re.fullmatch(r"-?\d{1,19}", value):
            return int(value)
        if re.fullmatch(r"@[A-Za-z0-9_]{4,32}", value):
            return value
    raise bad("chat not found")


def parse_int(params, name, required=True):
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise bad("%s is empty" % name)
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad("parameter \"%s\" is not an integer" % name) from None


def maybe_json(value):
    """Form and query parameters carry arrays and objects JSON-encoded."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            raise bad("can't parse reply keyboard markup JSON object") from None
    return value


def check_reply_markup(markup):
    if markup is None:
        return None
    markup = maybe_json(markup)
    if not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list):
        raise bad("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array")
    for row in rows:
        if not isinstance(row, list):
            raise bad("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an "
                      "Array of Arrays")
        for button in row:
            if not isinstance(button, dict):
                raise bad("can't parse inline keyboard button: InlineKeyboardButton must "
                          "be an Object")
            if not isinstance(button.get("text"), str):
                raise bad("can't parse inline keyboard button: Field \"text\" must be of "
                          "type String")
            if not button["text"].strip():
                raise bad("inline keyboard button text must be non-empty")
            actions = [k for k in ("callback_data", "url", "switch_inline_query",
                                   "switch_inline_query_current_chat", "web_app", "login_url",
                                   "pay", "callback_game", "copy_text") if k in button]
            if not actions:
                raise bad("can't parse inline keyboard button: Text buttons are unallowed "
                          "in the inline keyboard")
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str):
                    raise bad("can't parse inline keyboard button: Field \"callback_data\" "
                              "must be of type String")
                if not 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_MAX:
                    raise bad("BUTTON_DATA_INVALID")
    return markup


class State:
    """Everything the fake remembers; guarded by one condition variable."""

    def __init__(self, token, bot_username, bot_id, enforce_rate=False, clock=None):
        self.clock = clock or time.time
        self.token = token
        self.bot_username = bot_username
        self.bot_id = int(bot_id)
        self.enforce_rate = enforce_rate
        self.cond = threading.Condition()
        self.reset()

    def reset(self):
        with self.cond:
            self.updates = []
            self.last_update_id = 100000000
            self.webhook = None
            self.calls = []
            self.failures = []
            self.poll_generation = 0
            self.messages = {}  # (chat key, message_id) -> Message
            self.next_message_id = {}
            self.sends = {}  # chat key -> [times]
            self.all_sends = []
            self.migrated = {}
            self.answered = set()
            self.files = {}  # file_id -> {"data", "path", "unique"}
            self.cond.notify_all()

    def bot_user(self):
        return {"id": self.bot_id, "is_bot": True, "first_name": "Concierge",
                "username": self.bot_username}

    # ---- calls ----

    def record(self, method, params, status):
        with self.cond:
            self.calls.append({"method": method, "params": params, "time": self.clock(),
                               "real": time.time(), "status": status})
            self.cond.notify_all()

    def take_failure(self, method, params=None):
        with self.cond:
            for f in self.failures:
                if f.get("chat_id") is not None and \
                        str((params or {}).get("chat_id")) != str(f["chat_id"]):
                    continue
                if f["count"] > 0 and f["method"] in (method, "*"):
                    f["count"] -= 1
                    return dict(f)
            self.failures = [f for f in self.failures if f["count"] > 0]
        return None

    # ---- updates ----

    def push_update(self, update, timeout=10.0):
        """Queue an update, or deliver it to the webhook. Returns the control answer."""
        with self.cond:
            if "update_id" not in update:
                self.last_update_id += 1
                update = dict({"update_id": self.last_update_id}, **update)
            else:
                self.last_update_id = max(self.last_update_id, int(update["update_id"]))
            webhook = dict(self.webhook) if self.webhook else None
            if not webhook:
                self.updates.append(update)
                self.cond.notify_all()
                return {"ok": True, "update_id": update["update_id"], "queued": True}
        status, error = deliver(webhook, update, timeout)
        answer = {"ok": True, "update_id": update["update_id"], "status": status}
        if error:
            answer["error"] = error
        return answer

    # ---- rate limits (only with enforce_rate) ----

    def rate_check(self, chat_id, now):
        key = chat_key(chat_id)
        sends = [t for t in self.sends.get(key, []) if t > now - 60]
        self.sends[key] = sends
        self.all_sends = [t for t in self.all_sends if t > now - 1]
        waits = []
        recent = [t for t in sends if t > now - 1]
        if recent:
            waits.append(recent[0] + 1 - now)
        if key.startswith("-") and len(sends) >= 20:
            waits.append(sends[-20] + 60 - now)
        if len(self.all_sends) >= 30:
            waits.append(self.all_sends[-30] + 1 - now)
        if waits:
            retry = max(1, math.ceil(max(waits)))
            raise ApiError(429, "Too Many Requests: retry after %d" % retry,
                           {"retry_after": retry})

    def note_send(self, chat_id, now):
        self.sends.setdefault(chat_key(chat_id), []).append(now)
        self.all_sends.append(now)


def deliver(webhook, update, timeout):
    """POST one update to the webhook like Telegram does; (HTTP status, error)."""
    body = json.dumps(update, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(webhook["url"], data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    if webhook.get("secret_token"):
        request.add_header("X-Telegram-Bot-Api-Secret-Token", webhook["secret_token"])
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status, None
    except urllib.error.HTTPError as e:
        return e.code, None
    except (urllib.error.URLError, OSError) as e:
        return 0, str(getattr(e, "reason", e))


# ---- the Bot API methods: each takes (state, params) and returns the result ----

def m_get_me(state, params):
    user = state.bot_user()
    user.update({"can_join_groups": True, "can_read_all_group_messages": False,
                 "supports_inline_queries": False})
    return user


def m_get_updates(state, params):
    offset = parse_int(params, "offset", required=False)
    timeout = parse_int(params, "timeout", required=False) or 0
    limit = parse_int(params, "limit", required=False) or 100
    limit = max(1, min(100, limit))
    deadline = time.monotonic() + max(0, timeout)
    with state.cond:
        if state.webhook:
            raise ApiError(409, CONFLICT_WEBHOOK)
        state.poll_generation += 1
        mine = state.poll_generation
        state.cond.notify_all()  # a pending poll sees it was superseded
        if offset is not None:
            if offset < 0:  # the last -offset updates, dropping the rest
                state.updates = state.updates[offset:]
            else:  # confirming: everything before offset is gone for good
                state.updates = [u for u in state.updates if u["update_id"] >= offset]
        while True:
            if state.poll_generation != mine:
                raise ApiError(409, CONFLICT_POLL)
            if state.webhook:
                raise ApiError(409, CONFLICT_WEBHOOK)
            if state.updates:
                return sorted(state.updates, key=lambda u: u["update_id"])[:limit]
            left = deadline - time.monotonic()
            if left <= 0:
                return []
            state.cond.wait(min(left, 0.5))


def new_message(state, chat_id, text, markup):
    key = chat_key(chat_id)
    mid = state.next_message_id.get(key, 1000) + 1
    state.next_message_id[key] = mid
    message = {"message_id": mid, "from": state.bot_user(), "chat": chat_object(chat_id),
               "date": int(state.clock()), "text": text}
    if markup is not None:
        message["reply_markup"] = markup
    state.messages[(key, mid)] = message
    return message


def check_text(text):
    if not isinstance(text, str) or not text.strip():
        raise bad("message text is empty")
    if utf16_len(text) > TEXT_MAX:
        raise bad("message is too long")


def check_migrated(state, chat_id):
    to = state.migrated.get(chat_key(chat_id))
    if to is not None:
        raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                       {"migrate_to_chat_id": to})


def m_send_message(state, params):
    chat_id = parse_chat_id(params.get("chat_id"))
    text = params.get("text")
    check_text(text)
    markup = check_reply_markup(params.get("reply_markup"))
    with state.cond:
        check_migrated(state, chat_id)
        now = state.clock()
        if state.enforce_rate:
            state.rate_check(chat_id, now)
        state.note_send(chat_id, now)
        return new_message(state, chat_id, text, markup)


def m_answer_callback_query(state, params):
    qid = params.get("callback_query_id")
    if not qid:
        raise bad("query is too old and response timeout expired or query ID is invalid")
    text = params.get("text")
    if text is not None and utf16_len(str(text)) > 200:
        raise bad("MESSAGE_TOO_LONG")
    with state.cond:  # a query is answered once; again, it is "too old"
        if str(qid) in state.answered:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        state.answered.add(str(qid))
    return True


def m_set_webhook(state, params):
    url = params.get("url", "")
    if url in (None, ""):
        with state.cond:
            state.webhook = None
            state.cond.notify_all()
        return True
    parts = urllib.parse.urlsplit(str(url))
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise bad("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret not in (None, "") and not SECRET_RE.match(str(secret)):
        raise bad("secret token contains unallowed characters" if len(str(secret)) <= 256
                  else "secret token is too long")
    allowed = maybe_json(params.get("allowed_updates"))
    max_connections = parse_int(params, "max_connections", required=False) or 40
    if not 1 <= max_connections <= 100:
        raise bad("bad webhook: max_connections must be between 1 and 100")
    with state.cond:
        state.webhook = {"url": str(url), "secret_token": secret or None,
                         "allowed_updates": allowed if isinstance(allowed, list) else None,
                         "max_connections": max_connections}
        state.cond.notify_all()  # a pending long poll now conflicts
    return True


def m_delete_webhook(state, params):
    drop = params.get("drop_pending_updates") in (True, "true", "True", "1", 1)
    with state.cond:
        state.webhook = None
        if drop:
            state.updates = []
    return True


def m_get_webhook_info(state, params):
    with state.cond:
        w = state.webhook or {}
        info = {"url": w.get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(state.updates)}
        if w:
            info["max_connections"] = w["max_connections"]
            if w.get("allowed_updates") is not None:
                info["allowed_updates"] = w["allowed_updates"]
        return info


def find_message(state, params):
    if params.get("inline_message_id"):
        return None
    chat_id = parse_chat_id(params.get("chat_id"))
    mid = parse_int(params, "message_id")
    message = state.messages.get((chat_key(chat_id), mid))
    if message is None:
        raise bad("message to edit not found")
    return message


NOT_MODIFIED = ("message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message")


def m_edit_message_reply_markup(state, params):
    markup = check_reply_markup(params.get("reply_markup"))
    with state.cond:
        message = find_message(state, params)
        if message is None:
            return True
        old = message.get("reply_markup")
        if (markup or {"inline_keyboard": []}) == (old or {"inline_keyboard": []}):
            raise bad(NOT_MODIFIED)
        if markup and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(state.clock())
        return message


def m_edit_message_text(state, params):
    text = params.get("text")
    check_text(text)
    markup = check_reply_markup(params.get("reply_markup"))
    with state.cond:
        message = find_message(state, params)
        if message is None:
            return True
        if text == message.get("text") and markup == message.get("reply_markup"):
            raise bad(NOT_MODIFIED)
        message["text"] = text
        if markup is not None:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(state.clock())
        return message


def m_get_file(state, params):
    file_id = params.get("file_id")
    if not isinstance(file_id, str) or not file_id:
        raise bad("file_id is empty")
    with state.cond:
        f = state.files.get(file_id)
    if f is None:
        raise bad("invalid file_id")
    return {"file_id": file_id, "file_unique_id": f["unique"], "file_size": len(f["data"]),
            "file_path": f["path"]}


METHODS = {
    "getme": ("getMe", m_get_me),
    "getfile": ("getFile", m_get_file),
    "getupdates": ("getUpdates", m_get_updates),
    "sendmessage": ("sendMessage", m_send_message),
    "answercallbackquery": ("answerCallbackQuery", m_answer_callback_query),
    "setwebhook": ("setWebhook", m_set_webhook),
    "deletewebhook": ("deleteWebhook", m_delete_webhook),
    "getwebhookinfo": ("getWebhookInfo", m_get_webhook_info),
    "editmessagereplymarkup": ("editMessageReplyMarkup", m_edit_message_reply_markup),
    "editmessagetext": ("editMessageText", m_edit_message_text),
}


class Handler(fakehttp.Handler):
    server_version = "nginx/1.18.0"
    sys_version = ""

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        if getattr(self.server, "verbose", False):
            sys.stderr.write("fake telegram: " + (format % args) + "\n")

    @property
    def state(self):
        return self.server.state

    # ---- plumbing ----

    def do_GET(self):
        self.dispatch(b"")

    def do_POST(self):
        self.dispatch(self.read_body())

    def dispatch(self, body):
        path, _, query = self.path.partition("?")
        try:
            if path.startswith("/_control/"):
                self.control(path[len("/_control/"):], query, body)
            elif path.startswith("/bot"):
                self.api(path, query, body)
            elif path.startswith("/file/bot"):
                self.download(path)
            else:
                self.send_json(404, {"ok": False, "error_code": 404,
                                     "description": "Not Found"})
        except Hangup:
            self.hang_up()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # ---- the Bot API ----

    def params(self, query, body):
        params = {}
        for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True):
            params[k] = maybe_json(v)
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype == "application/json" and body:
            try:
                obj = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                raise bad("can't parse JSON object") from None
            if not isinstance(obj, dict):
                raise bad("can't parse JSON object")
            params.update(obj)
        elif ctype == "application/x-www-form-urlencoded" and body:
            for k, v in urllib.parse.parse_qsl(body.decode("utf-8", "replace"),
                                               keep_blank_values=True):
                params[k] = maybe_json(v)
        elif body and ctype.startswith("multipart/"):
            raise bad("multipart/form-data is not supported by the fake")
        return params

    def api(self, path, query, body):
        token, _, method = path[len("/bot"):].partition("/")
        name, fn = METHODS.get(method.lower(), (method, None))
        try:
            params = self.params(query, body)
        except ApiError as e:
            params = {}
            early = e
        else:
            early = None
        if token != self.state.token:
            return self.answer_error(name, params, ApiError(401, "Unauthorized"))
        failure = self.state.take_failure(name, params)
        if failure:
            if failure.get("delay"):
                time.sleep(float(failure["delay"]))
            if failure["status"] == 0:
                self.state.record(name, params, 0)
                raise Hangup()
            if failure["status"] != 200:
                return self.answer_failure(name, params, failure)
        if fn is None:
            return self.answer_error(name, params, ApiError(404, "Not Found"))
        if early:
            return self.answer_error(name, params, early)
        try:
            result = fn(self.state, params)
        except ApiError as e:
            return self.answer_error(name, params, e)
        self.state.record(name, params, 200)
        self.send_json(200, {"ok": True, "result": result})

    def download(self, path):
        """GET /file/bot<token>/<file_path>: the bytes of a file getFile named. Failures
        for the method "file" apply (a slow download: status 200 with a delay)."""
        token, _, file_path = path[len("/file/bot"):].partition("/")
        failure = self.state.take_failure("file", {"file_path": file_path})
        if failure:
            if failure.get("delay"):
                time.sleep(float(failure["delay"]))
            if failure["status"] == 0:
                self.state.record("file", {"file_path": file_path}, 0)
                raise Hangup()
            if failure["status"] != 200:
                return self.answer_failure("file", {"file_path": file_path}, failure)
        with self.state.cond:
            found = [f for f in self.state.files.values() if f["path"] == file_path]
        ok = token == self.state.token and found
        self.state.record("file", {"file_path": file_path}, 200 if ok else 404)
        if not ok:
            return self.send_json(404, {"ok": False, "error_code": 404,
                                        "description": "Not Found"})
        self.send_raw(200, found[0]["data"], "application/octet-stream")

    def answer_error(self, name, params, e):
        self.state.record(name, params, e.code)
        answer = {"ok": False, "error_code": e.code, "description": e.description}
        if e.parameters:
            answer["parameters"] = e.parameters
        self.send_json(e.code, answer)

    def answer_failure(self, name, params, f):
        status = int(f["status"])
        if f.get("raw") is not None:
            self.state.record(name, params, status)
            return self.send_raw(status, str(f["raw"]).encode("utf-8"), "text/html")
        parameters = {}
        description = f.get("description")
        if status == 429:
            parameters["retry_after"] = int(f.get("retry_after") or 1)
            description = description or ("Too Many Requests: retry after %d"
                                          % parameters["retry_after"])
        elif f.get("retry_after") is not None:
            parameters["retry_after"] = int(f["retry_after"])
        if f.get("migrate_to_chat_id") is not None:
            parameters["migrate_to_chat_id"] = int(f["migrate_to_chat_id"])
            description = description or ("Bad Request: group chat was upgraded to a "
                                          "supergroup chat")
        if not description:
            description = DEFAULT_DESCRIPTIONS.get(status, "Error %d" % status)
        self.answer_error(name, params, ApiError(status, description, parameters or None))

    # ---- control ----

    def control(self, what, query, body):
        state = self.state
        q = dict(urllib.parse.parse_qsl(query))
        try:
            req = json.loads(body.decode("utf-8")) if body else {}
        except (ValueError, UnicodeDecodeError):
            return self.send_json(400, {"ok": False, "error": "body is not JSON"})
        if what == "update":
            update = req.get("update", req) if isinstance(req, dict) else None
            if not isinstance(update, dict):
                return self.send_json(400, {"ok": False, "error": "update must be an object"})
            return self.send_json(200, state.push_update(update, float(req.get("timeout", 10))
                                                         if "update" in req else 10.0))
        if what == "fail":
            if not req.get("method") or "status" not in req:
                return self.send_json(400, {"ok": False, "error": "method and status needed"})
            spec = {"method": req["method"], "status": int(req["status"]),
                    "count": int(req.get("count", 1))}
            for k in ("retry_after", "migrate_to_chat_id", "description", "delay", "raw",
                      "chat_id"):
                if req.get(k) is not None:
                    spec[k] = req[k]
            with state.cond:
                state.failures.append(spec)
            return self.send_json(200, {"ok": True})
        if what == "calls":
            calls = state_calls(state, q.get("method"), int(q.get("since", 0)))
            return self.send_json(200, {"ok": True, "calls": calls})
        if what == "reset":
            state.reset()
            return self.send_json(200, {"ok": True})
        if what == "webhook":
            with state.cond:
                w = state.webhook or {}
                return self.send_json(200, {"url": w.get("url", ""),
                                            "secret_token": w.get("secret_token"),
                                            "allowed_updates": w.get("allowed_updates"),
                                            "max_connections": w.get("max_connections")})
        if what == "migrate":
            with state.cond:
                state.migrated[str(req["from"])] = int(req["to"])
            return self.send_json(200, {"ok": True})
        if what == "rate":
            with state.cond:
                state.enforce_rate = bool(req.get("enforce", True))
            return self.send_json(200, {"ok": True})
        self.send_json(404, {"ok": False, "error": "unknown control " + what})


def state_calls(state, method=None, since=0):
    with state.cond:
        calls = state.calls[since:]
        return [dict(c) for c in calls if method is None or c["method"] == method]


# ---- building updates for tests ----

_MENTION_RE = re.compile(r"@[A-Za-z0-9_]{3,32}")
_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


def entities_for(text):
    """bot_command and mention entities with UTF-16 offsets, as Telegram adds them."""
    found = []
    for regex, kind in ((_COMMAND_RE, "bot_command"), (_MENTION_RE, "mention")):
        for m in regex.finditer(text):
            if kind == "mention" and any(e[0] <= m.start() < e[1] for e in found):
                continue  # the @bot part of /cmd@bot
            found.append((m.start(), m.end(), kind))
    found.sort()
    return [{"type": kind, "offset": utf16_len(text[:start]),
             "length": utf16_len(text[start:end])} for start, end, kind in found]


def text_update(chat_id, text, user_id=5000, first_name="Resident", username=None,
                language_code="zh-hans", chat_type=None, reply_to_bot=None, message_id=None,
                bot=None):
    """A message update; reply_to_bot=N makes it a reply to the bot's message N."""
    chat = chat_object(chat_id)
    if chat_type:
        chat["type"] = chat_type
    sender = {"id": int(user_id), "is_bot": False, "first_name": first_name,
              "language_code": language_code}
    if username:
        sender["username"] = username
    message = {"message_id": message_id or next(_message_ids), "from": sender, "chat": chat,
               "date": int(time.time()), "text": text}
    entities = entities_for(text)
    if entities:
        message["entities"] = entities
    if reply_to_bot is not None:
        bot = bot or {"id": 777, "is_bot": True, "first_name": "Concierge",
                      "username": "ConciergeBot"}
        message["reply_to_message"] = {"message_id": int(reply_to_bot), "from": bot,
                                       "chat": chat, "date": int(time.time()) - 1, "text": ""}
    return {"message": message}


def photo_update(chat_id, sizes, caption=None, user_id=5000, first_name="Resident",
                 language_code="zh-hans", chat_type=None, message_id=None):
    """A photo message; SIZES is the "photo" array ({file_id, file_size, width, ...})."""
    chat = chat_object(chat_id)
    if chat_type:
        chat["type"] = chat_type
    sender = {"id": int(user_id), "is_bot": False, "first_name": first_name,
              "language_code": language_code}
    message = {"message_id": message_id or next(_message_ids), "from": sender, "chat": chat,
               "date": int(time.time()), "photo": sizes}
    if caption is not None:
        message["caption"] = caption
        entities = entities_for(caption)
        if entities:
            message["caption_entities"] = entities
    return {"message": message}


def callback_update(chat_id, data, message_id, user_id=5000, first_name="Resident",
                    query_id=None, bot=None):
    sender = {"id": int(user_id), "is_bot": False, "first_name": first_name}
    return {"callback_query": {
        "id": query_id or str(next(_query_ids)), "from": sender,
        "chat_instance": "-%d" % (abs(hash(str(chat_id))) % 10 ** 18), "data": data,
        "message": {"message_id": int(message_id), "from": bot or {}, "chat": chat_object(chat_id),
                    "date": int(time.time()), "text": ""}}}


_message_ids = itertools.count(500)
_query_ids = itertools.count(9100000000000000000)


class FakeTelegram:
    """The fake in a thread of this process, for Python integration tests.

    url is the api_base to configure (calls go to url + "/bot<token>/METHOD");
    clock (default time.time) is the clock the fake keeps time on (see above).
    """

    def __init__(self, token="123456:TEST-token", bot_username="ConciergeBot", bot_id=777,
                 enforce_rate=False, host="127.0.0.1", port=0, verbose=False, clock=None):
        self.state = State(token, bot_username, bot_id, enforce_rate, clock)
        self.clock = self.state.clock
        self.token = token
        self.bot_username = bot_username
        self.bot_id = int(bot_id)
        self.server = fakehttp.Server((host, port), Handler, verbose, state=self.state)
        self.port = self.server.server_address[1]
        self.url = "http://%s:%d" % (host, self.port)
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-telegram",
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        with self.state.cond:  # wake long polls so their threads end
            self.state.poll_generation += 1
            self.state.cond.notify_all()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- steering ----

    def push_update(self, update, timeout=10.0):
        """Queue (or deliver to the webhook) one update; returns the control answer."""
        return self.state.push_update(update, timeout)

    def push_text(self, chat_id, text, **kw):
        """A message from a person, entities added; see text_update()."""
        kw.setdefault("bot", self.state.bot_user())
        return self.push_update(text_update(chat_id, text, **kw))

    def push_callback(self, chat_id, data, message_id, **kw):
        kw.setdefault("bot", self.state.bot_user())
        return self.push_update(callback_update(chat_id, data, message_id, **kw))

    def add_file(self, data, ext="jpg"):
        """Keeps DATA as a file of the bot's; returns its file_id."""
        with self.state.cond:
            n = len(self.state.files) + 1
            file_id = "AgACAgQAAxk-%d-%s" % (n, os.urandom(4).hex())
            self.state.files[file_id] = {"data": bytes(data), "path": "photos/file_%d.%s" % (n, ext),
                                         "unique": "AQAD%d" % n}
        return file_id

    def push_photo(self, chat_id, data, caption=None, thumb=b"\xff\xd8\xff thumb", sizes=None,
                   **kw):
        """A photo message: a thumbnail and DATA, smallest first, as Telegram sends them
        (SIZES replaces that array)."""
        if sizes is None:
            sizes = [{"file_id": self.add_file(thumb), "file_unique_id": "t",
                      "file_size": len(thumb), "width": 90, "height": 90},
                     {"file_id": self.add_file(data), "file_unique_id": "f",
                      "file_size": len(data), "width": 1280, "height": 960}]
        return self.push_update(photo_update(chat_id, sizes, caption, **kw))

    def fail(self, method, status, count=1, **kw):
        """The next count calls of method answer status (see /_control/fail)."""
        spec = {"method": method, "status": int(status), "count": int(count)}
        spec.update({k: v for k, v in kw.items() if v is not None})
        with self.state.cond:
            self.state.failures.append(spec)

    def migrate(self, old_chat_id, new_chat_id):
        with self.state.cond:
            self.state.migrated[str(old_chat_id)] = int(new_chat_id)

    def reset(self):
        self.state.reset()

    def webhook(self):
        with self.state.cond:
            return dict(self.state.webhook) if self.state.webhook else None

    def pending_updates(self):
        with self.state.cond:
            return list(self.state.updates)

    # ---- looking ----

    def calls(self, method=None, since=0):
        """Recorded calls: dicts of method, params, time (on the fake's clock), real
        (time.time()) and the answered status."""
        return state_calls(self.state, method, since)

    def sent(self, chat_id=None):
        """Params of every sendMessage that succeeded, optionally to one chat."""
        return [c["params"] for c in self.calls("sendMessage") if c["status"] == 200 and
                (chat_id is None or str(c["params"].get("chat_id")) == str(chat_id))]

    def sent_texts(self, chat_id=None):
        return [p.get("text") for p in self.sent(chat_id)]

    def wait_for_call(self, method, predicate=None, timeout=10.0, since=0, status=None):
        """The first recorded call of method (from index since) whose params pass
        (and that was answered with status, when given)."""
        deadline = time.monotonic() + timeout
        with self.state.cond:
            while True:
                for c in self.state.calls[since:]:
                    if c["method"] == method and (status is None or c["status"] == status) \
                            and (predicate is None or predicate(c["params"])):
                        return dict(c)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no %s call matched within %.1fs" % (method, timeout))
                self.state.cond.wait(left)

    def wait_for_message(self, chat_id, predicate=None, timeout=10.0, since=0):
        """The params of the first successful sendMessage to chat_id whose text passes
        predicate (a function of the text, or a substring); raises TimeoutError."""
        if isinstance(predicate, str):
            needle = predicate
            predicate = lambda text: needle in text  # noqa: E731
        return self.wait_for_call(
            "sendMessage",
            lambda p: str(p.get("chat_id")) == str(chat_id) and
            (predicate is None or predicate(p.get("text") or "")),
            timeout, since, status=200)["params"]


def main():
    ap = argparse.ArgumentParser(description="A fake Telegram Bot API server for tests.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--token", required=True)
    ap.add_argument("--bot-username", default="ConciergeBot")
    ap.add_argument("--bot-id", type=int, default=777)
    ap.add_argument("--enforce-rate", action="store_true",
                    help="429 beyond 1 message/s per chat, 20/min per group, 30/s overall")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = ap.parse_args()

    state = State(args.token, args.bot_username, args.bot_id, args.enforce_rate)
    server = fakehttp.Server((args.host, args.port), Handler, args.verbose, state=state)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    host, port = server.server_address[:2]
    print("fake telegram listening on http://%s:%d" % (host, port), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
