/*
 * report_test.c - reports' figures against a temporary database (TZ=UTC):
 * chats answered, missed and abandoned, snapshots each way and share
 * steps, counted per account, queue and operator on the day and hour each
 * chat was created; wait and length percentiles; a date range that leaves
 * a day out; bad filters; a savepoint rolled back takes its figures with
 * it; and the time buckets.  Follow-ups: left, answered and not delivered
 * per account, queue and answering operator, an answer given again after
 * a failure, figures that outlive the follow-ups' rows, and the migration
 * that counts the follow-ups already there.  Survey answers per account,
 * queue and operator, once per chat, and after the transcript is deleted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


#include "check.h"
#include "store/db.h"
#include "store/schema.h"
#include "store/sqlite_only.h"
#include "store/store.h"
#include "store/store_int.h"

#define DAY_MS (86400LL * 1000)
/* 2026-03-02 00:00 UTC, a Monday: local day 20514. */
#define MONDAY_MS 1772409600000LL
#define MONDAY_DAY 20514

static char dir[64];
static int64_t alpha, other, qa, qb, op1, op2;

static struct store *fresh_store(void)
{
	struct store *st = NULL;
	struct store_operator o;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0 || store_open(&st, dir) < 0)
		return NULL;
	store_account_add(st, "Alpha", "", &alpha);
	store_account_add(st, "Beta", "", &other);
	store_queue_add(st, alpha, "ask", "Ask", &qa);
	store_queue_add(st, alpha, "law", "Law", &qb);
	memset(&o, 0, sizeof(o));
	o.account_id = alpha;
	snprintf(o.username, sizeof(o.username), "ann");
	snprintf(o.name, sizeof(o.name), "Ann");
	snprintf(o.pwhash, sizeof(o.pwhash), "x");
	store_operator_add(st, &o, &op1);
	snprintf(o.username, sizeof(o.username), "bob");
	store_operator_add(st, &o, &op2);
	return st;
}

static int add_chat(struct store *st, int64_t id, int64_t account, int64_t queue, int64_t at)
{
	struct store_chat c;

	memset(&c, 0, sizeof(c));
	c.id = id;
	snprintf(c.public_id, sizeof(c.public_id), "c_%lld", (long long)id);
	c.account_id = account;
	c.queue_id = queue;
	c.created_at = at;
	return store_chat_add(st, &c);
}

static int event(struct store *st, int64_t chat, const char *kind, enum event_author author,
		 const char *body, int64_t at)
{
	struct store_event ev = { .chat_id = chat, .kind = kind, .author = author, .body = body,
				  .at = at };

	return store_event_append(st, &ev);
}

static int end(struct store *st, int64_t chat, const char *by, int64_t at)
{
	char body[64];

	snprintf(body, sizeof(body), "{\"notice\":\"ended\",\"by\":\"%s\"}", by);
	if (store_chat_set_status(st, chat, CHAT_ENDED, 0, at) < 0)
		return -EIO;
	return event(st, chat, "notice", AUTHOR_SYSTEM, body, at);
}

/* The known set: see each test for what it expects of it. */
static void seed(struct store *st)
{
	int64_t t1 = MONDAY_MS + 10 * 3600000LL, t2 = MONDAY_MS + 11 * 3600000LL;
	int64_t t3 = MONDAY_MS + DAY_MS + 12 * 3600000LL;

	/* 1: queue ask, Monday 10:00, a guest snapshot while waiting, Ann answers after 30 s. */
	CHECK_EQ(add_chat(st, 1, alpha, qa, t1), 0);
	CHECK_EQ(event(st, 1, "snapshot", AUTHOR_GUEST, "{}", t1 + 1000), 0);
	CHECK_EQ(store_chat_set_status(st, 1, CHAT_ACTIVE, op1, t1 + 30500), 0);
	CHECK_EQ(event(st, 1, "message", AUTHOR_OPERATOR, "{\"text\":\"hi\"}", t1 + 31000), 0);
	CHECK_EQ(event(st, 1, "snapshot", AUTHOR_OPERATOR, "{}", t1 + 40000), 0);
	CHECK_EQ(event(st, 1, "share", AUTHOR_OPERATOR, "{\"step\":\"invited\",\"share\":1}", t1 + 50000), 0);
	CHECK_EQ(event(st, 1, "share", AUTHOR_GUEST, "{\"step\":\"declined\",\"share\":1}", t1 + 51000), 0);
	CHECK_EQ(event(st, 1, "share", AUTHOR_OPERATOR, "{\"step\":\"invited\",\"share\":2}", t1 + 52000), 0);
	CHECK_EQ(event(st, 1, "share", AUTHOR_GUEST, "{\"step\":\"accepted\",\"share\":2}", t1 + 53000), 0);
	CHECK_EQ(event(st, 1, "share", AUTHOR_GUEST, "{\"step\":\"started\",\"share\":2}", t1 + 54000), 0);
	CHECK_EQ(end(st, 1, "operator", t1 + 630500), 0);
	/* 2: queue ask, Monday 11:00, the guest gives up after 20 s. */
	CHECK_EQ(add_chat(st, 2, alpha, qa, t2), 0);
	CHECK_EQ(end(st, 2, "guest", t2 + 20000), 0);
	/* 3: queue law, Tuesday 12:00, nobody comes and the server closes it. */
	CHECK_EQ(add_chat(st, 3, alpha, qb, t3), 0);
	CHECK_EQ(event(st, 3, "share", AUTHOR_SYSTEM, "not json", t3 + 1), 0);
	CHECK_EQ(end(st, 3, "system", t3 + 200000), 0);
	/* 4: queue law, Tuesday 12:00, Bob answers after 200 s; still going. */
	CHECK_EQ(add_chat(st, 4, alpha, qb, t3 + 60000), 0);
	CHECK_EQ(store_chat_set_status(st, 4, CHAT_ACTIVE, op2, t3 + 260000), 0);
	CHECK_EQ(event(st, 4, "share", AUTHOR_GUEST, "{\"step\":\"blocked\",\"share\":1}", t3 + 270000), 0);
	/* Another account's chat never shows. */
	CHECK_EQ(add_chat(st, 5, other, qa, t1), 0);
}

