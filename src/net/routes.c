/*
 * routes.c - see routes.h.  The HTTP API and the page routes.
 *
 * Handlers that write use one op type, `struct api_write`, whose apply()
 * and done() are set per handler; handlers that need a password hashed
 * first run it on the worker pool, then submit the write.  Every path
 * responds exactly once.
 */
#include "net/routes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/log.h"
#include "base/util.h"
#include "base/workq.h"
#include "chat/domain.h"
#include "net/app.h"
#include "net/api.h"
#include "net/history.h"
#include "net/http.h"
#include "net/uploads.h"
#include "net/ws.h"
#include "store/writer.h"

#define SESSION_COOKIE "refdesk_session"
#define SIGNIN_IP_LIMIT 10          /* attempts per address ... */
#define SIGNIN_IP_PERIOD 60000      /* ... per minute */
#define SIGNIN_USER_LIMIT 5         /* failures per username ... */
#define SIGNIN_USER_PERIOD 900000   /* ... per 15 minutes */

struct route {
	enum http_method method;
	const char *pattern; /* '*' matches one segment */
	void (*fn)(struct http_req *req, API_PARAMS);
};

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

static void set_cookie(struct http_req *req, const char *token, int max_age)
{
	char cookie[256];

	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s",
		 SESSION_COOKIE, token, max_age, http_is_secure(req->app) ? "; Secure" : "");
	http_header(req, "set-cookie:", cookie);
}

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
	set_cookie(req, w->token, req->app->cfg->session_hours * 3600);
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

static void signin_done(struct work *work)
{
	struct api_write *w = container_of(work, struct api_write, work);
	struct app *app = w->app;
	int64_t now = time_now_ms();

	app->hashes_running--;
	if (!w->verified || w->o.disabled) {
		window_add(window_of(&app->signin_user, w->user_key), time_mono_ms());
		http_error(w->req, 401, "bad_credentials", "Wrong username or password.");
		free(w);
		return;
	}
	rand_token(w->token, 32);
	rand_token(w->csrf, 24);
	auth_token_hash(w->hash, w->token);
	w->expires = now + (int64_t)app->cfg->session_hours * 3600 * 1000;
	log_info("signin: %s", w->o.username);
	api_submit(w, session_add_apply, session_added);
}

