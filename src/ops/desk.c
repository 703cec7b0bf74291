/*
 * desk.c - see desk.h.
 *
 * The settings live in the store (desk.c there) and, for speed, on the live
 * state the sweep walks: each signed-in operator carries their account's
 * idle minutes and limit (read at sign-in, chat_ops.c), each live queue its
 * idle minutes (read the first time the sweep needs them).  A saved change
 * updates both at once, so the sweep never reads the store for a setting
 * it has seen.  The board is built from the live state on each request:
 * the page asks every two seconds, which keeps it live without a socket
 * that would count its reader as a signed-in operator.
 */
#include "ops/desk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "chat/tidiness.h"
#include "ops/api.h"
#include "ops/app.h"
#include "ops/bus_ops.h"
#include "ops/caller.h"
#include "ops/chat_ops.h"
#include "ops/client.h"
#include "ops/errors.h"
#include "ops/routes.h"
#include "store/store.h"

/* ---- the settings on the admin API -------------------------------------------- */

struct queue_list {
	struct store *st;
	json_t *list;
};

static json_t *queue_setting_json(const struct store_queue *q, int idle_end_mins)
{
	return json_pack("{s:s, s:s, s:i}", "queue", q->name, "title", q->title, "idle_end_mins",
			 idle_end_mins);
}

static int list_queue(void *arg, const struct store_queue *q)
{
	struct queue_list *l = arg;
	int mins;

	if (store_desk_queue_get(l->st, q->id, &mins) < 0)
		return -EIO;
	json_array_append_new(l->list, queue_setting_json(q, mins));
	return 0;
}

/* The account's settings and its queues', as GET /api/admin/desk answers. */
static json_t *settings_json(struct store *st, int64_t account_id)
{
	struct queue_list l = { st, json_array() };
	struct store_desk_account d;

	if (store_desk_account_get(st, account_id, &d) < 0 ||
	    store_queues_of_account(st, account_id, list_queue, &l) < 0) {
		json_decref(l.list);
		return NULL;
	}
	return json_pack("{s:i, s:i, s:i, s:i, s:o}", "away_idle_mins", d.away_idle_mins,
			 "max_chats", d.max_chats, "mins_max", TIDY_MINS_MAX, "chats_max",
			 TIDY_CHATS_MAX, "queues", l.list);
}

static void get_desk(struct http_req *req, HTTP_PARAMS)
{
	json_t *obj = settings_json(req_app(req)->st, caller_of(req)->op.account_id);

	(void)params;
	if (!obj) {
		api_storage_failed(req, -EIO);
		return;
	}
	http_json(req, 200, obj);
}

