/*
 * dead.c - inbound dead letters (dead.h): the key and JSON of a message, the
 * count of its failures, and the replay.
 */
#include "bot/dead.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "bot/core.h"
#include "lib/log.h"
#include "lib/utf8.h"
#include "store/store.h"
#include "store/store_dead.h"

/*
 * The message's key: the platform's ID where it gives one (what a retry
 * repeats), else a digest of who said what where, which a retry repeats too.
 */
static void key_of(const struct inbound *in, char *key, size_t len)
{
	const char *parts[] = {in->chat, in->user, in->text, in->callback, in->att_ref};
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	EVP_MD_CTX *x;

	if (in->id && *in->id) {
		snprintf(key, len, "id:%s", in->id);
		return;
	}
	x = EVP_MD_CTX_new();
	if (x && EVP_DigestInit_ex(x, EVP_sha256(), NULL)) {
		for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
			EVP_DigestUpdate(x, parts[i] ? parts[i] : "",
			                 parts[i] ? strlen(parts[i]) + 1 : 1);
		if (!EVP_DigestFinal_ex(x, md, &n))
			n = 0;
	}
	EVP_MD_CTX_free(x);
	snprintf(key, len, "sha256:");
	for (i = 0; i < n && 7 + 2 * i + 2 < len; i++)
		snprintf(key + 7 + 2 * i, len - 7 - 2 * i, "%02x", md[i]);
}

static void put(json_t *o, const char *k, const char *v)
{
	if (v)
		json_object_set_new(o, k, json_string(v));
}

/* The length of S cut to at most MAX bytes on a code point boundary. */
static size_t cut_len(const char *s, size_t max)
{
	size_t n = strlen(s), p = 0, k;
	uint32_t c;

	if (n <= max)
		return n;
	while (p < n) {
		k = utf8_next(s + p, n - p, &c);
		if (p + k > max)
			break;
		p += k;
	}
	return p;
}

char *dead_encode(const struct inbound *in)
{
	json_t *o = json_object();
	char *out;

	if (!o)
		return NULL;
	put(o, "channel", in->channel);
	put(o, "id", in->id);
	put(o, "chat", in->chat);
	put(o, "user", in->user);
	put(o, "user_name", in->user_name);
	put(o, "lang", in->lang);
	if (in->text) {
		size_t n = cut_len(in->text, DEAD_TEXT_MAX);

		json_object_set_new(o, "text", json_stringn(in->text, n));
		if (n < strlen(in->text))
			json_object_set_new(o, "text_cut", json_true());
	}
	put(o, "callback", in->callback);
	put(o, "reply_ref", in->reply_ref);
	put(o, "moved_from", in->moved_from);
	put(o, "moved_to", in->moved_to);
	put(o, "att_kind", in->att_kind);
	put(o, "att_ref", in->att_ref);
	if (in->is_group)
		json_object_set_new(o, "is_group", json_true());
	if (in->addressed)
		json_object_set_new(o, "addressed", json_true());
	if (in->from_link)
		json_object_set_new(o, "from_link", json_true());
	out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return out;
}

static char *get(json_t *o, const char *k)
{
	return msg_strdup(json_string_value(json_object_get(o, k)));
}

struct inbound *dead_decode(const char *raw)
{
	json_t *o = json_loads(raw, 0, NULL);
	struct inbound *in = NULL;
	const char *ch = json_string_value(json_object_get(o, "channel"));

	if (ch && (in = inbound_new(ch)) != NULL) {
		in->id = get(o, "id");
		in->chat = get(o, "chat");
		in->user = get(o, "user");
		in->user_name = get(o, "user_name");
		in->lang = get(o, "lang");
		in->text = get(o, "text");
		in->callback = get(o, "callback");
		in->reply_ref = get(o, "reply_ref");
		in->moved_from = get(o, "moved_from");
		in->moved_to = get(o, "moved_to");
		in->att_kind = get(o, "att_kind");
		in->att_ref = get(o, "att_ref");
		in->is_group = json_is_true(json_object_get(o, "is_group"));
		in->addressed = json_is_true(json_object_get(o, "addressed"));
		in->from_link = json_is_true(json_object_get(o, "from_link"));
	}
	json_decref(o);
	return in;
}

