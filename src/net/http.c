/*
 * http.c - see http.h.  Request intake, the response writer and the
 * security headers every response carries.
 */
#include "net/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "net/server.h"

/* A page's policy: head, the hashes of its inlined stylesheets, tail, who may frame it. */
static const char csp_page[] = "default-src 'self'; script-src 'self'";
static const char csp_page_tail[] =
	"; img-src 'self' data: blob:; "
	"connect-src 'self'; font-src 'self'; media-src 'self' blob:; frame-src 'self'; "
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors ";
static const char csp_api[] = "default-src 'none'; frame-ancestors 'none'";

static void req_free(struct http_req *req)
{
	if (req->user)
		req->srv->hooks->http_release(req->app, req);
	free(req->body);
	free(req->resp);
	free(req);
}

void http_detach(struct pss *pss)
{
	struct http_req *req = pss->req;

	if (!req)
		return;
	pss->req = NULL;
	if (!req->held || req->responded || !req->wsi) {
		req_free(req);
		return;
	}
	/* A worker or the writer still holds it: its late response will free it. */
	req->wsi = NULL;
}

void http_hold(struct http_req *req)
{
	req->held = true;
}

void http_get_header(struct http_req *req, const char *name, char *buf, size_t size)
{
	/* lws parses the headers it knows into tokens; the rest are "custom". */
	static const struct {
		const char *name;
		enum lws_token_indexes token;
	} known[] = {
		{ "content-type:", WSI_TOKEN_HTTP_CONTENT_TYPE },
		{ "origin:", WSI_TOKEN_ORIGIN },
		{ "if-none-match:", WSI_TOKEN_HTTP_IF_NONE_MATCH },
		{ "host:", WSI_TOKEN_HOST },
		{ "authorization:", WSI_TOKEN_HTTP_AUTHORIZATION },
		{ "content-length:", WSI_TOKEN_HTTP_CONTENT_LENGTH },
		{ "accept-encoding:", WSI_TOKEN_HTTP_ACCEPT_ENCODING },
		{ "accept-language:", WSI_TOKEN_HTTP_ACCEPT_LANGUAGE },
	};
	size_t i;
	int n;

	buf[0] = '\0';
	if (!req->wsi)
		return;
	for (i = 0; i < ARRAY_SIZE(known); i++) {
		if (!strcmp(name, known[i].name)) {
			if (lws_hdr_copy(req->wsi, buf, (int)size, known[i].token) < 0)
				buf[0] = '\0';
			return;
		}
	}
	n = lws_hdr_custom_copy(req->wsi, buf, (int)size, name, (int)strlen(name));
	if (n < 0)
		buf[0] = '\0';
}

int http_get_arg(struct http_req *req, const char *name, char *buf, size_t size)
{
	char frag[HTTP_ARG_MAX + 80];
	size_t nl = strlen(name);
	int i, n;

	buf[0] = '\0';
	if (!req->wsi)
		return -ENOENT;
	/* lws splits the query at '&' and decodes each "name=value" part. */
	for (i = 0; i < 32; i++) {
		n = lws_hdr_fragment_length(req->wsi, WSI_TOKEN_HTTP_URI_ARGS, i);
		if (n <= 0)
			return -ENOENT;
		if (n >= (int)sizeof(frag))
			return -E2BIG; /* some argument is too long: refuse rather than guess */
		if (lws_hdr_copy_fragment(req->wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i) < 0)
			return -E2BIG;
		if (strncmp(frag, name, nl) || frag[nl] != '=')
			continue;
		if (strlen(frag + nl + 1) >= size)
			return -E2BIG;
		memcpy(buf, frag + nl + 1, strlen(frag + nl + 1) + 1);
		return 0;
	}
	return -ENOENT;
}

static enum http_method method_of(struct lws *wsi, bool *head_only)
{
	*head_only = false;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI))
		return HTTP_GET;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI)) {
		/* HEAD is answered as the GET it stands for, without the body. */
		*head_only = true;
		return HTTP_GET;
	}
	if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI))
		return HTTP_POST;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_OPTIONS_URI))
		return HTTP_OPTIONS;
	return HTTP_OTHER;
}

/* ---- routing ------------------------------------------------------------ */

