/*
 * fake_lws.h - a stand-in for a libwebsockets connection, so the fuzz
 * harnesses can drive net/'s real HTTP and WebSocket code without sockets.
 *
 * fake_lws.c defines the handful of lws_*() functions that http.c and ws.c
 * call on a connection.  The harness executable's definitions take the
 * place of libwebsockets' own, so those calls land here: headers come from
 * the fake connection, writes are collected in it.  Nothing else of
 * libwebsockets runs (the app has no context: app->ctx stays NULL).
 */
#ifndef REFDESK_FUZZ_FAKE_LWS_H
#define REFDESK_FUZZ_FAKE_LWS_H

#include <stdbool.h>
#include <stddef.h>

#define FAKE_HEADERS 32

struct lws {
	/* request: lws' parsed tokens by index, and other ("custom") headers */
	char *token[128];
	char *custom_name[FAKE_HEADERS]; /* lower case, with the colon */
	char *custom_value[FAKE_HEADERS];
	int ncustom;
	/* a WebSocket (raw writes are then frames refdesk framed itself) */
	bool websocket;
	/* the WebSocket message piece being delivered */
	bool first, final, binary;
	size_t remaining;
	/* what the server did */
	int writable;            /* lws_callback_on_writable() calls not yet served */
	char *out;               /* every byte written, frames separated by '\n' */
	size_t out_len;
	int frames;
	int status;              /* HTTP status of the response headers */
	int close_code;
};

struct lws *fake_lws_new(void);
void fake_lws_free(struct lws *wsi);
/* Set a request header by name ("Content-Type"), known to lws or custom. */
void fake_lws_header(struct lws *wsi, const char *name, const char *value);
/* A request header's value, or NULL. */
const char *fake_lws_header_value(struct lws *wsi, const char *name);
/* Set the request line: method ("GET", "POST", …) and URI. */
void fake_lws_request(struct lws *wsi, const char *method, const char *uri);
/* Forget what was written so far. */
void fake_lws_clear_output(struct lws *wsi);

#endif
