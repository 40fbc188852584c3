"""Promises, quiet hours, reminders and auto-close, driven by the movable
clock of a running gateway, each across a restart.

A resident and staff talk through the terminal channel (`concierge chat`)
against the gateway's database; the gateway is stopped and started again on
the same database, the clock is moved, and what the gateway's timers did is
read from the orders' histories and from what people see.
"""
import unittest

from concierge import ConciergeCase, example_config
from timers import TimersCase, intake, local

LATE_RESPONSE = "未能在承诺的 30 分钟内安排师傅。已升级给赵主管，赵主管会尽快安排并与您联系"
ESCALATED = "【超时未接单】"
QUIET = {"quiet_hours": "21:30-08:00"}


class Promises(TimersCase):
    def test_response_promise_counts_business_hours_across_restarts(self):
        gw = self.gateway(local(0, 19, 50), business_hours="08:00-20:00")
        num, seen = self.file(gw)
        self.assertSeen(seen, "我们承诺 30 分钟内响应")
        self.assertNotSeen(seen, "下班时间")

        # 40 minutes later, but only 10 of them in business hours: not late yet.
        self.restart(gw)
        gw.advance(40 * 60)
        self.quiet()
        self.assertNotIn("escalated", self.events(gw, num))
        # The next morning at 08:15: 25 business minutes.
        gw.advance(local(1, 8, 15) - gw.now())
        self.quiet()
        self.assertNotIn("escalated", self.events(gw, num))

        # Restarted, then the clock moves past 08:20: the gateway escalates, once.
        self.restart(gw)
        gw.advance(6 * 60)
        self.wait_event(gw, num, "escalated")
        li = self.chat(gw, "resident:li")
        self.assertSeen(li, "您的工单 %s %s" % (num, LATE_RESPONSE))
        zhao = self.chat(gw, "staff:zhao")
        self.assertSeen(zhao, "%s工单 %s 已超过承诺的 30 分钟仍无人接单" % (ESCALATED, num))

        self.restart(gw)
        gw.advance(3600)
        self.quiet()
        self.assertEqual(self.events(gw, num).count("escalated"), 1)
        self.assertEqual(self.chat(gw, "resident:li"), [])
        self.assertNotSeen(self.chat(gw, "staff:zhao"), ESCALATED)

    def test_completion_promise_across_restart(self):
        gw = self.gateway(local(0, 9, 0))
        num, _ = self.file(gw)
        self.chat(gw, "staff:wang", "/accept " + num)
        self.chat(gw, "resident:li")
        self.chat(gw, "staff:zhao")

        self.restart(gw)
        gw.advance(23 * 3600 + 50 * 60)
        self.quiet()
        self.assertNotIn("completion_overdue", self.events(gw, num))
        self.restart(gw)
        gw.advance(11 * 60)  # 24 hours and a minute after the request
        self.wait_event(gw, num, "completion_overdue")
        self.assertNotIn("escalated", self.events(gw, num))  # it was taken in time
        li = self.chat(gw, "resident:li")
        self.assertSeen(li, "很抱歉，您的工单 %s 未能在承诺的 24 小时内完成。已升级给赵主管" % num)
        overdue = "【超时未完成】工单 %s 已超过承诺的 24 小时仍未完成（负责人 王师傅）" % num
        self.assertSeen(self.chat(gw, "staff:zhao"), overdue)
        self.assertSeen(self.chat(gw, "staff:wang"), overdue)

        self.restart(gw)
        gw.advance(6 * 3600)
        self.quiet()
        self.assertEqual(self.events(gw, num).count("completion_overdue"), 1)
        self.assertEqual(self.chat(gw, "resident:li"), [])

    def test_reminder_then_auto_close_across_restarts(self):
        gw = self.gateway(local(0, 9, 0))
        num, _ = self.file(gw)
        self.chat(gw, "staff:wang", "/accept " + num, "/start " + num, "/done " + num + " 50")
        self.assertSeen(self.chat(gw, "resident:li"), "请检查一下：问题解决了吗")

        # The acceptance period is 3 days; a day before its end the resident is reminded.
        self.restart(gw)
        gw.advance(2 * 86400 - 60)
        self.quiet()
        self.assertNotIn("acceptance_reminded", self.events(gw, num))
        self.restart(gw)
        gw.advance(2 * 60)
        self.wait_event(gw, num, "acceptance_reminded")
        li = self.chat(gw, "resident:li")
        self.assertSeen(li, "提醒：工单 %s 还在等您验收，明天 09:00 前未答复将自动完成" % num)
        self.assertSeen(li, "请检查一下：问题解决了吗")

        self.restart(gw)
        gw.advance(86400)
        self.wait_event(gw, num, "auto_closed")
        self.assertEqual(gw.order(num)["status"], "closed")
        self.assertEqual(self.events(gw, num).count("acceptance_reminded"), 1)
        self.assertSeen(self.chat(gw, "resident:li"), "工单 %s 验收期已过，系统已自动完成" % num)