static int report(struct store *st, int64_t queue, int64_t op, int64_t from, int64_t to,
		struct store_report *r)
{
	struct store_report_filter f = { alpha, queue, op, from, to };

	return store_report_read(st, &f, r);
}

static void test_account(void)
{
	struct store *st = fresh_store();
	struct store_report r;

	seed(st);
	CHECK_EQ(report(st, 0, 0, MONDAY_DAY, MONDAY_DAY + 6, &r), 0);
	CHECK_EQ(r.counter[STORE_REPORT_CHATS], 4);
	CHECK_EQ(r.counter[STORE_REPORT_ANSWERED], 2);
	CHECK_EQ(r.counter[STORE_REPORT_MISSED], 1);
	CHECK_EQ(r.counter[STORE_REPORT_ABANDONED], 1);
	CHECK_EQ(r.counter[STORE_REPORT_SNAPS_GUEST], 1);
	CHECK_EQ(r.counter[STORE_REPORT_SNAPS_OPERATOR], 1);
	CHECK_EQ(r.counter[STORE_REPORT_SHARE_INVITED], 2);
	CHECK_EQ(r.counter[STORE_REPORT_SHARE_ACCEPTED], 1);
	CHECK_EQ(r.counter[STORE_REPORT_SHARE_DECLINED], 1);
	CHECK_EQ(r.counter[STORE_REPORT_SHARE_BLOCKED], 1);
	CHECK_EQ(r.by_hour[0][10], 1);
	CHECK_EQ(r.by_hour[0][11], 1);
	CHECK_EQ(r.by_hour[1][12], 2);
	/* Waits 30 s and 200 s (bucket 198..207 starts at 198); one length, 600 s. */
	CHECK_EQ(r.wait.count, 2);
	CHECK_EQ(r.wait.p50, 30);
	CHECK_EQ(r.wait.p90, store_report_bucket_secs(store_report_bucket(200000)));
	CHECK(r.wait.p90 <= 200 && r.wait.p90 > 190);
	CHECK_EQ(r.length.count, 1);
	CHECK_EQ(r.length.p50, store_report_bucket_secs(store_report_bucket(600000)));
	/* Monday alone. */
	CHECK_EQ(report(st, 0, 0, MONDAY_DAY, MONDAY_DAY, &r), 0);
	CHECK_EQ(r.counter[STORE_REPORT_CHATS], 2);
	CHECK_EQ(r.counter[STORE_REPORT_MISSED], 0);
	CHECK_EQ(r.wait.count, 1);
	/* A week before: nothing. */
	CHECK_EQ(report(st, 0, 0, MONDAY_DAY - 7, MONDAY_DAY - 1, &r), 0);
	CHECK_EQ(r.counter[STORE_REPORT_CHATS], 0);
	CHECK_EQ(r.wait.p50, 0);
	store_free(st);
}

