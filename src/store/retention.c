/*
 * retention.c - queues' retention rules and the purge's deletions (store.h).
 *
 * How it works: a rule is one row per queue (none: the defaults, which the
 * caller supplies).  store_purge_queue() does one small batch for one queue
 * inside the caller's transaction: first whole transcripts that are due
 * (store_chat_delete_transcript(), as a manual deletion), then images and
 * files, then guests' names, each found through its partial index on
 * (queue_id, ended_at) -- and through chat_queues for the chats a transfer
 * took away from the queue -- and taken oldest first, at most `max_chats`
 * chats in all.  The server runs it as one writer op per batch, so an op of a chat
 * waits behind at most one batch; the command line in a transaction per
 * batch.  Statements are prepared per call: a purge is rare.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "store/store_int.h"

int store_retention_get(struct store *st, int64_t queue_id, struct store_retention *out)
{
	static const char sql[] = "SELECT text_days, files_days, keep_names, updated_at "
				  "FROM retention WHERE queue_id = ?1";
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), sql, &s) < 0)
		return store_fail(st, "prepare retention");
	db_bind_int64(s, 1, queue_id);
	rc = db_step(s);
	if (rc == DB_ROW) {
		out->queue_id = queue_id;
		out->text_days = db_column_int(s, 0);
		out->files_days = db_column_int(s, 1);
		out->keep_names = db_column_int(s, 2) != 0;
		out->updated_at = db_column_int64(s, 3);
		rc = 0;
	} else {
		rc = rc == DB_DONE ? -ENOENT : store_fail(st, "read retention");
	}
	db_finalize(s);
	return rc;
}

int store_retention_set(struct store *st, const struct store_retention *r)
{
	static const char sql[] =
	    "INSERT INTO retention(queue_id, text_days, files_days, keep_names, "
	    "updated_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(queue_id) DO "
	    "UPDATE SET text_days = ?2, files_days = ?3, keep_names = ?4, updated_at = ?5";
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), sql, &s) < 0)
		return store_fail(st, "prepare retention");
	db_bind_int64(s, 1, r->queue_id);
	db_bind_int(s, 2, r->text_days);
	db_bind_int(s, 3, r->files_days);
	db_bind_int(s, 4, r->keep_names);
	db_bind_int64(s, 5, r->updated_at);
	rc = db_step(s) == DB_DONE ? 0 : store_fail(st, "set retention");
	db_finalize(s);
	return rc;
}

/* ---- the purge ------------------------------------------------------------------ */

struct ids {
	int64_t v[STORE_PURGE_BATCH_MAX];
	int n;
};

/* The ids of at most `max` ended chats of the queue that `sql` (?1 queue, ?2 cut-off, ?3 limit)
 * finds. */
static int due(struct store *st, const char *sql, int64_t queue_id, int64_t before, int max,
	       struct ids *out)
{
	struct db_stmt *s;
	int rc;

	out->n = 0;
	if (max <= 0)
		return 0;
	if (db_prepare(store_db(st), sql, &s) < 0)
		return store_fail(st, "find chats to purge");
	db_bind_int64(s, 1, queue_id);
	db_bind_int64(s, 2, before);
	db_bind_int(s, 3, max);
	while ((rc = db_step(s)) == DB_ROW && out->n < STORE_PURGE_BATCH_MAX)
		out->v[out->n++] = db_column_int64(s, 0);
	rc = rc == DB_DONE || rc == DB_ROW ? 0 : store_fail(st, "find chats to purge");
	db_finalize(s);
	return rc;
}

/* Run `sql` with ?1 = chat_id (and ?2 = `at`); *changes gets the rows it changed. */
static int run(struct store *st, const char *sql, int64_t chat_id, int64_t at, int *changes)
{
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), sql, &s) < 0)
		return store_fail(st, "purge");
	db_bind_int64(s, 1, chat_id);
	/* Only some of them have ?2: binding a number past the last does nothing. */
	db_bind_int64(s, 2, at);
	rc = db_step(s) == DB_DONE ? 0 : store_fail(st, "purge");
	if (changes)
		*changes = db_changes(store_db(st));
	db_finalize(s);
	return rc;
}

struct hash_list {
	char (*v)[65];
	int n;
};

