/*
 * caller.h - who is calling: the one place that reads the session cookie,
 * checks the CSRF token of a signed-in POST, and keeps what it found on the
 * request for the handler (`struct caller`, hung on req->user).
 *
 * Loop thread only.
 */
#ifndef REFDESK_OPS_CALLER_H
#define REFDESK_OPS_CALLER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/types.h"
#include "base/types.h"
#include "store/store.h"

struct app;
struct conn;
struct http_req;

#define SESSION_COOKIE "refdesk_session"

/* Who may call a route (the `access` of its table entry). */
enum caller_access {
	ACCESS_ANYONE = 0,  /* the handler checks what it needs (a guest's token, say) */
	ACCESS_OPERATOR,    /* a signed-in operator; a POST also needs the X-CSRF-Token */
	ACCESS_ADMIN,       /* ... who is an account admin */
	ACCESS_PAGE,        /* a staff page: without a session, to the sign-in page */
};

struct caller {
	bool signed_in;                /* caller_require_operator() succeeded */
	struct store_operator op;
	struct store_session session;
	unsigned char session_hash[32];
	void *upload;                  /* uploads.c's state for this request */
};

/* The request's caller record (created empty on first use). */
struct caller *caller_of(struct http_req *req);
/* Free it (the transport's release hook, through app.c). */
void caller_release(struct http_req *req);

/*
 * The session named by a cookie of the request or of a socket's upgrade
 * request: 0 with its hash and operator, or -ENOENT.
 */
int caller_session_of_req(struct http_req *req, unsigned char hash[32], int64_t *operator_id);
int caller_session_of_conn(struct app *app, struct conn *c, unsigned char hash[32],
			   int64_t *operator_id);

/*
 * The signed-in operator, without answering: 0 with the caller's op and
 * session filled, or -ENOENT (no session, or a disabled operator).
 */
int caller_find_operator(struct http_req *req);
/* For a POST: does X-CSRF-Token match the session's?  0, or -EACCES. */
int caller_check_csrf(struct http_req *req);

/*
 * Check the session cookie (and, for POST, the X-CSRF-Token header).  On
 * success fills the caller's op and session and returns 0; otherwise
 * responds 401/403 and returns -EACCES.
 */
int caller_require_operator(struct http_req *req);

/*
 * For a page route that needs a session: 0 with the caller's op filled, or
 * (no session, or a disabled operator) a redirect to the sign-in page,
 * which brings the operator back to this path, and -EACCES.
 */
int caller_page_operator(struct http_req *req);

/*
 * The caller check of every route, before its handler (and, for a POST,
 * before its body is read): 0, or -EACCES once the refusal is answered.
 */
int caller_admit(struct http_req *req, unsigned access);

/*
 * The live chat `public_id` as the caller of a chat route may see it: its
 * guest by `Authorization: Bearer TOKEN` (*author AUTHOR_GUEST), else a
 * signed-in operator of its account (AUTHOR_OPERATOR; the caller's op and
 * session are filled, the CSRF token is not checked yet).  NULL when the
 * caller may not see it, exactly as when it does not exist.  Forget the
 * chat with chat_ops_forget() once done.
 */
struct chat_live;
struct chat_live *caller_chat(struct http_req *req, const char *public_id,
			      enum event_author *author);

/*
 * The live chat `public_id` as the caller of a chat route may see it: its
 * guest by `Authorization: Bearer TOKEN` (*author AUTHOR_GUEST), else a
 * signed-in operator of its account (AUTHOR_OPERATOR; the caller's op and
 * session are filled, the CSRF token is not checked yet).  NULL when the
 * caller may not see it, exactly as when it does not exist.  Forget the
 * chat with chat_ops_forget() once done.
 */
struct chat_live;
struct chat_live *caller_chat(struct http_req *req, const char *public_id,
			      enum event_author *author);

/* Set (or, with max_age 0, clear) the session cookie on the response. */
void caller_set_cookie(struct http_req *req, const char *token, int max_age);

#endif
