/*
 * followups_test.c - follow-ups in the store: one answer at a time (a second
 * while one is sending or delivered is -EALREADY), delivery erases the
 * address, failures retry and then give up keeping the address for another
 * answer, the keep time erases old addresses, the outbox yields what is due,
 * and a chat's transcript is marked as mailed once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "store/store.h"

static char dir[64];
static int64_t alpha, beta, queue, ann;

static struct store *fresh_store(void)
{
	struct store_operator o;
	struct store *st = NULL;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0 || store_open(&st, dir) < 0)
		return NULL;
	store_account_add(st, "Alpha", "", &alpha);
	store_account_add(st, "Beta", "", &beta);
	store_queue_add(st, alpha, "alpha", "Alpha Ask", &queue);
	memset(&o, 0, sizeof(o));
	o.account_id = alpha;
	snprintf(o.username, sizeof(o.username), "ann");
	snprintf(o.pwhash, sizeof(o.pwhash), "x");
	store_operator_add(st, &o, &ann);
	return st;
}

static int64_t add_question(struct store *st, const char *email)
{
	static struct store_followup f;

	memset(&f, 0, sizeof(f));
	f.account_id = alpha;
	f.queue_id = queue;
	snprintf(f.question, sizeof(f.question), "When do you open?");
	snprintf(f.email, sizeof(f.email), "%s", email);
	return store_followup_add(st, &f) == 0 ? f.id : -1;
}

static void answer_deliver_erase(void)
{
	struct store *st = fresh_store();
	struct store_followup f;
	int64_t id, n = -1;

	CHECK(st != NULL);
	if (!st)
		return;
	id = add_question(st, "pat@example.org");
	CHECK(id > 0);
	CHECK_EQ(store_followup_count_open(st, alpha, &n), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(store_followup_due(st, 1000, &f), -ENOENT);
	/* Another account cannot answer it. */
	CHECK_EQ(store_followup_answer(st, id, beta, ann, "No", 10), -ENOENT);
	CHECK_EQ(store_followup_answer(st, id, alpha, ann, "At nine.", 10), 0);
	CHECK_EQ(store_followup_answer(st, id, alpha, ann, "Again", 11), -EALREADY);
	CHECK_EQ(store_followup_due(st, 9, &f), -ENOENT);
	CHECK_EQ(store_followup_due(st, 10, &f), 0);
	CHECK_EQ(f.id, id);
	CHECK(!strcmp(f.email, "pat@example.org") && !strcmp(f.answer, "At nine."));
	CHECK_EQ(store_followup_delivered(st, id, 20), 0);
	CHECK_EQ(store_followup_get(st, id, &f), 0);
	CHECK_EQ(f.status, FOLLOWUP_ANSWERED);
	CHECK_EQ(f.email[0], '\0');
	CHECK_EQ(f.delivered_at, 20);
	CHECK_EQ(f.attempts, 1);
	CHECK_EQ(store_followup_answer(st, id, alpha, ann, "Again", 30), -EALREADY);
	CHECK_EQ(store_followup_count_open(st, alpha, &n), 0);
	CHECK_EQ(n, 0);
	store_free(st);
}

static void retries_then_not_delivered(void)
{
	struct store *st = fresh_store();
	struct store_followup f;
	int64_t id;

	CHECK(st != NULL);
	if (!st)
		return;
	id = add_question(st, "pat@example.org");
	CHECK_EQ(store_followup_answer(st, id, alpha, ann, "Yes.", 10), 0);
	CHECK_EQ(store_followup_failed(st, id, "refused", 500), 0);
	CHECK_EQ(store_followup_due(st, 499, &f), -ENOENT);
	CHECK_EQ(store_followup_due(st, 500, &f), 0);
	CHECK_EQ(f.attempts, 1);
	CHECK(!strcmp(f.last_error, "refused"));
	CHECK_EQ(store_followup_failed(st, id, "refused again", 0), 0);
	CHECK_EQ(store_followup_get(st, id, &f), 0);
	CHECK_EQ(f.status, FOLLOWUP_NOT_DELIVERED);
	CHECK_EQ(f.attempts, 2);
	CHECK(!strcmp(f.email, "pat@example.org"));
	CHECK_EQ(store_followup_due(st, 1 << 30, &f), -ENOENT);
	/* A failure recorded after it stopped sending changes nothing. */
	CHECK_EQ(store_followup_failed(st, id, "late", 0), -ENOENT);
	/* Answered again: tried afresh. */
	CHECK_EQ(store_followup_answer(st, id, alpha, ann, "Yes, again.", 600), 0);
	CHECK_EQ(store_followup_get(st, id, &f), 0);
	CHECK_EQ(f.status, FOLLOWUP_SENDING);
	CHECK_EQ(f.attempts, 0);
	CHECK_EQ(f.last_error[0], '\0');
	store_free(st);
}

