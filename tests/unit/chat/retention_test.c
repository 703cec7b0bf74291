/*
 * retention_test.c - a queue's retention rule: the defaults, what is a
 * valid rule, the stricter of two, the cut-offs it gives (files never
 * outlive the text, a kept name lives as long as the text, 0 days is
 * "ended before now"), and its words for the audit log.
 */
#include <string.h>

#include "chat/retention.h"
#include "check.h"

#define NOW 1000000000000LL
#define DAY RETENTION_DAY_MS

static void the_defaults_keep_a_month_of_text_a_week_of_files_and_no_names(void)
{
	struct retention_rule r = retention_rule_default();

	CHECK_EQ(r.text_days, 30);
	CHECK_EQ(r.files_days, 7);
	CHECK_EQ(r.keep_names, false);
	CHECK(retention_rule_is_valid(&r));
}

static void days_are_0_to_the_maximum(void)
{
	struct retention_rule r = {0, 0, false};

	CHECK(retention_rule_is_valid(&r));
	r.text_days = RETENTION_DAYS_MAX;
	r.files_days = RETENTION_DAYS_MAX;
	CHECK(retention_rule_is_valid(&r));
	r.text_days = RETENTION_DAYS_MAX + 1;
	CHECK(!retention_rule_is_valid(&r));
	r.text_days = -1;
	CHECK(!retention_rule_is_valid(&r));
	r.text_days = 1;
	r.files_days = -1;
	CHECK(!retention_rule_is_valid(&r));
}

static void cutoffs_files_never_outlive_the_text(void)
{
	struct retention_rule r = {30, 7, false};
	struct retention_cutoffs c;

	retention_cutoffs(&r, NOW, &c);
	CHECK_EQ(c.text_before, NOW - 30 * DAY);
	CHECK_EQ(c.files_before, NOW - 7 * DAY);
	CHECK_EQ(c.names_before, NOW); /* not kept: gone once the chat ended */
	r.files_days = 90;
	retention_cutoffs(&r, NOW, &c);
	CHECK_EQ(c.files_before, NOW - 30 * DAY); /* the text's, not 90 days */
	r.keep_names = true;
	retention_cutoffs(&r, NOW, &c);
	CHECK_EQ(c.names_before, NOW - 30 * DAY); /* kept: as long as the text */
	r.text_days = 0;
	retention_cutoffs(&r, NOW, &c);
	CHECK_EQ(c.text_before, NOW);
	CHECK_EQ(c.files_before, NOW);
	CHECK_EQ(c.names_before, NOW);
	r = (struct retention_rule){RETENTION_DAYS_MAX, RETENTION_DAYS_MAX, true};
	retention_cutoffs(&r, NOW, &c);
	CHECK_EQ(c.text_before, NOW - (int64_t)RETENTION_DAYS_MAX * DAY);
}

static void the_stricter_of_two_rules_part_by_part(void)
{
	struct retention_rule a = {30, 2, true}, b = {10, 7, false}, s;

	s = retention_rule_stricter(&a, &b);
	CHECK_EQ(s.text_days, 10);
	CHECK_EQ(s.files_days, 2);
	CHECK_EQ(s.keep_names, false);
	b.keep_names = true;
	s = retention_rule_stricter(&b, &a);
	CHECK_EQ(s.keep_names, true);
}

static void words_for_the_audit_log(void)
{
	struct retention_rule r = {30, 1, false};
	char out[256];

	retention_rule_describe(&r, out, sizeof(out));
	CHECK(!strcmp(out, "text 30 days, files 1 day, names not kept"));
	r = (struct retention_rule){0, 0, true};
	retention_rule_describe(&r, out, sizeof(out));
	CHECK(!strcmp(out,
		      "text only while the chat runs, files only while the chat runs, names kept"));
	CHECK(strlen(out) < RETENTION_DETAIL_BYTES);
	r = (struct retention_rule){RETENTION_DAYS_MAX, RETENTION_DAYS_MAX, false};
	retention_rule_describe(&r, out, sizeof(out));
	CHECK(strlen(out) < RETENTION_DETAIL_BYTES);
	retention_purge_describe(&r, 2, 1, 3, 0, 0, out, sizeof(out));
	CHECK(!strcmp(out,
		      "2 transcripts deleted; images and files of 1 chat removed; 3 files deleted "
		      "from disk; rule: text 3650 days, files 3650 days, names not kept"));
	retention_purge_describe(&r, 0, 0, 0, 1, 0, out, sizeof(out));
	CHECK(!strcmp(
	    out, "1 guest name removed; rule: text 3650 days, files 3650 days, names not kept"));
	retention_purge_describe(&r, 0, 0, 0, 0, 2, out, sizeof(out));
	CHECK(!strcmp(
	    out, "2 follow-ups deleted; rule: text 3650 days, files 3650 days, names not kept"));
	/* A short buffer is cut, never overrun. */
	memset(out, 'x', sizeof(out));
	retention_purge_describe(&r, 2, 1, 3, 4, 5, out, 20);
	CHECK_EQ(strlen(out), 19);
	CHECK_EQ(out[20], 'x');
}

int main(void)
{
	RUN(the_defaults_keep_a_month_of_text_a_week_of_files_and_no_names);
	RUN(days_are_0_to_the_maximum);
	RUN(cutoffs_files_never_outlive_the_text);
	RUN(the_stricter_of_two_rules_part_by_part);
	RUN(words_for_the_audit_log);
	CHECK_EXIT();
}
