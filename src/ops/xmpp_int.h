/*
 * xmpp_int.h - what the files of the XMPP door share (xmpp_ops.c: the
 * link, stanza helpers and dispatch; xmpp_operators.c: linked operators
 * and their presence; xmpp_linking.c: the linking API; xmpp_chats.c:
 * chats).  Nothing else includes this.  Loop thread only.
 */
#ifndef REFDESK_OPS_XMPP_INT_H
#define REFDESK_OPS_XMPP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/map.h"
#include "xmpp/link.h"

#include "ops/client.h"

struct app;
struct server_timer;
struct xml_node;
struct xmpp_pending;

#define XMPP_RESOURCES_MAX 16 /* available clients counted per operator */

#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"

struct xmpp_ops {
	struct app *app;
	struct xmpp_link_config cfg;
	struct xmpp_link *link;
	uint64_t epoch;             /* the connection that is up, 0 while none is */
	struct map operators;       /* operator id -> struct xmpp_operator (linked, seen) */
	struct server_timer *reap;  /* detaches clients whose close was asked for */
	struct xmpp_pending *pending; /* operations sent for a stanza, awaiting their reply */
	unsigned npending;
	uint64_t next_id;
	char base_url[320];         /* where management links point: the public origin */
};

/* The client that stands for an operator on XMPP, like a socket (client.h). */
struct xmpp_client {
	struct client cl;
	struct xmpp_ops *x;
	int64_t operator_id;
	bool closing; /* client_close() asked: detach at the end of the turn */
};

/* An operator whose confirmed address was seen since the link came up. */
struct xmpp_operator {
	int64_t id;
	char *jid;                              /* bare, lower-cased */
	char *resources[XMPP_RESOURCES_MAX];    /* online ones (any presence but unavailable) */
	bool res_available[XMPP_RESOURCES_MAX]; /* ... and which of them are available or chat */
	size_t nresources;
	bool subscribed;                        /* the operator approved, or sent presence */
	struct xmpp_client *client;             /* while online (or writing to a chat) */
	int applied;                            /* availability last applied to the client */
	struct map chats;                       /* str_key(public id) -> struct xmpp_chat */
};

/* Send a stanza on the connection that is up; nothing while none is. */
void xmpp_send(struct xmpp_ops *x, const struct xml_node *st);
/* Send a chat message `body` from `from` to `to`. */
void xmpp_send_message(struct xmpp_ops *x, const char *from, const char *to, const char *body);
/* A reply to `st`: same name and id, from its `to`, to its `from`, of `type` (you own it). */
struct xml_node *xmpp_stanza_reply(const struct xml_node *st, const char *type);
/* Answer `st` with an error stanza (RFC 6120 §8.3); never an error to an error. */
void xmpp_stanza_error(struct xmpp_ops *x, const struct xml_node *st, const char *kind,
		       const char *condition, const char *text);

/* xmpp_operators.c */
void xmpp_operators_init(struct xmpp_ops *x);
void xmpp_operators_release(struct xmpp_ops *x);
/* The link came up: probe every confirmed address.  It went down: all unavailable. */
void xmpp_operators_up(struct xmpp_ops *x);
void xmpp_operators_down(struct xmpp_ops *x);
void xmpp_on_presence(struct xmpp_ops *x, const struct xml_node *st);
/* Is one of the operator's online clients available or chat? */
bool xmpp_operator_available(const struct xmpp_operator *xo);
/* The operator's address changed or went: forget what its presence said (detaches). */
void xmpp_operator_forget(struct xmpp_ops *x, int64_t id);
/* Send <presence/> of `type` (NULL: available) from one of our JIDs. */
void xmpp_send_presence(struct xmpp_ops *x, const char *from, const char *to, const char *type);
/* Tell the operator how many guests wait on `queue` (presence from QUEUE@domain). */
void xmpp_queue_presence(struct xmpp_ops *x, const struct xmpp_operator *xo, const char *queue);
/* The operator whose confirmed address `bare` is, with a client attached (NULL if none). */
struct xmpp_operator *xmpp_operator_of(struct xmpp_ops *x, const char *bare);

/* xmpp_chats.c */
/* An event for the operator's client (the socket protocol's JSON text). */
void xmpp_client_event(struct xmpp_ops *x, struct xmpp_client *xc, const char *text, size_t len);
/* A <message/> from an operator to a chat's JID (or anything else of ours). */
void xmpp_on_message(struct xmpp_ops *x, const struct xml_node *st);
void xmpp_operator_chats_release(struct xmpp_operator *xo);
void xmpp_pending_release(struct xmpp_ops *x);
/*
 * Forget what operator `operator_id`'s client awaits: its replies go to a
 * client that is gone (they would otherwise wait until the link drops, and
 * enough of them stop every librarian's messages: XMPP_PENDING_MAX).
 */
void xmpp_pending_drop_operator(struct xmpp_ops *x, int64_t operator_id);
/* The management links' origin, from the transport's configuration. */
void xmpp_chats_init(struct xmpp_ops *x);

#endif
