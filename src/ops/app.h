/*
 * app.h - the application: what refdesk does with a request or a message,
 * and the state it keeps, owned by the loop thread.
 *
 * One `struct app` per process, built by main.c (the store, the writer,
 * the workers, the media pipeline) and handed to the transport (net/) as
 * the pointer every hook gets back.  The operations, one file per section
 * of docs/PROTOCOL.md, each export their table; app.c registers them.
 * Writer and worker callbacks carry a pointer to the app.  Everything here
 * is touched on the loop thread only, except where a comment says otherwise.
 */
#ifndef REFDESK_OPS_APP_H
#define REFDESK_OPS_APP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/map.h"
#include "chat/blocks.h"
#include "chat/domain.h"
#include "net/http.h"
#include "ops/metrics.h"

#define APP_MAX_ICE 8

struct server;
struct server_timer;
struct store;
struct store_op;
struct writer;
struct workq;
struct client;
struct chat_ops_listener;
struct purge;
struct followups_state;
struct xmpp_ops;
struct bus;

struct app_config {
	const char *data_dir;
	const char *store_url;    /* a PostgreSQL URL; NULL: SQLite under data_dir */
	const char *bus_url;      /* nats://… to the other nodes (bus_ops.h); NULL: this one alone */
	bool demo;
	int session_hours;
	int abandon_secs;
	int transfer_timeout_secs; /* a transfer nobody answers goes back after this */
	int tidy_minute_secs;     /* a "minute" of the idle settings (chat/tidiness.h); tests shorten it */
	size_t max_image_bytes;   /* uploads */
	size_t max_file_bytes;
	uint64_t max_image_pixels;
	double upload_rate;       /* uploads per second per chat */
	double upload_burst;
	/* Screensharing: ICE servers handed to both browsers (share/ice.h). */
	const char *stun_urls[APP_MAX_ICE];
	int nstun_urls;
	const char *turn_urls[APP_MAX_ICE];
	int nturn_urls;
	const char *turn_secret;  /* coturn's static-auth-secret; NULL for none */
	int turn_ttl;             /* seconds a minted TURN credential lasts */
	bool ice_relay;           /* browsers use relayed candidates only */
	int share_invite_secs;    /* an unanswered invitation lasts this long */
	int share_frame_secs;     /* from the offer, the viewer's time to show a frame */
	double manage_grace_hours;   /* a chat's management link works this long after it ended */
	int workers;              /* threads hashing passwords and taking in images */
	const char *metrics_token_file; /* /metrics needs the token in it; NULL: loopback only */
	int purge_interval_secs;  /* between two runs of the retention purge */
	int staff_room_keep_secs; /* the staff room keeps a message this long (staff_ops.h) */
	/* Mail for follow-ups and Email transcript (followups.h); NULL url: no mail. */
	const char *smtp_url;
	const char *smtp_user;
	const char *smtp_password_file;
	const char *smtp_from;
	const char *smtp_ca_file;
	int smtp_attempts;        /* tries of one mail before "not delivered" */
	int smtp_retry_secs;      /* the first retry's delay; doubled each time */
	int followup_keep_days;   /* an unanswered follow-up's address is erased after this */
	/* Librarians on XMPP (xmpp_ops.c); no link while xmpp_domain is NULL. */
	const char *xmpp_domain;
	char xmpp_host[256];
	int xmpp_port;
	const char *xmpp_secret_file;
	bool xmpp_allow_remote;
	int block_hour_secs;      /* one hour of Block guest, in seconds (3600; shorter for tests) */
};

struct app {
	const struct app_config *cfg;
	struct server *srv;
	struct store *st;       /* reads, on the loop thread */
	struct writer *writer;  /* every write */
	struct workq *workq;    /* password hashing, images */
	struct domain dom;
	struct client *clients; /* every client, doubly linked */
	const struct chat_ops_listener *chat_listener; /* screensharing (share_ops.c) */
	struct map upload_rate; /* chat key -> struct rate * (uploads) */
	struct map signin_ip;   /* address key -> struct window * (sign-in attempts; per process) */
	struct map signin_pending; /* username key -> sign-ins being checked, as (uintptr_t) */
	struct server_timer *flush_timer;
	struct server_timer *sweep_timer;
	int64_t limits_swept_ms;
	bool flush_scheduled;
	/* The shared duties (store_duties_hold()): this process runs them; checked every
	 * APP_DUTIES_CHECK_MS; the XMPP link, once, when they are first this process's. */
	bool duties, duties_known;
	int64_t duties_checked_ms;
	bool xmpp_started;
	unsigned long hashes_running;
	size_t upload_bytes;    /* upload bodies allocated now */
	int64_t last_chat_id;   /* the newest chat's internal id */
	unsigned chat_id_salt;  /* chat_next_id()'s, random with a shared store */
	struct metrics metrics; /* what /metrics reports (metrics.h) */
	struct purge *purge;    /* the retention purge (retention.c) */
	struct followups_state *followups; /* follow-ups and their mail (followups.c) */
	struct xmpp_ops *xmpp;  /* the XMPP door, or NULL (xmpp_ops.h) */
	struct bus *bus;        /* the other nodes, or NULL (bus_ops.h) */
	struct map bus_nodes;   /* node key -> what it last said of its librarians (bus_ops.c) */
	int64_t bus_avail_told_ms;
	struct map share_guests; /* stand-ins for guests on other nodes in a share here (share_ops.c) */
	struct blocks blocks;   /* blocked guests' keyed address hashes (chat/blocks.h) */
};

/* The app a request is for (the transport holds it as an opaque pointer). */
static inline struct app *req_app(const struct http_req *req)
{
	return req->app;
}

/* Fill `cfg` with the defaults. */
void app_config_defaults(struct app_config *cfg);

/* Where the database is: the store URL, or else the data directory (store_open()). */
const char *app_store_where(const struct app_config *cfg);

/*
 * Open the store (app_store_where()), start the writer and the workers, and
 * register every route and message table with `srv` (already listening).
 * 0, or a negative errno after logging why (nothing to release then).
 */
int app_init(struct app *app, const struct app_config *cfg, struct server *srv);
/* The hooks net/ calls; their `app` is a struct app. */
extern const struct server_hooks app_hooks;
/* After the server released its sockets: commit what is left, free everything. */
void app_release(struct app *app);

/*
 * Print every HTTP route and WebSocket message type, one "METHOD PATTERN"
 * or "WS TYPE [guest] [operator]" line each, from the very tables the
 * server walks: the access-matrix test compares them with docs/SECURITY.md.
 */
void app_print_tables(FILE *out);

/*
 * Print the application's limits as `refdesk limits` lines (base/util.h
 * limit_print()), from the very constants the operations use and `cfg`'s
 * values; main.c prints the transport's beside them.
 */
void app_print_limits(FILE *out, const struct app_config *cfg);

/* Loop thread: the writer's batch ends with this turn of the loop. */
void app_flush_soon(struct app *app);

/* Loop thread: submit a write; it is handed to the writer at the end of the turn. */
void app_submit(struct app *app, struct store_op *op);

/*
 * Loop thread: does this process run the shared duties (the retention
 * purge, the follow-up outbox, the XMPP link)?  Always with SQLite; with
 * PostgreSQL, one process of those on the database at a time, another
 * taking them over within seconds when it ends (store_duties_hold()).
 */
bool app_runs_duties(const struct app *app);

#endif
