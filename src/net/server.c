/*
 * server.c - see server.h.  The lws context, the one protocol callback that
 * dispatches every reason to http.c or ws.c, per-address connection limits,
 * timers, and the run loop with its orderly shutdown.
 *
 * One protocol serves both roles: plain HTTP requests and the WebSocket at
 * /ws.  Its per-session data is two pointers (struct pss), and its receive
 * buffer is small, because lws allocates both for every connection.
 */
#include "net/server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ev.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/rate.h"
#include "base/util.h"
#include "net/http.h"
#include "net/ws.h"

/*
 * lws gives every WebSocket its own receive buffer of this size: 1 KiB keeps
 * an idle guest socket at ~2.7 KiB of server memory (4 KiB made it 5.7).
 * Larger messages arrive in pieces and are joined in ws.c.
 */
#define RX_BUFFER 1024
/*
 * SERVER_SEND_MAX, lws' tx_packet_size: left at 0 it would be the receive
 * buffer, and a 16 KiB response chunk would go out as 16 sends with lws
 * buffering the rest each time.  A limit, not a buffer: it costs no memory
 * per connection.
 */
#define SHUTDOWN_MS 5000
#define KEEPALIVE_SECS 60
#define HEADER_BYTES 8192 /* all of a request's headers together */

/*
 * TLS: 1.2 and 1.3 only.  For 1.2, ECDHE key exchange (forward secrecy) with
 * AEAD ciphers only — no static-RSA key exchange and no CBC (LUCKY13); the
 * server's order wins.  TLS 1.3's own suites are all AEAD and stay as they are.
 */
static const char tls12_ciphers[] =
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

static volatile sig_atomic_t stop_signal;
static struct lws_context *signal_ctx;

/*
 * Per-address connection counts.  lws tells us the peer's address when it
 * accepts a socket (FILTER_NETWORK_CONNECTION) and creates that socket's
 * wsi right after (WSI_CREATE), on the same thread, before anything else
 * happens; so the accepted address waits in `accepted_key` for the wsi,
 * and `srv->wsi_addr` maps each wsi to its address until WSI_DESTROY.
 */
static uint64_t accepted_key;

void server_config_defaults(struct server_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->host, sizeof(cfg->host), "%s", "127.0.0.1");
	cfg->port = 8080;
	cfg->web_dir = "web";
	cfg->web_min_dir = "build/web-min"; /* where `make` writes them; dropped by --web */
	cfg->max_conns_per_ip = 256;
	cfg->conn_rate = 64;
	cfg->conn_burst = 128;
	cfg->header_timeout = 10;
	cfg->msg_rate = 20;
	cfg->msg_burst = 40;
	cfg->ping_secs = 30;
	cfg->idle_close_secs = 75;
}

/* ---- timers and wake-ups ------------------------------------------------------ */

struct server_timer {
	lws_sorted_usec_list_t sul; /* first: the callback gets its address */
	struct server *srv;
	void (*fn)(void *arg);
	void *arg;
};

static void timer_cb(lws_sorted_usec_list_t *sul)
{
	struct server_timer *t = (struct server_timer *)(void *)sul;

	t->fn(t->arg);
}

struct server_timer *server_timer_new(struct server *srv, void (*fn)(void *arg), void *arg)
{
	struct server_timer *t = xcalloc(1, sizeof(*t));

	t->srv = srv;
	t->fn = fn;
	t->arg = arg;
	return t;
}

void server_timer_set(struct server_timer *t, int64_t usecs)
{
	if (!t->srv->ctx) {
		/* Past the loop (exiting): "at the end of this turn" is now; later is never. */
		if (!usecs)
			t->fn(t->arg);
		return;
	}
	lws_sul_schedule(t->srv->ctx, 0, &t->sul, timer_cb, usecs);
}

void server_timer_free(struct server_timer *t)
{
	if (!t)
		return;
	if (t->srv->ctx)
		lws_sul_cancel(&t->sul);
	free(t);
}

/* Any thread: wake the loop.  The context pointer is read atomically, and
 * cleared before the context is destroyed. */
void server_wake(struct server *srv)
{
	struct lws_context *ctx = __atomic_load_n(&srv->ctx, __ATOMIC_ACQUIRE);

	if (ctx)
		lws_cancel_service(ctx);
}

bool server_stopping(const struct server *srv)
{
	return srv->stopping;
}

bool server_is_secure(const struct server *srv)
{
	return srv->cfg->tls_cert || !strncmp(srv->public_origin, "https:", 6);
}