static void test_queue_and_operator(void)
{
	struct store *st = fresh_store();
	struct store_report r;

	seed(st);
	CHECK_EQ(report(st, qb, 0, MONDAY_DAY, MONDAY_DAY + 6, &r), 0);
	CHECK_EQ(r.counter[STORE_REPORT_CHATS], 2);
	CHECK_EQ(r.counter[STORE_REPORT_ANSWERED], 1);
	CHECK_EQ(r.counter[STORE_REPORT_MISSED], 1);
	CHECK_EQ(r.counter[STORE_REPORT_ABANDONED], 0);
	CHECK_EQ(r.counter[STORE_REPORT_SHARE_BLOCKED], 1);
	CHECK_EQ(r.wait.count, 1);
	/* Ann: her one chat, with the guest's snapshot sent before she took it. */
	CHECK_EQ(report(st, 0, op1, MONDAY_DAY, MONDAY_DAY + 6, &r), 0);
	CHECK_EQ(r.counter[STORE_REPORT_CHATS], 1);
	CHECK_EQ(r.counter[STORE_REPORT_ANSWERED], 1);
	CHECK_EQ(r.counter[STORE_REPORT_SNAPS_GUEST], 1);
	CHECK_EQ(r.counter[STORE_REPORT_SNAPS_OPERATOR], 1);
	CHECK_EQ(r.counter[STORE_REPORT_SHARE_INVITED], 2);
	CHECK_EQ(r.by_hour[0][10], 1);
	CHECK_EQ(r.wait.p50, 30);
	CHECK_EQ(r.length.count, 1);
	/* Bob's chat has not ended: a wait, no length. */
	CHECK_EQ(report(st, 0, op2, MONDAY_DAY, MONDAY_DAY + 6, &r), 0);
	CHECK_EQ(r.counter[STORE_REPORT_CHATS], 1);
	CHECK_EQ(r.counter[STORE_REPORT_SHARE_BLOCKED], 1);
	CHECK_EQ(r.wait.count, 1);
	CHECK_EQ(r.length.count, 0);
	store_free(st);
}

/* Times of whole months come from the month rows, the ragged ends from the day rows. */
static void test_months(void)
{
	struct store *st = fresh_store();
	struct store_report r;
	/* 2026-01-31, 02-01, 02-28, 03-01, 12:00 UTC, waits of 10, 20, 30 and 40 s. */
	static const int dates[4][2] = { { 1, 31 }, { 2, 1 }, { 2, 28 }, { 3, 1 } };
	int64_t day[4];
	int i;

	for (i = 0; i < 4; i++) {
		int64_t at;

		day[i] = store_report_day(2026, dates[i][0], dates[i][1]);
		at = day[i] * 86400000LL + 12 * 3600000LL;
		CHECK_EQ(add_chat(st, 10 + i, alpha, qa, at), 0);
		CHECK_EQ(store_chat_set_status(st, 10 + i, CHAT_ACTIVE, op1, at + 10000 * (i + 1)), 0);
	}
	CHECK_EQ(day[1] - day[0], 1);
	CHECK_EQ(report(st, 0, 0, day[0], day[3], &r), 0);
	CHECK_EQ(r.wait.count, 4);
	CHECK_EQ(r.wait.p50, 20);
	CHECK_EQ(r.wait.p90, 40);
	CHECK_EQ(report(st, 0, 0, day[1], day[2], &r), 0); /* February, whole */
	CHECK_EQ(r.wait.count, 2);
	CHECK_EQ(r.wait.p90, 30);
	CHECK_EQ(report(st, 0, 0, day[1] + 1, day[2], &r), 0); /* days only */
	CHECK_EQ(r.wait.count, 1);
	CHECK_EQ(r.wait.p50, 30);
	CHECK_EQ(report(st, 0, 0, day[0] - 30, day[3] + 30, &r), 0); /* January to March, whole */
	CHECK_EQ(r.wait.count, 4);
	CHECK_EQ(report(st, 0, 0, day[1], day[3], &r), 0); /* February and a day */
	CHECK_EQ(r.wait.count, 3);
	CHECK_EQ(r.wait.p50, 30);
	CHECK_EQ(report(st, qa, 0, day[0], day[2], &r), 0); /* a day and February */
	CHECK_EQ(r.wait.count, 3);
	CHECK_EQ(r.wait.p50, 20);
	CHECK_EQ(report(st, 0, op1, day[3], day[3], &r), 0);
	CHECK_EQ(r.wait.count, 1);
	CHECK_EQ(r.wait.p50, 40);
	store_free(st);
}

static void test_bad_filters(void)
{
	struct store *st = fresh_store();
	struct store_report r;

	CHECK_EQ(report(st, qa, op1, MONDAY_DAY, MONDAY_DAY, &r), -EINVAL);
	CHECK_EQ(report(st, 0, 0, MONDAY_DAY, MONDAY_DAY - 1, &r), -EINVAL);
	store_free(st);
}

