/*
 * canned.c - saved replies (store.h): the account's shared ones and each
 * operator's own, in the `canned` table (schema.c, migration 8).
 *
 * How it works: every statement is prepared per call (a person edits a
 * reply now and then; nothing here is on a hot path) and every value is
 * bound.  Ownership is part of each write's WHERE clause, not only checked
 * before: a reply that changed hands or vanished between the check on the
 * loop thread and the write reads as missing.  A shared reply has NULL for
 * its operator; `operator_id IS NOT DISTINCT FROM ?` matches NULL when 0 is bound as NULL.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "store/store_int.h"

#define CANNED_COLS "id, account_id, coalesce(operator_id, 0), name, text, updated_at"

static void bind_owner(struct db_stmt *s, int col, int64_t operator_id)
{
	if (operator_id)
		db_bind_int64(s, col, operator_id);
	else
		db_bind_null(s, col);
}

static void read_canned(struct db_stmt *s, struct store_canned *c)
{
	c->id = db_column_int64(s, 0);
	c->account_id = db_column_int64(s, 1);
	c->operator_id = db_column_int64(s, 2);
	store_copy_text(c->name, sizeof(c->name), s, 3);
	store_copy_text(c->text, sizeof(c->text), s, 4);
	c->updated_at = db_column_int64(s, 5);
}

/* Run a statement that writes; -ENOENT when it changed no row. */
static int run_write(struct store *st, struct db_stmt *s, const char *what)
{
	int rc = db_step(s);

	rc = rc == DB_DONE ? 0 : store_fail(st, what);
	if (!rc && db_changes(store_db(st)) == 0)
		rc = -ENOENT;
	db_finalize(s);
	return rc;
}

static int count_of_owner(struct store *st, int64_t account_id, int64_t operator_id, int64_t *n)
{
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), "SELECT count(*) FROM canned WHERE account_id = ?1 "
		       "AND operator_id IS NOT DISTINCT FROM ?2", &s) < 0)
		return store_fail(st, "count canned");
	db_bind_int64(s, 1, account_id);
	bind_owner(s, 2, operator_id);
	rc = db_step(s);
	if (rc == DB_ROW)
		*n = db_column_int64(s, 0);
	rc = rc == DB_ROW ? 0 : store_fail(st, "count canned");
	db_finalize(s);
	return rc;
}

int store_canned_add(struct store *st, struct store_canned *c, int max)
{
	struct db_stmt *s;
	int64_t n = 0;
	int rc;

	rc = count_of_owner(st, c->account_id, c->operator_id, &n);
	if (rc < 0)
		return rc;
	if (n >= max)
		return -EDQUOT;
	if (db_prepare(store_db(st), "INSERT INTO canned(account_id, operator_id, name, "
		       "text, updated_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id", &s) < 0)
		return store_fail(st, "add canned");
	c->updated_at = time_now_ms();
	db_bind_int64(s, 1, c->account_id);
	bind_owner(s, 2, c->operator_id);
	db_bind_text(s, 3, c->name);
	db_bind_text(s, 4, c->text);
	db_bind_int64(s, 5, c->updated_at);
	rc = store_run_insert(st, s, "add canned", &c->id);
	db_finalize(s);
	return rc;
}

int store_canned_get(struct store *st, int64_t id, struct store_canned *out)
{
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), "SELECT " CANNED_COLS " FROM canned WHERE id = ?1", &s) < 0)
		return store_fail(st, "get canned");
	db_bind_int64(s, 1, id);
	rc = db_step(s);
	if (rc == DB_ROW)
		read_canned(s, out);
	rc = rc == DB_ROW ? 0 : rc == DB_DONE ? -ENOENT : store_fail(st, "get canned");
	db_finalize(s);
	return rc;
}

int store_canned_update(struct store *st, const struct store_canned *c)
{
	struct db_stmt *s;

	if (db_prepare(store_db(st), "UPDATE canned SET name = ?1, text = ?2, "
		       "updated_at = ?3 WHERE id = ?4 AND account_id = ?5 AND "
		       "operator_id IS NOT DISTINCT FROM ?6", &s) < 0)
		return store_fail(st, "update canned");
	db_bind_text(s, 1, c->name);
	db_bind_text(s, 2, c->text);
	db_bind_int64(s, 3, c->updated_at ? c->updated_at : time_now_ms());
	db_bind_int64(s, 4, c->id);
	db_bind_int64(s, 5, c->account_id);
	bind_owner(s, 6, c->operator_id);
	return run_write(st, s, "update canned");
}

int store_canned_delete(struct store *st, int64_t id, int64_t account_id, int64_t operator_id)
{
	struct db_stmt *s;

	if (db_prepare(store_db(st), "DELETE FROM canned WHERE id = ?1 AND account_id = ?2 "
		       "AND operator_id IS NOT DISTINCT FROM ?3", &s) < 0)
		return store_fail(st, "delete canned");
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, account_id);
	bind_owner(s, 3, operator_id);
	return run_write(st, s, "delete canned");
}

int store_canned_list(struct store *st, int64_t account_id, int64_t operator_id,
		      int (*cb)(void *ctx, const struct store_canned *c), void *ctx)
{
	struct db_stmt *s;
	struct store_canned *c;
	int rc = 0, step;

	/* Shared first (NULL sorts first), then the operator's own; by name, then age. */
	if (db_prepare(store_db(st), "SELECT " CANNED_COLS " FROM canned "
		       "WHERE account_id = ?1 AND (operator_id IS NULL OR operator_id = ?2) "
		       "ORDER BY operator_id NULLS FIRST, name COLLATE NOCASE, id", &s) < 0)
		return store_fail(st, "list canned");
	db_bind_int64(s, 1, account_id);
	db_bind_int64(s, 2, operator_id);
	c = xmalloc(sizeof(*c)); /* 16 KiB: not on the loop thread's stack */
	while ((step = db_step(s)) == DB_ROW) {
		read_canned(s, c);
		if ((rc = cb(ctx, c)) != 0)
			break;
	}
	if (!rc && step != DB_DONE)
		rc = store_fail(st, "list canned");
	free(c);
	db_finalize(s);
	return rc;
}
