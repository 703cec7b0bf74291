/*
 * canned_snapshots.c - canned snapshots (PROTOCOL.md §2.8): "how to log in to
 * the databases", drawn once, sent a hundred times.
 *
 * How it works: the sharing tool saves the annotated image through the
 * chat's upload route (uploads.c runs the image pipeline and calls
 * canned_snapshots_save()); the blobs are written once and the entry names
 * them in canned_blobs.  Sending one appends an ordinary snapshot event to
 * the chat and, in the same transaction, lets that chat read the entry's
 * blobs: nothing is uploaded again, and the guest fetches the image through
 * the chat's blob route like any other.  The entry is read again inside
 * that transaction, so a delete committed meanwhile makes the send a 404
 * rather than an event naming a removed file.
 *
 * Who may do what: every operator of the account lists, saves and sends
 * them (they are the account's, like shared replies); only the operator
 * who saved one, or an account admin, renames or deletes it.  Another
 * account's entry answers 404 exactly like a missing one.
 */
#include "ops/canned_snapshots.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "chat/domain.h"
#include "media/blobs.h"
#include "net/http.h"
#include "ops/api.h"
#include "ops/app.h"
#include "ops/caller.h"
#include "ops/chat_ops.h"
#include "ops/errors.h"
#include "ops/routes.h"
#include "ops/uploads.h"

static json_t *snap_json(const struct store_canned_snap *c, const struct store_operator *op)
{
	return json_pack("{s:I, s:s, s:s, s:i, s:i, s:i, s:i, s:I, s:b, s:I}", "id",
			 (json_int_t)c->id, "name", c->name, "alt", c->alt, "width", c->width,
			 "height", c->height, "thumb_width", c->thumb_width, "thumb_height",
			 c->thumb_height, "size", (json_int_t)c->size, "may_change",
			 op->is_admin || op->id == c->operator_id, "created_at",
			 (json_int_t)c->created_at);
}

/* ---- saving (from uploads.c) ---------------------------------------------------------- */

static int save_apply(struct store *st, struct api_write *w)
{
	struct canned_snapshot_save *s = w->ctx;
	const char *dir = w->app->cfg->data_dir;
	int rc;

	/* The files must be there before the rows that name them (media/blobs.h). */
	rc = store_blob_lock(st, s->snap.blob);
	if (!rc)
		rc = store_blob_lock(st, s->snap.thumb);
	if (!rc)
		rc = blobs_keep(dir, s->snap.blob, s->full, s->full_len);
	if (!rc)
		rc = blobs_keep(dir, s->snap.thumb, s->thumb, s->thumb_len);
	if (!rc)
		rc = store_canned_snap_add(st, &s->snap, CANNED_SNAPSHOTS_MAX);
	return rc;
}

static void save_done(struct api_write *w, int rc)
{
	struct canned_snapshot_save *s = w->ctx;
	char msg[160];

	if (rc == -EDQUOT) {
		snprintf(msg, sizeof(msg), "Your account already has %d canned snapshots, the most "
			 "there may be; delete one first.", CANNED_SNAPSHOTS_MAX);
		http_error(w->req, 409, "too_many", msg);
	} else if (rc < 0) {
		api_storage_failed(w->req, rc);
	} else {
		http_json(w->req, 201, snap_json(&s->snap, &caller_of(w->req)->op));
	}
	free(s);
}

void canned_snapshots_save(struct http_req *req, struct canned_snapshot_save *s)
{
	struct api_write *w = api_write_new(req);

	w->ctx = s;
	api_submit(w, save_apply, save_done);
}

/* ---- reading ---------------------------------------------------------------------------- */

struct listing {
	json_t *list;
	const struct store_operator *op;
};

static int list_one(void *arg, const struct store_canned_snap *c)
{
	struct listing *l = arg;

	return json_array_append_new(l->list, snap_json(c, l->op));
}

static void get_snapshots(struct http_req *req, HTTP_PARAMS)
{
	struct listing l = { json_array(), &caller_of(req)->op };

	(void)params;
	if (store_canned_snap_list(req_app(req)->st, l.op->account_id, list_one, &l) < 0) {
		json_decref(l.list);
		http_refuse(req, -EIO, NULL);
		return;
	}
	http_json(req, 200, json_pack("{s:o, s:i}", "canned_snapshots", l.list,
				      "max", CANNED_SNAPSHOTS_MAX));
}

/* The entry a path names, if the caller's account has it: 0, or -ENOENT once answered. */
static int snap_find(struct http_req *req, const char *param, struct store_canned_snap *c)
{
	const struct store_operator *op = &caller_of(req)->op;
	char *end;
	long long id = strtoll(param, &end, 10);

	if (*end || id <= 0 || store_canned_snap_get(req_app(req)->st, id, op->account_id, c) < 0) {
		http_refuse(req, -ENOENT, "No such canned snapshot.");
		return -ENOENT;
	}
	return 0;
}

