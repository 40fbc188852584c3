/*
 * gendb.c - fills a Concierge database with a long, realistic history, for
 * the large-database benchmark (bench/bigdb.py, bench/README.md).
 *
 *   gendb [--orders N] [--seed S] [--end "YYYY-MM-DD[ HH:MM]"] [--days D] DB
 *
 * DB must be a file Concierge created (run any command that opens the store
 * on it first, e.g. `concierge --db DB orders list`), so the schema is the
 * program's own, whatever migration it is at; its orders table must be empty.
 *
 * N orders (default 1,000,000) are spread over the D days (default 420, about
 * fourteen months) before END (default: now), more on weekdays and in office
 * hours, for residents of the example configuration's community, with its
 * catalogue, staff, partner and staff chats. Each order lives the life the
 * gateway would have given it - filed, taken or assigned, a visit time, work
 * started, done with or without a fee, accepted (or sent back to rework, or
 * closed by itself when nobody answered), rated and commented, paid, sampled
 * for a follow-up visit and asked; some are cancelled, declined, late
 * (escalated, overdue), complaints or emergencies - and everything after END
 * is cut off, so the orders of the last days are still open as they would be
 * in a live register. Each step writes what the gateway writes: the order's
 * events, feedback, fees, payments, follow-ups, the outbox rows of the
 * notices (mostly sent, a few dead), web chat transcripts, the
 * de-duplication keys of the last 30 days, the per-day number counters and
 * the follow-up bookkeeping in kv. Rows are inserted in time order (a heap
 * orders the steps of overlapping orders), so row ids grow with time as in
 * the real file.
 *
 * The same arguments give the same file (a seeded generator; END fixed).
 * Prints progress on stderr and the row counts and file size at the end.
 * Built -O2 by `make build/bench/gendb`.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#define APPLICATION_ID 0x436e6367 /* "Cncg", as sqlite_schema.c marks the file */
#define MIN_SCHEMA     7          /* the migration whose columns this writes */

/* ---- the random generator: xoshiro256** seeded by splitmix64 ----------------------------- */

static uint64_t rs[4];

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rnd(void)
{
	uint64_t r = rotl(rs[1] * 5, 7) * 9, t = rs[1] << 17;

	rs[2] ^= rs[0];
	rs[3] ^= rs[1];
	rs[1] ^= rs[2];
	rs[0] ^= rs[3];
	rs[2] ^= t;
	rs[3] = rotl(rs[3], 45);
	return r;
}

