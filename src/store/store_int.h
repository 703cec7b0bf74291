/*
 * store_int.h - what the files of store/ share and nothing else sees: the
 * connection behind a `struct store`, error reporting, and reading a chat
 * row.  Only store/ includes this.  The database is reached through db.h
 * only; sqlite3.h is included by db_sqlite.c and sqlite_only.c alone
 * (scripts/check-layers).
 */
#ifndef REFDESK_STORE_STORE_INT_H
#define REFDESK_STORE_STORE_INT_H

#include "store/db.h"

#include "store/store.h"

/*
 * A chat's last seq and its counts of messages and snapshots.  The row's
 * `last_seq` says how far `n_messages` and `n_snapshots` are tallied; the
 * writer tallies a chat's events only now and then (store.c:
 * chats_caught_up()), so a reader adds the events after it, at most a few
 * dozen rows of the events' primary key.  `t` names the chats row.
 */
#define STORE_LAST_SEQ(t) "coalesce((SELECT max(e.seq) FROM events e WHERE e.chat_id = " t ".id " \
	"AND e.seq > " t ".last_seq), " t ".last_seq)"
#define STORE_UNTALLIED(t, kind) "(SELECT count(*) FROM events e WHERE e.chat_id = " t ".id " \
	"AND e.seq > " t ".last_seq AND e.kind = '" kind "')"
/*
 * An UPDATE's SET that tallies a chats row's events through seq `upto`
 * (an expression; the row's own columns are read as they were, SQL's rule).
 */
#define STORE_TALLY(upto) \
	"n_messages = n_messages + (SELECT count(*) FROM events e WHERE e.chat_id = chats.id " \
	"AND e.seq > chats.last_seq AND e.seq <= " upto " AND e.kind = 'message'), " \
	"n_snapshots = n_snapshots + (SELECT count(*) FROM events e WHERE e.chat_id = chats.id " \
	"AND e.seq > chats.last_seq AND e.seq <= " upto " AND e.kind = 'snapshot'), " \
	"last_seq = " upto
/* ... through the chat's last event: UPDATE chats SET STORE_TALLY_ALL WHERE STORE_UNTALLIED_ANY. */
#define STORE_LAST_EVENT "(SELECT max(f.seq) FROM events f WHERE f.chat_id = chats.id)"
#define STORE_TALLY_ALL STORE_TALLY(STORE_LAST_EVENT)
#define STORE_UNTALLIED_ANY "last_seq < " STORE_LAST_EVENT

/* The columns store_read_chat() reads, in its order. */
#define STORE_CHAT_COLS "id, public_id, token_hash, account_id, queue_id, guest_name, status, " \
	"operator_id, " STORE_LAST_SEQ("chats") ", created_at, accepted_at, ended_at, manage_token, " \
	"n_messages + " STORE_UNTALLIED("chats", "message") ", " \
	"n_snapshots + " STORE_UNTALLIED("chats", "snapshot") ", deleted_at"

/*
 * A message's search text is kept under the rowid (ord << 20 | seq): the
 * first million events of a chat are searchable (schema.c, migration 3).
 */
#define STORE_SEARCH_SHIFT 20
#define STORE_SEARCH_SEQS "1048576"

/* The connection (borrowed). */
struct db *store_db(struct store *st);
/* store_search_elsewhere() was called: a deletion hands its chat to store_search_dropping(). */
bool store_search_is_elsewhere(const struct store *st);
void store_search_dropping(struct store *st, int64_t chat_id);
/*
 * Log the connection's last failure, of `what`, once (a broken constraint
 * is not logged: it is the caller's answer); returns its negative errno:
 * -EEXIST, -ENOSPC or -EIO.
 */
int store_fail(struct store *st, const char *what);
/*
 * Step an INSERT ... RETURNING id and reset it: *id (if not NULL) gets the
 * new row's id.  Returns 0 or a negative errno (logged as store_fail()).
 */
int store_run_insert(struct store *st, struct db_stmt *s, const char *what, int64_t *id);
/* Copy a text column into `dst` of `size` bytes ("" for NULL). */
void store_copy_text(char *dst, size_t size, struct db_stmt *s, int col);
/* Fill `c` from a row of STORE_CHAT_COLS starting at column 0. */
void store_read_chat(struct db_stmt *s, struct store_chat *c);

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
/* report.c's prepared statements, which the store finalizes (borrowed, STORE_REPORT_STMTS of them). */
#define STORE_REPORT_STMTS 12
struct db_stmt **store_report_stmts(struct store *st);

#endif
