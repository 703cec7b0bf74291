/*
 * xmpp_operators.c - operators who staff the chat from an XMPP client:
 * linking their address (PROTOCOL.md §2.12), their presence, and the
 * `struct client` that stands for them while they are available.
 *
 * How it works.  An address is linked unconfirmed; a code goes to it from
 * the component's domain; typed back, the address is confirmed and the
 * component asks to subscribe to its presence (the operator approves once
 * in their client).  Only confirmed addresses count: presence from any
 * other address is ignored, so an unconfirmed address is never rung.
 *
 * (Linking itself, the API, is in xmpp_linking.c.)
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
#include "net/server.h"
#include "ops/app.h"
#include "ops/chat_ops.h"
#include "ops/client.h"
#include "ops/xmpp_int.h"
#include "store/store.h"
#include "xmpp/jid.h"
#include "xmpp/xml.h"


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
	/* The XMPP client's own presence says when the librarian is away. */
	xc->cl.presence_driven = true;
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
bool xmpp_operator_available(const struct xmpp_operator *xo)
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
	bool on = xmpp_operator_available(xo);

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
	if (xo->client && xo->applied == (xmpp_operator_available(xo) ? 1 : 0))
		return;
	operator_set_queues(x, xo);
}

static void operator_offline(struct xmpp_ops *x, struct xmpp_operator *xo)
{
	struct xmpp_client *xc = xo->client;

	if (!xc)
		return;
	xo->client = NULL;
	client_detach(&xc->cl); /* its last connection: unavailable everywhere */
	xmpp_pending_drop_operator(x, xo->id);
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

void xmpp_operator_forget(struct xmpp_ops *x, int64_t id)
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
		xmpp_operator_forget(x, id);
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

void xmpp_send_presence(struct xmpp_ops *x, const char *from, const char *to, const char *type)
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
		xmpp_send_presence(x, from, dest, type);
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
			xmpp_send_presence(x, to, bare, "unsubscribed");
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
		xmpp_send_presence(x, to, bare, "subscribed");
		xmpp_send_presence(x, to, bare, NULL);
		return;
	} else if (!strcmp(type, "probe")) {
		xmpp_send_presence(x, to, from, NULL);
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

	xmpp_send_presence(x, x->cfg.domain, j->jid, "probe");
	xmpp_send_presence(x, x->cfg.domain, j->jid, "subscribe");
	xmpp_send_presence(x, x->cfg.domain, j->jid, NULL);
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
