/*
 * canned_snapshots.c - canned snapshots (store.h): annotated images kept for
 * an account in `canned_snapshots`, and the blobs each needs in
 * `canned_blobs` (schema.c).
 *
 * How it works: an entry names its image, thumbnail and editor document
 * twice, as columns (to build a snapshot event from) and as canned_blobs
 * rows (to count references, beside chat_blobs).  Every removal of a blob
 * row checks both tables, so a blob goes only when no chat and no entry
 * needs it.  Statements are prepared per call: people save and send these
 * now and then, nothing here is on a hot path.  Ownership (the account) is
 * part of each write's WHERE clause, not only checked on the loop thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "store/store_int.h"

#define SNAP_COLS "id, account_id, operator_id, name, blob, thumb, coalesce(annotation, ''), " \
		  "mime, thumb_mime, width, height, thumb_width, thumb_height, size, file_name, " \
		  "alt, created_at, updated_at"

static void read_snap(struct db_stmt *s, struct store_canned_snap *c)
{
	c->id = db_column_int64(s, 0);
	c->account_id = db_column_int64(s, 1);
	c->operator_id = db_column_int64(s, 2);
	store_copy_text(c->name, sizeof(c->name), s, 3);
	store_copy_text(c->blob, sizeof(c->blob), s, 4);
	store_copy_text(c->thumb, sizeof(c->thumb), s, 5);
	store_copy_text(c->annotation, sizeof(c->annotation), s, 6);
	store_copy_text(c->mime, sizeof(c->mime), s, 7);
	store_copy_text(c->thumb_mime, sizeof(c->thumb_mime), s, 8);
	c->width = db_column_int(s, 9);
	c->height = db_column_int(s, 10);
	c->thumb_width = db_column_int(s, 11);
	c->thumb_height = db_column_int(s, 12);
	c->size = db_column_int64(s, 13);
	store_copy_text(c->file_name, sizeof(c->file_name), s, 14);
	store_copy_text(c->alt, sizeof(c->alt), s, 15);
	c->created_at = db_column_int64(s, 16);
	c->updated_at = db_column_int64(s, 17);
}

/* Prepare `sql`, or report the failure: NULL then. */
static struct db_stmt *prepare(struct store *st, const char *sql, const char *what)
{
	struct db_stmt *s;

	if (db_prepare(store_db(st), sql, &s) < 0) {
		store_fail(st, what);
		return NULL;
	}
	return s;
}

/* Step a statement that writes and finalize it; -ENOENT when it changed no row. */
static int run_write(struct store *st, struct db_stmt *s, const char *what)
{
	int rc = db_step(s);

	rc = rc == DB_DONE ? 0 : store_fail(st, what);
	if (!rc && db_changes(store_db(st)) == 0)
		rc = -ENOENT;
	db_finalize(s);
	return rc;
}

static int blob_row_add(struct store *st, const char *hash, const char *mime, int64_t size)
{
	/* As store_chat_blob_add(): bytes first sent as a plain file take the image's type. */
	struct db_stmt *s = prepare(st, "INSERT INTO blobs(hash, mime, size, created_at) "
				  "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(hash) DO UPDATE SET "
				  "mime = excluded.mime WHERE blobs.mime = 'application/octet-stream'",
				  "add blob");
	int rc;

	if (!s)
		return -EIO;
	db_bind_text(s, 1, hash);
	db_bind_text(s, 2, mime);
	db_bind_int64(s, 3, size);
	db_bind_int64(s, 4, time_now_ms());
	rc = db_step(s) == DB_DONE ? 0 : store_fail(st, "add blob");
	db_finalize(s);
	return rc;
}

static int link_add(struct store *st, int64_t id, const char *hash)
{
	struct db_stmt *s = prepare(st, "INSERT INTO canned_blobs(canned_id, hash) "
				  "VALUES (?1, ?2) ON CONFLICT DO NOTHING", "link canned blob");
	int rc;

	if (!s)
		return -EIO;
	db_bind_int64(s, 1, id);
	db_bind_text(s, 2, hash);
	rc = db_step(s) == DB_DONE ? 0 : store_fail(st, "link canned blob");
	db_finalize(s);
	return rc;
}

