/*
 * routes_history.c - see history.h.  Chat History's API and pages, the
 * chat management page and the sharing tool's page.
 *
 * Reads run on the loop thread's store connection and answer from indexes
 * (store/history.c); deleting a transcript goes through the writer, and the
 * blob files no other chat reads are removed once that commit is on disk.
 * The management page's link carries the chat's own random token; the page
 * still needs a session of the chat's account, and stops working
 * --manage-grace-hours after the chat ended.  Pages that cannot be shown
 * answer with the staff error page (error_page.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "base/log.h"
#include "base/util.h"
#include "chat/access.h"
#include "chat/domain.h"
#include "chat/guest_label.h"
#include "media/blobs.h"
#include "ops/app.h"
#include "ops/errors.h"
#include "ops/chat_ops.h"
#include "ops/history.h"
#include "ops/caller.h"
#include "ops/routes.h"
#include "ops/survey.h"
#include "ops/staff_ops.h"
#include "ops/uploads.h"
#include "net/http.h"

#define HISTORY_PAGE_MAX 100
#define HISTORY_EVENTS_MAX 20000 /* events of one transcript we answer with */

/* ---- finding things ------------------------------------------------------------ */

/*
 * The stored chat `public_id` as the signed-in caller may see it — as an
 * operator of its account, or (`manage_token` not NULL) through its
 * management link: 0 with its row, or -ENOENT, the same for another
 * account's chat as for a missing one.
 */
static int visible_chat(struct http_req *req, const char *public_id, const char *manage_token,
			struct store_chat *row)
{
	struct chat_viewer v = { manage_token ? VIEWER_MANAGER : VIEWER_OPERATOR,
				 caller_of(req)->op.account_id, manage_token };
	struct chat_seal seal;

	if (!str_is_token(public_id, sizeof(row->public_id) - 1, "_-") ||
	    (manage_token && !str_is_token(manage_token, STORE_MANAGE_TOKEN - 1, "_-")) ||
	    store_chat_by_public(req_app(req)->st, public_id, row) < 0)
		return -ENOENT;
	chat_ops_seal(row, &seal);
	return chat_may_see(&seal, &v);
}

/* The caller's chat named `public_id`, or 404 (also for another account's). */
static int own_chat(struct http_req *req, const char *public_id, struct store_chat *row)
{
	if (visible_chat(req, public_id, NULL, row) < 0) {
		http_refuse(req, -ENOENT, "No such chat.");
		return -ENOENT;
	}
	return 0;
}

/* The chat as Chat History shows it (PROTOCOL.md §2.7, CHAT_RECORD). */
static json_t *chat_json(struct app *app, const struct store_chat *c)
{
	struct store_operator o;
	struct store_queue q;
	char url[128], label[GUEST_LABEL_MAX];
	int64_t end = c->status == CHAT_ENDED ? c->ended_at : time_now_ms();
	bool has_op = c->operator_id && store_operator_get(app->st, c->operator_id, &o) == 0;

	if (store_queue_get(app->st, c->queue_id, &q) < 0)
		q.name[0] = q.title[0] = '\0';
	snprintf(url, sizeof(url), "/staff/chat/%s/%s", c->public_id, c->manage_token);
	guest_label(c->public_id, label, sizeof(label));
	return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:o, s:I, s:o, s:o, s:I, s:I, s:I, s:o, s:s}",
			 "chat", c->public_id, "queue", q.name, "queue_title", q.title,
			 "status", chat_status_name(c->status),
			 "name", c->guest_name[0] ? c->guest_name : NULL,
			 "label", label,
			 "operator", has_op ? json_pack("{s:I, s:s}", "id", (json_int_t)o.id,
							"name", o.name) : json_null(),
			 "started_at", (json_int_t)c->created_at,
			 "accepted_at", c->accepted_at ? json_integer(c->accepted_at) : json_null(),
			 "ended_at", c->ended_at ? json_integer(c->ended_at) : json_null(),
			 "duration_ms", (json_int_t)(end > c->created_at ? end - c->created_at : 0),
			 "messages", (json_int_t)c->n_messages,
			 "snapshots", (json_int_t)c->n_snapshots,
			 "deleted_at", c->deleted_at ? json_integer(c->deleted_at) : json_null(),
			 "manage_url", url);
}

