/*
 * app.c - see app.h.  Builds the application around the store, the writer
 * and the workers, registers the operations' tables with the transport, and
 * answers the transport's hooks.
 */
#include "ops/app.h"
#include "ops/bus_ops.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/rate.h"
#include "base/util.h"
#include "base/workq.h"
#include "media/blobs.h"
#include "media/media.h"
#include "net/http.h"
#include "net/server.h"
#include "net/ws.h"
#include "ops/caller.h"
#include "ops/chat_ops.h"
#include "ops/client.h"
#include "ops/desk.h"
#include "ops/retention.h"
#include "ops/followups.h"
#include "ops/routes.h"
#include "ops/share_ops.h"
#include "ops/page_lang.h"
#include "ops/staff_ops.h"
#include "ops/uploads.h"
#include "ops/xmpp_ops.h"
#include "store/store.h"
#include "store/writer.h"

/* Jobs waiting for the worker pool (password hashes, images); beyond them 503 busy. */
#define APP_WORK_QUEUE 64

void app_config_defaults(struct app_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->data_dir = "var";
	cfg->session_hours = 12;
	cfg->abandon_secs = 120;
	cfg->transfer_timeout_secs = 60;
	cfg->block_hour_secs = 3600;
	cfg->tidy_minute_secs = 60;
	cfg->manage_grace_hours = 24;
	cfg->max_image_bytes = 15 << 20;
	cfg->max_file_bytes = 25 << 20;
	cfg->max_image_pixels = 40000000;
	cfg->upload_rate = 2;
	cfg->upload_burst = 10;
	cfg->turn_ttl = 3600;
	cfg->share_invite_secs = 300;
	cfg->share_frame_secs = SHARE_FRAME_MS / 1000;
	cfg->workers = 2;
	cfg->purge_interval_secs = 300;
	cfg->staff_room_keep_secs = STAFF_ROOM_KEEP_DEFAULT;
	cfg->smtp_attempts = 5;
	cfg->smtp_retry_secs = 60;
	cfg->followup_keep_days = 30;
	str_copy(cfg->xmpp_host, sizeof(cfg->xmpp_host), "127.0.0.1");
	cfg->xmpp_port = 5347;
}

const char *app_store_where(const struct app_config *cfg)
{
	return cfg->store_url ? cfg->store_url : cfg->data_dir;
}

/* ---- group commit: one batch per turn of the loop ---------------------------- */

static void flush_now(void *arg)
{
	struct app *app = arg;

	app->flush_scheduled = false;
	writer_flush(app->writer);
}

void app_flush_soon(struct app *app)
{
	if (app->flush_scheduled)
		return;
	app->flush_scheduled = true;
	server_timer_set(app->flush_timer, 0);
}

void app_submit(struct app *app, struct store_op *op)
{
	writer_submit(app->writer, op);
	app_flush_soon(app);
}

/* ---- what the loop runs for the app --------------------------------------------- */

/* Forget idle rate buckets and windows now and then so the maps do not grow forever. */
static void sweep_limits(struct app *app)
{
	struct map *windows[] = { &app->signin_ip };
	int64_t now = time_mono_ms();
	size_t i, j;
	uint64_t key;
	void *v;

	if (now - app->limits_swept_ms < RATE_SWEEP_MS)
		return;
	app->limits_swept_ms = now;
	for (i = 0; map_next(&app->upload_rate, &i, &key, &v);) {
		if (now - ((struct rate *)v)->last_ms > RATE_FORGET_MS) {
			map_del(&app->upload_rate, key);
			free(v);
		}
	}
	for (j = 0; j < ARRAY_SIZE(windows); j++) {
		for (i = 0; map_next(windows[j], &i, &key, &v);) {
			if (now - window_last(v) > RATE_FORGET_MS) {
				map_del(windows[j], key);
				free(v);
			}
		}
	}
}

#define APP_DUTIES_CHECK_MS 2000

bool app_runs_duties(const struct app *app)
{
	return app->duties;
}

/* Does this process hold the shared duties?  A database out of reach changes nothing. */
static void duties_check(struct app *app)
{
	int64_t now = time_mono_ms();
	bool held, first = !app->duties_known;

	if (app->duties_checked_ms && now - app->duties_checked_ms < APP_DUTIES_CHECK_MS)
		return;
	app->duties_checked_ms = now;
	if (store_duties_hold(app->st, &held) < 0)
		return;
	app->duties_known = true;
	if ((first || held != app->duties) && app->cfg->store_url)
		log_info(held ? "duties: this process runs the shared duties (the retention purge, "
				"the follow-up outbox, the XMPP link)"
			      : "duties: another process on the database runs the shared duties; "
				"this one takes them over if it stops");
	if (held && !app->duties && !first && app->bus)
		chat_ops_adopt_waiting(app); /* the node that had them is gone, and its waiting guests */
	app->duties = held;
	if (held && !app->xmpp_started) {
		app->xmpp_started = true;
		/* Without the link the web still serves: a failure here is logged, not fatal. */
		xmpp_ops_start(app);
	}
}

