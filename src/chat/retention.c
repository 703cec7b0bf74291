/*
 * retention.c - see retention.h.
 */
#include "chat/retention.h"

#include <stdio.h>

struct retention_rule retention_rule_default(void)
{
	struct retention_rule r = {RETENTION_TEXT_DAYS, RETENTION_FILES_DAYS, RETENTION_KEEP_NAMES};

	return r;
}

bool retention_rule_is_valid(const struct retention_rule *r)
{
	return r->text_days >= 0 && r->text_days <= RETENTION_DAYS_MAX && r->files_days >= 0 &&
	       r->files_days <= RETENTION_DAYS_MAX;
}

struct retention_rule retention_rule_stricter(const struct retention_rule *a,
					      const struct retention_rule *b)
{
	struct retention_rule r = {
	    a->text_days < b->text_days ? a->text_days : b->text_days,
	    a->files_days < b->files_days ? a->files_days : b->files_days,
	    a->keep_names && b->keep_names,
	};

	return r;
}

void retention_cutoffs(const struct retention_rule *r, int64_t now, struct retention_cutoffs *out)
{
	int text = r->text_days, files = r->files_days < text ? r->files_days : text;

	/* "Ended before now" for 0 days: every ended chat. */
	out->text_before = now - (int64_t)text * RETENTION_DAY_MS;
	out->files_before = now - (int64_t)files * RETENTION_DAY_MS;
	out->names_before = r->keep_names ? out->text_before : now;
}

static const char *days(int n, char *buf, size_t size)
{
	if (n == 0)
		return "only while the chat runs";
	snprintf(buf, size, "%d day%s", n, n == 1 ? "" : "s");
	return buf;
}

void retention_rule_describe(const struct retention_rule *r, char *out, size_t size)
{
	char t[32], f[32];

	snprintf(out, size, "text %s, files %s, names %s", days(r->text_days, t, sizeof(t)),
		 days(r->files_days, f, sizeof(f)), r->keep_names ? "kept" : "not kept");
}

static const char *plural(int n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

void retention_purge_describe(const struct retention_rule *r, int transcripts, int file_chats,
			      int files, int names, int followups, char *out, size_t size)
{
	char rule[RETENTION_DETAIL_BYTES];
	size_t off = 0;
	int n;

	out[0] = '\0';
	if (transcripts && off < size) {
		n = snprintf(out + off, size - off, "%d %s deleted; ", transcripts,
			     plural(transcripts, "transcript", "transcripts"));
		off += n > 0 ? (size_t)n : 0;
	}
	if (file_chats && off < size) {
		n = snprintf(out + off, size - off, "images and files of %d %s removed; ",
			     file_chats, plural(file_chats, "chat", "chats"));
		off += n > 0 ? (size_t)n : 0;
	}
	if (names && off < size) {
		n = snprintf(out + off, size - off, "%d guest %s removed; ", names,
			     plural(names, "name", "names"));
		off += n > 0 ? (size_t)n : 0;
	}
	if (followups && off < size) {
		n = snprintf(out + off, size - off, "%d %s deleted; ", followups,
			     plural(followups, "follow-up", "follow-ups"));
		off += n > 0 ? (size_t)n : 0;
	}
	if (files && off < size) {
		n = snprintf(out + off, size - off, "%d %s deleted from disk; ", files,
			     plural(files, "file", "files"));
		off += n > 0 ? (size_t)n : 0;
	}
	retention_rule_describe(r, rule, sizeof(rule));
	if (off < size)
		snprintf(out + off, size - off, "rule: %s", rule);
}
