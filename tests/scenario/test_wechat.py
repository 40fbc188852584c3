"""The WeChat Official Account (微信公众号) end to end: the real `concierge serve`
against the fake platform (tests/fake_wechat.py).

The fake posts what WeChat posts - signed, and in safe mode encrypted with
the account's EncodingAESKey - to the gateway's /hooks/wechat, and serves the
API the gateway answers through: the access token, customer-service
messages, template messages and media downloads. What is asserted is what
people see: the texts WeChat was asked to deliver to each resident, what
staff read at the terminal, and the store through the CLI.

The gateway runs on a clock the test moves (Gateway(clock=True)), and the
fake keeps time on it (48-hour windows, token lifetimes); backoffs end by
moving it instead of sleeping.
"""
import hashlib
import json
import os
import re
import sqlite3
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from fake_wechat import FakeWechat, signature  # noqa: E402
from gateway import sqlite_file  # noqa: E402
from gateway import (ASK_DESCRIPTION, ASK_NAME, ASK_ROOM, CREATED, PING,  # noqa: E402
                     SUMMARY, Gateway, tiny_jpeg)

APPID = "wx5823bf96d3bd56c7"
SECRET = "3f1e2d4c5b6a79880123456789abcdef"
TOKEN = "concierge"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
RES, RES2 = "oResident01", "oResident02_x-Y"
PHONE, MASKED = "13800138000", "138****8000"

ASK_PHONE = "请留一个联系电话"
ASK_TIME = "您希望什么时间上门或办理"
ASSIGNED = "接单，稍后会与您联系"
STARTED = "已开始处理您的工单"
ASK_ACCEPT = "请检查一下：问题解决了吗"
ASK_RATING = "请为本次服务打分"
ASK_COMMENT = "还有什么意见或建议吗"
THANKS = "感谢您的反馈"
HELP = "物业服务助手"
PHOTO_KEPT = "提交后会附在"
PLEASE_TYPE = "请直接输入文字"


def wechat_config(api_base, mode="safe", **extra):
    cfg = {"enabled": True, "app_id": APPID, "app_secret": SECRET, "token": TOKEN,
           "encoding_aes_key": AES_KEY, "mode": mode, "api_base": api_base}
    cfg.update(extra)
    return cfg


class WechatCase(unittest.TestCase):
    """One fake WeChat and one gateway per test; the gateway must end clean."""

    def setUp(self):
        self.gw = None
        self.wx = FakeWechat(APPID, SECRET, TOKEN, AES_KEY,
                             clock=lambda: self.gw.now() if self.gw else time.time()).start()
        self.addCleanup(self.wx.stop)

    def tearDown(self):
        if self.gw:
            self.gw.finish(self)
            log = self.gw.stderr()
            for secret in (SECRET, AES_KEY) + tuple(
                    t for t in self.wx.tokens):
                self.assertNotIn(secret, log, "a credential is in the log")
            self.assertNotIn(PHONE, log, "a full phone number is in the log")

    def start(self, mode="safe", **extra):
        self.wx.mode = mode
        self.gw = Gateway({"channels": {"wechat": wechat_config(self.wx.url, mode, **extra)}},
                          clock=True)
        self.addCleanup(self.gw.close)
        self.gw.start()
        self.wx.target = self.gw.url + "/hooks/wechat"
        return self.gw

    # ---- residents --------------------------------------------------------------------------
    def say(self, who, text, **kw):
        status, body, took = self.wx.text(who, text, **kw)
        self.assertEqual((status, body), (200, "success"))
        return took

    def step(self, who, text, needle):
        m = self.wx.mark()
        self.say(who, text)
        return self.expect(who, needle, m)

    def expect(self, who, needle, since, timeout=15):
        try:
            return self.wx.wait_text(who, needle, since=since, timeout=timeout)
        except TimeoutError as e:
            self.fail("%s\n%s" % (e, self.gw.stderr()[-3000:]))

    def intake(self, who=RES):
        self.step(who, "/repair", ASK_DESCRIPTION)
        self.step(who, "厨房水管漏水", ASK_ROOM)
        self.step(who, "3-2-501", ASK_NAME)
        self.step(who, "李伟", ASK_PHONE)
        self.step(who, PHONE, ASK_TIME)
        summary = self.step(who, "今天下午3点", SUMMARY)
        # no buttons in WeChat: the choices to reply with
        self.assertIn("【确认提交】", summary)
        created = self.step(who, "确认提交", CREATED)
        return re.search(r"工单号 (\d{6}-\d{3})", created).group(1)

    # ---- staff at the terminal ----------------------------------------------------------------
    def staff(self, who, lines):
        rc, out, err = self.gw.cli("chat", "--as", "staff:" + who,
                                   stdin="".join(l + "\n" for l in lines))
        self.assertEqual(rc, 0, err)
        return out

    # ---- the store ------------------------------------------------------------------------------
    def health(self):
        status, body = self.gw.get_json("/healthz")
        self.assertEqual(status, 200, body)
        return body["channels"]["wechat"]

    def wx_outbox(self, dead=False):
        return [r for r in self.gw.outbox(dead) if r["channel"] == "wechat"]

    def db(self, sql):
        con = sqlite3.connect("file:%s?mode=ro" % self.gw.config["database"], uri=True,
                              timeout=10)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def settle(self):
        self.gw.wait(lambda: not self.wx_outbox(), timeout=15, what="an empty wechat outbox")

    def advance_until(self, pred, what, step=2, rounds=20):
        """Moves the clock STEP seconds at a time until PRED holds (backoffs end)."""
        for _ in range(rounds):
            if pred():
                return
            self.gw.advance(step)
            time.sleep(0.2)
        self.assertTrue(pred(), what)