/* As snap_find(), and the caller may change it (who saved it, or an admin; else 403). */
static int snap_find_own(struct http_req *req, const char *param, struct store_canned_snap *c)
{
	const struct store_operator *op = &caller_of(req)->op;

	if (snap_find(req, param, c) < 0)
		return -ENOENT;
	if (!op->is_admin && c->operator_id != op->id) {
		http_error(req, 403, "forbidden", "Only the operator who saved a canned snapshot, "
			   "or an account admin, may rename or delete it.");
		return -EACCES;
	}
	return 0;
}

static void get_thumb(struct http_req *req, HTTP_PARAMS)
{
	struct store_canned_snap *c = xmalloc(sizeof(*c));
	char path[4096];
	struct stat sb;
	char *data = NULL;
	int fd = -1;

	if (snap_find(req, params[0], c) < 0)
		goto out;
	if (blobs_path(req_app(req)->cfg->data_dir, c->thumb, path, sizeof(path)) < 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &sb) < 0 ||
	    sb.st_size > (off_t)req_app(req)->cfg->max_image_bytes ||
	    !(data = read_exactly(fd, (size_t)sb.st_size))) {
		http_error(req, 500, "io", "The thumbnail could not be read.");
		goto out;
	}
	req->policy = POLICY_BLOB;
	http_header(req, "cache-control:", "private, max-age=31536000, immutable");
	http_respond(req, 200, !strcmp(c->thumb_mime, "image/png") ? "image/png" : "image/jpeg",
		     data, (size_t)sb.st_size);
out:
	if (fd >= 0)
		close(fd);
	free(c);
}

/* ---- renaming and deleting ---------------------------------------------------------- */

static int rename_apply(struct store *st, struct api_write *w)
{
	struct store_canned_snap *c = w->ctx;

	return store_canned_snap_rename(st, c->id, c->account_id, c->name);
}

/* The blobs a delete left without any reader, to remove after the commit. */
struct orphans {
	char (*hash)[BLOB_HASH_HEX];
	size_t n;
};

static int note_orphan(void *arg, const char *hash)
{
	struct orphans *o = arg;

	o->hash = xrealloc(o->hash, (o->n + 1) * sizeof(*o->hash));
	str_copy(o->hash[o->n++], BLOB_HASH_HEX, hash);
	return 0;
}

struct snap_change {
	struct store_canned_snap snap;
	struct orphans orphans;
};

static int delete_apply(struct store *st, struct api_write *w)
{
	struct snap_change *ch = w->ctx;

	ch->orphans.n = 0;
	return store_canned_snap_delete(st, ch->snap.id, ch->snap.account_id, note_orphan,
					&ch->orphans);
}

static void changed(struct api_write *w, int rc)
{
	struct snap_change *ch = w->ctx;

	if (rc == -ENOENT)
		http_refuse(w->req, -ENOENT, "No such canned snapshot.");
	else if (rc < 0)
		api_storage_failed(w->req, rc);
	else if (w->flag)
		http_json(w->req, 200, json_object());
	else
		http_json(w->req, 200, snap_json(&ch->snap, &caller_of(w->req)->op));
	if (!rc && ch->orphans.n) {
		uploads_remove_unused(w->app, ch->orphans.hash, ch->orphans.n); /* takes the array */
		ch->orphans.hash = NULL;
	}
	free(ch->orphans.hash);
	free(ch);
}

static void post_snapshot(struct http_req *req, HTTP_PARAMS)
{
	struct snap_change *ch = xcalloc(1, sizeof(*ch));
	const char *name;
	struct api_write *w;
	json_t *body;

	if (snap_find_own(req, params[0], &ch->snap) < 0 || !(body = api_body(req))) {
		free(ch);
		return;
	}
	if (json_unpack(body, "{s:s !}", "name", &name) || !canned_name_is_valid(name)) {
		json_decref(body);
		free(ch);
		api_bad_request(req, "Expected {\"name\": 1-40 characters on one line}.");
		return;
	}
	str_copy(ch->snap.name, sizeof(ch->snap.name), name);
	json_decref(body);
	w = api_write_new(req);
	w->ctx = ch;
	api_submit(w, rename_apply, changed);
}

