/*
 * blobs.h - files stored by content: DATA/blobs/ab/abcdef… (SHA-256, hex).
 *
 * The same bytes are stored once.  blobs_put() writes a temporary file,
 * fsyncs it, renames it into place and fsyncs the directory, so a blob an
 * event points to is on disk before that event is committed.  Call it on a
 * worker thread (it waits for the disk).
 *
 * A file and the chat_blobs rows that name it change together only under
 * the database's write lock (the writer thread's batch, or a transaction of
 * `refdesk admin purge`): blobs_remove_unused() unlinks a file only while
 * no row names it, and blobs_keep() makes sure the file is there before a
 * row naming it is added.  blobs_put() runs earlier, without the lock, and
 * may find the file about to go; the blobs_keep() of the same upload writes
 * it again.  So no committed row ever names a missing file.  On PostgreSQL,
 * where several processes sharing the directory each have a writer, the
 * "write lock" is per blob: store_blob_lock() before blobs_keep() and
 * inside blobs_remove_unused(), held to the end of the transaction.
 */
#ifndef REFDESK_MEDIA_BLOBS_H
#define REFDESK_MEDIA_BLOBS_H

#include <stdbool.h>
#include <stddef.h>

struct store;

#define BLOB_HASH_HEX 65 /* 64 hex digits and a NUL */

/*
 * Store `data`; its name goes to `hash`.  0 or a negative errno (-ENOSPC, -EIO).
 * Bytes stored already are not written again, but their file's time is
 * refreshed: an old file means no upload of it is on its way.
 */
int blobs_put(const char *data_dir, const void *data, size_t len, char hash[BLOB_HASH_HEX]);

/* The path of a stored blob into `path` (size ≥ 4096); -EINVAL for a malformed hash. */
int blobs_path(const char *data_dir, const char *hash, char *path, size_t size);

/* Is `hash` 64 lower-case hex digits? */
bool blobs_hash_is_valid(const char *hash);

/*
 * Before adding a chat_blobs row naming `hash`, with the database's write
 * lock held (on the writer thread; and store_blob_lock(hash)): make sure the file is there and fresh,
 * writing `data` again if a removal took it since blobs_put().  0, -EINVAL
 * if `data` is not the bytes named `hash`, or a negative errno of the disk.
 */
int blobs_keep(const char *data_dir, const char *hash, const void *data, size_t len);

/*
 * After the commit that dropped rows naming `hash`, with the database's
 * write lock held (on the writer thread, or inside store_begin()): unlink
 * the file unless a row names it again.  1 removed, 0 kept (named again, or
 * gone already), or a negative errno.
 */
int blobs_remove_unused(struct store *st, const char *data_dir, const char *hash);

/*
 * Remove blobs_put()'s leftovers (temporary files) after a crash: those an
 * hour old or more, so that an upload another process is writing into the
 * same directory at that moment keeps its file.
 */
void blobs_clean(const char *data_dir);

#endif