# ---- the lifecycle, in safe mode --------------------------------------------------------------

class WechatLifecycle(WechatCase):
    def test_wechat_safe_mode_lifecycle(self):
        self.start("safe")
        n = self.intake()
        o = self.gw.order(n)
        self.assertEqual(o["status"], "pending")
        self.assertEqual(o["resident"], "wechat:" + RES)
        self.assertEqual(o["phone"], PHONE)

        # staff take it at the terminal; the resident hears of it in WeChat
        m = self.wx.mark()
        out = self.staff("wang", ["/accept " + n])
        self.assertIn(n, out)
        self.expect(RES, ASSIGNED, m)
        self.staff("wang", ["/start " + n])
        self.expect(RES, STARTED, m)
        self.staff("wang", ["/done %s 50" % n])
        ask = self.expect(RES, ASK_ACCEPT, m)
        self.assertIn("【满意，已解决】", ask)

        rating = self.step(RES, "满意，已解决", ASK_RATING)
        self.assertIn("【1】【2】【3】【4】【5】", rating)
        self.step(RES, "5", ASK_COMMENT)
        self.step(RES, "跳过", THANKS)
        o = self.gw.order(n)
        self.assertEqual(o["status"], "closed")
        self.assertEqual(o["rating"], 5)
        actions = [e["action"] for e in o["events"]]
        for a in ("accepted", "started", "done", "accepted_by_resident", "rated"):
            self.assertIn(a, actions)

        # every reply went through the customer-service API, as text, once
        texts = self.wx.texts(RES)
        expected = [ASK_DESCRIPTION, ASK_ROOM, ASK_NAME, ASK_PHONE, ASK_TIME, SUMMARY, CREATED,
                    ASSIGNED, STARTED, ASK_ACCEPT, ASK_RATING, ASK_COMMENT, THANKS]
        self.assertEqual(len(texts), len(expected), json.dumps(texts, ensure_ascii=False))
        for text, needle in zip(texts, expected):
            self.assertIn(needle, text)
        for c in self.wx.sent():
            self.assertEqual(c["json"]["msgtype"], "text")
        # one token for all of it
        self.assertEqual(self.wx.token_fetches, 1)
        h = self.health()
        self.assertEqual((h["state"], h["token"]), ("on", "ok"))

    def test_wechat_plain_and_compat_modes(self):
        self.start("compat")
        self.step(RES, "/help", HELP)
        # compat: the plain form is taken too
        m = self.wx.mark()
        status, body, _ = self.wx.text(RES, "/prices", mode="plain")
        self.assertEqual((status, body), (200, "success"))
        self.expect(RES, "服务价目表", m)

    def test_wechat_plain_mode(self):
        self.start("plain", encoding_aes_key=None)
        self.step(RES, "/help", HELP)
        # a message dressed as an encrypted one is still read as plain text
        m = self.wx.mark()
        self.assertEqual(self.wx.text(RES2, "/help", mode="compat")[:2], (200, "success"))
        self.expect(RES2, HELP, m)


