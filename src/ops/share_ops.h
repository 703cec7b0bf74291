/*
 * share_ops.h - the screensharing messages of the WebSocket protocol
 * (PROTOCOL.md §3.7): invitation, consent, signaling, stop.  The rules are
 * share/share.h's; this file reads the messages, applies the rules to the
 * chat's `struct share`, records each step in the chat's log and passes
 * offers, answers and ICE candidates between the guest's browser and the
 * operator's viewer.  The media never touches the server.  Loop thread only.
 */
#ifndef REFDESK_OPS_SHARE_OPS_H
#define REFDESK_OPS_SHARE_OPS_H

#include <stdint.h>
#include <stdio.h>

#include "ops/chat_ops.h"

/* A socket that follows `chat` closed: a share it was part of stops. */
void share_ops_conn_closed(struct app *app, struct client *c, struct chat_live *chat);
/* The chat is about to end (`by` guest, operator or system): its share stops first. */
void share_ops_chat_ending(struct app *app, struct chat_live *chat, const char *by);
/* Once a second per live chat (and before an invitation): invitations,
 * acceptances and waits for the first frame that ran out. */
void share_ops_sweep(struct app *app, struct chat_live *chat, int64_t now_mono);

#endif
