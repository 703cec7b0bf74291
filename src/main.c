/*
 * main.c - refdesk's entry point.  Start reading here.
 *
 * refdesk is one C process: a libwebsockets event loop (net/) serves the
 * pages, the JSON API and the real-time WebSocket on one port and hands
 * each request and message to the operations (ops/), which apply the chat
 * rules of chat/ and share/ (plain C); every write goes through the writer
 * thread in store/ (SQLite, group commit); passwords are hashed on a small
 * worker pool (base/workq.c, auth/).  docs/ARCHITECTURE.md draws the map.
 *
 * This file turns the command line (and an optional config file) into a
 * configuration and runs `serve` — the composition root: it builds the
 * transport and the application and hands one to the other — or hands
 * `admin` to admin/cli.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/cli.h"
#include "auth/auth.h"
#include "base/log.h"
#include "base/util.h"
#include "base/version.h"
#include "mail/mail.h"
#include "net/server.h"
#include "ops/app.h"
#include "store/db.h"

/* What `serve` is told: the transport's part and the application's. */
struct config {
	struct server_config net;
	struct app_config app;
};

static const char usage_commands[] =
	"usage: refdesk serve [OPTIONS]      run the server\n"
	"       refdesk admin --data DIR ... manage accounts, queues, operators\n"
	"                                    (refdesk admin --data DIR --help)\n"
	"       refdesk routes               list every HTTP route and WebSocket message type\n"
	"       refdesk limits [OPTIONS]     list every limit, one \"name value unit  # what\"\n"
	"                                    line, as serve would have it with OPTIONS\n"
	"       refdesk --version\n"
	"\n";

/* The options, apart: one string literal may not pass 4,095 characters (ISO C). */
static const char usage_options[] =
	"Options of serve (each may also be a line \"name = value\" in --config FILE):\n"
	"  --listen HOST:PORT      address to listen on (default 127.0.0.1:8080)\n"
	"  --data DIR              database and files (default ./var; created if missing)\n"
	"  --store URL             keep the database in PostgreSQL (postgres://...)\n"
	"                          instead of SQLite under --data; files stay there\n"
	"  --bus URL               tell the other nodes on the same PostgreSQL store\n"
	"                          through NATS (nats://HOST:PORT); needs --store\n"
	"  --web DIR               the pages to serve (default ./web)\n"
	"  --web-min DIR           minified copies of its scripts and stylesheets, each\n"
	"                          served instead of its file unless that is newer\n"
	"                          (default ./build/web-min, written by make, unless --web\n"
	"                          is given; \"\": none)\n"
	"  --demo                  on first start, create the Demo Library with an admin\n"
	"                          whose one-time password is printed; serve its site at /\n"
	"  --tls-cert FILE         PEM certificate: serve HTTPS and WSS\n"
	"  --tls-key FILE          its PEM private key\n"
	"  --allow-origin ORIGIN   also accept WebSockets and sign-ins from this origin\n"
	"                          (repeatable; the server's own origin is always allowed)\n"
	"  --public-url URL        the address browsers use, such as\n"
	"                          https://chat.library.example/ behind a TLS proxy: its\n"
	"                          origin is accepted, cookies get Secure, HSTS is sent\n"
	"  --trusted-proxy ADDR    a reverse proxy's IP address (repeatable): its\n"
	"                          X-Forwarded-For names the client for the per-address\n"
	"                          limits\n"
	"  --max-conns-per-ip N    open connections per client address (default 256)\n"
	"  --conn-rate N           new connections per second per address (default 64)\n"
	"  --conn-burst N          burst of new connections per address (default 128)\n"
	"  --header-timeout SECS   time a client has to send its headers (default 10)\n"
	"  --msg-rate N            WebSocket messages per second per socket (default 20)\n"
	"  --msg-burst N           burst of messages per socket (default 40)\n"
	"  --ping-secs N           ping a WebSocket silent N seconds (default 30)\n"
	"  --idle-close-secs N     drop a WebSocket silent N seconds, its ping unanswered\n"
	"                          (default 75; more than --ping-secs)\n"
	"  --session-hours N       operator sessions last N hours after last use (default 12)\n"
	"  --abandon-secs N        end a waiting chat whose guest has been gone N seconds\n"
	"                          (default 120)\n"
	"  --transfer-timeout-secs N  a transfer nobody answers goes back after N seconds\n"
	"                          (default 60)\n"
	"  --block-hour-secs N     one hour of Block guest lasts N seconds (default 3600;\n"
	"                          for tests)\n"
	"  --tidy-minute-secs N    length of a \"minute\" in the idle settings, for tests\n"
	"                          (default 60)\n"
	"  --max-image-mb N        largest image a guest or operator may send (default 15)\n"
	"  --max-file-mb N         largest other file an operator may send (default 25)\n"
	"  --max-image-megapixels N  largest image in pixels, read before decoding (default 40)\n"
	"  --upload-rate N         uploads per second per chat (default 2)\n"
	"  --upload-burst N        burst of uploads per chat (default 10)\n"
	"  --stun URL              a STUN server for screensharing, stun:HOST:PORT\n"
	"                          (repeatable)\n"
	"  --turn URL              a TURN server, turn:HOST:PORT?transport=udp|tcp or\n"
	"                          turns:…  (repeatable; needs --turn-secret)\n"
	"  --turn-secret SECRET    the TURN server's shared secret (coturn\n"
	"                          use-auth-secret), to mint short-lived credentials\n"
	"  --turn-ttl SECS         how long a minted TURN credential lasts (default 3600)\n"
	"  --ice-policy all|relay  relay: browsers use relayed candidates only, so\n"
	"                          neither side learns the other's address (needs --turn)\n";

