/*
 * world.c - see world.h.
 *
 * The app is built by app_init() as main.c builds it, on a server without
 * an lws context: srv.ctx stays NULL, so app_flush_soon() hands each write
 * to the writer at once, and world_settle() plays the loop's part of
 * draining the writer's and the workers' finished jobs.
 */
#include "world.h"

#include <errno.h>
#include <ftw.h>
#include <time.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "base/log.h"
#include "base/util.h"
#include "base/workq.h"
#include "fake_lws.h"
#include "media/media.h"
#include "net/server.h"
#include "net/ws.h"
#include "ops/app.h"
#include "store/store.h"
#include "store/writer.h"

static struct server_config cfg;
static struct app_config acfg;
static struct server srv;
static struct app app;
static bool started;
static char dir[256];
static char pwhash[AUTH_PWHASH_MAX];
static char last_chat[32] = "c_none";
static char last_token[80] = "none";
static char last_blob[80] = "none";
static unsigned runs;

static void die(const char *what)
{
	fprintf(stderr, "fuzz world: %s\n", what);
	exit(2);
}

static void seed(void)
{
	struct store_operator o;
	unsigned char hash[AUTH_HASH_BYTES];
	int64_t account = 0, queue = 0;
	struct store *st;
	const char *token = strchr(WORLD_COOKIE, '=') + 1;
	int rc;

	if (store_open(&st, dir) < 0)
		die("cannot open the store");
	memset(&o, 0, sizeof(o));
	rc = store_begin(st);
	if (!rc)
		rc = store_account_add(st, "Fuzz Library", "https://library.example", &account);
	if (!rc)
		rc = store_queue_add(st, account, "ask", "Ask a Librarian", &queue);
	o.account_id = account;
	o.is_admin = true;
	snprintf(o.username, sizeof(o.username), "admin");
	snprintf(o.name, sizeof(o.name), "Fuzz Librarian");
	memcpy(o.pwhash, pwhash, sizeof(pwhash));
	if (!rc)
		rc = store_operator_add(st, &o, &o.id);
	if (!rc)
		rc = store_member_set(st, queue, o.id, true);
	auth_token_hash(hash, token);
	if (!rc)
		rc = store_session_add(st, hash, o.id, WORLD_CSRF, time_now_ms() + 86400000LL);
	if (!rc)
		rc = store_commit(st);
	store_free(st);
	if (rc)
		die("cannot seed the store");
}

static void start(void)
{
	const char *base = access("/dev/shm", W_OK) ? getenv("TMPDIR") : "/dev/shm";

	snprintf(dir, sizeof(dir), "%s/refdesk-fuzz-XXXXXX", base ? base : "/tmp");
	if (!mkdtemp(dir))
		die("cannot make a data directory");
	seed();
	memset(&srv, 0, sizeof(srv));
	srv.cfg = &cfg;
	srv.hooks = &app_hooks;
	srv.app = &app;
	acfg.data_dir = dir;
	if (app_init(&app, &acfg, &srv) < 0)
		die("cannot open the store");
	started = true;
}

static int unlink_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void stop(void)
{
	world_settle();
	server_release(&srv);
	app_release(&app);
	nftw(dir, unlink_cb, 16, FTW_DEPTH | FTW_PHYS);
	started = false;
}

static void at_exit(void)
{
	if (started)
		stop();
}

struct app *world_app(void)
{
	if (started)
		return &app;
	if (!pwhash[0]) {
		if (auth_init() < 0 || media_init() < 0 ||
		    auth_password_hash(pwhash, "fuzz-password-1") < 0)
			die("cannot start libsodium or libvips");
		log_set_level(getenv("FUZZ_LOG") ? LOG_DEBUG : LOG_ERROR);
		server_config_defaults(&cfg);
		app_config_defaults(&acfg);
		acfg.workers = 1; /* one order of finishing: a crash replays the same way */
		cfg.web_dir = FUZZ_WEB_DIR;
		cfg.web_min_dir = NULL; /* the files as they are, wherever the fuzzer runs */
		/* Rates high enough that the limits do not hide the handlers
		 * (the limits are tested elsewhere); small images, for speed. */
		cfg.msg_rate = cfg.msg_burst = 1e6;
		acfg.upload_rate = acfg.upload_burst = 1e6;
		acfg.max_image_bytes = 256 << 10;
		acfg.max_file_bytes = 256 << 10;
		acfg.max_image_pixels = 512 * 512;
		atexit(at_exit);
	}
	start();
	return &app;
}

struct server *world_server(void)
{
	world_app();
	return &srv;
}

bool world_started(void)
{
	return started;
}

void world_maybe_reset(unsigned every)
{
	if (started && ++runs % every == 0) {
		stop();
		snprintf(last_chat, sizeof(last_chat), "c_none");
		snprintf(last_token, sizeof(last_token), "none");
		snprintf(last_blob, sizeof(last_blob), "none");
	}
}

