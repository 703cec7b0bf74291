/*
 * xmpp_operators.c - operators who staff the chat from an XMPP client:
 * linking their address (PROTOCOL.md §2.10), their presence, and the
 * `struct client` that stands for them while they are available.
 *
 * How it works.  An address is linked unconfirmed; a code goes to it from
 * the component's domain; typed back, the address is confirmed and the
 * component asks to subscribe to its presence (the operator approves once
 * in their client).  Only confirmed addresses count: presence from any
 * other address is ignored, so an unconfirmed address is never rung.
 *
 * Presence is per resource (an operator may run several clients): while
 * at least one resource is *available* or *chat*, the operator has an XMPP
 * client (struct xmpp_client) attached like a socket, on all their queues'
 * presence — live state, the stored per-queue choice of the webclient is
 * left alone.  *away*, *xa*, *dnd*, unavailable, or the link dropping,
 * detach it: an operator with no web socket is then unavailable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "net/http.h"
#include "net/server.h"
#include "ops/api.h"
#include "ops/app.h"
#include "ops/caller.h"
#include "ops/chat_ops.h"
#include "ops/client.h"
#include "ops/errors.h"
#include "ops/routes.h"
#include "ops/xmpp_int.h"
#include "xmpp/jid.h"
#include "xmpp/xml.h"

#define XMPP_CODE_CHARS 8
#define XMPP_CODE_MS (15 * 60 * 1000) /* a confirmation code works this long */

/* Letters and digits that cannot be mistaken for one another when retyped. */
static const char code_alphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";

/* ---- the client that stands for an available operator -------------------------- */

static void xc_send(struct client *cl, const char *text, size_t len)
{
	struct xmpp_client *xc = container_of(cl, struct xmpp_client, cl);

	xmpp_client_event(xc->x, xc, text, len);
}

static void xc_close(struct client *cl, enum client_close why)
{
	struct xmpp_client *xc = container_of(cl, struct xmpp_client, cl);

	(void)why;
	/* Detaching now would unlink it from the list its caller is walking. */
	xc->closing = true;
	server_timer_set(xc->x->reap, 0);
}

static bool xc_alive(const struct client *cl)
{
	const struct xmpp_client *xc = container_of(cl, const struct xmpp_client, cl);

	return !xc->closing && xc->x->epoch != 0;
}

static unsigned xc_backlog(const struct client *cl)
{
	(void)cl;
	return 0;
}

static void xc_release(struct client *cl)
{
	free(container_of(cl, struct xmpp_client, cl));
}

static const struct client_ops xmpp_client_ops = {
	xc_send, xc_close, xc_alive, xc_backlog, xc_release,
};

static int queue_on(void *arg, const struct store_queue *q, bool available)
{
	(void)available;
	chat_ops_set_available_live(arg, q->id, true);
	return 0;
}

static int queue_off(void *arg, const struct store_queue *q, bool available)
{
	(void)available;
	chat_ops_set_available_live(arg, q->id, false);
	return 0;
}

/* Give the operator a client (like opening a socket): 0, or -ENOENT when disabled or gone. */
static int operator_attach(struct xmpp_ops *x, struct xmpp_operator *xo)
{
	struct xmpp_client *xc;

	if (xo->client)
		return 0;
	if (!x->epoch)
		return -ENOTCONN;
	xc = xcalloc(1, sizeof(*xc));
	xc->cl.ops = &xmpp_client_ops;
	xc->cl.kind = CLIENT_OPERATOR;
	xc->cl.op_id_pending = xo->id;
	xc->x = x;
	xc->operator_id = xo->id;
	client_attach(x->app, &xc->cl);
	xo->client = xc;
	chat_ops_operator_open(&xc->cl);
	if (!xc->cl.op) { /* disabled or removed meanwhile */
		xo->client = NULL;
		client_detach(&xc->cl);
		return -ENOENT;
	}
	return 0;
}

/*
 * Presence decides: with an available resource the operator is on all
 * their queues, without one on none — whatever the webclient's stored
 * choice, which opening the client may have applied.
 */
