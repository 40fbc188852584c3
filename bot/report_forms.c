/*
 * report_forms.c - an order as the standard's three forms: the request
 * register (《便民服务需求登记表》), the work order (《便民服务派工单》) and the
 * quality feedback form (《便民服务质量反馈单》), with the fee and its receipt.
 *
 * Each form is written once, as a list of labelled fields, through a small
 * writer; one writer lays them out for a terminal, the other as a printable
 * HTML page (A4, one form a page, its own style sheet, nothing fetched from
 * elsewhere, every value escaped). What a form shows besides the order's own
 * fields (who registered it, who dispatched it, fees quoted and agreed,
 * rework) is read from the order's history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bot/config.h"
#include "bot/core.h"
#include "bot/report.h"
#include "bot/report_figures.h"
#include "lib/buf.h"
#include "dialogs/engine.h"
#include "dialogs/messages.h"
#include "store/store.h"

#define LABEL_COLS 16 /* a text form's label column */
#define RULE_COLS  64
#define MAX_REWORK 16

/* ---- what the history tells ---------------------------------------------------------- */

struct history {
	char created_by[96];
	char created_via[16];
	char dispatch_action[32]; /* the first "accepted" or "assigned" */
	char dispatched_by[96];
	int64_t dispatched_at;
	struct buf quotes; /* one line per fee proposal and its answer */
	int nrework;
	struct {
		int64_t at;
		char action[32];
		char detail[160];
	} rework[MAX_REWORK];
	int64_t accepted_at; /* accepted_by_resident or resolution_accepted */
	int auto_closed;
	char resolution[512]; /* a complaint's "resolved" detail */
	int nphotos;
};

static void day_time(int64_t t, char *out, size_t len)
{
	char iso[40];

	report_time(t, iso, sizeof(iso));
	if (!iso[0]) {
		buf_copy(out, len, "");
		return;
	}
	iso[10] = ' ';
	iso[16] = '\0';
	buf_copy(out, len, iso);
}

static int read_event(const struct store_event *e, void *ud)
{
	struct history *h = ud;
	char at[24], money[48];

	if (strcmp(e->action, "created") == 0 && !h->created_by[0]) {
		buf_copy(h->created_by, sizeof(h->created_by), e->actor);
		buf_copy(h->created_via, sizeof(h->created_via), e->via);
	} else if ((strcmp(e->action, "accepted") == 0 || strcmp(e->action, "assigned") == 0) &&
	           !h->dispatched_at) {
		buf_copy(h->dispatch_action, sizeof(h->dispatch_action), e->action);
		buf_copy(h->dispatched_by, sizeof(h->dispatched_by), e->actor);
		h->dispatched_at = e->at;
	} else if (strcmp(e->action, "quoted") == 0) {
		day_time(e->at, at, sizeof(at));
		/* The detail is "380 reason": the amount, then why. */
		snprintf(money, sizeof(money), "%.*s", (int)strcspn(e->detail, " "), e->detail);
		buf_printf(&h->quotes, "%s%s 元 %s（%s 提出）", h->quotes.len ? "\n" : "", money,
		           e->detail + strcspn(e->detail, " ") + (strchr(e->detail, ' ') ? 1 : 0),
		           at);
	} else if (strcmp(e->action, "quote_agreed") == 0 ||
	           strcmp(e->action, "quote_declined") == 0) {
		day_time(e->at, at, sizeof(at));
		buf_printf(&h->quotes, " → 业主%s（%s）",
		           strcmp(e->action, "quote_agreed") == 0 ? "同意" : "不同意", at);
	} else if ((strcmp(e->action, "rework") == 0 || strcmp(e->action, "reopened") == 0 ||
	            strcmp(e->action, "resolution_rejected") == 0) &&
	           h->nrework < MAX_REWORK) {
		h->rework[h->nrework].at = e->at;
		buf_copy(h->rework[h->nrework].action, sizeof(h->rework[0].action), e->action);
		/* A reopened order carries the resident's words; the others a note of ours. */
		if (strcmp(e->action, "reopened") == 0)
			buf_copy(h->rework[h->nrework].detail, sizeof(h->rework[0].detail),
			         e->detail);
		h->nrework++;
	} else if (strcmp(e->action, "accepted_by_resident") == 0 ||
	           strcmp(e->action, "resolution_accepted") == 0) {
		h->accepted_at = e->at;
	} else if (strcmp(e->action, "auto_closed") == 0) {
		h->auto_closed = 1;
	} else if (strcmp(e->action, "resolved") == 0) {
		buf_copy(h->resolution, sizeof(h->resolution), e->detail);
	}
	return 0;
}

