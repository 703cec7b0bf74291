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
	struct xml_node *skipped[4];
	int nskipped;
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

static void on_oversized(void *arg, struct xml_node *head)
{
	struct seen *s = arg;

	if (s->nskipped < 4)
		s->skipped[s->nskipped++] = head;
	else
		xml_node_free(head);
}

static const struct xml_stream_hooks hooks = { on_open, on_stanza, on_close, on_oversized };

static void seen_free(struct seen *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		xml_node_free(s->stanzas[i]);
	for (i = 0; i < s->nskipped; i++)
		xml_node_free(s->skipped[i]);
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

/*
 * Feed `text` in chunks of `step` bytes into a fresh stream; *s gets what
 * was seen (free it with seen_free()).
 */
static int feed_steps(struct seen *s, const char *text, size_t step)
{
	struct xml_stream *xs = xml_stream_new(&hooks, s);
	size_t off, len = strlen(text);
	int rc = 0;

	for (off = 0; off < len && rc == 0; off += step)
		rc = xml_stream_feed(xs, text + off, len - off < step ? len - off : step);
	xml_stream_free(xs);
	return rc;
}

static void test_hostile_streams(void)
{
	/* A DOCTYPE, entity declarations (billion laughs) and broken XML are refused. */
	CHECK_EQ(feed_all("<!DOCTYPE s [<!ENTITY a 'aaaa'>]><s><m>&a;</m></s>"), -EPROTO);
	CHECK_EQ(feed_all("<s><m></n></s>"), -EPROTO);
	CHECK_EQ(feed_all("<s><m a='1' a='2'/></s>"), -EPROTO);
	/* Broken XML inside a stanza being skipped is still broken. */
	CHECK_EQ(feed_all("<s><m><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><b></a></m></s>"), -EPROTO);
}

/*
 * A stanza over XML_STANZA_MAX — in text, in attributes, in children — or
 * nested deeper than XML_DEPTH_MAX is skipped: its head (with the
 * attributes read before it went over) goes to `oversized`, and the
 * stanzas after it arrive as usual.  It used to fail the whole stream,
 * which closed the link for every librarian on XMPP.
 */
static void test_oversized_stanzas_are_skipped(void)
{
	static char big[3 * XML_STANZA_MAX];
	static const char *const shapes[] = { "text", "attribute", "children", "deep" };
	const size_t steps[] = { 1000, 16384, sizeof(big) };
	size_t shape, k, n;
	int i;

	for (shape = 0; shape < 4; shape++) {
		for (k = 0; k < 3; k++) {
			struct seen s = { 0 };

			strcpy(big, "<s><m from='a@b/c' id='q1' type='chat'>");
			n = strlen(big);
			if (shape == 0) {
				strcat(big, "<body>");
				n += 6;
				memset(big + n, 'x', XML_STANZA_MAX + 10);
				n += XML_STANZA_MAX + 10;
				big[n] = '\0';
				strcat(big, "</body>");
			} else if (shape == 1) {
				strcat(big, "<x a='");
				n += 6;
				memset(big + n, 'y', XML_STANZA_MAX + 10);
				n += XML_STANZA_MAX + 10;
				big[n] = '\0';
				strcat(big, "'/>");
			} else if (shape == 2) {
				for (i = 0; i < XML_STANZA_MAX / 4; i++)
					memcpy(big + n + (size_t)i * 11, "<c>xxxx</c>", 11);
				big[n + (size_t)i * 11] = '\0';
			} else {
				for (i = 0; i < XML_DEPTH_MAX + 2; i++)
					strcat(big, "<d>");
				strcat(big, "deep");
				for (i = 0; i < XML_DEPTH_MAX + 2; i++)
					strcat(big, "</d>");
			}
			strcat(big, "</m><m id='q2'><body>next</body></m></s>");
			CHECK_EQ(feed_steps(&s, big, steps[k]), 0);
			CHECK_EQ(s.nskipped, 1);
			CHECK_EQ(s.n, 1);
			CHECK_EQ(s.closed, 1);
			if (s.nskipped == 1) {
				CHECK(!strcmp(s.skipped[0]->name, "m"));
				CHECK(!strcmp(xml_attr(s.skipped[0], "id"), "q1"));
				CHECK(!strcmp(xml_attr(s.skipped[0], "from"), "a@b/c"));
				CHECK(s.skipped[0]->children == NULL);
				CHECK_EQ(s.skipped[0]->text_len, 0);
			}
			if (s.n == 1)
				CHECK(!strcmp(xml_child(s.stanzas[0], "body", NULL)->text, "next"));
			if (s.nskipped != 1 || s.n != 1)
				fprintf(stderr, "  shape %s, step %zu\n", shapes[shape], steps[k]);
			seen_free(&s);
		}
	}
}

static void test_limits_are_not_off_by_one(void)
{
	char deep[64 * 4 + 200] = "<s><m>";
	struct seen s = { 0 };
	int i;

	/* Just under the depth limit is a stanza like any other. */
	for (i = 0; i < XML_DEPTH_MAX - 1; i++)
		strcat(deep, "<a>");
	for (i = 0; i < XML_DEPTH_MAX - 1; i++)
		strcat(deep, "</a>");
	strcat(deep, "</m></s>");
	CHECK_EQ(feed_steps(&s, deep, 7), 0);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.nskipped, 0);
	seen_free(&s);
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
	RUN(test_oversized_stanzas_are_skipped);
	RUN(test_limits_are_not_off_by_one);
	RUN(test_print_escapes);
	RUN(test_jids);
	CHECK_EXIT();
}
