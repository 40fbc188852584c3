"""QQ through OneBot v11 end to end: the real `concierge serve` against the fake
implementation (tests/fake_onebot.py).

The fake connects to the gateway's /onebot/v11/ws as the bot account (its reverse
websocket), or serves the forward websocket the gateway connects to (a bot with a
ws_url), sends events there or as signed HTTP POSTs to /hooks/onebot, and
answers the actions that come back - or, scripted, fails them, leaves them
unanswered or drops the connection. What is asserted is what people see: the
texts of the actions the fake took (send_group_msg to the owners' and the staff
groups, send_private_msg to residents and staff), their segments (a quote and a
mention in groups, text always as text), and the store through the CLI.

The gateway runs on a clock the test moves (Gateway(clock=True)): a wait for an
action's answer, a retry's backoff pass with gw.advance() instead of sleeps. A
test that must be sure something did NOT happen waits for a positive barrier
(someone else's /help answered) first.
"""
import hashlib
import json
import os
import re
import sqlite3
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from fake_onebot import (FakeOneBot, group_event, heartbeat, private_event,  # noqa: E402
                         segments_of)
from gateway import sqlite_file  # noqa: E402
from gateway import (ASK_DESCRIPTION, ASK_NAME, ASK_ROOM, CREATED, PING,  # noqa: E402
                     SUMMARY, Gateway, tiny_jpeg)

TOKEN = "qq-access-token-1"
SECRET = "onebot-post-secret"
BOT, BOT2 = 10001000, 10001001
OWNERS, OTHER_GROUP, STAFF_GROUP = 123456789, 555666777, 900900
RES, NEIGHBOUR, PROBE = 20002000, 20002001, 20002099
WANG = 30003000
PHONE, MASKED = "13800138000", "138****8000"

ASK_PHONE = "请留一个联系电话"
ASK_TIME = "您希望什么时间上门或办理"
HINT = "已私信您，请在私聊中继续"
HELP = "物业服务助手"
ASSIGNED = "接单，稍后会与您联系"
CONTACT = "的住户信息"
PHOTO_KEPT = "提交后会附在"

STAFF = [
    {"id": "wang", "name": "王师傅", "role": "technician",
     "skills": ["plumbing", "electrical", "carpentry"],
     "identities": [{"channel": "qq", "user": str(WANG)}], "token": "demo-wang-token-4417"},
    {"id": "zhao", "name": "赵主管", "role": "supervisor", "skills": [], "identities": [],
     "token": "demo-zhao-token-8265"},
]
FAST = {"per_chat_per_sec": 50, "per_chat_per_min": 1000, "global_per_sec": 100}


def qq_config(bots=None, **changes):
    cfg = {"enabled": True, "access_token": TOKEN, "secret": SECRET,
           "bots": bots or [{"self_id": str(BOT)}], "staff_group": STAFF_GROUP,
           "resident_groups": [OWNERS], "action_timeout": 3, "rate_limits": FAST}
    cfg.update(changes)
    return cfg


