/*
 * store.c - the store (store.h), on SQLite or PostgreSQL.
 *
 * How it works: store_open() opens DIR/refdesk.db in WAL mode with
 * synchronous=FULL (an acknowledged event survives a power cut), or a
 * PostgreSQL database (synchronous_commit=on), runs the migrations it has
 * not seen yet (schema.c, schema_pg.c), and prepares every statement of the
 * table below once.  Each public function binds, steps and resets one or
 * two of them.  It speaks to the database through db.h only; what only
 * SQLite has is in sqlite_only.c, and the few statements PostgreSQL says
 * its own way are in stmt_sql_pg[].  Failures are logged here and returned
 * as db.h's negative errno.
 */
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "base/log.h"
#include "base/util.h"
#include "store/schema.h"
#include "store/sqlite_only.h"
#include "store/store_int.h"

enum stmt_id {
	S_ACCOUNT_ADD, S_ACCOUNT_GET, S_ACCOUNT_BY_NAME, S_ACCOUNT_UPDATE, S_ACCOUNTS,
	S_QUEUE_ADD, S_QUEUE_GET, S_QUEUE_BY_NAME, S_QUEUE_TITLE, S_QUEUES_OF_ACCOUNT,
	S_OPERATOR_ADD, S_OPERATOR_GET, S_OPERATOR_BY_USERNAME, S_OPERATOR_UPDATE,
	S_OPERATOR_PASSWORD, S_OPERATORS_OF_ACCOUNT,
	S_MEMBER_ADD, S_MEMBER_DEL, S_MEMBER_AVAILABLE, S_MEMBERS_OF_QUEUE, S_QUEUES_OF_OPERATOR,
	S_SESSION_ADD, S_SESSION_GET, S_SESSION_TOUCH, S_SESSION_DEL, S_SESSIONS_DEL_OPERATOR,
	S_CHAT_ADD, S_CHAT_GET, S_CHAT_BY_PUBLIC, S_CHAT_STATUS, S_CHAT_ACCEPT, S_CHATS_OF_QUEUE,
	S_CHATS_OF_OPERATOR, S_CHATS_WITH_STATUS, S_CHAT_MAX_ID,
	S_WRITE_LOCK, S_EVENT_DUP, S_EVENT_LAST, S_EVENT_ADD, S_CHAT_TALLY, S_CHAT_TALLY_ALL,
	S_UNINDEXED, S_INDEX_CLAIM, S_SEARCH_DROP,
	S_INDEX_TEXT, S_INDEX_FTS, S_INDEX_DONE, S_EVENTS_SINCE,
	S_BLOB_ADD, S_CHAT_BLOB_ADD, S_CHAT_BLOB_GET, S_CHAT_HAND_OVER,
	S_CHAT_QUEUE_LEFT, S_SIGNIN_FAILURES, S_SIGNIN_FAILED, S_SIGNIN_FORGET,
	S_COUNT
};

/* The columns read_chat() reads, in its order (store_int.h: STORE_CHAT_COLS). */
#define CHAT_COLS STORE_CHAT_COLS
#define OPERATOR_COLS "id, account_id, username, name, pwhash, is_admin, disabled"

