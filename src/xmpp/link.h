/*
 * link.h - refdesk's link to an XMPP server as an external component
 * (XEP-0114), on a thread of its own.
 *
 * The thread connects over TCP, opens the `jabber:component:accept` stream
 * to the component's domain, answers the server's stream id with
 * SHA-1(id + secret) and, once the server says <handshake/>, passes every
 * stanza it reads to the loop thread as an event.  The loop sends stanzas
 * back with xmpp_link_send(); the thread writes them.  When the connection
 * fails or drops, the thread tries again after 1, 2, 4 … up to
 * XMPP_RETRY_MAX_MS; each new reason is logged once, not at every attempt,
 * so a wrong secret is one clear line rather than a flood.
 *
 * The link has no TLS (XEP-0114 has none): main.c refuses a non-loopback
 * server unless told otherwise.
 *
 * The handshake is written here rather than with libstrophe, whose
 * component mode (0.12) crashes on the first stanza; the protocol is a
 * stream header and one element, and expat (xml.h) does the parsing.
 */
#ifndef REFDESK_XMPP_LINK_H
#define REFDESK_XMPP_LINK_H

#include <stdint.h>

#define XMPP_RETRY_MIN_MS 1000
#define XMPP_RETRY_MAX_MS 30000
/* Connecting and the handshake each get this long. */
#define XMPP_HANDSHAKE_MS 10000
/* Bytes waiting to be written before the link is dropped as stuck. */
#define XMPP_OUTBOX_MAX (8u << 20)

struct xml_node;
struct xmpp_link;

struct xmpp_link_config {
	const char *domain;      /* the component's domain, such as chat.library.example */
	const char *host;        /* the XMPP server's address (its component port) */
	int port;
	const char *secret_file; /* read again at every attempt */
};

enum xmpp_event_kind {
	XMPP_EVENT_UP,     /* the handshake succeeded; `epoch` names this connection */
	XMPP_EVENT_DOWN,   /* the connection is gone */
	XMPP_EVENT_STANZA, /* a stanza arrived on connection `epoch` */
};

struct xmpp_event {
	enum xmpp_event_kind kind;
	uint64_t epoch;
	struct xml_node *stanza; /* XMPP_EVENT_STANZA */
	struct xmpp_event *next;
};

/*
 * Start the link's thread.  `wake` runs on that thread whenever events are
 * waiting (server_wake(), as the writer does).  `cfg`'s strings must outlive
 * the link.  0, or a negative errno (nothing to free then).
 */
int xmpp_link_new(struct xmpp_link **out, const struct xmpp_link_config *cfg,
		  void (*wake)(void *arg), void *wake_arg);
/* Close the connection, stop and join the thread, free what is queued.  NULL is fine. */
void xmpp_link_free(struct xmpp_link *l);

/*
 * Loop thread: every event waiting, oldest first (you now own the list;
 * free it with xmpp_events_free()), or NULL.
 */
struct xmpp_event *xmpp_link_take(struct xmpp_link *l);
void xmpp_events_free(struct xmpp_event *ev);

/*
 * Loop thread: queue a stanza for connection `epoch` (from its UP event).
 * 0, or -ENOTCONN when that connection is gone (nothing is kept for the
 * next one: the caller replays what was not sent), or -EAGAIN when the
 * outbox is over XMPP_OUTBOX_MAX (the link is then dropped and retried).
 */
int xmpp_link_send(struct xmpp_link *l, uint64_t epoch, const struct xml_node *stanza);

#endif
