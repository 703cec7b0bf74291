/*
 * store_int.h - what the files of store/ share and nothing else sees: the
 * connection behind a `struct store`, error reporting, and reading a chat
 * row.  Only store/ includes this (and with it sqlite3.h).
 */
#ifndef REFDESK_STORE_STORE_INT_H
#define REFDESK_STORE_STORE_INT_H

#include <sqlite3.h>

#include "store/store.h"

/* The columns store_read_chat() reads, in its order. */
#define STORE_CHAT_COLS "id, public_id, token_hash, account_id, queue_id, guest_name, status, " \
	"operator_id, last_seq, created_at, accepted_at, ended_at, manage_token, n_messages, " \
	"n_snapshots, deleted_at"

/*
 * A message's search text is kept under the rowid (ord << 20 | seq): the
 * first million events of a chat are searchable (schema.c, migration 3).
 */
#define STORE_SEARCH_SHIFT 20
#define STORE_SEARCH_SEQS "1048576"

/* The connection (borrowed). */
sqlite3 *store_db(struct store *st);
/* Log a SQLite failure of `what` once; returns -EEXIST, -ENOSPC or -EIO. */
int store_fail(struct store *st, const char *what);
/* Bind `text` (copied), or NULL. */
void store_bind_text(sqlite3_stmt *s, int col, const char *text);
/* Copy a text column into `dst` of `size` bytes ("" for NULL). */
void store_copy_text(char *dst, size_t size, sqlite3_stmt *s, int col);
/* Fill `c` from a row of STORE_CHAT_COLS starting at column 0. */
void store_read_chat(sqlite3_stmt *s, struct store_chat *c);

#endif
