/*
 * Unit tests for bus/bus.c: the notes nodes send each other, read back, and
 * every malformed one refused whole (a note from the wire is never half used).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"
#include "check.h"

#define NODE "0123456789abcdef"

static int parse(const char *text, struct bus_note *n)
{
	return bus_parse(text, strlen(text), n);
}

static void each_kind_reads_back(void)
{
	struct bus_note n;

	CHECK_EQ(parse("c " NODE " 1733000000000123 42", &n), 0);
	CHECK_EQ(n.kind, BUS_CHAT);
	CHECK(!strcmp(n.node, NODE));
	CHECK_EQ(n.a, 1733000000000123LL);
	CHECK_EQ(n.b, 42);
	CHECK_EQ(parse("r " NODE " 7 3", &n), 0);
	CHECK_EQ(n.kind, BUS_RING);
	CHECK_EQ(n.b, 3);
	CHECK_EQ(parse("g " NODE, &n), 0);
	CHECK_EQ(n.kind, BUS_GONE);
	CHECK_EQ(parse("j " NODE " {\"k\":\"avail\",\"q\":[]}", &n), 0);
	CHECK_EQ(n.kind, BUS_JSON);
	CHECK_EQ(n.len, strlen("{\"k\":\"avail\",\"q\":[]}"));
	CHECK(!strcmp(n.json, "{\"k\":\"avail\",\"q\":[]}"));
	bus_note_release(&n);
	CHECK(n.json == NULL);
}

static void malformed_notes_are_refused(void)
{
	static const char *bad[] = {
		"",
		"c",
		"x " NODE " 1 2",
		"c " NODE,
		"c " NODE " 1",
		"c " NODE " 1 2 3",
		"c " NODE " -1 2",
		"c " NODE " 1 99999999999999999999",
		"c 0123456789ABCDEF 1 2",           /* the id is lower-case hex */
		"c 0123456789abcde 1 2",            /* one character short */
		"c " NODE "  1 2",
		"c " NODE " 1 2 ",
		"g " NODE " 1",
		"a " NODE " 3:1",                   /* no such kind */
		"j " NODE,
		"j " NODE " ",
		"j " NODE " []",                    /* an object, or nothing */
		"j " NODE " {",
		"j " NODE " x{}",
		"j " NODE "{}",
	};
	struct bus_note n;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i], &n);

		CHECK_EQ(rc, -EINVAL);
		if (rc != -EINVAL)
			fprintf(stderr, "  accepted: \"%s\"\n", bad[i]);
		CHECK(n.json == NULL);
	}
	/* A NUL inside is not the end of the note. */
	CHECK_EQ(bus_parse("c " NODE " 1\0 2", 2 + 16 + 5, &n), -EINVAL);
}

static void a_note_is_bounded(void)
{
	size_t len = BUS_NOTE_MAX + 1;
	char *text = malloc(len);
	struct bus_note n;

	memset(text, ' ', len);
	memcpy(text, "j " NODE " {", 20);
	text[len - 1] = '}';
	CHECK_EQ(bus_parse(text, len, &n), -EINVAL); /* one byte too many */
	CHECK(n.json == NULL);
	CHECK_EQ(bus_parse(text + 1, len - 1, &n), -EINVAL); /* the kind is the first byte */
	memcpy(text + 1, "j " NODE " {", 20);
	CHECK_EQ(bus_parse(text + 1, len - 1, &n), 0);  /* at the limit */
	CHECK_EQ(n.len, len - 1 - 19);
	bus_note_release(&n);
	text[100] = '\0';
	CHECK_EQ(bus_parse(text + 1, len - 1, &n), -EINVAL); /* a NUL inside */
	free(text);
}

int main(void)
{
	RUN(each_kind_reads_back);
	RUN(malformed_notes_are_refused);
	RUN(a_note_is_bounded);
	CHECK_EXIT();
}
