/*
 * json_flat_test.c - json_flat_load() builds what json_loadb() builds, or
 * leaves the text to it: never an object jansson would refuse, never a
 * different one.  Checked on chosen cases and on 300,000 texts made from
 * the pieces that the two parsers could read differently.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_flat.h"
#include "check.h"

/* True when the quick parse and jansson agree on `text` (see the file's comment). */
static bool agrees(const char *text, size_t len)
{
	json_error_t err;
	json_t *quick = json_flat_load(text, len);
	json_t *full = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	bool ok = !quick || (full && json_equal(quick, full));

	if (!ok)
		printf("  %s: disagree on %.*s\n", check_test, (int)len, text);
	json_decref(quick);
	json_decref(full);
	return ok;
}

/* Whether the quick parse takes `text` on (and agrees). */
static bool quick(const char *text)
{
	json_t *v = json_flat_load(text, strlen(text));
	bool taken = v != NULL;

	json_decref(v);
	return taken && agrees(text, strlen(text));
}

static void messages_are_read_quickly(void)
{
	CHECK(quick("{\"type\":\"msg.send\",\"id\":\"7\",\"chat\":\"AbC-_9\",\"cid\":\"c1\","
		    "\"text\":\"Where are the maps? \xc3\xa9\xe2\x82\xac\xf0\x9f\x93\x9a\"}"));
	CHECK(quick(" { \"type\" : \"typing\" , \"on\" : true, \"off\": false, \"x\": null } \r\n"));
	CHECK(quick("{\"after\":0}") == false); /* 0 is left to jansson */
	CHECK(quick("{\"after\":12345,\"n\":-42}"));
	CHECK(quick("{}"));
	CHECK(quick("{\"\":\"\"}"));
	CHECK(quick("{\"del\":\"\x7f\"}"));
}

static void the_rest_is_left_to_jansson(void)
{
	const char *left[] = {
		"", " ", "[]", "\"x\"", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}",
		"{\"a\":\"b\\n\"}", "{\"a\\u0041\":1}", "{\"a\":{}}", "{\"a\":[1]}", "{\"a\":1.5}",
		"{\"a\":1e3}", "{\"a\":-0}", "{\"a\":01}", "{\"a\":0}", "{\"a\":1234567890123456789}",
		"{\"a\":1,\"a\":2}", "{\"a\":tru}", "{\"a\":truex}", "{\"a\":nul}", "{\"a\":-}",
		"{\"a\":\"\t\"}", "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xed\xa0\x80\"}",
		"{\"a\":\"\xf4\x90\x80\x80\"}", "{\"a\":\"\xe2\x82\"}", "{\"\xff\":1}", "{} x", "{}{}",
		"{\"a\":1}x", "{'a':1}", "{a:1}", "{\"a\" 1}", "{\"a\":\"b\"",
	};
	size_t i;

	for (i = 0; i < sizeof(left) / sizeof(left[0]); i++) {
		json_t *v = json_flat_load(left[i], strlen(left[i]));

		if (v)
			printf("  took %s\n", left[i]);
		CHECK(v == NULL);
		json_decref(v);
	}
}

static void a_nul_byte_ends_nothing_early(void)
{
	static const char text[] = "{\"a\":\"b\0c\"}";

	CHECK(json_flat_load(text, sizeof(text) - 1) == NULL);
	CHECK(agrees(text, sizeof(text) - 1));
}

/* A random number (xorshift64). */
static uint64_t next(uint64_t *r)
{
	*r ^= *r << 13, *r ^= *r >> 7, *r ^= *r << 17;
	return *r;
}

static size_t put(char *text, size_t len, const char *p)
{
	size_t m = *p ? strlen(p) : 1; /* "" stands for one NUL byte */

	memcpy(text + len, p, m);
	return len + m;
}

/*
 * Texts built at random where the parsers could part ways: half are
 * objects whose keys, values and separators are each most often right, the
 * others any run of pieces.
 */
