/*
 * routes_admin.c - the account admin API (PROTOCOL.md §2.5).
 *
 * Every handler first checks that the caller is a signed-in admin, then
 * looks up what the path names within the caller's account only: another
 * account's operator or queue answers 404 exactly like a missing one.
 * Each change also writes its audit log entry (api_audit_note()) in the
 * same savepoint as the change itself; GET /api/admin/audit reads them back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "chat/domain.h"
#include "ops/api.h"
#include "ops/app.h"
#include "ops/errors.h"
#include "ops/caller.h"
#include "ops/client.h"
#include "ops/routes.h"
#include "ops/chat_ops.h"
#include "net/http.h"
#include "net/ws.h"
#include "share/share.h"

#define ORIGINS_MAX 20

/* ---- account ---------------------------------------------------------------- */

static json_t *account_json(const struct store_account *a)
{
	json_t *origins = json_array();
	const char *p = a->origins;

	while (*p) {
		size_t n = strcspn(p, " ");

		if (n)
			json_array_append_new(origins, json_stringn(p, n));
		p += n;
		while (*p == ' ')
			p++;
	}
	return json_pack("{s:I, s:s, s:o}", "id", (json_int_t)a->id, "name", a->name,
			 "origins", origins);
}

static void get_account(struct http_req *req, HTTP_PARAMS)
{
	struct store_account a;

	(void)params;
	if (store_account_get(req_app(req)->st, caller_of(req)->op.account_id, &a) < 0) {
		http_refuse(req, -ENOENT, "No such account.");
		return;
	}
	http_json(req, 200, account_json(&a));
}

/* scheme://host[:port] with nothing after it. */
static bool valid_origin(const char *o)
{
	const char *host;
	size_t i;

	if (!strncmp(o, "https://", 8))
		host = o + 8;
	else if (!strncmp(o, "http://", 7))
		host = o + 7;
	else
		return false;
	if (!*host || strlen(o) > 200)
		return false;
	for (i = 0; host[i]; i++) {
		char c = host[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
			return false;
	}
	return true;
}

static int account_apply(struct store *st, struct api_write *w)
{
	int rc = store_account_update(st, &w->a);

	return rc ? rc : api_audit_write(st, w);
}

/* Whether the space-separated list `list` holds the `n` bytes at `o`. */
static bool origins_have(const char *list, const char *o, size_t n)
{
	while (*list) {
		size_t m = strcspn(list, " ");

		if (m == n && !strncmp(list, o, n))
			return true;
		list += m;
		list += strspn(list, " ");
	}
	return false;
}

/* Append the origins of `from` that `other` lacks, as "LABEL a, b", to the detail. */
static void audit_origins(char *detail, size_t size, const char *label, const char *from,
			  const char *other)
{
	char list[STORE_ORIGINS_BYTES] = "";
	size_t off = 0;

	while (*from) {
		size_t n = strcspn(from, " ");

		if (n && !origins_have(other, from, n) && off + n + 3 < sizeof(list))
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%.*s",
						off ? ", " : "", (int)n, from);
		from += n;
		from += strspn(from, " ");
	}
	if (off)
		api_audit_append(detail, size, "%s %s", label, list);
}

/* The audit entry of an account change from `old` to `now`. */
static void audit_account(struct api_write *w, const struct store_account *old,
			  const struct store_account *now)
{
	char d[STORE_AUDIT_DETAIL_BYTES] = "";

	if (strcmp(old->name, now->name))
		api_audit_append(d, sizeof(d), "name \"%s\" → \"%s\"", old->name, now->name);
	audit_origins(d, sizeof(d), "origins added:", now->origins, old->origins);
	audit_origins(d, sizeof(d), "origins removed:", old->origins, now->origins);
	api_audit_note(w, STORE_AUDIT_ACCOUNT_CHANGE, now->name, "%s", d[0] ? d : "no change");
}

static void account_done(struct api_write *w, int rc)
{
	if (rc < 0)
		api_storage_failed(w->req, rc);
	else
		http_json(w->req, 200, account_json(&w->a));
}

