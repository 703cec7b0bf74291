/*
 * http.h - HTTP requests: reading them, routing them through the registered
 * route tables, writing responses with refdesk's security headers, and
 * static files from web/.
 *
 * A request lives in a heap `struct http_req` that the lws per-session data
 * points to.  A handler either responds at once or keeps the request and
 * responds later (sign-in hashes a password on a worker; writes go through
 * the writer).  If the client leaves meanwhile, `wsi` becomes NULL and the
 * late response just frees the request.
 *
 * Loop thread only.
 */
#ifndef REFDESK_NET_HTTP_H
#define REFDESK_NET_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct server;
struct lws;

#define HTTP_BODY_MAX (64 * 1024)
#define HTTP_MAX_PARAMS 2
#define HTTP_PARAM_MAX 80
#define HTTP_FRAME_ORIGINS_MAX 2048
#define HTTP_PARAMS char params[HTTP_MAX_PARAMS][HTTP_PARAM_MAX]

enum http_method { HTTP_GET, HTTP_POST, HTTP_OPTIONS, HTTP_OTHER };

struct http_req;

/*
 * One route: `pattern` is a path whose '*' matches one segment, captured
 * into params in order.  `access` is the application's (0: anyone); a
 * non-zero value is handed to the server's http_access hook before
 * `on_headers` or `fn` runs.  `on_headers`, for a POST, runs when the
 * headers have arrived, before a byte of the body is read: it may answer
 * (a refusal) and return true, or size the body (http_body_expect).
 * One bit of `access` is the transport's own: HTTP_UNLISTED makes other
 * methods on the route's path get the 404 of an unknown path instead of
 * 405, so that the answer does not tell that the route exists.
 */
struct http_route {
	enum http_method method;
	const char *pattern;
	unsigned access;
	bool (*on_headers)(struct http_req *req, HTTP_PARAMS);
	void (*fn)(struct http_req *req, HTTP_PARAMS);
};

#define HTTP_UNLISTED 0x80000000u

/*
 * Which Content-Security-Policy a response gets.  POLICY_ASSET: a script,
 * stylesheet, image or font a page loads, never a document itself, so it
 * needs none of a document's headers (static.c picks it by type).
 */
enum http_policy { POLICY_API, POLICY_PAGE, POLICY_BOX, POLICY_BLOB, POLICY_TRANSCRIPT, POLICY_ASSET };

/* Inlined stylesheets and scripts per page (static.c), each one hash in its policy. */
#define HTTP_INLINE_MAX 4

struct http_req {
	struct server *srv;
	void *app;                  /* the server's application pointer */
	void *user;                 /* the application's, freed by its release hook */
	struct lws *wsi;            /* NULL once the client is gone */
	enum http_method method;    /* HEAD is read as GET, with head_only */
	bool head_only;             /* send the headers of the GET answer, no body */
	char path[512];
	char peer[64];
	uint64_t peer_key;
	char *body;
	size_t body_len;
	size_t body_cap;            /* HTTP_BODY_MAX, or an upload's limit */
	bool body_too_big;
	bool close_after;           /* hang up after the response (a body refused) */
	bool body_complete;
	bool body_sized;            /* http_body_expect() made the buffer */
	const struct http_route *route; /* NULL: no route for this method and path */
	bool path_known;            /* some route has this path */
	char params[HTTP_MAX_PARAMS][HTTP_PARAM_MAX];
	/* the response */
	int status;
	const char *ctype;
	char *resp;
	size_t resp_len, resp_off;
	char hdrs[2048];            /* "name:\0value\0" pairs */
	size_t hdrs_len;
	enum http_policy policy;
	char frame_origins[HTTP_FRAME_ORIGINS_MAX]; /* POLICY_BOX: who may frame it */
	char style_hashes[HTTP_INLINE_MAX * 56]; /* " 'sha256-…'" per inlined stylesheet */
	char script_hashes[HTTP_INLINE_MAX * 56]; /* ...and per inlined script */
	bool headers_sent;
	bool responded;
	bool held;                  /* a worker or the writer will answer it */
};

/* What lws keeps per connection: one pointer per role. */
struct pss {
	struct conn *conn;
	struct http_req *req;
	bool linger; /* refused a body: read and drop the rest, then hang up */
};

/* lws callbacks for plain HTTP (server.c dispatches to these). */
int http_request(struct server *srv, struct lws *wsi, struct pss *pss, const char *uri);
int http_body(struct pss *pss, const void *in, size_t len);
int http_body_done(struct pss *pss);
int http_writeable(struct pss *pss);
void http_detach(struct pss *pss);

/*
 * Mark the request as answered later (by a worker's or the writer's done()).
 * A request that is not held is freed as soon as its client goes away.
 */
void http_hold(struct http_req *req);

