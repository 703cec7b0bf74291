/*
 * sqlite_only.h - what the store does that only SQLite has, kept apart from
 * the database layer (db.h) so that it is plain what a second driver must
 * provide its own way.  Each function takes the connection of the SQLite
 * driver (db_sqlite.c) and returns 0 or a negative errno.
 *
 * What a PostgreSQL driver must provide instead (docs/ARCHITECTURE.md):
 *  - sqlite_only_register_functions(): report_bucket(ms) as a SQL
 *    function (an immutable plpgsql or SQL function made by its migrations);
 *  - sqlite_only_watch_wal(), sqlite_only_checkpoint(): nothing (the
 *    server checkpoints by itself);
 *  - sqlite_only_backup(): none in the store (pg_dump, or a replica);
 *  - sqlite_only_search_optimize(): nothing for a GIN index, or VACUUM;
 *  - the FTS5 search index itself (message_fts: filled by store.c's index
 *    runs, read with MATCH and snippet() in history.c, emptied by a trigger
 *    when message_text rows are deleted): a tsvector column with a GIN
 *    index;
 *  - the JSON functions (json_extract, json_each...) of store.c's index
 *    runs, report.c and retention.c: jsonb operators;
 *  - the schema and its PRAGMAs (schema.c): its own migrations.
 */
#ifndef REFDESK_STORE_SQLITE_ONLY_H
#define REFDESK_STORE_SQLITE_ONLY_H

#include "store/db.h"

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
/* A passive checkpoint (one that waits for nobody): 0 also when readers hold it back. */
int sqlite_only_checkpoint(struct db *db);

/* Copy the database, as of one instant, to a new file at `path` (removed on failure; logged). */
int sqlite_only_backup(struct db *db, const char *path);

/* Merge the search index's segments, so words deleted from it leave the file. */
int sqlite_only_search_optimize(struct db *db);

#endif