class QQCase(unittest.TestCase):
    """One fake implementation and one gateway per test; the gateway must end clean
    and no action may break the rules the fake checks (segments only, no @all)."""

    def setUp(self):
        self.gw = None
        self.ob = FakeOneBot(TOKEN, SECRET,
                             clock=lambda: self.gw.now() if self.gw else time.time()).start()
        self.addCleanup(self.ob.stop)
        self.ws = None

    def tearDown(self):
        if self.gw:
            self.gw.finish(self)
            for secret in (TOKEN, SECRET):
                self.assertNotIn(secret, self.gw.stderr(), "a secret is in the log")
        self.assertEqual(self.ob.violations, [])

    # ---- the gateway and the bot's connection --------------------------------------------

    def start(self, cfg=None, connect=True):
        self.gw = Gateway({"staff": STAFF, "channels": {"qq": cfg or qq_config()}}, clock=True)
        self.addCleanup(self.gw.close)
        self.gw.start()
        if connect:
            self.ws = self.connect(BOT)
        return self.gw

    def connect(self, self_id, **kw):
        """The bot's reverse websocket, once the gateway has it as the bot's."""
        ws = self.ob.connect(self.gw.port, self_id, **kw)
        self.gw.wait(lambda: self.bot_health(self_id).get("websocket"),
                     what="bot %s connected" % self_id)
        return ws

    def health(self):
        status, body = self.gw.get_json("/healthz")
        self.assertEqual(status, 200, body)
        return body

    def bot_health(self, self_id):
        for b in self.health()["channels"]["qq"]["bots"]:
            if b["self_id"] == str(self_id):
                return b
        return {}

    # ---- people ------------------------------------------------------------------------------

    def mark(self):
        return self.ob.mark()

    def group(self, text, user=RES, group=OWNERS, ws=None, **kw):
        ev = group_event(BOT, group, user, text, **kw)
        (ws or self.ws).send(ev)
        return ev

    def private(self, user, text, ws=None, **kw):
        ev = private_event(BOT, user, text, **kw)
        (ws or self.ws).send(ev)
        return ev

    def expect(self, chat, needle, since, timeout=15):
        """The first message (text, params, record) to CHAT since SINCE with NEEDLE."""
        try:
            return self.ob.wait_sent(chat, needle, since=since, timeout=timeout)
        except TimeoutError:
            self.fail("no message with %r to %s; sent: %s\n%s" % (
                needle, chat, json.dumps([(c, t) for c, t, _, _ in self.ob.sent(since)],
                                         ensure_ascii=False, indent=1),
                self.gw.stderr()[-3000:]))

    def step(self, user, text, needle, **kw):
        m = self.mark()
        self.private(user, text, **kw)
        return self.expect(str(user), needle, m)

    def texts(self, chat, since=0):
        return [t for _, t, _, _ in self.ob.sent(since, str(chat))]

    def barrier(self, user=PROBE):
        """Someone else asks for /help and is answered: what came before is handled."""
        return self.step(user, "/help", HELP)

    def qq_outbox(self, dead=False):
        return [r for r in self.gw.outbox(dead) if r["channel"] == "qq"]

    def db_count(self, table, where="1"):
        con = sqlite3.connect("file:%s?mode=ro" % self.gw.config["database"], uri=True,
                              timeout=10)
        try:
            return con.execute("SELECT count(*) FROM %s WHERE %s" % (table, where)).fetchone()[0]
        finally:
            con.close()

    def wait_held(self, n=1):
        """The sender has put off N deliveries (/healthz "retried"): its wait is set."""
        self.gw.wait(lambda: self.health()["channels"]["qq"]["retried"] >= n,
                     what="%d deliveries put off" % n)


# ---- a request from the owners' group, finished in private --------------------------------------

