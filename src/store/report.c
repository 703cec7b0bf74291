/*
 * report.c - what reports count (store.h), kept as chats are written.
 *
 * How it works: every chat has a row in `chat_report` (schema.c, migration
 * 10) with its local day and hour of creation, its times, its outcome and
 * its counters.  Each write that changes a figure adds the change to
 * `report_hours` three times over: for the whole account, for the chat's
 * queue, and for the operator who accepted it (their row gets the chat,
 * with what it had counted so far, when they accept it).  Waits and
 * conversation lengths go into `report_times` as bucketed counts per day
 * and into `report_months` per month.  A report then sums one scope's rows
 * over its days: a two-year report of an account reads about 17,520 hour
 * rows, the time buckets of 24 months and of the days at either end that
 * do not make a whole month, however many chats there were, and nothing of
 * what anyone wrote.  Rows are summed here rather than by GROUP BY, which
 * would sort them first.  Follow-ups (followups.c) add to the same hours,
 * on the hour their question was left, as they are left and as their mail
 * is delivered or given up, so the figures outlive the follow-up's row.
 * Survey answers (survey.c) add to the chat's hours as they are kept.
 *
 * All writes run on the caller's connection inside its transaction (the
 * writer's savepoint of the op), so a figure changes exactly when the chat
 * does.  Days and hours are the process's local time (localtime_r(), and
 * SQLite's 'localtime' in the migration that counts older chats).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/util.h"
#include "store/store_int.h"

#define BUCKET_EXACT 120 /* seconds counted one by one */
#define BUCKET_MAX 320   /* past about 40 days: all in the last bucket */

enum report_stmt {
	R_ROW_ADD, R_ROW_GET, R_ROW_ACCEPT, R_ROW_END, R_ROW_COUNT, R_HOURS_ADD, R_TIMES_ADD,
	R_MONTHS_ADD, R_EVENT_BODY, R_SUM, R_TIMES, R_MONTHS, R_COUNT_
};

