/*
 * link.c - see link.h.
 *
 * DESIGN: one thread owns the socket.  It sleeps in poll() on the socket
 * and on a pipe that the loop thread (or xmpp_link_free()) writes a byte
 * into when there is something to send or it is time to stop.  What the
 * thread reads becomes events on a list under `mu`; what the loop sends is
 * appended, already serialised, to `out` under the same mutex.  `epoch`
 * counts successful handshakes, so a stanza the loop meant for a
 * connection that has since dropped is refused instead of reaching the
 * next one: the loop replays from its own cursors after each UP.
 */
#include "xmpp/link.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "xmpp/xml.h"

enum link_state { LINK_CONNECTING, LINK_HANDSHAKE, LINK_UP, LINK_FAILED };

struct xmpp_link {
	const struct xmpp_link_config *cfg;
	void (*wake)(void *arg);
	void *wake_arg;
	pthread_t thread;
	int pipe[2];

	pthread_mutex_t mu;       /* guards everything below it */
	bool stop;
	bool up;
	uint64_t epoch;
	struct xmpp_event *head, **tail;
	char *out;                /* bytes to write */
	size_t out_len, out_cap, out_off;
	bool out_full;

	/* The thread's own. */
	enum link_state state;
	bool reached_up;          /* this connection completed the handshake */
	char stream_id[128];
	char why[256];            /* this attempt's failure, "" until one */
	char logged[256];         /* the failure logged last, so each is logged once */
	int64_t deadline_ms;
	uint64_t skipped;         /* stanzas over the limits, since the last log line */
	int64_t skipped_logged_ms;
};

/* ---- the queue between the threads ------------------------------------------------ */

static void link_post(struct xmpp_link *l, enum xmpp_event_kind kind, struct xml_node *stanza)
{
	struct xmpp_event *ev = xcalloc(1, sizeof(*ev));

	ev->kind = kind;
	ev->stanza = stanza;
	pthread_mutex_lock(&l->mu);
	if (kind == XMPP_EVENT_UP)
		l->epoch++;
	l->up = kind != XMPP_EVENT_DOWN;
	ev->epoch = l->epoch;
	*l->tail = ev;
	l->tail = &ev->next;
	pthread_mutex_unlock(&l->mu);
	l->wake(l->wake_arg);
}

struct xmpp_event *xmpp_link_take(struct xmpp_link *l)
{
	struct xmpp_event *ev;

	pthread_mutex_lock(&l->mu);
	ev = l->head;
	l->head = NULL;
	l->tail = &l->head;
	pthread_mutex_unlock(&l->mu);
	return ev;
}

void xmpp_events_free(struct xmpp_event *ev)
{
	while (ev) {
		struct xmpp_event *next = ev->next;

		xml_node_free(ev->stanza);
		free(ev);
		ev = next;
	}
}

static void link_poke(struct xmpp_link *l)
{
	char b = 1;

	/* A full pipe already holds a wake-up; nothing is lost by failing. */
	if (write(l->pipe[1], &b, 1) < 0 && errno != EAGAIN)
		log_warn("xmpp: cannot wake the link thread: %s", strerror(errno));
}

/* Append raw bytes to the outbox; the caller holds `mu`. */
static int outbox_add(struct xmpp_link *l, const char *text, size_t len)
{
	if (l->out_len - l->out_off + len > XMPP_OUTBOX_MAX) {
		l->out_full = true;
		return -EAGAIN;
	}
	if (l->out_len + len > l->out_cap) {
		l->out_cap = grow_cap(l->out_cap, l->out_len + len);
		l->out = xrealloc(l->out, l->out_cap);
	}
	memcpy(l->out + l->out_len, text, len);
	l->out_len += len;
	return 0;
}

int xmpp_link_send(struct xmpp_link *l, uint64_t epoch, const struct xml_node *stanza)
{
	size_t len;
	char *text = xml_node_print(stanza, &len);
	int rc = -ENOTCONN;

	pthread_mutex_lock(&l->mu);
	if (l->up && l->epoch == epoch)
		rc = outbox_add(l, text, len);
	pthread_mutex_unlock(&l->mu);
	free(text);
	if (rc == 0 || rc == -EAGAIN)
		link_poke(l);
	return rc;
}

/* ---- one connection ---------------------------------------------------------------- */

/* Note why this attempt failed (the first reason wins; it is logged once). */
static void link_fail(struct xmpp_link *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void link_fail(struct xmpp_link *l, const char *fmt, ...)
{
	va_list ap;

	if (l->state == LINK_FAILED)
		return;
	l->state = LINK_FAILED;
	va_start(ap, fmt);
	vsnprintf(l->why, sizeof(l->why), fmt, ap);
	va_end(ap);
}

/* The secret, trimmed of trailing white space: 0, or a negative errno. */
static int read_secret(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(out, 1, size - 1, f);
	fclose(f);
	out[n] = '\0';
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' ' || out[n - 1] == '\t'))
		out[--n] = '\0';
	return n ? 0 : -ENODATA;
}

