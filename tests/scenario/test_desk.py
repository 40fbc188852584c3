"""The service centre's desk: requests taken down for residents who phoned or
came in (/new), staff on and off duty (/off, /on, working hours), and work
given to a partner company (/assign N PARTNER), through real `concierge chat`
processes with the clock moved between them.

What is asserted is what the people involved would see: the desk's
confirmation, the resident's notices (when a chat knows their phone), the
technicians' pings, and `orders show N --json`.
"""
import unittest

from concierge import README_INTAKE, ConciergeCase, example_config, number

PING = "【新工单】"
NOBODY = "【无人在岗】"
STAFF_ONLY = "抱歉，这个命令仅限服务中心工作人员使用"
SUPERVISOR_ONLY = "这个操作需要主管或调度员权限"
ONE_LINE = "/new 电话 3栋2单元501 王先生 13812345678 马桶堵了 明天上午"


def with_hours(cfg, staff_id, hours):
    for s in cfg["staff"]:
        if s["id"] == staff_id:
            s["hours"] = hours
    return cfg


def pings(chat, num):
    return [t for t in chat.texts if t.startswith(PING) and num in t]


class DeskIntake(ConciergeCase):
    def test_step_by_step(self):
        c = self.c
        out = c.staff("wang", "/new", "厨房水管漏水", "3-2-501", "李伟", "13800138000",
                      "今天下午3点", "yes")
        self.assertSaw(out, "代业主登记（前台登记）", "业主需要什么服务", "业主的房号",
                       "业主怎么称呼", "业主的联系电话", "业主希望什么时间",
                       "请核对代登记的需求（前台登记）", "电话：13800138000",
                       "已代业主登记，工单号 %s（前台登记），承诺 30 分钟内响应" % number(1))
        # Nobody reads this phone by chat: the desk is told to call.
        self.assertSaw(out, "通知请电话联系 李伟 13800138000")
        o = self.assertOrder(number(1), status="pending", category="repair", room="3-2-501",
                             contact_name="李伟", phone="13800138000",
                             preferred_time="今天下午3点", intake="desk", source="desk",
                             taken_by="wang", resident=None)
        created = [e for e in o["events"] if e["action"] == "created"][0]
        self.assertEqual((created["actor"], created["via"]), ("staff:wang", "desk"))
        self.assertIn("desk_intake", [e["action"] for e in o["events"]])
        # The staff member's own details were never offered, nor saved.
        self.assertNotSaw(out, "使用上次登记的信息吗")
        again = c.staff("liu", "/new 保洁", "5-1-302", "周女士", "13900139000", "尽快", "yes")
        self.assertNotSaw(again, "使用上次登记的信息吗")

    def test_one_line_asks_only_what_is_missing(self):
        c = self.c
        out = c.staff("zhao", ONE_LINE, "确认")
        self.assertEqual(len([t for t in out.texts if t.startswith("业主")]), 0, out)
        self.assertSaw(out, "请核对代登记的需求（电话报修）", "联系人：王先生",
                       "已代业主登记，工单号 %s（电话报修）" % number(1))
        self.assertOrder(number(1), source="phone", taken_by="zhao", room="3-2-501",
                         contact_name="王先生", phone="13812345678", preferred_time="明天上午")
        # The plumber's ping, with the number masked as always.
        ping = pings(c.staff("wang"), number(1))
        self.assertEqual(len(ping), 1)
        self.assertIn("138****5678", ping[0])
        # Only the name missing: only the name asked.
        out = c.staff("zhao", "/new 现场 5-1-302 13900139000 楼道灯不亮 尽快")
        self.assertEqual(out.texts[-1], "代业主登记（现场报修）。\n业主怎么称呼？例如：王先生。")

    def test_back_and_cancel(self):
        c = self.c
        out = c.staff("wang", "/new 电话", "楼道灯不亮", "back", "厨房漏水", "取消")
        self.assertSaw(out, "业主需要什么服务", "业主的房号", "业主需要什么服务", "业主的房号",
                       "代登记已取消，没有生成工单")
        self.assertEqual(c.orders(), [])

    def test_residents_may_not(self):
        out = self.c.chat("li", "/new 3-2-501 漏水")
        self.assertSaw(out, STAFF_ONLY)
        # 下班 from a resident is their words, not a duty command.
        out = self.c.chat("li", "下班")
        self.assertNotSaw(out, STAFF_ONLY)

    def test_known_resident_hears_by_chat(self):
        c = self.c
        c.file_repair("li")  # saves 李伟 13800138000 with li's chat
        out = c.staff("wang", "/new 现场 3-2-501 李先生 13800138000 卫生间灯不亮 尽快", "yes")
        num = number(2)
        self.assertSaw(out, "已代业主登记，工单号 %s（现场报修）" % num,
                       "业主会在 terminal 上收到工单号和进度通知")
        o = self.assertOrder(num, resident="terminal:resident:li", source="walk-in",
                             intake="desk", taken_by="wang")
        self.assertEqual(o["resident_id"], c.show(number(1))["resident_id"])
        li = c.chat("li")
        self.assertSaw(li, "服务中心已为您登记工单 %s（现场报修）：卫生间灯不亮" % num)
        c.staff("wang", "/accept " + num, "/done " + num)
        li = c.chat("li", "yes", "5", "skip")
        self.assertSaw(li, "已由 王师傅 接单", "问题解决了吗")
        self.assertEqual(c.show(num)["status"], "closed")
        self.assertSaw(c.chat("li", "/my"), num, number(1))

    def test_no_chat_staff_phone(self):
        c = self.c
        c.staff("wang", ONE_LINE, "yes")
        num = number(1)
        out = c.staff("wang", "/accept " + num)
        self.assertSaw(out, "%s 已由王师傅接单" % num,
                       "提示：工单 %s 的业主没有聊天渠道，以上情况请电话告知 王先生 13812345678" % num)
        out = c.staff("wang", "/reply %s 明天上午九点到" % num)
        self.assertSaw(out, "无法在线留言或报价，请电话联系 王先生 13812345678")
        # A fee agreed on the phone is recorded as agreed, so it can be charged.
        out = c.staff("wang", "/quote %s 80 更换马桶配件" % num, "/done %s 80" % num)
        self.assertSaw(out, "已记录为业主电话同意的费用 80 元", "%s 已报完工" % num, "提示：工单")
        o = self.assertOrder(num, status="awaiting_acceptance", fee=80)
        self.assertEqual([e["action"] for e in o["events"] if e["action"].startswith("quote")],
                         ["quoted", "quote_agreed"])
        # Nothing waits for a resident nobody can reach.
        self.assertEqual([m for m in c.outbox() if m["chat"] in ("", "resident:")], [])
        # Unanswered, it closes by itself like any other.
        c.later(days=4)
        c.staff("wang", "/orders")
        self.assertEqual(c.show(num)["status"], "closed")

    def test_emergency_taken_down(self):
        c = self.c
        out = c.staff("wang", "/new 电话 3-2-501 李先生 13812345678 厨房燃气泄漏 尽快", "yes")
        num = number(1)
        self.assertSaw(out, "已代业主登记，工单号 %s（电话报修），承诺 15 分钟内响应" % num,
                       "【紧急】工单 %s 已按紧急处理" % num, "燃气抢修 96777")
        self.assertOrder(num, urgent=True, category="repair")
        self.assertSaw(c.staff("zhao"), "紧急")

    def test_out_of_scope_is_counted(self):
        c = self.c
        out = c.staff("wang", "/new 电话 3-2-501 李先生 13812345678 想改水电 尽快")
        self.assertSaw(out, "已记录为不予受理（工单 %s），请告知业主：燃气问题请拨打" % number(1))
        self.assertOrder(number(1), status="declined", source="phone", taken_by="wang")


