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
	 * as events are written (the list never counts a chat's events: since
	 * the writer tallies them now and then, with last_seq saying how far,
	 * it counts the few past the tally, store_int.h), the management
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

	/*
	 * 11: questions left in a chat box while nobody was online ("follow-
	 * ups", store_followup_add()).  The row is the follow-up's whole record:
	 * the question, the answer, and the outbox of its one mail.  `email` is
	 * the patron's address, NULL once the answer is delivered or the
	 * follow-up is older than its keep time; status 0 open, 1 sending (the
	 * outbox: next_try_at says when), 2 answered (delivered), 3 not
	 * delivered (retries used up).  `chat_mailed` remembers which chats
	 * had their transcript emailed (once each), never to whom.
	 */
	"CREATE TABLE followups ("
	"  id INTEGER PRIMARY KEY,"
	"  account_id INTEGER NOT NULL REFERENCES accounts(id),"
	"  queue_id INTEGER NOT NULL REFERENCES queues(id),"
	"  guest_name TEXT,"
	"  question TEXT NOT NULL,"
	"  email TEXT,"
	"  status INTEGER NOT NULL DEFAULT 0,"
	"  answer TEXT,"
	"  operator_id INTEGER REFERENCES operators(id),"
	"  created_at INTEGER NOT NULL,"
	"  answered_at INTEGER,"
	"  delivered_at INTEGER,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_try_at INTEGER,"
	"  last_error TEXT);"
	"CREATE INDEX followups_account ON followups(account_id, id);"
	"CREATE INDEX followups_outbox ON followups(status, next_try_at);"
	"CREATE TABLE chat_mailed ("
	"  chat_id INTEGER PRIMARY KEY REFERENCES chats(id),"
	"  at INTEGER NOT NULL);",

	/*
	 * 12: reports (report.c).  `chat_report` is one row per chat with its
	 * times, outcome and counters, kept by the writer as the chat's events
	 * are stored; it holds no text, has no reference to the chat, and so
	 * outlives a deleted transcript or chat.  `report_hours` sums those
	 * per account, queue (0: all) and operator (0: all), local day (days
	 * since 1970-01-01 in the server's time zone) and hour; `report_times`
	 * counts wait and conversation times (metric 0 and 1) per day in the
	 * buckets of report_bucket(), a function store_open() registers, and
	 * `report_months` the same per month (year * 12 + month - 1), so a
	 * long range reads whole months there and only its ragged ends by day.
	 * A report reads a few thousand rows however many chats there were.  Chats stored before this version are counted from
	 * what their rows and events say.
	 */
	"CREATE TABLE chat_report ("
	"chat_id INTEGER PRIMARY KEY,"
	"account_id INT NOT NULL,"
	"queue_id INT NOT NULL,"
	"operator_id INT NOT NULL DEFAULT 0,"   /* who accepted it; 0: nobody */
	"day INT NOT NULL,"                     /* local day and hour it was created */
	"hour INT NOT NULL,"
	"created_at INT NOT NULL,"
	"accepted_at INT,"
	"ended_at INT,"
	"outcome INT NOT NULL DEFAULT 0,"       /* 0 waiting, 1 answered, 2 missed, 3 abandoned */
	"snaps_guest INT NOT NULL DEFAULT 0,"
	"snaps_operator INT NOT NULL DEFAULT 0,"
	"share_invited INT NOT NULL DEFAULT 0,"
	"share_accepted INT NOT NULL DEFAULT 0,"
	"share_declined INT NOT NULL DEFAULT 0,"
	"share_blocked INT NOT NULL DEFAULT 0);"
	"CREATE TABLE report_hours ("
	"account_id INT NOT NULL,"
	"queue_id INT NOT NULL,"
	"operator_id INT NOT NULL,"
	"day INT NOT NULL,"
	"hour INT NOT NULL,"
	"chats INT NOT NULL,"
	"answered INT NOT NULL,"
	"missed INT NOT NULL,"
	"abandoned INT NOT NULL,"
	"snaps_guest INT NOT NULL,"
	"snaps_operator INT NOT NULL,"
	"share_invited INT NOT NULL,"
	"share_accepted INT NOT NULL,"
	"share_declined INT NOT NULL,"
	"share_blocked INT NOT NULL,"
	"PRIMARY KEY (account_id, queue_id, operator_id, day, hour)) WITHOUT ROWID;"
	"CREATE TABLE report_times ("
	"account_id INT NOT NULL,"
	"queue_id INT NOT NULL,"
	"operator_id INT NOT NULL,"
	"day INT NOT NULL,"
	"metric INT NOT NULL,"                  /* 0 wait, 1 conversation length */
	"bucket INT NOT NULL,"
	"n INT NOT NULL,"
	"PRIMARY KEY (account_id, queue_id, operator_id, day, metric, bucket)) WITHOUT ROWID;"
	"CREATE TABLE report_months ("
	"account_id INT NOT NULL, queue_id INT NOT NULL, operator_id INT NOT NULL,"
	"month INT NOT NULL, metric INT NOT NULL, bucket INT NOT NULL, n INT NOT NULL,"
	"PRIMARY KEY (account_id, queue_id, operator_id, month, metric, bucket)) WITHOUT ROWID;"
	"CREATE TEMP TABLE report_events AS SELECT chat_id,"
	"sum(kind = 'snapshot' AND author = 1) AS sg, sum(kind = 'snapshot' AND author = 2) AS so,"
	"sum(step = 'invited') AS si, sum(step = 'accepted') AS sa, sum(step = 'declined') AS sd,"
	"sum(step = 'blocked') AS sb, max(kind = 'notice' AND step = 'ended') AS gave_up "
	"FROM (SELECT chat_id, kind, author, CASE WHEN kind = 'share' AND json_valid(body)"
	"  THEN json_extract(body, '$.step') WHEN kind = 'notice' AND json_valid(body)"
	"  AND json_extract(body, '$.by') = 'guest' THEN json_extract(body, '$.notice') END AS step"
	"  FROM events WHERE kind IN ('snapshot', 'share', 'notice')) GROUP BY chat_id;"
	"INSERT INTO chat_report SELECT c.id, c.account_id, c.queue_id,"
	"iif(c.accepted_at IS NULL, 0, coalesce(c.operator_id, 0)),"
	"CAST(julianday(date(c.created_at / 1000, 'unixepoch', 'localtime')) - 2440587.5 AS INTEGER),"
	"CAST(strftime('%H', c.created_at / 1000, 'unixepoch', 'localtime') AS INTEGER),"
	"c.created_at, c.accepted_at, c.ended_at,"
	"CASE WHEN c.accepted_at IS NOT NULL THEN 1 WHEN c.status <> 2 THEN 0"
	"  WHEN e.gave_up THEN 3 ELSE 2 END,"
	"coalesce(e.sg, 0), coalesce(e.so, 0), coalesce(e.si, 0), coalesce(e.sa, 0),"
	"coalesce(e.sd, 0), coalesce(e.sb, 0) "
	"FROM chats c LEFT JOIN report_events e ON e.chat_id = c.id;"
	"DROP TABLE report_events;"
	"CREATE TEMP TABLE report_scopes AS "
	"SELECT chat_id, account_id, 0 AS queue_id, 0 AS operator_id FROM chat_report "
	"UNION ALL SELECT chat_id, account_id, queue_id, 0 FROM chat_report "
	"UNION ALL SELECT chat_id, account_id, 0, operator_id FROM chat_report WHERE operator_id <> 0;"
	"INSERT INTO report_hours SELECT s.account_id, s.queue_id, s.operator_id, r.day, r.hour,"
	"count(*), sum(r.outcome = 1), sum(r.outcome = 2), sum(r.outcome = 3), sum(r.snaps_guest),"
	"sum(r.snaps_operator), sum(r.share_invited), sum(r.share_accepted), sum(r.share_declined),"
	"sum(r.share_blocked) "
	"FROM report_scopes s JOIN chat_report r ON r.chat_id = s.chat_id GROUP BY 1, 2, 3, 4, 5;"
	"INSERT INTO report_times SELECT s.account_id, s.queue_id, s.operator_id, r.day, m.metric,"
	"report_bucket(iif(m.metric, r.ended_at - r.accepted_at, r.accepted_at - r.created_at)),"
	"count(*) FROM report_scopes s JOIN chat_report r ON r.chat_id = s.chat_id"
	" JOIN (SELECT 0 AS metric UNION ALL SELECT 1) m WHERE r.accepted_at IS NOT NULL"
	" AND (m.metric = 0 OR r.ended_at IS NOT NULL) GROUP BY 1, 2, 3, 4, 5, 6;"
	"DROP TABLE report_scopes;"
	"INSERT INTO report_months SELECT account_id, queue_id, operator_id,"
	"CAST(strftime('%Y', day * 86400, 'unixepoch') AS INTEGER) * 12"
	"+ CAST(strftime('%m', day * 86400, 'unixepoch') AS INTEGER) - 1, metric, bucket, sum(n)"
	"FROM report_times GROUP BY 1, 2, 3, 4, 5, 6;",

	/*
	 * 13: operators' XMPP addresses (store/xmpp.c).  One row per operator:
	 * the bare JID, lower-cased; until `confirmed`, the code sent to it
	 * and when that code stops working.  A confirmed address belongs to
	 * one operator only, so no two operators are rung at the same client.
	 */
	"CREATE TABLE operator_jids ("
	"  operator_id INTEGER PRIMARY KEY REFERENCES operators(id),"
	"  jid TEXT NOT NULL,"
	"  code TEXT,"
	"  code_expires INTEGER NOT NULL DEFAULT 0,"
	"  confirmed INTEGER NOT NULL DEFAULT 0,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX operator_jids_confirmed ON operator_jids(jid) WHERE confirmed = 1;",

	/*
	 * 14: follow-ups in reports (store/report.c): left, answered (mail
	 * delivered) and not delivered (given up), on the local hour the
	 * question was left, for the account, the queue, and the operator who
	 * answered (whose "left" is what they answered).  Kept as counters so
	 * they outlive the follow-ups' rows; the ones already there are
	 * counted here, from their current status.
	 */
	"ALTER TABLE report_hours ADD COLUMN followups INT NOT NULL DEFAULT 0;"
	"ALTER TABLE report_hours ADD COLUMN followups_answered INT NOT NULL DEFAULT 0;"
	"ALTER TABLE report_hours ADD COLUMN followups_failed INT NOT NULL DEFAULT 0;"
	"CREATE TEMP TABLE report_followups AS SELECT account_id, queue_id,"
	"iif(status IN (2, 3), coalesce(operator_id, 0), 0) AS operator_id,"
	"CAST(julianday(date(created_at / 1000, 'unixepoch', 'localtime')) - 2440587.5 AS INTEGER)"
	"  AS day,"
	"CAST(strftime('%H', created_at / 1000, 'unixepoch', 'localtime') AS INTEGER) AS hour,"
	"status = 2 AS answered, status = 3 AS failed FROM followups;"
	"INSERT INTO report_hours(account_id, queue_id, operator_id, day, hour, chats, answered,"
	"missed, abandoned, snaps_guest, snaps_operator, share_invited, share_accepted,"
	"share_declined, share_blocked, followups, followups_answered, followups_failed) "
	"SELECT account_id, queue_id, operator_id, day, hour, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,"
	"sum(n), sum(a), sum(f) FROM ("
	"  SELECT account_id, 0 AS queue_id, 0 AS operator_id, day, hour, 1 AS n, answered AS a,"
	"  failed AS f FROM report_followups"
	"  UNION ALL SELECT account_id, queue_id, 0, day, hour, 1, answered, failed"
	"  FROM report_followups"
	"  UNION ALL SELECT account_id, 0, operator_id, day, hour, 1, answered, failed"
	"  FROM report_followups WHERE operator_id <> 0) "
	"GROUP BY 1, 2, 3, 4, 5 ON CONFLICT DO UPDATE SET followups = followups + excluded.followups,"
	"followups_answered = followups_answered + excluded.followups_answered,"
	"followups_failed = followups_failed + excluded.followups_failed;"
	"DROP TABLE report_followups;",

	/*
	 * 15: the queues a chat was in before a transfer moved it on.  Each of
	 * their retention rules applies to it too (store/retention.c), so a
	 * chat keeps the stricter of them, part by part.
	 */
	"CREATE TABLE chat_queues ("
	"  queue_id INTEGER NOT NULL REFERENCES queues(id),"
	"  chat_id INTEGER NOT NULL REFERENCES chats(id),"
	"  PRIMARY KEY (queue_id, chat_id)) WITHOUT ROWID;",

	/*
	 * 16: the survey at the end of a chat (store/survey.c).  A queue asks
	 * up to three questions (`survey_questions`, position 0-2; kind
	 * 'rating', 'yes_no' or 'comment').  A chat's answers are kept with
	 * the question's words as they were asked; `value` is a rating (1-5)
	 * or yes (1) / no (0), `comment` a comment's text, which is
	 * transcript text: deleting the transcript sets it to NULL, and the
	 * row stays so the chat still counts as answered.  The answers hold
	 * nothing about who gave them beyond the chat.  Reports count them in
	 * `report_hours` as they are stored, on the chat's hour, so the
	 * figures outlive the comments.
	 */
	"CREATE TABLE survey_questions ("
	"  queue_id INTEGER NOT NULL REFERENCES queues(id),"
	"  pos INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  text TEXT NOT NULL,"
	"  PRIMARY KEY (queue_id, pos)) WITHOUT ROWID;"
	"CREATE TABLE survey_answers ("
	"  chat_id INTEGER NOT NULL REFERENCES chats(id),"
	"  pos INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  question TEXT NOT NULL,"
	"  value INTEGER,"
	"  comment TEXT,"
	"  at INTEGER NOT NULL,"
	"  PRIMARY KEY (chat_id, pos)) WITHOUT ROWID;"
	"ALTER TABLE report_hours ADD COLUMN surveys INT NOT NULL DEFAULT 0;"
	"ALTER TABLE report_hours ADD COLUMN survey_ratings INT NOT NULL DEFAULT 0;"
	"ALTER TABLE report_hours ADD COLUMN survey_rating_sum INT NOT NULL DEFAULT 0;"
	"ALTER TABLE report_hours ADD COLUMN survey_yes INT NOT NULL DEFAULT 0;"
	"ALTER TABLE report_hours ADD COLUMN survey_no INT NOT NULL DEFAULT 0;"
	"ALTER TABLE report_hours ADD COLUMN survey_comments INT NOT NULL DEFAULT 0;",

	/*
	 * 17: staff notes and the staff room (store/staff.c).  A note belongs to a
	 * chat but is not one of its events: it has its own number in the
	 * chat (`seq`), so the events' sequence a guest resumes by never has
	 * a gap or a note in it, and no route that reads events can return
	 * one.  A chat's notes go with its transcript (deleted, or purged by
	 * its queue's text rule).  The staff room is one conversation per
	 * account, kept for a few days (ops/staff_ops.c).  Client ids are
	 * unique per writer, as for events.
	 */
	"CREATE TABLE staff_notes ("
	"  chat_id INTEGER NOT NULL REFERENCES chats(id),"
	"  seq INTEGER NOT NULL,"
	"  operator_id INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  cid TEXT,"
	"  text TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  PRIMARY KEY (chat_id, seq)) WITHOUT ROWID;"
	"CREATE UNIQUE INDEX staff_notes_cid ON staff_notes(chat_id, operator_id, cid)"
	"  WHERE cid IS NOT NULL;"
	"CREATE TABLE staff_room ("
	"  id INTEGER PRIMARY KEY,"
	"  account_id INTEGER NOT NULL,"
	"  operator_id INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  cid TEXT,"
	"  text TEXT NOT NULL,"
	"  at INTEGER NOT NULL);"
	"CREATE INDEX staff_room_account ON staff_room(account_id, id);"
	"CREATE INDEX staff_room_at ON staff_room(at);"
	"CREATE UNIQUE INDEX staff_room_cid ON staff_room(account_id, operator_id, cid)"
	"  WHERE cid IS NOT NULL;",

	/*
	 * 18: canned snapshots (store/canned_snapshots.c): an annotated image kept
	 * for the account and sent to any chat by reference.  canned_blobs
	 * says which blobs (image, thumbnail, editor document) each one needs,
	 * as chat_blobs does for chats: a blob goes only when neither names it.
	 */
	"CREATE TABLE canned_snapshots ("
	"  id INTEGER PRIMARY KEY,"
	"  account_id INTEGER NOT NULL REFERENCES accounts(id),"
	"  operator_id INTEGER NOT NULL,"     /* who saved it */
	"  name TEXT NOT NULL,"
	"  blob TEXT NOT NULL,"
	"  thumb TEXT NOT NULL,"
	"  annotation TEXT,"
	"  mime TEXT NOT NULL,"
	"  thumb_mime TEXT NOT NULL,"
	"  width INTEGER NOT NULL, height INTEGER NOT NULL,"
	"  thumb_width INTEGER NOT NULL, thumb_height INTEGER NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  file_name TEXT NOT NULL,"
	"  alt TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE INDEX canned_snapshots_account ON canned_snapshots(account_id);"
	"CREATE TABLE canned_blobs ("
	"  canned_id INTEGER NOT NULL REFERENCES canned_snapshots(id),"
	"  hash TEXT NOT NULL REFERENCES blobs(hash),"
	"  PRIMARY KEY (canned_id, hash)) WITHOUT ROWID;"
	"CREATE INDEX canned_blobs_hash ON canned_blobs(hash);",

	/*
	 * 19: the desk's tidiness settings: an account's idle minutes before its
	 * operators go Away and its limit of chats per operator; a queue's
	 * idle minutes before a quiet chat ends.  0 is "never" / "no limit";
	 * no row reads as all 0.
	 */
	"CREATE TABLE desk_accounts ("
	"  account_id INTEGER PRIMARY KEY REFERENCES accounts(id),"
	"  away_idle_mins INTEGER NOT NULL DEFAULT 0,"
	"  max_chats INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE desk_queues ("
	"  queue_id INTEGER PRIMARY KEY REFERENCES queues(id),"
	"  idle_end_mins INTEGER NOT NULL DEFAULT 0"
	");",

	/*
	 * 20: the language a follow-up was asked in (a tag of
	 * web/shared/i18n/index.json), so its answer's mail speaks it.
	 */
	"ALTER TABLE followups ADD COLUMN lang TEXT NOT NULL DEFAULT 'en';",

	/*
	 * 21: failed sign-ins, one row each, so that the limit per username
	 * holds for every process on the same database.  Kept for the
	 * limit's window only.
	 */
	"CREATE TABLE signin_failures ("
	"  username TEXT NOT NULL,"
	"  at INTEGER NOT NULL);"
	"CREATE INDEX signin_failures_user ON signin_failures(username, at);"
	"CREATE INDEX signin_failures_at ON signin_failures(at);",

	/*
	 * 22: the search index moves to a database file of its own
	 * (sqlite_only_attach_search()), written by a thread of its own: its
	 * runs held the writer, and so every acknowledgment, for up to tens of
	 * milliseconds.  The text and the index are dropped here and built
	 * again from the events, in the background, by the next start
	 * (chats.indexed_seq, the old mark, is no longer read on SQLite).
	 */
	"DROP TRIGGER message_text_deleted;"
	"DROP TABLE message_fts;"
	"DROP TABLE message_text;"
	/*
	 * A write transaction starts with a statement on this empty table
	 * (store_begin()), so that it locks the main database alone: BEGIN
	 * IMMEDIATE locks the search index's file too.
	 */
	"CREATE TABLE write_lock (x INTEGER);",

	/*
	 * 23: the same client-id index, keyed on the id before the author.  Each
	 * author's ids had a range of their own in each chat, so a commit wrote
	 * two index pages per chat it touched, the guest's and the operator's;
	 * the pages' own ids grow with time (newId() in the pages), and so
	 * both sides' land on the chat's one last page.  What is unique is the
	 * same set of columns, so every database satisfies it.
	 */
	"DROP INDEX events_author_cid;"
	"CREATE UNIQUE INDEX events_cid_author ON events(chat_id, cid, author, ifnull(operator_id, 0))"
	"  WHERE cid IS NOT NULL;",

	/*
	 * 24: chats.last_seq says how far the chat's counts are tallied, no
	 * longer its last seq: the writer tallies now and then, and readers
	 * add the events past the tally (store_int.h).  Nothing changes in the
	 * rows, which are whole; the number keeps an older refdesk, which
	 * would read last_seq as the last seq, from opening the database.
	 */
	"SELECT 1;",
};

