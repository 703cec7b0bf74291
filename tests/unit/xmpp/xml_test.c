/*
 * Unit tests for xmpp/xml.c and xmpp/jid.c: reading a component stream
 * into stanzas (split anywhere, limits, DTDs refused), writing stanzas back
 * escaped, and bare-JID checks.
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "xmpp/jid.h"
#include "xmpp/xml.h"

struct seen {
	char root[64];
	char id[64];
	struct xml_node *stanzas[8];
	int n;
	int closed;
};

static void on_open(void *arg, const char *name, const char **attrs)
{
	struct seen *s = arg;
	size_t i;

	snprintf(s->root, sizeof(s->root), "%s", name);
	for (i = 0; attrs[i]; i += 2)
		if (!strcmp(attrs[i], "id"))
			snprintf(s->id, sizeof(s->id), "%s", attrs[i + 1]);
}

static void on_stanza(void *arg, struct xml_node *st)
{
	struct seen *s = arg;

	if (s->n < 8)
		s->stanzas[s->n++] = st;
	else
		xml_node_free(st);
}

static void on_close(void *arg)
{
	((struct seen *)arg)->closed = 1;
}

static const struct xml_stream_hooks hooks = { on_open, on_stanza, on_close };

static void seen_free(struct seen *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		xml_node_free(s->stanzas[i]);
}

static const char stream[] =
	"<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
	"xmlns:stream='http://etherx.jabber.org/streams' id='abc123' from='chat.example'>"
	"<handshake/>"
	"<message from='ann@lib.example/pc' to='x@chat.example' id='m1' type='chat'>"
	"<body>a &lt;b&gt; &amp; &#x263A; \xc3\xa9</body><composing xmlns='http://jabber.org/protocol/chatstates'/></message>"
	"</stream:stream>";

static void test_stream_split_anywhere(void)
{
	size_t cut, len = strlen(stream);

	for (cut = 0; cut <= len; cut++) {
		struct seen s = { 0 };
		struct xml_stream *xs = xml_stream_new(&hooks, &s);

		CHECK(xml_stream_feed(xs, stream, cut) == 0);
		CHECK(xml_stream_feed(xs, stream + cut, len - cut) == 0);
		CHECK(!strcmp(s.root, "stream:stream"));
		CHECK(!strcmp(s.id, "abc123"));
		CHECK_EQ(s.n, 2);
		CHECK_EQ(s.closed, 1);
		if (s.n == 2) {
			const struct xml_node *m = s.stanzas[1], *b = xml_child(m, "body", NULL);

			CHECK(!strcmp(s.stanzas[0]->name, "handshake"));
			CHECK(!strcmp(xml_attr(m, "from"), "ann@lib.example/pc"));
			CHECK(b && !strcmp(b->text, "a <b> & \xe2\x98\xba \xc3\xa9"));
			CHECK(xml_child(m, "composing", "http://jabber.org/protocol/chatstates") != NULL);
			CHECK(xml_child(m, "composing", "other") == NULL);
		}
		xml_stream_free(xs);
		seen_free(&s);
	}
}

static int feed_all(const char *text)
{
	struct seen s = { 0 };
	struct xml_stream *xs = xml_stream_new(&hooks, &s);
	int rc = xml_stream_feed(xs, text, strlen(text));

	xml_stream_free(xs);
	seen_free(&s);
	return rc;
}

static void test_hostile_streams(void)
{
	static char big[XML_STANZA_MAX + 200];
	char deep[64 * 4 + 200] = "<s><m>";
	int i;

	/* A DOCTYPE, entity declarations (billion laughs) and broken XML are refused. */
	CHECK_EQ(feed_all("<!DOCTYPE s [<!ENTITY a 'aaaa'>]><s><m>&a;</m></s>"), -EPROTO);
	CHECK_EQ(feed_all("<s><m></n></s>"), -EPROTO);
	CHECK_EQ(feed_all("<s><m a='1' a='2'/></s>"), -EPROTO);
	/* A stanza over XML_STANZA_MAX, however it is split between text and attributes. */
	memcpy(big, "<s><m>", 6);
	memset(big + 6, 'x', XML_STANZA_MAX + 10);
	memcpy(big + 6 + XML_STANZA_MAX + 10, "</m>", 5);
	CHECK_EQ(feed_all(big), -EPROTO);
	/* Nested deeper than XML_DEPTH_MAX. */
	for (i = 0; i < XML_DEPTH_MAX + 1; i++)
		strcat(deep, "<a>");
	CHECK_EQ(feed_all(deep), -EPROTO);
	/* Just under the depth limit is fine. */
	strcpy(deep, "<s><m>");
	for (i = 0; i < XML_DEPTH_MAX - 2; i++)
		strcat(deep, "<a>");
	CHECK_EQ(feed_all(deep), 0);
}