static void post_session(struct http_req *req, API_PARAMS)
{
	struct app *app = req->app;
	const char *username, *password;
	char origin[300], ctype[128];
	struct window *by_ip = window_of(&app->signin_ip, req->peer_key);
	struct api_write *w;
	json_t *body;
	int64_t now = time_mono_ms();

	(void)params;
	http_get_header(req, "origin:", origin, sizeof(origin));
	http_get_header(req, "content-type:", ctype, sizeof(ctype));
	if ((origin[0] && !http_origin_allowed(app, req->wsi, origin)) ||
	    strncmp(ctype, "application/json", 16) != 0) {
		http_error(req, 403, "csrf", "Sign in from refdesk's own sign-in page.");
		return;
	}
	if (!window_allows(by_ip, now, SIGNIN_IP_LIMIT, SIGNIN_IP_PERIOD)) {
		http_header(req, "retry-after:", "60");
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
	if (strlen(password) > AUTH_PASSWORD_MAX * 4 || !str_is_token(username, 64, "._-")) {
		json_decref(body);
		http_error(req, 401, "bad_credentials", "Wrong username or password.");
		return;
	}
	if (!window_allows(window_of(&app->signin_user, app_key(username, strlen(username))), now,
			   SIGNIN_USER_LIMIT, SIGNIN_USER_PERIOD)) {
		json_decref(body);
		http_header(req, "retry-after:", "900");
		http_error(req, 429, "rate_limited",
			   "Too many failed sign-ins for this user; wait 15 minutes.");
		return;
	}
	w = api_write_new(req);
	w->user_key = app_key(username, strlen(username));
	w->found = store_operator_by_username(app->st, username, &w->o) == 0;
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
}

static void get_session(struct http_req *req, API_PARAMS)
{
	(void)params;
	if (http_require_operator(req) < 0)
		return;
	http_json(req, 200, json_pack("{s:o, s:s}", "operator", api_operator_json(req->app, &req->op),
				      "csrf", req->session.csrf));
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
	ws_close_session(w->app, w->hash, CLOSE_SIGNED_OUT);
	set_cookie(w->req, "", 0);
	http_json(w->req, 200, json_object());
}

static void post_session_end(struct http_req *req, API_PARAMS)
{
	struct api_write *w;

	(void)params;
	if (http_require_operator(req) < 0)
		return;
	w = api_write_new(req);
	memcpy(w->hash, req->session_hash, sizeof(w->hash));
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
	int64_t len = (int64_t)req->app->cfg->session_hours * 3600 * 1000;
	int64_t now = time_now_ms();
	struct api_write *w;

	if (req->session.expires_at - now > len - 10 * 60 * 1000)
		return;
	w = xcalloc(1, sizeof(*w)); /* fire and forget: not tied to the request */
	w->app = req->app;
	memcpy(w->hash, req->session_hash, sizeof(w->hash));
	w->expires = now + len;
	api_submit(w, touch_apply, touch_done);
}

/* ---- public ---------------------------------------------------------------------- */

static void get_health(struct http_req *req, API_PARAMS)
{
	(void)params;
	http_json(req, 200, json_pack("{s:b}", "ok", 1));
}

static void get_queue(struct http_req *req, API_PARAMS)
{
	struct store_account a;
	struct store_queue q;
	struct queue_live *ql;

	http_header(req, "access-control-allow-origin:", "*");
	if (!str_is_token(params[0], 32, "-") || store_queue_by_name(req->app->st, params[0], &q) < 0 ||
	    store_account_get(req->app->st, q.account_id, &a) < 0) {
		http_error(req, 404, "not_found", "No such queue.");
		return;
	}
	ql = domain_queue(&req->app->dom, q.id);
	/* The limits let the box refuse what the server would, before sending it. */
	http_json(req, 200, json_pack("{s:s, s:s, s:s, s:b, s:{s:I, s:I, s:i}}", "queue", q.name,
				      "title", q.title, "account", a.name,
				      "online", ql && queue_is_online(ql), "limits",
				      "image_bytes", (json_int_t)req->app->cfg->max_image_bytes,
				      "file_bytes", (json_int_t)req->app->cfg->max_file_bytes,
				      "text_chars", CHAT_TEXT_MAX));
}

/* ---- pages ------------------------------------------------------------------------ */

static void page_root(struct http_req *req, API_PARAMS)
{
	(void)params;
	if (req->app->cfg->demo) {
		http_static(req, "demo/index.html", POLICY_PAGE);
		return;
	}
	http_header(req, "location:", "/staff");
	http_respond(req, 302, "text/plain", NULL, 0);
}

/*
 * The box page carries its first view: the ask form while the queue is
 * staffed, the away notice while it is not, so a patron on a slow line
 * sees it before any script has arrived (box.js then takes over, and
 * presence keeps it true).  The consent pop-up's page is consent.js's.
 */
#define BOX_FIRST_VIEW "data-view=\"loading\""

static void page_box(struct http_req *req, API_PARAMS)
{
	struct store_account a;
	struct store_queue q;
	struct queue_live *ql;
	char mode[16];

	if (!str_is_token(params[0], 32, "-") || store_queue_by_name(req->app->st, params[0], &q) < 0 ||
	    store_account_get(req->app->st, q.account_id, &a) < 0) {
		http_error_page(req, 404, AUDIENCE_PATRON, NULL);
		return;
	}
	snprintf(req->frame_origins, sizeof(req->frame_origins), "%s", a.origins);
	if (http_get_arg(req, "mode", mode, sizeof(mode)) == 0 && !strcmp(mode, "consent")) {
		http_static(req, "widget/box.html", POLICY_BOX);
		return;
	}
	ql = domain_queue(&req->app->dom, q.id);
	http_static_edited(req, "widget/box.html", POLICY_BOX, BOX_FIRST_VIEW,
			   ql && queue_is_online(ql) ? "data-view=\"start\" data-presence=\"online\""
						     : "data-view=\"offline\" data-presence=\"offline\"");
}

static void page_embed(struct http_req *req, API_PARAMS)
{
	(void)params;
	http_static(req, "widget/embed.js", POLICY_PAGE);
}

static void page_staff(struct http_req *req, API_PARAMS)
{
	(void)params;
	http_static(req, "operator/index.html", POLICY_PAGE);
}

static void page_signin(struct http_req *req, API_PARAMS)
{
	(void)params;
	http_static(req, "operator/signin.html", POLICY_PAGE);
}

static void page_admin(struct http_req *req, API_PARAMS)
{
	int64_t operator_id;
	struct store_operator o;

	(void)params;
	/*
	 * Signed out, the page itself sends the browser to sign-in; an operator
	 * without the admin flag is told here, with the status that says so.
	 */
	if (req->wsi &&
	    http_session_from_cookie(req->app, req->wsi, req->session_hash, &operator_id) == 0 &&
	    store_operator_get(req->app->st, operator_id, &o) == 0 && !o.disabled && !o.is_admin) {
		http_error_page(req, 403, AUDIENCE_STAFF, NULL);
		return;
	}
	http_static(req, "operator/admin.html", POLICY_PAGE);
}


static const struct route routes[] = {
	{ HTTP_GET, "/api/health", get_health },
	{ HTTP_POST, "/api/session", post_session },
	{ HTTP_GET, "/api/session", get_session },
	{ HTTP_POST, "/api/session/end", post_session_end },
	{ HTTP_GET, "/api/queues/*", get_queue },
	{ HTTP_GET, "/api/admin/account", get_account },
	{ HTTP_POST, "/api/admin/account", post_account },
	{ HTTP_GET, "/api/admin/operators", get_operators },
	{ HTTP_POST, "/api/admin/operators", post_operators },
	{ HTTP_POST, "/api/admin/operators/*", post_operator },
	{ HTTP_POST, "/api/admin/operators/*/password", post_operator_password },
	{ HTTP_GET, "/api/admin/queues", get_queues },
	{ HTTP_POST, "/api/admin/queues", post_queues },
	{ HTTP_POST, "/api/admin/queues/*", post_queue },
	{ HTTP_POST, "/api/admin/queues/*/members", post_queue_members },
	{ HTTP_POST, "/api/chats/*/uploads", post_upload },
	{ HTTP_GET, "/api/chats/*/blobs/*", get_blob },
	{ HTTP_GET, "/api/history", get_history },
	{ HTTP_GET, "/api/history/options", get_history_options }, /* before the chats: ids start c_ */
	{ HTTP_GET, "/api/history/*", get_history_chat },
	{ HTTP_GET, "/api/history/*/transcript.html", get_history_html },
	{ HTTP_GET, "/api/history/*/transcript.txt", get_history_text },
	{ HTTP_POST, "/api/history/*/delete", post_history_delete },
	{ HTTP_GET, "/", page_root },
	{ HTTP_GET, "/embed.js", page_embed },
	{ HTTP_GET, "/box/*", page_box },
	{ HTTP_GET, "/staff", page_staff },
	{ HTTP_GET, "/staff/signin", page_signin },
	{ HTTP_GET, "/staff/admin", page_admin },
	{ HTTP_GET, "/staff/share/*", page_share },
	{ HTTP_GET, "/staff/history", page_history },
	{ HTTP_GET, "/staff/chat/*/*", page_manage },
};

/* Match `path` against `pattern`, capturing '*' segments. */
static bool match(const char *pattern, const char *path, char params[API_MAX_PARAMS][80])
{
	int np = 0;

	while (*pattern && *path) {
		if (*pattern == '*') {
			size_t n = strcspn(path, "/");

			if (!n || n >= 80 || np >= API_MAX_PARAMS)
				return false;
			memcpy(params[np], path, n);
			params[np++][n] = '\0';
			path += n;
			pattern++;
		} else if (*pattern++ != *path++) {
			return false;
		}
	}
	return !*pattern && !*path;
}

void routes_print(FILE *out)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(routes); i++)
		fprintf(out, "%s %s\n", routes[i].method == HTTP_POST ? "POST" : "GET",
			routes[i].pattern);
}

void routes_dispatch(struct http_req *req)
{
	char params[API_MAX_PARAMS][80];
	bool path_known = false;
	size_t i;

	if (req->app->stopping) {
		http_error(req, 503, "busy", "The server is shutting down.");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(routes); i++) {
		if (!match(routes[i].pattern, req->path, params))
			continue;
		path_known = true;
		if (routes[i].method == req->method) {
			routes[i].fn(req, params);
			return;
		}
	}
	if (path_known || (req->method != HTTP_GET && !strncmp(req->path, "/api/", 5))) {
		http_error(req, path_known ? 405 : 404, path_known ? "method" : "not_found",
			   path_known ? "Not with this method." : "No such route.");
		return;
	}
	if (req->method != HTTP_GET || !strncmp(req->path, "/api/", 5)) {
		http_error(req, 404, "not_found", "No such route.");
		return;
	}
	http_static(req, req->path + 1, POLICY_PAGE);
}
