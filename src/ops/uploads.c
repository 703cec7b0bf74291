/*
 * uploads.c - see uploads.h.
 *
 * An upload is a raw body (no multipart): its type of event in
 * X-Upload-Kind (image|file), its file name and alt text percent-encoded in
 * X-File-Name and X-Alt, the client's id in X-Client-Id (a retry is stored
 * once).  Guests prove themselves with "Authorization: Bearer TOKEN" and
 * may send images only; operators use their session and may send any file
 * into a chat they hold.
 *
 * The request's body buffer is allocated from Content-Length only after
 * the caller, the size and the rate were checked; a body that runs past it
 * is refused at once and the connection closed.  Then, on a worker: the
 * image pipeline (media/) or nothing for a file, and the blobs written and
 * fsynced; then, through the writer, the blob rows and the event in one
 * transaction; then the response and the fan-out.
 */
#include "ops/uploads.h"

#include "ops/api.h"
#include "ops/canned_snapshots.h"
#include "ops/caller.h"
#include "ops/client.h"
#include "ops/errors.h"
#include "ops/routes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/text.h"
#include "base/util.h"
#include "chat/domain.h"
#include "media/blobs.h"
#include "media/media.h"
#include "ops/app.h"
#include "ops/chat_ops.h"
#include "net/http.h"
#include "net/ws.h"
#include "store/writer.h"

#define ALT_MAX 1000      /* characters */
#define ANNOTATION_MAX (512 * 1024) /* bytes of an editor document */
#define UPLOADS_MEMORY_MAX ((size_t)256 << 20) /* all upload bodies together */
#define NAME_MAX_BYTES 150

struct upload {
	struct work work;
	struct app *app;
	struct http_req *req;
	struct chat_live *chat;      /* pinned while the upload lives */
	enum event_author author;
	int64_t operator_id;
	char sender[NAME_BYTES];
	bool is_image;
	bool is_annotation;          /* an editor document: stored, no event */
	bool is_canned;              /* an image kept as a canned snapshot: no event */
	char canned_name[STORE_CANNED_NAME_BYTES];
	char parent[BLOB_HASH_HEX];  /* an edited image: the snapshot it was made from */
	char annotation[BLOB_HASH_HEX]; /* ... and the document that made it */
	char cid[WS_ID_MAX + 1];
	char name[NAME_MAX_BYTES + 8];
	char alt[ALT_MAX * 4 + 1];
	char mime[128];              /* a file's declared type, cleaned: shown, never served */
	/* results of the worker */
	int rc;
	struct media_image img;
	char hash[BLOB_HASH_HEX];    /* the image or file */
	char thumb[BLOB_HASH_HEX];
	size_t size;
};