/* The rest of serve's options (C caps one string literal's length). */
static const char usage_options_more[] =
	"  --share-invite-secs N   an unanswered screensharing invitation lasts N\n"
	"                          seconds (default 300)\n"
	"  --share-frame-secs N    a share whose viewer shows no frame within N\n"
	"                          seconds of the guest's offer failed (default 60)\n"
	"  --manage-grace-hours N  a chat's management link works N hours after the\n"
	"                          chat ended (default 24; 0: only while it runs)\n"
	"  --purge-interval-secs N  run the retention purge every N seconds (default\n"
	"                          300)\n"
	"  --staff-room-keep-secs N  the staff room keeps a message N seconds\n"
	"                          (default 604800; 7 days)\n"
	"  --log-level LEVEL       error, warn, info (default) or debug\n"
	"  --log-format text|json  readable lines (default) or JSON objects\n"
	"  --metrics-token-file F  /metrics needs the bearer token in F\n"
	"  --config FILE           read options from FILE first; the command line wins\n"
	"  --help                  show this\n";

/* The mail options, apart for the same reason. */
static const char usage_mail[] =
	"Mail (questions left out of hours, Email transcript):\n"
	"  --smtp-url URL          mail answers to follow-ups and transcripts through\n"
	"                          smtp://HOST:PORT (STARTTLS required) or smtps://HOST:PORT;\n"
	"                          without it the chat box offers neither\n"
	"  --smtp-user NAME        log in to the SMTP server as NAME\n"
	"  --smtp-password-file F  its password, the first line of F\n"
	"  --smtp-from FROM        the sender, ask@lib.example or \"Library <ask@lib.example>\"\n"
	"  --smtp-ca-file F        verify the SMTP server with the CA certificates in F\n"
	"  --smtp-attempts N       tries of one mail before it is \"not delivered\" (default 5)\n"
	"  --smtp-retry-secs N     delay before the first retry, doubled each time (default 60)\n"
	"  --followup-keep-days N  erase an unanswered follow-up's address after N days\n"
	"                          (default 30)\n";

static const char usage_xmpp[] =
	"\nLibrarians on XMPP (an external component of an XMPP server, docs/OPERATIONS.md):\n"
	"  --xmpp-domain DOMAIN    the component's domain, such as chat.library.example\n"
	"  --xmpp-server HOST:PORT the XMPP server's component port (default\n"
	"                          127.0.0.1:5347)\n"
	"  --xmpp-secret-file F    the component secret (read again at each reconnect)\n"
	"  --xmpp-allow-remote     allow a server that is not on this machine: the\n"
	"                          component link has no TLS\n";

static void print_usage(FILE *f)
{
	fputs(usage_commands, f);
	fputs(usage_options, f);
	fputs(usage_options_more, f);
	fputs(usage_mail, f);
	fputs(usage_xmpp, f);
}

enum { OPT_LISTEN = 1, OPT_DATA, OPT_STORE, OPT_BUS, OPT_WEB, OPT_WEB_MIN, OPT_DEMO, OPT_CERT, OPT_KEY, OPT_ORIGIN, OPT_PUBLIC_URL, OPT_PROXY,
       OPT_MAXCONN, OPT_RATE, OPT_BURST, OPT_HEADER, OPT_MSGRATE, OPT_MSGBURST, OPT_PING, OPT_IDLE_CLOSE, OPT_SESSION, OPT_ABANDON, OPT_TRANSFER_SECS, OPT_BLOCK_HOUR, OPT_TIDY_MINUTE, OPT_IMAGE_MB, OPT_FILE_MB, OPT_MPIX, OPT_UPRATE, OPT_UPBURST, OPT_STUN, OPT_TURN, OPT_TURN_SECRET, OPT_TURN_TTL, OPT_ICE_POLICY,
       OPT_INVITE_SECS, OPT_FRAME_SECS, OPT_GRACE, OPT_PURGE, OPT_ROOM_KEEP, OPT_LOG, OPT_LOG_FORMAT, OPT_METRICS_TOKEN, OPT_CONFIG,
       OPT_SMTP_URL, OPT_SMTP_USER, OPT_SMTP_PASSWORD_FILE, OPT_SMTP_FROM, OPT_SMTP_CA, OPT_SMTP_ATTEMPTS,
       OPT_SMTP_RETRY, OPT_FOLLOWUP_KEEP,
       OPT_XMPP_DOMAIN, OPT_XMPP_SERVER, OPT_XMPP_SECRET, OPT_XMPP_REMOTE,
       OPT_HELP };

