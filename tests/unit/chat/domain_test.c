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

static void chat_ids_grow_with_time_and_never_repeat(void)
{
	int64_t last = 0, a, b, c;

	a = chat_next_id(&last, 1000, 0);
	b = chat_next_id(&last, 1000, 0);   /* same millisecond: the next one */
	c = chat_next_id(&last, 999, 0);    /* the clock went back: still above */
	CHECK_EQ(a, 1000 << 10);
	CHECK_EQ(b, a + 1);
	CHECK_EQ(c, b + 1);
	CHECK_EQ(chat_next_id(&last, 2000, 0), 2000 << 10);
	CHECK_EQ(last, 2000 << 10);
	/* Two processes in one millisecond, each with its salt: two ids. */
	last = 0;
	a = chat_next_id(&last, 3000, 5);
	last = 0;
	b = chat_next_id(&last, 3000, 700);
	CHECK_EQ(a, (3000 << 10) + 5);
	CHECK_EQ(b, (3000 << 10) + 700);
	CHECK_EQ(chat_next_id(&last, 3000, 2048 + 700), b + 1); /* the salt stays below 1,024 */
}

static void a_new_chat_rings_the_available_operators_only(void)
{
	struct domain d;
	struct queue_live *q;
	struct chat_live *c;
	const int64_t *ring;
	size_t n;

	domain_init(&d);
	c = waiting_chat(&d, 1);
	CHECK(domain_offer_targets(&d, c, &n) == NULL);  /* a queue nobody staffs */
	CHECK_EQ(n, 0);
	q = domain_queue_add(&d, 10, 1, "ask");
	queue_set_available(q, 7, true);
	queue_set_available(q, 8, true);
	queue_set_available(q, 8, false);
	domain_queue_add(&d, 11, 1, "other");
	queue_set_available(domain_queue(&d, 11), 9, true);
	ring = domain_offer_targets(&d, c, &n);
	CHECK_EQ(n, 1);
	CHECK(n == 1 && ring[0] == 7);
	domain_release(&d);
}

static void only_an_operator_offered_the_chat_may_accept_it_while_it_waits(void)
{
	struct domain d;
	struct chat_live *c;

	domain_init(&d);
	c = waiting_chat(&d, 1);
	CHECK_EQ(chat_may_accept(c, 7), -ENOTOFFERED);
	chat_offer(c, 7);
	CHECK_EQ(chat_may_accept(c, 7), 0);
	CHECK_EQ(chat_may_accept(c, 8), -ENOTOFFERED);
	CHECK_EQ(chat_accept_begin(c, 7, "Ann"), 0);
	/* Taken: the question is no longer whether it was offered, but who has it. */
	CHECK_EQ(chat_may_accept(c, 8), 0);
	CHECK_EQ(chat_accept_begin(c, 8, "Bob"), -EALREADY);
	domain_release(&d);
}

static void ending_stops_writes_and_can_be_undone(void)
{
	struct domain d;
	struct chat_live *c;

	domain_init(&d);
	c = waiting_chat(&d, 1);
	CHECK_EQ(chat_end_begin(c), CHAT_WAITING);
	CHECK_EQ(chat_may_write(c, AUTHOR_GUEST, 0), -ECANCELED);
	CHECK(chat_end_withdraws_offers(CHAT_WAITING));
	CHECK(!chat_end_withdraws_offers(CHAT_ACTIVE));
	chat_end_undo(c, CHAT_WAITING);  /* the end did not commit */
	CHECK_EQ(chat_may_write(c, AUTHOR_GUEST, 0), 0);
	domain_release(&d);
}

static void a_waiting_chat_whose_guest_left_is_abandoned_after_the_grace(void)
{
	struct domain d;
	struct chat_live *c;

	domain_init(&d);
	c = waiting_chat(&d, 1);
	CHECK(!chat_abandoned(c, 1000000, 120000));     /* the guest is there */
	chat_guest_left(c, 1000000);
	CHECK(!chat_abandoned(c, 1000000 + 119999, 120000));
	CHECK(chat_abandoned(c, 1000000 + 120000, 120000));
	chat_guest_back(c);                              /* came back in time */
	CHECK(!chat_abandoned(c, 1000000 + 500000, 120000));
	chat_guest_left(c, 0);                           /* left at the clock's zero */
	CHECK(chat_abandoned(c, 120001, 120000));
	c->status = CHAT_ACTIVE;                         /* someone took it: never abandoned */
	CHECK(!chat_abandoned(c, 10000000, 120000));
	domain_release(&d);
}