/* Respond; `body` becomes the request's (it is freed with it). */
void http_respond(struct http_req *req, int status, const char *ctype, char *body, size_t len);
/* Respond with JSON and drop the reference to `obj`. */
void http_json(struct http_req *req, int status, json_t *obj);
/* Respond {"error": {"code", "message"}}. */
void http_error(struct http_req *req, int status, const char *code, const char *message);
/* Add a response header ("name:" with its colon). */
void http_header(struct http_req *req, const char *name, const char *value);

/* Who reads an error page: library staff, or a patron (the chat box). */
enum http_audience { AUDIENCE_STAFF, AUDIENCE_PATRON };

/*
 * Answer `status` with the HTML error page of `who` (error_page.c): the
 * staff or chat-box header, a heading and a sentence for 403, 404 and 410
 * (any other status reads as a general failure), and the way back.  `chat`
 * (or NULL) is a chat id the caller has checked is the operator's; only a
 * 410 links to it.  Two calls with the same arguments answer the same
 * bytes, so a foreign chat reads exactly like a missing one.
 */
void http_error_page(struct http_req *req, int status, enum http_audience who, const char *chat);

/*
 * Answer "not found" as the request expects it: JSON for /api/ and
 * anything but GET, else the staff page under /staff, else the patrons'.
 */
void http_not_found(struct http_req *req);

/*
 * Serve a file below the web directory (static.c).  In an HTML file, each
 * `<link rel="stylesheet" data-inline href="/PATH">` goes out as a
 * `<style data-inline="/PATH">` holding that file, its hash added to the
 * page's style-src: a page that must draw before a further round trip.
 */
void http_static(struct http_req *req, const char *relpath, enum http_policy policy);
/*
 * Serve a file below the web directory with the first occurrence of `from`
 * in it replaced by `to` (both borrowed; a file without `from` goes out as
 * it is): a page whose first view the server already knows.  The edited
 * copy has its own ETag and its own compressed copy.  Loop thread only.
 */
void http_static_edited(struct http_req *req, const char *relpath, enum http_policy policy,
			const char *from, const char *to);
/*
 * How a page file is edited on its way out (http_static_page): first its
 * first `from` replaced by `to` (when `from` is set), then `apply(ctx,
 * data, &len)` (when set), which takes the page (NUL-terminated, `len`
 * bytes; it now owns it) and returns the edited one.  `key` names the
 * edit: the edited copy has its own ETag and compressed copy per key, so
 * it must change whenever the result would.
 */
struct http_page_edit {
	const char *from, *to;
	char *(*apply)(void *ctx, char *data, size_t *len);
	void *ctx;
	unsigned long long key;
};
/* http_static_edited() with any edit (NULL: none).  Loop thread only. */
void http_static_page(struct http_req *req, const char *relpath, enum http_policy policy,
		      const struct http_page_edit *edit);
/* Free static.c's cache of compressed files (at exit). */
void http_static_release(void);
/* How many compressed copies static.c has made (each a cache miss). */
unsigned long http_static_gzip_count(void);
/* Print static.c's limits as `refdesk limits` lines. */
void http_static_print_limits(FILE *out);

/* Take a body of exactly `len` bytes (from on_headers, once it is allowed). */
void http_body_expect(struct http_req *req, size_t len);

/* The declared Content-Length of a POST (0 when absent). */
size_t http_content_length(struct http_req *req);

/*
 * Answer with a redirect to `location` (a path of ours); `policy` as for a
 * page.  The 302 has no body.
 */
void http_redirect(struct http_req *req, const char *location);

/* A cookie of the request into `out`: 0, or -ENOENT (absent or too long). */
int http_cookie(struct http_req *req, const char *name, char *out, size_t size);
int http_cookie_of(struct lws *wsi, const char *name, char *out, size_t size);

/* Is `origin` (an Origin header) ours, for this request? */
bool http_origin_ok(struct http_req *req, const char *origin);

/*
 * Is `origin` ours — the --public-url's origin, or this request's own from
 * Host and the connection's scheme — or one of --allow-origin?
 */
bool http_origin_allowed(struct server *srv, struct lws *wsi, const char *origin);

/*
 * The client's address as text into `out`: the connection's peer, or, when
 * that peer is a --trusted-proxy, the last address it appended to
 * X-Forwarded-For (the one it saw).  Returns true when it came from a proxy.
 */
bool http_client_addr(struct server *srv, struct lws *wsi, char *out, size_t size);

/* Do browsers reach this server over HTTPS? */
bool http_is_secure(const struct http_req *req);

/*
 * The decoded value of query argument `name` into `buf` ("" when absent):
 * 0, -ENOENT when absent, -E2BIG when longer than `size` (or HTTP_ARG_MAX).
 */
#define HTTP_ARG_MAX 512
int http_get_arg(struct http_req *req, const char *name, char *buf, size_t size);

/* A request header into `buf` ("" when absent). */
void http_get_header(struct http_req *req, const char *name, char *buf, size_t size);

#endif