void server_add_routes(struct server *srv, const struct http_route *table, size_t n)
{
	if (srv->nroute_tables == SERVER_MAX_TABLES)
		abort(); /* a programming error: raise SERVER_MAX_TABLES */
	srv->routes[srv->nroute_tables] = table;
	srv->nroutes[srv->nroute_tables++] = n;
}

void server_add_messages(struct server *srv, const struct ws_message *table, size_t n)
{
	if (srv->nmessage_tables == SERVER_MAX_TABLES)
		abort();
	srv->messages[srv->nmessage_tables] = table;
	srv->nmessages[srv->nmessage_tables++] = n;
}

void server_print_tables(const struct server *srv, FILE *out, const char *const *roles,
			 size_t nroles)
{
	size_t i, r;
	int t;

	for (t = 0; t < srv->nroute_tables; t++)
		for (i = 0; i < srv->nroutes[t]; i++)
			fprintf(out, "%s %s\n", srv->routes[t][i].method == HTTP_POST ? "POST" : "GET",
				srv->routes[t][i].pattern);
	for (t = 0; t < srv->nmessage_tables; t++) {
		for (i = 0; i < srv->nmessages[t]; i++) {
			fprintf(out, "WS %s", srv->messages[t][i].type);
			for (r = 0; r < nroles; r++)
				if (srv->messages[t][i].roles & (1u << r))
					fprintf(out, " %s", roles[r]);
			fputc('\n', out);
		}
	}
}

void server_print_limits(FILE *out, const struct server_config *cfg)
{
	limit_print(out, "rx_buffer", RX_BUFFER, "bytes", "lws receive buffer of each connection");
	limit_print(out, "tx_packet", SERVER_SEND_MAX, "bytes", "most bytes handed to one send()");
	limit_print(out, "http_header_bytes", HEADER_BYTES, "bytes", "a request's headers together");
	limit_print(out, "http_body_max", HTTP_BODY_MAX, "bytes", "a JSON request body");
	limit_print(out, "http_query_arg_max", HTTP_ARG_MAX, "bytes", "one decoded query argument");
	http_static_print_limits(out);
	limit_print(out, "keepalive_secs", KEEPALIVE_SECS, "s", "an idle HTTP/1.1 connection is kept");
	limit_print(out, "header_timeout", cfg->header_timeout, "s",
		    "time to send the request headers (--header-timeout)");
	ws_print_limits(out);
	limit_print(out, "ws_ping_secs", cfg->ping_secs, "s",
		    "silence before the server pings a socket (--ping-secs)");
	limit_print(out, "ws_hangup_secs", cfg->idle_close_secs, "s",
		    "silence before the server closes a socket (--idle-close-secs)");
	limit_print(out, "msg_rate", cfg->msg_rate, "per_s", "WebSocket messages per socket (--msg-rate)");
	limit_print(out, "msg_burst", cfg->msg_burst, "messages", "burst of messages per socket (--msg-burst)");
	limit_print(out, "max_conns_per_ip", cfg->max_conns_per_ip, "connections",
		    "open connections per client address (--max-conns-per-ip)");
	limit_print(out, "conn_rate", cfg->conn_rate, "per_s",
		    "new connections per client address (--conn-rate)");
	limit_print(out, "conn_burst", cfg->conn_burst, "connections",
		    "burst of new connections per client address (--conn-burst)");
	limit_print(out, "rate_forget_secs", RATE_FORGET_MS / 1000, "s",
		    "an idle per-address or per-chat rate limit is forgotten");
	limit_print(out, "allow_origins_max", SERVER_MAX_ORIGINS, "origins", "--allow-origin options");
	limit_print(out, "trusted_proxies_max", SERVER_MAX_PROXIES, "addresses", "--trusted-proxy options");
	limit_print(out, "shutdown_secs", SHUTDOWN_MS / 1000.0, "s",
		    "at stop: to finish pending work, then again to close the sockets");
}

/* ---- per-address limits ----------------------------------------------------------- */

static uint64_t addr_key(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		return str_key((const char *)&in->sin_addr, sizeof(in->sin_addr));
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		/* One /64 is one client: it is what a single host can spread over. */
		return str_key((const char *)&in6->sin6_addr, 8);
	}
	return 1;
}