/* Uniform in [0, 1). */
static double unif(void)
{
	return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform in [0, n). */
static int64_t below(int64_t n)
{
	return n > 0 ? (int64_t)(unif() * (double)n) : 0;
}

static int chance(double p)
{
	return unif() < p;
}

/* Exponential with mean MEAN seconds, at least 1. */
static int64_t expo(double mean)
{
	double v = -log(1.0 - unif()) * mean;

	return v < 1 ? 1 : (int64_t)v;
}

/* An index into weights W[0..N). */
static int pick(const double *w, int n)
{
	double sum = 0, x;
	int i;

	for (i = 0; i < n; i++)
		sum += w[i];
	x = unif() * sum;
	for (i = 0; i < n - 1; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

#define COUNT(a)  ((int)(sizeof(a) / sizeof((a)[0])))
#define ONE_OF(a) ((a)[below(COUNT(a))])

/* ---- what the example configuration holds -------------------------------------------------- */

enum { CAT_REPAIR, CAT_CLEANING, CAT_ERRAND, CAT_INQUIRY, CAT_COMPLAINT };
static const char *const cat_name[] = {"repair", "cleaning", "errand", "inquiry", "complaint"};
static const char *const cat_zh[] = {"报修", "保洁", "代办", "咨询", "投诉"};

/* Staff of config.example.json, then its partner. */
enum { ST_WANG, ST_LIU, ST_ZHAO, ST_HENGTONG, ST_NONE };
static const char *const staff_id[] = {"wang", "liu", "zhao", "hengtong", ""};
static const char *const staff_name[] = {"王师傅", "刘阿姨", "赵主管", "恒通水电维修", ""};

struct item {
	const char *id;
	const char *name;
	const char *price;
	const char *const *says; /* what residents write */
	double weight;
	int cat;
	int respond_min, complete_h;
	int staff;   /* who does it: ST_WANG for the skilled trades, ... */
	int partner; /* the partner company has the skill too */
	int nsays;
};

static const char *const s_water[] = {"厨房水管漏水",   "卫生间马桶堵了", "水龙头一直滴水",
                                      "洗手池下水很慢", "阳台地漏反水",   "热水器进水管渗水",
                                      "楼上漏水到我家", "厨房下水道堵了"};
static const char *const s_electric[] = {"客厅灯不亮了", "卧室插座没电", "家里总是跳闸",
                                         "楼道灯坏了",   "厨房开关失灵", "卫生间浴霸不亮"};
static const char *const s_door[] = {"入户门锁打不开", "卧室门合页松了", "窗户关不严漏风",
                                     "阳台推拉门卡住了", "防盗门关不上"};
static const char *const s_access[] = {"门禁卡刷不开单元门", "可视对讲没有声音", "单元门禁坏了",
                                       "门禁卡消磁了"};
static const char *const s_lift[] = {"电梯有异响", "电梯按钮失灵", "电梯门关不上", "电梯经常停运"};
static const char *const s_heating[] = {"暖气不热", "地暖漏水", "空调不制冷", "热水器打不着火",
                                        "暖气片漏水"};
static const char *const s_home[] = {"家庭保洁两小时", "新房开荒保洁", "厨房油烟机清洗", "擦玻璃"};
static const char *const s_stair[] = {"楼道有垃圾没人清", "楼梯间有异味", "单元门口堆满杂物",
                                      "垃圾桶满了"};
static const char *const s_parcel[] = {"帮忙代收快递", "有个大件包裹请代收",
                                       "快递放门卫了请送上楼"};
static const char *const s_bills[] = {"代缴水电费", "帮忙交物业费", "代缴燃气费"};
static const char *const s_inquiry[] = {"装修需要办什么手续", "宠物可以进电梯吗", "车位怎么申请",
                                        "停水什么时候恢复", "发票怎么开"};
static const char *const s_complaint[] = {"楼上装修噪音太大",   "保洁没有按时打扫",
                                          "维修师傅迟到了很久", "小区门口乱停车",
                                          "晚上广场舞太吵",     "垃圾清运不及时"};

static const struct item items[] = {
        {.id = "water",
         .cat = CAT_REPAIR,
         .name = "水管漏水/堵塞",
         .respond_min = 30,
         .complete_h = 24,
         .price = "上门费 30 元，材料另计",
         .staff = ST_WANG,
         .partner = 1,
         .weight = 22,
         .says = s_water,
         .nsays = COUNT(s_water)},
        {.id = "electric",
         .cat = CAT_REPAIR,
         .name = "电路/照明故障",
         .respond_min = 30,
         .complete_h = 24,
         .price = "上门费 30 元，材料另计",
         .staff = ST_WANG,
         .partner = 1,
         .weight = 15,
         .says = s_electric,
         .nsays = COUNT(s_electric)},
        {.id = "door",
         .cat = CAT_REPAIR,
         .name = "门窗/门锁维修",
         .respond_min = 60,
         .complete_h = 48,
         .price = "上门费 30 元，配件另计",
         .staff = ST_WANG,
         .partner = 0,
         .weight = 9,
         .says = s_door,
         .nsays = COUNT(s_door)},
        {.id = "access",
         .cat = CAT_REPAIR,
         .name = "门禁/对讲维修",
         .respond_min = 60,
         .complete_h = 48,
         .price = "免费（公共设施）",
         .staff = ST_WANG,
         .partner = 1,
         .weight = 5,
         .says = s_access,
         .nsays = COUNT(s_access)},
        {.id = "lift",
         .cat = CAT_REPAIR,
         .name = "电梯故障",
         .respond_min = 30,
         .complete_h = 12,
         .price = "免费（公共设施）",
         .staff = ST_WANG,
         .partner = 1,
         .weight = 3,
         .says = s_lift,
         .nsays = COUNT(s_lift)},
        {.id = "heating",
         .cat = CAT_REPAIR,
         .name = "暖气/热水器/空调",
         .respond_min = 60,
         .complete_h = 48,
         .price = "上门费 30 元，材料另计",
         .staff = ST_WANG,
         .partner = 1,
         .weight = 7,
         .says = s_heating,
         .nsays = COUNT(s_heating)},
        {.id = "home-cleaning",
         .cat = CAT_CLEANING,
         .name = "家庭保洁",
         .respond_min = 120,
         .complete_h = 48,
         .price = "40 元/小时",
         .staff = ST_LIU,
         .partner = 0,
         .weight = 10,
         .says = s_home,
         .nsays = COUNT(s_home)},
        {.id = "stairwell",
         .cat = CAT_CLEANING,
         .name = "楼道公共区域清洁",
         .respond_min = 240,
         .complete_h = 24,
         .price = "免费（已含在物业费中）",
         .staff = ST_LIU,
         .partner = 0,
         .weight = 6,
         .says = s_stair,
         .nsays = COUNT(s_stair)},
        {.id = "parcel",
         .cat = CAT_ERRAND,
         .name = "代收快递",
         .respond_min = 60,
         .complete_h = 24,
         .price = "免费",
         .staff = ST_LIU,
         .partner = 0,
         .weight = 6,
         .says = s_parcel,
         .nsays = COUNT(s_parcel)},
        {.id = "bills",
         .cat = CAT_ERRAND,
         .name = "代缴水电费",
         .respond_min = 120,
         .complete_h = 48,
         .price = "免费",
         .staff = ST_LIU,
         .partner = 0,
         .weight = 4,
         .says = s_bills,
         .nsays = COUNT(s_bills)},
        {.id = "inquiry",
         .cat = CAT_INQUIRY,
         .name = "政策与服务咨询",
         .respond_min = 60,
         .complete_h = 0,
         .price = "免费",
         .staff = ST_ZHAO,
         .partner = 0,
         .weight = 8,
         .says = s_inquiry,
         .nsays = COUNT(s_inquiry)},
};

/* Channels residents write on (the staff chats are terminal/staff and web/staff). */
enum { CH_WEB, CH_TELEGRAM, CH_WECHAT, CH_WECOM, CH_DINGTALK, CH_FEISHU, CH_QQ, CH_N };
static const char *const ch_name[] = {"web",      "telegram", "wechat", "wecom",
                                      "dingtalk", "feishu",   "qq"};
static const double ch_weight[] = {40, 18, 22, 8, 5, 4, 3};

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                       "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
                                       "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹"};
static const char *const given[] = {"伟", "芳", "娜",   "秀英", "敏",   "静",  "丽",   "强",
                                    "磊", "军", "洋",   "勇",   "艳",   "杰",  "娟",   "涛",
                                    "明", "超", "秀兰", "霞",   "平",   "刚",  "桂英", "建华",
                                    "文", "华", "红",   "玉兰", "志强", "海燕"};
static const char *const pref_times[] = {"今天下午", "明天上午", "明天下午",
                                         "尽快",     "周六上午", "晚上七点以后"};
static const char *const cancel_reasons[] = {"住户已自行解决", "重复登记", "住户不在家，改日再约",
                                             "住户取消"};
static const char *const low_comments[] = {"师傅来晚了", "没修好又坏了", "态度一般", "收费太贵",
                                           "等了很久才有人来"};
static const char *const good_comments[] = {"师傅很专业", "很及时，谢谢", "服务很好",
                                            "下次还找王师傅"};
static const char *const fu_comments[] = {"挺好的", "希望响应再快一点", "没有意见", "师傅很耐心"};
static const char *const dead_errors[] = {"403 Forbidden: bot was blocked by the user",
                                          "43004: the user has not followed the account",
                                          "400 Bad Request: chat not found"};

/* ---- the database ---------------------------------------------------------------------------- */

static sqlite3 *db;

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("gendb: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void exec(const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		die("%s: %s", sql, msg ? msg : sqlite3_errmsg(db));
}

static sqlite3_stmt *prep(const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		die("%s: %s (is this a Concierge database?)", sql, sqlite3_errmsg(db));
	return st;
}

static int64_t one_int(const char *sql)
{
	sqlite3_stmt *st = prep(sql);
	int64_t v;

	if (sqlite3_step(st) != SQLITE_ROW)
		die("%s: %s", sql, sqlite3_errmsg(db));
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * Binds by FMT ('t' text, 'T' text or NULL when NULL, 'i' int64, 'n' int64 or
 * NULL when negative), runs ST and resets it.
 */
static void put(sqlite3_stmt *st, const char *fmt, ...)
{
	va_list ap;
	int i, rc = SQLITE_OK;

	va_start(ap, fmt);
	for (i = 0; fmt[i] && rc == SQLITE_OK; i++) {
		const char *t;
		int64_t v;

		switch (fmt[i]) {
		case 't':
			t = va_arg(ap, const char *);
			rc = sqlite3_bind_text(st, i + 1, t ? t : "", -1, SQLITE_STATIC);
			break;
		case 'T':
			t = va_arg(ap, const char *);
			rc = t ? sqlite3_bind_text(st, i + 1, t, -1, SQLITE_STATIC)
			       : sqlite3_bind_null(st, i + 1);
			break;
		case 'i':
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 'n':
			v = va_arg(ap, int64_t);
			rc = v >= 0 ? sqlite3_bind_int64(st, i + 1, v)
			            : sqlite3_bind_null(st, i + 1);
			break;
		default:
			rc = SQLITE_MISUSE;
		}
	}
	va_end(ap);
	if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
		die("insert: %s", sqlite3_errmsg(db));
	sqlite3_reset(st);
}

static sqlite3_stmt *q_resident, *q_identity, *q_order, *q_event, *q_feedback, *q_fee, *q_payment,
        *q_followup, *q_outbox, *q_transcript, *q_dedup, *q_counter, *q_kv, *q_photo, *q_revent,
        *q_duty;

static void prepare_all(void)
{
	q_resident =
	        prep("INSERT INTO residents (id, name, room, phone, lang, created_at, updated_at)"
	             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	q_identity = prep("INSERT INTO identities (channel, user, resident_id, chat, last_at)"
	                  " VALUES (?1, ?2, ?3, ?4, ?5)");
	q_order = prep("INSERT INTO orders (id, number, community, status, category, item,"
	               " description, room, contact_name, phone, preferred_time, preferred_at,"
	               " resident_id, channel, chat, user, assignee, eta, eta_at, promised_minutes,"
	               " estimate, reason, created_at, assigned_at, started_at, done_at, closed_at,"
	               " urgent, preferred_end, intake, source, taken_by) VALUES (?1, ?2, ?3, ?4,"
	               " ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
	               " ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)");
	q_event = prep("INSERT INTO order_events (order_id, at, actor, via, action, old_status,"
	               " new_status, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
	q_feedback = prep("INSERT INTO feedback (order_id, accepted, rating, comment, updated_at)"
	                  " VALUES (?1, ?2, ?3, ?4, ?5)");
	q_fee = prep("INSERT INTO fees (order_id, fen, \"by\", at) VALUES (?1, ?2, ?3, ?4)");
	q_payment = prep("INSERT INTO payments (order_id, fen, receipt, \"by\", at)"
	                 " VALUES (?1, ?2, ?3, ?4, ?5)");
	q_followup = prep("INSERT INTO followups (order_id, sampled_at, asked_at, answered_at,"
	                  " resolved, satisfied, comment, reopened, status)"
	                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)");
	q_outbox = prep(
	        "INSERT INTO outbox (channel, chat, payload, attempts, next_at, status,"
	        " last_error, created_at, sent_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
	q_transcript =
	        prep("INSERT INTO transcript (channel, chat, sender, text, buttons, client_id,"
	             " at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	q_dedup = prep("INSERT OR IGNORE INTO dedup (channel, key, at) VALUES (?1, ?2, ?3)");
	q_counter = prep("INSERT INTO order_counters (day, last) VALUES (?1, ?2)");
	q_kv = prep("INSERT OR REPLACE INTO kv (key, value) VALUES (?1, ?2)");
	q_photo = prep("INSERT INTO photos (order_id, resident_id, hash, type, size, path, channel,"
	               " at) VALUES (?1, ?2, ?3, 'jpeg', ?4, ?5, ?6, ?7)");
	q_revent =
	        prep("INSERT INTO resident_events (resident_id, other_id, at, actor, via, action,"
	             " detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	q_duty = prep("INSERT OR REPLACE INTO duty (staff_id, on_duty, at, until, \"by\")"
	              " VALUES (?1, ?2, ?3, 0, ?4)");
}

/* ---- residents ------------------------------------------------------------------------------- */

struct resident {
	int ch[2];     /* channels of their identities; ch[1] < 0: only one */
	int64_t last;  /* when they last wrote (their last order) */
	char name[24]; /* "王秀英" */
	char room[48]; /* "3-2-501" */
	char phone[12];
	char lang[3];
};

static struct resident *res;
static int64_t nres;

/* The user ID (and private chat) resident RID has on channel CH: the platform's own shapes. */
static void user_of(int ch, int64_t rid, char *out, size_t len)
{
	uint64_t h = (uint64_t)rid * 0x9e3779b97f4a7c15ULL + (uint64_t)ch;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	switch (ch) {
	case CH_WEB:
		snprintf(out, len, "v%016" PRIx64 "%08" PRIx64, h, (uint64_t)rid);
		break;
	case CH_TELEGRAM:
		snprintf(out, len, "%" PRId64, (int64_t)5000000000LL + rid * 7919);
		break;
	case CH_WECHAT:
		snprintf(out, len, "oX7a%012" PRIx64 "%010" PRId64,
		         (uint64_t)(h & 0xffffffffffffULL), rid);
		break;
	case CH_WECOM:
		snprintf(out, len, "wm%010" PRId64, rid);
		break;
	case CH_DINGTALK:
		snprintf(out, len, "ding%08" PRIx64 "%06" PRId64, (uint64_t)(h & 0xffffffffULL),
		         rid);
		break;
	case CH_FEISHU:
		snprintf(out, len, "ou_%016" PRIx64 "%08" PRId64, h, rid);
		break;
	default:
		snprintf(out, len, "%" PRId64, (int64_t)100000000 + rid * 37);
	}
}

static void make_residents(int64_t n)
{
	int64_t i;

	res = calloc((size_t)n + 1, sizeof(*res));
	if (!res)
		die("out of memory");
	nres = n;
	for (i = 1; i <= n; i++) {
		struct resident *r = &res[i];

		r->ch[0] = pick(ch_weight, CH_N);
		r->ch[1] = chance(0.15) ? (r->ch[0] + 1 + (int)below(CH_N - 1)) % CH_N : -1;
		snprintf(r->name, sizeof(r->name), "%s%s", ONE_OF(surnames), ONE_OF(given));
		snprintf(r->room, sizeof(r->room), "%d-%d-%d%02d", 1 + (int)below(36),
		         1 + (int)below(4), 1 + (int)below(32), 1 + (int)below(4));
		snprintf(r->phone, sizeof(r->phone), "1%c%09" PRId64, "356789"[below(6)],
		         below(1000000000));
		snprintf(r->lang, sizeof(r->lang), "%s", chance(0.08) ? "en" : "zh");
	}
}

/* Residents who file more: a skewed pick. */
static int64_t some_resident(void)
{
	return 1 + (int64_t)(pow(unif(), 1.1) * (double)nres);
}

static void write_residents(int64_t start)
{
	char user[64], detail[160], actor[40];
	int64_t i;
	int k;

	for (i = 1; i <= nres; i++) {
		struct resident *r = &res[i];
		int64_t created = r->last ? r->last - below(86400 * 30) : start;

		if (created < start - 86400 * 365)
			created = start - 86400 * 365;
		put(q_resident, "ittttii", i, r->name, r->room, r->phone, r->lang, created,
		    r->last ? r->last : created);
		for (k = 0; k < 2 && r->ch[k] >= 0; k++) {
			user_of(r->ch[k], i, user, sizeof(user));
			put(q_identity, "ttiti", ch_name[r->ch[k]], user, i, user,
			    r->last ? r->last - (k ? below(86400 * 60) : 0) : 0);
		}
		if (r->ch[1] >= 0) {
			snprintf(actor, sizeof(actor), "resident:%" PRId64, i);
			snprintf(detail, sizeof(detail),
			         "resident:%" PRId64 " on %s linked by a "
			         "confirmation code",
			         i, ch_name[r->ch[1]]);
			put(q_revent, "iiitttt", i, (int64_t)0, created + below(86400 * 30), actor,
			    ch_name[r->ch[1]], "linked", detail);
		}
	}
}

/* ---- rows waiting for their moment ----------------------------------------------------------- */

enum { K_EVENT, K_OUTBOX, K_FEE, K_PAYMENT, K_FOLLOWUP, K_TRANSCRIPT };

enum {
	S_NONE,
	S_PENDING,
	S_ASSIGNED,
	S_SCHEDULED,
	S_PROGRESS,
	S_AWAITING,
	S_CLOSED,
	S_REWORK,
	S_CANCELLED,
	S_DECLINED
};
static const char *const st_name[] = {
        "",       "pending", "assigned",  "scheduled", "in_progress", "awaiting_acceptance",
        "closed", "rework",  "cancelled", "declined"};

/* Outbox targets. */
enum { TO_RESIDENT, TO_STAFF_CHAT, TO_WANG, TO_SUPERVISOR, TO_PARTNER };

struct row {
	int64_t at, seq, order_id;
	char *text;   /* event detail, outbox payload, transcript line, comment */
	char *text2;  /* event actor, receipt */
	int64_t num;  /* resident id of an outbox/transcript target, fen, asked_at */
	int64_t num2; /* a follow-up's answered_at (-1: none) */
	int32_t i1, i2;
	uint8_t kind, action, old_st, new_st, via, target, status, flag;
};

static struct row *heap;
static size_t nheap, capheap;
static int64_t seqno;

static int row_before(const struct row *a, const struct row *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void heap_push(struct row *r)
{
	size_t i;

	if (nheap == capheap) {
		capheap = capheap ? capheap * 2 : 1 << 16;
		heap = realloc(heap, capheap * sizeof(*heap));
		if (!heap)
			die("out of memory");
	}
	r->seq = seqno++;
	i = nheap++;
	while (i > 0 && row_before(r, &heap[(i - 1) / 2])) {
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i] = *r;
}

static void heap_pop(struct row *out)
{
	struct row last;
	size_t i = 0, c;

	*out = heap[0];
	last = heap[--nheap];
	for (;;) {
		c = 2 * i + 1;
		if (c >= nheap)
			break;
		if (c + 1 < nheap && row_before(&heap[c + 1], &heap[c]))
			c++;
		if (!row_before(&heap[c], &last))
			break;
		heap[i] = heap[c];
		i = c;
	}
	if (nheap)
		heap[i] = last;
}

static char *dup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		die("out of memory");
	return d;
}

/* Event actions. */
static const char *const actions[] = {"created",
                                      "accepted",
                                      "assigned",
                                      "eta",
                                      "started",
                                      "done",
                                      "accepted_by_resident",
                                      "rework",
                                      "rated",
                                      "commented",
                                      "paid",
                                      "auto_closed",
                                      "escalated",
                                      "completion_overdue",
                                      "acceptance_reminded",
                                      "cancelled",
                                      "declined",
                                      "followup_sampled",
                                      "followup_asked",
                                      "followup_answer",
                                      "followup_unanswered",
                                      "low_rating_alert",
                                      "complaint",
                                      "resolved",
                                      "resolution_accepted",
                                      "emergency",
                                      "desk_intake",
                                      "work_order_sent",
                                      "nobody_on_duty"};
enum {
	A_CREATED,
	A_ACCEPTED,
	A_ASSIGNED,
	A_ETA,
	A_STARTED,
	A_DONE,
	A_ACCEPTED_RES,
	A_REWORK,
	A_RATED,
	A_COMMENTED,
	A_PAID,
	A_AUTO_CLOSED,
	A_ESCALATED,
	A_OVERDUE,
	A_REMINDED,
	A_CANCELLED,
	A_DECLINED,
	A_FU_SAMPLED,
	A_FU_ASKED,
	A_FU_ANSWER,
	A_FU_UNANSWERED,
	A_LOW_ALERT,
	A_COMPLAINT,
	A_RESOLVED,
	A_RESOLUTION_ACCEPTED,
	A_EMERGENCY,
	A_DESK_INTAKE,
	A_WORK_ORDER_SENT,
	A_NOBODY
};

/* ---- one order ------------------------------------------------------------------------------- */

struct order {
	int64_t id, created, end;
	char number[48];
	const struct item *it; /* NULL: a complaint */
	int cat;
	int64_t rid;
	int ch; /* channel of the resident's identity used; -1: taken at the desk, no chat */
	int staff;
	char actor_res[32];
	/* the state as of END */
	int status, urgent, stuck;
	int64_t assigned_at, started_at, done_at, closed_at, eta_at;
	char eta[64], reason[64], description[96], pref[32];
	int64_t pref_at, pref_end;
	int promised;
	/* feedback as of END */
	int accepted, rating;
	char comment[96];
	int64_t fb_at;
};

static const char *staff_actor(int st)
{
	static const char *const a[] = {"staff:wang", "staff:liu", "staff:zhao", "staff:zhao", ""};

	return a[st]; /* a partner's progress is recorded by the dispatcher */
}

static int staff_via(int st)
{
	return st == ST_WANG ? CH_TELEGRAM : CH_WEB;
}

/* An event of O at AT; the state moves to NEW when NEW is not S_NONE. */
static void ev(struct order *o, int64_t at, int action, int old_st, int new_st, const char *actor,
               int via, const char *detail)
{
	struct row r;

	if (at > o->end)
		return;
	memset(&r, 0, sizeof(r));
	r.kind = K_EVENT;
	r.at = at;
	r.order_id = o->id;
	r.action = (uint8_t)action;
	r.old_st = (uint8_t)old_st;
	r.new_st = (uint8_t)new_st;
	r.via = (uint8_t)via;
	r.text = detail && *detail ? dup(detail) : NULL;
	r.text2 = dup(actor);
	heap_push(&r);
	if (new_st != S_NONE)
		o->status = new_st;
}

/* TEXT as the inside of a JSON string. */
static void escaped(const char *text, char *out, size_t len)
{
	size_t n = 0;

	for (; *text && n + 3 < len; text++) {
		if (*text == '"' || *text == '\\') {
			out[n++] = '\\';
			out[n++] = *text;
		} else if (*text == '\n') {
			out[n++] = '\\';
			out[n++] = 'n';
		} else {
			out[n++] = *text;
		}
	}
	out[n] = '\0';
}

/* A message from the gateway to TARGET at AT (a notice to O's resident needs a chat). */
static void say(struct order *o, int64_t at, int target, const char *text, const char *button)
{
	struct row r;
	char *payload, quoted[1024];
	size_t n;

	if (at > o->end || (target == TO_RESIDENT && o->ch < 0))
		return;
	n = strlen(text) * 2 + (button ? strlen(button) * 2 : 0) + 96;
	payload = malloc(n);
	if (!payload)
		die("out of memory");
	escaped(text, quoted, sizeof(quoted));
	if (button)
		snprintf(payload, n,
		         "{\"text\":\"%s\",\"buttons\":[{\"label\":\"接单\",\"data\":\"%s\"}]}",
		         quoted, button);
	else
		snprintf(payload, n, "{\"text\":\"%s\"}", quoted);
	memset(&r, 0, sizeof(r));
	r.kind = K_OUTBOX;
	r.at = at;
	r.order_id = o->id;
	r.text = payload;
	r.target = (uint8_t)target;
	r.via = (uint8_t)(target == TO_RESIDENT ? o->ch : 0);
	r.num = o->rid;
	heap_push(&r);
	if (target == TO_RESIDENT && o->ch == CH_WEB) {
		/* The chat page keeps the line for its next reload. */
		memset(&r, 0, sizeof(r));
		r.kind = K_TRANSCRIPT;
		r.at = at;
		r.num = o->rid;
		r.flag = 1; /* the bot's */
		r.text = dup(text);
		heap_push(&r);
	}
}

/* A line the resident wrote on the web chat page. */
static void wrote(struct order *o, int64_t at, const char *text)
{
	struct row r;

	if (at > o->end || o->ch != CH_WEB)
		return;
	memset(&r, 0, sizeof(r));
	r.kind = K_TRANSCRIPT;
	r.at = at;
	r.num = o->rid;
	r.text = dup(text);
	heap_push(&r);
}

static void money_text(int64_t fen, char *out, size_t len)
{
	if (fen % 100)
		snprintf(out, len, "%" PRId64 ".%02" PRId64, fen / 100, fen % 100);
	else
		snprintf(out, len, "%" PRId64, fen / 100);
}

/* The tick that notices something due at AT runs within 30 seconds. */
static int64_t tick_after(int64_t at)
{
	return at + 1 + below(30);
}

/* The next 10:00 local at or after T (the daily follow-up run). */
static int64_t next_ten(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	int64_t r;

	localtime_r(&tt, &tm);
	tm.tm_hour = 10;
	tm.tm_min = 0;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	r = (int64_t)mktime(&tm);
	if (r < t) {
		tm.tm_mday++;
		tm.tm_isdst = -1;
		r = (int64_t)mktime(&tm);
	}
	return r;
}

struct stats {
	int64_t orders, events, outbox, fees, payments, feedback, followups, transcript, dedup,
	        photos;
	int64_t by_status[10];
};
static struct stats stats;

/* Follow-up visit of O, closed at CLOSED: sampled at the daily run a day later, maybe. */
static void followup(struct order *o, int64_t closed)
{
	int64_t sampled = next_ten(closed + 86400) + below(30), asked, t, answered = -1;
	int resolved = -1, satisfied = -1, status;
	const char *comment = NULL;
	char text[512];
	struct row r;

	if (o->ch < 0 || o->cat == CAT_COMPLAINT || !chance(0.3) || sampled > o->end)
		return;
	ev(o, sampled, A_FU_SAMPLED, S_CLOSED, S_CLOSED, "system", -1, NULL);
	asked = sampled + below(3);
	snprintf(text, sizeof(text),
	         "您好，这里是阳光花园物业服务中心回访：工单 %s（%s）问题解决了吗？"
	         "请回复“是”或“否”。",
	         o->number, o->description);
	say(o, asked, TO_RESIDENT, text, NULL);
	ev(o, asked, A_FU_ASKED, S_CLOSED, S_CLOSED, "system", -1, NULL);
	status = 1; /* asked */
	if (chance(0.65)) {
		t = asked + expo(3 * 3600.0);
		if (t <= o->end) {
			resolved = chance(0.95);
			ev(o, t, A_FU_ANSWER, S_CLOSED, S_CLOSED, o->actor_res, o->ch,
			   resolved ? "resolved: yes" : "resolved: no");
			answered = t;
			status = 2;
		}
		t += 30 + below(120);
		if (t <= o->end) {
			satisfied = chance(0.92);
			ev(o, t, A_FU_ANSWER, S_CLOSED, S_CLOSED, o->actor_res, o->ch,
			   satisfied ? "satisfied: yes" : "satisfied: no");
			answered = t;
		}
		t += 30 + below(120);
		if (t <= o->end && chance(0.4)) {
			comment = ONE_OF(fu_comments);
			snprintf(text, sizeof(text), "comment: %s", comment);
			ev(o, t, A_FU_ANSWER, S_CLOSED, S_CLOSED, o->actor_res, o->ch, text);
			answered = t;
		}
	} else if (tick_after(asked + 3 * 86400) <= o->end) {
		ev(o, tick_after(asked + 3 * 86400), A_FU_UNANSWERED, S_CLOSED, S_CLOSED, "system",
		   -1, NULL);
		status = 3;
	}
	memset(&r, 0, sizeof(r));
	r.kind = K_FOLLOWUP;
	r.at = sampled;
	r.order_id = o->id;
	r.num = asked;
	r.i1 = resolved;
	r.i2 = satisfied;
	r.text = comment ? dup(comment) : NULL;
	r.num2 = answered;
	r.status = (uint8_t)status;
	heap_push(&r);
}

/* O's resident answers the acceptance question at AT (1 accepted); rates and comments. */
static void acceptance(struct order *o, int64_t at, int complaint)
{
	char text[160];
	int64_t t;
	static const double rating_w[] = {2, 3, 7, 18, 70};

	if (at > o->end)
		return;
	o->closed_at = at;
	o->accepted = 1;
	o->fb_at = at;
	ev(o, at, complaint ? A_RESOLUTION_ACCEPTED : A_ACCEPTED_RES, S_AWAITING, S_CLOSED,
	   o->actor_res, o->ch, NULL);
	wrote(o, at - 5, "满意");
	if (complaint) {
		followup(o, at);
		return;
	}
	say(o, at + 1, TO_RESIDENT, "谢谢确认！请为本次服务打分：1 到 5 分，5 分为非常满意。",
	    NULL);
	if (chance(0.65)) {
		t = at + 20 + below(300);
		if (t <= o->end) {
			o->rating = 1 + pick(rating_w, 5);
			o->fb_at = t;
			snprintf(text, sizeof(text), "%d", o->rating);
			wrote(o, t, text);
			ev(o, t, A_RATED, S_CLOSED, S_CLOSED, o->actor_res, o->ch, text);
			if (o->rating <= 2 && chance(0.8)) {
				t += 30 + below(240);
				snprintf(o->comment, sizeof(o->comment), "%s",
				         ONE_OF(low_comments));
			} else if (o->rating > 2 && chance(0.12)) {
				t += 30 + below(240);
				snprintf(o->comment, sizeof(o->comment), "%s",
				         ONE_OF(good_comments));
			}
			if (o->comment[0] && t <= o->end) {
				o->fb_at = t;
				wrote(o, t, o->comment);
				ev(o, t, A_COMMENTED, S_CLOSED, S_CLOSED, o->actor_res, o->ch,
				   o->comment);
			} else {
				o->comment[0] = '\0';
			}
			if (o->rating <= 2) {
				/* With a comment at once; without, a tick after the session ran
				 * out. */
				t = o->comment[0] ? t : tick_after(t + 1800);
				snprintf(text, sizeof(text), "%d", o->rating);
				ev(o, t, A_LOW_ALERT, S_CLOSED, S_CLOSED, "system", -1, text);
			}
		}
	}
	followup(o, at);
}

/*
 * Work on O from AT by O's staff, from status *ST: a visit time maybe, started,
 * done. Returns when it is done; *ST is the status before "done".
 */
static int64_t work(struct order *o, int64_t at, int *stp, int again)
{
	const char *actor = staff_actor(o->staff);
	int via = staff_via(o->staff), st = *stp;
	char text[640], when[64];
	int64_t t = at, done;
	time_t tt;
	struct tm tm;

	if (!again && o->cat != CAT_INQUIRY && o->cat != CAT_COMPLAINT && chance(0.6)) {
		t += expo(600);
		o->eta_at = o->pref_at > t + 3600 ? o->pref_at + below(7200)
		                                  : t + 3600 + below(6 * 3600);
		tt = (time_t)o->eta_at;
		localtime_r(&tt, &tm);
		snprintf(when, sizeof(when), "%d月%d日 %02d:%02d", tm.tm_mon + 1, tm.tm_mday,
		         tm.tm_hour, tm.tm_min);
		if (t <= o->end)
			snprintf(o->eta, sizeof(o->eta), "%s", when);
		ev(o, t, A_ETA, st, S_SCHEDULED, actor, via, when);
		snprintf(text, sizeof(text),
		         "%s 预计 %s 上门处理工单 %s。如需改时间，请回复“改时间 %s "
		         "新时间”，或致电服务中心 0571-88886666。",
		         staff_name[o->staff], when, o->number, o->number);
		say(o, t + 1, TO_RESIDENT, text, NULL);
		st = S_SCHEDULED;
		t = o->eta_at + (int64_t)(below(1800)) - 600;
	} else {
		t += 600 + expo(o->cat == CAT_ERRAND ? 1800 : 5400);
	}
	if (o->cat != CAT_INQUIRY && o->cat != CAT_COMPLAINT &&
	    !(o->cat == CAT_ERRAND && chance(0.5))) {
		if (t <= o->end)
			o->started_at = t;
		ev(o, t, A_STARTED, st, S_PROGRESS, actor, via, NULL);
		snprintf(text, sizeof(text), "%s 已开始处理您的工单 %s。", staff_name[o->staff],
		         o->number);
		say(o, t + 1, TO_RESIDENT, text, NULL);
		st = S_PROGRESS;
		t += o->cat == CAT_CLEANING ? 3600 + expo(3600) : 900 + expo(2700);
	} else {
		t += 300 + expo(1800);
	}
	done = t;
	*stp = st;
	return done;
}

/* The whole life of O from its creation, cut at O->end. */
static void live(struct order *o)
{
	const struct item *it = o->it;
	char text[512], masked[16], detail[64];
	int64_t t, assign_at, respond_by, done, answer = 0, fee = -1;
	int st, complaint = o->cat == CAT_COMPLAINT, k, rework_round;
	const char *by;

	o->status = S_PENDING;
	o->accepted = -1;
	snprintf(o->actor_res, sizeof(o->actor_res), "resident:%" PRId64, o->rid);

	/* The intake on the chat page, then the order. */
	if (o->ch == CH_WEB) {
		wrote(o, o->created - 95, o->description);
		wrote(o, o->created - 60, res[o->rid].room);
		wrote(o, o->created - 40, o->pref);
		snprintf(text, sizeof(text),
		         "请核对：类别：%s\n内容：%s\n房号：%s\n联系人：%s\n期望时间：%s",
		         cat_zh[o->cat], o->description, res[o->rid].room, res[o->rid].name,
		         o->pref);
		say(o, o->created - 30, TO_RESIDENT, text, NULL);
		wrote(o, o->created - 1, "确认");
	}
	if (chance(0.01) && !complaint) { /* out of scope: declined politely */
		o->status = S_DECLINED;
		snprintf(o->reason, sizeof(o->reason), "out of scope");
		ev(o, o->created, A_CREATED, S_NONE, S_DECLINED, o->actor_res, o->ch, NULL);
		ev(o, o->created, A_DECLINED, S_NONE, S_DECLINED, o->actor_res, o->ch,
		   "out of scope");
		return;
	}
	if (o->ch < 0) {
		ev(o, o->created, A_CREATED, S_NONE, S_PENDING, "staff:zhao", -2, NULL);
		snprintf(detail, sizeof(detail), "phone by zhao; notices: phone");
		ev(o, o->created, A_DESK_INTAKE, S_NONE, S_PENDING, "staff:zhao", -2, detail);
	} else if (complaint) {
		ev(o, o->created, A_CREATED, S_NONE, S_ASSIGNED, o->actor_res, o->ch, NULL);
		ev(o, o->created, A_COMPLAINT, S_NONE, S_ASSIGNED, o->actor_res, o->ch, NULL);
		o->assigned_at = o->created;
	} else {
		ev(o, o->created, A_CREATED, S_NONE, S_PENDING, o->actor_res, o->ch, NULL);
		if (o->urgent)
			ev(o, o->created, A_EMERGENCY, S_PENDING, S_PENDING, o->actor_res, o->ch,
			   NULL);
	}
	snprintf(text, sizeof(text),
	         "已为您登记，工单号 %s。我们承诺 %d 分钟内响应，师傅接单后会通知您。"
	         "发送“我的工单”可查看进度。",
	         o->number, o->promised);
	say(o, o->created + 1, TO_RESIDENT, text, NULL);
	snprintf(masked, sizeof(masked), "%.3s****%.4s", res[o->rid].phone, res[o->rid].phone + 7);
	snprintf(text, sizeof(text),
	         "【新工单】%s\n类别：%s%s%s\n房号：%s\n内容：%s\n期望时间：%s\n"
	         "联系人：%s %s\n承诺 %d 分钟内响应。接单请回复 /accept %s",
	         o->number, cat_zh[o->cat], it ? " · " : "", it ? it->name : "", res[o->rid].room,
	         o->description, o->pref, res[o->rid].name, masked, o->promised, o->number);
	snprintf(detail, sizeof(detail), "/accept %s", o->number);
	say(o, o->created + 1, TO_STAFF_CHAT, text, complaint ? NULL : detail);
	if (o->urgent)
		say(o, o->created + 1, TO_SUPERVISOR, text, NULL);

	/* Somebody takes it; late now and then, when the promise is escalated first. */
	respond_by = o->created + (int64_t)o->promised * 60;
	if (complaint) {
		assign_at = o->created;
	} else if (chance(0.07) || o->stuck == 1) {
		assign_at = respond_by + expo(o->promised * 60.0);
		t = tick_after(respond_by);
		if (t < assign_at || o->stuck == 1) {
			ev(o, t, A_ESCALATED, S_PENDING, S_PENDING, "system", -1,
			   "promised response time passed");
			snprintf(text, sizeof(text),
			         "抱歉，工单 %s 超过承诺的 %d 分钟还没有人接单，"
			         "已转交赵主管跟进。",
			         o->number, o->promised);
			say(o, t + 1, TO_SUPERVISOR, text, NULL);
			say(o, t + 1, TO_RESIDENT, text, NULL);
		}
	} else {
		assign_at = o->created + 30 + expo(o->promised * 60.0 * 0.35);
		if (assign_at > respond_by)
			assign_at = respond_by - below(60);
	}
	if (o->stuck == 1)
		return;
	if (!complaint && chance(0.04)) { /* cancelled before the work */
		t = o->created + 300 + expo(4 * 3600.0);
		by = chance(0.7) ? o->actor_res : "staff:zhao";
		if (t < assign_at) {
			snprintf(o->reason, sizeof(o->reason), "%s", ONE_OF(cancel_reasons));
			ev(o, t, A_CANCELLED, S_PENDING, S_CANCELLED, by,
			   by == o->actor_res ? o->ch : CH_WEB, o->reason);
			snprintf(text, sizeof(text), "您的工单 %s 已取消。原因：%s", o->number,
			         o->reason);
			if (by != o->actor_res)
				say(o, t + 1, TO_RESIDENT, text, NULL);
			if (t > o->end)
				o->reason[0] = '\0';
			return;
		}
	}
	st = S_ASSIGNED;
	if (!complaint) {
		if (o->staff == ST_HENGTONG) {
			ev(o, assign_at, A_ASSIGNED, S_PENDING, S_ASSIGNED, "staff:zhao", CH_WEB,
			   "hengtong");
			ev(o, assign_at, A_WORK_ORDER_SENT, S_ASSIGNED, S_ASSIGNED, "staff:zhao",
			   CH_WEB, "hengtong");
			say(o, assign_at + 1, TO_PARTNER, o->description, NULL);
		} else if (o->staff == ST_WANG && chance(0.8)) {
			ev(o, assign_at, A_ACCEPTED, S_PENDING, S_ASSIGNED, "staff:wang",
			   CH_TELEGRAM, "wang");
		} else {
			ev(o, assign_at, A_ASSIGNED, S_PENDING, S_ASSIGNED, "staff:zhao", CH_WEB,
			   staff_id[o->staff]);
			if (o->staff == ST_WANG)
				say(o, assign_at + 1, TO_WANG, "工单已派给您。", NULL);
		}
		if (assign_at <= o->end)
			o->assigned_at = assign_at;
		snprintf(text, sizeof(text),
		         "您的工单 %s 已由 %s 接单，稍后会与您联系确认上门时间。", o->number,
		         staff_name[o->staff]);
		say(o, assign_at + 1, TO_RESIDENT, text, NULL);
	}
	if (o->stuck == 2) { /* taken and forgotten */
		if (it && it->complete_h) {
			t = tick_after(o->created + (int64_t)it->complete_h * 3600);
			ev(o, t, A_OVERDUE, st, st, "system", -1,
			   "promised completion time passed");
		}
		return;
	}

	for (rework_round = 0;; rework_round++) {
		done = work(o, rework_round ? answer + 600 + expo(6 * 3600.0) : assign_at, &st,
		            rework_round);
		if (it && it->complete_h && !rework_round &&
		    done > o->created + (int64_t)it->complete_h * 3600) {
			t = tick_after(o->created + (int64_t)it->complete_h * 3600);
			ev(o, t, A_OVERDUE, st, st, "system", -1,
			   "promised completion time passed");
		}
		fee = -1;
		if (!rework_round && it && o->cat == CAT_REPAIR && strstr(it->price, "上门费") &&
		    chance(0.45))
			fee = 3000 + 500 * below(40);
		else if (!rework_round && it && strcmp(it->id, "home-cleaning") == 0 && chance(0.8))
			fee = 4000 * (2 + below(3));
		detail[0] = '\0';
		if (fee >= 0)
			money_text(fee, detail, sizeof(detail));
		if (done <= o->end)
			o->done_at = done;
		ev(o, done, complaint ? A_RESOLVED : A_DONE, st, S_AWAITING, staff_actor(o->staff),
		   staff_via(o->staff), detail);
		if (fee >= 0 && done <= o->end) {
			struct row r;

			memset(&r, 0, sizeof(r));
			r.kind = K_FEE;
			r.at = done;
			r.order_id = o->id;
			r.num = fee;
			r.text2 = dup(staff_id[o->staff == ST_HENGTONG ? ST_ZHAO : o->staff]);
			heap_push(&r);
			t = done + 60 + expo(86400.0);
			if (chance(0.85) && t <= o->end) {
				char receipt[32];

				snprintf(receipt, sizeof(receipt), "R%08" PRId64, o->id);
				memset(&r, 0, sizeof(r));
				r.kind = K_PAYMENT;
				r.at = t;
				r.order_id = o->id;
				r.num = fee;
				r.text = dup(receipt);
				r.text2 =
				        dup(staff_id[o->staff == ST_HENGTONG ? ST_ZHAO : o->staff]);
				heap_push(&r);
				ev(o, t, A_PAID, S_AWAITING, S_NONE, staff_actor(o->staff),
				   staff_via(o->staff), receipt);
			}
		}
		snprintf(text, sizeof(text),
		         "您的工单 %s 已由 %s 报告完工%s%s%s。请检查一下：问题解决了吗？\n"
		         "回复“满意”确认验收，或“不满意”要求返工。",
		         o->number, staff_name[o->staff], fee >= 0 ? "，费用 " : "", detail,
		         fee >= 0 ? " 元" : "");
		say(o, done + 1, TO_RESIDENT, text, NULL);
		st = S_AWAITING;
		/* The answer: mostly yes within hours, sometimes none (closes by itself). */
		k = o->ch >= 0 && chance(0.8);
		answer = k ? done + 120 + expo(6 * 3600.0) : -1;
		if (answer > done + 3 * 86400 - 3600)
			answer = -1;
		if (answer > done + 2 * 86400 || answer < 0) {
			t = tick_after(done + 2 * 86400);
			ev(o, t, A_REMINDED, S_AWAITING, S_AWAITING, "system", -1, NULL);
			snprintf(text, sizeof(text),
			         "提醒：工单 %s 还在等您验收，明天前未答复将自动完成。", o->number);
			say(o, t + 1, TO_RESIDENT, text, NULL);
		}
		if (answer < 0) {
			t = tick_after(done + 3 * 86400);
			if (t <= o->end)
				o->closed_at = t;
			ev(o, t, A_AUTO_CLOSED, S_AWAITING, S_CLOSED, "system", -1,
			   "no answer within the acceptance period");
			snprintf(text, sizeof(text), "工单 %s 验收期已过，系统已自动完成。",
			         o->number);
			say(o, t + 1, TO_RESIDENT, text, NULL);
			if (t <= o->end)
				followup(o, t);
			return;
		}
		if (!complaint && rework_round == 0 && chance(0.04)) {
			if (answer <= o->end) {
				o->accepted = 0;
				o->fb_at = answer;
			}
			ev(o, answer, A_REWORK, S_AWAITING, S_REWORK, o->actor_res, o->ch,
			   "resident: not fixed");
			wrote(o, answer - 5, "不满意");
			st = S_REWORK;
			if (o->stuck == 4)
				return;
			continue;
		}
		acceptance(o, answer, complaint);
		return;
	}
}

/* ---- the run --------------------------------------------------------------------------------- */

static void flush_row(const struct row *r)
{
	char chat[64], actor[40];
	const char *channel = "web", *status = "sent", *err = "";
	int64_t attempts = 0, sent_at;

	switch (r->kind) {
	case K_EVENT:
		put(q_event, "iitttttt", r->order_id, r->at, r->text2,
		    (int)(int8_t)r->via == -1   ? "system"
		    : (int)(int8_t)r->via == -2 ? "desk"
		                                : ch_name[r->via],
		    actions[r->action], st_name[r->old_st],
		    st_name[r->new_st == S_NONE ? r->old_st : r->new_st], r->text);
		stats.events++;
		break;
	case K_OUTBOX:
		switch (r->target) {
		case TO_RESIDENT:
			channel = ch_name[r->via];
			user_of(r->via, r->num, chat, sizeof(chat));
			break;
		case TO_WANG:
			channel = "telegram";
			snprintf(chat, sizeof(chat), "100000001");
			break;
		case TO_PARTNER:
			channel = "telegram";
			snprintf(chat, sizeof(chat), "-1001000000002");
			break;
		default:
			snprintf(chat, sizeof(chat), "staff");
			channel = r->seq % 2 ? "terminal" : "web";
		}
		sent_at = r->at + 1 + (r->seq % 3);
		if (strcmp(channel, "web") != 0 && strcmp(channel, "terminal") != 0 &&
		    r->seq % 331 == 7) {
			status = "dead";
			err = dead_errors[r->seq % COUNT(dead_errors)];
			attempts = 8;
			sent_at = 0;
		}
		put(q_outbox, "tttiittii", channel, chat, r->text, attempts, r->at, status, err,
		    r->at, sent_at);
		stats.outbox++;
		break;
	case K_TRANSCRIPT:
		user_of(CH_WEB, r->num, chat, sizeof(chat));
		snprintf(actor, sizeof(actor), "c%" PRId64, r->seq);
		put(q_transcript, "tttttti", "web", chat, r->flag ? "bot" : "me", r->text, "",
		    r->flag ? "" : actor, r->at);
		stats.transcript++;
		break;
	case K_FEE:
		put(q_fee, "iiti", r->order_id, r->num, r->text2, r->at);
		stats.fees++;
		break;
	case K_PAYMENT:
		put(q_payment, "iitti", r->order_id, r->num, r->text, r->text2, r->at);
		stats.payments++;
		break;
	case K_FOLLOWUP: {
		static const char *const fs[] = {"sampled", "asked", "answered", "unanswered"};
		put(q_followup, "iinnnnTt", r->order_id, r->at, r->num, r->num2, (int64_t)r->i1,
		    (int64_t)r->i2, r->text, fs[r->status]);
		stats.followups++;
		break;
	}
	default:
		break;
	}
}

/* Writes R and frees its texts (each row owns its own; the heap moved, never shared, them). */
static void flush(const struct row *r)
{
	flush_row(r);
	free(r->text2); /* NOLINT(clang-analyzer-unix.Malloc) */
	free(r->text);  /* NOLINT(clang-analyzer-unix.Malloc) */
}

static void drain_until(int64_t t)
{
	struct row r;

	while (nheap && heap[0].at < t) {
		heap_pop(&r);
		flush(&r);
	}
}

static void write_order(struct order *o)
{
	const struct item *it = o->it;
	char user[64] = "";
	const char *channel = "";
	int64_t rid = o->rid;

	if (o->ch >= 0) {
		channel = ch_name[o->ch];
		user_of(o->ch, rid, user, sizeof(user));
	}
	put(q_order,
	    "itttttttttt"
	    "ii"
	    "ttttt"
	    "ii"
	    "tt"
	    "iiiiiii"
	    "ttt",
	    o->id, o->number, "demo", st_name[o->status], cat_name[o->cat], it ? it->id : "",
	    o->description, res[rid].room, res[rid].name, res[rid].phone, o->pref, o->pref_at, rid,
	    channel, user, user,
	    o->status == S_PENDING || o->status == S_DECLINED ||
	                    (o->status == S_CANCELLED && !o->assigned_at)
	            ? ""
	            : staff_id[o->staff],
	    o->eta, o->eta_at, (int64_t)o->promised, it && o->cat != CAT_COMPLAINT ? it->price : "",
	    o->reason, o->created, o->assigned_at, o->started_at, o->done_at, o->closed_at,
	    (int64_t)o->urgent, o->pref_end, o->ch < 0 ? "desk" : channel,
	    o->ch < 0 ? (o->id % 3 ? "phone" : "walk-in") : "", o->ch < 0 ? "zhao" : "");
	stats.orders++;
	stats.by_status[o->status]++;
	if (o->accepted >= 0 || o->rating) {
		put(q_feedback, "innti", o->id, (int64_t)o->accepted,
		    o->rating ? (int64_t)o->rating : (int64_t)-1, o->comment, o->fb_at);
		stats.feedback++;
	}
	if (o->ch >= 0 && o->cat == CAT_REPAIR && o->id % 17 == 0) {
		char hash[72], path[128];

		snprintf(hash, sizeof(hash),
		         "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64, rnd(), rnd(),
		         rnd(), rnd());
		snprintf(path, sizeof(path), "photos/%.2s/%s.jpg", hash, hash);
		put(q_photo, "iititti", o->id, rid, hash, (int64_t)(80000 + below(900000)), path,
		    channel, o->created - 50);
		stats.photos++;
	}
}

/* The de-duplication keys of a chat platform's updates, kept 30 days. */
static void dedup_keys(const struct order *o, int64_t end)
{
	char key[32];
	int i;

	if (o->ch <= CH_WEB || o->created < end - 30 * 86400)
		return;
	for (i = 0; i < 6; i++) {
		snprintf(key, sizeof(key), "%" PRId64, (int64_t)700000000 + o->id * 8 + i);
		put(q_dedup, "tti", ch_name[o->ch], key, o->created - 100 + i * 18);
		stats.dedup++;
	}
}

static void usage(void)
{
	fputs("usage: gendb [--orders N] [--seed S] [--end \"YYYY-MM-DD[ HH:MM]\"] [--days D] DB\n"
	      "DB: a file Concierge created (e.g. `concierge --db DB orders list`), with no "
	      "orders yet\n",
	      stderr);
	exit(2);
}

/* The number at *P (moved past it), at most MAX; -1 when there is none. */
static long number_at(const char **p, long max)
{
	char *end;
	long v;

	if (**p < '0' || **p > '9')
		return -1;
	v = strtol(*p, &end, 10);
	*p = end;
	return v <= max ? v : -1;
}

static int64_t parse_end(const char *s)
{
	const char *p = s;
	struct tm tm;
	long y, mo, d, h = 0, mi = 0;

	memset(&tm, 0, sizeof(tm));
	y = number_at(&p, 9999);
	mo = *p == '-' ? (p++, number_at(&p, 12)) : -1;
	d = *p == '-' ? (p++, number_at(&p, 31)) : -1;
	if (*p == ' ') {
		p++;
		h = number_at(&p, 23);
		mi = *p == ':' ? (p++, number_at(&p, 59)) : -1;
	}
	if (y < 1970 || mo < 1 || d < 1 || h < 0 || mi < 0 || *p)
		die("--end %s: expected YYYY-MM-DD or \"YYYY-MM-DD HH:MM\"", s);
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)mo - 1;
	tm.tm_mday = (int)d;
	tm.tm_hour = (int)h;
	tm.tm_min = (int)mi;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

/* Local midnight of the day containing T, plus DAYS days. */
static int64_t day_start(int64_t t, int days)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	tm.tm_hour = 0;
	tm.tm_min = 0;
	tm.tm_sec = 0;
	tm.tm_mday += days;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static double item_w[COUNT(items) + 1];
static int64_t *times;

static const char *const s_emergency[] = {"卫生间水管爆了，水漫到客厅", "厨房插座冒烟了",
                                          "有人困在电梯里"};
static const char *const emergency_item[] = {"water", "electric", "lift"};

/* The preferred time of O, as the intake's time parser would have read it. */
static void preferred(struct order *o)
{
	int k = (int)below(COUNT(pref_times));

	snprintf(o->pref, sizeof(o->pref), "%s", pref_times[k]);
	switch (k) {
	case 0: /* this afternoon */
		o->pref_at = day_start(o->created, 0) + 14 * 3600;
		o->pref_end = o->pref_at + 4 * 3600;
		break;
	case 1: /* tomorrow morning */
	case 4: /* Saturday morning, near enough */
		o->pref_at = day_start(o->created, 1) + 9 * 3600;
		o->pref_end = o->pref_at + 3 * 3600;
		break;
	case 2:
		o->pref_at = day_start(o->created, 1) + 14 * 3600;
		o->pref_end = o->pref_at + 4 * 3600;
		break;
	case 5:
		o->pref_at = day_start(o->created, 0) + 19 * 3600;
		break;
	default: /* as soon as possible */
		break;
	}
	if (o->pref_at && o->pref_at < o->created) {
		o->pref_at = 0;
		o->pref_end = 0;
	}
}

/* Order ID, filed at CREATED on the day TM as its SEQ-th. */
static void one_order(int64_t id, int64_t created, int64_t end, const struct tm *tm, int64_t seq)
{
	struct order o;
	int k;

	memset(&o, 0, sizeof(o));
	o.id = id;
	o.created = created;
	o.end = end;
	snprintf(o.number, sizeof(o.number), "%02d%02d%02d-%03lld", tm->tm_year % 100,
	         tm->tm_mon + 1, tm->tm_mday, (long long)seq);
	o.rid = some_resident();
	o.ch = res[o.rid].ch[res[o.rid].ch[1] >= 0 && chance(0.3) ? 1 : 0];
	if (chance(0.05))
		o.ch = -1; /* phoned the desk */
	k = pick(item_w, COUNT(items) + 1);
	if (k == COUNT(items)) {
		o.cat = CAT_COMPLAINT;
		o.staff = ST_ZHAO;
		o.promised = 24 * 60;
		snprintf(o.description, sizeof(o.description), "%s", ONE_OF(s_complaint));
	} else {
		o.it = &items[k];
		o.cat = o.it->cat;
		o.staff = o.it->partner && chance(0.12) ? ST_HENGTONG : o.it->staff;
		o.promised = o.it->respond_min;
		snprintf(o.description, sizeof(o.description), "%s",
		         o.it->says[below(o.it->nsays)]);
		preferred(&o);
		if (o.ch >= 0 && chance(0.005)) { /* an emergency */
			k = (int)below(COUNT(s_emergency));
			for (o.it = items; strcmp(o.it->id, emergency_item[k]) != 0; o.it++)
				;
			o.cat = CAT_REPAIR;
			o.staff = ST_WANG;
			o.urgent = 1;
			o.promised = 15;
			o.pref[0] = '\0';
			o.pref_at = o.pref_end = 0;
			snprintf(o.description, sizeof(o.description), "%s", s_emergency[k]);
		}
	}
	/* Now and then one is stuck: never taken (1), or taken and forgotten (2). */
	if (created < end - 14 * 86400 && chance(0.0001))
		o.stuck = 1 + (int)below(2);
	live(&o);
	drain_until(o.created);
	write_order(&o);
	dedup_keys(&o, end);
	if (o.ch >= 0 && o.created > res[o.rid].last)
		res[o.rid].last = o.created;
}

/* Where the daily follow-up run left off, the desk's duty, as the gateway keeps them. */
static void bookkeeping(int64_t end)
{
	int64_t run = next_ten(end);
	char day[48], cut[32];
	time_t tt;
	struct tm tm;
	int i;

	if (run > end)
		run = next_ten(end - 86400);
	tt = (time_t)run;
	localtime_r(&tt, &tm);
	snprintf(day, sizeof(day), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	snprintf(cut, sizeof(cut), "%lld", (long long)(run - 86400));
	put(q_kv, "tt", "followup.last_run", day);
	put(q_kv, "tt", "followup.cutoff", cut);
	for (i = ST_WANG; i <= ST_ZHAO; i++)
		put(q_duty, "tiit", staff_id[i], (int64_t)1, day_start(end, 0) + 8 * 3600,
		    staff_actor(i));
}

static void report(const char *path, double secs)
{
	struct stat sb;
	int i;

	fprintf(stderr,
	        "gendb: %s: %lld orders, %lld residents, %lld events, %lld outbox rows, %lld fees,"
	        " %lld payments, %lld feedback, %lld follow-ups, %lld transcript lines, %lld"
	        " de-duplication keys, %lld photos in %.1f s\n",
	        path, (long long)stats.orders, (long long)nres, (long long)stats.events,
	        (long long)stats.outbox, (long long)stats.fees, (long long)stats.payments,
	        (long long)stats.feedback, (long long)stats.followups, (long long)stats.transcript,
	        (long long)stats.dedup, (long long)stats.photos, secs);
	fprintf(stderr, "gendb: orders by status:");
	for (i = 1; i < COUNT(st_name); i++)
		fprintf(stderr, " %s %lld", st_name[i], (long long)stats.by_status[i]);
	fputc('\n', stderr);
	if (stat(path, &sb) == 0)
		printf("%s: %.1f MB\n", path, (double)sb.st_size / 1048576.0);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const double hour_w[24] = {0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 1.5, 3.5, 5, 5,   4.5,
	                                  3,   3.5, 4,   4,   4,   4,   3.5, 3.5, 3,   2, 1.2, 0.6};
	int64_t norders = 1000000, seed = 1, end = -1, t0, n, done = 0, id = 0;
	int days = 420, i, d;
	const char *path = NULL;
	double *dw, wsum = 0, want = 0, started = now_s();
	struct stat sb;
	char key[32];

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--orders") == 0 && i + 1 < argc)
			norders = strtoll(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = strtoll(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--end") == 0 && i + 1 < argc)
			end = parse_end(argv[++i]);
		else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc)
			days = (int)strtol(argv[++i], NULL, 10);
		else if (argv[i][0] == '-' || path)
			usage();
		else
			path = argv[i];
	}
	if (!path || norders < 1 || days < 2)
		usage();
	if (end < 0)
		end = (int64_t)time(NULL) / 60 * 60;
	{
		uint64_t x = (uint64_t)seed;

		for (i = 0; i < 4; i++)
			rs[i] = splitmix(&x);
	}
	for (i = 0; i < COUNT(items); i++)
		item_w[i] = items[i].weight;
	item_w[COUNT(items)] = 3; /* complaints */

	if (stat(path, &sb) != 0)
		die("%s: %s (create it with `concierge --db %s orders list` first)", path,
		    strerror(errno), path);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		die("%s: %s", path, sqlite3_errmsg(db));
	if (one_int("PRAGMA application_id") != APPLICATION_ID)
		die("%s: not a Concierge database (run `concierge --db %s orders list` first)",
		    path, path);
	if (one_int("PRAGMA user_version") < MIN_SCHEMA)
		die("%s: schema version %lld; this writes version %d or later", path,
		    (long long)one_int("PRAGMA user_version"), MIN_SCHEMA);
	if (one_int("SELECT count(*) FROM orders") != 0)
		die("%s: already has orders; start from a new file", path);
	/* A bulk load: no journal, no syncs, a big cache; WAL again at the end. */
	exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF;"
	     " PRAGMA locking_mode = EXCLUSIVE; PRAGMA cache_size = -1048576;"
	     " PRAGMA temp_store = MEMORY");
	prepare_all();

	t0 = day_start(end, -(days - 1));
	nres = norders / 25 > 1000 ? norders / 25 : 1000;
	make_residents(nres);

	/* Orders per day: growing over the period, fewer at weekends, the last day partial. */
	dw = calloc((size_t)days, sizeof(*dw));
	times = malloc(sizeof(*times) * (size_t)(norders / days * 3 + 64));
	if (!dw || !times)
		die("out of memory");
	for (d = 0; d < days; d++) {
		time_t tt = (time_t)day_start(t0, d);
		struct tm tm;

		localtime_r(&tt, &tm);
		dw[d] = (0.8 + 0.4 * d / days) * (tm.tm_wday == 0 || tm.tm_wday == 6 ? 0.75 : 1.0) *
		        (1.0 + 0.12 * sin(2 * 3.14159265 * (tm.tm_yday + 30) / 365.0));
		if (d == days - 1)
			dw[d] *= (double)(end - day_start(t0, d)) / 86400.0;
		wsum += dw[d];
	}
	fprintf(stderr, "gendb: %lld orders, %lld residents, %d days to %s", (long long)norders,
	        (long long)nres, days, ctime(&(time_t){(time_t)end}));
	exec("BEGIN");
	for (d = 0; d < days; d++) {
		int64_t ds = day_start(t0, d), de = d == days - 1 ? end : day_start(t0, d + 1), j;
		time_t tt = (time_t)ds;
		struct tm tm;

		/* As many as the day's share, keeping the running total exact. */
		want += dw[d];
		n = (int64_t)llround((double)norders * want / wsum) - done;
		for (j = 0; j < n; j++) {
			do
				times[j] = ds + pick(hour_w, 24) * 3600 + below(3600);
			while (times[j] >= de && de - ds > 3600);
			if (times[j] >= de)
				times[j] = ds + below(de - ds);
		}
		qsort(times, (size_t)n, sizeof(*times), cmp_i64);
		localtime_r(&tt, &tm);
		for (j = 0; j < n; j++) {
			one_order(++id, times[j], end, &tm, j + 1);
			done++;
		}
		snprintf(key, sizeof(key), "%02d%02d%02d", tm.tm_year % 100, tm.tm_mon + 1,
		         tm.tm_mday);
		if (n)
			put(q_counter, "ti", key, n);
		if (done / 100000 != (done - n) / 100000 || d == days - 1) {
			exec("COMMIT; BEGIN");
			fprintf(stderr, "gendb: %lld orders (%.0f%%), %.1f s\n", (long long)done,
			        100.0 * (double)done / (double)norders, now_s() - started);
		}
	}
	drain_until(INT64_MAX);
	write_residents(t0);
	bookkeeping(end);
	exec("COMMIT");
	exec("PRAGMA locking_mode = NORMAL; PRAGMA journal_mode = WAL");
	sqlite3_close(db);
	report(path, now_s() - started);
	return 0;
}