struct orphan_count {
	int (*orphan)(void *ctx, const char *hash);
	void *ctx;
	int n;
};

static int count_orphan(void *arg, const char *hash)
{
	struct orphan_count *o = arg;

	o->n++;
	return o->orphan ? o->orphan(o->ctx, hash) : 0;
}

/*
 * Forget which blobs chat `id` reads; a blob no chat reads any more (and
 * no canned snapshot needs) loses its row and is reported.  Returns how many links went, or an error.
 */
static int unlink_blobs(struct store *st, int64_t id, struct orphan_count *oc)
{
	struct hash_list h = {NULL, 0};
	struct db_stmt *s, *d = NULL;
	char hash[65];
	int rc, links = 0;

	if (db_prepare(store_db(st),
		       "DELETE FROM chat_blobs WHERE chat_id = ?1 RETURNING hash", &s) < 0)
		return store_fail(st, "purge files");
	db_bind_int64(s, 1, id);
	/* Collect the hashes first: a blob's row may go only once no link is left. */
	while ((rc = db_step(s)) == DB_ROW) {
		h.v = xrealloc(h.v, (size_t)(h.n + 1) * sizeof(*h.v));
		store_copy_text(h.v[h.n++], sizeof(h.v[0]), s, 0);
	}
	rc = rc == DB_DONE ? 0 : store_fail(st, "purge files");
	db_finalize(s);
	if (!rc && h.n &&
	    db_prepare(store_db(st),
		       "DELETE FROM blobs WHERE hash = ?1 AND "
		       "NOT EXISTS (SELECT 1 FROM chat_blobs WHERE hash = ?1) AND "
		       "NOT EXISTS (SELECT 1 FROM canned_blobs WHERE hash = ?1)", &d) < 0)
		rc = store_fail(st, "purge blobs");
	for (links = 0; !rc && links < h.n; links++) {
		str_copy(hash, sizeof(hash), h.v[links]);
		db_reset(d);
		db_bind_text(d, 1, hash);
		if (db_step(d) != DB_DONE)
			rc = store_fail(st, "purge blobs");
		else if (db_changes(store_db(st)) > 0)
			rc = count_orphan(oc, hash);
	}
	db_finalize(d);
	free(h.v);
	return rc < 0 ? rc : links;
}

/*
 * A chat's images and files: the links and unread blobs go, and each
 * snapshot or file event becomes a notice that something was removed, so
 * the transcript still reads in order and names no file.
 */
static int purge_files(struct store *st, int64_t id, int64_t at, struct orphan_count *oc,
		       bool *changed)
{
	int links, events = 0, rc;

	*changed = false;
	links = unlink_blobs(st, id, oc);
	if (links < 0)
		return links;
	/* The counts first: the snapshots stay counted when they become notices. */
	rc = run(st, "UPDATE chats SET " STORE_TALLY_ALL " WHERE id = ?1 AND " STORE_UNTALLIED_ANY,
		 id, 0, NULL);
	if (!rc)
		rc = run(st, "UPDATE events SET kind = 'notice', body = '{\"notice\":\"removed\","
			 "\"what\":\"' || kind || '\"}' WHERE chat_id = ?1 AND kind IN ('snapshot', 'file')",
			 id, 0, &events);
	if (!rc)
		rc = run(st, "UPDATE chats SET files_purged_at = ?2 WHERE id = ?1", id, at, NULL);
	*changed = links > 0 || events > 0;
	return rc;
}

/* A guest's name: in the chat's row, on the guest's events and in the "started" notice. */
static int purge_name(struct store *st, int64_t id)
{
	int rc =
	    run(st,
		"UPDATE events SET body = json_remove(body, '$.name') WHERE chat_id = ?1 "
		"AND json_valid(body) AND json_type(body, '$.name') IS NOT NULL AND (author = 1 "
		"OR (kind = 'notice' AND json_extract(body, '$.notice') = 'started'))",
		id, 0, NULL);

	return rc ? rc : run(st, "UPDATE chats SET guest_name = NULL WHERE id = ?1", id, 0, NULL);
}