static void test_rolled_back(void)
{
	struct store *st = fresh_store();
	struct store_report r;

	CHECK_EQ(store_begin(st), 0);
	CHECK_EQ(store_savepoint(st), 0);
	CHECK_EQ(add_chat(st, 9, alpha, qa, MONDAY_MS), 0);
	store_savepoint_release(st, false);
	CHECK_EQ(store_commit(st), 0);
	CHECK_EQ(report(st, 0, 0, MONDAY_DAY, MONDAY_DAY, &r), 0);
	CHECK_EQ(r.counter[STORE_REPORT_CHATS], 0);
	CHECK_EQ(add_chat(st, 9, alpha, qa, MONDAY_MS), 0);
	CHECK_EQ(report(st, 0, 0, MONDAY_DAY, MONDAY_DAY, &r), 0);
	CHECK_EQ(r.counter[STORE_REPORT_CHATS], 1);
	store_free(st);
}

static void test_buckets(void)
{
	int b;

	CHECK_EQ(store_report_bucket(-5), 0);
	CHECK_EQ(store_report_bucket(999), 0);
	CHECK_EQ(store_report_bucket(119999), 119);
	CHECK_EQ(store_report_bucket(120000), 120);
	CHECK_EQ(store_report_bucket_secs(120), 120);
	CHECK_EQ(store_report_bucket_secs(121), 126);
	CHECK_EQ(store_report_bucket(125999), 120);
	CHECK_EQ(store_report_bucket(126000), 121);
	for (b = 0; b < 300; b++) {
		int64_t lo = store_report_bucket_secs(b), hi = store_report_bucket_secs(b + 1);

		CHECK_EQ(store_report_bucket(lo * 1000), b);
		CHECK_EQ(store_report_bucket(hi * 1000 - 1), b);
		/* Never wider than 5 % of where it starts, plus the second it rounds to. */
		CHECK(hi - lo <= lo / 20 + 1);
	}
	/* Weeks land in the last bucket rather than past it. */
	CHECK_EQ(store_report_bucket(90LL * DAY_MS), store_report_bucket(365LL * DAY_MS));
}

static void test_local_day(void)
{
	int64_t day;
	int hour;

	store_report_local(MONDAY_MS, &day, &hour);
	CHECK_EQ(day, MONDAY_DAY);
	CHECK_EQ(hour, 0);
	store_report_local(MONDAY_MS - 1, &day, &hour);
	CHECK_EQ(day, MONDAY_DAY - 1);
	CHECK_EQ(hour, 23);
	setenv("TZ", "Asia/Kolkata", 1);
	tzset();
	store_report_local(MONDAY_MS - 1, &day, &hour);
	CHECK_EQ(day, MONDAY_DAY);
	CHECK_EQ(hour, 5);
	setenv("TZ", "UTC", 1);
	tzset();
}

/* The first version at which `probe` finds a row, found by migrating step by step. */
static int version_where(const char *probe)
{
	struct db *mem;
	struct db_stmt *q;
	int v, found = 0;

	CHECK_EQ(db_open(&mem, ":memory:"), 0);
	CHECK_EQ(sqlite_only_register_functions(mem), 0);
	for (v = 1; v <= schema_version() && !found; v++) {
		CHECK_EQ(schema_migrate_to(mem, v), 0);
		CHECK_EQ(db_prepare(mem, probe, &q), 0);
		if (db_step(q) == DB_ROW)
			found = v;
		db_finalize(q);
	}
	db_close(mem);
	CHECK(found > 0);
	return found;
}

/* The version whose migration adds the report tables. */
static int reports_version(void)
{
	return version_where("SELECT 1 FROM sqlite_master WHERE name = 'chat_report'");
}

