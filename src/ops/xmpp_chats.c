/*
 * xmpp_chats.c - chats as an XMPP operator sees them: each chat is a JID
 * of its own, `<xmpp id>@<domain>`, that rings the operator, relays the
 * guest's side and takes the operator's messages and commands.
 *
 * The XMPP id.  A chat's public id is "c_" and 15 random bytes in
 * base64url, whose letter case matters; XMPP folds local parts to lower
 * case.  So the JID carries the same 15 bytes in lower-case base32 (RFC
 * 4648, 24 letters, no padding) and the two convert both ways without a
 * table.
 *
 * The operator's client speaks the socket protocol: what it is sent (an
 * offer, events, replies) arrives here as JSON text and becomes messages;
 * what the operator types is handed to the very handlers the WebSocket
 * messages reach (chat_messages, routes.h), with an id of its own.  The
 * reply to that id — ok, ack or error — decides whether the stanza gets
 * an error back, so nothing is half-sent: an error stanza means nothing
 * was written.
 *
 * Per operator and chat, `cursor` is the highest seq relayed; an event at
 * or below it is not relayed again (an offer's replay, a re-join after the
 * link came back).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/text.h"
#include "base/util.h"
#include "chat/domain.h"
#include "net/server.h"
#include "ops/app.h"
#include "ops/chat_ops.h"
#include "ops/routes.h"
#include "ops/xmpp_int.h"
#include "store/store.h"
#include "xmpp/jid.h"
#include "xmpp/xml.h"

#define NS_CHATSTATES "http://jabber.org/protocol/chatstates"
#define XMPP_ID_CHARS 24       /* base32 of a chat's 15 random bytes */
#define XMPP_PENDING_MAX 4096  /* operations awaiting their reply, over all operators */
#define TRANSFER_LINES 5       /* lines of the conversation a transfer offer quotes */
#define TRANSFER_LINE_CHARS 200 /* each cut to this many characters */

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct xmpp_chat {
	char public_id[32];
	int64_t cursor;     /* the highest seq relayed */
	bool rung;
	bool lost;          /* taken by someone else, or gone: relay nothing more */
	bool transfer_rung; /* a transfer to this operator waits: its offer was said once */
	bool taking_over;   /* this operator's /accept succeeded: the next hand-over is theirs */
};

enum pending_kind {
	PENDING_ACCEPT, PENDING_SEND, PENDING_END, PENDING_JOIN,
	PENDING_TRANSFER_ACCEPT, PENDING_TRANSFER_DECLINE, PENDING_NOTE
};

struct xmpp_pending {
	struct xmpp_pending *next;
	char id[24];                 /* the operation's id, "x" and a number */
	enum pending_kind kind;
	int64_t operator_id;
	char public_id[32];
	struct xml_node *stanza;     /* a copy of what the operator sent (for the error) */
	char *text;                  /* PENDING_ACCEPT: the message that goes in after it */
};

/* ---- chat ids -------------------------------------------------------------------- */

/* The XMPP id of public id `pub` into `out` (25 bytes): 0, or -EINVAL. */
static int chat_xmpp_id(const char *pub, char out[XMPP_ID_CHARS + 1])
{
	unsigned char raw[15];
	size_t i, bits = 0, n = 0;
	uint32_t acc = 0;

	if (strlen(pub) != 22 || pub[0] != 'c' || pub[1] != '_')
		return -EINVAL;
	for (i = 2; i < 22; i++) {
		const char *p = strchr(b64url, pub[i]);

		if (!p || !pub[i])
			return -EINVAL;
		acc = acc << 6 | (uint32_t)(p - b64url);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			raw[n++] = (unsigned char)(acc >> bits);
		}
	}
	for (i = 0, acc = 0, bits = 0, n = 0; i < sizeof(raw); i++) {
		acc = acc << 8 | raw[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[n++] = b32[(acc >> bits) & 31];
		}
	}
	out[n] = '\0';
	return 0;
}

/* The public id a JID's local part names: 0, or -EINVAL. */
static int chat_public_id(const char *local, size_t len, char out[32])
{
	unsigned char raw[15];
	size_t i, bits = 0, n = 0;
	uint32_t acc = 0;

	if (len != XMPP_ID_CHARS)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		const char *p = local[i] ? strchr(b32, local[i]) : NULL;

		if (!p)
			return -EINVAL;
		acc = acc << 5 | (uint32_t)(p - b32);
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			raw[n++] = (unsigned char)(acc >> bits);
		}
	}
	out[0] = 'c';
	out[1] = '_';
	for (i = 0, acc = 0, bits = 0, n = 2; i < sizeof(raw); i++) {
		acc = acc << 8 | raw[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[n++] = b64url[(acc >> bits) & 63];
		}
	}
	out[n] = '\0';
	return 0;
}

