/*
 * chat_ops.c - see chat_ops.h.
 *
 * Every write to a chat goes through one op type, `struct chat_write`, whose
 * `action` says what it does.  Its apply() runs on the writer thread and
 * touches only the op's own copies (row, event); its done() runs on the
 * loop thread and is the only place where chat state moves on, acks are
 * sent and events fanned out — in commit order, so followers see seqs in
 * order.  While a write is in flight it pins its chat and its connection.
 */
#include "ops/chat_ops.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/json_flat.h"
#include "base/log.h"
#include "base/text.h"
#include "base/util.h"
#include "chat/access.h"
#include "chat/domain.h"
#include "chat/guest_label.h"
#include "chat/tidiness.h"
#include "ops/app.h"
#include "ops/bus_ops.h"
#include "ops/client.h"
#include "ops/errors.h"
#include "ops/routes.h"
#include "ops/share_ops.h"
#include "net/ws.h"
#include "store/store.h"
#include "store/writer.h"

/* ACT_TRANSFER: a colleague's accept hands the chat over; ACT_REQUEUE: a
 * transfer nobody took, whose sender is gone, puts it back on its queue. */
enum chat_action { ACT_CREATE, ACT_MESSAGE, ACT_ACCEPT, ACT_END, ACT_POST, ACT_TRANSFER,
		   ACT_REQUEUE };

struct chat_write {
	struct store_op op;
	enum chat_action action;
	struct app *app;
	struct client *conn;
	char id[WS_ID_MAX + 1];
	struct chat_live *chat;
	enum chat_status prev_status;
	struct store_chat row;  /* ACT_CREATE */
	char token[48];         /* ACT_CREATE: handed to the guest once */
	struct store_event ev;
	char cid[WS_ID_MAX + 1];
	char *body;             /* the event's JSON */
	int dup;
	/* ACT_POST: more rows for the same transaction, and who hears the outcome */
	int (*extra)(struct store *st, void *arg);
	void (*posted)(void *arg, int rc, int64_t seq, bool dup);
	void *arg;
	json_t *reply;          /* ACT_MESSAGE: more fields for the ack, or NULL */
	/* ACT_TRANSFER, ACT_REQUEUE: the new holder (0: nobody) and queue, from the holder
	 * the chat had when the write was made (the store changes it only from that one) */
	int64_t to_operator, to_queue, from_operator;
	char to_name[NAME_BYTES];
};

/* A patron has one conversation at a time; a few spare allow a restart. */
#define CHATS_PER_GUEST_SOCKET 8
#define PRESENCE_QUEUES_MAX 16 /* queues one presence.watch names */

/* ---- small helpers ------------------------------------------------------- */

static struct client *follower_conn(const struct follower *f)
{
	return f->conn;
}

static const char *from_name(enum event_author a)
{
	return a == AUTHOR_GUEST ? "guest" : a == AUTHOR_OPERATOR ? "operator" : "system";
}

/* Does the wire form of `ev` name its operator (for staff)?  Only what an operator wrote. */
static bool names_operator(const struct store_event *ev, bool to_staff)
{
	return to_staff && ev->author == AUTHOR_OPERATOR && ev->operator_id;
}

json_t *chat_ops_event_json(const char *public_id, const struct store_event *ev, bool to_staff)
{
	json_t *obj = json_loads(ev->body, 0, NULL);

	if (!json_is_object(obj)) {
		json_decref(obj);
		obj = json_object();
	}
	json_object_set_new(obj, "type", json_string("event"));
	json_object_set_new(obj, "chat", json_string(public_id));
	json_object_set_new(obj, "seq", json_integer(ev->seq));
	json_object_set_new(obj, "kind", json_string(ev->kind));
	json_object_set_new(obj, "at", json_integer(ev->at));
	if (strcmp(ev->kind, "notice")) {
		json_object_set_new(obj, "from", json_string(from_name(ev->author)));
		json_object_set_new(obj, "cid", ev->cid ? json_string(ev->cid) : json_null());
		if (names_operator(ev, to_staff))
			json_object_set_new(obj, "operator_id", json_integer(ev->operator_id));
	}
	return obj;
}

/* Characters that stand in a JSON string as they are (ids, kinds: no escaping needed). */
static bool plain_json(const char *s)
{
	return str_is_token(s, 128, "_.:-");
}

/*
 * Appending to a frame's text without printf: the wire text of every
 * relayed event and ack is built here, and vfprintf cost more than the
 * rest of it.  The caller sizes the buffer.
 */
static char *put(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *put_int(char *p, long long v)
{
	char digits[24];
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	int n = 0;

	do
		digits[n++] = (char)('0' + u % 10);
	while ((u /= 10));
	if (v < 0)
		*p++ = '-';
	while (n)
		*p++ = digits[--n];
	return p;
}

/*
 * The wire text of a stored event, malloc'd.  The body is a JSON object
 * the server wrote itself (compact, without these keys), so the envelope's
 * fields are spliced in front of its members instead of parsing it back:
 * every message is fanned out, and this was a parse and a serialisation
 * each time.  Anything unexpected takes the general way.
 */
static char *event_text(const struct chat_live *chat, const struct store_event *ev, bool to_staff,
			size_t *len)
{
	size_t blen = strlen(ev->body);
	char head[400], *out, *p;
	int n;

	if (blen < 2 || ev->body[0] != '{' || ev->body[blen - 1] != '}' ||
	    !plain_json(chat->public_id) || !plain_json(ev->kind) ||
	    (ev->cid && !plain_json(ev->cid)) ||
	    /* never so long, but the head below must fit (its fixed parts take < 200) */
	    strlen(chat->public_id) + strlen(ev->kind) + (ev->cid ? strlen(ev->cid) : 0) >
		    sizeof(head) - 200) {
		json_t *obj = chat_ops_event_json(chat->public_id, ev, to_staff);

		out = json_dumps(obj, JSON_COMPACT);
		json_decref(obj);
		*len = out ? strlen(out) : 0;
		return out;
	}
	p = put(head, "{\"type\":\"event\",\"chat\":\"");
	p = put(p, chat->public_id);
	p = put(p, "\",\"seq\":");
	p = put_int(p, ev->seq);
	p = put(p, ",\"kind\":\"");
	p = put(p, ev->kind);
	p = put(p, "\",\"at\":");
	p = put_int(p, ev->at);
	if (strcmp(ev->kind, "notice")) {
		p = put(p, ",\"from\":\"");
		p = put(p, from_name(ev->author));
		if (ev->cid) {
			p = put(p, "\",\"cid\":\"");
			p = put(p, ev->cid);
			p = put(p, "\"");
		} else {
			p = put(p, "\",\"cid\":null");
		}
		if (names_operator(ev, to_staff)) {
			p = put(p, ",\"operator_id\":");
			p = put_int(p, ev->operator_id);
		}
	}
	n = (int)(p - head);
	out = xmalloc((size_t)n + blen + 1);
	memcpy(out, head, (size_t)n);
	if (blen > 2) {
		out[n] = ',';
		memcpy(out + n + 1, ev->body + 1, blen - 1); /* the members and the closing brace */
		*len = (size_t)n + blen;
	} else {
		out[n] = '}';
		*len = (size_t)n + 1;
	}
	out[*len] = '\0';
	return out;
}

/*
 * Send `ev` to every follower that has not had it yet.  Its text is made
 * once for the guest's sockets and once for operators' (which also name
 * the operator who wrote it), each only if someone of that side follows.
 */
static void deliver(struct chat_live *chat, const struct store_event *ev)
{
	char *text[2] = { NULL, NULL };
	size_t i, len[2] = { 0, 0 };

	for (i = 0; i < chat->nfollowers; i++) {
		struct follower *f = &chat->followers[i];
		int staff = follower_conn(f)->kind == CLIENT_OPERATOR;

		if (f->seq >= ev->seq || f->replaying)
			continue;
		if (!text[staff]) {
			text[staff] = event_text(chat, ev, staff, &len[staff]);
			if (!text[staff])
				break;
		}
		f->seq = ev->seq;
		client_send_text(follower_conn(f), text[staff], len[staff]);
	}
	free(text[0]);
	free(text[1]);
	if (ev->seq > chat->told_seq)
		chat->told_seq = ev->seq;
}

static bool look_fill(struct app *app, struct chat_live *chat, int64_t upto);
static void follow_row(struct app *app, struct chat_live *chat);

/*
 * A committed event goes to this process's followers, and the other nodes
 * hear of it (bus_ops.h).  Events another process stored between the last
 * one told here and this one go first, read from the store, so followers
 * see a chat's events in seq order whoever wrote them.
 */
static void fanout(struct app *app, struct chat_live *chat, const struct store_event *ev)
{
	if (ev->seq > chat->told_seq + 1 && look_fill(app, chat, ev->seq - 1))
		follow_row(app, chat); /* one of them was an accept, a hand-over, an end */
	deliver(chat, ev);
	bus_ops_told(app, chat->id, ev->seq);
}

static const char *queue_name(struct app *app, int64_t queue_id, struct store_queue *buf)
{
	struct queue_live *ql = domain_queue(&app->dom, queue_id);

	if (ql)
		return ql->name;
	if (store_queue_get(app->st, queue_id, buf) < 0)
		return "";
	return buf->name;
}

static json_t *chat_summary(struct app *app, const struct chat_live *chat)
{
	struct store_queue q;
	char label[GUEST_LABEL_MAX];

	guest_label(chat->public_id, label, sizeof(label));
	return json_pack("{s:s, s:s, s:s, s:s?, s:s, s:o, s:I, s:I}",
			 "chat", chat->public_id,
			 "queue", queue_name(app, chat->queue_id, &q),
			 "status", chat_status_name(chat->status),
			 "name", chat->guest_name[0] ? chat->guest_name : NULL,
			 "label", label,
			 "operator", chat->operator_id ?
				json_pack("{s:I, s:s}", "id", (json_int_t)chat->operator_id,
					  "name", chat->operator_name) : json_null(),
			 "started_at", (json_int_t)chat->created_at,
			 "seq", (json_int_t)chat->last_seq);
}

/* Send a frame to every socket of an operator. */
static void send_operator(struct app *app, int64_t operator_id, json_t *obj, struct client *except)
{
	struct operator_live *o = domain_operator(&app->dom, operator_id);
	char *text = json_dumps(obj, JSON_COMPACT);
	size_t i;

	json_decref(obj);
	if (!text)
		return;
	for (i = 0; o && i < o->nconns; i++)
		if (o->conns[i] != except)
			client_send_text(o->conns[i], text, strlen(text));
	free(text);
}

#define SHARE_LOOKBACK 200 /* events read back for a share's steps when a chat is loaded */

static int share_step_of(void *arg, const struct store_event *ev)
{
	if (!strcmp(ev->kind, "share"))
		share_ops_heard_step(arg, ev->body);
	return 0;
}

/* The live chat for a stored row, loading it into the domain if needed. */
static struct chat_live *chat_live_of(struct app *app, const struct store_chat *row)
{
	struct chat_live *c = domain_chat(&app->dom, row->id), init;
	struct store_operator o;

	if (c)
		return c;
	memset(&init, 0, sizeof(init));
	init.id = row->id;
	snprintf(init.public_id, sizeof(init.public_id), "%s", row->public_id);
	init.account_id = row->account_id;
	init.queue_id = row->queue_id;
	init.status = row->status;
	init.operator_id = row->operator_id;
	if (row->operator_id && store_operator_get(app->st, row->operator_id, &o) == 0)
		snprintf(init.operator_name, sizeof(init.operator_name), "%s", o.name);
	snprintf(init.guest_name, sizeof(init.guest_name), "%s", row->guest_name);
	init.created_at = row->created_at;
	init.last_seq = row->last_seq;
	init.told_seq = row->last_seq; /* a follower catches up from the store when it joins */
	c = domain_chat_add(&app->dom, &init);
	if (app->bus && row->status == CHAT_ACTIVE)
		/* A share may run in another node: its recent steps say (share_ops.h). */
		store_events_since(app->st, c->id, row->last_seq > SHARE_LOOKBACK ?
				   row->last_seq - SHARE_LOOKBACK : 0, SHARE_LOOKBACK, share_step_of, c);
	return c;
}

void chat_ops_seal(const struct store_chat *row, struct chat_seal *seal)
{
	seal->account_id = row->account_id;
	seal->token_hash = row->token_hash;
	seal->manage_token = row->manage_token;
}

/* The stored chat `public_id` as `v` may see it: 0 with its row, or -ENOENT. */
static int visible_row(struct app *app, const char *public_id, const struct chat_viewer *v,
		       struct store_chat *row)
{
	struct chat_seal seal;

	if (strlen(public_id) >= sizeof(row->public_id) ||
	    store_chat_by_public(app->st, public_id, row) < 0)
		return -ENOENT;
	chat_ops_seal(row, &seal);
	return chat_may_see(&seal, v);
}

/* An operator's view of a chat by its public id; NULL unless it is in their account. */
static struct chat_live *operator_chat(struct client *c, const char *public_id)
{
	struct client_follow *f = client_find_follow(c, public_id);
	struct chat_viewer v = { VIEWER_OPERATOR, c->op->account_id, NULL };
	struct store_chat row;

	if (f)
		return f->chat;
	return visible_row(c->app, public_id, &v, &row) == 0 ? chat_live_of(c->app, &row) : NULL;
}

/* The chat a message names, as this connection may see it; NULL answers not_found. */
static struct chat_live *resolve_chat(struct client *c, const char *public_id)
{
	struct client_follow *f;

	if (c->kind == CLIENT_OPERATOR)
		return operator_chat(c, public_id);
	f = client_find_follow(c, public_id);
	return f && f->as_guest ? f->chat : NULL;
}

static void not_found(struct client *c, const char *id)
{
	client_refuse(c, id, -ENOENT, "No such chat.");
}

/* Is the chat's holder connected, to this node or (bus_ops.h) another? */
static bool holder_online(struct app *app, const struct chat_live *chat)
{
	return domain_operator(&app->dom, chat->operator_id) != NULL ||
	       bus_ops_connected_elsewhere(app, chat->operator_id);
}

/* ---- the write op --------------------------------------------------------- */

static int chat_write_apply(struct store *st, struct store_op *op)
{
	struct chat_write *w = container_of(op, struct chat_write, op);
	int rc = 0;

	/*
	 * An accept or a hand-over stores its event before it changes the chat's
	 * row, as every write does (the row's counts at commit): with another
	 * process writing the same chat, the two never wait for each other in
	 * opposite orders.  A change the store refuses takes the event back.
	 */
	if (w->action == ACT_ACCEPT || w->action == ACT_TRANSFER || w->action == ACT_REQUEUE) {
		rc = store_event_append(st, &w->ev);
		if (rc < 0)
			return rc;
		w->dup = rc == 1;
	}
	switch (w->action) {
	case ACT_CREATE:
		rc = store_chat_add(st, &w->row);
		break;
	case ACT_ACCEPT:
		rc = store_chat_set_status(st, w->ev.chat_id, CHAT_ACTIVE, w->ev.operator_id, w->ev.at);
		break;
	case ACT_END:
		rc = store_chat_set_status(st, w->ev.chat_id, CHAT_ENDED, 0, w->ev.at);
		break;
	case ACT_MESSAGE:
		break;
	case ACT_POST:
		rc = w->extra ? w->extra(st, w->arg) : 0;
		break;
	case ACT_TRANSFER:
		rc = store_chat_hand_over(st, w->ev.chat_id, CHAT_ACTIVE, w->to_operator, w->to_queue,
					  w->from_operator);
		break;
	case ACT_REQUEUE:
		rc = store_chat_hand_over(st, w->ev.chat_id, CHAT_WAITING, 0, w->to_queue,
					  w->from_operator);
		break;
	}
	if (rc < 0 || w->action == ACT_ACCEPT || w->action == ACT_TRANSFER ||
	    w->action == ACT_REQUEUE)
		return rc < 0 ? rc : 0;
	rc = store_event_append(st, &w->ev);
	if (rc == 1)
		w->dup = 1;
	return rc < 0 ? rc : 0;
}

static void chat_write_done(struct store_op *op, int rc);

/*
 * A write of `body` (a reference is taken) into `chat`: 0 with *out, or
 * -EINVAL when there is no body (json_pack() refused a field, such as text
 * that is not UTF-8) and -ENOMEM when it cannot be serialised; nothing is
 * pinned then.  `c` is NULL for the system's own writes (an abandoned chat
 * ended).
 */
static int chat_write_new_text(struct app *chat_app, struct client *c, const char *id,
			       struct chat_live *chat, enum chat_action action, char *text,
			       struct chat_write **out);

static int chat_write_new(struct app *chat_app, struct client *c, const char *id,
			  struct chat_live *chat, enum chat_action action, json_t *body,
			  struct chat_write **out)
{
	char *text;

	*out = NULL;
	if (!body)
		return -EINVAL;
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!text)
		return -ENOMEM;
	return chat_write_new_text(chat_app, c, id, chat, action, text, out);
}

