"""Staff and resident writing about an order, a fee waiting for consent, and first
messages that are not a plain request (emergency, complaint, question), over
Telegram: the real gateway against the fake Bot API, with test_telegram.py's
set-up (TelegramCase). The same behaviours through the terminal are in
test_order_talk.py, through the web chat in test_webchat.py.
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from test_telegram import ASSIGNED, RES, STAFF_CHAT, WANG, ZHAO, TelegramCase  # noqa: E402


class TelegramTalk(TelegramCase):
    mode = "polling"

    def test_telegram_reply_and_quote(self):
        self.start()
        n = self.intake(confirm_by_button=False)
        m = self.mark()
        self.say(STAFF_CHAT, "/accept " + n, user=WANG)
        self.expect(STAFF_CHAT, "%s 已由王师傅接单，已通知业主。" % n, m)
        self.expect(RES, ASSIGNED, m)

        # wang writes from his private chat; the resident just answers.
        self.step(WANG, "/reply %s 请问是哪个水龙头？" % n, "已发给工单 %s 的业主。" % n)
        self.expect(RES, "【工单 %s】王师傅：请问是哪个水龙头？" % n, m)
        self.step(RES, "厨房水槽那个", "已转告王师傅（工单 %s）。" % n)
        self.expect(WANG, "【工单 %s】业主（3-2-501）说：厨房水槽那个" % n, m)

        # More than the published price needs the resident's consent, by button.
        self.step(STAFF_CHAT, "/done %s 380" % n, "/quote %s 380 原因" % n, user=WANG)
        self.step(STAFF_CHAT, "/quote %s 380 更换角阀和软管" % n, "已请业主确认", user=WANG)
        ask = self.expect(RES, "王师傅 提出费用 380 元（更换角阀和软管）", m)
        buttons = [(b["text"], b["callback_data"])
                   for row in ask["reply_markup"]["inline_keyboard"] for b in row]
        self.assertEqual(buttons, [("同意", "/agree " + n), ("不同意", "/disagree " + n)])
        m = self.mark()
        self.answered(self.press(RES, "/agree " + n))
        self.expect(RES, "好的，您已同意工单 %s 的费用 380 元" % n, m)
        self.expect(WANG, "工单 %s：业主已同意费用 380 元" % n, m)
        self.step(STAFF_CHAT, "/done %s 380" % n, "%s 已报完工，费用 380 元，已请业主验收。" % n,
                  user=WANG)
        o = self.gw.order(n)
        self.assertEqual(o["fee"], 380)
        self.assertEqual([(e["action"], e["detail"]) for e in o["events"]
                          if e["action"].startswith(("message", "quote"))], [
            ("message_to_resident", "请问是哪个水龙头？"),
            ("message_from_resident", "厨房水槽那个"),
            ("quoted", "380 更换角阀和软管"),
            ("quote_agreed", "380"),
        ])

    def test_telegram_emergency_complaint_and_question(self):
        self.start()
        m = self.mark()
        self.step(RES, "救命 家里燃气泄漏了", "关闭燃气总阀")
        self.expect(RES, "已登记紧急工单", m)
        self.expect(STAFF_CHAT, "【紧急】", m)
        self.step(RES, "物业费在哪交", "物业费 2.2 元")

        done = self.step(RES, "我要投诉 楼下装修噪音太大 保安也不管", "投诉已登记")
        n = [o for o in self.gw.orders() if o["category"] == "complaint"][0]["number"]
        self.assertIn(n, done["text"])
        self.expect(ZHAO, "【投诉】工单 %s" % n, m)
        m = self.mark()
        self.step(ZHAO, "/resolve %s 已约谈装修户，限定施工时间" % n, "已请住户确认是否满意")
        self.expect(RES, "您对处理满意吗", m)
        self.step(RES, "满意", "投诉 %s 已结案" % n)
        o = self.gw.order(n)
        self.assertEqual(o["status"], "closed")
        self.assertEqual([e["action"] for e in o["events"]],
                         ["created", "complaint", "resolved", "resolution_accepted"])
        # Never to the staff group: a complaint is between the resident and the supervisor
        # (asserted once everything the gateway was given is handled and delivered).
        self.settle()
        self.assertFalse([t for t in self.chat_texts(STAFF_CHAT) if n in t])


if __name__ == "__main__":
    unittest.main()
