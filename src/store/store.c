/*
 * store.c - the SQLite backend of store.h.
 *
 * How it works: store_open() opens DIR/refdesk.db in WAL mode with
 * synchronous=FULL (an acknowledged event survives a power cut), runs the
 * migrations the file has not seen yet (schema.c), and prepares every
 * statement of the table below once.  Each public function binds, steps and
 * resets one or two of them.  SQLite errors are logged here and become -EIO.
 */
#include "store/store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "base/log.h"
#include "base/util.h"
#include "store/schema.h"
#include "store/store_int.h"

enum stmt_id {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_SAVEPOINT, S_RELEASE, S_ROLLBACK_TO, S_SYNC_NORMAL,
	S_SYNC_FULL,
	S_ACCOUNT_ADD, S_ACCOUNT_GET, S_ACCOUNT_BY_NAME, S_ACCOUNT_UPDATE, S_ACCOUNTS,
	S_QUEUE_ADD, S_QUEUE_GET, S_QUEUE_BY_NAME, S_QUEUE_TITLE, S_QUEUES_OF_ACCOUNT,
	S_OPERATOR_ADD, S_OPERATOR_GET, S_OPERATOR_BY_USERNAME, S_OPERATOR_UPDATE,
	S_OPERATOR_PASSWORD, S_OPERATORS_OF_ACCOUNT,
	S_MEMBER_ADD, S_MEMBER_DEL, S_MEMBER_AVAILABLE, S_MEMBERS_OF_QUEUE, S_QUEUES_OF_OPERATOR,
	S_SESSION_ADD, S_SESSION_GET, S_SESSION_TOUCH, S_SESSION_DEL, S_SESSIONS_DEL_OPERATOR,
	S_CHAT_ADD, S_CHAT_GET, S_CHAT_BY_PUBLIC, S_CHAT_STATUS, S_CHATS_OF_QUEUE,
	S_CHATS_OF_OPERATOR, S_CHATS_WITH_STATUS, S_CHAT_MAX_ID,
	S_EVENT_DUP, S_EVENT_LAST, S_EVENT_ADD, S_CHAT_COUNTS, S_UNINDEXED, S_INDEX_TEXT, S_INDEX_FTS,
	S_INDEX_DONE, S_EVENTS_SINCE,
	S_BLOB_ADD, S_CHAT_BLOB_ADD, S_CHAT_BLOB_GET, S_CHAT_HAND_OVER,
	S_CHAT_QUEUE_LEFT,
	S_COUNT
};

/* The columns read_chat() reads, in its order (store_int.h: STORE_CHAT_COLS). */
#define CHAT_COLS STORE_CHAT_COLS
#define OPERATOR_COLS "id, account_id, username, name, pwhash, is_admin, disabled"