/*
 * The queue's follow-ups under the same rule: a whole row goes once its
 * answer (or, unanswered, its question) is older than the text's keep time;
 * the patron's name of one that is settled (answered, not delivered, or its
 * address erased) once older than names_before.  A row whose answer is in
 * the outbox (status 1) waits for its mail.  At most the batch's rest.
 */
static int purge_followups(struct store *st, struct store_purge *p, int *done)
{
	static const char del_sql[] =
	    "DELETE FROM followups WHERE id IN (SELECT id FROM followups WHERE queue_id = ?1 "
	    "AND (status >= 2 OR email IS NULL) AND coalesce(answered_at, created_at) < ?2 "
	    "ORDER BY id LIMIT ?3)";
	static const char name_sql[] =
	    "UPDATE followups SET guest_name = NULL WHERE id IN (SELECT id FROM followups "
	    "WHERE queue_id = ?1 AND guest_name IS NOT NULL AND (status >= 2 OR email IS NULL) "
	    "AND coalesce(answered_at, created_at) < ?2 ORDER BY id LIMIT ?3)";
	const char *sql[2] = {del_sql, name_sql};
	int64_t before[2] = {p->text_before, p->names_before};
	int *count[2] = {&p->n_followups, &p->n_names};
	struct db_stmt *s;
	int i, n;

	for (i = 0; i < 2 && *done < p->max_chats; i++) {
		if (db_prepare(store_db(st), sql[i], &s) < 0)
			return store_fail(st, "purge follow-ups");
		db_bind_int64(s, 1, p->queue_id);
		db_bind_int64(s, 2, before[i]);
		db_bind_int(s, 3, p->max_chats - *done);
		if (db_step(s) != DB_DONE) {
			db_finalize(s);
			return store_fail(st, "purge follow-ups");
		}
		n = db_changes(store_db(st));
		db_finalize(s);
		*count[i] += n;
		*done += n;
	}
	return 0;
}

int store_purge_queue(struct store *st, struct store_purge *p,
		      int (*orphan)(void *ctx, const char *hash), void *ctx)
{
	/*
	 * The chats now in the queue, and those a transfer took away from it
	 * (chat_queues): each queue's purge applies its rule to both, so a chat
	 * that was in several queues loses each part at the stricter rule's time.
	 */
#define DUE(cond)                                                                                \
	"SELECT id, ended_at FROM chats WHERE queue_id = ?1 AND ended_at < ?2 "                  \
	"AND deleted_at IS NULL AND status = 2" cond " UNION "                                   \
	"SELECT id, ended_at FROM chat_queues q JOIN chats ON chats.id = q.chat_id "             \
	"WHERE q.queue_id = ?1 AND ended_at < ?2 AND deleted_at IS NULL AND status = 2" cond     \
	" ORDER BY ended_at LIMIT ?3"
	static const char text_sql[] = DUE("");
	static const char files_sql[] = DUE(" AND files_purged_at IS NULL");
	static const char names_sql[] = DUE(" AND guest_name IS NOT NULL");
#undef DUE
	struct orphan_count oc = {orphan, ctx, 0};
	int max = p->max_chats, done = 0, i, rc;
	struct ids ids;
	bool changed;

	p->n_text = p->n_files = p->n_names = p->n_blobs = p->n_followups = 0;
	p->more = false;
	if (max < 1 || max > STORE_PURGE_BATCH_MAX)
		return -EINVAL;
	rc = due(st, text_sql, p->queue_id, p->text_before, max, &ids);
	for (i = 0; !rc && i < ids.n; i++, done++, p->n_text++)
		rc = store_chat_delete_transcript(st, ids.v[i], p->at, count_orphan, &oc);
	if (!rc)
		rc = due(st, files_sql, p->queue_id, p->files_before, max - done, &ids);
	for (i = 0; !rc && i < ids.n; i++, done++) {
		rc = purge_files(st, ids.v[i], p->at, &oc, &changed);
		p->n_files += changed;
	}
	if (!rc)
		rc = due(st, names_sql, p->queue_id, p->names_before, max - done, &ids);
	for (i = 0; !rc && i < ids.n; i++, done++, p->n_names++)
		rc = purge_name(st, ids.v[i]);
	if (!rc)
		rc = purge_followups(st, p, &done);
	p->n_blobs = oc.n;
	p->more = done >= max;
	return rc;
}
