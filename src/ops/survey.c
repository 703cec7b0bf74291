/*
 * survey.c - the survey at the end of a chat (docs/PROTOCOL.md §2.13):
 * account admins set each queue's questions; the chat's guest, holding the
 * chat's token, reads them and sends the answers once the chat has ended.
 *
 * How it works: the questions are read when the guest asks and again when
 * the answers come, and each answer is checked against the question in its
 * place (chat/survey.c says what each kind takes).  The answers carry the
 * question's words, so Chat History shows what was asked even after an
 * admin changed the survey.  They are written through the writer with
 * their report figures; the store refuses a second survey of a chat.
 * Nothing here knows who the guest is beyond the chat: no address, no
 * cookie.  A comment is transcript text: once the chat's transcript was
 * deleted, a comment sent later is not kept (its answer still counts).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "chat/domain.h"
#include "chat/survey.h"
#include "net/http.h"
#include "ops/api.h"
#include "ops/app.h"
#include "ops/caller.h"
#include "ops/chat_ops.h"
#include "ops/errors.h"
#include "ops/routes.h"
#include "ops/survey.h"
#include "store/store.h"

_Static_assert(STORE_SURVEY_MAX == SURVEY_QUESTIONS_MAX, "store and rules agree on the survey's size");
_Static_assert(STORE_SURVEY_QUESTION_BYTES > SURVEY_QUESTION_CHARS_MAX * 4,
	       "a question's words fit the store's buffer");
_Static_assert(STORE_SURVEY_COMMENT_BYTES > SURVEY_COMMENT_CHARS_MAX * 4,
	       "a comment fits the store's buffer");

/* ---- the queue's questions (account admins) -------------------------------------- */

static json_t *questions_json(const struct store_survey_question *q, int n)
{
	json_t *list = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:s, s:s}", "kind", q[i].kind, "text",
						      q[i].text));
	return list;
}

/* The caller's account's queue named `name` into `q`: 0, or -ENOENT after answering 404. */
static int own_queue(struct http_req *req, const char *name, struct store_queue *q)
{
	if (!str_is_token(name, STORE_QUEUE_NAME_MAX, "-") ||
	    store_queue_by_name(req_app(req)->st, name, q) < 0 ||
	    q->account_id != caller_of(req)->op.account_id) {
		http_refuse(req, -ENOENT, "No such queue.");
		return -ENOENT;
	}
	return 0;
}

static void get_queue_survey(struct http_req *req, HTTP_PARAMS)
{
	struct store_survey_question q[STORE_SURVEY_MAX];
	struct store_queue queue;
	int n;

	if (own_queue(req, params[0], &queue) < 0)
		return;
	n = store_survey_questions(req_app(req)->st, queue.id, q);
	if (n < 0) {
		api_storage_failed(req, n);
		return;
	}
	http_json(req, 200, json_pack("{s:s, s:o}", "queue", queue.name, "questions",
				      questions_json(q, n)));
}

struct questions_set {
	struct store_survey_question q[STORE_SURVEY_MAX];
	int n;
};

static int questions_apply(struct store *st, struct api_write *w)
{
	struct questions_set *qs = w->ctx;
	int rc = store_survey_questions_set(st, w->q.id, qs->q, qs->n);

	return rc ? rc : api_audit_write(st, w);
}

static void questions_saved(struct api_write *w, int rc)
{
	struct questions_set *qs = w->ctx;

	if (rc < 0)
		api_storage_failed(w->req, rc);
	else
		http_json(w->req, 200, json_pack("{s:s, s:o}", "queue", w->q.name, "questions",
						 questions_json(qs->q, qs->n)));
	free(qs);
}

/* Read `list` into `qs`: 0, or -EINVAL / -E2BIG with `why` set for the message. */
static int parse_questions(json_t *list, struct questions_set *qs, const char **why)
{
	size_t i;
	json_t *item;

	*why = "Expected {\"questions\": [{\"kind\": \"rating\"|\"yes_no\"|\"comment\", "
	       "\"text\": 1-200 characters}, at most 3]}.";
	if (!json_is_array(list) || json_array_size(list) > SURVEY_QUESTIONS_MAX)
		return -EINVAL;
	json_array_foreach(list, i, item) {
		const char *kind, *text;
		int rc;

		if (json_unpack(item, "{s:s, s:s !}", "kind", &kind, "text", &text) ||
		    survey_kind_parse(kind) == SURVEY_NONE)
			return -EINVAL;
		if ((rc = survey_check_question(text)) < 0) {
			*why = rc == -E2BIG ? "A question is at most 200 characters."
					    : "A question is one line of text, not empty.";
			return rc;
		}
		snprintf(qs->q[i].kind, sizeof(qs->q[i].kind), "%s", kind);
		snprintf(qs->q[i].text, sizeof(qs->q[i].text), "%s", text);
	}
	qs->n = (int)json_array_size(list);
	return 0;
}

