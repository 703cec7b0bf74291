/*
 * domain_test.c - the chat rules without sockets or disk: routing to
 * available operators, first accept wins, who may write, following.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "chat/domain.h"
#include "check.h"

static struct chat_live *waiting_chat(struct domain *d, int64_t id)
{
	struct chat_live init;

	memset(&init, 0, sizeof(init));
	init.id = id;
	snprintf(init.public_id, sizeof(init.public_id), "c_%lld", (long long)id);
	init.account_id = 1;
	init.queue_id = 10;
	init.status = CHAT_WAITING;
	return domain_chat_add(d, &init);
}

static void queue_online_follows_available_operators(void)
{
	struct domain d;
	struct queue_live *q;

	domain_init(&d);
	q = domain_queue_add(&d, 10, 1, "ask");
	CHECK(!queue_is_online(q));
	CHECK(queue_set_available(q, 7, true));   /* offline -> online */
	CHECK(!queue_set_available(q, 8, true));  /* still online */
	CHECK(!queue_set_available(q, 7, true));  /* twice is once */
	CHECK_EQ(q->navailable, 2);
	CHECK(!queue_set_available(q, 7, false));
	CHECK(queue_set_available(q, 8, false));  /* online -> offline */
	CHECK(!queue_is_online(q));
	CHECK(domain_queue_add(&d, 10, 1, "ask") == q);
	domain_release(&d);
}

static void first_accept_wins(void)
{
	struct domain d;
	struct chat_live *c;

	domain_init(&d);
	c = waiting_chat(&d, 1);
	chat_offer(c, 7);
	chat_offer(c, 8);
	chat_offer(c, 7);
	CHECK_EQ(c->noffered, 2);
	CHECK_EQ(chat_accept_begin(c, 7, "Ann"), 0);
	CHECK_EQ(chat_accept_begin(c, 8, "Bob"), -EALREADY); /* while Ann's commits */
	chat_accept_done(c, true);
	CHECK_EQ(chat_accept_begin(c, 8, "Bob"), -EALREADY); /* and after */
	CHECK_EQ(c->operator_id, 7);
	CHECK(!strcmp(c->operator_name, "Ann"));
	domain_release(&d);
}

static void failed_accept_reopens_the_chat(void)
{
	struct domain d;
	struct chat_live *c;

	domain_init(&d);
	c = waiting_chat(&d, 1);
	CHECK_EQ(chat_accept_begin(c, 7, "Ann"), 0);
	chat_accept_done(c, false);
	CHECK_EQ(c->status, CHAT_WAITING);
	CHECK_EQ(c->operator_id, 0);
	CHECK_EQ(chat_accept_begin(c, 8, "Bob"), 0);
	domain_release(&d);
}

static void ended_chats_cannot_be_taken_or_written(void)
{
	struct domain d;
	struct chat_live *c;

	domain_init(&d);
	c = waiting_chat(&d, 1);
	c->status = CHAT_ENDED;
	CHECK_EQ(chat_accept_begin(c, 7, "Ann"), -ECANCELED);
	CHECK_EQ(chat_may_write(c, AUTHOR_GUEST, 0), -ECANCELED);
	CHECK_EQ(chat_may_write(c, AUTHOR_OPERATOR, 7), -ECANCELED);
	domain_release(&d);
}

static void only_the_holder_writes(void)
{
	struct domain d;
	struct chat_live *c;

	domain_init(&d);
	c = waiting_chat(&d, 1);
	CHECK_EQ(chat_may_write(c, AUTHOR_GUEST, 0), 0);        /* guests may write while waiting */
	CHECK_EQ(chat_may_write(c, AUTHOR_OPERATOR, 7), -EAGAIN);
	CHECK_EQ(chat_accept_begin(c, 7, "Ann"), 0);
	CHECK_EQ(chat_may_write(c, AUTHOR_OPERATOR, 7), -EAGAIN); /* not on disk yet */
	chat_accept_done(c, true);
	CHECK_EQ(chat_may_write(c, AUTHOR_OPERATOR, 7), 0);
	CHECK_EQ(chat_may_write(c, AUTHOR_OPERATOR, 8), -EPERM);
	domain_release(&d);
}

static void followers_and_forgetting(void)
{
	struct domain d;
	struct chat_live *c;
	int a, b;

	domain_init(&d);
	c = waiting_chat(&d, 42);
	chat_follow(c, &a, 0);
	chat_follow(c, &b, 5);
	chat_follow(c, &a, 3);
	CHECK_EQ(c->nfollowers, 2);
	CHECK_EQ(chat_follower(c, &a)->seq, 3);
	chat_follow(c, &a, 1); /* never moves back by itself */
	CHECK_EQ(chat_follower(c, &a)->seq, 3);
	c->status = CHAT_ENDED;
	domain_chat_maybe_forget(&d, c); /* followed: kept */
	CHECK(domain_chat(&d, 42) == c);
	chat_unfollow(c, &a);
	chat_unfollow(c, &b);
	c->pins = 1;
	domain_chat_maybe_forget(&d, c); /* a write in flight: kept */
	CHECK(domain_chat(&d, 42) == c);
	c->pins = 0;
	domain_chat_maybe_forget(&d, c);
	CHECK(domain_chat(&d, 42) == NULL);
	domain_release(&d);
}

static void operators_attach_and_detach(void)
{
	struct domain d;
	struct operator_live *o;
	int s1, s2;

	domain_init(&d);
	o = domain_operator_attach(&d, 7, 1, "Ann", false, &s1);
	CHECK(domain_operator_attach(&d, 7, 1, "Ann", false, &s2) == o);
	CHECK_EQ(o->nconns, 2);
	CHECK(!domain_operator_detach(&d, o, &s1));
	CHECK(domain_operator_detach(&d, o, &s2));
	CHECK(domain_operator(&d, 7) == NULL);
	domain_release(&d);
}

int main(void)
{
	RUN(queue_online_follows_available_operators);
	RUN(first_accept_wins);
	RUN(failed_accept_reopens_the_chat);
	RUN(ended_chats_cannot_be_taken_or_written);
	RUN(only_the_holder_writes);
	RUN(followers_and_forgetting);
	RUN(operators_attach_and_detach);
	CHECK_EXIT();
}
