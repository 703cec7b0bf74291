/*
 * db_sqlite.c - the SQLite driver of db.h.
 *
 * How it works: a `struct db` holds the sqlite3 connection and the few
 * statements of its transactions, prepared once.  A `struct db_stmt` is
 * SQLite's own statement under another name (never defined: pointers are
 * converted), so binding and reading a column is one jump into SQLite: the
 * message path pays nothing for the layer.  SQLite's result codes become
 * negative errno here and nowhere else.
 */
#include "store/db.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/log.h"
#include "base/util.h"

enum tx_id { TX_BEGIN, TX_COMMIT, TX_ROLLBACK, TX_SAVEPOINT, TX_RELEASE, TX_ROLLBACK_TO,
	     TX_SYNC_NORMAL, TX_SYNC_FULL, TX_COUNT };

static const char *const tx_sql[TX_COUNT] = {
	/* IMMEDIATE: the write lock is taken at BEGIN, not at the first write. */
	[TX_BEGIN] = "BEGIN IMMEDIATE",
	[TX_COMMIT] = "COMMIT",
	[TX_ROLLBACK] = "ROLLBACK",
	[TX_SAVEPOINT] = "SAVEPOINT op",
	[TX_RELEASE] = "RELEASE op",
	[TX_ROLLBACK_TO] = "ROLLBACK TO op",
	[TX_SYNC_NORMAL] = "PRAGMA synchronous=NORMAL",
	[TX_SYNC_FULL] = "PRAGMA synchronous=FULL",
};

struct db {
	sqlite3 *h;
	sqlite3_stmt *tx[TX_COUNT];
	char msg[256]; /* db_errmsg()'s text */
};

#define S(s) ((sqlite3_stmt *)(s))

/* SQLite's (extended) result code as a negative errno. */
static int db_errno(int code)
{
	switch (code & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	case SQLITE_FULL:
		return -ENOSPC;
	default:
		/* Busy too: it is busy still after the 10 s the connection waits. */
		return -EIO;
	}
}

