/*
 * survey.c - a queue's survey questions and a chat's answers (store.h), in
 * `survey_questions` and `survey_answers` (schema.c, migration 16).
 *
 * How it works: saving a queue's questions replaces them all, so adding,
 * editing, reordering and removing are one write and the positions stay
 * 0..n-1.  A chat's answers are inserted in one transaction with their
 * report figures (report.c); the primary key (chat, position) and a check
 * for any earlier answer make a second survey of the same chat -EEXIST.
 * Statements are prepared per call: a survey is written once per chat.
 */
#include <errno.h>
#include <string.h>

#include "store/store_int.h"

/* Step a write of `s` and finalize it: 0 or an error. */
static int step_done(struct store *st, struct db_stmt *s, const char *what)
{
	int rc = db_step(s);

	db_finalize(s);
	return rc == DB_DONE ? 0 : store_fail(st, what);
}

int store_survey_questions(struct store *st, int64_t queue_id,
			   struct store_survey_question *out)
{
	struct db_stmt *s;
	int rc, n = 0;

	if (db_prepare(store_db(st), "SELECT kind, text FROM survey_questions "
		       "WHERE queue_id = ?1 ORDER BY pos", &s) < 0)
		return store_fail(st, "read survey questions");
	db_bind_int64(s, 1, queue_id);
	while ((rc = db_step(s)) == DB_ROW && n < STORE_SURVEY_MAX) {
		store_copy_text(out[n].kind, sizeof(out[n].kind), s, 0);
		store_copy_text(out[n].text, sizeof(out[n].text), s, 1);
		n++;
	}
	db_finalize(s);
	if (rc != DB_DONE && rc != DB_ROW)
		return store_fail(st, "read survey questions");
	return n;
}

int store_survey_questions_set(struct store *st, int64_t queue_id,
			       const struct store_survey_question *q, int n)
{
	struct db_stmt *s;
	int i, rc;

	if (n < 0 || n > STORE_SURVEY_MAX)
		return -EINVAL;
	if (db_prepare(store_db(st), "DELETE FROM survey_questions WHERE queue_id = ?1", &s) < 0)
		return store_fail(st, "clear survey questions");
	db_bind_int64(s, 1, queue_id);
	if ((rc = step_done(st, s, "clear survey questions")) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (db_prepare(store_db(st), "INSERT INTO survey_questions(queue_id, pos, "
			       "kind, text) VALUES (?1, ?2, ?3, ?4)", &s) < 0)
			return store_fail(st, "add survey question");
		db_bind_int64(s, 1, queue_id);
		db_bind_int(s, 2, i);
		db_bind_text(s, 3, q[i].kind);
		db_bind_text(s, 4, q[i].text);
		if ((rc = step_done(st, s, "add survey question")) < 0)
			return rc;
	}
	return 0;
}

int store_survey_answers(struct store *st, int64_t chat_id, struct store_survey_answer *out)
{
	struct db_stmt *s;
	int rc, n = 0;

	if (db_prepare(store_db(st), "SELECT pos, kind, question, coalesce(value, 0), comment "
		       "FROM survey_answers WHERE chat_id = ?1 ORDER BY pos", &s) < 0)
		return store_fail(st, "read survey answers");
	db_bind_int64(s, 1, chat_id);
	while ((rc = db_step(s)) == DB_ROW && n < STORE_SURVEY_MAX) {
		out[n].pos = db_column_int(s, 0);
		store_copy_text(out[n].kind, sizeof(out[n].kind), s, 1);
		store_copy_text(out[n].question, sizeof(out[n].question), s, 2);
		out[n].value = db_column_int(s, 3);
		store_copy_text(out[n].comment, sizeof(out[n].comment), s, 4);
		n++;
	}
	db_finalize(s);
	if (rc != DB_DONE && rc != DB_ROW)
		return store_fail(st, "read survey answers");
	return n;
}

/* 1 when the chat has answers, 0 when not, or an error. */
static int has_answers(struct store *st, int64_t chat_id)
{
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), "SELECT 1 FROM survey_answers WHERE chat_id = ?1 LIMIT 1",
		       &s) < 0)
		return store_fail(st, "find survey answers");
	db_bind_int64(s, 1, chat_id);
	rc = db_step(s);
	db_finalize(s);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : store_fail(st, "find survey answers");
}

static int add_answer(struct store *st, int64_t chat_id, const struct store_survey_answer *a,
		      int64_t at)
{
	struct db_stmt *s;
	bool comment = !strcmp(a->kind, "comment");

	/* A comment is transcript text: none is kept for a chat whose transcript is
	 * gone, decided here in the write, after any deletion queued before it. */
	if (db_prepare(store_db(st), "INSERT INTO survey_answers(chat_id, pos, kind, "
		       "question, value, comment, at) VALUES (?1, ?2, ?3, ?4, ?5, "
		       "(SELECT ?6 FROM chats WHERE id = ?1 AND deleted_at IS NULL), ?7)", &s) < 0)
		return store_fail(st, "add survey answer");
	db_bind_int64(s, 1, chat_id);
	db_bind_int(s, 2, a->pos);
	db_bind_text(s, 3, a->kind);
	db_bind_text(s, 4, a->question);
	if (comment)
		db_bind_null(s, 5);
	else
		db_bind_int(s, 5, a->value);
	db_bind_text(s, 6, comment ? a->comment : NULL);
	db_bind_int64(s, 7, at);
	return step_done(st, s, "add survey answer");
}

int store_survey_answers_add(struct store *st, int64_t chat_id,
			     const struct store_survey_answer *a, int n, int64_t at)
{
	int rc, i;

	if (n < 1 || n > STORE_SURVEY_MAX)
		return -EINVAL;
	rc = has_answers(st, chat_id);
	if (rc)
		return rc > 0 ? -EEXIST : rc;
	for (i = 0; i < n; i++)
		if ((rc = add_answer(st, chat_id, &a[i], at)) < 0)
			return rc;
	return store_report_survey_added(st, chat_id, a, n);
}