# ---- the server URL check and signatures -------------------------------------------------------

class WechatSignatures(WechatCase):
    def test_wechat_url_check(self):
        self.start("safe")
        self.assertEqual(self.wx.url_check("1234567890123456789")[:2], (200, "1234567890123456789"))
        # in safe mode the check may come encrypted: the answer is the plain echostr
        self.assertEqual(self.wx.url_check("5918251398", encrypted=True)[:2], (200, "5918251398"))
        # a wrong signature, or none: refused
        status, _, _ = self.wx.url_check("123", signature="0" * 40)
        self.assertEqual(status, 401)
        q = {"timestamp": "1714037059", "nonce": "1", "echostr": "123"}
        self.assertEqual(self.wx.request("GET", q)[0], 401)
        # the platform's own example: token AAAAA
        self.assertEqual(signature("AAAAA", "1714037059", "486452656"),
                         "899cf89e464efb63f54ddac96b0a0a235f53aa78")

    @sqlite_file
    def test_wechat_bad_signature_stores_nothing(self):
        self.start("safe")

        def wrong_sig(q, body):
            q["signature"] = "f" * 40
            return q, body

        def wrong_msg_sig(q, body):
            q["msg_signature"] = "0" * 40
            return q, body

        def tampered(q, body):
            # the signature is over the Encrypt text: change one byte of it
            text = body.decode()
            i = text.index("<Encrypt><![CDATA[") + 20
            text = text[:i] + ("A" if text[i] != "A" else "B") + text[i + 1:]
            return q, text.encode()

        def plain_in_safe_mode(q, body):
            del q["encrypt_type"], q["msg_signature"]
            xml = self.wx.message(RES, "text", [("Content", "/repair")])
            return q, xml.encode()

        for tamper, want in ((wrong_sig, 401), (wrong_msg_sig, 401), (tampered, 401),
                             (plain_in_safe_mode, 400)):
            xml = self.wx.message(RES, "text", [("Content", "/repair")])
            status, body, _ = self.wx.post(xml, openid=RES, tamper=tamper)
            self.assertEqual(status, want, (tamper.__name__, body))
        # an AppID other than the account's inside a well-signed message
        other = FakeWechat("wx0000000000000000", SECRET, TOKEN, AES_KEY)
        other.target = self.wx.target
        status, _, _ = other.post(self.wx.message(RES, "text", [("Content", "/repair")]),
                                  openid=RES)
        self.assertEqual(status, 400)
        # a body over the limit is refused before it is read
        status, _, _ = self.wx.post("<xml>" + "x" * 70000 + "</xml>", mode="plain", openid=RES)
        self.assertEqual(status, 413)
        # nothing was stored, nothing answered
        self.assertEqual(self.db("SELECT count(*) FROM dedup WHERE channel='wechat'"), [(0,)])
        self.assertEqual(self.db("SELECT count(*) FROM sessions WHERE channel='wechat'"), [(0,)])
        self.assertEqual(self.wx_outbox(), [])
        self.assertEqual(self.wx.sent(), [])
        self.assertIn("wrong signature", self.gw.stderr())

    def test_wechat_doctype_refused(self):
        self.start("plain", encoding_aes_key=None)
        bomb = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
                '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                '<xml><ToUserName>gh</ToUserName><FromUserName>%s</FromUserName>'
                '<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&b;</Content>'
                '<MsgId>1</MsgId></xml>' % RES)
        status, body, _ = self.wx.post(bomb, openid=RES)
        self.assertEqual(status, 400, body)
        self.assertIn("document type", body)
        self.assertEqual(self.wx_outbox(), [])


# ---- WeChat's 5 seconds and its retries ---------------------------------------------------------