class QQGroup(QQCase):
    def test_qq_order_in_group_finished_in_private(self):
        self.start()
        m = self.mark()
        # neighbours among themselves, and a request that does not mention the bot
        self.group("大家好，今天停水吗？", mention=False)
        self.group("报修 厨房漏水", user=NEIGHBOUR, mention=False)
        self.barrier()
        self.assertEqual(self.texts("group:%d" % OWNERS, m), [])
        self.assertEqual(self.texts(NEIGHBOUR, m), [])

        # the request, mentioning the bot: the group hears where it went on
        m = self.mark()
        ask = self.group("/repair 厨房水管漏水", card="3-2-501 李伟")
        text, params, _ = self.expect("group:%d" % OWNERS, HINT, m)
        self.assertEqual(segments_of(params, "reply"), [{"id": str(ask["message_id"])}])
        self.assertEqual(segments_of(params, "at"), [{"qq": str(RES)}])
        self.assertEqual(params["message"][0]["type"], "reply")
        # the personal questions in private: a temporary session from the owners' group
        _, params, rec = self.expect(str(RES), ASK_ROOM, m)
        self.assertEqual((params["user_id"], params.get("group_id")), (RES, OWNERS))
        self.assertEqual((rec["via"], rec["bot"]), ("ws", str(BOT)))

        # the resident answers there (a temporary session's messages: sub_type "group")
        self.step(RES, "3-2-501", ASK_NAME, sub_type="group")
        self.step(RES, "李伟", ASK_PHONE, sub_type="group")
        self.step(RES, PHONE, ASK_TIME, sub_type="group")
        self.step(RES, "今天下午3点", SUMMARY, sub_type="group")
        m2 = self.mark()
        self.private(RES, "确认", sub_type="group")
        created, _, _ = self.expect(str(RES), CREATED, m2)
        n = re.search(r"工单号 (\d{6}-\d{3})", created).group(1)
        ping, _, _ = self.expect("group:%d" % STAFF_GROUP, PING + n, m2)
        self.assertIn(MASKED, ping)
        self.assertIn("/accept " + n, ping)  # the button, as the command to type

        o = self.gw.order(n)
        self.assertEqual((o["description"], o["room"], o["phone"]),
                         ("厨房水管漏水", "3-2-501", PHONE))
        self.assertEqual(o["resident"], "qq:%d" % RES)
        # one message in the owners' group, nothing private there; no phone in any group
        self.assertEqual(len(self.texts("group:%d" % OWNERS, m)), 1)
        for t in self.texts("group:%d" % OWNERS):
            for private in (PHONE, "3-2-501", "李伟", ASK_ROOM, ASK_PHONE):
                self.assertNotIn(private, t)
        for chat, t, _, _ in self.ob.sent(0):
            self.assertTrue(not chat.startswith("group:") or PHONE not in t, (chat, t))

        # wang, a staff identity on QQ, takes it with a command in the staff group
        m = self.mark()
        cmd = self.group("/accept " + n, user=WANG, group=STAFF_GROUP, mention=False)
        _, params, _ = self.expect("group:%d" % STAFF_GROUP, "%s 已由王师傅接单" % n, m)
        self.assertEqual(segments_of(params, "reply"), [{"id": str(cmd["message_id"])}])
        self.assertEqual(segments_of(params, "at"), [{"qq": str(WANG)}])
        contact, params, _ = self.expect(str(WANG), CONTACT, m)
        self.assertIn(PHONE, contact)  # privately, to him only
        # if he is not the bot's friend: a temporary session from the group he wrote in
        self.assertEqual(params.get("group_id"), STAFF_GROUP)
        self.expect(str(RES), ASSIGNED, m)
        self.assertEqual(self.gw.order(n)["assignee"], "wang")

    def test_qq_group_addressing(self):
        """A reply to the bot's own message counts as addressing it; a group not listed,
        the bot's own messages and anonymous ones are not read."""
        self.start()
        m = self.mark()
        self.group("/help")
        _, _, rec = self.expect("group:%d" % OWNERS, HELP, m)
        bot_msg = rec["answer"]["data"]["message_id"]
        self.gw.wait(lambda: not self.qq_outbox(), what="the answer taken")
        # quoting the bot (no mention, no command): read
        m = self.mark()
        self.group("楼道灯坏了", user=NEIGHBOUR, mention=False, reply=bot_msg)
        self.expect("group:%d" % OWNERS, HINT, m)
        self.expect(str(NEIGHBOUR), ASK_ROOM, m)
        # quoting someone else: neighbours talking
        m = self.mark()
        self.group("楼道灯也坏了", user=RES, mention=False, reply=424242)
        self.ws.send(group_event(BOT, OTHER_GROUP, NEIGHBOUR, "/help"))
        own = group_event(BOT, OWNERS, BOT, "/help")
        own["post_type"] = "message_sent"
        self.ws.send(own)
        self.ws.send(group_event(BOT, OWNERS, BOT, "/help"))
        self.ws.send(group_event(BOT, OWNERS, 80000000, "/help", sub_type="anonymous"))
        self.ws.send(heartbeat(BOT))
        self.barrier()
        self.assertEqual([t for t in self.texts("group:%d" % OWNERS, m)], [])
        self.assertEqual(self.texts("group:%d" % OTHER_GROUP, m), [])
        self.assertEqual(self.texts(NEIGHBOUR, m), [])
        self.assertEqual(self.texts(RES, m), [])

    def test_qq_addressed_only_off(self):
        """addressed_only false: a request named in the group without a mention is read."""
        self.start(qq_config(addressed_only=False))
        m = self.mark()
        self.group("大家好", mention=False)
        self.group("报修 厨房水管漏水", user=NEIGHBOUR, mention=False)
        self.expect(str(NEIGHBOUR), ASK_ROOM, m)
        # the group hears where the request goes on: one message (its own chat's line)
        self.gw.wait(lambda: self.texts("group:%d" % OWNERS, m), what="the note in the group")
        self.assertEqual(len(self.texts("group:%d" % OWNERS, m)), 1)


# ---- CQ strings, and text that looks like CQ codes ------------------------------------------------

