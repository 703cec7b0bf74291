/*
 * Unit tests for bus/bus.c: the notes nodes send each other, read back, and
 * every malformed one refused whole (a note from the wire is never half used).
 */
#include <errno.h>
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
	CHECK_EQ(parse("a " NODE " 3:2,17:1", &n), 0);
	CHECK_EQ(n.kind, BUS_AVAIL);
	CHECK_EQ(n.navail, 2);
	CHECK_EQ(n.avail[0].queue_id, 3);
	CHECK_EQ(n.avail[0].count, 2);
	CHECK_EQ(n.avail[1].queue_id, 17);
	CHECK_EQ(n.avail[1].count, 1);
	bus_note_release(&n);
	CHECK_EQ(parse("a " NODE " -", &n), 0); /* nobody available there */
	CHECK_EQ(n.navail, 0);
	bus_note_release(&n);
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
		"a " NODE,
		"a " NODE " ",
		"a " NODE " 3",
		"a " NODE " 3:",
		"a " NODE " 3:1,",
		"a " NODE " 3:1;4:2",
		"a " NODE " 3:1000001",             /* more librarians than anyone has */
		"a " NODE " -,1:1",
	};
	struct bus_note n;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i], &n);

		CHECK_EQ(rc, -EINVAL);
		if (rc != -EINVAL)
			fprintf(stderr, "  accepted: \"%s\"\n", bad[i]);
		CHECK(n.avail == NULL);
	}
	/* A NUL inside is not the end of the note. */
	CHECK_EQ(bus_parse("c " NODE " 1\0 2", 2 + 16 + 5, &n), -EINVAL);
}

static void a_long_availability_list_is_bounded(void)
{
	char text[BUS_AVAIL_MAX * 12 + 64];
	struct bus_note n;
	size_t len, i;

	len = (size_t)snprintf(text, sizeof(text), "a %s ", NODE);
	for (i = 0; i < BUS_AVAIL_MAX; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%zu:1", i ? "," : "", i + 1);
	CHECK_EQ(bus_parse(text, len, &n), 0);
	CHECK_EQ(n.navail, BUS_AVAIL_MAX);
	bus_note_release(&n);
	len += (size_t)snprintf(text + len, sizeof(text) - len, ",9999:1");
	CHECK_EQ(bus_parse(text, len, &n), -EINVAL); /* one queue too many */
	CHECK(n.avail == NULL);
}

int main(void)
{
	RUN(each_kind_reads_back);
	RUN(malformed_notes_are_refused);
	RUN(a_long_availability_list_is_bounded);
	CHECK_EXIT();
}
