/*
 * server.h - the transport: one libwebsockets context serving HTTP and the
 * WebSocket at /ws on one port, per-address connection limits, and the run
 * loop with its orderly shutdown.
 *
 * net/ knows nothing of chats, sessions or the store.  The application
 * (ops/) hands it, before it runs:
 *   - route tables (http.h: method, pattern, who may call, handlers) and
 *     WebSocket message tables (ws.h: type, which roles may send it);
 *   - hooks: a socket opened, drained its outbox, closed; a caller check for
 *     routes that name one; a wake-up from another thread; "still busy?"
 *     while stopping.
 * Every hook gets the `app` pointer given here back; net/ never looks into it.
 *
 * Loop thread only, except server_wake().
 */
#ifndef REFDESK_NET_SERVER_H
#define REFDESK_NET_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/map.h"
#include "base/stats.h"

#define SERVER_MAX_ORIGINS 32
#define SERVER_MAX_PROXIES 16
#define SERVER_MAX_TABLES 16
/* The most lws hands the socket in one send() (its protocol's tx_packet_size). */
#define SERVER_SEND_MAX 16384

struct conn;
struct http_req;
struct http_route;
struct ws_message;
struct lws;
struct lws_context;

struct server_config {
	char host[256];           /* address to listen on */
	int port;
	const char *web_dir;
	const char *web_min_dir;  /* minified copies of web_dir's scripts and styles (static.c), or NULL */
	bool web_min_given;       /* --web-min was given: --web leaves it as it is */
	const char *tls_cert;     /* PEM paths, or NULL for plain HTTP */
	const char *tls_key;
	const char *allow_origins[SERVER_MAX_ORIGINS]; /* extra origins for /ws and sign-in */
	int nallow_origins;
	const char *public_url;   /* what browsers type, behind a proxy; NULL: as reached */
	const char *trusted_proxies[SERVER_MAX_PROXIES]; /* addresses whose X-Forwarded-For counts */
	int ntrusted_proxies;
	int max_conns_per_ip;     /* open connections per client address */
	double conn_rate;         /* new connections per second per address */
	double conn_burst;
	int header_timeout;       /* seconds to send the request headers */
	double msg_rate;          /* WebSocket messages per second per socket */
	double msg_burst;
	int ping_secs;            /* ping a WebSocket silent this long */
	int idle_close_secs;      /* drop one silent this long (no answer to the ping) */
};

struct server_hooks {
	/* Another thread called server_wake(): collect its finished work. */
	void (*wake)(void *app);
	/* While stopping: is work still pending whose answers must go out first? */
	bool (*busy)(void *app);
	/* A WebSocket opened: give it a role (conn_set_role) and a user pointer,
	 * or close it.  Then: its outbox drained a little; it closed. */
	void (*ws_open)(void *app, struct conn *c);
	void (*ws_drained)(void *app, struct conn *c);
	void (*ws_closed)(void *app, struct conn *c);
	/* A route with `access` other than 0 was matched: check its caller.  0
	 * to go on, or a negative errno after answering the request. */
	int (*http_access)(void *app, struct http_req *req, unsigned access);
	/* A request is being freed: release what the application hung on it. */
	void (*http_release)(void *app, struct http_req *req);
};

struct ev_loop;

struct server {
	const struct server_config *cfg;
	const struct server_hooks *hooks;
	void *app;
	struct lws_context *ctx;
	struct ev_loop *loop;   /* the libev loop lws runs in; NULL: lws' own poll() */
	const struct http_route *routes[SERVER_MAX_TABLES];
	size_t nroutes[SERVER_MAX_TABLES];
	int nroute_tables;
	const struct ws_message *messages[SERVER_MAX_TABLES];
	size_t nmessages[SERVER_MAX_TABLES];
	int nmessage_tables;
	struct conn *conns;     /* every WebSocket, doubly linked */
	unsigned long nconns;
	struct map ip_conns;    /* address key -> open connections (as uintptr_t) */
	struct map ip_rate;     /* address key -> struct rate * (new connections) */
	struct map wsi_addr;    /* accepted wsi -> its address key */
	int64_t limits_swept_ms;
	struct server_timer *quiet_timer; /* ws_sweep_quiet() every few seconds */
	bool stopping;
	char public_origin[300];  /* from --public-url; "" without one */
	char trusted_proxies[SERVER_MAX_PROXIES][64]; /* normalised addresses */
	int ntrusted_proxies;
	/* Refusals the transport sent, by wire code (for /metrics). */
	struct stats_tally http_errors; /* every http_error() and error page */
	struct stats_tally ws_errors;   /* conn_error() and refused upgrades */
};

