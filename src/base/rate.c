/*
 * rate.c - see rate.h.
 */
#include "base/rate.h"

void rate_init(struct rate *r, double burst)
{
	r->tokens = (float)burst;
	r->last_ms = 0;
}

static void refill(struct rate *r, int64_t now_ms, double per_sec, double burst)
{
	if (r->last_ms && now_ms > r->last_ms) {
		double t = r->tokens + (double)(now_ms - r->last_ms) * per_sec / 1000.0;

		r->tokens = (float)(t > burst ? burst : t);
	}
	r->last_ms = now_ms;
}

bool rate_take(struct rate *r, int64_t now_ms, double per_sec, double burst)
{
	refill(r, now_ms, per_sec, burst);
	if (r->tokens < 1.0f)
		return false;
	r->tokens -= 1.0f;
	return true;
}

int64_t rate_wait_ms(const struct rate *r, int64_t now_ms, double per_sec)
{
	double missing = 1.0 - r->tokens;

	(void)now_ms;
	if (missing <= 0)
		return 0;
	return (int64_t)(missing * 1000.0 / per_sec) + 1;
}

bool window_allows(const struct window *w, int64_t now_ms, unsigned limit, int64_t period_ms)
{
	unsigned i, n = 0;

	for (i = 0; i < WINDOW_MAX; i++)
		if (w->t[i] && now_ms - w->t[i] < period_ms)
			n++;
	return n < limit;
}

void window_add(struct window *w, int64_t now_ms)
{
	w->t[w->head] = now_ms ? now_ms : 1;
	w->head = (w->head + 1) % WINDOW_MAX;
}

int64_t window_last(const struct window *w)
{
	return w->t[(w->head + WINDOW_MAX - 1) % WINDOW_MAX];
}
