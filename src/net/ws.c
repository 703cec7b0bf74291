/*
 * ws.c - see ws.h.
 *
 * Reading: lws hands us a message in pieces no bigger than the protocol's
 * rx buffer (kept small so idle sockets are cheap); pieces are joined in
 * conn->rx up to WS_FRAME_MAX and the whole message is parsed once.
 * Writing: frames wait in conn's FIFO outbox; each WRITEABLE callback
 * writes what waits, several frames joined into one send(), and asks for
 * another callback while any remain.
 */
#include "net/ws.h"

#include <errno.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_flat.h"
#include "base/log.h"
#include "base/util.h"
#include "net/http.h"
#include "net/server.h"

struct frame {
	struct frame *next;
	size_t len;
	unsigned char buf[]; /* LWS_PRE bytes of headroom, then the text */
};

/* ---- connection lifetime ----------------------------------------------- */

static void conn_free(struct conn *c)
{
	struct frame *f, *next;

	for (f = c->out_head; f; f = next) {
		next = f->next;
		free(f);
	}
	free(c->rx);
	free(c);
}

bool conn_alive(const struct conn *c)
{
	return c->wsi && !c->close_code;
}

unsigned conn_backlog(const struct conn *c)
{
	return c->out_frames;
}

void conn_set_role(struct conn *c, unsigned role, void *user)
{
	c->role = role;
	c->user = user;
}

int conn_cookie(struct conn *c, const char *name, char *out, size_t size)
{
	return c->wsi ? http_cookie_of(c->wsi, name, out, size) : -ENOENT;
}

void conn_client_addr(struct conn *c, char *out, size_t size)
{
	out[0] = '\0';
	if (c->wsi)
		http_client_addr(c->srv, c->wsi, out, size);
}

int ws_filter(struct server *srv, struct lws *wsi)
{
	char uri[64], origin[300], client[64];
	int n;

	if (srv->stopping)
		return 1;
	if (http_client_addr(srv, wsi, client, sizeof(client)) &&
	    server_limits_admit(srv, wsi, client) < 0) {
		stats_tally_add(&srv->ws_errors, "too_many_connections");
		lws_return_http_status(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, "too many connections");
		return 1;
	}
	n = lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI);
	if (n <= 0)
		n = lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_HTTP_COLON_PATH);
	if (n <= 0 || strcmp(uri, "/ws") != 0) {
		stats_tally_add(&srv->ws_errors, "not_found");
		lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, "WebSockets live at /ws");
		return 1;
	}
	if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0)
		return 0; /* not a browser: no ambient cookie to abuse */
	if (lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) <= 0)
		return 1;
	if (!http_origin_allowed(srv, wsi, origin)) {
		char safe[80];

		log_info("ws: refused origin %s", log_escape(safe, sizeof(safe), origin, 200));
		/* Say why before hanging up: a browser shows the status. */
		stats_tally_add(&srv->ws_errors, "origin_refused");
		lws_return_http_status(wsi, HTTP_STATUS_FORBIDDEN, "origin not allowed");
		return 1;
	}
	return 0;
}

int ws_established(struct server *srv, struct lws *wsi, struct conn **slot)
{
	struct conn *c = xcalloc(1, sizeof(*c));

	c->srv = srv;
	c->wsi = wsi;
	c->last_heard = time_mono_ms();
	rate_init(&c->rate, srv->cfg->msg_burst);
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	*slot = c;
	srv->hooks->ws_open(srv->app, c);
	return 0;
}

void ws_closed(struct conn *c)
{
	struct server *srv = c->srv;

	srv->hooks->ws_closed(srv->app, c);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->nconns--;
	conn_free(c);
}

/* ---- outbox ------------------------------------------------------------ */

void conn_send_text(struct conn *c, const char *text, size_t len)
{
	struct frame *f;

	if (!conn_alive(c))
		return;
	if (c->out_bytes + len > WS_OUTBOX_BYTES || c->out_frames >= WS_OUTBOX_FRAMES) {
		conn_close(c, CLOSE_TOO_SLOW, "too slow");
		return;
	}
	f = xmalloc(sizeof(*f) + LWS_PRE + len);
	f->next = NULL;
	f->len = len;
	memcpy(f->buf + LWS_PRE, text, len);
	if (c->out_tail)
		c->out_tail->next = f;
	else
		c->out_head = f;
	c->out_tail = f;
	c->out_bytes += len;
	c->out_frames++;
	lws_callback_on_writable(c->wsi);
}

