/*
 * ws.h - WebSocket connections: framing, the bounded outbox, dispatch of
 * client messages to the handlers in the registered tables, and replies.
 *
 * A `struct conn` lives on the heap; the lws per-session data holds only a
 * pointer to it, so an idle socket costs little.  It is freed right after
 * the closed hook ran: the application must not keep a pointer to it.
 *
 * Loop thread only.
 */
#ifndef REFDESK_NET_WS_H
#define REFDESK_NET_WS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/rate.h"

struct lws;
struct server;
struct frame;

#define WS_FRAME_MAX (64 * 1024)
#define WS_OUTBOX_BYTES (1024 * 1024)
#define WS_OUTBOX_FRAMES 10000
#define WS_FLOOD_CLOSE 100        /* dropped messages ... */
#define WS_FLOOD_FORGET_MS 10000  /* ... with no 10 s pause between them */
#define WS_ID_MAX 64

/* Close codes (PROTOCOL.md §3.6). */
#define CLOSE_GOING_AWAY 1001
#define CLOSE_UNSUPPORTED 1003
#define CLOSE_POLICY 1008
#define CLOSE_TOO_BIG 1009
#define CLOSE_SIGNED_OUT 4001
#define CLOSE_TOO_SLOW 4002

/*
 * A message type the application handles: `roles` is a bit per role a
 * socket may have (conn_set_role), and only sockets of those roles may send
 * it; others get unknown_type, as for a type nobody handles.  `fn` gets the
 * socket's user pointer, the message's validated id and the parsed object.
 */
struct ws_message {
	const char *type;
	unsigned roles;
	void (*fn)(void *user, const char *id, json_t *msg);
};

struct conn {
	struct conn *prev, *next;
	struct server *srv;
	struct lws *wsi;                 /* NULL once closed */
	unsigned role;                   /* given by the open hook; 0 until then */
	void *user;                      /* the application's, for this socket */
	struct frame *out_head, *out_tail;
	size_t out_bytes;
	unsigned out_frames;
	unsigned char *rx;               /* a message being reassembled */
	size_t rx_len;
	struct rate rate;
	unsigned dropped;                /* rate-limited messages lately */
	int64_t last_drop;
	int64_t flooding_since;          /* kept flooding: input is discarded until it stops */
	int64_t last_rx;
	int64_t last_heard;              /* monotonic ms of its last frame or pong */
	int64_t pinged_at;               /* when the ping of this silence went out; 0: none */
	bool ping_due;                   /* send a ping at the next WRITEABLE */
	bool oversize;                   /* reading away a message over WS_FRAME_MAX */
	bool going_away;                 /* the server is stopping: close 1001 once quiet */
	int close_code;
	const char *close_reason;
};

/* lws callbacks for the WebSocket role (server.c dispatches to these). */
/*
 * The client's address as text into `out` (size ≥ 64): the peer's, or what a
 * --trusted-proxy reported (http_client_addr()).  "" once the socket closed.
 */
void conn_client_addr(struct conn *c, char *out, size_t size);

int ws_filter(struct server *srv, struct lws *wsi);
int ws_established(struct server *srv, struct lws *wsi, struct conn **slot);
int ws_receive(struct conn *c, const void *in, size_t len);
int ws_writeable(struct conn *c);
int ws_timer(struct conn *c);
void ws_closed(struct conn *c);

/* The role (one bit of a ws_message's `roles`, as a number) and user pointer. */
void conn_set_role(struct conn *c, unsigned role, void *user);

/* Queue a frame of text.  Over the outbox limits the peer is closed 4002. */
void conn_send_text(struct conn *c, const char *text, size_t len);
/* Serialise and queue `obj`, then drop the reference. */
void conn_send_json(struct conn *c, json_t *obj);
/* Reply {"type":"error","id":id,"code","message"}; id may be NULL. */
void conn_error(struct conn *c, const char *id, const char *code, const char *message);
/* Close with `code` once queued frames are out (or at once when too slow). */
void conn_close(struct conn *c, int code, const char *reason);
bool conn_alive(const struct conn *c);
/* Frames waiting in the outbox. */
unsigned conn_backlog(const struct conn *c);
/* A cookie of the upgrade request into `out`: 0, or -ENOENT (absent or too long). */
int conn_cookie(struct conn *c, const char *name, char *out, size_t size);

/* Print the WebSocket limits as `refdesk limits` lines. */
void ws_print_limits(FILE *out);

/* Shutdown: close every socket with 1001. */
void ws_close_all(struct server *srv);

/*
 * Sockets that went quiet: one silent for cfg->ping_secs is pinged; one
 * still silent cfg->idle_close_secs after its last frame is dropped (a
 * peer that vanished without closing).  Every few seconds, over all of them
 * — instead of a timer per connection in lws' sorted list, whose insert
 * grows with the number of sockets and ran on every message received.
 */
void ws_sweep_quiet(struct server *srv, int64_t now_mono);
/* A pong arrived. */
void ws_pong(struct conn *c);

#endif
