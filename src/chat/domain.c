/*
 * domain.c - see domain.h.
 *
 * The small arrays (followers, offered operators, watchers) are unordered
 * and removal swaps in the last element: they hold a handful of entries
 * each, so a linear scan beats any index.
 */
#include "chat/domain.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"

/* Append to a growable array of `elem` bytes; returns the new slot. */
static void *array_push(void **arr, size_t *n, size_t *cap, size_t elem)
{
	if (*n == *cap) {
		*cap = grow_cap(*cap, *n + 1);
		*arr = xrealloc(*arr, *cap * elem);
	}
	return (char *)*arr + (*n)++ * elem;
}

static bool ptr_remove(void **arr, size_t *n, void *p)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (arr[i] == p) {
			arr[i] = arr[--*n];
			return true;
		}
	}
	return false;
}

static bool id_remove(int64_t *arr, size_t *n, int64_t id)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (arr[i] == id) {
			arr[i] = arr[--*n];
			return true;
		}
	}
	return false;
}

static bool id_has(const int64_t *arr, size_t n, int64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (arr[i] == id)
			return true;
	return false;
}

void domain_init(struct domain *d)
{
	memset(d, 0, sizeof(*d));
}

static void chat_free(struct chat_live *c)
{
	free(c->transfer.rung);
	free(c->taken_rung);
	free(c->followers);
	free(c->offered);
	free(c);
}

void domain_release(struct domain *d)
{
	size_t i = 0;
	uint64_t key;
	void *v;

	while (map_next(&d->chats, &i, &key, &v))
		chat_free(v);
	for (i = 0; map_next(&d->queues, &i, &key, &v);) {
		struct queue_live *q = v;

		free(q->available);
		free(q->watchers);
		free(q);
	}
	for (i = 0; map_next(&d->operators, &i, &key, &v);) {
		struct operator_live *o = v;

		free(o->conns);
		free(o);
	}
	map_release(&d->chats);
	map_release(&d->queues);
	map_release(&d->operators);
}

/* ---- chats ---- */

struct chat_live *domain_chat(struct domain *d, int64_t id)
{
	return map_get(&d->chats, (uint64_t)id);
}

struct chat_live *domain_chat_add(struct domain *d, const struct chat_live *init)
{
	struct chat_live *c = xmalloc(sizeof(*c));

	*c = *init;
	c->followers = NULL;
	c->nfollowers = c->capfollowers = 0;
	c->offered = NULL;
	c->noffered = c->capoffered = 0;
	c->accepting = 0;
	c->pins = 0;
	memset(&c->transfer, 0, sizeof(c->transfer));
	map_put(&d->chats, (uint64_t)c->id, c);
	return c;
}

void domain_chat_maybe_forget(struct domain *d, struct chat_live *c)
{
	if (c->status != CHAT_ENDED || c->nfollowers || c->pins)
		return;
	map_del(&d->chats, (uint64_t)c->id);
	chat_free(c);
}

struct follower *chat_follower(struct chat_live *c, void *conn)
{
	size_t i;

	for (i = 0; i < c->nfollowers; i++)
		if (c->followers[i].conn == conn)
			return &c->followers[i];
	return NULL;
}

struct follower *chat_follow(struct chat_live *c, void *conn, int64_t seq)
{
	struct follower *f = chat_follower(c, conn);

	if (!f) {
		f = array_push((void **)&c->followers, &c->nfollowers, &c->capfollowers,
			       sizeof(*f));
		f->conn = conn;
		f->seq = seq;
		f->replaying = false;
	} else if (seq > f->seq) {
		f->seq = seq;
	}
	return f;
}

void chat_unfollow(struct chat_live *c, void *conn)
{
	struct follower *f = chat_follower(c, conn);

	if (f)
		*f = c->followers[--c->nfollowers];
}

void chat_offer(struct chat_live *c, int64_t operator_id)
{
	int64_t *slot;

	if (id_has(c->offered, c->noffered, operator_id))
		return;
	slot = array_push((void **)&c->offered, &c->noffered, &c->capoffered, sizeof(*slot));
	*slot = operator_id;
}

