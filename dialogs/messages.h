/*
 * messages.h - every sentence Concierge says, in zh-CN and en.
 *
 * Messages are templates for buf_tpl(): "{0}".."{9}" are filled with
 * strings, in an order each entry documents. Keeping all text here lets the
 * engine and the command layer speak the same voice in both languages, and
 * lets dlg_check_flows() prove at start-up that no message lacks a language.
 */
#ifndef CONCIERGE_MESSAGES_H
#define CONCIERGE_MESSAGES_H

enum dlg_msg {
	M_START, /* {0} category name */
	M_ASK_DESCRIPTION,
	M_ASK_ROOM,
	M_ASK_NAME,
	M_ASK_PHONE,
	M_ASK_TIME,
	M_ASK_SAVED, /* {0} name {1} room {2} masked phone */
	M_SUMMARY,   /* {0} category {1} description {2} room {3} name {4} phone {5} time
	                {6} price {7} minutes {8} item name */
	M_CREATED,   /* {0} number {1} minutes */
	M_CANCELLED_INTAKE,
	M_BAD_DESC,
	M_BAD_DESC_LONG,
	M_BAD_ROOM,
	M_BAD_NAME,
	M_BAD_PHONE,
	M_BAD_TIME,
	M_BAD_CONFIRM,
	M_BAD_YESNO,
	M_TOO_MANY, /* {0} service centre phone */
	M_HELP_FOOT,
	M_DECLINED, /* {0} description {1} referral */
	M_RESUMED,
	M_RESUMED_FOLLOWUP,
	M_EXPIRED,
	M_FIRST_STEP,
	M_ASK_ACCEPT, /* {0} number {1} staff name {2} fee sentence */
	M_FEE_PART,   /* {0} amount */
	M_ASK_RATING,
	M_REWORK_ACK, /* {0} number */
	M_BAD_RATING,
	M_ASK_COMMENT,
	M_THANKS, /* {0} number */
	M_BTN_CONFIRM,
	M_BTN_BACK,
	M_BTN_CANCEL,
	M_BTN_YES,
	M_BTN_NO,
	M_BTN_ACCEPT_YES,
	M_BTN_ACCEPT_NO,
	M_BTN_SKIP,
	M_BTN_ASAP,
	M_BTN_ACCEPT_ORDER,
	M_BTN_START_WORK,
	M_BTN_DONE_WORK,
	M_PING,              /* {0} number {1} category {2} item {3} room {4} description {5} time
	                        {6} contact (masked) {7} minutes */
	M_CONTACT,           /* {0} number {1} name {2} room {3} phone {4} description {5} time */
	M_NOTICE_ASSIGNED,   /* {0} number {1} staff name */
	M_NOTICE_ETA,        /* {0} number {1} staff name {2} time {3} centre phone */
	M_NOTICE_STARTED,    /* {0} number {1} staff name */
	M_NOTICE_CANCELLED,  /* {0} number {1} reason */
	M_NOTICE_PAID,       /* {0} number {1} amount {2} receipt */
	M_NOTICE_REASSIGNED, /* {0} number {1} new staff */
	M_STAFF_ONLY,
	M_SUPERVISOR_ONLY,
	M_NOT_YOURS,       /* {0} number {1} assignee */
	M_NO_ORDER,        /* {0} number */
	M_BAD_STATE,       /* {0} number {1} status name */
	M_USAGE,           /* {0} usage */
	M_NO_STAFF,        /* {0} id */
	M_BAD_FEE,         /* {0} text */
	M_NO_FEE,          /* {0} number */
	M_ALREADY_PAID,    /* {0} number {1} receipt */
	M_REWORK_PING,     /* {0} number {1} room {2} description */
	M_LOW_RATING,      /* {0} number {1} rating {2} assignee {3} comment */
	M_ASSIGNED_TO_YOU, /* {0} number */
	M_MY_NONE,
	M_MY_HEAD,
	M_ORDERS_NONE,
	M_ORDERS_HEAD,
	M_PRICES_HEAD,
	M_HELP_RESIDENT,
	M_HELP_STAFF,
	M_RESIDENT_CANCELLED,     /* {0} number */
	M_RESIDENT_CANNOT_CANCEL, /* {0} number {1} status */
	M_CANCEL_PING,            /* {0} number {1} reason */
	M_ESCALATED,              /* {0} number {1} minutes {2} room {3} description */
	M_AUTO_CLOSED,            /* {0} number */
	M_ACCEPTED_STAFF,         /* {0} number {1} rating-or-empty */
	M_LANG_SET,
	M_GROUP_MOVED, /* {0} link */
	M_GROUP_HINT,
	M_UNKNOWN_COMMAND, /* {0} command */
	M_ERROR,
	M_STATUS_PENDING,
	M_STATUS_ASSIGNED,
	M_STATUS_SCHEDULED,
	M_STATUS_IN_PROGRESS,
	M_STATUS_AWAITING,
	M_STATUS_CLOSED,
	M_STATUS_REWORK,
	M_STATUS_CANCELLED,
	M_STATUS_DECLINED,
	M_CAT_REPAIR,
	M_CAT_CLEANING,
	M_CAT_ERRAND,
	M_CAT_INQUIRY,
	M_NONE_GIVEN,
	M_ACCEPT_LATER, /* {0} number {1} days until it closes by itself */
	/* staff and residents about an order */
	M_OUT_ACCEPTED,         /* {0} number {1} staff name */
	M_OUT_ASSIGNED,         /* {0} number {1} staff name */
	M_OUT_ETA,              /* {0} number {1} time */
	M_OUT_STARTED,          /* {0} number */
	M_OUT_DONE,             /* {0} number {1} fee sentence (M_FEE_PART) or "" */
	M_OUT_PAID,             /* {0} number {1} amount {2} receipt */
	M_OUT_CANCELLED,        /* {0} number {1} reason */
	M_HELP_DISPATCH,        /* staff help for dispatchers and supervisors */
	M_TALK_TO_RESIDENT,     /* {0} number {1} staff name {2} text */
	M_TALK_TO_STAFF,        /* {0} number {1} room {2} text */
	M_TALK_SENT_RESIDENT,   /* {0} number (to the staff member who wrote) */
	M_TALK_SENT_STAFF,      /* {0} number {1} who reads it (to the resident who wrote) */
	M_QUOTE_ASK,            /* {0} number {1} staff name {2} amount {3} reason {4} published */
	M_OUT_QUOTED,           /* {0} number {1} amount */
	M_QUOTE_AGREED,         /* {0} number {1} amount (to the resident) */
	M_QUOTE_DECLINED,       /* {0} number {1} amount (to the resident) */
	M_QUOTE_AGREED_STAFF,   /* {0} number {1} amount */
	M_QUOTE_DECLINED_STAFF, /* {0} number {1} amount */
	M_QUOTE_NONE,
	M_FEE_NEEDS_QUOTE, /* {0} number {1} fee {2} amount allowed */
	M_BTN_AGREE,
	M_BTN_DISAGREE,
	M_RESCHEDULE_ASKED, /* {0} number */
	M_RESCHEDULE_PING,  /* {0} number {1} room {2} the resident's wish */
	M_REOPENED,         /* {0} number */
	M_REOPEN_PING,      /* {0} number {1} room {2} what the resident says */
	M_REOPEN_TOO_LATE,  /* {0} number {1} days */
	M_NO_SKILL,         /* {0} number {1} staff name {2} skill {3} staff id */
	M_WITHDRAWN_PING,   /* {0} number {1} room */
	M_WHICH_ORDER,      /* {0} usage */
	/* desk intake: staff take a request down for a resident who phoned or came in */
	M_DESK_START, /* {0} how it came in (M_SOURCE_*) */
	M_DESK_ASK_DESCRIPTION,
	M_DESK_ASK_ROOM,
	M_DESK_ASK_NAME,
	M_DESK_ASK_PHONE,
	M_DESK_ASK_TIME,
	M_DESK_SUMMARY, /* as M_SUMMARY, {9} how it came in */
	M_DESK_CANCELLED,
	M_DESK_CREATED,     /* {0} number {1} how it came in {2} minutes {3} M_DESK_REACH_* */
	M_DESK_REACH_CHAT,  /* {0} channel */
	M_DESK_REACH_PHONE, /* {0} name {1} phone */
	M_DESK_DECLINED,    /* {0} number {1} referral */
	M_DESK_URGENT,      /* {0} number {1} advice {2} M_DESK_CALL or "" */
	M_DESK_CALL,        /* {0} numbers to call */
	M_DESK_TO_RESIDENT, /* {0} number {1} description {2} minutes {3} how it came in */
	M_DESK_NO_CHAT,     /* {0} number {1} name {2} phone */
	/* a complaint phoned in: as M_DESK_SUMMARY ({7} the hours to answer within) */
	M_DESK_COMPLAINT_SUMMARY,
	M_DESK_COMPLAINT, /* {0} number {1} how it came in {2} who handles it {3} hours {4} reach */
	M_SOURCE_PHONE,
	M_SOURCE_WALKIN,
	M_SOURCE_DESK,
	/* duty */
	M_DUTY_YOU,      /* who is meant: the speaker ("您" / "You are") */
	M_DUTY_THEM,     /* {0} staff name */
	M_DUTY_OFF,      /* {0} M_DUTY_YOU/THEM {1} M_DUTY_BACK_AT or "" */
	M_DUTY_BACK_AT,  /* {0} time */
	M_DUTY_ON,       /* {0} M_DUTY_YOU/THEM {1} M_DUTY_TILL or "" */
	M_DUTY_TILL,     /* {0} time */
	M_DUTY_STATE_ON, /* in /staff */
	M_DUTY_STATE_OFF,
	M_DUTY_HOURS,    /* {0} today's hours */
	M_DUTY_NO_HOURS, /* off all day today */
	M_DUTY_SAID,     /* {0} M_DUTY_TILL or "": marked by hand */
	M_STAFF_HEAD,
	M_PARTNERS_HEAD,
	M_ROLE_TECHNICIAN,
	M_ROLE_DISPATCHER,
	M_ROLE_SUPERVISOR,
	M_NOBODY_ON_DUTY,  /* {0} number {1} category {2} skill {3} M_PARTNERS_CAN or "" */
	M_PARTNERS_CAN,    /* {0} partners with the skill */
	M_OFF_DUTY_ASSIGN, /* {0} number {1} staff name {2} staff id */
	M_BAD_UNTIL,       /* {0} usage */
	/* partners */
	M_PARTNER_ORDER,      /* {0} centre {1} number {2} category {3} room {4} description
	                         {5} name {6} phone {7} time {8} centre phone */
	M_OUT_PARTNER,        /* {0} number {1} partner */
	M_PARTNER_UNREACHED,  /* {0} partner {1} phone */
	M_PARTNER_CANCELLED,  /* {0} centre {1} number {2} reason */
	M_PARTNER_REWORK,     /* {0} centre {1} number {2} room {3} description */
	M_PARTNER_TAKEN_OFF,  /* {0} centre {1} number */
	M_NOBODY_TO_DISPATCH, /* {0} number {1} category */
	M_NO_CHAT_CALL,       /* {0} number {1} name {2} phone */
	M_QUOTE_BY_PHONE,     /* {0} number {1} amount */
	/* understanding a first message */
	M_EMERGENCY,          /* {0} advice {1} numbers to call */
	M_EMERGENCY_RECORDED, /* {0} number */
	M_EMERGENCY_PING,     /* {0} number {1} what {2} where {3} contact (masked) {4} advice */
	M_COMPLAINT_TAKEN,    /* {0} number {1} who handles it {2} hours */
	M_COMPLAINT_PING,     /* {0} number {1} the complaint {2} contact (masked) {3} hours */
	M_ANSWER_FOOT,
	M_GREETING,
	M_WELCOME_THANKS,
	M_QUESTION_TO_STAFF,
	M_SEVERAL, /* {0} how many {1} the list */
	M_BAD_TIME_PAST,
	M_BAD_TIME_PHONE,
	M_CAT_COMPLAINT,
	M_CALL_CENTRE, /* {0} the centre's duty phone */
	/* complaints */
	M_ASK_RESOLVED,    /* {0} number {1} the resolution */
	M_RESOLVED_THANKS, /* {0} number */
	M_RESOLVED_AGAIN,  /* {0} number */
	M_RESOLVED_STAFF,  /* {0} number */
	M_UNRESOLVED_PING, /* {0} number {1} the complaint */
	M_OUT_RESOLVED,    /* {0} number */
	M_NOT_COMPLAINT,   /* {0} number */
	M_USE_RESOLVE,     /* {0} number */
	/* photos */
	M_PHOTO_ATTACHED,    /* {0} number */
	M_PHOTO_KEPT,        /* a photo during an intake: joins the order it makes */
	M_PHOTO_NO_ORDER,    /* nothing to join a photo to */
	M_PHOTO_NOT_IMAGE,   /* not a JPEG, PNG, WebP or HEIC */
	M_PHOTO_TOO_BIG,     /* {0} the limit ("5 MB") */
	M_PHOTO_FAILED,      /* could not be fetched or kept */
	M_PHOTO_GROUP,       /* said in a group: send it privately */
	M_PHOTO_STAFF,       /* {0} number {1} type {2} path */
	M_PHOTO_ASK,         /* {0} number */
	M_PHOTO_ASKED,       /* {0} number */
	M_PING_PHOTOS,       /* {0} how many {1} number */
	M_PHOTO_NO_RESIDENT, /* {0} number */
	M_PHOTO_FROM_STAFF,  /* staff sent one: not kept, /photo N asks the resident */
	/* marks in order lists */
	M_FLAG_URGENT,
	M_FLAG_COMPLAINT,
	/* notes for the centre */
	M_OUT_NOTED, /* {0} number */
	/* timers: business hours, promises missed, reminders */
	M_AFTER_HOURS,      /* {0} business hours {1} when the centre opens {2} centre phone */
	M_AT_TODAY,         /* {0} HH:MM */
	M_AT_TOMORROW,      /* {0} HH:MM */
	M_LATE_RESPONSE,    /* {0} number {1} minutes {2} supervisor (to the resident) */
	M_LATE_COMPLETE,    /* {0} number {1} hours {2} supervisor (to the resident) */
	M_OVERDUE_COMPLETE, /* {0} number {1} hours {2} assignee {3} room {4} description */
	M_ACCEPT_REMINDER,  /* {0} number {1} when it closes by itself */
	M_SUPERVISOR_ANY,   /* "the supervisor", when none is configured */
	/* follow-up visits (回访) */
	M_FU_INTRO,         /* {0} number {1} the work in a few words */
	M_FU_ASK_RESOLVED,  /* {0} number {1} staff name */
	M_FU_ASK_SATISFIED, /* {0} number {1} staff name */
	M_FU_ASK_COMMENT,   /* {0} number {1} staff name */
	M_FU_SORRY_UNRESOLVED,
	M_FU_SORRY_REOPENED,
	M_FU_STAFF_ANY, /* who did the work, when the order names nobody */
	M_FU_SORRY_UNSATISFIED,
	M_FU_THANKS, /* {0} number */
	M_FU_LATER,
	M_FU_ALERT_UNRESOLVED,  /* {0} number {1} assignee {2} room {3} description {4} what next */
	M_FU_REOPENED_PART,     /* the order went back to rework */
	M_FU_NOT_REOPENED_PART, /* it did not (closed long ago, or reopening is off) */
	M_FU_ALERT_UNSATISFIED, /* {0} number {1} assignee */
	M_FU_ALERT_COMMENT,     /* {0} number {1} comment */
	M_FU_REOPEN_WHAT,       /* what the assignee's reopen ping says the resident said */
	M_FU_LIST_HEAD,         /* {0} days */
	M_FU_LIST_NONE,         /* {0} days */
	M_FU_SUMMARY, /* {0} sampled {1} answered {2} unanswered {3} resolved {4} of {5} satisfied
	                 {6} of {7} reopened */
	M_FU_ST_SAMPLED,
	M_FU_ST_ASKED,
	M_FU_ST_ANSWERED,
	M_FU_ST_UNANSWERED,
	M_FU_ST_DROPPED,
	M_FU_RESOLVED_YES,
	M_FU_RESOLVED_NO,
	M_FU_SATISFIED_YES,
	M_FU_SATISFIED_NO,
	M_FU_REOPENED_TAG,
	/* one resident across channels (bot/link.c) */
	M_LINK_USAGE,      /* how to link */
	M_LINK_SENT,       /* {0} the centre's phone: a code may be on its way */
	M_LINK_CODE,       /* {0} the channel asking {1} masked phone {2} the code */
	M_LINK_WRONG,      /* {0} tries left */
	M_LINK_LOCKED,     /* {0} when the lock ends */
	M_LINK_EXPIRED,    /* the code ran out */
	M_LINK_NONE,       /* no code was asked for */
	M_LINK_DONE,       /* {0} the channels now linked */
	M_LINK_DONE_OTHER, /* {0} the channel just linked */
	M_LINK_FAILED,     /* the other resident is gone: ask again */
	M_LINK_RESIDENTS,  /* staff have nothing to link */
	M_UNLINK_DONE,     /* {0} the channels left linked */
	M_UNLINK_NONE,     /* this chat is linked to nothing */
	M_NOTIFY_STATE,    /* {0} linked channels {1} where notices go */
	M_NOTIFY_SET,      /* {0} channel */
	M_NOTIFY_AUTO,     /* notices follow the last channel written from */
	M_NOTIFY_LAST,     /* "where you last wrote", for M_NOTIFY_STATE */
	M_NOTIFY_UNKNOWN,  /* {0} the word given {1} linked channels */
	M_COUNT
};

/* The template for ID in LANG (DLG_ZH or DLG_EN); never NULL. */
const char *dlg_msg(int lang, enum dlg_msg id);
/* Status and category display names ("待接单", "repair" -> "维修"); unknown keys are returned as
 * is. */
const char *dlg_status_name(int lang, const char *status);
const char *dlg_category_name(int lang, const char *category);
/* How a desk intake came in ("phone" -> "电话报修") and a staff role ("technician" -> "技工"). */
const char *dlg_source_name(int lang, const char *source);
const char *dlg_role_name(int lang, const char *role);
/* 0 when every message has both languages, else the first missing id + 1. */
int dlg_messages_missing(void);

#endif