/* "<xmpp id>@<domain>" of a chat into `out`; "" if the id is not a chat's. */
static void chat_jid(struct xmpp_ops *x, const char *pub, char *out, size_t size)
{
	char id[XMPP_ID_CHARS + 1];

	if (chat_xmpp_id(pub, id) < 0)
		out[0] = '\0';
	else
		snprintf(out, size, "%s@%s", id, x->cfg.domain);
}

/* ---- per operator and chat ---------------------------------------------------------- */

static struct xmpp_chat *chat_state(struct xmpp_operator *xo, const char *pub)
{
	uint64_t key = str_key(pub, strlen(pub));
	struct xmpp_chat *xc = map_get(&xo->chats, key);

	if (!xc) {
		xc = xcalloc(1, sizeof(*xc));
		str_copy(xc->public_id, sizeof(xc->public_id), pub);
		map_put(&xo->chats, key, xc);
	}
	return xc;
}

static struct xmpp_chat *chat_state_find(struct xmpp_operator *xo, const char *pub)
{
	return map_get(&xo->chats, str_key(pub, strlen(pub)));
}

/* An ended chat sends nothing more and is never joined again: its state can go. */
static void chat_state_forget(struct xmpp_operator *xo, const char *pub)
{
	free(map_del(&xo->chats, str_key(pub, strlen(pub))));
}

void xmpp_operator_chats_release(struct xmpp_operator *xo)
{
	size_t i;
	uint64_t key;
	void *v;

	for (i = 0; map_next(&xo->chats, &i, &key, &v);)
		free(v);
	map_release(&xo->chats);
}

/* ---- operations on the operator's behalf --------------------------------------------- */

static void pending_free(struct xmpp_pending *p)
{
	xml_node_free(p->stanza);
	free(p->text);
	free(p);
}

void xmpp_pending_release(struct xmpp_ops *x)
{
	while (x->pending) {
		struct xmpp_pending *p = x->pending;

		x->pending = p->next;
		pending_free(p);
	}
	x->npending = 0;
}

void xmpp_pending_drop_operator(struct xmpp_ops *x, int64_t operator_id)
{
	struct xmpp_pending **pp = &x->pending;

	while (*pp) {
		struct xmpp_pending *p = *pp;

		if (p->operator_id != operator_id) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		x->npending--;
		pending_free(p);
	}
}

static struct xmpp_pending *pending_take(struct xmpp_ops *x, const char *id)
{
	struct xmpp_pending **pp;

	for (pp = &x->pending; *pp; pp = &(*pp)->next) {
		struct xmpp_pending *p = *pp;

		if (!strcmp(p->id, id)) {
			*pp = p->next;
			x->npending--;
			return p;
		}
	}
	return NULL;
}

/* A copy of a stanza: enough of it to answer with an error later. */
static struct xml_node *stanza_copy(const struct xml_node *st)
{
	struct xml_node *c = xml_node_new(st->name);
	const char *attrs[] = { "from", "to", "id", "type" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(attrs); i++)
		if (xml_attr(st, attrs[i]))
			xml_node_set_attr(c, attrs[i], xml_attr(st, attrs[i]));
	return c;
}

/*
 * Hand `msg` (its "id" is set here; a reference is taken) to the handler
 * the socket message of its "type" reaches, as operator client `xc`.
 * `p`, when not NULL, waits for the reply under that id.
 */
static void dispatch(struct xmpp_ops *x, struct xmpp_client *xc, json_t *msg, struct xmpp_pending *p)
{
	const char *type = json_string_value(json_object_get(msg, "type"));
	char id[24];
	size_t i;

	snprintf(id, sizeof(id), "x%llu", (unsigned long long)++x->next_id);
	json_object_set_new(msg, "id", json_string(id));
	if (p) {
		str_copy(p->id, sizeof(p->id), id);
		p->next = x->pending;
		x->pending = p;
		x->npending++;
	}
	for (i = 0; i < chat_nmessages; i++) {
		if (!strcmp(chat_messages[i].type, type)) {
			chat_messages[i].fn(&xc->cl, id, msg);
			json_decref(msg);
			return;
		}
	}
	for (i = 0; i < staff_nmessages; i++) {
		if (!strcmp(staff_messages[i].type, type)) {
			staff_messages[i].fn(&xc->cl, id, msg);
			break;
		}
	}
	json_decref(msg);
}