static void post_account(struct http_req *req, HTTP_PARAMS)
{
	const char *name = NULL;
	json_t *body, *origins = NULL, *v;
	struct api_write *w;
	struct store_account a, old;
	size_t i, off = 0;
	int n;

	(void)params;
	if (!(body = api_body(req)))
		return;
	if (json_unpack(body, "{s?s, s?o !}", "name", &name, "origins", &origins) ||
	    (name && !api_valid_name(name)) ||
	    (origins && (!json_is_array(origins) || json_array_size(origins) > ORIGINS_MAX))) {
		json_decref(body);
		api_bad_request(req, "Expected {\"name\"?: 1-80 characters, \"origins\"?: [up to 20 "
				     "origins such as \"https://library.example.org\"]}.");
		return;
	}
	if (store_account_get(req_app(req)->st, caller_of(req)->op.account_id, &a) < 0) {
		json_decref(body);
		http_refuse(req, -ENOENT, "No such account.");
		return;
	}
	old = a;
	if (name)
		snprintf(a.name, sizeof(a.name), "%s", name);
	if (origins) {
		a.origins[0] = '\0';
		json_array_foreach(origins, i, v) {
			const char *o = json_string_value(v);

			if (!o || !valid_origin(o)) {
				json_decref(body);
				api_bad_request(req, "Each origin is scheme://host[:port], such as "
						     "https://library.example.org.");
				return;
			}
			n = snprintf(a.origins + off, sizeof(a.origins) - off, "%s%s",
				     off ? " " : "", o);
			if (n < 0 || (size_t)n >= sizeof(a.origins) - off) {
				json_decref(body);
				api_bad_request(req, "The origins are too long together.");
				return;
			}
			off += (size_t)n;
		}
	}
	json_decref(body);
	w = api_write_new(req);
	w->a = a;
	audit_account(w, &old, &a);
	api_submit(w, account_apply, account_done);
}

/* ---- operators ----------------------------------------------------------------- */

struct list_ctx {
	struct app *app;
	json_t *list;
	json_t *names;
};

static int add_queue_name(void *arg, const struct store_queue *q, bool available)
{
	(void)available;
	json_array_append_new(arg, json_string(q->name));
	return 0;
}

static json_t *operator_admin_json(struct app *app, const struct store_operator *o)
{
	json_t *queues = json_array();

	store_queues_of_operator(app->st, o->id, add_queue_name, queues);
	return json_pack("{s:I, s:s, s:s, s:b, s:b, s:o}", "id", (json_int_t)o->id,
			 "username", o->username, "name", o->name, "admin", o->is_admin,
			 "disabled", o->disabled, "queues", queues);
}

static int list_operator(void *arg, const struct store_operator *o)
{
	struct list_ctx *l = arg;

	json_array_append_new(l->list, operator_admin_json(l->app, o));
	return 0;
}

static void get_operators(struct http_req *req, HTTP_PARAMS)
{
	struct list_ctx l = { req->app, json_array(), NULL };

	(void)params;
	store_operators_of_account(req_app(req)->st, caller_of(req)->op.account_id, list_operator, &l);
	http_json(req, 200, json_pack("{s:o}", "operators", l.list));
}

static int operator_add_apply(struct store *st, struct api_write *w)
{
	int rc = store_operator_add(st, &w->o, &w->o.id);

	return rc ? rc : api_audit_write(st, w);
}

static void operator_added(struct api_write *w, int rc)
{
	if (rc < 0)
		api_storage_failed(w->req, rc);
	else
		http_json(w->req, 201, operator_admin_json(w->app, &w->o));
}

static void operator_hashed(struct api_write *w)
{
	api_submit(w, operator_add_apply, operator_added);
}

