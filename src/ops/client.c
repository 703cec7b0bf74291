/*
 * client.c - see client.h.  The client list, follows and watches, and the
 * WebSocket client: a `struct client` over one of net/'s sockets.
 */
#include "ops/client.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "net/ws.h"
#include "ops/app.h"
#include "ops/caller.h"
#include "ops/chat_ops.h"
#include "ops/staff_ops.h"

/* ---- every client ------------------------------------------------------------ */

void client_attach(struct app *app, struct client *cl)
{
	static uint64_t serials;

	cl->serial = ++serials;
	cl->app = app;
	cl->prev = NULL;
	cl->next = app->clients;
	if (app->clients)
		app->clients->prev = cl;
	app->clients = cl;
}

struct client *client_by_serial(struct app *app, uint64_t serial)
{
	struct client *cl;

	for (cl = app->clients; cl; cl = cl->next)
		if (cl->serial == serial)
			return cl->gone ? NULL : cl;
	return NULL;
}

static void client_free(struct client *cl)
{
	free(cl->follows);
	free(cl->watching);
	cl->ops->release(cl);
}

void client_detach(struct client *cl)
{
	struct app *app = cl->app;

	chat_ops_client_gone(cl);
	if (cl->prev)
		cl->prev->next = cl->next;
	else
		app->clients = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	cl->prev = cl->next = NULL;
	cl->gone = true;
	if (!cl->pins)
		client_free(cl);
}

void client_pin(struct client *cl)
{
	cl->pins++;
}

void client_unpin(struct client *cl)
{
	if (--cl->pins == 0 && cl->gone)
		client_free(cl);
}

bool client_alive(const struct client *cl)
{
	return !cl->gone && cl->ops->alive(cl);
}

unsigned client_backlog(const struct client *cl)
{
	return cl->gone ? 0 : cl->ops->backlog(cl);
}

void client_send_text(struct client *cl, const char *text, size_t len)
{
	if (!cl->gone)
		cl->ops->send(cl, text, len);
}

void client_send_json(struct client *cl, json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT);

	if (text) {
		client_send_text(cl, text, strlen(text));
		free(text);
	}
	json_decref(obj);
}

void client_error(struct client *cl, const char *id, const char *code, const char *message)
{
	stats_tally_add(&cl->app->metrics.client_errors, code);
	client_send_json(cl, json_pack("{s:s, s:s?, s:s, s:s}", "type", "error", "id", id,
				       "code", code, "message", message));
}

void client_close(struct client *cl, enum client_close why)
{
	if (!cl->gone)
		cl->ops->close(cl, why);
}

void clients_close_session(struct app *app, const unsigned char hash[32])
{
	struct client *cl;

	for (cl = app->clients; cl; cl = cl->next)
		if (cl->kind == CLIENT_OPERATOR && !memcmp(cl->session_hash, hash, 32))
			client_close(cl, CLIENT_SIGNED_OUT);
}

void clients_close_operator(struct app *app, int64_t operator_id)
{
	struct client *cl;

	for (cl = app->clients; cl; cl = cl->next)
		if (cl->kind == CLIENT_OPERATOR && cl->op && cl->op->id == operator_id)
			client_close(cl, CLIENT_SIGNED_OUT);
}

/* ---- follows and watches ---------------------------------------------------------- */

struct client_follow *client_find_follow(struct client *cl, const char *public_id)
{
	size_t i;

	for (i = 0; i < cl->nfollows; i++)
		if (!strcmp(cl->follows[i].chat->public_id, public_id))
			return &cl->follows[i];
	return NULL;
}

void client_add_follow(struct client *cl, struct chat_live *chat, bool as_guest)
{
	struct client_follow *f = client_find_follow(cl, chat->public_id);

	if (f) {
		f->as_guest |= as_guest;
		return;
	}
	if (cl->nfollows == cl->capfollows) {
		cl->capfollows = grow_cap(cl->capfollows, cl->nfollows + 1);
		cl->follows = xrealloc(cl->follows, cl->capfollows * sizeof(*cl->follows));
	}
	cl->follows[cl->nfollows].chat = chat;
	cl->follows[cl->nfollows].as_guest = as_guest;
	cl->nfollows++;
	if (!as_guest)
		staff_ops_follow(cl, chat); /* operators only: the chat's staff notes */
}

void client_add_watch(struct client *cl, int64_t queue_id)
{
	size_t i;

	for (i = 0; i < cl->nwatching; i++)
		if (cl->watching[i] == queue_id)
			return;
	if (cl->nwatching == cl->capwatching) {
		cl->capwatching = grow_cap(cl->capwatching, cl->nwatching + 1);
		cl->watching = xrealloc(cl->watching, cl->capwatching * sizeof(*cl->watching));
	}
	cl->watching[cl->nwatching++] = queue_id;
}

/* ---- WebSocket clients -------------------------------------------------------------- */

struct socket_client {
	struct client base;
	struct conn *conn; /* NULL once closed */
};

static struct conn *conn_of(const struct client *cl)
{
	return container_of(cl, struct socket_client, base)->conn;
}

static void socket_send(struct client *cl, const char *text, size_t len)
{
	if (conn_of(cl))
		conn_send_text(conn_of(cl), text, len);
}

static void socket_close(struct client *cl, enum client_close why)
{
	if (conn_of(cl))
		conn_close(conn_of(cl), CLOSE_SIGNED_OUT,
			   why == CLIENT_PASSWORD_CHANGED ? "password changed" : "signed out");
}

static bool socket_alive(const struct client *cl)
{
	return conn_of(cl) && conn_alive(conn_of(cl));
}

static unsigned socket_backlog(const struct client *cl)
{
	return conn_of(cl) ? conn_backlog(conn_of(cl)) : 0;
}

static void socket_release(struct client *cl)
{
	free(container_of(cl, struct socket_client, base));
}

static const struct client_ops socket_ops = {
	.send = socket_send,
	.close = socket_close,
	.alive = socket_alive,
	.backlog = socket_backlog,
	.release = socket_release,
};

void socket_client_open(void *app_arg, struct conn *c)
{
	struct app *app = app_arg;
	struct socket_client *sc = xcalloc(1, sizeof(*sc));
	struct client *cl = &sc->base;
	int64_t operator_id = 0;

	char addr[64];

	sc->conn = c;
	cl->ops = &socket_ops;
	cl->kind = CLIENT_GUEST;
	/* Kept only as a keyed hash, for Block guest (blocks.c). */
	conn_client_addr(c, addr, sizeof(addr));
	cl->has_addr_key = blocks_key_of(&app->blocks, addr, cl->addr_key) == 0;
	client_attach(app, cl);
	conn_set_role(c, CLIENT_GUEST, cl);
	/* A session cookie makes it an operator's socket; without one it is a guest's. */
	if (caller_session_of_conn(app, c, cl->session_hash, &operator_id) == 0) {
		cl->kind = CLIENT_OPERATOR;
		cl->op_id_pending = operator_id;
		conn_set_role(c, CLIENT_OPERATOR, cl);
		chat_ops_operator_open(cl);
		if (!cl->op)
			conn_close(c, CLOSE_SIGNED_OUT, "session ended");
		else
			staff_ops_operator_open(cl);
	}
}

void socket_client_drained(void *app, struct conn *c)
{
	(void)app;
	chat_ops_pump(c->user);
}

void socket_client_closed(void *app, struct conn *c)
{
	struct socket_client *sc = c->user;

	(void)app;
	if (!sc)
		return;
	sc->conn = NULL;
	client_detach(&sc->base);
}
