/*
 * xmpp_ops.c - see xmpp_ops.h.
 *
 * Every stanza from the link is dispatched by its element name; each
 * handler answers with a result or one error stanza (RFC 6120 §8.3),
 * built by stanza_error() and sent with xmpp_send(), which drops what the
 * link refuses because the connection it was meant for is gone.
 */
#include "ops/xmpp_ops.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "net/server.h"
#include "ops/app.h"
#include "ops/xmpp_int.h"
#include "xmpp/link.h"
#include "xmpp/xml.h"

#define NS_PING "urn:xmpp:ping"
#define NS_DISCO_INFO "http://jabber.org/protocol/disco#info"

void xmpp_send(struct xmpp_ops *x, const struct xml_node *st)
{
	if (x->epoch)
		xmpp_link_send(x->link, x->epoch, st);
}

void xmpp_send_message(struct xmpp_ops *x, const char *from, const char *to, const char *body)
{
	struct xml_node *m = xml_node_new("message"), *b;

	xml_node_set_attr(m, "from", from);
	xml_node_set_attr(m, "to", to);
	xml_node_set_attr(m, "type", "chat");
	b = xml_node_add_child(m, "body");
	xml_node_add_text(b, body, strlen(body));
	xmpp_send(x, m);
	xml_node_free(m);
}

struct xml_node *xmpp_stanza_reply(const struct xml_node *st, const char *type)
{
	struct xml_node *r = xml_node_new(st->name);
	const char *id = xml_attr(st, "id");

	if (xml_attr(st, "to"))
		xml_node_set_attr(r, "from", xml_attr(st, "to"));
	if (xml_attr(st, "from"))
		xml_node_set_attr(r, "to", xml_attr(st, "from"));
	if (id)
		xml_node_set_attr(r, "id", id);
	xml_node_set_attr(r, "type", type);
	return r;
}

/*
 * `kind` is RFC 6120's error type (cancel, modify, auth, wait), `condition`
 * its defined condition, `text` a sentence for the person reading it (or
 * NULL).  Errors are never answered with errors (§8.3.1).
 */
void xmpp_stanza_error(struct xmpp_ops *x, const struct xml_node *st, const char *kind,
			 const char *condition, const char *text)
{
	struct xml_node *r, *err, *c;
	const char *type = xml_attr(st, "type");

	if (type && !strcmp(type, "error"))
		return;
	r = xmpp_stanza_reply(st, "error");
	err = xml_node_add_child(r, "error");
	xml_node_set_attr(err, "type", kind);
	c = xml_node_add_child(err, condition);
	xml_node_set_attr(c, "xmlns", NS_STANZAS);
	if (text) {
		c = xml_node_add_child(err, "text");
		xml_node_set_attr(c, "xmlns", NS_STANZAS);
		xml_node_add_text(c, text, strlen(text));
	}
	xmpp_send(x, r);
	xml_node_free(r);
}

/* Is `jid` the component's own domain (no local part, no resource)? */
static bool is_domain(const struct xmpp_ops *x, const char *jid)
{
	return jid && !strcmp(jid, x->cfg.domain);
}

/* ---- iq -------------------------------------------------------------------------- */

static void iq_disco_info(struct xmpp_ops *x, const struct xml_node *st)
{
	static const char *const features[] = { NS_DISCO_INFO, NS_PING };
	struct xml_node *r = xmpp_stanza_reply(st, "result"), *q, *n;
	size_t i;

	q = xml_node_add_child(r, "query");
	xml_node_set_attr(q, "xmlns", NS_DISCO_INFO);
	n = xml_node_add_child(q, "identity");
	xml_node_set_attr(n, "category", "component");
	xml_node_set_attr(n, "type", "generic");
	xml_node_set_attr(n, "name", "refdesk");
	for (i = 0; i < ARRAY_SIZE(features); i++) {
		n = xml_node_add_child(q, "feature");
		xml_node_set_attr(n, "var", features[i]);
	}
	xmpp_send(x, r);
	xml_node_free(r);
}