/* The audit entry names the questions' kinds, not their words, as for the invitation. */
static void audit_questions(struct api_write *w, const struct questions_set *qs)
{
	char d[STORE_AUDIT_DETAIL_BYTES] = "";

	for (int i = 0; i < qs->n; i++)
		api_audit_append(d, sizeof(d), "%s", qs->q[i].kind);
	api_audit_note(w, STORE_AUDIT_QUEUE_CHANGE, w->q.name, "survey questions: %s",
		       qs->n ? d : "none");
}

static void post_queue_survey(struct http_req *req, HTTP_PARAMS)
{
	struct questions_set *qs;
	struct store_queue queue;
	struct api_write *w;
	const char *why = NULL;
	json_t *body;

	if (own_queue(req, params[0], &queue) < 0 || !(body = api_body(req)))
		return;
	qs = xcalloc(1, sizeof(*qs));
	if (json_object_size(body) != 1 ||
	    parse_questions(json_object_get(body, "questions"), qs, &why) < 0) {
		json_decref(body);
		free(qs);
		api_bad_request(req, why ? why : "Expected {\"questions\": [...]}.");
		return;
	}
	json_decref(body);
	w = api_write_new(req);
	w->q = queue;
	w->ctx = qs;
	audit_questions(w, qs);
	api_submit(w, questions_apply, questions_saved);
}

/* ---- the guest's side -------------------------------------------------------------- */

/*
 * The chat of a guest route: its guest only (staff, another chat's token
 * and a made-up id get the same 404).  Fills `row`; NULL after answering.
 */
static struct chat_live *guest_chat(struct http_req *req, const char *id, struct store_chat *row)
{
	enum event_author author;
	struct chat_live *chat = caller_chat(req, id, &author);

	if (!chat || author != AUTHOR_GUEST || store_chat_get(req_app(req)->st, chat->id, row) < 0) {
		if (chat)
			chat_ops_forget(req_app(req), chat);
		http_refuse(req, -ENOENT, "No such chat.");
		return NULL;
	}
	return chat;
}

static void get_chat_survey(struct http_req *req, HTTP_PARAMS)
{
	struct store_survey_question q[STORE_SURVEY_MAX];
	struct store_survey_answer a[STORE_SURVEY_MAX];
	struct store *st = req_app(req)->st;
	struct store_chat row;
	struct chat_live *chat = guest_chat(req, params[0], &row);
	int n, answered;

	if (!chat)
		return;
	n = store_survey_questions(st, row.queue_id, q);
	answered = n < 0 ? n : store_survey_answers(st, row.id, a);
	chat_ops_forget(req_app(req), chat);
	if (answered < 0) {
		api_storage_failed(req, answered);
		return;
	}
	http_json(req, 200, json_pack("{s:o, s:b, s:b}", "questions", questions_json(q, n),
				      "ended", row.status == CHAT_ENDED, "answered", answered > 0));
}

struct answers_set {
	struct store_survey_answer a[STORE_SURVEY_MAX];
	int n;
};

/*
 * Check answer `v` to question `q` and add it to `as` (null: skipped).
 * 0, or -EINVAL / -E2BIG with `why` set.
 */
static int parse_answer(json_t *v, int pos, const struct store_survey_question *q, bool keep_text,
			struct answers_set *as, const char **why)
{
	struct store_survey_answer *a = &as->a[as->n];
	enum survey_kind kind = survey_kind_parse(q->kind);
	int rc;

	if (json_is_null(v))
		return 0;
	memset(a, 0, sizeof(*a));
	if (kind == SURVEY_RATING) {
		*why = "A rating is a whole number from 1 to 5.";
		if (!json_is_integer(v) || !survey_rating_is_valid(json_integer_value(v)))
			return -EINVAL;
		a->value = (int)json_integer_value(v);
	} else if (kind == SURVEY_YES_NO) {
		*why = "A yes or no answer is true or false.";
		if (!json_is_boolean(v))
			return -EINVAL;
		a->value = json_is_true(v);
	} else {
		*why = "A comment is text of 1-500 characters.";
		if (!json_is_string(v))
			return -EINVAL;
		if ((rc = survey_check_comment(json_string_value(v))) < 0) {
			if (rc == -E2BIG)
				*why = "A comment is at most 500 characters.";
			return rc;
		}
		if (keep_text)
			snprintf(a->comment, sizeof(a->comment), "%s", json_string_value(v));
	}
	a->pos = pos;
	memcpy(a->kind, q->kind, sizeof(a->kind));
	memcpy(a->question, q->text, sizeof(a->question));
	as->n++;
	return 0;
}

