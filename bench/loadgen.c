/*
 * loadgen.c - refdesk's load generator.
 *
 * One single-threaded epoll client with its own small WebSocket framing
 * (RFC 6455, client side) that speaks two protocols over it:
 *
 *   refdesk  JSON frames on /ws (chat.start, availability.set, chat.accept,
 *            msg.send, ack, event; see docs/PROTOCOL.md)
 *   xmpp     RFC 7395 on /xmpp-websocket, subprotocol "xmpp": <open/>,
 *            SASL PLAIN, re-open, resource bind, <presence/>, then
 *            <message type="chat"> stanzas
 *
 * Modes (see usage()):
 *   signin   sign an operator in over HTTP and print its session cookie
 *   relay    P chat pairs (guest <-> operator); every side sends at a steady
 *            rate (open loop); for each rate of a list: delivery latency
 *            (intended send time -> receipt by the other side), ack latency
 *            (refdesk), loss, errors, the CPU of the server and of this
 *            process.  With --ladder it stops at the first rate that misses
 *            the latency limit and tries one rate between.
 *   idle     open N sockets that stay idle (refdesk: guest + presence.watch;
 *            xmpp: signed-in session with presence), report how long it took
 *            and the server's resident memory per socket.
 *
 * Every loop is bounded by a deadline; only 127.0.0.1 is ever contacted.
 * Output lines starting with "RESULT" are for bench/run; the rest is for people.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- small utilities ------------------------------------------------------ */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "loadgen: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (!p)
		die("out of memory");
	return p;
}

static double cpu_self_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

