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

struct conn;
struct app;

struct ws_handler {
	const char *type;
	unsigned kinds; /* bit 1 << CONN_GUEST, 1 << CONN_OPERATOR */
	void (*fn)(struct conn *c, const char *id, json_t *msg);
};

/* The handler for a message type, or NULL. */
const struct ws_handler *chat_ops_find(const char *type);

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

#endif