static void test_migration(void)
{
	struct store *st = fresh_store();
	struct store_report r;
	char path[128];
	int64_t t = MONDAY_MS + 9 * 3600000LL;
	struct db *db;

	store_free(st); /* only for the empty directory */
	snprintf(path, sizeof(path), "%s/refdesk.db", dir);
	unlink(path);
	CHECK_EQ(db_open(&db, path), 0);
	CHECK_EQ(schema_migrate_to(db, reports_version() - 1), 0);
#define CHAT(id, status, op, acc, end) "(" #id ", 'c_" #id "', x'00', 1, 1, " #status ", " #op ", 9, ?1, " acc ", " end ", " #id ")"
#define EV(chat, seq, kind, author, body) "(" #chat ", " #seq ", '" kind "', " #author ", '" body "', ?1)"
	/* Two statements, each with the start time as ?1. */
	const char *const sql[] = {
		 "INSERT INTO chats(id, public_id, token_hash, account_id, queue_id, status, operator_id,"
		 "  last_seq, created_at, accepted_at, ended_at, ord) VALUES "
		 CHAT(1, 2, 1, "?1 + 45000", "?1 + 645000") ", " CHAT(2, 2, NULL, "NULL", "?1 + 9000") ", "
		 CHAT(3, 2, NULL, "NULL", "?1 + 300000") ", " CHAT(4, 0, NULL, "NULL", "NULL"),
		 "INSERT INTO events(chat_id, seq, kind, author, body, at) VALUES "
		 EV(1, 1, "snapshot", 1, "{}") ", " EV(1, 2, "snapshot", 2, "{}") ", "
		 EV(1, 3, "share", 2, "{\"step\":\"invited\"}") ", "
		 EV(1, 4, "share", 1, "{\"step\":\"accepted\"}") ", "
		 EV(1, 5, "notice", 0, "{\"notice\":\"ended\",\"by\":\"operator\"}") ", "
		 EV(2, 1, "notice", 0, "{\"notice\":\"ended\",\"by\":\"guest\"}") ", "
		 EV(3, 1, "notice", 0, "{\"notice\":\"ended\",\"by\":\"system\"}") ", "
		 EV(3, 2, "message", 1, "not json"),
	};
#undef EV
#undef CHAT
	/* The fixtures' account, queue and operator (ids 1) exist from fresh_store()'s schema. */
	CHECK_EQ(db_exec(db, "INSERT INTO accounts(id, name, origins, created_at) VALUES (1, 'A', "
			     "'', 1);"
			      "INSERT INTO queues(id, account_id, name, title, created_at) VALUES (1, 1, 'q', 'Q', 1);"
			      "INSERT INTO operators(id, account_id, username, name, pwhash, created_at)"
			      "  VALUES (1, 1, 'o', 'O', 'x', 1);"), 0);
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		struct db_stmt *s = NULL;

		CHECK_EQ(db_prepare(db, sql[i], &s), 0);
		db_bind_int64(s, 1, t);
		CHECK_EQ(db_step(s), DB_DONE);
		db_finalize(s);
	}
	db_close(db);

	CHECK_EQ(store_open(&st, dir), 0);
	alpha = 1;
	CHECK_EQ(report(st, 0, 0, MONDAY_DAY, MONDAY_DAY, &r), 0);
	CHECK_EQ(r.counter[STORE_REPORT_CHATS], 4);
	CHECK_EQ(r.counter[STORE_REPORT_ANSWERED], 1);
	CHECK_EQ(r.counter[STORE_REPORT_ABANDONED], 1);
	CHECK_EQ(r.counter[STORE_REPORT_MISSED], 1);
	CHECK_EQ(r.counter[STORE_REPORT_SNAPS_GUEST], 1);
	CHECK_EQ(r.counter[STORE_REPORT_SNAPS_OPERATOR], 1);
	CHECK_EQ(r.counter[STORE_REPORT_SHARE_INVITED], 1);
	CHECK_EQ(r.counter[STORE_REPORT_SHARE_ACCEPTED], 1);
	CHECK_EQ(r.by_hour[0][9], 4);
	CHECK_EQ(r.wait.count, 1);
	CHECK_EQ(r.wait.p50, 45);
	CHECK_EQ(r.length.p50, store_report_bucket_secs(store_report_bucket(600000)));
	CHECK_EQ(report(st, 0, 1, MONDAY_DAY, MONDAY_DAY, &r), 0);
	CHECK_EQ(r.counter[STORE_REPORT_CHATS], 1);
	CHECK_EQ(r.counter[STORE_REPORT_SNAPS_GUEST], 1);
	CHECK_EQ(report(st, 1, 0, MONDAY_DAY, MONDAY_DAY, &r), 0);
	CHECK_EQ(r.counter[STORE_REPORT_CHATS], 4);
	/* March whole: the times from the month rows the migration made. */
	CHECK_EQ(report(st, 0, 0, store_report_day(2026, 3, 1), store_report_day(2026, 3, 31), &r), 0);
	CHECK_EQ(r.wait.count, 1);
	CHECK_EQ(r.wait.p50, 45);
	CHECK_EQ(r.length.count, 1);
	/* The waiting one goes on from there as any other. */
	CHECK_EQ(store_chat_set_status(st, 4, CHAT_ACTIVE, 1, t + 10000), 0);
	CHECK_EQ(report(st, 0, 0, MONDAY_DAY, MONDAY_DAY, &r), 0);
	CHECK_EQ(r.counter[STORE_REPORT_ANSWERED], 2);
	CHECK_EQ(r.wait.count, 2);
	store_free(st);
}

/* ---- follow-ups ------------------------------------------------------------- */

static int64_t leave(struct store *st, int64_t account, int64_t queue, struct store_followup *f)
{
	memset(f, 0, sizeof(*f));
	f->account_id = account;
	f->queue_id = queue;
	snprintf(f->question, sizeof(f->question), "Do you have the atlas?");
	snprintf(f->email, sizeof(f->email), "pat@example.org");
	return store_followup_add(st, f) == 0 ? f->id : -1;
}

