/*
 * map.h - an open-addressing hash map from non-zero 64-bit keys to pointers.
 *
 * Used for the loop thread's indexes (live chats by id, operators by id,
 * connection counts by address).  Keys are chosen by the server, never by a
 * peer, so a simple mixing function is enough.  Values are borrowed: the map
 * never frees them.
 */
#ifndef REFDESK_BASE_MAP_H
#define REFDESK_BASE_MAP_H

#include <stddef.h>
#include <stdint.h>

struct map_slot {
	uint64_t key; /* 0: empty; MAP_TOMBSTONE: deleted */
	void *value;
};

struct map {
	struct map_slot *slots;
	size_t cap;  /* a power of two, or 0 */
	size_t used; /* live entries plus tombstones */
	size_t count;
};

#define MAP_INIT { NULL, 0, 0, 0 }

void map_release(struct map *m);
/* The value for `key`, or NULL. */
void *map_get(const struct map *m, uint64_t key);
/* Insert or replace. */
void map_put(struct map *m, uint64_t key, void *value);
/* Remove `key`; returns its value, or NULL when absent. */
void *map_del(struct map *m, uint64_t key);

/*
 * Iterate: `for (i = 0; map_next(m, &i, &key, &value);)`.  Do not insert
 * while iterating; deleting the current entry is allowed.
 */
int map_next(const struct map *m, size_t *iter, uint64_t *key, void **value);

#endif
