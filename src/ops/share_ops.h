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

/*
 * What screensharing hears of a chat (chat_ops.h): a client that left stops
 * a share it was part of; a chat that ends stops its share first; once a
 * second, invitations, acceptances and waits for the first frame that ran
 * out end.
 */
extern const struct chat_ops_listener share_ops_listener;

#endif