static void random_texts_agree(void)
{
	static const char *const key[] = {
		"\"a\"", "\"b\"", "\"text\"", "\"\"", "\"\xc3\xa9\"", "\"a\\n\"", "\"\xc3\"", "a", "\"a",
	};
	static const char *const value[] = {
		"\"x\"", "\"\"", "\"\xe2\x82\xac \xf0\x9f\x93\x9a\"", "\"\x7f\"", "1", "-12", "123456789012345678",
		"1234567890123456789", "0", "-0", "01", "1.5", "2e3", "true", "false", "null", "tru",
		"nulll", "\"\x01\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xc0\x80\"", "\"\\u0041\"",
		"{}", "[]", "\"a\"b\"", "",
	};
	static const char *const sep[] = { ",", ",", ",", ", ", " ,\n", ";", ",,", "" };
	static const char *const piece[] = {
		"{", "}", "\"", ":", ",", " ", "\n", "\\", "\"a\"", "\"text\":", "1", "0", "-", "12", "true",
		"null", ".", "e", "[", "]", "\t", "\x01", "\x7f", "\xc3\xa9", "\xc3", "\xa9", "\xed\xa0\x80",
		"\xf0\x9f\x93\x9a", "\xf5", "\xc0\x80", "x", "\"a\":\"b\"", "",
	};
#define PICK(list) list[next(&r) % (sizeof(list) / sizeof(list[0]))]
	uint64_t r = 0x9e3779b97f4a7c15ULL;
	char text[512];
	int i, disagree = 0, taken = 0;

	for (i = 0; i < 200000 && disagree < 5; i++) {
		size_t len = 0;
		int k, n = (int)(next(&r) % 6);
		json_t *v;

		if (next(&r) & 1) {
			len = put(text, len, next(&r) % 8 ? "{" : " {");
			for (k = 0; k < n; k++) {
				if (k)
					len = put(text, len, next(&r) % 6 ? "," : PICK(sep));
				len = put(text, len, next(&r) % 8 ? key[next(&r) % 3] : PICK(key));
				len = put(text, len, next(&r) % 10 ? ":" : " : ");
				len = put(text, len, PICK(value));
			}
			len = put(text, len, next(&r) % 10 ? "}" : PICK(piece));
		} else {
			for (k = 0; k < 2 * n + 1; k++)
				len = put(text, len, PICK(piece));
		}
		v = json_flat_load(text, len);
		taken += v != NULL;
		json_decref(v);
		if (!agrees(text, len))
			disagree++;
	}
#undef PICK
	CHECK(disagree == 0);
	CHECK(taken > 2000); /* the check saw the quick parse work, not only refuse */
}

/* json_flat_quote() writes what json_dumps() writes, for every byte below 0x80 and UTF-8 beyond. */
static void quoting_matches_jansson(void)
{
	static const char *const extra[] = { "\xc3\xa9", "\xe2\x80\xa8", "\xf0\x9f\x93\x9a", "\x7f", "/" };
	uint64_t r = 0x2545f4914f6cdd1dULL;
	char text[64], quoted[6 * 64 + 2];
	int i, differ = 0;

	for (i = 0; i < 20000 && differ < 3; i++) {
		size_t len = 0, n;
		json_t *v;
		char *want;

		while (len < 40) {
			r ^= r << 13, r ^= r >> 7, r ^= r << 17;
			if (r % 4 == 0) {
				const char *e = extra[(r >> 8) % 5];

				memcpy(text + len, e, strlen(e));
				len += strlen(e);
			} else {
				text[len++] = (char)(1 + (r >> 8) % 127); /* every ASCII byte but NUL */
			}
		}
		n = json_flat_quote(quoted, text, len);
		v = json_stringn(text, len);
		want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!want || n != strlen(want) || memcmp(quoted, want, n)) {
			printf("  %s: got %.*s, want %s\n", check_test, (int)n, quoted, want);
			differ++;
		}
		free(want);
		json_decref(v);
	}
	CHECK(differ == 0);
}

int main(void)
{
	RUN(messages_are_read_quickly);
	RUN(the_rest_is_left_to_jansson);
	RUN(a_nul_byte_ends_nothing_early);
	RUN(random_texts_agree);
	RUN(quoting_matches_jansson);
	CHECK_EXIT();
}
