/*
 * sessions.c - signing in and out (PROTOCOL.md §2.2).
 *
 * Handlers that write use one op type, `struct api_write`, whose apply()
 * and done() are set per handler; sign-in checks the password on the
 * worker pool first, then submits the write.  Every path responds exactly
 * once.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/log.h"
#include "base/rate.h"
#include "base/util.h"
#include "base/workq.h"
#include "net/http.h"
#include "ops/api.h"
#include "ops/app.h"
#include "ops/caller.h"
#include "ops/client.h"
#include "ops/routes.h"
#include "store/writer.h"

#define SIGNIN_IP_LIMIT 10          /* attempts per address ... */
#define SIGNIN_IP_PERIOD 60000      /* ... per minute */
#define SIGNIN_USER_LIMIT 5         /* failures per username ... */
#define SIGNIN_USER_PERIOD 900000   /* ... per 15 minutes */

/* Retry-After: the whole window, in seconds (a client that waits it out is let in). */
static void retry_after(struct http_req *req, int64_t period_ms)
{
	char secs[24];

	snprintf(secs, sizeof(secs), "%lld", (long long)(period_ms / 1000));
	http_header(req, "retry-after:", secs);
}

static struct window *window_of(struct map *m, uint64_t key)
{
	struct window *w = map_get(m, key);

	if (!w) {
		w = xcalloc(1, sizeof(*w));
		map_put(m, key, w);
	}
	return w;
}

/* ---- sessions ---------------------------------------------------------------- */

static int session_add_apply(struct store *st, struct api_write *w)
{
	return store_session_add(st, w->hash, w->o.id, w->csrf, w->expires);
}

static void session_added(struct api_write *w, int rc)
{
	struct http_req *req = w->req;

	if (rc < 0) {
		api_storage_failed(req, rc);
		return;
	}
	caller_set_cookie(req, w->token, req_app(req)->cfg->session_hours * 3600);
	http_json(req, 200, json_pack("{s:o, s:s}", "operator", api_operator_json(w->app, &w->o),
				      "csrf", w->csrf));
}

static void signin_run(struct work *work)
{
	struct api_write *w = container_of(work, struct api_write, work);

	if (w->found)
		w->verified = auth_password_verify(w->o.pwhash, w->password);
	else
		auth_password_burn(w->password);
	explicit_bzero(w->password, sizeof(w->password));
}

/* Sign-ins of a username being checked here: hashed, or their failure being noted. */
static uintptr_t pending(struct app *app, uint64_t key)
{
	return (uintptr_t)map_get(&app->signin_pending, key);
}

static void pending_add(struct app *app, uint64_t key, int delta)
{
	uintptr_t n = pending(app, key) + (uintptr_t)(intptr_t)delta;

	if (n)
		map_put(&app->signin_pending, key, (void *)n);
	else
		map_del(&app->signin_pending, key);
}

/*
 * Failed sign-ins per username are counted in the store, not in memory:
 * with several processes on one database, an attacker spreading tries
 * over them gets no more than against one.
 */
static int signin_failed_apply(struct store *st, struct api_write *w)
{
	int64_t now = time_now_ms();

	return store_signin_failed(st, w->o.username, now, now - SIGNIN_USER_PERIOD);
}

static void signin_failed(struct api_write *w, int rc)
{
	pending_add(w->app, w->user_key, -1);
	if (rc < 0)
		log_warn("signin: a failed sign-in of %s could not be counted", w->o.username);
	http_error(w->req, 401, "bad_credentials", "Wrong username or password.");
}

static void signin_done(struct work *work)
{
	struct api_write *w = container_of(work, struct api_write, work);
	struct app *app = w->app;
	int64_t now = time_now_ms();

	app->hashes_running--;
	if (!w->verified || w->o.disabled) {
		/* Noted before the answer, so the next try sees it; pending until then. */
		api_submit(w, signin_failed_apply, signin_failed);
		return;
	}
	pending_add(app, w->user_key, -1);
	rand_token(w->token, 32);
	rand_token(w->csrf, 24);
	auth_token_hash(w->hash, w->token);
	w->expires = now + (int64_t)app->cfg->session_hours * 3600 * 1000;
	log_info("signin: %s", w->o.username);
	api_submit(w, session_add_apply, session_added);
}

