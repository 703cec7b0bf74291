/*
 * world.h - a whole refdesk server in the fuzz harness's process, minus the
 * sockets: a data directory in /dev/shm (or $TMPDIR) with one account,
 * queue "ask" and an admin operator signed in with a known session, the
 * store, the writer thread, one worker and the media pipeline.
 *
 * The harnesses drive net/'s request and message intake on fake
 * connections (fake_lws.h) and call world_settle() to let every commit and
 * worker job finish and answer, as the event loop would.
 */
#ifndef REFDESK_FUZZ_WORLD_H
#define REFDESK_FUZZ_WORLD_H

#include <stdbool.h>
#include <stddef.h>

#include "ops/app.h"

struct conn;
struct lws;

/* The operator's session: a Cookie header value and its X-CSRF-Token. */
#define WORLD_COOKIE "refdesk_session=fuzzsession0123456789abcdefghijklmnopqrstuvwxyzAB"
#define WORLD_CSRF "fuzzcsrf0123456789abcdef"

/* The server, set up on first use.  Exits the process if it cannot start. */
struct app *world_app(void);
/* Its transport (no lws context: timers "at the end of the turn" run at once). */
struct server *world_server(void);
/* Is the server up (world_app() was called since the last reset)? */
bool world_started(void);
/* Start over with an empty database every so often, so state stays bounded. */
void world_maybe_reset(unsigned every);
/* Run the writer and the workers until nothing is pending. */
void world_settle(void);

/* Open a WebSocket: a guest, or (with the session cookie) the operator. */
struct conn *world_ws_open(bool operator);
/* Deliver one text message to `c` in `pieces` (1 or 2) fragments, then settle. */
void world_ws_send(struct conn *c, const char *text, size_t len, int pieces);
/* Write out everything queued for `c`; returns the frames ('\n'-separated) or "". */
const char *world_ws_flush(struct conn *c);
/* Close it as lws would (LWS_CALLBACK_CLOSED), then settle. */
void world_ws_close(struct conn *c);

/* Replace "$CHAT", "$TOKEN", "$BLOB", "$CSRF" and "$COOKIE" with the latest values
 * the server sent (or the world's own); returns a new string of *out_len bytes
 * (NUL-terminated too). */
char *world_substitute(const char *text, size_t len, size_t *out_len);
/* Remember "chat", "token" and "blob" values found in a server frame or answer. */
void world_learn(const char *frame);

#endif