/* CPU seconds (all threads) of another process, from /proc; -1 if unknown. */
static double cpu_of_pid(int pid)
{
	char path[64], buf[2048], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;
	size_t n;
	int i;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* fields after ')' start at 3 (state); utime is 14, stime 15 */
	for (i = 3; i < 14 && p; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static long rss_kb(int pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	if (pid <= 0)
		snprintf(path, sizeof(path), "/proc/self/status");
	else
		snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The p-quantile (0..1) of n sorted values, in milliseconds (values are µs). */
static double quant_ms(const uint32_t *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return -1;
	i = (size_t)ceil(p * (double)n) - 1;
	if (i >= n)
		i = n - 1;
	return v[i] / 1000.0;
}

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(const unsigned char *in, size_t n, char *out)
{
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		*out++ = b64chars[in[i] >> 2];
		*out++ = b64chars[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*out++ = b64chars[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*out++ = b64chars[in[i + 2] & 63];
	}
	if (i < n) {
		*out++ = b64chars[in[i] >> 2];
		if (i + 1 < n) {
			*out++ = b64chars[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			*out++ = b64chars[(in[i + 1] & 15) << 2];
		} else {
			*out++ = b64chars[(in[i] & 3) << 4];
			*out++ = '=';
		}
		*out++ = '=';
	}
	*out = 0;
}

/* Find `"key":` in a compact JSON text and copy its string (or bare) value. */
static int jget(const char *s, size_t len, const char *key, char *out, size_t outsz)
{
	char pat[64];
	const char *p, *end = s + len, *q;
	size_t pl, n;

	pl = (size_t)snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = memmem(s, len, pat, pl);
	if (!p)
		return -1;
	p += pl;
	while (p < end && *p == ' ')
		p++;
	if (p < end && *p == '"') {
		p++;
		q = memchr(p, '"', (size_t)(end - p));
	} else {
		q = p;
		while (q < end && *q != ',' && *q != '}')
			q++;
	}
	if (!q)
		return -1;
	n = (size_t)(q - p);
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, p, n);
	out[n] = 0;
	return 0;
}

/* The value of attribute `name` (either quote) in an XML start tag. */
static int xattr(const char *s, size_t len, const char *name, char *out, size_t outsz)
{
	char pat[32];
	const char *p, *end = s + len, *q;
	size_t pl, n;

	pl = (size_t)snprintf(pat, sizeof(pat), " %s=", name);
	p = memmem(s, len, pat, pl);
	if (!p || p + pl >= end)
		return -1;
	p += pl;
	q = memchr(p + 1, *p, (size_t)(end - p - 1));
	if (!q)
		return -1;
	p++;
	n = (size_t)(q - p);
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, p, n);
	out[n] = 0;
	return 0;
}

static int has(const char *s, size_t len, const char *needle)
{
	return memmem(s, len, needle, strlen(needle)) != NULL;
}

/* ---- options ---------------------------------------------------------------- */

enum proto { PR_REFDESK, PR_XMPP };

static struct {
	enum proto proto;
	int port;
	int op_port;    /* refdesk: operators connect here (another node); 0: --port */
	int pairs;
	int ops;
	int conns;
	int server_pid;
	int window;
	int ladder;
	double probe;
	double step_secs;
	double warmup;
	double limit_ms;
	double drain_secs;
	double hold;
	double setup_secs;
	long count;
	char *rates;
	char *cookies_file;
	const char *queue_prefix;
	const char *domain;
	const char *user_prefix;
	const char *op_prefix;
	const char *password;
	const char *user;
	int text_len;
	const char *label;
	int verbose;
} opt = {
	.proto = PR_REFDESK, .port = 8080, .pairs = 10, .ops = 4, .conns = 1000,
	.window = 256, .step_secs = 2.0, .warmup = 0.5, .limit_ms = 50, .drain_secs = 1.0,
	.hold = 0, .setup_secs = 120, .rates = "1000", .queue_prefix = "bench",
	.domain = "localhost", .user_prefix = "g", .op_prefix = "o", .password = "bench-password",
	.text_len = 64, .label = "",
};

static char **cookies;
static int ncookies;

/* ---- connections ------------------------------------------------------------- */

enum kind { KIND_GUEST, KIND_OP, KIND_IDLE };
enum cstate { CS_CONNECTING, CS_UPGRADING, CS_OPEN, CS_DEAD };
enum xstate { XS_NONE, XS_OPEN1, XS_AUTH, XS_OPEN2, XS_BIND, XS_PING, XS_READY };

struct conn {
	int fd;
	int idx;
	enum kind kind;
	enum cstate st;
	enum xstate xs;
	int ready;        /* set-up done */
	int dirty;        /* on the flush list */
	int armed_out;    /* EPOLLOUT registered */
	int chat;         /* guests: their chat index */
	unsigned char *in;
	size_t inlen, incap;
	unsigned char *out;
	size_t outlen, outoff, outcap;
	char *frag;
	size_t fraglen, fragcap;
	char user[32];
	char jid[64];
};

struct chat {
	int guest, op;
	char id[48];
	int started, accepted, ended;
};

static int ep = -1;
static struct conn **conns;
static int nconns;
static struct conn **dirty;
static int ndirty;
static struct chat *chats;
static int nchats;

static struct {
	long connect_err, closed, proto_err, errors, ok_frames;
	int ready;
	int started, accepted, ended;
} cnt;

/* current relay step */
static struct {
	int id;           /* step number, embedded in message ids */
	double t0;        /* start of sending */
	double *sent_at;  /* intended send time of message n */
	long cap, sent;
	long delivered, acked, late_stray;
	uint32_t *dlat, *alat;
	long ndlat, nalat;
	double measure_from;
	int active;
} step;

static char payload[4096];

static void mark_dirty(struct conn *c)
{
	if (!c->dirty && c->st != CS_DEAD) {
		c->dirty = 1;
		dirty[ndirty++] = c;
	}
}

static void out_reserve(struct conn *c, size_t n)
{
	if (c->outlen + n > c->outcap) {
		if (c->outoff) {
			memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
			c->outlen -= c->outoff;
			c->outoff = 0;
		}
		if (c->outlen + n > c->outcap) {
			c->outcap = (c->outlen + n) * 2;
			c->out = xrealloc(c->out, c->outcap);
		}
	}
}

static void out_raw(struct conn *c, const void *p, size_t n)
{
	out_reserve(c, n);
	memcpy(c->out + c->outlen, p, n);
	c->outlen += n;
	mark_dirty(c);
}

/* A masked text frame.  The mask key is zero: a valid key that leaves the payload as is. */
static void ws_send(struct conn *c, const char *p, size_t n)
{
	unsigned char h[14];
	size_t hl;

	if (c->st != CS_OPEN)
		return;
	h[0] = 0x81;
	if (n < 126) {
		h[1] = (unsigned char)(0x80 | n);
		hl = 2;
	} else if (n < 65536) {
		h[1] = 0x80 | 126;
		h[2] = (unsigned char)(n >> 8);
		h[3] = (unsigned char)n;
		hl = 4;
	} else {
		die("frame too long");
	}
	memset(h + hl, 0, 4);
	hl += 4;
	out_reserve(c, hl + n);
	memcpy(c->out + c->outlen, h, hl);
	memcpy(c->out + c->outlen + hl, p, n);
	c->outlen += hl + n;
	mark_dirty(c);
}

static void ws_sendf(struct conn *c, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		die("frame too long");
	ws_send(c, buf, (size_t)n);
}

static void ws_control(struct conn *c, int opcode, const unsigned char *p, size_t n)
{
	unsigned char h[6 + 125];

	if (n > 125)
		n = 125;
	h[0] = (unsigned char)(0x80 | opcode);
	h[1] = (unsigned char)(0x80 | n);
	memset(h + 2, 0, 4);
	memcpy(h + 6, p, n);
	out_raw(c, h, 6 + n);
}

static void conn_kill(struct conn *c, int reset)
{
	struct linger lg = { 1, 0 };

	if (c->st == CS_DEAD)
		return;
	if (reset)  /* RST: leaves no TIME_WAIT behind on loopback ports */
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->st = CS_DEAD;
	free(c->in);
	free(c->out);
	free(c->frag);
	c->in = NULL;
	c->out = NULL;
	c->frag = NULL;
	c->incap = c->outcap = c->fragcap = 0;
	c->inlen = c->outlen = c->outoff = c->fraglen = 0;
}

static int tearing_down;

static void conn_lost(struct conn *c, const char *why)
{
	if (c->st == CS_DEAD)
		return;
	if (tearing_down) {
		conn_kill(c, 1);
		return;
	}
	cnt.closed++;
	if (opt.verbose || cnt.closed <= 3)
		fprintf(stderr, "loadgen: connection %d (%s) lost: %s\n", c->idx,
			c->kind == KIND_OP ? "operator" : c->kind == KIND_GUEST ? "guest" : "idle",
			why);
	conn_kill(c, 1);
}

/*
 * Give the socket a source port of its own before connect(): left to the
 * kernel, connect() searches the ephemeral range for a free port, and with
 * thousands of connections to one address that search walks the ones in
 * use each time (__inet_hash_connect): 20,000 sockets cost this process
 * 4.6 s of system time, and the idle figure measured that, not the server.
 * Ports are handed out in turn from the local range; one taken by someone
 * else is skipped.  A failure leaves the choice to connect().
 */
static void bind_source_port(int fd)
{
	static int lo, hi, next;
	struct sockaddr_in src = { .sin_family = AF_INET };
	int tries;

	if (!lo) {
		FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");

		if (!f || fscanf(f, "%d %d", &lo, &hi) != 2 || lo < 1024 || hi <= lo)
			lo = 32768, hi = 60999;
		if (f)
			fclose(f);
		next = lo;
	}
	src.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (tries = 0; tries < 64; tries++) {
		src.sin_port = htons((uint16_t)next);
		next = next >= hi ? lo : next + 1;
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) == 0)
			return;
		if (errno != EADDRINUSE)
			return;
	}
}

/* The port a connection goes to: operators to --op-port when given. */
static int conn_port(const struct conn *c)
{
	return c->kind == KIND_OP && opt.op_port ? opt.op_port : opt.port;
}

static struct conn *conn_open(enum kind kind, const char *user)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct epoll_event ev = { 0 };
	struct conn *c = xcalloc(1, sizeof(*c));
	int one = 1;

	c->idx = nconns;
	c->kind = kind;
	c->chat = -1;
	if (user)
		snprintf(c->user, sizeof(c->user), "%s", user);
	conns[nconns++] = c;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		cnt.connect_err++;
		c->st = CS_DEAD;
		return c;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	bind_source_port(c->fd);
	sa.sin_port = htons((uint16_t)conn_port(c));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		cnt.connect_err++;
		close(c->fd);
		c->st = CS_DEAD;
		return c;
	}
	c->st = CS_CONNECTING;
	ev.events = EPOLLIN | EPOLLOUT;
	c->armed_out = 1;
	ev.data.ptr = c;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
	return c;
}