/* Match `path` against `pattern`, capturing '*' segments. */
static bool match(const char *pattern, const char *path, HTTP_PARAMS)
{
	int np = 0;

	while (*pattern && *path) {
		if (*pattern == '*') {
			size_t n = strcspn(path, "/");

			if (!n || n >= HTTP_PARAM_MAX || np >= HTTP_MAX_PARAMS)
				return false;
			memcpy(params[np], path, n);
			params[np++][n] = '\0';
			path += n;
			pattern++;
		} else if (*pattern++ != *path++) {
			return false;
		}
	}
	return !*pattern && !*path;
}

/*
 * The route for the request's method and path into req->route (NULL when
 * none); req->path_known when some route has this path, with any method.
 */
static void find_route(struct http_req *req)
{
	const struct server *srv = req->srv;
	char params[HTTP_MAX_PARAMS][HTTP_PARAM_MAX];
	size_t i;
	int t;

	req->path_known = false;
	req->route = NULL;
	for (t = 0; t < srv->nroute_tables; t++) {
		for (i = 0; i < srv->nroutes[t]; i++) {
			const struct http_route *r = &srv->routes[t][i];

			if (!match(r->pattern, req->path, params))
				continue;
			if (!(r->access & HTTP_UNLISTED))
				req->path_known = true;
			if (r->method == req->method) {
				req->route = r;
				memcpy(req->params, params, sizeof(params));
				return;
			}
		}
	}
}

/* Answer `req` (now or later) with its route's handler. */
static void dispatch(struct http_req *req)
{
	const struct http_route *r = req->route;

	if (req->srv->stopping) {
		http_error(req, 503, "busy", "The server is shutting down.");
		return;
	}
	if (r) {
		r->fn(req, req->params);
		return;
	}
	if (req->path_known || req->method != HTTP_GET || !strncmp(req->path, "/api/", 5)) {
		http_error(req, req->path_known ? 405 : 404, req->path_known ? "method" : "not_found",
			   req->path_known ? "Not with this method." : "No such route.");
		return;
	}
	http_static(req, req->path + 1, POLICY_PAGE);
}

/* The caller check of a matched route: 0 to go on, or -EACCES once answered. */
static int admit(struct http_req *req)
{
	const struct http_route *r = req->route;
	unsigned access = r ? r->access & ~HTTP_UNLISTED : 0;

	if (!access)
		return 0;
	return req->srv->hooks->http_access(req->app, req, access) < 0 ? -EACCES : 0;
}