static bool operator_available(const struct xmpp_operator *xo)
{
	size_t i;

	for (i = 0; i < xo->nresources; i++)
		if (xo->res_available[i])
			return true;
	return false;
}

static void operator_offline(struct xmpp_ops *x, struct xmpp_operator *xo);

/* Attach (if need be) and put the operator on or off their queues as presence says. */
static int operator_set_queues(struct xmpp_ops *x, struct xmpp_operator *xo)
{
	bool on = operator_available(xo);

	if (operator_attach(x, xo) < 0)
		return -ENOENT;
	xo->applied = on;
	store_queues_of_operator(x->app->st, xo->id, on ? queue_on : queue_off, &xo->client->cl);
	log_info("xmpp: operator %lld %s", (long long)xo->id, on ? "available" : "not available");
	return 0;
}

/*
 * An operator with no client online is detached, like a closed socket: the
 * chats they hold stop being relayed (the cursor stays where it was) and
 * are followed again from it when a client of theirs comes back.
 */
static void operator_apply(struct xmpp_ops *x, struct xmpp_operator *xo)
{
	if (!xo->nresources) {
		operator_offline(x, xo);
		return;
	}
	/* The same presence comes once per JID of ours the operator subscribed to. */
	if (xo->client && xo->applied == (operator_available(xo) ? 1 : 0))
		return;
	operator_set_queues(x, xo);
}

static void operator_offline(struct xmpp_ops *x, struct xmpp_operator *xo)
{
	struct xmpp_client *xc = xo->client;

	(void)x;
	if (!xc)
		return;
	xo->client = NULL;
	client_detach(&xc->cl); /* its last connection: unavailable everywhere */
	log_info("xmpp: operator %lld offline", (long long)xo->id);
}

static void reap_closing(void *arg)
{
	struct xmpp_ops *x = arg;
	size_t i;
	uint64_t key;
	void *v;

	for (i = 0; map_next(&x->operators, &i, &key, &v);) {
		struct xmpp_operator *xo = v;

		if (xo->client && xo->client->closing)
			operator_offline(x, xo);
	}
}

/* ---- presence ------------------------------------------------------------------ */

static void resources_clear(struct xmpp_operator *xo);

/* The operator's address changed or went: forget what its presence said. */
static void operator_forget(struct xmpp_ops *x, int64_t id)
{
	struct xmpp_operator *xo = map_del(&x->operators, (uint64_t)id);

	if (!xo)
		return;
	operator_offline(x, xo);
	resources_clear(xo);
	xmpp_operator_chats_release(xo);
	free(xo->jid);
	free(xo);
}

static struct xmpp_operator *operator_entry(struct xmpp_ops *x, int64_t id, const char *jid)
{
	struct xmpp_operator *xo = map_get(&x->operators, (uint64_t)id);

	if (xo && strcmp(xo->jid, jid)) {
		operator_forget(x, id);
		xo = NULL;
	}
	if (!xo) {
		xo = xcalloc(1, sizeof(*xo));
		xo->id = id;
		xo->jid = xstrdup(jid);
		map_put(&x->operators, (uint64_t)id, xo);
	}
	return xo;
}

static void resource_set(struct xmpp_operator *xo, const char *res, bool online, bool available)
{
	size_t i;

	for (i = 0; i < xo->nresources && strcmp(xo->resources[i], res); i++)
		;
	if (i < xo->nresources && !online) {
		free(xo->resources[i]);
		xo->nresources--;
		xo->resources[i] = xo->resources[xo->nresources];
		xo->res_available[i] = xo->res_available[xo->nresources];
		return;
	}
	if (i == xo->nresources) {
		if (!online || i == XMPP_RESOURCES_MAX)
			return;
		xo->resources[xo->nresources++] = xstrdup(res);
	}
	xo->res_available[i] = available;
}

static void resources_clear(struct xmpp_operator *xo)
{
	while (xo->nresources)
		free(xo->resources[--xo->nresources]);
}

