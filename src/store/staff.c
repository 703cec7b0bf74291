/*
 * staff.c - staff notes and the staff room (store.h), in the `staff_notes`
 * and `staff_room` tables (schema.c, the staff migration).
 *
 * How it works: statements are prepared per call, as for saved replies; a
 * note or a room message is one person typing, not a hot path.  A note's
 * number is the chat's highest note number plus one, read inside the
 * writer's transaction: there is one writer, so two notes cannot take the
 * same number.  A retried client id is found by the unique index on
 * (chat or account, operator, cid) before anything is written.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "store/store_int.h"

/* Bind `cid`, or NULL for "" (notes without a client id are never merged). */
static void bind_cid(struct db_stmt *s, int col, const char *cid)
{
	if (cid[0])
		db_bind_text(s, col, cid);
	else
		db_bind_null(s, col);
}

/* Run a one-row SELECT of one or two integers; -ENOENT when there is no row. */
static int select_ints(struct store *st, struct db_stmt *s, int64_t *a, int64_t *b,
		       const char *what)
{
	int rc = db_step(s);

	if (rc == DB_ROW) {
		*a = db_column_int64(s, 0);
		if (b)
			*b = db_column_int64(s, 1);
		rc = 0;
	} else {
		rc = rc == DB_DONE ? -ENOENT : store_fail(st, what);
	}
	db_finalize(s);
	return rc;
}

static int run_step(struct store *st, struct db_stmt *s, const char *what)
{
	int rc = db_step(s) == DB_DONE ? 0 : store_fail(st, what);

	db_finalize(s);
	return rc;
}

/* ---- notes ------------------------------------------------------------------- */

static int note_earlier(struct store *st, struct store_note *n)
{
	struct db_stmt *s;

	if (!n->cid[0])
		return -ENOENT;
	if (db_prepare(store_db(st), "SELECT seq, at FROM staff_notes WHERE chat_id = ?1 "
		       "AND operator_id = ?2 AND cid = ?3", &s) < 0)
		return store_fail(st, "find note");
	db_bind_int64(s, 1, n->chat_id);
	db_bind_int64(s, 2, n->operator_id);
	db_bind_text(s, 3, n->cid);
	return select_ints(st, s, &n->seq, &n->at, "find note");
}

