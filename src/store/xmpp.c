/*
 * xmpp.c - operators' XMPP addresses (store.h), in the `operator_jids`
 * table (schema.c, migration 10).
 *
 * Statements are prepared per call: addresses change when a person links
 * one, and are read when an XMPP client sends presence or a message, not on
 * the hot path of a chat.  The confirmation code is kept as sent: it is
 * short-lived and single-use, and it only proves that the operator can read
 * messages at the address (whoever reads the database can read the rest).
 */
#include <errno.h>
#include <string.h>

#include "base/util.h"
#include "store/store_int.h"

#define JID_COLS "operator_id, jid, coalesce(code, ''), code_expires, confirmed"

static void read_jid(struct db_stmt *s, struct store_jid *j)
{
	j->operator_id = db_column_int64(s, 0);
	store_copy_text(j->jid, sizeof(j->jid), s, 1);
	store_copy_text(j->code, sizeof(j->code), s, 2);
	j->code_expires = db_column_int64(s, 3);
	j->confirmed = db_column_int(s, 4) != 0;
}

/* Run a write; -ENOENT when it changed no row. */
static int run_write(struct store *st, struct db_stmt *s, const char *what)
{
	int rc = db_step(s);

	rc = rc == DB_DONE ? 0 : store_fail(st, what);
	if (!rc && db_changes(store_db(st)) == 0)
		rc = -ENOENT;
	db_finalize(s);
	return rc;
}

int store_jid_set(struct store *st, int64_t operator_id, const char *jid, const char *code,
		  int64_t expires, int64_t now)
{
	struct db_stmt *s;

	if (db_prepare(store_db(st), "INSERT INTO operator_jids(operator_id, "
		       "jid, code, code_expires, confirmed, updated_at) VALUES (?1, ?2, "
		       "nullif(?3, ''), ?4, 0, ?5) ON CONFLICT (operator_id) DO UPDATE SET "
		       "jid = excluded.jid, code = excluded.code, code_expires = excluded.code_expires, "
		       "confirmed = 0, updated_at = excluded.updated_at", &s) < 0)
		return store_fail(st, "set jid");
	db_bind_int64(s, 1, operator_id);
	db_bind_text(s, 2, jid);
	db_bind_text(s, 3, code);
	db_bind_int64(s, 4, expires);
	db_bind_int64(s, 5, now);
	return run_write(st, s, "set jid");
}

int store_jid_set_code(struct store *st, int64_t operator_id, const char *code, int64_t expires)
{
	struct db_stmt *s;

	if (db_prepare(store_db(st), "UPDATE operator_jids SET code = ?2, code_expires = ?3 "
		       "WHERE operator_id = ?1 AND confirmed = 0", &s) < 0)
		return store_fail(st, "set jid code");
	db_bind_int64(s, 1, operator_id);
	db_bind_text(s, 2, code);
	db_bind_int64(s, 3, expires);
	return run_write(st, s, "set jid code");
}

int store_jid_confirm(struct store *st, int64_t operator_id, const char *code, int64_t now)
{
	struct store_jid j;
	struct db_stmt *s;
	int rc;

	rc = store_jid_get(st, operator_id, &j);
	if (rc < 0)
		return rc;
	if (j.confirmed)
		return 0;
	if (!j.code[0])
		return -ENOENT;
	if (strcmp(j.code, code))
		return -EACCES;
	if (now > j.code_expires)
		return -ETIMEDOUT;
	if (db_prepare(store_db(st), "UPDATE operator_jids SET confirmed = 1, code = NULL, "
		       "updated_at = ?2 WHERE operator_id = ?1", &s) < 0)
		return store_fail(st, "confirm jid");
	db_bind_int64(s, 1, operator_id);
	db_bind_int64(s, 2, now);
	return run_write(st, s, "confirm jid"); /* -EEXIST: confirmed by another operator */
}

int store_jid_clear(struct store *st, int64_t operator_id)
{
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), "DELETE FROM operator_jids WHERE operator_id = ?1", &s) < 0)
		return store_fail(st, "clear jid");
	db_bind_int64(s, 1, operator_id);
	rc = run_write(st, s, "clear jid");
	return rc == -ENOENT ? 0 : rc;
}

static int get_one(struct store *st, const char *sql, int64_t id, const char *text,
		   struct store_jid *out)
{
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), sql, &s) < 0)
		return store_fail(st, "read jid");
	if (text)
		db_bind_text(s, 1, text);
	else
		db_bind_int64(s, 1, id);
	rc = db_step(s);
	if (rc == DB_ROW)
		read_jid(s, out);
	rc = rc == DB_ROW ? 0 : rc == DB_DONE ? -ENOENT : store_fail(st, "read jid");
	db_finalize(s);
	return rc;
}

int store_jid_get(struct store *st, int64_t operator_id, struct store_jid *out)
{
	return get_one(st, "SELECT " JID_COLS " FROM operator_jids WHERE operator_id = ?1",
		       operator_id, NULL, out);
}

int store_jid_find(struct store *st, const char *jid, struct store_jid *out)
{
	return get_one(st, "SELECT " JID_COLS " FROM operator_jids WHERE jid = ?1 AND confirmed = 1",
		       0, jid, out);
}

int store_jids_confirmed(struct store *st, int (*cb)(void *ctx, const struct store_jid *j), void *ctx)
{
	struct store_jid j;
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), "SELECT " JID_COLS " FROM operator_jids "
		       "WHERE confirmed = 1 ORDER BY operator_id", &s) < 0)
		return store_fail(st, "list jids");
	while ((rc = db_step(s)) == DB_ROW) {
		read_jid(s, &j);
		if (cb(ctx, &j))
			break;
	}
	rc = rc == DB_ROW || rc == DB_DONE ? 0 : store_fail(st, "list jids");
	db_finalize(s);
	return rc;
}
