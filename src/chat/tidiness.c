/*
 * tidiness.c - see tidiness.h.  Counting held chats walks the live chats:
 * every active chat of a signed-in operator is live (the webclient's hello
 * loads them), and the count is needed only when ringing or accepting.
 */
#include "chat/tidiness.h"

bool tidy_operator_idle(const struct operator_live *o, int64_t now_mono, int64_t minute_ms)
{
	if (o->away || o->away_idle_mins <= 0)
		return false;
	return now_mono - o->last_active >= (int64_t)o->away_idle_mins * minute_ms;
}

size_t tidy_chats_held(struct domain *d, int64_t operator_id)
{
	size_t i = 0, n = 0;
	uint64_t key;
	void *v;

	while (map_next(&d->chats, &i, &key, &v)) {
		const struct chat_live *c = v;

		/* A transfer this operator is accepting counts already: two taken at
		 * once must not both slip under the limit. */
		n += c->status == CHAT_ACTIVE && (c->operator_id == operator_id ||
						  c->transfer.accepting == operator_id);
	}
	return n;
}

bool tidy_at_limit(struct domain *d, const struct operator_live *o)
{
	return o->max_chats > 0 && tidy_chats_held(d, o->id) >= (size_t)o->max_chats;
}

void tidy_chat_spoke(struct chat_live *c, int64_t now_mono)
{
	/* 0 stands for "not seen yet" (tidy_chat_due()), so a clock at 0 counts as 1 ms. */
	c->quiet_since = now_mono > 0 ? now_mono : 1;
	c->idle_warned = false;
}

enum tidy_step tidy_chat_due(struct chat_live *c, int idle_mins, int64_t now_mono,
			     int64_t minute_ms)
{
	int64_t quiet;

	/* An accept being committed starts the quiet over once it is on disk. */
	if (c->status != CHAT_ACTIVE || idle_mins <= 0 || c->accepting)
		return TIDY_NONE;
	if (share_busy(&c->share)) {
		/* A screen share invited or running: the two are busy without typing,
		 * and the quiet starts once it is over. */
		tidy_chat_spoke(c, now_mono);
		return TIDY_NONE;
	}
	if (!c->quiet_since) {
		/* Loaded after a restart: the quiet counts from now. */
		c->quiet_since = now_mono;
		return TIDY_NONE;
	}
	quiet = now_mono - c->quiet_since;
	if (!c->idle_warned) {
		if (quiet < (int64_t)idle_mins * minute_ms)
			return TIDY_NONE;
		c->idle_warned = true;
		c->warned_at = now_mono;
		return TIDY_WARN;
	}
	/* The guest was told "in a minute": a late warning (the setting lowered,
	 * a busy sweep) still gives them that minute. */
	return now_mono - c->warned_at >= (int64_t)TIDY_GRACE_MINS * minute_ms ? TIDY_END : TIDY_NONE;
}