static void post_operators(struct http_req *req, HTTP_PARAMS)
{
	const char *username, *name, *password;
	struct store_operator existing;
	struct api_write *w;
	int admin = 0;
	json_t *body;

	(void)params;
	if (!(body = api_body(req)))
		return;
	if (json_unpack(body, "{s:s, s:s, s:s, s?b !}", "username", &username, "name", &name,
			"password", &password, "admin", &admin) ||
	    !str_is_token(username, STORE_USERNAME_MAX, "._-") || !api_valid_name(name) ||
	    !api_valid_password(password)) {
		json_decref(body);
		api_bad_request(req, "Expected {\"username\": 1-64 of A-Z a-z 0-9 . _ -, \"name\": "
				     "1-80 characters, \"password\": 8-256 characters, \"admin\"?: "
				     "true|false}.");
		return;
	}
	if (store_operator_by_username(req_app(req)->st, username, &existing) == 0) {
		json_decref(body);
		http_error(req, 409, "exists", "That username is already taken.");
		return;
	}
	w = api_write_new(req);
	w->o.account_id = caller_of(req)->op.account_id;
	snprintf(w->o.username, sizeof(w->o.username), "%s", username);
	snprintf(w->o.name, sizeof(w->o.name), "%s", name);
	w->o.is_admin = admin;
	snprintf(w->password, sizeof(w->password), "%s", password);
	api_audit_note(w, STORE_AUDIT_OPERATOR_ADD, w->o.username, "name \"%s\"%s", w->o.name,
		       admin ? "; account admin" : "");
	json_decref(body);
	api_hash_then(w, operator_hashed);
}

/* The operator named by a path parameter, if it is in the caller's account. */
static int own_operator(struct http_req *req, const char *param, struct store_operator *o)
{
	char *end;
	long long id = strtoll(param, &end, 10);

	if (*end || id <= 0 || store_operator_get(req_app(req)->st, id, o) < 0 ||
	    o->account_id != caller_of(req)->op.account_id) {
		http_refuse(req, -ENOENT, "No such operator.");
		return -ENOENT;
	}
	return 0;
}

static int operator_update_apply(struct store *st, struct api_write *w)
{
	int rc = store_operator_update(st, &w->o);

	if (!rc && w->o.disabled)
		rc = store_sessions_delete_operator(st, w->o.id, NULL);
	return rc ? rc : api_audit_write(st, w);
}

/* The audit entry of an operator change from `old` to `now`. */
static void audit_operator(struct api_write *w, const struct store_operator *old,
			   const struct store_operator *now)
{
	char d[STORE_AUDIT_DETAIL_BYTES] = "";

	if (strcmp(old->name, now->name))
		api_audit_append(d, sizeof(d), "name \"%s\" → \"%s\"", old->name, now->name);
	if (old->is_admin != now->is_admin)
		api_audit_append(d, sizeof(d), "%s", now->is_admin ? "made an account admin"
								 : "admin rights removed");
	if (old->disabled != now->disabled)
		api_audit_append(d, sizeof(d), "%s", now->disabled ? "disabled" : "enabled");
	api_audit_note(w, STORE_AUDIT_OPERATOR_CHANGE, now->username, "%s",
		       d[0] ? d : "no change");
}

static void operator_updated(struct api_write *w, int rc)
{
	struct operator_live *live;

	if (rc < 0) {
		api_storage_failed(w->req, rc);
		return;
	}
	if (w->o.disabled)
		clients_close_operator(w->app, w->o.id);
	live = domain_operator(&w->app->dom, w->o.id);
	if (live) {
		snprintf(live->name, sizeof(live->name), "%s", w->o.name);
		live->is_admin = w->o.is_admin;
	}
	http_json(w->req, 200, operator_admin_json(w->app, &w->o));
}

static void post_operator(struct http_req *req, HTTP_PARAMS)
{
	struct store_operator o, old;
	const char *name = NULL;
	int admin = -1, disabled = -1;
	struct api_write *w;
	json_t *body;

	if (own_operator(req, params[0], &o) < 0 ||
	    !(body = api_body(req)))
		return;
	if (json_unpack(body, "{s?s, s?b, s?b !}", "name", &name, "admin", &admin,
			"disabled", &disabled) || (name && !api_valid_name(name))) {
		json_decref(body);
		api_bad_request(req, "Expected {\"name\"?: 1-80 characters, \"admin\"?: true|false, "
				     "\"disabled\"?: true|false}.");
		return;
	}
	if (o.id == caller_of(req)->op.id && (admin == 0 || disabled == 1)) {
		json_decref(body);
		api_bad_request(req, "You cannot disable yourself or remove your own admin rights.");
		return;
	}
	old = o;
	if (name)
		snprintf(o.name, sizeof(o.name), "%s", name);
	if (admin >= 0)
		o.is_admin = admin;
	if (disabled >= 0)
		o.disabled = disabled;
	json_decref(body);
	w = api_write_new(req);
	w->o = o;
	audit_operator(w, &old, &o);
	api_submit(w, operator_update_apply, operator_updated);
}