/* Left, answered and not delivered of one scope, on the day `day`. */
static void check_followups(struct store *st, int64_t queue, int64_t op, int64_t day, int64_t left,
			    int64_t answered, int64_t failed)
{
	struct store_report r;

	CHECK_EQ(report(st, queue, op, day, day, &r), 0);
	CHECK_EQ(r.counter[STORE_REPORT_FOLLOWUPS], left);
	CHECK_EQ(r.counter[STORE_REPORT_FOLLOWUPS_ANSWERED], answered);
	CHECK_EQ(r.counter[STORE_REPORT_FOLLOWUPS_FAILED], failed);
	/* Follow-ups are not chats: no chat and no hour of the heat map moves. */
	CHECK_EQ(r.counter[STORE_REPORT_CHATS], 0);
	for (int d = 0; d < 7; d++)
		for (int h = 0; h < 24; h++)
			CHECK_EQ(r.by_hour[d][h], 0);
}

static void test_followups(void)
{
	struct store *st = fresh_store();
	struct store_followup f1, f2, f3, f4, f5;
	int64_t day, now = 0;
	int hour;

	CHECK(leave(st, alpha, qa, &f1) > 0);
	CHECK(leave(st, alpha, qa, &f2) > 0);
	CHECK(leave(st, alpha, qb, &f3) > 0);
	CHECK(leave(st, other, qa, &f4) > 0); /* another account's never shows */
	store_report_local(f1.created_at, &day, &hour);
	now = f1.created_at;
	check_followups(st, 0, 0, day, 3, 0, 0);
	check_followups(st, qa, 0, day, 2, 0, 0);
	check_followups(st, qb, 0, day, 1, 0, 0);
	/* Nobody has answered: an operator's report has none yet. */
	check_followups(st, 0, op1, day, 0, 0, 0);
	/* The day before and after: none (counted on the day the question was left). */
	check_followups(st, 0, 0, day - 1, 0, 0, 0);
	check_followups(st, 0, 0, day + 1, 0, 0, 0);

	/* Ann answers the first and it is delivered. */
	CHECK_EQ(store_followup_answer(st, f1.id, alpha, op1, "Yes.", now + 1000), 0);
	check_followups(st, 0, op1, day, 0, 0, 0); /* still in the outbox */
	CHECK_EQ(store_followup_delivered(st, f1.id, now + 2000), 0);
	/* Delivered twice (a replay) counts once. */
	CHECK_EQ(store_followup_delivered(st, f1.id, now + 2500), -ENOENT);
	/* Bob answers the second; a failed try to be retried counts nothing, giving up does. */
	CHECK_EQ(store_followup_answer(st, f2.id, alpha, op2, "No.", now + 3000), 0);
	CHECK_EQ(store_followup_failed(st, f2.id, "refused", now + 60000), 0);
	check_followups(st, 0, 0, day, 3, 1, 0);
	CHECK_EQ(store_followup_failed(st, f2.id, "refused", 0), 0);
	CHECK_EQ(store_followup_failed(st, f2.id, "refused", 0), -ENOENT);
	check_followups(st, 0, 0, day, 3, 1, 1);
	check_followups(st, qa, 0, day, 2, 1, 1);
	check_followups(st, qb, 0, day, 1, 0, 0);
	check_followups(st, 0, op1, day, 1, 1, 0);
	check_followups(st, 0, op2, day, 1, 0, 1);

	/* Ann answers the second again: no longer "not delivered", and now Ann's once delivered. */
	CHECK_EQ(store_followup_answer(st, f2.id, alpha, op1, "Yes after all.", now + 4000), 0);
	check_followups(st, 0, 0, day, 3, 1, 0);
	check_followups(st, 0, op2, day, 0, 0, 0);
	CHECK_EQ(store_followup_delivered(st, f2.id, now + 5000), 0);
	check_followups(st, 0, 0, day, 3, 2, 0);
	check_followups(st, qa, 0, day, 2, 2, 0);
	check_followups(st, 0, op1, day, 2, 2, 0);

	/* A follow-up left in a savepoint that is rolled back counts nothing. */
	CHECK_EQ(store_begin(st), 0);
	CHECK_EQ(store_savepoint(st), 0);
	CHECK(leave(st, alpha, qb, &f5) > 0);
	store_savepoint_release(st, false);
	CHECK_EQ(store_commit(st), 0);
	check_followups(st, qb, 0, day, 1, 0, 0);

	/* Retention takes the rows: the figures stay. */
	CHECK_EQ(db_exec(store_db(st), "DELETE FROM followups"), 0);
	check_followups(st, 0, 0, day, 3, 2, 0);
	check_followups(st, 0, op1, day, 2, 2, 0);
	store_free(st);
}

