/*
 * staff_ops.c - see staff_ops.h.
 *
 * A note or a room message is one writer op (`struct staff_write`): its
 * apply() stores the row on the writer thread; its done() answers the
 * sender and sends the row to the operators' clients, after the commit, as
 * chat messages do.  Who hears what is decided here and nowhere else:
 *   - a note goes to the operator clients following its chat (never to a
 *     follower that is a guest socket: fan_note() checks the client kind);
 *   - a room message goes to every client of every signed-in operator of
 *     the sender's account (the sending socket has its `ok` instead).
 */
#include "ops/staff_ops.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/text.h"
#include "base/util.h"
#include "chat/domain.h"
#include "ops/app.h"
#include "ops/bus_ops.h"
#include "ops/chat_ops.h"
#include "ops/client.h"
#include "ops/errors.h"
#include "ops/routes.h"
#include "store/store.h"
#include "store/writer.h"

enum staff_action { STAFF_NOTE, STAFF_ROOM, STAFF_PURGE };

struct staff_write {
	struct store_op op;
	enum staff_action action;
	struct app *app;
	struct client *conn;        /* the sender (pinned), or NULL for the purge */
	struct chat_live *chat;     /* STAFF_NOTE (pinned) */
	char id[WS_ID_MAX + 1];
	int dup;
	union {
		struct store_note note;
		struct store_room_message room;
		struct {
			int64_t before;
			int n;
		} purge;
	} u;
};

/* ---- wire forms ------------------------------------------------------------------- */

static json_t *note_json(const struct store_note *n)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:s?, s:I}", "seq", (json_int_t)n->seq,
			 "operator_id", (json_int_t)n->operator_id, "name", n->name,
			 "text", n->text, "cid", n->cid[0] ? n->cid : NULL, "at", (json_int_t)n->at);
}

static json_t *room_json(const struct store_room_message *m)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:s?, s:I}", "id", (json_int_t)m->id,
			 "operator_id", (json_int_t)m->operator_id, "name", m->name,
			 "text", m->text, "cid", m->cid[0] ? m->cid : NULL, "at", (json_int_t)m->at);
}

/* Send `obj` (the reference is taken) to every operator client following `chat`. */
/* Send a note's frame to the operator clients following its chat here. */
static void send_note(struct chat_live *chat, const char *text)
{
	size_t i;

	for (i = 0; i < chat->nfollowers; i++) {
		struct client *c = chat->followers[i].conn;

		if (c->kind == CLIENT_OPERATOR)
			client_send_text(c, text, strlen(text));
	}
}

/* Send a room message's frame to every client here of the account's operators but `except`. */
static void send_room(struct app *app, int64_t account_id, const char *text, struct client *except)
{
	size_t i = 0, j;
	uint64_t key;
	void *v;

	while (map_next(&app->dom.operators, &i, &key, &v)) {
		struct operator_live *o = v;

		if (o->account_id != account_id)
			continue;
		for (j = 0; j < o->nconns; j++)
			if (o->conns[j] != except)
				client_send_text(o->conns[j], text, strlen(text));
	}
}

/* Send `obj` (the reference is taken) to the chat's operators here and on the other nodes. */
static void fan_note(struct app *app, struct chat_live *chat, json_t *obj)
{
	char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;

	json_decref(obj);
	if (!text)
		return;
	send_note(chat, text);
	if (app->bus)
		bus_ops_tell(app, json_pack("{s:s, s:I, s:s}", "k", "staff.note",
					    "chat", (json_int_t)chat->id, "frame", text));
	free(text);
}

/*
 * Send `obj` (the reference is taken) to every client of the account's
 * signed-in operators but `except` (the sender, which has its `ok`).
 */
static void fan_room(struct app *app, int64_t account_id, json_t *obj, struct client *except)
{
	char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;

	json_decref(obj);
	if (!text)
		return;
	send_room(app, account_id, text, except);
	if (app->bus)
		bus_ops_tell(app, json_pack("{s:s, s:I, s:s}", "k", "staff.room",
					    "account", (json_int_t)account_id, "frame", text));
	free(text);
}

void staff_ops_heard(struct app *app, const char *kind, json_t *obj)
{
	const char *frame = json_string_value(json_object_get(obj, "frame"));
	json_int_t id;
	struct chat_live *chat;

	if (!frame)
		return;
	if (!strcmp(kind, "staff.note")) {
		id = json_integer_value(json_object_get(obj, "chat"));
		chat = domain_chat(&app->dom, id);
		if (chat)
			send_note(chat, frame);
	} else if (!strcmp(kind, "staff.room")) {
		id = json_integer_value(json_object_get(obj, "account"));
		if (id > 0)
			send_room(app, id, frame, NULL);
	}
}

