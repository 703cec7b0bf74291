/*
 * sqlite_only.c - the store's work that only SQLite has (sqlite_only.h):
 * a SQL function written in C, the WAL's hook and checkpoints, the online
 * backup, and the FTS5 index's merge.  With db_sqlite.c, the only file of
 * store/ that includes sqlite3.h.
 */
#include "store/sqlite_only.h"

#include <errno.h>
#include <string.h>
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

/*
 * The search index's file.  `message_text` holds each message's text under
 * the rowid (ord << 20 | seq), where `ord` numbers the chats in the order
 * they were created: the FTS5 index over it as external content then
 * yields matches newest chat first, so a search page stops after its rows
 * however common the word.  The index keeps no lengths (columnsize=0: they
 * serve ranking, which search does not do).  `indexed` is how far each
 * chat's events are indexed, `runs` the row a run updates first (store.c).
 * The file is written without waiting for the disk (synchronous=NORMAL):
 * what a power cut takes from it goes with its `indexed` rows, and is
 * indexed again.
 */
#define SEARCH_TABLES \
	"CREATE TABLE IF NOT EXISTS search.message_text (" \
	"  id INTEGER PRIMARY KEY," \
	"  chat_id INTEGER NOT NULL," \
	"  text TEXT NOT NULL);" \
	"CREATE VIRTUAL TABLE IF NOT EXISTS search.message_fts USING fts5(text," \
	"  content='message_text', content_rowid='id', columnsize=0," \
	"  tokenize='unicode61 remove_diacritics 2');" \
	"CREATE TRIGGER IF NOT EXISTS search.message_text_deleted AFTER DELETE ON message_text BEGIN" \
	"  INSERT INTO message_fts(message_fts, rowid, text) VALUES ('delete', old.id, old.text); END;" \
	"CREATE TABLE IF NOT EXISTS search.indexed (" \
	"  chat_id INTEGER PRIMARY KEY," \
	"  seq INTEGER NOT NULL);" \
	"CREATE TABLE IF NOT EXISTS search.runs (n INTEGER NOT NULL);" \
	"INSERT INTO search.runs SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM search.runs);"

/* A new file gets 2 KiB pages, as refdesk.db does (schema_migrate_to()). */
static const char search_schema[] =
	"PRAGMA search.page_size=2048;"
	"PRAGMA search.journal_mode=WAL;"
	SEARCH_TABLES;

/* The tables dropped and made again, in one transaction (FTS5 is not asked what it holds). */
static const char search_reset[] =
	"BEGIN;"
	"DROP TABLE IF EXISTS search.message_fts;"
	"DROP TABLE IF EXISTS search.message_text;"
	"DROP TABLE IF EXISTS search.indexed;"
	SEARCH_TABLES
	"COMMIT;";

int sqlite_only_search_reset(struct db *db)
{
	sqlite3 *h = db_sqlite_handle(db);

	if (!h)
		return 0;
	if (sqlite3_exec(h, search_reset, NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	log_error("store: empty the search index: %s", sqlite3_errmsg(h));
	if (!sqlite3_get_autocommit(h))
		sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	return -EIO;
}

int sqlite_only_attach_search(struct db *db, const char *path)
{
	sqlite3 *h = db_sqlite_handle(db);
	sqlite3_stmt *s;
	int rc;

	if (!h)
		return 0;
	if (sqlite3_prepare_v2(h, "ATTACH DATABASE ?1 AS search", -1, &s, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE ||
	    sqlite3_exec(h, "PRAGMA search.synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT count(*) FROM search.sqlite_master WHERE name = 'runs'",
			       -1, &s, NULL) != SQLITE_OK)
		goto fail;
	rc = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) > 0;
	sqlite3_finalize(s);
	/* Made only when missing: making it takes the file's write lock, which a run may hold. */
	if (!rc && sqlite3_exec(h, search_schema, NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	log_error("store: search index %s: %s", path, sqlite3_errmsg(h));
	return -EIO;
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
	if (!strcmp(name, "main")) /* the search index's file checkpoints by itself */
		w->cb(w->arg, pages);
	return SQLITE_OK;
}

void sqlite_only_watch_wal(struct db *db, struct sqlite_only_wal *w)
{
	if (db_sqlite_handle(db))
		sqlite3_wal_hook(db_sqlite_handle(db), wal_hook, w);
}

int sqlite_only_checkpoint(struct db *db, int *log, int *copied)
{
	int rc, n = 0, done = 0;

	if (!db_sqlite_handle(db))
		return 0;
	rc = sqlite3_wal_checkpoint_v2(db_sqlite_handle(db), "main", SQLITE_CHECKPOINT_PASSIVE,
				       &n, &done);
	if (log)
		*log = n > 0 ? n : 0;
	if (copied)
		*copied = done > 0 ? done : 0;

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