/* chat_write_new() with the body already serialised (`text`, from malloc(), is taken). */
static int chat_write_new_text(struct app *chat_app, struct client *c, const char *id,
			       struct chat_live *chat, enum chat_action action, char *text,
			       struct chat_write **out)
{
	struct chat_write *w;

	w = xcalloc(1, sizeof(*w));
	w->op.apply = chat_write_apply;
	w->op.done = chat_write_done;
	w->action = action;
	w->app = chat_app;
	w->conn = c;
	snprintf(w->id, sizeof(w->id), "%s", id);
	w->chat = chat;
	w->prev_status = chat->status;
	w->from_operator = chat->operator_id;
	w->body = text;
	w->ev.chat_id = chat->id;
	/* What this process knows the chat has (other nodes' events among them): above it. */
	w->ev.after = chat->last_seq;
	w->op.order = chat->id;
	w->ev.kind = action == ACT_MESSAGE ? "message" : "notice"; /* ACT_POST sets its own */
	w->ev.author = AUTHOR_SYSTEM;
	w->ev.body = w->body;
	w->ev.at = time_now_ms();
	if (c)
		client_pin(c);
	chat->pins++;
	*out = w;
	return 0;
}

/* May the operator be rung now?  Not at their limit of chats, which is
 * noted so that they are rung again once under it (chat_ops_ring_again()). */
static bool may_ring(struct app *app, struct operator_live *o)
{
	if (!tidy_at_limit(&app->dom, o))
		return true;
	o->rings_held_back = true;
	return false;
}

static void offer_chat(struct app *app, struct chat_live *chat, struct operator_live *o)
{
	json_t *offer = chat_summary(app, chat);

	chat_offer(chat, o->id);
	json_object_set_new(offer, "type", json_string("chat.offer"));
	send_operator(app, o->id, offer, NULL);
}

/* Ring the operators available in a waiting chat's queue here, once each. */
static void ring_here(struct app *app, struct chat_live *chat)
{
	const int64_t *ring;
	size_t i, n;

	ring = domain_offer_targets(&app->dom, chat, &n);
	for (i = 0; i < n; i++) {
		struct operator_live *o = domain_operator(&app->dom, ring[i]);

		/* An operator at their limit of chats is not rung (chat/tidiness.h). */
		if (o && !chat_was_offered(chat, o->id) && may_ring(app, o))
			offer_chat(app, chat, o);
	}
}

/* After the chat's first events are on disk: answer the guest, ring the operators
 * here, and the other nodes ring theirs. */
static void created(struct chat_write *w)
{
	struct app *app = w->app;
	struct chat_live *chat = w->chat;

	client_send_json(w->conn, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "type", "ok",
					  "id", w->id, "chat", chat->public_id, "token", w->token,
					  "status", "waiting", "seq", (json_int_t)w->ev.seq));
	fanout(app, chat, &w->ev);
	ring_here(app, chat);
	bus_ops_ring(app, chat->id, chat->queue_id);
}

static void replay(struct client *c, struct chat_live *chat, int64_t after);

/*
 * The operator just reached their account's limit of chats: the chats
 * still ringing them stop ringing (chat.gone, reason "limit"); they are
 * offered again when a chat of theirs ends (chat_ops_ring_again()).
 */
void chat_ops_limit_check(struct app *app, int64_t operator_id)
{
	struct operator_live *o = domain_operator(&app->dom, operator_id);
	size_t i = 0;
	uint64_t key;
	void *v;

	if (!o || may_ring(app, o))
		return;
	while (map_next(&app->dom.chats, &i, &key, &v)) {
		struct chat_live *chat = v;

		if (chat->status == CHAT_WAITING && chat_was_offered(chat, o->id))
			send_operator(app, o->id, json_pack("{s:s, s:s, s:s}", "type", "chat.gone",
							    "chat", chat->public_id, "reason", "limit"),
				      NULL);
	}
}

/* Refuse a chat to an operator at their limit (`who` names them in the message). */
static void limit_refuse(struct client *c, const char *id, const struct operator_live *o,
			 const char *who)
{
	char text[NAME_BYTES + 160];

	if (who)
		snprintf(text, sizeof(text), "%s already has %d chats, the most your library allows "
			 "at a time.", who, o->max_chats);
	else
		snprintf(text, sizeof(text), "You have %d chats, the most your library allows at a "
			 "time: end one first.", o->max_chats);
	client_error(c, id, "chat_limit", text);
}

/* The operator did something (a message, an accept, a click reported by the
 * webclient): their idle time starts again (chat/tidiness.h). */
static void operator_touch(struct client *c)
{
	if (c->op)
		c->op->last_active = time_mono_ms();
}

static void accepted(struct chat_write *w)
{
	struct app *app = w->app;
	struct chat_live *chat = w->chat;
	struct client *c = w->conn;
	json_t *taken;
	size_t i;

	if (client_alive(c)) {
		client_send_json(c, json_pack("{s:s, s:s, s:s}", "type", "ok", "id", w->id,
					    "chat", chat->public_id));
		client_add_follow(c, chat, false);
		chat_follow(chat, c, 0);
		replay(c, chat, 0);
	}
	fanout(app, chat, &w->ev);
	for (i = 0; i < chat->noffered; i++) {
		taken = json_pack("{s:s, s:s, s:{s:I, s:s}}", "type", "chat.taken",
				  "chat", chat->public_id, "by", "id", (json_int_t)chat->operator_id,
				  "name", chat->operator_name);
		send_operator(app, chat->offered[i], taken, c);
	}
	chat_ops_limit_check(app, chat->operator_id);
}

static void ended(struct chat_write *w)
{
	struct chat_live *chat = w->chat;
	size_t i;

	if (w->conn)
		client_send_json(w->conn, json_pack("{s:s, s:s, s:s, s:I}", "type", "ack",
						  "id", w->id, "chat", chat->public_id,
						  "seq", (json_int_t)w->ev.seq));
	fanout(w->app, chat, &w->ev);
	/* One chat fewer: an operator who was at their limit is rung again. */
	if (w->prev_status == CHAT_ACTIVE && chat->operator_id)
		chat_ops_ring_again(w->app, chat->operator_id);
	if (!chat_end_withdraws_offers(w->prev_status))
		return;
	for (i = 0; i < chat->noffered; i++)
		send_operator(w->app, chat->offered[i],
			      json_pack("{s:s, s:s}", "type", "chat.gone", "chat", chat->public_id),
			      NULL);
}

static void transferred(struct chat_write *w);
static void requeued(struct chat_write *w);
static void transfer_update(struct app *app, struct chat_live *chat);
static void transfer_drop(struct app *app, struct chat_live *chat);

/*
 * Another process changed the chat: its holder, status and queue as `row`
 * says (back on its queue, it rings anew); returns the holder's name.
 */
static const char *take_row(struct app *app, struct chat_live *chat, const struct store_chat *row)
{
	struct store_operator o;

	if (row->last_seq > chat->last_seq)
		chat->last_seq = row->last_seq;
	if (row->status == CHAT_WAITING) {
		chat_requeue(chat, row->queue_id);
	} else {
		chat->status = row->status;
		chat->queue_id = row->queue_id;
		chat->operator_id = row->operator_id;
		chat->operator_name[0] = '\0';
		if (row->operator_id && store_operator_get(app->st, row->operator_id, &o) == 0)
			snprintf(chat->operator_name, sizeof(chat->operator_name), "%s", o.name);
	}
	return chat->operator_name[0] ? chat->operator_name : "A colleague";
}

/* A waiting chat was taken (by `row`'s holder, `name`) or ended elsewhere: those rung here
 * (but `except`'s socket) stop ringing. */
static void taken_elsewhere(struct app *app, struct chat_live *chat, const struct store_chat *row,
			    const char *name, struct client *except)
{
	size_t i;

	for (i = 0; i < chat->noffered; i++)
		send_operator(app, chat->offered[i],
			      row->status == CHAT_ENDED
			      ? json_pack("{s:s, s:s}", "type", "chat.gone", "chat", chat->public_id)
			      : json_pack("{s:s, s:s, s:{s:I, s:s}}", "type", "chat.taken",
					  "chat", chat->public_id, "by", "id",
					  (json_int_t)row->operator_id, "name", name), except);
}

/* A transfer waiting here is off: the chat ended, or `row`'s holder (`name`) took it
 * elsewhere; the colleagues rung here (but `except`'s socket) and the sender hear why. */
static void transfer_lost(struct app *app, struct chat_live *chat, const struct store_chat *row,
			  const char *name, struct client *except)
{
	size_t i;

	if (row->status == CHAT_ENDED) {
		transfer_drop(app, chat);
		return;
	}
	for (i = 0; i < chat->transfer.nrung; i++)
		send_operator(app, chat->transfer.rung[i],
			      json_pack("{s:s, s:s, s:s, s:{s:I, s:s}}", "type", "transfer.gone",
					"chat", chat->public_id, "reason", "taken", "by", "id",
					(json_int_t)row->operator_id, "name", name), except);
	send_operator(app, chat->transfer.from_id,
		      json_pack("{s:s, s:s, s:{s:I, s:s}}", "type", "transfer.done",
				"chat", chat->public_id, "to", "id",
				(json_int_t)row->operator_id, "name", name), NULL);
	chat_transfer_end(chat);
}

/*
 * The store refused an accept or a hand-over because the chat changed under
 * it (someone else holds it, it went back to its queue, or it ended), most
 * likely through another process on the same database.  This process's picture of the chat follows the row, whoever
 * was rung here stops ringing, and the operator is told what happened.
 */
static void write_lost(struct chat_write *w)
{
	struct app *app = w->app;
	struct chat_live *chat = w->chat;
	struct store_chat row;
	char text[NAME_BYTES + 64];
	const char *name;

	if (store_chat_get(app->st, chat->id, &row) < 0) {
		if (w->conn)
			client_refuse(w->conn, w->id, -EIO,
				      "The server could not save this; nothing was stored. Try again shortly.");
		return;
	}
	name = take_row(app, chat, &row);
	if (w->action == ACT_ACCEPT && row.status != CHAT_WAITING)
		taken_elsewhere(app, chat, &row, name, w->conn); /* as when someone here takes it */
	else if (w->action != ACT_ACCEPT && chat->transfer.pending)
		transfer_lost(app, chat, &row, name, w->conn);
	if (!w->conn)
		return;
	if (row.status == CHAT_ENDED) {
		client_refuse(w->conn, w->id, -ECANCELED, "The guest has left; the chat has ended.");
	} else if (!row.operator_id) {
		client_refuse(w->conn, w->id, -EBUSY,
			      "The chat went back to its queue meanwhile; nothing was changed.");
	} else {
		snprintf(text, sizeof(text), "%s took this chat.", name);
		client_refuse(w->conn, w->id, -EALREADY, text);
	}
}

