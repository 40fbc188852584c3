"""Follow-up visits (回访): the daily sampling of closed orders by a running
gateway, across restarts, the questions residents are asked by chat and
what their answers do, and `/followups` for the supervisor.

Five residents each have one order closed on the first morning: four water
repairs by 王师傅 (whose residents speak English) and a home cleaning by
刘阿姨. With a rate of 0.3, two are sampled: one of the repairs, and the
cleaning, since every category and every staff member must be represented.
"""
import unittest

from timers import TimersCase, local

REPAIRS = ["resident:ann", "resident:bob", "resident:cai", "resident:dan"]
CLEANING = "resident:li"
FOLLOWUP = {"followup": {"rate": 0.3, "delay_hours": 24, "hour": 10, "answer_days": 3,
                         "reopen": True, "questions": ["resolved", "satisfied", "comment"]}}


class FollowUps(TimersCase):
    def close(self, gw, who, staff, lines):
        """WHO files LINES, STAFF does the work, WHO accepts and rates it: the order's number."""
        num, _ = self.file(gw, who, lines)
        self.chat(gw, "staff:" + staff, "/accept " + num, "/start " + num, "/done " + num)
        self.chat(gw, who, "yes", "5", "skip")
        self.assertEqual(gw.order(num)["status"], "closed")
        return num

    def sampled(self, gw, numbers):
        return [n for n in numbers if "followup_sampled" in self.events(gw, n)]

    def test_daily_sampling_questions_and_results_across_restarts(self):
        gw = self.gateway(local(0, 9, 0), FOLLOWUP)
        repairs = {}
        for i, who in enumerate(REPAIRS):
            repairs[who] = self.close(gw, who, "wang", [
                "/lang en", "/repair", "kitchen tap is leaking", "3-2-50%d" % i, "Resident %d" % i,
                "1380013800%d" % i, "tomorrow morning", "yes"])
        cleaning = self.close(gw, CLEANING, "liu", [
            "/clean", "家里打扫卫生", "5-1-302", "李伟", "13800138000", "明天上午", "yes"])
        everyone = list(repairs.values()) + [cleaning]

        # The next morning before ten: nothing sampled yet.
        gw.advance(local(1, 9, 30) - gw.now())
        self.quiet()
        self.assertEqual(self.sampled(gw, everyone), [])

        # Restarted, and past ten: the gateway samples two, the cleaning among them.
        self.restart(gw)
        gw.advance(local(1, 10, 5) - gw.now())
        gw.wait(lambda: len(self.sampled(gw, everyone)) == 2, timeout=15, what="two sampled")
        picked = self.sampled(gw, everyone)
        self.assertIn(cleaning, picked)
        repair = [n for n in picked if n != cleaning][0]
        asked = [who for who, n in repairs.items() if n == repair][0]
        gw.wait(lambda: "followup_asked" in self.events(gw, repair), what="the repair asked")

        # The same day after another restart: no second sampling, nobody asked twice.
        self.restart(gw)
        gw.advance(3600)
        self.quiet()
        self.assertEqual(self.sampled(gw, everyone), picked)
        for n in picked:
            self.assertEqual(self.events(gw, n).count("followup_sampled"), 1)
            self.assertEqual(self.events(gw, n).count("followup_asked"), 1)

        # The cleaning's resident: in Chinese, one question at a time.
        li = self.chat(gw, CLEANING)
        self.assertEqual(len(li), 1, li)
        self.assertIn("【回访】您好！您的工单 %s（家里打扫卫生）已经完成" % cleaning, li[0])
        self.assertIn("问题是否已经解决？", li[0])
        # Not solved: back to rework, 刘阿姨 and the supervisor told.
        li = self.chat(gw, CLEANING, "没有")
        self.assertSeen(li, "工单已重新打开")
        self.assertSeen(li, "刘阿姨是否准时、礼貌？")
        o = gw.order(cleaning)
        self.assertEqual(o["status"], "rework")
        reopened = [e for e in o["events"] if e["action"] == "reopened"]
        self.assertEqual(reopened[0]["detail"], "follow-up: not solved")
        self.assertTrue(reopened[0]["actor"].startswith("resident:"))
        self.assertSeen(self.chat(gw, "staff:liu"), "【重新打开】工单 %s" % cleaning)
        zhao = self.chat(gw, "staff:zhao")
        self.assertSeen(zhao, "【回访】工单 %s（5-1-302，负责人 刘阿姨）业主表示问题未解决" % cleaning)
        self.assertSeen(zhao, "工单已重新打开，转返工，请跟进。")
        li = self.chat(gw, CLEANING, "迟到了", "来晚了一个小时，地也没拖干净")
        self.assertSeen(li, "抱歉给您带来不好的体验")
        self.assertSeen(li, "还有其他意见或建议吗")
        self.assertSeen(li, "感谢您的反馈")
        zhao = self.chat(gw, "staff:zhao")
        self.assertSeen(zhao, "【回访】工单 %s 业主对刘阿姨的准时、礼貌不满意" % cleaning)
        self.assertSeen(zhao, "【回访】工单 %s 业主意见：来晚了一个小时，地也没拖干净" % cleaning)
        answers = [e["detail"] for e in gw.order(cleaning)["events"]
                   if e["action"] == "followup_answer"]
        self.assertEqual(answers, ["resolved: no", "satisfied: no",
                                   "comment: 来晚了一个小时，地也没拖干净"])

        # The repair's resident was asked in English and says nothing.
        other = self.chat(gw, asked)
        self.assertSeen(other, "[Follow-up] Hello! Your order %s (kitchen tap is leaking)" % repair)
        self.assertSeen(other, "Is the problem solved?")
        self.restart(gw)
        gw.advance(3 * 86400)
        self.wait_event(gw, repair, "followup_unanswered")
        self.assertEqual(gw.order(repair)["status"], "closed")
        # The question is gone: a later "no" starts nothing and reopens nothing.
        self.chat(gw, asked, "no")
        self.assertEqual(gw.order(repair)["status"], "closed")

        # The supervisor's view.
        out = self.chat(gw, "staff:zhao", "/followups")
        text = "\n".join(out)
        self.assertIn("回访结果（近 30 天）：", text)
        self.assertIn("%s  保洁  刘阿姨  已回复，未解决，不满意，已重新打开，“来晚了一个小时，地也没拖干净”"
                      % cleaning, text)
        self.assertIn("%s  维修  王师傅  未回复" % repair, text)
        self.assertIn("合计：抽样 2 单，已回复 1，未回复 1；已解决 0/1，准时礼貌 0/1；重新打开 1 单。",
                      text)
        # Only for supervisors and dispatchers.
        self.assertSeen(self.chat(gw, "staff:wang", "/followups"), "这个操作需要主管或调度员权限")


    def test_an_acceptance_question_pauses_a_follow_up(self):
        # Every closed order sampled, so the one closed order is asked about.
        gw = self.gateway(local(0, 9, 0), {"followup": dict(FOLLOWUP["followup"], rate=1.0)})
        first = self.close(gw, CLEANING, "liu", [
            "/clean", "家里打扫卫生", "5-1-302", "李伟", "13800138000", "明天上午", "yes"])
        second, _ = self.file(gw, CLEANING, [
            "/repair", "厨房水管漏水", "是", "明天上午", "yes"])  # "是": the saved details
        self.chat(gw, "staff:wang", "/accept " + second, "/start " + second)
        gw.advance(local(1, 10, 5) - gw.now())
        self.wait_event(gw, first, "followup_asked")
        self.assertSeen(self.chat(gw, CLEANING), "问题是否已经解决？")
        # The repair is done while the follow-up waits: its question comes first...
        self.chat(gw, "staff:wang", "/done " + second)
        li = self.chat(gw, CLEANING, "满意", "5", "跳过")
        self.assertEqual(gw.order(second)["status"], "closed")
        self.assertEqual(gw.order(second)["rating"], 5)
        # ...then the follow-up picks up where it was, about the first order.
        self.assertSeen(li, "我们接着刚才的回访")
        self.assertSeen(li, "问题是否已经解决？")
        self.chat(gw, CLEANING, "解决了")
        answers = [e["detail"] for e in gw.order(first)["events"] if e["action"] == "followup_answer"]
        self.assertEqual(answers, ["resolved: yes"])
        self.assertNotIn("followup_answer", self.events(gw, second))


if __name__ == "__main__":
    unittest.main()