static const char *const stmt_sql[S_COUNT] = {
	[S_ACCOUNT_ADD] = "INSERT INTO accounts(name, origins, created_at) VALUES (?1, ?2, ?3) "
			  "RETURNING id",
	[S_ACCOUNT_GET] = "SELECT id, name, origins FROM accounts WHERE id = ?1",
	[S_ACCOUNT_BY_NAME] = "SELECT id, name, origins FROM accounts WHERE name = ?1",
	[S_ACCOUNT_UPDATE] = "UPDATE accounts SET name = ?1, origins = ?2 WHERE id = ?3",
	[S_ACCOUNTS] = "SELECT id, name, origins FROM accounts ORDER BY id",
	[S_QUEUE_ADD] = "INSERT INTO queues(account_id, name, title, created_at) VALUES (?1, ?2, "
			"?3, ?4) RETURNING id",
	[S_QUEUE_GET] = "SELECT id, account_id, name, title, share_invite FROM queues WHERE id = "
			"?1",
	[S_QUEUE_BY_NAME] = "SELECT id, account_id, name, title, share_invite FROM queues "
			    "WHERE name = ?1",
	[S_QUEUE_TITLE] = "UPDATE queues SET title = ?1, share_invite = ?2 WHERE id = ?3",
	[S_QUEUES_OF_ACCOUNT] = "SELECT id, account_id, name, title, share_invite FROM queues "
				"WHERE account_id = ?1 ORDER BY name",
	[S_OPERATOR_ADD] = "INSERT INTO operators(account_id, username, name, pwhash, is_admin, "
			   "disabled, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
	[S_OPERATOR_GET] = "SELECT " OPERATOR_COLS " FROM operators WHERE id = ?1",
	[S_OPERATOR_BY_USERNAME] = "SELECT " OPERATOR_COLS " FROM operators WHERE username = ?1",
	[S_OPERATOR_UPDATE] = "UPDATE operators SET name = ?1, is_admin = ?2, disabled = ?3 WHERE "
			      "id = ?4",
	[S_OPERATOR_PASSWORD] = "UPDATE operators SET pwhash = ?1 WHERE id = ?2",
	[S_OPERATORS_OF_ACCOUNT] = "SELECT " OPERATOR_COLS " FROM operators "
				   "WHERE account_id = ?1 ORDER BY username",
	[S_MEMBER_ADD] = "INSERT INTO members(queue_id, operator_id) VALUES (?1, ?2) "
			 "ON CONFLICT DO NOTHING",
	[S_MEMBER_DEL] = "DELETE FROM members WHERE queue_id = ?1 AND operator_id = ?2",
	[S_MEMBER_AVAILABLE] = "UPDATE members SET available = ?1 WHERE queue_id = ?2 AND "
			       "operator_id = ?3",
	[S_MEMBERS_OF_QUEUE] = "SELECT operator_id, available FROM members WHERE queue_id = ?1 "
			       "ORDER BY operator_id",
	[S_QUEUES_OF_OPERATOR] = "SELECT q.id, q.account_id, q.name, q.title, q.share_invite, "
				 "m.available "
				 "FROM members m JOIN queues q ON q.id = m.queue_id "
				 "WHERE m.operator_id = ?1 ORDER BY q.name",
	[S_SESSION_ADD] = "INSERT INTO sessions(token_hash, operator_id, csrf, created_at, expires_at) "
			  "VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_SESSION_GET] = "SELECT operator_id, csrf, expires_at FROM sessions "
			  "WHERE token_hash = ?1 AND expires_at > ?2",
	[S_SESSION_TOUCH] = "UPDATE sessions SET expires_at = ?1 WHERE token_hash = ?2",
	[S_SESSION_DEL] = "DELETE FROM sessions WHERE token_hash = ?1",
	[S_SIGNIN_FAILURES] = "SELECT count(*) FROM signin_failures WHERE username = ?1 AND at > ?2",
	[S_SIGNIN_FAILED] = "INSERT INTO signin_failures(username, at) VALUES (?1, ?2)",
	[S_SIGNIN_FORGET] = "DELETE FROM signin_failures WHERE at <= ?1",
	[S_SESSIONS_DEL_OPERATOR] = "DELETE FROM sessions WHERE operator_id = ?1 "
				    "AND token_hash IS DISTINCT FROM ?2",
	[S_CHAT_ADD] = "INSERT INTO chats(id, public_id, token_hash, account_id, queue_id, guest_name, "
		       "status, operator_id, last_seq, created_at, manage_token, ord) "
		       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, 0, ?8, ?9, "
		       "(SELECT coalesce(max(ord), 0) + 1 FROM chats))",
	[S_CHAT_GET] = "SELECT " CHAT_COLS " FROM chats WHERE id = ?1",
	[S_CHAT_BY_PUBLIC] = "SELECT " CHAT_COLS " FROM chats WHERE public_id = ?1",
	[S_CHAT_STATUS] = "UPDATE chats SET status = ?1, operator_id = coalesce(nullif(?2, 0), operator_id), "
			  "accepted_at = CASE WHEN ?1 = 1 THEN ?3 ELSE accepted_at END, "
			  "ended_at = CASE WHEN ?1 = 2 THEN ?3 ELSE ended_at END WHERE id = ?4",
	/* The first accept wins, here and not in memory, so that it holds between processes. */
	[S_CHAT_ACCEPT] = "UPDATE chats SET status = 1, operator_id = ?1, accepted_at = ?2 "
			  "WHERE id = ?3 AND status = 0",
	/* A transfer: the chat's holder and queue change; back on a queue, nobody holds it.
	 * Only from the holder the transfer was made from, and only while the chat goes on. */
	[S_CHAT_HAND_OVER] = "UPDATE chats SET status = ?1, operator_id = nullif(?2, 0), "
			     "queue_id = ?3 WHERE id = ?4 AND status != 2 "
			     "AND operator_id IS NOT DISTINCT FROM nullif(?5, 0)",
	[S_CHAT_QUEUE_LEFT] = "INSERT INTO chat_queues(queue_id, chat_id) "
			      "SELECT queue_id, id FROM chats WHERE id = ?1 AND queue_id != ?2 "
			      "AND status != 2 ON CONFLICT DO NOTHING",
	[S_CHATS_OF_QUEUE] = "SELECT " CHAT_COLS " FROM chats WHERE queue_id = ?1 AND status = ?2 "
			     "ORDER BY id",
	[S_CHATS_OF_OPERATOR] = "SELECT " CHAT_COLS " FROM chats WHERE operator_id = ?1 AND status "
						    "= 1 "
				"ORDER BY id",
	[S_CHAT_MAX_ID] = "SELECT coalesce(max(id), 0) FROM chats",
	[S_CHATS_WITH_STATUS] = "SELECT " CHAT_COLS " FROM chats WHERE status = ?1 ORDER BY id",
	/* Bytes first sent as a plain file take the type the pipeline gives the same bytes. */
	[S_BLOB_ADD] = "INSERT INTO blobs(hash, mime, size, created_at) VALUES (?1, ?2, ?3, ?4) "
		       "ON CONFLICT(hash) DO UPDATE SET mime = excluded.mime "
		       "WHERE blobs.mime = 'application/octet-stream'",
	[S_CHAT_BLOB_ADD] = "INSERT INTO chat_blobs(chat_id, hash, name) VALUES (?1, ?2, "
			    "?3) ON CONFLICT DO NOTHING",
	[S_CHAT_BLOB_GET] = "SELECT b.hash, b.mime, b.size, cb.name FROM chat_blobs cb "
			    "JOIN blobs b ON b.hash = cb.hash WHERE cb.chat_id = ?1 AND cb.hash = "
			    "?2",
	/*
	 * A write transaction's first statement: it takes the main database's
	 * write lock and writes nothing.  BEGIN IMMEDIATE would lock every
	 * attached file, the search index's too, and so wait for its runs.
	 */
	[S_WRITE_LOCK] = "DELETE FROM main.write_lock WHERE 0",
	/*
	 * By the unique index events_cid_author (schema 23), named: without
	 * statistics SQLite would rather walk the chat's events by their key.
	 */
	[S_EVENT_DUP] = "SELECT seq FROM events INDEXED BY events_cid_author WHERE chat_id = ?1 "
			"AND cid = ?4 AND author = ?2 AND ifnull(operator_id, 0) = ?3",
	/* A chat's last seq, when the writer does not know it yet (no row: no such chat). */
	[S_EVENT_LAST] = "SELECT max(last_seq, coalesce((SELECT max(seq) FROM events "
			 "WHERE chat_id = ?1), 0)) FROM chats WHERE id = ?1",
	/* Nothing is inserted for a cid its author used before in the chat. */
	[S_EVENT_ADD] = "INSERT INTO events(chat_id, seq, kind, author, operator_id, cid, body, at) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
	/* At commit, now and then, for a chat that got events (chats_caught_up()). */
	[S_CHAT_TALLY] = "UPDATE chats SET " STORE_TALLY("?2") " WHERE id = ?1 AND last_seq < ?2",
	/* A chat ends: its counts are kept whole, and history reads them as they are. */
	[S_CHAT_TALLY_ALL] = "UPDATE chats SET " STORE_TALLY_ALL " WHERE id = ?1 AND "
			     STORE_UNTALLIED_ANY,
	/*
	 * The search index (store_index_now() below; FTS5 and JSON functions,
	 * SQLite's alone: sqlite_only.h) lives in a database file of its own,
	 * attached as `search` (sqlite_only_attach_search()), so that indexing, done by a
	 * thread of its own, never holds the writer's lock.  How far each
	 * chat's events are indexed is kept there too (`search.indexed`).
	 * The chats it is behind on, ...
	 */
	[S_UNINDEXED] = "SELECT c.id FROM chats c WHERE c.deleted_at IS NULL AND " STORE_LAST_SEQ("c")
			" > coalesce((SELECT i.seq FROM search.indexed i WHERE i.chat_id = c.id), 0)",
	/*
	 * ... (a run first takes the index file's write lock, before it reads
	 * anything of the chats: a transcript deleted meanwhile, whose
	 * deletion waits for that lock, cannot come back from an older view of
	 * its events) ...
	 */
	[S_INDEX_CLAIM] = "UPDATE search.runs SET n = n + 1",
	/* Deleted transcripts' text, when the index's own thread takes it out. */
	[S_SEARCH_DROP] = "DELETE FROM search.message_text WHERE id IN (SELECT t.id FROM chats c "
			  "JOIN search.message_text t ON t.id BETWEEN c.ord << 20 AND "
			  "((c.ord + 1) << 20) - 1 WHERE c.id IN (SELECT value FROM json_each(?1)))",
	/* ... their new messages' text, ... */
	[S_INDEX_TEXT] = "INSERT INTO search.message_text(id, chat_id, text) "
			 "SELECT (c.ord << 20) | e.seq, c.id, json_extract(e.body, '$.text') "
			 "FROM chats c LEFT JOIN search.indexed i ON i.chat_id = c.id "
			 "JOIN events e ON e.chat_id = c.id AND e.seq > coalesce(i.seq, 0) "
			 "WHERE c.id IN (SELECT value FROM json_each(?1)) AND c.deleted_at IS NULL "
			 "AND e.kind = 'message' AND e.seq < " STORE_SEARCH_SEQS " AND json_valid(e.body) "
			 "AND json_type(e.body, '$.text') = 'text'",
	/* ... that text into the index, in one statement, ... */
	[S_INDEX_FTS] = "INSERT INTO search.message_fts(rowid, text) SELECT t.id, t.text FROM chats c "
			"LEFT JOIN search.indexed i ON i.chat_id = c.id "
			"JOIN search.message_text t ON t.id > (c.ord << 20) + "
			"min(coalesce(i.seq, 0), " STORE_SEARCH_SEQS " - 1) "
			"AND t.id < ((c.ord + 1) << 20) WHERE c.id IN (SELECT value FROM json_each(?1))",
	/* ... and how far each chat is indexed now. */
	[S_INDEX_DONE] = "INSERT INTO search.indexed(chat_id, seq) SELECT c.id, coalesce((SELECT "
			 "max(seq) FROM events e WHERE e.chat_id = c.id), 0) FROM chats c "
			 "WHERE c.id IN (SELECT value FROM json_each(?1)) "
			 "ON CONFLICT(chat_id) DO UPDATE SET seq = max(seq, excluded.seq)",
	[S_EVENTS_SINCE] = "SELECT seq, kind, author, operator_id, cid, body, at FROM events "
			   "WHERE chat_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
};