/* Undo the optimistic state change of a write that did not commit. */
static void write_failed(struct chat_write *w, int rc)
{
	struct chat_live *chat = w->chat;
	size_t i;

	/* A database out of reach was logged once by the store, not per write;
	 * a race lost to another process is an answer, not a failure. */
	if (rc != -ENOTCONN && rc != -EALREADY)
		log_warn("chat %s: write failed (%d)", chat->public_id, rc);
	switch (w->action) {
	case ACT_CREATE:
		chat_end_begin(chat);
		for (i = 0; i < w->conn->nfollows; i++) {
			if (w->conn->follows[i].chat == chat) {
				w->conn->follows[i] = w->conn->follows[--w->conn->nfollows];
				break;
			}
		}
		chat_unfollow(chat, w->conn);
		break;
	case ACT_ACCEPT:
		chat_accept_done(chat, false);
		if (rc == -EALREADY || rc == -ECANCELED) {
			write_lost(w);
			return;
		}
		break;
	case ACT_END:
		chat_end_undo(chat, w->prev_status);
		break;
	case ACT_MESSAGE:
		break;
	case ACT_POST:
		w->posted(w->arg, rc, 0, false);
		break;
	case ACT_TRANSFER:
		chat_transfer_accept_done(chat, false, 0, "", 0);
		if (rc == -EALREADY) {
			write_lost(w);
			return;
		}
		if (rc == -ECANCELED && w->conn) {
			client_refuse(w->conn, w->id, rc, "The chat ended before it was handed over.");
			return;
		}
		break;
	case ACT_REQUEUE:
		if (rc == -EALREADY) {
			write_lost(w);
			return;
		}
		break; /* the chat stays with its gone holder: an admin can move it */
	}
	if (w->conn)
		client_refuse(w->conn, w->id, -EIO,
		   "The server could not save this; nothing was stored. Try again shortly.");
}

/* Does this write end a chat's quiet (chat/tidiness.h)?  A message, image
 * or file from either side, an accept, a hand-over. */
static bool breaks_quiet(const struct chat_write *w)
{
	if (w->action == ACT_ACCEPT || w->action == ACT_TRANSFER)
		return true;
	return w->ev.author != AUTHOR_SYSTEM &&
	       (!strcmp(w->ev.kind, "message") || !strcmp(w->ev.kind, "snapshot") ||
		!strcmp(w->ev.kind, "file"));
}

/*
 * A message sent again was stored already, at `seq`.  Another process may
 * have stored it (its node died before anyone heard, the client came back
 * here): this process's followers, and the other nodes, hear of it now.
 */
static void dup_told(struct app *app, struct chat_live *chat, int64_t seq)
{
	if (seq > chat->told_seq && look_fill(app, chat, seq))
		follow_row(app, chat);
	/* Even if this process had read it: whoever stored it may not have said so. */
	bus_ops_told(app, chat->id, chat->told_seq > seq ? chat->told_seq : seq);
}

static void chat_write_done(struct store_op *op, int rc)
{
	struct chat_write *w = container_of(op, struct chat_write, op);
	struct chat_live *chat = w->chat;

	if (rc < 0) {
		write_failed(w, rc);
	} else {
		if (w->ev.seq > chat->last_seq)
			chat->last_seq = w->ev.seq;
		if (breaks_quiet(w))
			tidy_chat_spoke(chat, time_mono_ms());
		switch (w->action) {
		case ACT_CREATE:
			w->app->metrics.chats_started++;
			created(w);
			break;
		case ACT_ACCEPT:
			chat_accept_done(chat, true);
			accepted(w);
			break;
		case ACT_END:
			ended(w);
			break;
		case ACT_TRANSFER:
			transferred(w);
			break;
		case ACT_REQUEUE:
			requeued(w);
			break;
		case ACT_POST:
			w->posted(w->arg, rc, w->ev.seq, w->dup);
			if (!w->dup)
				fanout(w->app, chat, &w->ev);
			else
				dup_told(w->app, chat, w->ev.seq);
			break;
		case ACT_MESSAGE:
			if (w->conn && !w->reply) {
				/* Every message is acked: no JSON library for four fields (ids are plain). */
				char ack[200], *p = ack;

				static_assert(sizeof(w->id) + sizeof(chat->public_id) + 64 <= sizeof(ack),
					      "an ack fits");
				p = put(p, "{\"type\":\"ack\",\"id\":\"");
				p = put(p, w->id);
				p = put(p, "\",\"chat\":\"");
				p = put(p, chat->public_id);
				p = put(p, "\",\"seq\":");
				p = put_int(p, w->ev.seq);
				*p++ = '}';
				client_send_text(w->conn, ack, (size_t)(p - ack));
			} else if (w->conn) {
				/* With more fields it is an "ok": the event still comes. */
				json_t *ack = json_pack("{s:s, s:s, s:s, s:I}", "type",
							w->reply ? "ok" : "ack",
							"id", w->id, "chat", chat->public_id,
							"seq", (json_int_t)w->ev.seq);

				if (w->reply)
					json_object_update(ack, w->reply);
				client_send_json(w->conn, ack);
			}
			if (!w->dup) {
				w->app->metrics.messages[w->ev.author]++;
				fanout(w->app, chat, &w->ev);
			} else {
				dup_told(w->app, chat, w->ev.seq);
			}
			break;
		}
	}
	chat->pins--;
	domain_chat_maybe_forget(&w->app->dom, chat);
	if (w->conn)
		client_unpin(w->conn);
	json_decref(w->reply);
	free(w->body);
	free(w);
}

/* ---- replay ---------------------------------------------------------------- */

/*
 * A follower that joins with an old `after` catches up from the store in
 * pages, as its outbox drains (chat_ops_pump() runs from every WRITEABLE),
 * so a long transcript never floods the outbox.  While it catches up, live
 * events for it are held back (fanout() skips it); the pages read them from
 * the store instead, in order.
 */
#define REPLAY_PAGE 64
#define REPLAY_LOW_WATER 32

struct replay_ctx {
	struct client *conn;
	struct chat_live *chat;
	struct follower *f;
	int n;
};

static int replay_one(void *arg, const struct store_event *ev)
{
	struct replay_ctx *r = arg;

	{
		size_t len;
		char *text = event_text(r->chat, ev, r->conn->kind == CLIENT_OPERATOR, &len);

		if (text)
			client_send_text(r->conn, text, len);
		free(text);
	}
	if (ev->seq > r->f->seq)
		r->f->seq = ev->seq;
	r->n++;
	return client_alive(r->conn) ? 0 : 1;
}

void chat_ops_pump(struct client *c)
{
	struct replay_ctx r = { c, NULL, NULL, 0 };
	size_t i;

	for (i = 0; i < c->nfollows && client_alive(c); i++) {
		r.chat = c->follows[i].chat;
		r.f = chat_follower(r.chat, c);
		while (r.f && r.f->replaying && client_alive(c) && client_backlog(c) < REPLAY_LOW_WATER) {
			r.n = 0;
			if (store_events_since(c->app->st, r.chat->id, r.f->seq, REPLAY_PAGE,
					       replay_one, &r) < 0 || r.n < REPLAY_PAGE)
				r.f->replaying = false; /* caught up with what is on disk */
		}
		if (r.f && r.f->replaying)
			return; /* the outbox is full enough: go on when it drains */
	}
}

/*
 * Send what the store has after `after`, page by page — but never what this
 * socket has had already (a join after an accept, which sent the history).
 */
static void replay(struct client *c, struct chat_live *chat, int64_t after)
{
	struct follower *f = chat_follower(chat, c);

	if (!f)
		return;
	if (after > f->seq)
		f->seq = after;
	f->replaying = true;
	chat_ops_pump(c);
}

/* ---- handlers: guests ------------------------------------------------------- */

/*
 * The name a guest gave, as others will see it: cleaned like a file name
 * (text_clean_line(): no direction overrides, invisible marks or line
 * breaks, which could disguise it or make it start a line of its own in a
 * transcript), then trimmed.  Nothing visible left is no name ("").
 * -E2BIG when more than CHAT_NAME_MAX characters remain.
 */
static int guest_name_clean(const char *name, char *out, size_t size)
{
	const char *start;
	char *copy;
	size_t n;
	int rc = 0;

	out[0] = '\0';
	if (!name)
		return 0;
	copy = xstrdup(name);
	text_clean_line(copy, copy, strlen(copy) + 1);
	n = text_trim(copy, &start);
	if (utf8_count(start, n) > CHAT_NAME_MAX || n >= size)
		rc = -E2BIG;
	else
		snprintf(out, size, "%.*s", (int)n, start);
	free(copy);
	return rc;
}

static void h_chat_start(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	struct app *app = c->app;
	const char *type, *mid, *queue, *name = NULL;
	struct chat_live init, *chat;
	struct queue_live *ql;
	struct store_queue q;
	struct chat_write *w;
	json_error_t err;
	char guest_name[sizeof(init.guest_name)];
	int rc;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:s, s?s}", "type", &type,
			   "id", &mid, "queue", &queue, "name", &name)) {
		client_bad_fields(c, id, &err);
		return;
	}
	if (guest_name_clean(name, guest_name, sizeof(guest_name)) < 0) {
		client_error(c, id, "too_long", "A name has at most 80 characters.");
		return;
	}
	if (!str_is_token(queue, 32, "-") || store_queue_by_name(app->st, queue, &q) < 0) {
		client_refuse(c, id, -ENOENT, "No such queue.");
		return;
	}
	if (c->nfollows >= CHATS_PER_GUEST_SOCKET) {
		client_error(c, id, "too_many_chats",
			   "This connection has started enough chats; end one or reconnect.");
		return;
	}
	if (c->has_addr_key && blocks_is_blocked(&app->blocks, q.account_id, c->addr_key, time_now_ms())) {
		client_error(c, id, "blocked", CHAT_BLOCKED_TEXT);
		return;
	}
	ql = domain_queue(&app->dom, q.id);
	if (!ql || !queue_is_online(ql)) {
		client_error(c, id, "offline", "Nobody is available on this queue right now.");
		return;
	}
	memset(&init, 0, sizeof(init));
	init.id = chat_next_id(&app->last_chat_id, time_now_ms(), app->chat_id_salt);
	init.public_id[0] = 'c';
	init.public_id[1] = '_';
	rand_token(init.public_id + 2, 15);
	init.account_id = q.account_id;
	init.queue_id = q.id;
	init.status = CHAT_WAITING;
	memcpy(init.guest_name, guest_name, sizeof(guest_name));
	init.created_at = time_now_ms();
	init.has_guest_key = c->has_addr_key;
	memcpy(init.guest_key, c->addr_key, sizeof(init.guest_key));
	chat = domain_chat_add(&app->dom, &init);

	rc = chat_write_new(c->app, c, id, chat, ACT_CREATE,
			    json_pack("{s:s, s:s?}", "notice", "started",
				      "name", chat->guest_name[0] ? chat->guest_name : NULL), &w);
	if (rc < 0) {
		chat_end_begin(chat);
		domain_chat_maybe_forget(&c->app->dom, chat);
		client_refuse(c, id, rc, NULL);
		return;
	}
	rand_token(w->token, 32);
	w->row.id = chat->id;
	memcpy(w->row.public_id, chat->public_id, sizeof(chat->public_id));
	auth_token_hash(w->row.token_hash, w->token);
	w->row.account_id = chat->account_id;
	w->row.queue_id = chat->queue_id;
	memcpy(w->row.guest_name, chat->guest_name, sizeof(chat->guest_name));
	w->row.status = CHAT_WAITING;
	w->row.created_at = chat->created_at;
	w->ev.at = chat->created_at;
	client_add_follow(c, chat, true);
	chat_follow(chat, c, 0);
	app_submit(app, &w->op);
}

static bool has_guest(const struct chat_live *chat)
{
	size_t i;

	for (i = 0; i < chat->nfollowers; i++)
		if (follower_conn(&chat->followers[i])->kind == CLIENT_GUEST)
			return true;
	return false;
}

bool chat_ops_has_guest(const struct chat_live *chat)
{
	return has_guest(chat);
}

static void h_chat_join(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	struct app *app = c->app;
	const char *type, *mid, *public_id, *token = NULL;
	struct chat_live *chat = NULL;
	struct store_queue q;
	char label[GUEST_LABEL_MAX];
	struct store_chat row;
	json_int_t after;
	json_error_t err;
	json_t *reply;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:s, s?s, s:I}", "type", &type,
			   "id", &mid, "chat", &public_id, "token", &token, "after", &after)) {
		client_bad_fields(c, id, &err);
		return;
	}
	if (after < 0) {
		client_error(c, id, "bad_message", "\"after\" must be 0 or more.");
		return;
	}
	if (c->kind == CLIENT_OPERATOR) {
		if (token) {
			client_error(c, id, "bad_message", "Operators join without a token.");
			return;
		}
		chat = operator_chat(c, public_id);
	} else if (!token) {
		client_error(c, id, "bad_message", "Guests join a chat with its \"token\".");
		return;
	} else {
		struct chat_viewer v = { VIEWER_GUEST, 0, token };

		if (visible_row(app, public_id, &v, &row) == 0)
			chat = chat_live_of(app, &row);
	}
	if (!chat) {
		not_found(c, id);
		return;
	}
	client_add_follow(c, chat, c->kind == CLIENT_GUEST);
	chat_follow(chat, c, 0);
	if (c->kind == CLIENT_GUEST) {
		chat_guest_back(chat);
		if (chat->transfer.pending)
			transfer_update(app, chat);
		/* A node where the guest's last socket closed does not count it as gone. */
		if (app->bus && chat->status == CHAT_WAITING) {
			bus_ops_tell(app, json_pack("{s:s, s:I}", "k", "guest.here", "chat", (json_int_t)chat->id));
			bus_ops_avail_changed(app); /* and the list of guests here, for one who hears late */
		}
	}
	/*
	 * An ended chat stays loaded while a page still follows it, but its
	 * guest's name may be gone from the store since (a retention purge, a
	 * deleted transcript, `refdesk admin purge`): the store has the word.
	 */
	if (chat->status == CHAT_ENDED && store_chat_get(app->st, chat->id, &row) == 0)
		snprintf(chat->guest_name, sizeof(chat->guest_name), "%s", row.guest_name);
	guest_label(chat->public_id, label, sizeof(label));
	reply = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s, s:o, s:I}", "type", "ok",
			  "id", id, "chat", chat->public_id,
			  "status", chat_status_name(chat->status),
			  "queue", queue_name(app, chat->queue_id, &q),
			  "name", chat->guest_name[0] ? chat->guest_name : NULL,
			  "label", label,
			  "operator", chat->operator_id ?
				json_pack("{s:s}", "name", chat->operator_name) : json_null(),
			  "seq", (json_int_t)chat->last_seq);
	/* The sharing tool prefills its invitation with the queue's words. */
	if (c->kind == CLIENT_OPERATOR) {
		bool own = store_queue_get(app->st, chat->queue_id, &q) == 0 && q.share_invite[0];

		json_object_set_new(reply, "share_invite",
				    json_string(own ? q.share_invite : SHARE_DEFAULT_INVITE));
	}
	client_send_json(c, reply);
	replay(c, chat, after);
}