static const char *const report_sql[] = {
	[R_ROW_ADD] = "INSERT INTO chat_report(chat_id, account_id, queue_id, day, hour, "
		      "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
	[R_ROW_GET] = "SELECT account_id, queue_id, operator_id, day, hour, created_at, "
		      "coalesce(accepted_at, 0), outcome, snaps_guest, snaps_operator, share_invited, "
		      "share_accepted, share_declined, share_blocked FROM chat_report WHERE "
		      "chat_id = ?1",
	[R_ROW_ACCEPT] = "UPDATE chat_report SET operator_id = ?2, accepted_at = ?3, outcome = 1 "
			 "WHERE chat_id = ?1",
	[R_ROW_END] = "UPDATE chat_report SET ended_at = ?2, outcome = ?3 WHERE chat_id = ?1",
	[R_ROW_COUNT] = "UPDATE chat_report SET snaps_guest = snaps_guest + ?2, "
			"snaps_operator = snaps_operator + ?3, share_invited = share_invited + ?4, "
			"share_accepted = share_accepted + ?5, share_declined = share_declined + ?6, "
			"share_blocked = share_blocked + ?7 WHERE chat_id = ?1",
	[R_HOURS_ADD] = "INSERT INTO report_hours(account_id, queue_id, operator_id, day, hour, "
			"chats, answered, missed, abandoned, snaps_guest, snaps_operator, "
			"share_invited, share_accepted, share_declined, share_blocked, followups, "
			"followups_answered, followups_failed, surveys, survey_ratings, "
			"survey_rating_sum, survey_yes, survey_no, survey_comments) VALUES (?1, ?2, "
			"?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
			"?20, ?21, ?22, ?23, ?24) "
			"ON CONFLICT (account_id, queue_id, operator_id, day, hour) DO UPDATE SET "
			"chats = report_hours.chats + ?6, answered = report_hours.answered + ?7, missed = report_hours.missed + ?8, "
			"abandoned = report_hours.abandoned + ?9, snaps_guest = report_hours.snaps_guest + ?10, "
			"snaps_operator = report_hours.snaps_operator + ?11, share_invited = report_hours.share_invited + ?12, "
			"share_accepted = report_hours.share_accepted + ?13, share_declined = report_hours.share_declined + ?14, "
			"share_blocked = report_hours.share_blocked + ?15, followups = report_hours.followups + ?16, "
			"followups_answered = report_hours.followups_answered + ?17, "
			"followups_failed = report_hours.followups_failed + ?18, surveys = report_hours.surveys + ?19, "
			"survey_ratings = report_hours.survey_ratings + ?20, "
			"survey_rating_sum = report_hours.survey_rating_sum + ?21, survey_yes = report_hours.survey_yes + ?22, "
			"survey_no = report_hours.survey_no + ?23, survey_comments = report_hours.survey_comments + ?24",
	[R_TIMES_ADD] = "INSERT INTO report_times VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1) ON CONFLICT "
			"(account_id, queue_id, operator_id, day, metric, bucket) "
			"DO UPDATE SET n = report_times.n + 1",
	[R_MONTHS_ADD] = "INSERT INTO report_months VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1) ON CONFLICT "
			 "(account_id, queue_id, operator_id, month, metric, bucket) "
			 "DO UPDATE SET n = report_months.n + 1",
	/* Only system notices and share steps are read, and only these fields. */
	[R_EVENT_BODY] = "SELECT CASE WHEN json_valid(?1) THEN json_extract(?1, '$.notice') END, "
			 "CASE WHEN json_valid(?1) THEN json_extract(?1, '$.by') END, "
			 "CASE WHEN json_valid(?1) THEN json_extract(?1, '$.step') END",
	[R_SUM] = "SELECT day, hour, chats, answered, missed, abandoned, snaps_guest, "
		  "snaps_operator, share_invited, share_accepted, share_declined, share_blocked, "
		  "followups, followups_answered, followups_failed, surveys, survey_ratings, "
		  "survey_rating_sum, survey_yes, survey_no, survey_comments FROM report_hours WHERE account_id = ?1 AND queue_id = ?2 AND operator_id = ?3 "
		  "AND day BETWEEN ?4 AND ?5",
	[R_TIMES] = "SELECT metric, bucket, n FROM report_times WHERE account_id = ?1 "
		    "AND queue_id = ?2 AND operator_id = ?3 AND day BETWEEN ?4 AND ?5",
	[R_MONTHS] = "SELECT metric, bucket, n FROM report_months WHERE account_id = ?1 "
		     "AND queue_id = ?2 AND operator_id = ?3 AND month BETWEEN ?4 AND ?5",
};

_Static_assert(R_COUNT_ <= STORE_REPORT_STMTS, "report.c needs more statement slots");

/* A chat's row: where it counts, and what it has counted so far. */
struct report_row {
	int64_t account_id, queue_id, operator_id, day, created_at, accepted_at;
	int hour, outcome;
	int64_t counter[STORE_REPORT_COUNTERS];
};

enum { OUTCOME_WAITING, OUTCOME_ANSWERED, OUTCOME_MISSED, OUTCOME_ABANDONED };

/* The statement, reset and unbound; NULL after logging when it cannot be prepared. */
static struct db_stmt *report_stmt(struct store *st, enum report_stmt id)
{
	struct db_stmt **slot = &store_report_stmts(st)[id];

	if (!*slot) {
		if (db_prepare_cached(store_db(st), report_sql[id], slot) < 0) {
			store_fail(st, "prepare report statement");
			return NULL;
		}
	}
	db_reset(*slot);
	db_unbind(*slot);
	return *slot;
}

static int report_run(struct store *st, struct db_stmt *s, const char *what)
{
	int rc = db_step(s);

	db_reset(s);
	return rc == DB_DONE ? 0 : store_fail(st, what);
}

