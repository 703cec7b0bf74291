/*
 * jid.c - see jid.h.  A deliberately narrow reading of RFC 7622: refdesk
 * only needs to recognise an operator's own address when it comes back,
 * so anything unusual is refused at linking time rather than interpreted.
 */
#include "xmpp/jid.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* Characters RFC 7622 forbids in a local part, and the ones that split a JID. */
static bool local_char_ok(unsigned char c)
{
	return c > 0x20 && c != 0x7f && !strchr("\"&'/:<>@", c);
}

static bool domain_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c >= 0x80;
}

/* Lower-case and check `len` bytes of `in` into `out`; needs_local: a local part is required. */
static int normalize(const char *in, size_t len, bool needs_local, char *out, size_t size)
{
	const char *at = memchr(in, '@', len);
	size_t local = at ? (size_t)(at - in) : 0, domain = at ? len - local - 1 : len, i;

	if ((needs_local && !at) || (at && !local) || !domain || local > JID_PART_MAX ||
	    domain > JID_PART_MAX)
		return -EINVAL;
	if (len + 1 > size)
		return -E2BIG;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		bool ok = at && i < local ? local_char_ok(c) : (at && i == local) || domain_char_ok(c);

		if (!ok)
			return -EINVAL;
		out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[len] = '\0';
	if (out[len - 1] == '.' || out[at ? local + 1 : 0] == '.')
		return -EINVAL;
	return 0;
}

int jid_bare_normalize(const char *in, char *out, size_t size)
{
	if (strchr(in, '/'))
		return -EINVAL;
	return normalize(in, strlen(in), true, out, size);
}

int jid_bare_of(const char *in, char *out, size_t size)
{
	const char *slash = strchr(in, '/');

	return normalize(in, slash ? (size_t)(slash - in) : strlen(in), false, out, size);
}