class QQStrings(QQCase):
    def test_qq_cq_strings_and_no_injection(self):
        """An implementation set to the string format: CQ codes and their escapes are
        read; what a resident types that looks like a CQ code stays text, on the way in
        and on the way out (never an @all, never a code)."""
        self.start()
        m = self.mark()
        self.group("/help", fmt="string")
        self.expect("group:%d" % OWNERS, HELP, m)

        typed = "厨房漏水 [CQ:at,qq=all] & [x]"
        self.step(RES, "/repair", ASK_DESCRIPTION, fmt="string")
        self.step(RES, typed, ASK_ROOM, fmt="string")
        self.step(RES, "3-2-501", ASK_NAME, fmt="string")
        self.step(RES, "李伟", ASK_PHONE, fmt="string")
        self.step(RES, PHONE, ASK_TIME, fmt="string")
        summary, params, _ = self.step(RES, "今天下午3点", SUMMARY, fmt="string")
        self.assertIn(typed, summary)
        self.assertEqual([s["type"] for s in params["message"]], ["text"])
        m = self.mark()
        self.private(RES, "确认", fmt="string")
        created, _, _ = self.expect(str(RES), CREATED, m)
        n = re.search(r"工单号 (\d{6}-\d{3})", created).group(1)
        ping, params, _ = self.expect("group:%d" % STAFF_GROUP, PING + n, m)
        self.assertIn("[CQ:at,qq=all]", ping)
        self.assertEqual(segments_of(params, "at"), [])
        self.assertEqual(self.gw.order(n)["description"], typed)
        # every message the gateway sent was segments, none an @all (tearDown checks)
        self.assertTrue(all(isinstance(a["params"]["message"], list)
                            for a in self.ob.actions if a["action"].startswith("send_")))


# ---- two transports, one event -------------------------------------------------------------------

class QQTransports(QQCase):
    @sqlite_file
    def test_qq_same_event_two_transports_once(self):
        self.start()
        ev = private_event(BOT, NEIGHBOUR, "/help")
        m = self.mark()
        self.ws.send(ev)
        status, body = self.ob.post_event(self.gw.url, ev)
        self.assertEqual(status, 204, body)
        self.expect(str(NEIGHBOUR), HELP, m)
        # and the other way round: HTTP POST first, then the websocket
        ev2 = private_event(BOT, NEIGHBOUR, "/my")
        status, _ = self.ob.post_event(self.gw.url, ev2)
        self.assertEqual(status, 204)
        self.ws.send(ev2)
        self.expect(str(NEIGHBOUR), "您还没有工单", m)
        self.barrier()
        self.assertEqual(len(self.texts(NEIGHBOUR, m)), 2, self.texts(NEIGHBOUR, m))
        self.assertEqual(self.db_count("dedup", "channel = 'qq' AND key = '%d:%d'"
                                       % (BOT, ev["message_id"])), 1)

    def test_qq_http_post_only_with_http_api(self):
        """A bot with an api_url: events by HTTP POST, actions through its HTTP API with
        the access token; a 500 from the API is tried again."""
        self.start(qq_config(bots=[{"self_id": str(BOT), "api_url": self.ob.url}]),
                   connect=False)
        self.ob.script(("status", 500), "send_private_msg")
        m = self.mark()
        status, _ = self.ob.post_event(self.gw.url, private_event(BOT, NEIGHBOUR, "/help"))
        self.assertEqual(status, 204)
        self.wait_held()
        self.gw.advance(3)
        _, _, rec = self.expect(str(NEIGHBOUR), HELP, m)
        self.assertEqual(rec["via"], "http")
        tries = [a["behaviour"] for a in self.ob.actions[m:]]
        self.assertEqual(tries, ["status", "ok"])
        # a group request: the quote and the temporary session, the same over HTTP
        m = self.mark()
        ask = group_event(BOT, OWNERS, RES, "/repair 厨房水管漏水")
        self.assertEqual(self.ob.post_event(self.gw.url, ask)[0], 204)
        _, params, _ = self.expect("group:%d" % OWNERS, HINT, m)
        self.assertEqual(segments_of(params, "reply"), [{"id": str(ask["message_id"])}])
        _, params, _ = self.expect(str(RES), ASK_ROOM, m)
        self.assertEqual(params.get("group_id"), OWNERS)

    def test_qq_two_bots(self):
        """Two bot accounts, one websocket each: an answer goes out through the bot
        that heard the question; one bot's connection cannot speak for the other."""
        self.start(qq_config(bots=[{"self_id": str(BOT)}, {"self_id": str(BOT2)}]))
        ws2 = self.connect(BOT2, auth="token")  # go-cqhttp's "Authorization: Token"
        m = self.mark()
        ws2.send(private_event(BOT2, NEIGHBOUR, "/help"))
        _, _, rec = self.expect(str(NEIGHBOUR), HELP, m)
        self.assertEqual(rec["bot"], str(BOT2))
        # bot 1's connection sending an event as bot 2: dropped
        m = self.mark()
        self.ws.send(private_event(BOT2, RES, "/help"))
        self.barrier()
        self.assertEqual(self.texts(RES, m), [])
        _, _, rec = self.ob.wait_sent(str(PROBE), HELP, since=m)
        self.assertEqual(rec["bot"], str(BOT))


