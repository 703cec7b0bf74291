/*
 * bus_ops.c - this node's side of the bus.  See bus_ops.h.
 */
#include "ops/bus_ops.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/log.h"
#include "base/util.h"
#include "bus/bus.h"
#include "chat/domain.h"
#include "chat/tidiness.h"
#include "net/server.h"
#include "ops/app.h"
#include "ops/chat_ops.h"
#include "ops/share_ops.h"
#include "ops/staff_ops.h"
#include "store/store.h"

/* A librarian available on another node, in one queue. */
struct remote_op {
	int64_t queue_id, operator_id;
	bool full; /* at their limit of chats: counted, not rung */
};

/* Another node, as its last availability note told. */
struct remote_node {
	uint64_t key;    /* node_key() */
	int64_t seen_ms; /* monotonic */
	struct remote_op *ops;
	size_t n;
	int64_t *on;     /* operators with a socket there */
	size_t non;
	int64_t *away;   /* those of them who are Away */
	size_t naway;
	int64_t *guests; /* waiting chats whose guest has a socket there */
	size_t nguests;
};

#define BUS_AVAIL_OPS_MAX 8192 /* entries in one node's availability note */

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

static void node_free(struct remote_node *n)
{
	free(n->ops);
	free(n->on);
	free(n->away);
	free(n->guests);
	free(n);
}

static void forget_nodes(struct app *app)
{
	size_t i = 0;
	uint64_t key;
	void *v;

	while (map_next(&app->bus_nodes, &i, &key, &v)) {
		struct remote_node *n = v;

		node_free(n);
	}
	map_release(&app->bus_nodes);
}

void bus_ops_stop(struct app *app)
{
	share_ops_bus_stop(app); /* while the bus is there to say so */
	bus_free(app->bus);
	app->bus = NULL;
	forget_nodes(app);
}

/* ---- other nodes' librarians ------------------------------------------------------- */

static void tell_avail(struct app *app);

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
			uintptr_t sum = (uintptr_t)map_get(&sums, (uint64_t)n->ops[j].queue_id);

			map_put(&sums, (uint64_t)n->ops[j].queue_id, (void *)(sum + 1));
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

/* A JSON array of at most BUS_AVAIL_OPS_MAX integers, copied; false when it is not one. */
static bool int_list(json_t *arr, int64_t **out, size_t *n)
{
	json_t *it;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!json_is_array(arr) || json_array_size(arr) > BUS_AVAIL_OPS_MAX)
		return false;
	*out = xcalloc(json_array_size(arr) + 1, sizeof(**out));
	json_array_foreach(arr, i, it) {
		if (!json_is_integer(it)) {
			free(*out);
			*out = NULL;
			return false;
		}
		(*out)[(*n)++] = json_integer_value(it);
	}
	return true;
}

/*
 * {"k":"avail","q":[[QUEUE,[[OPERATOR,FULL],…]],…],"on":[OPERATOR,…],
 * "away":[OPERATOR,…],"guests":[CHAT,…]}: the sender's whole list, who has
 * a socket there, which of them are Away, and the waiting chats whose guest
 * is connected there.  Anything malformed is dropped whole, and
 * the node's last list stands.
 */
static void heard_avail(struct app *app, const char *node, json_t *obj)
{
	uint64_t key = node_key(node);
	struct remote_node *n;
	struct remote_op *ops;
	json_t *queues = json_object_get(obj, "q"), *q, *op;
	size_t i, j, nops = 0, non = 0, naway = 0, nguests = 0;
	int64_t *ons, *aways, *guests;

	if (!json_is_array(queues) || !int_list(json_object_get(obj, "on"), &ons, &non))
		return;
	if (!int_list(json_object_get(obj, "away"), &aways, &naway)) {
		free(ons);
		return;
	}
	if (!int_list(json_object_get(obj, "guests"), &guests, &nguests)) {
		free(ons);
		free(aways);
		return;
	}
	ops = xcalloc(BUS_AVAIL_OPS_MAX, sizeof(*ops));
	json_array_foreach(queues, i, q) {
		json_t *list = json_array_get(q, 1);

		if (!json_is_array(q) || json_array_size(q) != 2 || !json_is_integer(json_array_get(q, 0)) ||
		    !json_is_array(list))
			goto bad;
		json_array_foreach(list, j, op) {
			if (nops == BUS_AVAIL_OPS_MAX || !json_is_array(op) || json_array_size(op) != 2 ||
			    !json_is_integer(json_array_get(op, 0)) || !json_is_boolean(json_array_get(op, 1)))
				goto bad;
			ops[nops].queue_id = json_integer_value(json_array_get(q, 0));
			ops[nops].operator_id = json_integer_value(json_array_get(op, 0));
			ops[nops++].full = json_is_true(json_array_get(op, 1));
		}
	}
	n = map_get(&app->bus_nodes, key);
	if (!n) {
		n = xcalloc(1, sizeof(*n));
		n->key = key;
		map_put(&app->bus_nodes, key, n);
		log_info("bus: node %s is here", node);
		tell_avail(app); /* the newcomer hears this node's list now, not in 2 s */
	}
	free(n->ops);
	n->ops = ops;
	n->n = nops;
	free(n->on);
	n->on = ons;
	n->non = non;
	free(n->away);
	n->away = aways;
	n->naway = naway;
	free(n->guests);
	n->guests = guests;
	n->nguests = nguests;
	n->seen_ms = time_mono_ms();
	recount(app);
	return;
bad:
	free(ops);
	free(ons);
	free(aways);
	free(guests);
	log_warn("bus: a malformed availability note from node %s was dropped", node);
}

