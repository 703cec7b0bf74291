/*
 * canned.c - saved replies, "canned answers" (PROTOCOL.md §2.8).
 *
 * Each account has shared replies, which its admins write, and each
 * operator has replies of their own.  An operator lists both; a reply is
 * found only within the caller's reach: another account's reply, or
 * another operator's own, answers 404 exactly like a missing one, even to
 * an admin.  A shared reply is visible to every operator of the account,
 * so an operator who may not change it is told so (403) rather than told
 * it is missing.  Writes go through the writer; the store checks the count
 * limit and the owner again inside the write, so two requests at once
 * cannot pass the limit or touch a reply that changed meanwhile.
 *
 * The text is stored as written, placeholders and all ({guest}, {me},
 * {queue}); the webclient fills them in when a reply is inserted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "base/util.h"
#include "chat/domain.h"
#include "net/http.h"
#include "ops/api.h"
#include "ops/app.h"
#include "ops/caller.h"
#include "ops/errors.h"
#include "ops/routes.h"

#define CANNED_MAX 200 /* replies per operator, and shared ones per account */

static json_t *canned_json(const struct store_canned *c)
{
	return json_pack("{s:I, s:s, s:s, s:b}", "id", (json_int_t)c->id, "name", c->name,
			 "text", c->text, "shared", c->operator_id == 0);
}

/*
 * A name is one short line: 1-40 characters, no space at either end, and
 * nothing that text_clean_line() would change (line breaks, tabs, other
 * control characters, invisible or direction-changing characters).
 */
bool canned_name_is_valid(const char *s)
{
	char clean[STORE_CANNED_NAME_BYTES];
	size_t n = strlen(s);

	if (!n || n >= sizeof(clean) || s[0] == ' ' || s[n - 1] == ' ' ||
	    utf8_count(s, n) > STORE_CANNED_NAME_MAX)
		return false;
	return text_clean_line(s, clean, sizeof(clean)) == n && !memcmp(clean, s, n);
}

/* A text is what a message may be: 1-4,000 characters, not only spaces; lines and tabs. */
static bool canned_valid_text(const char *s)
{
	size_t n = strlen(s), i;
	bool visible = false;

	for (i = 0; i < n; i++) {
		unsigned char b = (unsigned char)s[i];

		if ((b < 0x20 && b != '\n' && b != '\t' && b != '\r') || b == 0x7f)
			return false;
		if (b != ' ' && b != '\n' && b != '\t' && b != '\r')
			visible = true;
	}
	return visible && utf8_count(s, n) <= CHAT_TEXT_MAX;
}

static const char canned_expected[] =
	"Expected {\"name\": 1-40 characters on one line, \"text\": 1-4,000 characters}.";

/* ---- reading ------------------------------------------------------------------------ */

static int list_one(void *arg, const struct store_canned *c)
{
	json_array_append_new(arg, canned_json(c));
	return 0;
}

static void get_canned(struct http_req *req, HTTP_PARAMS)
{
	const struct store_operator *op = &caller_of(req)->op;
	json_t *list = json_array();

	(void)params;
	if (store_canned_list(req_app(req)->st, op->account_id, op->id, list_one, list) < 0) {
		json_decref(list);
		http_refuse(req, -EIO, NULL);
		return;
	}
	http_json(req, 200, json_pack("{s:o, s:i}", "canned", list, "max", CANNED_MAX));
}

/*
 * The reply a path names, if the caller may see it (else 404), and change
 * it (a shared one needs an admin: else 403).  0, or an error once answered.
 */
static int canned_find_own(struct http_req *req, const char *param, struct store_canned *c)
{
	const struct store_operator *op = &caller_of(req)->op;
	char *end;
	long long id = strtoll(param, &end, 10);

	if (*end || id <= 0 || store_canned_get(req_app(req)->st, id, c) < 0 ||
	    c->account_id != op->account_id || (c->operator_id && c->operator_id != op->id)) {
		http_refuse(req, -ENOENT, "No such saved reply.");
		return -ENOENT;
	}
	if (!c->operator_id && !op->is_admin) {
		http_error(req, 403, "forbidden", "Only account admins may change shared replies.");
		return -EACCES;
	}
	return 0;
}

/* ---- writing ------------------------------------------------------------------------ */

static int add_apply(struct store *st, struct api_write *w)
{
	return store_canned_add(st, w->ctx, CANNED_MAX);
}