# ---- refusals: nothing stored ----------------------------------------------------------------------

class QQRefusals(QQCase):
    @sqlite_file
    def test_qq_refuses_bad_tokens_and_signatures(self):
        self.start()
        port = self.gw.port
        for kw in ({"token": "wrong-token-123"}, {"auth": None}, {"auth": "query", "token": "x"},
                   {"token": TOKEN[:-1]}):
            with self.assertRaises(ConnectionError, msg=kw):
                self.ob.connect(port, BOT, **kw)
        with self.assertRaises(ConnectionError):
            self.ob.connect(port, None)  # no X-Self-ID
        with self.assertRaises(ConnectionError):
            self.ob.connect(port, 424242)  # a bot that is not configured
        with self.assertRaises(ConnectionError):
            self.ob.connect(port, BOT, role="Weird")
        # the token as a query argument is accepted (some implementations cannot set headers)
        q = self.ob.connect(port, BOT, auth="query")
        q.close()

        ev = private_event(BOT, NEIGHBOUR, "/repair 厨房水管漏水")
        self.assertEqual(self.ob.post_event(self.gw.url, ev, secret="not-the-secret")[0], 401)
        self.assertEqual(self.ob.post_event(self.gw.url, ev, signature="")[0], 401)
        self.assertEqual(self.ob.post_event(self.gw.url, ev, signature="sha1=" + "0" * 40)[0],
                         401)
        self.assertEqual(self.ob.post_event(self.gw.url, ev, self_id=424242)[0], 403)
        other = dict(ev, self_id=BOT2)
        self.assertEqual(self.ob.post_event(self.gw.url, other, self_id=BOT)[0], 403)
        self.assertEqual(self.ob.post_event(self.gw.url, ev, path="/hooks/onebot/x")[0], 404)
        self.barrier()
        self.assertEqual(self.texts(NEIGHBOUR), [])
        self.assertEqual(self.db_count("dedup", "channel = 'qq' AND key LIKE '%%:%d'"
                                       % ev["message_id"]), 0)
        self.assertEqual(self.gw.orders(), [])
        self.assertEqual(self.db_count("identities", "channel = 'qq' AND user = '%d'"
                                       % NEIGHBOUR), 0)

    def test_qq_http_post_needs_a_secret(self):
        self.start(qq_config(secret=None))
        ev = private_event(BOT, NEIGHBOUR, "/help")
        self.assertEqual(self.ob.post_event(self.gw.url, ev)[0], 403)
        self.barrier()
        self.assertEqual(self.texts(NEIGHBOUR), [])


# ---- actions that fail -------------------------------------------------------------------------------

