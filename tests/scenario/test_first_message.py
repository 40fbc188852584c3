"""First messages as residents really write them, through `concierge chat`.

An emergency, a complaint, a question the knowledge base answers, a greeting,
two requests in one message, details already given, and times: what the
resident sees, what the staff see, and what `orders … --json` records.
"""
import unittest

from concierge import ConciergeCase, number

CENTRE_PHONE = "0571-88886666"
SUMMARY = "请核对您的需求"
ASK_ROOM = "请问您的房号"
ASK_NAME = "请问怎么称呼您"
ASK_TIME = "您希望什么时间上门或办理"


class FirstMessage(ConciergeCase):
    def test_emergency_at_night(self):
        self.c.later(hours=15)  # midnight: nobody's office hours
        out = self.c.chat("li", "救命 家里燃气泄漏了")
        self.assertTrue(out.has("【紧急】"), out)
        self.assertTrue(out.has("关闭燃气总阀"), out)
        self.assertTrue(out.has("96777"), out)
        self.assertTrue(out.has(CENTRE_PHONE), out)
        self.assertTrue(out.has("已登记紧急工单"), out)
        self.assertFalse(out.has(ASK_ROOM), out)  # no room asked first
        orders = self.c.orders()
        self.assertEqual(len(orders), 1)
        o = self.c.show(orders[0]["number"])
        self.assertIs(o["urgent"], True)
        self.assertEqual(o["status"], "pending")
        self.assertEqual(o["description"], "救命 家里燃气泄漏了")
        self.assertIn("emergency", [e["action"] for e in o["events"]])
        self.assertTrue(self.c.staff("zhao").has("【紧急】"))
        self.assertTrue(self.c.staff("wang").has("【紧急】"))

    def test_lift_emergency_is_not_a_lighting_repair(self):
        out = self.c.chat("li", "电梯困人了！5栋电梯卡在8楼")
        self.assertTrue(out.has("警铃"), out)
        o = self.c.orders()[0]
        self.assertIs(o["urgent"], True)
        self.assertNotEqual(o.get("item"), "electric")

    def test_complaint_goes_to_the_supervisor_not_the_person(self):
        out = self.c.chat("li", "投诉一下 王师傅上次修完还是漏水 态度也很差")
        self.assertTrue(out.has("投诉已登记"), out)
        self.assertTrue(out.has("赵主管"), out)
        self.assertTrue(out.has("24 小时"), out)
        o = self.c.orders()[0]
        self.assertEqual(o["category"], "complaint")
        self.assertEqual(o["assignee"], "zhao")
        self.assertIs(o["urgent"], False)
        shown = self.c.show(o["number"])
        detail = [e["detail"] for e in shown["events"] if e["action"] == "complaint"]
        self.assertEqual(detail, ["about wang"])
        self.assertTrue(self.c.staff("zhao").has("【投诉】"))
        wang = self.c.staff("wang")
        self.assertFalse(wang.has("投诉"), wang)
        self.assertFalse(wang.has(o["number"]), wang)

    # ---- a complaint answered, resolved, and the resident asked -------------------------
    def complaint(self):
        self.c.chat("li", "我要投诉 楼下装修噪音太大 保安也不管")
        return self.c.orders()[0]["number"]

    def test_complaint_resolved_and_the_resident_satisfied(self):
        num = self.complaint()
        self.c.staff("zhao", "/reply %s 您好，我是赵主管，马上去看" % num)
        self.assertTrue(self.c.chat("li", "好的谢谢").has("赵主管"))
        out = self.c.staff("zhao", "/resolve %s 已约谈装修户，限定施工时间 9:00-18:00" % num)
        self.assertTrue(out.has("已请住户确认是否满意"), out)
        out = self.c.chat("li")
        self.assertTrue(out.has("处理结果：已约谈装修户"), out)
        self.assertTrue(out.has("您对处理满意吗"), out)
        out = self.c.chat("li", "满意")
        self.assertTrue(out.has("投诉 %s 已结案" % num), out)
        self.assertFalse(out.has("1 到 5"), out)  # the handling is asked about, not rated
        o = self.c.show(num)
        self.assertEqual(o["status"], "closed")
        self.assertIs(o["accepted"], True)
        actions = [e["action"] for e in o["events"]]
        self.assertIn("resolved", actions)
        self.assertIn("resolution_accepted", actions)
        detail = [e["detail"] for e in o["events"] if e["action"] == "resolved"]
        self.assertEqual(detail, ["已约谈装修户，限定施工时间 9:00-18:00"])
        self.assertTrue(self.c.staff("zhao").has("住户对处理结果满意"))
        # The register counts complaints apart from service work.
        self.c.chat("li", "/repair 厨房水管漏水", "3-2-501", "李伟", "13800138000", "尽快",
                    "yes")
        table = self.c.run("orders", "list").stdout
        self.assertIn("2 orders, of which 1 complaint", table)

    def test_complaint_not_satisfied_goes_back_to_the_supervisor(self):
        num = self.complaint()
        self.c.staff("zhao", "/resolve %s 已提醒保安加强巡逻" % num)
        out = self.c.chat("li", "不满意")
        self.assertTrue(out.has("已转回主管"), out)
        o = self.c.show(num)
        self.assertEqual(o["status"], "rework")
        self.assertIn("resolution_rejected", [e["action"] for e in o["events"]])
        out = self.c.staff("zhao")
        self.assertTrue(out.has("住户对处理结果不满意"), out)
        # Handled again, and this time the resident is satisfied.
        self.c.staff("zhao", "/resolve %s 已与装修户签订噪音承诺书" % num)
        out = self.c.chat("li")
        self.assertTrue(out.has("已与装修户签订噪音承诺书"), out)
        self.c.chat("li", "yes")
        self.assertEqual(self.c.show(num)["status"], "closed")

    def test_complaint_is_closed_by_resolve_only(self):
        num = self.complaint()
        out = self.c.staff("zhao", "/done %s" % num)
        self.assertTrue(out.has("/resolve %s" % num), out)
        out = self.c.staff("wang", "/resolve %s 好了" % num)
        self.assertTrue(out.has("主管"), out)  # technicians cannot
        self.c.chat("li", "/repair 厨房水管漏水", "3-2-501", "李伟", "13800138000", "尽快",
                    "yes")
        repair = [o for o in self.c.orders() if o["category"] == "repair"][0]["number"]
        out = self.c.staff("zhao", "/resolve %s 好了" % repair)
        self.assertTrue(out.has("不是投诉"), out)
        self.assertEqual(self.c.show(num)["status"], "assigned")

    def test_question_answered_opens_nothing(self):
        out = self.c.chat("li", "物业费在哪交")
        self.assertTrue(out.has("物业费 2.2 元"), out)
        out = self.c.chat("li", "前台几点开门")
        self.assertTrue(out.has("8:30"), out)
        out = self.c.chat("li", "how much is parking?")
        self.assertTrue(out.has("300 yuan"), out)
        self.assertEqual(self.c.orders(), [])

    def test_question_without_answer_goes_to_staff(self):
        out = self.c.chat("li", "小区里可以养宠物吗", "3-2-501", "李伟", "13800138000", "尽快",
                          "yes")
        self.assertTrue(out.has("转给工作人员"), out)
        o = self.c.orders()[0]
        self.assertEqual(o["category"], "inquiry")
        self.assertEqual(o["description"], "小区里可以养宠物吗")

    def test_greetings_open_nothing(self):
        out = self.c.chat("li", "你好")
        self.assertTrue(out.has("报修"), out)
        out = self.c.chat("li", "在吗")
        self.assertTrue(out.has("报修"), out)
        out = self.c.chat("li", "谢谢师傅")
        self.assertTrue(out.has("不客气"), out)
        self.assertEqual(self.c.orders(), [])

    def test_two_requests_become_two_orders(self):
        out = self.c.chat("li", "水龙头滴水，顺便客厅灯也不亮了", "3-2-501", "李伟",
                          "13800138000", "尽快", "yes")
        self.assertTrue(out.has("2 件事"), out)
        orders = sorted(self.c.orders(), key=lambda o: o["number"])
        self.assertEqual([o["item"] for o in orders], ["water", "electric"])
        self.assertEqual([o["description"] for o in orders], ["水龙头滴水", "客厅灯也不亮了"])
        self.assertEqual({o["room"] for o in orders}, {"3-2-501"})
        self.assertEqual(sum(out.has(n) for n in (number(1), number(2))), 2)

    def test_emergency_in_the_middle_of_a_request(self):
        out = self.c.chat("li", "/repair", "厨房漏水", "家里着火了！")
        self.assertTrue(out.has("119"), out)
        o = self.c.orders()[0]
        self.assertIs(o["urgent"], True)

    # ---- an emergency while another question is open ------------------------------------

    def assert_emergency(self, out, before):
        """OUT holds the gas advice and a new urgent order; the duty staff were pinged."""
        self.assertTrue(out.has("【紧急】"), out)
        self.assertTrue(out.has("关闭燃气总阀"), out)
        self.assertTrue(out.has("已登记紧急工单"), out)
        new = [o for o in self.c.orders() if o["number"] not in before]
        self.assertEqual(len(new), 1, new)
        self.assertIs(new[0]["urgent"], True)
        self.assertTrue(self.c.staff("zhao").has("【紧急】"))
        self.assertTrue(self.c.staff("wang").has("【紧急】"))
        return new[0]["number"]

    def test_emergency_while_acceptance_is_asked(self):
        c = self.c
        _, num = c.file_repair()
        c.staff("wang", "/accept " + num, "/done " + num)
        out = c.chat("li")
        self.assertTrue(out.has("问题解决了吗"), out)
        out = c.chat("li", "救命 家里燃气泄漏了")
        self.assertFalse(out.has("请回答"), out)  # not taken as a wrong answer
        urgent = self.assert_emergency(out, {num})
        self.assertEqual(c.show(urgent)["description"], "救命 家里燃气泄漏了")
        # The question is still open and the order still waits for it.
        self.assertEqual(c.show(num)["status"], "awaiting_acceptance")
        out = c.chat("li", "yes")
        self.assertTrue(out.has("请为本次服务打分"), out)
        self.assertEqual(c.show(num)["status"], "closed")

    def test_emergency_while_a_rating_is_asked(self):
        c = self.c
        _, num = c.file_repair()
        c.staff("wang", "/accept " + num, "/done " + num)
        c.chat("li", "yes")
        out = c.chat("li", "厨房着火了 快来人")
        self.assertTrue(out.has("119"), out)
        o = [x for x in c.orders() if x["number"] != num][0]
        self.assertIs(o["urgent"], True)
        self.assertTrue(c.staff("zhao").has("【紧急】"))
        # no rating was recorded from it, and the rating is still asked for
        self.assertIsNone(c.show(num)["rating"])
        c.chat("li", "5", "skip")
        self.assertEqual(c.show(num)["rating"], 5)

    def test_emergency_while_a_fee_waits_for_consent(self):
        c = self.c
        _, num = c.file_repair()
        c.staff("wang", "/accept " + num, "/quote %s 380 更换角阀和软管" % num)
        c.chat("li")
        out = c.chat("li", "救命 家里燃气泄漏了")
        self.assertFalse(out.has("已转告"), out)  # not passed on as a message about the fee
        self.assert_emergency(out, {num})
        actions = c.events(num)
        self.assertNotIn("message_from_resident", actions)
        self.assertNotIn("quote_agreed", actions)
        # the fee still waits, and a plain "ok" is the answer to it
        out = c.chat("li", "ok")
        self.assertEqual(out.texts, ["好的，您已同意工单 %s 的费用 380 元，已告知师傅。" % num])

    def test_order_lists_flag_emergencies_and_complaints(self):
        c = self.c
        _, repair = c.file_repair()
        c.chat("wu", "救命 家里燃气泄漏了")
        c.chat("he", "投诉 楼下装修太吵 保安也不管")
        by_cat = {o["category"] + ("!" if o["urgent"] else ""): o["number"] for o in c.orders()}
        urgent, complaint = by_cat["repair!"], by_cat["complaint"]
        c.staff("zhao")  # the pings waiting for him
        lines = c.staff("zhao", "/orders").texts[-1].splitlines()
        flagged = {ln.split()[0]: ln for ln in lines[1:]}
        self.assertEqual(set(flagged), {"【紧急】" + urgent, "【投诉】" + complaint, repair})
        table = c.run("orders", "list").stdout.splitlines()
        self.assertIn("FLAG", table[0])
        rows = {ln.split()[0]: ln.split()[1] for ln in table[1:-1]}
        self.assertEqual(rows[urgent], "URGENT")
        self.assertEqual(rows[complaint], "COMPLAINT")
        self.assertEqual(rows[repair], "pending")  # no flag: the next column
        self.assertEqual(table[-1], "3 orders, of which 1 complaint and 1 urgent")
        # the staff help names every staff command, /photo too
        for who in ("wang", "zhao"):
            self.assertIn("/photo", c.staff(who, "/help").texts[-1])

    # ---- English ------------------------------------------------------------------------

    def test_english_consent_and_greeting(self):
        c = self.c
        out = c.chat("tom", "hi")
        self.assertTrue(out.has("Hello!"), out)
        self.assertFalse(out.has("您好"), out)
        out = c.chat("tom", "thanks")
        self.assertTrue(out.has("You're welcome"), out)
        out = c.chat("tom", "the kitchen tap is leaking", "3-2-501", "Tom Lee", "13800138000",
                     "tomorrow 9am", "agree")
        self.assertTrue(out.has("Registered as order"), out)
        num = c.orders()[0]["number"]
        c.staff("wang", "/accept " + num, "/quote %s 380 new valve and hose" % num)
        c.chat("tom")
        out = c.chat("tom", "Sure")
        self.assertEqual(out.texts,
                         ["Noted: you agree to 380 yuan for order %s; the technician has been "
                          "told." % num])
        c.staff("wang", "/quote %s 450 a second valve" % num)
        c.chat("tom")
        out = c.chat("tom", "decline")
        self.assertIn("you do not agree to 450 yuan", out.texts[0])
        self.assertEqual([a for a in c.events(num) if a.startswith("quote")],
                         ["quoted", "quote_agreed", "quoted", "quote_declined"])

    def test_two_requests_after_a_trigger(self):
        out = self.c.chat("li", "报修 马桶堵了，还有阳台门关不上", "3-2-501", "李伟",
                          "13800138000", "明天上午", "yes")
        self.assertTrue(out.has("1. 马桶堵了；2. 阳台门关不上"), out)
        items = [o["item"] for o in sorted(self.c.orders(), key=lambda o: o["number"])]
        self.assertEqual(items, ["water", "door"])

    def test_details_in_the_first_message_are_not_asked_again(self):
        out = self.c.chat("li", "3栋2单元501 王先生 13812345678 马桶堵了 明天上午来")
        self.assertTrue(out.has(SUMMARY), out)
        for q in (ASK_ROOM, ASK_NAME, "请留一个联系电话", ASK_TIME):
            self.assertFalse(out.has(q), out)
        self.c.chat("li", "yes")
        self.assertOrder(number(1), room="3-2-501", contact_name="王先生",
                         phone="13812345678", description="马桶堵了", item="water",
                         preferred_time="明天上午",
                         preferred_window="2026-11-28T09:00:00+08:00/2026-11-28T12:00:00+08:00")

    def test_shared_place_is_a_location(self):
        # The place stands for the room: the next question is the name.
        out = self.c.chat("li", "5栋2单元楼道灯不亮")
        self.assertFalse(out.has(ASK_ROOM), out)
        self.assertSaw(out, ASK_NAME)
        out = self.c.chat("wu", "楼道很脏", "地下车库")
        self.assertFalse(out.has("这个房号我没看懂"), out)
        self.assertSaw(out, ASK_ROOM, ASK_NAME)

    def test_words_stored_as_written(self):
        self.c.chat("li", "厨房漏水，很急！（在水槽下面）", "3-2-501", "李伟", "13800138000",
                    "尽快", "yes")
        self.assertEqual(self.c.show(number(1))["description"], "厨房漏水，很急！（在水槽下面）")

    def test_times(self):
        out = self.c.chat("li", "/repair", "厨房漏水", "3-2-501", "李伟", "13800138000",
                          "13800138000", "昨天", "今天下午3点", "yes")
        self.assertTrue(out.has("这看起来是电话号码"), out)
        self.assertTrue(out.has("这个时间已经过去了"), out)
        o = self.c.show(number(1))
        self.assertEqual(o["preferred_time"], "今天下午3点")
        self.assertEqual(o["preferred_window"], "2026-11-27T15:00:00+08:00")
        self.c.chat("wu", "/repair", "门锁坏了", "3-2-502", "吴", "13900139000", "tomorrow 9am",
                    "yes")
        self.assertEqual(self.c.show(number(2))["preferred_window"], "2026-11-28T09:00:00+08:00")
        self.c.chat("he", "暖气不热 周六上午", "3-2-503", "何", "13700137000", "yes")
        self.assertEqual(self.c.show(number(3))["preferred_window"],
                         "2026-11-28T09:00:00+08:00/2026-11-28T12:00:00+08:00")


if __name__ == "__main__":
    unittest.main()
