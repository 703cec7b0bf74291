/*
 * map.c - see map.h.  Linear probing over a power-of-two table that is kept
 * at most half full (counting tombstones), rebuilt when it gets fuller.
 */
#include "base/map.h"

#include <stdlib.h>

#include "base/util.h"

#define MAP_TOMBSTONE UINT64_MAX

static uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

void map_release(struct map *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->used = m->count = 0;
}

static struct map_slot *find(const struct map *m, uint64_t key)
{
	size_t mask = m->cap - 1, i;

	if (!m->cap)
		return NULL;
	for (i = mix(key) & mask;; i = (i + 1) & mask) {
		struct map_slot *s = &m->slots[i];

		if (s->key == key)
			return s;
		if (!s->key)
			return NULL;
	}
}

void *map_get(const struct map *m, uint64_t key)
{
	struct map_slot *s = find(m, key);

	return s ? s->value : NULL;
}

static void rehash(struct map *m, size_t cap)
{
	struct map_slot *old = m->slots;
	size_t oldcap = m->cap, i;

	m->slots = xcalloc(cap, sizeof(*m->slots));
	m->cap = cap;
	m->used = m->count = 0;
	for (i = 0; i < oldcap; i++)
		if (old[i].key && old[i].key != MAP_TOMBSTONE)
			map_put(m, old[i].key, old[i].value);
	free(old);
}

void map_put(struct map *m, uint64_t key, void *value)
{
	struct map_slot *s = find(m, key);
	size_t mask, i;

	if (s) {
		s->value = value;
		return;
	}
	if ((m->used + 1) * 2 > m->cap)
		rehash(m, m->count * 4 > 16 ? grow_cap(16, m->count * 4) : 16);
	mask = m->cap - 1;
	for (i = mix(key) & mask;; i = (i + 1) & mask) {
		s = &m->slots[i];
		if (!s->key || s->key == MAP_TOMBSTONE)
			break;
	}
	if (!s->key)
		m->used++;
	s->key = key;
	s->value = value;
	m->count++;
}

void *map_del(struct map *m, uint64_t key)
{
	struct map_slot *s = find(m, key);
	void *value;

	if (!s)
		return NULL;
	value = s->value;
	s->key = MAP_TOMBSTONE;
	s->value = NULL;
	m->count--;
	return value;
}

int map_next(const struct map *m, size_t *iter, uint64_t *key, void **value)
{
	while (*iter < m->cap) {
		struct map_slot *s = &m->slots[(*iter)++];

		if (s->key && s->key != MAP_TOMBSTONE) {
			*key = s->key;
			*value = s->value;
			return 1;
		}
	}
	return 0;
}