static const char *const stmt_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SAVEPOINT] = "SAVEPOINT op",
	[S_RELEASE] = "RELEASE op",
	[S_ROLLBACK_TO] = "ROLLBACK TO op",
	[S_SYNC_NORMAL] = "PRAGMA synchronous=NORMAL",
	[S_SYNC_FULL] = "PRAGMA synchronous=FULL",
	[S_ACCOUNT_ADD] = "INSERT INTO accounts(name, origins, created_at) VALUES (?, ?, ?)",
	[S_ACCOUNT_GET] = "SELECT id, name, origins FROM accounts WHERE id = ?",
	[S_ACCOUNT_BY_NAME] = "SELECT id, name, origins FROM accounts WHERE name = ?",
	[S_ACCOUNT_UPDATE] = "UPDATE accounts SET name = ?, origins = ? WHERE id = ?",
	[S_ACCOUNTS] = "SELECT id, name, origins FROM accounts ORDER BY id",
	[S_QUEUE_ADD] = "INSERT INTO queues(account_id, name, title, created_at) VALUES (?, ?, ?, ?)",
	[S_QUEUE_GET] = "SELECT id, account_id, name, title, share_invite FROM queues WHERE id = ?",
	[S_QUEUE_BY_NAME] = "SELECT id, account_id, name, title, share_invite FROM queues "
			    "WHERE name = ?",
	[S_QUEUE_TITLE] = "UPDATE queues SET title = ?, share_invite = ? WHERE id = ?",
	[S_QUEUES_OF_ACCOUNT] = "SELECT id, account_id, name, title, share_invite FROM queues "
				"WHERE account_id = ? ORDER BY name",
	[S_OPERATOR_ADD] = "INSERT INTO operators(account_id, username, name, pwhash, is_admin, "
			   "disabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
	[S_OPERATOR_GET] = "SELECT " OPERATOR_COLS " FROM operators WHERE id = ?",
	[S_OPERATOR_BY_USERNAME] = "SELECT " OPERATOR_COLS " FROM operators WHERE username = ?",
	[S_OPERATOR_UPDATE] = "UPDATE operators SET name = ?, is_admin = ?, disabled = ? WHERE id = ?",
	[S_OPERATOR_PASSWORD] = "UPDATE operators SET pwhash = ? WHERE id = ?",
	[S_OPERATORS_OF_ACCOUNT] = "SELECT " OPERATOR_COLS " FROM operators "
				   "WHERE account_id = ? ORDER BY username",
	[S_MEMBER_ADD] = "INSERT OR IGNORE INTO members(queue_id, operator_id) VALUES (?, ?)",
	[S_MEMBER_DEL] = "DELETE FROM members WHERE queue_id = ? AND operator_id = ?",
	[S_MEMBER_AVAILABLE] = "UPDATE members SET available = ? WHERE queue_id = ? AND operator_id = ?",
	[S_MEMBERS_OF_QUEUE] = "SELECT operator_id, available FROM members WHERE queue_id = ? "
			       "ORDER BY operator_id",
	[S_QUEUES_OF_OPERATOR] = "SELECT q.id, q.account_id, q.name, q.title, q.share_invite, "
				 "m.available "
				 "FROM members m JOIN queues q ON q.id = m.queue_id "
				 "WHERE m.operator_id = ? ORDER BY q.name",
	[S_SESSION_ADD] = "INSERT INTO sessions(token_hash, operator_id, csrf, created_at, expires_at) "
			  "VALUES (?, ?, ?, ?, ?)",
	[S_SESSION_GET] = "SELECT operator_id, csrf, expires_at FROM sessions "
			  "WHERE token_hash = ? AND expires_at > ?",
	[S_SESSION_TOUCH] = "UPDATE sessions SET expires_at = ? WHERE token_hash = ?",
	[S_SESSION_DEL] = "DELETE FROM sessions WHERE token_hash = ?",
	[S_SESSIONS_DEL_OPERATOR] = "DELETE FROM sessions WHERE operator_id = ? "
				    "AND token_hash IS NOT ?",
	[S_CHAT_ADD] = "INSERT INTO chats(id, public_id, token_hash, account_id, queue_id, guest_name, "
		       "status, operator_id, last_seq, created_at, manage_token, ord) "
		       "VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 0, ?, ?, "
		       "(SELECT coalesce(max(ord), 0) + 1 FROM chats))",
	[S_CHAT_GET] = "SELECT " CHAT_COLS " FROM chats WHERE id = ?",
	[S_CHAT_BY_PUBLIC] = "SELECT " CHAT_COLS " FROM chats WHERE public_id = ?",
	[S_CHAT_STATUS] = "UPDATE chats SET status = ?1, operator_id = coalesce(nullif(?2, 0), operator_id), "
			  "accepted_at = CASE WHEN ?1 = 1 THEN ?3 ELSE accepted_at END, "
			  "ended_at = CASE WHEN ?1 = 2 THEN ?3 ELSE ended_at END WHERE id = ?4",
	/* A transfer: the chat's holder and queue change; back on a queue, nobody holds it. */
	[S_CHAT_HAND_OVER] = "UPDATE chats SET status = ?1, operator_id = nullif(?2, 0), "
			     "queue_id = ?3 WHERE id = ?4 AND status != 2",
	[S_CHAT_QUEUE_LEFT] = "INSERT OR IGNORE INTO chat_queues(queue_id, chat_id) "
			      "SELECT queue_id, id FROM chats WHERE id = ?1 AND queue_id != ?2 "
			      "AND status != 2",
	[S_CHATS_OF_QUEUE] = "SELECT " CHAT_COLS " FROM chats WHERE queue_id = ? AND status = ? "
			     "ORDER BY id",
	[S_CHATS_OF_OPERATOR] = "SELECT " CHAT_COLS " FROM chats WHERE operator_id = ? AND status = 1 "
				"ORDER BY id",
	[S_CHAT_MAX_ID] = "SELECT coalesce(max(id), 0) FROM chats",
	[S_CHATS_WITH_STATUS] = "SELECT " CHAT_COLS " FROM chats WHERE status = ? ORDER BY id",
	/* Bytes first sent as a plain file take the type the pipeline gives the same bytes. */
	[S_BLOB_ADD] = "INSERT INTO blobs(hash, mime, size, created_at) VALUES (?, ?, ?, ?) "
		       "ON CONFLICT(hash) DO UPDATE SET mime = excluded.mime "
		       "WHERE blobs.mime = 'application/octet-stream'",
	[S_CHAT_BLOB_ADD] = "INSERT OR IGNORE INTO chat_blobs(chat_id, hash, name) VALUES (?, ?, ?)",
	[S_CHAT_BLOB_GET] = "SELECT b.hash, b.mime, b.size, cb.name FROM chat_blobs cb "
			    "JOIN blobs b ON b.hash = cb.hash WHERE cb.chat_id = ? AND cb.hash = ?",
	/* The same expression as the unique index events_author_cid (schema 7), so it is used. */
	[S_EVENT_DUP] = "SELECT seq FROM events WHERE chat_id = ? AND author = ? "
			"AND ifnull(operator_id, 0) = ? AND cid = ?",
	/* A chat's last seq, when the writer does not know it yet (no row: no such chat). */
	[S_EVENT_LAST] = "SELECT max(last_seq, coalesce((SELECT max(seq) FROM events "
			 "WHERE chat_id = ?1), 0)) FROM chats WHERE id = ?1",
	/* Nothing is inserted for a cid its author used before in the chat. */
	[S_EVENT_ADD] = "INSERT INTO events(chat_id, seq, kind, author, operator_id, cid, body, at) "
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
	/* At commit, for each chat that got events. */
	[S_CHAT_COUNTS] = "UPDATE chats SET last_seq = max(last_seq, ?2), "
			  "n_messages = n_messages + ?3, n_snapshots = n_snapshots + ?4 WHERE id = ?1",
	/* The search index (store_index_now() below): the chats it is behind on, ... */
	[S_UNINDEXED] = "SELECT id FROM chats WHERE indexed_seq < last_seq",
	/* ... their new messages' text, ... */
	[S_INDEX_TEXT] = "INSERT INTO message_text(id, chat_id, text) "
			 "SELECT (c.ord << 20) | e.seq, c.id, json_extract(e.body, '$.text') "
			 "FROM chats c JOIN events e ON e.chat_id = c.id AND e.seq > c.indexed_seq "
			 "WHERE c.id IN (SELECT value FROM json_each(?1)) AND e.kind = 'message' "
			 "AND e.seq < " STORE_SEARCH_SEQS " AND json_valid(e.body) "
			 "AND json_type(e.body, '$.text') = 'text'",
	/* ... that text into the index, in one statement, ... */
	[S_INDEX_FTS] = "INSERT INTO message_fts(rowid, text) SELECT t.id, t.text FROM chats c "
			"JOIN message_text t ON t.id > (c.ord << 20) + min(c.indexed_seq, " STORE_SEARCH_SEQS " - 1) "
			"AND t.id < ((c.ord + 1) << 20) WHERE c.id IN (SELECT value FROM json_each(?1))",
	/* ... and how far each chat is indexed now. */
	[S_INDEX_DONE] = "UPDATE chats SET indexed_seq = coalesce((SELECT max(seq) FROM events e "
			 "WHERE e.chat_id = chats.id), indexed_seq) "
			 "WHERE id IN (SELECT value FROM json_each(?1))",
	[S_EVENTS_SINCE] = "SELECT seq, kind, author, operator_id, cid, body, at FROM events "
			   "WHERE chat_id = ? AND seq > ? ORDER BY seq LIMIT ?",
};

struct wal_watch {
	void (*cb)(void *arg, int pages);
	void *arg;
};

/* A set of chat ids, kept sorted and unique by ids_tidy(). */
struct ids {
	int64_t *v;
	size_t n, cap;
};

/* An event added in the open transaction. */
struct added {
	int64_t chat_id, seq;
	int kind; /* 1 message, 2 snapshot, 0 other */
};

/* Chat id -> its last seq (open addressing; id 0 marks a free slot). */
struct last_seqs {
	int64_t *id, *seq;
	size_t n, cap;
};

/*
 * Appending an event is one INSERT.  Its seq comes from `last` (what this
 * connection knows of each chat's last seq, read from the database the
 * first time), and the event is logged in `added`; a savepoint rolled back
 * takes its own entries out again (`mark` is where the op began).  At
 * commit, each chat that got events has its last seq and counts updated
 * once.  The search index is further behind: chats with messages not yet
 * indexed wait in `unindexed` until store_index_some() (the writer runs
 * it once enough messages wait or the oldest has waited long enough, and
 * before a search); `indexing` holds
 * those it took, until their transaction commits.
 */