/* ---- text from headers ------------------------------------------------------------ */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode `in` into `out` (dropping encoded NULs); returns the length. */
static size_t pct_decode(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (; *in && o + 1 < size; in++) {
		if (*in == '%' && hexval(in[1]) >= 0 && hexval(in[2]) >= 0) {
			char c = (char)(hexval(in[1]) * 16 + hexval(in[2]));

			if (c) /* a NUL would end the text early: drop it */
				out[o++] = c;
			in += 2;
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
	return o;
}

/* A file name to offer: no directories, no leading dots, printable, bounded. */
static void clean_filename(const char *raw, char *out, size_t size, const char *fallback)
{
	char decoded[12288], cleaned[4096];
	const char *base, *p;

	pct_decode(raw, decoded, sizeof(decoded));
	base = decoded;
	for (p = decoded; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	text_clean_line(base, cleaned, size < sizeof(cleaned) ? size : sizeof(cleaned));
	for (p = cleaned; *p == '.' || *p == ' '; p++)
		;
	str_copy(out, size, *p ? p : fallback);
}

/* ---- checking before the body ------------------------------------------------------ */

static bool upload_path(const char *path, char *chat, size_t size)
{
	const char *prefix = "/api/chats/", *end;
	size_t n;

	if (strncmp(path, prefix, strlen(prefix)))
		return false;
	path += strlen(prefix);
	end = strchr(path, '/');
	if (!end || strcmp(end, "/uploads"))
		return false;
	n = (size_t)(end - path);
	if (!n || n >= size)
		return false;
	memcpy(chat, path, n);
	chat[n] = '\0';
	return true;
}

static struct rate *upload_bucket(struct app *app, uint64_t key)
{
	struct rate *r = map_get(&app->upload_rate, key);

	if (!r) {
		r = xmalloc(sizeof(*r));
		rate_init(r, app->cfg->upload_burst);
		map_put(&app->upload_rate, key, r);
	}
	return r;
}

static bool refuse(struct http_req *req, int status, const char *code, const char *message)
{
	req->close_after = true; /* do not read a body we refused */
	http_error(req, status, code, message);
	return true;
}

/*
 * When the headers have arrived: check who may post into that chat, the
 * declared size and the rate before a byte of the body is read.  Returns
 * true when it answered already (refused).
 */
static bool uploads_precheck(struct http_req *req, HTTP_PARAMS)
{
	struct app *app = req->app;
	char public_id[64], kind[16], len_text[32], header[12288];
	char canned_name[STORE_CANNED_NAME_BYTES] = "";
	enum event_author author;
	struct chat_live *chat;
	struct upload *u;
	unsigned long long len;
	size_t cap;
	int rc;

	(void)params; /* the path is read again below, with its own checks */
	if (!upload_path(req->path, public_id, sizeof(public_id)))
		return false;
	/* Each chat has its own allowance: fifty pastes in a second are not a conversation. */
	if (!rate_take(upload_bucket(app, str_key(public_id, strlen(public_id))), time_mono_ms(),
		       app->cfg->upload_rate, app->cfg->upload_burst)) {
		http_header(req, "retry-after:", "1");
		return refuse(req, 429, "rate_limited", "Too many uploads; wait a moment.");
	}
	/* What is it, and how big?  (Cheap checks first, before any lookup.) */
	http_get_header(req, "authorization:", header, sizeof(header));
	author = strncmp(header, "Bearer ", 7) ? AUTHOR_OPERATOR : AUTHOR_GUEST;
	http_get_header(req, "x-upload-kind:", kind, sizeof(kind));
	if (strcmp(kind, "image") &&
	    ((strcmp(kind, "file") && strcmp(kind, "annotation") && strcmp(kind, "canned")) ||
	     author != AUTHOR_OPERATOR))
		return refuse(req, 400, "bad_request", author == AUTHOR_GUEST ?
			      "X-Upload-Kind must be image." :
			      "X-Upload-Kind must be image, file, annotation or canned.");
	if (!strcmp(kind, "canned")) {
		http_get_header(req, "x-canned-name:", header, sizeof(header));
		pct_decode(header, canned_name, sizeof(canned_name));
		if (!canned_name_is_valid(canned_name))
			return refuse(req, 400, "bad_request", "X-Canned-Name must be 1-40 characters "
				      "on one line (percent-encoded UTF-8).");
	}
	cap = !strcmp(kind, "image") || !strcmp(kind, "canned") ? app->cfg->max_image_bytes :
	      !strcmp(kind, "annotation") ? ANNOTATION_MAX : app->cfg->max_file_bytes;
	http_get_header(req, "content-length:", len_text, sizeof(len_text));
	len = strtoull(len_text, NULL, 10);
	/* A POST without Content-Length never gets here: net/ answers 411 length_required. */
	if (!len)
		return refuse(req, 400, "empty", "The file is empty.");
	if (len > cap) {
		snprintf(header, sizeof(header), "The file is over the limit of %zu MB.", cap >> 20);
		return refuse(req, 413, "too_large", header);
	}
	/* Who may post into this chat? */
	chat = caller_chat(req, public_id, &author);
	if (!chat)
		return refuse(req, 404, "not_found", "No such chat.");
	if (author == AUTHOR_OPERATOR) {
		if (caller_check_csrf(req) < 0) {
			chat_ops_forget(app, chat);
			return refuse(req, 403, "csrf", "The request lacks a valid X-CSRF-Token.");
		}
	}
	rc = chat_may_write(chat, author, caller_of(req)->op.id);
	if (rc < 0) {
		chat_ops_forget(app, chat);
		req->close_after = true; /* do not read a body we refused */
		http_refuse(req, rc, NULL);
		return true;
	}

	if (app->upload_bytes + (size_t)len > UPLOADS_MEMORY_MAX) {
		chat_ops_forget(app, chat);
		http_header(req, "retry-after:", "5");
		return refuse(req, 503, "busy", "The server is receiving many files; try again shortly.");
	}
	u = xcalloc(1, sizeof(*u));
	u->app = app;
	u->req = req;
	u->chat = chat;
	chat->pins++;
	u->author = author;
	u->operator_id = author == AUTHOR_OPERATOR ? caller_of(req)->op.id : 0;
	snprintf(u->sender, sizeof(u->sender), "%s",
		 author == AUTHOR_OPERATOR ? caller_of(req)->op.name : chat->guest_name);
	u->is_canned = !strcmp(kind, "canned");
	u->is_image = !strcmp(kind, "image") || u->is_canned;
	str_copy(u->canned_name, sizeof(u->canned_name), canned_name);
	u->is_annotation = !strcmp(kind, "annotation");
	if (u->is_image && author == AUTHOR_OPERATOR) {
		http_get_header(req, "x-parent:", u->parent, sizeof(u->parent));
		http_get_header(req, "x-annotation:", u->annotation, sizeof(u->annotation));
	}
	http_get_header(req, "x-client-id:", u->cid, sizeof(u->cid));
	if (u->cid[0] && !str_is_token(u->cid, WS_ID_MAX, "_.:-"))
		u->cid[0] = '\0';
	http_get_header(req, "x-file-name:", header, sizeof(header));
	clean_filename(header, u->name, NAME_MAX_BYTES, u->is_image ? "snapshot" : "file");
	http_get_header(req, "x-alt:", header, sizeof(header));
	pct_decode(header, u->alt, sizeof(u->alt));
	text_clean_line(u->alt, u->alt, sizeof(u->alt));
	if (utf8_count(u->alt, strlen(u->alt)) > ALT_MAX)
		u->alt[0] = '\0';
	http_get_header(req, "content-type:", header, sizeof(header));
	header[strcspn(header, "; ")] = '\0';
	str_copy(u->mime, sizeof(u->mime),
		 str_is_token(header, 100, "/.+-") && strchr(header, '/') ? header
									   : "application/octet-stream");
	caller_of(req)->upload = u;
	http_body_expect(req, (size_t)len);
	app->upload_bytes += (size_t)len;
	return false;
}

void uploads_release(struct http_req *req)
{
	struct caller *who = req->user;
	struct upload *u = who ? who->upload : NULL;

	if (!u)
		return;
	who->upload = NULL;
	u->app->upload_bytes -= req->body_cap;
	media_image_release(&u->img);
	u->chat->pins--;
	chat_ops_forget(u->app, u->chat);
	free(u);
}

/* ---- the work ---------------------------------------------------------------------- */

static void upload_run(struct work *work)
{
	struct upload *u = container_of(work, struct upload, work);
	const char *dir = u->app->cfg->data_dir;
	struct media_limits lim = { u->app->cfg->max_image_bytes, u->app->cfg->max_image_pixels };
	struct http_req *req = u->req;

	if (u->is_annotation) {
		json_t *doc = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, NULL);

		u->rc = json_is_object(doc) ? 0 : -EBADMSG;
		json_decref(doc);
		if (u->rc < 0)
			return;
	}
	if (!u->is_image) {
		u->size = req->body_len;
		u->rc = blobs_put(dir, req->body, req->body_len, u->hash);
		return;
	}
	u->rc = media_ingest(req->body, req->body_len, &lim, &u->img);
	if (u->rc < 0)
		return;
	u->size = u->img.full.len;
	u->rc = blobs_put(dir, u->img.full.data, u->img.full.len, u->hash);
	if (!u->rc)
		u->rc = blobs_put(dir, u->img.thumb.data, u->img.thumb.len, u->thumb);
}

/*
 * Writer thread.  The worker's blobs_put() may have found the file just
 * before a removal took it: blobs_keep() makes sure each file is there
 * before the row that names it (the invariant is in media/blobs.h).
 */
static int upload_rows(struct store *st, void *arg)
{
	struct upload *u = arg;
	const char *dir = u->app->cfg->data_dir;
	char thumb_name[NAME_MAX_BYTES + 32];
	int rc;

	/* Another process removing one of these files waits for this commit, or this for its. */
	rc = store_blob_lock(st, u->hash);
	if (!rc && u->is_image)
		rc = store_blob_lock(st, u->thumb);
	if (rc < 0)
		return rc;
	if (!u->is_image) {
		rc = blobs_keep(dir, u->hash, u->req->body, u->req->body_len);
		if (rc < 0)
			return rc;
	}
	if (u->is_annotation)
		return store_chat_blob_add(st, u->chat->id, u->hash, "application/json",
					   (int64_t)u->size, "annotation.json");
	/*
	 * A blob's recorded type is the one it is served as.  A file's declared
	 * type is only words for the event (a file picker calls any ".png"
	 * "image/png"): the file is recorded, and served, as plain bytes.
	 */
	if (!u->is_image)
		return store_chat_blob_add(st, u->chat->id, u->hash, "application/octet-stream",
					   (int64_t)u->size, u->name);
	rc = blobs_keep(dir, u->hash, u->img.full.data, u->img.full.len);
	if (!rc)
		rc = blobs_keep(dir, u->thumb, u->img.thumb.data, u->img.thumb.len);
	if (!rc)
		rc = store_chat_blob_add(st, u->chat->id, u->hash, u->img.full.mime,
					 (int64_t)u->size, u->name);
	snprintf(thumb_name, sizeof(thumb_name), "thumbnail-%s", u->name);
	if (!rc)
		rc = store_chat_blob_add(st, u->chat->id, u->thumb, u->img.thumb.mime,
					 (int64_t)u->img.thumb.len, thumb_name);
	return rc;
}

/* ---- removing files no chat reads ------------------------------------------------ */

struct blob_removal {
	struct store_op op;
	const char *data_dir;
	char (*hash)[BLOB_HASH_HEX];
	size_t n;
};

/* Writer thread: under the write lock no row naming a file appears between check and unlink. */
static int removal_apply(struct store *st, struct store_op *op)
{
	struct blob_removal *r = container_of(op, struct blob_removal, op);
	size_t i;

	for (i = 0; i < r->n; i++)
		if (blobs_remove_unused(st, r->data_dir, r->hash[i]) < 0)
			log_warn("uploads: could not remove blob %.12s…", r->hash[i]);
	return 0;
}

static void removal_done(struct store_op *op, int rc)
{
	struct blob_removal *r = container_of(op, struct blob_removal, op);

	if (rc < 0)
		log_warn("uploads: %zu unread files stay on disk (refdesk admin purge sweeps them)",
			 r->n);
	free(r->hash);
	free(r);
}

void uploads_remove_unused(struct app *app, char (*hash)[BLOB_HASH_HEX], size_t n)
{
	struct blob_removal *r;
	size_t i;

	if (!n) {
		free(hash);
		return;
	}
	if (writer_is_stopping(app->writer)) {
		/* The writer thread has ended, so nothing adds a row any more. */
		for (i = 0; i < n; i++)
			blobs_remove_unused(app->st, app->cfg->data_dir, hash[i]);
		free(hash);
		return;
	}
	r = xcalloc(1, sizeof(*r));
	r->data_dir = app->cfg->data_dir;
	r->hash = hash;
	r->n = n;
	r->op.apply = removal_apply;
	r->op.done = removal_done;
	app_submit(app, &r->op);
}

static void upload_posted(void *arg, int rc, int64_t seq, bool dup)
{
	struct upload *u = arg;
	struct http_req *req = u->req;

	if (rc < 0) {
		http_refuse(req, -EIO, NULL);
		return;
	}
	if (!dup) {
		if (u->is_image)
			u->app->metrics.uploads_image++;
		else
			u->app->metrics.uploads_file++;
	}
	http_json(req, 200, json_pack("{s:s, s:s, s:I, s:b, s:s, s:s?}", "type", "ack",
				      "chat", u->chat->public_id, "seq", (json_int_t)seq,
				      "duplicate", dup, "blob", u->hash,
				      "thumb", u->is_image ? u->thumb : NULL));
}

static json_t *event_body(struct upload *u)
{
	char alt[ALT_MAX * 4 + 400];

	if (!u->is_image)
		return json_pack("{s:s, s:s, s:s, s:I, s:s?}", "blob", u->hash, "file_name", u->name,
				 "mime", u->mime, "size", (json_int_t)u->size,
				 "name", u->sender[0] ? u->sender : NULL);
	if (u->alt[0])
		snprintf(alt, sizeof(alt), "%s", u->alt);
	else if (u->author == AUTHOR_GUEST)
		snprintf(alt, sizeof(alt), "Screenshot from the guest, %d\u00d7%d", u->img.full.width,
			 u->img.full.height);
	else
		snprintf(alt, sizeof(alt), "Image from %s, %d\u00d7%d", u->sender, u->img.full.width,
			 u->img.full.height);
	return json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:I, s:s, s:s, s:s?, s:s?, s:s?}",
			 "blob", u->hash, "thumb", u->thumb, "mime", u->img.full.mime,
			 "width", u->img.full.width, "height", u->img.full.height,
			 "thumb_width", u->img.thumb.width, "thumb_height", u->img.thumb.height,
			 "size", (json_int_t)u->size, "file_name", u->name, "alt", alt,
			 "name", u->sender[0] ? u->sender : NULL,
			 "parent", u->parent[0] ? u->parent : NULL,
			 "annotation", u->annotation[0] ? u->annotation : NULL);
}

