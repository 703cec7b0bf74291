/*
 * xml.c - see xml.h.  expat parses; this file only builds the tree of the
 * stanza being read (a stack of open elements, at most XML_DEPTH_MAX deep)
 * and prints trees back.  XMPP forbids DTDs and entity declarations
 * (RFC 6120 §11.1), so the reader stops at any DOCTYPE or entity
 * declaration instead of expanding it.
 */
#include "xmpp/xml.h"

#include <errno.h>
#include <expat.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* ---- nodes ------------------------------------------------------------------------- */

struct xml_node *xml_node_new(const char *name)
{
	struct xml_node *n = xcalloc(1, sizeof(*n));

	n->name = xstrdup(name);
	n->attrs = xcalloc(1, sizeof(char *));
	n->text = xstrdup("");
	return n;
}

void xml_node_free(struct xml_node *n)
{
	while (n) {
		struct xml_node *next = n->next;
		size_t i;

		xml_node_free(n->children);
		for (i = 0; n->attrs && n->attrs[i]; i++)
			free(n->attrs[i]);
		free(n->attrs);
		free(n->text);
		free(n->name);
		free(n);
		n = next;
	}
}

void xml_node_set_attr(struct xml_node *n, const char *name, const char *value)
{
	size_t i;

	for (i = 0; n->attrs[i]; i += 2) {
		if (!strcmp(n->attrs[i], name)) {
			free(n->attrs[i + 1]);
			n->attrs[i + 1] = xstrdup(value);
			return;
		}
	}
	n->attrs = xrealloc(n->attrs, (i + 3) * sizeof(char *));
	n->attrs[i] = xstrdup(name);
	n->attrs[i + 1] = xstrdup(value);
	n->attrs[i + 2] = NULL;
}

void xml_node_add_text(struct xml_node *n, const char *text, size_t len)
{
	n->text = xrealloc(n->text, n->text_len + len + 1);
	memcpy(n->text + n->text_len, text, len);
	n->text_len += len;
	n->text[n->text_len] = '\0';
}

struct xml_node *xml_node_add_child(struct xml_node *n, const char *name)
{
	struct xml_node *c = xml_node_new(name), **tail = &n->children;

	while (*tail)
		tail = &(*tail)->next;
	*tail = c;
	return c;
}

const char *xml_attr(const struct xml_node *n, const char *name)
{
	size_t i;

	for (i = 0; n->attrs[i]; i += 2)
		if (!strcmp(n->attrs[i], name))
			return n->attrs[i + 1];
	return NULL;
}

struct xml_node *xml_child(const struct xml_node *n, const char *name, const char *xmlns)
{
	struct xml_node *c;

	for (c = n->children; c; c = c->next) {
		const char *ns = xml_attr(c, "xmlns");

		if (!strcmp(c->name, name) && (!xmlns || (ns && !strcmp(ns, xmlns))))
			return c;
	}
	return NULL;
}

/* ---- printing ---------------------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
};

static void sbuf_add(struct sbuf *b, const char *s, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		b->cap = grow_cap(b->cap, b->len + len + 1);
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, len);
	b->len += len;
	b->p[b->len] = '\0';
}

static void sbuf_str(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

/*
 * Escaping both quote kinds lets one function serve text and attributes.
 * A reader turns a raw CR into LF, and white space in an attribute into
 * spaces (XML 1.0 §2.11, §3.3.3): those are written as character
 * references, so what is read back is what was written.  `s` is valid UTF-8
 * (jansson's, or expat's).
 */
static void sbuf_escaped(struct sbuf *b, const char *s, size_t len, bool attr)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		const char *rep = NULL;

		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		case '\r': rep = "&#13;"; break;
		case '\n': rep = attr ? "&#10;" : NULL; break;
		case '\t': rep = attr ? "&#9;" : NULL; break;
		default:
			/*
			 * Characters XML 1.0 forbids even as references (the other
			 * C0 controls, U+FFFE, U+FFFF) would make the XMPP server
			 * close the whole component stream: they become U+FFFD.
			 */
			if ((unsigned char)s[i] < 0x20) {
				rep = "\xef\xbf\xbd";
			} else if ((unsigned char)s[i] == 0xef && i + 2 < len &&
				   (unsigned char)s[i + 1] == 0xbf &&
				   ((unsigned char)s[i + 2] == 0xbe || (unsigned char)s[i + 2] == 0xbf)) {
				sbuf_add(b, s + start, i - start);
				sbuf_str(b, "\xef\xbf\xbd");
				i += 2;
				start = i + 1;
			}
			if (!rep)
				continue;
		}
		if (!rep)
			continue;
		sbuf_add(b, s + start, i - start);
		sbuf_str(b, rep);
		start = i + 1;
	}
	sbuf_add(b, s + start, len - start);
}

static void print_node(struct sbuf *b, const struct xml_node *n)
{
	const struct xml_node *c;
	size_t i;

	sbuf_str(b, "<");
	sbuf_str(b, n->name);
	for (i = 0; n->attrs[i]; i += 2) {
		sbuf_str(b, " ");
		sbuf_str(b, n->attrs[i]);
		sbuf_str(b, "='");
		sbuf_escaped(b, n->attrs[i + 1], strlen(n->attrs[i + 1]), true);
		sbuf_str(b, "'");
	}
	if (!n->text_len && !n->children) {
		sbuf_str(b, "/>");
		return;
	}
	sbuf_str(b, ">");
	sbuf_escaped(b, n->text, n->text_len, false);
	for (c = n->children; c; c = c->next)
		print_node(b, c);
	sbuf_str(b, "</");
	sbuf_str(b, n->name);
	sbuf_str(b, ">");
}