struct store {
	sqlite3 *db;
	sqlite3_stmt *stmt[S_COUNT];
	struct added *added;
	size_t n_added, cap_added, mark;
	struct last_seqs last;
	struct ids unindexed, indexing, index_run;
	size_t unindexed_messages; /* committed since the last run: when to run (a hint) */
	int64_t index_cursor; /* the last chat of the last run, to take the next ones in turn */
	struct wal_watch wal;
	sqlite3_stmt *report[STORE_REPORT_STMTS]; /* report.c's, prepared on first use */
};

/* Report a SQLite failure once and turn it into an errno code. */
static int fail(struct store *st, const char *what)
{
	int code = sqlite3_extended_errcode(st->db);

	if ((code & 0xff) == SQLITE_CONSTRAINT)
		return -EEXIST;
	log_error("store: %s: %s (%d)", what, sqlite3_errmsg(st->db), code);
	if ((code & 0xff) == SQLITE_FULL)
		return -ENOSPC;
	return -EIO;
}

static sqlite3_stmt *stmt(struct store *st, enum stmt_id id)
{
	sqlite3_stmt *s = st->stmt[id];

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

/* Step a statement that returns no rows. */
static int run(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail(st, what);
	return 0;
}

static void copy_text(char *dst, size_t size, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

static void bind_text(sqlite3_stmt *s, int col, const char *text)
{
	if (text)
		sqlite3_bind_text(s, col, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, col);
}

static void ids_add(struct ids *s, int64_t id)
{
	if (s->n && s->v[s->n - 1] == id)
		return;
	if (s->n == s->cap) {
		s->cap = grow_cap(s->cap, s->n + 1);
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = id;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Sort and drop repeats. */
static void ids_tidy(struct ids *s)
{
	size_t i, n = 0;

	if (s->n < 2)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_id);
	for (i = 0; i < s->n; i++)
		if (!n || s->v[i] != s->v[n - 1])
			s->v[n++] = s->v[i];
	s->n = n;
}

/* Add every id of `from` to `to`. */
static void ids_merge(struct ids *to, const struct ids *from)
{
	size_t i;

	for (i = 0; i < from->n; i++)
		ids_add(to, from->v[i]);
	ids_tidy(to);
}

/* "[id,id,...]", for json_each() in a statement; free() it. */
static char *ids_json(const struct ids *s, int *len)
{
	char *text = xmalloc(s->n * 21 + 3), *p = text;
	size_t i;

	*p++ = '[';
	for (i = 0; i < s->n; i++)
		p += sprintf(p, "%s%lld", i ? "," : "", (long long)s->v[i]);
	*p++ = ']';
	*p = '\0';
	*len = (int)(p - text);
	return text;
}

/* Step a statement whose ?1 is the ids as a JSON array. */
static int run_ids(struct store *st, enum stmt_id id, const struct ids *s, const char *what)
{
	sqlite3_stmt *q = stmt(st, id);
	int len;
	char *text = ids_json(s, &len);

	sqlite3_bind_text(q, 1, text, len, free);
	return run(st, q, what);
}

/* After a stop, the chats whose messages were committed but not indexed. */
static int load_unindexed(struct store *st)
{
	sqlite3_stmt *s = stmt(st, S_UNINDEXED);
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		ids_add(&st->unindexed, sqlite3_column_int64(s, 0));
	sqlite3_reset(s);
	ids_tidy(&st->unindexed);
	return rc == SQLITE_DONE ? 0 : fail(st, "find unindexed chats");
}

int store_open(struct store **out, const char *dir)
{
	struct store *st = xcalloc(1, sizeof(*st));
	char path[4096];
	int i, rc;

	*out = NULL;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_error("store: cannot create %s: %s", dir, strerror(errno));
		free(st);
		return -errno;
	}
	if (snprintf(path, sizeof(path), "%s/refdesk.db", dir) >= (int)sizeof(path)) {
		free(st);
		return -ENAMETOOLONG;
	}
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_error("store: cannot open %s: %s", path, sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 10000);
	sqlite3_extended_result_codes(st->db, 1);
	/* Deleted text (a purge, a deleted transcript) is overwritten, not left in free pages. */
	if (sqlite3_exec(st->db, "PRAGMA secure_delete=ON", NULL, NULL, NULL) != SQLITE_OK) {
		log_error("store: cannot set secure_delete: %s", sqlite3_errmsg(st->db));
		goto fail;
	}
	if (store_report_register(st->db) < 0)
		goto fail;
	rc = schema_migrate(st->db);
	if (rc < 0)
		goto fail;
	for (i = 0; i < S_COUNT; i++) {
		if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &st->stmt[i], NULL) != SQLITE_OK) {
			log_error("store: prepare %d: %s", i, sqlite3_errmsg(st->db));
			goto fail;
		}
	}
	if (load_unindexed(st) < 0)
		goto fail;
	*out = st;
	return 0;
fail:
	store_free(st);
	return -EIO;
}

void store_free(struct store *st)
{
	int i;

	if (!st)
		return;
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	for (i = 0; i < STORE_REPORT_STMTS; i++)
		sqlite3_finalize(st->report[i]);
	sqlite3_close(st->db);
	free(st->added);
	free(st->last.id);
	free(st->last.seq);
	free(st->unindexed.v);
	free(st->indexing.v);
	free(st->index_run.v);
	free(st);
}

/* ---- what the writer knows of each chat's last seq ---------------------- */

