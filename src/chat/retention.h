/*
 * retention.h - how long a queue keeps what its chats leave behind, and
 * what that means for one ended chat.  Plain C, no I/O: the store keeps a
 * queue's rule, the purge (ops/retention.c, `refdesk admin purge`) asks
 * here which cut-off times follow from it.
 *
 * A rule has three parts: days the transcript text is kept after the chat
 * ended, days its images and files are kept, and whether the guest's name
 * is kept.  Files never outlive the text (a transcript's deletion takes its
 * files along), and a kept name lives as long as the text; a name that is
 * not kept goes at the first purge after the chat ended.  0 days means
 * "nothing beyond the chat itself": deleted at the first purge after the
 * chat ended.
 */
#ifndef REFDESK_CHAT_RETENTION_H
#define REFDESK_CHAT_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RETENTION_DAYS_MAX 3650 /* ten years: the longest a rule may keep anything */
#define RETENTION_TEXT_DAYS 30	/* the defaults, for a queue whose admin set nothing */
#define RETENTION_FILES_DAYS 7
#define RETENTION_KEEP_NAMES false
#define RETENTION_DAY_MS 86400000LL
#define RETENTION_DETAIL_BYTES 96 /* retention_rule_describe()'s longest text, with its NUL */

struct retention_rule {
	int text_days;
	int files_days;
	bool keep_names;
};

/* The rule of a queue whose admin has not chosen one. */
struct retention_rule retention_rule_default(void);

/* Is each part within 0..RETENTION_DAYS_MAX? */
bool retention_rule_is_valid(const struct retention_rule *r);

/*
 * The stricter of two rules, part by part (the fewer days; a name is kept
 * only if both keep it): the rule of a chat that was in both queues.
 */
struct retention_rule retention_rule_stricter(const struct retention_rule *a,
					      const struct retention_rule *b);

/*
 * What a rule deletes at time `now` (ms since the epoch): a chat that ended
 * before `text_before` loses its transcript (and with it its files and
 * name), one that ended before `files_before` its images and files, one that
 * ended before `names_before` its guest's name.  A later cut-off is the
 * stricter; each is at most `now`.
 */
struct retention_cutoffs {
	int64_t text_before;
	int64_t files_before;
	int64_t names_before;
};
void retention_cutoffs(const struct retention_rule *r, int64_t now, struct retention_cutoffs *out);

/* The rule in words for the audit log: "text 30 days, files 7 days, names not kept". */
void retention_rule_describe(const struct retention_rule *r, char *out, size_t size);

/*
 * What one batch of a purge did, in words for the audit log: "2 transcripts
 * deleted; images and files of 1 chat removed (3 files); 1 guest name
 * removed; 1 follow-up deleted; rule: …".  Never names a chat, a guest or a file.
 */
void retention_purge_describe(const struct retention_rule *r, int transcripts, int file_chats,
			      int files, int names, int followups, char *out, size_t size);

#endif
