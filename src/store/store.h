/*
 * store.h - refdesk's durable state, behind one narrow interface.
 *
 * One `struct store` is one SQLite connection with its statements prepared
 * once.  The loop thread keeps one for reads; the writer thread (writer.h)
 * keeps its own for every write, so the fsync of a commit never runs on the
 * loop thread.  The admin command line uses a single store for both.
 *
 * Every function returns 0 or a negative errno code: -ENOENT when a row is
 * missing, -EEXIST when a unique name is taken, -EIO when SQLite failed (the
 * cause is logged once, here).  Row structs are filled by value; strings in
 * them are bounded copies.  Callbacks receive borrowed rows valid only during
 * the call; a callback that returns non-zero stops the walk and that value
 * is returned.
 *
 * A later backend (PostgreSQL) must fit behind this same header: nothing
 * above store/ sees SQL.
 */
#ifndef REFDESK_STORE_STORE_H
#define REFDESK_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/types.h"

#define STORE_NAME_BYTES NAME_BYTES     /* a display name or title (base/types.h) */
#define STORE_INVITE_BYTES INVITE_BYTES /* a screensharing invitation */
#define STORE_QUEUE_NAME_MAX 32 /* bytes of a queue's name: a-z, 0-9 and -, unique across the server */
#define STORE_USERNAME_MAX 64   /* bytes of an operator's username: A-Z a-z 0-9 . _ - */
#define STORE_ORIGINS_BYTES 2048
#define STORE_TOKEN_HASH 32   /* bytes of a hashed secret token */
#define STORE_MANAGE_TOKEN 40 /* a chat's management token (32 base64url characters), plus NUL */

struct store;


struct store_account {
	int64_t id;
	char name[STORE_NAME_BYTES];
	char origins[STORE_ORIGINS_BYTES]; /* space-separated */
};

struct store_queue {
	int64_t id;
	int64_t account_id;
	char name[40];
	char title[STORE_NAME_BYTES];
	char share_invite[STORE_INVITE_BYTES]; /* the screensharing invitation; "" for the default */
};

struct store_operator {
	int64_t id;
	int64_t account_id;
	char username[72];
	char name[STORE_NAME_BYTES];
	char pwhash[160];
	bool is_admin;
	bool disabled;
};

struct store_session {
	int64_t operator_id;
	char csrf[48];
	int64_t expires_at;
};

struct store_chat {
	int64_t id;
	char public_id[32];
	unsigned char token_hash[STORE_TOKEN_HASH];
	int64_t account_id;
	int64_t queue_id;
	char guest_name[STORE_NAME_BYTES]; /* "" when the guest gave none */
	enum chat_status status;
	int64_t operator_id; /* 0 while nobody holds it */
	int64_t last_seq;
	int64_t created_at;
	int64_t accepted_at;
	int64_t ended_at;
	char manage_token[STORE_MANAGE_TOKEN]; /* the management link's secret */
	int64_t n_messages;  /* counted from its events at each read (store_int.h) */
	int64_t n_snapshots;
	int64_t deleted_at;  /* when its transcript was deleted, or 0 */
};

struct store_event {
	int64_t chat_id;
	int64_t seq;         /* assigned by store_event_append() */
	const char *kind;    /* "message", "notice" */
	enum event_author author;
	int64_t operator_id; /* for AUTHOR_OPERATOR */
	const char *cid;     /* the client's id for the message, or NULL */
	const char *body;    /* a JSON object, as text */
	int64_t at;
	/* The chat has events up to at least this seq, as the caller knows (another process on
	 * the same database may have written them): the new one is taken above it. */
	int64_t after;
};

/*
 * Open (creating and migrating as needed) the store at `where`: a
 * PostgreSQL URL (db_is_postgres()), or a directory, for SQLite's
 * DIR/refdesk.db.
 */
int store_open(struct store **out, const char *where);
void store_free(struct store *st);

/* Transactions, for the writer and the command line. */
int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);
int store_savepoint(struct store *st);
void store_savepoint_release(struct store *st, bool keep);
/*
 * Add the messages committed since the last call (and this transaction's)
 * to the search index: inside the caller's transaction if one is open, in
 * one of its own otherwise.  store_index_waiting(): is there any to add?
 */
int store_index_now(struct store *st);
/* The same for at most `max_chats` of the chats waiting, taken in turn (0: all). */
int store_index_some(struct store *st, size_t max_chats);
bool store_index_waiting(const struct store *st);
/*
 * Indexing on another connection (the writer's search thread, SQLite):
 * the chats `st` committed messages to and has not indexed are appended to
 * `out` and are no longer `st`'s to index; store_index_take_over() makes
 * them another connection's.
 */
/*
 * SQLite: check the search index's file against the database once, at
 * start.  One that another copy of the database left (a restored backup)
 * is emptied and built again; the text of transcripts deleted just before
 * a crash is taken out.
 */
int store_search_verify(struct store *st);
struct store_chat_ids {
	int64_t *v;
	size_t n, cap;
};
void store_chat_ids_append(struct store_chat_ids *to, const struct store_chat_ids *from);
/* ... and the chats whose transcript it deleted, whose text the other takes out. */
void store_index_hand_over(struct store *st, struct store_chat_ids *out,
			   struct store_chat_ids *dropped);
void store_index_take_over(struct store *st, const struct store_chat_ids *ids,
			   const struct store_chat_ids *dropped);