static struct xmpp_pending *pending_new(enum pending_kind kind, int64_t operator_id,
					const char *pub, const struct xml_node *st)
{
	struct xmpp_pending *p = xcalloc(1, sizeof(*p));

	p->kind = kind;
	p->operator_id = operator_id;
	str_copy(p->public_id, sizeof(p->public_id), pub);
	p->stanza = st ? stanza_copy(st) : NULL;
	return p;
}

/* ---- what the operator is sent ------------------------------------------------------- */

static void say(struct xmpp_ops *x, struct xmpp_operator *xo, const char *pub, const char *body)
{
	char from[128];

	chat_jid(x, pub, from, sizeof(from));
	if (from[0])
		xmpp_send_message(x, from, xo->jid, body);
}

/* The chat management page's address (it still asks the operator to sign in). */
static void manage_url(struct xmpp_ops *x, const char *pub, char *out, size_t size)
{
	struct store_chat row;

	if (store_chat_by_public(x->app->st, pub, &row) < 0)
		snprintf(out, size, "%s/staff", x->base_url);
	else
		snprintf(out, size, "%s/staff/chat/%s/%s", x->base_url, row.public_id, row.manage_token);
}

static void ring(struct xmpp_ops *x, struct xmpp_operator *xo, struct xmpp_client *xc, json_t *offer)
{
	const char *pub = json_string_value(json_object_get(offer, "chat"));
	const char *queue = json_string_value(json_object_get(offer, "queue"));
	const char *name = json_string_value(json_object_get(offer, "name"));
	struct xmpp_chat *ch;
	char url[512], body[1024];

	if (!pub || !queue)
		return;
	ch = chat_state(xo, pub);
	if (ch->rung)
		return;
	ch->rung = true;
	manage_url(x, pub, url, sizeof(url));
	snprintf(body, sizeof(body), "%s\nNew chat on %s%s%s\nAnswer here to take it; /help lists "
		 "commands.", url, queue, name ? " from " : "", name ? name : "");
	say(x, xo, pub, body);
	xmpp_queue_presence(x, xo, queue);
	/* Follow it from its start, so the guest's first messages come as they are written. */
	dispatch(x, xc, json_pack("{s:s, s:s, s:I}", "type", "chat.join", "chat", pub, "after",
				  (json_int_t)0), pending_new(PENDING_JOIN, xo->id, pub, NULL));
}

/* One relayed event as a line for the operator, into `out`; false to relay nothing. */
static bool event_line(struct xmpp_ops *x, struct xmpp_operator *xo, json_t *ev, char *out, size_t size)
{
	const char *kind = json_string_value(json_object_get(ev, "kind"));
	const char *from = json_string_value(json_object_get(ev, "from"));
	const char *text = json_string_value(json_object_get(ev, "text"));
	const char *cid = json_string_value(json_object_get(ev, "cid"));
	const char *notice = json_string_value(json_object_get(ev, "notice"));
	const char *name = json_string_value(json_object_get(ev, "name"));
	const char *pub = json_string_value(json_object_get(ev, "chat"));
	json_int_t by_op = json_integer_value(json_object_get(ev, "operator_id"));
	char url[512];

	if (!kind || !pub)
		return false;
	if (!strcmp(kind, "message") && from && !strcmp(from, "guest")) {
		snprintf(out, size, "%s", text ? text : "");
	} else if (!strcmp(kind, "message")) {
		/* What this operator typed here is not echoed; from the webclient it is shown. */
		if (by_op == xo->id && cid && cid[0] == 'x')
			return false;
		snprintf(out, size, "[%s] %s", by_op == xo->id ? "you, on the webclient" :
			 name ? name : "operator", text ? text : "");
	} else if (!strcmp(kind, "notice") && notice && !strcmp(notice, "started")) {
		return false; /* the ring said it */
	} else if (!strcmp(kind, "notice") && notice && !strcmp(notice, "joined")) {
		bool me = name && xo->client && xo->client->cl.op && !strcmp(name, xo->client->cl.op->name);

		snprintf(out, size, "%s took the chat.", me ? "You" : name ? name : "An operator");
	} else if (!strcmp(kind, "notice") && notice && !strcmp(notice, "transferred")) {
		snprintf(out, size, "%s took over the chat.", name ? name : "A colleague");
	} else if (!strcmp(kind, "notice") && notice && !strcmp(notice, "ended")) {
		const char *who = json_string_value(json_object_get(ev, "by"));

		snprintf(out, size, "The chat has ended%s.", who && !strcmp(who, "guest") ?
			 ": the guest left" : who && !strcmp(who, "system") ? ": the guest had gone" : "");
	} else if (!strcmp(kind, "snapshot") || !strcmp(kind, "file")) {
		manage_url(x, pub, url, sizeof(url));
		snprintf(out, size, "%s sent a %s; see it on the chat's page: %s",
			 from && !strcmp(from, "guest") ? "The guest" : name ? name : "An operator",
			 !strcmp(kind, "file") ? "file" : "snapshot", url);
	} else if (!strcmp(kind, "share")) {
		const char *step = json_string_value(json_object_get(ev, "step"));

		snprintf(out, size, "Screen sharing: %s.", step ? step : "a step");
	} else {
		return false;
	}
	return true;
}