bool chat_was_offered(const struct chat_live *c, int64_t operator_id)
{
	return id_has(c->offered, c->noffered, operator_id);
}

int chat_accept_begin(struct chat_live *c, int64_t operator_id, const char *operator_name)
{
	if (c->status == CHAT_ENDED)
		return -ECANCELED;
	if (c->status != CHAT_WAITING || c->accepting)
		return -EALREADY;
	c->accepting = 1;
	c->status = CHAT_ACTIVE;
	c->operator_id = operator_id;
	snprintf(c->operator_name, sizeof(c->operator_name), "%s", operator_name);
	return 0;
}

void chat_accept_done(struct chat_live *c, bool ok)
{
	c->accepting = 0;
	if (!ok && c->status == CHAT_ACTIVE) {
		c->status = CHAT_WAITING;
		c->operator_id = 0;
		c->operator_name[0] = '\0';
	}
}

int chat_may_write(const struct chat_live *c, enum event_author author, int64_t operator_id)
{
	if (c->status == CHAT_ENDED)
		return -ECANCELED;
	if (author != AUTHOR_OPERATOR)
		return 0;
	if (c->status == CHAT_WAITING)
		return -EAGAIN;
	if (c->operator_id != operator_id)
		return -EPERM;
	/* The holder's own accept is not on disk yet. */
	return c->accepting ? -EAGAIN : 0;
}

int chat_may_block(const struct chat_live *c, int64_t operator_id)
{
	if (c->status == CHAT_WAITING)
		return c->accepting ? -EAGAIN : chat_was_offered(c, operator_id) ? 0 : -ENOTOFFERED;
	return chat_may_write(c, AUTHOR_OPERATOR, operator_id);
}

/* ---- a chat's life ---- */

int64_t chat_next_id(int64_t *last, int64_t now_ms, unsigned salt)
{
	int64_t by_time = (now_ms << 10) + (salt & 1023); /* room for 1,024 chats a millisecond */

	*last = by_time > *last ? by_time : *last + 1;
	return *last;
}

const int64_t *domain_offer_targets(struct domain *d, const struct chat_live *c, size_t *n)
{
	struct queue_live *q = domain_queue(d, c->queue_id);

	*n = q ? q->navailable : 0;
	return q ? q->available : NULL;
}

int chat_may_accept(const struct chat_live *c, int64_t operator_id)
{
	if (c->status == CHAT_WAITING && !chat_was_offered(c, operator_id))
		return -ENOTOFFERED;
	return 0;
}

enum chat_status chat_end_begin(struct chat_live *c)
{
	enum chat_status prev = c->status;

	c->status = CHAT_ENDED;
	return prev;
}

void chat_end_undo(struct chat_live *c, enum chat_status prev)
{
	c->status = prev;
}

static const char *const status_names[] = { "waiting", "active", "ended" };

const char *chat_status_name(enum chat_status s)
{
	return (unsigned)s < ARRAY_SIZE(status_names) ? status_names[s] : "ended";
}

int chat_status_parse(const char *name, enum chat_status *out)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(status_names); i++) {
		if (!strcmp(name, status_names[i])) {
			*out = (enum chat_status)i;
			return 0;
		}
	}
	return -EINVAL;
}

bool chat_end_withdraws_offers(enum chat_status prev)
{
	return prev == CHAT_WAITING;
}

void chat_guest_left(struct chat_live *c, int64_t now_mono)
{
	c->guest_gone_since = now_mono ? now_mono : 1;
}

void chat_guest_back(struct chat_live *c)
{
	c->guest_gone_since = 0;
}

bool chat_abandoned(const struct chat_live *c, int64_t now_mono, int64_t grace_ms)
{
	return c->status == CHAT_WAITING && c->guest_gone_since &&
	       now_mono - c->guest_gone_since >= grace_ms;
}

/* ---- transfers ---- */

