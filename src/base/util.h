/*
 * util.h - small helpers every module uses: time, randomness, checked
 * arithmetic and allocation that aborts on exhaustion.
 */
#ifndef REFDESK_BASE_UTIL_H
#define REFDESK_BASE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* Milliseconds since the Unix epoch (wall clock, for timestamps). */
int64_t time_now_ms(void);
/* Monotonic milliseconds, for timeouts and rate limits. */
int64_t time_mono_ms(void);

/* Fill `buf` with `len` bytes from the kernel's CSPRNG.  Aborts on failure. */
void rand_bytes(void *buf, size_t len);

/*
 * Write `len` random bytes as base64url (no padding) into `out`, which must
 * hold at least 4 * len / 3 + 2 bytes.  Returns `out`.
 */
char *rand_token(char *out, size_t len);

/* Allocation helpers: out of memory aborts, so callers need not check. */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Grow *cap (at least `want`), doubling; aborts on overflow. */
size_t grow_cap(size_t cap, size_t want);

/*
 * Read exactly `size` bytes of `fd` into a new buffer (one byte more, NUL);
 * you own it.  NULL (and nothing to free) on a short read or an error.
 */
char *read_exactly(int fd, size_t size);

/* Copy `src` into `dst` of `size` bytes, cutting it short if needed; returns dst. */
char *str_copy(char *dst, size_t size, const char *src);

/* Number of Unicode code points in valid UTF-8 `s` of `len` bytes. */
size_t utf8_count(const char *s, size_t len);

/* A stable 64-bit key for bytes such as a username or an address (not secret; never 0). */
uint64_t str_key(const char *s, size_t len);

/* True when `s` is 1..max bytes of [A-Za-z0-9] and the characters in `extra`. */
bool str_is_token(const char *s, size_t max, const char *extra);

/*
 * One line of `refdesk limits`: "name value unit  # what it bounds".  The
 * value is printed in full (no exponent), so scripts and the docs test read
 * it as written; `unit` is one word.
 */
void limit_print(FILE *out, const char *name, double value, const char *unit, const char *what);

#endif