class Duty(ConciergeCase):
    def setUp(self):
        super().setUp()
        self.c.write_config(with_hours(example_config(), "wang", "08:00-18:00"))

    def test_off_and_on(self):
        c = self.c
        out = c.staff("wang", "下班")
        self.assertSaw(out, "您已下班（11月28日 08:00 自动恢复在岗），期间不会收到派单通知")
        c.file_repair("li")
        num = number(1)
        self.assertEqual(pings(c.staff("wang"), num), [])
        zhao = c.staff("zhao", "/staff")
        self.assertEqual(len(pings(zhao, num)), 1)
        self.assertSaw(zhao, NOBODY + "工单 %s（维修）需要技能 plumbing" % num,
                       "可派合作单位：恒通水电维修 (hengtong)")
        self.assertSaw(zhao, "王师傅 (wang) · 技工 · plumbing, electrical, carpentry · 下班 · "
                             "自行标记（至 11月28日 08:00）")
        self.assertIn("nobody_on_duty", c.events(num))
        out = c.staff("wang", "/on")
        self.assertSaw(out, "您已在岗（至 11月27日 18:00），会收到派单通知")
        c.file_repair("li", known=True)
        self.assertEqual(len(pings(c.staff("wang"), number(2))), 1)
        self.assertNotIn("nobody_on_duty", c.events(number(2)))

    def test_working_hours(self):
        c = self.c
        c.later(hours=10)  # 19:00: after wang's hours
        self.assertSaw(c.staff("zhao", "/staff"), "王师傅 (wang) · 技工 · plumbing, electrical, "
                                                "carpentry · 下班 · 今日 08:00-18:00")
        c.file_repair("li")
        self.assertEqual(pings(c.staff("wang"), number(1)), [])
        self.assertSaw(c.staff("zhao"), NOBODY + "工单 %s" % number(1))
        c.later(hours=13, minutes=30)  # 08:30 the next morning
        c.file_repair("li", known=True)
        self.assertEqual(len(pings(c.staff("wang"), number(1, day="261128"))), 1)
        # Overtime: on duty after hours, until the next shift ends.
        c.later(hours=11)  # 19:30
        self.assertSaw(c.staff("wang", "/on"), "您已在岗（至 11月29日 18:00）")
        c.file_repair("li", known=True)
        self.assertEqual(len(pings(c.staff("wang"), number(2, day="261128"))), 1)

    def test_off_until_a_time(self):
        c = self.c
        self.assertSaw(c.staff("wang", "/off 后天上午"), "（11月29日 09:00 自动恢复在岗）")
        c.later(days=1)  # the next morning, within his hours: still off
        c.file_repair("li")
        self.assertEqual(pings(c.staff("wang"), number(1, day="261128")), [])
        self.assertSaw(c.staff("wang", "/off 昨天"), "这个时间没看懂或已经过去了")

    def test_no_hours_off_until_on(self):
        c = self.c
        self.assertSaw(c.staff("liu", "/off"),
                       "您已下班，期间不会收到派单通知；发 /on 或“上班”恢复在岗。")
        c.later(days=3)
        self.assertSaw(c.staff("zhao", "/staff"), "刘阿姨 (liu) · 技工 · cleaning · 下班 · 自行标记")
        self.assertSaw(c.staff("liu", "上班"), "您已在岗，会收到派单通知。")

    def test_supervisor_marks_others_and_assigns_with_bang(self):
        c = self.c
        self.assertSaw(c.staff("zhao", "/off wang"), "王师傅已下班")
        self.assertSaw(c.staff("liu", "/off wang"), SUPERVISOR_ONLY)
        c.file_repair("li")
        num = number(1)
        self.assertSaw(c.staff("zhao", "/assign %s wang" % num),
                       "王师傅现在不在岗。确要派给王师傅，请发 /assign %s wang!" % num)
        self.assertIsNone(c.show(num)["assignee"])
        self.assertSaw(c.staff("zhao", "/assign %s wang!" % num), "%s 已派给王师傅" % num)
        self.assertEqual(c.show(num)["assignee"], "wang")

    def test_complaint_goes_to_a_supervisor_on_duty(self):
        cfg = example_config()
        cfg["staff"].append({"id": "sun", "name": "孙主管", "role": "supervisor"})
        self.c.write_config(cfg)
        self.c.staff("zhao", "/off")
        self.c.chat("li", "投诉 楼上装修太吵了")
        self.assertEqual(self.c.orders()[0]["assignee"], "sun")


