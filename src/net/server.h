/*
 * server.h - run refdesk's HTTP + WebSocket server until SIGTERM/SIGINT.
 */
#ifndef REFDESK_NET_SERVER_H
#define REFDESK_NET_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERVER_MAX_ICE 8
#define SERVER_MAX_ORIGINS 32
#define SERVER_MAX_PROXIES 16

struct server_config {
	char host[256];           /* address to listen on */
	int port;
	const char *data_dir;
	const char *web_dir;
	const char *tls_cert;     /* PEM paths, or NULL for plain HTTP */
	const char *tls_key;
	const char *allow_origins[SERVER_MAX_ORIGINS]; /* extra origins for /ws and sign-in */
	int nallow_origins;
	const char *public_url;   /* what browsers type, behind a proxy; NULL: as reached */
	const char *trusted_proxies[SERVER_MAX_PROXIES]; /* addresses whose X-Forwarded-For counts */
	int ntrusted_proxies;
	bool demo;
	int max_conns_per_ip;     /* open connections per client address */
	double conn_rate;         /* new connections per second per address */
	double conn_burst;
	int header_timeout;       /* seconds to send the request headers */
	double msg_rate;          /* WebSocket messages per second per socket */
	double msg_burst;
	int session_hours;
	int abandon_secs;
	size_t max_image_bytes;   /* uploads */
	size_t max_file_bytes;
	uint64_t max_image_pixels;
	double upload_rate;       /* uploads per second per chat */
	double upload_burst;
	/* Screensharing: ICE servers handed to both browsers (share/ice.h). */
	const char *stun_urls[SERVER_MAX_ICE];
	int nstun_urls;
	const char *turn_urls[SERVER_MAX_ICE];
	int nturn_urls;
	const char *turn_secret;  /* coturn's static-auth-secret; NULL for none */
	int turn_ttl;             /* seconds a minted TURN credential lasts */
	bool ice_relay;           /* browsers use relayed candidates only */
	int share_invite_secs;    /* an unanswered invitation lasts this long */
	int share_frame_secs;     /* from the offer, the viewer's time to show a frame */
	double manage_grace_hours;   /* a chat's management link works this long after it ended */
};

/* Fill `cfg` with the defaults. */
void server_config_defaults(struct server_config *cfg);

/*
 * The origin ("scheme://host[:port]", lower case, no default port) of a
 * public URL such as "https://chat.library.example/" into `out`: 0, or
 * -EINVAL for anything but an http(s) URL with a host and at most "/" as
 * its path.
 */
int server_origin_of_url(const char *url, char *out, size_t size);

/* Is `addr` (text, as the peer's address is printed) one of --trusted-proxy? */
struct app;
struct lws;
bool server_is_trusted_proxy(const struct app *app, const char *addr);

/*
 * Count a connection that came through a trusted proxy against its client's
 * address (the per-address caps and rate): 0, or -EBUSY when over them.
 * Released with the connection.  Loop thread only.
 */
int server_limits_admit(struct app *app, struct lws *wsi, const char *client_addr);

/*
 * Start, serve until a signal, then stop cleanly: stop accepting, let the
 * writer commit what it holds and send those acks, close every WebSocket
 * with 1001, exit.  Returns 0, or a negative errno if it could not start.
 */
int server_run(const struct server_config *cfg);

#endif