/* ---- the list -------------------------------------------------------------------- */

/* A whole number argument in [min, max]; absent leaves *out. */
static int int_arg(struct http_req *req, const char *name, int64_t min, int64_t max, int64_t *out)
{
	char buf[32], *end;
	long long v;
	int rc = http_get_arg(req, name, buf, sizeof(buf));

	if (rc == -ENOENT || (!rc && !buf[0]))
		return 0;
	errno = 0;
	v = rc ? 0 : strtoll(buf, &end, 10);
	if (rc || errno || *end || end == buf || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int status_arg(struct http_req *req, int *out)
{
	char buf[16];
	enum chat_status s;

	*out = -1;
	if (http_get_arg(req, "status", buf, sizeof(buf)) == -E2BIG)
		return -EINVAL;
	if (!buf[0])
		return 0;
	if (chat_status_parse(buf, &s) < 0)
		return -EINVAL;
	*out = (int)s;
	return 0;
}

/* "AT.ID" of the last row of the previous page. */
static int cursor_arg(struct http_req *req, struct store_history_filter *f)
{
	char buf[48];
	long long at, id;
	int n;

	if (http_get_arg(req, "before", buf, sizeof(buf)) == -E2BIG)
		return -EINVAL;
	if (!buf[0])
		return 0;
	if (sscanf(buf, "%lld.%lld%n", &at, &id, &n) != 2 || buf[n] || at <= 0 || id <= 0)
		return -EINVAL;
	f->before_at = at;
	f->before_id = id;
	return 0;
}

/* Fill the filter from the query; a bad value answers 400, a foreign queue or operator 404. */
static int parse_filter(struct http_req *req, struct store_history_filter *f, char *words,
			size_t size)
{
	struct store_operator o;
	struct store_queue q;
	char name[40];
	int64_t limit = 25;
	int rc;

	memset(f, 0, sizeof(*f));
	f->account_id = caller_of(req)->op.account_id;
	if (int_arg(req, "operator", 1, INT64_MAX, &f->operator_id) ||
	    int_arg(req, "from", 1, INT64_MAX, &f->from) || int_arg(req, "to", 1, INT64_MAX, &f->to) ||
	    int_arg(req, "limit", 1, HISTORY_PAGE_MAX, &limit) || status_arg(req, &f->status) ||
	    cursor_arg(req, f)) {
		api_bad_request(req, "Bad filter: operator, from, to and limit are whole numbers, "
				     "status is waiting, active or ended, before is AT.ID.");
		return -EINVAL;
	}
	f->limit = (int)limit;
	rc = http_get_arg(req, "q", words, size);
	if (rc == -E2BIG) {
		api_bad_request(req, "The search is too long (200 bytes at most).");
		return -EINVAL;
	}
	f->words = words[0] ? words : NULL;
	if (http_get_arg(req, "queue", name, sizeof(name)) == -E2BIG ||
	    (name[0] && (!str_is_token(name, STORE_QUEUE_NAME_MAX, "-") || store_queue_by_name(req_app(req)->st, name, &q) < 0 ||
			 q.account_id != f->account_id))) {
		http_refuse(req, -ENOENT, "No such queue.");
		return -ENOENT;
	}
	f->queue_id = name[0] ? q.id : 0;
	if (f->operator_id && (store_operator_get(req_app(req)->st, f->operator_id, &o) < 0 ||
			       o.account_id != f->account_id)) {
		http_refuse(req, -ENOENT, "No such operator.");
		return -ENOENT;
	}
	return 0;
}

/* The snippet's marked text as [{"text", "hit"}] parts (never markup). */
static json_t *snippet_json(const char *s)
{
	json_t *parts = json_array();
	bool hit = false;

	while (*s) {
		size_t n = strcspn(s, STORE_MARK_ON STORE_MARK_OFF);

		if (n)
			json_array_append_new(parts, json_pack("{s:s%, s:b}", "text", s, n, "hit", hit));
		s += n;
		if (*s)
			hit = *s++ == STORE_MARK_ON[0];
	}
	return parts;
}

struct list_ctx {
	struct app *app;
	json_t *chats;
	int want;
	int n;
	struct store_chat last;
	bool more;
};

static int list_row(void *arg, const struct store_chat *c, const char *snippet)
{
	struct list_ctx *l = arg;
	json_t *obj;

	if (l->n == l->want) {
		l->more = true;
		return 1;
	}
	obj = chat_json(l->app, c);
	if (snippet[0])
		json_object_set_new(obj, "snippet", snippet_json(snippet));
	json_array_append_new(l->chats, obj);
	l->last = *c;
	l->n++;
	return 0;
}

static void list_chats(struct http_req *req)
{
	struct store_history_filter f;
	char words[STORE_SEARCH_MAX + 1], next[48];
	struct list_ctx l = { .app = req->app };
	int rc;

	if (parse_filter(req, &f, words, sizeof(words)) < 0)
		return;
	/* One row more than asked tells whether an older page exists. */
	l.want = f.limit;
	f.limit++;
	l.chats = json_array();
	rc = store_history_list(req_app(req)->st, &f, list_row, &l);
	if (rc < 0) {
		json_decref(l.chats);
		api_storage_failed(req, rc);
		return;
	}
	snprintf(next, sizeof(next), "%lld.%lld", (long long)l.last.created_at, (long long)l.last.id);
	http_json(req, 200, json_pack("{s:o, s:s?}", "chats", l.chats, "next", l.more ? next : NULL));
}

static int index_apply(struct store *st, struct api_write *w)
{
	(void)w;
	return store_index_now(st);
}

static void indexed(struct api_write *w, int rc)
{
	if (rc < 0)
		api_storage_failed(w->req, rc);
	else
		list_chats(w->req);
}

static void get_history(struct http_req *req, HTTP_PARAMS)
{
	struct store_history_filter f;
	char words[STORE_SEARCH_MAX + 1];

	(void)params;
	if (parse_filter(req, &f, words, sizeof(words)) < 0)
		return;
	/*
	 * Messages reach the search index a moment after their commit; a
	 * search first has everything committed indexed, so it finds every
	 * message sent before it was asked.
	 */
	if (f.words) {
		struct api_write *w = api_write_new(req);

		w->op.index = true; /* where the index has a thread of its own, there */
		api_submit(w, index_apply, indexed);
	} else {
		list_chats(req);
	}
}

static int add_queue(void *arg, const struct store_queue *q)
{
	json_array_append_new(arg, json_pack("{s:s, s:s}", "name", q->name, "title", q->title));
	return 0;
}

static int add_operator(void *arg, const struct store_operator *o)
{
	json_array_append_new(arg, json_pack("{s:I, s:s}", "id", (json_int_t)o->id, "name", o->name));
	return 0;
}

static void get_history_options(struct http_req *req, HTTP_PARAMS)
{
	json_t *queues = json_array(), *ops = json_array();

	(void)params;
	if (store_queues_of_account(req_app(req)->st, caller_of(req)->op.account_id, add_queue, queues) < 0 ||
	    store_operators_of_account(req_app(req)->st, caller_of(req)->op.account_id, add_operator, ops) < 0) {
		api_storage_failed(req, -EIO);
		json_decref(queues);
		json_decref(ops);
		return;
	}
	http_json(req, 200, json_pack("{s:o, s:o, s:b}", "queues", queues, "operators", ops,
				      "admin", caller_of(req)->op.is_admin));
}

/* ---- one chat ---------------------------------------------------------------------- */

struct events_ctx {
	const char *public_id;
	json_t *events;
};

static int add_event(void *arg, const struct store_event *ev)
{
	struct events_ctx *e = arg;

	json_array_append_new(e->events, chat_ops_event_json(e->public_id, ev, true));
	return 0;
}

/* The chat's events, or NULL after answering 503. */
static json_t *chat_events(struct http_req *req, const struct store_chat *row)
{
	struct events_ctx e = { row->public_id, json_array() };
	int rc = store_events_since(req_app(req)->st, row->id, 0, HISTORY_EVENTS_MAX, add_event, &e);

	if (rc < 0) {
		json_decref(e.events);
		api_storage_failed(req, rc);
		return NULL;
	}
	return e.events;
}

/* Session and chat for a GET of one chat; 0 or answered. */
static int one_chat(struct http_req *req, const char *public_id, struct store_chat *row)
{
	if (own_chat(req, public_id, row) < 0)
		return -ENOENT;
	return 0;
}

static void get_history_chat(struct http_req *req, HTTP_PARAMS)
{
	struct store_chat row;
	json_t *events, *survey, *notes;
	char want[4];

	if (one_chat(req, params[0], &row) < 0)
		return;
	/* ?events=0: the record alone (the webclient's link to the management page). */
	http_get_arg(req, "events", want, sizeof(want));
	if (!strcmp(want, "0"))
		events = json_array();
	else if (!(events = chat_events(req, &row)))
		return;
	/* Staff notes: this route is for the account's operators only (one_chat()). */
	notes = strcmp(want, "0") ? staff_ops_notes_json(req->app, row.id) : json_array();
	if (!notes || !(survey = survey_answers_json(req_app(req), row.id))) {
		json_decref(notes);
		json_decref(events);
		api_storage_failed(req, -EIO);
		return;
	}
	http_json(req, 200, json_pack("{s:o, s:o, s:o, s:o}", "chat", chat_json(req->app, &row),
				      "events", events, "survey", survey, "notes", notes));
}

char *history_chat_text(struct app *app, const struct store_chat *row, size_t *len)
{
	struct events_ctx e = { row->public_id, json_array() };
	json_t *chat;
	char *text;

	if (store_events_since(app->st, row->id, 0, HISTORY_EVENTS_MAX, add_event, &e) < 0) {
		json_decref(e.events);
		return NULL;
	}
	chat = chat_json(app, row);
	text = transcript_text(chat, e.events, len);
	json_decref(chat);
	json_decref(e.events);
	return text;
}

static void download(struct http_req *req, const char *public_id, bool html)
{
	struct store_chat row;
	char disp[128];
	json_t *events, *chat;
	size_t len;
	char *body;

	if (one_chat(req, public_id, &row) < 0 || !(events = chat_events(req, &row)))
		return;
	chat = chat_json(req->app, &row);
	body = html ? transcript_html(req_app(req)->cfg->data_dir, chat, events, &len)
		    : transcript_text(chat, events, &len);
	json_decref(chat);
	json_decref(events);
	snprintf(disp, sizeof(disp), "attachment; filename=\"transcript-%s.%s\"", row.public_id,
		 html ? "html" : "txt");
	http_header(req, "content-disposition:", disp);
	http_header(req, "cache-control:", "no-store");
	req->policy = POLICY_TRANSCRIPT;
	http_respond(req, 200, html ? "text/html; charset=utf-8" : "text/plain; charset=utf-8",
		     body, len);
}

static void get_history_html(struct http_req *req, HTTP_PARAMS)
{
	download(req, params[0], true);
}

static void get_history_text(struct http_req *req, HTTP_PARAMS)
{
	download(req, params[0], false);
}

/* ---- deleting a transcript ----------------------------------------------------------- */

struct orphans {
	char (*hash)[65];
	size_t n;
};

static int keep_orphan(void *arg, const char *hash)
{
	struct orphans *o = arg;

	o->hash = xrealloc(o->hash, (o->n + 1) * sizeof(*o->hash));
	str_copy(o->hash[o->n++], sizeof(o->hash[0]), hash);
	return 0;
}

static int delete_apply(struct store *st, struct api_write *w)
{
	int rc = store_chat_delete_transcript(st, w->id, w->expires, keep_orphan, w->ctx);

	if (!rc)
		rc = api_audit_write(st, w);
	/* The deleted words leave the search index's segments too (store_search_optimize()). */
	return rc ? rc : store_search_optimize(st);
}

/* After the commit: remove the files no chat reads now, then answer. */
static void deleted(struct api_write *w, int rc)
{
	struct orphans *o = w->ctx;
	struct store_chat row;

	/* The files go in a writer op, which keeps any that an upload has taken again since. */
	if (rc >= 0)
		uploads_remove_unused(w->app, o->hash, o->n);
	else
		free(o->hash);
	free(o);
	if (rc < 0) {
		api_storage_failed(w->req, rc);
		return;
	}
	if (store_chat_get(w->app->st, w->id, &row) < 0) {
		http_refuse(w->req, -ENOENT, "No such chat.");
		return;
	}
	log_info("history: transcript of %s deleted by operator %lld", row.public_id,
		 (long long)w->o.id);
	http_json(w->req, 200, json_pack("{s:o}", "chat", chat_json(w->app, &row)));
}

static void post_history_delete(struct http_req *req, HTTP_PARAMS)
{
	struct store_queue q;
	struct store_chat row;
	struct api_write *w;

	if (own_chat(req, params[0], &row) < 0)
		return;
	if (!caller_of(req)->op.is_admin) {
		http_error(req, 403, "forbidden", "Only account admins may delete transcripts.");
		return;
	}
	if (row.status != CHAT_ENDED) {
		http_error(req, 409, "chat_active", "End the chat before deleting its transcript.");
		return;
	}
	w = api_write_new(req);
	w->id = row.id;
	w->o = caller_of(req)->op;
	w->expires = time_now_ms();
	w->ctx = xcalloc(1, sizeof(struct orphans));
	/* Neither the guest's name nor a word of the chat goes into the log. */
	if (store_queue_get(req_app(req)->st, row.queue_id, &q) < 0)
		q.name[0] = '\0';
	api_audit_note(w, STORE_AUDIT_TRANSCRIPT_DELETE, row.public_id,
		       "messages, files and guest name deleted%s%s", q.name[0] ? "; queue " : "",
		       q.name);
	api_submit(w, delete_apply, deleted);
}

/* ---- pages ---------------------------------------------------------------------------- */

static void page_history(struct http_req *req, HTTP_PARAMS)
{
	(void)params;
	pages_staff_page(req, "history/index.html");
}

/* Is the management link of `row` still good at `now`? */
static bool link_alive(const struct app *app, const struct store_chat *row, int64_t now)
{
	int64_t grace = (int64_t)(app->cfg->manage_grace_hours * 3600.0 * 1000.0);

	return row->status != CHAT_ENDED || now <= row->ended_at + grace;
}

static void page_manage(struct http_req *req, HTTP_PARAMS)
{
	struct store_chat row;

	if (visible_chat(req, params[0], params[1], &row) < 0) {
		http_error_page(req, 404, AUDIENCE_STAFF, NULL);
		return;
	}
	if (!link_alive(req->app, &row, time_now_ms())) {
		http_error_page(req, 410, AUDIENCE_STAFF, row.public_id);
		return;
	}
	pages_staff_page(req, "history/manage.html");
}

/* The sharing tool needs a session, and a chat of the operator's account. */
static void page_share(struct http_req *req, HTTP_PARAMS)
{
	struct store_chat row;

	if (visible_chat(req, params[0], NULL, &row) < 0) {
		http_error_page(req, 404, AUDIENCE_STAFF, NULL);
		return;
	}
	pages_staff_page(req, "share/index.html");
}

const struct http_route history_routes[] = {
	{ HTTP_GET, "/api/history", ACCESS_OPERATOR, NULL, get_history },
	/* before the chats: chat ids start c_, but a table is matched in order */
	{ HTTP_GET, "/api/history/options", ACCESS_OPERATOR, NULL, get_history_options },
	{ HTTP_GET, "/api/history/*", ACCESS_OPERATOR, NULL, get_history_chat },
	{ HTTP_GET, "/api/history/*/transcript.html", ACCESS_OPERATOR, NULL, get_history_html },
	{ HTTP_GET, "/api/history/*/transcript.txt", ACCESS_OPERATOR, NULL, get_history_text },
	{ HTTP_POST, "/api/history/*/delete", ACCESS_OPERATOR, NULL, post_history_delete },
	{ HTTP_GET, "/staff/share/*", ACCESS_PAGE, NULL, page_share },
	{ HTTP_GET, "/staff/history", 0, NULL, page_history },
	{ HTTP_GET, "/staff/chat/*/*", ACCESS_PAGE, NULL, page_manage },
};
const size_t history_nroutes = ARRAY_SIZE(history_routes);

void history_print_limits(FILE *out)
{
	limit_print(out, "history_page_max", HISTORY_PAGE_MAX, "chats", "rows of one Chat History page");
	limit_print(out, "history_events_max", HISTORY_EVENTS_MAX, "events", "events of one transcript");
	limit_print(out, "search_bytes", STORE_SEARCH_MAX, "bytes", "search words of Chat History");
}
