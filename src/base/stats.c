/*
 * stats.c - see stats.h.
 */
#include "base/stats.h"

#include <string.h>

const double stats_bucket_bounds[STATS_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
};

void stats_hist_observe(struct stats_hist *h, double seconds)
{
	size_t i;

	for (i = 0; i < STATS_BUCKETS; i++) {
		if (seconds <= stats_bucket_bounds[i]) {
			h->buckets[i]++;
			break;
		}
	}
	h->count++;
	h->sum += seconds;
}

void stats_tally_add(struct stats_tally *t, const char *name)
{
	stats_tally_add_n(t, name, 1);
}

void stats_tally_add_n(struct stats_tally *t, const char *name, uint64_t n)
{
	size_t i;

	/* The same literal usually has one address; strcmp() covers copies in other files. */
	for (i = 0; i < t->n; i++) {
		if (t->names[i] == name || !strcmp(t->names[i], name)) {
			t->counts[i] += n;
			return;
		}
	}
	if (t->n == STATS_TALLY_NAMES) {
		t->other += n;
		return;
	}
	t->names[t->n] = name;
	t->counts[t->n++] = n;
}
