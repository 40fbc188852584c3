"""Who hears what: the community an order belongs to and whose staff chats it
pings, a complaint phoned in at the desk, a centre run by a manager with no
supervisor, complaints kept out of group chats, and a staff member's own
language.

Through real `concierge chat` processes (and the gateway with the fake
Telegram where a residents' group is needed), asserting what each person saw,
what waits in the outbox for which chat, and `orders show N --json`.
"""
import json
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import test_telegram as tg  # noqa: E402
from concierge import (README_INTAKE, ConciergeCase, Concierge, example_config,  # noqa: E402
                       number)
from gateway import ASK_NAME, ASK_ROOM, CREATED, PING, SUMMARY, Gateway  # noqa: E402

COMPLAINT_PING = "【投诉】"
OUT_OF_SCOPE = "不在物业便民服务范围内"


def with_staff(cfg, staff_id, **changes):
    for s in cfg["staff"]:
        if s["id"] == staff_id:
            s.update(changes)
            for k, v in list(s.items()):
                if v is None:
                    del s[k]
    return cfg


# ---- 1: the order's community and its staff chats --------------------------------------

EAST_STAFF = -100300400
EAST_OWNERS = -100888


class CommunityOfOrder(tg.TelegramCase):
    """Two communities, each with its residents' group and its staff group on Telegram."""

    def communities(self):
        demo = example_config()["communities"][0]
        demo["staff_chats"] = [{"channel": "terminal", "chat": "staff"},
                               {"channel": "telegram", "chat": str(tg.STAFF_CHAT)}]
        demo["groups"] = [{"channel": "telegram", "chat": str(tg.OWNERS)}]
        east = {"id": "east", "name": "东区", "phone": "0571-88887777",
                "staff_chats": [{"channel": "telegram", "chat": str(EAST_STAFF)}],
                "groups": [{"channel": "telegram", "chat": str(EAST_OWNERS)}]}
        return [demo, east]

    def file_in_group(self, group, user):
        m = self.mark()
        self.say(group, "/repair@%s 厨房漏水" % tg.BOT, user=user)
        self.expect(user, ASK_ROOM, m)
        self.step(user, "3-2-501", ASK_NAME)
        self.step(user, "李伟" if user == tg.RES else "陈女士", tg.ASK_PHONE)
        self.step(user, tg.PHONE if user == tg.RES else "13900139000", tg.ASK_TIME)
        self.step(user, "尽快", SUMMARY)
        m = self.mark()
        self.say(user, "确认")
        created = self.expect(user, CREATED, m)
        return re.search(r"工单号 (\d{6}-\d{3})", created["text"]).group(1), m

    def test_pings_go_to_the_orders_community(self):
        self.start("polling", changes={"communities": self.communities()})
        # A resident of the east community, from its residents' group.
        east, m = self.file_in_group(EAST_OWNERS, tg.RES)
        self.assertEqual(self.gw.order(east)["community"], "east")
        self.expect(EAST_STAFF, PING + east, m)
        # A resident of the first community, from theirs.
        demo, m2 = self.file_in_group(tg.OWNERS, 7002)
        self.assertEqual(self.gw.order(demo)["community"], "demo")
        self.expect(tg.STAFF_CHAT, PING + demo, m2)
        self.settle()
        self.assertEqual([t for t in self.chat_texts(tg.STAFF_CHAT) if east in t], [])
        self.assertEqual([t for t in self.chat_texts(EAST_STAFF) if demo in t], [])
        # The east resident phones the desk: the order is still the east community's.
        rc, out, err = self.gw.cli("chat", "--as", "staff:wang", stdin=(
            "/new 电话 3-2-501 李先生 %s 卫生间灯不亮 尽快\nyes\n" % tg.PHONE))
        self.assertEqual(rc, 0, err)
        desk = [o["number"] for o in self.gw.orders() if o["number"] not in (east, demo)]
        self.assertEqual(len(desk), 1, out)
        self.assertEqual(self.gw.order(desk[0])["community"], "east")
        self.expect(EAST_STAFF, PING + desk[0], m2)
        self.settle()
        self.assertEqual([t for t in self.chat_texts(tg.STAFF_CHAT) if desk[0] in t], [])

    def test_a_group_in_two_communities_is_refused(self):
        cfg = example_config()
        cfg["communities"] = self.communities()
        cfg["communities"][1]["groups"].append({"channel": "telegram", "chat": str(tg.OWNERS)})
        c = Concierge(self, cfg)
        res = c.run("check-config", rc=2)
        self.assertIn("communities[1].groups[1]: telegram chat \"%s\" is already "
                      "communities[0].groups[0]" % tg.OWNERS, res.stderr)