static void status_names_read_back(void)
{
	enum chat_status s = CHAT_ENDED;

	CHECK(!strcmp(chat_status_name(CHAT_WAITING), "waiting"));
	CHECK(!strcmp(chat_status_name(CHAT_ACTIVE), "active"));
	CHECK(!strcmp(chat_status_name(CHAT_ENDED), "ended"));
	CHECK(chat_status_parse("waiting", &s) == 0 && s == CHAT_WAITING);
	CHECK(chat_status_parse("active", &s) == 0 && s == CHAT_ACTIVE);
	CHECK(chat_status_parse("ended", &s) == 0 && s == CHAT_ENDED);
	s = CHAT_ACTIVE;
	CHECK(chat_status_parse("Ended", &s) == -EINVAL && s == CHAT_ACTIVE);
	CHECK(chat_status_parse("", &s) == -EINVAL);
	CHECK(chat_status_parse("endedx", &s) == -EINVAL);
}

/* An active chat held by Ann (7). */
static struct chat_live *held_chat(struct domain *d, int64_t id)
{
	struct chat_live *c = waiting_chat(d, id);

	chat_offer(c, 7);
	CHECK_EQ(chat_accept_begin(c, 7, "Ann"), 0);
	chat_accept_done(c, true);
	return c;
}

static void only_the_holder_may_transfer_an_active_chat(void)
{
	struct domain d;
	struct chat_live *c;
	int64_t bob = 8;

	domain_init(&d);
	c = waiting_chat(&d, 1);
	CHECK_EQ(chat_may_transfer(c, 7, false, true), -EAGAIN); /* nobody holds it yet */
	chat_offer(c, 7);
	CHECK_EQ(chat_accept_begin(c, 7, "Ann"), 0);
	CHECK_EQ(chat_may_transfer(c, 7, false, true), -EBUSY); /* her accept is not on disk */
	chat_accept_done(c, true);
	CHECK_EQ(chat_may_transfer(c, 7, false, true), 0);
	CHECK_EQ(chat_may_transfer(c, 8, false, true), -EPERM);
	CHECK_EQ(chat_may_transfer(c, 8, true, true), -EPERM);   /* an admin, but Ann is here */
	CHECK_EQ(chat_may_transfer(c, 8, true, false), 0);       /* Ann is gone: an admin may */
	CHECK_EQ(chat_may_transfer(c, 9, false, false), -EPERM); /* nobody else */
	CHECK_EQ(chat_transfer_begin(c, 7, "Ann", 8, 0, &bob, 1, "", 0, 60000), 0);
	CHECK_EQ(chat_may_transfer(c, 7, false, true), -EBUSY);  /* one at a time */
	chat_end_begin(c);
	CHECK_EQ(chat_may_transfer(c, 7, false, true), -ECANCELED);
	domain_release(&d);
}

static void a_transfer_never_rings_the_sender(void)
{
	struct domain d;
	struct chat_live *c;
	int64_t only_ann[] = { 7 }, ann_and_bob[] = { 7, 8, 8 };

	domain_init(&d);
	c = held_chat(&d, 1);
	CHECK_EQ(chat_transfer_begin(c, 7, "Ann", 7, 0, only_ann, 1, "", 0, 60000), -EINVAL);
	CHECK_EQ(chat_transfer_begin(c, 7, "Ann", 0, 10, only_ann, 1, "", 0, 60000), -ENOENT);
	CHECK(!c->transfer.pending);
	CHECK_EQ(chat_transfer_begin(c, 7, "Ann", 0, 10, ann_and_bob, 3, "", 0, 60000), 0);
	CHECK_EQ(c->transfer.nrung, 1);
	CHECK(chat_transfer_rings(c, 8));
	CHECK(!chat_transfer_rings(c, 7));
	domain_release(&d);
}