/* ---- the write op ------------------------------------------------------------------ */

static int staff_apply(struct store *st, struct store_op *op)
{
	struct staff_write *w = container_of(op, struct staff_write, op);
	int rc = 0;

	switch (w->action) {
	case STAFF_NOTE:
		rc = store_note_add(st, &w->u.note);
		break;
	case STAFF_ROOM:
		rc = store_room_add(st, &w->u.room);
		break;
	case STAFF_PURGE:
		rc = store_room_purge(st, w->u.purge.before, &w->u.purge.n);
		break;
	}
	if (rc == 1)
		w->dup = 1;
	return rc < 0 ? rc : 0;
}

static void note_done(struct staff_write *w)
{
	struct chat_live *chat = w->chat;

	client_send_json(w->conn, json_pack("{s:s, s:s, s:s, s:I}", "type", "ok", "id", w->id,
					  "chat", chat->public_id,
					  "seq", (json_int_t)w->u.note.seq));
	if (!w->dup)
		fan_note(w->app, chat, json_pack("{s:s, s:s, s:o}", "type", "note", "chat", chat->public_id,
					 "note", note_json(&w->u.note)));
}

static void room_done(struct staff_write *w)
{
	json_t *msg = room_json(&w->u.room);

	client_send_json(w->conn, json_pack("{s:s, s:s, s:O}", "type", "ok", "id", w->id,
					  "message", msg));
	if (!w->dup)
		fan_room(w->app, w->u.room.account_id,
			 json_pack("{s:s, s:o}", "type", "room.message", "message", msg), w->conn);
	else
		json_decref(msg);
}

static void staff_done(struct store_op *op, int rc)
{
	struct staff_write *w = container_of(op, struct staff_write, op);

	if (rc < 0 && w->action == STAFF_PURGE)
		log_warn("staff room: the purge failed (%d); it runs again at the next interval", rc);
	else if (rc < 0)
		client_refuse(w->conn, w->id, rc,
			      "The server could not save this; nothing was stored. Try again shortly.");
	else if (w->action == STAFF_NOTE)
		note_done(w);
	else if (w->action == STAFF_ROOM)
		room_done(w);
	else if (w->u.purge.n)
		log_info("staff room: deleted %d messages past their keep time", w->u.purge.n);
	if (w->chat) {
		w->chat->pins--;
		domain_chat_maybe_forget(&w->app->dom, w->chat);
	}
	if (w->conn)
		client_unpin(w->conn);
	free(w);
}

static struct staff_write *staff_write_new(struct app *app, struct client *c, const char *id,
					   enum staff_action action)
{
	struct staff_write *w = xcalloc(1, sizeof(*w));

	w->op.apply = staff_apply;
	w->op.done = staff_done;
	w->action = action;
	w->app = app;
	w->conn = c;
	snprintf(w->id, sizeof(w->id), "%s", id ? id : "");
	if (c)
		client_pin(c);
	return w;
}

/*
 * The text of a note or room message, trimmed, into `out`: 0, or an error
 * already sent (empty: bad_message; over CHAT_TEXT_MAX characters: too_long).
 */
static int staff_text(struct client *c, const char *id, const char *text, char *out, size_t size)
{
	size_t len = text_trim(text, &text);

	if (!len) {
		client_error(c, id, "bad_message", "The text is empty.");
		return -EBADMSG;
	}
	if (utf8_count(text, len) > CHAT_TEXT_MAX || len >= size) {
		client_error(c, id, "too_long", "A note or staff room message has at most 4,000 characters.");
		return -E2BIG;
	}
	memcpy(out, text, len);
	out[len] = '\0';
	return 0;
}

/* ---- handlers ------------------------------------------------------------------------ */