static int update_apply(struct store *st, struct api_write *w)
{
	return store_canned_update(st, w->ctx);
}

static int delete_apply(struct store *st, struct api_write *w)
{
	const struct store_canned *c = w->ctx;

	return store_canned_delete(st, c->id, c->account_id, c->operator_id);
}

static void canned_written(struct api_write *w, int rc)
{
	struct store_canned *c = w->ctx;

	if (rc == -EDQUOT) {
		char msg[160];

		snprintf(msg, sizeof(msg), "%s already %s %d saved replies, the most there may be; "
			 "delete one first.", c->operator_id ? "You" : "Your account",
			 c->operator_id ? "have" : "has", CANNED_MAX);
		http_error(w->req, 409, "too_many", msg);
	} else if (rc < 0) {
		api_storage_failed(w->req, rc);
	} else if (w->flag) {
		http_json(w->req, 200, json_object());
	} else {
		http_json(w->req, w->found ? 201 : 200, canned_json(c));
	}
	free(c);
}

static void post_canned(struct http_req *req, HTTP_PARAMS)
{
	const struct store_operator *op = &caller_of(req)->op;
	const char *name, *text;
	struct store_canned *c;
	struct api_write *w;
	int shared = 0;
	json_t *body;

	(void)params;
	if (!(body = api_body(req)))
		return;
	if (json_unpack(body, "{s:s, s:s, s?b !}", "name", &name, "text", &text,
			"shared", &shared) || !canned_name_is_valid(name) || !canned_valid_text(text)) {
		json_decref(body);
		api_bad_request(req, "Expected {\"name\": 1-40 characters on one line, \"text\": "
				     "1-4,000 characters, \"shared\"?: true|false}.");
		return;
	}
	if (shared && !op->is_admin) {
		json_decref(body);
		http_error(req, 403, "forbidden", "Only account admins may add shared replies.");
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->account_id = op->account_id;
	c->operator_id = shared ? 0 : op->id;
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->text, sizeof(c->text), "%s", text);
	json_decref(body);
	w = api_write_new(req);
	w->ctx = c;
	w->found = true; /* created: 201 */
	api_submit(w, add_apply, canned_written);
}

static void post_canned_item(struct http_req *req, HTTP_PARAMS)
{
	const char *name = NULL, *text = NULL;
	struct store_canned *c = xmalloc(sizeof(*c));
	struct api_write *w;
	json_t *body;

	if (canned_find_own(req, params[0], c) < 0 || !(body = api_body(req))) {
		free(c);
		return;
	}
	if (json_unpack(body, "{s?s, s?s !}", "name", &name, "text", &text) || (!name && !text) ||
	    (name && !canned_name_is_valid(name)) || (text && !canned_valid_text(text))) {
		json_decref(body);
		free(c);
		api_bad_request(req, canned_expected);
		return;
	}
	if (name)
		snprintf(c->name, sizeof(c->name), "%s", name);
	if (text)
		snprintf(c->text, sizeof(c->text), "%s", text);
	c->updated_at = 0;
	json_decref(body);
	w = api_write_new(req);
	w->ctx = c;
	api_submit(w, update_apply, canned_written);
}

static void post_canned_delete(struct http_req *req, HTTP_PARAMS)
{
	struct store_canned *c = xmalloc(sizeof(*c));
	struct api_write *w;

	if (canned_find_own(req, params[0], c) < 0) {
		free(c);
		return;
	}
	w = api_write_new(req);
	w->ctx = c;
	w->flag = true; /* answer {} */
	api_submit(w, delete_apply, canned_written);
}

const struct http_route canned_routes[] = {
	{ HTTP_GET, "/api/canned", ACCESS_OPERATOR, NULL, get_canned },
	{ HTTP_POST, "/api/canned", ACCESS_OPERATOR, NULL, post_canned },
	{ HTTP_POST, "/api/canned/*", ACCESS_OPERATOR, NULL, post_canned_item },
	{ HTTP_POST, "/api/canned/*/delete", ACCESS_OPERATOR, NULL, post_canned_delete },
};
const size_t canned_nroutes = ARRAY_SIZE(canned_routes);

void canned_print_limits(FILE *out)
{
	limit_print(out, "canned_max", CANNED_MAX, "replies",
		    "saved replies per operator, and shared ones per account");
	limit_print(out, "canned_name_chars", STORE_CANNED_NAME_MAX, "chars", "a saved reply's name");
}