static int password_apply(struct store *st, struct api_write *w)
{
	int rc = store_operator_set_password(st, w->o.id, w->o.pwhash);

	/* Everyone signed in as this operator must sign in again, but the caller. */
	if (!rc)
		rc = store_sessions_delete_operator(st, w->o.id, w->hash);
	return rc ? rc : api_audit_write(st, w);
}

static void password_done(struct api_write *w, int rc)
{
	struct client *c;

	if (rc < 0) {
		api_storage_failed(w->req, rc);
		return;
	}
	for (c = w->app->clients; c; c = c->next)
		if (c->op && c->op->id == w->o.id && memcmp(c->session_hash, w->hash, 32))
			client_close(c, CLIENT_PASSWORD_CHANGED);
	http_json(w->req, 200, json_object());
}

static void password_hashed(struct api_write *w)
{
	api_submit(w, password_apply, password_done);
}

static void post_operator_password(struct http_req *req, HTTP_PARAMS)
{
	struct store_operator o;
	const char *password;
	struct api_write *w;
	json_t *body;

	if (own_operator(req, params[0], &o) < 0 ||
	    !(body = api_body(req)))
		return;
	if (json_unpack(body, "{s:s !}", "password", &password) || !api_valid_password(password)) {
		json_decref(body);
		api_bad_request(req, "Expected {\"password\": 8-256 characters}.");
		return;
	}
	w = api_write_new(req);
	w->o = o;
	memcpy(w->hash, caller_of(req)->session_hash, sizeof(w->hash));
	snprintf(w->password, sizeof(w->password), "%s", password);
	api_audit_note(w, STORE_AUDIT_PASSWORD_RESET, o.username, "%s",
		       "new password set on the admin page; signed out everywhere else");
	json_decref(body);
	api_hash_then(w, password_hashed);
}

/* ---- queues ---------------------------------------------------------------------- */

static int add_member(void *arg, int64_t operator_id, bool available)
{
	(void)available;
	json_array_append_new(arg, json_integer(operator_id));
	return 0;
}

static json_t *queue_json(struct app *app, const struct store_queue *q)
{
	json_t *members = json_array();

	store_members_of_queue(app->st, q->id, add_member, members);
	return json_pack("{s:s, s:s, s:s, s:o}", "name", q->name, "title", q->title,
			 "share_invite", q->share_invite, "members", members);
}

/* An invitation text: at most 500 characters, lines but no other control characters. */
static bool valid_invite(const char *s)
{
	size_t n = strlen(s), i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\n') || s[i] == 0x7f)
			return false;
	return utf8_count(s, n) <= SHARE_TEXT_MAX;
}

static int list_queue(void *arg, const struct store_queue *q)
{
	struct list_ctx *l = arg;

	json_array_append_new(l->list, queue_json(l->app, q));
	return 0;
}

static void get_queues(struct http_req *req, HTTP_PARAMS)
{
	struct list_ctx l = { req->app, NULL, NULL };

	(void)params;
	l.list = json_array();
	store_queues_of_account(req_app(req)->st, caller_of(req)->op.account_id, list_queue, &l);
	http_json(req, 200, json_pack("{s:o}", "queues", l.list));
}

static int queue_add_apply(struct store *st, struct api_write *w)
{
	int rc = store_queue_add(st, w->q.account_id, w->q.name, w->q.title, &w->q.id);

	return rc ? rc : api_audit_write(st, w);
}

static void queue_written(struct api_write *w, int rc)
{
	if (rc < 0)
		api_storage_failed(w->req, rc);
	else
		http_json(w->req, w->flag ? 201 : 200, queue_json(w->app, &w->q));
}

