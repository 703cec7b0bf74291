/*
 * xmpp_ops.h - the XMPP door: librarians who staff the chat from an XMPP
 * client (docs/OPERATIONS.md "Librarians on XMPP", PROTOCOL.md §6).
 *
 * refdesk is an external component of the library's XMPP server
 * (xmpp/link.h runs the connection on its own thread).  Stanzas reach the
 * loop thread through the server's wake hook, as the writer's results do,
 * and are answered here: the component's own domain answers ping and
 * service discovery; anything it does not serve gets the error stanza RFC
 * 6120 asks for, never silence.
 *
 * Loop thread only.
 */
#ifndef REFDESK_OPS_XMPP_OPS_H
#define REFDESK_OPS_XMPP_OPS_H

struct app;

/* Start the link when app->cfg names an XMPP domain: 0 (also when it does
 * not), or a negative errno after logging why. */
int xmpp_ops_start(struct app *app);
/* The loop woke: handle what the link has read, and its ups and downs. */
void xmpp_ops_drain(struct app *app);
/* Stop the link (joins its thread) and free the door.  Safe without one. */
void xmpp_ops_stop(struct app *app);
/* How many operations from XMPP await their reply (for /metrics); 0 without XMPP. */
unsigned xmpp_ops_pending(const struct app *app);

#endif
