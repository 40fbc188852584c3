"""Slack end to end: the real `concierge serve` against the fake Slack
(tests/fake_slack.py), through the Events API (signed posts to /hooks/slack)
and through Socket Mode (the gateway's own websocket to the fake).

What is asserted is what people see - the fake's recorded chat.postMessage
calls, in the right channel and thread - and the store through the CLI. The
gateway runs on a clock the test moves; the poster signs with that clock, so
a timestamp "301 seconds old" is old for the gateway.
"""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from fake_slack import (FakeSlack, SlackPoster, block_actions, event_callback,  # noqa: E402
                        message_event, new_ts, slash_command)
from gateway import sqlite_file  # noqa: E402
from gateway import (ASK_DESCRIPTION, ASK_NAME, ASK_ROOM, CREATED, PING,  # noqa: E402
                     SUMMARY, Gateway, tiny_jpeg)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-17-fake-bot"
APP_TOKEN = "xapp-1-A0FAKE-fake-app"
BOT = "U0BOT"
STAFF = "C0STAFF"
LOBBY = "C0LOBBY"
RES, RES_DM = "U0RES", "D0RES"
WANG, ZHAO = "U0WANG", "U0ZHAO"
NEIGHBOUR = "U0NEXT"
PHONE, MASKED = "13800138000", "138****8000"

ASK_PHONE = "请留一个联系电话"
ASK_TIME = "您希望什么时间上门或办理"
CONTACT = "的住户信息"
ASSIGNED = "接单，稍后会与您联系"
HELP = "物业服务助手"
PHOTO_KEPT = "提交后会附在"

STAFF_LIST = [
    {"id": "wang", "name": "王师傅", "role": "technician",
     "skills": ["plumbing", "electrical", "carpentry"],
     "identities": [{"channel": "slack", "user": WANG}], "token": "demo-wang-token-4417"},
    {"id": "zhao", "name": "赵主管", "role": "supervisor", "skills": [],
     "identities": [{"channel": "slack", "user": ZHAO}], "token": "demo-zhao-token-8265"},
]


