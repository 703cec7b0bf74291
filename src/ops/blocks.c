/*
 * blocks.c - Block guest (PROTOCOL.md §2.14): the operator who holds a chat
 * ends it and refuses new chats from the same client address, for the
 * account, for 1 to 24 hours; an admin lists the active blocks and lifts one.
 *
 * How it works: the address is never kept.  Each guest socket's address
 * (the peer's, or what a trusted proxy reported) is turned into a keyed hash
 * as the socket opens (client.c), and the chat a guest starts keeps that
 * hash (chat_ops.c); blocking copies it into the in-memory list of
 * chat/blocks.h, which chat.start consults.  A restart forgets every block
 * (and the key: nothing could be matched again).  The audit log records who
 * blocked, when, why and for how long, with the chat's id and never the
 * address; the entry is written after the block holds, and a failed write
 * lifts it again, so no block goes unrecorded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "base/util.h"
#include "chat/blocks.h"
#include "chat/domain.h"
#include "net/http.h"
#include "ops/api.h"
#include "ops/app.h"
#include "ops/caller.h"
#include "ops/chat_ops.h"
#include "ops/errors.h"
#include "ops/routes.h"

static json_t *block_json(const struct block *b)
{
	return json_pack("{s:I, s:s, s:s, s:i, s:I, s:I, s:{s:I, s:s}}", "id", (json_int_t)b->id,
			 "chat", b->chat, "reason", b->reason, "hours", b->hours, "created_at",
			 (json_int_t)b->created_at, "until", (json_int_t)b->until, "operator", "id",
			 (json_int_t)b->operator_id, "name", b->operator_name);
}

/* A reason is one line of 1-200 characters, as text_clean_line() leaves it. */
static bool reason_is_valid(const char *s)
{
	char clean[BLOCK_REASON_BYTES];
	size_t n = strlen(s);

	if (!n || n >= sizeof(clean) || utf8_count(s, n) > BLOCK_REASON_MAX)
		return false;
	return text_clean_line(s, clean, sizeof(clean)) == n && !memcmp(clean, s, n) &&
	       strspn(s, " ") < n;
}

/* ---- blocking ------------------------------------------------------------------------ */

static int audit_apply(struct store *st, struct api_write *w)
{
	return api_audit_write(st, w);
}

/* A block on its way to the store, with the chat it ends. */
struct block_req {
	struct block b;
	int64_t chat_id;
};

static void blocked(struct api_write *w, int rc)
{
	struct block_req *br = w->ctx;
	struct block *b = &br->b;
	struct chat_live *chat = domain_chat(&w->app->dom, br->chat_id);

	if (rc < 0) {
		/* Unrecorded, it may not stand: the chat has ended all the same. */
		blocks_lift(&w->app->blocks, b->id, b->account_id, time_now_ms(), NULL);
		api_storage_failed(w->req, rc);
	} else if (chat && chat->status != CHAT_ENDED) {
		/* The chat's end, written just before, failed and was undone: the
		 * guest is still chatting, so the block does not stand either. */
		blocks_lift(&w->app->blocks, b->id, b->account_id, time_now_ms(), NULL);
		http_error(w->req, 503, "busy", "The chat could not be ended, so the guest was "
			   "not blocked; try again.");
	} else {
		http_json(w->req, 200, json_pack("{s:o}", "block", block_json(b)));
	}
	free(br);
}

/* The block a request asks for, filled from its body: 0, or an error once answered. */
static int block_from_body(struct http_req *req, struct block *b)
{
	const char *reason = "";
	json_int_t hours = 1;
	json_t *body = api_body(req);

	if (!body)
		return -EINVAL;
	if (json_unpack(body, "{s:s, s?I !}", "reason", &reason, "hours", &hours) ||
	    !reason_is_valid(reason) || hours < 1 || hours > BLOCK_HOURS_MAX) {
		json_decref(body);
		api_bad_request(req, "Expected {\"reason\": 1-200 characters on one line, "
				     "\"hours\"?: 1-24 (1 if left out)}.");
		return -EINVAL;
	}
	str_copy(b->reason, sizeof(b->reason), reason);
	b->hours = (int)hours;
	json_decref(body);
	return 0;
}

