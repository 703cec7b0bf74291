/*
 * tidiness_test.c - the desk's tidiness rules: when an idle operator goes
 * Away (never with 0, never twice), who is at their limit of chats
 * (active chats they hold only), and a quiet chat's warning then end (only
 * active chats; a word in between starts the quiet over; a chat loaded
 * after a restart counts from the first look).
 */
#include <string.h>

#include "chat/domain.h"
#include "chat/tidiness.h"
#include "check.h"

#define MIN 60000LL /* a "minute" */

static void an_operator_goes_away_after_the_idle_minutes_only(void)
{
	struct operator_live o;

	memset(&o, 0, sizeof(o));
	o.last_active = 1000;
	CHECK(!tidy_operator_idle(&o, 1000 + 999 * MIN, MIN)); /* 0: never */
	o.away_idle_mins = 5;
	CHECK(!tidy_operator_idle(&o, 1000 + 5 * MIN - 1, MIN));
	CHECK(tidy_operator_idle(&o, 1000 + 5 * MIN, MIN));
	o.away = true; /* already Away: nothing more to do */
	CHECK(!tidy_operator_idle(&o, 1000 + 50 * MIN, MIN));
}

static struct chat_live *add_chat(struct domain *d, int64_t id, enum chat_status st, int64_t op)
{
	struct chat_live init;

	memset(&init, 0, sizeof(init));
	init.id = id;
	init.status = st;
	init.operator_id = op;
	return domain_chat_add(d, &init);
}

static void the_limit_counts_active_chats_held(void)
{
	struct domain d;
	struct operator_live o;

	domain_init(&d);
	memset(&o, 0, sizeof(o));
	o.id = 7;
	add_chat(&d, 1, CHAT_ACTIVE, 7);
	add_chat(&d, 2, CHAT_WAITING, 0);
	add_chat(&d, 3, CHAT_ENDED, 7);
	add_chat(&d, 4, CHAT_ACTIVE, 8);
	CHECK_EQ(tidy_chats_held(&d, 7), 1);
	CHECK(!tidy_at_limit(&d, &o)); /* 0: no limit */
	o.max_chats = 2;
	CHECK(!tidy_at_limit(&d, &o));
	add_chat(&d, 5, CHAT_ACTIVE, 7);
	CHECK(tidy_at_limit(&d, &o));
	o.max_chats = 1; /* lowered below what they hold: still full */
	CHECK(tidy_at_limit(&d, &o));
	/* A transfer operator 7 is accepting counts for them before it commits. */
	domain_chat(&d, 4)->transfer.accepting = 7;
	CHECK_EQ(tidy_chats_held(&d, 7), 3);
	CHECK_EQ(tidy_chats_held(&d, 8), 1);
	domain_release(&d);
}

static void a_quiet_chat_is_warned_once_then_ended(void)
{
	struct chat_live c;

	memset(&c, 0, sizeof(c));
	c.status = CHAT_ACTIVE;
	tidy_chat_spoke(&c, 1000);
	CHECK_EQ(tidy_chat_due(&c, 0, 1000 + 500 * MIN, MIN), TIDY_NONE); /* 0: never */
	CHECK_EQ(tidy_chat_due(&c, 3, 1000 + 3 * MIN - 1, MIN), TIDY_NONE);
	CHECK_EQ(tidy_chat_due(&c, 3, 1000 + 3 * MIN, MIN), TIDY_WARN);
	CHECK_EQ(tidy_chat_due(&c, 3, 1000 + 3 * MIN + 1, MIN), TIDY_NONE); /* once */
	CHECK_EQ(tidy_chat_due(&c, 3, 1000 + (3 + TIDY_GRACE_MINS) * MIN, MIN), TIDY_END);
}

/* Warned late (the setting lowered on a chat long quiet): the guest still gets the minute. */
static void a_late_warning_still_gives_the_minute(void)
{
	struct chat_live c;

	memset(&c, 0, sizeof(c));
	c.status = CHAT_ACTIVE;
	tidy_chat_spoke(&c, 1000);
	CHECK_EQ(tidy_chat_due(&c, 10, 1000 + 30 * MIN, MIN), TIDY_WARN);
	CHECK_EQ(tidy_chat_due(&c, 10, 1000 + 30 * MIN + 1000, MIN), TIDY_NONE);
	CHECK_EQ(tidy_chat_due(&c, 10, 1000 + (30 + TIDY_GRACE_MINS) * MIN - 1, MIN), TIDY_NONE);
	CHECK_EQ(tidy_chat_due(&c, 10, 1000 + (30 + TIDY_GRACE_MINS) * MIN, MIN), TIDY_END);
}