/*
 * This connection leaves the search index's file to another (the writer's,
 * beside the index thread): a deleted transcript's text is then handed
 * over rather than deleted here, and store_search_optimize() is nothing,
 * so that no write transaction of it waits for that file's lock.
 */
void store_search_elsewhere(struct store *st);
/* The index's connection: take the text of the chats handed over as deleted out (then optimize). */
int store_search_drop(struct store *st);
bool store_search_drops_waiting(const struct store *st);
/* About how many messages were committed since the last run. */
size_t store_index_backlog(const struct store *st);
/*
 * Checkpoints, off the commit path: store_watch_wal() has `cb` called after
 * each commit with the pages in the write-ahead log (and stops SQLite from
 * checkpointing inside commits on this connection); store_checkpoint()
 * copies what it can back into the database without waiting for anyone
 * and, when they are not NULL, says the log's length in pages as it found
 * it (*log) and how many of those are now copied (*copied).
 */
void store_watch_wal(struct store *st, void (*cb)(void *arg, int pages), void *arg);
int store_checkpoint(struct store *st, int *log, int *copied);
/* Is a transaction still open?  (SQLite rolls one back by itself after some errors.) */
bool store_in_transaction(struct store *st);

/* Accounts. */
int store_account_add(struct store *st, const char *name, const char *origins, int64_t *id);
int store_account_get(struct store *st, int64_t id, struct store_account *out);
int store_account_by_name(struct store *st, const char *name, struct store_account *out);
int store_account_update(struct store *st, const struct store_account *a);
int store_accounts_each(struct store *st, int (*cb)(void *ctx, const struct store_account *a), void *ctx);

/* Queues.  Names are unique across the server. */
int store_queue_add(struct store *st, int64_t account_id, const char *name, const char *title, int64_t *id);
int store_queue_get(struct store *st, int64_t id, struct store_queue *out);
int store_queue_by_name(struct store *st, const char *name, struct store_queue *out);
/* Set a queue's title and its screensharing invitation text ("" for the default). */
int store_queue_update(struct store *st, int64_t id, const char *title, const char *share_invite);
int store_queues_of_account(struct store *st, int64_t account_id,
			    int (*cb)(void *ctx, const struct store_queue *q), void *ctx);

/* Operators.  Usernames are unique across the server. */
int store_operator_add(struct store *st, const struct store_operator *o, int64_t *id);
int store_operator_get(struct store *st, int64_t id, struct store_operator *out);
int store_operator_by_username(struct store *st, const char *username, struct store_operator *out);
int store_operator_update(struct store *st, const struct store_operator *o);
int store_operator_set_password(struct store *st, int64_t id, const char *pwhash);
int store_operators_of_account(struct store *st, int64_t account_id,
			       int (*cb)(void *ctx, const struct store_operator *o), void *ctx);

/* Queue membership, with the operator's availability flag for the queue. */
int store_member_set(struct store *st, int64_t queue_id, int64_t operator_id, bool member);
int store_member_set_available(struct store *st, int64_t queue_id, int64_t operator_id, bool available);
int store_members_of_queue(struct store *st, int64_t queue_id,
			   int (*cb)(void *ctx, int64_t operator_id, bool available), void *ctx);
int store_queues_of_operator(struct store *st, int64_t operator_id,
			     int (*cb)(void *ctx, const struct store_queue *q, bool available), void *ctx);

/* Operator sessions, keyed by the hash of the cookie's token. */
int store_session_add(struct store *st, const unsigned char hash[STORE_TOKEN_HASH],
		      int64_t operator_id, const char *csrf, int64_t expires_at);
int store_session_get(struct store *st, const unsigned char hash[STORE_TOKEN_HASH],
		      int64_t now, struct store_session *out);
int store_session_touch(struct store *st, const unsigned char hash[STORE_TOKEN_HASH], int64_t expires_at);
int store_session_delete(struct store *st, const unsigned char hash[STORE_TOKEN_HASH]);
/*
 * Failed sign-ins, kept in the store so that the limit per username holds
 * for every process on the same database: how many for `username` after
 * `since` (wall-clock ms); and note one at `at`, forgetting every one at
 * or before `forget_until` (past the limit's window).
 */
int store_signin_failures(struct store *st, const char *username, int64_t since, int64_t *count);
/*
 * The shared duties (the retention purge, the follow-up outbox, the XMPP
 * link) run in one process of those on one database.  On PostgreSQL
 * *held says whether this connection holds their lock (a session-level
 * advisory lock, taken here when free; it goes when the session does).
 * On SQLite one process has the database, and *held is always true.
 */
int store_duties_hold(struct store *st, bool *held);
int store_signin_failed(struct store *st, const char *username, int64_t at, int64_t forget_until);
/* Delete every session of the operator (but `keep`, which may be NULL). */
int store_sessions_delete_operator(struct store *st, int64_t operator_id,
				   const unsigned char *keep);

/* Chats. */
/* The highest chat id so far (0 when none). */
int store_chat_max_id(struct store *st, int64_t *out);
/* Add a chat; the caller picks c->id (positive, unused). */
int store_chat_add(struct store *st, const struct store_chat *c);
int store_chat_get(struct store *st, int64_t id, struct store_chat *out);
int store_chat_by_public(struct store *st, const char *public_id, struct store_chat *out);
/*
 * Accepting (CHAT_ACTIVE, by operator_id) takes only a chat still waiting:
 * -EALREADY when someone was first, perhaps through another process on the
 * same database, and -ECANCELED when it has ended.  The database decides,
 * not memory.  Ending (CHAT_ENDED) always applies.
 */