static int count_photo(const struct store_photo *p, void *ud)
{
	(void)p;
	((struct history *)ud)->nphotos++;
	return 0;
}

/* ---- writers ------------------------------------------------------------------------- */

struct form_out {
	struct buf *b;
	int html;
	int nforms; /* written so far */
};

static void html_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			buf_add(b, "&amp;");
			break;
		case '<':
			buf_add(b, "&lt;");
			break;
		case '>':
			buf_add(b, "&gt;");
			break;
		case '"':
			buf_add(b, "&quot;");
			break;
		case '\'':
			buf_add(b, "&#39;");
			break;
		case '\n':
			buf_add(b, "<br>");
			break;
		default:
			buf_addc(b, *s);
		}
	}
}

static void pad(struct buf *b, const char *s, size_t cols)
{
	size_t w = report_width(s);

	buf_add(b, s);
	for (; w < cols; w++)
		buf_addc(b, ' ');
}

static void centred(struct buf *b, const char *s)
{
	size_t w = report_width(s);

	for (; w + 2 <= RULE_COLS; w += 2)
		buf_addc(b, ' ');
	buf_add(b, s);
	buf_addc(b, '\n');
}

static void rule(struct buf *b, const char *piece)
{
	int i;

	for (i = 0; i < RULE_COLS; i++)
		buf_add(b, piece);
	buf_addc(b, '\n');
}

static void form_begin(struct form_out *w, const struct store_order *o, const struct cfg *cfg,
                       const char *title, const char *title_en)
{
	const char *org = cfg->ncommunities ? cfg->communities[0].name : "";
	size_t i;
	char head[160];

	for (i = 0; i < cfg->ncommunities; i++)
		if (strcmp(cfg->communities[i].id, o->community) == 0)
			org = cfg->communities[i].name;
	snprintf(head, sizeof(head), "%s 物业服务中心", org ? org : "");
	if (w->html) {
		buf_add(w->b, "<section class=\"form\">\n<header><div class=\"org\">");
		html_escape(w->b, head);
		buf_add(w->b, "</div><h1>");
		html_escape(w->b, title);
		buf_add(w->b, "</h1><div class=\"en\">");
		html_escape(w->b, title_en);
		buf_add(w->b, "</div><div class=\"no\">编号 <b>");
		html_escape(w->b, o->number);
		buf_add(w->b, "</b></div></header>\n<table>\n");
		return;
	}
	if (w->nforms)
		buf_addc(w->b, '\n');
	rule(w->b, "=");
	centred(w->b, title);
	buf_printf(w->b, "%s    编号：%s\n", head, o->number);
	rule(w->b, "-");
}

/* One labelled field; an empty VALUE shows as a dash (a blank to fill in on paper). */
static void field(struct form_out *w, const char *label, const char *value)
{
	const char *p, *nl;

	if (!value || !*value)
		value = "—";
	if (w->html) {
		buf_add(w->b, "<tr><th>");
		html_escape(w->b, label);
		buf_add(w->b, "</th><td>");
		html_escape(w->b, value);
		buf_add(w->b, "</td></tr>\n");
		return;
	}
	buf_add(w->b, "  ");
	pad(w->b, label, LABEL_COLS);
	for (p = value;; p = nl + 1) {
		nl = strchr(p, '\n');
		if (p != value) {
			buf_add(w->b, "  ");
			pad(w->b, "", LABEL_COLS);
		}
		buf_addn(w->b, p, nl ? (size_t)(nl - p) : strlen(p));
		buf_addc(w->b, '\n');
		if (!nl)
			break;
	}
}

