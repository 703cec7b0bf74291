/*
 * client.h - whoever is on the other end of a chat operation: a guest's
 * socket, an operator's socket, and later an XMPP operator or a remote
 * node.  The operations speak to a `struct client` only — send it an event,
 * close it with a reason — never to the transport underneath.
 *
 * A client is freed once its transport is gone and no write in flight
 * still points at it (`pins`): the ack of a message committed after the
 * socket closed then finds a dead client and is dropped.
 *
 * Loop thread only.
 */
#ifndef REFDESK_OPS_CLIENT_H
#define REFDESK_OPS_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chat/blocks.h"

struct app;
struct chat_live;
struct client;
struct conn;
struct operator_live;

enum client_kind { CLIENT_GUEST, CLIENT_OPERATOR };

/* Why a client is closed (each transport says it its own way). */
enum client_close { CLIENT_SIGNED_OUT, CLIENT_PASSWORD_CHANGED };

struct client_ops {
	/* Deliver one event, as the wire's JSON text. */
	void (*send)(struct client *cl, const char *text, size_t len);
	void (*close)(struct client *cl, enum client_close why);
	/* Is the transport still there and not closing? */
	bool (*alive)(const struct client *cl);
	/* Events waiting to go out (replays send pages while this is low). */
	unsigned (*backlog)(const struct client *cl);
	/* Free the transport's part; the client is no longer used. */
	void (*release)(struct client *cl);
};

struct client_follow {
	struct chat_live *chat;
	bool as_guest; /* joined with the chat's token */
};

struct client {
	const struct client_ops *ops;
	struct client *prev, *next;      /* app->clients */
	struct app *app;
	enum client_kind kind;
	struct operator_live *op;        /* operators */
	unsigned char session_hash[32];  /* operators */
	int64_t op_id_pending;           /* operators: from the session, until opened */
	struct client_follow *follows;
	size_t nfollows, capfollows;
	int64_t *watching;               /* queue ids */
	size_t nwatching, capwatching;
	unsigned pins;
	bool gone;                       /* the transport has closed */
	bool has_addr_key;               /* guests: addr_key is set */
	unsigned char addr_key[BLOCK_KEY_BYTES]; /* guests: their address, keyed-hashed (blocks.h) */
	bool presence_driven;            /* availability follows the door's presence (XMPP): never Away by idle */
	uint64_t serial;                 /* this process's number for it, never reused (the bus names it so) */
	bool share_forwarded;            /* guests: a share message went to another node (share_ops.c) */
	bool stand_in;                   /* a guest on another node, in a share here: never its presence */
};

/* Add a client the transport has set up (ops, kind) to the app's list. */
void client_attach(struct app *app, struct client *cl);
/* The live client numbered `serial` here, or NULL. */
struct client *client_by_serial(struct app *app, uint64_t serial);
/* Its transport closed: take it off chats, queues and presence; free it
 * once no write in flight points at it. */
void client_detach(struct client *cl);

void client_send_text(struct client *cl, const char *text, size_t len);
/* Serialise and send `obj`, then drop the reference. */
void client_send_json(struct client *cl, json_t *obj);
/* Reply {"type":"error","id":id,"code","message"}; id may be NULL. */
void client_error(struct client *cl, const char *id, const char *code, const char *message);
void client_close(struct client *cl, enum client_close why);
bool client_alive(const struct client *cl);
unsigned client_backlog(const struct client *cl);
void client_pin(struct client *cl);
void client_unpin(struct client *cl);

struct client_follow *client_find_follow(struct client *cl, const char *public_id);
void client_add_follow(struct client *cl, struct chat_live *chat, bool as_guest);
void client_add_watch(struct client *cl, int64_t queue_id);

/* Close every client of a session (sign-out) or of an operator (disabled). */
void clients_close_session(struct app *app, const unsigned char hash[32]);
void clients_close_operator(struct app *app, int64_t operator_id);

/* ---- WebSocket clients (the transport's sockets) ---- */

/* The hooks for net/: a socket opened, drained a little, closed. */
void socket_client_open(void *app, struct conn *c);
void socket_client_drained(void *app, struct conn *c);
void socket_client_closed(void *app, struct conn *c);

#endif
