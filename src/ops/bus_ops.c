/*
 * bus_ops.c - this node's side of the bus.  See bus_ops.h.
 */
#include "ops/bus_ops.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "bus/bus.h"
#include "chat/domain.h"
#include "net/server.h"
#include "ops/app.h"
#include "ops/chat_ops.h"
#include "store/store.h"

/* Another node, as its last availability note told. */
struct remote_node {
	int64_t seen_ms; /* monotonic */
	struct bus_avail *list;
	size_t n;
};

static void wake_loop(void *arg)
{
	server_wake(arg);
}

int bus_ops_start(struct app *app)
{
	int rc;

	if (!app->cfg->bus_url)
		return 0;
	rc = bus_open(&app->bus, app->cfg->bus_url, wake_loop, app->srv);
	if (rc < 0)
		app->bus = NULL;
	return rc;
}

static void forget_nodes(struct app *app)
{
	size_t i = 0;
	uint64_t key;
	void *v;

	while (map_next(&app->bus_nodes, &i, &key, &v)) {
		struct remote_node *n = v;

		free(n->list);
		free(n);
	}
	map_release(&app->bus_nodes);
}

void bus_ops_stop(struct app *app)
{
	bus_free(app->bus);
	app->bus = NULL;
	forget_nodes(app);
}

/* ---- other nodes' librarians ------------------------------------------------------- */

static uint64_t node_key(const char *node)
{
	return strtoull(node, NULL, 16) | 1; /* never 0, the map's empty key */
}

/*
 * Sum what the nodes still heard from say per queue into each queue's
 * remote_available; a queue that goes online or offline by it tells its
 * watchers (the boxes).  A queue not held here yet is loaded, so that a
 * box served here knows.
 */
static void recount(struct app *app)
{
	struct map sums = MAP_INIT;
	size_t i = 0, j;
	uint64_t key;
	void *v;

	while (map_next(&app->bus_nodes, &i, &key, &v)) {
		struct remote_node *n = v;

		for (j = 0; j < n->n; j++) {
			uintptr_t sum = (uintptr_t)map_get(&sums, (uint64_t)n->list[j].queue_id);

			map_put(&sums, (uint64_t)n->list[j].queue_id,
				(void *)(sum + (uintptr_t)n->list[j].count));
		}
	}
	for (i = 0; map_next(&app->dom.queues, &i, &key, &v);) {
		struct queue_live *ql = v;
		int sum = (int)(uintptr_t)map_get(&sums, key);
		bool was = queue_is_online(ql);

		if (sum == ql->remote_available)
			continue;
		ql->remote_available = sum;
		if (was != queue_is_online(ql))
			chat_ops_presence_notify(app, ql);
	}
	for (i = 0; map_next(&sums, &i, &key, &v);) {
		struct store_queue q;
		struct queue_live *ql;

		if (domain_queue(&app->dom, (int64_t)key) || !v ||
		    store_queue_get(app->st, (int64_t)key, &q) < 0)
			continue;
		ql = domain_queue_add(&app->dom, q.id, q.account_id, q.name);
		ql->remote_available = (int)(uintptr_t)v;
	}
	map_release(&sums);
}

static void heard_avail(struct app *app, const struct bus_note *note)
{
	uint64_t key = node_key(note->node);
	struct remote_node *n = map_get(&app->bus_nodes, key);

	if (!n) {
		n = xcalloc(1, sizeof(*n));
		map_put(&app->bus_nodes, key, n);
		log_info("bus: node %s is here", note->node);
	}
	free(n->list);
	n->list = note->navail ? xcalloc(note->navail, sizeof(*n->list)) : NULL;
	if (note->navail)
		memcpy(n->list, note->avail, note->navail * sizeof(*n->list));
	n->n = note->navail;
	n->seen_ms = time_mono_ms();
	recount(app);
}

static void heard_gone(struct app *app, const char *node)
{
	struct remote_node *n = map_del(&app->bus_nodes, node_key(node));

	if (!n)
		return;
	log_info("bus: node %s has left", node);
	free(n->list);
	free(n);
	recount(app);
}