/* A whole number from 0 to `max` under `key`, or -EINVAL. */
static int whole_of(json_t *body, const char *key, int max, int *out)
{
	json_t *v = json_object_get(body, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		return -EINVAL;
	*out = (int)json_integer_value(v);
	return 0;
}

/* "never" / "no limit" for 0, else the number and its unit, for the audit log. */
static const char *setting_words(int v, const char *zero, const char *unit, char *buf, size_t n)
{
	if (!v)
		return zero;
	snprintf(buf, n, "%d %s", v, unit);
	return buf;
}

static int account_apply(struct store *st, struct api_write *w)
{
	int rc = store_desk_account_set(st, w->a.id, w->ctx);

	return rc ? rc : api_audit_write(st, w);
}

/* Saved: the account's signed-in operators follow the new settings at once. */
static void account_saved(struct api_write *w, int rc)
{
	struct store_desk_account *d = w->ctx;
	struct app *app = w->app;
	size_t i = 0;
	uint64_t key;
	void *v;
	json_t *obj;

	if (rc == 0) {
		while (map_next(&app->dom.operators, &i, &key, &v)) {
			struct operator_live *o = v;

			if (o->account_id != w->a.id)
				continue;
			o->away_idle_mins = d->away_idle_mins;
			o->max_chats = d->max_chats;
			/* A raised (or lifted) limit rings those who were full; a
			 * lowered one stops the ringing of those it makes full. */
			chat_ops_ring_again(app, o->id);
			chat_ops_limit_check(app, o->id);
		}
	}
	free(w->ctx);
	if (rc < 0 || !(obj = settings_json(app->st, w->a.id))) {
		api_storage_failed(w->req, rc < 0 ? rc : -EIO);
		return;
	}
	http_json(w->req, 200, obj);
}

static void post_desk(struct http_req *req, HTTP_PARAMS)
{
	struct store_desk_account d, old;
	char b1[32], b2[32], b3[32], b4[32];
	struct api_write *w;
	json_t *body;

	(void)params;
	if (!(body = api_body(req)))
		return;
	if (json_object_size(body) != 2 ||
	    whole_of(body, "away_idle_mins", TIDY_MINS_MAX, &d.away_idle_mins) < 0 ||
	    whole_of(body, "max_chats", TIDY_CHATS_MAX, &d.max_chats) < 0) {
		json_decref(body);
		api_bad_request(req, "Expected {\"away_idle_mins\": 0-1440, \"max_chats\": 0-50}.");
		return;
	}
	json_decref(body);
	if (store_desk_account_get(req_app(req)->st, caller_of(req)->op.account_id, &old) < 0) {
		api_storage_failed(req, -EIO);
		return;
	}
	w = api_write_new(req);
	w->a.id = caller_of(req)->op.account_id;
	w->ctx = xmalloc(sizeof(d));
	memcpy(w->ctx, &d, sizeof(d));
	api_audit_note(w, STORE_AUDIT_ACCOUNT_CHANGE, "desk",
		       "Away after idle: %s → %s; chats per operator: %s → %s",
		       setting_words(old.away_idle_mins, "never", "min", b1, sizeof(b1)),
		       setting_words(d.away_idle_mins, "never", "min", b2, sizeof(b2)),
		       setting_words(old.max_chats, "no limit", "chats", b3, sizeof(b3)),
		       setting_words(d.max_chats, "no limit", "chats", b4, sizeof(b4)));
	api_submit(w, account_apply, account_saved);
}

static int queue_apply(struct store *st, struct api_write *w)
{
	int rc = store_desk_queue_set(st, w->q.id, (int)w->id);

	return rc ? rc : api_audit_write(st, w);
}

static void queue_saved(struct api_write *w, int rc)
{
	struct queue_live *ql = domain_queue(&w->app->dom, w->q.id);

	if (rc < 0) {
		api_storage_failed(w->req, rc);
		return;
	}
	if (ql) {
		ql->idle_end_mins = (int)w->id;
		ql->idle_loaded = true;
	}
	http_json(w->req, 200, queue_setting_json(&w->q, (int)w->id));
}

static void post_queue_desk(struct http_req *req, HTTP_PARAMS)
{
	char b1[32], b2[32];
	struct store_queue q;
	struct api_write *w;
	int mins, old;
	json_t *body;

	if (store_queue_by_name(req_app(req)->st, params[0], &q) < 0 ||
	    q.account_id != caller_of(req)->op.account_id) {
		http_refuse(req, -ENOENT, "No such queue.");
		return;
	}
	if (!(body = api_body(req)))
		return;
	if (json_object_size(body) != 1 || whole_of(body, "idle_end_mins", TIDY_MINS_MAX, &mins) < 0) {
		json_decref(body);
		api_bad_request(req, "Expected {\"idle_end_mins\": 0-1440}.");
		return;
	}
	json_decref(body);
	if (store_desk_queue_get(req_app(req)->st, q.id, &old) < 0) {
		api_storage_failed(req, -EIO);
		return;
	}
	w = api_write_new(req);
	w->q = q;
	w->id = mins;
	api_audit_note(w, STORE_AUDIT_QUEUE_CHANGE, q.name, "end quiet chats after: %s → %s",
		       setting_words(old, "never", "min", b1, sizeof(b1)),
		       setting_words(mins, "never", "min", b2, sizeof(b2)));
	api_submit(w, queue_apply, queue_saved);
}

/* ---- the board ------------------------------------------------------------------ */

struct board_ctx {
	struct app *app;
	int64_t now;      /* wall clock, ms */
	json_t *list;
};

struct waiting_ctx {
	size_t n;
	int64_t oldest;
};

static int count_waiting(void *arg, const struct store_chat *c)
{
	struct waiting_ctx *w = arg;

	w->n++;
	if (!w->oldest || c->created_at < w->oldest)
		w->oldest = c->created_at;
	return 0;
}

static int board_queue(void *arg, const struct store_queue *q)
{
	struct board_ctx *b = arg;
	int64_t oldest = 0;
	size_t i = 0, waiting = 0;
	uint64_t key;
	void *v;

	if (b->app->bus) {
		/* Other nodes' waiting chats are not all live here: the store has them all. */
		struct waiting_ctx w = { 0, 0 };

		if (store_chats_of_queue(b->app->st, q->id, CHAT_WAITING, count_waiting, &w) < 0)
			return -EIO;
		waiting = w.n;
		oldest = w.oldest;
	}
	/* Every waiting chat is live (loaded at start, or made since). */
	while (!b->app->bus && map_next(&b->app->dom.chats, &i, &key, &v)) {
		const struct chat_live *c = v;

		if (c->status != CHAT_WAITING || c->queue_id != q->id)
			continue;
		waiting++;
		if (!oldest || c->created_at < oldest)
			oldest = c->created_at;
	}
	json_array_append_new(b->list, json_pack("{s:s, s:s, s:I, s:o}", "queue", q->name,
						 "title", q->title, "waiting", (json_int_t)waiting,
						 "longest_wait_secs", oldest ?
						 json_integer(b->now > oldest ? (b->now - oldest) / 1000 : 0) :
						 json_null()));
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

#define BOARD_QUEUES_ELSEWHERE 64

/* The names of the queues the operator is available on now, here or (`elsewhere`, n of them)
 * on other nodes, in name order. */
static json_t *board_queues_of(struct app *app, const struct operator_live *ol,
			       const int64_t *elsewhere, size_t nelsewhere)
{
	json_t *names = json_array();
	const char **names_v = NULL;
	size_t i = 0, j, n = 0, cap = 0;
	uint64_t key;
	void *v;

	while (map_next(&app->dom.queues, &i, &key, &v)) {
		struct queue_live *ql = v;
		bool here = ol && !ol->away && ql->account_id == ol->account_id &&
			    queue_has_available(ql, ol->id);

		for (j = 0; j < nelsewhere && !here; j++)
			here = elsewhere[j] == ql->id;
		if (!here)
			continue;
		if (n == cap) {
			cap = grow_cap(cap, n + 1);
			names_v = xrealloc(names_v, cap * sizeof(*names_v));
		}
		names_v[n++] = ql->name;
	}
	if (n)
		qsort(names_v, n, sizeof(*names_v), name_cmp);
	for (i = 0; i < n; i++)
		json_array_append_new(names, json_string(names_v[i]));
	free(names_v);
	return names;
}

static int count_active(void *arg, const struct store_chat *c)
{
	*(size_t *)arg += c->status == CHAT_ACTIVE;
	return 0;
}

static int board_operator(void *arg, const struct store_operator *o)
{
	struct board_ctx *b = arg;
	struct operator_live *ol = domain_operator(&b->app->dom, o->id);
	int64_t queues[BOARD_QUEUES_ELSEWHERE];
	size_t nqueues = 0, held = 0;
	/* With other nodes the operator may be connected there too (bus_ops.h). */
	int there = bus_ops_status_elsewhere(b->app, o->id, queues, BOARD_QUEUES_ELSEWHERE, &nqueues);
	const char *status = (ol && !ol->away) || there == 1 ? "available" :
			     ol || there == 2 ? "away" : "offline";

	if (o->disabled)
		return 0;
	if (!b->app->bus)
		held = tidy_chats_held(&b->app->dom, o->id);
	else if (store_chats_of_operator(b->app->st, o->id, count_active, &held) < 0)
		return -EIO;
	json_array_append_new(b->list, json_pack("{s:I, s:s, s:s, s:I, s:o}", "id", (json_int_t)o->id,
						 "name", o->name, "status", status,
						 "chats", (json_int_t)held,
						 "queues", board_queues_of(b->app, ol, queues, nqueues)));
	return 0;
}

static void get_board(struct http_req *req, HTTP_PARAMS)
{
	struct app *app = req_app(req);
	int64_t account_id = caller_of(req)->op.account_id;
	struct board_ctx q = { app, time_now_ms(), json_array() };
	struct board_ctx o = { app, q.now, json_array() };
	struct store_desk_account d;

	(void)params;
	if (store_queues_of_account(app->st, account_id, board_queue, &q) < 0 ||
	    store_operators_of_account(app->st, account_id, board_operator, &o) < 0 ||
	    store_desk_account_get(app->st, account_id, &d) < 0) {
		json_decref(q.list);
		json_decref(o.list);
		api_storage_failed(req, -EIO);
		return;
	}
	http_json(req, 200, json_pack("{s:I, s:i, s:o, s:o}", "at", (json_int_t)q.now,
				      "max_chats", d.max_chats, "queues", q.list,
				      "operators", o.list));
}

static void page_board(struct http_req *req, HTTP_PARAMS)
{
	(void)params;
	pages_staff_page(req, "board/index.html");
}

const struct http_route desk_routes[] = {
	{ HTTP_GET, "/api/admin/desk", ACCESS_ADMIN, NULL, get_desk },
	{ HTTP_POST, "/api/admin/desk", ACCESS_ADMIN, NULL, post_desk },
	{ HTTP_POST, "/api/admin/queues/*/desk", ACCESS_ADMIN, NULL, post_queue_desk },
	{ HTTP_GET, "/api/board", ACCESS_OPERATOR, NULL, get_board },
	{ HTTP_GET, "/staff/board", 0, NULL, page_board },
};
const size_t desk_nroutes = ARRAY_SIZE(desk_routes);

void desk_print_limits(FILE *out)
{
	limit_print(out, "tidy_mins_max", TIDY_MINS_MAX, "min",
		    "idle minutes before Away, or before a quiet chat ends");
	limit_print(out, "tidy_chats_max", TIDY_CHATS_MAX, "chats",
		    "the highest limit of chats at a time per operator");
}

/* ---- the sweep ------------------------------------------------------------------- */

/* The queue's idle minutes, read from the store the first time. */
static int queue_idle_mins(struct app *app, int64_t queue_id)
{
	struct queue_live *ql = domain_queue(&app->dom, queue_id);
	struct store_queue q;

	if (!ql) {
		if (store_queue_get(app->st, queue_id, &q) < 0)
			return 0;
		ql = domain_queue_add(&app->dom, q.id, q.account_id, q.name);
	}
	if (!ql->idle_loaded && store_desk_queue_get(app->st, queue_id, &ql->idle_end_mins) == 0)
		ql->idle_loaded = true;
	return ql->idle_end_mins;
}

/* Everyone following a quiet chat hears that it ends in `ms` unless someone writes. */
static void warn_quiet(struct chat_live *chat, int64_t ms)
{
	json_t *obj = json_pack("{s:s, s:s, s:I}", "type", "chat.idle", "chat", chat->public_id,
				"ends_in", (json_int_t)ms);
	char *text = json_dumps(obj, JSON_COMPACT);
	size_t i;

	json_decref(obj);
	for (i = 0; text && i < chat->nfollowers; i++)
		client_send_text(chat->followers[i].conn, text, strlen(text));
	free(text);
}

/* Does an idle operator go Away by the server's hand?  Not one connected
 * through XMPP too: their client's presence already says when they are away,
 * and the server could not hear them come back. */
static bool idles_here(const struct operator_live *o)
{
	size_t i;

	for (i = 0; i < o->nconns; i++)
		if (((const struct client *)o->conns[i])->presence_driven)
			return false;
	return true;
}

void desk_ops_sweep(struct app *app)
{
	int64_t now = time_mono_ms(), minute = (int64_t)app->cfg->tidy_minute_secs * 1000;
	size_t i = 0;
	uint64_t key;
	void *v;

	while (map_next(&app->dom.operators, &i, &key, &v))
		if (tidy_operator_idle(v, now, minute) && idles_here(v))
			chat_ops_set_status(app, v, true, "idle", NULL);
	for (i = 0; map_next(&app->dom.chats, &i, &key, &v);) {
		struct chat_live *chat = v;

		if (chat->status != CHAT_ACTIVE)
			continue;
		switch (tidy_chat_due(chat, queue_idle_mins(app, chat->queue_id), now, minute)) {
		case TIDY_WARN:
			warn_quiet(chat, TIDY_GRACE_MINS * minute);
			break;
		case TIDY_END:
			/* With other nodes, one of them ends it (bus_ops_ends_here()). */
			if (!bus_ops_ends_here(app, chat->operator_id))
				break;
			chat_ops_end_quiet(app, chat); /* out of memory: the next sweep tries again */
			break;
		case TIDY_NONE:
			break;
		}
	}
}
