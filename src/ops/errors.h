/*
 * errors.h - the one vocabulary of refusals, from the rules up, and the one
 * place that says how each reads on the wire.
 *
 * The rules (chat/, share/, store/) and the operations return 0 or a
 * negative errno; a caller that must refuse hands that code to
 * client_refuse() (a WebSocket error) or http_refuse() (an HTTP status),
 * which look it up here.  PROTOCOL.md §3.6 lists the codes.
 *
 *   -ENOENT     not_found      404   no such thing, or not yours (they read the same)
 *   -ECANCELED  chat_ended     409   the chat has ended
 *   -EPERM      not_holder     403   only the operator who holds the chat may do that
 *   -EAGAIN     chat_waiting   403   nobody has accepted the chat yet
 *   -EALREADY   taken          409   another operator took it first
 *   -ENOTOFFERED not_offered   403   the chat was not offered to this operator
 *   -EINVAL     bad_request    400   a field is missing or malformed
 *   -EBADMSG    bad_message    400   a WebSocket message's fields are wrong
 *   -EEXIST     exists         409   that name is taken
 *   -EACCES     forbidden      403   the caller may not do that
 *   -E2BIG      too_large      413   over a size limit
 *   -EBUSY      busy           503   the server is busy; try again shortly
 *   anything else: storage     503   the server could not save it
 *
 * Loop thread only.
 */
#ifndef REFDESK_OPS_ERRORS_H
#define REFDESK_OPS_ERRORS_H

#include <jansson.h>

struct client;
struct http_req;

struct op_error {
	int rc;
	const char *code;     /* the wire's "code" */
	int status;           /* the HTTP status */
	const char *message;  /* what a person reads, unless the caller says better */
};

/* The entry for `rc` (negative errno); unknown codes read as storage. */
const struct op_error *op_error_of(int rc);

/* Answer a WebSocket request `id` with the error for `rc`; `message` or NULL for the default. */
void client_refuse(struct client *c, const char *id, int rc, const char *message);
/* Answer a WebSocket message whose fields did not unpack: bad_message, with jansson's reason. */
void client_bad_fields(struct client *c, const char *id, const json_error_t *err);
/* Answer an HTTP request with the status and error for `rc`; `message` as above. */
void http_refuse(struct http_req *req, int rc, const char *message);

#endif
