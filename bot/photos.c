/*
 * photos.c - photos residents send with a request (拍照报修).
 *
 * A photo joins, in this order: the order staff asked a photo for
 * (`/photo N`, the event "photo_requested") and that has none since; the
 * intake the resident is in (kept without an order until the intake makes
 * one: core_photos_adopt); the resident's order made in the last
 * PHOTO_JOIN_SECONDS. It is judged by its bytes (lib/photo.h), kept as a
 * file named by its SHA-256 in a folder beside the database
 * ("<db>.photos/"), recorded in the store and, on an order, as the event
 * "photo_added". Photos are personal: one said in a group is never fetched
 * nor kept; the resident is asked to send it privately. Staff's photos are
 * not kept: they are told to ask the resident (`/photo N`).
 *
 * The file is written before the transaction commits, and given to the
 * store (store_tx_file) when this transaction created it: a rollback removes
 * it, so no file is left that no row names. A photo over the configured
 * photo_max_kb is refused with the limit.
 */
#include "bot/cmd.h"

#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/photo.h"

struct photo_wish {
	int64_t asked_at, added_at;
};

static int scan_wish(const struct store_event *e, void *ud)
{
	struct photo_wish *w = ud;

	if (strcmp(e->action, "photo_requested") == 0)
		w->asked_at = e->at;
	else if (strcmp(e->action, "photo_added") == 0)
		w->added_at = e->at;
	return 0;
}

struct photo_target {
	struct core *c;
	struct store_order o;
	int found;
	int failed;
};

/* An open order of the resident that staff asked a photo for and that has none since. */
static int asked_for(const struct store_order *o, void *ud)
{
	struct photo_target *t = ud;
	struct photo_wish w = {0, 0};

	if (store_events_list(t->c->store, o->id, scan_wish, &w) < 0) {
		t->failed = 1;
		return 1;
	}
	if (w.asked_at && w.asked_at >= w.added_at) {
		t->o = *o;
		t->found = 1;
		return 1;
	}
	return 0;
}

static int newest(const struct store_order *o, void *ud)
{
	struct photo_target *t = ud;

	t->o = *o;
	t->found = 1;
	return 1;
}

/* 1 when the resident of R is in an intake (maybe paused by a question), 0 not, <0 error. */
static int in_intake(struct core_req *r)
{
	struct dlg_state st;
	int active = 0, expired = 0, rc;

	if (core_load_session(r, &st, &active, &expired) < 0)
		return -1;
	rc = active && (strcmp(st.flow, "intake") == 0 || st.suspended);
	dlg_state_release(&st);
	return rc;
}

/* Which order a photo of R's resident joins: 1 (in T->o), 0 none, <0 error. */
static int find_order(struct core_req *r, struct photo_target *t, int *pending)
{
	static const char *const asked[] = {"photo_requested", NULL};
	struct store_order_filter f;
	int rc;

	*pending = 0;
	memset(t, 0, sizeof(*t));
	t->c = r->c;
	memset(&f, 0, sizeof(f));
	f.resident_id = r->resident.id;
	f.open_only = 1;
	f.limit = 20;
	f.actions = asked; /* only those histories are read */
	if (store_orders_list(r->c->store, &f, asked_for, t) < 0 || t->failed)
		return -1;
	if (t->found)
		return 1;
	rc = in_intake(r);
	if (rc != 0) {
		*pending = rc > 0;
		return rc < 0 ? -1 : 0;
	}
	f.open_only = 0;
	f.limit = 1;
	f.actions = NULL;
	if (store_orders_list(r->c->store, &f, newest, t) < 0)
		return -1;
	if (t->found && t->o.created_at >= r->now - PHOTO_JOIN_SECONDS &&
	    strcmp(t->o.status, "cancelled") != 0 && strcmp(t->o.status, "declined") != 0)
		return 1;
	t->found = 0;
	return 0;
}