class Partners(ConciergeCase):
    def reachable(self):
        cfg = example_config()
        cfg["partners"][0]["contact"] = {"channel": "terminal", "chat": "partner:hengtong"}
        self.c.write_config(cfg)

    def partner_rows(self):
        """What waits for the partner's contact, newest first."""
        return [m["payload"]["text"] for m in self.c.outbox()
                if (m["channel"], m["chat"]) == ("terminal", "partner:hengtong")]

    def test_assign_by_phone_and_record_progress(self):
        c = self.c
        c.file_repair("li")
        num = number(1)
        out = c.staff("zhao", "/assign %s hengtong" % num)
        self.assertSaw(out, "%s 已派给合作单位恒通水电维修，已发送派工单并通知业主" % num,
                       "合作单位恒通水电维修收不到聊天消息（渠道未启用），请电话派工：0571-88880002")
        o = self.assertOrder(num, status="assigned", assignee="hengtong")
        sent = [e for e in o["events"] if e["action"] == "work_order_sent"]
        self.assertEqual(sent[0]["detail"], "by phone")
        self.assertSaw(c.chat("li"), "已由 恒通水电维修 接单")
        # The technician cannot touch it; the dispatcher records the partner's progress.
        self.assertSaw(c.staff("wang", "/start " + num), "恒通水电维修")
        out = c.staff("zhao", "/eta %s 明天上午9点" % num, "/start " + num, "/done %s 50" % num)
        self.assertSaw(out, "%s 上门时间定为" % num, "%s 已开工" % num, "%s 已报完工" % num)
        li = c.chat("li", "yes", "5", "skip")
        self.assertSaw(li, "恒通水电维修 预计", "恒通水电维修 已开始处理")
        self.assertOrder(num, status="closed", assignee="hengtong", fee=50, rating=5)
        self.assertSaw(c.staff("zhao", "/staff"), "合作单位：", "恒通水电维修 (hengtong) · "
                                                "plumbing, electrical · 0571-88880002")

    def test_work_order_rework_cancel_reassign(self):
        c = self.c
        self.reachable()
        c.file_repair("li")
        num = number(1)
        self.assertNotSaw(c.staff("zhao", "/assign %s hengtong" % num), "请电话派工")
        work = self.partner_rows()
        self.assertEqual(len(work), 1)
        self.assertIn("【派工单】阳光花园 工单 %s" % num, work[0])
        self.assertIn("电话：13800138000", work[0])  # they must call the resident
        self.assertIn("0571-88886666", work[0])
        # Not fixed: the partner and the supervisors hear.
        c.staff("zhao", "/done " + num)
        c.chat("li", "no")
        self.assertIn("业主反馈问题未解决，需要返工", self.partner_rows()[0])
        self.assertSaw(c.staff("zhao"), "返工")
        # Taken off it, and cancelled: told not to go.
        c.staff("zhao", "/assign %s wang" % num)
        self.assertIn("已改派他人，请不要上门", self.partner_rows()[0])
        c.file_repair("li", known=True)
        num2 = number(2)
        c.staff("zhao", "/assign %s hengtong" % num2, "/cancel %s 业主自行修好" % num2)
        self.assertIn("工单 %s 已取消（业主自行修好），请不要上门" % num2, self.partner_rows()[0])

    def test_skill_checked(self):
        c = self.c
        c.chat("li", "/clean", "家里需要打扫", "3-2-501", "李伟", "13800138000", "明天上午", "yes")
        num = number(1)
        self.assertSaw(c.staff("zhao", "/assign %s hengtong" % num), "cleaning")
        self.assertIsNone(c.show(num)["assignee"])
        self.assertSaw(c.staff("zhao", "/assign %s hengtong!" % num), "已派给合作单位")


class Config(ConciergeCase):
    def test_bad_keys_refused_with_path(self):
        cfg = example_config()
        cfg["staff"][0]["hours"] = "8点到18点"
        cfg["partners"][0]["id"] = "zhao"
        del cfg["partners"][0]["phone"]
        cfg["partners"][0]["contact"] = {"channel": "fax", "chat": "1"}
        self.c.write_config(cfg)
        res = self.c.run("check-config", rc=None)
        self.assertNotEqual(res.rc, 0)
        for line in ('staff[0].hours: "8点到18点": expected HH:MM-HH:MM (or "off")',
                     'partners[0].id: "zhao" already used by a staff member',
                     'partners[0].contact.channel: no channel "fax" in this build'):
            self.assertIn(self.c.config_path + ": " + line, res.stderr)


if __name__ == "__main__":
    unittest.main()