class QuietHours(TimersCase):
    def test_notices_wait_for_the_morning_across_restart(self):
        gw = self.gateway(local(0, 9, 0), QUIET)
        num, _ = self.file(gw)
        self.chat(gw, "staff:wang", "/accept " + num)
        self.assertSeen(self.chat(gw, "resident:li"), "已由 王师傅 接单")

        gw.advance(local(0, 22, 0) - gw.now())
        staff = self.chat(gw, "staff:wang", "/eta %s 明天上午10点" % num)
        self.assertSeen(staff, "已通知业主")
        # Written at 22:00: it waits in the outbox for 08:00.
        held = [m for m in gw.outbox() if m["chat"] == "resident:li"]
        self.assertEqual(len(held), 1, held)
        self.assertEqual(held[0]["next_at"], "2026-11-28T08:00:00+08:00")
        self.assertEqual(self.chat(gw, "resident:li"), [])

        self.restart(gw)
        gw.advance(local(1, 7, 59) - gw.now())
        self.assertEqual(self.chat(gw, "resident:li"), [])
        gw.advance(2 * 60)
        li = self.chat(gw, "resident:li")
        self.assertEqual(len(li), 1, li)
        self.assertIn("王师傅 预计", li[0])
        self.assertIn(num, li[0])

    def test_answers_emergencies_and_a_conversation_go_at_once(self):
        gw = self.gateway(local(0, 9, 0), QUIET)
        num, _ = self.file(gw)
        self.chat(gw, "staff:wang", "/accept " + num)
        self.chat(gw, "resident:li")

        gw.advance(local(0, 22, 0) - gw.now())
        self.chat(gw, "staff:wang", "/eta %s 明天上午10点" % num)
        self.assertEqual(self.chat(gw, "resident:li"), [])
        self.restart(gw)
        gw.advance(10 * 60)
        # Writing in the night, li is awake: the answer, and what waited, come now.
        li = self.chat(gw, "resident:li", "/my")
        self.assertSeen(li, "您的工单：")
        self.assertSeen(li, "王师傅 预计")

        # An emergency is answered and followed at once, whatever the hour.
        gw.advance(local(0, 23, 0) - gw.now())
        chen = self.chat(gw, "resident:chen", "家里燃气泄漏了")
        self.assertSeen(chen, "关闭燃气总阀")
        urgent = [o for o in gw.orders() if o["urgent"]][0]["number"]
        self.chat(gw, "staff:wang", "/accept " + urgent)
        self.assertSeen(self.chat(gw, "resident:chen"), "已由 王师傅 接单")

        # The resident wrote to the technician: his answer minutes later goes at once...
        self.chat(gw, "resident:li", "/reply %s 明天几点到？" % num)
        gw.advance(5 * 60)
        self.chat(gw, "staff:wang", "/reply %s 明早10点到" % num)
        self.assertSeen(self.chat(gw, "resident:li"), "明早10点到")
        # ... but not a notice an hour after she last said anything.
        gw.advance(3600)
        self.chat(gw, "staff:wang", "/reply %s 记得关总阀" % num)
        self.assertEqual(self.chat(gw, "resident:li"), [])
        gw.advance(local(1, 8, 1) - gw.now())
        self.assertSeen(self.chat(gw, "resident:li"), "记得关总阀")


class AfterHours(ConciergeCase):
    def test_a_request_after_hours_is_told_when_the_clock_starts(self):
        cfg = example_config()
        cfg["communities"][0]["business_hours"] = "08:00-20:00"
        self.c.write_config(cfg)
        self.c.later(hours=12)  # 21:00
        out = self.c.chat("li", *intake())
        self.assertSaw(out, "我们承诺 30 分钟内响应",
                       "现在是下班时间（服务时间 08:00-20:00），响应时间从明天 08:00 起计算。"
                       "如有紧急情况请直接拨打 0571-88886666。")
        num = self.c.orders()[0]["number"]
        # The 30 minutes start at 08:00: 08:29 is in time, 08:31 is late.
        self.c.later(hours=11, minutes=29)
        self.c.chat("wu", "/my")
        self.assertNotIn("escalated", self.c.events(num))
        self.c.later(minutes=2)
        self.c.chat("wu", "/my")
        self.assertIn("escalated", self.c.events(num))
        # In English, and not at all in business hours.
        self.c.later(hours=2)
        known = ["/repair", "厨房水管漏水", "yes", "明天上午", "yes"]
        out = self.c.chat("li", "/lang en", *known)
        self.assertTrue(out.has("Registered as order"), out)
        self.assertFalse(out.has("We are closed now"), out)
        self.c.later(hours=10)  # 20:31
        out = self.c.chat("li", *known)
        self.assertTrue(out.has("Registered as order"), out)
        self.assertTrue(out.has("We are closed now (open 08:00-20:00); the response time "
                                "counts from 08:00 tomorrow."), out)


if __name__ == "__main__":
    unittest.main()
