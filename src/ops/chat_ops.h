/*
 * chat_ops.h - what each chat message does: the handlers behind the
 * WebSocket protocol (PROTOCOL.md §3.3-3.5), and the events the server
 * pushes.  The table is in routes.h.
 *
 * Handlers validate the message, decide with the domain (chat/), submit
 * writes to the writer and answer from the write's done() callback:
 * commit, then ack, then fan out.  Loop thread only.
 */
#ifndef REFDESK_OPS_CHAT_OPS_H
#define REFDESK_OPS_CHAT_OPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/types.h"

struct client;
struct app;
struct chat_live;
struct store;
struct store_operator;

/*
 * What another part of a chat (screensharing, share_ops.c) must hear, so
 * that this file need not know it: a client that followed `chat` left; the
 * chat is about to end (`by` guest, operator or system) and anything in
 * progress stops first; once a second per live chat; it is handed to a
 * colleague.  app.c sets the
 * listener (app->chat_listener).
 */
struct chat_ops_listener {
	void (*client_left)(struct app *app, struct client *c, struct chat_live *chat);
	void (*ending)(struct app *app, struct chat_live *chat, const char *by);
	void (*tick)(struct app *app, struct chat_live *chat, int64_t now_mono);
	/* A colleague took the chat over: what the guest agreed to with its
	 * holder (a screen share) stops first. */
	void (*transferring)(struct app *app, struct chat_live *chat);
};

/*
 * The chat a client message names, as socket `c` may see it: a chat its
 * guest socket joined with the token, or any chat of the operator's
 * account.  NULL answers not_found.
 */
struct chat_live *chat_ops_resolve(struct client *c, const char *public_id);

/*
 * The wire form of a stored event of chat `public_id` (PROTOCOL.md §3.5),
 * a new reference.  `to_staff`: for operators, whose pages tell their own
 * messages from a colleague's by `operator_id`; guests are not given it.
 */
struct store_event;
json_t *chat_ops_event_json(const char *public_id, const struct store_event *ev, bool to_staff);

/* The client's outbox drained a little: send the next page of any replay. */
void chat_ops_pump(struct client *c);

/* An operator's client opened: register it, send `hello` (c->op stays NULL
 * when the operator is gone or disabled). */
void chat_ops_operator_open(struct client *c);
/* A client's transport closed: take it off chats, queues and presence. */
void chat_ops_client_gone(struct client *c);

/*
 * Chats waiting for an operator whose guest has gone (closed the page, lost
 * the network) for --abandon-secs are ended by the system, so operators are
 * not rung for people who left.  chat_ops_start() gives the waiting chats
 * found at start the same grace; chat_ops_sweep() runs every second.
 */
void chat_ops_start(struct app *app);
/* Print the chat operations' limits as `refdesk limits` lines. */
void chat_ops_print_limits(FILE *out);
void chat_ops_sweep(struct app *app);

/*
 * Tidiness (chat/tidiness.h, desk.c).  chat_ops_set_status(): the operator
 * goes Away (off every queue's live list, not rung) or is back Available
 * (on the queues they had switched on, and rung for what waits there); all
 * their sockets but `except` get `status`, with `reason` when it is not
 * NULL ("idle": the server did it).  chat_ops_ring_again(): offer an
 * operator what waits on their queues, unless Away or at their limit of
 * chats (a chat of theirs ended, or the limit was raised).
 * chat_ops_end_quiet(): the system ends an active chat nobody wrote in
 * (notice `ended`, by system, reason idle); 0 or -ENOMEM.
 */
struct operator_live;
void chat_ops_set_status(struct app *app, struct operator_live *op, bool away, const char *reason,
			 struct client *except);
void chat_ops_ring_again(struct app *app, int64_t operator_id);
/*
 * If the operator is at their limit of chats (just reached, or the limit
 * lowered), the chats still ringing them stop ringing: chat.gone with
 * reason "limit".
 */
