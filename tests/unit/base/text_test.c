/*
 * text_test.c - text_clean_line(): the one cleaning of names, file names
 * and descriptions, against the characters people use to disguise them.
 */
#include <string.h>

#include "base/text.h"
#include "check.h"

/* Clean `in` with room for `size` bytes and compare with `want`. */
static int cleans_to(const char *in, size_t size, const char *want)
{
	char out[512];
	size_t n = text_clean_line(in, out, size);

	if (n != strlen(out) || strcmp(out, want)) {
		printf("  %s: got \"%s\", want \"%s\"\n", check_test, out, want);
		return 0;
	}
	return 1;
}

static void plain_text_is_kept(void)
{
	const char *chinese = "\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x99";
	const char *hebrew_arabic = "\xd7\xa9\xd7\xa8\xd7\x94 \xd9\x84\xd9\x8a\xd9\x84\xd9\x89";

	CHECK(cleans_to("Pat", 64, "Pat"));
	CHECK(cleans_to("Zoë Ångström", 64, "Zoë Ångström"));
	CHECK(cleans_to(chinese, 64, chinese));
	CHECK(cleans_to(hebrew_arabic, 64, hebrew_arabic));
	CHECK(cleans_to("\xf0\x9f\x93\x9a books", 64, "\xf0\x9f\x93\x9a books"));
	CHECK(cleans_to("", 64, ""));
}

static void direction_and_invisible_marks_are_dropped(void)
{
	/* U+202E, the override that shows "reportexe.pdf"; then U+202A-202D. */
	CHECK(cleans_to("report\xe2\x80\xae" "fdp.exe", 64, "reportfdp.exe"));
	CHECK(cleans_to("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad" "a", 64, "a"));
	/* The isolates U+2066-2069. */
	CHECK(cleans_to("a\xe2\x81\xa6" "b\xe2\x81\xa7" "c\xe2\x81\xa8" "d\xe2\x81\xa9",
			64, "abcd"));
	/* U+200B-200F: zero-width space, non-joiner and joiner, LRM, RLM. */
	CHECK(cleans_to("P\xe2\x80\x8b" "a\xe2\x80\x8c" "t\xe2\x80\x8d"
			"x\xe2\x80\x8e" "y\xe2\x80\x8f", 64, "Patxy"));
	/* U+2060, U+FEFF, U+061C, U+00AD. */
	CHECK(cleans_to("\xe2\x81\xa0" "a\xef\xbb\xbf" "b\xd8\x9c" "c\xc2\xad" "d", 64, "abcd"));
	/* Hangul fillers, which draw a blank name; tag characters, invisible ASCII. */
	CHECK(cleans_to("\xe3\x85\xa4\xe1\x85\x9f", 64, ""));
	CHECK(cleans_to("a\xf3\xa0\x80\x81\xf3\xa0\x81\xa9" "b", 64, "ab"));
	CHECK(text_is_invisible(0x202e) && text_is_invisible(0x2066) && text_is_invisible(0xfeff));
	CHECK(!text_is_invisible('a') && !text_is_invisible(0x05d0) && !text_is_invisible(0x1f4da));
}

static void line_breaks_become_spaces(void)
{
	CHECK(cleans_to("line1\nline2", 64, "line1 line2"));
	CHECK(cleans_to("line1\r\nline2", 64, "line1 line2")); /* CR LF is one break */
	CHECK(cleans_to("a\rb\vc\fd\te", 64, "a b c d e"));
	/* NEL, LS, PS */
	CHECK(cleans_to("a\xc2\x85" "b\xe2\x80\xa8" "c\xe2\x80\xa9" "d", 64, "a b c d"));
	CHECK(cleans_to("x\n\ny", 64, "x  y"));
	CHECK_EQ(text_line_break("\r\n"), 2);
	CHECK_EQ(text_line_break("\xe2\x80\xa8"), 3);
	CHECK_EQ(text_line_break("\xe2\x80"), 0);
	CHECK_EQ(text_line_break("a\n"), 0);
}

static void other_controls_and_broken_utf8_are_dropped(void)
{
	CHECK(cleans_to("a\x01" "b\x1b[31mc\x7f" "d", 64, "ab[31mcd"));
	CHECK(cleans_to("a\xc2\x9b" "b", 64, "ab"));                 /* C1 CSI */
	CHECK(cleans_to("a\xff\xfe" "b\x80" "c", 64, "abc"));
	CHECK(cleans_to("a\xc0\xaf" "b", 64, "ab"));                 /* overlong '/' */
	CHECK(cleans_to("a\xed\xa0\x80" "b", 64, "ab"));             /* a surrogate */
	CHECK(cleans_to("a\xf4\x90\x80\x80" "b", 64, "ab"));         /* past U+10FFFF */
	CHECK(cleans_to("a\xe2\x80", 64, "a"));                      /* cut short */
}

static void the_size_is_respected_on_a_character_boundary(void)
{
	char buf[16];

	CHECK(cleans_to("abcdef", 4, "abc"));
	CHECK(cleans_to("ab\xc3\xa9", 4, "ab"));   /* é would not fit with the NUL */
	CHECK(cleans_to("ab\xc3\xa9", 5, "ab\xc3\xa9"));
	CHECK(cleans_to("ab\ncd", 3, "ab"));
	CHECK_EQ(text_clean_line("abc", buf, 0), 0);
	/* In place, the result overwriting what it came from. */
	strcpy(buf, "\x01\xf0\x9f\x98\x80 o\nwl");
	CHECK_EQ(text_clean_line(buf, buf, sizeof(buf)), 9);
	CHECK(!strcmp(buf, "\xf0\x9f\x98\x80 o wl"));
}

static int trims_to(const char *in, const char *want)
{
	const char *start;
	size_t n = text_trim(in, &start);

	return n == strlen(want) && !memcmp(start, want, n) && start >= in && start + n <= in + strlen(in);
}

static void trimming_drops_outer_white_space_only(void)
{
	CHECK(trims_to("  hello  ", "hello"));
	CHECK(trims_to("\t\r\n a b \n\r\t", "a b"));
	CHECK(trims_to("a \n b", "a \n b"));   /* inner white space stays */
	CHECK(trims_to(" \t\r\n", ""));
	CHECK(trims_to("", ""));
	CHECK(trims_to("\xc2\xa0x\xc2\xa0", "\xc2\xa0x\xc2\xa0")); /* only ASCII white space */
}

int main(void)
{
	RUN(plain_text_is_kept);
	RUN(direction_and_invisible_marks_are_dropped);
	RUN(line_breaks_become_spaces);
	RUN(other_controls_and_broken_utf8_are_dropped);
	RUN(the_size_is_respected_on_a_character_boundary);
	RUN(trimming_drops_outer_white_space_only);
	CHECK_EXIT();
}