static void post_block(struct http_req *req, HTTP_PARAMS)
{
	struct app *app = req_app(req);
	const struct store_operator *op = &caller_of(req)->op;
	struct block_req *br = xcalloc(1, sizeof(*br));
	struct block *b = &br->b;
	struct chat_live *chat = chat_ops_chat(app, params[0], NULL, op);
	struct api_write *w;
	int rc;

	if (!chat) {
		http_refuse(req, -ENOENT, "No such chat.");
		goto fail;
	}
	if ((rc = chat_may_block(chat, op->id)) < 0) {
		http_refuse(req, rc, NULL);
		goto fail;
	}
	if (block_from_body(req, b) < 0)
		goto fail;
	if (!chat->has_guest_key) {
		http_error(req, 409, "no_address", "This guest's connection is not known (the chat "
			   "began before the server restarted), so it cannot be blocked.");
		goto fail;
	}
	b->account_id = chat->account_id;
	b->operator_id = op->id;
	str_copy(b->operator_name, sizeof(b->operator_name), op->name);
	str_copy(b->chat, sizeof(b->chat), chat->public_id);
	memcpy(b->key, chat->guest_key, sizeof(b->key));
	b->created_at = time_now_ms();
	b->until = b->created_at + (int64_t)b->hours * app->cfg->block_hour_secs * 1000;
	if ((rc = blocks_add(&app->blocks, b, b->created_at)) == -EDQUOT) {
		http_error(req, 409, "too_many_blocks", "This library already has the most active "
			   "blocks it may have; an admin can lift some on the admin page.");
		goto fail;
	}
	if (rc < 0 || (rc = chat_ops_end(app, chat, "operator")) < 0) {
		if (rc != -ENOSPC)
			blocks_lift(&app->blocks, b->id, b->account_id, b->created_at, NULL);
		http_error(req, 503, "busy", "The guest could not be blocked now; try again.");
		goto fail;
	}
	br->chat_id = chat->id;
	domain_chat_maybe_forget(&app->dom, chat);
	w = api_write_new(req);
	w->ctx = br;
	api_audit_note(w, STORE_AUDIT_GUEST_BLOCK, b->chat, "for %d hour%s: %s", b->hours,
		       b->hours == 1 ? "" : "s", b->reason);
	api_submit(w, audit_apply, blocked);
	return;
fail:
	if (chat)
		domain_chat_maybe_forget(&app->dom, chat);
	free(br);
}

/* ---- the admin's list ------------------------------------------------------------------ */

static int list_one(void *arg, const struct block *b)
{
	return json_array_append_new(arg, block_json(b));
}

static void get_blocks(struct http_req *req, HTTP_PARAMS)
{
	json_t *list = json_array();

	(void)params;
	blocks_each(&req_app(req)->blocks, caller_of(req)->op.account_id, time_now_ms(), list_one,
		    list);
	http_json(req, 200, json_pack("{s:o, s:i}", "blocks", list, "max_hours", BLOCK_HOURS_MAX));
}

static void lifted(struct api_write *w, int rc)
{
	struct block *b = w->ctx;

	/* Until the lift is recorded the block held; unrecorded, it stays. */
	blocks_lift_end(&w->app->blocks, b->id, rc >= 0);
	if (rc < 0)
		api_storage_failed(w->req, rc);
	else
		http_json(w->req, 200, json_object());
	free(b);
}

static void post_lift(struct http_req *req, HTTP_PARAMS)
{
	const struct store_operator *op = &caller_of(req)->op;
	struct block *b = xcalloc(1, sizeof(*b));
	struct api_write *w;
	char *end;
	long long id = strtoll(params[0], &end, 10);

	int rc = *end || id <= 0 ? -ENOENT :
		 blocks_lift_begin(&req_app(req)->blocks, id, op->account_id, time_now_ms(), b);

	if (rc == -EBUSY) {
		free(b);
		http_error(req, 409, "busy", "This block is being lifted already.");
		return;
	}
	if (rc < 0) {
		free(b);
		http_refuse(req, -ENOENT, "No such block (it may have ended).");
		return;
	}
	w = api_write_new(req);
	w->ctx = b;
	api_audit_note(w, STORE_AUDIT_GUEST_UNBLOCK, b->chat, "block %lld by %s lifted",
		       (long long)b->id, b->operator_name);
	api_submit(w, audit_apply, lifted);
}

const struct http_route blocks_routes[] = {
	{ HTTP_POST, "/api/chats/*/block", ACCESS_OPERATOR, NULL, post_block },
	{ HTTP_GET, "/api/admin/blocks", ACCESS_ADMIN, NULL, get_blocks },
	{ HTTP_POST, "/api/admin/blocks/*/lift", ACCESS_ADMIN, NULL, post_lift },
};
const size_t blocks_nroutes = ARRAY_SIZE(blocks_routes);

void blocks_print_limits(FILE *out)
{
	limit_print(out, "block_hours", BLOCK_HOURS_MAX, "hours", "the longest Block guest");
	limit_print(out, "block_reason_chars", BLOCK_REASON_MAX, "chars", "a block's reason");
	limit_print(out, "blocks_max", BLOCKS_MAX, "blocks", "active blocks, all accounts together");
	limit_print(out, "blocks_per_account", BLOCKS_PER_ACCOUNT_MAX, "blocks",
		    "active blocks of one account");
}
