/*
 * blobs.c - see blobs.h.
 *
 * Why the write lock: a file is shared by every chat that uploaded the same
 * bytes, and an upload writes (or finds) its file long before the writer
 * commits the row that makes its chat read it.  A removal that looked for
 * rows and unlinked on another thread could run in that gap and leave the
 * new row naming nothing (a 404 for good).  The writer thread commits every
 * row, so a check-and-unlink there cannot interleave with a row being added,
 * and the add checks the file first; `refdesk admin purge` takes the same
 * lock with BEGIN IMMEDIATE.
 */
#include "media/blobs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "store/store.h"

bool blobs_hash_is_valid(const char *hash)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((hash[i] >= '0' && hash[i] <= '9') || (hash[i] >= 'a' && hash[i] <= 'f')))
			return false;
	return hash[64] == '\0';
}

int blobs_path(const char *data_dir, const char *hash, char *path, size_t size)
{
	if (!blobs_hash_is_valid(hash))
		return -EINVAL;
	if (snprintf(path, size, "%s/blobs/%.2s/%s", data_dir, hash, hash) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

static int mkdir_p(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int blobs_put(const char *data_dir, const void *data, size_t len, char hash[BLOB_HASH_HEX])
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char dir[4096], path[4096], tmp[4200], suffix[16];
	struct stat sb;
	int fd, rc;

	crypto_hash_sha256(digest, data, len);
	sodium_bin2hex(hash, BLOB_HASH_HEX, digest, sizeof(digest));
	if (snprintf(dir, sizeof(dir), "%s/blobs/%.2s", data_dir, hash) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	rc = blobs_path(data_dir, hash, path, sizeof(path));
	if (rc < 0)
		return rc;
	/* Stored already: the fresh time tells the sweep an upload still wants it. */
	if (stat(path, &sb) == 0 && (size_t)sb.st_size == len &&
	    utimensat(AT_FDCWD, path, NULL, 0) == 0)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s/blobs", data_dir);
	if ((rc = mkdir_p(tmp)) < 0 || (rc = mkdir_p(dir)) < 0)
		return rc;
	rand_token(suffix, 6);
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%s", dir, suffix);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	rc = write_all(fd, data, len);
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		log_error("blobs: cannot store %s: %s", hash, strerror(-rc));
		return rc;
	}
	return fsync_path(dir);
}

int blobs_keep(const char *data_dir, const char *hash, const void *data, size_t len)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char path[4096], again[BLOB_HASH_HEX];
	int rc = blobs_path(data_dir, hash, path, sizeof(path));

	if (rc < 0)
		return rc;
	if (utimensat(AT_FDCWD, path, NULL, 0) == 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	/* Taken by a removal since blobs_put(): the bytes are still in memory. */
	crypto_hash_sha256(digest, data, len);
	sodium_bin2hex(again, sizeof(again), digest, sizeof(digest));
	if (strcmp(again, hash))
		return -EINVAL;
	log_info("blobs: %.12s… was removed under an upload; writing it again", hash);
	return blobs_put(data_dir, data, len, again);
}

int blobs_remove_unused(struct store *st, const char *data_dir, const char *hash)
{
	char path[4096];
	int rc = store_blob_lock(st, hash); /* another process's upload of it waits, or we do */

	if (rc < 0)
		return rc;
	rc = store_blob_in_use(st, hash);

	if (rc != 0)
		return rc < 0 ? rc : 0;
	rc = blobs_path(data_dir, hash, path, sizeof(path));
	if (rc < 0)
		return rc;
	if (unlink(path) < 0)
		return errno == ENOENT ? 0 : -errno;
	return 1;
}

/* A temporary file this old is no upload in progress. */
#define BLOBS_TMP_STALE_SECS 3600

void blobs_clean(const char *data_dir)
{
	char top[4096], sub[4400], victim[4700];
	time_t stale = time(NULL) - BLOBS_TMP_STALE_SECS;
	struct dirent *d, *e;
	struct stat sb;
	DIR *a, *b;

	snprintf(top, sizeof(top), "%s/blobs", data_dir);
	a = opendir(top);
	if (!a)
		return;
	while ((d = readdir(a))) {
		if (d->d_name[0] == '.' || strlen(d->d_name) != 2)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", top, d->d_name);
		b = opendir(sub);
		if (!b)
			continue;
		while ((e = readdir(b)))
			if (!strncmp(e->d_name, ".tmp-", 5)) {
				snprintf(victim, sizeof(victim), "%s/%s", sub, e->d_name);
				if (stat(victim, &sb) == 0 && sb.st_mtime <= stale)
					unlink(victim);
			}
		closedir(b);
	}
	closedir(a);
}