class WechatWindow(WechatCase):
    def test_wechat_answers_at_once_while_the_api_is_slow(self):
        self.start("safe")
        self.step(RES, "/help", HELP)
        m = self.wx.mark()
        # the customer-service API takes 8 s to answer the next call
        self.wx.fail("custom", delay=8)
        took = self.say(RES, "/repair")
        self.assertLess(took, 2.0, "WeChat waits 5 s: the answer must not wait for the reply")
        self.expect(RES, ASK_DESCRIPTION, m, timeout=20)

    def test_wechat_retries_handled_once(self):
        self.start("safe")
        xml = self.wx.message(RES, "text", [("Content", "/repair")])
        m = self.wx.mark()
        for _ in range(3):  # WeChat asks three times when an answer is late
            self.assertEqual(self.wx.post(xml, openid=RES)[:2], (200, "success"))
        self.expect(RES, ASK_DESCRIPTION, m)
        self.step(RES, "厨房水管漏水", ASK_ROOM)
        self.assertEqual(len([t for t in self.wx.texts(RES) if ASK_DESCRIPTION in t]), 1)
        # an event's retry too (FromUserName + CreateTime)
        ev = self.wx.message(RES2, "event", [("Event", "subscribe"), ("EventKey", "")],
                             msgid=False)
        m = self.wx.mark()
        for _ in range(2):
            self.assertEqual(self.wx.post(ev, openid=RES2)[:2], (200, "success"))
        self.expect(RES2, HELP, m)
        self.settle()
        self.assertEqual(len(self.wx.texts(RES2)), 1)


# ---- the access token ------------------------------------------------------------------------------

class WechatToken(WechatCase):
    def test_wechat_token_refreshed_on_40001(self):
        self.start("safe")
        self.step(RES, "/help", HELP)
        self.assertEqual(self.wx.token_fetches, 1)
        # the token was ended elsewhere: the next send is refused with 40001
        m = self.wx.mark()
        self.wx.fail("custom", errcode=40001)
        self.say(RES, "/prices")
        self.wx.wait_call(lambda c: c["api"] == "custom" and c["errcode"] == 40001, since=m)
        self.advance_until(lambda: self.wx.texts(RES, since=m), "the reply sent after a new token")
        self.assertIn("服务价目表", self.wx.texts(RES, since=m)[0])
        self.assertEqual(self.wx.token_fetches, 2)
        self.assertEqual(self.wx_outbox(dead=True), [])

    def test_wechat_token_renewed_before_it_ends(self):
        self.start("safe")
        self.step(RES, "/help", HELP)
        # 7200 s tokens are renewed in their last 5 minutes, before a call fails
        self.gw.advance(7200 - 200)
        m = self.wx.mark()
        self.say(RES, "/prices")
        self.advance_until(lambda: self.wx.texts(RES, since=m), "the reply with a renewed token")
        self.assertEqual(self.wx.token_fetches, 2)
        self.assertEqual([c["errcode"] for c in self.wx.calls[m:] if c["api"] == "custom"], [0])

    def test_wechat_wrong_secret_holds_the_channel(self):
        self.wx.secret = "another-secret"
        self.start("safe")
        self.say(RES, "/help")
        self.gw.wait(lambda: self.health()["state"].startswith("error"), what="an error state")
        h = self.health()
        self.assertIn("40125", h["state"])
        self.assertEqual(h["token"], "refused")
        # the reply is kept, not given up
        self.assertEqual(len(self.wx_outbox()), 1)
        self.assertEqual(self.wx_outbox(dead=True), [])
        self.wx.secret = SECRET
        self.advance_until(lambda: self.wx.texts(RES), "the reply once the secret is right",
                           step=30)


# ---- the 48-hour customer-service window ------------------------------------------------------------

class WechatServiceWindow(WechatCase):
    def filed(self):
        n = self.intake()
        self.settle()
        # the resident's 48 hours are over (WeChat answers 45015, the gateway learns it
        # so); the clock stays, or the order's promises would run out too and their
        # late notices wait as well
        self.wx.close_window(RES)
        return n

    def test_wechat_45015_notice_kept_for_the_next_message(self):
        self.start("safe")
        n = self.filed()
        m = self.wx.mark()
        self.staff("wang", ["/accept " + n])
        self.wx.wait_call(lambda c: c["api"] == "custom" and c["errcode"] == 45015, since=m)
        self.gw.wait(lambda: self.health()["closed_windows"] == 1, what="the window closed")
        # kept: pending, not dead, not tried again and again
        self.gw.advance(3600)
        time.sleep(0.5)
        self.assertEqual(len(self.wx_outbox()), 1)
        self.assertEqual(self.wx_outbox(dead=True), [])
        self.assertEqual(len([c for c in self.wx.calls[m:] if c["api"] == "custom"]), 1)
        # the resident writes: the notice comes first, then the answer
        m2 = self.wx.mark()
        self.say(RES, "/my")
        self.expect(RES, "您的工单：", m2)
        texts = self.wx.texts(RES, since=m2)
        self.assertEqual(len(texts), 2, texts)
        self.assertIn(ASSIGNED, texts[0])
        self.assertIn("您的工单：", texts[1])
        self.settle()

    def test_wechat_45015_sent_as_a_template_message(self):
        self.start("safe", templates={"progress": "TPL_PROGRESS", "field": "thing1"})
        n = self.filed()
        m = self.wx.mark()
        self.staff("wang", ["/accept " + n])
        self.wx.wait_call(lambda c: c["api"] == "custom" and c["errcode"] == 45015, since=m)
        self.advance_until(lambda: self.wx.sent("template", since=m), "a template message")
        t = self.wx.sent("template", since=m)[0]["json"]
        self.assertEqual((t["touser"], t["template_id"]), (RES, "TPL_PROGRESS"))
        self.assertIn(ASSIGNED, t["data"]["thing1"]["value"])
        self.settle()