/* Our re-encoding may change the type (GIF -> PNG, WebP -> JPEG): make the name say so. */
static void fix_extension(struct upload *u)
{
	const char *ext = !strcmp(u->img.full.mime, "image/png") ? ".png" : ".jpg";
	char *dot = strrchr(u->name, '.');

	if (dot && dot != u->name)
		*dot = '\0';
	if (strlen(u->name) + strlen(ext) < sizeof(u->name))
		strcat(u->name, ext);
}

/* An edited image may point only at blobs of its own chat. */
static bool links_are_ours(struct upload *u)
{
	struct store_blob b;

	if (u->parent[0] && (!blobs_hash_is_valid(u->parent) ||
			     store_chat_blob_get(u->app->st, u->chat->id, u->parent, &b) < 0))
		return false;
	if (u->annotation[0] && (!blobs_hash_is_valid(u->annotation) ||
				 store_chat_blob_get(u->app->st, u->chat->id, u->annotation, &b) < 0 ||
				 strcmp(b.mime, "application/json")))
		return false;
	return true;
}

static int blob_row_apply(struct store *st, struct api_write *w)
{
	return upload_rows(st, w->ctx);
}

static void blob_row_done(struct api_write *w, int rc)
{
	struct upload *u = w->ctx;

	if (rc < 0)
		http_refuse(w->req, -EIO, NULL);
	else
		http_json(w->req, 200, json_pack("{s:s, s:s}", "chat", u->chat->public_id,
						  "blob", u->hash));
}