void conn_send_json(struct conn *c, json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT);

	if (text) {
		conn_send_text(c, text, strlen(text));
		free(text);
	}
	json_decref(obj);
}

void conn_error(struct conn *c, const char *id, const char *code, const char *message)
{
	stats_tally_add(&c->srv->ws_errors, code);
	conn_send_json(c, json_pack("{s:s, s:s?, s:s, s:s}", "type", "error", "id", id,
				    "code", code, "message", message));
}

void conn_close(struct conn *c, int code, const char *reason)
{
	struct frame *f, *next;

	if (!c->wsi || c->close_code)
		return;
	c->close_code = code;
	c->close_reason = reason;
	if (code == CLOSE_TOO_SLOW) {
		/* It is not reading: what waits for it will never be read. */
		for (f = c->out_head; f; f = next) {
			next = f->next;
			free(f);
		}
		c->out_head = c->out_tail = NULL;
		c->out_bytes = 0;
		c->out_frames = 0;
	}
	lws_callback_on_writable(c->wsi);
}

/*
 * Frames that wait are joined into one write: on a busy socket (an operator
 * following many chats, or a chat's ack and the other side's message) each
 * send() was most of the loop's time, the kernel carrying every one through
 * TCP at once.  lws frames a message itself, one per lws_write(); joined
 * frames are framed here (RFC 6455 5.2: a server's text frame, whole,
 * unmasked; no extension is negotiated) and go out as raw bytes, through
 * TLS when the socket has it.  A joined write stays within SERVER_SEND_MAX,
 * which lws hands the socket in one send(); what the socket does not take,
 * lws keeps and sends first.
 */
#define FRAME_HEADER_MAX 4 /* a joined frame is under 64 KiB: two bytes of length at most */

static unsigned char joined[LWS_PRE + SERVER_SEND_MAX]; /* loop thread only */

/* A whole, unmasked text frame's header for `len` (< 64 KiB) bytes of text, at `h`; its size. */
static size_t text_frame_header(unsigned char *h, size_t len)
{
	h[0] = 0x81; /* FIN, text */
	if (len < 126) {
		h[1] = (unsigned char)len;
		return 2;
	}
	h[1] = 126;
	h[2] = (unsigned char)(len >> 8);
	h[3] = (unsigned char)len;
	return 4;
}

/* Take the first frame off the outbox (the caller frees it). */
static struct frame *outbox_take(struct conn *c)
{
	struct frame *f = c->out_head;

	c->out_head = f->next;
	if (!c->out_head)
		c->out_tail = NULL;
	c->out_bytes -= f->len;
	c->out_frames--;
	return f;
}

/*
 * Write the frames that wait, as many as fit one joined write; how many,
 * or -1 if the connection failed.  A frame too big to join goes alone.
 */
static int write_frames(struct conn *c)
{
	struct frame *f = c->out_head;
	size_t used = 0;
	int n = 0, rc;

	if (!f->next || FRAME_HEADER_MAX + f->len > SERVER_SEND_MAX ||
	    lws_get_network_wsi(c->wsi) != c->wsi) {
		/* One frame (or an HTTP/2 stream's, framed by lws in its DATA frames). */
		f = outbox_take(c);
		rc = lws_write(c->wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_TEXT) < (int)f->len ? -1 : 1;
		free(f);
		return rc;
	}
	while ((f = c->out_head) && used + FRAME_HEADER_MAX + f->len <= SERVER_SEND_MAX) {
		f = outbox_take(c);
		used += text_frame_header(joined + LWS_PRE + used, f->len);
		memcpy(joined + LWS_PRE + used, f->buf + LWS_PRE, f->len);
		used += f->len;
		free(f);
		n++;
	}
	/* lws takes all of it: what the socket refused, it keeps and sends first. */
	if (lws_write(c->wsi, joined + LWS_PRE, used, LWS_WRITE_RAW) < (int)used)
		return -1;
	return n;
}

int ws_writeable(struct conn *c)
{
	unsigned char ping[LWS_PRE + 1];

	if (c->ping_due && !c->close_code) {
		c->ping_due = false;
		c->pinged_at = time_mono_ms();
		/* One byte of payload: lws does not report an empty pong. */
		ping[LWS_PRE] = 'r';
		if (lws_write(c->wsi, ping + LWS_PRE, 1, LWS_WRITE_PING) < 1)
			return -1;
		if (c->out_head)
			lws_callback_on_writable(c->wsi);
		return 0;
	}

	if (c->out_head) {
		if (write_frames(c) < 0)
			return -1;
		c->srv->hooks->ws_drained(c->srv->app, c);
		if (c->out_head || c->close_code)
			lws_callback_on_writable(c->wsi);
		return 0;
	}
	if (c->close_code) {
		const char *r = c->close_reason ? c->close_reason : "";

		lws_close_reason(c->wsi, (enum lws_close_status)c->close_code,
				 (unsigned char *)(uintptr_t)r, strlen(r));
		return -1;
	}
	return 0;
}