# ---- 2: a complaint phoned in at the desk ----------------------------------------------

class DeskComplaint(ConciergeCase):
    def test_step_by_step(self):
        c = self.c
        out = c.staff("wang", "/new 投诉 楼上装修太吵", "3-2-501", "李伟", "13800138000", "yes")
        self.assertNotSaw(out, OUT_OF_SCOPE)
        self.assertNotSaw(out, "业主希望什么时间")  # a complaint has no visit time
        self.assertSaw(out, "请核对代登记的投诉（前台登记）", "由主管负责，24 小时内答复",
                       "已代业主登记投诉，工单号 %s（前台登记），由赵主管负责，24 小时内答复"
                       % number(1))
        o = self.assertOrder(number(1), category="complaint", status="assigned", assignee="zhao",
                             intake="desk", taken_by="wang", room="3-2-501",
                             contact_name="李伟", phone="13800138000", preferred_time=None)
        self.assertIn("desk_intake", [e["action"] for e in o["events"]])
        self.assertIn("complaint", [e["action"] for e in o["events"]])
        # The supervisor hears, privately; no technician is pinged.
        self.assertSaw(c.staff("zhao"), COMPLAINT_PING + "工单 %s：投诉 楼上装修太吵" % number(1))
        self.assertNotSaw(c.staff("wang"), number(1))
        self.assertNotSaw(c.staff("liu"), number(1))

    def test_one_line_with_the_details(self):
        c = self.c
        out = c.staff("zhao", "/new 电话 5-1-302 周女士 13900139000 我要投诉楼上装修太吵 天天晚上",
                      "确认")
        self.assertNotSaw(out, OUT_OF_SCOPE)
        self.assertSaw(out, "已代业主登记投诉，工单号 %s（电话报修）" % number(1))
        self.assertOrder(number(1), category="complaint", source="phone", room="5-1-302",
                         contact_name="周女士")

    def test_known_resident_hears_who_handles_it(self):
        c = self.c
        c.file_repair("li")  # saves 李伟 13800138000 with li's chat
        c.staff("wang", "/new 电话 3-2-501 李先生 13800138000 投诉保安不管楼道堆物", "yes")
        self.assertOrder(number(2), category="complaint", resident="terminal:resident:li")
        self.assertSaw(c.chat("li"), "您的投诉已登记（%s），由赵主管负责处理" % number(2))


# ---- 3: a centre with a manager and no supervisor ---------------------------------------

class ManagerOnly(ConciergeCase):
    def setUp(self):
        self.c = Concierge(self, with_staff(example_config(), "zhao", role="manager",
                                            name="钱经理"))

    def test_complaint_is_the_managers(self):
        c = self.c
        out = c.chat("li", "投诉 楼上装修太吵")
        self.assertSaw(out, "您的投诉已登记（%s），由钱经理负责处理" % number(1))
        self.assertOrder(number(1), category="complaint", assignee="zhao", status="assigned")
        self.assertSaw(c.staff("zhao"), COMPLAINT_PING + "工单 %s" % number(1))

    def test_escalation_and_low_rating_reach_the_manager(self):
        c = self.c
        _, num = c.file_repair("li")
        c.later(minutes=31)
        # Nobody took it: the manager hears, and the resident is told who follows it up.
        self.assertSaw(c.staff("zhao"), "【超时未接单】工单 %s" % num)
        self.assertSaw(c.chat("li"), "已升级给钱经理")
        c.staff("wang", "/accept " + num, "/done " + num)
        c.chat("li", "yes", "1", "师傅来晚了")
        self.assertSaw(c.staff("zhao"), "【低分提醒】工单 %s 评分 1 分" % num, "师傅来晚了")

    def test_with_both_the_supervisor_first(self):
        cfg = example_config()
        cfg["staff"].append({"id": "qian", "name": "钱经理", "role": "manager", "skills": [],
                             "token": "demo-qian-token-7731"})
        c = Concierge(self, cfg)
        c.chat("li", "投诉 楼上装修太吵")
        self.assertEqual(c.show(number(1))["assignee"], "zhao")
        self.assertNotSaw(c.staff("qian"), COMPLAINT_PING)


# ---- 4: complaints never go into a group chat ------------------------------------------

