/*
 * uploads.h - snapshots and files: the upload route and the blob route
 * (PROTOCOL.md §2.6).  Images go through media/ on the worker pool, bytes
 * into the blob store, then the event is committed like a message.
 * Loop thread only.
 */
#ifndef REFDESK_NET_UPLOADS_H
#define REFDESK_NET_UPLOADS_H

#include <stdbool.h>

#include "net/api.h"

struct http_req;

/*
 * Called when a POST's headers have arrived: for an upload, check who may
 * post into that chat, the declared size and the rate before a byte of the
 * body is read.  Returns true when it answered already (refused).
 */
bool uploads_precheck(struct http_req *req);
/* Free the upload state a request carries (from req_free). */
void uploads_release(struct http_req *req);

void post_upload(struct http_req *req, API_PARAMS);
void get_blob(struct http_req *req, API_PARAMS);

#endif