static void on_iq(struct xmpp_ops *x, const struct xml_node *st)
{
	const char *type = xml_attr(st, "type");
	struct xml_node *r;

	if (!type || (strcmp(type, "get") && strcmp(type, "set")))
		return; /* results and errors answer nothing we asked */
	if (!strcmp(type, "get") && xml_child(st, "ping", NS_PING)) {
		r = xmpp_stanza_reply(st, "result");
		xmpp_send(x, r);
		xml_node_free(r);
	} else if (!strcmp(type, "get") && is_domain(x, xml_attr(st, "to")) &&
		   xml_child(st, "query", NS_DISCO_INFO)) {
		iq_disco_info(x, st);
	} else {
		xmpp_stanza_error(x, st, "cancel", "service-unavailable", NULL);
	}
}

/* ---- dispatch ---------------------------------------------------------------------- */

static void on_stanza(struct xmpp_ops *x, const struct xml_node *st)
{
	if (!strcmp(st->name, "iq"))
		on_iq(x, st);
	else if (!strcmp(st->name, "message"))
		xmpp_on_message(x, st);
	else if (!strcmp(st->name, "presence"))
		xmpp_on_presence(x, st);
}

void xmpp_ops_drain(struct app *app)
{
	struct xmpp_ops *x = app->xmpp;
	struct xmpp_event *events, *ev;

	if (!x)
		return;
	events = xmpp_link_take(x->link);
	for (ev = events; ev; ev = ev->next) {
		switch (ev->kind) {
		case XMPP_EVENT_UP:
			x->epoch = ev->epoch;
			xmpp_operators_up(x);
			break;
		case XMPP_EVENT_DOWN:
			x->epoch = 0;
			xmpp_operators_down(x);
			xmpp_pending_release(x); /* their replies would answer into a link that is gone */
			break;
		case XMPP_EVENT_STANZA:
			if (ev->epoch == x->epoch)
				on_stanza(x, ev->stanza);
			break;
		}
	}
	xmpp_events_free(events);
}

/* ---- life ------------------------------------------------------------------------------ */

static void wake_loop(void *arg)
{
	server_wake(arg);
}

int xmpp_ops_start(struct app *app)
{
	const struct app_config *cfg = app->cfg;
	struct xmpp_ops *x;
	int rc;

	if (!cfg->xmpp_domain)
		return 0;
	x = xcalloc(1, sizeof(*x));
	x->app = app;
	/*
	 * The ids of what librarians send become the messages' client ids, by
	 * which the store knows a resend: a process must not reuse the ones an
	 * earlier one gave in the same chats.  Counting from the start time in
	 * units of a thousandth of a millisecond, each process's ids lie above
	 * every earlier one's unless it handed out over a thousand a millisecond.
	 */
	x->next_id = (uint64_t)time_now_ms() * 1000;
	x->cfg.domain = cfg->xmpp_domain;
	x->cfg.host = cfg->xmpp_host;
	x->cfg.port = cfg->xmpp_port;
	x->cfg.secret_file = cfg->xmpp_secret_file;
	xmpp_operators_init(x);
	xmpp_chats_init(x);
	rc = xmpp_link_new(&x->link, &x->cfg, wake_loop, app->srv);
	if (rc < 0) {
		log_error("xmpp: cannot start the link thread: %s", strerror(-rc));
		xmpp_operators_release(x);
		free(x);
		return rc;
	}
	app->xmpp = x;
	log_info("xmpp: component %s, server %s:%d", cfg->xmpp_domain, cfg->xmpp_host, cfg->xmpp_port);
	return 0;
}

void xmpp_ops_stop(struct app *app)
{
	struct xmpp_ops *x = app->xmpp;

	if (!x)
		return;
	xmpp_link_free(x->link);
	x->epoch = 0;
	xmpp_operators_release(x);
	xmpp_pending_release(x);
	free(x);
	app->xmpp = NULL;
}

unsigned xmpp_ops_pending(const struct app *app)
{
	return app->xmpp ? app->xmpp->npending : 0;
}