static bool is_proxy_sockaddr(const struct server *srv, const struct sockaddr_storage *ss)
{
	char text[64];
	const void *bin = ss->ss_family == AF_INET ? (const void *)&((const struct sockaddr_in *)(const void *)ss)->sin_addr
			  : (const void *)&((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr;

	if (!srv->ntrusted_proxies || (ss->ss_family != AF_INET && ss->ss_family != AF_INET6))
		return false;
	return inet_ntop(ss->ss_family, bin, text, sizeof(text)) &&
	       server_is_trusted_proxy(srv, text);
}

/* Take one new connection from `key`'s budget: true, or false when over it. */
static bool limits_admit_key(struct server *srv, uint64_t key)
{
	uintptr_t open = (uintptr_t)map_get(&srv->ip_conns, key);
	struct rate *r = map_get(&srv->ip_rate, key);

	if (!r) {
		r = xmalloc(sizeof(*r));
		rate_init(r, srv->cfg->conn_burst);
		map_put(&srv->ip_rate, key, r);
	}
	if (!rate_take(r, time_mono_ms(), srv->cfg->conn_rate, srv->cfg->conn_burst) ||
	    open >= (uintptr_t)srv->cfg->max_conns_per_ip)
		return false;
	map_put(&srv->ip_conns, key, (void *)(open + 1));
	return true;
}

static int limits_accept(struct server *srv, const struct lws_filter_network_conn_args *a)
{
	uint64_t key = addr_key(&a->cli_addr);

	accepted_key = 0;
	/* A proxy speaks for many clients: their WebSockets are counted by
	 * forwarded address instead (server_limits_admit). */
	if (is_proxy_sockaddr(srv, &a->cli_addr))
		return 0;
	if (!limits_admit_key(srv, key))
		return 1;
	accepted_key = key;
	return 0;
}

uint64_t server_addr_key(const char *client_addr)
{
	struct sockaddr_storage ss;

	/* Keyed as a direct connection would be (one IPv6 /64 is one client). */
	if (!strncmp(client_addr, "::ffff:", 7) && strchr(client_addr + 7, '.'))
		client_addr += 7;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, client_addr, &((struct sockaddr_in *)(void *)&ss)->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, client_addr, &((struct sockaddr_in6 *)(void *)&ss)->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	return ss.ss_family ? addr_key(&ss) : str_key(client_addr, strlen(client_addr));
}

int server_limits_admit(struct server *srv, struct lws *wsi, const char *client_addr)
{
	uint64_t key = server_addr_key(client_addr);

	if (map_get(&srv->wsi_addr, (uint64_t)(uintptr_t)wsi))
		return 0; /* counted when it was accepted */
	if (!limits_admit_key(srv, key))
		return -EBUSY;
	map_put(&srv->wsi_addr, (uint64_t)(uintptr_t)wsi, (void *)(uintptr_t)key);
	return 0;
}

static void limits_bind(struct server *srv, struct lws *wsi)
{
	if (!accepted_key)
		return;
	map_put(&srv->wsi_addr, (uint64_t)(uintptr_t)wsi, (void *)(uintptr_t)accepted_key);
	accepted_key = 0;
}

static void limits_release(struct server *srv, struct lws *wsi)
{
	uint64_t key = (uintptr_t)map_del(&srv->wsi_addr, (uint64_t)(uintptr_t)wsi);
	uintptr_t open;

	if (!key)
		return;
	open = (uintptr_t)map_get(&srv->ip_conns, key);
	if (open <= 1)
		map_del(&srv->ip_conns, key);
	else
		map_put(&srv->ip_conns, key, (void *)(open - 1));
}

/* Forget idle rate buckets now and then so the maps do not grow forever. */
static void sweep_rates(struct map *m, int64_t now)
{
	size_t i = 0;
	uint64_t key;
	void *v;

	while (map_next(m, &i, &key, &v)) {
		struct rate *r = v;

		if (now - r->last_ms > RATE_FORGET_MS) {
			map_del(m, key);
			free(r);
		}
	}
}

static void sweep(struct server *srv)
{
	int64_t now = time_mono_ms();

	if (now - srv->limits_swept_ms < RATE_SWEEP_MS)
		return;
	srv->limits_swept_ms = now;
	sweep_rates(&srv->ip_rate, now);
}

/* ---- the protocol callback ------------------------------------------------------------ */

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	struct lws_context *ctx = lws_get_context(wsi);
	struct server *srv = ctx ? lws_context_user(ctx) : NULL;
	struct pss *pss = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
		return srv ? limits_accept(srv, user) : 0;
	case LWS_CALLBACK_WSI_CREATE:
		if (srv)
			limits_bind(srv, wsi);
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		if (srv)
			limits_release(srv, wsi);
		break;
	case LWS_CALLBACK_HTTP:
		return http_request(srv, wsi, pss, in);
	case LWS_CALLBACK_HTTP_BODY:
		return http_body(pss, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		return http_body_done(pss);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return http_writeable(pss);
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (pss)
			http_detach(pss);
		break;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return ws_filter(srv, wsi);
	case LWS_CALLBACK_ESTABLISHED:
		if (pss)
			http_detach(pss);
		return ws_established(srv, wsi, &pss->conn);
	case LWS_CALLBACK_RECEIVE:
		return pss->conn ? ws_receive(pss->conn, in, len) : -1;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return pss->conn ? ws_writeable(pss->conn) : 0;
	case LWS_CALLBACK_TIMER:
		return pss && pss->conn ? ws_timer(pss->conn) : 0;
	case LWS_CALLBACK_RECEIVE_PONG:
		if (pss && pss->conn)
			ws_pong(pss->conn);
		break;
	case LWS_CALLBACK_CLOSED:
		if (pss->conn)
			ws_closed(pss->conn);
		pss->conn = NULL;
		break;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (srv) {
			srv->hooks->wake(srv->app);
			sweep(srv);
		}
		break;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{ "refdesk", callback, sizeof(struct pss), RX_BUFFER, 0, NULL, SERVER_SEND_MAX },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/*
 * No validity timers of lws' own (secs_since_valid_hangup 0): each is a
 * per-connection entry in a sorted list, inserted at accept and again on
 * every message received, at a cost that grows with the number of sockets.
 * ws_sweep_quiet() pings and drops quiet sockets instead.
 */
static const uint32_t retry_table[] = { 1000 };
static const lws_retry_bo_t retry = {
	.retry_ms_table = retry_table,
	.retry_ms_table_count = 1,
};

/* How often quiet sockets are looked for: ping and close times are this coarse. */
#define QUIET_SWEEP_US (LWS_US_PER_SEC)

static void quiet_cb(void *arg)
{
	struct server *srv = arg;

	ws_sweep_quiet(srv, time_mono_ms());
	server_timer_set(srv->quiet_timer, QUIET_SWEEP_US);
}

/* ---- running ------------------------------------------------------------------------ */

static void on_signal(int sig)
{
	(void)sig;
	stop_signal = 1;
	if (signal_ctx)
		lws_cancel_service(signal_ctx);
}

static lws_sorted_usec_list_t tick_sul;
static void tick_cb(lws_sorted_usec_list_t *sul)
{
	(void)sul;
}

/* One turn of the loop: wait for something to happen, and serve it. */
static void service_once(struct server *srv)
{
	if (srv->loop)
		ev_run(srv->loop, EVRUN_ONCE);
	else
		lws_service(srv->ctx, 0);
}

/*
 * Make a timer scheduled outside lws' callbacks count.  In a libev loop lws
 * sets its own timer to the next one due only from its callbacks (after a
 * socket's event, or its timer's); a wake-up through lws_cancel_service()
 * is such an event.
 */
static void timers_changed(struct server *srv)
{
	if (srv->loop)
		lws_cancel_service(srv->ctx);
}

/* Serve for a while during shutdown (a turn may sleep until an event). */
static void service_briefly(struct server *srv)
{
	lws_sul_schedule(srv->ctx, 0, &tick_sul, tick_cb, 20 * LWS_US_PER_MS);
	timers_changed(srv);
	service_once(srv);
}

static void shutdown_cleanly(struct server *srv)
{
	int64_t deadline = time_mono_ms() + SHUTDOWN_MS;

	log_info("stopping: finishing pending work and commits");
	srv->stopping = true;
	/* Finish what the application holds (its answers are still due) before
	 * any socket closes. */
	while (srv->hooks->busy(srv->app) && time_mono_ms() < deadline)
		service_briefly(srv);
	/* The closes get their own time: a slow drain must not skip them. */
	ws_close_all(srv);
	deadline = time_mono_ms() + SHUTDOWN_MS;
	while (srv->conns && time_mono_ms() < deadline)
		service_briefly(srv);
	log_info("stopped");
}

int server_origin_of_url(const char *url, char *out, size_t size)
{
	const char *scheme, *host, *end;
	size_t hl, i;
	long port = 0;
	char *pend;

	if (!strncmp(url, "https://", 8))
		scheme = "https";
	else if (!strncmp(url, "http://", 7))
		scheme = "http";
	else
		return -EINVAL;
	host = url + strlen(scheme) + 3;
	hl = strcspn(host, ":/");
	if (!hl || hl > 253)
		return -EINVAL;
	for (i = 0; i < hl; i++)
		if (!isalnum((unsigned char)host[i]) && !strchr(".-[]", host[i]))
			return -EINVAL;
	end = host + hl;
	if (*end == ':') {
		port = strtol(end + 1, &pend, 10);
		if (pend == end + 1 || port < 1 || port > 65535)
			return -EINVAL;
		end = pend;
	}
	/* refdesk is served at the root of its host: no path, query or user. */
	if (*end && strcmp(end, "/"))
		return -EINVAL;
	/* Browsers leave the scheme's own port out of Origin. */
	if (port == (scheme[4] ? 443 : 80))
		port = 0;
	if ((size_t)snprintf(out, size, "%s://%.*s", scheme, (int)hl, host) >= size)
		return -EINVAL;
	for (i = strlen(scheme) + 3; out[i]; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	if (port && (size_t)snprintf(out + strlen(out), size - strlen(out), ":%ld", port) >=
			    size - strlen(out))
		return -EINVAL;
	return 0;
}

/* An address as inet_ntop prints it, IPv4-mapped IPv6 as plain IPv4; 0 or -EINVAL. */
static int normalise_addr(const char *in, char *out, size_t size)
{
	unsigned char bin[sizeof(struct in6_addr)];

	if (!strncmp(in, "::ffff:", 7) && strchr(in + 7, '.'))
		in += 7;
	if (inet_pton(AF_INET, in, bin) == 1)
		return inet_ntop(AF_INET, bin, out, (socklen_t)size) ? 0 : -EINVAL;
	if (inet_pton(AF_INET6, in, bin) == 1)
		return inet_ntop(AF_INET6, bin, out, (socklen_t)size) ? 0 : -EINVAL;
	return -EINVAL;
}

bool server_is_trusted_proxy(const struct server *srv, const char *addr)
{
	char norm[64];
	int i;

	if (!srv->ntrusted_proxies || normalise_addr(addr, norm, sizeof(norm)) < 0)
		return false;
	for (i = 0; i < srv->ntrusted_proxies; i++)
		if (!strcmp(norm, srv->trusted_proxies[i]))
			return true;
	return false;
}

static int setup_public(struct server *srv)
{
	const struct server_config *cfg = srv->cfg;
	int i;

	if (cfg->public_url && server_origin_of_url(cfg->public_url, srv->public_origin,
						    sizeof(srv->public_origin)) < 0) {
		log_error("--public-url wants http(s)://HOST[:PORT]/, not %s", cfg->public_url);
		return -EINVAL;
	}
	for (i = 0; i < cfg->ntrusted_proxies; i++) {
		if (normalise_addr(cfg->trusted_proxies[i], srv->trusted_proxies[i],
				   sizeof(srv->trusted_proxies[i])) < 0) {
			log_error("--trusted-proxy wants an IP address, not %s",
				  cfg->trusted_proxies[i]);
			return -EINVAL;
		}
	}
	srv->ntrusted_proxies = cfg->ntrusted_proxies;
	return 0;
}

/* libwebsockets' own error lines go through refdesk's log, so that they
 * too are JSON under --log-format json. */
static void lws_log_line(int level, const char *line)
{
	size_t n = strlen(line);

	(void)level;
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	log_error("lws: %.*s", (int)n, line);
}

unsigned long server_count_sockets(const struct server *srv, unsigned long *by_role, size_t nroles)
{
	const struct conn *c;
	unsigned long open = 0;

	memset(by_role, 0, nroles * sizeof(*by_role));
	for (c = srv->conns; c; c = c->next) {
		if (!c->wsi)
			continue;
		open++;
		if (c->role < nroles)
			by_role[c->role]++;
	}
	return open;
}

int server_init(struct server *srv, const struct server_config *cfg,
		const struct server_hooks *hooks, void *app)
{
	struct lws_context_creation_info info;
	int rc;

	memset(srv, 0, sizeof(*srv));
	srv->cfg = cfg;
	srv->hooks = hooks;
	srv->app = app;
	rc = setup_public(srv);
	if (rc < 0)
		return rc;
	lws_set_log_level(LLL_ERR, lws_log_line);
	memset(&info, 0, sizeof(info));
	info.port = cfg->port;
	info.iface = cfg->host;
	info.protocols = protocols;
	info.user = srv;
	info.timeout_secs = (unsigned int)cfg->header_timeout;
	info.timeout_secs_ah_idle = (unsigned int)cfg->header_timeout;
	/*
	 * An idle HTTP/1.1 connection is kept a minute, not lws' 5 s: a page's
	 * connections all went idle together and were closed together while
	 * the browser still meant to reuse them, and a box opened a few seconds
	 * after its page then failed a request (net::ERR_TOO_MANY_RETRIES) or
	 * paid a new TLS handshake per file.
	 */
	info.keepalive_timeout = KEEPALIVE_SECS;
	info.retry_and_idle_policy = &retry;
	info.fd_limit_per_thread = 0;
	info.max_http_header_data = HEADER_BYTES;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6;
	if (strchr(cfg->host, ':'))
		info.options &= ~(uint64_t)LWS_SERVER_OPTION_DISABLE_IPV6;
	if (cfg->tls_cert) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = cfg->tls_cert;
		info.ssl_private_key_filepath = cfg->tls_key;
		info.ssl_cipher_list = tls12_ciphers;
		/*
		 * HTTP/1.1 only.  lws 4.1.6's HTTP/2 drops request headers it does
		 * not know (X-CSRF-Token, X-Upload-Kind...), leaves bodiless
		 * answers (302, 304) open, puts a WebSocket message over 16 KiB in
		 * one DATA frame and loses writes it had to buffer: every browser
		 * would negotiate it.  docs/OPERATIONS.md has the details.
		 */
		info.alpn = "http/1.1";
		info.ssl_options_set = SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 |
				       SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION |
				       SSL_OP_NO_RENEGOTIATION;
	}
	/*
	 * lws runs in a libev loop of ours (epoll) rather than its own poll(),
	 * which walks every descriptor on every turn: with 20,000 idle sockets
	 * that was 80 % of the time spent accepting them (docs/PERFORMANCE.md).
	 * The loop is ours so that it turns once per service_once(), as
	 * lws_service() does; lws' own libev loop returns only when it ends.
	 * Without libev (or lws' plugin for it) lws polls, as before.
	 */
	srv->loop = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV);
	if (srv->loop) {
		void *loops[1] = { srv->loop };
		uint64_t plain = info.options;

		info.foreign_loops = loops;
		info.options |= LWS_SERVER_OPTION_LIBEV;
		srv->ctx = lws_create_context(&info);
		info.foreign_loops = NULL;
		info.options = plain;
		if (!srv->ctx) {
			ev_loop_destroy(srv->loop);
			srv->loop = NULL;
		}
	}
	if (!srv->ctx) {
		srv->ctx = lws_create_context(&info);
		if (srv->ctx)
			log_warn("lws cannot run in libev here: polling every socket instead");
	}
	if (!srv->ctx) {
		log_error("cannot listen on %s:%d", cfg->host, cfg->port);
		return -EADDRINUSE;
	}
	srv->quiet_timer = server_timer_new(srv, quiet_cb, srv);
	server_timer_set(srv->quiet_timer, QUIET_SWEEP_US);
	return 0;
}

int server_run(struct server *srv)
{
	const struct server_config *cfg = srv->cfg;
	struct sigaction sa;

	signal_ctx = srv->ctx;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	printf("refdesk listening on %s://%s:%d\n", cfg->tls_cert ? "https" : "http", cfg->host,
	       cfg->port);
	fflush(stdout);
	/* The timers set up before the loop ran (the sweeps, the purge). */
	timers_changed(srv);
	while (!stop_signal)
		service_once(srv);
	shutdown_cleanly(srv);
	signal_ctx = NULL;
	return 0;
}

void server_release(struct server *srv)
{
	size_t i;
	uint64_t key;
	void *v;

	if (srv->quiet_timer && srv->ctx)
		lws_sul_cancel(&srv->quiet_timer->sul);
	if (srv->ctx) {
		struct lws_context *ctx = srv->ctx;

		__atomic_store_n(&srv->ctx, NULL, __ATOMIC_RELEASE);
		lws_context_destroy(ctx);
	}
	if (srv->loop)
		ev_loop_destroy(srv->loop);
	srv->loop = NULL;
	free(srv->quiet_timer);
	srv->quiet_timer = NULL;
	map_release(&srv->ip_conns);
	for (i = 0; map_next(&srv->ip_rate, &i, &key, &v);)
		free(v);
	map_release(&srv->ip_rate);
	map_release(&srv->wsi_addr);
	http_static_release();
}
