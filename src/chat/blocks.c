/*
 * blocks.c - see blocks.h.
 *
 * How it works: a small array, scanned in full.  Blocks are rare (a person
 * decides each one) and last a day at most, so there are few; expired ones
 * are dropped whenever the list is read or added to.  The hashed input is a
 * family byte and the prefix — 4 bytes of IPv4, 8 bytes of IPv6 — so an
 * IPv4 address and an IPv6 prefix with the same leading bytes never share a
 * key.
 */
#include "chat/blocks.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "base/util.h"

void blocks_init(struct blocks *b)
{
	memset(b, 0, sizeof(*b));
	randombytes_buf(b->secret, sizeof(b->secret));
}

void blocks_release(struct blocks *b)
{
	free(b->v);
	sodium_memzero(b->secret, sizeof(b->secret));
	memset(b, 0, sizeof(*b));
}

int blocks_key_of(const struct blocks *b, const char *addr, unsigned char key[BLOCK_KEY_BYTES])
{
	unsigned char in[1 + 16];
	struct in6_addr a6;
	struct in_addr a4;
	size_t len;

	if (inet_pton(AF_INET, addr, &a4) == 1) {
		in[0] = 4;
		memcpy(in + 1, &a4, 4);
		len = 1 + 4;
	} else if (inet_pton(AF_INET6, addr, &a6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&a6)) {
			in[0] = 4;
			memcpy(in + 1, a6.s6_addr + 12, 4);
			len = 1 + 4;
		} else {
			in[0] = 6;
			memcpy(in + 1, a6.s6_addr, 8); /* the /64: one household or network */
			len = 1 + 8;
		}
	} else {
		return -EINVAL;
	}
	crypto_generichash(key, BLOCK_KEY_BYTES, in, len, b->secret, sizeof(b->secret));
	sodium_memzero(in, sizeof(in));
	return 0;
}

/* Drop the blocks past their end. */
static void blocks_expire(struct blocks *b, int64_t now)
{
	size_t i = 0;

	while (i < b->n) {
		if (b->v[i].until > now) {
			i++;
			continue;
		}
		memmove(&b->v[i], &b->v[i + 1], (b->n - i - 1) * sizeof(*b->v));
		b->n--;
	}
}

static size_t blocks_of_account(const struct blocks *b, int64_t account_id)
{
	size_t i, n = 0;

	for (i = 0; i < b->n; i++)
		n += b->v[i].account_id == account_id;
	return n;
}

int blocks_add(struct blocks *b, struct block *tmpl, int64_t now)
{
	blocks_expire(b, now);
	if (b->n >= BLOCKS_MAX)
		return -ENOSPC;
	if (blocks_of_account(b, tmpl->account_id) >= BLOCKS_PER_ACCOUNT_MAX)
		return -EDQUOT;
	if (b->n == b->cap) {
		b->cap = grow_cap(b->cap, b->n + 1);
		b->v = xrealloc(b->v, b->cap * sizeof(*b->v));
	}
	tmpl->id = ++b->last_id;
	tmpl->lifting = false;
	b->v[b->n++] = *tmpl;
	return 0;
}

bool blocks_is_blocked(struct blocks *b, int64_t account_id, const unsigned char key[BLOCK_KEY_BYTES],
		       int64_t now)
{
	size_t i;

	blocks_expire(b, now);
	for (i = 0; i < b->n; i++)
		if (b->v[i].account_id == account_id &&
		    sodium_memcmp(b->v[i].key, key, BLOCK_KEY_BYTES) == 0)
			return true;
	return false;
}

int blocks_lift(struct blocks *b, int64_t id, int64_t account_id, int64_t now, struct block *out)
{
	size_t i;

	blocks_expire(b, now);
	for (i = 0; i < b->n; i++) {
		if (b->v[i].id != id || b->v[i].account_id != account_id)
			continue;
		if (out)
			*out = b->v[i];
		memmove(&b->v[i], &b->v[i + 1], (b->n - i - 1) * sizeof(*b->v));
		b->n--;
		return 0;
	}
	return -ENOENT;
}

/* The index of block `id` of `account_id` (0 for any account), or -1. */
static ssize_t blocks_find(const struct blocks *b, int64_t id, int64_t account_id)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->v[i].id == id && (!account_id || b->v[i].account_id == account_id))
			return (ssize_t)i;
	return -1;
}

int blocks_lift_begin(struct blocks *b, int64_t id, int64_t account_id, int64_t now,
		      struct block *out)
{
	ssize_t i;

	blocks_expire(b, now);
	if ((i = blocks_find(b, id, account_id)) < 0)
		return -ENOENT;
	if (b->v[i].lifting)
		return -EBUSY;
	b->v[i].lifting = true;
	*out = b->v[i];
	return 0;
}

void blocks_lift_end(struct blocks *b, int64_t id, bool recorded)
{
	ssize_t i = blocks_find(b, id, 0);

	if (i < 0)
		return; /* it ended by itself meanwhile */
	if (!recorded) {
		b->v[i].lifting = false;
		return;
	}
	memmove(&b->v[i], &b->v[i + 1], (b->n - (size_t)i - 1) * sizeof(*b->v));
	b->n--;
}

int blocks_each(struct blocks *b, int64_t account_id, int64_t now,
		int (*fn)(void *ctx, const struct block *blk), void *ctx)
{
	size_t i;
	int rc;

	blocks_expire(b, now);
	for (i = 0; i < b->n; i++)
		if (b->v[i].account_id == account_id && (rc = fn(ctx, &b->v[i])) != 0)
			return rc;
	return 0;
}