void world_settle(void)
{
	/* Without a loop to wake (server_wake() needs a context), poll briefly. */
	static const struct timespec nap = { 0, 200000 };

	for (;;) {
		writer_flush(app.writer);
		writer_drain(app.writer);
		workq_drain(app.workq);
		if (!writer_busy(app.writer) && !workq_busy(app.workq))
			return;
		nanosleep(&nap, NULL);
	}
}

/* ---- WebSockets -------------------------------------------------------------------- */

struct conn *world_ws_open(bool operator)
{
	struct lws *wsi = fake_lws_new();
	struct conn *c;

	wsi->websocket = true;
	if (operator)
		fake_lws_header(wsi, "Cookie", WORLD_COOKIE);
	ws_established(world_server(), wsi, &c);
	world_settle();
	return c;
}

void world_ws_send(struct conn *c, const char *text, size_t len, int pieces)
{
	struct lws *wsi = c->wsi;
	size_t half = pieces > 1 ? len / 2 : len;

	wsi->binary = false;
	wsi->remaining = 0;
	wsi->first = true;
	wsi->final = half == len;
	ws_receive(c, text, half);
	if (half < len && c->wsi) {
		wsi->first = false;
		wsi->final = true;
		ws_receive(c, text + half, len - half);
	}
	world_settle();
}

/* Every frame the server sends is a JSON object with a string "type". */
static void check_frames(const char *out, size_t len)
{
	const char *p = out, *end, *nl;

	if (!out)
		return;
	for (end = out + len; p < end; p = nl + 1) {
		json_t *obj;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		obj = json_loadb(p, (size_t)(nl - p), 0, NULL);
		if (!json_is_object(obj) || !json_is_string(json_object_get(obj, "type"))) {
			fprintf(stderr, "fuzz world: the server sent a bad frame: %.*s\n",
				(int)(nl - p), p);
			abort();
		}
		json_decref(obj);
		if (getenv("FUZZ_TRACE"))
			fprintf(stderr, "  <- %.*s\n", (int)(nl - p), p);
		world_learn(p);
	}
}

const char *world_ws_flush(struct conn *c)
{
	struct lws *wsi = c->wsi;

	if (!wsi)
		return NULL;
	fake_lws_clear_output(wsi);
	while (wsi->writable > 0) {
		wsi->writable = 0;
		if (ws_writeable(c) < 0) {
			check_frames(wsi->out, wsi->out_len);
			return NULL; /* the server hangs up */
		}
	}
	check_frames(wsi->out, wsi->out_len);
	return wsi->out ? wsi->out : "";
}

void world_ws_close(struct conn *c)
{
	struct lws *wsi = c->wsi;

	if (!wsi)
		return;
	ws_closed(c);
	world_settle();
	fake_lws_free(wsi);
}

/* ---- values the server handed out -------------------------------------------------- */

void world_learn(const char *frame)
{
	json_t *obj = json_loadb(frame, strcspn(frame, "\n"), 0, NULL);
	const char *chat = json_string_value(json_object_get(obj, "chat"));
	const char *token = json_string_value(json_object_get(obj, "token"));
	const char *blob = json_string_value(json_object_get(obj, "blob"));

	if (chat && strlen(chat) < sizeof(last_chat))
		snprintf(last_chat, sizeof(last_chat), "%s", chat);
	if (token && strlen(token) < sizeof(last_token))
		snprintf(last_token, sizeof(last_token), "%s", token);
	if (blob && strlen(blob) < sizeof(last_blob))
		snprintf(last_blob, sizeof(last_blob), "%s", blob);
	json_decref(obj);
}

char *world_substitute(const char *text, size_t len, size_t *out_len)
{
	static const char *const names[] = { "$CHAT", "$TOKEN", "$BLOB", "$CSRF", "$COOKIE" };
	const char *values[] = { last_chat, last_token, last_blob, WORLD_CSRF, WORLD_COOKIE };
	size_t cap = len * 2 + 256, o = 0, i, k;
	char *out = xmalloc(cap);

	for (i = 0; i < len;) {
		for (k = 0; k < ARRAY_SIZE(names); k++)
			if (len - i >= strlen(names[k]) && !memcmp(text + i, names[k], strlen(names[k])))
				break;
		if (k < ARRAY_SIZE(names)) {
			size_t vl = strlen(values[k]);

			if (o + vl + 1 > cap)
				out = xrealloc(out, cap = (o + vl + 1) * 2);
			memcpy(out + o, values[k], vl);
			o += vl;
			i += strlen(names[k]);
		} else {
			if (o + 2 > cap)
				out = xrealloc(out, cap *= 2);
			out[o++] = text[i++];
		}
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}
