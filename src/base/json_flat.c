/*
 * json_flat.c - the quick parse of flat JSON objects (json_flat.h).
 *
 * Strings are taken only when they hold no backslash and no control
 * character, and are valid UTF-8 (text_decode_char(), the rule jansson has:
 * no overlong forms, surrogates or code points past U+10FFFF), so their
 * bytes are the string's value.  Integers are taken up to 18 digits, which
 * cannot overflow a json_int_t; "-0" and leading zeros are left to jansson.
 */
#include <stdbool.h>
#include <string.h>

#include "base/json_flat.h"
#include "base/text.h"

#define FLAT_INT_DIGITS_MAX 18

struct cursor {
	const char *p, *end;
};

static void skip_space(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

/* A string at c->p (its opening quote); *s and *n get its bytes. */
static bool read_string(struct cursor *c, const char **s, size_t *n)
{
	const char *p = c->p + 1;
	unsigned cp;

	*s = p;
	while (p < c->end) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '"') {
			*n = (size_t)(p - *s);
			c->p = p + 1;
			return true;
		}
		if (ch == '\\' || ch < 0x20)
			return false;
		if (ch < 0x80) {
			p++;
			continue;
		}
		size_t k = text_decode_char(p, (size_t)(c->end - p), &cp);

		if (!k)
			return false;
		p += k;
	}
	return false;
}

static bool read_word(struct cursor *c, const char *w, size_t n)
{
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n))
		return false;
	c->p += n;
	return true;
}

static json_t *read_integer(struct cursor *c)
{
	bool negative = *c->p == '-';
	const char *p = c->p + negative;
	json_int_t v = 0;
	int digits = 0;

	if (p >= c->end || *p < '0' || *p > '9' || *p == '0')
		return NULL; /* "0", "-0", leading zeros: jansson's */
	while (p < c->end && *p >= '0' && *p <= '9') {
		if (++digits > FLAT_INT_DIGITS_MAX)
			return NULL;
		v = v * 10 + (*p++ - '0');
	}
	if (p < c->end && (*p == '.' || *p == 'e' || *p == 'E'))
		return NULL;
	c->p = p;
	return json_integer(negative ? -v : v);
}

static json_t *read_value(struct cursor *c)
{
	const char *s;
	size_t n;

	if (c->p >= c->end)
		return NULL;
	switch (*c->p) {
	case '"':
		return read_string(c, &s, &n) ? json_stringn_nocheck(s, n) : NULL;
	case 't':
		return read_word(c, "true", 4) ? json_true() : NULL;
	case 'f':
		return read_word(c, "false", 5) ? json_false() : NULL;
	case 'n':
		return read_word(c, "null", 4) ? json_null() : NULL;
	default:
		return *c->p == '-' || (*c->p >= '1' && *c->p <= '9') ? read_integer(c) : NULL;
	}
}

json_t *json_flat_load(const char *text, size_t len)
{
	struct cursor c = {text, text + len};
	json_t *obj = NULL, *v;
	const char *key;
	size_t key_len;

	skip_space(&c);
	if (c.p >= c.end || *c.p++ != '{')
		return NULL;
	obj = json_object();
	if (!obj)
		return NULL;
	skip_space(&c);
	if (c.p < c.end && *c.p == '}') {
		c.p++;
		goto end;
	}
	for (;;) {
		if (c.p >= c.end || *c.p != '"' || !read_string(&c, &key, &key_len))
			goto fail;
		skip_space(&c);
		if (c.p >= c.end || *c.p++ != ':')
			goto fail;
		skip_space(&c);
		if (!(v = read_value(&c)))
			goto fail;
		/* A repeated key is refused by the caller's json_loadb(). */
		if (json_object_getn(obj, key, key_len) ||
		    json_object_setn_new_nocheck(obj, key, key_len, v) < 0) {
			json_decref(v);
			goto fail;
		}
		skip_space(&c);
		if (c.p >= c.end)
			goto fail;
		if (*c.p == '}') {
			c.p++;
			break;
		}
		if (*c.p++ != ',')
			goto fail;
		skip_space(&c);
	}
end:
	skip_space(&c);
	if (c.p == c.end)
		return obj;
fail:
	json_decref(obj);
	return NULL;
}

size_t json_flat_quote(char *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char *o = out;
	size_t i;

	*o++ = '"';
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch != '"' && ch != '\\') {
			*o++ = (char)ch;
			continue;
		}
		*o++ = '\\';
		switch (ch) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			*o++ = 'u', *o++ = '0', *o++ = '0';
			*o++ = hex[ch >> 4], *o++ = hex[ch & 15];
		}
	}
	*o++ = '"';
	return (size_t)(o - out);
}
