/*
 * routes.h - the route table: which handler answers which method and path
 * (PROTOCOL.md §2).  Loop thread only.
 */
#ifndef REFDESK_NET_ROUTES_H
#define REFDESK_NET_ROUTES_H

#include <stdio.h>

struct http_req;

/* Answer `req` (now or later). */
void routes_dispatch(struct http_req *req);

/*
 * Print the route table, one "METHOD PATTERN" line per route ('*' stands
 * for one path segment), from the very table routes_dispatch() walks: the
 * access-matrix test compares it with docs/SECURITY.md.
 */
void routes_print(FILE *out);

/* Extend a signed-in request's session if it is getting old. */
void routes_touch_session(struct http_req *req);

#endif