static void relay_event(struct xmpp_ops *x, struct xmpp_operator *xo, json_t *ev)
{
	const char *pub = json_string_value(json_object_get(ev, "chat"));
	json_int_t seq = json_integer_value(json_object_get(ev, "seq"));
	const char *notice = json_string_value(json_object_get(ev, "notice"));
	struct xmpp_chat *ch;
	char line[CHAT_TEXT_MAX * 4 + 1024];

	if (!pub)
		return;
	ch = chat_state(xo, pub);
	if (ch->lost || seq <= ch->cursor)
		return;
	ch->cursor = seq;
	if (notice && !strcmp(notice, "transferred")) {
		if (ch->taking_over) {
			ch->taking_over = false;
			say(x, xo, pub, "You took over the chat.");
			return;
		}
		/* Handed to a colleague: later messages here get an error, nothing more is relayed. */
		ch->lost = true;
	}
	if (event_line(x, xo, ev, line, sizeof(line)))
		say(x, xo, pub, line);
	if (notice && !strcmp(notice, "ended"))
		chat_state_forget(xo, pub);
}

/* Append to `out` (of `size`, holding `*n`) without running over; cut if it must. */
static void add_text(char *out, size_t size, size_t *n, const char *a, const char *b, const char *c)
{
	int k;

	if (*n + 1 >= size)
		return;
	k = snprintf(out + *n, size - *n, "%s%s%s", a, b, c);
	if (k > 0)
		*n = *n + (size_t)k < size ? *n + (size_t)k : size - 1;
}

/* `text` into `out` on one line, cut after TRANSFER_LINE_CHARS characters (never mid-character). */
static void line_cut(const char *text, char *out, size_t size)
{
	size_t n = 0, chars = 0;

	for (; *text && n + 5 < size; text++) {
		if (((unsigned char)*text & 0xc0) != 0x80 && chars++ == TRANSFER_LINE_CHARS) {
			memcpy(out + n, "\xe2\x80\xa6", 3); /* an ellipsis */
			n += 3;
			break;
		}
		out[n++] = *text == '\n' || *text == '\r' ? ' ' : *text;
	}
	out[n] = '\0';
}

/*
 * A colleague hands this operator a chat (or its queue): the offer as one
 * message from the chat's JID — the management link, who asks, the note,
 * the queue, the conversation's last lines — and how to answer.  What the
 * offer quoted is not relayed again once the operator takes it.
 */
