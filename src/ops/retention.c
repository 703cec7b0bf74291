/*
 * retention.c - see retention.h.
 *
 * A purge run is one heap struct that walks the queues known when it
 * started: for each, ops of at most RETENTION_PURGE_BATCH chats until a
 * batch comes back less than full.  Each op goes through the writer like
 * any other write and chains the next from its done(), after submitting a
 * writer op for the files its batch orphaned (uploads_remove_unused(): the
 * writer keeps any an upload has taken again), so the purge never holds the
 * writer for long and never runs twice at once.  A failed batch ends that
 * queue's turn in the run; the next run tries again (what is due stays due).
 *
 * A chat moved between queues would keep the stricter rule of the queues it
 * was in; chats record only their current queue today, so that queue's rule
 * applies.
 */
#include "ops/retention.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "chat/retention.h"
#include "media/blobs.h"
#include "net/server.h"
#include "ops/api.h"
#include "ops/app.h"
#include "ops/caller.h"
#include "ops/errors.h"
#include "ops/staff_ops.h"
#include "ops/uploads.h"

/* ---- the rules on the admin API ----------------------------------------------- */

/* The queue's rule: its own, or the defaults (*updated_at 0). */
static int rule_of(struct store *st, int64_t queue_id, struct retention_rule *r,
		   int64_t *updated_at)
{
	struct store_retention sr;
	int rc = store_retention_get(st, queue_id, &sr);

	*r = retention_rule_default();
	*updated_at = 0;
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	r->text_days = sr.text_days;
	r->files_days = sr.files_days;
	r->keep_names = sr.keep_names;
	*updated_at = sr.updated_at;
	return 0;
}

static json_t *rule_json(const struct retention_rule *r)
{
	return json_pack("{s:i, s:i, s:b}", "text_days", r->text_days, "files_days", r->files_days,
			 "keep_names", r->keep_names);
}

static json_t *queue_rule_json(struct store *st, const struct store_queue *q)
{
	struct retention_rule r;
	int64_t updated_at;
	json_t *obj;

	if (rule_of(st, q->id, &r, &updated_at) < 0)
		return NULL;
	obj = rule_json(&r);
	json_object_set_new(obj, "queue", json_string(q->name));
	json_object_set_new(obj, "title", json_string(q->title));
	json_object_set_new(obj, "updated_at", updated_at ? json_integer(updated_at) : json_null());
	return obj;
}

struct list_ctx {
	struct store *st;
	json_t *list;
};

static int list_rule(void *arg, const struct store_queue *q)
{
	struct list_ctx *l = arg;
	json_t *obj = queue_rule_json(l->st, q);

	if (!obj)
		return -EIO;
	json_array_append_new(l->list, obj);
	return 0;
}

static void get_retention(struct http_req *req, HTTP_PARAMS)
{
	struct retention_rule d = retention_rule_default();
	struct list_ctx l = {req_app(req)->st, json_array()};

	(void)params;
	if (store_queues_of_account(l.st, caller_of(req)->op.account_id, list_rule, &l) < 0) {
		json_decref(l.list);
		api_storage_failed(req, -EIO);
		return;
	}
	http_json(req, 200,
		  json_pack("{s:o, s:i, s:o}", "defaults", rule_json(&d), "max_days",
			    RETENTION_DAYS_MAX, "queues", l.list));
}

/* Writer thread: the new rule (in w->ctx) and its audit entry, in the op's savepoint. */
static int rule_apply(struct store *st, struct api_write *w)
{
	const struct retention_rule *r = w->ctx;
	struct store_retention sr = {w->q.id, r->text_days, r->files_days, r->keep_names,
				     time_now_ms()};
	int rc = store_retention_set(st, &sr);

	return rc ? rc : api_audit_write(st, w);
}

static void rule_saved(struct api_write *w, int rc)
{
	json_t *obj;

	free(w->ctx);
	if (rc < 0) {
		api_storage_failed(w->req, rc);
		return;
	}
	obj = queue_rule_json(w->app->st, &w->q);
	if (!obj) {
		api_storage_failed(w->req, -EIO);
		return;
	}
	http_json(w->req, 200, obj);
}

/* A whole number of days in the body, or -EINVAL. */
static int days_of(json_t *body, const char *key, int *out)
{
	json_t *v = json_object_get(body, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > RETENTION_DAYS_MAX)
		return -EINVAL;
	*out = (int)json_integer_value(v);
	return 0;
}

