/*
 * sqlite_only.h - what the store does that only SQLite has, kept apart from
 * the database layer (db.h) so that it is plain what PostgreSQL does its
 * own way.  Each function takes a connection and returns 0 or a negative
 * errno; on a connection of another driver each is nothing (the backup, a
 * refusal):
 *  - sqlite_only_register_functions(): report_bucket(ms), used only by
 *    SQLite's migration 12 (PostgreSQL's schema starts with the reports);
 *  - sqlite_only_watch_wal(), sqlite_only_checkpoint(): the server
 *    checkpoints by itself;
 *  - sqlite_only_backup(): pg_dump, or a replica (docs/OPERATIONS.md);
 *  - sqlite_only_search_optimize(): a GIN index drops deleted words at once;
 *  - sqlite_only_attach_search(): the search index in a file of its own
 *    (PostgreSQL's writers do not lock each other out).
 * The FTS5 index, the JSON functions and the schema are PostgreSQL's own in
 * schema_pg.c and the few statements of stmt_sql_pg[] (store.c) and
 * history.c's search (docs/ARCHITECTURE.md, "The database layer").
 */
#ifndef REFDESK_STORE_SQLITE_ONLY_H
#define REFDESK_STORE_SQLITE_ONLY_H

#include "store/db.h"

/*
 * Attach the search index's database file at `path` as `search` (made
 * when missing: its tables are built again from the events), after the
 * main database is migrated.  The index is derived data: the file may be
 * deleted while refdesk is stopped, and the next start rebuilds it.
 */
int sqlite_only_attach_search(struct db *db, const char *path);
/* Empty the attached search index: its tables dropped and made again, in one transaction. */
int sqlite_only_search_reset(struct db *db);

/* Register report_bucket(ms) (store_report_bucket()) on a new connection, before migrating. */
int sqlite_only_register_functions(struct db *db);

/* What the WAL's growth is reported to (borrowed for the connection's life). */
struct sqlite_only_wal {
	void (*cb)(void *arg, int pages);
	void *arg;
};

/*
 * After each commit on `db`, `w->cb` gets the WAL's size in pages; this
 * replaces SQLite's own hook, which checkpoints inside the commit.
 */
void sqlite_only_watch_wal(struct db *db, struct sqlite_only_wal *w);
/*
 * A passive checkpoint (one that waits for nobody): 0 also when readers
 * hold it back.  When not NULL, *log is the log's length in frames when
 * the copy began and *copied how many of them are now in the database file.
 */
int sqlite_only_checkpoint(struct db *db, int *log, int *copied);

/* Copy the database, as of one instant, to a new file at `path` (removed on failure; logged). */
int sqlite_only_backup(struct db *db, const char *path);

/* Merge the search index's segments, so words deleted from it leave the file. */
int sqlite_only_search_optimize(struct db *db);

#endif
