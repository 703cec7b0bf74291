/*
 * blobs_test.c - blob files and the rows that name them, against a
 * temporary data directory and database: the same bytes uploaded again
 * while a removal of the first copy runs keep their file, whichever way
 * the two interleave; a removal never takes a file a row names, even a row
 * not committed yet; bytes stored again get a fresh file time (the sweep
 * of `refdesk admin purge` goes by it); blobs_keep() refuses bytes that are
 * not the ones named; blobs_clean() takes a crash's leftovers, not an
 * upload in progress.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "media/blobs.h"
#include "store/store.h"

static char dir[64];
static int64_t alpha, queue;
static const char bytes[] = "the same snapshot, uploaded twice";

static struct store *fresh_store(void)
{
	struct store *st = NULL;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0 || store_open(&st, dir) < 0)
		return NULL;
	store_account_add(st, "Alpha", "", &alpha);
	store_queue_add(st, alpha, "ask", "Ask", &queue);
	return st;
}

static void chat(struct store *st, int64_t id)
{
	struct store_chat c;

	memset(&c, 0, sizeof(c));
	c.id = id;
	snprintf(c.public_id, sizeof(c.public_id), "c_%lld", (long long)id);
	c.account_id = alpha;
	c.queue_id = queue;
	c.created_at = 100;
	CHECK_EQ(store_chat_add(st, &c), 0);
}

/* What an upload's row does on the writer: the file first, then the row. */
static int link_blob(struct store *st, int64_t id, const char *hash)
{
	int rc = blobs_keep(dir, hash, bytes, sizeof(bytes));

	return rc ? rc : store_chat_blob_add(st, id, hash, "image/png", sizeof(bytes), "a.png");
}

static int orphan(void *ctx, const char *hash)
{
	snprintf(ctx, BLOB_HASH_HEX, "%s", hash);
	return 0;
}

/* The file holds exactly `bytes`. */
static int file_is_whole(const char *hash)
{
	char path[4096], got[sizeof(bytes) + 8];
	FILE *f;
	size_t n;

	if (blobs_path(dir, hash, path, sizeof(path)) < 0 || !(f = fopen(path, "rb")))
		return 0;
	n = fread(got, 1, sizeof(got), f);
	fclose(f);
	return n == sizeof(bytes) && !memcmp(got, bytes, n);
}

static time_t mtime_of(const char *hash)
{
	char path[4096];
	struct stat sb;

	if (blobs_path(dir, hash, path, sizeof(path)) < 0 || stat(path, &sb) < 0)
		return -1;
	return sb.st_mtime;
}

static void make_old(const char *hash)
{
	char path[4096];
	struct timespec t[2] = {{time(NULL) - 7200, 0}, {time(NULL) - 7200, 0}};

	CHECK_EQ(blobs_path(dir, hash, path, sizeof(path)), 0);
	CHECK_EQ(utimensat(AT_FDCWD, path, t, 0), 0);
}

/*
 * Chat 1's transcript is deleted while chat 2 uploads the same bytes: the
 * upload finds the file (so writes nothing), the removal then finds no row
 * and unlinks, and only then the upload's row is added.  The row must not
 * name a missing file.
 */
static void upload_in_the_gap_keeps_its_file(void)
{
	struct store *st = fresh_store();
	char hash[BLOB_HASH_HEX], again[BLOB_HASH_HEX], gone[BLOB_HASH_HEX] = "";

	CHECK(st != NULL);
	chat(st, 1);
	chat(st, 2);
	CHECK_EQ(blobs_put(dir, bytes, sizeof(bytes), hash), 0);
	CHECK_EQ(link_blob(st, 1, hash), 0);
	CHECK_EQ(store_chat_set_status(st, 1, CHAT_ENDED, 0, 5000), 0);

	CHECK_EQ(blobs_put(dir, bytes, sizeof(bytes), again), 0); /* chat 2's worker */
	CHECK(!strcmp(hash, again));
	CHECK_EQ(store_chat_delete_transcript(st, 1, 7000, orphan, gone), 0);
	CHECK(!strcmp(gone, hash));
	CHECK_EQ(blobs_remove_unused(st, dir, gone), 1); /* nothing names it yet */
	CHECK_EQ(file_is_whole(hash), 0);
	CHECK_EQ(link_blob(st, 2, hash), 0);              /* chat 2's row, on the writer */

	CHECK_EQ(store_blob_in_use(st, hash), 1);
	CHECK_EQ(file_is_whole(hash), 1);
	store_free(st);
}

