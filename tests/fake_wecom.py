#!/usr/bin/env python3
"""fake_wecom.py - a fake WeCom (企业微信) self-built app platform for tests.

The wecom channel is tested against this fake on loopback; like
fake_wechat.py (whose server, crypto and steering it shares) it plays both
sides:

The API (the gateway's api_base), HTTP 200 with {"errcode", "errmsg"}:
    GET  /cgi-bin/gettoken?corpid=&corpsecret=   -> {"errcode": 0,
         "access_token", "expires_in": 7200}; a wrong corp ID is 40013, a
         wrong secret 40001.
    POST /cgi-bin/message/send?access_token=   {"touser": "a|b", "msgtype":
         "text", "agentid", "text": {"content"}}: content at most 2048 bytes;
         an agentid not the app's is 40056; users the corp does not have come
         back in "invaliduser", and when none is left 81013.
    GET  /cgi-bin/media/get?access_token=&media_id=   an image's bytes.
    An unknown token is 40014, an expired one 42001, none 41001.

The callbacks, always encrypted with the corp ID as the receiver, and
signed with msg_signature only:
    wc.text("zhangsan", "/accept 260101-001") -> (status, body, seconds)
    wc.url_check(echostr)                     the encrypted GET check

    wc = FakeWecom(CORP, SECRET, AGENT, TOKEN, AES_KEY, users={"zhangsan"}).start()
    wc.target = gw.url + "/hooks/wecom"
"""
from fake_wechat import ApiError, Crypt, FakeWechat, errmsg, signature, xml_message  # noqa: F401

ERRMSG_EXTRA = {
    40001: "invalid secret",
    40013: "invalid corpid",
    40014: "invalid access_token",
    40056: "invalid agentid",
    81013: "user & party & tag all invalid",
}


class FakeWecom(FakeWechat):
    name = "fake wecom"
    token_path = "/cgi-bin/gettoken"
    send_path = "/cgi-bin/message/send"

    def __init__(self, corp_id, secret, agent_id, token, aes_key, users=(), clock=None):
        super().__init__(corp_id, secret, token, aes_key, clock=clock, templates=())
        self.corp_id = corp_id
        self.agent_id = int(agent_id)
        self.users = set(users)
        self.mode = "safe"

    def errmsg(self, code):
        if code in ERRMSG_EXTRA:
            return ("%s, hint: [fake], more info at "
                    "https://open.work.weixin.qq.com/devtool/query?e=%d" % (ERRMSG_EXTRA[code], code))
        return errmsg(code)

    def _check_token(self, query):
        try:
            super()._check_token(query)
        except ApiError as e:
            raise ApiError(40014 if e.code == 40001 else e.code) from None

    def _api_token(self, h, call, query, body):
        if query.get("corpid") != [self.corp_id]:
            raise ApiError(40013)
        if query.get("corpsecret") != [self.secret]:
            raise ApiError(40001)
        answer = self._new_token()
        answer.update({"errcode": 0, "errmsg": "ok"})
        return answer

    def _api_custom(self, h, call, query, body):
        self._check_token(query)
        obj = self._body(call, body)
        if obj.get("msgtype") != "text" or not isinstance(obj.get("text"), dict):
            raise ApiError(40008)
        if obj.get("agentid") != self.agent_id:
            raise ApiError(40056)
        content = obj["text"].get("content")
        if not isinstance(content, str) or not content:
            raise ApiError(44004)
        if len(content.encode("utf-8")) > 2048:
            raise ApiError(45002)
        to = obj.get("touser")
        if not isinstance(to, str) or not to:
            raise ApiError(40031)
        if to == "@all":
            return {"errcode": 0, "errmsg": "ok", "msgid": "m%d" % next(self.msgids)}
        wanted = to.split("|")
        bad = [u for u in wanted if u not in self.users]
        if len(bad) == len(wanted):
            raise ApiError(81013)
        answer = {"errcode": 0, "errmsg": "ok", "msgid": "m%d" % next(self.msgids)}
        if bad:
            answer["invaliduser"] = "|".join(bad)
        return answer

    def texts(self, touser=None, since=0):
        out = []
        for c in self.sent("custom", since):
            if touser is None or touser in c["json"]["touser"].split("|") or \
                    c["json"]["touser"] == "@all":
                out.append(c["json"]["text"]["content"])
        return out

    def wait_text(self, touser, needle, since=0, timeout=15):
        return self.wait_call(
            lambda c: c["api"] == "custom" and c["errcode"] == 0 and
            (touser in c["json"]["touser"].split("|") or c["json"]["touser"] == "@all") and
            needle in c["json"]["text"]["content"],
            since, timeout, "a text with %r to %s" % (needle, touser))["json"]["text"]["content"]

    # ---- the callbacks ---------------------------------------------------------------------
    def message(self, user, msgtype, fields, msgid=True):
        head = [("ToUserName", self.corp_id), ("FromUserName", user),
                ("CreateTime", int(self.clock())), ("MsgType", msgtype)]
        tail = ([("MsgId", next(self.msgids))] if msgid else []) + \
            [("AgentID", self.agent_id)]
        return xml_message(head + fields + tail)

    def post(self, xml, mode=None, openid=None, tamper=None, target=None, timeout=10):
        enc = self.crypt.encrypt(xml)
        body = xml_message([("ToUserName", self.corp_id), ("AgentID", str(self.agent_id)),
                            ("Encrypt", enc)])
        q = self.signed_query(encrypt=enc)
        del q["signature"], q["encrypt_type"]
        data = body.encode("utf-8")
        if tamper:
            q, data = tamper(q, data)
        return self.request("POST", q, data, target, timeout)

    def url_check(self, echostr, encrypted=True, **kw):
        return super().url_check(echostr, encrypted=True, **kw)

    def text(self, user, content, **kw):
        return self.post(self.message(user, "text", [("Content", content)]), **kw)