/* ---- buckets and days ------------------------------------------------------ */

int store_report_bucket(int64_t ms)
{
	int64_t s = ms > 0 ? ms / 1000 : 0, lo = BUCKET_EXACT;
	int b = BUCKET_EXACT;

	if (s < BUCKET_EXACT)
		return (int)s;
	while (b < BUCKET_MAX && s >= lo + lo / 20) {
		lo += lo / 20;
		b++;
	}
	return b;
}

int64_t store_report_bucket_secs(int bucket)
{
	int64_t lo = BUCKET_EXACT;
	int b;

	if (bucket < BUCKET_EXACT)
		return bucket < 0 ? 0 : bucket;
	for (b = BUCKET_EXACT; b < bucket && b < BUCKET_MAX; b++)
		lo += lo / 20;
	return lo;
}

int64_t store_report_day(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The date of day number `z` (the inverse of store_report_day()). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* A day's month as report_months numbers them: year * 12 + month - 1. */
static int64_t month_of(int64_t day)
{
	int64_t y;
	int m, d;

	civil_from_days(day, &y, &m, &d);
	return y * 12 + m - 1;
}

/* The first day of month `month`. */
static int64_t month_start(int64_t month)
{
	return store_report_day(month / 12, (int)(month % 12) + 1, 1);
}

void store_report_local(int64_t ms, int64_t *day, int *hour)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm)) {
		*day = ms / 86400000;
		*hour = 0;
		return;
	}
	*day = store_report_day(tm.tm_year + 1900LL, tm.tm_mon + 1, tm.tm_mday);
	*hour = tm.tm_hour;
}

/* ---- keeping the figures ---------------------------------------------------- */

/* The chat's row: 0, -ENOENT (a chat older than reports, or none), or an error. */
static int row_get(struct store *st, int64_t chat_id, struct report_row *r)
{
	struct db_stmt *s = report_stmt(st, R_ROW_GET);
	int rc, i;

	if (!s)
		return -EIO;
	db_bind_int64(s, 1, chat_id);
	rc = db_step(s);
	if (rc == DB_ROW) {
		memset(r, 0, sizeof(*r));
		r->account_id = db_column_int64(s, 0);
		r->queue_id = db_column_int64(s, 1);
		r->operator_id = db_column_int64(s, 2);
		r->day = db_column_int64(s, 3);
		r->hour = db_column_int(s, 4);
		r->created_at = db_column_int64(s, 5);
		r->accepted_at = db_column_int64(s, 6);
		r->outcome = db_column_int(s, 7);
		for (i = 0; i < 6; i++)
			r->counter[STORE_REPORT_SNAPS_GUEST + i] = db_column_int64(s, 8 + i);
	}
	db_reset(s);
	if (rc == DB_ROW)
		return 0;
	return rc == DB_DONE ? -ENOENT : store_fail(st, "read chat report");
}

/* Add `delta` to the chat's hour in one scope. */
static int hours_add(struct store *st, const struct report_row *r, int64_t queue_id,
		     int64_t operator_id, const int64_t *delta)
{
	struct db_stmt *s = report_stmt(st, R_HOURS_ADD);
	int i;

	if (!s)
		return -EIO;
	db_bind_int64(s, 1, r->account_id);
	db_bind_int64(s, 2, queue_id);
	db_bind_int64(s, 3, operator_id);
	db_bind_int64(s, 4, r->day);
	db_bind_int(s, 5, r->hour);
	for (i = 0; i < STORE_REPORT_COUNTERS; i++)
		db_bind_int64(s, 6 + i, delta[i]);
	return report_run(st, s, "add to report hours");
}

/* Add `delta` to the account's and the queue's hour, and the operator's once they have it. */
static int scopes_add(struct store *st, const struct report_row *r, const int64_t *delta)
{
	int rc = hours_add(st, r, 0, 0, delta);

	if (!rc)
		rc = hours_add(st, r, r->queue_id, 0, delta);
	if (!rc && r->operator_id)
		rc = hours_add(st, r, 0, r->operator_id, delta);
	return rc;
}

