/*
 * bus.c - the NATS link between nodes: one connection, one subscription,
 * and a queue from the client's threads to the loop.  See bus.h.
 */
#include "bus/bus.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nats/nats.h>

#include "base/log.h"
#include "base/util.h"

#define BUS_SUBJECTS "refdesk.*"

struct bus {
	natsOptions *opts;
	natsConnection *nc;
	natsSubscription *sub;
	char node[BUS_NODE_LEN + 1];
	void (*wake)(void *);
	void *wake_arg;

	pthread_mutex_t lock; /* guards what follows */
	struct bus_note *q;   /* a ring of notes for the loop */
	size_t qhead, qlen, qcap;
	bool lost;            /* notes were dropped: catch up */
	bool up;
	bool was_up;          /* it was up once: the next "up" is a reconnection */
	struct bus_counts counts;
};

static const char kind_letter[] = { [BUS_CHAT] = 'c', [BUS_RING] = 'r', [BUS_JSON] = 'j',
				     [BUS_GONE] = 'g', [BUS_UP] = 'u' };

/* ---- parsing ---------------------------------------------------------------------- */

static int parse_int(const char **p, const char *end, int64_t *out)
{
	int64_t v = 0;
	const char *s = *p;

	if (s >= end || *s < '0' || *s > '9')
		return -EINVAL;
	while (s < end && *s >= '0' && *s <= '9') {
		if (v > (INT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (*s++ - '0');
	}
	*p = s;
	*out = v;
	return 0;
}

static int expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return -EINVAL;
	(*p)++;
	return 0;
}

int bus_parse(const char *text, size_t len, struct bus_note *out)
{
	const char *p = text, *end = text + len;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (len < 2 + BUS_NODE_LEN || len > BUS_NOTE_MAX || text[1] != ' ')
		return -EINVAL;
	switch (text[0]) {
	case 'c': out->kind = BUS_CHAT; break;
	case 'r': out->kind = BUS_RING; break;
	case 'j': out->kind = BUS_JSON; break;
	case 'g': out->kind = BUS_GONE; break;
	default: return -EINVAL;
	}
	p += 2;
	for (i = 0; i < BUS_NODE_LEN; i++, p++) {
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return -EINVAL;
		out->node[i] = *p;
	}
	if (out->kind == BUS_GONE)
		return p == end ? 0 : -EINVAL;
	if (expect(&p, end, ' ') < 0)
		return -EINVAL;
	if (out->kind != BUS_JSON) {
		if (parse_int(&p, end, &out->a) < 0 || expect(&p, end, ' ') < 0 ||
		    parse_int(&p, end, &out->b) < 0 || p != end)
			return -EINVAL;
		return 0;
	}
	/* An object; what is in it is the loop's to read, and to refuse. */
	if (p == end || *p != '{' || end[-1] != '}' || memchr(p, '\0', (size_t)(end - p)))
		return -EINVAL;
	out->len = (size_t)(end - p);
	out->json = xstrndup(p, out->len);
	return 0;
}

void bus_note_release(struct bus_note *n)
{
	free(n->json);
	n->json = NULL;
	n->len = 0;
}

/* ---- the queue to the loop (any thread) ------------------------------------------------ */

static void enqueue(struct bus *b, struct bus_note *n)
{
	bool wake;

	pthread_mutex_lock(&b->lock);
	if (b->qlen == BUS_QUEUE_MAX) {
		b->lost = true;
		b->counts.dropped++;
		pthread_mutex_unlock(&b->lock);
		bus_note_release(n);
		return;
	}
	if (b->qlen == b->qcap) {
		size_t cap = b->qcap ? b->qcap * 2 : 64, i;
		struct bus_note *q = xcalloc(cap, sizeof(*q));

		for (i = 0; i < b->qlen; i++)
			q[i] = b->q[(b->qhead + i) % b->qcap];
		free(b->q);
		b->q = q;
		b->qcap = cap;
		b->qhead = 0;
	}
	b->q[(b->qhead + b->qlen++) % b->qcap] = *n;
	wake = b->qlen == 1;
	pthread_mutex_unlock(&b->lock);
	if (wake)
		b->wake(b->wake_arg);
}

static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
	struct bus *b = closure;
	struct bus_note n;

	(void)nc;
	(void)sub;
	if (bus_parse(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg), &n) == 0 &&
	    strcmp(n.node, b->node)) {
		pthread_mutex_lock(&b->lock);
		b->counts.received++;
		pthread_mutex_unlock(&b->lock);
		enqueue(b, &n);
	}
	natsMsg_Destroy(msg);
}

