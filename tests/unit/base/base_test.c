/*
 * base_test.c - maps, rate limits, tokens and text helpers.
 */
#include <stdint.h>
#include <string.h>

#include "base/map.h"
#include "base/rate.h"
#include "base/util.h"
#include "check.h"

static void map_put_get_delete(void)
{
	struct map m = MAP_INIT;
	uint64_t key, i;
	size_t it = 0, seen = 0;
	void *v;

	for (i = 1; i <= 1000; i++)
		map_put(&m, i * 7919, (void *)(uintptr_t)i);
	CHECK_EQ(m.count, 1000);
	for (i = 1; i <= 1000; i += 2)
		CHECK(map_del(&m, i * 7919) == (void *)(uintptr_t)i);
	CHECK_EQ(m.count, 500);
	CHECK(map_get(&m, 7919) == NULL);
	CHECK(map_get(&m, 2 * 7919) == (void *)(uintptr_t)2);
	while (map_next(&m, &it, &key, &v)) {
		CHECK_EQ(key % 7919, 0);
		CHECK_EQ((uintptr_t)v * 7919, key);
		seen++;
	}
	CHECK_EQ(seen, 500);
	/* Reinsert over tombstones. */
	for (i = 1; i <= 1000; i += 2)
		map_put(&m, i * 7919, (void *)(uintptr_t)(i + 1));
	CHECK(map_get(&m, 7919) == (void *)(uintptr_t)2);
	CHECK_EQ(m.count, 1000);
	map_release(&m);
}

static void rate_refills(void)
{
	struct rate r;
	int i, taken = 0;

	rate_init(&r, 5);
	for (i = 0; i < 10; i++)
		taken += rate_take(&r, 1000, 2.0, 5);
	CHECK_EQ(taken, 5);
	CHECK(!rate_take(&r, 1000, 2.0, 5));
	CHECK(rate_wait_ms(&r, 1000, 2.0) > 0);
	CHECK(rate_take(&r, 1600, 2.0, 5)); /* half a second refills one */
	CHECK(!rate_take(&r, 1600, 2.0, 5));
	CHECK(rate_take(&r, 100000, 2.0, 5));
}

static void tokens_are_base64url(void)
{
	char a[64], b[64];
	size_t i;

	rand_token(a, 32);
	rand_token(b, 32);
	CHECK_EQ(strlen(a), 43);
	CHECK(strcmp(a, b) != 0);
	for (i = 0; a[i]; i++)
		CHECK(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", a[i]));
	CHECK(str_is_token(a, 64, "-_"));
}

static void text_helpers(void)
{
	CHECK_EQ(utf8_count("h\xc3\xa9llo", 6), 5);
	CHECK_EQ(utf8_count("\xf0\x9f\x93\x9a", 4), 1);
	CHECK(str_is_token("ask-2", 32, "-"));
	CHECK(!str_is_token("", 32, "-"));
	CHECK(!str_is_token("a/b", 32, "-"));
	CHECK(!str_is_token("abcdef", 5, NULL));
}

int main(void)
{
	RUN(map_put_get_delete);
	RUN(rate_refills);
	RUN(tokens_are_base64url);
	RUN(text_helpers);
	CHECK_EXIT();
}