/*
 * The statements PostgreSQL says its own way (NULL: stmt_sql[]'s serves
 * both): the search index is the tsvector column of message_text, kept by
 * the insert itself, in the one database (PostgreSQL's writers do not
 * lock each other out), and a list of ids is a JSON array of numbers.
 */
#define PG_IDS "(SELECT value::bigint FROM json_array_elements_text(?1::json))"
static const char *const stmt_sql_pg[S_COUNT] = {
	[S_WRITE_LOCK] = "SELECT 1 WHERE false", /* rows are locked as they are written */
	[S_EVENT_DUP] = "SELECT seq FROM events WHERE chat_id = ?1 AND author = ?2 "
			"AND coalesce(operator_id, 0) = ?3 AND cid = ?4",
	[S_UNINDEXED] = "SELECT id FROM chats WHERE indexed_seq < last_seq",
	[S_INDEX_CLAIM] = "SELECT 1 WHERE false",
	[S_SEARCH_DROP] = "SELECT 1 WHERE false", /* the writer deletes the text itself */
	[S_INDEX_TEXT] = "INSERT INTO message_text(id, chat_id, text) "
			 "SELECT (c.ord << 20) | e.seq, c.id, e.body::jsonb ->> 'text' "
			 "FROM chats c JOIN events e ON e.chat_id = c.id AND e.seq > c.indexed_seq "
			 "WHERE c.id IN " PG_IDS " AND e.kind = 'message' "
			 "AND e.seq < " STORE_SEARCH_SEQS " AND CASE WHEN json_valid(e.body) "
			 "THEN jsonb_typeof(e.body::jsonb -> 'text') = 'string' ELSE false END",
	[S_INDEX_FTS] = "SELECT 1 WHERE false",
	[S_INDEX_DONE] = "UPDATE chats SET indexed_seq = coalesce((SELECT max(seq) FROM events e "
			 "WHERE e.chat_id = chats.id), indexed_seq) WHERE id IN " PG_IDS,
};

/* A set of chat ids, kept sorted and unique by ids_tidy(). */
struct ids {
	int64_t *v;
	size_t n, cap;
};

/* An event added in the open transaction. */
struct added {
	int64_t chat_id, seq;
	bool message; /* the index's backlog counts messages */
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
	struct db *db;
	struct db_stmt *stmt[S_COUNT];
	struct added *added;
	size_t n_added, cap_added, mark;
	struct last_seqs last;
	struct ids unindexed, indexing, index_run;
	/*
	 * With the index on another connection (store_search_elsewhere()), a
	 * deleted transcript's text is left to it: `dropping` this
	 * transaction's chats (`drop_mark` where the op began), `dropped` those
	 * committed, to hand over; on the index's connection, `to_drop`.
	 */
	bool search_elsewhere;
	struct ids dropping, dropped, to_drop;
	struct ids ending; /* chats ended in the open transaction: tallied whole at commit */
	size_t drop_mark;
	size_t unindexed_messages; /* committed since the last run: when to run (a hint) */
	int64_t index_cursor; /* the last chat of the last run, to take the next ones in turn */
	struct sqlite_only_wal wal;
	struct db_stmt *report[STORE_REPORT_STMTS]; /* report.c's, prepared on first use */
};

/* Report the connection's last failure once (not a broken constraint) and return its errno. */
static int fail(struct store *st, const char *what)
{
	int rc = db_error(st->db);

	if (rc != -EEXIST && !db_unreachable(st->db))
		log_error("store: %s: %s", what, db_errmsg(st->db));
	/* Always negative (db_error() is), and seen to be here: callers rely on it. */
	return rc < 0 ? rc : -EIO;
}

static struct db_stmt *stmt(struct store *st, enum stmt_id id)
{
	struct db_stmt *s = st->stmt[id];

	db_reset(s);
	db_unbind(s);
	return s;
}

/* Step a statement that returns no rows. */
static int run(struct store *st, struct db_stmt *s, const char *what)
{
	int rc = db_step(s);

	db_reset(s);
	if (rc != DB_DONE && rc != DB_ROW)
		return fail(st, what);
	return 0;
}

/* Step an INSERT ... RETURNING id: *id (if not NULL) is the new row's id. */
static int run_insert(struct store *st, struct db_stmt *s, const char *what, int64_t *id)
{
	int rc = db_step(s);

	if (rc == DB_ROW && id)
		*id = db_column_int64(s, 0);
	db_reset(s);
	return rc < 0 ? fail(st, what) : 0;
}