/* <presence/> with no <show> or <show>chat</show> is available; away, xa and dnd are not. */
static bool presence_available(const struct xml_node *st)
{
	const struct xml_node *show = xml_child(st, "show", NULL);

	return !show || !strcmp(show->text, "chat");
}

static void send_presence(struct xmpp_ops *x, const char *from, const char *to, const char *type)
{
	struct xml_node *p = xml_node_new("presence");

	xml_node_set_attr(p, "from", from);
	xml_node_set_attr(p, "to", to);
	if (type)
		xml_node_set_attr(p, "type", type);
	xmpp_send(x, p);
	xml_node_free(p);
}

static int count_one(void *arg, const struct store_chat *row)
{
	(void)row;
	(*(int *)arg)++;
	return 0;
}

/*
 * Answer for queue `name`'s JID (QUEUE@domain) to `dest`: available
 * ("chat") with how many guests wait, or "xa" when nobody does.  Only an
 * operator of the queue's account is told; anyone else hears it does not
 * exist.  0, or -ENOENT.
 */
static int queue_presence(struct xmpp_ops *x, const struct xmpp_operator *xo, const char *name,
			  const char *dest, const char *type)
{
	struct store_operator o;
	struct store_queue q;
	struct xml_node *p;
	char from[128], status[64];
	int waiting = 0;

	if (!str_is_token(name, 32, "-") || store_queue_by_name(x->app->st, name, &q) < 0 ||
	    store_operator_get(x->app->st, xo->id, &o) < 0 || o.account_id != q.account_id)
		return -ENOENT;
	snprintf(from, sizeof(from), "%s@%s", q.name, x->cfg.domain);
	if (type) {
		send_presence(x, from, dest, type);
		return 0;
	}
	store_chats_of_queue(x->app->st, q.id, CHAT_WAITING, count_one, &waiting);
	p = xml_node_new("presence");
	xml_node_set_attr(p, "from", from);
	xml_node_set_attr(p, "to", dest);
	xml_node_add_text(xml_node_add_child(p, "show"), waiting ? "chat" : "xa", waiting ? 4 : 2);
	if (waiting == 1)
		snprintf(status, sizeof(status), "1 guest waiting");
	else if (waiting)
		snprintf(status, sizeof(status), "%d guests waiting", waiting);
	else
		snprintf(status, sizeof(status), "Nobody waiting");
	xml_node_add_text(xml_node_add_child(p, "status"), status, strlen(status));
	xmpp_send(x, p);
	xml_node_free(p);
	return 0;
}

void xmpp_queue_presence(struct xmpp_ops *x, const struct xmpp_operator *xo, const char *queue)
{
	queue_presence(x, xo, queue, xo->jid, NULL);
}

/*
 * Presence addressed to one of our JIDs other than the domain: a queue's
 * (subscribe and probe are answered, with its waiting count) or a chat's
 * (ignored).
 */
static void presence_to_queue(struct xmpp_ops *x, struct xmpp_operator *xo, const char *to,
			      const char *from, const char *bare, const char *type)
{
	const char *at = strchr(to, '@');
	char name[64];

	if (!at || (size_t)(at - to) >= sizeof(name) || strcmp(at + 1, x->cfg.domain))
		return;
	memcpy(name, to, (size_t)(at - to));
	name[at - to] = '\0';
	if (!strcmp(type, "subscribe")) {
		if (queue_presence(x, xo, name, bare, "subscribed") == 0)
			queue_presence(x, xo, name, bare, NULL);
		else
			send_presence(x, to, bare, "unsubscribed");
	} else if (!strcmp(type, "probe")) {
		queue_presence(x, xo, name, from, NULL);
	}
}

