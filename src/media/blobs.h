/*
 * blobs.h - files stored by content: DATA/blobs/ab/abcdef… (SHA-256, hex).
 *
 * The same bytes are stored once.  blobs_put() writes a temporary file,
 * fsyncs it, renames it into place and fsyncs the directory, so a blob an
 * event points to is on disk before that event is committed.  Call it on a
 * worker thread (it waits for the disk).
 */
#ifndef REFDESK_MEDIA_BLOBS_H
#define REFDESK_MEDIA_BLOBS_H

#include <stdbool.h>
#include <stddef.h>

#define BLOB_HASH_HEX 65 /* 64 hex digits and a NUL */

/* Store `data`; its name goes to `hash`.  0 or a negative errno (-ENOSPC, -EIO). */
int blobs_put(const char *data_dir, const void *data, size_t len, char hash[BLOB_HASH_HEX]);

/* The path of a stored blob into `path` (size ≥ 4096); -EINVAL for a malformed hash. */
int blobs_path(const char *data_dir, const char *hash, char *path, size_t size);

/* Is `hash` 64 lower-case hex digits? */
bool blobs_hash_is_valid(const char *hash);

/* Remove blobs_put()'s leftovers (temporary files) after a crash. */
void blobs_clean(const char *data_dir);

#endif
