/*
 * xml.h - the little XML an XMPP component needs: a stanza as a tree of
 * elements, read from a stream with expat and written back escaped.
 *
 * A component's stream is one long document: its root (<stream:stream>)
 * opens at connect and closes at disconnect, and every child of the root is
 * a stanza.  struct xml_stream feeds bytes to expat and hands over each
 * stanza as soon as its end tag arrives; names keep their prefixes as
 * written ("stream:error"), because the handful of namespaces a component
 * meets are told apart by their names and the `xmlns` attribute.
 *
 * Any thread, one stream per thread.
 */
#ifndef REFDESK_XMPP_XML_H
#define REFDESK_XMPP_XML_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A stanza larger than this (names, attributes and text), or with elements
 * nested deeper than XML_DEPTH_MAX, is skipped: only its head reaches the
 * `oversized` hook.  Anyone on the XMPP network can write to a chat's JID,
 * so one such stanza must not cost the whole link.
 */
#define XML_STANZA_MAX (256 * 1024)
#define XML_DEPTH_MAX 16

struct xml_node {
	char *name;
	char **attrs;            /* name, value, name, value, …, NULL */
	char *text;              /* the character data directly inside, "" if none */
	size_t text_len;
	struct xml_node *children, *next;
};

/* A new element named `name` with no attributes, text or children. */
struct xml_node *xml_node_new(const char *name);
/* Free a node and everything below it; NULL is fine. */
void xml_node_free(struct xml_node *n);
/* Set an attribute (replacing one of that name); `value` is copied. */
void xml_node_set_attr(struct xml_node *n, const char *name, const char *value);
/* Append `len` bytes of text. */
void xml_node_add_text(struct xml_node *n, const char *text, size_t len);
/* Add a new child named `name` at the end of n's children; returns it (borrowed). */
struct xml_node *xml_node_add_child(struct xml_node *n, const char *name);

/* The attribute's value, or NULL (borrowed). */
const char *xml_attr(const struct xml_node *n, const char *name);
/* The first child named `name` (any namespace when `xmlns` is NULL), or NULL. */
struct xml_node *xml_child(const struct xml_node *n, const char *name, const char *xmlns);

/*
 * Serialise `n` with escaping into a new NUL-terminated string (you now own
 * it); *len gets its length.
 */
char *xml_node_print(const struct xml_node *n, size_t *len);

struct xml_stream;

struct xml_stream_hooks {
	/* The root element opened; `attrs` as in struct xml_node (borrowed). */
	void (*open)(void *arg, const char *name, const char **attrs);
	/* A stanza arrived: you now own it. */
	void (*stanza)(void *arg, struct xml_node *stanza);
	/* The root closed: the peer ended the stream. */
	void (*close)(void *arg);
	/*
	 * A stanza over the limits ended: `head` is its element with the
	 * attributes read before it went over, no text, no children (you now
	 * own it).
	 */
	void (*oversized)(void *arg, struct xml_node *head);
};

/* A new stream reader; NULL on out-of-memory. */
struct xml_stream *xml_stream_new(const struct xml_stream_hooks *hooks, void *arg);
void xml_stream_free(struct xml_stream *s);
/*
 * Feed bytes; hooks run from inside.  0, or -EPROTO for bad XML, a DOCTYPE
 * or an entity declaration (never allowed in XMPP) — after which the
 * stream is spent.
 */
int xml_stream_feed(struct xml_stream *s, const char *buf, size_t len);

#endif