int chat_may_transfer(const struct chat_live *c, int64_t operator_id, bool is_admin,
		      bool holder_online)
{
	if (c->status == CHAT_ENDED)
		return -ECANCELED;
	if (c->status == CHAT_WAITING)
		return -EAGAIN;
	if (c->operator_id != operator_id && !(is_admin && !holder_online))
		return -EPERM;
	/* A transfer waiting, or a hand-over (an accept, an admin's take-over) being written. */
	if (c->transfer.pending || c->transfer.accepting || c->accepting)
		return -EBUSY;
	return 0;
}

int chat_transfer_begin(struct chat_live *c, int64_t from_id, const char *from_name,
			int64_t to_operator, int64_t to_queue, const int64_t *rung, size_t nrung,
			const char *note, int64_t now_mono, int64_t ttl_ms)
{
	struct transfer *t = &c->transfer;
	size_t i;

	if (to_operator == from_id || to_operator == c->operator_id)
		return -EINVAL;
	t->nrung = 0;
	for (i = 0; i < nrung; i++) {
		/* Nobody is asked to take a chat from themself. */
		if (rung[i] == from_id || rung[i] == c->operator_id ||
		    id_has(t->rung, t->nrung, rung[i]))
			continue;
		*(int64_t *)array_push((void **)&t->rung, &t->nrung, &t->caprung,
				       sizeof(int64_t)) = rung[i];
	}
	if (!t->nrung)
		return -ENOENT;
	t->pending = true;
	c->taken_by = 0;
	c->ntaken_rung = 0;
	t->from_id = from_id;
	snprintf(t->from_name, sizeof(t->from_name), "%s", from_name);
	/* An admin moving a chat whose holder is gone has nobody to give it back to. */
	t->sender_gone = from_id != c->operator_id;
	t->to_operator = to_operator;
	t->to_queue = to_operator ? 0 : to_queue;
	t->deadline = now_mono + ttl_ms;
	t->accepting = 0;
	t->remote = false;
	snprintf(t->note, sizeof(t->note), "%s", note ? note : "");
	return 0;
}

bool chat_transfer_rings(const struct chat_live *c, int64_t operator_id)
{
	return c->transfer.pending && id_has(c->transfer.rung, c->transfer.nrung, operator_id);
}

int chat_transfer_accept_begin(struct chat_live *c, int64_t operator_id)
{
	/* A colleague rung with it, a moment late, is told who was first, not that nothing waits. */
	if (!c->transfer.pending && c->status == CHAT_ACTIVE && c->taken_by &&
	    c->taken_by != operator_id && c->taken_by == c->operator_id &&
	    id_has(c->taken_rung, c->ntaken_rung, operator_id))
		return -EALREADY;
	if (!c->transfer.pending || c->status != CHAT_ACTIVE)
		return -ENOENT;
	if (!chat_transfer_rings(c, operator_id))
		return -ENOTOFFERED;
	if (c->transfer.accepting)
		return -EALREADY;
	c->transfer.accepting = operator_id;
	return 0;
}

void chat_transfer_accept_done(struct chat_live *c, bool ok, int64_t operator_id,
			       const char *name, int64_t queue_id)
{
	int64_t *rung = c->taken_rung;
	size_t cap = c->captaken_rung;

	c->transfer.accepting = 0;
	if (!ok)
		return;
	c->operator_id = operator_id;
	/* Keep who it rang (the transfer's array; the old one serves the next transfer). */
	c->taken_by = operator_id;
	c->taken_rung = c->transfer.rung;
	c->ntaken_rung = c->transfer.nrung;
	c->captaken_rung = c->transfer.caprung;
	c->transfer.rung = rung;
	c->transfer.nrung = 0;
	c->transfer.caprung = cap;
	snprintf(c->operator_name, sizeof(c->operator_name), "%s", name);
	if (queue_id)
		c->queue_id = queue_id;
	chat_transfer_end(c);
}

int chat_transfer_decline(struct chat_live *c, int64_t operator_id, bool *last)
{
	*last = false;
	if (!c->transfer.pending)
		return -ENOENT;
	if (!chat_transfer_rings(c, operator_id))
		return -ENOTOFFERED;
	if (c->transfer.accepting)
		return -EALREADY;
	id_remove(c->transfer.rung, &c->transfer.nrung, operator_id);
	*last = c->transfer.nrung == 0;
	return 0;
}