int store_chat_set_status(struct store *st, int64_t id, enum chat_status status,
			  int64_t operator_id, int64_t at);
/*
 * A transfer was accepted (status active, the new holder, maybe a new
 * queue) or went back to a queue (waiting, operator_id 0: nobody holds
 * it), from the holder `from_operator` (0: nobody).  -ECANCELED when the
 * chat has ended meanwhile, -EALREADY when someone else holds it now.  A
 * chat that leaves its queue stays under that queue's retention rule as
 * well (store_purge_queue()).
 */
int store_chat_hand_over(struct store *st, int64_t id, enum chat_status status,
			 int64_t operator_id, int64_t queue_id, int64_t from_operator);
/* Chats of a queue with the given status, oldest first. */
int store_chats_of_queue(struct store *st, int64_t queue_id, enum chat_status status,
			 int (*cb)(void *ctx, const struct store_chat *c), void *ctx);
/* Every chat with the given status, oldest first. */
int store_chats_with_status(struct store *st, enum chat_status status,
			    int (*cb)(void *ctx, const struct store_chat *c), void *ctx);
/* Non-ended chats held by the operator, oldest first. */
int store_chats_of_operator(struct store *st, int64_t operator_id,
			    int (*cb)(void *ctx, const struct store_chat *c), void *ctx);

/*
 * Append an event to its chat's log.  Assigns ev->seq, one more than the
 * chat's last.  If ev->cid is set and the same author already wrote an event
 * with that cid in this chat, nothing is written, ev->seq is the earlier
 * event's seq and 1 is returned.  The author is the individual: the guest,
 * or the operator ev->operator_id; another author's event with the same
 * cid is a different event.  -ENOENT: no such chat.  The chat's
 * last_seq and counts, as read, follow at commit; message text becomes
 * searchable with store_index_now().
 */
int store_event_append(struct store *st, struct store_event *ev);
/* At most `limit` events of a chat with seq > after, in order. */
int store_events_since(struct store *st, int64_t chat_id, int64_t after, int limit,
		       int (*cb)(void *ctx, const struct store_event *ev), void *ctx);

/* Blobs: a content-addressed file, and the chats allowed to read it. */
struct store_blob {
	char hash[65];
	char mime[128]; /* as served: image/png or image/jpeg from the image pipeline only */
	int64_t size;
	char name[256]; /* as offered to that chat */
};

/*
 * Record a blob (once) and that `chat_id` may read it under `name`.  `mime`
 * is the type it is served as; the same bytes recorded again keep their
 * first type, except that "application/octet-stream" gives way to any other
 * (the image pipeline's output that someone had first sent as a file).
 */
int store_chat_blob_add(struct store *st, int64_t chat_id, const char *hash, const char *mime,
			int64_t size, const char *name);
/* The blob, if `chat_id` may read it; -ENOENT otherwise. */
int store_chat_blob_get(struct store *st, int64_t chat_id, const char *hash, struct store_blob *out);

/*
 * Chat History (history.c).  A page of an account's chats, newest first,
 * answered from an index: the filters that are set pick it.  Paging is by
 * keyset: pass the last row's created_at and id as `before_at`/`before_id`
 * to get the next, older page.
 */
#define STORE_SEARCH_MAX 200  /* bytes of search words */
#define STORE_SNIPPET_BYTES 512

struct store_history_filter {
	int64_t account_id;   /* required */
	int64_t queue_id;     /* 0: any */
	int64_t operator_id;  /* 0: any */
	int64_t from, to;     /* created_at in [from, to); 0: open */
	int status;           /* enum chat_status, or -1 for any */
	const char *words;    /* search words (plain text, not a query language), or NULL */
	int64_t before_at, before_id; /* 0, 0: the newest page */
	int limit;            /* 1..100 */
};

/*
 * `snippet` is the best matching message's text around the match, with
 * each matched word between STORE_MARK_ON and STORE_MARK_OFF ("" without
 * search words).  The markers are control characters a message cannot hold
 * as text a person typed; callers split on them, never parse markup.
 */
#define STORE_MARK_ON "\x01"
#define STORE_MARK_OFF "\x02"

int store_history_list(struct store *st, const struct store_history_filter *f,
		       int (*cb)(void *ctx, const struct store_chat *c, const char *snippet),
		       void *ctx);
/* The query plan (EXPLAIN QUERY PLAN, one step a line) of that list, for benchmarks and tests. */
int store_history_plan(struct store *st, const struct store_history_filter *f, char *out,
		       size_t size);

/*
 * Delete a chat's transcript: its events, their search text and which
 * blobs it may read.  The chat row stays, with its timing and counts, marked
 * deleted, and the guest's name is forgotten, as are the words of its
 * survey comment (the survey's ratings and yes/no stay); its staff notes
 * go too.  `orphan` hears each blob
 * that no other chat reads any more (its row is gone too; the caller
 * removes the file after the commit).  Writer thread.
 */
/*
 * Merge the search index into one segment so that the words of deleted
 * transcripts are gone from the file, not only from search: after a purge
 * run or a deleted transcript.  Costs about 0.2 s for 300,000 messages
 * (docs/OPERATIONS.md).  Writer thread.
 */
int store_search_optimize(struct store *st);
int store_chat_delete_transcript(struct store *st, int64_t chat_id, int64_t at,
				 int (*orphan)(void *ctx, const char *hash), void *ctx);