/* XEP-0114: lower-case hex of SHA-1(stream id + secret). */
static int handshake_digest(const char *id, const char *secret, char hex[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0, i;
	size_t idlen = strlen(id), slen = strlen(secret);
	char *both = xmalloc(idlen + slen + 1);
	int ok;

	memcpy(both, id, idlen);
	memcpy(both + idlen, secret, slen + 1);
	ok = EVP_Digest(both, idlen + slen, md, &mdlen, EVP_sha1(), NULL);
	memset(both, 0, idlen + slen);
	free(both);
	if (!ok || mdlen != 20)
		return -EIO;
	for (i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static void on_open(void *arg, const char *name, const char **attrs)
{
	struct xmpp_link *l = arg;
	char secret[512], hex[41], msg[128];
	const char *id = NULL;
	size_t i;
	int rc;

	for (i = 0; attrs[i]; i += 2)
		if (!strcmp(attrs[i], "id"))
			id = attrs[i + 1];
	if (strcmp(name, "stream:stream") || !id || !*id || strlen(id) >= sizeof(l->stream_id)) {
		link_fail(l, "%s:%d did not open a component stream", l->cfg->host, l->cfg->port);
		return;
	}
	rc = read_secret(l->cfg->secret_file, secret, sizeof(secret));
	if (rc < 0) {
		link_fail(l, "cannot read --xmpp-secret-file %s: %s", l->cfg->secret_file,
			  rc == -ENODATA ? "it is empty" : strerror(-rc));
		return;
	}
	rc = handshake_digest(id, secret, hex);
	memset(secret, 0, sizeof(secret));
	if (rc < 0) {
		link_fail(l, "SHA-1 is not available for the handshake");
		return;
	}
	snprintf(msg, sizeof(msg), "<handshake>%s</handshake>", hex);
	pthread_mutex_lock(&l->mu);
	outbox_add(l, msg, strlen(msg));
	pthread_mutex_unlock(&l->mu);
	l->state = LINK_HANDSHAKE;
}

/* The name of the first child of a <stream:error>, such as "not-authorized". */
static const char *stream_error_name(const struct xml_node *err)
{
	const struct xml_node *c;

	for (c = err->children; c; c = c->next)
		if (strcmp(c->name, "text"))
			return c->name;
	return "undefined-condition";
}

static void on_stanza(void *arg, struct xml_node *st)
{
	struct xmpp_link *l = arg;
	char name[64];

	if (l->state == LINK_FAILED) {
		xml_node_free(st);
		return;
	}
	if (!strcmp(st->name, "stream:error")) {
		log_escape(name, sizeof(name), stream_error_name(st), strlen(stream_error_name(st)));
		if (!strcmp(name, "not-authorized"))
			link_fail(l, "%s:%d refused the secret for component %s (not-authorized): "
				  "check --xmpp-secret-file against the server's component_secret",
				  l->cfg->host, l->cfg->port, l->cfg->domain);
		else if (!strcmp(name, "host-unknown"))
			link_fail(l, "%s:%d has no component %s (host-unknown): check --xmpp-domain "
				  "against the server's Component line", l->cfg->host, l->cfg->port,
				  l->cfg->domain);
		else
			link_fail(l, "%s:%d closed the stream: %s", l->cfg->host, l->cfg->port, name);
		xml_node_free(st);
		return;
	}
	if (l->state == LINK_HANDSHAKE) {
		if (strcmp(st->name, "handshake")) {
			link_fail(l, "%s:%d sent <%.40s> before the handshake", l->cfg->host,
				  l->cfg->port, st->name);
		} else {
			l->state = LINK_UP;
			l->reached_up = true;
			l->logged[0] = '\0';
			log_info("xmpp: connected to %s:%d as component %s", l->cfg->host,
				 l->cfg->port, l->cfg->domain);
			link_post(l, XMPP_EVENT_UP, NULL);
		}
		xml_node_free(st);
		return;
	}
	if (l->state == LINK_UP)
		link_post(l, XMPP_EVENT_STANZA, st);
	else
		xml_node_free(st);
}

/*
 * A stanza over the limits was skipped (xml.h): a message or an iq gets a
 * policy-violation error back, so its sender knows it did not arrive; the
 * log says so at most once a minute, with how many.
 */
static void on_oversized(void *arg, struct xml_node *head)
{
	static const char ns[] = "urn:ietf:params:xml:ns:xmpp-stanzas";
	struct xmpp_link *l = arg;
	const char *type = xml_attr(head, "type"), *from = xml_attr(head, "from");
	const char *to = xml_attr(head, "to"), *id = xml_attr(head, "id");
	int64_t now = time_mono_ms();
	struct xml_node *reply, *err;
	uint64_t epoch;

	if (l->state != LINK_UP) {
		xml_node_free(head);
		return;
	}
	l->skipped++;
	if (!l->skipped_logged_ms || now - l->skipped_logged_ms >= 60000) {
		log_warn("xmpp: skipped %llu stanza%s over %d bytes or %d levels deep",
			 (unsigned long long)l->skipped, l->skipped == 1 ? "" : "s",
			 XML_STANZA_MAX, XML_DEPTH_MAX);
		l->skipped = 0;
		l->skipped_logged_ms = now;
	}
	if (from && to && (!strcmp(head->name, "message") || !strcmp(head->name, "iq")) &&
	    !(type && (!strcmp(type, "error") || !strcmp(type, "result")))) {
		reply = xml_node_new(head->name);
		xml_node_set_attr(reply, "from", to);
		xml_node_set_attr(reply, "to", from);
		xml_node_set_attr(reply, "type", "error");
		if (id)
			xml_node_set_attr(reply, "id", id);
		err = xml_node_add_child(reply, "error");
		xml_node_set_attr(err, "type", "modify");
		xml_node_set_attr(xml_node_add_child(err, "policy-violation"), "xmlns", ns);
		err = xml_node_add_child(err, "text");
		xml_node_set_attr(err, "xmlns", ns);
		xml_node_add_text(err, "Too large: nothing of it was delivered.", 39);
		pthread_mutex_lock(&l->mu);
		epoch = l->epoch;
		pthread_mutex_unlock(&l->mu);
		xmpp_link_send(l, epoch, reply);
		xml_node_free(reply);
	}
	xml_node_free(head);
}

static void on_close(void *arg)
{
	struct xmpp_link *l = arg;

	link_fail(l, "%s:%d closed the stream", l->cfg->host, l->cfg->port);
}

static const struct xml_stream_hooks stream_hooks = { on_open, on_stanza, on_close, on_oversized };

/* A non-blocking TCP socket connecting to the server, or a negative errno. */
static int link_dial(struct xmpp_link *l)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char port[16];
	int fd = -1, rc;

	snprintf(port, sizeof(port), "%d", l->cfg->port);
	rc = getaddrinfo(l->cfg->host, port, &hints, &res);
	if (rc) {
		link_fail(l, "cannot resolve %s: %s", l->cfg->host, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		link_fail(l, "cannot connect to %s:%d: %s", l->cfg->host, l->cfg->port, strerror(errno));
	return fd < 0 ? -ECONNREFUSED : fd;
}

/* Write what the outbox holds, as far as the socket takes it. */
static void link_flush(struct xmpp_link *l, int fd)
{
	pthread_mutex_lock(&l->mu);
	if (l->out_full) {
		pthread_mutex_unlock(&l->mu);
		link_fail(l, "%s:%d takes stanzas too slowly (%u bytes waiting)", l->cfg->host,
			  l->cfg->port, XMPP_OUTBOX_MAX);
		return;
	}
	while (l->out_off < l->out_len) {
		ssize_t n = send(fd, l->out + l->out_off, l->out_len - l->out_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				link_fail(l, "writing to %s:%d: %s", l->cfg->host, l->cfg->port, strerror(errno));
			break;
		}
		l->out_off += (size_t)n;
	}
	if (l->out_off == l->out_len)
		l->out_off = l->out_len = 0;
	pthread_mutex_unlock(&l->mu);
}

static void link_drain_pipe(struct xmpp_link *l)
{
	char buf[64];

	while (read(l->pipe[0], buf, sizeof(buf)) > 0)
		;
}

static bool link_stopping(struct xmpp_link *l)
{
	bool stop;

	pthread_mutex_lock(&l->mu);
	stop = l->stop;
	pthread_mutex_unlock(&l->mu);
	return stop;
}

/* Read what the socket has into the parser. */
static void link_read(struct xmpp_link *l, int fd, struct xml_stream *xs)
{
	char buf[16384];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);

	if (n == 0)
		link_fail(l, "%s:%d closed the connection", l->cfg->host, l->cfg->port);
	else if (n < 0 && errno != EAGAIN && errno != EINTR)
		link_fail(l, "reading from %s:%d: %s", l->cfg->host, l->cfg->port, strerror(errno));
	else if (n > 0 && xml_stream_feed(xs, buf, (size_t)n) < 0)
		link_fail(l, "%s:%d sent XML refdesk cannot take (malformed, or a DTD)",
			  l->cfg->host, l->cfg->port);
}

/* One connection, from dialing to its end (a failure or a stop). */
static void link_session(struct xmpp_link *l)
{
	struct xml_stream *xs;
	char header[512];
	int fd;

	l->state = LINK_CONNECTING;
	l->reached_up = false;
	l->why[0] = '\0';
	l->deadline_ms = time_mono_ms() + XMPP_HANDSHAKE_MS;
	fd = link_dial(l);
	if (fd < 0)
		return;
	xs = xml_stream_new(&stream_hooks, l);
	if (!xs) {
		close(fd);
		link_fail(l, "out of memory");
		return;
	}
	pthread_mutex_lock(&l->mu);
	l->out_off = l->out_len = 0;
	l->out_full = false;
	snprintf(header, sizeof(header),
		 "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
		 "xmlns:stream='http://etherx.jabber.org/streams' to='%s'>", l->cfg->domain);
	outbox_add(l, header, strlen(header));
	pthread_mutex_unlock(&l->mu);

	while (l->state != LINK_FAILED && !link_stopping(l)) {
		struct pollfd p[2] = { { fd, POLLIN, 0 }, { l->pipe[0], POLLIN, 0 } };
		int64_t left = l->deadline_ms - time_mono_ms();

		pthread_mutex_lock(&l->mu);
		if (l->out_len > l->out_off)
			p[0].events |= POLLOUT;
		pthread_mutex_unlock(&l->mu);
		if (l->state != LINK_UP && left <= 0) {
			link_fail(l, "%s:%d did not complete the component handshake within %d s",
				  l->cfg->host, l->cfg->port, XMPP_HANDSHAKE_MS / 1000);
			break;
		}
		if (poll(p, 2, l->state == LINK_UP ? -1 : (int)left) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			link_drain_pipe(l);
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
			link_read(l, fd, xs);
		if (l->state != LINK_FAILED)
			link_flush(l, fd);
	}
	if (l->reached_up)
		link_post(l, XMPP_EVENT_DOWN, NULL);
	if (link_stopping(l))
		(void)!send(fd, "</stream:stream>", 16, MSG_NOSIGNAL);
	xml_stream_free(xs);
	close(fd);
}

/* Sleep `ms`, or less if told to stop. */
static void link_nap(struct xmpp_link *l, int ms)
{
	struct pollfd p = { l->pipe[0], POLLIN, 0 };
	int64_t until = time_mono_ms() + ms;

	while (!link_stopping(l)) {
		int64_t left = until - time_mono_ms();

		if (left <= 0)
			return;
		if (poll(&p, 1, (int)left) > 0)
			link_drain_pipe(l);
	}
}

static void *link_main(void *arg)
{
	struct xmpp_link *l = arg;
	int backoff = XMPP_RETRY_MIN_MS;

	while (!link_stopping(l)) {
		link_session(l);
		if (link_stopping(l))
			break;
		if (l->reached_up)
			backoff = XMPP_RETRY_MIN_MS;
		if (strcmp(l->why, l->logged)) {
			log_error("xmpp: %s; retrying with backoff up to %d s", l->why,
				  XMPP_RETRY_MAX_MS / 1000);
			str_copy(l->logged, sizeof(l->logged), l->why);
		}
		link_nap(l, backoff);
		backoff = backoff * 2 > XMPP_RETRY_MAX_MS ? XMPP_RETRY_MAX_MS : backoff * 2;
	}
	return NULL;
}

/* ---- life ---------------------------------------------------------------------------- */

int xmpp_link_new(struct xmpp_link **out, const struct xmpp_link_config *cfg,
		  void (*wake)(void *arg), void *wake_arg)
{
	struct xmpp_link *l = xcalloc(1, sizeof(*l));
	int rc;

	l->cfg = cfg;
	l->wake = wake;
	l->wake_arg = wake_arg;
	l->tail = &l->head;
	if (pipe2(l->pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		rc = -errno;
		free(l);
		return rc;
	}
	pthread_mutex_init(&l->mu, NULL);
	rc = -pthread_create(&l->thread, NULL, link_main, l);
	if (!rc)
		pthread_setname_np(l->thread, "xmpp-link");
	if (rc < 0) {
		pthread_mutex_destroy(&l->mu);
		close(l->pipe[0]);
		close(l->pipe[1]);
		free(l);
		return rc;
	}
	*out = l;
	return 0;
}

void xmpp_link_free(struct xmpp_link *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = true;
	pthread_mutex_unlock(&l->mu);
	link_poke(l);
	pthread_join(l->thread, NULL);
	xmpp_events_free(l->head);
	pthread_mutex_destroy(&l->mu);
	close(l->pipe[0]);
	close(l->pipe[1]);
	free(l->out);
	free(l);
}
