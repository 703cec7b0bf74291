/*
 * schema.h - the database schema and its migrations.
 */
#ifndef REFDESK_STORE_SCHEMA_H
#define REFDESK_STORE_SCHEMA_H

#include "store/db.h"

/*
 * Set the connection's pragmas (WAL, synchronous=FULL, foreign keys) and
 * bring the schema to the newest version, each migration in its own
 * transaction.  Returns 0 or -EIO (logged).  A database newer than this
 * binary is refused rather than guessed at.
 */
int schema_migrate(struct db *db);

/* The same up to `version` only (for testing the migrations after it). */
int schema_migrate_to(struct db *db, int version);

/* The version schema_migrate() brings a SQLite database to. */
int schema_version(void);

/*
 * PostgreSQL's own migrations (schema_pg.c), which schema_migrate() runs on
 * a PostgreSQL connection: to `version` of its list, all in one
 * transaction under an advisory lock.  Returns 0 or -EIO (logged).
 */
int schema_pg_migrate_to(struct db *db, int version);
int schema_pg_version(void);

/* For both lists: run `sql`, logging a failure (0 or -EIO); read one integer (-1 on failure). */
int schema_exec(struct db *db, const char *sql);
int schema_read_int(struct db *db, const char *sql);

#endif
