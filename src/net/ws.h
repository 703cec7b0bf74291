/*
 * ws.h - WebSocket connections: framing, the bounded outbox, dispatch of
 * client messages to their handlers (chat_ops.c), and replies.
 *
 * A `struct conn` lives on the heap; the lws per-session data holds only a
 * pointer to it, so an idle socket costs little.  It is detached from
 * everything in LWS_CALLBACK_CLOSED but freed only when no write in flight
 * still points at it (`pins`): the ack for a committed message then finds
 * a dead connection and is dropped.
 *
 * Loop thread only.
 */
#ifndef REFDESK_NET_WS_H
#define REFDESK_NET_WS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/rate.h"

struct app;
struct lws;
struct chat_live;
struct operator_live;
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

enum conn_kind { CONN_GUEST, CONN_OPERATOR };

struct conn_follow {
	struct chat_live *chat;
	bool as_guest; /* joined with the chat's token */
};

struct conn {
	struct conn *prev, *next;
	struct app *app;
	struct lws *wsi;                 /* NULL once closed */
	enum conn_kind kind;
	struct operator_live *op;        /* operators */
	unsigned char session_hash[32];  /* operators */
	int64_t op_id_pending;           /* operators: from the session, until opened */
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
	bool oversize;                   /* reading away a message over WS_FRAME_MAX */
	bool going_away;                 /* the server is stopping: close 1001 once quiet */
	struct conn_follow *follows;
	size_t nfollows, capfollows;
	int64_t *watching;               /* queue ids */
	size_t nwatching, capwatching;
	int close_code;
	const char *close_reason;
	unsigned pins;
};

/* lws callbacks for the WebSocket role (server.c dispatches to these). */
int ws_filter(struct app *app, struct lws *wsi);
int ws_established(struct app *app, struct lws *wsi, struct conn **slot);
int ws_receive(struct conn *c, const void *in, size_t len);
int ws_writeable(struct conn *c);
int ws_timer(struct conn *c);
void ws_closed(struct conn *c);

/* Queue a frame of text.  Over the outbox limits the peer is closed 4002. */
void conn_send_text(struct conn *c, const char *text, size_t len);
/* Serialise and queue `obj`, then drop the reference. */
void conn_send_json(struct conn *c, json_t *obj);
/* Reply {"type":"error","id":id,"code","message"}; id may be NULL. */
void conn_error(struct conn *c, const char *id, const char *code, const char *message);
/* Close with `code` once queued frames are out (or at once when too slow). */
void conn_close(struct conn *c, int code, const char *reason);
/* Keep a connection's memory alive across a write in flight. */
void conn_pin(struct conn *c);
void conn_unpin(struct conn *c);
bool conn_alive(const struct conn *c);

struct conn_follow *conn_find_follow(struct conn *c, const char *public_id);
void conn_add_follow(struct conn *c, struct chat_live *chat, bool as_guest);
void conn_add_watch(struct conn *c, int64_t queue_id);

/* Close every socket of a session (sign-out) or of an operator (disabled). */
void ws_close_session(struct app *app, const unsigned char hash[32], int code);
void ws_close_operator(struct app *app, int64_t operator_id, int code);
/* Shutdown: close every socket with 1001. */
void ws_close_all(struct app *app);

#endif
