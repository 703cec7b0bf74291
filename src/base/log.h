/*
 * log.h - one-line logging to stderr.
 *
 * Messages are prefixed with a UTC timestamp and a level.  Nothing a peer
 * sent should be logged raw: log_escape() makes such text printable.
 *
 * With LOG_FORMAT_JSON (--log-format json, for log collectors) each line is
 * one JSON object instead: {"time", "level", "module" when the message
 * starts with the name of a part of refdesk ("store: "), "message"}, every string escaped so that any
 * message, even one holding quotes, line breaks or invalid UTF-8, stays one
 * line that parses.
 */
#ifndef REFDESK_BASE_LOG_H
#define REFDESK_BASE_LOG_H

#include <stddef.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };
enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

/* Messages above this level are dropped.  Default LOG_INFO. */
void log_set_level(enum log_level level);
/* Human-readable lines (the default) or one JSON object per line.  Set it
 * before any thread but the first starts. */
void log_set_format(enum log_format format);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/*
 * The JSON line (without its newline) for `msg` at `level`, with `stamp` (an
 * RFC 3339 UTC time), into `out` of `outsz` bytes; a message too long for
 * it is cut short, still as valid JSON.  Returns the line's length (0 when
 * `outsz` is under 128).  log_msg() uses it; exported for the unit tests.
 */
size_t log_format_json(char *out, size_t outsz, const char *stamp, enum log_level level,
		       const char *msg);

/*
 * Copy at most `len` bytes of untrusted `in` into `out` (size `outsz`),
 * replacing control characters and non-ASCII bytes with '?' and cutting it
 * short with "..." when it does not fit.  Returns `out`.
 */
char *log_escape(char *out, size_t outsz, const char *in, size_t len);

#endif