int store_note_add(struct store *st, struct store_note *n)
{
	struct db_stmt *s;
	int64_t last = 0;
	int rc;

	rc = note_earlier(st, n);
	if (rc != -ENOENT)
		return rc < 0 ? rc : 1;
	if (db_prepare(store_db(st), "SELECT coalesce(max(seq), 0) FROM staff_notes "
		       "WHERE chat_id = ?1", &s) < 0)
		return store_fail(st, "number note");
	db_bind_int64(s, 1, n->chat_id);
	rc = select_ints(st, s, &last, NULL, "number note");
	if (rc < 0)
		return rc;
	n->seq = last + 1;
	if (db_prepare(store_db(st), "INSERT INTO staff_notes(chat_id, seq, operator_id, "
		       "name, cid, text, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &s) < 0)
		return store_fail(st, "add note");
	db_bind_int64(s, 1, n->chat_id);
	db_bind_int64(s, 2, n->seq);
	db_bind_int64(s, 3, n->operator_id);
	db_bind_text(s, 4, n->name);
	bind_cid(s, 5, n->cid);
	db_bind_text(s, 6, n->text);
	db_bind_int64(s, 7, n->at);
	return run_step(st, s, "add note");
}

int store_notes_of_chat(struct store *st, int64_t chat_id, int limit,
			int (*cb)(void *ctx, const struct store_note *n), void *ctx)
{
	struct store_note *n;
	struct db_stmt *s;
	int rc, stop = 0;

	if (db_prepare(store_db(st), "SELECT * FROM (SELECT seq, operator_id, name, "
		       "coalesce(cid, ''), text, at FROM staff_notes WHERE chat_id = ?1 "
		       "ORDER BY seq DESC LIMIT ?2) AS newest ORDER BY seq", &s) < 0)
		return store_fail(st, "list notes");
	db_bind_int64(s, 1, chat_id);
	db_bind_int(s, 2, limit);
	n = xmalloc(sizeof(*n)); /* 16 KB of text: not on the loop thread's stack */
	n->chat_id = chat_id;
	while ((rc = db_step(s)) == DB_ROW) {
		n->seq = db_column_int64(s, 0);
		n->operator_id = db_column_int64(s, 1);
		store_copy_text(n->name, sizeof(n->name), s, 2);
		store_copy_text(n->cid, sizeof(n->cid), s, 3);
		store_copy_text(n->text, sizeof(n->text), s, 4);
		n->at = db_column_int64(s, 5);
		stop = cb(ctx, n);
		if (stop)
			break;
	}
	rc = stop ? stop : rc == DB_DONE ? 0 : store_fail(st, "list notes");
	free(n);
	db_finalize(s);
	return rc;
}

/* ---- the staff room ---------------------------------------------------------- */

static int room_earlier(struct store *st, struct store_room_message *m)
{
	struct db_stmt *s;
	int rc;

	if (!m->cid[0])
		return -ENOENT;
	if (db_prepare(store_db(st), "SELECT id, at, name, text FROM staff_room "
		       "WHERE account_id = ?1 AND operator_id = ?2 AND cid = ?3", &s) < 0)
		return store_fail(st, "find room message");
	db_bind_int64(s, 1, m->account_id);
	db_bind_int64(s, 2, m->operator_id);
	db_bind_text(s, 3, m->cid);
	rc = db_step(s);
	if (rc == DB_ROW) {
		/* A retry is answered with the message as it was stored the first time. */
		m->id = db_column_int64(s, 0);
		m->at = db_column_int64(s, 1);
		store_copy_text(m->name, sizeof(m->name), s, 2);
		store_copy_text(m->text, sizeof(m->text), s, 3);
		rc = 0;
	} else {
		rc = rc == DB_DONE ? -ENOENT : store_fail(st, "find room message");
	}
	db_finalize(s);
	return rc;
}

int store_room_add(struct store *st, struct store_room_message *m)
{
	struct db_stmt *s;
	int rc;

	rc = room_earlier(st, m);
	if (rc != -ENOENT)
		return rc < 0 ? rc : 1;
	if (db_prepare(store_db(st), "INSERT INTO staff_room(account_id, operator_id, name, "
		       "cid, text, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id", &s) < 0)
		return store_fail(st, "add room message");
	db_bind_int64(s, 1, m->account_id);
	db_bind_int64(s, 2, m->operator_id);
	db_bind_text(s, 3, m->name);
	bind_cid(s, 4, m->cid);
	db_bind_text(s, 5, m->text);
	db_bind_int64(s, 6, m->at);
	rc = store_run_insert(st, s, "add room message", &m->id);
	db_finalize(s);
	return rc;
}

int store_room_recent(struct store *st, int64_t account_id, int64_t since, int limit,
		      int (*cb)(void *ctx, const struct store_room_message *m), void *ctx)
{
	struct store_room_message *m;
	struct db_stmt *s;
	int rc, stop = 0;

	if (db_prepare(store_db(st), "SELECT * FROM (SELECT id, operator_id, name, "
		       "coalesce(cid, ''), text, at FROM staff_room WHERE account_id = ?1 "
		       "AND at >= ?2 ORDER BY id DESC LIMIT ?3) AS newest ORDER BY id", &s) < 0)
		return store_fail(st, "list room");
	db_bind_int64(s, 1, account_id);
	db_bind_int64(s, 2, since);
	db_bind_int(s, 3, limit);
	m = xmalloc(sizeof(*m));
	m->account_id = account_id;
	while ((rc = db_step(s)) == DB_ROW) {
		m->id = db_column_int64(s, 0);
		m->operator_id = db_column_int64(s, 1);
		store_copy_text(m->name, sizeof(m->name), s, 2);
		store_copy_text(m->cid, sizeof(m->cid), s, 3);
		store_copy_text(m->text, sizeof(m->text), s, 4);
		m->at = db_column_int64(s, 5);
		stop = cb(ctx, m);
		if (stop)
			break;
	}
	rc = stop ? stop : rc == DB_DONE ? 0 : store_fail(st, "list room");
	free(m);
	db_finalize(s);
	return rc;
}

int store_room_purge(struct store *st, int64_t before, int *n)
{
	struct db_stmt *s;
	int rc;

	*n = 0;
	if (db_prepare(store_db(st), "DELETE FROM staff_room WHERE at < ?1", &s) < 0)
		return store_fail(st, "purge room");
	db_bind_int64(s, 1, before);
	rc = run_step(st, s, "purge room");
	if (!rc)
		*n = db_changes(store_db(st));
	return rc;
}
