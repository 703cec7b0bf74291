/*
 * log.h - one-line logging to stderr.
 *
 * Messages are prefixed with a UTC timestamp and a level.  Nothing a peer
 * sent should be logged raw: log_escape() makes such text printable.
 */
#ifndef REFDESK_BASE_LOG_H
#define REFDESK_BASE_LOG_H

#include <stddef.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Messages above this level are dropped.  Default LOG_INFO. */
void log_set_level(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/*
 * Copy at most `len` bytes of untrusted `in` into `out` (size `outsz`),
 * replacing control characters and non-ASCII bytes with '?' and cutting it
 * short with "..." when it does not fit.  Returns `out`.
 */
char *log_escape(char *out, size_t outsz, const char *in, size_t len);

#endif