/* Count one time of `metric` (0 wait, 1 length) in every scope of the chat. */
static int times_add(struct store *st, const struct report_row *r, int metric, int64_t ms)
{
	const int64_t scope[3][2] = { { 0, 0 }, { r->queue_id, 0 }, { 0, r->operator_id } };
	int i, rc;

	for (i = 0; i < 3; i++) {
		struct db_stmt *s = report_stmt(st, R_TIMES_ADD);

		if (!s)
			return -EIO;
		if (i == 2 && !r->operator_id)
			break;
		db_bind_int64(s, 1, r->account_id);
		db_bind_int64(s, 2, scope[i][0]);
		db_bind_int64(s, 3, scope[i][1]);
		db_bind_int64(s, 4, r->day);
		db_bind_int(s, 5, metric);
		db_bind_int(s, 6, store_report_bucket(ms));
		rc = report_run(st, s, "add report time");
		if (rc < 0)
			return rc;
		if (!(s = report_stmt(st, R_MONTHS_ADD)))
			return -EIO;
		db_bind_int64(s, 1, r->account_id);
		db_bind_int64(s, 2, scope[i][0]);
		db_bind_int64(s, 3, scope[i][1]);
		db_bind_int64(s, 4, month_of(r->day));
		db_bind_int(s, 5, metric);
		db_bind_int(s, 6, store_report_bucket(ms));
		rc = report_run(st, s, "add report month");
		if (rc < 0)
			return rc;
	}
	return 0;
}

int store_report_chat_added(struct store *st, const struct store_chat *c)
{
	struct db_stmt *s = report_stmt(st, R_ROW_ADD);
	int64_t delta[STORE_REPORT_COUNTERS] = { [STORE_REPORT_CHATS] = 1 };
	struct report_row r = { .account_id = c->account_id, .queue_id = c->queue_id };
	int rc;

	if (!s)
		return -EIO;
	store_report_local(c->created_at, &r.day, &r.hour);
	db_bind_int64(s, 1, c->id);
	db_bind_int64(s, 2, c->account_id);
	db_bind_int64(s, 3, c->queue_id);
	db_bind_int64(s, 4, r.day);
	db_bind_int(s, 5, r.hour);
	db_bind_int64(s, 6, c->created_at);
	rc = report_run(st, s, "add chat report");
	if (rc < 0)
		return rc;
	return db_changes(store_db(st)) ? scopes_add(st, &r, delta) : 0;
}

int store_report_chat_accepted(struct store *st, int64_t chat_id, int64_t operator_id, int64_t at)
{
	int64_t delta[STORE_REPORT_COUNTERS] = { [STORE_REPORT_ANSWERED] = 1 };
	struct report_row r;
	struct db_stmt *s;
	int rc = row_get(st, chat_id, &r);

	/* Older chats were counted by the migration; a chat is accepted once. */
	if (rc == -ENOENT || (!rc && r.outcome != OUTCOME_WAITING))
		return 0;
	if (rc < 0)
		return rc;
	s = report_stmt(st, R_ROW_ACCEPT);
	if (!s)
		return -EIO;
	db_bind_int64(s, 1, chat_id);
	db_bind_int64(s, 2, operator_id);
	db_bind_int64(s, 3, at);
	if ((rc = report_run(st, s, "accept chat report")) < 0)
		return rc;
	/* The account and the queue count the answer; the operator the whole chat so far. */
	if ((rc = hours_add(st, &r, 0, 0, delta)) < 0 ||
	    (rc = hours_add(st, &r, r.queue_id, 0, delta)) < 0)
		return rc;
	r.counter[STORE_REPORT_CHATS] = 1;
	r.counter[STORE_REPORT_ANSWERED] = 1;
	r.operator_id = operator_id;
	if (operator_id && (rc = hours_add(st, &r, 0, operator_id, r.counter)) < 0)
		return rc;
	return times_add(st, &r, 0, at - r.created_at);
}