/* The lowest key of a node with `operator_id` connected, or 0 for none. */
static uint64_t first_node_with(struct app *app, int64_t operator_id)
{
	uint64_t key, first = 0;
	size_t i = 0, j;
	void *v;

	while (map_next(&app->bus_nodes, &i, &key, &v)) {
		struct remote_node *n = v;

		for (j = 0; j < n->non; j++)
			if (n->on[j] == operator_id && (!first || n->key < first))
				first = n->key;
	}
	return first;
}

bool bus_ops_guest_elsewhere(struct app *app, int64_t chat_id)
{
	size_t i = 0, j;
	uint64_t key;
	void *v;

	while (app->bus && map_next(&app->bus_nodes, &i, &key, &v)) {
		struct remote_node *n = v;

		for (j = 0; j < n->nguests; j++)
			if (n->guests[j] == chat_id)
				return true;
	}
	return false;
}

bool bus_ops_connected_elsewhere(struct app *app, int64_t operator_id)
{
	return app->bus && operator_id && first_node_with(app, operator_id) != 0;
}

int bus_ops_status_elsewhere(struct app *app, int64_t operator_id, int64_t *queues, size_t max,
			     size_t *nqueues)
{
	int status = 0;
	size_t i = 0, j, k;
	uint64_t key;
	void *v;

	*nqueues = 0;
	while (app->bus && map_next(&app->bus_nodes, &i, &key, &v)) {
		struct remote_node *n = v;
		bool on = false, away = false;

		for (j = 0; j < n->non && !on; j++)
			on = n->on[j] == operator_id;
		for (j = 0; j < n->naway && !away; j++)
			away = n->away[j] == operator_id;
		if (!on)
			continue;
		if (!away)
			status = 1;
		else if (!status)
			status = 2;
		for (j = 0; j < n->n; j++) {
			if (n->ops[j].operator_id != operator_id)
				continue;
			for (k = 0; k < *nqueues && queues[k] != n->ops[j].queue_id; k++)
				;
			if (k == *nqueues && *nqueues < max)
				queues[(*nqueues)++] = n->ops[j].queue_id;
		}
	}
	return status;
}

bool bus_ops_ends_here(struct app *app, int64_t operator_id)
{
	uint64_t elsewhere;

	if (!app->bus)
		return true;
	elsewhere = first_node_with(app, operator_id);
	if (domain_operator(&app->dom, operator_id))
		return !elsewhere || node_key(bus_node(app->bus)) < elsewhere;
	return !elsewhere && app_runs_duties(app);
}

bool bus_ops_available_elsewhere(struct app *app, int64_t operator_id, bool *full)
{
	size_t i = 0, j;
	uint64_t key;
	void *v;
	bool found = false;

	*full = false;
	while (map_next(&app->bus_nodes, &i, &key, &v)) {
		struct remote_node *n = v;

		for (j = 0; j < n->n; j++) {
			if (n->ops[j].operator_id != operator_id)
				continue;
			found = true;
			*full = *full || n->ops[j].full;
		}
	}
	return found;
}

