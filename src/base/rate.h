/*
 * rate.h - token buckets for rate limits.
 *
 * A bucket holds up to `burst` tokens and refills at `per_sec` tokens a
 * second.  rate_take() spends one token if there is one.
 */
#ifndef REFDESK_BASE_RATE_H
#define REFDESK_BASE_RATE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Per-address and per-chat buckets and windows live in maps; those idle for
 * RATE_FORGET_MS are dropped by a sweep at most every RATE_SWEEP_MS, so the
 * maps do not grow forever (by then a bucket would be full again anyway).
 */
#define RATE_FORGET_MS (30 * 60 * 1000)
#define RATE_SWEEP_MS (60 * 1000)

struct rate {
	float tokens;
	int64_t last_ms; /* monotonic time of the last refill */
};

/* Start full. */
void rate_init(struct rate *r, double burst);

/* Spend a token at monotonic time `now_ms`; false when the bucket is empty. */
bool rate_take(struct rate *r, int64_t now_ms, double per_sec, double burst);

/* Milliseconds until a token will be available (0 if one is now). */
int64_t rate_wait_ms(const struct rate *r, int64_t now_ms, double per_sec);

/*
 * A sliding window: "at most N events in the last T", exactly, for the few
 * places (sign-in) where a bucket's refill would let an extra attempt in.
 */
#define WINDOW_MAX 16

struct window {
	int64_t t[WINDOW_MAX]; /* monotonic times of the latest events, a ring */
	unsigned head;
};

/* True when fewer than `limit` (≤ WINDOW_MAX) events fell in the last `period_ms`. */
bool window_allows(const struct window *w, int64_t now_ms, unsigned limit, int64_t period_ms);
void window_add(struct window *w, int64_t now_ms);
/* The latest event's time, 0 if none. */
int64_t window_last(const struct window *w);

#endif