void xmpp_on_presence(struct xmpp_ops *x, const struct xml_node *st)
{
	const char *from = xml_attr(st, "from"), *type = xml_attr(st, "type");
	const char *to = xml_attr(st, "to");
	char bare[STORE_JID_BYTES];
	struct xmpp_operator *xo;
	struct store_jid j;
	const char *res;

	/* Presence is never answered with errors (RFC 6121 §4.3.3): what is not ours is dropped. */
	if (!from || !to || jid_bare_of(from, bare, sizeof(bare)) < 0 ||
	    store_jid_find(x->app->st, bare, &j) < 0)
		return;
	xo = operator_entry(x, j.operator_id, bare);
	res = strchr(from, '/') ? strchr(from, '/') + 1 : "";
	if (type && strchr(to, '@') && (!strcmp(type, "subscribe") || !strcmp(type, "probe"))) {
		presence_to_queue(x, xo, to, from, bare, type);
		return;
	}
	if (!type) {
		xo->subscribed = true;
		resource_set(xo, res, true, presence_available(st));
	} else if (!strcmp(type, "unavailable")) {
		resource_set(xo, res, false, false);
	} else if (!strcmp(type, "subscribed")) {
		xo->subscribed = true;
		return;
	} else if (!strcmp(type, "unsubscribed")) {
		xo->subscribed = false;
		resources_clear(xo);
	} else if (!strcmp(type, "subscribe")) {
		/* The operator adds the component (or a queue) to their roster: welcome. */
		send_presence(x, to, bare, "subscribed");
		send_presence(x, to, bare, NULL);
		return;
	} else if (!strcmp(type, "probe")) {
		send_presence(x, to, from, NULL);
		return;
	} else {
		return;
	}
	operator_apply(x, xo);
}

struct xmpp_operator *xmpp_operator_of(struct xmpp_ops *x, const char *bare)
{
	struct xmpp_operator *xo;
	struct store_jid j;

	if (store_jid_find(x->app->st, bare, &j) < 0)
		return NULL;
	xo = operator_entry(x, j.operator_id, bare);
	if (!xo->client && operator_set_queues(x, xo) < 0)
		return NULL;
	return xo;
}

/*
 * Ask a confirmed address for its presence.  Prosody answers a probe from
 * a contact without a subscription with "unsubscribed" and drops a request
 * still pending, so the subscription request goes after the probe: to an
 * operator who approved it already, their server answers it without asking
 * them again (RFC 6121 §3.1.3); one who has not is asked again.
 */
static int probe_one(void *arg, const struct store_jid *j)
{
	struct xmpp_ops *x = arg;

	send_presence(x, x->cfg.domain, j->jid, "probe");
	send_presence(x, x->cfg.domain, j->jid, "subscribe");
	send_presence(x, x->cfg.domain, j->jid, NULL);
	return 0;
}

void xmpp_operators_up(struct xmpp_ops *x)
{
	store_jids_confirmed(x->app->st, probe_one, x);
}

void xmpp_operators_down(struct xmpp_ops *x)
{
	size_t i;
	uint64_t key;
	void *v;

	for (i = 0; map_next(&x->operators, &i, &key, &v);) {
		resources_clear(v);
		operator_offline(x, v);
	}
}

void xmpp_operators_init(struct xmpp_ops *x)
{
	x->reap = server_timer_new(x->app->srv, reap_closing, x);
}

void xmpp_operators_release(struct xmpp_ops *x)
{
	size_t i;
	uint64_t key;
	void *v;

	for (i = 0; map_next(&x->operators, &i, &key, &v);) {
		struct xmpp_operator *xo = v;

		operator_offline(x, xo);
		resources_clear(xo);
		xmpp_operator_chats_release(xo);
		free(xo->jid);
		free(xo);
	}
	map_release(&x->operators);
	server_timer_free(x->reap);
}

/* ---- linking an address (PROTOCOL.md §2.10) ---------------------------------------- */

struct jid_change {
	char jid[STORE_JID_BYTES];  /* "" to clear */
	char code[XMPP_CODE_CHARS + 1];
	int64_t expires;
};

static void make_code(char out[XMPP_CODE_CHARS + 1])
{
	unsigned char raw[XMPP_CODE_CHARS];
	size_t i;

	rand_bytes(raw, sizeof(raw));
	/* 31 letters: the bias of `% 31` over a byte is under 1 %, and 8 of them give 39 bits. */
	for (i = 0; i < XMPP_CODE_CHARS; i++)
		out[i] = code_alphabet[raw[i] % (sizeof(code_alphabet) - 1)];
	out[XMPP_CODE_CHARS] = '\0';
}