/* The lines people sign on paper. */
static void signatures(struct form_out *w, const char *const *who)
{
	int i;

	if (w->html) {
		buf_add(w->b, "</table>\n<div class=\"sign\">");
		for (i = 0; who[i]; i++) {
			buf_add(w->b, "<div><span>");
			html_escape(w->b, who[i]);
			buf_add(w->b, "：</span><i></i></div>");
		}
		buf_add(w->b, "</div>\n</section>\n");
		w->nforms++;
		return;
	}
	rule(w->b, "-");
	buf_add(w->b, " ");
	for (i = 0; who[i]; i++)
		buf_printf(w->b, " %s：__________", who[i]);
	buf_addc(w->b, '\n');
	w->nforms++;
}

/* ---- the three forms ----------------------------------------------------------------- */

struct form_data {
	const struct cfg *cfg;
	const struct store_order *o;
	const struct history *h;
};

static const char *staff_name(const struct cfg *cfg, const char *id, char *out, size_t len)
{
	const struct cfg_staff *s = cfg_staff_find(cfg, id);

	if (!id || !*id)
		return "";
	if (s && s->name && strcmp(s->name, id) != 0)
		snprintf(out, len, "%s（%s）", s->name, id);
	else
		snprintf(out, len, "%s", id);
	return out;
}

/* "staff:wang" -> "王建国（wang）"; a resident or the system in words. */
static const char *actor_name(const struct cfg *cfg, const char *actor, char *out, size_t len)
{
	if (strncmp(actor, "staff:", 6) == 0)
		return staff_name(cfg, actor + 6, out, len);
	if (strncmp(actor, "resident:", 9) == 0)
		return "业主本人";
	if (strcmp(actor, "system") == 0)
		return "系统";
	return actor;
}

static void item_text(const struct form_data *d, char *out, size_t len)
{
	const struct dlg_item *it = d->o->item[0] ? cfg_item_find(d->cfg, d->o->item) : NULL;

	snprintf(out, len, "%s%s%s", dlg_category_name(DLG_ZH, d->o->category), it ? " · " : "",
	         it ? it->name_zh : "");
}

/* The time as the resident said it, with the moment it meant: "今天下午3点" is read later. */
static void preferred(const struct store_order *o, char *out, size_t len)
{
	char at[24], end[24];

	if (!o->preferred_at) {
		snprintf(out, len, "%s", o->preferred_time);
		return;
	}
	day_time(o->preferred_at, at, sizeof(at));
	day_time(o->preferred_end, end, sizeof(end));
	if (o->preferred_end > o->preferred_at)
		snprintf(out, len, "%s（%s 至 %s）", o->preferred_time, at,
		         strncmp(at, end, 10) == 0 ? end + 11 : end);
	else
		snprintf(out, len, "%s（%s）", o->preferred_time, at);
}

static void fee_text(const struct store_order *o, char *fee, size_t feelen, char *paid,
                     size_t paidlen)
{
	char money[32], at[24];

	if (o->fee < 0) {
		snprintf(fee, feelen, "未记录");
		snprintf(paid, paidlen, "—");
		return;
	}
	core_money(o->fee, money, sizeof(money));
	snprintf(fee, feelen, "%s 元", money);
	if (o->receipt[0]) {
		day_time(o->paid_at, at, sizeof(at));
		snprintf(paid, paidlen, "已收费，收据号 %s（%s）", o->receipt, at);
	} else if (o->fee == 0)
		snprintf(paid, paidlen, "免费");
	else
		snprintf(paid, paidlen, "未收费");
}

