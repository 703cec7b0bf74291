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

void log_set_level(enum log_level level)
{
	max_level = level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	char line[1024], stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level > max_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s.%03ldZ %-5s %s\n", stamp, ts.tv_nsec / 1000000,
		names[level], line);
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