/* The chat ended (`by` "guest", "operator" or "system") at `at`. */
static int chat_ended(struct store *st, int64_t chat_id, struct report_row *r, const char *by,
		      int64_t at)
{
	int64_t delta[STORE_REPORT_COUNTERS] = { 0 };
	int outcome = r->outcome;
	struct db_stmt *s = report_stmt(st, R_ROW_END);
	int rc;

	if (!s)
		return -EIO;
	/* Nobody accepted it: the guest gave up, or their box went away unanswered. */
	if (outcome == OUTCOME_WAITING) {
		outcome = by && !strcmp(by, "guest") ? OUTCOME_ABANDONED : OUTCOME_MISSED;
		delta[outcome == OUTCOME_ABANDONED ? STORE_REPORT_ABANDONED : STORE_REPORT_MISSED] = 1;
	}
	db_bind_int64(s, 1, chat_id);
	db_bind_int64(s, 2, at);
	db_bind_int(s, 3, outcome);
	if ((rc = report_run(st, s, "end chat report")) < 0)
		return rc;
	if (r->outcome == OUTCOME_WAITING)
		return scopes_add(st, r, delta);
	if (r->outcome == OUTCOME_ANSWERED)
		return times_add(st, r, 1, at - r->accepted_at);
	return 0;
}

/* Which counter a snapshot or share step adds to, or -1. */
static int event_counter(const struct store_event *ev, const char *step)
{
	if (!strcmp(ev->kind, "snapshot"))
		return ev->author == AUTHOR_GUEST ? STORE_REPORT_SNAPS_GUEST :
		       ev->author == AUTHOR_OPERATOR ? STORE_REPORT_SNAPS_OPERATOR : -1;
	if (!step)
		return -1;
	if (!strcmp(step, "invited"))
		return STORE_REPORT_SHARE_INVITED;
	if (!strcmp(step, "accepted"))
		return STORE_REPORT_SHARE_ACCEPTED;
	if (!strcmp(step, "declined"))
		return STORE_REPORT_SHARE_DECLINED;
	if (!strcmp(step, "blocked"))
		return STORE_REPORT_SHARE_BLOCKED;
	return -1;
}

/* Add one to counter `k` of the chat's row and its hours. */
static int counter_add(struct store *st, int64_t chat_id, const struct report_row *r, int k)
{
	int64_t delta[STORE_REPORT_COUNTERS] = { 0 };
	struct db_stmt *s = report_stmt(st, R_ROW_COUNT);
	int rc;

	if (!s)
		return -EIO;
	delta[k] = 1;
	db_bind_int64(s, 1, chat_id);
	for (int i = 0; i < 6; i++)
		db_bind_int64(s, 2 + i, delta[STORE_REPORT_SNAPS_GUEST + i]);
	if ((rc = report_run(st, s, "count chat report")) < 0)
		return rc;
	return scopes_add(st, r, delta);
}

int store_report_event_added(struct store *st, const struct store_event *ev)
{
	char notice[16] = "", by[16] = "", step[16] = "";
	struct report_row r;
	struct db_stmt *s;
	int rc, k;

	/* Messages, files and the rest count nothing: the common case costs one compare. */
	if (strcmp(ev->kind, "snapshot") && strcmp(ev->kind, "share") && strcmp(ev->kind, "notice"))
		return 0;
	if (strcmp(ev->kind, "snapshot")) {
		if (!(s = report_stmt(st, R_EVENT_BODY)))
			return -EIO;
		db_bind_text(s, 1, ev->body);
		if (db_step(s) == DB_ROW) {
			store_copy_text(notice, sizeof(notice), s, 0);
			store_copy_text(by, sizeof(by), s, 1);
			store_copy_text(step, sizeof(step), s, 2);
		}
		db_reset(s);
	}
	k = event_counter(ev, step);
	if (k < 0 && strcmp(notice, "ended"))
		return 0;
	rc = row_get(st, ev->chat_id, &r);
	if (rc < 0)
		return rc == -ENOENT ? 0 : rc;
	if (k >= 0)
		return counter_add(st, ev->chat_id, &r, k);
	return chat_ended(st, ev->chat_id, &r, by, ev->at);
}