/* A chat whose accept is being committed is not judged on its quiet before the accept. */
static void an_accept_in_flight_is_left_alone(void)
{
	struct chat_live c;

	memset(&c, 0, sizeof(c));
	c.status = CHAT_ACTIVE;
	tidy_chat_spoke(&c, 1000);
	c.accepting = 1;
	CHECK_EQ(tidy_chat_due(&c, 1, 1000 + 20 * MIN, MIN), TIDY_NONE);
	CHECK(!c.idle_warned);
}

static void a_word_starts_the_quiet_over(void)
{
	struct chat_live c;

	memset(&c, 0, sizeof(c));
	c.status = CHAT_ACTIVE;
	tidy_chat_spoke(&c, MIN);
	CHECK_EQ(tidy_chat_due(&c, 2, 3 * MIN, MIN), TIDY_WARN);
	tidy_chat_spoke(&c, 3 * MIN + 10);
	CHECK_EQ(tidy_chat_due(&c, 2, 4 * MIN + 20, MIN), TIDY_NONE); /* no end after the word */
	CHECK_EQ(tidy_chat_due(&c, 2, 5 * MIN + 10, MIN), TIDY_WARN);  /* warned anew */
	/* A clock at 0 is not taken for "never spoke". */
	tidy_chat_spoke(&c, 0);
	CHECK(c.quiet_since > 0);
}

/* A screen share invited or running is not quiet, even warned; its end starts the quiet. */
static void a_screen_share_is_not_quiet(void)
{
	struct chat_live c;

	memset(&c, 0, sizeof(c));
	c.status = CHAT_ACTIVE;
	tidy_chat_spoke(&c, 1000);
	c.share.state = SHARE_LIVE;
	CHECK_EQ(tidy_chat_due(&c, 2, 1000 + 10 * MIN, MIN), TIDY_NONE);
	CHECK(!c.idle_warned);
	c.share.state = SHARE_IDLE;
	CHECK_EQ(tidy_chat_due(&c, 2, 1000 + 11 * MIN, MIN), TIDY_NONE);
	CHECK_EQ(tidy_chat_due(&c, 2, 1000 + 12 * MIN, MIN), TIDY_WARN);
	/* Warned, then the librarian invites: the end does not come while it is open. */
	c.share.state = SHARE_INVITED;
	CHECK_EQ(tidy_chat_due(&c, 2, 1000 + 20 * MIN, MIN), TIDY_NONE);
	CHECK(!c.idle_warned);
}

static void only_active_chats_and_restarts_count_from_the_first_look(void)
{
	struct chat_live c;

	memset(&c, 0, sizeof(c));
	c.status = CHAT_WAITING;
	CHECK_EQ(tidy_chat_due(&c, 1, 10 * MIN, MIN), TIDY_NONE);
	c.status = CHAT_ENDED;
	CHECK_EQ(tidy_chat_due(&c, 1, 10 * MIN, MIN), TIDY_NONE);
	c.status = CHAT_ACTIVE; /* loaded after a restart: never spoke here */
	CHECK_EQ(tidy_chat_due(&c, 1, 10 * MIN, MIN), TIDY_NONE);
	CHECK_EQ(c.quiet_since, 10 * MIN);
	CHECK_EQ(tidy_chat_due(&c, 1, 11 * MIN, MIN), TIDY_WARN);
}

int main(void)
{
	RUN(an_operator_goes_away_after_the_idle_minutes_only);
	RUN(the_limit_counts_active_chats_held);
	RUN(a_quiet_chat_is_warned_once_then_ended);
	RUN(a_late_warning_still_gives_the_minute);
	RUN(an_accept_in_flight_is_left_alone);
	RUN(a_word_starts_the_quiet_over);
	RUN(a_screen_share_is_not_quiet);
	RUN(only_active_chats_and_restarts_count_from_the_first_look);
	CHECK_EXIT();
}
