/*
 * xmpp_stream.c - fuzz the reader of the XMPP component stream
 * (xmpp/xml.c): whatever the XMPP server sends, split at any point, must
 * neither crash nor leak, and every stanza it yields must print as XML that
 * reads back as the same stanza.
 *
 * The first byte of the input picks where the rest is split in two feeds.
 * Each stanza is printed, wrapped in a fresh stream and read again; the
 * second print must equal the first (escaping and tree building agree).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmpp/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct again {
	char *printed;
	int n;
};

static void again_open(void *arg, const char *name, const char **attrs)
{
	(void)arg, (void)name, (void)attrs;
}

static void again_stanza(void *arg, struct xml_node *st)
{
	struct again *a = arg;

	if (!a->n++)
		a->printed = xml_node_print(st, NULL);
	xml_node_free(st);
}

static void again_close(void *arg)
{
	(void)arg;
}

static const struct xml_stream_hooks again_hooks = { again_open, again_stanza, again_close, NULL };

static void check_round_trip(const struct xml_node *st)
{
	static const char head[] = "<stream:stream xmlns:stream='s'>";
	struct again a = { NULL, 0 };
	size_t len;
	char *text = xml_node_print(st, &len);
	struct xml_stream *xs = xml_stream_new(&again_hooks, &a);

	if (xml_stream_feed(xs, head, sizeof(head) - 1) < 0 || xml_stream_feed(xs, text, len) < 0)
		abort(); /* what we print must read back */
	if (a.n != 1 || !a.printed || strcmp(a.printed, text))
		abort();
	free(a.printed);
	free(text);
	xml_stream_free(xs);
}

static void on_open(void *arg, const char *name, const char **attrs)
{
	(void)arg, (void)name, (void)attrs;
}

static void on_stanza(void *arg, struct xml_node *st)
{
	(void)arg;
	check_round_trip(st);
	xml_node_free(st);
}

static void on_close(void *arg)
{
	(void)arg;
}

/* A skipped stanza's head must be a whole node we can print and free. */
static void on_oversized(void *arg, struct xml_node *head)
{
	(void)arg;
	free(xml_node_print(head, NULL));
	xml_node_free(head);
}

static const struct xml_stream_hooks hooks = { on_open, on_stanza, on_close, on_oversized };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xml_stream *xs;
	size_t cut;

	if (!size)
		return 0;
	cut = size > 1 ? data[0] % size : 0;
	data++, size--;
	if (cut > size)
		cut = size;
	xs = xml_stream_new(&hooks, NULL);
	if (xml_stream_feed(xs, (const char *)data, cut) == 0)
		xml_stream_feed(xs, (const char *)data + cut, size - cut);
	xml_stream_free(xs);
	return 0;
}
