/*
 * http_request.c - fuzz the HTTP side: route matching, path checks and
 * static files (routes.c, static.c), headers such as Cookie, Origin,
 * Authorization, X-File-Name and X-Alt, JSON bodies of the API and admin
 * routes (api.c, routes_admin.c) and uploads with their images (uploads.c,
 * media/), on a whole server without sockets (lib/world.h).
 *
 * Input: a request as a person would type it —
 *     METHOD /path?query
 *     Header: value
 *     (blank line)
 *     body
 * A POST without Content-Length gets one for its body; with one, only that
 * many bytes are delivered, and the body ends only if they all were.
 * "$CHAT", "$TOKEN" (a live chat held by the operator, and its guest's
 * token), "$COOKIE" and "$CSRF" (the operator's session) and "$BLOB" (the
 * last blob an answer named) are replaced.  Up to four requests may follow
 * each other, separated by a line "===".
 * Every request must be answered exactly once, and a JSON answer must be
 * valid JSON (else the run aborts).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fake_lws.h"
#include "lib/world.h"
#include "net/http.h"
#include "net/ws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A chat for the requests to name: started by a guest, accepted by the operator. */
static void open_chat(void)
{
	static const char *const script[] = {
		"{\"type\":\"availability.set\",\"id\":\"a\",\"queue\":\"ask\",\"available\":true}",
		"{\"type\":\"chat.start\",\"id\":\"s\",\"queue\":\"ask\",\"name\":\"Guest\"}",
		"{\"type\":\"chat.accept\",\"id\":\"c\",\"chat\":\"$CHAT\"}",
	};
	struct conn *op = world_ws_open(true), *guest = world_ws_open(false);
	size_t i, len;

	for (i = 0; i < 3; i++) {
		struct conn *c = i == 1 ? guest : op;
		char *msg = world_substitute(script[i], strlen(script[i]), &len);

		world_ws_send(c, msg, len, 1);
		free(msg);
		world_ws_flush(op);
		world_ws_flush(guest);
	}
	world_ws_close(guest);
	world_ws_close(op);
}

/* Fill the fake connection from the header lines; returns where the body starts. */
static const char *parse_head(struct lws *wsi, const char *p, const char *end, char *method,
			      char *path, size_t path_size)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	char line[8192];
	int n;

	if (!nl)
		nl = end;
	n = snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
	if (n < 0 || sscanf(line, "%15s %8191s", method, line) != 2)
		return NULL;
	line[strcspn(line, "?")] = '\0'; /* lws keeps the query apart; no route reads it */
	snprintf(path, path_size, "%s", line);
	fake_lws_request(wsi, method, path);
	for (p = nl + 1; p < end; p = nl + 1) {
		char *colon, *value;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (nl == p || (nl == p + 1 && *p == '\r'))
			return nl + 1;
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		line[strcspn(line, "\r")] = '\0';
		if (!(colon = strchr(line, ':')))
			continue;
		*colon = '\0';
		for (value = colon + 1; *value == ' '; value++)
			;
		fake_lws_header(wsi, line, value);
	}
	return end;
}

static void check_answer(const struct lws *wsi)
{
	const char *body, *ctype;
	json_t *doc;

	if (!wsi->status || !wsi->out) {
		fprintf(stderr, "http_request: the request was never answered\n");
		abort();
	}
	body = strstr(wsi->out, "\r\n\r\n");
	if (getenv("FUZZ_TRACE"))
		fprintf(stderr, "  => %d %.150s\n", wsi->status, body ? body + 4 : "");
	ctype = strstr(wsi->out, "content-type: application/json");
	if (!body || !ctype || ctype > body || wsi->status == 304)
		return;
	doc = json_loadb(body + 4, wsi->out_len - (size_t)(body + 4 - wsi->out), 0, NULL);
	if (!doc) {
		fprintf(stderr, "http_request: a JSON answer that is not JSON:\n%s\n", wsi->out);
		abort();
	}
	json_decref(doc);
	world_learn(body + 4);
}

static void serve(struct lws *wsi, const char *path, const char *body, size_t body_len,
		  bool is_post)
{
	struct pss pss = { 0 };
	const char *declared = fake_lws_header_value(wsi, "Content-Length");
	size_t off = 0, want = body_len;
	char len[32];
	int rc = 0;

	if (is_post && !declared) {
		snprintf(len, sizeof(len), "%zu", body_len);
		fake_lws_header(wsi, "Content-Length", len);
	} else if (is_post) {
		want = strtoull(declared, NULL, 10);
	}
	http_request(world_server(), wsi, &pss, path);
	/* lws delivers what Content-Length announced, in pieces. */
	while (is_post && rc == 0 && off < want && off < body_len) {
		size_t n = body_len - off < 4096 ? body_len - off : 4096;

		if (n > want - off)
			n = want - off;
		rc = http_body(&pss, body + off, n);
		off += n;
	}
	if (is_post && rc == 0 && off == want && want > 0)
		rc = http_body_done(&pss);
	world_settle();
	while (rc == 0 && wsi->writable > 0) {
		wsi->writable = 0;
		rc = http_writeable(&pss);
		world_settle();
	}
	http_detach(&pss);
	world_settle();
	/* A request whose body is still on its way may be unanswered yet. */
	if (!is_post || off == want || wsi->status)
		check_answer(wsi);
}

static void one_request(const char *data, size_t size)
{
	char method[16], path[8192], *text;
	const char *body;
	struct lws *wsi;
	size_t len;

	text = world_substitute(data, size, &len);
	wsi = fake_lws_new();
	body = parse_head(wsi, text, text + len, method, path, sizeof(path));
	if (body && path[0] == '/') {
		if (body > text + len)
			body = text + len;
		serve(wsi, path, body, (size_t)(text + len - body), !strcmp(method, "POST"));
	}
	fake_lws_free(wsi);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool have_chat;
	const char *p = (const char *)data, *end = p + size, *next;
	int requests;

	if (!have_chat) {
		world_app();
		open_chat();
		have_chat = true;
	}
	for (requests = 0; p < end && requests < 4; p = next, requests++) {
		const char *sep = memmem(p, (size_t)(end - p), "\n===\n", 5);

		next = sep ? sep + 5 : end;
		one_request(p, (size_t)((sep ? sep : end) - p));
	}
	world_maybe_reset(500);
	if (!world_started())
		have_chat = false;
	return 0;
}
