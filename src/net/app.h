/*
 * app.h - the server's shared state, owned by the loop thread.
 *
 * One `struct app` per process.  The lws callbacks reach it through
 * lws_context_user(); writer and worker callbacks carry a pointer to it.
 * Everything here is touched on the loop thread only, except where a
 * comment says otherwise.
 */
#ifndef REFDESK_NET_APP_H
#define REFDESK_NET_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "base/map.h"
#include "base/rate.h"
#include "chat/domain.h"
#include "net/server.h"

struct lws_context;
struct lws;
struct store;
struct writer;
struct workq;
struct conn;

struct app {
	const struct server_config *cfg;
	struct lws_context *ctx;
	struct store *st;       /* reads, on the loop thread */
	struct writer *writer;  /* every write */
	struct workq *workq;    /* password hashing */
	struct domain dom;
	struct conn *conns;     /* every WebSocket, doubly linked */
	unsigned long nconns;
	struct map ip_conns;    /* address key -> open connections (as uintptr_t) */
	struct map ip_rate;     /* address key -> struct rate * (new connections) */
	struct map wsi_addr;    /* accepted wsi -> its address key */
	struct map upload_rate; /* chat key -> struct rate * (uploads) */
	struct map signin_ip;   /* address key -> struct window * (sign-in attempts) */
	struct map signin_user; /* username key -> struct window * (failed sign-ins) */
	int64_t limits_swept_ms;
	bool flush_scheduled;
	bool stopping;
	char public_origin[300];  /* from --public-url; "" without one */
	char trusted_proxies[SERVER_MAX_PROXIES][64]; /* normalised addresses */
	int ntrusted_proxies;
	unsigned long hashes_running;
	size_t upload_bytes;    /* upload bodies allocated now */
	int64_t last_chat_id;   /* the newest chat's internal id */
};

/* Loop thread: the writer's batch ends with this turn of the loop. */
void app_flush_soon(struct app *app);

/* Loop thread: submit a write; it is handed to the writer at the end of the turn. */
struct store_op;
void app_submit(struct app *app, struct store_op *op);

/* A stable 64-bit key for a string such as a username (not secret). */
uint64_t app_key(const char *s, size_t len);

#endif
