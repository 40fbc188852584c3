"""The whole life of an order, driven through real `concierge chat` processes.

Each test is one installation (its own temp directory, database and
configuration) and plays people one after the other: a resident files a
request, a technician takes it and reports progress, the resident reads the
notices, accepts and rates. What is asserted is what a person would check:
the messages printed for them, and `orders show N --json`.
"""
import unittest

from concierge import DAY, README_INTAKE, ConciergeCase, example_config, number

PHONE = "13800138000"
MASKED = "138****8000"
CENTRE_PHONE = "0571-88886666"

PING = "【新工单】"
ASK_DESCRIPTION = "请简单描述一下需要什么服务"
ASK_ROOM = "请问您的房号"
ASK_NAME = "请问怎么称呼您"
ASK_PHONE = "请留一个联系电话"
ASK_TIME = "您希望什么时间上门或办理"
ASK_SAVED = "使用上次登记的信息吗"
SUMMARY = "请核对您的需求"
ASK_ACCEPT = "请检查一下：问题解决了吗"
ASK_RATING = "请为本次服务打分"
ASK_COMMENT = "还有什么意见或建议吗"
STAFF_ONLY = "抱歉，这个命令仅限服务中心工作人员使用"
SUPERVISOR_ONLY = "这个操作需要主管或调度员权限"


def created_text(num, minutes):
    return "已为您登记，工单号 %s。我们承诺 %d 分钟内响应" % (num, minutes)