static void accepting_a_transfer_hands_the_chat_over(void)
{
	struct domain d;
	struct chat_live *c;
	int64_t bob = 8;

	domain_init(&d);
	c = held_chat(&d, 1);
	CHECK_EQ(chat_transfer_accept_begin(c, 8), -ENOENT); /* nothing asked */
	CHECK_EQ(chat_transfer_begin(c, 7, "Ann", 8, 0, &bob, 1, "needs maps", 1000, 60000), 0);
	CHECK(!strcmp(c->transfer.note, "needs maps"));
	CHECK_EQ(chat_transfer_accept_begin(c, 9), -ENOTOFFERED);
	/* Until Bob's accept commits, Ann still holds the chat and may write. */
	CHECK_EQ(chat_transfer_accept_begin(c, 8), 0);
	CHECK_EQ(chat_may_write(c, AUTHOR_OPERATOR, 7), 0);
	CHECK(!chat_transfer_expired(c, 999999)); /* an accept in flight is not cut off */
	chat_transfer_accept_done(c, false, 8, "Bob", 0);
	CHECK(c->transfer.pending); /* a failed commit: the transfer waits on */
	CHECK_EQ(c->operator_id, 7);
	CHECK_EQ(chat_transfer_accept_begin(c, 8), 0);
	chat_transfer_accept_done(c, true, 8, "Bob", 0);
	CHECK(!c->transfer.pending);
	CHECK_EQ(c->operator_id, 8);
	CHECK(!strcmp(c->operator_name, "Bob"));
	CHECK_EQ(c->queue_id, 10);
	CHECK_EQ(chat_may_write(c, AUTHOR_OPERATOR, 7), -EPERM);
	CHECK_EQ(chat_may_write(c, AUTHOR_OPERATOR, 8), 0);
	CHECK_EQ(chat_may_transfer(c, 8, false, true), 0);
	domain_release(&d);
}

static void two_colleagues_accepting_a_queue_transfer_one_wins(void)
{
	struct domain d;
	struct chat_live *c;
	int64_t rung[] = { 8, 9 };

	domain_init(&d);
	c = held_chat(&d, 1);
	CHECK_EQ(chat_transfer_begin(c, 7, "Ann", 0, 11, rung, 2, "", 0, 60000), 0);
	CHECK_EQ(chat_transfer_accept_begin(c, 9), 0);
	CHECK_EQ(chat_transfer_accept_begin(c, 8), -EALREADY);
	chat_transfer_accept_done(c, true, 9, "Cy", 11);
	/* Bob a moment late, after the commit: still told someone was first. */
	CHECK_EQ(chat_transfer_accept_begin(c, 8), -EALREADY);
	CHECK_EQ(c->taken_by, 9);
	CHECK_EQ(chat_transfer_accept_begin(c, 12), -ENOENT); /* never rung: nothing waits for them */
	CHECK_EQ(chat_transfer_accept_begin(c, 7), -ENOENT);  /* nor for the sender */
	CHECK_EQ(chat_transfer_accept_begin(c, 9), -ENOENT); /* Cy's second click */
	CHECK_EQ(c->operator_id, 9);
	CHECK_EQ(c->queue_id, 11); /* it now belongs to the queue it was sent to */
	/* A new transfer forgets the old answer. */
	CHECK_EQ(chat_transfer_begin(c, 9, "Cy", 8, 0, rung, 1, "", 0, 60000), 0);
	CHECK_EQ(c->taken_by, 0);
	chat_transfer_end(c);
	CHECK_EQ(chat_transfer_accept_begin(c, 8), -ENOENT);
	domain_release(&d);
}

static void declines_and_the_deadline_give_the_chat_back(void)
{
	struct domain d;
	struct chat_live *c;
	int64_t rung[] = { 8, 9 };
	bool last;

	domain_init(&d);
	c = held_chat(&d, 1);
	CHECK_EQ(chat_transfer_decline(c, 8, &last), -ENOENT);
	CHECK_EQ(chat_transfer_begin(c, 7, "Ann", 0, 11, rung, 2, "", 1000, 60000), 0);
	CHECK_EQ(chat_transfer_decline(c, 8, &last), 0);
	CHECK(!last); /* Cy is still rung */
	CHECK_EQ(chat_transfer_decline(c, 8, &last), -ENOTOFFERED);
	CHECK_EQ(chat_transfer_accept_begin(c, 8), -ENOTOFFERED); /* a decline is final */
	CHECK_EQ(chat_transfer_decline(c, 9, &last), 0);
	CHECK(last);
	CHECK(!chat_transfer_requeues(c)); /* back to Ann */
	chat_transfer_end(c);
	CHECK(!c->transfer.pending);
	CHECK_EQ(c->operator_id, 7);

	CHECK_EQ(chat_transfer_begin(c, 7, "Ann", 0, 11, rung, 2, "", 1000, 60000), 0);
	CHECK(!chat_transfer_expired(c, 60999));
	CHECK(chat_transfer_expired(c, 61000));
	chat_transfer_end(c);
	CHECK(!chat_transfer_expired(c, 99999));
	domain_release(&d);
}