/* Tell the others this node's available librarians, per queue. */
static void tell_avail(struct app *app)
{
	struct bus_avail list[BUS_AVAIL_MAX];
	size_t i = 0, n = 0;
	uint64_t key;
	void *v;

	while (map_next(&app->dom.queues, &i, &key, &v) && n < BUS_AVAIL_MAX) {
		struct queue_live *ql = v;

		if (!ql->navailable)
			continue;
		list[n].queue_id = ql->id;
		list[n++].count = (int)ql->navailable;
	}
	bus_tell_avail(app->bus, list, n);
	app->bus_avail_told_ms = time_mono_ms();
}

void bus_ops_avail_changed(struct app *app)
{
	if (app->bus)
		tell_avail(app);
}

void bus_ops_tick(struct app *app)
{
	int64_t now = time_mono_ms();
	size_t i = 0;
	uint64_t key;
	void *v;
	bool gone = false;

	if (!app->bus)
		return;
	if (now - app->bus_avail_told_ms >= BUS_AVAIL_EVERY_MS)
		tell_avail(app);
	while (map_next(&app->bus_nodes, &i, &key, &v)) {
		struct remote_node *n = v;

		if (now - n->seen_ms < BUS_AVAIL_STALE_MS)
			continue;
		/* Not heard from for a while: it stopped, or cannot reach NATS. */
		map_del(&app->bus_nodes, key);
		free(n->list);
		free(n);
		gone = true;
	}
	if (gone) {
		log_info("bus: a node went silent; its librarians no longer count here");
		recount(app);
	}
}

/* ---- notes ------------------------------------------------------------------------ */

static void heard(void *arg, const struct bus_note *note)
{
	struct app *app = arg;

	switch (note->kind) {
	case BUS_CHAT:
		chat_ops_look(app, note->a, note->b);
		break;
	case BUS_RING:
		chat_ops_ring_here(app, note->a, note->b);
		break;
	case BUS_AVAIL:
		heard_avail(app, note);
		break;
	case BUS_GONE:
		heard_gone(app, note->node);
		break;
	case BUS_UP:
		chat_ops_catch_up(app);
		tell_avail(app);
		break;
	}
}

void bus_ops_drain(struct app *app)
{
	if (app->bus)
		bus_drain(app->bus, heard, app);
}

void bus_ops_told(struct app *app, int64_t chat_id, int64_t seq)
{
	if (app->bus)
		bus_tell(app->bus, BUS_CHAT, chat_id, seq);
}

void bus_ops_ring(struct app *app, int64_t chat_id, int64_t queue_id)
{
	if (app->bus)
		bus_tell(app->bus, BUS_RING, chat_id, queue_id);
}

/* ---- /metrics --------------------------------------------------------------------- */

void bus_ops_metrics(struct app *app, FILE *out)
{
	struct bus_counts c;

	if (!app->bus)
		return;
	bus_counts(app->bus, &c);
	fprintf(out, "# HELP refdesk_bus_up 1 while this node's link to NATS is up.\n"
		     "# TYPE refdesk_bus_up gauge\nrefdesk_bus_up %d\n", bus_up(app->bus) ? 1 : 0);
	fprintf(out, "# HELP refdesk_bus_nodes Other nodes heard from on the bus lately.\n"
		     "# TYPE refdesk_bus_nodes gauge\nrefdesk_bus_nodes %zu\n", app->bus_nodes.count);
	fprintf(out, "# HELP refdesk_bus_notes_total Notes on the bus: sent, received, and dropped "
		     "(the loop fell behind; a catch-up from the store followed).\n"
		     "# TYPE refdesk_bus_notes_total counter\n"
		     "refdesk_bus_notes_total{dir=\"sent\"} %llu\n"
		     "refdesk_bus_notes_total{dir=\"received\"} %llu\n"
		     "refdesk_bus_notes_total{dir=\"dropped\"} %llu\n",
		(unsigned long long)c.sent, (unsigned long long)c.received,
		(unsigned long long)c.dropped);
	fprintf(out, "# HELP refdesk_bus_reconnects_total Times the link to NATS came back.\n"
		     "# TYPE refdesk_bus_reconnects_total counter\nrefdesk_bus_reconnects_total %llu\n",
		(unsigned long long)c.reconnects);
}
