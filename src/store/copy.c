/*
 * copy.c - a whole store copied into another (store_copy_all()) and the
 * two compared (store_compare()), for `refdesk admin migrate-store`.
 *
 * How it works: both stores are at their newest schema (store_open()
 * migrated them), and the two schemas have the same tables and columns
 * (schema_pg.c).  Each table is read with SELECT * in key order and
 * written row by row through one prepared INSERT naming the columns the
 * source gave, every value bound as the type it has, all inside one
 * transaction on the destination: a copy that fails leaves it empty.  Ids
 * are copied as they are; PostgreSQL's identity counters are then moved
 * past them.  SQLite's search index is not copied: PostgreSQL's is a
 * column computed from message_text (which SQLite keeps in the index's
 * own file: copied from there).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "store/store_int.h"

/* Every table, parents before children; `order` is its key, for reading in a fixed order. */
static const struct {
	const char *name, *order;
	bool identity; /* an id PostgreSQL numbers itself */
} tables[] = {
	{ "accounts", "id", true },
	{ "queues", "id", true },
	{ "operators", "id", true },
	{ "members", "queue_id, operator_id", false },
	{ "sessions", "token_hash", false },
	{ "chats", "id", false },
	{ "events", "chat_id, seq", false },
	{ "blobs", "hash", false },
	{ "chat_blobs", "chat_id, hash", false },
	{ "message_text", "id", false },
	{ "canned", "id", true },
	{ "audit", "id", true },
	{ "retention", "queue_id", false },
	{ "followups", "id", true },
	{ "chat_mailed", "chat_id", false },
	{ "chat_report", "chat_id", false },
	{ "report_hours", "account_id, queue_id, operator_id, day, hour", false },
	{ "report_times", "account_id, queue_id, operator_id, day, metric, bucket", false },
	{ "report_months", "account_id, queue_id, operator_id, month, metric, bucket", false },
	{ "operator_jids", "operator_id", false },
	{ "chat_queues", "queue_id, chat_id", false },
	{ "survey_questions", "queue_id, pos", false },
	{ "survey_answers", "chat_id, pos", false },
	{ "staff_notes", "chat_id, seq", false },
	{ "staff_room", "id", true },
	{ "canned_snapshots", "id", true },
	{ "canned_blobs", "canned_id, hash", false },
	{ "desk_accounts", "account_id", false },
	{ "desk_queues", "queue_id", false },
	{ "signin_failures", "username, at", false },
};

/* Bind column `col` of the source's row to parameter `col + 1` of `ins`, as the type it has. */
static void bind_like(struct db_stmt *ins, struct db_stmt *row, int col)
{
	const void *p;
	size_t n;

	switch (db_column_type(row, col)) {
	case DB_NULL:
		db_bind_null(ins, col + 1);
		break;
	case DB_INTEGER:
		db_bind_int64(ins, col + 1, db_column_int64(row, col));
		break;
	case DB_BLOB:
		p = db_column_blob(row, col, &n);
		db_bind_blob(ins, col + 1, p, n);
		break;
	default:
		db_bind_text(ins, col + 1, db_column_text(row, col));
		break;
	}
}

/* The INSERT for the columns `row` has. */
static int prepare_insert(struct db *to, const char *table, struct db_stmt *row,
			  struct db_stmt **out)
{
	char sql[4096], vals[1024];
	size_t len, vlen = 0;
	int i, n = db_column_count(row);

	len = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s(", table);
	for (i = 0; i < n && len < sizeof(sql) && vlen < sizeof(vals); i++) {
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s%s", i ? ", " : "",
					db_column_name(row, i));
		vlen += (size_t)snprintf(vals + vlen, sizeof(vals) - vlen, "%s?%d", i ? ", " : "", i + 1);
	}
	if (len >= sizeof(sql) || vlen >= sizeof(vals) ||
	    (size_t)snprintf(sql + len, sizeof(sql) - len, ") VALUES (%s)", vals) >= sizeof(sql) - len)
		return -E2BIG;
	return db_prepare(to, sql, out);
}

