/*
 * telegram_out.c - outbox rows into Bot API calls, answers into verdicts;
 * see telegram_out.h. The bodies themselves come from the pure builders in
 * telegram.c, so what is checked there (button data size, text splitting in
 * UTF-16 units) holds for everything the sender sends.
 */
#include "adapters/telegram_out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/msg.h"

#define RETRY_AFTER_MAX 86400

static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return -1;
}

static int answer_callback_calls(json_t *root, struct tg_out_call **calls, char *err, size_t errlen)
{
	json_t *id = json_object_get(root, "answer_callback"); /* borrowed */
	json_t *text = json_object_get(root, "text");          /* borrowed */
	char idbuf[32];
	const char *qid;

	if (json_is_string(id)) {
		qid = json_string_value(id);
	} else if (json_is_integer(id)) {
		snprintf(idbuf, sizeof(idbuf), "%" JSON_INTEGER_FORMAT, json_integer_value(id));
		qid = idbuf;
	} else {
		return fail(err, errlen, "payload: answer_callback is not a query ID");
	}
	*calls = calloc(1, sizeof(**calls));
	if (!*calls)
		return fail(err, errlen, "out of memory");
	(*calls)[0].method = "answerCallbackQuery";
	(*calls)[0].body = tg_build_answer_callback(qid, json_string_value(text));
	if (!(*calls)[0].body) {
		free(*calls);
		*calls = NULL;
		return fail(err, errlen, "payload: answer_callback is not a query ID");
	}
	return 1;
}

static int send_message_calls(const char *chat, json_t *root, struct tg_out_call **calls, char *err,
                              size_t errlen)
{
	json_t *text = json_object_get(root, "text");   /* borrowed */
	json_t *arr = json_object_get(root, "buttons"); /* borrowed */
	struct msg_button *b = NULL;
	char **bodies = NULL;
	size_t i, nb = json_is_array(arr) ? json_array_size(arr) : 0;
	int n = -1, k;

	if (!json_is_string(text))
		return fail(err, errlen, "payload: no text");
	if (nb && !(b = calloc(nb, sizeof(*b))))
		return fail(err, errlen, "out of memory");
	for (i = 0; i < nb; i++) {
		json_t *btn = json_array_get(arr, i); /* borrowed */

		b[i].label = json_string_value(json_object_get(btn, "label"));
		b[i].data = json_string_value(json_object_get(btn, "data"));
		if (!b[i].label) {
			fail(err, errlen, "payload: a button has no label");
			goto done;
		}
	}
	k = tg_build_send_messages(chat, json_string_value(text), b, (int)nb, &bodies);
	if (k < 0) {
		fail(err, errlen,
		     "payload: a button has an empty label, or data empty or over 64 bytes");
		goto done;
	}
	*calls = calloc((size_t)k, sizeof(**calls));
	if (!*calls) {
		fail(err, errlen, "out of memory");
		goto done;
	}
	for (n = 0; n < k; n++) {
		(*calls)[n].method = "sendMessage";
		(*calls)[n].body = bodies[n]; /* taken: the array alone is freed below */
	}
	free(bodies);
	bodies = NULL;
done:
	tg_parts_free(bodies);
	free(b);
	return n;
}

int tg_out_calls(const char *chat, const char *payload, struct tg_out_call **calls, char *err,
                 size_t errlen)
{
	json_t *root;
	int n;

	*calls = NULL;
	if (!chat || !*chat)
		return fail(err, errlen, "no chat");
	root = payload ? json_loads(payload, 0, NULL) : NULL;
	if (!json_is_object(root)) {
		json_decref(root);
		return fail(err, errlen, "payload: not a JSON object");
	}
	if (json_object_get(root, "answer_callback"))
		n = answer_callback_calls(root, calls, err, errlen);
	else
		n = send_message_calls(chat, root, calls, err, errlen);
	json_decref(root);
	return n;
}

void tg_out_calls_free(struct tg_out_call *calls, int n)
{
	int i;

	if (!calls)
		return;
	for (i = 0; i < n; i++)
		free(calls[i].body);
	free(calls);
}

/* API_BASE PREFIX "/bot" TOKEN "/" REST, malloc'd. */
static char *api_url(const char *api_base, const char *prefix, const char *token, const char *rest)
{
	size_t len;
	char *url;

	if (!api_base || !token || !rest)
		return NULL;
	len = strlen(api_base) + strlen(prefix) + strlen(token) + strlen(rest) + 6;
	url = malloc(len);
	if (url)
		snprintf(url, len, "%s%s/bot%s/%s", api_base, prefix, token, rest);
	return url;
}

char *tg_out_url(const char *api_base, const char *token, const char *method)
{
	return api_url(api_base, "", token, method);
}

char *tg_file_url(const char *api_base, const char *token, const char *file_path)
{
	return api_url(api_base, "/file", token, file_path);
}

void tg_out_interpret(long http_status, const char *body, size_t len, long header_retry_after,
                      const char *neterr, struct tg_out_answer *a)
{
	struct tg_result r;
	int parsed;

	memset(a, 0, sizeof(*a));
	a->http_status = http_status;
	if (http_status <= 0) {
		a->verdict = TG_RETRY;
		snprintf(a->description, sizeof(a->description), "%s",
		         neterr && *neterr ? neterr : "no answer");
		snprintf(a->error, sizeof(a->error), "network: %s", a->description);
		return;
	}
	parsed = tg_parse_result(http_status, body, len, &r);
	a->verdict = tg_classify(&r, http_status);
	a->error_code = r.error_code ? r.error_code : (int)http_status;
	a->retry_after = r.retry_after;
	if (!a->retry_after && header_retry_after > 0)
		a->retry_after = header_retry_after > RETRY_AFTER_MAX ? RETRY_AFTER_MAX
		                                                      : (int)header_retry_after;
	snprintf(a->migrate_to, sizeof(a->migrate_to), "%s", r.migrate_to_chat_id);
	snprintf(a->description, sizeof(a->description), "%s", r.description);
	if (a->verdict == TG_OK)
		snprintf(a->error, sizeof(a->error), "HTTP %ld", http_status);
	else if (parsed < 0) /* the description already names the status */
		snprintf(a->error, sizeof(a->error), "%s", r.description);
	else
		snprintf(a->error, sizeof(a->error), "HTTP %ld: %s", http_status, r.description);
	a->result = r.result; /* the reference moves to A */
	r.result = NULL;
	tg_result_release(&r);
}

void tg_out_answer_release(struct tg_out_answer *a)
{
	json_decref(a->result);
	a->result = NULL;
}