class Lifecycle(ConciergeCase):
    # ---- helpers -------------------------------------------------------------------------

    def status(self, num):
        return self.c.show(num)["status"]

    def abandon_intake(self):
        """li starts a repair request, gives the room, and stays silent past the session."""
        out = self.c.chat("li", "/repair", "厨房水管漏水", "3-2-501")
        self.assertTrue(out.texts[-1].startswith(ASK_NAME), out)
        self.c.later(minutes=31)

    def take_and_finish(self, num, fee=None, who="wang"):
        done = "/done %s %s" % (num, fee) if fee is not None else "/done %s" % num
        out = self.c.staff(who, "/accept " + num, "/start " + num, done)
        self.assertSaw(out, "%s 已由" % num, "%s 已开工，已通知业主" % num,
                       "%s 已报完工" % num)
        self.assertEqual(self.status(num), "awaiting_acceptance")
        return out

    # ---- 1. the README -------------------------------------------------------------------

    def test_readme_done_when(self):
        c = self.c
        out = c.chat("resident:li", *README_INTAKE)
        self.assertSaw(out, "登记维修服务", ASK_ROOM, ASK_NAME, ASK_PHONE, ASK_TIME, SUMMARY,
                       "已为您登记，工单号 %s-001" % DAY)
        orders = c.orders()
        self.assertEqual(len(orders), 1)
        o = orders[0]
        num = o["number"]
        self.assertEqual(num, number(1))
        self.assertEqual(o["status"], "pending")
        self.assertEqual(o["description"], "厨房水管漏水")
        self.assertEqual(o["room"], "3-2-501")
        self.assertEqual(o["contact_name"], "李伟")
        self.assertEqual(o["phone"], PHONE)
        self.assertEqual(o["preferred_time"], "今天下午3点")
        self.assertEqual(o["category"], "repair")
        self.assertEqual(o["resident"], "terminal:resident:li")
        self.assertIsNone(o["assignee"])
        self.assertIsNone(o["fee"])
        self.assertIsNone(o["rating"])
        self.assertIn("created_at", o)
        self.assertEqual(c.orders("pending"), orders)
        self.assertEqual(c.orders("open"), orders)
        self.assertEqual(c.orders("closed"), [])

        out = c.staff("wang", "/accept " + num, "/eta %s 15:00" % num, "/start " + num,
                      "/done %s 50" % num)
        # The dispatch ping waited for wang and comes first, with the phone masked.
        self.assertTrue(out.texts[0].startswith(PING + num), out)
        self.assertIn("李伟 " + MASKED, out.texts[0])
        self.assertIn("3-2-501", out.texts[0])
        self.assertIn("厨房水管漏水", out.texts[0])
        self.assertIn("承诺 30 分钟内响应", out.texts[0])
        self.assertNotIn(PHONE, out.texts[0])
        self.assertIn(("接单", "/accept " + num), out.messages[0].buttons)
        # Having taken it, wang alone gets the full contact, privately.
        self.assertSaw(out, "工单 %s 的住户信息" % num, "%s 已由王师傅接单，已通知业主" % num,
                       "%s 上门时间定为 11月27日 15:00" % num, "%s 已开工" % num,
                       "%s 已报完工，费用 50 元，已请业主验收" % num)
        self.assertIn(PHONE, out.texts[out.index("的住户信息")])
        o = c.show(num)
        self.assertEqual(o["status"], "awaiting_acceptance")
        self.assertEqual(o["assignee"], "wang")
        self.assertEqual(o["fee"], 50)

        out = c.chat("resident:li", "yes", "5", "skip")
        self.assertSaw(out, "您的工单 %s 已由 王师傅 接单" % num,
                       "王师傅 预计 11月27日 15:00 上门处理工单 %s" % num,
                       "王师傅 已开始处理您的工单 %s" % num,
                       "您的工单 %s 已由 王师傅 报告完工，费用 50 元" % num,
                       ASK_RATING, ASK_COMMENT, "感谢您的反馈！工单 %s 已完成" % num)
        # The notices come before the answers to this session's lines.
        self.assertLess(out.index(ASK_ACCEPT), out.index(ASK_RATING))
        o = c.show(num)
        self.assertEqual(o["status"], "closed")
        self.assertEqual(o["rating"], 5)
        self.assertEqual(o["fee"], 50)
        self.assertIs(o["accepted"], True)
        self.assertIsNone(o["comment"])
        self.assertEqual([e["action"] for e in o["events"]],
                         ["created", "accepted", "eta", "started", "done",
                          "accepted_by_resident", "rated"])
        self.assertEqual(o["events"][-2]["new_status"], "closed")
        # wang hears that the resident accepted; everything was delivered once.
        out = c.staff("wang")
        self.assertSaw(out, "工单 %s 住户已验收" % num)
        self.assertEqual(c.staff("wang").texts, [])
        self.assertEqual(c.chat("resident:li").texts, [])

    # ---- 2. every category ---------------------------------------------------------------

    def test_each_category_to_closed(self):
        c = self.c
        cases = [
            # trigger, description, category, catalogue item, promised minutes
            ("/clean", "家里需要打扫一下", "cleaning", "home-cleaning", 120),
            ("保洁", "楼道有垃圾", "cleaning", "stairwell", 240),
            ("/errand", "帮我代收快递", "errand", "parcel", 60),
            ("代办", "代缴水电费", "errand", "bills", 120),
            ("/ask", "想咨询一下停车政策", "inquiry", "inquiry", 60),
            ("咨询", "请问物业政策", "inquiry", "inquiry", 60),
            ("报修", "卧室插座没电", "repair", "electric", 30),
            ("/repair", "门锁坏了", "repair", "door", 60),
        ]
        names = {"repair": "维修", "cleaning": "保洁", "errand": "代办", "inquiry": "咨询"}
        for seq, (trigger, desc, category, item, minutes) in enumerate(cases, 1):
            with self.subTest(trigger=trigger):
                num = number(seq)
                if seq == 1:
                    lines = [trigger, desc, "3-2-501", "李伟", PHONE, "明天上午", "确认"]
                else:
                    lines = [trigger, desc, "是", "明天上午", "确认"]
                out = c.chat("li", *lines)
                self.assertSaw(out, "好的，我来帮您登记%s服务" % names[category],
                               "类别：%s" % names[category],
                               "响应承诺：%d 分钟内响应" % minutes,
                               created_text(num, minutes))
                o = c.show(num)
                self.assertEqual(o["category"], category)
                self.assertEqual(o["item"], item)
                self.assertEqual(o["promised_minutes"], minutes)
                self.assertEqual(o["description"], desc)
                worker = "liu" if category == "cleaning" else "wang"
                self.take_and_finish(num, who=worker)
                out = c.chat("li", "满意", "4", "跳过")
                self.assertSaw(out, "报告完工", ASK_RATING, ASK_COMMENT, "工单 %s 已完成" % num)
                o = c.show(num)
                self.assertEqual(o["status"], "closed")
                self.assertEqual(o["rating"], 4)
                self.assertEqual(o["assignee"], worker)

    # ---- 3. rework -----------------------------------------------------------------------

    def test_rework(self):
        c = self.c
        _, num = c.file_repair()
        self.take_and_finish(num, fee=50)
        out = c.chat("li", "不满意")
        self.assertSaw(out, ASK_ACCEPT, "抱歉没有处理好。已通知师傅返工，工单 %s 会继续跟进" % num)
        self.assertEqual(self.status(num), "rework")
        out = c.staff("wang", "/start " + num, "/done " + num)
        self.assertTrue(out.texts[0].startswith("【返工】工单 %s（3-2-501）" % num), out)
        self.assertIn("厨房水管漏水", out.texts[0])
        self.assertSaw(out, "%s 已开工" % num, "%s 已报完工" % num)
        self.assertEqual(self.status(num), "awaiting_acceptance")
        out = c.chat("li", "no")
        self.assertSaw(out, "王师傅 已开始处理", "报告完工", "已通知师傅返工")
        self.assertEqual(self.status(num), "rework")
        c.staff("wang", "/done %s 45" % num)
        out = c.chat("li", "yes", "5", "skip")
        self.assertSaw(out, "报告完工，费用 45 元", ASK_RATING, ASK_COMMENT)
        o = c.show(num)
        self.assertEqual(o["status"], "closed")
        self.assertEqual(o["rating"], 5)
        self.assertEqual(o["fee"], 45)
        self.assertIs(o["accepted"], True)
        self.assertEqual([e["action"] for e in o["events"]],
                         ["created", "accepted", "started", "done", "rework", "started",
                          "done", "rework", "done", "accepted_by_resident", "rated"])

    # ---- 4. cancelling -------------------------------------------------------------------

    def test_resident_cancels_own_pending_order(self):
        c = self.c
        _, num = c.file_repair()
        out = c.chat("li", "/cancel " + num)
        self.assertEqual(out.texts, ["工单 %s 已撤销。" % num])
        o = c.show(num)
        self.assertEqual(o["status"], "cancelled")
        self.assertEqual(o["events"][-1]["action"], "cancelled")
        # Nobody had taken it: no staff member hears about it beyond the ping.
        out = c.staff("wang")
        self.assertEqual(len(out.texts), 1)
        self.assertTrue(out.texts[0].startswith(PING))
        # It cannot be cancelled twice.
        out = c.chat("li", "/cancel " + num)
        self.assertIn("当前状态是“已取消”", out.texts[0])

    def test_resident_cannot_cancel_others_or_started(self):
        c = self.c
        _, mine = c.file_repair("li")
        _, theirs = c.file_repair("zhang", ["/repair", "卫生间马桶堵了", "5-1-302", "张敏",
                                           "13912345678", "尽快", "yes"])
        out = c.chat("li", "/cancel " + theirs)
        self.assertEqual(out.texts, ["找不到工单 %s。" % theirs])
        self.assertEqual(self.status(theirs), "pending")
        # Until work has started the resident may withdraw it (test_order_talk.py); after, not.
        c.staff("wang", "/accept " + mine, "/start " + mine)
        out = c.chat("li", "/cancel " + mine)
        self.assertSaw(out, "已由 王师傅 接单",
                       "工单 %s 当前“处理中”，已有人处理，如需取消请联系服务中心" % mine)
        self.assertEqual(self.status(mine), "in_progress")

    def test_residents_learn_nothing_of_others_orders(self):
        """Someone else's order is 'not found' for a resident, whatever its status:
        order numbers are sequential and must not tell whose work was closed."""
        c = self.c
        _, num = c.file_repair()
        c.staff("zhao", "/cancel %s 测试" % num)
        out = c.chat("zhang", "/cancel " + num)
        self.assertIn("找不到工单 " + num, out.texts[-1])
        self.assertNotIn("已取消", out.texts[-1])

    def test_paid_only_by_assignee_and_once(self):
        c = self.c
        _, num = c.file_repair()
        c.staff("wang", "/accept " + num, "/done %s 50" % num)
        out = c.staff("liu", "/paid %s R-FAKE" % num)
        self.assertIn("由 王师傅 负责", out.texts[-1])
        self.assertIsNone(c.show(num)["receipt"])
        c.staff("wang", "/paid %s R-001" % num)
        out = c.staff("wang", "/paid %s R-002" % num)
        self.assertIn("已经收过款了，收据号 R-001", out.texts[-1])
        o = c.show(num)
        self.assertEqual(o["receipt"], "R-001")
        self.assertEqual([e["actor"] for e in o["events"] if e["action"] == "paid"],
                         ["staff:wang"])
        # A supervisor may record it for the assignee.
        _, num2 = c.file_repair(known=True)
        c.staff("wang", "/accept " + num2, "/done %s 30" % num2)
        c.staff("zhao", "/paid %s R-003" % num2)
        self.assertEqual(c.show(num2)["receipt"], "R-003")

    def test_staff_cancel_rules(self):
        c = self.c
        _, num = c.file_repair()
        out = c.staff("zhao", "/assign %s liu!" % num)
        self.assertSaw(out, "%s 已派给刘阿姨" % num)
        # A technician cannot cancel someone else's order.
        out = c.staff("wang", "/cancel %s 不需要了" % num)
        self.assertSaw(out, SUPERVISOR_ONLY)
        self.assertEqual(self.status(num), "assigned")
        # A supervisor needs a reason, and then can.
        out = c.staff("zhao", "/cancel " + num)
        self.assertSaw(out, "用法：/cancel N REASON")
        self.assertEqual(self.status(num), "assigned")
        out = c.staff("zhao", "/cancel %s 住户已自行修好" % num)
        self.assertSaw(out, "%s 已取消（住户已自行修好），已通知业主" % num)
        o = c.show(num)
        self.assertEqual(o["status"], "cancelled")
        self.assertEqual(o["reason"], "住户已自行修好")
        self.assertEqual(o["events"][-1]["actor"], "staff:zhao")
        out = c.chat("li")
        self.assertSaw(out, "已由 刘阿姨 接单", "您的工单 %s 已取消。原因：住户已自行修好" % num)
        out = c.staff("liu")
        self.assertSaw(out, "工单 %s 已派给您" % num, "工单 %s 已取消：住户已自行修好" % num)

    def test_cancel_leaves_the_residents_new_request_alone(self):
        c = self.c
        _, first = c.file_repair()
        c.staff("wang", "/accept " + first)
        # li starts a new request; the acceptance question about FIRST pauses it ...
        c.chat("li", "/clean", "家里需要打扫")
        c.staff("wang", "/done " + first)
        # ... and then FIRST is cancelled before li answers it.
        c.staff("zhao", "/cancel %s 重复登记" % first)
        out = c.chat("li")
        self.assertSaw(out, "工单 %s 已由 王师傅 报告完工" % first, "工单 %s 已取消" % first)
        # The paused request comes back as it was: at the saved-details question.
        out = c.chat("li", "yes", "明天上午", "yes")
        self.assertSaw(out, ASK_TIME, "内容：家里需要打扫", created_text(number(2), 120))
        # Cancelling an order never touches a conversation about something else.
        c.chat("li", "/ask", "物业费怎么交")
        c.staff("zhao", "/cancel %s 已电话处理" % number(2))
        out = c.chat("li", "yes", "尽快", "yes")
        self.assertSaw(out, "工单 %s 已取消" % number(2), ASK_TIME, created_text(number(3), 60))
        self.assertEqual(sorted(o["status"] for o in c.orders()),
                         ["cancelled", "cancelled", "pending"])

    def test_reassigning_tells_both_technicians(self):
        c = self.c
        _, num = c.file_repair()
        c.staff("wang", "/accept " + num)
        c.staff("wang")
        out = c.staff("zhao", "/assign %s liu!" % num)
        self.assertSaw(out, "%s 已派给刘阿姨，已通知刘阿姨和业主" % num)
        self.assertEqual(c.show(num)["assignee"], "liu")
        self.assertEqual(c.staff("wang").texts, ["工单 %s 由 刘阿姨 负责，您不能操作。" % num])
        out = c.staff("liu")
        self.assertSaw(out, "工单 %s 已派给您" % num, "工单 %s 的住户信息" % num)
        self.assertSaw(c.chat("li"), "您的工单 %s 已改由 刘阿姨 负责" % num)
        out = c.staff("wang", "/start " + num)
        self.assertSaw(out, "由 刘阿姨 负责")
        # An order past taking cannot be assigned, and nobody is told it was.
        c.staff("liu", "/cancel %s 住户不在家" % num)
        out = c.staff("zhao", "/assign %s wang" % num)
        self.assertEqual(out.texts, ["工单 %s 当前状态是“已取消”，不能这样操作。" % num])
        self.assertEqual(c.staff("wang").texts, [])
        self.assertEqual(c.show(num)["assignee"], "liu")

    def test_technician_cancels_own_order(self):
        c = self.c
        _, num = c.file_repair()
        out = c.staff("wang", "/accept " + num, "/cancel %s 住户不在家" % num)
        self.assertSaw(out, "%s 已取消（住户不在家），已通知业主" % num)
        self.assertEqual(self.status(num), "cancelled")
        self.assertSaw(c.chat("li"), "已取消。原因：住户不在家")

    def test_cancel_inside_intake_creates_nothing(self):
        c = self.c
        for word in ("取消", "cancel", "/cancel"):
            with self.subTest(word=word):
                out = c.chat("li", "/repair", "厨房水管漏水", "3-2-501", word)
                self.assertSaw(out, ASK_ROOM, ASK_NAME, "本次登记已取消")
                self.assertEqual(c.orders(), [])
                # The conversation is over: the next message starts afresh.
                out = c.chat("li", "/repair")
                self.assertSaw(out, ASK_DESCRIPTION)
                c.chat("li", "取消")
        self.assertEqual(c.orders(), [])

    # ---- 5. out of scope -----------------------------------------------------------------

    def test_out_of_scope_is_declined(self):
        c = self.c
        # (A gas leak, "燃气灶漏气", is an emergency since issue 7: see test_first_message.py.)
        out = c.chat("li", "/repair", "厨房燃气灶打不着火")
        self.assertSaw(out, ASK_DESCRIPTION,
                       "抱歉，“厨房燃气灶打不着火”不在物业便民服务范围内，我们无法受理")
        self.assertIn("燃气公司热线 96777", out.texts[-1])
        orders = c.orders()
        self.assertEqual(len(orders), 1)
        self.assertEqual(orders[0]["status"], "declined")
        self.assertEqual(orders[0]["description"], "厨房燃气灶打不着火")
        num = orders[0]["number"]
        self.assertEqual(c.events(num)[-1], "declined")
        self.assertEqual(orders[0]["category"], "repair")
        # The first message can already be out of scope.
        out = c.chat("li", "报修 家里要装修")
        self.assertIn("不在物业便民服务范围内", out.texts[0])
        self.assertIn("装修请联系有资质的装修公司", out.texts[0])
        self.assertEqual(len(c.orders("declined")), 2)
        # Declined requests are not dispatched, and the conversation is over.
        out = c.staff("wang")
        self.assertEqual(out.texts, [])
        out = c.chat("li", "/repair")
        self.assertSaw(out, ASK_DESCRIPTION)

    # ---- 6. bad answers ------------------------------------------------------------------

    def test_bad_answers_reask_then_offer_help(self):
        c = self.c
        out = c.chat("li", "/repair", "厨房水管漏水", "楼下", "3-2-501", "李伟", "123")
        self.assertSaw(out, ASK_ROOM, "这个房号我没看懂", ASK_NAME, ASK_PHONE, "这个电话号码好像不对")
        self.assertIn("例如 3-2-501", out.texts[out.index("这个房号我没看懂")])
        self.assertIn("例如 13800138000", out.texts[out.index("这个电话号码好像不对")])
        self.assertNotSaw(out, "看来不太顺利")
        out = c.chat("li", "abc", "12345")
        self.assertEqual(len(out.texts), 2, out)
        self.assertIn("这个电话号码好像不对", out.texts[-1])
        self.assertIn("看来不太顺利", out.texts[-1])
        self.assertIn("帮助", out.texts[-1])
        self.assertIn(CENTRE_PHONE, out.texts[-1])
        self.assertEqual(c.orders(), [])
        out = c.chat("li", "help")
        self.assertSaw(out, ASK_PHONE)
        out = c.chat("li", PHONE, "明天上午", "yes")
        self.assertSaw(out, ASK_TIME, SUMMARY, created_text(number(1), 30))
        o = c.show(number(1))
        self.assertEqual(o["room"], "3-2-501")
        self.assertEqual(o["phone"], PHONE)
        self.assertEqual(o["status"], "pending")

    def test_bad_summary_answer_and_back(self):
        c = self.c
        out = c.chat("li", "/repair", "厨房水管漏水", "3-2-501", "李伟", PHONE, "尽快", "等一下")
        self.assertIn("请回复“确认”提交", out.texts[-1])
        out = c.chat("li", "上一步", "明天上午", "yes")
        self.assertSaw(out, ASK_TIME, SUMMARY, created_text(number(1), 30))
        self.assertEqual(c.show(number(1))["preferred_time"], "明天上午")

    # ---- 7. a conversation across processes, and its expiry ------------------------------

    def test_intake_continues_in_a_new_process(self):
        c = self.c
        out = c.chat("li", "/repair", "厨房水管漏水", "3-2-501")
        self.assertTrue(out.texts[-1].startswith(ASK_NAME), out)
        c.later(minutes=10)
        out = c.chat("li", "李伟")
        self.assertEqual(len(out.texts), 1, out)
        self.assertTrue(out.texts[0].startswith(ASK_PHONE), out)
        out = c.chat("li", PHONE, "今天下午3点", "yes")
        self.assertSaw(out, ASK_TIME, SUMMARY, created_text(number(1), 30))
        o = c.show(number(1))
        self.assertEqual((o["room"], o["contact_name"], o["phone"]), ("3-2-501", "李伟", PHONE))

    def test_intake_expires(self):
        c = self.c
        self.abandon_intake()
        out = c.chat("li", "李伟")
        self.assertIn("上次的登记太久没有回复，已作废", out.texts[0])
        # A new conversation: the old room is forgotten and asked again.
        self.assertNotSaw(out, ASK_PHONE)
        self.assertSaw(out, ASK_ROOM)
        out, num = c.file_repair()
        self.assertNotSaw(out, "已作废")
        self.assertSaw(out, created_text(number(1), 30))
        self.assertEqual(len(c.orders()), 1)
        self.assertEqual(c.show(num)["contact_name"], "李伟")

    def test_expired_intake_told_even_when_restarting_with_a_trigger(self):
        c = self.c
        self.abandon_intake()
        out = c.chat("li", "/clean")
        self.assertIn("已作废", out.texts[0])
        self.assertSaw(out, "登记保洁服务", ASK_DESCRIPTION)

    # ---- 8. a known resident -------------------------------------------------------------

    def test_known_resident_saved_details(self):
        c = self.c
        c.file_repair()
        out = c.chat("li", "/repair", "卫生间灯不亮了")
        self.assertSaw(out, ASK_SAVED)
        saved = out.texts[-1]
        self.assertIn("联系人：李伟", saved)
        self.assertIn("房号：3-2-501", saved)
        self.assertIn(MASKED, saved)
        self.assertNotIn(PHONE, saved)
        self.assertEqual(out.messages[-1].buttons, [("是", "yes"), ("否", "no")])
        out = c.chat("li", "yes")
        self.assertEqual(len(out.texts), 1)
        self.assertTrue(out.texts[0].startswith(ASK_TIME), out)
        out = c.chat("li", "明天上午", "yes")
        self.assertSaw(out, SUMMARY, created_text(number(2), 30))
        o = c.show(number(2))
        self.assertEqual((o["room"], o["contact_name"], o["phone"]), ("3-2-501", "李伟", PHONE))
        self.assertEqual(o["item"], "electric")

    def test_known_resident_declines_saved_details(self):
        c = self.c
        c.file_repair()
        out = c.chat("li", "/repair", "卫生间灯不亮了", "否", "6-1-101", "李伟", "13911112222",
                     "明天上午", "yes")
        self.assertSaw(out, ASK_SAVED, ASK_ROOM, ASK_NAME, ASK_PHONE, ASK_TIME, SUMMARY,
                       created_text(number(2), 30))
        o = c.show(number(2))
        self.assertEqual((o["room"], o["phone"]), ("6-1-101", "13911112222"))

    # ---- 9. details in the first message -------------------------------------------------

    def test_details_in_first_message(self):
        c = self.c
        out = c.chat("li", "报修 3-2-501 厨房漏水 13800138000")
        self.assertNotSaw(out, ASK_ROOM)
        self.assertNotSaw(out, ASK_DESCRIPTION)
        self.assertSaw(out, ASK_NAME)
        out = c.chat("li", "李伟")
        self.assertEqual(len(out.texts), 1)
        self.assertTrue(out.texts[0].startswith(ASK_TIME), out)
        out = c.chat("li", "尽快", "yes")
        self.assertSaw(out, SUMMARY, created_text(number(1), 30))
        o = c.show(number(1))
        self.assertEqual(o["room"], "3-2-501")
        self.assertEqual(o["phone"], PHONE)
        self.assertEqual(o["description"], "厨房漏水")
        self.assertEqual(o["category"], "repair")
        self.assertEqual(o["item"], "water")

    # ---- 10. who may do what -------------------------------------------------------------

    def test_staff_only_commands(self):
        c = self.c
        _, num = c.file_repair()
        for cmd in ("/accept " + num, "/done %s 50" % num, "/assign %s wang" % num,
                    "/paid %s R-1" % num, "/eta %s 15:00" % num, "接单 " + num):
            with self.subTest(cmd=cmd):
                out = c.chat("li", cmd)
                self.assertEqual(out.texts, [STAFF_ONLY + "。"])
        # "/orders" from a resident lists their own orders, as "/my" does: nobody else's.
        out = c.chat("li", "/orders")
        self.assertEqual(len(out.texts), 1)
        self.assertIn(num, out.texts[0])
        self.assertIn("您还没有工单", c.chat("zhang", "/orders").texts[0])
        # "/start" from a resident is how Telegram opens a private chat: never work started.
        c.chat("li", "/start " + num)
        o = c.show(num)
        self.assertEqual(o["status"], "pending")
        self.assertIsNone(o["assignee"])
        self.assertEqual(c.events(num), ["created"])

        out = c.staff("wang", "/assign %s wang" % num)
        self.assertSaw(out, SUPERVISOR_ONLY)
        self.assertEqual(self.status(num), "pending")

        out = c.staff("zhao", "/assign %s wang" % num)
        self.assertSaw(out, PING + num, "%s 已派给王师傅" % num)
        o = c.show(num)
        self.assertEqual((o["status"], o["assignee"]), ("assigned", "wang"))
        self.assertEqual(o["events"][-1]["action"], "assigned")
        self.assertEqual(o["events"][-1]["actor"], "staff:zhao")
        out = c.staff("wang")
        self.assertSaw(out, "工单 %s 已派给您" % num)
        self.assertSaw(out, "工单 %s 的住户信息" % num)
        self.assertIn(PHONE, out.texts[out.index("的住户信息")])
        self.assertSaw(c.chat("li"), "您的工单 %s 已由 王师傅 接单" % num)
        # Staff see the open orders; a stranger to the staff list is a resident.
        out = c.staff("wang", "/orders")
        self.assertIn(num, out.texts[0])
        self.assertIn("已接单", out.texts[0])

    def test_another_technician_cannot_act_on_wangs_order(self):
        c = self.c
        _, num = c.file_repair()
        c.staff("wang", "/accept " + num)
        out = c.staff("liu", "/start " + num, "/done %s 10" % num, "/accept " + num)
        self.assertEqual(out.texts.count("工单 %s 由 王师傅 负责，您不能操作。" % num), 3, out)
        self.assertEqual(self.status(num), "assigned")

    # ---- 11. a low rating ----------------------------------------------------------------

    def test_low_rating_alerts_supervisor(self):
        c = self.c
        _, num = c.file_repair()
        self.take_and_finish(num, fee=50)
        c.staff("zhao")  # read the dispatch ping
        out = c.chat("li", "yes", "2", "师傅迟到了一个小时")
        self.assertSaw(out, ASK_RATING, ASK_COMMENT, "感谢您的反馈")
        out = c.staff("zhao")
        self.assertSaw(out, "【低分提醒】工单 %s 评分 2 分，负责人 王师傅" % num)
        self.assertIn("师傅迟到了一个小时", out.texts[-1])
        # Once, with the comment: not again at the rating.
        self.assertEqual(sum("【低分提醒】" in t for t in out.texts), 1, out)
        o = c.show(num)
        self.assertEqual(o["rating"], 2)
        self.assertEqual(o["comment"], "师傅迟到了一个小时")
        # The alert is in the history too: that is how it goes out once.
        self.assertEqual(c.events(num)[-3:], ["rated", "commented", "low_rating_alert"])

    def test_fair_rating_does_not_alert(self):
        c = self.c
        _, num = c.file_repair()
        self.take_and_finish(num)
        c.staff("zhao")
        c.chat("li", "yes", "3", "skip")
        self.assertEqual(c.staff("zhao").texts, [])
        self.assertEqual(c.show(num)["rating"], 3)

    # ---- 12. fees, prices and the resident's list ----------------------------------------

    def test_fee_and_payment(self):
        c = self.c
        _, num = c.file_repair()
        out = c.staff("wang", "/accept " + num, "/paid %s R-000" % num)
        self.assertSaw(out, "工单 %s 还没有记录费用，请先用 /done 记录" % num)
        o = c.show(num)
        self.assertIs(o["paid"], False)
        self.assertIsNone(o["receipt"])
        out = c.staff("wang", "/done %s 三十" % num)
        self.assertSaw(out, "费用“三十”不是有效金额")
        self.assertEqual(self.status(num), "assigned")
        out = c.staff("wang", "/done %s 35.5" % num, "/paid %s R-001" % num)
        self.assertSaw(out, "%s 已报完工，费用 35.5 元" % num,
                       "%s 已收款 35.5 元，收据号 R-001" % num)
        o = c.show(num)
        self.assertEqual(o["fee"], 35.5)
        self.assertIs(o["paid"], True)
        self.assertEqual(o["receipt"], "R-001")
        self.assertIsNotNone(o["paid_at"])
        self.assertIn("paid", [e["action"] for e in o["events"]])
        out = c.chat("li")
        self.assertSaw(out, "报告完工，费用 35.5 元", "工单 %s 已收款 35.5 元，收据号 R-001" % num)

    def test_prices_and_my_orders(self):
        c = self.c
        out = c.chat("li", "/my")
        self.assertEqual(len(out.texts), 1)
        self.assertIn("您还没有工单", out.texts[0])
        out = c.chat("li", "/prices")
        self.assertEqual(len(out.texts), 1)
        prices = out.texts[0]
        self.assertTrue(prices.startswith("服务价目表："), prices)
        for item in example_config()["catalogue"]:
            price = item["price"]["zh-CN"] if isinstance(item["price"], dict) else item["price"]
            self.assertIn("%s：%s" % (item["name"]["zh-CN"], price), prices)
        self.assertEqual(c.chat("li", "价格").texts, [prices])

        _, first = c.file_repair()
        _, second = c.file_repair(lines=["/clean", "家里需要打扫", "yes", "明天上午", "yes"])
        c.staff("wang", "/accept " + first)
        c.chat("li")
        out = c.chat("li", "/my")
        self.assertEqual(len(out.texts), 1)
        mine = out.texts[0]
        self.assertTrue(mine.startswith("您的工单："), mine)
        line1 = [ln for ln in mine.split("\n") if first in ln]
        line2 = [ln for ln in mine.split("\n") if second in ln]
        self.assertEqual(len(line1), 1, mine)
        self.assertEqual(len(line2), 1, mine)
        self.assertIn("已接单", line1[0])
        self.assertIn("厨房水管漏水", line1[0])
        self.assertIn("待接单", line2[0])
        self.assertIn("保洁", line2[0])
        self.assertEqual(c.chat("li", "我的工单").texts, [mine])
        # Someone else's list does not show li's orders.
        self.assertIn("您还没有工单", c.chat("zhang", "/my").texts[0])

    # ---- more of the same life: paused intakes, languages, odd input ---------------------

    def test_acceptance_pauses_an_intake_in_progress(self):
        c = self.c
        _, num = c.file_repair()
        c.staff("wang", "/accept " + num)
        out = c.chat("li", "/clean", "家里需要打扫")
        self.assertTrue(out.texts[-1].startswith(ASK_SAVED), out)
        c.staff("wang", "/done %s 50" % num)
        out = c.chat("li", "满意", "5", "跳过")
        self.assertSaw(out, "报告完工，费用 50 元", ASK_RATING, ASK_COMMENT,
                       "工单 %s 已完成" % num, "我们接着刚才的登记")
        self.assertIn(ASK_SAVED, out.texts[-1])
        self.assertEqual(self.status(num), "closed")
        self.assertEqual(c.show(num)["rating"], 5)
        out = c.chat("li", "yes", "明天上午", "yes")
        self.assertSaw(out, ASK_TIME, "内容：家里需要打扫", created_text(number(2), 120))
        o = c.show(number(2))
        self.assertEqual((o["category"], o["status"]), ("cleaning", "pending"))

    def test_two_orders_done_before_the_resident_answers(self):
        c = self.c
        _, first = c.file_repair()
        _, second = c.file_repair(lines=["/repair", "门锁坏了", "yes", "尽快", "yes"])
        c.staff("wang", "/accept " + first, "/accept " + second, "/done %s 30" % first,
                "/done %s 80" % second)
        out = c.chat("li", "yes", "5", "skip")
        self.assertSaw(out, "工单 %s 已由 王师傅 报告完工" % first,
                       "工单 %s 已由 王师傅 报告完工" % second, ASK_RATING,
                       "工单 %s 已完成" % second, "您的工单 %s 已由 王师傅 报告完工" % first)
        self.assertTrue(out.texts[-1].startswith("您的工单 %s" % first), out)
        out = c.chat("li", "no")
        self.assertSaw(out, "已通知师傅返工，工单 %s" % first)
        self.assertEqual((self.status(first), self.status(second)), ("rework", "closed"))
        self.assertEqual(c.show(second)["rating"], 5)

    def test_english_resident(self):
        c = self.c
        out = c.chat("li", "/lang en", "/repair", "kitchen tap is leaking", "3-2-501", "Li Wei",
                     PHONE, "tomorrow morning", "yes")
        self.assertSaw(out, "OK, I'll speak English", "Which flat is it?", "What name",
                       "A phone number", "When would suit you?", "Please check your request",
                       "Registered as order %s" % number(1))
        num = number(1)
        self.assertEqual(c.show(num)["item"], "water")
        c.staff("wang", "/accept " + num, "/eta %s 明天上午9点" % num, "/done %s 50" % num)
        out = c.chat("li", "no")
        self.assertSaw(out, "王师傅 has taken your order %s" % num,
                       "王师傅 plans to visit for order %s at Sat 28 Nov 09:00" % num,
                       "reports order %s as done, fee 50 yuan" % num, "Sorry it isn't fixed")
        self.assertEqual(self.status(num), "rework")
        # Staff hear it in the centre's language.
        self.assertIn("【返工】", c.staff("wang").texts[0])
        out = c.chat("li", "/my")
        self.assertIn("rework", out.texts[0])

    def test_dispatch_ping_reaches_those_with_the_skill(self):
        """A cleaning job pings the cleaner and the supervisor, not the plumber;
        a plumbing job the plumber, not the cleaner."""
        c = self.c
        c.chat("li", "/clean", "家里需要打扫一下", "3-2-501", "李伟", PHONE, "明天上午", "确认")
        clean = number(1)
        c.chat("li", "/repair", "厨房水管漏水", "是", "尽快", "确认")
        leak = number(2)
        wang = " ".join(c.staff("wang").texts)
        liu = " ".join(c.staff("liu").texts)
        zhao = " ".join(c.staff("zhao").texts)
        self.assertIn(leak, wang)
        self.assertNotIn(clean, wang)
        self.assertIn(clean, liu)
        self.assertNotIn(leak, liu)
        self.assertIn(clean, zhao)
        self.assertIn(leak, zhao)
        # Anyone on the staff list may still take it.
        out = c.staff("wang", "/accept " + clean)
        self.assertIn("%s 已由王师傅接单" % clean, out.texts[-1])

    def test_lists_cut_long_descriptions_cleanly(self):
        c = self.c
        desc = "1号厨房水管漏水很严重已经流到客厅了地板都泡了请尽快来修理谢谢师傅A栋B座维修前请先打电话联系我"
        self.assertGreater(len(desc), 40)
        c.chat("li", "/repair", desc, "3-2-501", "李伟", PHONE, "尽快", "yes")
        self.assertEqual(c.show(number(1))["description"], desc)
        out = c.chat("li", "/my")
        self.assertEqual(len(out.texts), 1, out)
        self.assertIn(number(1), out.texts[0])
        self.assertIn(desc[:20], out.texts[0])
        # Cut at 40 characters, never inside one.
        self.assertIn(desc[:40], out.texts[0])
        self.assertNotIn(desc[:41], out.texts[0])
        out = c.staff("wang", "/orders")
        self.assertIn(number(1), out.texts[-1])
        self.assertIn("3-2-501", out.texts[-1])
        self.assertIn(desc[:40], out.texts[-1])
        self.assertNotIn(desc[:41], out.texts[-1])

    def test_bytes_that_are_not_utf8(self):
        c = self.c
        _, num = c.file_repair()
        c.staff("wang", "/accept " + num)
        # A terminal in GBK: the reason after the number is not UTF-8.
        line = ("/cancel %s " % num).encode() + "住户不在".encode("gbk") + b"\n"
        out = c.run("chat", "--as", "staff:wang", input=line)
        self.assertIn("%s 已取消（" % num, out.stdout)
        o = c.show(num)
        self.assertEqual(o["status"], "cancelled")
        out = c.chat("li")
        notice = out.texts[out.index("已取消")]
        self.assertIn("您的工单 %s 已取消。原因：" % num, notice)
        # The broken bytes became "?", so the reason survived instead of going out empty.
        self.assertIn("?", o["reason"])
        self.assertIn("原因：" + o["reason"], notice)

    def test_wrong_state_and_unknown_orders(self):
        c = self.c
        _, num = c.file_repair()
        out = c.staff("wang", "/start " + num, "/done " + num, "/eta %s 15:00" % num,
                      "/accept 261127-999", "/accept", "/frobnicate", "你好")
        self.assertSaw(out, "工单 %s 当前状态是“待接单”，不能这样操作" % num)
        self.assertEqual(sum("当前状态是“待接单”" in t for t in out.texts), 3, out)
        self.assertSaw(out, "找不到工单 261127-999", "用法：/accept N", "不认识的命令 /frobnicate",
                       "员工命令")
        self.assertEqual(c.events(num), ["created"])
        # Numbers may be quoted without the dash.
        out = c.staff("wang", "/accept " + num.replace("-", ""))
        self.assertSaw(out, "%s 已由王师傅接单" % num)
        out = c.staff("wang", "/accept " + num)
        self.assertSaw(out, "当前状态是“已接单”")

    def test_numbers_start_again_each_day(self):
        c = self.c
        _, first = c.file_repair()
        c.later(days=1)
        _, second = c.file_repair(known=True)
        self.assertEqual((first, second), (number(1), "261128-001"))
        c.later(minutes=1)
        _, third = c.file_repair(known=True)
        self.assertEqual(third, "261128-002")

    # ---- 13. the clock: escalation and auto-close ----------------------------------------

    def test_escalation_once(self):
        c = self.c
        _, num = c.file_repair()  # promised within 30 minutes
        c.staff("zhao")
        c.later(minutes=29)
        self.assertEqual(c.staff("zhao").texts, [])
        c.later(minutes=2)
        c.chat("li", "/my")  # any process does the time-driven work
        out = c.staff("zhao")
        self.assertEqual(len(out.texts), 1, out)
        self.assertIn("【超时未接单】工单 %s 已超过承诺的 30 分钟仍无人接单" % num, out.texts[0])
        self.assertIn("3-2-501", out.texts[0])
        c.later(hours=2)
        self.assertEqual(c.staff("zhao").texts, [])
        self.assertEqual(c.events(num).count("escalated"), 1)
        self.assertEqual(self.status(num), "pending")
        # Taken orders are not escalated.
        _, taken = c.file_repair(known=True)
        c.staff("wang", "/accept " + taken)
        c.staff("zhao")
        c.later(hours=1)
        self.assertEqual(c.staff("zhao").texts, [])
        self.assertNotIn("escalated", c.events(taken))

    def test_auto_close_after_acceptance_days(self):
        c = self.c
        _, num = c.file_repair()
        self.take_and_finish(num, fee=50)
        c.later(days=2)
        c.staff("wang")
        self.assertEqual(self.status(num), "awaiting_acceptance")
        c.later(days=1, minutes=1)
        c.staff("wang")
        o = c.show(num)
        self.assertEqual(o["status"], "closed")
        self.assertIsNotNone(o["closed_at"])
        self.assertEqual(o["events"][-1]["action"], "auto_closed")
        self.assertEqual(o["events"][-1]["actor"], "system")
        self.assertIsNone(o["rating"])
        out = c.chat("li")
        self.assertSaw(out, ASK_ACCEPT, "工单 %s 验收期已过，系统已自动完成" % num)
        # The acceptance question is gone: a later "yes" changes nothing.
        c.chat("li", "yes")
        self.assertEqual(c.events(num)[-1], "auto_closed")
        self.assertIsNone(c.show(num)["rating"])


if __name__ == "__main__":
    unittest.main()
