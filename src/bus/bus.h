/*
 * bus.h - what one node tells the others, over NATS.
 *
 * Several refdesk processes on one PostgreSQL database keep each their own
 * sockets; the bus is how one says to the rest "look": chat X has events up
 * to seq N in the store, chat X waits for someone in its queue, these are
 * my available librarians.  The store stays the truth: a node that hears a
 * note reads what it needs from the store, so a note lost or late costs a
 * moment, never an event.  When the link to NATS comes back (or first
 * comes up), the loop hears BUS_UP and catches up from the store.
 *
 * A note is a line of text: "KIND NODE A B", A and B decimal integers, or
 * for BUS_JSON "j NODE {...}", an object the loop reads with jansson (its
 * availability, transfers).  NODE is the sender's random id; a node never
 * hears its own notes.
 *
 * The NATS client runs its own threads and calls back on them: they only
 * queue what arrives, under a mutex, and wake the loop, which takes it
 * with bus_drain().  Everything else is for the loop thread.
 */
#ifndef REFDESK_BUS_BUS_H
#define REFDESK_BUS_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BUS_NODE_LEN 16    /* hex characters of a node's id */
#define BUS_NOTE_MAX (256 * 1024) /* bytes in one note */
#define BUS_QUEUE_MAX 100000 /* notes waiting for the loop; more are dropped, then caught up */

enum bus_kind {
	BUS_CHAT,   /* a: chat id, b: its last seq in the store */
	BUS_RING,   /* a: chat id, waiting in queue b */
	BUS_JSON,   /* an object: its "k" says what (bus_ops.c) */
	BUS_GONE,   /* the sender is stopping: forget its availability */
	BUS_UP,     /* (local) the link is up: catch up from the store */
};

struct bus_note {
	enum bus_kind kind;
	char node[BUS_NODE_LEN + 1];
	int64_t a, b;
	char *json;   /* BUS_JSON: the object's text, NUL-terminated, owned by the note */
	size_t len;
};

struct bus;

/* Connect to `url` (nats://host:port) in the background; `wake(arg)` from
 * any thread when notes wait.  0 or -errno (a malformed URL, no memory). */
int bus_open(struct bus **out, const char *url, void (*wake)(void *), void *arg);
void bus_free(struct bus *b);

/* This node's id. */
const char *bus_node(const struct bus *b);
/* Is the link to NATS up now? */
bool bus_up(const struct bus *b);

/* Publish a note (BUS_CHAT, BUS_RING, BUS_GONE).  Nothing is kept while the
 * link is down: the catch-up covers it. */
void bus_tell(struct bus *b, enum bus_kind kind, int64_t a, int64_t bb);
/* Publish a BUS_JSON note: `json` is an object's text (at most BUS_NOTE_MAX - 32 bytes). */
void bus_tell_json(struct bus *b, const char *json, size_t len);

/* Hand each queued note to `fn`, in arrival order; returns how many.  When
 * notes were dropped (the queue was full), a BUS_UP comes first. */
size_t bus_drain(struct bus *b, void (*fn)(void *arg, const struct bus_note *n), void *arg);

/* Parse one note's text (exposed for the unit test).  0, or -EINVAL. */
int bus_parse(const char *text, size_t len, struct bus_note *out);
void bus_note_release(struct bus_note *n);

/* Counters for /metrics. */
struct bus_counts {
	uint64_t sent, received, dropped, reconnects;
};
void bus_counts(struct bus *b, struct bus_counts *out);

#endif