class QQFailures(QQCase):
    def test_qq_failed_actions_retried(self):
        self.start()
        # status failed (NapCat's handler error): tried again, delivered
        self.ob.script(("fail", 1200, "Timeout: NTEvent"), "send_private_msg", user_id=NEIGHBOUR)
        m = self.mark()
        self.private(NEIGHBOUR, "/help")
        self.wait_held(1)
        self.gw.advance(3)
        self.expect(str(NEIGHBOUR), HELP, m)
        self.assertEqual([a["behaviour"] for a in self.ob.actions[m:]], ["fail", "ok"])

        # no answer within action_timeout (3 s): tried again
        self.ob.script(("silent",), "send_private_msg", user_id=NEIGHBOUR)
        m = self.mark()
        self.private(NEIGHBOUR, "/my")
        self.ob.wait_actions(1, since=m)
        self.gw.advance(4)
        self.wait_held(2)
        self.gw.advance(3)
        self.expect(str(NEIGHBOUR), "您还没有工单", m)
        self.assertIn("no answer within 3s", self.gw.stderr())

        # QQ refused it (go-cqhttp's SEND_MSG_API_ERROR): held back, then sent
        self.ob.script(("fail", 100, "SEND_MSG_API_ERROR"), "send_private_msg", user_id=NEIGHBOUR)
        m = self.mark()
        self.private(NEIGHBOUR, "/help")
        self.wait_held(3)
        self.gw.advance(3)
        self.expect(str(NEIGHBOUR), HELP, m)

        # bad parameters (retcode 1400): sending again changes nothing, a dead letter
        self.ob.script(("fail", 1400, "Key: message"), "send_private_msg", user_id=RES)
        m = self.mark()
        self.private(RES, "/help")
        self.gw.wait(lambda: self.qq_outbox(dead=True), what="a dead letter")
        dead = self.qq_outbox(dead=True)
        self.assertEqual(len(dead), 1, dead)
        self.assertIn("retcode 1400", json.dumps(dead, ensure_ascii=False))
        self.assertEqual([a["behaviour"] for a in self.ob.actions[m:]], ["fail"])

    def test_qq_connection_lost_during_an_action(self):
        """The websocket closes before the answer: the row waits, and goes over the
        bot's next connection (implementations reconnect every few seconds)."""
        self.start()
        self.ob.script(("close",), "send_private_msg")
        m = self.mark()
        self.private(NEIGHBOUR, "/help")
        self.ob.wait_actions(1, since=m)
        self.assertTrue(self.ws.closed.wait(5))
        self.gw.wait(lambda: not self.bot_health(BOT).get("websocket"), what="the bot gone")
        self.wait_held(1)
        self.ws = self.connect(BOT)
        self.gw.advance(3)
        self.expect(str(NEIGHBOUR), HELP, m)
        self.assertEqual([a["behaviour"] for a in self.ob.actions[m:]], ["close", "ok"])
        self.gw.wait(lambda: not self.qq_outbox(), what="every action answered and recorded")

    def test_qq_no_connection_waits(self):
        """No websocket for the bot: the answer waits in the outbox until it connects."""
        self.start()
        ev = private_event(BOT, NEIGHBOUR, "/help")
        self.ws.close()
        self.gw.wait(lambda: not self.bot_health(BOT).get("websocket"), what="the bot gone")
        self.assertEqual(self.ob.post_event(self.gw.url, ev)[0], 204)
        self.wait_held(1)
        self.assertEqual(len(self.qq_outbox()), 1)
        m = self.mark()
        self.ws = self.connect(BOT)
        self.gw.advance(3)
        self.expect(str(NEIGHBOUR), HELP, m)


# ---- photos ------------------------------------------------------------------------------------------

class QQPhotos(QQCase):
    def test_qq_photo_kept_with_the_order(self):
        self.start()
        jpeg = tiny_jpeg()
        url = self.ob.image_url("kitchen.jpg", jpeg)
        self.step(RES, "/repair", ASK_DESCRIPTION)
        self.step(RES, "厨房水管漏水", ASK_ROOM)
        self.step(RES, "", PHOTO_KEPT, images=[url])
        self.step(RES, "3-2-501", ASK_NAME)
        self.step(RES, "李伟", ASK_PHONE)
        self.step(RES, PHONE, ASK_TIME)
        self.step(RES, "今天下午3点", SUMMARY)
        created, _, _ = self.step(RES, "确认", CREATED)
        n = re.search(r"工单号 (\d{6}-\d{3})", created).group(1)
        photos = self.gw.order(n)["photos"]
        self.assertEqual(len(photos), 1, photos)
        self.assertEqual(photos[0]["hash"], hashlib.sha256(jpeg).hexdigest())
        with open(photos[0]["path"], "rb") as f:
            self.assertEqual(f.read(), jpeg)


# ---- the forward websocket: the gateway connects to the implementation -----------------------

