/*
 * audit.c - the audit log of admin actions (store.h).
 *
 * How it works: one table, appended to inside the transaction of the change
 * it describes (the writer's savepoint for the server, the command line's
 * own transaction), so an action and its entry are committed or rolled back
 * together.  Admin actions are rare, so the two statements are prepared per
 * call rather than kept.  A page is read from the (account_id, id) index
 * backwards from the keyset cursor.
 */
#include <errno.h>
#include <string.h>

#include "base/util.h"
#include "store/store_int.h"

int store_audit_add(struct store *st, const struct store_audit *e)
{
	static const char sql[] = "INSERT INTO audit(account_id, at, actor_id, actor, action, "
				  "target, detail) VALUES (?1, ?2, nullif(?3, 0), ?4, ?5, ?6, ?7)";
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), sql, &s) < 0)
		return store_fail(st, "prepare audit");
	db_bind_int64(s, 1, e->account_id);
	db_bind_int64(s, 2, e->at);
	db_bind_int64(s, 3, e->actor_id);
	db_bind_text(s, 4, e->actor);
	db_bind_text(s, 5, e->action);
	db_bind_text(s, 6, e->target);
	db_bind_text(s, 7, e->detail);
	rc = db_step(s) == DB_DONE ? 0 : store_fail(st, "add audit entry");
	db_finalize(s);
	return rc;
}

int store_audit_list(struct store *st, int64_t account_id, int64_t before_id, int limit,
		     int (*cb)(void *ctx, const struct store_audit *e), void *ctx)
{
	static const char sql[] = "SELECT id, account_id, at, coalesce(actor_id, 0), actor, action, "
				  "target, detail FROM audit WHERE account_id = ?1 AND id < ?2 "
				  "ORDER BY id DESC LIMIT ?3";
	struct store_audit e;
	struct db_stmt *s;
	int rc;

	if (limit < 1 || limit > STORE_AUDIT_PAGE_MAX)
		return -EINVAL;
	if (db_prepare(store_db(st), sql, &s) < 0)
		return store_fail(st, "prepare audit list");
	db_bind_int64(s, 1, account_id);
	db_bind_int64(s, 2, before_id > 0 ? before_id : INT64_MAX);
	db_bind_int(s, 3, limit);
	while ((rc = db_step(s)) == DB_ROW) {
		e.id = db_column_int64(s, 0);
		e.account_id = db_column_int64(s, 1);
		e.at = db_column_int64(s, 2);
		e.actor_id = db_column_int64(s, 3);
		store_copy_text(e.actor, sizeof(e.actor), s, 4);
		store_copy_text(e.action, sizeof(e.action), s, 5);
		store_copy_text(e.target, sizeof(e.target), s, 6);
		store_copy_text(e.detail, sizeof(e.detail), s, 7);
		if ((rc = cb(ctx, &e)) != 0) {
			db_finalize(s);
			return rc;
		}
	}
	rc = rc == DB_DONE ? 0 : store_fail(st, "list audit entries");
	db_finalize(s);
	return rc;
}
