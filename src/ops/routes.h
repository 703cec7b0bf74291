/*
 * routes.h - the operations' tables, one per section of docs/PROTOCOL.md,
 * which app.c hands to the transport: HTTP routes (§2) and WebSocket
 * message types (§3).  Loop thread only.
 */
#ifndef REFDESK_OPS_ROUTES_H
#define REFDESK_OPS_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "net/http.h"
#include "net/ws.h"

struct http_req;
struct http_route;
struct ws_message;

/* §2.2 sign-in (sessions.c) */
extern const struct http_route sessions_routes[];
extern const size_t sessions_nroutes;
/* §2.3 public, §2.4 pages and files (pages.c) */
extern const struct http_route pages_routes[];
extern const size_t pages_nroutes;
/*
 * A staff page (web/RELPATH) in the reader's language, with its catalogue
 * and the staff catalogue inside (pages.c).
 */
void pages_staff_page(struct http_req *req, const char *relpath);
/* §2.5 administration (admin.c) */
extern const struct http_route admin_routes[];
extern const size_t admin_nroutes;
/* §2.6 snapshots and files (uploads.c) */
extern const struct http_route uploads_routes[];
extern const size_t uploads_nroutes;
/* §2.7 Chat History and the chat management page (history.c) */
extern const struct http_route history_routes[];
extern const size_t history_nroutes;
/* §2.8 saved replies (canned.c) */
extern const struct http_route canned_routes[];
extern const size_t canned_nroutes;
/* §2.8 canned snapshots (canned_snapshots.c) */
extern const struct http_route canned_snapshots_routes[];
extern const size_t canned_snapshots_nroutes;
/* §2.14 blocked guests (blocks.c) */
extern const struct http_route blocks_routes[];
extern const size_t blocks_nroutes;
/* §2.9 metrics, for the people who run the server (metrics.c) */
extern const struct http_route metrics_routes[];
extern const size_t metrics_nroutes;
/* §2.10 follow-ups and Email transcript (followups.c) */
extern const struct http_route followups_routes[];
extern const size_t followups_nroutes;
/* §2.11 reports (reports.c) */
extern const struct http_route reports_routes[];
extern const size_t reports_nroutes;
/* §2.12 librarians on XMPP: linking an address (xmpp_operators.c) */
extern const struct http_route xmpp_routes[];
extern const size_t xmpp_nroutes;
/* §2.13 the survey at the end of a chat (survey.c) */
extern const struct http_route survey_routes[];
extern const size_t survey_nroutes;
/* §3.3-3.5 chats (chat_ops.c) */
extern const struct ws_message chat_messages[];
extern const size_t chat_nmessages;
/* §3.10 staff notes and the staff room (staff_ops.c) */
extern const struct ws_message staff_messages[];
extern const size_t staff_nmessages;
/* §3.8 screensharing (share_ops.c) */
extern const struct ws_message share_messages[];
extern const size_t share_nmessages;

/* Print sign-in's and Chat History's limits as `refdesk limits` lines. */
void sessions_print_limits(FILE *out);
void history_print_limits(FILE *out);
void canned_print_limits(FILE *out);
void canned_snapshots_print_limits(FILE *out);
void blocks_print_limits(FILE *out);
/* Is `s` a saved reply's (or canned snapshot's) name: 1-40 characters on one clean line? */
bool canned_name_is_valid(const char *s);
void reports_print_limits(FILE *out);

/* Extend a signed-in request's session if it is getting old (sessions.c). */
void routes_touch_session(struct http_req *req);

#endif