/* Whether any chat or canned snapshot still needs blob `hash` (0 no, 1 yes, or an error). */
int store_blob_in_use(struct store *st, const char *hash);
/*
 * Inside a write transaction, before a blob file's fate is decided by its
 * rows (blobs_keep() before a row naming it, blobs_remove_unused()): hold
 * blob `hash` until the transaction ends.  On PostgreSQL, where processes
 * sharing the data directory each write, a transaction-level advisory
 * lock; on SQLite the database's one writer already orders them: nothing.
 */
int store_blob_lock(struct store *st, const char *hash);

/* ---- the audit log (audit.c) ---- */

/*
 * What an admin did, recorded in the same transaction as the change.  The
 * `action` is one of the STORE_AUDIT_* names; `target` names what it was done
 * to (an operator's username, a queue's name, a chat's public id, the
 * account's name); `detail` is a short description that never holds a
 * password or anything a patron wrote.
 */
#define STORE_AUDIT_OPERATOR_ADD "operator.add"
#define STORE_AUDIT_OPERATOR_CHANGE "operator.change"   /* name, admin flag, disabled */
#define STORE_AUDIT_PASSWORD_RESET "operator.password"
#define STORE_AUDIT_OPERATOR_JID "operator.jid"         /* XMPP address set or cleared */
#define STORE_AUDIT_QUEUE_ADD "queue.add"
#define STORE_AUDIT_QUEUE_CHANGE "queue.change"
#define STORE_AUDIT_MEMBER_ADD "member.add"
#define STORE_AUDIT_MEMBER_REMOVE "member.remove"
#define STORE_AUDIT_ACCOUNT_ADD "account.add"
#define STORE_AUDIT_ACCOUNT_CHANGE "account.change"     /* name, embedding origins */
#define STORE_AUDIT_TRANSCRIPT_DELETE "transcript.delete"
#define STORE_AUDIT_GUEST_BLOCK "guest.block"     /* Block guest: the chat, hours, reason */
#define STORE_AUDIT_GUEST_UNBLOCK "guest.unblock" /* an admin lifted a block */

#define STORE_AUDIT_ACTOR_CLI "command line"  /* the actor of the admin command line */
#define STORE_AUDIT_DETAIL_BYTES 1024
#define STORE_AUDIT_PAGE_MAX 200

struct store_audit {
	int64_t id;           /* assigned by store_audit_add() */
	int64_t account_id;
	int64_t at;           /* ms since the epoch */
	int64_t actor_id;     /* the acting operator, or 0 for the command line */
	char actor[72];       /* their username then, or STORE_AUDIT_ACTOR_CLI */
	char action[32];
	char target[STORE_NAME_BYTES];
	char detail[STORE_AUDIT_DETAIL_BYTES];
};

/* Record `e` (e->id is ignored); call inside the transaction of the change. */
int store_audit_add(struct store *st, const struct store_audit *e);
/*
 * At most `limit` (1..STORE_AUDIT_PAGE_MAX) of an account's entries with
 * id < before_id (0: the newest), newest first.
 */
int store_audit_list(struct store *st, int64_t account_id, int64_t before_id, int limit,
		     int (*cb)(void *ctx, const struct store_audit *e), void *ctx);

/* ---- retention (retention.c) ---- */

/*
 * A queue's retention rule as stored (chat/retention.h says what it
 * means): days the transcript text and the images and files are kept after
 * the chat ended, whether the guest's name is kept.
 */
struct store_retention {
	int64_t queue_id;
	int text_days;
	int files_days;
	bool keep_names;
	int64_t updated_at;  /* ms since the epoch */
};

/* The queue's rule; -ENOENT when none was ever set (the defaults apply). */
int store_retention_get(struct store *st, int64_t queue_id, struct store_retention *out);
/* Set (or replace) the queue's rule.  Writer thread or the command line. */
int store_retention_set(struct store *st, const struct store_retention *r);

/* ---- the desk's tidiness settings (desk.c) ---- */

/* An account's settings; no row reads as all 0 (never Away by idle, no limit). */
struct store_desk_account {
	int away_idle_mins;  /* idle minutes before an operator goes Away; 0: never */
	int max_chats;       /* active chats one operator may hold; 0: no limit */
};

/* 0 (a missing row is all 0), or -EIO. */
int store_desk_account_get(struct store *st, int64_t account_id, struct store_desk_account *out);
/* Set (or replace) them.  Writer thread. */
int store_desk_account_set(struct store *st, int64_t account_id,
			   const struct store_desk_account *d);
/* A queue's minutes without a message before an active chat ends (0: never); 0 or -EIO. */
int store_desk_queue_get(struct store *st, int64_t queue_id, int *idle_end_mins);
/* Writer thread. */
int store_desk_queue_set(struct store *st, int64_t queue_id, int idle_end_mins);

#define STORE_PURGE_BATCH_MAX 500  /* chats one store_purge_queue() call may change */
#define STORE_AUDIT_RETENTION_CHANGE "retention.change"
#define STORE_AUDIT_RETENTION_PURGE "retention.purge"
#define STORE_AUDIT_ACTOR_RULE "retention rule"  /* the actor of the server's own purge */

