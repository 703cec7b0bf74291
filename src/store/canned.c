/*
 * canned.c - saved replies (store.h): the account's shared ones and each
 * operator's own, in the `canned` table (schema.c, migration 8).
 *
 * How it works: every statement is prepared per call (a person edits a
 * reply now and then; nothing here is on a hot path) and every value is
 * bound.  Ownership is part of each write's WHERE clause, not only checked
 * before: a reply that changed hands or vanished between the check on the
 * loop thread and the write reads as missing.  A shared reply has NULL for
 * its operator; `operator_id IS ?` matches NULL when 0 is bound as NULL.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "store/store_int.h"

#define CANNED_COLS "id, account_id, ifnull(operator_id, 0), name, text, updated_at"

static void bind_owner(sqlite3_stmt *s, int col, int64_t operator_id)
{
	if (operator_id)
		sqlite3_bind_int64(s, col, operator_id);
	else
		sqlite3_bind_null(s, col);
}

static void read_canned(sqlite3_stmt *s, struct store_canned *c)
{
	c->id = sqlite3_column_int64(s, 0);
	c->account_id = sqlite3_column_int64(s, 1);
	c->operator_id = sqlite3_column_int64(s, 2);
	store_copy_text(c->name, sizeof(c->name), s, 3);
	store_copy_text(c->text, sizeof(c->text), s, 4);
	c->updated_at = sqlite3_column_int64(s, 5);
}

/* Run a statement that writes; -ENOENT when it changed no row. */
static int run_write(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	rc = rc == SQLITE_DONE ? 0 : store_fail(st, what);
	if (!rc && sqlite3_changes(store_db(st)) == 0)
		rc = -ENOENT;
	sqlite3_finalize(s);
	return rc;
}

static int count_of_owner(struct store *st, int64_t account_id, int64_t operator_id, int64_t *n)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(store_db(st), "SELECT count(*) FROM canned WHERE account_id = ?1 "
			       "AND operator_id IS ?2", -1, &s, NULL) != SQLITE_OK)
		return store_fail(st, "count canned");
	sqlite3_bind_int64(s, 1, account_id);
	bind_owner(s, 2, operator_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	rc = rc == SQLITE_ROW ? 0 : store_fail(st, "count canned");
	sqlite3_finalize(s);
	return rc;
}

int store_canned_add(struct store *st, struct store_canned *c, int max)
{
	sqlite3_stmt *s;
	int64_t n = 0;
	int rc;

	rc = count_of_owner(st, c->account_id, c->operator_id, &n);
	if (rc < 0)
		return rc;
	if (n >= max)
		return -EDQUOT;
	if (sqlite3_prepare_v2(store_db(st), "INSERT INTO canned(account_id, operator_id, name, "
			       "text, updated_at) VALUES (?, ?, ?, ?, ?)", -1, &s, NULL) != SQLITE_OK)
		return store_fail(st, "add canned");
	c->updated_at = time_now_ms();
	sqlite3_bind_int64(s, 1, c->account_id);
	bind_owner(s, 2, c->operator_id);
	store_bind_text(s, 3, c->name);
	store_bind_text(s, 4, c->text);
	sqlite3_bind_int64(s, 5, c->updated_at);
	rc = run_write(st, s, "add canned");
	if (!rc)
		c->id = sqlite3_last_insert_rowid(store_db(st));
	return rc;
}

int store_canned_get(struct store *st, int64_t id, struct store_canned *out)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(store_db(st), "SELECT " CANNED_COLS " FROM canned WHERE id = ?",
			       -1, &s, NULL) != SQLITE_OK)
		return store_fail(st, "get canned");
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		read_canned(s, out);
	rc = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : store_fail(st, "get canned");
	sqlite3_finalize(s);
	return rc;
}

int store_canned_update(struct store *st, const struct store_canned *c)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(store_db(st), "UPDATE canned SET name = ?1, text = ?2, "
			       "updated_at = ?3 WHERE id = ?4 AND account_id = ?5 AND "
			       "operator_id IS ?6", -1, &s, NULL) != SQLITE_OK)
		return store_fail(st, "update canned");
	store_bind_text(s, 1, c->name);
	store_bind_text(s, 2, c->text);
	sqlite3_bind_int64(s, 3, c->updated_at ? c->updated_at : time_now_ms());
	sqlite3_bind_int64(s, 4, c->id);
	sqlite3_bind_int64(s, 5, c->account_id);
	bind_owner(s, 6, c->operator_id);
	return run_write(st, s, "update canned");
}

int store_canned_delete(struct store *st, int64_t id, int64_t account_id, int64_t operator_id)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(store_db(st), "DELETE FROM canned WHERE id = ?1 AND account_id = ?2 "
			       "AND operator_id IS ?3", -1, &s, NULL) != SQLITE_OK)
		return store_fail(st, "delete canned");
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, account_id);
	bind_owner(s, 3, operator_id);
	return run_write(st, s, "delete canned");
}

int store_canned_list(struct store *st, int64_t account_id, int64_t operator_id,
		      int (*cb)(void *ctx, const struct store_canned *c), void *ctx)
{
	sqlite3_stmt *s;
	struct store_canned *c;
	int rc = 0, step;

	/* Shared first (NULL sorts first), then the operator's own; by name, then age. */
	if (sqlite3_prepare_v2(store_db(st), "SELECT " CANNED_COLS " FROM canned "
			       "WHERE account_id = ?1 AND (operator_id IS NULL OR operator_id = ?2) "
			       "ORDER BY operator_id, name COLLATE NOCASE, id", -1, &s,
			       NULL) != SQLITE_OK)
		return store_fail(st, "list canned");
	sqlite3_bind_int64(s, 1, account_id);
	sqlite3_bind_int64(s, 2, operator_id);
	c = xmalloc(sizeof(*c)); /* 16 KiB: not on the loop thread's stack */
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		read_canned(s, c);
		if ((rc = cb(ctx, c)) != 0)
			break;
	}
	if (!rc && step != SQLITE_DONE)
		rc = store_fail(st, "list canned");
	free(c);
	sqlite3_finalize(s);
	return rc;
}
