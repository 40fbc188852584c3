/*
 * http.c - filling an HTTP answer; see http.h.
 */
#include "lib/http.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

void http_answer_text(struct http_answer *a, int status, const char *ctype, const char *text)
{
	free(a->body);
	a->body = text ? strdup(text) : NULL;
	a->static_body = NULL;
	a->len = a->body ? strlen(a->body) : 0;
	a->status = status;
	a->ctype = ctype;
}

void http_answer_error(struct http_answer *a, int status, const char *message)
{
	json_t *o = json_pack("{s:b,s:s}", "ok", 0, "error", message);
	char *s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	http_answer_text(a, status, "application/json", s ? s : "{\"ok\":false}");
	free(s);
}

void http_answer_release(struct http_answer *a)
{
	free(a->body);
	memset(a, 0, sizeof(*a));
}
