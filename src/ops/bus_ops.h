/*
 * bus_ops.h - this node's side of the bus (bus/bus.h): what it tells the
 * other nodes, and what it does with what they tell it.
 *
 *   - After a chat's events are fanned out here, "chat X has seq N": a node
 *     that holds X reads what it has not told its sockets from the store
 *     (chat_ops_look()).
 *   - A new chat, "chat X waits in queue Q": a node with librarians
 *     available in Q loads it and rings them (chat_ops_ring_here()).
 *   - Its available librarians per queue (and which are at their limit of
 *     chats), when they change and every
 *     BUS_AVAIL_EVERY_MS: the others add them to the queue's
 *     remote_available (a node silent for BUS_AVAIL_STALE_MS counts none),
 *     so a box on any node says whether anyone is there.
 *   - A transfer that rings librarians on other nodes: its start, each
 *     decline, its end (chat_ops_heard()).
 *   - The link up again (or first up): every chat held here catches up
 *     from the store, waiting chats ring who is here, and this node's list
 *     goes out again.
 *
 * Without --bus every call here does nothing.  Loop thread only.
 */
#ifndef REFDESK_OPS_BUS_OPS_H
#define REFDESK_OPS_BUS_OPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define BUS_AVAIL_EVERY_MS 2000
#define BUS_AVAIL_STALE_MS 7000

struct app;

/* Connect when app->cfg names a bus: 0, or -errno after logging why. */
int bus_ops_start(struct app *app);
void bus_ops_stop(struct app *app);
/* The loop woke: handle what the other nodes said. */
void bus_ops_drain(struct app *app);
/* Once a second: this node's availability, and forgetting silent nodes. */
void bus_ops_tick(struct app *app);

/* Chat `chat_id` has events up to `seq` (just fanned out here). */
void bus_ops_told(struct app *app, int64_t chat_id, int64_t seq);
/* A chat waits in `queue_id`: the other nodes ring whom they have. */
void bus_ops_ring(struct app *app, int64_t chat_id, int64_t queue_id);
/* This node's available librarians changed. */
void bus_ops_avail_changed(struct app *app);

/*
 * `operator_id` on the other nodes: 0 with no socket there, 1 with one and
 * not Away, 2 Away; up to `max` ids of the queues they are available on
 * there go to `queues`.
 */
int bus_ops_status_elsewhere(struct app *app, int64_t operator_id, int64_t *queues, size_t max,
			     size_t *nqueues);
/* Has waiting chat `chat_id` its guest connected to another node (as its last note says)? */
bool bus_ops_guest_elsewhere(struct app *app, int64_t chat_id);
/* Has `operator_id` a socket on another node (its last availability note says)? */
bool bus_ops_connected_elsewhere(struct app *app, int64_t operator_id);
/*
 * Does this node act for a chat held by `operator_id`, where one node must
 * (a quiet chat ended)?  Without a bus, yes.  With one: the node with the
 * holder's socket (the lowest node id, if several), or, when the holder has
 * none anywhere, the node running the shared duties.
 */
bool bus_ops_ends_here(struct app *app, int64_t operator_id);
/* Is `operator_id` available on another node (*full: at their limit there)? */
bool bus_ops_available_elsewhere(struct app *app, int64_t operator_id, bool *full);
/* Up to `max` operators available in `queue_id` (0: any queue) on other nodes and under
 * their limit. */
size_t bus_ops_queue_elsewhere(struct app *app, int64_t queue_id, int64_t *out, size_t max);
/* Publish `obj` (a reference is taken) as a JSON note; the others' chat_ops_heard() gets it. */
void bus_ops_tell(struct app *app, json_t *obj);

/* For /metrics. */
void bus_ops_metrics(struct app *app, FILE *out);

#endif
