/*
 * audit_test.c - the audit log's store functions against a temporary
 * database: entries come back newest first per account only, keyset pages
 * by id, the command line's entries have no actor id, bad limits are
 * refused, and an entry written inside a savepoint that is rolled back (a
 * change that failed) is gone with it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "store/store.h"

static char dir[64];
static int64_t alpha, beta;

static struct store *fresh_store(void)
{
	struct store *st = NULL;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0 || store_open(&st, dir) < 0)
		return NULL;
	store_account_add(st, "Alpha", "", &alpha);
	store_account_add(st, "Beta", "", &beta);
	return st;
}

static int add(struct store *st, int64_t account, int64_t actor, const char *target)
{
	struct store_audit e;

	memset(&e, 0, sizeof(e));
	e.account_id = account;
	e.at = 1000;
	e.actor_id = actor;
	snprintf(e.actor, sizeof(e.actor), "%s", actor ? "bob" : STORE_AUDIT_ACTOR_CLI);
	snprintf(e.action, sizeof(e.action), "%s", STORE_AUDIT_QUEUE_ADD);
	snprintf(e.target, sizeof(e.target), "%s", target);
	snprintf(e.detail, sizeof(e.detail), "title \"%s\"", target);
	return store_audit_add(st, &e);
}

struct seen {
	int n;
	int64_t ids[16];
	char targets[16][16];
	int64_t actors[16];
};

static int collect(void *arg, const struct store_audit *e)
{
	struct seen *s = arg;

	if (s->n < 16) {
		s->ids[s->n] = e->id;
		s->actors[s->n] = e->actor_id;
		snprintf(s->targets[s->n], sizeof(s->targets[0]), "%.15s", e->target);
	}
	s->n++;
	return 0;
}

static void pages_per_account(void)
{
	struct store *st = fresh_store();
	struct seen s = { 0 };
	struct store_operator o = { .username = "bob", .name = "Bob", .pwhash = "x" };

	CHECK(st != NULL);
	if (!st)
		return;
	o.account_id = alpha;
	CHECK_EQ(store_operator_add(st, &o, &o.id), 0);
	CHECK_EQ(add(st, alpha, o.id, "a1"), 0);
	CHECK_EQ(add(st, beta, 0, "b1"), 0);
	CHECK_EQ(add(st, alpha, 0, "a2"), 0);
	CHECK_EQ(add(st, alpha, o.id, "a3"), 0);

	CHECK_EQ(store_audit_list(st, alpha, 0, 2, collect, &s), 0);
	CHECK_EQ(s.n, 2);
	CHECK(!strcmp(s.targets[0], "a3") && !strcmp(s.targets[1], "a2"));
	CHECK_EQ(s.actors[0], o.id);
	CHECK_EQ(s.actors[1], 0);
	CHECK(s.ids[0] > s.ids[1]);

	memset(&s, 0, sizeof(s));
	CHECK_EQ(store_audit_list(st, alpha, 3, 10, collect, &s), 0);  /* before a2's id */
	CHECK_EQ(s.n, 1);
	CHECK(!strcmp(s.targets[0], "a1"));

	memset(&s, 0, sizeof(s));
	CHECK_EQ(store_audit_list(st, beta, 0, 10, collect, &s), 0);
	CHECK_EQ(s.n, 1);
	CHECK(!strcmp(s.targets[0], "b1"));

	CHECK_EQ(store_audit_list(st, alpha, 0, 0, collect, &s), -EINVAL);
	CHECK_EQ(store_audit_list(st, alpha, 0, STORE_AUDIT_PAGE_MAX + 1, collect, &s), -EINVAL);
	/* An entry for an account that does not exist is refused (foreign key). */
	CHECK(add(st, 999, 0, "nobody") < 0);
	store_free(st);
}

static void rolled_back_with_the_change(void)
{
	struct store *st = fresh_store();
	struct seen s = { 0 };

	CHECK(st != NULL);
	if (!st)
		return;
	CHECK_EQ(store_begin(st), 0);
	CHECK_EQ(store_savepoint(st), 0);
	CHECK_EQ(add(st, alpha, 0, "kept"), 0);
	store_savepoint_release(st, true);
	CHECK_EQ(store_savepoint(st), 0);
	CHECK_EQ(add(st, alpha, 0, "failed"), 0);
	store_savepoint_release(st, false);
	CHECK_EQ(store_commit(st), 0);

	CHECK_EQ(store_audit_list(st, alpha, 0, 10, collect, &s), 0);
	CHECK_EQ(s.n, 1);
	CHECK(!strcmp(s.targets[0], "kept"));
	store_free(st);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/refdesk-audit-test-%d", (int)getpid());
	RUN(pages_per_account);
	RUN(rolled_back_with_the_change);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	CHECK_EXIT();
}