static void post_session(struct http_req *req, HTTP_PARAMS)
{
	struct app *app = req->app;
	const char *username, *password;
	char origin[300], ctype[128];
	struct window *by_ip = window_of(&app->signin_ip, req->peer_key);
	struct api_write *w;
	json_t *body;
	int64_t now = time_mono_ms(), failures = 0;
	int rc;

	(void)params;
	http_get_header(req, "origin:", origin, sizeof(origin));
	http_get_header(req, "content-type:", ctype, sizeof(ctype));
	if ((origin[0] && !http_origin_ok(req, origin)) ||
	    strncmp(ctype, "application/json", 16) != 0) {
		http_error(req, 403, "csrf", "Sign in from refdesk's own sign-in page.");
		return;
	}
	if (!window_allows(by_ip, now, SIGNIN_IP_LIMIT, SIGNIN_IP_PERIOD)) {
		retry_after(req, SIGNIN_IP_PERIOD);
		http_error(req, 429, "rate_limited", "Too many sign-in attempts; wait a minute.");
		return;
	}
	window_add(by_ip, now);
	if (!(body = api_body(req)))
		return;
	if (json_unpack(body, "{s:s, s:s !}", "username", &username, "password", &password)) {
		json_decref(body);
		api_bad_request(req, "Expected {\"username\": string, \"password\": string}.");
		return;
	}
	if (strlen(password) > AUTH_PASSWORD_MAX * 4 || !str_is_token(username, STORE_USERNAME_MAX, "._-")) {
		json_decref(body);
		http_error(req, 401, "bad_credentials", "Wrong username or password.");
		return;
	}
	if ((rc = store_signin_failures(app->st, username, time_now_ms() - SIGNIN_USER_PERIOD,
					&failures)) < 0) {
		json_decref(body);
		api_storage_failed(req, rc);
		return;
	}
	/* Tries still being checked count as failures: sent at once, no more get through. */
	if (failures + (int64_t)pending(app, str_key(username, strlen(username))) >= SIGNIN_USER_LIMIT) {
		json_decref(body);
		retry_after(req, SIGNIN_USER_PERIOD);
		http_error(req, 429, "rate_limited",
			   "Too many failed sign-ins for this user; wait 15 minutes.");
		return;
	}
	w = api_write_new(req);
	w->user_key = str_key(username, strlen(username));
	w->found = store_operator_by_username(app->st, username, &w->o) == 0;
	if (!w->found)
		snprintf(w->o.username, sizeof(w->o.username), "%s", username);
	snprintf(w->password, sizeof(w->password), "%s", password);
	json_decref(body);
	w->work.run = signin_run;
	w->work.done = signin_done;
	if (workq_submit(app->workq, &w->work) < 0) {
		explicit_bzero(w->password, sizeof(w->password));
		free(w);
		http_header(req, "retry-after:", "1");
		http_error(req, 503, "busy", "The server is busy; try again in a moment.");
		return;
	}
	app->hashes_running++;
	pending_add(app, w->user_key, 1);
}

static void get_session(struct http_req *req, HTTP_PARAMS)
{
	(void)params;
	http_json(req, 200, json_pack("{s:o, s:s}", "operator", api_operator_json(req->app, &caller_of(req)->op),
				      "csrf", caller_of(req)->session.csrf));
}

static int session_del_apply(struct store *st, struct api_write *w)
{
	return store_session_delete(st, w->hash);
}

static void session_deleted(struct api_write *w, int rc)
{
	if (rc < 0) {
		api_storage_failed(w->req, rc);
		return;
	}
	clients_close_session(w->app, w->hash);
	caller_set_cookie(w->req, "", 0);
	http_json(w->req, 200, json_object());
}

static void post_session_end(struct http_req *req, HTTP_PARAMS)
{
	struct api_write *w;

	(void)params;
	w = api_write_new(req);
	memcpy(w->hash, caller_of(req)->session_hash, sizeof(w->hash));
	api_submit(w, session_del_apply, session_deleted);
}

static int touch_apply(struct store *st, struct api_write *w)
{
	return store_session_touch(st, w->hash, w->expires);
}

static void touch_done(struct api_write *w, int rc)
{
	(void)w;
	(void)rc;
}

void routes_touch_session(struct http_req *req)
{
	int64_t len = (int64_t)req_app(req)->cfg->session_hours * 3600 * 1000;
	int64_t now = time_now_ms();
	struct api_write *w;

	if (caller_of(req)->session.expires_at - now > len - 10 * 60 * 1000)
		return;
	w = xcalloc(1, sizeof(*w)); /* fire and forget: not tied to the request */
	w->app = req->app;
	memcpy(w->hash, caller_of(req)->session_hash, sizeof(w->hash));
	w->expires = now + len;
	api_submit(w, touch_apply, touch_done);
}

const struct http_route sessions_routes[] = {
	{ HTTP_POST, "/api/session", 0, NULL, post_session },
	{ HTTP_GET, "/api/session", ACCESS_OPERATOR, NULL, get_session },
	{ HTTP_POST, "/api/session/end", ACCESS_OPERATOR, NULL, post_session_end },
};
const size_t sessions_nroutes = ARRAY_SIZE(sessions_routes);

void sessions_print_limits(FILE *out)
{
	limit_print(out, "signin_ip_attempts", SIGNIN_IP_LIMIT, "attempts",
		    "sign-in attempts per address per signin_ip_window, in each process");
	limit_print(out, "signin_ip_window", SIGNIN_IP_PERIOD / 1000, "s", "the window of signin_ip_attempts");
	limit_print(out, "signin_user_failures", SIGNIN_USER_LIMIT, "failures",
		    "failed sign-ins per username per signin_user_window, across every process on the store");
	limit_print(out, "signin_user_window", SIGNIN_USER_PERIOD / 1000, "s",
		    "the window of signin_user_failures");
	limit_print(out, "username_bytes", STORE_USERNAME_MAX, "bytes", "an operator's username");
	limit_print(out, "queue_name_bytes", STORE_QUEUE_NAME_MAX, "bytes", "a queue's name");
	limit_print(out, "password_min", AUTH_PASSWORD_MIN, "chars", "shortest password");
	limit_print(out, "password_max", AUTH_PASSWORD_MAX, "chars", "longest password");
}