static void post_queue_retention(struct http_req *req, HTTP_PARAMS)
{
	struct retention_rule r, old;
	char was[RETENTION_DETAIL_BYTES], now[RETENTION_DETAIL_BYTES];
	struct store_queue q;
	struct api_write *w;
	int64_t updated_at;
	json_t *body;

	if (store_queue_by_name(req_app(req)->st, params[0], &q) < 0 ||
	    q.account_id != caller_of(req)->op.account_id) {
		http_refuse(req, -ENOENT, "No such queue.");
		return;
	}
	if (!(body = api_body(req)))
		return;
	if (json_object_size(body) != 3 || days_of(body, "text_days", &r.text_days) < 0 ||
	    days_of(body, "files_days", &r.files_days) < 0 ||
	    !json_is_boolean(json_object_get(body, "keep_names"))) {
		json_decref(body);
		api_bad_request(req, "Expected {\"text_days\": 0-3650, \"files_days\": 0-3650, "
				     "\"keep_names\": true|false}.");
		return;
	}
	r.keep_names = json_is_true(json_object_get(body, "keep_names"));
	json_decref(body);
	if (rule_of(req_app(req)->st, q.id, &old, &updated_at) < 0) {
		api_storage_failed(req, -EIO);
		return;
	}
	retention_rule_describe(&old, was, sizeof(was));
	retention_rule_describe(&r, now, sizeof(now));
	w = api_write_new(req);
	w->q = q;
	w->ctx = xmalloc(sizeof(r));
	memcpy(w->ctx, &r, sizeof(r));
	api_audit_note(w, STORE_AUDIT_RETENTION_CHANGE, q.name, "%s → %s", was, now);
	api_submit(w, rule_apply, rule_saved);
}

const struct http_route retention_routes[] = {
    {HTTP_GET, "/api/admin/retention", ACCESS_ADMIN, NULL, get_retention},
    {HTTP_POST, "/api/admin/queues/*/retention", ACCESS_ADMIN, NULL, post_queue_retention},
};
const size_t retention_nroutes = ARRAY_SIZE(retention_routes);

/* ---- the background purge ------------------------------------------------------- */

struct purge_queue {
	int64_t id, account_id;
	char name[40];
	struct retention_rule rule;
};

struct purge_run {
	struct store_op op;
	struct app *app;
	struct purge_queue *queues;
	size_t n, i;
	int64_t now; /* the run's clock: every batch of it uses the same cut-offs */
	struct store_purge p;
	char (*orphans)[BLOB_HASH_HEX];
	size_t norphans;
	int64_t done_text, done_files, done_names, done_blobs;
};

struct purge {
	struct server_timer *timer;
	struct purge_run *run; /* the run in progress, or NULL */
	bool stopping;
	struct retention_stats stats;
};

static void batch_next(struct purge_run *run);

static int keep_orphan(void *arg, const char *hash)
{
	struct purge_run *run = arg;

	run->orphans = xrealloc(run->orphans, (run->norphans + 1) * sizeof(*run->orphans));
	str_copy(run->orphans[run->norphans++], sizeof(run->orphans[0]), hash);
	return 0;
}

/* Writer thread: one batch of the current queue, and its audit entry if it did anything. */
static int batch_apply(struct store *st, struct store_op *op)
{
	struct purge_run *run = container_of(op, struct purge_run, op);
	struct purge_queue *q = &run->queues[run->i];
	struct store_audit e;
	int rc;

	run->norphans = 0;
	rc = store_purge_queue(st, &run->p, keep_orphan, run);
	if (rc < 0 || !(run->p.n_text || run->p.n_files || run->p.n_names || run->p.n_followups))
		return rc;
	memset(&e, 0, sizeof(e));
	e.account_id = q->account_id;
	e.at = time_now_ms();
	str_copy(e.actor, sizeof(e.actor), STORE_AUDIT_ACTOR_RULE);
	str_copy(e.action, sizeof(e.action), STORE_AUDIT_RETENTION_PURGE);
	str_copy(e.target, sizeof(e.target), q->name);
	retention_purge_describe(&q->rule, run->p.n_text, run->p.n_files, run->p.n_blobs,
				 run->p.n_names, run->p.n_followups, e.detail, sizeof(e.detail));
	return store_audit_add(st, &e);
}

/* Once per purge run that deleted text: the words leave the search index's file too. */
static int optimize_apply(struct store *st, struct store_op *op)
{
	(void)op;
	return store_search_optimize(st);
}

static void optimize_done(struct store_op *op, int rc)
{
	if (rc < 0)
		log_warn("retention: could not compact the search index; deleted words stay in the file until a later purge deletes text");
	free(op);
}

static void run_free(struct purge_run *run)
{
	struct purge *pg = run->app->purge;
	struct store_op *op;

	if (run->done_text && pg && !pg->stopping) {
		op = xcalloc(1, sizeof(*op));
		op->apply = optimize_apply;
		op->done = optimize_done;
		app_submit(run->app, op);
	}

	if (run->done_text || run->done_files || run->done_names)
		log_info(
		    "retention: purged %lld transcripts, files of %lld chats, %lld guest names "
		    "(%lld files)",
		    (long long)run->done_text, (long long)run->done_files,
		    (long long)run->done_names, (long long)run->done_blobs);
	if (pg && pg->run == run) {
		pg->run = NULL;
		pg->stats.last_end_ms = time_now_ms();
	}
	free(run->orphans);
	free(run->queues);
	free(run);
}