/* Tells whoever works on O that a photo came: the assignee, else the staff chats. */
static int tell_staff(struct core *c, const struct store_order *o, const struct store_photo *p,
                      int64_t now)
{
	const struct cfg_staff *to = o->assignee[0] ? cfg_staff_find(c->cfg, o->assignee) : NULL;
	const char *args[3] = {o->number, p->type, p->path};
	struct buf b;
	int rc;

	if (to)
		return core_tell_staff(c, to, core_reach_of(o), M_PHOTO_STAFF, args, 3, now);
	buf_init(&b);
	buf_tpl(&b, dlg_msg(dlg_lang_from_hint(c->cfg->locale, DLG_ZH), M_PHOTO_STAFF), args, 3);
	rc = b.failed ? -1
	              : core_notify_staff_chats(c, o->community, core_order_skill(c, o),
	                                        buf_str(&b), NULL, 0, now);
	buf_release(&b);
	return rc;
}

static int photo_event(struct core *c, const struct store_order *o, const struct store_photo *p,
                       const char *actor, const char *via, int64_t now)
{
	char detail[160];

	snprintf(detail, sizeof(detail), "%s.%s %lld bytes", p->hash, p->type, (long long)p->size);
	return store_event_add(c->store, o->id, now, actor, via, "photo_added", o->status,
	                       o->status, detail);
}

/* Whether a photo said in a group is meant for us: say where to send it then. */
static int group_photo(struct core_req *r)
{
	struct photo_target t;
	int pending = 0, rc;

	if (!r->in->addressed) {
		rc = find_order(r, &t, &pending);
		if (rc < 0)
			return -1;
		if (rc == 0 && !pending)
			return 0; /* neighbours sharing pictures */
	}
	return core_reply_msg(r, M_PHOTO_GROUP, NULL, 0);
}

static int too_big(struct core_req *r)
{
	int kb = r->c->cfg->photo_max_kb;
	char size[32];
	const char *args[1] = {size};

	/* "5 MB", "1.5 MB", "800 KB" */
	if (kb % 1024 == 0)
		snprintf(size, sizeof(size), "%d MB", kb / 1024);
	else if (kb >= 1024)
		snprintf(size, sizeof(size), "%.1f MB", kb / 1024.0);
	else
		snprintf(size, sizeof(size), "%d KB", kb);
	return core_reply_msg(r, M_PHOTO_TOO_BIG, args, 1);
}

size_t core_photo_max(const struct core *c)
{
	return (size_t)c->cfg->photo_max_kb * 1024u;
}

int core_photo(struct core *c, const struct msg_in *in, int64_t now)
{
	const struct photo_type *type;
	struct store_photo p;
	struct photo_target t;
	struct core_req r;
	char dir[1024], err[256];
	const char *args[1];
	int pending = 0, rc, saved, somewhere;

	if (core_req_init(&r, c, in, now, "") < 0)
		return -1;
	/*
	 * Staff have no orders of their own to add a photo to (in the middle of a
	 * desk intake it would join none): they hear so, and how to ask the
	 * resident for one. Their pictures among themselves in a group are theirs.
	 */
	if (r.staff)
		return in->is_group && !in->addressed
		               ? 0
		               : core_reply_msg(&r, M_PHOTO_FROM_STAFF, NULL, 0);
	if (in->is_group)
		return group_photo(&r);
	if (in->att_too_big || in->att_len > core_photo_max(c))
		return too_big(&r);
	if (!in->att_data)
		return core_reply_msg(&r, M_PHOTO_FAILED, NULL, 0);
	type = photo_sniff(in->att_data, in->att_len);
	if (!type)
		return core_reply_msg(&r, M_PHOTO_NOT_IMAGE, NULL, 0);
	rc = find_order(&r, &t, &pending);
	if (rc < 0)
		return -1;
	if (rc == 0 && !pending)
		return core_reply_msg(&r, M_PHOTO_NO_ORDER, NULL, 0);

	memset(&p, 0, sizeof(p));
	/*
	 * Beside a SQLite file, or where "photos_dir" says: a directory every
	 * server sharing a PostgreSQL database reaches (NFS or the like).
	 */
	if (c->cfg->photos_dir)
		snprintf(dir, sizeof(dir), "%s", c->cfg->photos_dir);
	else
		snprintf(dir, sizeof(dir), "%s.photos", store_path(c->store));
	somewhere = c->cfg->photos_dir || store_path(c->store)[0];
	saved = somewhere ? photo_save(dir, in->att_data, in->att_len, type, p.hash, p.path,
	                               sizeof(p.path), err, sizeof(err))
	                  : -1;
	if (saved < 0) {
		log_warn("photo not kept: %s", somewhere ? err : "no \"photos_dir\" set");
		return core_reply_msg(&r, M_PHOTO_FAILED, NULL, 0);
	}
	/* Written for this transaction: it goes if the transaction does. */
	if (saved == 0 && store_tx_file(c->store, p.path) < 0)
		return -1;
	p.order_id = rc == 1 ? t.o.id : 0;
	p.resident_id = r.resident.id;
	buf_copy(p.type, sizeof(p.type), type->name);
	p.size = (int64_t)in->att_len;
	buf_copy(p.channel, sizeof(p.channel), in->channel);
	p.at = now;
	if (pending) {
		if (store_photo_add(c->store, &p) < 0)
			return -1;
		log_info("photo %.12s kept for the intake of %s", p.hash, r.actor);
		return core_reply_msg(&r, M_PHOTO_KEPT, NULL, 0);
	}
	rc = store_photo_add(c->store, &p);
	if (rc < 0)
		return -1;
	args[0] = t.o.number;
	if (rc == 0) /* the order has this picture already */
		return core_reply_msg(&r, M_PHOTO_ATTACHED, args, 1);
	log_info("order %s: photo %.12s added by %s via %s", t.o.number, p.hash, r.actor,
	         in->channel);
	if (photo_event(c, &t.o, &p, r.actor, in->channel, now) < 0 ||
	    tell_staff(c, &t.o, &p, now) < 0)
		return -1;
	return core_reply_msg(&r, M_PHOTO_ATTACHED, args, 1);
}