static void a_transfer_whose_sender_is_gone_ends_on_the_queue(void)
{
	struct domain d;
	struct chat_live *c;
	int64_t bob = 8;

	domain_init(&d);
	c = held_chat(&d, 1);
	/* An admin (5) moves Ann's chat while Ann is gone. */
	CHECK_EQ(chat_transfer_begin(c, 5, "Admin", 8, 0, &bob, 1, "", 0, 60000), 0);
	CHECK(chat_transfer_requeues(c));
	chat_transfer_end(c);
	chat_requeue(c, 0);
	CHECK_EQ(c->status, CHAT_WAITING);
	CHECK_EQ(c->queue_id, 10);
	CHECK_EQ(c->operator_id, 0);
	CHECK_EQ(chat_may_accept(c, 7), -ENOTOFFERED); /* rung afresh, as a new chat */
	chat_offer(c, 8);
	CHECK_EQ(chat_accept_begin(c, 8, "Bob"), 0);
	domain_release(&d);

	/* Sent to queue 3: it waits there. */
	domain_init(&d);
	c = held_chat(&d, 1);
	CHECK_EQ(chat_transfer_begin(c, 5, "Admin", 0, 3, &bob, 1, "", 0, 60000), 0);
	chat_transfer_end(c);
	chat_requeue(c, 3);
	CHECK_EQ(c->queue_id, 3);
	domain_release(&d);
}

/* Block guest: the holder of an active chat; an operator it was offered to while it waits. */
/* An admin's take-over being written: a second one, or a transfer, is busy until it is. */
static void a_take_over_in_flight_is_busy(void)
{
	struct domain d;
	struct chat_live *c;

	domain_init(&d);
	c = held_chat(&d, 1);
	CHECK_EQ(chat_may_transfer(c, 5, true, false), 0);
	c->transfer.accepting = 5;
	CHECK_EQ(chat_may_transfer(c, 6, true, false), -EBUSY);
	CHECK_EQ(chat_may_transfer(c, 7, false, true), -EBUSY);
	chat_transfer_accept_done(c, false, 0, "", 0);
	CHECK_EQ(chat_may_transfer(c, 6, true, false), 0);
	domain_release(&d);
}

static void who_may_block_the_guest(void)
{
	struct domain d;
	struct chat_live *c;

	domain_init(&d);
	c = waiting_chat(&d, 1);
	chat_offer(c, 7);
	CHECK_EQ(chat_may_block(c, 7), 0);
	CHECK_EQ(chat_may_block(c, 8), -ENOTOFFERED);
	CHECK_EQ(chat_accept_begin(c, 7, "Ann"), 0);
	CHECK_EQ(chat_may_block(c, 7), -EAGAIN);  /* the accept is being written */
	chat_accept_done(c, true);
	CHECK_EQ(chat_may_block(c, 7), 0);
	CHECK_EQ(chat_may_block(c, 8), -EPERM);
	chat_end_begin(c);
	CHECK_EQ(chat_may_block(c, 7), -ECANCELED);
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
	RUN(chat_ids_grow_with_time_and_never_repeat);
	RUN(a_new_chat_rings_the_available_operators_only);
	RUN(only_an_operator_offered_the_chat_may_accept_it_while_it_waits);
	RUN(ending_stops_writes_and_can_be_undone);
	RUN(a_waiting_chat_whose_guest_left_is_abandoned_after_the_grace);
	RUN(status_names_read_back);
	RUN(only_the_holder_may_transfer_an_active_chat);
	RUN(a_transfer_never_rings_the_sender);
	RUN(accepting_a_transfer_hands_the_chat_over);
	RUN(two_colleagues_accepting_a_queue_transfer_one_wins);
	RUN(declines_and_the_deadline_give_the_chat_back);
	RUN(a_transfer_whose_sender_is_gone_ends_on_the_queue);
	RUN(who_may_block_the_guest);
	RUN(a_take_over_in_flight_is_busy);
	CHECK_EXIT();
}
