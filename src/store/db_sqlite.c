/*
 * db_sqlite.c - the SQLite driver of db.h.
 *
 * How it works: a connection holds the sqlite3 handle and the few
 * statements of its transactions, prepared once.  A statement is SQLite's
 * own behind the driver's head (db_driver.h), so binding and reading a
 * column is one jump into SQLite.  SQLite's result codes become negative
 * errno here and nowhere else.
 */
#include "store/db_driver.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/log.h"
#include "base/util.h"

/* db_driver.h's enum db_tx, then the driver's own. */
enum tx_id { TX_BEGIN = DB_TX_BEGIN, TX_COMMIT = DB_TX_COMMIT, TX_ROLLBACK = DB_TX_ROLLBACK,
	     TX_SAVEPOINT = DB_TX_SAVEPOINT, TX_RELEASE = DB_TX_RELEASE,
	     TX_ROLLBACK_TO = DB_TX_ROLLBACK_TO, TX_SYNC_NORMAL, TX_SYNC_FULL, TX_COUNT };

static const char *const tx_sql[TX_COUNT] = {
	/*
	 * Deferred: BEGIN IMMEDIATE would take the write lock of every attached
	 * file.  The store's first statement takes the one it writes
	 * (store_begin()), before anything is read, so the transaction cannot
	 * find its snapshot stale when it writes.
	 */
	[TX_BEGIN] = "BEGIN",
	[TX_COMMIT] = "COMMIT",
	[TX_ROLLBACK] = "ROLLBACK",
	[TX_SAVEPOINT] = "SAVEPOINT op",
	[TX_RELEASE] = "RELEASE op",
	[TX_ROLLBACK_TO] = "ROLLBACK TO op",
	[TX_SYNC_NORMAL] = "PRAGMA synchronous=NORMAL",
	[TX_SYNC_FULL] = "PRAGMA synchronous=FULL",
};

struct sq_db {
	struct db base;
	sqlite3 *h;
	sqlite3_stmt *tx[TX_COUNT];
	char msg[256]; /* db_errmsg()'s text */
};

struct sq_stmt {
	struct db_stmt base;
	sqlite3_stmt *s;
};

static const struct db_driver sqlite_driver;

#define DB(d) ((struct sq_db *)(d))
#define S(st) (((struct sq_stmt *)(st))->s)

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

static void sq_close(struct db *d);

/*
 * Before SQLite's first use: no count of its memory.  Counting takes a
 * global mutex on each of its allocations (26 for a message stored and
 * indexed), ~4,000 instructions a message, and refdesk never reads it.
 */
static void sq_configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int db_sqlite_open(struct db **out, const char *where)
{
	static pthread_once_t configured = PTHREAD_ONCE_INIT;
	struct sq_db *db = xcalloc(1, sizeof(*db));
	int i, rc;

	pthread_once(&configured, sq_configure);
	*out = NULL;
	db->base.drv = &sqlite_driver;
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
	*out = &db->base;
	return 0;
fail:
	sq_close(&db->base);
	return -EIO;
}