/* The slot of `id`: where it is, or the free slot where it would go. */
static size_t last_slot(const struct last_seqs *m, int64_t id)
{
	size_t i = (size_t)((uint64_t)id * 0x9e3779b97f4a7c15ull >> 20) & (m->cap - 1);

	while (m->id[i] && m->id[i] != id)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static bool last_get(const struct last_seqs *m, int64_t id, int64_t *seq)
{
	size_t i;

	if (!m->cap)
		return false;
	i = last_slot(m, id);
	*seq = m->seq[i];
	return m->id[i] == id;
}

static void last_forget(struct last_seqs *m)
{
	if (m->cap)
		memset(m->id, 0, m->cap * sizeof(*m->id));
	m->n = 0;
}

/* Bounded: past 65,536 chats it starts again from the database. */
#define LAST_SEQS_MAX 65536

static void last_set(struct last_seqs *m, int64_t id, int64_t seq)
{
	struct last_seqs old = *m;
	size_t i;

	if (m->n >= LAST_SEQS_MAX)
		last_forget(m);
	if (2 * (m->n + 1) > m->cap) {
		m->cap = m->cap ? 2 * m->cap : 256;
		m->id = xcalloc(m->cap, sizeof(*m->id));
		m->seq = xmalloc(m->cap * sizeof(*m->seq));
		m->n = 0;
		for (i = 0; i < old.cap; i++)
			if (old.id[i])
				last_set(m, old.id[i], old.seq[i]);
		free(old.id);
		free(old.seq);
	}
	i = last_slot(m, id);
	m->n += !m->id[i];
	m->id[i] = id;
	m->seq[i] = seq;
}

static int cmp_added(const void *a, const void *b)
{
	const struct added *x = a, *y = b;

	if (x->chat_id != y->chat_id)
		return (x->chat_id > y->chat_id) - (x->chat_id < y->chat_id);
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The chats that got events in this transaction: their last seq and counts. */
static int chats_caught_up(struct store *st)
{
	sqlite3_stmt *s;
	size_t i, j;
	int64_t messages, snapshots;
	int rc = 0;

	if (!st->n_added)
		return 0;
	qsort(st->added, st->n_added, sizeof(*st->added), cmp_added);
	for (i = 0; i < st->n_added && !rc; i = j) {
		messages = snapshots = 0;
		for (j = i; j < st->n_added && st->added[j].chat_id == st->added[i].chat_id; j++) {
			messages += st->added[j].kind == 1;
			snapshots += st->added[j].kind == 2;
		}
		s = stmt(st, S_CHAT_COUNTS);
		sqlite3_bind_int64(s, 1, st->added[i].chat_id);
		sqlite3_bind_int64(s, 2, st->added[j - 1].seq);
		sqlite3_bind_int64(s, 3, messages);
		sqlite3_bind_int64(s, 4, snapshots);
		rc = run(st, s, "count events");
	}
	return rc;
}

/* Take the events added since `mark` back out (their savepoint was rolled back). */
static void added_undo(struct store *st, size_t mark)
{
	while (st->n_added > mark) {
		struct added *a = &st->added[--st->n_added];

		last_set(&st->last, a->chat_id, a->seq - 1);
	}
}

/* This transaction's chats go to the index's list. */
static void added_to_unindexed(struct store *st)
{
	size_t i;

	for (i = 0; i < st->n_added; i++)
		ids_add(&st->unindexed, st->added[i].chat_id);
	ids_tidy(&st->unindexed);
}

/* The transaction ended: what it indexed is done, or waits again. */
static void ended(struct store *st, bool committed)
{
	if (committed) {
		added_to_unindexed(st);
		for (size_t i = 0; i < st->n_added; i++)
			st->unindexed_messages += st->added[i].kind == 1;
	} else {
		ids_merge(&st->unindexed, &st->indexing);
		/* What it wrote is gone: seqs are read again from the database. */
		last_forget(&st->last);
	}
	st->n_added = st->mark = 0;
	st->indexing.n = 0;
}

int store_begin(struct store *st)
{
	return run(st, stmt(st, S_BEGIN), "begin");
}

int store_commit(struct store *st)
{
	int rc = chats_caught_up(st);

	if (!rc)
		rc = run(st, stmt(st, S_COMMIT), "commit");
	if (!rc)
		ended(st, true);
	return rc;
}

void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		run(st, stmt(st, S_ROLLBACK), "rollback");
	ended(st, false);
}

/*
 * Move up to `max` chats (all if 0) from `unindexed` to `run`, taking them
 * in turn: those after the last run's last chat first, then from the start.
 */
static void take_chats(struct store *st, size_t max, struct ids *run)
{
	struct ids *u = &st->unindexed;
	size_t i, start = 0, kept = 0;

	run->n = 0;
	if (!max || max >= u->n) {
		ids_merge(run, u);
		u->n = 0;
		return;
	}
	while (start < u->n && u->v[start] <= st->index_cursor)
		start++;
	for (i = 0; i < max; i++)
		ids_add(run, u->v[(start + i) % u->n]);
	st->index_cursor = u->v[(start + max - 1) % u->n];
	ids_tidy(run);
	/* Keep the rest, in order. */
	for (i = 0; i < u->n; i++)
		if (!bsearch(&u->v[i], run->v, run->n, sizeof(*run->v), cmp_id))
			u->v[kept++] = u->v[i];
	u->n = kept;
}

int store_index_now(struct store *st)
{
	return store_index_some(st, 0);
}

int store_index_some(struct store *st, size_t max_chats)
{
	bool own = sqlite3_get_autocommit(st->db);
	struct ids *run_set = &st->index_run;
	int rc = 0;

	/* This transaction's chats too: a search asked for now sees them. */
	added_to_unindexed(st);
	if (!st->unindexed.n)
		return 0;
	take_chats(st, max_chats, run_set);
	st->unindexed_messages = 0;
	/*
	 * Its own transaction is not synced: losing it to a power cut loses
	 * only index work (indexed_seq goes with it), which is then redone.
	 * The next acknowledged commit syncs it along.
	 */
	if (own) {
		run(st, stmt(st, S_SYNC_NORMAL), "synchronous");
		if ((rc = store_begin(st)) < 0) {
			run(st, stmt(st, S_SYNC_FULL), "synchronous");
			return rc;
		}
	}
	rc = run_ids(st, S_INDEX_TEXT, run_set, "save message text");
	if (!rc)
		rc = run_ids(st, S_INDEX_FTS, run_set, "index messages");
	if (!rc)
		rc = run_ids(st, S_INDEX_DONE, run_set, "index messages");
	ids_merge(&st->indexing, run_set);
	if (own) {
		if (!rc)
			rc = store_commit(st);
		if (rc < 0)
			store_rollback(st);
		if (run(st, stmt(st, S_SYNC_FULL), "synchronous") < 0 && !rc)
			rc = -EIO;
	}
	return rc;
}

static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct wal_watch *w = arg;

	(void)db;
	(void)name;
	w->cb(w->arg, pages);
	return SQLITE_OK;
}

void store_watch_wal(struct store *st, void (*cb)(void *arg, int pages), void *arg)
{
	st->wal.cb = cb;
	st->wal.arg = arg;
	/* Replaces SQLite's own hook, which checkpoints inside the commit. */
	sqlite3_wal_hook(st->db, wal_hook, &st->wal);
}

int store_checkpoint(struct store *st)
{
	int rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

	return rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : fail(st, "checkpoint");
}

bool store_index_waiting(const struct store *st)
{
	return st->unindexed.n > 0;
}