static void each_second(void *arg)
{
	struct app *app = arg;

	duties_check(app);
	bus_ops_tick(app);
	chat_ops_sweep(app);
	desk_ops_sweep(app);
	followups_sweep(app);
	server_timer_set(app->sweep_timer, 1000000);
}

static void hook_wake(void *arg)
{
	struct app *app = arg;

	if (!app->writer)
		return; /* not built yet, or app_init() failed */
	writer_drain(app->writer);
	workq_drain(app->workq);
	followups_drain(app);
	xmpp_ops_drain(app);
	bus_ops_drain(app);
	sweep_limits(app);
}

static bool hook_busy(void *arg)
{
	struct app *app = arg;

	/* Workers' done() may still write; every commit's answer must go out. */
	if (!workq_busy(app->workq) && !writer_busy(app->writer))
		return false;
	writer_flush(app->writer);
	return true;
}

static int hook_access(void *arg, struct http_req *req, unsigned access)
{
	(void)arg;
	return caller_admit(req, access);
}

static void hook_release(void *arg, struct http_req *req)
{
	(void)arg;
	uploads_release(req);
	caller_release(req);
}

const struct server_hooks app_hooks = {
	.wake = hook_wake,
	.busy = hook_busy,
	.ws_open = socket_client_open,
	.ws_drained = socket_client_drained,
	.ws_closed = socket_client_closed,
	.http_access = hook_access,
	.http_release = hook_release,
};

/* ---- building it ---------------------------------------------------------------- */

static void register_tables(struct server *srv)
{
	server_add_routes(srv, sessions_routes, sessions_nroutes);
	server_add_routes(srv, pages_routes, pages_nroutes);
	server_add_routes(srv, admin_routes, admin_nroutes);
	server_add_routes(srv, uploads_routes, uploads_nroutes);
	server_add_routes(srv, history_routes, history_nroutes);
	server_add_routes(srv, canned_routes, canned_nroutes);
	server_add_routes(srv, canned_snapshots_routes, canned_snapshots_nroutes);
	server_add_routes(srv, blocks_routes, blocks_nroutes);
	server_add_routes(srv, metrics_routes, metrics_nroutes);
	server_add_routes(srv, retention_routes, retention_nroutes);
	server_add_routes(srv, desk_routes, desk_nroutes);
	server_add_routes(srv, followups_routes, followups_nroutes);
	server_add_routes(srv, reports_routes, reports_nroutes);
	server_add_routes(srv, xmpp_routes, xmpp_nroutes);
	server_add_routes(srv, survey_routes, survey_nroutes);
	server_add_messages(srv, chat_messages, chat_nmessages);
	server_add_messages(srv, share_messages, share_nmessages);
	server_add_messages(srv, staff_messages, staff_nmessages);
}

void app_print_tables(FILE *out)
{
	static const char *const roles[] = { "guest", "operator" };
	struct server srv;

	memset(&srv, 0, sizeof(srv));
	register_tables(&srv);
	server_print_tables(&srv, out, roles, ARRAY_SIZE(roles));
}

