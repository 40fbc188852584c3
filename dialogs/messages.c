/*
 * messages.c - the zh-CN and en texts of every message; see messages.h.
 *
 * Tone: polite and short, as a good front desk speaks. Personal details are
 * only ever filled in by callers that know the message goes to a private chat.
 */
#include "dialogs/messages.h"

#include <string.h>

struct msg_pair {
	const char *zh;
	const char *en;
};

static const struct msg_pair msgs[M_COUNT] = {
        [M_START] = {"好的，我来帮您登记{0}服务。", "Sure, let's register your {0} request."},
        [M_ASK_DESCRIPTION] = {"请简单描述一下需要什么服务，例如：厨房水管漏水。",
                               "Please describe what you need, e.g. \"kitchen tap is leaking\"."},
        [M_ASK_ROOM] = {"请问您的房号？按 楼栋-单元-房号 填写，例如 3-2-501。",
                        "Which flat is it? Building-unit-room, e.g. 3-2-501."},
        [M_ASK_NAME] = {"请问怎么称呼您？", "What name should we use for you?"},
        [M_ASK_PHONE] = {"请留一个联系电话，例如 13800138000。",
                         "A phone number to reach you, e.g. 13800138000."},
        [M_ASK_TIME] =
                {"您希望什么时间上门或办理？例如：今天下午3点、明天上午，或“尽快”。",
                 "When would suit you? e.g. \"today 3pm\", \"tomorrow morning\" or \"asap\"."},
        [M_ASK_SAVED] =
                {"使用上次登记的信息吗？\n联系人：{0}\n房号：{1}\n电话：{2}\n请回复“是”或“否”。",
                 "Use your saved details?\nName: {0}\nFlat: {1}\nPhone: {2}\nPlease answer yes or "
                 "no."},
        [M_SUMMARY] =
                {"请核对您的需求：\n类别：{0}{8}\n内容：{1}\n房号：{2}\n联系人：{3}\n电话：{4}\n"
                 "期望时间：{5}\n收费：{6}\n响应承诺：{7} 分钟内响应\n"
                 "回复“确认”提交，“上一步”修改，“取消”放弃。",
                 "Please check your request:\nCategory: {0}{8}\nDetails: {1}\nFlat: {2}\n"
                 "Name: {3}\nPhone: {4}\nPreferred time: {5}\nPrice: {6}\n"
                 "We respond within {7} minutes.\n"
                 "Reply \"yes\" to submit, \"back\" to change, \"cancel\" to drop it."},
        [M_CREATED] = {"已为您登记，工单号 {0}。我们承诺 {1} 分钟内响应，师傅接单后会通知您。"
                       "发送“我的工单”可查看进度。",
                       "Registered as order {0}. We will respond within {1} minutes and tell you "
                       "who takes it. Send /my to follow your orders."},
        [M_CANCELLED_INTAKE] = {"好的，本次登记已取消。需要时随时发“报修”“保洁”“代办”或“咨询”。",
                                "OK, nothing was registered. Send /repair, /clean, /errand or /ask "
                                "whenever you need us."},
        [M_BAD_DESC] = {"请用几个字描述一下需求，例如：卫生间下水道堵了。",
                        "Please describe the request in a few words, e.g. \"bathroom drain is "
                        "blocked\"."},
        [M_BAD_DESC_LONG] = {"描述太长了，请控制在 500 字以内。",
                             "That is too long; please keep it under 500 characters."},
        [M_BAD_ROOM] = {"这个房号我没看懂。请按 楼栋-单元-房号 填写，例如 3-2-501 或 3栋2单元501。",
                        "I couldn't read that flat number. Please write building-unit-room, e.g. "
                        "3-2-501."},
        [M_BAD_NAME] = {"请告诉我们怎么称呼您，例如：李女士 或 王伟。",
                        "Please tell us a name to use, e.g. \"Ms Li\"."},
        [M_BAD_PHONE] =
                {"这个电话号码好像不对。请输入 11 位手机号（例如 13800138000），或带区号的座机"
                 "（例如 0571-88886666）。",
                 "That phone number doesn't look right. Please give an 11-digit mobile "
                 "(e.g. 13800138000) or a landline with area code (e.g. 0571-88886666)."},
        [M_BAD_TIME] = {"请告诉我们方便的时间，例如：明天上午，或“尽快”。",
                        "Please tell us a time that suits you, e.g. \"tomorrow morning\" or "
                        "\"asap\"."},
        [M_BAD_CONFIRM] = {"请回复“确认”提交，“上一步”修改，或“取消”放弃。",
                           "Please reply \"yes\" to submit, \"back\" to change something, or "
                           "\"cancel\"."},
        [M_BAD_YESNO] = {"请回复“是”或“否”。", "Please answer yes or no."},
        [M_TOO_MANY] = {"看来不太顺利，抱歉。您可以发“帮助”查看说明，直接致电服务中心 {0}，"
                        "或发“取消”结束本次登记。",
                        "Sorry this is not going smoothly. Send \"help\" for an explanation, call "
                        "the service centre on {0}, or send \"cancel\" to stop."},
        [M_HELP_FOOT] = {"随时可以发“上一步”返回修改，或“取消”结束登记。",
                         "You can send \"back\" to change the previous answer or \"cancel\" to "
                         "stop at any time."},
        [M_DECLINED] = {"抱歉，“{0}”不在物业便民服务范围内，我们无法受理。{1}",
                        "Sorry, \"{0}\" is outside the services the centre provides, so we can't "
                        "take it on. {1}"},
        [M_RESUMED] = {"我们接着刚才的登记：", "Let's continue where we left off:"},
        [M_RESUMED_FOLLOWUP] = {"我们接着刚才的回访：", "Back to the follow-up questions:"},
        [M_EXPIRED] = {"上次的登记太久没有回复，已作废。我们重新开始。",
                       "Your previous request timed out, so let's start again."},
        [M_FIRST_STEP] = {"已经是第一步了。", "This is already the first question."},
        [M_ASK_ACCEPT] = {"您的工单 {0} 已由 {1} 报告完工{2}。请检查一下：问题解决了吗？\n"
                          "回复“满意”确认验收，或“不满意”要求返工。",
                          "{1} reports order {0} as done{2}. Please check: is it fixed?\n"
                          "Reply \"yes\" to accept the work or \"no\" if it still needs work."},
        [M_FEE_PART] = {"，费用 {0} 元", ", fee {0} yuan"},
        [M_ASK_RATING] = {"谢谢确认！请为本次服务打分：1 到 5 分，5 分为非常满意。",
                          "Thank you! Please rate the service from 1 to 5 (5 = excellent)."},
        [M_REWORK_ACK] = {"抱歉没有处理好。已通知师傅返工，工单 {0} 会继续跟进。",
                          "Sorry it isn't fixed. The technician has been asked to come back; order "
                          "{0} stays open."},
        [M_BAD_RATING] = {"请回复 1 到 5 之间的数字，5 分为非常满意。",
                          "Please answer with a number from 1 to 5 (5 = excellent)."},
        [M_ASK_COMMENT] = {"谢谢评分！还有什么意见或建议吗？没有的话请回复“跳过”。",
                           "Thanks for rating! Any comment or suggestion? Reply \"skip\" if not."},
        [M_THANKS] = {"感谢您的反馈！工单 {0} 已完成。",
                      "Thank you for your feedback! Order {0} is closed."},
        [M_BTN_CONFIRM] = {"确认提交", "Submit"},
        [M_BTN_BACK] = {"上一步", "Back"},
        [M_BTN_CANCEL] = {"取消", "Cancel"},
        [M_BTN_YES] = {"是", "Yes"},
        [M_BTN_NO] = {"否", "No"},
        [M_BTN_ACCEPT_YES] = {"满意，已解决", "Yes, it's fixed"},
        [M_BTN_ACCEPT_NO] = {"不满意，需返工", "No, not fixed"},
        [M_BTN_SKIP] = {"跳过", "Skip"},
        [M_BTN_ASAP] = {"尽快", "As soon as possible"},
        [M_BTN_ACCEPT_ORDER] = {"接单", "Accept"},
        [M_BTN_START_WORK] = {"开工", "Start work"},
        [M_BTN_DONE_WORK] = {"完工（无费用）", "Done (no fee)"},
        [M_PING] =
                {"【新工单】{0}\n类别：{1}{2}\n房号：{3}\n内容：{4}\n期望时间：{5}\n联系人：{6}\n"
                 "承诺 {7} 分钟内响应。接单请回复 /accept {0}",
                 "[New order] {0}\nCategory: {1}{2}\nFlat: {3}\nDetails: {4}\nPreferred time: "
                 "{5}\nContact: {6}\nPromised response: {7} minutes. Reply /accept {0} to take "
                 "it."},
        [M_CONTACT] = {"工单 {0} "
                       "的住户信息：\n联系人：{1}\n房号：{2}\n电话：{3}\n内容：{4}\n期望时间：{5}\n"
                       "约好时间后请发 /eta {0} 时间",
                       "Resident of order {0}:\nName: {1}\nFlat: {2}\nPhone: {3}\nDetails: {4}\n"
                       "Preferred time: {5}\nOnce you agree a visit time, send /eta {0} TIME"},
        [M_NOTICE_ASSIGNED] = {"您的工单 {0} 已由 {1} 接单，稍后会与您联系确认上门时间。",
                               "{1} has taken your order {0} and will contact you to agree a visit "
                               "time."},
        [M_NOTICE_ETA] = {"{1} 预计 {2} 上门处理工单 {0}。如需改时间，请回复“改时间 {0} "
                          "新时间”，或致电服务中心 {3}。",
                          "{1} plans to visit for order {0} at {2}. For another time, send "
                          "/reschedule {0} TIME, or call the service centre on {3}."},
        [M_NOTICE_STARTED] = {"{1} 已开始处理您的工单 {0}。",
                              "{1} has started work on your order {0}."},
        [M_NOTICE_CANCELLED] = {"您的工单 {0} 已取消。原因：{1}",
                                "Your order {0} was cancelled: {1}"},
        [M_NOTICE_PAID] = {"工单 {0} 已收款 {1} 元，收据号 {2}。谢谢！",
                           "Payment of {1} yuan received for order {0}, receipt {2}. Thank you!"},
        [M_NOTICE_REASSIGNED] = {"您的工单 {0} 已改由 {1} 负责。",
                                 "Your order {0} is now handled by {1}."},
        [M_STAFF_ONLY] = {"抱歉，这个命令仅限服务中心工作人员使用。",
                          "Sorry, that command is for service centre staff only."},
        [M_SUPERVISOR_ONLY] = {"抱歉，这个操作需要主管或调度员权限。",
                               "Sorry, only a supervisor or dispatcher can do that."},
        [M_NOT_YOURS] = {"工单 {0} 由 {1} 负责，您不能操作。",
                         "Order {0} is handled by {1}, not you."},
        [M_NO_ORDER] = {"找不到工单 {0}。", "There is no order {0}."},
        [M_BAD_STATE] = {"工单 {0} 当前状态是“{1}”，不能这样操作。",
                         "Order {0} is {1}; that can't be done now."},
        [M_USAGE] = {"用法：{0}", "Usage: {0}"},
        [M_NO_STAFF] = {"员工名单里没有 {0}。", "There is no staff member {0}."},
        [M_BAD_FEE] = {"费用“{0}”不是有效金额，例如 50 或 35.5。",
                       "\"{0}\" is not an amount; write e.g. 50 or 35.5."},
        [M_NO_FEE] = {"工单 {0} 还没有记录费用，请先用 /done 记录。",
                      "Order {0} has no fee recorded yet; record it with /done first."},
        [M_ALREADY_PAID] = {"工单 {0} 已经收过款了，收据号 {1}。",
                            "Order {0} is paid already, receipt {1}."},
        [M_REWORK_PING] = {"【返工】工单 {0}（{1}）住户反馈未解决：{2}。请尽快处理。",
                           "[Rework] Order {0} ({1}): the resident says it is not fixed: {2}. "
                           "Please go back."},
        [M_LOW_RATING] = {"【低分提醒】工单 {0} 评分 {1} 分，负责人 {2}。住户意见：{3}",
                          "[Low rating] Order {0} was rated {1} (handled by {2}). Comment: {3}"},
        [M_ASSIGNED_TO_YOU] = {"工单 {0} 已派给您。", "Order {0} was assigned to you."},
        [M_MY_NONE] = {"您还没有工单。发送“报修”“保洁”“代办”或“咨询”即可登记。",
                       "You have no orders yet. Send /repair, /clean, /errand or /ask to start."},
        [M_MY_HEAD] = {"您的工单：", "Your orders:"},
        [M_ORDERS_NONE] = {"目前没有待处理的工单。", "No open orders."},
        [M_ORDERS_HEAD] = {"待处理工单：", "Open orders:"},
        [M_PRICES_HEAD] = {"服务价目表：", "Price list:"},
        [M_HELP_RESIDENT] = {"您好！我是物业服务助手。\n"
                             "报修 /repair、保洁 /clean、代办 /errand、咨询 /ask：登记需求\n"
                             "我的工单 /my：查看进度\n价格 /prices：收费标准\n"
                             "取消工单 /cancel 工单号：撤销尚未开工的工单\n"
                             "改时间 /reschedule 工单号 时间：请师傅换个上门时间\n"
                             "回复 /reply 工单号 内容：给负责的师傅留言\n"
                             "重新打开 /reopen 工单号 情况：修好后问题又出现\n"
                             "绑定手机 /link 手机号：把其他渠道的聊天合并为同一位业主",
                             "Hello! I'm the service centre assistant.\n"
                             "/repair, /clean, /errand, /ask: file a request\n"
                             "/my: your orders and their status\n/prices: the price list\n"
                             "/cancel NUMBER: withdraw an order before work starts\n"
                             "/reschedule NUMBER TIME: ask for another visit time\n"
                             "/reply NUMBER TEXT: write to whoever handles it\n"
                             "/reopen NUMBER WHAT: the problem came back after the work\n"
                             "/link PHONE: join your chats on other channels as one resident"},
        [M_HELP_STAFF] = {"员工命令：\n/orders 待处理工单\n/accept 工单号 接单\n"
                          "/eta 工单号 时间 约定上门时间\n/start 工单号 开始处理\n"
                          "/done 工单号 [费用] 完工\n/quote 工单号 费用 原因 额外费用请业主同意\n"
                          "/reply 工单号 内容 给业主留言\n/photo 工单号 请业主发照片\n"
                          "/paid 工单号 收据号 收款\n/cancel 工单号 原因 取消自己的工单\n"
                          "/new 代业主登记（电话或现场报修）\n/off 下班 /on 上班 /staff 在岗情况\n"
                          "/note 工单号 内容 内部备注",
                          "Staff commands:\n/orders open orders\n/accept N take order N\n"
                          "/eta N TIME agree the visit time\n"
                          "/start N work started\n/done N [FEE] work finished\n"
                          "/quote N FEE REASON ask the resident to agree to a fee\n"
                          "/reply N TEXT write to the resident\n"
                          "/photo N ask the resident for a photo\n"
                          "/paid N RECEIPT payment received\n/cancel N REASON cancel your order\n"
                          "/new register a request for a resident who phoned or came in\n"
                          "/off, /on off or on duty; /staff who is on duty\n"
                          "/note N TEXT a note for the centre"},
        [M_RESIDENT_CANCELLED] = {"工单 {0} 已撤销。", "Order {0} has been withdrawn."},
        [M_RESIDENT_CANNOT_CANCEL] = {"工单 {0} 当前“{1}”，已有人处理，如需取消请联系服务中心。",
                                      "Order {0} is {1}: someone is on it. Please call the "
                                      "service centre to cancel it."},
        [M_CANCEL_PING] = {"工单 {0} 已取消：{1}", "Order {0} was cancelled: {1}"},
        [M_ESCALATED] =
                {"【超时未接单】工单 {0} 已超过承诺的 {1} 分钟仍无人接单：{2} {3}",
                 "[Overdue] Nobody has taken order {0} within the promised {1} minutes: {2} "
                 "{3}"},
        [M_AUTO_CLOSED] = {"工单 {0} 验收期已过，系统已自动完成。",
                           "Order {0} was closed automatically after the acceptance period."},
        [M_ACCEPTED_STAFF] = {"工单 {0} 住户已验收{1}。", "The resident accepted order {0}{1}."},
        [M_LANG_SET] = {"好的，以后用中文与您交流。", "OK, I'll speak English from now on."},
        [M_GROUP_MOVED] = {"为保护您的隐私，请点这里私聊我继续登记：{0}",
                           "To keep your details private, please continue in a private chat: {0}"},
        [M_GROUP_HINT] = {"已私信您，请在私聊中继续。",
                          "I've messaged you privately; let's continue there."},
        [M_UNKNOWN_COMMAND] = {"不认识的命令 {0}，发送 /help 查看可用命令。",
                               "Unknown command {0}; send /help to see what I can do."},
        [M_ERROR] = {"抱歉，系统暂时出了点问题，请稍后再试。",
                     "Sorry, something went wrong on our side. Please try again shortly."},
        [M_STATUS_PENDING] = {"待接单", "pending"},
        [M_STATUS_ASSIGNED] = {"已接单", "assigned"},
        [M_STATUS_SCHEDULED] = {"已约时间", "scheduled"},
        [M_STATUS_IN_PROGRESS] = {"处理中", "in progress"},
        [M_STATUS_AWAITING] = {"待验收", "awaiting acceptance"},
        [M_STATUS_CLOSED] = {"已完成", "closed"},
        [M_STATUS_REWORK] = {"返工中", "rework"},
        [M_STATUS_CANCELLED] = {"已取消", "cancelled"},
        [M_STATUS_DECLINED] = {"不予受理", "declined"},
        [M_CAT_REPAIR] = {"维修", "repair"},
        [M_CAT_CLEANING] = {"保洁", "cleaning"},
        [M_CAT_ERRAND] = {"代办", "errand"},
        [M_CAT_INQUIRY] = {"咨询", "inquiry"},
        [M_NONE_GIVEN] = {"（未填）", "(none)"},
        [M_ACCEPT_LATER] =
                {"好的，工单 {0} 先不验收。如有问题请联系服务中心；{1} "
                 "天内没有答复将自动完成验收。",
                 "OK, order {0} is left for now. If anything is wrong, please contact the "
                 "service centre; without an answer it closes by itself in {1} days."},
        /* staff and residents about an order */
        [M_OUT_ACCEPTED] = {"{0} 已由{1}接单，已通知业主。",
                            "{0} is now {1}'s; the resident has been told."},
        [M_OUT_ASSIGNED] = {"{0} 已派给{1}，已通知{1}和业主。",
                            "{0} is assigned to {1}; {1} and the resident have been told."},
        [M_OUT_ETA] = {"{0} 上门时间定为 {1}，已通知业主。",
                       "{0}: visit set for {1}; the resident has been told."},
        [M_OUT_STARTED] = {"{0} 已开工，已通知业主。",
                           "{0} is in progress; the resident has been told."},
        [M_OUT_DONE] = {"{0} 已报完工{1}，已请业主验收。",
                        "{0} reported done{1}; the resident has been asked to accept it."},
        [M_OUT_PAID] = {"{0} 已收款 {1} 元，收据号 {2}，已通知业主。",
                        "{0}: {1} yuan received, receipt {2}; the resident has been told."},
        [M_OUT_CANCELLED] = {"{0} 已取消（{1}），已通知业主。",
                             "{0} is cancelled ({1}); the resident has been told."},
        [M_HELP_DISPATCH] =
                {"员工命令（调度/主管）：\n/orders 待处理工单\n/assign 工单号 员工 派单"
                 "（对方没有所需技能时需加 ! 确认）\n/accept 工单号 接单\n"
                 "/eta 工单号 时间 约定上门时间\n/start 工单号 开始处理\n"
                 "/done 工单号 [费用] 完工\n/quote 工单号 费用 原因 额外费用请业主同意\n"
                 "/reply 工单号 内容 给业主留言\n/photo 工单号 请业主发照片\n"
                 "/paid 工单号 收据号 收款\n"
                 "/cancel 工单号 原因 取消任何工单\n/resolve 工单号 处理结果 投诉结案\n"
                 "/assign 工单号 合作单位 派给合作单位（进度由您代为登记）\n"
                 "/new 代业主登记（电话或现场报修）\n"
                 "/off [员工] 下班 /on [员工] 上班 /staff 在岗情况与合作单位\n"
                 "/note 工单号 内容 内部备注\n/followups 回访结果",
                 "Staff commands (dispatch, supervision):\n/orders open orders\n"
                 "/assign N STAFF assign (add ! to confirm someone without the skill)\n"
                 "/accept N take order N\n/eta N TIME agree the visit time\n"
                 "/start N work started\n/done N [FEE] work finished\n"
                 "/quote N FEE REASON ask the resident to agree to a fee\n"
                 "/reply N TEXT write to the resident\n"
                 "/photo N ask the resident for a photo\n/paid N RECEIPT payment received\n"
                 "/cancel N REASON cancel any order\n"
                 "/resolve N RESOLUTION close a complaint\n"
                 "/assign N PARTNER give it to a partner company (you record its progress)\n"
                 "/new register a request for a resident who phoned or came in\n"
                 "/off [STAFF], /on [STAFF] off or on duty; /staff duty and partners\n"
                 "/note N TEXT a note for the centre\n/followups follow-up results"},
        [M_TALK_TO_RESIDENT] = {"【工单 {0}】{1}：{2}\n（直接回复即可，或发 /reply {0} 您的话）",
                                "[Order {0}] {1}: {2}\n(Just answer here, or send /reply {0} "
                                "YOUR MESSAGE.)"},
        [M_TALK_TO_STAFF] = {"【工单 {0}】业主（{1}）说：{2}\n回复业主请发 /reply {0} 内容",
                             "[Order {0}] The resident ({1}) says: {2}\nTo answer, send /reply "
                             "{0} TEXT"},
        [M_TALK_SENT_RESIDENT] = {"已发给工单 {0} 的业主。", "Sent to the resident of order {0}."},
        [M_TALK_SENT_STAFF] = {"已转告{1}（工单 {0}）。", "Passed on to {1} (order {0})."},
        [M_QUOTE_ASK] = {"工单 {0}：{1} 提出费用 {2} 元（{3}），超出公布的收费（{4}）。"
                         "额外费用须经您同意才能收取，您同意吗？请回复“同意”或“不同意”。",
                         "Order {0}: {1} proposes a fee of {2} yuan ({3}), above the published "
                         "price ({4}). An extra fee needs your consent: do you agree? Reply "
                         "/agree or /disagree."},
        [M_OUT_QUOTED] = {"{0} 的费用 {1} 元已请业主确认，业主答复后会通知您。",
                          "{0}: the fee of {1} yuan was sent to the resident for consent; you "
                          "will hear the answer."},
        [M_QUOTE_AGREED] = {"好的，您已同意工单 {0} 的费用 {1} 元，已告知师傅。",
                            "Noted: you agree to {1} yuan for order {0}; the technician has been "
                            "told."},
        [M_QUOTE_DECLINED] = {"好的，您不同意工单 {0} 的费用 {1} 元，已告知师傅，会与您另行沟通。",
                              "Noted: you do not agree to {1} yuan for order {0}; the technician "
                              "has been told and will talk it over with you."},
        [M_QUOTE_AGREED_STAFF] = {"工单 {0}：业主已同意费用 {1} 元。完工时发 /done {0} {1}",
                                  "Order {0}: the resident agrees to {1} yuan. When finished, "
                                  "send /done {0} {1}"},
        [M_QUOTE_DECLINED_STAFF] = {"工单 {0}：业主不同意费用 {1} 元。请用 /reply {0} "
                                    "与业主沟通，或按公布的收费完工。",
                                    "Order {0}: the resident does not agree to {1} yuan. Talk "
                                    "it over with /reply {0}, or finish at the published "
                                    "price."},
        [M_QUOTE_NONE] = {"目前没有等您确认的费用。", "There is no fee waiting for your answer."},
        [M_FEE_NEEDS_QUOTE] = {"{1} 元超出工单 {0} 公布或业主已同意的收费（{2} 元），未记录。"
                               "额外费用须先征得业主同意：/quote {0} {1} 原因",
                               "{1} yuan is more than the published or agreed fee of order {0} "
                               "({2} yuan); nothing was recorded. Ask the resident first: "
                               "/quote {0} {1} REASON"},
        [M_BTN_AGREE] = {"同意", "Agree"},
        [M_BTN_DISAGREE] = {"不同意", "Disagree"},
        [M_RESCHEDULE_ASKED] = {"已请负责的师傅重新约定工单 {0} 的上门时间，确定后会通知您。",
                                "The technician has been asked to agree a new visit time for "
                                "order {0}; you will be told."},
        [M_RESCHEDULE_PING] = {"【改约】工单 {0}（{1}）业主希望换个上门时间：{2}。"
                               "请与业主确认后发 /eta {0} 新时间",
                               "[New time] Order {0} ({1}): the resident asks for another "
                               "visit time: {2}. Agree it and send /eta {0} TIME"},
        [M_REOPENED] = {"工单 {0} 已重新打开，已通知师傅返工。",
                        "Order {0} is open again; the technician has been asked to come back."},
        [M_REOPEN_PING] = {"【重新打开】工单 {0}（{1}）业主反映问题又出现了：{2}。请尽快处理。",
                           "[Reopened] Order {0} ({1}): the resident says the problem is back: "
                           "{2}. Please go back."},
        [M_REOPEN_TOO_LATE] = {"工单 {0} 已完成超过 {1} 天，不能重新打开。请发“报修”重新登记。",
                               "Order {0} was closed more than {1} days ago and cannot be "
                               "reopened. Please send /repair to file it again."},
        [M_NO_SKILL] = {"{1}没有工单 {0} 需要的技能（{2}），未派单。确定要派给{1}，请发 /assign "
                        "{0} {3}!",
                        "{1} lacks the skill order {0} needs ({2}); not assigned. To assign "
                        "anyway, send /assign {0} {3}!"},
        [M_WITHDRAWN_PING] = {"工单 {0}（{1}）业主已撤销，不用上门了。",
                              "Order {0} ({1}) was withdrawn by the resident: no visit needed."},
        [M_WHICH_ORDER] = {"请写上工单号，例如：{0}", "Please give the order number, e.g. {0}"},
        /* desk intake */
        [M_DESK_START] = {"代业主登记（{0}）。", "Registering a request for a resident ({0})."},
        [M_DESK_ASK_DESCRIPTION] = {"业主需要什么服务？例如：厨房水管漏水。",
                                    "What does the resident need? e.g. \"kitchen tap is "
                                    "leaking\"."},
        [M_DESK_ASK_ROOM] = {"业主的房号？按 楼栋-单元-房号 填写，例如 3-2-501。",
                             "The resident's flat? Building-unit-room, e.g. 3-2-501."},
        [M_DESK_ASK_NAME] = {"业主怎么称呼？例如：王先生。",
                             "The resident's name? e.g. \"Mr Wang\"."},
        [M_DESK_ASK_PHONE] = {"业主的联系电话？用这个号码在聊天中报修过的业主会在聊天中收到进度。",
                              "The resident's phone number? A resident who filed requests by "
                              "chat with this number hears of progress there."},
        [M_DESK_ASK_TIME] = {"业主希望什么时间上门或办理？例如：明天上午，或“尽快”。",
                             "When would suit the resident? e.g. \"tomorrow morning\" or "
                             "\"asap\"."},
        [M_DESK_SUMMARY] =
                {"请核对代登记的需求（{9}）：\n类别：{0}{8}\n内容：{1}\n房号：{2}\n联系人：{3}\n"
                 "电话：{4}\n期望时间：{5}\n收费：{6}\n响应承诺：{7} 分钟内响应\n"
                 "回复“确认”提交，“上一步”修改，“取消”放弃。",
                 "Please check the request taken down ({9}):\nCategory: {0}{8}\nDetails: {1}\n"
                 "Flat: {2}\nName: {3}\nPhone: {4}\nPreferred time: {5}\nPrice: {6}\n"
                 "Promised response: {7} minutes.\n"
                 "Reply \"yes\" to submit, \"back\" to change, \"cancel\" to drop it."},
        [M_DESK_CANCELLED] = {"好的，代登记已取消，没有生成工单。",
                              "OK, nothing was registered for the resident."},
        [M_DESK_CREATED] = {"已代业主登记，工单号 {0}（{1}），承诺 {2} 分钟内响应。{3}",
                            "Registered for the resident as order {0} ({1}); promised "
                            "response within {2} minutes. {3}"},
        [M_DESK_REACH_CHAT] = {"业主会在 {0} 上收到工单号和进度通知。",
                               "The resident gets the number and progress notices on {0}."},
        [M_DESK_REACH_PHONE] = {"这个电话没有在聊天中报修过，业主收不到进度通知：通知请电话联系 "
                                "{0} {1}。",
                                "No resident reached by chat has this phone, so nobody is "
                                "notified: please call {0} on {1} with news."},
        [M_DESK_DECLINED] = {"已记录为不予受理（工单 {0}），请告知业主：{1}",
                             "Recorded as declined (order {0}); please tell the resident: {1}"},
        [M_DESK_URGENT] =
                {"【紧急】工单 {0} 已按紧急处理，值班主管和师傅已收到通知。请提醒业主：{1}"
                 "{2}",
                 "[URGENT] Order {0} is urgent: the supervisor and the staff on duty "
                 "have been alerted. Please tell the resident: {1}{2}"},
        [M_DESK_CALL] = {"；请拨打 {0}", "; call {0}"},
        [M_DESK_TO_RESIDENT] = {"服务中心已为您登记工单 {0}（{3}）：{1}。我们承诺 {2} "
                                "分钟内响应，进度会在这里通知您。",
                                "The service centre registered your request as order {0} ({3}): "
                                "{1}. We will respond within {2} minutes and keep you posted "
                                "here."},
        [M_DESK_COMPLAINT_SUMMARY] =
                {"请核对代登记的投诉（{9}）：\n内容：{1}\n房号：{2}\n联系人：{3}\n电话：{4}\n"
                 "由主管负责，{7} 小时内答复。\n"
                 "回复“确认”提交，“上一步”修改，“取消”放弃。",
                 "Please check the complaint taken down ({9}):\nDetails: {1}\nFlat: {2}\n"
                 "Name: {3}\nPhone: {4}\nA supervisor answers within {7} hours.\n"
                 "Reply \"yes\" to submit, \"back\" to change, \"cancel\" to drop it."},
        [M_DESK_COMPLAINT] = {"已代业主登记投诉，工单号 {0}（{1}），由{2}负责，{3} 小时内答复。{4}",
                              "Registered the resident's complaint as order {0} ({1}); {2} "
                              "handles it and answers within {3} hours. {4}"},
        [M_DESK_NO_CHAT] = {"提示：工单 {0} 的业主没有聊天渠道，以上情况请电话告知 {1} {2}。",
                            "Note: the resident of order {0} has no chat; please call {1} on {2} "
                            "with this news."},
        [M_SOURCE_PHONE] = {"电话报修", "by phone"},
        [M_SOURCE_WALKIN] = {"现场报修", "walk-in"},
        [M_SOURCE_DESK] = {"前台登记", "at the desk"},
        /* duty */
        [M_DUTY_YOU] = {"您", "You are"},
        [M_DUTY_THEM] = {"{0}", "{0} is"},
        [M_DUTY_OFF] = {"{0}已下班{1}，期间不会收到派单通知；发 /on 或“上班”恢复在岗。",
                        "{0} off duty{1}: no dispatch pings meanwhile. Send /on to be back on "
                        "duty."},
        [M_DUTY_BACK_AT] = {"（{0} 自动恢复在岗）", " (back on duty by itself at {0})"},
        [M_DUTY_ON] = {"{0}已在岗{1}，会收到派单通知。",
                       "{0} on duty{1} and will get dispatch pings."},
        [M_DUTY_TILL] = {"（至 {0}）", " (until {0})"},
        [M_DUTY_STATE_ON] = {"在岗", "on duty"},
        [M_DUTY_STATE_OFF] = {"下班", "off duty"},
        [M_DUTY_HOURS] = {"今日 {0}", "today {0}"},
        [M_DUTY_NO_HOURS] = {"今日休息", "no hours today"},
        [M_DUTY_SAID] = {"自行标记{0}", "marked by hand{0}"},
        [M_STAFF_HEAD] = {"员工与在岗情况：", "Staff and duty:"},
        [M_PARTNERS_HEAD] = {"合作单位：", "Partner companies:"},
        [M_ROLE_TECHNICIAN] = {"技工", "technician"},
        [M_ROLE_DISPATCHER] = {"调度", "dispatcher"},
        [M_ROLE_SUPERVISOR] = {"主管", "supervisor"},
        [M_NOBODY_ON_DUTY] =
                {"【无人在岗】工单 {0}（{1}）需要技能 {2}，目前没有在岗的人能接。请派单"
                 "（/assign {0} 员工或合作单位）或联系值班人员。{3}",
                 "[Nobody on duty] Order {0} ({1}) needs the skill {2} and nobody "
                 "on duty has it. Please assign it (/assign {0} STAFF or PARTNER) "
                 "or call someone in. {3}"},
        [M_PARTNERS_CAN] = {"可派合作单位：{0}", "Partners who can: {0}"},
        [M_OFF_DUTY_ASSIGN] = {"{1}现在不在岗。确要派给{1}，请发 /assign {0} {2}!",
                               "{1} is off duty now. To assign it anyway, send /assign {0} {2}!"},
        [M_BAD_UNTIL] = {"这个时间没看懂或已经过去了，例如：{0}",
                         "I couldn't read that time, or it is past; e.g. {0}"},
        /* partners */
        [M_PARTNER_ORDER] =
                {"【派工单】{0} 工单 {1}\n类别：{2}\n房号：{3}\n内容：{4}\n联系人：{5}\n"
                 "电话：{6}\n期望时间：{7}\n请与业主约定上门时间，并把进度告知服务中心"
                 "（{8}）。",
                 "[Work order] {0}, order {1}\nCategory: {2}\nFlat: {3}\n"
                 "Details: {4}\nName: {5}\nPhone: {6}\nPreferred time: {7}\n"
                 "Please agree a visit time with the resident and keep the service "
                 "centre posted ({8})."},
        [M_OUT_PARTNER] = {"{0} 已派给合作单位{1}，已发送派工单并通知业主。进度请代为登记："
                           "/eta /start /done。",
                           "{0} is assigned to the partner {1}: the work order was sent and the "
                           "resident told. Record their progress with /eta, /start and /done."},
        [M_PARTNER_UNREACHED] = {"合作单位{0}收不到聊天消息（渠道未启用），请电话派工：{1}。",
                                 "The partner {0} cannot be reached by chat (channel off): "
                                 "please phone the work order through: {1}."},
        [M_PARTNER_CANCELLED] = {"{0}：工单 {1} 已取消（{2}），请不要上门。",
                                 "{0}: order {1} was cancelled ({2}); please do not go."},
        [M_PARTNER_REWORK] = {"{0}：工单 {1} 业主反馈问题未解决，需要返工：{2} {3}",
                              "{0}: the resident of order {1} says it is not fixed; rework "
                              "needed: {2} {3}"},
        [M_PARTNER_TAKEN_OFF] = {"{0}：工单 {1} 已改派他人，请不要上门。",
                                 "{0}: order {1} went to someone else; please do not go."},
        [M_NOBODY_TO_DISPATCH] = {"【无人在岗】工单 {0}（{1}）待派单，目前没有在岗的调度员或主管。"
                                  "请尽快安排（/assign {0} 员工或合作单位）。",
                                  "[Nobody on duty] Order {0} ({1}) waits to be assigned and no "
                                  "dispatcher or supervisor is on duty. Please assign it (/assign "
                                  "{0} STAFF or PARTNER)."},
        [M_QUOTE_BY_PHONE] = {"工单 {0} 的业主没有聊天渠道：已记录为业主电话同意的费用 {1} 元，"
                              "完工时可按此收费。",
                              "The resident of order {0} has no chat: {1} yuan is recorded as "
                              "agreed on the phone, and may be charged at /done."},
        [M_NO_CHAT_CALL] = {"工单 {0} 的业主没有聊天渠道，无法在线留言或报价，请电话联系 {1} {2}。",
                            "The resident of order {0} has no chat, so nothing can be sent to "
                            "them: please call {1} on {2}."},
        /* understanding a first message */
        [M_EMERGENCY] = {"【紧急】{0}\n请立即拨打：{1}。\n我们已通知值班人员，马上处理。",
                         "[URGENT] {0}\nCall now: {1}.\nThe staff on duty have been alerted."},
        [M_EMERGENCY_RECORDED] = {"已登记紧急工单 {0}，值班主管和师傅已收到通知，请保持电话畅通。"
                                  "方便时请告诉我们具体位置（房号）和联系电话。",
                                  "Urgent order {0} is recorded and the supervisor and staff "
                                  "on duty are alerted; please keep your phone at hand. When "
                                  "you can, tell us where exactly (flat) and a phone number."},
        [M_EMERGENCY_PING] = {"【紧急】工单 {0}：{1}\n位置：{2}\n联系人：{3}\n"
                              "已提示住户：{4}\n请立即处理！",
                              "[URGENT] Order {0}: {1}\nWhere: {2}\nContact: {3}\n"
                              "Resident was told: {4}\nPlease act now!"},
        [M_COMPLAINT_TAKEN] = {"您的投诉已登记（{0}），由{1}负责处理，将在 {2} 小时内答复您。",
                               "Your complaint is recorded ({0}). {1} handles it and will "
                               "answer within {2} hours."},
        [M_COMPLAINT_PING] = {"【投诉】工单 {0}：{1}\n投诉人：{2}\n请在 {3} 小时内答复"
                              "（/reply {0} 内容），处理后 /resolve {0} 处理结果 结案。",
                              "[Complaint] Order {0}: {1}\nFrom: {2}\nPlease answer within "
                              "{3} hours (/reply {0} TEXT), then close it with /resolve {0} "
                              "RESOLUTION."},
        /* complaints */
        [M_ASK_RESOLVED] = {"您的投诉 {0} 处理结果：{1}\n您对处理满意吗？回复“满意”结案，"
                            "或“不满意”请主管继续跟进。",
                            "Your complaint {0} was handled: {1}\nAre you satisfied? Answer yes "
                            "to close it, or no and the supervisor will follow it up."},
        [M_RESOLVED_THANKS] = {"感谢您的反馈！投诉 {0} 已结案。",
                               "Thank you for your feedback! Complaint {0} is closed."},
        [M_RESOLVED_AGAIN] = {"抱歉处理没有让您满意。已转回主管继续跟进投诉 {0}。",
                              "Sorry the handling did not satisfy you. Complaint {0} is back "
                              "with the supervisor."},
        [M_RESOLVED_STAFF] = {"投诉 {0}：住户对处理结果满意，已结案。",
                              "Complaint {0}: the resident is satisfied; it is closed."},
        [M_UNRESOLVED_PING] = {"【投诉】{0} 住户对处理结果不满意：{1}\n请继续跟进"
                               "（/reply {0} 内容），处理后 /resolve {0} 处理结果。",
                               "[Complaint] {0}: the resident is not satisfied with the "
                               "handling: {1}\nPlease follow it up (/reply {0} TEXT), then "
                               "/resolve {0} RESOLUTION."},
        [M_OUT_RESOLVED] = {"投诉 {0} 已答复处理结果，已请住户确认是否满意。",
                            "Complaint {0}: the resolution was sent; the resident is asked "
                            "whether it satisfied them."},
        [M_NOT_COMPLAINT] = {"{0} 不是投诉；完工请用 /done {0}。",
                             "{0} is not a complaint; use /done {0} when the work is finished."},
        [M_USE_RESOLVE] = {"{0} 是投诉，请用 /resolve {0} 处理结果 结案。",
                           "{0} is a complaint: close it with /resolve {0} RESOLUTION."},
        [M_ANSWER_FOOT] = {"还有其他问题可以直接问我；需要报修请发“报修”。",
                           "Anything else, just ask; for a repair send /repair."},
        [M_GREETING] = {"您好！我是物业服务中心的助手，直接告诉我需要什么就行，例如：\n"
                        "· 报修：厨房水龙头漏水\n· 保洁、代办、咨询（物业费、停车、门禁卡…）\n"
                        "· 紧急情况（燃气泄漏、电梯困人、着火）请直接说明",
                        "Hello! I'm the service centre's assistant. Just tell me what you "
                        "need, for example:\n· a repair: kitchen tap is leaking\n"
                        "· cleaning, errands, questions (fees, parking, access cards...)\n"
                        "· emergencies (gas smell, someone stuck in a lift, fire): say so "
                        "straight away"},
        [M_WELCOME_THANKS] = {"不客气，很高兴为您服务！还有需要随时告诉我"
                              "（报修、保洁、代办、咨询）。",
                              "You're welcome! Anything else, just tell me (repair, cleaning, "
                              "errands, questions)."},
        [M_QUESTION_TO_STAFF] = {"这个问题我先转给工作人员回答，请留下联系方式，答复会发给您。",
                                 "I'll pass this question to our staff; leave your details "
                                 "and the answer will come to you."},
        [M_SEVERAL] = {"您提到了 {0} 件事，确认后会分别登记成工单，各自派给对应的师傅：\n{1}",
                       "You mentioned {0} things; once you confirm, each becomes its own "
                       "order, sent to the right technician:\n{1}"},
        [M_BAD_TIME_PAST] = {"这个时间已经过去了，请告诉我们以后的时间，例如“明天上午”或“尽快”。",
                             "That time has passed; please give a time from now on, e.g. "
                             "\"tomorrow morning\" or \"asap\"."},
        [M_BAD_TIME_PHONE] = {"这看起来是电话号码，不是时间。您希望什么时间上门？例如“明天上午”"
                              "或“尽快”。",
                              "That looks like a phone number, not a time. When would suit "
                              "you? e.g. \"tomorrow morning\" or \"asap\"."},
        [M_CAT_COMPLAINT] = {"投诉", "complaint"},
        [M_CALL_CENTRE] = {"物业值班电话 {0}", "the centre's duty phone {0}"},
        /* photos */
        [M_PHOTO_ATTACHED] = {"照片已收到，已附到工单 {0}，师傅上门前会先看。",
                              "Photo received and added to order {0}; the technician will "
                              "see it before the visit."},
        [M_PHOTO_KEPT] = {"照片已收到，提交后会附在这张工单上。",
                          "Photo received; it will be added to the request once you confirm "
                          "it."},
        [M_PHOTO_NO_ORDER] = {"收到照片，但没有可以附上的工单。请先发“报修”说明问题，"
                              "再发照片（下单后 30 分钟内发送也可以）。",
                              "Photo received, but there is no request to add it to. Send "
                              "/repair and describe the problem first, then the photo (or "
                              "send it within 30 minutes of your request)."},
        [M_PHOTO_NOT_IMAGE] = {"这个文件不是照片，无法保存。请直接拍照，或从相册选择 JPG、PNG、"
                               "WebP 或 HEIC 格式的照片。",
                               "That file is not a photo, so it was not kept. Take a picture, "
                               "or pick a JPG, PNG, WebP or HEIC photo from your gallery."},
        [M_PHOTO_TOO_BIG] = {"照片太大了（最大 {0}），请压缩或截图后再发。",
                             "That photo is too large (at most {0}); please send a smaller "
                             "one or a screenshot."},
        [M_PHOTO_FAILED] = {"照片没有收到，请再发一次。",
                            "The photo did not come through; please send it again."},
        [M_PHOTO_GROUP] = {"照片可能含有个人信息，群里的照片不会保存。请私聊我发送照片。",
                           "Photos can show personal things, so photos in the group are not "
                           "kept. Please send the photo to me in a private chat."},
        [M_PHOTO_STAFF] = {"【照片】工单 {0} 收到业主照片（{1}）：{2}",
                           "[Photo] Order {0}: the resident sent a photo ({1}): {2}"},
        [M_PHOTO_ASK] = {"工单 {0}：工作人员请您拍一张问题部位的照片发过来，方便提前准备工具和"
                         "材料。",
                         "Order {0}: our staff ask for a photo of the problem, so they can "
                         "bring the right tools and parts. Please send one here."},
        [M_PHOTO_ASKED] = {"已请业主为工单 {0} 发照片，收到后会通知您。",
                           "The resident was asked for a photo for order {0}; you will be "
                           "told when it comes."},
        [M_PING_PHOTOS] = {"\n照片 {0} 张：concierge orders show {1}",
                           "\nPhotos: {0} (concierge orders show {1})"},
        [M_FLAG_URGENT] = {"【紧急】", "[URGENT] "},
        [M_FLAG_COMPLAINT] = {"【投诉】", "[COMPLAINT] "},
        [M_PHOTO_NO_RESIDENT] = {"工单 {0} 没有可以联系的业主，无法索要照片。",
                                 "Order {0} has no resident to ask for a photo."},
        [M_PHOTO_FROM_STAFF] = {"收到照片，但工单只保存业主发来的照片。如需业主拍照，请发 /photo "
                                "工单号。",
                                "Photo received, but orders keep only the photos residents send. "
                                "To ask a resident for one, send /photo N."},
        [M_OUT_NOTED] = {"已在工单 {0} 中记下备注（业主看不到）。",
                         "Note added to order {0} (the resident does not see it)."},
        /* timers */
        [M_AFTER_HOURS] = {"现在是下班时间（服务时间 {0}），响应时间从{1}起计算。"
                           "如有紧急情况请直接拨打 {2}。",
                           "We are closed now (open {0}); the response time counts from {1}. "
                           "In an emergency call {2}."},
        [M_AT_TODAY] = {"今天 {0} ", "{0} today"},
        [M_AT_TOMORROW] = {"明天 {0} ", "{0} tomorrow"},
        [M_LATE_RESPONSE] = {"很抱歉，您的工单 {0} 未能在承诺的 {1} 分钟内安排师傅。"
                             "已升级给{2}，{2}会尽快安排并与您联系。",
                             "We are sorry: nobody took order {0} within the promised {1} "
                             "minutes. It has gone to {2}, who will arrange it and contact you "
                             "soon."},
        [M_LATE_COMPLETE] = {"很抱歉，您的工单 {0} 未能在承诺的 {1} 小时内完成。"
                             "已升级给{2}，{2}会跟进处理并与您联系。",
                             "We are sorry: order {0} was not finished within the promised {1} "
                             "hours. It has gone to {2}, who will follow it up and contact you."},
        [M_OVERDUE_COMPLETE] = {"【超时未完成】工单 {0} 已超过承诺的 {1} 小时仍未完成"
                                "（负责人 {2}）：{3} {4}",
                                "[Overdue] Order {0} is not finished within the promised {1} "
                                "hours (handled by {2}): {3} {4}"},
        [M_ACCEPT_REMINDER] = {"提醒：工单 {0} 还在等您验收，{1}前未答复将自动完成。",
                               "Reminder: order {0} is waiting for your check. Without an "
                               "answer it closes by itself at {1}."},
        [M_SUPERVISOR_ANY] = {"主管", "the supervisor"},
        /* follow-up visits */
        [M_FU_INTRO] = {"【回访】您好！您的工单 {0}（{1}）已经完成，想请您回答几个小问题，"
                        "帮助我们改进服务。",
                        "[Follow-up] Hello! Your order {0} ({1}) was finished recently. "
                        "May we ask a few short questions to improve our service?"},
        [M_FU_ASK_RESOLVED] = {"问题是否已经解决？请回复“是”或“否”。",
                               "Is the problem solved? Please answer yes or no."},
        [M_FU_ASK_SATISFIED] = {"{1}是否准时、礼貌？请回复“是”或“否”。",
                                "Was {1} on time and polite? Please answer yes or no."},
        [M_FU_ASK_COMMENT] = {"还有其他意见或建议吗？直接回复即可，没有请回复“跳过”。",
                              "Anything else you would like to tell us? Just write it, or "
                              "\"skip\"."},
        [M_FU_SORRY_UNRESOLVED] = {"很抱歉问题还没有解决，我们已转告主管跟进。",
                                   "We are sorry it is not solved; the supervisor has been "
                                   "told and will follow it up."},
        [M_FU_SORRY_REOPENED] = {"很抱歉问题还没有解决。工单已重新打开，师傅会再与您联系，"
                                 "主管也会跟进。",
                                 "We are sorry it is not solved. The order is open again: the "
                                 "technician will contact you, and the supervisor follows it "
                                 "up."},
        [M_FU_STAFF_ANY] = {"工作人员", "our staff"},
        [M_FU_SORRY_UNSATISFIED] = {"抱歉给您带来不好的体验，我们已转告主管。",
                                    "We are sorry about that; the supervisor has been told."},
        [M_FU_THANKS] = {"感谢您的反馈！祝您生活愉快。", "Thank you for your feedback!"},
        [M_FU_LATER] = {"好的，不打扰您了。有需要随时找我们。",
                        "All right, we won't bother you. We are here whenever you need us."},
        [M_FU_ALERT_UNRESOLVED] =
                {"【回访】工单 {0}（{2}，负责人 {1}）业主表示问题未解决：{3}。{4}",
                 "[Follow-up] Order {0} ({2}, handled by {1}): the resident "
                 "says it is not solved: {3}. {4}"},
        [M_FU_REOPENED_PART] = {"工单已重新打开，转返工，请跟进。",
                                "The order is open again for rework; please follow it up."},
        [M_FU_NOT_REOPENED_PART] = {"请联系业主了解情况。", "Please contact the resident."},
        [M_FU_ALERT_UNSATISFIED] =
                {"【回访】工单 {0} 业主对{1}的准时、礼貌不满意，请联系业主了解情况。",
                 "[Follow-up] Order {0}: the resident was not happy with how "
                 "on time or polite {1} was. Please contact them."},
        [M_FU_ALERT_COMMENT] = {"【回访】工单 {0} 业主意见：{1}",
                                "[Follow-up] Order {0}, the resident says: {1}"},
        [M_FU_REOPEN_WHAT] = {"回访时业主表示问题未解决", "not solved, said at the follow-up"},
        [M_FU_LIST_HEAD] = {"回访结果（近 {0} 天）：", "Follow-ups (last {0} days):"},
        [M_FU_LIST_NONE] = {"近 {0} 天没有回访记录。", "No follow-ups in the last {0} days."},
        [M_FU_SUMMARY] = {"合计：抽样 {0} 单，已回复 {1}，未回复 {2}；已解决 {3}/{4}，"
                          "准时礼貌 {5}/{6}；重新打开 {7} 单。",
                          "In all: {0} sampled, {1} answered, {2} unanswered; solved {3} of "
                          "{4}, on time and polite {5} of {6}; {7} reopened."},
        [M_FU_ST_SAMPLED] = {"待回访", "to ask"},
        [M_FU_ST_ASKED] = {"已询问", "asked"},
        [M_FU_ST_ANSWERED] = {"已回复", "answered"},
        [M_FU_ST_UNANSWERED] = {"未回复", "no answer"},
        [M_FU_ST_DROPPED] = {"未回访（工单已重新打开）", "not asked (order reopened)"},
        [M_FU_RESOLVED_YES] = {"已解决", "solved"},
        [M_FU_RESOLVED_NO] = {"未解决", "not solved"},
        [M_FU_SATISFIED_YES] = {"准时礼貌", "on time and polite"},
        [M_FU_SATISFIED_NO] = {"不满意", "not happy"},
        [M_FU_REOPENED_TAG] = {"已重新打开", "reopened"},
        /* one resident across channels */
        [M_LINK_USAGE] =
                {"绑定手机：如果您也在其他渠道（网页、App 等）用同一个手机号找过我们，"
                 "发送“/link 手机号”（或“绑定手机 手机号”），再输入发到那边的 6 位验证码，"
                 "两边就是同一位业主：工单和通知都会跟着您。",
                 "Link your chats: if you also talk to us on another channel with the same "
                 "phone number, send \"/link PHONE\", then type the 6-digit code sent "
                 "there. Both chats then belong to one resident: your orders and notices "
                 "follow you."},
        [M_LINK_SENT] = {"如果这个号码已在我们这里登记，您会在另一个渠道的聊天里收到一个 6 位验证码"
                         "（10 分钟内有效），请在这里输入。\n如果收不到：该号码可能只在前台登记过，"
                         "或那个渠道已停用，无法通过聊天绑定，请联系服务台{0}。",
                         "If this number is registered with us you will get a 6-digit code on your "
                         "other chat (valid for 10 minutes): type it here.\nIf no code comes, "
                         "linking by chat is not possible for it (the number was only given at "
                         "the desk, or that chat is no longer in use): please ask the service "
                         "desk{0}."},
        [M_LINK_CODE] =
                {"有人在“{0}”上留了您的手机号 {1}。如果是您本人，在“{0}”上输入验证码：{2}，"
                 "那边的聊天就与这里合并为同一位业主，工单和通知会跟着您（10 分钟内有效）。\n"
                 "如果不是您，请忽略本消息，不要把验证码告诉任何人。",
                 "Someone on \"{0}\" gave your phone number {1}. If it was you, type "
                 "this code there: {2} - that chat and this one then become one "
                 "resident, and your orders and notices follow you (valid for 10 "
                 "minutes).\nIf it was not you, ignore this message and tell nobody the "
                 "code."},
        [M_LINK_WRONG] = {"验证码不对，还可以再试 {0} 次。",
                          "That code is not right; {0} tries left."},
        [M_LINK_LOCKED] = {"尝试次数太多，绑定已暂停到 {0}。需要帮助请联系服务台。",
                           "Too many tries: linking is paused until {0}. The service desk can "
                           "help."},
        [M_LINK_EXPIRED] = {"验证码已过期，请重新发送“/link 手机号”。",
                            "The code has expired: send \"/link PHONE\" again."},
        [M_LINK_NONE] = {"目前没有等待输入的验证码，请先发送“/link 手机号”。",
                         "No code is waiting: send \"/link PHONE\" first."},
        [M_LINK_DONE] = {"绑定成功：{0} 上的聊天现在是同一位业主。工单在任一边都能查看（/my），"
                         "通知发到您最后发消息的渠道；“/notify 渠道”可指定渠道，"
                         "“/unlink”可解除这里的绑定。",
                         "Linked: your chats on {0} are now one resident. Your orders show on "
                         "either (/my) and notices go where you last wrote; \"/notify CHANNEL\" "
                         "picks one, \"/unlink\" detaches this chat."},
        [M_LINK_DONE_OTHER] = {"您在“{0}”上的聊天已与这里合并为同一位业主。如果不是您本人操作，"
                               "请联系服务台。",
                               "Your chat on \"{0}\" is now linked with this one as one "
                               "resident. If that was not you, please contact the service desk."},
        [M_LINK_FAILED] = {"绑定没有完成，请重新发送“/link 手机号”。",
                           "Linking did not go through: send \"/link PHONE\" again."},
        [M_LINK_RESIDENTS] = {"绑定手机是给业主用的：员工的身份在员工名单里配置。",
                              "Linking chats is for residents: staff identities are set in the "
                              "staff list."},
        [M_UNLINK_DONE] = {"已解除绑定：这里的聊天不再与 {0} 共用工单和通知。",
                           "Detached: this chat no longer shares orders and notices with {0}."},
        [M_UNLINK_NONE] = {"这里的聊天没有与其他渠道绑定。",
                           "This chat is not linked with another channel."},
        [M_NOTIFY_STATE] = {"已绑定的渠道：{0}。通知发到：{1}。\n“/notify 渠道”指定渠道，"
                            "“/notify auto”恢复为最后发消息的渠道。",
                            "Linked channels: {0}. Notices go to: {1}.\n\"/notify CHANNEL\" "
                            "picks one, \"/notify auto\" sends them where you last wrote."},
        [M_NOTIFY_SET] = {"好的，以后的通知发到“{0}”。", "OK: notices go to \"{0}\" from now on."},
        [M_NOTIFY_AUTO] = {"好的，以后的通知发到您最后发消息的渠道。",
                           "OK: notices go where you last wrote from now on."},
        [M_NOTIFY_LAST] = {"最后发消息的渠道", "where you last wrote"},
        [M_NOTIFY_UNKNOWN] = {"您没有在“{0}”上与我们聊过。已绑定的渠道：{1}。",
                              "You have not talked to us on \"{0}\". Linked channels: {1}."},
};