/* Commit just the blob's row (no event) and answer with its hash. */
static void api_submit_blob(struct upload *u)
{
	struct api_write *w = api_write_new(u->req);

	w->ctx = u;
	api_submit(w, blob_row_apply, blob_row_done);
}

/* Keep the image as the account's canned snapshot (canned_snapshots.c answers). */
static void upload_save_canned(struct upload *u)
{
	struct canned_snapshot_save *s = xcalloc(1, sizeof(*s));
	struct store_canned_snap *c = &s->snap;

	c->account_id = caller_of(u->req)->op.account_id;
	c->operator_id = u->operator_id;
	str_copy(c->name, sizeof(c->name), u->canned_name);
	str_copy(c->blob, sizeof(c->blob), u->hash);
	str_copy(c->thumb, sizeof(c->thumb), u->thumb);
	str_copy(c->annotation, sizeof(c->annotation), u->annotation);
	str_copy(c->mime, sizeof(c->mime), u->img.full.mime);
	str_copy(c->thumb_mime, sizeof(c->thumb_mime), u->img.thumb.mime);
	c->width = u->img.full.width;
	c->height = u->img.full.height;
	c->thumb_width = u->img.thumb.width;
	c->thumb_height = u->img.thumb.height;
	c->size = (int64_t)u->size;
	c->thumb_size = (int64_t)u->img.thumb.len;
	str_copy(c->file_name, sizeof(c->file_name), u->name);
	if (u->alt[0])
		str_copy(c->alt, sizeof(c->alt), u->alt);
	else
		snprintf(c->alt, sizeof(c->alt), "%s, %d\u00d7%d", u->canned_name,
			 u->img.full.width, u->img.full.height);
	s->full = u->img.full.data;
	s->full_len = u->img.full.len;
	s->thumb = u->img.thumb.data;
	s->thumb_len = u->img.thumb.len;
	canned_snapshots_save(u->req, s);
}

