/*
 * xmpp_int.h - what the files of the XMPP door share (xmpp_ops.c: the
 * link, stanza helpers and dispatch; xmpp_operators.c: linked operators,
 * their presence and the linking API).  Nothing else includes this.
 * Loop thread only.
 */
#ifndef REFDESK_OPS_XMPP_INT_H
#define REFDESK_OPS_XMPP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/map.h"
#include "xmpp/link.h"

struct app;
struct server_timer;
struct xml_node;

#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"

struct xmpp_ops {
	struct app *app;
	struct xmpp_link_config cfg;
	struct xmpp_link *link;
	uint64_t epoch;             /* the connection that is up, 0 while none is */
	struct map operators;       /* operator id -> struct xmpp_operator (linked, seen) */
	struct server_timer *reap;  /* detaches clients whose close was asked for */
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

#endif