/*
 * One batch of a queue's purge.  Among the queue's ended chats (oldest end
 * first, at most `max_chats` in all, 1..STORE_PURGE_BATCH_MAX): a chat that
 * ended before `text_before` loses its transcript as
 * store_chat_delete_transcript() deletes it (deleted_at = `at`); one that
 * ended before `files_before` its images and files (the links, the blob rows
 * no chat reads any more, and each snapshot or file event becomes a
 * `removed` notice); one that ended before `names_before` its guest's name
 * (on the row and in its events).  The chat rows and their times stay.
 * `orphan` hears each blob no chat reads any more (remove the file after
 * the commit).  Inside the caller's transaction.
 */
struct store_purge {
	int64_t queue_id;
	int64_t text_before, files_before, names_before; /* ms; compared with ended_at */
	int64_t at;
	int max_chats;
	int n_text;   /* out: transcripts deleted */
	int n_files;  /* out: chats that lost images or files */
	int n_names;  /* out: guests' names forgotten (chats' and follow-ups') */
	int n_followups; /* out: follow-ups deleted (text_before, against answered_at or created_at) */
	int n_blobs;  /* out: blobs no chat reads any more */
	bool more;    /* out: the batch was full; call again */
};
int store_purge_queue(struct store *st, struct store_purge *p,
		      int (*orphan)(void *ctx, const char *hash), void *ctx);

/* ---- backups ---- */

/*
 * Copy the whole database, as it is at one instant, into a new file
 * `path` (SQLite's online backup: the server may go on writing meanwhile;
 * what was committed before the copy began is in it).  Outside a
 * transaction.  0, or a negative errno (the file is removed then).
 */
int store_backup(struct store *st, const char *path);

/* Call `fn` with the hash of every blob the database knows; stops at a non-zero return. */
int store_blobs_each(struct store *st, int (*fn)(void *arg, const char *hash), void *arg);

/* ---- reports (report.c) ---- */

/*
 * What a report counts, in this order: chats created; answered (an operator
 * accepted it); missed (it ended with nobody having accepted it, closed by
 * the server once the guest's box had gone); abandoned (the guest ended it
 * while it waited); snapshots the guest sent and the operators sent; and
 * screensharing invitations and the guest's answers to them.  Every chat
 * counts on the local day and hour it was created, in the server's time
 * zone (the TZ of the process).  With an operator chosen, a report counts
 * only the chats that operator accepted.
 *
 * Then follow-ups (followups.c): questions left; answered (the answer's
 * mail was delivered); not delivered (every try failed, and nobody has
 * answered again since).  They count on the local day and hour the
 * question was left.  A question left is nobody's until answered, so with
 * an operator chosen, "left" counts the follow-ups that operator answered
 * whose mail was delivered or given up.  They are counters kept as the
 * follow-up changes, so they stay after its row is purged.
 *
 * Then the survey at the end of a chat (survey.c): chats whose guest sent
 * answers; ratings given and their sum (the average is sum / count); yes
 * and no answers; comments given.  They count where the chat counts (its
 * day and hour, its queue, the operator who accepted it) and stay when
 * the comments' text is deleted with the transcript.
 */
enum store_report_counter {
	STORE_REPORT_CHATS, STORE_REPORT_ANSWERED, STORE_REPORT_MISSED, STORE_REPORT_ABANDONED,
	STORE_REPORT_SNAPS_GUEST, STORE_REPORT_SNAPS_OPERATOR, STORE_REPORT_SHARE_INVITED,
	STORE_REPORT_SHARE_ACCEPTED, STORE_REPORT_SHARE_DECLINED, STORE_REPORT_SHARE_BLOCKED,
	STORE_REPORT_FOLLOWUPS, STORE_REPORT_FOLLOWUPS_ANSWERED, STORE_REPORT_FOLLOWUPS_FAILED,
	STORE_REPORT_SURVEYS, STORE_REPORT_SURVEY_RATINGS, STORE_REPORT_SURVEY_RATING_SUM,
	STORE_REPORT_SURVEY_YES, STORE_REPORT_SURVEY_NO, STORE_REPORT_SURVEY_COMMENTS,
	STORE_REPORT_COUNTERS
};

struct store_report_filter {
	int64_t account_id;  /* required */
	int64_t queue_id;    /* 0: every queue */
	int64_t operator_id; /* 0: everyone; not together with a queue (-EINVAL) */
	int64_t from_day;    /* local days since 1970-01-01, both included */
	int64_t to_day;
};

/* A time's percentiles in whole seconds (see store_report_bucket()). */
struct store_report_times {
	int64_t count;
	int64_t p50, p90;
};

struct store_report {
	int64_t counter[STORE_REPORT_COUNTERS];
	int64_t by_hour[7][24];            /* chats created, [0] is Monday, local hours */
	struct store_report_times wait;    /* created to accepted, of answered chats */
	struct store_report_times length; /* accepted to ended, of answered chats that ended */
};

/*
 * Fill `out` for the filter, from the summary tables alone (a few rows per
 * day of the range).  -EINVAL for a filter that names both a queue and an
 * operator or whose days are reversed.  Any thread's connection.
 */
int store_report_read(struct store *st, const struct store_report_filter *f,
		      struct store_report *out);

/*
 * Times are counted in buckets: whole seconds below two minutes, then steps
 * of 5 % (rounded down to the second).  store_report_bucket(): the bucket
 * of `ms` milliseconds; store_report_bucket_secs(): the seconds a bucket
 * starts at, which is what a percentile reports.  Pure.
 */
int store_report_bucket(int64_t ms);
int64_t store_report_bucket_secs(int bucket);