const char *dlg_msg(int lang, enum dlg_msg id)
{
	const char *s;

	if ((int)id < 0 || id >= M_COUNT)
		return "";
	s = lang == 1 ? msgs[id].en : msgs[id].zh;
	return s ? s : "";
}

static const struct {
	const char *key;
	enum dlg_msg msg;
} names[] = {
        {"pending", M_STATUS_PENDING},
        {"assigned", M_STATUS_ASSIGNED},
        {"scheduled", M_STATUS_SCHEDULED},
        {"in_progress", M_STATUS_IN_PROGRESS},
        {"awaiting_acceptance", M_STATUS_AWAITING},
        {"closed", M_STATUS_CLOSED},
        {"rework", M_STATUS_REWORK},
        {"cancelled", M_STATUS_CANCELLED},
        {"declined", M_STATUS_DECLINED},
        {"repair", M_CAT_REPAIR},
        {"cleaning", M_CAT_CLEANING},
        {"errand", M_CAT_ERRAND},
        {"inquiry", M_CAT_INQUIRY},
        {"complaint", M_CAT_COMPLAINT},
        {"phone", M_SOURCE_PHONE},
        {"walk-in", M_SOURCE_WALKIN},
        {"desk", M_SOURCE_DESK},
        {"technician", M_ROLE_TECHNICIAN},
        {"dispatcher", M_ROLE_DISPATCHER},
        {"supervisor", M_ROLE_SUPERVISOR},
};

static const char *lookup_name(int lang, const char *key)
{
	size_t i;

	for (i = 0; key && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].key, key) == 0)
			return dlg_msg(lang, names[i].msg);
	return key ? key : "";
}

const char *dlg_status_name(int lang, const char *status)
{
	return lookup_name(lang, status);
}

const char *dlg_category_name(int lang, const char *category)
{
	return lookup_name(lang, category);
}

const char *dlg_source_name(int lang, const char *source)
{
	return lookup_name(lang, source);
}

const char *dlg_role_name(int lang, const char *role)
{
	return lookup_name(lang, role);
}

int dlg_messages_missing(void)
{
	int i;

	for (i = 0; i < M_COUNT; i++)
		if (!msgs[i].zh || !msgs[i].en || !*msgs[i].zh || !*msgs[i].en)
			return i + 1;
	return 0;
}