class QQForward(QQCase):
    """Bot accounts with a ws_url: the gateway connects to the fake's forward
    websocket server with the access token, events come and actions go over it;
    a refused token is tried again with a backoff, a link whose heartbeats stop
    is closed and opened again."""

    def start_forward(self, token=None, **changes):
        """The gateway with bot BOT on a forward websocket (the fake's server FWD)."""
        self.fwd = self.ob.forward(BOT, interval=5000, every=0.3)
        self.fwd.token = token
        self.start(qq_config(bots=[{"self_id": str(BOT), "ws_url": self.fwd.url}], **changes),
                   connect=False)
        self.ws = self.fwd  # group() and private() send over it
        return self.fwd

    def forward_health(self):
        return self.bot_health(BOT).get("forward") or {}

    def wait_forward(self, n=1):
        """The Nth link up, the gateway calling it connected, a heartbeat read."""
        link = self.fwd.wait_link(n)
        self.gw.wait(lambda: self.forward_health().get("state") == "connected"
                     and self.forward_health().get("connects") == n
                     and self.forward_health().get("heartbeat_ms") == 5000,
                     what="forward link %d up" % n)
        return link

    def deliver(self, chat, needle, since, tries=6):
        """Moves the clock past the sender's backoff until a message with NEEDLE to CHAT
        is delivered (each move in steps the heartbeats keep up with)."""
        for _ in range(tries):
            if any(needle in t for _, t, _, _ in self.ob.sent(since, str(chat))):
                break
            self.gw.advance(3)
            try:
                self.ob.wait_sent(str(chat), needle, since=since, timeout=1.5)
            except TimeoutError:
                continue
        return self.expect(str(chat), needle, since)

    def test_qq_forward_order_in_group_finished_in_private(self):
        self.start_forward()
        self.wait_forward()
        self.assertNotIn("websocket", self.bot_health(BOT))  # no reverse link
        self.assertIn("forward websockets to 1 bot", self.gw.stderr())
        m = self.mark()
        ask = self.group("/repair 厨房水管漏水", card="3-2-501 李伟")
        _, params, rec = self.expect("group:%d" % OWNERS, HINT, m)
        self.assertEqual(rec["via"], "fwd")
        self.assertEqual(segments_of(params, "reply"), [{"id": str(ask["message_id"])}])
        self.assertEqual(segments_of(params, "at"), [{"qq": str(RES)}])
        _, params, rec = self.expect(str(RES), ASK_ROOM, m)
        self.assertEqual((params["user_id"], params.get("group_id"), rec["via"]),
                         (RES, OWNERS, "fwd"))
        self.step(RES, "3-2-501", ASK_NAME, sub_type="group")
        self.step(RES, "李伟", ASK_PHONE, sub_type="group")
        self.step(RES, PHONE, ASK_TIME, sub_type="group")
        self.step(RES, "今天下午3点", SUMMARY, sub_type="group")
        m = self.mark()
        self.private(RES, "确认", sub_type="group")
        created, _, _ = self.expect(str(RES), CREATED, m)
        n = re.search(r"工单号 (\d{6}-\d{3})", created).group(1)
        ping, _, _ = self.expect("group:%d" % STAFF_GROUP, PING + n, m)
        self.assertIn(MASKED, ping)
        o = self.gw.order(n)
        self.assertEqual((o["description"], o["room"], o["phone"], o["resident"]),
                         ("厨房水管漏水", "3-2-501", PHONE, "qq:%d" % RES))
        # every action went over the forward link, each answered once
        self.assertEqual({a["via"] for a in self.ob.actions}, {"fwd"})
        for t in self.texts("group:%d" % OWNERS):
            self.assertNotIn(PHONE, t)
        self.assertEqual(len(self.fwd.links), 1)
        # the last answer may still be on its way back over the link
        self.gw.wait(lambda: not self.qq_outbox(), what="every action answered and recorded")

    def test_qq_forward_wrong_token_backs_off(self):
        """The implementation refuses the token (401): tried again, further and further
        apart, never in a busy loop; /healthz says why; once the token fits it connects."""
        self.start_forward(token="the-implementations-own-token")
        self.fwd.wait_attempts(1)
        time.sleep(3)
        attempts = self.fwd.attempts
        # a busy loop would be hundreds; the backoff allows one a second at first
        self.assertLessEqual(len(attempts), 5, attempts)
        self.assertFalse(any(a["ok"] for a in attempts))
        self.assertEqual(self.fwd.links, [])
        state = self.forward_health()["state"]
        self.assertTrue(state.startswith("error: connect"), state)
        self.assertEqual(self.forward_health()["connects"], 0)
        # the gaps grow: after several failures the next try is seconds away
        n = len(self.fwd.attempts)
        time.sleep(1)
        self.assertLessEqual(len(self.fwd.attempts), n + 1)
        # the implementation is given the gateway's token: the next try connects
        self.fwd.token = None
        self.gw.advance(91)  # the longest backoff (60 s with its jitter)
        self.wait_forward(1)
        self.assertTrue(self.fwd.attempts[-1]["ok"])
        m = self.mark()
        self.private(NEIGHBOUR, "/help")
        self.expect(str(NEIGHBOUR), HELP, m)

    def test_qq_forward_silent_link_reconnected(self):
        """Heartbeats stop but the connection stays open (a hung implementation): after
        2.5 heartbeat intervals without a frame the link is closed and opened again, and
        an answer sent into the silent link is delivered over the new one."""
        self.start_forward()
        first = self.wait_forward(1)
        first.go_silent()
        m = self.mark()
        # the resident writes by HTTP POST; the answer goes into the silent link
        status, _ = self.ob.post_event(self.gw.url, private_event(BOT, NEIGHBOUR, "/help"))
        self.assertEqual(status, 204)
        acts = self.ob.wait_actions(1, since=m)
        self.assertEqual(acts[0]["behaviour"], "lost")
        # two intervals without a frame: not yet dead
        self.gw.advance(10)
        time.sleep(1.2)
        self.assertFalse(first.closed.is_set())
        self.assertEqual(self.forward_health()["state"], "connected")
        # past 2.5 intervals (12.5 s): closed by the gateway, connected again
        self.gw.advance(3)
        self.assertTrue(first.closed.wait(5), "the silent link was not closed")
        self.wait_forward(2)
        self.assertIn("silent for", self.gw.stderr())
        _, _, rec = self.deliver(NEIGHBOUR, HELP, m)
        self.assertEqual(rec["via"], "fwd")
        self.assertEqual([a["behaviour"] for a in self.ob.actions[m:]][-1], "ok")
        self.assertEqual(len(self.texts(NEIGHBOUR, m)), 1)
        self.gw.wait(lambda: not self.qq_outbox(), what="every action answered and recorded")

        # the connection dropped without a close frame: connected again after a backoff
        self.fwd.links[-1].drop()
        self.gw.wait(lambda: self.forward_health().get("state", "").startswith("error"),
                     what="the link lost")
        self.gw.advance(2)
        self.wait_forward(3)
        m = self.mark()
        self.private(NEIGHBOUR, "/my")
        _, _, rec = self.expect(str(NEIGHBOUR), "您还没有工单", m)
        self.assertEqual(rec["via"], "fwd")

    def test_qq_forward_two_bots(self):
        """Two bot accounts, a forward link each (two implementation instances): each
        bot's answers go over its own link; /healthz shows both links."""
        fwd2 = self.ob.forward(BOT2, interval=5000, every=0.3)
        self.fwd = self.ob.forward(BOT, interval=5000, every=0.3)
        self.start(qq_config(bots=[{"self_id": str(BOT), "ws_url": self.fwd.url},
                                   {"self_id": str(BOT2), "ws_url": fwd2.url + "/"}]),
                   connect=False)
        self.ws = self.fwd
        self.fwd.wait_link(1)
        fwd2.wait_link(1)
        self.gw.wait(lambda: [b["forward"]["state"] for b in
                              self.health()["channels"]["qq"]["bots"]] == ["connected"] * 2,
                     what="both links up")
        self.assertNotIn("websocket", self.health()["channels"]["qq"])  # shown per bot
        m = self.mark()
        fwd2.send(private_event(BOT2, NEIGHBOUR, "/help"))
        _, _, rec = self.expect(str(NEIGHBOUR), HELP, m)
        self.assertEqual((rec["via"], rec["bot"]), ("fwd", str(BOT2)))
        self.private(RES, "/help")
        _, _, rec = self.expect(str(RES), HELP, m)
        self.assertEqual((rec["via"], rec["bot"]), ("fwd", str(BOT)))
        # one bot's link cannot speak for the other
        m = self.mark()
        fwd2.send(private_event(BOT, RES, "/my"))
        self.barrier()
        self.assertEqual(self.texts(RES, m), [])

    @sqlite_file
    def test_qq_forward_same_event_other_transports_once(self):
        """The forward link with HTTP POST events, and with a reverse websocket too: an
        event that comes two ways is handled once."""
        self.start_forward()
        self.wait_forward(1)
        ev = private_event(BOT, NEIGHBOUR, "/help")
        m = self.mark()
        self.fwd.send(ev)
        self.assertEqual(self.ob.post_event(self.gw.url, ev)[0], 204)
        self.expect(str(NEIGHBOUR), HELP, m)
        # a reverse websocket of the same bot as well
        rev = self.connect(BOT)
        ev2 = private_event(BOT, NEIGHBOUR, "/my")
        rev.send(ev2)
        self.fwd.send(ev2)
        self.expect(str(NEIGHBOUR), "您还没有工单", m)
        self.barrier()
        self.assertEqual(len(self.texts(NEIGHBOUR, m)), 2, self.texts(NEIGHBOUR, m))
        for e in (ev, ev2):
            self.assertEqual(self.db_count("dedup", "channel = 'qq' AND key = '%d:%d'"
                                           % (BOT, e["message_id"])), 1)
        health = self.bot_health(BOT)
        self.assertEqual((health["websocket"], health["forward"]["state"]),
                         ("Universal", "connected"))


if __name__ == "__main__":
    unittest.main()