/* ---- receiving --------------------------------------------------------- */

/*
 * A socket that keeps flooding after `rate_limited` is closed with 1008.
 * Closing at once would leave its flood unread in our receive buffer, and
 * the kernel would then reset the connection, destroying the replies and
 * the close frame on their way.  So its input is read and thrown away
 * until it pauses for FLOOD_QUIET_MS (or for FLOOD_MAX_MS at most), and
 * only then is the close sent.
 */
#define FLOOD_QUIET_MS 300
#define FLOOD_MAX_MS 10000

void ws_print_limits(FILE *out)
{
	limit_print(out, "ws_frame_max", WS_FRAME_MAX, "bytes", "one WebSocket message");
	limit_print(out, "ws_id_max", WS_ID_MAX, "chars", "a client message id");
	limit_print(out, "ws_outbox_bytes", WS_OUTBOX_BYTES, "bytes",
		    "waiting to be sent to one socket before it is closed 4002");
	limit_print(out, "ws_outbox_frames", WS_OUTBOX_FRAMES, "frames",
		    "waiting to be sent to one socket before it is closed 4002");
	limit_print(out, "ws_flood_close", WS_FLOOD_CLOSE, "messages",
		    "rate-limited messages without a pause before the socket is closed 1008");
	limit_print(out, "ws_flood_pause", WS_FLOOD_FORGET_MS / 1000.0, "s",
		    "a pause that forgives the rate-limited messages");
	limit_print(out, "ws_quiet_ms", FLOOD_QUIET_MS, "ms",
		    "a socket being closed (flood, oversize, shutdown) must be quiet this long first");
	limit_print(out, "ws_quiet_max_ms", FLOOD_MAX_MS, "ms", "... or closed after this long anyway");
}

static void start_discard(struct conn *c)
{
	c->flooding_since = c->last_rx = time_mono_ms();
	lws_set_timer_usecs(c->wsi, FLOOD_QUIET_MS * LWS_US_PER_MS);
}

static void start_flood_close(struct conn *c)
{
	start_discard(c);
}

int ws_timer(struct conn *c)
{
	int64_t now = time_mono_ms();

	if (!c->flooding_since || c->close_code)
		return 0;
	if (now - c->last_rx >= FLOOD_QUIET_MS || now - c->flooding_since >= FLOOD_MAX_MS) {
		if (c->going_away)
			conn_close(c, CLOSE_GOING_AWAY, "server stopping");
		else if (c->oversize)
			conn_close(c, CLOSE_TOO_BIG, "too large");
		else
			conn_close(c, CLOSE_POLICY, "flooding");
	}
	else
		lws_set_timer_usecs(c->wsi, FLOOD_QUIET_MS * LWS_US_PER_MS);
	return 0;
}

static const struct ws_message *find_message(const struct server *srv, const char *type)
{
	int t;
	size_t i;

	for (t = 0; t < srv->nmessage_tables; t++)
		for (i = 0; i < srv->nmessages[t]; i++)
			if (!strcmp(srv->messages[t][i].type, type))
				return &srv->messages[t][i];
	return NULL;
}