static void form_register(struct form_out *w, const struct form_data *d)
{
	static const char *const sign[] = {"受理人签字", "日期", NULL};
	const struct store_order *o = d->o;
	char v[2200], who[192], t[24];

	form_begin(w, o, d->cfg, "便民服务需求登记表", "Service request register");
	day_time(o->created_at, t, sizeof(t));
	field(w, "登记时间", t);
	snprintf(v, sizeof(v), "%s", d->h->created_via);
	field(w, "受理渠道", v);
	field(w, "受理人",
	      actor_name(d->cfg, d->h->created_by[0] ? d->h->created_by : "", who, sizeof(who)));
	field(w, "业主姓名", o->contact_name);
	field(w, "房号", o->room);
	field(w, "联系电话", o->phone);
	item_text(d, v, sizeof(v));
	field(w, "服务类别", v);
	field(w, "需求详情", o->description);
	preferred(o, v, sizeof(v));
	field(w, "期望服务时间", v);
	field(w, "紧急程度", o->urgent ? "紧急" : "一般");
	if (strcmp(o->status, "declined") == 0)
		snprintf(v, sizeof(v), "不属于服务范围，已向业主解释说明（%s）", o->reason);
	else if (strcmp(o->category, "complaint") == 0)
		snprintf(v, sizeof(v), "已受理，承诺 %d 小时内由主管答复",
		         o->promised_minutes / 60);
	else
		snprintf(v, sizeof(v), "已受理，承诺 %d 分钟内响应", o->promised_minutes);
	field(w, "初步响应", v);
	field(w, "收费标准/预估", o->estimate);
	if (d->h->nphotos)
		snprintf(v, sizeof(v), "%d 张（concierge orders show %s）", d->h->nphotos,
		         o->number);
	else
		v[0] = '\0';
	field(w, "现场照片", v);
	field(w, "当前状态", dlg_status_name(DLG_ZH, o->status));
	signatures(w, sign);
}

static void form_dispatch(struct form_out *w, const struct form_data *d)
{
	static const char *const sign[] = {"服务人员签字", "业主签字确认", "日期", NULL};
	const struct store_order *o = d->o;
	const struct history *h = d->h;
	const struct dlg_item *it = o->item[0] ? cfg_item_find(d->cfg, o->item) : NULL;
	char v[2200], who[192], t[24], fee[64], paid[160];

	form_begin(w, o, d->cfg, "便民服务派工单", "Work order");
	day_time(o->assigned_at ? o->assigned_at : h->dispatched_at, t, sizeof(t));
	field(w, "派工时间", t);
	if (strcmp(h->dispatch_action, "assigned") == 0)
		snprintf(v, sizeof(v), "由 %s 指派",
		         actor_name(d->cfg, h->dispatched_by, who, sizeof(who)));
	else if (h->dispatch_action[0])
		snprintf(v, sizeof(v), "服务人员接单");
	else
		v[0] = '\0';
	field(w, "派工方式", v);
	field(w, "服务人员", staff_name(d->cfg, o->assignee, who, sizeof(who)));
	field(w, "所需技能", it && it->skill ? it->skill : "");
	field(w, "业主姓名", o->contact_name);
	field(w, "房号", o->room);
	field(w, "联系电话", o->phone);
	item_text(d, v, sizeof(v));
	field(w, "服务类别", v);
	field(w, "服务内容", o->description);
	preferred(o, v, sizeof(v));
	field(w, "期望服务时间", v);
	field(w, "约定上门时间", o->eta);
	day_time(o->started_at, t, sizeof(t));
	field(w, "开始时间", t);
	day_time(o->done_at, t, sizeof(t));
	field(w, "完成时间", t);
	field(w, "变更/额外费用", buf_str(&h->quotes));
	fee_text(o, fee, sizeof(fee), paid, sizeof(paid));
	field(w, "服务费用", fee);
	field(w, "收费情况", paid);
	if (h->accepted_at) {
		day_time(h->accepted_at, t, sizeof(t));
		snprintf(v, sizeof(v), "业主已验收（%s）", t);
	} else if (h->auto_closed)
		snprintf(v, sizeof(v), "业主未答复，到期自动验收");
	else if (strcmp(o->status, "awaiting_acceptance") == 0)
		snprintf(v, sizeof(v), "待业主验收");
	else
		v[0] = '\0';
	field(w, "验收", v);
	if (h->nrework)
		snprintf(v, sizeof(v), "%d 次（见质量反馈单）", h->nrework);
	else
		v[0] = '\0';
	field(w, "返工", v);
	signatures(w, sign);
}