static void copy_text(char *dst, size_t size, struct db_stmt *s, int col)
{
	const char *t = db_column_text(s, col);

	snprintf(dst, size, "%s", t ? t : "");
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
static char *ids_json(const struct ids *s)
{
	char *text = xmalloc(s->n * 21 + 3), *p = text;
	size_t i;

	*p++ = '[';
	for (i = 0; i < s->n; i++)
		p += sprintf(p, "%s%lld", i ? "," : "", (long long)s->v[i]);
	*p++ = ']';
	*p = '\0';
	return text;
}

/* Step a statement whose ?1 is the ids as a JSON array. */
static int run_ids(struct store *st, enum stmt_id id, const struct ids *s, const char *what)
{
	struct db_stmt *q = stmt(st, id);
	char *text = ids_json(s);

	db_bind_text(q, 1, text);
	free(text);
	return run(st, q, what);
}

/* After a stop, the chats whose messages were committed but not indexed. */
static int load_unindexed(struct store *st)
{
	struct db_stmt *s = stmt(st, S_UNINDEXED);
	int rc;

	while ((rc = db_step(s)) == DB_ROW)
		ids_add(&st->unindexed, db_column_int64(s, 0));
	db_reset(s);
	ids_tidy(&st->unindexed);
	return rc == DB_DONE ? 0 : fail(st, "find unindexed chats");
}

int store_open(struct store **out, const char *where)
{
	struct store *st = xcalloc(1, sizeof(*st));
	char path[4096];
	int i, rc;

	*out = NULL;
	if (db_is_postgres(where)) {
		snprintf(path, sizeof(path), "%s", where);
	} else {
		if (mkdir(where, 0700) < 0 && errno != EEXIST) {
			log_error("store: cannot create %s: %s", where, strerror(errno));
			free(st);
			return -errno;
		}
		if (snprintf(path, sizeof(path), "%s/refdesk.db", where) >= (int)sizeof(path)) {
			free(st);
			return -ENAMETOOLONG;
		}
	}
	if (db_open(&st->db, path) < 0)
		goto fail;
	if (sqlite_only_register_functions(st->db) < 0)
		goto fail;
	rc = schema_migrate(st->db);
	if (rc < 0)
		goto fail;
	if (!db_is_postgres(where)) {
		if (snprintf(path, sizeof(path), "%s/search.db", where) >= (int)sizeof(path) ||
		    sqlite_only_attach_search(st->db, path) < 0)
			goto fail;
	}
	for (i = 0; i < S_COUNT; i++) {
		const char *sql = db_dialect(st->db) == DB_POSTGRES && stmt_sql_pg[i] ?
				  stmt_sql_pg[i] : stmt_sql[i];

		if (db_prepare_cached(st->db, sql, &st->stmt[i]) < 0) {
			log_error("store: prepare %d: %s", i, db_errmsg(st->db));
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
		db_finalize(st->stmt[i]);
	for (i = 0; i < STORE_REPORT_STMTS; i++)
		db_finalize(st->report[i]);
	db_close(st->db);
	free(st->added);
	free(st->last.id);
	free(st->last.seq);
	free(st->unindexed.v);
	free(st->indexing.v);
	free(st->index_run.v);
	free(st->dropping.v);
	free(st->dropped.v);
	free(st->to_drop.v);
	free(st->ending.v);
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

/* A chat's events tallied through its last (store_int.h: STORE_TALLY_ALL). */
static int tally_whole(struct store *st, int64_t chat_id)
{
	struct db_stmt *s = stmt(st, S_CHAT_TALLY_ALL);

	db_bind_int64(s, 1, chat_id);
	return run(st, s, "count events");
}

/*
 * The chats that got events in this transaction, tallied (store_int.h:
 * STORE_TALLY) when their events pass a multiple of TALLY_EVERY: a commit
 * of one message then writes the event and its index entry, and not the
 * chat's row, and a reader counts at most that many events past the tally.
 * The chats it ended are tallied whole, after their last notice.
 * PostgreSQL tallies at every commit: it finds the chats its index is
 * behind on by last_seq (schema_pg.c: chats_unindexed).
 */
#define TALLY_EVERY 32

static int chats_caught_up(struct store *st)
{
	struct db_stmt *s;
	size_t i, j;
	int64_t first, last, every = db_dialect(st->db) == DB_POSTGRES ? 1 : TALLY_EVERY;
	int rc = 0;

	/* (An end rolled back to its savepoint leaves its chat here: a tally is never wrong.) */
	for (i = 0; i < st->ending.n && !rc; i++)
		rc = tally_whole(st, st->ending.v[i]);
	if (!st->n_added || rc)
		return rc;
	qsort(st->added, st->n_added, sizeof(*st->added), cmp_added);
	for (i = 0; i < st->n_added && !rc; i = j) {
		for (j = i; j < st->n_added && st->added[j].chat_id == st->added[i].chat_id; j++)
			;
		first = st->added[i].seq;
		last = st->added[j - 1].seq;
		if ((first - 1) / every == last / every)
			continue;
		s = stmt(st, S_CHAT_TALLY);
		db_bind_int64(s, 1, st->added[i].chat_id);
		db_bind_int64(s, 2, last);
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
	if (committed)
		ids_merge(&st->dropped, &st->dropping);
	st->dropping.n = st->drop_mark = 0;
	if (committed) {
		added_to_unindexed(st);
		for (size_t i = 0; i < st->n_added; i++)
			st->unindexed_messages += st->added[i].message;
	} else {
		ids_merge(&st->unindexed, &st->indexing);
		/* What it wrote is gone: seqs are read again from the database. */
		last_forget(&st->last);
	}
	st->n_added = st->mark = 0;
	st->indexing.n = st->ending.n = 0;
}

int store_begin(struct store *st)
{
	int rc;

	if (db_begin(st->db) < 0)
		return fail(st, "begin");
	/* The write lock, now: of the main database alone (not the search index's file). */
	rc = run(st, stmt(st, S_WRITE_LOCK), "begin");
	if (rc < 0)
		db_rollback(st->db);
	return rc;
}

int store_commit(struct store *st)
{
	int rc = chats_caught_up(st);

	if (!rc)
		rc = db_commit(st->db) < 0 ? fail(st, "commit") : 0;
	if (!rc)
		ended(st, true);
	return rc;
}

void store_rollback(struct store *st)
{
	if (db_in_transaction(st->db) && db_rollback(st->db) < 0)
		fail(st, "rollback");
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
	bool own = !db_in_transaction(st->db);
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
		if (db_set_durable(st->db, false) < 0)
			fail(st, "synchronous");
		/* Without the main database's write lock: a run must not hold the writer. */
		if (db_begin(st->db) < 0) {
			rc = fail(st, "begin");
			if (db_set_durable(st->db, true) < 0)
				fail(st, "synchronous");
			return rc;
		}
	}
	rc = run(st, stmt(st, S_INDEX_CLAIM), "index messages");
	if (!rc)
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
		if (db_set_durable(st->db, true) < 0) {
			fail(st, "synchronous");
			if (!rc)
				rc = -EIO;
		}
	}
	return rc;
}

void store_watch_wal(struct store *st, void (*cb)(void *arg, int pages), void *arg)
{
	st->wal.cb = cb;
	st->wal.arg = arg;
	sqlite_only_watch_wal(st->db, &st->wal);
}

int store_checkpoint(struct store *st, int *log, int *copied)
{
	return sqlite_only_checkpoint(st->db, log, copied) < 0 ? fail(st, "checkpoint") : 0;
}

int store_search_verify(struct store *st)
{
	struct db_stmt *s;
	int rc, foreign;

	if (db_dialect(st->db) != DB_SQLITE)
		return 0;
	/* A mark past the chat's last event, or for no chat: the file is another copy's. */
	if (db_prepare(st->db, "SELECT EXISTS (SELECT 1 FROM search.indexed i LEFT JOIN chats c "
		       "ON c.id = i.chat_id WHERE c.id IS NULL OR i.seq > " STORE_LAST_SEQ("c") ")",
		       &s) < 0)
		return fail(st, "check the search index");
	rc = db_step(s);
	foreign = rc == DB_ROW ? db_column_int(s, 0) : -1;
	db_finalize(s);
	if (foreign < 0)
		return fail(st, "check the search index");
	if (foreign) {
		log_warn("store: the search index is not this database's (a copy restored over "
			 "it?): it is built again");
		if (sqlite_only_search_reset(st->db) < 0)
			return -EIO;
		st->unindexed.n = 0;
		if (load_unindexed(st) < 0)
			return -EIO;
	}
	/*
	 * A transcript deleted just before a crash may have lost its text's
	 * deletion (two files commit one after the other): take it out now.
	 */
	if (db_exec(st->db, "DELETE FROM search.message_text WHERE id IN (SELECT t.id FROM chats c "
		    "JOIN search.message_text t ON t.id BETWEEN c.ord << 20 AND ((c.ord + 1) << 20) - 1 "
		    "WHERE c.deleted_at IS NOT NULL)") < 0)
		return fail(st, "clean the search index");
	return 0;
}

void store_chat_ids_append(struct store_chat_ids *to, const struct store_chat_ids *from)
{
	if (to->n + from->n > to->cap) {
		to->cap = grow_cap(to->cap, to->n + from->n);
		to->v = xrealloc(to->v, to->cap * sizeof(*to->v));
	}
	if (from->n)
		memcpy(to->v + to->n, from->v, from->n * sizeof(*from->v));
	to->n += from->n;
}

void store_index_hand_over(struct store *st, struct store_chat_ids *out,
			   struct store_chat_ids *dropped)
{
	struct store_chat_ids mine = { st->unindexed.v, st->unindexed.n, st->unindexed.cap };
	struct store_chat_ids gone = { st->dropped.v, st->dropped.n, st->dropped.cap };

	store_chat_ids_append(out, &mine);
	store_chat_ids_append(dropped, &gone);
	st->unindexed.n = 0;
	st->dropped.n = 0;
	st->unindexed_messages = 0;
}

void store_index_take_over(struct store *st, const struct store_chat_ids *ids,
			   const struct store_chat_ids *dropped)
{
	size_t i;

	for (i = 0; i < ids->n; i++)
		ids_add(&st->unindexed, ids->v[i]);
	ids_tidy(&st->unindexed);
	for (i = 0; i < dropped->n; i++)
		ids_add(&st->to_drop, dropped->v[i]);
	ids_tidy(&st->to_drop);
}

void store_search_elsewhere(struct store *st)
{
	st->search_elsewhere = true;
}

bool store_search_is_elsewhere(const struct store *st)
{
	return st->search_elsewhere;
}

void store_search_dropping(struct store *st, int64_t chat_id)
{
	ids_add(&st->dropping, chat_id);
}

bool store_search_drops_waiting(const struct store *st)
{
	return st->to_drop.n > 0;
}

int store_search_drop(struct store *st)
{
	int rc;

	if (!st->to_drop.n)
		return 0;
	/* As a run: the index file's lock first (S_INDEX_CLAIM), then the chats. */
	if (db_begin(st->db) < 0)
		return fail(st, "begin");
	rc = run(st, stmt(st, S_INDEX_CLAIM), "drop deleted text");
	if (!rc)
		rc = run_ids(st, S_SEARCH_DROP, &st->to_drop, "drop deleted text");
	if (!rc)
		rc = db_commit(st->db) < 0 ? fail(st, "commit") : 0;
	if (rc < 0) {
		db_rollback(st->db);
		return rc;
	}
	st->to_drop.n = 0;
	/* The deleted words leave the index's segments too. */
	return store_search_optimize(st);
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
	st->drop_mark = st->dropping.n;
	return db_savepoint(st->db) < 0 ? fail(st, "savepoint") : 0;
}

void store_savepoint_release(struct store *st, bool keep)
{
	if (!keep) {
		if (db_savepoint_rollback(st->db) < 0)
			fail(st, "rollback to savepoint");
		added_undo(st, st->mark);
		st->dropping.n = st->drop_mark;
		/* Indexing it undid is to do again (redoing done work adds nothing). */
		ids_merge(&st->unindexed, &st->indexing);
		st->indexing.n = 0;
	}
	if (db_savepoint_release(st->db) < 0)
		fail(st, "release savepoint");
}

bool store_in_transaction(struct store *st)
{
	return db_in_transaction(st->db);
}

/* ---- accounts ---------------------------------------------------------- */

static void read_account(struct db_stmt *s, struct store_account *a)
{
	a->id = db_column_int64(s, 0);
	copy_text(a->name, sizeof(a->name), s, 1);
	copy_text(a->origins, sizeof(a->origins), s, 2);
}

/* Step a one-row query; fills via `read` or returns -ENOENT. */
static int one_row(struct store *st, struct db_stmt *s, const char *what,
		   void (*read)(struct db_stmt *, void *), void *out)
{
	int rc = db_step(s);

	if (rc == DB_ROW) {
		read(s, out);
		db_reset(s);
		return 0;
	}
	db_reset(s);
	return rc == DB_DONE ? -ENOENT : fail(st, what);
}

int store_account_add(struct store *st, const char *name, const char *origins, int64_t *id)
{
	struct db_stmt *s = stmt(st, S_ACCOUNT_ADD);

	db_bind_text(s, 1, name);
	db_bind_text(s, 2, origins ? origins : "");
	db_bind_int64(s, 3, time_now_ms());
	return run_insert(st, s, "add account", id);
}

int store_account_get(struct store *st, int64_t id, struct store_account *out)
{
	struct db_stmt *s = stmt(st, S_ACCOUNT_GET);

	db_bind_int64(s, 1, id);
	return one_row(st, s, "get account", (void (*)(struct db_stmt *, void *))read_account, out);
}

int store_account_by_name(struct store *st, const char *name, struct store_account *out)
{
	struct db_stmt *s = stmt(st, S_ACCOUNT_BY_NAME);

	db_bind_text(s, 1, name);
	return one_row(st, s, "get account", (void (*)(struct db_stmt *, void *))read_account, out);
}

int store_account_update(struct store *st, const struct store_account *a)
{
	struct db_stmt *s = stmt(st, S_ACCOUNT_UPDATE);

	db_bind_text(s, 1, a->name);
	db_bind_text(s, 2, a->origins);
	db_bind_int64(s, 3, a->id);
	return run(st, s, "update account");
}

int store_accounts_each(struct store *st, int (*cb)(void *ctx, const struct store_account *a), void *ctx)
{
	struct db_stmt *s = stmt(st, S_ACCOUNTS);
	struct store_account a;
	int rc;

	while ((rc = db_step(s)) == DB_ROW) {
		read_account(s, &a);
		if ((rc = cb(ctx, &a)) != 0) {
			db_reset(s);
			return rc;
		}
	}
	db_reset(s);
	return rc == DB_DONE ? 0 : fail(st, "list accounts");
}

/* ---- queues ------------------------------------------------------------ */

static void read_queue(struct db_stmt *s, struct store_queue *q)
{
	q->id = db_column_int64(s, 0);
	q->account_id = db_column_int64(s, 1);
	copy_text(q->name, sizeof(q->name), s, 2);
	copy_text(q->title, sizeof(q->title), s, 3);
	copy_text(q->share_invite, sizeof(q->share_invite), s, 4);
}

int store_queue_add(struct store *st, int64_t account_id, const char *name, const char *title,
		    int64_t *id)
{
	struct db_stmt *s = stmt(st, S_QUEUE_ADD);

	db_bind_int64(s, 1, account_id);
	db_bind_text(s, 2, name);
	db_bind_text(s, 3, title);
	db_bind_int64(s, 4, time_now_ms());
	return run_insert(st, s, "add queue", id);
}

int store_queue_get(struct store *st, int64_t id, struct store_queue *out)
{
	struct db_stmt *s = stmt(st, S_QUEUE_GET);

	db_bind_int64(s, 1, id);
	return one_row(st, s, "get queue", (void (*)(struct db_stmt *, void *))read_queue, out);
}

int store_queue_by_name(struct store *st, const char *name, struct store_queue *out)
{
	struct db_stmt *s = stmt(st, S_QUEUE_BY_NAME);

	db_bind_text(s, 1, name);
	return one_row(st, s, "get queue", (void (*)(struct db_stmt *, void *))read_queue, out);
}

int store_queue_update(struct store *st, int64_t id, const char *title, const char *share_invite)
{
	struct db_stmt *s = stmt(st, S_QUEUE_TITLE);

	db_bind_text(s, 1, title);
	db_bind_text(s, 2, share_invite);
	db_bind_int64(s, 3, id);
	return run(st, s, "update queue");
}

int store_queues_of_account(struct store *st, int64_t account_id,
			    int (*cb)(void *ctx, const struct store_queue *q), void *ctx)
{
	struct db_stmt *s = stmt(st, S_QUEUES_OF_ACCOUNT);
	struct store_queue q;
	int rc;

	db_bind_int64(s, 1, account_id);
	while ((rc = db_step(s)) == DB_ROW) {
		read_queue(s, &q);
		if ((rc = cb(ctx, &q)) != 0) {
			db_reset(s);
			return rc;
		}
	}
	db_reset(s);
	return rc == DB_DONE ? 0 : fail(st, "list queues");
}

/* ---- operators --------------------------------------------------------- */

static void read_operator(struct db_stmt *s, struct store_operator *o)
{
	o->id = db_column_int64(s, 0);
	o->account_id = db_column_int64(s, 1);
	copy_text(o->username, sizeof(o->username), s, 2);
	copy_text(o->name, sizeof(o->name), s, 3);
	copy_text(o->pwhash, sizeof(o->pwhash), s, 4);
	o->is_admin = db_column_int(s, 5) != 0;
	o->disabled = db_column_int(s, 6) != 0;
}

int store_operator_add(struct store *st, const struct store_operator *o, int64_t *id)
{
	struct db_stmt *s = stmt(st, S_OPERATOR_ADD);

	db_bind_int64(s, 1, o->account_id);
	db_bind_text(s, 2, o->username);
	db_bind_text(s, 3, o->name);
	db_bind_text(s, 4, o->pwhash);
	db_bind_int(s, 5, o->is_admin);
	db_bind_int(s, 6, o->disabled);
	db_bind_int64(s, 7, time_now_ms());
	return run_insert(st, s, "add operator", id);
}

int store_operator_get(struct store *st, int64_t id, struct store_operator *out)
{
	struct db_stmt *s = stmt(st, S_OPERATOR_GET);

	db_bind_int64(s, 1, id);
	return one_row(st, s, "get operator", (void (*)(struct db_stmt *, void *))read_operator,
		       out);
}

int store_operator_by_username(struct store *st, const char *username, struct store_operator *out)
{
	struct db_stmt *s = stmt(st, S_OPERATOR_BY_USERNAME);

	db_bind_text(s, 1, username);
	return one_row(st, s, "get operator", (void (*)(struct db_stmt *, void *))read_operator,
		       out);
}

int store_operator_update(struct store *st, const struct store_operator *o)
{
	struct db_stmt *s = stmt(st, S_OPERATOR_UPDATE);

	db_bind_text(s, 1, o->name);
	db_bind_int(s, 2, o->is_admin);
	db_bind_int(s, 3, o->disabled);
	db_bind_int64(s, 4, o->id);
	return run(st, s, "update operator");
}

int store_operator_set_password(struct store *st, int64_t id, const char *pwhash)
{
	struct db_stmt *s = stmt(st, S_OPERATOR_PASSWORD);

	db_bind_text(s, 1, pwhash);
	db_bind_int64(s, 2, id);
	return run(st, s, "set password");
}

int store_operators_of_account(struct store *st, int64_t account_id,
			       int (*cb)(void *ctx, const struct store_operator *o), void *ctx)
{
	struct db_stmt *s = stmt(st, S_OPERATORS_OF_ACCOUNT);
	struct store_operator o;
	int rc;

	db_bind_int64(s, 1, account_id);
	while ((rc = db_step(s)) == DB_ROW) {
		read_operator(s, &o);
		if ((rc = cb(ctx, &o)) != 0) {
			db_reset(s);
			return rc;
		}
	}
	db_reset(s);
	return rc == DB_DONE ? 0 : fail(st, "list operators");
}

/* ---- membership -------------------------------------------------------- */

int store_member_set(struct store *st, int64_t queue_id, int64_t operator_id, bool member)
{
	struct db_stmt *s = stmt(st, member ? S_MEMBER_ADD : S_MEMBER_DEL);

	db_bind_int64(s, 1, queue_id);
	db_bind_int64(s, 2, operator_id);
	return run(st, s, "set membership");
}

int store_member_set_available(struct store *st, int64_t queue_id, int64_t operator_id,
			       bool available)
{
	struct db_stmt *s = stmt(st, S_MEMBER_AVAILABLE);

	db_bind_int(s, 1, available);
	db_bind_int64(s, 2, queue_id);
	db_bind_int64(s, 3, operator_id);
	return run(st, s, "set availability");
}

int store_members_of_queue(struct store *st, int64_t queue_id,
			   int (*cb)(void *ctx, int64_t operator_id, bool available), void *ctx)
{
	struct db_stmt *s = stmt(st, S_MEMBERS_OF_QUEUE);
	int rc;

	db_bind_int64(s, 1, queue_id);
	while ((rc = db_step(s)) == DB_ROW) {
		rc = cb(ctx, db_column_int64(s, 0), db_column_int(s, 1) != 0);
		if (rc) {
			db_reset(s);
			return rc;
		}
	}
	db_reset(s);
	return rc == DB_DONE ? 0 : fail(st, "list members");
}

int store_queues_of_operator(struct store *st, int64_t operator_id,
			     int (*cb)(void *ctx, const struct store_queue *q, bool available), void *ctx)
{
	struct db_stmt *s = stmt(st, S_QUEUES_OF_OPERATOR);
	struct store_queue q;
	int rc;

	db_bind_int64(s, 1, operator_id);
	while ((rc = db_step(s)) == DB_ROW) {
		read_queue(s, &q);
		if ((rc = cb(ctx, &q, db_column_int(s, 5) != 0)) != 0) {
			db_reset(s);
			return rc;
		}
	}
	db_reset(s);
	return rc == DB_DONE ? 0 : fail(st, "list memberships");
}

/* ---- sessions ---------------------------------------------------------- */

int store_session_add(struct store *st, const unsigned char hash[STORE_TOKEN_HASH],
		      int64_t operator_id, const char *csrf, int64_t expires_at)
{
	struct db_stmt *s = stmt(st, S_SESSION_ADD);

	db_bind_blob(s, 1, hash, STORE_TOKEN_HASH);
	db_bind_int64(s, 2, operator_id);
	db_bind_text(s, 3, csrf);
	db_bind_int64(s, 4, time_now_ms());
	db_bind_int64(s, 5, expires_at);
	return run(st, s, "add session");
}

static void read_session(struct db_stmt *s, struct store_session *out)
{
	out->operator_id = db_column_int64(s, 0);
	copy_text(out->csrf, sizeof(out->csrf), s, 1);
	out->expires_at = db_column_int64(s, 2);
}

int store_session_get(struct store *st, const unsigned char hash[STORE_TOKEN_HASH],
		      int64_t now, struct store_session *out)
{
	struct db_stmt *s = stmt(st, S_SESSION_GET);

	db_bind_blob(s, 1, hash, STORE_TOKEN_HASH);
	db_bind_int64(s, 2, now);
	return one_row(st, s, "get session", (void (*)(struct db_stmt *, void *))read_session, out);
}

int store_session_touch(struct store *st, const unsigned char hash[STORE_TOKEN_HASH],
			int64_t expires_at)
{
	struct db_stmt *s = stmt(st, S_SESSION_TOUCH);

	db_bind_int64(s, 1, expires_at);
	db_bind_blob(s, 2, hash, STORE_TOKEN_HASH);
	return run(st, s, "touch session");
}

int store_session_delete(struct store *st, const unsigned char hash[STORE_TOKEN_HASH])
{
	struct db_stmt *s = stmt(st, S_SESSION_DEL);

	db_bind_blob(s, 1, hash, STORE_TOKEN_HASH);
	return run(st, s, "delete session");
}

int store_signin_failures(struct store *st, const char *username, int64_t since, int64_t *count)
{
	struct db_stmt *s = stmt(st, S_SIGNIN_FAILURES);
	int rc;

	db_bind_text(s, 1, username);
	db_bind_int64(s, 2, since);
	rc = db_step(s);
	if (rc == DB_ROW)
		*count = db_column_int64(s, 0);
	db_reset(s);
	return rc == DB_ROW ? 0 : fail(st, "count failed sign-ins");
}

int store_signin_failed(struct store *st, const char *username, int64_t at, int64_t forget_until)
{
	struct db_stmt *s = stmt(st, S_SIGNIN_FORGET);
	int rc;

	db_bind_int64(s, 1, forget_until);
	if ((rc = run(st, s, "forget old failed sign-ins")) < 0)
		return rc;
	s = stmt(st, S_SIGNIN_FAILED);
	db_bind_text(s, 1, username);
	db_bind_int64(s, 2, at);
	return run(st, s, "note a failed sign-in");
}

/* The duties' advisory lock; as a bigint key it shows in pg_locks as classid 0, objid, objsubid 1. */
#define DUTIES_LOCK "7432002"

int store_duties_hold(struct store *st, bool *held)
{
	struct db_stmt *s;
	int rc;

	*held = db_dialect(st->db) != DB_POSTGRES;
	if (*held)
		return 0;
	/* Held already (try_lock again would stack a second hold), or take it if free. */
	if (db_prepare(st->db, "SELECT (CASE WHEN EXISTS (SELECT 1 FROM pg_locks WHERE "
			   "locktype = 'advisory' AND pid = pg_backend_pid() AND classid = 0 AND "
			   "objid = " DUTIES_LOCK " AND objsubid = 1 AND granted) THEN true "
			   "ELSE pg_try_advisory_lock(" DUTIES_LOCK ") END)::int", &s) < 0)
		return fail(st, "duties lock");
	rc = db_step(s);
	if (rc == DB_ROW)
		*held = db_column_int(s, 0) == 1;
	db_finalize(s);
	return rc == DB_ROW ? 0 : fail(st, "duties lock");
}

#define BLOB_LOCK_CLASS "7432003"

int store_blob_lock(struct store *st, const char *hash)
{
	struct db_stmt *s;
	char head[8];
	int rc;

	if (db_dialect(st->db) != DB_POSTGRES)
		return 0;
	/* Two int4 keys, a space apart from the duties' bigint one: this class, and
	 * 28 bits of the hash (two blobs sharing them only wait for each other). */
	snprintf(head, sizeof(head), "%.7s", hash);
	if (db_prepare(st->db, "SELECT pg_advisory_xact_lock(" BLOB_LOCK_CLASS ", ?1::int4)", &s) < 0)
		return fail(st, "blob lock");
	db_bind_int(s, 1, (int)strtol(head, NULL, 16));
	rc = db_step(s);
	db_finalize(s);
	return rc == DB_ROW ? 0 : fail(st, "blob lock");
}

int store_sessions_delete_operator(struct store *st, int64_t operator_id,
				   const unsigned char *keep)
{
	struct db_stmt *s = stmt(st, S_SESSIONS_DEL_OPERATOR);

	db_bind_int64(s, 1, operator_id);
	if (keep)
		db_bind_blob(s, 2, keep, STORE_TOKEN_HASH);
	return run(st, s, "delete sessions");
}

/* ---- chats ------------------------------------------------------------- */

static void read_chat(struct db_stmt *s, struct store_chat *c)
{
	size_t bytes;
	const void *blob = db_column_blob(s, 2, &bytes);

	memset(c, 0, sizeof(*c));
	c->id = db_column_int64(s, 0);
	copy_text(c->public_id, sizeof(c->public_id), s, 1);
	if (blob && bytes == STORE_TOKEN_HASH)
		memcpy(c->token_hash, blob, STORE_TOKEN_HASH);
	c->account_id = db_column_int64(s, 3);
	c->queue_id = db_column_int64(s, 4);
	copy_text(c->guest_name, sizeof(c->guest_name), s, 5);
	c->status = (enum chat_status)db_column_int(s, 6);
	c->operator_id = db_column_int64(s, 7);
	c->last_seq = db_column_int64(s, 8);
	c->created_at = db_column_int64(s, 9);
	c->accepted_at = db_column_int64(s, 10);
	c->ended_at = db_column_int64(s, 11);
	copy_text(c->manage_token, sizeof(c->manage_token), s, 12);
	c->n_messages = db_column_int64(s, 13);
	c->n_snapshots = db_column_int64(s, 14);
	c->deleted_at = db_column_int64(s, 15);
}

int store_chat_add(struct store *st, const struct store_chat *c)
{
	struct db_stmt *s = stmt(st, S_CHAT_ADD);
	char token[STORE_MANAGE_TOKEN];
	int rc;

	db_bind_int64(s, 1, c->id);
	db_bind_text(s, 2, c->public_id);
	db_bind_blob(s, 3, c->token_hash, STORE_TOKEN_HASH);
	db_bind_int64(s, 4, c->account_id);
	db_bind_int64(s, 5, c->queue_id);
	db_bind_text(s, 6, c->guest_name[0] ? c->guest_name : NULL);
	db_bind_int(s, 7, c->status);
	db_bind_int64(s, 8, c->created_at);
	/* The management link's secret: made here, so every chat has one. */
	rand_token(token, 24);
	db_bind_text(s, 9, c->manage_token[0] ? c->manage_token : token);
	rc = run(st, s, "add chat");
	return rc < 0 ? rc : store_report_chat_added(st, c);
}

static void read_max(struct db_stmt *s, int64_t *out)
{
	*out = db_column_int64(s, 0);
}

int store_chat_max_id(struct store *st, int64_t *out)
{
	return one_row(st, stmt(st, S_CHAT_MAX_ID), "max chat id",
		       (void (*)(struct db_stmt *, void *))read_max, out);
}

int store_chat_get(struct store *st, int64_t id, struct store_chat *out)
{
	struct db_stmt *s = stmt(st, S_CHAT_GET);

	db_bind_int64(s, 1, id);
	return one_row(st, s, "get chat", (void (*)(struct db_stmt *, void *))read_chat, out);
}

int store_chat_by_public(struct store *st, const char *public_id, struct store_chat *out)
{
	struct db_stmt *s = stmt(st, S_CHAT_BY_PUBLIC);

	db_bind_text(s, 1, public_id);
	return one_row(st, s, "get chat", (void (*)(struct db_stmt *, void *))read_chat, out);
}

/* A conditional change of chat `id` changed nothing: -ECANCELED if it has ended, else -EALREADY. */
static int chat_changed(struct store *st, int64_t id)
{
	struct store_chat row;
	int rc = store_chat_get(st, id, &row);

	return rc < 0 ? rc : row.status == CHAT_ENDED ? -ECANCELED : -EALREADY;
}

int store_chat_set_status(struct store *st, int64_t id, enum chat_status status,
			  int64_t operator_id, int64_t at)
{
	struct db_stmt *s;
	int rc;

	if (status == CHAT_ACTIVE) {
		s = stmt(st, S_CHAT_ACCEPT);
		db_bind_int64(s, 1, operator_id);
		db_bind_int64(s, 2, at);
		db_bind_int64(s, 3, id);
		rc = run(st, s, "accept a chat");
		if (rc == 0 && db_changes(st->db) == 0)
			return chat_changed(st, id);
		return rc < 0 ? rc : store_report_chat_accepted(st, id, operator_id, at);
	}
	s = stmt(st, S_CHAT_STATUS);
	db_bind_int(s, 1, status);
	db_bind_int64(s, 2, operator_id);
	db_bind_int64(s, 3, at);
	db_bind_int64(s, 4, id);
	rc = run(st, s, "set chat status");
	if (rc < 0 || status != CHAT_ENDED)
		return rc;
	/* Tallied whole at commit, after the notice that it ended (chats_caught_up()). */
	if (db_in_transaction(st->db)) {
		ids_add(&st->ending, id);
		return 0;
	}
	return tally_whole(st, id);
}

int store_chat_hand_over(struct store *st, int64_t id, enum chat_status status,
			 int64_t operator_id, int64_t queue_id, int64_t from_operator)
{
	struct db_stmt *s = stmt(st, S_CHAT_QUEUE_LEFT);
	int rc;

	/* The queue it leaves keeps a say in how long the chat is kept. */
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, queue_id);
	if ((rc = run(st, s, "remember a chat's queue")) < 0)
		return rc;
	s = stmt(st, S_CHAT_HAND_OVER);
	db_bind_int(s, 1, status);
	db_bind_int64(s, 2, operator_id);
	db_bind_int64(s, 3, queue_id);
	db_bind_int64(s, 4, id);
	db_bind_int64(s, 5, from_operator);
	rc = run(st, s, "hand a chat over");
	if (rc < 0 || db_changes(st->db) > 0)
		return rc;
	return chat_changed(st, id);
}

static int each_chat(struct store *st, struct db_stmt *s,
		     int (*cb)(void *ctx, const struct store_chat *c), void *ctx)
{
	struct store_chat c;
	int rc;

	while ((rc = db_step(s)) == DB_ROW) {
		read_chat(s, &c);
		if ((rc = cb(ctx, &c)) != 0) {
			db_reset(s);
			return rc;
		}
	}
	db_reset(s);
	return rc == DB_DONE ? 0 : fail(st, "list chats");
}

int store_chats_of_queue(struct store *st, int64_t queue_id, enum chat_status status,
			 int (*cb)(void *ctx, const struct store_chat *c), void *ctx)
{
	struct db_stmt *s = stmt(st, S_CHATS_OF_QUEUE);

	db_bind_int64(s, 1, queue_id);
	db_bind_int(s, 2, status);
	return each_chat(st, s, cb, ctx);
}

int store_chats_with_status(struct store *st, enum chat_status status,
			    int (*cb)(void *ctx, const struct store_chat *c), void *ctx)
{
	struct db_stmt *s = stmt(st, S_CHATS_WITH_STATUS);

	db_bind_int(s, 1, status);
	return each_chat(st, s, cb, ctx);
}

int store_chats_of_operator(struct store *st, int64_t operator_id,
			    int (*cb)(void *ctx, const struct store_chat *c), void *ctx)
{
	struct db_stmt *s = stmt(st, S_CHATS_OF_OPERATOR);

	db_bind_int64(s, 1, operator_id);
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
	struct db_stmt *s = stmt(st, S_EVENT_DUP);
	int rc;

	db_bind_int64(s, 1, ev->chat_id);
	db_bind_int(s, 2, ev->author);
	db_bind_int64(s, 3, ev->operator_id);
	db_bind_text(s, 4, ev->cid);
	rc = db_step(s);
	if (rc == DB_ROW)
		ev->seq = db_column_int64(s, 0);
	db_reset(s);
	if (rc == DB_ROW)
		return 1;
	return rc == DB_DONE ? -ENOENT : fail(st, "find duplicate");
}

/* The chat's last seq, remembered or (always when `fresh`) read from the
 * database; -ENOENT: no such chat. */
static int last_seq(struct store *st, int64_t chat_id, bool fresh, int64_t *seq)
{
	struct db_stmt *s;
	int rc;

	if (!fresh && last_get(&st->last, chat_id, seq))
		return 0;
	s = stmt(st, S_EVENT_LAST);
	db_bind_int64(s, 1, chat_id);
	rc = db_step(s);
	if (rc == DB_ROW)
		*seq = db_column_int64(s, 0);
	db_reset(s);
	if (rc != DB_ROW)
		return rc == DB_DONE ? -ENOENT : fail(st, "last seq");
	last_set(&st->last, chat_id, *seq);
	return 0;
}

/* Tries at a seq for one event, when another process writes the same chat. */
#define EVENT_SEQ_TRIES 8

int store_event_append(struct store *st, struct store_event *ev)
{
	struct db_stmt *s;
	int64_t seq = 0;
	int tries = 0;
	int rc = last_seq(st, ev->chat_id, false, &seq);

again:
	if (rc < 0)
		return rc;
	if (seq < ev->after)
		seq = ev->after; /* this connection's memory is behind what the caller has seen */
	ev->seq = seq + 1;
	s = stmt(st, S_EVENT_ADD);
	db_bind_int64(s, 1, ev->chat_id);
	db_bind_int64(s, 2, ev->seq);
	db_bind_text(s, 3, ev->kind);
	db_bind_int(s, 4, ev->author);
	if (ev->operator_id)
		db_bind_int64(s, 5, ev->operator_id);
	db_bind_text(s, 6, ev->cid);
	db_bind_text(s, 7, ev->body);
	db_bind_int64(s, 8, ev->at);
	rc = run(st, s, "add event");
	if (rc < 0)
		return rc;
	if (!db_changes(st->db)) {
		/* The same author's cid again (the same operator, for operators): the earlier seq. */
		if (ev->cid && find_duplicate(st, ev) == 1)
			return 1;
		/* Only a seq already taken is left: another process on the same
		 * database wrote this chat (PostgreSQL waited for it to commit
		 * before answering), so this connection's memory is stale. */
		if (++tries < EVENT_SEQ_TRIES) {
			rc = last_seq(st, ev->chat_id, true, &seq);
			goto again;
		}
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
		.message = !strcmp(ev->kind, "message"),
	};
	if (db_in_transaction(st->db))
		return 0;
	/* Outside a transaction, the chat's counts at once. */
	rc = chats_caught_up(st);
	ended(st, rc == 0);
	return rc;
}

int store_events_since(struct store *st, int64_t chat_id, int64_t after, int limit,
		       int (*cb)(void *ctx, const struct store_event *ev), void *ctx)
{
	struct db_stmt *s = stmt(st, S_EVENTS_SINCE);
	struct store_event ev;
	int rc;

	db_bind_int64(s, 1, chat_id);
	db_bind_int64(s, 2, after);
	db_bind_int(s, 3, limit);
	while ((rc = db_step(s)) == DB_ROW) {
		ev.chat_id = chat_id;
		ev.seq = db_column_int64(s, 0);
		ev.kind = db_column_text(s, 1);
		ev.author = (enum event_author)db_column_int(s, 2);
		ev.operator_id = db_column_int64(s, 3);
		ev.cid = db_column_text(s, 4);
		ev.body = db_column_text(s, 5);
		ev.at = db_column_int64(s, 6);
		if ((rc = cb(ctx, &ev)) != 0) {
			db_reset(s);
			return rc;
		}
	}
	db_reset(s);
	return rc == DB_DONE ? 0 : fail(st, "read events");
}

/* ---- blobs ------------------------------------------------------------- */

int store_chat_blob_add(struct store *st, int64_t chat_id, const char *hash, const char *mime,
			int64_t size, const char *name)
{
	struct db_stmt *s = stmt(st, S_BLOB_ADD);
	int rc;

	db_bind_text(s, 1, hash);
	db_bind_text(s, 2, mime);
	db_bind_int64(s, 3, size);
	db_bind_int64(s, 4, time_now_ms());
	rc = run(st, s, "add blob");
	if (rc < 0)
		return rc;
	s = stmt(st, S_CHAT_BLOB_ADD);
	db_bind_int64(s, 1, chat_id);
	db_bind_text(s, 2, hash);
	db_bind_text(s, 3, name);
	return run(st, s, "add chat blob");
}

static void read_blob(struct db_stmt *s, struct store_blob *b)
{
	copy_text(b->hash, sizeof(b->hash), s, 0);
	copy_text(b->mime, sizeof(b->mime), s, 1);
	b->size = db_column_int64(s, 2);
	copy_text(b->name, sizeof(b->name), s, 3);
}

int store_chat_blob_get(struct store *st, int64_t chat_id, const char *hash, struct store_blob *out)
{
	struct db_stmt *s = stmt(st, S_CHAT_BLOB_GET);

	db_bind_int64(s, 1, chat_id);
	db_bind_text(s, 2, hash);
	return one_row(st, s, "get blob", (void (*)(struct db_stmt *, void *))read_blob, out);
}

/* ---- for the other files of store/ (store_int.h) ------------------------------ */

struct db_stmt **store_report_stmts(struct store *st)
{
	return st->report;
}

struct db *store_db(struct store *st)
{
	return st->db;
}

int store_fail(struct store *st, const char *what)
{
	return fail(st, what);
}

int store_run_insert(struct store *st, struct db_stmt *s, const char *what, int64_t *id)
{
	return run_insert(st, s, what, id);
}

void store_copy_text(char *dst, size_t size, struct db_stmt *s, int col)
{
	copy_text(dst, size, s, col);
}

void store_read_chat(struct db_stmt *s, struct store_chat *c)
{
	read_chat(s, c);
}

/* ---- backups ---------------------------------------------------------------- */

int store_backup(struct store *st, const char *path)
{
	return sqlite_only_backup(st->db, path);
}

int store_blobs_each(struct store *st, int (*fn)(void *arg, const char *hash), void *arg)
{
	struct db_stmt *s;
	int rc;

	if (db_prepare(st->db, "SELECT hash FROM blobs ORDER BY hash", &s) < 0) {
		log_error("store: list blobs: %s", db_errmsg(st->db));
		return -EIO;
	}
	while ((rc = db_step(s)) == DB_ROW) {
		const char *hash = db_column_text(s, 0);

		if (hash && fn(arg, hash))
			break;
	}
	db_finalize(s);
	return rc == DB_ROW || rc == DB_DONE ? 0 : -EIO;
}
