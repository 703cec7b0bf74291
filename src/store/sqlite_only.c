/*
 * sqlite_only.c - the store's work that only SQLite has (sqlite_only.h):
 * a SQL function written in C, the WAL's hook and checkpoints, the online
 * backup, and the FTS5 index's merge.  With db_sqlite.c, the only file of
 * store/ that includes sqlite3.h.
 */
#include "store/sqlite_only.h"

#include <errno.h>
#include <sqlite3.h>
#include <unistd.h>

#include "base/log.h"
#include "store/store.h"

/* db_sqlite.c's connection under a `struct db`; NULL for another driver's, which has none of this. */
sqlite3 *db_sqlite_handle(struct db *db);

static void sql_report_bucket(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_int(ctx, store_report_bucket(sqlite3_value_int64(argv[0])));
}

int sqlite_only_register_functions(struct db *db)
{
	if (!db_sqlite_handle(db))
		return 0; /* PostgreSQL's migrations define it in SQL (schema_pg.c) */
	return sqlite3_create_function(db_sqlite_handle(db), "report_bucket", 1,
				       SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_report_bucket,
				       NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

static int wal_hook(void *arg, sqlite3 *h, const char *name, int pages)
{
	struct sqlite_only_wal *w = arg;

	(void)h;
	(void)name;
	w->cb(w->arg, pages);
	return SQLITE_OK;
}

void sqlite_only_watch_wal(struct db *db, struct sqlite_only_wal *w)
{
	if (db_sqlite_handle(db))
		sqlite3_wal_hook(db_sqlite_handle(db), wal_hook, w);
}

int sqlite_only_checkpoint(struct db *db)
{
	int rc;

	if (!db_sqlite_handle(db))
		return 0;
	rc = sqlite3_wal_checkpoint_v2(db_sqlite_handle(db), NULL, SQLITE_CHECKPOINT_PASSIVE,
				       NULL, NULL);

	return rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : db_error(db);
}

int sqlite_only_backup(struct db *db, const char *path)
{
	sqlite3_backup *b;
	sqlite3 *dst;
	int rc;

	if (!db_sqlite_handle(db)) {
		log_error("store: backup: the store is PostgreSQL: back it up with pg_dump "
			  "(docs/OPERATIONS.md)");
		return -ENOTSUP;
	}
	rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_error("store: backup: cannot create %s: %s", path, sqlite3_errstr(rc));
		sqlite3_close(dst);
		return -EIO;
	}
	b = sqlite3_backup_init(dst, "main", db_sqlite_handle(db), "main");
	if (!b) {
		log_error("store: backup: %s", sqlite3_errmsg(dst));
		rc = SQLITE_ERROR;
	} else {
		/*
		 * All pages in one step: it reads the source in one transaction,
		 * so the copy is one instant of it even while the writer commits.
		 * Busy means the writer was checkpointing: wait a moment, again.
		 */
		do {
			rc = sqlite3_backup_step(b, -1);
			if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
				sqlite3_sleep(20);
		} while (rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
		sqlite3_backup_finish(b);
		if (rc != SQLITE_DONE)
			log_error("store: backup: %s", sqlite3_errstr(rc));
		else
			rc = sqlite3_exec(dst, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	}
	sqlite3_close(dst);
	if (rc != SQLITE_OK && rc != SQLITE_DONE) {
		unlink(path);
		return -EIO;
	}
	return 0;
}

int sqlite_only_search_optimize(struct db *db)
{
	/* A GIN index drops a deleted row's words at once (and VACUUM frees its pages). */
	if (!db_sqlite_handle(db))
		return 0;
	/*
	 * FTS5 records a deletion as a marker in a new segment; the old
	 * segment keeps the words until it is merged.  'optimize' merges them
	 * all into one, so with secure_delete the deleted words leave the file.
	 */
	return db_exec(db, "INSERT INTO message_fts(message_fts) VALUES ('optimize')");
}