def robot_config(zhao_token=True):
    """DingTalk as the staff group; the supervisor reachable there only by a mention."""
    cfg = example_config()
    cfg["channels"]["dingtalk"] = {
        "enabled": True,
        "robots": [{"chat": "staff", "webhook": "http://127.0.0.1:9/robot/send?access_token=t",
                    "secret": "SEC0123456789abcdef"}]}
    with_staff(cfg, "zhao", identities=[{"channel": "dingtalk", "user": "zhao-ding"}],
               token=None if not zhao_token else "demo-zhao-token-8265")
    with_staff(cfg, "wang", phone="13912345678")
    return cfg


class ComplaintsStayPrivate(ConciergeCase):
    def setUp(self):
        self.c = Concierge(self, robot_config(zhao_token=False))

    def group_rows(self):
        return [r for r in self.c.outbox() if r["channel"] == "dingtalk"]

    def test_not_in_the_robot_group(self):
        c = self.c
        c.chat("li", "投诉一下 王师傅上次修完还是漏水 态度也很差")
        self.assertEqual(c.show(number(1))["category"], "complaint")
        posted = json.dumps(self.group_rows(), ensure_ascii=False)
        self.assertNotIn("投诉", posted)
        self.assertNotIn(number(1), posted)
        # It waits in the supervisor's own queue at the desk.
        self.assertSaw(c.staff("zhao"), COMPLAINT_PING + "工单 %s" % number(1))
        # A resident's answer to the supervisor about it stays private too.
        c.staff("zhao", "/reply %s 您好，请问具体是哪一天？" % number(1))
        c.chat("li", "周二下午")
        self.assertNotIn("周二下午", json.dumps(self.group_rows(), ensure_ascii=False))
        self.assertSaw(c.staff("zhao"), "周二下午")

    def test_ordinary_notices_still_mention_in_the_group(self):
        c = self.c
        _, num = c.file_repair("li")
        c.later(minutes=31)
        c.staff("wang")  # the timers run: the escalation
        rows = [json.loads(r["payload"]) if isinstance(r["payload"], str) else r["payload"]
                for r in self.group_rows()]
        escalated = [r for r in rows if "超时未接单" in r["text"]]
        self.assertEqual(len(escalated), 1, rows)
        self.assertEqual(escalated[0]["mention"], ["zhao-ding"])
        self.assertNotIn("13800138000", json.dumps(rows, ensure_ascii=False))


class PrivacyWarning(unittest.TestCase):
    def test_healthz_names_who_cannot_read_complaints_privately(self):
        for token, expected in ((False, ["zhao"]), (True, [])):
            with self.subTest(token=token):
                gw = Gateway(robot_config(zhao_token=token))
                self.addCleanup(gw.close)
                gw.start()
                status, h = gw.get_json("/healthz")
                self.assertEqual(status, 200, h)
                named = [w for w in h["warnings"] if "staff zhao " in w]
                self.assertEqual(len(named), len(expected), h["warnings"])
                self.assertEqual(gw.stderr().count("staff zhao (supervisor) has no private"),
                                 len(expected), gw.stderr())
                self.assertEqual(gw.stop(), 0)
                gw.assert_clean(self)


# ---- 5: a staff member's language ------------------------------------------------------

class StaffLanguage(ConciergeCase):
    def test_lang_en_is_kept_and_used(self):
        c = self.c
        out = c.staff("wang", "/lang en")
        self.assertSaw(out, "OK, I'll speak English from now on.")
        # Kept: another process, no language hint from the terminal.
        self.assertSaw(c.staff("wang", "/help"), "/accept")
        self.assertNotSaw(c.staff("wang", "/help"), "员工命令")
        # Notices to him are in English; to the supervisor still in Chinese.
        _, num = c.file_repair("li")
        c.staff("zhao", "/assign %s wang" % num)
        wang = c.staff("wang")
        self.assertSaw(wang, "Order %s was assigned to you." % num,
                       "Resident of order %s:" % num, "Phone: 13800138000")
        c.staff("wang", "/lang 中文")
        self.assertSaw(c.staff("wang", "/help"), "员工命令")

    def test_supervisor_notices_in_their_language(self):
        c = self.c
        c.staff("zhao", "/lang en")
        c.chat("li", "投诉 楼上装修太吵")
        self.assertSaw(c.staff("zhao"), "[Complaint] Order %s" % number(1))
        # The resident still hears in Chinese.
        self.assertSaw(c.chat("li", "/my"), number(1))


if __name__ == "__main__":
    unittest.main()