static void post_queues(struct http_req *req, HTTP_PARAMS)
{
	const char *name, *title;
	struct store_queue existing;
	struct api_write *w;
	json_t *body;
	size_t i;

	(void)params;
	if (!(body = api_body(req)))
		return;
	if (json_unpack(body, "{s:s, s:s !}", "name", &name, "title", &title) ||
	    !str_is_token(name, STORE_QUEUE_NAME_MAX, "-") || !api_valid_name(title)) {
		json_decref(body);
		api_bad_request(req, "Expected {\"name\": 1-32 of a-z 0-9 -, \"title\": 1-80 "
				     "characters}.");
		return;
	}
	for (i = 0; name[i]; i++) {
		if (name[i] >= 'A' && name[i] <= 'Z') {
			json_decref(body);
			api_bad_request(req, "Queue names are lower case: a-z, 0-9 and -.");
			return;
		}
	}
	if (store_queue_by_name(req_app(req)->st, name, &existing) == 0) {
		json_decref(body);
		http_error(req, 409, "exists", "That queue name is already taken.");
		return;
	}
	w = api_write_new(req);
	w->q.account_id = caller_of(req)->op.account_id;
	snprintf(w->q.name, sizeof(w->q.name), "%s", name);
	snprintf(w->q.title, sizeof(w->q.title), "%s", title);
	w->flag = true;
	api_audit_note(w, STORE_AUDIT_QUEUE_ADD, w->q.name, "title \"%s\"", w->q.title);
	json_decref(body);
	api_submit(w, queue_add_apply, queue_written);
}

static int own_queue(struct http_req *req, const char *name, struct store_queue *q)
{
	if (!str_is_token(name, STORE_QUEUE_NAME_MAX, "-") || store_queue_by_name(req_app(req)->st, name, q) < 0 ||
	    q->account_id != caller_of(req)->op.account_id) {
		http_refuse(req, -ENOENT, "No such queue.");
		return -ENOENT;
	}
	return 0;
}

static int queue_update_apply(struct store *st, struct api_write *w)
{
	int rc = store_queue_update(st, w->q.id, w->q.title, w->q.share_invite);

	return rc ? rc : api_audit_write(st, w);
}

/* The audit entry of a queue change from `old` to `now` (the invitation's words are not copied). */
static void audit_queue(struct api_write *w, const struct store_queue *old,
			const struct store_queue *now)
{
	char d[STORE_AUDIT_DETAIL_BYTES] = "";

	if (strcmp(old->title, now->title))
		api_audit_append(d, sizeof(d), "title \"%s\" → \"%s\"", old->title, now->title);
	if (strcmp(old->share_invite, now->share_invite))
		api_audit_append(d, sizeof(d), "%s", now->share_invite[0]
			? "screensharing invitation changed"
			: "screensharing invitation back to the default");
	api_audit_note(w, STORE_AUDIT_QUEUE_CHANGE, now->name, "%s", d[0] ? d : "no change");
}

static void post_queue(struct http_req *req, HTTP_PARAMS)
{
	struct store_queue q, old;
	struct api_write *w;
	const char *title = NULL, *invite = NULL;
	json_t *body;

	if (own_queue(req, params[0], &q) < 0 || !(body = api_body(req)))
		return;
	if (json_unpack(body, "{s?s, s?s !}", "title", &title, "share_invite", &invite) ||
	    (title && !api_valid_name(title)) || (invite && !valid_invite(invite))) {
		json_decref(body);
		api_bad_request(req, "Expected {\"title\"?: 1-80 characters, "
				"\"share_invite\"?: 0-500 characters (empty for the default)}.");
		return;
	}
	old = q;
	if (title)
		snprintf(q.title, sizeof(q.title), "%s", title);
	if (invite)
		snprintf(q.share_invite, sizeof(q.share_invite), "%s", invite);
	json_decref(body);
	w = api_write_new(req);
	w->q = q;
	audit_queue(w, &old, &q);
	api_submit(w, queue_update_apply, queue_written);
}

static int member_apply(struct store *st, struct api_write *w)
{
	int rc = store_member_set(st, w->q.id, w->o.id, w->found);

	return rc ? rc : api_audit_write(st, w);
}

static void member_done(struct api_write *w, int rc)
{
	if (rc >= 0 && !w->found)
		chat_ops_set_available(w->app, w->q.id, w->o.id, false);
	queue_written(w, rc);
}