static void send_upgrade(struct conn *c)
{
	char req[1024];
	int n;
	const char *cookie = "";

	if (opt.proto == PR_REFDESK && c->kind == KIND_OP)
		cookie = cookies[c->idx % ncookies];
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
		     "Connection: Upgrade\r\nSec-WebSocket-Key: cmVmZGVzay1iZW5jaC0wMQ==\r\n"
		     "Sec-WebSocket-Version: 13\r\n%s%s%s%s\r\n",
		     opt.proto == PR_XMPP ? "/xmpp-websocket" : "/ws", conn_port(c),
		     opt.proto == PR_XMPP ? "Sec-WebSocket-Protocol: xmpp\r\n" : "",
		     *cookie ? "Cookie: " : "", cookie, *cookie ? "\r\n" : "");
	out_raw(c, req, (size_t)n);
	c->st = CS_UPGRADING;
}

/* ---- protocol handlers ------------------------------------------------------ */

static void proto_on_open(struct conn *c);
static void proto_on_frame(struct conn *c, char *p, size_t n);

static void report_error(struct conn *c, const char *p, size_t n)
{
	cnt.errors++;
	if (opt.verbose || cnt.errors <= 5)
		fprintf(stderr, "loadgen: conn %d got error: %.*s\n", c->idx,
			(int)(n > 300 ? 300 : n), p);
}

static void record(uint32_t **arr, long *n, double lat_s)
{
	double us = lat_s * 1e6;

	if (*n < step.cap)
		(*arr)[(*n)++] = us < 0 ? 0 : us > 4e9 ? 4000000000u : (uint32_t)us;
}

/* A message id "S.N": is it of the current step, and which message? */
static long parse_mid(const char *id)
{
	char *end;
	long s = strtol(id, &end, 10), n;

	if (*end != '.' || s != step.id)
		return -1;
	n = strtol(end + 1, &end, 10);
	if (*end || n < 0 || n >= step.sent)
		return -1;
	return n;
}

static void on_delivery(const char *id, double t)
{
	long n = parse_mid(id);

	if (n < 0) {
		step.late_stray++;
		return;
	}
	step.delivered++;
	if (step.sent_at[n] >= step.measure_from)
		record(&step.dlat, &step.ndlat, t - step.sent_at[n]);
}

static void on_ack(const char *id, double t)
{
	long n = parse_mid(id);

	if (n < 0) {
		step.late_stray++;
		return;
	}
	step.acked++;
	if (step.sent_at[n] >= step.measure_from)
		record(&step.alat, &step.nalat, t - step.sent_at[n]);
}

static void rd_frame(struct conn *c, char *p, size_t n)
{
	char type[32], id[80], buf[80];
	double t = now_s();

	if (jget(p, n, "type", type, sizeof(type)) < 0) {
		cnt.proto_err++;
		return;
	}
	if (!strcmp(type, "event")) {
		if (!has(p, n, "\"kind\":\"message\""))
			return;
		if (jget(p, n, "from", buf, sizeof(buf)) < 0 || jget(p, n, "cid", id, sizeof(id)) < 0)
			return;
		/* the sender gets its own event too; count what crossed to the other side */
		if ((c->kind == KIND_GUEST) != !strcmp(buf, "guest"))
			on_delivery(id, t);
		return;
	}
	if (!strcmp(type, "ack")) {
		if (jget(p, n, "id", id, sizeof(id)) == 0) {
			if (id[0] == 'e') {
				cnt.ended++;
				return;
			}
			on_ack(id, t);
		}
		return;
	}
	if (!strcmp(type, "error")) {
		report_error(c, p, n);
		return;
	}
	if (!strcmp(type, "hello") && c->kind == KIND_OP) {
		ws_sendf(c, "{\"type\":\"availability.set\",\"id\":\"av\",\"queue\":\"%s%d\","
			 "\"available\":true}", opt.queue_prefix, c->idx % opt.ops);
		return;
	}
	if (strcmp(type, "ok"))
		return;
	cnt.ok_frames++;
	if (jget(p, n, "id", id, sizeof(id)) < 0)
		return;
	if (!strcmp(id, "av") || !strcmp(id, "pw")) {
		c->ready = 1;
		cnt.ready++;
	} else if (!strcmp(id, "st") && c->chat >= 0) {
		struct chat *ch = &chats[c->chat];

		if (jget(p, n, "chat", ch->id, sizeof(ch->id)) == 0) {
			ch->started = 1;
			c->ready = 1;
			cnt.started++;
			cnt.ready++;
		}
	} else if (id[0] == 'a' && id[1] == 'c') {
		long k = strtol(id + 2, NULL, 10);

		if (k >= 0 && k < nchats && !chats[k].accepted) {
			chats[k].accepted = 1;
			cnt.accepted++;
		}
	}
}

static void xmpp_open_stream(struct conn *c)
{
	ws_sendf(c, "<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" to=\"%s\" version=\"1.0\"/>",
		 opt.domain);
}

