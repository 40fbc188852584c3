"""After an order is taken: staff and resident write to each other about it, an
extra fee waits for the resident's consent, the resident keeps control (another
visit time, withdrawing, reopening), dispatch asks before sending someone without
the skill, and staff read what their command did.

Driven through real `concierge chat` processes, as in test_lifecycle.py; what is
asserted is what each person sees and `orders show N --json`.
"""
import unittest

from concierge import ConciergeCase, example_config, number

PING = "【新工单】"
ASK_ACCEPT = "请检查一下：问题解决了吗"


class OrderTalk(ConciergeCase):
    def taken(self):
        """The README's repair, taken by wang; everyone's queue read."""
        _, num = self.c.file_repair()
        self.c.staff("wang", "/accept " + num)
        self.c.chat("li")
        self.c.staff("zhao")
        return num

    def events(self, num):
        return [(e["action"], e["actor"], e["detail"]) for e in self.c.show(num)["events"]]

    # ---- /reply -------------------------------------------------------------------------

    def test_staff_and_resident_write_about_an_order(self):
        c = self.c
        num = self.taken()
        out = c.staff("wang", "/reply %s 请问漏水是在水槽下面吗？" % num)
        self.assertEqual(out.texts, ["已发给工单 %s 的业主。" % num])
        out = c.chat("li")
        self.assertEqual(len(out.texts), 1, out)
        self.assertIn("【工单 %s】王师傅：请问漏水是在水槽下面吗？" % num, out.texts[0])
        # A plain answer goes to wang, not into a new request.
        out = c.chat("li", "是的，在水槽下面，很急！")
        self.assertEqual(out.texts, ["已转告王师傅（工单 %s）。" % num])
        out = c.staff("wang")
        self.assertEqual(len(out.texts), 1, out)
        self.assertIn("【工单 %s】业主（3-2-501）说：是的，在水槽下面，很急！" % num, out.texts[0])
        # Once answered, the next plain message is a new conversation again.
        out = c.chat("li", "厨房灯不亮了")
        self.assertNotSaw(out, "已转告")
        c.chat("li", "cancel")
        # The resident may write first, with the number.
        out = c.chat("li", "/reply %s 我下午三点后在家" % num)
        self.assertEqual(out.texts, ["已转告王师傅（工单 %s）。" % num])
        self.assertSaw(c.staff("wang"), "业主（3-2-501）说：我下午三点后在家")
        # Or without it: about their newest order.
        out = c.chat("li", "回复 门铃坏了，请敲门")
        self.assertEqual(out.texts, ["已转告王师傅（工单 %s）。" % num])
        self.assertSaw(c.staff("wang"), "业主（3-2-501）说：门铃坏了，请敲门")
        self.assertEqual([e for e in self.events(num) if e[0].startswith("message")], [
            ("message_to_resident", "staff:wang", "请问漏水是在水槽下面吗？"),
            ("message_from_resident", "resident:1", "是的，在水槽下面，很急！"),
            ("message_from_resident", "resident:1", "我下午三点后在家"),
            ("message_from_resident", "resident:1", "门铃坏了，请敲门"),
        ])
        self.assertEqual(c.show(num)["status"], "assigned")

    def test_reply_rules(self):
        c = self.c
        num = self.taken()
        # Another technician cannot write about wang's order; a stranger's is not found.
        out = c.staff("liu", "/reply %s 你好" % num)
        self.assertEqual(out.texts, ["工单 %s 由 王师傅 负责，您不能操作。" % num])
        out = c.chat("zhang", "/reply %s 你好" % num)
        self.assertEqual(out.texts, ["找不到工单 %s。" % num])
        out = c.staff("wang", "/reply " + num, "/reply 你好")
        self.assertEqual(out.texts, ["用法：/reply N TEXT"] * 2)
        self.assertEqual(c.staff("wang", "/reply 261127-999 你好").texts, ["找不到工单 261127-999。"])
        self.assertIn("请写上工单号", c.chat("zhang", "回复 你好").texts[-1])
        self.assertEqual(c.chat("li").texts, [])
        # A supervisor may write about any order; the answer goes to the assignee.
        c.staff("zhao", "/reply %s 您好，我是赵主管" % num)
        self.assertSaw(c.chat("li"), "【工单 %s】赵主管：您好，我是赵主管" % num)
        c.chat("li", "好的")
        self.assertSaw(c.staff("wang"), "业主（3-2-501）说：好的")

    def test_answer_to_staff_on_an_order_nobody_holds(self):
        c = self.c
        _, num = c.file_repair()
        c.staff("zhao", "/reply %s 请问是冷水管还是热水管？" % num)
        out = c.chat("li", "冷水管")
        self.assertEqual(out.texts[-1], "已转告赵主管（工单 %s）。" % num)
        self.assertSaw(c.staff("zhao"), "业主（3-2-501）说：冷水管")

    def test_staff_message_waits_two_days(self):
        c = self.c
        num = self.taken()
        c.staff("wang", "/reply %s 明天上午方便吗？" % num)
        c.later(days=3)
        out = c.chat("li", "可以")
        self.assertNotSaw(out, "已转告")
        # a new conversation instead: what is needed?
        self.assertSaw(out, "请简单描述一下需要什么服务")
        self.assertEqual([e[0] for e in self.events(num)].count("message_from_resident"), 0)

    # ---- /quote -------------------------------------------------------------------------

    def test_extra_fee_needs_consent(self):
        c = self.c
        num = self.taken()
        # The water item's published estimate is 50: more needs the resident's consent.
        out = c.staff("wang", "/done %s 380" % num)
        self.assertEqual(len(out.texts), 1)
        self.assertIn("380 元超出工单 %s 公布或业主已同意的收费（50 元），未记录" % num, out.texts[0])
        self.assertIn("/quote %s 380 原因" % num, out.texts[0])
        self.assertEqual(c.show(num)["status"], "assigned")
        self.assertIsNone(c.show(num)["fee"])
        out = c.staff("wang", "/quote %s 380 更换角阀和软管" % num)
        self.assertEqual(out.texts, ["%s 的费用 380 元已请业主确认，业主答复后会通知您。" % num])
        out = c.chat("li")
        ask = out.messages[-1]
        self.assertIn("王师傅 提出费用 380 元（更换角阀和软管），超出公布的收费（上门费 30 元，材料另计）",
                      ask.text)
        self.assertEqual(ask.buttons, [("同意", "/agree " + num), ("不同意", "/disagree " + num)])
        # Not yet agreed: still refused.
        self.assertIn("未记录", c.staff("wang", "/done %s 380" % num).texts[0])
        out = c.chat("li", "同意")
        self.assertEqual(out.texts, ["好的，您已同意工单 %s 的费用 380 元，已告知师傅。" % num])
        self.assertSaw(c.staff("wang"), "工单 %s：业主已同意费用 380 元" % num)
        out = c.staff("wang", "/done %s 400" % num, "/done %s 380" % num)
        self.assertIn("（380 元）", out.texts[0])
        self.assertEqual(out.texts[1], "%s 已报完工，费用 380 元，已请业主验收。" % num)
        o = c.show(num)
        self.assertEqual((o["status"], o["fee"]), ("awaiting_acceptance", 380))
        self.assertEqual([e for e in self.events(num) if e[0].startswith("quote")], [
            ("quoted", "staff:wang", "380 更换角阀和软管"),
            ("quote_agreed", "resident:1", "380"),
        ])
        # Nothing waits any more: "同意" means nothing now and opens no request.
        out = c.chat("li", "/agree")
        self.assertIn(ASK_ACCEPT, out.texts[0])
        self.assertEqual(out.texts[-1], "目前没有等您确认的费用。")

    def test_declined_fee_and_free_items(self):
        c = self.c
        c.chat("li", "/errand", "帮我代收快递", "3-2-501", "李伟", "13800138000", "明天上午", "确认")
        num = number(1)
        c.staff("zhao", "/assign %s wang" % num)
        c.chat("li")
        # A free item: any fee needs consent.
        self.assertIn("超出工单", c.staff("wang", "/done %s 5" % num).texts[-1])
        c.staff("wang", "/quote %s 20 大件搬运上楼" % num)
        self.assertIn("超出公布的收费（免费）", c.chat("li").texts[-1])
        out = c.chat("li", "不同意")
        self.assertEqual(out.texts, ["好的，您不同意工单 %s 的费用 20 元，已告知师傅，会与您另行沟通。" % num])
        self.assertSaw(c.staff("wang"), "工单 %s：业主不同意费用 20 元。请用 /reply %s" % (num, num))
        self.assertIn("超出工单", c.staff("wang", "/done %s 20" % num).texts[-1])
        out = c.staff("wang", "/done " + num)
        self.assertEqual(out.texts, ["%s 已报完工，已请业主验收。" % num])
        self.assertEqual(c.events(num)[-2:], ["quote_declined", "done"])

    def test_quote_rules(self):
        c = self.c
        _, num = c.file_repair()
        self.assertIn("当前状态是“待接单”", c.staff("wang", "/quote %s 100 换阀门" % num).texts[-1])
        c.staff("wang", "/accept " + num)
        self.assertIn("不是有效金额", c.staff("wang", "/quote %s 一百 换阀门" % num).texts[-1])
        self.assertEqual(c.staff("wang", "/quote %s 100" % num).texts[-1],
                         "用法：/quote N FEE REASON")
        self.assertIn("由 王师傅 负责", c.staff("liu", "/quote %s 100 换阀门" % num).texts[-1])
        self.assertEqual(c.chat("li", "/quote %s 1 x" % num).texts[-1],
                         "抱歉，这个命令仅限服务中心工作人员使用。")

    # ---- the resident keeps control -------------------------------------------------------

    def test_resident_asks_for_another_time(self):
        c = self.c
        num = self.taken()
        c.staff("wang", "/eta %s 15:00" % num)
        self.assertSaw(c.chat("li"), "如需改时间，请回复“改时间 %s 新时间”" % num)
        out = c.chat("li", "改时间 明天上午")
        self.assertEqual(out.texts, ["已请负责的师傅重新约定工单 %s 的上门时间，确定后会通知您。" % num])
        self.assertSaw(c.staff("wang"), "【改约】工单 %s（3-2-501）业主希望换个上门时间：明天上午" % num,
                       "/eta %s 新时间" % num)
        o = c.show(num)
        self.assertEqual(o["status"], "assigned")
        self.assertEqual(o["events"][-1]["action"], "reschedule_requested")
        self.assertEqual(o["events"][-1]["detail"], "明天上午")
        c.staff("wang", "/eta %s 明天上午10点" % num)
        self.assertSaw(c.chat("li"), "预计 11月28日 10:00 上门")
        self.assertEqual(c.show(num)["status"], "scheduled")
        # With the number, and not for an order past it.
        out = c.chat("li", "/reschedule %s 后天" % num)
        self.assertIn("重新约定工单 %s" % num, out.texts[-1])
        c.staff("wang", "/start " + num)
        out = c.chat("li", "/reschedule %s 后天" % num)
        self.assertIn("当前状态是“处理中”", out.texts[-1])

    def test_resident_withdraws_until_work_starts(self):
        c = self.c
        num = self.taken()
        c.staff("wang", "/eta %s 15:00" % num)
        out = c.chat("li", "/cancel " + num)
        self.assertSaw(out, "工单 %s 已撤销。" % num)
        self.assertEqual(c.show(num)["status"], "cancelled")
        self.assertSaw(c.staff("wang"), "工单 %s（3-2-501）业主已撤销，不用上门了。" % num)
        # Once work has started, it is for the centre.
        _, num2 = c.file_repair(known=True)
        c.staff("wang", "/accept " + num2, "/start " + num2)
        out = c.chat("li", "/cancel " + num2)
        self.assertIn("工单 %s 当前“处理中”" % num2, out.texts[-1])
        self.assertEqual(c.show(num2)["status"], "in_progress")

    def test_reopen_within_the_configured_days(self):
        cfg = example_config()
        cfg["reopen_days"] = 3
        self.c.write_config(cfg)
        c = self.c
        num = self.taken()
        c.staff("wang", "/done %s 50" % num)
        c.chat("li", "yes", "5", "skip")
        self.assertEqual(c.show(num)["status"], "closed")
        c.staff("wang")
        c.later(days=2)
        out = c.chat("li", "/reopen 又漏水了")
        self.assertEqual(out.texts, ["工单 %s 已重新打开，已通知师傅返工。" % num])
        self.assertSaw(c.staff("wang"), "【重新打开】工单 %s（3-2-501）业主反映问题又出现了：又漏水了" % num)
        o = c.show(num)
        self.assertEqual(o["status"], "rework")
        self.assertEqual(o["events"][-1]["action"], "reopened")
        self.assertEqual(o["events"][-1]["detail"], "又漏水了")
        # Back through the rework path to closed again.
        c.staff("wang", "/start " + num, "/done " + num)
        c.chat("li", "满意", "5", "跳过")
        self.assertEqual(c.show(num)["status"], "closed")
        # Past reopen_days: file it again.
        c.later(days=4)
        out = c.chat("li", "/reopen %s 又漏了" % num)
        self.assertEqual(out.texts, ["工单 %s 已完成超过 3 天，不能重新打开。请发“报修”重新登记。" % num])
        self.assertEqual(c.show(num)["status"], "closed")
        # Nothing closed to reopen, or someone else's.
        self.assertIn("请写上工单号", c.chat("zhang", "/reopen 又坏了").texts[-1])
        self.assertIn("找不到工单", c.chat("zhang", "/reopen %s 又坏了" % num).texts[-1])

    # ---- dispatch quality -------------------------------------------------------------------

    def test_assign_without_the_skill_needs_confirmation(self):
        c = self.c
        _, num = c.file_repair()
        out = c.staff("zhao", "/assign %s liu" % num)
        self.assertEqual(out.texts[-1], "刘阿姨没有工单 %s 需要的技能（plumbing），未派单。"
                         "确定要派给刘阿姨，请发 /assign %s liu!" % (num, num))
        self.assertEqual(c.show(num)["status"], "pending")
        out = c.staff("zhao", "/assign %s liu!" % num)
        self.assertEqual(out.texts, ["%s 已派给刘阿姨，已通知刘阿姨和业主。" % num])
        self.assertEqual(c.show(num)["assignee"], "liu")
        out = c.staff("zhao", "/assign %s wang" % num)
        self.assertEqual(out.texts, ["%s 已派给王师傅，已通知王师傅和业主。" % num])

    def test_item_without_a_skill_goes_to_dispatchers(self):
        c = self.c
        c.chat("li", "/errand", "帮我代收快递", "3-2-501", "李伟", "13800138000", "明天上午", "确认")
        num = number(1)
        self.assertNotSaw(c.staff("wang"), num)
        self.assertNotSaw(c.staff("liu"), num)
        self.assertSaw(c.staff("zhao"), PING + num)

    # ---- staff see what happened --------------------------------------------------------------

    def test_outcomes_in_words(self):
        c = self.c
        _, num = c.file_repair()
        out = c.staff("wang", "/accept " + num, "/eta %s 15:00" % num, "/start " + num,
                      "/done %s 50" % num, "/paid %s R-7" % num)
        self.assertEqual(out.texts[2:], [
            "%s 已由王师傅接单，已通知业主。" % num,
            "%s 上门时间定为 11月27日 15:00，已通知业主。" % num,
            "%s 已开工，已通知业主。" % num,
            "%s 已报完工，费用 50 元，已请业主验收。" % num,
            "%s 已收款 50 元，收据号 R-7，已通知业主。" % num,
        ])
        for t in out.texts:
            self.assertNotIn("好的：", t)
        _, num2 = c.file_repair(known=True)
        out = c.staff("zhao", "/cancel %s 住户已自行修好" % num2)
        self.assertEqual(out.texts[-1], "%s 已取消（住户已自行修好），已通知业主。" % num2)

    def test_help_by_role(self):
        c = self.c
        wang = c.staff("wang", "/help")
        self.assertEqual(len(wang.texts), 1, wang)
        self.assertTrue(wang.texts[0].startswith("员工命令："))
        self.assertIn("/quote", wang.texts[0])
        self.assertNotIn("/assign", wang.texts[0])
        self.assertNotIn("物业服务助手", wang.texts[0])
        zhao = c.staff("zhao", "/help")
        self.assertEqual(len(zhao.texts), 1, zhao)
        self.assertTrue(zhao.texts[0].startswith("员工命令（调度/主管）"))
        self.assertIn("/assign", zhao.texts[0])
        li = c.chat("li", "/help")
        self.assertEqual(len(li.texts), 1, li)
        self.assertIn("物业服务助手", li.texts[0])
        self.assertIn("/reopen", li.texts[0])
        self.assertNotIn("员工命令", li.texts[0])

    def test_low_rating_alerts_once_even_without_a_comment(self):
        c = self.c
        num = self.taken()
        c.staff("wang", "/done %s 50" % num)
        c.chat("li", "yes", "1")
        self.assertEqual(c.staff("zhao").texts, [])
        c.chat("li", "跳过")
        out = c.staff("zhao")
        self.assertEqual(out.texts, ["【低分提醒】工单 %s 评分 1 分，负责人 王师傅。住户意见：（未填）" % num])
        self.assertEqual(c.events(num)[-2:], ["rated", "low_rating_alert"])
        c.later(hours=2)
        self.assertEqual(c.staff("zhao").texts, [])

    def test_low_rating_without_an_answer_to_the_comment_question(self):
        """A resident who rates and walks away (or starts another request) still
        reaches the supervisor: once a session's time has passed, without a comment."""
        c = self.c
        num = self.taken()
        c.staff("wang", "/done %s 50" % num)
        c.chat("li", "yes", "2")
        c.later(minutes=10)
        self.assertEqual(c.staff("zhao").texts, [])
        c.later(minutes=25)
        out = c.staff("zhao")
        self.assertEqual(out.texts, ["【低分提醒】工单 %s 评分 2 分，负责人 王师傅。住户意见：（未填）" % num])
        # A comment after that is kept, and alerts nobody again.
        c.chat("li", "师傅态度不好")
        self.assertEqual(c.show(num)["comment"], "师傅态度不好")
        self.assertEqual(c.staff("zhao").texts, [])
        self.assertEqual(c.events(num).count("low_rating_alert"), 1)


if __name__ == "__main__":
    unittest.main()