bool chat_transfer_expired(const struct chat_live *c, int64_t now_mono)
{
	return c->transfer.pending && !c->transfer.accepting && now_mono >= c->transfer.deadline;
}

bool chat_transfer_requeues(const struct chat_live *c)
{
	return c->transfer.sender_gone;
}

void chat_transfer_end(struct chat_live *c)
{
	int64_t *rung = c->transfer.rung;
	size_t cap = c->transfer.caprung;

	/* Keep the array for the next transfer; forget everything else. */
	memset(&c->transfer, 0, sizeof(c->transfer));
	c->transfer.rung = rung;
	c->transfer.caprung = cap;
}

void chat_requeue(struct chat_live *c, int64_t queue_id)
{
	if (queue_id)
		c->queue_id = queue_id;
	c->status = CHAT_WAITING;
	c->operator_id = 0;
	c->operator_name[0] = '\0';
	/* Whoever is rung now may accept, as for a new chat. */
	c->noffered = 0;
}

/* ---- queues ---- */

struct queue_live *domain_queue(struct domain *d, int64_t id)
{
	return map_get(&d->queues, (uint64_t)id);
}

struct queue_live *domain_queue_add(struct domain *d, int64_t id, int64_t account_id,
				    const char *name)
{
	struct queue_live *q = domain_queue(d, id);

	if (q)
		return q;
	q = xcalloc(1, sizeof(*q));
	q->id = id;
	q->account_id = account_id;
	snprintf(q->name, sizeof(q->name), "%s", name);
	map_put(&d->queues, (uint64_t)id, q);
	return q;
}

bool queue_is_online(const struct queue_live *q)
{
	return q->navailable > 0 || q->remote_available > 0;
}

bool queue_has_available(const struct queue_live *q, int64_t operator_id)
{
	return id_has(q->available, q->navailable, operator_id);
}

bool queue_set_available(struct queue_live *q, int64_t operator_id, bool available)
{
	bool was = queue_is_online(q);
	int64_t *slot;

	if (available && !queue_has_available(q, operator_id)) {
		slot = array_push((void **)&q->available, &q->navailable, &q->capavailable,
				  sizeof(*slot));
		*slot = operator_id;
	} else if (!available) {
		id_remove(q->available, &q->navailable, operator_id);
	}
	return was != queue_is_online(q);
}

void queue_watch(struct queue_live *q, void *conn)
{
	size_t i;

	for (i = 0; i < q->nwatchers; i++)
		if (q->watchers[i] == conn)
			return;
	*(void **)array_push((void **)&q->watchers, &q->nwatchers, &q->capwatchers,
			     sizeof(void *)) = conn;
}

void queue_unwatch(struct queue_live *q, void *conn)
{
	ptr_remove(q->watchers, &q->nwatchers, conn);
}

/* ---- operators ---- */

struct operator_live *domain_operator(struct domain *d, int64_t id)
{
	return map_get(&d->operators, (uint64_t)id);
}

struct operator_live *domain_operator_attach(struct domain *d, int64_t id, int64_t account_id,
					     const char *name, bool is_admin, void *conn)
{
	struct operator_live *o = domain_operator(d, id);

	if (!o) {
		o = xcalloc(1, sizeof(*o));
		o->id = id;
		o->account_id = account_id;
		map_put(&d->operators, (uint64_t)id, o);
	}
	snprintf(o->name, sizeof(o->name), "%s", name);
	o->is_admin = is_admin;
	*(void **)array_push((void **)&o->conns, &o->nconns, &o->capconns, sizeof(void *)) = conn;
	return o;
}

bool domain_operator_detach(struct domain *d, struct operator_live *o, void *conn)
{
	ptr_remove(o->conns, &o->nconns, conn);
	if (o->nconns)
		return false;
	map_del(&d->operators, (uint64_t)o->id);
	free(o->conns);
	free(o);
	return true;
}