/* Follow-ups left before reports counted them are counted by the migration, from their status. */
static void test_followups_migration(void)
{
	struct store *st = fresh_store();
	int version = version_where("SELECT 1 FROM pragma_table_info('report_hours') "
				    "WHERE name = 'followups'");
	char path[128];
	struct db *db;

	store_free(st);
	snprintf(path, sizeof(path), "%s/refdesk.db", dir);
	unlink(path);
	CHECK_EQ(db_open(&db, path), 0);
	CHECK_EQ(sqlite_only_register_functions(db), 0);
	CHECK_EQ(schema_migrate_to(db, version - 1), 0);
	/* Monday 09:xx: open, sending (operator 1), answered (1), not delivered (2); Tuesday: one
	 * in queue 2; and one of account 2.  A chat's hour there already has a report_hours row. */
	CHECK_EQ(db_exec(db, "INSERT INTO accounts(id, name, origins, created_at) VALUES"
			      "  (1, 'A', '', 1), (2, 'B', '', 1);"
			      "INSERT INTO queues(id, account_id, name, title, created_at) VALUES"
			      "  (1, 1, 'q', 'Q', 1), (2, 1, 'r', 'R', 1), (3, 2, 's', 'S', 1);"
			      "INSERT INTO operators(id, account_id, username, name, pwhash, created_at)"
			      "  VALUES (1, 1, 'o', 'O', 'x', 1), (2, 1, 'p', 'P', 'x', 1);"
			      "INSERT INTO report_hours(account_id, queue_id, operator_id, day, hour, chats,"
			      "  answered, missed, abandoned, snaps_guest, snaps_operator, share_invited,"
			      "  share_accepted, share_declined, share_blocked)"
			      "  VALUES (1, 0, 0, 20514, 9, 5, 4, 1, 0, 0, 0, 0, 0, 0, 0);"
			      "INSERT INTO followups(account_id, queue_id, question, status, operator_id,"
			      "  created_at) VALUES"
			      "  (1, 1, 'a', 0, NULL, 1772442000000), (1, 1, 'b', 1, 1, 1772442060000),"
			      "  (1, 1, 'c', 2, 1, 1772442120000), (1, 1, 'd', 3, 2, 1772442180000),"
			      "  (1, 2, 'e', 2, 2, 1772528400000), (2, 3, 'f', 3, 1, "
			      "1772442000000);"), 0);
	db_close(db);

	CHECK_EQ(store_open(&st, dir), 0);
	alpha = 1;
	check_followups(st, 1, 0, MONDAY_DAY, 4, 1, 1);
	check_followups(st, 0, 1, MONDAY_DAY, 1, 1, 0); /* the sending one is not theirs yet */
	check_followups(st, 0, 2, MONDAY_DAY, 1, 0, 1);
	check_followups(st, 2, 0, MONDAY_DAY + 1, 1, 1, 0);
	check_followups(st, 0, 2, MONDAY_DAY + 1, 1, 1, 0);
	{
		struct store_report r;

		/* The hour that had chats keeps them, and adds the follow-ups. */
		CHECK_EQ(report(st, 0, 0, MONDAY_DAY, MONDAY_DAY, &r), 0);
		CHECK_EQ(r.counter[STORE_REPORT_CHATS], 5);
		CHECK_EQ(r.counter[STORE_REPORT_ANSWERED], 4);
		CHECK_EQ(r.counter[STORE_REPORT_FOLLOWUPS], 4);
		CHECK_EQ(r.by_hour[0][9], 5);
		CHECK_EQ(report(st, 0, 0, MONDAY_DAY, MONDAY_DAY + 1, &r), 0);
		CHECK_EQ(r.counter[STORE_REPORT_FOLLOWUPS], 5);
		CHECK_EQ(r.counter[STORE_REPORT_FOLLOWUPS_ANSWERED], 2);
		CHECK_EQ(r.counter[STORE_REPORT_FOLLOWUPS_FAILED], 1);
	}
	/* The one sending goes on from there as any other. */
	CHECK_EQ(store_followup_delivered(st, 2, 1772442070000), 0);
	{
		struct store_report r;

		CHECK_EQ(report(st, 0, 1, MONDAY_DAY, MONDAY_DAY, &r), 0);
		CHECK_EQ(r.counter[STORE_REPORT_FOLLOWUPS], 2);
		CHECK_EQ(r.counter[STORE_REPORT_FOLLOWUPS_ANSWERED], 2);
	}
	store_free(st);
}

/*
 * Survey answers count where their chat counts: the account, its queue,
 * and the operator only for a chat they accepted; a second survey of a
 * chat is refused and counts nothing; a deleted transcript takes the
 * comment's words, not the figures.
 */
