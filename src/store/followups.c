/*
 * followups.c - questions left while nobody was online (store.h), in the
 * `followups` table (schema.c, migration 11), and the once-per-chat mark
 * of an emailed transcript (`chat_mailed`).
 *
 * How it works: a follow-up's row is its whole record and the outbox of
 * its answer's mail at once.  Answering sets the status to sending with
 * the next try due now; the loop thread asks for the sending row due first
 * (store_followup_due()), has it mailed off the loop, and records the
 * outcome here.  A delivered answer erases the address in the same UPDATE
 * that marks it answered, so no committed state holds an address the
 * follow-up no longer needs.  Statements are prepared per call: nothing
 * here runs more than a few times a minute.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "store/store_int.h"

#define FOLLOWUP_COLS "id, account_id, queue_id, guest_name, question, email, status, " \
	"answer, coalesce(operator_id, 0), created_at, coalesce(answered_at, 0), " \
	"coalesce(delivered_at, 0), attempts, coalesce(next_try_at, 0), last_error, lang"

static void read_followup(struct db_stmt *s, struct store_followup *f)
{
	f->id = db_column_int64(s, 0);
	f->account_id = db_column_int64(s, 1);
	f->queue_id = db_column_int64(s, 2);
	store_copy_text(f->guest_name, sizeof(f->guest_name), s, 3);
	store_copy_text(f->question, sizeof(f->question), s, 4);
	store_copy_text(f->email, sizeof(f->email), s, 5);
	f->status = (enum followup_status)db_column_int(s, 6);
	store_copy_text(f->answer, sizeof(f->answer), s, 7);
	f->operator_id = db_column_int64(s, 8);
	f->created_at = db_column_int64(s, 9);
	f->answered_at = db_column_int64(s, 10);
	f->delivered_at = db_column_int64(s, 11);
	f->attempts = db_column_int(s, 12);
	f->next_try_at = db_column_int64(s, 13);
	store_copy_text(f->last_error, sizeof(f->last_error), s, 14);
	store_copy_text(f->lang, sizeof(f->lang), s, 15);
}

/* Step a write; -ENOENT when it changed no row.  Finalizes `s`. */
static int run_write(struct store *st, struct db_stmt *s, const char *what)
{
	int rc = db_step(s);

	rc = rc == DB_DONE ? 0 : store_fail(st, what);
	if (!rc && db_changes(store_db(st)) == 0)
		rc = -ENOENT;
	db_finalize(s);
	return rc;
}

/* Step a read of one follow-up into `out`; -ENOENT for none.  Finalizes `s`. */
static int read_one(struct store *st, struct db_stmt *s, struct store_followup *out,
		    const char *what)
{
	int rc = db_step(s);

	if (rc == DB_ROW)
		read_followup(s, out);
	rc = rc == DB_ROW ? 0 : rc == DB_DONE ? -ENOENT : store_fail(st, what);
	db_finalize(s);
	return rc;
}

int store_followup_add(struct store *st, struct store_followup *f)
{
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), "INSERT INTO followups(account_id, queue_id, "
		       "guest_name, question, email, status, created_at, lang) "
		       "VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7) RETURNING id", &s) < 0)
		return store_fail(st, "add followup");
	f->created_at = time_now_ms();
	f->status = FOLLOWUP_OPEN;
	db_bind_int64(s, 1, f->account_id);
	db_bind_int64(s, 2, f->queue_id);
	db_bind_text(s, 3, f->guest_name[0] ? f->guest_name : NULL);
	db_bind_text(s, 4, f->question);
	db_bind_text(s, 5, f->email);
	db_bind_int64(s, 6, f->created_at);
	db_bind_text(s, 7, f->lang[0] ? f->lang : "en");
	rc = store_run_insert(st, s, "add followup", &f->id);
	db_finalize(s);
	return rc < 0 ? rc : store_report_followup_left(st, f);
}