size_t store_index_backlog(const struct store *st)
{
	return st->unindexed_messages;
}

int store_savepoint(struct store *st)
{
	st->mark = st->n_added;
	return run(st, stmt(st, S_SAVEPOINT), "savepoint");
}

void store_savepoint_release(struct store *st, bool keep)
{
	if (!keep) {
		run(st, stmt(st, S_ROLLBACK_TO), "rollback to savepoint");
		added_undo(st, st->mark);
		/* Indexing it undid is to do again (redoing done work adds nothing). */
		ids_merge(&st->unindexed, &st->indexing);
		st->indexing.n = 0;
	}
	run(st, stmt(st, S_RELEASE), "release savepoint");
}

bool store_in_transaction(struct store *st)
{
	return !sqlite3_get_autocommit(st->db);
}

/* ---- accounts ---------------------------------------------------------- */

static void read_account(sqlite3_stmt *s, struct store_account *a)
{
	a->id = sqlite3_column_int64(s, 0);
	copy_text(a->name, sizeof(a->name), s, 1);
	copy_text(a->origins, sizeof(a->origins), s, 2);
}

/* Step a one-row query; fills via `read` or returns -ENOENT. */
static int one_row(struct store *st, sqlite3_stmt *s, const char *what,
		   void (*read)(sqlite3_stmt *, void *), void *out)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		read(s, out);
		sqlite3_reset(s);
		return 0;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? -ENOENT : fail(st, what);
}

