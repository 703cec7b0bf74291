/*
 * desk.h - keeping the desk tidy and showing it (PROTOCOL.md §2.15): the
 * admin settings for idle operators, chats per operator and quiet chats;
 * the sweep that applies them once a second; and the board, every queue's
 * waiting guests and every operator's status and chats, for the account's
 * operators (`GET /api/board`, the page `/staff/board`).  The rules are
 * chat/tidiness.h's.  Loop thread only.
 */
#ifndef REFDESK_OPS_DESK_H
#define REFDESK_OPS_DESK_H

#include <stddef.h>
#include <stdio.h>

#include "net/http.h"

struct app;

extern const struct http_route desk_routes[];
extern const size_t desk_nroutes;

/*
 * Once a second: operators idle for their account's minutes go Away (and
 * are told, `status` with reason "idle"); active chats quiet for their
 * queue's minutes warn their followers (`chat.idle`), then end.
 */
void desk_ops_sweep(struct app *app);

/* Print the settings' ranges as `refdesk limits` lines. */
void desk_print_limits(FILE *out);

#endif
