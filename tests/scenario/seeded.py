"""A month of the service centre in miniature, for the report and archive tests.

seed(c) files eight orders on 27 and 28 November 2026 (and one on 1 December,
outside a November report) through the real program - residents and staff at
the terminal, the clock set for every step with CONCIERGE_NOW - so that every
figure of the report can be worked out by hand from the table below.
Times are Asia/Shanghai; T0 is 2026-11-27 09:00.

  order       created  what                         taken       done        rating  fee / paid
  261127-001  27 09:00 water leak (promise 30 min)  wang 09:20  11:00       5       50 / 50 R-1
  261127-002  27 10:00 home cleaning (120 min)      liu 12:30   16:00 (*)   3       80 / -
  261127-003  27 11:00 complaint (zhao owns it)     zhao 11:00  -           -       -
  261127-004  27 12:00 emergency: lift (15 min)     wang 12:10  -           -       -
  261127-005  27 13:00 renovation: declined         -           -           -       -
  261128-001  28 09:00 door lock (60 min)           wang 09:30  11:30       4       - (no fee)
  261128-002  28 10:00 light (30 min), never taken  -           -           -       -
  261128-003  28 11:00 parcel errand, cancelled at 11:10 by the resident, never taken
  261201-001  01 09:00 water leak, outside November

  (*) 261127-002 was reported done at 15:00, the resident said "not fixed"
      (rework), and it was done again at 16:00: the completion time runs to
      the last report of done.

The timers run as each process starts, with the example configuration's
follow-up visits (回访, daily at 10:00, orders closed 24 hours before): the
first run, at 11:30 on the 28th (wang's /done of the door lock), samples
261127-001 (closed 27 11:10, the only one closed 24 hours before) and asks
li, who never answers (the door's acceptance questions come at once).
"""
from concierge import KNOWN_INTAKE, README_INTAKE, T0, number

M = 60
H = 3600
D = 86400
NOV28 = "261128"
DEC01 = "261201"
# The report's "now": 2026-12-01 10:00, long after every promise of the table.
NOW = T0 + 4 * D + H
COMMENT = "ok <script>alert(1)</script> & thanks"


def seed(c):
    n1, n2, n3, n4 = number(1), number(2), number(3), number(4)
    c.chat("li", *README_INTAKE, now=T0)
    c.staff("wang", "/accept " + n1, now=T0 + 20 * M)
    c.staff("wang", "/done %s 50" % n1, now=T0 + 2 * H)
    c.chat("li", "yes", "5", "skip", now=T0 + 2 * H + 10 * M)
    c.staff("wang", "/paid %s R-1" % n1, now=T0 + 2 * H + 20 * M)

    c.chat("chen", "/clean", "家里需要打扫卫生", "5-1-302", "陈静", "13900139000", "明天上午",
           "yes", now=T0 + H)
    c.staff("liu", "/accept " + n2, now=T0 + 3 * H + 30 * M)
    c.staff("liu", "/done %s 80" % n2, now=T0 + 6 * H)
    c.chat("chen", "no", now=T0 + 6 * H + 10 * M)
    c.staff("liu", "/done %s 80" % n2, now=T0 + 7 * H)
    c.chat("chen", "yes", "3", "有点慢", now=T0 + 7 * H + 30 * M)

    c.chat("zhou", "我要投诉 楼下装修噪音太大 保安也不管", now=T0 + 2 * H)
    c.chat("sun", "电梯困人了！5栋电梯卡在8楼", now=T0 + 3 * H)
    c.staff("wang", "/accept " + n4, now=T0 + 3 * H + 10 * M)
    c.chat("li", "报修 家里要装修", now=T0 + 4 * H)

    door, light, parcel = number(1, NOV28), number(2, NOV28), number(3, NOV28)
    c.chat("li", "/repair", "卧室门锁坏了", "yes", "今天下午3点", "yes", now=T0 + D)
    c.staff("wang", "/accept " + door, now=T0 + D + 30 * M)
    c.staff("wang", "/done " + door, now=T0 + D + 2 * H + 30 * M)
    c.chat("li", "yes", "4", COMMENT, now=T0 + D + 3 * H)
    c.chat("li", "/repair", "客厅灯不亮了", "yes", "今天下午", "yes", now=T0 + D + H)
    c.chat("li", "/errand", "帮我代收快递", "yes", "今天下午", "yes", now=T0 + D + 2 * H)
    c.chat("li", "/cancel " + parcel, now=T0 + D + 2 * H + 10 * M)

    c.chat("li", *KNOWN_INTAKE, now=T0 + 4 * D)

    got = {o["number"]: (o["status"], o["category"]) for o in c.orders()}
    want = {n1: ("closed", "repair"), n2: ("closed", "cleaning"),
            n3: ("assigned", "complaint"), n4: ("assigned", "repair"),
            number(5): ("declined", "repair"), door: ("closed", "repair"),
            light: ("pending", "repair"), parcel: ("cancelled", "errand"),
            number(1, DEC01): ("pending", "repair")}
    c.test.assertEqual(got, want, "the seeded month is not as the table says")
    return want


# The follow-up visits' morning: 2026-12-01, after seed(), up to 12:00.
FU_NOW = T0 + 4 * D + 3 * H
FU_COMMENT = "门锁还是打不开"


def seed_followups(c):
    """The month's follow-up visits (回访), after seed(), on the morning of 1 December:

      10:00  the daily run samples what closed from 27 11:30 to 30 10:00: the
             cleaning (liu's, closed 27 16:30) and the door lock (wang's, closed
             28 12:00) - one of each category and staff member, so both - and
             asks chen and li.
      10:05  li about the door: not solved (it goes back to rework, reopened), on
             time and polite, and a comment.
      10:10  chen about the cleaning: solved, on time and polite, nothing to add.
      10:20  wang takes 261201-001, done 10:40; li accepts at 10:50: closed, and too
             recent to be sampled.
      12:00  the water leak's question (asked 28 11:30) has waited answer_days (3):
             unanswered. zhao's /followups sees it all.

    Returns zhao's last /followups (a Chat)."""
    door, dec = number(1, NOV28), number(1, DEC01)
    first = c.staff("zhao", "/followups", now=T0 + 4 * D + H)
    c.test.assertTrue(first.has("回访结果"), "no follow-ups listed:\n%s" % first)
    c.chat("li", "否", "是", FU_COMMENT, now=T0 + 4 * D + H + 5 * M)
    c.chat("chen", "是", "是", "跳过", now=T0 + 4 * D + H + 10 * M)
    c.staff("wang", "/accept " + dec, now=T0 + 4 * D + H + 20 * M)
    c.staff("wang", "/done " + dec, now=T0 + 4 * D + H + 40 * M)
    c.chat("li", "yes", "5", "skip", now=T0 + 4 * D + H + 50 * M)
    last = c.staff("zhao", "/followups", now=FU_NOW)
    got = {o["number"]: o["status"] for o in c.orders()}
    c.test.assertEqual((got[door], got[number(2)], got[dec]), ("rework", "closed", "closed"),
                       "the follow-up morning is not as seed_followups says")
    return last