int schema_version(void)
{
	return (int)ARRAY_SIZE(migrations);
}

int schema_exec(struct db *db, const char *sql)
{
	int rc = db_exec(db, sql);

	if (rc < 0)
		log_error("store: %s", db_errmsg(db));
	return rc < 0 ? -EIO : 0;
}

int schema_read_int(struct db *db, const char *sql)
{
	struct db_stmt *s;
	int v = -1;

	if (db_prepare(db, sql, &s) < 0)
		return -1;
	if (db_step(s) == DB_ROW)
		v = db_column_int(s, 0);
	db_finalize(s);
	return v;
}


int schema_migrate(struct db *db)
{
	if (db_dialect(db) == DB_POSTGRES)
		return schema_pg_migrate_to(db, schema_pg_version());
	return schema_migrate_to(db, schema_version());
}

int schema_migrate_to(struct db *db, int version)
{
	char sql[64];
	int v;

	/*
	 * A new database gets 2 KiB pages (SQLite's default is 4): a commit
	 * writes and checksums whole every page it changed, and a message
	 * changes three or four (its chat's last events page, the client ids'
	 * page, the chat's row, now and then a page split): 7 % fewer
	 * instructions per message than with 4 KiB pages, 113,000 -> 105,700
	 * (docs/PERFORMANCE.md).  A database that has tables keeps the size
	 * it was made with.
	 */
	if (schema_exec(db, "PRAGMA page_size=2048; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		     "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;") < 0)
		return -EIO;
	v = schema_read_int(db, "PRAGMA user_version");
	if (v < 0)
		return -EIO;
	if (v > schema_version()) {
		log_error("store: database schema %d is newer than this refdesk (%d)",
			  v, schema_version());
		return -EIO;
	}
	for (; v < version && v < schema_version(); v++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", v + 1);
		if (schema_exec(db, "BEGIN IMMEDIATE") < 0)
			return -EIO;
		if (schema_exec(db, migrations[v]) < 0 || schema_exec(db, sql) < 0) {
			schema_exec(db, "ROLLBACK");
			return -EIO;
		}
		if (schema_exec(db, "COMMIT") < 0)
			return -EIO;
		log_info("store: migrated to schema %d", v + 1);
	}
	return 0;
}