static void upload_done(struct work *work)
{
	struct upload *u = container_of(work, struct upload, work);
	struct http_req *req = u->req;
	int rc = u->rc;
	json_t *body;

	switch (rc) {
	case 0:
		break;
	case -EINVAL:
		http_error(req, 415, "not_image",
			   "That is not a PNG, JPEG, WebP or GIF image (SVG is not accepted).");
		return;
	case -E2BIG:
		http_error(req, 413, "too_many_pixels", "The image has too many pixels.");
		return;
	case -EFBIG:
		http_error(req, 413, "too_large", "The file is over the limit.");
		return;
	case -EBADMSG:
		http_error(req, 400, "corrupt", u->is_annotation ?
			   "An annotation document is a JSON object." :
			   "The image is damaged or incomplete.");
		return;
	default:
		http_error(req, 507, "storage", "The server could not store the file.");
		return;
	}
	if (u->is_annotation) {
		/* Stored for the editor to open again; the edited image's event names it. */
		api_submit_blob(u);
		return;
	}
	if (!links_are_ours(u)) {
		http_error(req, 400, "bad_request",
			   "X-Parent and X-Annotation name blobs of this chat.");
		return;
	}
	if (u->is_image)
		fix_extension(u);
	if (u->is_canned) {
		upload_save_canned(u);
		return;
	}
	body = event_body(u);
	if (!body) {
		/* A declared type or name that is not valid UTF-8 cannot be stored as JSON. */
		http_error(req, 400, "bad_request", "The upload's type or name is not valid text.");
		return;
	}
	rc = chat_ops_post(u->app, u->chat, u->author, u->operator_id,
			   u->is_image ? "snapshot" : "file", body, u->cid[0] ? u->cid : NULL,
			   upload_rows, upload_posted, u);
	if (rc < 0)
		http_refuse(req, rc, NULL);
}