/* Days from 1970-01-01 to a date (month 1-12, day 1-31; not checked), as reports number days. */
int64_t store_report_day(int64_t y, int m, int d);
/* The local day (days since 1970-01-01) and hour of `ms` since the epoch, in the server's zone. */
void store_report_local(int64_t ms, int64_t *day, int *hour);

/* ---- the survey at the end of a chat (survey.c) ---- */

/*
 * A queue's survey questions, in the order they are asked, and a chat's
 * answers (chat/survey.h says what each may hold; this file only keeps
 * them).  `kind` is "rating", "yes_no" or "comment".  An answer carries
 * the question's words as they were asked; `value` is the rating (1-5) or
 * 1 for yes, 0 for no; `comment` is a comment's text, "" once its
 * transcript was deleted (has_comment stays true: it was answered).
 */
#define STORE_SURVEY_MAX 3
#define STORE_SURVEY_QUESTION_BYTES (200 * 4 + 4)
#define STORE_SURVEY_COMMENT_BYTES (500 * 4 + 4)

struct store_survey_question {
	char kind[8];
	char text[STORE_SURVEY_QUESTION_BYTES];
};

struct store_survey_answer {
	int pos; /* the question's place, 0-2 */
	char kind[8];
	char question[STORE_SURVEY_QUESTION_BYTES];
	int value;
	char comment[STORE_SURVEY_COMMENT_BYTES];
};

/* The queue's questions into `out` (STORE_SURVEY_MAX); returns how many (0: none), or an error. */
int store_survey_questions(struct store *st, int64_t queue_id,
			   struct store_survey_question *out);
/* Replace the queue's questions with `n` of `q` (0: no survey). Writer thread. */
int store_survey_questions_set(struct store *st, int64_t queue_id,
			       const struct store_survey_question *q, int n);
/* The chat's answers into `out` (STORE_SURVEY_MAX); returns how many (0: not answered), or an error. */
int store_survey_answers(struct store *st, int64_t chat_id, struct store_survey_answer *out);
/*
 * Keep `n` (1-3) answers of chat `chat_id`, given at `at`, and count them
 * in the reports in the same transaction.  -EEXIST when the chat has
 * answers already: a chat is surveyed once.  Writer thread.
 */
int store_survey_answers_add(struct store *st, int64_t chat_id,
			     const struct store_survey_answer *a, int n, int64_t at);

/* ---- saved replies ---- */

/*
 * Saved replies ("canned answers", canned.c).  operator_id 0 is a reply
 * shared by the whole account; otherwise it is that operator's own.  The
 * text keeps its placeholders ({guest}, {me}, {queue}); pages fill them in.
 */
#define STORE_CANNED_NAME_MAX 40      /* characters in a reply's name */
#define STORE_CANNED_NAME_BYTES 164   /* that many characters of UTF-8, plus NUL */
#define STORE_CANNED_TEXT_BYTES 16004 /* a message's 4,000 characters of UTF-8, plus NUL */

struct store_canned {
	int64_t id;
	int64_t account_id;
	int64_t operator_id; /* 0: shared by the account */
	char name[STORE_CANNED_NAME_BYTES];
	char text[STORE_CANNED_TEXT_BYTES];
	int64_t updated_at;
};

/*
 * Add a reply (c->id is set), unless its owner (the account's shared ones,
 * or the operator's own) already has `max`: then -EDQUOT and nothing is
 * written.  Count and insert happen in the caller's transaction, so two
 * adds at once cannot both pass the limit.  Writer thread.
 */
int store_canned_add(struct store *st, struct store_canned *c, int max);
int store_canned_get(struct store *st, int64_t id, struct store_canned *out);
/*
 * Set the name and text of reply c->id, if it still belongs to
 * c->account_id and c->operator_id (-ENOENT otherwise).  Writer thread.
 */
int store_canned_update(struct store *st, const struct store_canned *c);
/* Delete reply `id` of that owner; -ENOENT when there is none. */
int store_canned_delete(struct store *st, int64_t id, int64_t account_id, int64_t operator_id);
/* The account's shared replies, then the operator's own (0: shared only), each by name. */
int store_canned_list(struct store *st, int64_t account_id, int64_t operator_id,
		      int (*cb)(void *ctx, const struct store_canned *c), void *ctx);

/* ---- canned snapshots (canned_snapshots.c) ---- */

/*
 * An annotated image kept for an account, sent to any of its chats by
 * reference: the blobs are stored once and each send only lets the chat
 * read them.  canned_blobs names the blobs an entry needs, so no removal
 * (a deleted transcript, the retention purge, `refdesk admin purge`) takes
 * one while the entry is there (store_blob_in_use() counts both).
 */
#define STORE_CANNED_ALT_BYTES 4004   /* 1,000 characters of UTF-8, plus NUL */
#define STORE_CANNED_FILE_BYTES 160

struct store_canned_snap {
	int64_t id;
	int64_t account_id;
	int64_t operator_id;     /* who saved it */
	char name[STORE_CANNED_NAME_BYTES];
	char blob[65], thumb[65];
	char annotation[65];     /* the editor document, or "" */
	char mime[32], thumb_mime[32];
	int width, height, thumb_width, thumb_height;
	int64_t size;
	char file_name[STORE_CANNED_FILE_BYTES];
	char alt[STORE_CANNED_ALT_BYTES];
	int64_t created_at, updated_at;
	int64_t thumb_size;      /* store_canned_snap_add() only: the thumbnail's bytes */
};

