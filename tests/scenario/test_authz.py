"""Who may do what, through every channel that can reach it.

One gateway serves the terminal (`concierge chat --as`), Telegram (the fake Bot
API), the generic signed webhook (the fake callback receiver) and the web chat
(a resident by cookie, staff by token); the console and the API are HTTP with
bearer tokens or the console's session. The resident 李伟 (terminal "li")
files the README's repair request, the supervisor gives it to 王师傅; then a
second resident, a second technician (刘阿姨) and the owner herself try what
their role does not allow, on every channel. Each rule asserts what the
person reads (the refusal), that they learn nothing about another resident's
order (no room, name, phone or description), and that the order is as it was:
status, assignee, fee, receipt and its whole history.
"""
import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from concierge import parse_chat  # noqa: E402
from fake_callback import FakeCallback, sign  # noqa: E402
from fake_telegram import FakeTelegram, callback_update, text_update  # noqa: E402
from gateway import ORDER_RE, Gateway, WebChat  # noqa: E402
from test_telegram import BOT, STAFF_CHAT, TOKEN, telegram_config  # noqa: E402

SECRET = "s3cret-generic"
WANG_TG, ZHAO_TG, LIU_TG = 5001, 5002, 5003
TOKENS = {"wang": "demo-wang-token-11", "liu": "demo-liu-token-22", "zhao": "demo-zhao-token-33",
          "sun": "demo-sun-token-44"}
STAFF = [
    {"id": "wang", "name": "王师傅", "role": "technician",
     "skills": ["plumbing", "electrical", "carpentry"], "token": TOKENS["wang"],
     "identities": [{"channel": "telegram", "user": str(WANG_TG)},
                    {"channel": "generic", "user": "staff-wang"}]},
    {"id": "liu", "name": "刘阿姨", "role": "technician", "skills": ["cleaning"],
     "token": TOKENS["liu"],
     "identities": [{"channel": "telegram", "user": str(LIU_TG)},
                    {"channel": "generic", "user": "staff-liu"}]},
    {"id": "zhao", "name": "赵主管", "role": "supervisor", "skills": [], "token": TOKENS["zhao"],
     "identities": [{"channel": "telegram", "user": str(ZHAO_TG)}]},
    {"id": "sun", "name": "孙调度", "role": "dispatcher", "skills": [], "token": TOKENS["sun"],
     "identities": []},
]

REPAIR = ["/repair", "厨房水管漏水", "7-3-1204", "李伟", "13912345678", "今天下午3点", "yes"]
COMPLAINT = ["投诉 楼上装修太吵，每天都在施工"]
# What a stranger must never read about 李伟's order.
PRIVATE = ("7-3-1204", "李伟", "13912345678", "5678", "厨房水管漏水")

# The refusals, in Chinese or English (the language follows what a person writes).
STAFF_ONLY = ("仅限服务中心工作人员", "for service centre staff only")
SUPERVISOR_ONLY = ("需要主管或调度员权限", "only a supervisor or dispatcher")
NOT_YOURS = ("您不能操作", ", not you.")
NO_ORDER = ("找不到工单", "There is no order")
MY_NONE = ("您还没有工单", "You have no orders yet")
ORDERS_HEAD = ("待处理工单", "Open orders")
GHOST = "261127-999"  # a number no order has

# Staff commands as a resident may type them (N: the order's number).
STAFF_COMMANDS = ["/accept N", "接单 N", "/assign N wang", "/eta N 明天上午9点", "/start N",
                  "/done N", "/paid N R-0042", "/quote N 380 更换角阀", "/photo N",
                  "/note N 钥匙在门卫", "/resolve N 已处理", "/followups", "/new", "/staff",
                  "/off", "/on"]
# A resident's commands about an order, tried on somebody else's.
RESIDENT_COMMANDS = ["/cancel N", "撤单 N", "/cancel N 不需要了", "/reschedule N 明天下午",
                     "/reopen N 又漏了", "/reply N 请问师傅几点到", "/agree N", "/disagree N"]
# Work on an order somebody else holds.
OTHERS_WORK = ["/eta N 明天上午9点", "/start N", "/done N", "/paid N R-0042",
               "/quote N 380 更换角阀", "/reply N 我明天来", "/note N 看过了", "/photo N",
               "/cancel N 住户不需要了", "/accept N"]