# ---- photos, voice, the menu --------------------------------------------------------------------------

class WechatMessages(WechatCase):
    def test_wechat_photo_kept_with_the_order(self):
        self.start("safe")
        jpeg = tiny_jpeg()
        self.step(RES, "/repair", ASK_DESCRIPTION)
        self.step(RES, "厨房水管漏水", ASK_ROOM)
        m = self.wx.mark()
        status, body, _ = self.wx.image(RES, jpeg)
        self.assertEqual((status, body), (200, "success"))
        self.expect(RES, PHOTO_KEPT, m)
        media = [c for c in self.wx.calls[m:] if c["api"] == "media"]
        self.assertEqual([c["errcode"] for c in media], [0])
        self.step(RES, "3-2-501", ASK_NAME)
        self.step(RES, "李伟", ASK_PHONE)
        self.step(RES, PHONE, ASK_TIME)
        self.step(RES, "今天下午3点", SUMMARY)
        created = self.step(RES, "yes", CREATED)
        n = re.search(r"工单号 (\d{6}-\d{3})", created).group(1)
        o = self.gw.order(n)
        self.assertEqual([p["hash"] for p in o["photos"]], [hashlib.sha256(jpeg).hexdigest()])

    def test_wechat_voice(self):
        self.start("safe")
        m = self.wx.mark()
        # with WeChat's recognition on, what was said is the message
        self.assertEqual(self.wx.voice(RES, recognition="报修")[:2], (200, "success"))
        self.expect(RES, ASK_DESCRIPTION, m)
        # without it, a polite request to type
        m = self.wx.mark()
        self.assertEqual(self.wx.voice(RES2)[:2], (200, "success"))
        self.expect(RES2, PLEASE_TYPE, m)

    def test_wechat_menu_and_subscribe(self):
        self.start("safe", menu={"V1001_FIX": "/repair"})
        m = self.wx.mark()
        self.assertEqual(self.wx.subscribe(RES)[:2], (200, "success"))
        welcome = self.expect(RES, HELP, m)
        self.assertIn("/repair", welcome)
        m = self.wx.mark()
        self.assertEqual(self.wx.click(RES, "V1001_FIX")[:2], (200, "success"))
        self.expect(RES, ASK_DESCRIPTION, m)
        # the built-in keys of the resident's commands
        m = self.wx.mark()
        self.assertEqual(self.wx.click(RES2, "prices")[:2], (200, "success"))
        self.expect(RES2, "服务价目表", m)
        # leaving, or a link in the menu: nothing to answer
        self.assertEqual(self.wx.event(RES2, "unsubscribe")[:2], (200, "success"))
        self.assertEqual(self.wx.event(RES2, "VIEW", "https://example.com/")[:2],
                         (200, "success"))

    def test_wechat_text_is_never_markup(self):
        self.start("safe")
        self.step(RES, "/repair", ASK_DESCRIPTION)
        self.step(RES, '<a href="http://evil.example/">点这里</a>厨房漏水', ASK_ROOM)
        self.step(RES, "3-2-501", ASK_NAME)
        self.step(RES, "李伟", ASK_PHONE)
        self.step(RES, PHONE, ASK_TIME)
        summary = self.step(RES, "今天下午3点", SUMMARY)
        self.assertIn("点这里", summary)
        self.assertNotIn("<a", summary)
        self.assertNotIn("<", "".join(self.wx.texts()))


if __name__ == "__main__":
    unittest.main()
