/*
 * db_driver.h - what a driver of the database layer (db.h) provides, and
 * how db.c reaches it.  Only db.c and the drivers (db_sqlite.c, db_pg.c)
 * include this.
 *
 * A connection and a statement each begin with their driver's table, so
 * db.c finds the driver of any `struct db` or `struct db_stmt` it is given
 * and one process can hold connections of both kinds (admin migrate-store
 * reads one and writes the other).  A call through the table costs one
 * indirect jump.
 */
#ifndef REFDESK_STORE_DB_DRIVER_H
#define REFDESK_STORE_DB_DRIVER_H

#include "store/db.h"

/* The transaction statements every driver runs its own way. */
enum db_tx { DB_TX_BEGIN, DB_TX_COMMIT, DB_TX_ROLLBACK, DB_TX_SAVEPOINT, DB_TX_RELEASE,
	     DB_TX_ROLLBACK_TO };

struct db_driver {
	enum db_dialect dialect;
	void (*close)(struct db *db);
	int (*prepare)(struct db *db, const char *sql, bool cached, struct db_stmt **out);
	void (*finalize)(struct db_stmt *s);
	void (*bind_int64)(struct db_stmt *s, int col, int64_t v);
	void (*bind_text)(struct db_stmt *s, int col, const char *text);
	void (*bind_blob)(struct db_stmt *s, int col, const void *p, size_t n);
	void (*bind_null)(struct db_stmt *s, int col);
	int (*step)(struct db_stmt *s);
	int64_t (*column_int64)(struct db_stmt *s, int col);
	const char *(*column_text)(struct db_stmt *s, int col);
	const void *(*column_blob)(struct db_stmt *s, int col, size_t *bytes);
	bool (*column_is_null)(struct db_stmt *s, int col);
	enum db_type (*column_type)(struct db_stmt *s, int col);
	int (*column_count)(struct db_stmt *s);
	const char *(*column_name)(struct db_stmt *s, int col);
	void (*reset)(struct db_stmt *s);
	void (*unbind)(struct db_stmt *s);
	int (*changes)(struct db *db);
	int (*exec)(struct db *db, const char *sql);
	int (*tx)(struct db *db, enum db_tx tx);
	bool (*in_transaction)(struct db *db);
	int (*set_durable)(struct db *db, bool durable);
	int (*error)(struct db *db);
	const char *(*errmsg)(struct db *db);
	bool (*unreachable)(struct db *db); /* NULL: never */
};

/* The head of every connection and statement: its driver. */
struct db {
	const struct db_driver *drv;
};

struct db_stmt {
	const struct db_driver *drv;
};

/* Open a connection of each driver (db_open() picks one by `where`); 0 or -EIO (logged). */
int db_sqlite_open(struct db **out, const char *path);
int db_pg_open(struct db **out, const char *url);

#endif