static void old_addresses_are_erased_whatever_the_status(void)
{
	struct store *st = fresh_store();
	struct store_followup f;
	int64_t open, sending;

	CHECK(st != NULL);
	if (!st)
		return;
	open = add_question(st, "old@example.org");
	sending = add_question(st, "busy@example.org");
	CHECK_EQ(store_followup_answer(st, sending, alpha, ann, "Yes.", 10), 0);
	CHECK_EQ(store_followup_erase_old(st, 0, false), 0); /* nothing that old */
	CHECK_EQ(store_followup_get(st, open, &f), 0);
	CHECK(!strcmp(f.email, "old@example.org"));
	CHECK_EQ(store_followup_get(st, sending, &f), 0);
	CHECK_EQ(f.status, FOLLOWUP_SENDING);
	CHECK_EQ(store_followup_erase_old(st, INT64_MAX, false), 0);
	CHECK_EQ(store_followup_get(st, open, &f), 0);
	CHECK_EQ(f.email[0], '\0');
	CHECK_EQ(store_followup_answer(st, open, alpha, ann, "Too late", 20), -ENODATA);
	/* One stuck in the outbox past the keep time loses its address too, and is not sent. */
	CHECK_EQ(store_followup_get(st, sending, &f), 0);
	CHECK_EQ(f.email[0], '\0');
	CHECK_EQ(f.status, FOLLOWUP_NOT_DELIVERED);
	CHECK(f.last_error[0] != '\0');
	CHECK_EQ(store_followup_due(st, INT64_MAX, &f), -ENOENT);
	/* Its mail was in flight meanwhile and arrived: it is delivered, not "erased". */
	CHECK_EQ(store_followup_delivered(st, sending, 40), 0);
	CHECK_EQ(store_followup_get(st, sending, &f), 0);
	CHECK_EQ(f.status, FOLLOWUP_ANSWERED);
	CHECK_EQ(f.last_error[0], '\0');
	store_free(st);
}

static void without_mail_the_outbox_is_not_delivered(void)
{
	struct store *st = fresh_store();
	struct store_followup f;
	int64_t sending;

	CHECK(st != NULL);
	if (!st)
		return;
	sending = add_question(st, "wait@example.org");
	CHECK_EQ(store_followup_answer(st, sending, alpha, ann, "Yes.", 10), 0);
	CHECK_EQ(store_followup_erase_old(st, 0, true), 0);
	CHECK_EQ(store_followup_get(st, sending, &f), 0);
	CHECK_EQ(f.status, FOLLOWUP_NOT_DELIVERED);
	CHECK(!strcmp(f.last_error, "The server was started without mail."));
	CHECK(!strcmp(f.email, "wait@example.org")); /* young: staff may answer again once mail is back */
	CHECK_EQ(store_followup_due(st, INT64_MAX, &f), -ENOENT);
	store_free(st);
}

static void a_transcript_is_mailed_once(void)
{
	struct store *st = fresh_store();
	struct store_chat c;

	CHECK(st != NULL);
	if (!st)
		return;
	memset(&c, 0, sizeof(c));
	c.id = 1;
	snprintf(c.public_id, sizeof(c.public_id), "c_test");
	c.account_id = alpha;
	c.queue_id = queue;
	CHECK_EQ(store_chat_add(st, &c), 0);
	CHECK_EQ(store_chat_mark_mailed(st, 1, 5), 0);
	CHECK_EQ(store_chat_mark_mailed(st, 1, 6), -EEXIST);
	store_free(st);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/refdesk-followups-test-%d", (int)getpid());
	RUN(answer_deliver_erase);
	RUN(retries_then_not_delivered);
	RUN(old_addresses_are_erased_whatever_the_status);
	RUN(without_mail_the_outbox_is_not_delivered);
	RUN(a_transcript_is_mailed_once);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	CHECK_EXIT();
}
