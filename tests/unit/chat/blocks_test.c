/*
 * blocks_test.c - Block guest's address rule: IPv4 /32, IPv6 /64 (an
 * IPv4-mapped address is its IPv4 one), keys that differ per list (the
 * random key), blocks per account, expiry, lifting.
 */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "chat/blocks.h"
#include "check.h"

static struct blocks list;

static bool same(const char *a, const char *b)
{
	unsigned char ka[BLOCK_KEY_BYTES], kb[BLOCK_KEY_BYTES];

	CHECK_EQ(blocks_key_of(&list, a, ka), 0);
	CHECK_EQ(blocks_key_of(&list, b, kb), 0);
	return memcmp(ka, kb, sizeof(ka)) == 0;
}

static void ipv4_is_one_address(void)
{
	CHECK(same("192.0.2.10", "192.0.2.10"));
	CHECK(!same("192.0.2.10", "192.0.2.11"));
	CHECK(same("::ffff:192.0.2.10", "192.0.2.10"));
	CHECK(!same("::ffff:192.0.2.10", "::ffff:192.0.2.11"));
}

static void ipv6_is_its_slash_64(void)
{
	CHECK(same("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"));
	CHECK(same("2001:db8:1:2:aaaa::", "2001:0db8:0001:0002:0000:0000:0000:0009"));
	CHECK(!same("2001:db8:1:2::1", "2001:db8:1:3::1"));  /* the next /64 */
	CHECK(!same("2001:db8:1:2::1", "2001:db9:1:2::1"));
	/* An IPv6 prefix whose first bytes spell an IPv4 address is not that address. */
	CHECK(!same("c000:20a::", "192.0.2.10"));
}

static void only_addresses_have_keys(void)
{
	unsigned char k[BLOCK_KEY_BYTES];

	CHECK_EQ(blocks_key_of(&list, "", k), -EINVAL);
	CHECK_EQ(blocks_key_of(&list, "localhost", k), -EINVAL);
	CHECK_EQ(blocks_key_of(&list, "192.0.2.300", k), -EINVAL);
	CHECK_EQ(blocks_key_of(&list, "192.0.2.1/24", k), -EINVAL);
}

static void keys_differ_between_lists(void)
{
	unsigned char a[BLOCK_KEY_BYTES], b[BLOCK_KEY_BYTES];
	struct blocks other;

	blocks_init(&other);
	CHECK_EQ(blocks_key_of(&list, "192.0.2.10", a), 0);
	CHECK_EQ(blocks_key_of(&other, "192.0.2.10", b), 0);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	blocks_release(&other);
}

static void blocks_hold_per_account_until_they_end(void)
{
	struct blocks b;
	struct block t, got;
	unsigned char key[BLOCK_KEY_BYTES], other[BLOCK_KEY_BYTES];

	blocks_init(&b);
	CHECK_EQ(blocks_key_of(&b, "198.51.100.7", key), 0);
	CHECK_EQ(blocks_key_of(&b, "198.51.100.8", other), 0);
	memset(&t, 0, sizeof(t));
	t.account_id = 1;
	t.hours = 1;
	t.created_at = 1000;
	t.until = 1000 + 3600000;
	memcpy(t.key, key, sizeof(key));
	CHECK_EQ(blocks_add(&b, &t, 1000), 0);
	CHECK_EQ(t.id, 1);
	CHECK(blocks_is_blocked(&b, 1, key, 2000));
	CHECK(!blocks_is_blocked(&b, 1, other, 2000));
	CHECK(!blocks_is_blocked(&b, 2, key, 2000));     /* another library's box */
	CHECK(blocks_is_blocked(&b, 1, key, t.until - 1));
	CHECK(!blocks_is_blocked(&b, 1, key, t.until));  /* over */
	CHECK_EQ(b.n, 0);

	t.until = 1000 + 3600000;
	CHECK_EQ(blocks_add(&b, &t, 1000), 0);
	CHECK_EQ(t.id, 2);
	CHECK_EQ(blocks_lift(&b, 2, 2, 2000, &got), -ENOENT); /* another account's admin */
	CHECK_EQ(blocks_lift(&b, 3, 1, 2000, &got), -ENOENT);
	CHECK_EQ(blocks_lift(&b, 2, 1, 2000, &got), 0);
	CHECK_EQ(got.id, 2);
	CHECK(!blocks_is_blocked(&b, 1, key, 2000));
	CHECK_EQ(blocks_lift(&b, 2, 1, 2000, &got), -ENOENT);
	blocks_release(&b);
}