/*
 * A message's stored body, {"text": …, "name": …} (no name: null), written
 * as json_dumps() would write it but without building a tree: this is
 * every relayed message's path.  `text` is valid UTF-8 (the frame's parse
 * checked it).
 */
static char *message_body(const char *text, size_t len, const char *name)
{
	size_t name_len = name ? strlen(name) : 0;
	char *body = xmalloc(6 * (len + name_len) + 32), *p = body;

	p = mempcpy(p, "{\"text\":", 8);
	p += json_flat_quote(p, text, len);
	p = mempcpy(p, ",\"name\":", 8);
	if (name)
		p += json_flat_quote(p, name, name_len);
	else
		p = mempcpy(p, "null", 4);
	*p++ = '}';
	*p = '\0';
	return body;
}

/*
 * `msg` is exactly {type, id, chat, text}, all strings: nearly every
 * msg.send, read without json_unpack_ex()'s format parser (~3,800
 * instructions a message).  Any other shape goes to the parser, whose
 * verdict and error stand.
 */
static bool msg_send_fields(json_t *msg, const char **public_id, const char **text)
{
	return json_object_size(msg) == 4 && json_is_string(json_object_get(msg, "type")) &&
	       json_is_string(json_object_get(msg, "id")) &&
	       (*public_id = json_string_value(json_object_get(msg, "chat"))) &&
	       (*text = json_string_value(json_object_get(msg, "text")));
}

static void h_msg_send(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	const char *type, *mid, *public_id, *text;
	struct chat_live *chat;
	struct chat_write *w;
	enum event_author author = c->kind == CLIENT_GUEST ? AUTHOR_GUEST : AUTHOR_OPERATOR;
	const char *name;
	json_error_t err;
	size_t len;
	int rc;

	if (!msg_send_fields(msg, &public_id, &text) &&
	    json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:s, s:s}", "type", &type,
			   "id", &mid, "chat", &public_id, "text", &text)) {
		client_bad_fields(c, id, &err);
		return;
	}
	operator_touch(c);
	len = text_trim(text, &text);
	if (!len) {
		client_error(c, id, "bad_message", "The message is empty.");
		return;
	}
	if (utf8_count(text, len) > CHAT_TEXT_MAX) {
		client_error(c, id, "too_long", "A message has at most 4,000 characters.");
		return;
	}
	chat = resolve_chat(c, public_id);
	if (!chat) {
		not_found(c, id);
		return;
	}
	rc = chat_may_write(chat, author, c->op ? c->op->id : 0);
	if (rc < 0) {
		client_refuse(c, id, rc, NULL);
		domain_chat_maybe_forget(&c->app->dom, chat);
		return;
	}
	name = author == AUTHOR_GUEST ? (chat->guest_name[0] ? chat->guest_name : NULL) : c->op->name;
	rc = chat_write_new_text(c->app, c, id, chat, ACT_MESSAGE, message_body(text, len, name), &w);
	if (rc < 0) {
		client_refuse(c, id, rc, NULL);
		domain_chat_maybe_forget(&c->app->dom, chat);
		return;
	}
	w->ev.author = author;
	w->ev.operator_id = c->op ? c->op->id : 0;
	snprintf(w->cid, sizeof(w->cid), "%s", id);
	w->ev.cid = w->cid;
	app_submit(c->app, &w->op);
}

static void h_typing(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	const char *type, *mid, *public_id;
	struct chat_live *chat;
	json_error_t err;
	json_t *obj;
	char *text;
	int active, rc;
	size_t i;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:s, s:b}", "type", &type,
			   "id", &mid, "chat", &public_id, "active", &active)) {
		client_bad_fields(c, id, &err);
		return;
	}
	chat = resolve_chat(c, public_id);
	if (!chat) {
		not_found(c, id);
		return;
	}
	rc = chat_may_write(chat, c->kind == CLIENT_GUEST ? AUTHOR_GUEST : AUTHOR_OPERATOR,
			    c->op ? c->op->id : 0);
	if (rc < 0) {
		client_refuse(c, id, rc, NULL);
		domain_chat_maybe_forget(&c->app->dom, chat);
		return;
	}
	obj = json_pack("{s:s, s:s, s:s, s:b}", "type", "typing", "chat", chat->public_id,
			"from", c->kind == CLIENT_GUEST ? "guest" : "operator", "active", active);
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	for (i = 0; text && i < chat->nfollowers; i++) {
		struct client *to = follower_conn(&chat->followers[i]);

		if (to != c && to->kind != c->kind)
			client_send_text(to, text, strlen(text));
	}
	free(text);
}

static void h_chat_end(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	const char *type, *mid, *public_id;
	enum event_author author = c->kind == CLIENT_GUEST ? AUTHOR_GUEST : AUTHOR_OPERATOR;
	struct chat_live *chat;
	struct chat_write *w;
	json_error_t err;
	int rc;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:s}", "type", &type,
			   "id", &mid, "chat", &public_id)) {
		client_bad_fields(c, id, &err);
		return;
	}
	chat = resolve_chat(c, public_id);
	if (!chat) {
		not_found(c, id);
		return;
	}
	rc = chat_may_write(chat, author, c->op ? c->op->id : 0);
	if (rc < 0) {
		client_refuse(c, id, rc, NULL);
		domain_chat_maybe_forget(&c->app->dom, chat);
		return;
	}
	rc = chat_write_new(c->app, c, id, chat, ACT_END,
			    json_pack("{s:s, s:s}", "notice", "ended",
				      "by", author == AUTHOR_GUEST ? "guest" : "operator"), &w);
	if (rc < 0) {
		client_refuse(c, id, rc, NULL);
		domain_chat_maybe_forget(&c->app->dom, chat);
		return;
	}
	/* Its share stops first: that step is written before the end. */
	c->app->chat_listener->ending(c->app, chat, author == AUTHOR_GUEST ? "guest" : "operator");
	transfer_drop(c->app, chat);
	/* From now on nothing more may be written into it. */
	chat_end_begin(chat);
	app_submit(c->app, &w->op);
}

int chat_ops_end(struct app *app, struct chat_live *chat, const char *by)
{
	struct chat_write *w;
	int rc = chat_write_new(app, NULL, "", chat, ACT_END,
				json_pack("{s:s, s:s}", "notice", "ended", "by", by), &w);

	if (rc < 0)
		return rc;
	/* As chat.end: its share stops first, then nothing more may be written. */
	app->chat_listener->ending(app, chat, by);
	transfer_drop(app, chat);
	chat_end_begin(chat);
	app_submit(app, &w->op);
	return 0;
}

/* ---- handlers: operators ------------------------------------------------------ */

static void h_chat_accept(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	const char *type, *mid, *public_id;
	struct chat_live *chat;
	struct chat_write *w;
	json_error_t err;
	char text[400];
	int rc;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:s}", "type", &type,
			   "id", &mid, "chat", &public_id)) {
		client_bad_fields(c, id, &err);
		return;
	}
	chat = operator_chat(c, public_id);
	if (!chat) {
		not_found(c, id);
		return;
	}
	operator_touch(c);
	if (chat->status == CHAT_WAITING && c->app->bus && !chat_was_offered(chat, c->op->id)) {
		/* The ring from the guest's node may still be on its way: a librarian available
		 * on the chat's queue here takes it as if rung. */
		struct queue_live *ql = domain_queue(&c->app->dom, chat->queue_id);

		if (ql && queue_has_available(ql, c->op->id))
			chat_offer(chat, c->op->id);
	}
	rc = chat_may_accept(chat, c->op->id);
	if (rc < 0) {
		client_refuse(c, id, rc, NULL);
		return;
	}
	if (chat->status == CHAT_WAITING && tidy_at_limit(&c->app->dom, c->op)) {
		limit_refuse(c, id, c->op, NULL);
		return;
	}
	rc = chat_accept_begin(chat, c->op->id, c->op->name);
	if (rc == -ECANCELED) {
		client_refuse(c, id, rc, "The guest has left; the chat has ended.");
		domain_chat_maybe_forget(&c->app->dom, chat);
		return;
	}
	if (rc < 0) {
		snprintf(text, sizeof(text), "%s took this chat.", chat->operator_name);
		client_refuse(c, id, rc, text);
		return;
	}
	rc = chat_write_new(c->app, c, id, chat, ACT_ACCEPT,
			    json_pack("{s:s, s:s}", "notice", "joined", "name", c->op->name), &w);
	if (rc < 0) {
		chat_accept_done(chat, false);
		client_refuse(c, id, rc, NULL);
		return;
	}
	w->ev.operator_id = c->op->id;
	app_submit(c->app, &w->op);
}

void chat_ops_presence_notify(struct app *app, struct queue_live *ql)
{
	json_t *obj = json_pack("{s:s, s:s, s:b}", "type", "presence", "queue", ql->name,
				"online", queue_is_online(ql));
	char *text = json_dumps(obj, JSON_COMPACT);
	size_t i;

	json_decref(obj);
	for (i = 0; text && i < ql->nwatchers; i++)
		client_send_text(ql->watchers[i], text, strlen(text));
	free(text);
	(void)app;
}

static void set_available(struct app *app, struct queue_live *ql, int64_t operator_id, bool on)
{
	bool changed = queue_has_available(ql, operator_id) != on;

	if (queue_set_available(ql, operator_id, on))
		chat_ops_presence_notify(app, ql);
	if (changed)
		bus_ops_avail_changed(app);
}

struct offer_ctx {
	struct app *app;
	struct operator_live *op;
	json_t *list; /* collect summaries instead of sending, when set */
};

static int offer_waiting(void *arg, const struct store_chat *row)
{
	struct offer_ctx *o = arg;
	struct chat_live *chat = chat_live_of(o->app, row);

	if (chat->status != CHAT_WAITING || !may_ring(o->app, o->op))
		return 0;
	if (o->list) {
		chat_offer(chat, o->op->id);
		json_array_append_new(o->list, chat_summary(o->app, chat));
	} else {
		offer_chat(o->app, chat, o->op);
	}
	return 0;
}

struct avail_write {
	struct store_op op;
	struct app *app;
	struct client *conn;
	char id[WS_ID_MAX + 1];
	int64_t queue_id, operator_id;
	char queue[40];
	bool available;
	bool was_available;
};

static int avail_apply(struct store *st, struct store_op *op)
{
	struct avail_write *w = container_of(op, struct avail_write, op);

	return store_member_set_available(st, w->queue_id, w->operator_id, w->available);
}

static void avail_done(struct store_op *op, int rc)
{
	struct avail_write *w = container_of(op, struct avail_write, op);
	struct offer_ctx o = { w->app, NULL, NULL };

	if (rc < 0) {
		/* Nothing was stored: undo what the queue's presence already shows. */
		struct queue_live *ql = domain_queue(&w->app->dom, w->queue_id);

		if (ql && domain_operator(&w->app->dom, w->operator_id))
			set_available(w->app, ql, w->operator_id, w->was_available);
		client_refuse(w->conn, w->id, -EIO, "The server could not save this.");
	} else {
		client_send_json(w->conn, json_pack("{s:s, s:s, s:s, s:b}", "type", "ok", "id", w->id,
						  "queue", w->queue, "available", w->available));
		o.op = domain_operator(&w->app->dom, w->operator_id);
		if (w->available && o.op && !o.op->away)
			store_chats_of_queue(w->app->st, w->queue_id, CHAT_WAITING, offer_waiting, &o);
	}
	client_unpin(w->conn);
	free(w);
}

struct find_queue {
	const char *name;
	struct store_queue q;
	bool found;
};

static int find_membership(void *arg, const struct store_queue *q, bool available)
{
	struct find_queue *f = arg;

	(void)available;
	if (strcmp(q->name, f->name))
		return 0;
	f->q = *q;
	f->found = true;
	return 1;
}

static void h_availability_set(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	struct app *app = c->app;
	const char *type, *mid, *queue;
	struct find_queue f = { NULL, { 0 }, false };
	struct avail_write *w;
	struct queue_live *ql;
	json_error_t err;
	int available;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:s, s:b}", "type", &type,
			   "id", &mid, "queue", &queue, "available", &available)) {
		client_bad_fields(c, id, &err);
		return;
	}
	operator_touch(c);
	f.name = queue;
	if (store_queues_of_operator(app->st, c->op->id, find_membership, &f) < 0 || !f.found) {
		client_refuse(c, id, -ENOENT, "You are not a member of that queue.");
		return;
	}
	ql = domain_queue_add(&app->dom, f.q.id, f.q.account_id, f.q.name);
	w = xcalloc(1, sizeof(*w));
	w->was_available = queue_has_available(ql, c->op->id);
	/* While Away the choice is kept for later; nothing rings meanwhile. */
	if (!c->op->away)
		set_available(app, ql, c->op->id, available);
	w->op.apply = avail_apply;
	w->op.done = avail_done;
	w->app = app;
	w->conn = c;
	snprintf(w->id, sizeof(w->id), "%s", id);
	w->queue_id = f.q.id;
	w->operator_id = c->op->id;
	snprintf(w->queue, sizeof(w->queue), "%s", f.q.name);
	w->available = available;
	client_pin(c);
	app_submit(app, &w->op);
}

