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

/*
 * Reports (report.c), kept by store.c's writes inside the caller's
 * transaction: a chat added, accepted, and each of its events (only
 * snapshots, share steps and the "ended" notice count; messages return at
 * once).  Each returns 0 or a negative errno.
 */
int store_report_chat_added(struct store *st, const struct store_chat *c);
int store_report_chat_accepted(struct store *st, int64_t chat_id, int64_t operator_id, int64_t at);
int store_report_event_added(struct store *st, const struct store_event *ev);
/*
 * A follow-up was left (+1 left for its account and queue), or its mail's
 * outcome changed: `answered` and `failed` are +1 or -1 (an answer given
 * again takes back a "not delivered"), counted for the account, the queue
 * and `operator_id` (who answered it; left moves with them there).
 */
int store_report_followup_left(struct store *st, const struct store_followup *f);
int store_report_followup_outcome(struct store *st, const struct store_followup *f,
				  int64_t operator_id, int answered, int failed);
/*
 * A chat's survey answers were kept: add one survey and what its answers
 * count (chat_report's row says where the chat counts; a chat older than
 * reports counts nothing).
 */
int store_report_survey_added(struct store *st, int64_t chat_id,
			      const struct store_survey_answer *a, int n);
/* Register report_bucket() on a new connection, before the schema is migrated. */
int store_report_register(sqlite3 *db);
/* report.c's prepared statements, which the store finalizes (borrowed, STORE_REPORT_STMTS of them). */
#define STORE_REPORT_STMTS 12
sqlite3_stmt **store_report_stmts(struct store *st);

#endif