/* ---- follow-ups ----------------------------------------------------------------- */

/* Where a follow-up counts: the local day and hour its question was left. */
static void followup_row(const struct store_followup *f, struct report_row *r)
{
	memset(r, 0, sizeof(*r));
	r->account_id = f->account_id;
	r->queue_id = f->queue_id;
	store_report_local(f->created_at, &r->day, &r->hour);
}

int store_report_followup_left(struct store *st, const struct store_followup *f)
{
	int64_t delta[STORE_REPORT_COUNTERS] = { [STORE_REPORT_FOLLOWUPS] = 1 };
	struct report_row r;

	followup_row(f, &r);
	return scopes_add(st, &r, delta);
}

int store_report_followup_outcome(struct store *st, const struct store_followup *f,
				  int64_t operator_id, int answered, int failed)
{
	int64_t delta[STORE_REPORT_COUNTERS] = {
		[STORE_REPORT_FOLLOWUPS_ANSWERED] = answered,
		[STORE_REPORT_FOLLOWUPS_FAILED] = failed,
	};
	struct report_row r;
	int rc;

	followup_row(f, &r);
	if ((rc = hours_add(st, &r, 0, 0, delta)) < 0 ||
	    (rc = hours_add(st, &r, r.queue_id, 0, delta)) < 0 || !operator_id)
		return rc;
	/* The operator's "left" is what they answered, so it moves with the outcome. */
	delta[STORE_REPORT_FOLLOWUPS] = answered + failed;
	return hours_add(st, &r, 0, operator_id, delta);
}

/* ---- the survey at the end of a chat ------------------------------------------- */

int store_report_survey_added(struct store *st, int64_t chat_id,
			      const struct store_survey_answer *a, int n)
{
	int64_t delta[STORE_REPORT_COUNTERS] = { [STORE_REPORT_SURVEYS] = 1 };
	struct report_row r;
	int rc = row_get(st, chat_id, &r), i;

	if (rc < 0)
		return rc == -ENOENT ? 0 : rc;
	for (i = 0; i < n; i++) {
		if (!strcmp(a[i].kind, "rating")) {
			delta[STORE_REPORT_SURVEY_RATINGS]++;
			delta[STORE_REPORT_SURVEY_RATING_SUM] += a[i].value;
		} else if (!strcmp(a[i].kind, "yes_no")) {
			delta[a[i].value ? STORE_REPORT_SURVEY_YES : STORE_REPORT_SURVEY_NO]++;
		} else if (!strcmp(a[i].kind, "comment")) {
			delta[STORE_REPORT_SURVEY_COMMENTS]++;
		}
	}
	/* The operator's row has the chat once they accepted it, as its other figures. */
	if (r.outcome != OUTCOME_ANSWERED)
		r.operator_id = 0;
	return scopes_add(st, &r, delta);
}

/* ---- reading a report --------------------------------------------------------- */

/* The `pct` percentile (nearest rank) of the counted buckets. */
static int64_t percentile(const int64_t *n, int nb, int64_t count, int pct)
{
	int64_t rank = (count * pct + 99) / 100, seen = 0;
	int b;

	for (b = 0; b < nb; b++) {
		seen += n[b];
		if (seen >= rank && n[b])
			return store_report_bucket_secs(b);
	}
	return 0;
}

static void times_fill(struct store_report_times *t, const int64_t *n)
{
	int b;

	t->count = 0;
	for (b = 0; b <= BUCKET_MAX; b++)
		t->count += n[b];
	t->p50 = t->count ? percentile(n, BUCKET_MAX + 1, t->count, 50) : 0;
	t->p90 = t->count ? percentile(n, BUCKET_MAX + 1, t->count, 90) : 0;
}