static void get_xmpp(struct http_req *req, HTTP_PARAMS)
{
	struct app *app = req_app(req);
	const struct store_operator *op = &caller_of(req)->op;
	struct xmpp_ops *x = app->xmpp;
	struct xmpp_operator *xo;
	struct store_jid j;
	int rc;

	(void)params;
	if (!x) {
		http_json(req, 200, json_pack("{s:b}", "enabled", false));
		return;
	}
	rc = store_jid_get(app->st, op->id, &j);
	if (rc < 0 && rc != -ENOENT) {
		http_refuse(req, rc, NULL);
		return;
	}
	xo = rc == 0 ? map_get(&x->operators, (uint64_t)op->id) : NULL;
	if (xo && strcmp(xo->jid, j.jid))
		xo = NULL;
	http_json(req, 200, json_pack("{s:b, s:s, s:b, s:s?, s:b, s:b, s:b, s:b}", "enabled", true,
				      "domain", x->cfg.domain, "connected", x->epoch != 0,
				      "jid", rc == 0 ? j.jid : NULL,
				      "confirmed", rc == 0 && j.confirmed,
				      "code_sent", rc == 0 && !j.confirmed && j.code[0],
				      "subscribed", xo && xo->subscribed,
				      "online", xo && xo->client && operator_available(xo)));
}

static int jid_apply(struct store *st, struct api_write *w)
{
	struct jid_change *c = w->ctx;
	int rc;

	if (!c->jid[0])
		rc = store_jid_clear(st, w->o.id);
	else
		rc = store_jid_set(st, w->o.id, c->jid, c->code, c->expires, time_now_ms());
	if (rc == 0)
		rc = api_audit_write(st, w);
	return rc;
}

static void jid_written(struct api_write *w, int rc)
{
	struct jid_change *c = w->ctx;
	struct xmpp_ops *x = w->app->xmpp;
	struct xmpp_operator *xo = x ? map_get(&x->operators, (uint64_t)w->o.id) : NULL;
	char body[400];

	if (rc < 0) {
		api_storage_failed(w->req, rc);
		free(c);
		return;
	}
	if (xo) /* unconfirmed now: the address no longer stands for the operator */
		operator_forget(x, w->o.id);
	if (c->jid[0] && x) {
		snprintf(body, sizeof(body), "Your refdesk confirmation code is %s. Type it on the "
			 "webclient within %d minutes to take chats at this address. If you did not "
			 "ask for this, ignore this message.", c->code, XMPP_CODE_MS / 60000);
		xmpp_send_message(x, x->cfg.domain, c->jid, body);
	}
	http_json(w->req, 200, json_pack("{s:s?, s:b, s:b}", "jid", c->jid[0] ? c->jid : NULL,
					 "confirmed", false, "code_sent", c->jid[0] != '\0'));
	free(c);
}

/* The door is set up and connected: 0, or an error once answered. */
static int xmpp_ready(struct http_req *req)
{
	struct xmpp_ops *x = req_app(req)->xmpp;

	if (!x) {
		http_error(req, 404, "not_found", "XMPP is not set up on this server.");
		return -ENOENT;
	}
	if (!x->epoch) {
		http_error(req, 503, "xmpp_down", "The XMPP server cannot be reached now; try again "
			   "in a minute.");
		return -EAGAIN;
	}
	return 0;
}

