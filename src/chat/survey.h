/*
 * survey.h - the survey a queue may ask when a chat ends: which kinds of
 * question there are and what a question or an answer may hold.  Plain C,
 * no I/O: the store keeps a queue's questions and a chat's answers,
 * ops/survey.c asks here whether what a browser sent may be kept.
 *
 * A queue asks at most SURVEY_QUESTIONS_MAX questions, each of one kind: a
 * rating from 1 to 5, yes or no, or a short comment.  A question's words
 * are one line of 1-200 characters; a comment is 1-500 characters, line
 * breaks and tabs allowed, other control characters not, and not only
 * white space.
 */
#ifndef REFDESK_CHAT_SURVEY_H
#define REFDESK_CHAT_SURVEY_H

#include <stdbool.h>
#include <stddef.h>

#define SURVEY_QUESTIONS_MAX 3
#define SURVEY_QUESTION_CHARS_MAX 200
#define SURVEY_COMMENT_CHARS_MAX 500
#define SURVEY_RATING_MIN 1
#define SURVEY_RATING_MAX 5

enum survey_kind { SURVEY_NONE = 0, SURVEY_RATING, SURVEY_YES_NO, SURVEY_COMMENT };

/* The kind named `name` ("rating", "yes_no", "comment"), or SURVEY_NONE. */
enum survey_kind survey_kind_parse(const char *name);
/* The wire name of `kind` (static), or NULL for SURVEY_NONE. */
const char *survey_kind_name(enum survey_kind kind);

/*
 * A question's words: 0, -EINVAL (empty, only spaces, a line break or
 * another control character, not UTF-8) or -E2BIG (over 200 characters).
 */
int survey_check_question(const char *text);
/*
 * A comment's text: 0, -EINVAL (empty, only white space, a control
 * character other than LF or tab, not UTF-8) or -E2BIG (over 500
 * characters).
 */
int survey_check_comment(const char *text);
/* Is `v` a rating (1-5)? */
bool survey_rating_is_valid(long long v);

#endif