void app_print_limits(FILE *out, const struct app_config *cfg)
{
	chat_ops_print_limits(out);
	limit_print(out, "abandon_secs", cfg->abandon_secs, "s",
		    "a waiting chat whose guest is gone this long is ended (--abandon-secs)");
	limit_print(out, "transfer_timeout_secs", cfg->transfer_timeout_secs, "s",
		    "a transfer nobody answers goes back after (--transfer-timeout-secs)");
	limit_print(out, "block_hour_secs", cfg->block_hour_secs, "s",
		    "one hour of Block guest (--block-hour-secs)");
	limit_print(out, "tidy_minute_secs", cfg->tidy_minute_secs, "s",
		    "a minute of the desk's idle settings (--tidy-minute-secs)");
	desk_print_limits(out);
	sessions_print_limits(out);
	limit_print(out, "session_hours", cfg->session_hours, "h",
		    "an operator session lasts after its last use (--session-hours)");
	uploads_print_limits(out, cfg);
	history_print_limits(out);
	canned_print_limits(out);
	canned_snapshots_print_limits(out);
	blocks_print_limits(out);
	page_lang_print_limits(out);
	reports_print_limits(out);
	limit_print(out, "manage_grace_hours", cfg->manage_grace_hours, "h",
		    "a chat's management link works after the chat ended (--manage-grace-hours)");
	limit_print(out, "share_text_chars", SHARE_TEXT_MAX, "chars", "a screensharing invitation");
	limit_print(out, "share_sdp_bytes", SHARE_SDP_MAX, "bytes", "a share's offer or answer");
	limit_print(out, "share_candidate_bytes", SHARE_CANDIDATE_MAX, "bytes", "one ICE candidate line");
	limit_print(out, "share_invite_secs", cfg->share_invite_secs, "s",
		    "an unanswered invitation lasts (--share-invite-secs)");
	limit_print(out, "share_consent_secs", SHARE_CONSENT_MS / 1000, "s",
		    "a guest who accepted has to pick a screen");
	limit_print(out, "share_frame_secs", cfg->share_frame_secs, "s",
		    "from the offer, the viewer's time to report a frame (--share-frame-secs)");
	limit_print(out, "turn_ttl", cfg->turn_ttl, "s", "a minted TURN credential lasts (--turn-ttl)");
	limit_print(out, "ice_urls_max", APP_MAX_ICE, "urls", "--stun and --turn options, each");
	followups_print_limits(out, cfg);
	limit_print(out, "workers", cfg->workers, "threads", "password hashes and the image pipeline");
	limit_print(out, "work_queue", APP_WORK_QUEUE, "jobs", "waiting for a worker before 503 busy");
	writer_print_limits(out);
	retention_print_limits(out, cfg->purge_interval_secs);
	staff_ops_print_limits(out, cfg->staff_room_keep_secs);
}

static void wake_loop(void *arg)
{
	server_wake(arg);
}

int app_init(struct app *app, const struct app_config *cfg, struct server *srv)
{
	int rc;

	memset(app, 0, sizeof(*app));
	app->cfg = cfg;
	app->srv = srv;
	domain_init(&app->dom);
	blocks_init(&app->blocks);
	rc = metrics_init(app);
	if (rc < 0)
		return rc;
	rc = store_open(&app->st, app_store_where(cfg));
	if (rc < 0)
		return rc;
	rc = writer_new(&app->writer, app_store_where(cfg), wake_loop, srv);
	if (rc < 0) {
		app->writer = NULL;
		store_free(app->st);
		app->st = NULL;
		return rc;
	}
	if (media_init() < 0) {
		log_error("libvips failed to start");
		writer_free(app->writer);
		app->writer = NULL;
		store_free(app->st);
		app->st = NULL;
		return -EIO;
	}
	blobs_clean(cfg->data_dir);
	app->workq = workq_new("worker", cfg->workers, APP_WORK_QUEUE, wake_loop, srv, media_thread_done);
	app->chat_listener = &share_ops_listener;
	app->flush_timer = server_timer_new(srv, flush_now, app);
	app->sweep_timer = server_timer_new(srv, each_second, app);
	register_tables(srv);
	chat_ops_start(app);
	if (followups_start(app) < 0) {
		app_release(app);
		return -EIO;
	}
	server_timer_set(app->sweep_timer, 1000000);
	rc = retention_start(app);
	if (rc < 0)
		log_error("retention: the purge could not start; nothing expires until a restart");
	duties_check(app); /* the XMPP link starts there, in the process that has the duties */
	if (bus_ops_start(app) < 0) {
		app_release(app);
		return -EINVAL;
	}
	return 0;
}

void app_release(struct app *app)
{
	struct map *maps[] = { &app->upload_rate, &app->signin_ip };
	size_t i, j;
	uint64_t key;
	void *v;

	bus_ops_stop(app);        /* the others forget this node's librarians; nothing more arrives */
	retention_stop(app);      /* a purge batch in flight finishes below, without a next */
	xmpp_ops_stop(app);       /* joins the link's thread; nothing more arrives */
	workq_free(app->workq);   /* idle by now; a straggler's done() may still write */
	followups_stop(app);      /* a mail in flight ends; its outcome is written below */
	writer_free(app->writer); /* commits anything left, runs its done()s */
	app->writer = NULL;
	server_timer_free(app->flush_timer);
	server_timer_free(app->sweep_timer);
	retention_free(app);
	domain_release(&app->dom);
	blocks_release(&app->blocks);
	page_lang_release();
	for (j = 0; j < ARRAY_SIZE(maps); j++) {
		for (i = 0; map_next(maps[j], &i, &key, &v);)
			free(v);
		map_release(maps[j]);
	}
	map_release(&app->signin_pending); /* counts, not allocations */
	store_free(app->st);
}