static void post_xmpp_jid(struct http_req *req, HTTP_PARAMS)
{
	const struct store_operator *op = &caller_of(req)->op;
	struct jid_change *c;
	struct api_write *w;
	json_t *body, *jid;

	(void)params;
	if (!(body = api_body(req)))
		return;
	jid = json_object_get(body, "jid");
	c = xcalloc(1, sizeof(*c));
	if (json_object_size(body) != 1 || !jid || (!json_is_null(jid) && !json_is_string(jid)) ||
	    (json_is_string(jid) && json_string_length(jid) &&
	     jid_bare_normalize(json_string_value(jid), c->jid, sizeof(c->jid)) < 0)) {
		json_decref(body);
		free(c);
		api_bad_request(req, "Expected {\"jid\": a bare XMPP address name@domain, or null}.");
		return;
	}
	json_decref(body);
	if (c->jid[0] && xmpp_ready(req) < 0) {
		free(c);
		return;
	}
	if (c->jid[0]) {
		make_code(c->code);
		c->expires = time_now_ms() + XMPP_CODE_MS;
	}
	w = api_write_new(req);
	w->o = *op;
	w->ctx = c;
	api_audit_note(w, STORE_AUDIT_OPERATOR_JID, op->username, "%s",
		       c->jid[0] ? "XMPP address set, code sent" : "XMPP address cleared");
	api_submit(w, jid_apply, jid_written);
}

static int confirm_apply(struct store *st, struct api_write *w)
{
	int rc = store_jid_confirm(st, w->o.id, w->token, time_now_ms());

	if (rc == 0)
		rc = api_audit_write(st, w);
	return rc;
}

static void confirm_written(struct api_write *w, int rc)
{
	struct xmpp_ops *x = w->app->xmpp;
	struct store_jid j;

	switch (rc) {
	case 0:
		break;
	case -EACCES:
		http_error(w->req, 400, "wrong_code", "That is not the code that was sent.");
		return;
	case -ETIMEDOUT:
		http_error(w->req, 410, "code_expired", "The code has expired; ask for a new one.");
		return;
	case -ENOENT:
		http_error(w->req, 404, "not_found", "No code was sent; link an address first.");
		return;
	case -EEXIST:
		http_error(w->req, 409, "exists", "Another operator has linked this address.");
		return;
	default:
		api_storage_failed(w->req, rc);
		return;
	}
	if (store_jid_get(w->app->st, w->o.id, &j) < 0) {
		api_storage_failed(w->req, -EIO);
		return;
	}
	/* Ask to see the operator's presence; they approve it in their client once.
	 * No probe now: it would cancel the request (probe_one()). */
	if (x) {
		send_presence(x, x->cfg.domain, j.jid, "subscribe");
		send_presence(x, x->cfg.domain, j.jid, NULL);
	}
	http_json(w->req, 200, json_pack("{s:s, s:b}", "jid", j.jid, "confirmed", true));
}

static void post_xmpp_confirm(struct http_req *req, HTTP_PARAMS)
{
	const struct store_operator *op = &caller_of(req)->op;
	struct api_write *w;
	const char *code;
	json_t *body;
	size_t i;

	(void)params;
	if (!req_app(req)->xmpp) {
		http_error(req, 404, "not_found", "XMPP is not set up on this server.");
		return;
	}
	if (!(body = api_body(req)))
		return;
	if (json_unpack(body, "{s:s !}", "code", &code) || strlen(code) != XMPP_CODE_CHARS) {
		json_decref(body);
		api_bad_request(req, "Expected {\"code\": the 8 characters sent to the address}.");
		return;
	}
	w = api_write_new(req);
	w->o = *op;
	for (i = 0; i < XMPP_CODE_CHARS; i++)
		w->token[i] = (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] + 32 : code[i]);
	w->token[XMPP_CODE_CHARS] = '\0';
	json_decref(body);
	api_audit_note(w, STORE_AUDIT_OPERATOR_JID, op->username, "%s", "XMPP address confirmed");
	api_submit(w, confirm_apply, confirm_written);
}

const struct http_route xmpp_routes[] = {
	{ HTTP_GET, "/api/xmpp", ACCESS_OPERATOR, NULL, get_xmpp },
	{ HTTP_POST, "/api/xmpp/jid", ACCESS_OPERATOR, NULL, post_xmpp_jid },
	{ HTTP_POST, "/api/xmpp/confirm", ACCESS_OPERATOR, NULL, post_xmpp_confirm },
};
const size_t xmpp_nroutes = ARRAY_SIZE(xmpp_routes);