static void bind_filter(struct db_stmt *s, const struct store_report_filter *f)
{
	db_bind_int64(s, 1, f->account_id);
	db_bind_int64(s, 2, f->queue_id);
	db_bind_int64(s, 3, f->operator_id);
	db_bind_int64(s, 4, f->from_day);
	db_bind_int64(s, 5, f->to_day);
}

static int read_sums(struct store *st, const struct store_report_filter *f, struct store_report *out)
{
	struct db_stmt *s = report_stmt(st, R_SUM);
	int rc, i;

	if (!s)
		return -EIO;
	bind_filter(s, f);
	while ((rc = db_step(s)) == DB_ROW) {
		/* Monday is 0: day 0, 1970-01-01, was a Thursday. */
		int wd = (int)(((db_column_int64(s, 0) + 3) % 7 + 7) % 7);
		int hour = db_column_int(s, 1);

		if (hour >= 0 && hour < 24)
			out->by_hour[wd][hour] += db_column_int64(s, 2);
		for (i = 0; i < STORE_REPORT_COUNTERS; i++)
			out->counter[i] += db_column_int64(s, 2 + i);
	}
	db_reset(s);
	return rc == DB_DONE ? 0 : store_fail(st, "read report");
}

/* Add the buckets of `id` (R_TIMES by day, R_MONTHS by month) over [from, to] into `n`. */
static int add_times(struct store *st, enum report_stmt id, const struct store_report_filter *f,
		     int64_t from, int64_t to, int64_t (*n)[BUCKET_MAX + 1])
{
	struct db_stmt *s = report_stmt(st, id);
	int rc;

	if (!s)
		return -EIO;
	db_bind_int64(s, 1, f->account_id);
	db_bind_int64(s, 2, f->queue_id);
	db_bind_int64(s, 3, f->operator_id);
	db_bind_int64(s, 4, from);
	db_bind_int64(s, 5, to);
	while ((rc = db_step(s)) == DB_ROW) {
		int metric = db_column_int(s, 0), b = db_column_int(s, 1);

		if (metric >= 0 && metric < 2 && b >= 0 && b <= BUCKET_MAX)
			n[metric][b] += db_column_int64(s, 2);
	}
	db_reset(s);
	return rc == DB_DONE ? 0 : store_fail(st, "read report times");
}

/*
 * The times of the range: whole months from report_months, the days
 * before the first whole month and after the last one from report_times.
 */
static int read_times(struct store *st, const struct store_report_filter *f, struct store_report *out)
{
	int64_t (*n)[BUCKET_MAX + 1] = xcalloc(2, sizeof(*n));
	int64_t first = month_of(f->from_day), last = month_of(f->to_day);
	int rc;

	if (month_start(first) != f->from_day)
		first++;
	if (month_of(f->to_day + 1) == last)
		last--;
	if (first > last) {
		rc = add_times(st, R_TIMES, f, f->from_day, f->to_day, n);
	} else {
		rc = add_times(st, R_MONTHS, f, first, last, n);
		if (!rc && f->from_day < month_start(first))
			rc = add_times(st, R_TIMES, f, f->from_day, month_start(first) - 1, n);
		if (!rc && month_start(last + 1) <= f->to_day)
			rc = add_times(st, R_TIMES, f, month_start(last + 1), f->to_day, n);
	}
	if (!rc) {
		times_fill(&out->wait, n[0]);
		times_fill(&out->length, n[1]);
	}
	free(n);
	return rc;
}

int store_report_read(struct store *st, const struct store_report_filter *f,
		      struct store_report *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((f->queue_id && f->operator_id) || f->from_day > f->to_day)
		return -EINVAL;
	rc = read_sums(st, f, out);
	return rc < 0 ? rc : read_times(st, f, out);
}