static void h_presence_watch(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	struct app *app = c->app;
	const char *type, *mid;
	json_t *queues, *result, *v;
	struct queue_live *ql;
	struct store_queue q;
	json_error_t err;
	size_t i;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:o}", "type", &type,
			   "id", &mid, "queues", &queues)) {
		client_bad_fields(c, id, &err);
		return;
	}
	if (!json_is_array(queues) || !json_array_size(queues) || json_array_size(queues) > PRESENCE_QUEUES_MAX) {
		client_error(c, id, "bad_message", "\"queues\" is a list of 1 to 16 queue names.");
		return;
	}
	json_array_foreach(queues, i, v) {
		if (!json_is_string(v)) {
			client_error(c, id, "bad_message", "Queue names are strings.");
			return;
		}
	}
	result = json_object();
	json_array_foreach(queues, i, v) {
		const char *name = json_string_value(v);
		bool online = false;

		if (str_is_token(name, 32, "-") && store_queue_by_name(app->st, name, &q) == 0) {
			ql = domain_queue_add(&app->dom, q.id, q.account_id, q.name);
			queue_watch(ql, c);
			client_add_watch(c, q.id);
			online = queue_is_online(ql);
		}
		json_object_set_new(result, name, json_boolean(online));
	}
	client_send_json(c, json_pack("{s:s, s:s, s:o}", "type", "ok", "id", id, "queues", result));
}

/* ---- handlers: transfers ---------------------------------------------------------- */

/*
 * A transfer hands a chat to a colleague or a queue (PROTOCOL.md §3.9).
 * While it waits, nothing about the chat changes: its holder keeps writing
 * and the guest sees nothing.  The rules are chat/domain.c's; here the
 * colleagues are rung and told how it ended, and the hand-over is written
 * (ACT_TRANSFER) as one notice the guest reads as "You are now chatting
 * with …".  The note goes to the colleagues only and is never stored.
 */
#define TRANSFER_TRANSCRIPT_MAX 50 /* recent events the colleague is rung with */

/* Is the operator available on some queue of their account now? */
static bool operator_available(struct app *app, const struct operator_live *o)
{
	size_t i = 0;
	uint64_t key;
	void *v;

	while (map_next(&app->dom.queues, &i, &key, &v)) {
		struct queue_live *ql = v;

		if (ql->account_id == o->account_id && queue_has_available(ql, o->id))
			return true;
	}
	return false;
}

static int transcript_one(void *arg, const struct store_event *ev)
{
	json_t **pair = arg; /* [0] the list, [1] a string holding the public id */

	json_array_append_new(pair[0], chat_ops_event_json(json_string_value(pair[1]), ev, true));
	return 0;
}

/* The chat's latest events as staff read them, oldest first. */
static json_t *recent_events(struct app *app, const struct chat_live *chat)
{
	json_t *pair[2] = { json_array(), json_string(chat->public_id) };
	int64_t after = chat->last_seq > TRANSFER_TRANSCRIPT_MAX ?
			chat->last_seq - TRANSFER_TRANSCRIPT_MAX : 0;

	store_events_since(app->st, chat->id, after, TRANSFER_TRANSCRIPT_MAX, transcript_one, pair);
	json_decref(pair[1]);
	return pair[0];
}

/* The target a transfer names, as {"operator":{id,name}} or {"queue":{name,title}}. */
static json_t *transfer_target(struct app *app, const struct transfer *t)
{
	struct operator_live *o;
	struct store_operator so;
	struct store_queue q;

	if (t->to_operator) {
		o = domain_operator(&app->dom, t->to_operator);
		/* A colleague on another node is named from the store. */
		if (!o && store_operator_get(app->st, t->to_operator, &so) == 0)
			return json_pack("{s:{s:I, s:s}}", "operator", "id", (json_int_t)t->to_operator,
					 "name", so.name);
		return json_pack("{s:{s:I, s:s}}", "operator", "id", (json_int_t)t->to_operator,
				 "name", o ? o->name : "");
	}
	if (store_queue_get(app->st, t->to_queue, &q) < 0)
		return json_object();
	return json_pack("{s:{s:s, s:s}}", "queue", "name", q.name, "title", q.title);
}

static bool has_guest(const struct chat_live *chat);

/* Has the guest left?  With other nodes, their socket may be on another: not said. */
static bool guest_gone(struct app *app, const struct chat_live *chat)
{
	return !app->bus && !has_guest(chat);
}

/* What a rung colleague is shown: the chat, who asks, the note, the transcript so far. */
static json_t *transfer_offer(struct app *app, struct chat_live *chat)
{
	const struct transfer *t = &chat->transfer;
	json_t *o = chat_summary(app, chat);
	int64_t left = t->deadline - time_mono_ms();

	json_object_set_new(o, "type", json_string("transfer.offer"));
	json_object_set_new(o, "from", json_pack("{s:I, s:s}", "id", (json_int_t)t->from_id,
						 "name", t->from_name));
	json_object_set_new(o, "note", json_string(t->note));
	json_object_set_new(o, "to", transfer_target(app, t));
	json_object_set_new(o, "expires_in", json_integer(left > 0 ? left : 0));
	json_object_set_new(o, "sender_gone", json_boolean(t->sender_gone));
	json_object_set_new(o, "guest_gone", json_boolean(guest_gone(app, chat)));
	json_object_set_new(o, "transcript", recent_events(app, chat));
	return o;
}

/* Tell every operator still rung (but `except`'s socket) that the transfer is over. */
static void transfer_tell_rung(struct app *app, struct chat_live *chat, const char *reason,
			       const char *by, struct client *except)
{
	size_t i;

	for (i = 0; i < chat->transfer.nrung; i++)
		send_operator(app, chat->transfer.rung[i],
			      json_pack("{s:s, s:s, s:s, s:s?}", "type", "transfer.gone",
					"chat", chat->public_id, "reason", reason, "by", by), except);
}

/* A transfer started here: nodes with colleagues it rings ring them too (chat_ops_heard()). */
static void transfer_tell_nodes(struct app *app, struct chat_live *chat)
{
	const struct transfer *t = &chat->transfer;
	json_t *rung;
	int64_t left = t->deadline - time_mono_ms();
	size_t i;

	if (!app->bus)
		return;
	rung = json_array();
	for (i = 0; i < t->nrung; i++)
		json_array_append_new(rung, json_integer(t->rung[i]));
	bus_ops_tell(app, json_pack("{s:s, s:I, s:I, s:s, s:I, s:I, s:o, s:s, s:I, s:b}",
				    "k", "transfer", "chat", (json_int_t)chat->id,
				    "from", (json_int_t)t->from_id, "from_name", t->from_name,
				    "to_operator", (json_int_t)t->to_operator,
				    "to_queue", (json_int_t)t->to_queue, "rung", rung,
				    "note", t->note, "ttl", (json_int_t)(left > 0 ? left : 0),
				    "sender_gone", t->sender_gone));
}

/* A colleague here declined a transfer: the other nodes count it too. */
static void transfer_tell_declined(struct app *app, struct chat_live *chat, int64_t operator_id,
				   const char *name)
{
	if (app->bus)
		bus_ops_tell(app, json_pack("{s:s, s:I, s:I, s:s?}", "k", "transfer.decline",
					    "chat", (json_int_t)chat->id,
					    "operator", (json_int_t)operator_id, "name", name));
}

/* The transfer is over unanswered (`reason`): copies on other nodes stop ringing. */
static void transfer_tell_over(struct app *app, struct chat_live *chat, const char *reason,
			       const char *by)
{
	if (app->bus)
		bus_ops_tell(app, json_pack("{s:s, s:I, s:s, s:s?}", "k", "transfer.end",
					    "chat", (json_int_t)chat->id, "reason", reason, "by", by));
}

/* The sender or the guest came or went: the rung colleagues see it. */
static void transfer_update(struct app *app, struct chat_live *chat)
{
	size_t i;

	for (i = 0; i < chat->transfer.nrung; i++)
		send_operator(app, chat->transfer.rung[i],
			      json_pack("{s:s, s:s, s:b, s:b}", "type", "transfer.update",
					"chat", chat->public_id,
					"sender_gone", chat->transfer.sender_gone,
					"guest_gone", guest_gone(app, chat)), NULL);
}

/*
 * Nobody took the transfer (`reason`: declined, expired, left): the chat
 * stays with its holder, who is told — or, when the sender is gone, goes
 * back to waiting on its queue.
 */
static void transfer_unanswered(struct app *app, struct chat_live *chat, const char *reason,
				const char *by)
{
	bool requeue = chat_transfer_requeues(chat);
	int64_t from = chat->transfer.from_id;
	/* Sent to a queue, it waits there: the sender judged that queue right. */
	int64_t queue_id = chat->transfer.to_queue ? chat->transfer.to_queue : chat->queue_id;
	struct chat_write *w;

	transfer_tell_rung(app, chat, reason, by, NULL);
	transfer_tell_over(app, chat, reason, by);
	send_operator(app, from, json_pack("{s:s, s:s, s:s, s:s?, s:b}", "type", "transfer.returned",
					   "chat", chat->public_id, "reason", reason, "by", by,
					   "requeued", requeue), NULL);
	chat_transfer_end(chat);
	if (!requeue || chat_write_new(app, NULL, "", chat, ACT_REQUEUE,
				       json_pack("{s:s}", "notice", "requeued"), &w) < 0)
		return;
	w->to_queue = queue_id;
	app_submit(app, &w->op);
}

/* The chat ends while a transfer waits: the colleagues stop ringing. */
static void transfer_drop(struct app *app, struct chat_live *chat)
{
	if (!chat->transfer.pending)
		return;
	transfer_tell_rung(app, chat, "ended", NULL, NULL);
	chat_transfer_end(chat);
}

/* After the hand-over is on disk: the new holder follows, everyone is told. */
static void transferred(struct chat_write *w)
{
	struct app *app = w->app;
	struct chat_live *chat = w->chat;
	struct client *c = w->conn;
	int64_t from = chat->transfer.from_id, before = chat->operator_id;
	size_t i;

	/* Colleagues rung with it (and the taker's other tabs) stop ringing. */
	for (i = 0; i < chat->transfer.nrung; i++)
		send_operator(app, chat->transfer.rung[i],
			      json_pack("{s:s, s:s, s:s, s:{s:I, s:s}}", "type", "transfer.gone",
					"chat", chat->public_id, "reason", "taken",
					"by", "id", (json_int_t)w->to_operator, "name", w->to_name), c);
	chat_transfer_accept_done(chat, true, w->to_operator, w->to_name, w->to_queue);
	if (client_alive(c)) {
		client_send_json(c, json_pack("{s:s, s:s, s:s}", "type", "ok", "id", w->id,
					    "chat", chat->public_id));
		client_add_follow(c, chat, false);
		chat_follow(chat, c, 0);
		replay(c, chat, 0);
	}
	fanout(app, chat, &w->ev);
	send_operator(app, from, json_pack("{s:s, s:s, s:{s:I, s:s}}", "type", "transfer.done",
					   "chat", chat->public_id, "to", "id",
					   (json_int_t)w->to_operator, "name", w->to_name), NULL);
	chat_ops_limit_check(app, w->to_operator);
	if (before)
		chat_ops_ring_again(app, before);
}

/* Back on its queue: ring whoever is available there, as for a new chat. */
static void requeued(struct chat_write *w)
{
	struct app *app = w->app;
	struct chat_live *chat = w->chat;

	chat_requeue(chat, w->to_queue);
	fanout(app, chat, &w->ev);
	ring_here(app, chat);
	bus_ops_ring(app, chat->id, chat->queue_id);
}

/* The operators or queue to ring, as h_chat_transfer() found them; refuses itself. */
struct transfer_to {
	int64_t operator_id, queue_id;
	const int64_t *rung;
	size_t nrung;
	char title[NAME_BYTES];
	int64_t *own; /* a queue's operators under their limit (freed by the caller) */
};

#define TRANSFER_ELSEWHERE_MAX 256 /* colleagues on other nodes one transfer rings */

static bool transfer_find_operator(struct client *c, const char *id, struct chat_live *chat,
				   json_int_t operator_id, struct transfer_to *to)
{
	struct store_operator o;
	struct operator_live *ol;
	char text[NAME_BYTES + 64];

	if (operator_id <= 0 || store_operator_get(c->app->st, operator_id, &o) < 0 ||
	    o.account_id != chat->account_id || o.disabled) {
		client_refuse(c, id, -ENOENT, "No such operator.");
		return false;
	}
	if (operator_id == chat->operator_id) {
		client_refuse(c, id, -EINVAL, operator_id == c->op->id ?
			      "You hold this chat already." : "That operator holds the chat already.");
		return false;
	}
	ol = domain_operator(&c->app->dom, operator_id);
	if (!ol || !operator_available(c->app, ol)) {
		bool full;

		if (!bus_ops_available_elsewhere(c->app, operator_id, &full)) {
			snprintf(text, sizeof(text), "%s is not available right now.", o.name);
			client_error(c, id, "unavailable", text);
			return false;
		}
		if (full) {
			snprintf(text, sizeof(text), "%s already has as many chats as your library "
				 "allows at a time.", o.name);
			client_error(c, id, "chat_limit", text);
			return false;
		}
		/* Available on another node: rung there (bus_ops.h). */
		to->operator_id = operator_id;
		to->own = xcalloc(1, sizeof(*to->own));
		to->own[0] = operator_id;
		to->rung = to->own;
		to->nrung = 1;
		snprintf(to->title, sizeof(to->title), "%s", o.name);
		return true;
	}
	if (tidy_at_limit(&c->app->dom, ol)) {
		limit_refuse(c, id, ol, o.name);
		return false;
	}
	to->operator_id = ol->id;
	to->rung = &ol->id;
	to->nrung = 1;
	snprintf(to->title, sizeof(to->title), "%s", o.name);
	return true;
}

