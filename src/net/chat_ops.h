/*
 * chat_ops.h - what each client message does: the handlers behind the
 * WebSocket protocol (PROTOCOL.md §3), and the events the server pushes.
 *
 * Handlers validate the message, decide with the domain (chat/), submit
 * writes to the writer and answer from the write's done() callback:
 * commit, then ack, then fan out.  Loop thread only.
 */
#ifndef REFDESK_NET_CHAT_OPS_H
#define REFDESK_NET_CHAT_OPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/types.h"

struct conn;
struct app;
struct chat_live;
struct store;
struct store_operator;

struct ws_handler {
	const char *type;
	unsigned kinds; /* bit 1 << CONN_GUEST, 1 << CONN_OPERATOR */
	void (*fn)(struct conn *c, const char *id, json_t *msg);
};

/* The handler for `type` in a handler table, or NULL. */
const struct ws_handler *ws_handler_lookup(const struct ws_handler *table, size_t n,
					   const char *type);
/* Print a handler table as chat_ops_print_types() does. */
void ws_handlers_print(FILE *out, const struct ws_handler *table, size_t n);

/* The handler for a message type, or NULL. */
const struct ws_handler *chat_ops_find(const char *type);

/*
 * The chat a client message names, as socket `c` may see it: a chat its
 * guest socket joined with the token, or any chat of the operator's
 * account.  NULL answers not_found.
 */
struct chat_live *chat_ops_resolve(struct conn *c, const char *public_id);

/*
 * The wire form of a stored event of chat `public_id` (PROTOCOL.md §3.5),
 * a new reference.  `to_staff`: for operators, whose pages tell their own
 * messages from a colleague's by `operator_id`; guests are not given it.
 */
struct store_event;
json_t *chat_ops_event_json(const char *public_id, const struct store_event *ev, bool to_staff);

/*
 * Print the handler table, one "WS TYPE [guest] [operator]" line per message
 * type, from the table chat_ops_find() searches (see routes_print()).
 */
void chat_ops_print_types(FILE *out);

/* The socket's outbox drained a little: send the next page of any replay. */
void chat_ops_pump(struct conn *c);

/* An operator socket opened: register it, send `hello`. */
void chat_ops_operator_open(struct conn *c);
/* A socket closed: take it off chats, queues and presence. */
void chat_ops_conn_closed(struct conn *c);

/*
 * Chats waiting for an operator whose guest has gone (closed the page, lost
 * the network) for --abandon-secs are ended by the system, so operators are
 * not rung for people who left.  chat_ops_start() gives the waiting chats
 * found at start the same grace; chat_ops_sweep() runs every second.
 */
void chat_ops_start(struct app *app);
void chat_ops_sweep(struct app *app);

/*
 * The live chat `public_id` names, for an HTTP caller: the guest holding
 * `token`, or (token NULL) the operator `op` of its account.  NULL when the
 * caller may not see it — exactly as when it does not exist.
 */
struct chat_live *chat_ops_chat(struct app *app, const char *public_id, const char *token,
				const struct store_operator *op);
/* Forget a live chat found with chat_ops_chat() once it is no longer needed. */
void chat_ops_forget(struct app *app, struct chat_live *chat);

/*
 * Append an event of `kind` with `body` (a reference is taken) posted over
 * HTTP: `extra` runs first in the same transaction (writer thread), then on
 * the loop thread `posted` hears the outcome (seq, or a negative errno),
 * and only then is the event fanned out.  Returns 0, or the chat_may_write()
 * refusal (nothing submitted, `posted` not called).
 */
int chat_ops_post(struct app *app, struct chat_live *chat, enum event_author author,
		  int64_t operator_id, const char *kind, json_t *body, const char *cid,
		  int (*extra)(struct store *st, void *arg),
		  void (*posted)(void *arg, int rc, int64_t seq, bool dup), void *arg);

/*
 * Append an event of `kind` (such as a screensharing step) by `author`;
 * once committed, `c` (if not NULL) gets an `ack` for `id` — or, when
 * `reply` is not NULL, an `ok` with the fields of `reply` added and the
 * seq, after which the event reaches `c` too — and the followers get the
 * event.  References to `body` and `reply` are taken.  The caller has checked that
 * it may be written.
 */
void chat_ops_step(struct app *app, struct conn *c, const char *id, struct chat_live *chat,
		   enum event_author author, const char *kind, json_t *body, json_t *reply);

/* Take an operator off (or put them on) a queue's presence, telling its watchers. */
void chat_ops_set_available(struct app *app, int64_t queue_id, int64_t operator_id, bool on);

#endif