/* The other order: the row first (even uncommitted), then the removal, which keeps the file. */
static void removal_after_the_row_keeps_the_file(void)
{
	struct store *st = fresh_store();
	char hash[BLOB_HASH_HEX], gone[BLOB_HASH_HEX] = "";

	CHECK(st != NULL);
	chat(st, 1);
	chat(st, 2);
	CHECK_EQ(blobs_put(dir, bytes, sizeof(bytes), hash), 0);
	CHECK_EQ(link_blob(st, 1, hash), 0);
	CHECK_EQ(store_chat_set_status(st, 1, CHAT_ENDED, 0, 5000), 0);
	CHECK_EQ(store_chat_delete_transcript(st, 1, 7000, orphan, gone), 0);

	CHECK_EQ(store_begin(st), 0); /* the writer's batch */
	CHECK_EQ(link_blob(st, 2, hash), 0);
	CHECK_EQ(blobs_remove_unused(st, dir, gone), 0);
	CHECK_EQ(store_commit(st), 0);
	CHECK_EQ(file_is_whole(hash), 1);

	/* Once nothing names it, it goes; a second removal finds nothing to do. */
	CHECK_EQ(store_chat_set_status(st, 2, CHAT_ENDED, 0, 5000), 0);
	CHECK_EQ(store_chat_delete_transcript(st, 2, 7000, orphan, gone), 0);
	CHECK_EQ(blobs_remove_unused(st, dir, hash), 1);
	CHECK_EQ(file_is_whole(hash), 0);
	CHECK_EQ(blobs_remove_unused(st, dir, hash), 0);
	store_free(st);
}

/* An old file stored again looks new: the sweep keeps files younger than an hour. */
static void stored_again_is_fresh(void)
{
	char hash[BLOB_HASH_HEX];

	CHECK_EQ(blobs_put(dir, bytes, sizeof(bytes), hash), 0);
	make_old(hash);
	CHECK(mtime_of(hash) < time(NULL) - 3600);
	CHECK_EQ(blobs_put(dir, bytes, sizeof(bytes), hash), 0);
	CHECK(mtime_of(hash) >= time(NULL) - 60);

	make_old(hash);
	CHECK_EQ(blobs_keep(dir, hash, bytes, sizeof(bytes)), 0);
	CHECK(mtime_of(hash) >= time(NULL) - 60);
}

/* blobs_keep() writes back only the bytes the name stands for. */
static void keep_refuses_other_bytes(void)
{
	const char *nobody = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
	char path[4096];

	CHECK_EQ(blobs_keep(dir, nobody, bytes, sizeof(bytes)), -EINVAL);
	CHECK_EQ(blobs_path(dir, nobody, path, sizeof(path)), 0);
	CHECK_EQ(access(path, F_OK), -1);
	CHECK_EQ(blobs_keep(dir, "../../etc/passwd", bytes, sizeof(bytes)), -EINVAL);
}

/* A crash's leftover goes at the next start; another process's upload in progress stays. */
static void clean_leaves_a_fresh_temporary_file(void)
{
	char old[4200], fresh[4200], cmd[4300];
	struct timespec t[2] = {{time(NULL) - 7200, 0}, {time(NULL) - 7200, 0}};
	int fd;

	snprintf(cmd, sizeof(cmd), "mkdir -p %s/blobs/ab", dir);
	CHECK_EQ(system(cmd), 0);
	snprintf(old, sizeof(old), "%s/blobs/ab/.tmp-old", dir);
	snprintf(fresh, sizeof(fresh), "%s/blobs/ab/.tmp-fresh", dir);
	CHECK((fd = open(old, O_WRONLY | O_CREAT, 0600)) >= 0);
	close(fd);
	CHECK_EQ(utimensat(AT_FDCWD, old, t, 0), 0);
	CHECK((fd = open(fresh, O_WRONLY | O_CREAT, 0600)) >= 0);
	close(fd);
	blobs_clean(dir);
	CHECK(access(old, F_OK) != 0);
	CHECK_EQ(access(fresh, F_OK), 0);
}

int main(void)
{
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/refdesk-blobs-test-%d", (int)getpid());
	RUN(upload_in_the_gap_keeps_its_file);
	RUN(removal_after_the_row_keeps_the_file);
	RUN(stored_again_is_fresh);
	RUN(keep_refuses_other_bytes);
	RUN(clean_leaves_a_fresh_temporary_file);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	CHECK_EXIT();
}
