/*
 * survey_test.c - the survey's rules: the three kinds and their names,
 * what a question's words and a comment may hold (characters, not bytes),
 * and the rating's range.
 */
#include <errno.h>
#include <string.h>

#include "chat/survey.h"
#include "check.h"

static void kinds_have_names_both_ways(void)
{
	CHECK_EQ(survey_kind_parse("rating"), SURVEY_RATING);
	CHECK_EQ(survey_kind_parse("yes_no"), SURVEY_YES_NO);
	CHECK_EQ(survey_kind_parse("comment"), SURVEY_COMMENT);
	CHECK_EQ(survey_kind_parse("Rating"), SURVEY_NONE);
	CHECK_EQ(survey_kind_parse(""), SURVEY_NONE);
	CHECK_EQ(survey_kind_parse(NULL), SURVEY_NONE);
	CHECK(!strcmp(survey_kind_name(SURVEY_YES_NO), "yes_no"));
	CHECK(survey_kind_name(SURVEY_NONE) == NULL);
}

static void a_question_is_one_line_of_1_to_200_characters(void)
{
	char s[1024];

	CHECK_EQ(survey_check_question("How helpful was this chat?"), 0);
	CHECK_EQ(survey_check_question(""), -EINVAL);
	CHECK_EQ(survey_check_question("   "), -EINVAL);
	CHECK_EQ(survey_check_question("two\nlines"), -EINVAL);
	CHECK_EQ(survey_check_question("a\ttab"), -EINVAL);
	CHECK_EQ(survey_check_question("line\xe2\x80\xa8separator"), -EINVAL);
	CHECK_EQ(survey_check_question("c1 \xc2\x85 next line"), -EINVAL);
	CHECK_EQ(survey_check_question("bad \xff byte"), -EINVAL);
	/* 200 characters of two bytes each pass; one more is too long. */
	memset(s, 0, sizeof(s));
	for (int i = 0; i < 200; i++)
		memcpy(s + 2 * i, "\xc3\xa9", 2);
	CHECK_EQ(survey_check_question(s), 0);
	memcpy(s + 400, "e", 2);
	CHECK_EQ(survey_check_question(s), -E2BIG);
}

static void a_comment_may_have_lines_and_up_to_500_characters(void)
{
	char s[600];

	CHECK_EQ(survey_check_comment("Thanks!\nVery\thelpful."), 0);
	CHECK_EQ(survey_check_comment("\n\t "), -EINVAL);
	CHECK_EQ(survey_check_comment("bell \a"), -EINVAL);
	CHECK_EQ(survey_check_comment("cr \r"), -EINVAL);
	memset(s, 'x', 500);
	s[500] = '\0';
	CHECK_EQ(survey_check_comment(s), 0);
	s[500] = 'x';
	s[501] = '\0';
	CHECK_EQ(survey_check_comment(s), -E2BIG);
}

static void ratings_are_1_to_5(void)
{
	CHECK(!survey_rating_is_valid(0));
	CHECK(survey_rating_is_valid(1));
	CHECK(survey_rating_is_valid(5));
	CHECK(!survey_rating_is_valid(6));
	CHECK(!survey_rating_is_valid(-1));
}

int main(void)
{
	RUN(kinds_have_names_both_ways);
	RUN(a_question_is_one_line_of_1_to_200_characters);
	RUN(a_comment_may_have_lines_and_up_to_500_characters);
	RUN(ratings_are_1_to_5);
	CHECK_EXIT();
}