static void transfer_ring(struct xmpp_ops *x, struct xmpp_operator *xo, json_t *offer)
{
	const char *pub = json_string_value(json_object_get(offer, "chat"));
	const char *from = json_string_value(json_object_get(json_object_get(offer, "from"), "name"));
	const char *note = json_string_value(json_object_get(offer, "note"));
	const char *queue = json_string_value(json_object_get(offer, "queue"));
	json_t *to_queue = json_object_get(json_object_get(offer, "to"), "queue");
	const char *to_title = json_string_value(json_object_get(to_queue, "title"));
	json_t *transcript = json_object_get(offer, "transcript"), *ev;
	size_t i, n = 0, nlines = 0, first;
	struct xmpp_chat *ch;
	char url[512], body[4096], cut[TRANSFER_LINE_CHARS * 4 + 8];

	if (!pub)
		return;
	ch = chat_state(xo, pub);
	if (ch->transfer_rung)
		return; /* the same offer again (another socket opened): said already */
	ch->transfer_rung = true;
	manage_url(x, pub, url, sizeof(url));
	body[0] = '\0';
	add_text(body, sizeof(body), &n, url, "\n", from && from[0] ? from : "A colleague");
	add_text(body, sizeof(body), &n, " wants to hand you this chat", to_title ? " (sent to the queue " : "",
		 to_title ? to_title : "");
	add_text(body, sizeof(body), &n, to_title ? ")" : "", ".\n", "");
	if (note && note[0])
		add_text(body, sizeof(body), &n, "Note: ", note, "\n");
	if (queue)
		add_text(body, sizeof(body), &n, "Queue: ", queue, "\n");
	/* Count the messages, so that only the last few are quoted, oldest first. */
	json_array_foreach(transcript, i, ev) {
		const char *kind = json_string_value(json_object_get(ev, "kind"));
		json_int_t seq = json_integer_value(json_object_get(ev, "seq"));

		if (seq > ch->cursor)
			ch->cursor = seq;
		if (kind && !strcmp(kind, "message"))
			nlines++;
	}
	first = nlines > TRANSFER_LINES ? nlines - TRANSFER_LINES : 0;
	nlines = 0;
	json_array_foreach(transcript, i, ev) {
		const char *kind = json_string_value(json_object_get(ev, "kind"));
		const char *who = json_string_value(json_object_get(ev, "from"));
		const char *name = json_string_value(json_object_get(ev, "name"));
		const char *text = json_string_value(json_object_get(ev, "text"));

		if (!kind || strcmp(kind, "message") || nlines++ < first)
			continue;
		line_cut(text ? text : "", cut, sizeof(cut));
		add_text(body, sizeof(body), &n, who && !strcmp(who, "guest") ? "Guest" :
			 name ? name : "Operator", ": ", cut);
		add_text(body, sizeof(body), &n, "\n", "", "");
	}
	add_text(body, sizeof(body), &n, "Answer /accept to take it or /decline.", "", "");
	say(x, xo, pub, body);
}

/* A transfer that rang this operator is over: one line says why. */
static void transfer_gone(struct xmpp_ops *x, struct xmpp_operator *xo, json_t *ev)
{
	const char *pub = json_string_value(json_object_get(ev, "chat"));
	const char *reason = json_string_value(json_object_get(ev, "reason"));
	json_t *by = json_object_get(ev, "by");
	const char *who = json_is_string(by) ? json_string_value(by) :
			  json_string_value(json_object_get(by, "name"));
	struct xmpp_chat *ch = pub ? chat_state_find(xo, pub) : NULL;
	char line[400];

	if (!ch || !ch->transfer_rung || !reason)
		return;
	ch->transfer_rung = false;
	if (!strcmp(reason, "taken") && json_integer_value(json_object_get(by, "id")) == xo->id) {
		/* Taken on this operator's webclient: followed here too, as a chat they hold. */
		ch->lost = false;
		ch->rung = true;
		ch->taking_over = true;
		if (xo->client)
			dispatch(x, xo->client, json_pack("{s:s, s:s, s:I}", "type", "chat.join", "chat", pub,
							  "after", (json_int_t)ch->cursor),
				 pending_new(PENDING_JOIN, xo->id, pub, NULL));
		return;
	}
	if (!strcmp(reason, "taken"))
		snprintf(line, sizeof(line), "The transfer was taken by %s.", who ? who : "a colleague");
	else if (!strcmp(reason, "declined"))
		snprintf(line, sizeof(line), "%s declined the transfer.", who ? who : "It was");
	else if (!strcmp(reason, "withdrawn"))
		snprintf(line, sizeof(line), "%s withdrew the transfer.", who ? who : "The sender");
	else if (!strcmp(reason, "expired"))
		snprintf(line, sizeof(line), "The transfer expired before anyone took it.");
	else if (!strcmp(reason, "ended"))
		snprintf(line, sizeof(line), "The transfer is off: the chat has ended.");
	else
		snprintf(line, sizeof(line), "The transfer is off.");
	say(x, xo, pub, line);
}

/*
 * A colleague's staff note in a chat this operator follows: one line, marked
 * as a note so it is never taken for the guest's words.  The operator's own
 * notes are not echoed (their stanza was the note).
 */
static void relay_note(struct xmpp_ops *x, struct xmpp_operator *xo, json_t *ev)
{
	const char *pub = json_string_value(json_object_get(ev, "chat"));
	json_t *note = json_object_get(ev, "note");
	const char *name = json_string_value(json_object_get(note, "name"));
	const char *text = json_string_value(json_object_get(note, "text"));
	struct xmpp_chat *ch = pub ? chat_state_find(xo, pub) : NULL;
	/* The note (up to 4,000 characters of 4 bytes), a name and the words around them:
	 * never cut, since a cut could fall inside a character and break the stream. */
	char body[CHAT_TEXT_MAX * 4 + NAME_BYTES + 200];
	size_t n = 0;

	if (!ch || ch->lost || !text ||
	    json_integer_value(json_object_get(note, "operator_id")) == xo->id)
		return;
	add_text(body, sizeof(body), &n, "Staff note from ", name ? name : "a colleague",
		 " (the guest does not see it): ");
	add_text(body, sizeof(body), &n, text, "", "");
	say(x, xo, pub, body);
}