static void test_print_escapes(void)
{
	struct xml_node *m = xml_node_new("message"), *b;
	size_t len;
	char *text;

	xml_node_set_attr(m, "to", "a'b\"c<d>&e");
	xml_node_set_attr(m, "to", "x@y"); /* replaces */
	xml_node_set_attr(m, "id", "q'1");
	b = xml_node_add_child(m, "body");
	xml_node_add_text(b, "</body><evil/>&", 15);
	xml_node_add_child(m, "active");
	text = xml_node_print(m, &len);
	CHECK(!strcmp(text, "<message to='x@y' id='q&apos;1'><body>&lt;/body&gt;&lt;evil/&gt;&amp;"
			    "</body><active/></message>"));
	CHECK_EQ(len, strlen(text));
	free(text);
	xml_node_free(m);

	/* CR anywhere, and tabs and line breaks in attributes, as references: they read back. */
	m = xml_node_new("m");
	xml_node_set_attr(m, "a", "x\ty\nz\r");
	xml_node_add_text(m, "l1\r\nl2\t", 7);
	text = xml_node_print(m, NULL);
	CHECK(!strcmp(text, "<m a='x&#9;y&#10;z&#13;'>l1&#13;\nl2\t</m>"));
	free(text);
	xml_node_free(m);

	/* What XML 1.0 forbids (other controls, U+FFFE, U+FFFF) goes out as U+FFFD. */
	m = xml_node_new("m");
	xml_node_set_attr(m, "a", "\x01");
	xml_node_add_text(m, "a\x01" "b\x1f\x0b\xef\xbf\xbe" "c\xef\xbf\xbf\xef\xbf\xbd", 15);
	text = xml_node_print(m, NULL);
	CHECK(!strcmp(text, "<m a='\xef\xbf\xbd'>a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			    "c\xef\xbf\xbd\xef\xbf\xbd</m>"));
	free(text);
	xml_node_free(m);
}

static void test_jids(void)
{
	char out[64];

	CHECK_EQ(jid_bare_normalize("Ann@Library.Example", out, sizeof(out)), 0);
	CHECK(!strcmp(out, "ann@library.example"));
	CHECK_EQ(jid_bare_normalize("ann@library.example/pc", out, sizeof(out)), -EINVAL);
	CHECK_EQ(jid_bare_normalize("library.example", out, sizeof(out)), -EINVAL);
	CHECK_EQ(jid_bare_normalize("@library.example", out, sizeof(out)), -EINVAL);
	CHECK_EQ(jid_bare_normalize("ann@", out, sizeof(out)), -EINVAL);
	CHECK_EQ(jid_bare_normalize("a nn@library.example", out, sizeof(out)), -EINVAL);
	CHECK_EQ(jid_bare_normalize("a<n@library.example", out, sizeof(out)), -EINVAL);
	CHECK_EQ(jid_bare_normalize("ann@lib rary", out, sizeof(out)), -EINVAL);
	CHECK_EQ(jid_bare_normalize("ann@library.example.", out, sizeof(out)), -EINVAL);
	CHECK_EQ(jid_bare_normalize("ann@library.example", out, 10), -E2BIG);
	CHECK_EQ(jid_bare_of("Ann@Library.Example/Gajim", out, sizeof(out)), 0);
	CHECK(!strcmp(out, "ann@library.example"));
	CHECK_EQ(jid_bare_of("chat.example", out, sizeof(out)), 0);
	CHECK(!strcmp(out, "chat.example"));
}

int main(void)
{
	RUN(test_stream_split_anywhere);
	RUN(test_hostile_streams);
	RUN(test_print_escapes);
	RUN(test_jids);
	CHECK_EXIT();
}