int store_followup_get(struct store *st, int64_t id, struct store_followup *out)
{
	struct db_stmt *s;

	if (db_prepare(store_db(st), "SELECT " FOLLOWUP_COLS " FROM followups WHERE id = ?1",
		       &s) < 0)
		return store_fail(st, "get followup");
	db_bind_int64(s, 1, id);
	return read_one(st, s, out, "get followup");
}

int store_followup_answer(struct store *st, int64_t id, int64_t account_id, int64_t operator_id,
			  const char *answer, int64_t at)
{
	struct store_followup f;
	struct db_stmt *s;
	int rc;

	/* Checked again here, inside the write: two answers at once send one mail. */
	rc = store_followup_get(st, id, &f);
	if (rc < 0 || f.account_id != account_id)
		return rc < 0 ? rc : -ENOENT;
	if (f.status == FOLLOWUP_SENDING || f.status == FOLLOWUP_ANSWERED)
		return -EALREADY;
	if (!f.email[0])
		return -ENODATA;
	if (db_prepare(store_db(st), "UPDATE followups SET status = 1, answer = ?1, "
		       "operator_id = ?2, answered_at = ?3, attempts = 0, next_try_at = ?3, "
		       "last_error = NULL WHERE id = ?4", &s) < 0)
		return store_fail(st, "answer followup");
	db_bind_text(s, 1, answer);
	db_bind_int64(s, 2, operator_id);
	db_bind_int64(s, 3, at);
	db_bind_int64(s, 4, id);
	rc = run_write(st, s, "answer followup");
	/* Answered again: its mail is no longer "not delivered" in reports. */
	if (!rc && f.status == FOLLOWUP_NOT_DELIVERED)
		rc = store_report_followup_outcome(st, &f, f.operator_id, 0, -1);
	return rc;
}

int store_followup_delivered(struct store *st, int64_t id, int64_t at)
{
	struct store_followup f;
	struct db_stmt *s;
	int rc;

	if ((rc = store_followup_get(st, id, &f)) < 0)
		return rc;
	/*
	 * Also from not delivered: the keep time may have erased the address of
	 * the very answer whose mail was in flight (nothing else turns a sending
	 * one into that meanwhile), and the mail did arrive.
	 */
	if (db_prepare(store_db(st), "UPDATE followups SET status = 2, email = NULL, "
		       "delivered_at = ?1, attempts = attempts + 1, next_try_at = NULL, "
		       "last_error = NULL WHERE id = ?2 AND status IN (1, 3)", &s) < 0)
		return store_fail(st, "deliver followup");
	db_bind_int64(s, 1, at);
	db_bind_int64(s, 2, id);
	rc = run_write(st, s, "deliver followup");
	return rc ? rc : store_report_followup_outcome(st, &f, f.operator_id, 1, 0);
}

int store_followup_failed(struct store *st, int64_t id, const char *error, int64_t next_try_at)
{
	struct store_followup f;
	struct db_stmt *s;
	int rc;

	if ((rc = store_followup_get(st, id, &f)) < 0)
		return rc;
	if (db_prepare(store_db(st), "UPDATE followups SET attempts = attempts + 1, "
		       "last_error = ?1, status = CASE WHEN ?2 = 0 THEN 3 ELSE 1 END, "
		       "next_try_at = nullif(?2, 0) WHERE id = ?3 AND status = 1", &s) < 0)
		return store_fail(st, "fail followup");
	db_bind_text(s, 1, error);
	db_bind_int64(s, 2, next_try_at);
	db_bind_int64(s, 3, id);
	rc = run_write(st, s, "fail followup");
	/* Only giving up counts: a try that will be retried changes no figure. */
	if (!rc && !next_try_at)
		rc = store_report_followup_outcome(st, &f, f.operator_id, 0, 1);
	return rc;
}

int store_followup_due(struct store *st, int64_t now, struct store_followup *out)
{
	struct db_stmt *s;

	if (db_prepare(store_db(st), "SELECT " FOLLOWUP_COLS " FROM followups "
		       "WHERE status = 1 AND next_try_at <= ?1 ORDER BY next_try_at LIMIT 1",
		       &s) < 0)
		return store_fail(st, "due followup");
	db_bind_int64(s, 1, now);
	return read_one(st, s, out, "due followup");
}