static void post_upload(struct http_req *req, HTTP_PARAMS)
{
	struct upload *u = caller_of(req)->upload;

	(void)params;
	if (!u) {
		http_refuse(req, -ENOENT, "No such chat.");
		return;
	}
	u->work.run = upload_run;
	u->work.done = upload_done;
	http_hold(req);
	if (workq_submit(req_app(req)->workq, &u->work) < 0) {
		http_header(req, "retry-after:", "1");
		http_error(req, 503, "busy", "The server is busy; try again in a moment.");
	}
}

/* ---- serving ------------------------------------------------------------------------- */

/* Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266). */
static void disposition(struct http_req *req, const char *how, const char *name)
{
	char ascii[NAME_MAX_BYTES + 1], pct[NAME_MAX_BYTES * 3 + 1], out[NAME_MAX_BYTES * 5 + 64];
	size_t i, a = 0, p = 0;

	for (i = 0; name[i] && a < NAME_MAX_BYTES; i++) {
		unsigned char c = (unsigned char)name[i];
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || strchr("._-", c);

		ascii[a++] = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? (char)c : '_';
		if (plain)
			pct[p++] = (char)c;
		else
			p += (size_t)snprintf(pct + p, sizeof(pct) - p, "%%%02X", c);
	}
	ascii[a] = pct[p] = '\0';
	snprintf(out, sizeof(out), "%s; filename=\"%s\"; filename*=UTF-8''%s", how, ascii, pct);
	http_header(req, "content-disposition:", out);
}

