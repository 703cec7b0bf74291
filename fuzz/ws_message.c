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
 * sends back must be a JSON object with a "type", and every message with
 * a valid "id" must be answered exactly once with that id (a "typing" or
 * a "share.ice" at most once), as PROTOCOL.md §3.2 promises; else the run aborts.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fake_lws.h"
#include "lib/world.h"
#include "base/util.h"
#include "net/ws.h"

enum { GUEST_G, GUEST_H, OPERATOR_O, NCONNS };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The id a message should be answered with, and whether it may go unanswered. */
static bool expected_id(const char *text, size_t len, char *id, size_t size, bool *optional)
{
	json_t *msg = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	const char *s = json_string_value(json_object_get(msg, "id"));
	const char *type = json_string_value(json_object_get(msg, "type"));
	bool ok = json_is_object(msg) && s && str_is_token(s, WS_ID_MAX, "_.:-");

	if (ok) {
		snprintf(id, size, "%s", s);
		*optional = type && (!strcmp(type, "typing") || !strcmp(type, "share.ice"));
	}
	json_decref(msg);
	return ok;
}

static int answers(const char *frames, const char *id)
{
	const char *p = frames, *nl;
	int n = 0;

	for (; *p; p = nl + 1) {
		json_t *obj;

		nl = strchr(p, '\n');
		if (!nl)
			break;
		obj = json_loadb(p, (size_t)(nl - p), 0, NULL);
		if (json_is_string(json_object_get(obj, "id")) &&
		    !strcmp(json_string_value(json_object_get(obj, "id")), id))
			n++;
		json_decref(obj);
	}
	return n;
}

static void check_answered(const char *text, size_t len, const char *frames)
{
	char id[WS_ID_MAX + 1];
	bool optional = false;
	int n;

	if (!frames || !expected_id(text, len, id, sizeof(id), &optional))
		return; /* closed, or no id to answer with */
	n = answers(frames, id);
	if (n > 1 || (n == 0 && !optional)) {
		fprintf(stderr, "ws_message: message \"%s\" was answered %d times\n", id, n);
		abort();
	}
}

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
		if (who == 'B' || who == 'Z') {
			send_odd(conns[k], msg, len, who == 'B');
		} else {
			const char *frames;

			world_ws_send(conns[k], msg, len, islower((unsigned char)who) ? 2 : 1);
			frames = world_ws_flush(conns[k]);
			check_answered(msg, len, frames);
			if (!frames) {
				world_ws_close(conns[k]);
				conns[k] = NULL;
			}
		}
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
