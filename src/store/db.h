/*
 * db.h - the small database layer under the store: one connection, its
 * statements, rows and transactions, and nothing of any one database.
 *
 * Every file of store/ reaches its database through these calls only, so
 * two drivers sit under the same SQL and the same store functions:
 * db_sqlite.c (the default: a file under the data directory) and db_pg.c
 * (PostgreSQL, through libpq).  db.c picks one per connection.  What only
 * SQLite has (its search index's upkeep, the WAL, the online backup, SQL
 * functions written in C) is in sqlite_only.h; where the two dialects say
 * a thing differently (full-text search, JSON), the store asks db_dialect()
 * (docs/ARCHITECTURE.md, "The database layer").
 *
 * The rules the SQL follows, so that every driver can run it:
 *  - parameters are numbered, `?1 ?2 ...` (a driver may rewrite them to its
 *    own `$1 $2 ...`); a plain `?` or a named one is refused at prepare; a
 *    number the text does not use may be bound, and is not sent;
 *  - what both dialects say alike: coalesce() not ifnull(), CASE not iif(),
 *    `ON CONFLICT ... DO NOTHING / DO UPDATE` not `INSERT OR ...`, integers
 *    compared to integers (no truth value summed or used bare);
 *  - a new row's id is read with `RETURNING id`, never asked of the
 *    connection afterwards;
 *  - a statement runs on its first db_step() and its rows are then walked,
 *    one per further step; db_reset() ends the walk (rows not read are
 *    dropped) and makes it ready to run again.
 *
 * Errors: every call that can fail returns a negative errno: -EEXIST (a
 * constraint was broken: a duplicate, a missing parent), -ENOSPC (the disk
 * is full), -ENOTCONN (a database server out of reach: db_unreachable()),
 * -EIO (anything else, including a database still busy after the driver's
 * wait).  db_errmsg() has the text of the last one for the log.
 * The connection is not thread-safe: one thread uses it at a time.
 */
#ifndef REFDESK_STORE_DB_H
#define REFDESK_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;	/* one connection */
struct db_stmt; /* one prepared statement of a connection */

/*
 * What db_step() returns besides a negative errno: positive and apart from
 * small numbers, so that a loop may keep a callback's own code in the same
 * variable.
 */
enum { DB_ROW = 100, DB_DONE = 101 };

/* Which SQL a connection speaks, where the two differ. */
enum db_dialect { DB_SQLITE, DB_POSTGRES };

/*
 * Open the database at `where`: a `postgres://` or `postgresql://` URL
 * (libpq's), or else a SQLite file path (created if missing).  On success
 * *out is the connection (you own it: db_close()).  Returns 0 or -EIO
 * (logged).
 */
int db_open(struct db **out, const char *where);
/* Does `where` name a PostgreSQL database? */
bool db_is_postgres(const char *where);
/* The connection's dialect. */
enum db_dialect db_dialect(struct db *db);
/* Close the connection (NULL is fine); its statements must be finalized first. */
void db_close(struct db *db);

/*
 * Prepare `sql` for one use (or a few): db_finalize() it when done.
 * db_prepare_cached() is for a statement kept for the connection's life
 * and run again and again (a driver may keep it on the server).  Both
 * return 0 or a negative errno (-EINVAL for parameters not numbered
 * `?N`, logged; other failures are left for the caller to report).
 */
int db_prepare(struct db *db, const char *sql, struct db_stmt **out);
int db_prepare_cached(struct db *db, const char *sql, struct db_stmt **out);
/* Free a statement (NULL is fine). */
void db_finalize(struct db_stmt *s);

/*
 * Bind parameter `?col` (from 1).  Text and blobs are copied; NULL text
 * binds SQL NULL.  A parameter never bound, or unbound, is NULL.  Binding
 * a number past the statement's parameters does nothing.
 */
void db_bind_int64(struct db_stmt *s, int col, int64_t v);
void db_bind_int(struct db_stmt *s, int col, int v);
void db_bind_text(struct db_stmt *s, int col, const char *text);
void db_bind_blob(struct db_stmt *s, int col, const void *p, size_t n);
void db_bind_null(struct db_stmt *s, int col);

/* Run the statement (first call) or go to its next row: DB_ROW, DB_DONE or a negative errno. */
int db_step(struct db_stmt *s);

/*
 * The current row's column `col` (from 0).  Text and blob pointers are
 * borrowed until the next step, reset or finalize; NULL reads as 0, a NULL
 * pointer and 0 bytes.
 */
int64_t db_column_int64(struct db_stmt *s, int col);
int db_column_int(struct db_stmt *s, int col);
const char *db_column_text(struct db_stmt *s, int col);
const void *db_column_blob(struct db_stmt *s, int col, size_t *bytes);
bool db_column_is_null(struct db_stmt *s, int col);

/* What a column of the current row holds, for copying rows whatever they are. */
enum db_type { DB_NULL, DB_INTEGER, DB_FLOAT, DB_TEXT, DB_BLOB };
enum db_type db_column_type(struct db_stmt *s, int col);
/* How many columns the statement's rows have, and the name of one (borrowed). */
int db_column_count(struct db_stmt *s);
const char *db_column_name(struct db_stmt *s, int col);

/* End the statement's run, keeping its bindings: db_step() runs it again. */
void db_reset(struct db_stmt *s);
/* Set every parameter back to NULL. */
void db_unbind(struct db_stmt *s);

/* How many rows the last INSERT, UPDATE or DELETE run on `db` changed. */
int db_changes(struct db *db);

/*
 * Run `sql`, one or more statements without parameters, ignoring any rows.
 * Returns 0 or a negative errno (not logged: db_errmsg() says why).
 */
int db_exec(struct db *db, const char *sql);

/*
 * Transactions: begin takes the write lock at once (a writer never waits
 * half way through).  One savepoint at a time (the writer's per-op one).
 * Each returns 0 or a negative errno (not logged).
 */
int db_begin(struct db *db);
int db_commit(struct db *db);
int db_rollback(struct db *db);
int db_savepoint(struct db *db);
int db_savepoint_release(struct db *db);
int db_savepoint_rollback(struct db *db);
/* Is a transaction open on the connection? */
bool db_in_transaction(struct db *db);
/*
 * Whether a commit waits until it is on disk (the default, true) or may be
 * lost to a power cut (false: for work that is redone when lost).
 */
int db_set_durable(struct db *db, bool durable);

/*
 * The last failure on `db`: its negative errno (-EIO if it cannot tell),
 * and its text for the log (the driver's message and code; borrowed until
 * the next call on `db`).
 */
int db_error(struct db *db);
const char *db_errmsg(struct db *db);
/*
 * Is the database out of reach (a server that went away)?  The driver has
 * logged that once; each call fails with -ENOTCONN until it is back, and
 * nothing logs each of them again.
 */
bool db_unreachable(struct db *db);

#endif