static void xm_frame(struct conn *c, char *p, size_t n)
{
	char id[80];
	double t = now_s();

	if (n >= 8 && !memcmp(p, "<message", 8)) {
		if (has(p, n, "<body>") && xattr(p, n, "id", id, sizeof(id)) == 0)
			on_delivery(id, t);
		else if (has(p, n, "type='error'") || has(p, n, "type=\"error\""))
			report_error(c, p, n);
		return;
	}
	if (n >= 5 && !memcmp(p, "<open", 5))
		return;
	if (has(p, n, "<stream:features") || (n >= 9 && !memcmp(p, "<features", 9))) {
		if (c->xs == XS_OPEN1) {
			unsigned char raw[160];
			char b64[240];
			size_t ul = strlen(c->user), pl = strlen(opt.password);

			raw[0] = 0;
			memcpy(raw + 1, c->user, ul);
			raw[1 + ul] = 0;
			memcpy(raw + 2 + ul, opt.password, pl);
			base64(raw, 2 + ul + pl, b64);
			ws_sendf(c, "<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"PLAIN\">"
				 "%s</auth>", b64);
			c->xs = XS_AUTH;
		} else if (c->xs == XS_OPEN2) {
			ws_sendf(c, "<iq xmlns=\"jabber:client\" type=\"set\" id=\"bind\"><bind "
				 "xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"><resource>r</resource>"
				 "</bind></iq>");
			c->xs = XS_BIND;
		}
		return;
	}
	if (n >= 8 && !memcmp(p, "<success", 8) && c->xs == XS_AUTH) {
		xmpp_open_stream(c);
		c->xs = XS_OPEN2;
		return;
	}
	if (n >= 8 && !memcmp(p, "<failure", 8)) {
		report_error(c, p, n);
		conn_lost(c, "SASL failure");
		return;
	}
	if (n >= 3 && !memcmp(p, "<iq", 3)) {
		if (c->xs == XS_BIND && has(p, n, "result")) {
			const char *j = memmem(p, n, "<jid>", 5), *e;

			if (j && (e = memmem(j, (size_t)(p + n - j), "</jid>", 6)))
				snprintf(c->jid, sizeof(c->jid), "%.*s", (int)(e - j - 5), j + 5);
			/* initial presence, then a ping so "ready" means the server took both */
			ws_sendf(c, "<presence xmlns=\"jabber:client\"/>");
			ws_sendf(c, "<iq xmlns=\"jabber:client\" type=\"get\" id=\"ping\">"
				 "<ping xmlns=\"urn:xmpp:ping\"/></iq>");
			c->xs = XS_PING;
		} else if (c->xs == XS_PING && has(p, n, "result")) {
			c->xs = XS_READY;
			c->ready = 1;
			cnt.ready++;
		} else if (has(p, n, "type='error'") || has(p, n, "type=\"error\"")) {
			report_error(c, p, n);
		} else if (has(p, n, "type='get'") || has(p, n, "type=\"get\"")) {
			/* a server ping: answer it */
			if (xattr(p, n, "id", id, sizeof(id)) == 0)
				ws_sendf(c, "<iq xmlns=\"jabber:client\" type=\"result\" id=\"%s\"/>", id);
		}
		return;
	}
	if (n >= 6 && !memcmp(p, "<close", 6)) {
		conn_lost(c, "stream closed by server");
		return;
	}
	if (has(p, n, "stream:error") || has(p, n, "<error")) {
		report_error(c, p, n);
		return;
	}
}

static void proto_on_open(struct conn *c)
{
	if (opt.proto == PR_XMPP) {
		xmpp_open_stream(c);
		c->xs = XS_OPEN1;
		return;
	}
	if (c->kind == KIND_IDLE)
		ws_sendf(c, "{\"type\":\"presence.watch\",\"id\":\"pw\",\"queues\":[\"%s0\"]}",
			 opt.queue_prefix);
	else if (c->kind == KIND_GUEST)
		ws_sendf(c, "{\"type\":\"chat.start\",\"id\":\"st\",\"queue\":\"%s%d\"}",
			 opt.queue_prefix, chats[c->chat].op % opt.ops);
	/* operators wait for hello */
}

static void proto_on_frame(struct conn *c, char *p, size_t n)
{
	if (opt.proto == PR_XMPP)
		xm_frame(c, p, n);
	else
		rd_frame(c, p, n);
}

/* ---- input: HTTP upgrade answer, then frames --------------------------------- */

static void parse_input(struct conn *c)
{
	size_t off = 0;

	if (c->st == CS_UPGRADING) {
		unsigned char *e = memmem(c->in, c->inlen, "\r\n\r\n", 4);

		if (!e) {
			if (c->inlen > 8192)
				conn_lost(c, "upgrade answer too long");
			return;
		}
		if (c->inlen < 12 || memcmp(c->in, "HTTP/1.1 101", 12)) {
			fprintf(stderr, "loadgen: upgrade refused: %.*s\n",
				(int)(c->inlen > 80 ? 80 : c->inlen), c->in);
			cnt.connect_err++;
			conn_lost(c, "upgrade refused");
			return;
		}
		off = (size_t)(e + 4 - c->in);
		c->st = CS_OPEN;
		proto_on_open(c);
	}
	while (c->st == CS_OPEN && c->inlen - off >= 2) {
		unsigned char *h = c->in + off;
		size_t avail = c->inlen - off, hl = 2, len = h[1] & 127;
		int fin = h[0] & 0x80, opcode = h[0] & 15, masked = h[1] & 0x80;

		if (len == 126) {
			if (avail < 4)
				break;
			len = ((size_t)h[2] << 8) | h[3];
			hl = 4;
		} else if (len == 127) {
			if (avail < 10)
				break;
			len = 0;
			for (int i = 0; i < 8; i++)
				len = (len << 8) | h[2 + i];
			hl = 10;
		}
		if (masked)
			hl += 4;
		if (len > (16u << 20)) {
			conn_lost(c, "frame too large");
			return;
		}
		if (avail < hl + len)
			break;
		if (masked) {
			for (size_t i = 0; i < len; i++)
				h[hl + i] ^= h[hl - 4 + (i & 3)];
		}
		off += hl + len;
		if (opcode == 9) {
			ws_control(c, 10, h + hl, len);
		} else if (opcode == 8) {
			char why[64];

			snprintf(why, sizeof(why), "close frame %d",
				 len >= 2 ? (h[hl] << 8) | h[hl + 1] : 0);
			conn_lost(c, why);
			return;
		} else if (opcode == 0 || opcode == 1 || opcode == 2) {
			if (opcode != 0)
				c->fraglen = 0;
			if (fin && !c->fraglen) {
				char save = (char)h[hl + len];

				/* nul-terminate in place for the string helpers */
				if (hl + len < avail) {
					h[hl + len] = 0;
					proto_on_frame(c, (char *)h + hl, len);
					if (c->st == CS_OPEN)
						h[hl + len] = (unsigned char)save;
				} else {
					char *tmp = xrealloc(NULL, len + 1);

					memcpy(tmp, h + hl, len);
					tmp[len] = 0;
					proto_on_frame(c, tmp, len);
					free(tmp);
				}
			} else {
				if (c->fraglen + len + 1 > c->fragcap) {
					c->fragcap = (c->fraglen + len + 1) * 2;
					c->frag = xrealloc(c->frag, c->fragcap);
				}
				memcpy(c->frag + c->fraglen, h + hl, len);
				c->fraglen += len;
				if (fin) {
					c->frag[c->fraglen] = 0;
					proto_on_frame(c, c->frag, c->fraglen);
					c->fraglen = 0;
				}
			}
		}
		if (c->st != CS_OPEN)
			return;
	}
	if (c->st == CS_DEAD)
		return;
	if (off) {
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
	}
}

