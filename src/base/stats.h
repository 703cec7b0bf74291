/*
 * stats.h - the two shapes of figure that /metrics reports besides plain
 * counters: latency histograms with fixed buckets, and tallies of events by
 * a constant name (refusals by their wire code).
 *
 * Plain structs with no locking: whoever owns one says which thread may
 * touch it (the writer's histograms live under its mutex; the tallies of
 * refusals belong to the loop thread).  Nothing here allocates.
 */
#ifndef REFDESK_BASE_STATS_H
#define REFDESK_BASE_STATS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Bucket upper bounds in seconds, shared by every histogram: from half a
 * millisecond (a commit without fsync) to 2.5 s (a stalled disk).  A value
 * above the last bound counts only in `count` (Prometheus' +Inf bucket).
 */
#define STATS_BUCKETS 12
extern const double stats_bucket_bounds[STATS_BUCKETS];

struct stats_hist {
	uint64_t buckets[STATS_BUCKETS]; /* per bucket, not cumulative */
	uint64_t count;
	double sum;                      /* seconds */
};

/* Count one observation of `seconds`. */
void stats_hist_observe(struct stats_hist *h, double seconds);

/*
 * Counts by name.  Names must be string constants of the program (a wire
 * error code, never text a peer sent), so the set stays small: past
 * STATS_TALLY_NAMES different names, the rest count in `other`.
 */
#define STATS_TALLY_NAMES 48
struct stats_tally {
	const char *names[STATS_TALLY_NAMES];
	uint64_t counts[STATS_TALLY_NAMES];
	size_t n;
	uint64_t other;
};

/* Count one `name` (a constant string: it is kept, not copied). */
void stats_tally_add(struct stats_tally *t, const char *name);
/* Count `name` `n` times (adding one tally to another). */
void stats_tally_add_n(struct stats_tally *t, const char *name, uint64_t n);

#endif
