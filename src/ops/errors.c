/*
 * errors.c - see errors.h.
 */
#include "ops/errors.h"

#include <errno.h>
#include <stdio.h>

#include "base/types.h"
#include "base/util.h"
#include "net/http.h"
#include "ops/client.h"

static const struct op_error errors[] = {
	{ -ENOENT, "not_found", 404, "Nothing here." },
	{ -ECANCELED, "chat_ended", 409, "The chat has ended." },
	{ -EPERM, "not_holder", 403, "Only the operator who holds the chat may do that." },
	{ -EAGAIN, "chat_waiting", 403, "Nobody has accepted the chat yet." },
	{ -EALREADY, "taken", 409, "Another operator took this chat." },
	{ -ENOTOFFERED, "not_offered", 403,
	  "Only operators available on the chat's queue may accept it." },
	{ -EINVAL, "bad_request", 400, "The request is not valid." },
	{ -EBADMSG, "bad_message", 400, "Bad message." },
	{ -EEXIST, "exists", 409, "That name is already taken." },
	{ -EACCES, "forbidden", 403, "You may not do that." },
	{ -E2BIG, "too_large", 413, "That is over the size limit." },
	{ -EBUSY, "busy", 503, "The server is busy; try again in a moment." },
};

static const struct op_error storage = {
	-EIO, "storage", 503, "The server could not save this; try again."
};

const struct op_error *op_error_of(int rc)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errors); i++)
		if (errors[i].rc == rc)
			return &errors[i];
	return &storage;
}

void client_refuse(struct client *c, const char *id, int rc, const char *message)
{
	const struct op_error *e = op_error_of(rc);

	client_error(c, id, e->code, message ? message : e->message);
}

void client_bad_fields(struct client *c, const char *id, const json_error_t *err)
{
	char msg[200];

	snprintf(msg, sizeof(msg), "Bad message: %s", err->text);
	client_refuse(c, id, -EBADMSG, msg);
}

void http_refuse(struct http_req *req, int rc, const char *message)
{
	const struct op_error *e = op_error_of(rc);

	http_error(req, e->status, e->code, message ? message : e->message);
}
