/*
 * db_test.c - the database layer (store/db.h) on its SQLite driver: the
 * rules the store's SQL keeps (numbered parameters, RETURNING id), rows,
 * errors as negative errno, and transactions.
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "store/db.h"

static struct db *fresh_db(void)
{
	struct db *db = NULL;

	CHECK_EQ(db_open(&db, ":memory:"), 0);
	CHECK_EQ(db_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, "
			     "n INTEGER, data BLOB)"), 0);
	return db;
}

static int64_t add(struct db *db, const char *name, int64_t n)
{
	struct db_stmt *s;
	int64_t id = -1;
	int rc;

	CHECK_EQ(db_prepare(db, "INSERT INTO t(name, n) VALUES (?1, ?2) RETURNING id", &s), 0);
	db_bind_text(s, 1, name);
	db_bind_int64(s, 2, n);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	return rc == DB_ROW ? id : rc;
}

static void numbered_parameters_are_the_only_kind(void)
{
	struct db *db = fresh_db();
	struct db_stmt *s = NULL;

	CHECK_EQ(db_prepare(db, "SELECT ?2, ?1", &s), 0);
	db_finalize(s);
	/* A question mark inside a quoted string is text, not a parameter. */
	CHECK_EQ(db_prepare(db, "SELECT '?', \"n\" FROM t WHERE n = ?1", &s), 0);
	db_finalize(s);
	CHECK_EQ(db_prepare_cached(db, "SELECT 1 FROM t WHERE id = ?1", &s), 0);
	db_finalize(s);

	CHECK_EQ(db_prepare(db, "SELECT ?", &s), -EINVAL);
	CHECK(s == NULL);
	CHECK_EQ(db_prepare(db, "SELECT ?1, ?", &s), -EINVAL);
	CHECK_EQ(db_prepare(db, "SELECT :name", &s), -EINVAL);
	CHECK_EQ(db_prepare_cached(db, "SELECT @x", &s), -EINVAL);
	CHECK(db_prepare(db, "SELECT FROM nowhere", &s) < 0);
	db_close(db);
}

static void rows_are_read_as_they_were_written(void)
{
	struct db *db = fresh_db();
	struct db_stmt *s;
	const unsigned char bytes[] = { 0, 1, 2, 0xff };
	const void *blob;
	size_t n = 99;

	CHECK_EQ(add(db, "a", 7), 1);
	CHECK_EQ(add(db, "b", 8), 2);
	CHECK_EQ(db_prepare(db, "UPDATE t SET data = ?1 WHERE id = ?2", &s), 0);
	db_bind_blob(s, 1, bytes, sizeof(bytes));
	db_bind_int(s, 2, 1);
	db_bind_int(s, 9, 1); /* past the last parameter: nothing */
	CHECK_EQ(db_step(s), DB_DONE);
	CHECK_EQ(db_changes(db), 1);
	db_finalize(s);

	CHECK_EQ(db_prepare(db, "SELECT id, name, n, data FROM t WHERE n >= ?1 ORDER BY id", &s), 0);
	db_bind_int64(s, 1, 7);
	CHECK_EQ(db_step(s), DB_ROW);
	CHECK_EQ(db_column_int64(s, 0), 1);
	CHECK(!strcmp(db_column_text(s, 1), "a"));
	CHECK_EQ(db_column_int(s, 2), 7);
	blob = db_column_blob(s, 3, &n);
	CHECK_EQ(n, sizeof(bytes));
	CHECK(blob && !memcmp(blob, bytes, sizeof(bytes)));
	CHECK(!db_column_is_null(s, 3));
	CHECK_EQ(db_step(s), DB_ROW);
	CHECK(db_column_is_null(s, 3));
	CHECK(db_column_blob(s, 3, &n) == NULL);
	CHECK_EQ(n, 0);
	CHECK_EQ(db_step(s), DB_DONE);

	/* Reset keeps the bindings; unbind makes them NULL (which matches nothing here). */
	db_reset(s);
	CHECK_EQ(db_step(s), DB_ROW);
	db_reset(s);
	db_unbind(s);
	CHECK_EQ(db_step(s), DB_DONE);
	db_finalize(s);
	db_close(db);
}