char *xml_node_print(const struct xml_node *n, size_t *len)
{
	struct sbuf b = { 0 };

	print_node(&b, n);
	if (len)
		*len = b.len;
	return b.p;
}

/* ---- reading ----------------------------------------------------------------------- */

struct xml_stream {
	XML_Parser parser;
	const struct xml_stream_hooks *hooks;
	void *arg;
	int depth;                            /* 0 outside the root, 1 inside it */
	struct xml_node *open[XML_DEPTH_MAX]; /* open[0] is the stanza being read */
	size_t bytes;                         /* of the stanza being read */
	bool skipping;                        /* the stanza went over: its content is dropped */
	bool failed;
};

static void stream_fail(struct xml_stream *s)
{
	s->failed = true;
	XML_StopParser(s->parser, XML_FALSE);
}

/*
 * The stanza being read went over a limit: drop what was read of it but its
 * head, and read the rest without keeping it.
 */
static void stream_skip(struct xml_stream *s)
{
	struct xml_node *head = s->open[0];

	s->skipping = true;
	xml_node_free(head->children);
	head->children = NULL;
	free(head->text);
	head->text = xstrdup("");
	head->text_len = 0;
}

/* Count what a stanza holds against XML_STANZA_MAX; false once it is over. */
static bool stream_charge(struct xml_stream *s, size_t n)
{
	s->bytes += n;
	if (s->bytes > XML_STANZA_MAX) {
		stream_skip(s);
		return false;
	}
	return true;
}

static void on_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct xml_stream *s = arg;
	struct xml_node *n;
	int level = s->depth - 1; /* index in open[] of the new element */
	size_t i;

	if (s->failed)
		return;
	if (s->depth == 0) {
		s->depth = 1;
		s->hooks->open(s->arg, name, attrs);
		return;
	}
	s->depth++; /* counted while skipping too, to find the stanza's end */
	if (s->skipping)
		return;
	if (level == 0) {
		s->bytes = 0;
		s->open[0] = xml_node_new(name);
	} else if (level >= XML_DEPTH_MAX || !stream_charge(s, strlen(name))) {
		if (!s->skipping)
			stream_skip(s);
		return;
	}
	n = level == 0 ? s->open[0] : xml_node_add_child(s->open[level - 1], name);
	for (i = 0; attrs[i]; i += 2) {
		if (!stream_charge(s, strlen(attrs[i]) + strlen(attrs[i + 1])))
			return;
		xml_node_set_attr(n, attrs[i], attrs[i + 1]);
	}
	s->open[level] = n;
}

static void on_end(void *arg, const XML_Char *name)
{
	struct xml_stream *s = arg;
	struct xml_node *done;

	(void)name;
	if (s->failed)
		return;
	s->depth--;
	if (s->depth == 0) {
		s->hooks->close(s->arg);
		return;
	}
	if (s->depth > 1)
		return;
	done = s->open[0];
	s->open[0] = NULL;
	if (!s->skipping) {
		s->hooks->stanza(s->arg, done);
		return;
	}
	s->skipping = false;
	if (s->hooks->oversized)
		s->hooks->oversized(s->arg, done);
	else
		xml_node_free(done);
}

static void on_text(void *arg, const XML_Char *text, int len)
{
	struct xml_stream *s = arg;

	if (s->failed || s->skipping || s->depth < 2 || len <= 0 || !stream_charge(s, (size_t)len))
		return;
	xml_node_add_text(s->open[s->depth - 2], text, (size_t)len);
}

static void on_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
		       const XML_Char *pubid, int has_internal_subset)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	stream_fail(arg);
}

static void on_entity(void *arg, const XML_Char *name, int is_param, const XML_Char *value,
		      int value_len, const XML_Char *base, const XML_Char *sysid,
		      const XML_Char *pubid, const XML_Char *notation)
{
	(void)name, (void)is_param, (void)value, (void)value_len, (void)base;
	(void)sysid, (void)pubid, (void)notation;
	stream_fail(arg);
}

struct xml_stream *xml_stream_new(const struct xml_stream_hooks *hooks, void *arg)
{
	struct xml_stream *s = xcalloc(1, sizeof(*s));

	s->parser = XML_ParserCreate("UTF-8");
	if (!s->parser) {
		free(s);
		return NULL;
	}
	s->hooks = hooks;
	s->arg = arg;
	XML_SetUserData(s->parser, s);
	XML_SetElementHandler(s->parser, on_start, on_end);
	XML_SetCharacterDataHandler(s->parser, on_text);
	XML_SetStartDoctypeDeclHandler(s->parser, on_doctype);
	XML_SetEntityDeclHandler(s->parser, on_entity);
	return s;
}

void xml_stream_free(struct xml_stream *s)
{
	if (!s)
		return;
	xml_node_free(s->open[0]);
	XML_ParserFree(s->parser);
	free(s);
}

int xml_stream_feed(struct xml_stream *s, const char *buf, size_t len)
{
	if (s->failed || len > INT32_MAX)
		return -EPROTO;
	if (XML_Parse(s->parser, buf, (int)len, XML_FALSE) != XML_STATUS_OK || s->failed) {
		s->failed = true;
		return -EPROTO;
	}
	return 0;
}