# What only a dispatcher, supervisor or manager may do.
SUPERVISOR_COMMANDS = ["/assign N liu!", "派单 N liu!", "/resolve C 已处理", "/followups",
                       "/off wang", "/on wang 22:00"]


class AuthzCase(unittest.TestCase):
    """One gateway with every chat channel a fake stands in for; people on each."""

    def setUp(self):
        self.tg = FakeTelegram(token=TOKEN, bot_username=BOT, bot_id=777).start()
        self.addCleanup(self.tg.stop)
        self.cb = FakeCallback(SECRET).start()
        self.addCleanup(self.cb.stop)
        self.gw = Gateway({
            "staff": STAFF,
            # the rules are tried at machine speed, many from one sender: no inbound pace
            "limits": {"inbound_per_second": 0, "inbound_per_minute": 0},
            "channels": {
                "telegram": telegram_config("polling", self.tg.url),
                "generic": {"enabled": True, "secret": SECRET, "callback_url": self.cb.url}}})
        self.addCleanup(self.gw.close)
        self.gw.start()
        self.tg.wait_for_call("getUpdates", timeout=15)
        self.webs = {}
        self.seq = 0
        self.number = self.file("li", REPAIR)
        self.say("terminal", "staff", "zhao", "/assign %s wang" % self.number, "已派给王师傅")

    def tearDown(self):
        for w in self.webs.values():
            w.close()
        self.gw.finish(self)  # assert_clean finds every token of the configuration in the log

    # ---- people on channels ----------------------------------------------------------------

    def file(self, resident, lines):
        rc, out, err = self.gw.cli("chat", "--as", "resident:" + resident,
                                   stdin="\n".join(lines) + "\n")
        self.assertEqual(rc, 0, err)
        m = ORDER_RE.search(out)
        self.assertTrue(m, out)
        return m.group(0)

    def say(self, channel, kind, who, text, needles, timeout=15):
        """WHO (a resident or staff ID on CHANNEL) says TEXT; waits for the answer holding
        one of NEEDLES and returns the texts WHO received meanwhile."""
        if isinstance(needles, str):
            needles = (needles,)
        fits = lambda t: any(n in (t or "") for n in needles)  # noqa: E731
        if channel == "terminal":
            rc, out, err = self.gw.cli("chat", "--as", "%s:%s" % (kind, who), stdin=text + "\n")
            self.assertEqual(rc, 0, err)
            texts = [m.text for m in parse_chat(out)]
        elif channel == "telegram":
            user = {"wang": WANG_TG, "liu": LIU_TG, "zhao": ZHAO_TG}.get(who) or int(who)
            mark = len(self.tg.calls())
            self.tg.push_update(text_update(user, text, user_id=user,
                                            bot=self.tg.state.bot_user()))
            try:
                self.tg.wait_for_message(user, fits, timeout=timeout, since=mark)
            except TimeoutError:
                texts = []
            else:
                texts = [c["params"].get("text") for c in self.tg.calls("sendMessage", since=mark)
                         if str(c["params"].get("chat_id")) == str(user)]
        elif channel == "generic":
            user = "staff-" + who if kind == "staff" else who
            before = len(self.cb.calls)
            self.seq += 1
            status, _, answer = self.gw.request("POST", "/hooks/generic", *self.signed(
                {"id": "authz-%d" % self.seq, "user": user, "chat": user, "text": text}))
            self.assertEqual(status, 200, answer)  # stored; the answers come by callback
            deadline = time.time() + timeout
            texts = []
            while time.time() < deadline:
                texts = [c["json"]["text"] for c in self.cb.calls[before:]
                         if c["json"] and c["json"].get("chat") == user and c["status"] < 300]
                if any(fits(t) for t in texts):
                    break
                time.sleep(0.05)
        elif channel == "web":
            key = (kind, who)
            if key not in self.webs:
                self.webs[key] = WebChat(self.gw, staff_token=TOKENS[who]) \
                    if kind == "staff" else WebChat(self.gw)
                self.webs[key].connect()
            texts = [m.get("text") for m in self.webs[key].say(text, timeout=timeout)]
        else:
            raise ValueError(channel)
        self.assertTrue(any(fits(t) for t in texts),
                        "%s %s:%s said %r; expected %r in the answer, got %s\n%s" % (
                            channel, kind, who, text, needles,
                            json.dumps(texts, ensure_ascii=False, indent=1),
                            self.gw.stderr()[-2000:]))
        return texts

    def signed(self, msg):
        body = json.dumps(msg, ensure_ascii=False).encode()
        return body, {"Content-Type": "application/json",
                      "X-Concierge-Signature": sign(SECRET, body)}

    # ---- the order ---------------------------------------------------------------------------

    def snapshot(self, number=None):
        o = self.gw.order(number or self.number)
        return {"status": o["status"], "assignee": o["assignee"], "fee": o["fee"],
                "receipt": o.get("receipt"), "events": [(e["action"], e.get("detail"))
                                                        for e in o["events"]]}

    def assertUnchanged(self, before, number=None, what=""):
        self.assertEqual(self.snapshot(number), before, what)

    def assertLearnsNothing(self, texts, what):
        for t in texts:
            for secret in PRIVATE:
                self.assertNotIn(secret, t or "", "%s: %r leaked in %r" % (what, secret, t))