struct adopt {
	struct core *c;
	const struct store_order *o;
	const char *actor, *via;
	int64_t now;
	int failed;
};

static int adopt_one(const struct store_photo *p, void *ud)
{
	struct adopt *a = ud;
	int rc = store_photo_attach(a->c->store, p->id, a->o->id);

	if (rc > 0)
		rc = photo_event(a->c, a->o, p, a->actor, a->via, a->now);
	if (rc < 0)
		a->failed = 1;
	return a->failed;
}

int core_photos_adopt(struct core *c, const struct store_order *o, const char *actor,
                      const char *via, int64_t now)
{
	struct adopt a = {c, o, actor, via, now, 0};

	if (!o->resident_id)
		return 0;
	if (store_photos_pending(c->store, o->resident_id, now - PHOTO_JOIN_SECONDS, adopt_one,
	                         &a) < 0 ||
	    a.failed)
		return -1;
	return 0;
}

int core_photos_line(struct core *c, const struct store_order *o, int lang, struct buf *b)
{
	char photos[16];
	const char *args[2] = {photos, o->number};
	int n = core_photos_count(c, o);

	if (n <= 0)
		return n;
	snprintf(photos, sizeof(photos), "%d", n);
	buf_tpl(b, dlg_msg(lang, M_PING_PHOTOS), args, 2);
	return b->failed ? -1 : 0;
}

static int count_one(const struct store_photo *p, void *ud)
{
	(void)p;
	(*(int *)ud)++;
	return 0;
}

int core_photos_count(struct core *c, const struct store_order *o)
{
	int n = 0;

	return store_photos_list(c->store, o->id, count_one, &n) < 0 ? -1 : n;
}

/* `/photo N`: staff ask the resident of order N for a photo; their next one joins N. */
int cmd_photo_exec(struct core_req *r, struct cmd_args *a)
{
	struct store_order *o = &a->order;
	int rc;

	/* Asking the resident is for whoever works on the order, as /reply is. */
	if (!cmd_may_act(r, o))
		return 0;
	if (!o->resident_id || !o->chat[0])
		return cmd_tpl(r, M_PHOTO_NO_RESIDENT, o->number, NULL);
	if (cmd_status_in(o->status,
	                  (const char *const[]){"closed", "cancelled", "declined", NULL}))
		return cmd_bad_state(r, o);
	rc = store_event_add(r->c->store, o->id, r->now, r->actor, r->in->channel,
	                     "photo_requested", o->status, o->status, "");
	if (rc == 0)
		rc = cmd_notice(r, o, M_PHOTO_ASK, NULL, NULL, NULL);
	if (rc == 0)
		rc = cmd_tpl(r, M_PHOTO_ASKED, o->number, NULL);
	return rc;
}
