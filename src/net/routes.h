/*
 * routes.h - the route table: which handler answers which method and path
 * (PROTOCOL.md §2).  Loop thread only.
 */
#ifndef REFDESK_NET_ROUTES_H
#define REFDESK_NET_ROUTES_H

struct http_req;

/* Answer `req` (now or later). */
void routes_dispatch(struct http_req *req);

/* Extend a signed-in request's session if it is getting old. */
void routes_touch_session(struct http_req *req);

#endif