int dead_fail(struct store *s, struct inbound *in, const char *reason, int64_t now)
{
	char key[96], why[300];
	char *raw = dead_encode(in);
	int64_t id = 0;
	int rc;

	if (!raw)
		return -1;
	key_of(in, key, sizeof(key));
	utf8_clean(why, sizeof(why), reason, strlen(reason));
	rc = store_dead_fail(s, in->channel, key, in->chat ? in->chat : "", raw, why, DEAD_ATTEMPTS,
	                     now, &id);
	free(raw);
	if (rc < 0) {
		log_warn("store: the failure of a message on %s could not be counted: %s",
		         in->channel, store_errmsg(s));
		return -1;
	}
	if (rc == 1) {
		in->dead = 1;
		log_fields(LOG_ERROR,
		           (struct log_field[]){LOG_STR("channel", in->channel),
		                                LOG_NUM("dead_letter", id)},
		           2,
		           "inbound: message on %s failed %d times and is set aside as dead letter "
		           "%lld (concierge dead-letters): %s",
		           in->channel, DEAD_ATTEMPTS, (long long)id, why);
	}
	return rc;
}

void dead_forget(struct store *s, const struct inbound *in)
{
	char key[96];

	key_of(in, key, sizeof(key));
	if (store_dead_forget(s, in->channel, key) < 0)
		log_warn("store: %s", store_errmsg(s));
}

/* Handles IN inside the open transaction, as batch.c would have. */
static int replay_one(struct store *s, struct core *core, struct inbound *in, int64_t now)
{
	struct msg_in m;
	int rc;

	if (in->id) {
		rc = store_dedup_claim(s, in->channel, in->id, now);
		if (rc <= 0)
			return rc; /* handled meanwhile (0), or a failure */
	}
	if (in->moved_from && in->moved_to &&
	    store_chat_migrate(s, in->channel, in->moved_from, in->moved_to) < 0)
		return -1;
	if ((in->text && (in->text[0] || (in->callback && in->callback[0]))) || in->att_kind) {
		inbound_view(in, &m);
		m.id = NULL; /* claimed above */
		return core_handle(core, &m, now);
	}
	return 0;
}

int dead_replay(struct store *s, struct core *core, int64_t id, int64_t now, char *err,
                size_t errlen)
{
	struct store_dead d;
	struct inbound *in = NULL;
	int rc;

	err[0] = '\0';
	memset(&d, 0, sizeof(d));
	rc = store_dead_get(s, id, &d);
	if (rc <= 0) {
		snprintf(err, errlen, "%s", rc < 0 ? store_errmsg(s) : "no such dead letter");
		return rc < 0 ? -1 : 1;
	}
	if (d.replayed_at) {
		free(d.raw);
		snprintf(err, errlen, "dead letter %lld was replayed already", (long long)id);
		return 1;
	}
	in = dead_decode(d.raw);
	free(d.raw);
	if (!in) {
		snprintf(err, errlen, "dead letter %lld cannot be read", (long long)id);
		return -1;
	}
	if (store_begin(s) < 0)
		goto fail;
	if (replay_one(s, core, in, now) < 0 || store_dead_replayed(s, id, now) < 0 ||
	    store_commit(s) < 0) {
		snprintf(err, errlen, "%s", store_errmsg(s));
		store_rollback(s);
		inbound_free(in);
		return -1;
	}
	inbound_free(in);
	log_info("inbound: dead letter %lld on %s replayed", (long long)id, d.channel);
	return 0;
fail:
	snprintf(err, errlen, "%s", store_errmsg(s));
	inbound_free(in);
	return -1;
}
