/*
 * wxxml.c - the XML of WeChat's and WeCom's callbacks, read with expat; see
 * wx.h.
 *
 * A callback is one flat element: <xml><ToUserName><![CDATA[...]]></ToUserName>
 * <CreateTime>1714037059</CreateTime>...</xml>. Only the root's children are
 * kept, by name, with their text; deeper elements (an event's details) are
 * passed over. What a hostile sender could do with XML is shut off before a
 * byte is read: any document type declaration stops the parser (so no
 * entity can be declared, expanded or fetched), the input is read as UTF-8
 * whatever it declares, and the number of children, their text and the
 * nesting are bounded.
 */
#include "adapters/wx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#define WX_NAME_MAX 64

struct parse {
	XML_Parser p;
	struct wx_xml *x;
	size_t max_value;
	int depth;
	int root_seen;
	struct wx_field *cur; /* the child being read, or NULL */
	size_t cap;           /* of cur->value */
	char err[160];
};

static void stop(struct parse *ps, const char *why)
{
	if (!ps->err[0])
		snprintf(ps->err, sizeof(ps->err), "%s", why);
	XML_StopParser(ps->p, XML_FALSE);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct parse *ps = ud;
	struct wx_field *f;
	size_t i;

	(void)attrs;
	if (++ps->depth > WX_XML_MAX_DEPTH) {
		stop(ps, "nested too deep");
		return;
	}
	if (ps->depth == 1) {
		if (strcmp(name, "xml") != 0)
			stop(ps, "the root element is not <xml>");
		ps->root_seen = 1;
		return;
	}
	if (ps->depth != 2)
		return;
	if (strlen(name) > WX_NAME_MAX) {
		stop(ps, "an element name is too long");
		return;
	}
	for (i = 0; i < ps->x->n; i++) {
		if (strcmp(ps->x->f[i].name, name) == 0) {
			stop(ps, "an element comes twice");
			return;
		}
	}
	if (ps->x->n >= WX_XML_MAX_FIELDS) {
		stop(ps, "too many elements");
		return;
	}
	f = &ps->x->f[ps->x->n];
	f->name = strdup(name);
	f->value = calloc(1, 64);
	if (!f->name || !f->value) {
		free(f->name);
		free(f->value);
		memset(f, 0, sizeof(*f));
		stop(ps, "out of memory");
		return;
	}
	f->len = 0;
	ps->x->n++;
	ps->cur = f;
	ps->cap = 64;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct parse *ps = ud;

	(void)name;
	if (ps->depth == 2)
		ps->cur = NULL;
	ps->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct parse *ps = ud;
	struct wx_field *f = ps->cur;
	size_t need;
	char *grown;

	if (!f || ps->depth != 2 || len <= 0)
		return; /* text of the root (white space) or of a deeper element */
	need = f->len + (size_t)len + 1;
	if (need - 1 > ps->max_value) {
		stop(ps, "an element's text is too long");
		return;
	}
	if (need > ps->cap) {
		size_t ncap = ps->cap;

		while (ncap < need)
			ncap *= 2;
		grown = realloc(f->value, ncap);
		if (!grown) {
			stop(ps, "out of memory");
			return;
		}
		f->value = grown;
		ps->cap = ncap;
	}
	memcpy(f->value + f->len, s, (size_t)len);
	f->len += (size_t)len;
	f->value[f->len] = '\0';
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	stop(ud, "a document type declaration is refused");
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
                              int value_len, const XML_Char *base, const XML_Char *sysid,
                              const XML_Char *pubid, const XML_Char *notation)
{
	(void)name;
	(void)is_param;
	(void)value;
	(void)value_len;
	(void)base;
	(void)sysid;
	(void)pubid;
	(void)notation;
	stop(ud, "an entity declaration is refused");
}

int wx_xml_parse(const char *data, size_t len, size_t max_value, struct wx_xml *out, char *err,
                 size_t errlen)
{
	struct parse ps;
	enum XML_Status st;

	memset(out, 0, sizeof(*out));
	memset(&ps, 0, sizeof(ps));
	if (!data || len == 0 || len > (size_t)0x7fffffff) {
		snprintf(err, errlen, "no XML");
		return -1;
	}
	/* UTF-8 whatever the document says of itself. */
	ps.p = XML_ParserCreate("UTF-8");
	if (!ps.p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ps.x = out;
	ps.max_value = max_value;
	XML_SetUserData(ps.p, &ps);
	XML_SetElementHandler(ps.p, on_start, on_end);
	XML_SetCharacterDataHandler(ps.p, on_text);
	XML_SetStartDoctypeDeclHandler(ps.p, on_doctype);
	XML_SetEntityDeclHandler(ps.p, on_entity);
	XML_SetParamEntityParsing(ps.p, XML_PARAM_ENTITY_PARSING_NEVER);
	st = XML_Parse(ps.p, data, (int)len, XML_TRUE);
	if (st != XML_STATUS_OK || ps.err[0] || !ps.root_seen) {
		if (ps.err[0])
			snprintf(err, errlen, "XML: %s", ps.err);
		else if (st != XML_STATUS_OK)
			snprintf(err, errlen, "XML: %s at line %lu",
			         XML_ErrorString(XML_GetErrorCode(ps.p)),
			         (unsigned long)XML_GetCurrentLineNumber(ps.p));
		else
			snprintf(err, errlen, "XML: no <xml> element");
		XML_ParserFree(ps.p);
		wx_xml_release(out);
		return -1;
	}
	XML_ParserFree(ps.p);
	return 0;
}

const char *wx_xml_get(const struct wx_xml *x, const char *name)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		if (strcmp(x->f[i].name, name) == 0)
			return x->f[i].value;
	return NULL;
}

void wx_xml_release(struct wx_xml *x)
{
	size_t i;

	for (i = 0; i < x->n; i++) {
		free(x->f[i].name);
		free(x->f[i].value);
	}
	memset(x, 0, sizeof(*x));
}