static const struct option options[] = {
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "data", required_argument, NULL, OPT_DATA },
	{ "store", required_argument, NULL, OPT_STORE },
	{ "bus", required_argument, NULL, OPT_BUS },
	{ "web", required_argument, NULL, OPT_WEB },
	{ "web-min", required_argument, NULL, OPT_WEB_MIN },
	{ "demo", no_argument, NULL, OPT_DEMO },
	{ "tls-cert", required_argument, NULL, OPT_CERT },
	{ "tls-key", required_argument, NULL, OPT_KEY },
	{ "allow-origin", required_argument, NULL, OPT_ORIGIN },
	{ "public-url", required_argument, NULL, OPT_PUBLIC_URL },
	{ "trusted-proxy", required_argument, NULL, OPT_PROXY },
	{ "max-conns-per-ip", required_argument, NULL, OPT_MAXCONN },
	{ "conn-rate", required_argument, NULL, OPT_RATE },
	{ "conn-burst", required_argument, NULL, OPT_BURST },
	{ "header-timeout", required_argument, NULL, OPT_HEADER },
	{ "msg-rate", required_argument, NULL, OPT_MSGRATE },
	{ "msg-burst", required_argument, NULL, OPT_MSGBURST },
	{ "ping-secs", required_argument, NULL, OPT_PING },
	{ "idle-close-secs", required_argument, NULL, OPT_IDLE_CLOSE },
	{ "session-hours", required_argument, NULL, OPT_SESSION },
	{ "abandon-secs", required_argument, NULL, OPT_ABANDON },
	{ "transfer-timeout-secs", required_argument, NULL, OPT_TRANSFER_SECS },
	{ "block-hour-secs", required_argument, NULL, OPT_BLOCK_HOUR },
	{ "tidy-minute-secs", required_argument, NULL, OPT_TIDY_MINUTE },
	{ "max-image-mb", required_argument, NULL, OPT_IMAGE_MB },
	{ "max-file-mb", required_argument, NULL, OPT_FILE_MB },
	{ "max-image-megapixels", required_argument, NULL, OPT_MPIX },
	{ "upload-rate", required_argument, NULL, OPT_UPRATE },
	{ "upload-burst", required_argument, NULL, OPT_UPBURST },
	{ "stun", required_argument, NULL, OPT_STUN },
	{ "turn", required_argument, NULL, OPT_TURN },
	{ "turn-secret", required_argument, NULL, OPT_TURN_SECRET },
	{ "turn-ttl", required_argument, NULL, OPT_TURN_TTL },
	{ "ice-policy", required_argument, NULL, OPT_ICE_POLICY },
	{ "share-invite-secs", required_argument, NULL, OPT_INVITE_SECS },
	{ "share-frame-secs", required_argument, NULL, OPT_FRAME_SECS },
	{ "manage-grace-hours", required_argument, NULL, OPT_GRACE },
	{ "purge-interval-secs", required_argument, NULL, OPT_PURGE },
	{ "staff-room-keep-secs", required_argument, NULL, OPT_ROOM_KEEP },
	{ "log-level", required_argument, NULL, OPT_LOG },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "metrics-token-file", required_argument, NULL, OPT_METRICS_TOKEN },
	{ "smtp-url", required_argument, NULL, OPT_SMTP_URL },
	{ "smtp-user", required_argument, NULL, OPT_SMTP_USER },
	{ "smtp-password-file", required_argument, NULL, OPT_SMTP_PASSWORD_FILE },
	{ "smtp-from", required_argument, NULL, OPT_SMTP_FROM },
	{ "smtp-ca-file", required_argument, NULL, OPT_SMTP_CA },
	{ "smtp-attempts", required_argument, NULL, OPT_SMTP_ATTEMPTS },
	{ "smtp-retry-secs", required_argument, NULL, OPT_SMTP_RETRY },
	{ "followup-keep-days", required_argument, NULL, OPT_FOLLOWUP_KEEP },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "xmpp-domain", required_argument, NULL, OPT_XMPP_DOMAIN },
	{ "xmpp-server", required_argument, NULL, OPT_XMPP_SERVER },
	{ "xmpp-secret-file", required_argument, NULL, OPT_XMPP_SECRET },
	{ "xmpp-allow-remote", no_argument, NULL, OPT_XMPP_REMOTE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

static int parse_number(const char *name, const char *text, double min, double max, double *out)
{
	char *end;
	double v = strtod(text, &end);

	if (*end || end == text || v < min || v > max) {
		fprintf(stderr, "refdesk: --%s wants a number from %g to %g\n", name, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_listen(struct config *cfg, const char *text)
{
	const char *colon = strrchr(text, ':');
	double port;
	size_t n;

	if (!colon || colon == text)
		goto bad;
	n = (size_t)(colon - text);
	if (text[0] == '[' && colon[-1] == ']')
		text++, n -= 2;
	if (!n || n >= sizeof(cfg->net.host) || parse_number("listen", colon + 1, 1, 65535, &port) < 0)
		goto bad;
	memcpy(cfg->net.host, text, n);
	cfg->net.host[n] = '\0';
	cfg->net.port = (int)port;
	return 0;
bad:
	fprintf(stderr, "refdesk: --listen wants HOST:PORT, such as 127.0.0.1:8080\n");
	return -EINVAL;
}

static int apply_option(struct config *cfg, int opt, const char *arg);

/* --xmpp-server HOST:PORT (an IPv6 address in brackets). */
static int parse_xmpp_server(struct config *cfg, const char *text)
{
	const char *colon = strrchr(text, ':');
	double port;
	size_t n;

	if (!colon || colon == text)
		goto bad;
	n = (size_t)(colon - text);
	if (text[0] == '[' && colon[-1] == ']')
		text++, n -= 2;
	if (!n || n >= sizeof(cfg->app.xmpp_host) ||
	    parse_number("xmpp-server", colon + 1, 1, 65535, &port) < 0)
		goto bad;
	memcpy(cfg->app.xmpp_host, text, n);
	cfg->app.xmpp_host[n] = '\0';
	cfg->app.xmpp_port = (int)port;
	return 0;
bad:
	fprintf(stderr, "refdesk: --xmpp-server wants HOST:PORT, such as 127.0.0.1:5347\n");
	return -EINVAL;
}

/* Is `host` this machine: localhost, 127.0.0.0/8 or ::1? */
static bool is_loopback_host(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (!strcmp(host, "localhost"))
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/*
 * The XMPP options hang together: a domain needs a secret file, and the
 * component link, which has no TLS, stays on this machine unless
 * --xmpp-allow-remote says otherwise.
 */
static int check_xmpp(const struct config *cfg)
{
	const struct app_config *a = &cfg->app;

	if (!a->xmpp_domain) {
		if (a->xmpp_secret_file) {
			fprintf(stderr, "refdesk: --xmpp-secret-file needs --xmpp-domain\n");
			return -EINVAL;
		}
		return 0;
	}
	if (!a->xmpp_secret_file) {
		fprintf(stderr, "refdesk: --xmpp-domain needs --xmpp-secret-file\n");
		return -EINVAL;
	}
	if (!a->xmpp_allow_remote && !is_loopback_host(a->xmpp_host)) {
		fprintf(stderr, "refdesk: --xmpp-server %s is not on this machine, and the component "
			"link has no TLS: the secret's proof and every chat would cross the network "
			"readable; run refdesk beside the XMPP server, or pass --xmpp-allow-remote "
			"over a link you have secured yourself (docs/OPERATIONS.md)\n", a->xmpp_host);
		return -EINVAL;
	}
	return 0;
}

/* Read "name = value" lines; kept strings live for the process (freed at exit). */
static char *config_text;

static int read_config(struct config *cfg, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line, *save = NULL;
	long size;
	int lineno = 0, rc = 0;

	if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || size > 1 << 20 ||
	    fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "refdesk: cannot read config file %s\n", path);
		if (f)
			fclose(f);
		return -EINVAL;
	}
	config_text = xmalloc((size_t)size + 1);
	config_text[fread(config_text, 1, (size_t)size, f)] = '\0';
	fclose(f);
	for (line = strtok_r(config_text, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save)) {
		char *name = line, *value, *end;
		const struct option *o;

		lineno++;
		while (*name == ' ' || *name == '\t')
			name++;
		if (!*name || *name == '#' || *name == '\r')
			continue;
		value = name + strcspn(name, " \t=");
		end = value;
		value += strspn(value, " \t=");
		*end = '\0';
		end = value + strlen(value);
		while (end > value && strchr(" \t\r", end[-1]))
			*--end = '\0';
		for (o = options; o->name && strcmp(o->name, name); o++)
			;
		if (!o->name || o->val == OPT_CONFIG || o->val == OPT_HELP) {
			fprintf(stderr, "refdesk: %s:%d: unknown option \"%s\"\n", path, lineno, name);
			return -EINVAL;
		}
		if (o->has_arg == no_argument && *value && strcmp(value, "true") && strcmp(value, "yes")) {
			if (!strcmp(value, "false") || !strcmp(value, "no"))
				continue;
			fprintf(stderr, "refdesk: %s:%d: %s takes true or false\n", path, lineno, name);
			return -EINVAL;
		}
		rc = apply_option(cfg, o->val, value);
	}
	return rc;
}

/* The mail options (followups.h), apart to keep apply_option() readable. */
static int apply_smtp_option(struct config *cfg, int opt, const char *arg)
{
	char addr[MAIL_ADDRESS_MAX + 1];
	double v;

	switch (opt) {
	case OPT_SMTP_URL:
		if ((strncmp(arg, "smtp://", 7) && strncmp(arg, "smtps://", 8)) || strlen(arg) > 300) {
			fprintf(stderr, "refdesk: --smtp-url wants smtp://HOST:PORT or smtps://HOST:PORT\n");
			return -EINVAL;
		}
		/* A password in the URL would be logged ("mail goes out through URL"). */
		if (strchr(arg + strcspn(arg, ":") + 3, '@')) {
			fprintf(stderr, "refdesk: --smtp-url must not hold a user or password (user:password@): "
					"use --smtp-user and --smtp-password-file\n");
			return -EINVAL;
		}
		cfg->app.smtp_url = arg;
		return 0;
	case OPT_SMTP_USER:
		cfg->app.smtp_user = arg;
		return 0;
	case OPT_SMTP_PASSWORD_FILE:
		cfg->app.smtp_password_file = arg;
		return 0;
	case OPT_SMTP_FROM:
		if (!mail_from_ok(arg, addr)) {
			fprintf(stderr, "refdesk: --smtp-from wants ask@lib.example or "
				"\"Library <ask@lib.example>\" (ASCII)\n");
			return -EINVAL;
		}
		cfg->app.smtp_from = arg;
		return 0;
	case OPT_SMTP_CA:
		cfg->app.smtp_ca_file = arg;
		return 0;
	case OPT_SMTP_ATTEMPTS:
		if (parse_number("smtp-attempts", arg, 1, 20, &v) < 0)
			return -EINVAL;
		cfg->app.smtp_attempts = (int)v;
		return 0;
	case OPT_SMTP_RETRY:
		if (parse_number("smtp-retry-secs", arg, 1, 3600, &v) < 0)
			return -EINVAL;
		cfg->app.smtp_retry_secs = (int)v;
		return 0;
	case OPT_FOLLOWUP_KEEP:
		if (parse_number("followup-keep-days", arg, 1, 3650, &v) < 0)
			return -EINVAL;
		cfg->app.followup_keep_days = (int)v;
		return 0;
	}
	return -EINVAL;
}

static int apply_option(struct config *cfg, int opt, const char *arg)
{
	double v;

	switch (opt) {
	case OPT_LISTEN:
		return parse_listen(cfg, arg);
	case OPT_DATA:
		cfg->app.data_dir = arg;
		return 0;
	case OPT_STORE:
		if (!strcmp(arg, "sqlite")) {
			cfg->app.store_url = NULL;
			return 0;
		}
		if (!db_is_postgres(arg)) {
			fprintf(stderr, "refdesk: --store: give a postgres:// URL, or \"sqlite\" for the "
				"default (SQLite under --data)\n");
			return -EINVAL;
		}
		cfg->app.store_url = arg;
		return 0;
	case OPT_BUS:
		if (strncmp(arg, "nats://", 7) || strlen(arg) > 512 || strlen(arg) < 8) {
			fprintf(stderr, "refdesk: --bus: give a nats://HOST:PORT URL\n");
			return -EINVAL;
		}
		cfg->app.bus_url = arg;
		return 0;
	case OPT_WEB:
		cfg->net.web_dir = arg;
		/* Another web directory: build/web-min holds copies of ./web's scripts, not of its. */
		if (!cfg->net.web_min_given)
			cfg->net.web_min_dir = NULL;
		return 0;
	case OPT_WEB_MIN:
		cfg->net.web_min_dir = *arg ? arg : NULL;
		cfg->net.web_min_given = true;
		return 0;
	case OPT_DEMO:
		cfg->app.demo = true;
		return 0;
	case OPT_CERT:
		cfg->net.tls_cert = arg;
		return 0;
	case OPT_KEY:
		cfg->net.tls_key = arg;
		return 0;
	case OPT_ORIGIN:
		if (cfg->net.nallow_origins >= SERVER_MAX_ORIGINS)
			return -E2BIG;
		cfg->net.allow_origins[cfg->net.nallow_origins++] = arg;
		return 0;
	case OPT_PUBLIC_URL: {
		char origin[300];

		if (server_origin_of_url(arg, origin, sizeof(origin)) < 0) {
			fprintf(stderr, "refdesk: --public-url wants http(s)://HOST[:PORT]/ "
				"(refdesk is served at the root of its host)\n");
			return -EINVAL;
		}
		cfg->net.public_url = arg;
		return 0;
	}
	case OPT_PROXY: {
		unsigned char bin[16];

		if (cfg->net.ntrusted_proxies >= SERVER_MAX_PROXIES ||
		    (inet_pton(AF_INET, arg, bin) != 1 && inet_pton(AF_INET6, arg, bin) != 1)) {
			fprintf(stderr, "refdesk: --trusted-proxy wants an IP address (at most %d)\n",
				SERVER_MAX_PROXIES);
			return -EINVAL;
		}
		cfg->net.trusted_proxies[cfg->net.ntrusted_proxies++] = arg;
		return 0;
	}
	case OPT_MAXCONN:
		if (parse_number("max-conns-per-ip", arg, 1, 1000000, &v) < 0)
			return -EINVAL;
		cfg->net.max_conns_per_ip = (int)v;
		return 0;
	case OPT_RATE:
		return parse_number("conn-rate", arg, 0.1, 1000000, &cfg->net.conn_rate);
	case OPT_BURST:
		return parse_number("conn-burst", arg, 1, 1000000, &cfg->net.conn_burst);
	case OPT_HEADER:
		if (parse_number("header-timeout", arg, 1, 600, &v) < 0)
			return -EINVAL;
		cfg->net.header_timeout = (int)v;
		return 0;
	case OPT_MSGRATE:
		return parse_number("msg-rate", arg, 0.1, 1000000, &cfg->net.msg_rate);
	case OPT_MSGBURST:
		return parse_number("msg-burst", arg, 1, 1000000, &cfg->net.msg_burst);
	case OPT_PING:
		if (parse_number("ping-secs", arg, 1, 3600, &v) < 0)
			return -EINVAL;
		cfg->net.ping_secs = (int)v;
		return 0;
	case OPT_IDLE_CLOSE:
		if (parse_number("idle-close-secs", arg, 2, 7200, &v) < 0)
			return -EINVAL;
		cfg->net.idle_close_secs = (int)v;
		return 0;
	case OPT_SESSION:
		if (parse_number("session-hours", arg, 1, 24 * 90, &v) < 0)
			return -EINVAL;
		cfg->app.session_hours = (int)v;
		return 0;
	case OPT_ABANDON:
		if (parse_number("abandon-secs", arg, 1, 86400, &v) < 0)
			return -EINVAL;
		cfg->app.abandon_secs = (int)v;
		return 0;
	case OPT_TRANSFER_SECS:
		if (parse_number("transfer-timeout-secs", arg, 1, 3600, &v) < 0)
			return -EINVAL;
		cfg->app.transfer_timeout_secs = (int)v;
		return 0;
	case OPT_BLOCK_HOUR:
		if (parse_number("block-hour-secs", arg, 1, 3600, &v) < 0)
			return -EINVAL;
		cfg->app.block_hour_secs = (int)v;
		return 0;
	case OPT_TIDY_MINUTE:
		if (parse_number("tidy-minute-secs", arg, 1, 60, &v) < 0)
			return -EINVAL;
		cfg->app.tidy_minute_secs = (int)v;
		return 0;
	case OPT_IMAGE_MB:
		if (parse_number("max-image-mb", arg, 1, 1024, &v) < 0)
			return -EINVAL;
		cfg->app.max_image_bytes = (size_t)(v * 1048576);
		return 0;
	case OPT_FILE_MB:
		if (parse_number("max-file-mb", arg, 1, 1024, &v) < 0)
			return -EINVAL;
		cfg->app.max_file_bytes = (size_t)(v * 1048576);
		return 0;
	case OPT_MPIX:
		if (parse_number("max-image-megapixels", arg, 0.01, 1000, &v) < 0)
			return -EINVAL;
		cfg->app.max_image_pixels = (uint64_t)(v * 1000000);
		return 0;
	case OPT_UPRATE:
		return parse_number("upload-rate", arg, 0.01, 1000, &cfg->app.upload_rate);
	case OPT_UPBURST:
		return parse_number("upload-burst", arg, 1, 10000, &cfg->app.upload_burst);
	case OPT_STUN:
		if (cfg->app.nstun_urls >= APP_MAX_ICE || strncmp(arg, "stun:", 5) ||
		    strlen(arg) > 200) {
			fprintf(stderr, "refdesk: --stun wants stun:HOST:PORT (at most %d)\n",
				APP_MAX_ICE);
			return -EINVAL;
		}
		cfg->app.stun_urls[cfg->app.nstun_urls++] = arg;
		return 0;
	case OPT_TURN:
		if (cfg->app.nturn_urls >= APP_MAX_ICE ||
		    (strncmp(arg, "turn:", 5) && strncmp(arg, "turns:", 6)) || strlen(arg) > 200) {
			fprintf(stderr, "refdesk: --turn wants turn:HOST:PORT or turns:HOST:PORT "
				"(at most %d)\n", APP_MAX_ICE);
			return -EINVAL;
		}
		cfg->app.turn_urls[cfg->app.nturn_urls++] = arg;
		return 0;
	case OPT_TURN_SECRET:
		if (!*arg || strlen(arg) > 256) {
			fprintf(stderr, "refdesk: --turn-secret wants 1 to 256 characters\n");
			return -EINVAL;
		}
		cfg->app.turn_secret = arg;
		return 0;
	case OPT_TURN_TTL:
		if (parse_number("turn-ttl", arg, 60, 86400, &v) < 0)
			return -EINVAL;
		cfg->app.turn_ttl = (int)v;
		return 0;
	case OPT_ICE_POLICY:
		if (strcmp(arg, "all") && strcmp(arg, "relay")) {
			fprintf(stderr, "refdesk: --ice-policy wants all or relay\n");
			return -EINVAL;
		}
		cfg->app.ice_relay = !strcmp(arg, "relay");
		return 0;
	case OPT_INVITE_SECS:
		if (parse_number("share-invite-secs", arg, 2, 86400, &v) < 0)
			return -EINVAL;
		cfg->app.share_invite_secs = (int)v;
		return 0;
	case OPT_FRAME_SECS:
		if (parse_number("share-frame-secs", arg, 2, 3600, &v) < 0)
			return -EINVAL;
		cfg->app.share_frame_secs = (int)v;
		return 0;
	case OPT_GRACE:
		return parse_number("manage-grace-hours", arg, 0, 24 * 365, &cfg->app.manage_grace_hours);
	case OPT_PURGE:
		if (parse_number("purge-interval-secs", arg, 1, 86400, &v) < 0)
			return -EINVAL;
		cfg->app.purge_interval_secs = (int)v;
		return 0;
	case OPT_ROOM_KEEP:
		if (parse_number("staff-room-keep-secs", arg, 1, 365 * 86400, &v) < 0)
			return -EINVAL;
		cfg->app.staff_room_keep_secs = (int)v;
		return 0;
	case OPT_LOG:
		if (!strcmp(arg, "error"))
			log_set_level(LOG_ERROR);
		else if (!strcmp(arg, "warn"))
			log_set_level(LOG_WARN);
		else if (!strcmp(arg, "info"))
			log_set_level(LOG_INFO);
		else if (!strcmp(arg, "debug"))
			log_set_level(LOG_DEBUG);
		else
			return -EINVAL;
		return 0;
	case OPT_LOG_FORMAT:
		if (strcmp(arg, "text") && strcmp(arg, "json")) {
			fprintf(stderr, "refdesk: --log-format wants text or json\n");
			return -EINVAL;
		}
		log_set_format(!strcmp(arg, "json") ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT);
		return 0;
	case OPT_METRICS_TOKEN:
		cfg->app.metrics_token_file = arg;
		return 0;
	case OPT_XMPP_DOMAIN:
		if (!*arg || strlen(arg) > 200 || strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789-.") != strlen(arg)) {
			fprintf(stderr, "refdesk: --xmpp-domain wants a lower-case domain name\n");
			return -EINVAL;
		}
		cfg->app.xmpp_domain = arg;
		return 0;
	case OPT_XMPP_SERVER:
		return parse_xmpp_server(cfg, arg);
	case OPT_XMPP_SECRET:
		cfg->app.xmpp_secret_file = arg;
		return 0;
	case OPT_XMPP_REMOTE:
		cfg->app.xmpp_allow_remote = true;
		return 0;
	default:
		return apply_smtp_option(cfg, opt, arg);
	}
	return -EINVAL;
}

static int parse_serve(struct config *cfg, int argc, char **argv)
{
	int opt, i;

	/* A config file first, so that the command line overrides it. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			if (read_config(cfg, argv[i + 1]) < 0)
				return -EINVAL;
		} else if (!strncmp(argv[i], "--config=", 9) && read_config(cfg, argv[i] + 9) < 0) {
			return -EINVAL;
		}
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == OPT_HELP) {
			print_usage(stdout);
			exit(0);
		}
		if (opt == OPT_CONFIG)
			continue;
		if (opt == '?' || apply_option(cfg, opt, optarg) < 0)
			return -EINVAL;
	}
	if (optind != argc) {
		fprintf(stderr, "refdesk: unexpected argument \"%s\"\n", argv[optind]);
		return -EINVAL;
	}
	if (cfg->app.nturn_urls && !cfg->app.turn_secret) {
		fprintf(stderr, "refdesk: --turn needs --turn-secret\n");
		return -EINVAL;
	}
	if (cfg->app.ice_relay && !cfg->app.nturn_urls) {
		fprintf(stderr, "refdesk: --ice-policy relay needs a --turn server\n");
		return -EINVAL;
	}
	if (cfg->net.idle_close_secs <= cfg->net.ping_secs) {
		fprintf(stderr, "refdesk: --idle-close-secs must be more than --ping-secs\n");
		return -EINVAL;
	}
	if (cfg->app.smtp_url && !cfg->app.smtp_from) {
		fprintf(stderr, "refdesk: --smtp-url needs --smtp-from\n");
		return -EINVAL;
	}
	if (!cfg->app.smtp_user != !cfg->app.smtp_password_file) {
		fprintf(stderr, "refdesk: --smtp-user and --smtp-password-file go together\n");
		return -EINVAL;
	}
	if (!cfg->net.tls_cert != !cfg->net.tls_key) {
		fprintf(stderr, "refdesk: --tls-cert and --tls-key go together\n");
		return -EINVAL;
	}
	if (cfg->app.bus_url && !cfg->app.store_url) {
		/* Nodes share their chats through the store; SQLite belongs to one process. */
		fprintf(stderr, "refdesk: --bus needs --store postgres://...: the nodes share one "
			"database\n");
		return -EINVAL;
	}
	return check_xmpp(cfg);
}

/* Is `arg` one of the arguments (before a lone "--")? */
static bool has_arg(int argc, char **argv, const char *arg)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], arg))
			return true;
	return false;
}