static void relay_typing(struct xmpp_ops *x, struct xmpp_operator *xo, json_t *t)
{
	const char *pub = json_string_value(json_object_get(t, "chat"));
	struct xml_node *m, *state;
	char from[128];

	if (!pub || !chat_state_find(xo, pub) || chat_state_find(xo, pub)->lost)
		return;
	chat_jid(x, pub, from, sizeof(from));
	m = xml_node_new("message");
	xml_node_set_attr(m, "from", from);
	xml_node_set_attr(m, "to", xo->jid);
	xml_node_set_attr(m, "type", "chat");
	state = xml_node_add_child(m, json_is_true(json_object_get(t, "active")) ? "composing" : "paused");
	xml_node_set_attr(state, "xmlns", NS_CHATSTATES);
	xmpp_send(x, m);
	xml_node_free(m);
}

/* The error stanza for the operation that `reply` refused. */
static void refused(struct xmpp_ops *x, struct xmpp_pending *p, json_t *reply)
{
	const char *code = json_string_value(json_object_get(reply, "code"));
	const char *msg = json_string_value(json_object_get(reply, "message"));
	const char *cond = "internal-server-error", *kind = "wait";

	if (!p->stanza || !code)
		return;
	if (!strcmp(code, "not_found") || !strcmp(code, "chat_ended") || !strcmp(code, "no_transfer")) {
		cond = "item-not-found", kind = "cancel";
	} else if (!strcmp(code, "taken") || !strcmp(code, "not_holder") ||
		   !strcmp(code, "not_offered") || !strcmp(code, "chat_waiting")) {
		cond = "conflict", kind = "cancel";
	} else if (!strcmp(code, "too_long") || !strcmp(code, "bad_message")) {
		cond = "not-acceptable", kind = "modify";
	}
	xmpp_stanza_error(x, p->stanza, kind, cond, msg);
}

static void replied(struct xmpp_ops *x, struct xmpp_operator *xo, struct xmpp_client *xc,
		    json_t *reply, const char *type)
{
	const char *id = json_string_value(json_object_get(reply, "id"));
	struct xmpp_pending *p = id ? pending_take(x, id) : NULL;

	if (!p)
		return;
	if (!strcmp(type, "ok") && (p->kind == PENDING_TRANSFER_ACCEPT ||
				    p->kind == PENDING_TRANSFER_DECLINE)) {
		struct xmpp_chat *ch = chat_state(xo, p->public_id);

		ch->transfer_rung = false;
		if (p->kind == PENDING_TRANSFER_ACCEPT) {
			/* Followed from here on, as a chat this operator took; the notice says it. */
			ch->lost = false;
			ch->rung = true;
			ch->taking_over = true;
		} else {
			say(x, xo, p->public_id, "You declined the transfer.");
		}
	} else if (!strcmp(type, "error")) {
		/* Someone else took it (or it ended): relay nothing more of it. */
		if (p->kind == PENDING_ACCEPT && chat_state_find(xo, p->public_id))
			chat_state_find(xo, p->public_id)->lost = true;
		refused(x, p, reply);
	} else if (p->kind == PENDING_ACCEPT && p->text) {
		/* Taken: the answer that took it goes in as the first message. */
		struct xmpp_pending *send = pending_new(PENDING_SEND, xo->id, p->public_id, NULL);

		send->stanza = p->stanza;
		p->stanza = NULL;
		dispatch(x, xc, json_pack("{s:s, s:s, s:s}", "type", "msg.send", "chat",
					  p->public_id, "text", p->text), send);
	}
	pending_free(p);
}

/*
 * The client opened (the operator became known, or the link came back):
 * follow again the chats the operator holds, from what was relayed last.
 * A chat seen for the first time since refdesk started goes on from now:
 * what came before was relayed by the process that ran then.  Waiting
 * chats are left to the offers that presence brings.
 */
