/*
 * bench/disksync - this disk's own commit time: what the relay's latency
 * target is measured against.
 *
 *   bench/disksync DIR [COUNT]
 *
 * Appends COUNT (default 400) blocks of 4 KiB to a new file in DIR, each
 * followed by fdatasync(), as a database's log is written and synced at
 * each commit, and prints one line:
 *
 *   RESULT disk dir=DIR n=COUNT p50_ms=… p99_ms=… max_ms=…
 *
 * The file is removed at the end.  Run it on the file system where the
 * server keeps its data (bench/run does, in the same run as the relay).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	char path[4096], block[4096];
	double *ms;
	long n = 400, i;
	int fd;

	if (argc < 2 || argc > 3 || (argc == 3 && (n = strtol(argv[2], NULL, 10)) < 10)) {
		fprintf(stderr, "usage: disksync DIR [COUNT >= 10]\n");
		return 2;
	}
	if (snprintf(path, sizeof(path), "%s/disksync.%ld", argv[1], (long)getpid()) >= (int)sizeof(path)) {
		fprintf(stderr, "disksync: directory name too long\n");
		return 2;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "disksync: %s: %s\n", path, strerror(errno));
		return 1;
	}
	ms = calloc((size_t)n, sizeof(*ms));
	if (!ms) {
		close(fd);
		unlink(path);
		return 1;
	}
	for (i = 0; i < (long)sizeof(block); i++)
		block[i] = (char)(i * 31 + 7);
	for (i = 0; i < n; i++) {
		double t0 = now_ms();

		block[0] = (char)i; /* no two blocks alike */
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block) || fdatasync(fd) < 0) {
			fprintf(stderr, "disksync: %s: %s\n", path, strerror(errno));
			close(fd);
			unlink(path);
			return 1;
		}
		ms[i] = now_ms() - t0;
	}
	close(fd);
	unlink(path);
	qsort(ms, (size_t)n, sizeof(*ms), cmp);
	printf("RESULT disk dir=%s n=%ld p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n", argv[1], n, ms[n / 2],
	       ms[(n * 99) / 100], ms[n - 1]);
	free(ms);
	return 0;
}
