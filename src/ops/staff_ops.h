/*
 * staff_ops.h - words between colleagues (PROTOCOL.md §3.10): staff notes
 * in a chat and the account's staff room.  The message table is in
 * routes.h (staff_messages).
 *
 * Staff notes are written into a chat's staff channel: numbered apart from
 * the chat's events and stored apart from them, and sent only to operator
 * clients, so no guest socket, resume, transcript or mail can carry one.
 * The staff room is one conversation per account for every signed-in
 * operator, kept for --staff-room-keep-secs (default 7 days).
 *
 * Loop thread only.
 */
#ifndef REFDESK_OPS_STAFF_OPS_H
#define REFDESK_OPS_STAFF_OPS_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

struct app;
struct chat_live;
struct client;

#define STAFF_NOTES_SENT_MAX 1000 /* a chat's newest notes a page is given */
#define STAFF_ROOM_HISTORY_MAX 200 /* the room's newest messages a new socket is given */
#define STAFF_ROOM_KEEP_DEFAULT (7 * 86400) /* seconds the room keeps a message */

/*
 * Operator client `c` began to follow `chat`: send it the chat's notes so
 * far (a `notes` frame).  Guests' follows are ignored here.
 */
void staff_ops_follow(struct client *c, struct chat_live *chat);

/* An operator's socket opened (after `hello`): send it the staff room's recent history. */
void staff_ops_operator_open(struct client *c);

/*
 * The periodic purge runs: delete the staff room's messages older than the
 * keep time, in a write of their own.
 */
void staff_ops_purge(struct app *app);

/*
 * The chat's notes as the Chat History record carries them: a new
 * reference to an array of NOTE objects (oldest first), or NULL on a
 * storage error.
 */
json_t *staff_ops_notes_json(struct app *app, int64_t chat_id);

/* Print the limits as `refdesk limits` lines. */
void staff_ops_print_limits(FILE *out, int keep_secs);

/* A note or a room message another node stored ("staff.note", "staff.room", with the
 * frame its operators were sent): the operators here get it too. */
void staff_ops_heard(struct app *app, const char *kind, json_t *obj);

#endif