static void form_feedback(struct form_out *w, const struct form_data *d)
{
	static const char *const sign[] = {"业主签字", "回访人", "日期", NULL};
	static const char *const stars[] = {"", "★☆☆☆☆", "★★☆☆☆", "★★★☆☆", "★★★★☆", "★★★★★"};
	const struct store_order *o = d->o;
	const struct history *h = d->h;
	char v[2200], who[192], t[24], fee[64], paid[160];
	struct buf r;
	int i;

	form_begin(w, o, d->cfg, "便民服务质量反馈单", "Service quality feedback");
	item_text(d, v, sizeof(v));
	field(w, "服务项目", v);
	field(w, "服务人员", staff_name(d->cfg, o->assignee, who, sizeof(who)));
	day_time(o->done_at, t, sizeof(t));
	field(w, "完成时间", t);
	if (strcmp(o->category, "complaint") == 0)
		field(w, "处理结果", h->resolution);
	if (h->accepted_at)
		snprintf(v, sizeof(v), "满意，已验收");
	else if (h->auto_closed)
		snprintf(v, sizeof(v), "未答复（到期自动验收）");
	else if (o->accepted == 0)
		snprintf(v, sizeof(v), "不满意，返工整改");
	else
		v[0] = '\0';
	field(w, "验收结果", v);
	if (o->rating >= 1 && o->rating <= 5)
		snprintf(v, sizeof(v), "%s %d 分（满分 5 分）", stars[o->rating], o->rating);
	else
		snprintf(v, sizeof(v), "未评价");
	field(w, "满意度评分", v);
	field(w, "业主意见和建议", o->comment);
	buf_init(&r);
	for (i = 0; i < h->nrework; i++) {
		day_time(h->rework[i].at, t, sizeof(t));
		buf_printf(&r, "%s%s %s%s%s", i ? "\n" : "", t,
		           strcmp(h->rework[i].action, "reopened") == 0 ? "业主重新打开"
		           : strcmp(h->rework[i].action, "resolution_rejected") == 0
		                   ? "业主对处理结果不满意"
		                   : "业主不满意，返工",
		           h->rework[i].detail[0] ? "：" : "", h->rework[i].detail);
	}
	field(w, "返工记录", buf_str(&r));
	buf_release(&r);
	fee_text(o, fee, sizeof(fee), paid, sizeof(paid));
	snprintf(v, sizeof(v), "%s；%s", fee, paid);
	field(w, "费用结算", v);
	day_time(o->closed_at, t, sizeof(t));
	field(w, "结案时间", t);
	field(w, "当前状态", dlg_status_name(DLG_ZH, o->status));
	signatures(w, sign);
}

/* ---- pages ----------------------------------------------------------------------------- */