static void test_survey(void)
{
	struct store *st = fresh_store();
	struct store_survey_answer a[3] = {
		{ .pos = 0, .kind = "rating", .question = "How?", .value = 4 },
		{ .pos = 1, .kind = "yes_no", .question = "Found?", .value = 1 },
		{ .pos = 2, .kind = "comment", .question = "More?", .comment = "Great help" },
	}, b[2] = {
		{ .pos = 0, .kind = "rating", .question = "How?", .value = 2 },
		{ .pos = 2, .kind = "comment", .question = "More?", .comment = "Nobody came" },
	}, got[3];
	struct store_report r;

	seed(st);
	CHECK_EQ(store_survey_answers(st, 1, got), 0);
	CHECK_EQ(store_survey_answers_add(st, 1, a, 2, MONDAY_MS + DAY_MS), 0);
	CHECK_EQ(store_survey_answers_add(st, 2, b, 2, MONDAY_MS + DAY_MS), 0);
	CHECK_EQ(store_survey_answers_add(st, 1, a, 3, MONDAY_MS + DAY_MS), -EEXIST);
	CHECK_EQ(store_survey_answers(st, 1, got), 2);
	CHECK(!strcmp(got[1].kind, "yes_no") && got[1].value == 1 && !strcmp(got[1].question, "Found?"));

	CHECK_EQ(report(st, 0, 0, MONDAY_DAY, MONDAY_DAY + 6, &r), 0);
	CHECK_EQ(r.counter[STORE_REPORT_SURVEYS], 2);
	CHECK_EQ(r.counter[STORE_REPORT_SURVEY_RATINGS], 2);
	CHECK_EQ(r.counter[STORE_REPORT_SURVEY_RATING_SUM], 6);
	CHECK_EQ(r.counter[STORE_REPORT_SURVEY_YES], 1);
	CHECK_EQ(r.counter[STORE_REPORT_SURVEY_NO], 0);
	CHECK_EQ(r.counter[STORE_REPORT_SURVEY_COMMENTS], 1);
	CHECK_EQ(r.counter[STORE_REPORT_CHATS], 4);
	CHECK_EQ(report(st, qa, 0, MONDAY_DAY, MONDAY_DAY + 6, &r), 0);
	CHECK_EQ(r.counter[STORE_REPORT_SURVEYS], 2);
	CHECK_EQ(report(st, qb, 0, MONDAY_DAY, MONDAY_DAY + 6, &r), 0);
	CHECK_EQ(r.counter[STORE_REPORT_SURVEYS], 0);
	/* Ann accepted chat 1; chat 2 was nobody's. */
	CHECK_EQ(report(st, 0, op1, MONDAY_DAY, MONDAY_DAY + 6, &r), 0);
	CHECK_EQ(r.counter[STORE_REPORT_SURVEYS], 1);
	CHECK_EQ(r.counter[STORE_REPORT_SURVEY_RATING_SUM], 4);
	CHECK_EQ(r.counter[STORE_REPORT_SURVEY_COMMENTS], 0);
	CHECK_EQ(report(st, 0, op2, MONDAY_DAY, MONDAY_DAY + 6, &r), 0);
	CHECK_EQ(r.counter[STORE_REPORT_SURVEYS], 0);

	/* The transcript goes: the comment's words with it, the figures stay. */
	CHECK_EQ(store_chat_delete_transcript(st, 2, MONDAY_MS + 2 * DAY_MS, NULL, NULL), 0);
	CHECK_EQ(store_survey_answers(st, 2, got), 2);
	CHECK_EQ(got[1].comment[0], '\0');
	CHECK_EQ(got[0].value, 2);
	CHECK_EQ(report(st, 0, 0, MONDAY_DAY, MONDAY_DAY + 6, &r), 0);
	CHECK_EQ(r.counter[STORE_REPORT_SURVEY_COMMENTS], 1);
	CHECK_EQ(r.counter[STORE_REPORT_SURVEY_RATING_SUM], 6);

	/* A comment that arrives after the transcript went is not kept (decided in the write). */
	CHECK_EQ(store_chat_delete_transcript(st, 3, MONDAY_MS + 2 * DAY_MS, NULL, NULL), 0);
	CHECK_EQ(store_survey_answers_add(st, 3, b, 2, MONDAY_MS + 2 * DAY_MS), 0);
	CHECK_EQ(store_survey_answers(st, 3, got), 2);
	CHECK_EQ(got[1].comment[0], '\0');
	CHECK_EQ(got[0].value, 2);
	store_free(st);
}

int main(void)
{
	char cmd[128];

	setenv("TZ", "UTC", 1);
	tzset();
	snprintf(dir, sizeof(dir), "/tmp/refdesk-report-test-%d", (int)getpid());
	RUN(test_account);
	RUN(test_queue_and_operator);
	RUN(test_months);
	RUN(test_bad_filters);
	RUN(test_rolled_back);
	RUN(test_buckets);
	RUN(test_local_day);
	RUN(test_migration);
	RUN(test_followups);
	RUN(test_followups_migration);
	RUN(test_survey);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	CHECK_EXIT();
}
