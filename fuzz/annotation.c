/*
 * annotation.c - fuzz what the server checks about an annotation upload
 * (X-Upload-Kind: annotation, uploads.c): the editor's document must be a
 * JSON object (duplicate keys refused), and an accepted one is stored as a
 * blob byte for byte, to be opened again by the editor.
 *
 * uploads.c is compiled into this file to reach upload_run(), the worker
 * step that checks and stores the body; the blob store is a directory in
 * /dev/shm (or $TMPDIR).  Checked: a document is accepted exactly when
 * jansson reads a JSON object from it, and the stored blob, read back, is
 * the same bytes.
 */
#include "ops/uploads.c"

#include <ftw.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256];

static int unlink_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_dir(void)
{
	nftw(dir, unlink_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void check_stored(const struct upload *u, const uint8_t *data, size_t size)
{
	char path[4096], *back;
	int fd;

	if (blobs_path(dir, u->hash, path, sizeof(path)) < 0 ||
	    (fd = open(path, O_RDONLY)) < 0) {
		fprintf(stderr, "annotation: accepted but not stored\n");
		abort();
	}
	back = read_exactly(fd, size);
	close(fd);
	if (!back || memcmp(back, data, size) || u->size != size) {
		fprintf(stderr, "annotation: the stored document differs\n");
		abort();
	}
	unlink(path);
	free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct app_config cfg;
	static struct app app;
	struct http_req req;
	struct upload u;
	json_t *doc;
	bool is_object;

	if (!dir[0]) {
		const char *base = access("/dev/shm", W_OK) ? getenv("TMPDIR") : "/dev/shm";

		snprintf(dir, sizeof(dir), "%s/refdesk-fuzz-XXXXXX", base ? base : "/tmp");
		if (!mkdtemp(dir))
			abort();
		atexit(remove_dir);
		app_config_defaults(&cfg);
		cfg.data_dir = dir;
		app.cfg = &cfg;
	}
	/* uploads_precheck() refuses a bigger annotation before reading it. */
	if (size > ANNOTATION_MAX)
		return 0;
	memset(&req, 0, sizeof(req));
	memset(&u, 0, sizeof(u));
	req.body = xmalloc(size + 1);
	memcpy(req.body, data, size);
	req.body_len = size;
	u.app = &app;
	u.req = &req;
	u.is_annotation = true;
	upload_run(&u.work);

	doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	is_object = json_is_object(doc);
	json_decref(doc);
	if ((u.rc == 0) != is_object || (u.rc && u.rc != -EBADMSG)) {
		fprintf(stderr, "annotation: rc %d for a document that is%s an object\n", u.rc,
			is_object ? "" : " not");
		abort();
	}
	if (u.rc == 0)
		check_stored(&u, data, size);
	free(req.body);
	return 0;
}
