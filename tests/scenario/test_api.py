"""The staff console's API under /api and its login, as tools and the console page use them.

Each test starts the real gateway (the sanitizer build) with the example
configuration plus a dispatcher (孙调度) and a manager (钱经理); residents
file orders at the terminal (`concierge chat`, another process on the same
database), and the test speaks HTTP to /api with bearer tokens or with the
console's session cookie and CSRF token. Every role rule is checked from the
outside: what each role may list, read and do, and that a refusal is a JSON
error with the right status.
"""
import base64
import hashlib
import json
import os
import re
import socket
import time
import unittest

from concierge import Concierge
from gateway import sqlite_file  # noqa: E402
from gateway import INTAKE, ORDER_RE, Gateway, WebSocket, tiny_png
from seeded import NOW, seed

TOKENS = {"wang": "demo-wang-token-4417", "liu": "demo-liu-token-2093", "zhao": "demo-zhao-token-8265",
          "sun": "demo-sun-token-0451", "qian": "demo-qian-token-7731"}
STAFF = [
    {"id": "wang", "name": "王师傅", "role": "technician", "skills": ["plumbing", "electrical"],
     "identities": [], "token": TOKENS["wang"]},
    {"id": "liu", "name": "刘阿姨", "role": "technician", "skills": ["cleaning"],
     "identities": [], "token": TOKENS["liu"]},
    {"id": "zhao", "name": "赵主管", "role": "supervisor", "skills": [], "token": TOKENS["zhao"]},
    {"id": "sun", "name": "孙调度", "role": "dispatcher", "skills": [], "token": TOKENS["sun"]},
    {"id": "qian", "name": "钱经理", "role": "manager", "skills": [], "token": TOKENS["qian"]},
]
REPAIR = ["/repair", "厨房水管漏水", "3-2-501", "李伟", "13800138000", "今天下午3点", "yes"]
CLEANING = ["/clean", "楼道需要打扫", "5-1-302", "张敏", "13900139000", "明天上午", "yes"]
COMPLAINT = ["投诉 楼上装修太吵，每天都在施工"]


class ApiCase(unittest.TestCase):
    clock = False

    def setUp(self):
        self.gw = Gateway({"staff": STAFF}, clock=self.clock)
        self.addCleanup(self.gw.close)
        self.gw.start()

    def tearDown(self):
        self.assertEqual(self.gw.stop(), 0)
        self.gw.assert_clean(self)
        # No token reaches the log.
        for token in TOKENS.values():
            self.assertNotIn(token, self.gw.stderr())

    # ---- helpers ------------------------------------------------------------------------------

    def call(self, method, path, who=None, body=None, headers=None):
        """(status, JSON answer) of a request, with WHO's bearer token when given."""
        h = dict(headers or {})
        if who:
            h["Authorization"] = "Bearer " + TOKENS[who]
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body, ensure_ascii=False).encode()
            h.setdefault("Content-Type", "application/json")
        status, hdrs, data = self.gw.request(method, path, body, h)
        self.assertEqual(hdrs.get("content-type"), "application/json", (method, path, data))
        answer = json.loads(data)
        if status >= 400:
            self.assertIs(answer["ok"], False, answer)
            self.assertTrue(answer["error"], answer)
        return status, answer

    def act(self, who, number, **body):
        return self.call("POST", "/api/orders/%s/actions" % number, who, body)

    def file(self, resident, lines):
        """A resident files an order at the terminal; returns its number."""
        rc, out, err = self.gw.cli("chat", "--as", "resident:" + resident, stdin="\n".join(lines) + "\n")
        self.assertEqual(rc, 0, err)
        m = ORDER_RE.search(out)
        self.assertTrue(m, out)
        return m.group(0)

    def resident_reads(self, resident):
        rc, out, err = self.gw.cli("chat", "--as", "resident:" + resident, stdin="")
        self.assertEqual(rc, 0, err)
        return out

    def login(self, who):
        """Logs WHO in to the console: (cookie header value, CSRF token)."""
        status, hdrs, data = self.gw.request("POST", "/console/login",
                                             json.dumps({"token": TOKENS[who]}).encode(),
                                             {"Content-Type": "application/json"})
        self.assertEqual(status, 200, data)
        cookie = hdrs["set-cookie"]
        return cookie.split(";")[0], json.loads(data)["csrf"]


