/*
 * api.h - what the JSON API handlers share: the write op that carries a
 * request through the writer (and, for passwords, the worker pool first),
 * body parsing, validation, and the admin handlers (routes_admin.c).
 * Loop thread only, except apply() and work.run.
 */
#ifndef REFDESK_OPS_API_H
#define REFDESK_OPS_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth/auth.h"
#include "base/workq.h"
#include "net/http.h"
#include "store/store.h"
#include "store/writer.h"

struct app;
struct http_req;

struct api_write {
	struct store_op op;
	struct work work;
	struct app *app;
	struct http_req *req;
	int (*apply)(struct store *st, struct api_write *w); /* writer thread */
	void (*done)(struct api_write *w, int rc);           /* loop thread */
	void (*then)(struct api_write *w);                   /* after api_hash_then() */
	struct store_operator o;
	struct store_account a;
	struct store_queue q;
	int64_t id;
	bool flag, found, verified;
	unsigned char hash[32];
	char token[48];
	char csrf[48];
	int64_t expires;
	uint64_t user_key;                                   /* a sign-in's username, as str_key() */
	struct store_audit audit;                            /* api_audit_note()'s entry */
	void *ctx;                                           /* the caller's, borrowed */
	char password[AUTH_PASSWORD_MAX * 4 + 1];
};

/* A write op for `req` (zeroed). */
struct api_write *api_write_new(struct http_req *req);
/* Submit it: apply() on the writer, then done(); the op is freed after done(). */
void api_submit(struct api_write *w, int (*apply)(struct store *, struct api_write *),
		void (*done)(struct api_write *, int));
/* Hash w->password on the worker pool into w->o.pwhash, then call `then`. */
void api_hash_then(struct api_write *w, void (*then)(struct api_write *w));

/*
 * The audit log (store.h, STORE_AUDIT_*).  api_audit_note() describes the
 * admin action `w` carries, with the signed-in caller of w->req as its actor
 * and `detail` built with printf's `fmt` (never a password or anything a
 * patron wrote).  The op's apply() then calls api_audit_write(), which
 * stamps the entry and records it in the op's own savepoint: the change and
 * its entry are committed, or rolled back, together.  api_audit_append()
 * adds "; "-separated parts to a detail, cut short (with "…", on a
 * character boundary) if they do not fit.
 */
void api_audit_note(struct api_write *w, const char *action, const char *target,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int api_audit_write(struct store *st, struct api_write *w);  /* writer thread */
void api_audit_append(char *detail, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The body as a JSON object (new reference), or NULL after responding 400. */
json_t *api_body(struct http_req *req);
void api_bad_request(struct http_req *req, const char *what);
/* Map a store error to a response (409 exists, 404, 503). */
void api_storage_failed(struct http_req *req, int rc);
json_t *api_operator_json(struct app *app, const struct store_operator *o);

bool api_valid_name(const char *s);
bool api_valid_password(const char *s);

#endif