static void post_queue_members(struct http_req *req, HTTP_PARAMS)
{
	struct store_operator o;
	struct store_queue q;
	struct api_write *w;
	json_int_t id;
	char idtext[32];
	int member;
	json_t *body;

	if (own_queue(req, params[0], &q) < 0 || !(body = api_body(req)))
		return;
	if (json_unpack(body, "{s:I, s:b !}", "operator", &id, "member", &member)) {
		json_decref(body);
		api_bad_request(req, "Expected {\"operator\": id, \"member\": true|false}.");
		return;
	}
	json_decref(body);
	snprintf(idtext, sizeof(idtext), "%lld", (long long)id);
	if (own_operator(req, idtext, &o) < 0)
		return;
	w = api_write_new(req);
	w->q = q;
	w->o = o;
	w->found = member;
	api_audit_note(w, member ? STORE_AUDIT_MEMBER_ADD : STORE_AUDIT_MEMBER_REMOVE, q.name,
		       "operator %s", o.username);
	api_submit(w, member_apply, member_done);
}

/* ---- audit log ------------------------------------------------------------------- */

#define AUDIT_PAGE 50
#define AUDIT_PAGE_MAX 100

struct audit_page {
	json_t *list;
	int limit;
	bool more;
};

static int list_audit(void *arg, const struct store_audit *e)
{
	struct audit_page *p = arg;

	/* The store was asked for one more than the page: that one only says "older exist". */
	if ((int)json_array_size(p->list) == p->limit) {
		p->more = true;
		return 1;
	}
	json_array_append_new(p->list, json_pack(
		"{s:I, s:I, s:{s:o, s:s}, s:s, s:s, s:s}", "id", (json_int_t)e->id,
		"at", (json_int_t)e->at, "actor", "id",
		e->actor_id ? json_integer(e->actor_id) : json_null(), "username", e->actor,
		"action", e->action, "target", e->target, "detail", e->detail));
	return 0;
}

/* A whole number in [1, max] from the query into *out (left alone when absent); 0 or -EINVAL. */
static int audit_arg(struct http_req *req, const char *name, long long max, long long *out)
{
	char buf[24], *end;
	long long v;

	if (http_get_arg(req, name, buf, sizeof(buf)) == -E2BIG)
		return -EINVAL;
	if (!buf[0])
		return 0;
	v = strtoll(buf, &end, 10);
	if (*end || v < 1 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* The caller's account's entries, newest first; `before` pages back to older ones. */
static void get_audit(struct http_req *req, HTTP_PARAMS)
{
	struct audit_page p = { json_array(), AUDIT_PAGE, false };
	long long before = 0, limit = AUDIT_PAGE;
	int rc;

	(void)params;
	if (audit_arg(req, "before", INT64_MAX, &before) < 0 ||
	    audit_arg(req, "limit", AUDIT_PAGE_MAX, &limit) < 0) {
		json_decref(p.list);
		api_bad_request(req, "before is an entry's id and limit 1-100.");
		return;
	}
	p.limit = (int)limit;
	rc = store_audit_list(req_app(req)->st, caller_of(req)->op.account_id, before, p.limit + 1,
			      list_audit, &p);
	if (rc < 0) {
		json_decref(p.list);
		api_storage_failed(req, rc);
		return;
	}
	http_json(req, 200, json_pack("{s:o, s:b}", "entries", p.list, "more", p.more));
}

const struct http_route admin_routes[] = {
	{ HTTP_GET, "/api/admin/account", ACCESS_ADMIN, NULL, get_account },
	{ HTTP_POST, "/api/admin/account", ACCESS_ADMIN, NULL, post_account },
	{ HTTP_GET, "/api/admin/operators", ACCESS_ADMIN, NULL, get_operators },
	{ HTTP_POST, "/api/admin/operators", ACCESS_ADMIN, NULL, post_operators },
	{ HTTP_POST, "/api/admin/operators/*", ACCESS_ADMIN, NULL, post_operator },
	{ HTTP_POST, "/api/admin/operators/*/password", ACCESS_ADMIN, NULL, post_operator_password },
	{ HTTP_GET, "/api/admin/queues", ACCESS_ADMIN, NULL, get_queues },
	{ HTTP_POST, "/api/admin/queues", ACCESS_ADMIN, NULL, post_queues },
	{ HTTP_POST, "/api/admin/queues/*", ACCESS_ADMIN, NULL, post_queue },
	{ HTTP_POST, "/api/admin/queues/*/members", ACCESS_ADMIN, NULL, post_queue_members },
	{ HTTP_GET, "/api/admin/audit", ACCESS_ADMIN, NULL, get_audit },
};
const size_t admin_nroutes = ARRAY_SIZE(admin_routes);
