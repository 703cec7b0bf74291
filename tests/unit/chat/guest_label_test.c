/*
 * guest_label_test.c - the labels of unnamed guests: their shape, that
 * they stay the same for a chat, and that different chats get different
 * ones.
 */
#include <stdio.h>
#include <string.h>

#include "chat/guest_label.h"
#include "check.h"

static void label_has_its_shape(void)
{
	char out[GUEST_LABEL_MAX];
	size_t i;

	guest_label("c_AbCdEfGhIjKlMnO", out, sizeof(out));
	CHECK_EQ(strlen(out), 10);
	CHECK(!strncmp(out, "Guest ", 6));
	for (i = 6; i < 10; i++)
		CHECK(strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", out[i]) != NULL);
}

static void label_is_stable(void)
{
	char a[GUEST_LABEL_MAX], b[GUEST_LABEL_MAX];

	guest_label("c_x7-_QQ", a, sizeof(a));
	guest_label("c_x7-_QQ", b, sizeof(b));
	CHECK(!strcmp(a, b));
}

/* Ids that differ only in case or in one character still read differently. */
static void labels_tell_chats_apart(void)
{
	static const char *const ids[] = { "c_abcdefghijklmno", "c_ABCDEFGHIJKLMNO",
					   "c_abcdefghijklmnp", "c_bbcdefghijklmno" };
	char out[4][GUEST_LABEL_MAX];
	size_t i, j;

	for (i = 0; i < 4; i++)
		guest_label(ids[i], out[i], sizeof(out[i]));
	for (i = 0; i < 4; i++)
		for (j = i + 1; j < 4; j++)
			CHECK(strcmp(out[i], out[j]) != 0);
}

/* Across many sequential ids, collisions stay near what 20 random bits give. */
static void labels_spread(void)
{
	static unsigned char seen[1 << 17];
	char id[32], out[GUEST_LABEL_MAX];
	int i, collisions = 0;

	for (i = 0; i < 2000; i++) {
		unsigned v = 0;
		int k;

		snprintf(id, sizeof(id), "c_%015d", i);
		guest_label(id, out, sizeof(out));
		for (k = 6; k < 10; k++)
			v = v * 32 + (unsigned)(strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", out[k]) -
					   "0123456789ABCDEFGHJKMNPQRSTVWXYZ");
		if (seen[v >> 3] & (1u << (v & 7)))
			collisions++;
		seen[v >> 3] |= (unsigned char)(1u << (v & 7));
	}
	/* 2000 draws from 2^20: about 2 expected; 15 would mean a bad spread. */
	CHECK(collisions < 15);
}

int main(void)
{
	RUN(label_has_its_shape);
	RUN(label_is_stable);
	RUN(labels_tell_chats_apart);
	RUN(labels_spread);
	CHECK_EXIT();
}