static bool transfer_find_queue(struct client *c, const char *id, struct chat_live *chat,
				const char *name, struct transfer_to *to)
{
	struct store_queue q;
	struct queue_live *ql;
	size_t i;

	if (!str_is_token(name, 32, "-") || store_queue_by_name(c->app->st, name, &q) < 0 ||
	    q.account_id != chat->account_id) {
		client_refuse(c, id, -ENOENT, "No such queue.");
		return false;
	}
	ql = domain_queue(&c->app->dom, q.id);
	to->queue_id = q.id;
	/* Those at their limit of chats are not rung; nor, on another node, there. */
	to->own = xcalloc((ql ? ql->navailable : 0) + TRANSFER_ELSEWHERE_MAX, sizeof(*to->own));
	for (i = 0; ql && i < ql->navailable; i++) {
		struct operator_live *o = domain_operator(&c->app->dom, ql->available[i]);

		if (o && !tidy_at_limit(&c->app->dom, o))
			to->own[to->nrung++] = o->id;
	}
	to->nrung += bus_ops_queue_elsewhere(c->app, q.id, to->own + to->nrung, TRANSFER_ELSEWHERE_MAX);
	to->rung = to->own;
	snprintf(to->title, sizeof(to->title), "%s", q.title);
	return true;
}

/*
 * An admin takes a chat whose holder is gone (chat_may_transfer() allowed
 * it): handed over at once, as an accepted transfer would be — the guest
 * reads that they now chat with the admin, a share running stops.
 */
static void transfer_take_over(struct client *c, const char *id, struct chat_live *chat)
{
	struct chat_write *w;
	int rc;

	rc = chat_write_new(c->app, c, id, chat, ACT_TRANSFER,
			    json_pack("{s:s, s:s, s:s}", "notice", "transferred",
				      "name", c->op->name, "from", chat->operator_name), &w);
	if (rc < 0) {
		client_refuse(c, id, rc, NULL);
		return;
	}
	/* Until it is written, a second take-over (a double click, another admin) is busy. */
	chat->transfer.accepting = c->op->id;
	c->app->chat_listener->transferring(c->app, chat);
	w->to_operator = c->op->id;
	snprintf(w->to_name, sizeof(w->to_name), "%s", c->op->name);
	w->to_queue = chat->queue_id;
	app_submit(c->app, &w->op);
}

static void h_chat_transfer(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	struct app *app = c->app;
	const char *type, *mid, *public_id, *queue = NULL, *note = "";
	json_int_t operator_id = 0;
	struct transfer_to to = { 0, 0, NULL, 0, "", NULL };
	struct chat_live *chat;
	json_error_t err;
	char text[400];
	size_t i, len;
	int rc;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:s, s?I, s?s, s?s}", "type", &type,
			   "id", &mid, "chat", &public_id, "operator", &operator_id,
			   "queue", &queue, "note", &note)) {
		client_bad_fields(c, id, &err);
		return;
	}
	if (!operator_id == !queue) {
		client_error(c, id, "bad_message", "Name either an \"operator\" or a \"queue\".");
		return;
	}
	len = text_trim(note, &note);
	if (utf8_count(note, len) > TRANSFER_NOTE_MAX) {
		client_error(c, id, "too_long", "A note has at most 500 characters.");
		return;
	}
	chat = operator_chat(c, public_id);
	if (!chat) {
		not_found(c, id);
		return;
	}
	rc = chat_may_transfer(chat, c->op->id, c->op->is_admin,
			       holder_online(app, chat));
	if (rc < 0) {
		client_refuse(c, id, rc, rc == -EBUSY ?
			      "A transfer of this chat is already waiting for an answer." : NULL);
		domain_chat_maybe_forget(&app->dom, chat);
		return;
	}
	if (operator_id == c->op->id && chat->operator_id != c->op->id) {
		/* An admin naming themself for a chat whose holder is gone: nobody to ask. */
		transfer_take_over(c, id, chat);
		return;
	}
	if (!(operator_id ? transfer_find_operator(c, id, chat, operator_id, &to)
			  : transfer_find_queue(c, id, chat, queue, &to)))
		return;
	{
		char *copy = xmalloc(len + 1);

		memcpy(copy, note, len);
		copy[len] = '\0';
		rc = chat_transfer_begin(chat, c->op->id, c->op->name, to.operator_id, to.queue_id,
					 to.rung, to.nrung, copy, time_mono_ms(),
					 (int64_t)app->cfg->transfer_timeout_secs * 1000);
		free(copy);
		free(to.own);
	}
	if (rc < 0) {
		snprintf(text, sizeof(text), "Nobody else is available on %s right now.", to.title);
		client_error(c, id, "unavailable", text);
		return;
	}
	client_send_json(c, json_pack("{s:s, s:s, s:s, s:o, s:I}", "type", "ok", "id", id,
				    "chat", chat->public_id, "to", transfer_target(app, &chat->transfer),
				    "expires_in", (json_int_t)app->cfg->transfer_timeout_secs * 1000));
	for (i = 0; i < chat->transfer.nrung; i++)
		send_operator(app, chat->transfer.rung[i], transfer_offer(app, chat), NULL);
	transfer_tell_nodes(app, chat);
}

/* The chat a transfer answer names; refuses itself and returns NULL. */
static struct chat_live *transfer_chat(struct client *c, const char *id, json_t *msg)
{
	const char *type, *mid, *public_id;
	struct chat_live *chat;
	json_error_t err;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:s}", "type", &type,
			   "id", &mid, "chat", &public_id)) {
		client_bad_fields(c, id, &err);
		return NULL;
	}
	chat = operator_chat(c, public_id);
	if (!chat)
		not_found(c, id);
	return chat;
}

/* Why a colleague may not answer: no transfer, not asked, or someone was faster. */
static void transfer_refuse(struct client *c, const char *id, struct chat_live *chat, int rc)
{
	struct operator_live *o;
	char text[NAME_BYTES + 64];

	if (rc == -ENOENT) {
		client_error(c, id, "no_transfer", "No transfer of this chat is waiting.");
	} else if (rc == -ENOTOFFERED) {
		client_refuse(c, id, rc, "This transfer was not offered to you.");
	} else {
		o = domain_operator(&c->app->dom, chat->transfer.pending ? chat->transfer.accepting
									  : chat->taken_by);
		snprintf(text, sizeof(text), "%s took this chat.", o ? o->name : "A colleague");
		client_refuse(c, id, -EALREADY, text);
	}
	domain_chat_maybe_forget(&c->app->dom, chat);
}

static void h_transfer_accept(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	struct chat_live *chat = transfer_chat(c, id, msg);
	struct store_queue q;
	struct chat_write *w;
	bool to_queue;
	int rc;

	if (!chat)
		return;
	operator_touch(c);
	if (chat_transfer_rings(chat, c->op->id) && tidy_at_limit(&c->app->dom, c->op)) {
		limit_refuse(c, id, c->op, NULL);
		return;
	}
	if (chat->transfer.remote && chat_transfer_expired(chat, time_mono_ms())) {
		/* Another node started it, and decides its end: past the deadline it has. */
		client_error(c, id, "no_transfer", "No transfer of this chat is waiting.");
		return;
	}
	rc = chat_transfer_accept_begin(chat, c->op->id);
	if (rc < 0) {
		transfer_refuse(c, id, chat, rc);
		return;
	}
	to_queue = chat->transfer.to_queue && store_queue_get(c->app->st, chat->transfer.to_queue, &q) == 0;
	rc = chat_write_new(c->app, c, id, chat, ACT_TRANSFER,
			    json_pack("{s:s, s:s, s:s, s:s*, s:s*}", "notice", "transferred",
				      "name", c->op->name, "from", chat->operator_name,
				      "queue", to_queue ? q.name : NULL,
				      "title", to_queue ? q.title : NULL), &w);
	if (rc < 0) {
		chat_transfer_accept_done(chat, false, 0, "", 0);
		client_refuse(c, id, rc, NULL);
		return;
	}
	/* The guest agreed to show their screen to the first librarian, not the next. */
	c->app->chat_listener->transferring(c->app, chat);
	w->to_operator = c->op->id;
	snprintf(w->to_name, sizeof(w->to_name), "%s", c->op->name);
	w->to_queue = to_queue ? q.id : chat->queue_id;
	app_submit(c->app, &w->op);
}

/* After a decline: the last one leaves the chat where it was, decided by the node that
 * started the transfer (a copy here only stops). */
static void transfer_declined(struct app *app, struct chat_live *chat, bool last, const char *by)
{
	if (!last)
		return;
	if (chat->transfer.remote)
		chat_transfer_end(chat);
	else
		transfer_unanswered(app, chat, "declined", by);
}

static void h_transfer_decline(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	struct chat_live *chat = transfer_chat(c, id, msg);
	bool last;
	int rc;

	if (!chat)
		return;
	rc = chat_transfer_decline(chat, c->op->id, &last);
	if (rc < 0) {
		transfer_refuse(c, id, chat, rc);
		return;
	}
	client_send_json(c, json_pack("{s:s, s:s, s:s}", "type", "ok", "id", id,
				    "chat", chat->public_id));
	/* The operator's other tabs stop ringing too. */
	send_operator(c->app, c->op->id, json_pack("{s:s, s:s, s:s}", "type", "transfer.gone",
						   "chat", chat->public_id, "reason", "declined"), c);
	transfer_tell_declined(c->app, chat, c->op->id, c->op->name);
	transfer_declined(c->app, chat, last, c->op->name);
}

static void h_transfer_cancel(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	struct chat_live *chat = transfer_chat(c, id, msg);

	if (!chat)
		return;
	if (!chat->transfer.pending || chat->transfer.from_id != c->op->id) {
		client_error(c, id, "no_transfer", "You have no transfer of this chat waiting.");
		return;
	}
	if (chat->transfer.accepting) {
		transfer_refuse(c, id, chat, -EALREADY);
		return;
	}
	transfer_tell_rung(c->app, chat, "withdrawn", c->op->name, NULL);
	transfer_tell_over(c->app, chat, "withdrawn", c->op->name);
	chat_transfer_end(chat);
	client_send_json(c, json_pack("{s:s, s:s, s:s}", "type", "ok", "id", id,
				    "chat", chat->public_id));
}

struct targets_ctx {
	struct app *app;
	int64_t self;
	json_t *queues;
};

static int target_queue(void *arg, const struct store_queue *q)
{
	struct targets_ctx *t = arg;
	struct queue_live *ql = domain_queue(&t->app->dom, q->id);
	size_t i, n = 0;

	for (i = 0; ql && i < ql->navailable; i++)
		n += ql->available[i] != t->self;
	if (ql)
		n += (size_t)ql->remote_available; /* on other nodes */
	json_array_append_new(t->queues, json_pack("{s:s, s:s, s:I}", "name", q->name,
						   "title", q->title, "available", (json_int_t)n));
	return 0;
}

/* Colleagues available on other nodes, under their limit, not listed yet. */
static void targets_elsewhere(struct app *app, struct chat_live *chat, int64_t self, json_t *ops)
{
	int64_t ids[TRANSFER_ELSEWHERE_MAX];
	struct store_operator o;
	size_t n, i, j;
	json_t *it;

	n = bus_ops_queue_elsewhere(app, 0, ids, TRANSFER_ELSEWHERE_MAX);
	for (i = 0; i < n; i++) {
		bool listed = ids[i] == self || ids[i] == chat->operator_id;

		json_array_foreach(ops, j, it)
			listed = listed || json_integer_value(json_object_get(it, "id")) == ids[i];
		if (listed || store_operator_get(app->st, ids[i], &o) < 0 ||
		    o.account_id != chat->account_id || o.disabled)
			continue;
		json_array_append_new(ops, json_pack("{s:I, s:s}", "id", (json_int_t)o.id, "name", o.name));
	}
}

/* Whom the chat could go to: available colleagues of its account, and its queues. */
static void h_transfer_targets(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	struct app *app = c->app;
	struct chat_live *chat = transfer_chat(c, id, msg);
	struct targets_ctx t = { app, c->op ? c->op->id : 0, NULL };
	json_t *ops;
	size_t i = 0;
	uint64_t key;
	void *v;

	if (!chat)
		return;
	ops = json_array();
	t.queues = json_array();
	while (map_next(&app->dom.operators, &i, &key, &v)) {
		struct operator_live *o = v;

		if (o->account_id == chat->account_id && o->id != c->op->id &&
		    o->id != chat->operator_id && operator_available(app, o) &&
		    !tidy_at_limit(&app->dom, o))
			json_array_append_new(ops, json_pack("{s:I, s:s}", "id", (json_int_t)o->id,
							     "name", o->name));
	}
	targets_elsewhere(app, chat, c->op->id, ops);
	/* An admin moving a chat whose holder is gone may take it themself. */
	if (c->op->is_admin && chat->operator_id != c->op->id &&
	    !holder_online(app, chat)) {
		json_array_append_new(ops, json_pack("{s:I, s:s, s:b}", "id", (json_int_t)c->op->id,
						     "name", c->op->name, "self", 1));
	}
	store_queues_of_account(app->st, chat->account_id, target_queue, &t);
	client_send_json(c, json_pack("{s:s, s:s, s:s, s:o, s:o}", "type", "ok", "id", id,
				    "chat", chat->public_id, "operators", ops, "queues", t.queues));
	domain_chat_maybe_forget(&app->dom, chat);
}

/*
 * An operator's last socket closed: transfers they sent now end on the
 * queue if nobody takes them (the colleagues are told), and transfers
 * ringing them count as declined.
 */
static void transfer_operator_left(struct app *app, int64_t operator_id)
{
	bool last;
	size_t i = 0;
	uint64_t key;
	void *v;

	while (map_next(&app->dom.chats, &i, &key, &v)) {
		struct chat_live *chat = v;

		if (!chat->transfer.pending)
			continue;
		if (chat->transfer.from_id == operator_id && !chat->transfer.sender_gone) {
			chat->transfer.sender_gone = true;
			transfer_update(app, chat);
		}
		if (chat_transfer_decline(chat, operator_id, &last) == 0) {
			transfer_tell_declined(app, chat, operator_id, NULL);
			if (last && chat->transfer.remote)
				chat_transfer_end(chat);
			else if (last)
				transfer_unanswered(app, chat, "left", NULL);
		}
	}
}

/*
 * The holder who sent a transfer is back (a reload, a dropped line): a
 * refusal gives the chat back to them again rather than to the queue, and
 * the colleagues see it.  (An admin's move of someone else's chat stays as
 * it was: the holder is still gone.)
 */