static void on_readable(struct conn *c)
{
	for (int rounds = 0; rounds < 64 && c->st != CS_DEAD; rounds++) {
		ssize_t r;

		if (c->incap - c->inlen < 16384) {
			c->incap = c->incap ? c->incap * 2 : 32768;
			if (c->incap > (64u << 20)) {
				conn_lost(c, "input backlog");
				return;
			}
			c->in = xrealloc(c->in, c->incap);
		}
		r = read(c->fd, c->in + c->inlen, c->incap - c->inlen);
		if (r > 0) {
			c->inlen += (size_t)r;
			parse_input(c);
			if (c->st != CS_DEAD && c->inlen == 0 && c->incap > 65536) {
				free(c->in);  /* keep idle sockets small */
				c->in = NULL;
				c->incap = 0;
			}
			continue;
		}
		if (r == 0) {
			conn_lost(c, "closed by server");
			return;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		if (errno == EINTR)
			continue;
		conn_lost(c, strerror(errno));
		return;
	}
}

static void set_out_interest(struct conn *c, int want)
{
	struct epoll_event ev = { 0 };

	if (c->armed_out == want)
		return;
	ev.events = EPOLLIN | (want ? EPOLLOUT : 0);
	ev.data.ptr = c;
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
	c->armed_out = want;
}

static void flush_conn(struct conn *c)
{
	while (c->st != CS_DEAD && c->st != CS_CONNECTING && c->outoff < c->outlen) {
		ssize_t w = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);

		if (w > 0) {
			c->outoff += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			set_out_interest(c, 1);
			return;
		}
		conn_lost(c, w < 0 ? strerror(errno) : "write 0");
		return;
	}
	if (c->st == CS_DEAD || c->st == CS_CONNECTING)
		return;
	c->outoff = c->outlen = 0;
	if (c->outcap > 65536) {
		free(c->out);
		c->out = NULL;
		c->outcap = 0;
	}
	set_out_interest(c, 0);
}

static void flush_dirty(void)
{
	for (int i = 0; i < ndirty; i++) {
		dirty[i]->dirty = 0;
		flush_conn(dirty[i]);
	}
	ndirty = 0;
}

