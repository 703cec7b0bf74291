/*
 * blocks.h - blocked guests: "Block guest" refuses new chats from one client
 * address for some hours, without ever keeping the address.
 *
 * An address is cut to the part that names one household or one library's
 * public network — IPv4 /32, IPv6 /64 (an IPv4-mapped IPv6 address counts
 * as its IPv4 one) — and only a keyed hash of that (libsodium's keyed
 * BLAKE2b, with a random key made when the list is set up) is held, in
 * memory.  Nobody can turn a block back into an address, and once the
 * process ends nobody can even test a guess.  A block belongs to the
 * account whose operator made it: it refuses that account's chats only.
 *
 * Plain data, no I/O; loop thread only.
 */
#ifndef REFDESK_CHAT_BLOCKS_H
#define REFDESK_CHAT_BLOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/types.h"

#define BLOCK_KEY_BYTES 16
#define BLOCK_HOURS_MAX 24
#define BLOCK_REASON_MAX 200       /* characters */
#define BLOCK_REASON_BYTES 804     /* that many characters of UTF-8, plus NUL */
#define BLOCKS_MAX 10000           /* active blocks, all accounts together (memory) */
#define BLOCKS_PER_ACCOUNT_MAX 200 /* active blocks of one account: it cannot fill the list */

struct block {
	int64_t id;
	int64_t account_id;
	int64_t operator_id;           /* who blocked */
	char operator_name[NAME_BYTES];
	char chat[32];                 /* the chat it was made from (public id) */
	char reason[BLOCK_REASON_BYTES];
	int hours;
	int64_t created_at, until;     /* wall-clock ms */
	unsigned char key[BLOCK_KEY_BYTES];
	bool lifting;                  /* a lift is being recorded: it still holds */
};

struct blocks {
	struct block *v;
	size_t n, cap;
	int64_t last_id;
	unsigned char secret[32];
};

/* Set up an empty list with a fresh random key.  blocks_release() frees it. */
void blocks_init(struct blocks *b);
void blocks_release(struct blocks *b);

/*
 * The key of client address `addr` (text, as the transport reports it) into
 * `key`: 0, or -EINVAL when it is no IPv4 or IPv6 address.
 */
int blocks_key_of(const struct blocks *b, const char *addr, unsigned char key[BLOCK_KEY_BYTES]);

/*
 * Add a copy of `tmpl` (its id is set, in the copy and in `tmpl`).  Blocks
 * past their `until` at `now` are dropped first.  0, or -ENOSPC when
 * BLOCKS_MAX are active, or -EDQUOT when the account has
 * BLOCKS_PER_ACCOUNT_MAX.
 */
int blocks_add(struct blocks *b, struct block *tmpl, int64_t now);
/* Is `key` blocked for `account_id` at `now`?  (Drops what has expired.) */
bool blocks_is_blocked(struct blocks *b, int64_t account_id, const unsigned char key[BLOCK_KEY_BYTES],
		       int64_t now);
/* Lift block `id` of `account_id`: 0, or -ENOENT (none, expired, or another account's). */
int blocks_lift(struct blocks *b, int64_t id, int64_t account_id, int64_t now, struct block *out);
/*
 * An admin's lift, in two steps around recording it: begin copies block
 * `id` of `account_id` into `out` and marks it, but it keeps refusing the
 * address until blocks_lift_end(..., true) once the lift is recorded; with
 * false (not recorded) it simply stays, under its own id.  Begin answers 0,
 * -ENOENT (none, expired, another account's) or -EBUSY (a lift of it is
 * already on its way).
 */
int blocks_lift_begin(struct blocks *b, int64_t id, int64_t account_id, int64_t now,
		      struct block *out);
void blocks_lift_end(struct blocks *b, int64_t id, bool recorded);
/* Call `fn` with each active block of `account_id`, oldest first; stops at a non-zero return. */
int blocks_each(struct blocks *b, int64_t account_id, int64_t now,
		int (*fn)(void *ctx, const struct block *blk), void *ctx);

#endif