int store_account_add(struct store *st, const char *name, const char *origins, int64_t *id)
{
	sqlite3_stmt *s = stmt(st, S_ACCOUNT_ADD);
	int rc;

	bind_text(s, 1, name);
	bind_text(s, 2, origins ? origins : "");
	sqlite3_bind_int64(s, 3, time_now_ms());
	rc = run(st, s, "add account");
	if (!rc && id)
		*id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int store_account_get(struct store *st, int64_t id, struct store_account *out)
{
	sqlite3_stmt *s = stmt(st, S_ACCOUNT_GET);

	sqlite3_bind_int64(s, 1, id);
	return one_row(st, s, "get account", (void (*)(sqlite3_stmt *, void *))read_account, out);
}

int store_account_by_name(struct store *st, const char *name, struct store_account *out)
{
	sqlite3_stmt *s = stmt(st, S_ACCOUNT_BY_NAME);

	bind_text(s, 1, name);
	return one_row(st, s, "get account", (void (*)(sqlite3_stmt *, void *))read_account, out);
}

int store_account_update(struct store *st, const struct store_account *a)
{
	sqlite3_stmt *s = stmt(st, S_ACCOUNT_UPDATE);

	bind_text(s, 1, a->name);
	bind_text(s, 2, a->origins);
	sqlite3_bind_int64(s, 3, a->id);
	return run(st, s, "update account");
}

int store_accounts_each(struct store *st, int (*cb)(void *ctx, const struct store_account *a), void *ctx)
{
	sqlite3_stmt *s = stmt(st, S_ACCOUNTS);
	struct store_account a;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_account(s, &a);
		if ((rc = cb(ctx, &a)) != 0) {
			sqlite3_reset(s);
			return rc;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : fail(st, "list accounts");
}

/* ---- queues ------------------------------------------------------------ */

static void read_queue(sqlite3_stmt *s, struct store_queue *q)
{
	q->id = sqlite3_column_int64(s, 0);
	q->account_id = sqlite3_column_int64(s, 1);
	copy_text(q->name, sizeof(q->name), s, 2);
	copy_text(q->title, sizeof(q->title), s, 3);
	copy_text(q->share_invite, sizeof(q->share_invite), s, 4);
}

int store_queue_add(struct store *st, int64_t account_id, const char *name, const char *title,
		    int64_t *id)
{
	sqlite3_stmt *s = stmt(st, S_QUEUE_ADD);
	int rc;

	sqlite3_bind_int64(s, 1, account_id);
	bind_text(s, 2, name);
	bind_text(s, 3, title);
	sqlite3_bind_int64(s, 4, time_now_ms());
	rc = run(st, s, "add queue");
	if (!rc && id)
		*id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int store_queue_get(struct store *st, int64_t id, struct store_queue *out)
{
	sqlite3_stmt *s = stmt(st, S_QUEUE_GET);

	sqlite3_bind_int64(s, 1, id);
	return one_row(st, s, "get queue", (void (*)(sqlite3_stmt *, void *))read_queue, out);
}

int store_queue_by_name(struct store *st, const char *name, struct store_queue *out)
{
	sqlite3_stmt *s = stmt(st, S_QUEUE_BY_NAME);

	bind_text(s, 1, name);
	return one_row(st, s, "get queue", (void (*)(sqlite3_stmt *, void *))read_queue, out);
}

int store_queue_update(struct store *st, int64_t id, const char *title, const char *share_invite)
{
	sqlite3_stmt *s = stmt(st, S_QUEUE_TITLE);

	bind_text(s, 1, title);
	bind_text(s, 2, share_invite);
	sqlite3_bind_int64(s, 3, id);
	return run(st, s, "update queue");
}

int store_queues_of_account(struct store *st, int64_t account_id,
			    int (*cb)(void *ctx, const struct store_queue *q), void *ctx)
{
	sqlite3_stmt *s = stmt(st, S_QUEUES_OF_ACCOUNT);
	struct store_queue q;
	int rc;

	sqlite3_bind_int64(s, 1, account_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_queue(s, &q);
		if ((rc = cb(ctx, &q)) != 0) {
			sqlite3_reset(s);
			return rc;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : fail(st, "list queues");
}

/* ---- operators --------------------------------------------------------- */

static void read_operator(sqlite3_stmt *s, struct store_operator *o)
{
	o->id = sqlite3_column_int64(s, 0);
	o->account_id = sqlite3_column_int64(s, 1);
	copy_text(o->username, sizeof(o->username), s, 2);
	copy_text(o->name, sizeof(o->name), s, 3);
	copy_text(o->pwhash, sizeof(o->pwhash), s, 4);
	o->is_admin = sqlite3_column_int(s, 5) != 0;
	o->disabled = sqlite3_column_int(s, 6) != 0;
}

int store_operator_add(struct store *st, const struct store_operator *o, int64_t *id)
{
	sqlite3_stmt *s = stmt(st, S_OPERATOR_ADD);
	int rc;

	sqlite3_bind_int64(s, 1, o->account_id);
	bind_text(s, 2, o->username);
	bind_text(s, 3, o->name);
	bind_text(s, 4, o->pwhash);
	sqlite3_bind_int(s, 5, o->is_admin);
	sqlite3_bind_int(s, 6, o->disabled);
	sqlite3_bind_int64(s, 7, time_now_ms());
	rc = run(st, s, "add operator");
	if (!rc && id)
		*id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int store_operator_get(struct store *st, int64_t id, struct store_operator *out)
{
	sqlite3_stmt *s = stmt(st, S_OPERATOR_GET);

	sqlite3_bind_int64(s, 1, id);
	return one_row(st, s, "get operator", (void (*)(sqlite3_stmt *, void *))read_operator, out);
}

int store_operator_by_username(struct store *st, const char *username, struct store_operator *out)
{
	sqlite3_stmt *s = stmt(st, S_OPERATOR_BY_USERNAME);

	bind_text(s, 1, username);
	return one_row(st, s, "get operator", (void (*)(sqlite3_stmt *, void *))read_operator, out);
}

int store_operator_update(struct store *st, const struct store_operator *o)
{
	sqlite3_stmt *s = stmt(st, S_OPERATOR_UPDATE);

	bind_text(s, 1, o->name);
	sqlite3_bind_int(s, 2, o->is_admin);
	sqlite3_bind_int(s, 3, o->disabled);
	sqlite3_bind_int64(s, 4, o->id);
	return run(st, s, "update operator");
}

int store_operator_set_password(struct store *st, int64_t id, const char *pwhash)
{
	sqlite3_stmt *s = stmt(st, S_OPERATOR_PASSWORD);

	bind_text(s, 1, pwhash);
	sqlite3_bind_int64(s, 2, id);
	return run(st, s, "set password");
}

int store_operators_of_account(struct store *st, int64_t account_id,
			       int (*cb)(void *ctx, const struct store_operator *o), void *ctx)
{
	sqlite3_stmt *s = stmt(st, S_OPERATORS_OF_ACCOUNT);
	struct store_operator o;
	int rc;

	sqlite3_bind_int64(s, 1, account_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_operator(s, &o);
		if ((rc = cb(ctx, &o)) != 0) {
			sqlite3_reset(s);
			return rc;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : fail(st, "list operators");
}

/* ---- membership -------------------------------------------------------- */

int store_member_set(struct store *st, int64_t queue_id, int64_t operator_id, bool member)
{
	sqlite3_stmt *s = stmt(st, member ? S_MEMBER_ADD : S_MEMBER_DEL);

	sqlite3_bind_int64(s, 1, queue_id);
	sqlite3_bind_int64(s, 2, operator_id);
	return run(st, s, "set membership");
}

int store_member_set_available(struct store *st, int64_t queue_id, int64_t operator_id,
			       bool available)
{
	sqlite3_stmt *s = stmt(st, S_MEMBER_AVAILABLE);

	sqlite3_bind_int(s, 1, available);
	sqlite3_bind_int64(s, 2, queue_id);
	sqlite3_bind_int64(s, 3, operator_id);
	return run(st, s, "set availability");
}

int store_members_of_queue(struct store *st, int64_t queue_id,
			   int (*cb)(void *ctx, int64_t operator_id, bool available), void *ctx)
{
	sqlite3_stmt *s = stmt(st, S_MEMBERS_OF_QUEUE);
	int rc;

	sqlite3_bind_int64(s, 1, queue_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		rc = cb(ctx, sqlite3_column_int64(s, 0), sqlite3_column_int(s, 1) != 0);
		if (rc) {
			sqlite3_reset(s);
			return rc;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : fail(st, "list members");
}

int store_queues_of_operator(struct store *st, int64_t operator_id,
			     int (*cb)(void *ctx, const struct store_queue *q, bool available), void *ctx)
{
	sqlite3_stmt *s = stmt(st, S_QUEUES_OF_OPERATOR);
	struct store_queue q;
	int rc;

	sqlite3_bind_int64(s, 1, operator_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_queue(s, &q);
		if ((rc = cb(ctx, &q, sqlite3_column_int(s, 5) != 0)) != 0) {
			sqlite3_reset(s);
			return rc;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : fail(st, "list memberships");
}

/* ---- sessions ---------------------------------------------------------- */

int store_session_add(struct store *st, const unsigned char hash[STORE_TOKEN_HASH],
		      int64_t operator_id, const char *csrf, int64_t expires_at)
{
	sqlite3_stmt *s = stmt(st, S_SESSION_ADD);

	sqlite3_bind_blob(s, 1, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, operator_id);
	bind_text(s, 3, csrf);
	sqlite3_bind_int64(s, 4, time_now_ms());
	sqlite3_bind_int64(s, 5, expires_at);
	return run(st, s, "add session");
}

static void read_session(sqlite3_stmt *s, struct store_session *out)
{
	out->operator_id = sqlite3_column_int64(s, 0);
	copy_text(out->csrf, sizeof(out->csrf), s, 1);
	out->expires_at = sqlite3_column_int64(s, 2);
}

int store_session_get(struct store *st, const unsigned char hash[STORE_TOKEN_HASH],
		      int64_t now, struct store_session *out)
{
	sqlite3_stmt *s = stmt(st, S_SESSION_GET);

	sqlite3_bind_blob(s, 1, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now);
	return one_row(st, s, "get session", (void (*)(sqlite3_stmt *, void *))read_session, out);
}

int store_session_touch(struct store *st, const unsigned char hash[STORE_TOKEN_HASH],
			int64_t expires_at)
{
	sqlite3_stmt *s = stmt(st, S_SESSION_TOUCH);

	sqlite3_bind_int64(s, 1, expires_at);
	sqlite3_bind_blob(s, 2, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
	return run(st, s, "touch session");
}

int store_session_delete(struct store *st, const unsigned char hash[STORE_TOKEN_HASH])
{
	sqlite3_stmt *s = stmt(st, S_SESSION_DEL);

	sqlite3_bind_blob(s, 1, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
	return run(st, s, "delete session");
}

int store_sessions_delete_operator(struct store *st, int64_t operator_id,
				   const unsigned char *keep)
{
	sqlite3_stmt *s = stmt(st, S_SESSIONS_DEL_OPERATOR);

	sqlite3_bind_int64(s, 1, operator_id);
	if (keep)
		sqlite3_bind_blob(s, 2, keep, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
	return run(st, s, "delete sessions");
}

/* ---- chats ------------------------------------------------------------- */

static void read_chat(sqlite3_stmt *s, struct store_chat *c)
{
	const void *blob = sqlite3_column_blob(s, 2);

	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(s, 0);
	copy_text(c->public_id, sizeof(c->public_id), s, 1);
	if (blob && sqlite3_column_bytes(s, 2) == STORE_TOKEN_HASH)
		memcpy(c->token_hash, blob, STORE_TOKEN_HASH);
	c->account_id = sqlite3_column_int64(s, 3);
	c->queue_id = sqlite3_column_int64(s, 4);
	copy_text(c->guest_name, sizeof(c->guest_name), s, 5);
	c->status = (enum chat_status)sqlite3_column_int(s, 6);
	c->operator_id = sqlite3_column_int64(s, 7);
	c->last_seq = sqlite3_column_int64(s, 8);
	c->created_at = sqlite3_column_int64(s, 9);
	c->accepted_at = sqlite3_column_int64(s, 10);
	c->ended_at = sqlite3_column_int64(s, 11);
	copy_text(c->manage_token, sizeof(c->manage_token), s, 12);
	c->n_messages = sqlite3_column_int64(s, 13);
	c->n_snapshots = sqlite3_column_int64(s, 14);
	c->deleted_at = sqlite3_column_int64(s, 15);
}

int store_chat_add(struct store *st, const struct store_chat *c)
{
	sqlite3_stmt *s = stmt(st, S_CHAT_ADD);
	char token[STORE_MANAGE_TOKEN];
	int rc;

	sqlite3_bind_int64(s, 1, c->id);
	bind_text(s, 2, c->public_id);
	sqlite3_bind_blob(s, 3, c->token_hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, c->account_id);
	sqlite3_bind_int64(s, 5, c->queue_id);
	bind_text(s, 6, c->guest_name[0] ? c->guest_name : NULL);
	sqlite3_bind_int(s, 7, c->status);
	sqlite3_bind_int64(s, 8, c->created_at);
	/* The management link's secret: made here, so every chat has one. */
	rand_token(token, 24);
	bind_text(s, 9, c->manage_token[0] ? c->manage_token : token);
	rc = run(st, s, "add chat");
	return rc < 0 ? rc : store_report_chat_added(st, c);
}

static void read_max(sqlite3_stmt *s, int64_t *out)
{
	*out = sqlite3_column_int64(s, 0);
}

int store_chat_max_id(struct store *st, int64_t *out)
{
	return one_row(st, stmt(st, S_CHAT_MAX_ID), "max chat id",
		       (void (*)(sqlite3_stmt *, void *))read_max, out);
}

int store_chat_get(struct store *st, int64_t id, struct store_chat *out)
{
	sqlite3_stmt *s = stmt(st, S_CHAT_GET);

	sqlite3_bind_int64(s, 1, id);
	return one_row(st, s, "get chat", (void (*)(sqlite3_stmt *, void *))read_chat, out);
}

int store_chat_by_public(struct store *st, const char *public_id, struct store_chat *out)
{
	sqlite3_stmt *s = stmt(st, S_CHAT_BY_PUBLIC);

	bind_text(s, 1, public_id);
	return one_row(st, s, "get chat", (void (*)(sqlite3_stmt *, void *))read_chat, out);
}

int store_chat_set_status(struct store *st, int64_t id, enum chat_status status,
			  int64_t operator_id, int64_t at)
{
	sqlite3_stmt *s = stmt(st, S_CHAT_STATUS);
	int rc;

	sqlite3_bind_int(s, 1, status);
	sqlite3_bind_int64(s, 2, operator_id);
	sqlite3_bind_int64(s, 3, at);
	sqlite3_bind_int64(s, 4, id);
	rc = run(st, s, "set chat status");
	if (rc < 0 || status != CHAT_ACTIVE)
		return rc;
	return store_report_chat_accepted(st, id, operator_id, at);
}

int store_chat_hand_over(struct store *st, int64_t id, enum chat_status status,
			 int64_t operator_id, int64_t queue_id)
{
	sqlite3_stmt *s = stmt(st, S_CHAT_QUEUE_LEFT);
	int rc;

	/* The queue it leaves keeps a say in how long the chat is kept. */
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, queue_id);
	if ((rc = run(st, s, "remember a chat's queue")) < 0)
		return rc;
	s = stmt(st, S_CHAT_HAND_OVER);
	sqlite3_bind_int(s, 1, status);
	sqlite3_bind_int64(s, 2, operator_id);
	sqlite3_bind_int64(s, 3, queue_id);
	sqlite3_bind_int64(s, 4, id);
	rc = run(st, s, "hand a chat over");
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		return -ECANCELED;
	return rc;
}

static int each_chat(struct store *st, sqlite3_stmt *s,
		     int (*cb)(void *ctx, const struct store_chat *c), void *ctx)
{
	struct store_chat c;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_chat(s, &c);
		if ((rc = cb(ctx, &c)) != 0) {
			sqlite3_reset(s);
			return rc;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : fail(st, "list chats");
}

int store_chats_of_queue(struct store *st, int64_t queue_id, enum chat_status status,
			 int (*cb)(void *ctx, const struct store_chat *c), void *ctx)
{
	sqlite3_stmt *s = stmt(st, S_CHATS_OF_QUEUE);

	sqlite3_bind_int64(s, 1, queue_id);
	sqlite3_bind_int(s, 2, status);
	return each_chat(st, s, cb, ctx);
}

int store_chats_with_status(struct store *st, enum chat_status status,
			    int (*cb)(void *ctx, const struct store_chat *c), void *ctx)
{
	sqlite3_stmt *s = stmt(st, S_CHATS_WITH_STATUS);

	sqlite3_bind_int(s, 1, status);
	return each_chat(st, s, cb, ctx);
}

int store_chats_of_operator(struct store *st, int64_t operator_id,
			    int (*cb)(void *ctx, const struct store_chat *c), void *ctx)
{
	sqlite3_stmt *s = stmt(st, S_CHATS_OF_OPERATOR);

	sqlite3_bind_int64(s, 1, operator_id);
	return each_chat(st, s, cb, ctx);
}

/* ---- events ------------------------------------------------------------ */

/*
 * The seq of the event this author already wrote with this cid: 1, or
 * -ENOENT.  The author is the individual: the guest, or this operator
 * (operator_id is stored only for operators, as the insert does).
 */
static int find_duplicate(struct store *st, struct store_event *ev)
{
	sqlite3_stmt *s = stmt(st, S_EVENT_DUP);
	int rc;

	sqlite3_bind_int64(s, 1, ev->chat_id);
	sqlite3_bind_int(s, 2, ev->author);
	sqlite3_bind_int64(s, 3, ev->operator_id);
	bind_text(s, 4, ev->cid);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		ev->seq = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? -ENOENT : fail(st, "find duplicate");
}

/* The chat's last seq, from memory or the database; -ENOENT: no such chat. */
static int last_seq(struct store *st, int64_t chat_id, int64_t *seq)
{
	sqlite3_stmt *s;
	int rc;

	if (last_get(&st->last, chat_id, seq))
		return 0;
	s = stmt(st, S_EVENT_LAST);
	sqlite3_bind_int64(s, 1, chat_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*seq = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? -ENOENT : fail(st, "last seq");
	last_set(&st->last, chat_id, *seq);
	return 0;
}

int store_event_append(struct store *st, struct store_event *ev)
{
	sqlite3_stmt *s;
	int64_t seq;
	int rc = last_seq(st, ev->chat_id, &seq);

	if (rc < 0)
		return rc;
	ev->seq = seq + 1;
	s = stmt(st, S_EVENT_ADD);
	sqlite3_bind_int64(s, 1, ev->chat_id);
	sqlite3_bind_int64(s, 2, ev->seq);
	bind_text(s, 3, ev->kind);
	sqlite3_bind_int(s, 4, ev->author);
	if (ev->operator_id)
		sqlite3_bind_int64(s, 5, ev->operator_id);
	bind_text(s, 6, ev->cid);
	bind_text(s, 7, ev->body);
	sqlite3_bind_int64(s, 8, ev->at);
	rc = run(st, s, "add event");
	if (rc < 0)
		return rc;
	if (!sqlite3_changes(st->db)) {
		/* The same author's cid again (the same operator, for operators): the earlier seq. */
		if (ev->cid && find_duplicate(st, ev) == 1)
			return 1;
		/* Only a seq already taken is left: this connection's memory is stale. */
		last_forget(&st->last);
		return fail(st, "add event (seq taken)");
	}
	last_set(&st->last, ev->chat_id, ev->seq);
	rc = store_report_event_added(st, ev);
	if (rc < 0)
		return rc;
	if (st->n_added == st->cap_added) {
		st->cap_added = grow_cap(st->cap_added, st->n_added + 1);
		st->added = xrealloc(st->added, st->cap_added * sizeof(*st->added));
	}
	st->added[st->n_added++] = (struct added){
		.chat_id = ev->chat_id, .seq = ev->seq,
		.kind = !strcmp(ev->kind, "message") ? 1 : !strcmp(ev->kind, "snapshot") ? 2 : 0,
	};
	if (!sqlite3_get_autocommit(st->db))
		return 0;
	/* Outside a transaction, the chat's counts at once. */
	rc = chats_caught_up(st);
	ended(st, rc == 0);
	return rc;
}

int store_events_since(struct store *st, int64_t chat_id, int64_t after, int limit,
		       int (*cb)(void *ctx, const struct store_event *ev), void *ctx)
{
	sqlite3_stmt *s = stmt(st, S_EVENTS_SINCE);
	struct store_event ev;
	int rc;

	sqlite3_bind_int64(s, 1, chat_id);
	sqlite3_bind_int64(s, 2, after);
	sqlite3_bind_int(s, 3, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ev.chat_id = chat_id;
		ev.seq = sqlite3_column_int64(s, 0);
		ev.kind = (const char *)sqlite3_column_text(s, 1);
		ev.author = (enum event_author)sqlite3_column_int(s, 2);
		ev.operator_id = sqlite3_column_int64(s, 3);
		ev.cid = (const char *)sqlite3_column_text(s, 4);
		ev.body = (const char *)sqlite3_column_text(s, 5);
		ev.at = sqlite3_column_int64(s, 6);
		if ((rc = cb(ctx, &ev)) != 0) {
			sqlite3_reset(s);
			return rc;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : fail(st, "read events");
}

/* ---- blobs ------------------------------------------------------------- */

int store_chat_blob_add(struct store *st, int64_t chat_id, const char *hash, const char *mime,
			int64_t size, const char *name)
{
	sqlite3_stmt *s = stmt(st, S_BLOB_ADD);
	int rc;

	bind_text(s, 1, hash);
	bind_text(s, 2, mime);
	sqlite3_bind_int64(s, 3, size);
	sqlite3_bind_int64(s, 4, time_now_ms());
	rc = run(st, s, "add blob");
	if (rc < 0)
		return rc;
	s = stmt(st, S_CHAT_BLOB_ADD);
	sqlite3_bind_int64(s, 1, chat_id);
	bind_text(s, 2, hash);
	bind_text(s, 3, name);
	return run(st, s, "add chat blob");
}

static void read_blob(sqlite3_stmt *s, struct store_blob *b)
{
	copy_text(b->hash, sizeof(b->hash), s, 0);
	copy_text(b->mime, sizeof(b->mime), s, 1);
	b->size = sqlite3_column_int64(s, 2);
	copy_text(b->name, sizeof(b->name), s, 3);
}

int store_chat_blob_get(struct store *st, int64_t chat_id, const char *hash, struct store_blob *out)
{
	sqlite3_stmt *s = stmt(st, S_CHAT_BLOB_GET);

	sqlite3_bind_int64(s, 1, chat_id);
	bind_text(s, 2, hash);
	return one_row(st, s, "get blob", (void (*)(sqlite3_stmt *, void *))read_blob, out);
}

/* ---- for the other files of store/ (store_int.h) ------------------------------ */

sqlite3_stmt **store_report_stmts(struct store *st)
{
	return st->report;
}

sqlite3 *store_db(struct store *st)
{
	return st->db;
}

int store_fail(struct store *st, const char *what)
{
	return fail(st, what);
}

void store_bind_text(sqlite3_stmt *s, int col, const char *text)
{
	bind_text(s, col, text);
}

void store_copy_text(char *dst, size_t size, sqlite3_stmt *s, int col)
{
	copy_text(dst, size, s, col);
}

void store_read_chat(sqlite3_stmt *s, struct store_chat *c)
{
	read_chat(s, c);
}

/* ---- backups ---------------------------------------------------------------- */

int store_backup(struct store *st, const char *path)
{
	sqlite3_backup *b;
	sqlite3 *dst;
	int rc;

	rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_error("store: backup: cannot create %s: %s", path, sqlite3_errstr(rc));
		sqlite3_close(dst);
		return -EIO;
	}
	b = sqlite3_backup_init(dst, "main", st->db, "main");
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

int store_blobs_each(struct store *st, int (*fn)(void *arg, const char *hash), void *arg)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "SELECT hash FROM blobs ORDER BY hash", -1, &s, NULL) !=
	    SQLITE_OK) {
		log_error("store: list blobs: %s", sqlite3_errmsg(st->db));
		return -EIO;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *hash = (const char *)sqlite3_column_text(s, 0);

		if (hash && fn(arg, hash))
			break;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -EIO;
}