/*
 * Add an entry (c->id is set): the image's and thumbnail's blob rows (the
 * files must be there: blobs_keep()), the entry and its links to the
 * image, thumbnail and editor document (whose blob row must exist).
 * -EDQUOT when the account has `max` already, nothing written.  Writer thread.
 */
int store_canned_snap_add(struct store *st, struct store_canned_snap *c, int max);
/* Entry `id` of `account_id`; -ENOENT for none (or another account's). */
int store_canned_snap_get(struct store *st, int64_t id, int64_t account_id,
			  struct store_canned_snap *out);
/* The account's entries by name. */
int store_canned_snap_list(struct store *st, int64_t account_id,
			   int (*cb)(void *ctx, const struct store_canned_snap *c), void *ctx);
/* Rename entry `id` of `account_id`; -ENOENT for none.  Writer thread. */
int store_canned_snap_rename(struct store *st, int64_t id, int64_t account_id, const char *name);
/*
 * Delete entry `id` of `account_id` (-ENOENT for none) and the rows of the
 * blobs nothing names any more; `orphan` hears each (remove the file after
 * the commit).  Writer thread.
 */
int store_canned_snap_delete(struct store *st, int64_t id, int64_t account_id,
			     int (*orphan)(void *ctx, const char *hash), void *ctx);
/*
 * Let chat `chat_id` read entry `id`'s blobs (sending it), if the entry is
 * still there for `account_id` (-ENOENT otherwise): checked in the same
 * transaction, so a delete committed meanwhile cannot leave the chat
 * naming a removed file.  `out` gets the entry as it is.  Writer thread.
 */
int store_canned_snap_link_chat(struct store *st, int64_t id, int64_t account_id,
				int64_t chat_id, struct store_canned_snap *out);

/* ---- follow-ups: questions left while nobody was online (followups.c) ---- */

#define STORE_EMAIL_BYTES 256              /* an address: at most 254 bytes, plus NUL */
#define STORE_FOLLOWUP_TEXT_BYTES 16004    /* a question or answer: 4,000 characters, plus NUL */
#define STORE_FOLLOWUP_ERROR_BYTES 160

enum followup_status {
	FOLLOWUP_OPEN = 0,          /* waiting for an answer */
	FOLLOWUP_SENDING = 1,       /* answered; its mail is in the outbox */
	FOLLOWUP_ANSWERED = 2,      /* the mail was delivered; the address is erased */
	FOLLOWUP_NOT_DELIVERED = 3, /* every try failed; staff may answer again */
};

struct store_followup {
	int64_t id;
	int64_t account_id;
	int64_t queue_id;
	char guest_name[STORE_NAME_BYTES];        /* "" when none was given */
	char question[STORE_FOLLOWUP_TEXT_BYTES];
	char email[STORE_EMAIL_BYTES];            /* "" once erased */
	enum followup_status status;
	char answer[STORE_FOLLOWUP_TEXT_BYTES];   /* "" until answered */
	int64_t operator_id;                      /* who answered, or 0 */
	int64_t created_at, answered_at, delivered_at; /* ms; 0 when not yet */
	int attempts;                             /* tries of the current answer's mail */
	int64_t next_try_at;                      /* while sending: when the next try is due */
	char last_error[STORE_FOLLOWUP_ERROR_BYTES];
	char lang[36];                            /* the patron's language: its answer's mail; "en" */
};

/* Record a new open follow-up (f->id and f->created_at are set).  Writer thread. */
int store_followup_add(struct store *st, struct store_followup *f);
int store_followup_get(struct store *st, int64_t id, struct store_followup *out);
/*
 * Answer follow-up `id` of `account_id`, if it is open or not delivered and
 * still has its address: the answer is recorded and its mail queued (status
 * sending, due now).  -ENOENT for no such follow-up of that account,
 * -EALREADY when it is being sent or was delivered, -ENODATA when its
 * address was erased.  Writer thread.
 */
int store_followup_answer(struct store *st, int64_t id, int64_t account_id, int64_t operator_id,
			  const char *answer, int64_t at);
/* The mail was delivered: status answered, the address erased.  Writer thread. */
int store_followup_delivered(struct store *st, int64_t id, int64_t at);
/*
 * A try failed with `error`: count it; try again at `next_try_at`, or, with
 * 0, give up (status not delivered; the address stays, for another answer,
 * until the keep time erases it).  Writer thread.
 */
int store_followup_failed(struct store *st, int64_t id, const char *error, int64_t next_try_at);
/* The sending follow-up due first (next_try_at <= now): 0, or -ENOENT for none. */
int store_followup_due(struct store *st, int64_t now, struct store_followup *out);
/*
 * Erase the addresses of follow-ups created before `before`, whatever their
 * status (one sending becomes not delivered); with `no_mail` (the server has
 * no mail server) every sending one becomes not delivered first.  Writer thread.
 */
int store_followup_erase_old(struct store *st, int64_t before, bool no_mail);
/* At most `limit` of an account's follow-ups with id < before_id (0: newest), newest first. */
int store_followup_list(struct store *st, int64_t account_id, int64_t before_id, int limit,
			int (*cb)(void *ctx, const struct store_followup *f), void *ctx);