static int count_of_account(struct store *st, int64_t account_id, int64_t *n)
{
	struct db_stmt *s = prepare(st, "SELECT count(*) FROM canned_snapshots WHERE account_id = "
					"?1",
				  "count canned snapshots");
	int rc;

	if (!s)
		return -EIO;
	db_bind_int64(s, 1, account_id);
	rc = db_step(s);
	if (rc == DB_ROW)
		*n = db_column_int64(s, 0);
	rc = rc == DB_ROW ? 0 : store_fail(st, "count canned snapshots");
	db_finalize(s);
	return rc;
}

static int insert_entry(struct store *st, struct store_canned_snap *c)
{
	struct db_stmt *s = prepare(st, "INSERT INTO canned_snapshots(account_id, operator_id, "
					"name, "
				  "blob, thumb, annotation, mime, thumb_mime, width, height, "
				  "thumb_width, thumb_height, size, file_name, alt, created_at, "
				  "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, nullif(?6, ''), ?7, ?8, "
				  "?9, ?10, ?11, "
				  "?12, ?13, ?14, ?15, ?16, ?17) RETURNING id", "add canned "
										"snapshot");
	int rc;

	if (!s)
		return -EIO;
	c->created_at = c->updated_at = time_now_ms();
	db_bind_int64(s, 1, c->account_id);
	db_bind_int64(s, 2, c->operator_id);
	db_bind_text(s, 3, c->name);
	db_bind_text(s, 4, c->blob);
	db_bind_text(s, 5, c->thumb);
	db_bind_text(s, 6, c->annotation);
	db_bind_text(s, 7, c->mime);
	db_bind_text(s, 8, c->thumb_mime);
	db_bind_int(s, 9, c->width);
	db_bind_int(s, 10, c->height);
	db_bind_int(s, 11, c->thumb_width);
	db_bind_int(s, 12, c->thumb_height);
	db_bind_int64(s, 13, c->size);
	db_bind_text(s, 14, c->file_name);
	db_bind_text(s, 15, c->alt);
	db_bind_int64(s, 16, c->created_at);
	db_bind_int64(s, 17, c->updated_at);
	rc = store_run_insert(st, s, "add canned snapshot", &c->id);
	db_finalize(s);
	return rc;
}

int store_canned_snap_add(struct store *st, struct store_canned_snap *c, int max)
{
	int64_t n = 0;
	int rc = count_of_account(st, c->account_id, &n);

	if (!rc && n >= max)
		rc = -EDQUOT;
	if (!rc)
		rc = blob_row_add(st, c->blob, c->mime, c->size);
	if (!rc)
		rc = blob_row_add(st, c->thumb, c->thumb_mime, c->thumb_size);
	if (!rc)
		rc = insert_entry(st, c);
	if (!rc)
		rc = link_add(st, c->id, c->blob);
	if (!rc)
		rc = link_add(st, c->id, c->thumb);
	if (!rc && c->annotation[0])
		rc = link_add(st, c->id, c->annotation);
	return rc;
}

int store_canned_snap_get(struct store *st, int64_t id, int64_t account_id,
			  struct store_canned_snap *out)
{
	struct db_stmt *s = prepare(st, "SELECT " SNAP_COLS " FROM canned_snapshots "
				  "WHERE id = ?1 AND account_id = ?2", "get canned snapshot");
	int rc;

	if (!s)
		return -EIO;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, account_id);
	rc = db_step(s);
	if (rc == DB_ROW)
		read_snap(s, out);
	rc = rc == DB_ROW ? 0 : rc == DB_DONE ? -ENOENT : store_fail(st, "get canned snapshot");
	db_finalize(s);
	return rc;
}

int store_canned_snap_list(struct store *st, int64_t account_id,
			   int (*cb)(void *ctx, const struct store_canned_snap *c), void *ctx)
{
	struct db_stmt *s = prepare(st, "SELECT " SNAP_COLS " FROM canned_snapshots WHERE "
				  "account_id = ?1 ORDER BY name COLLATE NOCASE, id",
				  "list canned snapshots");
	struct store_canned_snap *c;
	int rc = 0, step;

	if (!s)
		return -EIO;
	db_bind_int64(s, 1, account_id);
	c = xmalloc(sizeof(*c)); /* 4 KiB of alt text: not on the loop thread's stack */
	while ((step = db_step(s)) == DB_ROW) {
		read_snap(s, c);
		if ((rc = cb(ctx, c)) != 0)
			break;
	}
	if (!rc && step != DB_DONE)
		rc = store_fail(st, "list canned snapshots");
	free(c);
	db_finalize(s);
	return rc;
}