static void on_up(natsConnection *nc, void *closure)
{
	struct bus *b = closure;
	struct bus_note n;
	bool again;

	(void)nc;
	pthread_mutex_lock(&b->lock);
	b->up = true;
	again = b->was_up;
	b->was_up = true;
	if (again)
		b->counts.reconnects++;
	pthread_mutex_unlock(&b->lock);
	log_info(again ? "bus: connected to NATS again; catching up from the store"
		       : "bus: connected to NATS");
	memset(&n, 0, sizeof(n));
	n.kind = BUS_UP;
	enqueue(b, &n);
}

static void on_down(natsConnection *nc, void *closure)
{
	struct bus *b = closure;
	bool was;

	(void)nc;
	pthread_mutex_lock(&b->lock);
	was = b->up;
	b->up = false;
	pthread_mutex_unlock(&b->lock);
	if (was)
		log_warn("bus: the link to NATS is down; other nodes' news waits until it is back");
}

/* ---- the loop's side ------------------------------------------------------------------- */

int bus_open(struct bus **out, const char *url, void (*wake)(void *), void *arg)
{
	struct bus *b = xcalloc(1, sizeof(*b));
	unsigned char raw[BUS_NODE_LEN / 2];
	natsStatus s;
	size_t i;

	if (strncmp(url, "nats://", 7) || strlen(url) > 512) {
		free(b);
		return -EINVAL;
	}
	rand_bytes(raw, sizeof(raw));
	for (i = 0; i < sizeof(raw); i++)
		snprintf(b->node + 2 * i, 3, "%02x", raw[i]);
	b->wake = wake;
	b->wake_arg = arg;
	pthread_mutex_init(&b->lock, NULL);
	s = natsOptions_Create(&b->opts);
	if (s == NATS_OK)
		s = natsOptions_SetURL(b->opts, url);
	if (s == NATS_OK)
		s = natsOptions_SetName(b->opts, "refdesk");
	if (s == NATS_OK)
		s = natsOptions_SetNoEcho(b->opts, true);
	if (s == NATS_OK)
		s = natsOptions_SetMaxReconnect(b->opts, -1); /* forever */
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(b->opts, 250);
	if (s == NATS_OK) /* nothing is kept while the link is down: the catch-up covers it */
		s = natsOptions_SetReconnectBufSize(b->opts, 1);
	if (s == NATS_OK)
		s = natsOptions_SetPingInterval(b->opts, 2000);
	if (s == NATS_OK)
		s = natsOptions_SetMaxPingsOut(b->opts, 2);
	if (s == NATS_OK)
		s = natsOptions_SetRetryOnFailedConnect(b->opts, true, on_up, b);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectedCB(b->opts, on_up, b);
	if (s == NATS_OK)
		s = natsOptions_SetDisconnectedCB(b->opts, on_down, b);
	if (s == NATS_OK) {
		s = natsConnection_Connect(&b->nc, b->opts);
		if (s == NATS_OK)
			on_up(b->nc, b);
		else if (s == NATS_NOT_YET_CONNECTED)
			log_warn("bus: NATS at %s is not answering yet; trying in the background", url);
	}
	if (s == NATS_OK || s == NATS_NOT_YET_CONNECTED)
		s = natsConnection_Subscribe(&b->sub, b->nc, BUS_SUBJECTS, on_msg, b);
	if (s != NATS_OK) {
		log_error("bus: %s: %s", url, natsStatus_GetText(s));
		bus_free(b);
		return -EINVAL;
	}
	log_info("bus: this node is %s", b->node);
	*out = b;
	return 0;
}