static void dispatch(struct conn *c, const char *text, size_t len)
{
	struct server *srv = c->srv;
	bool allowed = rate_take(&c->rate, time_mono_ms(), srv->cfg->msg_rate,
				 srv->cfg->msg_burst);
	const struct ws_message *h;
	const char *type, *id;
	json_error_t err;
	json_t *msg;

	/* Every message spends a token, well-formed or not.  Most are flat
	 * objects, read in one pass; jansson decides the rest. */
	msg = json_flat_load(text, len);
	if (!msg)
		msg = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	id = json_string_value(json_object_get(msg, "id"));
	if (id && !str_is_token(id, WS_ID_MAX, "_.:-"))
		id = NULL;
	if (!allowed) {
		int64_t now = time_mono_ms();

		/* Drops count until the socket has been quiet for a while: a flood
		 * that the refilling bucket lets trickle through is still a flood. */
		if (now - c->last_drop > WS_FLOOD_FORGET_MS)
			c->dropped = 0;
		c->last_drop = now;
		conn_error(c, id, "rate_limited", "Too many messages; this one was dropped.");
		if (++c->dropped >= WS_FLOOD_CLOSE)
			start_flood_close(c);
		goto out;
	}
	if (srv->stopping) {
		/* Nothing new is taken on while the last commits drain. */
		conn_error(c, id, "busy", "The server is shutting down; send it again later.");
		goto out;
	}
	if (!msg || !json_is_object(msg)) {
		conn_error(c, NULL, "bad_json", "The message is not a JSON object.");
		goto out;
	}
	if (!id) {
		conn_error(c, NULL, "bad_message",
			   "Every message needs an \"id\" of 1 to 64 letters, digits or _.:-");
		goto out;
	}
	type = json_string_value(json_object_get(msg, "type"));
	if (!type) {
		conn_error(c, id, "bad_message", "Every message needs a \"type\".");
		goto out;
	}
	h = find_message(srv, type);
	if (!h || !(h->roles & (1u << c->role))) {
		conn_error(c, id, "unknown_type", "No such message type.");
		goto out;
	}
	h->fn(c->user, id, msg);
out:
	json_decref(msg);
}

int ws_receive(struct conn *c, const void *in, size_t len)
{
	struct lws *wsi = c->wsi;
	bool first = lws_is_first_fragment(wsi), last = lws_is_final_fragment(wsi);
	size_t remaining = lws_remaining_packet_payload(wsi);

	c->last_heard = time_mono_ms();
	c->pinged_at = 0;

	if (lws_frame_is_binary(wsi)) {
		conn_close(c, CLOSE_UNSUPPORTED, "text frames only");
		return 0;
	}
	if (c->close_code)
		return 0;
	if (c->flooding_since && !c->oversize) {
		c->last_rx = time_mono_ms();
		return 0;
	}
	if (first && !c->rx_len && last && !remaining) {
		dispatch(c, in, len); /* the common case: one piece */
		return 0;
	}
	if (c->rx_len + len + remaining > WS_FRAME_MAX) {
		/* Read the rest of it away before closing, or the kernel resets the
		 * connection and the client never learns why (ws_timer bounds it). */
		free(c->rx);
		c->rx = NULL;
		c->rx_len = 0;
		c->oversize = true;
		start_discard(c);
	}
	if (c->oversize) {
		c->last_rx = time_mono_ms();
		if (last && !remaining)
			conn_close(c, CLOSE_TOO_BIG, "too large");
		return 0;
	}
	if (!c->rx)
		c->rx = xmalloc(WS_FRAME_MAX);
	memcpy(c->rx + c->rx_len, in, len);
	c->rx_len += len;
	if (last && !remaining) {
		dispatch(c, (const char *)c->rx, c->rx_len);
		free(c->rx);
		c->rx = NULL;
		c->rx_len = 0;
	}
	return 0;
}

/* ---- quiet sockets ---------------------------------------------------------- */

void ws_pong(struct conn *c)
{
	c->last_heard = time_mono_ms();
	c->pinged_at = 0;
}

void ws_sweep_quiet(struct server *srv, int64_t now)
{
	int64_t ping_ms = (int64_t)srv->cfg->ping_secs * 1000;
	int64_t close_ms = (int64_t)srv->cfg->idle_close_secs * 1000;
	struct conn *c;

	for (c = srv->conns; c; c = c->next) {
		if (!c->wsi || c->close_code)
			continue;
		if (now - c->last_heard >= close_ms) {
			/* Gone without a word: no close frame would reach it. */
			lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
			continue;
		}
		if (now - c->last_heard >= ping_ms && !c->pinged_at && !c->ping_due) {
			c->ping_due = true;
			lws_callback_on_writable(c->wsi);
		}
	}
}

/* ---- closing ------------------------------------------------------------ */

/*
 * Shutdown: a client may have messages on the way when the server decides
 * to close; closing over unread input makes the kernel reset the
 * connection, and the client loses the acks and the 1001 still on their
 * way to it (it sees 1006, like a crash).  So, as for a flood, input is
 * read away until the socket is quiet, and then it is closed.
 */
void ws_close_all(struct server *srv)
{
	struct conn *c;

	for (c = srv->conns; c; c = c->next) {
		if (!c->wsi || c->close_code || c->going_away)
			continue;
		c->going_away = true;
		if (!c->flooding_since)
			start_discard(c);
	}
}