class Auth(ApiCase):
    def test_no_token_wrong_token_and_a_token_in_the_wrong_form(self):
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic ZGVtbw=="},
                        {"Authorization": "Bearer"}):
            status, answer = self.call("GET", "/api/orders", headers=headers)
            self.assertEqual(status, 401, (headers, answer))
        self.assertEqual(self.call("GET", "/api/orders", "zhao")[0], 200)
        # Unknown paths are not told apart from known ones before logging in.
        self.assertEqual(self.call("GET", "/api/nothing")[0], 401)
        self.assertEqual(self.call("GET", "/api/nothing", "zhao")[0], 404)

    def test_login_sets_a_strict_httponly_cookie_and_logout_ends_the_session(self):
        status, hdrs, data = self.gw.request("POST", "/console/login",
                                             json.dumps({"token": TOKENS["sun"]}).encode())
        self.assertEqual(status, 200, data)
        answer = json.loads(data)
        self.assertEqual(answer["staff"], {"id": "sun", "name": "孙调度", "role": "dispatcher"})
        self.assertRegex(answer["csrf"], r"^[0-9a-f]{64}$")
        cookie = hdrs["set-cookie"]
        self.assertRegex(cookie, r"^cc_console=[0-9a-f]{64}; Path=/; Max-Age=\d+; HttpOnly; SameSite=Strict$")
        jar = cookie.split(";")[0]
        # The page finds its session (and its CSRF token) again after a reload.
        status, answer = self.call("GET", "/console/session", headers={"Cookie": jar})
        self.assertEqual((status, answer["staff"]["id"]), (200, "sun"))
        csrf = answer["csrf"]
        self.assertEqual(self.call("GET", "/api/orders", headers={"Cookie": jar})[0], 200)
        # Logging out needs the CSRF token too, then the cookie is worth nothing.
        self.assertEqual(self.call("POST", "/console/logout", headers={"Cookie": jar})[0], 403)
        status, hdrs, _ = self.gw.request("POST", "/console/logout", b"",
                                          {"Cookie": jar, "X-CSRF-Token": csrf})
        self.assertEqual(status, 200)
        self.assertTrue(hdrs["set-cookie"].startswith("cc_console=; Path=/; Max-Age=0"))
        self.assertEqual(self.call("GET", "/api/orders", headers={"Cookie": jar})[0], 401)
        self.assertEqual(self.call("GET", "/console/session", headers={"Cookie": jar})[0], 401)
        # A made-up session ID of the right form is no session.
        fake = "cc_console=" + "ab" * 32
        self.assertEqual(self.call("GET", "/api/orders", headers={"Cookie": fake})[0], 401)

    def test_login_refusals(self):
        self.assertEqual(self.call("POST", "/console/login", body={"token": "nope"})[0], 401)
        self.assertEqual(self.call("POST", "/console/login", body={"tok": "x"})[0], 400)
        self.assertEqual(self.call("POST", "/console/login", body=b"{not json")[0], 400)
        self.assertEqual(self.call("GET", "/console/login")[0], 405)
        self.assertEqual(self.call("POST", "/console/login", body=b"x" * 5000)[0], 413)

    def test_state_changes_by_cookie_need_the_csrf_token(self):
        number = self.file("li", REPAIR)
        jar, csrf = self.login("zhao")
        note = json.dumps({"action": "note", "text": "来电催促"}).encode()
        path = "/api/orders/%s/actions" % number
        for headers, want in (({"Cookie": jar}, 403),
                              ({"Cookie": jar, "X-CSRF-Token": "0" * 64}, 403),
                              ({"Cookie": jar, "X-CSRF-Token": csrf[:-1]}, 403),
                              ({"Cookie": jar, "X-CSRF-Token": csrf}, 200)):
            status, answer = self.call("POST", path, body=note, headers=headers)
            self.assertEqual(status, want, (headers, answer))
        notes = [e for e in self.gw.order(number)["events"] if e["action"] == "note"]
        self.assertEqual([(e["actor"], e["via"], e["detail"]) for e in notes],
                         [("staff:zhao", "console", "来电催促")])
        # Another session's CSRF token is not this one's.
        jar2, csrf2 = self.login("zhao")
        self.assertNotEqual(csrf, csrf2)
        self.assertEqual(self.call("POST", path, body=note, headers={"Cookie": jar, "X-CSRF-Token": csrf2})[0], 403)
        # A bearer token needs none: there is no cookie a page could ride on.
        self.assertEqual(self.call("POST", path, "zhao", body={"action": "note", "text": "x"})[0], 200)

    def test_failed_logins_are_rate_limited(self):
        for _ in range(5):
            self.assertEqual(self.call("POST", "/console/login", body={"token": "guess"})[0], 401)
        # Now even the right token waits, and so does the API.
        status, answer = self.call("POST", "/console/login", body={"token": TOKENS["zhao"]})
        self.assertEqual(status, 429, answer)
        self.assertIn("wait", answer["error"])
        self.assertEqual(self.call("GET", "/api/orders", "zhao")[0], 429)
        self.assertIn("login: wrong console token from 127.0.0.1", self.gw.stderr())


class SessionExpiry(ApiCase):
    clock = True

    def get(self, jar):
        return self.call("GET", "/api/orders", headers={"Cookie": jar})[0]

    def test_an_idle_session_expires(self):
        jar, _ = self.login("zhao")
        self.gw.advance(8 * 3600 + 60)
        self.assertEqual(self.get(jar), 401)

    def test_a_session_in_use_lives_a_working_day(self):
        jar, _ = self.login("zhao")
        self.gw.advance(6 * 3600)
        self.assertEqual(self.get(jar), 200)
        # Eleven hours after logging in, five after it was last used: alive.
        self.gw.advance(5 * 3600)
        self.assertEqual(self.get(jar), 200)
        # But never longer than twelve hours, however busy.
        self.gw.advance(2 * 3600)
        self.assertEqual(self.get(jar), 401)


