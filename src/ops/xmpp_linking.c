/*
 * xmpp_linking.c - linking an operator's XMPP address (PROTOCOL.md §2.12):
 * GET /api/xmpp, POST /api/xmpp/jid and /api/xmpp/confirm.
 *
 * An address is stored unconfirmed with a code that goes to it from the
 * component's domain; typed back on the webclient, it is confirmed and the
 * component asks to subscribe to its presence (xmpp_operators.c takes it
 * from there).  Writes go through the writer with their audit entry.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "net/http.h"
#include "ops/api.h"
#include "ops/app.h"
#include "ops/caller.h"
#include "ops/errors.h"
#include "ops/routes.h"
#include "ops/xmpp_int.h"
#include "xmpp/jid.h"

#define XMPP_CODE_CHARS 8
#define XMPP_CODE_MS (15 * 60 * 1000) /* a confirmation code works this long */

/* Letters and digits that cannot be mistaken for one another when retyped. */
static const char code_alphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";

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
				      "online", xo && xo->client && xmpp_operator_available(xo)));
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
		xmpp_operator_forget(x, w->o.id);
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
		xmpp_send_presence(x, x->cfg.domain, j.jid, "subscribe");
		xmpp_send_presence(x, x->cfg.domain, j.jid, NULL);
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
