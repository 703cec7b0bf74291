/*
 * api.c - see api.h.
 */
#include "ops/api.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "chat/domain.h"
#include "ops/app.h"
#include "ops/caller.h"
#include "ops/errors.h"
#include "net/http.h"

struct api_write *api_write_new(struct http_req *req)
{
	struct api_write *w = xcalloc(1, sizeof(*w));

	w->app = req->app;
	w->req = req;
	if (req)
		http_hold(req);
	return w;
}

static int api_apply(struct store *st, struct store_op *op)
{
	struct api_write *w = container_of(op, struct api_write, op);

	return w->apply(st, w);
}

static void api_done(struct store_op *op, int rc)
{
	struct api_write *w = container_of(op, struct api_write, op);

	w->done(w, rc);
	explicit_bzero(w->password, sizeof(w->password));
	free(w);
}

void api_submit(struct api_write *w, int (*apply)(struct store *, struct api_write *),
		void (*done)(struct api_write *, int))
{
	w->apply = apply;
	w->done = done;
	w->op.apply = api_apply;
	w->op.done = api_done;
	app_submit(w->app, &w->op);
}

static void hash_run(struct work *work)
{
	struct api_write *w = container_of(work, struct api_write, work);

	w->verified = auth_password_hash(w->o.pwhash, w->password) == 0;
	explicit_bzero(w->password, sizeof(w->password));
}

static void hash_done(struct work *work)
{
	struct api_write *w = container_of(work, struct api_write, work);
	w->app->hashes_running--;
	if (!w->verified) {
		http_error(w->req, 503, "busy", "The password could not be hashed; try again.");
		free(w);
		return;
	}
	w->then(w);
}

void api_hash_then(struct api_write *w, void (*then)(struct api_write *w))
{
	w->then = then;
	w->work.run = hash_run;
	w->work.done = hash_done;
	if (workq_submit(w->app->workq, &w->work) < 0) {
		explicit_bzero(w->password, sizeof(w->password));
		http_error(w->req, 503, "busy", "The server is busy; try again in a moment.");
		free(w);
		return;
	}
	w->app->hashes_running++;
}

/* Cut `s` (NUL-terminated) back to at most `max` bytes without splitting a UTF-8 character. */
static void utf8_cut(char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	s[n] = '\0';
}

static void audit_vappend(char *detail, size_t size, const char *sep, const char *fmt,
			  va_list ap)
{
	static const char more[] = "…";
	size_t off = strlen(detail);
	int n;

	if (off + sizeof(more) >= size)
		return;
	n = snprintf(detail + off, size - off, "%s", off && sep ? sep : "");
	off += (size_t)n;
	n = vsnprintf(detail + off, size - off, fmt, ap);
	if (n >= 0 && (size_t)n < size - off)
		return;
	/* Too long: keep what fits whole, then say that something was left out. */
	utf8_cut(detail, size - sizeof(more));
	strcat(detail, more);
}

void api_audit_append(char *detail, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	audit_vappend(detail, size, "; ", fmt, ap);
	va_end(ap);
}

void api_audit_note(struct api_write *w, const char *action, const char *target,
		    const char *fmt, ...)
{
	struct store_audit *e = &w->audit;
	const struct caller *c = caller_of(w->req);
	va_list ap;

	memset(e, 0, sizeof(*e));
	e->account_id = c->op.account_id;
	e->actor_id = c->op.id;
	str_copy(e->actor, sizeof(e->actor), c->op.username);
	str_copy(e->action, sizeof(e->action), action);
	str_copy(e->target, sizeof(e->target), target);
	va_start(ap, fmt);
	audit_vappend(e->detail, sizeof(e->detail), NULL, fmt, ap);
	va_end(ap);
}

int api_audit_write(struct store *st, struct api_write *w)
{
	w->audit.at = time_now_ms();
	return store_audit_add(st, &w->audit);
}

json_t *api_body(struct http_req *req)
{
	json_t *obj = req->body ? json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, NULL)
				: NULL;

	if (!json_is_object(obj)) {
		json_decref(obj);
		http_error(req, 400, "bad_json", "The body must be a JSON object.");
		return NULL;
	}
	return obj;
}

void api_bad_request(struct http_req *req, const char *what)
{
	http_error(req, 400, "bad_request", what);
}

void api_storage_failed(struct http_req *req, int rc)
{
	/* Only what a store call means by its codes: anything else is a failed save. */
	http_refuse(req, rc == -EEXIST || rc == -ENOENT ? rc : -EIO, NULL);
}

json_t *api_operator_json(struct app *app, const struct store_operator *o)
{
	struct store_account a;

	if (store_account_get(app->st, o->account_id, &a) < 0)
		a.name[0] = '\0';
	return json_pack("{s:I, s:s, s:s, s:b, s:{s:I, s:s}}", "id", (json_int_t)o->id,
			 "username", o->username, "name", o->name, "admin", o->is_admin,
			 "account", "id", (json_int_t)o->account_id, "name", a.name);
}

bool api_valid_name(const char *s)
{
	size_t n = strlen(s), i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return n > 0 && utf8_count(s, n) <= CHAT_NAME_MAX && s[0] != ' ' && s[n - 1] != ' ';
}

bool api_valid_password(const char *s)
{
	size_t n = utf8_count(s, strlen(s));

	return n >= AUTH_PASSWORD_MIN && n <= AUTH_PASSWORD_MAX;
}