void chat_ops_limit_check(struct app *app, int64_t operator_id);
int chat_ops_end_quiet(struct app *app, struct chat_live *chat);

/* A stored chat's seal (chat/access.h) for chat_may_see(). */
struct chat_seal;
struct store_chat;
void chat_ops_seal(const struct store_chat *row, struct chat_seal *seal);

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
 * refusal, or -EINVAL for a missing body (nothing submitted, `posted` not
 * called).
 */
int chat_ops_post(struct app *app, struct chat_live *chat, enum event_author author,
		  int64_t operator_id, const char *kind, json_t *body, const char *cid,
		  int (*extra)(struct store *st, void *arg),
		  void (*posted)(void *arg, int rc, int64_t seq, bool dup), void *arg);

/*
 * End `chat` now, as chat.end does, with an `ended` notice by `by`
 * ("operator", "system").  The caller has checked who may.  0, or a negative
 * errno (nothing changed).
 */
int chat_ops_end(struct app *app, struct chat_live *chat, const char *by);

/* What a guest whose address is blocked is told when starting a chat (blocks.c). */
#define CHAT_BLOCKED_TEXT "This library has paused chats from your connection for a while. " \
	"Please try again later, or contact the library another way."

/*
 * Append an event of `kind` (such as a screensharing step) by `author`;
 * once committed, `c` (if not NULL) gets an `ack` for `id` — or, when
 * `reply` is not NULL, an `ok` with the fields of `reply` added and the
 * seq, after which the event reaches `c` too — and the followers get the
 * event.  References to `body` and `reply` are taken.  The caller has checked that
 * it may be written.  Returns 0, or -EINVAL (no body: `c` gets bad_request)
 * or -ENOMEM, nothing written.
 */
int chat_ops_step(struct app *app, struct client *c, const char *id, struct chat_live *chat,
		  enum event_author author, const char *kind, json_t *body, json_t *reply);

/*
 * Put operator client `c` on (or take it off) queue `queue_id`'s presence
 * and, when on, offer it the chats waiting there.  For a door whose
 * availability is live state, such as XMPP presence, rather than the
 * operator's stored per-queue choice: nothing is written.
 */
void chat_ops_set_available_live(struct client *c, int64_t queue_id, bool on);

/* Take an operator off (or put them on) a queue's presence, telling its watchers. */
void chat_ops_set_available(struct app *app, int64_t queue_id, int64_t operator_id, bool on);

/* ---- news from other nodes (ops/bus_ops.c) ---- */

struct queue_live;
/*
 * A node left or went silent: the waiting chats whose guest was there would
 * wait for ever.  Every waiting chat is held here, its guest counted gone
 * unless connected here; the sweep asks the other nodes' lists before it
 * ends one as abandoned.  The node running the shared duties does this.
 */
void chat_ops_adopt_waiting(struct app *app);
/* Has the chat a guest socket here? */
bool chat_ops_has_guest(const struct chat_live *chat);
/* Tell a queue's watchers whether anyone is there now. */
void chat_ops_presence_notify(struct app *app, struct queue_live *ql);
/*
 * Chat `chat_id` has events up to `seq` in the store, written elsewhere: if
 * it is held here, its followers get what they have not had, in order, and
 * its holder and status follow the row (those it rang here hear that it was
 * taken or is gone; a chat back on its queue rings who is available here).
 */
void chat_ops_look(struct app *app, int64_t chat_id, int64_t seq);
/* Chat `chat_id` waits in `queue_id`: ring the librarians available here. */
void chat_ops_ring_here(struct app *app, int64_t chat_id, int64_t queue_id);
/*
 * The link to the other nodes is back: every chat held here looks, the
 * waiting ones ring, and the others hear again of every chat held here (what
 * this node said while its link was down was lost).
 */
void chat_ops_catch_up(struct app *app);
/* Another node's news of a chat: a transfer ("transfer", "transfer.decline", "transfer.end"),
 * its guest connected there ("guest.here"). */
void chat_ops_heard(struct app *app, const char *kind, json_t *obj);

#endif