/* Fill `cfg` with the defaults. */
void server_config_defaults(struct server_config *cfg);

/*
 * Listen as `cfg` says (the context exists from here on, but nothing is
 * served until server_run()).  0, or a negative errno after logging why.
 */
int server_init(struct server *srv, const struct server_config *cfg,
		const struct server_hooks *hooks, void *app);
/* Add a route table or a message table (kept, not copied); earlier tables match first. */
void server_add_routes(struct server *srv, const struct http_route *table, size_t n);
void server_add_messages(struct server *srv, const struct ws_message *table, size_t n);
/*
 * Serve until SIGTERM/SIGINT, then stop cleanly: stop taking new work, run
 * the loop while hooks->busy() says answers are still due, close every
 * WebSocket with 1001.  Returns 0.
 */
int server_run(struct server *srv);
/* Destroy the context and free what the transport holds. */
void server_release(struct server *srv);

/* Any thread: wake the loop; hooks->wake runs on it soon. */
void server_wake(struct server *srv);

/* Is the server stopping (new work is refused)? */
bool server_stopping(const struct server *srv);

/*
 * A callback run by the loop after a delay (0: at the end of this turn).
 * Setting it again before it ran moves it.  Loop thread only.
 */
struct server_timer;
struct server_timer *server_timer_new(struct server *srv, void (*fn)(void *arg), void *arg);
void server_timer_set(struct server_timer *t, int64_t usecs);
void server_timer_free(struct server_timer *t);

/*
 * The origin ("scheme://host[:port]", lower case, no default port) of a
 * public URL such as "https://chat.library.example/" into `out`: 0, or
 * -EINVAL for anything but an http(s) URL with a host and at most "/" as
 * its path.
 */
int server_origin_of_url(const char *url, char *out, size_t size);

/* Do browsers reach us over HTTPS (our own TLS, or a proxy's per --public-url)? */
bool server_is_secure(const struct server *srv);

/* Is `addr` (text, as the peer's address is printed) one of --trusted-proxy? */
bool server_is_trusted_proxy(const struct server *srv, const char *addr);

/*
 * The key per-address limits count `client_addr` (text) under: an IPv4
 * address, or an IPv6 address's /64 (an IPv4-mapped one is its IPv4), so a
 * host that spreads over its /64 is still one client.
 */
uint64_t server_addr_key(const char *client_addr);

/*
 * Count a connection that came through a trusted proxy against its client's
 * address (the per-address caps and rate): 0, or -EBUSY when over them.
 * Released with the connection.
 */
int server_limits_admit(struct server *srv, struct lws *wsi, const char *client_addr);

/*
 * Print the transport's limits as `refdesk limits` lines (base/util.h
 * limit_print()): the buffers, timeouts and rates it enforces, with the
 * configurable ones as `cfg` has them.
 */
void server_print_limits(FILE *out, const struct server_config *cfg);

/*
 * Open WebSockets: their number, and in by_role[r] (nroles entries) how many
 * have role r (conn_set_role).  Walks the sockets: for a scrape, not for
 * every message.
 */
unsigned long server_count_sockets(const struct server *srv, unsigned long *by_role, size_t nroles);

/* Print every route and message type: "METHOD PATTERN" and "WS TYPE [role]..."
 * lines, role names from `roles` by bit. */
void server_print_tables(const struct server *srv, FILE *out, const char *const *roles,
			 size_t nroles);

#endif