int db_open(struct db **out, const char *where)
{
	struct db *db = xcalloc(1, sizeof(*db));
	int i, rc;

	*out = NULL;
	rc = sqlite3_open_v2(where, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_error("store: cannot open %s: %s", where, sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(db->h, 10000);
	sqlite3_extended_result_codes(db->h, 1);
	/* Deleted text (a purge, a deleted transcript) is overwritten, not left in free pages. */
	if (sqlite3_exec(db->h, "PRAGMA secure_delete=ON", NULL, NULL, NULL) != SQLITE_OK) {
		log_error("store: cannot set secure_delete: %s", sqlite3_errmsg(db->h));
		goto fail;
	}
	for (i = 0; i < TX_COUNT; i++) {
		if (sqlite3_prepare_v3(db->h, tx_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &db->tx[i],
				       NULL) != SQLITE_OK) {
			log_error("store: prepare %s: %s", tx_sql[i], sqlite3_errmsg(db->h));
			goto fail;
		}
	}
	*out = db;
	return 0;
fail:
	db_close(db);
	return -EIO;
}

void db_close(struct db *db)
{
	int i;

	if (!db)
		return;
	for (i = 0; i < TX_COUNT; i++)
		sqlite3_finalize(db->tx[i]);
	sqlite3_close(db->h);
	free(db);
}

/*
 * Every parameter must be `?N`: another driver rewrites those, and only
 * those.  SQLite names a numbered one "?N" and a plain `?` not at all (nor
 * a gap in the numbers), so plain ones are looked for in the text, outside
 * quotes.
 */
static int check_params(sqlite3_stmt *s, const char *sql)
{
	int i, n = sqlite3_bind_parameter_count(s);
	const char *p;
	char quote = 0;

	for (i = 1; i <= n; i++) {
		const char *name = sqlite3_bind_parameter_name(s, i);

		if (name && name[0] != '?')
			goto bad;
	}
	for (p = sql; n && *p; p++) {
		if (quote) {
			quote = *p == quote ? 0 : quote;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (*p == '?' && (p[1] < '0' || p[1] > '9')) {
			goto bad;
		}
	}
	return 0;
bad:
	log_error("store: parameters must be numbered ?1, ?2...: %.80s", sql);
	return -EINVAL;
}

static int prepare(struct db *db, const char *sql, unsigned flags, struct db_stmt **out)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v3(db->h, sql, -1, flags, &s, NULL);

	*out = NULL;
	if (rc != SQLITE_OK) {
		sqlite3_finalize(s);
		return db_errno(rc) ? db_errno(rc) : -EIO;
	}
	if (check_params(s, sql) < 0) {
		sqlite3_finalize(s);
		return -EINVAL;
	}
	*out = (struct db_stmt *)s;
	return 0;
}

int db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	return prepare(db, sql, 0, out);
}

int db_prepare_cached(struct db *db, const char *sql, struct db_stmt **out)
{
	return prepare(db, sql, SQLITE_PREPARE_PERSISTENT, out);
}

void db_finalize(struct db_stmt *s)
{
	sqlite3_finalize(S(s));
}

void db_bind_int64(struct db_stmt *s, int col, int64_t v)
{
	sqlite3_bind_int64(S(s), col, v);
}

void db_bind_int(struct db_stmt *s, int col, int v)
{
	sqlite3_bind_int(S(s), col, v);
}

void db_bind_text(struct db_stmt *s, int col, const char *text)
{
	if (text)
		sqlite3_bind_text(S(s), col, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(S(s), col);
}

void db_bind_blob(struct db_stmt *s, int col, const void *p, size_t n)
{
	sqlite3_bind_blob64(S(s), col, p, n, SQLITE_TRANSIENT);
}

void db_bind_null(struct db_stmt *s, int col)
{
	sqlite3_bind_null(S(s), col);
}

int db_step(struct db_stmt *s)
{
	int rc = sqlite3_step(S(s));

	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	rc = db_errno(rc);
	return rc ? rc : -EIO;
}

int64_t db_column_int64(struct db_stmt *s, int col)
{
	return sqlite3_column_int64(S(s), col);
}

int db_column_int(struct db_stmt *s, int col)
{
	return sqlite3_column_int(S(s), col);
}

const char *db_column_text(struct db_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(S(s), col);
}

const void *db_column_blob(struct db_stmt *s, int col, size_t *bytes)
{
	const void *p = sqlite3_column_blob(S(s), col);

	/* After the pointer: reading it may convert the value, which sets its size. */
	*bytes = (size_t)sqlite3_column_bytes(S(s), col);
	return p;
}

bool db_column_is_null(struct db_stmt *s, int col)
{
	return sqlite3_column_type(S(s), col) == SQLITE_NULL;
}

void db_reset(struct db_stmt *s)
{
	sqlite3_reset(S(s));
}

void db_unbind(struct db_stmt *s)
{
	sqlite3_clear_bindings(S(s));
}

int db_changes(struct db *db)
{
	return sqlite3_changes(db->h);
}

int db_exec(struct db *db, const char *sql)
{
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_errno(rc) ? db_errno(rc) : -EIO;
}

/* Run one of the transaction statements. */
static int tx_run(struct db *db, enum tx_id id)
{
	sqlite3_stmt *s = db->tx[id];
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	rc = db_errno(rc);
	return rc ? rc : -EIO;
}

int db_begin(struct db *db)
{
	return tx_run(db, TX_BEGIN);
}

int db_commit(struct db *db)
{
	return tx_run(db, TX_COMMIT);
}

int db_rollback(struct db *db)
{
	return tx_run(db, TX_ROLLBACK);
}

int db_savepoint(struct db *db)
{
	return tx_run(db, TX_SAVEPOINT);
}

int db_savepoint_release(struct db *db)
{
	return tx_run(db, TX_RELEASE);
}

int db_savepoint_rollback(struct db *db)
{
	return tx_run(db, TX_ROLLBACK_TO);
}

bool db_in_transaction(struct db *db)
{
	return !sqlite3_get_autocommit(db->h);
}

int db_set_durable(struct db *db, bool durable)
{
	return tx_run(db, durable ? TX_SYNC_FULL : TX_SYNC_NORMAL);
}

int db_error(struct db *db)
{
	int rc = db_errno(sqlite3_extended_errcode(db->h));

	return rc ? rc : -EIO;
}

const char *db_errmsg(struct db *db)
{
	/* SQLite's extended code too: it tells a full disk from a failed write or a lock. */
	snprintf(db->msg, sizeof(db->msg), "%s (%d)", sqlite3_errmsg(db->h),
		 sqlite3_extended_errcode(db->h));
	return db->msg;
}

/* For sqlite_only.c: the connection itself. */
sqlite3 *db_sqlite_handle(struct db *db)
{
	return db->h;
}
