/*
 * tidiness.h - the rules that keep the desk tidy without anyone minding it:
 * an operator idle too long goes Away by themself, an operator at their
 * account's limit of chats is not rung, and an active chat where nobody has
 * written for the queue's idle minutes is first announced to the guest and
 * then ended by the system.  Plain C over the domain's live state; the
 * caller (ops/desk.c, ops/chat_ops.c) does the telling and the writing.
 *
 * Times are monotonic ms; a "minute" is `minute_ms` long so that tests can
 * run these rules in seconds (--tidy-minute-ms).  Loop thread only.
 */
#ifndef REFDESK_CHAT_TIDINESS_H
#define REFDESK_CHAT_TIDINESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chat/domain.h"

#define TIDY_MINS_MAX 1440  /* idle minutes, either setting: a day */
#define TIDY_CHATS_MAX 50   /* the highest limit of chats per operator */
/* After the guest is warned, the chat ends this many "minutes" later
 * unless someone writes. */
#define TIDY_GRACE_MINS 1

/* Has the operator done nothing for their account's idle minutes (and is
 * not Away already)?  Never when the setting is 0. */
bool tidy_operator_idle(const struct operator_live *o, int64_t now_mono, int64_t minute_ms);

/* Active chats `operator_id` holds now. */
size_t tidy_chats_held(struct domain *d, int64_t operator_id);

/* Is the operator at (or over) their account's limit?  Never with no limit. */
bool tidy_at_limit(struct domain *d, const struct operator_live *o);

/* Someone wrote in the chat (or an operator took it): the quiet starts again. */
void tidy_chat_spoke(struct chat_live *c, int64_t now_mono);

enum tidy_step { TIDY_NONE, TIDY_WARN, TIDY_END };

/*
 * What a quiet chat is due for at `now_mono`, on a queue whose setting is
 * `idle_mins` (0: never): TIDY_WARN once when it has been quiet that long,
 * TIDY_END when it has been quiet TIDY_GRACE_MINS more after the warning.
 * Only active chats; a warning is marked as given.
 */
enum tidy_step tidy_chat_due(struct chat_live *c, int idle_mins, int64_t now_mono,
			     int64_t minute_ms);

#endif