/* Copy one table; *rows gets how many rows. */
static int copy_table(struct store *from, struct store *to, int t, int64_t *rows)
{
	struct db_stmt *sel = NULL, *ins = NULL;
	char sql[256];
	int rc, i;

	*rows = 0;
	snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY %s", tables[t].name, tables[t].order);
	if (db_prepare(store_db(from), sql, &sel) < 0)
		return store_fail(from, tables[t].name);
	while ((rc = db_step(sel)) == DB_ROW) {
		if (!ins && prepare_insert(store_db(to), tables[t].name, sel, &ins) < 0) {
			rc = store_fail(to, tables[t].name);
			break;
		}
		db_reset(ins);
		for (i = 0; i < db_column_count(sel); i++)
			bind_like(ins, sel, i);
		if (db_step(ins) != DB_DONE) {
			rc = store_fail(to, tables[t].name);
			break;
		}
		++*rows;
	}
	if (rc == DB_DONE)
		rc = 0;
	else if (rc > 0)
		rc = store_fail(from, tables[t].name);
	db_finalize(ins);
	db_finalize(sel);
	return rc;
}

/* Move an identity's counter past the ids copied (PostgreSQL). */
static int identity_past(struct store *to, const char *table)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_sequence('%s', 'id'), "
		 "coalesce(max(id), 0) + 1, false) FROM %s", table, table);
	return db_exec(store_db(to), sql) < 0 ? store_fail(to, "identity") : 0;
}

/* How many rows `table` has; -1 on failure. */
static int64_t count_rows(struct store *st, const char *table)
{
	struct db_stmt *s;
	char sql[128];
	int64_t n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	if (db_prepare(store_db(st), sql, &s) < 0)
		return -1;
	if (db_step(s) == DB_ROW)
		n = db_column_int64(s, 0);
	db_finalize(s);
	return n;
}

/*
 * SQLite keeps how far each chat is indexed in the search index's file
 * (store.c), not in chats.indexed_seq, which it no longer reads; the
 * copy's column must say it, with the text copied from that file, or the
 * new store would index again text it was given.  A deleted transcript
 * has nothing left to index: its mark is its last seq.  The source is
 * only read.
 */
static int search_marks_copied(struct store *from, struct store *to)
{
	struct db_stmt *sel = NULL, *upd = NULL;
	int rc;

	if (db_dialect(store_db(from)) != DB_SQLITE)
		return 0;
	if (db_prepare(store_db(from), "SELECT c.id, CASE WHEN c.deleted_at IS NOT NULL THEN "
		       STORE_LAST_SEQ("c") " ELSE coalesce(i.seq, 0) END FROM chats c "
		       "LEFT JOIN search.indexed i ON i.chat_id = c.id ORDER BY c.id", &sel) < 0)
		return store_fail(from, "read the search index's marks");
	if (db_prepare(store_db(to), "UPDATE chats SET indexed_seq = ?2 WHERE id = ?1", &upd) < 0) {
		db_finalize(sel);
		return store_fail(to, "copy the search index's marks");
	}
	while ((rc = db_step(sel)) == DB_ROW) {
		db_reset(upd);
		db_bind_int64(upd, 1, db_column_int64(sel, 0));
		db_bind_int64(upd, 2, db_column_int64(sel, 1));
		if (db_step(upd) != DB_DONE) {
			rc = store_fail(to, "copy the search index's marks");
			break;
		}
	}
	if (rc == DB_DONE)
		rc = 0;
	else if (rc > 0)
		rc = store_fail(from, "read the search index's marks");
	db_finalize(upd);
	db_finalize(sel);
	return rc;
}

