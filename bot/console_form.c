/*
 * console_form.c - the printable 便民服务派工单 (work order form) of one
 * order, at /console/orders/N/form: what the technician takes to the door,
 * with room for the resident's and the technician's signatures. A plain
 * page that prints on A4 (the console's stylesheet has the print rules).
 * Only for staff who may see the order.
 */
#include "bot/console_internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bot/config.h"
#include "bot/core.h"
#include "dialogs/engine.h"
#include "dialogs/messages.h"

/* TEXT with HTML's special characters escaped. */
static void esc(struct buf *b, const char *text)
{
	for (; text && *text; text++) {
		switch (*text) {
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
		default:
			buf_addc(b, *text);
		}
	}
}

static void when(int64_t t, char *out, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!t || !localtime_r(&tt, &tm)) {
		snprintf(out, len, "—");
		return;
	}
	strftime(out, len, "%Y-%m-%d %H:%M", &tm);
}

/* One row: a label and a value (escaped), or an empty box to fill in by hand. */
static void row(struct buf *b, const char *label, const char *value, const char *testid)
{
	buf_printf(b, "<tr><th>%s</th><td data-testid=\"form-%s\">", label, testid);
	if (value && *value)
		esc(b, value);
	buf_add(b, "</td></tr>\n");
}

static const char *centre(const struct cfg *cfg, const struct store_order *o)
{
	size_t i;

	for (i = 0; i < cfg->ncommunities; i++)
		if (strcmp(cfg->communities[i].id, o->community) == 0 && cfg->communities[i].name)
			return cfg->communities[i].name;
	return cfg->ncommunities && cfg->communities[0].name ? cfg->communities[0].name : "";
}

void console_form(struct console *con, struct http_pss *p, const char *number)
{
	struct server *srv = console_server(con);
	const struct cfg *cfg = srv->cfg;
	const struct dlg_item *it;
	const struct cfg_staff *who;
	struct store_order o;
	char norm[64], t[64], fee[80], minutes[32];
	struct buf b;
	int rc;

	core_norm_number(number, norm, sizeof(norm));
	rc = store_order_get(srv->store, norm, &o);
	if (rc < 0) {
		console_error(p, 500, "the register could not be read");
		return;
	}
	if (rc == 0) {
		console_error(p, 404, "no order %.31s", number);
		return;
	}
	if (!console_may_see(p->staff, &o)) {
		console_error(p, 403, "order %s is not yours", o.number);
		return;
	}
	it = cfg_item_find(cfg, o.item);
	buf_init(&b);
	buf_add(&b, "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
	            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	            "<title>便民服务派工单 ");
	esc(&b, o.number);
	buf_add(&b, "</title><link rel=\"stylesheet\" href=\"/console/console.css\"></head>\n"
	            "<body class=\"form-page\" data-page=\"form\">\n<main class=\"sheet\">\n"
	            "<p class=\"centre\">");
	esc(&b, centre(cfg, &o));
	buf_add(&b,
	        "</p>\n<h1 data-testid=\"form-title\">便民服务派工单</h1>\n"
	        "<p class=\"sub\">Work order form · 工单号 <strong data-testid=\"form-number\">");
	esc(&b, o.number);
	buf_add(&b, "</strong></p>\n<table class=\"fields\">\n");
	when(o.created_at, t, sizeof(t));
	row(&b, "登记时间 Registered", t, "created");
	row(&b, "服务类别 Category", dlg_category_name(DLG_ZH, o.category), "category");
	row(&b, "服务项目 Item", it ? it->name_zh : o.item, "item");
	row(&b, "紧急程度 Urgency", o.urgent ? "紧急 urgent" : "一般 normal", "urgent");
	row(&b, "业主姓名 Resident", o.contact_name, "name");
	row(&b, "房号 Room", o.room, "room");
	row(&b, "联系电话 Phone", o.phone, "phone");
	row(&b, "期望时间 Preferred time", o.preferred_time, "preferred");
	row(&b, "需求描述 Request", o.description, "description");
	who = o.assignee[0] ? cfg_staff_find(cfg, o.assignee) : NULL;
	row(&b, "派工对象 Assigned to", who ? who->name : o.assignee, "assignee");
	when(o.assigned_at, t, sizeof(t));
	row(&b, "派工时间 Assigned at", o.assigned_at ? t : "", "assigned");
	row(&b, "约定上门 Visit", o.eta, "eta");
	snprintf(minutes, sizeof(minutes), "%d 分钟 minutes", o.promised_minutes);
	row(&b, "承诺响应 Response promised", o.promised_minutes ? minutes : "", "promise");
	row(&b, "收费标准 Price", o.estimate, "estimate");
	fee[0] = '\0';
	if (o.fee >= 0) {
		core_money(o.fee, t, sizeof(t));
		snprintf(fee, sizeof(fee), "%s 元", t);
	}
	row(&b, "实收费用 Fee", fee, "fee");
	row(&b, "收据号 Receipt", o.receipt, "receipt");
	row(&b, "处理情况 Work done", "", "work");
	row(&b, "所用材料 Materials", "", "materials");
	buf_add(&b,
	        "</table>\n<div class=\"signs\"><div>业主签字 Resident<span></span></div>"
	        "<div>维修人员签字 Technician<span></span></div>"
	        "<div>日期 Date<span></span></div></div>\n"
	        "<p class=\"noprint\"><button type=\"button\" id=\"print\" data-testid=\"print\">"
	        "打印 Print</button></p>\n</main>\n"
	        "<script src=\"/console/console.js\"></script>\n</body></html>\n");
	if (b.failed) {
		buf_release(&b);
		console_error(p, 500, "out of memory");
		return;
	}
	http_answer_text(&p->ans, 200, "text/html; charset=utf-8", buf_str(&b));
	p->ans.csp = "default-src 'self'; script-src 'self'; style-src 'self'; "
	             "frame-ancestors 'none'; base-uri 'none'";
	buf_release(&b);
	server_respond(p);
}