void bus_free(struct bus *b)
{
	size_t i;

	if (!b)
		return;
	if (b->nc && natsConnection_Status(b->nc) == NATS_CONN_STATUS_CONNECTED) {
		char text[8 + BUS_NODE_LEN];

		/* The others forget this node's librarians now, not when its notes stop. */
		snprintf(text, sizeof(text), "g %s", b->node);
		natsConnection_PublishString(b->nc, "refdesk.g", text);
		natsConnection_FlushTimeout(b->nc, 500);
	}
	natsSubscription_Destroy(b->sub);
	if (b->nc)
		natsConnection_Close(b->nc);
	natsConnection_Destroy(b->nc);
	natsOptions_Destroy(b->opts);
	nats_CloseAndWait(2000); /* the client's threads end, and what they hold goes */
	for (i = 0; i < b->qlen; i++)
		bus_note_release(&b->q[(b->qhead + i) % b->qcap]);
	free(b->q);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

const char *bus_node(const struct bus *b)
{
	return b->node;
}

bool bus_up(const struct bus *b)
{
	bool up;

	pthread_mutex_lock((pthread_mutex_t *)&b->lock);
	up = b->up;
	pthread_mutex_unlock((pthread_mutex_t *)&b->lock);
	return up;
}

static void publish(struct bus *b, enum bus_kind kind, const char *text, size_t len)
{
	char subject[16];

	snprintf(subject, sizeof(subject), "refdesk.%c", kind_letter[kind]);
	if (natsConnection_Publish(b->nc, subject, text, (int)len) == NATS_OK) {
		pthread_mutex_lock(&b->lock);
		b->counts.sent++;
		pthread_mutex_unlock(&b->lock);
	}
}

void bus_tell(struct bus *b, enum bus_kind kind, int64_t a, int64_t bb)
{
	char text[80];
	int n;

	if (kind == BUS_GONE)
		n = snprintf(text, sizeof(text), "g %s", b->node);
	else
		n = snprintf(text, sizeof(text), "%c %s %" PRId64 " %" PRId64, kind_letter[kind],
			     b->node, a, bb);
	publish(b, kind, text, (size_t)n);
}

void bus_tell_json(struct bus *b, const char *json, size_t len)
{
	char *text;
	size_t n;

	if (len + 4 + BUS_NODE_LEN > BUS_NOTE_MAX) {
		log_warn("bus: a note of %zu bytes is too long to send", len);
		return;
	}
	text = xmalloc(len + 4 + BUS_NODE_LEN);
	n = (size_t)snprintf(text, 4 + BUS_NODE_LEN, "j %s ", b->node);
	memcpy(text + n, json, len);
	publish(b, BUS_JSON, text, n + len);
	free(text);
}

size_t bus_drain(struct bus *b, void (*fn)(void *arg, const struct bus_note *n), void *arg)
{
	size_t done = 0;

	for (;;) {
		struct bus_note n;

		pthread_mutex_lock(&b->lock);
		if (b->lost) {
			b->lost = false;
			memset(&n, 0, sizeof(n));
			n.kind = BUS_UP;
		} else if (b->qlen) {
			n = b->q[b->qhead];
			b->qhead = (b->qhead + 1) % b->qcap;
			b->qlen--;
		} else {
			pthread_mutex_unlock(&b->lock);
			return done;
		}
		pthread_mutex_unlock(&b->lock);
		fn(arg, &n);
		bus_note_release(&n);
		done++;
	}
}

void bus_counts(struct bus *b, struct bus_counts *out)
{
	pthread_mutex_lock(&b->lock);
	*out = b->counts;
	pthread_mutex_unlock(&b->lock);
}