size_t bus_ops_queue_elsewhere(struct app *app, int64_t queue_id, int64_t *out, size_t max)
{
	size_t i = 0, j, k, n = 0;
	uint64_t key;
	void *v;

	while (map_next(&app->bus_nodes, &i, &key, &v)) {
		struct remote_node *node = v;

		for (j = 0; j < node->n; j++) {
			const struct remote_op *o = &node->ops[j];

			if ((queue_id && o->queue_id != queue_id) || o->full)
				continue;
			for (k = 0; k < n && out[k] != o->operator_id; k++)
				;
			if (k == n && n < max)
				out[n++] = o->operator_id;
		}
	}
	return n;
}


static void heard_gone(struct app *app, const char *node)
{
	struct remote_node *n = map_del(&app->bus_nodes, node_key(node));

	if (!n)
		return;
	log_info("bus: node %s has left", node);
	node_free(n);
	recount(app);
	if (app_runs_duties(app))
		chat_ops_adopt_waiting(app);
}

/* Tell the others this node's available librarians, per queue, and who is at their limit. */
static void tell_avail(struct app *app)
{
	json_t *queues = json_array(), *on, *away, *guests, *obj;
	size_t i = 0, j, nops = 0;
	uint64_t key;
	void *v;
	char *text;

	while (map_next(&app->dom.queues, &i, &key, &v)) {
		struct queue_live *ql = v;
		json_t *ops;

		if (!ql->navailable)
			continue;
		ops = json_array();
		for (j = 0; j < ql->navailable && nops < BUS_AVAIL_OPS_MAX; j++, nops++) {
			struct operator_live *o = domain_operator(&app->dom, ql->available[j]);

			json_array_append_new(ops, json_pack("[I, b]", (json_int_t)ql->available[j],
							     o && tidy_at_limit(&app->dom, o)));
		}
		json_array_append_new(queues, json_pack("[I, o]", (json_int_t)ql->id, ops));
	}
	on = json_array();
	away = json_array();
	for (i = 0; map_next(&app->dom.operators, &i, &key, &v) && json_array_size(on) < BUS_AVAIL_OPS_MAX;) {
		struct operator_live *o = v;

		if (!o->nconns)
			continue;
		json_array_append_new(on, json_integer(o->id));
		if (o->away)
			json_array_append_new(away, json_integer(o->id));
	}
	guests = json_array();
	for (i = 0; map_next(&app->dom.chats, &i, &key, &v) && json_array_size(guests) < BUS_AVAIL_OPS_MAX;) {
		struct chat_live *chat = v;

		if (chat->status == CHAT_WAITING && chat_ops_has_guest(chat))
			json_array_append_new(guests, json_integer(chat->id));
	}
	obj = json_pack("{s:s, s:o, s:o, s:o, s:o}", "k", "avail", "q", queues, "on", on, "away", away,
			"guests", guests);
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (text)
		bus_tell_json(app->bus, text, strlen(text));
	free(text);
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
	share_ops_bus_sweep(app);
	while (map_next(&app->bus_nodes, &i, &key, &v)) {
		struct remote_node *n = v;

		if (now - n->seen_ms < BUS_AVAIL_STALE_MS)
			continue;
		/* Not heard from for a while: it stopped, or cannot reach NATS. */
		map_del(&app->bus_nodes, key);
		node_free(n);
		gone = true;
	}
	if (gone) {
		log_info("bus: a node went silent; its librarians no longer count here");
		recount(app);
		if (app_runs_duties(app))
			chat_ops_adopt_waiting(app); /* its waiting guests, if it had any, are gone */
	}
}

/* ---- notes ------------------------------------------------------------------------ */

static void heard_json(struct app *app, const struct bus_note *note)
{
	json_t *obj = json_loadb(note->json, note->len, JSON_REJECT_DUPLICATES, NULL);
	const char *k = json_string_value(json_object_get(obj, "k"));

	if (!k)
		log_warn("bus: a malformed note from node %s was dropped", note->node);
	else if (!strcmp(k, "avail"))
		heard_avail(app, note->node, obj);
	else if (!strncmp(k, "share.", 6))
		share_ops_heard(app, k, obj);
	else if (!strncmp(k, "staff.", 6))
		staff_ops_heard(app, k, obj);
	else
		chat_ops_heard(app, k, obj); /* transfers */
	json_decref(obj);
}

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
	case BUS_JSON:
		heard_json(app, note);
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

void bus_ops_tell(struct app *app, json_t *obj)
{
	char *text;

	if (!app->bus) {
		json_decref(obj);
		return;
	}
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (text)
		bus_tell_json(app->bus, text, strlen(text));
	free(text);
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