static const char page_style[] =
        "@page{size:A4;margin:16mm 15mm}"
        "*{box-sizing:border-box}"
        "body{margin:0;background:#e9e9e9;color:#000;"
        "font-family:\"Noto Serif CJK SC\",\"Source Han Serif SC\",\"Songti SC\",SimSun,serif}"
        ".form{background:#fff;width:210mm;min-height:297mm;margin:8mm auto;padding:16mm 15mm;"
        "box-shadow:0 1px 4px rgba(0,0,0,.25)}"
        "header{text-align:center;margin-bottom:6mm;position:relative}"
        ".org{font-size:11pt}"
        "h1{font-size:20pt;letter-spacing:.25em;margin:2mm 0 1mm}"
        ".en{font-size:9pt;color:#444}"
        ".no{text-align:right;font-size:11pt;margin-top:3mm}"
        "table{width:100%;border-collapse:collapse;font-size:11pt}"
        "th,td{border:1px solid #000;padding:2.2mm 3mm;text-align:left;vertical-align:top}"
        "th{width:34mm;font-weight:normal;background:#f2f2f2;white-space:nowrap}"
        "td{word-break:break-word}"
        ".sign{display:flex;gap:8mm;margin-top:12mm;font-size:11pt}"
        ".sign div{flex:1;display:flex;align-items:flex-end}"
        ".sign i{flex:1;border-bottom:1px solid #000;height:6mm;margin-left:2mm}"
        "@media print{body{background:none}"
        ".form{margin:0;width:auto;min-height:0;padding:0;box-shadow:none;"
        "break-after:page;page-break-after:always}"
        ".form:last-of-type{break-after:auto;page-break-after:auto}"
        "th{background:#f2f2f2;-webkit-print-color-adjust:exact;print-color-adjust:exact}}"
        "@media screen and (max-width:220mm){.form{width:auto;min-height:0;margin:0 0 4mm;"
        "padding:6mm 4mm}}";

int report_form_parse(const char *text, enum report_form *out)
{
	if (!text || !*text || strcmp(text, "all") == 0)
		*out = REPORT_FORM_ALL;
	else if (strcmp(text, "register") == 0)
		*out = REPORT_FORM_REGISTER;
	else if (strcmp(text, "dispatch") == 0)
		*out = REPORT_FORM_DISPATCH;
	else if (strcmp(text, "feedback") == 0)
		*out = REPORT_FORM_FEEDBACK;
	else
		return -1;
	return 0;
}

static int write_forms(struct store *s, const struct cfg *cfg, const char *number,
                       enum report_form which, struct buf *out, int html)
{
	struct store_order *o = malloc(sizeof(*o));
	struct history *h = calloc(1, sizeof(*h));
	struct form_out w = {out, html, 0};
	struct form_data d;
	char norm[64];
	int rc = -1;

	if (!o || !h)
		goto out;
	buf_init(&h->quotes);
	core_norm_number(number, norm, sizeof(norm));
	rc = store_order_get(s, norm, o);
	if (rc <= 0)
		goto out;
	rc = -1;
	if (store_events_list(s, o->id, read_event, h) < 0 ||
	    store_photos_list(s, o->id, count_photo, h) < 0)
		goto out;
	d.cfg = cfg;
	d.o = o;
	d.h = h;
	if (html) {
		buf_add(out,
		        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
		        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		        "<title>工单 ");
		html_escape(out, o->number);
		buf_add(out, " 表单</title><style>");
		buf_add(out, page_style);
		buf_add(out, "</style></head>\n<body>\n");
	}
	if (which == REPORT_FORM_ALL || which == REPORT_FORM_REGISTER)
		form_register(&w, &d);
	if (which == REPORT_FORM_ALL || which == REPORT_FORM_DISPATCH)
		form_dispatch(&w, &d);
	if (which == REPORT_FORM_ALL || which == REPORT_FORM_FEEDBACK)
		form_feedback(&w, &d);
	if (html)
		buf_add(out, "</body></html>\n");
	rc = out->failed ? -1 : 1;
out:
	if (h)
		buf_release(&h->quotes);
	free(h);
	free(o);
	return rc;
}

int report_form_text(struct store *s, const struct cfg *cfg, const char *number,
                     enum report_form which, struct buf *out)
{
	return write_forms(s, cfg, number, which, out, 0);
}

int report_form_html(struct store *s, const struct cfg *cfg, const char *number,
                     enum report_form which, struct buf *out)
{
	return write_forms(s, cfg, number, which, out, 1);
}