/* An INSERT ... RETURNING runs on its first step: reset after one row, it is not run again. */
static void returning_runs_once_on_the_first_step(void)
{
	struct db *db = fresh_db();
	struct db_stmt *s;

	CHECK_EQ(db_prepare(db, "INSERT INTO t(name) VALUES ('x'), ('y') RETURNING id", &s), 0);
	CHECK_EQ(db_step(s), DB_ROW);
	CHECK_EQ(db_column_int64(s, 0), 1);
	db_finalize(s);
	CHECK_EQ(db_prepare(db, "SELECT count(*) FROM t", &s), 0);
	CHECK_EQ(db_step(s), DB_ROW);
	CHECK_EQ(db_column_int(s, 0), 2);
	db_finalize(s);
	db_close(db);
}

static void failures_are_negative_errno(void)
{
	struct db *db = fresh_db();
	struct db_stmt *s;

	CHECK_EQ(add(db, "a", 1), 1);
	/* A broken constraint is -EEXIST, from the step and from the connection. */
	CHECK_EQ(add(db, "a", 2), -EEXIST);
	CHECK_EQ(db_error(db), -EEXIST);
	CHECK(strstr(db_errmsg(db), "UNIQUE") != NULL);
	CHECK_EQ(db_exec(db, "INSERT INTO t(id) VALUES (1)"), -EEXIST);
	/* Anything else is -EIO. */
	CHECK_EQ(db_exec(db, "INSERT INTO missing VALUES (1)"), -EIO);
	CHECK_EQ(db_prepare(db, "SELECT abs(-9223372036854775807 - 1)", &s), 0);
	CHECK_EQ(db_step(s), -EIO); /* integer overflow */
	db_finalize(s);
	db_close(db);
}

static void transactions_and_the_savepoint(void)
{
	struct db *db = fresh_db();
	struct db_stmt *s;

	CHECK(!db_in_transaction(db));
	CHECK_EQ(db_begin(db), 0);
	CHECK(db_in_transaction(db));
	CHECK_EQ(add(db, "kept", 1), 1);
	CHECK_EQ(db_savepoint(db), 0);
	CHECK_EQ(add(db, "undone", 2), 2);
	CHECK_EQ(db_savepoint_rollback(db), 0);
	CHECK_EQ(db_savepoint_release(db), 0);
	CHECK_EQ(db_savepoint(db), 0);
	CHECK_EQ(add(db, "also kept", 3), 2);
	CHECK_EQ(db_savepoint_release(db), 0);
	CHECK_EQ(db_set_durable(db, false), 0);
	CHECK_EQ(db_commit(db), 0);
	CHECK_EQ(db_set_durable(db, true), 0);
	CHECK(!db_in_transaction(db));

	CHECK_EQ(db_begin(db), 0);
	CHECK_EQ(add(db, "rolled back", 4), 3);
	CHECK_EQ(db_rollback(db), 0);
	CHECK(!db_in_transaction(db));
	CHECK(db_commit(db) < 0); /* nothing open */

	CHECK_EQ(db_prepare(db, "SELECT group_concat(name, ',') FROM (SELECT name FROM t ORDER BY id)", &s), 0);
	CHECK_EQ(db_step(s), DB_ROW);
	CHECK(!strcmp(db_column_text(s, 0), "kept,also kept"));
	db_finalize(s);
	db_close(db);
}

int main(void)
{
	RUN(numbered_parameters_are_the_only_kind);
	RUN(rows_are_read_as_they_were_written);
	RUN(returning_runs_once_on_the_first_step);
	RUN(failures_are_negative_errno);
	RUN(transactions_and_the_savepoint);
	db_close(NULL);
	CHECK_EXIT();
}
