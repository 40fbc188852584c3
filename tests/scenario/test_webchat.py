"""The web chat as residents and staff use it: the page at / and its websocket.

Each test starts the real gateway (the sanitizer build) with the example
configuration and plays visitors with the minimal websocket client in
gateway.py: a resident files an order end to end, comes back and finds the
conversation, a staff member takes the order from the same page with a
personal link, and notices reach the resident's open page live, including
those written by another process (a technician at the desk terminal).
"""
import hashlib
import json
import os
import re
import socket
import sqlite3
import time
import unittest

from gateway import sqlite_file  # noqa: E402
from gateway import (ASK_DESCRIPTION, ASK_NAME, ASK_ROOM, CREATED, INTAKE, ORDER_RE, PING,
                     SUMMARY, Gateway, WebChat, WebSocket, tiny_jpeg, tiny_png)
WANG_TOKEN = "demo-wang-token-4417"


def texts(messages):
    return [m.get("text", "") for m in messages]


def recv_until(ws, predicate, timeout=5.0, what="a message"):
    """Reads frames until PREDICATE(frame) is true; returns (frame, everything read)."""
    seen = []
    deadline = time.time() + timeout
    while True:
        left = deadline - time.time()
        if left <= 0:
            raise AssertionError("no %s within %.1fs; got %r" % (what, timeout, seen))
        try:
            m = ws.recv(timeout=left)
        except socket.timeout:
            continue
        seen.append(m)
        if predicate(m):
            return m, seen


