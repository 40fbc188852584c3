"""First messages through the gateway (the signed generic webhook): an emergency
said in an owners' group is answered in that group at once, and complaints and
questions are understood the same as at the terminal.
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from test_generic import GenericCase  # noqa: E402  (its set-up and helpers)


class FirstMessageGeneric(GenericCase):
    def test_emergency_in_a_group_is_answered_there(self):
        before = len(self.cb.calls)
        got = self.say("@concierge 电梯困人了！5栋电梯卡在8楼", user="u1", chat="g1",
                       group=True, addressed=True)
        chats = {c["json"]["chat"] for c in self.cb.calls[before:]}
        self.assertEqual(chats, {"g1"}, got)
        self.assertTrue(any("警铃" in t for t in got), got)
        self.assertTrue(any("96333" in t for t in got), got)
        orders = self.gw.orders()
        self.assertEqual(len(orders), 1)
        self.assertIs(orders[0]["urgent"], True)

    def test_complaint_and_question(self):
        got = self.say("我要投诉…保安也不管")
        self.assertTrue(any("投诉已登记" in t for t in got), got)
        got = self.say("停车费多少", user="u2", chat="c2")
        self.assertTrue(any("300 元" in t for t in got), got)
        cats = [o["category"] for o in self.gw.orders()]
        self.assertEqual(cats, ["complaint"])


if __name__ == "__main__":
    unittest.main()