static void rejoin(struct xmpp_ops *x, struct xmpp_operator *xo, struct xmpp_client *xc, json_t *hello)
{
	json_t *chats = json_object_get(hello, "chats"), *c;
	size_t i;

	json_array_foreach(chats, i, c) {
		const char *pub = json_string_value(json_object_get(c, "chat"));
		const char *status = json_string_value(json_object_get(c, "status"));
		json_int_t holder = json_integer_value(json_object_get(json_object_get(c, "operator"), "id"));
		struct xmpp_chat *ch;

		if (!pub || !status || strcmp(status, "active") || holder != xo->id)
			continue;
		ch = chat_state(xo, pub);
		if (!ch->rung && !ch->cursor)
			ch->cursor = json_integer_value(json_object_get(c, "seq"));
		ch->rung = true;
		dispatch(x, xc, json_pack("{s:s, s:s, s:I}", "type", "chat.join", "chat", pub, "after",
					  (json_int_t)ch->cursor), pending_new(PENDING_JOIN, xo->id, pub, NULL));
	}
}

void xmpp_client_event(struct xmpp_ops *x, struct xmpp_client *xc, const char *text, size_t len)
{
	struct xmpp_operator *xo = map_get(&x->operators, (uint64_t)xc->operator_id);
	json_t *ev = json_loadb(text, len, 0, NULL);
	const char *type = json_string_value(json_object_get(ev, "type"));
	const char *pub = json_string_value(json_object_get(ev, "chat"));
	char line[400];

	if (!xo || !type || xo->client != xc) {
		json_decref(ev);
		return;
	}
	if (!strcmp(type, "hello")) {
		rejoin(x, xo, xc, ev);
	} else if (!strcmp(type, "chat.offer")) {
		ring(x, xo, xc, ev);
	} else if (!strcmp(type, "transfer.offer")) {
		transfer_ring(x, xo, ev);
	} else if (!strcmp(type, "transfer.gone")) {
		transfer_gone(x, xo, ev);
	} else if (!strcmp(type, "event")) {
		relay_event(x, xo, ev);
	} else if (!strcmp(type, "typing")) {
		relay_typing(x, xo, ev);
	} else if (!strcmp(type, "note")) {
		relay_note(x, xo, ev);
	} else if (!strcmp(type, "chat.taken") && pub && chat_state_find(xo, pub) &&
		   !chat_state_find(xo, pub)->lost) {
		const char *by = json_string_value(json_object_get(json_object_get(ev, "by"), "name"));

		snprintf(line, sizeof(line), "Taken by %s.", by ? by : "another operator");
		say(x, xo, pub, line);
		chat_state_find(xo, pub)->lost = true;
	} else if (!strcmp(type, "chat.gone") && pub && chat_state_find(xo, pub)) {
		/* Rung but not followed (the ended notice would have said it): say it here. */
		const char *why = json_string_value(json_object_get(ev, "reason"));

		say(x, xo, pub, why && !strcmp(why, "limit") ?
			"No longer offered to you: you hold your limit of chats at a time." :
			"The guest left before anyone answered.");
		chat_state_forget(xo, pub);
	} else if (!strcmp(type, "ok") || !strcmp(type, "ack") || !strcmp(type, "error")) {
		replied(x, xo, xc, ev, type);
	}
	json_decref(ev);
}

/* ---- what the operator sends ------------------------------------------------------- */

static const char help_text[] =
	"Type to answer the guest; the first answer takes the chat. Commands:\n"
	"/accept - take a chat a colleague hands you\n"
	"/decline - leave it with them\n"
	"/end - end the chat\n"
	"/note TEXT - a staff note: colleagues see it, the guest never does\n"
	"/help - this list\n"
	"The link at the start of the chat opens its page: snapshots, files, screen sharing.";

/* The command is `body`'s first `len` bytes (clients may add a space or a line break after it). */
static bool is_command(const char *body, size_t len, const char *name)
{
	return len == strlen(name) && !memcmp(body, name, len);
}

/* `body` (`len` bytes) is `name`, whitespace and more: the more, or NULL. */
static const char *command_arg(const char *body, size_t len, const char *name)
{
	size_t n = strlen(name);

	if (len <= n || memcmp(body, name, n) || !strchr(" \t\r\n", body[n]))
		return NULL;
	return body + n;
}