class WebChatTest(unittest.TestCase):
    def setUp(self):
        self.gw = Gateway()
        self.addCleanup(self.gw.close)
        self.gw.start()

    def tearDown(self):
        # Stop first so leak reports reach stderr, then look for sanitizer reports.
        self.assertEqual(self.gw.stop(), 0)
        self.gw.assert_clean(self)

    def visitor(self):
        v = self.gw.web()
        self.addCleanup(v.close)
        return v

    def file_order(self, v):
        """The README's request, answered line by line, then the confirm button."""
        replies = []
        for text in INTAKE:
            got = v.say(text)
            self.assertTrue(got, "no reply to %r" % text)
            replies.extend(got)
        summary = replies[-1]
        self.assertIn(SUMMARY, summary["text"])
        self.assertIn("yes", [b["data"] for b in summary["buttons"]])
        yes = [b for b in summary["buttons"] if b["data"] == "yes"][0]
        done = v.say(yes["label"], data="yes")
        created = [m for m in done if CREATED in m["text"]]
        self.assertTrue(created, texts(done))
        return ORDER_RE.search(created[0]["text"]).group(0)

    # ---- the page ---------------------------------------------------------------------

    def test_page_sets_cookie_and_csp(self):
        status, headers, body = self.gw.request("GET", "/")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/html"))
        self.assertIn(b"<html", body.lower())
        cookie = headers.get("set-cookie", "")
        self.assertRegex(cookie, r"^cc_visitor=[0-9a-f]{32};")
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite", cookie)
        csp = headers.get("content-security-policy", "")
        self.assertIn("default-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        # A returning visitor keeps the cookie it has.
        status, headers, _ = self.gw.request("GET", "/", headers={"Cookie": cookie.split(";")[0]})
        self.assertEqual(status, 200)
        self.assertNotIn("set-cookie", headers)
        # Two new visitors are two people.
        _, other, _ = self.gw.request("GET", "/")
        self.assertNotEqual(other["set-cookie"].split(";")[0], cookie.split(";")[0])
        # The page's script and style are served too.
        for asset in re.findall(rb'(?:src|href)="(/[^"]+\.(?:js|css))"', body):
            status, _, _ = self.gw.request("GET", asset.decode())
            self.assertEqual(status, 200, asset)

    def test_file_order_end_to_end(self):
        v = self.visitor()
        welcome = v.connect()
        self.assertEqual(welcome["who"]["kind"], "resident")
        self.assertEqual(welcome["history"], [])
        self.assertEqual(welcome["title"], self.gw.config["channels"]["web"]["title"])
        num = self.file_order(v)

        o = self.gw.assert_readme_order(self, num, "web:")
        self.assertIsNone(o["assignee"])
        # The store knows the visitor by a hash, never by the cookie itself.
        token = v.cookie.split("=", 1)[1]
        self.assertNotIn(token, json.dumps(self.gw.orders()))
        shown = self.gw.order(num)
        self.assertTrue(shown["events"])

        # Coming back with the same cookie brings the conversation back.
        v.close()
        again = WebChat(self.gw, cookie=v.cookie)
        self.addCleanup(again.close)
        history = again.connect()["history"]
        mine = [h["text"] for h in history if h["from"] == "me"]
        bots = [h for h in history if h["from"] == "bot"]
        self.assertEqual(mine[:len(INTAKE)], INTAKE)
        self.assertEqual(len(mine), len(INTAKE) + 1)  # and the pressed button's label
        self.assertTrue(any(CREATED in h["text"] and num in h["text"] for h in bots))
        summary = [h for h in bots if SUMMARY in h["text"]]
        self.assertTrue(summary)
        self.assertIn("yes", [b["data"] for b in summary[-1].get("buttons", [])])
        self.assertTrue(all(isinstance(h["at"], int) for h in history))
        # The page's own ids come back, so it can tell what arrived.
        self.assertTrue(all(h.get("id") for h in history if h["from"] == "me"))

        # Somebody else sees nothing of it.
        stranger = self.visitor()
        self.assertEqual(stranger.connect()["history"], [])

    def test_same_message_id_is_stored_once(self):
        v = self.visitor()
        v.connect()
        v.say("/repair")
        frame = {"type": "say", "id": "dup-1", "text": "厨房水管漏水"}
        v.ws.send(frame)
        m, first = recv_until(v.ws, lambda m: m.get("type") == "ack" and m["id"] == "dup-1",
                              what="the first ack")
        # The page did not see the ack in time and sends it again.
        v.ws.send(frame)
        m, second = recv_until(v.ws, lambda m: m.get("type") == "ack" and m["id"] == "dup-1",
                               what="the second ack")
        # Collect the replies; the description must have been taken once only, so
        # the next answer is the room, followed by the question for a name.
        got = v.say("3-2-501")
        self.assertTrue(any(ASK_NAME in t for t in texts(got)), texts(first + second + got))
        v.close()
        history = WebChat(self.gw, cookie=v.cookie)
        self.addCleanup(history.close)
        lines = history.connect()["history"]
        mine = [h["text"] for h in lines if h["from"] == "me"]
        self.assertEqual(mine, ["/repair", "厨房水管漏水", "3-2-501"])
        self.assertEqual(sum(1 for h in lines if h.get("id") == "dup-1"), 1)
        # One question for the room, not two.
        asked_room = [h for h in lines if h["from"] == "bot" and "房号" in h["text"]]
        self.assertEqual(len(asked_room), 1, [h["text"] for h in lines])

    def test_page_language_is_a_hint(self):
        """An English browser is answered in English; Chinese typed there still in Chinese."""
        v = self.visitor()
        v.connect(lang="en")
        got = texts(v.say("/repair"))
        self.assertTrue(any("repair" in t for t in got), got)
        self.assertFalse(any("报修" in t or "维修" in t for t in got), got)
        w = self.visitor()
        w.connect(lang="en")
        got = texts(w.say("报修"))
        self.assertTrue(any("登记维修服务" in t for t in got), got)

    def test_no_cookie_is_refused(self):
        ws = WebSocket("127.0.0.1", self.gw.port, "/ws/chat")
        self.addCleanup(ws.close)
        ws.send({"type": "hello", "lang": "zh"})
        m = ws.recv(timeout=5)
        self.assertEqual(m["type"], "error", m)
        self.assertTrue(m.get("message"))
        # And nothing it says is taken.
        ws.send({"type": "say", "id": "x1", "text": "/repair"})
        m = ws.recv(timeout=5)
        self.assertEqual(m["type"], "error", m)
        self.assertEqual(self.gw.orders(), [])

    def test_bad_frames(self):
        v = self.visitor()
        v.connect()
        for frame in ("not json", {"no": "type"}, {"type": "dance"},
                      {"type": "say", "text": "no id"}, {"type": "say", "id": "x" * 100, "text": "a"}):
            v.ws.send(frame)
            m = v.ws.recv(timeout=5)
            self.assertEqual(m["type"], "error", (frame, m))
        # A message over the limit gets one answer, however many pieces it arrives in.
        v.ws.send({"type": "say", "id": "huge", "text": "漏" * 30000})
        m = v.ws.recv(timeout=5)
        self.assertEqual(m["type"], "error")
        self.assertIn("too large", m["message"])
        # Still alive and talking afterwards, and nothing else was said in between.
        got = v.say("/repair")
        self.assertTrue(got)
        self.assertNotIn("error", [x.get("type") for x in got])

    def test_hello_twice_sends_history_once(self):
        """A page that says hello again gets a short refusal, not the history again."""
        v = self.visitor()
        v.connect()
        v.say("/repair")
        v.close()
        again = WebChat(self.gw, cookie=v.cookie)
        again.seq = v.seq  # the same page's next line ids
        self.addCleanup(again.close)
        self.assertTrue(again.connect()["history"])
        for _ in range(3):
            again.ws.send({"type": "hello", "lang": "zh"})
            m = again.ws.recv(timeout=5)
            self.assertEqual(m["type"], "error", m)
            self.assertNotIn("history", m)
        # and the page goes on as before: the request asks for the room next
        got = again.say("厨房水管漏水")
        self.assertTrue(any(ASK_ROOM in t for t in texts(got)), texts(got))

    def test_pace_is_per_visitor_not_per_page(self):
        """Twenty frames in ten seconds per visitor, however many pages they open (each
        page's hello is one): one notice for the first line over, then silence."""
        first = self.visitor()
        first.connect()
        pages = [first] + [WebChat(self.gw, cookie=first.cookie) for _ in range(2)]
        for p in pages[1:]:
            self.addCleanup(p.close)
            p.connect()
        answers = []
        for i in range(18):
            page = pages[i % len(pages)]
            page.ws.send({"type": "say", "id": "p%d" % i, "text": "你好 %d" % i})
            m, _ = recv_until(page.ws, lambda m: m.get("id") == "p%d" % i,
                              what="the answer to line %d" % i)
            answers.append(m["type"])
        self.assertEqual(answers.count("ack"), 17, answers)
        self.assertEqual(answers[17], "error", answers)
        for i in range(18, 30):  # dropped: each page told once at most, nothing stored
            page = pages[i % len(pages)]
            page.ws.send({"type": "say", "id": "p%d" % i, "text": "你好 %d" % i})
        late = ["p%d" % i for i in range(18, 30)]
        for page in pages:
            got = []
            with self.assertRaises(AssertionError):  # quiet at last
                recv_until(page.ws, lambda m: got.append(m) and False, timeout=0.7)
            self.assertFalse([m for m in got if m.get("type") == "ack" and m["id"] in late], got)
            self.assertLessEqual(len([m for m in got if m.get("type") == "error"]), 1, got)
        # another visitor is not held back by them
        other = self.visitor()
        other.connect()
        got = other.say("/repair")
        self.assertTrue(any(ASK_DESCRIPTION in t for t in texts(got)), texts(got))

    def test_many_visitors_write_at_once(self):
        """More visitors than a fixed table of paces would hold write in the same
        ten seconds: every line is stored and answered, each on its own page. They
        all come from loopback: the pace of one address is off here."""
        self.assertEqual(self.gw.stop(), 0)
        self.gw = Gateway({"channels": {"web": {"address_pace": 0}}})
        self.addCleanup(self.gw.close)
        self.gw.start()
        pages = [self.visitor() for _ in range(300)]
        for v in pages:
            v.connect()
        for i, v in enumerate(pages):
            v.ws.send({"type": "say", "id": "m%d" % i, "text": "物业费在哪交"})
        for i, v in enumerate(pages):
            ack, _ = recv_until(v.ws, lambda m: m.get("id") == "m%d" % i, timeout=30,
                                what="the answer to visitor %d's line" % i)
            self.assertEqual(ack["type"], "ack", ack)
            answer, _ = recv_until(v.ws, lambda m: m.get("type") == "message", timeout=30,
                                   what="the bot's answer to visitor %d" % i)
            self.assertIn("物业费 2.2 元", answer["text"])
        _, h = self.gw.get_json("/healthz")
        self.assertEqual(h["channels"]["web"]["clients"], 300)
        # nobody heard another visitor's answer
        for v in pages[:20]:
            with self.assertRaises(socket.timeout):
                v.ws.recv(timeout=0.05)

    def test_other_origin_refused(self):
        cookie = WebChat(self.gw).cookie
        with self.assertRaises(ConnectionError):
            WebSocket("127.0.0.1", self.gw.port, "/ws/chat",
                      {"Cookie": cookie, "Origin": "http://evil.example"})
        with self.assertRaises(ConnectionError):
            WebSocket("127.0.0.1", self.gw.port, "/ws/chat",
                      {"Cookie": cookie, "Origin": "http://127.0.0.1:%d.evil.example" % self.gw.port})
        # A long foreign Origin is refused too, not taken for a missing one.
        with self.assertRaises(ConnectionError):
            WebSocket("127.0.0.1", self.gw.port, "/ws/chat",
                      {"Cookie": cookie, "Origin": "https://" + "a" * 600 + ".evil.example"})
        ok = WebSocket("127.0.0.1", self.gw.port, "/ws/chat",
                       {"Cookie": cookie, "Origin": "http://127.0.0.1:%d" % self.gw.port})
        self.addCleanup(ok.close)
        ok.send({"type": "hello", "lang": "zh"})
        self.assertEqual(ok.recv(timeout=5)["type"], "welcome")
        # Only /ws/chat speaks websocket.
        with self.assertRaises(ConnectionError):
            WebSocket("127.0.0.1", self.gw.port, "/ws/other", {"Cookie": cookie})

    # ---- staff on the same page ------------------------------------------------------------

    def test_wrong_staff_token(self):
        ws = WebSocket("127.0.0.1", self.gw.port, "/ws/chat")
        self.addCleanup(ws.close)
        ws.send({"type": "hello", "lang": "zh", "staff": "demo-wang-token-x"})
        m = ws.recv(timeout=5)
        self.assertEqual(m["type"], "error", m)
        ws.send({"type": "say", "id": "s1", "text": "/orders"})
        self.assertEqual(ws.recv(timeout=5)["type"], "error")

    def test_staff_takes_order_and_resident_hears_live(self):
        v = self.visitor()
        v.connect()
        num = self.file_order(v)

        staff = WebChat(self.gw, staff_token=WANG_TOKEN)
        self.addCleanup(staff.close)
        welcome = staff.connect()
        self.assertEqual(welcome["who"]["kind"], "staff")
        self.assertEqual(welcome["who"]["name"], "王师傅")
        # The dispatch ping waited in the outbox and arrives on connect.
        seen = [h for h in welcome["history"] if h["from"] == "bot"]
        if not any(PING in h["text"] and num in h["text"] for h in seen):
            ping, _ = recv_until(staff.ws, lambda m: m.get("type") == "message"
                                 and PING in m["text"] and num in m["text"],
                                 what="the dispatch ping")
        else:
            ping = [h for h in seen if PING in h["text"]][-1]
        self.assertIn("138****8000", ping["text"])
        self.assertNotIn("13800138000", ping["text"])
        self.assertIn("/accept " + num, [b["data"] for b in ping.get("buttons", [])])

        staff.say("/accept " + num)
        notice, _ = recv_until(v.ws, lambda m: m.get("type") == "message"
                               and "已由 王师傅 接单" in m["text"], what="the accept notice")
        self.assertIn(num, notice["text"])
        o = self.gw.order(num)
        self.assertEqual(o["status"], "assigned")
        self.assertEqual(o["assignee"], "wang")

        # The technician at the desk sets the time; the open page hears it within
        # a couple of seconds, through the server's polling of the outbox.
        rc, out, err = self.gw.cli("chat", "--as", "staff:wang", stdin="/eta %s 15:00\n" % num)
        self.assertEqual(rc, 0, err)
        t0 = time.time()
        eta, _ = recv_until(v.ws, lambda m: m.get("type") == "message" and "15:00" in m["text"],
                            timeout=3.0, what="the /eta notice")
        self.assertLess(time.time() - t0, 3.0)
        self.assertIn(num, eta["text"])
        self.assertEqual(self.gw.order(num)["status"], "scheduled")
        # Delivered to the page: nothing for the visitor waits in the outbox.
        chat = "web"
        left = [r for r in self.gw.outbox() if r["channel"] == chat
                and not r["chat"].startswith("staff:")]
        self.assertEqual(left, [])

    def test_reply_and_quote_between_pages(self):
        """Staff and resident write to each other about an order, and an extra fee
        waits for the resident's consent, all between two open pages."""
        v = self.visitor()
        v.connect()
        num = self.file_order(v)
        staff = WebChat(self.gw, staff_token=WANG_TOKEN)
        self.addCleanup(staff.close)
        staff.connect()

        def says(ws, needle, what):
            return recv_until(ws, lambda m: m.get("type") == "message"
                              and needle in m.get("text", ""), what=what)[0]

        got = staff.say("/accept " + num)
        self.assertIn("%s 已由王师傅接单，已通知业主。" % num, texts(got))
        got = staff.say("/reply %s 请问是哪个水龙头？" % num)
        self.assertIn("已发给工单 %s 的业主。" % num, texts(got))
        says(v.ws, "【工单 %s】王师傅：请问是哪个水龙头？" % num, "the staff message")
        got = v.say("厨房水槽那个")
        self.assertEqual(texts(got), ["已转告王师傅（工单 %s）。" % num])
        says(staff.ws, "业主（3-2-501）说：厨房水槽那个", "the resident's answer")

        got = staff.say("/done %s 380" % num)
        self.assertIn("/quote %s 380 原因" % num, " ".join(texts(got)))
        got = staff.say("/quote %s 380 更换角阀和软管" % num)
        self.assertIn("已请业主确认", " ".join(texts(got)))
        ask = says(v.ws, "提出费用 380 元", "the fee question")
        self.assertEqual([(b["label"], b["data"]) for b in ask["buttons"]],
                         [("同意", "/agree " + num), ("不同意", "/disagree " + num)])
        got = v.say("同意", data="/agree " + num)
        self.assertEqual(texts(got), ["好的，您已同意工单 %s 的费用 380 元，已告知师傅。" % num])
        says(staff.ws, "业主已同意费用 380 元", "the consent")
        got = staff.say("/done %s 380" % num)
        self.assertIn("%s 已报完工，费用 380 元，已请业主验收。" % num, texts(got))
        o = self.gw.order(num)
        self.assertEqual(o["fee"], 380)
        self.assertEqual([e["action"] for e in o["events"]],
                         ["created", "accepted", "message_to_resident",
                          "message_from_resident", "quoted", "quote_agreed", "done"])

    def test_emergency_complaint_and_question(self):
        """First messages that are not a plain request, from the page: an emergency
        answered at once, a complaint the supervisor resolves from his page and
        the resident accepts, a question answered on the spot."""
        v = self.visitor()
        v.connect()
        got = " ".join(texts(v.say("救命 家里燃气泄漏了")))
        self.assertIn("【紧急】", got)
        self.assertIn("关闭燃气总阀", got)
        self.assertIn("已登记紧急工单", got)
        urgent = ORDER_RE.search(got).group(0)
        self.assertIs(self.gw.order(urgent)["urgent"], True)

        got = " ".join(texts(v.say("物业费在哪交")))
        self.assertIn("物业费 2.2 元", got)

        got = " ".join(texts(v.say("我要投诉 楼下装修噪音太大 保安也不管")))
        self.assertIn("投诉已登记", got)
        num = ORDER_RE.search(got).group(0)
        zhao = WebChat(self.gw, staff_token="demo-zhao-token-8265")
        self.addCleanup(zhao.close)
        zhao.connect()
        got = zhao.say("/resolve %s 已约谈装修户，限定施工时间" % num)
        self.assertIn("已请住户确认是否满意", " ".join(texts(got)))
        ask, _ = recv_until(v.ws, lambda m: m.get("type") == "message"
                            and "您对处理满意吗" in m.get("text", ""), what="the question")
        self.assertIn("已约谈装修户", ask["text"])
        got = v.say("满意")
        self.assertIn("投诉 %s 已结案" % num, " ".join(texts(got)))
        o = self.gw.order(num)
        self.assertEqual(o["category"], "complaint")
        self.assertEqual(o["status"], "closed")
        self.assertEqual([e["action"] for e in o["events"]],
                         ["created", "complaint", "resolved", "resolution_accepted"])

    def test_health_counts_pages(self):
        v = self.visitor()
        v.connect()
        _, h = self.gw.get_json("/healthz")
        self.assertEqual(h["channels"]["web"]["clients"], 1)
        v.close()
        self.gw.wait(lambda: self.gw.get_json("/healthz")[1]["channels"]["web"]["clients"] == 0, timeout=5,
                     what="the closed page to be forgotten")


    # ---- photos (拍照报修) -----------------------------------------------------------------

    def photos_dir(self):
        return self.gw.config["database"] + ".photos"

    def assert_photo_kept(self, num, data, kind):
        """Order NUM lists one photo: DATA, kept by its hash beside the database."""
        o = self.gw.order(num)
        self.assertEqual(len(o["photos"]), 1, o["photos"])
        p = o["photos"][0]
        digest = hashlib.sha256(data).hexdigest()
        self.assertEqual(p["hash"], digest)
        self.assertEqual(p["type"], kind)
        self.assertEqual(p["size"], len(data))
        self.assertEqual(os.path.dirname(p["path"]), self.photos_dir())
        self.assertTrue(os.path.basename(p["path"]).startswith(digest + "."), p["path"])
        with open(p["path"], "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(), digest)
        self.assertIn("photo_added", [e["action"] for e in o["events"]])
        return o

    @sqlite_file
    def test_photo_after_the_order_joins_it(self):
        v = self.visitor()
        v.connect()
        num = self.file_order(v)
        png = tiny_png()
        got = v.photo(png, mime="image/png")
        self.assertTrue(any("已附到工单 " + num in m["text"] for m in got), texts(got))
        self.assert_photo_kept(num, png, "png")
        # The conversation shows the line as a photo after a reload.
        again = WebChat(self.gw, cookie=v.cookie)
        self.addCleanup(again.close)
        mine = [h["text"] for h in again.connect()["history"] if h["from"] == "me"]
        self.assertEqual(mine[-1], "[照片]")
        # The same picture again is one photo, not two.
        got = v.photo(png, mime="image/png")
        self.assertTrue(any(num in m["text"] for m in got), texts(got))
        self.assertEqual(len(self.gw.order(num)["photos"]), 1)
        # staff hear of it (no assignee yet: the staff chats)
        self.gw.wait(lambda: any("【照片】" in (r.get("payload") or {}).get("text", "")
                                 and num in (r.get("payload") or {}).get("text", "")
                                 for r in self.gw.outbox()),
                     timeout=5, what="the staff notice of the photo")

    @sqlite_file
    def test_photo_during_intake_and_the_ping(self):
        v = self.visitor()
        v.connect()
        jpeg = tiny_jpeg()
        v.say("/repair")
        v.say("厨房水管漏水")
        got = v.photo(jpeg)
        self.assertTrue(any("提交后会附在" in m["text"] for m in got), texts(got))
        # The intake goes on where it was.
        replies = []
        for text in INTAKE[2:]:
            replies.extend(v.say(text))
        yes = [b for b in replies[-1]["buttons"] if b["data"] == "yes"][0]
        done = v.say(yes["label"], data="yes")
        created = [m for m in done if CREATED in m["text"]]
        self.assertTrue(created, texts(done))
        num = ORDER_RE.search(created[0]["text"]).group(0)
        self.assert_photo_kept(num, jpeg, "jpeg")
        rc, out, err = self.gw.cli("orders", "show", num)
        self.assertEqual(rc, 0, err)
        self.assertIn("photo", out)
        self.assertIn(hashlib.sha256(jpeg).hexdigest(), out)
        pings = [r for r in self.gw.outbox()
                 if PING in (r.get("payload") or {}).get("text", "")]
        self.assertTrue(pings)
        self.assertIn("照片 1 张", pings[-1]["payload"]["text"])

    @sqlite_file
    def test_photo_sent_before_an_emergency_or_a_complaint_joins_it(self):
        """A photo sent while telling the problem joins the urgent order or the
        complaint the telling turned into, as it joins a request's order."""
        v = self.visitor()
        v.connect()
        jpeg, png = tiny_jpeg(), tiny_png()
        v.say("/repair")
        got = v.photo(jpeg)
        self.assertTrue(any("提交后会附在" in m["text"] for m in got), texts(got))
        got = " ".join(texts(v.say("救命 厨房燃气泄漏了")))
        self.assertIn("已登记紧急工单", got)
        urgent = ORDER_RE.search(got).group(0)
        o = self.assert_photo_kept(urgent, jpeg, "jpeg")
        self.assertIs(o["urgent"], True)
        # the alert says where the photo is, not what it shows
        alerts = [r["payload"]["text"] for r in self.gw.outbox()
                  if "【紧急】" in (r.get("payload") or {}).get("text", "")]
        self.assertTrue(alerts)
        self.assertTrue(all("照片 1 张：concierge orders show " + urgent in a for a in alerts),
                        alerts)

        v.say("/ask")
        got = v.photo(png, mime="image/png")
        self.assertTrue(any("提交后会附在" in m["text"] for m in got), texts(got))
        got = " ".join(texts(v.say("我要投诉 楼道堆满杂物 保安也不管")))
        self.assertIn("投诉已登记", got)
        complaint = ORDER_RE.search(got).group(0)
        o = self.assert_photo_kept(complaint, png, "png")
        self.assertEqual(o["category"], "complaint")
        self.assertEqual(o["description"], "我要投诉 楼道堆满杂物 保安也不管")
        # each photo went to its own order, none is left waiting
        self.assertEqual(len(self.gw.order(urgent)["photos"]), 1)
        got = v.photo(tiny_png((1, 2, 3)), mime="image/png")
        self.assertTrue(any("已附到工单 " + complaint in m["text"] for m in got), texts(got))

    def test_photo_that_is_not_an_image_is_refused(self):
        v = self.visitor()
        v.connect()
        num = self.file_order(v)
        got = v.photo(b"this is a text file renamed to photo.jpg\n", mime="image/jpeg")
        self.assertTrue(any("不是照片" in m["text"] for m in got), texts(got))
        self.assertEqual(self.gw.order(num)["photos"], [])
        self.assertFalse(os.path.isdir(self.photos_dir())
                         and os.listdir(self.photos_dir()))

    def test_photo_too_large_is_refused(self):
        v = self.visitor()
        v.connect()
        num = self.file_order(v)
        big = tiny_png() + b"\0" * (5 * 1024 * 1024)
        got = v.photo(big, mime="image/png")
        self.assertTrue(any("照片太大" in m["text"] for m in got), texts(got))
        self.assertEqual(self.gw.order(num)["photos"], [])
        # Far beyond: the frame itself is refused (closed, 1009); a new page works.
        v.ws.send({"type": "photo", "id": "huge", "mime": "image/png",
                   "data": "A" * (9 * 1024 * 1024)})
        with self.assertRaises(ConnectionError):
            recv_until(v.ws, lambda m: False, what="the close")
        v.close()
        v.connect()
        got = v.say("/my")
        self.assertTrue(any(num in t for t in texts(got)), texts(got))

    def test_photo_with_no_order_says_how(self):
        v = self.visitor()
        v.connect()
        got = v.photo(tiny_png(), mime="image/png")
        self.assertTrue(any("没有可以附上的工单" in m["text"] for m in got), texts(got))


class PhotoLimits(unittest.TestCase):
    """photo_max_kb, and no photo file left behind by a transaction rolled back."""

    def setUp(self):
        self.gw = Gateway({"photo_max_kb": 64})
        self.addCleanup(self.gw.close)
        self.gw.start()

    def tearDown(self):
        self.assertEqual(self.gw.stop(), 0)
        self.gw.assert_clean(self)

    def photos(self):
        d = self.gw.config["database"] + ".photos"
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    @sqlite_file
    def test_configured_cap_and_no_orphan_files(self):
        v = self.gw.web()
        self.addCleanup(v.close)
        v.connect()
        v.say("/repair")
        # over the configured 64 KB (well under the page's 5 MB): refused, saying the limit
        big = tiny_png() + b"\0" * (80 * 1024)
        got = v.photo(big, mime="image/png")
        self.assertTrue(any("照片太大了（最大 64 KB）" in m["text"] for m in got), texts(got))
        self.assertEqual(self.photos(), [])
        # The store fails while the photo is recorded: the message is not stored, and the
        # file written for it does not stay behind with no row to name it.
        db = sqlite3.connect(self.gw.config["database"])
        db.execute("CREATE TRIGGER no_photos BEFORE INSERT ON photos "
                   "BEGIN SELECT RAISE(ABORT, 'injected failure'); END")
        db.commit()
        png = tiny_png() + b"\0" * (60 * 1024)
        with self.assertRaises(AssertionError):
            v.photo(png, mime="image/png", timeout=5)
        self.assertEqual(self.photos(), [])
        db.execute("DROP TRIGGER no_photos")
        db.commit()
        db.close()
        # The same photo again, once the store works: kept, once.
        got = v.photo(png, mime="image/png")
        self.assertTrue(any("提交后会附在" in m["text"] for m in got), texts(got))
        self.assertEqual(self.photos(), [hashlib.sha256(png).hexdigest() + ".png"])


if __name__ == "__main__":
    unittest.main()