static void transfer_sender_back(struct app *app, int64_t operator_id)
{
	size_t i = 0;
	uint64_t key;
	void *v;

	while (map_next(&app->dom.chats, &i, &key, &v)) {
		struct chat_live *chat = v;

		if (chat->transfer.pending && chat->transfer.sender_gone &&
		    chat->transfer.from_id == operator_id && chat->operator_id == operator_id) {
			chat->transfer.sender_gone = false;
			transfer_update(app, chat);
		}
	}
}

/* Transfers ringing an operator who just opened a socket ring there too. */
static void transfer_ring_again(struct client *c)
{
	size_t i = 0;
	uint64_t key;
	void *v;

	while (map_next(&c->app->dom.chats, &i, &key, &v)) {
		struct chat_live *chat = v;

		if (chat_transfer_rings(chat, c->op->id) && !chat->transfer.accepting)
			client_send_json(c, transfer_offer(c->app, chat));
	}
}

#define TRANSFER_REMOTE_GRACE_MS 10000

/* Transfers whose time ran out go back (chat_ops_sweep(), every second). */
static void transfer_sweep(struct app *app, struct chat_live *chat, int64_t now_mono)
{
	if (chat->transfer.remote) {
		/* The node that started it says when it ends; should it be gone, this copy ends too. */
		if (chat_transfer_expired(chat, now_mono - TRANSFER_REMOTE_GRACE_MS)) {
			transfer_tell_rung(app, chat, "expired", NULL, NULL);
			chat_transfer_end(chat);
		}
		return;
	}
	if (chat_transfer_expired(chat, now_mono))
		transfer_unanswered(app, chat, "expired", NULL);
}

/* ---- handlers: Available or Away ------------------------------------------------- */

struct back_ctx {
	struct app *app;
	struct operator_live *op;
};

/* Back from Away: on each queue the operator had chosen, available again, and rung. */
static int back_on_queue(void *arg, const struct store_queue *q, bool available)
{
	struct back_ctx *b = arg;
	struct offer_ctx o = { b->app, b->op, NULL };
	struct queue_live *ql;

	if (!available)
		return 0;
	ql = domain_queue_add(&b->app->dom, q->id, q->account_id, q->name);
	set_available(b->app, ql, b->op->id, true);
	store_chats_of_queue(b->app->st, q->id, CHAT_WAITING, offer_waiting, &o);
	return 0;
}

/*
 * Away keeps the session and the chats the operator holds but stops the
 * ringing: the operator leaves every queue's live list (guests see a queue
 * with nobody else offline, and colleagues cannot transfer to them).
 * Available puts them back where they had switched Available on.
 */
void chat_ops_set_status(struct app *app, struct operator_live *op, bool away, const char *reason,
			 struct client *except)
{
	struct back_ctx b = { app, op };
	json_t *note;
	size_t i = 0;
	uint64_t key;
	void *v;

	if (away != op->away) {
		op->away = away;
		if (away) {
			while (map_next(&app->dom.queues, &i, &key, &v))
				set_available(app, v, op->id, false);
		} else {
			store_queues_of_operator(app->st, op->id, back_on_queue, &b);
		}
	}
	note = json_pack("{s:s, s:s}", "type", "status", "status", away ? "away" : "available");
	if (reason)
		json_object_set_new(note, "reason", json_string(reason));
	send_operator(app, op->id, note, except);
}

static void h_status_set(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	const char *type, *mid, *status;
	json_error_t err;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:s}", "type", &type,
			   "id", &mid, "status", &status)) {
		client_bad_fields(c, id, &err);
		return;
	}
	if (strcmp(status, "available") && strcmp(status, "away")) {
		client_error(c, id, "bad_message", "\"status\" is \"available\" or \"away\".");
		return;
	}
	operator_touch(c);
	client_send_json(c, json_pack("{s:s, s:s, s:s}", "type", "ok", "id", id, "status", status));
	/* The operator's other tabs show it too. */
	chat_ops_set_status(c->app, c->op, !strcmp(status, "away"), NULL, c);
}

/* The webclient reports that its operator is at the keyboard (PROTOCOL.md §3.4). */
static void h_activity(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	const char *type, *mid;
	json_error_t err;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s}", "type", &type, "id", &mid)) {
		client_bad_fields(c, id, &err);
		return;
	}
	operator_touch(c);
	client_send_json(c, json_pack("{s:s, s:s}", "type", "ok", "id", id));
}

void chat_ops_ring_again(struct app *app, int64_t operator_id)
{
	struct operator_live *o = domain_operator(&app->dom, operator_id);
	struct offer_ctx oc = { app, o, NULL };
	size_t i = 0;
	uint64_t key;
	void *v;

	/* Only someone the limit held back: others have every offer already. */
	if (!o || o->away || !o->rings_held_back || tidy_at_limit(&app->dom, o))
		return;
	o->rings_held_back = false;
	while (map_next(&app->dom.queues, &i, &key, &v)) {
		struct queue_live *ql = v;

		if (queue_has_available(ql, o->id))
			store_chats_of_queue(app->st, ql->id, CHAT_WAITING, offer_waiting, &oc);
	}
}

/* ---- operator sockets ------------------------------------------------------------ */

struct hello_ctx {
	struct app *app;
	struct operator_live *op;
	bool first;
	json_t *queues, *chats;
};

static int hello_queue(void *arg, const struct store_queue *q, bool available)
{
	struct hello_ctx *h = arg;
	struct offer_ctx o = { h->app, h->op, h->chats };
	struct queue_live *ql = domain_queue_add(&h->app->dom, q->id, q->account_id, q->name);

	if (h->first && available)
		set_available(h->app, ql, h->op->id, true);
	/* While Away, the switches show what the operator chose, for when they are back. */
	json_array_append_new(h->queues, json_pack("{s:s, s:s, s:b}", "name", q->name,
						   "title", q->title,
						   "available", h->op->away ? available :
						   queue_has_available(ql, h->op->id)));
	if (queue_has_available(ql, h->op->id))
		store_chats_of_queue(h->app->st, q->id, CHAT_WAITING, offer_waiting, &o);
	return 0;
}

static int hello_held(void *arg, const struct store_chat *row)
{
	struct hello_ctx *h = arg;
	struct chat_live *chat = chat_live_of(h->app, row);
	json_t *o = chat_summary(h->app, chat);
	int64_t left = chat->transfer.deadline - time_mono_ms();

	/* A page opened while its transfer waits shows it, and may cancel it. */
	if (chat->transfer.pending && chat->transfer.from_id == h->op->id)
		json_object_set_new(o, "transfer", json_pack("{s:o, s:I}", "to",
					transfer_target(h->app, &chat->transfer),
					"expires_in", (json_int_t)(left > 0 ? left : 0)));
	json_array_append_new(h->chats, o);
	return 0;
}

/* The account's tidiness settings, kept on the live operator (an admin's
 * change updates them, desk.c); none read as 0: never Away, no limit. */
static void load_desk_settings(struct app *app, struct operator_live *op)
{
	struct store_desk_account d;

	if (store_desk_account_get(app->st, op->account_id, &d) < 0)
		return;
	op->away_idle_mins = d.away_idle_mins;
	op->max_chats = d.max_chats;
}

void chat_ops_operator_open(struct client *c)
{
	struct app *app = c->app;
	struct store_operator o;
	struct store_account a;
	struct hello_ctx h;
	int64_t operator_id = c->op_id_pending;

	if (store_operator_get(app->st, operator_id, &o) < 0 || o.disabled ||
	    store_account_get(app->st, o.account_id, &a) < 0)
		return;
	h.app = app;
	h.op = domain_operator_attach(&app->dom, o.id, o.account_id, o.name, o.is_admin, c);
	h.first = h.op->nconns == 1;
	load_desk_settings(app, h.op);
	h.op->last_active = time_mono_ms();
	h.queues = json_array();
	h.chats = json_array();
	c->op = h.op;
	store_chats_of_operator(app->st, o.id, hello_held, &h);
	store_queues_of_operator(app->st, o.id, hello_queue, &h);
	client_send_json(c, json_pack("{s:s, s:{s:I, s:s, s:s, s:b, s:{s:I, s:s}}, s:o, s:o, s:s}",
				    "type", "hello",
				    "operator", "id", (json_int_t)o.id, "username", o.username,
				    "name", o.name, "admin", o.is_admin,
				    "account", "id", (json_int_t)a.id, "name", a.name,
				    "queues", h.queues, "chats", h.chats,
				    "status", h.op->away ? "away" : "available"));
	if (h.first) {
		transfer_sender_back(app, o.id);
		bus_ops_avail_changed(app); /* connected here now, for the other nodes */
	}
	transfer_ring_again(c);
}

void chat_ops_client_gone(struct client *c)
{
	struct app *app = c->app;
	bool last;
	struct queue_live *ql;
	size_t i = 0;
	uint64_t key;
	void *v;

	for (i = 0; i < c->nfollows; i++) {
		struct chat_live *chat = c->follows[i].chat;

		app->chat_listener->client_left(app, c, chat);
		chat_unfollow(chat, c);
		if (c->follows[i].as_guest && !c->stand_in && !has_guest(chat)) {
			chat_guest_left(chat, time_mono_ms());
			if (chat->transfer.pending)
				transfer_update(app, chat);
		}
		domain_chat_maybe_forget(&app->dom, chat);
	}
	c->nfollows = 0;
	for (i = 0; i < c->nwatching; i++) {
		ql = domain_queue(&app->dom, c->watching[i]);
		if (ql)
			queue_unwatch(ql, c);
	}
	c->nwatching = 0;
	if (!c->op)
		return;
	last = c->op->nconns == 1;
	if (last) {
		/* Its last socket here: the operator is no longer available on this node; gone
		 * for transfers only when connected to no other node either. */
		for (i = 0; map_next(&app->dom.queues, &i, &key, &v);)
			set_available(app, v, c->op->id, false);
		if (!bus_ops_connected_elsewhere(app, c->op->id))
			transfer_operator_left(app, c->op->id);
	}
	domain_operator_detach(&app->dom, c->op, c);
	c->op = NULL;
	if (last)
		bus_ops_avail_changed(app); /* who is connected here changed, for the other nodes */
}

#define GUEST (1u << CLIENT_GUEST)
#define OPERATOR (1u << CLIENT_OPERATOR)

const struct ws_message chat_messages[] = {
	{ "chat.start", GUEST, h_chat_start },
	{ "chat.join", GUEST | OPERATOR, h_chat_join },
	{ "msg.send", GUEST | OPERATOR, h_msg_send },
	{ "typing", GUEST | OPERATOR, h_typing },
	{ "chat.end", GUEST | OPERATOR, h_chat_end },
	{ "presence.watch", GUEST | OPERATOR, h_presence_watch },
	{ "chat.accept", OPERATOR, h_chat_accept },
	{ "availability.set", OPERATOR, h_availability_set },
	{ "chat.transfer", OPERATOR, h_chat_transfer },
	{ "transfer.targets", OPERATOR, h_transfer_targets },
	{ "transfer.accept", OPERATOR, h_transfer_accept },
	{ "transfer.decline", OPERATOR, h_transfer_decline },
	{ "transfer.cancel", OPERATOR, h_transfer_cancel },
	{ "status.set", OPERATOR, h_status_set },
	{ "activity", OPERATOR, h_activity },
};
const size_t chat_nmessages = ARRAY_SIZE(chat_messages);

struct chat_live *chat_ops_resolve(struct client *c, const char *public_id)
{
	return resolve_chat(c, public_id);
}

/* ---- abandoned chats -------------------------------------------------------------- */

static int load_waiting(void *arg, const struct store_chat *row)
{
	struct app *app = arg;
	struct chat_live *chat = chat_live_of(app, row);

	/* A waiting chat's guest left with the last run; with other nodes, the sweep asks
	 * theirs (bus_ops_guest_elsewhere()) before it ends the chat. */
	if (!has_guest(chat))
		chat_guest_left(chat, time_mono_ms());
	return 0;
}

static int adopt_waiting(void *arg, const struct store_chat *row)
{
	struct app *app = arg;
	struct chat_live *chat = domain_chat(&app->dom, row->id);

	if (!chat)
		chat = chat_live_of(app, row);
	if (chat->status == CHAT_WAITING && !has_guest(chat) && !chat->guest_gone_since)
		chat_guest_left(chat, time_mono_ms());
	return 0;
}

void chat_ops_adopt_waiting(struct app *app)
{
	store_chats_with_status(app->st, CHAT_WAITING, adopt_waiting, app);
}

void chat_ops_start(struct app *app)
{
	store_chat_max_id(app->st, &app->last_chat_id);
	if (app->cfg->store_url) {
		/* Other processes may share the database: start our ids elsewhere in each ms. */
		uint16_t salt;

		rand_bytes(&salt, sizeof(salt));
		app->chat_id_salt = salt & 1023;
	}
	store_chats_with_status(app->st, CHAT_WAITING, load_waiting, app);
}

void chat_ops_sweep(struct app *app)
{
	int64_t now = time_mono_ms();
	struct chat_write *w;
	size_t i = 0;
	uint64_t key;
	void *v;

	while (map_next(&app->dom.chats, &i, &key, &v)) {
		struct chat_live *chat = v;

		app->chat_listener->tick(app, chat, now);
		transfer_sweep(app, chat, now);
		if (!chat_abandoned(chat, now, (int64_t)app->cfg->abandon_secs * 1000))
			continue;
		if (bus_ops_guest_elsewhere(app, chat->id)) {
			chat_guest_back(chat); /* its guest is on another node now */
			continue;
		}
		if (chat_write_new(app, NULL, "", chat, ACT_END,
				   json_pack("{s:s, s:s}", "notice", "ended", "by", "system"), &w) < 0)
			continue; /* out of memory: the next sweep tries again */
		chat_end_begin(chat);
		app_submit(app, &w->op);
	}
}

