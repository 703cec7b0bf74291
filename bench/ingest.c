/*
 * ingest.c - how fast and how lean refdesk's image intake is, beside
 * vipsthumbnail on the same files in the same run.  Prints figures; asserts
 * nothing.
 *
 *   build/bench/ingest [RUNS]
 *
 * (It runs itself as `--make FILE`, `--one FILE` and `--nothing` for the
 * measured child processes.)
 *
 * Makes a 1920×1080 and a 3840×2160 screenshot-like PNG (text-like
 * stripes), then for each, RUNS times: runs refdesk's whole ingestion
 * (sniff, header check, decode, re-encode, thumbnail) in a fresh child
 * process, and `vipsthumbnail` (the thumbnail alone) as a process, and
 * reports the median wall time and the median peak resident memory of
 * each.  Then times the refusal of a 50,000×50,000 PNG header in-process.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <vips/vips.h>

#include "media/media.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[n / 2];
}

/* A screenshot-like image: a light page with dark "text" rows. */
static int make_png(const char *path, int w, int h)
{
	VipsImage *x, *y, *a, *b, *page, *rgb;
	int rc;

	if (vips_xyz(&x, w, h, NULL))
		return -1;
	vips_extract_band(x, &a, 0, NULL);
	vips_extract_band(x, &b, 1, NULL);
	/* ((x*7 + y*13) % 256 > 200) ? 30 : 245, as three bands */
	vips_linear1(a, &y, 7, 0, NULL);
	g_object_unref(a);
	vips_linear1(b, &a, 13, 0, NULL);
	g_object_unref(b);
	vips_add(y, a, &b, NULL);
	g_object_unref(y);
	g_object_unref(a);
	vips_remainder_const1(b, &a, 256, NULL);
	g_object_unref(b);
	vips_more_const1(a, &b, 200, NULL);
	g_object_unref(a);
	vips_linear1(b, &page, -215.0 / 255.0, 245, "uchar", TRUE, NULL);
	g_object_unref(b);
	vips_bandjoin_const1(page, &a, 245, NULL);
	vips_bandjoin_const1(a, &rgb, 245, NULL);
	g_object_unref(a);
	g_object_unref(page);
	g_object_unref(x);
	rc = vips_image_write_to_file(rgb, path, NULL);
	g_object_unref(rgb);
	return rc;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		exit(1);
	buf = malloc((size_t)n);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/*
 * Run argv as a fresh process; returns wall seconds and its peak RSS in MB.
 * (A fresh exec, never a bare fork: libvips' threads do not survive fork.)
 */
static void measure(char *const argv[], double *secs, double *mb)
{
	struct rusage ru;
	double t = now();
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	wait4(pid, &status, 0, &ru);
	*secs = now() - t;
	*mb = (double)ru.ru_maxrss / 1024.0;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "ingest: child failed (%d)\n", status);
		exit(1);
	}
}

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
	}
	return c ^ 0xffffffffu;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* 57 bytes: a PNG signature, an IHDR claiming 50,000 x 50,000 RGB, an empty IDAT, IEND. */
static void png_bomb(unsigned char out[57])
{
	static const unsigned char head[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
					      0, 0, 0, 13, 'I', 'H', 'D', 'R' };
	static const unsigned char iend[] = { 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82 };

	memcpy(out, head, sizeof(head));
	put32(out + 16, 50000);
	put32(out + 20, 50000);
	out[24] = 8;
	out[25] = 2;
	out[26] = out[27] = out[28] = 0;
	put32(out + 29, crc32_of(out + 12, 17));
	put32(out + 33, 0);
	memcpy(out + 37, "IDAT", 4);
	put32(out + 41, crc32_of(out + 37, 4));
	memcpy(out + 45, iend, sizeof(iend));
}

/* `ingest --one FILE`: the whole intake of one file, as refdesk's worker does it. */
static int ingest_file(const char *path)
{
	struct media_limits lim = { 15 << 20, 40000000 };
	struct media_image img;
	size_t len;
	char *data = slurp(path, &len);

	if (media_init() || media_ingest(data, len, &lim, &img))
		return 1;
	media_image_release(&img);
	free(data);
	return 0;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 7, i, s;
	const int sizes[2][2] = { { 1920, 1080 }, { 3840, 2160 } };
	char dir[] = "/tmp/refdesk-ingest-XXXXXX", png[256], thumb[300];
	double t[64], m[64], base_t[64], base_m[64], vt[64], vm[64];

	if (argc == 3 && !strcmp(argv[1], "--one"))
		return ingest_file(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--make")) {
		int w, h;

		if (sscanf(strrchr(argv[2], '-') + 1, "%dx%d", &w, &h) != 2 || VIPS_INIT(argv[0]))
			return 2;
		return make_png(argv[2], w, h) ? 1 : 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--nothing"))
		return media_init() ? 1 : 0;
	if (runs < 1 || runs > 64 || !mkdtemp(dir))
		return 2;
	for (i = 0; i < runs; i++) {
		char *bargv[] = { "/proc/self/exe", "--nothing", NULL };

		measure(bargv, &base_t[i], &base_m[i]);
	}
	printf("process baseline (libvips started, nothing done): %.3f s, %.1f MB peak RSS\n\n",
	       median(base_t, runs), median(base_m, runs));
	printf("%-11s %-28s %10s %12s %14s\n", "image", "what", "median s", "peak RSS MB",
	       "over baseline");
	for (s = 0; s < 2; s++) {
		snprintf(png, sizeof(png), "%s/shot-%dx%d.png", dir, sizes[s][0], sizes[s][1]);
		snprintf(thumb, sizeof(thumb), "%s/tn_%%s.jpg", dir);
		{
			char *margv[] = { "/proc/self/exe", "--make", png, NULL };
			double x, y;

			measure(margv, &x, &y);
		}
		for (i = 0; i < runs; i++) {
			char *vargv[] = { "vipsthumbnail", png, "--size", "320x240", "-o", thumb, NULL };
			char *rargv[] = { "/proc/self/exe", "--one", png, NULL };

			measure(rargv, &t[i], &m[i]);
			measure(vargv, &vt[i], &vm[i]);
		}
		printf("%4dx%-6d %-28s %10.3f %12.1f %14.1f\n", sizes[s][0], sizes[s][1],
		       "refdesk ingestion (all)", median(t, runs), median(m, runs),
		       median(m, runs) - median(base_m, runs));
		printf("%4dx%-6d %-28s %10.3f %12.1f\n", sizes[s][0], sizes[s][1],
		       "vipsthumbnail (thumb only)", median(vt, runs), median(vm, runs));
		printf("%-11s %-28s %10.2fx\n", "", "time ratio refdesk/vips",
		       median(t, runs) / median(vt, runs));
	}
	{
		/* The bomb: in-process, the header check alone. */
		struct media_limits lim = { 15 << 20, 40000000 };
		unsigned char bomb[57];

		png_bomb(bomb);
		struct media_image img;
		double best = 1e9, t0;
		int rc = 0;

		if (media_init())
			return 1;
		for (i = 0; i < 100; i++) {
			t0 = now();
			rc = media_ingest(bomb, sizeof(bomb), &lim, &img);
			if (!rc)
				media_image_release(&img);
			if (now() - t0 < best)
				best = now() - t0;
		}
		printf("\n50000x50000 PNG header (%zu bytes): %s in %.3f ms (best of 100)\n",
		       sizeof(bomb), rc == -E2BIG ? "refused" : "NOT REFUSED", best * 1000);
	}
	snprintf(thumb, sizeof(thumb), "rm -rf %s", dir);
	return system(thumb) ? 1 : 0;
}
