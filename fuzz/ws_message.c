/*
 * ws_message.c - fuzz the WebSocket protocol: the JSON envelope, dispatch
 * and every handler's field checks (ws.c, chat_ops.c), on a whole server
 * without sockets (lib/world.h).
 *
 * Input: lines, each one message.  The first character says who sends it:
 * 'G' or 'H' one of two guests, 'O' the signed-in operator; lower case
 * sends the same in two fragments; 'B' is guest G sending it as a binary
 * frame, 'Z' guest G announcing more than WS_FRAME_MAX for it.  "$CHAT" and "$TOKEN" stand for the
 * latest chat id and guest token the server handed out, so a corpus can
 * walk through start, accept, messages and end.  Every frame the server
 * sends back must be a JSON object with a "type" (else the run aborts).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fake_lws.h"
#include "lib/world.h"
#include "net/ws.h"

enum { GUEST_G, GUEST_H, OPERATOR_O, NCONNS };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A binary frame, or a message whose announced length is over the limit. */
static void send_odd(struct conn *c, const char *text, size_t len, bool binary)
{
	struct lws *wsi = c->wsi;

	wsi->binary = binary;
	wsi->first = true;
	wsi->final = binary;
	wsi->remaining = binary ? 0 : WS_FRAME_MAX;
	ws_receive(c, text, len);
	if (!binary) {
		wsi->first = false;
		wsi->final = true;
		wsi->remaining = 0;
		ws_receive(c, text, len);
	}
	wsi->binary = false;
	world_settle();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct conn *conns[NCONNS] = { NULL };
	int i, messages = 0;

	world_app();
	for (; p < end && messages < 64; p = nl + 1, messages++) {
		char who;
		size_t len;
		char *msg;
		int k;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (nl == p)
			continue;
		who = *p;
		k = who == 'B' || who == 'Z' ? GUEST_G :
		    toupper((unsigned char)who) == 'G' ? GUEST_G :
		    toupper((unsigned char)who) == 'H' ? GUEST_H :
		    toupper((unsigned char)who) == 'O' ? OPERATOR_O : -1;
		if (k < 0)
			continue;
		if (!conns[k])
			conns[k] = world_ws_open(k == OPERATOR_O);
		if (!world_ws_flush(conns[k])) {
			world_ws_close(conns[k]);
			conns[k] = NULL;
			continue;
		}
		msg = world_substitute(p + 1, (size_t)(nl - p - 1), &len);
		if (who == 'B' || who == 'Z')
			send_odd(conns[k], msg, len, who == 'B');
		else
			world_ws_send(conns[k], msg, len, islower((unsigned char)who) ? 2 : 1);
		free(msg);
		/* Every socket may have been sent something (offers, events, presence). */
		for (i = 0; i < NCONNS; i++) {
			if (conns[i] && !world_ws_flush(conns[i])) {
				world_ws_close(conns[i]);
				conns[i] = NULL;
			}
		}
	}
	for (i = 0; i < NCONNS; i++)
		if (conns[i])
			world_ws_close(conns[i]);
	world_maybe_reset(500);
	return 0;
}