class SlackCase(unittest.TestCase):
    mode = "events"

    def setUp(self):
        self.gw = None
        self.fs = FakeSlack(bot_token=BOT_TOKEN, app_token=APP_TOKEN, bot_user=BOT,
                            clock=lambda: self.gw.now() if self.gw else time.time()).start()
        self.addCleanup(self.fs.stop)

    def tearDown(self):
        if self.gw:
            self.gw.finish(self)

    def start(self, mode="events", slack=None, changes=None):
        self.mode = mode
        cfg = {"enabled": True, "mode": mode, "bot_token": BOT_TOKEN, "signing_secret": SECRET,
               "app_token": APP_TOKEN, "api_base": self.fs.api,
               "files_base": self.fs.files_base, "staff_chat": STAFF,
               "rate_limits": {"per_chat_per_sec": 50}}
        cfg.update(slack or {})
        conf = {"staff": STAFF_LIST, "channels": {"slack": cfg}}
        conf.update(changes or {})
        self.gw = Gateway(conf, clock=True)
        self.addCleanup(self.gw.close)
        self.gw.start()
        self.post = SlackPoster(self.gw.url, SECRET, clock=self.gw.now)
        self.fs.wait_for_call("auth.test")
        if mode == "socket":
            self.fs.wait_links(1)
        return self.gw

    # ---- people ----------------------------------------------------------------------------

    def mark(self):
        return len(self.fs.calls())

    def deliver(self, event, event_id=None, retry=None):
        """Slack hands the gateway EVENT: a signed post, or an envelope on the link."""
        body = event_callback(event, event_id)
        if self.mode == "socket":
            eid = self.fs.push_envelope("events_api", body)
            self.fs.wait_ack(eid)
            return eid
        status, answer = self.post.event(body, retry=retry)
        self.assertEqual(status, 200, answer)
        return body["event_id"]

    def say(self, channel, user, text, thread=None, channel_type="channel", mention=False,
            files=None, ts=None):
        """USER says TEXT in CHANNEL (in THREAD); returns the message's ts."""
        if mention:
            text = "<@%s> %s" % (BOT, text)
        ev = message_event(channel, user, text, ts=ts or new_ts(self.gw.now()), thread_ts=thread,
                           channel_type=channel_type, files=files)
        self.deliver(ev)
        return ev["ts"]

    def dm(self, text, user=RES, channel=RES_DM, files=None):
        return self.say(channel, user, text, channel_type="im", files=files)

    def press(self, channel, user, value, message_ts, thread=None):
        payload = block_actions(channel, user, value, message_ts, thread)
        if self.mode == "socket":
            self.fs.wait_ack(self.fs.push_envelope("interactive", payload))
            return
        status, answer = self.post.action(payload)
        self.assertEqual(status, 200, answer)

    def expect(self, channel, needle, since, thread=None, timeout=15):
        try:
            return self.fs.wait_for_post(channel, needle, since=since, thread=thread,
                                         timeout=timeout)
        except TimeoutError:
            self.fail("no post with %r to %s (thread %s); posts since: %s\n%s" % (
                needle, channel, thread,
                json.dumps([(p.get("channel"), p.get("thread_ts"), p.get("text"))
                            for p in self.fs.posts(since=since)], ensure_ascii=False, indent=1),
                self.gw.stderr()[-3000:]))

    def step(self, needle, channel, user, text, thread=None, to=None, **kw):
        m = self.mark()
        self.say(channel, user, text, thread=thread, **kw)
        return self.expect(to or channel, needle, m, thread=thread)

    def barrier(self):
        """Someone asks for /help privately and is answered, and nothing waits in the
        outbox: what came before is handled and what it said is delivered."""
        m = self.mark()
        self.dm("/help", user="U0PROBE", channel="D0PROBE")
        self.expect("U0PROBE", HELP, m)
        self.settle()
        return m

    def health(self):
        status, body = self.gw.get_json("/healthz")
        self.assertEqual(status, 200, body)
        return body["channels"]["slack"]

    def db_count(self, table, where="1"):
        con = sqlite3.connect("file:%s?mode=ro" % self.gw.config["database"], uri=True,
                              timeout=10)
        try:
            return con.execute("SELECT count(*) FROM %s WHERE %s" % (table, where)).fetchone()[0]
        finally:
            con.close()

    def settle(self):
        self.gw.wait(lambda: not [r for r in self.gw.outbox() if r["channel"] == "slack"],
                     what="an empty slack outbox")

    # ---- scripts ---------------------------------------------------------------------------

    def intake_in_thread(self):
        """The README's intake begun with a mention in the lobby channel and answered in
        its thread; returns (order number, thread ts)."""
        m = self.mark()
        root = self.say(LOBBY, RES, "/repair", mention=True)
        self.expect(LOBBY, ASK_DESCRIPTION, m, thread=root)
        # an unescaped < or & in what the resident says is theirs, not markup
        self.step(ASK_ROOM, LOBBY, RES, "厨房水管&lt;漏水&gt; &amp; 滴水", thread=root)
        self.step(ASK_NAME, LOBBY, RES, "3-2-501", thread=root)
        self.step(ASK_PHONE, LOBBY, RES, "李伟", thread=root)
        self.step(ASK_TIME, LOBBY, RES, PHONE, thread=root)
        summary = self.step(SUMMARY, LOBBY, RES, "今天下午3点", thread=root)
        self.assertIn("厨房水管&lt;漏水&gt; &amp; 滴水", summary["text"])
        actions = [b for b in summary["blocks"] if b["type"] == "actions"][0]
        values = [e["value"] for e in actions["elements"]]
        self.assertIn("yes", values)
        m = self.mark()
        self.press(LOBBY, RES, "yes", message_ts="%s9" % root, thread=root)
        created = self.expect(LOBBY, CREATED, m, thread=root)
        number = re.search(r"工单号 (\d{6}-\d{3})", created["text"]).group(1)
        ping = self.expect(STAFF, PING + number, m)
        self.assertNotIn("thread_ts", ping)
        self.assertIn(MASKED, ping["text"])
        self.assertNotIn(PHONE, ping["text"])
        self.assertEqual(
            [e["value"] for b in ping["blocks"] if b["type"] == "actions" for e in b["elements"]],
            ["/accept " + number])
        return number, root


# ---- a request in a channel, taken by staff ------------------------------------------------