def has(text, needles):
    return any(n in (text or "") for n in needles)


# The channels a resident or a technician can speak on, with their IDs there.
RESIDENT_ON = [("terminal", "zhang"), ("telegram", "7001"), ("generic", "app-user-9"),
               ("web", "visitor")]
TECHNICIAN_ON = [("terminal", "liu"), ("telegram", "liu"), ("generic", "liu"), ("web", "liu")]


class ChatRules(AuthzCase):
    def test_a_resident_cannot_run_staff_commands(self):
        before = self.snapshot()
        # The order's own resident no more than a stranger.
        for channel, who in RESIDENT_ON + [("terminal", "li")]:
            for cmd in STAFF_COMMANDS:
                text = cmd.replace("N", self.number)
                with self.subTest(channel=channel, who=who, command=text):
                    texts = self.say(channel, "resident", who, text, STAFF_ONLY)
                    if who != "li":
                        self.assertLearnsNothing(texts, text)
        self.assertUnchanged(before)

    def test_a_resident_learns_nothing_of_another_residents_order(self):
        before = self.snapshot()
        for channel, who in RESIDENT_ON:
            for cmd in RESIDENT_COMMANDS:
                text = cmd.replace("N", self.number)
                with self.subTest(channel=channel, command=text):
                    texts = self.say(channel, "resident", who, text, NO_ORDER)
                    self.assertLearnsNothing(texts, text)
                    # Word for word what a number nobody has gets.
                    ghost = self.say(channel, "resident", who, cmd.replace("N", GHOST), NO_ORDER)
                    self.assertEqual([t.replace(GHOST, self.number) for t in ghost if has(t, NO_ORDER)],
                                     [t for t in texts if has(t, NO_ORDER)])
            with self.subTest(channel=channel, command="/my"):
                for text in ("/my", "/orders", "我的工单"):
                    texts = self.say(channel, "resident", who, text, MY_NONE)
                    self.assertNotIn(self.number, "".join(texts))
                    self.assertLearnsNothing(texts, text)
        self.assertUnchanged(before)
        # The owner, by contrast, sees it.
        self.assertIn(self.number, "".join(self.say("terminal", "resident", "li", "/my", "您的工单")))

    def test_only_the_orders_resident_answers_its_acceptance(self):
        self.say("terminal", "staff", "wang", "/done %s" % self.number, self.number)
        before = self.snapshot()
        self.assertEqual(before["status"], "awaiting_acceptance")
        for channel, who in RESIDENT_ON:
            for text in ("yes", "满意", "/agree", "5"):
                with self.subTest(channel=channel, said=text):
                    texts = self.say(channel, "resident", who, text, ("",))
                    self.assertLearnsNothing(texts, text)
                    # nor is asked to rate li's order
                    self.assertFalse(any("请为本次服务打分" in t for t in texts), texts)
        self.assertUnchanged(before)
        self.say("terminal", "resident", "li", "满意", "请为本次服务打分")
        self.assertEqual(self.snapshot()["status"], "closed")

    def test_a_technician_cannot_work_an_order_another_holds(self):
        before = self.snapshot()
        for channel, who in TECHNICIAN_ON:
            for cmd in OTHERS_WORK:
                text = cmd.replace("N", self.number)
                with self.subTest(channel=channel, command=text):
                    # refused for whose it is, not for its state
                    self.say(channel, "staff", who, text,
                             SUPERVISOR_ONLY if cmd.startswith("/cancel") else NOT_YOURS)
        self.assertUnchanged(before)
        # The one who holds it may (the same words work).
        self.say("terminal", "staff", "wang", "/photo %s" % self.number, "已请业主")
        self.assertEqual(self.snapshot()["events"][-1][0], "photo_requested")

    def test_supervisor_commands_are_refused_to_technicians(self):
        complaint = self.file("wu", COMPLAINT)
        before, before_c = self.snapshot(), self.snapshot(complaint)
        for channel, who in TECHNICIAN_ON:
            for cmd in SUPERVISOR_COMMANDS:
                text = cmd.replace("N", self.number).replace("C", complaint)
                with self.subTest(channel=channel, command=text):
                    self.say(channel, "staff", who, text, SUPERVISOR_ONLY)
        self.assertUnchanged(before)
        self.assertUnchanged(before_c, complaint)
        # Nobody was put off duty: wang still gets the next ping.
        texts = self.say("terminal", "staff", "zhao", "/staff", "王师傅")
        self.assertNotIn("不在岗", "\n".join(t for t in texts if "王师傅 (wang)" in t))
        # A supervisor may (the same words work).
        self.say("terminal", "staff", "zhao", "/assign %s liu!" % self.number, "已派给刘阿姨")

    def tg_answer(self, update, needles, chats):
        """Pushes UPDATE; the first message to one of CHATS holding one of NEEDLES."""
        mark = len(self.tg.calls())
        self.tg.push_update(update)
        return self.tg.wait_for_call(
            "sendMessage", lambda p: str(p.get("chat_id")) in [str(c) for c in chats] and
            has(p.get("text"), needles), timeout=15, since=mark, status=200)["params"]

    def test_the_staff_group_and_buttons_do_not_make_a_resident_staff(self):
        """Sitting in the staff group, or pressing a dispatch ping's button (or a forged
        one), gives a resident no staff rights."""
        stranger = 7002
        before = self.snapshot()
        bot = self.tg.state.bot_user()
        for cmd in ("/accept N", "/done N", "/assign N liu!", "/cancel N 不要了", "/note N x"):
            text = cmd.replace("N", self.number)
            with self.subTest(said_in="staff group", command=text):
                got = self.tg_answer(text_update(STAFF_CHAT, text, user_id=stranger, bot=bot),
                                     STAFF_ONLY + NO_ORDER, (STAFF_CHAT, stranger))
                self.assertLearnsNothing([got["text"]], text)
            for chat in (STAFF_CHAT, stranger):
                with self.subTest(pressed_in=chat, data=text):
                    got = self.tg_answer(callback_update(chat, text, 1001, user_id=stranger, bot=bot),
                                         STAFF_ONLY + NO_ORDER, (STAFF_CHAT, stranger))
                    self.assertLearnsNothing([got["text"]], text)
        self.assertUnchanged(before)
        # Nor does claiming a staff ID at the terminal that is not on the staff list.
        rc, out, err = self.gw.cli("chat", "--as", "staff:nobody",
                                   stdin="/cancel %s 不要了\n" % self.number)
        self.assertEqual((rc, out), (2, ""), err)
        self.assertIn("no staff member", err)
        self.assertUnchanged(before)

    def test_a_complaint_is_listed_only_to_supervisors(self):
        complaint = self.file("wu", COMPLAINT)
        for channel, who in TECHNICIAN_ON:
            with self.subTest(channel=channel, who=who):
                texts = self.say(channel, "staff", who, "/orders", ORDERS_HEAD)
                self.assertNotIn(complaint, "\n".join(texts))
                self.assertNotIn("装修太吵", "\n".join(texts))
                self.assertIn(self.number, "\n".join(texts))
        texts = self.say("terminal", "staff", "zhao", "/orders", ORDERS_HEAD)
        self.assertIn(complaint, "\n".join(texts))
        # Not even a supervisor's list shows it in a group others read.
        mark = len(self.tg.calls())
        self.tg.push_update(text_update(STAFF_CHAT, "/orders", user_id=ZHAO_TG,
                                        bot=self.tg.state.bot_user()))
        got = self.tg.wait_for_message(STAFF_CHAT, "待处理工单", since=mark)
        self.assertIn(self.number, got["text"])
        self.assertNotIn(complaint, got["text"])
        self.assertNotIn("装修太吵", got["text"])