int store_canned_snap_rename(struct store *st, int64_t id, int64_t account_id, const char *name)
{
	struct db_stmt *s = prepare(st, "UPDATE canned_snapshots SET name = ?1, updated_at = ?2 "
				  "WHERE id = ?3 AND account_id = ?4", "rename canned snapshot");

	if (!s)
		return -EIO;
	db_bind_text(s, 1, name);
	db_bind_int64(s, 2, time_now_ms());
	db_bind_int64(s, 3, id);
	db_bind_int64(s, 4, account_id);
	return run_write(st, s, "rename canned snapshot");
}

/* Drop blob `hash`'s row if no chat and no entry names it; 1 dropped, 0 kept, or an error. */
static int drop_if_unused(struct store *st, const char *hash)
{
	struct db_stmt *s = prepare(st, "DELETE FROM blobs WHERE hash = ?1 AND "
				  "NOT EXISTS (SELECT 1 FROM chat_blobs WHERE hash = ?1) AND "
				  "NOT EXISTS (SELECT 1 FROM canned_blobs WHERE hash = ?1)",
				  "delete blob");
	int rc;

	if (!s)
		return -EIO;
	db_bind_text(s, 1, hash);
	rc = db_step(s) == DB_DONE ? db_changes(store_db(st)) > 0
					    : store_fail(st, "delete blob");
	db_finalize(s);
	return rc;
}

int store_canned_snap_delete(struct store *st, int64_t id, int64_t account_id,
			     int (*orphan)(void *ctx, const char *hash), void *ctx)
{
	struct store_canned_snap *c = xmalloc(sizeof(*c));
	const char *hashes[3];
	struct db_stmt *s;
	int rc, i, n = 0;

	rc = store_canned_snap_get(st, id, account_id, c);
	if (rc < 0)
		goto out;
	hashes[n++] = c->blob;
	hashes[n++] = c->thumb;
	if (c->annotation[0])
		hashes[n++] = c->annotation;
	s = prepare(st, "DELETE FROM canned_blobs WHERE canned_id = ?1", "delete canned blobs");
	if (!s || (db_bind_int64(s, 1, id), db_step(s)) != DB_DONE)
		rc = s ? store_fail(st, "delete canned blobs") : -EIO;
	db_finalize(s);
	if (!rc && (s = prepare(st, "DELETE FROM canned_snapshots WHERE id = ?1 AND account_id = ?2",
				"delete canned snapshot"))) {
		db_bind_int64(s, 1, id);
		db_bind_int64(s, 2, account_id);
		rc = run_write(st, s, "delete canned snapshot");
	} else if (!rc) {
		rc = -EIO;
	}
	for (i = 0; !rc && i < n; i++) {
		int dropped = drop_if_unused(st, hashes[i]);

		if (dropped < 0)
			rc = dropped;
		else if (dropped && orphan)
			rc = orphan(ctx, hashes[i]);
	}
out:
	free(c);
	return rc;
}

int store_canned_snap_link_chat(struct store *st, int64_t id, int64_t account_id,
				int64_t chat_id, struct store_canned_snap *out)
{
	int rc = store_canned_snap_get(st, id, account_id, out);

	if (!rc)
		rc = store_chat_blob_add(st, chat_id, out->blob, out->mime, out->size,
					 out->file_name);
	if (!rc) {
		char name[STORE_CANNED_FILE_BYTES + 16];

		snprintf(name, sizeof(name), "thumbnail-%s", out->file_name);
		rc = store_chat_blob_add(st, chat_id, out->thumb, out->thumb_mime, 0, name);
	}
	if (!rc && out->annotation[0])
		rc = store_chat_blob_add(st, chat_id, out->annotation, "application/json", 0,
					 "annotation.json");
	return rc;
}