int store_followup_erase_old(struct store *st, int64_t before, bool no_mail)
{
	/*
	 * Whatever the status: an answer still in the outbox past the keep time
	 * (a server restarted without mail leaves it there) would otherwise keep
	 * its address for ever.  It becomes not delivered, as after its last try.
	 */
	static const char erase_sql[] =
	    "UPDATE followups SET email = NULL, next_try_at = NULL, "
	    "last_error = CASE WHEN status = 1 THEN 'The address was erased after the keep time.' "
	    "ELSE last_error END, status = CASE WHEN status = 1 THEN 3 ELSE status END "
	    "WHERE email IS NOT NULL AND created_at < ?1";
	static const char unsent_sql[] =
	    "UPDATE followups SET status = 3, next_try_at = NULL, "
	    "last_error = 'The server was started without mail.' WHERE status = 1";
	struct db_stmt *s;
	int rc;

	if (no_mail) {
		if (db_prepare(store_db(st), unsent_sql, &s) < 0)
			return store_fail(st, "unsent followups");
		rc = run_write(st, s, "unsent followups");
		if (rc < 0 && rc != -ENOENT)
			return rc;
	}
	if (db_prepare(store_db(st), erase_sql, &s) < 0)
		return store_fail(st, "erase followups");
	db_bind_int64(s, 1, before);
	rc = run_write(st, s, "erase followups");
	return rc == -ENOENT ? 0 : rc;
}

int store_followup_list(struct store *st, int64_t account_id, int64_t before_id, int limit,
			int (*cb)(void *ctx, const struct store_followup *f), void *ctx)
{
	struct store_followup *f = xmalloc(sizeof(*f));
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), "SELECT " FOLLOWUP_COLS " FROM followups "
		       "WHERE account_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3", &s) < 0) {
		free(f);
		return store_fail(st, "list followups");
	}
	db_bind_int64(s, 1, account_id);
	db_bind_int64(s, 2, before_id > 0 ? before_id : INT64_MAX);
	db_bind_int(s, 3, limit);
	while ((rc = db_step(s)) == DB_ROW) {
		read_followup(s, f);
		rc = cb(ctx, f);
		if (rc)
			break;
	}
	rc = rc == DB_DONE ? 0 : rc == DB_ROW ? 0 : store_fail(st, "list followups");
	db_finalize(s);
	free(f);
	return rc;
}

int store_followup_count_open(struct store *st, int64_t account_id, int64_t *n)
{
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), "SELECT count(*) FROM followups WHERE account_id = ?1 "
		       "AND status IN (0, 3) AND email IS NOT NULL", &s) < 0)
		return store_fail(st, "count followups");
	db_bind_int64(s, 1, account_id);
	rc = db_step(s);
	if (rc == DB_ROW)
		*n = db_column_int64(s, 0);
	rc = rc == DB_ROW ? 0 : store_fail(st, "count followups");
	db_finalize(s);
	return rc;
}

int store_chat_mark_mailed(struct store *st, int64_t chat_id, int64_t at)
{
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), "INSERT INTO chat_mailed(chat_id, at) VALUES (?1, "
				     "?2) ON CONFLICT DO NOTHING", &s) < 0)
		return store_fail(st, "mark mailed");
	db_bind_int64(s, 1, chat_id);
	db_bind_int64(s, 2, at);
	rc = run_write(st, s, "mark mailed");
	return rc == -ENOENT ? -EEXIST : rc;
}

int store_chat_unmark_mailed(struct store *st, int64_t chat_id)
{
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), "DELETE FROM chat_mailed WHERE chat_id = ?1", &s) < 0)
		return store_fail(st, "unmark mailed");
	db_bind_int64(s, 1, chat_id);
	rc = run_write(st, s, "unmark mailed");
	return rc == -ENOENT ? 0 : rc;
}