class ApiRules(AuthzCase):
    """The console and the API: the same rules by bearer token and by session."""

    def call(self, how, who, method, path, body=None):
        h = {}
        if how == "bearer":
            h["Authorization"] = "Bearer " + TOKENS[who]
        elif how == "session":
            if who not in self.sessions:
                status, hdrs, data = self.gw.request(
                    "POST", "/console/login", json.dumps({"token": TOKENS[who]}).encode(),
                    {"Content-Type": "application/json"})
                self.assertEqual(status, 200, data)
                self.sessions[who] = (hdrs["set-cookie"].split(";")[0], json.loads(data)["csrf"])
            cookie, csrf = self.sessions[who]
            h["Cookie"] = cookie
            if method == "POST":
                h["X-CSRF-Token"] = csrf
        if body is not None:
            body = json.dumps(body, ensure_ascii=False).encode()
            h["Content-Type"] = "application/json"
        status, _, data = self.gw.request(method, path, body, h)
        return status, data.decode("utf-8", "replace")

    def setUp(self):
        super().setUp()
        self.sessions = {}

    def test_roles_on_the_api_and_the_console(self):
        zhang = ("楼道需要打扫", "5-1-302", "张敏", "13900139000")
        other = self.file("zhang", ["/clean", *zhang, "明天上午", "yes"])
        before, before_o = self.snapshot(), self.snapshot(other)
        n = self.number
        rules = [
            # (who, method, path, body, status)
            ("liu", "GET", "/api/orders/" + n, None, 403),
            ("liu", "GET", "/api/orders?assignee=wang", None, 403),
            ("liu", "GET", "/console/orders/%s/form" % n, None, 403),
            ("wang", "GET", "/api/orders/" + other, None, 403),
            ("wang", "POST", "/api/orders/%s/actions" % other, {"action": "accept"}, 403),
            ("wang", "POST", "/api/orders/%s/actions" % n, {"action": "assign", "staff": "liu"},
             403),
            ("liu", "POST", "/api/orders/%s/actions" % n, {"action": "note", "text": "x"}, 403),
            ("liu", "POST", "/api/orders/%s/actions" % n, {"action": "photo"}, 403),
            ("liu", "POST", "/api/orders/%s/actions" % n,
             {"action": "cancel", "reason": "不需要了"}, 403),
            ("wang", "POST", "/api/orders", {"room": "1-1-101", "text": "x"}, 403),
            ("wang", "GET", "/api/report", None, 403),
            ("sun", "GET", "/api/report", None, 403),
            ("sun", "POST", "/api/orders/%s/actions" % n, {"action": "start"}, 403),
            ("zhao", "POST", "/api/orders/%s/actions" % n, {"action": "done"}, 403),
        ]
        for how in ("bearer", "session"):
            for who, method, path, body, want in rules:
                with self.subTest(how=how, who=who, method=method, path=path, body=body):
                    status, data = self.call(how, who, method, path, body)
                    self.assertEqual(status, want, data)
                    # A refusal tells nothing of either order, whatever was asked.
                    for secret in PRIVATE + zhang:
                        self.assertNotIn(secret, data)
        # Without a token or with a wrong one: nothing at all.
        for path in ("/api/orders", "/api/orders/" + n, "/api/report", "/api/me"):
            for h in ({}, {"Authorization": "Bearer nope"}, {"Cookie": "cc_console=" + "0" * 64}):
                with self.subTest(path=path, headers=h):
                    status, _, data = self.gw.request("GET", path, None, h)
                    self.assertEqual(status, 401, data)
                    self.assertNotIn("7-3-1204".encode(), data)
        # A technician's register holds only their own orders.
        status, data = self.call("bearer", "liu", "GET", "/api/orders")
        self.assertEqual((status, json.loads(data)["orders"]), (200, []))
        status, data = self.call("session", "wang", "GET", "/api/orders")
        self.assertEqual([o["number"] for o in json.loads(data)["orders"]], [n])
        self.assertUnchanged(before)
        self.assertUnchanged(before_o, other)


if __name__ == "__main__":
    unittest.main()