static void print_demo(const struct config *cfg, const char *password, int created)
{
	const char *host = !strcmp(cfg->net.host, "0.0.0.0") ? "localhost" : cfg->net.host;
	char base[320];

	/* The address people open: the public one behind a proxy. */
	if (!cfg->net.public_url || server_origin_of_url(cfg->net.public_url, base, sizeof(base)) < 0)
		snprintf(base, sizeof(base), "%s://%s:%d", cfg->net.tls_cert ? "https" : "http", host,
			 cfg->net.port);
	printf("\n  refdesk demo is running.\n\n");
	printf("  Library web site (the patron's side):  %s/\n", base);
	printf("  Staff webclient (the librarian's side): %s/staff\n", base);
	printf("  Account admin page:                     %s/staff/admin\n\n", base);
	if (created > 0)
		printf("  Sign in as  admin  with the one-time password:  %s\n"
		       "  (it is shown only now; change it on the admin page)\n\n", password);
	else
		printf("  Sign in as  admin  (its password was printed at the first start; set a\n"
		       "  new one with: refdesk admin --data %s password reset admin)\n\n",
		       cfg->app.data_dir);
	fflush(stdout);
}

static int serve_main(int argc, char **argv)
{
	struct config cfg;
	struct server srv;
	struct app app;
	char password[64] = "";
	int created = 0, rc;

	server_config_defaults(&cfg.net);
	app_config_defaults(&cfg.app);
	if (parse_serve(&cfg, argc, argv) < 0) {
		print_usage(stderr);
		return 2;
	}
	if (auth_init() < 0) {
		log_error("libsodium failed to initialise");
		return 1;
	}
	/* libcurl's global set-up is not thread-safe: before any thread starts. */
	if (mail_global_init() < 0) {
		log_error("libcurl failed to initialise");
		return 1;
	}
	if (cfg.app.demo) {
		created = admin_seed_demo(app_store_where(&cfg.app), password);
		if (created < 0) {
			log_error("cannot prepare the demo library in %s", cfg.app.data_dir);
			return 1;
		}
		print_demo(&cfg, password, created);
		explicit_bzero(password, sizeof(password));
	}
	/* The composition: the transport listens, the application (store, writer,
	 * workers, media) registers its tables and hooks with it, the loop runs. */
	rc = server_init(&srv, &cfg.net, &app_hooks, &app);
	if (rc == 0) {
		rc = app_init(&app, &cfg.app, &srv);
		if (rc == 0) {
			server_run(&srv);
			server_release(&srv); /* closes the sockets while the app still stands */
			app_release(&app);
		} else {
			server_release(&srv);
		}
	}
	mail_global_cleanup();
	free(config_text);
	return rc < 0 ? 1 : 0;
}

/* `refdesk limits [OPTIONS of serve]`: every limit, the transport's then the application's. */
static int limits_main(int argc, char **argv)
{
	struct config cfg;

	server_config_defaults(&cfg.net);
	app_config_defaults(&cfg.app);
	if (parse_serve(&cfg, argc, argv) < 0) {
		print_usage(stderr);
		free(config_text);
		return 2;
	}
	server_print_limits(stdout, &cfg.net);
	app_print_limits(stdout, &cfg.app);
	free(config_text);
	return 0;
}

int main(int argc, char **argv)
{
	/* --version and --help work at every level: `refdesk admin queue --help`. */
	if (has_arg(argc, argv, "--version")) {
		printf("refdesk %s\n", REFDESK_VERSION);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "admin"))
		return admin_main(argc - 2, argv + 2);
	if (has_arg(argc, argv, "--help") || has_arg(argc, argv, "-h") ||
	    (argc == 2 && !strcmp(argv[1], "help"))) {
		print_usage(stdout);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "serve"))
		return serve_main(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "limits"))
		return limits_main(argc - 1, argv + 1);
	if (argc == 2 && !strcmp(argv[1], "routes")) {
		app_print_tables(stdout);
		return 0;
	}
	print_usage(stderr);
	return 2;
}