static void h_note_send(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	const char *type, *mid, *public_id, *text;
	struct chat_live *chat;
	struct staff_write *w;
	json_error_t err;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:s, s:s}", "type", &type,
			   "id", &mid, "chat", &public_id, "text", &text)) {
		client_bad_fields(c, id, &err);
		return;
	}
	chat = chat_ops_resolve(c, public_id);
	if (!chat) {
		client_refuse(c, id, -ENOENT, "No such chat.");
		return;
	}
	if (chat->status == CHAT_ENDED) {
		/* A note belongs to a conversation in progress; an ended one is a record. */
		client_refuse(c, id, -ECANCELED, NULL);
		domain_chat_maybe_forget(&c->app->dom, chat);
		return;
	}
	w = staff_write_new(c->app, c, id, STAFF_NOTE);
	if (staff_text(c, id, text, w->u.note.text, sizeof(w->u.note.text)) < 0) {
		client_unpin(c);
		free(w);
		domain_chat_maybe_forget(&c->app->dom, chat);
		return;
	}
	w->chat = chat;
	w->op.order = chat->id;
	chat->pins++;
	w->u.note.chat_id = chat->id;
	w->u.note.operator_id = c->op->id;
	snprintf(w->u.note.name, sizeof(w->u.note.name), "%s", c->op->name);
	snprintf(w->u.note.cid, sizeof(w->u.note.cid), "%s", id);
	w->u.note.at = time_now_ms();
	app_submit(c->app, &w->op);
}

static void h_room_send(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	const char *type, *mid, *text;
	struct staff_write *w;
	json_error_t err;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:s}", "type", &type, "id", &mid,
			   "text", &text)) {
		client_bad_fields(c, id, &err);
		return;
	}
	w = staff_write_new(c->app, c, id, STAFF_ROOM);
	if (staff_text(c, id, text, w->u.room.text, sizeof(w->u.room.text)) < 0) {
		client_unpin(c);
		free(w);
		return;
	}
	w->u.room.account_id = c->op->account_id;
	w->u.room.operator_id = c->op->id;
	snprintf(w->u.room.name, sizeof(w->u.room.name), "%s", c->op->name);
	snprintf(w->u.room.cid, sizeof(w->u.room.cid), "%s", id);
	w->u.room.at = time_now_ms();
	app_submit(c->app, &w->op);
}

#define OPERATOR (1u << CLIENT_OPERATOR)

const struct ws_message staff_messages[] = {
	{ "note.send", OPERATOR, h_note_send },
	{ "room.send", OPERATOR, h_room_send },
};
const size_t staff_nmessages = ARRAY_SIZE(staff_messages);

/* ---- what others call ------------------------------------------------------------------ */

static int add_note(void *arg, const struct store_note *n)
{
	json_array_append_new(arg, note_json(n));
	return 0;
}

json_t *staff_ops_notes_json(struct app *app, int64_t chat_id)
{
	json_t *arr = json_array();

	if (store_notes_of_chat(app->st, chat_id, STAFF_NOTES_SENT_MAX, add_note, arr) < 0) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

void staff_ops_follow(struct client *c, struct chat_live *chat)
{
	json_t *notes;

	if (c->kind != CLIENT_OPERATOR || !c->op)
		return;
	notes = staff_ops_notes_json(c->app, chat->id);
	if (notes)
		client_send_json(c, json_pack("{s:s, s:s, s:o}", "type", "notes",
					      "chat", chat->public_id, "notes", notes));
}

static int add_room(void *arg, const struct store_room_message *m)
{
	json_array_append_new(arg, room_json(m));
	return 0;
}

void staff_ops_operator_open(struct client *c)
{
	int64_t keep_ms = (int64_t)c->app->cfg->staff_room_keep_secs * 1000;
	json_t *arr = json_array();

	if (!c->op || store_room_recent(c->app->st, c->op->account_id, time_now_ms() - keep_ms,
					STAFF_ROOM_HISTORY_MAX, add_room, arr) < 0) {
		json_decref(arr);
		return;
	}
	client_send_json(c, json_pack("{s:s, s:o, s:i}", "type", "room.history", "messages", arr,
				      "keep_secs", c->app->cfg->staff_room_keep_secs));
}

void staff_ops_purge(struct app *app)
{
	struct staff_write *w = staff_write_new(app, NULL, NULL, STAFF_PURGE);

	w->u.purge.before = time_now_ms() - (int64_t)app->cfg->staff_room_keep_secs * 1000;
	app_submit(app, &w->op);
}

void staff_ops_print_limits(FILE *out, int keep_secs)
{
	limit_print(out, "staff_text_chars", CHAT_TEXT_MAX, "chars",
		    "a staff note or staff room message");
	limit_print(out, "staff_notes_sent", STAFF_NOTES_SENT_MAX, "notes",
		    "a chat's newest notes a page is given");
	limit_print(out, "staff_room_history", STAFF_ROOM_HISTORY_MAX, "messages",
		    "the staff room's newest messages a new operator socket is given");
	limit_print(out, "staff_room_keep_secs", keep_secs, "s",
		    "the staff room keeps a message (--staff-room-keep-secs)");
}