static void on_command(struct xmpp_ops *x, struct xmpp_operator *xo, const char *pub,
		       const char *body, size_t len, const struct xml_node *st)
{
	const char *arg = command_arg(body, len, "/note");

	if (arg || is_command(body, len, "/note")) {
		/* An empty note is refused by the handler like any other (bad_message). */
		dispatch(x, xo->client, json_pack("{s:s, s:s, s:s%}", "type", "note.send", "chat", pub,
						  "text", arg ? arg : "",
						  arg ? len - (size_t)(arg - body) : 0),
			 pending_new(PENDING_NOTE, xo->id, pub, st));
		return;
	}
	if (is_command(body, len, "/end")) {
		dispatch(x, xo->client, json_pack("{s:s, s:s}", "type", "chat.end", "chat", pub),
			 pending_new(PENDING_END, xo->id, pub, st));
		return;
	}
	if (is_command(body, len, "/accept") || is_command(body, len, "/decline")) {
		bool accept = body[1] == 'a';

		dispatch(x, xo->client, json_pack("{s:s, s:s}", "type", accept ? "transfer.accept" :
						  "transfer.decline", "chat", pub),
			 pending_new(accept ? PENDING_TRANSFER_ACCEPT : PENDING_TRANSFER_DECLINE,
				     xo->id, pub, st));
		return;
	}
	/* /help, and anything else that looks like a command: never sent to the guest. */
	say(x, xo, pub, help_text);
}

static void on_chat_state(struct xmpp_ops *x, struct xmpp_operator *xo, const char *pub,
			  const struct xml_node *st)
{
	bool composing = xml_child(st, "composing", NS_CHATSTATES) != NULL;

	if (!composing && !xml_child(st, "paused", NS_CHATSTATES) &&
	    !xml_child(st, "active", NS_CHATSTATES) && !xml_child(st, "inactive", NS_CHATSTATES))
		return;
	/* No reply is expected: typing into a chat one does not hold is simply not shown. */
	dispatch(x, xo->client, json_pack("{s:s, s:s, s:b}", "type", "typing", "chat", pub,
					  "active", composing), NULL);
}

void xmpp_on_message(struct xmpp_ops *x, const struct xml_node *st)
{
	const char *from = xml_attr(st, "from"), *to = xml_attr(st, "to"), *at;
	const struct xml_node *bnode = xml_child(st, "body", NULL);
	const char *type = xml_attr(st, "type"), *body;
	char bare[STORE_JID_BYTES], pub[32];
	struct xmpp_operator *xo;
	struct chat_live *chat;
	struct xmpp_pending *p;
	size_t len;

	if (type && !strcmp(type, "error"))
		return;
	if (!from || jid_bare_of(from, bare, sizeof(bare)) < 0 || !(xo = xmpp_operator_of(x, bare))) {
		xmpp_stanza_error(x, st, "auth", "forbidden",
				  "This address is not linked to a refdesk operator.");
		return;
	}
	at = to ? strchr(to, '@') : NULL;
	if (!at || strcmp(at + 1, x->cfg.domain) || chat_public_id(to, (size_t)(at - to), pub) < 0 ||
	    !(chat = chat_ops_resolve(&xo->client->cl, pub)) || chat->status == CHAT_ENDED) {
		xmpp_stanza_error(x, st, "cancel", "item-not-found", "There is no such chat, or it has ended.");
		return;
	}
	if (!bnode) {
		on_chat_state(x, xo, pub, st);
		return;
	}
	len = text_trim(bnode->text, &body);
	if (utf8_count(body, len) > CHAT_TEXT_MAX) {
		xmpp_stanza_error(x, st, "modify", "not-acceptable", "A message has at most 4,000 characters.");
		return;
	}
	if (!len)
		return;
	if (x->npending >= XMPP_PENDING_MAX) {
		xmpp_stanza_error(x, st, "wait", "resource-constraint", "Too much at once; send it again.");
		return;
	}
	if (body[0] == '/') {
		on_command(x, xo, pub, body, len, st);
		return;
	}
	if (chat->status == CHAT_WAITING) {
		p = pending_new(PENDING_ACCEPT, xo->id, pub, st);
		p->text = xstrndup(body, len);
		dispatch(x, xo->client, json_pack("{s:s, s:s}", "type", "chat.accept", "chat", pub), p);
		return;
	}
	dispatch(x, xo->client, json_pack("{s:s, s:s, s:s%}", "type", "msg.send", "chat", pub,
					  "text", body, len),
		 pending_new(PENDING_SEND, xo->id, pub, st));
}

void xmpp_chats_init(struct xmpp_ops *x)
{
	const struct server_config *net = x->app->srv->cfg;
	const char *host = net->host;

	if (net->public_url && server_origin_of_url(net->public_url, x->base_url, sizeof(x->base_url)) == 0)
		return;
	if (!strcmp(host, "0.0.0.0") || !strcmp(host, "::"))
		host = "localhost";
	snprintf(x->base_url, sizeof(x->base_url), "%s://%s%s%s:%d", net->tls_cert ? "https" : "http",
		 strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", net->port);
}
