/*
 * canned_snapshots.h - canned snapshots (PROTOCOL.md §2.8): annotated images
 * kept for the account and sent to any of its chats by reference.  The
 * sharing tool saves one through the chat's upload route (X-Upload-Kind:
 * canned, uploads.c), which hands the processed image here.  Loop thread
 * only, except the write's apply().
 */
#ifndef REFDESK_OPS_CANNED_SNAPSHOTS_H
#define REFDESK_OPS_CANNED_SNAPSHOTS_H

#include <stddef.h>

#include "store/store.h"

struct http_req;

#define CANNED_SNAPSHOTS_MAX 200 /* entries per account */

/*
 * What an upload saves: the entry to add (account, operator, name, hashes,
 * sizes, alt) and the bytes of its image and thumbnail (borrowed from the
 * upload, which lives until `req` is answered), so the write can make sure
 * the files are there (blobs_keep()) before the rows that name them.
 */
struct canned_snapshot_save {
	struct store_canned_snap snap;
	const void *full, *thumb;
	size_t full_len, thumb_len;
};

/* Commit `s` through the writer and answer `req` (201 and the entry).  Takes `s` (malloc'd). */
void canned_snapshots_save(struct http_req *req, struct canned_snapshot_save *s);

#endif
