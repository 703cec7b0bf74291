/*
 * upload_headers.c - fuzz the text an uploader controls in headers
 * (uploads.c): X-File-Name and X-Alt percent-decoding and cleaning, the
 * upload path, and the Content-Disposition built from a stored name.
 *
 * uploads.c is compiled into this file to reach its static functions
 * (the archive's copy is then not linked).  Besides the sanitizers, the
 * results are checked: a cleaned name is bounded valid UTF-8 with no
 * directory, control character, line break, direction mark or leading dot; the
 * disposition's quoted name has no quote, backslash or control byte.
 *
 * Input: NUL-separated fields: file name, alt text, path.
 */
#include "ops/uploads.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *text)
{
	fprintf(stderr, "upload_headers: %s: \"%s\"\n", what, text);
	abort();
}

static void check_clean(const char *s, size_t max, const char *what)
{
	const char *p = s;
	size_t left = strlen(s), n;
	unsigned cp;

	if (left >= max)
		fail("too long", s);
	while (left) {
		n = text_decode_char(p, left, &cp);
		if (!n || text_line_break(p))
			fail(what, s);
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || text_is_invisible(cp))
			fail(what, s);
		p += n;
		left -= n;
	}
}

static void check_name(const char *name)
{
	check_clean(name, NAME_MAX_BYTES, "file name not clean");
	if (!name[0] || name[0] == '.' || name[0] == ' ' || strpbrk(name, "/\\"))
		fail("file name not plain", name);
}

static void check_disposition(const char *name)
{
	struct http_req req;
	const char *value, *q, *end;

	memset(&req, 0, sizeof(req));
	disposition(&req, "attachment", name);
	value = req.hdrs + strlen(req.hdrs) + 1;
	q = strstr(value, "filename=\"");
	if (!q)
		fail("disposition shape", value);
	/* The quoted name ends at the first quote: the encoded name must follow it. */
	for (q += 10; *q && *q != '"'; q++)
		if (*q == '\\' || (unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7f)
			fail("disposition quoted name", value);
	end = "\"; filename*=UTF-8''";
	if (strncmp(q, end, strlen(end)))
		fail("disposition shape", value);
	for (q += strlen(end); *q; q++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-%", *q))
			fail("disposition encoded name", value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xmalloc(size + 3), name[NAME_MAX_BYTES + 8], alt[ALT_MAX * 4 + 1], chat[64];
	const char *fields[3];
	size_t i, k = 0;

	/* Headers are at most 12 KB here (uploads_precheck's buffer). */
	if (size > 12000)
		size = 12000;
	memcpy(text, data, size);
	text[size] = text[size + 1] = text[size + 2] = '\0';
	fields[0] = text;
	for (i = 0; i < size && k < 2; i++)
		if (!text[i])
			fields[++k] = text + i + 1;
	while (k < 2)
		fields[++k] = text + size + 1;

	clean_filename(fields[0], name, NAME_MAX_BYTES, "file");
	check_name(name);
	check_disposition(name);

	pct_decode(fields[1], alt, sizeof(alt));
	text_clean_line(alt, alt, sizeof(alt));
	check_clean(alt, sizeof(alt), "alt text not clean");

	if (upload_path(fields[2], chat, sizeof(chat)) &&
	    (!chat[0] || strchr(chat, '/') || strlen(chat) >= sizeof(chat)))
		fail("upload path", fields[2]);
	free(text);
	return 0;
}