static void get_blob(struct http_req *req, HTTP_PARAMS)
{
	enum event_author author;
	struct store_blob b;
	struct chat_live *chat;
	char path[4096];
	struct stat sb;
	bool image;
	char *data;
	int fd;

	chat = caller_chat(req, params[0], &author);
	if (!chat || !blobs_hash_is_valid(params[1]) ||
	    store_chat_blob_get(req_app(req)->st, chat->id, params[1], &b) < 0 ||
	    blobs_path(req_app(req)->cfg->data_dir, b.hash, path, sizeof(path)) < 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (chat)
			chat_ops_forget(req->app, chat);
		http_refuse(req, -ENOENT, "Nothing here.");
		return;
	}
	chat_ops_forget(req->app, chat);
	if (fstat(fd, &sb) < 0 || sb.st_size > (off_t)req_app(req)->cfg->max_file_bytes * 2) {
		close(fd);
		http_refuse(req, -ENOENT, "Nothing here.");
		return;
	}
	data = read_exactly(fd, (size_t)sb.st_size);
	close(fd);
	if (!data) {
		http_error(req, 500, "io", "The file could not be read.");
		return;
	}
	/*
	 * Only our own re-encoded images are shown inline; everything else
	 * downloads.  Only the image pipeline records these types (upload_rows()).
	 */
	image = !strcmp(b.mime, "image/png") || !strcmp(b.mime, "image/jpeg");
	req->policy = POLICY_BLOB;
	http_header(req, "cache-control:", "private, max-age=31536000, immutable");
	disposition(req, image ? "inline" : "attachment", b.name);
	http_respond(req, 200, image ? (!strcmp(b.mime, "image/png") ? "image/png" : "image/jpeg")
				     : "application/octet-stream",
		     data, (size_t)sb.st_size);
}

const struct http_route uploads_routes[] = {
	{ HTTP_POST, "/api/chats/*/uploads", 0, uploads_precheck, post_upload },
	{ HTTP_GET, "/api/chats/*/blobs/*", 0, NULL, get_blob },
};
const size_t uploads_nroutes = ARRAY_SIZE(uploads_routes);

void uploads_print_limits(FILE *out, const struct app_config *cfg)
{
	limit_print(out, "image_bytes", (double)cfg->max_image_bytes, "bytes",
		    "an uploaded image (--max-image-mb)");
	limit_print(out, "file_bytes", (double)cfg->max_file_bytes, "bytes",
		    "another uploaded file (--max-file-mb)");
	limit_print(out, "image_pixels", (double)cfg->max_image_pixels, "pixels",
		    "an image, read from its header before decoding (--max-image-megapixels)");
	limit_print(out, "upload_rate", cfg->upload_rate, "per_s", "uploads per chat (--upload-rate)");
	limit_print(out, "upload_burst", cfg->upload_burst, "uploads", "burst of uploads per chat (--upload-burst)");
	limit_print(out, "annotation_bytes", ANNOTATION_MAX, "bytes", "an editor document");
	limit_print(out, "alt_chars", ALT_MAX, "chars", "an image's description (X-Alt)");
	limit_print(out, "file_name_bytes", NAME_MAX_BYTES, "bytes", "a cleaned file name (X-File-Name)");
	limit_print(out, "uploads_memory", (double)UPLOADS_MEMORY_MAX, "bytes",
		    "upload bodies arriving at once, all chats together");
	limit_print(out, "thumb_width", MEDIA_THUMB_WIDTH, "px", "a thumbnail's box");
	limit_print(out, "thumb_height", MEDIA_THUMB_HEIGHT, "px", "a thumbnail's box");
}