size_t http_content_length(struct http_req *req)
{
	char len[32];

	if (!req->wsi || lws_hdr_copy(req->wsi, len, sizeof(len), WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
		return 0;
	return (size_t)strtoull(len, NULL, 10);
}

void http_body_expect(struct http_req *req, size_t len)
{
	req->body_cap = len;
	req->body = xmalloc(len + 1);
	req->body_sized = true;
}

int http_request(struct server *srv, struct lws *wsi, struct pss *pss, const char *uri)
{
	struct http_req *req = xcalloc(1, sizeof(*req));
	char len[32];

	http_detach(pss);
	pss->linger = false;
	pss->req = req;
	req->srv = srv;
	req->app = srv->app;
	req->wsi = wsi;
	req->method = method_of(wsi, &req->head_only);
	req->policy = POLICY_API;
	snprintf(req->path, sizeof(req->path), "%s", uri);
	http_client_addr(srv, wsi, req->peer, sizeof(req->peer));
	req->peer_key = server_addr_key(req->peer);
	if (strlen(uri) >= sizeof(req->path)) {
		http_error(req, 414, "not_found", "The address is too long.");
		return 0;
	}
	if (srv->stopping) {
		/* Nothing new is taken on while the last commits drain: before any
		 * caller check, which could read or refresh a session. */
		req->close_after = req->method == HTTP_POST;
		http_error(req, 503, "busy", "The server is shutting down.");
		return 0;
	}
	find_route(req);
	if (req->method == HTTP_POST) {
		req->body_cap = HTTP_BODY_MAX;
		/* Every body is declared up front: no chunked or open-ended bodies. */
		if (lws_hdr_copy(wsi, len, sizeof(len), WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0) {
			req->close_after = true;
			http_error(req, 411, "length_required", "A POST needs a Content-Length.");
			return 0;
		}
		/* The caller and, for an upload, where and how big, before the body is read. */
		if (admit(req) < 0) {
			req->close_after = true;
			return 0;
		}
		if (req->route && req->route->on_headers &&
		    req->route->on_headers(req, req->params))
			return 0;
		if (strtoull(len, NULL, 10) > req->body_cap) {
			req->close_after = true;
			http_error(req, 413, "too_large", "The request body is too large.");
			return 0;
		}
		if (strtoull(len, NULL, 10) == 0) {
			req->body_complete = true; /* no body callbacks will come */
			dispatch(req);
		}
		return 0; /* wait for the body */
	}
	if (admit(req) == 0)
		dispatch(req);
	return 0;
}

int http_body(struct pss *pss, const void *in, size_t len)
{
	struct http_req *req = pss->req;

	if (pss->linger)
		return 0;
	if (!req || req->responded)
		return 0;
	if (req->body_len + len > req->body_cap) {
		/* Refuse while it streams in, rather than after taking it all. */
		req->body_too_big = true;
		req->close_after = true;
		http_error(req, 413, "too_large", "The request body is too large.");
		return 0;
	}
	/* An upload's buffer was sized from its Content-Length once it was allowed. */
	if (!req->body_sized)
		req->body = xrealloc(req->body, req->body_len + len + 1);
	if (len)
		memcpy(req->body + req->body_len, in, len);
	req->body_len += len;
	req->body[req->body_len] = '\0';
	return 0;
}

int http_body_done(struct pss *pss)
{
	struct http_req *req = pss->req;

	if (pss->linger)
		return -1; /* the refused body is over: now hang up */
	if (req)
		req->body_complete = true;
	if (!req || req->responded || req->held)
		return 0;
	if (req->body_too_big)
		http_error(req, 413, "too_large", "The request body is too large.");
	else
		dispatch(req);
	return 0;
}

/* ---- responses ---------------------------------------------------------- */

void http_header(struct http_req *req, const char *name, const char *value)
{
	size_t nl = strlen(name) + 1, vl = strlen(value) + 1;

	if (req->hdrs_len + nl + vl > sizeof(req->hdrs)) {
		log_error("http: response headers overflow");
		return;
	}
	memcpy(req->hdrs + req->hdrs_len, name, nl);
	memcpy(req->hdrs + req->hdrs_len + nl, value, vl);
	req->hdrs_len += nl + vl;
}

void http_respond(struct http_req *req, int status, const char *ctype, char *body, size_t len)
{
	if (req->responded) {
		free(body);
		return;
	}
	req->responded = true;
	req->status = status;
	req->ctype = ctype;
	req->resp = body;
	req->resp_len = len;
	if (!req->wsi) {
		req_free(req);
		return;
	}
	lws_callback_on_writable(req->wsi);
}

void http_json(struct http_req *req, int status, json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT);

	json_decref(obj);
	if (!text)
		abort();
	http_respond(req, status, "application/json", text, strlen(text));
}

void http_error(struct http_req *req, int status, const char *code, const char *message)
{
	stats_tally_add(&req->srv->http_errors, code);
	http_json(req, status, json_pack("{s:{s:s, s:s}}", "error", "code", code,
					 "message", message));
}

static int add(struct lws *wsi, const char *name, const char *value, unsigned char **p,
	       unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
					   (const unsigned char *)value, (int)strlen(value), p, end);
}

static int add_security_headers(struct http_req *req, unsigned char **p, unsigned char *end)
{
	char csp[HTTP_FRAME_ORIGINS_MAX + sizeof(req->style_hashes) + sizeof(req->script_hashes) + 512];
	struct lws *wsi = req->wsi;

	/*
	 * A script or stylesheet is never a document: a policy, an opener or
	 * frame rule on it does nothing, and the ~370 bytes of them on each of
	 * the box's files cost a patron on a slow line more than a kilobyte.
	 */
	if (req->policy == POLICY_ASSET)
		return add(wsi, "x-content-type-options:", "nosniff", p, end) ||
				       add(wsi, "referrer-policy:", "same-origin", p, end) ||
				       (http_is_secure(req) &&
					add(wsi, "strict-transport-security:", "max-age=31536000", p, end))
			       ? -1
			       : 0;
	if (req->policy == POLICY_API)
		snprintf(csp, sizeof(csp), "%s", csp_api);
	else if (req->policy == POLICY_BLOB)
		/* No script, no loads; inline style only for the browser's own
		 * image viewer, which would otherwise log a violation. */
		snprintf(csp, sizeof(csp), "%s", "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
	else if (req->policy == POLICY_TRANSCRIPT) /* a downloaded transcript: no script, ever */
		snprintf(csp, sizeof(csp), "%s", "sandbox; default-src 'none'; img-src data:; "
			 "style-src 'unsafe-inline'; frame-ancestors 'none'");
	else if (req->policy == POLICY_BOX)
		snprintf(csp, sizeof(csp), "%s%s; style-src 'self'%s%s'self'%s%s", csp_page, req->script_hashes,
			 req->style_hashes, csp_page_tail,
			 req->frame_origins[0] ? " " : "", req->frame_origins);
	else
		snprintf(csp, sizeof(csp), "%s%s; style-src 'self'%s%s'none'", csp_page, req->script_hashes,
			 req->style_hashes, csp_page_tail);
	if (add(wsi, "content-security-policy:", csp, p, end) ||
	    add(wsi, "x-content-type-options:", "nosniff", p, end) ||
	    add(wsi, "referrer-policy:", "same-origin", p, end) ||
	    /* Pages open windows (the pop-up box, the sharing tool) and keep a handle on them. */
	    add(wsi, "cross-origin-opener-policy:",
		req->policy == POLICY_BOX ? "unsafe-none" :
		req->policy == POLICY_PAGE ? "same-origin-allow-popups" : "same-origin", p, end))
		return -1;
	if (req->policy != POLICY_BOX && add(wsi, "x-frame-options:", "DENY", p, end))
		return -1;
	if (req->policy == POLICY_API && add(wsi, "cache-control:", "no-store", p, end))
		return -1;
	if (http_is_secure(req) &&
	    add(wsi, "strict-transport-security:", "max-age=31536000", p, end))
		return -1;
	return 0;
}

static int write_headers(struct http_req *req)
{
	unsigned char buf[LWS_PRE + 8192], *start = buf + LWS_PRE, *p = start;
	unsigned char *end = buf + sizeof(buf) - 1;
	size_t off = 0;

	if (lws_add_http_common_headers(req->wsi, (unsigned int)req->status,
					req->ctype ? req->ctype : "text/plain",
					req->resp_len, &p, end) ||
	    add_security_headers(req, &p, end) ||
	    (req->close_after && add(req->wsi, "connection:", "close", &p, end)))
		return -1;
	while (off < req->hdrs_len) {
		const char *name = req->hdrs + off;
		const char *value = name + strlen(name) + 1;

		if (add(req->wsi, name, value, &p, end))
			return -1;
		off += strlen(name) + strlen(value) + 2;
	}
	if (lws_finalize_write_http_header(req->wsi, start, &p, end))
		return -1;
	req->headers_sent = true;
	return 0;
}

int http_writeable(struct pss *pss)
{
	struct http_req *req = pss->req;
	unsigned char buf[LWS_PRE + 16384];
	struct lws *wsi;
	size_t n;

	if (!req || !req->responded)
		return 0;
	wsi = req->wsi;
	if (!req->headers_sent) {
		if (write_headers(req))
			return -1;
		if (req->head_only) {
			req->resp_off = req->resp_len; /* the headers were all of it */
		} else if (req->resp_off < req->resp_len) {
			lws_callback_on_writable(wsi);
			return 0;
		}
	} else if (req->resp_off < req->resp_len) {
		n = req->resp_len - req->resp_off;
		if (n > sizeof(buf) - LWS_PRE)
			n = sizeof(buf) - LWS_PRE;
		memcpy(buf + LWS_PRE, req->resp + req->resp_off, n);
		req->resp_off += n;
		if (lws_write(wsi, buf + LWS_PRE, n, req->resp_off == req->resp_len ?
			      LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
			return -1;
		if (req->resp_off < req->resp_len) {
			lws_callback_on_writable(wsi);
			return 0;
		}
	}
	pss->req = NULL;
	if (req->close_after) {
		/*
		 * Closing while the client still sends would make the kernel reset
		 * the connection and lose our answer: drop the rest of the body
		 * for a few seconds at most, then hang up.
		 */
		bool done = req->body_complete || req->method != HTTP_POST;

		req_free(req);
		if (done)
			return -1;
		pss->linger = true;
		lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, 5);
		return 0;
	}
	req_free(req);
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* ---- origins and sessions -------------------------------------------------- */

bool http_is_secure(const struct http_req *req)
{
	return server_is_secure(req->srv);
}

bool http_origin_ok(struct http_req *req, const char *origin)
{
	return req->wsi && http_origin_allowed(req->srv, req->wsi, origin);
}

bool http_origin_allowed(struct server *srv, struct lws *wsi, const char *origin)
{
	char host[256], own[300];
	int i;

	if (srv->public_origin[0] && !strcmp(origin, srv->public_origin))
		return true;
	for (i = 0; i < srv->cfg->nallow_origins; i++)
		if (!strcmp(origin, srv->cfg->allow_origins[i]))
			return true;
	/*
	 * Behind a proxy, Host is the public host, and "http://" + Host would
	 * let a page on the public host over plain HTTP (anyone on the path
	 * before HSTS holds) drive a signed-in operator's browser.
	 */
	if (srv->public_origin[0])
		return false;
	if (lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) <= 0 &&
	    lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HTTP_COLON_AUTHORITY) <= 0)
		return false;
	snprintf(own, sizeof(own), "%s://%s", srv->cfg->tls_cert ? "https" : "http", host);
	return !strcmp(origin, own);
}

bool http_client_addr(struct server *srv, struct lws *wsi, char *out, size_t size)
{
	unsigned char bin[sizeof(struct in6_addr)];
	char *fwd, *last;
	int n;

	lws_get_peer_simple(wsi, out, size);
	if (!server_is_trusted_proxy(srv, out))
		return false;
	/*
	 * Only the last entry is the proxy's own word; earlier ones are what the
	 * client claimed, and may be long: the whole header is read, so padding
	 * cannot push the client back onto the proxy's address.  A proxy that
	 * sent none (or garbage) leaves its own address, so its clients share
	 * one budget rather than escape it.
	 */
	n = lws_hdr_total_length(wsi, WSI_TOKEN_X_FORWARDED_FOR);
	if (n <= 0)
		return true;
	fwd = xmalloc((size_t)n + 1);
	if (lws_hdr_copy(wsi, fwd, n + 1, WSI_TOKEN_X_FORWARDED_FOR) > 0) {
		last = strrchr(fwd, ',');
		last = last ? last + 1 : fwd;
		last += strspn(last, " \t");
		last[strcspn(last, " \t")] = '\0';
		if (strlen(last) < size && (inet_pton(AF_INET, last, bin) == 1 ||
					    inet_pton(AF_INET6, last, bin) == 1))
			memcpy(out, last, strlen(last) + 1);
	}
	free(fwd);
	return true;
}

/* Find `name`'s value in a Cookie header. */
static bool cookie_value(const char *header, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name), n;
	const char *p = header;

	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		if (!strncmp(p, name, nl) && p[nl] == '=') {
			p += nl + 1;
			n = strcspn(p, ";");
			if (n >= size)
				return false;
			memcpy(out, p, n);
			out[n] = '\0';
			return true;
		}
		p = strchr(p, ';');
	}
	return false;
}

int http_cookie_of(struct lws *wsi, const char *name, char *out, size_t size)
{
	char header[4096];

	if (lws_hdr_copy(wsi, header, sizeof(header), WSI_TOKEN_HTTP_COOKIE) <= 0 ||
	    !cookie_value(header, name, out, size))
		return -ENOENT;
	return 0;
}

int http_cookie(struct http_req *req, const char *name, char *out, size_t size)
{
	return req->wsi ? http_cookie_of(req->wsi, name, out, size) : -ENOENT;
}

void http_redirect(struct http_req *req, const char *location)
{
	http_header(req, "location:", location);
	req->policy = POLICY_PAGE;
	http_respond(req, 302, "text/plain", NULL, 0);
}