static void sq_close(struct db *d)
{
	struct sq_db *db = DB(d);
	int i;

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

static int sq_prepare(struct db *db, const char *sql, bool cached, struct db_stmt **out)
{
	sqlite3_stmt *s = NULL;
	struct sq_stmt *st;
	int rc = sqlite3_prepare_v3(DB(db)->h, sql, -1, cached ? SQLITE_PREPARE_PERSISTENT : 0,
				    &s, NULL);

	*out = NULL;
	if (rc != SQLITE_OK) {
		sqlite3_finalize(s);
		return db_errno(rc) ? db_errno(rc) : -EIO;
	}
	if (check_params(s, sql) < 0) {
		sqlite3_finalize(s);
		return -EINVAL;
	}
	st = xcalloc(1, sizeof(*st));
	st->base.drv = &sqlite_driver;
	st->s = s;
	*out = &st->base;
	return 0;
}

static void sq_finalize(struct db_stmt *s)
{
	sqlite3_finalize(S(s));
	free(s);
}

static void sq_bind_int64(struct db_stmt *s, int col, int64_t v)
{
	sqlite3_bind_int64(S(s), col, v);
}

static void sq_bind_text(struct db_stmt *s, int col, const char *text)
{
	sqlite3_bind_text(S(s), col, text, -1, SQLITE_TRANSIENT);
}

static void sq_bind_blob(struct db_stmt *s, int col, const void *p, size_t n)
{
	sqlite3_bind_blob64(S(s), col, p, n, SQLITE_TRANSIENT);
}

static void sq_bind_null(struct db_stmt *s, int col)
{
	sqlite3_bind_null(S(s), col);
}

static int sq_step(struct db_stmt *s)
{
	int rc = sqlite3_step(S(s));

	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	rc = db_errno(rc);
	return rc ? rc : -EIO;
}

static int64_t sq_column_int64(struct db_stmt *s, int col)
{
	return sqlite3_column_int64(S(s), col);
}

static const char *sq_column_text(struct db_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(S(s), col);
}

static const void *sq_column_blob(struct db_stmt *s, int col, size_t *bytes)
{
	const void *p = sqlite3_column_blob(S(s), col);

	/* After the pointer: reading it may convert the value, which sets its size. */
	*bytes = (size_t)sqlite3_column_bytes(S(s), col);
	return p;
}

static bool sq_column_is_null(struct db_stmt *s, int col)
{
	return sqlite3_column_type(S(s), col) == SQLITE_NULL;
}

static enum db_type sq_column_type(struct db_stmt *s, int col)
{
	switch (sqlite3_column_type(S(s), col)) {
	case SQLITE_INTEGER:
		return DB_INTEGER;
	case SQLITE_FLOAT:
		return DB_FLOAT;
	case SQLITE_TEXT:
		return DB_TEXT;
	case SQLITE_BLOB:
		return DB_BLOB;
	default:
		return DB_NULL;
	}
}

static int sq_column_count(struct db_stmt *s)
{
	return sqlite3_column_count(S(s));
}

static const char *sq_column_name(struct db_stmt *s, int col)
{
	return sqlite3_column_name(S(s), col);
}

static void sq_reset(struct db_stmt *s)
{
	sqlite3_reset(S(s));
}

static void sq_unbind(struct db_stmt *s)
{
	sqlite3_clear_bindings(S(s));
}

static int sq_changes(struct db *db)
{
	return sqlite3_changes(DB(db)->h);
}

static int sq_exec(struct db *db, const char *sql)
{
	int rc = sqlite3_exec(DB(db)->h, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_errno(rc) ? db_errno(rc) : -EIO;
}

/* Run one of the transaction statements. */
static int tx_run(struct db *db, enum tx_id id)
{
	sqlite3_stmt *s = DB(db)->tx[id];
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	rc = db_errno(rc);
	return rc ? rc : -EIO;
}

static int sq_tx(struct db *db, enum db_tx tx)
{
	return tx_run(db, (enum tx_id)tx);
}

static bool sq_in_transaction(struct db *db)
{
	return !sqlite3_get_autocommit(DB(db)->h);
}

static int sq_set_durable(struct db *db, bool durable)
{
	return tx_run(db, durable ? TX_SYNC_FULL : TX_SYNC_NORMAL);
}

static int sq_error(struct db *db)
{
	int rc = db_errno(sqlite3_extended_errcode(DB(db)->h));

	return rc ? rc : -EIO;
}

static const char *sq_errmsg(struct db *d)
{
	struct sq_db *db = DB(d);

	/* SQLite's extended code too: it tells a full disk from a failed write or a lock. */
	snprintf(db->msg, sizeof(db->msg), "%s (%d)", sqlite3_errmsg(db->h),
		 sqlite3_extended_errcode(db->h));
	return db->msg;
}

static const struct db_driver sqlite_driver = {
	.dialect = DB_SQLITE,
	.close = sq_close,
	.prepare = sq_prepare,
	.finalize = sq_finalize,
	.bind_int64 = sq_bind_int64,
	.bind_text = sq_bind_text,
	.bind_blob = sq_bind_blob,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.column_int64 = sq_column_int64,
	.column_text = sq_column_text,
	.column_blob = sq_column_blob,
	.column_is_null = sq_column_is_null,
	.column_type = sq_column_type,
	.column_count = sq_column_count,
	.column_name = sq_column_name,
	.reset = sq_reset,
	.unbind = sq_unbind,
	.changes = sq_changes,
	.exec = sq_exec,
	.tx = sq_tx,
	.in_transaction = sq_in_transaction,
	.set_durable = sq_set_durable,
	.error = sq_error,
	.errmsg = sq_errmsg,
};

/* For sqlite_only.c: the connection itself (NULL for another driver's). */
sqlite3 *db_sqlite_handle(struct db *db)
{
	return db->drv == &sqlite_driver ? DB(db)->h : NULL;
}
