/*
 * log_stats_test.c - the JSON log line (--log-format json) and the
 * histograms and tallies behind /metrics.
 */
#include <jansson.h>
#include <string.h>

#include "base/log.h"
#include "base/stats.h"
#include "check.h"

#define STAMP "2026-12-03T20:00:00.123Z"

/* Parse a JSON line; NULL unless it is one object. */
static json_t *parse(const char *line)
{
	json_t *o = json_loads(line, 0, NULL);

	if (o && !json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static const char *field(json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

static void json_line_has_its_fields(void)
{
	char out[4096];
	json_t *o;

	CHECK(log_format_json(out, sizeof(out), STAMP, LOG_WARN, "store: cannot open x") > 0);
	o = parse(out);
	CHECK(o != NULL);
	CHECK(!strcmp(field(o, "time"), STAMP));
	CHECK(!strcmp(field(o, "level"), "warn"));
	CHECK(!strcmp(field(o, "module"), "store"));
	CHECK(!strcmp(field(o, "message"), "cannot open x"));
	CHECK_EQ(json_object_size(o), 4);
	json_decref(o);
	/* A sentence with a colon is not a module. */
	log_format_json(out, sizeof(out), STAMP, LOG_INFO, "stopping: finishing work");
	o = parse(out);
	CHECK(o && !json_object_get(o, "module"));
	CHECK(o && !strcmp(field(o, "message"), "stopping: finishing work"));
	CHECK(strchr(out, '\n') == NULL);
	json_decref(o);
}

static void json_line_escapes_everything(void)
{
	char msg[300], out[4096];
	size_t i, n = 0;
	json_t *o;

	/* Quotes, backslashes, every control character, and valid UTF-8. */
	n += (size_t)snprintf(msg, sizeof(msg), "store: a \"quoted\" \\path\\ é 📚 ");
	for (i = 1; i < 0x20; i++)
		msg[n++] = (char)i;
	msg[n++] = 0x7f;
	msg[n] = '\0';
	log_format_json(out, sizeof(out), STAMP, LOG_ERROR, msg);
	CHECK(strchr(out, '\n') == NULL);
	CHECK(strchr(out, '\r') == NULL);
	o = parse(out);
	CHECK(o != NULL);
	CHECK(o && !strcmp(field(o, "message"), msg + strlen("store: ")));
	json_decref(o);
	/* Invalid UTF-8 (a lone continuation byte, a truncated sequence, an overlong
	 * slash, a surrogate) reads as U+FFFD and the line still parses. */
	log_format_json(out, sizeof(out), STAMP, LOG_ERROR, "a\x80" "b\xe2\x82" "c\xc0\xaf" "d\xed\xa0\x80");
	o = parse(out);
	CHECK(o != NULL);
	CHECK(o && !strncmp(field(o, "message"), "a\xef\xbf\xbd" "b", 5));
	json_decref(o);
}

static void json_line_cut_short_still_parses(void)
{
	char msg[1000], out[160];
	json_t *o;

	memset(msg, '"', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	CHECK(log_format_json(out, sizeof(out), STAMP, LOG_INFO, msg) < sizeof(out));
	o = parse(out);
	CHECK(o != NULL);
	/* Whole escapes only: an even run of characters inside, each one a quote. */
	CHECK(o && strspn(field(o, "message"), "\"") == strlen(field(o, "message")));
	CHECK(o && strlen(field(o, "message")) > 10);
	json_decref(o);
	CHECK_EQ(log_format_json(out, 100, STAMP, LOG_INFO, "x"), 0);
}

static void histogram_buckets(void)
{
	struct stats_hist h;
	size_t i;
	uint64_t sum = 0;

	memset(&h, 0, sizeof(h));
	stats_hist_observe(&h, 0.0001);  /* first bucket */
	stats_hist_observe(&h, 0.0005);  /* on the bound: still the first */
	stats_hist_observe(&h, 0.003);   /* le 0.005 */
	stats_hist_observe(&h, 7);       /* above every bound: +Inf only */
	CHECK_EQ(h.count, 4);
	CHECK_EQ(h.buckets[0], 2);
	CHECK_EQ(h.buckets[3], 1);
	for (i = 0; i < STATS_BUCKETS; i++)
		sum += h.buckets[i];
	CHECK_EQ(sum, 3);
	CHECK(h.sum > 7.0035 && h.sum < 7.0037);
	for (i = 1; i < STATS_BUCKETS; i++)
		CHECK(stats_bucket_bounds[i] > stats_bucket_bounds[i - 1]);
}

static void tally_counts_by_name(void)
{
	static struct stats_tally t;
	char copy[16], names[STATS_TALLY_NAMES + 5][8];
	size_t i;

	stats_tally_add(&t, "busy");
	strcpy(copy, "busy");
	stats_tally_add(&t, copy); /* the same name at another address */
	stats_tally_add_n(&t, "not_found", 5);
	CHECK_EQ(t.n, 2);
	CHECK_EQ(t.counts[0], 2);
	CHECK_EQ(t.counts[1], 5);
	/* Past the table's size, names count as "other". */
	for (i = 0; i < STATS_TALLY_NAMES + 5; i++) {
		snprintf(names[i], sizeof(names[i]), "c%zu", i);
		stats_tally_add(&t, names[i]);
	}
	CHECK_EQ(t.n, STATS_TALLY_NAMES);
	CHECK_EQ(t.other, 7);
}

int main(void)
{
	RUN(json_line_has_its_fields);
	RUN(json_line_escapes_everything);
	RUN(json_line_cut_short_still_parses);
	RUN(histogram_buckets);
	RUN(tally_counts_by_name);
	CHECK_EXIT();
}