static void post_snapshot_delete(struct http_req *req, HTTP_PARAMS)
{
	struct snap_change *ch = xcalloc(1, sizeof(*ch));
	struct api_write *w;

	if (snap_find_own(req, params[0], &ch->snap) < 0) {
		free(ch);
		return;
	}
	w = api_write_new(req);
	w->ctx = ch;
	w->flag = true; /* answer {} */
	api_submit(w, delete_apply, changed);
}

/* ---- sending ----------------------------------------------------------------------------- */

struct snap_send {
	struct http_req *req;
	struct app *app;
	int64_t id, account_id, chat_id;
	char chat[64];
	struct store_canned_snap snap; /* as the writer found it */
};

static int send_rows(struct store *st, void *arg)
{
	struct snap_send *s = arg;

	return store_canned_snap_link_chat(st, s->id, s->account_id, s->chat_id, &s->snap);
}

static void send_posted(void *arg, int rc, int64_t seq, bool dup)
{
	struct snap_send *s = arg;

	if (rc == -ENOENT)
		http_refuse(s->req, -ENOENT, "No such canned snapshot.");
	else if (rc < 0)
		http_refuse(s->req, -EIO, NULL);
	else
		http_json(s->req, 200, json_pack("{s:s, s:s, s:I, s:b, s:s, s:s}", "type", "ack",
						  "chat", s->chat, "seq", (json_int_t)seq,
						  "duplicate", dup, "blob", s->snap.blob,
						  "thumb", s->snap.thumb));
	free(s);
}

/* The snapshot event an entry makes, as an upload's would read (uploads.c event_body()). */
static json_t *send_event(const struct store_canned_snap *c, const char *sender)
{
	return json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:I, s:s, s:s, s:s?, s:s?}",
			 "blob", c->blob, "thumb", c->thumb, "mime", c->mime, "width", c->width,
			 "height", c->height, "thumb_width", c->thumb_width, "thumb_height",
			 c->thumb_height, "size", (json_int_t)c->size, "file_name", c->file_name,
			 "alt", c->alt, "name", sender[0] ? sender : NULL,
			 "annotation", c->annotation[0] ? c->annotation : NULL);
}

static void post_snapshot_send(struct http_req *req, HTTP_PARAMS)
{
	const struct store_operator *op = &caller_of(req)->op;
	struct snap_send *s = xcalloc(1, sizeof(*s));
	const char *chat_id, *cid = NULL;
	struct chat_live *chat = NULL;
	json_t *body = NULL;
	int rc;

	if (snap_find(req, params[0], &s->snap) < 0 || !(body = api_body(req)))
		goto fail;
	if (json_unpack(body, "{s:s, s?s !}", "chat", &chat_id, "cid", &cid) ||
	    (cid && !str_is_token(cid, WS_ID_MAX, "_.:-"))) {
		api_bad_request(req, "Expected {\"chat\": a chat's id, \"cid\"?: a client id}.");
		goto fail;
	}
	chat = chat_ops_chat(req_app(req), chat_id, NULL, op);
	if (!chat) {
		http_refuse(req, -ENOENT, "No such chat.");
		goto fail;
	}
	s->req = req;
	s->app = req_app(req);
	s->id = s->snap.id;
	s->account_id = op->account_id;
	s->chat_id = chat->id;
	str_copy(s->chat, sizeof(s->chat), chat->public_id);
	http_hold(req);
	rc = chat_ops_post(req_app(req), chat, AUTHOR_OPERATOR, op->id, "snapshot",
			   send_event(&s->snap, op->name), cid, send_rows, send_posted, s);
	chat_ops_forget(req_app(req), chat); /* the write pins it while in flight */
	json_decref(body);
	if (rc < 0) {
		http_refuse(req, rc, NULL);
		free(s);
	}
	return;
fail:
	json_decref(body);
	free(s);
}

const struct http_route canned_snapshots_routes[] = {
	{ HTTP_GET, "/api/canned-snapshots", ACCESS_OPERATOR, NULL, get_snapshots },
	{ HTTP_GET, "/api/canned-snapshots/*/thumb", ACCESS_OPERATOR, NULL, get_thumb },
	{ HTTP_POST, "/api/canned-snapshots/*", ACCESS_OPERATOR, NULL, post_snapshot },
	{ HTTP_POST, "/api/canned-snapshots/*/delete", ACCESS_OPERATOR, NULL, post_snapshot_delete },
	{ HTTP_POST, "/api/canned-snapshots/*/send", ACCESS_OPERATOR, NULL, post_snapshot_send },
};
const size_t canned_snapshots_nroutes = ARRAY_SIZE(canned_snapshots_routes);

void canned_snapshots_print_limits(FILE *out)
{
	limit_print(out, "canned_snapshots_max", CANNED_SNAPSHOTS_MAX, "snapshots",
		    "canned snapshots per account");
}
