/*
 * canned_test.c - saved replies in the store: the owner is part of every
 * write (a reply that is not the owner's reads as missing), the limit per
 * owner, and the list (shared first, then the operator's own, by name).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "store/store.h"

static char dir[64];
static int64_t alpha, beta, ann, bob;

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
	memset(&o, 0, sizeof(o));
	o.account_id = alpha;
	snprintf(o.username, sizeof(o.username), "ann");
	snprintf(o.pwhash, sizeof(o.pwhash), "x");
	store_operator_add(st, &o, &ann);
	snprintf(o.username, sizeof(o.username), "bob");
	store_operator_add(st, &o, &bob);
	return st;
}

static struct store_canned *reply(int64_t account, int64_t op, const char *name, const char *text)
{
	static struct store_canned c;

	memset(&c, 0, sizeof(c));
	c.account_id = account;
	c.operator_id = op;
	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.text, sizeof(c.text), "%s", text);
	return &c;
}

struct names {
	int n;
	char all[256];
};

static int collect(void *ctx, const struct store_canned *c)
{
	struct names *s = ctx;
	size_t len = strlen(s->all);

	snprintf(s->all + len, sizeof(s->all) - len, "%s%s%s", s->n++ ? "," : "",
		 c->operator_id ? "" : "*", c->name);
	return 0;
}

static struct names names_of(struct store *st, int64_t account, int64_t op)
{
	struct names s = { 0, "" };

	CHECK_EQ(store_canned_list(st, account, op, collect, &s), 0);
	return s;
}

static void owner_in_every_write(void)
{
	struct store *st = fresh_store();
	struct store_canned *c, got;
	int64_t shared, own;

	CHECK(st != NULL);
	c = reply(alpha, 0, "hours", "Open {guest}");
	CHECK_EQ(store_canned_add(st, c, 10), 0);
	shared = c->id;
	c = reply(alpha, ann, "bye", "Bye");
	CHECK_EQ(store_canned_add(st, c, 10), 0);
	own = c->id;
	CHECK_EQ(store_canned_get(st, own, &got), 0);
	CHECK_EQ(got.operator_id, ann);
	CHECK(!strcmp(got.text, "Bye"));
	CHECK_EQ(store_canned_get(st, shared, &got), 0);
	CHECK_EQ(got.operator_id, 0);
	CHECK(!strcmp(got.text, "Open {guest}"));

	/* Someone else's, or shared named as personal: missing, and unchanged. */
	c = reply(alpha, bob, "x", "x");
	c->id = own;
	CHECK_EQ(store_canned_update(st, c), -ENOENT);
	c = reply(beta, 0, "x", "x");
	c->id = shared;
	CHECK_EQ(store_canned_update(st, c), -ENOENT);
	c = reply(alpha, ann, "x", "x");
	c->id = shared;
	CHECK_EQ(store_canned_update(st, c), -ENOENT);
	CHECK_EQ(store_canned_delete(st, own, alpha, bob), -ENOENT);
	CHECK_EQ(store_canned_delete(st, own, alpha, 0), -ENOENT);
	CHECK_EQ(store_canned_delete(st, shared, beta, 0), -ENOENT);
	CHECK_EQ(store_canned_delete(st, shared, alpha, ann), -ENOENT);
	CHECK(!strcmp(names_of(st, alpha, ann).all, "*hours,bye"));

	/* The owner's own write works. */
	c = reply(alpha, 0, "Hours", "Open at 9");
	c->id = shared;
	CHECK_EQ(store_canned_update(st, c), 0);
	CHECK_EQ(store_canned_get(st, shared, &got), 0);
	CHECK(!strcmp(got.text, "Open at 9"));
	CHECK_EQ(store_canned_delete(st, own, alpha, ann), 0);
	CHECK_EQ(store_canned_get(st, own, &got), -ENOENT);
	CHECK_EQ(store_canned_delete(st, own, alpha, ann), -ENOENT);
	store_free(st);
}

static void limit_and_list(void)
{
	struct store *st = fresh_store();
	char name[16];
	int i;

	CHECK(st != NULL);
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "%c", "cab"[i]);
		CHECK_EQ(store_canned_add(st, reply(alpha, ann, name, "t"), 3), 0);
	}
	CHECK_EQ(store_canned_add(st, reply(alpha, ann, "d", "t"), 3), -EDQUOT);
	/* Each owner counts apart. */
	CHECK_EQ(store_canned_add(st, reply(alpha, bob, "B", "t"), 3), 0);
	CHECK_EQ(store_canned_add(st, reply(alpha, 0, "Z", "t"), 3), 0);
	CHECK_EQ(store_canned_add(st, reply(beta, 0, "beta", "t"), 3), 0);
	CHECK(!strcmp(names_of(st, alpha, ann).all, "*Z,a,b,c"));
	CHECK(!strcmp(names_of(st, alpha, bob).all, "*Z,B"));
	CHECK(!strcmp(names_of(st, alpha, 0).all, "*Z"));
	CHECK(!strcmp(names_of(st, beta, ann).all, "*beta"));
	store_free(st);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/refdesk-canned-test-%d", (int)getpid());
	RUN(owner_in_every_write);
	RUN(limit_and_list);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	CHECK_EXIT();
}