/* Wait at most `timeout` seconds (sub-millisecond: a steady rate needs it). */
static void poll_wait(double timeout)
{
	struct epoll_event evs[512];
	struct timespec ts;
	int n;

	if (timeout < 0)
		timeout = 0;
	ts.tv_sec = (time_t)timeout;
	ts.tv_nsec = (long)((timeout - (double)ts.tv_sec) * 1e9);
	n = epoll_pwait2(ep, evs, 512, &ts, NULL);

	for (int i = 0; i < n; i++) {
		struct conn *c = evs[i].data.ptr;

		if (c->st == CS_DEAD)
			continue;
		if (c->st == CS_CONNECTING) {
			int err = 0;
			socklen_t el = sizeof(err);

			if (!(evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
				continue;
			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
			if (err) {
				cnt.connect_err++;
				conn_lost(c, strerror(err));
				continue;
			}
			send_upgrade(c);
			flush_conn(c);
			continue;
		}
		if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
			on_readable(c);
		if (c->st != CS_DEAD && (evs[i].events & EPOLLOUT))
			flush_conn(c);
	}
	flush_dirty();
}

static void poll_once(int timeout_ms)
{
	poll_wait(timeout_ms / 1000.0);
}

/* Run the loop until pred() holds or the deadline passes; returns pred(). */
static int run_until(int (*pred)(void), double deadline)
{
	while (!pred()) {
		double left = deadline - now_s();

		if (left <= 0)
			return pred();
		poll_once(left > 0.05 ? 50 : (int)(left * 1000) + 1);
	}
	return 1;
}

static int pred_never(void)
{
	return 0;
}

static void run_for(double secs)
{
	run_until(pred_never, now_s() + secs);
}

static void setup_fds(long want)
{
	struct rlimit rl;

	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((long)rl.rlim_cur < want + 16)
		die("needs %ld file descriptors, the limit is %ld", want + 16, (long)rl.rlim_cur);
}

static void init_loop(long maxconns)
{
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1: %s", strerror(errno));
	conns = xcalloc((size_t)maxconns + 1, sizeof(*conns));
	dirty = xcalloc((size_t)maxconns + 1, sizeof(*dirty));
	signal(SIGPIPE, SIG_IGN);
}

/* ---- relay ------------------------------------------------------------------ */

static int target_ready;

static int pred_ready(void)
{
	return cnt.ready >= target_ready || cnt.closed || cnt.connect_err;
}

static int pred_accepted(void)
{
	return cnt.accepted >= nchats || cnt.closed || cnt.errors;
}

static int pred_ended(void)
{
	return cnt.ended >= nchats || cnt.closed;
}

static int pred_drained(void)
{
	return step.delivered >= step.sent && (opt.proto == PR_XMPP || step.acked >= step.sent);
}

/* Open `n` connections, at most opt.window in set-up at once. */
static int open_many(int n, enum kind kind, double deadline)
{
	int base = cnt.ready, opened = 0, base_lost = 0;

	while (opened < n && now_s() < deadline) {
		while (opened < n && opened - (cnt.ready - base) -
				     (kind == KIND_IDLE ? (int)(cnt.closed + cnt.connect_err) : 0) < opt.window) {
			struct conn *c;
			char user[32];

			snprintf(user, sizeof(user), "%s%d",
				 kind == KIND_OP ? opt.op_prefix : opt.user_prefix, opened);
			c = conn_open(kind, user);
			if (kind == KIND_GUEST)
				c->chat = opened, chats[opened].guest = c->idx;
			opened++;
			if (c->st == CS_DEAD && kind != KIND_IDLE)
				return -1;
		}
		poll_once(20);
		/* idle sockets: count losses and go on, so the result says how many held */
		if (kind != KIND_IDLE && (cnt.closed || cnt.connect_err))
			return -1;
		if (kind == KIND_IDLE)
			base_lost = (int)(cnt.closed + cnt.connect_err);
	}
	target_ready = base + n - (kind == KIND_IDLE ? base_lost : 0);
	if (kind == KIND_IDLE) {
		while (now_s() < deadline && cnt.ready + (int)(cnt.closed + cnt.connect_err) < base + n)
			poll_once(20);
		return cnt.ready >= base + n ? 0 : -1;
	}
	return run_until(pred_ready, deadline) && !cnt.closed && !cnt.connect_err ? 0 : -1;
}

static void send_one(long n)
{
	/* stream s: chat s/2, side s%2 (0: guest -> operator, 1: operator -> guest) */
	long s = n % (2L * nchats);
	struct chat *ch = &chats[s / 2];
	struct conn *from = conns[s % 2 ? ch->op : ch->guest];
	struct conn *to = conns[s % 2 ? ch->guest : ch->op];

	if (opt.proto == PR_REFDESK)
		ws_sendf(from, "{\"type\":\"msg.send\",\"id\":\"%d.%ld\",\"chat\":\"%s\",\"text\":\"%s\"}",
			 step.id, n, ch->id, payload);
	else
		ws_sendf(from, "<message xmlns=\"jabber:client\" type=\"chat\" to=\"%s\" id=\"%d.%ld\">"
			 "<body>%s</body></message>", to->jid, step.id, n, payload);
}

struct step_result {
	double rate, achieved, secs;
	long sent, delivered, acked, errors;
	double d50, d99, d999, dmax, a50, a99, a999;
	double lg_cpu, srv_cpu;
	int pass;
};

static struct step_result run_step(double rate, double secs, long count)
{
	struct step_result r = { 0 };
	long errs0 = cnt.errors, closed0 = cnt.closed;
	double cpu0 = cpu_self_s(), scpu0 = cpu_of_pid(opt.server_pid), t_end, t;
	double interval = 1.0 / rate;

	step.id++;
	step.cap = count > 0 ? count : (long)(rate * secs * 1.05) + 16;
	step.sent_at = xrealloc(step.sent_at, (size_t)step.cap * sizeof(double));
	step.dlat = xrealloc(step.dlat, (size_t)step.cap * sizeof(uint32_t));
	step.alat = xrealloc(step.alat, (size_t)step.cap * sizeof(uint32_t));
	step.sent = step.delivered = step.acked = step.ndlat = step.nalat = step.late_stray = 0;
	step.t0 = now_s();
	step.measure_from = count > 0 ? step.t0 : step.t0 + opt.warmup;
	t_end = count > 0 ? step.t0 + (double)count / rate : step.t0 + secs;
	/* open loop: message n is due at t0 + n/rate whatever the server does */
	while ((t = now_s()) < t_end + 1e-9 && step.sent < step.cap) {
		long due = (long)((t - step.t0) / interval) + 1;

		if (due > step.cap)
			due = step.cap;
		while (step.sent < due) {
			step.sent_at[step.sent] = step.t0 + (double)step.sent * interval;
			send_one(step.sent);
			step.sent++;
		}
		flush_dirty();
		poll_wait(step.t0 + (double)step.sent * interval - now_s());
		if (cnt.closed > closed0)
			break;
	}
	r.secs = now_s() - step.t0;
	run_until(pred_drained, now_s() + (count > 0 ? 120 : opt.drain_secs));
	r.lg_cpu = (cpu_self_s() - cpu0) / (now_s() - step.t0) * 100;
	if (scpu0 >= 0)
		r.srv_cpu = (cpu_of_pid(opt.server_pid) - scpu0) / (now_s() - step.t0) * 100;
	else
		r.srv_cpu = -1;
	qsort(step.dlat, (size_t)step.ndlat, sizeof(uint32_t), cmp_u32);
	qsort(step.alat, (size_t)step.nalat, sizeof(uint32_t), cmp_u32);
	r.rate = rate;
	r.sent = step.sent;
	r.achieved = step.sent / (r.secs > 0 ? r.secs : 1);
	r.delivered = step.delivered;
	r.acked = step.acked;
	r.errors = cnt.errors - errs0 + (cnt.closed - closed0);
	r.d50 = quant_ms(step.dlat, (size_t)step.ndlat, 0.50);
	r.d99 = quant_ms(step.dlat, (size_t)step.ndlat, 0.99);
	r.d999 = quant_ms(step.dlat, (size_t)step.ndlat, 0.999);
	r.dmax = step.ndlat ? step.dlat[step.ndlat - 1] / 1000.0 : -1;
	r.a50 = quant_ms(step.alat, (size_t)step.nalat, 0.50);
	r.a99 = quant_ms(step.alat, (size_t)step.nalat, 0.99);
	r.a999 = quant_ms(step.alat, (size_t)step.nalat, 0.999);
	r.pass = r.errors == 0 && r.delivered == r.sent &&
		 (opt.proto == PR_XMPP || r.acked == r.sent) && r.d99 >= 0 && r.d99 < opt.limit_ms;
	printf("RESULT relay label=%s proto=%s pairs=%d rate=%.0f achieved=%.0f sent=%ld "
	       "delivered=%ld acked=%ld errors=%ld d50=%.3f d99=%.3f d999=%.3f dmax=%.3f "
	       "a50=%.3f a99=%.3f a999=%.3f lg_cpu=%.1f srv_cpu=%.1f pass=%d\n",
	       opt.label, opt.proto == PR_XMPP ? "xmpp" : "refdesk", nchats, rate, r.achieved,
	       r.sent, r.delivered, opt.proto == PR_XMPP ? -1 : r.acked, r.errors, r.d50, r.d99,
	       r.d999, r.dmax, r.a50, r.a99, r.a999, r.lg_cpu, r.srv_cpu, r.pass);
	fflush(stdout);
	/* let stragglers of a failed step pass before the next one */
	run_for(r.pass ? 0.2 : 1.0);
	return r;
}

static int relay_setup(void)
{
	double deadline = now_s() + opt.setup_secs, t0 = now_s();
	int i;

	nchats = opt.pairs;
	chats = xcalloc((size_t)nchats, sizeof(*chats));
	for (i = 0; i < nchats; i++)
		chats[i].op = i % opt.ops;  /* conn index of operator k is k */
	if (open_many(opt.ops, KIND_OP, deadline) < 0) {
		fprintf(stderr, "loadgen: operators did not get ready\n");
		return -1;
	}
	for (i = 0; i < nchats; i++)
		chats[i].guest = -1;
	if (open_many(nchats, KIND_GUEST, deadline) < 0) {
		fprintf(stderr, "loadgen: guests did not get ready (%d of %d)\n",
			cnt.ready - opt.ops, nchats);
		return -1;
	}
	if (opt.proto == PR_REFDESK) {
		for (i = 0; i < nchats; i++) {
			ws_sendf(conns[chats[i].op], "{\"type\":\"chat.accept\",\"id\":\"ac%d\",\"chat\":\"%s\"}",
				 i, chats[i].id);
			if (i % 256 == 255)
				poll_once(0);
		}
		flush_dirty();
		if (!run_until(pred_accepted, deadline) || cnt.errors || cnt.closed) {
			fprintf(stderr, "loadgen: chats not accepted (%d of %d)\n", cnt.accepted, nchats);
			return -1;
		}
	}
	run_for(0.3);
	printf("# setup: %d operator and %d guest sockets, %d chats in %.2f s\n", opt.ops, nchats,
	       nchats, now_s() - t0);
	fflush(stdout);
	return 0;
}

static void relay_teardown(void)
{
	int i;

	if (opt.proto == PR_REFDESK) {
		for (i = 0; i < nchats; i++)
			if (chats[i].accepted && conns[chats[i].guest]->st == CS_OPEN)
				ws_sendf(conns[chats[i].guest],
					 "{\"type\":\"chat.end\",\"id\":\"e%d\",\"chat\":\"%s\"}", i, chats[i].id);
		flush_dirty();
		run_until(pred_ended, now_s() + 10);
	} else {
		tearing_down = 1;
		for (i = 0; i < nconns; i++)
			if (conns[i]->st == CS_OPEN)
				ws_sendf(conns[i], "<close xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\"/>");
		flush_dirty();
		run_for(0.2);
	}
	for (i = 0; i < nconns; i++)
		conn_kill(conns[i], 1);
}

static int mode_relay(void)
{
	double rates[64], best = 0, last_fail = 0, failed_at = 0;
	int consecutive = 0;
	int nrates = 0, i, failed = 0;
	char *s = strdup(opt.rates), *tok, *save = NULL;
	struct step_result r;

	for (tok = strtok_r(s, ",", &save); tok && nrates < 64; tok = strtok_r(NULL, ",", &save))
		rates[nrates++] = atof(tok);
	free(s);
	setup_fds(opt.pairs + opt.ops + 16);
	init_loop(opt.pairs + opt.ops + 16);
	if (relay_setup() < 0) {
		printf("RESULT setup label=%s proto=%s pairs=%d ok=0\n", opt.label,
		       opt.proto == PR_XMPP ? "xmpp" : "refdesk", opt.pairs);
		relay_teardown();
		return 1;
	}
	for (i = 0; i < nrates; i++) {
		/* the ladder stops after two failures in a row, once past the --probe rate */
		if (opt.ladder && consecutive >= 2 && rates[i] > opt.probe)
			break;
		r = run_step(rates[i], opt.step_secs, opt.count);
		/* a shared machine stalls now and then: a near miss (everything delivered, p99
		 * under 4x the limit) gets a second attempt; a collapse does not */
		if (opt.ladder && !r.pass && !cnt.closed && r.errors == 0 &&
		    r.delivered == r.sent && r.d99 < 4 * opt.limit_ms)
			r = run_step(rates[i], opt.step_secs, opt.count);
		if (r.pass) {
			consecutive = 0;
			if (rates[i] > best)
				best = rates[i];
		} else {
			consecutive++;
			failed++;
			if (rates[i] > best && (last_fail == 0 || rates[i] < last_fail))
				last_fail = rates[i];
		}
		if (cnt.closed)
			break;
	}
	/* the first failure above the best pass */
	last_fail = 0;
	for (i = 0; i < nrates; i++)
		if (rates[i] > best) {
			last_fail = rates[i];
			break;
		}
	(void)failed_at;
	if (opt.ladder && last_fail > 0 && best > 0 && !cnt.closed) {
		/* one more rate half-way (geometrically) between the last pass and the fail */
		double mid = floor(sqrt(best * last_fail) / 100 + 0.5) * 100;

		if (mid > best && mid < last_fail) {
			r = run_step(mid, opt.step_secs, opt.count);
			if (!r.pass && !cnt.closed)
				r = run_step(mid, opt.step_secs, opt.count);
			if (r.pass)
				best = mid;
		}
	}
	if (opt.ladder)
		printf("RESULT max label=%s proto=%s pairs=%d max_rate=%.0f first_fail=%.0f "
		       "lost_conns=%ld\n", opt.label, opt.proto == PR_XMPP ? "xmpp" : "refdesk", nchats,
		       best, last_fail, cnt.closed);
	{
		int lost = cnt.closed > 0;

		relay_teardown();
		return (!opt.ladder && failed) || lost ? 1 : 0;
	}
}

/* ---- idle ------------------------------------------------------------------- */

static int mode_idle(void)
{
	double t0, secs;
	long rss0, rss1, lg0;
	int ok;

	setup_fds(opt.conns + 16);
	init_loop(opt.conns + 16);
	lg0 = rss_kb(0);
	rss0 = rss_kb(opt.server_pid);
	t0 = now_s();
	ok = open_many(opt.conns, KIND_IDLE, now_s() + opt.setup_secs) == 0;
	secs = now_s() - t0;
	run_for(1.5);  /* let the server settle (and a collector run) before measuring */
	rss1 = rss_kb(opt.server_pid);
	printf("RESULT idle label=%s proto=%s conns=%d ready=%d ok=%d secs=%.3f rss_before_kb=%ld "
	       "rss_after_kb=%ld per_conn_kb=%.2f connect_errors=%ld closed=%ld errors=%ld "
	       "loadgen_rss_kb=%ld\n",
	       opt.label, opt.proto == PR_XMPP ? "xmpp" : "refdesk", opt.conns, cnt.ready, ok, secs,
	       rss0, rss1, cnt.ready ? (double)(rss1 - rss0) / cnt.ready : -1, cnt.connect_err,
	       cnt.closed, cnt.errors, rss_kb(0) - lg0);
	fflush(stdout);
	if (opt.hold > 0)
		run_for(opt.hold);
	for (int i = 0; i < nconns; i++)
		conn_kill(conns[i], 1);
	return ok ? 0 : 1;
}

/* ---- signin ------------------------------------------------------------------ */

static int mode_signin(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char body[512], req[1024], resp[8192], *p, *e;
	size_t got = 0;
	int fd, n;
	double deadline = now_s() + 30;
	struct timeval tv = { 30, 0 };

	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons((uint16_t)opt.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect: %s", strerror(errno));
	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", opt.user,
		 opt.password);
	n = snprintf(req, sizeof(req),
		     "POST /api/session HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
		     "Content-Type: application/json\r\nContent-Length: %zu\r\n"
		     "Connection: close\r\n\r\n%s", opt.port, strlen(body), body);
	if (write(fd, req, (size_t)n) != n)
		die("write: %s", strerror(errno));
	while (got < sizeof(resp) - 1 && now_s() < deadline) {
		ssize_t r = read(fd, resp + got, sizeof(resp) - 1 - got);

		if (r <= 0)
			break;
		got += (size_t)r;
		resp[got] = 0;
		if (strstr(resp, "\r\n\r\n") && strstr(resp, "}"))
			break;
	}
	close(fd);
	resp[got] = 0;
	p = strcasestr(resp, "\nset-cookie:");
	if (strncmp(resp, "HTTP/1.1 200", 12) || !p) {
		fprintf(stderr, "loadgen: sign-in failed: %.200s\n", resp);
		return 1;
	}
	p += 12;
	while (*p == ' ')
		p++;
	e = strpbrk(p, ";\r\n");
	printf("%.*s\n", (int)(e ? e - p : (long)strlen(p)), p);
	return 0;
}

/* ---- main -------------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
"usage: loadgen MODE [options]\n"
"  signin --port N --user U --password P        print an operator's session cookie\n"
"  relay  --proto refdesk|xmpp --port N --pairs P --ops K --rates R1,R2,... [--ladder]\n"
"         [--step-secs S] [--warmup S] [--limit-ms MS] [--count N] [--cookies FILE]\n"
"         [--op-port N] (refdesk: operators on another node, guests on --port)\n"
"  idle   --proto refdesk|xmpp --port N --conns N [--hold S]\n"
"common: --server-pid PID (its CPU and memory are read from /proc), --window W (set-ups\n"
"        in flight), --queue-prefix Q (refdesk queues Q0..Q{K-1}; operator k holds Qk),\n"
"        --user-prefix G --op-prefix O --domain D --password P (xmpp accounts G0.., O0..),\n"
"        --text-len N (message text length), --setup-secs S, --label L, --verbose\n"
"The relay's total rate R is split evenly over 2P senders (each side of each chat);\n"
"--count N sends exactly N messages at the first rate (for instruction counts).\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *mode;
	int i;

	if (argc < 2)
		usage();
	mode = argv[1];
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

#define ARG(name) (!strcmp(a, "--" name) && v && ++i)
		if (ARG("proto")) {
			if (!strcmp(v, "xmpp"))
				opt.proto = PR_XMPP;
			else if (!strcmp(v, "refdesk"))
				opt.proto = PR_REFDESK;
			else
				usage();
		} else if (ARG("port")) opt.port = atoi(v);
		else if (ARG("op-port")) opt.op_port = atoi(v);
		else if (ARG("pairs")) opt.pairs = atoi(v);
		else if (ARG("ops")) opt.ops = atoi(v);
		else if (ARG("conns")) opt.conns = atoi(v);
		else if (ARG("server-pid")) opt.server_pid = atoi(v);
		else if (ARG("window")) opt.window = atoi(v);
		else if (ARG("step-secs")) opt.step_secs = atof(v);
		else if (ARG("warmup")) opt.warmup = atof(v);
		else if (ARG("limit-ms")) opt.limit_ms = atof(v);
		else if (ARG("drain-secs")) opt.drain_secs = atof(v);
		else if (ARG("hold")) opt.hold = atof(v);
		else if (ARG("setup-secs")) opt.setup_secs = atof(v);
		else if (ARG("count")) opt.count = atol(v);
		else if (ARG("probe")) opt.probe = atof(v);
		else if (ARG("rates")) opt.rates = (char *)v;
		else if (ARG("cookies")) opt.cookies_file = (char *)v;
		else if (ARG("queue-prefix")) opt.queue_prefix = v;
		else if (ARG("domain")) opt.domain = v;
		else if (ARG("user-prefix")) opt.user_prefix = v;
		else if (ARG("op-prefix")) opt.op_prefix = v;
		else if (ARG("password")) opt.password = v;
		else if (ARG("user")) opt.user = v;
		else if (ARG("text-len")) opt.text_len = atoi(v);
		else if (ARG("label")) opt.label = v;
		else if (!strcmp(a, "--ladder")) opt.ladder = 1;
		else if (!strcmp(a, "--verbose")) opt.verbose = 1;
		else {
			fprintf(stderr, "loadgen: unknown or incomplete option %s\n", a);
			usage();
		}
#undef ARG
	}
	if (opt.text_len < 1 || opt.text_len >= (int)sizeof(payload))
		die("--text-len out of range");
	for (i = 0; i < opt.text_len; i++)  /* plain words, no characters that need escaping */
		payload[i] = "Where is the local history collection kept, please? "[i % 52];
	payload[opt.text_len - 1] = '.';
	if (opt.ops < 1 || opt.pairs < 1 || opt.conns < 1 || opt.window < 1)
		usage();

	if (!strcmp(mode, "signin")) {
		if (!opt.user)
			usage();
		return mode_signin();
	}
	if (!strcmp(mode, "relay")) {
		if (opt.proto == PR_REFDESK) {
			FILE *f;
			char line[1024];

			if (!opt.cookies_file || !(f = fopen(opt.cookies_file, "r")))
				die("refdesk relay needs --cookies FILE (one session cookie a line)");
			while (fgets(line, sizeof(line), f)) {
				line[strcspn(line, "\r\n")] = 0;
				if (!*line)
					continue;
				cookies = xrealloc(cookies, sizeof(*cookies) * (size_t)(ncookies + 1));
				cookies[ncookies++] = strdup(line);
			}
			fclose(f);
			if (ncookies < opt.ops)
				die("%d operators need %d cookies, the file has %d", opt.ops, opt.ops,
				    ncookies);
		}
		return mode_relay();
	}
	if (!strcmp(mode, "idle"))
		return mode_idle();
	usage();
	return 2;
}
