/*
 * desk.c - the desk's tidiness settings (store.h): one row per account
 * (idle minutes before Away, chats per operator) and one per queue (idle
 * minutes before a quiet chat ends).  A missing row reads as all 0, which
 * means "never" and "no limit", so accounts and queues made before these
 * settings existed behave as they always did.  Statements are prepared per
 * call: the settings are read when an operator signs in or a queue is first
 * swept, and written by an admin.
 */
#include <errno.h>
#include <string.h>

#include "store/store_int.h"

int store_desk_account_get(struct store *st, int64_t account_id, struct store_desk_account *out)
{
	static const char sql[] =
	    "SELECT away_idle_mins, max_chats FROM desk_accounts WHERE account_id = ?1";
	struct db_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (db_prepare(store_db(st), sql, &s) < 0)
		return store_fail(st, "prepare desk settings");
	db_bind_int64(s, 1, account_id);
	rc = db_step(s);
	if (rc == DB_ROW) {
		out->away_idle_mins = db_column_int(s, 0);
		out->max_chats = db_column_int(s, 1);
		rc = 0;
	} else {
		rc = rc == DB_DONE ? 0 : store_fail(st, "read desk settings");
	}
	db_finalize(s);
	return rc;
}

int store_desk_account_set(struct store *st, int64_t account_id,
			   const struct store_desk_account *d)
{
	static const char sql[] =
	    "INSERT INTO desk_accounts(account_id, away_idle_mins, max_chats) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT(account_id) DO UPDATE SET away_idle_mins = ?2, max_chats = ?3";
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), sql, &s) < 0)
		return store_fail(st, "prepare desk settings");
	db_bind_int64(s, 1, account_id);
	db_bind_int(s, 2, d->away_idle_mins);
	db_bind_int(s, 3, d->max_chats);
	rc = db_step(s) == DB_DONE ? 0 : store_fail(st, "set desk settings");
	db_finalize(s);
	return rc;
}

int store_desk_queue_get(struct store *st, int64_t queue_id, int *idle_end_mins)
{
	static const char sql[] = "SELECT idle_end_mins FROM desk_queues WHERE queue_id = ?1";
	struct db_stmt *s;
	int rc;

	*idle_end_mins = 0;
	if (db_prepare(store_db(st), sql, &s) < 0)
		return store_fail(st, "prepare queue idle setting");
	db_bind_int64(s, 1, queue_id);
	rc = db_step(s);
	if (rc == DB_ROW) {
		*idle_end_mins = db_column_int(s, 0);
		rc = 0;
	} else {
		rc = rc == DB_DONE ? 0 : store_fail(st, "read queue idle setting");
	}
	db_finalize(s);
	return rc;
}

int store_desk_queue_set(struct store *st, int64_t queue_id, int idle_end_mins)
{
	static const char sql[] =
	    "INSERT INTO desk_queues(queue_id, idle_end_mins) VALUES (?1, ?2) "
	    "ON CONFLICT(queue_id) DO UPDATE SET idle_end_mins = ?2";
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), sql, &s) < 0)
		return store_fail(st, "prepare queue idle setting");
	db_bind_int64(s, 1, queue_id);
	db_bind_int(s, 2, idle_end_mins);
	rc = db_step(s) == DB_DONE ? 0 : store_fail(st, "set queue idle setting");
	db_finalize(s);
	return rc;
}
