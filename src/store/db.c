/*
 * db.c - the database layer's calls (db.h), handed to the driver of the
 * connection or statement they are given (db_driver.h).
 */
#include "store/db.h"

#include <errno.h>
#include <string.h>

#include "store/db_driver.h"

bool db_is_postgres(const char *where)
{
	return where && (!strncmp(where, "postgres://", 11) || !strncmp(where, "postgresql://", 13));
}

int db_open(struct db **out, const char *where)
{
	return db_is_postgres(where) ? db_pg_open(out, where) : db_sqlite_open(out, where);
}

void db_close(struct db *db)
{
	if (db)
		db->drv->close(db);
}

enum db_dialect db_dialect(struct db *db)
{
	return db->drv->dialect;
}

int db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	return db->drv->prepare(db, sql, false, out);
}

int db_prepare_cached(struct db *db, const char *sql, struct db_stmt **out)
{
	return db->drv->prepare(db, sql, true, out);
}

void db_finalize(struct db_stmt *s)
{
	if (s)
		s->drv->finalize(s);
}

void db_bind_int64(struct db_stmt *s, int col, int64_t v)
{
	s->drv->bind_int64(s, col, v);
}

void db_bind_int(struct db_stmt *s, int col, int v)
{
	s->drv->bind_int64(s, col, v);
}

void db_bind_text(struct db_stmt *s, int col, const char *text)
{
	if (text)
		s->drv->bind_text(s, col, text);
	else
		s->drv->bind_null(s, col);
}

void db_bind_blob(struct db_stmt *s, int col, const void *p, size_t n)
{
	s->drv->bind_blob(s, col, p, n);
}

void db_bind_null(struct db_stmt *s, int col)
{
	s->drv->bind_null(s, col);
}

int db_step(struct db_stmt *s)
{
	return s->drv->step(s);
}

int64_t db_column_int64(struct db_stmt *s, int col)
{
	return s->drv->column_int64(s, col);
}

int db_column_int(struct db_stmt *s, int col)
{
	return (int)s->drv->column_int64(s, col);
}

const char *db_column_text(struct db_stmt *s, int col)
{
	return s->drv->column_text(s, col);
}

const void *db_column_blob(struct db_stmt *s, int col, size_t *bytes)
{
	return s->drv->column_blob(s, col, bytes);
}

bool db_column_is_null(struct db_stmt *s, int col)
{
	return s->drv->column_is_null(s, col);
}

enum db_type db_column_type(struct db_stmt *s, int col)
{
	return s->drv->column_type(s, col);
}

int db_column_count(struct db_stmt *s)
{
	return s->drv->column_count(s);
}

const char *db_column_name(struct db_stmt *s, int col)
{
	return s->drv->column_name(s, col);
}

void db_reset(struct db_stmt *s)
{
	s->drv->reset(s);
}

void db_unbind(struct db_stmt *s)
{
	s->drv->unbind(s);
}

int db_changes(struct db *db)
{
	return db->drv->changes(db);
}

int db_exec(struct db *db, const char *sql)
{
	return db->drv->exec(db, sql);
}

int db_begin(struct db *db)
{
	return db->drv->tx(db, DB_TX_BEGIN);
}

int db_commit(struct db *db)
{
	return db->drv->tx(db, DB_TX_COMMIT);
}

int db_rollback(struct db *db)
{
	return db->drv->tx(db, DB_TX_ROLLBACK);
}

int db_savepoint(struct db *db)
{
	return db->drv->tx(db, DB_TX_SAVEPOINT);
}

int db_savepoint_release(struct db *db)
{
	return db->drv->tx(db, DB_TX_RELEASE);
}

int db_savepoint_rollback(struct db *db)
{
	return db->drv->tx(db, DB_TX_ROLLBACK_TO);
}

bool db_in_transaction(struct db *db)
{
	return db->drv->in_transaction(db);
}

int db_set_durable(struct db *db, bool durable)
{
	return db->drv->set_durable(db, durable);
}

int db_error(struct db *db)
{
	return db->drv->error(db);
}

const char *db_errmsg(struct db *db)
{
	return db->drv->errmsg(db);
}

bool db_unreachable(struct db *db)
{
	return db->drv->unreachable && db->drv->unreachable(db);
}
