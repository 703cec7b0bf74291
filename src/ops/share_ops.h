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

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "ops/chat_ops.h"

/*
 * What screensharing hears of a chat (chat_ops.h): a client that left stops
 * a share it was part of; a chat that ends stops its share first; once a
 * second, invitations, acceptances and waits for the first frame that ran
 * out end.
 */
extern const struct chat_ops_listener share_ops_listener;

/*
 * With other nodes (bus_ops.h), a share runs in the node of the librarian
 * who invited: there its `struct share` lives, and the guest's socket, on
 * another node, is a stand-in client whose frames go back over the bus.
 * The guest's node passes what the guest's browser says about the share
 * there ("share.fwd") when its events say a share runs elsewhere; the
 * answers, the librarian's answer and candidates come back ("share.to");
 * a guest socket that closes is said ("share.gone").
 */
struct chat_live;
/* A share step another node stored (its event's body): does a share run there now? */
void share_ops_heard_step(struct chat_live *chat, const char *body);
/* Another node's share news: "share.fwd", "share.to" or "share.gone". */
void share_ops_heard(struct app *app, const char *kind, json_t *obj);
/* Once a second with other nodes: stand-ins that no share needs any more go. */
void share_ops_bus_sweep(struct app *app);
/* Stopping: every stand-in goes (the shares they were in stop). */
void share_ops_bus_stop(struct app *app);

#endif