int store_copy_all(struct store *from, struct store *to,
		   void (*report)(void *arg, const char *table, int64_t rows), void *arg)
{
	int64_t rows;
	size_t t;
	int rc;

	int64_t accounts = count_rows(to, "accounts"), chats = count_rows(to, "chats");

	if (accounts < 0 || chats < 0)
		return store_fail(to, "count rows");
	if (accounts || chats)
		return -ENOTEMPTY;
	rc = db_begin(store_db(to));
	if (rc < 0)
		return store_fail(to, "begin");
	for (t = 0; t < ARRAY_SIZE(tables) && !rc; t++) {
		rc = copy_table(from, to, (int)t, &rows);
		if (!rc && tables[t].identity && db_dialect(store_db(to)) == DB_POSTGRES)
			rc = identity_past(to, tables[t].name);
		if (!rc && report)
			report(arg, tables[t].name, rows);
	}
	if (!rc)
		rc = search_marks_copied(from, to);
	/* Every chat's counts whole: PostgreSQL keeps them so (store.c: chats_caught_up()). */
	if (!rc && db_exec(store_db(to), "UPDATE chats SET " STORE_TALLY_ALL " WHERE "
			   STORE_UNTALLIED_ANY) < 0)
		rc = store_fail(to, "count events");
	if (!rc && db_commit(store_db(to)) < 0)
		rc = store_fail(to, "commit");
	if (rc)
		db_rollback(store_db(to));
	return rc;
}

/* One chat's events as text, seq by seq: what a transcript is made of. */
static char *events_text(struct store *st, int64_t chat_id)
{
	struct db_stmt *s;
	char *out = NULL;
	size_t len = 0;

	if (db_prepare(store_db(st), "SELECT seq, kind, author, coalesce(operator_id, 0), "
		       "coalesce(cid, ''), body, at FROM events WHERE chat_id = ?1 ORDER BY seq",
		       &s) < 0)
		return NULL;
	db_bind_int64(s, 1, chat_id);
	while (db_step(s) == DB_ROW) {
		const char *kind = db_column_text(s, 1), *cid = db_column_text(s, 4),
			   *body = db_column_text(s, 5);
		size_t need = strlen(kind) + strlen(cid) + strlen(body) + 96;

		out = xrealloc(out, len + need);
		len += (size_t)snprintf(out + len, need, "%" PRId64 " %s %d %" PRId64 " %s %s %" PRId64
					"\n", db_column_int64(s, 0), kind, db_column_int(s, 2),
					db_column_int64(s, 3), cid, body, db_column_int64(s, 6));
	}
	db_finalize(s);
	return out ? out : xstrdup("");
}

int store_compare(struct store *a, struct store *b, int sample,
		  void (*report)(void *arg, const char *what, int64_t n_a, int64_t n_b), void *arg)
{
	struct db_stmt *s;
	int64_t na, nb;
	size_t t;
	int rc = 0, checked = 0;

	for (t = 0; t < ARRAY_SIZE(tables); t++) {
		na = count_rows(a, tables[t].name);
		nb = count_rows(b, tables[t].name);
		if (report)
			report(arg, tables[t].name, na, nb);
		if (na < 0 || na != nb)
			rc = -EIO;
	}
	/* A sample of transcripts, spread over the chats: every n-th one by id. */
	na = count_rows(a, "chats");
	if (na > 0 && sample > 0 &&
	    db_prepare(store_db(a), "SELECT id FROM chats ORDER BY id", &s) == 0) {
		int64_t step = na / sample > 0 ? na / sample : 1, i = 0;

		while (db_step(s) == DB_ROW) {
			int64_t id = db_column_int64(s, 0);
			char *ta, *tb;

			if (i++ % step)
				continue;
			ta = events_text(a, id);
			tb = events_text(b, id);
			if (!ta || !tb || strcmp(ta, tb)) {
				log_error("store: chat %" PRId64 "'s events differ between the stores", id);
				rc = -EIO;
			}
			free(ta);
			free(tb);
			checked++;
		}
		db_finalize(s);
	}
	if (report)
		report(arg, "transcripts compared", checked, checked);
	return rc;
}