/* How many of an account's follow-ups wait for an answer (open or not delivered). */
int store_followup_count_open(struct store *st, int64_t account_id, int64_t *n);
/* Mark chat `chat_id`'s transcript as emailed: -EEXIST if it already was.  Writer thread. */
int store_chat_mark_mailed(struct store *st, int64_t chat_id, int64_t at);
/* Forget that mark (every try of the mail failed) so the guest may ask again.  Writer thread. */
int store_chat_unmark_mailed(struct store *st, int64_t chat_id);
/*
 * Operators' XMPP addresses (xmpp.c; docs/OPERATIONS.md "Librarians on
 * XMPP").  An address is set (by the operator, or an admin on the command
 * line) unconfirmed; a code is sent to it; the operator types the code back
 * and the address is confirmed.  Only confirmed addresses are rung.
 */
#define STORE_JID_BYTES 3072 /* a bare JID: 1,023 + 1 + 1,023 bytes at most (RFC 7622), NUL */
#define STORE_JID_CODE_BYTES 16

struct store_jid {
	int64_t operator_id;
	char jid[STORE_JID_BYTES];
	char code[STORE_JID_CODE_BYTES]; /* "" when none was sent */
	int64_t code_expires;            /* ms since the epoch */
	bool confirmed;
};

/* Set the operator's address, unconfirmed, with `code` ("" for none yet) valid until `expires`. */
int store_jid_set(struct store *st, int64_t operator_id, const char *jid, const char *code,
		  int64_t expires, int64_t now);
/* Give the unconfirmed address a new code. -ENOENT without an address. */
int store_jid_set_code(struct store *st, int64_t operator_id, const char *code, int64_t expires);
/*
 * Confirm the operator's address with `code` at `now`: 0; -ENOENT (no
 * address, or no code sent), -EACCES (another code), -ETIMEDOUT (expired),
 * -EEXIST (another operator has confirmed this address).  Writer thread.
 */
int store_jid_confirm(struct store *st, int64_t operator_id, const char *code, int64_t now);
/* Forget the operator's address.  0 also when there was none. */
int store_jid_clear(struct store *st, int64_t operator_id);
/* The operator's address: 0, -ENOENT, or an I/O error. */
int store_jid_get(struct store *st, int64_t operator_id, struct store_jid *out);
/* The operator whose confirmed address is `jid`: 0, -ENOENT. */
int store_jid_find(struct store *st, const char *jid, struct store_jid *out);
/* Every confirmed address (cb returns non-zero to stop). */
int store_jids_confirmed(struct store *st, int (*cb)(void *ctx, const struct store_jid *j), void *ctx);

/* ---- staff notes and the staff room (staff.c) ---- */

/*
 * A staff note: words about a chat for the account's operators only.  Notes
 * are not events: each chat numbers its notes 1, 2, ... apart from its
 * events, and nothing that reads events (a guest's resume, transcripts,
 * Email transcript) sees them.
 */
#define STORE_STAFF_TEXT_BYTES 16004 /* 4,000 characters of UTF-8, plus NUL */
#define STORE_STAFF_CID_BYTES 72     /* a client's message id (64 characters), plus NUL */

struct store_note {
	int64_t chat_id;
	int64_t seq;         /* the note's number in its chat; set by store_note_add() */
	int64_t operator_id; /* who wrote it */
	char name[STORE_NAME_BYTES]; /* their display name then */
	char cid[STORE_STAFF_CID_BYTES]; /* "" for none */
	char text[STORE_STAFF_TEXT_BYTES];
	int64_t at;          /* ms since the epoch */
};

/*
 * Add note `n` (n->seq is set, one more than the chat's last note).  If
 * the same operator already wrote a note with n->cid in this chat, nothing
 * is written, n->seq is that note's and 1 is returned.  Writer thread.
 */
int store_note_add(struct store *st, struct store_note *n);
/* The chat's last `limit` notes, oldest first. */
int store_notes_of_chat(struct store *st, int64_t chat_id, int limit,
			int (*cb)(void *ctx, const struct store_note *n), void *ctx);

/* A message of an account's staff room. */
struct store_room_message {
	int64_t id;          /* set by store_room_add(), increasing */
	int64_t account_id;
	int64_t operator_id;
	char name[STORE_NAME_BYTES];
	char cid[STORE_STAFF_CID_BYTES];
	char text[STORE_STAFF_TEXT_BYTES];
	int64_t at;
};

/*
 * Add `m` (m->id is set).  The same operator's message with the same cid
 * again: nothing written, `m` is filled with the first one (id, at, name, text), 1 returned.
 * Writer thread.
 */
int store_room_add(struct store *st, struct store_room_message *m);
/* The account's last `limit` messages written at or after `since` (ms), oldest first. */
int store_room_recent(struct store *st, int64_t account_id, int64_t since, int limit,
		      int (*cb)(void *ctx, const struct store_room_message *m), void *ctx);
/* Delete every account's messages written before `before` (ms); *n: how many.  Writer thread. */
int store_room_purge(struct store *st, int64_t before, int *n);

/*
 * Copy every row of `from` into `to` (copy.c), which must hold no account
 * and no chat (-ENOTEMPTY): one transaction on `to`, so a failed copy
 * leaves it empty.  `report` (may be NULL) hears each table and its rows.
 * Returns 0 or a negative errno (logged).
 */
int store_copy_all(struct store *from, struct store *to,
		   void (*report)(void *arg, const char *table, int64_t rows), void *arg);
/*
 * Compare two stores: every table's rows counted in each, and the events
 * of `sample` chats spread over them, byte for byte.  `report` hears each
 * count (and, last, "transcripts compared").  0 when all agree, else -EIO.
 */
int store_compare(struct store *a, struct store *b, int sample,
		  void (*report)(void *arg, const char *what, int64_t n_a, int64_t n_b), void *arg);

#endif
