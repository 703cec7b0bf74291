/*
 * schema.c - see schema.h.
 *
 * Migrations are append-only: never edit one that has shipped, add the next.
 * The version lives in SQLite's `user_version`.
 */
#include "store/schema.h"

#include <errno.h>

#include "base/log.h"
#include <stdio.h>

#include "base/util.h"

static const char *const migrations[] = {
	/* 1: accounts, queues, operators, sessions, chats and their event logs. */
	"CREATE TABLE accounts ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  origins TEXT NOT NULL DEFAULT '',"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE queues ("
	"  id INTEGER PRIMARY KEY,"
	"  account_id INTEGER NOT NULL REFERENCES accounts(id),"
	"  name TEXT NOT NULL UNIQUE,"
	"  title TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL);"
	"CREATE INDEX queues_account ON queues(account_id);"
	"CREATE TABLE operators ("
	"  id INTEGER PRIMARY KEY,"
	"  account_id INTEGER NOT NULL REFERENCES accounts(id),"
	"  username TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL,"
	"  pwhash TEXT NOT NULL,"
	"  is_admin INTEGER NOT NULL DEFAULT 0,"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL);"
	"CREATE INDEX operators_account ON operators(account_id);"
	"CREATE TABLE members ("
	"  queue_id INTEGER NOT NULL REFERENCES queues(id),"
	"  operator_id INTEGER NOT NULL REFERENCES operators(id),"
	"  available INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (queue_id, operator_id)) WITHOUT ROWID;"
	"CREATE INDEX members_operator ON members(operator_id);"
	"CREATE TABLE sessions ("
	"  token_hash BLOB PRIMARY KEY,"
	"  operator_id INTEGER NOT NULL REFERENCES operators(id),"
	"  csrf TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX sessions_operator ON sessions(operator_id);"
	"CREATE TABLE chats ("
	"  id INTEGER PRIMARY KEY,"
	"  public_id TEXT NOT NULL UNIQUE,"
	"  token_hash BLOB NOT NULL,"
	"  account_id INTEGER NOT NULL REFERENCES accounts(id),"
	"  queue_id INTEGER NOT NULL REFERENCES queues(id),"
	"  guest_name TEXT,"
	"  status INTEGER NOT NULL,"          /* 0 waiting, 1 active, 2 ended */
	"  operator_id INTEGER REFERENCES operators(id),"
	"  last_seq INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  accepted_at INTEGER,"
	"  ended_at INTEGER);"
	"CREATE INDEX chats_queue_status ON chats(queue_id, status);"
	"CREATE INDEX chats_operator_status ON chats(operator_id, status);"
	"CREATE INDEX chats_account_created ON chats(account_id, created_at);"
	"CREATE TABLE events ("
	"  chat_id INTEGER NOT NULL REFERENCES chats(id),"
	"  seq INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  author INTEGER NOT NULL,"          /* 0 system, 1 guest, 2 operator */
	"  operator_id INTEGER,"
	"  cid TEXT,"
	"  body TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  PRIMARY KEY (chat_id, seq)) WITHOUT ROWID;"
	"CREATE UNIQUE INDEX events_cid ON events(chat_id, author, cid) WHERE cid IS NOT NULL;",

	/* 2: blobs (snapshots, thumbnails, files) and which chats may read them. */
	"CREATE TABLE blobs ("
	"  hash TEXT PRIMARY KEY,"            /* SHA-256, hex: the file's name */
	"  mime TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE chat_blobs ("
	"  chat_id INTEGER NOT NULL REFERENCES chats(id),"
	"  hash TEXT NOT NULL REFERENCES blobs(hash),"
	"  name TEXT NOT NULL,"               /* the cleaned file name to offer */
	"  PRIMARY KEY (chat_id, hash)) WITHOUT ROWID;"
	"CREATE INDEX chat_blobs_hash ON chat_blobs(hash);",

	/*
	 * 3: Chat History and the chat management page.  Per-chat counts kept
	 * as events are written (the list never counts events), the management
	 * link's token, the mark of a deleted transcript, one index per list
	 * filter ending in created_at (newest first, keyset paging), and full-
	 * text search over message text.  `message_text` holds each message's
	 * text under the rowid (ord << 20 | seq), where `ord` numbers the chats
	 * in the order they were created: the FTS5 index (`message_fts`, over
	 * it as external content, kept in step by the triggers inside the
	 * writer's transaction) then yields matches newest chat first, so a
	 * search page stops after its rows however common the word.
	 */
	"ALTER TABLE chats ADD COLUMN manage_token TEXT;"
	"ALTER TABLE chats ADD COLUMN n_messages INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE chats ADD COLUMN n_snapshots INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE chats ADD COLUMN deleted_at INTEGER;"
	"ALTER TABLE chats ADD COLUMN ord INTEGER;"
	"UPDATE chats SET manage_token = lower(hex(randomblob(16))),"
	"  n_messages = (SELECT count(*) FROM events e WHERE e.chat_id = chats.id AND e.kind = 'message'),"
	"  n_snapshots = (SELECT count(*) FROM events e WHERE e.chat_id = chats.id AND e.kind = 'snapshot');"
	"UPDATE chats SET ord = o.n FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM chats) o"
	"  WHERE o.id = chats.id;"
	"CREATE UNIQUE INDEX chats_ord ON chats(ord);"
	"CREATE INDEX chats_history_queue ON chats(queue_id, created_at);"
	"CREATE INDEX chats_history_operator ON chats(operator_id, created_at);"
	"CREATE INDEX chats_history_status ON chats(account_id, status, created_at);"
	"CREATE TABLE message_text ("
	"  id INTEGER PRIMARY KEY,"           /* ord << 20 | seq */
	"  chat_id INTEGER NOT NULL REFERENCES chats(id),"
	"  text TEXT NOT NULL);"
	"CREATE VIRTUAL TABLE message_fts USING fts5(text, content='message_text', content_rowid='id',"
	"  tokenize='unicode61 remove_diacritics 2');"
	"CREATE TRIGGER message_text_added AFTER INSERT ON message_text BEGIN"
	"  INSERT INTO message_fts(rowid, text) VALUES (new.id, new.text); END;"
	"CREATE TRIGGER message_text_deleted AFTER DELETE ON message_text BEGIN"
	"  INSERT INTO message_fts(message_fts, rowid, text) VALUES ('delete', old.id, old.text); END;"
	"INSERT INTO message_text(id, chat_id, text)"
	"  SELECT (c.ord << 20) | e.seq, e.chat_id, json_extract(e.body, '$.text')"
	"  FROM events e JOIN chats c ON c.id = e.chat_id"
	"  WHERE e.kind = 'message' AND e.seq < 1048576 AND json_valid(e.body)"
	"  AND json_type(e.body, '$.text') = 'text' ORDER BY 1;",

	/* 4: the words a queue's operators invite guests to share their screen with. */
	"ALTER TABLE queues ADD COLUMN share_invite TEXT NOT NULL DEFAULT '';",

	/*
	 * 5: messages enter the search index in runs of up to a few hundred,
	 * rather than by trigger one at a time (store_index_some(),
	 * store.c); `indexed_seq` is how far a chat's events have been indexed.
	 * The index no longer keeps each message's length (columnsize=0): that
	 * is for ranking, which search does not do, and it cost a page write
	 * per chat in every run.  The index is rebuilt from message_text.
	 */
	"ALTER TABLE chats ADD COLUMN indexed_seq INTEGER NOT NULL DEFAULT 0;"
	"UPDATE chats SET indexed_seq = last_seq;"
	"DROP TRIGGER message_text_added;"
	"DROP TABLE message_fts;"
	"CREATE VIRTUAL TABLE message_fts USING fts5(text, content='message_text', content_rowid='id',"
	"  columnsize=0, tokenize='unicode61 remove_diacritics 2');"
	"INSERT INTO message_fts(message_fts) VALUES ('rebuild');",

	/*
	 * 6: a blob's type is the type it is served as, and only the image
	 * pipeline's output (a snapshot's image and thumbnail) is an image.
	 * Files used to keep the type their sender declared, so a file sent as
	 * "image/png" was served as one.  Every blob that is not a snapshot's
	 * image or thumbnail or an editor document becomes plain bytes; so does
	 * a JSON blob that was sent as a file and is no snapshot's document.
	 */
	"CREATE TEMP TABLE snapshot_blobs AS"
	"  SELECT json_extract(body, '$.blob') AS hash FROM events"
	"    WHERE kind = 'snapshot' AND json_valid(body)"
	"  UNION SELECT json_extract(body, '$.thumb') FROM events"
	"    WHERE kind = 'snapshot' AND json_valid(body)"
	"  UNION SELECT json_extract(body, '$.annotation') FROM events"
	"    WHERE kind = 'snapshot' AND json_valid(body);"
	"UPDATE blobs SET mime = 'application/octet-stream'"
	"  WHERE mime <> 'application/octet-stream' AND ("
	"    mime NOT IN ('image/png', 'image/jpeg', 'application/json')"
	"    OR (mime IN ('image/png', 'image/jpeg')"
	"        AND hash NOT IN (SELECT hash FROM snapshot_blobs WHERE hash IS NOT NULL))"
	"    OR (mime = 'application/json'"
	"        AND hash IN (SELECT json_extract(body, '$.blob') FROM events"
	"                     WHERE kind = 'file' AND json_valid(body))"
	"        AND hash NOT IN (SELECT hash FROM snapshot_blobs WHERE hash IS NOT NULL)));"
	"DROP TABLE snapshot_blobs;",

	/*
	 * 7: a client id is unique per author, and the author is the individual:
	 * the guest, or one operator by id (operator_id is NULL for the guest
	 * and the system, hence the ifnull).  Keyed on the role, a second
	 * operator's message in the same chat was taken for a retry of the
	 * first's.  Every database that satisfied the old index satisfies this
	 * one, which only tells apart what the old one merged.
	 */
	"DROP INDEX events_cid;"
	"CREATE UNIQUE INDEX events_author_cid ON events(chat_id, author, ifnull(operator_id, 0), cid)"
	"  WHERE cid IS NOT NULL;",

	/*
	 * 8: saved replies ("canned answers").  A row with no operator is shared
	 * by the whole account (admins write them); a row with an operator is
	 * that operator's own.  Lists are read per account and operator, in
	 * name order.
	 */
	"CREATE TABLE canned ("
	"  id INTEGER PRIMARY KEY,"
	"  account_id INTEGER NOT NULL REFERENCES accounts(id),"
	"  operator_id INTEGER REFERENCES operators(id),"
	"  name TEXT NOT NULL,"
	"  text TEXT NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE INDEX canned_owner ON canned(account_id, operator_id, name);",

	/*
	 * 9: the audit log of admin actions (store_audit_add()).  `actor_id`
	 * is NULL for the command line; `actor` keeps the name the actor had
	 * then, so an entry still reads right after the operator changes.
	 * Entries are read per account, newest first, by id.
	 */
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  account_id INTEGER NOT NULL REFERENCES accounts(id),"
	"  at INTEGER NOT NULL,"
	"  actor_id INTEGER REFERENCES operators(id),"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  target TEXT NOT NULL,"
	"  detail TEXT NOT NULL);"
	"CREATE INDEX audit_account ON audit(account_id, id);",

	/*
	 * 10: retention (store_purge_queue()).  A queue's rule; no row means
	 * the built-in defaults (chat/retention.h).  `files_purged_at` marks a
	 * chat whose images and files the purge has removed.  One partial index
	 * per kind of purge finds what is due in a queue, oldest end first,
	 * without reading the chats it has already done.
	 */
	"CREATE TABLE retention ("
	"  queue_id INTEGER PRIMARY KEY REFERENCES queues(id),"
	"  text_days INTEGER NOT NULL,"
	"  files_days INTEGER NOT NULL,"
	"  keep_names INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"ALTER TABLE chats ADD COLUMN files_purged_at INTEGER;"
	"CREATE INDEX chats_purge_text ON chats(queue_id, ended_at) WHERE deleted_at IS NULL;"
	"CREATE INDEX chats_purge_files ON chats(queue_id, ended_at)"
	"  WHERE deleted_at IS NULL AND files_purged_at IS NULL;"
	"CREATE INDEX chats_purge_names ON chats(queue_id, ended_at)"
	"  WHERE deleted_at IS NULL AND guest_name IS NOT NULL;",
};

int schema_version(void)
{
	return (int)ARRAY_SIZE(migrations);
}

static int exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_error("store: %s", err ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return -EIO;
	}
	return 0;
}

static int user_version(sqlite3 *db)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

int schema_migrate(sqlite3 *db)
{
	return schema_migrate_to(db, schema_version());
}

int schema_migrate_to(sqlite3 *db, int version)
{
	char sql[64];
	int v;

	if (exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		     "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;") < 0)
		return -EIO;
	v = user_version(db);
	if (v < 0)
		return -EIO;
	if (v > schema_version()) {
		log_error("store: database schema %d is newer than this refdesk (%d)",
			  v, schema_version());
		return -EIO;
	}
	for (; v < version && v < schema_version(); v++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", v + 1);
		if (exec(db, "BEGIN IMMEDIATE") < 0)
			return -EIO;
		if (exec(db, migrations[v]) < 0 || exec(db, sql) < 0) {
			exec(db, "ROLLBACK");
			return -EIO;
		}
		if (exec(db, "COMMIT") < 0)
			return -EIO;
		log_info("store: migrated to schema %d", v + 1);
	}
	return 0;
}