static struct block a_block(struct blocks *b, int64_t account_id, const char *addr)
{
	struct block t;

	memset(&t, 0, sizeof(t));
	t.account_id = account_id;
	t.hours = 1;
	t.created_at = 1000;
	t.until = 1000 + 3600000;
	CHECK_EQ(blocks_key_of(b, addr, t.key), 0);
	return t;
}

/* A lift being recorded still refuses the address; one that was not recorded
 * leaves the block as it was, under the same id (it used to come back as a
 * new block with a new id, which the admin's page no longer knew). */
static void a_lift_holds_until_recorded(void)
{
	struct blocks b;
	struct block t, got, again;

	blocks_init(&b);
	t = a_block(&b, 1, "198.51.100.7");
	CHECK_EQ(blocks_add(&b, &t, 1000), 0);
	CHECK_EQ(blocks_lift_begin(&b, t.id, 2, 2000, &got), -ENOENT); /* another account */
	CHECK_EQ(blocks_lift_begin(&b, t.id + 1, 1, 2000, &got), -ENOENT);
	CHECK_EQ(blocks_lift_begin(&b, t.id, 1, 2000, &got), 0);
	CHECK_EQ(got.id, t.id);
	CHECK(blocks_is_blocked(&b, 1, t.key, 2000));
	CHECK_EQ(blocks_lift_begin(&b, t.id, 1, 2000, &again), -EBUSY);

	blocks_lift_end(&b, t.id, false); /* the audit write failed */
	CHECK(blocks_is_blocked(&b, 1, t.key, 2000));
	CHECK_EQ(b.n, 1);
	CHECK_EQ(b.v[0].id, t.id);

	CHECK_EQ(blocks_lift_begin(&b, t.id, 1, 2000, &got), 0);
	blocks_lift_end(&b, t.id, true);
	CHECK(!blocks_is_blocked(&b, 1, t.key, 2000));
	CHECK_EQ(b.n, 0);
	blocks_lift_end(&b, t.id, true); /* gone already: nothing happens */

	/* A block that ends while its lift is written is simply gone. */
	t = a_block(&b, 1, "198.51.100.7");
	CHECK_EQ(blocks_add(&b, &t, 1000), 0);
	CHECK_EQ(blocks_lift_begin(&b, t.id, 1, 2000, &got), 0);
	CHECK(!blocks_is_blocked(&b, 1, t.key, t.until));
	blocks_lift_end(&b, t.id, false);
	CHECK_EQ(b.n, 0);
	blocks_release(&b);
}

/* One library at its cap cannot block more; another library still can. */
static void one_account_cannot_fill_the_list(void)
{
	struct blocks b;
	struct block t;
	int i;

	blocks_init(&b);
	for (i = 0; i < BLOCKS_PER_ACCOUNT_MAX; i++) {
		t = a_block(&b, 1, "198.51.100.7");
		CHECK_EQ(blocks_add(&b, &t, 1000), 0);
	}
	t = a_block(&b, 1, "198.51.100.8");
	CHECK_EQ(blocks_add(&b, &t, 1000), -EDQUOT);
	t = a_block(&b, 2, "198.51.100.8");
	CHECK_EQ(blocks_add(&b, &t, 1000), 0);
	/* Once they end, the first library may block again. */
	t = a_block(&b, 1, "198.51.100.8");
	t.until = 1000 + 7200000;
	CHECK_EQ(blocks_add(&b, &t, 1000 + 3600000), 0);
	CHECK_EQ(b.n, 1);
	blocks_release(&b);
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	blocks_init(&list);
	RUN(ipv4_is_one_address);
	RUN(ipv6_is_its_slash_64);
	RUN(only_addresses_have_keys);
	RUN(keys_differ_between_lists);
	RUN(blocks_hold_per_account_until_they_end);
	RUN(a_lift_holds_until_recorded);
	RUN(one_account_cannot_fill_the_list);
	blocks_release(&list);
	CHECK_EXIT();
}