class SlackEvents(SlackCase):
    def test_slack_url_verification(self):
        self.start()
        status, body = self.post.event({"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                                        "type": "url_verification"})
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["challenge"],
                         "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
        self.assertEqual(self.health()["state"], "events")

    def test_slack_request_in_channel_continues_in_thread(self):
        self.start()
        number, root = self.intake_in_thread()
        o = self.gw.order(number)
        self.assertEqual(o["resident"], "slack:" + RES)
        self.assertEqual(o["description"], "厨房水管<漏水> & 滴水")
        self.assertEqual(o["phone"], PHONE)

        # wang takes it with the ping's button: the answer in the ping's thread, the
        # resident's contact privately, the resident told in their thread
        ping_ts = "%s.000001" % int(self.gw.now())
        m = self.mark()
        self.press(STAFF, WANG, "/accept " + number, message_ts=ping_ts)
        self.expect(STAFF, "%s 已由王师傅接单" % number, m, thread=ping_ts)
        contact = self.expect(WANG, CONTACT, m)
        self.assertIn(PHONE, contact["text"])
        self.expect(LOBBY, ASSIGNED, m, thread=root)
        self.assertEqual(self.gw.order(number)["assignee"], "wang")

        # the lobby saw nothing at its top level; every reply went into the thread
        lobby = self.fs.posts(LOBBY)
        self.assertTrue(lobby)
        self.assertEqual({p.get("thread_ts") for p in lobby}, {root}, lobby)
        # the staff channel never saw the full phone number
        for p in self.fs.posts(STAFF):
            self.assertNotIn(PHONE, p["text"])

    def test_slack_thread_is_the_residents_alone(self):
        """A neighbour's reply in the resident's thread is not taken for an answer, and
        talk in the channel without the bot is left alone."""
        self.start()
        m = self.mark()
        root = self.say(LOBBY, RES, "/repair", mention=True)
        self.expect(LOBBY, ASK_DESCRIPTION, m, thread=root)
        m = self.mark()
        self.say(LOBBY, NEIGHBOUR, "我家也漏水了", thread=root)
        self.say(LOBBY, NEIGHBOUR, "大家好，今天停水吗？")
        self.barrier()
        self.assertEqual(self.fs.posts(LOBBY, since=m), [])
        self.step(ASK_ROOM, LOBBY, RES, "厨房水管漏水", thread=root)

    def test_slack_threads_off_moves_to_a_direct_message(self):
        self.start(slack={"threads": False})
        m = self.mark()
        root = self.say(LOBBY, RES, "/repair", mention=True)
        self.expect(LOBBY, "已私信您", m, thread=root)
        self.expect(RES, ASK_DESCRIPTION, m)
        m = self.mark()
        self.dm("厨房水管漏水")
        self.expect(RES, ASK_ROOM, m)
        self.assertEqual(len(self.fs.posts(LOBBY)), 1)

    def test_slack_staff_take_by_command(self):
        self.start()
        number, root = self.intake_in_thread()
        # a message that starts with a mention and the command, in the staff channel
        m = self.mark()
        cmd_ts = self.say(STAFF, ZHAO, "/accept %s" % number, mention=True)
        self.expect(STAFF, "%s 已由赵主管接单" % number, m, thread=cmd_ts)
        self.expect(LOBBY, "赵主管", m, thread=root)
        self.assertEqual(self.gw.order(number)["assignee"], "zhao")
        # the slash command: "/concierge eta N TIME", answered in the channel
        m = self.mark()
        status, body = self.post.command(slash_command(STAFF, ZHAO, "eta %s 今天下午4点" % number))
        self.assertEqual((status, body), (200, b""))
        self.expect(STAFF, "%s 上门时间定为" % number, m)
        self.expect(LOBBY, "上门处理工单", m, thread=root)
        # staff chatter in the staff channel is nobody's business
        m = self.mark()
        self.say(STAFF, WANG, "今天下午谁有空？")
        self.barrier()
        self.assertEqual(self.fs.posts(STAFF, since=m), [])

    def test_slack_duplicates_handled_once(self):
        self.start()
        m = self.mark()
        ts = new_ts(self.gw.now())
        text = "<@%s> /help" % BOT
        ev = message_event(LOBBY, RES, text, ts=ts)
        eid = self.deliver(ev)
        self.expect(LOBBY, HELP, m, thread=ts)
        # Slack's retry of the same event, and the same mention as app_mention
        self.deliver(ev, event_id=eid, retry=1)
        self.deliver(ev, event_id=eid, retry=2)
        twin = message_event(LOBBY, RES, text, ts=ts, event_type="app_mention")
        self.deliver(twin)
        self.barrier()
        self.assertEqual(len(self.fs.posts(LOBBY, since=m)), 1)
        # a bot's message, our own, and an edit change nothing
        m = self.mark()
        self.deliver(message_event(LOBBY, "U0OTHER", "<@%s> /help" % BOT, bot_id="B0OTHER"))
        self.deliver(message_event(LOBBY, BOT, "<@%s> /help" % BOT))
        self.deliver(message_event(LOBBY, RES, "<@%s> /help" % BOT, subtype="message_changed"))
        self.barrier()
        self.assertEqual(self.fs.posts(LOBBY, since=m), [])

    @sqlite_file
    def test_slack_bad_signature_and_old_timestamp(self):
        self.start()
        ev = event_callback(message_event(RES_DM, RES, "/repair", channel_type="im"))
        body = json.dumps(ev).encode()
        now = int(self.gw.now())
        cases = [
            dict(signature="v0=" + "0" * 64),                      # wrong signature
            dict(timestamp=now - 330),                              # signed, but old
            dict(timestamp=now + 330),                              # signed, from the future (a margin for a slow run)
            dict(signature="v0=abc"),                               # malformed
        ]
        for kw in cases:
            status, answer = self.post.post("/hooks/slack", body, "application/json", **kw)
            self.assertEqual(status, 401, (kw, answer))
        # signed with another secret
        other = SlackPoster(self.gw.url, "another-secret", clock=self.gw.now)
        self.assertEqual(other.event(ev)[0], 401)
        self.assertEqual(other.action(block_actions(STAFF, WANG, "/orders", "1.2"))[0], 401)
        self.assertEqual(other.command(slash_command(STAFF, WANG, "orders"))[0], 401)
        # a body changed after signing
        ts = str(now)
        from fake_slack import sign
        status, _ = self.post.post("/hooks/slack", body + b" ", "application/json",
                                   timestamp=ts, signature=sign(SECRET, ts, body))
        self.assertEqual(status, 401)
        self.barrier()
        self.assertEqual(self.fs.posts(RES), [])
        self.assertEqual(self.db_count("dedup", "channel = 'slack' AND key LIKE 'm:D0RES%'"), 0)
        self.assertEqual(self.gw.orders(), [])
        # the clock moved on five minutes: Slack's own timestamps are still good
        self.gw.advance(290)
        m = self.mark()
        self.dm("/repair")
        self.expect(RES, ASK_DESCRIPTION, m)

    def test_slack_photo_kept_with_the_order(self):
        self.start()
        jpeg = tiny_jpeg()
        m = self.mark()
        self.dm("/repair")
        self.expect(RES, ASK_DESCRIPTION, m)
        m = self.mark()
        self.dm("厨房水管漏水", files=[self.fs.add_file(jpeg)])
        self.expect(RES, PHOTO_KEPT, m)
        got = self.fs.calls("file", since=m)
        self.assertEqual([c["status"] for c in got], [200])
        self.assertEqual(got[0]["headers"].get("Authorization"), "Bearer " + BOT_TOKEN)
        for text, needle in (("3-2-501", ASK_NAME), ("李伟", ASK_PHONE), (PHONE, ASK_TIME),
                             ("今天下午3点", SUMMARY)):
            m = self.mark()
            self.dm(text)
            self.expect(RES, needle, m)
        m = self.mark()
        self.dm("yes")
        created = self.expect(RES, CREATED, m)
        number = re.search(r"工单号 (\d{6}-\d{3})", created["text"]).group(1)
        photos = self.gw.order(number)["photos"]
        self.assertEqual(len(photos), 1, photos)
        self.assertEqual(photos[0]["size"], len(jpeg))
        # a file said to be elsewhere is not fetched with the token
        m = self.mark()
        f = self.fs.add_file(jpeg)
        f["url_private_download"] = f["url_private"] = "http://127.0.0.1:9/files/x.jpg"
        self.dm("", files=[f])
        self.barrier()
        self.assertEqual(self.fs.calls("file", since=m), [])


# ---- the Web API's answers --------------------------------------------------------------------

class SlackWebApi(SlackCase):
    def test_slack_429_then_delivered(self):
        self.start()
        self.fs.fail("chat.postMessage", 429, retry_after=7)
        m = self.mark()
        self.dm("/help")
        self.fs.wait_for_call("chat.postMessage", since=m)
        # held back ("retried" counts holds too) until the time Slack asked for
        self.gw.wait(lambda: self.health()["retried"] >= 1, what="the row held back")
        self.assertEqual(self.fs.posts(RES), [])
        self.gw.advance(7)
        self.expect(RES, HELP, m)
        statuses = [c["status"] for c in self.fs.calls("chat.postMessage", since=m)]
        self.assertEqual(statuses, ["429 ratelimited", 200])

    def test_slack_one_message_a_second_per_chat(self):
        """chat.postMessage's pace: about one message a second to one chat."""
        self.start(slack={"rate_limits": {"per_chat_per_sec": 1}})
        m = self.mark()
        self.dm("/help")
        self.dm("/prices")
        self.expect(RES, HELP, m)
        self.gw.wait(lambda: len([r for r in self.gw.outbox() if r["chat"] == RES]) == 1,
                     what="the second reply queued")
        time.sleep(0.3)
        self.assertEqual(len(self.fs.posts(RES, since=m)), 1, "sent before the clock moved on")
        self.gw.advance(1.2)
        self.expect(RES, "服务价目表", m)
        times = [c["time"] for c in self.fs.calls("chat.postMessage", since=m)]
        self.assertGreaterEqual(times[1] - times[0], 1.0, times)

    def test_slack_500_retried_and_dead_channel(self):
        self.start()
        self.fs.fail("chat.postMessage", 500)
        m = self.mark()
        self.dm("/help")
        self.fs.wait_for_call("chat.postMessage", since=m)
        self.gw.wait(lambda: self.health().get("retried", 0) >= 1, what="a retry put off")
        self.gw.advance(2)
        self.expect(RES, HELP, m)
        # a channel the bot is not in: a dead letter with Slack's word for it
        self.fs.fail("chat.postMessage", 200, error="not_in_channel")
        self.dm("/prices")
        dead = self.gw.wait(lambda: self.gw.outbox(dead=True), what="a dead letter")
        self.assertIn("not_in_channel", json.dumps(dead, ensure_ascii=False))

    def test_slack_token_refused_holds_the_channel(self):
        self.start()
        self.fs.fail("chat.postMessage", 200, count=1, error="invalid_auth")
        m = self.mark()
        self.dm("/help")
        state = self.gw.wait(lambda: "invalid_auth" in self.health()["state"] and
                             self.health()["state"], what="the channel's error state")
        self.assertIn("error", state)
        self.assertEqual(self.gw.outbox(dead=True), [])
        self.gw.advance(61)
        self.expect(RES, HELP, m, timeout=20)
        self.gw.wait(lambda: self.health()["state"] == "events", what="events again")


# ---- Socket Mode ---------------------------------------------------------------------------------

class SlackSocket(SlackCase):
    def test_slack_socket_mode(self):
        self.start("socket")
        opened = self.fs.calls("apps.connections.open")
        self.assertEqual(len(opened), 1)
        self.assertEqual(opened[0]["headers"].get("Authorization"), "Bearer " + APP_TOKEN)
        self.gw.wait(lambda: self.health().get("socket", {}).get("hellos") == 1,
                     what="the hello read")
        self.assertEqual(self.health()["websocket"]["state"], "connected")
        # the HTTP hook is not this mode's way in
        status, _ = self.post.event(event_callback(message_event(RES_DM, RES, "/help",
                                                                 channel_type="im")))
        self.assertEqual(status, 404)

        # a direct message, a press, a command and an ignored event: each acknowledged
        m = self.mark()
        self.dm("/help")
        self.expect(RES, HELP, m)
        m = self.mark()
        self.press(RES_DM, RES, "/prices", message_ts="1.000002")
        self.expect(RES, "服务价目表", m)
        m = self.mark()
        eid = self.fs.push_envelope("slash_commands", slash_command(STAFF, WANG, "orders"))
        self.fs.wait_ack(eid)
        self.expect(STAFF, None, m)
        eid = self.fs.push_envelope("events_api", event_callback(
            message_event(LOBBY, "U0X", "hi", bot_id="B0X")))
        self.fs.wait_ack(eid)
        self.gw.wait(lambda: sorted(self.fs.acks()) == sorted(self.fs.state.envelopes),
                     what="every envelope acknowledged")

        # Slack asks for a fresh link: a new one is opened, then the old one closed
        old = self.fs.disconnect()
        links = self.fs.wait_links(2, open_only=False)
        self.assertEqual(len(self.fs.calls("apps.connections.open")), 2)
        self.fs.wait_closed(old)
        self.assertTrue(old.closed_by_client)
        new = [link for link in links if link is not old][0]
        self.assertTrue(new.open)
        m = self.mark()
        self.dm("/help")
        self.expect(RES, HELP, m)
        # an envelope sent again (no ack seen) is handled once
        ev = event_callback(message_event(RES_DM, RES, "/my", channel_type="im"))
        m = self.mark()
        self.fs.wait_ack(self.fs.push_envelope("events_api", ev))
        self.fs.wait_ack(self.fs.push_envelope("events_api", ev, retry_attempt=1))
        self.barrier()
        self.assertEqual(len(self.fs.posts(RES, since=m)), 1)

        # the link drops: the gateway connects again by itself
        for link in self.fs.open_links():
            link.close()
        self.fs.wait_links(1)
        self.assertEqual(len(self.fs.calls("apps.connections.open")), 3)
        m = self.mark()
        self.dm("/help")
        self.expect(RES, HELP, m)

    def test_slack_socket_refused_token(self):
        self.fs.fail("apps.connections.open", 200, count=1, error="invalid_auth")
        self.gw = None
        cfg = {"enabled": True, "mode": "socket", "bot_token": BOT_TOKEN, "app_token": APP_TOKEN,
               "signing_secret": None, "api_base": self.fs.api, "staff_chat": STAFF}
        self.gw = Gateway({"staff": STAFF_LIST, "channels": {"slack": cfg}}, clock=True)
        self.addCleanup(self.gw.close)
        self.gw.start()
        state = self.gw.wait(lambda: "invalid_auth" in self.health()["websocket"]["state"]
                             and self.health()["websocket"]["state"], what="refused state")
        self.assertIn("error", state)
        self.gw.advance(61)
        self.fs.wait_links(1, timeout=20)
        self.gw.wait(lambda: self.health()["websocket"]["state"] == "connected",
                     what="connected after the wait")


@unittest.skipUnless(shutil.which("openssl"), "openssl is not installed")
class SlackSocketTls(SlackCase):
    """Socket Mode over wss://, as with Slack: the certificate is checked."""

    def setUp(self):
        self.gw = None
        self.dir = tempfile.mkdtemp(prefix="concierge-slack-tls-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.cert = os.path.join(self.dir, "cert.pem")
        key = os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        key, "-out", self.cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, capture_output=True)
        self.fs = FakeSlack(bot_token=BOT_TOKEN, app_token=APP_TOKEN, bot_user=BOT,
                            clock=lambda: self.gw.now() if self.gw else time.time(),
                            tls=(self.cert, key)).start()
        self.addCleanup(self.fs.stop)

    def gateway(self, env):
        cfg = {"enabled": True, "mode": "socket", "bot_token": BOT_TOKEN, "app_token": APP_TOKEN,
               "signing_secret": None, "api_base": self.fs.api, "staff_chat": STAFF,
               "rate_limits": {"per_chat_per_sec": 50}}
        self.gw = Gateway({"staff": STAFF_LIST, "channels": {"slack": cfg}}, clock=True, env=env)
        self.addCleanup(self.gw.close)
        self.gw.start()
        self.mode = "socket"

    def test_slack_socket_mode_over_tls(self):
        # the fake's certificate is trusted through OpenSSL's default file
        self.gateway({"SSL_CERT_FILE": self.cert})
        self.fs.wait_links(1)
        self.gw.wait(lambda: self.health()["websocket"]["state"] == "connected",
                     what="connected over TLS")
        m = self.mark()
        self.dm("/help")
        self.expect(RES, HELP, m)

    def test_slack_socket_mode_refuses_an_unknown_certificate(self):
        self.gateway({"SSL_CERT_FILE": "/nonexistent.pem"})
        state = self.gw.wait(lambda: "error: connect" in self.health()["websocket"]["state"]
                             and self.health()["websocket"]["state"], what="a refused link")
        self.assertEqual(self.fs.open_links(), [], state)
        self.assertEqual(self.fs.state.acks, [])


if __name__ == "__main__":
    unittest.main()