static int answers_apply(struct store *st, struct api_write *w)
{
	struct answers_set *as = w->ctx;

	return store_survey_answers_add(st, w->id, as->a, as->n, w->expires);
}

static void answers_saved(struct api_write *w, int rc)
{
	free(w->ctx);
	if (rc == -EEXIST)
		http_error(w->req, 409, "already_answered", "This chat's survey has been answered already.");
	else if (rc < 0)
		api_storage_failed(w->req, rc);
	else
		http_json(w->req, 200, json_pack("{s:b}", "ok", 1));
}

/* Read the body's answers against the questions: 0, or an error answered already. */
static int read_answers(struct http_req *req, json_t *body, const struct store_survey_question *q,
			int nq, bool keep_text, struct answers_set *as)
{
	json_t *list = json_object_get(body, "answers"), *v;
	const char *why = NULL;
	size_t i;
	int rc;

	if (json_object_size(body) != 1 || !json_is_array(list) || !json_array_size(list)) {
		api_bad_request(req, "Expected {\"answers\": [one per question, in order; null to skip]}.");
		return -EINVAL;
	}
	if ((int)json_array_size(list) > nq) {
		api_bad_request(req, "There are more answers than questions.");
		return -EINVAL;
	}
	json_array_foreach(list, i, v) {
		if ((rc = parse_answer(v, (int)i, &q[i], keep_text, as, &why)) < 0) {
			if (rc == -E2BIG)
				http_error(req, 400, "too_long", why);
			else
				api_bad_request(req, why);
			return rc;
		}
	}
	if (!as->n) {
		api_bad_request(req, "No question was answered; to skip the survey, send nothing.");
		return -EINVAL;
	}
	return 0;
}

static void post_chat_survey(struct http_req *req, HTTP_PARAMS)
{
	struct store_survey_question q[STORE_SURVEY_MAX];
	struct store_chat row;
	struct chat_live *chat = guest_chat(req, params[0], &row);
	struct answers_set *as = NULL;
	struct api_write *w;
	json_t *body = NULL;
	int nq;

	if (!chat)
		return;
	nq = store_survey_questions(req_app(req)->st, row.queue_id, q);
	if (nq < 0) {
		api_storage_failed(req, nq);
		goto out;
	}
	if (!nq) {
		http_error(req, 409, "no_survey", "This chat's queue asks no questions.");
		goto out;
	}
	/* Answers describe a chat that is over: a running chat could still change. */
	if (row.status != CHAT_ENDED) {
		http_error(req, 409, "not_ended", "The survey can be answered once the chat has ended.");
		goto out;
	}
	if (!(body = api_body(req)))
		goto out;
	as = xcalloc(1, sizeof(*as));
	if (read_answers(req, body, q, nq, !row.deleted_at, as) < 0)
		goto out;
	w = api_write_new(req);
	w->id = row.id;
	w->expires = time_now_ms(); /* when the answers were given */
	w->ctx = as;
	as = NULL;
	api_submit(w, answers_apply, answers_saved);
out:
	free(as);
	json_decref(body);
	chat_ops_forget(req_app(req), chat);
}

/* ---- Chat History ------------------------------------------------------------------ */

json_t *survey_answers_json(struct app *app, int64_t chat_id)
{
	struct store_survey_answer a[STORE_SURVEY_MAX];
	int n = store_survey_answers(app->st, chat_id, a);
	json_t *list, *answer;

	if (n < 0)
		return NULL;
	list = json_array();
	for (int i = 0; i < n; i++) {
		if (!strcmp(a[i].kind, "rating"))
			answer = json_integer(a[i].value);
		else if (!strcmp(a[i].kind, "yes_no"))
			answer = json_boolean(a[i].value);
		else
			answer = a[i].comment[0] ? json_string(a[i].comment) : json_null();
		json_array_append_new(list, json_pack("{s:s, s:s, s:o}", "kind", a[i].kind,
						      "question", a[i].question, "answer", answer));
	}
	return list;
}

const struct http_route survey_routes[] = {
	{ HTTP_GET, "/api/admin/queues/*/survey", ACCESS_ADMIN, NULL, get_queue_survey },
	{ HTTP_POST, "/api/admin/queues/*/survey", ACCESS_ADMIN, NULL, post_queue_survey },
	{ HTTP_GET, "/api/chats/*/survey", ACCESS_ANYONE, NULL, get_chat_survey },
	{ HTTP_POST, "/api/chats/*/survey", ACCESS_ANYONE, NULL, post_chat_survey },
};
const size_t survey_nroutes = ARRAY_SIZE(survey_routes);
