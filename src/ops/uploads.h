/*
 * uploads.h - snapshots and files: the upload route and the blob route
 * (PROTOCOL.md §2.6).  Images go through media/ on the worker pool, bytes
 * into the blob store, then the event is committed like a message.
 * Loop thread only.
 */
#ifndef REFDESK_OPS_UPLOADS_H
#define REFDESK_OPS_UPLOADS_H

#include <stdbool.h>
#include <stdio.h>

#include "media/blobs.h"

struct http_req;

/*
 * Remove the files of `hash[0..n)` that no chat reads, after the commit that
 * dropped their rows.  Takes ownership of `hash` (malloc'd).  The unlinks run
 * in a writer op, where no upload's row can be added between the check and
 * the unlink (see media/blobs.h); once the writer is stopping, here.
 */
struct app;
void uploads_remove_unused(struct app *app, char (*hash)[BLOB_HASH_HEX], size_t n);

/* Free the upload state a request carries (the transport's release hook). */
void uploads_release(struct http_req *req);

/* Print the upload limits, as `cfg` sets them, as `refdesk limits` lines. */
struct app_config;
void uploads_print_limits(FILE *out, const struct app_config *cfg);

#endif