int chat_ops_end_quiet(struct app *app, struct chat_live *chat)
{
	struct chat_write *w;
	int rc = chat_write_new(app, NULL, "", chat, ACT_END,
				json_pack("{s:s, s:s, s:s}", "notice", "ended", "by", "system",
					  "reason", "idle"), &w);

	if (rc < 0)
		return rc;
	app->chat_listener->ending(app, chat, "system");
	transfer_drop(app, chat);
	chat_end_begin(chat);
	app_submit(app, &w->op);
	return 0;
}

/* ---- events posted over HTTP ------------------------------------------------------- */

struct chat_live *chat_ops_chat(struct app *app, const char *public_id, const char *token,
				const struct store_operator *op)
{
	struct chat_viewer v = { token ? VIEWER_GUEST : VIEWER_OPERATOR, op ? op->account_id : 0,
				 token };
	struct store_chat row;

	if (!token && !op)
		return NULL;
	return visible_row(app, public_id, &v, &row) == 0 ? chat_live_of(app, &row) : NULL;
}

int chat_ops_post(struct app *app, struct chat_live *chat, enum event_author author,
		  int64_t operator_id, const char *kind, json_t *body, const char *cid,
		  int (*extra)(struct store *st, void *arg),
		  void (*posted)(void *arg, int rc, int64_t seq, bool dup), void *arg)
{
	struct chat_write *w;
	int rc = chat_may_write(chat, author, operator_id);

	if (rc < 0) {
		json_decref(body);
		return rc;
	}
	rc = chat_write_new(app, NULL, "", chat, ACT_POST, body, &w);
	if (rc < 0)
		return rc;
	w->ev.kind = kind;
	w->ev.author = author;
	w->ev.operator_id = operator_id;
	if (cid) {
		snprintf(w->cid, sizeof(w->cid), "%s", cid);
		w->ev.cid = w->cid;
	}
	w->extra = extra;
	w->posted = posted;
	w->arg = arg;
	app_submit(app, &w->op);
	return 0;
}

int chat_ops_step(struct app *app, struct client *c, const char *id, struct chat_live *chat,
		  enum event_author author, const char *kind, json_t *body, json_t *reply)
{
	struct chat_write *w;
	int rc = chat_write_new(app, c, id ? id : "", chat, ACT_MESSAGE, body, &w);

	if (rc < 0) {
		json_decref(reply);
		if (c && id)
			client_refuse(c, id, rc, NULL);
		return rc;
	}
	w->ev.kind = kind;
	w->ev.author = author;
	w->ev.operator_id = author == AUTHOR_OPERATOR ? chat->operator_id : 0;
	w->reply = reply;
	app_submit(app, &w->op);
	return 0;
}

void chat_ops_forget(struct app *app, struct chat_live *chat)
{
	domain_chat_maybe_forget(&app->dom, chat);
}

void chat_ops_set_available(struct app *app, int64_t queue_id, int64_t operator_id, bool on)
{
	struct queue_live *ql = domain_queue(&app->dom, queue_id);

	if (ql)
		set_available(app, ql, operator_id, on);
}

void chat_ops_set_available_live(struct client *c, int64_t queue_id, bool on)
{
	struct app *app = c->app;
	struct offer_ctx o = { app, c->op, NULL };
	struct queue_live *ql = domain_queue(&app->dom, queue_id);
	struct store_queue q;

	if (!c->op)
		return;
	if (!ql) {
		if (store_queue_get(app->st, queue_id, &q) < 0)
			return;
		ql = domain_queue_add(&app->dom, q.id, q.account_id, q.name);
	}
	set_available(app, ql, c->op->id, on);
	if (on)
		store_chats_of_queue(app->st, queue_id, CHAT_WAITING, offer_waiting, &o);
}

void chat_ops_print_limits(FILE *out)
{
	limit_print(out, "text_chars", CHAT_TEXT_MAX, "chars", "a message, after trimming");
	limit_print(out, "name_chars", CHAT_NAME_MAX, "chars", "a guest's or operator's name");
	limit_print(out, "chats_per_guest_socket", CHATS_PER_GUEST_SOCKET, "chats",
		    "chats one guest socket follows");
	limit_print(out, "presence_queues", PRESENCE_QUEUES_MAX, "queues", "queues one presence.watch names");
	limit_print(out, "transfer_note_chars", TRANSFER_NOTE_MAX, "chars", "a transfer's note to the colleague");
	limit_print(out, "transfer_transcript", TRANSFER_TRANSCRIPT_MAX, "events",
		    "recent events a colleague is rung with");
	limit_print(out, "replay_page", REPLAY_PAGE, "events", "read from the store at a time for chat.join");
}

/* ---- news from other nodes ---------------------------------------------------- */

#define LOOK_PAGE 64

struct look_ctx {
	struct chat_live *chat;
	int64_t upto;
	int n;
	bool spoke;   /* someone wrote: the chat's quiet ends (chat/tidiness.h) */
	bool notice;  /* its holder or status may have changed */
};

static int look_one(void *arg, const struct store_event *ev)
{
	struct look_ctx *l = arg;

	if (ev->seq > l->upto)
		return 1;
	l->n++;
	deliver(l->chat, ev);
	if (ev->seq > l->chat->last_seq)
		l->chat->last_seq = ev->seq;
	if (!strcmp(ev->kind, "notice"))
		l->notice = true;
	else if (!strcmp(ev->kind, "share"))
		share_ops_heard_step(l->chat, ev->body);
	else if (ev->author != AUTHOR_SYSTEM)
		l->spoke = true;
	return 0;
}

/*
 * Tell this process's followers the chat's events after the last one told
 * here, up to `upto`, from the store.  True when one of them was a notice
 * (an accept, a hand-over, the end), after which the row says more.
 */
static bool look_fill(struct app *app, struct chat_live *chat, int64_t upto)
{
	struct look_ctx l = { chat, upto, 0, false, false };

	do {
		l.n = 0;
		if (store_events_since(app->st, chat->id, chat->told_seq, LOOK_PAGE, look_one, &l) < 0)
			break;
	} while (l.n == LOOK_PAGE && chat->told_seq < upto);
	if (l.spoke)
		tidy_chat_spoke(chat, time_mono_ms());
	return l.notice;
}

/*
 * Follow the chat's row after another process changed it: its status and
 * holder, and what that means here — those it rang here hear it was taken
 * or is gone, a transfer waiting here is off, a holder here at their limit
 * is rung again, a chat back on its queue rings who is available here.  A
 * change of this process's own in flight settles in its done(), against
 * the row; an end is never undone.
 */
static void follow_row(struct app *app, struct chat_live *chat)
{
	enum chat_status prev = chat->status;
	int64_t prev_op = chat->operator_id;
	struct store_chat row;
	const char *name;

	if (chat->accepting || chat->transfer.accepting || chat->status == CHAT_ENDED ||
	    store_chat_get(app->st, chat->id, &row) < 0)
		return;
	if (row.status == prev && row.operator_id == prev_op && row.queue_id == chat->queue_id) {
		if (row.last_seq > chat->last_seq)
			chat->last_seq = row.last_seq;
		return;
	}
	name = take_row(app, chat, &row);
	if (prev == CHAT_WAITING && row.status != CHAT_WAITING)
		taken_elsewhere(app, chat, &row, name, NULL);
	if (row.status == CHAT_ENDED && share_busy(&chat->share))
		share_reset(&chat->share); /* the viewer reads the end; nothing more is recorded */
	else if (share_busy(&chat->share) && row.operator_id != prev_op)
		/* Handed over (or back on its queue) elsewhere: what the guest agreed to with its
		 * holder stops, as a hand-over here does. */
		app->chat_listener->transferring(app, chat);
	if (chat->transfer.pending && row.status == CHAT_WAITING) {
		/* Back on its queue elsewhere: the transfer is off, and the chat rings anew. */
		transfer_tell_rung(app, chat, "withdrawn", NULL, NULL);
		chat_transfer_end(chat);
	} else if (chat->transfer.pending) {
		transfer_lost(app, chat, &row, name, NULL);
	}
	if (prev == CHAT_ACTIVE && prev_op && row.operator_id != prev_op)
		chat_ops_ring_again(app, prev_op); /* one chat fewer for the one who had it */
	if (row.status == CHAT_WAITING)
		ring_here(app, chat);
}

static void look(struct app *app, struct chat_live *chat, bool row_too)
{
	if (look_fill(app, chat, INT64_MAX) || row_too)
		follow_row(app, chat);
}

void chat_ops_look(struct app *app, int64_t chat_id, int64_t seq)
{
	struct chat_live *chat = domain_chat(&app->dom, chat_id);

	if (!chat || seq <= chat->told_seq)
		return;
	chat->pins++; /* not forgotten while its followers are told */
	look(app, chat, false);
	chat->pins--;
	domain_chat_maybe_forget(&app->dom, chat);
}

void chat_ops_ring_here(struct app *app, int64_t chat_id, int64_t queue_id)
{
	struct queue_live *ql = domain_queue(&app->dom, queue_id);
	struct chat_live *chat;
	struct store_chat row;

	if (!ql || !ql->navailable)
		return; /* nobody here to ring: nothing to load */
	chat = domain_chat(&app->dom, chat_id);
	if (!chat) {
		if (store_chat_get(app->st, chat_id, &row) < 0 || row.status != CHAT_WAITING)
			return;
		chat = chat_live_of(app, &row);
	}
	if (chat->status == CHAT_WAITING && chat->queue_id == queue_id)
		ring_here(app, chat);
}

static int ring_waiting(void *arg, const struct store_chat *row)
{
	chat_ops_ring_here(arg, row->id, row->queue_id);
	return 0;
}

void chat_ops_catch_up(struct app *app)
{
	size_t i = 0, n = 0, k;
	struct chat_live **held;
	uint64_t key;
	void *v;

	/* Looking may forget an ended chat: go over a copy of the list. */
	held = xcalloc(app->dom.chats.count + 1, sizeof(*held));
	while (map_next(&app->dom.chats, &i, &key, &v) && n < app->dom.chats.count) {
		held[n] = v;
		held[n++]->pins++;
	}
	for (k = 0; k < n; k++) {
		look(app, held[k], true);
		/* What this node said while its link was down was lost: say it again. */
		if (held[k]->told_seq)
			bus_ops_told(app, held[k]->id, held[k]->told_seq);
		if (held[k]->status == CHAT_WAITING)
			bus_ops_ring(app, held[k]->id, held[k]->queue_id);
		held[k]->pins--;
		domain_chat_maybe_forget(&app->dom, held[k]);
	}
	free(held);
	store_chats_with_status(app->st, CHAT_WAITING, ring_waiting, app);
}

/* The chat a note names, held here or loaded from the store; NULL for one that ended. */
static struct chat_live *noted_chat(struct app *app, json_t *obj, bool load)
{
	json_int_t id = json_integer_value(json_object_get(obj, "chat"));
	struct chat_live *chat = domain_chat(&app->dom, id);
	struct store_chat row;

	if (!chat && load && id > 0 && store_chat_get(app->st, id, &row) == 0 &&
	    row.status == CHAT_ACTIVE)
		chat = chat_live_of(app, &row);
	return chat && chat->status != CHAT_ENDED ? chat : NULL;
}

/* A transfer another node started rings the colleagues it names here. */
static void heard_transfer(struct app *app, json_t *obj)
{
	struct chat_live *chat = noted_chat(app, obj, true);
	json_int_t from = 0, to_operator = 0, to_queue = 0, ttl = 0;
	const char *from_name = NULL, *note = NULL;
	int64_t rung[TRANSFER_ELSEWHERE_MAX * 2];
	json_t *list = NULL, *it;
	int sender_gone = 0;
	size_t i, n = 0;

	if (!chat || chat->transfer.pending ||
	    json_unpack(obj, "{s:I, s:s, s:I, s:I, s:o, s:s, s:I, s:b}", "from", &from,
			"from_name", &from_name, "to_operator", &to_operator, "to_queue", &to_queue,
			"rung", &list, "note", &note, "ttl", &ttl, "sender_gone", &sender_gone) ||
	    !json_is_array(list) || ttl < 0 || ttl > 24 * 3600 * 1000)
		return;
	json_array_foreach(list, i, it)
		if (json_is_integer(it) && n < ARRAY_SIZE(rung))
			rung[n++] = json_integer_value(it);
	if (chat_transfer_begin(chat, from, from_name, to_operator, to_queue, rung, n, note,
				time_mono_ms(), ttl) < 0)
		return;
	chat->transfer.remote = true;
	chat->transfer.sender_gone = sender_gone;
	for (i = 0; i < chat->transfer.nrung; i++)
		if (domain_operator(&app->dom, chat->transfer.rung[i]))
			send_operator(app, chat->transfer.rung[i], transfer_offer(app, chat), NULL);
}

void chat_ops_heard(struct app *app, const char *kind, json_t *obj)
{
	struct chat_live *chat;
	const char *name, *reason;
	json_int_t operator_id;
	bool last;

	if (!strcmp(kind, "transfer")) {
		heard_transfer(app, obj);
		return;
	}
	chat = noted_chat(app, obj, false);
	if (chat && !strcmp(kind, "guest.here")) {
		chat_guest_back(chat); /* not abandoned: the guest is on another node */
		return;
	}
	if (!chat || !chat->transfer.pending)
		return;
	if (!strcmp(kind, "transfer.decline")) {
		operator_id = json_integer_value(json_object_get(obj, "operator"));
		name = json_string_value(json_object_get(obj, "name"));
		if (chat_transfer_decline(chat, operator_id, &last) < 0)
			return;
		/* That colleague's tabs here stop ringing too. */
		send_operator(app, operator_id, json_pack("{s:s, s:s, s:s}", "type", "transfer.gone",
							  "chat", chat->public_id, "reason", "declined"),
			      NULL);
		transfer_declined(app, chat, last, name);
	} else if (!strcmp(kind, "transfer.end") && !chat->transfer.accepting) {
		reason = json_string_value(json_object_get(obj, "reason"));
		name = json_string_value(json_object_get(obj, "by"));
		if (!reason || (strcmp(reason, "declined") && strcmp(reason, "expired") &&
				strcmp(reason, "left") && strcmp(reason, "withdrawn")))
			return;
		transfer_tell_rung(app, chat, reason, name, NULL);
		chat_transfer_end(chat);
	}
}
