/*
 * log.c - see log.h.  Writes whole lines with one fprintf so that lines from
 * the worker threads do not interleave mid-line.
 */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum log_level max_level = LOG_INFO;
static enum log_format format = LOG_FORMAT_TEXT;
static const char *const level_names[] = { "error", "warn", "info", "debug" };

void log_set_level(enum log_level level)
{
	max_level = level;
}

void log_set_format(enum log_format f)
{
	format = f;
}

/* Length of the valid UTF-8 sequence at `s` (at most `n` bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* No overlong forms, no surrogates, nothing past U+10FFFF. */
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/*
 * Append `in` to `out` (at `*o`, size `outsz`) as the inside of a JSON
 * string: quotes, backslashes and control characters escaped, invalid
 * UTF-8 replaced by U+FFFD, so that every line parses whatever a message
 * holds.  Stops early rather than cut an escape in half.
 */
static void json_append(char *out, size_t outsz, size_t *o, const char *in)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = strlen(in), i = 0, k;
	char esc[8];

	while (i < n) {
		const char *piece = esc;
		size_t plen = 2;

		k = utf8_len(s + i, n - i);
		if (s[i] == '"' || s[i] == '\\') {
			esc[0] = '\\', esc[1] = (char)s[i];
		} else if (s[i] == '\n') {
			memcpy(esc, "\\n", 2);
		} else if (s[i] == '\t') {
			memcpy(esc, "\\t", 2);
		} else if (s[i] == '\r') {
			memcpy(esc, "\\r", 2);
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			plen = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
		} else if (!k) {
			memcpy(esc, "\\ufffd", 6), plen = 6;
			k = 1;
		} else {
			piece = in + i, plen = k;
		}
		if (*o + plen >= outsz)
			break;
		memcpy(out + *o, piece, plen);
		*o += plen;
		i += k ? k : 1;
	}
	out[*o] = '\0';
}

/*
 * Most messages start with the part of refdesk that speaks ("store: ...",
 * "ws: ...").  Only these names count: "stopping: finishing..." is a
 * sentence, not a module.  The name's length, or 0.
 */
static size_t module_len(const char *msg)
{
	static const char *const modules[] = {
		"admin", "blobs", "chat", "history", "http", "lws", "media", "metrics",
		"share", "signin", "store", "uploads", "writer", "ws",
	};
	size_t n = strspn(msg, "abcdefghijklmnopqrstuvwxyz"), i;

	if (msg[n] != ':' || msg[n + 1] != ' ')
		return 0;
	for (i = 0; i < sizeof(modules) / sizeof(modules[0]); i++)
		if (strlen(modules[i]) == n && !strncmp(msg, modules[i], n))
			return n;
	return 0;
}

size_t log_format_json(char *out, size_t outsz, const char *stamp, enum log_level level,
		       const char *msg)
{
	size_t o, m = module_len(msg);
	char module[17];

	if (outsz < 128)
		return 0;
	o = (size_t)snprintf(out, outsz, "{\"time\":\"%s\",\"level\":\"%s\"", stamp,
			     level_names[level]);
	if (m) {
		memcpy(module, msg, m);
		module[m] = '\0';
		o += (size_t)snprintf(out + o, outsz - o, ",\"module\":\"%s\"", module);
		msg += m + 2;
	}
	o += (size_t)snprintf(out + o, outsz - o, ",\"message\":\"");
	json_append(out, outsz - 3, &o, msg);
	memcpy(out + o, "\"}", 3);
	return o + 2;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[1024], stamp[40], json[6 * sizeof(line) + 256];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	size_t n;

	if (level > max_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + n, sizeof(stamp) - n, ".%03ldZ", ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (format == LOG_FORMAT_JSON) {
		log_format_json(json, sizeof(json), stamp, level, line);
		fprintf(stderr, "%s\n", json);
		return;
	}
	fprintf(stderr, "%s %-5s %s\n", stamp, level_names[level], line);
}

char *log_escape(char *out, size_t outsz, const char *in, size_t len)
{
	size_t o = 0, i;

	if (!outsz)
		return out;
	for (i = 0; i < len && in[i]; i++) {
		unsigned char c = (unsigned char)in[i];

		if (o + 4 >= outsz) {
			if (outsz > 4)
				memcpy(out + outsz - 4, "...", 3), o = outsz - 1;
			break;
		}
		out[o++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	out[o < outsz ? o : outsz - 1] = '\0';
	return out;
}
