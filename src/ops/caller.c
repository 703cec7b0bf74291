/*
 * caller.c - see caller.h.
 */
#include "ops/caller.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/util.h"
#include "net/http.h"
#include "net/ws.h"
#include "ops/app.h"
#include "ops/chat_ops.h"
#include "ops/routes.h"

struct caller *caller_of(struct http_req *req)
{
	if (!req->user)
		req->user = xcalloc(1, sizeof(struct caller));
	return req->user;
}

void caller_release(struct http_req *req)
{
	free(req->user);
	req->user = NULL;
}

/* The one read of a session row: by the token's hash, unexpired. */
static int session_of_token(struct app *app, const char *token, unsigned char hash[32],
			    struct store_session *s)
{
	if (!str_is_token(token, 64, "-_"))
		return -ENOENT;
	auth_token_hash(hash, token);
	return store_session_get(app->st, hash, time_now_ms(), s) < 0 ? -ENOENT : 0;
}

static int session_of_req(struct http_req *req, unsigned char hash[32], struct store_session *s)
{
	char token[128];

	if (http_cookie(req, SESSION_COOKIE, token, sizeof(token)) < 0)
		return -ENOENT;
	return session_of_token(req->app, token, hash, s);
}

int caller_session_of_req(struct http_req *req, unsigned char hash[32], int64_t *operator_id)
{
	struct store_session s;

	if (session_of_req(req, hash, &s) < 0)
		return -ENOENT;
	*operator_id = s.operator_id;
	return 0;
}

int caller_session_of_conn(struct app *app, struct conn *c, unsigned char hash[32],
			   int64_t *operator_id)
{
	struct store_session s;
	char token[128];

	if (conn_cookie(c, SESSION_COOKIE, token, sizeof(token)) < 0 ||
	    session_of_token(app, token, hash, &s) < 0)
		return -ENOENT;
	*operator_id = s.operator_id;
	return 0;
}

/* Without a session: to the sign-in page, which brings the operator back here. */
static void to_signin(struct http_req *req)
{
	char loc[sizeof(req->path) * 3 + 32], *p;
	size_t i;

	p = loc + snprintf(loc, sizeof(loc), "/staff/signin?next=");
	for (i = 0; req->path[i]; i++) {
		unsigned char c = (unsigned char)req->path[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.')
			*p++ = (char)c;
		else
			p += sprintf(p, "%%%02X", c);
	}
	*p = '\0';
	http_redirect(req, loc);
}

int caller_page_operator(struct http_req *req)
{
	struct app *app = req->app;
	struct caller *who = caller_of(req);
	int64_t operator_id;

	if (!req->wsi)
		return -EACCES;
	if (caller_session_of_req(req, who->session_hash, &operator_id) < 0 ||
	    store_operator_get(app->st, operator_id, &who->op) < 0 || who->op.disabled) {
		/* The path is ours to send back to: a route matched it, segment by segment. */
		to_signin(req);
		return -EACCES;
	}
	return 0;
}

int caller_find_operator(struct http_req *req)
{
	struct app *app = req->app;
	struct caller *who = caller_of(req);

	if (!req->wsi || session_of_req(req, who->session_hash, &who->session) < 0 ||
	    store_operator_get(app->st, who->session.operator_id, &who->op) < 0 ||
	    who->op.disabled)
		return -ENOENT;
	return 0;
}

int caller_check_csrf(struct http_req *req)
{
	struct caller *who = caller_of(req);
	char csrf[64];

	if (req->method != HTTP_POST)
		return 0;
	http_get_header(req, "x-csrf-token:", csrf, sizeof(csrf));
	return csrf[0] && auth_secret_equal(csrf, who->session.csrf) ? 0 : -EACCES;
}

int caller_require_operator(struct http_req *req)
{
	if (caller_find_operator(req) < 0) {
		http_error(req, 401, "not_signed_in", "Please sign in.");
		return -EACCES;
	}
	if (caller_check_csrf(req) < 0) {
		http_error(req, 403, "csrf", "The request lacks a valid X-CSRF-Token.");
		return -EACCES;
	}
	caller_of(req)->signed_in = true;
	routes_touch_session(req);
	return 0;
}

int caller_admit(struct http_req *req, unsigned access)
{
	switch (access) {
	case ACCESS_ANYONE:
		return 0;
	case ACCESS_OPERATOR:
		return caller_require_operator(req);
	case ACCESS_ADMIN:
		if (caller_require_operator(req) < 0)
			return -EACCES;
		if (!caller_of(req)->op.is_admin) {
			http_error(req, 403, "forbidden", "Only account admins may do that.");
			return -EACCES;
		}
		return 0;
	case ACCESS_PAGE:
		return caller_page_operator(req);
	}
	http_error(req, 500, "internal", "This route has no caller rule.");
	return -EACCES;
}

struct chat_live *caller_chat(struct http_req *req, const char *public_id,
			      enum event_author *author)
{
	char auth[200];

	http_get_header(req, "authorization:", auth, sizeof(auth));
	if (!strncmp(auth, "Bearer ", 7)) {
		*author = AUTHOR_GUEST;
		return str_is_token(auth + 7, 64, "-_")
			       ? chat_ops_chat(req->app, public_id, auth + 7, NULL) : NULL;
	}
	*author = AUTHOR_OPERATOR;
	if (caller_find_operator(req) < 0)
		return NULL;
	return chat_ops_chat(req->app, public_id, NULL, &caller_of(req)->op);
}

void caller_set_cookie(struct http_req *req, const char *token, int max_age)
{
	char cookie[256];

	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s",
		 SESSION_COOKIE, token, max_age, http_is_secure(req) ? "; Secure" : "");
	http_header(req, "set-cookie:", cookie);
}