/* Loop thread: the batch is committed (or failed). */
static void batch_done(struct store_op *op, int rc)
{
	struct purge_run *run = container_of(op, struct purge_run, op);
	struct purge *pg = run->app->purge;

	if (rc < 0) {
		/* The next queues still get their turn; this one's is retried at the next run. */
		log_warn(
		    "retention: the purge of queue %s failed; it runs again at the next interval",
		    run->queues[run->i].name);
		pg->stats.failed++;
		run->p.more = false;
		batch_next(run);
		return;
	}
	run->done_text += run->p.n_text;
	run->done_files += run->p.n_files;
	run->done_names += run->p.n_names;
	run->done_blobs += run->p.n_blobs;
	pg->stats.transcripts += (uint64_t)run->p.n_text;
	pg->stats.file_chats += (uint64_t)run->p.n_files;
	pg->stats.names += (uint64_t)run->p.n_names;
	pg->stats.files += (uint64_t)run->p.n_blobs;
	/* The files go in a writer op, which keeps any that an upload has taken again since. */
	uploads_remove_unused(run->app, run->orphans, run->norphans);
	run->orphans = NULL;
	run->norphans = 0;
	batch_next(run);
}

/* Loop thread: submit the next batch of the run, or end it. */
static void batch_next(struct purge_run *run)
{
	struct purge_queue *q;
	struct retention_cutoffs c;

	if (run->p.max_chats && !run->p.more)
		run->i++;
	if (run->app->purge->stopping || run->i >= run->n) {
		run_free(run);
		return;
	}
	q = &run->queues[run->i];
	retention_cutoffs(&q->rule, run->now, &c);
	memset(&run->p, 0, sizeof(run->p));
	run->p.queue_id = q->id;
	run->p.text_before = c.text_before;
	run->p.files_before = c.files_before;
	run->p.names_before = c.names_before;
	run->p.at = run->now;
	run->p.max_chats = RETENTION_PURGE_BATCH;
	run->op.apply = batch_apply;
	run->op.done = batch_done;
	app_submit(run->app, &run->op);
}

static int add_queue(void *arg, const struct store_queue *q)
{
	struct purge_run *run = arg;
	struct purge_queue *pq;
	int64_t updated_at;

	run->queues = xrealloc(run->queues, (run->n + 1) * sizeof(*run->queues));
	pq = &run->queues[run->n];
	pq->id = q->id;
	pq->account_id = q->account_id;
	str_copy(pq->name, sizeof(pq->name), q->name);
	if (rule_of(run->app->st, q->id, &pq->rule, &updated_at) < 0)
		return -EIO;
	run->n++;
	return 0;
}

static int add_account(void *arg, const struct store_account *a)
{
	struct purge_run *run = arg;

	return store_queues_of_account(run->app->st, a->id, add_queue, run);
}

/* Loop thread, each interval: start a run unless one is still going. */
static void purge_tick(void *arg)
{
	struct app *app = arg;
	struct purge *pg = app->purge;
	struct purge_run *run;

	server_timer_set(pg->timer, (int64_t)app->cfg->purge_interval_secs * 1000000);
	/* With several processes on one database, one purges (app_runs_duties()). */
	if (pg->stopping || !app_runs_duties(app))
		return;
	staff_ops_purge(app); /* the staff room's old messages, in a write of their own */
	if (pg->run)
		return;
	run = xcalloc(1, sizeof(*run));
	run->app = app;
	run->now = time_now_ms();
	if (store_accounts_each(app->st, add_account, run) < 0) {
		log_warn("retention: could not read the queues' rules; the purge waits for the "
			 "next interval");
		run_free(run);
		return;
	}
	pg->run = run;
	pg->stats.runs++;
	batch_next(run);
}

int retention_start(struct app *app)
{
	struct purge *pg = xcalloc(1, sizeof(*pg));

	pg->timer = server_timer_new(app->srv, purge_tick, app);
	if (!pg->timer) {
		free(pg);
		return -ENOMEM;
	}
	app->purge = pg;
	server_timer_set(pg->timer, (int64_t)app->cfg->purge_interval_secs * 1000000);
	return 0;
}

void retention_stop(struct app *app)
{
	struct purge *pg = app->purge;

	if (!pg)
		return;
	pg->stopping = true;
	server_timer_free(pg->timer);
	pg->timer = NULL;
	/* A run in flight ends from its op's done(), which the writer still calls. */
}

void retention_free(struct app *app)
{
	free(app->purge);
	app->purge = NULL;
}

void retention_get_stats(const struct app *app, struct retention_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!app->purge)
		return;
	*out = app->purge->stats;
	out->running = app->purge->run != NULL;
}

void retention_print_limits(FILE *out, int interval_secs)
{
	limit_print(out, "purge_interval_secs", interval_secs, "s",
		    "between two runs of the retention purge (--purge-interval-secs)");
	limit_print(out, "purge_batch_chats", RETENTION_PURGE_BATCH, "chats",
		    "one writer op of the purge changes at most");
	limit_print(out, "retention_days_max", RETENTION_DAYS_MAX, "days",
		    "the longest a queue's retention rule keeps text or files");
}