class Roles(ApiCase):
    def setUp(self):
        super().setUp()
        self.repair = self.file("li", REPAIR)
        self.cleaning = self.file("zhang", CLEANING)
        self.complaint = self.file("wu", COMPLAINT)  # owned by the supervisor 赵主管
        self.assertEqual(self.act("sun", self.repair, action="assign", staff="wang")[0], 200)

    def numbers(self, who, query=""):
        status, answer = self.call("GET", "/api/orders" + query, who)
        self.assertEqual(status, 200, answer)
        return sorted(o["number"] for o in answer["orders"])

    def test_technician_sees_and_works_only_their_own_orders(self):
        self.assertEqual(self.numbers("wang"), [self.repair])
        self.assertEqual(self.numbers("liu"), [])
        self.assertEqual(self.call("GET", "/api/orders?assignee=liu", "wang")[0], 403)
        self.assertEqual(self.numbers("wang", "?assignee=wang"), [self.repair])
        self.assertEqual(self.call("GET", "/api/orders/" + self.repair, "wang")[0], 200)
        for number in (self.cleaning, self.complaint):
            status, answer = self.call("GET", "/api/orders/" + number, "wang")
            self.assertEqual(status, 403, answer)
            self.assertEqual(self.act("wang", number, action="note", text="x")[0], 403)
        self.assertEqual(self.call("GET", "/api/orders/%s" % self.repair, "liu")[0], 403)
        # Their own order's work, through the chat commands' rules.
        status, answer = self.act("wang", self.repair, action="visit_time", time="明天上午9点")
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["order"]["status"], "scheduled")
        for action in ("start", "done"):
            status, answer = self.act("wang", self.repair, action=action)
            self.assertEqual(status, 200, (action, answer))
        self.assertEqual(answer["order"]["status"], "awaiting_acceptance")
        # Not a dispatcher's or supervisor's work.
        self.assertEqual(self.act("wang", self.repair, action="assign", staff="liu")[0], 403)
        self.assertEqual(self.act("wang", self.cleaning, action="accept")[0], 403)
        self.assertEqual(self.call("POST", "/api/orders", "wang", {"room": "1-1-101", "text": "x"})[0], 403)
        self.assertEqual(self.call("GET", "/api/report", "wang")[0], 403)
        _, me = self.call("GET", "/api/me", "wang")
        self.assertEqual(me["rights"], {"all_orders": False, "desk": False, "report": False})
        self.assertNotIn("assign", me["actions"])

    def test_dispatcher_runs_every_order_but_neither_closes_complaints_nor_reads_the_report(self):
        self.assertEqual(self.numbers("sun"), sorted([self.repair, self.cleaning, self.complaint]))
        status, answer = self.act("sun", self.cleaning, action="assign", staff="liu")
        self.assertEqual(status, 200, answer)
        self.assertIn("已派给刘阿姨", answer["reply"])
        for body in ({"action": "visit_time", "time": "明天下午2点"},
                     {"action": "reply", "text": "师傅明天下午到，请留人在家"},
                     {"action": "quote", "fee": 80, "reason": "需要清运装修垃圾"},
                     {"action": "note", "text": "住户电话确认"}):
            status, answer = self.act("sun", self.cleaning, **body)
            self.assertEqual(status, 200, (body, answer))
        # Work on someone else's order is theirs to report, not the dispatcher's.
        for action in ("start", "done"):
            self.assertEqual(self.act("sun", self.cleaning, action=action)[0], 403)
        self.assertEqual(self.act("sun", self.complaint, action="resolve", text="已处理")[0], 403)
        self.assertEqual(self.call("GET", "/api/report", "sun")[0], 403)
        status, answer = self.act("sun", self.cleaning, action="cancel", reason="住户不需要了")
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["order"]["status"], "cancelled")
        # Desk intake is the dispatcher's: the request reaches core_desk_order().
        status, answer = self.call("POST", "/api/orders", "sun",
                                   {"room": "1-1-101", "name": "王芳", "phone": "13700137000",
                                    "text": "卫生间灯不亮", "source": "phone"})
        if status == 201:
            self.assertEqual(self.gw.order(answer["number"])["room"], "1-1-101")
        else:
            self.assertEqual((status, answer["error"]), (400, "desk intake not available"))

    def test_supervisor_closes_complaints_and_reads_the_report(self):
        status, answer = self.act("zhao", self.complaint, action="resolve", text="已约谈装修户，限定施工时间")
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["order"]["status"], "awaiting_acceptance")
        status, answer = self.call("GET", "/api/report", "zhao")
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["report"]["totals"]["orders"], 3)
        # Someone else's work is still theirs.
        self.assertEqual(self.act("zhao", self.repair, action="start")[0], 403)
        # The resident heard the resolution and is asked about it.
        self.assertIn("已约谈装修户", self.resident_reads("wu"))

    def test_manager_may_do_everything(self):
        _, me = self.call("GET", "/api/me", "qian")
        self.assertEqual(me["rights"], {"all_orders": True, "desk": True, "report": True})
        self.assertEqual(self.numbers("qian"), sorted([self.repair, self.cleaning, self.complaint]))
        for body in ({"action": "start"}, {"action": "done", "fee": "30"},
                     {"action": "paid", "receipt": "R-0042"}):
            status, answer = self.act("qian", self.repair, **body)
            self.assertEqual(status, 200, (body, answer))
        self.assertEqual(answer["order"]["receipt"], "R-0042")
        self.assertEqual(self.act("qian", self.complaint, action="resolve", text="已协调")[0], 200)
        self.assertEqual(self.call("GET", "/api/report", "qian")[0], 200)
        # The manager is a supervisor in chat too.
        rc, out, _ = self.gw.cli("chat", "--as", "staff:qian", stdin="/assign %s liu\n" % self.cleaning)
        self.assertEqual(rc, 0)
        self.assertIn("已派给刘阿姨", out)

    def test_the_order_lists_what_the_reader_may_do(self):
        _, wang = self.call("GET", "/api/orders/" + self.repair, "wang")
        self.assertEqual(sorted(wang["order"]["actions"]),
                         sorted(["visit_time", "start", "done", "paid", "reply", "quote", "cancel",
                                 "note", "photo"]))
        _, sun = self.call("GET", "/api/orders/" + self.cleaning, "sun")
        self.assertIn("accept", sun["order"]["actions"])
        self.assertNotIn("start", sun["order"]["actions"])
        self.assertNotIn("resolve", sun["order"]["actions"])
        _, zhao = self.call("GET", "/api/orders/" + self.complaint, "zhao")
        self.assertIn("resolve", zhao["order"]["actions"])
        self.assertNotIn("done", zhao["order"]["actions"])


