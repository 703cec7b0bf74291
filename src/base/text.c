/*
 * text.c - see text.h.
 */
#include "base/text.h"

#include <string.h>

size_t text_decode_char(const char *s, size_t left, unsigned *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	static const unsigned min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n, i;
	unsigned c;

	if (!left)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, c = p[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

size_t text_line_break(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (p[0] == '\r')
		return p[1] == '\n' ? 2 : 1;
	if (p[0] == '\n' || p[0] == '\v' || p[0] == '\f')
		return 1;
	if (p[0] == 0xc2 && p[1] == 0x85) /* NEL */
		return 2;
	if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) /* LS, PS */
		return 3;
	return 0;
}

bool text_is_invisible(unsigned cp)
{
	/* Format characters that draw nothing or change the order of what follows. */
	static const struct {
		unsigned first, last;
	} ranges[] = {
		{ 0x00ad, 0x00ad },   /* soft hyphen */
		{ 0x061c, 0x061c },   /* Arabic letter mark */
		{ 0x115f, 0x1160 },   /* Hangul fillers */
		{ 0x180e, 0x180e },   /* Mongolian vowel separator */
		{ 0x200b, 0x200f },   /* zero-width space, (non-)joiner, LRM, RLM */
		{ 0x202a, 0x202e },   /* embeddings and overrides */
		{ 0x2060, 0x2064 },   /* word joiner, invisible operators */
		{ 0x2066, 0x206f },   /* isolates, deprecated format characters */
		{ 0x3164, 0x3164 },   /* Hangul filler */
		{ 0xfeff, 0xfeff },   /* zero-width no-break space (BOM) */
		{ 0xffa0, 0xffa0 },   /* halfwidth Hangul filler */
		{ 0xfff9, 0xfffb },   /* interlinear annotation */
		{ 0xe0000, 0xe007f }, /* tags: invisible copies of ASCII */
	};
	size_t i;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (cp >= ranges[i].first && cp <= ranges[i].last)
			return true;
	return false;
}

static bool is_control(unsigned cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

size_t text_clean_line(const char *in, char *out, size_t size)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t left = strlen(in), o = 0, n;
	unsigned cp;

	if (!size)
		return 0;
	while (left) {
		n = text_line_break((const char *)p);
		if (n || *p == '\t') {
			/* A break or tab separates words: a space keeps them apart. */
			if (o + 1 >= size)
				break;
			out[o++] = ' ';
			n = n ? n : 1;
		} else if (!(n = text_decode_char((const char *)p, left, &cp))) {
			n = 1; /* not UTF-8: drop the byte */
		} else if (!is_control(cp) && !text_is_invisible(cp)) {
			if (o + n >= size)
				break;
			memmove(out + o, p, n); /* `out` may be `in` itself */
			o += n;
		}
		p += n;
		left -= n;
	}
	out[o] = '\0';
	return o;
}

size_t text_trim(const char *s, const char **start)
{
	size_t len = strlen(s);

	while (len && strchr(" \t\r\n", *s))
		s++, len--;
	while (len && strchr(" \t\r\n", s[len - 1]))
		len--;
	*start = s;
	return len;
}
