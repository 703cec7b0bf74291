/*
 * survey.c - see survey.h.
 *
 * Checks count characters, not bytes: a limit a librarian reads as "200
 * characters" must hold for words in any script.
 */
#include "chat/survey.h"

#include <errno.h>
#include <string.h>

#include "base/text.h"

static const char *const kind_names[] = {
	[SURVEY_RATING] = "rating",
	[SURVEY_YES_NO] = "yes_no",
	[SURVEY_COMMENT] = "comment",
};

enum survey_kind survey_kind_parse(const char *name)
{
	for (size_t k = SURVEY_RATING; k <= SURVEY_COMMENT; k++)
		if (name && !strcmp(name, kind_names[k]))
			return (enum survey_kind)k;
	return SURVEY_NONE;
}

const char *survey_kind_name(enum survey_kind kind)
{
	return kind >= SURVEY_RATING && kind <= SURVEY_COMMENT ? kind_names[kind] : NULL;
}

/*
 * Walk `s`: -EINVAL for bytes that are not UTF-8 or a control character
 * that `lines` does not allow (LF and tab), else the characters counted
 * and whether any is not white space.
 */
static int scan(const char *s, bool lines, size_t *chars, bool *has_ink)
{
	size_t left = strlen(s), n;
	unsigned cp;

	*chars = 0;
	*has_ink = false;
	while (left) {
		n = text_decode_char(s, left, &cp);
		if (!n)
			return -EINVAL;
		if ((cp < 0x20 || cp == 0x7f) && !(lines && (cp == '\n' || cp == '\t')))
			return -EINVAL;
		/* C1 controls never; the other line breaks only where lines are. */
		if ((cp >= 0x80 && cp < 0xa0) || (!lines && (cp == 0x2028 || cp == 0x2029)))
			return -EINVAL;
		if (cp != ' ' && cp != '\n' && cp != '\t')
			*has_ink = true;
		(*chars)++;
		s += n;
		left -= n;
	}
	return 0;
}

static int check_text(const char *text, bool lines, size_t max)
{
	size_t chars;
	bool ink;
	int rc = scan(text, lines, &chars, &ink);

	if (rc < 0 || !ink)
		return -EINVAL;
	return chars > max ? -E2BIG : 0;
}

int survey_check_question(const char *text)
{
	return check_text(text, false, SURVEY_QUESTION_CHARS_MAX);
}

int survey_check_comment(const char *text)
{
	return check_text(text, true, SURVEY_COMMENT_CHARS_MAX);
}

bool survey_rating_is_valid(long long v)
{
	return v >= SURVEY_RATING_MIN && v <= SURVEY_RATING_MAX;
}