class Orders(ApiCase):
    def test_list_filters_paging_and_total(self):
        numbers = [self.file("r%d" % i, REPAIR if i % 2 else CLEANING) for i in range(5)]
        status, answer = self.call("GET", "/api/orders?limit=2", "zhao")
        self.assertEqual((status, answer["total"], answer["limit"], answer["offset"]), (200, 5, 2, 0))
        # Newest first, in pages that neither skip nor repeat.
        seen = []
        for offset in (0, 2, 4):
            _, page = self.call("GET", "/api/orders?limit=2&offset=%d" % offset, "zhao")
            self.assertEqual(page["total"], 5)
            seen += [o["number"] for o in page["orders"]]
        self.assertEqual(seen, list(reversed(numbers)))
        _, page = self.call("GET", "/api/orders?limit=2&offset=10", "zhao")
        self.assertEqual((page["total"], page["orders"]), (5, []))
        _, repair = self.call("GET", "/api/orders?category=repair", "zhao")
        self.assertEqual((repair["total"], {o["category"] for o in repair["orders"]}), (2, {"repair"}))
        self.act("zhao", numbers[0], action="assign", staff="liu")
        _, mine = self.call("GET", "/api/orders?assignee=liu&status=assigned", "zhao")
        self.assertEqual([o["number"] for o in mine["orders"]], [numbers[0]])
        _, nobody = self.call("GET", "/api/orders?assignee=none", "zhao")
        self.assertEqual(nobody["total"], 4)
        _, open_ = self.call("GET", "/api/orders?status=open&community=demo", "zhao")
        self.assertEqual(open_["total"], 5)
        today = self.gw.order(numbers[0])["created_at"][:10]
        _, dated = self.call("GET", "/api/orders?from=%s&to=%s" % (today, today), "zhao")
        self.assertEqual(dated["total"], 5)
        _, before = self.call("GET", "/api/orders?to=2020-01-01", "zhao")
        self.assertEqual(before["total"], 0)
        _, after = self.call("GET", "/api/orders?from=2099-01-01", "zhao")
        self.assertEqual(after["total"], 0)

    def test_bad_queries_are_refused_with_the_reason(self):
        for query, word in (("status=lost", "status"), ("category=garden", "category"),
                            ("community=mars", "community"), ("assignee=ghost", "assignee"),
                            ("from=2026-13-01", "from"), ("to=yesterday", "to"),
                            ("limit=0", "limit"), ("limit=201", "limit"), ("offset=-1", "offset"),
                            ("since=2026-01-01", "unknown parameter since"),
                            ("from=2026-11-02&to=2026-11-01", "to: before from")):
            status, answer = self.call("GET", "/api/orders?" + query, "zhao")
            self.assertEqual(status, 400, (query, answer))
            self.assertIn(word, answer["error"], query)

    def test_one_order_with_its_history_and_the_chat(self):
        number = self.file("li", REPAIR)
        self.assertEqual(self.call("GET", "/api/orders/000000-999", "zhao")[0], 404)
        self.act("zhao", number, action="assign", staff="wang")
        self.act("wang", number, action="reply", text="请问漏水在水槽下面吗？")
        rc, _, _ = self.gw.cli("chat", "--as", "resident:li", stdin="对，在水槽下面\n")
        self.assertEqual(rc, 0)
        # The number as people type it.
        status, answer = self.call("GET", "/api/orders/" + number.replace("-", ""), "zhao")
        self.assertEqual(status, 200, answer)
        o = answer["order"]
        self.assertEqual((o["number"], o["status"], o["assignee"], o["phone"]),
                         (number, "assigned", "wang", "13800138000"))
        self.assertEqual([(e["action"], e["actor"], e["via"]) for e in o["events"]],
                         [("created", o["events"][0]["actor"], "terminal"),
                          ("assigned", "staff:zhao", "console"),
                          ("message_to_resident", "staff:wang", "console"),
                          ("message_from_resident", o["events"][0]["actor"], "terminal")])
        chat = answer["chat"]
        said = [(m["from"], m["text"]) for m in chat]
        self.assertIn(("resident", "对，在水槽下面"), said)
        self.assertTrue(any(m["from"] == "bot" and "请简单描述" in m["text"] for m in chat), said)
        self.assertTrue(any(m["from"] == "bot" and "请问漏水在水槽下面吗" in m["text"] for m in chat), said)
        self.assertEqual([m["at"] for m in chat], sorted(m["at"] for m in chat))

    def test_actions_reach_the_resident_and_refusals_say_why(self):
        number = self.file("li", REPAIR)
        status, answer = self.act("zhao", number, action="assign", staff="liu")
        # 刘阿姨 has no plumbing skill: as in chat, the command says so and nothing changes.
        self.assertEqual(status, 409, answer)
        self.assertIn("liu!", answer["error"])
        self.assertEqual(answer["order"]["status"], "pending")
        status, answer = self.act("zhao", number, action="assign", staff="liu", force=True)
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["order"]["assignee"], "liu")
        self.assertIn("刘阿姨", self.resident_reads("li"))
        status, answer = self.act("zhao", number, action="cancel", reason="住户已自行修好")
        self.assertEqual(status, 200, answer)
        status, answer = self.act("zhao", number, action="visit_time", time="明天上午9点")
        self.assertEqual(status, 409, answer)
        self.assertIn("已取消", answer["error"])
        self.assertEqual(answer["order"]["status"], "cancelled")

    def test_actions_answer_in_the_language_asked_for(self):
        number = self.file("li", REPAIR)
        en = {"Accept-Language": "en-US,en;q=0.9,zh;q=0.5"}
        status, answer = self.call("POST", "/api/orders/%s/actions" % number, "zhao",
                                   {"action": "assign", "staff": "wang"}, headers=en)
        self.assertEqual(status, 200, answer)
        self.assertIn("%s is assigned to 王师傅" % number, answer["reply"])
        # The resident hears it in their own language, whatever the staff member reads.
        self.assertIn("王师傅", self.resident_reads("li"))
        status, answer = self.call("POST", "/api/orders/%s/actions" % number, "zhao",
                                   {"action": "note", "text": "业主下午在家"},
                                   headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
        self.assertIn("记下备注", answer["reply"])
        # Without a language, the centre's (zh-CN), as before.
        self.assertIn("记下备注", self.act("zhao", number, action="note", text="再次确认")[1]["reply"])
        self.act("zhao", number, action="cancel", reason="住户已自行修好")
        status, answer = self.call("POST", "/api/orders/%s/actions" % number, "zhao",
                                   {"action": "visit_time", "time": "明天上午9点"}, headers=en)
        self.assertEqual(status, 409, answer)
        self.assertIn("Order %s is cancelled" % number, answer["error"])
        # Chat is as it was: the same command typed by the same person answers in Chinese.
        rc, out, _ = self.gw.cli("chat", "--as", "staff:zhao", stdin="/note %s 已退单\n" % number)
        self.assertEqual(rc, 0)
        self.assertIn("记下备注", out)

    def test_bad_actions_are_refused_before_anything_runs(self):
        number = self.file("li", REPAIR)
        path = "/api/orders/%s/actions" % number
        cases = (
            ({"action": "fly"}, 400, "action: expected one of"),
            ({"staff": "wang"}, 400, "action: expected one of"),
            ({"action": "assign"}, 400, "staff: expected a string"),
            ({"action": "assign", "staff": "wang liu"}, 400, "staff: one word"),
            ({"action": "assign", "staff": "ghost"}, 409, "ghost"),
            ({"action": "note", "txt": "x"}, 400, "txt: not a field of action note"),
            ({"action": "note", "text": "   "}, 400, "text: empty"),
            ({"action": "note", "text": "长" * 200}, 400, "at most 500 bytes"),
            ({"action": "quote", "fee": "80 元", "reason": "x"}, 400, "fee: one word"),
            ({"action": "assign", "staff": "wang", "force": "yes"}, 400, "force"),
        )
        for body, want, words in cases:
            status, answer = self.call("POST", path, "zhao", body)
            self.assertEqual(status, want, (body, answer))
            self.assertIn(words, answer["error"], body)
        for raw, words in ((b"", "expected a JSON object"), (b"[1]", "expected a JSON object"),
                           (b'{"action": ', "invalid JSON")):
            status, answer = self.call("POST", path, "zhao", raw)
            self.assertEqual(status, 400, raw)
            self.assertIn(words, answer["error"])
        status, answer = self.call("POST", path, "zhao", b'{"action":"note","text":"' + b"x" * 17000 + b'"}')
        self.assertEqual(status, 413, answer)
        self.assertEqual(self.call("POST", "/api/orders/000000-999/actions", "zhao", {"action": "accept"})[0], 404)
        # Nothing of that reached the history.
        self.assertEqual([e["action"] for e in self.gw.order(number)["events"]], ["created"])

    def test_a_note_from_chat_is_kept_and_not_sent(self):
        number = self.file("li", REPAIR)
        self.resident_reads("li")
        rc, out, _ = self.gw.cli("chat", "--as", "staff:zhao", stdin="/note %s 业主下午不在家\n" % number)
        self.assertEqual(rc, 0)
        self.assertIn("记下备注", out)
        notes = [e for e in self.gw.order(number)["events"] if e["action"] == "note"]
        self.assertEqual([(e["actor"], e["via"], e["detail"]) for e in notes],
                         [("staff:zhao", "terminal", "业主下午不在家")])
        self.assertNotIn("业主下午不在家", self.resident_reads("li"))
        # A technician notes only orders they may act on.
        self.act("zhao", number, action="assign", staff="wang")
        rc, out, _ = self.gw.cli("chat", "--as", "staff:liu", stdin="/note %s 我顺路去看看\n" % number)
        self.assertNotIn("记下备注", out)
        self.assertEqual(len([e for e in self.gw.order(number)["events"] if e["action"] == "note"]), 1)

    def test_wrong_methods(self):
        number = self.file("li", REPAIR)
        for method, path in (("DELETE", "/api/orders"), ("PUT", "/api/orders/" + number),
                             ("GET", "/api/orders/%s/actions" % number),
                             ("POST", "/api/orders/" + number), ("POST", "/api/report"),
                             ("PATCH", "/api/me")):
            status, answer = self.call(method, path, "zhao", b"{}" if method != "GET" else None)
            self.assertEqual(status, 405, (method, path, answer))

    def cli_report(self, *args):
        rc, out, err = self.gw.cli("report", "--json", *args)
        self.assertEqual(rc, 0, err)
        return json.loads(out)

    def assertSameReport(self, api, cli):
        """The API's document is the command line's, but for the moment each was made."""
        for doc in (api, cli):
            self.assertRegex(doc.pop("generated_at"), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
        self.assertEqual(api, cli)

    def test_report_is_the_command_lines(self):
        self.file("a", REPAIR)
        taken = self.file("b", REPAIR)
        cleaning = self.file("c", CLEANING)
        self.file("d", COMPLAINT)
        self.act("zhao", cleaning, action="cancel", reason="重复登记")
        self.act("zhao", taken, action="assign", staff="wang")
        for action in ({"action": "start"}, {"action": "done", "fee": "35.5"}):
            self.assertEqual(self.act("wang", taken, **action)[0], 200)
        status, answer = self.call("GET", "/api/report", "zhao")
        self.assertEqual(status, 200, answer)
        r = answer["report"]
        t = r["totals"]
        # What a supervisor counts by hand: four orders, one of each state they are in.
        self.assertEqual(t["orders"], 4)
        self.assertEqual(t["by_category"], {"repair": 2, "cleaning": 1, "errand": 0, "inquiry": 0,
                                            "complaint": 1})
        self.assertEqual((t["by_status"]["pending"], t["by_status"]["cancelled"],
                          t["by_status"]["assigned"], t["by_status"]["awaiting_acceptance"]),
                         (1, 1, 1, 1))
        self.assertEqual((t["response_time"]["count"], t["completion_time"]["count"]), (1, 1))
        self.assertEqual((t["complaints"], t["fees"]["billed"], t["fees"]["unpaid"]), (1, 35.5, 35.5))
        # ... and exactly the figures of `concierge report --json`, for every query.
        self.assertSameReport(r, self.cli_report())
        today = self.gw.order(taken)["created_at"][:10]
        for query, args in ((("from", today), ("to", today), ("by", "category")),
                            ("--from", today, "--to", today, "--by", "category")), \
                           ((("community", "demo"), ("by", "staff")), ("--community", "demo", "--by", "staff")), \
                           ((("by", "day"), ("from", today)), ("--by", "day", "--from", today)), \
                           ((("from", "2099-01-01"),), ("--from", "2099-01-01")):
            path = "/api/report?" + "&".join("%s=%s" % kv for kv in query)
            status, answer = self.call("GET", path, "qian")
            self.assertEqual(status, 200, (path, answer))
            self.assertSameReport(answer["report"], self.cli_report(*args))
        _, empty = self.call("GET", "/api/report?from=2099-01-01&community=demo", "zhao")
        self.assertEqual((empty["report"]["totals"]["orders"], empty["report"]["period"]["from"]),
                         (0, "2099-01-01"))

    def test_bad_report_queries_are_refused_with_the_reason(self):
        for query, word in (("status=open", "unknown parameter status"), ("by=week", "by"),
                            ("from=2026-13-01", "from"), ("to=yesterday", "to"),
                            ("community=mars", "community"),
                            ("from=2026-11-02&to=2026-11-01", "before from")):
            status, answer = self.call("GET", "/api/report?" + query, "zhao")
            self.assertEqual(status, 400, (query, answer))
            self.assertIn(word, answer["error"], query)


class SeededReport(ApiCase):
    """The seeded month (seeded.py) served by the gateway: the API's report of it is the
    command line's, figure for figure, and only supervisors and the manager read it."""
    clock = True

    def setUp(self):
        self.c = Concierge(self)
        seed(self.c)
        self.gw = Gateway({"staff": STAFF}, workdir=self.c.dir, clock=True)
        self.addCleanup(self.gw.close)
        # The report's moment in the seeded month: 2026-12-01 10:00, after every promise.
        self.gw._write_clock(NOW)
        self.gw.start()

    @sqlite_file
    def test_the_months_figures_are_the_command_lines(self):
        # The server's first periodic run (the day's follow-up sampling) may still be
        # going as it starts: the figures are compared once it is through.
        def month_agrees():
            _, answer = self.call("GET", "/api/report", "zhao")
            rc, out, _ = self.gw.cli("report", "--json")
            cli = json.loads(out) if rc == 0 else {}
            return answer["report"].get("followups") == cli.get("followups")
        self.gw.wait(month_agrees, what="the first periodic run through")
        for query in ("", "?from=2026-11-27&to=2026-11-30", "?from=2026-11-27&to=2026-11-30&by=staff",
                      "?from=2026-11-27&to=2026-11-30&by=category", "?from=2026-11-27&to=2026-11-30&by=day",
                      "?community=demo&by=day"):
            status, answer = self.call("GET", "/api/report" + query, "zhao")
            self.assertEqual(status, 200, (query, answer))
            args = []
            for kv in filter(None, query.lstrip("?").split("&")):
                k, v = kv.split("=")
                args += ["--" + k, v]
            rc, out, err = self.gw.cli("report", "--json", *args)
            self.assertEqual(rc, 0, err)
            cli = json.loads(out)
            api = answer["report"]
            api.pop("generated_at")
            cli.pop("generated_at")
            self.assertEqual(api, cli, query)
        # The figures themselves (worked out by hand in test_report.py).
        _, answer = self.call("GET", "/api/report?from=2026-11-27&to=2026-11-30", "qian")
        t = answer["report"]["totals"]
        self.assertEqual((t["orders"], t["response_time"]["median_seconds"],
                          t["response_time"]["p90_seconds"], t["completion_time"]["median_seconds"],
                          t["on_time"]["response"]["rate"], t["satisfaction"]["share_4_5"],
                          t["rework"], t["emergencies"], t["declined"], t["fees"]["unpaid"]),
                         (8, 1500, 9000, 9000, 0.6, 0.6667, 1, 1, 1, 80))
        for who in ("wang", "liu", "sun"):
            status, answer = self.call("GET", "/api/report?from=2026-11-27", who)
            self.assertEqual(status, 403, (who, answer))


class Board(ApiCase):
    def board(self, who):
        jar, _ = self.login(who)
        ws = WebSocket("127.0.0.1", self.gw.port, "/console/ws",
                       {"Cookie": jar, "Origin": self.gw.url})
        self.addCleanup(ws.close)
        self.assertEqual(ws.recv(), {"type": "hello"})
        return ws

    def changes(self, ws, timeout=5):
        """The order numbers of the next 'changed' frame."""
        frame = ws.recv(timeout=timeout)
        self.assertEqual(frame["type"], "changed", frame)
        return frame["orders"]

    def test_new_and_changed_orders_are_pushed_to_open_boards(self):
        zhao = self.board("zhao")
        wang = self.board("wang")
        # Filed by another process (a terminal): seen within the server's second.
        number = self.file("li", REPAIR)
        self.assertEqual(self.changes(zhao), [number])
        self.act("zhao", number, action="assign", staff="wang")
        self.assertEqual(self.changes(zhao), [number])
        # The technician hears of it once it is theirs, and not of others' orders.
        self.assertEqual(self.changes(wang), [number])
        other = self.file("zhang", CLEANING)
        self.assertEqual(self.changes(zhao), [other])
        with self.assertRaises(socket.timeout):
            wang.recv(timeout=1.5)

    def test_a_board_needs_a_session_and_our_origin(self):
        jar, _ = self.login("zhao")
        for headers in ({}, {"Cookie": "cc_console=" + "ab" * 32},
                        {"Cookie": jar, "Origin": "http://evil.example"}):
            with self.assertRaises(ConnectionError):
                WebSocket("127.0.0.1", self.gw.port, "/console/ws", headers)
        status, answer = self.call("GET", "/console/ws")
        self.assertEqual(status, 400)


class Photos(ApiCase):
    def web_order_with_photo(self):
        """A resident files the README's request in the web chat and sends a photo with it:
        (order number, the photo's bytes)."""
        v = self.gw.web()
        self.addCleanup(v.close)
        v.connect()
        replies = []
        for text in INTAKE:
            replies += v.say(text)
        yes = [b for b in replies[-1]["buttons"] if b["data"] == "yes"][0]
        done = v.say(yes["label"], data="yes")
        m = ORDER_RE.search(" ".join(m["text"] for m in done))
        self.assertTrue(m, done)
        png = tiny_png()
        got = v.photo(png, mime="image/png")
        self.assertTrue(any(m.group(0) in x["text"] for x in got), got)
        return m.group(0), png

    def get(self, path, who=None, cookie=None):
        headers = {}
        if who:
            headers["Authorization"] = "Bearer " + TOKENS[who]
        if cookie:
            headers["Cookie"] = cookie
        return self.gw.request("GET", path, headers=headers)

    def test_staff_who_may_see_the_order_see_its_photos(self):
        number, png = self.web_order_with_photo()
        other = self.file("zhang", CLEANING)
        self.act("zhao", number, action="assign", staff="wang")
        digest = hashlib.sha256(png).hexdigest()
        _, answer = self.call("GET", "/api/orders/" + number, "zhao")
        photos = answer["order"]["photos"]
        url = "/console/orders/%s/photos/%s" % (number, digest)
        self.assertEqual([(p["hash"], p["type"], p["url"]) for p in photos], [(digest, "png", url)])
        # Where the server keeps it is not the console's business.
        self.assertNotIn("path", photos[0])
        # Not without logging in.
        self.assertEqual(self.get(url)[0], 401)
        # The technician who holds the order, by token or by session; a supervisor.
        jar, _ = self.login("wang")
        for how in ({"who": "wang"}, {"cookie": jar}, {"who": "zhao"}, {"who": "sun"}):
            status, hdrs, body = self.get(url, **how)
            self.assertEqual(status, 200, how)
            self.assertEqual(body, png, how)
            self.assertEqual(hdrs["content-type"], "image/png")
            self.assertEqual(hdrs["x-content-type-options"], "nosniff")
            self.assertIn("no-store", hdrs["cache-control"])
            self.assertIn("private", hdrs["cache-control"])
            self.assertNotIn("public", hdrs["cache-control"])
        # A technician who does not hold the order gets nothing, by token or session.
        jar, _ = self.login("liu")
        for how in ({"who": "liu"}, {"cookie": jar}):
            status, _, body = self.get(url, **how)
            self.assertEqual(status, 403, how)
            self.assertNotIn(png, body)
        # The picture is reached only through an order that has it.
        self.assertEqual(self.get("/console/orders/%s/photos/%s" % (other, digest), "zhao")[0], 404)
        self.assertEqual(self.get("/console/orders/%s/photos/%s" % (other, digest), "wang")[0], 403)
        for bad in (digest[:-1] + ("0" if digest[-1] != "0" else "1"), digest.upper(), "..%2F..%2Fconcierge.db",
                    digest + ".png", ""):
            status, _, _ = self.get("/console/orders/%s/photos/%s" % (number, bad), "zhao")
            self.assertEqual(status, 404, bad)
        self.assertEqual(self.get("/console/orders/000000-999/photos/" + digest, "zhao")[0], 404)
        # A file gone from the disk is missing, said plainly.
        os.unlink(self.gw.order(number)["photos"][0]["path"])
        status, _, body = self.get(url, "zhao")
        self.assertEqual(status, 404)
        self.assertIn(b"missing", body)


class Pages(ApiCase):
    def test_the_page_and_the_printable_forms(self):
        status, hdrs, body = self.gw.request("GET", "/console")
        self.assertEqual(status, 200)
        self.assertTrue(hdrs["content-type"].startswith("text/html"))
        self.assertIn("script-src 'self'", hdrs["content-security-policy"])
        self.assertIn(b"/console/console.js", body)
        for path in ("/console/console.js", "/console/console.css"):
            self.assertEqual(self.gw.request("GET", path)[0], 200, path)
        self.assertEqual(self.gw.request("GET", "/console/nothing")[0], 404)
        number = self.file("li", REPAIR)
        self.act("zhao", number, action="assign", staff="wang")
        form = "/console/orders/%s/form" % number
        self.assertEqual(self.gw.request("GET", form)[0], 401)
        jar, _ = self.login("liu")
        self.assertEqual(self.gw.request("GET", form, headers={"Cookie": jar})[0], 403)
        # The technician who holds it, a dispatcher, a supervisor, the manager.
        for who in ("wang", "sun", "zhao", "qian"):
            status, hdrs, body = self.gw.request("GET", form, headers={"Authorization": "Bearer " + TOKENS[who]})
            self.assertEqual(status, 200, who)
        jar, _ = self.login("wang")
        status, hdrs, body = self.gw.request("GET", form, headers={"Cookie": jar})
        self.assertEqual(status, 200)
        self.assertTrue(hdrs["content-type"].startswith("text/html"))
        page = body.decode()
        # `concierge orders form N --html`'s page, all three forms by default.
        rc, out, err = self.gw.cli("orders", "form", number, "--html")
        self.assertEqual(rc, 0, err)
        self.assertEqual(page, out)
        self.assertEqual(re.findall(r"<h1>(.*?)</h1>", page),
                         ["便民服务需求登记表", "便民服务派工单", "便民服务质量反馈单"])
        for want in (number, "3-2-501", "李伟", "13800138000", "厨房水管漏水", "王师傅"):
            self.assertIn(want, page)
        # Its own style sheet, allowed by its hash, and nothing else: no script, no fetch.
        csp = hdrs["content-security-policy"]
        style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        self.assertIn("style-src 'sha256-%s'" % digest, csp)
        self.assertIn("default-src 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("<script", page)
        for which, titles in (("register", ["便民服务需求登记表"]), ("dispatch", ["便民服务派工单"]),
                              ("feedback", ["便民服务质量反馈单"]), ("all", ["便民服务需求登记表", "便民服务派工单",
                                                                       "便民服务质量反馈单"])):
            status, _, body = self.gw.request("GET", form + "?form=" + which, headers={"Cookie": jar})
            self.assertEqual(status, 200, which)
            self.assertEqual(re.findall(r"<h1>(.*?)</h1>", body.decode()), titles, which)
        for query in ("?form=invoice", "?print=1"):
            status, _, body = self.gw.request("GET", form + query, headers={"Cookie": jar})
            self.assertEqual(status, 400, query)
            self.assertIn(b"form", body)
        self.assertEqual(self.gw.request("GET", "/console/orders/000000-999/form",
                                         headers={"Cookie": jar})[0], 404)
        self.assertEqual(self.gw.request("GET", "/console/orders/%s/other" % number,
                                         headers={"Cookie": jar})[0], 404)

    def test_the_form_escapes_what_residents_wrote(self):
        number = self.file("li", ["/repair", "水管<script>alert(1)</script>漏水", "3-2-501", "李伟",
                                  "13800138000", "今天下午3点", "yes"])
        jar, _ = self.login("zhao")
        _, _, body = self.gw.request("GET", "/console/orders/%s/form" % number, headers={"Cookie": jar})
        self.assertNotIn(b"<script>alert", body)
        self.assertIn("&lt;script&gt;".encode(), body)

    def test_language_follows_the_browser(self):
        _, en = self.call("GET", "/console/session", headers={"Accept-Language": "en-US,en;q=0.9"})
        _, zh = self.call("GET", "/console/session", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
        self.assertEqual((en["lang"], zh["lang"]), ("en", "zh"))


if __name__ == "__main__":
    unittest.main()
